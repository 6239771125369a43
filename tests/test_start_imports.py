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

# The catalogue's resource modules (their pydantic models) and the sandbox's: tools/list is answered
# from the listing kept in the schema cache (server/tools/listing.py), and the built-in sandbox is
# seeded when first read; both load on the first tools/call.
RESOURCES = ("agents", "auto_access", "bots", "customer_bans", "greetings", "groups", "other", "properties", "tags",
             "webhooks")
NOT_BEFORE_A_CALL = (
    *(f"server.tools.{r}" for r in RESOURCES), *(f"server.sandbox.{r}" for r in RESOURCES), "server.sandbox.resources",
    "server.doors.prompts", "tomllib",
)

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


async def _modules_of_a_start(tmp_path: Path, *, call: bool = False) -> list[str]:
    """The modules a --sandbox server loaded to answer tools/list (and a call), its schema cache in tmp_path."""
    record = tmp_path / "modules.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIVECHAT_")}
    env.update(XDG_CACHE_HOME=str(tmp_path / "cache"), LIVECHAT_MCP_SCHEMA_CACHE="on")
    params = StdioServerParameters(command=sys.executable, args=["-c", WRAPPER, str(record), "--sandbox"], env=env)
    async with Client(params) as client:
        assert any(t.name == "get_group" for t in (await client.list_tools()).tools)
        if call:
            assert not (await client.call_tool("get_group", {"id": 0})).is_error
    loaded: list[str] = json.loads(record.read_text())
    return loaded


async def test_a_stdio_server_answers_tools_list_without_the_resource_modules(tmp_path: Path) -> None:
    """With the schema cache warm (any start before this one), a start that answers tools/list
    loads neither the catalogue's resource modules nor the sandbox's; the first call does."""
    cold = await _modules_of_a_start(tmp_path)  # builds the listing from the catalogue and keeps it
    assert "server.tools.agents" in cold
    warm = await _modules_of_a_start(tmp_path)
    assert "server.doors.mcp_app" in warm  # the record is this server's
    assert [m for m in warm if m in NOT_BEFORE_A_CALL] == []
    called = await _modules_of_a_start(tmp_path, call=True)
    assert "server.tools.groups" in called and "server.sandbox.groups" in called


# Counts the collections made while the server serves: after the first call loaded the resource
# modules and before main() returned (stdin closed).
COLLECTING = """
import gc, json, sys
record = sys.argv.pop(1)
seen = {"serving": 0}
serving = [True]
def count(phase, info):
    if phase == "stop" and serving[0] and "server.tools.groups" in sys.modules:
        seen["serving"] += 1
gc.callbacks.append(count)
from server.doors.cli.main import main
code = main()
serving[0] = False
seen["enabled"] = gc.isenabled()
open(record, "w").write(json.dumps(seen))
sys.exit(code)
"""


async def test_a_stdio_server_collects_garbage_while_it_serves(tmp_path: Path) -> None:
    """The entry point pauses the garbage collector for the start (main.py); a server left
    without it would grow with every call's cycles."""
    record = tmp_path / "gc.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIVECHAT_")}
    params = StdioServerParameters(command=sys.executable, args=["-c", COLLECTING, str(record), "--sandbox"], env=env)
    async with Client(params) as client:
        await client.list_tools()
        for _ in range(20):
            assert not (await client.call_tool("list_groups", {})).is_error
    seen = json.loads(record.read_text())
    assert seen["serving"] > 0 and seen["enabled"]


def test_main_called_in_a_process_leaves_its_garbage_collector_as_it_was(capsys: pytest.CaptureFixture[str]) -> None:
    import gc

    from server.doors.cli.main import main

    frozen = gc.get_freeze_count()
    assert main(["policy", "--sandbox"]) == 0
    assert gc.isenabled() and gc.get_freeze_count() == frozen
    assert "get_group" in capsys.readouterr().out
    gc.disable()
    try:
        assert main(["policy", "--sandbox"]) == 0
        assert not gc.isenabled()
    finally:
        gc.enable()
