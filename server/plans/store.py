"""Stored plans and their apply journals, in the state store (server/store/).

- ``plans.saved``: each plan document get_plan signed, under its id (the first 16 hex digits of
  its MAC), with the principal that made it (the hosted person, else ``operator``): any session
  of theirs, on any replica, may read and apply it by id; no other principal can. apply_plan takes an id plus the MAC the
  reviewer saw; ``livechat://plans/{id}`` and ``livechat-mcp plans list|show|export|apply`` read
  the same records.
- ``plans.journal``: per plan (keyed on its MAC), the steps done, each as an entry with its result
  and when it was done (``journal_entry``), written as each step finishes. A store log
  (server/store/logs.py): recording a step appends that step alone, so applying a plan writes
  each result once (it rewrote every done step per step: quadratic in the plan's size). Every
  apply of the plan, by id or as a document, reads it first: with steps done, nothing is sent
  unless the person chooses to resume (send the rest) or to send everything again
  (server/meta/plan_tools.py).
- ``plans.sending``: per plan, the steps of the request being sent, written just before it goes
  and cleared when the apply ends. Steps still named there when the next apply starts were sent
  by an apply that died before their answer came: they may have taken effect, so they are not
  sent again blindly (server/plans/document.py ``in_doubt``).
- ``plans.life``: per plan id, its lifecycle record (server/plans/lifecycle.py ``PlanLife``: stored,
  approved or rejected, applied or partly applied, undone; who and when), changed only through
  ``transition`` (read-modify-write under the plan's lifecycle lock, so two approvers on two
  replicas both count).
- a store lock per plan while it is applied: two applies of one plan cannot both send. It is
  renewed every few seconds while the apply runs, so a long apply keeps it, and lapses
  ``LOCK_TTL`` after a crashed holder's last renewal, so the apply can be resumed elsewhere.

Records expire after ``TTL`` (30 days): nothing here grows without bound.
"""

from __future__ import annotations

import hmac
import json
import time
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any, TypeVar

import anyio

from ..store import Store
from ..store.base import LockBusy, LogMark
from .document import MAC_PREFIX
from .lifecycle import PlanLife, new
from .tracked import Tracked

T = TypeVar("T")

SAVED = "plans.saved"
JOURNAL = "plans.journal"
SENDING = "plans.sending"
LIFE = "plans.life"
LIFE_LOCK_TTL = 10.0
LIFE_LOCK_WAIT = 15.0
TTL = 30 * 24 * 3600.0
LOCK_TTL = 20.0  # renewed every ~7 s while applying; a crashed apply's lock lapses within this


JOURNAL_HEAD = b"journal"  # a journal log's head: its entries are [step, result] (set) or [step] (removed)
JOURNAL_WAIT = 5.0  # how long a record waits for another record of the same journal (seconds)


class Journal(Tracked):
    """A plan's journal as ``PlanStore.done`` reads it: step -> result, a ``Tracked`` dict, so
    ``record`` writes only the steps set or removed since it was read or last recorded (changed
    any other way, it is recorded whole)."""

    def __init__(self, items: Iterable[tuple[int, Any]] = (), *, key: str = "", mark: LogMark | None = None) -> None:
        super().__init__(items)
        self.key, self.mark = key, mark


def _entry(n: int, result: Any, kept: bool = True) -> bytes:
    return json.dumps([n, result] if kept else [n], separators=(",", ":"), ensure_ascii=False).encode()


def plan_id(mac: str) -> str:
    return mac.removeprefix(MAC_PREFIX)[:16]


def owns(record: dict[str, Any], principal: str, session: str) -> bool:
    """Whether a request may read or apply a stored plan: its principal made it (any session of
    theirs, any replica), or it comes from the operator's own process (stdio, the CLI)."""
    return session == "process" or hmac.compare_digest(str(record.get("owner")), principal)


def _key(mac: str) -> str:
    return mac.removeprefix(MAC_PREFIX)


# A journal entry: a done step's result and when it was done. Journals written before entries
# had times hold the bare result: read as a result done at an unknown time.
_ENTRY = "journal_entry"


def journal_entry(result: Any, at: float | None = None) -> dict[str, Any]:
    return {_ENTRY: 1, "at": time.time() if at is None else at, "result": result}


def entry_result(value: Any) -> Any:
    return value["result"] if isinstance(value, dict) and value.get(_ENTRY) == 1 else value


def entry_at(value: Any) -> float | None:
    at = value.get("at") if isinstance(value, dict) and value.get(_ENTRY) == 1 else None
    return float(at) if isinstance(at, (int, float)) else None


class PlanStore:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def save(self, doc: dict[str, Any], owner: str, author: Mapping[str, Any] | None = None, *,
                   undoes: str | None = None) -> str:
        """Store the signed ``doc`` under its id; its lifecycle record is made (``stored``, by
        ``author``: a person, else the owner's id) unless the plan was stored before."""
        pid = plan_id(doc["mac"])
        now = time.time()
        record = {"id": pid, "owner": owner, "saved_at": now, "document": doc}
        await self.store.put(SAVED, pid, json.dumps(record).encode(), ttl=TTL)
        made = new(doc, pid, author or {"id": owner}, now, undoes=undoes)
        await self.store.put_if_absent(LIFE, pid, json.dumps(made.to_json()).encode(), ttl=TTL)
        return pid

    async def get(self, pid: str) -> dict[str, Any] | None:
        raw = await self.store.get(SAVED, pid)
        return json.loads(raw) if raw else None

    async def list(self, owner: str | None = None) -> list[dict[str, Any]]:
        out = []
        for pid in await self.store.keys(SAVED):
            record = await self.get(pid)
            if record is None or (owner is not None and record["owner"] != owner):
                continue
            doc = record["document"]
            out.append({"id": pid, "saved_at": record["saved_at"], "created_at": doc.get("created_at"),
                        "target": doc.get("target"), "summary": doc.get("summary"),
                        "journal": await self.done_count(doc["mac"])})
        return sorted(out, key=lambda r: r["saved_at"])

    # --- lifecycle (server/plans/lifecycle.py) ---------------------------------------------------

    async def life(self, pid: str) -> PlanLife | None:
        raw = await self.store.get(LIFE, pid)
        return PlanLife.from_json(json.loads(raw)) if raw else None

    async def lives(self, states: frozenset[str] | None = None) -> Sequence[tuple[dict[str, Any], PlanLife]]:
        """Every stored plan (its record) with its lifecycle, oldest first; ``states``: only those."""
        out = []
        for pid in await self.store.keys(SAVED):
            record, life = await self.get(pid), await self.life(pid)
            if record is None or life is None or (states is not None and life.state not in states):
                continue
            out.append((record, life))
        return sorted(out, key=lambda pair: pair[1].stored_at)

    async def transition(self, pid: str, change: Callable[[PlanLife], T]) -> tuple[PlanLife, T] | None:
        """Read the plan's record, ``change`` it, write it back, all under the plan's lifecycle
        lock (two decisions landing at once both count). None: no record. ``change``'s exception
        (lifecycle.LifeError) leaves the record as it was."""
        async with self._life_lock(pid):
            life = await self.life(pid)
            if life is None:
                return None
            result = change(life)
            await self.store.put(LIFE, pid, json.dumps(life.to_json()).encode(), ttl=TTL)
            return life, result

    @asynccontextmanager
    async def _life_lock(self, pid: str) -> AsyncIterator[None]:
        """The plan's lifecycle lock, waited for (a decision takes milliseconds to write)."""
        async with AsyncExitStack() as stack:
            delay, waited = 0.005, 0.0
            while True:
                try:
                    await stack.enter_async_context(self.store.lock(f"plan-life:{pid}", ttl=LIFE_LOCK_TTL))
                    break
                except LockBusy:
                    if waited >= LIFE_LOCK_WAIT:
                        raise
                    await anyio.sleep(delay)
                    waited += delay
                    delay = min(delay * 2, 0.2)
            yield

    # --- journal ---------------------------------------------------------------------------------

    async def done(self, mac: str) -> dict[int, Any]:
        """The steps done, with their results (a ``Journal``: change it, then ``record`` it)."""
        key = _key(mac)
        read = await self.store.read_log(JOURNAL, key, since=None)
        if read.head is None:  # none, or one written whole by a version before the log: recorded whole next
            raw = await self.store.get(JOURNAL, key)
            if raw:
                legacy = Journal(((int(k), v) for k, v in json.loads(raw).items()), key=key, mark=read.mark)
                legacy.whole = True
                return legacy
        journal = Journal(key=key, mark=read.mark)
        for raw in read.entries:
            entry = json.loads(raw)
            if len(entry) == 2:
                dict.__setitem__(journal, int(entry[0]), entry[1])
            else:
                dict.pop(journal, int(entry[0]), None)
        return journal

    async def done_count(self, mac: str) -> int:
        return len(await self.done(mac))

    async def record(self, mac: str, done: dict[int, Any]) -> None:
        """The journal is now ``done``. A ``Journal`` read by ``done`` (and recorded since only
        by it) appends only the steps set or removed since: one entry per step done, whatever
        the plan's size. Any other dict replaces the journal whole."""
        key = _key(mac)
        journal = done if isinstance(done, Journal) and done.key == key and not done.whole else None
        since = journal.mark if journal is not None else None
        waited, delay = 0.0, 0.005
        while True:
            try:
                async with self.store.hold_log(JOURNAL, key, since=since, ttl=TTL, lock_ttl=LOCK_TTL) as held:
                    read = held.read
                    if journal is not None and since is not None and read.epoch == since.epoch \
                            and read.start == since.length and not read.entries:
                        held.append(JOURNAL_HEAD, [_entry(n, journal.get(n), kept and n in journal)
                                                   for n, kept in journal.changed.items()])
                    else:  # not read here, changed some other way, or the log moved on: written whole
                        held.replace(JOURNAL_HEAD, [_entry(n, result) for n, result in done.items()])
                break
            except LockBusy:  # another record of this journal (an apply holds the plan's lock: rare)
                if waited >= JOURNAL_WAIT:
                    raise
                await anyio.sleep(delay)
                waited += delay
                delay = min(delay * 2, 0.2)
        if isinstance(done, Journal):
            done.key, done.mark = key, held.mark
            done.written()

    async def sending(self, mac: str) -> tuple[int, ...]:
        raw = await self.store.get(SENDING, _key(mac))
        return tuple(int(n) for n in json.loads(raw)) if raw else ()

    async def mark_sending(self, mac: str, steps: Sequence[int]) -> None:
        await self.store.put(SENDING, _key(mac), json.dumps(list(steps)).encode(), ttl=TTL)

    async def sent(self, mac: str) -> None:
        """The apply ended with every answer in: nothing is in doubt."""
        await self.store.delete(SENDING, _key(mac))

    def lock(self, mac: str) -> Any:
        return self.store.lock(f"plan-apply:{_key(mac)}", ttl=LOCK_TTL, heartbeat=True)
