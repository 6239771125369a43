"""The upstream client, unit level: headers, error parsing, retries, the request budget.

Every test drives ``LiveChatClient`` through an ``httpx.MockTransport`` and a recording
``sleep`` so retry delays are observed without waiting for them.
"""

from __future__ import annotations

import base64
import json
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import httpx
import pytest

from server.api.auth import bearer, credential_from_env, pat, region_from
from server.api.client import LiveChatClient, RetryPolicy
from server.api.errors import LiveChatError
from server.api.ratelimit import Budget
from server.errors import ConfigError
from server.store.memory import MemoryStore

pytestmark = pytest.mark.anyio

URL = "http://upstream.test"


class Recorder:
    """A MockTransport handler answering from a script of responses, recording requests."""

    def __init__(self, *responses: Any) -> None:
        self.script = list(responses)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        item = self.script.pop(0) if len(self.script) > 1 else self.script[0]
        if isinstance(item, Exception):
            raise item
        if callable(item):
            return item(request)
        return item


def make_client(handler: Recorder, credential: Any = None, **kw: Any) -> tuple[LiveChatClient, list[float]]:
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    client = LiveChatClient(
        credential or bearer("dal:unit-test-token-123"),
        base_url=URL,
        transport=httpx.MockTransport(handler),
        budget=Budget(MemoryStore(), "test", 10**6, 1.0),
        sleep=sleep,
        **kw,
    )
    return client, slept


def err(type_: str, message: str = "boom", status: int = 400, data: Any = None, headers: Any = None) -> httpx.Response:
    body: dict[str, Any] = {"error": {"type": type_, "message": message}}
    if data is not None:
        body["error"]["data"] = data
    return httpx.Response(status, json=body, headers=headers)


# --- auth headers and region --------------------------------------------------------------------


async def test_bearer_token_is_sent_as_bearer_with_region_from_prefix() -> None:
    rec = Recorder(httpx.Response(200, json=[]))
    cred = bearer("fra:abc-token-xyz")
    client, _ = make_client(rec, cred, region=region_from(cred, None))
    await client.call("list_agents", {}, write=False, idempotent=True)
    req = rec.requests[0]
    assert req.headers["Authorization"] == "Bearer fra:abc-token-xyz"
    assert req.headers["X-Region"] == "fra"
    assert req.url == f"{URL}/v3.6/configuration/action/list_agents"
    assert req.method == "POST"
    assert json.loads(req.content) == {}
    await client.aclose()


async def test_pat_is_sent_as_basic_account_id_colon_pat() -> None:
    rec = Recorder(httpx.Response(200, json=[]))
    cred = pat("acc-123", "pat-secret-456")
    client, _ = make_client(rec, cred, region=region_from(cred, None))
    await client.call("list_agents", {}, write=False, idempotent=True)
    req = rec.requests[0]
    expected = base64.b64encode(b"acc-123:pat-secret-456").decode()
    assert req.headers["Authorization"] == f"Basic {expected}"
    assert "X-Region" not in req.headers  # a PAT names no region; dal is LiveChat's default
    await client.aclose()


async def test_livechat_region_override_wins_over_token_prefix() -> None:
    assert region_from(bearer("dal:x-token-123"), "FRA") == "fra"
    assert region_from(pat("a", "b"), "fra") == "fra"
    assert region_from(bearer("dal:x-token-123"), None) == "dal"
    assert region_from(bearer("no-prefix-token"), None) is None
    with pytest.raises(ConfigError, match="LIVECHAT_REGION"):
        region_from(bearer("dal:x"), "mars")
    rec = Recorder(httpx.Response(200, json=[]))
    cred = bearer("dal:x-token-123")
    client, _ = make_client(rec, cred, region=region_from(cred, "fra"))
    await client.call("list_agents", {}, write=False, idempotent=True)
    assert rec.requests[0].headers["X-Region"] == "fra"
    await client.aclose()


def test_planned_request_never_carries_the_credential() -> None:
    client, _ = make_client(Recorder(httpx.Response(200)), bearer("dal:plan-token-987654"))
    planned = json.dumps(client.plan("create_tag", {"name": "x"}).to_dict())
    assert "plan-token-987654" not in planned
    assert "redacted" in planned


# --- credential_from_env ------------------------------------------------------------------------


def test_credential_from_env_kinds_and_errors() -> None:
    assert credential_from_env({}) is None
    assert credential_from_env({"LIVECHAT_ACCESS_TOKEN": " dal:tok "}).authorization() == "Bearer dal:tok"
    p = credential_from_env({"LIVECHAT_ACCOUNT_ID": "acc", "LIVECHAT_PAT": "secret"})
    assert p is not None and p.kind == "pat"
    with pytest.raises(ConfigError, match="not both"):
        credential_from_env({"LIVECHAT_ACCESS_TOKEN": "t", "LIVECHAT_PAT": "p", "LIVECHAT_ACCOUNT_ID": "a"})
    with pytest.raises(ConfigError, match="LIVECHAT_ACCOUNT_ID is not set"):
        credential_from_env({"LIVECHAT_PAT": "p"})
    with pytest.raises(ConfigError, match="LIVECHAT_PAT is not set"):
        credential_from_env({"LIVECHAT_ACCOUNT_ID": "a"})


def test_credential_repr_hides_the_secret() -> None:
    for cred in (bearer("dal:very-secret-token"), pat("acc", "very-secret-token")):
        assert "very-secret-token" not in repr(cred)
        assert "very-secret-token" not in str(cred)


# --- error parsing --------------------------------------------------------------------------------

DOCUMENTED = [
    ("authentication", 401, "LIVECHAT_ACCESS_TOKEN"),
    ("authorization", 403, "scope"),
    ("validation", 400, "field"),
    ("not_found", 404, "list"),
    ("group_not_found", 400, "list_groups"),
    ("already_exists", 400, "update"),
    ("limit_reached", 400, "check_product_limits_for_plan"),
    ("license_expired", 402, "renew"),
    ("ownership_transfer", 400, "transfer"),
    ("unsupported_version", 400, "version"),
]


@pytest.mark.parametrize("status_kind", ["documented_status", "status_200"])
@pytest.mark.parametrize(("type_", "status", "hint_word"), DOCUMENTED)
async def test_each_documented_error_is_parsed_whatever_the_status(
    type_: str, status: int, hint_word: str, status_kind: str
) -> None:
    code = status if status_kind == "documented_status" else 200
    rec = Recorder(err(type_, f"message for {type_}", status=code))
    client, slept = make_client(rec)
    with pytest.raises(LiveChatError) as info:
        await client.call("update_tag", {"name": "x"}, write=True, idempotent=True)
    error = info.value
    assert error.type == type_
    assert error.message == f"message for {type_}"
    assert error.status == code
    out = error.to_dict()
    assert out["type"] == type_ and out["http_status"] == code
    assert hint_word.lower() in out["what_to_do"].lower()
    assert len(rec.requests) == 1 and slept == []  # a client error is final: not retried
    await client.aclose()


async def test_authorization_hint_names_the_missing_scope() -> None:
    rec = Recorder(err("authorization", "Missing scope: agents--all:rw", status=403))
    client, _ = make_client(rec)
    with pytest.raises(LiveChatError) as info:
        await client.call("create_agent", {"id": "a@b.c"}, write=True, idempotent=False)
    assert "agents--all:rw" in info.value.to_dict()["what_to_do"]
    # the scope may also come only in data
    rec = Recorder(err("authorization", "Requester lacks a scope", status=403, data={"required_scope": "tags--all:rw"}))
    client, _ = make_client(rec)
    with pytest.raises(LiveChatError) as info:
        await client.call("create_tag", {"name": "x"}, write=True, idempotent=False)
    assert "tags--all:rw" in info.value.to_dict()["what_to_do"]


async def test_misdirected_hint_names_the_region_when_retry_fails_too() -> None:
    rec = Recorder(err("misdirected_request", "Wrong region", status=421, data={"region": "fra"}))
    client, _ = make_client(rec, region="dal")
    with pytest.raises(LiveChatError) as info:
        await client.call("list_agents", {}, write=False, idempotent=True)
    error = info.value.to_dict()
    assert error["type"] == "misdirected_request"
    assert "fra" in error["what_to_do"] and "LIVECHAT_REGION" in error["what_to_do"]
    # retried exactly once, in the region LiveChat named
    assert [r.headers.get("X-Region") for r in rec.requests] == ["dal", "fra"]


async def test_internal_and_too_many_requests_have_hints_and_are_retried() -> None:
    rec = Recorder(err("internal", "oops", status=500))
    client, slept = make_client(rec, retry=RetryPolicy(max_attempts=3))
    with pytest.raises(LiveChatError) as info:
        await client.call("list_agents", {}, write=False, idempotent=True)
    assert info.value.type == "internal" and "retry" in info.value.hint.lower()
    assert len(rec.requests) == 3 and len(slept) == 2
    rec = Recorder(err("too_many_requests", "slow down", status=429))
    client, slept = make_client(rec, retry=RetryPolicy(max_attempts=2))
    with pytest.raises(LiveChatError) as info:
        await client.call("list_agents", {}, write=False, idempotent=True)
    assert info.value.type == "too_many_requests" and "wait" in info.value.hint.lower()
    assert len(rec.requests) == 2


async def test_unknown_error_type_and_non_json_body() -> None:
    rec = Recorder(err("brand_new_type", "what is this", status=400))
    client, _ = make_client(rec)
    with pytest.raises(LiveChatError) as info:
        await client.call("list_agents", {}, write=False, idempotent=True)
    assert info.value.type == "brand_new_type" and info.value.hint
    rec = Recorder(httpx.Response(502, text="<html>bad gateway</html>"))
    client, _ = make_client(rec, retry=RetryPolicy(max_attempts=2))
    with pytest.raises(LiveChatError) as info:
        await client.call("list_agents", {}, write=False, idempotent=True)
    assert info.value.status == 502 and info.value.type == "internal"


async def test_empty_200_is_an_empty_result() -> None:
    client, _ = make_client(Recorder(httpx.Response(200)))
    assert await client.call("update_tag", {"name": "x"}, write=True, idempotent=True) == {}


async def test_batch_per_item_errors_are_returned_as_is() -> None:
    body = {"responses": [{}, {"error": {"type": "not_found", "message": "Agent not found"}}, {"id": "x"}]}
    rec = Recorder(httpx.Response(200, json=body))
    client, slept = make_client(rec)
    result = await client.call("batch_update_agents", {"requests": [{}, {}, {}]}, write=True, idempotent=True)
    assert result == body
    assert len(rec.requests) == 1 and slept == []


# --- retries --------------------------------------------------------------------------------------


async def test_retry_after_seconds_is_honoured() -> None:
    rec = Recorder(err("too_many_requests", status=429, headers={"Retry-After": "7"}), httpx.Response(200, json=[]))
    client, slept = make_client(rec)
    assert await client.call("create_tag", {"name": "x"}, write=True, idempotent=False) == []
    assert slept == [7.0]  # 429 was refused, so even a create is retried
    assert len(rec.requests) == 2


async def test_retry_after_as_http_date_is_parsed() -> None:
    when = datetime.now(UTC) + timedelta(seconds=20)
    header = format_datetime(when, usegmt=True)
    rec = Recorder(err("too_many_requests", status=429, headers={"Retry-After": header}), httpx.Response(200, json=[]))
    client, slept = make_client(rec)
    assert await client.call("list_agents", {}, write=False, idempotent=True) == []
    assert len(slept) == 1 and 17.0 <= slept[0] <= 20.0


async def test_retry_after_is_capped_and_garbage_falls_back_to_backoff() -> None:
    rec = Recorder(err("too_many_requests", status=429, headers={"Retry-After": "99999"}), httpx.Response(200, json=[]))
    client, slept = make_client(rec, retry=RetryPolicy(max_retry_after=5.0))
    await client.call("list_agents", {}, write=False, idempotent=True)
    assert slept == [5.0]
    rec = Recorder(err("too_many_requests", status=429, headers={"Retry-After": "soon-ish"}), httpx.Response(200, json=[]))
    client, slept = make_client(rec, retry=RetryPolicy(base_delay=0.5))
    await client.call("list_agents", {}, write=False, idempotent=True)
    assert len(slept) == 1 and 0.25 <= slept[0] <= 0.5


async def test_retry_that_would_pass_the_deadline_fails_clearly() -> None:
    rec = Recorder(err("too_many_requests", status=429, headers={"Retry-After": "50"}), httpx.Response(200, json=[]))
    client, slept = make_client(rec, retry=RetryPolicy(deadline=10.0))
    with pytest.raises(LiveChatError) as info:
        await client.call("list_agents", {}, write=False, idempotent=True)
    assert info.value.type == "too_many_requests" and slept == []


async def test_timeout_on_a_read_is_retried_but_not_on_a_create() -> None:
    rec = Recorder(httpx.ReadTimeout("slow"), httpx.Response(200, json=[{"id": "a"}]))
    client, slept = make_client(rec)
    assert await client.call("list_agents", {}, write=False, idempotent=True) == [{"id": "a"}]
    assert len(rec.requests) == 2 and len(slept) == 1

    rec = Recorder(httpx.ReadTimeout("slow"), httpx.Response(200, json={"id": "a@b.c"}))
    client, slept = make_client(rec)
    with pytest.raises(LiveChatError) as info:
        await client.call("create_agent", {"id": "a@b.c"}, write=True, idempotent=False, verify_hint="Check with get_agent")
    assert info.value.type == "unknown_outcome"
    assert "get_agent" in info.value.to_dict()["what_to_do"]
    assert len(rec.requests) == 1 and slept == []


async def test_connection_refused_is_retried_even_for_a_create() -> None:
    rec = Recorder(httpx.ConnectError("refused"), httpx.Response(200, json={"id": "a@b.c"}))
    client, _ = make_client(rec)
    assert await client.call("create_agent", {"id": "a@b.c"}, write=True, idempotent=False) == {"id": "a@b.c"}
    assert len(rec.requests) == 2


async def test_wait_callback_is_told_about_retries() -> None:
    rec = Recorder(err("too_many_requests", status=429, headers={"Retry-After": "3"}), httpx.Response(200, json=[]))
    client, _ = make_client(rec)
    waits: list[tuple[float, str]] = []

    async def on_wait(seconds: float, message: str) -> None:
        waits.append((seconds, message))

    await client.call("list_agents", {}, write=False, idempotent=True, on_wait=on_wait)
    assert waits and waits[0][0] == 3.0 and "list_agents" in waits[0][1]


# --- the client-side budget -------------------------------------------------------------------------


async def test_token_bucket_waits_when_empty() -> None:
    bucket = Budget(MemoryStore(), "lic", 2, 0.2)  # at most 2 requests in any 0.2 s
    waits: list[float] = []

    async def on_wait(seconds: float, message: str) -> None:
        waits.append(seconds)

    stamps = []
    for _ in range(5):
        slot = await bucket.acquire(max_wait=5, on_wait=on_wait)
        stamps.append(time.monotonic())
        await bucket.release(slot)
    assert waits and all(0 < w <= 0.2 for w in waits)  # the first two were free, later ones waited
    assert stamps[1] - stamps[0] < 0.1
    # never more than `capacity` in one window: the i-th and (i+2)-th are a full period apart
    for i in range(len(stamps) - 2):
        assert stamps[i + 2] - stamps[i] >= 0.19


async def test_token_bucket_refuses_when_the_wait_exceeds_max_wait() -> None:
    bucket = Budget(MemoryStore(), "lic", 1, 60.0)
    await bucket.release(await bucket.acquire(max_wait=0))
    started = time.monotonic()
    with pytest.raises(LiveChatError) as info:
        await bucket.acquire(max_wait=1.0)
    assert time.monotonic() - started < 0.5  # refused at once, not after waiting
    assert info.value.type == "too_many_requests"
    assert "budget" in info.value.message


async def test_token_bucket_counts_a_slot_from_when_its_request_finished() -> None:
    now = [0.0]
    bucket = Budget(MemoryStore(clock=lambda: now[0]), "lic", 1, 10.0, clock=lambda: now[0])
    slot = await bucket.acquire(max_wait=0)
    now[0] = 5.0  # a slow request: it finishes 5 s after it started
    await bucket.release(slot)
    now[0] = 12.0  # 12 s after the start, but only 7 s after the server may have counted it
    with pytest.raises(LiveChatError, match="next slot is in 3 s"):
        await bucket.acquire(max_wait=1.0)


async def test_client_budget_exhaustion_fails_the_call_without_sending() -> None:
    rec = Recorder(httpx.Response(200, json=[]))
    client = LiveChatClient(
        bearer("dal:budget-token-1"), base_url=URL, transport=httpx.MockTransport(rec),
        budget=Budget(MemoryStore(), "lic", 1, 600.0), retry=RetryPolicy(deadline=1.0),
    )
    await client.call("list_agents", {}, write=False, idempotent=True)
    with pytest.raises(LiveChatError) as info:
        await client.call("list_agents", {}, write=False, idempotent=True)
    assert info.value.type == "too_many_requests"
    assert len(rec.requests) == 1


def test_hints_fit_the_error_not_just_its_type():
    from server.api.errors import hint_for

    assert "reset_bot_secret" in hint_for("authorization", None, "Invalid bot secret")
    assert "agents--all:rw" in hint_for("authorization", None, "Requires scope agents--all:rw")
    per_client = hint_for("limit_reached", None, "Client abc already has 3 webhooks for chat_deactivated")
    assert "per client" in per_client and "message says which" in per_client


async def test_a_cookie_the_api_sets_is_never_sent_back() -> None:
    """The Configuration API is stateless: a Set-Cookie (a load balancer's, say) is not kept, so
    no later request carries it (and no response pays for httpx's cookie handling)."""
    rec = Recorder(httpx.Response(200, json={"id": 0}, headers={"Set-Cookie": "AWSALB=sticky; Path=/"}))
    client, _ = make_client(rec)
    try:
        for _ in range(2):
            assert await client.call("get_group", {"id": 0}, write=False, idempotent=True) == {"id": 0}
    finally:
        await client.aclose()
    assert [r.headers.get("cookie") for r in rec.requests] == [None, None]
