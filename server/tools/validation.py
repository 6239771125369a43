"""Turn pydantic validation errors into one message that names each field and the fix.

Pydantic's error locations mix the caller's path (field names, dict keys, list indexes) with
tags naming the union branch that was tried (``WorkScheduler``, ``int``,
``dict[literal[...],DayHours]``, ``function-after[...]``...). The tags mean nothing to a
caller, so each location is walked alongside the input that was validated: a part is a path
element only when the input has it (a key of the current dict, an index of the current list);
anything else is a tag. When one field fails in several union branches, the branches are
reduced to the one that got furthest, or collapsed into one error when each branch only
disagrees about the type of the same value.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails


@dataclass(frozen=True)
class _Step:
    part: str | int
    tag: bool


def _walk(loc: Sequence[Any], data: Any, kind: str) -> list[_Step]:
    """Classify each part of ``loc`` as a path element or a tag, walking ``data`` alongside."""
    steps: list[_Step] = []
    node: Any = data
    last = len(loc) - 1
    for i, part in enumerate(loc):
        if isinstance(node, dict) and not isinstance(part, int) and part in node:
            real, node = True, node[part]
        elif isinstance(node, list) and isinstance(part, int) and -len(node) <= part < len(node):
            real, node = True, node[part]
        else:
            # A missing field is by nature absent from the input; anything else is a tag.
            real = i == last and kind == "missing" and isinstance(node, dict)
        steps.append(_Step(part, not real))
    return steps


def _path(steps: Sequence[_Step]) -> str:
    out = ""
    for step in steps:
        if step.tag:
            continue
        if isinstance(step.part, int):
            out += f"[{step.part}]"
        else:
            out += ("." if out else "") + str(step.part)
    return out or "(body)"


_STRICT_TYPES = {"int_type": "an integer", "bool_type": "a boolean (true or false)", "string_type": "a string",
                 "float_type": "a number", "list_type": "an array", "dict_type": "an object",
                 "model_type": "an object", "model_attributes_type": "an object"}


def json_type(value: Any) -> str:
    """The JSON type of a decoded JSON value, as JSON Schema names it ("integer" for ints only)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _described_type(value: Any) -> str:
    kind = json_type(value)
    if kind == "number":
        return "a number written with a decimal point" if value.is_integer() else "a number with a fraction"
    return {"integer": "an integer", "array": "an array", "object": "an object", "null": "null"}.get(kind, f"a {kind}")


def _message(err: ErrorDetails) -> str:
    kind = err["type"]
    if kind == "extra_forbidden":
        # Named as our rule: LiveChat ignores unknown fields in some methods; refusing them
        # is how a misspelt field is caught before it is sent (docs/conformance.md).
        return ("unknown field: remove it (check the spelling against the tool's input schema; "
                "refusing it is livechat-mcp's own safety rule)")
    if kind == "missing":
        return "required field is missing"
    if kind in _STRICT_TYPES and "input" in err:
        # Types are strict (no "5" -> 5, true -> 1): say which JSON type came, never the value.
        return f"must be {_STRICT_TYPES[kind]}, not {_described_type(err['input'])}"
    return str(err["msg"])


@dataclass
class _Error:
    steps: list[_Step]
    msg: str

    @property
    def depth(self) -> int:
        return sum(1 for s in self.steps if not s.tag)


def _collapse(msgs: list[str]) -> str:
    unique = list(dict.fromkeys(msgs))
    if len(unique) == 1:
        return unique[0]
    got = {m.rpartition(", not ")[2] for m in unique}
    if all(m.startswith("must be ") and ", not " in m for m in unique) and len(got) == 1:
        wanted = [m[len("must be "):].rpartition(", not ")[0] for m in unique]
        return f"must be one of: {' | '.join(wanted)}, not {got.pop()}"
    prefix = "Input should be "
    if all(m.startswith(prefix) for m in unique):
        return prefix + "one of: " + " | ".join(m[len(prefix) :] for m in unique)
    return "matches none of the allowed forms: " + " | ".join(unique)


def _reduce(errors: list[_Error]) -> list[_Error]:
    """Keep untagged errors; for each union (the first tag of a location), keep one branch."""
    out: list[_Error] = []
    unions: dict[tuple[Any, ...], dict[Any, list[_Error]]] = {}
    order: list[tuple[str, Any]] = []  # ("error", _Error) or ("union", key), by first appearance
    for err in errors:
        at = next((i for i, s in enumerate(err.steps) if s.tag), None)
        if at is None:
            order.append(("error", err))
            continue
        key = tuple(s.part for s in err.steps[:at])
        if key not in unions:
            unions[key] = {}
            order.append(("union", key))
        # The branch is named by its tag; drop the tag so nested unions are found next.
        branch = unions[key].setdefault(err.steps[at].part, [])
        branch.append(_Error(err.steps[:at] + err.steps[at + 1 :], err.msg))

    for what, item in order:
        if what == "error":
            out.append(item)
            continue
        branches = [_reduce(errs) for errs in unions[item].values()]
        fields = {_path(e.steps) for b in branches for e in b}
        if all(len(b) == 1 for b in branches) and len(fields) == 1:
            # Every branch rejects the same value: say so once, listing what would do.
            first = branches[0][0]
            out.append(_Error(first.steps, _collapse([b[0].msg for b in branches])))
            continue
        # Otherwise the branch the input matched best: fewest errors, then the deepest ones.
        best = min(branches, key=lambda b: (len(b), -max(e.depth for e in b)))
        out.extend(best)
    return out


def field_errors(exc: ValidationError, data: Any) -> list[dict[str, str]]:
    """``[{"field": "a.b[0].c", "error": "..."}]`` for each distinct problem; ``data`` is the
    input that was validated."""
    details = exc.errors(include_url=False)  # the input is read for its JSON type only, never shown
    raw = [_Error(_walk(tuple(err["loc"]), data, err["type"]), _message(err)) for err in details]
    errors: list[dict[str, str]] = []
    seen: set[tuple[str, str]] = set()
    for err in _reduce(raw):
        field = _path(err.steps)
        if (field, err.msg) in seen:
            continue
        seen.add((field, err.msg))
        errors.append({"field": field, "error": err.msg})
    return errors


def summary(errors: list[dict[str, str]]) -> str:
    return "; ".join(f"`{e['field']}`: {e['error']}" for e in errors)


def describe_validation_error(exc: ValidationError, data: Any) -> str:
    return "Invalid request: " + summary(field_errors(exc, data))
