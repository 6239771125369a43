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
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from .catalog import Action, Outcome, Paging, Select
from .cursors import PAGING_FIELDS, decode_cursor, encode_cursor, query_digest

# --- before sending ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Selected:
    """The fields ``select`` keeps of each object (server/tools/catalog.py Select)."""

    fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class PageRequest(Selected):
    limit: int = 0
    offset: int = 0
    after: Any = None
    query: str = ""
    local: dict[str, Any] = field(default_factory=dict)  # local filter name -> wanted value
    keep: frozenset[str] = frozenset()  # compact / filter-only item fields the caller asked for


def upstream_request(act: Action, request: BaseModel, body: dict[str, Any]) -> tuple[dict[str, Any], Selected | None]:
    """The body to send LiveChat, and how to shape its answer: the page to serve (a paged list),
    the fields to keep (``select``), or None (as it comes). ``select`` is never sent; the extra
    fields it names are asked for in LiveChat's ``fields``."""
    selected: tuple[str, ...] = tuple(getattr(request, "select", None) or ()) if act.select else ()
    if act.select is not None:
        body = {k: v for k, v in body.items() if k != "select"}
        extras = [f for f in selected if f in act.select.extra]
        if extras:
            body["fields"] = list(dict.fromkeys([*(body.get("fields") or []), *extras]))
    paging = act.paging
    if paging is None:
        return body, Selected(selected) if selected else None
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
        fields=selected,
        limit=values.get("limit") or paging.default_limit,
        offset=offset,
        after=after,
        query=query_digest(values),
        local=local,
        keep=frozenset(asked) | frozenset(selected),
    )
    return body, page


# --- after the answer -------------------------------------------------------------------------


def shape_result(act: Action, body: dict[str, Any], result: Any, page: Selected | None) -> Any:
    """The one place a successful answer is reshaped for the assistant."""
    if isinstance(page, PageRequest) and act.paging is not None:
        result = _page(act, act.paging, result, page)
    if page is not None and page.fields and act.select is not None:
        return _select(act.select, result, page.fields)
    if act.outcome is not None:
        return _with_outcome(act, act.outcome, body, result)
    return result


def _select(select: Select, answer: Any, fields: tuple[str, ...]) -> Any:
    """Each object of ``answer`` with only ``fields`` (and its key)."""
    keep = {select.key, *fields}

    def only(obj: Any) -> Any:
        return {k: v for k, v in obj.items() if k in keep} if isinstance(obj, dict) else obj

    if select.items is None:
        return only(answer)
    if isinstance(answer, dict) and isinstance(answer.get(select.items), list):
        return {**answer, select.items: [only(o) for o in answer[select.items]]}
    return answer  # not the documented shape: passed on untouched rather than guessed at


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
        return batch_answer(act, outcome, body, result)
    return _one(outcome, body, result)


# --- batches: an answer sized to what it says ------------------------------------------------------

SMALL_BATCH = 10  # up to this many items a batch also answers per item (``responses``)
LISTED_IDS = 50  # ids LiveChat assigned, listed in item order up to this many


def ranges(numbers: Iterable[int]) -> str:
    """Numbers as a short text: "1-40,42,44-45" (500 items in one line)."""
    out: list[str] = []
    run: list[int] = []
    for n in sorted(set(numbers)):
        if run and n == run[-1] + 1:
            run.append(n)
            continue
        if run:
            out.append(f"{run[0]}-{run[-1]}" if len(run) > 1 else str(run[0]))
        run = [n]
    if run:
        out.append(f"{run[0]}-{run[-1]}" if len(run) > 1 else str(run[0]))
    return ",".join(out)


def group_errors(errors: Iterable[tuple[int, Any]], key: str = "items") -> list[dict[str, Any]]:
    """(number, error) pairs as one entry per distinct error naming every number it covers, in
    order of first appearance: 494 items refused alike are one line, not 494."""
    return [{key: ranges(numbers), **({"count": len(numbers)} if len(numbers) > 1 else {}), "error": error}
            for error, numbers in _grouped(errors)]


def _grouped(errors: Iterable[tuple[int, Any]]) -> list[tuple[Any, list[int]]]:
    groups: dict[str, tuple[Any, list[int]]] = {}
    for n, error in errors:
        groups.setdefault(json.dumps(error, sort_keys=True, default=str), (error, []))[1].append(n)
    return list(groups.values())


def batch_answer(act: Action, outcome: Outcome | None, body: dict[str, Any], result: Any) -> Any:
    """A batch's answer: how many items had each outcome, every failed item with its error
    (identical errors grouped, each naming its item numbers and, when few, their keys), the ids
    LiveChat assigned (item order; beyond LISTED_IDS, where to read the rest) and what to do
    next. Items are numbered from 1 in the order of ``requests``. A small batch also answers
    per item, and so does one whose items carry a secret (shown once: it cannot be read again)."""
    if not isinstance(result, dict) or not isinstance(result.get("responses"), list):
        return result
    requests = [r if isinstance(r, dict) else {} for r in body.get("requests") or []]
    responses: list[Any] = result["responses"]
    failed = [(n, r["error"]) for n, r in enumerate(responses, 1) if isinstance(r, dict) and "error" in r]
    done = len(responses) - len(failed)
    summary: dict[str, Any] = {"effect": outcome.effect if outcome else "done",
                               "object": outcome.object if outcome else act.resource, "items": len(responses),
                               "done": done, "failed": len(failed)}
    if outcome and outcome.after and done:
        summary["next"] = outcome.after
    out: dict[str, Any] = {"outcome": summary}
    key = (outcome.key if outcome else None) or ""
    if failed:
        out["failed"] = []
        for error, numbers in _grouped(failed):
            group: dict[str, Any] = {"items": ranges(numbers), **({"count": len(numbers)} if len(numbers) > 1 else {}),
                                     "error": error}
            keys = [requests[n - 1][key] for n in numbers if key and n <= len(requests) and key in requests[n - 1]]
            if keys and len(keys) <= 20:
                group[key] = keys
            out["failed"].append(group)
    secrets = set(act.secret_result_keys) & {k for r in responses if isinstance(r, dict) for k in r}
    # ids LiveChat assigned (a new bot's): the caller cannot know them otherwise.
    assigned = [(n, r["id"]) for n, r in enumerate(responses, 1) if isinstance(r, dict) and "error" not in r
                and "id" in r and (n > len(requests) or requests[n - 1].get("id") != r["id"])]
    if assigned and not secrets:
        shown = assigned[:LISTED_IDS]
        out["ids"] = [i for _, i in shown] if not failed else {str(n): i for n, i in shown}
        if len(assigned) > LISTED_IDS:
            out["more_ids"] = (f"items {assigned[LISTED_IDS][0]}-{assigned[-1][0]}: {_list_action(act)} lists them "
                               f"with their {key or 'names'} and ids")
    if len(responses) <= SMALL_BATCH or secrets:
        out["responses"] = [r if not isinstance(r, dict) or "error" in r or n >= len(requests) or outcome is None
                            else _one(outcome, requests[n], r) for n, r in enumerate(responses)]
    return out


def _list_action(act: Action) -> str:
    return {"bots": "list_bots", "agents": "list_agents", "groups": "list_groups"}.get(act.resource, "the list tool")


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
