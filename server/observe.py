"""What the server reports while it runs, for metrics and traces, without knowing who listens.

The layers that do the work are handed an ``Observer`` and report through it: the doors one span
per tool call, the call path its policy decision, the API client each request it sends (one per
attempt, retries included) and the license budget LiveChat says is left, the store each operation,
hosted sign-in its sign-ins, refreshes and revocations. ``server/telemetry/`` implements it
(Prometheus metrics, OpenTelemetry spans) and the doors hand it down; nothing here imports it.
``NOBODY`` listens to nothing, at the cost of entering an empty context.

Every attribute is a word from a fixed vocabulary: tool and action names, decisions and rules,
outcome kinds, HTTP statuses, regions, store operations, and the license's id or a digest of its
key. Never a person's email, a token, or text from the license (names, greetings, messages):
callers pass only such words, and the telemetry package checks them again before they leave.

At the bottom of the layers (beside ``errors``): every layer may be handed an observer.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from typing import Protocol

Attribute = str | int | float | bool | None


class Span(Protocol):
    """One operation being observed; ``set`` adds what became known while it ran (its outcome).
    An exception leaving the ``with`` block marks it failed, by the exception's type alone."""

    def set(self, **attributes: Attribute) -> None: ...


class Observer(Protocol):
    def tool_call(self, tool: str) -> AbstractContextManager[Span]:
        """One tools/call, whatever door it came by (MCP, the CLI); ``set(decision=, outcome=)``."""
        ...

    def policy_decision(self, tool: str) -> AbstractContextManager[Span]:
        """The policy deciding a call; ``set(decision=, rule=)``."""
        ...

    def upstream_request(self, action: str, *, attempt: int, region: str | None) -> AbstractContextManager[Span]:
        """One request to LiveChat (``attempt`` counts from 1: 2 is the first retry);
        ``set(status=, error=)`` with LiveChat's error type when it failed."""
        ...

    def budget_left(self, license: str, remaining: int, limit: int | None) -> None:
        """LiveChat's word on the license's request quota (X-RateLimit-Remaining / -Limit)."""
        ...

    def store_operation(self, backend: str, operation: str) -> AbstractContextManager[Span]:
        """One operation on the state store (``backend``: memory, sqlite, redis)."""
        ...

    def hosted_event(self, event: str, outcome: str) -> None:
        """Hosted sign-in: ``event`` sign_in, refresh or revoke; ``outcome`` ok or why not."""
        ...


class _Quiet:
    def set(self, **attributes: Attribute) -> None:
        pass


class Nobody:
    """The observer when no one listens (metrics and traces off): every hook does nothing."""

    _span: AbstractContextManager[Span] = nullcontext(_Quiet())  # reusable: nullcontext keeps no state

    def tool_call(self, tool: str) -> AbstractContextManager[Span]:
        return self._span

    def policy_decision(self, tool: str) -> AbstractContextManager[Span]:
        return self._span

    def upstream_request(self, action: str, *, attempt: int, region: str | None) -> AbstractContextManager[Span]:
        return self._span

    def budget_left(self, license: str, remaining: int, limit: int | None) -> None:
        pass

    def store_operation(self, backend: str, operation: str) -> AbstractContextManager[Span]:
        return self._span

    def hosted_event(self, event: str, outcome: str) -> None:
        pass


NOBODY: Observer = Nobody()
