"""Tool input schemas kept on disk between runs: a cold start skips building them.

Building the JSON schemas of the visible tools from their pydantic models is the largest part
of answering the first tools/list (bench/run.py's cold start). They depend only on this
package's source and the pydantic version, so they are kept in one file per installation under
the user's cache directory (``$XDG_CACHE_HOME/livechat-mcp`` or ``~/.cache/livechat-mcp``),
stamped with a fingerprint of every source file (path, size, mtime), pydantic's and Python's
versions. Any edit or upgrade changes the fingerprint and the file is rebuilt; an unreadable or
unwritable cache is ignored (the schemas are built as before). ``LIVECHAT_MCP_SCHEMA_CACHE=off``
turns it off.

Only the catalogue's own models are kept (a module under ``server.``, not defined inside a
function): their module and qualified name identify one class per process.

Beside the schemas, the same file keeps the catalogue's listing (server/tools/listing.py: what
tools/list and the policy read of each action, schemas included), so that a start answers
tools/list without importing the resource modules that declare the actions (their pydantic
models were a fifth of a cold start's import time). It is derived from the catalogue and stamped
with the same fingerprint: any change to the catalogue's source rebuilds it.
"""

from __future__ import annotations

import atexit
import contextlib
import copy
import hashlib
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from pydantic import BaseModel

_PACKAGE = Path(__file__).resolve().parent.parent
_state: dict[str, Any] = {}  # "loaded": bool, "entries": dict, "listing": list | None, "dirty": bool


def enabled() -> bool:
    return os.environ.get("LIVECHAT_MCP_SCHEMA_CACHE", "").strip().lower() not in ("0", "off", "false", "no")


def key(model: type[BaseModel]) -> str | None:
    """The model's name in the cache, or None for a model the cache does not keep."""
    module, name = model.__module__, model.__qualname__
    if not module.startswith("server.") or "<locals>" in name:
        return None
    return f"{module}:{name}:{','.join(model.model_fields)}"


def _sources() -> list[tuple[tuple[str, ...], os.DirEntry[str]]]:
    """Every .py file of the package, by its path's parts (the order of sorted Paths). os.scandir,
    not Path.rglob: this runs on every start, and rglob took several times as long."""
    found = []
    folders, skip = [str(_PACKAGE)], len(str(_PACKAGE)) + 1
    while folders:
        with os.scandir(folders.pop()) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    folders.append(entry.path)
                elif entry.name.endswith(".py"):
                    found.append((tuple(entry.path[skip:].split(os.sep)), entry))
    found.sort(key=lambda item: item[0])
    return found


def _fingerprint() -> str:
    import pydantic

    digest = hashlib.sha256(f"{pydantic.VERSION}\n{sys.version}\n".encode())
    for parts, entry in _sources():
        stat = entry.stat()
        digest.update(f"{'/'.join(parts)}:{stat.st_size}:{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def _file() -> Path:
    base = os.environ.get("XDG_CACHE_HOME", "").strip() or str(Path.home() / ".cache")
    where = hashlib.sha256(str(_PACKAGE).encode()).hexdigest()[:16]  # one file per installation
    return Path(base) / "livechat-mcp" / f"schemas-{where}.json"


def _entries() -> dict[str, Any]:
    if not _state.get("loaded"):
        _state.update(loaded=True, entries={}, listing=None, dirty=False, fingerprint=_fingerprint())
        try:
            stored = json.loads(_file().read_text())
            if (isinstance(stored, dict) and stored.get("fingerprint") == _state["fingerprint"]
                    and isinstance(stored.get("schemas"), dict)):
                _state["entries"] = stored["schemas"]
                if isinstance(stored.get("listing"), list):
                    _state["listing"] = stored["listing"]
        except (OSError, ValueError):
            pass
    entries: dict[str, Any] = _state["entries"]
    return entries


def get(name: str) -> dict[str, Any] | None:
    found = _entries().get(name)
    return found if isinstance(found, dict) else None


def put(name: str, schema: dict[str, Any]) -> None:
    _entries()[name] = copy.deepcopy(schema)  # as built: a caller's later change is not kept
    _changed()


def get_listing() -> list[Any] | None:
    """The stored listing (server/tools/listing.py checks its entries), or None."""
    _entries()
    found = _state["listing"]
    return found if isinstance(found, list) else None


def put_listing(listing: list[dict[str, Any]]) -> None:
    _entries()
    _state["listing"] = copy.deepcopy(listing)
    _changed()


def _changed() -> None:
    if not _state["dirty"]:
        _state["dirty"] = True
        atexit.register(save)


def save() -> None:
    """Write the schemas built in this run (atomically: several servers may start at once)."""
    if not _state.get("dirty"):
        return
    _state["dirty"] = False
    path = _file()
    stored = {"fingerprint": _state["fingerprint"], "schemas": _state["entries"]}
    if _state.get("listing") is not None:
        stored["listing"] = _state["listing"]
    text = json.dumps(stored, separators=(",", ":"))
    temporary: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=path.parent, prefix=".schemas-", delete=False) as f:
            temporary = f.name
            f.write(text)
        os.replace(temporary, path)
    except OSError:
        if temporary is not None:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
