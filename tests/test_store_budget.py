"""The request budget lives in the store: clients in different processes (here: separate store
connections, as separate processes have) share one license's budget, a 429 backs everyone off,
and a store outage refuses requests instead of sending them against an unknown budget."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from redis_server import RedisServer, redis_server
from server.api.auth import bearer, pat
from server.api.client import LiveChatClient, RetryPolicy
from server.api.errors import LiveChatError
from server.api.ratelimit import Budget, license_bucket, new_slot
from server.store import Store, open_store
from server.store.memory import MemoryStore

pytestmark = pytest.mark.anyio
URL = "http://upstream.test"


def _env(tmp: Path) -> dict[str, str]:
    return {"XDG_STATE_HOME": str(tmp), "LIVECHAT_MCP_STORE_KEY": base64.b64encode(b"k" * 32).decode()}


class Upstream:
    """A stand-in LiveChat that records what reached it and can answer 429."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        self.retry_after: str | None = None

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request.url.path.rsplit("/", 1)[-1])
        if self.retry_after is not None:
            headers, self.retry_after = {"Retry-After": self.retry_after}, None
            return httpx.Response(429, json={"error": {"type": "too_many_requests", "message": "slow down"}},
                                  headers=headers)
        return httpx.Response(200, json=[])


def client(store: Store, upstream: Upstream, *, capacity: int, period: float, deadline: float = 1.0,
           token: str = "dal:token-a") -> LiveChatClient:
    credential = bearer(token)
    budget = Budget(store, license_bucket(URL, credential, {"organization_id": "org-1"}), capacity, period)
    return LiveChatClient(credential, base_url=URL, transport=httpx.MockTransport(upstream), budget=budget,
                          retry=RetryPolicy(deadline=deadline, max_attempts=3))


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite://{tmp_path / 'state.db'}"


async def test_two_processes_share_one_license_budget(sqlite_url: str, tmp_path: Path) -> None:
    upstream = Upstream()
    s1, s2 = open_store(sqlite_url, _env(tmp_path)), open_store(sqlite_url, _env(tmp_path))
    # two credentials of one organization: LiveChat counts them as one license
    a = client(s1, upstream, capacity=5, period=600, token="dal:token-a")
    b = client(s2, upstream, capacity=5, period=600, token="dal:token-b")
    outcomes: list[str] = []
    for i in range(10):
        try:
            await (a if i % 2 else b).call("list_agents", {}, write=False, idempotent=True)
            outcomes.append("ok")
        except LiveChatError as err:
            outcomes.append(err.type)
    assert outcomes.count("ok") == 5 and len(upstream.requests) == 5
    assert set(outcomes[5:]) == {"too_many_requests"}
    for c in (a, b):
        await c.aclose()
    await s1.aclose()
    await s2.aclose()


async def test_a_429_seen_by_one_process_holds_back_the_other(sqlite_url: str, tmp_path: Path) -> None:
    upstream = Upstream()
    s1, s2 = open_store(sqlite_url, _env(tmp_path)), open_store(sqlite_url, _env(tmp_path))
    a = client(s1, upstream, capacity=100, period=600, deadline=10)
    b = client(s2, upstream, capacity=100, period=600, deadline=1.0)
    upstream.retry_after = "5"
    waits: list[float] = []

    async def on_wait(seconds: float, message: str) -> None:
        waits.append(seconds)
        # while a waits out LiveChat's Retry-After, b (another process) must not send
        with pytest.raises(LiveChatError) as info:
            await b.call("list_agents", {}, write=False, idempotent=True)
        assert info.value.type == "too_many_requests"
        raise RuntimeError("checked")

    with pytest.raises(RuntimeError, match="checked"):
        await a.call("list_agents", {}, write=False, idempotent=True, on_wait=on_wait)
    assert waits == [5.0]
    assert upstream.requests == ["list_agents"]  # only a's first attempt reached LiveChat
    for c in (a, b):
        await c.aclose()
    await s1.aclose()
    await s2.aclose()


def test_the_budget_is_keyed_by_license_not_by_credential() -> None:
    one = license_bucket(URL, bearer("dal:token-a"), {"organization_id": "org-1"})
    assert one == license_bucket(URL, bearer("dal:token-b"), {"organization_id": "org-1"})
    assert one != license_bucket(URL, bearer("dal:token-a"), {"organization_id": "org-2"})
    assert one != license_bucket("http://127.0.0.1:9/", bearer("dal:token-a"), {"organization_id": "org-1"})
    by_account = license_bucket(URL, pat("acc-1", "secret-1"), None)
    assert by_account == license_bucket(URL, pat("acc-1", "secret-2"), None)
    unknown = license_bucket(URL, bearer("dal:token-a"), None)
    assert "token-a" not in unknown  # a credential never appears in a key


async def test_a_pat_and_a_token_of_one_license_draw_on_one_budget() -> None:
    """A PAT's license is its account's organization once known: it shares the bucket of every
    OAuth token and every other agent's PAT on that license; an unknown organization falls back
    to the account (never to the credential, so a rotated PAT keeps its budget)."""
    org = {"organization_id": "org-1"}
    token = license_bucket(URL, bearer("dal:token-a"), org)
    assert license_bucket(URL, pat("acc-1", "secret-1"), org) == token
    assert license_bucket(URL, pat("acc-2", "secret-2"), org) == token
    assert license_bucket(URL, pat("acc-1", "secret-1"), {"organization_id": "org-2"}) != token
    assert license_bucket(URL, pat("acc-1", "secret-1"), None) != license_bucket(URL, pat("acc-2", "secret-1"), None)
    # Two clients with different credentials on one license: the second finds the budget spent.
    store, upstream = MemoryStore(), Upstream()
    clients = [
        LiveChatClient(credential, base_url=URL, transport=httpx.MockTransport(upstream),
                       budget=Budget(store, license_bucket(URL, credential, org), 1, 600),
                       retry=RetryPolicy(deadline=0.5, max_attempts=1))
        for credential in (bearer("dal:token-a"), pat("acc-2", "secret-2"))
    ]
    await clients[0].call("list_agents", {}, write=False, idempotent=True)
    with pytest.raises(LiveChatError) as info:
        await clients[1].call("list_agents", {}, write=False, idempotent=True)
    assert info.value.type == "too_many_requests" and "budget" in info.value.message
    assert upstream.requests == ["list_agents"]
    for c in clients:
        await c.aclose()


@pytest.fixture
def redis(tmp_path: Path) -> Iterator[RedisServer]:
    with redis_server(tmp_path) as server:
        yield server


async def test_a_store_outage_refuses_requests_and_service_recovers(redis: RedisServer, tmp_path: Path) -> None:
    upstream = Upstream()
    store = open_store(redis.url, _env(tmp_path))
    c = client(store, upstream, capacity=100, period=600)
    await c.call("list_agents", {}, write=False, idempotent=True)
    redis.stop()
    for action in ("list_agents", "create_agent"):
        with pytest.raises(LiveChatError) as info:
            await c.call(action, {"id": "a@example.com"} if action == "create_agent" else {},
                         write=action == "create_agent", idempotent=False)
        err: Any = info.value
        assert err.type == "store_unavailable" and "Nothing was sent" in err.message
        assert err.data == {"retryable": True} and "Retry" in err.hint
        assert redis.url.split("@")[-1].split("/")[2] in err.message  # names the store
    assert upstream.requests == ["list_agents"]  # nothing went out without budget
    redis.start()
    await c.call("list_agents", {}, write=False, idempotent=True)  # back by itself
    assert upstream.requests == ["list_agents", "list_agents"]
    await c.aclose()
    await store.aclose()


def test_slots_are_named_in_the_order_they_are_taken() -> None:
    # The SQLite store keeps slots sorted by name: a reservation and the release riding on it
    # (the previous request's slot) land on the same last page only if names grow with time.
    names = [new_slot() for _ in range(200)]
    assert names == sorted(names) and len(set(names)) == len(names)
