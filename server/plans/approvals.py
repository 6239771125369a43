"""Approvals (the policy's ``approvals``): who may approve a plan, whether it has enough, and the
``approval`` rule apply asks before anything of a plan is sent.

Pure: decisions are the plan record's list (server/plans/lifecycle.py ``PlanLife.approvals``,
``[{decision: approved|rejected, by: person, at, mac, reason?}]``), a person is a dict as records
and audit lines name them (``id`` "<organization>:<account>", ``email``, ``name``, ``role``,
``organization_id``). The rules:

- an approver is a person signed in to the hosted server (an MCP client or the ``/plans/{id}``
  page), of the plan's own license, whose LiveChat role is listed, and not its author;
- an approval counts for the MAC it names only: an edited plan (another MAC) has none;
- one person counts once; a rejection (with its reason) stops the plan until it is re-planned.
"""

from __future__ import annotations

import hmac
from collections.abc import Sequence
from typing import Any, Protocol

RULE = "approval"


class Approvals(Protocol):
    """The policy's ``approvals`` (server/policies/engine.py ``Approvals``), as these rules read it."""

    @property
    def required(self) -> int: ...

    @property
    def approver_roles(self) -> Sequence[str]: ...

    @property
    def who(self) -> str: ...


def who(person: dict[str, Any] | None) -> str:
    """A person in a few words: "Olivia Owner <owner@example.com> (owner)"."""
    if not person:
        return "someone unknown"
    name, email = person.get("name") or "", person.get("email") or ""
    head = f"{name} <{email}>" if name and email else name or email or str(person.get("id", "someone unknown"))
    return f"{head} ({person['role']})" if person.get("role") else head


def organization_of(person: dict[str, Any] | None) -> str | None:
    if not person:
        return None
    org = person.get("organization_id")
    if isinstance(org, str) and org:
        return org
    pid = str(person.get("id", ""))
    return pid.split(":", 1)[0] if ":" in pid else None


def why_not_approver(rule: Approvals, person: dict[str, Any], author: dict[str, Any] | None,
                     plan_organization: str | None) -> str | None:
    """Why ``person`` may not approve this plan, or None if they may."""
    pid = str(person.get("id", ""))
    if ":" not in pid:
        return ("approvals come from people signed in to the hosted server with their LiveChat account; "
                "this session is not such a person")
    org = organization_of(person)
    if plan_organization and org != plan_organization:
        return "this plan is for another license"
    if author and hmac.compare_digest(pid, str(author.get("id", ""))):  # first: whatever their role
        return "you made this plan: someone else must approve it"
    role = person.get("role") or ""
    if role not in rule.approver_roles:
        return (f"your LiveChat role ({role or 'unknown'}) does not approve plans here; "
                f"{' or '.join(rule.approver_roles)} may")
    return None


def counted(rule: Approvals, decisions: list[dict[str, Any]], mac: str, author: dict[str, Any] | None
            ) -> list[dict[str, Any]]:
    """The approvals that count for the plan with ``mac``: one per person, never the author's,
    from a role the rule lists."""
    seen: set[str] = set()
    out = []
    author_id = str((author or {}).get("id", ""))
    for d in decisions:
        by = d.get("by") or {}
        pid = str(by.get("id", ""))
        if d.get("decision") != "approved" or not isinstance(d.get("mac"), str) or \
                not hmac.compare_digest(d["mac"], mac) or pid in seen or pid == author_id or \
                by.get("role") not in rule.approver_roles:
            continue
        seen.add(pid)
        out.append(d)
    return out


def rejection(decisions: list[dict[str, Any]], mac: str) -> dict[str, Any] | None:
    return next((d for d in reversed(decisions) if d.get("decision") == "rejected"
                 and isinstance(d.get("mac"), str) and hmac.compare_digest(d["mac"], mac)), None)


def status(rule: Approvals, decisions: list[dict[str, Any]], mac: str, author: dict[str, Any] | None
           ) -> dict[str, Any]:
    """Where a plan stands: its approvals, how many are missing, a rejection, in words too."""
    have = counted(rule, decisions, mac, author)
    rejected = rejection(decisions, mac)
    missing = max(0, rule.required - len(have))
    names = ", ".join(who(d.get("by")) for d in have)
    if rejected is not None:
        text = f"Rejected by {who(rejected.get('by'))}: {rejected.get('reason') or '(no reason given)'}"
    elif missing:
        text = (f"Needs {rule.who} other than its author ({who(author)}): {len(have)} of {rule.required} so far"
                + (f" ({names})." if names else "."))
    else:
        text = f"Approved by {names}."
    return {"required": rule.required, "approver_roles": list(rule.approver_roles), "approved_by": have,
            "missing": missing, "approved": not missing and rejected is None,
            **({"rejected": rejected} if rejected is not None else {}), "text": text}


def refusal(rule: Approvals, decisions: list[dict[str, Any]], mac: str, author: dict[str, Any] | None,
            plan_id: str, page: str | None = None) -> dict[str, Any] | None:
    """The ``approval`` rule: None when the plan has its approvals, else the refusal (nothing is sent)."""
    state = status(rule, decisions, mac, author)
    if state["approved"]:
        return None
    where = f" or on the page {page}" if page else ""
    how = ("re-plan the change (get_plan makes a new plan) and have it approved" if "rejected" in state else
           f"ask {' or '.join(f'an {r}' if r[0] in 'aeiou' else f'a {r}' for r in rule.approver_roles)} of this "
           f"license to approve plan {plan_id}: approve_plan with its plan_id and mac in their client{where} "
           "(plans_pending lists it for them)")
    return {"type": "refused", "rule": RULE,
            "message": f"Plan {plan_id} is not approved. {state['text']} Nothing was sent.",
            "how_to_allow": how, "approvals": {k: v for k, v in state.items() if k != "text"}}
