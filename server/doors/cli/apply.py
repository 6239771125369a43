"""`livechat-mcp apply PLAN`: apply a reviewed plan through the apply_plan tool.

PLAN is whatever the person has in hand: a stored plan's id, a file holding get_plan's document,
or ``-`` for the text of get_plan's answer pasted on stdin (the untrusted-data label, a summary
sentence or a code fence around it are removed: server/plans/handover.py). Whichever it is, the
MAC decides whether it is the plan that was reviewed.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

from ...calls.runtime import Runtime
from ...policies.audience import Change, Refusal
from .base import app_for, fail

PLAN_ID = re.compile(r"[0-9a-f]{16}")


def choices(args: argparse.Namespace) -> dict[str, Any]:
    """apply_plan's arguments for the flags a person gave (`apply` and `plans apply` share them)."""
    flags = {"resume": "resume", "again": "again", "accept_changed": "accept_changed",
             "send_expected_failures": "send_expected_failures"}
    return {name: True for attr, name in flags.items() if getattr(args, attr, False)}


async def run(runtime: Runtime, source: str | None, continue_on_error: bool, secrets_path: str | None,
              accept_edited: bool = False, other_target: bool = False, extra: dict[str, Any] | None = None) -> int:
    """The same door as the apply_plan tool: deny_tools, the policy, the plan checks and the audit
    line all come from one call path (LiveChatMCP.call_tool). ``source``: a plan id, a file, ``-``
    (stdin), or None when ``extra`` names a stored plan (plan_id + mac)."""
    policy = runtime.policy.policy
    if not policy.applies_own_plans:  # one line, not one refusal per step
        audience = runtime.policy.audience  # the flags, or the policy file's lines when --policy names one
        writes = audience.fix([Refusal("mode", policy.mode, Change("mode", "read-write", "apply", policy.mode))])
        deletes = "" if policy.allow_destructive else " (for destructive steps also: " + audience.fix(
            [Refusal("allow_destructive", "destructive", Change("allow_destructive", True, "apply"))]) + ")"
        if runtime.audit is not None:  # refused whole, before any step: still one line, as every refusal
            from ...meta.registry import BY_NAME

            runtime.audit.record(tool="apply_plan", decision="refused", rule="mode",
                                 arguments={k: v for k, v in (extra or {}).items() if k != "secrets"},
                                 duration_ms=0.0, outcome={"error": "refused", "mode": policy.mode},
                                 session="process", model=BY_NAME["apply_plan"].model)
        return fail(f"apply sends writes, and the policy is {policy.mode} ({runtime.policy_source}): {writes}"
                    f"{deletes}. Nothing was sent.", 1)
    extra = dict(extra or {})
    if extra.get("resume") and extra.get("again"):
        return fail("--resume sends only the steps no earlier apply did; --again sends every step anew: give one")
    handed = await _handed(runtime, source) if source is not None else {}
    if isinstance(handed, int):
        return handed
    secrets = None
    if secrets_path:
        # A file or stdin, never a command-line value: argv is visible to every process on the host.
        if secrets_path == "-" and source == "-":
            return fail("the plan is read from stdin: give the secrets in a file (--secrets FILE)")
        try:
            secrets = json.loads(sys.stdin.read() if secrets_path == "-" else Path(secrets_path).read_text())
        except (OSError, ValueError, RecursionError) as exc:
            # The parser's message can quote the file's text; say only where it failed.
            where = f" (line {exc.lineno})" if isinstance(exc, json.JSONDecodeError) else ""
            return fail(f"cannot read secrets {secrets_path}: not a JSON object{where}" if where
                         else f"cannot read secrets {secrets_path}: {type(exc).__name__}")
        if isinstance(secrets, dict):
            runtime.scrubber.add(*(v for v in secrets.values() if isinstance(v, str)))

    async def progress(done: float, total: float | None, message: str) -> None:
        print(f"[{int(done)}/{int(total or 0)}] {message}", file=sys.stderr, flush=True)

    from ...calls.confirm import TerminalAsker
    from ...calls.context import CallContext

    # One session, like stdio; apply_plan's confirmation is asked at the terminal, or refused without one.
    call = CallContext(session="process", progress=progress, ask=TerminalAsker())

    arguments: dict[str, Any] = {**handed, "continue_on_error": continue_on_error, "accept_edited": accept_edited,
                                 **({"allow_other_target": True} if other_target else {}), **extra}
    if secrets is not None:
        arguments["secrets"] = secrets
    result = await app_for(runtime).call_tool("apply_plan", arguments, call=call)
    data = result.data
    if isinstance(data, dict) and "steps" not in data and isinstance(data.get("error"), dict):
        return fail(str(data["error"].get("message"))
                     + (f" ({data['error']['how_to_allow']})" if data["error"].get("how_to_allow") else ""),
                     code=1)
    print(runtime.scrubber(json.dumps(result.shown, indent=2, ensure_ascii=False)))
    if isinstance(data, dict) and data.get("changes"):
        print("livechat-mcp: the plan differs from what get_plan signed:\n"
              + "\n".join(f"  - {c}" for c in data["changes"]), file=sys.stderr, flush=True)
    if isinstance(data, dict) and isinstance(data.get("error"), dict) and data["error"].get("how_to_allow"):
        print(f"livechat-mcp: {data['error'].get('message')}\nlivechat-mcp: {data['error']['how_to_allow']}",
              file=sys.stderr, flush=True)
    elif isinstance(data, dict) and data.get("status") == "already_applied":
        print(f"livechat-mcp: {data.get('message')}", file=sys.stderr, flush=True)
    return 1 if result.is_error else 0


async def _handed(runtime: Runtime, source: str) -> dict[str, Any] | int:
    """apply_plan's ``plan`` (a document) or ``plan_id`` + ``mac`` for what the person gave; an
    exit code after saying what is wrong."""
    from ...plans.document import MAX_DOCUMENT_BYTES, PlanError
    from ...plans.handover import WHAT_TO_GIVE, is_plan, read_plan_text

    path = Path(source).expanduser()
    if source != "-" and not path.exists():
        if PLAN_ID.fullmatch(source):
            return await _stored(runtime, source, None)
        return fail(f"plan not applied: {source} is neither a file nor a stored plan's id ({WHAT_TO_GIVE}; "
                    "- reads the text from stdin)")
    what = "stdin" if source == "-" else source
    try:
        if source == "-":
            if sys.stdin.isatty():
                print("livechat-mcp: paste get_plan's answer (all of it), then press Ctrl-D on a line of its own",
                      file=sys.stderr, flush=True)
            raw = sys.stdin.buffer.read(MAX_DOCUMENT_BYTES + 1)
        else:
            if path.stat().st_size > MAX_DOCUMENT_BYTES:
                raw = b"x" * (MAX_DOCUMENT_BYTES + 1)
            else:
                raw = path.read_bytes()
    except OSError as exc:
        return fail(f"cannot read plan {what}: {exc.strerror or exc}")
    if len(raw) > MAX_DOCUMENT_BYTES:
        return fail(f"plan not applied: {what} is over {MAX_DOCUMENT_BYTES:,} bytes; a plan document is at most "
                    f"{MAX_DOCUMENT_BYTES:,} bytes (MAX_DOCUMENT_BYTES): split the work into several plans")
    try:
        found = read_plan_text(raw.decode("utf-8", "replace"))
    except PlanError as exc:
        return fail(f"plan not applied ({what}): {exc}. Nothing was sent.", 1)
    if is_plan(found):
        return {"plan": found}
    return await _stored(runtime, str(found["plan_id"]), str(found["mac"]))


async def _stored(runtime: Runtime, pid: str, mac: str | None) -> dict[str, Any] | int:
    """A stored plan by id: the MAC a pasted summary names, or (an id typed by the operator, who
    applies any plan of this deployment's store) the stored plan's own."""
    from ...plans.store import PlanStore

    if mac is not None:
        return {"plan_id": pid, "mac": mac}
    record = await PlanStore(runtime.store).get(pid)
    if record is None:
        return fail(f"no stored plan {pid!r} in {runtime.store.url} (see `livechat-mcp plans list`; plans expire "
                    "after 30 days; give --store when the plan was made with another store)", 1)
    return {"plan_id": pid, "mac": record["document"]["mac"]}
