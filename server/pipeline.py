"""The one path every tool call takes, whichever door it came in by (MCP, CLI, discovery).

resolve the name → policy → validate input → plan (dry-run) or send → result

The policy is checked before validation on purpose: a refused tool should say "refused"
straight away rather than coach the caller through fixing arguments it may never send.
Nothing reaches upstream unless both pass.
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from pydantic import ValidationError

from .api.client import LiveChatClient
from .api.errors import LiveChatError, item_responses
from .audit import AuditLog
from . import plan_refs
from .plan_refs import Path, Ref
from .plan_checks import check_step
from .confirm import Asker, build_question, declined_result
from .plans import Plan, PlanCapError, mask_request
from .store.base import StoreUnavailable
from .store.memory import MemoryStore
from .working_plans import PlanBusy, WorkingPlans
from .policies import Decision, PolicyContext
from .redact import SECRET_MARKER, Scrubber, redact_keys
from .results import shape_result, upstream_request
from .tools import Action, catalog
from .tools.catalog import to_payload
from .tools.owner import fill_owner
from .untrusted import label, sanitize
from .validation import field_errors, summary

WaitCallback = Callable[[float, str], Awaitable[None]]


@dataclass
class ToolResult:
    """A tool's answer: JSON text for every client, structured content where it is an object.

    Every answer reaches the model through ``text`` and ``structured``, so this is the one place
    license text is made safe to read (server/untrusted.py): an answer that may carry it
    (``untrusted``, the default) is sanitized and its text labelled as data. Only answers known
    to be the server's own words, or the caller's own input, say ``untrusted=False``.
    ``data`` itself stays as LiveChat sent it (the CLI and plans use it)."""

    data: Any
    is_error: bool = False
    audited: bool = False  # the pipeline already wrote this call's audit line
    untrusted: bool = True  # may hold text written by others: names, greetings, LiveChat's messages
    # False when the data labels itself in a fixed shape (search/fetch: ChatGPT reads plain JSON)
    boundary: bool = True

    @cached_property
    def shown(self) -> Any:
        """``data`` as the model may see it (sanitized once: ``text`` and ``structured`` both use it)."""
        return sanitize(self.data) if self.untrusted else self.data

    @property
    def text(self) -> str:
        text = json.dumps(self.shown, separators=(",", ":"), ensure_ascii=False)
        return label(text) if self.untrusted and self.boundary else text

    @property
    def structured(self) -> dict[str, Any] | None:
        if self.is_error:
            return None
        shown = self.shown
        if isinstance(shown, dict):
            return shown
        return {"items": shown}


def error_result(type: str, message: str, *, untrusted: bool = False, **extra: Any) -> ToolResult:
    """An error in the server's own words; ``untrusted`` when it quotes LiveChat or license text."""
    return ToolResult({"error": {"type": type, "message": message, **extra}}, is_error=True, untrusted=untrusted)


def plan_store_failed(exc: Exception) -> ToolResult:
    """A planned call whose plan could not be read or saved: nothing was added, try again."""
    why = ("another call on this plan has held it for over a minute" if isinstance(exc, PlanBusy)
           else f"the state store did not answer ({exc})")
    return error_result(
        "store_unavailable", f"Not planned: {why}. Nothing was added to the plan and nothing was sent.",
        retryable=True,
        what_to_do="Retry in a few seconds; if it persists, the operator should check the state store "
        "(--store / LIVECHAT_MCP_STORE; /readyz on an HTTP server says whether it answers).",
    )


def invalid_arguments(tool: str, exc: ValidationError, arguments: Any) -> ToolResult:
    """The one answer every tool, action or meta, gives to arguments its model refuses."""
    errors = field_errors(exc, arguments)
    return error_result(
        "validation",
        f"Invalid arguments for {tool}: {summary(errors)}. Nothing was sent.",
        fields=errors,
        what_to_do="Fix the named fields (see the tool's input schema) and call again.",
    )


def refusal(act: Action, decision: Decision) -> ToolResult:
    """The one refusal every path gives for an action the policy refuses."""
    return error_result(
        "refused",
        f"{act.name} is refused by the policy: {decision.reason}. Nothing was sent.",
        rule=decision.rule,
        how_to_allow=decision.fix,
    )


class Pipeline:
    def __init__(
        self,
        *,
        policy: PolicyContext,
        client: LiveChatClient,
        scrubber: Scrubber,
        audit: AuditLog | None = None,
        plans: WorkingPlans | None = None,
    ) -> None:
        self.policy = policy
        self.client = client
        self.scrub = scrubber
        self.audit = audit
        # The working plan of each session, in the state store (server/working_plans.py); the
        # runtime gives the deployment's store and the principal this pipeline acts for.
        self.plans = plans if plans is not None else WorkingPlans(MemoryStore())
        # The Bearer token's client id (token info), the default owner_client_id (tools/owner.py).
        self.owner_client_id: str | None = None

    # --- the call path -------------------------------------------------------------------------

    def resolve(self, name: str) -> Action | ToolResult:
        act = catalog().get(name)
        if act is not None:
            return act
        lowered = {n.lower(): n for n in catalog()}
        guess = lowered.get(str(name).strip().lower())
        hint = f" Did you mean {guess!r}? Tool names are exact and case-sensitive." if guess else ""
        return error_result("unknown_tool", f"There is no tool named {name!r}.{hint}")

    def decide(self, act: Action) -> Decision:
        return self.policy.decide(act)

    async def call(
        self,
        name: str,
        arguments: Any,
        *,
        session: str = "default",
        on_wait: WaitCallback | None = None,
        audit: bool = True,
        shape: bool = True,
        ask: Asker | None = None,
    ) -> ToolResult:
        """Run one call. ``audit=False`` is for internal reads made on behalf of a meta tool,
        which writes its own single audit line; ``shape=False`` too, for LiveChat's answer as is
        (whole lists, no outcome: search/fetch read every object). ``ask`` puts a question to the
        person when the policy wants a confirmation (server/confirm.py); without it such a call
        is refused."""
        started = time.perf_counter()
        log = self.audit if audit else None
        resolved = self.resolve(name)
        if isinstance(resolved, ToolResult):
            self._audit(log, name, "refused", "unknown_tool", arguments, started, {"error": "unknown_tool"}, session)
            return resolved
        act = resolved
        decision = self.decide(act)
        if not decision.allowed:
            self._audit(log, act.name, "refused", decision.rule, arguments, started, None, session)
            return refusal(act, decision)
        if arguments is None:
            arguments = {}
        if not isinstance(arguments, dict):
            self._audit(log, act.name, "refused", "validation", None, started, {"error": "validation"}, session)
            return error_result("validation", "Arguments must be a JSON object. Nothing was sent.")
        refs: list[tuple[Path, list[Ref]]] = []
        if decision.planned:
            # A planned step may name what an earlier step creates ({"$ref": "step1.id"}): checked
            # here against the catalogue's declaration, stood in for while the model validates.
            try:
                current = await self.plans.load(session)
            except StoreUnavailable as exc:
                self._audit(log, act.name, "refused", "plan_store", arguments, started,
                            {"error": "store_unavailable"}, session)
                return plan_store_failed(exc)
            given = arguments
            checked = self._plan_refs(act, arguments, current)
            if isinstance(checked, ToolResult):
                self._audit(log, act.name, "refused", "validation", arguments, started, {"error": "validation"}, session)
                return checked
            arguments, refs = checked
        try:
            request = act.model.model_validate(arguments)
        except ValidationError as exc:
            self._audit(log, act.name, "refused", "validation", arguments, started, {"error": "validation"}, session)
            return invalid_arguments(act.name, exc, arguments)
        body = to_payload(request)
        missing = fill_owner(act, body, client_id=self.owner_client_id, credential_kind=self.client.credential.kind)
        if missing:
            self._audit(log, act.name, "refused", "validation", arguments, started, {"error": "validation"}, session)
            return error_result(
                "validation",
                f"Invalid arguments for {act.name}: {', '.join(missing)} is required when authorizing with a "
                "Personal Access Token (a PAT has no client id). Nothing was sent.",
                fields=[{"field": m, "error": "required when authorizing with a PAT"} for m in missing],
                what_to_do="Give owner_client_id: the Client Id of your app in the Developer Console.",
            )
        # Only what LiveChat knows is sent: paging and local filters stay here (server/results.py).
        upstream, page = upstream_request(act, request, body) if shape else (body, None)

        if decision.planned:
            for where, found in refs:
                node: Any = body
                for p in where:
                    node = node[p]
                plan_refs.restore(node, found)
            try:
                # The session's plan in the state store, locked: concurrent planned calls (on any
                # replica) each keep their step; saved only if this call ends normally.
                async with self.plans.edit(session) as plan:
                    if len(plan.steps) != len(current.steps):  # others planned meanwhile: recheck references
                        rechecked = self._plan_refs(act, given, plan)
                        if isinstance(rechecked, ToolResult):
                            self._audit(log, act.name, "refused", "validation", given, started,
                                        {"error": "validation"}, session)
                            return rechecked
                    try:
                        numbers = plan.add(act, body)
                    except PlanCapError as exc:
                        self._audit(log, act.name, "refused", "plan_cap", body, started, {"error": "limit"}, session)
                        return error_result("limit", f"Not planned: {exc}. Nothing was added to the plan.",
                                            plan_size=len(plan.steps))
                    # Shown as the plan will show it: secret fields as placeholders (server/plans.py).
                    checks = []
                    if plan.checking:  # on unless get_plan check=false: each new step is checked as it is planned
                        for n in numbers:
                            plan.steps[n - 1].info = await check_step(self, plan, n, plan.steps[n - 1], session)
                            checks.append({"step": n, **{k: v for k, v in plan.steps[n - 1].info.items()
                                                         if k in ("warnings", "expected_error", "changes")}})
                    planned = self.client.plan(act.name, mask_request(act, body, numbers)).to_dict()
                    single = act.batch_of or act.name
                    made = [plan_refs.returns(single, n) for n in numbers]
                    answer = ToolResult(
                        {
                            "planned": True,
                            "steps": numbers,
                            "plan_size": len(plan.steps),
                            # What the step(s) will create, for later steps to use: {"id": {"$ref": "step1.id"}}.
                            **({"returns": made if act.batch_of else made[0]} if any(made) else {}),
                            "request": planned,
                            **({"checks": checks} if any(len(c) > 1 for c in checks) else {}),
                            "note": "Dry-run: nothing was sent. get_plan shows the requests to review; "
                            "an operator applies them with `livechat-mcp apply` or apply_plan.",
                        },
                        untrusted=False,  # the caller's own arguments, nothing read from LiveChat
                    )
            except (StoreUnavailable, PlanBusy) as exc:
                self._audit(log, act.name, "refused", "plan_store", body, started, {"error": "store_unavailable"},
                            session)
                return plan_store_failed(exc)
            self._audit(log, act.name, "planned", decision.rule, body, started, {"steps": numbers}, session)  # saved
            return answer

        if decision.confirm:
            stopped = await self._confirm(act, body, session, ask, log, started)
            if stopped is not None:
                return stopped

        try:
            result = await self.send(act, upstream, on_wait)  # paging and local filters stay here
        except LiveChatError as err:
            self._audit(log, act.name, "allowed", decision.rule, body, started,
                        {"status": err.status, "error": err.type}, session)
            return ToolResult({"error": self.scrub.json(err.to_dict())}, is_error=True)
        if act.secret_result_keys and not self.policy.policy.reveal_secrets:
            result = redact_keys(result, act.secret_result_keys, SECRET_MARKER)
        self._audit(log, act.name, "allowed", decision.rule, body, started, {"status": 200}, session)
        # A batch answers 200 with an error per item; when every item failed, the call failed.
        responses = result.get("responses") if act.batch_of and isinstance(result, dict) else None
        failed = bool(responses) and all(isinstance(r, dict) and "error" in r for r in responses)
        if shape and not failed:
            result = shape_result(act, body, result, page)
        return ToolResult(self.scrub.json(result), is_error=failed)

    def _plan_refs(self, act: Action, arguments: dict[str, Any],
                   plan: Plan) -> tuple[dict[str, Any], list[tuple[Path, list[Ref]]]] | ToolResult:
        """(arguments with stand-ins for references, where the references were) or the refusal."""
        earlier = {n: s.action for n, s in enumerate(plan.steps, 1)}
        first = len(plan.steps) + 1
        if act.batch_of:
            items = arguments.get("requests")
            if not isinstance(items, list):
                return arguments, []
            parts = [((("requests", i), item), act.batch_of, first + i) for i, item in enumerate(items)]
        else:
            parts = [(((), arguments), act.name, first)]
        errors: list[str] = []
        out_items: list[Any] = []
        refs: list[tuple[Path, list[Ref]]] = []
        for ((where, item), single, number) in parts:
            if not isinstance(item, dict):
                out_items.append(item)
                continue
            errors += [f"step {number}: {e}" for e in plan_refs.problems(single, item, number, earlier)]
            earlier[number] = single
            stood, found = plan_refs.stand_in(single, item)
            out_items.append(stood)
            if found:
                refs.append((where, found))
        if errors:
            return error_result("validation", "Invalid reference: " + "; ".join(errors[:10]) + ". Nothing was planned.",
                                what_to_do="Use {\"$ref\": \"step<N>.id\"} from an earlier planned create's "
                                "`returns`, only in the fields its action takes references in.")
        if act.batch_of:
            return {**arguments, "requests": out_items}, refs
        return out_items[0], refs

    async def send(self, act: Action, body: dict[str, Any], on_wait: WaitCallback | None = None) -> Any:
        """Send one validated, policy-checked payload; a batch beyond max_batch_size goes in
        chunks. Direct calls and applied plans both send through here."""
        if act.batch_of and len(body["requests"]) > self.policy.policy.max_batch_size:
            return await self._send_in_chunks(act, body, on_wait)
        return await self.client.call(
            act.name, body, idempotent=act.idempotent, on_wait=on_wait, verify_hint=_verify_hint(act)
        )

    async def _confirm(
        self, act: Action, body: dict[str, Any], session: str, ask: Asker | None, log: AuditLog | None,
        started: float,
    ) -> ToolResult | None:
        """The one place a call waits for a person: None to send, or the answer that sends nothing.
        May raise confirm.NeedInput (a 2026-07-28 round) before anything is decided."""
        if ask is None or not ask.can_ask:
            self._audit(log, act.name, "refused", "confirm", body, started, {"error": "cannot_confirm"}, session)
            return error_result(
                "refused",
                f"{act.name} needs a person's confirmation under this policy (confirm = "
                f"\"{self.policy.policy.confirm}\"), and no one can be asked here (the MCP client does not "
                "support elicitation, or the CLI has no terminal). Nothing was sent.",
                rule="confirm",
                how_to_allow="use a client that supports elicitation (form mode), or run `livechat-mcp call` at an "
                "interactive terminal, which asks there",
            )
        question = await build_question(self, act, body, session)
        answer = await ask.ask(question)
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
                answer = await self.client.call(act.name, {**body, "requests": chunk}, idempotent=act.idempotent,
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
