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
"""

from __future__ import annotations

import os
import shlex
from typing import TYPE_CHECKING, Any

from ..plans.document import document_steps
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
    url = runtime.store.url
    if plan_id and url != default_store_url(os.environ) and not url.startswith("memory:"):
        args += ["--store", url]  # the store's URL as configured, its password already removed
    return shlex.join(args)


def next_steps(meta: MetaTools, doc: dict[str, Any], call: CallContext | None = None) -> dict[str, Any]:
    """What this session can do with the plan ``doc`` (see the module docstring)."""
    runtime = meta.runtime
    policy = runtime.policy
    plan_id = doc.get("plan_id")
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
    if not isinstance(plan_id, str) or runtime.store.url.startswith("memory:"):
        where = ("The plan could not be stored" if not isinstance(plan_id, str) else
                 "This server keeps plans in memory, so no other process can reach this one")
        out["command"] = apply_command(meta, None, doc)  # the saved document's
        out["how"] = (f"{why} {where}: save the plan document (get_plan's answer) as PLAN.json, and whoever runs "
                      "this deployment applies it in a terminal:")
        return out
    out["command"] = apply_command(meta, plan_id, doc)
    out["how"] = (f"{why} To apply it, whoever runs this deployment (with its LiveChat credentials and state "
                  "store) runs this in a terminal:")
    return out


def plan_view(meta: MetaTools, doc: dict[str, Any], call: CallContext | None = None) -> dict[str, Any]:
    """The document with the review around it: the summary sentence first (it heads the text that
    clients without Apps show), then the document, the review's lines and ``next``."""
    readable = review(doc)
    headline = readable.pop("headline")
    return {"headline": headline, **doc, "review": readable, "next": next_steps(meta, doc, call)}
