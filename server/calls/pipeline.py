"""The one path every tool call takes, whichever door it came in by (MCP, CLI, discovery, apply).

``prepare``: resolve the name → policy → validate input (refusals audited here);
``execute``: plan (dry-run) or confirm → send (in chunks) → redact → scrub → audit → result.
A direct call is both; applying a plan, discovery's call_action and confirmations only
orchestrate them, so a refusal, a chunked batch and an audit line look the same on every path.

The policy is checked before validation on purpose: a refused tool should say "refused"
straight away rather than coach the caller through fixing arguments it may never send.
Nothing reaches upstream unless both pass.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from ..api.client import LiveChatClient
from ..api.errors import LiveChatError, item_responses
from ..observe import NOBODY, Observer
from ..plans import refs as plan_refs
from ..plans.checks import check_step
from ..plans.document import MAX_CALL_STEPS, Plan, PlanCapError, Step, call_cap_message, mask_request
from ..plans.refs import Path, Ref
from ..plans.working import PlanBusy, WorkingPlans
from ..policies import Decision, Outcome, PolicyContext
from ..policies.audience import Change, Refusal
from ..safety.redact import SECRET_MARKER, Scrubber, redact_keys
from ..store.base import StoreUnavailable
from ..store.memory import MemoryStore
from ..tools import Action, catalog
from ..tools.catalog import to_payload
from ..tools.listing import Listed
from ..tools.owner import fill_owner
from ..tools.results import SMALL_BATCH, ranges, shape_result, upstream_request
from .answers import ToolResult, error_result, invalid_arguments, plan_store_failed, refusal, refused_result
from .audit import AuditLog
from .confirm import Asker, NeedInput, build_question, declined_result
from .context import CallContext, WaitCallback


@dataclass
class PlanSteps:
    """Where a request sits in a plan: its items' step numbers and every step's (single) action,
    which is what its references ({"$ref": "step<N>.id"}) are checked against."""

    numbers: list[int]
    actions: Mapping[int, str] = field(default_factory=dict)


class NextActions(Mapping[int, str]):
    """Every step's action once a planning call's items join a plan: the plan's own steps, then
    ``count`` steps of ``single``. A view, not a copy: building it costs nothing whatever the
    plan's size, and each lookup is one index (a batch's references are checked in time linear
    in its items, not items x plan steps)."""

    def __init__(self, steps: Sequence[Step], single: str, count: int) -> None:
        self.steps, self.single, self.count = steps, single, count

    def __getitem__(self, n: int) -> str:
        if type(n) is int and 1 <= n <= len(self.steps):
            return self.steps[n - 1].action
        if type(n) is int and len(self.steps) < n <= len(self.steps) + self.count:
            return self.single
        raise KeyError(n)

    def __len__(self) -> int:
        return len(self.steps) + self.count

    def __iter__(self) -> Iterator[int]:
        return iter(range(1, len(self) + 1))


@dataclass
class Prepared:
    """A request that passed resolve, decide and validate: what ``execute`` needs."""

    act: Action
    decision: Decision
    body: dict[str, Any]  # the validated payload (references, if any, restored)
    upstream: dict[str, Any]  # what is sent: paging and local filters stay here
    page: Any
    audited: Any  # the arguments audit lines show
    started: float
    audit: bool = True
    shape: bool = True
    rule: str = ""  # the rule audit lines of the send name ("apply_plan" for an applied plan)
    given: Any = None  # the arguments as given (a planned call rechecks their references)
    planned_on: int = 0  # a planned call: how many steps the plan had when its references were checked


PLANNED_NOTE = ("Planned: nothing was sent. The step joins this session's draft plan; get_plan stores it for review "
                "(state stored) and shows how it gets applied from here (its next).")
# A planned write's plan is the session's working plan: the lifecycle's first state, which has no
# record yet (server/plans/lifecycle.py). Said in the answer so the person knows nothing is stored.
DRAFT = {"state": "draft"}
SHOWN_ITEMS = 3  # a planned batch shows its first few items; get_plan shows every one


def planned_batch(act: Action, masked: dict[str, Any], numbers: list[int], plan_size: int,
                  made: list[dict[str, Any]], checks: list[dict[str, Any]], checked: bool) -> dict[str, Any]:
    """A planned batch's answer, sized to what it says: how many items, the steps they became, the
    first few, what each step will return, and what the checks found, grouped by kind with the
    numbers of every item concerned (items count from 1 in the order of ``requests``; item k is
    step first + k - 1). Every body is in the plan, for get_plan to show."""
    items = masked.get("requests") or []
    first = numbers[0] if numbers else 0
    found: dict[str, dict[str, Any]] = {}

    def note(kind: str, item: int, message: Any) -> None:
        entry = found.setdefault(kind, {"items": [], "e.g.": message})
        entry["items"].append(item)

    changed: list[int] = []
    for c in checks:
        item = c["step"] - first + 1
        for w in c.get("warnings") or []:
            note(f"warning: {w.get('kind')}", item, w.get("message"))
        if isinstance(c.get("expected_error"), dict):
            note(f"expected_error: {c['expected_error'].get('type')}", item, c["expected_error"].get("message"))
        if c.get("changes"):
            changed.append(item)
    report: dict[str, Any] = {"checked": checked}
    for kind, entry in found.items():
        report[kind] = {"items": ranges(entry["items"]), "count": len(entry["items"]), "e.g.": entry["e.g."]}
    if changed:
        report["changes"] = {"items": ranges(changed), "count": len(changed),
                             "see": "get_plan shows each step's before and after"}
    out: dict[str, Any] = {
        "planned": True,
        "action": act.name,
        "items": len(items),
        "steps": ranges(numbers),
        "plan_size": plan_size,
        "first": items[:SHOWN_ITEMS],
        # What each item will create, for later steps: step <N> of the range above.
        **({"returns": {"each": _as_pattern(made[0], first), "steps": ranges(numbers)}} if any(made) else {}),
        "checks": report,
        "lifecycle": dict(DRAFT),
        "note": PLANNED_NOTE,
    }
    if len(items) > SHOWN_ITEMS:
        out["more"] = f"items {SHOWN_ITEMS + 1}-{len(items)} are in the plan as steps: get_plan shows every one"
    return out


def _as_pattern(made: dict[str, Any], step: int) -> Any:
    """{"id": {"$ref": "step41.id"}} as {"id": {"$ref": "step<N>.id"}}: the shape every item's step returns."""
    return json.loads(json.dumps(made).replace(f'"step{step}.', '"step<N>.'))


class Pipeline:
    def __init__(
        self,
        *,
        policy: PolicyContext,
        client: LiveChatClient,
        scrubber: Scrubber,
        audit: AuditLog | None = None,
        plans: WorkingPlans | None = None,
        observer: Observer = NOBODY,
    ) -> None:
        self.policy = policy
        self.observer = observer  # hears each policy decision (server/observe.py)
        self.client = client
        self.scrub = scrubber
        self.audit = audit
        # The working plan of each session, in the state store (server/plans/working.py); the
        # runtime gives the deployment's store and the principal this pipeline acts for.
        self.plans = plans if plans is not None else WorkingPlans(MemoryStore())
        # The Bearer token's client id (token info), the default owner_client_id (tools/owner.py).
        self.owner_client_id: str | None = None

    # --- the call path: prepare, then execute -------------------------------------------------

    def resolve(self, name: str) -> Action | ToolResult:
        act = catalog().get(name)
        if act is not None:
            return act
        lowered = {n.lower(): n for n in catalog()}
        guess = lowered.get(str(name).strip().lower())
        hint = f" Did you mean {guess!r}? Tool names are exact and case-sensitive." if guess else ""
        return error_result("unknown_tool", f"There is no tool named {name!r}.{hint}")

    def decide(self, act: Action | Listed) -> Decision:
        with self.observer.policy_decision(act.name) as span:
            decision = self.policy.decide(act)
            span.set(decision=decision.outcome.value, rule=decision.rule)
        return decision

    async def call(
        self,
        name: str,
        arguments: Any,
        *,
        session: str = "default",
        audit: bool = True,
        shape: bool = True,
        ask: Asker | None = None,
        call: CallContext | None = None,
    ) -> ToolResult:
        """A direct call: ``prepare`` then ``execute``. ``audit=False`` is for internal reads made
        on behalf of a meta tool, which writes its own single audit line; ``shape=False`` too, for
        LiveChat's answer as is (whole lists, no outcome: search/fetch read every object). ``ask``
        puts a question to the person when the policy wants a confirmation (server/calls/confirm.py);
        without it such a call is refused. ``call`` carries session, progress and asker at once."""
        call = call or CallContext(session=session, ask=ask)
        prepared = await self.prepare(name, arguments, call, audit=audit, shape=shape)
        if isinstance(prepared, ToolResult):
            return prepared
        return await self.execute(prepared, call)

    async def prepare(
        self,
        name: str,
        arguments: Any,
        call: CallContext,
        *,
        audit: bool = True,
        shape: bool = True,
        plan_steps: PlanSteps | None = None,
        audited: Any = None,
        via: str | None = None,
    ) -> Prepared | ToolResult:
        """Resolve, decide, validate: the request ready to execute, or the answer that refuses it
        (audited here). ``plan_steps`` is given when the request comes from a plan document
        (apply): its references are checked against the plan's steps, it is to be sent (a dry-run
        policy refuses it), and ``via`` names the door in its audit lines; ``audited`` is what
        the audit line shows of the arguments (a plan's masked body, never filled secrets)."""
        started = time.perf_counter()
        log = self.audit if audit else None
        session = call.session

        def refused(tool: str, rule: str, result: ToolResult, shown: Any, outcome: dict[str, Any] | None,
                    step_rule: str | None = None) -> ToolResult:
            self._audit(log, tool, "refused", rule, audited if audited is not None else shown, started, outcome,
                        session)
            result.rule = step_rule or rule
            return result

        resolved = self.resolve(name)
        if isinstance(resolved, ToolResult):
            return refused(str(name), "unknown_tool", resolved, arguments, {"error": "unknown_tool"})
        act = resolved
        decision = self.decide(act)
        if plan_steps is not None:
            # Applying sends: a write the policy plans is sent only where applying is allowed
            # (approvals, checked before any step; dry-run with confirm = "writes", asked once).
            decision = self.policy.decide_applied(act)
        if decision.outcome is Outcome.REFUSE:
            return refused(act.name, decision.rule, refusal(act, decision), arguments, None)
        if arguments is None:
            arguments = {}
        if not isinstance(arguments, dict):
            return refused(act.name, "validation", error_result(
                "validation", "Arguments must be a JSON object. Nothing was sent."), None, {"error": "validation"})
        refs: list[tuple[Path, list[Ref]]] = []
        given, planned_on = arguments, 0
        if decision.outcome is Outcome.PLAN or plan_steps is not None:
            # A planned step may name what an earlier step creates ({"$ref": "step1.id"}): checked
            # here against the catalogue's declaration, stood in for while the model validates.
            steps = plan_steps
            items = arguments.get("requests") if act.batch_of and isinstance(arguments, dict) else None
            if plan_steps is None and isinstance(items, list) and len(items) > MAX_CALL_STEPS:
                # Over the cap before anything else (references, validation): a batch of 20,000
                # items is refused at once, whatever it holds, as adding it to the plan would be.
                return refused(act.name, "plan_cap", error_result(
                    "limit", f"Not planned: {call_cap_message(len(items))}. Nothing was added to the plan."),
                    {"requests": f"{len(items)} items"}, {"error": "limit"})
            checked: tuple[dict[str, Any], list[tuple[Path, list[Ref]]]] | ToolResult | None = None
            if steps is None and not plan_refs.find(arguments):
                # No reference to check against the plan so far: the step joins it under the plan's
                # lock in execute, which rechecks (planned_on -1 never matches): one store round
                # trip fewer for the common planned call (bench/store.py).
                planned_on = -1
                steps = self._next_steps(act, arguments, Plan())
            elif steps is None and (seen := self.plans.peek(session)) is not None:
                # The plan as this process last wrote or read it (no round trip); rechecked under
                # the plan's lock, where it is current. References it cannot satisfy (another
                # process planned the step named) are checked against the plan read now instead.
                planned_on = -1
                steps = self._next_steps(act, arguments, seen)
                checked = self._plan_refs(act, arguments, steps, "planned")
                if isinstance(checked, ToolResult):
                    steps = checked = None
            if steps is None:  # a planning call: its steps come after the session's plan (in the store)
                try:
                    current = await self.plans.load(session)
                except StoreUnavailable as exc:
                    return refused(act.name, "plan_store", plan_store_failed(exc), arguments,
                                   {"error": "store_unavailable"})
                planned_on = len(current.steps)
                steps = self._next_steps(act, arguments, current)
            if checked is None:
                checked = self._plan_refs(act, arguments, steps, "planned" if plan_steps is None else "sent")
            if isinstance(checked, ToolResult):
                return refused(act.name, "validation", checked, arguments, {"error": "validation"}, "references")
            arguments, refs = checked
        try:
            request = act.model.model_validate(arguments)
        except ValidationError as exc:
            return refused(act.name, "validation", invalid_arguments(act.name, exc, arguments), arguments,
                           {"error": "validation"})
        body = to_payload(request)
        missing = fill_owner(act, body, client_id=self.owner_client_id, credential_kind=self.client.credential.kind)
        if missing:
            return refused(act.name, "validation", error_result(
                "validation",
                f"Invalid arguments for {act.name}: {', '.join(missing)} is required when authorizing with a "
                "Personal Access Token (a PAT has no client id). Nothing was sent.",
                fields=[{"field": m, "error": "required when authorizing with a PAT"} for m in missing],
                what_to_do="Give owner_client_id: the Client Id of your app in the Developer Console.",
            ), arguments, {"error": "validation"})
        # Only what LiveChat knows is sent: paging and local filters stay here (server/tools/results.py).
        upstream, page = upstream_request(act, request, body) if shape else (body, None)
        for where, found in refs:
            node: Any = body
            for p in where:
                node = node[p]
            plan_refs.restore(node, found)
        return Prepared(act=act, decision=decision, body=body, upstream=upstream, page=page,
                        audited=audited if audited is not None else body, started=started, audit=audit,
                        shape=shape, rule=via or decision.rule, given=given, planned_on=planned_on)

    async def execute(self, prepared: Prepared, call: CallContext, *, body: dict[str, Any] | None = None,
                      confirmed: bool = False) -> ToolResult:
        """Plan, confirm, send (in chunks), redact, scrub, audit: the one place an upstream call is
        audited. ``body`` replaces what is sent (an applied plan fills references from earlier
        results); ``confirmed``: the person already said yes for it (apply asks once per plan)."""
        act, decision, session = prepared.act, prepared.decision, call.session
        log = self.audit if prepared.audit else None
        match decision.outcome:
            case Outcome.PLAN:
                return await self._add_to_plan(prepared, session, log)
            case Outcome.CONFIRM if not confirmed:
                stopped = await self._confirm(act, prepared.body, session, call.ask, log, prepared.started)
                if stopped is not None:
                    return stopped
            case Outcome.REFUSE:  # prepare never hands over a refusal; a caller that built one gets the answer
                return refusal(act, decision)
        upstream = prepared.upstream if body is None else body
        try:
            result = await self.send(act, upstream, call.on_wait)  # paging and local filters stay here
        except LiveChatError as err:
            self._audit(log, act.name, "allowed", prepared.rule, prepared.audited, prepared.started,
                        {"status": err.status, "error": err.type}, session)
            return ToolResult({"error": self.scrub.json(err.to_dict())}, is_error=True)
        if act.secret_result_keys and not self.policy.policy.reveal_secrets:
            result = redact_keys(result, act.secret_result_keys, SECRET_MARKER)
        self._audit(log, act.name, "allowed", prepared.rule, prepared.audited, prepared.started, {"status": 200},
                    session)
        # A batch answers 200 with an error per item; when every item failed, the call failed.
        responses = result.get("responses") if act.batch_of and isinstance(result, dict) else None
        failed = isinstance(responses, list) and bool(responses) and \
            all(isinstance(r, dict) and "error" in r for r in responses)
        if prepared.shape and (not failed or act.batch_of):  # a batch that failed whole still answers in groups
            result = shape_result(act, prepared.body, result, prepared.page)
        # Scrubbed of this credential as it was read (api/client.py _judge): not dumped again here.
        return ToolResult(result, is_error=failed)

    async def _add_to_plan(self, prepared: Prepared, session: str, log: AuditLog | None) -> ToolResult:
        """A dry-run write: the step(s) join the session's plan; the answer shows the request."""
        act, body = prepared.act, prepared.body
        try:
            # The session's plan in the state store, locked: concurrent planned calls (on any
            # replica) each keep their step; saved only if this call ends normally.
            async with self.plans.edit(session) as plan:
                if len(plan.steps) != prepared.planned_on:  # others planned meanwhile: recheck references
                    rechecked = self._plan_refs(act, prepared.given, self._next_steps(act, prepared.given, plan),
                                                "planned")
                    if isinstance(rechecked, ToolResult):
                        self._audit(log, act.name, "refused", "validation", prepared.given, prepared.started,
                                    {"error": "validation"}, session)
                        return rechecked
                try:
                    numbers = plan.add(act, body)
                except PlanCapError as exc:
                    self._audit(log, act.name, "refused", "plan_cap", body, prepared.started, {"error": "limit"},
                                session)
                    return error_result("limit", f"Not planned: {exc}. Nothing was added to the plan.",
                                        plan_size=len(plan.steps))
                # Shown as the plan will show it: secret fields as placeholders (server/plans/document.py).
                checks = []
                if plan.checking:  # on unless get_plan check=false: each new step is checked as it is planned
                    for n in numbers:
                        plan.steps[n - 1].info = await check_step(self, plan, n, plan.steps[n - 1], session)
                        checks.append({"step": n, **{k: v for k, v in plan.steps[n - 1].info.items()
                                                     if k in ("warnings", "expected_error", "changes")}})
                masked = mask_request(act, body, numbers)
                single = act.batch_of or act.name
                made = [plan_refs.returns(single, n) for n in numbers]
                if act.batch_of:
                    data = planned_batch(act, masked, numbers, len(plan.steps), made, checks, plan.checking)
                    if len(numbers) <= SMALL_BATCH:  # a few items: the request as it will be sent costs little
                        data["request"] = self.client.plan(act.name, masked).to_dict()
                else:
                    data = {
                        "planned": True,
                        "steps": numbers,
                        "plan_size": len(plan.steps),
                        # What the step will create, for later steps to use: {"id": {"$ref": "step1.id"}}.
                        **({"returns": made[0]} if any(made) else {}),
                        "request": self.client.plan(act.name, masked).to_dict(),
                        **({"checks": checks} if any(len(c) > 1 for c in checks) else {}),
                        "lifecycle": dict(DRAFT),
                        "note": PLANNED_NOTE,
                    }
                # The caller's own arguments; what the checks found may quote the license (names of
                # what exists, values before a change): then it is labelled as data like any read.
                answer = ToolResult(data, untrusted=any(len(c) > 1 for c in checks))
        except (StoreUnavailable, PlanBusy) as exc:
            self._audit(log, act.name, "refused", "plan_store", body, prepared.started,
                        {"error": "store_unavailable"}, session)
            return plan_store_failed(exc)
        self._audit(log, act.name, "planned", prepared.rule, body, prepared.started, {"steps": numbers}, session)  # saved
        return answer

    @staticmethod
    def _next_steps(act: Action, arguments: dict[str, Any], plan: Plan) -> PlanSteps:
        """The step numbers a planning call's item(s) will get, and every step's action so far."""
        first = len(plan.steps) + 1
        items = arguments.get("requests") if act.batch_of else None
        count = len(items) if isinstance(items, list) else 1
        return PlanSteps(list(range(first, first + count)), NextActions(plan.steps, act.batch_of or act.name, count))

    def _plan_refs(self, act: Action, arguments: dict[str, Any], steps: PlanSteps,
                   done: str) -> tuple[dict[str, Any], list[tuple[Path, list[Ref]]]] | ToolResult:
        """(arguments with stand-ins for references, where the references were) or the refusal.
        A step may use only what a step numbered before it creates."""
        parts: list[tuple[Path, Any, str, int]]
        if act.batch_of:
            items = arguments.get("requests")
            if not isinstance(items, list):
                return arguments, []
            parts = [(("requests", i), item, act.batch_of, n) for (i, item), n in zip(enumerate(items), steps.numbers, strict=False)]
        else:
            parts = [((), arguments, act.name, steps.numbers[0])]
        errors: list[str] = []
        out_items: list[Any] = []
        refs: list[tuple[Path, list[Ref]]] = []
        for where, item, single, number in parts:
            if not isinstance(item, dict):
                out_items.append(item)
                continue
            # One lookup per reference (problems reads only steps before ``number``).
            errors += [f"step {number}: {e}" for e in plan_refs.problems(single, item, number, steps.actions)]
            stood, found = plan_refs.stand_in(single, item)
            out_items.append(stood)
            if found:
                refs.append((where, found))
        if errors:
            return error_result("validation", "Invalid reference: " + "; ".join(errors[:10]) + f". Nothing was {done}.",
                                what_to_do="Use {\"$ref\": \"step<N>.id\"} from an earlier planned create's "
                                "`returns`, only in the fields its action takes references in.")
        if act.batch_of:
            return {**arguments, "requests": out_items + list(arguments["requests"][len(out_items):])}, refs
        return out_items[0], refs

    async def send(self, act: Action, body: dict[str, Any], on_wait: WaitCallback | None = None) -> Any:
        """Send one validated, policy-checked payload; a batch beyond max_batch_size goes in
        chunks. Direct calls and applied plans both send through here."""
        if act.batch_of and len(body["requests"]) > self.policy.policy.max_batch_size:
            return await self._send_in_chunks(act, body, on_wait)
        return await self.client.call(
            act.name, body, write=act.write, idempotent=act.idempotent, on_wait=on_wait,
            verify_hint=_verify_hint(act),
        )

    async def _confirm(
        self, act: Action, body: dict[str, Any], session: str, ask: Asker | None, log: AuditLog | None,
        started: float,
    ) -> ToolResult | None:
        """The one place a call waits for a person: None to send, or the answer that sends nothing.
        May raise confirm.NeedInput (a 2026-07-28 round) before anything is decided."""
        if ask is None or not ask.can_ask:
            self._audit(log, act.name, "refused", "confirm", body, started, {"error": "cannot_confirm"}, session)
            why = Refusal("confirm", "no one can be asked here", Change("elicitation", True, act.name))
            return refused_result(
                f"{act.name} needs a person's confirmation under this policy (confirm = "
                f"\"{self.policy.policy.confirm}\"), and no one can be asked here (the MCP client does not "
                "support elicitation, or the CLI has no terminal). Nothing was sent.",
                [why], self.policy.audience.fix([why]))
        question = await build_question(self, act, body, session)
        try:
            answer = await ask.ask(question)
        except NeedInput:  # a 2026-07-28 round: the question went to the client; the call resumes later
            self._audit(log, act.name, "asked", "confirm", body, started, {"input_required": True}, session)
            raise
        if answer == "accept":
            return None
        self._audit(log, act.name, "declined", "confirm", body, started, {"answer": answer}, session)
        return declined_result(act.name, answer)

    async def _send_in_chunks(self, act: Action, body: dict[str, Any], on_wait: WaitCallback | None) -> Any:
        """A batch larger than max_batch_size goes as several, in order, so each stays well inside
        LiveChat's 15 s processing limit. The answer keeps the batch shape, one response per item;
        after a chunk fails as a whole, its items carry that error and the rest are not sent."""
        items, size = body["requests"], self.policy.policy.max_batch_size
        responses: list[Any] = []
        for start in range(0, len(items), size):
            chunk = items[start : start + size]
            try:
                answer = await self.client.call(act.name, {**body, "requests": chunk}, write=act.write,
                                                idempotent=act.idempotent,
                                                on_wait=on_wait, verify_hint=_verify_hint(act))
            except LiveChatError as err:
                if start == 0:
                    raise  # nothing was applied: a plain failure, as for a small batch
                responses += [{"error": err.to_dict()}] * len(chunk)
                skipped = {"type": "not_sent", "message": f"not sent: items {start + 1}-{start + len(chunk)} failed "
                           "as a whole, so the rest of the batch was stopped"}
                responses += [{"error": skipped}] * (len(items) - start - len(chunk))
                break
            responses += item_responses(answer, len(chunk))
        return {"responses": responses}

    def audit_refusal(self, tool: str, rule: str, arguments: Any, error: str, call: CallContext) -> None:
        """The audit line of a request refused before the pipeline saw it (an applied plan's own
        checks: secrets and their bindings); the same line ``prepare`` writes for its refusals."""
        self._audit(self.audit, tool, "refused", rule, arguments, time.perf_counter(), {"error": error}, call.session)

    def _audit(
        self,
        log: AuditLog | None,
        tool: str,
        decision: str,
        rule: str,
        arguments: Any,
        started: float,
        outcome: dict[str, Any] | None,
        session: str,
    ) -> None:
        if log is None:
            return
        log.record(
            tool=tool,
            decision=decision,
            rule=rule,
            arguments=arguments,
            duration_ms=(time.perf_counter() - started) * 1000,
            outcome=outcome,
            session=session,
        )


def _verify_hint(act: Action) -> str:
    single = act.batch_of or act.name
    resource_reads = {
        "agents": "get_agent or list_agents",
        "bots": "get_bot or list_bots",
        "groups": "get_group or list_groups",
        "tags": "list_tags",
        "auto_access": "list_auto_accesses",
        "properties": "list_properties",
        "webhooks": "list_webhooks",
        "greetings": "list_greetings",
    }
    check = resource_reads.get(act.resource, "the matching list_* tool")
    return f"Check with {check} whether {single} took effect before calling it again."
