"""The real thing: spawn `livechat-mcp --sandbox` and talk to it with an MCP client session."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import httpx
import pytest
from mcp import Client, StdioServerParameters

from conftest import free_port, tool_payload

pytestmark = pytest.mark.anyio

SERVER = [sys.executable, "-m", "server.doors.cli"]
ENV = {k: v for k, v in os.environ.items() if not k.startswith("LIVECHAT_")}


async def test_stdio_session_lists_and_calls_tools():
    params = StdioServerParameters(command=SERVER[0], args=[*SERVER[1:], "--sandbox"], env=ENV)
    async with Client(params) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
        # Default policy is read-only: reads listed, writes not.
        assert "list_agents" in tools and "get_agent" in tools
        assert "create_agent" not in tools and "delete_agent" not in tools
        assert tools["list_agents"].annotations.read_only_hint is True
        result = await client.call_tool("list_groups", {})
        assert not result.is_error
        names = {g["name"] for g in tool_payload(result)["items"]}
        assert "General" in names
        refused = await client.call_tool("delete_agent", {"id": "john@example.com"})
        assert refused.is_error and tool_payload(refused)["error"]["rule"] == "mode"


async def test_stdio_full_access_lists_all_72_actions():
    # All 72 need the sandbox's all-scopes token: its default app token has no private scope.
    params = StdioServerParameters(
        command=SERVER[0], args=[*SERVER[1:], "--sandbox", "--policy", "full-access"],
        env={**ENV, "LIVECHAT_SANDBOX_TOKEN": "dal:sandbox-token-all-scopes"},
    )
    async with Client(params) as client:
        names = {t.name for t in (await client.list_tools()).tools}
    from server.tools import catalog

    assert set(catalog()) <= names
    assert len(catalog()) == 72


async def test_stdio_sandbox_meets_the_app_token_first():
    params = StdioServerParameters(
        command=SERVER[0], args=[*SERVER[1:], "--sandbox", "--policy", "full-access"], env=ENV
    )
    async with Client(params) as client:
        names = {t.name for t in (await client.list_tools()).tools}
    from server.tools import catalog, needs_private_scope

    private = {name for name, act in catalog().items() if needs_private_scope(act)}
    assert len(private) == 7 and not private & names
    assert set(catalog()) - private <= names


def _wait_http(port: int, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"server exited: {proc.stderr.read().decode() if proc.stderr else ''}")
        try:
            httpx.get(f"http://127.0.0.1:{port}/mcp", timeout=0.5)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise AssertionError("HTTP server did not come up")


async def test_streamable_http_session():
    port = free_port()
    proc = subprocess.Popen(
        [*SERVER, "--sandbox", "--transport", "http", "--port", str(port)],
        env=ENV, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL,
    )
    try:
        _wait_http(port, proc)
        async with Client(f"http://127.0.0.1:{port}/mcp") as client:
            tools = {t.name for t in (await client.list_tools()).tools}
            assert "list_tags" in tools
            result = await client.call_tool("list_tags", {})
            assert not result.is_error
            assert any(tag["name"] == "sales" for tag in tool_payload(result)["items"])
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_refuses_to_start_without_credentials():
    proc = subprocess.run([*SERVER], env=ENV, capture_output=True, text=True, timeout=60, input="")
    assert proc.returncode != 0
    assert "LIVECHAT_ACCESS_TOKEN" in proc.stderr and "LIVECHAT_PAT" in proc.stderr and "--sandbox" in proc.stderr


def test_startup_line_names_version_upstream_and_tool_count():
    proc = subprocess.run(
        [*SERVER, "--sandbox"], env=ENV, capture_output=True, text=True, timeout=60, input=""
    )
    line = proc.stderr.splitlines()[0]
    assert line.startswith("livechat-mcp 0.")
    assert "sandbox" in line and " tools, read-only, " in line


def test_cli_call_exit_codes():
    ok = subprocess.run([*SERVER, "call", "get_group", '{"id": 0}', "--sandbox"], env=ENV, capture_output=True, text=True, timeout=60)
    assert ok.returncode == 0, ok.stderr
    assert '"General"' in ok.stdout
    bad = subprocess.run([*SERVER, "call", "get_group", '{"id": -1}', "--sandbox"], env=ENV, capture_output=True, text=True, timeout=60)
    assert bad.returncode == 1
    assert "`id`" in bad.stdout
