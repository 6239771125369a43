"""What every subcommand uses: the one-line failure and the MCP app over a runtime."""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from typing import Any

from ...calls.runtime import Runtime


def fail(message: str, code: int = 2) -> int:
    print(f"livechat-mcp: {message}", file=sys.stderr)
    return code


CREDENTIAL_VARIABLES = "LIVECHAT_ACCESS_TOKEN, or LIVECHAT_ACCOUNT_ID + LIVECHAT_PAT,"


def missing_credentials(args: argparse.Namespace, argv: list[str], *, bundle: bool = False) -> str:
    """No credentials and no --sandbox: the two ways forward, in three lines, in the words of
    whoever started the command (a person at a terminal, a desktop app's server entry, the Claude
    Desktop extension's settings, or the operator of an HTTP server)."""
    command = args.command or "serve"
    if bundle:
        return ("no LiveChat credentials. In this extension's settings (Claude Desktop: Settings > Extensions), "
                "either:\n"
                "  tick \"Try it on the built-in sandbox\" (no license needed), or\n"
                "  enter an OAuth access token, or an account ID and a Personal Access Token")
    http = (getattr(args, "transport", None) or os.environ.get("LIVECHAT_MCP_TRANSPORT", "stdio")) == "http"
    if command == "serve" and not http and not sys.stdin.isatty():
        # Started by an MCP client: the person fixes the server's entry in the client's configuration.
        return ("no LiveChat credentials. In this server's entry in your MCP client's configuration, either:\n"
                "  add \"--sandbox\" to its \"args\" to try the built-in sandbox (no license needed), or\n"
                f"  set {CREDENTIAL_VARIABLES} in its \"env\"; then restart the client")
    again = shlex.join(["livechat-mcp", *argv, "--sandbox"])  # the same command, on the sandbox
    return ("no LiveChat credentials. Either:\n"
            f"  try the built-in sandbox (no license needed): {again}, or\n"
            f"  set {CREDENTIAL_VARIABLES} for your license (docs/connect-a-client.md)")


def app_for(runtime: Runtime) -> Any:
    from ..mcp_app import LiveChatMCP

    return LiveChatMCP(runtime)
