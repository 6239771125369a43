"""The client of LiveChat's accounts service: our side of the sign-in at LiveChat.

We are a confidential client of the operator's LiveChat app (client id + secret) and also
send PKCE (S256). Only this module talks to the accounts service.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import httpx

from .settings import OAuthSettings


class AccountsError(Exception):
    """The accounts service refused or failed; the message is safe to show (no secrets)."""


@dataclass(frozen=True)
class LiveChatTokens:
    access_token: str = field(repr=False)
    refresh_token: str | None = field(repr=False)
    expires_at: float


@dataclass(frozen=True)
class Identity:
    """Who signed in at LiveChat, read once at sign-in."""

    account_id: str
    organization_id: str
    client_id: str
    scopes: frozenset[str]
    email: str
    name: str
    role: str
    license_id: str | None


class AccountsClient:
    def __init__(self, settings: OAuthSettings, http: httpx.AsyncClient) -> None:
        self.settings = settings
        self._http = http
        self._base = settings.accounts_url.rstrip("/")

    def authorize_url(self, *, state: str, code_challenge: str) -> str:
        query = {
            "response_type": "code",
            "client_id": self.settings.client_id,
            "redirect_uri": self.settings.callback_url,
            "state": state,
            "code_challenge": code_challenge,
            "code_challenge_method": "S256",
        }
        return f"{self._base}/?{urlencode(query)}"

    async def _token(self, form: dict[str, str]) -> LiveChatTokens:
        form = {**form, "client_id": self.settings.client_id, "client_secret": self.settings.client_secret}
        try:
            resp = await self._http.post(f"{self._base}/v2/token", data=form)
            body = resp.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise AccountsError(f"the LiveChat accounts service could not be reached ({type(exc).__name__})") from None
        if resp.status_code != 200 or not isinstance(body, dict) or not isinstance(body.get("access_token"), str):
            error = body.get("error") if isinstance(body, dict) else None
            raise AccountsError(f"LiveChat refused the sign-in ({error or f'HTTP {resp.status_code}'})")
        expires_in = body.get("expires_in")
        ttl = float(expires_in) if isinstance(expires_in, (int, float)) else 3600.0
        refresh = body.get("refresh_token") if isinstance(body.get("refresh_token"), str) else None
        return LiveChatTokens(body["access_token"], refresh, time.time() + ttl)

    async def exchange_code(self, code: str, code_verifier: str) -> LiveChatTokens:
        return await self._token({"grant_type": "authorization_code", "code": code, "code_verifier": code_verifier,
                                  "redirect_uri": self.settings.callback_url})

    async def refresh(self, refresh_token: str) -> LiveChatTokens:
        return await self._token({"grant_type": "refresh_token", "refresh_token": refresh_token})

    async def _get(self, path: str, access_token: str) -> dict[str, Any]:
        try:
            resp = await self._http.get(f"{self._base}{path}", headers={"Authorization": f"Bearer {access_token}"})
            body = resp.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise AccountsError(f"the LiveChat accounts service could not be reached ({type(exc).__name__})") from None
        if resp.status_code != 200 or not isinstance(body, dict):
            raise AccountsError(f"LiveChat answered {path} with HTTP {resp.status_code}")
        return body

    async def identity(self, access_token: str) -> Identity:
        info = await self._get("/v2/info", access_token)
        me = await self._get("/v2/accounts/me", access_token)
        scope = info.get("scope")
        scopes = frozenset(s.strip() for s in scope.split(",") if s.strip()) if isinstance(scope, str) else frozenset()
        account_id, org = info.get("account_id"), info.get("organization_id")
        if not isinstance(account_id, str) or not isinstance(org, str):
            raise AccountsError("LiveChat's token info names no account or organization")
        license_id = me.get("license_id")
        return Identity(
            account_id=account_id,
            organization_id=org,
            client_id=str(info.get("client_id", "")),
            scopes=scopes,
            email=str(me.get("email", "")),
            name=str(me.get("name", "")),
            role=str(me.get("role", "")).lower(),
            license_id=str(license_id) if license_id is not None else None,
        )

    async def revoke(self, access_token: str) -> None:
        """Best effort: the grant is forgotten here whatever LiveChat answers."""
        try:
            await self._http.delete(f"{self._base}/v2/token", headers={"Authorization": f"Bearer {access_token}"})
        except httpx.HTTPError:
            pass
