"""The audit log: one flushed JSON line per tool call, secrets and the token never written."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from conftest import tool_payload
from server.calls.audit import AuditLog
from server.safety.redact import REDACTED, Scrubber, redact_keys
from server.sandbox.core import DEFAULT_CLIENT_ID

pytestmark = pytest.mark.anyio

FIELDS = {"time", "tool", "decision", "rule", "outcome", "duration_ms", "arguments"}


def lines(path: Path) -> list[dict[str, Any]]:
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    assert text == "" or text.endswith("\n")
    return [json.loads(line) for line in text.splitlines()]


async def test_one_line_per_call_with_decision_rule_and_outcome(loopback, make_server, tmp_path):
    log = tmp_path / "audit.jsonl"
    async with make_server(policy="read-write", env=loopback.env(), audit_log=str(log)) as s:
        assert lines(log) == []
        calls = [
            ("list_agents", {}),                                   # allowed, sent
            ("create_tag", {"name": "audited"}),                   # allowed write, sent
            ("delete_tag", {"name": "audited"}),                   # refused: destructive
            ("create_tag", {"nmae": "typo"}),                      # refused: validation
            ("Create_Tag", {"name": "x"}),                         # refused: unknown tool
            ("get_agent", {"id": "nobody@example.com"}),           # allowed, upstream error
        ]
        for i, (name, args) in enumerate(calls, 1):
            await s.client.call_tool(name, args)
            # flushed per line: readable while the server is still open
            assert len(lines(log)) == i, (name, lines(log))
        records = lines(log)
    assert len(records) == len(calls)
    for record in records:
        assert FIELDS <= set(record), record
        assert isinstance(record["duration_ms"], (int, float)) and record["duration_ms"] >= 0
        assert "T" in record["time"] and record["time"].endswith("+00:00")
    summary = [(r["tool"], r["decision"], r["rule"]) for r in records]
    assert summary == [
        ("list_agents", "allowed", "allowed"),
        ("create_tag", "allowed", "allowed"),
        ("delete_tag", "refused", "allow_destructive"),
        ("create_tag", "refused", "validation"),
        ("Create_Tag", "refused", "unknown_tool"),
        ("get_agent", "allowed", "allowed"),
    ]
    assert records[0]["outcome"] == {"status": 200}
    assert records[1]["arguments"] == {"name": "audited"}
    assert records[2]["arguments"] == {"name": "audited"}
    assert records[5]["outcome"]["status"] == 404 and records[5]["outcome"]["error"] == "not_found"
    # only the allowed, valid calls reached the sandbox
    assert [r["action"] for r in loopback.requests()] == ["list_agents", "create_tag", "get_agent"]


async def test_planned_calls_are_audited_as_planned(loopback, make_server, tmp_path):
    log = tmp_path / "audit.jsonl"
    async with make_server(policy="dry-run", env=loopback.env(), audit_log=str(log)) as s:
        await s.client.call_tool("create_tag", {"name": "later"})
        records = lines(log)
    assert [(r["tool"], r["decision"], r["rule"]) for r in records] == [("create_tag", "planned", "mode")]
    assert records[0]["outcome"] == {"steps": [1]}
    loopback.planned()  # no write was sent (the plan's checks read, unaudited: one planned line)


async def test_secret_arguments_are_redacted(loopback, make_server, tmp_path):
    from server.sandbox.bots import BOT_ID, BOT_SECRET

    log = tmp_path / "audit.jsonl"
    webhook_secret = "whsec-do-not-log-0123"
    org = loopback.sandbox.state.organization_id
    async with make_server(policy="full-access", env=loopback.env(), audit_log=str(log)) as s:
        result = await s.client.call_tool("issue_bot_token", {
            "bot_id": BOT_ID, "client_id": DEFAULT_CLIENT_ID, "bot_secret": BOT_SECRET, "organization_id": org})
        assert not result.is_error, tool_payload(result)
        await s.client.call_tool("register_webhook", {
            "action": "chat_deactivated", "secret_key": webhook_secret, "url": "https://example.com/hook",
            "owner_client_id": DEFAULT_CLIENT_ID, "type": "license"})
    async with make_server(env=loopback.env(), audit_log=str(log)) as s:  # read-only: refused, still redacted
        await s.client.call_tool("register_webhook", {"secret_key": webhook_secret, "url": "https://example.com/h"})
        await s.client.call_tool("issue_bot_token", {"bot_secret": BOT_SECRET})
    text = log.read_text()
    assert BOT_SECRET not in text and webhook_secret not in text
    records = lines(log)
    assert [r["tool"] for r in records] == ["issue_bot_token", "register_webhook", "register_webhook",
                                             "issue_bot_token"]
    assert records[0]["arguments"]["bot_secret"] == REDACTED
    assert records[0]["arguments"]["bot_id"] == BOT_ID  # the rest stays readable
    assert records[1]["arguments"]["secret_key"] == REDACTED
    assert records[1]["arguments"]["url"] == "https://example.com/hook"
    assert records[2]["decision"] == "refused" and records[2]["arguments"]["secret_key"] == REDACTED
    assert records[3]["arguments"]["bot_secret"] == REDACTED
    # nor any token or secret issued in the results
    issued = [b.get("secret") for b in loopback.sandbox.state.bots.values() if b.get("secret")]
    assert not any(secret in text for secret in issued)


async def test_access_token_never_written(loopback, make_server, tmp_path):
    token = "dal:audit-token-abcdef123456"
    async with __import__("httpx").AsyncClient() as http:
        await http.post(f"{loopback.url}/_sandbox/credentials", json={"name": "audit", "secret": token})
    log = tmp_path / "audit.jsonl"
    async with make_server(policy="read-write", env=loopback.env(token), audit_log=str(log)) as s:
        # a caller pasting the token (or its bare part) into arguments must not get it logged
        await s.client.call_tool("create_tag", {"name": token})
        await s.client.call_tool("create_tag", {"name": "audit-token-abcdef123456"})
        await s.client.call_tool("delete_tag", {"name": token})
        await s.client.call_tool("Create_Tag", {"token": token})
        await s.client.call_tool("list_tags", {})
        assert len(lines(log)) == 5
    text = log.read_text()
    assert "audit-token-abcdef123456" not in text
    assert text.count(REDACTED) >= 4


def test_audit_log_to_a_stream_flushes_each_line(monkeypatch):
    stream = io.StringIO()
    monkeypatch.setattr("sys.stderr", stream)
    audit = AuditLog("-", Scrubber(["secret-token-value"]))
    audit.record(tool="list_agents", decision="allowed", rule="allowed",
                 arguments={"password": "hunter2", "q": "secret-token-value"}, duration_ms=1.234)
    record = json.loads(stream.getvalue())
    assert record["arguments"] == {"password": REDACTED, "q": REDACTED}
    assert record["duration_ms"] == 1.23 and record["outcome"] == {}
    audit.close()  # does not close stderr
    assert not stream.closed


def test_redact_keys_walks_nested_structures():
    value = {"requests": [{"bot_secret": "s1", "id": "a"}, {"bot_secret": "", "id": "b"}], "secret_key": None}
    out = redact_keys(value, {"bot_secret", "secret_key"})
    assert out == {"requests": [{"bot_secret": REDACTED, "id": "a"}, {"bot_secret": "", "id": "b"}], "secret_key": None}
    assert value["requests"][0]["bot_secret"] == "s1"  # a copy
    assert redact_keys("plain", {"x"}) == "plain"


def test_scrubber_replaces_longest_first_and_ignores_short_strings():
    scrub = Scrubber(["dal:abcdefgh12", "abcdefgh12", "abc"])
    assert scrub("Bearer dal:abcdefgh12 and abcdefgh12 and abc") == f"Bearer {REDACTED} and {REDACTED} and abc"


async def test_meta_tool_calls_are_audited_one_line_each(loopback, make_server, tmp_path):
    log = tmp_path / "audit.jsonl"
    async with make_server(policy="dry-run", env=loopback.env(), audit_log=str(log)) as s:
        for name, args in (("get_plan", {}), ("search", {"query": "jane"}), ("apply_plan", {"plan": {}})):
            await s.client.call_tool(name, args)
        records = lines(log)
    assert [r["tool"] for r in records] == ["get_plan", "search", "apply_plan"]
    assert [r["decision"] for r in records] == ["allowed", "allowed", "refused"]  # apply_plan: dry-run


async def test_resource_reads_and_refused_call_action_are_audited(loopback, make_server, tmp_path):
    log = tmp_path / "audit.jsonl"
    async with make_server(env=loopback.env(), audit_log=str(log)) as s:  # read-only, no discovery
        await s.client.read_resource("livechat://agents/jane@example.com")
        refused = await s.client.call_tool("call_action", {"name": "delete_agent", "arguments": {"id": "x@y.z"}})
        records = lines(log)
    assert refused.is_error
    assert [(r["tool"], r["decision"]) for r in records] == [("resources/read", "allowed"), ("call_action", "refused")]
    assert records[0]["arguments"] == {"uri": "livechat://agents/jane@example.com"}


async def test_call_action_in_discovery_mode_is_audited_once_as_the_action(loopback, make_server, tmp_path):
    from server.policies import Overrides

    log = tmp_path / "audit.jsonl"
    async with make_server(env=loopback.env(), audit_log=str(log), overrides=Overrides(discovery=True)) as s:
        await s.client.call_tool("call_action", {"name": "list_tags", "arguments": {}})
        records = lines(log)
    assert [r["tool"] for r in records] == ["list_tags"]
