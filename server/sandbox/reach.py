"""What a requester may reach: the one rule every ``--my``/``--all`` scope pair follows.

A ``--all`` scope reaches every object of its kind on the license; the ``--my`` one only the
requester's own. What "own" means depends on the kind, and is decided here, once:

- an agent (``agents--my``, ``accounts--my``): the requester's own agent, the one whose account
  the credential belongs to (a PAT's account, a token's account: both have one);
- a group (``groups--my``): a group the requester's agent is a member of ("to update groups the
  requester is not a member of" needs ``groups--all``);
- a bot (``agents-bot--my``): a bot its client made (for a bot's own token, the bot itself). List Bots says which: "If a bot was created
  via an app, all agents who make the request via this app will get the bot. If a bot was created
  directly by an agent (PAT authorization), all agents who authorize with PATs will get the bot";
- a property namespace (``properties.*.value--my``): the namespace named after the requester's
  Client ID ("If the requester's Client ID matches the namespace ...").

A PAT has no client id (which is why PAT callers must send ``owner_client_id``): no namespace is
a PAT's own, and a PAT's bots are the ones made with a PAT, never the bots of the app whose
client id a test credential might carry. ``organization--my`` (update_company_details) is always
the requester's own license: a request acts on its credential's license.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .core import Ctx, SandboxError


def own_agent(ctx: Ctx, agent: dict[str, Any]) -> bool:
    return bool(agent.get("account_id") == ctx.requester.account_id)


def own_member_ids(ctx: Ctx) -> set[str]:
    """The member ids (agent ids) the requester stands for in ``agent_priorities``."""
    return {aid for aid, agent in ctx.state.agents.items() if own_agent(ctx, agent)}


def member_of(ctx: Ctx, group: dict[str, Any]) -> bool:
    return bool(own_member_ids(ctx) & set(group.get("agent_priorities", {})))


def own_group_ids(ctx: Ctx) -> set[int]:
    return {gid for gid, group in ctx.state.groups.items() if member_of(ctx, group)}


def made_with_pat(ctx: Ctx) -> bool:
    return ctx.requester.kind == "pat"


def own_bot(ctx: Ctx, bot: dict[str, Any]) -> bool:
    if ctx.requester.kind == "bot":  # a bot's own token (issue_bot_token): its --my scope is the bot itself
        return bool(bot["id"] == ctx.requester.account_id)
    if made_with_pat(ctx):
        return bool(bot.get("_created_with_pat"))
    return not bot.get("_created_with_pat") and bot["owner_client_id"] == ctx.requester.client_id


def own_namespace(ctx: Ctx, namespace: str) -> bool:
    return ctx.requester.client_id is not None and namespace == ctx.requester.client_id


def reach(ctx: Ctx, *, own: bool, my: str | Iterable[str], all: str | Iterable[str], what: str) -> None:
    """Refuse (``authorization``, naming the scope) unless the requester holds every ``all`` scope, or
    the object is its own and it holds every ``my`` scope. ``what`` names the object in the message."""
    wide = (all,) if isinstance(all, str) else tuple(all)
    mine = (my,) if isinstance(my, str) else tuple(my)
    if all_held(ctx, wide) or (own and all_held(ctx, mine)):
        return
    needed = wide if not own else mine
    missing = " ".join(scope for scope in needed if not ctx.requester.has(scope))
    why = "it is not the requester's own" if not own else "the requester's own needs it"
    raise SandboxError("authorization", f"{what}: {missing} is required ({why})", {"required_scope": missing})


def all_held(ctx: Ctx, scopes: Iterable[str]) -> bool:
    return all(ctx.requester.has(scope) for scope in scopes)
