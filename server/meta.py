"""Tools beyond the per-action ones: plans, discovery mode, ChatGPT search/fetch; and resources.

Each of them reaches LiveChat only through the pipeline (or, for apply_plan, through the
same policy check per request), so the policy holds on these paths too.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import mcp_types as types

from .pipeline import ToolResult, WaitCallback, error_result, refusal
from .plans import PlanError, apply_plan
from .runtime import Runtime
from .tools import catalog
from .tools.schema import input_schema

Progress = Callable[[float, float | None, str], Awaitable[None]]


@dataclass(frozen=True)
class MetaTool:
    name: str
    title: str
    description: str
    schema: dict[str, Any]
    read_only: bool
    destructive: bool = False
    idempotent: bool = True
    open_world: bool = False

    def tool(self) -> types.Tool:
        return types.Tool(
            name=self.name,
            title=self.title,
            description=self.description,
            input_schema=self.schema,
            annotations=types.ToolAnnotations(
                read_only_hint=self.read_only,
                destructive_hint=self.destructive,
                idempotent_hint=self.idempotent,
                open_world_hint=self.open_world,
            ),
        )


def _obj(properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        schema["required"] = required
    return schema


GET_PLAN = MetaTool(
    "get_plan", "Get plan",
    "Dry-run: the session's planned writes as a reviewable plan document (steps, the batch requests to "
    "send, summary, digest). Save it and apply with `livechat-mcp apply PLAN.json`.",
    _obj({}), read_only=True,
)
CLEAR_PLAN = MetaTool(
    "clear_plan", "Clear plan", "Dry-run: discard the session's planned writes.",
    _obj({}), read_only=False, idempotent=True,
)
APPLY_PLAN = MetaTool(
    "apply_plan", "Apply plan",
    "Send a reviewed plan document's requests in order. Every request is checked against the policy "
    "first; stops at the first failure unless continue_on_error. Reports each step.",
    _obj(
        {
            "plan": {"type": "object", "description": "The plan document from get_plan."},
            "continue_on_error": {"type": "boolean", "description": "Go on after a failed step (default false)."},
        },
        ["plan"],
    ),
    read_only=False, destructive=True, idempotent=False, open_world=True,
)
SEARCH_ACTIONS = MetaTool(
    "search_actions", "Search actions",
    "Find LiveChat Configuration API actions this server allows: names and one-line descriptions. "
    "Empty query lists all.",
    _obj({"query": {"type": "string", "description": "Words to match, e.g. 'agent suspend'."}}),
    read_only=True,
)
DESCRIBE_ACTION = MetaTool(
    "describe_action", "Describe action",
    "An action's full input schema, scopes and caveats. Call before call_action.",
    _obj({"name": {"type": "string", "description": "Action name from search_actions."}}, ["name"]),
    read_only=True,
)
CALL_ACTION = MetaTool(
    "call_action", "Call action",
    "Run an action by name with its arguments; validated and policy-checked like a direct tool call.",
    _obj(
        {
            "name": {"type": "string", "description": "Action name."},
            "arguments": {"type": "object", "description": "Arguments matching describe_action's schema."},
        },
        ["name"],
    ),
    read_only=False, destructive=True, idempotent=False, open_world=True,
)
SEARCH = MetaTool(
    "search", "Search configuration",
    "Search the license's configuration objects (agents, groups, bots, tags, webhooks, auto access rules, "
    "greetings, properties). Returns ids for fetch.",
    _obj({"query": {"type": "string", "description": "Text to look for, e.g. a name or email."}}, ["query"]),
    read_only=True, open_world=True,
)
FETCH = MetaTool(
    "fetch", "Fetch configuration object",
    "Fetch one configuration object by an id from search, e.g. agent:jane@example.com or group:1.",
    _obj({"id": {"type": "string", "description": "An id returned by search."}}, ["id"]),
    read_only=True, open_world=True,
)

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

# Object kinds for search/fetch: the list action, how to name and title an item.
_KINDS: dict[str, tuple[str, Callable[[dict[str, Any]], str], Callable[[dict[str, Any]], str]]] = {
    "agent": ("list_agents", lambda o: str(o.get("id")), lambda o: f"Agent {o.get('name', '')} <{o.get('id')}>"),
    "group": ("list_groups", lambda o: str(o.get("id")), lambda o: f"Group {o.get('id')}: {o.get('name', '')}"),
    "bot": ("list_bots", lambda o: str(o.get("id")), lambda o: f"Bot {o.get('name', '')} ({o.get('id')})"),
    "tag": ("list_tags", lambda o: str(o.get("name")), lambda o: f"Tag {o.get('name')}"),
    "webhook": ("list_webhooks", lambda o: str(o.get("id")), lambda o: f"Webhook {o.get('action')} → {o.get('url')}"),
    "auto_access": (
        "list_auto_accesses", lambda o: str(o.get("id")), lambda o: f"Auto access {o.get('description') or o.get('id')}"
    ),
    "greeting": ("list_greetings", lambda o: str(o.get("id")), lambda o: f"Greeting {o.get('name') or o.get('id')}"),
    "property": ("list_properties", lambda o: str(o.get("_key")), lambda o: f"Property {o.get('_key')}"),
}


class MetaTools:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

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
        if self._searchable_kinds():
            tools += [SEARCH, FETCH]
        return tools

    def tools(self) -> list[types.Tool]:
        return [t.tool() for t in self.active()]

    def handles(self, name: str) -> bool:
        return name in {t.name for t in (GET_PLAN, CLEAR_PLAN, APPLY_PLAN, SEARCH_ACTIONS, DESCRIBE_ACTION,
                                          CALL_ACTION, SEARCH, FETCH)}

    async def call(
        self, name: str, args: dict[str, Any], *, session: str, on_wait: WaitCallback, progress: Progress
    ) -> ToolResult:
        if name not in {t.name for t in self.active()}:
            return error_result(
                "refused", f"{name} is not available under this policy. Nothing was sent.", rule="mode",
                how_to_allow=_META_FIX.get(name, "see `livechat-mcp policy`"),
            )
        if name == "get_plan":
            doc = self._pipeline.plan(session).document(self.runtime.client, self.runtime.policy.policy.max_batch_size)
            return ToolResult(self.runtime.scrubber.json(doc))
        if name == "clear_plan":
            return ToolResult({"cleared_steps": self._pipeline.plan(session).clear()})
        if name == "apply_plan":
            try:
                report = await apply_plan(
                    args.get("plan"),
                    policy=self.runtime.policy,
                    client=self.runtime.client,
                    continue_on_error=bool(args.get("continue_on_error", False)),
                    progress=progress,
                    audit=self.runtime.audit,
                )
            except PlanError as exc:
                return error_result("validation", f"Plan not applied: {exc}. Nothing was sent.")
            return ToolResult(self.runtime.scrubber.json(report), is_error=report["status"] != "completed")
        if name == "search_actions":
            return ToolResult(self._search_actions(str(args.get("query", ""))))
        if name == "describe_action":
            return self._describe(str(args.get("name", "")))
        if name == "call_action":
            return await self._pipeline.call(
                str(args.get("name", "")), args.get("arguments", {}), session=session, on_wait=on_wait
            )
        if name == "search":
            return await self._search(str(args.get("query", "")), session)
        return await self._fetch(str(args.get("id", "")), session)

    # --- discovery ---------------------------------------------------------------------------

    def _allowed(self) -> list[Any]:
        return [a for a in catalog().values() if self.runtime.policy.decide(a).allowed]

    def _search_actions(self, query: str) -> dict[str, Any]:
        words = [w for w in query.lower().replace("_", " ").split() if w]
        hits = []
        for act in self._allowed():
            hay = f"{act.name.replace('_', ' ')} {act.resource} {act.description}".lower()
            if all(w.rstrip("s") in hay for w in words):
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
        return ToolResult(out)

    # --- search / fetch (ChatGPT connectors) ---------------------------------------------------

    def _searchable_kinds(self) -> list[str]:
        # Every list_* action is a read, so an allowed one is sent, never planned.
        return [kind for kind, (list_action, _, _) in _KINDS.items()
                if self.runtime.policy.decide(catalog()[list_action]).allowed]

    async def _objects(self, kind: str, session: str) -> list[dict[str, Any]]:
        list_action = _KINDS[kind][0]
        args: dict[str, Any] = {}
        if kind == "webhook":
            if not self.runtime.client_id:
                return []  # list_webhooks needs the owner client id, known only from a Bearer token
            args = {"owner_client_id": self.runtime.client_id}
        result = await self._pipeline.call(list_action, args, session=session, audit=False)
        if result.is_error:
            return []
        data = result.data
        if isinstance(data, dict):
            if kind == "property":
                return [
                    {"_key": f"{ns}.{name}", **(spec if isinstance(spec, dict) else {"value": spec})}
                    for ns, props in data.items() if isinstance(props, dict)
                    for name, spec in props.items()
                ]
            for key in ("items", "greetings", "auto_accesses", "webhooks", "bots", "agents", "groups"):
                if isinstance(data.get(key), list):
                    data = data[key]
                    break
        return [o for o in data if isinstance(o, dict)] if isinstance(data, list) else []

    async def _search(self, query: str, session: str) -> ToolResult:
        words = query.lower().split()
        results = []
        for kind in self._searchable_kinds():
            _, key, title = _KINDS[kind]
            for obj in await self._objects(kind, session):
                text = json.dumps(obj, ensure_ascii=False).lower()
                if all(w in text for w in words):
                    oid = f"{kind}:{key(obj)}"
                    results.append({"id": oid, "title": title(obj), "url": _url(oid)})
        return ToolResult({"results": results[:50]})

    async def _fetch(self, oid: str, session: str) -> ToolResult:
        kind, sep, key = oid.partition(":")
        if not sep or kind not in _KINDS:
            return error_result("validation", f"id {oid!r} is not of the form kind:key with kind in {', '.join(_KINDS)}")
        if kind not in self._searchable_kinds():
            return error_result("refused", f"reading {kind} objects is refused by the policy", rule="policy")
        _, key_of, title = _KINDS[kind]
        for obj in await self._objects(kind, session):
            if key_of(obj) == key:
                return ToolResult(
                    {
                        "id": oid,
                        "title": title(obj),
                        "text": json.dumps(obj, indent=1, ensure_ascii=False),
                        "url": _url(oid),
                        "metadata": {"kind": kind},
                    }
                )
        return error_result("not_found", f"{oid} not found: use search to find ids")

    # --- resources --------------------------------------------------------------------------

    async def read_resource(self, uri: str, *, session: str) -> Any:
        if uri == "livechat://policy":
            return policy_report(self.runtime)
        for prefix, action, field in (("livechat://agents/", "get_agent", "id"), ("livechat://groups/", "get_group", "id")):
            if uri.startswith(prefix):
                key: Any = uri[len(prefix):]
                if action == "get_group":
                    if not key.isdigit():
                        raise ValueError(f"group id must be a number: {uri}")
                    key = int(key)
                result = await self._pipeline.call(action, {field: key}, session=session, audit=False)
                if result.is_error:
                    raise ValueError(json.dumps(result.data))
                return result.data
        raise ValueError(f"Unknown resource {uri}")


def _url(oid: str) -> str:
    kind, _, key = oid.partition(":")
    return f"livechat://{kind}s/{key}"


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
