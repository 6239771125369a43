"""plans_pending, review_plan, approve_plan and reject_plan: approvals for teams (the policy's ``approvals``).

Available only under a policy with ``approvals``. An approver (a signed-in person of the plan's
license whose LiveChat role the policy lists, not its author: server/plans/approvals.py) finds the
plans waiting for them (plans_pending, ``livechat://plans?state=pending``), reads one
(review_plan, which opens it in the review app; ``livechat://plans/{id}``; or the hosted page
``/plans/{id}``) and approves or rejects it by its id
and the MAC they reviewed. Each decision is one transition of the plan's record and one audit
line (server/calls/lifecycle.py).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from ..calls.answers import ToolResult, error_result
from ..calls.lifecycle import decide, may_see, page_of, person_of
from ..calls.runtime import Runtime
from ..plans import approvals
from ..plans.lifecycle import PENDING, LifeError
from ..plans.review import review
from ..plans.store import PlanStore
from ..store import StoreUnavailable
from ..tools import meta_names as names
from ..tools.types import Input
from .plan_view import plan_view
from .spec import MetaCall, MetaTool, MetaTools, NoArguments

PLAN_ID = Field(description="The stored plan's id (plans_pending, get_plan's plan_id).", min_length=1, max_length=64)
MAC = Field(description="The plan's mac as you reviewed it: a decision counts for exactly that plan.",
            min_length=1, max_length=200)


class ApproveArgs(Input):
    plan_id: str = PLAN_ID
    mac: str = MAC


class RejectArgs(Input):
    plan_id: str = PLAN_ID
    mac: str = MAC
    reason: str = Field(description="Why, for the plan's author (up to 500 characters).", min_length=1,
                        max_length=500)


def _unavailable(exc: Exception) -> ToolResult:
    return error_result("unavailable", f"The state store cannot be reached ({exc}); retry later. Nothing was "
                        "recorded.")


async def pending(runtime: Runtime, session: str) -> list[dict[str, Any]]:
    """The plans of this person's license waiting for approval, oldest first, each with whether
    this person may approve it (and why not). Raises StoreUnavailable."""
    rule = runtime.policy.policy.approvals
    me = person_of(runtime)
    out = []
    for record, life in await PlanStore(runtime.store).lives(PENDING):
        if rule is None or not may_see(runtime, record, life, session):
            continue
        status = life.status(rule)
        if status["approved"] or "rejected" in status:
            continue
        why = approvals.why_not_approver(rule, me, life.author, life.organization_id)
        try:
            headline = review(record["document"])["headline"]
        except Exception:  # a record written by another version: listed without its sentence
            headline = ""
        out.append({
            "plan_id": life.id, "mac": life.mac, "headline": headline,
            "author": life.author, "stored_at": life.view()["stored_at"], "approvals": status["text"],
            "you_may_approve": why is None, **({"why_not": why} if why else {}),
            "review": f"livechat://plans/{life.id}", **({"page": page} if (page := page_of(runtime, life.id)) else {}),
        })
    return out


async def plans_pending(call: MetaCall, parsed: NoArguments) -> ToolResult:
    try:
        plans = await pending(call.meta.runtime, call.session)
    except StoreUnavailable as exc:
        return _unavailable(exc)
    rule = call.meta.runtime.policy.policy.approvals
    return ToolResult({"pending": plans, "count": len(plans),
                       "how": (f"Each needs {rule.who} other than its author. Open one with review_plan (the review "
                               "app, with Approve and Reject for you) or read its review URI, then approve_plan or "
                               "reject_plan with its plan_id and mac.") if rule else ""})


class ReviewArgs(Input):
    plan_id: str = PLAN_ID


async def review_plan(call: MetaCall, parsed: ReviewArgs) -> ToolResult:
    """A stored plan of this person's license as get_plan shows it (summary sentence, review, where
    it stands, ``next``: Approve for an approver), opened in the review app."""
    runtime, pid = call.meta.runtime, parsed.plan_id
    plans = PlanStore(runtime.store)
    try:
        record, life = (await plans.get(pid), await plans.life(pid)) if pid.isalnum() else (None, None)
    except StoreUnavailable as exc:
        return _unavailable(exc)
    if record is None or life is None or not may_see(runtime, record, life, call.session):
        return error_result("not_found", f"No stored plan {pid!r} for your license (plans_pending lists the plans "
                            "waiting for approval).")
    return ToolResult(plan_view(call.meta, {**record["document"], "plan_id": pid}, call.context, life))


async def _decide(call: MetaCall, pid: str, mac: str, decision: Literal["approved", "rejected"],
                  reason: str | None = None) -> ToolResult:
    runtime = call.meta.runtime
    rule = runtime.policy.policy.approvals
    if rule is None:  # not listed without approvals; a stale client may still call
        return error_result("refused", "This deployment's policy has no approvals. Nothing was recorded.",
                            rule=approvals.RULE)
    plans = PlanStore(runtime.store)
    try:
        record, life = (await plans.get(pid), await plans.life(pid)) if pid.isalnum() else (None, None)
        if record is None or life is None or not may_see(runtime, record, life, call.session):
            return error_result("not_found", f"No stored plan {pid!r} for your license (plans_pending lists the "
                                "plans waiting for approval). Nothing was recorded.")
        try:
            life = await decide(runtime.store, runtime.audit, rule, person_of(runtime), pid, mac, decision, reason,
                                session=call.session)
        except LifeError as exc:
            return error_result("refused", f"Not {decision}: {exc}. Nothing was recorded.", rule=approvals.RULE)
    except StoreUnavailable as exc:
        return _unavailable(exc)
    if life is None:
        return error_result("not_found", f"No stored plan {pid!r}. Nothing was recorded.")
    view = life.view(rule, page_of(runtime, pid))
    status = view["approvals"]
    if decision == "rejected":
        how = "The author sees the reason; the plan cannot be applied. A new plan (get_plan) needs its own approval."
    elif status["approved"]:
        how = (f"Plan {pid} may now be applied by its author ({approvals.who(life.author)}) or anyone of the license "
               "allowed to write: apply_plan with its plan_id and mac, or `livechat-mcp plans apply "
               f"{pid} --allow-writes`.")
    else:
        how = f"{status['missing']} more approval{'s' * (status['missing'] != 1)} needed."
    return ToolResult({"plan_id": pid, "decision": decision, "state": life.state, "approvals": status["text"],
                       "how": how, "lifecycle": view}, audited=True)


async def approve_plan(call: MetaCall, parsed: ApproveArgs) -> ToolResult:
    return await _decide(call, parsed.plan_id, parsed.mac, "approved")


async def reject_plan(call: MetaCall, parsed: RejectArgs) -> ToolResult:
    return await _decide(call, parsed.plan_id, parsed.mac, "rejected", parsed.reason)


def _approvals(meta: MetaTools) -> bool:
    return meta.runtime.policy.policy.approvals is not None


FIX = "a policy with approvals (docs/policies.md): only team deployments approve plans"

PLANS_PENDING = MetaTool(
    name=names.PLANS_PENDING, title="Plans pending approval",
    description="Approvals: the stored plans of your license waiting for approval, with their summary sentence, "
    "author, plan_id and mac, and whether you may approve each.",
    model=NoArguments, handler=plans_pending, read_only=True, available=_approvals, fix=FIX,
    search_hint="plans waiting for my approval, review queue", searchable_when_unavailable=False,
)
REVIEW_PLAN = MetaTool(
    name=names.REVIEW_PLAN, title="Review plan",
    description="Approvals: a stored plan of your license (plan_id) as get_plan shows it, with where it stands and, "
    "if you may decide it, Approve and Reject in the review app.",
    model=ReviewArgs, handler=review_plan, read_only=True, available=_approvals, fix=FIX,
    search_hint="open a plan to approve, a colleague's plan", searchable_when_unavailable=False,
)
APPROVE_PLAN = MetaTool(
    name=names.APPROVE_PLAN, title="Approve plan",
    description="Approvals: approve a stored plan you reviewed (plan_id + the mac you saw). You cannot approve "
    "your own plan; your LiveChat role must be one the policy lists. Sends nothing to LiveChat.",
    model=ApproveArgs, handler=approve_plan, read_only=False, idempotent=True, available=_approvals, fix=FIX,
    search_hint="approve a change, sign off a plan", searchable_when_unavailable=False,
)
REJECT_PLAN = MetaTool(
    name=names.REJECT_PLAN, title="Reject plan",
    description="Approvals: reject a stored plan (plan_id + mac) with a reason for its author; it cannot be "
    "applied. Sends nothing to LiveChat.",
    model=RejectArgs, handler=reject_plan, read_only=False, idempotent=True, available=_approvals, fix=FIX,
    search_hint="reject a change, decline a plan", searchable_when_unavailable=False,
)
