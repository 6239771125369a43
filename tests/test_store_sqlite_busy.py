"""The SQLite store answers at once when the file is free and waits (off the event loop) when
another process holds it: the fast path never fails or skips a call because of a busy file."""

from __future__ import annotations

import base64
import sqlite3
import threading
import time
from pathlib import Path

import anyio
import pytest

from server.store import Store, open_store

pytestmark = pytest.mark.anyio


def _open(tmp_path: Path) -> Store:
    env = {"XDG_STATE_HOME": str(tmp_path), "LIVECHAT_MCP_STORE_KEY": base64.b64encode(b"k" * 32).decode()}
    return open_store(f"sqlite://{tmp_path / 'state.db'}", env)


async def test_a_call_waits_for_another_process_write_lock_without_blocking_the_loop(tmp_path: Path) -> None:
    store = _open(tmp_path)
    try:
        await store.put("ns", "before", b"1", ttl=60)  # creates the tables
        other = sqlite3.connect(tmp_path / "state.db", isolation_level=None, check_same_thread=False)
        other.execute("BEGIN IMMEDIATE")  # another process writing
        released = threading.Event()

        def release_later() -> None:
            time.sleep(0.5)
            other.execute("COMMIT")
            released.set()

        threading.Thread(target=release_later, daemon=True).start()
        ticks = 0

        async def tick() -> None:
            nonlocal ticks
            while not released.is_set():
                ticks += 1
                await anyio.sleep(0.01)

        async with anyio.create_task_group() as tg:
            tg.start_soon(tick)
            wait = await store.reserve("b", capacity=5, period=60.0, slot="s1", hold=30.0)
            await store.put("ns", "after", b"2", ttl=60)
        assert wait == 0.0
        assert released.is_set()  # the reservation was made only once the other writer let go
        assert ticks >= 10  # and the event loop ran meanwhile
        assert await store.get("ns", "after") == b"2"
        other.close()
    finally:
        await store.aclose()


async def test_reservations_made_at_once_still_count(tmp_path: Path) -> None:
    store = _open(tmp_path)
    try:
        waits = [await store.reserve("b", capacity=3, period=60.0, slot=f"s{n}", hold=30.0) for n in range(4)]
        assert waits[:3] == [0.0, 0.0, 0.0]
        assert waits[3] > 0  # the fourth is over capacity
    finally:
        await store.aclose()
