"""Rehearsing a stored plan on a copy: ``livechat-mcp plans rehearse ID``.

A fresh export of the plan's target (reads only, through the runtime's pipeline) seeds a private
in-process sandbox, ids included, so the plan's steps address the same objects there; the plan is
applied to that sandbox by the same apply code a real apply runs (its checks, references, batch
chunking, expected failures), and the report says what happened to each step and what the copy
looks like afterwards (compare: before -> after). Nothing is sent to the real license: the
private runtime's only transport is the in-process sandbox (its base URL carries the target's
address as a label, so the plan's target and secret bindings verify as they would for real; no
request can leave the process through it).

What the copy cannot hold is said: kinds the export left out (the policy hides them), and state
that is not configuration (suspensions, invitations awaiting approval, chats).
"""

from __future__ import annotations

import secrets
from typing import Any

import httpx

from ..api.auth import bearer
from ..calls.apply import apply_plan
from ..calls.context import CallContext
from ..calls.runtime import App, Principal, Runtime, Settings
from ..plans.document import PlanError
from ..policies import Policy, PolicyContext
from ..safety.redact import Scrubber
from ..sandbox import Sandbox, SandboxCredential
from ..sandbox.core import DEFAULT_CLIENT_ID
from ..store.memory import MemoryStore
from ..tools.listing import documented_scopes
from .compare import compare, words
from .export import ExportError, ReadFailed
from .live import read_license
from .seed import seeder

REGION = "dal"  # the private sandbox's; the plan's requests carry the target's region as planned
STAND_IN_SECRET = "rehearsal-stand-in-secret"  # a plan's secrets, in the private copy only


class RehearsalError(Exception):
    """The plan cannot be rehearsed here (another target, the license cannot be read)."""


def _target_mismatch(doc: dict[str, Any], runtime: Runtime) -> str | None:
    found = doc.get("target")
    target: dict[str, Any] = found if isinstance(found, dict) else {}
    here = {"api": runtime.client.base_url, "organization_id": runtime.identity.get("organization_id")}
    differ = [f"{k} {target.get(k)!r} (planned) is {here[k]!r} here" for k in here
              if target.get(k) and here[k] and target.get(k) != here[k]]
    return "; ".join(differ) or None


async def rehearse(runtime: Runtime, doc: dict[str, Any], key: bytes, call: CallContext) -> dict[str, Any]:
    """Apply the signed plan ``doc`` to a private copy of the license ``runtime`` reaches; the report."""
    other = _target_mismatch(doc, runtime)
    if other:
        raise RehearsalError(f"the plan was made for another license or API ({other}): rehearse it where "
                             "its target is the configured license")
    try:
        before = await read_license(runtime, call, None)
    except (ReadFailed, ExportError) as exc:
        raise RehearsalError(f"the license could not be exported for the copy: {exc}") from None
    copy = _private(runtime, before)
    try:
        quiet = CallContext(session="rehearsal", progress=call.progress)
        names = (doc.get("secrets") or {}).get("names") if isinstance(doc.get("secrets"), dict) else None
        try:
            report = await apply_plan(
                doc, pipeline=copy.pipeline, call=quiet, key=key, confirmed=True,
                secrets={n: STAND_IN_SECRET for n in names} if isinstance(names, list) else None,
                organization_id=copy.identity.get("organization_id"),
                # The copy is the license as exported now: whether it changed since planning is the
                # real apply's check (the copy's objects lack what an export leaves out).
                recheck=False,
            )
        except PlanError as exc:
            raise RehearsalError(f"the plan cannot be applied: {exc}") from None
        after = await read_license(copy, CallContext(session="rehearsal"),
                                   [k for k in before if k != "omitted"] or None)
    finally:
        await copy.aclose()
    changes = compare(after, before)
    return {
        "rehearsal": "applied to a private in-process copy of the license (a fresh export); nothing was sent "
                     "to the license itself",
        "status": report["status"], "summary": report["summary"], "steps": report["steps"],
        **({k: report[k] for k in ("error", "warning", "target_warning") if k in report}),
        "changes": {**changes, "text": words(changes, done=True)},
        **({"not_in_the_copy": before["omitted"]} if "omitted" in before else {}),
        "note": "The copy holds the configuration an export covers: not suspensions, pending invitations, chats or "
                "bans. Secrets were stood in for. The real apply is also subject to the policy and its confirmations.",
    }


def _private(runtime: Runtime, doc: dict[str, Any]) -> Runtime:
    """A runtime over a private sandbox seeded with ``doc``, as this runtime's client and organization."""
    client = runtime.client_id or DEFAULT_CLIENT_ID
    token = f"{REGION}:rehearsal-{secrets.token_urlsafe(16)}"
    sandbox = Sandbox(region=REGION, rate_limit=10**9, seed=seeder(doc, client),
                      credentials=[SandboxCredential("rehearsal", token, scopes=documented_scopes(), client_id=client)])
    policy = Policy(mode="read-write", allow_destructive=True)
    # The target's address as the base URL (a label: the transport is the sandbox, in this process).
    app = App(settings=Settings(sandbox=True, rate_limit=10**9), ceiling=policy, policy_source="rehearsal",
              store=MemoryStore(), transport=httpx.ASGITransport(app=sandbox.app), base_url=runtime.client.base_url,
              upstream="private rehearsal sandbox", sandbox=sandbox)
    identity = {"organization_id": sandbox.state.organization_id, "client_id": client}
    principal = Principal.create(app, id="rehearsal", credential=bearer(token), license_key="rehearsal",
                                 region=REGION, client_id=client, policy=PolicyContext.create(policy, None, "rehearsal"),
                                 audit=None, scrubber=Scrubber([token]), identity=identity)
    return Runtime(app, principal)
