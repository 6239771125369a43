"""What every subcommand uses: the one-line failure and the MCP app over a runtime."""

from __future__ import annotations

import sys
from typing import Any

from ...calls.runtime import Runtime


def fail(message: str, code: int = 2) -> int:
    print(f"livechat-mcp: {message}", file=sys.stderr)
    return code


def app_for(runtime: Runtime) -> Any:
    from ..mcp_app import LiveChatMCP

    return LiveChatMCP(runtime)
