"""What the packaging tests share, built once per test session (each step takes tens of seconds on
a loaded machine): the sdist and wheel (scripts/release_check.py's build), the wheel installed into
a fresh venv outside the repository, one uv cache for uvx and the bundle's uv runtime, and the
repository's scripts as modules."""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent
CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def script(name: str) -> ModuleType:
    """scripts/NAME.py as a module (the repository's scripts are no package)."""
    spec = importlib.util.spec_from_file_location(f"scripts_{name}", ROOT / "scripts" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def uv() -> str:
    found = shutil.which("uv") or shutil.which("uv", path=str(Path(sys.executable).parent))
    if found is None:
        raise AssertionError("uv is missing: it comes with the test extra (pip install -e '.[test]')")
    return found


def pipx() -> str:
    found = shutil.which("pipx") or shutil.which("pipx", path=str(Path(sys.executable).parent))
    if found is None:
        raise AssertionError("pipx is missing: it comes with the test extra (pip install -e '.[test]')")
    return found


def host_env(home: Path, cache: Path) -> dict[str, str]:
    """What a host (a person's shell, Claude Desktop) gives uv besides the server's own
    configuration: a PATH with a Python, a home, uv's cache, and this machine's TLS trust (its
    package index is reached through a proxy with its own certificate authority)."""
    env = {"PATH": f"{Path(uv()).parent}:/usr/bin:/bin", "HOME": str(home), "UV_CACHE_DIR": str(cache),
           "UV_PYTHON_DOWNLOADS": "never"}
    for name in ("SSL_CERT_FILE", "SSL_CERT_DIR", "HTTPS_PROXY", "HTTP_PROXY", "NO_PROXY", "https_proxy",
                 "http_proxy", "no_proxy", "UV_INDEX_URL", "UV_DEFAULT_INDEX", "PIP_INDEX_URL"):
        if os.environ.get(name):
            env[name] = os.environ[name]
    return env


@dataclass
class Built:
    dist: Path
    sdist: Path
    wheel: Path
    uv_cache: Path


release = script("release_check")


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    dist = tmp_path_factory.mktemp("dist")
    sdist, wheel = release.build(dist)
    return Built(dist, sdist, wheel, tmp_path_factory.mktemp("uv-cache"))


@pytest.fixture(scope="session")
def installed(built: Built, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel in a fresh venv outside the repository (uv installs it: the same files pip would
    put there, in seconds; the release workflow installs with pip)."""
    where = tmp_path_factory.mktemp("fresh") / "venv"
    return release.install(built.wheel, where, "uv", env={**os.environ, "UV_CACHE_DIR": str(built.uv_cache)})
