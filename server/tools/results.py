"""What a tool answers once LiveChat has: list pages that fit a context, and writes that say
what they did. Both are driven by catalogue data (``Action.paging``, ``Action.outcome``) and
run in one place on the pipeline's path:

- ``upstream_request`` (before sending): takes out what only this server uses — ``limit``,
  ``cursor``, local filters, compact-only ``fields`` values — so none of it reaches LiveChat,
  and asks LiveChat for the item fields a local filter needs.
- ``shape_result`` (after the answer): filters, pages and trims a list answer; adds an
  ``outcome`` to a write's answer (LiveChat's own keys stay as they were).

A list page's cursor is server/tools/cursors.py's.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from .catalog import Action, Outcome, Paging
from .cursors import PAGING_FIELDS, decode_cursor, encode_cursor, query_digest

# --- before sending ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PageRequest:
    limit: int
    offset: int
    after: Any
    query: str
    local: dict[str, Any]  # local filter name -> wanted value
    keep: frozenset[str]  # compact / filter-only item fields the caller asked for


def upstream_request(act: Action, request: BaseModel, body: dict[str, Any]) -> tuple[dict[str, Any], PageRequest | None]:
    """The body to send LiveChat, and the page to serve from its answer (None: not paged)."""
    paging = act.paging
    if paging is None:
        return body, None
    values = {name: getattr(request, name) for name in type(request).model_fields}
    body = copy.deepcopy({k: v for k, v in body.items() if k not in PAGING_FIELDS})
    filters = body.get("filters")
    local: dict[str, Any] = {}
    if isinstance(filters, dict):
        local = {name: filters.pop(name) for name in list(filters) if name in paging.filters}
        if not filters:
            body.pop("filters")
    asked = list(body.get("fields") or [])
    fields = [f for f in asked if f not in paging.compact]
    for name in local:
        needed = paging.filters[name].needs_field
        if needed and needed not in fields:
            fields.append(needed)
    if fields:
        body["fields"] = fields
    else:
        body.pop("fields", None)
    offset, after = 0, None
    if values.get("cursor"):
        offset, after, _ = decode_cursor(values["cursor"])
    page = PageRequest(
        limit=values.get("limit") or paging.default_limit,
        offset=offset,
        after=after,
        query=query_digest(values),
        local=local,
        keep=frozenset(asked),
    )
    return body, page


# --- after the answer -------------------------------------------------------------------------


def shape_result(act: Action, body: dict[str, Any], result: Any, page: PageRequest | None) -> Any:
    """The one place a successful answer is reshaped for the assistant."""
    if page is not None and act.paging is not None:
        return _page(act, act.paging, result, page)
    if act.outcome is not None:
        return _with_outcome(act, act.outcome, body, result)
    return result


def _page(act: Action, paging: Paging, result: Any, page: PageRequest) -> Any:
    if not isinstance(result, list):
        return result  # not the documented shape: passed on untouched rather than guessed at
    items = [i for i in result if isinstance(i, dict)]
    for name, wanted in page.local.items():
        field = paging.filters[name].field
        items = [i for i in items if i.get(field) == wanted]
    total = len(items)
    start = min(page.offset, total)
    if page.after is not None:
        # Resume after the last item served, wherever the list has moved it.
        found = next((n for n, i in enumerate(items) if i.get(paging.key) == page.after), None)
        if found is not None:
            start = found + 1
    chosen = items[start : start + page.limit]
    hidden = (set(paging.compact) | {f.needs_field for f in paging.filters.values() if f.needs_field}) - page.keep
    chosen = [{k: v for k, v in i.items() if k not in hidden} for i in chosen]
    out: dict[str, Any] = {"items": chosen, "total": total}
    end = start + len(chosen)
    if end < total:
        last = chosen[-1].get(paging.key) if chosen else None
        out["next_cursor"] = encode_cursor(end, last, page.query)
        out["more"] = (f"items {start + 1}-{end} of {total}: call {act.name} again with the same "
                       f"arguments and cursor=next_cursor for the next page")
    return out


def _with_outcome(act: Action, outcome: Outcome, body: dict[str, Any], result: Any) -> Any:
    if act.batch_of:
        if not isinstance(result, dict) or not isinstance(result.get("responses"), list):
            return result
        requests = body.get("requests") or []
        responses = []
        done = 0
        for n, response in enumerate(result["responses"]):
            failed = isinstance(response, dict) and "error" in response
            if failed or n >= len(requests):
                responses.append(response)
                continue
            done += 1
            responses.append(_one(outcome, requests[n], response))
        summary = {"effect": outcome.effect, "object": outcome.object, "done": done,
                   "failed": len(responses) - done}
        return {**result, "responses": responses, "outcome": summary}
    return _one(outcome, body, result)


def _one(outcome: Outcome, request: Any, response: Any) -> dict[str, Any]:
    answer = dict(response) if isinstance(response, dict) else ({} if response in (None, "") else {"result": response})
    what: dict[str, Any] = {"effect": outcome.effect, "object": outcome.object}
    if "id" in answer and not isinstance(answer["id"], (dict, list)):
        what["id"] = answer["id"]
    request = request if isinstance(request, dict) else {}
    if outcome.key and outcome.key in request:
        what[outcome.key] = request[outcome.key]
    changed = sorted(k for k in request if k != outcome.key)
    if changed:
        what["changed" if outcome.effect == "updated" else "set"] = changed
    if outcome.after:
        what["next"] = outcome.after
    return {**answer, "outcome": what}
