"""`livechat-mcp config CLIENT`: a ready MCP client entry with absolute paths."""

from __future__ import annotations

import argparse
import json
import sys


def run(args: argparse.Namespace) -> int:
    import shlex

    from ..client_config import WHERE, entry

    doc = entry(args.client, args, args.name)
    print(json.dumps(doc, indent=2))
    print(f"livechat-mcp: {WHERE[args.client]}", file=sys.stderr)
    if args.client == "claude":
        server = doc["mcpServers"][args.name]
        line = shlex.join(["claude", "mcp", "add", args.name, "--", server["command"], *server["args"]])
        print(f"livechat-mcp: Claude Code: {line}", file=sys.stderr)
    if not getattr(args, "sandbox", False):
        print("livechat-mcp: replace the credential placeholders (or add --sandbox to try it without a license)",
              file=sys.stderr)
    return 0
