"""Client-side request budget: a token bucket per license, shared by every session.

LiveChat's quota (1000 requests per 10 minutes) is per license and shared by every
integration on it. Waiting for budget here turns a burst (a bulk plan apply) into a steady
stream instead of a wall of too_many_requests errors.

aiolimiter was considered; it cannot tell how long a caller would wait, which the deadline
error and the progress notifications need, so this small bucket is ours.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

import anyio

from .errors import LiveChatError

WaitCallback = Callable[[float, str], Awaitable[None]]


class TokenBucket:
    def __init__(self, capacity: int = 1000, period: float = 600.0, *, clock: Callable[[], float] = time.monotonic):
        if capacity < 1 or period <= 0:
            raise ValueError("rate limit needs capacity >= 1 and period > 0")
        self.capacity = capacity
        self.period = period
        self._rate = capacity / period
        self._tokens = float(capacity)
        self._clock = clock
        self._stamp = clock()
        self._lock = anyio.Lock()

    def _refill(self) -> None:
        now = self._clock()
        self._tokens = min(self.capacity, self._tokens + (now - self._stamp) * self._rate)
        self._stamp = now

    async def acquire(self, *, max_wait: float, on_wait: WaitCallback | None = None) -> None:
        """Take one request's budget, waiting up to ``max_wait`` seconds for it."""
        async with self._lock:  # FIFO among waiters: anyio.Lock is fair
            self._refill()
            if self._tokens < 1:
                wait = (1 - self._tokens) / self._rate
                if wait > max_wait:
                    raise LiveChatError(
                        "too_many_requests",
                        f"Client-side request budget ({self.capacity} per {self.period:g} s) is spent; "
                        f"the next slot is in {wait:.0f} s, beyond the {max_wait:g} s wait limit.",
                        hint="Retry later, or raise --rate-wait / lower the request volume.",
                    )
                if on_wait:
                    await on_wait(wait, f"waiting {wait:.1f} s for request budget")
                await anyio.sleep(wait)
                self._refill()
            self._tokens -= 1


_buckets: dict[tuple[str, str], TokenBucket] = {}


def shared_bucket(key: tuple[str, str], capacity: int, period: float) -> TokenBucket:
    """The process-wide bucket for one license (keyed by API URL and credential identity)."""
    bucket = _buckets.get(key)
    if bucket is None or (bucket.capacity, bucket.period) != (capacity, period):
        bucket = _buckets[key] = TokenBucket(capacity, period)
    return bucket
