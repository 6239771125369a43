"""Our consent page and the return from LiveChat sign-in (``/oauth/callback``).

/authorize (SDK) → ``GET /oauth/consent`` (binds the sign-in to this browser with a cookie) →
``POST /oauth/consent`` (CSRF token + cookie + Origin) → LiveChat sign-in with our PKCE →
``GET /oauth/callback`` (state taken once, same browser) → LiveChat code exchange, token info,
account → a confirmation page with the license and the person's exact rights →
``POST /oauth/confirm`` (CSRF token + cookie) → grant → our single-use code → the MCP client's redirect URI with ``code``, ``state``
and ``iss`` (RFC 9207).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import time
from collections.abc import Callable
from urllib.parse import urlencode, urlsplit

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from ..calls.audit import AuditLog
from .claims import is_url_client_id
from .livechat import AccountsClient, AccountsError, LiveChatTokens
from .pages import Confirm, Consent, confirm_page, consent_page, error_page
from .provider import Provider
from .records import (
    CONFIRM,
    LC_STATE,
    PENDING,
    UNCONFIRMED,
    Grant,
    Pending,
    Records,
    new_secret,
    principal_fields,
    token_region,
)
from .settings import OAuthSettings

log = logging.getLogger("livechat_mcp.auth")
COOKIE = "livechat_mcp_signin"


def _description(text: str, limit: int = 200) -> str:
    """A remote reason made safe for error_description: RFC 6749 allows only printable ASCII
    without '"' and '\\'; anything else (controls, bidi, quotes) becomes a space, and it is cut short."""
    kept = "".join(c if " " <= c <= "~" and c not in '"\\' else " " for c in text[:limit])
    return " ".join(kept.split())


def _redirect(uri: str, **params: str | None) -> RedirectResponse:
    query = urlencode({k: v for k, v in params.items() if v is not None})
    sep = "&" if urlsplit(uri).query else "?"
    return RedirectResponse(f"{uri}{sep}{query}", status_code=302, headers={"Cache-Control": "no-store"})


class SignInFlow:
    def __init__(self, settings: OAuthSettings, records: Records, provider: Provider, accounts: AccountsClient,
                 rights: Callable[[], list[str]], person_rights: Callable[[Grant], list[str]],
                 audit: AuditLog | None = None) -> None:
        self.audit = audit
        self.person_rights = person_rights
        self.settings = settings
        self.records = records
        self.provider = provider
        self.accounts = accounts
        self.rights = rights

    def routes(self) -> list[Route]:
        return [
            Route("/oauth/consent", self.consent, methods=["GET", "POST"]),
            Route("/oauth/callback", self.callback, methods=["GET"]),
            Route("/oauth/confirm", self.confirm, methods=["POST"]),
        ]

    def _error(self, title: str, message: str, status: int = 400) -> Response:
        return error_page(self.settings.name, title, message, status)

    def _set_cookie(self, response: Response, value: str) -> None:
        response.set_cookie(COOKIE, value, max_age=self.settings.code_ttl * 2, path="/oauth", httponly=True,
                            samesite="lax", secure=self.settings.public_url.startswith("https://"))

    def _back(self, pending: Pending, **params: str | None) -> RedirectResponse:
        return _redirect(pending.redirect_uri, **params, state=pending.state, iss=self.settings.issuer)

    async def consent(self, request: Request) -> Response:
        if request.method == "POST":
            return await self._decide(request)
        txn = request.query_params.get("txn", "")
        pending = await self.records.get(PENDING, txn, Pending)
        if pending is None:
            return self._error("Sign-in expired", "This sign-in request is unknown or has expired.")
        browser = request.cookies.get(COOKIE, "")
        if pending.browser and not hmac.compare_digest(browser, pending.browser):
            return self._error("Started elsewhere", "This sign-in was opened in another browser. "
                                                    "Start the connection again from this one.", 403)
        if not pending.browser:  # the first browser to open the page owns this sign-in
            browser = new_secret()
            pending = pending.model_copy(update={"browser": browser})
            await self.records.put(PENDING, txn, pending, ttl=self.settings.code_ttl * 2)
        response = consent_page(Consent(
            deployment=self.settings.name, client_name=pending.client_name, client_id=pending.client_id,
            client_kind="its metadata document" if is_url_client_id(pending.client_id) else "registered dynamically",
            redirect_uri=pending.redirect_uri, accounts_url=self.settings.accounts_url, rights=self.rights(),
            txn=txn, csrf=pending.csrf,
        ))
        self._set_cookie(response, browser)
        return response

    async def _decide(self, request: Request) -> Response:
        origin = request.headers.get("origin")
        if origin is not None and origin != "null" and origin.rstrip("/") != self.settings.public_url:
            return self._error("Refused", "This form was sent from another site.", 403)
        form = await request.form()
        txn, csrf = str(form.get("txn", "")), str(form.get("csrf", ""))
        pending = await self.records.get(PENDING, txn, Pending)
        if pending is None:
            return self._error("Sign-in expired", "This sign-in request is unknown or has expired.")
        browser = request.cookies.get(COOKIE, "")
        if not (pending.browser and hmac.compare_digest(browser, pending.browser)
                and hmac.compare_digest(csrf, pending.csrf)):
            return self._error("Refused", "This confirmation did not come from the consent page in this browser.", 403)
        if form.get("decision") != "approve":
            await self.records.delete(PENDING, txn)
            return self._back(pending, error="access_denied", error_description="the person denied access")
        verifier = new_secret() + new_secret()
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
        lc_state = new_secret()
        if pending.lc_state:  # consent posted again: one round trip per sign-in is kept, not one per post
            await self.records.delete(LC_STATE, pending.lc_state)
        await self.records.put(PENDING, txn, pending.model_copy(update={"lc_verifier": verifier, "lc_state": lc_state}),
                               ttl=self.settings.code_ttl * 2)
        await self.records.put_text(LC_STATE, lc_state, txn, ttl=self.settings.code_ttl * 2)
        return RedirectResponse(self.accounts.authorize_url(state=lc_state, code_challenge=challenge),
                                status_code=303, headers={"Cache-Control": "no-store"})

    async def callback(self, request: Request) -> Response:
        q = request.query_params
        txn = await self.records.take_text(LC_STATE, q.get("state", ""))  # single use
        if txn is None:
            return self._error("Sign-in expired", "This sign-in is unknown, expired, or was already completed.")
        pending = await self.records.take(PENDING, txn, Pending)
        if pending is None or not pending.lc_verifier:
            return self._error("Sign-in expired", "This sign-in request has expired.")
        browser = request.cookies.get(COOKIE, "")
        if not (pending.browser and hmac.compare_digest(browser, pending.browser)):
            # A state from someone else's sign-in (swapped, or planted in a link): never bind it here.
            return self._error("Refused", "This sign-in was started in another browser; nothing was granted.", 403)
        if q.get("error") or not q.get("code"):
            # LiveChat's reason (an agent awaiting approval, a denied consent) is what the person needs
            # to act on; it reaches their client only as RFC 6749's error_description characters.
            reason = _description(q.get("error_description", ""))
            return self._back(pending, error="access_denied",
                              error_description="LiveChat sign-in was not completed" + (f": {reason}" if reason else ""))
        try:
            tokens = await self.accounts.exchange_code(q["code"], pending.lc_verifier)
        except AccountsError as exc:
            log.warning("LiveChat sign-in failed: %s", exc)
            return self._back(pending, error="server_error", error_description=str(exc))
        try:
            identity = await self.accounts.identity(tokens.access_token)
        except AccountsError as exc:
            log.warning("LiveChat sign-in failed: %s", exc)
            await self.accounts.revoke(tokens.access_token)  # not kept: nothing is left at LiveChat
            return self._back(pending, error="server_error", error_description=str(exc))
        if identity.client_id and identity.client_id != self.settings.client_id:
            await self.accounts.revoke(tokens.access_token)
            return self._back(pending, error="access_denied", error_description="LiveChat token for another app")
        grant = Grant(
            grant_id=new_secret(), client_id=pending.client_id, client_name=pending.client_name,
            account_id=identity.account_id, organization_id=identity.organization_id, license_id=identity.license_id,
            email=identity.email, name=identity.name, role=identity.role, scopes=sorted(identity.scopes),
            region=token_region(tokens.access_token), created_at=time.time(),
        )
        # Now that we know who signed in, the person confirms with the license and the exact rights
        # in front of them; nothing is granted until they do.
        confirm = new_secret()
        await self.records.put(CONFIRM, confirm, Confirmation(
            pending=pending, grant=grant, lc_access_token=tokens.access_token, lc_refresh_token=tokens.refresh_token,
            lc_expires_at=tokens.expires_at),
                               ttl=self.settings.code_ttl * 2)
        await self._one_unconfirmed(grant.principal_id, confirm)
        return confirm_page(Confirm(
            deployment=self.settings.name, client_name=pending.client_name, redirect_uri=pending.redirect_uri,
            person=f"{grant.name} <{grant.email}>" if grant.name else grant.email, role=grant.role or "unknown",
            license=(f"license {grant.license_id} (organization {grant.organization_id})" if grant.license_id
                     else f"organization {grant.organization_id}"),
            rights=self.person_rights(grant), confirm=confirm, csrf=pending.csrf,
        ))

    async def confirm(self, request: Request) -> Response:
        origin = request.headers.get("origin")
        if origin is not None and origin != "null" and origin.rstrip("/") != self.settings.public_url:
            return self._error("Refused", "This form was sent from another site.", 403)
        form = await request.form()
        key = str(form.get("confirm", ""))
        found = await self.records.get(CONFIRM, key, Confirmation)
        if found is None:
            return self._error("Sign-in expired", "This sign-in is unknown, expired, or was already completed.")
        pending, grant = found.pending, found.grant
        tokens = LiveChatTokens(found.lc_access_token, found.lc_refresh_token, found.lc_expires_at)
        if not (hmac.compare_digest(request.cookies.get(COOKIE, ""), pending.browser)
                and hmac.compare_digest(str(form.get("csrf", "")), pending.csrf)):
            return self._error("Refused", "This confirmation did not come from the page shown in this browser.", 403)
        if await self.records.take(CONFIRM, key, Confirmation) is None:  # single use, also across replicas
            return self._error("Sign-in expired", "This sign-in was already completed.")
        if form.get("decision") != "approve":
            await self.accounts.revoke(tokens.access_token)  # not kept: the person said no
            response = self._back(pending, error="access_denied", error_description="the person denied access")
        else:
            response = await self._keep(pending, grant, tokens)
        response.delete_cookie(COOKIE, path="/oauth")
        return response

    async def _one_unconfirmed(self, person: str, confirm: str) -> None:
        """At most one unconfirmed LiveChat sign-in per person: the one before this (a tab left
        open, a sign-in abandoned) is dropped and its LiveChat tokens revoked, so abandoned
        sign-ins cannot pile up against LiveChat's 25 tokens per app and user."""
        previous = await self.records.take_text(UNCONFIRMED, person)
        await self.records.put_text(UNCONFIRMED, person, confirm, ttl=self.settings.code_ttl * 2)
        dropped = await self.records.take(CONFIRM, previous, Confirmation) if previous else None
        if dropped is not None:
            await self.accounts.revoke(dropped.lc_access_token)

    async def _keep(self, pending: Pending, grant: Grant, tokens: LiveChatTokens) -> RedirectResponse:
        try:
            await self.provider.attach(grant, tokens)  # the person's one LiveChat grant, shared
        except TimeoutError:  # their LiveChat grant stayed locked (a refresh that hangs): keep nothing
            await self.accounts.revoke(tokens.access_token)
            return self._back(pending, error="temporarily_unavailable",
                              error_description="the sign-in could not be saved; try again")
        if self.audit is not None:
            self.audit.for_principal(principal_fields(grant)).record(
                tool="oauth/sign_in", decision="allowed", rule="oauth", arguments={"scopes": len(grant.scopes)},
                duration_ms=0.0, outcome={"role": grant.role})
        return self._back(pending, code=await self.provider.issue_code(pending, grant.grant_id))


class Confirmation(BaseModel):
    """A completed LiveChat sign-in waiting for the person's confirmation (sealed: it holds tokens)."""

    pending: Pending
    grant: Grant
    lc_access_token: str
    lc_refresh_token: str | None
    lc_expires_at: float

