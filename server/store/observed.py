"""A store whose every operation is reported to an observer (server/observe.py): its latency, and
whether it failed (``StoreUnavailable``, ``LockBusy``: by type, never a message, which may name a
key). Wrapped around the configured store only when someone listens (metrics or traces on), so
an unobserved server pays nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from typing import Any

from ..observe import Nobody, Observer
from .base import HeldLog, LogMark, LogRead, Store


def backend_of(store: Store) -> str:
    """The backend's name for labels: its URL's scheme (memory, sqlite, redis, rediss, unix)."""
    return store.url.split(":", 1)[0].lower() or "unknown"


class ObservedStore:
    def __init__(self, inner: Store, observer: Observer) -> None:
        self.inner = inner
        self.observer = observer
        self.url = inner.url
        self.backend = backend_of(inner)

    def __getattr__(self, name: str) -> Any:  # anything beyond the interface: the inner store's own
        return getattr(self.inner, name)

    async def get(self, ns: str, key: str) -> bytes | None:
        with self.observer.store_operation(self.backend, "get"):
            return await self.inner.get(ns, key)

    async def put(self, ns: str, key: str, value: bytes, *, ttl: float | None = None) -> None:
        with self.observer.store_operation(self.backend, "put"):
            await self.inner.put(ns, key, value, ttl=ttl)

    async def put_if_absent(self, ns: str, key: str, value: bytes, *, ttl: float | None = None) -> bool:
        with self.observer.store_operation(self.backend, "put_if_absent"):
            return await self.inner.put_if_absent(ns, key, value, ttl=ttl)

    async def take(self, ns: str, key: str) -> bytes | None:
        with self.observer.store_operation(self.backend, "take"):
            return await self.inner.take(ns, key)

    async def delete(self, ns: str, key: str) -> None:
        with self.observer.store_operation(self.backend, "delete"):
            await self.inner.delete(ns, key)

    async def keys(self, ns: str, prefix: str = "") -> list[str]:
        with self.observer.store_operation(self.backend, "keys"):
            return await self.inner.keys(ns, prefix)

    async def reserve(self, bucket: str, *, capacity: int, period: float, slot: str, hold: float,
                      finished: Sequence[tuple[str, float]] = ()) -> float:
        with self.observer.store_operation(self.backend, "reserve"):
            return await self.inner.reserve(bucket, capacity=capacity, period=period, slot=slot, hold=hold,
                                            finished=finished)

    async def release(self, bucket: str, slot: str, *, ago: float = 0.0) -> None:
        with self.observer.store_operation(self.backend, "release"):
            await self.inner.release(bucket, slot, ago=ago)

    async def block(self, bucket: str, seconds: float) -> None:
        with self.observer.store_operation(self.backend, "block"):
            await self.inner.block(bucket, seconds)

    def lock(self, name: str, *, ttl: float, heartbeat: bool = False) -> AbstractAsyncContextManager[None]:
        return self._lock(name, ttl=ttl, heartbeat=heartbeat)

    @asynccontextmanager
    async def _lock(self, name: str, *, ttl: float, heartbeat: bool) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            with self.observer.store_operation(self.backend, "lock"):  # taking it; holding it is the caller's work
                await stack.enter_async_context(self.inner.lock(name, ttl=ttl, heartbeat=heartbeat))
            yield

    def hold_log(self, ns: str, key: str, *, since: LogMark | None, ttl: float,
                 lock_ttl: float) -> AbstractAsyncContextManager[HeldLog]:
        return self._hold_log(ns, key, since=since, ttl=ttl, lock_ttl=lock_ttl)

    @asynccontextmanager
    async def _hold_log(self, ns: str, key: str, *, since: LogMark | None, ttl: float,
                        lock_ttl: float) -> AsyncIterator[HeldLog]:
        # Two operations, as the backend makes them: lock-and-read on entry, write-and-unlock on exit.
        held = self.inner.hold_log(ns, key, since=since, ttl=ttl, lock_ttl=lock_ttl)
        with self.observer.store_operation(self.backend, "lock_and_read_log"):
            log = await held.__aenter__()
        try:
            yield log
        except BaseException as exc:
            if not await held.__aexit__(type(exc), exc, exc.__traceback__):
                raise
        else:
            with self.observer.store_operation(self.backend, "write_and_unlock_log"):
                await held.__aexit__(None, None, None)

    async def read_log(self, ns: str, key: str, *, since: LogMark | None) -> LogRead:
        with self.observer.store_operation(self.backend, "read_log"):
            return await self.inner.read_log(ns, key, since=since)

    async def shared_secret(self, name: str) -> bytes:
        with self.observer.store_operation(self.backend, "shared_secret"):
            return await self.inner.shared_secret(name)

    async def ping(self) -> None:
        with self.observer.store_operation(self.backend, "ping"):
            await self.inner.ping()

    async def aclose(self) -> None:
        await self.inner.aclose()


def observed(store: Store, observer: Observer) -> Store:
    """``store`` reporting to ``observer``; the store itself when no one listens."""
    if isinstance(observer, Nobody) or isinstance(store, ObservedStore):
        return store
    return ObservedStore(store, observer)
