"""`livechat-mcp plans list|show|export|apply`: the plans get_plan stored."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from ...calls.runtime import Runtime
from . import apply
from .base import fail


async def run(runtime: Runtime, args: argparse.Namespace) -> int:
    """`livechat-mcp plans list|show|export|apply`: the plans get_plan stored (server/plans/store.py)."""
    from ...plans.lifecycle import PENDING
    from ...plans.store import PlanStore

    plans = PlanStore(runtime.store)
    if runtime.credential.kind == "none" and args.plans_command == "list":
        # Stored plans are this machine's (or the shared store's): reading them needs no license.
        print(f"livechat-mcp: no credentials: the plans stored in {runtime.store.url}; applying one needs the "
              "license's credentials (LIVECHAT_ACCESS_TOKEN, or LIVECHAT_ACCOUNT_ID + LIVECHAT_PAT)", file=sys.stderr)
    rule = runtime.policy.policy.approvals
    if getattr(args, "pending", False) and rule is None:
        # Waiting for approval exists only under a policy that requires approvals; this process's policy is
        # what decides, so the team's policy file must be named here as the server is given it.
        return fail("--pending lists plans waiting for approval, and this policy requires none: pass the "
                    "policy with `approvals` that the team's server runs (--policy FILE)")
    if args.plans_command == "list":
        lives = {record["id"]: life for record, life in await plans.lives()}
        listed = 0
        for row in await plans.list():
            life = lives.get(row["id"])
            if getattr(args, "pending", False) and (life is None or life.state not in PENDING or (
                    rule is not None and (life.status(rule)["approved"] or "rejected" in life.status(rule)))):
                continue
            summary = row.get("summary") or {}
            # [state] and the words: who made it and when, its approvals, the last apply, the undo.
            state = f"[{life.state}] {life.text(rule)}" if life is not None else "[stored]"
            print(f"{row['id']}  {row.get('created_at')}  {summary.get('steps')} steps  "
                  f"{json.dumps(summary.get('by_action'))}  done: {row['journal']}  {(row.get('target') or {}).get('api')}"
                  f"  {state}")
            listed += 1
        if getattr(args, "pending", False) and not listed:
            print("livechat-mcp: no plan is waiting for approval", file=sys.stderr)
        return 0
    if getattr(args, "pending", False):
        return fail("--pending goes with `livechat-mcp plans list`")
    if args.secrets and args.plans_command != "apply":
        return fail("--secrets goes with `livechat-mcp plans apply`")
    if not args.plan_id:
        return fail(f"`livechat-mcp plans {args.plans_command}` needs a plan id (see `livechat-mcp plans list`)")
    record = await plans.get(args.plan_id)
    if record is None:
        return fail(f"no stored plan {args.plan_id!r} (see `livechat-mcp plans list`; plans expire after 30 days)")
    doc = record["document"]
    if args.plans_command == "export":  # the portable artifact, for `livechat-mcp apply PLAN.json`
        print(json.dumps(doc, indent=2, ensure_ascii=False))
        return 0
    if args.plans_command == "rehearse":
        return await _rehearse(runtime, doc)
    if args.plans_command == "show":
        life = await plans.life(args.plan_id)
        print(json.dumps({"plan_id": args.plan_id, "mac": doc["mac"], "target": doc.get("target"),
                          "summary": doc.get("summary"), "steps": doc.get("steps"),
                          "done_steps": sorted(await plans.done(doc["mac"])),
                          **({"lifecycle": life.view(rule, history=True)} if life is not None else {})},
                         indent=2, ensure_ascii=False))
        if life is not None:
            print(life.text(rule), file=sys.stderr)
        return 0
    # apply: the operator applies what `plans show` printed (same id, same MAC); its journal decides what is sent.
    return await apply.run(runtime, None, args.continue_on_error, args.secrets, other_target=args.other_target,
                           extra={"plan_id": args.plan_id, "mac": doc["mac"], **apply.choices(args)})


async def _rehearse(runtime: Runtime, doc: dict[str, Any]) -> int:
    """Apply the plan to a private copy of its license (server/license_config/rehearse.py): exit 0 when
    every step would be done, 1 otherwise; nothing is sent to the license but the export's reads."""
    from ...license_config.rehearse import RehearsalError, rehearse
    from ...plans.document import MAC_KEY_NAME
    from .documents import context

    key = await runtime.store.shared_secret(MAC_KEY_NAME)
    try:
        report = await rehearse(runtime, doc, key, context(runtime))
    except RehearsalError as exc:
        return fail(f"not rehearsed: {exc}", 1)
    print(runtime.scrubber(json.dumps(report, indent=2, ensure_ascii=False)))
    print(report["changes"]["text"], file=sys.stderr)
    return 0 if report["status"] == "completed" else 1
