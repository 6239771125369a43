"""Schema snapshots, one per tool: every catalogue action's tool as tools/list shows it, each batch
action's compact schema (what clients receive when its single action is listed beside it), and
every meta tool (server/meta/). A tool without its snapshot fails its parametrized test.

A change here is an API change for every assistant using the server (the _meta search hints
included): review it like code
(`python -m pytest tests/test_schemas.py --inline-snapshot=fix`, then read the diff).
"""

from __future__ import annotations

import copy
from typing import Any

import mcp_types as types
import pytest
from inline_snapshot import snapshot

from server.calls.runtime import Settings, build_runtime
from server.doors.mcp_app import LiveChatMCP, tool_for
from server.meta.registry import BY_NAME
from server.policies import Overrides
from server.sandbox import ALL_SCOPES_TOKEN
from server.tools import catalog
from server.tools.listing import listing
from server.tools.meta_names import META_TOOLS
from server.tools.schema import compact_batch_schema, input_schema

BATCHES = [name for name, act in catalog().items() if act.batch_of]
# Updates whose nested fields point at their create's schema when it is listed too (shapes_of).
SHARED = [name for name, act in catalog().items() if act.shapes_of]
CONFIG_TOOLS = ("export_config", "diff_config", "plan_config")  # configuration as code (issue 22)


def surface(tool: types.Tool) -> dict[str, Any]:
    return {
        "title": tool.title,
        "description": tool.description,
        "annotations": tool.annotations.model_dump(by_alias=True, exclude_none=True),
        "input_schema": tool.input_schema,
        # the hints lazy-loading clients read (search words, loaded up front): surface too
        "meta": {k: v for k, v in (tool.meta or {}).items() if k.startswith("anthropic/")},
    }


@pytest.mark.parametrize("name", list(catalog()))
def test_action_schema(name: str) -> None:
    assert surface(tool_for(listing()[name])) == ACTIONS[name]


@pytest.mark.parametrize("name", BATCHES)
def test_compact_batch_schema(name: str) -> None:
    # Only the schema differs from the full tool (in ACTIONS).
    assert tool_for(listing()[name], compact=True).input_schema == COMPACT_BATCHES[name]


@pytest.mark.parametrize("name", SHARED)
def test_compact_shared_schema(name: str) -> None:
    # Only the schema differs from the full tool (in ACTIONS): long nested fields point at the create's.
    assert tool_for(listing()[name], compact=True).input_schema == COMPACT_SHARED[name]


@pytest.mark.parametrize("name", META_TOOLS)
def test_meta_tool_schema(name: str) -> None:
    assert surface(tool_for(BY_NAME[name])) == META[name]


@pytest.mark.anyio
async def test_tools_list_shows_the_snapshotted_schemas() -> None:
    """What a client receives: the full surface lists each batch action compactly (its single
    action is listed too), every other tool as snapshotted; discovery lists only meta tools."""
    for overrides, expected in (
        (Overrides(), {*catalog(), "apply_plan", "get_apply_report", "search", "fetch", "whoami", *CONFIG_TOOLS}),
        (
            Overrides(discovery=True),
            {
                "search_actions",
                "describe_action",
                "call_action",
                "apply_plan",
                "get_apply_report",
                "search",
                "fetch",
                "whoami",
                *CONFIG_TOOLS,
            },
        ),
    ):
        runtime = await build_runtime(
            Settings(sandbox=True, policy="full-access", overrides=overrides),
            {"LIVECHAT_SANDBOX_TOKEN": ALL_SCOPES_TOKEN},
        )
        try:
            listed = {tool.name: tool for tool in LiveChatMCP(runtime).list_tools()}
        finally:
            await runtime.aclose()
        assert set(listed) == expected
        for name, tool in listed.items():
            if name in BATCHES:
                assert tool.input_schema == COMPACT_BATCHES[name], name
            elif name in SHARED:
                assert tool.input_schema == COMPACT_SHARED[name], name
                # the rest is the full tool's (snapshotted in ACTIONS by test_action_schema)
                assert {**surface(tool), "input_schema": None} == {**surface(tool_for(listing()[name])),
                                                                   "input_schema": None}, name
            else:
                assert surface(tool) == (ACTIONS[name] if name in catalog() else META[name]), name


@pytest.mark.anyio
async def test_an_update_points_at_its_create_only_when_that_is_listed(tmp_path) -> None:
    """update_greeting's rules point at create_greeting's; a policy that hides create_greeting
    lists update_greeting whole, since the assistant would have nothing to look at. Either way
    the full model validates: a wrong rule is refused naming it."""
    policy = tmp_path / "policy.toml"
    policy.write_text('mode = "read-write"\ndeny_tools = ["create_greeting", "create_bot"]\n')
    for path, shared in ((None, True), (str(policy), False)):
        runtime = await build_runtime(Settings(sandbox=True, policy=path or "full-access"),
                                      {"LIVECHAT_SANDBOX_TOKEN": ALL_SCOPES_TOKEN})
        try:
            listed = {tool.name: tool for tool in LiveChatMCP(runtime).list_tools()}
        finally:
            await runtime.aclose()
        assert ("create_greeting" in listed) is shared
        for name in ("update_greeting", "update_bot"):
            whole = input_schema(catalog()[name].model)
            assert (listed[name].input_schema != whole) is shared, name
        rules = listed["update_greeting"].input_schema["properties"]["rules"]
        assert ("Same schema as create_greeting's rules." in rules["description"]) is shared
        assert ("items" in rules and "properties" in rules["items"]) is not shared
    with pytest.raises(ValueError, match=r"rules\.0\.condition"):
        catalog()["update_greeting"].model.model_validate({"id": 1, "rules": [{"condition": "maybe", "type": "url_current"}]})


@pytest.mark.anyio
async def test_changing_a_returned_schema_changes_nothing_for_the_next_caller() -> None:
    act = catalog()["create_agent"]
    batch = catalog()["batch_create_agents"]
    runtime = await build_runtime(
        Settings(sandbox=True, policy="full-access"), {"LIVECHAT_SANDBOX_TOKEN": ALL_SCOPES_TOKEN}
    )
    try:
        app = LiveChatMCP(runtime)
        original = copy.deepcopy(input_schema(act.model))
        before = [tool.model_dump(by_alias=True) for tool in app.list_tools()]
        listed = {tool.name: tool for tool in app.list_tools()}
        # The cached schemas are read-only views: a change is refused, not shared with later callers.
        for schema in (
            input_schema(act.model),
            listed["create_agent"].input_schema,
            listed["batch_create_agents"].input_schema,
            compact_batch_schema(batch.model, "create_agent"),
            listed["whoami"].input_schema,
        ):
            with pytest.raises(TypeError, match="read-only"):
                schema["properties"]["id"] = {"type": "integer"}
            with pytest.raises(TypeError, match="read-only"):
                schema["properties"].clear()
            with pytest.raises(TypeError, match="read-only"):
                schema["properties"].pop("id", None)
        with pytest.raises(TypeError, match="read-only"):
            input_schema(act.model)["required"].append("mobile")
        with pytest.raises(TypeError, match="read-only"):
            listed["create_agent"].input_schema["properties"]["name"]["description"] = "changed"
        # A tool's own top level is its own (types.Tool copies it); a copy is plain and changeable.
        listed["create_agent"].input_schema["type"] = "array"
        mine = copy.deepcopy(input_schema(act.model))
        mine["properties"]["id"]["type"] = "integer"
        mine["required"].append("mobile")
        assert [tool.model_dump(by_alias=True) for tool in app.list_tools()] == before
        assert input_schema(act.model) == original
    finally:
        await runtime.aclose()


ACTIONS: dict[str, Any] = snapshot(
    {
        "create_agent": {
            "title": "Create agent",
            "description": "Create an agent; the id is their email and can never change. LiveChat emails an invitation and the agent stays awaiting_approval until approved. Plan seat limits apply. Scopes: accounts--all:rc | accounts--all:rw.",
            "annotations": {
                "readOnlyHint": False,
                "destructiveHint": False,
                "idempotentHint": False,
                "openWorldHint": True,
            },
            "input_schema": {
                "additionalProperties": False,
                "properties": {
                    "id": {"description": "Agent ID: the agent's email (cannot be changed).", "type": "string"},
                    "name": {"type": "string"},
                    "role": {
                        "enum": ["viceowner", "administrator", "normal"],
                        "type": "string",
                        "description": "Agent role; default normal. Above normal needs accounts.roles.lc--all:rw.",
                    },
                    "login_status": {
                        "enum": ["accepting chats", "not accepting chats"],
                        "type": "string",
                        "description": "Default status right after login; default not accepting chats.",
                    },
                    "job_title": {"type": "string", "description": "Agent's job title."},
                    "mobile": {"type": "string", "description": "Agent's mobile number."},
                    "max_chats_count": {
                        "maximum": 20,
                        "minimum": 0,
                        "type": "integer",
                        "description": "Maximum concurrent chats (0-20); 0 stops new chats being routed to the agent. Default 6.",
                    },
                    "awaiting_approval": {
                        "type": "boolean",
                        "description": "Whether the agent awaits approval after creation (default true); only a requester with subscription.lc:rw may set false.",
                    },
                    "groups": {
                        "items": {
                            "properties": {
                                "id": {
                                    "description": "Group ID (0 is the default group 'General').",
                                    "minimum": 0,
                                    "type": "integer",
                                },
                                "priority": {
                                    "description": "Routing priority in the group: first gets chats before the others; supervisor gets none automatically.",
                                    "enum": ["first", "normal", "last", "supervisor"],
                                    "type": "string",
                                },
                            },
                            "required": ["id", "priority"],
                            "type": "object",
                        },
                        "type": "array",
                        "description": "Groups the agent belongs to, each with its routing priority.",
                    },
                    "notifications": {
                        "items": {
                            "enum": [
                                "new_visitor",
                                "incoming_chat",
                                "returning_visitor",
                                "queued_visitor",
                                "visitor_is_typing",
                                "new_goal",
                                "unassigned_chats",
                                "unassigned_chat_messages",
                                "ticket",
                                "inactive_notifications",
                                "mute_all_sounds",
                                "repeat_sound_notifications",
                                "ticket_notifications",
                                "incoming_message_for_focused_chat",
                            ],
                            "type": "string",
                        },
                        "type": "array",
                        "description": "Agent notifications to turn on.",
                    },
                    "email_subscriptions": {
                        "items": {"enum": ["daily_summary", "weekly_summary"], "type": "string"},
                        "type": "array",
                        "description": "Summaries emailed to the agent.",
                    },
                    "work_scheduler": {
                        "properties": {
                            "timezone": {
                                "type": "string",
                                "description": "Timezone (IANA, e.g. Europe/Warsaw). Required when schedule is not empty; falls back to the agent's timezone if empty.",
                            },
                            "schedule": {
                                "description": "Working hours; several entries per day allowed.",
                                "items": {
                                    "properties": {
                                        "day": {
                                            "description": "Day the working hours apply to.",
                                            "enum": [
                                                "sunday",
                                                "monday",
                                                "tuesday",
                                                "wednesday",
                                                "thursday",
                                                "friday",
                                                "saturday",
                                            ],
                                            "type": "string",
                                        },
                                        "enabled": {
                                            "description": "Whether these hours are enabled.",
                                            "type": "boolean",
                                        },
                                        "start": {
                                            "description": "Start, HH:MM.",
                                            "pattern": "^\\d\\d:\\d\\d$",
                                            "type": "string",
                                        },
                                        "end": {
                                            "description": "End, HH:MM.",
                                            "pattern": "^\\d\\d:\\d\\d$",
                                            "type": "string",
                                        },
                                    },
                                    "required": ["day", "enabled", "start", "end"],
                                    "type": "object",
                                },
                                "type": "array",
                            },
                        },
                        "required": ["schedule"],
                        "type": "object",
                        "description": "Agent's working hours.",
                    },
                },
                "required": ["id", "name"],
                "type": "object",
            },
            "meta": {"anthropic/searchHint": "working hours, chat limit, add"},
        },
        "batch_create_agents": {
            "title": "Create agents (batch)",
            "description": "Create several agents in one call; each is invited by email and awaits approval. Scopes: accounts--all:rc | accounts--all:rw.",
            "annotations": {
                "readOnlyHint": False,
                "destructiveHint": False,
                "idempotentHint": False,
                "openWorldHint": True,
            },
            "input_schema": {
                "additionalProperties": False,
                "properties": {
                    "requests": {
                        "description": "Requests of create_agent, each run independently.",
                        "items": {
                            "properties": {
                                "id": {
                                    "description": "Agent ID: the agent's email (cannot be changed).",
                                    "type": "string",
                                },
                                "name": {"type": "string"},
                                "role": {
                                    "enum": ["viceowner", "administrator", "normal"],
                                    "type": "string",
                                    "description": "Agent role; default normal. Above normal needs accounts.roles.lc--all:rw.",
                                },
                                "login_status": {
                                    "enum": ["accepting chats", "not accepting chats"],
                                    "type": "string",
                                    "description": "Default status right after login; default not accepting chats.",
                                },
                                "job_title": {"type": "string", "description": "Agent's job title."},
                                "mobile": {"type": "string", "description": "Agent's mobile number."},
                                "max_chats_count": {
                                    "maximum": 20,
                                    "minimum": 0,
                                    "type": "integer",
                                    "description": "Maximum concurrent chats (0-20); 0 stops new chats being routed to the agent. Default 6.",
                                },
                                "awaiting_approval": {
                                    "type": "boolean",
                                    "description": "Whether the agent awaits approval after creation (default true); only a requester with subscription.lc:rw may set false.",
                                },
                                "groups": {
                                    "items": {
                                        "properties": {
                                            "id": {
                                                "description": "Group ID (0 is the default group 'General').",
                                                "minimum": 0,
                                                "type": "integer",
                                            },
                                            "priority": {
                                                "description": "Routing priority in the group: first gets chats before the others; supervisor gets none automatically.",
                                                "enum": ["first", "normal", "last", "supervisor"],
                                                "type": "string",
                                            },
                                        },
                                        "required": ["id", "priority"],
                                        "type": "object",
                                    },
                                    "type": "array",
                                    "description": "Groups the agent belongs to, each with its routing priority.",
                                },
                                "notifications": {
                                    "items": {
                                        "enum": [
                                            "new_visitor",
                                            "incoming_chat",
                                            "returning_visitor",
                                            "queued_visitor",
                                            "visitor_is_typing",
                                            "new_goal",
                                            "unassigned_chats",
                                            "unassigned_chat_messages",
                                            "ticket",
                                            "inactive_notifications",
                                            "mute_all_sounds",
                                            "repeat_sound_notifications",
                                            "ticket_notifications",
                                            "incoming_message_for_focused_chat",
                                        ],
                                        "type": "string",
                                    },
                                    "type": "array",
                                    "description": "Agent notifications to turn on.",
                                },
                                "email_subscriptions": {
                                    "items": {"enum": ["daily_summary", "weekly_summary"], "type": "string"},
                                    "type": "array",
                                    "description": "Summaries emailed to the agent.",
                                },
                                "work_scheduler": {
                                    "properties": {
                                        "timezone": {
                                            "type": "string",
                                            "description": "Timezone (IANA, e.g. Europe/Warsaw). Required when schedule is not empty; falls back to the agent's timezone if empty.",
                                        },
                                        "schedule": {
                                            "description": "Working hours; several entries per day allowed.",
                                            "items": {
                                                "properties": {
                                                    "day": {
                                                        "description": "Day the working hours apply to.",
                                                        "enum": [
                                                            "sunday",
                                                            "monday",
                                                            "tuesday",
                                                            "wednesday",
                                                            "thursday",
                                                            "friday",
                                                            "saturday",
                                                        ],
                                                        "type": "string",
                                                    },
                                                    "enabled": {
                                                        "description": "Whether these hours are enabled.",
                                                        "type": "boolean",
                                                    },
                                                    "start": {
                                                        "description": "Start, HH:MM.",
                                                        "pattern": "^\\d\\d:\\d\\d$",
                                                        "type": "string",
                                                    },
                                                    "end": {
                                                        "description": "End, HH:MM.",
                                                        "pattern": "^\\d\\d:\\d\\d$",
                                                        "type": "string",
                                                    },
                                                },
                                                "required": ["day", "enabled", "start", "end"],
                                                "type": "object",
                                            },
                                            "type": "array",
                                        },
                                    },
                                    "required": ["schedule"],
                                    "type": "object",
                                    "description": "Agent's working hours.",
                                },
                            },
                            "required": ["id", "name"],
                            "type": "object",
                        },
                        "minItems": 1,
                        "type": "array",
                    }
                },
                "required": ["requests"],
                "type": "object",
            },
            "meta": {"anthropic/searchHint": "working hours, chat limit, add"},
        },
        "get_agent": {
            "title": "Get agent",
            "description": "Get one agent by id (email). Only base fields unless `fields` asks for more, e.g. groups. Scopes: agents--my:ro | agents--all:ro.",
            "annotations": {
                "readOnlyHint": True,
                "destructiveHint": False,
                "idempotentHint": True,
                "openWorldHint": True,
            },
            "input_schema": {
                "additionalProperties": False,
                "properties": {
                    "id": {"description": "Agent ID: the agent's email (cannot be changed).", "type": "string"},
                    "fields": {
                        "items": {
                            "enum": [
                                "work_scheduler",
                                "groups",
                                "email_subscriptions",
                                "notifications",
                                "job_title",
                                "mobile",
                                "max_chats_count",
                                "suspended",
                                "awaiting_approval",
                                "last_logout",
                            ],
                            "type": "string",
                        },
                        "type": "array",
                        "description": "Extra fields to return besides id, account_id, name, avatar, role, login_status (last_logout is omitted when the agent never logged out).",
                    },
                    "select": {
                        "items": {"type": "string"},
                        "type": "array",
                        "description": "Only these fields (id always kept); `fields` adds more.",
                    },
                },
                "required": ["id"],
                "type": "object",
            },
            "meta": {"anthropic/searchHint": "look up, user, staff", "anthropic/alwaysLoad": True},
        },
        "list_agents": {
            "title": "List agents",
            "description": "List agents a page at a time, optionally by group, role, suspended or awaiting approval. Only base fields unless `fields` asks for more. Scopes: agents--all:ro.",
            "annotations": {
                "readOnlyHint": True,
                "destructiveHint": False,
                "idempotentHint": True,
                "openWorldHint": True,
            },
            "input_schema": {
                "additionalProperties": False,
                "properties": {
                    "filters": {
                        "properties": {
                            "group_ids": {
                                "description": "Only agents from these groups.",
                                "items": {"minimum": 0, "type": "integer"},
                                "type": "array",
                            },
                            "suspended": {
                                "type": "boolean",
                                "description": "Only agents whose suspended value equals this.",
                            },
                            "awaiting_approval": {
                                "type": "boolean",
                                "description": "true: only pending invitations; false: only approved agents.",
                            },
                            "role": {
                                "enum": ["owner", "viceowner", "administrator", "normal"],
                                "type": "string",
                                "description": "Only this role.",
                            },
                        },
                        "type": "object",
                        "description": "Request filters.",
                    },
                    "fields": {
                        "items": {
                            "enum": [
                                "work_scheduler",
                                "groups",
                                "email_subscriptions",
                                "notifications",
                                "job_title",
                                "mobile",
                                "max_chats_count",
                                "suspended",
                                "awaiting_approval",
                                "last_logout",
                                "account_id",
                                "avatar_path",
                            ],
                            "type": "string",
                        },
                        "type": "array",
                        "description": "Extra fields besides id, name, role, login_status.",
                    },
                    "select": {
                        "items": {"type": "string"},
                        "type": "array",
                        "description": "Only these fields (id always kept); `fields` adds more.",
                    },
                    "limit": {
                        "description": "Page size (default 50).",
                        "maximum": 200,
                        "minimum": 1,
                        "type": "integer",
                    },
                    "cursor": {"description": "next_cursor of the previous page.", "type": "string"},
                },
                "type": "object",
            },
            "meta": {"anthropic/searchHint": "show all, user, staff", "anthropic/alwaysLoad": True},
        },
        "update_agent": {
            "title": "Update agent",
            "description": "Update an agent; only the fields given change (groups replaces all memberships). The id (email) cannot change: a new email means delete and re-create. Scopes: agents--my:rw | agents--all:rw.",
            "annotations": {
                "readOnlyHint": False,
                "destructiveHint": False,
                "idempotentHint": True,
                "openWorldHint": True,
            },
            "input_schema": {
                "additionalProperties": False,
                "properties": {
                    "id": {"description": "Agent ID: the agent's email (cannot be changed).", "type": "string"},
                    "role": {
                        "enum": ["viceowner", "administrator", "normal"],
                        "type": "string",
                        "description": "Agent role; changing it needs accounts.roles.lc--all:rw.",
                    },
                    "login_status": {
                        "enum": ["accepting chats", "not accepting chats"],
                        "type": "string",
                        "description": "Default status right after login.",
                    },
                    "job_title": {"type": "string", "description": "Agent's job title."},
                    "mobile": {"type": "string", "description": "Agent's mobile number."},
                    "max_chats_count": {
                        "maximum": 20,
                        "minimum": 0,
                        "type": "integer",
                        "description": "Maximum concurrent chats (0-20); 0 stops new chats being routed to the agent.",
                    },
                    "groups": {
                        "items": {
                            "properties": {
                                "id": {
                                    "description": "Group ID (0 is the default group 'General').",
                                    "minimum": 0,
                                    "type": "integer",
                                },
                                "priority": {
                                    "description": "Routing priority in the group: first gets chats before the others; supervisor gets none automatically.",
                                    "enum": ["first", "normal", "last", "supervisor"],
                                    "type": "string",
                                },
                            },
                            "required": ["id", "priority"],
                            "type": "object",
                        },
                        "type": "array",
                        "description": "Groups the agent belongs to, each with its routing priority; replaces the current memberships.",
                    },
                    "notifications": {
                        "items": {
                            "enum": [
                                "new_visitor",
                                "incoming_chat",
                                "returning_visitor",
                                "queued_visitor",
                                "visitor_is_typing",
                                "new_goal",
                                "unassigned_chats",
                                "unassigned_chat_messages",
                                "ticket",
                                "inactive_notifications",
                                "mute_all_sounds",
                                "repeat_sound_notifications",
                                "ticket_notifications",
                                "incoming_message_for_focused_chat",
                            ],
                            "type": "string",
                        },
                        "type": "array",
                        "description": "Agent notifications to turn on.",
                    },
                    "email_subscriptions": {
                        "items": {"enum": ["daily_summary", "weekly_summary"], "type": "string"},
                        "type": "array",
                        "description": "Summaries emailed to the agent.",
                    },
                    "work_scheduler": {
                        "anyOf": [
                            {
                                "properties": {
                                    "timezone": {
                                        "type": "string",
                                        "description": "Timezone (IANA, e.g. Europe/Warsaw). Required when schedule is not empty; falls back to the agent's timezone if empty.",
                                    },
                                    "schedule": {
                                        "description": "Working hours; several entries per day allowed.",
                                        "items": {
                                            "properties": {
                                                "day": {
                                                    "description": "Day the working hours apply to.",
                                                    "enum": [
                                                        "sunday",
                                                        "monday",
                                                        "tuesday",
                                                        "wednesday",
                                                        "thursday",
                                                        "friday",
                                                        "saturday",
                                                    ],
                                                    "type": "string",
                                                },
                                                "enabled": {
                                                    "description": "Whether these hours are enabled.",
                                                    "type": "boolean",
                                                },
                                                "start": {
                                                    "description": "Start, HH:MM.",
                                                    "pattern": "^\\d\\d:\\d\\d$",
                                                    "type": "string",
                                                },
                                                "end": {
                                                    "description": "End, HH:MM.",
                                                    "pattern": "^\\d\\d:\\d\\d$",
                                                    "type": "string",
                                                },
                                            },
                                            "required": ["day", "enabled", "start", "end"],
                                            "type": "object",
                                        },
                                        "type": "array",
                                    },
                                },
                                "required": ["schedule"],
                                "type": "object",
                            },
                            {
                                "additionalProperties": {
                                    "properties": {
                                        "start": {
                                            "description": "Start, HH:MM.",
                                            "pattern": "^\\d\\d:\\d\\d$",
                                            "type": "string",
                                        },
                                        "end": {
                                            "description": "End, HH:MM.",
                                            "pattern": "^\\d\\d:\\d\\d$",
                                            "type": "string",
                                        },
                                    },
                                    "required": ["start", "end"],
                                    "type": "object",
                                },
                                "description": 'Working hours per weekday, e.g. {"monday": {"start": "08:30", "end": "12:30"}}.',
                                "propertyNames": {
                                    "enum": [
                                        "sunday",
                                        "monday",
                                        "tuesday",
                                        "wednesday",
                                        "thursday",
                                        "friday",
                                        "saturday",
                                    ]
                                },
                                "type": "object",
                            },
                        ],
                        "description": "Working hours: {timezone, schedule: [{day, enabled, start, end}]} or {<weekday>: {start, end}}.",
                    },
                },
                "required": ["id"],
                "type": "object",
            },
            "meta": {"anthropic/searchHint": "working hours, chat limit, user"},
        },
        "batch_update_agents": {
            "title": "Update agents (batch)",
            "description": "Update several agents in one call; each only changes the fields given. Scopes: agents--my:rw | agents--all:rw.",
            "annotations": {
                "readOnlyHint": False,
                "destructiveHint": False,
                "idempotentHint": True,
                "openWorldHint": True,
            },
            "input_schema": {
                "additionalProperties": False,
                "properties": {
                    "requests": {
                        "description": "Requests of update_agent, each run independently.",
                        "items": {
                            "properties": {
                                "id": {
                                    "description": "Agent ID: the agent's email (cannot be changed).",
                                    "type": "string",
                                },
                                "role": {
                                    "enum": ["viceowner", "administrator", "normal"],
                                    "type": "string",
                                    "description": "Agent role; changing it needs accounts.roles.lc--all:rw.",
                                },
                                "login_status": {
                                    "enum": ["accepting chats", "not accepting chats"],
                                    "type": "string",
                                    "description": "Default status right after login.",
                                },
                                "job_title": {"type": "string", "description": "Agent's job title."},
                                "mobile": {"type": "string", "description": "Agent's mobile number."},
                                "max_chats_count": {
                                    "maximum": 20,
                                    "minimum": 0,
                                    "type": "integer",
                                    "description": "Maximum concurrent chats (0-20); 0 stops new chats being routed to the agent.",
                                },
                                "groups": {
                                    "items": {
                                        "properties": {
                                            "id": {
                                                "description": "Group ID (0 is the default group 'General').",
                                                "minimum": 0,
                                                "type": "integer",
                                            },
                                            "priority": {
                                                "description": "Routing priority in the group: first gets chats before the others; supervisor gets none automatically.",
                                                "enum": ["first", "normal", "last", "supervisor"],
                                                "type": "string",
                                            },
                                        },
                                        "required": ["id", "priority"],
                                        "type": "object",
                                    },
                                    "type": "array",
                                    "description": "Groups the agent belongs to, each with its routing priority; replaces the current memberships.",
                                },
                                "notifications": {
                                    "items": {
                                        "enum": [
                                            "new_visitor",
                                            "incoming_chat",
                                            "returning_visitor",
                                            "queued_visitor",
                                            "visitor_is_typing",
                                            "new_goal",
                                            "unassigned_chats",
                                            "unassigned_chat_messages",
                                            "ticket",
                                            "inactive_notifications",
                                            "mute_all_sounds",
                                            "repeat_sound_notifications",
                                            "ticket_notifications",
                                            "incoming_message_for_focused_chat",
                                        ],
                                        "type": "string",
                                    },
                                    "type": "array",
                                    "description": "Agent notifications to turn on.",
                                },
                                "email_subscriptions": {
                                    "items": {"enum": ["daily_summary", "weekly_summary"], "type": "string"},
                                    "type": "array",
                                    "description": "Summaries emailed to the agent.",
                                },
                                "work_scheduler": {
                                    "anyOf": [
                                        {
                                            "properties": {
                                                "timezone": {
                                                    "type": "string",
                                                    "description": "Timezone (IANA, e.g. Europe/Warsaw). Required when schedule is not empty; falls back to the agent's timezone if empty.",
                                                },
                                                "schedule": {
                                                    "description": "Working hours; several entries per day allowed.",
                                                    "items": {
                                                        "properties": {
                                                            "day": {
                                                                "description": "Day the working hours apply to.",
                                                                "enum": [
                                                                    "sunday",
                                                                    "monday",
                                                                    "tuesday",
                                                                    "wednesday",
                                                                    "thursday",
                                                                    "friday",
                                                                    "saturday",
                                                                ],
                                                                "type": "string",
                                                            },
                                                            "enabled": {
                                                                "description": "Whether these hours are enabled.",
                                                                "type": "boolean",
                                                            },
                                                            "start": {
                                                                "description": "Start, HH:MM.",
                                                                "pattern": "^\\d\\d:\\d\\d$",
                                                                "type": "string",
                                                            },
                                                            "end": {
                                                                "description": "End, HH:MM.",
                                                                "pattern": "^\\d\\d:\\d\\d$",
                                                                "type": "string",
                                                            },
                                                        },
                                                        "required": ["day", "enabled", "start", "end"],
                                                        "type": "object",
                                                    },
                                                    "type": "array",
                                                },
                                            },
                                            "required": ["schedule"],
                                            "type": "object",
                                        },
                                        {
                                            "additionalProperties": {
                                                "properties": {
                                                    "start": {
                                                        "description": "Start, HH:MM.",
                                                        "pattern": "^\\d\\d:\\d\\d$",
                                                        "type": "string",
                                                    },
                                                    "end": {
                                                        "description": "End, HH:MM.",
                                                        "pattern": "^\\d\\d:\\d\\d$",
                                                        "type": "string",
                                                    },
                                                },
                                                "required": ["start", "end"],
                                                "type": "object",
                                            },
                                            "description": 'Working hours per weekday, e.g. {"monday": {"start": "08:30", "end": "12:30"}}.',
                                            "propertyNames": {
                                                "enum": [
                                                    "sunday",
                                                    "monday",
                                                    "tuesday",
                                                    "wednesday",
                                                    "thursday",
                                                    "friday",
                                                    "saturday",
                                                ]
                                            },
                                            "type": "object",
                                        },
                                    ],
                                    "description": "Working hours: {timezone, schedule: [{day, enabled, start, end}]} or {<weekday>: {start, end}}.",
                                },
                            },
                            "required": ["id"],
                            "type": "object",
                        },
                        "minItems": 1,
                        "type": "array",
                    }
                },
                "required": ["requests"],
                "type": "object",
            },
            "meta": {"anthropic/searchHint": "working hours, chat limit, user"},
        },
        "delete_agent": {
            "title": "Delete agent",
            "description": "Permanently delete an agent and their group memberships; cannot be undone. For reversible offboarding, set max_chats_count 0 or suspend first. The owner cannot be deleted. Scopes: agents--my:rw + accounts--my:rw | agents--all:rw + accounts--all:rw.",
            "annotations": {
                "readOnlyHint": False,
                "destructiveHint": True,
                "idempotentHint": True,
                "openWorldHint": True,
            },
            "input_schema": {
                "additionalProperties": False,
                "properties": {
                    "id": {"description": "Agent ID: the agent's email (cannot be changed).", "type": "string"}
                },
                "required": ["id"],
                "type": "object",
            },
            "meta": {"anthropic/searchHint": "remove, user, staff"},
        },
        "batch_delete_agents": {
            "title": "Delete agents (batch)",
            "description": "Permanently delete several agents in one call; cannot be undone. Scopes: agents--my:rw + accounts--my:rw | agents--all:rw + accounts--all:rw.",
            "annotations": {
                "readOnlyHint": False,
                "destructiveHint": True,
                "idempotentHint": True,
                "openWorldHint": True,
            },
            "input_schema": {
                "additionalProperties": False,
                "properties": {
                    "requests": {
                        "description": "Requests of delete_agent, each run independently.",
                        "items": {
                            "properties": {
                                "id": {
                                    "description": "Agent ID: the agent's email (cannot be changed).",
                                    "type": "string",
                                }
                            },
                            "required": ["id"],
                            "type": "object",
                        },
                        "minItems": 1,
                        "type": "array",
                    }
                },
                "required": ["requests"],
                "type": "object",
            },
            "meta": {"anthropic/searchHint": "remove, user, staff, bulk"},
        },
        "suspend_agent": {
            "title": "Suspend agent",
            "description": "Suspend an agent so they cannot use LiveChat until unsuspended. The license owner cannot be suspended. Not public yet: LiveChat enables it per license on request (else refused). Scopes: agents--all:rw + sessions--all:rw.",
            "annotations": {
                "readOnlyHint": False,
                "destructiveHint": True,
                "idempotentHint": True,
                "openWorldHint": True,
            },
            "input_schema": {
                "additionalProperties": False,
                "properties": {
                    "id": {"description": "Agent ID: the agent's email (cannot be changed).", "type": "string"}
                },
                "required": ["id"],
                "type": "object",
            },
            "meta": {"anthropic/searchHint": "block, user, staff"},
        },
        "batch_suspend_agents": {
            "title": "Suspend agents (batch)",
            "description": "Suspend several agents in one call. Not public yet: LiveChat enables it per license on request (else refused). Scopes: agents--all:rw + sessions--all:rw.",
            "annotations": {
                "readOnlyHint": False,
                "destructiveHint": True,
                "idempotentHint": True,
                "openWorldHint": True,
            },
            "input_schema": {
                "additionalProperties": False,
                "properties": {
                    "requests": {
                        "description": "Requests of suspend_agent, each run independently.",
                        "items": {
                            "properties": {
                                "id": {
                                    "description": "Agent ID: the agent's email (cannot be changed).",
                                    "type": "string",
                                }
                            },
                            "required": ["id"],
                            "type": "object",
                        },
                        "minItems": 1,
                        "type": "array",
                    }
                },
                "required": ["requests"],
                "type": "object",
            },
            "meta": {"anthropic/searchHint": "block, user, staff, bulk"},
        },
        "unsuspend_agent": {
            "title": "Unsuspend agent",
            "description": "Lift an agent's suspension so they can use LiveChat again. Not public yet: LiveChat enables it per license on request (else refused). Scopes: agents--all:rw + accounts--all:rw + subscription.lc:rw.",
            "annotations": {
                "readOnlyHint": False,
                "destructiveHint": False,
                "idempotentHint": True,
                "openWorldHint": True,
            },
            "input_schema": {
                "additionalProperties": False,
                "properties": {
                    "id": {"description": "Agent ID: the agent's email (cannot be changed).", "type": "string"}
                },
                "required": ["id"],
                "type": "object",
            },
            "meta": {"anthropic/searchHint": "unblock, user, staff"},
        },
        "batch_unsuspend_agents": {
            "title": "Unsuspend agents (batch)",
            "description": "Lift the suspension of several agents in one call. Not public yet: LiveChat enables it per license on request (else refused). Scopes: agents--all:rw + accounts--all:rw + subscription.lc:rw.",
            "annotations": {
                "readOnlyHint": False,
                "destructiveHint": False,
                "idempotentHint": True,
                "openWorldHint": True,
            },
            "input_schema": {
                "additionalProperties": False,
                "properties": {
                    "requests": {
                        "description": "Requests of unsuspend_agent, each run independently.",
                        "items": {
                            "properties": {
                                "id": {
                                    "description": "Agent ID: the agent's email (cannot be changed).",
                                    "type": "string",
                                }
                            },
                            "required": ["id"],
                            "type": "object",
                        },
                        "minItems": 1,
                        "type": "array",
                    }
                },
                "required": ["requests"],
                "type": "object",
            },
            "meta": {"anthropic/searchHint": "unblock, user, staff, bulk"},
        },
        "request_agent_unsuspension": {
            "title": "Request agent unsuspension",
            "description": "As the suspended agent making the call, email the license owners and vice owners asking to be unsuspended. Takes no parameters; every call sends another email. Scopes: none.",
            "annotations": {
                "readOnlyHint": False,
                "destructiveHint": False,
                "idempotentHint": False,
                "openWorldHint": True,
            },
            "input_schema": {"additionalProperties": False, "properties": {}, "type": "object"},
            "meta": {"anthropic/searchHint": "user, staff"},
        },
        "approve_agent": {
            "title": "Approve agent",
            "description": "Approve an agent awaiting approval so they can use LiveChat. Not public yet: LiveChat enables it per license on request (else refused). Scopes: agents--all:rw + accounts--all:rw + subscription.lc:rw.",
            "annotations": {
                "readOnlyHint": False,
                "destructiveHint": False,
                "idempotentHint": True,
                "openWorldHint": True,
            },
            "input_schema": {
                "additionalProperties": False,
                "properties": {
                    "id": {"description": "Agent ID: the agent's email (cannot be changed).", "type": "string"}
                },
                "required": ["id"],
                "type": "object",
            },
            "meta": {"anthropic/searchHint": "pending, user, staff"},
        },
        "batch_approve_agents": {
            "title": "Approve agents (batch)",
            "description": "Approve several agents awaiting approval in one call. Not public yet: LiveChat enables it per license on request (else refused). Scopes: agents--all:rw + accounts--all:rw + subscription.lc:rw.",
            "annotations": {
                "readOnlyHint": False,
                "destructiveHint": False,
                "idempotentHint": True,
                "openWorldHint": True,
            },
            "input_schema": {
                "additionalProperties": False,
                "properties": {
                    "requests": {
                        "description": "Requests of approve_agent, each run independently.",
                        "items": {
                            "properties": {
                                "id": {
                                    "description": "Agent ID: the agent's email (cannot be changed).",
                                    "type": "string",
                                }
                            },
                            "required": ["id"],
                            "type": "object",
                        },
                        "minItems": 1,
                        "type": "array",
                    }
                },
                "required": ["requests"],
                "type": "object",
            },
            "meta": {"anthropic/searchHint": "pending, user, staff, bulk"},
        },
        "add_auto_access": {
            "title": "Add auto access rule",
            "description": "Create a rule that assigns chats to groups by page URL, domain or geolocation; placed before next_id or at the end. Returns the new id. Scopes: access_rules:rw.",
            "annotations": {
                "readOnlyHint": False,
                "destructiveHint": False,
                "idempotentHint": False,
                "openWorldHint": True,
            },
            "input_schema": {
                "additionalProperties": False,
                "properties": {
                    "access": {
                        "properties": {
                            "groups": {
                                "description": "Destination groups the chat is assigned to.",
                                "items": {"minimum": 0, "type": "integer"},
                                "minItems": 1,
                                "type": "array",
                            }
                        },
                        "required": ["groups"],
                        "type": "object",
                        "description": "Destination access.",
                    },
                    "conditions": {
                        "properties": {
                            "url": {
                                "$ref": "#/$defs/MatchCondition",
                                "description": "Matches the customer's page URL (Login customer_page.url / Update Customer Page url).",
                            },
                            "domain": {
                                "$ref": "#/$defs/MatchCondition",
                                "description": "Matches the domain of the customer's URL.",
                            },
                            "geolocation": {
                                "properties": {
                                    "values": {
                                        "description": "Locations; matches when any one matches (all fields of a location must match).",
                                        "items": {
                                            "properties": {
                                                "country": {
                                                    "type": "string",
                                                    "description": 'Country, e.g. "United States".',
                                                },
                                                "country_code": {
                                                    "type": "string",
                                                    "description": 'Country code, e.g. "US".',
                                                },
                                                "region": {
                                                    "type": "string",
                                                    "description": 'Region, e.g. "California".',
                                                },
                                                "city": {
                                                    "type": "string",
                                                    "description": 'City, e.g. "Mountain View".',
                                                },
                                            },
                                            "type": "object",
                                        },
                                        "minItems": 1,
                                        "type": "array",
                                    }
                                },
                                "required": ["values"],
                                "type": "object",
                                "description": "Matches the customer's geolocation.",
                            },
                        },
                        "type": "object",
                        "description": "Conditions to check (at least one of url, domain, geolocation).",
                    },
                    "description": {"type": "string", "description": "Description of the rule."},
                    "next_id": {
                        "type": "string",
                        "description": "Insert before this existing rule; omit or leave empty to append at the end.",
                    },
                },
                "required": ["access", "conditions"],
                "type": "object",
                "$defs": {
                    "MatchCondition": {
                        "properties": {
                            "values": {
                                "items": {"$ref": "#/$defs/MatchObject"},
                                "type": "array",
                                "description": "Positive match; cannot be combined with exclude_values.",
                            },
                            "exclude_values": {
                                "items": {"$ref": "#/$defs/MatchObject"},
                                "type": "array",
                                "description": "Negative match.",
                            },
                        },
                        "type": "object",
                    },
                    "MatchObject": {
                        "properties": {
                            "value": {"type": "string"},
                            "exact_match": {
                                "type": "boolean",
                                "description": "false (default): match value as a substring of the URL or domain.",
                            },
                        },
                        "required": ["value"],
                        "type": "object",
                    },
                },
            },
            "meta": {"anthropic/searchHint": "order, routing rule"},
        },
        "list_auto_accesses": {
            "title": "List auto access rules",
            "description": "List all auto access rules in evaluation order (each next_id points to the following rule). Scopes: access_rules:ro.",
            "annotations": {
                "readOnlyHint": True,
                "destructiveHint": False,
                "idempotentHint": True,
                "openWorldHint": True,
            },
            "input_schema": {
                "additionalProperties": False,
                "properties": {
                    "select": {
                        "items": {"type": "string"},
                        "type": "array",
                        "description": "Only these fields (id always kept); `fields` adds more.",
                    },
                    "limit": {
                        "description": "Page size (default 50).",
                        "maximum": 200,
                        "minimum": 1,
                        "type": "integer",
                    },
                    "cursor": {"description": "next_cursor of the previous page.", "type": "string"},
                },
                "type": "object",
            },
            "meta": {"anthropic/searchHint": "show all, routing rule"},
        },
        "update_auto_access": {
            "title": "Update auto access rule",
            "description": "Change a rule's access, conditions or description, or move it with next_id. Only given fields change. Scopes: access_rules:rw.",
            "annotations": {
                "readOnlyHint": False,
                "destructiveHint": False,
                "idempotentHint": True,
                "openWorldHint": True,
            },
            "input_schema": {
                "additionalProperties": False,
                "properties": {
                    "id": {"description": "ID of the auto access to modify.", "type": "string"},
                    "access": {
                        "properties": {
                            "groups": {
                                "description": "Destination groups the chat is assigned to.",
                                "items": {"minimum": 0, "type": "integer"},
                                "minItems": 1,
                                "type": "array",
                            }
                        },
                        "required": ["groups"],
                        "type": "object",
                        "description": "Destination access (replaces the current one).",
                    },
                    "conditions": {
                        "properties": {
                            "url": {
                                "$ref": "#/$defs/MatchCondition",
                                "description": "Matches the customer's page URL (Login customer_page.url / Update Customer Page url).",
                            },
                            "domain": {
                                "$ref": "#/$defs/MatchCondition",
                                "description": "Matches the domain of the customer's URL.",
                            },
                            "geolocation": {
                                "properties": {
                                    "values": {
                                        "description": "Locations; matches when any one matches (all fields of a location must match).",
                                        "items": {
                                            "properties": {
                                                "country": {
                                                    "type": "string",
                                                    "description": 'Country, e.g. "United States".',
                                                },
                                                "country_code": {
                                                    "type": "string",
                                                    "description": 'Country code, e.g. "US".',
                                                },
                                                "region": {
                                                    "type": "string",
                                                    "description": 'Region, e.g. "California".',
                                                },
                                                "city": {
                                                    "type": "string",
                                                    "description": 'City, e.g. "Mountain View".',
                                                },
                                            },
                                            "type": "object",
                                        },
                                        "minItems": 1,
                                        "type": "array",
                                    }
                                },
                                "required": ["values"],
                                "type": "object",
                                "description": "Matches the customer's geolocation.",
                            },
                        },
                        "type": "object",
                        "description": "Conditions (replace the current ones; at least one of url, domain, geolocation).",
                    },
                    "description": {"type": "string", "description": "Description of the rule."},
                    "next_id": {
                        "type": "string",
                        "description": 'Move the rule before this one; "" moves it to the end; omit to keep its position.',
                    },
                },
                "required": ["id"],
                "type": "object",
                "$defs": {
                    "MatchCondition": {
                        "properties": {
                            "values": {
                                "items": {"$ref": "#/$defs/MatchObject"},
                                "type": "array",
                                "description": "Positive match; cannot be combined with exclude_values.",
                            },
                            "exclude_values": {
                                "items": {"$ref": "#/$defs/MatchObject"},
                                "type": "array",
                                "description": "Negative match.",
                            },
                        },
                        "type": "object",
                    },
                    "MatchObject": {
                        "properties": {
                            "value": {"type": "string"},
                            "exact_match": {
                                "type": "boolean",
                                "description": "false (default): match value as a substring of the URL or domain.",
                            },
                        },
                        "required": ["value"],
                        "type": "object",
                    },
                },
            },
            "meta": {"anthropic/searchHint": "order, routing rule"},
        },
        "delete_auto_access": {
            "title": "Delete auto access rule",
            "description": "Delete an auto access rule. Permanent. Scopes: access_rules:rw.",
            "annotations": {
                "readOnlyHint": False,
                "destructiveHint": True,
                "idempotentHint": True,
                "openWorldHint": True,
            },
            "input_schema": {
                "additionalProperties": False,
                "properties": {"id": {"type": "string"}},
                "required": ["id"],
                "type": "object",
            },
            "meta": {"anthropic/searchHint": "remove, routing rule"},
        },
        "create_bot_template": {
            "title": "Create bot template",
            "description": "Create a bot template for an app (client ID; at most five each); a bot with the template's id is created on licenses installing the app. Returns its id and secret. Scopes: bots.templates:rw.",
            "annotations": {
                "readOnlyHint": False,
                "destructiveHint": False,
                "idempotentHint": False,
                "openWorldHint": True,
            },
            "input_schema": {
                "additionalProperties": False,
                "properties": {
                    "name": {"description": "Display name.", "type": "string"},
                    "avatar": {"type": "string", "description": "Avatar URL."},
                    "max_chats_count": {
                        "description": "Max incoming chats routed to the bot; maximum 500 (default 6).",
                        "maximum": 500,
                        "minimum": 0,
                        "type": "integer",
                    },
                    "default_group_priority": {
                        "enum": ["first", "normal", "last", "supervisor"],
                        "type": "string",
                        "description": "Default routing priority for a group without a defined priority.",
                    },
                    "job_title": {"type": "string", "description": "Bot's job title."},
                    "owner_client_id": {
                        "description": "Owner client ID (default: the Bearer token's; required with a PAT).",
                        "type": "string",
                    },
                    "affect_existing_installations": {
                        "type": "boolean",
                        "description": "If true, a bot from this template is created on all licenses that already have the app installed; otherwise only new installations get it.",
                    },
                },
                "required": ["name"],
                "type": "object",
            },
            "meta": {"anthropic/searchHint": "chat limit, add, chatbot"},
        },
        "create_bot": {
            "title": "Create bot",
            "description": "Create a bot owned by the calling app's client ID; returns its id and secret. It gets chats only after its routing status is set (Agent Chat API). Keep the secret: issue_bot_token needs it. Scopes: agents-bot--my:rw.",
            "annotations": {
                "readOnlyHint": False,
                "destructiveHint": False,
                "idempotentHint": False,
                "openWorldHint": True,
            },
            "input_schema": {
                "additionalProperties": False,
                "properties": {
                    "name": {"description": "Display name.", "type": "string"},
                    "avatar": {"type": "string", "description": "Avatar URL."},
                    "max_chats_count": {
                        "description": "Max incoming chats routed to the bot; maximum 500 (default 6).",
                        "maximum": 500,
                        "minimum": 0,
                        "type": "integer",
                    },
                    "default_group_priority": {
                        "enum": ["first", "normal", "last", "supervisor"],
                        "type": "string",
                        "description": "Default routing priority for a group without a defined priority.",
                    },
                    "job_title": {"type": "string", "description": "Bot's job title."},
                    "groups": {
                        "items": {
                            "properties": {
                                "id": {
                                    "description": "Group ID (0 is the default group 'General').",
                                    "minimum": 0,
                                    "type": "integer",
                                },
                                "priority": {
                                    "description": "Routing priority in the group: first gets chats before the others; supervisor gets none automatically.",
                                    "enum": ["first", "normal", "last", "supervisor"],
                                    "type": "string",
                                },
                            },
                            "required": ["id", "priority"],
                            "type": "object",
                        },
                        "type": "array",
                        "description": "Groups the bot belongs to, each {id, priority}.",
                    },
                    "type": {"type": "string", "description": "Custom value to categorize the bot (default: chatbot)."},
                    "work_scheduler": {
                        "properties": {
                            "timezone": {
                                "description": "Time zone (IANA, e.g. Europe/Warsaw) the bot's work scheduler operates in.",
                                "type": "string",
                            },
                            "schedule": {
                                "description": "Working hours; several entries per day allowed.",
                                "items": {
                                    "properties": {
                                        "day": {
                                            "description": "Day the working hours apply to.",
                                            "enum": [
                                                "sunday",
                                                "monday",
                                                "tuesday",
                                                "wednesday",
                                                "thursday",
                                                "friday",
                                                "saturday",
                                            ],
                                            "type": "string",
                                        },
                                        "enabled": {
                                            "description": "Whether these hours are enabled.",
                                            "type": "boolean",
                                        },
                                        "start": {
                                            "description": "Start, HH:MM.",
                                            "pattern": "^\\d\\d:\\d\\d$",
                                            "type": "string",
                                        },
                                        "end": {
                                            "description": "End, HH:MM.",
                                            "pattern": "^\\d\\d:\\d\\d$",
                                            "type": "string",
                                        },
                                    },
                                    "required": ["day", "enabled", "start", "end"],
                                    "type": "object",
                                },
                                "type": "array",
                            },
                        },
                        "required": ["timezone", "schedule"],
                        "type": "object",
                        "description": "Working hours: {timezone, schedule: [{day, enabled, start, end}]}.",
                    },
                    "owner_client_id": {
                        "description": "Owner client ID (default: the Bearer token's; required with a PAT).",
                        "type": "string",
                    },
                },
                "required": ["name"],
                "type": "object",
            },
            "meta": {"anthropic/searchHint": "working hours, chat limit, add"},
        },
        "batch_create_bots": {
            "title": "Create bots",
            "description": "Create several bots in one call; each item is a create_bot request, answered in order. Scopes: agents-bot--my:rw.",
            "annotations": {
                "readOnlyHint": False,
                "destructiveHint": False,
                "idempotentHint": False,
                "openWorldHint": True,
            },
            "input_schema": {
                "additionalProperties": False,
                "properties": {
                    "requests": {
                        "description": "Requests of create_bot, each run independently.",
                        "items": {
                            "properties": {
                                "name": {"description": "Display name.", "type": "string"},
                                "avatar": {"type": "string", "description": "Avatar URL."},
                                "max_chats_count": {
                                    "description": "Max incoming chats routed to the bot; maximum 500 (default 6).",
                                    "maximum": 500,
                                    "minimum": 0,
                                    "type": "integer",
                                },
                                "default_group_priority": {
                                    "enum": ["first", "normal", "last", "supervisor"],
                                    "type": "string",
                                    "description": "Default routing priority for a group without a defined priority.",
                                },
                                "job_title": {"type": "string", "description": "Bot's job title."},
                                "groups": {
                                    "items": {
                                        "properties": {
                                            "id": {
                                                "description": "Group ID (0 is the default group 'General').",
                                                "minimum": 0,
                                                "type": "integer",
                                            },
                                            "priority": {
                                                "description": "Routing priority in the group: first gets chats before the others; supervisor gets none automatically.",
                                                "enum": ["first", "normal", "last", "supervisor"],
                                                "type": "string",
                                            },
                                        },
                                        "required": ["id", "priority"],
                                        "type": "object",
                                    },
                                    "type": "array",
                                    "description": "Groups the bot belongs to, each {id, priority}.",
                                },
                                "type": {
                                    "type": "string",
                                    "description": "Custom value to categorize the bot (default: chatbot).",
                                },
                                "work_scheduler": {
                                    "properties": {
                                        "timezone": {
                                            "description": "Time zone (IANA, e.g. Europe/Warsaw) the bot's work scheduler operates in.",
                                            "type": "string",
                                        },
                                        "schedule": {
                                            "description": "Working hours; several entries per day allowed.",
                                            "items": {
                                                "properties": {
                                                    "day": {
                                                        "description": "Day the working hours apply to.",
                                                        "enum": [
                                                            "sunday",
                                                            "monday",
                                                            "tuesday",
                                                            "wednesday",
                                                            "thursday",
                                                            "friday",
                                                            "saturday",
                                                        ],
                                                        "type": "string",
                                                    },
                                                    "enabled": {
                                                        "description": "Whether these hours are enabled.",
                                                        "type": "boolean",
                                                    },
                                                    "start": {
                                                        "description": "Start, HH:MM.",
                                                        "pattern": "^\\d\\d:\\d\\d$",
                                                        "type": "string",
                                                    },
                                                    "end": {
                                                        "description": "End, HH:MM.",
                                                        "pattern": "^\\d\\d:\\d\\d$",
                                                        "type": "string",
                                                    },
                                                },
                                                "required": ["day", "enabled", "start", "end"],
                                                "type": "object",
                                            },
                                            "type": "array",
                                        },
                                    },
                                    "required": ["timezone", "schedule"],
                                    "type": "object",
                                    "description": "Working hours: {timezone, schedule: [{day, enabled, start, end}]}.",
                                },
                                "owner_client_id": {
                                    "description": "Owner client ID (default: the Bearer token's; required with a PAT).",
                                    "type": "string",
                                },
                            },
                            "required": ["name"],
                            "type": "object",
                        },
                        "minItems": 1,
                        "type": "array",
                    }
                },
                "required": ["requests"],
                "type": "object",
            },
            "meta": {"anthropic/searchHint": "working hours, chat limit, add"},
        },
        "delete_bot_template": {
            "title": "Delete bot template",
            "description": "Delete a bot template. Bots already created from it are deleted only with affect_existing_installations: true. Permanent. Scopes: bots.templates:rw.",
            "annotations": {
                "readOnlyHint": False,
                "destructiveHint": True,
                "idempotentHint": True,
                "openWorldHint": True,
            },
            "input_schema": {
                "additionalProperties": False,
                "properties": {
                    "id": {"type": "string"},
                    "owner_client_id": {
                        "description": "Owner client ID (default: the Bearer token's; required with a PAT).",
                        "type": "string",
                    },
                    "affect_existing_installations": {
                        "type": "boolean",
                        "description": "If true, bots based on this template are deleted from all licenses with the app installed.",
                    },
                },
                "required": ["id"],
                "type": "object",
            },
            "meta": {"anthropic/searchHint": "remove, chatbot"},
        },
        "delete_bot": {
            "title": "Delete bot",
            "description": "Delete a bot and its group memberships. Permanent. Scopes: agents-bot--my:rw | agents-bot--all:rw.",
            "annotations": {
                "readOnlyHint": False,
                "destructiveHint": True,
                "idempotentHint": True,
                "openWorldHint": True,
            },
            "input_schema": {
                "additionalProperties": False,
                "properties": {"id": {"type": "string"}},
                "required": ["id"],
                "type": "object",
            },
            "meta": {"anthropic/searchHint": "remove, chatbot"},
        },
        "batch_delete_bots": {
            "title": "Delete bots",
            "description": "Delete several bots in one call; each item is a delete_bot request. Permanent. Scopes: agents-bot--my:rw | agents-bot--all:rw.",
            "annotations": {
                "readOnlyHint": False,
                "destructiveHint": True,
                "idempotentHint": True,
                "openWorldHint": True,
            },
            "input_schema": {
                "additionalProperties": False,
                "properties": {
                    "requests": {
                        "description": "Requests of delete_bot, each run independently.",
                        "items": {
                            "properties": {"id": {"type": "string"}},
                            "required": ["id"],
                            "type": "object",
                        },
                        "minItems": 1,
                        "type": "array",
                    }
                },
                "required": ["requests"],
                "type": "object",
            },
            "meta": {"anthropic/searchHint": "remove, chatbot, bulk"},
        },
        "update_bot_template": {
            "title": "Update bot template",
            "description": "Change a bot template; only the fields given change. Existing bots change only with affect_existing_installations: true. Scopes: bots.templates:rw.",
            "annotations": {
                "readOnlyHint": False,
                "destructiveHint": False,
                "idempotentHint": True,
                "openWorldHint": True,
            },
            "input_schema": {
                "additionalProperties": False,
                "properties": {
                    "id": {"type": "string"},
                    "name": {"description": "Display name.", "type": "string"},
                    "avatar": {"type": "string", "description": "Avatar URL."},
                    "max_chats_count": {
                        "description": "Max incoming chats routed to the bot; maximum 500.",
                        "maximum": 500,
                        "minimum": 0,
                        "type": "integer",
                    },
                    "default_group_priority": {
                        "enum": ["first", "normal", "last", "supervisor"],
                        "type": "string",
                        "description": "Default routing priority for a group without a defined priority.",
                    },
                    "job_title": {"type": "string", "description": "Bot's job title."},
                    "owner_client_id": {
                        "description": "Owner client ID (default: the Bearer token's; required with a PAT).",
                        "type": "string",
                    },
                    "affect_existing_installations": {
                        "type": "boolean",
                        "description": "If true, bots based on this template are updated on all licenses with the app installed.",
                    },
                },
                "required": ["id"],
                "type": "object",
            },
            "meta": {"anthropic/searchHint": "chat limit, chatbot"},
        },
        "update_bot": {
            "title": "Update bot",
            "description": "Change a bot's settings; only the fields given change. `groups` replaces all its memberships. Scopes: agents-bot--my:rw | agents-bot--all:rw.",
            "annotations": {
                "readOnlyHint": False,
                "destructiveHint": False,
                "idempotentHint": True,
                "openWorldHint": True,
            },
            "input_schema": {
                "additionalProperties": False,
                "properties": {
                    "id": {"type": "string"},
                    "name": {"description": "Display name.", "type": "string"},
                    "avatar": {"type": "string", "description": "Avatar URL."},
                    "max_chats_count": {
                        "description": "Max incoming chats routed to the bot; maximum 500.",
                        "maximum": 500,
                        "minimum": 0,
                        "type": "integer",
                    },
                    "groups": {
                        "items": {
                            "properties": {
                                "id": {
                                    "description": "Group ID (0 is the default group 'General').",
                                    "minimum": 0,
                                    "type": "integer",
                                },
                                "priority": {
                                    "description": "Routing priority in the group: first gets chats before the others; supervisor gets none automatically.",
                                    "enum": ["first", "normal", "last", "supervisor"],
                                    "type": "string",
                                },
                            },
                            "required": ["id", "priority"],
                            "type": "object",
                        },
                        "type": "array",
                        "description": "The groups the bot belongs to, each {id, priority}; replaces its current memberships.",
                    },
                    "default_group_priority": {
                        "enum": ["first", "normal", "last", "supervisor"],
                        "type": "string",
                        "description": "Default routing priority for a group without a defined priority.",
                    },
                    "job_title": {"type": "string", "description": "Bot's job title."},
                    "type": {"type": "string", "description": "Custom value to categorize the bot."},
                    "work_scheduler": {
                        "properties": {
                            "timezone": {
                                "description": "Time zone (IANA, e.g. Europe/Warsaw) the bot's work scheduler operates in.",
                                "type": "string",
                            },
                            "schedule": {
                                "description": "Working hours; several entries per day allowed.",
                                "items": {
                                    "properties": {
                                        "day": {
                                            "description": "Day the working hours apply to.",
                                            "enum": [
                                                "sunday",
                                                "monday",
                                                "tuesday",
                                                "wednesday",
                                                "thursday",
                                                "friday",
                                                "saturday",
                                            ],
                                            "type": "string",
                                        },
                                        "enabled": {
                                            "description": "Whether these hours are enabled.",
                                            "type": "boolean",
                                        },
                                        "start": {
                                            "description": "Start, HH:MM.",
                                            "pattern": "^\\d\\d:\\d\\d$",
                                            "type": "string",
                                        },
                                        "end": {
                                            "description": "End, HH:MM.",
                                            "pattern": "^\\d\\d:\\d\\d$",
                                            "type": "string",
                                        },
                                    },
                                    "required": ["day", "enabled", "start", "end"],
                                    "type": "object",
                                },
                                "type": "array",
                            },
                        },
                        "required": ["timezone", "schedule"],
                        "type": "object",
                        "description": "Working hours: {timezone, schedule: [{day, enabled, start, end}]}.",
                    },
                },
                "required": ["id"],
                "type": "object",
            },
            "meta": {"anthropic/searchHint": "working hours, chat limit, chatbot"},
        },
        "batch_update_bots": {
            "title": "Update bots",
            "description": "Update several bots in one call; each item is an update_bot request, answered in order. Scopes: agents-bot--my:rw | agents-bot--all:rw.",
            "annotations": {
                "readOnlyHint": False,
                "destructiveHint": False,
                "idempotentHint": True,
                "openWorldHint": True,
            },
            "input_schema": {
                "additionalProperties": False,
                "properties": {
                    "requests": {
                        "description": "Requests of update_bot, each run independently.",
                        "items": {
                            "properties": {
                                "id": {"type": "string"},
                                "name": {"description": "Display name.", "type": "string"},
                                "avatar": {"type": "string", "description": "Avatar URL."},
                                "max_chats_count": {
                                    "description": "Max incoming chats routed to the bot; maximum 500.",
                                    "maximum": 500,
                                    "minimum": 0,
                                    "type": "integer",
                                },
                                "groups": {
                                    "items": {
                                        "properties": {
                                            "id": {
                                                "description": "Group ID (0 is the default group 'General').",
                                                "minimum": 0,
                                                "type": "integer",
                                            },
                                            "priority": {
                                                "description": "Routing priority in the group: first gets chats before the others; supervisor gets none automatically.",
                                                "enum": ["first", "normal", "last", "supervisor"],
                                                "type": "string",
                                            },
                                        },
                                        "required": ["id", "priority"],
                                        "type": "object",
                                    },
                                    "type": "array",
                                    "description": "The groups the bot belongs to, each {id, priority}; replaces its current memberships.",
                                },
                                "default_group_priority": {
                                    "enum": ["first", "normal", "last", "supervisor"],
                                    "type": "string",
                                    "description": "Default routing priority for a group without a defined priority.",
                                },
                                "job_title": {"type": "string", "description": "Bot's job title."},
                                "type": {"type": "string", "description": "Custom value to categorize the bot."},
                                "work_scheduler": {
                                    "properties": {
                                        "timezone": {
                                            "description": "Time zone (IANA, e.g. Europe/Warsaw) the bot's work scheduler operates in.",
                                            "type": "string",
                                        },
                                        "schedule": {
                                            "description": "Working hours; several entries per day allowed.",
                                            "items": {
                                                "properties": {
                                                    "day": {
                                                        "description": "Day the working hours apply to.",
                                                        "enum": [
                                                            "sunday",
                                                            "monday",
                                                            "tuesday",
                                                            "wednesday",
                                                            "thursday",
                                                            "friday",
                                                            "saturday",
                                                        ],
                                                        "type": "string",
                                                    },
                                                    "enabled": {
                                                        "description": "Whether these hours are enabled.",
                                                        "type": "boolean",
                                                    },
                                                    "start": {
                                                        "description": "Start, HH:MM.",
                                                        "pattern": "^\\d\\d:\\d\\d$",
                                                        "type": "string",
                                                    },
                                                    "end": {
                                                        "description": "End, HH:MM.",
                                                        "pattern": "^\\d\\d:\\d\\d$",
                                                        "type": "string",
                                                    },
                                                },
                                                "required": ["day", "enabled", "start", "end"],
                                                "type": "object",
                                            },
                                            "type": "array",
                                        },
                                    },
                                    "required": ["timezone", "schedule"],
                                    "type": "object",
                                    "description": "Working hours: {timezone, schedule: [{day, enabled, start, end}]}.",
                                },
                            },
                            "required": ["id"],
                            "type": "object",
                        },
                        "minItems": 1,
                        "type": "array",
                    }
                },
                "required": ["requests"],
                "type": "object",
            },
            "meta": {"anthropic/searchHint": "working hours, chat limit, change"},
        },
        "list_bot_templates": {
            "title": "List bot templates",
            "description": "List the bot templates of an app (client ID). Scopes: bots.templates:rw.",
            "annotations": {
                "readOnlyHint": True,
                "destructiveHint": False,
                "idempotentHint": True,
                "openWorldHint": True,
            },
            "input_schema": {
                "additionalProperties": False,
                "properties": {
                    "owner_client_id": {
                        "description": "Owner client ID (default: the Bearer token's; required with a PAT).",
                        "type": "string",
                    }
                },
                "type": "object",
            },
            "meta": {"anthropic/searchHint": "show all, chatbot"},
        },
        "list_bots": {
            "title": "List bots",
            "description": "List bots: by default only the requester's (owned by its client ID); all: true for every bot. Scopes: agents-bot--my:ro | agents-bot--all:ro.",
            "annotations": {
                "readOnlyHint": True,
                "destructiveHint": False,
                "idempotentHint": True,
                "openWorldHint": True,
            },
            "input_schema": {
                "additionalProperties": False,
                "properties": {
                    "all": {
                        "type": "boolean",
                        "description": "true: all bots of the license; false (default): only the requester's bots (those owned by the calling app's client ID).",
                    },
                    "fields": {
                        "description": "Additional fields to include.",
                        "items": {
                            "enum": ["groups", "work_scheduler", "job_title", "max_chats_count", "timezone"],
                            "type": "string",
                        },
                        "type": "array",
                    },
                    "select": {
                        "items": {"type": "string"},
                        "type": "array",
                        "description": "Only these fields (id always kept); `fields` adds more.",
                    },
                    "limit": {
                        "description": "Page size (default 50).",
                        "maximum": 200,
                        "minimum": 1,
                        "type": "integer",
                    },
                    "cursor": {"description": "next_cursor of the previous page.", "type": "string"},
                },
                "type": "object",
            },
            "meta": {"anthropic/searchHint": "show all, chatbot"},
        },
        "get_bot": {
            "title": "Get bot",
            "description": "Get one bot; add `fields` for groups, work_scheduler, job_title, max_chats_count, timezone. Scopes: agents-bot--my:ro | agents-bot--all:ro.",
            "annotations": {
                "readOnlyHint": True,
                "destructiveHint": False,
                "idempotentHint": True,
                "openWorldHint": True,
            },
            "input_schema": {
                "additionalProperties": False,
                "properties": {
                    "id": {"type": "string"},
                    "fields": {
                        "description": "Additional fields to include.",
                        "items": {
                            "enum": ["groups", "work_scheduler", "job_title", "max_chats_count", "timezone"],
                            "type": "string",
                        },
                        "type": "array",
                    },
                    "select": {
                        "items": {"type": "string"},
                        "type": "array",
                        "description": "Only these fields (id always kept); `fields` adds more.",
                    },
                },
                "required": ["id"],
                "type": "object",
            },
            "meta": {"anthropic/searchHint": "look up, chatbot"},
        },
        "issue_bot_token": {
            "title": "Issue bot token",
            "description": "Issue a chat token for a bot from its secret. Valid 24 hours and cannot be revoked. Scopes: none.",
            "annotations": {
                "readOnlyHint": False,
                "destructiveHint": False,
                "idempotentHint": False,
                "openWorldHint": True,
            },
            "input_schema": {
                "additionalProperties": False,
                "properties": {
                    "bot_id": {"type": "string"},
                    "client_id": {"description": "Client ID (of the app owning the bot).", "type": "string"},
                    "bot_secret": {
                        "description": "Bot secret, as returned by create_bot or reset_bot_secret.",
                        "type": "string",
                    },
                    "organization_id": {"type": "string"},
                },
                "required": ["bot_id", "client_id", "bot_secret", "organization_id"],
                "type": "object",
            },
            "meta": {"anthropic/searchHint": "new, chatbot"},
        },
        "reset_bot_template_secret": {
            "title": "Reset bot template secret",
            "description": "Replace a bot template's secret; the old one stops working. Returns the new secret. Scopes: bots.templates:rw.",
            "annotations": {
                "readOnlyHint": False,
                "destructiveHint": True,
                "idempotentHint": False,
                "openWorldHint": True,
            },
            "input_schema": {
                "additionalProperties": False,
                "properties": {
                    "id": {"type": "string"},
                    "owner_client_id": {
                        "description": "Owner client ID (default: the Bearer token's; required with a PAT).",
                        "type": "string",
                    },
                    "affect_existing_installations": {
                        "type": "boolean",
                        "description": "If true, the new secret is also set for all existing bots based on this template.",
                    },
                },
                "required": ["id"],
                "type": "object",
            },
            "meta": {"anthropic/searchHint": "rotate leaked, chatbot"},
        },
        "reset_bot_secret": {
            "title": "Reset bot secret",
            "description": "Replace a bot's secret; the old one stops working for issue_bot_token. Returns the new secret. Scopes: agents-bot--my:rw.",
            "annotations": {
                "readOnlyHint": False,
                "destructiveHint": True,
                "idempotentHint": False,
                "openWorldHint": True,
            },
            "input_schema": {
                "additionalProperties": False,
                "properties": {
                    "id": {"type": "string"},
                    "owner_client_id": {
                        "description": "Owner client ID (default: the Bearer token's; required with a PAT).",
                        "type": "string",
                    },
                },
                "required": ["id"],
                "type": "object",
            },
            "meta": {"anthropic/searchHint": "rotate leaked, chatbot"},
        },
        "list_customer_bans": {
            "title": "List customer bans",
            "description": "List the license's active customer bans (IP and/or customer ID, who banned, when it expires). Scopes: banlist_read.",
            "annotations": {
                "readOnlyHint": True,
                "destructiveHint": False,
                "idempotentHint": True,
                "openWorldHint": True,
            },
            "input_schema": {
                "additionalProperties": False,
                "properties": {
                    "limit": {
                        "description": "Page size (default 50).",
                        "maximum": 200,
                        "minimum": 1,
                        "type": "integer",
                    },
                    "cursor": {"description": "next_cursor of the previous page.", "type": "string"},
                },
                "type": "object",
            },
            "meta": {"anthropic/searchHint": "show all, banned visitors"},
        },
        "unban_customer": {
            "title": "Unban customer",
            "description": "Lift the ban on a customer, identified by exactly one of `ip` or `customer_id`. Scopes: banlist_write.",
            "annotations": {
                "readOnlyHint": False,
                "destructiveHint": False,
                "idempotentHint": True,
                "openWorldHint": True,
            },
            "input_schema": {
                "additionalProperties": False,
                "properties": {
                    "ip": {"type": "string", "description": "IP address of the banned customer."},
                    "customer_id": {"type": "string", "description": "ID of the banned customer."},
                },
                "type": "object",
            },
            "meta": {"anthropic/searchHint": "banned visitors"},
        },
        "create_greeting": {
            "title": "Create greeting",
            "description": "Create a greeting (campaign) shown to visitors of a group when its rules match. Returns the new greeting's id; its group cannot be changed later. Scopes: greetings:rw.",
            "annotations": {
                "readOnlyHint": False,
                "destructiveHint": False,
                "idempotentHint": False,
                "openWorldHint": True,
            },
            "input_schema": {
                "additionalProperties": False,
                "properties": {
                    "type": {"enum": ["normal", "announcement"], "type": "string"},
                    "active": {"type": "boolean"},
                    "active_from": {
                        "description": "When the greeting becomes active (RFC 3339).",
                        "format": "date-time",
                        "type": "string",
                    },
                    "active_until": {
                        "description": "When the greeting stops being active (RFC 3339).",
                        "format": "date-time",
                        "type": "string",
                    },
                    "name": {"type": "string"},
                    "group": {
                        "description": "ID of the group the greeting belongs to; cannot be changed later.",
                        "minimum": 0,
                        "type": "integer",
                    },
                    "rules": {
                        "description": "Rules that trigger the greeting, at most 10.",
                        "items": {
                            "properties": {
                                "condition": {
                                    "description": "and: match all conditions; or: match one of them.",
                                    "enum": ["and", "or"],
                                    "type": "string",
                                },
                                "type": {
                                    "description": "Rule type. value+operator: visit_time_site/visit_time_page (seconds 0-900), url_current, url_visited, url_referrer, geolocation, search_keyword, pages_view_number, visits_number; urls: url_funnel; value+operator+urls: url_match_page_view_number; session_field: custom_variable, ads_traffic.",
                                    "enum": [
                                        "visit_time_site",
                                        "visit_time_page",
                                        "url_current",
                                        "url_visited",
                                        "url_funnel",
                                        "pages_view_number",
                                        "url_referrer",
                                        "geolocation",
                                        "visits_number",
                                        "search_keyword",
                                        "custom_variable",
                                        "ads_traffic",
                                        "url_match_page_view_number",
                                    ],
                                    "type": "string",
                                },
                                "operator": {
                                    "enum": [
                                        "equals",
                                        "doesnt_equal",
                                        "lower_than",
                                        "lower_or_equal",
                                        "greater_than",
                                        "greater_or_equal",
                                        "contains",
                                        "doesnt_contain",
                                    ],
                                    "type": "string",
                                    "description": "Comparison operator; not used by url_funnel, custom_variable, ads_traffic.",
                                },
                                "value": {
                                    "type": "string",
                                    "description": 'Value compared with the operator (a string, numbers too: "30"); required except for url_funnel, custom_variable, ads_traffic.',
                                },
                                "urls": {
                                    "items": {
                                        "properties": {
                                            "url": {
                                                "description": "URL to compare the visited page against.",
                                                "type": "string",
                                            },
                                            "operator": {
                                                "description": "How the URL is compared.",
                                                "enum": [
                                                    "equals",
                                                    "doesnt_equal",
                                                    "lower_than",
                                                    "lower_or_equal",
                                                    "greater_than",
                                                    "greater_or_equal",
                                                    "contains",
                                                    "doesnt_contain",
                                                ],
                                                "type": "string",
                                            },
                                        },
                                        "required": ["url", "operator"],
                                        "type": "object",
                                    },
                                    "maxItems": 10,
                                    "minItems": 1,
                                    "type": "array",
                                    "description": "1-10 URLs; only for url_funnel and url_match_page_view_number (required there).",
                                },
                                "session_field": {
                                    "additionalProperties": {"maxLength": 255, "type": "string"},
                                    "maxProperties": 1,
                                    "minProperties": 1,
                                    "propertyNames": {"maxLength": 255},
                                    "type": "object",
                                    "description": "Exactly one key-value pair (each ≤255 chars); only for custom_variable and ads_traffic, whose key is microsoft, facebook, google, twitter or yahoo.",
                                },
                            },
                            "required": ["condition", "type"],
                            "type": "object",
                        },
                        "maxItems": 10,
                        "type": "array",
                    },
                    "properties": {
                        "properties": {
                            "addon": {"type": "string", "description": "Addon-related property, e.g. chat_widget."},
                            "is_exit_intent": {
                                "type": "string",
                                "description": 'Exit intent detection flag: "true" or "false".',
                            },
                            "greeting-message_text": {"type": "string", "description": "Plain text message content."},
                            "greeting-message_json_key": {
                                "type": "string",
                                "description": "JSON key for the message content.",
                            },
                            "greeting-message_phrase_key": {
                                "type": "string",
                                "description": "Phrase key for the message content.",
                            },
                        },
                        "type": "object",
                        "description": "Additional properties.",
                    },
                    "rich_message": {
                        "properties": {
                            "template_id": {
                                "description": "How the message is presented: cards, sticker, quick_replies (text in the examples).",
                                "enum": ["cards", "sticker", "quick_replies", "text"],
                                "type": "string",
                            },
                            "elements": {
                                "items": {
                                    "properties": {
                                        "title": {"description": "Formatted title text.", "type": "string"},
                                        "subtitle": {"description": "Formatted subtitle text.", "type": "string"},
                                        "image": {
                                            "properties": {
                                                "url": {"type": "string"},
                                                "name": {"type": "string"},
                                                "content_type": {"type": "string", "description": "Image MIME type."},
                                                "size": {
                                                    "minimum": 0,
                                                    "type": "integer",
                                                    "description": "Image size in bytes.",
                                                },
                                                "width": {
                                                    "minimum": 0,
                                                    "type": "integer",
                                                    "description": "Image width in pixels.",
                                                },
                                                "height": {
                                                    "minimum": 0,
                                                    "type": "integer",
                                                    "description": "Image height in pixels.",
                                                },
                                                "alternative_text": {"type": "string"},
                                            },
                                            "required": ["url"],
                                            "type": "object",
                                            "description": "Image; url required.",
                                        },
                                        "buttons": {
                                            "items": {
                                                "properties": {
                                                    "text": {"type": "string"},
                                                    "type": {
                                                        "description": "What a click does with value.",
                                                        "enum": ["webview", "message", "url", "phone"],
                                                        "type": "string",
                                                    },
                                                    "value": {
                                                        "description": "The button's target (URL, phone, message; a webview's title).",
                                                        "type": "string",
                                                    },
                                                    "postback_id": {
                                                        "description": "Unique button identifier sent in postback events.",
                                                        "type": "string",
                                                    },
                                                    "button_id": {
                                                        "type": "string",
                                                        "description": "Button ID; generated if omitted. On update, pass the existing ID to keep it.",
                                                    },
                                                    "role": {
                                                        "enum": ["default", "primary", "danger"],
                                                        "type": "string",
                                                    },
                                                },
                                                "required": ["text", "type", "value", "postback_id"],
                                                "type": "object",
                                            },
                                            "maxItems": 13,
                                            "type": "array",
                                            "description": "Up to 13 buttons.",
                                        },
                                    },
                                    "required": ["title", "subtitle"],
                                    "type": "object",
                                },
                                "maxItems": 10,
                                "type": "array",
                                "description": "Up to 10 elements.",
                            },
                        },
                        "required": ["template_id"],
                        "type": "object",
                        "description": "Rich message content.",
                    },
                },
                "required": ["type", "active", "name", "group", "rules"],
                "type": "object",
            },
            "meta": {"anthropic/searchHint": "add"},
        },
        "update_greeting": {
            "title": "Update greeting",
            "description": "Change a greeting's fields; omitted fields stay, given rules/properties/rich_message replace the old ones. The group cannot be changed. Scopes: greetings:rw.",
            "annotations": {
                "readOnlyHint": False,
                "destructiveHint": False,
                "idempotentHint": True,
                "openWorldHint": True,
            },
            "input_schema": {
                "additionalProperties": False,
                "properties": {
                    "id": {"type": "integer"},
                    "type": {"enum": ["normal", "announcement"], "type": "string"},
                    "active": {"type": "boolean"},
                    "active_from": {
                        "description": "When the greeting becomes active (RFC 3339).",
                        "format": "date-time",
                        "type": "string",
                    },
                    "active_until": {
                        "description": "When the greeting stops being active (RFC 3339).",
                        "format": "date-time",
                        "type": "string",
                    },
                    "name": {"type": "string"},
                    "rules": {
                        "items": {
                            "properties": {
                                "condition": {
                                    "description": "and: match all conditions; or: match one of them.",
                                    "enum": ["and", "or"],
                                    "type": "string",
                                },
                                "type": {
                                    "description": "Rule type. value+operator: visit_time_site/visit_time_page (seconds 0-900), url_current, url_visited, url_referrer, geolocation, search_keyword, pages_view_number, visits_number; urls: url_funnel; value+operator+urls: url_match_page_view_number; session_field: custom_variable, ads_traffic.",
                                    "enum": [
                                        "visit_time_site",
                                        "visit_time_page",
                                        "url_current",
                                        "url_visited",
                                        "url_funnel",
                                        "pages_view_number",
                                        "url_referrer",
                                        "geolocation",
                                        "visits_number",
                                        "search_keyword",
                                        "custom_variable",
                                        "ads_traffic",
                                        "url_match_page_view_number",
                                    ],
                                    "type": "string",
                                },
                                "operator": {
                                    "enum": [
                                        "equals",
                                        "doesnt_equal",
                                        "lower_than",
                                        "lower_or_equal",
                                        "greater_than",
                                        "greater_or_equal",
                                        "contains",
                                        "doesnt_contain",
                                    ],
                                    "type": "string",
                                    "description": "Comparison operator; not used by url_funnel, custom_variable, ads_traffic.",
                                },
                                "value": {
                                    "type": "string",
                                    "description": 'Value compared with the operator (a string, numbers too: "30"); required except for url_funnel, custom_variable, ads_traffic.',
                                },
                                "urls": {
                                    "items": {
                                        "properties": {
                                            "url": {
                                                "description": "URL to compare the visited page against.",
                                                "type": "string",
                                            },
                                            "operator": {
                                                "description": "How the URL is compared.",
                                                "enum": [
                                                    "equals",
                                                    "doesnt_equal",
                                                    "lower_than",
                                                    "lower_or_equal",
                                                    "greater_than",
                                                    "greater_or_equal",
                                                    "contains",
                                                    "doesnt_contain",
                                                ],
                                                "type": "string",
                                            },
                                        },
                                        "required": ["url", "operator"],
                                        "type": "object",
                                    },
                                    "maxItems": 10,
                                    "minItems": 1,
                                    "type": "array",
                                    "description": "1-10 URLs; only for url_funnel and url_match_page_view_number (required there).",
                                },
                                "session_field": {
                                    "additionalProperties": {"maxLength": 255, "type": "string"},
                                    "maxProperties": 1,
                                    "minProperties": 1,
                                    "propertyNames": {"maxLength": 255},
                                    "type": "object",
                                    "description": "Exactly one key-value pair (each ≤255 chars); only for custom_variable and ads_traffic, whose key is microsoft, facebook, google, twitter or yahoo.",
                                },
                            },
                            "required": ["condition", "type"],
                            "type": "object",
                        },
                        "maxItems": 10,
                        "type": "array",
                        "description": "Rules that trigger the greeting, at most 10. Replaces all rules.",
                    },
                    "properties": {
                        "properties": {
                            "addon": {"type": "string", "description": "Addon-related property, e.g. chat_widget."},
                            "is_exit_intent": {
                                "type": "string",
                                "description": 'Exit intent detection flag: "true" or "false".',
                            },
                            "greeting-message_text": {"type": "string", "description": "Plain text message content."},
                            "greeting-message_json_key": {
                                "type": "string",
                                "description": "JSON key for the message content.",
                            },
                            "greeting-message_phrase_key": {
                                "type": "string",
                                "description": "Phrase key for the message content.",
                            },
                        },
                        "type": "object",
                        "description": "Additional properties; replaces them.",
                    },
                    "rich_message": {
                        "properties": {
                            "template_id": {
                                "description": "How the message is presented: cards, sticker, quick_replies (text in the examples).",
                                "enum": ["cards", "sticker", "quick_replies", "text"],
                                "type": "string",
                            },
                            "elements": {
                                "items": {
                                    "properties": {
                                        "title": {"description": "Formatted title text.", "type": "string"},
                                        "subtitle": {"description": "Formatted subtitle text.", "type": "string"},
                                        "image": {
                                            "properties": {
                                                "url": {"type": "string"},
                                                "name": {"type": "string"},
                                                "content_type": {"type": "string", "description": "Image MIME type."},
                                                "size": {
                                                    "minimum": 0,
                                                    "type": "integer",
                                                    "description": "Image size in bytes.",
                                                },
                                                "width": {
                                                    "minimum": 0,
                                                    "type": "integer",
                                                    "description": "Image width in pixels.",
                                                },
                                                "height": {
                                                    "minimum": 0,
                                                    "type": "integer",
                                                    "description": "Image height in pixels.",
                                                },
                                                "alternative_text": {"type": "string"},
                                            },
                                            "required": ["url"],
                                            "type": "object",
                                            "description": "Image; url required.",
                                        },
                                        "buttons": {
                                            "items": {
                                                "properties": {
                                                    "text": {"type": "string"},
                                                    "type": {
                                                        "description": "What a click does with value.",
                                                        "enum": ["webview", "message", "url", "phone"],
                                                        "type": "string",
                                                    },
                                                    "value": {
                                                        "description": "The button's target (URL, phone, message; a webview's title).",
                                                        "type": "string",
                                                    },
                                                    "postback_id": {
                                                        "description": "Unique button identifier sent in postback events.",
                                                        "type": "string",
                                                    },
                                                    "button_id": {
                                                        "type": "string",
                                                        "description": "Button ID; generated if omitted. On update, pass the existing ID to keep it.",
                                                    },
                                                    "role": {
                                                        "enum": ["default", "primary", "danger"],
                                                        "type": "string",
                                                    },
                                                },
                                                "required": ["text", "type", "value", "postback_id"],
                                                "type": "object",
                                            },
                                            "maxItems": 13,
                                            "type": "array",
                                            "description": "Up to 13 buttons.",
                                        },
                                    },
                                    "required": ["title", "subtitle"],
                                    "type": "object",
                                },
                                "maxItems": 10,
                                "type": "array",
                                "description": "Up to 10 elements.",
                            },
                        },
                        "required": ["template_id"],
                        "type": "object",
                        "description": "Rich message content; replaces it.",
                    },
                },
                "required": ["id"],
                "type": "object",
            },
            "meta": {"anthropic/searchHint": "campaign"},
        },
        "delete_greeting": {
            "title": "Delete greeting",
            "description": "Delete a greeting. Permanent. Scopes: greetings:rw.",
            "annotations": {
                "readOnlyHint": False,
                "destructiveHint": True,
                "idempotentHint": True,
                "openWorldHint": True,
            },
            "input_schema": {
                "additionalProperties": False,
                "properties": {"id": {"type": "integer"}},
                "required": ["id"],
                "type": "object",
            },
            "meta": {"anthropic/searchHint": "remove, campaign"},
        },
        "list_greetings": {
            "title": "List greetings",
            "description": "List greetings, optionally of some groups, paginated (next_page_id when more remain). Scopes: greetings:ro.",
            "annotations": {
                "readOnlyHint": True,
                "destructiveHint": False,
                "idempotentHint": True,
                "openWorldHint": True,
            },
            "input_schema": {
                "additionalProperties": False,
                "properties": {
                    "groups": {
                        "description": "Only greetings of these groups (default: all accessible). Not with page_id.",
                        "items": {"minimum": 0, "type": "integer"},
                        "type": "array",
                    },
                    "page_id": {
                        "type": "string",
                        "description": "next_page_id of a previous call; it carries groups and limit.",
                    },
                    "limit": {
                        "maximum": 100,
                        "minimum": 1,
                        "type": "integer",
                        "description": "Greetings per page, max 100 (default 100). Not with page_id.",
                    },
                    "select": {
                        "items": {"type": "string"},
                        "type": "array",
                        "description": "Only these fields (id always kept); `fields` adds more.",
                    },
                },
                "type": "object",
            },
            "meta": {"anthropic/searchHint": "show all, campaign"},
        },
        "get_greeting": {
            "title": "Get greeting",
            "description": "Get one greeting's details: type, status, group, rules, properties and rich message. Scopes: greetings:ro.",
            "annotations": {
                "readOnlyHint": True,
                "destructiveHint": False,
                "idempotentHint": True,
                "openWorldHint": True,
            },
            "input_schema": {
                "additionalProperties": False,
                "properties": {
                    "id": {"type": "integer"},
                    "select": {
                        "items": {"type": "string"},
                        "type": "array",
                        "description": "Only these fields (id always kept); `fields` adds more.",
                    },
                },
                "required": ["id"],
                "type": "object",
            },
            "meta": {"anthropic/searchHint": "look up, campaign"},
        },
        "create_group": {
            "title": "Create group",
            "description": "Create a group with its members and their routing priorities; returns the new id. Scopes: groups--all:rw.",
            "annotations": {
                "readOnlyHint": False,
                "destructiveHint": False,
                "idempotentHint": False,
                "openWorldHint": True,
            },
            "input_schema": {
                "additionalProperties": False,
                "properties": {
                    "name": {"description": "Group name, up to 180 characters.", "maxLength": 180, "type": "string"},
                    "language_code": {
                        "description": "Group language code, e.g. en.",
                        "pattern": "^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})?$",
                        "type": "string",
                    },
                    "agent_priorities": {
                        "additionalProperties": {"enum": ["first", "normal", "last", "supervisor"], "type": "string"},
                        "description": 'Members and their routing priority, {"<agent or bot id>": "first|normal|last|supervisor"}; supervisor gets no chats automatically.',
                        "propertyNames": {},
                        "type": "object",
                    },
                },
                "required": ["name", "agent_priorities"],
                "type": "object",
            },
            "meta": {"anthropic/searchHint": "add, team, department"},
        },
        "update_group": {
            "title": "Update group",
            "description": "Change a group's name, language or members. agent_priorities replaces the whole membership: include every member to keep. Scopes: groups--my:rw | groups--all:rw.",
            "annotations": {
                "readOnlyHint": False,
                "destructiveHint": False,
                "idempotentHint": True,
                "openWorldHint": True,
            },
            "input_schema": {
                "additionalProperties": False,
                "properties": {
                    "id": {
                        "description": "Group ID (0 is the default group 'General').",
                        "minimum": 0,
                        "type": "integer",
                    },
                    "name": {"description": "Group name, up to 180 characters.", "maxLength": 180, "type": "string"},
                    "language_code": {
                        "description": "Group language code, e.g. en.",
                        "pattern": "^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})?$",
                        "type": "string",
                    },
                    "agent_priorities": {
                        "additionalProperties": {"enum": ["first", "normal", "last", "supervisor"], "type": "string"},
                        "description": "The group's full membership map, {id: priority}; replaces the current one (members left out are removed).",
                        "propertyNames": {},
                        "type": "object",
                    },
                },
                "required": ["id"],
                "type": "object",
            },
            "meta": {"anthropic/searchHint": "team, department"},
        },
        "delete_group": {
            "title": "Delete group",
            "description": "Delete a group and its memberships. Permanent; the default group 0 cannot be deleted. Scopes: groups--my:rw | groups--all:rw.",
            "annotations": {
                "readOnlyHint": False,
                "destructiveHint": True,
                "idempotentHint": True,
                "openWorldHint": True,
            },
            "input_schema": {
                "additionalProperties": False,
                "properties": {
                    "id": {
                        "description": "Group ID (0 is the default group 'General').",
                        "minimum": 0,
                        "type": "integer",
                    }
                },
                "required": ["id"],
                "type": "object",
            },
            "meta": {"anthropic/searchHint": "remove, team, department"},
        },
        "list_groups": {
            "title": "List groups",
            "description": "List all groups (id, name, language_code), optionally with members and routing status. Scopes: groups--all:ro.",
            "annotations": {
                "readOnlyHint": True,
                "destructiveHint": False,
                "idempotentHint": True,
                "openWorldHint": True,
            },
            "input_schema": {
                "additionalProperties": False,
                "properties": {
                    "fields": {
                        "description": "Additional fields to include: agent_priorities (members), routing_status.",
                        "items": {"enum": ["agent_priorities", "routing_status"], "type": "string"},
                        "type": "array",
                    },
                    "select": {
                        "items": {"type": "string"},
                        "type": "array",
                        "description": "Only these fields (id always kept); `fields` adds more.",
                    },
                    "limit": {
                        "description": "Page size (default 50).",
                        "maximum": 200,
                        "minimum": 1,
                        "type": "integer",
                    },
                    "cursor": {"description": "next_cursor of the previous page.", "type": "string"},
                },
                "type": "object",
            },
            "meta": {"anthropic/searchHint": "show all, team, department", "anthropic/alwaysLoad": True},
        },
        "get_group": {
            "title": "Get group",
            "description": "Get one group by id, optionally with members and routing status. Scopes: groups--my:ro | groups--all:ro.",
            "annotations": {
                "readOnlyHint": True,
                "destructiveHint": False,
                "idempotentHint": True,
                "openWorldHint": True,
            },
            "input_schema": {
                "additionalProperties": False,
                "properties": {
                    "id": {
                        "description": "Group ID (0 is the default group 'General').",
                        "minimum": 0,
                        "type": "integer",
                    },
                    "fields": {
                        "description": "Additional fields to include: agent_priorities (members), routing_status.",
                        "items": {"enum": ["agent_priorities", "routing_status"], "type": "string"},
                        "type": "array",
                    },
                    "select": {
                        "items": {"type": "string"},
                        "type": "array",
                        "description": "Only these fields (id always kept); `fields` adds more.",
                    },
                },
                "required": ["id"],
                "type": "object",
            },
            "meta": {"anthropic/searchHint": "look up, team, department"},
        },
        "register_property": {
            "title": "Register property",
            "description": "Register a new private property (type, per-location access, optional domain, range and default) for a Client Id. Its definition cannot be changed later. Scopes: properties.configuration:rw.",
            "annotations": {
                "readOnlyHint": False,
                "destructiveHint": False,
                "idempotentHint": False,
                "openWorldHint": True,
            },
            "input_schema": {
                "additionalProperties": False,
                "properties": {
                    "name": {"type": "string"},
                    "owner_client_id": {
                        "description": "Owner client ID (default: the Bearer token's; required with a PAT).",
                        "type": "string",
                    },
                    "type": {
                        "description": "Value type: int (int32), string, bool or tokenized_string.",
                        "enum": ["int", "string", "bool", "tokenized_string"],
                        "type": "string",
                    },
                    "access": {
                        "properties": {
                            "chat": {"$ref": "#/$defs/UserAccess"},
                            "thread": {"$ref": "#/$defs/UserAccess"},
                            "event": {"$ref": "#/$defs/UserAccess"},
                            "license": {"$ref": "#/$defs/UserAccess"},
                            "group": {"$ref": "#/$defs/UserAccess"},
                        },
                        "type": "object",
                        "description": "Access per location (chat, thread, event, license, group): {agent|customer: [read, write]}; at least one location and one user.",
                    },
                    "description": {"type": "string"},
                    "domain": {
                        "items": {"anyOf": [{"type": "boolean"}, {"type": "integer"}, {"type": "string"}]},
                        "minItems": 1,
                        "type": "array",
                        "description": "The only values the property may be set to (of its type).",
                    },
                    "range": {
                        "properties": {
                            "from": {"type": "integer", "description": "Smallest value allowed (inclusive)."},
                            "to": {"type": "integer", "description": "Largest value allowed (inclusive)."},
                        },
                        "type": "object",
                        "description": "Range of allowed values, {from, to} inclusive; int properties only.",
                    },
                    "default_value": {
                        "description": "Returned while no value is set; must fit domain/range; needs license or group access.",
                        "anyOf": [{"type": "boolean"}, {"type": "integer"}, {"type": "string"}],
                    },
                },
                "required": ["name", "type", "access"],
                "type": "object",
                "$defs": {
                    "UserAccess": {
                        "properties": {
                            "agent": {
                                "items": {"enum": ["read", "write"], "type": "string"},
                                "minItems": 1,
                                "type": "array",
                            },
                            "customer": {
                                "items": {"enum": ["read", "write"], "type": "string"},
                                "minItems": 1,
                                "type": "array",
                            },
                        },
                        "type": "object",
                    }
                },
            },
            "meta": {"anthropic/searchHint": "add, custom setting"},
        },
        "unregister_property": {
            "title": "Unregister property",
            "description": "Unregister a private property. Published properties cannot be unregistered. Scopes: properties.configuration:rw.",
            "annotations": {
                "readOnlyHint": False,
                "destructiveHint": True,
                "idempotentHint": True,
                "openWorldHint": True,
            },
            "input_schema": {
                "additionalProperties": False,
                "properties": {
                    "name": {"type": "string"},
                    "owner_client_id": {
                        "description": "Owner client ID (default: the Bearer token's; required with a PAT).",
                        "type": "string",
                    },
                },
                "required": ["name"],
                "type": "object",
            },
            "meta": {"anthropic/searchHint": "remove, custom setting"},
        },
        "publish_property": {
            "title": "Publish property",
            "description": "Make a private property public with read and/or write access for other Client Ids. Irreversible: it can never be unpublished or unregistered. Scopes: properties.configuration:rw.",
            "annotations": {
                "readOnlyHint": False,
                "destructiveHint": True,
                "idempotentHint": True,
                "openWorldHint": True,
            },
            "input_schema": {
                "additionalProperties": False,
                "properties": {
                    "name": {"type": "string"},
                    "owner_client_id": {
                        "description": "Owner client ID (default: the Bearer token's; required with a PAT).",
                        "type": "string",
                    },
                    "access_type": {
                        "description": "Access for Client Ids other than the owner.",
                        "items": {"enum": ["read", "write"], "type": "string"},
                        "maxItems": 2,
                        "minItems": 1,
                        "type": "array",
                    },
                },
                "required": ["name", "access_type"],
                "type": "object",
            },
            "meta": {"anthropic/searchHint": "custom setting"},
        },
        "list_properties": {
            "title": "List properties",
            "description": "List the private and public property definitions owned by a Client Id. Scopes: properties.configuration:rw.",
            "annotations": {
                "readOnlyHint": True,
                "destructiveHint": False,
                "idempotentHint": True,
                "openWorldHint": True,
            },
            "input_schema": {
                "additionalProperties": False,
                "properties": {
                    "owner_client_id": {
                        "description": "Owner client ID (default: the Bearer token's; required with a PAT).",
                        "type": "string",
                    }
                },
                "type": "object",
            },
            "meta": {"anthropic/searchHint": "show all, custom setting"},
        },
        "update_license_properties": {
            "title": "Update license properties",
            "description": "Set property values on the license; values not given are kept. Scopes: properties.license.value--my:rw | properties.license.value--all:rw.",
            "annotations": {
                "readOnlyHint": False,
                "destructiveHint": False,
                "idempotentHint": True,
                "openWorldHint": True,
            },
            "input_schema": {
                "additionalProperties": False,
                "properties": {
                    "properties": {
                        "type": "object",
                        "additionalProperties": {
                            "additionalProperties": {
                                "anyOf": [{"type": "boolean"}, {"type": "integer"}, {"type": "string"}]
                            },
                            "minProperties": 1,
                            "propertyNames": {"description": "Property name."},
                            "type": "object",
                        },
                        "propertyNames": {"description": "Namespace: the owner Client Id, or e.g. 'test'."},
                        "minProperties": 1,
                        "description": "Namespaces as keys, {property_name: value} objects as values; other values are kept.",
                    }
                },
                "required": ["properties"],
                "type": "object",
            },
            "meta": {"anthropic/searchHint": "change, custom setting"},
        },
        "list_license_properties": {
            "title": "List license properties",
            "description": "List the license's property values by namespace; unset properties show their default. Scopes: properties.license.value--my:ro | properties.license.value--all:ro.",
            "annotations": {
                "readOnlyHint": True,
                "destructiveHint": False,
                "idempotentHint": True,
                "openWorldHint": True,
            },
            "input_schema": {
                "additionalProperties": False,
                "properties": {
                    "namespace": {"type": "string", "description": "Only this namespace."},
                    "name_prefix": {"type": "string", "description": "Only properties whose name starts with this."},
                },
                "type": "object",
            },
            "meta": {"anthropic/searchHint": "show all, custom setting"},
        },
        "delete_license_properties": {
            "title": "Delete license properties",
            "description": "Delete property values set on the license (the definitions stay). Scopes: properties.license.value--my:rw | properties.license.value--all:rw.",
            "annotations": {
                "readOnlyHint": False,
                "destructiveHint": True,
                "idempotentHint": True,
                "openWorldHint": True,
            },
            "input_schema": {
                "additionalProperties": False,
                "properties": {
                    "properties": {
                        "type": "object",
                        "additionalProperties": {
                            "items": {"description": "Property name.", "type": "string"},
                            "minItems": 1,
                            "type": "array",
                        },
                        "propertyNames": {"description": "Namespace: the owner Client Id, or e.g. 'test'."},
                        "minProperties": 1,
                        "description": "Namespaces as keys, arrays of property names as values.",
                    }
                },
                "required": ["properties"],
                "type": "object",
            },
            "meta": {"anthropic/searchHint": "remove, custom setting"},
        },
        "update_group_properties": {
            "title": "Update group properties",
            "description": "Set property values on a group; values not given are kept. Scopes: properties.group.value--my:rw | properties.group.value--all:rw.",
            "annotations": {
                "readOnlyHint": False,
                "destructiveHint": False,
                "idempotentHint": True,
                "openWorldHint": True,
            },
            "input_schema": {
                "additionalProperties": False,
                "properties": {
                    "group_id": {
                        "description": "Group ID (0 is the default group 'General').",
                        "minimum": 0,
                        "type": "integer",
                    },
                    "properties": {
                        "type": "object",
                        "additionalProperties": {
                            "additionalProperties": {
                                "anyOf": [{"type": "boolean"}, {"type": "integer"}, {"type": "string"}]
                            },
                            "minProperties": 1,
                            "propertyNames": {"description": "Property name."},
                            "type": "object",
                        },
                        "propertyNames": {"description": "Namespace: the owner Client Id, or e.g. 'test'."},
                        "minProperties": 1,
                        "description": "Namespaces as keys, {property_name: value} objects as values; other values are kept.",
                    },
                },
                "required": ["group_id", "properties"],
                "type": "object",
            },
            "meta": {"anthropic/searchHint": "change, custom setting"},
        },
        "list_groups_properties": {
            "title": "List groups properties",
            "description": "List property values set on the given groups (all groups for an empty group_ids). Scopes: properties.group.value--all:ro.",
            "annotations": {
                "readOnlyHint": True,
                "destructiveHint": False,
                "idempotentHint": True,
                "openWorldHint": True,
            },
            "input_schema": {
                "additionalProperties": False,
                "properties": {
                    "group_ids": {
                        "description": "IDs of the groups to read; an empty array means all groups.",
                        "items": {"minimum": 0, "type": "integer"},
                        "type": "array",
                    },
                    "namespace": {"type": "string", "description": "Only this namespace."},
                    "name_prefix": {"type": "string", "description": "Only properties whose name starts with this."},
                },
                "required": ["group_ids"],
                "type": "object",
            },
            "meta": {"anthropic/searchHint": "show all, custom setting"},
        },
        "delete_group_properties": {
            "title": "Delete group properties",
            "description": "Delete property values set on a group (the definitions stay). Scopes: properties.group.value--my:rw | properties.group.value--all:rw.",
            "annotations": {
                "readOnlyHint": False,
                "destructiveHint": True,
                "idempotentHint": True,
                "openWorldHint": True,
            },
            "input_schema": {
                "additionalProperties": False,
                "properties": {
                    "id": {
                        "description": "Group ID (0 is the default group 'General').",
                        "minimum": 0,
                        "type": "integer",
                    },
                    "properties": {
                        "type": "object",
                        "additionalProperties": {
                            "items": {"description": "Property name.", "type": "string"},
                            "minItems": 1,
                            "type": "array",
                        },
                        "propertyNames": {"description": "Namespace: the owner Client Id, or e.g. 'test'."},
                        "minProperties": 1,
                        "description": "Namespaces as keys, arrays of property names as values.",
                    },
                },
                "required": ["id", "properties"],
                "type": "object",
            },
            "meta": {"anthropic/searchHint": "remove, custom setting"},
        },
        "create_tag": {
            "title": "Create tag",
            "description": "Create a chat tag, optionally assigned to groups. Fails with already_exists if a tag of the same name exists in any letter case. Tags cannot be renamed: create_tag the new name (same group_ids), then delete_tag the old one, in that order so a failure leaves the old tag. Scopes: tags--all:rw | tags--groups:rw.",
            "annotations": {
                "readOnlyHint": False,
                "destructiveHint": False,
                "idempotentHint": False,
                "openWorldHint": True,
            },
            "input_schema": {
                "additionalProperties": False,
                "properties": {
                    "name": {
                        "description": "Tag name. Matching an existing tag is case-insensitive.",
                        "type": "string",
                    },
                    "group_ids": {
                        "description": "Groups the tag is assigned to; can be empty.",
                        "items": {"minimum": 0, "type": "integer"},
                        "type": "array",
                    },
                },
                "required": ["name"],
                "type": "object",
            },
            "meta": {"anthropic/searchHint": "add, chat label"},
        },
        "delete_tag": {
            "title": "Delete tag",
            "description": "Delete a tag (name matched case-sensitively). Permanent. To rename, create_tag the new name first, then delete the old. Scopes: tags--all:rw | tags--groups:rw.",
            "annotations": {
                "readOnlyHint": False,
                "destructiveHint": True,
                "idempotentHint": True,
                "openWorldHint": True,
            },
            "input_schema": {
                "additionalProperties": False,
                "properties": {"name": {"description": "Tag name. Matching is case-sensitive.", "type": "string"}},
                "required": ["name"],
                "type": "object",
            },
            "meta": {"anthropic/searchHint": "remove, chat label"},
        },
        "list_tags": {
            "title": "List tags",
            "description": "List the license's tags, optionally only those of some groups. Scopes: tags--all:ro | tags--groups:ro.",
            "annotations": {
                "readOnlyHint": True,
                "destructiveHint": False,
                "idempotentHint": True,
                "openWorldHint": True,
            },
            "input_schema": {
                "additionalProperties": False,
                "properties": {
                    "filters": {
                        "properties": {
                            "group_ids": {
                                "description": "IDs of the groups to list tags from.",
                                "items": {"minimum": 0, "type": "integer"},
                                "type": "array",
                            }
                        },
                        "required": ["group_ids"],
                        "type": "object",
                        "description": "Request filters.",
                    },
                    "limit": {
                        "description": "Page size (default 50).",
                        "maximum": 200,
                        "minimum": 1,
                        "type": "integer",
                    },
                    "cursor": {"description": "next_cursor of the previous page.", "type": "string"},
                },
                "type": "object",
            },
            "meta": {"anthropic/searchHint": "show all, chat label"},
        },
        "update_tag": {
            "title": "Update tag",
            "description": "Change the groups a tag is assigned to (name matched case-sensitively). Tags cannot be renamed: see create_tag (create the new name, then delete_tag the old). Scopes: tags--all:rw | tags--groups:rw.",
            "annotations": {
                "readOnlyHint": False,
                "destructiveHint": False,
                "idempotentHint": True,
                "openWorldHint": True,
            },
            "input_schema": {
                "additionalProperties": False,
                "properties": {
                    "name": {"description": "Tag name. Matching is case-sensitive.", "type": "string"},
                    "group_ids": {
                        "description": "Groups the tag is assigned to; can be empty.",
                        "items": {"minimum": 0, "type": "integer"},
                        "type": "array",
                    },
                },
                "required": ["name"],
                "type": "object",
            },
            "meta": {"anthropic/searchHint": "chat label"},
        },
        "register_webhook": {
            "title": "Register webhook",
            "description": "Register a webhook that posts an action's events to a URL for a Client Id. At most three webhooks per action per Client Id. Scopes: webhooks.configuration:rw.",
            "annotations": {
                "readOnlyHint": False,
                "destructiveHint": False,
                "idempotentHint": False,
                "openWorldHint": True,
            },
            "input_schema": {
                "additionalProperties": False,
                "properties": {
                    "action": {
                        "description": "The action that triggers the webhook.",
                        "enum": [
                            "incoming_chat",
                            "chat_deactivated",
                            "chat_access_updated",
                            "chat_transferred",
                            "user_added_to_chat",
                            "user_removed_from_chat",
                            "incoming_event",
                            "event_deleted",
                            "event_updated",
                            "incoming_rich_message_postback",
                            "chat_properties_updated",
                            "chat_properties_deleted",
                            "thread_properties_updated",
                            "thread_properties_deleted",
                            "event_properties_updated",
                            "event_properties_deleted",
                            "thread_tagged",
                            "thread_untagged",
                            "routing_status_set",
                            "customer_session_fields_updated",
                            "events_marked_as_seen",
                            "group_created",
                            "group_updated",
                            "group_deleted",
                            "agent_created",
                            "agent_updated",
                            "agent_deleted",
                            "agent_suspended",
                            "agent_unsuspended",
                            "agent_approved",
                            "bot_created",
                            "bot_updated",
                            "bot_deleted",
                            "auto_accesses_updated",
                            "tag_created",
                            "tag_deleted",
                            "tag_updated",
                            "thread_summary_set",
                        ],
                        "type": "string",
                    },
                    "secret_key": {
                        "description": "Secret sent with every webhook to verify its source.",
                        "type": "string",
                    },
                    "url": {
                        "description": "Destination URL (max 500 characters).",
                        "maxLength": 500,
                        "pattern": "^https?://",
                        "type": "string",
                    },
                    "additional_data": {
                        "items": {"enum": ["chat_properties", "chat_presence_user_ids"], "type": "string"},
                        "type": "array",
                        "description": "Extra data sent with the webhook; not for agent_deleted.",
                    },
                    "description": {"type": "string"},
                    "filters": {
                        "properties": {
                            "author_type": {
                                "enum": ["customer", "agent"],
                                "type": "string",
                                "description": "Only events by this author type; incoming_event and event_updated only.",
                            },
                            "only_my_chats": {
                                "type": "boolean",
                                "description": "If true, only chats whose source.client_id is the owner's client id.",
                            },
                            "chat_presence": {
                                "properties": {
                                    "user_ids": {
                                        "properties": {
                                            "values": {
                                                "items": {"type": "string"},
                                                "minItems": 1,
                                                "type": "array",
                                                "description": "Trigger only if any of these users is in the chat.",
                                            },
                                            "exclude_values": {
                                                "items": {"type": "string"},
                                                "minItems": 1,
                                                "type": "array",
                                                "description": "Do not trigger if any of these users is in the chat.",
                                            },
                                        },
                                        "type": "object",
                                        "description": "User IDs (any user type) in the chat: {values} or {exclude_values}.",
                                    },
                                    "my_bots": {
                                        "type": "boolean",
                                        "description": "If true, trigger when any bot owned by owner_client_id is in the chat.",
                                    },
                                },
                                "type": "object",
                                "description": "Trigger depending on who is present in the chat.",
                            },
                            "source_type": {
                                "items": {"enum": ["my_client", "other_clients", "system"], "type": "string"},
                                "minItems": 1,
                                "type": "array",
                                "description": "Send only if the source matches: my_client, other_clients, system (no client id).",
                            },
                            "agent_ids": {
                                "properties": {
                                    "values": {
                                        "items": {"type": "string"},
                                        "minItems": 1,
                                        "type": "array",
                                        "description": "Trigger only for these agents.",
                                    },
                                    "exclude_values": {
                                        "items": {"type": "string"},
                                        "minItems": 1,
                                        "type": "array",
                                        "description": "Never trigger for these agents.",
                                    },
                                },
                                "type": "object",
                                "description": "routing_status_set only: {values} or {exclude_values} of agent IDs.",
                            },
                        },
                        "type": "object",
                        "description": "Conditions for sending the webhook.",
                    },
                    "owner_client_id": {
                        "description": "Client Id that will own the webhook (your organization's); default: the Bearer token's client id; required with a PAT.",
                        "type": "string",
                    },
                    "type": {
                        "description": "license (license events) or bot (for a bot's routing).",
                        "enum": ["bot", "license"],
                        "type": "string",
                    },
                },
                "required": ["action", "secret_key", "url", "type"],
                "type": "object",
            },
            "meta": {"anthropic/searchHint": "add, callback"},
        },
        "list_webhooks": {
            "title": "List webhooks",
            "description": "List the webhooks registered for a Client Id (secret keys are not returned). Scopes: webhooks.configuration:rw.",
            "annotations": {
                "readOnlyHint": True,
                "destructiveHint": False,
                "idempotentHint": True,
                "openWorldHint": True,
            },
            "input_schema": {
                "additionalProperties": False,
                "properties": {
                    "owner_client_id": {
                        "description": "The webhooks' owner Client Id; default: the Bearer token's client id; required with a PAT.",
                        "type": "string",
                    },
                    "select": {
                        "items": {"type": "string"},
                        "type": "array",
                        "description": "Only these fields (id always kept); `fields` adds more.",
                    },
                    "limit": {
                        "description": "Page size (default 50).",
                        "maximum": 200,
                        "minimum": 1,
                        "type": "integer",
                    },
                    "cursor": {"description": "next_cursor of the previous page.", "type": "string"},
                },
                "type": "object",
            },
            "meta": {"anthropic/searchHint": "show all, callback, events"},
        },
        "unregister_webhook": {
            "title": "Unregister webhook",
            "description": "Unregister a webhook of a Client Id; its events stop being sent. Scopes: webhooks.configuration:rw.",
            "annotations": {
                "readOnlyHint": False,
                "destructiveHint": True,
                "idempotentHint": True,
                "openWorldHint": True,
            },
            "input_schema": {
                "additionalProperties": False,
                "properties": {
                    "id": {"type": "string"},
                    "owner_client_id": {
                        "description": "The webhook's owner Client Id; default: the Bearer token's client id; required with a PAT.",
                        "type": "string",
                    },
                },
                "required": ["id"],
                "type": "object",
            },
            "meta": {"anthropic/searchHint": "remove, callback"},
        },
        "list_webhook_names": {
            "title": "List webhook names",
            "description": "List the webhook actions of an API version with their filters and additional data. Scopes: none.",
            "annotations": {
                "readOnlyHint": True,
                "destructiveHint": False,
                "idempotentHint": True,
                "openWorldHint": True,
            },
            "input_schema": {
                "additionalProperties": False,
                "properties": {
                    "version": {
                        "type": "string",
                        "description": "API version, e.g. '3.6'; defaults to the current stable one.",
                        "pattern": "^\\d+\\.\\d+$",
                    },
                    "limit": {
                        "description": "Page size (default 50).",
                        "maximum": 200,
                        "minimum": 1,
                        "type": "integer",
                    },
                    "cursor": {"description": "next_cursor of the previous page.", "type": "string"},
                },
                "type": "object",
            },
            "meta": {"anthropic/searchHint": "show all, callback, events"},
        },
        "enable_license_webhooks": {
            "title": "Enable license webhooks",
            "description": "Re-enable a Client Id's webhooks on this license after Disable License Webhooks. Scopes: webhooks.state:rw.",
            "annotations": {
                "readOnlyHint": False,
                "destructiveHint": False,
                "idempotentHint": True,
                "openWorldHint": True,
            },
            "input_schema": {
                "additionalProperties": False,
                "properties": {
                    "owner_client_id": {
                        "description": "Owner client ID (default: the Bearer token's; required with a PAT).",
                        "type": "string",
                    }
                },
                "type": "object",
            },
            "meta": {"anthropic/searchHint": "turn on, callback, events"},
        },
        "disable_license_webhooks": {
            "title": "Disable license webhooks",
            "description": "Stop a Client Id's webhooks on this license; they stay off even after the app is reinstalled, until enabled again. Scopes: webhooks.state:rw.",
            "annotations": {
                "readOnlyHint": False,
                "destructiveHint": True,
                "idempotentHint": True,
                "openWorldHint": True,
            },
            "input_schema": {
                "additionalProperties": False,
                "properties": {
                    "owner_client_id": {
                        "description": "Owner client ID (default: the Bearer token's; required with a PAT).",
                        "type": "string",
                    }
                },
                "type": "object",
            },
            "meta": {"anthropic/searchHint": "turn off, callback, events"},
        },
        "get_license_webhooks_state": {
            "title": "Get license webhooks state",
            "description": "Tell whether a Client Id's webhooks are enabled on this license. Scopes: webhooks.state:ro.",
            "annotations": {
                "readOnlyHint": True,
                "destructiveHint": False,
                "idempotentHint": True,
                "openWorldHint": True,
            },
            "input_schema": {
                "additionalProperties": False,
                "properties": {
                    "owner_client_id": {
                        "description": "Owner client ID (default: the Bearer token's; required with a PAT).",
                        "type": "string",
                    }
                },
                "type": "object",
            },
            "meta": {"anthropic/searchHint": "look up, callback, events"},
        },
        "list_channels": {
            "title": "List channels",
            "description": "List the license's communication channels (code, direct_link, integration) with their first activity time. Scopes: none.",
            "annotations": {
                "readOnlyHint": True,
                "destructiveHint": False,
                "idempotentHint": True,
                "openWorldHint": True,
            },
            "input_schema": {"additionalProperties": False, "properties": {}, "type": "object"},
            "meta": {"anthropic/searchHint": "show all, license"},
        },
        "check_product_limits_for_plan": {
            "title": "Check plan limits",
            "description": "List the resources that exceed a plan's limits (e.g. before a downgrade). Changes nothing. Its scope is private: most apps' tokens lack it. Scopes: subscription.lc:rw.",
            "annotations": {
                "readOnlyHint": True,
                "destructiveHint": False,
                "idempotentHint": True,
                "openWorldHint": True,
            },
            "input_schema": {
                "additionalProperties": False,
                "properties": {
                    "plan": {
                        "description": "Plan to compare the organization's current resources with.",
                        "enum": ["starter", "team", "enterprise", "enterpriseplus"],
                        "type": "string",
                    }
                },
                "required": ["plan"],
                "type": "object",
            },
            "meta": {"anthropic/searchHint": "license"},
        },
        "get_product_source": {
            "title": "Get product source",
            "description": "Get the source parameters (source_id, source_type, source_url) passed when the LiveChat product was activated. Scopes: none.",
            "annotations": {
                "readOnlyHint": True,
                "destructiveHint": False,
                "idempotentHint": True,
                "openWorldHint": True,
            },
            "input_schema": {"additionalProperties": False, "properties": {}, "type": "object"},
            "meta": {"anthropic/searchHint": "look up, license"},
        },
        "reactivate_email": {
            "title": "Reactivate email",
            "description": "Reactivate an agent's email address after it bounced, so emails are sent to it again. Scopes: agents--all:rw.",
            "annotations": {
                "readOnlyHint": False,
                "destructiveHint": False,
                "idempotentHint": True,
                "openWorldHint": True,
            },
            "input_schema": {
                "additionalProperties": False,
                "properties": {
                    "agent_id": {
                        "description": "ID (email) of the agent whose bounced email to reactivate.",
                        "type": "string",
                    }
                },
                "required": ["agent_id"],
                "type": "object",
            },
            "meta": {"anthropic/searchHint": "license"},
        },
        "update_company_details": {
            "title": "Update company details",
            "description": "Update the license's company details; only the fields given change. Scopes: organization--my:rw.",
            "annotations": {
                "readOnlyHint": False,
                "destructiveHint": False,
                "idempotentHint": True,
                "openWorldHint": True,
            },
            "input_schema": {
                "additionalProperties": False,
                "properties": {
                    "enrich": {
                        "type": "boolean",
                        "description": "true: try to fill empty fields automatically from the company's domain.",
                    },
                    "audience": {"type": "string"},
                    "chat_purpose": {"type": "string"},
                    "city": {"type": "string"},
                    "company": {"type": "string", "description": "Company name."},
                    "company_size": {"type": "string"},
                    "country": {"type": "string"},
                    "invoice_email": {"type": "string"},
                    "invoice_name": {"type": "string"},
                    "nip": {"type": "string", "description": "Employer Identification Number."},
                    "postal_code": {"type": "string"},
                    "state": {"type": "string"},
                    "street": {"type": "string"},
                    "phone": {"type": "string"},
                    "province": {"type": "string"},
                    "url": {"type": "string", "description": "Company website URL."},
                },
                "type": "object",
            },
            "meta": {"anthropic/searchHint": "license"},
        },
    }
)

COMPACT_SHARED: dict[str, Any] = snapshot(
    {
        "update_agent": {
            "additionalProperties": False,
            "properties": {
                "id": {"description": "Agent ID: the agent's email (cannot be changed).", "type": "string"},
                "role": {
                    "enum": ["viceowner", "administrator", "normal"],
                    "type": "string",
                    "description": "Agent role; changing it needs accounts.roles.lc--all:rw.",
                },
                "login_status": {
                    "enum": ["accepting chats", "not accepting chats"],
                    "type": "string",
                    "description": "Default status right after login.",
                },
                "job_title": {"type": "string", "description": "Agent's job title."},
                "mobile": {"type": "string", "description": "Agent's mobile number."},
                "max_chats_count": {
                    "maximum": 20,
                    "minimum": 0,
                    "type": "integer",
                    "description": "Maximum concurrent chats (0-20); 0 stops new chats being routed to the agent.",
                },
                "groups": {
                    "type": "array",
                    "items": {"type": "object"},
                    "description": "Groups the agent belongs to, each with its routing priority; replaces the current memberships. Same schema as create_agent's groups.",
                },
                "notifications": {
                    "type": "array",
                    "items": {"type": "string"},
                    "description": "Agent notifications to turn on. Same schema as create_agent's notifications.",
                },
                "email_subscriptions": {
                    "items": {"enum": ["daily_summary", "weekly_summary"], "type": "string"},
                    "type": "array",
                    "description": "Summaries emailed to the agent.",
                },
                "work_scheduler": {
                    "anyOf": [
                        {
                            "properties": {
                                "timezone": {
                                    "type": "string",
                                    "description": "Timezone (IANA, e.g. Europe/Warsaw). Required when schedule is not empty; falls back to the agent's timezone if empty.",
                                },
                                "schedule": {
                                    "description": "Working hours; several entries per day allowed.",
                                    "items": {
                                        "properties": {
                                            "day": {
                                                "description": "Day the working hours apply to.",
                                                "enum": [
                                                    "sunday",
                                                    "monday",
                                                    "tuesday",
                                                    "wednesday",
                                                    "thursday",
                                                    "friday",
                                                    "saturday",
                                                ],
                                                "type": "string",
                                            },
                                            "enabled": {
                                                "description": "Whether these hours are enabled.",
                                                "type": "boolean",
                                            },
                                            "start": {
                                                "description": "Start, HH:MM.",
                                                "pattern": "^\\d\\d:\\d\\d$",
                                                "type": "string",
                                            },
                                            "end": {
                                                "description": "End, HH:MM.",
                                                "pattern": "^\\d\\d:\\d\\d$",
                                                "type": "string",
                                            },
                                        },
                                        "required": ["day", "enabled", "start", "end"],
                                        "type": "object",
                                    },
                                    "type": "array",
                                },
                            },
                            "required": ["schedule"],
                            "type": "object",
                        },
                        {
                            "additionalProperties": {
                                "properties": {
                                    "start": {
                                        "description": "Start, HH:MM.",
                                        "pattern": "^\\d\\d:\\d\\d$",
                                        "type": "string",
                                    },
                                    "end": {
                                        "description": "End, HH:MM.",
                                        "pattern": "^\\d\\d:\\d\\d$",
                                        "type": "string",
                                    },
                                },
                                "required": ["start", "end"],
                                "type": "object",
                            },
                            "description": 'Working hours per weekday, e.g. {"monday": {"start": "08:30", "end": "12:30"}}.',
                            "propertyNames": {
                                "enum": ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"]
                            },
                            "type": "object",
                        },
                    ],
                    "description": "Working hours: {timezone, schedule: [{day, enabled, start, end}]} or {<weekday>: {start, end}}.",
                },
            },
            "required": ["id"],
            "type": "object",
        },
        "update_auto_access": {
            "additionalProperties": False,
            "properties": {
                "id": {"description": "ID of the auto access to modify.", "type": "string"},
                "access": {
                    "properties": {
                        "groups": {
                            "description": "Destination groups the chat is assigned to.",
                            "items": {"minimum": 0, "type": "integer"},
                            "minItems": 1,
                            "type": "array",
                        }
                    },
                    "required": ["groups"],
                    "type": "object",
                    "description": "Destination access (replaces the current one).",
                },
                "conditions": {
                    "type": "object",
                    "description": "Conditions (replace the current ones; at least one of url, domain, geolocation). Same schema as add_auto_access's conditions.",
                },
                "description": {"type": "string", "description": "Description of the rule."},
                "next_id": {
                    "type": "string",
                    "description": 'Move the rule before this one; "" moves it to the end; omit to keep its position.',
                },
            },
            "required": ["id"],
            "type": "object",
        },
        "update_bot": {
            "additionalProperties": False,
            "properties": {
                "id": {"type": "string"},
                "name": {"description": "Display name.", "type": "string"},
                "avatar": {"type": "string", "description": "Avatar URL."},
                "max_chats_count": {
                    "description": "Max incoming chats routed to the bot; maximum 500.",
                    "maximum": 500,
                    "minimum": 0,
                    "type": "integer",
                },
                "groups": {
                    "type": "array",
                    "items": {"type": "object"},
                    "description": "The groups the bot belongs to, each {id, priority}; replaces its current memberships. Same schema as create_bot's groups.",
                },
                "default_group_priority": {
                    "enum": ["first", "normal", "last", "supervisor"],
                    "type": "string",
                    "description": "Default routing priority for a group without a defined priority.",
                },
                "job_title": {"type": "string", "description": "Bot's job title."},
                "type": {"type": "string", "description": "Custom value to categorize the bot."},
                "work_scheduler": {
                    "type": "object",
                    "description": "Working hours: {timezone, schedule: [{day, enabled, start, end}]}. Same schema as create_bot's work_scheduler.",
                },
            },
            "required": ["id"],
            "type": "object",
        },
        "update_greeting": {
            "additionalProperties": False,
            "properties": {
                "id": {"type": "integer"},
                "type": {"enum": ["normal", "announcement"], "type": "string"},
                "active": {"type": "boolean"},
                "active_from": {
                    "description": "When the greeting becomes active (RFC 3339).",
                    "format": "date-time",
                    "type": "string",
                },
                "active_until": {
                    "description": "When the greeting stops being active (RFC 3339).",
                    "format": "date-time",
                    "type": "string",
                },
                "name": {"type": "string"},
                "rules": {
                    "type": "array",
                    "maxItems": 10,
                    "items": {"type": "object"},
                    "description": "Rules that trigger the greeting, at most 10. Replaces all rules. Same schema as create_greeting's rules.",
                },
                "properties": {
                    "type": "object",
                    "description": "Additional properties; replaces them. Same schema as create_greeting's properties.",
                },
                "rich_message": {
                    "type": "object",
                    "description": "Rich message content; replaces it. Same schema as create_greeting's rich_message.",
                },
            },
            "required": ["id"],
            "type": "object",
        },
    }
)

COMPACT_BATCHES: dict[str, Any] = snapshot(
    {
        "batch_create_agents": {
            "type": "object",
            "properties": {
                "requests": {
                    "type": "array",
                    "minItems": 1,
                    "items": {"type": "object"},
                    "description": "Each item: exactly create_agent's arguments; items run independently.",
                }
            },
            "required": ["requests"],
            "additionalProperties": False,
        },
        "batch_update_agents": {
            "type": "object",
            "properties": {
                "requests": {
                    "type": "array",
                    "minItems": 1,
                    "items": {"type": "object"},
                    "description": "Each item: exactly update_agent's arguments; items run independently.",
                }
            },
            "required": ["requests"],
            "additionalProperties": False,
        },
        "batch_delete_agents": {
            "type": "object",
            "properties": {
                "requests": {
                    "type": "array",
                    "minItems": 1,
                    "items": {"type": "object"},
                    "description": "Each item: exactly delete_agent's arguments; items run independently.",
                }
            },
            "required": ["requests"],
            "additionalProperties": False,
        },
        "batch_suspend_agents": {
            "type": "object",
            "properties": {
                "requests": {
                    "type": "array",
                    "minItems": 1,
                    "items": {"type": "object"},
                    "description": "Each item: exactly suspend_agent's arguments; items run independently.",
                }
            },
            "required": ["requests"],
            "additionalProperties": False,
        },
        "batch_unsuspend_agents": {
            "type": "object",
            "properties": {
                "requests": {
                    "type": "array",
                    "minItems": 1,
                    "items": {"type": "object"},
                    "description": "Each item: exactly unsuspend_agent's arguments; items run independently.",
                }
            },
            "required": ["requests"],
            "additionalProperties": False,
        },
        "batch_approve_agents": {
            "type": "object",
            "properties": {
                "requests": {
                    "type": "array",
                    "minItems": 1,
                    "items": {"type": "object"},
                    "description": "Each item: exactly approve_agent's arguments; items run independently.",
                }
            },
            "required": ["requests"],
            "additionalProperties": False,
        },
        "batch_create_bots": {
            "type": "object",
            "properties": {
                "requests": {
                    "type": "array",
                    "minItems": 1,
                    "items": {"type": "object"},
                    "description": "Each item: exactly create_bot's arguments; items run independently.",
                }
            },
            "required": ["requests"],
            "additionalProperties": False,
        },
        "batch_delete_bots": {
            "type": "object",
            "properties": {
                "requests": {
                    "type": "array",
                    "minItems": 1,
                    "items": {"type": "object"},
                    "description": "Each item: exactly delete_bot's arguments; items run independently.",
                }
            },
            "required": ["requests"],
            "additionalProperties": False,
        },
        "batch_update_bots": {
            "type": "object",
            "properties": {
                "requests": {
                    "type": "array",
                    "minItems": 1,
                    "items": {"type": "object"},
                    "description": "Each item: exactly update_bot's arguments; items run independently.",
                }
            },
            "required": ["requests"],
            "additionalProperties": False,
        },
    }
)

META: dict[str, Any] = snapshot(
    {
        "search_actions": {
            "title": "Search actions",
            "description": "Find LiveChat Configuration API actions this server allows: names and one-line descriptions. Empty query lists all.",
            "annotations": {
                "readOnlyHint": True,
                "destructiveHint": False,
                "idempotentHint": True,
                "openWorldHint": False,
            },
            "input_schema": {
                "additionalProperties": False,
                "properties": {
                    "query": {"default": "", "description": "Words to match, e.g. 'agent suspend'.", "type": "string"}
                },
                "type": "object",
            },
            "meta": {"anthropic/searchHint": "find a tool for a task, what can this do", "anthropic/alwaysLoad": True},
        },
        "describe_action": {
            "title": "Describe action",
            "description": "An action's full input schema, scopes and caveats. Call before call_action.",
            "annotations": {
                "readOnlyHint": True,
                "destructiveHint": False,
                "idempotentHint": True,
                "openWorldHint": False,
            },
            "input_schema": {
                "additionalProperties": False,
                "properties": {"name": {"description": "Action name from search_actions.", "type": "string"}},
                "required": ["name"],
                "type": "object",
            },
            "meta": {
                "anthropic/searchHint": "arguments, parameters, input schema of an action",
                "anthropic/alwaysLoad": True,
            },
        },
        "call_action": {
            "title": "Call action",
            "description": "Run an action by name with its arguments; validated and policy-checked like a direct tool call.",
            "annotations": {
                "readOnlyHint": False,
                "destructiveHint": True,
                "idempotentHint": False,
                "openWorldHint": True,
            },
            "input_schema": {
                "additionalProperties": False,
                "properties": {
                    "name": {"type": "string"},
                    "arguments": {
                        "additionalProperties": True,
                        "type": "object",
                        "description": "Arguments matching describe_action's schema.",
                    },
                },
                "required": ["name"],
                "type": "object",
            },
            "meta": {"anthropic/searchHint": "run an action by name", "anthropic/alwaysLoad": True},
        },
        "get_plan": {
            "title": "Get plan",
            "description": "Dry-run: the session's planned writes as a reviewable plan document (steps checked against the license, summary, a MAC only this server can make; the batch requests with requests: true) and its stored plan_id. Save it and apply with `livechat-mcp apply PLAN.json`, or `livechat-mcp plans apply ID`.",
            "annotations": {
                "readOnlyHint": True,
                "destructiveHint": False,
                "idempotentHint": True,
                "openWorldHint": False,
            },
            "input_schema": {
                "additionalProperties": False,
                "properties": {
                    "check": {
                        "type": "boolean",
                        "description": "Steps are checked against the live license as they are planned (the default; reads counted against the budget, cached for the plan): per-step warnings, expected_error, before/after of updates, what deletes lose. true: re-check every step now; false: turn checking off for this plan (it then says checks.checked: false).",
                    },
                    "view": {
                        "default": "steps",
                        "description": "steps (default): the signed plan with each step once (apply_plan rebuilds the batch requests); document: the same with the requests; summary: its id, MAC, target, checks and summary only (apply by plan_id + mac; read it at livechat://plans/{id}).",
                        "enum": ["document", "steps", "summary"],
                        "type": "string",
                    },
                    "requests": {
                        "default": False,
                        "description": "Also show the batch requests to be sent.",
                        "type": "boolean",
                    },
                },
                "type": "object",
            },
            "meta": {"anthropic/searchHint": "review planned changes, dry-run plan", "anthropic/alwaysLoad": True},
        },
        "clear_plan": {
            "title": "Clear plan",
            "description": "Dry-run: discard the session's planned writes.",
            "annotations": {
                "readOnlyHint": False,
                "destructiveHint": False,
                "idempotentHint": True,
                "openWorldHint": False,
            },
            "input_schema": {"additionalProperties": False, "properties": {}, "type": "object"},
            "meta": {"anthropic/searchHint": "discard planned changes"},
        },
        "apply_plan": {
            "title": "Apply plan",
            "description": "Send a reviewed plan (document, or plan_id + mac) in order, each request policy-checked; an edited plan is refused. Stops at the first failure unless continue_on_error.",
            "annotations": {
                "readOnlyHint": False,
                "destructiveHint": True,
                "idempotentHint": False,
                "openWorldHint": True,
            },
            "input_schema": {
                "additionalProperties": False,
                "properties": {
                    "plan": {"additionalProperties": True, "type": "object"},
                    "plan_id": {"type": "string"},
                    "mac": {"type": "string"},
                    "resume": {"type": "boolean"},
                    "again": {"type": "boolean"},
                    "accept_changed": {"type": "boolean"},
                    "allow_other_target": {"type": "boolean"},
                    "send_expected_failures": {"type": "boolean"},
                    "continue_on_error": {"default": False, "type": "boolean"},
                    "secrets": {
                        "additionalProperties": {"type": "string"},
                        "type": "object",
                        "description": "Values for secrets.names.",
                    },
                    "accept_edited": {
                        "default": False,
                        "description": "Apply a plan changed after get_plan signed it (changes listed first); only on a human's decision.",
                        "type": "boolean",
                    },
                },
                "type": "object",
            },
            "meta": {"anthropic/searchHint": "send reviewed changes, execute plan"},
        },
        "search": {
            "title": "Search configuration",
            "description": "Search the license's configuration objects (agents, groups, bots, tags, webhooks, auto access rules, greetings, properties). Returns ids for fetch.",
            "annotations": {
                "readOnlyHint": True,
                "destructiveHint": False,
                "idempotentHint": True,
                "openWorldHint": True,
            },
            "input_schema": {
                "additionalProperties": False,
                "properties": {
                    "query": {
                        "description": "Text to look for, e.g. a name or email; empty lists every object.",
                        "type": "string",
                    },
                    "cursor": {"type": "string", "description": "next_cursor of a previous search."},
                },
                "required": ["query"],
                "type": "object",
            },
            "meta": {"anthropic/searchHint": "find agent, group, bot by name"},
        },
        "fetch": {
            "title": "Fetch configuration object",
            "description": "Fetch one configuration object by an id from search, e.g. agent:jane@example.com or group:1.",
            "annotations": {
                "readOnlyHint": True,
                "destructiveHint": False,
                "idempotentHint": True,
                "openWorldHint": True,
            },
            "input_schema": {
                "additionalProperties": False,
                "properties": {"id": {"description": "An id or url returned by search.", "type": "string"}},
                "required": ["id"],
                "type": "object",
            },
            "meta": {"anthropic/searchHint": "read one object by id"},
        },
        "whoami": {
            "title": "Who am I",
            "description": "The account, organization, client id and region behind the credential; the mode and what it means for writes; how many tools the policy hides, per rule.",
            "annotations": {
                "readOnlyHint": True,
                "destructiveHint": False,
                "idempotentHint": True,
                "openWorldHint": False,
            },
            "input_schema": {"additionalProperties": False, "properties": {}, "type": "object"},
            "meta": {"anthropic/searchHint": "who am I, my account, permissions, mode", "anthropic/alwaysLoad": True},
        },
        "get_apply_report": {
            "title": "Get apply report",
            "description": "Every step of a plan's last apply with its result or error (apply_plan answers a summary). Filter by status (done, failed, refused, not_sent); pages of 100.",
            "annotations": {
                "readOnlyHint": True,
                "destructiveHint": False,
                "idempotentHint": True,
                "openWorldHint": False,
            },
            "input_schema": {
                "additionalProperties": False,
                "properties": {
                    "plan_id": {
                        "description": "The applied plan's id (apply_plan and get_plan answer it).",
                        "maxLength": 64,
                        "pattern": "^[A-Za-z0-9]+$",
                        "type": "string",
                    },
                    "status": {
                        "enum": ["done", "failed", "refused", "not_sent"],
                        "type": "string",
                        "description": "Only the steps with this status.",
                    },
                    "cursor": {"type": "string", "description": "next_cursor of the previous answer."},
                },
                "required": ["plan_id"],
                "type": "object",
            },
            "meta": {"anthropic/searchHint": "apply results, which steps failed"},
        },
        "export_config": {
            "title": "Export configuration",
            "description": "The license's configuration as one document (keyed by names, no secrets): a backup, or input for diff_config and plan_config.",
            "annotations": {
                "readOnlyHint": True,
                "destructiveHint": False,
                "idempotentHint": True,
                "openWorldHint": False,
            },
            "input_schema": {
                "additionalProperties": False,
                "properties": {
                    "kinds": {
                        "items": {
                            "enum": [
                                "groups",
                                "agents",
                                "bots",
                                "bot_templates",
                                "auto_access",
                                "greetings",
                                "tags",
                                "properties",
                                "webhooks",
                            ],
                            "type": "string",
                        },
                        "type": "array",
                        "description": "Only these (default: all).",
                    },
                    "view": {
                        "default": "document",
                        "description": "summary: counts only.",
                        "enum": ["document", "summary"],
                        "type": "string",
                    },
                },
                "type": "object",
            },
            "meta": {"anthropic/searchHint": "backup, snapshot, configuration as code"},
        },
        "diff_config": {
            "title": "Diff configuration",
            "description": "What differs between a configuration document and the license, per object and field.",
            "annotations": {
                "readOnlyHint": True,
                "destructiveHint": False,
                "idempotentHint": True,
                "openWorldHint": False,
            },
            "input_schema": {
                "additionalProperties": False,
                "properties": {
                    "document": {
                        "additionalProperties": True,
                        "description": "A configuration document (export_config's).",
                        "type": "object",
                    }
                },
                "required": ["document"],
                "type": "object",
            },
            "meta": {"anthropic/searchHint": "compare, drift, what changed"},
        },
        "plan_config": {
            "title": "Plan configuration",
            "description": "A stored plan making the license match a configuration document, reviewed and applied like any plan. Sends nothing.",
            "annotations": {
                "readOnlyHint": True,
                "destructiveHint": False,
                "idempotentHint": True,
                "openWorldHint": False,
            },
            "input_schema": {
                "additionalProperties": False,
                "properties": {
                    "document": {
                        "additionalProperties": True,
                        "description": "A configuration document (export_config's).",
                        "type": "object",
                    },
                    "prune": {
                        "default": False,
                        "description": "Also delete what the document lacks.",
                        "type": "boolean",
                    },
                },
                "required": ["document"],
                "type": "object",
            },
            "meta": {"anthropic/searchHint": "restore a backup, copy to another license"},
        },
        "plans_pending": {
            "title": "Plans pending approval",
            "description": "Approvals: the stored plans of your license waiting for approval, with their summary sentence, author, plan_id and mac, and whether you may approve each.",
            "annotations": {"readOnlyHint": True, "destructiveHint": False, "idempotentHint": True, "openWorldHint": False},
            "input_schema": {"additionalProperties": False, "properties": {}, "type": "object"},
            "meta": {"anthropic/searchHint": "plans waiting for my approval, review queue"},
        },
        "approve_plan": {
            "title": "Approve plan",
            "description": "Approvals: approve a stored plan you reviewed (plan_id + the mac you saw). You cannot approve your own plan; your LiveChat role must be one the policy lists. Sends nothing to LiveChat.",
            "annotations": {"readOnlyHint": False, "destructiveHint": False, "idempotentHint": True, "openWorldHint": False},
            "input_schema": {
                "additionalProperties": False,
                "properties": {
                    "plan_id": {
                        "description": "The stored plan's id (plans_pending, get_plan's plan_id).",
                        "maxLength": 64,
                        "type": "string",
                    },
                    "mac": {
                        "description": "The plan's mac as you reviewed it: a decision counts for exactly that plan.",
                        "maxLength": 200,
                        "type": "string",
                    },
                },
                "required": ["plan_id", "mac"],
                "type": "object",
            },
            "meta": {"anthropic/searchHint": "approve a change, sign off a plan"},
        },
        "reject_plan": {
            "title": "Reject plan",
            "description": "Approvals: reject a stored plan (plan_id + mac) with a reason for its author; it cannot be applied. Sends nothing to LiveChat.",
            "annotations": {"readOnlyHint": False, "destructiveHint": False, "idempotentHint": True, "openWorldHint": False},
            "input_schema": {
                "additionalProperties": False,
                "properties": {
                    "plan_id": {
                        "description": "The stored plan's id (plans_pending, get_plan's plan_id).",
                        "maxLength": 64,
                        "type": "string",
                    },
                    "mac": {
                        "description": "The plan's mac as you reviewed it: a decision counts for exactly that plan.",
                        "maxLength": 200,
                        "type": "string",
                    },
                    "reason": {
                        "description": "Why, for the plan's author (up to 500 characters).",
                        "maxLength": 500,
                        "type": "string",
                    },
                },
                "required": ["plan_id", "mac", "reason"],
                "type": "object",
            },
            "meta": {"anthropic/searchHint": "reject a change, decline a plan"},
        },
        "review_plan": {
            "title": "Review plan",
            "description": "Approvals: a stored plan of your license (plan_id) as get_plan shows it, with where it stands and, if you may decide it, Approve and Reject in the review app.",
            "annotations": {"readOnlyHint": True, "destructiveHint": False, "idempotentHint": True, "openWorldHint": False},
            "input_schema": {
                "additionalProperties": False,
                "properties": {
                    "plan_id": {
                        "description": "The stored plan's id (plans_pending, get_plan's plan_id).",
                        "maxLength": 64,
                        "type": "string",
                    }
                },
                "required": ["plan_id"],
                "type": "object",
            },
            "meta": {"anthropic/searchHint": "open a plan to approve, a colleague's plan"},
        },
    }
)
