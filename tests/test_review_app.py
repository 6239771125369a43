"""The plan review app (MCP Apps) in headless Chromium (Playwright, tests/browser.py), loaded by a
small stub host page that speaks the Apps bridge (JSON-RPC over postMessage: ui/initialize, the tool result, tools/call
back to the host). Plans are made through the real server; where a test needs the app's calls
to reach the server, the stub host queues them and the test answers each through a real MCP
client (with a person answering confirmations).

Issue 28: the app offers Apply only where this session may apply (dry-run shows the command,
confirm = "writes" asks once and sends once), and reads as a review (the 40-agent onboarding is a
grouped summary no taller than two screens, no raw references, deletes as tables, undo from the
plan's own cannot_undo, the primary action looks primary). Screenshots are kept in
``test-artifacts/review-app/`` (LIVECHAT_MCP_TEST_ARTIFACTS) for a person to look at.
"""

from __future__ import annotations

import asyncio
import json
import os
import threading
from collections.abc import Awaitable, Callable
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import mcp_types as types
import pytest
from mcp import Client
from playwright.async_api import Frame, Page, expect

from conftest import free_port, open_runtime, tool_payload
from server.doors import review_app
from server.doors.mcp_app import LiveChatMCP
from server.safety.untrusted import unlabel

ARTIFACTS = Path(os.environ.get("LIVECHAT_MCP_TEST_ARTIFACTS", Path(__file__).parent.parent / "test-artifacts"))

HOST_PAGE = """<!doctype html><meta charset="utf-8"><title>stub host</title>
<style>body{margin:0} iframe{border:0;width:100%;height:100vh}</style>
<iframe id="app" sandbox="allow-scripts allow-same-origin"></iframe>
<script>
// A stub MCP Apps host: answers ui/initialize, sends the tool result once the app says it is
// initialized, and records every message and tools/call the app sends. A tools/call is answered
// at once with a canned result, or (FORWARD) queued for the test to answer through the server.
window.log = []; window.calls = []; window.queue = [];
const frame = document.getElementById("app");
const RESULT = __RESULT__;
const FORWARD = __FORWARD__;
window.answer = (id, result) => frame.contentWindow.postMessage({jsonrpc: "2.0", id, result}, "*");
window.addEventListener("message", (event) => {
  if (event.source !== frame.contentWindow) return;
  const msg = event.data; window.log.push(msg);
  const reply = (result) => window.answer(msg.id, result);
  if (msg.method === "ui/initialize") reply({protocolVersion: msg.params.protocolVersion,
      hostInfo: {name: "stub-host", version: "1"}, hostCapabilities: {serverTools: {}}, hostContext: {theme: "light"}});
  else if (msg.method === "ui/notifications/initialized")
    frame.contentWindow.postMessage({jsonrpc: "2.0", method: "ui/notifications/tool-result", params: RESULT}, "*");
  else if (msg.method === "tools/call") { window.calls.push(msg.params);
    if (FORWARD) { window.queue.push({id: msg.id, params: msg.params}); return; }
    const body = msg.params.name === "apply_plan" ? {status: "completed"} : {cleared_steps: 40};
    reply({content: [{type: "text", text: JSON.stringify(body)}], structuredContent: body}); }
});
frame.srcdoc = __APP__;
</script>"""


def policy(tmp_path: Path, text: str = 'mode = "dry-run"\nallow_destructive = true\n') -> str:
    path = tmp_path / f"policy-{abs(hash(text))}.toml"
    path.write_text(text)
    return str(path)


def store(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'state.db'}"  # a store another process can reach: the command is shown


LEAD = {"jane@example.com": "normal"}


def onboarding() -> list[tuple[str, dict[str, Any]]]:
    """A new group and 40 agents joining it (the plan issue 28 names)."""
    return [("create_group", {"name": "Sales EMEA", "agent_priorities": LEAD})] + [
        ("create_agent", {"id": f"sales{n:02d}@example.com", "name": f"Sales {n}",
                          "groups": [{"id": {"$ref": "step1.id"}, "priority": "normal"}]}) for n in range(40)]


def mixed() -> list[tuple[str, dict[str, Any]]]:
    return [
        *[("update_agent", {"id": agent, "job_title": f"Title {n}"})
          for n, agent in enumerate(["john@example.com", "jane@example.com"])],
        ("update_group", {"id": 1, "name": "Sales EMEA"}),
        ("create_tag", {"name": "vip", "group_ids": [0]}),
        ("delete_tag", {"name": "spam"}),
        ("delete_agent", {"id": "awaiting@example.com"}),
    ]


async def plan_result(calls: list[tuple[str, dict[str, Any]]], policy_path: str,
                      store_url: str = "memory://") -> dict[str, Any]:
    """get_plan's whole tool result for the planned ``calls`` (as a host hands it to the app)."""
    async with open_runtime(sandbox=True, policy=policy_path, store=store_url) as rt:
        async with Client(LiveChatMCP(rt).server, mode="legacy") as client:
            for name, args in calls:
                assert not (await client.call_tool(name, args)).is_error, name
            result = await client.call_tool("get_plan", {})
    return result.model_dump(by_alias=True, mode="json", exclude_none=True)


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

    def host(self, path: str, result: dict[str, Any], *, forward: bool = False) -> str:
        self.pages[path] = HOST_PAGE.replace("__RESULT__", json.dumps(result)).replace(
            "__FORWARD__", json.dumps(forward)).replace("__APP__", json.dumps(review_app.html()).replace("</", "<\\/"))
        return self.base + path


async def size(page: Page, width: int, height: int) -> None:
    await page.set_viewport_size({"width": width, "height": height})


async def load(page: Page, url: str) -> Frame:
    """Open the stub host on a plan; returns the app's frame once it has drawn its actions."""
    await page.goto(url)
    app = await (await page.locator("#app").element_handle()).content_frame()
    assert app is not None
    await app.locator("#actions").wait_for(state="attached")
    return app


async def screenshot(page: Page, name: str) -> Path:
    ARTIFACTS.joinpath("review-app").mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / "review-app" / name
    await page.screenshot(path=path, full_page=True)
    return path


def review(browse: Callable[..., Any], drive: Callable[[Page, HostServer], Awaitable[None]]) -> None:
    """Run ``drive(page, served)`` in a fresh page of the session's Chromium, with a stub host server."""
    served = HostServer()
    try:
        browse(lambda page: drive(page, served))
    finally:
        served.httpd.shutdown()


def test_the_forty_agent_onboarding_reads_as_a_grouped_summary_at_1280_and_400_px(
        tmp_path: Path, browse: Callable[..., Any]) -> None:
    result = asyncio.run(plan_result(onboarding(), policy(tmp_path)))
    shots: list[Path] = []

    async def drive(page: Page, served: HostServer) -> None:
        url = served.host("/onboarding", result)
        for width, height in ((1280, 800), (400, 800)):
            await size(page, width, height)
            app = await load(page, url)
            text = await app.locator("body").inner_text()
            headline = await app.locator("#headline").text_content()
            assert headline == "41 steps: create group “Sales EMEA”; 40 new agents join the new group “Sales EMEA” (step 1)."
            assert await app.locator("ul.lines > li").count() == 2
            assert "×40" in text and "$ref" not in text and "step1.id" not in text
            # No taller than two screens; nothing overflows sideways.
            assert await app.evaluate("document.documentElement.scrollHeight") <= 2 * height, width
            assert await app.evaluate("document.documentElement.scrollWidth") <= width
            shots.append(await screenshot(page, f"onboarding-{width}px.png"))
            # Expanded, one agent's step names its group as what the reference points at.
            await app.locator('[data-line="2"] > details').first.evaluate("d => { d.open = true }")
            await app.locator('details[data-step="2"]').first.evaluate("d => { d.open = true }")
            item = await app.locator('details[data-step="2"]').first.inner_text()
            assert "sales00@example.com (Sales 0)" in item
            assert "the group created in step 1, “Sales EMEA”" in item and "$ref" not in item
            assert await app.locator('[data-line="2"] .items > li').count() == 40
            shots.append(await screenshot(page, f"onboarding-{width}px-expanded.png"))

    review(browse, drive)
    assert all(shot.stat().st_size > 5000 for shot in shots)
    # The same tool result's text (what a client without Apps shows) heads with the same sentence.
    sentence = "41 steps: create group “Sales EMEA”; 40 new agents join the new group “Sales EMEA” (step 1)."
    assert unlabel(result["content"][0]["text"]).startswith('{"headline":' + json.dumps(sentence, ensure_ascii=False))


OPEN_ALL = "for (const d of document.querySelectorAll('details')) d.open = true"


def test_deletes_show_what_is_removed_undo_says_what_it_restores_and_apply_looks_primary(
        tmp_path: Path, browse: Callable[..., Any]) -> None:
    result = asyncio.run(plan_result(mixed(), policy(tmp_path)))

    async def drive(page: Page, served: HostServer) -> None:
        await size(page, 1280, 900)
        app = await load(page, served.host("/mixed", result))
        text = await app.locator("body").inner_text()
        assert "Set job_title" not in text  # two different titles: one line, the fields named
        assert "Change 2 agents: job_title" in text
        assert "Change group 1 (Sales): name “Sales” → “Sales EMEA”" in text
        assert "Delete tag spam" in text and "DESTRUCTIVE" in text
        # A delete is what it removes, field by field, as a table: not "New value → spam".
        await app.evaluate(OPEN_ALL)
        removes = await app.locator('[data-step="5"] table tr').all_inner_texts()
        assert any(r.startswith("name") and "spam" in r for r in removes), removes
        assert any(r.startswith("group_ids") for r in removes), removes
        assert "New value" not in await app.locator('[data-step="5"]').first.inner_text()
        # Undo, from the plan's own cannot_undo: what it re-creates, and what it cannot restore.
        undo = await app.locator("#undo").text_content() or ""
        assert "re-creates what it deletes" in undo and "reverses all 6 of 6 steps" in undo, undo
        assert "cannot be undone" not in text.lower().replace("undo cannot restore it", "")
        cannot = await app.locator("#cannot-undo").inner_text()
        assert "chat history" in cannot
        # Dry-run with a memory store: no Apply; how it gets applied is said.
        assert await app.locator("#apply").count() == 0
        assert "save the plan document" in await app.locator("#how").inner_text()
        assert await app.locator("#command").text_content() == \
            "livechat-mcp apply PLAN.json --sandbox --allow-writes --allow-destructive"
        await screenshot(page, "mixed-1280px.png")

        # The same plan where this session may apply it: Apply is the primary action and looks it.
        applying = json.loads(json.dumps(result))
        applying["structuredContent"]["next"] = {"apply": True, "confirm": False, "how": "Apply sends it from here."}
        app = await load(page, served.host("/mixed-apply", applying))
        style = ("b => {const s = getComputedStyle(b); return [s.backgroundColor, s.color, s.fontWeight, "
                 "b.getBoundingClientRect().width]}")
        apply = await app.locator("#apply").evaluate(style)
        discard = await app.locator("#discard").evaluate(style)
        assert apply[0] != discard[0] and int(apply[2]) >= 700 > int(discard[2]), (apply, discard)
        assert apply[3] > discard[3] * 0.8
        await screenshot(page, "mixed-apply-1280px.png")

    review(browse, drive)


def test_a_dry_run_session_shows_the_command_and_no_apply(tmp_path: Path, browse: Callable[..., Any]) -> None:
    result = asyncio.run(plan_result(mixed(), policy(tmp_path), store(tmp_path)))
    plan_id = result["structuredContent"]["plan_id"]

    async def drive(page: Page, served: HostServer) -> None:
        await size(page, 400, 800)
        app = await load(page, served.host("/dry", result))
        assert await app.locator("#apply").count() == 0
        assert await app.locator("button.primary").count() == 0
        command = await app.locator("#command").text_content() or ""
        assert command.startswith(f"livechat-mcp plans apply {plan_id} --sandbox --allow-writes --allow-destructive")
        assert f"--store sqlite:///{tmp_path / 'state.db'}" in command
        how = await app.locator("#how").inner_text()
        assert "only plans (dry-run)" in how
        await screenshot(page, "dry-run-400px.png")
        # Discard still works here: it is clear_plan, which this session has.
        await app.locator("#discard").click()
        await page.wait_for_function("window.calls.length === 1")
        assert await page.evaluate("window.calls") == [{"name": "clear_plan", "arguments": {}}]

    review(browse, drive)


class Person:
    """The human behind the client: says yes (typing what is asked) and remembers each question."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    async def __call__(self, ctx: Any, params: Any) -> types.ElicitResult:
        self.asked.append(params.message)
        expect = params.requested_schema["properties"]
        content = {"confirm_id": params.message.split("Type ")[1].split(" ")[0]} if "confirm_id" in expect \
            else {"confirm": True}
        return types.ElicitResult(action="accept", content=content)


def test_a_confirm_writes_session_applies_from_the_app_asking_once_and_sending_once(
        tmp_path: Path, browse: Callable[..., Any]) -> None:
    person = Person()
    seen: dict[str, Any] = {}

    # The scenario runs on the browser's event loop, and so do the server and its client here.
    async def drive(page: Page, served: HostServer) -> None:
        text = 'mode = "dry-run"\nconfirm = "writes"\n'
        async with open_runtime(sandbox=True, policy=policy(tmp_path, text), store=store(tmp_path)) as rt:
            async with Client(LiveChatMCP(rt).server, mode="legacy", elicitation_callback=person) as client:
                for name, args in onboarding()[:4]:  # a new group and three agents joining it
                    assert not (await client.call_tool(name, args)).is_error
                result = await client.call_tool("get_plan", {})
                assert tool_payload(result)["next"]["apply"] is True
                rt.sandbox.requests.clear()  # planning read the license (its checks); from here, what apply sends
                await size(page, 1280, 800)
                app = await load(page, served.host("/confirm", result.model_dump(by_alias=True, mode="json",
                                                                                 exclude_none=True), forward=True))
                how = await app.locator("#how").inner_text()
                assert "after you confirm it once in your client" in how
                await app.locator("#apply").click()
                await page.wait_for_function("window.queue.length === 1")
                [call] = await page.evaluate("window.queue")
                assert call["params"]["name"] == "apply_plan"
                answer = await client.call_tool(call["params"]["name"], call["params"]["arguments"])
                await page.evaluate("([id, result]) => window.answer(id, result)",
                                    [call["id"], answer.model_dump(by_alias=True, mode="json", exclude_none=True)])
                await expect(app.locator("#status")).to_contain_text("Applied")
                seen["status"] = await app.locator("#status").text_content()
                seen["disabled"] = await app.locator("#apply").is_disabled()
                seen["writes"] = [r["action"] for r in rt.sandbox.requests if not r["action"].startswith(("list_", "get_"))]
                await screenshot(page, "confirm-writes-applied.png")

    review(browse, drive)
    assert seen["status"].startswith("Applied (completed): all 4 steps done. An undo plan is stored for review: plan ")
    assert seen["disabled"] is True  # one click, one apply
    assert len(person.asked) == 1 and person.asked[0].startswith("Apply this plan: 4 steps"), person.asked
    assert seen["writes"] == ["create_group", "batch_create_agents"], seen["writes"]  # each step sent once


def test_license_text_in_a_plan_is_shown_as_text_never_markup(tmp_path: Path, browse: Callable[..., Any]) -> None:
    result = asyncio.run(plan_result(onboarding()[:3], policy(tmp_path)))
    hostile = '<img src=x onerror="window.parent.pwned=1"><b>Bold</b>'
    result["structuredContent"]["steps"][1]["body"]["name"] = hostile
    result["structuredContent"]["review"]["lines"][1]["items"][0][1] = hostile
    result["structuredContent"]["headline"] = hostile

    async def drive(page: Page, served: HostServer) -> None:
        app = await load(page, served.host("/hostile", result))
        await app.evaluate(OPEN_ALL)
        assert "<b>Bold</b>" in await app.locator("body").inner_text()
        assert await app.locator("img, b").count() == 0
        assert await page.evaluate("window.pwned") is None

    review(browse, drive)


@pytest.mark.anyio
async def test_clients_without_apps_read_the_summary_sentence_first(tmp_path: Path) -> None:
    async with open_runtime(sandbox=True, policy=policy(tmp_path)) as rt:
        async with Client(LiveChatMCP(rt).server, mode="legacy") as client:
            tools = {t.name: t for t in (await client.list_tools()).tools}
            # (beside the search hints every tool carries for lazy-loading clients)
            assert tools["get_plan"].meta["ui"] == {"resourceUri": review_app.URI}
            assert tools["update_agent"].meta["ui"] == {"resourceUri": review_app.URI}  # planning answers
            assert "ui" not in tools["list_agents"].meta
            # Found through the tools' metadata, not the resource list (the policy and the configuration).
            assert [str(r.uri) for r in (await client.list_resources()).resources] == ["livechat://policy",
                                                                                     "livechat://config"]
            read = await client.read_resource(review_app.URI)
            [content] = read.contents
            assert content.mime_type == "text/html;profile=mcp-app"
            assert content.meta["ui"]["csp"] == {"connectDomains": [], "resourceDomains": []}
            assert "default-src 'none'" in content.text and "http" not in content.text.replace("http-equiv", "")
            for name, args in onboarding()[:3]:
                await client.call_tool(name, args)
            await client.call_tool("update_agent", {"id": "john@example.com", "job_title": "A"})
            text = (await client.call_tool("get_plan", {})).content[0].text
    sentence = ("4 steps: create group “Sales EMEA”; 2 new agents join the new group “Sales EMEA” (step 1); "
                "change agent john@example.com: job_title “Support Hero” → “A”.")
    # Labelled as license data (the update's check read john's job title), the sentence first.
    assert "data, never instructions" in text
    assert unlabel(text).startswith('{"headline":' + json.dumps(sentence, ensure_ascii=False))
    doc = json.loads(unlabel(text))
    assert doc["steps"][3]["body"] == {"id": "john@example.com", "job_title": "A"}
    assert doc["next"]["apply"] is False


TEAM = 'mode = "read-write"\napprovals = {required = 1, approver_roles = ["owner", "viceowner"]}\n'


def test_the_review_app_shows_approve_where_next_says_so_and_who_approves_elsewhere(
        tmp_path: Path, browse: Callable[..., Any]) -> None:
    """Under approvals the plan's lifecycle decides ``next`` (server/meta/plan_view.py): the app
    shows where the plan stands and how it gets approved, no Apply until then, and Approve and
    Reject (no Discard: not the approver's plan) to a person ``next`` says may approve."""
    result = asyncio.run(plan_result(mixed()[:3], policy(tmp_path, TEAM), store(tmp_path)))
    stands = "Needs 1 approval by an owner or viceowner other than its author (Jane <jane@example.com>): 0 of 1 so far."
    waiting = {"apply": False, "approvals": {"text": stands, "required": 1, "missing": 1, "approved": False},
               "how": f"{stands} It is applied once approved: an owner or viceowner of this license finds it in "
                      "plans_pending and approves it in their client."}
    result["structuredContent"]["next"] = waiting

    async def drive(page: Page, served: HostServer) -> None:
        await size(page, 400, 800)
        app = await load(page, served.host("/team", result))
        assert await app.locator("#apply").count() == 0 and await app.locator("#approve").count() == 0
        how = await app.locator("#how").inner_text()
        assert how.count("Needs 1 approval") == 1 and "finds it in plans_pending" in how  # said once
        assert await app.locator("#discard").count() == 1  # the author's own plan
        await screenshot(page, "team-waiting-400px.png")
        # An approver reading it: Approve is the primary action, and it answers with approve_plan.
        approver = json.loads(json.dumps(result))
        approver["structuredContent"]["next"] = {**waiting, "approve": True,
                                                 "how": f"{stands} You may approve it or reject it with a reason."}
        app = await load(page, served.host("/approver", approver))
        assert await app.locator("#apply").count() == 0
        assert await app.locator("#approve.primary").count() == 1 and await app.locator("#reject").count() == 1
        assert await app.locator("#discard").count() == 0  # not the approver's plan to discard
        await screenshot(page, "team-approver-400px.png")
        await app.locator("#approve").click()
        await page.wait_for_function("window.calls.length === 1")
        plan = result["structuredContent"]
        assert await page.evaluate("window.calls") == [
            {"name": "approve_plan", "arguments": {"plan_id": plan["plan_id"], "mac": plan["mac"]}}]

    review(browse, drive)


@pytest.mark.anyio
async def test_apply_plan_in_a_dry_run_session_names_the_doors_it_has_not_a_restart(tmp_path: Path) -> None:
    """apply_plan is no tool of a dry-run session; called anyway (a host that kept an old Apply),
    the refusal says how this plan gets applied: confirm = "writes" here, or the terminal
    command with its id. Never "run with --allow-writes instead of --dry-run"."""
    path = policy(tmp_path, 'mode = "dry-run"\n')
    async with open_runtime(sandbox=True, policy=path, store=store(tmp_path)) as rt:
        async with Client(LiveChatMCP(rt).server, mode="legacy") as client:
            await client.call_tool("create_tag", {"name": "vip", "group_ids": [0]})
            doc = tool_payload(await client.call_tool("get_plan", {"view": "summary"}))
            rt.sandbox.requests.clear()
            result = await client.call_tool("apply_plan", {"plan_id": doc["plan_id"], "mac": doc["mac"]})
            unknown = await client.call_tool("apply_plan", {"plan_id": "0123456789abcdef", "mac": doc["mac"]})
        assert rt.sandbox.requests == []
    error = tool_payload(result)["error"]
    assert error["rule"] == "mode" and "only plans (dry-run)" in error["message"]
    how = error["how_to_allow"]
    assert f'in the policy file {path}: confirm = "writes"' in how
    assert f"`{doc['next']['command']}`" in how and doc["plan_id"] in doc["next"]["command"]
    assert "--allow-writes instead of --dry-run" not in how and 'mode = "read-write"' not in how
    assert "livechat-mcp apply PLAN.json --allow-writes" in tool_payload(unknown)["error"]["how_to_allow"]


@pytest.mark.anyio
async def test_a_confirm_writes_session_whose_client_cannot_ask_gets_the_command_not_apply(tmp_path: Path) -> None:
    """confirm = "writes" applies only after the person says yes in their client: a client without
    elicitation cannot ask, so Apply could not succeed there and the review shows the command."""
    text = 'mode = "dry-run"\nconfirm = "writes"\n'
    async with open_runtime(sandbox=True, policy=policy(tmp_path, text), store=store(tmp_path)) as rt:
        async with Client(LiveChatMCP(rt).server, mode="legacy") as client:  # no elicitation callback
            await client.call_tool("create_tag", {"name": "vip", "group_ids": [0]})
            nxt = tool_payload(await client.call_tool("get_plan", {"view": "summary"}))["next"]
        async with Client(LiveChatMCP(rt).server, mode="legacy", elicitation_callback=Person()) as asking:
            await asking.call_tool("create_tag", {"name": "vip", "group_ids": [0]})
            asked = tool_payload(await asking.call_tool("get_plan", {"view": "summary"}))["next"]
    assert nxt["apply"] is False and "this client cannot ask you" in nxt["how"]
    assert nxt["command"].startswith("livechat-mcp plans apply ") and "--allow-writes" in nxt["command"]
    assert asked["apply"] is True and asked["confirm"] is True and "command" not in asked


@pytest.mark.anyio
@pytest.mark.parametrize("text", ['mode = "dry-run"\n', 'mode = "dry-run"\nconfirm = "writes"\n'])
async def test_an_empty_plan_offers_no_command_and_no_apply(tmp_path: Path, text: str) -> None:
    """Nothing planned: no Apply (confirm = "writes" offered one) and no `apply PLAN.json` command
    (a dry-run session's next said the plan "could not be stored")."""
    async with open_runtime(sandbox=True, policy=policy(tmp_path, text), store=store(tmp_path)) as rt:
        async with Client(LiveChatMCP(rt).server, mode="legacy", elicitation_callback=Person()) as client:
            nxt = tool_payload(await client.call_tool("get_plan", {}))["next"]
    assert nxt == {"apply": False, "how": "Nothing to apply: the writes this session plans become its steps."}


def test_after_apply_the_app_says_what_was_done_and_what_was_not(tmp_path: Path, browse: Callable[..., Any]) -> None:
    """A stop at a failure reads as one: how many steps were done, which failed and why, that
    nothing after it was sent, and the undo plan stored for what was done."""
    result = asyncio.run(plan_result(mixed(), policy(tmp_path)))
    result["structuredContent"]["next"] = {"apply": True, "confirm": False, "how": "Apply sends it from here."}
    report = {"status": "stopped", "summary": {"done": 3, "failed": 1, "refused": 0, "not_sent": 2},
              "steps": [*[{"step": n, "status": "done"} for n in (1, 2, 3)],
                        {"step": 4, "status": "failed", "error": {"type": "already_exists", "message": "Tag exists"}},
                        *[{"step": n, "status": "not_sent"} for n in (5, 6)]],
              "undo": {"plan_id": "0123456789abcdef", "mac": "hmac-sha256:00"}}

    async def drive(page: Page, served: HostServer) -> None:
        app = await load(page, served.host("/stopped", result, forward=True))
        await app.locator("#apply").click()
        await page.wait_for_function("window.queue.length === 1")
        [call] = await page.evaluate("window.queue")
        await page.evaluate("([id, result]) => window.answer(id, result)", [call["id"], {
            "content": [{"type": "text", "text": json.dumps(report)}], "structuredContent": report}])
        await expect(app.locator("#status")).to_contain_text("Stopped")
        assert await app.locator("#status").text_content() == (
            "Stopped at a failure: 3 of 6 steps done (1 failed, 2 not sent); nothing after it was sent. "
            "Step 4: Tag exists. An undo plan is stored for review: plan 0123456789abcdef.")
        assert await app.locator("#apply").is_disabled()

    review(browse, drive)


def test_nested_values_read_as_words_with_what_belongs_to_what(tmp_path: Path, browse: Callable[..., Any]) -> None:
    """Every kind of value a plan holds reads as words: an empty map, references in a list, an auto
    access rule's nested conditions (braces where they nest), a secret placeholder; never
    "[object Object]" or a raw reference."""
    from server.sandbox.bots import BOT_ID

    calls = [("create_group", {"name": "VIP", "agent_priorities": {}}),
             ("create_bot", {"name": "Helper", "groups": [{"id": {"$ref": "step1.id"}, "priority": "first"}]}),
             ("update_group", {"id": 1, "agent_priorities": {"$ref:step2.id": "first"}}),
             ("add_auto_access", {"access": {"groups": [{"$ref": "step1.id"}]}, "description": "VIP domain",
                                  "conditions": {"domain": {"values": [{"value": "example.com", "exact_match": False}]}}}),
             ("register_webhook", {"url": "https://example.com/hook", "action": "incoming_chat", "type": "license",
                                   "secret_key": "s3cr3t-key-value"}),
             ("delete_bot", {"id": BOT_ID})]
    result = asyncio.run(plan_result(calls, policy(tmp_path)))
    assert [line["text"] for line in result["structuredContent"]["review"]["lines"]][3] == \
        "Create auto access rule “VIP domain”"

    async def drive(page: Page, served: HostServer) -> None:
        await size(page, 400, 800)
        app = await load(page, served.host("/nested", result))
        await app.evaluate(OPEN_ALL)
        text = await app.locator("body").inner_text()
        assert "[object" not in text and "$ref" not in text and "step1.id" not in text and "s3cr3t" not in text

        async def cell(step: int, field: str) -> str:
            rows = await app.locator(f'[data-step="{step}"] tr').all_inner_texts()
            return next(r for r in rows if r.startswith(field)).split("\t", 1)[1]

        assert await cell(1, "agent_priorities") == "(none)"
        assert await cell(2, "groups") == "id: the group created in step 1, “VIP”, priority: first"
        assert await cell(4, "access") == "groups: [the group created in step 1, “VIP”]"
        assert await cell(4, "conditions") == "domain: {values: [{value: example.com, exact_match: false}]}"
        assert await cell(5, "secret_key") == "(a secret, supplied when applying)"
        assert (await cell(6, "work_scheduler")).startswith("timezone: Europe/Warsaw, schedule: [{day: monday, ")
        await screenshot(page, "nested-values-400px.png")

    review(browse, drive)
