"""Where this user's local state lives: ``$XDG_STATE_HOME/livechat-mcp``, else
``~/.local/state/livechat-mcp`` (created 0700 on first use)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path


def state_dir(env: Mapping[str, str] | None = None, *, create: bool = True) -> Path:
    env = os.environ if env is None else env
    base = env.get("XDG_STATE_HOME", "").strip()
    root = Path(base) if base else Path(env.get("HOME", "").strip() or Path.home()) / ".local" / "state"
    path = root / "livechat-mcp"
    if create:
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path
