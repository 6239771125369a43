"""Every tool beyond the catalogue, which of them a policy makes available, and their dispatch."""

from __future__ import annotations

from typing import Any

import mcp_types as types
from pydantic import ValidationError

from ..confirm import Asker
from ..objects import Objects
from ..pipeline import ToolResult, WaitCallback, error_result, invalid_arguments
from ..plans import MAC_KEY_NAME
from ..policies.engine import META_TOOLS
from ..runtime import Runtime
from ..store import StoreUnavailable
from . import connectors, discovery, plan_tools, resources
from .connectors import FETCH, SEARCH
from .discovery import CALL_ACTION, DESCRIBE_ACTION, SEARCH_ACTIONS
from .plan_tools import APPLY_PLAN, CLEAR_PLAN, GET_PLAN
from .reports import WHOAMI, whoami
from .spec import MetaTool, Progress

# Every tool beyond the catalogue; the policy engine's META_TOOLS names the same ones.
ALL_META = (GET_PLAN, CLEAR_PLAN, APPLY_PLAN, SEARCH_ACTIONS, DESCRIBE_ACTION, CALL_ACTION, SEARCH, FETCH, WHOAMI)

_META_FIX = {
    "get_plan": "run with --dry-run",
    "clear_plan": "run with --dry-run",
    "apply_plan": "run with --allow-writes (mode = \"read-write\")",
    "search_actions": "run with --discovery",
    "describe_action": "run with --discovery",
    "call_action": "run with --discovery",
    "search": "allow at least one list_* read tool",
    "fetch": "allow at least one list_* read tool",
    "whoami": "remove it from deny_tools",
}

class MetaTools:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.objects = Objects(runtime.pipeline, runtime.client_id)

    @property
    def _pipeline(self) -> Any:
        return self.runtime.pipeline

    def active(self) -> list[MetaTool]:
        policy = self.runtime.policy.policy
        tools: list[MetaTool] = []
        if policy.discovery:
            tools += [SEARCH_ACTIONS, DESCRIBE_ACTION, CALL_ACTION]
        if policy.mode == "dry-run":
            tools += [GET_PLAN, CLEAR_PLAN]
        if policy.writes_allowed:
            tools.append(APPLY_PLAN)
        if self.objects.readable_kinds():
            tools += [SEARCH, FETCH]
        tools.append(WHOAMI)
        return [t for t in tools if not self.runtime.policy.denies_meta(t.name)]

    def tools(self) -> list[types.Tool]:
        return [t.tool() for t in self.active()]

    def handles(self, name: str) -> bool:
        return name in META_TOOLS

    async def call(
        self, name: str, args: dict[str, Any], *, session: str, on_wait: WaitCallback, progress: Progress,
        ask: Asker | None = None,
    ) -> ToolResult:
        denied = self.runtime.policy.denies_meta(name)
        if denied:
            return error_result(
                "refused", f"{name} matches deny_tools entry {denied!r}. Nothing was sent.", rule="deny_tools",
                how_to_allow=f"remove {denied!r} from deny_tools",
            )
        if name not in {t.name for t in self.active()}:
            return error_result(
                "refused", f"{name} is not available under this policy. Nothing was sent.", rule="mode",
                how_to_allow=_META_FIX.get(name, "see `livechat-mcp policy`"),
            )
        tool = next(t for t in self.active() if t.name == name)
        if not isinstance(args, dict):
            return error_result("validation", f"Arguments to {name} must be a JSON object. Nothing was sent.")
        try:
            parsed: Any = tool.model.model_validate(args)
        except ValidationError as exc:
            return invalid_arguments(name, exc, args)
        if name in ("get_plan", "apply_plan"):
            try:  # the key that signs and verifies plans (the same for every process of the deployment)
                key = await self.runtime.store.shared_secret(MAC_KEY_NAME)
            except StoreUnavailable as exc:
                return error_result("unavailable", f"The state store cannot be reached ({exc}); retry later. "
                                    "Nothing was sent.")
        if name == "get_plan":
            return await plan_tools.get_plan(self, parsed, key, session)
        if name == "clear_plan":
            return await plan_tools.clear_plan(self, session)
        if name == "apply_plan":
            return await plan_tools.apply(self, parsed, key, session, progress, ask)
        if name == "whoami":
            return ToolResult(whoami(self.runtime, len(self.active())))
        if name == "search_actions":
            return ToolResult(discovery.search_actions(self, parsed.query), untrusted=False)
        if name == "describe_action":
            return discovery.describe(self, parsed.name)
        if name == "call_action":
            return await discovery.call_action(self, parsed, session, on_wait, ask)
        if name == "search":
            return await connectors.search(self, parsed.query, session, parsed.cursor)
        return await connectors.fetch(self, parsed.id, session)

    # --- resources --------------------------------------------------------------------------

    def resource_templates(self) -> list[types.ResourceTemplate]:
        return resources.resource_templates(self)

    async def read_resource(self, uri: str, *, session: str) -> Any:
        return await resources.read_resource(self, uri, session=session)
