"""Shared state (see ``base.py`` for the interface) and ``open_store(url)``, which picks a backend:

- ``memory://``: this process only (tests, throwaway runs, the built-in sandbox);
- ``sqlite:///ABSOLUTE/PATH`` or ``sqlite://RELATIVE/PATH`` (``sqlite://`` alone: the default
  file ``state.db`` in the user's state directory): several local processes;
- ``redis://[:PASSWORD@]HOST:PORT/DB``, ``rediss://`` (TLS), ``unix://``: replicas.

Keys are prefixed per deployment with ``LIVECHAT_MCP_STORE_NAMESPACE`` (default
``livechat-mcp``), so deployments sharing one Redis or one file do not see each other's state.

May import errors only: every layer above keeps its state here.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

from ..errors import ConfigError
from .base import LockBusy, Store, StoreUnavailable
from .crypto import load_sealer
from .paths import state_dir

__all__ = ["LockBusy", "Store", "StoreUnavailable", "default_store_url", "open_store"]

DB_NAME = "state.db"
DEFAULT_NAMESPACE = "livechat-mcp"


def default_store_url(env: Mapping[str, str] | None = None) -> str:
    return f"sqlite://{state_dir(env, create=False) / DB_NAME}"


def namespace(env: Mapping[str, str]) -> str:
    name = env.get("LIVECHAT_MCP_STORE_NAMESPACE", "").strip() or DEFAULT_NAMESPACE
    if not re.fullmatch(r"[A-Za-z0-9._-]{1,64}", name):
        raise ConfigError(
            "LIVECHAT_MCP_STORE_NAMESPACE must be 1-64 letters, digits, '.', '_' or '-' "
            f"(got {name!r})"
        )
    return name


def open_store(url: str | None = None, env: Mapping[str, str] | None = None) -> Store:
    """The store at ``url`` (default: the embedded SQLite file). Raises ConfigError for a URL
    it cannot use; StoreUnavailable when a SQLite file cannot be opened. A Redis server is
    not contacted here (it may come up later): ``ping`` says whether it answers."""
    env = os.environ if env is None else env
    url = (url or "").strip() or default_store_url(env)
    scheme = url.split(":", 1)[0].lower()
    ns = namespace(env)
    if scheme == "memory":
        from .memory import MemoryStore

        return MemoryStore()
    if scheme == "sqlite":
        from .sqlite import SQLiteStore

        rest = url.split(":", 1)[1]
        if not rest.startswith("//"):
            raise ConfigError(f"--store {url!r}: write sqlite:///ABSOLUTE/PATH or sqlite://RELATIVE/PATH")
        path = rest[2:] or str(state_dir(env) / DB_NAME)
        return SQLiteStore(path, namespace=ns, sealer=lambda: load_sealer(env))
    if scheme in ("redis", "rediss", "unix"):
        from .redis import RedisStore

        return RedisStore(url, namespace=ns, sealer=lambda: load_sealer(env))
    shown = url.rsplit("@", 1)[-1] if "@" in url else url  # never echo a password (which may hold "@")
    raise ConfigError(
        f"--store {shown!r}: unknown kind of store; use memory://, sqlite:///PATH or redis://HOST:PORT/DB"
    )
