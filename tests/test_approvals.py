"""Approvals for teams (issue 28): the policy key, what it does to writes, and the approval rule."""

from __future__ import annotations

from pathlib import Path

import pytest
from mcp import Client

from conftest import open_runtime, tool_payload
from server.doors.mcp_app import LiveChatMCP
from server.policies import PolicyContext
from server.policies.loader import build_policy
from server.tools import catalog

pytestmark = pytest.mark.anyio

APPROVALS = 'approvals = {required = 1, approver_roles = ["owner", "viceowner"]}\n'


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "team.toml"
    path.write_text(text)
    return str(path)


def test_with_approvals_every_write_is_planned_and_an_applied_step_is_decided_as_without_them() -> None:
    team = build_policy({"mode": "read-write", "allow_destructive": False, "confirm": "never",
                         "approvals": {"required": 2, "approver_roles": ["owner"]}}, "test")
    ctx = PolicyContext(team, None, "test")
    update, delete, read = catalog()["update_agent"], catalog()["delete_agent"], catalog()["list_agents"]
    assert ctx.decide(update).planned and ctx.decide(update).rule == "approvals"
    assert "2 approvals by people with role owner" in ctx.decide(update).reason
    assert ctx.decide(read).outcome == "allow"
    assert ctx.decide(delete).rule == "allow_destructive"  # rules 1-6 still refuse first
    assert ctx.decide_applied(update).outcome == "allow"
    assert ctx.decide_applied(delete).outcome == "refuse"
    assert team.plans_writes and team.applies_own_plans


def test_dry_run_applies_its_own_plan_only_when_confirm_is_writes() -> None:
    update = catalog()["update_agent"]
    for confirm, outcome in (("never", "refuse"), ("destructive", "refuse"), ("writes", "confirm")):
        policy = build_policy({"mode": "dry-run", "confirm": confirm}, "test")
        assert PolicyContext(policy, None, "test").decide_applied(update).outcome == outcome, confirm
        assert policy.applies_own_plans is (confirm == "writes")


async def test_a_team_deployment_plans_writes_and_refuses_to_apply_them_unapproved(tmp_path: Path) -> None:
    policy = write(tmp_path, 'mode = "read-write"\n' + APPROVALS)
    async with open_runtime(sandbox=True, policy=policy) as rt:
        async with Client(LiveChatMCP(rt).server, mode="legacy") as client:
            names = {t.name for t in (await client.list_tools()).tools}
            assert {"get_plan", "clear_plan", "apply_plan"} <= names
            planned = tool_payload(await client.call_tool("update_agent", {"id": "john@example.com", "job_title": "A"}))
            assert planned["planned"] is True
            doc = tool_payload(await client.call_tool("get_plan", {}))
            rt.sandbox.requests.clear()
            result = await client.call_tool("apply_plan", {"plan_id": doc["plan_id"], "mac": doc["mac"]})
            assert result.is_error and tool_payload(result)["error"]["rule"] == "approval"
            result = await client.call_tool("apply_plan", {"plan": doc})
            assert result.is_error and tool_payload(result)["error"]["rule"] == "approval"
    assert [r for r in rt.sandbox.requests if r["action"] == "update_agent"] == []
