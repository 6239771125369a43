"""Dry-run plans: planned writes, the plan document, and applying it (issue: dry-run and plans)."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys

import pytest

from conftest import plan_of, tool_payload
from server.plans.document import KIND
from server.policies import Overrides

pytestmark = pytest.mark.anyio

DRY = Overrides(dry_run=True)


def agent(n: int) -> dict:
    return {"id": f"new{n:03d}@example.com", "name": f"New Agent {n}"}


async def test_dry_run_write_returns_the_request_and_sends_nothing(make_server, loopback):
    async with make_server(env=loopback.env(), overrides=DRY) as s:
        result = await s.client.call_tool("create_agent", {"id": "a@example.com", "name": "A", "role": "normal"})
        planned = tool_payload(result)
    assert not result.is_error
    assert planned["planned"] is True
    req = planned["request"]
    assert req["method"] == "POST"
    assert req["url"] == f"{loopback.url}/v3.6/configuration/action/create_agent"
    assert req["headers"]["Authorization"] == "<redacted credential>"
    assert req["headers"]["X-Region"] == "dal"
    assert req["body"] == {"id": "a@example.com", "name": "A", "role": "normal"}
    loopback.planned()  # nothing sent: the step's check only read the agents


async def test_reads_run_normally_in_dry_run(make_server, loopback):
    async with make_server(env=loopback.env(), overrides=DRY) as s:
        result = await s.client.call_tool("get_agent", {"id": "jane@example.com"})
    assert not result.is_error and tool_payload(result)["id"] == "jane@example.com"
    assert [r["action"] for r in loopback.requests()] == ["get_agent"]


async def test_invalid_or_refused_writes_are_not_planned(make_server, loopback):
    async with make_server(env=loopback.env(), overrides=DRY) as s:
        invalid = await s.client.call_tool("create_agent", {"id": "x@example.com"})  # name missing
        destructive = await s.client.call_tool("delete_agent", {"id": "john@example.com"})
        plan = tool_payload(await s.client.call_tool("get_plan", {"requests": True}))
    assert invalid.is_error and tool_payload(invalid)["error"]["type"] == "validation"
    assert destructive.is_error and tool_payload(destructive)["error"]["rule"] == "allow_destructive"
    assert plan["steps"] == [] and plan["requests"] == []


async def test_250_creates_become_chunked_batches_then_apply_via_cli(make_server, loopback, tmp_path):
    async with make_server(env=loopback.env(), overrides=DRY) as s:
        for n in range(250):
            result = await s.client.call_tool("create_agent", agent(n))
            assert not result.is_error
        plan = tool_payload(await s.client.call_tool("get_plan", {"requests": True}))
    size = plan["max_batch_size"]
    assert plan["kind"] == KIND and plan["schema_version"] == 1
    assert len(plan["steps"]) == 250
    assert len(plan["requests"]) == math.ceil(250 / size)
    assert {r["action"] for r in plan["requests"]} == {"batch_create_agents"}
    flat = [item["id"] for r in plan["requests"] for item in r["body"]["requests"]]
    assert flat == [agent(n)["id"] for n in range(250)]  # order kept
    assert plan["summary"]["by_action"] == {"create_agent": 250}
    assert plan["mac"].startswith("hmac-sha256:")  # the digest became a keyed MAC (issue 11)
    loopback.planned()  # zero writes reached the sandbox (the checks read the agents once)

    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan))
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIVECHAT_")} | loopback.env()
    proc = subprocess.run(
        [sys.executable, "-m", "server.doors.cli", "apply", str(path), "--allow-writes"],
        env=env, capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr + proc.stdout
    report = json.loads(proc.stdout)
    assert report["status"] == "completed"
    assert report["summary"] == {"done": 250, "failed": 0, "refused": 0, "not_sent": 0}
    created = [a for a in loopback.sandbox.state.agents if a.startswith("new")]
    assert len(created) == 250
    assert [r["action"] for r in loopback.writes()] == ["batch_create_agents"] * len(plan["requests"])


async def test_mixed_plan_keeps_order(make_server, loopback):
    async with make_server(env=loopback.env(), overrides=DRY) as s:
        await s.client.call_tool("create_group", {"name": "Night shift", "agent_priorities": {"jane@example.com": "normal"}})
        for n in range(3):
            await s.client.call_tool("create_agent", agent(n))
        await s.client.call_tool("update_group", {"id": 1, "name": "Sales EMEA"})
        plan = tool_payload(await s.client.call_tool("get_plan", {"requests": True}))
    assert [r["action"] for r in plan["requests"]] == ["create_group", "batch_create_agents", "update_group"]
    assert [r["steps"] for r in plan["requests"]] == [[1], [2, 3, 4], [5]]


async def test_batch_tool_calls_are_planned_per_item(make_server, loopback):
    async with make_server(env=loopback.env(), overrides=DRY) as s:
        await s.client.call_tool("batch_create_agents", {"requests": [agent(1), agent(2)]})
        await s.client.call_tool("create_agent", agent(3))
        plan = tool_payload(await s.client.call_tool("get_plan", {"requests": True}))
        cleared = tool_payload(await s.client.call_tool("clear_plan", {}))
        empty = tool_payload(await s.client.call_tool("get_plan", {"requests": True}))
    assert len(plan["steps"]) == 3 and len(plan["requests"]) == 1
    assert cleared == {"cleared_steps": 3}
    assert empty["steps"] == []


async def _plan(make_server, loopback, calls):
    return await plan_of(make_server, loopback, calls, requests=True)


async def test_edited_plan_with_a_refused_request_sends_nothing(make_server, loopback):
    plan = await _plan(make_server, loopback, [("create_tag", {"name": "alpha"})])
    # A reviewer (or an attacker) slips a destructive request into the document.
    plan["requests"].append({"action": "delete_agent", "method": "POST", "url": "x", "headers": {},
                             "body": {"id": "john@example.com"}, "steps": [2], "request": 2})
    async with make_server(env=loopback.env(), overrides=Overrides(allow_writes=True)) as s:
        result = await s.client.call_tool("apply_plan", {"plan": plan})
    report = tool_payload(result)
    assert result.is_error
    assert report["steps"][1]["status"] == "refused"
    assert report["steps"][1]["error"]["rule"] == "allow_destructive"
    assert report["steps"][0]["status"] == "not_sent"  # checked before anything was sent
    assert "warning" in report  # the digest no longer matches
    assert loopback.requests() == []
    assert "john@example.com" in loopback.sandbox.state.agents


async def test_partial_failure_reports_the_item_and_the_rest_are_done(make_server, loopback):
    plan = await _plan(
        make_server, loopback,
        [("create_agent", agent(1)), ("create_agent", {"id": "jane@example.com", "name": "Dup"}),
         ("create_agent", agent(2)), ("create_tag", {"name": "after"})],
    )
    async with make_server(env=loopback.env(), overrides=Overrides(allow_writes=True)) as s:
        # The checks expect step 2 to fail (jane exists): sent anyway, to see LiveChat's per-item answer.
        result = await s.client.call_tool("apply_plan", {"plan": plan, "send_expected_failures": True})
        report = tool_payload(result)
        # Applied again, every step anew (steps 1 and 3 were done: without again, nothing would be sent).
        cont = await s.client.call_tool("apply_plan", {"plan": plan, "continue_on_error": True,
                                                       "send_expected_failures": True, "again": True})
    statuses = [st["status"] for st in report["steps"]]
    assert statuses == ["done", "failed", "done", "not_sent"]  # stops after the failing request
    assert report["steps"][1]["error"]["type"] == "already_exists"
    assert report["status"] == "stopped"
    # continue_on_error goes on to the tag (the agents now exist, so all three fail)
    cont_steps = [st["status"] for st in tool_payload(cont)["steps"]]
    assert cont_steps == ["failed", "failed", "failed", "done"]
    assert "after" in loopback.sandbox.state.tags


async def test_apply_plan_is_listed_only_when_writes_are_allowed(make_server):
    async with make_server(sandbox=True, overrides=DRY) as s:
        names = {t.name for t in (await s.client.list_tools()).tools}
        refused = await s.client.call_tool("apply_plan", {"plan": {}})
    assert {"get_plan", "clear_plan"} <= names and "apply_plan" not in names
    assert refused.is_error and tool_payload(refused)["error"]["type"] == "refused"
    async with make_server(sandbox=True) as s:
        names = {t.name for t in (await s.client.list_tools()).tools}
    assert not {"get_plan", "apply_plan"} & names
    async with make_server(sandbox=True, overrides=Overrides(allow_writes=True)) as s:
        names = {t.name for t in (await s.client.list_tools()).tools}
        bad = await s.client.call_tool("apply_plan", {"plan": {"kind": "something else"}})
    assert "apply_plan" in names
    assert bad.is_error and "not a livechat-mcp plan" in tool_payload(bad)["error"]["message"]


async def test_apply_reports_progress(make_server, loopback):
    plan = await _plan(make_server, loopback, [("create_tag", {"name": "p1"}),
                                               ("create_group", {"name": "P", "agent_priorities": {"jane@example.com": "first"}})])
    seen: list[tuple[float, float | None, str | None]] = []

    async def on_progress(progress, total, message):
        seen.append((progress, total, message))

    async with make_server(env=loopback.env(), overrides=Overrides(allow_writes=True)) as s:
        result = await s.client.call_tool("apply_plan", {"plan": plan}, progress_callback=on_progress)
    assert not result.is_error
    assert len(seen) >= 2 and seen[-1][0] == seen[-1][1] == 2


async def test_plans_are_per_session(make_server, loopback):
    async with make_server(env=loopback.env(), overrides=DRY) as s:
        await s.client.call_tool("create_tag", {"name": "one"})
        other = await s.runtime.pipeline.plans.load("http:another-session")
        assert other.steps == []
        assert len((await s.runtime.pipeline.plans.load("process")).steps) == 1


async def test_a_sessions_plan_expires_after_its_lifetime_without_changes(make_server, loopback):
    """Working plans live in the state store with a lifetime (server/plans/working.py): the old
    cap on how many sessions' plans are kept became a TTL renewed by every change."""
    from server.plans.working import NS, TTL, WorkingPlans
    from server.store.memory import MemoryStore
    from server.tools import catalog

    now = [0.0]
    store = MemoryStore(clock=lambda: now[0])
    plans = WorkingPlans(store)
    async with plans.edit("http:first") as plan:
        plan.add(catalog()["create_tag"], {"name": "kept"})
    async with plans.edit("http:other") as plan:
        plan.add(catalog()["create_tag"], {"name": "dropped"})
    now[0] = TTL * 0.75
    async with plans.edit("http:first") as plan:  # a change renews its lifetime
        plan.add(catalog()["create_tag"], {"name": "kept too"})
    now[0] = TTL * 1.25
    assert [s.body["name"] for s in (await plans.load("http:first")).steps] == ["kept", "kept too"]
    assert (await plans.load("http:other")).steps == []  # gone, and starts afresh
    assert (await store.read_log(NS, plans.key("http:other"), since=None)).head is None  # the store keeps it no more
    assert (await store.read_log(NS, plans.key("http:first"), since=None)).head is not None
    assert [s.body["name"] for s in (await WorkingPlans(store).load("http:first")).steps] == ["kept", "kept too"]


async def test_session_less_http_clients_get_their_own_plan():
    """Protocol 2026-07-28 has no session id: plans are kept per token and client name."""
    from mcp import Client
    from mcp_types import Implementation

    from conftest import spawned_http_server

    with spawned_http_server("--sandbox", "--dry-run") as url:
        def client(name: str) -> Client:
            return Client(url, mode="auto", client_info=Implementation(name=name, version="1"))

        async with client("alpha") as alpha, client("beta") as beta, client("alpha") as alpha_again:
            assert tool_payload(await alpha.call_tool("create_tag", {"name": "from-alpha"}))["planned"] is True
            assert tool_payload(await beta.call_tool("get_plan", {"requests": True}))["steps"] == []
            assert tool_payload(await beta.call_tool("clear_plan", {})) == {"cleared_steps": 0}
            steps = tool_payload(await alpha_again.call_tool("get_plan", {"requests": True}))["steps"]
        assert [s["body"] for s in steps] == [{"name": "from-alpha"}]  # same client, same plan


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda plan: plan["requests"][0].update(steps=[]), "non-empty list"),
        (lambda plan: plan["requests"][0].update(steps=[1, 2]), "one step"),
        (lambda plan: plan["requests"][1].update(steps=[1]), "repeats a step"),
        (lambda plan: plan["requests"][0].update(steps=[True]), "non-empty list"),
    ],
    ids=["no-steps", "two-steps-for-one-request", "duplicate-step", "bool-step"],
)
async def test_malformed_step_numbers_are_refused_before_anything_is_sent(make_server, loopback, edit, message):
    plan = await _plan(make_server, loopback, [("create_tag", {"name": "one"}), ("create_tag", {"name": "two"}),
                                               ("create_group", {"name": "Three", "agent_priorities": {}})])
    edit(plan)
    async with make_server(env=loopback.env(), overrides=Overrides(allow_writes=True)) as s:
        result = await s.client.call_tool("apply_plan", {"plan": plan})
    assert result.is_error and message in tool_payload(result)["error"]["message"]
    assert loopback.requests() == []


async def test_apply_sends_the_validated_payload_and_flags_a_missing_digest(make_server, loopback):
    plan = await _plan(make_server, loopback, [("create_tag", {"name": "tidy"})])
    del plan["mac"]  # the digest became a keyed MAC (issue 11)
    async with make_server(env=loopback.env(), overrides=Overrides(allow_writes=True)) as s:
        # Without a MAC the plan is refused (issue 11); only the explicit override applies it.
        refused = tool_payload(await s.client.call_tool("apply_plan", {"plan": plan}))
        assert refused["status"] == "refused" and loopback.requests() == []
        report = tool_payload(await s.client.call_tool("apply_plan", {"plan": plan, "accept_edited": True}))
    assert report["status"] == "completed"
    assert [r["body"] for r in loopback.writes()] == [{"name": "tidy"}]
    assert "no digest" in report["warning"]
    # An edited null is refused as on a direct call (types are strict, and no schema has null):
    # the validated payload, not the edited body, is what apply would send.
    loopback.sandbox.requests.clear()
    plan["requests"][0]["body"]["group_ids"] = None
    async with make_server(env=loopback.env(), overrides=Overrides(allow_writes=True)) as s:
        report = tool_payload(await s.client.call_tool("apply_plan", {"plan": plan}))
    assert report["status"] != "completed" and loopback.requests() == []
    assert "group_ids" in json.dumps(report)
    # Accepted as an edit, the step's null is re-validated like a direct call's: refused, nothing sent.
    plan["steps"][0]["body"]["group_ids"] = None
    async with make_server(env=loopback.env(), overrides=Overrides(allow_writes=True)) as s:
        report = tool_payload(await s.client.call_tool("apply_plan", {"plan": plan, "accept_edited": True}))
    assert report["steps"][0]["status"] == "refused" and loopback.requests() == []
    assert "group_ids" in report["steps"][0]["error"]["message"]
