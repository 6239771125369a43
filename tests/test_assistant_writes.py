"""Writes tell the assistant what matters (issue 18, item 4): the caveat in the tool's own
description, and a tag "rename" that a plan carries out without a half-done state."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import tool_payload
from server.policies import Overrides
from server.tools import catalog
from server.tools.agents import _NOT_PUBLIC

pytestmark = pytest.mark.anyio


async def listed(make_server: Any, **kw: Any) -> dict[str, Any]:
    async with make_server(sandbox=True, policy="full-access", **kw) as s:
        return {t.name: t for t in (await s.client.list_tools()).tools}


async def test_not_public_methods_say_so_in_the_listed_description(make_server):
    tools = await listed(make_server)
    not_public = [a.name for a in catalog().values() if a.notes == _NOT_PUBLIC]
    assert {"approve_agent", "suspend_agent", "unsuspend_agent", "batch_approve_agents"} <= set(not_public)
    for name in not_public:
        assert "Not public" in tools[name].description, name


async def test_tag_tools_describe_the_rename_route(make_server):
    tools = await listed(make_server)
    for name in ("create_tag", "update_tag"):
        text = tools[name].description
        assert "cannot be renamed" in text and text.index("create_tag") < text.index("delete_tag"), name
    assert "create_tag" in tools["delete_tag"].description


async def test_other_caveats_reach_the_description(make_server):
    tools = await listed(make_server)
    assert "owner cannot be deleted" in tools["delete_agent"].description
    assert "every call sends another email" in tools["request_agent_unsuspension"].description
    assert "private" in tools["check_product_limits_for_plan"].description
    assert "issue_bot_token" in tools["create_bot"].description


async def plan_rename(make_server: Any, loopback: Any, new: str, old: str) -> dict[str, Any]:
    async with make_server(env=loopback.env(), policy="dry-run-admin") as s:
        for name, args in (("create_tag", {"name": new, "group_ids": [0, 1]}), ("delete_tag", {"name": old})):
            result = await s.client.call_tool(name, args)
            assert not result.is_error and tool_payload(result)["planned"], tool_payload(result)
        plan = tool_payload(await s.client.call_tool("get_plan", {"requests": True}))
    loopback.planned()
    return plan


async def apply(make_server: Any, loopback: Any, plan: dict[str, Any]) -> tuple[bool, dict[str, Any]]:
    async with make_server(env=loopback.env(), policy="full-access") as s:
        result = await s.client.call_tool("apply_plan", {"plan": plan})
        return bool(result.is_error), tool_payload(result)


async def test_rename_by_plan_creates_then_deletes(make_server, loopback):
    plan = await plan_rename(make_server, loopback, "sales-emea", "sales")
    assert [r["action"] for r in plan["requests"]] == ["create_tag", "delete_tag"]
    failed, report = await apply(make_server, loopback, plan)
    assert not failed, report
    tags = loopback.sandbox.state.tags
    assert "sales-emea" in tags and "sales" not in tags and tags["sales-emea"]["group_ids"] == [0, 1]


async def test_a_failed_create_leaves_the_old_tag_in_place(make_server, loopback):
    plan = await plan_rename(make_server, loopback, "SUPPORT", "support")  # the name exists, any case
    failed, report = await apply(make_server, loopback, plan)
    assert failed
    statuses = [step["status"] for step in report["steps"]]
    assert statuses == ["failed", "not_sent"], report
    assert "support" in loopback.sandbox.state.tags  # not deleted: no half-done rename
    assert [r["action"] for r in loopback.writes()] == ["create_tag"]


async def test_dry_run_write_answer_is_unchanged_by_outcomes(make_server, loopback):
    async with make_server(env=loopback.env(), overrides=Overrides(dry_run=True)) as s:
        planned = tool_payload(await s.client.call_tool("update_agent", {"id": "john@example.com", "mobile": "1"}))
    assert planned["planned"] is True and "outcome" not in planned
