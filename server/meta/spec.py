"""What a tool beyond the catalogue is: declared as data like a catalogue action (name, words,
argument model, annotations) plus the handler that answers it and the rule for when a policy
makes it available."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, TypeVar

from ..tools.types import Input

if TYPE_CHECKING:
    from ..calls.context import CallContext
    from ..calls.pipeline import ToolResult
    from .registry import MetaTools

Progress = Callable[[float, float | None, str], Awaitable[None]]
Args = TypeVar("Args", bound=Input)


class NoArguments(Input):
    pass


@dataclass(frozen=True)
class MetaCall:
    """One call of a meta tool: the tools of the runtime it runs in, and the call's context
    (session, progress, asker: server/calls/context.py)."""

    meta: MetaTools
    context: CallContext

    @property
    def session(self) -> str:
        return self.context.session


def always(meta: MetaTools) -> bool:
    return True


@dataclass(frozen=True, kw_only=True)
class MetaTool(Generic[Args]):
    """A tool beyond the catalogue. Like a catalogue action, its arguments are a model, so the
    schema clients see and the validation calls get come from one definition; server/doors/mcp_app.py's
    ``tool_for`` makes the MCP tool of either."""

    name: str
    title: str
    description: str
    model: type[Args]
    # Answers a call whose arguments validated against ``model``.
    handler: Callable[[MetaCall, Args], Awaitable[ToolResult]]
    read_only: bool
    destructive: bool = False
    idempotent: bool = True
    open_world: bool = False
    # Whether the runtime's policy lists it (deny_tools aside, which applies to every meta tool),
    # and what to change when it does not.
    available: Callable[[MetaTools], bool] = always
    fix: str = "see `livechat-mcp policy`"

    @property
    def listed_description(self) -> str:
        return self.description
