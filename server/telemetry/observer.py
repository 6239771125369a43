"""``Telemetry``: the Observer (server/observe.py) that turns what the layers report into
Prometheus metrics (server/telemetry/metrics.py) and OpenTelemetry spans
(server/telemetry/traces.py), either or both.

Spans: one per tool call (``tool NAME``), with children for the policy decision (``policy
decision``), each request to LiveChat (``POST ACTION``, one per attempt: ``livechat_mcp.retry`` 0 is
the first) and each store operation (``store OPERATION``). A span's attributes are words
(labels.py); a failure is told by ``error.type`` and the span's status, never by a message.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from types import TracebackType
from typing import Any

from ..observe import Attribute, Span
from .labels import LICENSE, Vocabulary, status
from .metrics import Metrics

Finish = Callable[[dict[str, Attribute], BaseException | None, float], None]

# Outcomes that are no failure of the server's: the policy or a person said no.
NOT_FAILED = ("ok", "refused", "declined", "input_required")


def snake(name: str) -> str:
    """An exception's type as a word: StoreUnavailable -> store_unavailable."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


class Observation:
    """One observed operation: a context manager that is its own Span (``set``). On exit it ends
    the OpenTelemetry span (if tracing) with the attributes ``to_span`` makes of what was set,
    and hands the attributes and the elapsed time to ``finish`` (the metrics)."""

    __slots__ = ("_cm", "_span", "attributes", "finish", "kind", "name", "opening", "started", "to_span", "tracer")

    def __init__(self, tracer: Any, name: str, kind: str, opening: dict[str, Attribute],
                 to_span: Callable[[dict[str, Attribute]], dict[str, Any]], finish: Finish | None) -> None:
        self.tracer, self.name, self.kind, self.opening = tracer, name, kind, opening
        self.to_span, self.finish = to_span, finish
        self.attributes: dict[str, Attribute] = {}
        self._cm: Any = None
        self._span: Any = None
        self.started = 0.0

    def set(self, **attributes: Attribute) -> None:
        self.attributes.update(attributes)

    def __enter__(self) -> Observation:
        if self.tracer is not None:
            from opentelemetry.trace import SpanKind

            self._cm = self.tracer.start_as_current_span(
                self.name, kind=getattr(SpanKind, self.kind), attributes=self.to_span(self.opening),
                record_exception=False, set_status_on_exception=False)
            self._span = self._cm.__enter__()
        self.started = time.perf_counter()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        elapsed = time.perf_counter() - self.started
        if self._span is not None:
            from opentelemetry.trace import Status, StatusCode

            values = self.to_span(self.attributes)
            failed = values.pop("failed", False)
            self._span.set_attributes({k: v for k, v in values.items() if v is not None})
            if kind is not None:
                self._span.set_attribute("error.type", snake(kind.__name__))
            if kind is not None or failed:
                self._span.set_status(Status(StatusCode.ERROR))  # no description: it could quote anyone
            self._cm.__exit__(None, None, None)
        if self.finish is not None:
            self.finish(self.attributes, exc, elapsed)


class Telemetry:
    """The Observer: ``metrics`` (a Metrics, or None) and ``tracer`` (an OpenTelemetry tracer, or None)."""

    def __init__(self, metrics: Metrics | None = None, tracer: Any = None, provider: Any = None) -> None:
        self.metrics = metrics
        self.tracer = tracer
        self.provider = provider  # shut down (flushed) by close()
        self.tools = Vocabulary(200)
        self.actions = Vocabulary(200)
        self.words = Vocabulary(200)  # decisions, rules, outcomes, error types, operations, events
        self.licenses = Vocabulary(500, LICENSE)

    # --- the Observer -------------------------------------------------------------------------

    def tool_call(self, tool: str) -> AbstractContextManager[Span]:
        name = self.tools(tool)

        def to_span(a: dict[str, Attribute]) -> dict[str, Any]:
            out: dict[str, Any] = {"gen_ai.tool.name": name, "livechat_mcp.tool": name}
            if "decision" in a:
                out["livechat_mcp.decision"] = self.words(a["decision"])
            if "outcome" in a:
                out["livechat_mcp.outcome"] = outcome = self.words(a["outcome"])
                out["failed"] = outcome not in NOT_FAILED
            return out

        def finish(a: dict[str, Attribute], exc: BaseException | None, elapsed: float) -> None:
            if self.metrics is None:
                return
            outcome = self.words(a.get("outcome") or (snake(type(exc).__name__) if exc else "error"))
            self.metrics.tool_calls.labels(name, self.words(a.get("decision") or "unknown"), outcome).inc()
            self.metrics.tool_seconds.labels(name).observe(elapsed)

        return Observation(self.tracer, f"tool {name}", "INTERNAL", {}, to_span, finish)

    def policy_decision(self, tool: str) -> AbstractContextManager[Span]:
        name = self.tools(tool)

        def to_span(a: dict[str, Attribute]) -> dict[str, Any]:
            out: dict[str, Any] = {"livechat_mcp.tool": name}
            for key in ("decision", "rule"):
                if key in a:
                    out[f"livechat_mcp.{key}"] = self.words(a[key])
            return out

        # Traces only: the tool call's counter already carries the decision.
        return Observation(self.tracer, "policy decision", "INTERNAL", {}, to_span, None) \
            if self.tracer is not None else _NOTHING

    def upstream_request(self, action: str, *, attempt: int, region: str | None) -> AbstractContextManager[Span]:
        name = self.actions(action)
        retry = max(attempt - 1, 0)
        where = region if region in ("dal", "fra") else "default"

        def to_span(a: dict[str, Attribute]) -> dict[str, Any]:
            out: dict[str, Any] = {"http.request.method": "POST", "livechat_mcp.action": name,
                                   "livechat_mcp.retry": retry, "livechat_mcp.region": where}
            if isinstance(a.get("status"), int):
                out["http.response.status_code"] = a["status"]
            if a.get("error"):
                out["error.type"] = self.words(a["error"])
                out["failed"] = True
            return out

        def finish(a: dict[str, Attribute], exc: BaseException | None, elapsed: float) -> None:
            if self.metrics is None:
                return
            self.metrics.upstream.labels(name, status(a.get("status")), str(min(retry, 9))).inc()
            self.metrics.upstream_seconds.labels(name).observe(elapsed)

        return Observation(self.tracer, f"POST {name}", "CLIENT", {}, to_span, finish)

    def budget_left(self, license: str, remaining: int, limit: int | None) -> None:
        if self.metrics is None:
            return
        who = self.licenses(license)
        self.metrics.budget_remaining.labels(who).set(remaining)
        if limit is not None:
            self.metrics.budget_limit.labels(who).set(limit)

    def store_operation(self, backend: str, operation: str) -> AbstractContextManager[Span]:
        system, op = self.words(backend), self.words(operation)

        def to_span(a: dict[str, Attribute]) -> dict[str, Any]:
            return {"db.system.name": system, "db.operation.name": op}

        def finish(a: dict[str, Attribute], exc: BaseException | None, elapsed: float) -> None:
            if self.metrics is None:
                return
            self.metrics.store_seconds.labels(system, op).observe(elapsed)
            if exc is not None:
                self.metrics.store_errors.labels(system, op, self.words(snake(type(exc).__name__))).inc()

        return Observation(self.tracer, f"store {op}", "INTERNAL", {}, to_span, finish)

    def hosted_event(self, event: str, outcome: str) -> None:
        if self.metrics is not None:
            self.metrics.hosted.labels(self.words(event), self.words(outcome)).inc()

    # --- lifetime -----------------------------------------------------------------------------

    def close(self) -> None:
        """Flush and stop the trace exporter (spans still queued are sent now)."""
        if self.provider is not None:
            self.provider.shutdown()
            self.provider = None


class _Quiet:
    def set(self, **attributes: Attribute) -> None:
        pass

    def __enter__(self) -> _Quiet:
        return self

    def __exit__(self, *exc: object) -> None:
        pass


_NOTHING = _Quiet()
