"""whoami (issue 18, item 2): who the server acts as, what its mode means for writes, and how many
tools the policy hides and why; read-only, and it costs no LiveChat call."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import tool_payload
from server.policies import Overrides
from server.sandbox import DEFAULT_TOKEN
from server.sandbox.app import DEFAULT_ACCOUNT_ID, DEFAULT_CLIENT_ID
from server.tools import catalog

pytestmark = pytest.mark.anyio


async def whoami(s: Any) -> tuple[dict[str, Any], list[Any]]:
    tools = (await s.client.list_tools()).tools
    result = await s.client.call_tool("whoami", {})
    assert not result.is_error, tool_payload(result)
    return tool_payload(result), tools


async def test_default_read_only_server_names_the_credential_and_counts_hidden_writes(loopback, make_server):
    async with make_server(env=loopback.env()) as s:
        me, tools = await whoami(s)
    tool = next(t for t in tools if t.name == "whoami")
    assert tool.annotations.read_only_hint is True
    assert me["account_id"] == DEFAULT_ACCOUNT_ID and me["client_id"] == DEFAULT_CLIENT_ID
    assert me["organization_id"] == loopback.sandbox.state.organization_id
    assert me["region"] == "dal" and me["credential"] == "OAuth access token"
    assert me["mode"] == "read-only" and "refused" in me["writes"]
    writes = sum(1 for a in catalog().values() if a.write)
    assert me["tools"] == {"visible": len(tools), "hidden": writes, "hidden_by_rule": {"mode": writes}}
    assert [r for r in loopback.requests()] == []  # nothing sent to the Configuration API


async def test_dry_run_and_read_write_say_what_happens_to_writes(loopback, make_server):
    async with make_server(env=loopback.env(), overrides=Overrides(dry_run=True)) as s:
        dry, dry_tools = await whoami(s)
    async with make_server(env=loopback.env(), policy="full-access") as s:
        full, full_tools = await whoami(s)
    assert dry["mode"] == "dry-run" and "planned, not sent" in dry["writes"] and "get_plan" in dry["writes"]
    assert "destructive" in dry["writes"] and "stay refused" in dry["writes"]
    assert dry["tools"]["hidden_by_rule"] == {"allow_destructive": sum(1 for a in catalog().values() if a.destructive)}
    assert dry["tools"]["visible"] == len(dry_tools)
    assert full["mode"] == "read-write" and "sent to LiveChat" in full["writes"] and "allowed" in full["writes"]
    assert full["tools"]["hidden"] == 0 and full["tools"]["visible"] == len(full_tools)


async def test_hidden_tools_are_counted_per_rule(loopback, make_server, tmp_path):
    policy = tmp_path / "p.toml"
    policy.write_text('mode = "read-write"\ntoolsets = ["agents", "tags"]\ndeny_tools = ["delete_tag", "search"]\n')
    async with make_server(env=loopback.env(), policy=str(policy)) as s:
        me, tools = await whoami(s)
    by_rule = me["tools"]["hidden_by_rule"]
    outside = sum(1 for a in catalog().values() if a.resource not in ("agents", "tags"))
    assert by_rule["toolsets"] == outside
    assert by_rule["deny_tools"] == 2  # delete_tag, and the search meta tool
    assert by_rule["allow_destructive"] == sum(
        1 for a in catalog().values() if a.destructive and a.resource == "agents")
    assert me["tools"]["visible"] == len(tools) and "search" not in {t.name for t in tools}


async def test_discovery_mode_counts_actions_behind_call_action(loopback, make_server):
    async with make_server(env=loopback.env(), overrides=Overrides(discovery=True)) as s:
        me, tools = await whoami(s)
    reads = sum(1 for a in catalog().values() if not a.write)
    assert me["tools"]["hidden_by_rule"]["discovery"] == reads and me["tools"]["visible"] == len(tools)


async def test_pat_names_its_account_and_deny_tools_can_hide_whoami(loopback, make_server):
    env = {"LIVECHAT_API_URL": loopback.url, "LIVECHAT_ACCOUNTS_URL": loopback.url,
           "LIVECHAT_ACCOUNT_ID": "acc-123", "LIVECHAT_PAT": "pat-secret"}
    async with make_server(env=env) as s:
        me, _ = await whoami(s)
    assert me["credential"] == "Personal Access Token" and me["account_id"] == "acc-123"
    assert "client_id" not in me and "pat-secret" not in str(me) and "not filtered" in me["scopes"]
    async with make_server(env=loopback.env()) as s:
        assert DEFAULT_TOKEN not in str((await whoami(s))[0])  # the credential itself never shows


async def test_deny_tools_hides_whoami(loopback, make_server, tmp_path):
    policy = tmp_path / "p.toml"
    policy.write_text('deny_tools = ["whoami"]\n')
    async with make_server(env=loopback.env(), policy=str(policy)) as s:
        names = {t.name for t in (await s.client.list_tools()).tools}
        refused = await s.client.call_tool("whoami", {})
    assert "whoami" not in names and refused.is_error and tool_payload(refused)["error"]["rule"] == "deny_tools"
