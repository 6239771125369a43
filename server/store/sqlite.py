"""The embedded default (``sqlite:///PATH``): one database file shared by every local process.

Several processes (Claude Desktop, Cursor and Claude Code each start one) open the same file:
WAL lets readers go on while one writes, every change is one ``BEGIN IMMEDIATE`` transaction
(so a check-then-write such as ``reserve`` or ``put_if_absent`` is atomic across processes),
and a busy timeout makes a writer wait for another instead of failing.

A call runs at once when the database is free (this process's connection not in use, no other
process holding the write lock; SQLite's busy timeout is 0 for that attempt, so it fails rather
than waits); otherwise, and after such a failure, in a worker thread (``anyio.to_thread``) that
waits, so the event loop never waits on another process's lock. The thread hop cost more than
the budget's reserve/release themselves, twice on every tool call (bench/run.py, bench/store.py).
One connection per store, used by one thread at a time.

Times are wall-clock seconds (``time.time``): the only clock every process shares. Expired rows
are swept at most once a minute, inside a write transaction, so nothing grows without bound.
"""

from __future__ import annotations

import os
import secrets
import sqlite3
import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import anyio.to_thread

from .base import LockBusy, StoreUnavailable
from .crypto import Sealer, SharedSecrets
from .heartbeat import renewed

T = TypeVar("T")
SWEEP_EVERY = 60.0
BUSY_TIMEOUT = 10.0  # seconds a writer waits for another process's transaction

# SQLITE_BUSY, SQLITE_LOCKED: another connection holds what this one needs.
_BUSY_CODES = (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


class _Busy(Exception):
    """The database is busy and the call was not made: retry it where waiting is allowed."""


_SCHEMA = """
CREATE TABLE IF NOT EXISTS kv (
    ns TEXT NOT NULL, key TEXT NOT NULL, value BLOB NOT NULL, expires REAL,
    PRIMARY KEY (ns, key)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS kv_expires ON kv (expires) WHERE expires IS NOT NULL;
CREATE TABLE IF NOT EXISTS slots (
    bucket TEXT NOT NULL, slot TEXT NOT NULL, finish REAL NOT NULL, expires REAL NOT NULL,
    PRIMARY KEY (bucket, slot)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS blocks (bucket TEXT PRIMARY KEY, until REAL NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS locks (name TEXT PRIMARY KEY, token TEXT NOT NULL, expires REAL NOT NULL) WITHOUT ROWID;
"""


class SQLiteStore:
    def __init__(
        self,
        path: str | Path,
        *,
        namespace: str,
        sealer: Callable[[], Sealer],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = Path(path)
        self.url = f"sqlite://{self.path}"
        self._ns = namespace + ":"
        self._clock = clock
        self._secrets = SharedSecrets(sealer)
        self._mutex = threading.Lock()
        self._last_sweep = 0.0
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fresh = not self.path.exists()
            self._db = sqlite3.connect(
                self.path, timeout=BUSY_TIMEOUT, isolation_level=None, check_same_thread=False
            )
            if fresh:
                os.chmod(self.path, 0o600)  # plans and sealed secrets: this user's only
            self._db.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT * 1000)}")
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA synchronous = NORMAL")  # durable at checkpoints; WAL keeps it consistent
            self._db.executescript(_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise StoreUnavailable(f"cannot open the state store {self.url}: {exc}") from None

    # --- plumbing -----------------------------------------------------------------------------

    async def _run(self, fn: Callable[..., T], *args: Any) -> T:
        if self._mutex.acquire(blocking=False):
            try:
                return self._at_once(fn, *args)
            except _Busy:
                pass  # nothing was changed (a transaction that began was rolled back): wait in a thread
            finally:
                self._mutex.release()
        return await anyio.to_thread.run_sync(self._locked, fn, *args)

    def _at_once(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn`` without waiting for another process: raises _Busy where it would wait."""
        db = self._db
        db.execute("PRAGMA busy_timeout = 0")
        try:
            return fn(*args)
        except sqlite3.OperationalError as exc:
            if getattr(exc, "sqlite_errorcode", None) in _BUSY_CODES:
                raise _Busy from None
            raise StoreUnavailable(f"state store {self.url}: {exc}") from None
        except sqlite3.Error as exc:
            raise StoreUnavailable(f"state store {self.url}: {exc}") from None
        finally:
            db.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT * 1000)}")

    def _locked(self, fn: Callable[..., T], *args: Any) -> T:
        with self._mutex:
            try:
                return fn(*args)
            except sqlite3.Error as exc:
                raise StoreUnavailable(f"state store {self.url}: {exc}") from None

    def _write(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(now, *args)`` in one IMMEDIATE transaction (the write lock taken up front, so a
        read-then-write cannot interleave with another process's)."""
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            now = self._clock()
            result = fn(now, *args)
            if now - self._last_sweep >= SWEEP_EVERY:
                self._sweep(now)
            db.execute("COMMIT")
            return result
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def _sweep(self, now: float) -> None:
        self._last_sweep = now
        self._db.execute("DELETE FROM kv WHERE expires IS NOT NULL AND expires <= ?", (now,))
        self._db.execute("DELETE FROM slots WHERE expires <= ?", (now,))
        self._db.execute("DELETE FROM blocks WHERE until <= ?", (now,))
        self._db.execute("DELETE FROM locks WHERE expires <= ?", (now,))

    def _expiry(self, now: float, ttl: float | None) -> float | None:
        return None if ttl is None else now + ttl

    # --- key/value ------------------------------------------------------------------------------

    async def get(self, ns: str, key: str) -> bytes | None:
        def read() -> bytes | None:
            row = self._db.execute(
                "SELECT value FROM kv WHERE ns = ? AND key = ? AND (expires IS NULL OR expires > ?)",
                (self._ns + ns, key, self._clock()),
            ).fetchone()
            return None if row is None else bytes(row[0])

        return await self._run(read)

    async def put(self, ns: str, key: str, value: bytes, *, ttl: float | None = None) -> None:
        def put(now: float) -> None:
            self._db.execute(
                "INSERT OR REPLACE INTO kv (ns, key, value, expires) VALUES (?, ?, ?, ?)",
                (self._ns + ns, key, bytes(value), self._expiry(now, ttl)),
            )

        await self._run(self._write, put)

    async def put_if_absent(self, ns: str, key: str, value: bytes, *, ttl: float | None = None) -> bool:
        def put(now: float) -> bool:
            cur = self._db.execute(
                "INSERT INTO kv (ns, key, value, expires) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (ns, key) DO UPDATE SET value = excluded.value, expires = excluded.expires "
                "WHERE kv.expires IS NOT NULL AND kv.expires <= ?",
                (self._ns + ns, key, bytes(value), self._expiry(now, ttl), now),
            )
            return cur.rowcount == 1

        return await self._run(self._write, put)

    async def take(self, ns: str, key: str) -> bytes | None:
        def take(now: float) -> bytes | None:
            row = self._db.execute(
                "DELETE FROM kv WHERE ns = ? AND key = ? RETURNING value, expires", (self._ns + ns, key)
            ).fetchone()
            if row is None or (row[1] is not None and row[1] <= now):
                return None
            return bytes(row[0])

        return await self._run(self._write, take)

    async def delete(self, ns: str, key: str) -> None:
        def delete(now: float) -> None:
            self._db.execute("DELETE FROM kv WHERE ns = ? AND key = ?", (self._ns + ns, key))

        await self._run(self._write, delete)

    async def keys(self, ns: str, prefix: str = "") -> list[str]:
        def keys() -> list[str]:
            # A range instead of LIKE: prefixes may hold % or _.
            rows = self._db.execute(
                "SELECT key FROM kv WHERE ns = ? AND key >= ? AND key < ? AND (expires IS NULL OR expires > ?) "
                "ORDER BY key",
                (self._ns + ns, prefix, prefix + "\U0010ffff", self._clock()),
            ).fetchall()
            return [r[0] for r in rows]

        return await self._run(keys)

    # --- budget ---------------------------------------------------------------------------------

    async def reserve(self, bucket: str, *, capacity: int, period: float, slot: str, hold: float) -> float:
        name = self._ns + bucket

        def reserve(now: float) -> float:
            db = self._db
            row = db.execute("SELECT until FROM blocks WHERE bucket = ?", (name,)).fetchone()
            if row is not None and row[0] > now:
                return float(row[0] - now)
            db.execute("DELETE FROM slots WHERE bucket = ? AND expires <= ?", (name, now))
            # The window is this caller's (capacity, period), whatever others reserved with.
            count, first = db.execute(
                "SELECT count(*), min(finish) FROM slots WHERE bucket = ? AND finish > ?", (name, now - period)
            ).fetchone()
            if count < capacity:
                db.execute(
                    "INSERT OR REPLACE INTO slots (bucket, slot, finish, expires) VALUES (?, ?, ?, ?)",
                    (name, slot, now + hold, now + hold + period),
                )
                return 0.0
            return max(float(first) + period - now, 0.001)

        return await self._run(self._write, reserve)

    async def release(self, bucket: str, slot: str) -> None:
        def release(now: float) -> None:
            self._db.execute(
                "UPDATE slots SET expires = expires - finish + ?, finish = ? WHERE bucket = ? AND slot = ?",
                (now, now, self._ns + bucket, slot),
            )

        await self._run(self._write, release)

    async def block(self, bucket: str, seconds: float) -> None:
        def block(now: float) -> None:
            self._db.execute(
                "INSERT INTO blocks (bucket, until) VALUES (?, ?) "
                "ON CONFLICT (bucket) DO UPDATE SET until = max(until, excluded.until)",
                (self._ns + bucket, now + seconds),
            )

        await self._run(self._write, block)

    # --- coordination ---------------------------------------------------------------------------

    @asynccontextmanager
    async def lock(self, name: str, *, ttl: float, heartbeat: bool = False) -> AsyncIterator[None]:
        key, token = self._ns + name, secrets.token_hex(16)

        def acquire(now: float) -> bool:
            cur = self._db.execute(
                "INSERT INTO locks (name, token, expires) VALUES (?, ?, ?) "
                "ON CONFLICT (name) DO UPDATE SET token = excluded.token, expires = excluded.expires "
                "WHERE locks.expires <= ?",
                (key, token, now + ttl, now),
            )
            return cur.rowcount == 1

        def unlock(now: float) -> None:
            self._db.execute("DELETE FROM locks WHERE name = ? AND token = ?", (key, token))

        def extend(now: float) -> None:
            self._db.execute("UPDATE locks SET expires = ? WHERE name = ? AND token = ?", (now + ttl, key, token))

        if not await self._run(self._write, acquire):
            raise LockBusy(name)
        try:
            async with renewed(lambda: self._run(self._write, extend), ttl / 3 if heartbeat else None):
                yield
        finally:
            with anyio.CancelScope(shield=True):
                await self._run(self._write, unlock)

    async def shared_secret(self, name: str) -> bytes:
        return await self._secrets.get(self, name)

    async def ping(self) -> None:
        await self._run(lambda: self._db.execute("SELECT 1").fetchone())

    async def aclose(self) -> None:
        with self._mutex:
            self._db.close()
