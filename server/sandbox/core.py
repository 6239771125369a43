"""Sandbox building blocks: its state, the calling credential, and its errors."""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any

from .people import ACME_ORGANIZATION_ID

SANDBOX_NOTICE = "This is the livechat-mcp SANDBOX, an emulator: no real LiveChat license is touched."
# The client id of the sandbox's own app (its tokens' and PATs' default owner_client_id).
DEFAULT_CLIENT_ID = "sandbox0client0id0000000000000000"

# Documented error type -> HTTP status. LiveChat's docs do not fix statuses (official SDKs key
# on error.type); the sandbox picks conventional ones so status-based clients behave too.
ERROR_STATUS: dict[str, int] = {
    "validation": 400,
    "authentication": 401,
    "authorization": 403,
    "license_expired": 402,
    "not_found": 404,
    "group_not_found": 404,
    "already_exists": 409,
    "ownership_transfer": 409,
    "misdirected_request": 421,
    "limit_reached": 422,
    "unsupported_version": 400,
    "too_many_requests": 429,
    "internal": 500,
    "request_timeout": 504,
}


class SandboxError(Exception):
    def __init__(self, type: str, message: str, data: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.type = type
        self.message = message
        self.data = data

    @property
    def status(self) -> int:
        return ERROR_STATUS.get(self.type, 400)

    def body(self) -> dict[str, Any]:
        err: dict[str, Any] = {"type": self.type, "message": self.message}
        if self.data is not None:
            err["data"] = self.data
        return {"error": err}


def not_found(what: str) -> SandboxError:
    return SandboxError("not_found", f"{what} not found")


@dataclass
class Requester:
    """The credential a request came with (its secret is never stored here)."""

    name: str
    scopes: frozenset[str]
    account_id: str
    client_id: str | None  # None for a PAT: it belongs to an agent, not to an application
    organization_id: str
    kind: str = "bearer"  # or "pat": what a PAT caller must send differs (owner_client_id); "bot": a bot's token

    def has(self, scope: str) -> bool:
        return scope in self.scopes


class Clock:
    """The sandbox's time: real by default; a test can freeze it or move it
    (``POST /_sandbox/clock`` or ``Sandbox.clock``). Bans expire and ``created_at`` is stamped by it."""

    def __init__(self) -> None:
        self._frozen: float | None = None
        self._offset = 0.0

    def now(self) -> float:
        return self._frozen if self._frozen is not None else time.time() + self._offset

    def freeze(self, at: float | None = None) -> None:
        self._frozen = self.now() if at is None else float(at)

    def unfreeze(self) -> None:
        if self._frozen is not None:
            self._offset = self._frozen - time.time()
            self._frozen = None

    def advance(self, seconds: float) -> None:
        if self._frozen is not None:
            self._frozen += seconds
        else:
            self._offset += seconds

    def reset(self) -> None:
        self._frozen, self._offset = None, 0.0

    @property
    def frozen(self) -> bool:
        return self._frozen is not None

    def iso(self, at: float | None = None) -> str:
        """RFC 3339 with microseconds and Z, the form the reference's examples use."""
        return rfc3339(self.now() if at is None else at)


def rfc3339(epoch: float) -> str:
    from datetime import datetime

    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_rfc3339(value: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


@dataclass
class SandboxState:
    """One license's configuration. Resource modules seed and mutate their own parts."""

    license_id: int = 104130623
    organization_id: str = ACME_ORGANIZATION_ID
    region: str = "dal"
    agents: dict[str, dict[str, Any]] = field(default_factory=dict)
    groups: dict[int, dict[str, Any]] = field(default_factory=dict)
    bots: dict[str, dict[str, Any]] = field(default_factory=dict)
    bot_templates: dict[str, dict[str, Any]] = field(default_factory=dict)
    tags: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Ordered: the list order is the next_id chain.
    auto_accesses: list[dict[str, Any]] = field(default_factory=list)
    # client_id -> property name -> definition
    properties: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    # namespace -> name -> value
    license_properties: dict[str, dict[str, Any]] = field(default_factory=dict)
    # group id -> namespace -> name -> value
    group_properties: dict[int, dict[str, dict[str, Any]]] = field(default_factory=dict)
    webhooks: list[dict[str, Any]] = field(default_factory=list)
    # client_id -> enabled
    webhooks_state: dict[str, bool] = field(default_factory=dict)
    channels: list[dict[str, Any]] = field(default_factory=list)
    company: dict[str, Any] = field(default_factory=dict)
    greetings: dict[int, dict[str, Any]] = field(default_factory=dict)
    customer_bans: list[dict[str, Any]] = field(default_factory=list)
    # Anything else a resource needs (counters, plan, ...).
    extra: dict[str, Any] = field(default_factory=dict)
    _counters: dict[str, int] = field(default_factory=dict)
    # Shared with the Sandbox (it outlives a reset); underscored so snapshot() leaves it out.
    _clock: Clock = field(default_factory=Clock)

    @property
    def clock(self) -> Clock:
        return self._clock

    def next_id(self, kind: str, start: int = 1) -> int:
        value = self._counters.get(kind, start)
        self._counters[kind] = value + 1
        return value

    def snapshot(self) -> dict[str, Any]:
        return copy.deepcopy({k: v for k, v in self.__dict__.items() if not k.startswith("_")})


@dataclass
class Ctx:
    state: SandboxState
    requester: Requester

