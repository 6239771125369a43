"""The upstream client: POST {base}/v3.6/configuration/action/<name> with a JSON body.

Resilience rules (why each exists):
- Budget: every request first takes a slot from the license's budget in the state store
  (shared by every process and replica); a 429 blocks that budget for everyone.
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
"""

from __future__ import annotations

import datetime
import email.utils
import json
import math
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import anyio
import httpx

from .auth import CREDENTIAL_MARKER, Credential
from .errors import HINTS, LiveChatError, parse_error
from ..redact import Scrubber
from ..store.memory import MemoryStore
from .ratelimit import Budget, WaitCallback, license_bucket

API_VERSION = "v3.6"
DEFAULT_BASE_URL = "https://api.livechatinc.com"
USER_AGENT = "livechat-mcp"
# Retry decisions: _DONE (success), None (retry after backoff), float (retry after that many
# seconds), "region" (retry at once in the new region), "maybe-applied", False (give up).
_DONE = object()


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 30.0
    # Total time one call may spend waiting (budget + retries), after which it fails clearly.
    deadline: float = 120.0
    max_retry_after: float = 60.0


@dataclass(frozen=True)
class PlannedRequest:
    """A request exactly as it would go out, with the credential replaced by a marker."""

    method: str
    url: str
    headers: dict[str, str]
    body: Any

    def to_dict(self) -> dict[str, Any]:
        return {"method": self.method, "url": self.url, "headers": self.headers, "body": self.body}


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
    ) -> None:
        self.credential = credential
        self._scrubber = Scrubber(credential.secrets(), CREDENTIAL_MARKER)
        self.base_url = base_url.rstrip("/")
        self.region = region
        self.retry = retry or RetryPolicy()
        # Until the runtime names the license and its store (build_runtime), a budget of this
        # client's own.
        self.budget = budget or Budget(MemoryStore(), license_bucket(self.base_url, credential, None), *rate_limit)
        self._limit = anyio.Semaphore(max_concurrency)
        self._sleep = sleep
        self._http = httpx.AsyncClient(
            transport=transport,
            timeout=httpx.Timeout(timeout),
            headers={"User-Agent": USER_AGENT, "Content-Type": "application/json"},
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    def url(self, action: str) -> str:
        return f"{self.base_url}/{API_VERSION}/configuration/action/{action}"

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
        idempotent: bool,
        on_wait: WaitCallback | None = None,
        verify_hint: str | None = None,
        write: bool | None = None,
    ) -> Any:
        """Send one action; returns the decoded JSON (``{}`` for an empty 200).

        Raises LiveChatError with LiveChat's type, or ``unknown_outcome`` when a write may have
        been applied: one that is not idempotent after a timeout / dropped connection / 5xx, or
        an idempotent one that failed after such an attempt (``verify_hint`` says how to check).
        ``write`` defaults to what the catalog says about ``action``.
        """
        if write is None:
            write = _is_write(action)
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
                    outcome = await self._send_once(action, body)
                finally:
                    await self.budget.release(slot)
                if isinstance(outcome, httpx.Response):
                    result, decision = self._judge(outcome)
                    if decision is _DONE:
                        if uncertain is not None:
                            result = self._mark_batch_items(action, result, uncertain, verify_hint)
                        return result
                    error = result
                else:
                    error, decision = outcome
                if decision == "region":
                    if region_switched:
                        raise error
                    region_switched = True
                    continue
                if decision == "maybe-applied":
                    if not idempotent:
                        raise LiveChatError(
                            "unknown_outcome",
                            f"{error.type} ({error.message}): {action} may or may not have been applied. "
                            "It was not retried, to avoid applying it twice.",
                            error.data,
                            status=error.status,
                            hint=verify_hint or HINTS["unknown_outcome"],
                        )
                    if write:
                        uncertain = uncertain or error
                        latest = error
                    decision = None
                if decision is False or attempt >= policy.max_attempts:
                    raise error
                delay = decision if isinstance(decision, float) else self._backoff(attempt)
                if error.type == "too_many_requests":
                    await self.budget.block(delay)  # every process sharing the budget backs off
                if time.monotonic() - started + delay > policy.deadline:
                    raise error
                if on_wait:
                    await on_wait(delay, f"{error.type}: retrying {action} in {delay:.1f} s (attempt {attempt + 1})")
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

    async def _send_once(self, action: str, body: Any) -> httpx.Response | tuple[LiveChatError, Any]:
        """The response, or (error, retry decision) for a transport failure."""
        content = json.dumps(body, separators=(",", ":"))
        try:
            async with self._limit:
                return await self._http.post(self.url(action), content=content, headers=self._headers(redact=False),
                                             auth=self.credential)
        except httpx.ConnectError as exc:
            # Refused or unreachable before a byte was sent: safe for any action.
            return LiveChatError("transport", f"Could not connect to LiveChat: {type(exc).__name__}"), None
        except httpx.ConnectTimeout:
            return LiveChatError("transport", "Timed out connecting to LiveChat."), None
        except (httpx.TimeoutException, httpx.TransportError) as exc:
            return LiveChatError(
                "request_timeout" if isinstance(exc, httpx.TimeoutException) else "transport",
                f"{type(exc).__name__} after the request was sent to {action}.",
            ), "maybe-applied"

    def _judge(self, response: httpx.Response) -> tuple[Any, Any]:
        """(result, _DONE) on success, else (error, retry decision)."""
        try:
            payload = response.json() if response.content else {}
        except ValueError:
            payload = None
        if payload:
            # Should an upstream echo this client's credential, it goes no further.
            payload = self._scrubber.json(payload)
        parsed = parse_error(payload)
        if parsed is None and response.status_code < 400 and payload is not None:
            return payload, _DONE
        if parsed is None:
            kind = "internal" if response.status_code >= 500 else "transport"
            parsed = (kind, f"HTTP {response.status_code} without a LiveChat error body.", None)
        type_, message, data = parsed
        error = LiveChatError(type_, message, data, status=response.status_code)
        if type_ == "too_many_requests" or response.status_code == 429:
            return error, self._retry_after(response)
        if type_ == "misdirected_request" and data and data.get("region"):
            self.region = str(data["region"])
            return error, "region"
        if response.status_code >= 500 or type_ in ("internal", "request_timeout"):
            return error, "maybe-applied"
        return error, False

    def _retry_after(self, response: httpx.Response) -> float | None:
        value = response.headers.get("Retry-After")
        if not value:
            return None
        try:
            seconds = float(value)
        except ValueError:
            # An HTTP date; anything unparseable falls back to backoff (Python >= 3.10 raises
            # ValueError for a malformed date rather than returning None).
            try:
                when = email.utils.parsedate_to_datetime(value)
            except (TypeError, ValueError, IndexError):
                return None
            if when is None:
                return None
            if when.tzinfo is None:  # "-0000": UTC by RFC 5322
                when = when.replace(tzinfo=datetime.timezone.utc)
            seconds = when.timestamp() - time.time()
        if not math.isfinite(seconds):
            return None
        return min(max(seconds, 0.0), self.retry.max_retry_after)

    def _backoff(self, attempt: int) -> float:
        cap = min(self.retry.max_delay, self.retry.base_delay * 2 ** (attempt - 1))
        return random.uniform(cap / 2, cap)


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


def _is_write(action: str) -> bool:
    """From the catalog; an unknown action counts as a write (the cautious reading)."""
    from ..tools import catalog  # late: the catalog is large and imports nothing from here

    act = catalog().get(action)
    if act is not None:
        return act.write
    return not action.startswith(("list_", "get_", "check_"))
