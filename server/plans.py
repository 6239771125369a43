"""Dry-run plans: planned writes, the document a human reviews, and applying it.

A plan document holds the steps in order and the requests to send: adjacent steps of the
same batchable action merged into ``batch_*`` requests of at most ``max_batch_size`` items
(50 by default: large enough that 250 agents are 5 requests, small enough that one request
stays well inside LiveChat's 15 s processing limit). Order across actions never changes.

Secrets never enter a plan. A request field marked secret in the catalogue (a bot secret, a
webhook's secret key) is written as ``{"$secret": "step3.bot_secret"}``; the document lists
these names under ``secrets``, and whoever applies the plan supplies the values again
(``livechat-mcp apply --secrets FILE`` or apply_plan's ``secrets``). A plan is a file people
save, mail and commit; the secret stays with the person who has it.
"""

from __future__ import annotations

import copy
import hashlib
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from pydantic import ValidationError

from .api.client import LiveChatClient
from .api.errors import LiveChatError, item_responses, parse_error
from .policies import PolicyContext
from .redact import SECRET_MARKER, Scrubber, redact_keys
from .plan_journal import to_send
from .tools import Action, catalog
from .tools.catalog import to_payload
from .validation import describe_validation_error

SCHEMA_VERSION = 1
KIND = "livechat-mcp/plan"

Progress = Callable[[float, float, str], Awaitable[None]]
SECRET_REF = "$secret"
SUPPLY_HOW = "supply it with `livechat-mcp apply --secrets FILE` (a JSON object of name: value) or apply_plan's `secrets`"


def secret_name(step: int, field_name: str) -> str:
    return f"step{step}.{field_name}"


def mask_step(act: Action, body: dict[str, Any], step: int) -> dict[str, Any]:
    """A single request's body with each secret field replaced by its placeholder."""
    keys = act.secret_input_keys
    if not keys:
        return body
    return {k: ({SECRET_REF: secret_name(step, k)} if k in keys and v is not None else v) for k, v in body.items()}


def mask_request(act: Action, body: dict[str, Any], steps: list[int]) -> dict[str, Any]:
    """A request body (single or batch) as a plan shows it; ``steps`` numbers its items."""
    if act.batch_of:
        single = catalog()[act.batch_of]
        return {**body, "requests": [mask_step(single, item, n) for item, n in zip(body["requests"], steps)]}
    return mask_step(act, body, steps[0])


@dataclass
class Step:
    action: str
    body: dict[str, Any]
    destructive: bool


@dataclass
class Plan:
    steps: list[Step] = field(default_factory=list)

    def add(self, act: Action, body: dict[str, Any]) -> list[int]:
        """Add a planned write; a batch call becomes one step per item. Returns step numbers."""
        if act.batch_of:
            single = catalog()[act.batch_of]
            items = [Step(single.name, item, single.destructive) for item in body["requests"]]
        else:
            items = [Step(act.name, body, act.destructive)]
        first = len(self.steps) + 1
        self.steps.extend(items)
        return list(range(first, first + len(items)))

    def clear(self) -> int:
        count = len(self.steps)
        self.steps.clear()
        return count

    def document(self, client: LiveChatClient, max_batch_size: int) -> dict[str, Any]:
        cat = catalog()
        masked = [Step(s.action, mask_step(cat[s.action], s.body, n), s.destructive)
                  for n, s in enumerate(self.steps, 1)]
        requests = build_requests(masked, client, max_batch_size)
        by_action: dict[str, int] = {}
        for step in self.steps:
            by_action[step.action] = by_action.get(step.action, 0) + 1
        secrets = [secret_name(n, k) for n, s in enumerate(self.steps, 1)
                   for k in cat[s.action].secret_input_keys if s.body.get(k) is not None]
        return {
            "kind": KIND,
            "schema_version": SCHEMA_VERSION,
            "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "max_batch_size": max_batch_size,
            "steps": [
                {"step": n, "action": s.action, "body": s.body, "destructive": s.destructive}
                for n, s in enumerate(masked, 1)
            ],
            **({"secrets": {"names": secrets, "how": SUPPLY_HOW}} if secrets else {}),
            "requests": requests,
            "summary": {
                "steps": len(self.steps),
                "requests": len(requests),
                "by_action": by_action,
                "destructive_steps": [n for n, s in enumerate(self.steps, 1) if s.destructive],
            },
            "digest": digest(requests),
        }


def build_requests(steps: list[Step], client: LiveChatClient, max_batch_size: int) -> list[dict[str, Any]]:
    cat = catalog()
    out: list[dict[str, Any]] = []
    i = 0
    while i < len(steps):
        act = cat[steps[i].action]
        j = i
        while j < len(steps) and steps[j].action == act.name:
            j += 1
        run = list(range(i, j))  # indices of a run of the same action
        if act.batch_name and len(run) > 1:
            for start in range(0, len(run), max_batch_size):
                chunk = run[start : start + max_batch_size]
                body = {"requests": [steps[k].body for k in chunk]}
                out.append(_request(client, act.batch_name, body, [k + 1 for k in chunk]))
        else:
            for k in run:
                out.append(_request(client, act.name, steps[k].body, [k + 1]))
        i = j
    for n, req in enumerate(out, 1):
        req["request"] = n
    return out


def _request(client: LiveChatClient, action: str, body: dict[str, Any], steps: list[int]) -> dict[str, Any]:
    planned = client.plan(action, body).to_dict()
    return {"action": action, **planned, "steps": steps}


def digest(requests: list[dict[str, Any]]) -> str:
    canonical = json.dumps(
        [{"action": r["action"], "body": r["body"]} for r in requests], sort_keys=True, separators=(",", ":")
    )
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()


class PlanError(Exception):
    """The plan document itself is unusable (not a plan, wrong version, malformed)."""


def _parse_document(doc: Any) -> list[dict[str, Any]]:
    if not isinstance(doc, dict) or doc.get("kind") != KIND:
        raise PlanError(f"not a livechat-mcp plan (expected \"kind\": \"{KIND}\"; get one from get_plan)")
    if doc.get("schema_version") != SCHEMA_VERSION:
        raise PlanError(f"plan schema_version {doc.get('schema_version')!r} is not supported (expected {SCHEMA_VERSION})")
    requests = doc.get("requests")
    if not isinstance(requests, list):
        raise PlanError("plan has no \"requests\" list")
    seen: set[int] = set()
    for n, req in enumerate(requests, 1):
        if not isinstance(req, dict) or not isinstance(req.get("action"), str) or not isinstance(req.get("body"), dict):
            raise PlanError(f"request {n} needs \"action\" (string) and \"body\" (object)")
        steps = req.get("steps")
        if not (isinstance(steps, list) and steps and all(type(s) is int and s > 0 for s in steps)):
            raise PlanError(f"request {n} needs \"steps\": a non-empty list of step numbers")
        if seen & set(steps) or len(set(steps)) != len(steps):
            raise PlanError(f"request {n} repeats a step number: each step is sent once")
        seen.update(steps)
        act = catalog().get(req["action"])
        if act is not None and act.batch_of:
            items = req["body"].get("requests")
            if not isinstance(items, list) or len(items) != len(steps):
                raise PlanError(f"request {n}: a batch needs one step number per item in body.requests")
        elif len(steps) != 1:
            raise PlanError(f"request {n}: a single {req['action']} request is one step, not {len(steps)}")
    return requests


def _secret_refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        if set(node) == {SECRET_REF} and isinstance(node[SECRET_REF], str):
            return [node[SECRET_REF]]
        return [ref for value in node.values() for ref in _secret_refs(value)]
    if isinstance(node, list):
        return [ref for item in node for ref in _secret_refs(item)]
    return []


def _items(req: dict[str, Any]) -> list[tuple[Action | None, dict[str, Any], int]]:
    """(single action, body, step number) of each item a request carries."""
    act = catalog().get(req["action"])
    if act is not None and act.batch_of:
        single = catalog()[act.batch_of]
        return [(single, item, n) for item, n in zip(req["body"]["requests"], req["steps"])
                if isinstance(item, dict)]
    return [(act, req["body"], req["steps"][0])]


def _placeholders(req: dict[str, Any]) -> dict[str, tuple[dict[str, Any], str]]:
    """The secret placeholders of a request that sit where get_plan put them: in a secret
    field of the step they name. {name: (item body, field)}."""
    found = {}
    for single, body, n in _items(req):
        for key in single.secret_input_keys if single else ():
            name = secret_name(n, key)
            if body.get(key) == {SECRET_REF: name}:
                found[name] = (body, key)
    return found


def _fill(req: dict[str, Any], secrets: dict[str, str]) -> dict[str, Any]:
    """The request body with each supplied secret put back in its own field (only there)."""
    body = copy.deepcopy(req["body"])
    filled = {**req, "body": body}
    for name, (item, key) in _placeholders(filled).items():
        if name in secrets:
            item[key] = secrets[name]
    return body


def _parse_secrets(secrets: Any, requests: list[dict[str, Any]]) -> dict[str, str]:
    if secrets is None:
        secrets = {}
    if not isinstance(secrets, dict) or not all(isinstance(v, str) and v for v in secrets.values()):
        raise PlanError('secrets must be an object of name: non-empty string, e.g. {"step3.bot_secret": "..."}')
    wanted = {name for req in requests for name in _placeholders(req)}
    unknown = sorted(set(secrets) - wanted)
    if unknown:
        raise PlanError(f"secrets given for {', '.join(unknown)}, which the plan does not use "
                        f"(it uses: {', '.join(sorted(wanted)) or 'none'})")
    return {str(k): v for k, v in secrets.items()}


def _check(
    req: dict[str, Any], policy: PolicyContext, secrets: dict[str, str]
) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """(the payload to send, None), or (None, why this request may not be sent)."""
    act = catalog().get(req["action"])
    if act is None:
        return None, {"type": "refused", "rule": "unknown_tool", "message": f"unknown action {req['action']!r}"}
    decision = policy.decide(act)
    if not decision.allowed or decision.planned:
        reason = decision.reason if not decision.allowed else "the policy is dry-run; applying needs read-write"
        fix = decision.fix if not decision.allowed else "run apply with a read-write policy (--allow-writes)"
        return None, {"type": "refused", "rule": decision.rule, "message": reason, "how_to_allow": fix}
    placed = _placeholders(req)
    missing = [name for name in placed if name not in secrets]
    if missing:
        return None, {"type": "missing_secret", "rule": "secrets",
                      "message": f"the plan does not carry {', '.join(missing)}: {SUPPLY_HOW}"}
    body = _fill(req, secrets)
    stray = _secret_refs(body)
    if stray:
        return None, {"type": "validation", "rule": "secrets",
                      "message": f"secret placeholder {', '.join(stray)} is outside the secret field it names; "
                      "placeholders are only filled where get_plan put them"}
    try:
        # The validated payload is sent, as on a direct call: nulls dropped, values normalised.
        return to_payload(act.model.model_validate(body)), None
    except ValidationError as exc:
        return None, {"type": "validation", "rule": "validation", "message": describe_validation_error(exc, body)}


async def apply_plan(
    doc: Any,
    *,
    policy: PolicyContext,
    client: LiveChatClient,
    continue_on_error: bool = False,
    progress: Progress | None = None,
    audit: Any = None,
    secrets: Any = None,
    journal: Any = None,
) -> dict[str, Any]:
    """Send a reviewed plan's requests in order; every step ends up done, failed, refused or not_sent.

    ``journal`` (server/plan_journal.py, loaded and locked by the caller) skips what an earlier
    apply of this plan already did and records what this one does.

    ``secrets`` supplies the values of the plan's secret placeholders by name.
    """
    requests = _parse_document(doc)
    supplied = _parse_secrets(secrets, requests)
    scrub = Scrubber(supplied.values())
    reveal = policy.policy.reveal_secrets
    steps: dict[int, dict[str, Any]] = {}
    for req in requests:
        for n in req["steps"]:
            steps[n] = {"step": n, "action": _single_name(req["action"]), "status": "not_sent"}

    # Every request is checked before anything is sent.
    checked = [_check(req, policy, supplied) for req in requests]
    payloads = {i: payload for i, (payload, _) in enumerate(checked) if payload is not None}
    refusals = {i: why for i, (_, why) in enumerate(checked) if why is not None}
    for i, why in refusals.items():
        for n in requests[i]["steps"]:
            steps[n].update(status="refused", error=why)
    stopped = bool(refusals) and not continue_on_error

    total = len(requests)
    for i, req in enumerate(requests):
        if stopped:
            break
        if i in refusals:
            continue
        act = catalog()[req["action"]]
        payload, numbers = payloads[i], req["steps"]
        if journal is not None:
            payload, numbers = to_send(journal, act, payload, numbers, steps)
            if not numbers:
                continue
            await journal.sending(numbers)
        if progress:
            await progress(i, total, f"request {i + 1}/{total}: {req['action']}")
        started = time.perf_counter()
        try:
            result = await client.call(act.name, payload, idempotent=act.idempotent)
        except LiveChatError as err:
            if audit is not None:
                audit.record(tool=act.name, decision="allowed", rule="apply_plan", arguments=req["body"],
                             duration_ms=(time.perf_counter() - started) * 1000,
                             outcome={"status": err.status, "error": err.type})
            for n in numbers:
                steps[n].update(status="failed", error=err.to_dict())
            if journal is not None:
                await journal.finished(scrub.json({n: steps[n] for n in numbers}))
            stopped = not continue_on_error
            continue
        if audit is not None:
            audit.record(tool=act.name, decision="allowed", rule="apply_plan", arguments=req["body"],
                         duration_ms=(time.perf_counter() - started) * 1000, outcome={"status": 200})
        if act.secret_result_keys and not reveal:
            result = redact_keys(result, act.secret_result_keys, SECRET_MARKER)
        if act.batch_of:
            for n, item in zip(numbers, item_responses(result, len(numbers))):
                parsed = parse_error(item)
                if parsed:
                    steps[n].update(status="failed", error={"type": parsed[0], "message": parsed[1], **({"data": parsed[2]} if parsed[2] else {})})
                else:
                    steps[n].update(status="done", result=item)
            if any(steps[n]["status"] == "failed" for n in numbers):
                stopped = not continue_on_error
        else:
            steps[numbers[0]].update(status="done", result=result)
        if journal is not None:
            await journal.finished(scrub.json({n: steps[n] for n in numbers}))
    if progress:
        await progress(total, total, "plan applied" if not stopped else "plan stopped")

    ordered = [steps[n] for n in sorted(steps)]
    counts = {s: sum(1 for st in ordered if st["status"] == s) for s in ("done", "failed", "refused", "not_sent")}
    report: dict[str, Any] = {
        "status": "completed" if counts["done"] == len(ordered) else ("stopped" if stopped else "completed_with_errors"),
        "summary": counts,
        "steps": ordered,
    }
    if not doc.get("digest"):
        report["warning"] = "the plan has no digest: nothing shows it is the document get_plan produced"
    elif doc["digest"] != digest(requests):
        report["warning"] = "the requests differ from the digest get_plan produced: the plan was edited after review"
    return scrub.json(report)


async def apply_journaled(doc: Any, *, store: Any, **kwargs: Any) -> dict[str, Any]:
    """``apply_plan`` with the plan's journal and lock in the state store (server/plan_journal.py)."""
    from .plan_journal import ApplyBusy, ApplyJournal, StoreUnavailable

    journal = ApplyJournal(store, digest(_parse_document(doc)))
    try:
        async with journal.lock():
            await journal.load()
            return await apply_plan(doc, journal=journal, **kwargs)
    except ApplyBusy as exc:
        raise PlanError(str(exc)) from None
    except StoreUnavailable as exc:
        raise PlanError(f"the state store holding the apply journal is unavailable ({exc}); nothing more was "
                        "sent. Apply again once it is back: steps already done are not sent twice.") from None


def _single_name(action: str) -> str:
    act = catalog().get(action)
    return act.batch_of if act and act.batch_of else action
