"""Counting the work a call does, not timing it: tests that keep algorithms linear
(tests/test_linear.py) compare these counts at one input size and at twice that size.

- ``lines``: Python lines our code executed (server/, the sandbox and the memory store apart), loop iterations
  included (a line runs again on each pass): a deterministic measure of the work done in
  Python, which a quadratic loop inflates like time would, on any machine under any load.
- ``sandbox``: the same for the embedded LiveChat emulator (it stands for LiveChat: its cost is
  upstream's, counted apart).
- ``store``: calls to the state store by operation, the bytes written to it and the log entries
  read from it (``CountingStore``).
- ``upstream``: requests LiveChat (the sandbox) received.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

from server.store.base import LogMark, LogRead
from server.store.logs import Change
from server.store.memory import MemoryStore

SERVER = str(Path(__file__).resolve().parent.parent / "server") + "/"
SANDBOX = SERVER + "sandbox/"
# The in-memory store stands in for SQLite and Redis here, whose work is counted as store calls
# (its Python is not what a deployment runs): not counted as lines.
MEMORY_STORE = SERVER + "store/memory.py"


@dataclass
class Tally:
    lines: int = 0
    sandbox: int = 0
    store: Counter[str] = field(default_factory=Counter)
    written: int = 0  # bytes written to the store
    entries_read: int = 0  # log entries read from the store
    upstream: int = 0


class CountingStore(MemoryStore):
    """A memory store that tallies every call, what it writes and what logs it hands back."""

    def __init__(self) -> None:
        super().__init__()
        self.tally = Tally()

    def _count(self, name: str, written: int = 0) -> None:
        self.tally.store[name] += 1
        self.tally.written += written

    async def get(self, ns: str, key: str) -> bytes | None:
        self._count("get")
        return await super().get(ns, key)

    async def put(self, ns: str, key: str, value: bytes, *, ttl: float | None = None) -> None:
        self._count("put", len(value))
        await super().put(ns, key, value, ttl=ttl)

    async def put_if_absent(self, ns: str, key: str, value: bytes, *, ttl: float | None = None) -> bool:
        self._count("put_if_absent", len(value))
        return await super().put_if_absent(ns, key, value, ttl=ttl)

    async def take(self, ns: str, key: str) -> bytes | None:
        self._count("take")
        return await super().take(ns, key)

    async def delete(self, ns: str, key: str) -> None:
        self._count("delete")
        await super().delete(ns, key)

    async def keys(self, ns: str, prefix: str = "") -> list[str]:
        self._count("keys")
        return await super().keys(ns, prefix)

    async def reserve(self, bucket: str, *, capacity: int, period: float, slot: str, hold: float,
                      finished: Sequence[tuple[str, float]] = ()) -> float:
        self._count("reserve")
        return await super().reserve(bucket, capacity=capacity, period=period, slot=slot, hold=hold, finished=finished)

    async def release(self, bucket: str, slot: str, *, ago: float = 0.0) -> None:
        self._count("release")
        await super().release(bucket, slot, ago=ago)

    def lock(self, name: str, *, ttl: float, heartbeat: bool = False) -> Any:
        self._count("lock")
        return super().lock(name, ttl=ttl, heartbeat=heartbeat)

    async def read_log(self, ns: str, key: str, *, since: LogMark | None) -> LogRead:
        read = await super().read_log(ns, key, since=since)
        if sys._getframe(1).f_code.co_name != "lock_and_read_log":  # counted there as one call
            self._count("read_log")
            self.tally.entries_read += len(read.entries)
        return read

    async def lock_and_read_log(self, ns: str, key: str, token: str, since: LogMark | None,
                                lock_ttl: float) -> LogRead | None:
        self._count("lock_and_read_log")
        read = await super().lock_and_read_log(ns, key, token, since, lock_ttl)
        self.tally.entries_read += len(read.entries) if read else 0
        return read

    async def write_and_unlock_log(self, ns: str, key: str, token: str, change: Change | None, ttl: float) -> bool:
        written = len(change.head) + sum(map(len, change.entries)) if change else 0
        self._count("write_and_unlock_log", written)
        return await super().write_and_unlock_log(ns, key, token, change, ttl)


@contextmanager
def lines_run(tally: Tally) -> Iterator[Tally]:
    """Count the lines our code (and, apart, the sandbox) runs in this thread meanwhile."""

    def ours(frame: FrameType, event: str, arg: Any) -> Any:
        if event == "line":
            tally.lines += 1
        return ours

    def sandbox(frame: FrameType, event: str, arg: Any) -> Any:
        if event == "line":
            tally.sandbox += 1
        return sandbox

    def on_call(frame: FrameType, event: str, arg: Any) -> Any:
        name = frame.f_code.co_filename
        if not name.startswith(SERVER) or name == MEMORY_STORE:
            return None
        return sandbox if name.startswith(SANDBOX) else ours

    previous = sys.gettrace()
    sys.settrace(on_call)
    try:
        yield tally
    finally:
        sys.settrace(previous)
