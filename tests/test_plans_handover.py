"""Plans handed over by id, bound to their target, resumed from their journal, applied once at a
time (issue 14)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import anyio
import pytest

from conftest import plan_of, tool_payload
from server.policies import Overrides
from server.sandbox.app import DEFAULT_CLIENT_ID, Fault, SandboxCredential

pytestmark = pytest.mark.anyio

DRY = Overrides(dry_run=True)
WRITE = Overrides(allow_writes=True)


def agent(n: int) -> dict:
    return {"id": f"hand{n:02d}@example.com", "name": f"Hand {n}"}


async def _plan(make_server, loopback, calls, **get_plan):
    return await plan_of(make_server, loopback, calls, **get_plan)


async def test_a_stored_plan_is_applied_by_id_and_the_mac_the_reviewer_saw(make_server, loopback):
    summary = await _plan(make_server, loopback, [("create_tag", {"name": "handed"})], view="summary")
    assert set(summary) == {"headline", "plan_id", "mac", "target", "created_at", "checks", "summary", "next",
                            "lifecycle"}
    assert summary["headline"] == "1 step: create tag handed."
    async with make_server(env=loopback.env(), overrides=WRITE) as s:
        wrong = tool_payload(await s.client.call_tool("apply_plan", {"plan_id": summary["plan_id"], "mac": "hmac-sha256:00"}))
        assert wrong["error"]["rule"] == "plan_edited" and loopback.requests() == []
        report = tool_payload(await s.client.call_tool(
            "apply_plan", {"plan_id": summary["plan_id"], "mac": summary["mac"]}))
    assert report["status"] == "completed"
    assert "handed" in loopback.sandbox.state.tags


async def test_a_plan_made_against_another_target_is_refused_unless_allowed(make_server, loopback):
    plan = await _plan(make_server, loopback, [("create_tag", {"name": "elsewhere"})])
    # The same deployment (same MAC key) planned it against another upstream URL.
    elsewhere = {**loopback.env(), "LIVECHAT_API_URL": loopback.url.replace("127.0.0.1", "localhost")}
    async with make_server(env=elsewhere, overrides=DRY) as s:
        await s.client.call_tool("create_tag", {"name": "elsewhere"})
        other = tool_payload(await s.client.call_tool("get_plan", {"requests": True}))
    loopback.planned()
    assert other["target"]["api"] != plan["target"]["api"]
    async with make_server(env=loopback.env(), overrides=WRITE) as s:
        refused = tool_payload(await s.client.call_tool("apply_plan", {"plan": other}))
        assert refused["status"] == "refused" and refused["error"]["rule"] == "target", refused.get("changes")
        assert loopback.requests() == []
        allowed = tool_payload(await s.client.call_tool("apply_plan", {"plan": other, "allow_other_target": True}))
    assert allowed["status"] == "completed" and "target_warning" in allowed
    assert "elsewhere" in loopback.sandbox.state.tags


async def test_a_stopped_apply_is_resumed_and_no_create_goes_twice(make_server, loopback):
    calls = [("create_tag", {"name": "first"}), ("create_agent", agent(1)), ("create_tag", {"name": "second"}),
             ("create_agent", agent(2))]
    summary = await _plan(make_server, loopback, calls, view="summary")
    loopback.sandbox.faults.append(Fault("create_tag", "status", status=400, error_type="validation"))
    async with make_server(env=loopback.env(), overrides=WRITE) as s:
        ids = {"plan_id": summary["plan_id"], "mac": summary["mac"]}
        # The first tag is refused upstream: the apply stops there.
        first = tool_payload(await s.client.call_tool("apply_plan", ids))
        assert first["status"] == "stopped"
        # Continue past it: the later steps are sent, the agent once.
        cont = tool_payload(await s.client.call_tool("apply_plan", {**ids, "continue_on_error": True}))
        sent = len(loopback.requests())
        # Applied once more: every step is in its journal, so nothing is sent and the answer says when.
        repeat = await s.client.call_tool("apply_plan", ids)
        again = tool_payload(repeat)
    assert [st["status"] for st in cont["steps"]] == ["done", "done", "done", "done"]
    assert again["status"] == "already_applied" and not repeat.is_error and len(loopback.requests()) == sent
    assert all(st.get("journal") and st["done_at"] for st in again["steps"]), again
    creates = [r for r in loopback.requests() if r["action"] in ("create_agent", "create_tag")]
    sent = [(r["action"], r["body"].get("id") or r["body"].get("name")) for r in creates]
    assert sent.count(("create_agent", "hand01@example.com")) == 1
    assert sent.count(("create_agent", "hand02@example.com")) == 1
    assert {"first", "second"} <= set(loopback.sandbox.state.tags)


async def test_two_applies_of_one_plan_at_once_do_not_both_send(make_server, loopback):
    summary = await _plan(make_server, loopback, [("create_agent", agent(n)) for n in range(3)], view="summary")
    loopback.sandbox.faults.append(Fault("batch_create_agents", "timeout", delay=1.0))
    reports = []
    async with make_server(env=loopback.env(), overrides=WRITE) as s:
        ids = {"plan_id": summary["plan_id"], "mac": summary["mac"]}

        async def run() -> None:
            reports.append(tool_payload(await s.client.call_tool("apply_plan", ids)))

        async with anyio.create_task_group() as tg:
            tg.start_soon(run)
            await anyio.sleep(0.2)
            tg.start_soon(run)
    busy = [r for r in reports if r.get("error", {}).get("type") == "busy"]
    assert len(busy) == 1, reports
    assert sum(1 for r in loopback.requests() if r["action"] == "batch_create_agents") <= 2  # one apply (and its retry)


async def test_the_cli_lists_shows_exports_and_applies_a_plan_the_server_stored(make_server, loopback):
    summary = await _plan(make_server, loopback, [("create_tag", {"name": "from-cli"})], view="summary")
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIVECHAT_")} | loopback.env()

    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "server.doors.cli", "plans", *args], env=env,
                              capture_output=True, text=True, timeout=120)

    listed = cli("list")
    assert listed.returncode == 0 and summary["plan_id"] in listed.stdout
    shown = json.loads(cli("show", summary["plan_id"]).stdout)
    assert shown["mac"] == summary["mac"] and shown["steps"][0]["body"] == {"name": "from-cli"}
    exported = json.loads(cli("export", summary["plan_id"]).stdout)
    assert exported["mac"] == summary["mac"] and exported["requests"]
    applied = cli("apply", summary["plan_id"], "--allow-writes")
    assert applied.returncode == 0, applied.stderr
    assert json.loads(applied.stdout)["status"] == "completed"
    assert "from-cli" in loopback.sandbox.state.tags
    sent = len(loopback.writes())
    repeated = cli("apply", summary["plan_id"], "--allow-writes")  # its journal says it is done: nothing goes
    assert repeated.returncode == 0 and json.loads(repeated.stdout)["status"] == "already_applied"
    again = cli("apply", summary["plan_id"], "--allow-writes", "--again")  # sent anew, as asked: the tag exists
    assert again.returncode == 1 and json.loads(again.stdout)["steps"][0]["error"]["type"] == "already_exists"
    assert len(loopback.writes()) == sent + 1


async def test_a_stored_plan_reads_as_a_resource(make_server, loopback):
    async with make_server(env=loopback.env(), overrides=DRY) as s:
        await s.client.call_tool("create_tag", {"name": "as-resource"})
        summary = tool_payload(await s.client.call_tool("get_plan", {"view": "summary"}))
        templates = {t.uri_template for t in (await s.client.list_resource_templates()).resource_templates}
        read = await s.client.read_resource(f"livechat://plans/{summary['plan_id']}")
    assert "livechat://plans/{id}" in templates
    text = read.contents[0].text  # labelled as data: checked plans carry what was read from the license
    assert summary["mac"] in text and "as-resource" in text and "done_steps" in text


async def test_the_steps_view_carries_each_body_once_and_applies_as_it_is(make_server, loopback):
    async with make_server(env=loopback.env(), overrides=DRY) as s:
        for n in range(60):
            await s.client.call_tool("create_agent", agent(n))
        full = tool_payload(await s.client.call_tool("get_plan", {"requests": True}))
        steps = tool_payload(await s.client.call_tool("get_plan", {"view": "steps"}))
    loopback.planned()
    assert "requests" not in steps and steps["mac"] == full["mac"]
    assert len(json.dumps(steps)) < 0.75 * len(json.dumps(full))
    edited = json.loads(json.dumps(steps))
    edited["steps"][5]["body"]["name"] = "not reviewed"
    async with make_server(env=loopback.env(), overrides=WRITE) as s:
        refused = tool_payload(await s.client.call_tool("apply_plan", {"plan": edited}))
        assert refused["status"] == "refused" and loopback.requests() == []
        report = tool_payload(await s.client.call_tool("apply_plan", {"plan": steps}))
    assert report["status"] == "completed" and report["summary"]["done"] == 60
    assert [r["action"] for r in loopback.writes()] == ["batch_create_agents"] * len(full["requests"])


async def _refused_then_allowed(make_server, loopback, plan, env) -> dict:
    async with make_server(env=env, overrides=WRITE) as s:
        refused = tool_payload(await s.client.call_tool("apply_plan", {"plan": plan}))
        assert refused["status"] == "refused" and refused["error"]["rule"] == "target", refused.get("changes")
        assert loopback.requests() == []
        allowed = tool_payload(await s.client.call_tool("apply_plan", {"plan": plan, "allow_other_target": True}))
    assert allowed["status"] == "completed" and "target_warning" in allowed
    return refused


async def test_a_plan_made_under_another_client_id_is_refused_unless_allowed(make_server, loopback):
    plan = await _plan(make_server, loopback, [("create_tag", {"name": "for-app-a"})])
    assert plan["target"]["client_id"] == DEFAULT_CLIENT_ID  # the Bearer token's client, from token info
    other_app = "0ther0app0client0id0000000000000"
    loopback.sandbox.credentials.append(SandboxCredential("app-b", "dal:app-b-token", client_id=other_app))
    refused = await _refused_then_allowed(make_server, loopback, plan, loopback.env("dal:app-b-token"))
    assert DEFAULT_CLIENT_ID in refused["error"]["message"] and other_app in refused["error"]["message"]
    assert "for-app-a" in loopback.sandbox.state.tags


async def test_a_plan_made_for_another_organization_is_refused_unless_allowed(make_server, loopback):
    plan = await _plan(make_server, loopback, [("create_tag", {"name": "for-acme"})])
    acme = plan["target"]["organization_id"]
    accounts = loopback.sandbox.accounts
    globex = accounts.by_email("owner@globex.example")
    assert globex is not None and globex.organization_id != acme
    token = accounts._issue(globex, DEFAULT_CLIENT_ID)["access_token"]  # same app, another license
    refused = await _refused_then_allowed(make_server, loopback, plan, loopback.env(token))
    assert acme in refused["error"]["message"] and globex.organization_id in refused["error"]["message"]
    assert "for-acme" not in loopback.sandbox.state.tags  # applied (when allowed) to Globex's license
