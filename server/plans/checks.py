"""Checks of planned steps against the live license, and what each step changes.

Orchestration over the one pipeline: every read goes through ``Pipeline.call`` (policy, budget,
validation), is made once per plan (cached on the plan) and is never audited as a separate
call. For each step, in plan order, counting what earlier steps create and delete:

- ``warnings``: [{"kind", "message"}]; kinds: ``exists`` (a create of an object that exists),
  ``duplicate_in_plan`` (an earlier step creates it too), ``not_found`` (an update/delete of an
  object that neither exists nor is created earlier, or is deleted earlier), ``missing_reference``
  (a group or agent it names does not exist), ``limit`` (a documented limit would be passed,
  e.g. three webhooks per action per client), ``unchecked`` (the read needed was refused or failed).
- ``expected_error``: {"type", "message"} with the LiveChat error type the step would meet.
- ``changes``: {field: {"before", "after"}} for updates; ``lost``: the object as read, for deletes.

The checks are declared as data (``KINDS``, ``CREATES``/``UPDATES``/``DELETES`` in
server/plans/effects.py; ``NAMES``, ``LIMITS`` below). Reads go through a ``Reader`` the call path
hands in (the pipeline): this package never imports it. Checking is on by default (every planned step, as it is planned); get_plan
``check=false`` turns it off for the plan, and the document then says ``checks: {checked: false}``.

Documented limits (docs/reference/configuration-api-v3.6-current.mdx) and how a plan meets them:

- "One Client ID can register up to three webhooks for every action" (register_webhook) and
  "One Client ID can register up to five bot templates" (create_bot_template): counted here,
  per owner client (and action), from the live list plus earlier creates minus earlier deletes
  (``LIMITS``); LiveChat answers ``limit_reached``.
- Per-body maxima ("Maximum: 10 rules" per greeting, rules' urls 10, rich elements 10 and
  buttons 13, max_chats_count 20 for agents and 500 for bots, names of 180 characters): one
  step's own body, which no earlier step adds to (update_greeting's rules replace all), so the
  catalogue's validation refuses them while planning: such a step never enters a plan.
- The product plan's limits (agents, groups, groups per agent, access rules, banned
  customers; check_product_limits_for_plan): the reference gives no numbers, so they are not
  guessed here; a step that crosses one fails at apply with ``limit_reached``.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

from .document import Plan, Step
from .effects import CREATES, DELETES, KINDS, UPDATES, Kind, Ledger
from .refs import find as find_refs

MAX_PAGES = 100  # pages of one list read while checking, should LiveChat answer one in pages (a cursor)


class Answer(Protocol):
    @property
    def data(self) -> Any: ...

    @property
    def is_error(self) -> bool: ...


class Reader(Protocol):
    """How checks read the license: a tool call through the pipeline (server/calls/pipeline.py
    ``Pipeline.call``: policy, budget, validation), which the call path hands in."""

    async def call(self, name: str, arguments: Any, *, session: str = ..., audit: bool = ...,
                   shape: bool = ...) -> Answer: ...


# Kinds whose objects belong to one client (app): read per owner_client_id (the step's, or the
# token's client when the step names none).
OWNED = frozenset({"webhook", "bot_template"})


@dataclass(frozen=True)
class Limit:
    """A documented limit a plan can cross by counting: at most ``most`` objects of ``kind`` per
    owner client and per the values of ``per``, made by ``create``, freed by ``delete``."""

    create: str
    delete: str
    kind: str
    most: int
    per: tuple[str, ...]
    text: str  # the reference's words


LIMITS: dict[str, Limit] = {lim.create: lim for lim in (
    Limit("register_webhook", "unregister_webhook", "webhook", 3, ("action",),
          "one Client ID can register up to three webhooks for every action"),
    Limit("create_bot_template", "delete_bot_template", "bot_template", 5, (),
          "one Client ID can register up to five bot templates"),
)}
FREES = {lim.delete: lim for lim in LIMITS.values()}

# Field paths naming other objects that must exist: action -> {path: kind}
_GROUPS = {"groups[].id": "group"}
NAMES: dict[str, dict[str, str]] = {
    "create_agent": _GROUPS, "update_agent": _GROUPS, "create_bot": _GROUPS, "update_bot": _GROUPS,
    "create_tag": {"group_ids[]": "group"}, "update_tag": {"group_ids[]": "group"},
    # A group's members are agents (ids are emails) and bots (hex ids): "member" is whichever the key is.
    "create_group": {"agent_priorities{}": "member"}, "update_group": {"agent_priorities{}": "member"},
    "add_auto_access": {"access.groups[]": "group"}, "update_auto_access": {"access.groups[]": "group"},
    "create_greeting": {"group": "group"},
}
# What a step sets on an object, beyond its body's fields (for "before"/"after")
_SETS = {"suspend_agent": {"suspended": True}, "unsuspend_agent": {"suspended": False},
         "approve_agent": {"awaiting_approval": False}}


async def _read(pipeline: Reader, ledger: Ledger, kind: Kind, session: str,
                owner: str | None = None) -> list[dict[str, Any]] | str:
    base = {**kind.args, **({"owner_client_id": owner} if owner else {})}
    key = json.dumps([kind.read, base], sort_keys=True)
    if key not in ledger.reads:
        args: dict[str, Any] = dict(base)
        found: list[Any] = []
        for _ in range(MAX_PAGES):
            ledger.calls += 1
            # Unshaped: LiveChat's whole list in one request. The pages the list tools serve are
            # ours, each one a request for the whole list again (a license twice the size would
            # cost twice the pages, each twice the size: quadratic upstream).
            result = await pipeline.call(kind.read, args, session=session, audit=False, shape=False)
            data = result.data
            if result.is_error:
                err = data.get("error", {}) if isinstance(data, dict) else {}
                why = f"not checked: {kind.read} was not read ({err.get('type', 'error')}: {err.get('message', '')})"
                ledger.reads[key] = why
                return why
            if isinstance(data, list):
                found += data
                break
            found += data.get("items", []) if isinstance(data, dict) else []
            cursor = data.get("next_cursor") if isinstance(data, dict) else None
            if not cursor:
                break
            args = {**args, "cursor": cursor}
        ledger.reads[key] = found
    cached: list[dict[str, Any]] | str = ledger.reads[key]
    return cached


async def read_kind(pipeline: Reader, ledger: Ledger, kind_name: str, session: str,
                    owner: str | None = None) -> dict[str, dict[str, Any]] | str:
    """The live objects of a kind keyed by their key field, read once per ledger (a plan's checks;
    an apply's re-check, server/plans/stale.py), or why they could not be read."""
    kind = KINDS[kind_name]
    found = await _read(pipeline, ledger, kind, session, owner)
    if isinstance(found, str):
        return found
    # Keyed once per ledger (a read never changes once made): each step's lookups are O(1).
    slot = (kind_name, owner)
    if slot not in ledger.keyed:
        ledger.keyed[slot] = {str(o.get(kind.key)): o for o in found if isinstance(o, dict)}
    return ledger.keyed[slot]


def _paths(body: Any, pattern: str) -> list[Any]:
    """The values (or keys, for ``{}``) a path pattern names in a body."""
    nodes = [body]
    for part in pattern.split("."):
        name, suffix = (part[:-2], part[-2:]) if part.endswith(("[]", "{}")) else (part, "")
        nodes = [n.get(name) for n in nodes if isinstance(n, dict) and n.get(name) is not None]
        if suffix == "[]":
            nodes = [item for n in nodes if isinstance(n, list) for item in n]
        elif suffix == "{}":
            nodes = [k for n in nodes if isinstance(n, dict) for k in n]
    return nodes


def _is_ref(value: Any) -> bool:
    return bool(find_refs({"v": value})) or (isinstance(value, str) and value.startswith("$ref:"))


async def check_step(pipeline: Reader, plan: Plan, number: int, step: Step, session: str) -> dict[str, Any]:
    """The step's warnings, expected_error, changes and lost, counting earlier steps (and
    recording this one in the plan's ledger)."""
    ledger = plan.ledger
    body, action = step.body, step.action
    warnings: list[dict[str, str]] = []
    expected: dict[str, str] | None = None
    out: dict[str, Any] = {}

    def warn(kind: str, message: str, error: str | None = None) -> None:
        nonlocal expected
        if {"kind": kind, "message": message} in warnings:
            return
        warnings.append({"kind": kind, "message": message})
        if error and expected is None:
            expected = {"type": error, "message": message}

    async def objects(kind_name: str) -> dict[str, dict[str, Any]] | None:
        owner = body.get("owner_client_id") if kind_name in OWNED else None
        found = await read_kind(pipeline, ledger, kind_name, session, owner if isinstance(owner, str) else None)
        if isinstance(found, str):
            warn("unchecked", found)
            return None
        return found

    for pattern, named in NAMES.get(action, {}).items():
        for value in _paths(body, pattern):
            if _is_ref(value):
                continue
            kind_name = ("agent" if "@" in str(value) else "bot") if named == "member" else named
            if (kind_name, str(value)) in ledger.created and (kind_name, str(value)) not in ledger.deleted:
                continue
            live = await objects(kind_name)
            if live is None:
                break
            if str(value) not in live or (kind_name, str(value)) in ledger.deleted:
                warn("missing_reference", f"{pattern.split('.')[0].rstrip('[]{}')} names {kind_name} {value!r}, "
                     "which does not exist (nor is created by an earlier step)", KINDS[kind_name].not_found)

    if action in CREATES:
        kind_name = CREATES[action]
        kind = KINDS[kind_name]
        key = body.get(kind.key)
        if key is not None and not _is_ref(key):
            ident = (kind_name, str(key))
            if ident in ledger.created and ident not in ledger.deleted:
                warn("duplicate_in_plan", f"step {ledger.created[ident]} already creates {kind_name} {key!r}",
                     "already_exists")
            else:
                live = await objects(kind_name)
                if live is not None and str(key) in live and ident not in ledger.deleted:
                    warn("exists", f"{kind_name} {key!r} already exists", "already_exists")
            ledger.created[ident] = number
            ledger.deleted.pop(ident, None)
        if action in LIMITS:
            await _count(LIMITS[action], body, objects, ledger, warn)
    elif action in UPDATES or action in DELETES:
        kind_name = UPDATES.get(action) or DELETES[action]
        kind = KINDS[kind_name]
        key = body.get(kind.key)
        if key is not None and not _is_ref(key):
            ident = (kind_name, str(key))
            if ident in ledger.deleted:
                warn("not_found", f"step {ledger.deleted[ident]} deletes {kind_name} {key!r} first", kind.not_found)
            elif ident not in ledger.created:
                live = await objects(kind_name)
                current = None if live is None else live.get(str(key))
                if live is not None and current is None:
                    warn("not_found", f"{kind_name} {key!r} does not exist", kind.not_found)
                elif current is not None and action in UPDATES:
                    after = {**{k: v for k, v in body.items() if k != kind.key}, **_SETS.get(action, {})}
                    out["changes"] = {k: {"before": current.get(k), "after": v} for k, v in after.items()
                                      if current.get(k) != v}
                elif current is not None:
                    out["lost"] = current
            if action in FREES and ident not in ledger.deleted:
                await _free(FREES[action], body, str(key), objects, ledger)
            if action in DELETES:
                ledger.deleted[ident] = number
    if warnings:
        out["warnings"] = warnings
    if expected:
        out["expected_error"] = expected
    return out


# Reads the live objects of a kind (keyed by their key field), or None when they could not be read.
LiveObjects = Callable[[str], Awaitable[dict[str, dict[str, Any]] | None]]


def _owner(body: dict[str, Any]) -> str:
    return str(body.get("owner_client_id") or "(the token's client)")


async def _count(limit: Limit, body: dict[str, Any], objects: LiveObjects, ledger: Ledger,
                 warn: Callable[[str, str, str | None], None]) -> None:
    """Warn when this create would pass ``limit``, counting the live objects and earlier steps."""
    live = await objects(limit.kind)
    per = {f: body.get(f) for f in limit.per}
    have = sum(1 for o in (live or {}).values() if all(o.get(f) == v for f, v in per.items()))
    slot = (limit.create, _owner(body), *(str(v) for v in per.values()))
    planned = ledger.counted.get(slot, 0)
    if have + planned >= limit.most:
        what = "".join(f" for {f} {v!r}" for f, v in per.items())
        warn("limit", f"{limit.text}: client {_owner(body)} would have more than {limit.most}{what} "
             f"({have} registered, {planned:+d} from earlier steps)", "limit_reached")
    else:  # a create that will fail takes no slot
        ledger.counted[slot] = planned + 1


async def _free(limit: Limit, body: dict[str, Any], key: str, objects: LiveObjects, ledger: Ledger) -> None:
    """An earlier delete of a live object frees its slot for later creates."""
    live = await objects(limit.kind)
    gone = (live or {}).get(key)
    if gone is not None:
        slot = (limit.create, _owner(body), *(str(gone.get(f)) for f in limit.per))
        ledger.counted[slot] = ledger.counted.get(slot, 0) - 1


async def check_plan(pipeline: Reader, plan: Plan, session: str) -> None:
    """Check every step of ``plan`` in order (reads stay cached) and keep checking new ones."""
    plan.checking = True
    plan.not_checked = ""
    plan.rewritten = True  # every step's check is written again
    plan.ledger = Ledger(reads=plan.ledger.reads, calls=plan.ledger.calls)
    for n, step in enumerate(plan.steps, 1):
        step.info = await check_step(pipeline, plan, n, step, session)


def stop_checking(plan: Plan, why: str) -> None:
    """Turn checking off for ``plan``: no step keeps a check (a stale or partial one would read as
    "fine"); the document says why it was not checked."""
    plan.checking = False
    plan.not_checked = why
    plan.rewritten = True
    plan.ledger = Ledger()
    for step in plan.steps:
        step.info = {}
