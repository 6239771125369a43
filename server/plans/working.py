"""The working plan of each session (the writes planned so far, before get_plan signs them), in
the state store, so that every process and replica serving a person sees the same one.

Keyed by principal AND session: the hosted person's verified id (or ``operator``) with the
session the transport established (server/doors/mcp_app.py ``session_key``: the SDK's session id, or
on stateless replicas the authenticated principal and client name). stdio and the CLI are one
session per process, so two local processes (Claude Desktop and Cursor) never mix their plans.

Every change is read-modify-write under the store's lock for that plan, so two planned calls
landing at once (on two replicas) both keep their steps; the lock is renewed while held
(a get_plan check reads LiveChat for a while) and lapses quickly if its holder dies. A plan
lives ``TTL`` after its last change, then it is gone (it replaces the old cap on the
number of sessions kept in memory); the caps on steps and bytes are the plan's own
(server/plans/document.py). When the store fails, the change is not made and the caller says so.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import anyio

from ..store import Store
from ..store.base import LockBusy, StoreUnavailable
from .document import Plan, Step
from .effects import Ledger

NS = "plans.working"
TTL = 7 * 24 * 3600.0  # a plan nobody touched for a week is dropped (it was never reviewed)
LOCK_TTL = 15.0  # renewed every 5 s while held: a crashed holder blocks the plan for at most this
LOCK_WAIT = 60.0  # how long a planned call waits for another call on the same plan


class PlanBusy(Exception):
    """Another call held this session's plan for longer than LOCK_WAIT."""


def _ledger_out(ledger: Ledger) -> dict[str, Any]:
    pairs = ("created", "deleted", "counted")
    return {"reads": ledger.reads, "calls": ledger.calls,
            **{name: [[*k, v] for k, v in getattr(ledger, name).items()] for name in pairs}}


def _ledger_in(raw: dict[str, Any]) -> Ledger:
    def pairs(name: str) -> dict[tuple[str, str], int]:
        return {(str(a), str(b)): int(n) for a, b, n in raw.get(name, [])}

    # counted: (create action, owner, *per values) -> n (server/plans/checks.py LIMITS)
    counted = {tuple(str(x) for x in row[:-1]): int(row[-1]) for row in raw.get("counted", [])}
    return Ledger(reads=dict(raw.get("reads", {})), calls=int(raw.get("calls", 0)), created=pairs("created"),
                  deleted=pairs("deleted"), counted=counted)


def dump_plan(plan: Plan) -> bytes:
    return json.dumps({
        "steps": [[s.action, s.body, s.destructive, s.info] for s in plan.steps],
        "size": plan.size, "checking": plan.checking, "not_checked": plan.not_checked,
        "ledger": _ledger_out(plan.ledger),
    }, separators=(",", ":"), ensure_ascii=False).encode()


def load_plan(raw: bytes) -> Plan:
    data = json.loads(raw)
    return Plan(steps=[Step(a, b, d, i) for a, b, d, i in data["steps"]], size=int(data["size"]),
                checking=bool(data["checking"]), not_checked=str(data.get("not_checked", "")),
                ledger=_ledger_in(data.get("ledger", {})))


class WorkingPlans:
    """The working plans of one principal, in ``store``."""

    def __init__(self, store: Store, principal: str = "operator") -> None:
        self.store = store
        self.principal = principal
        # stdio and the CLI name their one session "process": it is this process's own.
        self._process = secrets.token_hex(8)

    def key(self, session: str) -> str:
        if session == "process":
            session = f"process:{self._process}"
        # Hashed: session ids are bearer-like, and keys are listed by the store's `keys`.
        return hashlib.sha256(f"{self.principal}\n{session}".encode()).hexdigest()[:32]

    async def load(self, session: str) -> Plan:
        """The session's plan as it is now (a copy: change it through ``edit``)."""
        raw = await self.store.get(NS, self.key(session))
        return load_plan(raw) if raw else Plan()

    @asynccontextmanager
    async def edit(self, session: str) -> AsyncIterator[Plan]:
        """The session's plan, locked: what the body leaves in it is saved (an empty plan is
        deleted) when it ends without an exception; on an exception nothing is saved. Raises
        StoreUnavailable, or PlanBusy when another call holds it for longer than LOCK_WAIT."""
        key = self.key(session)
        async with AsyncExitStack() as stack:
            delay, waited = 0.005, 0.0
            while True:
                try:
                    await stack.enter_async_context(
                        self.store.lock(f"plan-working:{key}", ttl=LOCK_TTL, heartbeat=True))
                    break
                except LockBusy:
                    if waited >= LOCK_WAIT:
                        raise PlanBusy(session) from None
                    await anyio.sleep(delay)
                    waited += delay
                    delay = min(delay * 2, 0.2)
            raw = await self.store.get(NS, key)
            plan = load_plan(raw) if raw else Plan()
            yield plan
            # An empty plan is deleted unless it keeps a choice: checking turned off (on is the default).
            after = dump_plan(plan) if plan.steps or not plan.checking else b""
            if after != (raw or b""):
                if after:
                    await self.store.put(NS, key, after, ttl=TTL)
                else:
                    await self.store.delete(NS, key)

    async def clear(self, session: str) -> int:
        async with self.edit(session) as plan:
            return plan.clear()


__all__ = ["LOCK_TTL", "NS", "TTL", "PlanBusy", "StoreUnavailable", "WorkingPlans", "dump_plan", "load_plan"]
