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
import re
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


# Words a field description may add and still say nothing its name does not ("Whether the
# greeting is active.", "Access to the property on chats.").
_FILLER = frozenset({"a", "an", "the", "of", "for", "to", "on", "in", "is", "whether", "this", "these"})


def _words(text: str) -> set[str]:
    """Lower-case words of a text or a name (snake_case, kebab-case and CamelCase split), plurals
    folded ("chats" -> "chat")."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", text)
    out = set()
    for word in re.findall(r"[a-z0-9]+", spaced.lower()):
        out.add(word[:-1] if len(word) > 2 and word.endswith("s") and not word.endswith("ss") else word)
    return out


def _drop_restating_descriptions(schema: dict[str, Any], model_name: str) -> dict[str, Any]:
    """A field description that only restates the field's name, its object's and its tool's
    ("Greeting name." on a greeting's ``name``, "Bot ID." on a bot's ``id``, "Image URL." on a
    rich image's ``url``) costs context on every turn and tells the assistant nothing: dropped.
    A description that adds one word of its own (a format, a default, a limit) stays whole."""

    def walk(node: Any, context: frozenset[str]) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item, context)
            return
        if not isinstance(node, dict):
            return
        for name, sub in (node.get("properties") or {}).items():
            inner = context | _words(name)
            if isinstance(sub, dict):
                text = sub.get("description")
                if isinstance(text, str) and _words(text) - _FILLER <= inner:
                    del sub["description"]
            walk(sub, inner)
        for key in ("items", "additionalProperties", "anyOf", "oneOf", "allOf"):
            walk(node.get(key), context)

    walk(schema, frozenset(_words(model_name)))
    for name, sub in (schema.get("$defs") or {}).items():
        walk(sub, frozenset(_words(name)))
    return schema


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


def read_only(schema: dict[str, Any]) -> ReadOnlyDict:
    """A read-only copy of ``schema`` (how every cached schema is handed out)."""
    return cast(ReadOnlyDict, _read_only(schema))


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


def documented_schema(model: type[BaseModel]) -> dict[str, Any]:
    """``model``'s schema with every field description as written (the listed schema leaves out
    those that only restate a name): what tests check every field is documented against. A new
    dict each call, ``$defs`` not inlined."""
    return _drop_model_docs(_drop_min_length_one(_strip(model.model_json_schema(mode="validation"))))


def _build_input_schema(model: type[BaseModel]) -> dict[str, Any]:
    schema = _inline_single_use(_drop_restating_descriptions(documented_schema(model), model.__name__))
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
                "description": f"Each item: exactly {single}'s arguments; items run independently.",
            }
        },
        "required": full["required"],
        "additionalProperties": False,
    }
    return cast(ReadOnlyDict, _read_only(schema))


# A field shape shorter than this (in characters of JSON, about 60 tokens) is cheaper written
# out than pointed at: only nested shapes (greeting rules, rich messages, work schedulers,
# auto access conditions) point at their create's.
_SHARED_SHAPE_CHARS = 240


@cache
def compact_shared_schema(model: type[BaseModel], sibling: type[BaseModel], sibling_name: str) -> ReadOnlyDict:
    """An update's schema when the create it shares nested shapes with is listed beside it.

    A field whose schema is the create's field's (descriptions aside) and long is listed as its
    type, bounds and a pointer ("Same schema as create_greeting's rules."): the assistant
    holds that schema already (update_greeting repeated create_greeting's 1,000 tokens of rules
    and rich message). Nothing is loosened: the full model validates every call, with errors
    naming the field, and ``describe_action`` and the docs show the full schema. Read-only, as
    ``input_schema``.
    """
    schema = copy.deepcopy(input_schema(model))
    their_schema = input_schema(sibling)
    theirs, their_defs = their_schema["properties"], their_schema.get("$defs", {})
    my_defs = schema.get("$defs", {})

    def bare(node: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in node.items() if k != "description"}

    def same(mine: dict[str, Any], other: dict[str, Any]) -> bool:
        # Shapes kept in $defs (used twice) are the same only if each side's definitions are.
        refs = set(re.findall(r'"#/\$defs/([^"]+)"', json.dumps(mine)))
        return bare(mine) == bare(other) and all(my_defs.get(r) == their_defs.get(r) for r in refs)

    for name, mine in schema["properties"].items():
        other = theirs.get(name)
        kind = mine.get("type")
        if other is None or kind not in ("array", "object") or not same(mine, other):
            continue
        if len(json.dumps(bare(mine), separators=(",", ":"))) < _SHARED_SHAPE_CHARS:
            continue
        short: dict[str, Any] = {"type": kind}
        if kind == "array":
            short.update({k: mine[k] for k in ("minItems", "maxItems") if k in mine})
            item_type = mine.get("items", {}).get("type")
            if item_type:
                short["items"] = {"type": item_type}
        said = mine.get("description", "")
        short["description"] = f"{said} Same schema as {sibling_name}'s {name}.".strip()
        schema["properties"][name] = short
    if my_defs:  # keep the definitions still reached from the fields, directly or through others
        used: set[str] = set()
        reach = [json.dumps({k: v for k, v in schema.items() if k != "$defs"})]
        while reach:
            for ref in set(re.findall(r'"#/\$defs/([^"]+)"', reach.pop())) - used:
                used.add(ref)
                reach.append(json.dumps(my_defs[ref]))
        schema["$defs"] = {k: v for k, v in my_defs.items() if k in used}
        if not schema["$defs"]:
            del schema["$defs"]
    return cast(ReadOnlyDict, _read_only(schema))
