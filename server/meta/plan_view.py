"""A plan as get_plan and the review app show it: the readable review (server/plans/review.py)
and what the person in this session can do with the plan (``next``), so no door offers a button
that cannot succeed.

``next`` (outside the MAC, like ``headline`` and ``review``; apply ignores all three):

- ``apply``: true when this session may send the plan itself: apply_plan is available (a policy
  with writes, or dry-run with confirm = "writes", which asks once in the client) and, where the
  policy asks, this client can be asked. ``confirm``: applying asks the person once first.
- otherwise ``command``: the exact terminal command that applies this plan by id, and ``how``:
  the words saying who runs it and where.
- ``how`` always says, in a sentence, how the plan gets applied from here.
- under the policy's ``approvals``: ``approvals`` ({text, required, missing, approved, page?}: where
  the plan stands), ``approve``: true when this person may approve or reject it here; until the
  plan has its approvals, ``apply`` is false and ``how`` says who approves it and where.
"""

from __future__ import annotations

import os
import shlex
from typing import TYPE_CHECKING, Any

from ..calls.lifecycle import page_of, person_of
from ..plans import approvals
from ..plans.document import document_steps
from ..plans.lifecycle import PlanLife
from ..plans.review import review
from ..store import default_store_url
from ..tools import catalog, meta_names as names

if TYPE_CHECKING:
    from ..calls.context import CallContext
    from .spec import MetaTools

def apply_command(meta: MetaTools, plan_id: str | None, doc: dict[str, Any]) -> str:
    """The terminal command that applies this stored plan with this deployment's store: by id,
    with the switches its steps need (destructive steps need --allow-destructive). Without an id
    (a plan no other process can reach by id): the saved document, ``livechat-mcp apply PLAN.json``."""
    runtime = meta.runtime
    args = ["livechat-mcp", "plans", "apply", plan_id] if plan_id else ["livechat-mcp", "apply", "PLAN.json"]
    if runtime.app.sandbox is not None:
        args.append("--sandbox")
    args.append("--allow-writes")
    if any(step.destructive for step in document_steps(doc)):
        args.append("--allow-destructive")
    if secret_names(doc):  # the plan carries placeholders, never the values: the person supplies them
        args += ["--secrets", "SECRETS.json"]
    url = runtime.store.url
    if plan_id and url != default_store_url(os.environ) and not url.startswith("memory:"):
        args += ["--store", url]  # the store's URL as configured, its password already removed
    return shlex.join(args)


def secret_names(doc: dict[str, Any]) -> list[str]:
    """The secret placeholders the plan's steps hold (``{"$secret": "step1.secret_key"}``), by name: the
    document lists them (``secrets.names``, derived from its steps and signed with them)."""
    held = doc.get("secrets")
    names = held.get("names") if isinstance(held, dict) else None
    return [name for name in names if isinstance(name, str)] if isinstance(names, list) else []


def approval_steps(meta: MetaTools, life: PlanLife) -> dict[str, Any]:
    """Under ``approvals``: where the plan stands (``approvals``), whether this person may approve
    or reject it here (``approve``), and, until it is approved, why Apply is not offered."""
    runtime = meta.runtime
    rule = runtime.policy.policy.approvals
    assert rule is not None
    status = life.status(rule)
    page = page_of(runtime, life.id)
    out: dict[str, Any] = {"approvals": {"text": status["text"], "required": status["required"],
                                         "missing": status["missing"], "approved": status["approved"],
                                         **({"page": page} if page else {})}}
    me = person_of(runtime)
    mine = any(d.get("by", {}).get("id") == me.get("id") for d in status["approved_by"])
    if life.state == "stored" and status["missing"] and "rejected" not in status and not mine and \
            approvals.why_not_approver(rule, me, life.author, life.organization_id) is None:
        out["approve"] = True
    return out


def next_steps(meta: MetaTools, doc: dict[str, Any], call: CallContext | None = None,
               life: PlanLife | None = None) -> dict[str, Any]:
    """What this session can do with the plan ``doc`` (see the module docstring); ``life``: its
    lifecycle record (under approvals, Apply waits for them and an approver may Approve)."""
    runtime = meta.runtime
    policy = runtime.policy
    plan_id = doc.get("plan_id")
    if not doc.get("steps"):  # not stored, and no command or button could apply it: there is nothing to send
        return {"apply": False, "how": "Nothing to apply: the writes this session plans become its steps."}
    if policy.policy.approvals is not None and life is not None:
        gate = approval_steps(meta, life)
        if not gate["approvals"]["approved"]:
            rule = policy.policy.approvals
            if gate.get("approve"):
                how = (f"{gate['approvals']['text']} You may approve it (Approve, or approve_plan with its plan_id "
                       "and mac) or reject it with a reason.")
            elif "Rejected" in gate["approvals"]["text"]:
                how = f"{gate['approvals']['text']} It cannot be applied: a new plan (get_plan) needs its own approval."
            else:
                where = f", or on the page {gate['approvals']['page']}" if gate["approvals"].get("page") else ""
                # approvers, not rule.who ("1 approval by an owner ..."), find it: the text above says how many
                roles = " or ".join(rule.approver_roles)
                article = "an" if roles[:1] in tuple("aeiou") else "a"
                how = (f"{gate['approvals']['text']} It is applied once approved: {article} {roles} of this license "
                       f"finds it in plans_pending and approves it in their client{where}.")
            return {"apply": False, **gate, "how": how}
        return {**next_steps(meta, doc, call), **gate}
    applies = any(spec.name == names.APPLY_PLAN for spec in meta.active())
    acts = [catalog().get(step.action) for step in document_steps(doc)]
    asks = any(act is not None and policy.decide_applied(act).confirm for act in acts)
    can_ask = call is not None and call.ask is not None and call.ask.can_ask
    if applies and (not asks or can_ask):
        how = ("Apply sends it from here" + (", after you confirm it once in your client." if asks else ".")
               + " Discard clears it.")
        return {"apply": True, "confirm": asks, "how": how}
    out: dict[str, Any] = {"apply": False}
    if applies:  # the policy asks, and this client cannot be asked
        why = ("Applying it needs your confirmation (confirm = \"" + policy.policy.confirm + "\"), and this "
               "client cannot ask you (it does not support MCP elicitation).")
    elif policy.policy.mode == "dry-run":
        why = "This session only plans (dry-run): nothing is sent from here."
    else:
        why = "This session cannot send it."
    secrets = secret_names(doc)
    held = (f" (SECRETS.json: a JSON object with the values of {', '.join(secrets)}, which the plan does not "
            "carry)") if secrets else ""
    if not isinstance(plan_id, str) or runtime.store.url.startswith("memory:"):
        where = ("The plan could not be stored" if not isinstance(plan_id, str) else
                 "This server keeps plans in memory, so no other process can reach this one")
        out["command"] = apply_command(meta, None, doc)  # the saved document's
        out["how"] = (f"{why} {where}: save the plan document (get_plan's answer) as PLAN.json, and whoever runs "
                      f"this deployment applies it in a terminal{held}:")
        return out
    out["command"] = apply_command(meta, plan_id, doc)
    out["how"] = (f"{why} To apply it, whoever runs this deployment (with its LiveChat credentials and state "
                  f"store) runs this in a terminal{held}:")
    return out


def plan_view(meta: MetaTools, doc: dict[str, Any], call: CallContext | None = None,
              life: PlanLife | None = None) -> dict[str, Any]:
    """The document with the review around it: the summary sentence first (it heads the text that
    clients without Apps show), then the document, the review's lines, ``next`` and, for a stored
    plan, its ``lifecycle`` (server/plans/lifecycle.py)."""
    readable = review(doc)
    headline = readable.pop("headline")
    out = {"headline": headline, **doc, "review": readable, "next": next_steps(meta, doc, call, life)}
    if life is not None:
        rule = meta.runtime.policy.policy.approvals
        out["lifecycle"] = life.view(rule, page_of(meta.runtime, life.id) if rule is not None else None)
    return out
