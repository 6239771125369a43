"""The policy enforced through MCP against the loopback sandbox: refused calls send nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from conftest import free_port, tool_payload
from server.policies import Overrides
from server.safety.redact import SECRET_MARKER
from server.safety.untrusted import unlabel
from server.sandbox.app import DEFAULT_CLIENT_ID
from server.tools import catalog

pytestmark = pytest.mark.anyio

WRITES = sorted(n for n, a in catalog().items() if a.write)
DESTRUCTIVE = sorted(n for n, a in catalog().items() if a.destructive)
LIMITED_TOKEN = "dal:limited-token-123456"


def policy_file(tmp_path: Path, text: str, name: str = "policy.toml") -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


async def listed(s: Any) -> set[str]:
    result = await s.client.list_tools()
    return {t.name for t in result.tools}


async def refused(s: Any, name: str, args: dict[str, Any] | None = None) -> dict[str, Any]:
    result = await s.client.call_tool(name, args or {})
    assert result.is_error, f"{name} was not refused: {tool_payload(result)}"
    return tool_payload(result)["error"]


# --- every write in read-only, every destructive action in read-write ---------------------------


async def test_read_only_default_refuses_every_write_and_sends_nothing(loopback, make_server):
    async with make_server(env=loopback.env()) as s:
        visible = await listed(s)
        problems = []
        for name in WRITES:
            err = await refused(s, name, {})
            if err.get("type") != "refused" or err.get("rule") != "mode" or not err.get("how_to_allow"):
                problems.append((name, err))
            if "Nothing was sent" not in err.get("message", ""):
                problems.append((name, err))
        assert problems == []
        assert visible.isdisjoint(WRITES)
        assert loopback.requests() == []


@pytest.mark.parametrize(
    ("policy", "overrides"),
    [("read-write", Overrides()), (None, Overrides(allow_writes=True))],
    ids=["preset", "--allow-writes"],
)
async def test_read_write_refuses_every_destructive_action_and_sends_nothing(loopback, make_server, policy, overrides):
    async with make_server(policy=policy, overrides=overrides, env=loopback.env()) as s:
        assert s.runtime.policy.policy.mode == "read-write"
        visible = await listed(s)
        problems = []
        for name in DESTRUCTIVE:
            err = await refused(s, name, {})
            if err.get("rule") != "allow_destructive" or "allow_destructive" not in err.get("how_to_allow", ""):
                problems.append((name, err))
        assert problems == []
        assert visible.isdisjoint(DESTRUCTIVE)
        assert "update_agent" in visible
        assert loopback.requests() == []


async def test_allowed_write_does_reach_the_sandbox(loopback, make_server):
    """The control for the tests above: an allowed call is logged by the sandbox."""
    async with make_server(policy="read-write", env=loopback.env()) as s:
        result = await s.client.call_tool("create_tag", {"name": "vip-policy"})
        assert not result.is_error, tool_payload(result)
    assert [r["action"] for r in loopback.requests()] == ["create_tag"]


async def test_dry_run_plans_writes_without_sending(loopback, make_server):
    async with make_server(policy="dry-run", env=loopback.env()) as s:
        result = await s.client.call_tool("create_tag", {"name": "planned-tag"})
        assert not result.is_error and tool_payload(result)["planned"] is True
        err = await refused(s, "delete_tag", {"name": "planned-tag"})
        assert err["rule"] == "allow_destructive"
    loopback.planned()  # no write sent (the planned step's check read the tags)


# --- hidden tools, names, batch variants ------------------------------------------------------


async def test_denied_tool_and_its_batch_variant_are_hidden_and_refused(loopback, make_server, tmp_path):
    spec = policy_file(tmp_path, 'mode = "read-write"\nallow_destructive = true\ndeny_tools = ["delete_agent"]\n')
    async with make_server(policy=spec, env=loopback.env()) as s:
        visible = await listed(s)
        assert "delete_agent" not in visible and "batch_delete_agents" not in visible
        assert "delete_group" in visible and "batch_suspend_agents" in visible  # the rest of full access
        for name, args in (("delete_agent", {"id": "jane@example.com"}),
                           ("batch_delete_agents", {"requests": [{"id": "jane@example.com"}]})):
            err = await refused(s, name, args)
            assert err["type"] == "refused" and err["rule"] == "deny_tools"
            assert "delete_agent" in err["how_to_allow"]
    assert loopback.requests() == []


async def test_hidden_by_toolsets_is_refused(loopback, make_server):
    async with make_server(policy="agent-admin", env=loopback.env()) as s:
        visible = await listed(s)
        assert "create_tag" not in visible and "list_tags" not in visible and "create_agent" in visible
        err = await refused(s, "create_tag", {"name": "x"})
        assert err["rule"] == "toolsets"
    assert loopback.requests() == []


async def test_differently_cased_name_is_unknown_with_did_you_mean(loopback, make_server):
    async with make_server(policy="full-access", env=loopback.env()) as s:
        err = await refused(s, "Create_Agent", {"id": "new@example.com", "name": "New"})
        assert err["type"] == "unknown_tool"
        assert "'create_agent'" in err["message"] and "Did you mean" in err["message"]
        err = await refused(s, "no_such_tool", {})
        assert err["type"] == "unknown_tool" and "Did you mean" not in err["message"]
    assert loopback.requests() == []


async def test_show_refused_tools_lists_them_marked(loopback, make_server, tmp_path):
    spec = policy_file(tmp_path, "show_refused_tools = true\n")
    async with make_server(policy=spec, env=loopback.env()) as s:
        tools = {t.name: t for t in (await s.client.list_tools()).tools}
        assert set(catalog()) <= set(tools)
        assert tools["delete_agent"].description.startswith("[REFUSED")
        assert "read-only" in tools["delete_agent"].description
        assert not tools["list_agents"].description.startswith("[REFUSED")
        err = await refused(s, "delete_agent", {"id": "jane@example.com"})
        assert err["rule"] == "mode"
    assert loopback.requests() == []


async def test_refused_tools_are_not_marked_without_show_refused_tools(loopback, make_server):
    async with make_server(env=loopback.env()) as s:
        tools = (await s.client.list_tools()).tools
        assert not any((t.description or "").startswith("[REFUSED") for t in tools)


async def test_discovery_call_action_refuses_like_a_direct_call(loopback, make_server, tmp_path):
    spec = policy_file(tmp_path, 'toolsets = ["all", "discovery"]\n')
    async with make_server(policy=spec, env=loopback.env()) as s:
        visible = await listed(s)
        assert {"search_actions", "describe_action", "call_action"} <= visible
        assert visible.isdisjoint(catalog())  # only the meta tools are listed
        args = {"id": "jane@example.com"}
        direct = await refused(s, "delete_agent", args)
        via = await refused(s, "call_action", {"name": "delete_agent", "arguments": args})
        assert via == direct and via["rule"] == "mode"
        unknown = await refused(s, "call_action", {"name": "Delete_Agent", "arguments": args})
        assert unknown["type"] == "unknown_tool" and "'delete_agent'" in unknown["message"]
        described = await refused(s, "describe_action", {"name": "delete_agent"})
        assert described["rule"] == "mode"
        found = tool_payload(await s.client.call_tool("search_actions", {"query": "agent"}))["actions"]
        assert "list_agents" in {a["name"] for a in found} and "delete_agent" not in {a["name"] for a in found}
        assert loopback.requests() == []
        ok = await s.client.call_tool("call_action", {"name": "list_agents", "arguments": {}})
        assert not ok.is_error, tool_payload(ok)
    assert [r["action"] for r in loopback.requests()] == ["list_agents"]


async def test_discovery_call_action_honours_deny_for_batches(loopback, make_server, tmp_path):
    spec = policy_file(tmp_path, 'mode = "read-write"\nallow_destructive = true\ntoolsets = ["all", "discovery"]\n'
                                 'deny_tools = ["delete_agent"]\n')
    async with make_server(policy=spec, env=loopback.env()) as s:
        err = await refused(s, "call_action", {"name": "batch_delete_agents",
                                               "arguments": {"requests": [{"id": "jane@example.com"}]}})
        assert err["rule"] == "deny_tools"
    assert loopback.requests() == []


# --- scopes learned from the token --------------------------------------------------------------


async def test_token_scopes_filter_the_tools(loopback, make_server):
    async with httpx.AsyncClient() as http:
        resp = await http.post(f"{loopback.url}/_sandbox/credentials",
                               json={"name": "limited", "secret": LIMITED_TOKEN, "scopes": ["agents--all:ro"]})
        assert resp.status_code == 200
    async with make_server(env=loopback.env(LIMITED_TOKEN), policy="full-access") as s:
        ctx = s.runtime.policy
        assert ctx.scopes == frozenset({"agents--all:ro"}) and ctx.scopes_source == "the token's scopes"
        visible = await listed(s) & set(catalog())
        expected = {n for n, a in catalog().items()
                    if not a.scopes or any(set(alt) <= {"agents--all:ro"} for alt in a.scopes)}
        assert visible == expected
        assert {"list_agents", "get_agent"} <= visible and "list_groups" not in visible
        err = await refused(s, "list_groups", {})
        assert err["rule"] == "scopes" and "groups--all:ro" in err["message"]
        ok = await s.client.call_tool("list_agents", {})
        assert not ok.is_error, tool_payload(ok)
    assert [r["action"] for r in loopback.requests()] == ["list_agents"]


async def test_scopes_that_cannot_be_learned_do_not_filter(loopback, make_server):
    env = {**loopback.env(), "LIVECHAT_ACCOUNTS_URL": f"http://127.0.0.1:{free_port()}"}
    async with make_server(env=env, policy="full-access") as s:
        ctx = s.runtime.policy
        assert ctx.scopes is None
        assert "could not be learned" in ctx.scopes_source and "not filtering" in ctx.scopes_source
        assert set(catalog()) <= await listed(s)
        assert "could not be learned" in tool_payload_resource(await s.client.read_resource("livechat://policy"))[
            "scopes_source"]


async def test_rejected_token_info_does_not_filter(loopback, make_server):
    env = {**loopback.env(), "LIVECHAT_ACCESS_TOKEN": "dal:unknown-token-99999"}
    async with make_server(env=env) as s:
        assert s.runtime.policy.scopes is None
        assert "401" in s.runtime.policy.scopes_source


async def test_policy_scopes_replace_the_tokens(loopback, make_server, tmp_path):
    spec = policy_file(tmp_path, json.dumps({"mode": "read-write", "scopes": ["tags--all:ro", "tags--all:rw"]}),
                       "policy.json")
    async with make_server(env=loopback.env(), policy=spec) as s:
        assert s.runtime.policy.scopes_source == "policy file"
        visible = await listed(s) & set(catalog())
        assert {"list_tags", "create_tag"} <= visible and "list_agents" not in visible


def tool_payload_resource(result: Any) -> Any:
    return json.loads(unlabel(result.contents[0].text))


# --- secrets ----------------------------------------------------------------------------------


REVEAL = 'mode = "read-write"\nallow_destructive = true\nreveal_secrets = true\n'


async def _secret_results(s: Any, org: str) -> dict[str, Any]:
    from server.sandbox.bots import BOT_ID, BOT_SECRET

    out: dict[str, Any] = {}
    for name, args in (
        ("create_bot", {"name": "Secretive"}),
        ("issue_bot_token", {"bot_id": BOT_ID, "client_id": DEFAULT_CLIENT_ID, "bot_secret": BOT_SECRET,
                             "organization_id": org}),
        ("reset_bot_secret", {"id": BOT_ID}),
        ("batch_create_bots", {"requests": [{"name": "B1"}]}),
    ):
        result = await s.client.call_tool(name, args)
        assert not result.is_error, (name, tool_payload(result))
        out[name] = tool_payload(result)
    return out


async def test_bot_secrets_are_masked_by_default(loopback, make_server):
    async with make_server(policy="full-access", env=loopback.env()) as s:
        out = await _secret_results(s, loopback.sandbox.state.organization_id)
    assert out["create_bot"]["secret"] == SECRET_MARKER and len(out["create_bot"]["id"]) == 32
    assert out["issue_bot_token"]["token"] == SECRET_MARKER
    assert out["reset_bot_secret"]["secret"] == SECRET_MARKER
    assert out["batch_create_bots"]["responses"][0]["secret"] == SECRET_MARKER
    # the calls did happen: the secrets exist upstream, they are just not shown
    assert [r["action"] for r in loopback.requests()] == ["create_bot", "issue_bot_token", "reset_bot_secret",
                                                           "batch_create_bots"]
    new_secret = loopback.sandbox.state.bots[out["create_bot"]["id"]].get("secret")
    assert new_secret and new_secret not in json.dumps(out)


async def test_bot_secrets_are_shown_with_reveal_secrets(loopback, make_server, tmp_path):
    async with make_server(policy=policy_file(tmp_path, REVEAL), env=loopback.env()) as s:
        out = await _secret_results(s, loopback.sandbox.state.organization_id)
    assert SECRET_MARKER not in json.dumps(out)
    assert out["create_bot"]["secret"] == loopback.sandbox.state.bots[out["create_bot"]["id"]]["secret"]
    assert out["issue_bot_token"]["token"]
    assert out["reset_bot_secret"]["secret"]


async def test_deny_tools_can_name_the_meta_tools(loopback, make_server, tmp_path):
    spec = policy_file(tmp_path, 'deny_tools = ["search", "fetch"]\n')
    async with make_server(policy=spec, env=loopback.env()) as s:
        visible = await listed(s)
        err = await refused(s, "search", {"query": "jane"})
        ok = await s.client.call_tool("list_agents", {})
    assert not {"search", "fetch"} & visible and "list_agents" in visible
    assert err["rule"] == "deny_tools" and "'search'" in err["message"]
    assert not ok.is_error
    assert [r["action"] for r in loopback.requests()] == ["list_agents"]
