"""Dry-run plans: planned writes and the document a human reviews (pure: no I/O; applying a
document is server/calls/apply.py).

A plan document holds the steps in order and the requests to send: adjacent steps of the
same batchable action merged into ``batch_*`` requests of at most ``max_batch_size`` items
(50 by default: large enough that 250 agents are 5 requests, small enough that one request
stays well inside LiveChat's 15 s processing limit). Order across actions never changes.

The document is what a human reviewed, so apply sends exactly that or nothing. get_plan signs
it with a keyed MAC (HMAC-SHA256 over its canonical JSON: steps, requests, secrets, summary,
target) whose key only the server holds (the store's ``plan-mac`` shared secret: one per
deployment, or per user for the embedded store). Apply rebuilds the requests from the steps,
compares them with the document's, checks the MAC, and refuses a document that differs,
listing what differs. ``accept_edited`` applies it anyway, loudly: the changes are listed
first, and the requests sent are the ones rebuilt from the steps, each re-validated and
policy-checked.

Secrets never enter a plan. A request field marked secret in the catalogue (a bot secret, a
webhook's secret key) is written as ``{"$secret": "step3.bot_secret"}``; the document lists
these names under ``secrets``, and whoever applies the plan supplies the values again
(``livechat-mcp apply --secrets FILE`` or apply_plan's ``secrets``). Each name is bound, by its
own MAC, to the action and the destination (webhook URL, bot id, upstream) of the step it was
reviewed for: even an accepted edit cannot send the secret anywhere else.

Field names (stable: the plan review app and clients read them)
--------------------------------------------------------------------------------------------------
Planning answer (a dry-run write): ``planned``, ``steps`` (numbers), ``plan_size``, ``request``,
``returns`` (what the step creates, e.g. ``{"id": {"$ref": "step1.id"}}``; a list for a batch),
``checks`` ([{step, warnings, expected_error, changes}] for the steps with something to say; every
step is checked as it is planned unless get_plan ``check: false`` turned it off).

Plan document (get_plan): ``kind``, ``schema_version``, ``created_at`` (when its first step was
planned), ``serial`` (this planning's: the same plan asked for twice is one document, one MAC; the
same steps planned anew are another plan), ``max_batch_size``,
``target`` ({api, region}: what it was made against), ``checks`` ({checked: true, reads: N} or
{checked: false, why}), ``steps``, ``secrets``, ``requests`` (get_plan shows them with
``requests: true`` or ``view: "document"``; apply rebuilds them from the steps),
``summary``, ``mac``, ``plan_id`` (the stored plan's id; outside the MAC). Each step: ``step``,
``action``, ``body`` (references as ``{"$ref": "step<N>.<field>"}``, a key as
``"$ref:step<N>.<field>"``; secrets as ``{"$secret": ...}``), ``destructive``, and when checked
(server/plans/checks.py): ``warnings`` ([{kind, message}]; kinds ``exists``, ``duplicate_in_plan``,
``not_found``, ``missing_reference``, ``limit``, ``unchecked``), ``expected_error`` ({type,
message}: the LiveChat error type it would meet), ``changes`` ({field: {before, after}}, updates),
``lost`` (the object as read, deletes). ``summary``: ``steps``, ``requests``, ``by_action``,
``destructive_steps``, ``objects`` ({created|changed|deleted: {kind: [names] or a count}}),
``warnings`` (how many steps warn), ``expected_errors`` (their step numbers). get_plan
``view: "summary"`` answers ``plan_id``, ``mac``, ``target``, ``created_at``, ``checks``, ``summary`` only.

Apply report (apply_plan): ``status`` (completed, completed_with_errors, stopped, refused),
``summary`` ({done, failed, refused, not_sent}), ``steps`` ([{step, action, status, result |
error, journal: true when done by an earlier run}]; error types include ``dependency`` (a
reference to a step not done) and rule ``expected_error``), ``error`` ({type, rule: plan_edited |
target, message, how_to_allow}), ``warning``/``changes`` (an edited plan), ``target_warning``,
``undo`` ({plan_id, mac, summary, cannot_undo: [reasons]}: server/plans/undo.py).
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..tools import Action, catalog
from . import refs as plan_refs
from .effects import CREATES, DELETES, KINDS, UPDATES, Ledger
from .times import now, when

SCHEMA_VERSION = 1
KIND = "livechat-mcp/plan"
MAC_KEY_NAME = "plan-mac"  # the store's shared secret that signs plans
MAC_PREFIX = "hmac-sha256:"
# What get_plan shows around a document for people (server/meta/plan_view.py): the summary
# sentence, the readable review, what the session can do and where the plan stands (its
# lifecycle record: server/plans/lifecycle.py). Derived or session-specific, so outside the MAC;
# apply never reads them.
VIEW_KEYS = ("headline", "review", "next", "lifecycle")
# Fields of a plan document outside the MAC: the MAC itself, the id derived from it, the view.
UNSIGNED = ("mac", "plan_id", *VIEW_KEYS)

# Caps. One session's plan lives in the state store until cleared or expired, and a plan
# document is read whole: neither may grow without bound. A 1,000-agent plan with groups and
# schedules is ~1.3 MB, well inside these.
MAX_CALL_STEPS = 1_000  # steps one planning call (e.g. a dry-run batch_*) may add
MAX_CALL_BYTES = 1_000_000  # JSON bytes of the bodies one planning call may add
MAX_PLAN_STEPS = 5_000  # steps one plan may hold
MAX_PLAN_BYTES = 4_000_000  # JSON bytes of the step bodies one plan may hold
MAX_DOCUMENT_BYTES = 16_000_000  # a plan document given to apply (steps + requests + headers)
MAX_DOCUMENT_DEPTH = 32  # nesting of a plan document (a real one is about 8 deep)
MAX_DOCUMENT_VALUES = 2_000_000  # JSON values in a plan document (a full 5,000-step plan has ~300,000)
MAX_BATCH_SIZE = 1_000  # the largest max_batch_size a document may name

SECRET_REF = "$secret"
SUPPLY_HOW = "supply it with `livechat-mcp apply --secrets FILE` (a JSON object of name: value) or apply_plan's `secrets`"

# Where a secret goes, per action with a secret input: the step fields that name its recipient.
# A secret is bound to these (and to the action and the upstream) when the plan is made. An
# action not listed binds every field of its step.
SECRET_DESTINATION = {
    "register_webhook": ("url", "owner_client_id", "type", "action"),
    "issue_bot_token": ("bot_id", "client_id", "organization_id"),
}


class Planned(Protocol):
    def to_dict(self) -> dict[str, Any]: ...


class Upstream(Protocol):
    """What a plan is made against and how it writes a request down: the API client
    (server/api/client.py ``LiveChatClient``), handed in by the call path; this package does not
    import it."""

    base_url: str
    region: str | None

    def plan(self, action: str, body: Any) -> Planned: ...


class PlanError(Exception):
    """The plan document itself is unusable (not a plan, wrong version, malformed, over a cap)."""


class PlanCapError(PlanError):
    """A planning call or a plan would exceed a cap."""


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
        return {**body, "requests": [mask_step(single, item, n) for item, n in zip(body["requests"], steps, strict=False)]}
    return mask_step(act, body, steps[0])


def _json_size(value: Any) -> int:
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode())


# What checking a step adds to it (server/plans/checks.py); signed with the step.
INFO_KEYS = ("warnings", "expected_error", "changes", "lost")


def call_cap_message(steps: int, size: int | None = None) -> str:
    """Why one planning call of ``steps`` steps (``size`` JSON bytes, when counted) is refused."""
    has = f"{steps} steps" + (f", {size:,} bytes" if size is not None else "")
    return (f"one planning call may add at most {MAX_CALL_STEPS} steps and {MAX_CALL_BYTES:,} bytes "
            f"(MAX_CALL_STEPS / MAX_CALL_BYTES); this one has {has}: split it into smaller calls")


@dataclass
class Step:
    action: str
    body: dict[str, Any]
    destructive: bool
    info: dict[str, Any] = field(default_factory=dict)  # INFO_KEYS, when the plan was checked


@dataclass
class Plan:
    steps: list[Step] = field(default_factory=list)
    size: int = 0  # JSON bytes of the step bodies
    # Each step is checked against the license as it is planned (server/plans/checks.py) unless
    # get_plan check=false turned it off; ``not_checked`` then says why, and the document says so.
    checking: bool = True
    not_checked: str = ""
    ledger: Ledger = field(default_factory=lambda: Ledger())
    # Set by whatever changes steps already in the plan (checking them all again, clearing it):
    # the state store then writes the plan whole instead of appending what was added
    # (server/plans/working.py).
    rewritten: bool = field(default=False, compare=False, repr=False)
    # One planning's identity, from its first step until it is cleared: ``started`` (epoch) is the
    # document's created_at and ``serial`` is signed with it. get_plan asked twice of the same plan
    # then signs the same document (one MAC: one journal, applied once), while a plan made anew
    # with the same steps, even within the same second, is another plan.
    started: float = 0.0
    serial: str = ""

    def add(self, act: Action, body: dict[str, Any]) -> list[int]:
        """Add a planned write; a batch call becomes one step per item. Returns step numbers.

        Raises PlanCapError (adding nothing) past a cap."""
        if act.batch_of:
            single = catalog()[act.batch_of]
            items = [Step(single.name, item, single.destructive) for item in body["requests"]]
        else:
            items = [Step(act.name, body, act.destructive)]
        added = _json_size([s.body for s in items])
        what = "apply the plan (get_plan, then `livechat-mcp apply` or apply_plan) or clear it (clear_plan), then plan the rest"
        if len(items) > MAX_CALL_STEPS or added > MAX_CALL_BYTES:
            raise PlanCapError(call_cap_message(len(items), added))
        if len(self.steps) + len(items) > MAX_PLAN_STEPS or self.size + added > MAX_PLAN_BYTES:
            raise PlanCapError(
                f"one plan holds at most {MAX_PLAN_STEPS} steps and {MAX_PLAN_BYTES:,} bytes (MAX_PLAN_STEPS / "
                f"MAX_PLAN_BYTES); it has {len(self.steps)} steps, {self.size:,} bytes and this call adds "
                f"{len(items)}, {added:,}: {what}")
        first = len(self.steps) + 1
        if not self.steps and not self.serial:
            self.started, self.serial = time.time(), secrets.token_hex(8)
        self.steps.extend(items)
        self.size += added
        return list(range(first, first + len(items)))

    def clear(self) -> int:
        count = len(self.steps)
        self.steps.clear()
        self.size = 0
        self.ledger = Ledger()
        self.started, self.serial = 0.0, ""
        self.rewritten = True
        return count

    def checks(self) -> dict[str, Any]:
        """Whether the steps were checked against the license, honestly: how many reads it took,
        or why they were not checked (then no step's silence means "fine")."""
        if not self.checking:
            return {"checked": False, "why": self.not_checked or "checking was turned off (get_plan check=false)"}
        return {"checked": True, "reads": self.ledger.calls}

    def document(self, client: Upstream, max_batch_size: int, key: bytes,
                 scrub: Callable[[Any], Any] = lambda doc: doc, client_id: str | None = None,
                 organization_id: str | None = None) -> dict[str, Any]:
        """The signed plan document. ``scrub`` runs before signing: what is signed is what is shown."""
        cat = catalog()
        masked = [Step(s.action, mask_step(cat[s.action], s.body, n), s.destructive, s.info)
                  for n, s in enumerate(self.steps, 1)]
        doc: dict[str, Any] = {
            "kind": KIND,
            "schema_version": SCHEMA_VERSION,
            "created_at": when(self.started) if self.started else now(),
            **({"serial": self.serial} if self.serial else {}),
            "max_batch_size": max_batch_size,
            "target": _target(client, client_id, organization_id),
            "checks": self.checks(),
            **_derived(masked, client, max_batch_size, key),
        }
        doc = scrub(doc)
        doc["mac"] = sign(doc, key)
        return doc


def _target(client: Upstream, client_id: str | None = None, organization_id: str | None = None) -> dict[str, Any]:
    """What a plan is made against: the upstream API, its region, and the token's client id and
    organization (license) when known (a plan for one app's or one license's configuration is not
    applied with another's token unnoticed)."""
    return {"api": client.base_url, "region": client.region, **({"client_id": client_id} if client_id else {}),
            **({"organization_id": organization_id} if organization_id else {})}


def _derived(steps: list[Step], client: Upstream, max_batch_size: int, key: bytes) -> dict[str, Any]:
    """Everything in a plan document that follows from its (masked) steps."""
    cat = catalog()
    requests = build_requests(steps, client, max_batch_size)
    by_action: dict[str, int] = {}
    for step in steps:
        by_action[step.action] = by_action.get(step.action, 0) + 1
    bindings = {
        name: bind_secret(name, step.action, step.body, client, key)
        for n, step in enumerate(steps, 1) if (act := cat.get(step.action)) is not None
        for k in act.secret_input_keys
        if step.body.get(k) == {SECRET_REF: (name := secret_name(n, k))}
    }
    return {
        "steps": [{"step": n, "action": s.action, "body": s.body, "destructive": s.destructive, **s.info}
                  for n, s in enumerate(steps, 1)],
        **({"secrets": {"names": list(bindings), "how": SUPPLY_HOW, "bindings": bindings}} if bindings else {}),
        "requests": requests,
        "summary": {
            "steps": len(steps),
            "requests": len(requests),
            "by_action": by_action,
            "destructive_steps": [n for n, s in enumerate(steps, 1) if s.destructive],
            "objects": _objects(steps),
            **({"warnings": warned} if (warned := sum(1 for s in steps if s.info.get("warnings"))) else {}),
            **({"expected_errors": failing} if (failing := [n for n, s in enumerate(steps, 1)
                                                             if s.info.get("expected_error")]) else {}),
        },
    }


def _objects(steps: list[Step]) -> dict[str, Any]:
    """Per kind of object: how many the plan creates, changes and deletes, naming them when few."""
    out: dict[str, dict[str, Any]] = {}
    for n, step in enumerate(steps, 1):
        for verb, table in (("created", CREATES), ("changed", UPDATES), ("deleted", DELETES)):
            kind = table.get(step.action)
            if kind is None:
                continue
            key = step.body.get(KINDS[kind].key)
            name = f"{kind} {key}" if isinstance(key, (str, int)) else f"{kind} of step {n}"
            out.setdefault(verb, {}).setdefault(kind, []).append(name)
    # A long list costs context on every review: counts, with names only when there are few.
    return {verb: {kind: names if len(names) <= 10 else len(names) for kind, names in kinds.items()}
            for verb, kinds in out.items()}


def build_requests(steps: list[Step], client: Upstream, max_batch_size: int) -> list[dict[str, Any]]:
    cat = catalog()
    out: list[dict[str, Any]] = []
    i = 0
    while i < len(steps):
        act = cat.get(steps[i].action)
        j = i
        while j < len(steps) and steps[j].action == steps[i].action:
            j += 1
        run = list(range(i, j))  # indices of a run of the same action
        if act is not None and act.batch_name and len(run) > 1:
            # Chunks of at most max_batch_size; an item that uses what an item of the same chunk
            # creates starts a new chunk (a batch's items are created together: no id to use yet).
            chunks: list[list[int]] = [[]]
            for k in run:
                if len(chunks[-1]) >= max_batch_size or plan_refs.needs(steps[k].body) & {c + 1 for c in chunks[-1]}:
                    chunks.append([])
                chunks[-1].append(k)
            for chunk in chunks:
                body = {"requests": [steps[k].body for k in chunk]}
                out.append(_request(client, act.batch_name, body, [k + 1 for k in chunk]))
        else:
            for k in run:
                out.append(_request(client, steps[k].action, steps[k].body, [k + 1]))
        i = j
    for n, req in enumerate(out, 1):
        req["request"] = n
    return out


def _request(client: Upstream, action: str, body: dict[str, Any], steps: list[int]) -> dict[str, Any]:
    planned = client.plan(action, body).to_dict()
    return {"action": action, **planned, "steps": steps}


# --- the MAC -------------------------------------------------------------------------------------

def _canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def _mac(key: bytes, value: Any) -> str:
    return MAC_PREFIX + hmac.new(key, _canonical(value), hashlib.sha256).hexdigest()


def sign(doc: dict[str, Any], key: bytes) -> str:
    """The document's MAC: every field but ``mac`` itself."""
    return _mac(key, {k: v for k, v in doc.items() if k not in UNSIGNED})


def bind_secret(name: str, action: str, body: dict[str, Any], client: Upstream, key: bytes) -> dict[str, Any]:
    """Where the secret ``name`` may go: the step's action, its destination fields, the upstream."""
    act = catalog().get(action)
    fields = SECRET_DESTINATION.get(action) or tuple(
        k for k in sorted(body) if not (act and k in act.secret_input_keys))
    binding = {"action": action, "destination": {k: body.get(k) for k in fields}, "api": client.base_url}
    return {**binding, "mac": _mac(key, {"secret": name, **binding})}


# --- reading a document --------------------------------------------------------------------------

def check_shape(doc: Any) -> None:
    """PlanError unless ``doc`` is within the document caps (nesting, size), checked without
    recursion so a nesting bomb is a clear error rather than a RecursionError."""
    stack: list[tuple[Any, int]] = [(doc, 1)]
    nodes = 0
    while stack:
        node, depth = stack.pop()
        nodes += 1
        if depth > MAX_DOCUMENT_DEPTH:
            raise PlanError(f"the plan nests deeper than {MAX_DOCUMENT_DEPTH} levels (MAX_DOCUMENT_DEPTH); "
                            "a plan from get_plan is about 8 deep: use the document get_plan returned")
        if nodes > MAX_DOCUMENT_VALUES:
            raise PlanError(f"the plan has more than {MAX_DOCUMENT_VALUES:,} JSON values (MAX_DOCUMENT_VALUES); "
                            "split the work into several plans")
        if isinstance(node, dict):
            stack.extend((v, depth + 1) for v in node.values())
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node)
    size = _json_size(doc)
    if size > MAX_DOCUMENT_BYTES:
        raise PlanError(f"the plan is {size:,} bytes; a document is at most {MAX_DOCUMENT_BYTES:,} bytes "
                        "(MAX_DOCUMENT_BYTES): split the work into several plans")


def with_requests(doc: Any, client: Upstream) -> Any:
    """A document given without its requests (get_plan view "steps": each body once) with them
    rebuilt from its steps, exactly as get_plan built them before signing: the MAC then verifies
    only if nothing it covers was changed."""
    if not isinstance(doc, dict) or "requests" in doc or doc.get("kind") != KIND:
        return doc
    steps, _, size = _parse_document({**doc, "requests": []})
    return {**doc, "requests": build_requests(steps, _as_planned(client, doc.get("target")), size)}


def _as_planned(client: Upstream, target: Any) -> Upstream:
    """The client as the plan's target had it (URL, region): requests rebuilt for a plan made
    against another target are the ones that were signed, so verify() names the other target
    (refused unless allowed) instead of calling the plan edited."""
    if not isinstance(target, dict) or not isinstance(target.get("api"), str):
        return client
    planned = copy.copy(client)
    planned.base_url = target["api"]
    planned.region = target.get("region") if isinstance(target.get("region"), str) else client.region
    return planned


def document_steps(doc: Any) -> list[Step]:
    """The steps of a plan document (PlanError if it is unusable)."""
    return _parse_document({"requests": [], **doc} if isinstance(doc, dict) else doc)[0]


def _parse_document(doc: Any) -> tuple[list[Step], list[dict[str, Any]], int]:
    """(the document's steps, its requests, its max_batch_size); PlanError if unusable."""
    if not isinstance(doc, dict) or doc.get("kind") != KIND:
        raise PlanError(f"not a livechat-mcp plan (expected \"kind\": \"{KIND}\"; get one from get_plan)")
    if doc.get("schema_version") != SCHEMA_VERSION:
        raise PlanError(f"plan schema_version {doc.get('schema_version')!r} is not supported (expected {SCHEMA_VERSION})")
    check_shape(doc)
    size = doc.get("max_batch_size")
    if type(size) is not int or not 1 <= size <= MAX_BATCH_SIZE:
        raise PlanError(f"plan max_batch_size must be a whole number from 1 to {MAX_BATCH_SIZE}")
    raw_steps = doc.get("steps")
    if not isinstance(raw_steps, list):
        raise PlanError("plan has no \"steps\" list")
    if len(raw_steps) > MAX_PLAN_STEPS:
        raise PlanError(f"the plan has {len(raw_steps):,} steps; a plan holds at most {MAX_PLAN_STEPS} "
                        "(MAX_PLAN_STEPS): split the work into several plans")
    steps: list[Step] = []
    for n, st in enumerate(raw_steps, 1):
        if not isinstance(st, dict) or not isinstance(st.get("action"), str) or not isinstance(st.get("body"), dict):
            raise PlanError(f"step {n} needs \"action\" (string) and \"body\" (object)")
        if st.get("step") != n or type(st.get("step")) is not int:
            raise PlanError(f"step {n} is numbered {st.get('step')!r}: steps are numbered 1, 2, 3, ... in order "
                            "(renumbered steps would move secrets and results to other steps)")
        act = catalog().get(st["action"])
        if act is not None and act.batch_of:
            raise PlanError(f"step {n} is {st['action']}: a step is one single action (a batch call is planned "
                            "as one step per item, and batches appear only in requests)")
        steps.append(Step(st["action"], st["body"], act.destructive if act else True,
                          {k: st[k] for k in INFO_KEYS if k in st}))
    requests = doc.get("requests")
    if not isinstance(requests, list):
        raise PlanError("plan has no \"requests\" list")
    seen: set[int] = set()
    for n, req in enumerate(requests, 1):
        if not isinstance(req, dict) or not isinstance(req.get("action"), str) or not isinstance(req.get("body"), dict):
            raise PlanError(f"request {n} needs \"action\" (string) and \"body\" (object)")
        numbers = req.get("steps")
        if not (isinstance(numbers, list) and numbers and all(type(s) is int and s > 0 for s in numbers)):
            raise PlanError(f"request {n} needs \"steps\": a non-empty list of step numbers")
        if seen & set(numbers) or len(set(numbers)) != len(numbers):
            raise PlanError(f"request {n} repeats a step number: each step is sent once")
        if max(numbers) > MAX_PLAN_STEPS:
            raise PlanError(f"request {n} names step {max(numbers)}; a plan holds at most {MAX_PLAN_STEPS} steps "
                            "(MAX_PLAN_STEPS)")
        seen.update(numbers)
        act = catalog().get(req["action"])
        if act is not None and act.batch_of:
            items = req["body"].get("requests")
            if not isinstance(items, list) or len(items) != len(numbers):
                raise PlanError(f"request {n}: a batch needs one step number per item in body.requests")
        elif len(numbers) != 1:
            raise PlanError(f"request {n}: a single {req['action']} request is one step, not {len(numbers)}")
    return steps, requests, size


def _short(value: Any, limit: int = 120) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _request_changes(given: list[dict[str, Any]], rebuilt: list[dict[str, Any]]) -> list[str]:
    changes: list[str] = []
    fields = ("action", "method", "url", "headers", "body", "steps", "request")
    for i in range(max(len(given), len(rebuilt))):
        if i >= len(rebuilt):
            changes.append(f"request {i + 1} ({given[i]['action']}, steps {given[i]['steps']}) does not follow "
                           "from any step: an extra request")
            continue
        if i >= len(given):
            changes.append(f"request {i + 1} ({rebuilt[i]['action']}, steps {rebuilt[i]['steps']}) is missing: "
                           "the steps produce it, the requests dropped it")
            continue
        for f in fields:
            if given[i].get(f) != rebuilt[i].get(f):
                changes.append(f"request {i + 1} {f}: the plan has {_short(given[i].get(f))}, "
                               f"its steps give {_short(rebuilt[i].get(f))}")
        extra = sorted(set(given[i]) - set(fields))
        if extra:
            changes.append(f"request {i + 1} has fields get_plan never writes: {', '.join(extra)}")
    if len(given) == len(rebuilt) and changes and \
            sorted(map(_canonical, given)) == sorted(map(_canonical, rebuilt)):
        changes.insert(0, "the requests are reordered")
    return changes


@dataclass
class Verified:
    steps: list[Step]
    requests: list[dict[str, Any]]  # rebuilt from the steps: what is sent
    changes: list[str]  # how the document differs from what get_plan signed; empty if untouched
    total: int  # the most steps the document claims anywhere: what "completed" must reach
    bindings: dict[str, Any]
    other_target: str | None = None  # why the (signed) plan is for another upstream; None if for this one


def verify(doc: Any, client: Upstream, key: bytes, client_id: str | None = None,
           organization_id: str | None = None) -> Verified:
    """Check that a document's requests follow from its steps and that get_plan signed it."""
    steps, given, size = _parse_document(doc)
    derived = _derived(steps, client, size, key)
    rebuilt = derived["requests"]
    changes = _request_changes(given, rebuilt)
    for name in ("secrets", "summary", "steps"):
        expected = derived.get(name)
        if doc.get(name) != expected:
            changes.append(f"{name}: the plan has {_short(doc.get(name))}, this server and the steps give "
                           f"{_short(expected)}")
    mac = doc.get("mac")
    signed = isinstance(mac, str) and bool(mac) and hmac.compare_digest(mac.encode(), sign(doc, key).encode())
    other_target = None
    given_target, here = doc.get("target"), _target(client, client_id, organization_id)
    if not isinstance(given_target, dict) or given_target.get("api") != here["api"] or any(
            given_target.get(k) and here.get(k) and given_target[k] != here[k] for k in ("client_id", "organization_id")):
        differ = [f"{k} {given_target.get(k)!r} (planned) is {here.get(k)!r} here" for k in here
                  if isinstance(given_target, dict) and given_target.get(k) != here.get(k)
                  and (k in ("api", "region") or given_target.get(k))]
        other_target = (f"the plan was made against another target: {'; '.join(differ)}" if differ and
                        isinstance(given_target, dict) else
                        f"the plan was made against {_short(given_target)}; this server sends to {_short(here)}")
        if not signed:  # an edited target is an edit; a signed one is a plan for another target
            changes.append(f"target: {other_target}")
        else:  # its requests were signed for that target's URL and headers: not an edit
            changes = [c for c in changes if not re.match(r"request \d+ (url|headers):", c)]
    if not isinstance(mac, str) or not mac:
        changes.append("the plan carries no MAC (no digest): nothing shows it is the document get_plan produced")
    elif not signed:
        changes.append("the MAC does not match: the document was changed after get_plan signed it "
                       "(or another deployment, with another key, made it)")
    claimed = [len(steps), *(n for req in given for n in req["steps"])]
    summary = doc.get("summary")
    if isinstance(summary, dict) and type(summary.get("steps")) is int and summary["steps"] <= MAX_PLAN_STEPS:
        claimed.append(summary["steps"])
    given_secrets = doc.get("secrets")
    bindings = given_secrets.get("bindings") if isinstance(given_secrets, dict) else None
    return Verified(steps, rebuilt, changes, max(claimed), bindings if isinstance(bindings, dict) else {},
                    other_target)
