"""search and fetch: the configuration objects, in the shape ChatGPT's connectors expect."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from ..calls.answers import ToolResult, error_result
from ..calls.objects import ObjectError
from ..safety.untrusted import NOTE, label, sanitize
from ..tools import meta_names as names
from ..tools.cursors import decode_cursor, encode_cursor, query_digest
from ..tools.types import Input
from .spec import MetaCall, MetaTool, MetaTools
from .text import as_text

SEARCH_PAGE = 50  # results per search answer; next_cursor pages on


class SearchArgs(Input):
    query: str = Field(description="Text to look for, e.g. a name or email; empty lists every object.")
    cursor: str | None = Field(default=None, min_length=1, description="next_cursor of a previous search.")


class FetchArgs(Input):
    id: str = Field(description="An id or url returned by search.")


async def search(call: MetaCall, parsed: SearchArgs) -> ToolResult:
    meta, query, session, cursor = call.meta, parsed.query, call.session, parsed.cursor
    digest = query_digest({"query": query.strip().lower()})
    offset = 0
    if cursor:
        try:
            offset, _, owner = decode_cursor(cursor)
        except ValueError as exc:
            return error_result("validation", f"`cursor`: {exc}. Nothing was searched.")
        if owner != digest:
            return error_result("validation", "`cursor` belongs to another query: repeat that query with it, "
                                "or omit cursor. Nothing was searched.")
    results, failed = await meta.objects.search(query, session, limit=10**9)
    if failed and len(failed) == len(meta.objects.readable_kinds()):
        return error_result("upstream", "No configuration object could be read; nothing was searched.",
                            failures=failed, untrusted=True)
    # ChatGPT reads "results"; "unavailable" tells any reader which kinds were left out and why.
    page = results[offset : offset + SEARCH_PAGE]
    out: dict[str, Any] = {"results": page}
    if offset:  # ChatGPT's exact shape whenever everything fits in one answer
        out["total"] = len(results)
    if offset + len(page) < len(results):
        out.update(total=len(results), truncated=True)
        out["next_cursor"] = encode_cursor(offset + len(page), None, digest)
        out["more"] = (f"results {offset + 1}-{offset + len(page)} of {len(results)}: search again with "
                       "the same query and cursor=next_cursor for more")
    # The answer stays plain JSON for ChatGPT, so it is labelled by a field beside the results.
    return ToolResult({**out, **({"untrusted_data": NOTE} if page else {}),
                       **({"unavailable": failed} if failed else {})}, boundary=False)


async def fetch(call: MetaCall, parsed: FetchArgs) -> ToolResult:
    meta, oid, session = call.meta, parsed.id, call.session
    try:
        # search answers both an id (agent:jane@example.com) and a url (livechat://agents/...).
        kind, key = (meta.objects.parse_url(oid) if oid.startswith("livechat://")
                     else meta.objects.parse_id(oid))
        obj = await meta.objects.get(kind, key, session)
    except ObjectError as exc:
        return error_result(exc.type, exc.message, untrusted=exc.untrusted)
    oid = f"{kind.name}:{key}"
    # ChatGPT's fetch shape is fixed plain JSON: the object's text carries the boundary
    # itself, the metadata the note.
    return ToolResult(
        {
            "id": oid,
            "title": kind.title(obj),
            # "key: value" lines, labelled: ChatGPT requires a string, and JSON escaped inside a
            # JSON string is hard to read for a model and a person alike.
            "text": label(as_text(sanitize(obj))),
            "url": kind.url_of(key),
            "metadata": {"kind": kind.name, "read_with": kind.get_action or kind.list_action,
                         "untrusted_data": NOTE},
        },
        boundary=False,
    )


def _objects_readable(meta: MetaTools) -> bool:
    return bool(meta.objects.readable_kinds())


_FIX = "allow at least one list_* read tool"
SEARCH = MetaTool(
    name=names.SEARCH, title="Search configuration",
    description="Search the license's configuration objects (agents, groups, bots, tags, webhooks, auto access rules, "
    "greetings, properties). Returns ids for fetch.",
    model=SearchArgs, handler=search, read_only=True, open_world=True, available=_objects_readable, fix=_FIX,
    search_hint="find agent, group, bot by name",
)
FETCH = MetaTool(
    name=names.FETCH, title="Fetch configuration object",
    description="Fetch one configuration object by an id from search, e.g. agent:jane@example.com or group:1.",
    model=FetchArgs, handler=fetch, read_only=True, open_world=True, available=_objects_readable, fix=_FIX,
    search_hint="read one object by id",
)
