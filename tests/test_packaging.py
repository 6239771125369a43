"""The package (issue 24, item 1): ``python -m build`` makes a wheel and an sdist that pass
``twine check``, carry the README, the license, classifiers, project URLs and the entry point, hold
what the server reads at run time and nothing of the tests, and install and run anywhere: a fresh
venv outside the repository, and ``uvx --from dist/...whl``. The release workflow runs the same
steps (scripts/release_check.py). Without the otel extra, tracing is a no-op.
"""

from __future__ import annotations

import ast
import email
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import textwrap
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from mcp import Client, StdioServerParameters

import server
from otlp_receiver import otlp_receiver
from shipping import ROOT, Built, host_env, pipx, release, uv


def tracked_assets() -> list[str]:
    """Every file under server/ that is not Python: what the server reads at run time."""
    try:
        listed = subprocess.run(["git", "ls-files", "server"], cwd=ROOT, capture_output=True, text=True,
                                check=True).stdout.split()
    except (OSError, subprocess.CalledProcessError):  # not a git checkout: what is on disk
        listed = [str(p.relative_to(ROOT)) for p in (ROOT / "server").rglob("*") if p.is_file()]
    return sorted(p for p in listed if not p.endswith((".py", ".pyc")) and "__pycache__" not in p)


def test_twine_check_passes_on_both(built: Built):
    out = release.twine_check(built.sdist, built.wheel)
    assert out.count("PASSED") == 2


def test_the_wheel_carries_its_metadata_and_run_time_assets_and_nothing_of_the_tests(built: Built):
    with zipfile.ZipFile(built.wheel) as whl:
        names = whl.namelist()
        info = f"livechat_mcp-{server.__version__}.dist-info"
        meta = email.message_from_string(whl.read(f"{info}/METADATA").decode())
        entry_points = whl.read(f"{info}/entry_points.txt").decode()
    assert meta["Name"] == "livechat-mcp" and meta["Version"] == server.__version__
    assert meta["License-Expression"] == "MIT" and f"{info}/licenses/LICENSE" in names
    assert meta["Requires-Python"] == ">=3.11"
    classifiers = meta.get_all("Classifier")
    for wanted in ("Programming Language :: Python :: 3.11", "Typing :: Typed", "Environment :: Console",
                   "Operating System :: OS Independent"):
        assert wanted in classifiers, wanted
    urls = dict(u.split(", ", 1) for u in meta.get_all("Project-URL"))
    assert {"Homepage", "Repository", "Documentation", "Issues"} <= set(urls)
    assert meta["Description-Content-Type"] == "text/markdown"
    assert meta.get_payload().startswith("# livechat-mcp")  # the README is the long description
    assert "livechat-mcp = server.doors.cli:main" in entry_points
    assert "otel" in meta.get_all("Provides-Extra")
    # Everything the server reads at run time (the review app, the presets, the py.typed marker).
    assets = tracked_assets()
    assert "server/doors/review_app.html" in assets and "server/policies/presets/read-only.toml" in assets
    missing = [a for a in assets if a not in names]
    assert not missing, missing
    # Nothing of the tests, and no top-level package but the server's.
    assert not [n for n in names if n.startswith(("tests/", "bench/", "scripts/")) or "conftest" in n]
    assert {n.split("/", 1)[0] for n in names} == {"server", info}


def test_the_sdist_carries_the_source_and_nothing_of_the_tests(built: Built):
    with tarfile.open(built.sdist) as tar:
        names = [n.split("/", 1)[1] for n in tar.getnames() if "/" in n]
    for wanted in ("pyproject.toml", "README.md", "LICENSE", "server/__init__.py", "server/doors/review_app.html"):
        assert wanted in names, wanted
    assert not [n for n in names if n.startswith(("tests/", "bench/", "tools/", ".ci/", ".github/", "docs/"))]


def test_the_wheel_installed_in_a_fresh_venv_serves_the_sandbox_over_stdio(installed: Path, tmp_path: Path):
    result = release.smoke(installed, tmp_path / "home")  # --version, then an MCP client over stdio
    assert {"list_agents", "get_agent", "whoami"} <= set(result["tools"]) and result["call_ok"]
    assert result["review_app"]  # the review app's page came from the installed package
    # It is the installed copy that runs, not this repository.
    where = subprocess.run([str(installed.parent / "python"), "-c", "import server; print(server.__file__)"],
                           capture_output=True, text=True, cwd=tmp_path, env={"PATH": "/usr/bin:/bin"})
    assert where.stdout.startswith(str(installed.parent.parent)) and str(ROOT) not in where.stdout
    # A preset is package data too.
    dry = subprocess.run([str(installed), "tools", "--json", "--sandbox", "--policy", "dry-run"], cwd=tmp_path,
                         env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}, capture_output=True, text=True,
                         timeout=120)
    assert dry.returncode == 0 and any(t["access"] == "write" for t in json.loads(dry.stdout))


@pytest.mark.anyio
async def test_uvx_runs_the_wheel_as_the_readme_says(built: Built, tmp_path: Path):
    """`uvx --from dist/livechat_mcp-...whl livechat-mcp --sandbox`, as an MCP client starts it."""
    (tmp_path / "home").mkdir()
    env = host_env(tmp_path / "home", built.uv_cache)
    params = StdioServerParameters(command=uv(), args=["tool", "run", "--from", str(built.wheel), "livechat-mcp",
                                                       "--sandbox"], env=env, cwd=str(tmp_path))
    async with Client(params) as client:
        tools = {t.name for t in (await client.list_tools()).tools}
        answer = await client.call_tool("list_tags", {})
    assert {"list_tags", "list_agents"} <= tools and not answer.is_error
    # Its client entry does not point into uv's cache (uv may clean it): it runs uvx livechat-mcp.
    printed = subprocess.run([uv(), "tool", "run", "--from", str(built.wheel), "livechat-mcp", "config", "claude",
                              "--sandbox"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    entry = json.loads(printed.stdout)["mcpServers"]["livechat"]
    assert Path(entry["command"]).name == "uvx" and Path(entry["command"]).is_absolute()
    assert entry["args"] == ["livechat-mcp", "--sandbox"]


# The one-line installs people type: from the built wheel (as from PyPI once published), and the
# README's "without a venv of your own" lines from a clone (editable, and uvx --from .).
INSTALLS = {
    "pipx wheel": lambda wheel: [pipx(), "install", str(wheel)],
    "uv tool wheel": lambda wheel: [uv(), "tool", "install", str(wheel)],
    "pipx -e clone": lambda wheel: [pipx(), "install", "-e", str(ROOT)],
    "uv tool -e clone": lambda wheel: [uv(), "tool", "install", "-e", str(ROOT)],
    "uvx --from clone": None,
}


@pytest.mark.parametrize("install", list(INSTALLS))
def test_the_one_line_installs_give_a_command_that_runs_from_a_clean_shell(install: str, built: Built, tmp_path: Path):
    """`pipx install` / `uv tool install` of the wheel or (editable) of a clone put a livechat-mcp on
    the person's PATH, in its own environment; `uvx --from .` runs a clone's without installing it."""
    bin_dir, home = tmp_path / "bin", tmp_path / "home"
    home.mkdir()
    env = {**host_env(home, built.uv_cache), "PIPX_HOME": str(tmp_path / "pipx"), "PIPX_BIN_DIR": str(bin_dir),
           "PIPX_MAN_DIR": str(tmp_path / "man"), "UV_TOOL_DIR": str(tmp_path / "uv-tools"),
           "UV_TOOL_BIN_DIR": str(bin_dir)}
    command = INSTALLS[install]
    if command is None:  # the README: `uvx --from . livechat-mcp --sandbox`, in the clone
        run = [uv(), "tool", "run", "--from", ".", "livechat-mcp"]
        clean, cwd = env, ROOT
    else:
        done = subprocess.run(command(built.wheel), env=env, cwd=tmp_path, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stdout + done.stderr
        run, clean, cwd = ["livechat-mcp"], {"PATH": f"{bin_dir}:/usr/bin:/bin", "HOME": str(home)}, home
        where = Path(shutil.which("livechat-mcp", path=clean["PATH"]) or "").resolve()
        assert str(tmp_path) in str(where) and str(ROOT) not in str(where)  # the tool's own environment
    shown = subprocess.run([*run, "--version"], env=clean, cwd=cwd, capture_output=True, text=True, timeout=300)
    assert shown.stdout.strip() == f"livechat-mcp {server.__version__}", shown.stderr
    listed = subprocess.run([*run, "tools", "--json", "--sandbox"], env=clean, cwd=cwd, capture_output=True, text=True,
                            timeout=300)
    assert listed.returncode == 0 and "list_agents" in {t["name"] for t in json.loads(listed.stdout)}, listed.stderr


def test_the_sdist_installs_and_serves_the_sandbox_over_stdio(built: Built, tmp_path: Path):
    """The sdist is built into a wheel where it is installed (the release workflow's --sdist-too)."""
    exe = release.install(built.sdist, tmp_path / "venv", "uv", env={**os.environ, "UV_CACHE_DIR": str(built.uv_cache)})
    result = release.smoke(exe, tmp_path / "home")
    assert {"list_agents", "get_agent"} <= set(result["tools"]) and result["call_ok"] and result["review_app"]


def test_tracing_is_a_no_op_without_the_otel_extra(installed: Path, tmp_path: Path):
    """The wheel installed without extras: an OTLP endpoint set anyway sends nothing, breaks
    nothing, and one line says what to install."""
    with otlp_receiver() as receiver:
        done = subprocess.run([str(installed), "call", "list_tags", "{}", "--sandbox"], cwd=tmp_path, timeout=120,
                              env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path),
                                   "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint},
                              capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        assert "livechat-mcp[otel]" in done.stderr and "no traces are sent" in done.stderr
        assert receiver.paths == []
    has_sdk = subprocess.run([str(installed.parent / "python"), "-c", "import opentelemetry.sdk"],
                             capture_output=True, timeout=60)
    assert has_sdk.returncode != 0  # the extra really is absent there


def test_the_version_is_written_once():
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert 'dynamic = ["version"]' in pyproject and 'attr = "server.__version__"' in pyproject
    done = subprocess.run([sys.executable, "-m", "server.doors.cli", "--version"], capture_output=True, text=True,
                          cwd=ROOT, timeout=60)
    assert done.stdout.strip() == f"livechat-mcp {server.__version__}"


def test_the_readme_shows_the_one_line_installs_and_the_registry_name():
    readme = (ROOT / "README.md").read_text()
    assert "uvx livechat-mcp --sandbox" in readme and "pipx install livechat-mcp" in readme
    assert "livechat-mcp.mcpb" in readme  # the Claude Desktop bundle
    name = json.loads((ROOT / "server.json").read_text())["name"]
    assert f"mcp-name: {name}" in readme  # PyPI ownership marker the MCP Registry checks


def test_the_release_workflow_builds_checks_and_smoke_tests_the_artifacts():
    workflow = (ROOT / ".github" / "workflows" / "release.yml").read_text()
    runs = " ".join(re.findall(r"run: (.+)", workflow)) + " ".join(
        line.strip() for block in re.findall(r"run: \|\n((?:\s{10,}.+\n)+)", workflow) for line in block.splitlines())
    assert "python scripts/release_check.py" in runs and "--sdist-too" in runs  # build, twine check, smoke
    assert "python scripts/build_bundle.py" in runs and "npm ci" in runs
    assert "python scripts/server_json.py --check" in runs
    assert "pypa/gh-action-pypi-publish" in workflow and "id-token: write" in workflow  # trusted publishing
    assert "mcp-publisher" in workflow  # the registry entry


def workflow_steps(job: str) -> dict[str, str]:
    """The named steps of one job of the release workflow that run a command: {name: command}."""
    text = (ROOT / ".github" / "workflows" / "release.yml").read_text()
    body = re.search(rf"^  {job}:\n((?:    .*\n|\n)+)", text, re.MULTILINE)
    assert body is not None, job
    steps: dict[str, str] = {}
    for step in re.split(r"^      - ", body.group(1), flags=re.MULTILINE)[1:]:
        name = re.search(r"^name: (.+)$", step, re.MULTILINE)
        block = re.search(r"^        run: \|\n((?:          .*\n)+)", step, re.MULTILINE)
        line = re.search(r"^        run: (?!\|)(.+)$", step, re.MULTILINE)
        if name and (block or line):
            steps[name.group(1)] = textwrap.dedent(block.group(1)) if block else line.group(1)  # type: ignore[union-attr]
    return steps


def test_the_release_workflow_steps_need_only_what_the_workflow_installs(tmp_path: Path):
    """The build job installs build and twine, nothing of the project: its checks run on the bare
    interpreter (a step importing the server's dependencies would fail on the tag push, when it matters)."""
    steps = workflow_steps("build")
    assert "python -m pip install --upgrade pip build twine" in steps["Tools"]
    bare = tmp_path / "bare"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(bare)], check=True)
    env = {"PATH": f"{bare / 'bin'}:/usr/bin:/bin", "HOME": str(tmp_path)}
    check = steps["server.json is in sync with the CLI and the guide"]
    done = subprocess.run(["bash", "-e", "-c", check], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    tag = steps["The tag names this version"]
    for ref, code in ((f"v{server.__version__}", 0), ("v9.9.9", 1)):  # a tag naming another version stops the release
        done = subprocess.run(["bash", "-e", "-c", tag], cwd=ROOT, env={**env, "GITHUB_REF_NAME": ref},
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == code, (ref, done.stderr)
    # The scripts the other steps run import only the standard library at their top (release_check's
    # smoke client runs in the venv it installed; the bundle's main.py runs in the bundle).
    for path in (ROOT / "scripts").glob("*.py"):
        tree = ast.parse(path.read_text())
        imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                    for alias in node.names}
        imported |= {node.module.split(".")[0] for node in ast.walk(tree)
                     if isinstance(node, ast.ImportFrom) and node.module and node.level == 0}
        assert imported <= set(sys.stdlib_module_names) | {"__future__"}, (path.name, imported)


@pytest.fixture(autouse=True)
def _no_repository_on_the_path() -> Iterator[None]:
    """The packaging checks must not import this repository by accident through PYTHONPATH."""
    saved = os.environ.pop("PYTHONPATH", None)
    yield
    if saved is not None:
        os.environ["PYTHONPATH"] = saved
