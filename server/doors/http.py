"""The streamable HTTP transport, safe by default.

- Binds 127.0.0.1 unless told otherwise, with the SDK's DNS-rebinding (Host/Origin) checks.
- Beyond loopback, clients must present the operator's bearer token
  (LIVECHAT_MCP_AUTH_TOKEN), checked by the SDK's bearer middleware; without one the server
  refuses to start unless --insecure-no-auth is given. The Host header is checked against the
  bound name and LIVECHAT_MCP_ALLOWED_HOSTS (the names a reverse proxy forwards, e.g.
  mcp.example.com). Bound to a wildcard address with no names configured, there is nothing to
  check Host against: the bearer token is then the guard (a DNS-rebinding page has no token).
- Request bodies are capped (the SDK answers oversized or malformed JSON-RPC clearly).
- Slow and greedy clients are bounded at the transport (HttpLimits, GuardedH11Protocol): a cap on
  open connections, deadlines for a request's headers and body, an idle keep-alive timeout, a
  header size limit; a refused request's connection is closed (CloseAfterRefusal).
- ``/healthz`` (the process is alive) and ``/readyz`` (the state store answers; 503 otherwise)
  for load balancers: unauthenticated, no Host check, and they say nothing but ok/not ready.
"""

from __future__ import annotations

import asyncio
import gc
import hmac
import ipaddress
import logging
import resource
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from mcp.server.auth.provider import AccessToken
from mcp.server.auth.settings import AuthSettings
from mcp.server.transport_security import TransportSecuritySettings
from pydantic import AnyHttpUrl
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from ..api.auth import check_credential_value
from ..errors import ConfigError
from ..store import Store, StoreUnavailable

DEFAULT_MAX_BODY = 4_000_000  # 4 MB: a 1000-agent plan with groups and schedules (~1.3 MB) fits; a runaway client does not


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class StaticTokenVerifier:
    """Accepts exactly the operator's token (compared in constant time)."""

    def __init__(self, token: str) -> None:
        self._token = token

    async def verify_token(self, token: str) -> AccessToken | None:
        if hmac.compare_digest(token.encode(), self._token.encode()):
            return AccessToken(token="operator", client_id="livechat-mcp-client", scopes=[])
        return None


def _split_port(name: str) -> tuple[str, bool]:
    """(the host name without a port, whether a port was given); IPv6 literals come bracketed."""
    name = name.strip()
    if name.startswith("[") or name.count(":") != 1:
        return name, False
    return name.rsplit(":", 1)[0], True


def _host_patterns(name: str) -> list[str]:
    """``name`` with any port, or exactly ``name:port`` if a port is given."""
    bare, has_port = _split_port(name)
    return [name.strip()] if has_port else [bare, f"{bare}:*"]


def security_settings(
    host: str,
    port: int,
    allowed_origins: Sequence[str] = (),
    allowed_hosts: Sequence[str] = (),
) -> TransportSecuritySettings:
    """Host/Origin checks: loopback names when bound to loopback, else the bound name; plus the
    names in ``allowed_hosts`` (what a reverse proxy forwards) either way."""
    names = list(allowed_hosts)
    if is_loopback(host):
        hosts = ["127.0.0.1:*", "localhost:*", "[::1]:*"]
        origins = ["http://127.0.0.1:*", "http://localhost:*", "http://[::1]:*"]
    else:
        if host not in ("0.0.0.0", "::", "[::]", ""):
            names.insert(0, host)
        elif not names:  # a wildcard bind with no names: nothing to check Host against
            return TransportSecuritySettings(enable_dns_rebinding_protection=False)
        hosts, origins = [], []
    for name in names:
        hosts += _host_patterns(name)
        bare, _ = _split_port(name)
        origins += [f"{scheme}://{bare}{suffix}" for scheme in ("http", "https") for suffix in ("", ":*")]
    return TransportSecuritySettings(
        enable_dns_rebinding_protection=True, allowed_hosts=hosts, allowed_origins=[*origins, *allowed_origins]
    )


def health_routes(store: Store) -> list[Route]:
    async def healthz(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    async def readyz(request: Request) -> JSONResponse:
        try:
            await store.ping()
        except StoreUnavailable:
            # The reason may name hosts; the operator finds it in the server's own errors.
            return JSONResponse({"status": "not ready", "store": "unreachable"}, status_code=503)
        return JSONResponse({"status": "ready"})

    return [Route("/healthz", healthz, methods=["GET"]), Route("/readyz", readyz, methods=["GET"])]


def build_http_app(
    server: Any,
    *,
    host: str,
    port: int,
    env: Mapping[str, str],
    insecure_no_auth: bool = False,
    max_body: int = DEFAULT_MAX_BODY,
    stateless: bool = False,
    hosted: Any = None,
    store: Store | None = None,
    routes: Sequence[Route] = (),
) -> Starlette:
    """``hosted`` (server.doors.hosted.HostedMode): people sign in with OAuth instead of the
    operator's static token. ``routes``: more routes beside /mcp, each guarding itself (/metrics)."""
    token = env.get("LIVECHAT_MCP_AUTH_TOKEN", "").strip()
    if hosted is not None and token:
        raise ConfigError("--oauth and LIVECHAT_MCP_AUTH_TOKEN exclude each other: unset LIVECHAT_MCP_AUTH_TOKEN.")
    if not is_loopback(host) and not token and not insecure_no_auth and hosted is None:
        raise ConfigError(
            f"Refusing to serve on {host} without client authentication: set LIVECHAT_MCP_AUTH_TOKEN "
            "(clients then send 'Authorization: Bearer <token>'), bind 127.0.0.1, or pass --insecure-no-auth."
        )
    if token:  # a template's "<your token>" or "changeme..." would let anyone in
        check_credential_value("LIVECHAT_MCP_AUTH_TOKEN", token,
                               "at least 16 random characters, e.g. from python -c \"import secrets; "
                               "print(secrets.token_urlsafe(32))\"")
    if token and len(token) < 16:
        raise ConfigError("LIVECHAT_MCP_AUTH_TOKEN is too short: use at least 16 random characters.")
    origins = [o.strip() for o in env.get("LIVECHAT_MCP_ALLOWED_ORIGINS", "").split(",") if o.strip()]
    hosts = [h.strip() for h in env.get("LIVECHAT_MCP_ALLOWED_HOSTS", "").split(",") if h.strip()]
    kwargs: dict[str, Any] = {}
    if hosted is not None:
        kwargs.update(hosted.http_kwargs())
        public = hosted.settings.public_url.split("://", 1)[1]
        if not is_loopback(_split_port(public)[0].strip("[]")):
            hosts.append(public)  # the name the reverse proxy forwards
    if store is not None:
        kwargs["custom_starlette_routes"] = [*kwargs.get("custom_starlette_routes", []), *health_routes(store)]
    if routes:
        kwargs["custom_starlette_routes"] = [*kwargs.get("custom_starlette_routes", []), *routes]
    if token:
        kwargs["auth"] = AuthSettings(issuer_url=AnyHttpUrl(f"http://{host}:{port}"), resource_server_url=None)
        kwargs["token_verifier"] = StaticTokenVerifier(token)
    app: Starlette = server.streamable_http_app(
        streamable_http_path="/mcp",
        host=host,
        transport_security=security_settings(host, port, origins, hosts),
        max_request_body_size=max_body,
        stateless_http=stateless,
        **kwargs,
    )
    app = hosted.finish(app) if hosted is not None else app
    if isinstance(app, Starlette):
        answer_store_outages(app)
    return app


def answer_store_outages(app: Starlette) -> None:
    """A state store that does not answer, met outside any tool call (hosted mode's token check,
    client registration, a sign-in's records), is answered 503 ``store_unavailable`` with
    Retry-After, as a call meeting it is answered, instead of an internal error."""

    async def unavailable(request: Request, exc: Exception) -> Response:
        if isinstance(exc, StoreUnavailable):
            return JSONResponse({"error": "store_unavailable", "error_description": "The state store did not "
                                 "answer; nothing was done. Retry in a few seconds."}, status_code=503,
                                headers={"Retry-After": "5", "Cache-Control": "no-store"})
        return PlainTextResponse("Internal Server Error", status_code=500)

    app.add_exception_handler(StoreUnavailable, unavailable)  # in a route
    app.add_exception_handler(500, unavailable)  # in a middleware (the bearer check): Starlette's last resort


# --- slow and greedy clients ----------------------------------------------------------------------
#
# uvicorn bounds what it can: the keep-alive idle time, the header size (h11's incomplete-event
# buffer), the listen backlog, and a concurrency limit that answers 503 to requests once too many
# connections are open. What it has no setting for is the time a client may take to *send* a
# request: a connection that never finishes its headers (slowloris), or trickles its body, is kept
# forever (h11_impl arms its keep-alive timer only after a response, and cancels it on any byte),
# and its limit_concurrency check runs only once headers are complete, so such connections are
# never refused. Each holds a file descriptor; enough of them lock every client out. The protocol
# from guarded_protocol (below) adds the two deadlines and a hard cap on open connections, at the
# transport, before any of our code or the bearer check runs.

_RESPONSE_408 = b"HTTP/1.1 408 Request Timeout\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
_RESPONSE_431 = b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
_RESPONSE_503 = (b"HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain\r\ncontent-length: 25\r\n"
                 b"connection: close\r\nretry-after: 5\r\n\r\nToo many open connections")


def _fd_limit() -> int:
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    return soft if soft != resource.RLIM_INFINITY else 1 << 20


@dataclass(frozen=True)
class HttpLimits:
    """How long a client may take and how many connections it may hold (LIVECHAT_MCP_* env vars)."""

    max_connections: int  # open client connections; beyond it a new one is answered 503 and closed
    header_timeout: float  # seconds to send a request's headers (from connect, or from the previous response)
    body_timeout: float  # seconds to send a request's body once its headers are in
    keep_alive_timeout: float  # an idle keep-alive connection is closed after this
    max_header_bytes: int  # a request line + headers larger than this is refused (431)
    backlog: int  # connections the kernel queues before we accept them
    # Connections one peer may hold before its first request's headers are in (half-open): past
    # it, that peer's oldest such connection is closed, so no one address holds the cap.
    max_pending_per_peer: int = 0  # 0: a quarter of max_connections (at least 4)

    ENV: ClassVar[dict[str, str]] = {
        "max_connections": "LIVECHAT_MCP_MAX_CONNECTIONS",
        "header_timeout": "LIVECHAT_MCP_HEADER_TIMEOUT",
        "body_timeout": "LIVECHAT_MCP_BODY_TIMEOUT",
        "keep_alive_timeout": "LIVECHAT_MCP_KEEP_ALIVE_TIMEOUT",
        "max_header_bytes": "LIVECHAT_MCP_MAX_HEADER_BYTES",
        "backlog": "LIVECHAT_MCP_BACKLOG",
        "max_pending_per_peer": "LIVECHAT_MCP_MAX_PENDING_PER_PEER",
    }

    @property
    def pending_per_peer(self) -> int:
        return self.max_pending_per_peer or max(4, self.max_connections // 4)

    @classmethod
    def defaults(cls) -> HttpLimits:
        # Half the process's descriptors for clients leaves the rest for the upstream pool, the
        # state store, logs and the listening socket; 1000 is plenty for one team's server.
        return cls(max_connections=max(8, min(1000, _fd_limit() // 2)), header_timeout=10.0, body_timeout=30.0,
                   keep_alive_timeout=5.0, max_header_bytes=16_384, backlog=128)

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> HttpLimits:
        base = cls.defaults()
        values: dict[str, Any] = {}
        for field, var in cls.ENV.items():
            raw = env.get(var, "").strip()
            if not raw:
                values[field] = getattr(base, field)
                continue
            kind = type(getattr(base, field))
            try:
                value = kind(raw)
            except ValueError:
                raise ConfigError(f"{var}={raw!r} is not a {'whole ' if kind is int else ''}number") from None
            if not value > 0 or value != value or value == float("inf"):
                raise ConfigError(f"{var} must be a positive number, got {raw!r}")
            values[field] = value
        values.setdefault("max_pending_per_peer", 0)
        limits = cls(**values)
        fds = _fd_limit()
        if limits.max_connections > fds - 32:
            raise ConfigError(
                f"LIVECHAT_MCP_MAX_CONNECTIONS={limits.max_connections} would let clients use up this process's "
                f"{fds} file descriptors (ulimit -n): set it below {fds - 32} or raise the limit")
        return limits


def peer_key(host: str | None) -> str:
    """Whose budget a connection or request counts against: an IPv4 address, an IPv6 /64 (what
    one subscriber holds), or "" when unknown (a Unix socket)."""
    if not host:
        return ""
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return host
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network(f"{address}/64", strict=False))
    return str(address)


def guarded_protocol(limits: HttpLimits) -> type[asyncio.Protocol]:
    """uvicorn's h11 protocol with a connection cap, a header deadline and a body deadline.

    A deadline that passes closes the connection (408 when nothing was answered yet); the
    application then sees the client disconnect, as for any dropped connection.

    Who holds the cap: a connection is *waiting* until its request's headers are in (half-open:
    nothing shows yet whether it carries a credential), and, on a route that reads a body before
    any credential (everything but /mcp), until its body is in. No peer may keep more than its share of
    waiting connections (``pending_per_peer``; a peer's young ones, under a second old, are spared,
    as a proxy's burst is not an attack); and when the cap is reached, a new connection closes a
    waiting one instead of being refused: the oldest of the peer that holds the most, then the
    oldest idle keep-alive connection. Only when every open connection is busy with a request is
    the newcomer refused. So a client that keeps reopening half-open connections, with no token,
    holds its share and no more, and everyone else's calls still get through."""
    from uvicorn.protocols.http.h11_impl import H11Protocol

    refused_logged = [float("-inf")]
    evicted_logged = [float("-inf")]
    grace = min(1.0, limits.header_timeout / 2)
    waiting: dict[Any, float] = {}  # connections waiting for their first request's headers, oldest first
    idle: dict[Any, None] = {}  # keep-alive connections waiting for a next request, after an answer
    per_peer: dict[str, int] = {}  # waiting connections per peer

    class Guarded(H11Protocol):
        _timer: asyncio.TimerHandle | None = None
        _seen: object = None
        _peer: str = ""

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            self._head = bytearray()  # the current request head's bytes, up to the limit
            super().connection_made(transport)
            self._peer = peer_key(self.client[0] if self.client else None)
            now = self.loop.time()
            if per_peer.get(self._peer, 0) >= limits.pending_per_peer:
                # This peer's share of half-open connections is used up: its oldest goes.
                for other, since in waiting.items():
                    if other._peer == self._peer and now - since >= grace:
                        other._evict("a peer's share of half-open connections")
                        break
            if sum(1 for c in self.connections if not c.transport.is_closing()) > limits.max_connections:
                victim = self._victim()
                if victim is not None:
                    victim._evict("the connection cap")
                else:
                    if now - refused_logged[0] >= 10:  # a flood writes one line per 10 s, not one per connection
                        refused_logged[0] = now
                        self.logger.warning("Refusing connections: %d open (LIVECHAT_MCP_MAX_CONNECTIONS)",
                                            len(self.connections) - 1)
                    transport.write(_RESPONSE_503)
                    transport.close()
                    return
            self._wait(now)
            self._arm(limits.header_timeout, "headers")

        def _victim(self) -> Guarded | None:
            """The connection to close for a newcomer: a waiting one of the peer holding the most
            (its oldest), else the oldest idle keep-alive one; None when all are busy."""
            if per_peer:
                greediest = max(per_peer, key=lambda peer: per_peer[peer])
                for other in waiting:
                    if other._peer == greediest and other is not self:
                        return other  # type: ignore[no-any-return]
            return next((other for other in idle if other is not self), None)

        def _wait(self, now: float) -> None:
            waiting[self] = now
            per_peer[self._peer] = per_peer.get(self._peer, 0) + 1

        def _unwait(self) -> None:
            idle.pop(self, None)
            if waiting.pop(self, None) is not None:
                left = per_peer.get(self._peer, 1) - 1
                if left > 0:
                    per_peer[self._peer] = left
                else:
                    per_peer.pop(self._peer, None)

        def _evict(self, why: str) -> None:
            self._unwait()
            self._disarm()
            now = self.loop.time()
            if now - evicted_logged[0] >= 10:
                evicted_logged[0] = now
                self.logger.warning("Closing half-open or idle connections to make room (%s)", why)
            if not self.transport.is_closing():
                self.transport.write(_RESPONSE_503)
                self.transport.close()

        def connection_lost(self, exc: Exception | None) -> None:
            self._unwait()
            self._disarm()
            super().connection_lost(exc)

        def data_received(self, data: bytes) -> None:
            # h11's max_incomplete_event_size only applies while a head is incomplete: headers
            # that arrive in one read pass unchecked. Count the head's bytes ourselves.
            if self.cycle is None or self.cycle.response_complete:
                room = limits.max_header_bytes + 4 - len(self._head)
                self._head += data[:room] if room > 0 else b""
                end = self._head.find(b"\r\n\r\n")
                if end > limits.max_header_bytes or (end < 0 and len(self._head) > limits.max_header_bytes):
                    self.logger.info("Refused a request: headers over %d bytes", limits.max_header_bytes)
                    self._disarm()
                    self.transport.write(_RESPONSE_431)
                    self.transport.close()
                    return
            super().data_received(data)

        def handle_events(self) -> None:
            super().handle_events()
            cycle = self.cycle
            if cycle is not None and cycle is not self._seen:  # a new request's headers are complete
                self._seen = cycle
                self._head = bytearray()
                # Still half-open while an anonymous route's body trickles in (only /mcp checks a
                # credential before it reads a body): counted and closed like a missing head.
                anonymous_body = cycle.more_body and not str(cycle.scope.get("path", "")).startswith("/mcp")
                if not anonymous_body:
                    self._unwait()
                elif self not in waiting:
                    idle.pop(self, None)
                    self._wait(self.loop.time())
                if cycle.more_body:
                    self._arm(limits.body_timeout, "body")
                else:
                    self._disarm()
            elif cycle is not None and not cycle.more_body and self._why == "body":
                self._unwait()
                self._disarm()

        def on_response_complete(self) -> None:
            # The next request on this connection gets its own header deadline (after the idle
            # keep-alive time uvicorn allows); armed first, since a pipelined request that is
            # already buffered is handled inside super() and disarms it again.
            self._head = bytearray()
            if not self.transport.is_closing():
                self._arm(limits.keep_alive_timeout + limits.header_timeout, "headers")
                idle[self] = None  # answered: may wait for its next request, unless room is needed
            super().on_response_complete()

        # --- the deadline --------------------------------------------------------------------

        _why: str = ""

        def _arm(self, seconds: float, why: str) -> None:
            self._disarm()
            self._why = why
            self._timer = self.loop.call_later(seconds, self._expire, why)

        def _disarm(self) -> None:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            self._why = ""

        def _expire(self, why: str) -> None:
            self._timer = None
            self._why = ""
            if self.transport.is_closing():
                return
            cycle = self.cycle
            if why == "headers" and cycle is not None and not cycle.response_complete:
                return  # a request is in progress after all: its headers were complete in time
            if why == "body" and (cycle is None or not cycle.more_body):
                return
            self.logger.info("Closed a connection: request %s not received within the deadline", why)
            if cycle is None or cycle.response_complete or not cycle.response_started:
                self.transport.write(_RESPONSE_408)
            self.transport.close()

    Guarded.__name__ = Guarded.__qualname__ = "GuardedH11Protocol"
    return Guarded


class CloseAfterRefusal:
    """ASGI wrapper: a request refused as malformed, unauthenticated, from a foreign Origin or Host,
    or too large gets ``Connection: close``, so such a client cannot park on a keep-alive connection."""

    REFUSED = frozenset({400, 401, 403, 413, 415, 421, 429})

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope.get("type") != "http":
            await self.app(scope, receive, send)
            return

        async def guarded_send(message: Any) -> None:
            if message.get("type") == "http.response.start" and message.get("status") in self.REFUSED:
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"connection"]
                message = {**message, "headers": [*headers, (b"connection", b"close")]}
            await send(message)

        await self.app(scope, receive, send=guarded_send)


# --- caps before work, budgets per peer ------------------------------------------------------------
#
# Everything but /mcp is small: OAuth forms and JSON (the consent and confirmation forms, client
# registration, token and revocation requests) and the health and metrics routes. Their bodies
# are capped at FORM_MAX before any handler reads them (a handler that parses a form reads it
# whole, to memory or to disk for a multipart upload): a declared length over the cap is refused
# at once, and a body sent without one is read only up to it. /mcp's cap (max_body) is checked
# against the declared length here too, before the SDK reads anything. The two anonymous routes
# that make the server keep something (client registration: a record kept for months; /authorize:
# a pending sign-in) are rationed per peer.

FORM_MAX = 65_536  # bytes: an OAuth form or registration is a few hundred
FORM_ROUTES = ("/oauth/consent", "/oauth/confirm")  # our HTML forms: urlencoded, as a browser sends them
PAGE_PREFIX = "/plans/"  # hosted plan pages: a view without a page session starts a sign-in (rationed as /authorize)
MAX_PEERS = 10_000  # peers remembered per budget; the least recently seen are forgotten first


@dataclass(frozen=True)
class Ration:
    """At most ``count`` requests per ``seconds`` for one peer (a token bucket refilling steadily)."""

    count: int
    seconds: float

    @classmethod
    def parse(cls, var: str, text: str) -> Ration:
        count, _, seconds = text.strip().partition("/")
        try:
            ration = cls(int(count), float(seconds))
        except ValueError:
            raise ConfigError(f"{var}={text!r}: use REQUESTS/SECONDS, e.g. 20/600") from None
        if ration.count < 1 or not 0 < ration.seconds < float("inf"):
            raise ConfigError(f"{var}={text!r}: both numbers must be above zero")
        return ration


@dataclass(frozen=True)
class PeerLimits:
    """What one peer (an address; an IPv6 /64) may ask of the anonymous OAuth routes, per replica."""

    register: Ration  # POST /register: dynamic client registrations
    authorize: Ration  # /authorize: sign-ins started

    ENV: ClassVar[dict[str, str]] = {"register": "LIVECHAT_MCP_REGISTER_LIMIT",
                                     "authorize": "LIVECHAT_MCP_AUTHORIZE_LIMIT"}

    @classmethod
    def defaults(cls) -> PeerLimits:
        return cls(register=Ration(20, 600.0), authorize=Ration(60, 600.0))

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> PeerLimits:
        base = cls.defaults()
        return cls(**{field: Ration.parse(var, env[var]) if env.get(var, "").strip() else getattr(base, field)
                      for field, var in cls.ENV.items()})


class PeerBudgets:
    """Token buckets per peer for one ration, the least recently seen forgotten past MAX_PEERS."""

    def __init__(self, ration: Ration, clock: Any = None) -> None:
        import time
        from collections import OrderedDict

        self.ration = ration
        self.clock = clock or time.monotonic
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # peer: (tokens, at)

    def take(self, peer: str) -> float:
        """0 if the peer may go on (a token is spent), else the seconds until it may."""
        now = self.clock()
        rate = self.ration.count / self.ration.seconds
        tokens, at = self._buckets.pop(peer, (float(self.ration.count), now))
        tokens = min(float(self.ration.count), tokens + (now - at) * rate)
        wait = 0.0 if tokens >= 1 else (1 - tokens) / rate
        self._buckets[peer] = (tokens - 1 if not wait else tokens, now)
        while len(self._buckets) > MAX_PEERS:
            self._buckets.popitem(last=False)
        return wait


class DoorGuard:
    """ASGI wrapper, outside every route: body caps before any work, per-peer rations of the
    anonymous OAuth routes that make the server keep something."""

    def __init__(self, app: Any, *, max_body: int = DEFAULT_MAX_BODY, peers: PeerLimits | None = None) -> None:
        self.app = app
        self.max_body = max_body
        peers = peers or PeerLimits.defaults()
        self.budgets = {"/register": PeerBudgets(peers.register), "/authorize": PeerBudgets(peers.authorize)}
        # All peers together: ten peers' worth, so many addresses cannot fill the store with
        # registrations either (each kept for months) while a person's sign-in still gets through.
        self.overall = {path: PeerBudgets(Ration(budget.ration.count * 10, budget.ration.seconds))
                        for path, budget in self.budgets.items()}

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        try:
            await self._guard(scope, receive, send)
        except StoreUnavailable:
            # Already answered 503 (answer_store_outages); Starlette raises it again for the server's
            # log, which says it in one line instead of a traceback per request.
            logging.getLogger("livechat_mcp").warning("The state store did not answer (%s %s): answered 503",
                                                      scope.get("method"), scope.get("path"))

    async def _guard(self, scope: Any, receive: Any, send: Any) -> None:
        if scope.get("type") != "http":
            await self.app(scope, receive, send)
            return
        path, method = scope.get("path", ""), scope.get("method", "GET")
        headers = {k.lower(): v for k, v in scope.get("headers", [])}
        mcp = path == "/mcp" or path.startswith("/mcp/")
        cap = self.max_body if mcp else FORM_MAX
        declared = headers.get(b"content-length")
        if declared is not None:
            try:
                length = int(declared)
            except ValueError:
                await _answer(send, 400, "invalid_request", "Content-Length is not a number.")
                return
            if length > cap:
                await _answer(send, 413, "request_too_large", f"The request body is over {cap:,} bytes.")
                return
        if method == "POST" and path in FORM_ROUTES:
            kind = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
            if kind != b"application/x-www-form-urlencoded":
                await _answer(send, 415, "unsupported_media_type", "This form is sent urlencoded, as the page sends it.")
                return
        # Rationed after the caps: a request refused for its size spends nothing.
        # A hosted plan page (/plans/{id}) opened without a page session starts a sign-in too.
        rationed = "/authorize" if path.startswith(PAGE_PREFIX) and method == "GET" else path
        budget = self.budgets.get(rationed)
        if budget is not None and (method == "POST" or rationed == "/authorize") and method != "OPTIONS":
            client = scope.get("client")
            wait = budget.take(peer_key(client[0] if client else None)) or self.overall[rationed].take("*")
            if wait:
                await _answer(send, 429, "too_many_requests",
                              f"Too many {'registrations' if rationed == '/register' else 'sign-ins'} from this "
                              f"address, or from all together; try again in {int(wait) + 1} s.",
                              retry_after=int(wait) + 1)
                return
        if mcp or (declared is None and b"transfer-encoding" not in headers):
            await self.app(scope, receive, send)  # /mcp: the SDK reads it under its own cap; else no body
            return
        # A small route: its body read here, up to the cap, and handed on whole.
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            body += message.get("body", b"")
            if len(body) > cap:
                await _answer(send, 413, "request_too_large", f"The request body is over {cap:,} bytes.")
                return
            if not message.get("more_body"):
                break
        sent = False

        async def replay() -> Any:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": bytes(body), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


async def _answer(send: Any, status: int, error: str, description: str, retry_after: int | None = None) -> None:
    import json

    body = json.dumps({"error": error, "error_description": description}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
               (b"cache-control", b"no-store")]
    if retry_after is not None:
        headers.append((b"retry-after", str(retry_after).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def server_config(app: Any, *, host: str, port: int, limits: HttpLimits, peers: PeerLimits | None = None,
                  max_body: int = DEFAULT_MAX_BODY, **kwargs: Any) -> Any:
    """The uvicorn configuration for ``app`` under ``limits`` (and ``peers``' rations), for a server
    about to serve: what it built to start is frozen out of the cyclic garbage collector."""
    import uvicorn

    # The catalogue, its models and schemas, the SDK and the app live as long as the process: left
    # to the collector, each of its full passes (every few thousand calls) walked them all again,
    # ~10-20 us a call on average (bench/http_rate.py). What becomes garbage later is still freed
    # by reference counting, or by the collector if it was made after this.
    gc.freeze()

    return uvicorn.Config(
        CloseAfterRefusal(DoorGuard(app, max_body=max_body, peers=peers)), host=host, port=port,
        http=guarded_protocol(limits),
        # uvicorn's own request-level cap, a second line behind the connection cap: requests
        # (and their tasks) beyond it are answered 503. uvicorn counts connections being closed
        # too (the ones closed to make room, until the loop has let them go): room for those.
        limit_concurrency=2 * limits.max_connections + 1,
        # uvicorn annotates it int, but only passes it to loop.call_later, which takes a float.
        timeout_keep_alive=limits.keep_alive_timeout,  # type: ignore[arg-type]
        h11_max_incomplete_event_size=limits.max_header_bytes,
        backlog=limits.backlog,
        **kwargs,
    )
