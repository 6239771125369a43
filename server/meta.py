"""Tools beyond the per-action ones: plans, discovery mode, ChatGPT search/fetch; and resources.

Each of them reaches LiveChat only through the pipeline (or, for apply_plan, through the
same policy check per request), so the policy holds on these paths too.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
import hmac
from typing import Any, Literal

import mcp_types as types
from pydantic import Field, StrictBool, ValidationError
from mcp.shared.exceptions import MCPError
from mcp_types import INVALID_PARAMS

from .confirm import Asker, confirm_plan
from .objects import KINDS, ObjectError, Objects
from .pipeline import ToolResult, WaitCallback, error_result, invalid_arguments, refusal
from .plan_checks import check_plan
from .plan_store import PlanStore
from .plan_undo import undo_steps
from .plans import MAC_KEY_NAME, Plan, PlanError, apply_plan, document_steps
from .results import decode_cursor, encode_cursor, query_digest
from .policies.engine import META_TOOLS
from .runtime import Runtime
from .store import StoreUnavailable
from .store.base import LockBusy
from .tools import catalog
from .tools.schema import input_schema
from .tools.types import Input
from .untrusted import NOTE, clean, label, sanitize

Progress = Callable[[float, float | None, str], Awaitable[None]]
SEARCH_PAGE = 50  # results per search answer; next_cursor pages on


class _NoArguments(Input):
    pass


class _GetPlan(Input):
    check: StrictBool = Field(
        default=False,
        description="Check every step against the live license first (reads, counted against the budget): "
        "per-step warnings, expected_error, before/after of updates, what deletes lose; steps planned "
        "after this are checked as they are planned.",
    )
    view: Literal["document", "steps", "summary"] = Field(
        default="document",
        description="document (default): the signed plan with steps and the batch requests; steps: the same "
        "without the requests (each body once; apply_plan rebuilds them); summary: its id, MAC, target and "
        "summary only (apply by plan_id + mac; read it at livechat://plans/{id}).",
    )


class _ApplyPlan(Input):
    plan: dict[str, Any] | None = None  # the document get_plan answered
    plan_id: str | None = None
    mac: str | None = None  # with plan_id: the MAC the reviewer saw
    resume: StrictBool | None = None  # skip steps an earlier apply did (default: true with plan_id)
    allow_other_target: StrictBool | None = None
    send_expected_failures: StrictBool | None = None
    continue_on_error: StrictBool = False
    secrets: dict[str, str] | None = Field(
        default=None, description="Values for secrets.names."
    )
    accept_edited: StrictBool = Field(
        default=False,
        description="Apply a plan changed after get_plan signed it (changes listed first); only on a "
        "human's decision.",
    )


class _SearchActions(Input):
    query: str = Field(default="", description="Words to match, e.g. 'agent suspend'.")


class _DescribeAction(Input):
    name: str = Field(description="Action name from search_actions.")


class _CallAction(Input):
    name: str = Field(description="Action name.")
    arguments: dict[str, Any] | None = Field(
        default=None, description="Arguments matching describe_action's schema."
    )


class _Search(Input):
    query: str = Field(description="Text to look for, e.g. a name or email; empty lists every object.")
    cursor: str | None = Field(default=None, min_length=1, description="next_cursor of a previous search.")


class _Fetch(Input):
    id: str = Field(description="An id or url returned by search.")


@dataclass(frozen=True)
class MetaTool:
    """A tool beyond the catalogue; like a catalogue action, its arguments are a model, so the
    schema clients see and the validation calls get come from one definition."""

    name: str
    title: str
    description: str
    model: type[Input]
    read_only: bool
    destructive: bool = False
    idempotent: bool = True
    open_world: bool = False

    def tool(self) -> types.Tool:
        return types.Tool(
            name=self.name,
            title=self.title,
            description=self.description,
            input_schema=input_schema(self.model),
            annotations=types.ToolAnnotations(
                read_only_hint=self.read_only,
                destructive_hint=self.destructive,
                idempotent_hint=self.idempotent,
                open_world_hint=self.open_world,
            ),
        )


GET_PLAN = MetaTool(
    "get_plan", "Get plan",
    "Dry-run: the session's planned writes as a reviewable plan document (steps, the batch requests to "
    "send, summary, a MAC only this server can make) and its stored plan_id. Save it and apply with "
    "`livechat-mcp apply PLAN.json`, or `livechat-mcp plans apply ID`.",
    _GetPlan, read_only=True,
)
CLEAR_PLAN = MetaTool(
    "clear_plan", "Clear plan", "Dry-run: discard the session's planned writes.",
    _NoArguments, read_only=False, idempotent=True,
)
APPLY_PLAN = MetaTool(
    "apply_plan", "Apply plan",
    "Send a reviewed plan (document, or plan_id + mac) in order, each request policy-checked; an edited "
    "plan is refused. Stops at the first failure unless continue_on_error.",
    _ApplyPlan, read_only=False, destructive=True, idempotent=False, open_world=True,
)
SEARCH_ACTIONS = MetaTool(
    "search_actions", "Search actions",
    "Find LiveChat Configuration API actions this server allows: names and one-line descriptions. "
    "Empty query lists all.",
    _SearchActions, read_only=True,
)
DESCRIBE_ACTION = MetaTool(
    "describe_action", "Describe action",
    "An action's full input schema, scopes and caveats. Call before call_action.",
    _DescribeAction, read_only=True,
)
CALL_ACTION = MetaTool(
    "call_action", "Call action",
    "Run an action by name with its arguments; validated and policy-checked like a direct tool call.",
    _CallAction, read_only=False, destructive=True, idempotent=False, open_world=True,
)
SEARCH = MetaTool(
    "search", "Search configuration",
    "Search the license's configuration objects (agents, groups, bots, tags, webhooks, auto access rules, "
    "greetings, properties). Returns ids for fetch.",
    _Search, read_only=True, open_world=True,
)
FETCH = MetaTool(
    "fetch", "Fetch configuration object",
    "Fetch one configuration object by an id from search, e.g. agent:jane@example.com or group:1.",
    _Fetch, read_only=True, open_world=True,
)

WHOAMI = MetaTool(
    "whoami", "Who am I",
    "The account, organization, client id and region behind the credential; the mode and what it means "
    "for writes; how many tools the policy hides, per rule.",
    _NoArguments, read_only=True,
)

# Every tool beyond the catalogue; the policy engine's META_TOOLS names the same ones.
ALL_META = (GET_PLAN, CLEAR_PLAN, APPLY_PLAN, SEARCH_ACTIONS, DESCRIBE_ACTION, CALL_ACTION, SEARCH, FETCH, WHOAMI)

_META_FIX = {
    "get_plan": "run with --dry-run",
    "clear_plan": "run with --dry-run",
    "apply_plan": "run with --allow-writes (mode = \"read-write\")",
    "search_actions": "run with --discovery",
    "describe_action": "run with --discovery",
    "call_action": "run with --discovery",
    "search": "allow at least one list_* read tool",
    "fetch": "allow at least one list_* read tool",
    "whoami": "remove it from deny_tools",
}

class MetaTools:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.objects = Objects(runtime.pipeline, runtime.client_id)

    @property
    def _pipeline(self) -> Any:
        return self.runtime.pipeline

    def active(self) -> list[MetaTool]:
        policy = self.runtime.policy.policy
        tools: list[MetaTool] = []
        if policy.discovery:
            tools += [SEARCH_ACTIONS, DESCRIBE_ACTION, CALL_ACTION]
        if policy.mode == "dry-run":
            tools += [GET_PLAN, CLEAR_PLAN]
        if policy.writes_allowed:
            tools.append(APPLY_PLAN)
        if self.objects.readable_kinds():
            tools += [SEARCH, FETCH]
        tools.append(WHOAMI)
        return [t for t in tools if not self.runtime.policy.denies_meta(t.name)]

    def tools(self) -> list[types.Tool]:
        return [t.tool() for t in self.active()]

    def handles(self, name: str) -> bool:
        return name in META_TOOLS

    async def call(
        self, name: str, args: dict[str, Any], *, session: str, on_wait: WaitCallback, progress: Progress,
        ask: Asker | None = None,
    ) -> ToolResult:
        denied = self.runtime.policy.denies_meta(name)
        if denied:
            return error_result(
                "refused", f"{name} matches deny_tools entry {denied!r}. Nothing was sent.", rule="deny_tools",
                how_to_allow=f"remove {denied!r} from deny_tools",
            )
        if name not in {t.name for t in self.active()}:
            return error_result(
                "refused", f"{name} is not available under this policy. Nothing was sent.", rule="mode",
                how_to_allow=_META_FIX.get(name, "see `livechat-mcp policy`"),
            )
        tool = next(t for t in self.active() if t.name == name)
        if not isinstance(args, dict):
            return error_result("validation", f"Arguments to {name} must be a JSON object. Nothing was sent.")
        try:
            parsed: Any = tool.model.model_validate(args)
        except ValidationError as exc:
            return invalid_arguments(name, exc, args)
        if name in ("get_plan", "apply_plan"):
            try:  # the key that signs and verifies plans (the same for every process of the deployment)
                key = await self.runtime.store.shared_secret(MAC_KEY_NAME)
            except StoreUnavailable as exc:
                return error_result("unavailable", f"The state store cannot be reached ({exc}); retry later. "
                                    "Nothing was sent.")
        if name == "get_plan":
            if parsed.check:
                await check_plan(self._pipeline, self._pipeline.plan(session), session)
            doc = self._pipeline.plan(session).document(
                self.runtime.client, self.runtime.policy.policy.max_batch_size, key, scrub=self.runtime.scrubber.json,
                client_id=self.runtime.client_id,
            )
            if doc["steps"]:
                try:
                    doc["plan_id"] = await PlanStore(self.runtime.store).save(doc, session)
                except StoreUnavailable:
                    pass  # the document is still the portable artifact; only the by-id handover is lost
            if parsed.view == "steps":
                doc = {k: v for k, v in doc.items() if k != "requests"}
            elif parsed.view == "summary":
                doc = {k: doc[k] for k in ("plan_id", "mac", "target", "created_at", "summary") if k in doc}
            # The plan is the caller's own writes and must round-trip to apply unchanged: not relabelled,
            # unless its checks copied license text into it (before values, what deletes lose, warnings
            # naming objects): then it is data like any read (hand it over by plan_id + mac).
            checked = any(k in st for st in doc.get("steps", []) for k in ("changes", "lost", "warnings"))
            return ToolResult(doc, untrusted=checked)
        if name == "clear_plan":
            cleared = self._pipeline.plan(session).clear()
            return ToolResult({"cleared_steps": cleared}, untrusted=False)
        if name == "apply_plan":
            return await self._apply(parsed, key, session, progress, ask)
        if name == "whoami":
            return ToolResult(whoami(self.runtime, len(self.active())))
        if name == "search_actions":
            return ToolResult(self._search_actions(parsed.query), untrusted=False)
        if name == "describe_action":
            return self._describe(parsed.name)
        if name == "call_action":
            result = await self._pipeline.call(parsed.name, parsed.arguments or {}, session=session, on_wait=on_wait,
                                               ask=ask)
            result.audited = True  # as the action it ran, by the pipeline
            return result
        if name == "search":
            return await self._search(parsed.query, session, parsed.cursor)
        return await self._fetch(parsed.id, session)

    async def _apply(self, parsed: _ApplyPlan, key: bytes, session: str, progress: Progress,
                     ask: Asker | None = None) -> ToolResult:
        """apply_plan: a document, or a stored plan by id and the MAC its reviewer saw; resumed
        from the plan's journal, under the plan's lock (server/plan_store.py)."""
        plans = PlanStore(self.runtime.store)
        doc = parsed.plan
        if (doc is None) == (parsed.plan_id is None):
            return error_result("validation", "Give either plan (the document) or plan_id with mac. Nothing was sent.")
        try:
            if parsed.plan_id is not None:
                record = await plans.get(parsed.plan_id)
                # A stored plan is its maker's: another principal/session cannot apply it by id.
                if record is None or (session != "process" and record["owner"] != session):
                    return error_result("not_found", f"No stored plan {parsed.plan_id!r} (plans expire after 30 "
                                        "days; `livechat-mcp plans list`). Nothing was sent.")
                doc = record["document"]
                if not isinstance(parsed.mac, str) or not hmac.compare_digest(parsed.mac.encode(), doc["mac"].encode()):
                    return error_result("refused", "The mac given is not the stored plan's: the plan reviewed is not "
                                        "this one. Nothing was sent.", rule="plan_edited",
                                        how_to_allow="review the plan again (get_plan / livechat://plans/{id})")
            resume = parsed.resume if parsed.resume is not None else parsed.plan_id is not None
            stopped = await confirm_plan(self.runtime, doc, ask, session)  # asks once, if the policy says
            if stopped is not None:
                return stopped
            mac = doc.get("mac") if isinstance(doc, dict) and isinstance(doc.get("mac"), str) and doc.get("mac") else None
            if mac is None:
                return await self._apply_doc(parsed, doc, key, progress, None, None, session)
            try:
                async with plans.lock(mac):
                    journal = await plans.done(mac)  # kept whole: a run without resume adds to it
                    done = dict(journal) if resume else {}

                    async def on_done(n: int, result: Any) -> None:
                        journal[n] = result
                        await plans.record(mac, journal)

                    return await self._apply_doc(parsed, doc, key, progress, done, on_done, session)
            except LockBusy:
                return error_result("busy", "This plan is being applied by another apply right now; nothing was "
                                    "sent. Wait for it to finish, then apply again with resume to send what is left.")
        except StoreUnavailable as exc:
            return error_result("unavailable", f"The state store cannot be reached ({exc}); retry later. "
                                "Nothing was sent.")

    async def _apply_doc(self, parsed: _ApplyPlan, doc: Any, key: bytes, progress: Progress,
                         done: dict[int, Any] | None, on_done: Any, session: str) -> ToolResult:
        try:
            report = await apply_plan(
                doc,
                pipeline=self._pipeline,
                key=key,
                continue_on_error=parsed.continue_on_error,
                accept_edited=parsed.accept_edited,
                allow_other_target=bool(parsed.allow_other_target),
                send_expected_failures=bool(parsed.send_expected_failures),
                progress=progress,
                secrets=parsed.secrets,
                done=done,
                on_done=on_done,
            )
        except PlanError as exc:
            return error_result("validation", f"Plan not applied: {exc}. Nothing was sent.")
        if report["summary"]["done"]:
            report["undo"] = await self._undo(doc, report, key, session)
        return ToolResult(self.runtime.scrubber.json(report), is_error=report["status"] != "completed")

    async def _undo(self, doc: Any, report: dict[str, Any], key: bytes, session: str) -> dict[str, Any]:
        """The plan that reverses what this apply did: signed and stored like any plan, to review
        (livechat://plans/{id}, `livechat-mcp plans show`) and apply by id."""
        steps, cannot = undo_steps(document_steps(doc), report["steps"])
        out: dict[str, Any] = {"cannot_undo": cannot}
        if not steps:
            return out
        plan = Plan()
        for action, body in steps:
            plan.add(catalog()[action], body)
        undo = plan.document(self.runtime.client, self.runtime.policy.policy.max_batch_size, key,
                             scrub=self.runtime.scrubber.json, client_id=self.runtime.client_id)
        try:
            out["plan_id"] = await PlanStore(self.runtime.store).save(undo, session)
        except StoreUnavailable:
            out["document"] = undo  # not stored: hand over the document itself
        return {**out, "mac": undo["mac"], "summary": undo["summary"]}

    # --- discovery ---------------------------------------------------------------------------

    def _allowed(self) -> list[Any]:
        return [a for a in catalog().values() if self.runtime.policy.decide(a).allowed]

    def _search_actions(self, query: str) -> dict[str, Any]:
        """Actions ranked by how many query words (or their domain synonyms) they match; an empty
        query lists every allowed action. Matches the policy refuses are listed apart, with the
        rule, so "nothing matches" and "refused" are different answers."""
        words = [w for w in query.lower().replace("_", " ").split() if w]
        hits: list[tuple[float, int, dict[str, Any]]] = []
        refused: list[dict[str, Any]] = []
        for order, act in enumerate(catalog().values()):
            score = _match_score(act, words)
            if words and score <= 0:
                continue
            decision = self.runtime.policy.decide(act)
            if decision.allowed:
                hits.append((-score, order, {"name": act.name, "description": act.description, "write": act.write}))
            elif words:
                refused.append({"name": act.name, "rule": decision.rule, "reason": decision.reason,
                                "how_to_allow": decision.fix, "_score": score})
        out: dict[str, Any] = {"actions": [hit for *_, hit in sorted(hits, key=lambda h: (h[0], h[1]))]}
        if refused:
            refused.sort(key=lambda r: -r["_score"])
            out["refused"] = [{k: v for k, v in r.items() if k != "_score"} for r in refused[:10]]
            if len(refused) > 10:
                out["refused_more"] = len(refused) - 10
        if words and not hits:
            out["note"] = ("No allowed action matches; the matches listed under refused exist but the policy "
                           "refuses them." if refused else
                           "No action matches these words; try others (e.g. agent, group, tag, webhook) or an "
                           "empty query to list every allowed action.")
        return out

    def _describe(self, name: str) -> ToolResult:
        resolved = self._pipeline.resolve(name)
        if isinstance(resolved, ToolResult):
            return resolved
        decision = self.runtime.policy.decide(resolved)
        if not decision.allowed:
            return refusal(resolved, decision)
        act = resolved
        out: dict[str, Any] = {
            "name": act.name,
            "title": act.title,
            "description": act.description,
            "scopes": act.scope_text(),
            "write": act.write,
            "destructive": act.destructive,
            "idempotent": act.idempotent,
            "input_schema": input_schema(act.model),
        }
        if decision.planned:
            out["dry_run"] = "this write will be planned, not sent"
        if act.notes:
            out["notes"] = act.notes
        if act.extra_scopes:
            out["extra_scopes"] = act.extra_scopes
        if act.batch_of:
            out["batch_of"] = act.batch_of
        elif act.batch_name:
            out["batch_variant"] = act.batch_name
        return ToolResult(out, untrusted=False)

    # --- search / fetch (ChatGPT connectors) ---------------------------------------------------

    async def _search(self, query: str, session: str, cursor: str | None = None) -> ToolResult:
        digest = query_digest({"query": query.strip().lower()})
        offset = 0
        if cursor:
            try:
                offset, _, owner = decode_cursor(cursor)
            except ValueError as exc:
                return error_result("validation", f"`cursor`: {exc}. Nothing was searched.")
            if owner != digest:
                return error_result("validation", "`cursor` belongs to another query: repeat that query with it, "
                                    "or omit cursor. Nothing was searched.")
        results, failed = await self.objects.search(query, session, limit=10**9)
        if failed and len(failed) == len(self.objects.readable_kinds()):
            return error_result("upstream", "No configuration object could be read; nothing was searched.",
                                failures=failed, untrusted=True)
        # ChatGPT reads "results"; "unavailable" tells any reader which kinds were left out and why.
        page = results[offset : offset + SEARCH_PAGE]
        out: dict[str, Any] = {"results": page}
        if offset:  # ChatGPT's exact shape whenever everything fits in one answer
            out["total"] = len(results)
        if offset + len(page) < len(results):
            out.update(total=len(results), truncated=True)
            out["next_cursor"] = encode_cursor(offset + len(page), None, digest)
            out["more"] = (f"results {offset + 1}-{offset + len(page)} of {len(results)}: search again with "
                           "the same query and cursor=next_cursor for more")
        # The answer stays plain JSON for ChatGPT, so it is labelled by a field beside the results.
        return ToolResult({**out, **({"untrusted_data": NOTE} if page else {}),
                           **({"unavailable": failed} if failed else {})}, boundary=False)

    async def _fetch(self, oid: str, session: str) -> ToolResult:
        try:
            # search answers both an id (agent:jane@example.com) and a url (livechat://agents/...).
            kind, key = (self.objects.parse_url(oid) if oid.startswith("livechat://")
                         else self.objects.parse_id(oid))
            obj = await self.objects.get(kind, key, session)
        except ObjectError as exc:
            return error_result(exc.type, exc.message, untrusted=exc.untrusted)
        oid = f"{kind.name}:{key}"
        # ChatGPT's fetch shape is fixed plain JSON: the object's text carries the boundary
        # itself, the metadata the note.
        return ToolResult(
            {
                "id": oid,
                "title": kind.title(obj),
                # "key: value" lines, labelled: ChatGPT requires a string, and JSON escaped inside a
                # JSON string is hard to read for a model and a person alike.
                "text": label(as_text(sanitize(obj))),
                "url": kind.url_of(key),
                "metadata": {"kind": kind.name, "read_with": kind.get_action or kind.list_action,
                             "untrusted_data": NOTE},
            },
            boundary=False,
        )

    # --- resources --------------------------------------------------------------------------

    def resource_templates(self) -> list[types.ResourceTemplate]:
        """One template per object collection the policy lets us read (agents, groups, ...)."""
        return [
            types.ResourceTemplate(
                name=kind.name,
                uri_template=f"livechat://{kind.collection}/{{id}}",
                description=f"One {kind.name.replace('_', ' ')} by id, as fetch returns it "
                f"({kind.get_action + ' with every field' if kind.get_action else kind.list_action}).",
                mime_type="application/json",
            )
            for kind in KINDS.values()
            if self.objects.readable(kind)
        ] + ([types.ResourceTemplate(
            name="plan", uri_template="livechat://plans/{id}",
            description="A stored plan by the plan_id get_plan answered: the signed document to review.",
            mime_type="application/json",
        )] if {t.name for t in self.active()} & {"get_plan", "apply_plan"} else [])

    async def read_resource(self, uri: str, *, session: str) -> Any:
        if uri == "livechat://policy":
            return policy_report(self.runtime)
        if uri.startswith("livechat://plans/"):
            pid = uri.removeprefix("livechat://plans/")
            try:
                record = await PlanStore(self.runtime.store).get(pid) if pid.isalnum() else None
            except StoreUnavailable as exc:
                raise MCPError(INVALID_PARAMS, f"unavailable: the state store cannot be reached ({exc})") from None
            if record is None or (session != "process" and record["owner"] != session):
                raise MCPError(INVALID_PARAMS, f"not_found: no stored plan {pid!r} (get_plan answers plan_id)",
                               {"type": "not_found"})
            return {"plan_id": pid, **record["document"],
                    "journal": {"done_steps": sorted(await PlanStore(self.runtime.store).done(record["document"]["mac"]))}}
        try:
            kind, key = self.objects.parse_url(uri)
            return await self.objects.get(kind, key, session)
        except ObjectError as exc:
            # A JSON-RPC error the client sees, not a server fault to log with a traceback.
            message = label(clean(exc.message), "LiveChat's message") if exc.untrusted else exc.message
            raise MCPError(INVALID_PARAMS, f"{exc.type}: {message}", {"type": exc.type}) from None


# Words people use for what the API calls otherwise: a query word also matches these.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "pending": ("awaiting", "approval", "approve"),
    "awaiting": ("approval", "approve"),
    "invite": ("create", "invitation"), "invitation": ("create", "approve"), "onboard": ("create", "approve"),
    "rename": ("update", "create", "delete"),
    "remove": ("delete", "unregister", "unban"), "delete": ("unregister",), "drop": ("delete",),
    "offboard": ("delete", "suspend"), "fire": ("delete", "suspend"),
    "ban": ("banned", "unban", "customer"), "banned": ("ban", "unban"), "block": ("ban", "suspend"),
    "unblock": ("unban", "unsuspend"), "lift": ("unban", "unsuspend"),
    "disable": ("suspend", "disable"), "deactivate": ("suspend", "disable"), "pause": ("suspend", "disable"),
    "enable": ("unsuspend", "enable", "approve"), "activate": ("approve", "unsuspend", "enable", "reactivate"),
    "reactivate": ("unsuspend", "reactivate"), "restore": ("unsuspend", "reactivate", "enable"),
    "add": ("create", "register"), "new": ("create", "register"), "make": ("create",),
    "edit": ("update",), "change": ("update",), "modify": ("update",), "set": ("update",), "move": ("update",),
    "show": ("list", "get"), "find": ("list", "get"), "read": ("list", "get"), "view": ("list", "get"),
    "all": ("list",), "lookup": ("get",),
    "user": ("agent",), "operator": ("agent",), "staff": ("agent",), "member": ("agent", "group"),
    "team": ("group",), "department": ("group",), "routing": ("group", "auto", "access", "priority"),
    "label": ("tag",), "campaign": ("greeting",), "hook": ("webhook",), "callback": ("webhook",),
    "rule": ("auto", "access", "greeting"), "secret": ("reset", "token"), "chatbot": ("bot",),
    "seat": ("limit", "plan"), "downgrade": ("limit", "plan"), "company": ("company", "details"),
}


def _match_score(act: Any, words: list[str]) -> float:
    """How well an action matches: first how many query words match at all (directly or through a
    synonym), then how well: each word by its best match — in the action's name (3), its
    description (1), or through a synonym (2 in the name, 0.5 elsewhere)."""
    name = set(act.name.split("_")) | {act.resource.replace("_", " ")}
    text = f"{act.name.replace('_', ' ')} {act.resource.replace('_', ' ')} {act.description}".lower()
    score = 0.0
    matched = 0
    for word in words:
        forms = _forms(word)
        best = 3.0 if forms & name else (1.0 if any(f in text for f in forms) else 0.0)
        for synonym in SYNONYMS.get(word, ()) + SYNONYMS.get(word.rstrip("s"), ()):
            if synonym in name:
                best = max(best, 2.0)
            elif synonym in text:
                best = max(best, 0.5)
        score += best
        matched += best > 0
    return matched * 100 + score


def as_text(value: Any, indent: str = "") -> str:
    """An object as indented ``key: value`` lines (lists of scalars on one line, comma-separated)."""
    lines: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, (dict, list)) and item and not _flat(item):
                lines.append(f"{indent}{key}:")
                lines.append(as_text(item, indent + "  "))
            else:
                lines.append(f"{indent}{key}: {_scalar(item)}")
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, (dict, list)) and item and not _flat(item):
                body = as_text(item, indent + "  ")
                lines.append(f"{indent}- {body.lstrip()}")
            else:
                lines.append(f"{indent}- {_scalar(item)}")
    else:
        lines.append(f"{indent}{_scalar(value)}")
    return "\n".join(lines)


def _flat(value: Any) -> bool:
    return isinstance(value, list) and all(not isinstance(v, (dict, list)) for v in value)


def _scalar(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(_scalar(v) for v in value) if value else "(none)"
    if isinstance(value, dict):
        return "(none)"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _forms(word: str) -> set[str]:
    """A query word and its singulars: "agents" finds "agent", "statuses" finds "status"."""
    forms = {word}
    if word.endswith("s") and len(word) > 3:
        forms.add(word[:-1])
    if word.endswith("es") and len(word) > 4:
        forms.add(word[:-2])
    return forms


_MODE_MEANS = {
    "read-only": "writes are refused; reads are sent to LiveChat",
    "dry-run": "writes are planned, not sent: get_plan shows them for review; an operator applies the "
    "plan (livechat-mcp apply, or apply_plan where writes are allowed)",
    "read-write": "writes are sent to LiveChat",
}


def whoami(runtime: Runtime, meta_tools: int) -> dict[str, Any]:
    """Who the credential is and what the policy lets it do, from what this server already knows
    (token info read at start, the policy): no LiveChat call. ``meta_tools``: how many tools
    beyond the catalogue are listed."""
    ctx, policy = runtime.policy, runtime.policy.policy
    decisions = ctx.decide_all()
    allowed = sum(1 for d in decisions.values() if d.allowed)
    listed = 0 if policy.discovery else (len(decisions) if policy.show_refused_tools else allowed)
    visible = listed + meta_tools
    cred = runtime.credential
    identity = {k: v for k, v in runtime.identity.items()}
    if cred.kind == "pat" and cred.account_id:
        identity.setdefault("account_id", cred.account_id)
    writes = _MODE_MEANS[policy.mode]
    if policy.mode != "read-only":
        writes += ("; destructive actions (delete, suspend, ...) are allowed" if policy.allow_destructive
                   else "; destructive actions (delete, suspend, ...) stay refused")
    hidden: dict[str, int] = {}
    for decision in decisions.values():
        if not decision.allowed:
            hidden[decision.rule] = hidden.get(decision.rule, 0) + 1
    if policy.discovery:  # every allowed action is reached through call_action, not its own tool
        hidden["discovery"] = allowed
    denied_meta = sum(1 for name in META_TOOLS if ctx.denies_meta(name))
    if denied_meta:
        hidden["deny_tools"] = hidden.get("deny_tools", 0) + denied_meta
    out: dict[str, Any] = {
        "upstream": "sandbox (an emulator: no real license)" if runtime.sandbox is not None else runtime.upstream,
        "credential": cred.describe(),
        **identity,
        "region": runtime.client.region or "dal (default)",
        "mode": policy.mode,
        "writes": writes,
        "policy": runtime.policy_source,
        "scopes": (f"{len(ctx.scopes)} in force ({ctx.scopes_source})" if ctx.scopes is not None
                   else f"not filtered ({ctx.scopes_source})"),
        "tools": {"visible": visible, "hidden": sum(hidden.values()), "hidden_by_rule": hidden},
    }
    if not identity:
        out["identity"] = "unknown: token info could not be read (a PAT or an unreachable accounts service)"
    if policy.show_refused_tools:
        out["tools"]["note"] = "refused tools are listed, marked [REFUSED]; calls to them are still refused"
    return out


def policy_report(runtime: Runtime) -> dict[str, Any]:
    ctx = runtime.policy
    decisions = ctx.decide_all()
    return {
        "policy": ctx.policy.model_dump(),
        "source": runtime.policy_source,
        "scopes_in_force": sorted(ctx.scopes) if ctx.scopes is not None else None,
        "scopes_source": ctx.scopes_source,
        "tools": {
            name: {**d.to_dict(), "write": catalog()[name].write, "destructive": catalog()[name].destructive}
            for name, d in decisions.items()
        },
    }
