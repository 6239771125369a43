"""The upstream client: POST {base}/v3.6/configuration/action/<name> with a JSON body.

Resilience rules (why each exists):
- Budget: every request first takes a slot from the license's budget in the state store
  (shared by every process and replica); a 429 blocks that budget for everyone, and so does an
  answer whose X-RateLimit-Remaining says the license's quota is spent (until X-RateLimit-Reset):
  the client backs off before the limit rather than after it. Only waiting changes: what is
  retried, and when a write is never repeated, stays as below.
- 429 / too_many_requests: the request was refused, never applied, so any action may be
  retried after Retry-After (seconds or HTTP date, capped) or exponential backoff with jitter.
- misdirected_request: refused before it ran; retried once in the region LiveChat names,
  and that region is kept for later calls.
- 5xx, timeouts, dropped connections: a read or an idempotent write is retried. A write that
  is not idempotent (create_*, register_*, ...) may have been applied, so it is NOT retried;
  the error says the outcome is unknown and how to check. A connection refused before the
  request was sent is safe to retry for every action.
- A write retried after such an attempt: the earlier attempt may have applied, so an error
  answered to the retry (not_found for a delete whose first attempt deleted, "not suspended"
  for an unsuspend, ...) proves nothing about the write. It is reported as ``unknown_outcome``
  carrying the retry's error in ``data.retry_error``, never as that error; likewise per-item
  errors of a retried batch. Reads are unaffected.

``decide`` applies these rules to one failed attempt and answers a ``RetryDecision``; the caller
says whether the action writes and whether it is idempotent (the client does not guess from the
action's name).
"""

from __future__ import annotations

import datetime
import email.utils
import enum
import json
import math
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any

import anyio
import httpx

from ..observe import NOBODY, Observer
from ..safety.redact import Scrubber
from ..store.memory import MemoryStore
from .auth import CREDENTIAL_MARKER, Credential
from .errors import HINTS, LiveChatError, parse_error
from .ratelimit import Budget, Quota, WaitCallback, license_bucket, license_label

API_VERSION = "v3.6"
DEFAULT_BASE_URL = "https://api.livechatinc.com"
USER_AGENT = "livechat-mcp"


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 30.0
    # Total time one call may spend waiting (budget + retries), after which it fails clearly.
    deadline: float = 120.0
    max_retry_after: float = 60.0


class RetryDecision(enum.Enum):
    """What the client does after an attempt failed (``decide`` picks one)."""

    SEND_AGAIN = "send_again"  # at once: refused before it ran, in the region LiveChat named
    WAIT_THEN_RETRY = "wait_then_retry"  # after Decision.delay seconds
    GIVE_UP = "give_up"  # the attempt's error is the answer
    UNKNOWN_OUTCOME = "unknown_outcome"  # a write that is not idempotent may have applied: not repeated


@dataclass(frozen=True)
class Failure:
    """One failed attempt, as far as retrying goes."""

    error: LiveChatError
    # False: the request never left (connection refused, connect timeout), so it cannot have run.
    sent: bool = True
    # A 429's Retry-After in seconds (capped); None when absent or unreadable.
    retry_after: float | None = None


@dataclass(frozen=True)
class Decision:
    what: RetryDecision
    # Seconds to wait before the retry; on GIVE_UP, the wait the deadline did not allow (a 429
    # still blocks the shared budget for it).
    delay: float = 0.0
    # The attempt may have taken effect: a write retried after it has an uncertain outcome.
    may_have_applied: bool = False


def decide(
    failure: Failure,
    *,
    idempotent: bool,
    attempt: int,
    policy: RetryPolicy,
    elapsed: float = 0.0,
    region_switched: bool = False,
) -> Decision:
    """The one place a failed attempt's fate is decided (the rules are in the module docstring).

    ``attempt`` counts from 1; ``elapsed`` is the time the call has taken so far."""
    error = failure.error
    if not failure.sent:
        return _retry_later(policy, attempt, elapsed, None)
    if error.status == 429 or error.type == "too_many_requests":
        return _retry_later(policy, attempt, elapsed, failure.retry_after)
    if error.type == "misdirected_request" and error.status is not None and error.data and error.data.get("region"):
        return Decision(RetryDecision.GIVE_UP if region_switched else RetryDecision.SEND_AGAIN)
    # No answer after the request went out, a 5xx, or LiveChat's own "internal"/"request_timeout":
    # the request may have run.
    if error.status is None or error.status >= 500 or error.type in ("internal", "request_timeout"):
        if not idempotent:
            return Decision(RetryDecision.UNKNOWN_OUTCOME, may_have_applied=True)
        return replace(_retry_later(policy, attempt, elapsed, None), may_have_applied=True)
    return Decision(RetryDecision.GIVE_UP)


def _retry_later(policy: RetryPolicy, attempt: int, elapsed: float, delay: float | None) -> Decision:
    if attempt >= policy.max_attempts:
        return Decision(RetryDecision.GIVE_UP)
    wait = backoff(policy, attempt) if delay is None else delay
    if elapsed + wait > policy.deadline:
        return Decision(RetryDecision.GIVE_UP, wait)
    return Decision(RetryDecision.WAIT_THEN_RETRY, wait)


def backoff(policy: RetryPolicy, attempt: int) -> float:
    """Exponential backoff with jitter: a random wait in [cap/2, cap], cap doubling per attempt."""
    cap = min(policy.max_delay, policy.base_delay * 2 ** (attempt - 1))
    return random.uniform(cap / 2, cap)


@dataclass(frozen=True)
class PlannedRequest:
    """A request exactly as it would go out, with the credential replaced by a marker."""

    method: str
    url: str
    headers: dict[str, str]
    body: Any

    def to_dict(self) -> dict[str, Any]:
        return {"method": self.method, "url": self.url, "headers": self.headers, "body": self.body}


_PARSED_URLS: dict[str, httpx.URL] = {}


class _NoCookies(httpx.Cookies):
    """A cookie jar that keeps nothing (see LiveChatClient.__init__)."""

    def extract_cookies(self, response: httpx.Response) -> None:
        return None


class LiveChatClient:
    def __init__(
        self,
        credential: Credential,
        *,
        base_url: str = DEFAULT_BASE_URL,
        region: str | None = None,
        timeout: float = 15.0,
        retry: RetryPolicy | None = None,
        budget: Budget | None = None,
        rate_limit: tuple[int, float] = (1000, 600.0),
        max_concurrency: int = 8,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = anyio.sleep,
        observer: Observer = NOBODY,
    ) -> None:
        self.credential = credential
        self.observer = observer  # hears each request (attempt) with its status (server/observe.py)
        self._scrubber = Scrubber(credential.secrets(), CREDENTIAL_MARKER)
        self.base_url = base_url.rstrip("/")
        self.region = region
        self.retry = retry or RetryPolicy()
        # Until the runtime names the license and its store (build_runtime), a budget of this
        # client's own.
        self.budget = budget or Budget(MemoryStore(), license_bucket(self.base_url, credential, None), *rate_limit)
        # fast_acquire: a free slot is taken without a trip through the event loop (anyio's default
        # yields on every acquire), one loop iteration less per call; the request that follows
        # yields anyway.
        self._limit = anyio.Semaphore(max_concurrency, fast_acquire=True)
        self._sleep = sleep
        self._http = httpx.AsyncClient(
            transport=transport,
            timeout=httpx.Timeout(timeout),
            headers={"User-Agent": USER_AGENT, "Content-Type": "application/json"},
        )
        # The Configuration API is stateless (a Bearer token or a PAT on every request): no cookie
        # it sets is sent back. httpx otherwise wraps every response in urllib's cookie machinery,
        # about 40% of a request's client-side work (bench/run.py, per call). httpx has no switch
        # for it; tests/test_client.py holds that this stays in effect.
        if isinstance(getattr(self._http, "_cookies", None), httpx.Cookies):
            self._http._cookies = _NoCookies()

    async def aclose(self) -> None:
        await self.budget.flush()  # finished requests' slots, not yet told to the store
        await self._http.aclose()

    def url(self, action: str) -> str:
        return f"{self.base_url}/{API_VERSION}/configuration/action/{action}"

    def _parsed_url(self, action: str) -> httpx.URL:
        """``url(action)`` parsed once: httpx parses a string URL on every request (about a tenth of
        a call's own work over HTTP, bench/http_rate.py), a URL object it takes as it is. Keyed by the
        whole address (a copy of this client may name another base URL); a few hundred at most."""
        url = self.url(action)
        parsed = _PARSED_URLS.get(url)
        if parsed is None:
            if len(_PARSED_URLS) >= 512:
                _PARSED_URLS.clear()
            parsed = _PARSED_URLS[url] = httpx.URL(url)
        return parsed

    def _headers(self, *, redact: bool) -> dict[str, str]:
        # Sent requests are signed by the credential itself (an httpx.Auth); a shown one says so.
        headers = {"Authorization": CREDENTIAL_MARKER} if redact else {}
        headers["Content-Type"] = "application/json"
        if self.region:
            headers["X-Region"] = self.region
        return headers

    def plan(self, action: str, body: Any) -> PlannedRequest:
        return PlannedRequest("POST", self.url(action), self._headers(redact=True), body)

    async def call(
        self,
        action: str,
        body: Any,
        *,
        write: bool,
        idempotent: bool,
        on_wait: WaitCallback | None = None,
        verify_hint: str | None = None,
    ) -> Any:
        """Send one action; returns the decoded JSON (``{}`` for an empty 200).

        ``write`` and ``idempotent`` are the caller's word about the action (the pipeline passes
        its Action's): whether it changes anything, and whether sending it twice is harmless.

        Raises LiveChatError with LiveChat's type, or ``unknown_outcome`` when a write may have
        been applied: one that is not idempotent after a timeout / dropped connection / 5xx, or
        an idempotent one that failed after such an attempt (``verify_hint`` says how to check).
        """
        policy = self.retry
        started = time.monotonic()
        region_switched = False
        attempt = 0
        # The first attempt of this write that may have been applied, and the latest one.
        uncertain: LiveChatError | None = None
        latest: LiveChatError | None = None
        try:
            while True:
                attempt += 1
                remaining = policy.deadline - (time.monotonic() - started)
                slot = await self.budget.acquire(max_wait=max(remaining, 0.0), on_wait=on_wait)
                try:
                    with self.observer.upstream_request(action, attempt=attempt, region=self.region) as span:
                        outcome = await self._send_once(action, body)
                        if isinstance(outcome, httpx.Response):
                            result, failure = self._judge(outcome)
                            span.set(status=outcome.status_code, error=failure.error.type if failure else None)
                            quota = Quota.from_headers(outcome.headers)
                            self._report_quota(quota)
                        else:
                            result, failure, quota = None, outcome, None
                            span.set(error=outcome.error.type)
                finally:
                    await self.budget.release(slot)
                if quota is not None:
                    await self.budget.observe(quota)  # nothing left: every sharer waits for the reset
                if failure is None:
                    if uncertain is not None:
                        result = self._mark_batch_items(action, result, uncertain, verify_hint)
                    return result
                error = failure.error
                decision = decide(failure, idempotent=idempotent, attempt=attempt, policy=policy,
                                  elapsed=time.monotonic() - started, region_switched=region_switched)
                if decision.may_have_applied and write:
                    uncertain = uncertain or error
                    latest = error
                if error.type == "too_many_requests" and decision.delay:
                    await self.budget.block(decision.delay)  # every process sharing the budget backs off
                match decision.what:
                    case RetryDecision.SEND_AGAIN:
                        region_switched = True
                        continue
                    case RetryDecision.UNKNOWN_OUTCOME:
                        raise LiveChatError(
                            "unknown_outcome",
                            f"{error.type} ({error.message}): {action} may or may not have been applied. "
                            "It was not retried, to avoid applying it twice.",
                            error.data,
                            status=error.status,
                            hint=verify_hint or HINTS["unknown_outcome"],
                        )
                    case RetryDecision.GIVE_UP:
                        raise error
                    case RetryDecision.WAIT_THEN_RETRY:
                        delay = decision.delay
                        if on_wait:
                            await on_wait(
                                delay, f"{error.type}: retrying {action} in {delay:.1f} s (attempt {attempt + 1})"
                            )
                        await self._sleep(delay)
        except LiveChatError as failure:
            # Whatever ends a write after an attempt that may have applied (the retry's error
            # answer, retries or budget running out) leaves its outcome unknown.
            if uncertain is None or failure.type == "unknown_outcome":
                raise
            raise _after_uncertain(action, uncertain, failure, failure is latest, verify_hint) from None

    def _mark_batch_items(self, action: str, result: Any, uncertain: LiveChatError, verify_hint: str | None) -> Any:
        """A batch retried after an attempt that may have applied: its per-item errors say so."""
        if not (isinstance(result, dict) and isinstance(result.get("responses"), list)):
            return result
        responses = []
        for item in result["responses"]:
            parsed = parse_error(item)
            if parsed is None:
                responses.append(item)
                continue
            retry = LiveChatError(*parsed)
            marked = _after_uncertain(action, uncertain, retry, False, verify_hint)
            responses.append({"error": {"type": marked.type, "message": marked.message, "data": marked.data}})
        return {**result, "responses": responses}

    async def _send_once(self, action: str, body: Any) -> httpx.Response | Failure:
        """The response, or the failure of a request that got none."""
        content = json.dumps(body, separators=(",", ":"))
        try:
            async with self._limit:
                return await self._http.post(self._parsed_url(action), content=content,
                                             headers=self._headers(redact=False), auth=self.credential)
        except httpx.ConnectError as exc:
            # Refused or unreachable before a byte was sent: safe for any action.
            return Failure(LiveChatError("transport", f"Could not connect to LiveChat: {type(exc).__name__}"), sent=False)
        except httpx.ConnectTimeout:
            return Failure(LiveChatError("transport", "Timed out connecting to LiveChat."), sent=False)
        except (httpx.TimeoutException, httpx.TransportError) as exc:
            return Failure(LiveChatError(
                "request_timeout" if isinstance(exc, httpx.TimeoutException) else "transport",
                f"{type(exc).__name__} after the request was sent to {action}.",
            ))

    def _judge(self, response: httpx.Response) -> tuple[Any, Failure | None]:
        """(result, None) on success, else (None, the failure)."""
        try:
            payload = response.json() if response.content else {}
        except ValueError:
            payload = None
        if payload:
            # Should an upstream echo this client's credential, it goes no further.
            payload = self._scrubber.decoded(payload, response.content)
        parsed = parse_error(payload)
        if parsed is None and response.status_code < 400 and payload is not None:
            return payload, None
        if parsed is None:
            kind = "internal" if response.status_code >= 500 else "transport"
            parsed = (kind, f"HTTP {response.status_code} without a LiveChat error body.", None)
        type_, message, data = parsed
        error = LiveChatError(type_, message, data, status=response.status_code)
        if type_ == "too_many_requests" or response.status_code == 429:
            return None, Failure(error, retry_after=self._retry_after(response))
        if type_ == "misdirected_request" and data and data.get("region"):
            # Kept for later calls: the license lives there.
            self.region = str(data["region"])
        return None, Failure(error)

    def _report_quota(self, quota: Quota | None) -> None:
        """LiveChat's word on the license's quota (X-RateLimit-Remaining / -Limit, documented by the
        lifecycle guide) to the observer: the budget every integration on the license shares."""
        if quota is None or quota.remaining is None:
            return
        self.observer.budget_left(license_label(self.budget.bucket), quota.remaining, quota.limit)

    def _retry_after(self, response: httpx.Response) -> float | None:
        value = response.headers.get("Retry-After")
        if not value:
            # A 429 without Retry-After may still say when the quota frees (X-RateLimit-Reset).
            quota = Quota.from_headers(response.headers)
            if quota is None or quota.reset is None:
                return None
            return min(quota.reset, self.retry.max_retry_after)
        try:
            seconds = float(value)
        except ValueError:
            # An HTTP date; anything unparseable falls back to backoff (Python >= 3.10 raises
            # ValueError for a malformed date rather than returning None).
            try:
                when = email.utils.parsedate_to_datetime(value)
            except (TypeError, ValueError, IndexError):
                return None
            if when.tzinfo is None:  # "-0000": UTC by RFC 5322
                when = when.replace(tzinfo=datetime.UTC)
            seconds = when.timestamp() - time.time()
        if not math.isfinite(seconds):
            return None
        return min(max(seconds, 0.0), self.retry.max_retry_after)


# Errors a retry answers when the earlier attempt already took effect (a delete that deleted).
def _consistent_with_applied(type_: str) -> bool:
    return type_ in ("not_found", "already_exists") or type_.endswith("_not_found")


def _after_uncertain(
    action: str, first: LiveChatError, failure: LiveChatError, unanswered: bool, verify_hint: str | None
) -> LiveChatError:
    """``unknown_outcome`` for a write that ended in ``failure`` after an attempt that may have
    applied (``first``); ``unanswered``: the last attempt too ended without a clear answer."""
    earlier = (
        f"an earlier attempt, which may have reached LiveChat, ended in {first.type} ({first.message.rstrip('.')})"
    )
    if unanswered:
        message = (
            f"{action} may or may not have been applied: {earlier}, and no retry gave a clear "
            f"answer (last: {failure.type}: {failure.message})."
        )
    elif _consistent_with_applied(failure.type):
        message = (
            f"{action} probably took effect: {earlier}, and the retry answered {failure.type} "
            f"({failure.message}), which is what a retry sees once the first attempt applied."
        )
    else:
        message = (
            f"{action} may or may not have been applied: {earlier}, and the retry then failed with "
            f"{failure.type} ({failure.message}), which does not show that the earlier attempt failed."
        )
    data: dict[str, Any] = {"first_attempt": {"type": first.type, "message": first.message}}
    retry: dict[str, Any] = {"type": failure.type, "message": failure.message}
    if failure.data:
        retry["data"] = failure.data
    if failure.status is not None:
        retry["http_status"] = failure.status
    data["retry_error"] = retry
    return LiveChatError(
        "unknown_outcome", message, data, status=failure.status, hint=verify_hint or HINTS["unknown_outcome"]
    )

