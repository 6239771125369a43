"""Who is calling, what they may do, and their runtime, resolved per request.

A ``SignedIn`` is one person signed in through one MCP client: their LiveChat account, role,
license, region, client and scopes, as the grant recorded them at sign-in. Their effective policy is the operator's policy (the ceiling) narrowed by
their LiveChat token's scopes and, optionally, by their role (LIVECHAT_OAUTH_WRITE_ROLES): a
token can only narrow, never widen. The role is read once, at sign-in.

Each signed-in person gets a ``Runtime`` of their own: the process's ``App`` (settings, the
ceiling policy, the one shared connection pool, the store, the audit sink) with a ``Principal``
(server/calls/runtime.py: the caller every call runs as: credential, client, policy, pipeline
with their plans, the request budget of their license, audit lines naming them). Runtimes are
cached per grant; a refreshed LiveChat token swaps the credential in place (their plans stay),
and a revoked grant drops the runtime.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass

from ..api.auth import bearer
from ..api.client import LiveChatClient
from ..api.ratelimit import license_bucket
from ..calls.audit import AuditLog
from ..calls.runtime import Principal, Runtime
from ..policies import Policy, PolicyContext
from ..policies.audience import Change, HostedPerson, Refusal
from ..safety.redact import Scrubber
from ..tools import Action
from ..tools.listing import Listed
from .provider import Access, Provider
from .records import Grant, principal_fields

MAX_CACHED_PRINCIPALS = 500


@dataclass(frozen=True)
class SignedIn:
    """A person signed in through one MCP client, from their grant (the ``Principal`` their calls
    run as is built from it: server/calls/runtime.py)."""

    id: str  # "<organization id>:<account id>": the id of the Principal built for them
    grant_id: str
    account_id: str
    email: str
    name: str
    role: str
    organization_id: str
    license_id: str | None
    region: str | None
    client_id: str
    client_name: str
    scopes: frozenset[str]

    @classmethod
    def from_grant(cls, grant: Grant) -> SignedIn:
        return cls(
            id=grant.principal_id, grant_id=grant.grant_id, account_id=grant.account_id, email=grant.email,
            name=grant.name, role=grant.role, organization_id=grant.organization_id, license_id=grant.license_id,
            region=grant.region, client_id=grant.client_id, client_name=grant.client_name,
            scopes=frozenset(grant.scopes),
        )



@dataclass(frozen=True)
class PersonPolicy(PolicyContext):
    """A person's effective policy; its refusals speak to that person (``HostedPerson``), not to the operator."""

    role: str = ""
    role_limited: bool = False  # writes refused because of the person's role (LIVECHAT_OAUTH_WRITE_ROLES)
    write_roles: frozenset[str] | None = None
    token_scopes: frozenset[str] = frozenset()

    def refusals(self, act: Action | Listed) -> list[Refusal]:
        out = []
        for r in super().refusals(act):
            if r.rule == "mode" and self.role_limited:  # made read-only for this person's role, not by the operator
                r = Refusal("role", f"your LiveChat role ({self.role or 'unknown'}) may not change configuration on "
                            "this deployment", Change("role", sorted(self.write_roles or ()), act.name))
            elif r.rule == "scopes" and r.change is not None and any(set(a) <= self.token_scopes for a in act.scopes):
                # Their token has it; the operator's policy (its scopes) does not grant it.
                r = Refusal(r.rule, r.reason, Change("scopes", r.change.value, act.name))
            out.append(r)
        return out


def effective_policy(ceiling: Policy, person: SignedIn, write_roles: frozenset[str] | None,
                     operator: str = "the operator of this server") -> PolicyContext:
    policy = ceiling
    role_limited = write_roles is not None and person.role not in write_roles and policy.mode != "read-only"
    if role_limited:
        # Writes are for the roles the operator named; this person reads only.
        policy = policy.model_copy(update={"mode": "read-only"})
    audience = HostedPerson(role=person.role, write_roles=write_roles, operator=operator)
    if ceiling.scopes is None:
        scopes, source = person.scopes, "your LiveChat token's scopes"
    else:
        scopes, source = person.scopes & frozenset(ceiling.scopes), "your LiveChat token's scopes within the policy's scopes"
    return PersonPolicy(policy, scopes, source, audience, role=person.role, role_limited=role_limited,
                        write_roles=write_roles, token_scopes=person.scopes)


def rights_summary(ceiling: Policy, write_roles: frozenset[str] | None) -> list[str]:
    """What the consent page says a client will be allowed, before we know who signs in."""
    lines = ["Read the configuration of your license: " + (
        "all resources" if "all" in ceiling.toolsets else ", ".join(ceiling.toolsets)) + "."]
    if ceiling.mode == "read-write":
        lines.append("Change the configuration" + (", including deleting" if ceiling.allow_destructive else
                                                   " (never delete: destructive actions are refused)") + ".")
    elif ceiling.mode == "dry-run":
        lines.append("Plan changes for review: nothing is changed until an operator applies the plan.")
    else:
        lines.append("Nothing can be changed: this deployment is read-only.")
    if write_roles is not None and ceiling.mode != "read-only":
        lines.append(f"Only these LiveChat roles may change anything: {', '.join(sorted(write_roles))}.")
    lines.append("Never more than your own LiveChat account may do (its token's scopes).")
    return lines


class HostedRuntimes:
    """Each signed-in person's runtime: the process's app with a principal of their own, cached per grant."""

    def __init__(self, base: Runtime, provider: Provider, *, base_url: str) -> None:
        self.base = base
        self.provider = provider
        self.base_url = base_url
        self._cache: OrderedDict[str, tuple[Runtime, SignedIn, str]] = OrderedDict()
        self.max_cached = MAX_CACHED_PRINCIPALS  # the door may set it (LIVECHAT_MCP_MAX_SIGNED_IN)

    async def for_token(self, token: Access) -> tuple[Runtime, SignedIn] | None:
        found = await self.provider.current(token.grant_id)
        if found is None:
            self.forget(token.grant_id)
            return None
        grant, livechat = found
        fingerprint = hashlib.sha256(livechat.access_token.encode()).hexdigest()
        cached = self._cache.get(grant.grant_id)
        if cached is not None:
            runtime, person, seen = cached
            if seen != fingerprint:  # LiveChat token refreshed or replaced: same person, same plans, new credential
                runtime.principal.use_client(self._client(grant, livechat.access_token))
                self._cache[grant.grant_id] = (runtime, person, fingerprint)
            self._cache.move_to_end(grant.grant_id)
            return runtime, person
        person = SignedIn.from_grant(grant)
        runtime = self._build(person, grant, livechat.access_token)
        self._cache[grant.grant_id] = (runtime, person, fingerprint)
        while len(self._cache) > self.max_cached:
            self._cache.popitem(last=False)
        return runtime, person

    def forget(self, grant_id: str) -> None:
        # The client is not closed: closing it would close the app's shared pool; it holds nothing else.
        self._cache.pop(grant_id, None)

    def _license(self, grant: Grant, access_token: str) -> str:
        # LiveChat counts requests per license: everyone on one license shares one budget, kept in
        # the state store like the operator's, so replicas share it too.
        return license_bucket(self.base_url, bearer(access_token), {"organization_id": grant.organization_id})

    def _client(self, grant: Grant, access_token: str) -> LiveChatClient:
        return self.base.app.client(bearer(access_token), grant.region, self._license(grant, access_token))

    def _identity(self, grant: Grant) -> dict[str, str]:
        """Who this person is, as whoami and plans name them (read at sign-in; never a token)."""
        fields = {"account_id": grant.account_id, "organization_id": grant.organization_id,
                  "license_id": grant.license_id, "email": grant.email, "name": grant.name, "role": grant.role,
                  "client_id": self.provider.settings.client_id, "signed_in_through": grant.client_name}
        return {k: v for k, v in fields.items() if v}

    def _build(self, person: SignedIn, grant: Grant, access_token: str) -> Runtime:
        credential = bearer(access_token)
        scrubber = Scrubber(credential.secrets())
        audit: AuditLog | None = (self.base.audit.for_principal(principal_fields(grant), scrubber)
                                  if self.base.audit is not None else None)
        principal = Principal.create(
            self.base.app, id=person.id, credential=credential, license_key=self._license(grant, access_token),
            region=grant.region, client_id=self.provider.settings.client_id,
            policy=effective_policy(self.base.policy.policy, person, self.provider.settings.write_roles,
                                    self.provider.settings.operator),
            audit=audit, scrubber=scrubber,
            # Who they are: whoami names them, plans record their author, approvers and organization
            # (server/calls/lifecycle.py person_of).
            identity=self._identity(grant),
        )
        return Runtime(self.base.app, principal)

    async def aclose(self) -> None:
        self._cache.clear()  # the shared pool is the app's: it closes it


def person_rights(ceiling: Policy, grant: Grant, write_roles: frozenset[str] | None) -> list[str]:
    """What this person will be allowed, exactly: the operator's policy, their scopes, their role."""
    from ..tools import catalog

    policy = effective_policy(ceiling, SignedIn.from_grant(grant), write_roles)
    decisions = [(act, policy.decide(act)) for act in catalog().values()]
    reads = sorted({act.resource for act, d in decisions if d.allowed and not act.write})
    writes = [act for act, d in decisions if d.allowed and act.write]
    lines = [f"Read: {', '.join(reads)}." if reads else "Read: nothing (your LiveChat account has no read scopes)."]
    if not writes:
        lines.append("Change: nothing." + (f" Your role ({grant.role}) may not change anything here."
                                           if write_roles is not None and grant.role not in write_roles else ""))
    elif policy.policy.mode == "dry-run":
        lines.append(f"Plan changes for review ({len(writes)} kinds of change); nothing is sent until an operator applies them.")
    else:
        destructive = sum(1 for act in writes if act.destructive)
        lines.append(f"Change: {len(writes)} kinds of change, {destructive} of them deleting or removing things.")
    return lines
