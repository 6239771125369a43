"""Fields on demand (issue 23, item 5): reads that answer large objects take ``select``, the
fields to return of each object, validated against the object's known fields. It is not
LiveChat's ``fields`` (which asks for more): select is never sent, and the extra fields it names
are asked for in ``fields``. Without it the compact default stays."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import tool_payload
from server.tools import catalog

pytestmark = pytest.mark.anyio

SELECTABLE = {"list_agents", "get_agent", "list_groups", "get_group", "list_bots", "get_bot", "list_greetings",
              "get_greeting", "list_auto_accesses", "list_webhooks"}


def sent(loopback: Any, action: str) -> list[dict[str, Any]]:
    return [r["body"] for r in loopback.requests() if r["action"] == action]


async def call(s: Any, name: str, args: dict[str, Any]) -> tuple[bool, Any]:
    result = await s.client.call_tool(name, args)
    return result.is_error, tool_payload(result)


async def test_list_agents_returns_only_the_selected_fields_and_asks_for_the_extra_ones(loopback, make_server):
    async with make_server(env=loopback.env()) as s:
        failed, page = await call(s, "list_agents", {"select": ["name", "max_chats_count"]})
        _, default = await call(s, "list_agents", {})
    assert not failed and page["total"] == default["total"]
    assert all(set(item) == {"id", "name", "max_chats_count"} for item in page["items"]), page["items"]
    first, second = sent(loopback, "list_agents")
    assert first == {"fields": ["max_chats_count"]}  # select is ours; LiveChat gets the extra field it names
    assert second == {} and all("max_chats_count" not in item for item in default["items"])  # the compact default


async def test_get_agent_select_and_a_field_only_the_list_hides(loopback, make_server):
    async with make_server(env=loopback.env()) as s:
        _, agent = await call(s, "get_agent", {"id": "jane@example.com", "select": ["work_scheduler"]})
        _, avatars = await call(s, "list_agents", {"select": ["avatar_path"], "limit": 2})
    assert set(agent) == {"id", "work_scheduler"} and agent["work_scheduler"]["schedule"]
    assert sent(loopback, "get_agent") == [{"id": "jane@example.com", "fields": ["work_scheduler"]}]
    # avatar_path: left out of list_agents' compact default, returned when selected
    assert all(set(item) == {"id", "avatar_path"} for item in avatars["items"])


async def test_select_is_validated_against_the_objects_known_fields_before_anything_is_sent(loopback, make_server):
    async with make_server(env=loopback.env()) as s:
        failed, answer = await call(s, "get_group", {"id": 1, "select": ["members", "name"]})
        empty, _ = await call(s, "list_bots", {"select": []})
    assert failed and empty
    error = answer["error"]
    assert error["type"] == "validation" and error["fields"][0]["field"] == "select"
    assert "'members' is not a field of this object" in error["message"] and "agent_priorities" in error["message"]
    assert loopback.requests() == []


async def test_select_on_greetings_lists_and_a_paged_walk(loopback, make_server):
    async with make_server(env=loopback.env()) as s:
        _, greetings = await call(s, "list_greetings", {"select": ["name", "active"]})
        seen, args = [], {"select": ["name"], "limit": 2}
        while True:
            _, page = await call(s, "list_groups", args)
            seen += page["items"]
            if "next_cursor" not in page:
                break
            args = {**args, "cursor": page["next_cursor"]}
    assert greetings["greetings"] and all(set(g) == {"id", "name", "active"} for g in greetings["greetings"])
    assert "found_greetings" in greetings  # LiveChat's own paging keys stay
    assert len(seen) == len(loopback.sandbox.state.groups) and all(set(g) == {"id", "name"} for g in seen)


def test_the_reads_of_large_objects_take_select_and_no_write_does():
    have = {name for name, act in catalog().items() if act.select is not None}
    assert have == SELECTABLE
    for name in SELECTABLE:
        fields = catalog()[name].model.model_fields
        assert "select" in fields and "enum" not in str(fields["select"].json_schema_extra or "")
        assert "`fields` adds more" in (fields["select"].description or "")  # how it differs from LiveChat's fields
