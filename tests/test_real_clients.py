"""Real MCP clients from npm against the real server: the MCP Inspector (CLI mode) and the
MCP conformance suite. `.ci/run` installs them (tools/package.json); elsewhere these tests
skip unless LIVECHAT_MCP_REQUIRE_NODE_TOOLS=1 makes a missing install a failure."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from conftest import free_port
from server.safety.untrusted import unlabel

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / "tools" / "node_modules" / ".bin"
INSPECTOR = BIN / "mcp-inspector"
CONFORMANCE = BIN / "conformance"
ENV = {k: v for k, v in os.environ.items() if not k.startswith("LIVECHAT_")}
# Scenarios that apply to a server like ours; the others need fixture tools with fixed
# names (test_simple_text, ...) and are listed with reasons in tests/conformance-baseline.yml.
SCENARIOS = ["server-initialize", "ping", "tools-list", "logging-set-level", "resources-list", "prompts-list",
             "dns-rebinding-protection"]


def _need(tool: Path) -> None:
    if not tool.exists():
        if os.environ.get("LIVECHAT_MCP_REQUIRE_NODE_TOOLS") == "1":
            pytest.fail(f"{tool} is not installed (run `npm ci` in tools/)")
        pytest.skip(f"{tool.name} not installed: run `npm ci` in tools/")


def _node_env() -> dict[str, str]:
    # node@22 from tools/node_modules comes first on PATH (the conformance suite needs it).
    return {**ENV, "PATH": f"{BIN}{os.pathsep}{ENV.get('PATH', '')}", "HOME": ENV.get("HOME", "/tmp")}


def _inspector(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(INSPECTOR), "--cli", *args], env=_node_env(), capture_output=True, text=True,
                          timeout=120, cwd=ROOT)


class _HttpServer:
    def __init__(self, *extra: str) -> None:
        self.port = free_port()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "server.doors.cli", "--sandbox", "--transport", "http", "--port", str(self.port), *extra],
            env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                httpx.get(self.url, timeout=0.5)
                return
            except httpx.HTTPError:
                time.sleep(0.1)
        self.close()
        raise AssertionError("HTTP server did not start")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/mcp"

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


@pytest.fixture
def http_server():
    server = _HttpServer()
    yield server
    server.close()


def test_inspector_stdio_tools_list_and_call():
    _need(INSPECTOR)
    listed = _inspector(sys.executable, "-m", "server.doors.cli", "--sandbox", "--method", "tools/list")
    assert listed.returncode == 0, listed.stderr
    names = {t["name"] for t in json.loads(listed.stdout)["tools"]}
    assert {"list_agents", "get_group"} <= names and "delete_agent" not in names
    called = _inspector(sys.executable, "-m", "server.doors.cli", "--sandbox", "--method", "tools/call",
                        "--tool-name", "get_group", "--tool-arg", "id=0")
    assert called.returncode == 0, called.stderr
    assert "General" in called.stdout


def test_inspector_stdio_prompts_and_resources():
    _need(INSPECTOR)
    server = [sys.executable, "-m", "server.doors.cli", "--sandbox"]
    prompt = _inspector(*server, "--method", "prompts/get", "--prompt-name", "offboard_agent",
                        "--prompt-args", "email=jane@example.com")
    assert prompt.returncode == 0, prompt.stderr
    text = json.loads(prompt.stdout)["messages"][0]["content"]["text"]
    assert "delete_agent {\"id\": \"jane@example.com\"}" in text
    templates = _inspector(*server, "--method", "resources/templates/list")
    assert templates.returncode == 0, templates.stderr
    uris = {t["uriTemplate"] for t in json.loads(templates.stdout)["resourceTemplates"]}
    assert {"livechat://agents/{id}", "livechat://groups/{id}"} <= uris
    read = _inspector(*server, "--method", "resources/read", "--uri", "livechat://groups/19")
    assert read.returncode == 0, read.stderr
    assert json.loads(unlabel(json.loads(read.stdout)["contents"][0]["text"]))["name"] == "Billing"


def test_inspector_reports_tool_errors_with_exit_code():
    _need(INSPECTOR)
    # (The Inspector itself refuses to call a tool that is not listed, so a hidden tool
    # cannot even be tried from it; an upstream error is the case to check.)
    missing = _inspector(sys.executable, "-m", "server.doors.cli", "--sandbox", "--method", "tools/call",
                         "--tool-name", "get_agent", "--tool-arg", "id=nobody@example.com")
    assert missing.returncode == 5  # the Inspector's exit code for isError
    assert "not_found" in missing.stdout


def test_inspector_over_http(http_server):
    _need(INSPECTOR)
    listed = _inspector(http_server.url, "--transport", "http", "--method", "tools/list")
    assert listed.returncode == 0, listed.stderr
    assert "list_tags" in {t["name"] for t in json.loads(listed.stdout)["tools"]}
    called = _inspector(http_server.url, "--transport", "http", "--method", "tools/call",
                        "--tool-name", "list_tags")
    assert called.returncode == 0, called.stderr
    assert "sales" in called.stdout


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_conformance_scenario(scenario, http_server, tmp_path):
    _need(CONFORMANCE)
    proc = subprocess.run(
        [str(CONFORMANCE), "server", "--url", http_server.url, "--scenario", scenario, "-o", str(tmp_path)],
        env=_node_env(), capture_output=True, text=True, timeout=180, cwd=ROOT,
    )
    checks = [c for f in tmp_path.rglob("checks.json") for c in json.loads(f.read_text())]
    failed = [c for c in checks if str(c.get("status", "")).upper() not in ("SUCCESS", "PASS", "PASSED", "INFO", "SKIPPED", "WARNING")]
    assert checks, f"no checks produced: {proc.stdout[-2000:]} {proc.stderr[-2000:]}"
    assert not failed, json.dumps(failed, indent=1)[:4000]
