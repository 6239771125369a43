"""List cursors: opaque to the caller, checked before anything is sent.

A cursor is base64url of the next offset, the key of the last item returned (so the next page
starts after that item even when the list shifted) and a digest of the query (filters and
fields), so a cursor cannot be reused with different arguments. The request model validates it
(``cursor_validator``, attached by server/tools/catalog.py to every paged action), so a bad
cursor is refused like any other bad argument. Imports nothing of the catalogue: the catalogue
builds its models with it, and the result path (server/tools/results.py) pages with it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ValidationInfo
from pydantic_core import PydanticCustomError

PAGING_FIELDS = ("limit", "cursor")


def query_digest(values: Mapping[str, Any]) -> str:
    """A digest of a list request's arguments other than limit and cursor (validated values)."""
    plain = {}
    for name, value in values.items():
        if name in PAGING_FIELDS or value is None:
            continue
        if isinstance(value, BaseModel):
            value = value.model_dump(mode="json", exclude_none=True, by_alias=True)
        plain[name] = value
    text = json.dumps(plain, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def encode_cursor(offset: int, after: Any, query: str) -> str:
    raw = json.dumps({"o": offset, "a": after, "q": query}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[int, Any, str]:
    """(offset, key of the last item seen, query digest); ValueError if it is not ours."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = json.loads(raw)
        offset, after, query = data["o"], data.get("a"), data["q"]
    # RecursionError: a forged cursor nested past the JSON parser's recursion is not ours either, not a crash.
    except (binascii.Error, ValueError, TypeError, KeyError, UnicodeDecodeError, RecursionError):
        raise ValueError(
            "not a cursor this server issued: pass next_cursor from the previous page unchanged, "
            "or omit cursor to start at the first page"
        ) from None
    if not isinstance(offset, int) or isinstance(offset, bool) or offset < 0 or not isinstance(query, str):
        raise ValueError("not a cursor this server issued: pass next_cursor unchanged, or omit cursor")
    return offset, after, query


def cursor_validator(value: str | None, info: ValidationInfo) -> str | None:
    """Field validator of ``cursor`` on paged request models (the other fields come first)."""
    if value is None:
        return value
    try:
        _, _, query = decode_cursor(value)
    except ValueError as exc:
        raise PydanticCustomError("cursor", str(exc)) from None
    if query != query_digest(info.data):
        raise PydanticCustomError(
            "cursor",
            "this cursor belongs to a list call with other filters or fields: repeat that call's "
            "arguments with it, or omit cursor to start again",
        )
    return value
