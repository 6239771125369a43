"""The sandbox ASGI app: a stateful emulator of the Configuration API v3.6.

Routes:
- ``POST /v3.6/configuration/action/<name>``: the 72 actions.
- ``GET /v2/info``: the accounts token-info call, answering the credential's scopes.
- The accounts service (``accounts.py``): sign-in page at ``GET /?response_type=code``,
  ``/v2/token``, ``/v2/accounts/me``; tokens it issues select their license's state and budget.
- ``/_sandbox/*``: test controls: faults, request log, reset, credentials, config, clock.
"""

from __future__ import annotations

import base64
import json
import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import anyio
from pydantic import BaseModel, ValidationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ..tools import PRIVATE_SCOPES, catalog
from ..tools.listing import documented_scopes
from ..tools.validation import describe_validation_error
from .accounts import DEFAULT_OAUTH_CLIENT_ID, DEFAULT_OAUTH_CLIENT_SECRET, Accounts, OAuthApp
from .core import DEFAULT_CLIENT_ID, SANDBOX_NOTICE, Clock, Ctx, Requester, SandboxError, SandboxState, parse_rfc3339

# Two built-in Bearer tokens. The ordinary app token is what a user meets first: it holds every
# scope an app can be given in the Developer Console, which excludes the private scopes, so the
# methods that need one (suspend/unsuspend/approve agents, ...) are refused with it, as they would
# be for a real app. The all-scopes token is the convenience for exercising every action.
# Named here with LiveChat's default region; a sandbox in another region issues them with its own
# prefix (``regional``): "All the LiveChat OAuth 2.1 access tokens have a prefix: dal: or fra:.
# This prefix indicates the data center they belong to."
APP_TOKEN = "dal:sandbox-app-token"
ALL_SCOPES_TOKEN = "dal:sandbox-token-all-scopes"
DEFAULT_TOKEN = APP_TOKEN
REGIONS = ("dal", "fra")


def regional(token: str, region: str) -> str:
    """A built-in token as a sandbox in ``region`` issues it (any region's spelling of it is read as
    that token); any other token unchanged."""
    prefix, sep, rest = token.partition(":")
    if sep and prefix in REGIONS and f"dal:{rest}" in (APP_TOKEN, ALL_SCOPES_TOKEN):
        return f"{region}:{rest}"
    return token
DEFAULT_ACCOUNT_ID = "5b0d2a5c-8c1e-4b9e-9d2a-000000000001"
# Documented as requiring no authorization.
PUBLIC_ACTIONS = frozenset({"list_webhook_names"})
# What a suspended agent's credential may still call: "A suspended agent can send emails to license
# owners and vice owners with an unsuspension request" (and what needs no authorization at all).
SUSPENDED_MAY = frozenset({"request_agent_unsuspension", *PUBLIC_ACTIONS})
# API versions LiveChat serves: "v3.5 stays supported alongside" v3.6 (the scopes overview). The
# sandbox emulates v3.6 and answers a v3.5 path with it (our rule: the differences between the
# versions are not emulated); any other version is unsupported_version.
SERVED_VERSIONS = ("v3.6", "v3.5")


@dataclass
class SandboxCredential:
    name: str
    secret: str
    kind: str = "bearer"  # or "pat"
    scopes: frozenset[str] | None = None  # None: all documented scopes but the private ones
    account_id: str = DEFAULT_ACCOUNT_ID
    client_id: str = DEFAULT_CLIENT_ID


@dataclass
class Fault:
    action: str
    kind: str  # status | timeout | disconnect
    status: int = 500
    error_type: str = "internal"
    message: str = "Injected fault"
    retry_after: float | None = None
    delay: float = 20.0
    count: int = 1
    data: dict[str, Any] | None = None


@dataclass
class Sandbox:
    """State plus controls; ``app`` is the ASGI application serving it."""

    region: str = "dal"
    rate_limit: int = 1000
    rate_period: float = 600.0
    token: str = DEFAULT_TOKEN
    clock: Clock = field(default_factory=Clock)
    # The default license (``state``) and the accounts service (``accounts``, which holds the
    # second license) are seeded on first use, not at construction: see ``_seeded``.
    _default_state: SandboxState = field(init=False, repr=False)
    credentials: list[SandboxCredential] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    _hits: deque[float] = field(default_factory=deque)
    oauth_client_id: str = DEFAULT_OAUTH_CLIENT_ID
    oauth_client_secret: str = DEFAULT_OAUTH_CLIENT_SECRET
    _accounts: Accounts = field(init=False, repr=False)
    # Budgets of the licenses other than the default one (organization id -> hits).
    _org_hits: dict[str, deque[float]] = field(default_factory=dict)
    # What the default license holds after a reset: the built-in seed, or another one (a
    # configuration document's: server/license_config/seed.py, `livechat-mcp sandbox --seed FILE`).
    seed: Callable[[SandboxState], None] | None = None

    def __post_init__(self) -> None:
        _check_rate(self.rate_limit, self.rate_period)
        if self.region not in REGIONS:
            raise ValueError(f"sandbox region must be one of {', '.join(REGIONS)}, not {self.region!r}")
        # The built-in tokens carry the sandbox's region: a `--region fra` sandbox issues fra: tokens
        # (the dal: spelling is then no token of it). They keep it when /_sandbox/config later moves
        # the license to another region: that is how a test makes a misdirected_request.
        self.token = regional(self.token, self.region)
        # The built-in seed imports every resource module of the sandbox and of the catalogue: a
        # stdio server on the built-in sandbox would pay for it before its first tools/list, whose
        # only request here is token info for a built-in credential, which reads no license data.
        # So the licenses are seeded when something first reads them (``state``, ``accounts``).
        # Another seed (a configuration document's) is applied now: a bad one fails at the start.
        self._default_state = SandboxState(region=self.region, _clock=self.clock)
        self._seeded = False
        if self.seed is not None:
            self.reset()
        if not self.credentials:
            self.credentials = [SandboxCredential("default", self.token)]
        # Kept apart from ``credentials`` so that trimming test credentials never drops it.
        self.all_scopes = SandboxCredential("all-scopes", regional(ALL_SCOPES_TOKEN, self.region),
                                            scopes=documented_scopes())
        self.app_token = regional(APP_TOKEN, self.region)
        self.all_scopes_token = self.all_scopes.secret

    @property
    def state(self) -> SandboxState:
        """The default license, seeded."""
        if not self._seeded:
            self.reset()
        return self._default_state

    @property
    def accounts(self) -> Accounts:
        """The accounts service and its licenses, seeded."""
        if not self._seeded:
            self.reset()
        return self._accounts

    def reset(self) -> None:
        from . import resources

        self._default_state = SandboxState(region=self.region, _clock=self.clock)
        (self.seed or resources.seed)(self._default_state)
        self._hits.clear()
        self._org_hits.clear()
        if not self._seeded:
            app = OAuthApp(self.oauth_client_id, self.oauth_client_secret)
            self._accounts = Accounts(self._default_state, app=app, seed=resources.seed)
            self._seeded = True
        else:
            self._accounts.reset(self._default_state)

    def state_for(self, requester: Requester) -> SandboxState:
        """The license a request acts on: its token's organization (the default one otherwise)."""
        org = self.accounts.organizations.get(requester.organization_id)
        return org.state if org is not None else self.state

    # --- auth -------------------------------------------------------------------------

    def authenticate(self, header: str | None) -> Requester:
        if not header:
            raise SandboxError("authentication", "Missing Authorization header")
        scheme, _, value = header.partition(" ")
        issued = self.accounts.issued(value) if scheme == "Bearer" else None
        account = self.accounts.account(issued.account_id) if issued is not None else None
        if issued is not None and account is not None:  # issued() checked the account still exists
            return Requester(account.email, self.accounts.scopes_now(issued), issued.account_id, issued.client_id,
                             issued.organization_id)
        bot = self._bot_token(value) if scheme == "Bearer" else None
        if bot is not None:
            return bot
        for cred in self._all_credentials():
            if scheme == "Bearer" and cred.kind == "bearer" and value == cred.secret:
                return self._requester(cred)
            if scheme == "Basic" and cred.kind == "pat":
                expected = base64.b64encode(f"{cred.account_id}:{cred.secret}".encode()).decode()
                if value == expected:
                    return self._requester(cred)
        raise SandboxError("authentication", "Invalid access token")

    def _bot_token(self, value: str) -> Requester | None:
        """A token issue_bot_token gave, while it lasts (24 hours by the sandbox clock): it acts as its bot,
        with the three scopes the reference lists (a bot's --my scope reaches the bot itself)."""
        found = self._bot_issued(value)
        if found is None:
            return None
        bot, organization_id, _ = found
        from .bots import BOT_TOKEN_SCOPES

        return Requester(f"bot {bot['id']}", BOT_TOKEN_SCOPES, bot["id"], bot["owner_client_id"], organization_id,
                         kind="bot")

    def _bot_issued(self, value: str) -> tuple[dict[str, Any], str, float] | None:
        """The bot an unexpired issued bot token acts as, its license's organization and when it expires."""
        for state in {id(s): s for s in (self.state, *(o.state for o in self.accounts.organizations.values()))}.values():
            issued = state.extra.get("bot_tokens", {}).get(value)
            if not isinstance(issued, dict) or issued.get("expires_at", 0) <= self.clock.now():
                continue
            bot = state.bots.get(issued["bot_id"])
            if bot is not None:
                return bot, state.organization_id, float(issued["expires_at"])
        return None

    def _all_credentials(self) -> list[SandboxCredential]:
        # First, so that the all-scopes token keeps its scopes when also made the default token.
        return [self.all_scopes, *self.credentials]

    def _requester(self, cred: SandboxCredential) -> Requester:
        return Requester(
            name=cred.name,
            scopes=cred.scopes if cred.scopes is not None else documented_scopes() - PRIVATE_SCOPES,
            account_id=cred.account_id,
            client_id=cred.client_id if cred.kind == "bearer" else None,  # a PAT has no client id
            organization_id=self._default_state.organization_id,  # seeded or not: token info asks before seeding
            kind=cred.kind,
        )

    # --- rate limit -----------------------------------------------------------------------

    # A limit below one request (or a period <= 0) is refused, at construction (ValueError) and
    # by POST /_sandbox/config (400), rather than read as "no limit": LiveChat's quota is never
    # zero, the CLI and TokenBucket refuse such values too, and quietly lifting the limit would
    # hide a typo like --rate-limit 0/600 in a test that means to exercise the quota.

    def _spend(self, organization_id: str | None = None) -> dict[str, str]:
        """Count one request against its license's window; the ``X-RateLimit-*`` headers its answer
        carries, as the lifecycle guide documents them ("Response headers X-RateLimit-Limit,
        X-RateLimit-Remaining, and X-RateLimit-Reset are returned. On 429, Retry-After header
        indicates seconds to wait"). Reset is in seconds, like Retry-After: our rule, the reference
        names no unit. It counts until the window next frees a request (the window slides)."""
        now = time.monotonic()
        hits = self._hits
        if organization_id not in (None, self.state.organization_id):  # each license has its own budget
            hits = self._org_hits.setdefault(str(organization_id), deque())
        while hits and now - hits[0] >= self.rate_period:
            hits.popleft()
        if len(hits) >= self.rate_limit:
            # The window is empty only if the limit was set below 1 by assigning the field
            # directly: then every request is refused, a full period from now, rather than crash.
            wait = self.rate_period - (now - hits[0]) if hits else self.rate_period
            retry_after = max(1, math.ceil(wait))
            raise _RateLimited(retry_after, self._quota_headers(0, retry_after))
        hits.append(now)
        return self._quota_headers(self.rate_limit - len(hits), max(1, math.ceil(self.rate_period - (now - hits[0]))))

    def _quota_headers(self, remaining: int, reset: int) -> dict[str, str]:
        return {"X-RateLimit-Limit": str(self.rate_limit), "X-RateLimit-Remaining": str(max(remaining, 0)),
                "X-RateLimit-Reset": str(reset)}

    # --- faults ---------------------------------------------------------------------------

    def _take_fault(self, action: str) -> Fault | None:
        for fault in self.faults:
            if fault.action in (action, "*") and fault.count > 0:
                fault.count -= 1
                if fault.count == 0:
                    self.faults.remove(fault)
                return fault
        return None

    # --- dispatch -------------------------------------------------------------------------

    def run_action(self, name: str, body: Any, requester: Requester) -> Any:
        act = catalog().get(name)
        if act is None:
            raise SandboxError("validation", f"Unknown action '{name}'")
        missing = _missing_scope(act.scopes, requester.scopes)
        if missing:
            raise SandboxError("authorization", f"Missing scope: {missing}", {"required_scope": missing})
        barred = self._barred(requester)
        if barred == "suspended" and name not in SUSPENDED_MAY:
            # Our rule (the reference is silent): a suspended agent cannot use the license, whatever its
            # credential holds; what it may do is ask to be let back (request_agent_unsuspension).
            raise SandboxError("authorization", "The requester's agent is suspended: only "
                               "request_agent_unsuspension is allowed until an owner unsuspends it")
        if barred == "awaiting_approval" and name not in PUBLIC_ACTIONS:
            # approve_agent "approves an agent thus allowing the agent to use the application": until
            # then its credentials are refused (our rule for what the reference implies).
            raise SandboxError("authorization", "The requester's agent is awaiting approval: it may use the "
                               "license once an owner approves it")
        if act.batch_of:
            return self._run_batch(act.batch_of, body, requester)
        return self._run_single(name, body, requester)

    def _barred(self, requester: Requester) -> str | None:
        """"suspended" or "awaiting_approval" when the requester's agent may not use the license now."""
        if not requester.account_id:  # anonymous (list_webhook_names): no agent
            return None
        for agent in self.state_for(requester).agents.values():
            if agent.get("account_id") == requester.account_id:
                if agent.get("suspended"):
                    return "suspended"
                if agent.get("awaiting_approval"):
                    return "awaiting_approval"
                return None
        return None

    def _run_single(self, name: str, body: Any, requester: Requester) -> Any:
        # What LiveChat accepts: a tool's paging arguments are this server's, never the API's.
        act = catalog()[name]
        model = act.upstream_model or act.model
        if not isinstance(body, dict):
            raise SandboxError("validation", "Request body must be a JSON object")
        try:
            req: BaseModel = model.model_validate(body)
        except ValidationError as exc:
            raise SandboxError("validation", describe_validation_error(exc, body)) from None
        from . import resources

        handler = resources.HANDLERS.get(name)
        if handler is None:
            raise SandboxError("internal", f"The sandbox does not implement {name} yet")
        return handler(Ctx(self.state_for(requester), requester), req)

    def _run_batch(self, single: str, body: Any, requester: Requester) -> dict[str, Any]:
        requests = body.get("requests") if isinstance(body, dict) else None
        if not isinstance(requests, list) or not requests:
            raise SandboxError("validation", "`requests` is required and must be a non-empty array")
        if set(body) - {"requests"}:
            raise SandboxError("validation", f"Unexpected fields: {sorted(set(body) - {'requests'})}")
        if any(isinstance(item, dict) and ("action" in item or "method" in item) for item in requests):
            raise SandboxError("validation", "A batch request cannot mix methods")
        responses: list[Any] = []
        for item in requests:
            try:
                result = self._run_single(single, item, requester)
                responses.append({} if result is None else result)
            except SandboxError as err:
                responses.append(err.body())
        return {"responses": responses}

    # --- ASGI -------------------------------------------------------------------------------

    @property
    def app(self) -> Starlette:
        return Starlette(
            routes=[
                *[Route(f"/{version}/configuration/action/{{name}}", self._action, methods=["POST"])
                  for version in SERVED_VERSIONS],
                Route("/{version}/configuration/action/{name}", self._other_version, methods=["POST"]),
                Route("/v2/info", self._token_info, methods=["GET"]),
                Route("/v2/token", self._token, methods=["POST", "DELETE"]),
                Route("/v2/accounts/me", self._me, methods=["GET"]),
                Route("/_sandbox/accounts", self._accounts_control, methods=["GET", "POST"]),
                Route("/_sandbox/faults", self._faults, methods=["POST", "DELETE", "GET"]),
                Route("/_sandbox/requests", self._requests, methods=["GET", "DELETE"]),
                Route("/_sandbox/reset", self._reset, methods=["POST"]),
                Route("/_sandbox/credentials", self._credentials, methods=["POST"]),
                Route("/_sandbox/config", self._config, methods=["POST", "GET"]),
                Route("/_sandbox/state", self._state, methods=["GET"]),
                Route("/_sandbox/clock", self._clock, methods=["GET", "POST"]),
                Route("/", self._index, methods=["GET", "POST"]),
            ]
        )

    async def _accounts_control(self, request: Request) -> Response:
        return await self.accounts.control(request)  # looked up per request: the app is made before seeding

    async def _action(self, request: Request) -> Response:
        name = request.path_params["name"]
        raw = await request.body()
        try:
            body = json.loads(raw) if raw else {}
        except ValueError:
            body = None
        entry: dict[str, Any] = {"seq": len(self.requests) + 1, "action": name, "body": body, "credential": None}
        quota: dict[str, str] = {}  # the X-RateLimit-* headers, once the request counted against its license
        if not request.url.path.startswith("/v3.6/"):
            entry["version"] = request.url.path.split("/")[1]
        self.requests.append(entry)
        try:
            header = request.headers.get("authorization")
            if header is None and name in PUBLIC_ACTIONS:
                requester = Requester("anonymous", frozenset(), "", DEFAULT_CLIENT_ID, self.state.organization_id)
            else:
                requester = self.authenticate(header)
            entry["credential"] = requester.name
            region = (request.headers.get("x-region") or "dal").lower()
            entry["region"] = region
            home = self.state_for(requester).region
            if region != home:
                raise SandboxError("misdirected_request", "Wrong region", {"region": home})
            if header is not None:
                # An anonymous call (list_webhook_names needs no authorization) belongs to no license,
                # so it draws on no license's quota and answers no X-RateLimit-* headers (our rule).
                quota = self._spend(requester.organization_id)
            fault = self._take_fault(name)
            if fault is not None:
                entry["fault"] = fault.kind
                injected = await self._inject(fault)
                if injected is not None:
                    if not isinstance(injected, _Disconnect):
                        injected.headers.update(quota)
                    return injected
            # "Required header: Content-Type: application/json" (every resource's Methods table).
            media = request.headers.get("content-type", "").split(";")[0].strip().lower()
            if media != "application/json":
                raise SandboxError(
                    "validation", f"Content-Type must be application/json, not {media or 'missing'}"
                )
            if body is None:
                raise SandboxError("validation", "Request body is not valid JSON")
            result = self.run_action(name, body, requester)
        except _RateLimited as limited:
            entry["error"] = "too_many_requests"
            refused = SandboxError("too_many_requests", "Requests limit exceeded for the license")
            return JSONResponse(refused.body(), status_code=429,
                                headers={"Retry-After": str(limited.retry_after), **limited.quota})
        except SandboxError as err:
            entry["error"] = err.type
            return JSONResponse(err.body(), status_code=err.status, headers=quota)
        except Exception as exc:  # a sandbox bug must still answer like LiveChat would
            entry["error"] = "internal"
            failed = SandboxError("internal", f"Sandbox internal error: {type(exc).__name__}: {exc}")
            return JSONResponse(failed.body(), status_code=500, headers=quota)
        if result is None:
            return Response(status_code=200, headers=quota)
        return JSONResponse(result, headers=quota)

    async def _other_version(self, request: Request) -> Response:
        """A version LiveChat no longer (or not yet) serves: its documented JSON error, not an HTML 404."""
        version = request.path_params["version"]
        self.requests.append({"seq": len(self.requests) + 1, "action": request.path_params["name"], "body": None,
                              "credential": None, "version": version, "error": "unsupported_version"})
        err = SandboxError("unsupported_version",
                           f"Unsupported API version: {version}; supported: {', '.join(sorted(SERVED_VERSIONS))}")
        return JSONResponse(err.body(), status_code=err.status)

    async def _inject(self, fault: Fault) -> Response | None:
        if fault.kind == "timeout":
            await anyio.sleep(fault.delay)
            return None  # then answer normally: the request did reach the API
        if fault.kind == "disconnect":
            return _Disconnect()
        err = SandboxError(fault.error_type, fault.message, fault.data)
        headers = {"Retry-After": _fmt(fault.retry_after)} if fault.retry_after is not None else {}
        return JSONResponse(err.body(), status_code=fault.status, headers=headers)

    async def _token_info(self, request: Request) -> Response:
        # Unseeded, nothing has read or changed the licenses yet, so no token was issued (by the
        # accounts service or issue_bot_token): only the credentials below can be asked about.
        issued = self.accounts.info(request) if self._seeded else None
        if issued is not None:
            return issued
        header = request.headers.get("authorization", "")
        scheme, _, value = header.partition(" ")
        bot = self._bot_issued(value) if scheme == "Bearer" and self._seeded else None
        if bot is not None:
            from .bots import BOT_TOKEN_SCOPES

            # An issued bot token is a Bearer token like any other: token info names its bot (the bot's id is
            # its account), the app that owns the bot, what is left of its 24 hours and its three scopes.
            found, organization_id, expires_at = bot
            return JSONResponse({
                "access_token": value,
                "account_id": found["id"],
                "client_id": found["owner_client_id"],
                "expires_in": max(0, int(expires_at - self.clock.now())),
                "organization_id": organization_id,
                "scope": ",".join(sorted(BOT_TOKEN_SCOPES)),
                "token_type": "Bearer",
            })
        for cred in self._all_credentials():
            if cred.kind == "bearer" and header == f"Bearer {cred.secret}":
                req = self._requester(cred)
                return JSONResponse(
                    {
                        "access_token": cred.secret,
                        "account_id": req.account_id,
                        "client_id": req.client_id,
                        "expires_in": 28800,
                        "organization_id": req.organization_id,
                        "scope": ",".join(sorted(req.scopes)),
                        "token_type": "Bearer",
                    }
                )
        return JSONResponse({"error": "invalid_request", "error_description": "invalid token"}, status_code=401)

    async def _token(self, request: Request) -> Response:
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        if request.method == "DELETE" and scheme == "Bearer" and self._bot_issued(value) is not None:
            # Issue Bot Token: "The token cannot be revoked" (it lasts its 24 hours): say so, rather than
            # call a token that goes on working an invalid one.
            return JSONResponse({"error": "invalid_request", "error_description": "a bot token cannot be revoked: "
                                 "it expires 24 hours after it was issued"}, status_code=400,
                                headers={"Cache-Control": "no-store"})
        return await self.accounts.token(request)

    async def _me(self, request: Request) -> Response:
        """The person behind the token: one the accounts service issued, or a built-in Bearer token
        (its account is an agent of the license too: the owner's, for the default tokens)."""
        header = request.headers.get("authorization", "")
        held = next((c for c in self._all_credentials() if c.kind == "bearer" and header == f"Bearer {c.secret}"), None)
        return await self.accounts.me(request, held.account_id if held is not None else None)

    async def _faults(self, request: Request) -> Response:
        if request.method == "DELETE":
            self.faults.clear()
            return JSONResponse({})
        if request.method == "GET":
            return JSONResponse({"faults": [f.__dict__ for f in self.faults]})
        spec = await request.json()
        try:
            fault = Fault(**spec)
        except TypeError as exc:
            return JSONResponse({"error": {"type": "validation", "message": str(exc)}}, status_code=400)
        if fault.kind not in ("status", "timeout", "disconnect"):
            return JSONResponse({"error": {"type": "validation", "message": "kind must be status, timeout or disconnect"}}, status_code=400)
        self.faults.append(fault)
        return JSONResponse({"faults": len(self.faults)})

    async def _requests(self, request: Request) -> Response:
        if request.method == "DELETE":
            self.requests.clear()
            return JSONResponse({})
        return JSONResponse({"requests": self.requests})

    async def _reset(self, request: Request) -> Response:
        self.clock.reset()
        self.reset()
        self.faults.clear()
        self.requests.clear()
        return JSONResponse({})

    async def _credentials(self, request: Request) -> Response:
        spec = await request.json()
        scopes = spec.get("scopes")
        self.credentials.append(
            SandboxCredential(
                name=spec["name"],
                secret=spec["secret"],
                kind=spec.get("kind", "bearer"),
                scopes=frozenset(scopes) if scopes is not None else None,
                account_id=spec.get("account_id", DEFAULT_ACCOUNT_ID),
                client_id=spec.get("client_id", DEFAULT_CLIENT_ID),
            )
        )
        return JSONResponse({"credentials": [c.name for c in self.credentials]})

    async def _config(self, request: Request) -> Response:
        if request.method == "POST":
            spec = await request.json()
            try:
                limit = int(spec.get("rate_limit", self.rate_limit))
                period = float(spec.get("rate_period", self.rate_period))
                _check_rate(limit, period)
                if spec.get("region", self.region) not in REGIONS:
                    raise ValueError(f"region must be one of {', '.join(REGIONS)}")
            except (TypeError, ValueError) as exc:
                return JSONResponse({"error": {"type": "validation", "message": str(exc)}}, status_code=400)
            self.rate_limit, self.rate_period = limit, period
            if "region" in spec:
                self.region = self.state.region = str(spec["region"])
            self._hits.clear()
        return JSONResponse({"region": self.state.region, "rate_limit": self.rate_limit, "rate_period": self.rate_period})

    async def _clock(self, request: Request) -> Response:
        """``{"freeze": true|false, "at": "<RFC 3339>" | epoch, "advance": seconds, "reset": true}``."""
        if request.method == "POST":
            spec = await request.json()
            try:
                if spec.get("reset"):
                    self.clock.reset()
                at = spec.get("at")
                if at is not None:
                    self.clock.freeze(parse_rfc3339(at) if isinstance(at, str) else float(at))
                elif spec.get("freeze") is True:
                    self.clock.freeze()
                if spec.get("freeze") is False:
                    self.clock.unfreeze()
                if "advance" in spec:
                    self.clock.advance(float(spec["advance"]))
            except (TypeError, ValueError) as exc:
                return JSONResponse({"error": {"type": "validation", "message": f"clock: {exc}"}}, status_code=400)
        return JSONResponse({"now": self.clock.iso(), "frozen": self.clock.frozen})

    async def _state(self, request: Request) -> Response:
        org = self.accounts.organizations.get(request.query_params.get("organization_id", ""))
        return JSONResponse((org.state if org is not None else self.state).snapshot())

    async def _index(self, request: Request) -> Response:
        # LiveChat's authorization endpoint is the accounts service's root.
        if request.method == "POST" or request.query_params.get("response_type"):
            return await self.accounts.authorize(request)
        return JSONResponse({"sandbox": True, "notice": SANDBOX_NOTICE, "actions": len(catalog())})


def _check_rate(limit: int, period: float) -> None:
    if limit < 1 or not (math.isfinite(period) and period > 0):
        raise ValueError(f"sandbox rate limit needs rate_limit >= 1 and rate_period > 0, got {limit}/{period}")


class _RateLimited(Exception):
    def __init__(self, retry_after: int, quota: dict[str, str]) -> None:
        self.retry_after = retry_after
        self.quota = quota


class _Disconnect(Response):
    """Starts a response and drops the connection mid-body, like a network failure."""

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"1000")]})
        await send({"type": "http.response.body", "body": b'{"partial', "more_body": False})


def _missing_scope(alternatives: tuple[tuple[str, ...], ...], held: frozenset[str]) -> str | None:
    if not alternatives or any(set(alt) <= held for alt in alternatives):
        return None
    first = alternatives[0]
    return " ".join(s for s in first if s not in held) or first[0]


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)
