"""A stored plan's life: who made it, who approved or rejected it, when and by whom it was applied
and undone. Pure (the record and its transitions); server/plans/store.py keeps it in the state
store beside the plan, and server/calls/lifecycle.py writes an audit line per transition.

States (``PlanLife.state``)::

    draft ──get_plan──▶ stored ──approve_plan──▶ approved ──apply──▶ applied ──undo applied──▶ undone
                          │  ╲                      │          ╲
                          │   reject_plan           │           partly_applied (some steps done)
                          │    ▼                    │
                          │   rejected              │
                          └──────────── apply (no approvals required) ─▶ applied / partly_applied

``draft`` is the session's working plan (server/plans/working.py): it has no record. A record is
made when get_plan stores the signed document (``stored``). ``approved`` and ``rejected`` happen
only under the policy's ``approvals`` (server/plans/approvals.py decides who counts). Every
approval is bound to the plan's MAC: an edited plan is another plan (another MAC, another id) with
a record of its own and no approvals.

A person, as records and audit lines name them: ``{id: "<organization>:<account>" | "operator",
email, name, role, organization_id}`` (empty fields left out).
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from . import approvals as rules
from .times import when

State = Literal["stored", "approved", "rejected", "applied", "partly_applied", "undone"]
STATES: tuple[str, ...] = ("draft", "stored", "approved", "rejected", "applied", "partly_applied", "undone")
# The states in which a plan waits for an approver (plans_pending, livechat://plans?state=pending).
PENDING: frozenset[str] = frozenset({"stored"})
PERSON_FIELDS = ("id", "email", "name", "role", "organization_id")
MAX_REASON = 500  # characters of a rejection's reason kept
MAX_ENTRIES = 200  # approvals / applies / history entries kept (a plan is applied a handful of times)


class LifeError(Exception):
    """A transition that may not happen (the message says why, to the person who asked)."""


def person(fields: Mapping[str, Any]) -> dict[str, str]:
    """A person as the lifecycle keeps them: the fields above, as strings, empty ones left out."""
    return {k: str(fields[k]) for k in PERSON_FIELDS if fields.get(k) not in (None, "")}


@dataclass
class PlanLife:
    id: str
    mac: str
    author: dict[str, str]
    stored_at: float
    state: State = "stored"
    organization_id: str | None = None
    approvals: list[dict[str, Any]] = field(default_factory=list)  # [{decision, by, at, mac, reason?}]
    applies: list[dict[str, Any]] = field(default_factory=list)  # [{at, by, status, done, steps, again}]
    undoes: str | None = None  # this plan undoes that plan
    undo_plan: str | None = None  # the plan that undoes this one (made by its last apply)
    undone: dict[str, Any] | None = None  # {at, by, plan_id}
    history: list[dict[str, Any]] = field(default_factory=list)  # [{state, at, by}]

    # --- storage ---------------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PlanLife:
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        life = cls(**known)
        if life.state not in STATES[1:]:  # "draft" has no record
            life.state = "stored"
        return life

    # --- transitions -----------------------------------------------------------------------------

    def _move(self, state: State, by: Mapping[str, Any], at: float) -> None:
        self.state = state
        self.history = [*self.history, {"state": state, "at": at, "by": person(by)}][-MAX_ENTRIES:]

    def decide(self, rule: rules.Approvals, decision: Literal["approved", "rejected"], by: Mapping[str, Any],
               mac: str, at: float, reason: str | None = None) -> None:
        """An approval or a rejection by ``by`` of the plan with ``mac``. Raises LifeError when
        ``by`` may not decide it (approvals.why_not_approver), the MAC is not this plan's, or the
        plan is past deciding (applied, undone)."""
        if not hmac.compare_digest(mac.encode(), self.mac.encode()):
            raise LifeError(f"the mac given is not plan {self.id}'s: the plan you reviewed is not this one "
                            "(an edited plan is a new plan, with its own id)")
        if self.state in ("applied", "partly_applied", "undone"):
            raise LifeError(f"plan {self.id} is already {self.state.replace('_', ' ')}: there is nothing to "
                            f"{'approve' if decision == 'approved' else 'reject'}")
        why = rules.why_not_approver(rule, dict(by), self.author, self.organization_id)
        if why is not None:
            raise LifeError(why)
        entry: dict[str, Any] = {"decision": decision, "by": person(by), "at": at, "mac": self.mac}
        if decision == "rejected":
            entry["reason"] = (reason or "").strip()[:MAX_REASON]
        # A person's later decision replaces their earlier one (approve, then reject: rejected).
        pid = str(by.get("id", ""))
        self.approvals = [d for d in self.approvals if str((d.get("by") or {}).get("id", "")) != pid]
        self.approvals = [*self.approvals, entry][-MAX_ENTRIES:]
        status = self.status(rule)
        state: State = "rejected" if "rejected" in status else "approved" if status["approved"] else "stored"
        self._move(state, by, at)

    def applied(self, by: Mapping[str, Any], *, done: int, steps: int, at: float, again: bool = False) -> bool:
        """An apply that got ``done`` of ``steps`` steps done (the journal's count, earlier runs
        included). False when nothing is done: no transition."""
        if done <= 0:
            return False
        status: State = "applied" if done >= steps else "partly_applied"
        self.applies = [*self.applies, {"at": at, "by": person(by), "status": status, "done": done,
                                        "steps": steps, "again": again}][-MAX_ENTRIES:]
        self._move(status, by, at)
        return True

    def undone_by(self, by: Mapping[str, Any], undo_plan: str, at: float) -> None:
        """The plan that undoes this one was applied."""
        self.undone = {"at": at, "by": person(by), "plan_id": undo_plan}
        self._move("undone", by, at)

    # --- reading ---------------------------------------------------------------------------------

    def status(self, rule: rules.Approvals) -> dict[str, Any]:
        """Where the plan stands with the approval rule (server/plans/approvals.py ``status``)."""
        return rules.status(rule, self.approvals, self.mac, self.author)

    def view(self, rule: rules.Approvals | None = None, page: str | None = None, *, history: bool = False
             ) -> dict[str, Any]:
        """The record as the doors show it (times as ISO 8601, words beside the data); empty parts
        left out; ``history``: every transition too (plans show, livechat://plans/{id})."""
        out: dict[str, Any] = {
            "state": self.state,
            "text": self.text(rule),
            "author": self.author,
            "stored_at": when(self.stored_at),
        }
        if rule is not None:
            status = self.status(rule)
            out["approvals"] = {
                "required": status["required"], "approver_roles": status["approver_roles"],
                "approved_by": [_decision_view(d) for d in status["approved_by"]],
                "missing": status["missing"], "approved": status["approved"], "text": status["text"],
                **({"rejected": _decision_view(status["rejected"])} if "rejected" in status else {}),
            }
            if page:
                out["approvals"]["page"] = page
        elif self.approvals:
            out["approvals"] = {"decisions": [_decision_view(d) for d in self.approvals]}
        if self.applies:
            out["applies"] = [{**a, "at": when(a.get("at"))} for a in self.applies]
        for key in ("undoes", "undo_plan"):
            if getattr(self, key):
                out[key] = getattr(self, key)
        if self.undone:
            out["undone"] = {**self.undone, "at": when(self.undone.get("at"))}
        if history:
            out["history"] = [{**h, "at": when(h.get("at"))} for h in self.history]
        return out

    def text(self, rule: rules.Approvals | None = None) -> str:
        """One line: the state, who made it, and what happened last."""
        made = f"made by {rules.who(self.author)} at {when(self.stored_at)}"
        if self.state == "undone" and self.undone:
            return (f"Undone by {rules.who(self.undone.get('by'))} at {when(self.undone.get('at'))} "
                    f"(plan {self.undone.get('plan_id')}); {made}.")
        if self.state in ("applied", "partly_applied") and self.applies:
            last = self.applies[-1]
            what = "Applied" if self.state == "applied" else f"Partly applied ({last['done']} of {last['steps']} steps)"
            return f"{what} by {rules.who(last.get('by'))} at {when(last.get('at'))}; {made}."
        if rule is not None:  # "Approved by ..." / "Rejected by ...: why" / "Needs ..." say the state
            return f"{self.status(rule)['text']} {made[0].upper()}{made[1:]}."
        return f"Stored, not applied; {made}."


def _decision_view(d: Mapping[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in d.items() if k != "mac"}
    out["at"] = when(d.get("at"))
    return out


def new(doc: Mapping[str, Any], plan_id: str, author: Mapping[str, Any], at: float, *,
        undoes: str | None = None) -> PlanLife:
    """The record of a plan get_plan (or undo) just stored."""
    target = doc.get("target") if isinstance(doc.get("target"), dict) else {}
    organization = rules.organization_of(dict(author)) or (target or {}).get("organization_id")
    life = PlanLife(id=plan_id, mac=str(doc["mac"]), author=person(author), stored_at=at,
                    organization_id=organization if isinstance(organization, str) else None, undoes=undoes)
    life.history = [{"state": "stored", "at": at, "by": person(author)}]
    return life
