"""The baseline our server is measured against: a one-tool MCP server written the way the official
SDK's examples write one (``MCPServer`` and a decorated function), forwarding ``get_group`` to the
same LiveChat (the loopback sandbox) over one shared httpx client, and answering LiveChat's JSON
as the tool's result (text and structured content, as ours answers). No policy, no budget, no
audit, no store, no labelling: what any MCP server must do to answer this call, and nothing else.

    python bench/forwarder.py                    # stdio
    python bench/forwarder.py --http PORT        # streamable HTTP on 127.0.0.1:PORT/mcp
    python bench/forwarder.py --http PORT --stateless   # as a replica (no session pinned to it)

Reads LIVECHAT_API_URL and LIVECHAT_ACCESS_TOKEN like our server does.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import httpx
from mcp.server.mcpserver import MCPServer

API = os.environ["LIVECHAT_API_URL"].rstrip("/")
TOKEN = os.environ["LIVECHAT_ACCESS_TOKEN"]

# WARNING, as our server logs: at the SDK's default (INFO) every upstream request is logged to
# stderr, which would make the baseline slower than it needs to be.
app = MCPServer("forwarder", log_level="WARNING")
http = httpx.AsyncClient(base_url=API, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30)


@app.tool()
async def get_group(id: int) -> dict[str, Any]:
    """Get a group by id."""
    resp = await http.post("/v3.6/configuration/action/get_group", json={"id": id})
    resp.raise_for_status()
    answer: dict[str, Any] = resp.json()
    return answer


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--http":
        app.run("streamable-http", host="127.0.0.1", port=int(sys.argv[2]), streamable_http_path="/mcp",
                stateless_http="--stateless" in sys.argv)
    else:
        app.run()
