"""Converging steps as an ordinary plan (server/plans/document.py ``Plan``): each step decided by
the policy as a dry-run call would be, validated by the catalogue, its references checked, and
checked against the license as it is planned (before/after of updates, what deletes lose: what
undo needs). The caller signs and stores it like get_plan does, so it is reviewed, approved and
applied like any other plan.

A step the policy refuses or the catalogue rejects is left out and reported; so is every step
that refers to what a left-out step would create. Each step costs O(1) besides its checks: the
plan is built in memory (not through a session's stored working plan, which is rewritten whole
on every planned call).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from ..calls.pipeline import Pipeline
from ..plans import refs as plan_refs
from ..plans.checks import check_step
from ..plans.document import Plan, PlanCapError
from ..policies import Outcome, PolicyContext
from ..tools import catalog
from ..tools.catalog import to_payload
from ..tools.owner import fill_owner
from ..tools.validation import field_errors, summary


@dataclass
class Built:
    plan: Plan = field(default_factory=Plan)
    left_out: list[dict[str, Any]] = field(default_factory=list)
    numbers: dict[int, int] = field(default_factory=dict)  # converging step -> plan step


def planning_policy(policy: PolicyContext) -> PolicyContext:
    """The policy a planned call meets: the same rules, with writes planned rather than sent."""
    return PolicyContext(policy.policy.model_copy(update={"mode": "dry-run"}), policy.scopes, policy.scopes_source)


def _renumber(node: Any, numbers: dict[int, int]) -> Any:
    """``node`` with each step reference pointing at the plan's number for that step."""
    if isinstance(node, dict):
        if set(node) == {plan_refs.REF} and isinstance(node[plan_refs.REF], str):
            return {plan_refs.REF: _name(node[plan_refs.REF], numbers)}
        return {(plan_refs.KEY_PREFIX + _name(k[len(plan_refs.KEY_PREFIX):], numbers)
                 if isinstance(k, str) and k.startswith(plan_refs.KEY_PREFIX) else k): _renumber(v, numbers)
                for k, v in node.items()}
    if isinstance(node, list):
        return [_renumber(v, numbers) for v in node]
    return node


def _name(ref: str, numbers: dict[int, int]) -> str:
    step, _, rest = ref.partition(".")
    return f"step{numbers[int(step[4:])]}.{rest}"


async def build(steps: Iterable[tuple[str, dict[str, Any]]], *, pipeline: Pipeline, policy: PolicyContext,
                session: str, check: bool = True) -> Built:
    """The plan of ``steps`` (references as converge wrote them: ``step<N>`` = the Nth step given)."""
    out = Built()
    actions: dict[int, str] = {}
    cat = catalog()
    for given, (action, raw) in enumerate(steps, 1):
        act = cat[action]

        def leave(why: str, rule: str) -> None:
            out.left_out.append({"step": given, "action": action, "rule": rule, "why": why,  # noqa: B023
                                 "object": _object(action, raw)})  # noqa: B023

        decision = policy.decide(act)
        if decision.outcome is Outcome.REFUSE:
            leave(f"{action} is refused by the policy: {decision.reason} ({decision.fix})", decision.rule)
            continue
        missing = sorted(n for n in plan_refs.needs(raw) if n not in out.numbers)
        if missing:
            leave(f"it uses what step{'s' if len(missing) > 1 else ''} {', '.join(map(str, missing))} of the "
                  "converging would create, and that step was left out", "dependency")
            continue
        number = len(out.plan.steps) + 1
        body = _renumber(raw, out.numbers)
        problems = plan_refs.problems(action, body, number, actions)
        if problems:
            leave("; ".join(problems), "references")
            continue
        stood, refs = plan_refs.stand_in(action, body)
        try:
            payload = to_payload(act.model.model_validate(stood))
        except ValidationError as exc:
            leave(f"invalid for {action}: {summary(field_errors(exc, stood))}", "validation")
            continue
        plan_refs.restore(payload, refs)
        absent = fill_owner(act, payload, client_id=pipeline.owner_client_id,
                            credential_kind=pipeline.client.credential.kind)
        if absent:
            leave(f"{', '.join(absent)} is needed with a Personal Access Token", "validation")
            continue
        try:
            out.plan.add(act, payload)
        except PlanCapError as exc:
            leave(f"the plan is full ({exc}): converge fewer kinds at a time (--kinds)", "plan_cap")
            continue
        actions[number] = action
        out.numbers[given] = number
        if check:
            step = out.plan.steps[-1]
            step.info = await check_step(pipeline, out.plan, number, step, session)
    if not check:
        out.plan.checking = False
        out.plan.not_checked = "checking was turned off for this plan"
    return out


def _object(action: str, body: dict[str, Any]) -> str:
    for key in ("name", "id", "group_id"):
        if isinstance(body.get(key), (str, int)):
            return f"{action.split('_', 1)[-1]} {body[key]}"
    return action
