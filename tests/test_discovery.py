"""Discovery mode: a few meta tools instead of one tool per action (issue 7, server/meta/discovery.py).

The meta tools must be the direct tools by other means: the same actions, the same schemas,
the same answers and errors, the same policy.
"""

from __future__ import annotations

from typing import Any

import pytest

from conftest import tool_payload
from server.policies import Overrides
from test_policy_enforcement import listed, policy_file
from test_resources import META_TOOLS

pytestmark = pytest.mark.anyio

DISCOVERY = Overrides(discovery=True)
# export_config and diff_config only read: listed under every policy (plan_config where writes can be planned).
DISCOVERY_TOOLS = {"search_actions", "describe_action", "call_action", "search", "fetch", "whoami", "export_config",
                   "diff_config"}


async def call(s: Any, name: str, args: dict[str, Any]) -> tuple[bool, Any]:
    result = await s.client.call_tool(name, args)
    return bool(result.is_error), tool_payload(result)


async def ok(s: Any, name: str, args: dict[str, Any]) -> Any:
    failed, payload = await call(s, name, args)
    assert not failed, payload
    return payload


async def actions(s: Any, query: str) -> list[dict[str, Any]]:
    return (await ok(s, "search_actions", {"query": query}))["actions"]


async def direct_tools(s: Any) -> dict[str, Any]:
    return {t.name: t for t in (await s.client.list_tools()).tools if t.name not in META_TOOLS}


def item_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """A batch schema's item, following its $ref."""
    items = schema["properties"]["requests"]["items"]
    ref = items.get("$ref", "")
    return schema["$defs"][ref.rsplit("/", 1)[1]] if ref else items


# --- what is listed ---------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["policy-file", "setting"])
async def test_discovery_lists_only_the_meta_tools(loopback, make_server, tmp_path, how):
    kwargs = ({"policy": policy_file(tmp_path, 'toolsets = ["all", "discovery"]\n')} if how == "policy-file"
              else {"overrides": DISCOVERY})
    async with make_server(env=loopback.env(), **kwargs) as s:
        assert await listed(s) == DISCOVERY_TOOLS


# --- search_actions ---------------------------------------------------------------------------


async def test_search_actions_finds_matching_allowed_actions(loopback, make_server):
    async with make_server(policy="full-access", env=loopback.env(), overrides=DISCOVERY) as s:
        hits = await actions(s, "agent suspend")
    names = {h["name"] for h in hits}
    assert {"suspend_agent", "batch_suspend_agents", "unsuspend_agent"} <= names
    assert all(set(h) == {"name", "description", "write"} for h in hits)
    # Any matching word counts (issue 18); the actions matching every word rank first.
    both = [("agent" in f"{h['name']} {h['description']}".lower()
             and "suspend" in f"{h['name']} {h['description']}".lower()) for h in hits]
    assert both[: both.count(True)] == [True] * both.count(True) and both.count(True) >= 3
    assert next(h for h in hits if h["name"] == "suspend_agent")["write"] is True


@pytest.mark.parametrize(("query", "expected"), [("batches", "batch_create_agents"), ("tags", "create_tag"),
                                                  ("suspend agents", "suspend_agent")])
async def test_search_actions_matches_plural_words(loopback, make_server, query, expected):
    async with make_server(policy="full-access", env=loopback.env(), overrides=DISCOVERY) as s:
        assert expected in {h["name"] for h in await actions(s, query)}


async def test_search_actions_leaves_out_what_the_policy_refuses(loopback, make_server):
    async with make_server(env=loopback.env(), overrides=DISCOVERY) as s:  # read-only
        hits = await actions(s, "agent suspend")
    assert "suspend_agent" not in {h["name"] for h in hits}
    assert not any(h["write"] for h in hits)


@pytest.mark.parametrize("preset", [None, "dry-run", "agent-admin", "full-access"])
async def test_empty_query_lists_exactly_what_the_policy_allows(loopback, make_server, preset):
    async with make_server(policy=preset, env=loopback.env()) as direct:
        tools = await direct_tools(direct)
    async with make_server(policy=preset, env=loopback.env(), overrides=DISCOVERY) as s:
        hits = await actions(s, "")
    assert sorted(h["name"] for h in hits) == sorted(tools)
    assert {h["name"]: h["write"] for h in hits} == {n: not t.annotations.read_only_hint for n, t in tools.items()}
    if preset is None:
        assert not any(h["write"] for h in hits)


# --- describe_action --------------------------------------------------------------------------


async def test_describe_action_gives_each_direct_tools_full_schema_and_scopes(loopback, make_server, tmp_path):
    async with make_server(policy="full-access", env=loopback.env()) as direct:
        tools = await direct_tools(direct)
    batches_only = policy_file(tmp_path, 'mode = "read-write"\nallow_destructive = true\nallow_tools = ["batch_*"]\n')
    async with make_server(policy=batches_only, env=loopback.env()) as direct:
        expanded = await direct_tools(direct)  # batch tools listed without their single tool: not compacted
    assert expanded and all(name.startswith("batch_") for name in expanded)
    updates_only = policy_file(tmp_path, 'mode = "read-write"\nallow_tools = ["update_*"]\n', "updates.toml")
    async with make_server(policy=updates_only, env=loopback.env()) as direct:
        whole = await direct_tools(direct)  # updates listed without the creates they point at: whole schemas
    assert {"update_greeting", "update_bot"} <= set(whole) and not any(n.startswith("create_") for n in whole)
    problems = []
    async with make_server(policy="full-access", env=loopback.env(), overrides=DISCOVERY) as s:
        for name, tool in tools.items():
            described = await ok(s, "describe_action", {"name": name})
            want = (expanded[name] if name in expanded else whole.get(name, tool)).input_schema
            if described["input_schema"] != want:
                problems.append((name, "schema"))
            if f"Scopes: {described['scopes']}." not in tool.description:
                problems.append((name, "scopes", described["scopes"]))
            single = described.get("batch_of")
            if (single is not None) != (name in expanded):
                problems.append((name, "batch_of", single))
            elif single and item_schema(described["input_schema"])["properties"] != (
                    whole.get(single) or tools[single]).input_schema["properties"]:
                problems.append((name, "batch item is not the single tool's arguments"))
    assert problems == []


async def test_describe_and_call_of_a_refused_action_are_refused_like_the_direct_tool(loopback, make_server):
    args = {"id": "jane@example.com"}
    async with make_server(env=loopback.env()) as direct:
        want = await call(direct, "delete_agent", args)
    async with make_server(env=loopback.env(), overrides=DISCOVERY) as s:
        described = await call(s, "describe_action", {"name": "delete_agent"})
        called = await call(s, "call_action", {"name": "delete_agent", "arguments": args})
    assert want[0] and want[1]["error"]["type"] == "refused"
    assert called == want
    assert described[0] and described[1]["error"]["type"] == "refused"
    assert loopback.requests() == []


# --- call_action ------------------------------------------------------------------------------


async def test_call_action_answers_like_the_direct_tool(loopback, make_server):
    async with make_server(env=loopback.env()) as direct:
        want = await ok(direct, "list_agents", {"fields": ["groups"]})
    async with make_server(env=loopback.env(), overrides=DISCOVERY) as s:
        got = await ok(s, "call_action", {"name": "list_agents", "arguments": {"fields": ["groups"]}})
    assert got == want and any(a["id"] == "jane@example.com" for a in got["items"])


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("get_agent", {}),
        ("get_agent", {"idd": "jane@example.com"}),
        ("get_group", {"id": "nineteen"}),
        ("create_tag", {"name": "x", "group_ids": "all"}),
    ],
    ids=["missing", "misspelt", "wrong-type", "write"],
)
async def test_call_action_validation_errors_equal_the_direct_tools(loopback, make_server, name, args):
    async with make_server(policy="full-access", env=loopback.env()) as direct:
        want = await call(direct, name, args)
    async with make_server(policy="full-access", env=loopback.env(), overrides=DISCOVERY) as s:
        got = await call(s, "call_action", {"name": name, "arguments": args})
    assert want[0] and want[1]["error"]["type"] == "validation"
    assert got == want
    assert loopback.requests() == []


async def test_dry_run_discovery_plans_writes(loopback, make_server):
    async with make_server(policy="dry-run", env=loopback.env(), overrides=DISCOVERY) as s:
        visible = await listed(s)
        planned = await ok(s, "call_action", {"name": "create_tag", "arguments": {"name": "planned-by-discovery"}})
        plan = await ok(s, "get_plan", {"requests": True})
    assert {"get_plan", "clear_plan"} <= visible and "create_tag" not in visible
    assert planned["planned"] is True
    assert [(step["action"], step["body"]) for step in plan["steps"]] == [("create_tag", {"name": "planned-by-discovery"})]
    loopback.planned()


# --- meta tools validate their own arguments ---------------------------------------------------


@pytest.mark.parametrize(
    ("tool", "args", "field"),
    [
        ("search_actions", {"query": 5}, "query"),
        ("describe_action", {}, "name"),
        ("call_action", {"name": "list_agents", "arguments": "all"}, "arguments"),
        ("call_action", {"name": "list_agents", "extra": 1}, "extra"),
        ("search", {"query": ["jane"]}, "query"),
        ("fetch", {"id": 19}, "id"),
    ],
)
async def test_meta_tool_arguments_are_validated_like_catalogue_ones(loopback, make_server, tool, args, field):
    async with make_server(env=loopback.env(), overrides=DISCOVERY) as s:
        failed, payload = await call(s, tool, args)
    assert failed and payload["error"]["type"] == "validation"
    assert [f["field"] for f in payload["error"]["fields"]] == [field]
    assert loopback.requests() == []


async def test_apply_plan_continue_on_error_must_be_a_real_boolean(loopback, make_server):
    async with make_server(env=loopback.env(), overrides=Overrides(allow_writes=True)) as s:
        failed, payload = await call(s, "apply_plan", {"plan": {}, "continue_on_error": "false"})
    assert failed and payload["error"]["fields"][0]["field"] == "continue_on_error"
    assert loopback.requests() == []


def test_cli_call_of_a_meta_tool_with_non_object_arguments_is_a_clean_error():
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-m", "server.doors.cli", "call", "search", '"jane"', "--sandbox"],
                          capture_output=True, text=True, timeout=60)
    assert "Traceback" not in proc.stderr
    assert proc.returncode != 0 and "JSON object" in proc.stdout + proc.stderr
