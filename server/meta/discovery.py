"""Discovery mode: search_actions, describe_action and call_action instead of one tool per action."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from ..calls.answers import ToolResult, refusal
from ..policies.audience import Change
from ..tools import catalog, meta_names as names
from ..tools.schema import input_schema
from ..tools.types import Input
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
    """Actions ranked by how many query words (or their domain synonyms) they match; an empty
    query lists every allowed action. Matches the policy refuses are listed apart, with the
    rule, so "nothing matches" and "refused" are different answers."""
    meta, query = call.meta, parsed.query
    words = [w for w in query.lower().replace("_", " ").split() if w]
    hits: list[tuple[float, int, dict[str, Any]]] = []
    refused: list[dict[str, Any]] = []
    for order, act in enumerate(catalog().values()):
        score = _match_score(act, words)
        if words and score <= 0:
            continue
        decision = meta.runtime.policy.decide(act)
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
    return ToolResult(out, untrusted=False)


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


def _forms(word: str) -> set[str]:
    """A query word and its singulars: "agents" finds "agent", "statuses" finds "status"."""
    forms = {word}
    if word.endswith("s") and len(word) > 3:
        forms.add(word[:-1])
    if word.endswith("es") and len(word) > 4:
        forms.add(word[:-2])
    return forms


def _discovery(meta: MetaTools) -> bool:
    return meta.runtime.policy.policy.discovery


_FIX = Change("discovery", True)
SEARCH_ACTIONS = MetaTool(
    name=names.SEARCH_ACTIONS, title="Search actions",
    description="Find LiveChat Configuration API actions this server allows: names and one-line descriptions. "
    "Empty query lists all.",
    model=SearchActionsArgs, handler=search_actions, read_only=True, available=_discovery, fix=_FIX,
)
DESCRIBE_ACTION = MetaTool(
    name=names.DESCRIBE_ACTION, title="Describe action",
    description="An action's full input schema, scopes and caveats. Call before call_action.",
    model=DescribeActionArgs, handler=describe, read_only=True, available=_discovery, fix=_FIX,
)
CALL_ACTION = MetaTool(
    name=names.CALL_ACTION, title="Call action",
    description="Run an action by name with its arguments; validated and policy-checked like a direct tool call.",
    model=CallActionArgs, handler=call_action, read_only=False, destructive=True, idempotent=False,
    open_world=True, available=_discovery, fix=_FIX,
)
