"""Assembling what calls run under: the process-level ``App`` and the ``Principal`` (see
server/calls/context.py for the three lifetimes). ``build_runtime`` is stdio's and the CLI's case:
one principal, built once from the environment."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

from .. import __version__
from ..api.auth import NO_CREDENTIAL, Credential, bearer, credential_from_env, region_from, service_url
from ..api.client import DEFAULT_BASE_URL, LiveChatClient, RetryPolicy
from ..api.ratelimit import Budget, license_bucket
from ..errors import MissingCredentials
from ..observe import NOBODY, Observer
from ..plans.working import WorkingPlans
from ..policies import Overrides, Policy, PolicyContext, PolicyError, load_policy
from ..policies.audience import Audience, Terminal
from ..safety.redact import Scrubber
from ..store import Store, open_store
from ..store.observed import observed
from .audit import AuditLog
from .pipeline import Pipeline

DEFAULT_ACCOUNTS_URL = "https://accounts.livechat.com"
SANDBOX_URL = "http://sandbox.livechat-mcp.invalid"

MISSING_CREDENTIALS = (
    "No LiveChat credentials. Set LIVECHAT_ACCESS_TOKEN (an OAuth access token), or "
    "LIVECHAT_ACCOUNT_ID and LIVECHAT_PAT (a Personal Access Token); or run with --sandbox "
    "to try it against the built-in sandbox."
)
# What a command run without credentials says a real license would change (tools, policy).
WITHOUT_CREDENTIALS = (
    "no credentials; with a real license, its token's scopes hide the tools it cannot call (no Developer "
    "Console app holds the private scopes)"
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
    # The state store URL (--store / LIVECHAT_MCP_STORE); None: the embedded SQLite file, with the
    # built-in sandbox too (its stored plans outlive the process: review now, apply later).
    store: str | None = None
    # With the built-in sandbox: what its license holds instead of the built-in seed (a
    # configuration document's seed, server/license_config/seed.py; the CLI passes it in).
    sandbox_seed: Any = None
    # Who reads refusals and what door they have (server/policies/audience.py): the CLI builds it
    # from the command and its flags; None: the terminal's words with no flags known.
    audience: Audience | None = None

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
class App:
    """The process (server/calls/context.py): settings, the operator's policy as the ceiling, one
    shared HTTP connection pool, the state store, the audit sink, the sandbox."""

    settings: Settings
    ceiling: Policy  # no principal's effective policy exceeds it
    policy_source: str
    store: Store
    transport: httpx.AsyncBaseTransport  # the one connection pool every principal's client sends through
    base_url: str
    upstream: str  # the banner's description of where calls go
    accounts_url: str = DEFAULT_ACCOUNTS_URL
    audit: AuditLog | None = None
    scrubber: Scrubber = field(default_factory=Scrubber)  # the audit sink's
    sandbox: Any = None
    # Who hears what the process does (metrics, traces: server/telemetry, wired by the doors);
    # every principal's client and pipeline report to it.
    observer: Observer = NOBODY
    # Hosted mode: the server's public URL (its /plans/{id} pages), set by the hosted door.
    public_url: str | None = None

    def client(self, credential: Credential, region: str | None, license_key: str) -> LiveChatClient:
        """A principal's upstream client: their credential and region over the shared pool, drawing
        on their license's request budget in the store (LiveChat counts requests per license)."""
        s = self.settings
        return LiveChatClient(
            credential,
            base_url=self.base_url,
            region=region,
            timeout=s.timeout,
            retry=RetryPolicy(max_attempts=s.max_attempts, deadline=s.deadline),
            budget=Budget(self.store, license_key, s.rate_limit, s.rate_period, hold=s.timeout + 30),
            max_concurrency=s.max_concurrency,
            transport=self.transport,
            observer=self.observer,
        )

    async def aclose(self) -> None:
        await self.transport.aclose()
        if self.audit:
            self.audit.close()
        await self.store.aclose()


@dataclass
class Principal:
    """Who is calling (server/calls/context.py): their credential, license, region, client id, effective
    policy (ceiling ∩ their own ∩ their token's scopes), scrubber, and the pipeline acting for them
    (which keeps their plans)."""

    id: str  # "operator" (stdio/CLI), or "<organization id>:<account id>" of a signed-in person
    credential: Credential
    license_key: str  # the budget's key: the license (organization), shared by all its people
    region: str | None
    client_id: str | None  # the token's client id, from token info (Bearer only)
    policy: PolicyContext
    scrubber: Scrubber
    client: LiveChatClient
    pipeline: Pipeline
    audit: AuditLog | None = None  # the app's audit sink, naming this principal where there are many
    # Who the credential is, from token info (Bearer): account_id, organization_id, client_id.
    identity: dict[str, str] = field(default_factory=dict)

    @classmethod
    def create(cls, app: App, *, id: str, credential: Credential, license_key: str, region: str | None,
               client_id: str | None, policy: PolicyContext, audit: AuditLog | None,
               scrubber: Scrubber | None = None, identity: dict[str, str] | None = None) -> Principal:
        """A principal whose client and pipeline run over the app's pool, store and audit sink."""
        scrubber = scrubber or Scrubber(credential.secrets())
        client = app.client(credential, region, license_key)
        # Their working plans live in the store, keyed by who they are: on every replica.
        pipeline = Pipeline(policy=policy, client=client, scrubber=scrubber, audit=audit,
                            plans=WorkingPlans(app.store, id), observer=app.observer)
        pipeline.owner_client_id = client_id
        return cls(id=id, credential=credential, license_key=license_key, region=region, client_id=client_id,
                   policy=policy, scrubber=scrubber, client=client, pipeline=pipeline, audit=audit,
                   identity=identity or {})

    def use_client(self, client: LiveChatClient) -> None:
        """A refreshed token for the same person (a client made by ``App.client`` with it): same
        plans, same license budget, new credential."""
        self.scrubber.add(*client.credential.secrets())
        self.credential = client.credential
        self.client = self.pipeline.client = client


class Runtime:
    """An app and the principal its calls run as, under one name: what the MCP server, the CLI
    and the meta tools are built on. stdio and the CLI have one, built once from the environment
    (``build_runtime``); hosted mode has one per signed-in person (server/auth/principal.py)."""

    def __init__(self, app: App, principal: Principal) -> None:
        self.app = app
        self.principal = principal

    # The principal's side.
    @property
    def credential(self) -> Credential:
        return self.principal.credential

    @property
    def client(self) -> LiveChatClient:
        return self.principal.client

    @property
    def policy(self) -> PolicyContext:
        return self.principal.policy

    @property
    def pipeline(self) -> Pipeline:
        return self.principal.pipeline

    @property
    def scrubber(self) -> Scrubber:
        return self.principal.scrubber

    @property
    def audit(self) -> AuditLog | None:
        return self.principal.audit

    @property
    def client_id(self) -> str | None:
        return self.principal.client_id

    @property
    def identity(self) -> dict[str, str]:
        return self.principal.identity

    @property
    def principal_id(self) -> str:
        return self.principal.id

    # The app's side.
    @property
    def settings(self) -> Settings:
        return self.app.settings

    @property
    def upstream(self) -> str:
        return self.app.upstream

    @property
    def policy_source(self) -> str:
        return self.app.policy_source

    @property
    def sandbox(self) -> Any:
        return self.app.sandbox

    @property
    def store(self) -> Store:
        return self.app.store

    @store.setter
    def store(self, store: Store) -> None:
        self.app.store = store

    def banner(self, visible_tools: int, serving: str = "") -> str:
        """The start-up line: one short line a person reads at a glance (what, how many tools,
        which mode, where calls go); ``details`` says the rest (--verbose). ``serving``: the
        HTTP endpoint, when there is one."""
        if self.sandbox is not None:
            where = "the built-in sandbox (no real license)"
        else:
            host = urlsplit(self.app.base_url).netloc or self.app.base_url
            where = host if self.credential.kind != "none" else f"{host} (no credentials)"
        at = f", serving {serving}" if serving else ""
        return f"livechat-mcp {__version__}: {visible_tools} tools, {self.policy.policy.mode}, on {where}{at}"

    def details(self) -> list[str]:
        """What the start-up line leaves out, one line each (--verbose)."""
        scopes = ("not filtered" if self.policy.scopes is None else f"{len(self.policy.scopes)} in force") + \
            f" ({self.policy.scopes_source})"
        return [
            f"upstream: {self.upstream}",
            f"policy: {self.policy.policy.mode} ({self.policy_source})",
            f"scopes: {scopes}",
            f"store: {self.store.url}",
            f"audit log: {self.settings.audit_log or 'off (--audit-log FILE)'}",
        ]

    async def aclose(self) -> None:
        await self.principal.client.aclose()
        await self.app.aclose()


async def open_app(settings: Settings, env: Mapping[str, str], observer: Observer = NOBODY) -> App:
    """The process-level pieces: the ceiling policy, the store, the audit sink, the shared pool
    (the sandbox's in-process transport with --sandbox). Raises ConfigError / PolicyError with a
    message for the operator. ``observer`` hears every store operation, request and call."""
    policy, policy_source = load_policy(settings.policy, settings.overrides)
    # Opened before anything else that holds resources, so that a bad path fails with nothing to clean up.
    # The audit sink's scrubber: the environment principal adds its secrets; hosted principals
    # write through AuditLog.for_principal with their own.
    scrubber = Scrubber()
    audit = AuditLog(settings.audit_log, scrubber) if settings.audit_log else None
    try:
        store = observed(open_store(settings.store, env), observer)
    except Exception:
        if audit:
            audit.close()
        raise
    sandbox = None
    if settings.sandbox:
        from ..sandbox import Sandbox

        sandbox = Sandbox(seed=settings.sandbox_seed)
        transport: httpx.AsyncBaseTransport = httpx.ASGITransport(app=sandbox.app)
        base_url = accounts_url = SANDBOX_URL
        upstream = "built-in SANDBOX"
    else:
        transport = httpx.AsyncHTTPTransport(limits=httpx.Limits(max_connections=100))
        base_url = service_url(env, "LIVECHAT_API_URL", DEFAULT_BASE_URL)
        accounts_url = service_url(env, "LIVECHAT_ACCOUNTS_URL", DEFAULT_ACCOUNTS_URL)
        upstream = base_url
    return App(settings=settings, ceiling=policy, policy_source=policy_source, store=store, transport=transport,
               base_url=base_url, upstream=upstream, accounts_url=accounts_url, audit=audit, scrubber=scrubber,
               sandbox=sandbox, observer=observer)


async def build_runtime(settings: Settings, env: Mapping[str, str], *, need_credentials: bool = True,
                        observer: Observer = NOBODY) -> Runtime:
    """stdio and the CLI: the app, and its one principal built from the environment.
    ``need_credentials=False``: a command that reads only this machine (tools, policy, stored plans)
    runs without any, as NO_CREDENTIAL (which cannot send)."""
    app = await open_app(settings, env, observer)
    try:
        return Runtime(app, await principal_from_env(app, env, need_credentials=need_credentials))
    except BaseException:
        await app.aclose()
        raise


async def principal_from_env(app: App, env: Mapping[str, str], *, need_credentials: bool = True) -> Principal:
    """The operator's principal: the credential in the environment (or the sandbox's token), its
    scopes and identity from token info, the ceiling policy narrowed by those scopes."""
    if app.sandbox is not None:
        from ..sandbox import ALL_SCOPES_TOKEN, DEFAULT_TOKEN, regional

        # The ordinary app token unless LIVECHAT_SANDBOX_TOKEN names the all-scopes one: a user
        # meets the sandbox as a Developer Console app would meet LiveChat (no private scopes).
        # A built-in token carries the sandbox's region prefix, whichever spelling was given.
        token = regional(env.get("LIVECHAT_SANDBOX_TOKEN", "").strip() or DEFAULT_TOKEN, app.sandbox.region)
        credential = bearer(token)
        region = region_from(credential, None)
        which = ("all-scopes token" if token == app.sandbox.all_scopes_token else
                 f"app token without the private scopes; LIVECHAT_SANDBOX_TOKEN={ALL_SCOPES_TOKEN} for all")
        app.upstream = f"built-in SANDBOX (no real license is touched; {which})"
        info_transport: httpx.AsyncBaseTransport | None = app.transport
    else:
        found = credential_from_env(env)
        if found is None and need_credentials:
            raise MissingCredentials(MISSING_CREDENTIALS)
        credential = found or NO_CREDENTIAL
        region = region_from(credential, env.get("LIVECHAT_REGION"))
        app.upstream = f"{app.base_url} (region {region or 'dal (default)'}, {credential.describe()})"
        info_transport = None  # token info is read once, on a client of its own (it closes its transport)
    # The one principal's secrets are the process's: the audit sink scrubs them too.
    app.scrubber.add(*credential.secrets())
    scrubber = app.scrubber
    identity: dict[str, str] = {}
    token_scopes, note, client_id = await learn_scopes(app.ceiling, credential, app.accounts_url, info_transport,
                                                       identity)
    if app.sandbox is not None and token_scopes is not None and note == "the token's scopes":
        from ..sandbox import ALL_SCOPES_TOKEN
        from ..tools import PRIVATE_SCOPES

        if not PRIVATE_SCOPES <= token_scopes:  # say why a private-scope tool is hidden, and the way out
            note = (f"the sandbox app token's scopes: no private scope ({', '.join(sorted(PRIVATE_SCOPES))}), "
                    f"as for any Developer Console app; LIVECHAT_SANDBOX_TOKEN={ALL_SCOPES_TOKEN} holds them")
    # The budget is the license's, kept in the store: every process and replica shares it. The
    # built-in sandbox is a license of this process alone (each process has its own), so is its budget.
    license_key = license_bucket(app.base_url, credential, identity)
    if app.sandbox is not None:
        license_key += f"#process:{secrets.token_hex(8)}"
    return Principal.create(
        app, id="operator", credential=credential, license_key=license_key,
        region=region, client_id=client_id,
        policy=PolicyContext.create(app.ceiling, token_scopes, note,
                                    app.settings.audience or Terminal(policy=app.settings.policy)),
        audit=app.audit, scrubber=scrubber, identity=identity,
    )


async def learn_scopes(
    policy: Policy, credential: Credential, accounts_url: str, transport: httpx.AsyncBaseTransport | None,
    identity: dict[str, str] | None = None,
) -> tuple[frozenset[str] | None, str, str | None]:
    """The token's scopes (or None with the reason) and its client id, from the accounts service;
    ``identity`` (when given) receives the token's account, organization (it keys the request budget) and client ids."""
    if credential.kind == "none":
        return None, WITHOUT_CREDENTIALS, None
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
