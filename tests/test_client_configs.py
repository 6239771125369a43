"""What people copy into Claude Desktop, Cursor and VS Code is what `livechat-mcp config` prints
(the repository keeps no hand-written mcp.json: an entry naming a bare `livechat-mcp` or holding
placeholders does not start from a desktop app). Every printed entry must work as written."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client

from conftest import free_port
from server.doors.cli import parser
from server.policies.loader import presets
from test_http_security import wait_for_port

ROOT = Path(__file__).resolve().parent.parent
EXE = str(Path(sys.executable).parent / "livechat-mcp")
ENV = {k: v for k, v in os.environ.items() if not k.startswith("LIVECHAT_")}
FLAG_SETS = [["--sandbox"], ["--read-only"], ["--policy", "read-only"], ["--dry-run", "--toolsets", "agents,tags"],
             ["--allow-writes", "--audit-log", "audit.jsonl"]]


def printed(client: str, *flags: str, cwd: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the whole document, this server's entry) as `livechat-mcp config CLIENT FLAGS` prints them."""
    done = subprocess.run([EXE, "config", client, *flags], capture_output=True, text=True, timeout=60, cwd=cwd,
                          env=ENV)
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    return doc, doc["servers" if client == "vscode" else "mcpServers"]["livechat"]


def test_there_is_no_hand_written_mcp_json_and_the_readme_shows_config():
    assert not (ROOT / "mcp.json").exists()
    readme = (ROOT / "README.md").read_text()
    assert "livechat-mcp config claude" in readme


@pytest.mark.parametrize("client", ["claude", "cursor", "vscode"])
@pytest.mark.parametrize("flags", FLAG_SETS, ids=lambda f: " ".join(f))
def test_printed_entries_carry_valid_flags_and_only_variables_the_server_reads(client: str, flags: list[str],
                                                                            tmp_path: Path):
    _, entry = printed(client, *flags, cwd=tmp_path)
    assert Path(entry["command"]).is_absolute() and Path(entry["command"]).is_file()
    args = parser().parse_args(entry["args"])  # exits (fails the test) on an unknown flag
    if getattr(args, "policy", None):
        assert args.policy in presets() or Path(args.policy).is_absolute()
    if getattr(args, "audit_log", None):
        assert Path(args.audit_log).is_absolute()  # the app's working directory is not this one
    read = {name for path in (ROOT / "server").rglob("*.py")
            for name in re.findall(r"[\"'](LIVECHAT_[A-Z_]*[A-Z])[\"']", path.read_text())}
    assert set(entry.get("env", {})) <= read, "an entry sets a variable the server never reads"
    assert ("env" in entry) == ("--sandbox" not in flags)  # a real license needs its credential


@pytest.mark.anyio
async def test_a_printed_sandbox_entry_serves_tools_as_written(tmp_path: Path):
    _, entry = printed("cursor", "--sandbox", "--read-only", cwd=tmp_path)
    params = StdioServerParameters(command=entry["command"], args=entry["args"],
                                   env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}, cwd="/")
    with (tmp_path / "stderr.txt").open("w") as errlog:
        async with Client(stdio_client(params, errlog=errlog), mode="legacy") as client:
            tools = {t.name for t in (await client.list_tools()).tools}
            jane = await client.call_tool("get_agent", {"id": "jane@example.com"})
    assert {"list_agents", "get_agent"} <= tools and "create_agent" not in tools
    assert not jane.is_error


@pytest.mark.anyio
async def test_the_http_start_up_line_names_the_url_a_client_adds():
    port = free_port()
    proc = subprocess.Popen([EXE, "--sandbox", "--transport", "http", "--port", str(port)], env=ENV,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        announced = ""
        deadline = time.monotonic() + 30
        while "serving" not in announced and time.monotonic() < deadline:
            announced = proc.stderr.readline() if proc.stderr else ""
        url = f"http://127.0.0.1:{port}/mcp"
        assert announced.strip().endswith(f"serving {url}"), announced
        wait_for_port(port, proc)  # announced just before it binds
        async with Client(streamable_http_client(url), mode="legacy") as client:
            assert (await client.list_tools()).tools
    finally:
        proc.terminate()
        proc.wait(timeout=10)
