"""MCP resources: livechat://policy, one template per readable collection, and resources/read (issue 7)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from mcp.shared.exceptions import MCPError

from conftest import tool_payload
from server.safety.untrusted import unlabel
from server.sandbox.bots import BOT_ID
from test_chatgpt_connectors import COLLECTIONS, NO_AGENT_READS
from test_policy_enforcement import listed, policy_file

pytestmark = pytest.mark.anyio

META_TOOLS = {"search", "fetch", "get_plan", "clear_plan", "apply_plan", "get_apply_report", "search_actions",
              "describe_action", "call_action", "whoami", "export_config", "diff_config", "plan_config"}


async def read(s: Any, uri: str) -> Any:
    result = await s.client.read_resource(uri)
    # An object is license data: labelled text (issue 11), with the object's JSON inside.
    mime = "application/json" if uri == "livechat://policy" else "text/plain"
    assert [c.uri for c in result.contents] == [uri] and result.contents[0].mime_type == mime
    return json.loads(unlabel(result.contents[0].text))


async def read_error(s: Any, uri: str) -> str:
    with pytest.raises(MCPError) as info:
        await s.client.read_resource(uri)
    return str(info.value)


async def templates(s: Any) -> set[str]:
    return {t.uri_template for t in (await s.client.list_resource_templates()).resource_templates}


def template(collection: str) -> str:
    return f"livechat://{collection}/{{id}}"


# --- resources/list: the policy ---------------------------------------------------------------


@pytest.mark.parametrize(("preset", "mode"), [(None, "read-only"), ("dry-run", "dry-run"), ("full-access", "read-write")])
async def test_policy_resource_reports_the_policy_in_force(loopback, make_server, preset, mode):
    async with make_server(policy=preset, env=loopback.env()) as s:
        resources = (await s.client.list_resources()).resources
        report = await read(s, "livechat://policy")
        visible = await listed(s)
    assert [r.uri for r in resources] == ["livechat://policy", "livechat://config"]
    assert report["policy"]["mode"] == mode
    allowed = {name for name, d in report["tools"].items() if d["decision"] != "refused"}
    assert allowed == visible - META_TOOLS  # the report says what tools/list shows


# --- resources/templates/list ---------------------------------------------------------------------


async def test_one_template_per_readable_collection(loopback, make_server):
    async with make_server(env=loopback.env()) as s:
        found = (await s.client.list_resource_templates()).resource_templates
    assert sorted(t.uri_template for t in found) == sorted(template(c) for c in COLLECTIONS.values())
    assert all(t.mime_type == "application/json" for t in found)


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        (NO_AGENT_READS, {template(c) for c in COLLECTIONS.values()} - {template("agents")}),
        ('toolsets = ["tags", "groups"]\n', {template("tags"), template("groups")}),
        ('toolsets = ["agents"]\ndeny_tools = ["list_agents"]\n', {template("agents")}),  # get_agent suffices
    ],
    ids=["no-agent-reads", "toolsets", "get-only"],
)
async def test_templates_follow_the_policy(loopback, make_server, tmp_path, policy, expected):
    async with make_server(policy=policy_file(tmp_path, policy), env=loopback.env()) as s:
        assert await templates(s) == expected


# --- resources/read ------------------------------------------------------------------------------


async def test_agent_by_email_and_percent_encoded_email_is_the_same_whole_agent(loopback, make_server):
    async with make_server(env=loopback.env()) as s:
        plain = await read(s, "livechat://agents/jane@example.com")
        encoded = await read(s, "livechat://agents/jane%40example.com")
        listing = tool_payload(await s.client.call_tool("list_agents", {}))["items"]
    assert plain == encoded
    assert plain["id"] == "jane@example.com" and plain["name"] == "Jane Doe"
    listed_jane = next(a for a in listing if a["id"] == "jane@example.com")
    assert "groups" in plain and "groups" not in listed_jane  # more than the list gives


async def test_group_by_numeric_id(loopback, make_server):
    async with make_server(env=loopback.env()) as s:
        group = await read(s, "livechat://groups/19")
    assert (group["id"], group["name"]) == (19, "Billing")


@pytest.mark.parametrize(
    ("uri", "tool", "key"),
    [
        ("livechat://agents/jane@example.com", "get_agent", "jane@example.com"),
        ("livechat://groups/19", "get_group", 19),
        (f"livechat://bots/{BOT_ID}", "get_bot", BOT_ID),
    ],
    ids=["agent", "group", "bot"],
)
async def test_read_is_the_get_tool_with_every_field(loopback, make_server, uri, tool, key):
    """The templates promise '<get tool> with every field': every value the tool's `fields` offers."""
    async with make_server(env=loopback.env()) as s:
        schema = next(t for t in (await s.client.list_tools()).tools if t.name == tool).input_schema
        every_field = schema["properties"]["fields"]["items"]["enum"]
        direct = tool_payload(await s.client.call_tool(tool, {"id": key, "fields": every_field}))
        resource = await read(s, uri)
    assert resource == direct


@pytest.mark.parametrize(
    ("uri", "named"),
    [
        ("livechat://agents/nobody@example.com", ["not_found", "nobody@example.com"]),
        ("livechat://groups/abc", ["validation", "'abc'"]),
        pytest.param("livechat://groups/%C2%B2", ["validation", "'\u00b2'"]),
        ("livechat://nothings/1", ["Unknown resource", "livechat://nothings/1"]),
        ("livechat://agents/", ["Unknown resource"]),
    ],
    ids=["unknown-agent", "non-numeric-group", "superscript-group", "unknown-collection", "no-id"],
)
async def test_read_errors_name_the_problem(loopback, make_server, uri, named):
    async with make_server(env=loopback.env()) as s:
        message = await read_error(s, uri)
    assert all(part in message for part in named), message


async def test_refused_read_sends_nothing_upstream(loopback, make_server, tmp_path):
    async with make_server(policy=policy_file(tmp_path, NO_AGENT_READS), env=loopback.env()) as s:
        message = await read_error(s, "livechat://agents/jane@example.com")
    assert "refused" in message and "agents" in message
    assert loopback.requests() == []
