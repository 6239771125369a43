"""Every Store method on every backend: memory, SQLite (a real file, two connections standing for
two processes) and Redis (a real redis-server started for the test)."""

from __future__ import annotations

import base64
import os
import sqlite3
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import anyio
import pytest

from redis_server import RedisServer, redis_server
from server.errors import ConfigError
from server.store import LockBusy, Store, StoreUnavailable, open_store
from server.store.crypto import SealError
from server.store.memory import MemoryStore

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    with redis_server(tmp_path_factory.mktemp("redis")) as server:
        yield server


def _env(tmp: Path, **extra: str) -> dict[str, str]:
    key = base64.b64encode(b"k" * 32).decode()
    return {"XDG_STATE_HOME": str(tmp), "LIVECHAT_MCP_STORE_KEY": key, **extra}


@pytest.fixture(params=["memory", "sqlite", "redis"])
async def stores(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Callable[..., Store]]:
    """A factory of stores on one backend: each call is another connection (another process,
    as far as the backend can tell); memory has only the one."""
    opened: list[Store] = []
    namespace = f"t{os.urandom(4).hex()}"  # one Redis serves every test: keep them apart
    if request.param == "memory":
        one = MemoryStore()

        def make(**env: str) -> Store:
            return one
    else:
        url = f"sqlite://{tmp_path / 'state.db'}" if request.param == "sqlite" else request.getfixturevalue("redis").url

        def make(**env: str) -> Store:
            store = open_store(url, _env(tmp_path, LIVECHAT_MCP_STORE_NAMESPACE=namespace, **env))
            opened.append(store)
            return store

    yield make
    for store in opened:
        await store.aclose()


async def test_values_live_until_their_ttl(stores: Callable[..., Store]) -> None:
    a, b = stores(), stores()
    await a.put("plans", "p1", b"one", ttl=0.3)
    await a.put("plans", "p2", b"two")
    assert await b.get("plans", "p1") == b"one"
    assert await b.keys("plans") == ["p1", "p2"]
    await anyio.sleep(0.4)
    assert await b.get("plans", "p1") is None
    assert await b.keys("plans") == ["p2"]
    await b.put("plans", "p2", b"2b")
    assert await a.get("plans", "p2") == b"2b"
    await a.delete("plans", "p2")
    assert await b.get("plans", "p2") is None and await b.keys("plans") == []


async def test_keys_filter_by_prefix_and_namespaces_stay_apart(stores: Callable[..., Store]) -> None:
    s = stores()
    for key in ("sess1:a", "sess1:b", "sess2:a", "100%_x"):
        await s.put("plans", key, b"x")
    await s.put("other", "sess1:z", b"x")
    assert await s.keys("plans", "sess1:") == ["sess1:a", "sess1:b"]
    assert await s.keys("plans", "100%") == ["100%_x"]  # no wildcard meaning
    assert await s.keys("other") == ["sess1:z"]


async def test_put_if_absent_lets_exactly_one_writer_win(stores: Callable[..., Store]) -> None:
    writers = [stores() for _ in range(4)]
    wins: list[int] = []

    async def race(i: int) -> None:
        if await writers[i % 4].put_if_absent("oauth.codes", "c", str(i).encode(), ttl=30):
            wins.append(i)

    async with anyio.create_task_group() as tg:
        for i in range(20):
            tg.start_soon(race, i)
    assert len(wins) == 1
    assert await writers[0].get("oauth.codes", "c") == str(wins[0]).encode()


async def test_put_if_absent_replaces_an_expired_value(stores: Callable[..., Store]) -> None:
    s = stores()
    assert await s.put_if_absent("n", "k", b"old", ttl=0.2)
    assert not await s.put_if_absent("n", "k", b"new")
    await anyio.sleep(0.3)
    assert await s.put_if_absent("n", "k", b"new", ttl=10)
    assert await s.get("n", "k") == b"new"


async def test_take_gives_a_value_to_one_taker_only(stores: Callable[..., Store]) -> None:
    takers = [stores() for _ in range(3)]
    await takers[0].put("oauth.codes", "code", b"grant", ttl=60)
    got: list[bytes | None] = []

    async def take(i: int) -> None:
        got.append(await takers[i % 3].take("oauth.codes", "code"))

    async with anyio.create_task_group() as tg:
        for i in range(12):
            tg.start_soon(take, i)
    assert [g for g in got if g is not None] == [b"grant"]
    assert await takers[0].keys("oauth.codes") == []


async def test_an_expired_value_cannot_be_taken(stores: Callable[..., Store]) -> None:
    s = stores()
    await s.put("oauth.codes", "c", b"x", ttl=0.2)
    await anyio.sleep(0.3)
    assert await s.take("oauth.codes", "c") is None


async def test_the_budget_is_one_window_for_every_process(stores: Callable[..., Store]) -> None:
    procs = [stores() for _ in range(3)]
    granted = []
    for i in range(10):
        wait = await procs[i % 3].reserve("lic", capacity=4, period=0.5, slot=f"s{i}", hold=30)
        if wait == 0:
            granted.append(i)
        else:
            assert 0 < wait <= 30.5  # in flight: counted as finishing `hold` from now
    assert granted == [0, 1, 2, 3]
    for i in granted:  # the requests finished: they count from now for one period
        await procs[0].release("lic", f"s{i}")
    wait = await procs[1].reserve("lic", capacity=4, period=0.5, slot="late", hold=30)
    assert 0.3 < wait <= 0.5
    await anyio.sleep(wait + 0.05)
    assert await procs[2].reserve("lic", capacity=4, period=0.5, slot="late", hold=30) == 0
    # other licenses have budgets of their own
    assert await procs[0].reserve("other", capacity=1, period=60, slot="x", hold=1) == 0


async def test_a_slot_never_released_frees_after_hold_and_period(stores: Callable[..., Store]) -> None:
    s = stores()
    assert await s.reserve("crash", capacity=1, period=0.2, slot="a", hold=0.2) == 0
    assert await s.reserve("crash", capacity=1, period=0.2, slot="b", hold=0.2) > 0.2
    await anyio.sleep(0.45)
    assert await s.reserve("crash", capacity=1, period=0.2, slot="b", hold=0.2) == 0


async def test_concurrent_reservations_never_exceed_capacity(stores: Callable[..., Store]) -> None:
    procs = [stores() for _ in range(3)]
    granted: list[int] = []

    async def go(i: int) -> None:
        if await procs[i % 3].reserve("race", capacity=7, period=60, slot=f"s{i}", hold=60) == 0:
            granted.append(i)

    async with anyio.create_task_group() as tg:
        for i in range(40):
            tg.start_soon(go, i)
    assert len(granted) == 7


async def test_a_block_stops_every_process(stores: Callable[..., Store]) -> None:
    a, b = stores(), stores()
    await a.block("lic", 0.4)
    await a.block("lic", 0.1)  # a shorter block does not shorten the longer one
    wait = await b.reserve("lic", capacity=100, period=1, slot="x", hold=1)
    assert 0.2 < wait <= 0.4
    await anyio.sleep(wait + 0.05)
    assert await b.reserve("lic", capacity=100, period=1, slot="x", hold=1) == 0


async def test_a_lock_is_exclusive_across_processes_and_expires(stores: Callable[..., Store]) -> None:
    a, b = stores(), stores()
    async with a.lock("apply:abc", ttl=30):
        with pytest.raises(LockBusy):
            async with b.lock("apply:abc", ttl=30):
                pass
        async with b.lock("apply:other", ttl=30):
            pass
    async with b.lock("apply:abc", ttl=30):
        pass
    # a crashed holder: the lock expires after its ttl
    holder = a.lock("stale", ttl=0.2)
    await holder.__aenter__()
    await anyio.sleep(0.3)
    async with b.lock("stale", ttl=30):
        await holder.__aexit__(None, None, None)  # the stale holder's release leaves the new one alone
        with pytest.raises(LockBusy):
            async with a.lock("stale", ttl=30):
                pass


async def test_shared_secrets_are_one_per_deployment(stores: Callable[..., Store]) -> None:
    a, b = stores(), stores()
    key = await a.shared_secret("plan-mac")
    assert len(key) == 32
    assert await b.shared_secret("plan-mac") == key
    assert await b.shared_secret("mrtr") != key
    await a.ping()


@pytest.mark.parametrize("backend", ["sqlite", "redis"])
async def test_a_shared_secret_is_sealed_at_rest(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    url = f"sqlite://{tmp_path / 's.db'}" if backend == "sqlite" else request.getfixturevalue("redis").url
    ns = f"t{os.urandom(4).hex()}"
    a = open_store(url, _env(tmp_path, LIVECHAT_MCP_STORE_NAMESPACE=ns))
    other_key = base64.b64encode(b"o" * 32).decode()
    b = open_store(url, _env(tmp_path, LIVECHAT_MCP_STORE_NAMESPACE=ns, LIVECHAT_MCP_STORE_KEY=other_key))
    try:
        key = await a.shared_secret("plan-mac")
        blob = await a.get("secrets", "plan-mac")
        assert blob is not None and key not in blob  # sealed, not the key itself
        with pytest.raises(SealError, match="same LIVECHAT_MCP_STORE_KEY"):
            await b.shared_secret("plan-mac")
    finally:
        await a.aclose()
        await b.aclose()


async def test_sqlite_sweeps_expired_rows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from server.store import sqlite as backend

    monkeypatch.setattr(backend, "SWEEP_EVERY", 0.0)
    path = tmp_path / "s.db"
    s = open_store(f"sqlite://{path}", _env(tmp_path))
    try:
        for i in range(50):
            await s.put("oauth.codes", f"c{i}", b"x", ttl=0.1)
            await s.reserve("lic", capacity=1000, period=0.1, slot=f"s{i}", hold=0.05)
        await s.block("lic", 0.05)
        async with s.lock("l", ttl=0.05):
            pass
        async with s.hold_log("plans.working", "p", since=None, ttl=0.1, lock_ttl=10) as held:
            held.append(b"h", [b"a", b"b"])
        await anyio.sleep(0.3)
        await s.put("plans", "keep", b"x")  # any write sweeps
        tables = ("kv", "slots", "blocks", "locks", "logs", "log_entries")
        with sqlite3.connect(path) as db:
            counts = [db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables]
        assert counts == [1, 0, 0, 0, 0, 0]
        assert oct(path.stat().st_mode & 0o777) == "0o600"
    finally:
        await s.aclose()


async def test_redis_outage_is_unavailable_then_recovers(tmp_path: Path) -> None:
    with redis_server(tmp_path) as server:
        s = open_store(server.url, _env(tmp_path))
        try:
            await s.put("plans", "p", b"x")
            server.stop()
            with pytest.raises(StoreUnavailable):
                await s.ping()
            with pytest.raises(StoreUnavailable):
                await s.reserve("lic", capacity=10, period=1, slot="a", hold=1)
            server.start()  # same port, empty (no persistence): the client reconnects by itself
            await s.ping()
            assert await s.reserve("lic", capacity=10, period=1, slot="a", hold=1) == 0
        finally:
            await s.aclose()


def test_store_urls_never_show_a_password(tmp_path: Path) -> None:
    s = open_store("redis://:hunter2hunter2@127.0.0.1:6390/3", _env(tmp_path))
    assert s.url == "redis://127.0.0.1:6390/3"
    s = open_store("rediss://user:hunter2hunter2@cache.example:6380/0", _env(tmp_path))
    assert s.url == "rediss://cache.example:6380/0"
    with pytest.raises(ConfigError) as info:
        open_store("postgres://u:hunter2hunter2@db/x", _env(tmp_path))
    assert "hunter2" not in str(info.value) and "unknown kind of store" in str(info.value)
    with pytest.raises(ConfigError, match="NAMESPACE"):
        open_store("memory://", _env(tmp_path, LIVECHAT_MCP_STORE_NAMESPACE="a b"))


def test_the_default_store_is_a_file_in_the_state_directory(tmp_path: Path) -> None:
    s = open_store(None, _env(tmp_path))
    assert s.url == f"sqlite://{tmp_path / 'livechat-mcp' / 'state.db'}"
    assert (tmp_path / "livechat-mcp" / "state.db").exists()
    anyio.run(s.aclose)


async def test_the_window_is_the_callers_period(stores: Callable[..., Store]) -> None:
    """Slots reserved under a long period do not hold back a caller whose window is short."""
    s = stores()
    for i in range(3):
        assert await s.reserve("mixed", capacity=100, period=600, slot=f"long{i}", hold=0.01) == 0
        await s.release("mixed", f"long{i}")
    await anyio.sleep(0.25)
    assert await s.reserve("mixed", capacity=2, period=0.2, slot="short", hold=1) == 0


async def test_a_lock_with_a_heartbeat_is_kept_while_its_holder_runs(
    stores: Callable[..., Store]
) -> None:
    """An apply renews its plan's lock (server/plans/store.py): held past many ttls while it runs.
    (A holder that stops renewing loses it after one ttl: the stale lock above; a replica killed
    in an apply: tests/test_store_processes.py.)"""
    a, b = stores(), stores()
    async with a.lock("apply:long", ttl=0.3, heartbeat=True):
        await anyio.sleep(1.0)  # more than three ttls
        with pytest.raises(LockBusy):
            async with b.lock("apply:long", ttl=0.3):
                pass
    async with b.lock("apply:long", ttl=30):  # released at the end
        pass


async def test_a_log_is_read_from_where_a_reader_left_it(stores: Callable[..., Store]) -> None:
    """Logs (a working plan's steps): a holder writes only what it adds, and a reader that kept
    what it read gets only what others added since; a rewrite makes every reader start over."""
    a, b = stores(), stores()
    assert (await b.read_log("plans.working", "p", since=None)).head is None
    async with a.hold_log("plans.working", "p", since=None, ttl=60, lock_ttl=10) as held:
        assert held.read.head is None
        held.append(b"head1", [b"one", b"two"])
    first = held.mark
    assert first.length == 2
    whole = await b.read_log("plans.working", "p", since=None)
    assert (whole.head, whole.start, whole.entries) == (b"head1", 0, [b"one", b"two"]) and whole.mark == first

    async with b.hold_log("plans.working", "p", since=whole.mark, ttl=60, lock_ttl=10) as held:
        assert (held.read.head, held.read.start, held.read.entries) == (b"head1", 2, [])
        held.append(b"head2", [b"three"])
    later = await a.read_log("plans.working", "p", since=first)
    assert (later.head, later.start, later.entries) == (b"head2", 2, [b"three"]) and later.mark.length == 3

    async with a.hold_log("plans.working", "p", since=later.mark, ttl=60, lock_ttl=10) as held:
        held.replace(b"head3", [b"new"])  # a rewrite: a new epoch
    again = await b.read_log("plans.working", "p", since=later.mark)
    assert (again.head, again.start, again.entries) == (b"head3", 0, [b"new"])
    assert again.mark.epoch != later.mark.epoch

    async with b.hold_log("plans.working", "p", since=again.mark, ttl=60, lock_ttl=10) as held:
        held.drop()
    assert (await a.read_log("plans.working", "p", since=again.mark)).head is None
    assert (await a.read_log("plans.working", "other", since=None)).head is None


async def test_a_held_log_is_exclusive_and_an_error_in_its_holder_writes_nothing(
    stores: Callable[..., Store]
) -> None:
    a, b = stores(), stores()
    async with a.hold_log("plans.working", "p", since=None, ttl=60, lock_ttl=10) as held:
        held.append(b"h", [b"kept"])
        with pytest.raises(LockBusy):
            async with b.hold_log("plans.working", "p", since=None, ttl=60, lock_ttl=10):
                pass
    with pytest.raises(RuntimeError):
        async with b.hold_log("plans.working", "p", since=None, ttl=60, lock_ttl=10) as held:
            held.append(b"h2", [b"lost"])
            raise RuntimeError("the body failed")
    read = await a.read_log("plans.working", "p", since=None)
    assert (read.head, read.entries) == (b"h", [b"kept"])  # and the lock was released:
    async with a.hold_log("plans.working", "p", since=None, ttl=60, lock_ttl=10):
        pass


async def test_a_log_whose_lock_lapsed_is_not_written_by_its_old_holder(stores: Callable[..., Store]) -> None:
    """A holder stalled past its lock's lifetime (no renewal got through) must not overwrite what
    the next holder wrote: its write fails, saying so, and writes nothing."""
    a, b = stores(), stores()
    with pytest.raises(StoreUnavailable, match="nothing was written"):
        async with a.hold_log("plans.working", "p", since=None, ttl=60, lock_ttl=0.2) as stalled:
            time.sleep(0.35)  # blocks the event loop: the lock's renewal cannot run
            async with b.hold_log("plans.working", "p", since=None, ttl=60, lock_ttl=10) as held:
                held.append(b"next", [b"next's"])
            stalled.append(b"stale", [b"stale's"])
    read = await a.read_log("plans.working", "p", since=None)
    assert (read.head, read.entries) == (b"next", [b"next's"])


async def test_a_log_lives_until_its_ttl_after_its_last_write(stores: Callable[..., Store]) -> None:
    a, b = stores(), stores()
    async with a.hold_log("plans.working", "p", since=None, ttl=0.3, lock_ttl=10) as held:
        held.append(b"h", [b"x"])
    await anyio.sleep(0.2)
    async with b.hold_log("plans.working", "p", since=held.mark, ttl=0.3, lock_ttl=10) as renewed:
        renewed.append(b"h", [b"y"])  # a write renews its lifetime
    await anyio.sleep(0.2)
    assert (await a.read_log("plans.working", "p", since=None)).entries == [b"x", b"y"]
    await anyio.sleep(0.25)
    assert (await a.read_log("plans.working", "p", since=None)).head is None


async def test_a_plans_journal_appends_each_step_done_and_any_process_reads_it_whole(
    stores: Callable[..., Store]
) -> None:
    """The apply journal (server/plans/store.py) is a log: a step recorded is one entry appended,
    read back whole by another process; a dict not read from the journal replaces it."""
    from server.plans.store import JOURNAL, PlanStore

    mac = "hmac-sha256:" + "ab" * 32
    one, other = PlanStore(stores()), PlanStore(stores())
    journal = await one.done(mac)
    assert journal == {}
    journal[1] = {"id": "g1"}
    await one.record(mac, journal)
    journal[2] = {"id": "a2"}
    journal[3] = {"id": "a3"}
    await one.record(mac, journal)
    assert await other.done(mac) == {1: {"id": "g1"}, 2: {"id": "a2"}, 3: {"id": "a3"}}
    log = await one.store.read_log(JOURNAL, mac.removeprefix("hmac-sha256:"), since=None)
    assert len(log.entries) == 3  # one entry per step: nothing rewritten

    later = await other.done(mac)  # another process carries on from what it read
    del later[2]
    later[4] = {"id": "a4"}
    await other.record(mac, later)
    journal[5] = {"id": "a5"}  # a journal read before that: the log moved on, so it is written whole
    await one.record(mac, journal)
    assert await other.done(mac) == {1: {"id": "g1"}, 2: {"id": "a2"}, 3: {"id": "a3"}, 5: {"id": "a5"}}
    await one.record(mac, {7: "plain"})  # a plain dict: the journal is now exactly that
    assert await other.done(mac) == {7: "plain"} and await other.done_count(mac) == 1
    assert await one.done("hmac-sha256:" + "cd" * 32) == {}
    # A journal an earlier version wrote whole (a value, not a log) is still read, then moves to a log.
    old = "hmac-sha256:" + "ef" * 32
    await one.store.put(JOURNAL, old.removeprefix("hmac-sha256:"), b'{"1": {"id": "g1"}, "2": {"id": "a2"}}', ttl=60)
    kept = await other.done(old)
    assert kept == {1: {"id": "g1"}, 2: {"id": "a2"}}
    kept[3] = {"id": "a3"}
    await other.record(old, kept)
    assert await one.done(old) == {1: {"id": "g1"}, 2: {"id": "a2"}, 3: {"id": "a3"}}


async def test_a_reservation_carries_the_releases_of_requests_that_finished(stores: Callable[..., Store]) -> None:
    """A read costs one store operation: the next reservation releases the slots of requests that
    finished meanwhile, each stamped with when it finished (seconds ago), atomically."""
    s = stores()
    assert await s.reserve("carry", capacity=1, period=0.2, slot="a", hold=30) == 0
    assert await s.reserve("carry", capacity=1, period=0.2, slot="b", hold=30) > 1  # a is held until released
    # a finished 0.3 s ago: its window (0.2 s) is over, so b gets the slot in the same operation
    assert await s.reserve("carry", capacity=1, period=0.2, slot="b", hold=30, finished=[("a", 0.3)]) == 0
    # b finished just now: it counts for a whole period from now
    assert await s.reserve("carry", capacity=1, period=0.2, slot="c", hold=30, finished=[("b", 0.0)]) > 0.1
    await s.release("carry", "b", ago=0.25)  # told alone, with when it finished
    assert await s.reserve("carry", capacity=1, period=0.2, slot="c", hold=30) == 0


def _instructions(db: sqlite3.Connection) -> Callable[[], int]:
    """SQLite VM instructions run on ``db`` from now on (counted, not timed)."""
    ran = [0]

    def tick() -> int:
        ran[0] += 1
        return 0

    db.set_progress_handler(tick, 1)
    return lambda: ran[0]


async def test_sqlite_a_reservation_far_from_the_capacity_does_not_count_the_window(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A read costs one reservation; counting a busy window (a thousand slots: a license's
    # 10 minutes) on every one was most of what the store added to a call. Each reservation here
    # writes (no spare slots: those are tried below), so each is counted alike.
    from server.store import sqlite as backend

    monkeypatch.setattr(backend, "SPARES", 1)
    s = open_store(f"sqlite://{tmp_path / 's.db'}", _env(tmp_path))
    try:
        db = s._db  # type: ignore[attr-defined]
        costs = []
        for held in (10, 2000):
            for i in range(held - (10 if held == 2000 else 0)):
                assert await s.reserve("busy", capacity=10**6, period=600, slot=f"{held}-{i}", hold=60) == 0
            count = _instructions(db)
            assert await s.reserve("busy", capacity=10**6, period=600, slot=f"probe{held}", hold=60) == 0
            costs.append(count())
        assert costs[1] < costs[0] * 1.5, costs  # flat, not 200 times the work
        # Near the capacity the window is counted, and the capacity holds.
        assert await s.reserve("busy", capacity=2003, period=600, slot="last", hold=60) == 0
        assert await s.reserve("busy", capacity=2003, period=600, slot="over", hold=60) > 0
    finally:
        await s.aclose()


async def test_sqlite_slots_reserved_before_the_count_existed_are_counted(tmp_path: Path) -> None:
    # A state file written by a version without the slot count (or by one racing it): its slots
    # still hold the budget.
    path = tmp_path / "s.db"
    s = open_store(f"sqlite://{path}", _env(tmp_path))
    for i in range(3):
        assert await s.reserve("lic", capacity=3, period=600, slot=f"s{i}", hold=60) == 0
    await s.aclose()
    with sqlite3.connect(path) as db:
        db.executescript("DROP TRIGGER slots_counted; DROP TRIGGER slots_uncounted; DROP TABLE slot_counts;")
    s = open_store(f"sqlite://{path}", _env(tmp_path))
    try:
        assert await s.reserve("lic", capacity=3, period=600, slot="fourth", hold=60) > 0
        assert await s.reserve("lic", capacity=4, period=600, slot="fourth", hold=60) == 0
        assert await s.reserve("lic", capacity=4, period=600, slot="fifth", hold=60) > 0
    finally:
        await s.aclose()


def _held(path: Path, bucket: str) -> tuple[int, int]:
    """(slots in the file for ``bucket``, of which held: not finished yet)."""
    with sqlite3.connect(path) as db:
        total, held = db.execute("SELECT count(*), coalesce(sum(finish > ?), 0) FROM slots WHERE bucket LIKE ?",
                                 (time.time(), f"%:{bucket}")).fetchone()
    return int(total), int(held)


async def test_sqlite_calls_that_follow_at_once_share_a_write_and_every_guarantee_holds(tmp_path: Path) -> None:
    """Back-to-back reservations take spare slots ahead: most reservations write nothing. The
    spares are held in the file like requests in flight (another process counts them, the capacity
    holds), a block set by another process stops the next call at once, and once the caller is idle
    (its release) or closed no spare is left: every slot in the window is a request that finished."""
    path = tmp_path / "s.db"
    one, other = (open_store(f"sqlite://{path}", _env(tmp_path)) for _ in range(2))
    writes = [0]
    write = one._write  # type: ignore[attr-defined]

    def counted(fn: Callable[..., object], *args: object) -> object:
        writes[0] += 1
        return write(fn, *args)

    one._write = counted  # type: ignore[attr-defined]
    try:
        previous: list[tuple[str, float]] = []
        for i in range(40):
            assert await one.reserve("lic", capacity=100, period=600, slot=f"a{i}", hold=60, finished=previous) == 0
            previous = [(f"a{i}", 0.0)]
        assert writes[0] <= 12, writes  # 40 reservations, a write for several of them
        total, held = _held(path, "lic")
        assert held > 1 and total > 40  # the last request and its spares are held, in the file
        # Another process sees them: it gets what is left of the window and no more.
        taken = 0
        while await other.reserve("lic", capacity=100, period=600, slot=f"b{taken}", hold=60) == 0:
            taken += 1
        assert total + taken == 100
        # Idle: what finished is stamped, the spares no call took are given back.
        await one.release("lic", "a39")
        assert _held(path, "lic") == (40 + taken, taken)
        # A block set by another process holds a caller with spares back at its very next call.
        for i in range(20):
            assert await one.reserve("free", capacity=1000, period=600, slot=f"f{i}", hold=60) == 0
        assert _held(path, "free")[1] > 20
        await other.block("free", 5)
        assert await one.reserve("free", capacity=1000, period=600, slot="blocked", hold=60) > 4
        assert _held(path, "free")[1] == 20  # its spares were given back
        for i in range(3):
            assert await one.reserve("closing", capacity=1000, period=600, slot=f"c{i}", hold=60) == 0
    finally:
        await one.aclose()
        await other.aclose()
    assert _held(path, "closing") == (3, 3)  # three in flight when it closed; no spare left behind
