"""Strict types: ids, counts and flags accept their own JSON type only, on every tool.

Pydantic's lax mode turned JSON ``true`` into group id 1, ``"on"`` into ``true``, ``"5"`` into 5
and ``1.0`` into an int id, so validation accepted requests that the schema in tools/list calls
invalid (and a wrong guess then reached LiveChat). The models are strict now, once, in the
``Input`` base. This module checks it three ways:

- a readable table of the reported cases and their siblings (nested models, batch items,
  dict values, dates and times, meta tools), each refused with an error naming the field;
- the same table over every scalar field of every tool's advertised schema (72 actions and the
  meta tools), walked to nested objects, list items and dict values: a value whose JSON type the
  schema does not list is refused, naming its path;
- property-style: bodies mutated at every depth with values of every JSON type; whenever the
  validator accepts one, the body conforms to the advertised JSON schema (Draft 2020-12).
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from typing import Any

import jsonschema
import pytest
from pydantic import BaseModel, ValidationError

from conftest import tool_payload
from reference_examples import examples
from server.meta.registry import ALL_META
from server.tools import catalog
from server.tools.schema import input_schema
from server.tools.validation import field_errors, json_type

pytestmark = pytest.mark.anyio

Path = tuple[str | int, ...]

# One value of each JSON type, and the lax-mode traps among them.
VALUES: list[Any] = [True, False, 0, 1, -1, 1.0, 1.5, 2.0**31, "5", "1", "on", "true", "yes", "", "x",
                     "2024-01-01T00:00:00Z", "09:30", None, [], [1], {}, {"a": 1}]


def tools() -> Iterator[tuple[str, type[BaseModel]]]:
    for name, act in catalog().items():
        yield name, act.model
    for meta in ALL_META:
        yield meta.name, meta.model


def fmt(path: Path) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else ("." if out else "") + str(part)
    return out


def accepts(model: type[BaseModel], body: Any) -> bool:
    try:
        model.model_validate(body)
    except ValidationError:
        return False
    return True


def refused_fields(model: type[BaseModel], body: Any) -> list[str]:
    with pytest.raises(ValidationError) as info:
        model.model_validate(body)
    return [e["field"] for e in field_errors(info.value, body)]


# --- a valid body for each tool, as full as the schema allows ------------------------------------


def _resolve(node: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = defs[node["$ref"].rsplit("/", 1)[-1]]
    return node


def _gen(node: dict[str, Any], defs: dict[str, Any], *, full: bool, text: str = "x") -> Any:
    node = _resolve(node, defs)
    if "enum" in node:
        return node["enum"][0]
    if "const" in node:
        return node["const"]
    for key in ("anyOf", "oneOf"):
        if key in node:
            return _gen(node[key][0], defs, full=full, text=text)
    kind = node.get("type")
    if kind == "integer":
        return max(1, node.get("minimum", 1))
    if kind == "number":
        return 1
    if kind == "boolean":
        return True
    if kind == "string":
        if node.get("format") == "date-time":
            return "2024-01-01T00:00:00Z"
        if "pattern" in node and ":" in node["pattern"]:
            return "09:30"
        return text if len(text) >= node.get("minLength", 1) else text * node.get("minLength", 1)
    if kind == "array":
        return [_gen(node.get("items", {}), defs, full=full, text=text)] * max(1, node.get("minItems", 1))
    props = node.get("properties", {})
    required = node.get("required", [])
    out = {k: _gen(v, defs, full=full, text=text) for k, v in props.items() if full or k in required}
    if not props and isinstance(node.get("additionalProperties"), dict):
        out = {"x@example.com": _gen(node["additionalProperties"], defs, full=full, text=text)}
    return out


@cache
def base_body(name: str) -> dict[str, Any]:
    """A body the tool accepts: required fields from the schema (or the reference's example),
    then each optional field the model still accepts beside them."""
    model = dict(tools())[name]
    schema = input_schema(model)
    defs = schema.get("$defs", {})
    body = _gen(schema, defs, full=False)
    if not accepts(model, body):
        # Some strings are checked beyond their schema (a new agent's id is an email: livechat-mcp's rule).
        body = _gen(schema, defs, full=False, text="x@example.com")
    if not accepts(model, body):
        body = next((e.body for e in examples() if e.action == name and accepts(model, e.body)), None)
        assert body is not None, f"no valid body for {name}"
    samples = [e.body for e in examples() if e.action == name and isinstance(e.body, dict)]
    for key, sub in schema.get("properties", {}).items():
        if key not in body:
            tries = [_gen(sub, defs, full=True), _gen(sub, defs, full=False)] + [b[key] for b in samples if key in b]
            for value in tries:
                if accepts(model, {**body, key: value}):
                    body = {**body, key: value}
                    break
    return body


# --- walking a body alongside its schema -------------------------------------------------------


def _branch(node: dict[str, Any], value: Any, defs: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    """The union branch a container value is in; a scalar keeps the whole union (its leaf types)."""
    node = _resolve(node, defs)
    if not isinstance(value, (dict, list)):
        return node
    for key in ("anyOf", "oneOf"):
        if key in node:
            for sub in node[key]:
                if jsonschema.Draft202012Validator({**_resolve(sub, defs), "$defs": defs}).is_valid(value):
                    return _branch(sub, value, defs, root)
    return node


def leaves(node: dict[str, Any], value: Any, defs: dict[str, Any], path: Path = ()) -> Iterator[tuple[Path, set[str]]]:
    """(path, advertised JSON types) of every scalar in ``value``."""
    node = _branch(node, value, defs, node)
    if isinstance(value, dict):
        props = node.get("properties", {})
        extra = node.get("additionalProperties")
        walked = False
        for key, sub in value.items():
            schema = props.get(key, extra if isinstance(extra, dict) else None)
            if schema is not None:
                walked = True
                yield from leaves(schema, sub, defs, (*path, key))
        if not walked and path:
            # An open or empty object (diff_config's document) is itself the field: a scalar there is refused.
            yield path, {"object"}
    elif isinstance(value, list):
        if value and isinstance(node.get("items"), dict):
            yield from leaves(node["items"], value[0], defs, (*path, 0))
        elif path:
            yield path, {"array"}
    else:
        yield path, types_of(node, defs)


def types_of(node: dict[str, Any], defs: dict[str, Any]) -> set[str]:
    node = _resolve(node, defs)
    if "enum" in node:
        return {json_type(v) for v in node["enum"]}
    if "anyOf" in node or "oneOf" in node:
        return set().union(*(types_of(s, defs) for s in node.get("anyOf", node.get("oneOf"))))
    kind = node.get("type")
    return set(kind) if isinstance(kind, list) else {kind} if kind else set()


def replaced(body: Any, path: Path, value: Any) -> Any:
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(body, list):
        return [replaced(item, rest, value) if i == head else item for i, item in enumerate(body)]
    return {**body, head: replaced(body[head], rest, value)}


def compatible(value: Any, types: set[str]) -> bool:
    kind = json_type(value)
    return kind in types or (kind == "integer" and "number" in types)


# --- the readable table -------------------------------------------------------------------------

TABLE = [
    # (tool, arguments, field the error names)
    ("update_group", {"id": True, "name": "x"}, "id"),                     # true is not group 1
    ("get_group", {"id": False}, "id"),
    ("get_group", {"id": 1.0}, "id"),                                      # 1.0 is not an int id
    ("get_group", {"id": 1.5}, "id"),
    ("get_group", {"id": "5"}, "id"),                                      # "5" is not 5
    ("list_bots", {"all": "on"}, "all"),                                   # "on" is not true
    ("list_bots", {"all": 1}, "all"),
    ("list_bots", {"all": "true"}, "all"),
    ("list_greetings", {"limit": "5"}, "limit"),                           # a count
    ("list_greetings", {"limit": 5.0}, "limit"),
    ("create_tag", {"name": "t", "group_ids": [True]}, "group_ids[0]"),    # list items
    ("create_tag", {"name": "t", "group_ids": ["0"]}, "group_ids[0]"),
    ("create_tag", {"name": 5}, "name"),                                   # a number is not a string
    ("update_agent", {"id": "jane@example.com", "groups": [{"id": "1", "priority": "normal"}]}, "groups[0].id"),
    ("update_agent", {"id": "jane@example.com", "work_scheduler": {"timezone": "Europe/Warsaw", "schedule": [
        {"day": "monday", "enabled": "true", "start": "08:00", "end": "16:00"}]}}, "work_scheduler.schedule[0].enabled"),
    ("update_agent", {"id": "jane@example.com", "work_scheduler": {"monday": {"start": 800, "end": "16:00"}}},
     "work_scheduler.monday.start"),                                        # a time is a string
    ("update_group", {"id": 0, "agent_priorities": {"jane@example.com": 1}}, "agent_priorities.jane@example.com"),
    ("update_greeting", {"id": 1, "active_from": 1700000000}, "active_from"),  # a date-time is a string
    ("update_greeting", {"id": 1, "active": "false"}, "active"),
    ("batch_update_agents", {"requests": [{"id": True}]}, "requests[0].id"),     # batch items
    ("batch_update_agents", {"requests": [{"id": "a@example.com", "max_chats_count": "5"}]},
     "requests[0].max_chats_count"),
    ("batch_update_bots", {"requests": [{"id": "b", "groups": [{"id": 1.0, "priority": "first"}]}]},
     "requests[0].groups[0].id"),
    ("create_agent", {"id": "a@example.com", "name": "A", "role": 1}, "role"),  # an enum takes its strings only
    ("update_tag", {"name": "t", "group_ids": None}, "group_ids"),         # null is not in the schema
    ("apply_plan", {"plan": {}, "continue_on_error": "true"}, "continue_on_error"),
    ("call_action", {"name": 5}, "name"),
    ("call_action", {"name": "list_tags", "arguments": None}, "arguments"),
    ("search", {"query": 5}, "query"),
    ("fetch", {"id": 1}, "id"),
    ("search_actions", {"query": True}, "query"),
]


@pytest.mark.parametrize(("tool", "arguments", "field"), TABLE, ids=lambda v: str(v)[:40])
def test_table_of_coercions_is_refused_naming_the_field(tool: str, arguments: dict[str, Any], field: str) -> None:
    model = dict(tools())[tool]
    assert field in refused_fields(model, arguments)


def test_their_own_types_are_still_accepted() -> None:
    for tool, arguments in [
        ("update_group", {"id": 1, "name": "x"}), ("get_group", {"id": 0}), ("list_bots", {"all": True}),
        ("list_greetings", {"limit": 5}), ("create_tag", {"name": "t", "group_ids": [0, 1]}),
        ("update_greeting", {"id": 1, "active_from": "2024-01-01T00:00:00Z", "active": False}),
        ("update_group", {"id": 0, "agent_priorities": {"jane@example.com": "first"}}),
        ("batch_update_agents", {"requests": [{"id": "a@example.com", "max_chats_count": 5}]}),
        ("apply_plan", {"plan": {}, "continue_on_error": True}), ("call_action", {"name": "list_tags"}),
    ]:
        model = dict(tools())[tool]
        assert accepts(model, arguments), (tool, arguments)


# --- the same table over every field of every tool ----------------------------------------------


@pytest.mark.parametrize("tool", [name for name, _ in tools()])
def test_every_field_refuses_values_of_other_json_types(tool: str) -> None:
    model = dict(tools())[tool]
    schema = input_schema(model)
    body = base_body(tool)
    found = list(leaves(schema, body, schema.get("$defs", {})))
    if schema.get("properties"):
        assert found, f"{tool}: no field walked"
    problems = []
    for path, types in found:
        for value in VALUES:
            if compatible(value, types):
                continue
            mutated = replaced(body, path, value)
            if accepts(model, mutated):
                problems.append(f"{fmt(path)} accepted {value!r} (advertised {sorted(types)})")
            elif fmt(path) not in refused_fields(model, mutated):
                problems.append(f"{fmt(path)}: the error for {value!r} does not name the field")
    assert problems == []


def test_the_walk_reaches_nested_models_batch_items_and_dict_values() -> None:
    walked = {
        (tool, fmt(path))
        for tool, model in tools()
        for path, _ in leaves(input_schema(model), base_body(tool), input_schema(model).get("$defs", {}))
    }
    assert len({t for t, _ in walked}) >= 70
    for expected in [("update_agent", "groups[0].id"), ("batch_update_agents", "requests[0].id"),
                     ("update_group", "agent_priorities.x@example.com"), ("apply_plan", "continue_on_error")]:
        assert expected in walked, expected


# --- what the validator accepts conforms to the advertised schema -------------------------------


def mutations(node: dict[str, Any], value: Any, defs: dict[str, Any], depth: int = 0) -> Iterator[Any]:
    yield from VALUES
    if depth > 3:
        return
    node = _branch(node, value, defs, node)
    if isinstance(value, dict):
        props = node.get("properties", {})
        extra = node.get("additionalProperties")
        for key, sub in value.items():
            schema = props.get(key, extra if isinstance(extra, dict) else {})
            for m in mutations(schema, sub, defs, depth + 1):
                yield {**value, key: m}
        for key in ("1", "extra_field"):
            yield {**value, key: value[next(iter(value))] if value else 1}
    elif isinstance(value, list) and value:
        for m in mutations(node.get("items", {}), value[0], defs, depth + 1):
            yield [m, *value[1:]]


@pytest.mark.parametrize("tool", [name for name, _ in tools()])
def test_whatever_validation_accepts_conforms_to_the_advertised_schema(tool: str) -> None:
    model = dict(tools())[tool]
    schema = input_schema(model)
    checker = jsonschema.Draft202012Validator(schema)
    body = base_body(tool)
    assert checker.is_valid(body), f"{tool}: its own valid body does not conform: {body}"
    accepted = refused = 0
    for mutated in mutations(schema, body, schema.get("$defs", {})):
        if not isinstance(mutated, dict):
            assert not accepts(model, mutated)
            continue
        if accepts(model, mutated):
            accepted += 1
            errors = [e.message for e in checker.iter_errors(mutated)]
            assert errors == [], f"{tool} accepted {mutated}, which its schema does not allow: {errors}"
        else:
            refused += 1
    assert refused > 0


# --- through MCP: refused, named, nothing sent ----------------------------------------------------


async def test_coerced_values_are_refused_through_mcp_and_nothing_is_sent(loopback, make_server):
    from server.policies import Overrides

    async with make_server(policy="full-access", env=loopback.env()) as s:
        for name, args, field in [
            ("update_group", {"id": True, "name": "renamed"}, "id"),
            ("batch_update_agents", {"requests": [{"id": "jane@example.com", "max_chats_count": True}]},
             "requests[0].max_chats_count"),
            ("list_bots", {"all": "on"}, "all"),
        ]:
            result = await s.client.call_tool(name, args)
            err = tool_payload(result)["error"]
            assert result.is_error and err["type"] == "validation", err
            assert field in [f["field"] for f in err["fields"]] and "Nothing was sent" in err["message"]
    async with make_server(policy="full-access", env=loopback.env(), overrides=Overrides(discovery=True)) as s:
        result = await s.client.call_tool("call_action", {"name": "update_group", "arguments": {"id": True, "name": "x"}})
        err = tool_payload(result)["error"]
        assert result.is_error and [f["field"] for f in err["fields"]] == ["id"], err
    assert loopback.requests() == []


def test_the_error_says_which_json_type_is_wanted_and_which_came_never_the_value() -> None:
    from server.tools.validation import field_errors as errors_of

    for tool, arguments, expected in [
        ("update_group", {"id": True, "name": "x"}, "must be an integer, not a boolean"),
        ("get_group", {"id": 1.0}, "must be an integer, not a number written with a decimal point"),
        ("list_bots", {"all": "S3CRET-ish"}, "must be a boolean (true or false), not a string"),
        ("list_greetings", {"limit": "5"}, "must be an integer, not a string"),
    ]:
        model = dict(tools())[tool]
        with pytest.raises(ValidationError) as info:
            model.model_validate(arguments)
        [error] = errors_of(info.value, arguments)
        assert error["error"] == expected
    assert "S3CRET" not in expected
