"""`livechat-mcp plans list|show|export|apply`: the plans get_plan stored."""

from __future__ import annotations

import argparse
import json

from ...calls.runtime import Runtime
from . import apply
from .base import fail


async def run(runtime: Runtime, args: argparse.Namespace) -> int:
    """`livechat-mcp plans list|show|export|apply`: the plans get_plan stored (server/plans/store.py)."""
    from ...plans.store import PlanStore

    plans = PlanStore(runtime.store)
    if args.plans_command == "list":
        for row in await plans.list():
            summary = row.get("summary") or {}
            print(f"{row['id']}  {row.get('created_at')}  {summary.get('steps')} steps  "
                  f"{json.dumps(summary.get('by_action'))}  done: {row['journal']}  {(row.get('target') or {}).get('api')}")
        return 0
    if not args.plan_id:
        return fail(f"`livechat-mcp plans {args.plans_command}` needs a plan id (see `livechat-mcp plans list`)")
    record = await plans.get(args.plan_id)
    if record is None:
        return fail(f"no stored plan {args.plan_id!r} (see `livechat-mcp plans list`; plans expire after 30 days)")
    doc = record["document"]
    if args.plans_command == "export":  # the portable artifact, for `livechat-mcp apply PLAN.json`
        print(json.dumps(doc, indent=2, ensure_ascii=False))
        return 0
    if args.plans_command == "show":
        print(json.dumps({"plan_id": args.plan_id, "mac": doc["mac"], "target": doc.get("target"),
                          "summary": doc.get("summary"), "steps": doc.get("steps"),
                          "done_steps": sorted(await plans.done(doc["mac"]))}, indent=2, ensure_ascii=False))
        return 0
    # apply: the operator applies what `plans show` printed (same id, same MAC), resuming its journal.
    return await apply.run(runtime, None, args.continue_on_error, None, other_target=args.other_target,
                        extra={"plan_id": args.plan_id, "mac": doc["mac"]})
