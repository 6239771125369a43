"""Validation errors through the MCP tools: each names the caller's own field path.

Pydantic puts union-branch tags (``int``, ``WorkScheduler``, ``dict[...]``) into error
locations; the reported ``fields`` must be the path into the arguments the caller sent (dict
keys kept verbatim, whatever their case), once per problem. Refused calls send nothing.
"""

from __future__ import annotations

from typing import Any

import pytest

from conftest import tool_payload

pytestmark = pytest.mark.anyio

ACCESS = {"chat": {"agent": ["read", "write"]}}


async def invalid(s: Any, name: str, args: dict[str, Any]) -> dict[str, Any]:
    result = await s.client.call_tool(name, args)
    assert result.is_error, f"{name} accepted {args}: {tool_payload(result)}"
    err = tool_payload(result)["error"]
    assert err["type"] == "validation", err
    assert "Nothing was sent" in err["message"]
    return err


def fields(err: dict[str, Any]) -> list[str]:
    return [f["field"] for f in err["fields"]]


# --- field paths: real dict keys kept, union tags dropped -------------------------------------

CASES = [
    pytest.param(
        "update_license_properties",
        {"properties": {"MyNS": {"Prop": 1.5}}},
        ["properties.MyNS.Prop"],
        id="uppercase-dict-keys-scalar-union",
    ),
    pytest.param(
        "update_group",
        {"id": 0, "agent_priorities": {"John@Example.com": "boss"}},
        ["agent_priorities.John@Example.com"],
        id="dict-key-email",
    ),
    pytest.param(
        "register_property",
        {"name": "p", "type": "int", "access": ACCESS, "domain": [1.5]},
        ["domain[0]"],
        id="list-item-scalar-union",
    ),
    pytest.param(
        "update_agent",
        {"id": "jane@example.com", "work_scheduler": {"monday": {"start": "8am", "end": "10:00"}}},
        ["work_scheduler.monday.start"],
        id="model-or-dict-union",
    ),
    pytest.param("update_agent", {"job_title": "Lead"}, ["id"], id="missing-required"),
    pytest.param("update_agent", {"id": "jane@example.com", "jobtitle": "Lead"}, ["jobtitle"], id="unknown-field"),
    pytest.param(
        "update_agent",
        {"id": "jane@example.com", "work_scheduler": {"timezone": "UTC", "schedule": [
            {"day": "monday", "enabled": True, "start": "08:00", "end": "17:00"},
            {"day": "monday", "enabled": True, "start": "8am", "end": "17:00"},
        ]}},
        ["work_scheduler.schedule[1].start"],
        id="documented-scheduler-list-index",
    ),
]


@pytest.mark.parametrize(("tool", "args", "expected"), CASES)
async def test_reported_fields_are_the_callers_paths(loopback, make_server, tool, args, expected):
    async with make_server(policy="full-access", env=loopback.env()) as s:
        err = await invalid(s, tool, args)
    assert fields(err) == expected, err
    for field in expected:
        assert f"`{field}`" in err["message"]
    assert loopback.requests() == []


async def test_scalar_union_mismatch_is_one_error_listing_the_allowed_types(loopback, make_server):
    async with make_server(policy="full-access", env=loopback.env()) as s:
        err = await invalid(s, "update_license_properties", {"properties": {"MyNS": {"Prop": 1.5}}})
    [only] = err["fields"]
    assert "boolean" in only["error"] and "integer" in only["error"] and "string" in only["error"]


async def test_bad_work_scheduler_reports_only_the_branch_it_matched(loopback, make_server):
    async with make_server(policy="full-access", env=loopback.env()) as s:
        err = await invalid(
            s, "update_agent",
            {"id": "jane@example.com", "work_scheduler": {"monday": {"start": "8am", "end": "10:00"}}},
        )
    assert len(err["fields"]) == 1
    message = err["message"]
    assert "`work_scheduler.schedule`" not in message and "dict[" not in message and "literal[" not in message


# --- ASCII digits only ------------------------------------------------------------------------

FULL_WIDTH = [
    pytest.param(
        "update_agent",
        {"id": "jane@example.com", "work_scheduler": {"monday": {"start": "０８:００", "end": "10:00"}}},
        "work_scheduler.monday.start",
        id="hhmm",
    ),
    pytest.param(
        "update_greeting",
        {"id": 1, "active_from": "２０２４-01-01T00:00:00Z"},
        "active_from",
        id="rfc3339",
    ),
    pytest.param("list_webhook_names", {"version": "３.６"}, "version", id="api-version"),
]


@pytest.mark.parametrize(("tool", "args", "field"), FULL_WIDTH)
async def test_non_ascii_digits_are_refused(loopback, make_server, tool, args, field):
    async with make_server(policy="full-access", env=loopback.env()) as s:
        err = await invalid(s, tool, args)
    assert fields(err) == [field], err
    assert loopback.requests() == []


async def test_rfc3339_with_a_trailing_newline_is_refused(loopback, make_server):
    async with make_server(policy="full-access", env=loopback.env()) as s:
        err = await invalid(s, "update_greeting", {"id": 1, "active_from": "2024-01-01T00:00:00Z\n"})
    assert fields(err) == ["active_from"]
    assert loopback.requests() == []


async def test_ascii_digits_still_pass_validation(loopback, make_server):
    """The control: the same shapes in ASCII digits pass validation (whatever the API answers)."""
    async with make_server(policy="full-access", env=loopback.env()) as s:
        for tool, args in (
            ("list_webhook_names", {"version": "3.6"}),
            ("update_greeting", {"id": 1, "active_from": "2024-01-01T00:00:00Z"}),
            ("update_agent", {"id": "jane@example.com",
                              "work_scheduler": {"monday": {"start": "08:00", "end": "10:00"}}}),
        ):
            result = await s.client.call_tool(tool, args)
            if result.is_error:
                assert tool_payload(result)["error"]["type"] != "validation", (tool, tool_payload(result))


async def test_working_hours_without_a_timezone_are_refused(loopback, make_server):
    hours = {"schedule": [{"day": "monday", "enabled": True, "start": "09:00", "end": "17:00"}]}
    async with make_server(policy="full-access", env=loopback.env()) as s:
        err = await invalid(s, "create_agent", {"id": "tz@example.com", "name": "TZ", "work_scheduler": hours})
        ok = await s.client.call_tool("create_agent", {"id": "tz2@example.com", "name": "TZ",
                                                        "work_scheduler": {**hours, "timezone": "Europe/Warsaw"}})
    assert fields(err) == ["work_scheduler"] and "timezone is required" in err["message"]
    assert not ok.is_error
