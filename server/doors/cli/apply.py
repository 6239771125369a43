"""`livechat-mcp apply PLAN.json`: apply a reviewed plan document through the apply_plan tool."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from ...calls.runtime import Runtime
from ...policies.audience import Change, Refusal
from .base import app_for, fail


async def run(runtime: Runtime, path: str | None, continue_on_error: bool, secrets_path: str | None,
                 accept_edited: bool = False, other_target: bool = False, extra: dict[str, Any] | None = None) -> int:
    """The same door as the apply_plan tool: deny_tools, the policy, the plan checks and the audit
    line all come from one call path (LiveChatMCP.call_tool)."""
    from ...plans.document import MAX_DOCUMENT_BYTES, MAX_DOCUMENT_DEPTH

    policy = runtime.policy.policy
    if not policy.applies_own_plans:  # one line, not one refusal per step
        audience = runtime.policy.audience  # the flags, or the policy file's lines when --policy names one
        writes = audience.fix([Refusal("mode", policy.mode, Change("mode", "read-write", "apply", policy.mode))])
        deletes = "" if policy.allow_destructive else " (for destructive steps also: " + audience.fix(
            [Refusal("allow_destructive", "destructive", Change("allow_destructive", True, "apply"))]) + ")"
        return fail(f"apply sends writes, and the policy is {policy.mode} ({runtime.policy_source}): {writes}"
                    f"{deletes}. Nothing was sent.", 1)

    try:
        if path is None:  # a stored plan, named in ``extra`` (plan_id + mac)
            raise _Stored
        size = Path(path).stat().st_size
        if size > MAX_DOCUMENT_BYTES:
            return fail(f"plan not applied: {path} is {size:,} bytes; a plan document is at most "
                         f"{MAX_DOCUMENT_BYTES:,} bytes (MAX_DOCUMENT_BYTES): split the work into several plans")
        doc = json.loads(Path(path).read_text())
    except _Stored:
        doc = None
    except RecursionError:
        return fail(f"plan not applied: {path} nests deeper than {MAX_DOCUMENT_DEPTH} levels "
                     "(MAX_DOCUMENT_DEPTH): use the document get_plan returned")
    except (OSError, ValueError) as exc:
        return fail(f"cannot read plan {path}: {exc}")
    secrets = None
    if secrets_path:
        # A file or stdin, never a command-line value: argv is visible to every process on the host.
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

    arguments: dict[str, Any] = {**({"plan": doc} if doc is not None else {}), "continue_on_error": continue_on_error,
                                 "accept_edited": accept_edited,
                                 **({"allow_other_target": True} if other_target else {}), **(extra or {})}
    if secrets is not None:
        arguments["secrets"] = secrets
    result = await app_for(runtime).call_tool("apply_plan", arguments, call=call)
    data = result.data
    if isinstance(data, dict) and "steps" not in data and isinstance(data.get("error"), dict):
        return fail(str(data["error"].get("message"))
                     + (f" ({data['error']['how_to_allow']})" if data["error"].get("how_to_allow") else ""),
                     code=1)
    print(runtime.scrubber(json.dumps(data, indent=2, ensure_ascii=False)))
    if isinstance(data, dict) and data.get("changes"):
        print("livechat-mcp: the plan differs from what get_plan signed:\n"
              + "\n".join(f"  - {c}" for c in data["changes"]), file=sys.stderr, flush=True)
    return 1 if result.is_error else 0


class _Stored(Exception):
    pass
