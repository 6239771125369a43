"""Plans kept in the state store, so that a plan made through one process (the stdio server an
assistant uses) can be listed, shown, exported and applied from another (the CLI).

What is stored is the plan *document* (what get_plan answers): secrets are already
placeholders there, so nothing secret enters the store. Each session of each process has its
own id (a process's sessions share no plan with another's, as in memory), and stored plans
expire after ``PLAN_TTL`` so the store does not grow without bound.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from typing import Any

from .store.base import Store

NS = "plans"
PLAN_TTL = 7 * 24 * 3600.0


class PlanStore:
    def __init__(self, store: Store) -> None:
        self.store = store
        self._instance = secrets.token_hex(8)  # this process: its "process" session is its own

    def plan_id(self, session: str) -> str:
        return hashlib.sha256(f"{self._instance}|{session}".encode()).hexdigest()[:12]

    async def save(self, session: str, document: dict[str, Any]) -> str:
        """Store (or, for an empty plan, drop) the session's plan; returns its id. Raises
        StoreUnavailable: the caller says so rather than pretend the plan is kept."""
        plan_id = self.plan_id(session)
        if not document.get("steps"):
            await self.store.delete(NS, plan_id)
            return plan_id
        record = {"id": plan_id, "saved_at": time.time(), "document": document}
        await self.store.put(NS, plan_id, json.dumps(record, separators=(",", ":")).encode(), ttl=PLAN_TTL)
        return plan_id


async def list_plans(store: Store) -> list[dict[str, Any]]:
    rows = []
    for key in await store.keys(NS):
        record = await load(store, key)
        if record is None:
            continue
        doc = record["document"]
        rows.append({
            "id": key,
            "saved_at": record.get("saved_at"),
            "steps": len(doc.get("steps", [])),
            "by_action": doc.get("summary", {}).get("by_action", {}),
            "digest": doc.get("digest"),
        })
    return sorted(rows, key=lambda r: r["saved_at"] or 0, reverse=True)


async def load(store: Store, plan_id: str) -> dict[str, Any] | None:
    blob = await store.get(NS, plan_id)
    if blob is None:
        return None
    try:
        record = json.loads(blob)
    except ValueError:
        return None
    return record if isinstance(record, dict) and isinstance(record.get("document"), dict) else None
