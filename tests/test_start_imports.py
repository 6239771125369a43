"""What a stdio server's start loads (issue 26: cold start against the SDK floor). A client that
spawns ``livechat-mcp`` over stdio pays for every module imported before tools/list answers; the
HTTP door, hosted sign-in, the plan page, metrics and traces and the other subcommands are loaded
by the door that serves them (the CLI choosing the mode), never by this start."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
from mcp import Client, StdioServerParameters

pytestmark = pytest.mark.anyio

# Records every module loaded by the time the server exits (stdin closed by the client).
WRAPPER = """
import atexit, json, sys
record = sys.argv.pop(1)
atexit.register(lambda: open(record, "w").write(json.dumps(sorted(sys.modules))))
from server.doors.cli.main import main
sys.exit(main())
"""

NOT_AT_START = (
    "server.doors.http", "server.doors.hosted", "server.doors.plan_page", "server.auth",
    "server.doors.cli.apply", "server.doors.cli.plans", "server.doors.cli.export", "server.doors.cli.diff",
    "server.doors.cli.plan", "server.doors.cli.documents", "server.doors.cli.config", "server.doors.cli.sandbox",
    "server.doors.cli.tools", "server.doors.cli.call", "server.doors.cli.policy",
    "prometheus_client", "opentelemetry.sdk", "opentelemetry.exporter",
)


async def test_a_stdio_server_serving_a_read_loads_no_http_hosted_or_other_subcommand(tmp_path: Path) -> None:
    record = tmp_path / "modules.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIVECHAT_")}
    params = StdioServerParameters(command=sys.executable, args=["-c", WRAPPER, str(record), "--sandbox"], env=env)
    async with Client(params) as client:
        assert any(t.name == "get_group" for t in (await client.list_tools()).tools)
        result = await client.call_tool("get_group", {"id": 0})
        assert not result.is_error
    loaded = json.loads(record.read_text())
    assert "server.doors.mcp_app" in loaded and "server.doors.cli.serve" in loaded  # the record is this server's
    assert [m for m in loaded if m.startswith(NOT_AT_START)] == []
