"""The per-resource sandbox modules, gathered: their handlers, their seed data, and what crosses
them (a deleted group is forgotten by every module holding a reference to it). The modules
import only ``core`` and each other's helpers, never this module nor ``app``."""

from __future__ import annotations

from typing import Any

from . import agents, auto_access, bots, customer_bans, greetings, groups, other, properties, tags, webhooks
from .core import Ctx, SandboxState

_MODULES = (agents, auto_access, bots, customer_bans, greetings, groups, other, properties, tags, webhooks)

HANDLERS: dict[str, Any] = {}
for _module in _MODULES:
    HANDLERS.update(_module.HANDLERS)


def _delete_group(ctx: Ctx, req: Any) -> None:
    groups.delete_group(ctx, req)
    forget_group(ctx.state, req.id)


HANDLERS["delete_group"] = _delete_group


def seed(state: SandboxState) -> None:
    """Deterministic seed data: the same license every time."""
    for module in _MODULES:
        module.seed(state)


def forget_group(state: SandboxState, gid: int) -> None:
    """A deleted group leaves no reference behind: each module that holds one drops it.

    Our rule (docs/conformance.md M1): the reference does not say what deleting a group does to
    what points at it; the sandbox shows what a LiveChat user sees, nothing pointing at a group
    that is gone."""
    for module in _MODULES:
        hook = getattr(module, "forget_group", None)
        if hook is not None:
            hook(state, gid)
