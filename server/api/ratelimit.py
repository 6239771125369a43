"""Client-side request budget per license, shared by every session.

LiveChat's quota (1000 requests per 10 minutes) is per license and shared by every
integration on it. Waiting for budget here turns a burst (a bulk plan apply) into requests
that stay inside the quota instead of a wall of too_many_requests errors.

The budget is a sliding window, not a refilling bucket: a bucket that starts full and
refills at capacity/period lets up to twice the capacity through in one period, which a
license quota counted over a window refuses. A slot is stamped when its request *finishes*
(``release``), so the window the server sees (it counts on arrival) can never hold more than
``capacity`` requests, whatever the latency.

aiolimiter was considered; it cannot tell how long a caller would wait, which the deadline
error and the progress notifications need, so this small limiter is ours.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Awaitable, Callable

import anyio

from .errors import LiveChatError

WaitCallback = Callable[[float, str], Awaitable[None]]
_POLL = 0.05  # when every slot is in flight, how often to look again


class TokenBucket:
    """At most ``capacity`` requests in any ``period`` seconds (a sliding window)."""

    def __init__(self, capacity: int = 1000, period: float = 600.0, *, clock: Callable[[], float] = time.monotonic):
        if capacity < 1 or period <= 0:
            raise ValueError("rate limit needs capacity >= 1 and period > 0")
        self.capacity = capacity
        self.period = period
        self._clock = clock
        self._stamps: deque[float] = deque()  # finish times of recent requests, oldest first
        self._in_flight = 0
        self._lock = anyio.Lock()

    def _wait(self) -> float:
        """Seconds until a slot is free (0: free now)."""
        now = self._clock()
        while self._stamps and now - self._stamps[0] >= self.period:
            self._stamps.popleft()
        if self._in_flight + len(self._stamps) < self.capacity:
            return 0.0
        if self._stamps:
            return self._stamps[0] + self.period - now
        return self.period  # every slot is in flight: at least a period after the first finishes

    async def acquire(self, *, max_wait: float, on_wait: WaitCallback | None = None) -> None:
        """Take one request's slot, waiting up to ``max_wait`` seconds for it.

        Pair every acquire with ``release()`` once the request has finished (or failed).
        """
        async with self._lock:  # FIFO among waiters: anyio.Lock is fair
            wait = self._wait()
            if wait > 0:
                if wait > max_wait:
                    raise LiveChatError(
                        "too_many_requests",
                        f"Client-side request budget ({self.capacity} per {self.period:g} s) is spent; "
                        f"the next slot is in {wait:.0f} s, beyond the {max_wait:g} s wait limit.",
                        hint="Retry later, or raise --rate-limit / lower the request volume.",
                    )
                if on_wait:
                    await on_wait(wait, f"waiting {wait:.1f} s for request budget")
                while wait > 0:
                    await anyio.sleep(wait if self._stamps else min(wait, _POLL))
                    wait = self._wait()
            self._in_flight += 1

    def release(self) -> None:
        """The request that took a slot has finished: its slot counts from now for one period."""
        if self._in_flight > 0:
            self._in_flight -= 1
        self._stamps.append(self._clock())


_buckets: dict[tuple[str, str], TokenBucket] = {}


def shared_bucket(key: tuple[str, str], capacity: int, period: float) -> TokenBucket:
    """The process-wide bucket for one license (keyed by API URL and credential identity)."""
    bucket = _buckets.get(key)
    if bucket is None or (bucket.capacity, bucket.period) != (capacity, period):
        bucket = _buckets[key] = TokenBucket(capacity, period)
    return bucket
