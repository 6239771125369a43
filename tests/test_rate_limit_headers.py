"""X-RateLimit-* headers: the sandbox emits them as documented, and the client backs off before the
limit, not after it.

Reference: the lifecycle guide ("Response headers X-RateLimit-Limit, X-RateLimit-Remaining, and
X-RateLimit-Reset are returned. On 429, Retry-After header indicates seconds to wait"; "instrumented
with X-RateLimit-Remaining checks"), the scopes overview ("an integration should read the
rate-limit response headers and retry after the period they indicate").
"""

from __future__ import annotations

import base64
import time
from typing import Any

import httpx
import pytest

from conftest import DEFAULT_TOKEN, tool_payload
from server.api.auth import bearer
from server.api.client import LiveChatClient, RetryPolicy
from server.api.errors import LiveChatError
from server.api.ratelimit import Budget, Quota
from server.sandbox import Sandbox, SandboxCredential
from server.sandbox.agents import account_id
from server.store.memory import MemoryStore

pytestmark = pytest.mark.anyio

PAT_SECRET = "owner-pat-secret"
PAT = "Basic " + base64.b64encode(f"{account_id(1)}:{PAT_SECRET}".encode()).decode()


def sandbox_http(sandbox: Sandbox) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=sandbox.app), base_url="http://sandbox")


def quota(resp: httpx.Response) -> tuple[str | None, str | None, str | None]:
    return (resp.headers.get("X-RateLimit-Limit"), resp.headers.get("X-RateLimit-Remaining"),
            resp.headers.get("X-RateLimit-Reset"))


# --- the sandbox emits them ----------------------------------------------------------------------


async def test_every_counted_answer_carries_the_quota_shared_by_a_pat_and_a_token_of_the_license():
    sandbox = Sandbox(rate_limit=4, rate_period=600)
    sandbox.credentials.append(SandboxCredential("owner-pat", PAT_SECRET, kind="pat", account_id=account_id(1)))
    url = "/v3.6/configuration/action/"
    async with sandbox_http(sandbox) as http:
        first = await http.post(url + "list_tags", json={}, headers={"Authorization": f"Bearer {DEFAULT_TOKEN}"})
        second = await http.post(url + "list_tags", json={}, headers={"Authorization": PAT})
        # An error answer counts too, and says so.
        third = await http.post(url + "get_agent", json={"id": "nobody@example.com"}, headers={"Authorization": PAT})
        fourth = await http.post(url + "list_tags", json={}, headers={"Authorization": f"Bearer {DEFAULT_TOKEN}"})
        refused = await http.post(url + "list_tags", json={}, headers={"Authorization": PAT})
        unauthenticated = await http.post(url + "list_tags", json={}, headers={"Authorization": "Bearer dal:nope"})
    assert [quota(r)[:2] for r in (first, second, third, fourth)] == [("4", "3"), ("4", "2"), ("4", "1"), ("4", "0")]
    assert third.status_code == 404
    assert all(0 < int(quota(r)[2] or 0) <= 600 for r in (first, second, third, fourth))
    assert refused.status_code == 429 and refused.json()["error"]["type"] == "too_many_requests"
    assert quota(refused)[:2] == ("4", "0") and refused.headers["Retry-After"] == quota(refused)[2]
    assert quota(unauthenticated) == (None, None, None)  # not counted against any license


@pytest.mark.conformance("credential", "list_webhook_names")
async def test_an_anonymous_call_draws_on_no_licenses_quota():
    """list_webhook_names "requires no authorization": called without a credential it belongs to no
    license, so the license's Remaining is untouched and the answer carries no quota of a license."""
    sandbox = Sandbox(rate_limit=3, rate_period=600)
    url = "/v3.6/configuration/action/"
    async with sandbox_http(sandbox) as http:
        anonymous = [await http.post(url + "list_webhook_names", json={}) for _ in range(4)]
        counted = await http.post(url + "list_webhook_names", json={}, headers={"Authorization": f"Bearer {DEFAULT_TOKEN}"})
    assert all(r.status_code == 200 and quota(r) == (None, None, None) for r in anonymous)
    assert quota(counted)[:2] == ("3", "2")


async def test_each_license_has_its_own_remaining():
    from test_sandbox_accounts import token_for

    sandbox = Sandbox(rate_limit=5, rate_period=600)
    async with sandbox_http(sandbox) as http:
        globex = (await token_for(http, "owner@globex.example"))["access_token"]
        url = "/v3.6/configuration/action/list_tags"
        acme = await http.post(url, json={}, headers={"Authorization": f"Bearer {DEFAULT_TOKEN}"})
        await http.post(url, json={}, headers={"Authorization": f"Bearer {DEFAULT_TOKEN}"})
        other = await http.post(url, json={}, headers={"Authorization": f"Bearer {globex}", "X-Region": "fra"})
    assert quota(acme)[1] == "4" and quota(other)[1] == "4"


# --- the client reads them -------------------------------------------------------------------------


def test_quota_reads_seconds_and_unix_times():
    assert Quota.from_headers({"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "30"}) == Quota(None, 0, 30.0)
    now = 1_800_000_000.0
    at = Quota.from_headers({"x-ratelimit-limit": "1000", "x-ratelimit-reset": str(now + 12)}, now=now)
    assert at == Quota(1000, None, 12.0)
    assert Quota.from_headers({"X-RateLimit-Remaining": "soon"}) is None
    assert Quota.from_headers({}) is None


def client_for(sandbox: Sandbox, budget: Budget | None = None, deadline: float = 1.0) -> LiveChatClient:
    return LiveChatClient(bearer(DEFAULT_TOKEN), base_url="http://sandbox",
                          transport=httpx.ASGITransport(app=sandbox.app), retry=RetryPolicy(deadline=deadline),
                          budget=budget or Budget(MemoryStore(), "acme", 10**6, 600.0))


async def test_the_client_stops_before_the_limit_instead_of_meeting_a_429():
    """The local budget allows a million requests; LiveChat's headers say three. The fourth call is
    not sent (its wait is beyond the deadline): the sandbox never answers 429."""
    sandbox = Sandbox(rate_limit=3, rate_period=600)
    client = client_for(sandbox)
    try:
        await client.call("list_tags", {}, write=False, idempotent=True)
        await client.call("list_agents", {}, write=False, idempotent=True)
        await client.call("create_tag", {"name": "last-one"}, write=True, idempotent=False)
        with pytest.raises(LiveChatError) as refused:
            await client.call("create_tag", {"name": "one-too-many"}, write=True, idempotent=False)
    finally:
        await client.aclose()
    assert refused.value.type == "too_many_requests" and "Nothing was sent" in refused.value.message
    assert [r["action"] for r in sandbox.requests] == ["list_tags", "list_agents", "create_tag"]
    assert not [r for r in sandbox.requests if r.get("error")]
    assert "one-too-many" not in sandbox.state.tags and "last-one" in sandbox.state.tags  # each write sent once


async def test_the_client_waits_for_the_reset_and_then_sends():
    sandbox = Sandbox(rate_limit=2, rate_period=1.0)
    client = client_for(sandbox, deadline=10.0)
    waits: list[float] = []

    async def on_wait(seconds: float, message: str) -> None:
        waits.append(seconds)

    try:
        started = time.monotonic()
        for _ in range(4):
            await client.call("list_tags", {}, write=False, idempotent=True, on_wait=on_wait)
        took = time.monotonic() - started
    finally:
        await client.aclose()
    assert [r.get("error") for r in sandbox.requests] == [None] * 4  # four answers, no 429 among them
    assert waits and took >= 0.9  # it waited for the window instead


async def test_one_clients_observation_holds_every_client_sharing_the_budget():
    sandbox = Sandbox(rate_limit=1, rate_period=600)
    store = MemoryStore()
    first, second = (client_for(sandbox, Budget(store, "acme", 10**6, 600.0)) for _ in range(2))
    try:
        await first.call("list_tags", {}, write=False, idempotent=True)
        with pytest.raises(LiveChatError, match="budget is spent"):
            await second.call("list_tags", {}, write=False, idempotent=True)
    finally:
        await first.aclose()
        await second.aclose()
    assert len(sandbox.requests) == 1


async def test_a_429_without_retry_after_waits_for_x_ratelimit_reset():
    answers = [httpx.Response(429, json={"error": {"type": "too_many_requests", "message": "slow"}},
                              headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "2"}),
               httpx.Response(200, json=[])]
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return answers.pop(0)

    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    client = LiveChatClient(bearer("dal:unit-token-1234"), base_url="http://upstream.test",
                            transport=httpx.MockTransport(handler), sleep=sleep,
                            budget=Budget(MemoryStore(), "u", 10**6, 600.0))
    try:
        assert await client.call("list_tags", {}, write=False, idempotent=True) == []
    finally:
        await client.aclose()
    assert slept == [2.0] and len(sent) == 2


async def test_through_the_mcp_server_the_last_allowed_call_is_answered_and_the_next_one_waits(loopback, make_server):
    httpx.post(f"{loopback.url}/_sandbox/config", json={"rate_limit": 2, "rate_period": 600})
    async with make_server(policy="full-access", env=loopback.env(), deadline=1.0) as s:
        answers: list[Any] = [await s.client.call_tool("list_tags", {}) for _ in range(3)]
    assert [a.is_error for a in answers] == [False, False, True]
    error = tool_payload(answers[2])["error"]
    assert error["type"] == "too_many_requests" and "Nothing was sent" in error["message"]
    assert [r["action"] for r in loopback.requests()] == ["list_tags", "list_tags"]
