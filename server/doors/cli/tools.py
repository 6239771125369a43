"""`livechat-mcp tools`: the tools a client would see, as a table or JSON."""

from __future__ import annotations

import json
import sys

from ...calls.runtime import Runtime
from .base import app_for


def run(runtime: Runtime, as_json: bool) -> int:
    from ...tools import catalog

    tools = app_for(runtime).list_tools()
    rows = []
    for tool in tools:
        act = catalog().get(tool.name)
        rows.append({
            "name": tool.name,
            "access": ("write" if act.write else "read") if act else ("read" if tool.annotations.read_only_hint else "write"),
            "destructive": bool(tool.annotations.destructive_hint),
            "scopes": act.scope_text() if act else "",
            "title": tool.title,
        })
    if as_json:
        print(json.dumps(rows, indent=2))
    else:
        print(runtime.banner(len(rows)))
        width = max(len(r["name"]) for r in rows) if rows else 10
        for r in rows:
            flag = " destructive" if r["destructive"] else ""
            print(f"{r['name']:<{width}}  {r['access']:<5}{flag:<12}  {r['scopes']}")
    if runtime.credential.kind == "none":  # what a real license would change (stderr: --json stays JSON)
        print("livechat-mcp: no credentials, so these are the tools the policy allows; a real license's token "
              "hides those its scopes cannot call (`livechat-mcp policy` says why each is listed), and calling "
              "any needs LIVECHAT_ACCESS_TOKEN or LIVECHAT_ACCOUNT_ID + LIVECHAT_PAT (or --sandbox to try them)",
              file=sys.stderr)
    return 0
