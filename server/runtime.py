"""Assembling a running configuration: credential, upstream client, policy, pipeline."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from . import __version__
from .api.auth import ConfigError, Credential, bearer, credential_from_env, region_from, service_url
from .api.client import DEFAULT_BASE_URL, LiveChatClient, RetryPolicy
from .api.ratelimit import Budget, license_bucket
from .audit import AuditLog
from .pipeline import Pipeline
from .policies import Overrides, Policy, PolicyContext, PolicyError, load_policy
from .redact import Scrubber
from .store import Store, open_store
from .store.memory import MemoryStore
from .working_plans import WorkingPlans

DEFAULT_ACCOUNTS_URL = "https://accounts.livechat.com"
SANDBOX_URL = "http://sandbox.livechat-mcp.invalid"

MISSING_CREDENTIALS = (
    "No LiveChat credentials. Set LIVECHAT_ACCESS_TOKEN (an OAuth access token), or "
    "LIVECHAT_ACCOUNT_ID and LIVECHAT_PAT (a Personal Access Token); or run with --sandbox "
    "to try it against the built-in sandbox."
)


@dataclass
class Settings:
    sandbox: bool = False
    policy: str | None = None
    overrides: Overrides = field(default_factory=Overrides)
    audit_log: str | None = None
    timeout: float = 15.0
    rate_limit: int = 1000
    rate_period: float = 600.0
    max_attempts: int = 5
    deadline: float = 120.0
    max_concurrency: int = 8
    # The state store URL (--store / LIVECHAT_MCP_STORE); None: the embedded SQLite file, or
    # memory:// with the built-in sandbox, whose state lives and dies with this process anyway.
    store: str | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str], **values: Any) -> Settings:
        settings = cls(**values)
        settings.overrides = settings.overrides.merge(Overrides.from_env(env))
        from_env = env.get("LIVECHAT_MCP_POLICY", "").strip() or None
        if settings.policy and from_env and not _same_policy(settings.policy, from_env):
            # Two sources naming different policies: applying either would be a guess, and
            # letting the command line quietly replace a deployment's policy could widen it.
            raise PolicyError(
                f"--policy {settings.policy} and LIVECHAT_MCP_POLICY={from_env} name different policies; "
                "set only one"
            )
        settings.policy = settings.policy or from_env
        settings.audit_log = settings.audit_log or env.get("LIVECHAT_MCP_AUDIT_LOG") or None
        settings.store = settings.store or env.get("LIVECHAT_MCP_STORE", "").strip() or None
        if env.get("LIVECHAT_MCP_SANDBOX", "").lower() in ("1", "true", "yes"):
            settings.sandbox = True
        return settings


def _same_policy(a: str, b: str) -> bool:
    """Whether two --policy values name one policy (a preset name, or one file however spelt)."""
    if a == b:
        return True
    from pathlib import Path

    pa, pb = Path(a), Path(b)
    return pa.is_file() and pb.is_file() and pa.resolve() == pb.resolve()


@dataclass
class Runtime:
    settings: Settings
    credential: Credential
    client: LiveChatClient
    policy: PolicyContext
    pipeline: Pipeline
    scrubber: Scrubber
    upstream: str
    policy_source: str
    sandbox: Any = None
    audit: AuditLog | None = None
    client_id: str | None = None  # the token's client id, from token info (Bearer only)
    store: Store = field(default_factory=MemoryStore)  # budget, plans, journals, shared keys
    # Who this runtime acts for: "operator" (one principal from the environment), or in hosted
    # mode "<organization id>:<account id>" of the signed-in person (key per-person state by it).
    principal_id: str = "operator"
    # Who the credential is, from token info (Bearer): account_id, organization_id, client_id.
    identity: dict[str, str] = field(default_factory=dict)

    def banner(self, visible_tools: int) -> str:
        scopes = "all" if self.policy.scopes is None else f"{len(self.policy.scopes)} ({self.policy.scopes_source})"
        return (
            f"livechat-mcp {__version__} | upstream: {self.upstream} | policy: {self.policy.policy.mode} "
            f"({self.policy_source}) | scopes: {scopes} | {visible_tools} tools visible | store: {self.store.url}"
        )

    async def aclose(self) -> None:
        await self.client.aclose()
        if self.audit:
            self.audit.close()
        await self.store.aclose()


async def build_runtime(settings: Settings, env: Mapping[str, str]) -> Runtime:
    """Raises ConfigError / PolicyError with a message for the operator."""
    policy, policy_source = load_policy(settings.policy, settings.overrides)
    transport: httpx.AsyncBaseTransport | None = None
    sandbox = None
    if settings.sandbox:
        from .sandbox import ALL_SCOPES_TOKEN, DEFAULT_TOKEN, Sandbox

        sandbox = Sandbox()
        transport = httpx.ASGITransport(app=sandbox.app)
        # The ordinary app token unless LIVECHAT_SANDBOX_TOKEN names the all-scopes one: a user
        # meets the sandbox as a Developer Console app would meet LiveChat (no private scopes).
        token = env.get("LIVECHAT_SANDBOX_TOKEN", "").strip() or DEFAULT_TOKEN
        credential = bearer(token)
        base_url = accounts_url = SANDBOX_URL
        region = region_from(credential, None)
        which = ("all-scopes token" if token == ALL_SCOPES_TOKEN else
                 f"app token without the private scopes; LIVECHAT_SANDBOX_TOKEN={ALL_SCOPES_TOKEN} for all")
        upstream = f"built-in SANDBOX (no real license is touched; {which})"
    else:
        found = credential_from_env(env)
        if found is None:
            raise ConfigError(MISSING_CREDENTIALS)
        credential = found
        base_url = service_url(env, "LIVECHAT_API_URL", DEFAULT_BASE_URL)
        accounts_url = service_url(env, "LIVECHAT_ACCOUNTS_URL", DEFAULT_ACCOUNTS_URL)
        region = region_from(credential, env.get("LIVECHAT_REGION"))
        upstream = f"{base_url} (region {region or 'dal (default)'}, {credential.describe()})"

    scrubber = Scrubber(credential.secrets())
    # Opened before the client so that a bad path fails with nothing to clean up.
    audit = AuditLog(settings.audit_log, scrubber) if settings.audit_log else None
    try:
        store = open_store(settings.store or ("memory://" if settings.sandbox else None), env)
    except Exception:
        if audit:
            audit.close()
        raise
    client = LiveChatClient(
        credential,
        base_url=base_url,
        region=region,
        timeout=settings.timeout,
        retry=RetryPolicy(max_attempts=settings.max_attempts, deadline=settings.deadline),
        rate_limit=(settings.rate_limit, settings.rate_period),
        max_concurrency=settings.max_concurrency,
        transport=transport,
    )
    identity: dict[str, str] = {}
    token_scopes, note, client_id = await learn_scopes(policy, credential, accounts_url, transport, identity)
    if sandbox is not None and token_scopes is not None and note == "the token's scopes":
        from .sandbox import ALL_SCOPES_TOKEN
        from .tools import PRIVATE_SCOPES

        if not PRIVATE_SCOPES <= token_scopes:  # say why a private-scope tool is hidden, and the way out
            note = (f"the sandbox app token's scopes: no private scope ({', '.join(sorted(PRIVATE_SCOPES))}), "
                    f"as for any Developer Console app; LIVECHAT_SANDBOX_TOKEN={ALL_SCOPES_TOKEN} holds them")
    # The budget is the license's, kept in the store: every process and replica shares it.
    client.budget = Budget(store, license_bucket(base_url, credential, identity), settings.rate_limit,
                           settings.rate_period, hold=settings.timeout + 30)
    policy_ctx = PolicyContext.create(policy, token_scopes, note)
    pipeline = Pipeline(policy=policy_ctx, client=client, scrubber=scrubber, audit=audit, plans=WorkingPlans(store))
    pipeline.owner_client_id = client_id
    return Runtime(
        settings=settings,
        credential=credential,
        client=client,
        policy=policy_ctx,
        pipeline=pipeline,
        scrubber=scrubber,
        upstream=upstream,
        policy_source=policy_source,
        sandbox=sandbox,
        audit=audit,
        client_id=client_id,
        store=store,
        identity=identity,
    )


async def learn_scopes(
    policy: Policy, credential: Credential, accounts_url: str, transport: httpx.AsyncBaseTransport | None,
    identity: dict[str, str] | None = None,
) -> tuple[frozenset[str] | None, str, str | None]:
    """The token's scopes (or None with the reason) and its client id, from the accounts service;
    ``identity`` (when given) receives the token's account, organization (it keys the request budget) and client ids."""
    if credential.kind != "bearer":
        return None, "a PAT's scopes cannot be looked up: not filtering by scope", None
    try:
        async with httpx.AsyncClient(transport=transport, timeout=5.0) as http:
            resp = await http.get(
                f"{accounts_url.rstrip('/')}/v2/info", headers={"Authorization": credential.authorization()}
            )
        if resp.status_code != 200:
            return None, f"token info answered HTTP {resp.status_code}: not filtering by scope", None
        info = resp.json()
        client_id = info.get("client_id") if isinstance(info.get("client_id"), str) else None
        if identity is not None and isinstance(info, dict):
            identity.update({k: info[k] for k in ("account_id", "organization_id", "client_id")
                             if isinstance(info.get(k), str)})
        scope = info.get("scope")
        if policy.scopes is not None:
            return None, "policy file", client_id
        if not isinstance(scope, str):
            return None, "token info has no scope field: not filtering by scope", client_id
        return frozenset(s.strip() for s in scope.split(",") if s.strip()), "the token's scopes", client_id
    except (httpx.HTTPError, ValueError) as exc:
        return None, f"token scopes could not be learned ({type(exc).__name__}): not filtering by scope", None
