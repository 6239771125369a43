"""Stale plans are caught (issue 28, item 5): a plan reviewed on Monday and applied on Friday does not
overwrite what colleagues changed in between. Before anything is sent, apply reads the objects
again and compares them with what the reviewer saw (server/plans/stale.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from conftest import DEFAULT_TOKEN, Loopback, plan_of, tool_payload
from server.policies import Overrides

pytestmark = pytest.mark.anyio

DRY = Overrides(dry_run=True, allow_destructive=True)
WRITE = Overrides(allow_writes=True, allow_destructive=True)
JANE = "jane@example.com"


async def _plan(make_server: Any, loopback: Loopback, calls: list[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    return await plan_of(make_server, loopback, calls, overrides=DRY)


def colleague(loopback: Loopback, action: str, body: dict[str, Any]) -> None:
    """A colleague changes the license meanwhile, straight through the (sandbox) API."""
    answer = httpx.post(f"{loopback.url}/v3.6/configuration/action/{action}", json=body,
                        headers={"Authorization": f"Bearer {DEFAULT_TOKEN}"}, timeout=10)
    assert answer.status_code == 200, answer.text


def cli(loopback: Loopback, *args: str) -> tuple[subprocess.CompletedProcess[str], Any]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIVECHAT_")} | loopback.env()
    done = subprocess.run([sys.executable, "-m", "server.doors.cli", *args], env=env, capture_output=True,
                          text=True, timeout=120)
    assert "Traceback" not in done.stderr, done.stderr
    return done, json.loads(done.stdout) if done.stdout.strip() else None


async def test_an_update_and_a_delete_changed_since_review_are_refused_until_accepted(
        make_server, loopback, tmp_path: Path):
    plan = await _plan(make_server, loopback, [("update_agent", {"id": JANE, "job_title": "Team lead"}),
                                               ("delete_tag", {"name": "sales"})])
    reviewed_title = plan["steps"][0]["changes"]["job_title"]["before"]
    assert plan["steps"][1]["lost"]["group_ids"] == [0, 1]  # what the reviewer saw the delete lose
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan))
    # Between review and apply, colleagues change both objects.
    colleague(loopback, "update_agent", {"id": JANE, "job_title": "Support"})
    colleague(loopback, "update_tag", {"name": "sales", "group_ids": [0, 1, 2]})
    loopback.sandbox.requests.clear()

    refused, report = cli(loopback, "apply", str(path), "--allow-writes", "--allow-destructive")
    assert refused.returncode == 1 and report["status"] == "stopped"
    assert loopback.writes() == []  # nothing of either was sent
    update, delete = report["steps"]
    assert update["status"] == delete["status"] == "refused"
    assert update["error"]["rule"] == delete["error"]["rule"] == "changed_since_planned"
    assert update["error"]["fields"] == {"job_title": {"before": reviewed_title, "now": "Support", "after": "Team lead"}}
    assert delete["error"]["fields"] == {"group_ids": {"before": [0, 1], "now": [0, 1, 2]}}
    assert "--accept-changed" in update["error"]["how_to_allow"]
    assert loopback.sandbox.state.agents[JANE]["job_title"] == "Support" and "sales" in loopback.sandbox.state.tags

    accepted, report = cli(loopback, "apply", str(path), "--allow-writes", "--allow-destructive", "--accept-changed")
    assert accepted.returncode == 0 and report["status"] == "completed", accepted.stderr
    assert [r["action"] for r in loopback.writes()] == ["update_agent", "delete_tag"]
    assert set(report["changed_since_planned"]["steps"]) == {"1", "2"}  # said, though sent
    assert loopback.sandbox.state.agents[JANE]["job_title"] == "Team lead" and "sales" not in loopback.sandbox.state.tags


async def test_an_unchanged_plan_applies_and_an_object_changed_to_the_planned_value_is_no_conflict(
        make_server, loopback):
    plan = await _plan(make_server, loopback, [("update_agent", {"id": JANE, "job_title": "Same idea"}),
                                               ("update_tag", {"name": "support", "group_ids": [0]})])
    colleague(loopback, "update_agent", {"id": JANE, "job_title": "Same idea"})  # what the step sets anyway
    colleague(loopback, "update_agent", {"id": JANE, "max_chats_count": 3})  # a field the step leaves alone
    async with make_server(env=loopback.env(), overrides=WRITE) as s:
        report = tool_payload(await s.client.call_tool("apply_plan", {"plan": plan}))
    assert report["status"] == "completed", report
    assert "changed_since_planned" not in json.dumps(report)


async def test_a_gone_object_a_created_one_and_what_depends_on_them(make_server, loopback):
    john = "john@example.com"
    plan = await _plan(make_server, loopback, [
        ("create_tag", {"name": "newcomer"}),
        ("update_agent", {"id": john, "job_title": "Night shift"}),
        ("create_group", {"name": "Independent", "agent_priorities": {}}),
        ("update_agent", {"id": JANE, "job_title": "Night shift"}),
        ("update_agent", {"id": JANE, "max_chats_count": 4}),  # the same agent as step 4, a field nobody changed
        ("create_group", {"name": "Also independent", "agent_priorities": {}}),
    ])
    colleague(loopback, "create_tag", {"name": "newcomer"})  # appeared since planning
    colleague(loopback, "delete_agent", {"id": john})  # gone since planning
    colleague(loopback, "update_agent", {"id": JANE, "job_title": "Day shift"})  # changed since planning
    loopback.sandbox.requests.clear()
    async with make_server(env=loopback.env(), overrides=WRITE) as s:
        stopped = tool_payload(await s.client.call_tool("apply_plan", {"plan": plan}))
        assert loopback.writes() == []  # refused before anything was sent
        carried = tool_payload(await s.client.call_tool("apply_plan", {"plan": plan, "continue_on_error": True}))
    steps = {st["step"]: st for st in stopped["steps"]}
    assert steps[1]["status"] == "refused" and steps[1]["error"]["type"] == "already_exists"
    assert steps[1]["error"]["rule"] == "changed_since_planned" and steps[1]["error"]["now"]["name"] == "newcomer"
    assert steps[2]["status"] == "refused" and steps[2]["error"]["gone"] is True
    assert steps[2]["error"]["after"] == {"job_title": "Night shift"}
    assert steps[4]["error"]["fields"]["job_title"]["now"] == "Day shift"
    assert steps[5]["status"] == "not_sent" and steps[5]["error"]["type"] == "dependency", steps[5]
    assert "step 4" in steps[5]["error"]["message"]
    # Going on past refusals sends what does not depend on them, and never the dependent step.
    statuses = {st["step"]: st["status"] for st in carried["steps"]}
    assert statuses == {1: "refused", 2: "refused", 3: "done", 4: "refused", 5: "not_sent", 6: "done"}
    assert [r["action"] for r in loopback.writes()] == ["create_group", "create_group"]
    assert loopback.sandbox.state.agents[JANE]["max_chats_count"] != 4


async def test_a_plan_not_checked_when_planned_says_it_could_not_be_compared(make_server, loopback):
    async with make_server(env=loopback.env(), overrides=DRY) as s:
        await s.client.call_tool("get_plan", {"check": False})
        await s.client.call_tool("update_agent", {"id": JANE, "job_title": "Unchecked"})
        plan = tool_payload(await s.client.call_tool("get_plan", {}))
    loopback.planned()
    assert plan["checks"]["checked"] is False
    colleague(loopback, "update_agent", {"id": JANE, "job_title": "Changed meanwhile"})
    async with make_server(env=loopback.env(), overrides=WRITE) as s:
        report = tool_payload(await s.client.call_tool("apply_plan", {"plan": plan}))
    assert report["status"] == "completed"
    assert report["not_compared"] == [{"steps": "1", "why": report["not_compared"][0]["why"]}]
    assert "not checked" in report["not_compared"][0]["why"]


async def test_what_changes_by_itself_is_no_conflict(make_server, loopback):
    """A group's routing status follows its agents' logins, an agent's last logout their sessions:
    a delete is not refused because someone went offline meanwhile."""
    group = next(g for g in loopback.sandbox.state.groups.values() if g["name"] == "Billing")
    plan = await _plan(make_server, loopback, [("delete_group", {"id": group["id"]})])
    assert plan["steps"][0]["lost"]["routing_status"] == group["routing_status"]
    group["routing_status"] = "accepting_chats" if group["routing_status"] != "accepting_chats" else "offline"
    async with make_server(env=loopback.env(), overrides=WRITE) as s:
        report = tool_payload(await s.client.call_tool("apply_plan", {"plan": plan}))
    assert report["status"] == "completed", report
    assert group["id"] not in loopback.sandbox.state.groups
