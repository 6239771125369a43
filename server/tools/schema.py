"""JSON schemas for tool inputs, tuned for context size.

Pydantic adds a ``title`` to every model and property; they repeat the property names and
cost tokens on every turn, so they are stripped. Optional fields are ``X | None = None`` in
the models, but LiveChat has no use for an explicit null (an omitted field means "unchanged"),
so the schema advertises just ``X`` and the payload drops nulls. Nested models stay in
``$defs`` so a shape used several times in one tool is written once.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from typing import Any, NoReturn, cast

from pydantic import BaseModel

from . import schema_cache

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


def _drop_model_docs(schema: dict[str, Any]) -> dict[str, Any]:
    """Model docstrings are notes for maintainers; each field that uses a model has its own description.

    Nested objects also drop ``additionalProperties: false``: unknown nested fields are still
    refused by validation with an error naming them, and the top level keeps the marker.
    """
    schema.pop("description", None)
    for sub in schema.get("$defs", {}).values():
        sub.pop("description", None)
        sub.pop("additionalProperties", None)
    return schema


def _drop_min_length_one(node: Any) -> Any:
    """``minLength: 1`` on ids and names is enforced by validation; it only costs context here."""
    if isinstance(node, dict):
        return {k: _drop_min_length_one(v) for k, v in node.items() if not (k == "minLength" and v == 1)}
    if isinstance(node, list):
        return [_drop_min_length_one(item) for item in node]
    return node


def _inline_single_use(schema: dict[str, Any]) -> dict[str, Any]:
    """A ``$defs`` entry referenced once is written where it is used: the ``$defs`` wrapper and
    the ``$ref`` cost context on every turn and share nothing (about 1,000 tokens over the
    catalogue). Shapes used more than once stay in ``$defs``, written once."""
    defs = schema.get("$defs")
    if not defs:
        return schema
    text = json.dumps(schema)
    single = {name for name in defs if text.count(f'"#/$defs/{name}"') == 1}

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/") and ref[8:] in single:
                rest = {k: walk(v) for k, v in node.items() if k != "$ref"}
                return {**walk(defs[ref[8:]]), **rest}
            return {k: walk(v) for k, v in node.items() if k != "$defs"}
        if isinstance(node, list):
            return [walk(item) for item in node]
        return node

    out: dict[str, Any] = walk(schema)
    kept = {name: walk(sub) for name, sub in defs.items() if name not in single}
    if kept:
        out["$defs"] = kept
    return out


class ReadOnlyDict(dict[str, Any]):
    """A dict that refuses changes: how a cached schema is handed out. Reading, comparing, JSON
    and pydantic serialization work as for a dict; ``copy.deepcopy`` gives plain dicts and lists
    to change."""

    __slots__ = ()

    def _refuse(self, *args: object, **kwargs: object) -> NoReturn:
        raise TypeError("a cached input schema is read-only: change a copy (copy.deepcopy(schema))")

    __setitem__ = __delitem__ = update = pop = popitem = setdefault = clear = __ior__ = _refuse

    def __copy__(self) -> dict[str, Any]:
        return dict(self)

    def __deepcopy__(self, memo: dict[int, Any]) -> dict[str, Any]:
        return {key: copy.deepcopy(value, memo) for key, value in self.items()}

    def __reduce__(self) -> tuple[type[dict[str, Any]], tuple[dict[str, Any]]]:
        return dict, (dict(self),)


class ReadOnlyList(list[Any]):
    """A list that refuses changes (see ReadOnlyDict)."""

    __slots__ = ()

    def _refuse(self, *args: object, **kwargs: object) -> NoReturn:
        raise TypeError("a cached input schema is read-only: change a copy (copy.deepcopy(schema))")

    __setitem__ = __delitem__ = append = extend = insert = pop = remove = clear = sort = reverse = _refuse
    __iadd__ = __imul__ = _refuse

    def __copy__(self) -> list[Any]:
        return list(self)

    def __deepcopy__(self, memo: dict[int, Any]) -> list[Any]:
        return [copy.deepcopy(value, memo) for value in self]

    def __reduce__(self) -> tuple[type[list[Any]], tuple[list[Any]]]:
        return list, (list(self),)


def _read_only(node: Any) -> Any:
    if isinstance(node, dict):
        return ReadOnlyDict({key: _read_only(value) for key, value in node.items()})
    if isinstance(node, list):
        return ReadOnlyList(_read_only(value) for value in node)
    return node


@cache
def input_schema(model: type[BaseModel]) -> ReadOnlyDict:
    """The schema tools/list and describe_action show for ``model``'s arguments.

    Built once per model and shared, so it is read-only (an immutable view, not a copy: copying
    every schema on every tools/list would cost more than building the rest of the answer). A
    caller that changes what it got would otherwise change what every later caller gets; now it
    gets a TypeError saying to change a copy. (types.Tool copies the top level itself.)
    """
    # Kept on disk between runs (server/tools/schema_cache.py): a cold start skips building it.
    name = schema_cache.key(model) if schema_cache.enabled() else None
    schema = schema_cache.get(name) if name is not None else None
    if schema is None:
        schema = _build_input_schema(model)
        if name is not None:
            schema_cache.put(name, schema)
    return cast(ReadOnlyDict, _read_only(schema))  # a read-only copy: the disk cache's entry stays its own


def _build_input_schema(model: type[BaseModel]) -> dict[str, Any]:
    schema = _drop_model_docs(_drop_min_length_one(_strip(model.model_json_schema(mode="validation"))))
    schema = _inline_single_use(schema)
    schema.setdefault("properties", {})
    return schema


@cache
def compact_batch_schema(model: type[BaseModel], single: str) -> ReadOnlyDict:
    """A batch tool's schema when its single tool is listed beside it.

    Each item is exactly the single tool's arguments, and the assistant already holds that
    schema, so the items point at it instead of repeating it (the batch tools were a fifth of
    the full tools/list). Nothing is loosened: every item is validated against the single
    action's model before anything is sent, with errors naming ``requests[i].field``.
    ``describe_action`` and the docs still show the fully expanded schema. Read-only, as
    ``input_schema``.
    """
    full = input_schema(model)
    schema = {
        "type": "object",
        "properties": {
            "requests": {
                "type": "array",
                "minItems": 1,
                "items": {"type": "object"},
                "description": f"Each item: exactly the {single} tool's arguments (same schema). Items run independently.",
            }
        },
        "required": full["required"],
        "additionalProperties": False,
    }
    return cast(ReadOnlyDict, _read_only(schema))
