"""The one interface to shared state: what several processes or replicas must agree on.

Implementations (one job each): ``memory.py`` (tests, throwaway runs), ``sqlite.py`` (the
embedded default, several local processes), ``redis.py`` (replicas). ``open_store(url)`` in
``__init__`` picks one from ``--store`` / ``LIVECHAT_MCP_STORE``.

Everything here is namespaced (``ns``: "plans", "oauth.codes", "oauth.tokens", ...) and every
value with a lifetime has a ``ttl`` in seconds, so nothing grows without bound. Values are
bytes; callers serialise (JSON). Values that are secrets (LiveChat tokens, refresh tokens) are
sealed with ``seal``/``unseal`` (AES-GCM, see ``crypto.py``) before they are stored.

Every method may raise ``StoreUnavailable`` when the backend cannot be reached: callers turn
it into a clear, retryable error and never act as if the state were empty.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable


class StoreUnavailable(Exception):
    """The state store cannot be reached (or answered nonsense); retry later."""


class LockBusy(Exception):
    """Someone else holds the lock."""


@dataclass(frozen=True)
class LogMark:
    """How much of a log a reader has: its ``length`` entries of the log's ``epoch``."""

    epoch: str
    length: int


@dataclass
class LogRead:
    """A log as read (``hold_log`` / ``read_log``): its head, and its entries from ``start`` on.
    ``start`` is the reader's mark when that mark is of the log's current epoch (it has the
    entries before it already), else 0 (the whole log). ``head`` None: there is no such log."""

    head: bytes | None
    epoch: str = ""
    start: int = 0
    entries: list[bytes] = field(default_factory=list)

    @property
    def mark(self) -> LogMark:
        return LogMark(self.epoch, self.start + len(self.entries))


class HeldLog(Protocol):
    """A log held under its lock (``hold_log``): what was read, and the change to write when the
    hold ends normally (one round trip that writes and unlocks); nothing is written on an exception."""

    read: LogRead

    def append(self, head: bytes, entries: list[bytes]) -> None:
        """Replace the head and add ``entries`` after the existing ones."""
        ...

    def replace(self, head: bytes, entries: list[bytes]) -> None:
        """Replace the whole log (a new epoch: every reader reads it again)."""
        ...

    def drop(self) -> None:
        """Delete the log."""
        ...

    @property
    def mark(self) -> LogMark:
        """The log's mark once the change is written (valid after the hold ended normally)."""
        ...


@runtime_checkable
class Store(Protocol):
    url: str  # what the operator configured, userinfo/password removed (safe to print)

    # --- key/value with lifetimes ----------------------------------------------------------------
    async def get(self, ns: str, key: str) -> bytes | None: ...
    async def put(self, ns: str, key: str, value: bytes, *, ttl: float | None = None) -> None: ...
    async def put_if_absent(self, ns: str, key: str, value: bytes, *, ttl: float | None = None) -> bool:
        """True if stored; False if the key already held a live value (atomic)."""
        ...
    async def take(self, ns: str, key: str) -> bytes | None:
        """Get and delete atomically: single-use values (authorization codes) are taken once."""
        ...
    async def delete(self, ns: str, key: str) -> None: ...
    async def keys(self, ns: str, prefix: str = "") -> list[str]:
        """Live keys of a namespace starting with ``prefix`` (bounded by the namespace's ttl)."""
        ...

    # --- the request budget (per license, shared by every process and replica) ---------------
    async def reserve(self, bucket: str, *, capacity: int, period: float, slot: str, hold: float,
                      finished: Sequence[tuple[str, float]] = ()) -> float:
        """Take the request slot named ``slot`` in ``bucket`` if one is free now and return 0.0;
        else take nothing and return the seconds until one may free up. At most ``capacity``
        slots in any ``period`` seconds across everyone using the store (atomic).

        ``finished``: (slot, seconds ago) of this caller's requests that finished since it last
        told the store: released as ``release`` would have at that time, in the same round trip
        (a read then costs one store operation, not two: server/api/ratelimit.py).

        A slot counts from when its request *finishes* (``release``): LiveChat counts requests
        on arrival, which is after the reservation, so stamping at the finish keeps the window
        the server sees inside ``capacity`` whatever the latency. Until released, a slot is
        taken as finishing ``hold`` seconds after the reservation, so a crashed process cannot
        hold one for longer than ``hold + period``."""
        ...
    async def release(self, bucket: str, slot: str, *, ago: float = 0.0) -> None:
        """The request that took ``slot`` finished ``ago`` seconds ago: it counts from then for one period."""
        ...
    async def block(self, bucket: str, seconds: float) -> None:
        """LiveChat said 429 / Retry-After: no slot is given to anyone for ``seconds``."""
        ...

    # --- coordination ---------------------------------------------------------------------------
    def lock(self, name: str, *, ttl: float, heartbeat: bool = False) -> AbstractAsyncContextManager[None]:
        """An exclusive lock across processes/replicas; raises LockBusy at once if held.
        Expires after ``ttl`` so a crashed holder cannot keep it forever. With ``heartbeat``
        the holder renews it every ``ttl / 3`` seconds while it runs (``heartbeat.py``): a long
        holder keeps it, and a short ``ttl`` frees a crashed holder's lock quickly."""
        ...

    # --- append-only logs (a working plan: its steps) --------------------------------------------
    def hold_log(self, ns: str, key: str, *, since: LogMark | None, ttl: float,
                 lock_ttl: float) -> AbstractAsyncContextManager[HeldLog]:
        """Lock the log ``ns``/``key`` and read it, in one round trip (raises LockBusy at once if
        held): its head and the entries after ``since`` (a reader that kept what it read before
        reads only what others added since). The change the holder sets is written, the lock
        released, in one more round trip, and the log then lives ``ttl`` seconds. The lock lapses
        ``lock_ttl`` after its last renewal (renewed every ``lock_ttl / 3`` while held). Writing
        appends only what was added: a change costs its own size, not the log's."""
        ...

    async def read_log(self, ns: str, key: str, *, since: LogMark | None) -> LogRead:
        """The log as it is now, without its lock (one consistent read)."""
        ...

    # --- keys that every replica must share -------------------------------------------------
    async def shared_secret(self, name: str) -> bytes:
        """A random 32-byte key, created once per deployment and then the same for every process
        (the plan MAC key, the key sealing multi-round-trip request state)."""
        ...

    async def ping(self) -> None:
        """Raises StoreUnavailable unless the backend answers (for /readyz)."""
        ...

    async def aclose(self) -> None: ...


