"""What `livechat-mcp export`, `diff` and `plan` share: their --kinds, the call context (one
session, progress on stderr), and reading a configuration document file."""

from __future__ import annotations

import sys
from typing import Any

from ...calls.answers import ToolResult
from ...calls.context import CallContext
from ...calls.runtime import Runtime
from ...license_config.document import KINDS, DocumentError, read_file


class UsageError(Exception):
    """A bad argument: one line, exit 2."""


def kinds(text: str | None) -> list[str] | None:
    if not text:
        return None
    given = [k.strip() for k in text.split(",") if k.strip()]
    unknown = [k for k in given if k not in KINDS]
    if unknown or not given:
        raise UsageError(f"--kinds {text!r}: unknown kind(s) {', '.join(unknown) or '(none given)'}; "
                         f"kinds are {', '.join(KINDS)}")
    return given


def document(path: str) -> dict[str, Any]:
    try:
        return read_file(path)
    except DocumentError as exc:
        raise UsageError(str(exc)) from None


def only(doc: dict[str, Any], wanted: list[str] | None) -> dict[str, Any]:
    """The document with just the kinds ``wanted`` (--kinds): only those are compared or converged."""
    if not wanted:
        return doc
    return {k: v for k, v in doc.items() if k not in KINDS or k in wanted}


def context(runtime: Runtime) -> CallContext:
    """The CLI's one session; a long read says how far it is on stderr (stdout is the document)."""

    async def progress(done: float, total: float | None, message: str) -> None:
        if sys.stderr.isatty():
            print(f"\r[{int(done)}] {message:<60}", end="", file=sys.stderr, flush=True)

    return CallContext(session="process", progress=progress)


async def run_tool(runtime: Runtime, name: str, arguments: dict[str, Any]) -> ToolResult:
    """The tool through the MCP app's door (policy, audit), progress on a terminal, then a clean line."""
    from .base import app_for

    result: ToolResult = await app_for(runtime).call_tool(name, arguments, call=context(runtime))
    if sys.stderr.isatty():
        print("\r", end="", file=sys.stderr)
    return result


def error_line(data: Any) -> str:
    error = data.get("error") if isinstance(data, dict) else None
    if not isinstance(error, dict):
        return str(data)
    fix = error.get("how_to_allow") or error.get("what_to_do")
    return str(error.get("message")) + (f" ({fix})" if fix else "")
