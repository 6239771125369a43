"""The tool schemas and the catalogue against the newer reference page's tables, per action: every
documented request parameter (top-level and nested) with its requiredness, and the required scopes.

Where the page contradicts itself or a row's "Required" is conditional ("Required only when ..."),
the decision is listed below with the docs/conformance.md note that explains it; any other
difference fails.
"""

from __future__ import annotations

from typing import Any

import pytest

from conftest import cells
from reference_tables import methods
from server.tools import catalog

ACTIONS = list(catalog())

# Top-level parameters the page marks required that the schema leaves optional, with the note why.
OPTIONAL_BY_DECISION = {
    "owner_client_id": "C1/C2: a Bearer token supplies it; the server fills it in, a PAT caller must send it",
}
CONDITIONAL = {  # "Required" in the table, qualified in its notes
    ("unban_customer", "ip"): "Q3: exactly one of ip and customer_id (the footnote)",
    ("unban_customer", "customer_id"): "Q3: exactly one of ip and customer_id (the footnote)",
    ("create_agent", "work_scheduler.timezone"): "Q1: 'Required only when schedule is not empty'",
    ("create_bot", "groups[].id"): "'Required only when group's included': required in each item",
    ("create_greeting", "rules[].operator"): "'Not required for url_funnel, custom_variable, and ads_traffic'",
    ("create_greeting", "rules[].urls[].url"): "'Required when the urls array is used': required in each item",
    ("create_greeting", "rules[].urls[].operator"): "'Required when urls array is used': required in each item",
}
# Parameters named by a pattern (`conditions.{url,domain}.values`, `access.<location>`): expanded here.
PATTERNS = {
    "conditions.{url,domain}.values": ("conditions.url.values", "conditions.domain.values"),
    "conditions.{url,domain}.exclude_values": ("conditions.url.exclude_values", "conditions.domain.exclude_values"),
    "access.<location>": ("access.chat", "access.thread", "access.event", "access.license", "access.group"),
    "access.<location>.<user>": ("access.chat.agent", "access.chat.customer"),
}
# A field whose documented type is a union in the schema, by decision.
UNION_TYPES = {("update_agent", "work_scheduler"): "Q1: the documented shape and the per-day shape the example sends"}
_TYPES = {"string": "string", "int": "integer", "uint": "integer", "number": "integer", "bool": "boolean",
          "boolean": "boolean", "object": "object"}



def _resolve(schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = root.get("$defs", {}).get(schema["$ref"].split("/")[-1], {})
    if "anyOf" in schema:
        options = [_resolve(option, root) for option in schema["anyOf"] if option.get("type") != "null"]
        return options[0] if len(options) == 1 else {"anyOf": options}
    return schema


def _lookup(root: dict[str, Any], name: str) -> tuple[dict[str, Any] | None, bool]:
    """The schema of a documented parameter (``groups[].id``) and whether its parent requires it."""
    parts: list[str] = []
    for segment in name.split("."):
        parts += [segment[:-2], "[]"] if segment.endswith("[]") else [segment]
    current, required = root, False
    for part in parts:
        current = _resolve(current, root)
        if part == "[]":
            if current.get("type") != "array":
                return None, False
            current = current.get("items", {})
            continue
        properties = current.get("properties")
        if properties is None or part not in properties:
            return None, False
        required = part in current.get("required", [])
        current = properties[part]
    return _resolve(current, root), required


def test_the_page_documents_every_action_but_the_batches():
    singles = {name for name, act in catalog().items() if not act.batch_of}
    assert set(methods()) == singles and len(singles) == 63
    create = methods()["create_agent"]
    assert {p.name for p in create.params} >= {"id", "name", "groups[].id", "work_scheduler.schedule[].day"}
    assert methods()["list_auto_accesses"].params == () and methods()["list_channels"].empty_request


@pytest.mark.parametrize("action", cells("request", ACTIONS))
def test_request_parameters_match_the_reference(action):
    act = catalog()[action]
    if act.batch_of:
        # "requests: An array of request objects of the corresponding non-batch method."
        assert set(act.model.model_fields) == {"requests"} and act.model.model_fields["requests"].is_required()
        item = act.model.model_json_schema()["properties"]["requests"]["items"]
        assert item["$ref"].split("/")[-1] == catalog()[act.batch_of].model.__name__
        return
    method, model = methods()[action], act.upstream_model or act.model
    documented = {p.top for p in method.params}
    assert set(model.model_fields) == documented, f"schema {sorted(model.model_fields)} vs page {sorted(documented)}"
    problems = []
    for field_name, field in model.model_fields.items():
        top = next(p for p in method.params if p.name == field_name)
        if top.is_required != field.is_required() and field_name not in OPTIONAL_BY_DECISION \
                and (action, field_name) not in CONDITIONAL:
            problems.append(f"{field_name}: page says {top.required!r}, schema required={field.is_required()}")
    root = model.model_json_schema()
    for param in method.params:
        if param.is_top:
            continue
        for name in PATTERNS.get(param.name, (param.name,)):
            schema, required = _lookup(root, name)
            if schema is None:
                problems.append(f"{name}: documented, not in the schema")
                continue
            if param.name in PATTERNS:
                continue
            if param.is_required != required and (action, name) not in CONDITIONAL:
                problems.append(f"{name}: page says {param.required!r}, schema required={required}")
            kind = param.type.lower().strip("[]")
            expected = "array" if ("[" in param.type) else _TYPES.get(kind)
            actual = schema.get("type") or ("union" if "anyOf" in schema else None)
            if expected and actual and expected != actual and not (expected == "integer" and actual == "number") \
                    and (action, name.split(".")[0]) not in UNION_TYPES:
                problems.append(f"{name}: page says {param.type}, schema {actual}")
    assert not problems, "; ".join(problems)


@pytest.mark.parametrize("action", cells("scopes", ACTIONS))
def test_scopes_match_the_reference(action):
    """Every scope the Specifics table names, and no other, in the catalogue (as alternatives or as
    scopes a field needs); a batch needs its single action's ("Batch requests require the same
    scopes as their non-batch equivalents")."""
    act = catalog()[action]
    method = methods()[act.batch_of or action]
    named = {s for alternative in act.scopes for s in alternative} | set(act.extra_scopes)
    assert named == set(method.scopes), f"catalogue {sorted(named)} vs page {sorted(method.scopes)}"
    if act.batch_of:
        assert act.scopes == catalog()[act.batch_of].scopes


def test_batch_support_matches_the_page():
    """The Specifics tables' "Batch support" against the catalogue's batch tools. One contradiction:
    request_agent_unsuspension says Yes, yet the page's list of batch methods has no URL for it (and
    its empty request acts for the caller): no batch tool, docs/conformance.md note Q4."""
    for name, method in methods().items():
        has_batch = catalog()[name].batch_name is not None
        if name == "request_agent_unsuspension":
            assert method.batch and not has_batch
        elif method.batch is not None:
            assert method.batch == has_batch, name
