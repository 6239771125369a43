"""get_plan, clear_plan and apply_plan: the session's planned writes, reviewed and applied."""

from __future__ import annotations

import hmac
from typing import Any, Literal

from pydantic import Field, StrictBool

from ..calls.answers import ToolResult, error_result, plan_store_failed
from ..calls.apply import apply_plan, earlier_apply, journal_key
from ..calls.confirm import confirm_plan
from ..calls.context import CallContext
from ..calls.lifecycle import approval_refusal, may_see, record_apply, store_plan
from ..plans.checks import check_plan, stop_checking
from ..plans.document import MAC_KEY_NAME, Plan, PlanError, document_steps, sign, with_requests
from ..plans.store import PlanStore, journal_entry, plan_id
from ..plans.undo import undo_steps
from ..plans.working import PlanBusy
from ..policies.audience import Change
from ..store import StoreUnavailable
from ..store.base import LockBusy
from ..tools import catalog, meta_names as names
from ..tools.results import ranges
from ..tools.types import Input
from .apply_reports import sized
from .plan_view import plan_view
from .spec import MetaCall, MetaTool, MetaTools, NoArguments


class GetPlanArgs(Input):
    check: StrictBool | None = Field(
        default=None,
        description="Steps are checked against the live license as they are planned (the default; reads "
        "counted against the budget, cached for the plan): per-step warnings, expected_error, before/after "
        "of updates, what deletes lose. true: re-check every step now; false: turn checking off for this "
        "plan (it then says checks.checked: false).",
    )
    view: Literal["document", "steps", "summary"] = Field(
        default="steps",
        description="steps (default): the signed plan with each step once (apply_plan rebuilds the batch "
        "requests); document: the same with the requests; summary: its id, MAC, target, checks and summary "
        "only (apply by plan_id + mac; read it at livechat://plans/{id}).",
    )
    requests: StrictBool = Field(default=False, description="Also show the batch requests to be sent.")


class ApplyPlanArgs(Input):
    plan: dict[str, Any] | None = None  # the document get_plan answered
    plan_id: str | None = None
    mac: str | None = None  # with plan_id: the MAC the reviewer saw
    resume: StrictBool | None = None  # an earlier apply did some steps: send only the rest
    again: StrictBool | None = None  # an earlier apply did some steps: send every step anew (audited)
    accept_changed: StrictBool | None = None  # send updates/deletes whose objects changed since planning
    allow_other_target: StrictBool | None = None
    send_expected_failures: StrictBool | None = None
    continue_on_error: StrictBool = False
    secrets: dict[str, str] | None = Field(
        default=None, description="Values for secrets.names."
    )
    accept_edited: StrictBool = Field(
        default=False,
        description="Apply a plan changed after get_plan signed it (changes listed first); only on a "
        "human's decision.",
    )


async def plan_key(meta: MetaTools) -> bytes | ToolResult:
    """The key that signs and verifies plans (the same for every process of the deployment)."""
    try:
        return await meta.runtime.store.shared_secret(MAC_KEY_NAME)
    except StoreUnavailable as exc:
        return error_result("store_unavailable", f"The state store cannot be reached ({exc}); retry later. "
                            "Nothing was sent.")


def signed(meta: MetaTools, plan: Plan, key: bytes) -> dict[str, Any]:
    """The plan's document signed for this runtime (its upstream, client, organization, batch size):
    what get_plan answers, and what undo and plan_config (server/meta/config_tools.py) store."""
    runtime = meta.runtime
    return plan.document(runtime.client, runtime.policy.policy.max_batch_size, key, scrub=runtime.scrubber.json,
                         client_id=runtime.client_id, organization_id=runtime.identity.get("organization_id"))


async def get_plan(call: MetaCall, parsed: GetPlanArgs) -> ToolResult:
    meta, session = call.meta, call.session
    key = await plan_key(meta)
    if isinstance(key, ToolResult):
        return key
    try:  # the session's working plan, from the state store (server/plans/working.py)
        if parsed.check is not None:
            async with meta.pipeline.plans.edit(session) as plan:
                if parsed.check:
                    await check_plan(meta.pipeline, plan, session)
                else:
                    stop_checking(plan, "checking was turned off (get_plan check=false): no step was compared "
                                  "with the license")
        else:
            plan = await meta.pipeline.plans.load(session)
    except (StoreUnavailable, PlanBusy) as exc:
        return plan_store_failed(exc)
    doc = signed(meta, plan, key)
    life = None
    if doc["steps"]:
        try:
            doc["plan_id"] = await store_plan(meta.runtime, doc, session=session)
            life = await PlanStore(meta.runtime.store).life(doc["plan_id"])
        except StoreUnavailable:
            pass  # the document is still the portable artifact; only the by-id handover is lost
    # The summary sentence first, the review, what this session can do, where the plan stands.
    shown = plan_view(meta, doc, call.context, life)
    if parsed.view == "summary":
        doc = {k: shown[k] for k in ("headline", "plan_id", "mac", "target", "created_at", "checks", "summary", "next",
                                     "lifecycle") if k in shown}
    elif parsed.view == "steps" and not parsed.requests:  # each body once: requests on request
        doc = {k: v for k, v in shown.items() if k != "requests"}
    else:
        doc = shown
    # The plan is the caller's own writes and must round-trip to apply unchanged: not relabelled,
    # unless its checks copied license text into it (before values, what deletes lose, warnings
    # naming objects): then it is data like any read (hand it over by plan_id + mac). Whatever the
    # view shows: its headline and review quote those values even when it leaves the steps out.
    checked = any(k in st for st in shown.get("steps", []) for k in ("changes", "lost", "warnings", "expected_error"))
    return ToolResult(doc, untrusted=checked)


async def clear_plan(call: MetaCall, parsed: NoArguments) -> ToolResult:
    try:
        cleared = await call.meta.pipeline.plans.clear(call.session)
    except (StoreUnavailable, PlanBusy) as exc:
        return plan_store_failed(exc)
    return ToolResult({"cleared_steps": cleared}, untrusted=False)


async def apply(call: MetaCall, parsed: ApplyPlanArgs) -> ToolResult:
    """apply_plan: a document, or a stored plan by id and the MAC its reviewer saw; resumed
    from the plan's journal, under the plan's lock (server/plans/store.py)."""
    meta, session, context = call.meta, call.session, call.context
    key = await plan_key(meta)
    if isinstance(key, ToolResult):
        return key
    plans = PlanStore(meta.runtime.store)
    doc = parsed.plan
    if (doc is None) == (parsed.plan_id is None):
        return error_result("validation", "Give either plan (the document) or plan_id with mac. Nothing was sent.")
    if parsed.resume and parsed.again:
        return error_result("validation", "Give resume (send only the steps no earlier apply did) or again (send "
                            "every step anew), not both. Nothing was sent.")
    try:
        if parsed.plan_id is not None:
            record = await plans.get(parsed.plan_id)
            # A stored plan is its maker's (the principal: any of their sessions, on any replica);
            # another principal cannot apply it by id, unless approvals make it the license's
            # (server/calls/lifecycle.py may_see). The operator's console (CLI) applies any.
            life = await plans.life(parsed.plan_id) if record is not None else None
            if record is None or not may_see(meta.runtime, record, life, session):
                return error_result("not_found", f"No stored plan {parsed.plan_id!r} (plans expire after 30 "
                                    "days; `livechat-mcp plans list`). Nothing was sent.")
            doc = record["document"]
            if not isinstance(parsed.mac, str) or not hmac.compare_digest(parsed.mac.encode(), doc["mac"].encode()):
                return error_result("refused", "The mac given is not the stored plan's: the plan reviewed is not "
                                    "this one. Nothing was sent.", rule="plan_edited",
                                    how_to_allow="review the plan again (get_plan / livechat://plans/{id})")
        # Under approvals, nothing of a plan goes before its approvals are in (rule approval).
        refused = await approval_refusal(meta.runtime, doc, accept_edited=parsed.accept_edited)
        if refused is not None:
            # One audit line, the rule's (the door then writes none: audited). The refusal quotes people
            # (names from the license, a rejection's reason in another person's words): data, labelled.
            return ToolResult({"error": refused}, is_error=True, untrusted="approvals" in refused,
                              audited=_audit_refusal(meta, refused, doc, session, parsed))
        # The journal of the document as given: an edited one never reaches the plan its MAC names.
        mac = journal_key(doc, meta.pipeline.client, key)
        if mac is None:
            stopped = await confirm_plan(meta.runtime.policy, meta.runtime.audit, doc, context.ask, session)
            return stopped if stopped is not None else await _apply_doc(meta, parsed, doc, key, None, None, context)
        try:
            async with plans.lock(mac):
                # Every apply of a plan, by id or as a document, reads its journal first: steps an earlier
                # apply did are not sent again unless the person chooses (resume: the rest; again: all).
                earlier = await _earlier(meta, parsed, doc, plans, mac, key)
                if earlier is not None:
                    return earlier
                # Asks once, if the policy says.
                stopped = await confirm_plan(meta.runtime.policy, meta.runtime.audit, doc, context.ask, session)
                if stopped is not None:
                    return stopped
                journal = await plans.done(mac)  # kept whole: a step done again is recorded again
                # Sent by an apply that died before the answer came (a replica killed): never resent
                # blindly, unless the person sends everything again.
                doubt = [] if parsed.again else [n for n in await plans.sending(mac) if n not in journal]
                done = dict(journal) if parsed.resume else {}
                if parsed.again and journal:
                    _audit_again(meta, doc, journal, session)

                async def on_done(n: int, result: Any) -> None:
                    journal[n] = journal_entry(result)
                    await plans.record(mac, journal)

                async def before_send(steps: list[int]) -> None:
                    await plans.mark_sending(mac, doubt + steps)

                answer = await _apply_doc(meta, parsed, doc, key, done, on_done, context, in_doubt=doubt,
                                          before_send=before_send, earlier=set(journal))
                if doubt:  # still in doubt until re-planned
                    await plans.mark_sending(mac, doubt)
                else:
                    await plans.sent(mac)
                return answer
        except LockBusy:
            return error_result("busy", "This plan is being applied by another apply right now; nothing was "
                                "sent. Wait for it to finish, then apply again with resume to send what is left.")
    except StoreUnavailable as exc:
        return error_result("store_unavailable", f"The state store cannot be reached ({exc}); retry later. "
                            "Nothing was sent.")


async def _earlier(meta: MetaTools, parsed: ApplyPlanArgs, doc: Any, plans: PlanStore, mac: str,
                   key: bytes) -> ToolResult | None:
    """The answer when an earlier apply of this plan did steps (or sent some without an answer) and
    the person chose neither resume nor again: nothing is sent. None to go on (and for a document
    whose MAC is not its own: apply_plan refuses it as edited)."""
    if parsed.resume or parsed.again:
        return None
    journal = await plans.done(mac)
    doubt = [n for n in await plans.sending(mac) if n not in journal]
    if not journal and not doubt:
        return None
    try:
        if not hmac.compare_digest(sign(with_requests(doc, meta.runtime.client), key).encode(), mac.encode()):
            return None
        report = earlier_apply(doc, journal, doubt)
    except PlanError:
        return None  # apply_plan says what is wrong with the document
    if parsed.plan_id is not None:
        report["plan_id"] = parsed.plan_id
    life = await plans.life(plan_id(mac))  # where the plan stands (applied when, by whom): nothing changes it
    if life is not None:
        report["lifecycle"] = life.view(meta.runtime.policy.policy.approvals)
    # The results are what LiveChat answered (names, ids): labelled as data like any read.
    return ToolResult(meta.runtime.scrubber.json(report), is_error=report["status"] != "already_applied")


def _audit_again(meta: MetaTools, doc: Any, journal: dict[int, Any], session: str) -> None:
    """Sending again what an earlier apply did is a choice the audit keeps: which plan, which steps."""
    if meta.runtime.audit is None:
        return
    meta.runtime.audit.record(
        tool="apply_plan", decision="allowed", rule="again", arguments={}, duration_ms=0.0, session=session,
        outcome={"again": True, "plan_id": plan_id(doc["mac"]), "done_earlier": ranges(journal)})


async def _apply_doc(meta: MetaTools, parsed: ApplyPlanArgs, doc: Any, key: bytes, done: dict[int, Any] | None,
                     on_done: Any, context: CallContext, in_doubt: list[int] | None = None,
                     before_send: Any = None, earlier: set[int] | None = None) -> ToolResult:
    try:
        report = await apply_plan(
            doc,
            pipeline=meta.pipeline,
            call=context,
            confirmed=True,  # confirm_plan asked (or the policy asks nothing)
            key=key,
            continue_on_error=parsed.continue_on_error,
            accept_edited=parsed.accept_edited,
            allow_other_target=bool(parsed.allow_other_target),
            send_expected_failures=bool(parsed.send_expected_failures),
            accept_changed=bool(parsed.accept_changed),
            earlier=earlier or (),
            secrets=parsed.secrets,
            done=done,
            on_done=on_done,
            in_doubt=in_doubt or (),
            before_send=before_send,
            organization_id=meta.runtime.identity.get("organization_id"),
        )
    except PlanError as exc:
        return error_result("validation", f"Plan not applied: {exc}. Nothing was sent.")
    if report["summary"]["done"]:
        report["undo"] = await _undo(meta, doc, report, key, context.session)
    life = await record_apply(meta.runtime, doc, report, again=bool(parsed.again), session=context.session)
    if life is not None:
        rule = meta.runtime.policy.policy.approvals
        report["lifecycle"] = life.view(rule)
    return ToolResult(meta.runtime.scrubber.json(report), is_error=report["status"] != "completed")


async def _undo(meta: MetaTools, doc: Any, report: dict[str, Any], key: bytes, session: str) -> dict[str, Any]:
    """The plan that reverses what this apply did: signed and stored like any plan, to review
    (livechat://plans/{id}, `livechat-mcp plans show`) and apply by id."""
    steps, cannot = undo_steps(document_steps(doc), report["steps"])
    out: dict[str, Any] = {"cannot_undo": cannot}
    if not steps:
        return out
    plan = Plan()
    for action, body in steps:
        plan.add(catalog()[action], body)
    # Checked against the license as the apply left it, like any plan: its review shows what each
    # step restores from, and applying it later is refused step by step (changed_since_planned)
    # where someone changed an object since, instead of overwriting that unseen.
    await check_plan(meta.pipeline, plan, session)
    undo = signed(meta, plan, key)
    undoes = plan_id(doc["mac"]) if isinstance(doc, dict) and isinstance(doc.get("mac"), str) else None
    try:
        out["plan_id"] = await store_plan(meta.runtime, undo, undoes=undoes, session=session)
    except StoreUnavailable:
        out["document"] = undo  # not stored: hand over the document itself
    # The apply's answer names the undo plan; its step numbers as ranges ("1-41"), the review shows each.
    summary = dict(undo["summary"])
    if isinstance(summary.get("destructive_steps"), list):
        summary["destructive_steps"] = ranges(summary["destructive_steps"])
    return {**out, "mac": undo["mac"], "summary": summary}


def _audit_refusal(meta: MetaTools, refused: dict[str, Any], doc: Any, session: str, parsed: ApplyPlanArgs) -> bool:
    """The approval rule's refusal on the audit log (nothing was sent; the person is the line's
    principal): whether a line was written."""
    audit = meta.runtime.audit
    if audit is None:
        return False
    mac = doc.get("mac") if isinstance(doc, dict) else None
    audit.record(tool="apply_plan", decision="refused", rule=refused.get("rule", "approval"),
                 arguments=parsed.model_dump(exclude={"plan", "secrets"}, exclude_none=True), model=ApplyPlanArgs,
                 duration_ms=0.0, session=session,
                 outcome={"plan_id": plan_id(mac) if isinstance(mac, str) else None,
                          "approvals": (refused.get("approvals") or {}).get("missing")})
    return True


def _plans_writes(meta: MetaTools) -> bool:
    return meta.runtime.policy.policy.plans_writes


def _applies_own_plans(meta: MetaTools) -> bool:
    return meta.runtime.policy.policy.applies_own_plans


GET_PLAN = MetaTool(
    name=names.GET_PLAN, title="Get plan",
    description="Dry-run: the session's planned writes as a reviewable plan document (steps checked against the "
    "license, summary, a MAC only this server can make; the batch requests with requests: true) and its "
    "stored plan_id. Save it and apply with "
    "`livechat-mcp apply PLAN.json`, or `livechat-mcp plans apply ID`.",
    model=GetPlanArgs, handler=get_plan, read_only=True, available=_plans_writes, fix=Change("mode", "dry-run"),
    search_hint="review planned changes, dry-run plan", always_load=True,
)
CLEAR_PLAN = MetaTool(
    name=names.CLEAR_PLAN, title="Clear plan", description="Dry-run: discard the session's planned writes.",
    model=NoArguments, handler=clear_plan, read_only=False, idempotent=True, available=_plans_writes,
    fix=Change("mode", "dry-run"),
    search_hint="discard planned changes",
)
APPLY_PLAN = MetaTool(
    name=names.APPLY_PLAN, title="Apply plan",
    description="Send a reviewed plan (document, or plan_id + mac) in order, each request policy-checked; an edited "
    "plan is refused. Stops at the first failure unless continue_on_error.",
    model=ApplyPlanArgs, handler=sized(apply), read_only=False, destructive=True, idempotent=False, open_world=True,
    available=_applies_own_plans, fix=Change("mode", "read-write", "apply_plan"),
    search_hint="send reviewed changes, execute plan",
)
