"""Stored plans and their apply journals, in the state store (server/store/).

- ``plans.saved``: each plan document get_plan signed, under its id (the first 16 hex digits of
  its MAC), with the principal that made it (the hosted person, else ``operator``): any session
  of theirs, on any replica, may read and apply it by id; no other principal can. apply_plan takes an id plus the MAC the
  reviewer saw; ``livechat://plans/{id}`` and ``livechat-mcp plans list|show|export|apply`` read
  the same records.
- ``plans.journal``: per plan (keyed on its MAC), the steps done with their results, written as
  each step finishes. A re-run of the plan sends only the steps not yet done.
- ``plans.sending``: per plan, the steps of the request being sent, written just before it goes
  and cleared when the apply ends. Steps still named there when the next apply starts were sent
  by an apply that died before their answer came: they may have taken effect, so they are not
  sent again blindly (server/plans/document.py ``in_doubt``).
- a store lock per plan while it is applied: two applies of one plan cannot both send. It is
  renewed every few seconds while the apply runs, so a long apply keeps it, and lapses
  ``LOCK_TTL`` after a crashed holder's last renewal, so the apply can be resumed elsewhere.

Records expire after ``TTL`` (30 days): nothing here grows without bound.
"""

from __future__ import annotations

import hmac
import json
import time
from collections.abc import Sequence
from typing import Any

from ..store import Store
from .document import MAC_PREFIX

SAVED = "plans.saved"
JOURNAL = "plans.journal"
SENDING = "plans.sending"
TTL = 30 * 24 * 3600.0
LOCK_TTL = 20.0  # renewed every ~7 s while applying; a crashed apply's lock lapses within this


def plan_id(mac: str) -> str:
    return mac.removeprefix(MAC_PREFIX)[:16]


def owns(record: dict[str, Any], principal: str, session: str) -> bool:
    """Whether a request may read or apply a stored plan: its principal made it (any session of
    theirs, any replica), or it comes from the operator's own process (stdio, the CLI)."""
    return session == "process" or hmac.compare_digest(str(record.get("owner")), principal)


def _key(mac: str) -> str:
    return mac.removeprefix(MAC_PREFIX)


class PlanStore:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def save(self, doc: dict[str, Any], owner: str) -> str:
        pid = plan_id(doc["mac"])
        record = {"id": pid, "owner": owner, "saved_at": time.time(), "document": doc}
        await self.store.put(SAVED, pid, json.dumps(record).encode(), ttl=TTL)
        return pid

    async def get(self, pid: str) -> dict[str, Any] | None:
        raw = await self.store.get(SAVED, pid)
        return json.loads(raw) if raw else None

    async def list(self, owner: str | None = None) -> list[dict[str, Any]]:
        out = []
        for pid in await self.store.keys(SAVED):
            record = await self.get(pid)
            if record is None or (owner is not None and record["owner"] != owner):
                continue
            doc = record["document"]
            out.append({"id": pid, "saved_at": record["saved_at"], "created_at": doc.get("created_at"),
                        "target": doc.get("target"), "summary": doc.get("summary"),
                        "journal": await self.done_count(doc["mac"])})
        return sorted(out, key=lambda r: r["saved_at"])

    # --- journal ---------------------------------------------------------------------------------

    async def done(self, mac: str) -> dict[int, Any]:
        raw = await self.store.get(JOURNAL, _key(mac))
        return {int(k): v for k, v in json.loads(raw).items()} if raw else {}

    async def done_count(self, mac: str) -> int:
        return len(await self.done(mac))

    async def record(self, mac: str, done: dict[int, Any]) -> None:
        await self.store.put(JOURNAL, _key(mac), json.dumps({str(k): v for k, v in done.items()}).encode(), ttl=TTL)

    async def sending(self, mac: str) -> tuple[int, ...]:
        raw = await self.store.get(SENDING, _key(mac))
        return tuple(int(n) for n in json.loads(raw)) if raw else ()

    async def mark_sending(self, mac: str, steps: Sequence[int]) -> None:
        await self.store.put(SENDING, _key(mac), json.dumps(list(steps)).encode(), ttl=TTL)

    async def sent(self, mac: str) -> None:
        """The apply ended with every answer in: nothing is in doubt."""
        await self.store.delete(SENDING, _key(mac))

    def lock(self, mac: str) -> Any:
        return self.store.lock(f"plan-apply:{_key(mac)}", ttl=LOCK_TTL, heartbeat=True)
