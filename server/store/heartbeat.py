"""Keeping a store lock while its holder is alive: renewed in the background every few seconds,
so a long holder (an apply sending hundreds of requests) keeps it, while a crashed one loses it
one short ``ttl`` after its last renewal and the work can be resumed elsewhere."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import anyio

from .base import StoreUnavailable


@asynccontextmanager
async def renewed(extend: Callable[[], Awaitable[object]], every: float | None) -> AsyncIterator[None]:
    """Run the body while ``extend`` is called every ``every`` seconds (None: never)."""
    if every is None:
        yield
        return

    async def beat() -> None:
        while True:
            await anyio.sleep(every)
            try:
                await extend()
            except StoreUnavailable:
                pass  # tried again next beat; if the store stays away the lock lapses, as for a crash

    error: BaseException | None = None
    async with anyio.create_task_group() as tg:
        tg.start_soon(beat)
        try:
            yield
        except BaseException as exc:  # re-raised below as itself, not in an ExceptionGroup
            error = exc
        finally:
            tg.cancel_scope.cancel()
    if error is not None:
        raise error
