"""Metrics and traces for operators (issue 24): ``Telemetry``, the Observer (server/observe.py)
the doors build from the command line and the environment and hand down to the runtime; every
layer below reports to it through that protocol and none imports this package.

- ``metrics.py``: Prometheus (``--metrics`` / ``LIVECHAT_MCP_METRICS``; ``/metrics`` on the HTTP
  transport, behind ``LIVECHAT_MCP_METRICS_TOKEN`` beyond loopback);
- ``traces.py``: OpenTelemetry over OTLP/HTTP with the ``OTEL_*`` variables (the ``otel`` extra);
- ``observer.py``: the one Observer doing both; ``labels.py``: the words they may carry.

Nothing is imported (prometheus-client, the OpenTelemetry SDK) unless it is switched on: a
server without either keeps ``NOBODY`` and starts as fast as before.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from urllib.parse import urlsplit

from .metrics import Metrics, MetricsSettings, metrics_route
from .observer import Telemetry

__all__ = ["Metrics", "MetricsSettings", "Telemetry", "build", "details", "metrics_route"]


def build(env: Mapping[str, str], metrics: MetricsSettings,
          warn: Callable[[str], None] | None = None) -> Telemetry | None:
    """The process's telemetry, or None when neither metrics nor traces are on (the runtime then
    keeps ``NOBODY``); ``close()`` it at exit so that queued spans are sent."""
    from . import traces

    provider = traces.tracer_provider(env, warn)
    if not metrics.enabled and provider is None:
        return None
    return Telemetry(Metrics() if metrics.enabled else None,
                     traces.tracer_of(provider) if provider is not None else None, provider)


def details(env: Mapping[str, str], telemetry: Telemetry | None, metrics: MetricsSettings,
            serving: str) -> list[str]:
    """The --verbose lines saying whether metrics and traces are on and where they go (``serving``:
    the HTTP origin, empty on stdio). A collector is named by its origin only: a URL's user
    information, path and query may hold a credential."""
    if telemetry is not None and telemetry.metrics is not None and serving:
        guard = "its bearer token (LIVECHAT_MCP_METRICS_TOKEN)" if metrics.token else "open to this machine only"
        lines = [f"metrics: {serving}/metrics, {guard}"]
    else:
        lines = ["metrics: off (--metrics, on the HTTP transport)"]
    if telemetry is not None and telemetry.provider is not None:
        url = urlsplit((env.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") or env.get("OTEL_EXPORTER_OTLP_ENDPOINT") or "").strip())
        origin = f"{url.scheme}://{url.hostname}" + (f":{url.port}" if url.port else "") if url.hostname else "?"
        lines.append(f"traces: OTLP/HTTP to {origin}")
    else:
        lines.append("traces: off (OTEL_EXPORTER_OTLP_ENDPOINT, with the otel extra)")
    return lines
