"""The apply journal: which steps of a plan were sent and what came back, kept in the state store
under the digest of the plan's requests, so that applying the same plan again (after a crash, a
stop at the first failure, a lost connection, on another replica) sends only what is not done,
and never a create twice; plus the lock that keeps two applies of one plan from both sending.

Per step the journal holds ``sending`` (written *before* the request goes out), ``done`` with
its result, or ``failed`` with the error. On a re-run a ``done`` step is reported from the
journal and not sent; a step left ``sending`` (the process died before the answer) or failed
with ``unknown_outcome`` is sent again only if its action is idempotent; otherwise it is not
sent and the report says to check whether it took effect.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from .store.base import LockBusy, Store, StoreUnavailable

NS = "plans.journal"
JOURNAL_TTL = 7 * 24 * 3600.0
LOCK_TTL = 900.0  # an apply that dies holding the lock frees it after this


class ApplyBusy(Exception):
    """Another apply of this plan is running."""


class ApplyJournal:
    def __init__(self, store: Store, plan_digest: str) -> None:
        self.store = store
        self.key = plan_digest
        self.steps: dict[int, dict[str, Any]] = {}

    async def load(self) -> dict[int, dict[str, Any]]:
        blob = await self.store.get(NS, self.key)
        raw = json.loads(blob) if blob else {}
        self.steps = {int(n): entry for n, entry in raw.items()}
        return self.steps

    async def _save(self) -> None:
        await self.store.put(NS, self.key, json.dumps(self.steps, separators=(",", ":")).encode(),
                             ttl=JOURNAL_TTL)

    async def sending(self, step_numbers: list[int]) -> None:
        for n in step_numbers:
            self.steps[n] = {"status": "sending"}
        await self._save()

    async def finished(self, entries: dict[int, dict[str, Any]]) -> None:
        for n, entry in entries.items():
            if str(n).isdigit() and isinstance(entry, dict):  # else left "sending": treated as uncertain
                self.steps[int(n)] = {k: entry[k] for k in ("status", "result", "error") if k in entry}
        await self._save()

    def skip(self, n: int, idempotent: bool) -> dict[str, Any] | None:
        """What to report instead of sending step ``n`` again, or None to send it."""
        entry = self.steps.get(n)
        if entry is None:
            return None
        if entry.get("status") == "done":
            return {"status": "done", "result": entry.get("result"), "from_journal": True}
        uncertain = entry.get("status") == "sending" or (entry.get("error") or {}).get("type") == "unknown_outcome"
        if uncertain and not idempotent:
            return {"status": "failed", "error": {
                "type": "unknown_outcome",
                "message": "An earlier apply of this plan sent this step and did not see its answer; it is not "
                           "sent again, to avoid creating twice. Check whether it took effect (read it back).",
            }}
        return None

    @asynccontextmanager
    async def lock(self) -> AsyncIterator[None]:
        try:
            async with self.store.lock(f"apply:{self.key}", ttl=LOCK_TTL):
                yield
        except LockBusy:
            raise ApplyBusy("another apply of this plan is running; wait for it to finish") from None


__all__ = ["ApplyBusy", "ApplyJournal", "StoreUnavailable"]


def to_send(journal: ApplyJournal, act: Any, payload: Any, numbers: list[int],
            steps: dict[int, dict[str, Any]]) -> tuple[Any, list[int]]:
    """The request to send for plan steps ``numbers`` and the steps it carries, leaving out (and
    reporting in ``steps``) those the journal says must not be sent again. A batch keeps only
    its items still to send."""
    keep = []
    for k, n in enumerate(numbers):
        instead = journal.skip(n, act.idempotent)
        if instead is None:
            keep.append(k)
        else:
            steps[n].update(instead)
    if len(keep) == len(numbers):
        return payload, numbers
    if act.batch_of:
        return {**payload, "requests": [payload["requests"][k] for k in keep]}, [numbers[k] for k in keep]
    return payload, []
