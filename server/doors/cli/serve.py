"""`livechat-mcp [serve]`: MCP over stdio or streamable HTTP (hosted mode with --oauth)."""

from __future__ import annotations

import argparse
import os
import signal
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ...calls.runtime import Runtime
from .base import app_for

if TYPE_CHECKING:
    from ...telemetry import MetricsSettings, Telemetry


def _quit_at_once(signum: int, frame: object) -> None:
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(130)


@dataclass(frozen=True)
class Endpoint:
    """Where ``serve`` listens: stdio, or HTTP on host:port (the flags, else LIVECHAT_MCP_*)."""

    transport: str
    host: str | None = None
    port: int = 0

    @property
    def loopback(self) -> bool:
        if self.host is None:
            return True  # stdio: the HTTP door is not even imported
        from ..http import is_loopback

        return is_loopback(self.host)


def endpoint(args: argparse.Namespace) -> Endpoint:
    transport = getattr(args, "transport", None) or os.environ.get("LIVECHAT_MCP_TRANSPORT", "stdio")
    if transport != "http":
        return Endpoint(transport)
    host = getattr(args, "host", None) or os.environ.get("LIVECHAT_MCP_HOST", "127.0.0.1")
    port = getattr(args, "port", None) or int(os.environ.get("LIVECHAT_MCP_PORT", "8000"))
    return Endpoint(transport, host, port)


async def run(runtime: Runtime, args: argparse.Namespace, telemetry: Telemetry | None = None,
              metrics: MetricsSettings | None = None) -> int:
    """``telemetry`` with metrics on: /metrics joins the HTTP routes (behind ``metrics.token``)."""
    app = app_for(runtime)
    where = endpoint(args)
    http_app = None
    hosted: Any = None
    if where.transport == "http":  # built first: a refused HTTP setup fails before announcing anything
        from ..http import HttpLimits, PeerLimits, build_http_app

        host, port = where.host or "127.0.0.1", where.port
        limits = HttpLimits.from_env(os.environ)  # a bad value refuses to start, before any output
        peers = PeerLimits.from_env(os.environ)
        if getattr(args, "oauth", False):
            from ..hosted import HostedMode

            hosted = HostedMode(runtime, os.environ, host=host, port=port)
            app.resolver = hosted.resolve
        routes = []
        if telemetry is not None and telemetry.metrics is not None:
            from ...telemetry import metrics_route

            routes.append(metrics_route(telemetry.metrics, metrics.token if metrics else None))
        http_app = build_http_app(
            app.server, host=host, port=port, env=os.environ,
            insecure_no_auth=getattr(args, "insecure_no_auth", False), hosted=hosted,
            store=runtime.store,
            # Replicas sharing a networked store serve any request on any replica: no sessions
            # pinned to one process (session-less 2026-07-28 clients need none anyway).
            stateless=runtime.store.url.startswith(("redis:", "rediss:", "unix:")),
            routes=routes,
        )
    visible = len(app.list_tools()) if hosted is None else hosted.ceiling_tools()
    from ...tools import schema_cache

    schema_cache.save()  # now, not at exit: a client may end a stdio server by a signal
    serving = f"http://{host}:{port}/mcp" if http_app is not None else ""
    # One short line; the rest with --verbose (a person starting it reads the line, not a page).
    print(runtime.banner(visible, serving), file=sys.stderr, flush=True)
    if getattr(args, "verbose", False):
        from ... import telemetry as observing

        details = runtime.details() + observing.details(
            os.environ, telemetry, metrics or observing.MetricsSettings(False, None), serving.removesuffix("/mcp"))
        if hosted is not None:
            details.append(f"hosted mode: people sign in at {hosted.settings.resource} with LiveChat "
                           f"({hosted.settings.accounts_url}); LiveChat redirect URI {hosted.settings.callback_url}")
        for line in details:
            print(f"livechat-mcp:   {line}", file=sys.stderr, flush=True)
    if http_app is not None:
        import uvicorn

        from ..http import server_config

        config = server_config(http_app, host=host, port=port, limits=limits, peers=peers, log_level="warning",
                               lifespan="on")
        try:
            await uvicorn.Server(config).serve()
        finally:
            if hosted is not None:
                await hosted.aclose()
        return 0
    from mcp.server.stdio import stdio_server

    if sys.stdin.isatty():
        # Someone ran it by hand: say that it waits for a client, not for typed commands.
        print("livechat-mcp: waiting for an MCP client on stdin/stdout (`livechat-mcp config --help` connects "
              "one; `livechat-mcp tools` lists the tools). Press Ctrl-C to quit.", file=sys.stderr, flush=True)
        # A person at a terminal means "quit now" by Ctrl-C. Left to the event loop, SIGINT only
        # cancels the main task, which then waits for the stdin reader thread (blocked in read,
        # not cancellable): under load that wait outlived the person's patience. Nothing is pending
        # here (audit lines are flushed as written), so leave at once.
        signal.signal(signal.SIGINT, _quit_at_once)
    server = app.server
    async with stdio_server() as (read, write):
        await server.run(read, write, server.create_initialization_options())
    return 0
