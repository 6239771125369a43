"""An in-process store: for tests and throwaway runs (``memory://``). Nothing is shared with
other processes, and everything is gone when the process ends."""

from __future__ import annotations

import os
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field

from .base import LockBusy, LogMark, LogRead
from .heartbeat import renewed
from .logs import Change, Held, hold

SWEEP_EVERY = 60.0


@dataclass
class _Log:
    head: bytes
    epoch: str
    expires: float
    entries: list[bytes] = field(default_factory=list)


class MemoryStore:
    url = "memory://"

    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._values: dict[tuple[str, str], tuple[bytes, float | None]] = {}
        self._windows: dict[str, dict[str, tuple[float, float]]] = {}  # bucket -> slot -> (finish, period)
        self._blocked: dict[str, float] = {}
        self._locks: dict[str, tuple[object, float]] = {}
        self._secrets: dict[str, bytes] = {}
        self._logs: dict[tuple[str, str], _Log] = {}
        self._swept = self._clock()

    def _live(self, ns: str, key: str) -> bytes | None:
        found = self._values.get((ns, key))
        if found is None:
            return None
        value, expires = found
        if expires is not None and expires <= self._clock():
            del self._values[(ns, key)]
            return None
        return value

    def _expiry(self, ttl: float | None) -> float | None:
        return None if ttl is None else self._clock() + ttl

    async def get(self, ns: str, key: str) -> bytes | None:
        return self._live(ns, key)

    def _sweep(self) -> None:
        """Drop expired values now and then: entries nobody reads again must not pile up."""
        now = self._clock()
        if now - self._swept < SWEEP_EVERY:
            return
        self._swept = now
        for k, (_, expires) in list(self._values.items()):
            if expires is not None and expires <= now:
                del self._values[k]
        for k, log in list(self._logs.items()):
            if log.expires <= now:
                del self._logs[k]

    async def put(self, ns: str, key: str, value: bytes, *, ttl: float | None = None) -> None:
        self._sweep()
        self._values[(ns, key)] = (bytes(value), self._expiry(ttl))

    async def put_if_absent(self, ns: str, key: str, value: bytes, *, ttl: float | None = None) -> bool:
        if self._live(ns, key) is not None:
            return False
        self._values[(ns, key)] = (bytes(value), self._expiry(ttl))
        return True

    async def take(self, ns: str, key: str) -> bytes | None:
        value = self._live(ns, key)
        self._values.pop((ns, key), None)
        return value

    async def delete(self, ns: str, key: str) -> None:
        self._values.pop((ns, key), None)

    async def keys(self, ns: str, prefix: str = "") -> list[str]:
        return sorted(k for (n, k) in list(self._values) if n == ns and k.startswith(prefix)
                      and self._live(n, k) is not None)

    async def reserve(self, bucket: str, *, capacity: int, period: float, slot: str, hold: float,
                      finished: Sequence[tuple[str, float]] = ()) -> float:
        now = self._clock()
        window = self._windows.get(bucket, {})
        for done, ago in finished:
            if done in window:
                window[done] = (now - ago, window[done][1])
        blocked = self._blocked.get(bucket, 0.0) - now
        if blocked > 0:
            return blocked
        window = self._windows.setdefault(bucket, {})
        for name, (stamp, span) in list(window.items()):
            if stamp + span <= now:  # past every window it was reserved for
                del window[name]
        # The window is this caller's (capacity, period), whatever others reserved with.
        live = [stamp for stamp, _ in window.values() if stamp > now - period]
        if len(live) < capacity:
            window[slot] = (now + hold, period)
            return 0.0
        return max(min(live) + period - now, 0.001)

    async def release(self, bucket: str, slot: str, *, ago: float = 0.0) -> None:
        window = self._windows.get(bucket, {})
        if slot in window:
            window[slot] = (self._clock() - ago, window[slot][1])

    async def block(self, bucket: str, seconds: float) -> None:
        until = self._clock() + seconds
        self._blocked[bucket] = max(self._blocked.get(bucket, 0.0), until)

    @asynccontextmanager
    async def lock(self, name: str, *, ttl: float, heartbeat: bool = False) -> AsyncIterator[None]:
        now = self._clock()
        held = self._locks.get(name)
        if held is not None and held[1] > now:
            raise LockBusy(name)
        token = object()
        self._locks[name] = (token, now + ttl)

        async def extend() -> None:
            if self._locks.get(name, (None, 0.0))[0] is token:
                self._locks[name] = (token, self._clock() + ttl)

        try:
            async with renewed(extend, ttl / 3 if heartbeat else None):
                yield
        finally:
            if self._locks.get(name, (None, 0.0))[0] is token:  # not a later holder's after expiry
                del self._locks[name]

    # --- logs -----------------------------------------------------------------------------------

    def hold_log(self, ns: str, key: str, *, since: LogMark | None, ttl: float,
                 lock_ttl: float) -> AbstractAsyncContextManager[Held]:
        return hold(self, ns, key, since=since, ttl=ttl, lock_ttl=lock_ttl)

    async def read_log(self, ns: str, key: str, *, since: LogMark | None) -> LogRead:
        log = self._logs.get((ns, key))
        if log is None or log.expires <= self._clock():
            return LogRead(None)
        start = since.length if since is not None and since.epoch == log.epoch else 0
        return LogRead(log.head, log.epoch, start, log.entries[start:])

    async def lock_and_read_log(self, ns: str, key: str, token: str, since: LogMark | None,
                                lock_ttl: float) -> LogRead | None:
        now, name = self._clock(), f"log:{ns}:{key}"
        held = self._locks.get(name)
        if held is not None and held[1] > now:
            return None
        self._locks[name] = (token, now + lock_ttl)
        return await self.read_log(ns, key, since=since)

    async def extend_log_lock(self, ns: str, key: str, token: str, lock_ttl: float) -> None:
        name = f"log:{ns}:{key}"
        if self._locks.get(name, (None, 0.0))[0] == token:
            self._locks[name] = (token, self._clock() + lock_ttl)

    async def write_and_unlock_log(self, ns: str, key: str, token: str, change: Change | None, ttl: float) -> bool:
        now, name = self._clock(), f"log:{ns}:{key}"
        held = self._locks.get(name)
        if held is None or held[0] != token or held[1] <= now:
            return False
        del self._locks[name]
        if change is None:
            return True
        self._sweep()
        if change.mode == "drop":
            self._logs.pop((ns, key), None)
        elif change.mode == "replace":
            self._logs[(ns, key)] = _Log(change.head, change.epoch, now + ttl, list(change.entries))
        else:
            log = self._logs.get((ns, key))
            if log is None or log.epoch != change.epoch:  # expired while held: nothing to append to
                return False
            log.head, log.expires = change.head, now + ttl
            log.entries.extend(change.entries)
        return True

    async def shared_secret(self, name: str) -> bytes:
        return self._secrets.setdefault(name, os.urandom(32))

    async def ping(self) -> None:
        return None

    async def aclose(self) -> None:
        return None
