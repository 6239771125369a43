"""JSON schemas for tool inputs, tuned for context size.

Pydantic adds a ``title`` to every model and property; they repeat the property names and
cost tokens on every turn, so they are stripped. Optional fields are ``X | None = None`` in
the models, but LiveChat has no use for an explicit null (an omitted field means "unchanged"),
so the schema advertises just ``X`` and the payload drops nulls. Nested models stay in
``$defs`` so a shape used several times in one tool is written once.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from pydantic import BaseModel

_MAPS = ("properties", "$defs", "patternProperties")


def _strip(node: Any) -> Any:
    if isinstance(node, dict):
        node = _drop_null(node)
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key == "title":
                continue
            if key in _MAPS and isinstance(value, dict):
                out[key] = {name: _strip(sub) for name, sub in value.items()}
            else:
                out[key] = _strip(value)
        return out
    if isinstance(node, list):
        return [_strip(item) for item in node]
    return node


def _drop_null(node: dict[str, Any]) -> dict[str, Any]:
    if node.get("default", 0) is None:
        node = {k: v for k, v in node.items() if k != "default"}
    branches = node.get("anyOf")
    if isinstance(branches, list) and {"type": "null"} in branches:
        rest = [b for b in branches if b != {"type": "null"}]
        node = {k: v for k, v in node.items() if k != "anyOf"}
        if len(rest) == 1:
            node = {**rest[0], **node}
        else:
            node["anyOf"] = rest
    return node


@cache
def input_schema(model: type[BaseModel]) -> dict[str, Any]:
    schema = _strip(model.model_json_schema(mode="validation"))
    schema.setdefault("properties", {})
    return schema
