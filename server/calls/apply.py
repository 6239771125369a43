"""Applying a reviewed plan document: the pipeline, orchestrated over a plan's requests.

Why here, in the call path, and not in server/plans/: applying sends. It drives the pipeline
(prepare, execute), reads the policy's outcome and LiveChat's per-item errors, which are all
above the plans package; the plans package keeps what a plan *is* (document, references,
checks, undo, stores) and imports none of that: the document code (server/plans/document.py:
build, mask, sign, parse, verify) is pure. What applying adds is the plan's own checks (the MAC
and edits, the target, secrets and their bindings, expected failures, references to earlier
steps, the journal of a resumed apply); every request then goes through ``Pipeline.prepare`` (resolve,
decide, validate, audit a refusal) and ``Pipeline.execute`` (send in chunks, redact, scrub,
audit). So a refused plan request writes the audit line a refused direct call writes, a large
hand-edited batch is chunked by the same code, and a step's validation error is the answer a
direct call gets.
"""

from __future__ import annotations

import copy
import hmac
import sys
from collections.abc import Awaitable, Callable, Collection
from typing import Any

from ..api.client import LiveChatClient
from ..api.errors import item_responses, parse_error
from ..plans import refs as plan_refs
from ..plans.document import (
    SECRET_REF,
    SUPPLY_HOW,
    PlanError,
    _short,
    bind_secret,
    document_steps,
    secret_name,
    sign,
    verify,
    with_requests,
)
from ..plans.stale import RULE, Staleness, check_stale
from ..plans.store import entry_at, entry_result
from ..plans.times import when
from ..policies import Outcome
from ..safety.redact import Scrubber
from ..tools import Action, catalog
from ..tools.results import ranges
from .answers import ToolResult
from .context import CallContext
from .pipeline import Pipeline, PlanSteps, Prepared


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
        return [(single, item, n) for item, n in zip(req["body"]["requests"], req["steps"], strict=False)
                if isinstance(item, dict)]
    return [(act, req["body"], req["steps"][0])]


def _placeholders(req: dict[str, Any]) -> dict[str, tuple[Action, dict[str, Any], str]]:
    """The secret placeholders of a request that sit where get_plan put them: in a secret
    field of the step they name. {name: (single action, item body, field)}."""
    found: dict[str, tuple[Action, dict[str, Any], str]] = {}
    for single, body, n in _items(req):
        if single is None:
            continue
        for key in single.secret_input_keys:
            name = secret_name(n, key)
            if body.get(key) == {SECRET_REF: name}:
                found[name] = (single, body, key)
    return found


def _fill(req: dict[str, Any], secrets: dict[str, str]) -> dict[str, Any]:
    """The request body with each supplied secret put back in its own field (only there)."""
    body: dict[str, Any] = copy.deepcopy(req["body"])
    filled = {**req, "body": body}
    for name, (_, item, key) in _placeholders(filled).items():
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


def _repointed(req: dict[str, Any], secrets: dict[str, str], bindings: dict[str, Any],
               client: LiveChatClient, key: bytes) -> list[str]:
    """The supplied secrets of ``req`` whose step no longer names the action and destination
    the secret was reviewed for (or whose binding get_plan did not sign)."""
    bad = []
    for name, (single, body, _) in _placeholders(req).items():
        if name not in secrets:
            continue
        now = bind_secret(name, single.name, body, client, key)
        reviewed = bindings.get(name)
        if not isinstance(reviewed, dict) or not hmac.compare_digest(str(reviewed.get("mac", "")), now["mac"]):
            was = (f"{reviewed.get('action')} to {_short(reviewed.get('destination'))} at {reviewed.get('api')}"
                   if isinstance(reviewed, dict) else "nothing (no binding)")
            bad.append(f"{name} was reviewed for {was}; the step now sends it with {single.name} to "
                       f"{_short(now['destination'])} at {now['api']}")
    return bad



def journal_key(doc: Any, client: LiveChatClient, key: bytes) -> str | None:
    """The journal an apply of ``doc`` reads and writes: the MAC the document carries when that MAC
    signed exactly this document, else the MAC of its own content. An edited document (applied
    with accept_edited) keeps a journal of its own: the MAC it claims never lets it read or write
    another plan's. None when it carries no MAC (or is no plan: apply_plan says what is wrong)."""
    mac = doc.get("mac") if isinstance(doc, dict) else None
    if not isinstance(mac, str) or not mac:
        return None
    try:
        return sign(with_requests(doc, client), key)  # == mac when untouched (the steps view too)
    except (PlanError, TypeError, ValueError):
        return None


def _announce_edit(changes: list[str]) -> None:
    """An accepted edit is said out loud before anything is sent (stderr: the operator's console,
    the server's log)."""
    lines = "\n".join(f"  - {c}" for c in changes)
    print(f"livechat-mcp: WARNING: applying an EDITED plan (accept_edited); it differs from what get_plan "
          f"signed:\n{lines}\nlivechat-mcp: sending the requests rebuilt from its steps, each re-checked.",
          file=sys.stderr, flush=True)


async def _prepare(req: dict[str, Any], pipeline: Pipeline, call: CallContext, secrets: dict[str, str],
                   bindings: dict[str, Any], key: bytes, actions: dict[int, str]) -> Prepared | dict[str, Any]:
    """The request ready to send, or why it may not be sent (audited either way by the pipeline)."""
    steps = PlanSteps(list(req["steps"]), actions)

    def prepare(body: dict[str, Any]) -> Awaitable[Prepared | ToolResult]:
        return pipeline.prepare(req["action"], body, call, shape=False, plan_steps=steps, audited=req["body"],
                                via="apply_plan")

    act = catalog().get(req["action"])
    if act is None or pipeline.policy.decide_applied(act).outcome is Outcome.REFUSE:
        return _why(await prepare(req["body"]))  # the policy answers first: it refuses whatever the secrets
    why: dict[str, Any] | None = None
    missing = [name for name in _placeholders(req) if name not in secrets]
    repointed = _repointed(req, secrets, bindings, pipeline.client, key)
    body = _fill(req, secrets)
    stray = _secret_refs(body)
    if missing:
        why = {"type": "missing_secret", "rule": "secrets", "message": f"the plan does not carry {', '.join(missing)}: "
               f"{SUPPLY_HOW}"}
    elif repointed:
        why = {"type": "refused", "rule": "secret_binding",
               "message": "a secret goes only where the reviewed step sent it: " + "; ".join(repointed),
               "how_to_allow": "re-plan the step (get_plan) and review it again"}
    elif stray:
        why = {"type": "validation", "rule": "secrets",
               "message": f"secret placeholder {', '.join(stray)} is outside the secret field it names; "
               "placeholders are only filled where get_plan put them"}
    if why is not None:
        pipeline.audit_refusal(req["action"], why["rule"], req["body"], why["type"], call)
        return why
    return _why(await prepare(body))


def _why(prepared: Prepared | ToolResult) -> Prepared | dict[str, Any]:
    """A refusal from the pipeline as a step's error: the pipeline's answer, with its rule."""
    if isinstance(prepared, Prepared):
        return prepared
    error = prepared.data.get("error") if isinstance(prepared.data, dict) else None
    out = dict(error) if isinstance(error, dict) else {"type": "refused", "message": str(prepared.data)}
    out.setdefault("rule", prepared.rule or "apply_plan")
    return out


async def apply_plan(
    doc: Any,
    *,
    pipeline: Pipeline,
    call: CallContext,
    key: bytes,
    continue_on_error: bool = False,
    accept_edited: bool = False,
    secrets: Any = None,
    allow_other_target: bool = False,
    send_expected_failures: bool = False,
    confirmed: bool = False,
    done: dict[int, Any] | None = None,
    on_done: Callable[[int, Any], Awaitable[None]] | None = None,
    in_doubt: Collection[int] = (),
    before_send: Callable[[list[int]], Awaitable[None]] | None = None,
    organization_id: str | None = None,
    accept_changed: bool = False,
    earlier: Collection[int] = (),
    recheck: bool = True,
) -> dict[str, Any]:
    """Send a reviewed plan's requests in order; every step ends up done, failed, refused or not_sent.

    ``done`` holds the steps an earlier run of this plan finished (its journal: results, or entries
    with their times, server/plans/store.py): they are not sent again, and later steps' references
    are filled from them. ``on_done`` is told of
    each step as soon as it is done (to journal it before anything else is sent).
    ``in_doubt``: steps an earlier run sent without learning the outcome (it died waiting): never
    sent again blindly; they fail as ``in_doubt`` (check, then re-plan them if they did not take
    effect). ``before_send`` is told of the steps of each request just before it is sent.
    ``secrets`` supplies the values of the plan's secret placeholders by name. The requests sent
    are always the ones rebuilt from the steps (identical to the document's when it is untouched).
    ``confirmed``: the person already said yes to the whole plan (server/calls/confirm.py confirm_plan),
    so a step the policy would confirm is not asked again. Progress goes to ``call.progress``.
    Before anything is sent, the objects the plan creates, updates and deletes are read again and
    compared with what was reviewed (server/plans/stale.py): a step whose object changed since is
    refused (rule changed_since_planned) with the steps that depend on it, unless ``accept_changed``.
    ``earlier``: the steps an earlier apply did (the journal, whether or not they are sent again):
    their objects are expected to show what they did, so they are not compared. ``recheck=False``
    skips that comparison (a rehearsal's copy holds only what an export covers: its objects'
    other fields would always differ).
    """
    client = pipeline.client
    progress = call.progress
    doc = with_requests(doc, client)
    verified = verify(doc, client, key, pipeline.owner_client_id, organization_id)
    edited = bool(verified.changes)
    refuse_edit = edited and not accept_edited
    refuse_target = verified.other_target is not None and not allow_other_target
    # An edited document that is refused is still checked request by request, as given, so the
    # report says everything that is wrong with it; nothing of it is sent.
    requests = doc["requests"] if refuse_edit else verified.requests
    supplied = _parse_secrets(secrets, requests)
    scrub = Scrubber(supplied.values())
    steps: dict[int, dict[str, Any]] = {
        n: {"step": n, "action": s.action, "status": "not_sent"} for n, s in enumerate(verified.steps, 1)}
    for req in requests:
        for n in req["steps"]:
            steps.setdefault(n, {"step": n, "action": _single_name(req["action"]), "status": "not_sent"})
    for n in range(1, verified.total + 1):
        steps.setdefault(n, {"step": n, "action": None, "status": "not_sent", "error": {
            "type": "dropped", "message": f"the plan refers to step {n} but has no such step"}})
    if edited and accept_edited:
        _announce_edit(verified.changes)

    # Every request is prepared (policy, secrets, references, validation) before anything is sent.
    actions = {n: s.action for n, s in enumerate(verified.steps, 1)}
    prepared: dict[int, Prepared] = {}
    refusals: dict[int, dict[str, Any]] = {}
    for i, req in enumerate(requests):
        ready = await _prepare(req, pipeline, call, supplied, verified.bindings, key, actions)
        if isinstance(ready, Prepared):
            prepared[i] = ready
        else:
            refusals[i] = ready
    for i, why in refusals.items():
        for n in requests[i]["steps"]:
            steps[n].update(status="refused", error=why)
    # Steps the planning checks found would fail (expected_error) are refused unless told otherwise.
    known = {n: s.info["expected_error"] for n, s in enumerate(verified.steps, 1)
             if isinstance(s.info.get("expected_error"), dict)} if not send_expected_failures else {}
    for n, expected in known.items():
        if steps[n]["status"] == "not_sent":
            steps[n].update(status="refused", error={
                "type": "refused", "rule": "expected_error",
                "message": f"the plan's checks expect this step to fail with {expected.get('type')}: "
                           f"{expected.get('message')}",
                "how_to_allow": "re-plan without it, or send it anyway with apply_plan send_expected_failures: "
                                "true / --send-expected-failures"})
    stopped = refuse_edit or refuse_target or (bool(refusals or known) and not continue_on_error)

    # What changed in the license since the plan was reviewed (read once per kind, before anything is
    # sent; not when nothing will be sent anyway).
    staleness = Staleness()
    doubt_stops = bool(set(in_doubt) - set(done or {})) and not continue_on_error  # (marked failed below)
    if recheck and not stopped and not doubt_stops:
        staleness = await check_stale(
            pipeline, verified.steps, call.session, checked=_checked(doc), done=set(earlier) | set(done or {}),
            skip={n for n, st in steps.items() if st["status"] != "not_sent"} | set(known) | set(in_doubt))
    held: set[int] = set()
    if staleness.stale and not accept_changed:
        for n, why in staleness.stale.items():
            steps[n].update(status="refused", error=why)
            pipeline.audit_refusal(steps[n]["action"], RULE, verified.steps[n - 1].body, why["type"], call)
        for n, cause in staleness.held.items():
            if steps[n]["status"] == "not_sent" and n not in (done or {}):
                steps[n]["error"] = {"type": "dependency", "message": f"not sent: it depends on step {cause}, whose "
                                     "object changed since the plan was reviewed (changed_since_planned)"}
        held = set(staleness.stale) | set(staleness.held)
        stopped = stopped or not continue_on_error

    total = len(requests)
    results: dict[int, Any] = {}
    for n, entry in (done or {}).items():  # steps a previous run of this plan finished (its journal)
        if n in steps:
            result = entry_result(entry)
            steps[n].update(status="done", result=result, journal=True,
                            **({"done_at": when(at)} if (at := entry_at(entry)) is not None else {}))
            results[n] = result
    for n in sorted(set(in_doubt) - set(results)):
        if n in steps:
            steps[n].update(status="failed", error={
                "type": "in_doubt", "message": "an earlier apply of this plan sent this step and stopped before "
                f"its answer came: it may have taken effect. It is not sent again: check with a read (get_* or "
                f"list_*) whether {steps[n]['action']} took effect, and re-plan it if it did not; apply with "
                "continue_on_error to send the steps after it."})
            stopped = stopped or not continue_on_error
    for i, req in enumerate(requests):
        if stopped:
            break
        if i in refusals:
            continue
        ready = prepared[i]
        act = ready.act
        # Each item: skipped when already done, held back when it uses what an earlier step did
        # not create, else filled from the earlier results and sent.
        items = list(zip(req["steps"], ready.body["requests"], strict=True)) if act.batch_of else [(req["steps"][0], ready.body)]
        sendable: list[tuple[int, dict[str, Any]]] = []
        for n, item in items:
            if n in results or n in known or n in in_doubt or n in held:
                continue
            filled, missing = plan_refs.fill(item, results)
            if missing:
                gone = sorted({int(m.split(".")[0][4:]) for m in missing})
                steps[n].update(status="not_sent", error={
                    "type": "dependency",
                    "message": f"not sent: it uses {', '.join(missing)}, and step {', '.join(map(str, gone))} "
                               f"{'was' if len(gone) == 1 else 'were'} not done "
                               f"({', '.join(steps[g]['status'] if g in steps else 'missing' for g in gone)})"})
                continue
            sendable.append((n, filled))
        if not sendable:
            continue
        numbers = [n for n, _ in sendable]
        payload = {**ready.body, "requests": [b for _, b in sendable]} if act.batch_of else sendable[0][1]
        if progress:
            await progress(i, total, f"request {i + 1}/{total}: {req['action']}")
        if before_send is not None:
            await before_send(numbers)
        answer = await pipeline.execute(ready, call, body=payload, confirmed=confirmed)
        data = answer.data
        if answer.is_error and not (act.batch_of and isinstance(data, dict) and "responses" in data):
            error = data.get("error") if isinstance(data, dict) else None
            for n in numbers:
                steps[n].update(status="failed", error=error if isinstance(error, dict) else {"type": "failed"})
            stopped = not continue_on_error
            continue
        answers = item_responses(data, len(numbers)) if act.batch_of else [data]
        for n, item in zip(numbers, answers, strict=False):
            parsed = parse_error(item) if act.batch_of else None
            if parsed:
                steps[n].update(status="failed", error={"type": parsed[0], "message": parsed[1],
                                                        **({"data": parsed[2]} if parsed[2] else {})})
            else:
                steps[n].update(status="done", result=item)
                results[n] = item
                if on_done is not None:
                    await on_done(n, item)
        if any(steps[n]["status"] == "failed" for n in numbers):
            stopped = not continue_on_error
    if progress:
        await progress(total, total, "plan applied" if not stopped else "plan stopped")

    ordered = [steps[n] for n in sorted(steps)]
    counts = {s: sum(1 for st in ordered if st["status"] == s) for s in ("done", "failed", "refused", "not_sent")}
    # "completed" only when every step the reviewed plan had is done: none dropped, refused or unsent.
    complete = counts["done"] == len(ordered) >= verified.total
    report: dict[str, Any] = {
        "status": "refused" if refuse_edit or refuse_target else
        "completed" if complete else ("stopped" if stopped else "completed_with_errors"),
        "summary": counts,
        "steps": ordered,
    }
    if refuse_edit:
        report["error"] = {
            "type": "refused", "rule": "plan_edited",
            "message": "The plan differs from the document get_plan signed; nothing was sent.",
            "how_to_allow": "re-plan and review (get_plan), or apply this document anyway with "
                            "`livechat-mcp apply --accept-edited` / apply_plan accept_edited: true",
        }
    if refuse_target and not refuse_edit:
        report["error"] = {
            "type": "refused", "rule": "target",
            "message": f"Plan not applied: {verified.other_target}. Nothing was sent.",
            "how_to_allow": "re-plan against this target, or apply anyway with "
                            "`livechat-mcp apply --other-target` / apply_plan allow_other_target: true",
        }
    elif verified.other_target is not None:
        report["target_warning"] = f"applied to another target than planned (allow_other_target): {verified.other_target}"
    if staleness.stale and accept_changed:
        report["changed_since_planned"] = {
            "accepted": True, "note": "sent with accept_changed although their objects changed since the plan was "
            "reviewed", "steps": {str(n): why for n, why in staleness.stale.items()}}
    if staleness.not_compared:
        report["not_compared"] = _not_compared(staleness.not_compared)
    if edited:
        report["warning"] = ("EDITED PLAN applied with accept_edited: " if accept_edited else
                             "EDITED PLAN refused: ") + "; ".join(verified.changes[:3]) + (
                                 f" (and {len(verified.changes) - 3} more)" if len(verified.changes) > 3 else "")
        report["changes"] = verified.changes[:100]
    scrubbed: dict[str, Any] = scrub.json(report)
    return scrubbed


def _checked(doc: Any) -> bool:
    """Whether the plan's steps were checked against the license when planned (then they carry
    what the reviewer saw: before values, what deletes lose)."""
    checks = doc.get("checks") if isinstance(doc, dict) else None
    return isinstance(checks, dict) and checks.get("checked") is True


def _not_compared(why: dict[int, str]) -> list[dict[str, Any]]:
    """Steps the stale check could not compare, one entry per reason."""
    by_reason: dict[str, list[int]] = {}
    for n, reason in why.items():
        by_reason.setdefault(reason, []).append(n)
    return [{"steps": ranges(numbers), "why": reason} for reason, numbers in by_reason.items()]


def earlier_apply(doc: Any, journal: dict[int, Any], in_doubt: Collection[int]) -> dict[str, Any]:
    """The answer to applying a plan an earlier apply already did some of, given neither resume nor
    again: nothing is sent; the done steps are named with when they were done and their results,
    and the two ways on are offered (send the rest; send everything anew). PlanError if the
    document is unusable (apply_plan says what is wrong)."""
    steps = document_steps(doc)
    rows: list[dict[str, Any]] = []
    for n, step in enumerate(steps, 1):
        if n in journal:
            rows.append({"step": n, "action": step.action, "status": "done", "journal": True,
                         "done_at": when(entry_at(journal[n])), "result": entry_result(journal[n])})
        elif n in in_doubt:
            rows.append({"step": n, "action": step.action, "status": "not_sent", "error": {
                "type": "in_doubt", "message": "an earlier apply sent this step and stopped before its answer came: "
                "it may have taken effect"}})
        else:
            rows.append({"step": n, "action": step.action, "status": "not_sent"})
    done = [r["step"] for r in rows if r["status"] == "done"]
    times = sorted(t for n in done if (t := entry_at(journal[n])) is not None)
    last = f", last at {when(times[-1])}" if times else ""
    left = len(rows) - len(done)
    again = "`--again` / again: true sends every step anew (creates again too: a group would be created twice)"
    earlier: dict[str, Any] = {"done_steps": ranges(done), "first_done_at": when(times[0]) if times else None,
                               "last_done_at": when(times[-1]) if times else None}
    if in_doubt:
        earlier["in_doubt"] = ranges(in_doubt)
    report: dict[str, Any] = {"summary": {"done": len(done), "failed": 0, "refused": 0, "not_sent": left},
                              "steps": rows, "earlier": earlier}
    if left == 0:
        report["status"] = "already_applied"
        report["message"] = (f"Every step of this plan ({len(rows)}) was done by an earlier apply{last}. Nothing "
                             f"was sent. {again[0].upper()}{again[1:]}.")
        return report
    report["status"] = "refused"
    report["error"] = {
        "type": "refused", "rule": "already_applied",
        "message": f"An earlier apply of this plan did step{'s' if len(done) != 1 else ''} {ranges(done) or 'none'} "
                   f"({len(done)} of {len(rows)}{last})"
                   + (f"; step {ranges(in_doubt)} may have taken effect (sent, no answer)" if in_doubt else "")
                   + ". Nothing was sent.",
        "how_to_allow": f"`--resume` / resume: true sends the {left} step{'s' if left != 1 else ''} left; {again}",
    }
    return report


def _single_name(action: str) -> str:
    act = catalog().get(action)
    return act.batch_of if act and act.batch_of else action
