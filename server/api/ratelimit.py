"""The request budget per license, kept in the state store so every process and replica shares it.

LiveChat's quota (1000 requests per 10 minutes) is per license and shared by every
integration on it. Waiting for budget here turns a burst (a bulk plan apply) into requests
that stay inside the quota instead of a wall of too_many_requests errors; with a shared store
(SQLite for local processes, Redis for replicas) three stdio servers or three HTTP replicas
draw on one budget instead of three.

The budget is a sliding window, not a refilling bucket: a bucket that starts full and
refills at capacity/period lets up to twice the capacity through in one period, which a
license quota counted over a window refuses. A slot is stamped when its request *finishes*
(``release``), so the window the server sees (it counts on arrival) can never hold more than
``capacity`` requests, whatever the latency. A 429 from LiveChat blocks the bucket for
everyone for the Retry-After time (``block``).

LiveChat's own count comes back on every answer: ``X-RateLimit-Limit``, ``X-RateLimit-Remaining``
and ``X-RateLimit-Reset`` (the lifecycle guide; the scopes overview says to "read the rate-limit
response headers"). It counts every integration on the license, which this budget cannot see, so
when it says nothing is left the bucket is blocked until its reset (``observe``): the next
request waits instead of being sent into a 429. The reference does not say whether Reset is
seconds or a Unix time; both are read (a value past a year of seconds is a time).

Libraries considered: aiolimiter cannot tell how long a caller would wait (the deadline error
and the progress notifications need it); ``limits`` (moving window on async memory/Redis
storages) and ``pyrate-limiter`` (SQLite and Redis buckets) stamp a request when it starts,
have no shared "blocked by the server for N seconds", and neither serves both SQLite and
Redis with the same atomic semantics across processes. The decision is a few lines per
backend (one IMMEDIATE transaction in SQLite, one Lua script in Redis; ``server/store/``), so
it stays ours.

When the store cannot be reached, no request is sent against an unknown budget: the call
fails with ``store_unavailable`` (retryable), and the next call tries the store again.

A release is not a store round trip of its own on the call's path: the finished slot (with the
time it finished) rides on this process's next reservation, or is sent ``FLUSH_AFTER`` seconds
later when no request follows. Until then other processes count the slot as finishing at its
``hold``, which only makes them more careful; the window is stamped with the true finish time.
A read costs one store operation (bench/store.py, bench/run.py).
"""

from __future__ import annotations

import asyncio
import hashlib
import math
import os
import secrets
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import anyio
import httpx

from ..store.base import Store, StoreUnavailable
from .auth import Credential
from .errors import LiveChatError

WaitCallback = Callable[[float, str], Awaitable[None]]
POLL = 0.5  # how often a waiter looks again (a slot may free early: in-flight requests finish)
DEFAULT_HOLD = 60.0
FLUSH_AFTER = 0.1  # seconds a finished slot waits for the next reservation before it is released alone

STORE_HINT = (
    "The state store holding the shared request budget is unreachable, so nothing was sent. "
    "Retry in a few seconds; if it persists, the operator should check the store (--store / "
    "LIVECHAT_MCP_STORE; /readyz on an HTTP server says whether it answers)."
)


def new_slot() -> str:
    """A slot's name, unique across processes and in the order slots are taken: a store keeps
    its slots sorted by name, so the one taken now and the one released with it (the previous
    request's) sit together at the end instead of on two random pages (SQLite then writes fewer
    pages per reservation)."""
    global _last_slot_ns, _process
    _last_slot_ns = max(time.time_ns(), _last_slot_ns + 1)  # strictly growing within this process
    if _process[0] != os.getpid():  # this process's own mark (a forked child draws its own)
        _process = (os.getpid(), secrets.token_hex(4))
    return f"{_last_slot_ns:016x}{_process[1]}"


_last_slot_ns = 0
# Drawn once per process, not per slot (a system call each): the time keeps one process's slots
# apart, the mark two processes'.
_process = (0, "")


@dataclass(frozen=True)
class Quota:
    """What LiveChat's ``X-RateLimit-*`` headers said about the license's quota, as of one answer."""

    limit: int | None
    remaining: int | None
    reset: float | None  # seconds until the window lets a request through again

    @classmethod
    def from_headers(cls, headers: Mapping[str, str], now: float | None = None) -> Quota | None:
        """None when the answer carries none of the headers (or none readable)."""
        # Header names ignore case: httpx's Headers looks them up so; any other mapping is folded first.
        get = headers.get if isinstance(headers, httpx.Headers) else {k.lower(): v for k, v in headers.items()}.get
        limit, remaining = _number(get("x-ratelimit-limit")), _number(get("x-ratelimit-remaining"))
        reset = _number(get("x-ratelimit-reset"))
        if reset is not None and reset > _EPOCH_AFTER:  # a Unix time, not a number of seconds
            reset = reset - (time.time() if now is None else now)
        if reset is not None:
            reset = max(reset, 0.0)
        if limit is None and remaining is None and reset is None:
            return None
        return cls(None if limit is None else int(limit), None if remaining is None else int(remaining), reset)


_EPOCH_AFTER = 366 * 86400.0


def _number(value: str | None) -> float | None:
    try:
        number = float(value) if value is not None else None
    except ValueError:
        return None
    return number if number is not None and math.isfinite(number) else None


def store_unavailable(store: Store, exc: Exception) -> LiveChatError:
    return LiveChatError(
        "store_unavailable",
        f"The request budget could not be checked: the state store {store.url} did not answer "
        f"({exc}). Nothing was sent.",
        {"retryable": True},
        hint=STORE_HINT,
    )


class Budget:
    """At most ``capacity`` requests in any ``period`` seconds for one license (``bucket``),
    counted in ``store`` across everyone using it."""

    def __init__(
        self,
        store: Store,
        bucket: str,
        capacity: int = 1000,
        period: float = 600.0,
        *,
        hold: float = DEFAULT_HOLD,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if capacity < 1 or period <= 0:
            raise ValueError("rate limit needs capacity >= 1 and period > 0")
        self.store = store
        self.bucket = bucket
        self.capacity = capacity
        self.period = period
        self.hold = hold  # a slot not released (a crashed process) counts as finishing this late
        self._clock = clock
        self._finished: list[tuple[str, float]] = []  # (slot, when it finished) the store has not been told
        self._flushing: asyncio.Task[None] | None = None

    def _take_finished(self) -> list[tuple[str, float]]:
        now = self._clock()
        finished, self._finished = [(slot, max(now - at, 0.0)) for slot, at in self._finished], []
        return finished

    async def _reserve(self, slot: str) -> float:
        kept = list(self._finished)
        try:
            return await self.store.reserve(self.bucket, capacity=self.capacity, period=self.period, slot=slot,
                                            hold=self.hold, finished=self._take_finished())
        except StoreUnavailable as exc:
            self._finished[:0] = kept  # told no one: kept for the next try
            raise store_unavailable(self.store, exc) from None

    async def acquire(self, *, max_wait: float, on_wait: WaitCallback | None = None) -> str:
        """Take one request's slot, waiting up to ``max_wait`` seconds for it; returns the slot
        to ``release`` once the request has finished (or failed)."""
        slot = new_slot()
        started = self._clock()
        told = False
        while True:
            wait = await self._reserve(slot)
            if wait <= 0:
                return slot
            left = max_wait - (self._clock() - started)
            if wait > left:
                raise LiveChatError(
                    "too_many_requests",
                    f"The license's request budget is spent (client-side limit {self.capacity} per "
                    f"{self.period:g} s; LiveChat's X-RateLimit-Remaining and 429 answers pause it too); "
                    f"the next slot is in {wait:.0f} s, beyond the {max_wait:g} s wait limit. Nothing was sent.",
                    hint="Retry later, or raise --rate-limit / lower the request volume.",
                )
            if on_wait and not told:
                told = True
                await on_wait(wait, f"waiting {wait:.1f} s for request budget")
            await anyio.sleep(min(wait, POLL))

    async def release(self, slot: str) -> None:
        """The request that took ``slot`` has finished: its slot counts from now for one period.
        Told to the store with the next reservation, or ``FLUSH_AFTER`` seconds from now (``flush``).
        A store outage here is not the caller's problem: the slot then ends by its ``hold``."""
        self._finished.append((slot, self._clock()))
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # not under asyncio: at once
            await self.flush()
            return
        if self._flushing is None or self._flushing.done():
            self._flushing = loop.create_task(self._flush_later())

    async def _flush_later(self) -> None:
        await asyncio.sleep(FLUSH_AFTER)
        await self.flush()

    async def flush(self) -> None:
        """Release at once whatever finished and was not yet told to the store."""
        finished = self._take_finished()
        with anyio.CancelScope(shield=True):
            for slot, ago in finished:
                try:
                    await self.store.release(self.bucket, slot, ago=ago)
                except StoreUnavailable:
                    pass

    async def observe(self, quota: Quota | None) -> None:
        """An answer's ``X-RateLimit-*`` headers: when LiveChat says no request is left, nobody
        sharing this budget sends before its reset (so the limit is not learnt from a 429). Without
        a reset the next request finds out (a 429 carries Retry-After)."""
        if quota is None or quota.remaining is None or quota.remaining > 0 or not quota.reset:
            return
        await self.block(min(quota.reset, self.period))

    async def block(self, seconds: float) -> None:
        """LiveChat answered 429: nobody sharing this license's budget sends for ``seconds``."""
        try:
            await self.store.block(self.bucket, seconds)
        except StoreUnavailable:
            pass  # this caller still waits before its retry; the next reserve meets the outage


def license_bucket(base_url: str, credential: Credential, info: Mapping[str, Any] | None) -> str:
    """The budget's key: LiveChat counts the quota per license, not per credential, so every
    token and PAT of one organization shares one bucket, whoever holds it.

    The organization, when ``info`` names it, wins for every kind of credential (today: token
    info for a Bearer token, a hosted principal's grant). A PAT whose organization is unknown
    falls back to its account (one account belongs to one license, and a rotated PAT
    keeps the account's budget); only a token with no known organization is keyed by its hash.
    The API URL keeps the real API apart from a sandbox on loopback that reuses an organization id."""
    org = (info or {}).get("organization_id")
    if isinstance(org, str) and org:
        who = f"org:{org}"
    elif credential.kind == "pat" and credential.account_id:
        who = f"account:{credential.account_id}"
    elif credential.kind == "none":
        who = "none"  # sends nothing (NO_CREDENTIAL), so it spends no license's budget
    else:
        who = "token:" + hashlib.sha256(credential.authorization().encode()).hexdigest()[:32]
    return f"budget:{base_url.rstrip('/')}|{who}"


def license_label(bucket: str) -> str:
    """A budget key (``license_bucket``) as metrics may name it: the organization id where the
    key has one (an id, no one's secret), else a digest, never an account id or a token's hash."""
    who = bucket.rsplit("|", 1)[-1]
    if who.startswith("org:"):
        return who[len("org:"):]
    return "key-" + hashlib.sha256(bucket.encode()).hexdigest()[:12]
