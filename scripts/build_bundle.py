"""Build the Claude Desktop bundle: dist/livechat-mcp.mcpb (an MCPB, https://github.com/modelcontextprotocol/mcpb).

    python scripts/build_bundle.py [--wheel dist/livechat_mcp-X-py3-none-any.whl] [--out dist/livechat-mcp.mcpb]

The bundle is of server type ``uv``: it carries this project's wheel and a small pyproject.toml
that depends on it, and the host (Claude Desktop) runs it with uv, which provides Python and
installs the dependencies for the user's platform. A ``python`` bundle would have to carry every
dependency already installed, and ours has compiled ones (pydantic-core, cryptography) that do
not move between platforms.

What goes in:
- manifest.json (the repository's, its version checked against the package's);
- pyproject.toml: a project that is no package itself, whose one dependency is the wheel below;
- wheels/<the wheel>: what ``python -m build`` made (built here unless --wheel names one);
- main.py: the entry point, the installed package's command line (every setting comes from the
  manifest's environment, so it runs the same however the host starts it);
- README.md, LICENSE.

The official CLI (``@anthropic-ai/mcpb``, pinned in tools/package.json; ``cd tools && npm ci``)
validates the manifest and packs the folder: a bundle that does not validate is not written.
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
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MCPB = ROOT / "tools" / "node_modules" / ".bin" / "mcpb"

MAIN = '''"""The bundle's entry point: the installed livechat-mcp command line, configured by the
environment the manifest's mcp_config sets from the user's configuration."""

from server.doors.cli import main

raise SystemExit(main(bundle=True))  # a missing credential is then told in the extension's settings' words
'''


def package_version() -> str:
    text = (ROOT / "server" / "__init__.py").read_text()
    found = re.search(r'^__version__ = "([^"]+)"', text, re.MULTILINE)
    if not found:
        raise SystemExit("server/__init__.py has no __version__")
    return found.group(1)


def bundle_pyproject(wheel: Path) -> str:
    """The bundle's pyproject.toml: uv installs the wheel (and its dependencies) from it."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return "\n".join([
        "# The Claude Desktop bundle's project (scripts/build_bundle.py): not a package itself; its one",
        "# dependency is the livechat-mcp wheel inside the bundle, which uv installs with its own.",
        "[project]",
        'name = "livechat-mcp-bundle"',
        f'version = "{package_version()}"',
        f'requires-python = "{project["requires-python"]}"',
        'dependencies = ["livechat-mcp"]',
        "",
        "[tool.uv]",
        "package = false",
        "",
        "[tool.uv.sources]",
        f'livechat-mcp = {{ path = "wheels/{wheel.name}" }}',
        "",
    ])


def build_wheel(out: Path) -> Path:
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--outdir", str(out), str(ROOT)], check=True)
    found = sorted(out.glob(f"livechat_mcp-{package_version()}-*.whl"))
    if not found:
        raise SystemExit(f"no wheel for version {package_version()} in {out}")
    return found[-1]


def mcpb(*args: str) -> None:
    if not MCPB.exists():
        raise SystemExit(f"{MCPB} is missing: run `npm ci` in tools/ (the official MCPB CLI is pinned there)")
    subprocess.run([str(MCPB), *args], check=True)


def build(wheel: Path | None, out: Path) -> Path:
    manifest = json.loads((ROOT / "manifest.json").read_text())
    if manifest["version"] != package_version():
        raise SystemExit(f"manifest.json says version {manifest['version']}, the package {package_version()}: "
                         "keep them the same")
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="livechat-mcpb-") as tmp:
        stage = Path(tmp) / "bundle"
        (stage / "wheels").mkdir(parents=True)
        wheel = wheel or build_wheel(Path(tmp) / "dist")
        shutil.copy2(wheel, stage / "wheels" / wheel.name)
        shutil.copy2(ROOT / "manifest.json", stage / "manifest.json")
        (stage / "pyproject.toml").write_text(bundle_pyproject(wheel))
        (stage / "main.py").write_text(MAIN)
        for name in ("README.md", "LICENSE"):
            shutil.copy2(ROOT / name, stage / name)
        mcpb("validate", str(stage / "manifest.json"))
        out.unlink(missing_ok=True)
        mcpb("pack", str(stage), str(out))
    if not out.is_file():
        raise SystemExit(f"mcpb pack wrote no {out}")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--wheel", type=Path, help="the wheel to carry (default: build one)")
    parser.add_argument("--out", type=Path, default=ROOT / "dist" / "livechat-mcp.mcpb")
    args = parser.parse_args(argv)
    os.chdir(ROOT)
    print(build(args.wheel.resolve() if args.wheel else None, args.out.resolve()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
