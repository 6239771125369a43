"""Wiring hosted mode into the process: the process-level runtime, the SDK's auth routes with
our provider, our consent/callback routes, and the per-request resolution of the principal to
its own MCP app.

A door, not part of server/auth/: it assembles the sign-in pieces (server/auth/) with the MCP app
(server/doors/mcp_app.py) each signed-in person gets; server/auth/ imports no door."""

from __future__ import annotations

import dataclasses
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

import httpx
from mcp.server.auth.settings import AuthSettings, ClientRegistrationOptions, RevocationOptions
from mcp.shared.exceptions import MCPError
from mcp_types import INVALID_REQUEST
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ..api.auth import bearer
from ..api.client import DEFAULT_BASE_URL
from ..api.ratelimit import license_bucket
from ..auth.claims import AUTH_METHODS
from ..auth.clients import ClientRegistry
from ..auth.endpoints import Endpoints
from ..auth.flow import SignInFlow
from ..auth.livechat import AccountsClient
from ..auth.principal import MAX_CACHED_PRINCIPALS, HostedRuntimes, person_rights, rights_summary
from ..auth.provider import MCP_SCOPE, Access, Provider
from ..auth.records import Records
from ..auth.settings import OAuthSettings
from ..calls.runtime import Principal, Runtime, Settings, open_app
from ..errors import ConfigError
from ..observe import NOBODY, Observer
from ..policies import PolicyContext
from ..store.crypto import load_sealer
from .mcp_app import LiveChatMCP
from .plan_page import PlanPages


async def build_hosted_runtime(settings: Settings, env: Mapping[str, str], observer: Observer = NOBODY) -> Runtime:
    """The process-level runtime of hosted mode: settings, the ceiling policy, the audit sink,
    the shared pool. Its principal holds no LiveChat credential and may call nothing (every scope
    refused): each request runs as the principal of its signed-in person instead (server/auth/principal.py)."""
    if settings.sandbox:
        raise ConfigError("--oauth signs people in at a LiveChat accounts service, which the in-process sandbox "
                          "cannot serve to a browser: run `livechat-mcp sandbox` and use the command it prints.")
    # Sign-ins, codes and tokens live in the store: replicas must share one (--store redis://...).
    app = await open_app(settings, env, observer)
    app.upstream = f"{app.base_url} (hosted: each person signs in with their LiveChat account)"
    credential = bearer("")
    nobody = Principal.create(
        app, id="hosted", credential=credential, license_key=license_bucket(app.base_url, credential, None),
        region=None, client_id=None, policy=PolicyContext(app.ceiling, frozenset(), "per person: their own LiveChat token's"),
        audit=app.audit, scrubber=app.scrubber,
    )
    return Runtime(app, nobody)


def max_signed_in(env: Mapping[str, str]) -> int:
    """How many signed-in people's runtimes one process keeps in memory (LIVECHAT_MCP_MAX_SIGNED_IN);
    others are rebuilt from the store on their next request."""
    raw = env.get("LIVECHAT_MCP_MAX_SIGNED_IN", "").strip()
    if not raw:
        return MAX_CACHED_PRINCIPALS
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"LIVECHAT_MCP_MAX_SIGNED_IN={raw!r} is not a whole number") from None
    if value < 1:
        raise ConfigError("LIVECHAT_MCP_MAX_SIGNED_IN must be at least 1")
    return value


class HostedMode:
    def __init__(self, runtime: Runtime, env: Mapping[str, str], *, host: str, port: int) -> None:
        self.settings = OAuthSettings.from_env(env, host=host, port=port)
        self.records = Records(runtime.store, load_sealer(env))  # the store is the runtime's: it closes it
        self._http = httpx.AsyncClient(timeout=15.0)
        self.accounts = AccountsClient(self.settings, self._http)
        self.registry = ClientRegistry(self.records, allow_loopback=self.settings.allow_loopback_metadata)
        self.provider = Provider(self.settings, self.records, self.registry, self.accounts,
                                 on_revoke=self._forget, audit=runtime.audit,
                                 on_event=runtime.app.observer.hosted_event)
        base_url = env.get("LIVECHAT_API_URL", "").strip() or DEFAULT_BASE_URL
        self.runtimes = HostedRuntimes(runtime, self.provider, base_url=base_url)
        ceiling = runtime.policy.policy
        self.flow = SignInFlow(self.settings, self.records, self.provider, self.accounts,
                               rights=lambda: rights_summary(ceiling, self.settings.write_roles),
                               person_rights=lambda grant: person_rights(ceiling, grant, self.settings.write_roles),
                               audit=runtime.audit)
        # Each signed-in person's MCP app, as many as the runtimes kept (the least recently used
        # go first): past the cache limit a sign-in costs nothing more than its records in the store.
        self.runtimes.max_cached = max_signed_in(env)
        self._apps: OrderedDict[str, LiveChatMCP] = OrderedDict()
        # The /plans/{id} page (approvals in a browser), behind the same LiveChat sign-in.
        runtime.app.public_url = self.settings.public_url
        self.pages = PlanPages(runtime, self.settings, self.records, self.accounts)

    def _forget(self, grant_id: str) -> None:
        self.runtimes.forget(grant_id)
        self._apps.pop(grant_id, None)

    def auth_settings(self) -> AuthSettings:
        return AuthSettings(
            issuer_url=self.settings.issuer,  # type: ignore[arg-type]
            resource_server_url=self.settings.resource,  # type: ignore[arg-type]
            validate_token_resource=True,
            # One scope, "livechat": what a person may do is decided per call by their effective
            # policy; a token without it is answered 403 insufficient_scope (clients step up).
            required_scopes=[MCP_SCOPE],
            client_registration_options=ClientRegistrationOptions(
                enabled=True, valid_scopes=[MCP_SCOPE], default_scopes=[MCP_SCOPE]),
            revocation_options=RevocationOptions(enabled=True),
        )

    def http_kwargs(self) -> dict[str, Any]:
        return {
            "auth": self.auth_settings(),
            "token_verifier": self.provider,
            "auth_server_provider": self.provider,
            "custom_starlette_routes": [*self.flow.routes(), *self.pages.routes()],
        }

    def finish(self, app: Starlette) -> Starlette:
        """Advertise what the SDK's metadata leaves out (Client ID Metadata Documents, public
        clients: ``none``, ``iss`` in the authorization response, RFC 9207), serve /authorize,
        /token and /revoke with ours (server/auth/endpoints.py), and share /oauth/callback with the
        plan page."""
        ours = Endpoints(self.settings, self.provider).routes()
        for i, route in enumerate(app.router.routes):
            if isinstance(route, Route) and route.path == "/.well-known/oauth-authorization-server":
                original = route

                async def metadata(request: Request, _route: Route = original) -> Response:
                    from mcp.server.auth.routes import build_metadata

                    s = self.auth_settings()
                    meta = build_metadata(s.issuer_url, None, s.client_registration_options or ClientRegistrationOptions(),
                                          s.revocation_options or RevocationOptions())
                    meta.scopes_supported = [MCP_SCOPE]
                    # Public clients (MCP clients, every metadata document) authenticate with nothing
                    # but PKCE; Claude looks for "none" before it uses Client ID Metadata Documents.
                    meta.token_endpoint_auth_methods_supported = list(AUTH_METHODS)
                    meta.revocation_endpoint_auth_methods_supported = list(AUTH_METHODS)
                    meta.client_id_metadata_document_supported = True
                    meta.authorization_response_iss_parameter_supported = True
                    return JSONResponse(meta.model_dump(mode="json", exclude_none=True),
                                        headers={"Cache-Control": "public, max-age=3600",
                                                 "Access-Control-Allow-Origin": "*"})

                app.router.routes[i] = Route(original.path, metadata, methods=["GET", "OPTIONS"])
            elif isinstance(route, Route) and route.path == "/oauth/callback":
                # LiveChat returns every sign-in here (the app's one redirect URI): the plan page's
                # (server/doors/plan_page.py) by their state, MCP clients' to the sign-in flow.
                flow_callback = route.endpoint

                async def callback(request: Request, _flow: Any = flow_callback) -> Response:
                    answer = await self.pages.callback(request)
                    return answer if answer is not None else await _flow(request)

                app.router.routes[i] = Route(route.path, callback, methods=["GET"])
            elif isinstance(route, Route) and route.path in ours:
                app.router.routes[i] = ours[route.path]
        return app

    def ceiling_tools(self) -> int:
        """How many tools the operator's policy lets a person with every scope see (for the banner)."""
        base = self.runtimes.base
        widest = dataclasses.replace(base.principal, policy=PolicyContext(base.policy.policy, None, "every scope"))
        return len(LiveChatMCP(Runtime(base.app, widest)).list_tools())

    async def resolve(self, ctx: Any) -> LiveChatMCP:
        """The per-person app for this request, from the access token the SDK verified."""
        request = getattr(ctx, "request", None)
        user = request.scope.get("user") if request is not None else None
        token = getattr(user, "access_token", None)
        if not isinstance(token, Access):
            raise MCPError(INVALID_REQUEST, "Not signed in: connect again to sign in with LiveChat.")
        found = await self.runtimes.for_token(token)
        if found is None:
            raise MCPError(INVALID_REQUEST, "Your LiveChat sign-in has ended: connect again to sign in.")
        runtime, person = found
        app = self._apps.get(person.grant_id)
        if app is None or app.runtime is not runtime:
            app = self._apps[person.grant_id] = LiveChatMCP(runtime)
        self._apps.move_to_end(person.grant_id)
        while len(self._apps) > self.runtimes.max_cached:
            self._apps.popitem(last=False)
        return app

    async def aclose(self) -> None:
        await self.runtimes.aclose()
        await self.registry.aclose()
        await self._http.aclose()
