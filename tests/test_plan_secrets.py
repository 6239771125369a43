"""Secrets stay out of plans: a planned bot secret or webhook secret key becomes a named
placeholder, and the value is supplied again when the plan is applied."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest

from conftest import Loopback, tool_payload
from server.policies import Overrides
from server.sandbox.bots import BOT_ID, BOT_SECRET

pytestmark = pytest.mark.anyio

WEBHOOK_SECRET = "whsec-9f8e7d6c5b4a3210"
WRITES = Overrides(allow_writes=True)


def bot_token_args(loopback: Loopback) -> dict[str, str]:
    state = loopback.sandbox.state
    return {"bot_id": BOT_ID, "client_id": state.bots[BOT_ID]["owner_client_id"], "bot_secret": BOT_SECRET,
            "organization_id": state.organization_id}


def webhook_args() -> dict[str, str]:
    return {"action": "chat_deactivated", "secret_key": WEBHOOK_SECRET, "url": "https://hooks.example.com/lc",
            "owner_client_id": "0805e283233042b37f460ed8fbf22160", "type": "license"}


async def planned(make_server: Any, loopback: Loopback) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Plan a tag, a webhook and two bot tokens; return the tool results and the plan."""
    async with make_server(env=loopback.env(), overrides=Overrides(dry_run=True)) as s:
        results = [
            tool_payload(await s.client.call_tool(name, args))
            for name, args in [
                ("create_tag", {"name": "vip"}),
                ("register_webhook", webhook_args()),
                ("issue_bot_token", bot_token_args(loopback)),
                ("issue_bot_token", bot_token_args(loopback)),
            ]
        ]
        plan = tool_payload(await s.client.call_tool("get_plan", {"requests": True}))
    loopback.planned()
    return results, plan


async def test_planned_secrets_are_placeholders_everywhere(make_server, loopback):
    results, plan = await planned(make_server, loopback)
    for text in (json.dumps(results), json.dumps(plan)):
        assert BOT_SECRET not in text and WEBHOOK_SECRET not in text
    assert results[1]["request"]["body"]["secret_key"] == {"$secret": "step2.secret_key"}
    assert [r["request"]["body"]["bot_secret"] for r in results[2:]] == [
        {"$secret": "step3.bot_secret"}, {"$secret": "step4.bot_secret"}]
    assert plan["secrets"]["names"] == ["step2.secret_key", "step3.bot_secret", "step4.bot_secret"]
    assert "--secrets" in plan["secrets"]["how"]
    assert plan["requests"][3]["body"]["bot_secret"] == {"$secret": "step4.bot_secret"}
    assert loopback.requests() == []


async def test_apply_without_the_secrets_sends_nothing_and_names_them(make_server, loopback):
    _, plan = await planned(make_server, loopback)
    async with make_server(env=loopback.env(), overrides=WRITES) as s:
        result = await s.client.call_tool("apply_plan", {"plan": plan})
    report = tool_payload(result)
    assert result.is_error and report["status"] == "stopped"
    refused = {st["step"]: st["error"] for st in report["steps"] if st["status"] == "refused"}
    assert set(refused) == {2, 3, 4}
    assert refused[2]["type"] == "missing_secret" and "step2.secret_key" in refused[2]["message"]
    assert report["steps"][0]["status"] == "not_sent"  # every request is checked before any is sent
    assert loopback.requests() == []


async def test_apply_with_the_secrets_sends_them_and_reports_none(make_server, loopback, tmp_path):
    _, plan = await planned(make_server, loopback)
    secrets = {"step2.secret_key": WEBHOOK_SECRET, "step3.bot_secret": BOT_SECRET, "step4.bot_secret": BOT_SECRET}
    audit = tmp_path / "audit.jsonl"
    async with make_server(env=loopback.env(), overrides=WRITES, audit_log=str(audit)) as s:
        result = await s.client.call_tool("apply_plan", {"plan": plan, "secrets": secrets})
    report = tool_payload(result)
    assert not result.is_error, report
    assert report["summary"]["done"] == 4
    sent = [(r["action"], r["body"]) for r in loopback.writes()]
    assert sent[1][1]["secret_key"] == WEBHOOK_SECRET
    assert [body["bot_secret"] for action, body in sent if action == "issue_bot_token"] == [BOT_SECRET, BOT_SECRET]
    issued = loopback.sandbox.state.extra["bot_tokens"]
    for text in (result.content[0].text, audit.read_text()):
        assert BOT_SECRET not in text and WEBHOOK_SECRET not in text
        assert not any(token in text for token in issued)  # issued bot tokens are redacted too
    apply_line = next(json.loads(line) for line in audit.read_text().splitlines() if '"apply_plan"' in line
                      and json.loads(line)["tool"] == "apply_plan")
    assert apply_line["arguments"]["secrets"] == sorted(secrets)  # the names, never the values


async def test_secrets_for_names_the_plan_does_not_use_are_refused(make_server, loopback):
    _, plan = await planned(make_server, loopback)
    async with make_server(env=loopback.env(), overrides=WRITES) as s:
        typo = await s.client.call_tool("apply_plan", {"plan": plan, "secrets": {"step9.bot_secret": BOT_SECRET}})
        empty = await s.client.call_tool("apply_plan", {"plan": plan, "secrets": {"step3.bot_secret": ""}})
    assert typo.is_error and "step9.bot_secret" in tool_payload(typo)["error"]["message"]
    assert "step2.secret_key" in tool_payload(typo)["error"]["message"]  # says which names it uses
    assert BOT_SECRET not in typo.content[0].text
    assert empty.is_error and tool_payload(empty)["error"]["type"] == "validation"
    assert loopback.requests() == []


async def test_cli_apply_reads_secrets_from_a_file(make_server, loopback, tmp_path):
    _, plan = await planned(make_server, loopback)
    (tmp_path / "plan.json").write_text(json.dumps(plan))
    (tmp_path / "secrets.json").write_text(json.dumps(
        {"step2.secret_key": WEBHOOK_SECRET, "step3.bot_secret": BOT_SECRET, "step4.bot_secret": BOT_SECRET}))
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIVECHAT_")} | loopback.env()
    base = [sys.executable, "-m", "server.doors.cli", "apply", str(tmp_path / "plan.json"), "--allow-writes"]

    missing = subprocess.run(base, env=env, capture_output=True, text=True, timeout=60)
    assert missing.returncode == 1 and json.loads(missing.stdout)["status"] == "stopped"
    assert loopback.requests() == []

    done = subprocess.run([*base, "--secrets", str(tmp_path / "secrets.json"), "--audit-log", "-"],
                          env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["summary"]["done"] == 4
    for text in (done.stdout, done.stderr):
        assert BOT_SECRET not in text and WEBHOOK_SECRET not in text
    audited = [json.loads(line) for line in done.stderr.splitlines() if line.startswith("{")]
    # The CLI goes through the apply_plan tool's door, so it also leaves apply_plan's own line (last);
    # the plan's lifecycle (server/calls/lifecycle.py) has its own: the undo plan stored, the plan applied.
    assert [a["tool"] for a in audited if a["tool"] != "apply_plan" and not a["tool"].startswith("plan/")] == [
        "create_tag", "register_webhook", "issue_bot_token", "issue_bot_token"]
    assert [a["tool"] for a in audited if a["tool"].startswith("plan/")] == ["plan/stored", "plan/applied"]
    assert audited[-1]["tool"] == "apply_plan"

    (tmp_path / "bad.json").write_text('{"step2.secret_key": "' + WEBHOOK_SECRET + '",')
    bad = subprocess.run([*base, "--secrets", str(tmp_path / "bad.json")], env=env, capture_output=True,
                         text=True, timeout=60)
    assert bad.returncode != 0 and "cannot read secrets" in bad.stderr
    assert WEBHOOK_SECRET not in bad.stderr + bad.stdout


async def test_a_placeholder_is_filled_only_in_the_secret_field_it_names(make_server, loopback):
    _, plan = await planned(make_server, loopback)
    webhook = plan["requests"][1]["body"]
    webhook["description"] = {"$secret": "step2.secret_key"}  # an edit that would publish the secret
    async with make_server(env=loopback.env(), overrides=WRITES) as s:
        result = await s.client.call_tool("apply_plan", {"plan": plan, "secrets": {
            "step2.secret_key": WEBHOOK_SECRET, "step3.bot_secret": BOT_SECRET, "step4.bot_secret": BOT_SECRET}})
    step2 = tool_payload(result)["steps"][1]
    assert step2["status"] == "refused" and "outside the secret field" in step2["error"]["message"]
    assert loopback.requests() == []
