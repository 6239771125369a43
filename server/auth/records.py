"""What hosted mode keeps in the store, and the one door to it.

Every record is JSON sealed with the deployment's key (``store/crypto.py``), bound to its
namespace and key, so a store dump holds neither LiveChat tokens nor anything usable. Codes and
tokens are looked up by their SHA-256, never stored as such. Everything has a lifetime.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from typing import Any, TypeVar

from pydantic import BaseModel

from ..store import Store
from ..store.crypto import Sealer, SealError

M = TypeVar("M", bound=BaseModel)

PENDING, LC_STATE, CONFIRM, GRANTS, CODES, ACCESS, REFRESH, CLIENTS = (
    "oauth.pending", "oauth.lcstate", "oauth.confirm", "oauth.grants", "oauth.codes", "oauth.access", "oauth.refresh",
    "oauth.clients",
)
SPENT = "oauth.spent"  # used codes and rotated refresh tokens (by hash): presenting one again revokes its grant
LIVECHAT = "oauth.livechat"  # a person's one LiveChat grant on this deployment, shared by their MCP grants
UNCONFIRMED = "oauth.unconfirmed"  # a person's one LiveChat sign-in waiting for confirmation (its CONFIRM key)


def new_secret() -> str:
    return secrets.token_urlsafe(32)  # 256 bits


def digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


class Pending(BaseModel):
    """An MCP client's /authorize request, waiting for consent and then for LiveChat sign-in."""

    client_id: str
    client_name: str
    redirect_uri: str
    redirect_uri_provided_explicitly: bool
    state: str | None
    code_challenge: str
    scopes: list[str]
    resource: str
    csrf: str  # the consent form's token (also in the browser's cookie)
    browser: str  # binds the LiveChat round trip to the browser that consented (cookie)
    lc_verifier: str | None = None  # our PKCE verifier at LiveChat, once consent is given
    lc_state: str | None = None  # the one LiveChat round trip this consent started (a repeated consent replaces it)


class Grant(BaseModel):
    """One MCP client's sign-in of a person: who they are at LiveChat, read at sign-in. Their
    LiveChat tokens are the person's ``LiveChatGrant``, shared by all their MCP grants."""

    grant_id: str
    client_id: str
    client_name: str
    account_id: str
    organization_id: str
    license_id: str | None
    email: str
    name: str
    role: str
    scopes: list[str]  # the LiveChat token's scopes, read once at sign-in
    region: str | None  # the LiveChat token's region prefix (dal, fra), read at sign-in
    created_at: float

    @property
    def principal_id(self) -> str:
        return f"{self.organization_id}:{self.account_id}"


def token_region(access_token: str) -> str | None:
    prefix, sep, _ = access_token.partition(":")
    return prefix if sep and prefix in ("dal", "fra") else None


class LiveChatGrant(BaseModel):
    """A person's LiveChat tokens (per license and account), shared by every MCP grant they made
    on this deployment, so that signing in from several clients holds one LiveChat token pair
    (LiveChat keeps 25 per app and user and revokes the oldest). Refreshed and replaced under the
    person's lock; revoked at LiveChat when their last MCP grant goes."""

    person: str  # "<organization id>:<account id>"
    access_token: str
    refresh_token: str | None
    expires_at: float
    grants: list[str]  # the MCP grants using it
    until: float  # when the last of them ends (the record's lifetime)


class Spent(BaseModel):
    """A used authorization code or a rotated refresh token, remembered for as long as it could
    be presented again: a second use revokes the grant it was issued under (OAuth 2.1 §4.1.2, §4.3.1)."""

    grant_id: str
    kind: str  # "code" or "refresh_token"


def principal_fields(grant: Grant) -> dict[str, Any]:
    """Who a grant is, as the audit log names them (never a token)."""
    return {"id": grant.principal_id, "account_id": grant.account_id, "email": grant.email, "role": grant.role,
            "organization_id": grant.organization_id, "client_id": grant.client_id, "client_name": grant.client_name}


class CodeRecord(BaseModel):
    """Our authorization code (looked up by its hash)."""

    client_id: str
    grant_id: str
    scopes: list[str]
    expires_at: float
    code_challenge: str
    redirect_uri: str
    redirect_uri_provided_explicitly: bool
    resource: str


class TokenRecord(BaseModel):
    """One of our access or refresh tokens (looked up by its hash)."""

    client_id: str
    grant_id: str
    scopes: list[str]
    expires_at: int
    resource: str
    family: str  # the refresh token it descends from: revoking one revokes the family


class Records:
    def __init__(self, store: Store, sealer: Sealer) -> None:
        self.store = store
        self._sealer = sealer

    def _seal(self, ns: str, key: str, model: BaseModel) -> bytes:
        return self._sealer.seal(model.model_dump_json().encode(), context=f"{ns}:{key}".encode())

    def _open(self, ns: str, key: str, blob: bytes | None, model: type[M]) -> M | None:
        if blob is None:
            return None
        try:
            return model.model_validate_json(self._sealer.unseal(blob, context=f"{ns}:{key}".encode()))
        except (SealError, ValueError):
            return None  # tampered or from another key: as good as absent

    async def put(self, ns: str, key: str, model: BaseModel, ttl: float) -> None:
        await self.store.put(ns, key, self._seal(ns, key, model), ttl=ttl)

    async def get(self, ns: str, key: str, model: type[M]) -> M | None:
        return self._open(ns, key, await self.store.get(ns, key), model)

    async def take(self, ns: str, key: str, model: type[M]) -> M | None:
        return self._open(ns, key, await self.store.take(ns, key), model)

    async def delete(self, ns: str, key: str) -> None:
        await self.store.delete(ns, key)

    async def put_text(self, ns: str, key: str, value: str, ttl: float) -> None:
        await self.store.put(ns, key, self._sealer.seal(value.encode(), context=f"{ns}:{key}".encode()), ttl=ttl)

    async def take_text(self, ns: str, key: str) -> str | None:
        blob = await self.store.take(ns, key)
        if blob is None:
            return None
        try:
            return self._sealer.unseal(blob, context=f"{ns}:{key}".encode()).decode()
        except SealError:
            return None

    async def put_json(self, ns: str, key: str, value: Any, ttl: float | None) -> None:
        blob = self._sealer.seal(json.dumps(value).encode(), context=f"{ns}:{key}".encode())
        await self.store.put(ns, key, blob, ttl=ttl)

    async def get_json(self, ns: str, key: str) -> Any:
        blob = await self.store.get(ns, key)
        if blob is None:
            return None
        try:
            return json.loads(self._sealer.unseal(blob, context=f"{ns}:{key}".encode()))
        except (SealError, ValueError):
            return None
