"""Build the release artifacts and prove they work where they will be installed: the release
workflow (.github/workflows/release.yml) runs this before publishing, and tests/test_packaging.py
runs its steps on every test run.

    python scripts/release_check.py [--dist dist] [--no-build] [--sdist-too] [--installer pip|uv]

1. build: ``python -m build`` writes the sdist and the wheel into ``--dist``;
2. check: ``twine check --strict`` on both, as PyPI reads them;
3. smoke: each artifact installed into a fresh virtual environment outside the repository (pip,
   as ``pipx`` does; or uv, as ``uv tool install`` / ``uvx`` do), then from a clean environment:
   ``livechat-mcp --version`` names this version, and an MCP client (the venv's own SDK) starts
   ``livechat-mcp --sandbox`` over stdio, lists its tools and calls one.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

# Run by the installed venv's Python: the package's own dependencies include the MCP SDK.
CLIENT = r'''
import asyncio, json, sys
from mcp import Client, StdioServerParameters

async def main():
    exe, home = sys.argv[1], sys.argv[2]
    params = StdioServerParameters(command=exe, args=["--sandbox"], env={"PATH": "/usr/bin:/bin", "HOME": home}, cwd=home)
    async with Client(params) as client:
        tools = sorted(t.name for t in (await client.list_tools()).tools)
        groups = await client.call_tool("list_groups", {})
        review = await client.read_resource("ui://livechat-mcp/plan-review.html")
    print(json.dumps({"tools": tools, "call_ok": not groups.is_error,
                      "review_app": any("<html" in getattr(c, "text", "").lower() for c in review.contents)}))

asyncio.run(main())
'''


def version() -> str:
    found = re.search(r'^__version__ = "([^"]+)"', (ROOT / "server" / "__init__.py").read_text(), re.MULTILINE)
    if not found:
        raise SystemExit("server/__init__.py has no __version__")
    return found.group(1)


def build(dist: Path) -> tuple[Path, Path]:
    """(sdist, wheel) of this version, built into ``dist``."""
    subprocess.run([sys.executable, "-m", "build", "--outdir", str(dist), str(ROOT)], check=True)
    return artifacts(dist)


def artifacts(dist: Path) -> tuple[Path, Path]:
    v = version()
    sdists, wheels = sorted(dist.glob(f"livechat_mcp-{v}.tar.gz")), sorted(dist.glob(f"livechat_mcp-{v}-*.whl"))
    if not sdists or not wheels:
        raise SystemExit(f"no sdist and wheel of version {v} in {dist}")
    return sdists[-1], wheels[-1]


def twine_check(*paths: Path) -> str:
    done = subprocess.run([sys.executable, "-m", "twine", "check", "--strict", *map(str, paths)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"twine check failed:\n{done.stdout}{done.stderr}")
    return done.stdout


def install(artifact: Path, where: Path, installer: str = "pip", env: dict[str, str] | None = None) -> Path:
    """A fresh venv at ``where`` holding ``artifact``; returns its ``livechat-mcp``."""
    subprocess.run([sys.executable, "-m", "venv", str(where)] + (["--without-pip"] if installer == "uv" else []),
                   check=True)
    python = where / "bin" / "python"
    if installer == "uv":
        uv = shutil.which("uv") or str(Path(sys.executable).parent / "uv")
        subprocess.run([uv, "pip", "install", "--quiet", "--python", str(python), str(artifact)], check=True, env=env)
    else:
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", str(artifact)], check=True, env=env)
    exe = where / "bin" / "livechat-mcp"
    if not exe.is_file():
        raise SystemExit(f"{artifact.name} installed no livechat-mcp command")
    return exe


def smoke(exe: Path, home: Path) -> dict[str, Any]:
    """Run an installed ``livechat-mcp`` as a new user would, from a clean environment."""
    clean = {"PATH": "/usr/bin:/bin", "HOME": str(home)}
    home.mkdir(parents=True, exist_ok=True)
    shown = subprocess.run([str(exe), "--version"], env=clean, cwd=home, capture_output=True, text=True, timeout=120)
    if shown.returncode != 0 or shown.stdout.strip() != f"livechat-mcp {version()}":
        raise SystemExit(f"livechat-mcp --version said {shown.stdout!r} {shown.stderr!r}")
    done = subprocess.run([str(exe.parent / "python"), "-c", CLIENT, str(exe), str(home)], env=clean, cwd=home,
                          capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        raise SystemExit(f"the stdio smoke test failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    if "list_agents" not in result["tools"] or not result["call_ok"] or not result["review_app"]:
        raise SystemExit(f"the installed server did not answer as expected: {result}")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dist", type=Path, default=ROOT / "dist")
    parser.add_argument("--no-build", action="store_true", help="check the artifacts already in --dist")
    parser.add_argument("--sdist-too", action="store_true", help="install and smoke-test the sdist as well")
    parser.add_argument("--installer", choices=("pip", "uv"), default="pip")
    args = parser.parse_args(argv)
    dist = args.dist.resolve()
    sdist, wheel = artifacts(dist) if args.no_build else build(dist)
    print(twine_check(sdist, wheel), end="")
    for artifact in [wheel, sdist] if args.sdist_too else [wheel]:
        with tempfile.TemporaryDirectory(prefix="livechat-mcp-smoke-") as tmp:
            exe = install(artifact, Path(tmp) / "venv", args.installer)
            result = smoke(exe, Path(tmp) / "home")
            print(f"{artifact.name}: installed in a fresh venv, {len(result['tools'])} tools over stdio")
    return 0


if __name__ == "__main__":
    os.environ.pop("PYTHONPATH", None)  # the repository must not be what the smoke test imports
    sys.exit(main())
