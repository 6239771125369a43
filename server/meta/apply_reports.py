"""Apply reports sized to what they say (apply_plan's answer) and the full report on demand
(get_apply_report). The shapes are server/plans/report.py's."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Literal

from pydantic import Field

from ..calls.answers import ToolResult, error_result
from ..plans.report import STATUSES, ApplyReports, compact
from ..plans.store import owns, plan_id
from ..policies.audience import Change
from ..store import StoreUnavailable
from ..tools import catalog, meta_names as names
from ..tools.cursors import decode_cursor, encode_cursor, query_digest
from ..tools.types import Input
from .spec import MetaCall, MetaTool, MetaTools

PAGE = 100  # steps per get_apply_report answer


class GetApplyReportArgs(Input):
    plan_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9]+$",
                         description="The applied plan's id (apply_plan and get_plan answer it).")
    status: Literal["done", "failed", "refused", "not_sent"] | None = Field(
        default=None, description="Only the steps with this status.")
    cursor: str | None = Field(default=None, min_length=1, description="next_cursor of the previous answer.")


def _report_id(data: dict[str, Any], args: Any) -> str | None:
    """The plan id an apply report belongs to: the one given, or the applied document's."""
    given = data.get("plan_id") or getattr(args, "plan_id", None)
    if isinstance(given, str) and given:
        return given
    doc = getattr(args, "plan", None)
    mac = doc.get("mac") if isinstance(doc, dict) else None
    return plan_id(mac) if isinstance(mac, str) and mac else None


Handler = Callable[[MetaCall, Any], Awaitable[ToolResult]]


def sized(handler: Handler) -> Handler:
    """apply_plan's handler, answering the compact report and keeping the full one (by plan id,
    for get_apply_report). Answers that are not a report (refusals before any step) pass as they are."""

    async def answer(call: MetaCall, args: Any) -> ToolResult:
        result = await handler(call, args)
        data = result.data
        if not (isinstance(data, dict) and isinstance(data.get("steps"), list) and "summary" in data):
            return result
        pid = _report_id(data, args)
        edited = isinstance(data.get("error"), dict) and data["error"].get("rule") == "plan_edited"
        # An answer that sent nothing because an earlier apply did steps keeps that apply's report.
        if pid is not None and not edited and "earlier" not in data:  # an edited document is not the plan of that id
            try:
                await ApplyReports(call.meta.runtime.store).save(pid, call.meta.runtime.principal_id, data)
            except StoreUnavailable:
                pid = None  # the answer then lists every step: nothing can be fetched later
        if pid is None:
            return result
        policy = call.meta.runtime.policy

        def combined_fix(rule: str, actions: list[str]) -> str | None:
            found = [r for name in actions if (act := catalog().get(name)) is not None
                     for r in policy.refusals(act) if r.rule == rule]
            return policy.audience.fix(found) if found else None

        return ToolResult(compact(data, pid, combined_fix), is_error=result.is_error, audited=result.audited,
                          untrusted=result.untrusted)

    return answer


async def get_apply_report(call: MetaCall, parsed: GetApplyReportArgs) -> ToolResult:
    meta = call.meta
    try:
        record = await ApplyReports(meta.runtime.store).get(parsed.plan_id)
    except StoreUnavailable as exc:
        return error_result("store_unavailable", f"The state store cannot be reached ({exc}); retry later.")
    if record is None or not owns(record, meta.runtime.principal_id, call.session):
        return error_result("not_found", f"No apply report for plan {parsed.plan_id!r}: it was not applied here, or "
                            "its report expired (30 days). Nothing was read.")
    report: dict[str, Any] = record["report"]
    steps = [s for s in report.get("steps", []) if parsed.status is None or s.get("status") == parsed.status]
    digest = query_digest({"plan_id": parsed.plan_id, "status": parsed.status})
    offset = 0
    if parsed.cursor:
        try:
            offset, _, owner = decode_cursor(parsed.cursor)
        except ValueError as exc:
            return error_result("validation", f"`cursor`: {exc}.")
        if owner != digest:
            return error_result("validation", "`cursor` belongs to another report or status: repeat that call's "
                                "arguments with it, or omit cursor.")
    page = steps[offset : offset + PAGE]
    out: dict[str, Any] = {"plan_id": parsed.plan_id, **{k: v for k, v in report.items() if k != "steps"},
                           "steps": page, "total": len(steps)}
    if offset + len(page) < len(steps):
        out["next_cursor"] = encode_cursor(offset + len(page), None, digest)
        out["more"] = (f"steps {offset + 1}-{offset + len(page)} of {len(steps)}: call again with cursor=next_cursor")
    return ToolResult(out)  # step results are what LiveChat answered: data, labelled as such


def _plans_exist(meta: MetaTools) -> bool:
    return meta.runtime.policy.policy.mode != "read-only"


GET_APPLY_REPORT = MetaTool(
    name=names.GET_APPLY_REPORT, title="Get apply report",
    description="Every step of a plan's last apply with its result or error (apply_plan answers a summary). "
    f"Filter by status ({', '.join(STATUSES)}); pages of {PAGE}.",
    model=GetApplyReportArgs, handler=get_apply_report, read_only=True, available=_plans_exist,
    fix=Change("mode", "dry-run"), search_hint="apply results, which steps failed",
)
