"""Catalogue invariants: what every tool must satisfy, whatever resource it belongs to."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from server.doors.docs import block
from server.doors.mcp_app import tool_for
from server.tools import RESOURCES, catalog
from server.tools.listing import listing
from server.tools.schema import documented_schema, input_schema

ACTIONS = list(catalog().values())
EXPECTED_COUNTS = {
    "agents": 15, "auto_access": 4, "bots": 15, "customer_bans": 2, "greetings": 5, "groups": 5,
    "properties": 10, "tags": 4, "webhooks": 7, "other": 5,
}


def test_72_unique_names_of_at_most_64_chars():
    names = [a.name for a in ACTIONS]
    assert len(names) == len(set(names)) == 72
    assert all(re.fullmatch(r"[a-z][a-z_]{1,63}", n) for n in names)


def test_counts_per_toolset():
    counts = {r: sum(1 for a in ACTIONS if a.resource == r) for r in RESOURCES}
    assert counts == EXPECTED_COUNTS


def _properties(schema: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    out = [(name, prop) for name, prop in schema.get("properties", {}).items()]
    for def_name, sub in schema.get("$defs", {}).items():
        out += [(f"{def_name}.{name}", prop) for name, prop in sub.get("properties", {}).items()]
    return out


@pytest.mark.parametrize("act", ACTIONS, ids=lambda a: a.name)
def test_every_field_is_described(act):
    # Documented in the models; the listed schema (input_schema) then leaves out a description
    # that only restates the field's name ("Greeting name."), see server/tools/schema.py.
    missing = [name for name, prop in _properties(documented_schema(act.model)) if not prop.get("description")]
    assert not missing, f"{act.name}: undocumented fields {missing}"


@pytest.mark.parametrize("act", ACTIONS, ids=lambda a: a.name)
def test_tool_annotations_are_explicit_and_honest(act):
    tool = tool_for(listing()[act.name])  # as tools/list serves it
    ann = tool.annotations
    assert tool.title and tool.description
    assert ann.read_only_hint is (not act.write)
    assert ann.destructive_hint is not None and ann.idempotent_hint is not None and ann.open_world_hint is True
    if not act.write:
        assert ann.destructive_hint is False and ann.idempotent_hint is True
    if act.name.startswith(("delete_", "unregister_", "reset_", "batch_delete_")) or act.name in (
        "suspend_agent", "batch_suspend_agents", "disable_license_webhooks", "publish_property",
    ):
        assert ann.destructive_hint is True, act.name
    if act.name.startswith(("create_", "batch_create_", "register_", "add_")) or act.name == "issue_bot_token":
        assert ann.idempotent_hint is False, act.name
    assert "Scopes:" in tool.description


@pytest.mark.parametrize("act", ACTIONS, ids=lambda a: a.name)
def test_schema_is_a_plain_object(act):
    schema = input_schema(act.model)
    assert schema["type"] == "object"
    assert not {"anyOf", "oneOf", "allOf"} & set(schema)
    assert schema.get("additionalProperties") is False  # unknown fields are refused, not dropped
    assert "title" not in schema


def test_batch_tools_point_at_existing_actions():
    batches = [a for a in ACTIONS if a.batch_of]
    assert {a.name for a in batches} == {
        "batch_create_agents", "batch_update_agents", "batch_delete_agents", "batch_suspend_agents",
        "batch_unsuspend_agents", "batch_approve_agents", "batch_create_bots", "batch_update_bots",
        "batch_delete_bots",
    }
    for b in batches:
        single = catalog()[b.batch_of]
        assert single.batch_name == b.name
        assert (b.write, b.destructive, b.idempotent, b.scopes) == (
            single.write, single.destructive, single.idempotent, single.scopes)
        schema = input_schema(b.model)
        assert schema["required"] == ["requests"] and schema["properties"]["requests"]["minItems"] == 1


def test_docs_tool_table_is_in_sync():
    tools_doc = (Path(__file__).resolve().parent.parent / "docs" / "tools.md").read_text()
    assert block() in tools_doc, "docs/tools.md's tool table is stale: run `python -m server.doors.docs` and paste the block"


async def _listed(tmp_path: Path, **policy: Any) -> dict[str, Any]:
    import json

    from conftest import open_runtime
    from server.doors.mcp_app import LiveChatMCP

    spec = tmp_path / "policy.json"
    spec.write_text(json.dumps(policy))
    async with open_runtime(sandbox=True, policy=str(spec)) as runtime:
        return {t.name: t for t in LiveChatMCP(runtime).list_tools()}


@pytest.mark.anyio
async def test_batch_items_point_at_a_listed_single_tool_else_carry_the_full_schema(tmp_path):
    both = await _listed(tmp_path, mode="read-write")
    items = both["batch_create_agents"].input_schema["properties"]["requests"]
    assert items["items"] == {"type": "object"} and "create_agent" in items["description"]
    assert "create_agent" in both
    only_batch = await _listed(tmp_path, mode="read-write", allow_tools=["batch_create_agents"])
    assert "create_agent" not in only_batch
    full = only_batch["batch_create_agents"].input_schema
    assert full == input_schema(catalog()["batch_create_agents"].model)
    # The single tool's whole schema, written in place (a shape used once is inlined, not a $def).
    single = input_schema(catalog()["create_agent"].model)
    assert full["properties"]["requests"]["items"]["properties"] == single["properties"]
