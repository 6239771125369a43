"""The SDK's authorization-server provider: our codes and tokens for MCP clients.

Our tokens are opaque random strings (256 bits), kept in the store by hash, bound to this
server's ``/mcp`` (the RFC 8707 resource) and to a grant: a person's LiveChat sign-in. A
LiveChat token is never one of ours, so it is never accepted here. Revoking any token of a
grant revokes the grant: its LiveChat token is revoked at LiveChat and forgotten, and every
token issued under it stops working.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from mcp.server.auth.provider import (
    AccessToken,
    AuthorizationCode,
    AuthorizationParams,
    AuthorizeError,
    RefreshToken,
    TokenError,
)
from mcp.shared.auth import OAuthClientInformationFull, OAuthToken

from ..calls.audit import AuditLog
from ..store import LockBusy
from .clients import ClientRegistry
from .livechat import AccountsClient, AccountsError
from .records import (
    ACCESS,
    CODES,
    GRANTS,
    PENDING,
    REFRESH,
    CodeRecord,
    Grant,
    Pending,
    Records,
    TokenRecord,
    digest,
    new_secret,
    principal_fields,
)
from .settings import OAuthSettings

log = logging.getLogger("livechat_mcp.auth")
LIVECHAT_REFRESH_MARGIN = 300.0  # refresh a LiveChat token this long before it expires
MCP_SCOPE = "livechat"  # the one scope of our tokens (see server.py)


class Code(AuthorizationCode):
    grant_id: str


class Refresh(RefreshToken):
    grant_id: str


class Access(AccessToken):
    grant_id: str


class Provider:
    def __init__(
        self,
        settings: OAuthSettings,
        records: Records,
        registry: ClientRegistry,
        accounts: AccountsClient,
        on_revoke: Callable[[str], None] = lambda grant_id: None,
        audit: AuditLog | None = None,
        on_event: Callable[[str, str], None] = lambda event, outcome: None,
    ) -> None:
        self.audit = audit
        # Sign-ins, refreshes and revocations, counted by the operator's metrics (server/observe.py's
        # hosted_event, handed in by the door): (event, outcome), words only.
        self.on_event = on_event
        self.settings = settings
        self.records = records
        self.registry = registry
        self.accounts = accounts
        self.on_revoke = on_revoke

    # --- clients -------------------------------------------------------------------------------

    async def get_client(self, client_id: str) -> OAuthClientInformationFull | None:
        return await self.registry.get(client_id)

    async def register_client(self, client_info: OAuthClientInformationFull) -> None:
        await self.registry.register(client_info)

    # --- /authorize ----------------------------------------------------------------------------

    async def authorize(self, client: OAuthClientInformationFull, params: AuthorizationParams) -> str:
        # RFC 8707: a token for another resource is not ours to give. A client that names no
        # resource still gets a token bound to ours (older clients omit it).
        if params.resource is not None and params.resource.rstrip("/") != self.settings.resource:
            raise AuthorizeError("invalid_target", f"resource must be {self.settings.resource}")
        txn = new_secret()
        pending = Pending(
            client_id=client.client_id or "",
            client_name=client.client_name or client.client_id or "an unnamed MCP client",
            redirect_uri=str(params.redirect_uri),
            redirect_uri_provided_explicitly=params.redirect_uri_provided_explicitly,
            state=params.state,
            code_challenge=params.code_challenge,
            scopes=params.scopes or [MCP_SCOPE],  # a client that asks for nothing gets the one scope
            resource=self.settings.resource,
            csrf=new_secret(),
            browser="",
        )
        await self.records.put(PENDING, txn, pending, ttl=self.settings.code_ttl * 2)
        return f"{self.settings.public_url}/oauth/consent?txn={txn}"

    async def issue_code(self, pending: Pending, grant_id: str) -> str:
        code = new_secret()
        record = CodeRecord(
            client_id=pending.client_id, grant_id=grant_id, scopes=pending.scopes,
            expires_at=time.time() + self.settings.code_ttl, code_challenge=pending.code_challenge,
            redirect_uri=pending.redirect_uri, redirect_uri_provided_explicitly=pending.redirect_uri_provided_explicitly,
            resource=pending.resource,
        )
        await self.records.put(CODES, digest(code), record, ttl=self.settings.code_ttl)
        return code

    # --- /token --------------------------------------------------------------------------------

    async def load_authorization_code(self, client: OAuthClientInformationFull, authorization_code: str) -> Code | None:
        rec = await self.records.get(CODES, digest(authorization_code), CodeRecord)
        if rec is None:
            self.on_event("sign_in", "invalid_grant")
            return None
        return Code(code=authorization_code, scopes=rec.scopes, expires_at=rec.expires_at, client_id=rec.client_id,
                    code_challenge=rec.code_challenge, redirect_uri=rec.redirect_uri,  # type: ignore[arg-type]
                    redirect_uri_provided_explicitly=rec.redirect_uri_provided_explicitly, resource=rec.resource,
                    grant_id=rec.grant_id)

    async def exchange_authorization_code(self, client: OAuthClientInformationFull, authorization_code: Code) -> OAuthToken:
        # Taken atomically: of two concurrent exchanges of one code, one wins.
        rec = await self.records.take(CODES, digest(authorization_code.code), CodeRecord)
        if rec is None or await self.records.get(GRANTS, rec.grant_id, Grant) is None:
            self.on_event("sign_in", "invalid_grant")
            raise TokenError("invalid_grant", "authorization code already used" if rec is None
                             else "the sign-in behind this code was revoked")
        issued = await self._issue(rec.client_id, rec.grant_id, rec.scopes, rec.resource, family=new_secret())
        self.on_event("sign_in", "ok")
        return issued

    async def load_refresh_token(self, client: OAuthClientInformationFull, refresh_token: str) -> Refresh | None:
        rec = await self.records.get(REFRESH, digest(refresh_token), TokenRecord)
        if rec is None or await self.records.get(GRANTS, rec.grant_id, Grant) is None:
            self.on_event("refresh", "invalid_grant")
            return None
        return Refresh(token=refresh_token, client_id=rec.client_id, scopes=rec.scopes, expires_at=rec.expires_at,
                       resource=rec.resource, grant_id=rec.grant_id)

    async def exchange_refresh_token(self, client: OAuthClientInformationFull, refresh_token: Refresh,
                                     scopes: list[str]) -> OAuthToken:
        rec = await self.records.take(REFRESH, digest(refresh_token.token), TokenRecord)  # rotation: single use
        if rec is None:
            self.on_event("refresh", "invalid_grant")
            raise TokenError("invalid_grant", "refresh token already used")
        issued = await self._issue(rec.client_id, rec.grant_id, scopes, rec.resource, family=rec.family)
        self.on_event("refresh", "ok")
        return issued

    async def _issue(self, client_id: str, grant_id: str, scopes: list[str], resource: str, *, family: str) -> OAuthToken:
        access, refresh = new_secret(), new_secret()
        now = int(time.time())
        s = self.settings
        await self.records.put(ACCESS, digest(access), TokenRecord(
            client_id=client_id, grant_id=grant_id, scopes=scopes, expires_at=now + s.access_ttl, resource=resource,
            family=family), ttl=s.access_ttl)
        await self.records.put(REFRESH, digest(refresh), TokenRecord(
            client_id=client_id, grant_id=grant_id, scopes=scopes, expires_at=now + s.refresh_ttl, resource=resource,
            family=family), ttl=s.refresh_ttl)
        return OAuthToken(access_token=access, token_type="Bearer", expires_in=s.access_ttl, refresh_token=refresh,
                          scope=" ".join(scopes) or None)

    # --- the resource server side -----------------------------------------------------------

    async def load_access_token(self, token: str) -> Access | None:
        rec = await self.records.get(ACCESS, digest(token), TokenRecord)
        if rec is None or rec.expires_at < time.time():
            return None
        grant = await self.records.get(GRANTS, rec.grant_id, Grant)
        if grant is None:
            return None
        return Access(token=token, client_id=rec.client_id, scopes=rec.scopes, expires_at=rec.expires_at,
                      resource=rec.resource, subject=grant.principal_id, claims={"iss": self.settings.issuer},
                      grant_id=rec.grant_id)

    async def verify_token(self, token: str) -> Access | None:  # TokenVerifier
        return await self.load_access_token(token)

    async def revoke_token(self, token: Access | Refresh) -> None:
        await self.records.delete(ACCESS if isinstance(token, Access) else REFRESH, digest(token.token))
        await self.revoke_grant(token.grant_id)

    async def revoke_grant(self, grant_id: str) -> None:
        grant = await self.records.take(GRANTS, grant_id, Grant)
        self.on_revoke(grant_id)
        self.on_event("revoke", "ok" if grant is not None else "unknown_grant")
        if grant is not None:
            await self.accounts.revoke(grant.lc_access_token)
            if self.audit is not None:
                self.audit.for_principal(principal_fields(grant)).record(
                    tool="oauth/revoke", decision="allowed", rule="oauth", arguments={}, duration_ms=0.0)

    # --- LiveChat tokens ----------------------------------------------------------------------

    async def current_grant(self, grant_id: str) -> Grant | None:
        """The grant with a LiveChat token good for a while yet: refreshed (once, across
        replicas) when it is near its end; None when it is gone or can no longer be refreshed."""
        grant = await self.records.get(GRANTS, grant_id, Grant)
        if grant is None or grant.lc_expires_at - time.time() > LIVECHAT_REFRESH_MARGIN:
            return grant
        if not grant.lc_refresh_token:
            return grant if grant.lc_expires_at > time.time() else None
        try:
            async with self.records.store.lock(f"oauth.lcrefresh:{grant_id}", ttl=30):
                fresh = await self.records.get(GRANTS, grant_id, Grant)
                if fresh is None or fresh.lc_expires_at - time.time() > LIVECHAT_REFRESH_MARGIN:
                    return fresh
                tokens = await self.accounts.refresh(fresh.lc_refresh_token or "")
                updated = fresh.model_copy(update={
                    "lc_access_token": tokens.access_token,
                    "lc_refresh_token": tokens.refresh_token or fresh.lc_refresh_token,
                    "lc_expires_at": tokens.expires_at,
                })
                await self.records.put(GRANTS, grant_id, updated, ttl=self._grant_ttl(updated))
                self.on_event("livechat_refresh", "ok")
                return updated
        except LockBusy:
            return grant if grant.lc_expires_at > time.time() else None  # another replica is refreshing it
        except AccountsError as exc:
            self.on_event("livechat_refresh", "failed")
            log.warning("LiveChat token refresh failed for a grant: %s", exc)
            return grant if grant.lc_expires_at > time.time() else None

    def _grant_ttl(self, grant: Grant) -> float:
        return max(1.0, grant.created_at + self.settings.refresh_ttl - time.time())
