"""Every tool beyond the catalogue, which of them a policy makes available, and their dispatch."""

from __future__ import annotations

from typing import Any

import mcp_types as types
from pydantic import ValidationError

from ..calls.answers import ToolResult, error_result, invalid_arguments, refused_result
from ..calls.context import CallContext
from ..calls.objects import Objects
from ..calls.pipeline import Pipeline
from ..calls.runtime import Runtime
from ..plans.store import PlanStore, owns
from ..policies.audience import Change, Refusal
from ..store import StoreUnavailable
from ..tools.meta_names import META_TOOLS
from . import resources
from .apply_reports import GET_APPLY_REPORT
from .approval_tools import APPROVE_PLAN, PLANS_PENDING, REJECT_PLAN, REVIEW_PLAN
from .config_tools import DIFF_CONFIG, EXPORT_CONFIG, PLAN_CONFIG
from .connectors import FETCH, SEARCH
from .discovery import CALL_ACTION, DESCRIBE_ACTION, SEARCH_ACTIONS
from .plan_tools import APPLY_PLAN, CLEAR_PLAN, GET_PLAN
from .plan_view import apply_command
from .reports import WHOAMI
from .spec import MetaCall, MetaTool, MetaTools

# Every tool beyond the catalogue, in the order tools/list shows them (names.META_TOOLS).
ALL_META: tuple[MetaTool[Any], ...] = (
    SEARCH_ACTIONS, DESCRIBE_ACTION, CALL_ACTION, GET_PLAN, CLEAR_PLAN, APPLY_PLAN, GET_APPLY_REPORT, SEARCH, FETCH,
    WHOAMI, EXPORT_CONFIG, DIFF_CONFIG, PLAN_CONFIG, PLANS_PENDING, REVIEW_PLAN, APPROVE_PLAN,
    REJECT_PLAN,
)
BY_NAME: dict[str, MetaTool[Any]] = {spec.name: spec for spec in ALL_META}
if tuple(BY_NAME) != META_TOOLS:  # a spec added without its name in names.py, or the other way round
    raise RuntimeError(f"server/tools/meta_names.py lists {META_TOOLS}, the specs are {tuple(BY_NAME)}")


class RuntimeMetaTools(MetaTools):
    """The meta tools of one runtime: those its policy makes available, and their calls (what
    the specs' handlers see of it is ``spec.MetaTools``)."""

    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime
        self._objects = Objects(runtime.pipeline, runtime.client_id)

    @property
    def runtime(self) -> Runtime:
        return self._runtime

    @property
    def objects(self) -> Objects:
        return self._objects

    @property
    def pipeline(self) -> Pipeline:
        return self._runtime.pipeline

    def active(self) -> list[MetaTool[Any]]:
        policy = self.runtime.policy
        return [spec for spec in ALL_META if spec.available(self) and not policy.denies_meta(spec.name)]

    def specs(self) -> tuple[MetaTool[Any], ...]:
        """Every meta tool, available or not (search lists the unavailable ones as refused)."""
        return ALL_META

    def unavailable(self, spec: MetaTool[Any]) -> Refusal:
        """Why the policy does not make ``spec`` available, and what would."""
        reason = f"{spec.name} is not available under this policy"
        return Refusal("mode", reason, spec.fix) if isinstance(spec.fix, Change) else Refusal("mode", reason,
                                                                                              ask=spec.fix)

    def handles(self, name: str) -> bool:
        return name in BY_NAME

    async def call(self, name: str, args: dict[str, Any], call: CallContext) -> ToolResult:
        policy = self.runtime.policy
        denied = policy.denies_meta(name)
        if denied:
            why = Refusal("deny_tools", f"{name} matches deny_tools entry {denied!r}", Change("deny_tools", denied, name))
            return refused_result(f"{name} matches deny_tools entry {denied!r}. Nothing was sent.", [why],
                                  policy.audience.fix([why]))
        spec = BY_NAME.get(name)
        if spec is APPLY_PLAN and not spec.available(self):  # a planning session: the doors it has
            refused = await self._apply_refused(args, call.session)
            if refused is not None:
                return refused
        if spec is None or not spec.available(self):
            why = self.unavailable(spec) if spec is not None else Refusal(
                "mode", f"{name} is not available under this policy", ask="see `livechat-mcp policy`")
            return refused_result(f"{name} is not available under this policy. Nothing was sent.", [why],
                                  policy.audience.fix([why]))
        if not isinstance(args, dict):
            return error_result("validation", f"Arguments to {name} must be a JSON object. Nothing was sent.")
        try:
            parsed = spec.model.model_validate(args)
        except ValidationError as exc:
            return invalid_arguments(name, exc, args)
        return await spec.handler(MetaCall(self, call), parsed)

    async def _apply_refused(self, args: Any, session: str) -> ToolResult | None:
        """apply_plan called in a session that only plans (dry-run): the refusal names the doors
        this person has, not a restart that would drop dry-run: ``confirm = "writes"`` (this session
        then applies its own plans after asking once), or the terminal command that applies this
        plan by id (for whoever runs the deployment). None where the session does not plan."""
        runtime = self.runtime
        policy = runtime.policy
        if policy.policy.mode != "dry-run":
            return None
        plan_id = args.get("plan_id") if isinstance(args, dict) else None
        doc: dict[str, Any] | None = None
        if isinstance(plan_id, str) and not runtime.store.url.startswith("memory:"):
            try:
                record = await PlanStore(runtime.store).get(plan_id)
            except StoreUnavailable:
                record = None
            if record is not None and owns(record, runtime.principal_id, session):
                doc = record["document"]
        if doc is not None:
            door = (f"or have whoever runs this deployment (its LiveChat credentials and state store) apply it by id "
                    f"in a terminal: `{apply_command(self, plan_id, doc)}`")
        else:
            door = ("or save the plan document and have whoever runs this deployment apply it in a terminal: "
                    "`livechat-mcp apply PLAN.json --allow-writes`")
        why = Refusal("mode", "apply_plan is not available under this policy: this session only plans (dry-run)",
                      Change("confirm", "writes", "apply_plan"))
        return refused_result("apply_plan is not available here: this session only plans (dry-run). Nothing was "
                              "sent.", [why], f"to apply from this session after you confirm it once: "
                              f"{policy.audience.fix([why])}; {door}")

    # --- resources --------------------------------------------------------------------------

    def resource_templates(self) -> list[types.ResourceTemplate]:
        return resources.resource_templates(self)

    async def read_resource(self, uri: str, *, session: str) -> Any:
        return await resources.read_resource(self, uri, session=session)
