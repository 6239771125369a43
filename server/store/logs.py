"""Append-only logs under a lock (``Store.hold_log``), the part every backend shares: the change
a holder sets and the hold itself. A backend supplies three operations, each one round trip:
lock-and-read, extend the lock, write-and-unlock.

Why a log: a working plan grows a step at a time and is read back by the process that planned
the last step. Kept as one value it was read and rewritten whole on every planned call, so a
call cost the plan's size (tens of milliseconds near the 4 MB cap, four round trips on Redis).
As a head plus entries, a planned call reads only what other processes added since its own
last read (usually nothing) and writes only the steps it adds: two round trips, flat in the
plan's size. A rewrite (a whole plan rechecked, a plan cleared) starts a new ``epoch``, which
tells every reader to read the log again from its start.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Literal, Protocol

import anyio

from .base import LockBusy, LogMark, LogRead, StoreUnavailable
from .heartbeat import renewed


@dataclass
class Change:
    """What a hold writes: ``append`` entries (and a new head), ``replace`` the whole log (a new
    epoch), or ``drop`` it."""

    mode: Literal["append", "replace", "drop"]
    head: bytes = b""
    entries: list[bytes] = field(default_factory=list)
    epoch: str = ""


class Held:
    """The ``HeldLog`` a backend's ``hold_log`` yields."""

    def __init__(self, read: LogRead) -> None:
        self.read = read
        self.change: Change | None = None

    def append(self, head: bytes, entries: list[bytes]) -> None:
        if self.read.head is None:  # a log starts with an epoch of its own
            self.replace(head, entries)
        else:
            self.change = Change("append", head, list(entries), self.read.epoch)

    def replace(self, head: bytes, entries: list[bytes]) -> None:
        self.change = Change("replace", head, list(entries), secrets.token_hex(8))

    def drop(self) -> None:
        self.change = Change("drop")

    @property
    def mark(self) -> LogMark:
        change = self.change
        if change is None:
            return self.read.mark
        if change.mode == "drop":
            return LogMark("", 0)
        if change.mode == "replace":
            return LogMark(change.epoch, len(change.entries))
        return LogMark(change.epoch, self.read.mark.length + len(change.entries))


class LogBackend(Protocol):
    async def lock_and_read_log(self, ns: str, key: str, token: str, since: LogMark | None,
                                lock_ttl: float) -> LogRead | None:
        """Take the log's lock as ``token`` and read it; None (nothing taken) when it is held."""
        ...

    async def extend_log_lock(self, ns: str, key: str, token: str, lock_ttl: float) -> None: ...

    async def write_and_unlock_log(self, ns: str, key: str, token: str, change: Change | None, ttl: float) -> bool:
        """Write ``change`` (None: nothing) and release the lock, if ``token`` still holds it;
        False (nothing written) when it does not (it lapsed)."""
        ...


@asynccontextmanager
async def hold(backend: LogBackend, ns: str, key: str, *, since: LogMark | None, ttl: float,
               lock_ttl: float) -> AsyncIterator[Held]:
    token = secrets.token_hex(16)
    read = await backend.lock_and_read_log(ns, key, token, since, lock_ttl)
    if read is None:
        raise LockBusy(f"log {ns}:{key}")
    held = Held(read)
    try:
        async with renewed(lambda: backend.extend_log_lock(ns, key, token, lock_ttl), lock_ttl / 3):
            yield held
    except BaseException:
        with anyio.CancelScope(shield=True):
            try:
                await backend.write_and_unlock_log(ns, key, token, None, ttl)
            except StoreUnavailable:
                pass  # the lock lapses by itself; the body's own error is the one to report
        raise
    with anyio.CancelScope(shield=True):
        written = await backend.write_and_unlock_log(ns, key, token, held.change, ttl)
    if not written:
        raise StoreUnavailable(f"the lock on {ns} lapsed before the change was written (the store was too slow "
                               "or unreachable for its renewals); nothing was written")
