"""What the server says about itself: whoami (the credential, mode and hidden tools) and the policy report."""

from __future__ import annotations

from typing import Any

from ..calls.answers import ToolResult
from ..calls.runtime import Runtime
from ..tools import catalog, meta_names as names
from ..tools.meta_names import META_TOOLS
from .spec import MetaCall, MetaTool, NoArguments

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


async def _whoami(call: MetaCall, parsed: NoArguments) -> ToolResult:
    return ToolResult(whoami(call.meta.runtime, len(call.meta.active())))


WHOAMI = MetaTool(
    name=names.WHOAMI, title="Who am I",
    description="The account, organization, client id and region behind the credential; the mode and what it means "
    "for writes; how many tools the policy hides, per rule.",
    model=NoArguments, handler=_whoami, read_only=True, fix="remove it from deny_tools",
    search_hint="who am I, my account, permissions, mode", always_load=True,
)
