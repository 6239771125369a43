"""The SDK's authorization-server provider: our codes and tokens for MCP clients.

Our tokens are opaque random strings (256 bits), kept in the store by hash, bound to this
server's ``/mcp`` (the RFC 8707 resource) and to a grant: one MCP client's sign-in of a person.
A LiveChat token is never one of ours, so it is never accepted here.

A grant's lifecycle (OAuth 2.1, RFC 7009):
- one authorization code per grant, single use; its tokens are one family (refresh tokens
  rotate). A used code or a rotated refresh token is remembered (``SPENT``) for as long as it
  could be presented again: presenting it again revokes the grant, so whoever used it first
  (the client or a thief) loses the chain too;
- revoking any token of a grant revokes the grant: every token issued under it stops working.

A person's LiveChat tokens are one ``LiveChatGrant`` per license and account, shared by all
their grants: a new sign-in replaces the LiveChat token pair (the previous one is revoked at
LiveChat) instead of adding one, refreshes happen once across replicas under the person's lock,
and the LiveChat tokens are revoked at LiveChat when the person's last grant goes.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import anyio
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
from .claims import MCP_SCOPE
from .clients import ClientRegistry
from .livechat import AccountsClient, AccountsError, LiveChatTokens
from .records import (
    ACCESS,
    CODES,
    GRANTS,
    LIVECHAT,
    PENDING,
    REFRESH,
    SPENT,
    CodeRecord,
    Grant,
    LiveChatGrant,
    Pending,
    Records,
    Spent,
    TokenRecord,
    digest,
    new_secret,
    principal_fields,
)
from .settings import OAuthSettings

__all__ = ["MCP_SCOPE", "Access", "Code", "Provider", "Refresh"]
log = logging.getLogger("livechat_mcp.auth")
LIVECHAT_REFRESH_MARGIN = 300.0  # refresh a LiveChat token this long before it expires
PERSON_LOCK_TTL = 30.0
PERSON_LOCK_WAIT = 10.0  # how long a sign-in or a revocation waits for the person's lock


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
        if params.resource is not None and not self.is_our_resource(params.resource):
            raise AuthorizeError("invalid_target", f"resource must be {self.settings.resource}")
        if any(scope != MCP_SCOPE for scope in params.scopes or []):  # claims.admit already holds clients to it
            raise AuthorizeError("invalid_scope", f"the only scope is {MCP_SCOPE}")
        txn = new_secret()
        pending = Pending(
            client_id=client.client_id or "",
            client_name=client.client_name or client.client_id or "an unnamed MCP client",
            redirect_uri=str(params.redirect_uri),
            redirect_uri_provided_explicitly=params.redirect_uri_provided_explicitly,
            state=params.state,
            code_challenge=params.code_challenge,
            scopes=[MCP_SCOPE],  # the one scope, asked for or not
            resource=self.settings.resource,
            csrf=new_secret(),
            browser="",
        )
        await self.records.put(PENDING, txn, pending, ttl=self.settings.code_ttl * 2)
        return f"{self.settings.public_url}/oauth/consent?txn={txn}"

    def is_our_resource(self, resource: str) -> bool:
        return resource.rstrip("/") == self.settings.resource

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

    async def _spent(self, token: str, kind: str) -> None:
        """``token`` (a code or a refresh token) was presented although used: revoke its grant."""
        spent = await self.records.get(SPENT, digest(token), Spent)
        if spent is not None and spent.kind == kind:
            log.warning("a used %s was presented again: its grant is revoked", kind.replace("_", " "))
            self.on_event("sign_in" if kind == "code" else "refresh", "reuse_revoked")
            await self.revoke_grant(spent.grant_id, reason=f"{kind}_reused")

    async def load_authorization_code(self, client: OAuthClientInformationFull, authorization_code: str) -> Code | None:
        rec = await self.records.get(CODES, digest(authorization_code), CodeRecord)
        if rec is None:
            self.on_event("sign_in", "invalid_grant")
            await self._spent(authorization_code, "code")
            return None
        return Code(code=authorization_code, scopes=rec.scopes, expires_at=rec.expires_at, client_id=rec.client_id,
                    code_challenge=rec.code_challenge, redirect_uri=rec.redirect_uri,  # type: ignore[arg-type]
                    redirect_uri_provided_explicitly=rec.redirect_uri_provided_explicitly, resource=rec.resource,
                    grant_id=rec.grant_id)

    async def exchange_authorization_code(self, client: OAuthClientInformationFull, authorization_code: Code) -> OAuthToken:
        # Taken atomically: of two concurrent exchanges of one code, one wins, and the other is a replay.
        rec = await self.records.take(CODES, digest(authorization_code.code), CodeRecord)
        if rec is None:
            self.on_event("sign_in", "reuse_revoked")
            await self.revoke_grant(authorization_code.grant_id, reason="code_reused")
            raise TokenError("invalid_grant", "authorization code already used: the sign-in it started is revoked")
        await self.records.put(SPENT, digest(authorization_code.code), Spent(grant_id=rec.grant_id, kind="code"),
                               ttl=self.settings.refresh_ttl)
        if await self.records.get(GRANTS, rec.grant_id, Grant) is None:
            self.on_event("sign_in", "invalid_grant")
            raise TokenError("invalid_grant", "the sign-in behind this code was revoked")
        issued = await self._issue(rec.client_id, rec.grant_id, rec.scopes, rec.resource, family=new_secret())
        await self.registry.used(rec.client_id)
        self.on_event("sign_in", "ok")
        return issued

    async def load_refresh_token(self, client: OAuthClientInformationFull, refresh_token: str) -> Refresh | None:
        rec = await self.records.get(REFRESH, digest(refresh_token), TokenRecord)
        if rec is None:
            self.on_event("refresh", "invalid_grant")
            await self._spent(refresh_token, "refresh_token")
            return None
        if await self.records.get(GRANTS, rec.grant_id, Grant) is None:
            self.on_event("refresh", "invalid_grant")
            return None
        return Refresh(token=refresh_token, client_id=rec.client_id, scopes=rec.scopes, expires_at=rec.expires_at,
                       resource=rec.resource, grant_id=rec.grant_id)

    async def exchange_refresh_token(self, client: OAuthClientInformationFull, refresh_token: Refresh,
                                     scopes: list[str]) -> OAuthToken:
        rec = await self.records.take(REFRESH, digest(refresh_token.token), TokenRecord)  # rotation: single use
        if rec is None:  # taken since it was loaded: a concurrent use of one refresh token is a reuse
            self.on_event("refresh", "reuse_revoked")
            await self.revoke_grant(refresh_token.grant_id, reason="refresh_token_reused")
            raise TokenError("invalid_grant", "refresh token already used: the sign-in it belongs to is revoked")
        await self.records.put(SPENT, digest(refresh_token.token), Spent(grant_id=rec.grant_id, kind="refresh_token"),
                               ttl=max(1.0, rec.expires_at - time.time()))
        issued = await self._issue(rec.client_id, rec.grant_id, [s for s in scopes if s == MCP_SCOPE], rec.resource,
                                   family=rec.family)
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

    async def revoke_for_client(self, client_id: str, token: str, hint: str | None = None) -> bool:
        """RFC 7009: revoke ``token`` (an access or refresh token of ours) when ``client_id`` owns it,
        and with it the grant it belongs to. False when it is unknown or another client's (the
        answer is the same: 200)."""
        namespaces = (REFRESH, ACCESS) if hint == "refresh_token" else (ACCESS, REFRESH)
        for ns in namespaces:
            rec = await self.records.get(ns, digest(token), TokenRecord)
            if rec is not None:
                if rec.client_id != client_id:
                    return False
                await self.records.delete(ns, digest(token))
                await self.revoke_grant(rec.grant_id)
                return True
        # A client disconnecting with a refresh token it already rotated still means "revoke".
        spent = await self.records.get(SPENT, digest(token), Spent)
        grant = await self.records.get(GRANTS, spent.grant_id, Grant) if spent is not None else None
        if grant is not None and spent is not None and spent.kind == "refresh_token" and grant.client_id == client_id:
            await self.revoke_grant(grant.grant_id)
            return True
        return False

    async def revoke_grant(self, grant_id: str, reason: str = "revoked") -> None:
        """Forget the grant (every token of it stops working) and release its share of the
        person's LiveChat grant: revoked at LiveChat when it was the last one using it."""
        grant = await self.records.take(GRANTS, grant_id, Grant)
        self.on_revoke(grant_id)
        self.on_event("revoke", "ok" if grant is not None else "unknown_grant")
        if grant is None:
            return
        await self._release(grant)
        if self.audit is not None:
            self.audit.for_principal(principal_fields(grant)).record(
                tool="oauth/revoke", decision="allowed", rule="oauth", arguments={}, duration_ms=0.0,
                outcome={"reason": reason})

    # --- a person's one LiveChat grant --------------------------------------------------------

    @asynccontextmanager
    async def _person_lock(self, person: str) -> AsyncIterator[None]:
        """The person's lock (the one a LiveChat refresh holds), waited for up to PERSON_LOCK_WAIT
        seconds (TimeoutError then); what runs under it is not timed by the wait."""
        deadline = time.monotonic() + PERSON_LOCK_WAIT
        entered = False
        while True:
            try:
                async with self.records.store.lock(f"oauth.lcrefresh:{person}", ttl=PERSON_LOCK_TTL):
                    entered = True
                    yield
                    return
            except LockBusy:
                if entered:
                    raise
                if time.monotonic() > deadline:
                    raise TimeoutError("the person's lock stayed held") from None
                await anyio.sleep(0.05)

    async def _live(self, grant_ids: list[str], but: str | None = None) -> list[str]:
        return [g for g in dict.fromkeys(grant_ids) if g != but and await self.records.get(GRANTS, g, Grant) is not None]

    async def attach(self, grant: Grant, tokens: LiveChatTokens) -> None:
        """Keep a new sign-in: its grant, and its LiveChat tokens as the person's one LiveChat
        grant, replacing (and revoking at LiveChat) the token pair their other grants used, which
        use the new one from now on."""
        person = grant.principal_id
        replaced: str | None = None
        async with self._person_lock(person):
            await self.records.put(GRANTS, grant.grant_id, grant, ttl=self.settings.refresh_ttl)
            old = await self.records.get(LIVECHAT, person, LiveChatGrant)
            grants = await self._live(old.grants) if old is not None else []
            until = max(old.until if old is not None else 0.0, grant.created_at + self.settings.refresh_ttl)
            record = LiveChatGrant(person=person, access_token=tokens.access_token, refresh_token=tokens.refresh_token,
                                   expires_at=tokens.expires_at, grants=[*grants, grant.grant_id], until=until)
            await self.records.put(LIVECHAT, person, record, ttl=max(1.0, until - time.time()))
            if old is not None and old.access_token != tokens.access_token:
                replaced = old.access_token
        if replaced is not None:
            await self.accounts.revoke(replaced)
            self.on_event("livechat_replace", "ok")

    async def _release(self, grant: Grant) -> None:
        person = grant.principal_id
        revoke: str | None = None
        try:
            async with self._person_lock(person):
                record = await self.records.get(LIVECHAT, person, LiveChatGrant)
                if record is None:
                    return
                left = await self._live(record.grants, but=grant.grant_id)
                if left:
                    await self.records.put(LIVECHAT, person, record.model_copy(update={"grants": left}),
                                           ttl=max(1.0, record.until - time.time()))
                else:
                    await self.records.delete(LIVECHAT, person)
                    revoke = record.access_token
        except TimeoutError:
            log.warning("a revoked grant could not take its person's lock: its LiveChat share is left to expire")
        if revoke is not None:
            await self.accounts.revoke(revoke)

    async def current(self, grant_id: str) -> tuple[Grant, LiveChatGrant] | None:
        """The grant and the person's LiveChat tokens, good for a while yet: refreshed (once,
        across replicas, under the person's lock) when near their end; None when the grant is
        gone or its LiveChat tokens can no longer be used."""
        grant = await self.records.get(GRANTS, grant_id, Grant)
        if grant is None:
            return None
        person = grant.principal_id
        lc = await self.records.get(LIVECHAT, person, LiveChatGrant)
        if lc is None or grant_id not in lc.grants:
            return None
        if lc.expires_at - time.time() > LIVECHAT_REFRESH_MARGIN:
            return grant, lc
        if not lc.refresh_token:
            return (grant, lc) if lc.expires_at > time.time() else None
        try:
            # Waited for, not skipped: whoever holds it (another request, replica or sign-in) is
            # replacing the token this one would use, and a refreshed token revokes its predecessor.
            async with self._person_lock(person):
                fresh = await self.records.get(LIVECHAT, person, LiveChatGrant)
                if fresh is None or grant_id not in fresh.grants:
                    return None
                if fresh.expires_at - time.time() > LIVECHAT_REFRESH_MARGIN:
                    return grant, fresh
                tokens = await self.accounts.refresh(fresh.refresh_token or "")
                updated = fresh.model_copy(update={
                    "access_token": tokens.access_token,
                    "refresh_token": tokens.refresh_token or fresh.refresh_token,
                    "expires_at": tokens.expires_at,
                })
                await self.records.put(LIVECHAT, person, updated, ttl=max(1.0, updated.until - time.time()))
                self.on_event("livechat_refresh", "ok")
                return grant, updated
        except TimeoutError:  # the person's lock stayed held: use what there is while it lasts
            return (grant, lc) if lc.expires_at > time.time() else None
        except AccountsError as exc:
            self.on_event("livechat_refresh", "failed")
            log.warning("LiveChat token refresh failed for a grant: %s", exc)
            return (grant, lc) if lc.expires_at > time.time() else None
