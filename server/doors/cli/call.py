"""`livechat-mcp call TOOL ARGS`: one tool call through the same path as a client's."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from ...calls.runtime import Runtime
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
        parsed = json.loads(arguments or "{}")
    except ValueError as exc:
        return fail(f"{source} is not valid JSON: {exc}")
    from ...calls.confirm import TerminalAsker
    from ...calls.context import CallContext

    # The CLI is one session, like stdio; a confirmation is asked at the terminal, or refused without one.
    call = CallContext(session="process", ask=TerminalAsker())
    result = await app_for(runtime).call_tool(tool, parsed, call=call)
    # shown: without invisible or bidi characters (a terminal escape in a name must not reach the terminal)
    print(runtime.scrubber(json.dumps(result.shown, indent=2, ensure_ascii=False)))
    return 1 if result.is_error else 0
