"""The newcomer's path (issue 18, item 6): the README's two commands work as written where pip
refuses to install outside a virtual environment; client entries work from a desktop app whose
PATH lacks the venv; a terminal user is told what the server waits for and Ctrl-C quits; `call`
reads arguments from stdin or a file; `apply` without write permission answers in one line;
`--help` shows examples and the environment variables."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import re
import select
import shutil
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest
from mcp import Client, StdioServerParameters

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
EXE = str(Path(sys.executable).parent / "livechat-mcp")
BASE_ENV = {k: v for k, v in os.environ.items() if not k.startswith(("LIVECHAT_", "VIRTUAL_ENV"))}


def quick_start_commands() -> list[str]:
    section = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.+?)\n```", section)


def cli(*args: str, stdin: str | None = None, cwd: Path | None = None,
        env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    if stdin is None:
        return subprocess.run([EXE, *args], stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              timeout=60, cwd=cwd, env={**BASE_ENV, **(env or {})})
    return subprocess.run([EXE, *args], input=stdin, capture_output=True, text=True, timeout=60,
                          cwd=cwd, env={**BASE_ENV, **(env or {})})


# --- the README's two commands ------------------------------------------------------------------


def test_readme_commands_make_and_use_a_venv_and_ci_runs_the_test_command_exactly():
    serve, test = quick_start_commands()
    venv = "python3 -m venv .venv && . .venv/bin/activate && "
    assert serve == venv + "pip install -e . && livechat-mcp --sandbox"
    assert test == venv + 'pip install -e ".[test]" && python -m pytest'
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert test in ci  # CI runs the README's test command, as written
    assert "pipx" in README and "uv tool install" in README


def test_quick_start_works_where_pip_refuses_to_install_outside_a_venv(tmp_path):
    """PIP_REQUIRE_VIRTUALENV makes pip refuse any install outside a venv, as Debian's and
    Ubuntu's system Python does (PEP 668); the command must still work, exactly as written."""
    project = tmp_path / "livechat-mcp"
    top = {".venv", ".git", ".ci", "tests", "tools", "bench", "docs", ".pytest_cache"}

    def skip(folder: str, names: list[str]) -> set[str]:  # a fresh checkout: no venv, no build output
        return {n for n in names if (Path(folder) == ROOT and n in top) or n == "__pycache__"
                or n.endswith(".egg-info")}

    shutil.copytree(ROOT, project, ignore=skip)
    env = {**BASE_ENV, "PIP_REQUIRE_VIRTUALENV": "true", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep)
                                  if not p.startswith(str(Path(sys.executable).parent)))
    bare = subprocess.run(["python3", "-m", "pip", "install", "-e", "."], cwd=project, env=env,
                          capture_output=True, text=True, timeout=120)
    assert bare.returncode != 0  # the old README command fails on such a machine
    serve = quick_start_commands()[0]
    done = subprocess.run(["bash", "-c", serve], cwd=project, env=env, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "on the built-in sandbox" in done.stderr  # the server started (and left at stdin's end)
    assert (project / ".venv" / "bin" / "livechat-mcp").is_file()


# --- client entries -----------------------------------------------------------------------------


@pytest.mark.anyio
async def test_config_entry_runs_from_an_app_whose_path_lacks_the_venv(tmp_path):
    (tmp_path / "policy.toml").write_text('mode = "dry-run"\n')
    done = cli("config", "claude", "--sandbox", "--policy", "policy.toml", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    server = json.loads(done.stdout)["mcpServers"]["livechat"]
    assert Path(server["command"]).is_absolute() and Path(server["command"]).is_file()
    assert server["args"] == ["--sandbox", "--policy", str(tmp_path / "policy.toml")]
    assert "claude_desktop_config.json" in done.stderr and "claude mcp add livechat --" in done.stderr
    # A desktop app: another working directory, and a PATH without the venv.
    params = StdioServerParameters(command=server["command"], args=server["args"],
                                   env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}, cwd="/")
    async with Client(params) as client:
        names = {t.name for t in (await client.list_tools()).tools}
    assert "get_plan" in names  # the policy file was found from /


def test_config_for_cursor_and_vscode_never_copies_credentials():
    env_secret = "pat-from-this-shell"
    shell = {"LIVECHAT_ACCOUNT_ID": "acc-1", "LIVECHAT_PAT": env_secret}
    cursor = cli("config", "cursor", "--policy", "read-only", env=shell)
    vscode = cli("config", "vscode", "--dry-run", env=shell)
    entry = json.loads(cursor.stdout)["mcpServers"]["livechat"]
    assert entry["args"] == ["--policy", "read-only"]  # a preset name stays a name
    assert entry["env"]["LIVECHAT_PAT"].startswith("<") and env_secret not in cursor.stdout
    doc = json.loads(vscode.stdout)
    assert env_secret not in vscode.stdout
    server = doc["servers"]["livechat"]
    assert server["type"] == "stdio" and server["args"] == ["--dry-run"]
    assert server["env"]["LIVECHAT_PAT"] == "${input:livechat-pat}"
    assert any(i["id"] == "livechat-pat" and i["password"] for i in doc["inputs"])


# --- the terminal ---------------------------------------------------------------------------------


def test_stdio_on_a_terminal_says_it_waits_and_ctrl_c_quits_cleanly():
    master, slave = pty.openpty()

    def controlling_terminal() -> None:  # as a shell does: the pty is the terminal, ^C is SIGINT
        os.setsid()
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    proc = subprocess.Popen([EXE, "--sandbox"], stdin=slave, stdout=slave, stderr=slave, env=BASE_ENV,
                            preexec_fn=controlling_terminal)
    os.close(slave)
    out = b""

    def read_for(seconds: float, until: bytes | None = None) -> None:
        nonlocal out
        end = time.monotonic() + seconds
        while time.monotonic() < end and not (until and until in out):
            ready, _, _ = select.select([master], [], [], 0.2)
            if ready:
                try:
                    out += os.read(master, 4096)
                except OSError:
                    return

    try:
        read_for(30, b"Ctrl-C")
        assert b"waiting for an MCP client" in out and b"Ctrl-C to quit" in out, out
        os.write(master, b"\x03")
        code = proc.wait(timeout=15)
        read_for(0.5)
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)
    assert code == 130
    assert b"Traceback" not in out and b"Error" not in out, out


def test_stdio_from_a_client_pipe_prints_no_terminal_notice():
    done = subprocess.run([EXE, "--sandbox"], stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=60, env=BASE_ENV)
    assert done.returncode == 0 and "waiting for an MCP client" not in done.stderr


# --- call, apply, --help ----------------------------------------------------------------------------


def test_call_reads_arguments_from_stdin_or_a_file(tmp_path):
    from_stdin = cli("call", "get_agent", "-", "--sandbox", stdin='{"id": "jane@example.com"}')
    assert from_stdin.returncode == 0 and json.loads(from_stdin.stdout)["name"] == "Jane Doe"
    args = tmp_path / "args.json"
    args.write_text('{"id": "john@example.com"}')
    from_file = cli("call", "get_agent", f"@{args}", "--sandbox")
    assert from_file.returncode == 0 and json.loads(from_file.stdout)["name"] == "John Smith"
    missing = cli("call", "get_agent", f"@{tmp_path / 'nope.json'}", "--sandbox")
    assert missing.returncode == 2 and "nope.json" in missing.stderr and "Traceback" not in missing.stderr
    bad = cli("call", "get_agent", "-", "--sandbox", stdin="{not json")
    assert bad.returncode == 2 and "stdin is not valid JSON" in bad.stderr


def test_apply_without_write_permission_answers_in_one_line(tmp_path):
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps({"kind": "livechat-mcp/plan", "requests": [
        {"action": "delete_tag", "body": {"name": n}} for n in ("a", "b", "c")]}))
    done = cli("apply", str(plan), "--sandbox")
    assert done.returncode == 1 and done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "--allow-writes" in lines[0] and "read-only" in lines[0]


def test_help_shows_examples_and_environment_variables():
    done = cli("--help")
    assert done.returncode == 0
    assert "examples:" in done.stdout and "livechat-mcp config claude --sandbox" in done.stdout
    for name in ("LIVECHAT_ACCESS_TOKEN", "LIVECHAT_PAT", "LIVECHAT_REGION", "LIVECHAT_MCP_POLICY",
                 "LIVECHAT_MCP_AUTH_TOKEN", "LIVECHAT_MCP_STORE"):
        assert name in done.stdout, name
    # --help and the command-line guide name the same variables, and the guide names every one
    # the server reads (a string literal in server/), so neither falls behind the code.
    guide = (ROOT / "docs" / "command-line.md").read_text().split("## Environment variables", 1)[1]
    documented = set(re.findall(r"`(LIVECHAT_[A-Z_]+)`", guide))
    assert set(re.findall(r"LIVECHAT_[A-Z_]*[A-Z]", done.stdout)) <= documented
    read = {name for path in (ROOT / "server").rglob("*.py")
            for name in re.findall(r"[\"'](LIVECHAT_[A-Z_]*[A-Z])[\"']", path.read_text())}
    assert read and read <= documented, read - documented


def test_output_piped_into_a_reader_that_leaves_ends_quietly():
    """`livechat-mcp tools | head -1`: the reader closes the pipe early; no traceback, exit 141
    (128 + SIGPIPE) as any shell tool, or 0 when the output was written before it left."""
    for args in (["tools", "--sandbox", "--json"], ["call", "list_agents", '{"limit": 200}', "--sandbox"]):
        proc = subprocess.Popen([EXE, *args], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, env=BASE_ENV)
        assert proc.stdout is not None and proc.stderr is not None
        proc.stdout.close()  # the reader is gone before the first line
        err = proc.stderr.read().decode()
        assert proc.wait(timeout=60) == 141, err
        assert "Traceback" not in err and "BrokenPipe" not in err, err
