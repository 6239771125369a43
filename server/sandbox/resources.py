"""The per-resource sandbox modules, gathered: their handlers and their seed data."""

from __future__ import annotations

from typing import Any

from . import agents, auto_access, bots, customer_bans, greetings, groups, other, properties, tags, webhooks
from .core import SandboxState

_MODULES = (agents, auto_access, bots, customer_bans, greetings, groups, other, properties, tags, webhooks)

HANDLERS: dict[str, Any] = {}
for _module in _MODULES:
    HANDLERS.update(_module.HANDLERS)


def seed(state: SandboxState) -> None:
    """Deterministic seed data: the same license every time."""
    for module in _MODULES:
        module.seed(state)


def forget_group(state: SandboxState, gid: int) -> None:
    """A deleted group leaves no reference behind: each module that holds one drops it."""
    for module in _MODULES:
        hook = getattr(module, "forget_group", None)
        if hook is not None:
            hook(state, gid)
