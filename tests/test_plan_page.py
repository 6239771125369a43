"""Approvals for teams in hosted mode (issue 28 item 6), end to end: a sandbox with its accounts
service and `livechat-mcp --transport http --oauth` as real processes, people signing in as the
license's agents (jane@ administrator, owner@ owner, john@ normal agent), the administrator through
the MCP SDK's OAuth client, the owner on the ``/plans/{id}`` page in headless Chromium.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable, Iterator
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import anyio
import httpx
import pytest
from playwright.async_api import Page, expect

from conftest import tool_payload
from tests.hosted import Browser, Hosted, connect, hosted, sdk_auth

pytestmark = pytest.mark.anyio

TEAM = 'mode = "read-write"\napprovals = {required = 1, approver_roles = ["owner", "viceowner"]}\n'


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hosted]:
    policy = tmp_path_factory.mktemp("team") / "team.toml"
    policy.write_text(TEAM)
    with hosted("--policy", str(policy)) as h:
        yield h


async def test_an_administrator_plans_an_owner_approves_on_the_page_in_chromium_and_the_administrator_applies(
        served: Hosted, browse: Callable[..., Any]) -> None:
    provider, _, _ = sdk_auth(served, "jane@example.com", name="Jane's client")
    http, client = connect(served, provider)
    async with http, client:
        planned = tool_payload(await client.call_tool("update_agent", {"id": "john@example.com",
                                                                       "job_title": "Team lead"}))
        assert planned["planned"] is True
        plan = tool_payload(await client.call_tool("get_plan", {}))
        pid, mac = plan["plan_id"], plan["mac"]
        page_url = f"{served.base}/plans/{pid}"
        assert plan["lifecycle"]["author"]["email"] == "jane@example.com"
        assert plan["lifecycle"]["approvals"]["page"] == page_url
        assert plan["next"]["apply"] is False and page_url in plan["next"]["how"]

        # The administrator's apply is refused by the approval rule; nothing is sent.
        refused = await client.call_tool("apply_plan", {"plan_id": pid, "mac": mac})
        error = tool_payload(refused)["error"]
        assert refused.is_error and error["rule"] == "approval" and page_url in error["how_to_allow"]
        # They cannot approve their own plan.
        own = await client.call_tool("approve_plan", {"plan_id": pid, "mac": mac})
        assert own.is_error and "you made this plan" in tool_payload(own)["error"]["message"]

        async def owner_approves(page: Page) -> dict[str, Any]:
            problems: list[str] = []
            page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
            await page.goto(page_url)
            # Not signed in on the page: LiveChat's sign-in first, then back to the plan.
            await page.wait_for_url(lambda url: url.startswith(served.sandbox))
            await page.locator("label", has_text="<owner@example.com>").click()
            await page.locator("button[value=sign_in]").click()
            await page.wait_for_url(lambda url: urlsplit(url).path == f"/plans/{pid}")
            await expect(page.locator("#approve")).to_be_visible()
            before = await page.locator("body").inner_text()
            assert "1 step: change agent john@example.com" in before and "Team lead" in before
            assert "Jane Doe <jane@example.com> (administrator)" in before
            assert "Needs 1 approval by an owner or viceowner" in before
            assert await page.locator("#apply").count() == 0  # a page sends nothing to LiveChat
            response = await page.reload()
            assert response is not None
            headers = response.headers
            await shot(page, "owner-before-approving-1280px.png")
            await page.set_viewport_size({"width": 400, "height": 800})
            await shot(page, "owner-before-approving-400px.png")
            await page.locator("#approve").click()
            await page.wait_for_url(lambda url: "done=approved" in url)
            await expect(page.locator("#status")).to_have_text("You approved this plan.")
            after = await page.locator("body").inner_text()
            assert await page.locator("#approve").count() == 0
            await shot(page, "owner-after-approving-400px.png")
            # Where the plan has been: stored by Jane, approved by Olivia, with times.
            await page.locator("#history summary").click()
            history = await page.locator("#history li").all_inner_texts()
            assert [h.split(" — ")[0] for h in history] == ["stored", "approved"]
            assert history[1].startswith("approved — Olivia Owner <owner@example.com>, 20")
            return {"after": after, "headers": headers, "problems": problems}

        seen = await anyio.to_thread.run_sync(lambda: browse(owner_approves))
        assert "Approved by Olivia Owner <owner@example.com> (owner)" in seen["after"]
        assert "livechat-mcp plans apply " + pid in seen["after"]
        csp = seen["headers"]["content-security-policy"]
        assert "script-src 'sha256-" in csp and "unsafe" not in csp.split("style-src")[0]
        assert "form-action 'self'" in csp and "frame-ancestors 'none'" in csp
        assert seen["problems"] == []  # nothing the CSP blocked, no script error

        # Edited after approval: the session's plan with one more step is a new plan, not approved.
        await client.call_tool("create_tag", {"name": "after-approval"})
        edited = tool_payload(await client.call_tool("get_plan", {}))
        assert edited["plan_id"] != pid and edited["lifecycle"]["approvals"]["approved_by"] == []
        refused = await client.call_tool("apply_plan", {"plan_id": edited["plan_id"], "mac": edited["mac"]})
        assert refused.is_error and tool_payload(refused)["error"]["rule"] == "approval"

        # The approved plan is applied by its author.
        report = tool_payload(await client.call_tool("apply_plan", {"plan_id": pid, "mac": mac}))
        assert report["status"] == "completed" and report["lifecycle"]["state"] == "applied"
        agent = tool_payload(await client.call_tool("get_agent", {"id": "john@example.com", "fields": ["job_title"]}))
        assert agent["job_title"] == "Team lead"
        tags = tool_payload(await client.call_tool("list_tags", {}))
        assert "after-approval" not in json.dumps(tags)

    lines = served.audit_lines()
    approved = [line for line in lines if line["tool"] == "plan/approved"]
    assert len(approved) == 1 and approved[0]["principal"]["email"] == "owner@example.com"
    assert approved[0]["outcome"]["plan_id"] == pid and approved[0]["outcome"]["author"]["email"] == "jane@example.com"
    applied = [line for line in lines if line["tool"] == "plan/applied"]
    assert len(applied) == 1 and applied[0]["principal"]["email"] == "jane@example.com"
    assert [p["email"] for p in applied[0]["outcome"]["approved_by"]] == ["owner@example.com"]
    refusals = [line for line in lines if line["tool"] == "apply_plan" and line["decision"] == "refused"]
    assert [r["rule"] for r in refusals] == ["approval", "approval"]


async def shot(page: Page, name: str) -> None:
    """The page as the approver saw it, kept for a person to look at (test-artifacts/plan-page/)."""
    from tests.test_review_app import ARTIFACTS

    (ARTIFACTS / "plan-page").mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=ARTIFACTS / "plan-page" / name, full_page=True)


def sign_in_on_page(served: Hosted, url: str, email: str) -> tuple[Browser, httpx.Response]:
    """A scripted browser signing in on a plan page: the page it lands on."""
    browser = Browser(login_hint=email)
    first = browser.http.get(url)
    assert first.status_code == 303 and first.headers["location"].startswith(served.sandbox)
    assert "livechat_mcp_plans_signin" in first.headers["set-cookie"]
    assert "path=/oauth/callback" in first.headers["set-cookie"].lower()
    landed = browser.go(first.headers["location"] + "&" + urlencode({"login_hint": email}),
                        stop_at=f"{served.base}/plans/")
    return browser, browser.http.get(landed)


def embedded(page: httpx.Response) -> dict[str, Any]:
    found = re.search(r'<script type="application/json" id="plan-data">(.*?)</script>', page.text, re.S)
    assert found
    return json.loads(found.group(1))


async def test_the_page_offers_a_decision_only_to_an_approver_and_checks_its_forms(served: Hosted) -> None:
    provider, _, _ = sdk_auth(served, "jane@example.com", name="Jane's other client")
    http, client = connect(served, provider)
    async with http, client:
        await client.call_tool("create_tag", {"name": "page-check"})
        plan = tool_payload(await client.call_tool("get_plan", {}))
    url = f"{served.base}/plans/{plan['plan_id']}"

    # A normal agent of the license sees the review, no Approve, and a forged approval is refused.
    # The page's LiveChat token only told who signed in: it is revoked, none is left alive.
    live = httpx.get(f"{served.sandbox}/_sandbox/accounts").json()["live_tokens"]
    john, page = await anyio.to_thread.run_sync(sign_in_on_page, served, url, "john@example.com")
    assert httpx.get(f"{served.sandbox}/_sandbox/accounts").json()["live_tokens"] == live
    assert page.status_code == 200 and page.headers["x-frame-options"] == "DENY"
    data = embedded(page)
    assert data["plan"]["plan_id"] == plan["plan_id"] and "approve" not in data["plan"]["next"]
    assert "your LiveChat role (normal) does not approve plans here" in data["plan"]["next"]["how"]
    form = {"csrf": data["page"]["csrf"], "mac": plan["mac"]}
    forged = john.http.post(f"{url}/approve", data=form)
    assert forged.status_code == 403 and "does not approve plans here" in unescape(forged.text)
    assert john.http.post(f"{url}/approve", data={**form, "csrf": "guessed"}).status_code == 403
    other_site = john.http.post(f"{url}/approve", data=form, headers={"Origin": "https://evil.example"})
    assert other_site.status_code == 403
    assert httpx.post(f"{url}/approve", data=form).status_code == 403  # no page session at all

    # The owner of another license is told there is no such plan.
    _, stranger = await anyio.to_thread.run_sync(sign_in_on_page, served, url, "owner@globex.example")
    assert stranger.status_code == 404 and "page-check" not in stranger.text

    # A viceowner rejects it with a reason; the author's apply then names who and why.
    vice, page = await anyio.to_thread.run_sync(sign_in_on_page, served, url, "viceowner@example.com")
    data = embedded(page)
    assert data["plan"]["next"]["approve"] is True
    no_reason = vice.http.post(f"{url}/reject", data={"csrf": data["page"]["csrf"], "mac": plan["mac"]})
    assert no_reason.status_code == 400
    rejected = vice.http.post(f"{url}/reject", data={"csrf": data["page"]["csrf"], "mac": plan["mac"],
                                                     "reason": "<b>not now</b>"})
    assert rejected.status_code == 303 and rejected.headers["location"].endswith("done=rejected")
    after = vice.http.get(served.base + rejected.headers["location"])
    shown = embedded(after)
    assert shown["page"]["notice"] == "You rejected this plan."
    assert "Rejected by Victor Vice" in shown["plan"]["next"]["how"] and "approve" not in shown["plan"]["next"]
    assert "<b>" not in after.text  # the reason is data inside the JSON block, never markup

    provider, _, _ = sdk_auth(served, "jane@example.com", name="Jane's third client")
    http, client = connect(served, provider)
    async with http, client:
        refused = await client.call_tool("apply_plan", {"plan_id": plan["plan_id"], "mac": plan["mac"]})
    assert refused.is_error and "Rejected by Victor Vice <viceowner@example.com> (viceowner): <b>not now</b>" in \
        tool_payload(refused)["error"]["message"]


def test_without_approvals_the_page_shows_a_plan_to_its_author_only() -> None:
    from types import SimpleNamespace

    from server.doors.plan_page import PlanPages
    from server.plans.lifecycle import new

    org = "390e44e6-f1e6-0368-c507-7c7f8c8de8c6"
    jane = {"id": f"{org}:3", "organization_id": org, "role": "administrator"}
    owner = {"id": f"{org}:1", "organization_id": org, "role": "owner"}
    life = new({"mac": "hmac-sha256:" + "ab" * 32}, "ab" * 8, jane, 0.0)
    for approvals, owner_sees in ((None, False), (object(), True)):
        runtime = SimpleNamespace(policy=SimpleNamespace(policy=SimpleNamespace(approvals=approvals)))
        pages = PlanPages(runtime, None, None, None)  # type: ignore[arg-type]
        assert pages._may_see(life, jane) is True
        assert pages._may_see(life, owner) is owner_sees
        assert pages._may_see(life, {**owner, "id": "other:1", "organization_id": "other"}) is False


def test_the_review_app_says_who_made_and_applied_a_plan_and_when(tmp_path: Path,
                                                                    browse: Callable[..., Any]) -> None:
    """In an MCP Apps host: the plan's lifecycle line (state, who, when) under the headline, once."""
    from tests.test_review_app import load, plan_result, policy, review

    result = asyncio.run(plan_result([("create_tag", {"name": "lifecycle-line"})], policy(tmp_path)))
    plan = result["structuredContent"]
    assert plan["lifecycle"]["state"] == "stored"
    plan["lifecycle"] = {**plan["lifecycle"], "state": "applied",
                         "text": "Applied by Jane Doe <jane@example.com> (administrator) at 2026-12-07T14:20:00Z; "
                                 "made by operator at 2026-12-07T14:00:00Z.",
                         "history": [{"state": "stored", "at": "2026-12-07T14:00:00Z", "by": {"id": "operator"}},
                                     {"state": "applied", "at": "2026-12-07T14:20:00Z",
                                      "by": {"id": "o:3", "name": "Jane <b>Doe</b>", "email": "jane@example.com"}}]}

    async def drive(page: Page, served: Any) -> None:
        app = await load(page, served.host("/applied", result))
        assert (await app.locator("#lifecycle").inner_text()).startswith("Applied by Jane Doe <jane@example.com>")
        await app.locator("#history summary").click()
        assert await app.locator("#history li").all_inner_texts() == [
            "stored — operator, 2026-12-07T14:00:00Z",
            "applied — Jane <b>Doe</b> <jane@example.com>, 2026-12-07T14:20:00Z"]  # text, never markup
        assert await app.locator("#history b").count() == 0

    review(browse, drive)
