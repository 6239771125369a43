"""The plan lifecycle on the call path: who a runtime's person is, storing a plan, recording an
apply, approving or rejecting, the approval gate, and who may see a stored plan. Every transition
writes one audit line (``tool: "plan/<state>"``) naming the person (server/plans/lifecycle.py has
the record and its rules; server/plans/store.py keeps it).

Apply paths call ``record_apply`` once per apply of a document with a MAC that reached the
sending stage; the gate (``approval_refusal``) is asked before anything of a plan is sent.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any, Literal

from ..plans import approvals
from ..plans.document import VIEW_KEYS, document_steps
from ..plans.lifecycle import PlanLife, person
from ..plans.store import PlanStore, owns, plan_id
from ..store import Store, StoreUnavailable
from .audit import AuditLog
from .runtime import Runtime

PERSON_KEYS = ("email", "name", "role", "organization_id")


def person_of(runtime: Runtime) -> dict[str, str]:
    """The person a runtime acts for: a signed-in person (hosted: ``<organization>:<account>``
    with their email, name and LiveChat role), else the operator of this process."""
    identity = runtime.identity
    if ":" in runtime.principal_id:
        return person({"id": runtime.principal_id, **{k: identity.get(k) for k in PERSON_KEYS}})
    return person({"id": runtime.principal_id, "organization_id": identity.get("organization_id")})


def page_of(runtime: Runtime, pid: str) -> str | None:
    """The hosted page where a plan is reviewed and approved, when this server has one."""
    base = runtime.app.public_url
    return f"{base}/plans/{pid}" if base else None


def audit_transition(audit: AuditLog | None, life: PlanLife, by: Mapping[str, Any], *, session: str | None = None,
                     event: str | None = None, outcome: Mapping[str, Any] | None = None) -> None:
    """One audit line for a transition of ``life`` by ``by``: ``tool`` is ``plan/<event>`` (the
    state it reached unless ``event`` names the decision: an approval that leaves one missing)."""
    if audit is None:
        return
    audit.record(tool=f"plan/{event or life.state}", decision="allowed", rule="lifecycle", arguments={}, duration_ms=0.0,
                 outcome={"plan_id": life.id, "state": life.state, "by": person(by), "author": life.author, **(outcome or {})},
                 session=session)


async def store_plan(runtime: Runtime, doc: dict[str, Any], *, undoes: str | None = None,
                     session: str | None = None) -> str:
    """Store a signed plan (get_plan, undo, plan_config): its id; its record says ``stored`` by
    this runtime's person (written once per plan, with its audit line). Raises StoreUnavailable."""
    plans = PlanStore(runtime.store)
    by = person_of(runtime)
    signed = {k: v for k, v in doc.items() if k not in VIEW_KEYS and k != "plan_id"}
    pid = plan_id(doc["mac"])
    known = await plans.life(pid)
    pid = await plans.save(signed, runtime.principal_id, by, undoes=undoes)
    if known is None:
        life = await plans.life(pid)
        if life is not None:
            audit_transition(runtime.audit, life, by, session=session, outcome={"undoes": undoes} if undoes else None)
    return pid


def _done_of(report: Mapping[str, Any]) -> tuple[int, int]:
    """(steps done, earlier runs' included; steps this apply did)."""
    steps = report.get("steps")
    if isinstance(steps, list):
        finished = [st for st in steps if isinstance(st, dict) and st.get("status") == "done"]
        return len(finished), sum(1 for st in finished if not st.get("journal"))
    summary = report.get("summary")
    done = int(summary.get("done", 0)) if isinstance(summary, dict) else 0
    return done, done


async def record_apply(runtime: Runtime, doc: Mapping[str, Any], report: Mapping[str, Any], *,
                       again: bool = False, session: str | None = None) -> PlanLife | None:
    """Record an apply of ``doc`` that answered ``report``: ``applied`` when every step is done
    (earlier runs' included), ``partly_applied`` when some are; nothing when this apply did none
    (all failed or refused, or every step was done by earlier runs). The undo
    plan the apply made (``report.undo.plan_id``) is linked both ways; applying an undo plan
    whole marks the plan it undoes ``undone``. One audit line per transition. Returns the plan's
    record, or None (no MAC, or the store did not answer: the apply's own answer stands).

    An edited document (applied with accept_edited) is not the plan whose MAC it carries: that
    plan's record is left as it is (as its journal is: calls/apply.py journal_key), and the
    apply's own audit lines say what was sent."""
    mac = doc.get("mac")
    if not isinstance(mac, str) or not mac or report.get("changes"):
        return None
    pid, by, now = plan_id(mac), person_of(runtime), time.time()
    (done, now_done), total = _done_of(report), len(document_steps(doc))
    undo: Any = report.get("undo")
    undo_id = undo.get("plan_id") if isinstance(undo, dict) and isinstance(undo.get("plan_id"), str) else None
    plans = PlanStore(runtime.store)
    try:
        if await plans.life(pid) is None:
            if now_done <= 0:
                return None
            # Applied as a document this store never held (another machine's get_plan, same key):
            # stored now, so the apply is on record.
            await plans.save({k: v for k, v in doc.items() if k not in VIEW_KEYS and k != "plan_id"},
                             runtime.principal_id, {"id": "unknown"})

        def change(life: PlanLife) -> bool:
            # An apply that did nothing new (every step done by earlier runs) is no transition.
            moved = bool(now_done) and life.applied(by, done=done, steps=total or done, at=now, again=again)
            if undo_id:
                life.undo_plan = undo_id
            return moved

        changed = await plans.transition(pid, change)
        if changed is None:
            return None
        life, moved = changed
        if moved:
            approved = [d["by"] for d in life.approvals if d.get("decision") == "approved" and d.get("mac") == mac]
            audit_transition(runtime.audit, life, by, session=session, outcome={
                "done": done, "steps": total, **({"again": True} if again else {}),
                **({"approved_by": approved} if approved else {}),
                **({"undo_plan": undo_id} if undo_id else {})})
        if undo_id:
            await plans.transition(undo_id, lambda u: setattr(u, "undoes", u.undoes or pid))
        if moved and life.state == "applied" and life.undoes:
            original = await plans.transition(life.undoes, lambda o: o.undone_by(by, pid, now))
            if original is not None:
                audit_transition(runtime.audit, original[0], by, session=session, outcome={"undo_plan": pid})
        return life
    except StoreUnavailable:
        return None


async def approval_refusal(runtime: Runtime, doc: Any, *, accept_edited: bool = False) -> dict[str, Any] | None:
    """The ``approval`` rule, asked before anything of ``doc`` is sent: None when the policy has
    no ``approvals`` or the plan has them; else the refusal (``{type, rule, message, how_to_allow,
    approvals}``). Raises StoreUnavailable."""
    rule = runtime.policy.policy.approvals
    if rule is None:
        return None
    mac = doc.get("mac") if isinstance(doc, dict) else None
    if not isinstance(mac, str) or not mac:
        return {"type": "refused", "rule": approvals.RULE,
                "message": "This plan has no MAC, so it cannot have been approved. Nothing was sent.",
                "how_to_allow": "store the plan with get_plan and have it approved"}
    pid = plan_id(mac)
    if accept_edited:
        return {"type": "refused", "rule": approvals.RULE,
                "message": f"An edited plan has no approval: approvals are for plan {pid} exactly as it was "
                           "signed. Nothing was sent.",
                "how_to_allow": "make the edit in the session and call get_plan: the new plan needs its own approval"}
    life = await PlanStore(runtime.store).life(pid)
    if life is None:
        return {"type": "refused", "rule": approvals.RULE,
                "message": f"Plan {pid} is not stored here, so nobody has approved it. Nothing was sent.",
                "how_to_allow": "store the plan with get_plan and have it approved"}
    return approvals.refusal(rule, life.approvals, mac, life.author, pid, page_of(runtime, pid))


async def decide(store: Store, audit: AuditLog | None, rule: approvals.Approvals, by: Mapping[str, Any],
                 pid: str, mac: str, decision: Literal["approved", "rejected"], reason: str | None = None,
                 *, session: str | None = None) -> PlanLife | None:
    """``by`` approves or rejects plan ``pid`` (the MAC they reviewed): its record, or None when
    there is no such plan. Raises lifecycle.LifeError when they may not (the message says why)
    and StoreUnavailable."""
    changed = await PlanStore(store).transition(
        pid, lambda life: life.decide(rule, decision, by, mac, time.time(), reason))
    if changed is None:
        return None
    life = changed[0]
    audit_transition(audit, life, by, session=session, event=decision, outcome={
        "decision": decision, "approvals": life.status(rule)["text"],
        **({"reason": life.approvals[-1].get("reason", "")} if decision == "rejected" else {})})
    return life


def may_see(runtime: Runtime, record: Mapping[str, Any], life: PlanLife | None, session: str) -> bool:
    """Whether this runtime's person may read (and, approvals permitting, apply) a stored plan: its
    maker (any session of theirs) or the operator's own process; under ``approvals``, also the
    people of the plan's license (its approvers, and whoever applies it once approved)."""
    if owns(dict(record), runtime.principal_id, session):
        return True
    if runtime.policy.policy.approvals is None or life is None or not life.organization_id:
        return False
    return approvals.organization_of(person_of(runtime)) == life.organization_id
