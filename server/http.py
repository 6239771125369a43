"""The streamable HTTP transport, safe by default.

- Binds 127.0.0.1 unless told otherwise, with the SDK's DNS-rebinding (Host/Origin) checks.
- Beyond loopback, clients must present the operator's bearer token
  (LIVECHAT_MCP_AUTH_TOKEN), checked by the SDK's bearer middleware; without one the server
  refuses to start unless --insecure-no-auth is given. The Host header is checked against the
  bound name and LIVECHAT_MCP_ALLOWED_HOSTS (the names a reverse proxy forwards, e.g.
  mcp.example.com). Bound to a wildcard address with no names configured, there is nothing to
  check Host against: the bearer token is then the guard (a DNS-rebinding page has no token).
- Request bodies are capped (the SDK answers oversized or malformed JSON-RPC clearly).
- ``/healthz`` (the process is alive) and ``/readyz`` (the state store answers; 503 otherwise)
  for load balancers: unauthenticated, no Host check, and they say nothing but ok/not ready.
"""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Mapping, Sequence
from typing import Any

from mcp.server.auth.provider import AccessToken
from mcp.server.auth.settings import AuthSettings
from mcp.server.transport_security import TransportSecuritySettings
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from .api.auth import ConfigError, check_credential_value
from .store import Store, StoreUnavailable

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
    store: Store | None = None,
) -> Starlette:
    token = env.get("LIVECHAT_MCP_AUTH_TOKEN", "").strip()
    if not is_loopback(host) and not token and not insecure_no_auth:
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
    if store is not None:
        kwargs["custom_starlette_routes"] = health_routes(store)
    if token:
        kwargs["auth"] = AuthSettings(issuer_url=f"http://{host}:{port}", resource_server_url=None)
        kwargs["token_verifier"] = StaticTokenVerifier(token)
    return server.streamable_http_app(
        streamable_http_path="/mcp",
        host=host,
        transport_security=security_settings(host, port, origins, hosts),
        max_request_body_size=max_body,
        stateless_http=stateless,
        **kwargs,
    )
