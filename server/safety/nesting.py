"""How deeply JSON nests, measured before any work that recurses over it.

Python's JSON and TOML parsers, ``copy.deepcopy``, pydantic and our own walks (sanitize, the
audit's redaction) recurse once per level: a document nested a few thousand levels deep is a
RecursionError (a traceback, or an "internal error") wherever it first meets one of them. Every
door that takes JSON from a person or a client checks its depth first, with these functions,
and says clearly what is wrong: no configuration this server reads nests more than a few
levels (a plan about 8, a greeting's rich message about 7).
"""

from __future__ import annotations

import json
from typing import Any

MAX_DEPTH = 64  # arrays and objects inside each other; real arguments and documents stay under 12, and
# a plan document (MAX_DOCUMENT_DEPTH, 32) inside apply_plan's arguments meets its own clearer cap first


class TooDeep(ValueError):
    """JSON nested deeper than allowed (a ValueError: callers that report bad JSON report this too)."""

    def __init__(self, what: str, limit: int) -> None:
        super().__init__(f"{what} nests deeper than {limit} levels of arrays and objects; "
                         f"nothing this server reads needs more than a few")
        self.limit = limit


def text_depth(text: str | bytes, stop_after: int = MAX_DEPTH) -> int:
    """The deepest nesting of ``[``/``{`` in JSON text, outside strings, without parsing it (one
    pass, no recursion); counting stops once past ``stop_after``. Malformed text is measured
    as far as it goes: the parser that runs next says what else is wrong."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    depth = deepest = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > stop_after:
                    return deepest
        elif ch in "]}":
            depth -= 1
    return deepest


def value_depth(value: Any, stop_after: int = MAX_DEPTH) -> int:
    """The deepest nesting of lists and dicts in decoded JSON (iterative; stops past ``stop_after``)."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children: Any = node.values()
        elif isinstance(node, list | tuple):
            children = node
        else:
            continue
        if depth > deepest:
            deepest = depth
            if deepest > stop_after:
                return deepest
        stack.extend((child, depth + 1) for child in children)
    return deepest


def loads(text: str | bytes, what: str, limit: int = MAX_DEPTH, **kwargs: Any) -> Any:
    """``json.loads`` that refuses nesting deeper than ``limit`` before parsing (TooDeep, a ValueError)."""
    if text_depth(text, limit) > limit:
        raise TooDeep(what, limit)
    return json.loads(text, **kwargs)
