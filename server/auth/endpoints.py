"""Our /authorize, /token and /revoke: the SDK's handlers where they are right, ours where not.

- ``/authorize`` (ours): every parameter at most once (RFC 6749 §3.1), a PKCE S256 challenge of
  43 to 128 URL-safe characters (RFC 7636 §4.2), the one scope; an error before our consent
  page is redirected back only to a client whose redirect URI its own id vouches for
  (``claims.may_redirect_errors``); anyone else gets it as a 400 here, never a redirect, so an
  anonymous registration cannot turn us into an open redirector. Every redirect names its
  issuer (RFC 9207).
- ``/token`` (the SDK's, after our check): a ``resource`` other than this server's ``/mcp`` is
  ``invalid_target`` (RFC 8707 §2.2); every parameter at most once.
- ``/revoke`` (ours, RFC 7009): a public client revokes with ``token`` and ``client_id`` alone
  (the SDK requires a ``client_secret`` field); a confidential client authenticates as at /token;
  every parameter at most once.
  An unknown token, or another client's, is answered 200 and nothing is revoked.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from urllib.parse import urlencode, urlsplit

from mcp.server.auth.handlers.authorize import AuthorizationRequest
from mcp.server.auth.handlers.token import TokenHandler
from mcp.server.auth.middleware.client_auth import AuthenticationError, ClientAuthenticator
from mcp.server.auth.provider import AuthorizationParams, AuthorizeError
from mcp.server.transport_security import DEFAULT_MAX_REQUEST_BODY_SIZE, RequestBodyLimitMiddleware
from mcp.shared.auth import InvalidRedirectUriError, InvalidScopeError, OAuthClientInformationFull
from mcp.shared.inbound import MCP_PROTOCOL_VERSION_HEADER
from pydantic import AnyUrl, ValidationError
from starlette.datastructures import FormData, QueryParams
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route, request_response
from starlette.types import ASGIApp

from .claims import may_redirect_errors
from .provider import Provider
from .settings import OAuthSettings

log = logging.getLogger("livechat_mcp.auth")
_PKCE_CHALLENGE = re.compile(r"[A-Za-z0-9\-._~]{43,128}\Z")
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def _error(error: str, description: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"error": error, "error_description": description}, status_code=status, headers=NO_STORE)


def _repeated(params: QueryParams | FormData) -> str | None:
    return next((k for k in params if len(params.getlist(k)) > 1), None)


def _bounded(handler: Callable[[Request], Awaitable[Response]], methods: list[str], cors: bool) -> ASGIApp:
    app: ASGIApp = RequestBodyLimitMiddleware(request_response(handler), DEFAULT_MAX_REQUEST_BODY_SIZE)
    if cors:  # as the SDK's own routes: a browser-based client may call /token and /revoke
        app = CORSMiddleware(app=app, allow_origins="*", allow_methods=methods,
                             allow_headers=[MCP_PROTOCOL_VERSION_HEADER])
    return app


class Endpoints:
    def __init__(self, settings: OAuthSettings, provider: Provider) -> None:
        self.settings = settings
        self.provider = provider
        # Provider implements the SDK's OAuthAuthorizationServerProvider protocol with our own
        # Code/Refresh/Access subclasses, which mypy does not match against the protocol's generics.
        self.authenticator = ClientAuthenticator(provider)  # type: ignore[arg-type]
        self.token_handler = TokenHandler(provider, self.authenticator)  # type: ignore[arg-type]

    def routes(self) -> dict[str, Route]:
        """By path: the routes that replace the SDK's."""
        return {
            "/authorize": Route("/authorize", _bounded(self.authorize, ["GET", "POST"], cors=False),
                                methods=["GET", "POST"]),
            "/token": Route("/token", _bounded(self.token, ["POST", "OPTIONS"], cors=True), methods=["POST", "OPTIONS"]),
            "/revoke": Route("/revoke", _bounded(self.revoke, ["POST", "OPTIONS"], cors=True),
                             methods=["POST", "OPTIONS"]),
        }

    # --- /authorize ---------------------------------------------------------------------------

    def _back(self, redirect_uri: str, error: str, description: str, state: str | None) -> RedirectResponse:
        query = urlencode({"error": error, "error_description": description,
                           **({"state": state} if state is not None else {}), "iss": self.settings.issuer})
        sep = "&" if urlsplit(redirect_uri).query else "?"
        return RedirectResponse(f"{redirect_uri}{sep}{query}", status_code=302, headers={"Cache-Control": "no-store"})

    async def authorize(self, request: Request) -> Response:
        params: QueryParams | FormData = request.query_params if request.method == "GET" else await request.form()

        def text(key: str) -> str | None:
            value = params.get(key)
            return value if isinstance(value, str) else None

        client_id = text("client_id")
        client = await self.provider.get_client(client_id) if client_id else None
        if client is None:
            return _error("invalid_request", f"client id {client_id!r} not found" if client_id else "client_id is missing")
        try:
            raw = text("redirect_uri")
            redirect_uri = str(client.validate_redirect_uri(AnyUrl(raw) if raw is not None else None))
        except (ValidationError, InvalidRedirectUriError) as exc:
            return _error("invalid_request", getattr(exc, "message", "redirect_uri is not a valid URI"))
        state = text("state")
        verified = may_redirect_errors(client, redirect_uri)

        def refuse(error: str, description: str) -> Response:
            if verified:
                return self._back(redirect_uri, error, description, state)
            # An anonymous client's URI: shown here, never followed (no open redirect).
            return _error(error, description)

        repeated = _repeated(params)
        if repeated is not None:
            return refuse("invalid_request", f"{repeated} is given more than once")
        try:
            req = AuthorizationRequest.model_validate({k: params[k] for k in params})
        except ValidationError as exc:
            unsupported = any(e["loc"] == ("response_type",) for e in exc.errors())
            return refuse("unsupported_response_type" if unsupported else "invalid_request",
                          "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()))
        if not _PKCE_CHALLENGE.match(req.code_challenge):  # RFC 7636 §4.2: S256 gives 43 characters
            return refuse("invalid_request", "code_challenge must be 43 to 128 characters of [A-Za-z0-9-._~]")
        try:
            scopes = client.validate_scope(req.scope)
        except InvalidScopeError as exc:
            return refuse("invalid_scope", exc.message)
        try:
            consent = await self.provider.authorize(client, AuthorizationParams(
                state=req.state, scopes=scopes, code_challenge=req.code_challenge,
                redirect_uri=AnyUrl(redirect_uri), redirect_uri_provided_explicitly=req.redirect_uri is not None,
                resource=req.resource))
        except AuthorizeError as exc:
            return refuse(exc.error, exc.error_description or exc.error)
        return RedirectResponse(consent, status_code=302, headers={"Cache-Control": "no-store"})

    # --- /token -------------------------------------------------------------------------------

    async def token(self, request: Request) -> Response:
        form = await request.form()  # kept on the request: the SDK's handler reads the same form
        repeated = _repeated(form)
        if repeated is not None:
            return _error("invalid_request", f"{repeated} is given more than once")
        resource = form.get("resource")
        if isinstance(resource, str) and not self.provider.is_our_resource(resource):
            return _error("invalid_target", f"this server issues tokens for {self.settings.resource} only")
        return await self.token_handler.handle(request)  # type: ignore[no-any-return]  # the SDK's handle is unannotated

    # --- /revoke (RFC 7009) -------------------------------------------------------------------

    async def revoke(self, request: Request) -> Response:
        try:
            client: OAuthClientInformationFull = await self.authenticator.authenticate_request(request)
        except AuthenticationError as exc:
            return _error("invalid_client", exc.message, 401)
        form = await request.form()
        repeated = _repeated(form)
        if repeated is not None:
            return _error("invalid_request", f"{repeated} is given more than once")
        token, hint = form.get("token"), form.get("token_type_hint")
        if not isinstance(token, str) or not token:
            return _error("invalid_request", "token is required")
        await self.provider.revoke_for_client(client.client_id or "", token, hint if isinstance(hint, str) else None)
        return Response(status_code=200, headers=NO_STORE)
