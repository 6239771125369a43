"""Re-applying a plan never repeats a step by accident (issue 28, item 4): every apply, of a stored
plan or a document, reads the plan's journal (by its MAC); with steps done, nothing is sent until
the person chooses to resume (the rest) or to send again (everything, audited)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from conftest import Loopback, plan_of, tool_payload
from server.policies import Overrides
from server.sandbox.app import Fault

pytestmark = pytest.mark.anyio

DRY = Overrides(dry_run=True)
WRITE = Overrides(allow_writes=True)
GROUP = "Reapply EMEA"
TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


async def _plan(make_server: Any, loopback: Loopback, calls: list[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    return await plan_of(make_server, loopback, calls, overrides=DRY)


def cli(loopback: Loopback, *args: str) -> tuple[subprocess.CompletedProcess[str], Any]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIVECHAT_")} | loopback.env()
    done = subprocess.run([sys.executable, "-m", "server.doors.cli", *args], env=env, capture_output=True,
                          text=True, timeout=120)
    assert "Traceback" not in done.stderr, done.stderr
    return done, json.loads(done.stdout) if done.stdout.strip() else None


def groups_named(loopback: Loopback, name: str) -> int:
    return sum(1 for g in loopback.sandbox.state.groups.values() if g.get("name") == name)


def writes(loopback: Loopback) -> list[str]:
    return [r["action"] for r in loopback.writes()]


@pytest.mark.parametrize("choice", ["--resume", "--again"])
async def test_a_document_applied_again_after_a_stop_sends_nothing_until_the_person_chooses(
        make_server, loopback, tmp_path: Path, choice: str):
    # A group (whose names are not unique: sent twice, there would be two), a tag, an agent.
    tag = f"reapplied{choice.strip('-')}"
    plan = await _plan(make_server, loopback, [
        ("create_group", {"name": GROUP, "agent_priorities": {}}), ("create_tag", {"name": tag}),
        ("create_agent", {"id": f"{tag}@example.com", "name": "Re Applied"})])
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan))
    loopback.sandbox.faults.append(Fault("create_tag", "status", status=400, error_type="validation"))

    first, report = cli(loopback, "apply", str(path), "--allow-writes")
    assert first.returncode == 1 and report["status"] == "stopped"
    assert [s["status"] for s in report["steps"]] == ["done", "failed", "not_sent"]
    assert writes(loopback) == ["create_group", "create_tag"] and groups_named(loopback, GROUP) == 1

    loopback.sandbox.requests.clear()
    repeat, report = cli(loopback, "apply", str(path), "--allow-writes")
    assert repeat.returncode == 1 and loopback.requests() == []  # nothing at all was sent, not even a read
    assert report["status"] == "refused" and report["error"]["rule"] == "already_applied"
    assert report["earlier"]["done_steps"] == "1" and report["earlier"]["last_done_at"]
    done = report["steps"][0]
    assert done["status"] == "done" and done["done_at"] and done["result"]["id"] is not None  # when, and what it answered
    # One time form across a plan's answers (the document's created_at, the lifecycle's, these): to the second, in Z.
    assert TIME.fullmatch(done["done_at"]) and TIME.fullmatch(report["earlier"]["first_done_at"])
    assert TIME.fullmatch(plan["created_at"]) and "+00:00" not in repeat.stderr
    assert "--resume" in repeat.stderr and "--again" in repeat.stderr

    chosen, report = cli(loopback, "apply", str(path), "--allow-writes", choice)
    assert chosen.returncode == 0 and report["status"] == "completed", chosen.stderr
    if choice == "--resume":  # only the rest: the group is not created twice
        assert writes(loopback) == ["create_tag", "create_agent"]
        assert groups_named(loopback, GROUP) == 1
        assert report["steps"][0]["journal"] is True
    else:  # everything anew, as asked: a second group of that name
        assert writes(loopback) == ["create_group", "create_tag", "create_agent"]
        assert groups_named(loopback, GROUP) == 2
    assert tag in loopback.sandbox.state.tags


async def test_apply_plan_asks_the_same_choice_and_sending_again_is_audited(make_server, loopback, tmp_path: Path):
    plan = await _plan(make_server, loopback, [("create_group", {"name": "Audited again", "agent_priorities": {}}),
                                               ("create_tag", {"name": "audited-again"})])
    audit = tmp_path / "audit.jsonl"
    loopback.sandbox.faults.append(Fault("create_tag", "status", status=400, error_type="validation"))
    async with make_server(env=loopback.env(), overrides=WRITE, audit_log=str(audit)) as s:
        first = tool_payload(await s.client.call_tool("apply_plan", {"plan": plan}))
        assert first["status"] == "stopped"
        loopback.sandbox.requests.clear()
        repeat = await s.client.call_tool("apply_plan", {"plan": plan})
        both = await s.client.call_tool("apply_plan", {"plan": plan, "resume": True, "again": True})
        assert loopback.requests() == []
        again = tool_payload(await s.client.call_tool("apply_plan", {"plan": plan, "again": True}))
        # Done in full now: applied once more, it says so and sends nothing (not an error).
        loopback.sandbox.requests.clear()
        full = await s.client.call_tool("apply_plan", {"plan_id": plan["plan_id"], "mac": plan["mac"]})
    assert repeat.is_error and tool_payload(repeat)["error"]["rule"] == "already_applied"
    assert both.is_error and tool_payload(both)["error"]["type"] == "validation"
    assert again["status"] == "completed" and groups_named(loopback, "Audited again") == 2
    assert not full.is_error and tool_payload(full)["status"] == "already_applied" and loopback.requests() == []
    assert "--again" in tool_payload(full)["message"]
    lines = [json.loads(line) for line in audit.read_text().splitlines()]
    chosen = [line for line in lines if line["rule"] == "again"]
    assert len(chosen) == 1 and chosen[0]["tool"] == "apply_plan"
    assert chosen[0]["outcome"] == {"again": True, "plan_id": plan["plan_id"], "done_earlier": "1"}


async def test_a_resumed_plan_expects_what_its_own_earlier_steps_changed(make_server, loopback):
    """A later step on an object an earlier, done step changed is compared with what that step set,
    not with the license as it was before the plan: resuming is not refused as stale."""
    jane = "jane@example.com"
    plan = await _plan(make_server, loopback, [
        ("update_agent", {"id": jane, "job_title": "First title"}), ("create_tag", {"name": "between"}),
        ("update_agent", {"id": jane, "job_title": "Second title"})])
    loopback.sandbox.faults.append(Fault("create_tag", "status", status=400, error_type="validation"))
    async with make_server(env=loopback.env(), overrides=WRITE) as s:
        first = tool_payload(await s.client.call_tool("apply_plan", {"plan": plan}))
        resumed = tool_payload(await s.client.call_tool("apply_plan", {"plan": plan, "resume": True}))
    assert [st["status"] for st in first["steps"]] == ["done", "failed", "not_sent"]
    assert resumed["status"] == "completed", resumed
    assert loopback.sandbox.state.agents[jane]["job_title"] == "Second title"


async def test_the_same_plan_asked_for_twice_is_one_plan_applied_once(make_server, loopback):
    """get_plan asked again later (the person wants to see it again) signs the same document, so
    applying both answers does not send the plan twice; planning the same steps anew is another plan."""
    async with make_server(env=loopback.env(), overrides=DRY) as s:
        await s.client.call_tool("create_group", {"name": "Asked twice", "agent_priorities": {}})
        first = tool_payload(await s.client.call_tool("get_plan", {"view": "summary"}))
        time.sleep(1.05)  # another second: the document's created_at is when the plan began, not when asked
        again = tool_payload(await s.client.call_tool("get_plan", {"view": "summary"}))
        await s.client.call_tool("clear_plan", {})
        await s.client.call_tool("create_group", {"name": "Asked twice", "agent_priorities": {}})
        anew = tool_payload(await s.client.call_tool("get_plan", {"view": "summary"}))
    assert (again["plan_id"], again["mac"], again["created_at"]) == (first["plan_id"], first["mac"], first["created_at"])
    assert anew["plan_id"] != first["plan_id"]
    async with make_server(env=loopback.env(), overrides=WRITE) as s:
        applied = tool_payload(await s.client.call_tool("apply_plan", {"plan_id": first["plan_id"], "mac": first["mac"]}))
        twice = tool_payload(await s.client.call_tool("apply_plan", {"plan_id": again["plan_id"], "mac": again["mac"]}))
    assert applied["status"] == "completed" and twice["status"] == "already_applied"
    assert groups_named(loopback, "Asked twice") == 1
