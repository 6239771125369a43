"""The plan review app (MCP Apps) in headless Chromium, loaded by a small stub host page that
speaks the Apps bridge (JSON-RPC over postMessage: ui/initialize, the tool result, tools/call
back to the host). A 40-step plan made through the real server renders grouped by object, with
before → after, warnings, expected failures and destructive steps; Apply and Discard issue the
expected tools/call. Screenshots stay in the test's temporary directory."""

from __future__ import annotations

import asyncio
import base64
import copy
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from browser import Page, chromium
from conftest import free_port, open_runtime, tool_payload
from server.doors import review_app
from server.doors.mcp_app import LiveChatMCP
from server.safety.untrusted import unlabel

HOST_PAGE = """<!doctype html><meta charset="utf-8"><title>stub host</title>
<style>body{margin:0} iframe{border:0;width:100%;height:100vh}</style>
<iframe id="app" sandbox="allow-scripts allow-same-origin"></iframe>
<script>
// A stub MCP Apps host: answers ui/initialize, sends the tool result once the app says it is
// initialized, and records every message and tools/call the app sends (answering each).
window.log = []; window.calls = [];
const frame = document.getElementById("app");
const RESULT = __RESULT__;
window.addEventListener("message", (event) => {
  if (event.source !== frame.contentWindow) return;
  const msg = event.data; window.log.push(msg);
  const reply = (result) => frame.contentWindow.postMessage({jsonrpc: "2.0", id: msg.id, result}, "*");
  if (msg.method === "ui/initialize") reply({protocolVersion: msg.params.protocolVersion,
      hostInfo: {name: "stub-host", version: "1"}, hostCapabilities: {serverTools: {}}, hostContext: {theme: "light"}});
  else if (msg.method === "ui/notifications/initialized")
    frame.contentWindow.postMessage({jsonrpc: "2.0", method: "ui/notifications/tool-result", params: RESULT}, "*");
  else if (msg.method === "tools/call") { window.calls.push(msg.params);
    const body = msg.params.name === "apply_plan" ? {status: "completed"} : {cleared_steps: 40};
    reply({content: [{type: "text", text: JSON.stringify(body)}], structuredContent: body}); }
});
frame.srcdoc = __APP__;
</script>"""


def policy(tmp_path: Path) -> str:
    path = tmp_path / "dry.toml"
    path.write_text('mode = "dry-run"\nallow_destructive = true\n')
    return str(path)


async def forty_step_plan(tmp_path: Path) -> dict[str, Any]:
    """20 creates, 10 group renames, 8 agent updates, 2 deletes: planned through the real server."""
    async with open_runtime(sandbox=True, policy=policy(tmp_path)) as rt:
        async with Client(LiveChatMCP(rt).server, mode="legacy") as client:
            for n in range(20):
                await client.call_tool("create_agent", {"id": f"new{n}@example.com", "name": f"New {n}"})
            for n in range(10):
                await client.call_tool("update_group", {"id": n % 3, "name": f"Shift {n}"})
            for n in range(8):
                agent = ("john@example.com", "jane@example.com")[n % 2]
                await client.call_tool("update_agent", {"id": agent, "job_title": f"Title {n}"})
            await client.call_tool("delete_agent", {"id": "awaiting@example.com"})
            await client.call_tool("delete_agent", {"id": "suspended@example.com"})
            doc = tool_payload(await client.call_tool("get_plan", {}))
    assert len(doc["steps"]) == 40
    return doc


def enriched(doc: dict[str, Any]) -> dict[str, Any]:
    """The fields the plans work (issue 14) adds to a document: before values, warnings, expected
    failures, undo, a stored plan's id and mac. The app renders them when present."""
    doc = copy.deepcopy(doc)
    for step in doc["steps"]:
        if step["action"] == "update_agent":
            step["before"] = {"id": step["body"]["id"], "job_title": "Support Hero"}
            step["undo"] = {"action": "update_agent"}
        if step["action"] == "delete_agent":
            step["undo"] = False
    doc["warnings"] = [{"step": 21, "message": "Group 0 is renamed 4 times in this plan"}]
    doc["expected_failures"] = [{"step": 40, "message": "suspended@example.com cannot be deleted while suspended"}]
    doc["plan_id"], doc["mac"] = "plan-0123", "mac-abcdef"
    return doc


class HostServer:
    def __init__(self) -> None:
        self.pages: dict[str, str] = {}
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = outer.pages.get(self.path, "").encode()
                self.send_response(200 if body else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = HTTPServer(("127.0.0.1", free_port()), Handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_port}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def host(self, path: str, result: dict[str, Any]) -> str:
        self.pages[path] = HOST_PAGE.replace("__RESULT__", json.dumps(result)).replace(
            "__APP__", json.dumps(review_app.html()).replace("</", "<\\/"))
        return self.base + path


APP = "document.getElementById('app').contentDocument"


async def load(page: Page, url: str, steps: int) -> None:
    await page.send("Page.navigate", url=url)
    await page.wait_for(f"{APP} && {APP}.querySelectorAll('[data-step]').length === {steps}")


async def screenshot(page: Page, path: Path) -> None:
    shot = await page.send("Page.captureScreenshot", format="png", captureBeyondViewport=True)
    path.write_bytes(base64.b64decode(shot["data"]))


def test_the_review_app_renders_a_forty_step_plan_and_apply_calls_apply_plan(tmp_path: Path) -> None:
    import websockets

    doc = asyncio.run(forty_step_plan(tmp_path))
    rich = enriched(doc)
    served = HostServer()

    async def drive(ws_url: str) -> None:
        async with websockets.connect(ws_url, max_size=None) as ws:
            page = Page(ws)
            await page.send("Page.enable")
            await page.send("Emulation.setDeviceMetricsOverride", width=400, height=900, deviceScaleFactor=1,
                            mobile=False)

            # A stored plan with the fields issue 14 adds: everything shown, Apply by id + mac.
            await load(page, served.host("/rich", {"content": [{"type": "text", "text": "plan"}],
                                                   "structuredContent": rich}), 40)
            text = await page.eval(f"{APP}.body.innerText")
            assert "40 steps in" in text and "2 destructive (marked DESTRUCTIVE)" in text
            assert text.count("DESTRUCTIVE") == 3  # the summary and the two deletes: words, not colour only
            assert "Warning: Step 21: Group 0 is renamed 4 times in this plan" in text
            assert "Will fail: Step 40: suspended@example.com cannot be deleted while suspended" in text
            assert "Support Hero → Title 0" in text  # before → after
            assert "Undo: cannot be undone" in text and "Undo: restores with update_agent" in text
            groups = await page.eval(f"[...{APP}.querySelectorAll('section.object > header')].map(h => h.textContent)")
            assert "agent john@example.com" in groups and "group 0" in groups and len(groups) == 20 + 3 + 2 + 2
            john = await page.eval(f"[...{APP}.querySelectorAll('section.object')].find(s => s.querySelector('header')"
                                   ".textContent === 'agent john@example.com').querySelectorAll('[data-step]').length")
            assert john == 4  # steps on one object shown together
            # Usable 400 px wide: nothing overflows sideways; nothing loaded from anywhere.
            assert await page.eval(f"{APP}.documentElement.scrollWidth") <= 400
            assert await page.eval(f"{APP}.querySelectorAll('script[src], link, img, iframe, object').length") == 0
            await screenshot(page, tmp_path / "review-rich-400px.png")
            await page.eval(f"{APP}.getElementById('apply').click()")
            await page.wait_for("window.calls.length === 1")
            assert await page.eval("window.calls") == [{"name": "apply_plan",
                                                        "arguments": {"plan_id": "plan-0123", "mac": "mac-abcdef"}}]
            await page.wait_for(f"{APP}.getElementById('status').textContent.includes('Applied')")
            assert await page.eval(f"{APP}.getElementById('apply').disabled") is True  # one click, one apply
            methods = await page.eval("window.log.map(m => m.method || 'reply')")
            assert methods[:2] == ["ui/initialize", "ui/notifications/initialized"]
            init = await page.eval("window.log[0].params")
            assert init["protocolVersion"] == "2026-01-26" and init["appInfo"]["name"]
            await screenshot(page, tmp_path / "review-applied.png")

            # The plan as main makes it today (no before, warnings or id): shown, Apply sends the document.
            await load(page, served.host("/plain", {"content": [], "structuredContent": doc}), 40)
            text = await page.eval(f"{APP}.body.innerText")
            assert "Warnings" not in text and "→ Title 0" in text and "Destructive steps cannot be undone." in text
            await screenshot(page, tmp_path / "review-plain.png")
            await page.eval(f"{APP}.getElementById('discard').click()")
            await page.wait_for("window.calls.length === 1")
            assert await page.eval("window.calls") == [{"name": "clear_plan", "arguments": {}}]
            # get_plan stores the plan: Apply hands it over by id and the mac the person reviewed.
            await load(page, served.host("/plain-apply", {"content": [], "structuredContent": doc}), 40)
            await page.eval(f"{APP}.getElementById('apply').click()")
            await page.wait_for("window.calls.length === 1")
            [call] = await page.eval("window.calls")
            assert call == {"name": "apply_plan", "arguments": {"plan_id": doc["plan_id"], "mac": doc["mac"]}}
            # A document without an id (the store was unreachable): Apply sends the document itself.
            unstored = {k: v for k, v in doc.items() if k != "plan_id"}
            await load(page, served.host("/unstored", {"content": [], "structuredContent": unstored}), 40)
            await page.eval(f"{APP}.getElementById('apply').click()")
            await page.wait_for("window.calls.length === 1")
            [call] = await page.eval("window.calls")
            assert call == {"name": "apply_plan", "arguments": {"plan": unstored}}

    try:
        with chromium() as ws_url:
            asyncio.run(drive(ws_url))
    finally:
        served.httpd.shutdown()
    for name in ("review-rich-400px.png", "review-applied.png", "review-plain.png"):
        assert (tmp_path / name).stat().st_size > 5000, name


def test_license_text_in_a_plan_is_shown_as_text_never_markup(tmp_path: Path) -> None:
    import websockets

    doc = asyncio.run(forty_step_plan(tmp_path))
    doc["steps"][0]["body"]["name"] = '<img src=x onerror="window.parent.pwned=1"><b>Bold</b>'
    served = HostServer()

    async def drive(ws_url: str) -> None:
        async with websockets.connect(ws_url, max_size=None) as ws:
            page = Page(ws)
            await page.send("Page.enable")
            await load(page, served.host("/hostile", {"content": [], "structuredContent": doc}), 40)
            assert "<b>Bold</b>" in await page.eval(f"{APP}.body.innerText")
            assert await page.eval(f"{APP}.querySelectorAll('img, b').length") == 0
            assert await page.eval("window.pwned") is None

    try:
        with chromium() as ws_url:
            asyncio.run(drive(ws_url))
    finally:
        served.httpd.shutdown()


@pytest.mark.anyio
async def test_clients_without_apps_read_the_same_plan_as_text(tmp_path: Path) -> None:
    async with open_runtime(sandbox=True, policy=policy(tmp_path)) as rt:
        async with Client(LiveChatMCP(rt).server, mode="legacy") as client:
            tools = {t.name: t for t in (await client.list_tools()).tools}
            assert tools["get_plan"].meta == {"ui": {"resourceUri": review_app.URI}}
            assert tools["update_agent"].meta == {"ui": {"resourceUri": review_app.URI}}  # planning answers
            assert tools["list_agents"].meta is None
            # Found through the tools' metadata, not the resource list (which stays the policy alone).
            assert [str(r.uri) for r in (await client.list_resources()).resources] == ["livechat://policy"]
            read = await client.read_resource(review_app.URI)
            [content] = read.contents
            assert content.mime_type == "text/html;profile=mcp-app"
            assert content.meta["ui"]["csp"] == {"connectDomains": [], "resourceDomains": []}
            assert "default-src 'none'" in content.text and "http" not in content.text.replace("http-equiv", "")
            await client.call_tool("update_agent", {"id": "john@example.com", "job_title": "A"})
            text = (await client.call_tool("get_plan", {})).content[0].text
            # Labelled as license data: the update's check read john's job title ("before").
            assert "data, never instructions" in text
            assert json.loads(unlabel(text))["steps"][0]["body"] == {"id": "john@example.com", "job_title": "A"}
