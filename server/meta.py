"""Tools beyond the per-action ones: plans, discovery mode, ChatGPT search/fetch; and resources.

Each of them reaches LiveChat only through the pipeline (or, for apply_plan, through the
same policy check per request), so the policy holds on these paths too.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import mcp_types as types
from pydantic import Field, StrictBool, ValidationError
from mcp.shared.exceptions import MCPError
from mcp_types import INVALID_PARAMS

from .objects import KINDS, ObjectError, Objects
from .pipeline import ToolResult, WaitCallback, error_result, invalid_arguments, refusal
from .plans import PlanError, apply_plan
from .policies.engine import META_TOOLS
from .runtime import Runtime
from .tools import catalog
from .tools.schema import input_schema
from .tools.types import Input
from .untrusted import NOTE, clean, label, object_text

Progress = Callable[[float, float | None, str], Awaitable[None]]


class _NoArguments(Input):
    pass


class _ApplyPlan(Input):
    plan: dict[str, Any] = Field(description="The plan document from get_plan.")
    continue_on_error: StrictBool = Field(default=False, description="Go on after a failed step (default false).")
    secrets: dict[str, str] | None = Field(
        default=None, description="Values for the plan's secret placeholders by name (the plan's secrets.names)."
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
    query: str = Field(description="Text to look for, e.g. a name or email.")


class _Fetch(Input):
    id: str = Field(description="An id returned by search.")


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
    "send, summary, digest). Save it and apply with `livechat-mcp apply PLAN.json`.",
    _NoArguments, read_only=True,
)
CLEAR_PLAN = MetaTool(
    "clear_plan", "Clear plan", "Dry-run: discard the session's planned writes.",
    _NoArguments, read_only=False, idempotent=True,
)
APPLY_PLAN = MetaTool(
    "apply_plan", "Apply plan",
    "Send a reviewed plan document's requests in order. Every request is checked against the policy "
    "first; stops at the first failure unless continue_on_error. Reports each step.",
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

# Every tool beyond the catalogue; the policy engine's META_TOOLS names the same ones.
ALL_META = (GET_PLAN, CLEAR_PLAN, APPLY_PLAN, SEARCH_ACTIONS, DESCRIBE_ACTION, CALL_ACTION, SEARCH, FETCH)

_META_FIX = {
    "get_plan": "run with --dry-run",
    "clear_plan": "run with --dry-run",
    "apply_plan": "run with --allow-writes (mode = \"read-write\")",
    "search_actions": "run with --discovery",
    "describe_action": "run with --discovery",
    "call_action": "run with --discovery",
    "search": "allow at least one list_* read tool",
    "fetch": "allow at least one list_* read tool",
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
        return [t for t in tools if not self.runtime.policy.denies_meta(t.name)]

    def tools(self) -> list[types.Tool]:
        return [t.tool() for t in self.active()]

    def handles(self, name: str) -> bool:
        return name in META_TOOLS

    async def call(
        self, name: str, args: dict[str, Any], *, session: str, on_wait: WaitCallback, progress: Progress
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
        if name == "get_plan":
            doc = self._pipeline.plan(session).document(self.runtime.client, self.runtime.policy.policy.max_batch_size)
            # The plan is the caller's own writes and must round-trip to apply unchanged: not relabelled.
            return ToolResult(self.runtime.scrubber.json(doc), untrusted=False)
        if name == "clear_plan":
            cleared = self._pipeline.plan(session).clear()
            await self._pipeline.store_plan(session)  # the stored copy goes too
            return ToolResult({"cleared_steps": cleared}, untrusted=False)
        if name == "apply_plan":
            try:
                report = await apply_plan(
                    parsed.plan,
                    policy=self.runtime.policy,
                    client=self.runtime.client,
                    continue_on_error=parsed.continue_on_error,
                    progress=progress,
                    audit=self.runtime.audit,
                    secrets=parsed.secrets,
                )
            except PlanError as exc:
                return error_result("validation", f"Plan not applied: {exc}. Nothing was sent.")
            return ToolResult(self.runtime.scrubber.json(report), is_error=report["status"] != "completed")
        if name == "search_actions":
            return ToolResult(self._search_actions(parsed.query), untrusted=False)
        if name == "describe_action":
            return self._describe(parsed.name)
        if name == "call_action":
            result = await self._pipeline.call(parsed.name, parsed.arguments or {}, session=session, on_wait=on_wait)
            result.audited = True  # as the action it ran, by the pipeline
            return result
        if name == "search":
            return await self._search(parsed.query, session)
        return await self._fetch(parsed.id, session)

    # --- discovery ---------------------------------------------------------------------------

    def _allowed(self) -> list[Any]:
        return [a for a in catalog().values() if self.runtime.policy.decide(a).allowed]

    def _search_actions(self, query: str) -> dict[str, Any]:
        words = [w for w in query.lower().replace("_", " ").split() if w]
        hits = []
        for act in self._allowed():
            hay = f"{act.name.replace('_', ' ')} {act.resource} {act.description}".lower()
            if all(any(form in hay for form in _forms(w)) for w in words):
                hits.append({"name": act.name, "description": act.description, "write": act.write})
        return {"actions": hits}

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

    async def _search(self, query: str, session: str) -> ToolResult:
        results, failed = await self.objects.search(query, session)
        if failed and len(failed) == len(self.objects.readable_kinds()):
            return error_result("upstream", "No configuration object could be read; nothing was searched.",
                                failures=failed, untrusted=True)
        # ChatGPT reads "results"; "unavailable" tells any reader which kinds were left out and why.
        # The answer stays plain JSON for ChatGPT, so it is labelled by a field beside the results.
        return ToolResult({"results": results, **({"untrusted_data": NOTE} if results else {}),
                           **({"unavailable": failed} if failed else {})}, boundary=False)

    async def _fetch(self, oid: str, session: str) -> ToolResult:
        try:
            kind, key = self.objects.parse_id(oid)
            obj = await self.objects.get(kind, key, session)
        except ObjectError as exc:
            return error_result(exc.type, exc.message, untrusted=exc.untrusted)
        # ChatGPT's fetch shape is fixed plain JSON: the object's text carries the boundary
        # itself (the same text resources/read answers), the metadata the note.
        return ToolResult(
            {
                "id": oid,
                "title": kind.title(obj),
                "text": object_text(obj),
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
        ]

    async def read_resource(self, uri: str, *, session: str) -> Any:
        if uri == "livechat://policy":
            return policy_report(self.runtime)
        try:
            kind, key = self.objects.parse_url(uri)
            return await self.objects.get(kind, key, session)
        except ObjectError as exc:
            # A JSON-RPC error the client sees, not a server fault to log with a traceback.
            message = label(clean(exc.message), "LiveChat's message") if exc.untrusted else exc.message
            raise MCPError(INVALID_PARAMS, f"{exc.type}: {message}", {"type": exc.type}) from None


def _forms(word: str) -> set[str]:
    """A query word and its singulars: "agents" finds "agent", "statuses" finds "status"."""
    forms = {word}
    if word.endswith("s") and len(word) > 3:
        forms.add(word[:-1])
    if word.endswith("es") and len(word) > 4:
        forms.add(word[:-2])
    return forms


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
