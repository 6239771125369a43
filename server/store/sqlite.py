"""The embedded default (``sqlite:///PATH``): one database file shared by every local process.

Several processes (Claude Desktop, Cursor and Claude Code each start one) open the same file:
WAL lets readers go on while one writes, every change is one ``BEGIN IMMEDIATE`` transaction
(so a check-then-write such as ``reserve`` or ``put_if_absent`` is atomic across processes),
and a busy timeout makes a writer wait for another instead of failing.

A call runs at once when the database is free (this process's connection not in use, no other
process holding the write lock: the connection's busy timeout is 0, so it fails rather than
waits); otherwise, and after such a failure, in a worker thread (``anyio.to_thread``) that tries
again until the database is free (up to ``BUSY_TIMEOUT``), so the event loop never waits on
another process's lock. The thread hop cost more than the budget's reserve/release themselves,
twice on every tool call (bench/run.py, bench/store.py). One connection per store, used by one
thread at a time.

Times are wall-clock seconds (``time.time``): the only clock every process shares. Expired rows
are swept at most once a minute, inside a write transaction, so nothing grows without bound.

Spare slots: a write transaction (lock, write, commit) is most of what a read's budget costs
(bench/http_rate.py: about a tenth of a call over HTTP). When calls follow one another at once,
a reservation takes a few slots more than it needs (``_Spares``: 2, 4, then up to ``SPARES``,
only while the window is at most half full, under a large capacity and hold), in the same
transaction and under the same check, so they are held like any in-flight request and every
process counts them. The calls that follow get one each without writing: they only read that
no one blocked the budget since (a 429 seen by any process still holds every call back at
once). What they finished is written with the next write, or with the idle release; a spare
not handed out within ``SPARE_FOR`` seconds is deleted then, and at close, so it never counts
as a request. The window never holds more than ``capacity``: spares are taken within it.
"""

from __future__ import annotations

import os
import secrets
import sqlite3
import threading
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import anyio.to_thread

from .base import LockBusy, LogMark, LogRead, StoreUnavailable
from .crypto import Sealer, SharedSecrets
from .heartbeat import renewed
from .logs import Change, Held, hold

T = TypeVar("T")
SWEEP_EVERY = 60.0
BUSY_TIMEOUT = 10.0  # seconds a writer waits for another process's transaction
SPARES = 8  # the most slots one reservation takes (for calls that follow at once)
SPARE_FOR = 0.05  # seconds a spare slot waits for a call before it is given back
SPARE_CAPACITY = 100  # spares only under a capacity at least this large ...
SPARE_HOLD = 1.0  # ... and a hold at least this long (a spare's hold starts when it is taken)

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
CREATE INDEX IF NOT EXISTS slots_window ON slots (bucket, finish);
CREATE TABLE IF NOT EXISTS blocks (bucket TEXT PRIMARY KEY, until REAL NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS locks (name TEXT PRIMARY KEY, token TEXT NOT NULL, expires REAL NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS logs (
    ns TEXT NOT NULL, key TEXT NOT NULL, head BLOB NOT NULL, epoch TEXT NOT NULL, length INTEGER NOT NULL,
    expires REAL NOT NULL, PRIMARY KEY (ns, key)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS log_entries (
    ns TEXT NOT NULL, key TEXT NOT NULL, n INTEGER NOT NULL, value BLOB NOT NULL, PRIMARY KEY (ns, key, n));
"""
# How many slots each bucket holds (expired ones until the sweep deletes them), kept by triggers
# so that every writer, an older version's included, keeps it true. It bounds any window's count
# from above, so a reservation far from the capacity (the common case) takes its slot without
# counting the window: counting a window of a thousand slots was most of what the store added to
# a read. Created with the rows already there counted, in one transaction.
_COUNTS = (
    "CREATE TABLE slot_counts (bucket TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID",
    "CREATE TRIGGER IF NOT EXISTS slots_counted AFTER INSERT ON slots BEGIN "
    "INSERT INTO slot_counts (bucket, n) VALUES (new.bucket, 1) ON CONFLICT (bucket) DO UPDATE SET n = n + 1; END",
    "CREATE TRIGGER IF NOT EXISTS slots_uncounted AFTER DELETE ON slots BEGIN "
    "UPDATE slot_counts SET n = n - 1 WHERE bucket = old.bucket; END",
    "INSERT INTO slot_counts (bucket, n) SELECT bucket, count(*) FROM slots GROUP BY bucket",
)


@dataclass
class _Spares:
    """This process's spare slots of one bucket (under one capacity, period and hold)."""

    rows: list[str] = field(default_factory=list)  # reserved in the store, not handed out yet
    until: float = 0.0  # (monotonic) rows not handed out by then are given back
    size: int = 1  # slots the last reservation in the store took
    last: float = float("-inf")  # (monotonic) this process's last reservation in the bucket


# A finished slot keeps counting for ``hold`` from when it finished; a spare no call took is deleted.
_FINISH = "UPDATE slots SET expires = expires - finish + ?, finish = ? WHERE bucket = ? AND slot = ?"
_GIVE_BACK = "DELETE FROM slots WHERE bucket = ? AND slot = ?"


def _settle(db: sqlite3.Connection, done: Sequence[tuple[str, str, float]], back: Sequence[tuple[str, str]]) -> None:
    """Stamp ``done`` (bucket, slot, finished at) and give ``back`` (bucket, spare slot), in the caller's transaction."""
    if done:
        db.executemany(_FINISH, ((at, at, bucket, slot) for bucket, slot, at in done))
    if back:
        db.executemany(_GIVE_BACK, back)


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
        self._spares: dict[tuple[str, int, float, float], _Spares] = {}
        self._handed: dict[str, str] = {}  # a caller's slot: the spare row it was handed
        self._done: list[tuple[str, str, float]] = []  # (bucket, row, finish) handed-out rows finished, not written
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fresh = not self.path.exists()
            self._db = sqlite3.connect(
                self.path, timeout=BUSY_TIMEOUT, isolation_level=None, check_same_thread=False
            )
            if fresh:
                os.chmod(self.path, 0o600)  # plans and sealed secrets: this user's only
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA synchronous = NORMAL")  # durable at checkpoints; WAL keeps it consistent
            self._db.executescript(_SCHEMA)
            self._count_slots()
            # From here on it never waits inside SQLite: a busy database is retried in a worker
            # thread (_locked), so the event loop's attempt fails at once instead.
            self._db.execute("PRAGMA busy_timeout = 0")
        except (OSError, sqlite3.Error) as exc:
            raise StoreUnavailable(f"cannot open the state store {self.url}: {exc}") from None

    def _count_slots(self) -> None:
        if self._db.execute("SELECT 1 FROM sqlite_master WHERE name = 'slot_counts'").fetchone():
            return
        self._db.execute("BEGIN IMMEDIATE")
        try:  # looked at again under the write lock: another process may have just made it
            if not self._db.execute("SELECT 1 FROM sqlite_master WHERE name = 'slot_counts'").fetchone():
                for statement in _COUNTS:
                    self._db.execute(statement)
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise

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
        try:
            return fn(*args)
        except sqlite3.OperationalError as exc:
            if getattr(exc, "sqlite_errorcode", None) in _BUSY_CODES:
                raise _Busy from None
            raise StoreUnavailable(f"state store {self.url}: {exc}") from None
        except sqlite3.Error as exc:
            raise StoreUnavailable(f"state store {self.url}: {exc}") from None

    def _locked(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn`` in a worker thread, tried again while another process holds the database."""
        deadline, delay = time.monotonic() + BUSY_TIMEOUT, 0.001
        with self._mutex:
            while True:
                try:
                    return self._at_once(fn, *args)
                except _Busy:
                    if time.monotonic() >= deadline:
                        raise StoreUnavailable(f"state store {self.url}: database is locked (another process "
                                               f"held it for more than {BUSY_TIMEOUT:g} s)") from None
                    time.sleep(delay)
                    delay = min(delay * 2, 0.05)

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
        self._db.execute("DELETE FROM log_entries WHERE (ns, key) IN (SELECT ns, key FROM logs WHERE expires <= ?)",
                         (now,))
        self._db.execute("DELETE FROM logs WHERE expires <= ?", (now,))

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

    async def reserve(self, bucket: str, *, capacity: int, period: float, slot: str, hold: float,
                      finished: Sequence[tuple[str, float]] = ()) -> float:
        name = self._ns + bucket
        key = (name, capacity, period, hold)

        def reserve(now: float, done: list[tuple[str, str, float]], back: list[str],
                    more: int) -> tuple[float, list[str]]:
            db = self._db
            _settle(db, done, [(name, row) for row in back])  # releases folded into this transaction (see Store.reserve)
            # The common case in one statement: not blocked and a free slot in the window (this
            # caller's capacity and period, whatever others reserved with). Fewer slots held than
            # the capacity answers without counting; else the window is counted on an index.
            # Expired slots go in the sweep. An upsert, not REPLACE: a replaced row would be
            # counted again (REPLACE's delete fires no trigger).
            taken = db.execute(
                "INSERT INTO slots (bucket, slot, finish, expires) SELECT ?, ?, ?, ? "
                "WHERE NOT EXISTS (SELECT 1 FROM blocks WHERE bucket = ? AND until > ?) "
                "AND (coalesce((SELECT n FROM slot_counts WHERE bucket = ?), 0) < ? "
                "OR (SELECT count(*) FROM slots WHERE bucket = ? AND finish > ?) < ?) "
                "ON CONFLICT (bucket, slot) DO UPDATE SET finish = excluded.finish, expires = excluded.expires",
                (name, slot, now + hold, now + hold + period, name, now, name, capacity, name, now - period,
                 capacity),
            ).rowcount
            if taken == 1:
                held = db.execute("SELECT n FROM slot_counts WHERE bucket = ?", (name,)).fetchone() if more else None
                if held is None or held[0] + more > capacity // 2:
                    return 0.0, []
                rows = [f"{slot}+{i}" for i in range(more)]  # in the window, counted by everyone
                db.executemany("INSERT INTO slots (bucket, slot, finish, expires) VALUES (?, ?, ?, ?)",
                               ((name, row, now + hold, now + hold + period) for row in rows))
                return 0.0, rows
            row = db.execute("SELECT until FROM blocks WHERE bucket = ?", (name,)).fetchone()
            if row is not None and row[0] > now:
                return float(row[0] - now), []
            first = db.execute("SELECT min(finish) FROM slots WHERE bucket = ? AND finish > ?",
                               (name, now - period)).fetchone()[0]
            return max(float(first) + period - now, 0.001), []

        def reserve_now() -> float:
            # Nothing in this process's state changes until the store has: a busy database runs
            # this again in a worker thread.
            now, tick = self._clock(), time.monotonic()
            done = [(name, self._handed.get(mine, mine), now - ago) for mine, ago in finished]
            spares = self._spares.get(key)
            if spares is not None and spares.rows and tick < spares.until:
                blocked = self._db.execute("SELECT 1 FROM blocks WHERE bucket = ? AND until > ?",
                                           (name, now)).fetchone()
                if blocked is None:  # a spare: held in the store since it was taken, counted by everyone
                    for mine, _ in finished:
                        self._handed.pop(mine, None)
                    self._done += done
                    self._handed[slot] = spares.rows.pop()
                    spares.until, spares.last = tick + SPARE_FOR, tick
                    return 0.0
            spares = spares or _Spares()
            following = tick - spares.last < SPARE_FOR
            size = min(SPARES, spares.size * 2) if following else 1
            more = size - 1 if capacity >= SPARE_CAPACITY and hold >= SPARE_HOLD else 0
            # This bucket's spares go back (whatever capacity they were taken under): the window
            # then holds what is in flight and nothing more, and new ones are taken if room.
            mine_too = [other for other_key, other in self._spares.items() if other_key[0] == name]
            back = [row for other in mine_too for row in other.rows]
            wait, rows = self._write(reserve, self._done + done, back, more)
            for mine, _ in finished:
                self._handed.pop(mine, None)
            self._done.clear()
            for other in mine_too:
                other.rows = []
            spares.rows, spares.until, spares.size, spares.last = rows, tick + SPARE_FOR, size, tick
            self._spares[key] = spares
            return wait

        return await self._run(reserve_now)

    async def release(self, bucket: str, slot: str, *, ago: float = 0.0) -> None:
        name = self._ns + bucket

        def release(now: float, done: list[tuple[str, str, float]], back: list[tuple[str, str]]) -> None:
            _settle(self._db, done, back)

        def release_now() -> None:
            now = self._clock() - ago
            done = [*self._done, (name, self._handed.get(slot, slot), now)]
            back = self._unhanded()
            if len(done) == 1 and not back:  # one statement: its own transaction
                self._db.execute(_FINISH, (now, now, name, done[0][1]))
            else:  # idle: what finished on spares, and the spares no call took, in one transaction
                self._write(release, done, back)
            self._handed.pop(slot, None)
            self._done.clear()
            for spares in self._spares.values():
                spares.rows = []

        await self._run(release_now)

    def _unhanded(self) -> list[tuple[str, str]]:
        """Every spare slot this process holds that no call was handed: (bucket, slot)."""
        return [(key[0], row) for key, spares in self._spares.items() for row in spares.rows]

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

    # --- logs -----------------------------------------------------------------------------------

    def hold_log(self, ns: str, key: str, *, since: LogMark | None, ttl: float,
                 lock_ttl: float) -> AbstractAsyncContextManager[Held]:
        return hold(self, ns, key, since=since, ttl=ttl, lock_ttl=lock_ttl)

    def _read_log(self, now: float, ns: str, key: str, since: LogMark | None) -> LogRead:
        row = self._db.execute("SELECT head, epoch, length FROM logs WHERE ns = ? AND key = ? AND expires > ?",
                               (ns, key, now)).fetchone()
        if row is None:
            return LogRead(None)
        head, epoch, length = bytes(row[0]), str(row[1]), int(row[2])
        start = since.length if since is not None and since.epoch == epoch and since.length <= length else 0
        entries = [bytes(r[0]) for r in self._db.execute(
            "SELECT value FROM log_entries WHERE ns = ? AND key = ? AND n >= ? ORDER BY n", (ns, key, start))]
        return LogRead(head, epoch, start, entries)

    async def read_log(self, ns: str, key: str, *, since: LogMark | None) -> LogRead:
        def read() -> LogRead:
            db = self._db
            db.execute("BEGIN")  # one snapshot: the head and the entries of the same write
            try:
                return self._read_log(self._clock(), self._ns + ns, key, since)
            finally:
                db.execute("COMMIT")

        return await self._run(read)

    async def lock_and_read_log(self, ns: str, key: str, token: str, since: LogMark | None,
                                lock_ttl: float) -> LogRead | None:
        def lock_and_read(now: float) -> LogRead | None:
            cur = self._db.execute(
                "INSERT INTO locks (name, token, expires) VALUES (?, ?, ?) "
                "ON CONFLICT (name) DO UPDATE SET token = excluded.token, expires = excluded.expires "
                "WHERE locks.expires <= ?",
                (f"{self._ns}log:{ns}:{key}", token, now + lock_ttl, now),
            )
            return self._read_log(now, self._ns + ns, key, since) if cur.rowcount == 1 else None

        return await self._run(self._write, lock_and_read)

    async def extend_log_lock(self, ns: str, key: str, token: str, lock_ttl: float) -> None:
        def extend(now: float) -> None:
            self._db.execute("UPDATE locks SET expires = ? WHERE name = ? AND token = ?",
                             (now + lock_ttl, f"{self._ns}log:{ns}:{key}", token))

        await self._run(self._write, extend)

    async def write_and_unlock_log(self, ns: str, key: str, token: str, change: Change | None, ttl: float) -> bool:
        name, full = f"{self._ns}log:{ns}:{key}", self._ns + ns

        def write(now: float) -> bool:
            db = self._db
            held = db.execute("DELETE FROM locks WHERE name = ? AND token = ? RETURNING expires",
                              (name, token)).fetchone()
            if held is None or held[0] <= now:  # lapsed (and maybe taken by another since): write nothing
                return False
            if change is None:
                return True
            first = 0
            if change.mode == "append":
                row = db.execute("SELECT epoch, length FROM logs WHERE ns = ? AND key = ? AND expires > ?",
                                 (full, key, now)).fetchone()
                if row is None or row[0] != change.epoch:  # expired while held: nothing to append to
                    return False
                first = int(row[1])
            else:
                db.execute("DELETE FROM log_entries WHERE ns = ? AND key = ?", (full, key))
            if change.mode == "drop":
                db.execute("DELETE FROM logs WHERE ns = ? AND key = ?", (full, key))
                return True
            db.executemany("INSERT INTO log_entries (ns, key, n, value) VALUES (?, ?, ?, ?)",
                           ((full, key, first + i, e) for i, e in enumerate(change.entries)))
            db.execute("INSERT OR REPLACE INTO logs (ns, key, head, epoch, length, expires) VALUES (?, ?, ?, ?, ?, ?)",
                       (full, key, change.head, change.epoch, first + len(change.entries), now + ttl))
            return True

        return await self._run(self._write, write)

    async def shared_secret(self, name: str) -> bytes:
        return await self._secrets.get(self, name)

    async def ping(self) -> None:
        await self._run(lambda: self._db.execute("SELECT 1").fetchone())

    async def aclose(self) -> None:
        with self._mutex:
            back = self._unhanded()
            if back or self._done:  # spares never count as requests; what finished is stamped

                def give_back(now: float) -> None:
                    _settle(self._db, self._done, back)

                try:
                    self._db.execute("PRAGMA busy_timeout = 1000")  # wait a second at most for another writer
                    self._write(give_back)
                except sqlite3.Error:
                    pass  # they end by their hold, as a crashed process's would
            self._db.close()
