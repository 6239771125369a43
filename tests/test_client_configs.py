"""mcp.json is what people copy into Claude Desktop, Cursor and VS Code: every entry must work
as written, with the installed `livechat-mcp` command."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import tomllib
from pathlib import Path
from typing import Any

import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client

from server.doors.cli import parser
from server.policies.loader import presets

ROOT = Path(__file__).resolve().parent.parent
CONFIG: dict[str, dict[str, Any]] = json.loads((ROOT / "mcp.json").read_text())["mcpServers"]
STDIO = {name: entry for name, entry in CONFIG.items() if "command" in entry}
# What the server reads from its environment; an entry setting anything else is a typo.
KNOWN_ENV = {"LIVECHAT_ACCESS_TOKEN", "LIVECHAT_ACCOUNT_ID", "LIVECHAT_PAT", "LIVECHAT_REGION", "LIVECHAT_API_URL",
             "LIVECHAT_ACCOUNTS_URL", "LIVECHAT_MCP_POLICY", "LIVECHAT_MCP_AUDIT_LOG", "LIVECHAT_MCP_AUTH_TOKEN"}


def installed_command(name: str) -> str:
    """The console script as a client would find it: on PATH, or next to this interpreter."""
    found = shutil.which(name) or shutil.which(name, path=str(Path(sys.executable).parent))
    if found is None:
        pytest.skip(f"{name} is not installed (pip install -e .)")
    return found


def test_entries_use_the_installed_console_script():
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert STDIO and {entry["command"] for entry in STDIO.values()} <= set(scripts)


@pytest.mark.parametrize("name", sorted(STDIO))
def test_entry_arguments_and_environment_are_valid(name: str):
    entry = STDIO[name]
    args = parser().parse_args(entry.get("args", []))  # exits (fails the test) on an unknown flag
    if getattr(args, "policy", None):
        assert args.policy in presets()
    server_source = "".join(p.read_text() for p in (ROOT / "server").rglob("*.py"))
    unread = [var for var in entry.get("env", {}) if var not in KNOWN_ENV or f'"{var}"' not in server_source]
    assert unread == [], f"{name} sets variables the server never reads"


@pytest.mark.anyio
async def test_sandbox_entry_serves_tools_as_written(tmp_path: Path):
    name, entry = next((n, e) for n, e in STDIO.items() if "--sandbox" in e.get("args", []))
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIVECHAT_")}
    params = StdioServerParameters(command=installed_command(entry["command"]), args=entry["args"], env=env)
    with (tmp_path / "stderr.txt").open("w") as errlog:
        async with Client(stdio_client(params, errlog=errlog), mode="legacy") as client:
            tools = {t.name for t in (await client.list_tools()).tools}
            jane = await client.call_tool("get_agent", {"id": "jane@example.com"})
    assert {"list_agents", "get_agent"} <= tools, name
    assert not jane.is_error


@pytest.mark.anyio
async def test_http_entry_matches_the_default_http_endpoint():
    url = next(e["url"] for e in CONFIG.values() if e.get("type") == "http")
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", 8000)) == 0:
            pytest.skip("port 8000 is in use here; the entry names the default port")
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIVECHAT_")}
    proc = subprocess.Popen([installed_command("livechat-mcp"), "--sandbox", "--transport", "http"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        announced = ""
        deadline = time.monotonic() + 30
        while "streamable HTTP on" not in announced and time.monotonic() < deadline:
            announced = proc.stderr.readline() if proc.stderr else ""
        assert announced.strip().endswith(url), announced
        async with Client(streamable_http_client(url), mode="legacy") as client:
            assert (await client.list_tools()).tools
    finally:
        proc.terminate()
        proc.wait(timeout=10)
