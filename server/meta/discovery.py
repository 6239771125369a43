"""Discovery mode: search_actions, describe_action and call_action instead of one tool per action."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, Field

from ..calls.answers import ToolResult, refusal
from ..policies.audience import Change
from ..tools import Action, catalog, meta_names as names
from ..tools.schema import input_schema
from ..tools.types import Input
from ..tools.words import DETAIL, NAME, TEXT, Doc, Index, action_doc, schema_words
from .spec import MetaCall, MetaTool, MetaTools


class SearchActionsArgs(Input):
    query: str = Field(default="", description="Words to match, e.g. 'agent suspend'.")


class DescribeActionArgs(Input):
    name: str = Field(description="Action name from search_actions.")


class CallActionArgs(Input):
    name: str = Field(description="Action name.")
    arguments: dict[str, Any] | None = Field(
        default=None, description="Arguments matching describe_action's schema."
    )


async def search_actions(call: MetaCall, parsed: SearchActionsArgs) -> ToolResult:
    """The actions and meta tools that answer a request, best first (server/tools/words.py ranks
    them); an empty query lists every allowed action. Matches the policy refuses are listed apart,
    with the rule and the fix, so "nothing matches" and "refused" are different answers."""
    meta, query = call.meta, parsed.query
    policy = meta.runtime.policy
    if not query.strip():
        return ToolResult({"actions": [_hit(act) for act in catalog().values() if policy.decide(act).allowed]},
                          untrusted=False)
    active = {spec.name for spec in meta.active()}
    specs = {spec.name: spec for spec in meta.specs() if spec.searchable_when_unavailable or spec.name in active}
    ranked = _index(tuple(specs.values())).rank(query)
    best = ranked[0][0] if ranked else 0.0
    hits: list[dict[str, Any]] = []
    refused: list[dict[str, Any]] = []
    for score, doc in ranked:
        if score < RELEVANT * best:
            break
        act = catalog().get(doc.name)
        if act is not None:
            decision = policy.decide(act)
            if decision.allowed:
                hits.append(_hit(act))
            else:
                refused.append({"name": act.name, "rule": decision.rule, "reason": decision.reason,
                                "how_to_allow": decision.fix})
        elif doc.name in active:
            hits.append({"name": doc.name, "description": specs[doc.name].description, "tool": True})
        else:
            spec = specs[doc.name]
            why = meta.unavailable(spec)
            refused.append({"name": doc.name, "rule": why.rule, "reason": why.reason,
                            "how_to_allow": policy.audience.fix([why])})
    out: dict[str, Any] = {"actions": hits[:SHOWN]}
    if len(hits) > SHOWN:
        out["more"] = f"{len(hits) - SHOWN} weaker matches; add words to narrow the search"
    if refused:
        out["refused"] = refused[:5]
        if len(refused) > 5:
            out["refused_more"] = len(refused) - 5
    if not hits:
        out["note"] = ("No allowed action matches; the matches listed under refused exist but the policy "
                       "refuses them." if refused else
                       "No action matches these words; try others (e.g. agent, group, tag, webhook) or an "
                       "empty query to list every allowed action.")
    elif any(h.get("tool") for h in out["actions"]):
        out["tools"] = "entries with tool: true are tools of their own: call them directly, not with call_action"
    return ToolResult(out, untrusted=False)


SHOWN = 8  # results shown; the rest are counted
RELEVANT = 0.4  # a result scores at least this share of the best one's score


def _hit(act: Action) -> dict[str, Any]:
    return {"name": act.name, "description": act.description, "write": act.write}


_INDEXES: dict[tuple[str, ...], Index] = {}
HINT = 2.5  # a meta tool's search hint weighs almost as its name


def ranked(meta: MetaTools, query: str) -> list[str]:
    """Every tool that matches ``query``, best first, whatever the policy allows (search_actions
    then lists the allowed ones and the refused apart): what the evaluation set measures."""
    return [doc.name for _, doc in _index(meta.specs()).rank(query)]


def _index(specs: Sequence[MetaTool[Any]]) -> Index:
    """The catalogue's actions and the meta tools as search sees them (built once per process)."""
    key = tuple(spec.name for spec in specs)
    found = _INDEXES.get(key)
    if found is None:
        found = _INDEXES[key] = Index(search_docs(specs))
    return found


def search_docs(specs: Sequence[MetaTool[Any]]) -> list[Doc]:
    docs = [action_doc(act, n) for n, act in enumerate(catalog().values())]
    for n, spec in enumerate(specs, len(docs)):
        doc = Doc(spec.name, reads=spec.read_only, order=n)
        doc.add(NAME, spec.name)
        doc.add(HINT, spec.search_hint)
        doc.add(TEXT, f"{spec.title} {spec.description}")
        model: type[BaseModel] = spec.model
        fields, detail = schema_words(input_schema(model))
        doc.add(DETAIL, fields | detail)
        docs.append(doc)
    return docs


async def describe(call: MetaCall, parsed: DescribeActionArgs) -> ToolResult:
    meta, name = call.meta, parsed.name
    resolved = meta.pipeline.resolve(name)
    if isinstance(resolved, ToolResult):
        return resolved
    decision = meta.runtime.policy.decide(resolved)
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


async def call_action(call: MetaCall, parsed: CallActionArgs) -> ToolResult:
    result = await call.meta.pipeline.call(parsed.name, parsed.arguments or {}, call=call.context)
    result.audited = True  # as the action it ran, by the pipeline
    return result


def _discovery(meta: MetaTools) -> bool:
    return meta.runtime.policy.policy.discovery


_FIX = Change("discovery", True)
SEARCH_ACTIONS = MetaTool(
    name=names.SEARCH_ACTIONS, title="Search actions",
    description="Find LiveChat Configuration API actions this server allows: names and one-line descriptions. "
    "Empty query lists all.",
    model=SearchActionsArgs, handler=search_actions, read_only=True, available=_discovery, fix=_FIX,
    search_hint="find a tool for a task, what can this do", always_load=True,
)
DESCRIBE_ACTION = MetaTool(
    name=names.DESCRIBE_ACTION, title="Describe action",
    description="An action's full input schema, scopes and caveats. Call before call_action.",
    model=DescribeActionArgs, handler=describe, read_only=True, available=_discovery, fix=_FIX,
    search_hint="arguments, parameters, input schema of an action", always_load=True,
)
CALL_ACTION = MetaTool(
    name=names.CALL_ACTION, title="Call action",
    description="Run an action by name with its arguments; validated and policy-checked like a direct tool call.",
    model=CallActionArgs, handler=call_action, read_only=False, destructive=True, idempotent=False,
    open_world=True, available=_discovery, fix=_FIX,
    search_hint="run an action by name", always_load=True,
)
