"""What a tool beyond the catalogue is: declared as data like a catalogue action (name, words,
argument model, annotations) plus the handler that answers it and the rule for when a policy
makes it available."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from ..calls.answers import ToolResult
from ..calls.context import CallContext
from ..calls.objects import Objects
from ..calls.pipeline import Pipeline
from ..calls.runtime import Runtime
from ..policies.audience import Change, Refusal
from ..tools.types import Input

Progress = Callable[[float, float | None, str], Awaitable[None]]
Args = TypeVar("Args", bound=Input)


class NoArguments(Input):
    pass


class MetaTools(Protocol):
    """What a meta tool's handler runs over: the meta tools of one runtime. server/meta/registry.py's
    ``RuntimeMetaTools`` is it; the specs name this protocol so that the registry, which imports
    them all, is not imported back."""

    @property
    def runtime(self) -> Runtime: ...

    @property
    def objects(self) -> Objects: ...

    @property
    def pipeline(self) -> Pipeline: ...

    def active(self) -> list[MetaTool[Any]]: ...

    def specs(self) -> tuple[MetaTool[Any], ...]: ...

    def unavailable(self, spec: MetaTool[Any]) -> Refusal: ...


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
    # What makes it available (a policy setting, said to each reader in their words:
    # server/policies/audience.py), or who to ask when no setting does.
    fix: Change | str = "see `livechat-mcp policy`"
    # For clients that load tool schemas lazily (Claude Code): words to find it by beyond its name
    # and description, and whether its schema is loaded up front (server/doors/mcp_app.py ``tool_for``).
    search_hint: str = ""
    always_load: bool = False
    # Whether search_actions lists it as refused where the policy does not make it available
    # (False: a tool of a kind of deployment, e.g. approvals for teams, is noise anywhere else).
    searchable_when_unavailable: bool = True

    @property
    def listed_description(self) -> str:
        return self.description
