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

from .metrics import Metrics, MetricsSettings, metrics_route
from .observer import Telemetry

__all__ = ["Metrics", "MetricsSettings", "Telemetry", "build", "metrics_route"]


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
