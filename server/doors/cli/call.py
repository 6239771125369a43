"""`livechat-mcp call TOOL ARGS`: one tool call through the same path as a client's."""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path
from typing import Any

from ...calls.runtime import Runtime
from ...safety import nesting
from ...safety.nesting import TooDeep
from .base import app_for, fail


async def run(runtime: Runtime, tool: str, arguments: str) -> int:
    source = "stdin" if arguments == "-" else arguments[1:] if arguments.startswith("@") else "arguments"
    try:
        if arguments == "-":
            arguments = sys.stdin.read()
        elif arguments.startswith("@"):
            arguments = Path(source).expanduser().read_text()
    except OSError as exc:
        return fail(f"cannot read arguments from {source}: {exc.strerror or exc}")
    try:
        # Measured before it is parsed: a nesting bomb is a clear error, not a RecursionError.
        parsed = nesting.loads(arguments or "{}", f"the JSON in {source}")
    except TooDeep as exc:
        return fail(f"{exc}. Nothing was sent.")
    except ValueError as exc:
        return fail(f"{source} is not valid JSON: {exc}")
    from ...calls.confirm import TerminalAsker
    from ...calls.context import CallContext

    # The CLI is one session, like stdio; a confirmation is asked at the terminal, or refused without one.
    call = CallContext(session="process", ask=TerminalAsker())
    app = app_for(runtime)
    result = await app.call_tool(tool, parsed, call=call)
    # shown: without invisible or bidi characters (a terminal escape in a name must not reach the terminal)
    print(runtime.scrubber(json.dumps(result.shown, indent=2, ensure_ascii=False)))
    if not result.is_error and isinstance(result.data, dict) and result.data.get("planned") is True:
        await _stored(runtime, app, call)
    return 1 if result.is_error else 0


async def _stored(runtime: Runtime, app: Any, call: Any) -> None:
    """A planned call's plan lives in this process, which ends now: it is signed and stored (as
    get_plan does) and the person is told its id, to review and apply from another command."""
    summary = await app.meta.call("get_plan", {"view": "summary"}, call)
    pid = summary.data.get("plan_id") if isinstance(summary.data, dict) else None
    if summary.is_error or not isinstance(pid, str):
        return
    if runtime.store.url.startswith("memory:"):  # no other command can reach it: no id to give
        print("livechat-mcp: planned, nothing was sent. This command keeps plans in memory (--store memory://), "
              "so the plan ends with it: plan with the default store (or a sqlite:// or redis:// --store) to "
              "review and apply it from another command", file=sys.stderr)
        return
    where = " --sandbox" if runtime.sandbox is not None else ""
    # get_plan's next names the command that applies it (the switches its steps need, this --store):
    # a delete needs --allow-destructive, which a fixed "--allow-writes" left out.
    nxt = summary.data.get("next") or {}
    command = nxt.get("command")
    if isinstance(command, str) and command.startswith(f"livechat-mcp plans apply {pid} "):
        apply = f"`{command}`"
        # shown from the same store: the command's switches, less those that only sending needs
        switches = shlex.split(command)[3:]
        if "--secrets" in switches:
            del switches[switches.index("--secrets"):switches.index("--secrets") + 2]
        show = shlex.join(["livechat-mcp", "plans", "show",
                           *(t for t in switches if t not in ("--allow-writes", "--allow-destructive"))])
    else:
        apply = f"`livechat-mcp apply {pid}{where} --allow-writes` (with the same --store)"
        show = f"livechat-mcp plans show {pid}{where}"
    if (nxt.get("approvals") or {}).get("approved") is False and isinstance(nxt.get("how"), str):
        # Under the policy's approvals no command applies it yet: say who approves it, as get_plan does.
        print(f"livechat-mcp: planned, nothing was sent. The plan is stored as {pid}: review it with `{show}`. "
              f"{nxt['how']}", file=sys.stderr)
        return
    print(f"livechat-mcp: planned, nothing was sent. The plan is stored as {pid}: review it with "
          f"`{show}`, apply it with {apply}", file=sys.stderr)
