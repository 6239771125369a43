"""The sandbox's accounts service: licenses (organizations), their accounts, and OAuth.

What hosted mode needs from LiveChat's accounts service, emulated on loopback:
- ``GET /?response_type=code&client_id=...`` (LiveChat's authorization endpoint is the service's
  root): a sign-in page listing the sandbox accounts, a form. ``login_hint=<email>`` signs that
  account in without the form (scripted tests).
- ``POST /v2/token``: ``authorization_code`` (PKCE S256 when a challenge was sent) and
  ``refresh_token``; codes are single use and short-lived (``invalid_grant`` otherwise).
- ``DELETE /v2/token``: revokes the bearer token (and its refresh token).
- As LiveChat, at most 25 access and 25 refresh tokens per app and user (``TOKENS_PER_APP_AND_USER``):
  issuing one more revokes the oldest pair.
- ``GET /v2/info``: the token's account, organization, client id, scopes and lifetime.
- ``GET /v2/accounts/me``: the signed-in account (email, name, role).

The accounts are the licenses' agents (server/sandbox/people.py seeds them): whoever signs in is
an agent of their license, with that agent's role, read from the license's state when asked (a
role changed with update_agent is the role ``/v2/accounts/me`` answers; a deleted agent's tokens
stop working). Tokens carry the ``dal:``/``fra:`` prefix of their license's region. Lifetimes are
short and configurable (``Accounts(access_ttl=..., code_ttl=...)``, ``POST /_sandbox/accounts``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import ipaddress
import secrets
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from ..tools.listing import documented_scopes
from .core import SandboxState
from .people import GLOBEX_ORGANIZATION_ID

DEFAULT_OAUTH_CLIENT_ID = "sandbox0oauth0app0000000000000000"
DEFAULT_OAUTH_CLIENT_SECRET = "sandbox-oauth-app-secret-0000000000000000"
ROLES = ("owner", "viceowner", "administrator", "normal")
TOKENS_PER_APP_AND_USER = 25
SECOND_ORGANIZATION_ID = GLOBEX_ORGANIZATION_ID


def read_only_scopes() -> frozenset[str]:
    """The documented scopes that only read (``:ro``) and ban-list reading."""
    return frozenset(s for s in documented_scopes() if s.endswith(":ro") or s == "banlist_read")


@dataclass
class Organization:
    """One license: its own configuration state and its own request budget."""

    organization_id: str
    license_id: int
    name: str
    region: str
    state: SandboxState


@dataclass(frozen=True)
class Account:
    """A view of an agent as the accounts service sees it (the agent record is the truth)."""

    account_id: str
    email: str
    name: str
    role: str
    organization_id: str
    awaiting_approval: bool = False


# Our rule (docs/conformance.md M15): an agent awaiting approval may not use the license until an owner
# approves it, so it cannot sign in either; the license refuses the same agent's other credentials.
AWAITING_APPROVAL = "the agent is awaiting approval: it can sign in once an owner of its license approves it"


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass
class OAuthApp:
    client_id: str
    client_secret: str
    name: str = "livechat-mcp (sandbox app)"
    redirect_uris: list[str] = field(default_factory=list)  # besides loopback, which is always accepted

    def accepts(self, redirect_uri: str) -> bool:
        """A registered redirect URI, or any on loopback: http, or https behind a TLS proxy on
        this machine (any 127/8 address, as a proxy may listen on its own)."""
        if redirect_uri in self.redirect_uris:
            return True
        parts = urlsplit(redirect_uri)
        return parts.scheme in ("http", "https") and _loopback(parts.hostname or "")


@dataclass
class Issued:
    """An access token the sandbox issued (the secret is the dict key, never stored here)."""

    account_id: str
    organization_id: str
    client_id: str
    scopes: frozenset[str]
    expires_at: float
    refresh_token: str


@dataclass
class _Code:
    account_id: str
    client_id: str
    redirect_uri: str
    code_challenge: str | None
    expires_at: float


def _oauth_error(error: str, description: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"error": error, "error_description": description}, status_code=status,
                        headers={"Cache-Control": "no-store"})


class Accounts:
    """Accounts, licenses and issued tokens. ``Sandbox`` owns one and mounts its routes."""

    def __init__(
        self,
        default_state: SandboxState,
        *,
        app: OAuthApp | None = None,
        access_ttl: float = 3600.0,
        code_ttl: float = 60.0,
        seed: Any = None,
    ) -> None:
        self.app = app or OAuthApp(DEFAULT_OAUTH_CLIENT_ID, DEFAULT_OAUTH_CLIENT_SECRET)
        self.access_ttl = access_ttl
        self.code_ttl = code_ttl
        self._seed = seed
        self.organizations: dict[str, Organization] = {}
        self.tokens: dict[str, Issued] = {}
        self.refresh_tokens: dict[str, str] = {}  # refresh token -> access token
        self.codes: dict[str, _Code] = {}
        self.refreshed = 0  # refresh_token grants answered (tests check tokens are refreshed)
        self._form_key = secrets.token_bytes(32)
        self.reset(default_state)

    def reset(self, default_state: SandboxState) -> None:
        """The two sandbox licenses (their agents are the accounts); tokens and codes are forgotten."""
        second = SandboxState(license_id=204130624, organization_id=SECOND_ORGANIZATION_ID, region="fra",
                              _clock=default_state._clock)  # one sandbox, one clock
        if self._seed is not None:
            self._seed(second)
        second.company["company"] = "Globex (sandbox)"
        self.organizations = {
            default_state.organization_id: Organization(
                default_state.organization_id, default_state.license_id, "Acme (sandbox)", default_state.region,
                default_state),
            second.organization_id: Organization(second.organization_id, second.license_id, "Globex (sandbox)",
                                                 "fra", second),
        }
        self.tokens.clear()
        self.refresh_tokens.clear()
        self.codes.clear()

    # --- lookups -------------------------------------------------------------------------------

    @property
    def accounts(self) -> dict[str, Account]:
        """Every license's agents, by account id, as they are now."""
        return {
            agent["account_id"]: Account(agent["account_id"], agent["id"], agent["name"], agent["role"], org_id,
                                         bool(agent.get("awaiting_approval")))
            for org_id, org in self.organizations.items()
            for agent in org.state.agents.values()
        }

    def account(self, account_id: str) -> Account | None:
        return self.accounts.get(account_id)

    def by_email(self, email: str) -> Account | None:
        return next((a for a in self.accounts.values() if a.email.lower() == email.strip().lower()), None)

    def issued(self, token: str) -> Issued | None:
        issued = self.tokens.get(token)
        if issued is None or issued.expires_at <= time.time():
            return None
        if self.account(issued.account_id) is None:  # the agent was deleted: its tokens die with it
            return None
        return issued

    def scopes_of(self, account: Account) -> frozenset[str]:
        """What a token of this person holds: a normal agent reads only; the roles above hold every scope."""
        return read_only_scopes() if account.role == "normal" else documented_scopes()

    def scopes_now(self, issued: Issued) -> frozenset[str]:
        """What a token may do now: what it was granted, within what its person's role allows today.
        A role is read from the license when asked, so an administrator made a normal agent stops
        writing at once with the tokens they already hold (our rule: the reference ties access to the
        token's scopes and to the agent, and says nothing of tokens issued before a role change; a
        promotion grants no scope the token was not given)."""
        account = self.account(issued.account_id)
        return issued.scopes & self.scopes_of(account) if account is not None else frozenset()

    # --- issuing -------------------------------------------------------------------------------

    def _issue(self, account: Account, client_id: str) -> dict[str, Any]:
        region = self.organizations[account.organization_id].region
        access = f"{region}:{secrets.token_urlsafe(24)}"
        refresh = f"{region}:{secrets.token_urlsafe(24)}"
        scopes = self.scopes_of(account)
        self.tokens[access] = Issued(account.account_id, account.organization_id, client_id, scopes,
                                     time.time() + self.access_ttl, refresh)
        self.refresh_tokens[refresh] = access
        theirs = [t for t, i in self.tokens.items() if i.account_id == account.account_id and i.client_id == client_id]
        for oldest in theirs[:-TOKENS_PER_APP_AND_USER]:  # issued in order: the oldest first
            self.refresh_tokens.pop(self.tokens.pop(oldest).refresh_token, None)
        return {
            "access_token": access,
            "account_id": account.account_id,
            "expires_in": int(self.access_ttl),
            "organization_id": account.organization_id,
            "refresh_token": refresh,
            "scope": ",".join(sorted(scopes)),
            "token_type": "Bearer",
        }

    def _new_code(self, account: Account, params: dict[str, str]) -> str:
        code = secrets.token_urlsafe(24)
        self.codes[code] = _Code(account.account_id, params["client_id"], params["redirect_uri"],
                                 params.get("code_challenge") or None, time.time() + self.code_ttl)
        return code

    # --- the authorization endpoint -------------------------------------------------------------

    def _authorize_params(self, source: Any) -> tuple[dict[str, str], Response | None]:
        params = {k: str(source.get(k, "")) for k in
                  ("response_type", "client_id", "redirect_uri", "state", "code_challenge", "code_challenge_method")}
        if params["client_id"] != self.app.client_id:
            return params, HTMLResponse(_page("Unknown application", "<p>No application has this client id.</p>"),
                                        status_code=400)
        if not self.app.accepts(params["redirect_uri"]):
            return params, HTMLResponse(_page("Redirect URI not allowed",
                                              "<p>This redirect URI is not registered for the application.</p>"),
                                        status_code=400)
        if params["response_type"] != "code":
            return params, self._back(params, error="unsupported_response_type")
        if params["code_challenge"] and params["code_challenge_method"] not in ("S256", ""):
            return params, self._back(params, error="invalid_request")
        return params, None

    def _back(self, params: dict[str, str], **values: str) -> RedirectResponse:
        query = {**values, **({"state": params["state"]} if params["state"] else {})}
        sep = "&" if "?" in params["redirect_uri"] else "?"
        return RedirectResponse(params["redirect_uri"] + sep + urlencode(query), status_code=302)

    def _form_token(self, params: dict[str, str]) -> str:
        text = "\n".join(params[k] for k in sorted(params)).encode()
        return hmac.new(self._form_key, text, hashlib.sha256).hexdigest()

    async def authorize(self, request: Request) -> Response:
        if request.method == "POST":
            form = await request.form()
            params, problem = self._authorize_params(form)
            if problem is not None:
                return problem
            if not hmac.compare_digest(str(form.get("form_token", "")), self._form_token(params)):
                return HTMLResponse(_page("Form expired", "<p>Start the sign-in again.</p>"), status_code=400)
            if form.get("action") == "cancel":
                return self._back(params, error="access_denied")
            account = self.account(str(form.get("account_id", "")))
            if account is None:
                return HTMLResponse(_page("Choose an account", "<p>No such account.</p>"), status_code=400)
            return self._signed_in(account, params)
        params, problem = self._authorize_params(request.query_params)
        if problem is not None:
            return problem
        hint = request.query_params.get("login_hint", "")
        if hint:
            account = self.by_email(hint)
            if account is None:
                return self._back(params, error="access_denied", error_description="unknown login_hint")
            return self._signed_in(account, params)
        return HTMLResponse(self._sign_in_page(params), headers=_PAGE_HEADERS)

    def _signed_in(self, account: Account, params: dict[str, str]) -> RedirectResponse:
        """Back to the client with a code, or with access_denied for an agent that may not sign in yet."""
        if account.awaiting_approval:
            return self._back(params, error="access_denied", error_description=AWAITING_APPROVAL)
        return self._back(params, code=self._new_code(account, params))

    def _sign_in_page(self, params: dict[str, str]) -> str:
        e = html.escape
        rows = []
        for i, account in enumerate(self.accounts.values()):
            org = self.organizations[account.organization_id]
            waits = " disabled" if account.awaiting_approval else ""
            rows.append(
                f'<li><input type="radio" name="account_id" id="acct{i}" value="{e(account.account_id)}"'
                f'{" checked" if i == 0 else ""}{waits}> <label for="acct{i}">{e(account.name)} &lt;{e(account.email)}&gt;'
                f" — {e(account.role)}, {e(org.name)} (license {org.license_id}, {e(org.region)})"
                f'{", awaiting approval" if waits else ""}</label></li>'
            )
        hidden = "".join(f'<input type="hidden" name="{e(k)}" value="{e(v)}">' for k, v in params.items())
        body = (
            f"<p>{e(self.app.name)} asks to sign you in. You will be sent back to "
            f"<code>{e(params['redirect_uri'])}</code>.</p>"
            f'<form method="post" action="/"><fieldset><legend>Sign in as</legend><ul>{"".join(rows)}</ul>'
            f"</fieldset>{hidden}"
            f'<input type="hidden" name="form_token" value="{self._form_token(params)}">'
            '<button type="submit" name="action" value="sign_in">Sign in</button> '
            '<button type="submit" name="action" value="cancel">Cancel</button></form>'
        )
        return _page("Sign in to LiveChat (sandbox)", body)

    # --- token endpoint ----------------------------------------------------------------------

    async def token(self, request: Request) -> Response:
        if request.method == "DELETE":
            return self._revoke(request)
        form = await request.form()

        def get(key: str) -> str:
            return str(form.get(key, ""))

        client_id, secret = get("client_id"), get("client_secret")
        header = request.headers.get("authorization", "")
        if header.startswith("Basic "):
            try:
                client_id, _, secret = base64.b64decode(header[6:]).decode().partition(":")
            except ValueError:
                return _oauth_error("invalid_client", "bad Basic credentials", 401)
        if client_id != self.app.client_id or not hmac.compare_digest(secret, self.app.client_secret):
            return _oauth_error("invalid_client", "unknown client or wrong secret", 401)
        grant = get("grant_type")
        if grant == "authorization_code":
            code = self.codes.pop(get("code"), None)  # single use: taken even when it then fails
            if code is None:
                return _oauth_error("invalid_grant", "the code is unknown, already used or expired")
            if code.expires_at <= time.time():
                return _oauth_error("invalid_grant", "the code has expired")
            if code.client_id != client_id or code.redirect_uri != get("redirect_uri"):
                return _oauth_error("invalid_grant", "redirect_uri or client does not match the code")
            if code.code_challenge is not None:
                digest = hashlib.sha256(get("code_verifier").encode()).digest()
                expected = base64.urlsafe_b64encode(digest).decode().rstrip("=")
                if not hmac.compare_digest(expected, code.code_challenge):
                    return _oauth_error("invalid_grant", "code_verifier does not match the code_challenge")
            person = self.account(code.account_id)
            if person is None:
                return _oauth_error("invalid_grant", "the account no longer exists")
            return JSONResponse(self._issue(person, client_id), headers={"Cache-Control": "no-store"})
        if grant == "refresh_token":
            old = self.refresh_tokens.pop(get("refresh_token"), None)
            issued = self.tokens.pop(old, None) if old else None
            person = self.account(issued.account_id) if issued is not None else None
            if issued is None or person is None or issued.client_id != client_id:
                return _oauth_error("invalid_grant", "the refresh token is unknown or revoked")
            self.refreshed += 1
            return JSONResponse(self._issue(person, client_id), headers={"Cache-Control": "no-store"})
        return _oauth_error("unsupported_grant_type", f"grant_type {grant!r} is not supported")

    def _bearer(self, request: Request) -> tuple[str, Issued] | None:
        header = request.headers.get("authorization", "")
        if not header.startswith("Bearer "):
            return None
        token = header[7:]
        issued = self.issued(token)
        return (token, issued) if issued is not None else None

    def _revoke(self, request: Request) -> Response:
        found = self._bearer(request)
        if found is None:
            return _oauth_error("invalid_request", "invalid token", 401)
        token, issued = found
        self.tokens.pop(token, None)
        self.refresh_tokens.pop(issued.refresh_token, None)
        return JSONResponse({})

    def info(self, request: Request) -> Response | None:
        """Token info for a token this service issued; None for other credentials."""
        found = self._bearer(request)
        if found is None:
            return None
        token, issued = found
        return JSONResponse({
            "access_token": token,
            "account_id": issued.account_id,
            "client_id": issued.client_id,
            "expires_in": max(0, int(issued.expires_at - time.time())),
            "organization_id": issued.organization_id,
            "scope": ",".join(sorted(self.scopes_now(issued))),
            "token_type": "Bearer",
        })

    async def me(self, request: Request, account_id: str | None = None) -> Response:
        """The signed-in person; ``account_id``: the account of a credential the sandbox holds
        itself (its built-in tokens belong to the default license's owner), when no token of this
        service's was presented."""
        found = self._bearer(request)
        account = self.account(found[1].account_id if found is not None else account_id or "")
        if account is None:
            return _oauth_error("invalid_request", "invalid token", 401)
        org = self.organizations[account.organization_id]
        return JSONResponse({
            "account_id": account.account_id, "email": account.email, "name": account.name,
            "role": account.role, "organization_id": account.organization_id, "license_id": org.license_id,
        })

    async def control(self, request: Request) -> Response:
        """``POST /_sandbox/accounts``: set lifetimes (seconds); GET lists accounts and licenses."""
        if request.method == "POST":
            spec = await request.json()
            try:
                self.access_ttl = float(spec.get("access_ttl", self.access_ttl))
                self.code_ttl = float(spec.get("code_ttl", self.code_ttl))
            except (TypeError, ValueError) as exc:
                return JSONResponse({"error": {"type": "validation", "message": str(exc)}}, status_code=400)
        return JSONResponse({
            "access_ttl": self.access_ttl, "code_ttl": self.code_ttl, "client_id": self.app.client_id,
            "refreshed": self.refreshed,
            "live_tokens": sum(1 for t in self.tokens.values() if t.expires_at > time.time()),
            "live_tokens_by_account": _count(t.account_id for t in self.tokens.values() if t.expires_at > time.time()),
            "organizations": [{"organization_id": o.organization_id, "license_id": o.license_id, "name": o.name,
                               "region": o.region} for o in self.organizations.values()],
            "accounts": [{"account_id": a.account_id, "email": a.email, "role": a.role,
                          "organization_id": a.organization_id, "awaiting_approval": a.awaiting_approval}
                         for a in self.accounts.values()],
        })


def _count(keys: Any) -> dict[str, int]:
    counts: dict[str, int] = {}
    for key in keys:
        counts[key] = counts.get(key, 0) + 1
    return counts


_PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self' http: https:; "
                               "frame-ancestors 'none'; base-uri 'none'",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
}


def _page(title: str, body: str) -> str:
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem}"
        "li{list-style:none;margin:.4rem 0}button{font-size:1rem;padding:.4rem 1rem}</style></head>"
        f'<body><main><h1>{html.escape(title)}</h1><p role="note"><strong>SANDBOX</strong>: an emulator of '
        f"LiveChat's accounts service; no real account is used.</p>{body}</main></body></html>"
    )
