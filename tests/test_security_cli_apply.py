"""Issue 11, item 6: `livechat-mcp apply` is the same door as the apply_plan tool (deny_tools,
audit, chunking), and a hostile document (nesting bomb, a million steps, huge strings) is a clean
error naming the cap, never a traceback; item 3: a planning call and a plan are capped."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from conftest import Loopback, tool_payload
from server.plans.document import (
    KIND,
    MAX_CALL_STEPS,
    MAX_DOCUMENT_BYTES,
    MAX_PLAN_BYTES,
    MAX_PLAN_STEPS,
    SCHEMA_VERSION,
)
from server.policies import Overrides

pytestmark = pytest.mark.anyio

DRY = Overrides(dry_run=True)


def agent(n: int) -> dict[str, str]:
    return {"id": f"cli{n:04d}@example.com", "name": f"CLI Agent {n}"}


async def make_plan(make_server: Any, loopback: Loopback, calls: list[tuple[str, dict]], **kw: Any) -> dict:
    async with make_server(env=loopback.env(), overrides=kw.pop("overrides", DRY), **kw) as s:
        for name, args in calls:
            result = await s.client.call_tool(name, args)
            assert not result.is_error, tool_payload(result)
        plan = tool_payload(await s.client.call_tool("get_plan", {"requests": True}))
    loopback.planned()
    return plan


def cli_apply(loopback: Loopback, plan_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIVECHAT_")} | loopback.env()
    return subprocess.run([sys.executable, "-m", "server.doors.cli", "apply", str(plan_path), *args],
                          env=env, capture_output=True, text=True, timeout=120)


def write(tmp_path: Path, name: str, value: Any) -> Path:
    path = tmp_path / name
    path.write_text(value if isinstance(value, str) else json.dumps(value))
    return path


async def test_deny_tools_apply_plan_also_refuses_cli_apply(make_server, loopback, tmp_path):
    plan = write(tmp_path, "plan.json", await make_plan(make_server, loopback, [("create_tag", {"name": "x"})]))
    policy = write(tmp_path, "p.toml", 'mode = "read-write"\ndeny_tools = ["apply_plan"]\n')
    proc = cli_apply(loopback, plan, "--policy", str(policy))
    assert proc.returncode != 0
    assert "deny_tools" in proc.stderr and "apply_plan" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert loopback.requests() == []


async def test_cli_apply_needs_a_policy_that_lists_apply_plan(make_server, loopback, tmp_path):
    plan = write(tmp_path, "plan.json", await make_plan(make_server, loopback, [("create_tag", {"name": "x"})]))
    proc = cli_apply(loopback, plan)  # read-only default: apply_plan is not offered, so not run
    assert proc.returncode != 0 and "--allow-writes" in proc.stderr
    assert loopback.requests() == []


async def test_every_refused_request_of_a_plan_is_audited(make_server, loopback, tmp_path):
    calls = [("create_tag", {"name": "keep"}), ("delete_agent", {"id": "john@example.com"}),
             ("create_tag", {"name": "keep2"}), ("delete_group", {"id": 1})]
    plan = write(tmp_path, "plan.json", await make_plan(
        make_server, loopback, calls, overrides=Overrides(dry_run=True, allow_destructive=True)))
    proc = cli_apply(loopback, plan, "--allow-writes", "--audit-log", "-")
    assert proc.returncode == 1
    report = json.loads(proc.stdout)
    assert [s["status"] for s in report["steps"]] == ["not_sent", "refused", "not_sent", "refused"]
    audited = [json.loads(line) for line in proc.stderr.splitlines() if line.startswith("{")]
    refused = [(a["tool"], a["rule"]) for a in audited if a["decision"] == "refused"]
    assert ("delete_agent", "allow_destructive") in refused and ("delete_group", "allow_destructive") in refused
    assert audited[-1]["tool"] == "apply_plan"  # and the apply itself, as over MCP
    assert loopback.requests() == []


async def test_plan_batches_are_chunked_to_the_appliers_max_batch_size(make_server, loopback, tmp_path):
    plan = await make_plan(make_server, loopback, [("create_agent", agent(n)) for n in range(45)])
    assert [len(r["body"]["requests"]) for r in plan["requests"]] == [45]  # planned with max_batch_size 50
    policy = write(tmp_path, "p.toml", 'mode = "read-write"\nmax_batch_size = 20\n')
    proc = cli_apply(loopback, write(tmp_path, "plan.json", plan), "--policy", str(policy))
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["summary"]["done"] == 45
    sent = [len(r["body"]["requests"]) for r in loopback.writes()]
    assert sent == [20, 20, 5]  # as a direct batch call of 45 would go


async def test_tool_apply_chunks_too(make_server, loopback, tmp_path):
    plan = await make_plan(make_server, loopback, [("create_agent", agent(n)) for n in range(12)])
    policy = write(tmp_path, "p.toml", 'mode = "read-write"\nmax_batch_size = 5\n')
    async with make_server(env=loopback.env(), policy=str(policy)) as s:
        report = tool_payload(await s.client.call_tool("apply_plan", {"plan": plan}))
    assert report["status"] == "completed"
    assert [len(r["body"]["requests"]) for r in loopback.writes()] == [5, 5, 2]


def _nested(depth: int) -> str:
    return '{"kind": "%s", "schema_version": %d, "steps": %s0%s}' % (KIND, SCHEMA_VERSION, "[" * depth, "]" * depth)


@pytest.mark.parametrize("depth", [40, 5_000, 1_000_000])
def test_a_nesting_bomb_is_a_clean_error(loopback, tmp_path, depth):
    proc = cli_apply(loopback, write(tmp_path, "bomb.json", _nested(depth)), "--allow-writes")
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr and "RecursionError" not in proc.stderr
    assert "MAX_DOCUMENT_DEPTH" in proc.stderr and "plan not applied" in proc.stderr.lower()
    assert loopback.requests() == []


def test_a_million_steps_is_a_clean_error(loopback, tmp_path):
    doc = '{"kind": "%s", "schema_version": %d, "max_batch_size": 50, "requests": [], "steps": [%s]}' % (
        KIND, SCHEMA_VERSION, ",".join(['{"step":1,"action":"create_tag","body":{}}'] * 10**6))
    path = write(tmp_path, "huge.json", doc)
    proc = cli_apply(loopback, path, "--allow-writes")
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    assert "MAX_DOCUMENT_BYTES" in proc.stderr or "MAX_PLAN_STEPS" in proc.stderr
    small = '{"kind": "%s", "schema_version": %d, "max_batch_size": 50, "requests": [], "steps": [%s]}' % (
        KIND, SCHEMA_VERSION, ",".join(["{}"] * 10**6))  # 3 MB: under the byte cap, over the step cap
    proc = cli_apply(loopback, write(tmp_path, "many.json", small), "--allow-writes")
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    assert "MAX_PLAN_STEPS" in proc.stderr and f"{MAX_PLAN_STEPS}" in proc.stderr
    assert loopback.requests() == []


def test_a_huge_string_is_a_clean_error(loopback, tmp_path):
    doc = {"kind": KIND, "schema_version": SCHEMA_VERSION, "max_batch_size": 50, "requests": [],
           "steps": [{"step": 1, "action": "create_tag", "body": {"name": "x" * (MAX_DOCUMENT_BYTES + 10)}}]}
    proc = cli_apply(loopback, write(tmp_path, "big.json", doc), "--allow-writes")
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    assert "MAX_DOCUMENT_BYTES" in proc.stderr
    assert loopback.requests() == []


async def test_tool_apply_refuses_deep_and_huge_documents_cleanly(make_server, loopback):
    deep: Any = 0
    for _ in range(60):
        deep = [deep]
    huge = {"kind": KIND, "schema_version": SCHEMA_VERSION, "max_batch_size": 50, "requests": [],
            "steps": [{"step": n, "action": "create_tag", "body": {"name": f"t{n}"}} for n in range(1, 20_001)]}
    async with make_server(env=loopback.env(), overrides=Overrides(allow_writes=True)) as s:
        nested = await s.client.call_tool("apply_plan", {"plan": {"kind": KIND, "schema_version": 1, "steps": deep}})
        many = await s.client.call_tool("apply_plan", {"plan": huge})
    assert nested.is_error and "MAX_DOCUMENT_DEPTH" in tool_payload(nested)["error"]["message"]
    assert many.is_error and "MAX_PLAN_STEPS" in tool_payload(many)["error"]["message"]
    assert loopback.requests() == []


async def test_one_planning_call_is_capped(make_server, loopback):
    async with make_server(env=loopback.env(), overrides=DRY, policy=None) as s:
        big = await s.client.call_tool(
            "batch_create_agents", {"requests": [agent(n) for n in range(MAX_CALL_STEPS + 1)]})
        plan = tool_payload(await s.client.call_tool("get_plan", {"requests": True}))
    err = tool_payload(big)["error"]
    assert big.is_error and err["type"] == "limit" and "MAX_CALL_STEPS" in err["message"]
    assert "split" in err["message"]
    assert plan["steps"] == []  # nothing of it was added


async def test_one_plan_is_capped_with_what_to_do(make_server, loopback):
    async with make_server(env=loopback.env(), overrides=DRY) as s:
        filler = {"name": "x" * 1000}
        from server.tools import catalog

        async with s.runtime.pipeline.plans.edit("process") as plan:  # this session's plan, in the store
            while plan.size + 2_000 < MAX_PLAN_BYTES and len(plan.steps) < MAX_PLAN_STEPS - 1:
                plan.add(catalog()["create_tag"], filler)
        over = await s.client.call_tool("create_tag", {"name": "y" * 3000})
        err = tool_payload(over)["error"]
        assert over.is_error and err["type"] == "limit" and "MAX_PLAN_BYTES" in err["message"]
        assert "clear_plan" in err["message"] and "apply" in err["message"]
        size = len(plan.steps)
        cleared = tool_payload(await s.client.call_tool("clear_plan", {}))
        assert cleared == {"cleared_steps": size}
        assert not (await s.client.call_tool("create_tag", {"name": "y" * 3000})).is_error
    loopback.planned()


@pytest.mark.parametrize("depth", [50, 200_000])
def test_a_nesting_bomb_over_http_is_a_clean_error(depth):
    import httpx

    from conftest import spawned_http_server

    accept = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
    with spawned_http_server("--sandbox", "--allow-writes") as url:
        opened = httpx.post(url, headers=accept, json={"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
            "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}})
        headers = {**accept, "Mcp-Session-Id": opened.headers["mcp-session-id"], "Mcp-Protocol-Version": "2025-11-25"}
        httpx.post(url, headers=headers, json={"jsonrpc": "2.0", "method": "notifications/initialized"})
        body = ('{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"apply_plan","arguments":{"plan":'
                '{"kind":"%s","schema_version":1,"steps":%s0%s}}}}' % (KIND, "[" * depth, "]" * depth))
        answer = httpx.post(url, headers=headers, content=body, timeout=60)
        assert answer.status_code in (200, 400)
        assert "MAX_DOCUMENT_DEPTH" in answer.text or "recursion limit" in answer.text
        # The server is still up and answering.
        again = httpx.post(url, headers=headers, json={"jsonrpc": "2.0", "id": 2, "method": "tools/list"})
        assert again.status_code == 200 and "apply_plan" in again.text


def test_a_document_of_millions_of_tiny_values_is_a_clean_error(loopback, tmp_path):
    from server.plans.document import MAX_DOCUMENT_VALUES

    doc = '{"kind": "%s", "schema_version": %d, "max_batch_size": 50, "requests": [], "steps": [], "x": [%s]}' % (
        KIND, SCHEMA_VERSION, ",".join(["0"] * (MAX_DOCUMENT_VALUES + 1)))
    proc = cli_apply(loopback, write(tmp_path, "wide.json", doc), "--allow-writes")
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    assert "MAX_DOCUMENT_VALUES" in proc.stderr
    assert loopback.requests() == []
