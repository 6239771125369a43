"""The retry decision table: what the client does after each kind of failed attempt.

``decide`` is the one function that picks a ``RetryDecision``; these rows are the rules of
server/api/client.py's docstring, one per case a user would meet (a throttled create, a 5xx on a
delete, a dropped connection before or after the request went out).
"""

from __future__ import annotations

import httpx
import pytest

from server.api.auth import bearer
from server.api.client import Decision, Failure, LiveChatClient, RetryDecision, RetryPolicy, decide
from server.api.errors import LiveChatError
from server.api.ratelimit import Budget
from server.store.memory import MemoryStore

POLICY = RetryPolicy(max_attempts=5, base_delay=0.5, max_delay=30.0, deadline=120.0)
SEND_AGAIN, WAIT, GIVE_UP, UNKNOWN = (
    RetryDecision.SEND_AGAIN, RetryDecision.WAIT_THEN_RETRY, RetryDecision.GIVE_UP, RetryDecision.UNKNOWN_OUTCOME,
)


def throttled(retry_after: float | None, type_: str = "too_many_requests", status: int = 429) -> Failure:
    return Failure(LiveChatError(type_, "slow down", status=status), retry_after=retry_after)


def answered(type_: str, status: int, data: dict[str, str] | None = None) -> Failure:
    return Failure(LiveChatError(type_, "boom", data, status=status))


def timed_out() -> Failure:  # the request went out; no answer came back
    return Failure(LiveChatError("request_timeout", "ReadTimeout after the request was sent"))


def dropped() -> Failure:  # the connection broke after the request went out
    return Failure(LiveChatError("transport", "RemoteProtocolError after the request was sent"))


def refused() -> Failure:  # connection refused / connect timeout: nothing left this machine
    return Failure(LiveChatError("transport", "Could not connect"), sent=False)


# (failure, idempotent, expected decision, expected "may have applied")
TABLE = [
    # A 429 was refused, never run: every action waits and retries, Retry-After first.
    pytest.param(throttled(7.0), False, WAIT, False, id="429-retry-after-create"),
    pytest.param(throttled(7.0), True, WAIT, False, id="429-retry-after-read"),
    pytest.param(throttled(None), False, WAIT, False, id="429-no-retry-after-backoff"),
    pytest.param(throttled(3.0, type_="transport"), True, WAIT, False, id="429-status-without-livechat-body"),
    pytest.param(throttled(None, status=200), False, WAIT, False, id="too_many_requests-type-on-200"),
    # A 5xx may have run: repeated only when repeating is harmless.
    pytest.param(answered("internal", 500), True, WAIT, True, id="500-idempotent"),
    pytest.param(answered("internal", 500), False, UNKNOWN, True, id="500-not-idempotent"),
    pytest.param(answered("internal", 502), False, UNKNOWN, True, id="502-no-body-not-idempotent"),
    pytest.param(answered("internal", 200), False, UNKNOWN, True, id="internal-type-on-200"),
    pytest.param(answered("request_timeout", 408), True, WAIT, True, id="livechat-request-timeout-idempotent"),
    # Timeouts and drops after sending: the same as a 5xx.
    pytest.param(timed_out(), True, WAIT, True, id="read-timeout-idempotent"),
    pytest.param(timed_out(), False, UNKNOWN, True, id="read-timeout-not-idempotent"),
    pytest.param(dropped(), True, WAIT, True, id="dropped-after-sending-idempotent"),
    pytest.param(dropped(), False, UNKNOWN, True, id="dropped-after-sending-not-idempotent"),
    # Nothing was sent: safe for every action.
    pytest.param(refused(), False, WAIT, False, id="connection-refused-not-idempotent"),
    pytest.param(refused(), True, WAIT, False, id="connection-refused-idempotent"),
    # The wrong region: at once, in the region LiveChat names.
    pytest.param(answered("misdirected_request", 421, {"region": "fra"}), False, SEND_AGAIN, False, id="misdirected"),
    pytest.param(answered("misdirected_request", 421), False, GIVE_UP, False, id="misdirected-without-region"),
    # LiveChat's answer stands.
    pytest.param(answered("validation", 400), True, GIVE_UP, False, id="validation"),
    pytest.param(answered("not_found", 404), False, GIVE_UP, False, id="not-found"),
    pytest.param(answered("authentication", 401), True, GIVE_UP, False, id="authentication"),
    pytest.param(answered("transport", 404), True, GIVE_UP, False, id="4xx-without-livechat-body"),
]


@pytest.mark.parametrize(("failure", "idempotent", "what", "may_have_applied"), TABLE)
def test_decision_table(failure: Failure, idempotent: bool, what: RetryDecision, may_have_applied: bool) -> None:
    decision = decide(failure, idempotent=idempotent, attempt=1, policy=POLICY)
    assert decision.what is what
    assert decision.may_have_applied is may_have_applied
    if what is WAIT:
        assert 0 < decision.delay <= POLICY.max_delay


def test_retry_after_is_the_delay_and_backoff_fills_in_without_it() -> None:
    assert decide(throttled(7.0), idempotent=False, attempt=1, policy=POLICY) == Decision(WAIT, 7.0)
    # Without Retry-After: exponential backoff with jitter, in [cap/2, cap], cap = base * 2**(attempt-1).
    for attempt, cap in ((1, 0.5), (2, 1.0), (3, 2.0)):
        delay = decide(throttled(None), idempotent=False, attempt=attempt, policy=POLICY).delay
        assert cap / 2 <= delay <= cap
    capped = RetryPolicy(max_attempts=20, base_delay=0.5, max_delay=4.0)
    assert 2.0 <= decide(refused(), idempotent=True, attempt=10, policy=capped).delay <= 4.0


def test_last_attempt_gives_up_but_a_non_idempotent_write_is_still_unknown() -> None:
    last = POLICY.max_attempts
    assert decide(throttled(1.0), idempotent=True, attempt=last, policy=POLICY) == Decision(GIVE_UP)
    assert decide(refused(), idempotent=False, attempt=last, policy=POLICY) == Decision(GIVE_UP)
    # A timed-out idempotent write gives up, and still says the attempt may have applied.
    assert decide(timed_out(), idempotent=True, attempt=last, policy=POLICY) == Decision(GIVE_UP, 0.0, True)
    assert decide(timed_out(), idempotent=False, attempt=last, policy=POLICY).what is UNKNOWN


def test_a_wait_past_the_deadline_gives_up_and_carries_the_wait() -> None:
    decision = decide(throttled(50.0), idempotent=True, attempt=1, policy=POLICY, elapsed=80.0)
    assert decision == Decision(GIVE_UP, 50.0)  # the caller still blocks the shared budget for it
    assert decide(throttled(50.0), idempotent=True, attempt=1, policy=POLICY, elapsed=70.0) == Decision(WAIT, 50.0)


def test_region_is_switched_once() -> None:
    misdirected = answered("misdirected_request", 421, {"region": "fra"})
    assert decide(misdirected, idempotent=True, attempt=1, policy=POLICY).what is SEND_AGAIN
    again = decide(misdirected, idempotent=True, attempt=2, policy=POLICY, region_switched=True)
    assert again.what is GIVE_UP
    # A region switch does not count against the attempts: it is sent again at the last one too.
    assert decide(misdirected, idempotent=True, attempt=POLICY.max_attempts, policy=POLICY).what is SEND_AGAIN


# --- the client acts on the decision: connection errors before and after sending -------------------


def _client(*script: object) -> tuple[list[httpx.Request], LiveChatClient]:
    seen: list[httpx.Request] = []
    queue = list(script)

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        item = queue.pop(0)
        if isinstance(item, Exception):
            raise item
        assert isinstance(item, httpx.Response)
        return item

    async def sleep(seconds: float) -> None:
        pass

    client = LiveChatClient(bearer("dal:decision-token-1"), base_url="http://upstream.test",
                            transport=httpx.MockTransport(handler), budget=Budget(MemoryStore(), "t", 10**6, 1.0),
                            sleep=sleep)
    return seen, client


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("exc", "sent_twice"),
    [
        pytest.param(httpx.ConnectError("refused"), True, id="connect-error-before-sending"),
        pytest.param(httpx.ConnectTimeout("slow connect"), True, id="connect-timeout-before-sending"),
        pytest.param(httpx.ReadTimeout("slow answer"), False, id="read-timeout-after-sending"),
        pytest.param(httpx.RemoteProtocolError("dropped"), False, id="dropped-after-sending"),
    ],
)
async def test_a_create_is_retried_only_when_the_failure_came_before_sending(exc: Exception, sent_twice: bool) -> None:
    seen, client = _client(exc, httpx.Response(200, json={"id": "a@b.c"}))
    if sent_twice:
        assert await client.call("create_agent", {"id": "a@b.c"}, write=True, idempotent=False) == {"id": "a@b.c"}
    else:
        with pytest.raises(LiveChatError) as info:
            await client.call("create_agent", {"id": "a@b.c"}, write=True, idempotent=False)
        assert info.value.type == "unknown_outcome"
    assert len(seen) == (2 if sent_twice else 1)
    await client.aclose()


@pytest.mark.anyio
async def test_write_flag_comes_from_the_caller_not_the_action_name() -> None:
    """An idempotent call the caller declares a read keeps its error after a timeout; the same
    action declared a write reports an unknown outcome (the client no longer guesses from the name)."""
    gone = httpx.Response(404, json={"error": {"type": "not_found", "message": "gone"}})
    _, client = _client(httpx.ReadTimeout("slow"), gone)
    with pytest.raises(LiveChatError) as info:
        await client.call("list_tags", {}, write=True, idempotent=True)
    assert info.value.type == "unknown_outcome" and info.value.data
    assert info.value.data["retry_error"]["type"] == "not_found"
    await client.aclose()
    _, client = _client(httpx.ReadTimeout("slow"), gone)
    with pytest.raises(LiveChatError) as info:
        await client.call("delete_tag", {"name": "x"}, write=False, idempotent=True)
    assert info.value.type == "not_found"
    await client.aclose()
