"""An apply report sized to what it says, and the full one kept for whoever needs every step.

apply_plan's report (server/calls/apply.py) names every step with its result or error: 41 done
steps are over 1,000 tokens, a refused apply repeats one refusal per step. What the assistant gets
(``compact``) is the summary by status, the done steps as ranges per action, and every step that
did not succeed, identical problems grouped (one refusal per rule, naming the steps it covers):
nothing a person must decide on is dropped. A plan of at most ``SMALL_PLAN`` steps also keeps its
per-step list (it is short). The full report is kept in the state store under the plan's id
(``ApplyReports``) for get_apply_report (server/meta/apply_reports.py) and the CLI.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from ..store import Store
from ..tools.results import LISTED_IDS, ranges
from . import refs as plan_refs

NS = "plans.reports"
TTL = 30 * 24 * 3600.0  # as long as the stored plan itself (server/plans/store.py)
SMALL_PLAN = 10  # up to this many steps the compact report also lists each step
STATUSES = ("done", "failed", "refused", "not_sent")
CHANGED = "changed_since_planned"  # server/plans/stale.py RULE
SHOWN_CHANGED = 20  # stale steps shown one by one in a compact report (every one: get_apply_report)


# (rule, the actions it refused) -> one fix for all of them, in the reader's words (or None).
CombinedFix = Callable[[str, list[str]], str | None]


def compact(report: dict[str, Any], plan_id: str | None, combined_fix: CombinedFix | None = None) -> dict[str, Any]:
    """``report`` as the assistant reads it (see the module docstring). ``combined_fix`` says one
    fix for a rule that refused several actions (toolsets: every resource at once)."""
    steps = [s for s in report.get("steps", []) if isinstance(s, dict)]
    out: dict[str, Any] = {k: v for k, v in report.items() if k != "steps"}
    done = [s for s in steps if s.get("status") == "done"]
    if done:
        by_action: dict[str, list[int]] = {}
        for s in done:
            by_action.setdefault(str(s.get("action")), []).append(int(s["step"]))
        out["done"] = {action: ranges(numbers) for action, numbers in by_action.items()}
        earlier = [int(s["step"]) for s in done if s.get("journal")]
        if earlier:
            out["done_earlier"] = ranges(earlier)  # by an earlier apply of this plan (its journal)
        # What LiveChat assigned (a new group's id): later work needs it, and no step body says it.
        created = {str(s["step"]): s["result"]["id"] for s in done if isinstance(s.get("result"), dict)
                   and isinstance(s["result"].get("id"), (str, int)) and plan_refs.returns(str(s.get("action")), 1)}
        if created:
            out["created_ids"] = dict(list(created.items())[:LISTED_IDS])
            if len(created) > LISTED_IDS:
                out["created_ids_more"] = f"{len(created) - LISTED_IDS} more: get_apply_report with status done"
    problems = _problems([s for s in steps if s.get("status") != "done"], combined_fix)
    if problems:
        out["problems"] = problems
    if plan_id is not None:
        out["plan_id"] = plan_id
    if len(steps) <= SMALL_PLAN:
        out["steps"] = steps
    elif plan_id is not None:
        out["full_report"] = "get_apply_report with this plan_id: every step with its result or error"
    return out


def _problems(steps: list[dict[str, Any]], combined_fix: CombinedFix | None) -> list[dict[str, Any]]:
    """Steps not done, one entry per status and cause: a refusal by its rule (whatever the action:
    its message names the first, and one fix covers them all), a failure by its error, steps not
    sent by why."""
    groups: dict[str, dict[str, Any]] = {}
    fixes: dict[str, list[str]] = {}
    for s in steps:
        error = s.get("error") if isinstance(s.get("error"), dict) else None
        status = str(s.get("status"))
        refusal = status == "refused" and error is not None
        if refusal and error is not None:
            sig = json.dumps([status, error.get("rule"), error.get("rules")], default=str)
        else:
            sig = json.dumps([status, error], sort_keys=True, default=str)
        group = groups.setdefault(sig, {"status": status, "steps": [], "actions": []})
        group["steps"].append(int(s["step"]))
        if s.get("action") not in group["actions"]:
            group["actions"].append(s.get("action"))
        if error is not None:
            changed = refusal and error.get("rule") == CHANGED
            # What changed differs per step: each one's object and before / now / after, not only the
            # first's (the objects as they are now, which can be large, are in the full report).
            group.setdefault("error", {k: v for k, v in error.items()
                                       if not changed or k not in ("fields", "gone", "now", "before", "after")})
            if changed and len(group.setdefault("each", {})) < SHOWN_CHANGED:
                group["each"][str(s["step"])] = {k: error[k] for k in ("object", "fields", "gone") if k in error}
            if refusal and isinstance(error.get("how_to_allow"), str):
                fixes.setdefault(sig, [])
                if error["how_to_allow"] not in fixes[sig]:
                    fixes[sig].append(error["how_to_allow"])
        elif status == "not_sent":
            group.setdefault("why", "not sent: the apply stopped before it (an earlier step failed or was refused; "
                             "continue_on_error sends the rest)")
    for sig, found in fixes.items():
        if len(found) > 1:  # several actions, several fixes: one that lifts the rule for all of them
            group = groups[sig]
            one = combined_fix(group["error"].get("rule"), group["actions"]) if combined_fix else None
            group["error"]["how_to_allow"] = one or "; or ".join(found)
    return [{**g, "steps": ranges(g["steps"]), "count": len(g["steps"])} for g in groups.values()]


class ApplyReports:
    """The last full apply report of each plan, by plan id, with the principal that applied it."""

    def __init__(self, store: Store) -> None:
        self.store = store

    async def save(self, plan_id: str, owner: str, report: dict[str, Any]) -> None:
        record = {"plan_id": plan_id, "owner": owner, "at": time.time(), "report": report}
        await self.store.put(NS, plan_id, json.dumps(record).encode(), ttl=TTL)

    async def get(self, plan_id: str) -> dict[str, Any] | None:
        raw = await self.store.get(NS, plan_id)
        return json.loads(raw) if raw else None
