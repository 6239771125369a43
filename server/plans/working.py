"""The working plan of each session (the writes planned so far, before get_plan signs them), in
the state store, so that every process and replica serving a person sees the same one.

Keyed by principal AND session: the hosted person's verified id (or ``operator``) with the
session the transport established (server/doors/mcp_app.py ``session_key``: the SDK's session id, or
on stateless replicas the authenticated principal and client name). stdio and the CLI are one
session per process, so two local processes (Claude Desktop and Cursor) never mix their plans.

A plan is a store log (``Store.hold_log``, server/store/logs.py): a small head (its size in bytes,
whether it is checked, the reads its checks made) and one entry per change: the steps a planned
call added, with what their checks found and recorded (the ledger's new entries, a list read
for the first time). Every change is made under the log's lock, so two planned calls landing at
once (on two replicas) both keep their steps, in two round trips whatever the plan's size:
lock-and-read, which brings back only what other processes added since this one last saw the
plan (usually nothing: this process keeps the plan it last wrote), and write-and-unlock, which
appends only the new entry. A change that rewrites steps already planned (get_plan check: true or
false, clear_plan) writes the plan whole, as a new epoch. The lock is renewed while held (a
get_plan check reads LiveChat for a while) and lapses quickly if its holder dies. A plan lives
``TTL`` after its last change, then it is gone; the caps on steps and bytes are the plan's own
(server/plans/document.py). When the store fails, the change is not made and the caller says so.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections import OrderedDict
from collections.abc import AsyncIterator, Hashable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import Any

import anyio

from ..store import Store
from ..store.base import HeldLog, LockBusy, LogMark, LogRead, StoreUnavailable
from .document import Plan, Step
from .effects import Ledger
from .tracked import Tracked

NS = "plans.working"
TTL = 7 * 24 * 3600.0  # a plan nobody touched for a week is dropped (it was never reviewed)
LOCK_TTL = 15.0  # renewed every 5 s while held: a crashed holder blocks the plan for at most this
LOCK_WAIT = 60.0  # how long a planned call waits for another call on the same plan
CACHED = 8  # sessions per principal whose plan this process keeps between calls (others: read whole when used)
LEDGER = ("reads", "created", "deleted", "counted")  # the ledger's tables an entry carries changes to


class PlanBusy(Exception):
    """Another call held this session's plan for longer than LOCK_WAIT."""


def _key_out(key: Hashable) -> Any:
    return list(key) if isinstance(key, tuple) else key


def _key_in(key: Any) -> Hashable:
    return tuple(str(x) for x in key) if isinstance(key, list) else str(key)


def _dump(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def _head(plan: Plan) -> bytes:
    return _dump({"size": plan.size, "checking": plan.checking, "not_checked": plan.not_checked,
                  "calls": plan.ledger.calls, "started": plan.started, "serial": plan.serial})


def _step_out(step: Step) -> list[Any]:
    return [step.action, step.body, step.destructive, step.info]


def _whole(plan: Plan) -> bytes:
    """The plan as one entry: every step and every ledger table."""
    ledger = plan.ledger
    return _dump({"steps": [_step_out(s) for s in plan.steps],
                  **{name: [[_key_out(k), v] for k, v in getattr(ledger, name).items()] for name in LEDGER}})


def _delta(plan: Plan, first: int) -> dict[str, Any]:
    """What a change added: the steps from index ``first`` on and the ledger's changed entries."""
    out: dict[str, Any] = {}
    if len(plan.steps) > first:
        out["steps"] = [_step_out(s) for s in plan.steps[first:]]
    for name in LEDGER:
        table = getattr(plan.ledger, name)
        changes = [[_key_out(k), table[k]] if kept and k in table else [_key_out(k)]
                   for k, kept in table.changed.items()]
        if changes:
            out[name] = changes
    return out


def _track(plan: Plan) -> None:
    """Make the plan's ledger tables tracked, with nothing changed yet."""
    ledger = plan.ledger
    for name in LEDGER:
        table = getattr(ledger, name)
        if isinstance(table, Tracked):
            table.written()
        else:
            setattr(ledger, name, Tracked(table))
    plan.rewritten = False


def _apply(plan: Plan, head: bytes, entries: list[bytes]) -> Plan:
    """``plan`` with the head and the entries read after it applied (in place)."""
    top = json.loads(head)
    plan.size, plan.checking = int(top["size"]), bool(top["checking"])
    plan.not_checked, plan.ledger.calls = str(top.get("not_checked", "")), int(top.get("calls", 0))
    plan.started, plan.serial = float(top.get("started") or 0.0), str(top.get("serial") or "")
    ledger = plan.ledger
    for raw in entries:
        entry = json.loads(raw)
        plan.steps.extend(Step(a, b, bool(d), i) for a, b, d, i in entry.get("steps", []))
        for name in LEDGER:
            table = getattr(ledger, name)
            for change in entry.get(name, []):
                key = _key_in(change[0])
                if len(change) == 2:
                    dict.__setitem__(table, key, change[1] if name == "reads" else int(change[1]))
                else:
                    dict.pop(table, key, None)
    return plan


def _legacy(raw: bytes) -> Plan:
    """A plan an earlier version stored whole, as one value."""
    data = json.loads(raw)
    led = data.get("ledger", {})
    ledger = Ledger(reads=dict(led.get("reads", {})), calls=int(led.get("calls", 0)),
                    created={(str(a), str(b)): int(n) for a, b, n in led.get("created", [])},
                    deleted={(str(a), str(b)): int(n) for a, b, n in led.get("deleted", [])},
                    counted={tuple(str(x) for x in row[:-1]): int(row[-1]) for row in led.get("counted", [])})
    return Plan(steps=[Step(a, b, d, i) for a, b, d, i in data["steps"]], size=int(data["size"]),
                checking=bool(data["checking"]), not_checked=str(data.get("not_checked", "")), ledger=ledger)


@dataclass(frozen=True)
class _Cached:
    """A plan this process has, as of ``mark`` of its log. Never changed once cached: an edit
    takes it out of the cache while it changes it, and caches a new one when written."""

    plan: Plan
    mark: LogMark


class WorkingPlans:
    """The working plans of one principal, in ``store``."""

    def __init__(self, store: Store, principal: str = "operator") -> None:
        self.store = store
        self.principal = principal
        # stdio and the CLI name their one session "process": it is this process's own.
        self._process = secrets.token_hex(8)
        self._cache: OrderedDict[str, _Cached] = OrderedDict()

    def key(self, session: str) -> str:
        if session == "process":
            session = f"process:{self._process}"
        # Hashed: session ids are bearer-like, and keys are listed by the store's `keys`.
        return hashlib.sha256(f"{self.principal}\n{session}".encode()).hexdigest()[:32]

    def _remember(self, key: str, plan: Plan, mark: LogMark) -> None:
        self._cache[key] = _Cached(plan, mark)
        self._cache.move_to_end(key)
        while len(self._cache) > CACHED:
            self._cache.popitem(last=False)

    async def _build(self, key: str, cached: _Cached | None, read: LogRead) -> Plan:
        """The plan from what was read after ``cached``'s mark (or, without it, read whole); in
        place of the cached plan when the read follows on from it. Without an await before that:
        nothing else in this process runs between the caller's look at the cache and this."""
        if read.head is None:
            if cached is not None:  # this process saw the log: it was dropped (cleared) or expired
                return Plan()
            raw = await self.store.get(NS, key)  # a plan an earlier version stored whole, if any
            plan = _legacy(raw) if raw else Plan()
            plan.rewritten = bool(raw)  # written as a log by the next change
            return plan
        if cached is not None and read.epoch == cached.mark.epoch and read.start == cached.mark.length:
            return _apply(cached.plan, read.head, read.entries)
        # Otherwise the log was read whole: from its start (a mark of another epoch reads it all).
        return _apply(Plan(), read.head, read.entries)

    def peek(self, session: str) -> Plan | None:
        """The session's plan as this process last wrote or read it, without asking the store
        (None when it has none): what another process added since is not in it. To read, not change."""
        cached = self._cache.get(self.key(session))
        return cached.plan if cached is not None else None

    async def load(self, session: str) -> Plan:
        """The session's plan as it is now, to read (change it through ``edit``): its own list of
        steps, the steps and the ledger shared with this process's copy."""
        key = self.key(session)
        cached = self._cache.get(key)
        read = await self.store.read_log(NS, key, since=cached.mark if cached else None)
        if self._cache.get(key) is not cached:  # an edit took it meanwhile (or cached another): read whole
            cached = None
            if read.start:
                read = await self.store.read_log(NS, key, since=None)
        plan = await self._build(key, cached, read)
        if read.head is not None and self._cache.get(key) is cached:
            _track(plan)
            self._remember(key, plan, read.mark)
        return Plan(steps=list(plan.steps), size=plan.size, checking=plan.checking, not_checked=plan.not_checked,
                    ledger=plan.ledger, started=plan.started, serial=plan.serial)

    @asynccontextmanager
    async def edit(self, session: str) -> AsyncIterator[Plan]:
        """The session's plan, locked: what the body leaves in it is saved (an empty plan is
        deleted) when it ends without an exception; on an exception nothing is saved. Raises
        StoreUnavailable, or PlanBusy when another call holds it for longer than LOCK_WAIT."""
        key = self.key(session)
        async with AsyncExitStack() as stack:
            delay, waited = 0.005, 0.0
            while True:
                cached = self._cache.get(key)
                try:
                    held: HeldLog = await stack.enter_async_context(self.store.hold_log(
                        NS, key, since=cached.mark if cached else None, ttl=TTL, lock_ttl=LOCK_TTL))
                    break
                except LockBusy:
                    if waited >= LOCK_WAIT:
                        raise PlanBusy(session) from None
                    await anyio.sleep(delay)
                    waited += delay
                    delay = min(delay * 2, 0.2)
            # Taken out of the cache while it changes: a load meanwhile reads the log instead.
            if self._cache.pop(key, None) is not cached:
                cached = None  # another call of this process moved it on while the lock was taken
            read = held.read
            if cached is None and read.start:
                read = await self.store.read_log(NS, key, since=None)  # this process's copy was not the one read after
            plan = await self._build(key, cached, read)
            legacy = read.head is None and plan.rewritten
            _track(plan)
            ledger, first = plan.ledger, len(plan.steps)
            yield plan
            # An empty plan is deleted unless it keeps a choice: checking turned off (on is the default).
            if not plan.steps and plan.checking:
                if read.head is not None:
                    held.drop()
            elif plan.rewritten or legacy or plan.ledger is not ledger or len(plan.steps) < first \
                    or any(getattr(ledger, name).whole for name in LEDGER):
                held.replace(_head(plan), [_whole(plan)] if plan.steps or any(
                    getattr(plan.ledger, name) for name in LEDGER) else [])
            else:
                delta = _delta(plan, first)
                head = _head(plan)
                if delta or read.head is None or head != read.head:
                    held.append(head, [_dump(delta)] if delta else [])
        if legacy:
            try:
                await self.store.delete(NS, key)  # moved to the log
            except StoreUnavailable:
                pass  # the log is read first; the old value expires by itself
        _track(plan)
        self._remember(key, plan, held.mark)

    async def clear(self, session: str) -> int:
        async with self.edit(session) as plan:
            return plan.clear()


__all__ = ["LOCK_TTL", "NS", "TTL", "PlanBusy", "StoreUnavailable", "WorkingPlans"]
