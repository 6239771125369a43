"""OpenTelemetry traces, exported over OTLP/HTTP with the standard ``OTEL_*`` variables.

On when the ``otel`` extra is installed (``pip install 'livechat-mcp[otel]'``: the SDK and the
OTLP/HTTP exporter) and an endpoint is named (``OTEL_EXPORTER_OTLP_ENDPOINT`` or
``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT``); ``OTEL_SDK_DISABLED=true`` or ``OTEL_TRACES_EXPORTER=none``
turn it off. Without the extra it is a no-op, and an endpoint set anyway gets one line saying
what to install. The exporter reads the rest itself (``OTEL_EXPORTER_OTLP_HEADERS``, ``..._TIMEOUT``,
``..._CERTIFICATE``, ...); ``OTEL_SERVICE_NAME`` and ``OTEL_RESOURCE_ATTRIBUTES`` name the service
(default ``livechat-mcp``).

The provider becomes the process's global one, so the MCP SDK's own span for each request
(``tools/call NAME``, server/_otel.py in the SDK) is exported too, as the parent of ours.
What leaves is sanitized once more (``SafeExporter``): no span's status description and no
exception event, whichever library made it, because both carry messages that may quote license
text or a credential; and the name a caller asked for (the SDK's ``tools/call NAME`` and
``prompts/get NAME``, its ``gen_ai.tool.name`` / ``gen_ai.prompt.name``) only when it is a word,
else ``other`` (a caller may type an email where a tool name goes). Our own spans never set
either; their attributes are words (server/telemetry/labels.py).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any, cast

from .. import __version__
from .labels import OTHER, WORD

TRUE = ("1", "true", "yes", "on")
EXTRA_HINT = "pip install 'livechat-mcp[otel]' (or uvx --from 'livechat-mcp[otel]' livechat-mcp)"


def wanted(env: Mapping[str, str]) -> bool:
    """Whether the environment asks for traces (an OTLP endpoint, and not switched off)."""
    if env.get("OTEL_SDK_DISABLED", "").strip().lower() in TRUE:
        return False
    if env.get("OTEL_TRACES_EXPORTER", "").strip().lower() == "none":
        return False
    return bool(env.get("OTEL_EXPORTER_OTLP_ENDPOINT", "").strip()
                or env.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "").strip())


def tracer_provider(env: Mapping[str, str], warn: Callable[[str], None] | None = None) -> Any:
    """The SDK's TracerProvider exporting over OTLP/HTTP, set as the global one; None when traces
    are not asked for or the extra is not installed (then ``warn`` says how to install it)."""
    say = warn or (lambda line: print(f"livechat-mcp: {line}", file=sys.stderr, flush=True))
    if not wanted(env):
        return None
    try:
        from opentelemetry import trace
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter
    except ImportError:
        say(f"an OTLP endpoint is set, but traces need the OpenTelemetry extra: {EXTRA_HINT}; no traces are sent")
        return None
    protocol = (env.get("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL") or env.get("OTEL_EXPORTER_OTLP_PROTOCOL") or "").strip()
    if protocol not in ("", "http/protobuf"):
        say(f"OTLP protocol {protocol!r} is not supported here; traces go over OTLP/HTTP (http/protobuf)")
    attributes = {"service.version": __version__}
    if not env.get("OTEL_SERVICE_NAME", "").strip():
        attributes["service.name"] = "livechat-mcp"
    provider = TracerProvider(resource=Resource.create(attributes))
    # SafeExporter is a SpanExporter by duck type (subclassing would import the SDK with this module).
    provider.add_span_processor(BatchSpanProcessor(cast(SpanExporter, SafeExporter(OTLPSpanExporter()))))
    trace.set_tracer_provider(provider)
    return provider


def tracer_of(provider: Any) -> Any:
    return provider.get_tracer("livechat-mcp", __version__)


# Attributes that hold what a caller asked for by name (the MCP SDK's request spans).
ASKED_FOR = ("gen_ai.tool.name", "gen_ai.prompt.name")


def word(value: object) -> str:
    return value if isinstance(value, str) and WORD.fullmatch(value) else OTHER


def sanitized(span: Any) -> Any:
    """A copy of a finished span without its status description and exception events, naming
    what a caller asked for only by a word."""
    from opentelemetry.sdk.trace import ReadableSpan
    from opentelemetry.trace import Status

    method, _, target = span.name.partition(" ")
    name = f"{method} {word(target)}" if target else span.name
    attributes = {k: word(v) if k in ASKED_FOR else v for k, v in (span.attributes or {}).items()}
    return ReadableSpan(
        name=name, context=span.context, parent=span.parent, resource=span.resource,
        attributes=attributes, events=[e for e in span.events if e.name != "exception"], links=span.links,
        kind=span.kind, status=Status(span.status.status_code), start_time=span.start_time,
        end_time=span.end_time, instrumentation_scope=span.instrumentation_scope,
    )


class SafeExporter:
    """A SpanExporter passing on sanitized copies (see the module docstring)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def export(self, spans: Sequence[Any]) -> Any:
        return self.inner.export([sanitized(s) for s in spans])

    def shutdown(self) -> None:
        self.inner.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return bool(self.inner.force_flush(timeout_millis))
