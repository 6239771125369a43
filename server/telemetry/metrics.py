"""Prometheus metrics (``prometheus-client``) and the ``/metrics`` route of the HTTP transport.

Off unless asked for (``--metrics`` / ``LIVECHAT_MCP_METRICS=true``). Without a token it answers
the machine itself only: bound beyond loopback, or announced through a proxy
(``LIVECHAT_MCP_PUBLIC_URL`` naming another host), the server refuses to start unless
``LIVECHAT_MCP_METRICS_TOKEN`` is set; and a scrape a proxy forwarded (a Host that is not loopback,
or forwarding headers) is refused, because a reverse proxy on the same machine reaches a loopback
server from loopback. With a token every scrape must send ``Authorization: Bearer <token>``. The token is
the scraper's own: it opens /metrics and nothing else (it must differ from the MCP clients'
``LIVECHAT_MCP_AUTH_TOKEN``), because what is counted here says which tools a deployment serves
and how often, which is no one else's business.

The series (each label a word from a bounded vocabulary, server/telemetry/labels.py; never a
person's email, a token or license text):

- ``livechat_mcp_tool_calls_total{tool, decision, outcome}`` and ``..._tool_call_duration_seconds{tool}``
- ``livechat_mcp_upstream_requests_total{action, status, retry}`` (retry 0 is the first attempt) and
  ``livechat_mcp_upstream_request_duration_seconds{action}``
- ``livechat_mcp_license_budget_remaining{license}`` / ``..._limit{license}``: LiveChat's word on the
  license's request quota (X-RateLimit-Remaining / -Limit), shared by every integration on it
- ``livechat_mcp_store_operation_duration_seconds{backend, operation}``,
  ``livechat_mcp_store_errors_total{backend, operation, error}``
- ``livechat_mcp_hosted_events_total{event, outcome}``: sign-ins, token refreshes, revocations
- ``livechat_mcp_info{version}``, and the process's own (CPU, memory, open files, GC)
"""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from .. import __version__
from ..api.auth import check_credential_value
from ..errors import ConfigError

TRUE = ("1", "true", "yes", "on")
FALSE = ("", "0", "false", "no", "off")


@dataclass(frozen=True)
class MetricsSettings:
    enabled: bool
    token: str | None

    @classmethod
    def from_env(cls, env: Mapping[str, str], *, flag: bool, host: str | None, loopback: bool) -> MetricsSettings:
        """``flag``: --metrics; ``host``: where HTTP binds (None: stdio, no HTTP at all);
        ``loopback``: whether that host is a loopback address. Raises ConfigError for a setting
        that cannot be served safely, before anything starts."""
        raw = env.get("LIVECHAT_MCP_METRICS", "").strip().lower()
        if raw not in TRUE + FALSE:
            raise ConfigError(f"LIVECHAT_MCP_METRICS={env['LIVECHAT_MCP_METRICS']!r}: use true or false")
        enabled = flag or raw in TRUE
        token = env.get("LIVECHAT_MCP_METRICS_TOKEN", "").strip() or None
        if not enabled:
            return cls(False, None)
        if host is None:
            raise ConfigError("--metrics serves /metrics on the HTTP transport: add --transport http "
                              "(a stdio server has no port for Prometheus to scrape)")
        if token is not None:
            check_credential_value("LIVECHAT_MCP_METRICS_TOKEN", token, "at least 16 random characters, e.g. from "
                                   "python -c \"import secrets; print(secrets.token_urlsafe(32))\"")
            if len(token) < 16:
                raise ConfigError("LIVECHAT_MCP_METRICS_TOKEN is too short: use at least 16 random characters.")
            if token == env.get("LIVECHAT_MCP_AUTH_TOKEN", "").strip():
                raise ConfigError("LIVECHAT_MCP_METRICS_TOKEN must differ from LIVECHAT_MCP_AUTH_TOKEN: the scraper's "
                                  "token opens /metrics only, never the tools")
        elif not loopback:
            raise ConfigError(f"Refusing to serve /metrics on {host} without a token: set LIVECHAT_MCP_METRICS_TOKEN "
                              "(Prometheus then sends it as a bearer token: authorization.credentials in its "
                              "scrape config), or bind 127.0.0.1")
        elif not loopback_name(urlsplit(env.get("LIVECHAT_MCP_PUBLIC_URL", "").strip()).hostname or "localhost"):
            # Clients reach this server through a proxy, which reaches it from loopback: what the proxy
            # passes on would find /metrics open.
            raise ConfigError("Refusing to serve /metrics without a token behind a proxy (LIVECHAT_MCP_PUBLIC_URL "
                              "names another host): set LIVECHAT_MCP_METRICS_TOKEN (Prometheus then sends it as a "
                              "bearer token: authorization.credentials in its scrape config)")
        return cls(True, token)


def loopback_name(host: str) -> bool:
    """Whether a host name or address (as a Host header or URL gives it) is this machine's loopback."""
    if host.lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


# Headers a reverse proxy adds to what it forwards (nginx, Caddy, Traefik, cloud load balancers).
FORWARDED = ("forwarded", "x-forwarded-for", "x-forwarded-host", "x-forwarded-proto", "x-real-ip")


def from_this_machine(request: Request) -> bool:
    """A scrape straight from this machine: its peer and the host it asked for are loopback, and
    nothing says a proxy forwarded it. (A proxy on this machine that rewrites Host to the upstream
    and adds no header is indistinguishable: hence the start-up refusal behind a public URL.)"""
    if any(name in request.headers for name in FORWARDED):
        return False
    peer = request.client.host if request.client else ""
    asked = urlsplit(f"//{request.headers.get('host', '')}").hostname or ""
    return loopback_name(peer) and loopback_name(asked)


class Metrics:
    """The process's metric families in a registry of its own (not the library's global one)."""

    def __init__(self) -> None:
        from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, disable_created_metrics
        from prometheus_client.gc_collector import GCCollector
        from prometheus_client.platform_collector import PlatformCollector
        from prometheus_client.process_collector import ProcessCollector

        disable_created_metrics()  # type: ignore[no-untyped-call]  # no *_created series: nothing reads them
        self.registry = r = CollectorRegistry()
        ProcessCollector(registry=r)
        PlatformCollector(registry=r)
        GCCollector(registry=r)
        Gauge("livechat_mcp_info", "This server's version", ["version"], registry=r).labels(__version__).set(1)
        self.tool_calls = Counter("livechat_mcp_tool_calls", "Tool calls, by tool, the policy's decision "
                                  "(allowed, refused, planned, declined, confirm) and the outcome (ok or the error "
                                  "type)", ["tool", "decision", "outcome"], registry=r)
        self.tool_seconds = Histogram("livechat_mcp_tool_call_duration_seconds", "Time to answer a tool call",
                                      ["tool"], registry=r,
                                      buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60))
        self.upstream = Counter("livechat_mcp_upstream_requests", "Requests sent to LiveChat, by action, HTTP "
                                "status (none: no answer) and retry (0: the first attempt)",
                                ["action", "status", "retry"], registry=r)
        self.upstream_seconds = Histogram("livechat_mcp_upstream_request_duration_seconds",
                                          "Latency of one request to LiveChat (one attempt)", ["action"], registry=r,
                                          buckets=(0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30))
        self.budget_remaining = Gauge("livechat_mcp_license_budget_remaining", "Requests left in the license's "
                                      "quota window, as LiveChat last said (X-RateLimit-Remaining)", ["license"],
                                      registry=r)
        self.budget_limit = Gauge("livechat_mcp_license_budget_limit", "The license's request quota per window, as "
                                  "LiveChat last said (X-RateLimit-Limit)", ["license"], registry=r)
        self.store_seconds = Histogram("livechat_mcp_store_operation_duration_seconds", "Latency of a state store "
                                       "operation", ["backend", "operation"], registry=r,
                                       buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5))
        self.store_errors = Counter("livechat_mcp_store_errors", "State store operations that failed, by error",
                                    ["backend", "operation", "error"], registry=r)
        self.hosted = Counter("livechat_mcp_hosted_events", "Hosted mode: sign-ins, token refreshes and revocations, "
                              "by outcome", ["event", "outcome"], registry=r)

    def exposition(self) -> tuple[bytes, str]:
        from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

        return generate_latest(self.registry), CONTENT_TYPE_LATEST


def metrics_route(metrics: Metrics, token: str | None) -> Route:
    """``GET /metrics``: the exposition, behind the scraper's bearer token when one is set."""
    expected = f"Bearer {token}".encode() if token else None

    async def endpoint(request: Request) -> Response:
        if expected is not None:
            given = request.headers.get("authorization", "").encode()
            if not hmac.compare_digest(given, expected):
                return PlainTextResponse("a bearer token is required for /metrics\n", status_code=401,
                                         headers={"WWW-Authenticate": 'Bearer realm="metrics"'})
        elif not from_this_machine(request):
            return PlainTextResponse("/metrics without LIVECHAT_MCP_METRICS_TOKEN answers this machine only, not what "
                                     "a proxy forwards: set the token to scrape it from elsewhere\n", status_code=403)
        body, content_type = metrics.exposition()
        return Response(body, media_type=content_type)

    return Route("/metrics", endpoint, methods=["GET"])
