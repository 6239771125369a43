"""One pipeline behind every door: a direct call, call_action and an applied plan answer and
audit a refusal alike, and a decision is one outcome (issue 12)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import tool_payload
from server.policies import Decision, Outcome, Overrides, Policy, PolicyContext
from server.tools import catalog

pytestmark = pytest.mark.anyio


def audit_lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def test_each_decision_is_one_outcome_with_its_rule() -> None:
    def outcome(name: str, **policy: object) -> tuple[Outcome, str]:
        d = PolicyContext.create(Policy(**policy), None, "x").decide(catalog()[name])  # type: ignore[arg-type]
        return d.outcome, d.rule

    assert outcome("list_agents") == (Outcome.ALLOW, "allowed")
    assert outcome("create_tag", mode="dry-run") == (Outcome.PLAN, "mode")
    assert outcome("delete_agent", mode="read-write", confirm="destructive") == (Outcome.CONFIRM, "confirm")
    assert outcome("create_tag") == (Outcome.REFUSE, "mode")
    # The views readers use follow from the outcome alone.
    asked = Decision.ask("confirm", "asks", "set confirm = never")
    assert asked.allowed and asked.confirm and not asked.planned and asked.to_dict()["decision"] == "allowed"
    assert not Decision.refuse("mode", "r", "f").allowed and Decision.plan("mode", "p").planned


async def test_an_applied_step_that_fails_validation_gets_the_direct_calls_answer_and_audit_line(
        make_server, loopback, tmp_path):
    log = tmp_path / "audit.jsonl"
    bad = {"name": ""}  # a tag name is at least one character
    async with make_server(env=loopback.env(), overrides=Overrides(dry_run=True)) as s:
        await s.client.call_tool("create_tag", {"name": "ok"})
        plan = tool_payload(await s.client.call_tool("get_plan", {}))
    plan["steps"][0]["body"] = bad  # an edit after review: applied only with accept_edited, each request re-checked
    plan.pop("requests", None)
    loopback.sandbox.requests.clear()  # planning reads to check its steps; from here on, nothing may be sent
    async with make_server(policy="full-access", env=loopback.env(), audit_log=str(log)) as s:
        direct = tool_payload(await s.client.call_tool("create_tag", bad))
        report = tool_payload(await s.client.call_tool("apply_plan", {"plan": plan, "accept_edited": True}))
    [step] = report["steps"]
    assert step["status"] == "refused"
    assert {k: v for k, v in step["error"].items() if k != "rule"} == direct["error"]
    assert step["error"]["rule"] == "validation" and direct["error"]["fields"][0]["field"] == "name"
    refused = [(a["tool"], a["decision"], a["rule"]) for a in audit_lines(log) if a["decision"] == "refused"]
    assert refused == [("create_tag", "refused", "validation")] * 2  # the direct call's line, then the step's
    assert [r["action"] for r in loopback.requests()] == []


async def test_call_action_and_apply_refuse_with_the_direct_calls_words(make_server, loopback, tmp_path):
    log = tmp_path / "audit.jsonl"
    async with make_server(env=loopback.env(), overrides=Overrides(dry_run=True, allow_destructive=True)) as s:
        await s.client.call_tool("delete_tag", {"name": "old"})
        plan = tool_payload(await s.client.call_tool("get_plan", {}))
    loopback.sandbox.requests.clear()  # planning reads to check its steps; from here on, nothing may be sent
    async with make_server(env=loopback.env(), audit_log=str(log),
                           overrides=Overrides(allow_writes=True, discovery=True)) as s:
        direct = tool_payload(await s.client.call_tool("delete_tag", {"name": "old"}))
        via = tool_payload(await s.client.call_tool("call_action", {"name": "delete_tag",
                                                                    "arguments": {"name": "old"}}))
        report = tool_payload(await s.client.call_tool("apply_plan", {"plan": plan}))
    assert direct["error"]["rule"] == "allow_destructive" and via == direct
    assert report["steps"][0]["error"] == direct["error"]
    lines = [(a["tool"], a["rule"]) for a in audit_lines(log) if a["decision"] == "refused"]
    assert lines == [("delete_tag", "allow_destructive")] * 3
    assert loopback.requests() == []
