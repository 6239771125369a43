"""Sandbox "Other": channels, plan limits, product source, bounced emails, company details."""

from __future__ import annotations

import copy
from typing import Any

from ..tools import other as t
from ..tools.catalog import to_payload
from .core import SANDBOX_NOTICE, Ctx, SandboxState, not_found
from .customer_bans import active_bans
from .people import email_of

# Sandbox plan limits: illustrative values, NOT LiveChat's real ones (those are not
# documented). None = unlimited. Every resource the reference lists is limited on the smaller
# plans, so check_product_limits_for_plan can report each of them.
PLAN_LIMITS: dict[str, dict[str, int | None]] = {
    "starter": {"agents": 1, "groups": 1, "groups_per_agent": 1, "access_rules": 0, "banned": 0, "queue": 10,
                "queue_continuous": 10, "group_chooser_groups": 1},
    "team": {"agents": 50, "groups": 10, "groups_per_agent": 5, "access_rules": 5, "banned": 100, "queue": 25,
             "queue_continuous": 25, "group_chooser_groups": 5},
    "enterprise": {name: None for name in ("agents", "groups", "groups_per_agent", "access_rules", "banned", "queue",
                                           "queue_continuous", "group_chooser_groups")},
}
PLAN_LIMITS["enterpriseplus"] = dict(PLAN_LIMITS["enterprise"])
# Settings made in the LiveChat app, not through this API, that the plan comparison reads: the
# longest queue allowed with Messaging Mode off (``queue``) and on (``queue_continuous``), for the
# license and per group, and the groups each group's pre-chat survey offers (``group_chooser_groups``).
# Group ids are strings, as in the reference's example ("id": "0"). A test or a seed document sets
# them in ``state.extra["product_settings"]``.
SEED_PRODUCT_SETTINGS: dict[str, Any] = {
    "queue": {"license": 20, "groups": {"0": 20, "1": 10}},
    "queue_continuous": {"license": 50, "groups": {"0": 50}},
    "group_chooser_groups": {"0": [0, 1, 2, 5, 19]},
}


def seed(state: SandboxState) -> None:
    state.channels[:] = [
        {"channel_type": "code", "channel_subtype": "", "first_activity_timestamp": "2017-10-12T13:56:16Z"},
        {"channel_type": "direct_link", "channel_subtype": "", "first_activity_timestamp": "2017-10-12T15:20:00Z"},
        {
            "channel_type": "integration",
            "channel_subtype": "c6e4f62e2a2dab12531235b12c5a2a6b",
            "first_activity_timestamp": "2019-08-16T16:55:51Z",
        },
    ]
    state.company.clear()
    state.company.update({"company": "Example Inc.", "country": "United States", "url": "www.example.com"})
    state.extra["product_source"] = {
        "source_id": "create_account_link",
        "source_type": "accounts",
        "source_url": "https://accounts.livechat.com",
    }
    state.extra["product_settings"] = copy.deepcopy(SEED_PRODUCT_SETTINGS)
    state.extra["bounced_emails"] = [email_of(state.organization_id, "agent")]  # a list: the state is served as JSON


def list_channels(ctx: Ctx, req: t.ListChannels) -> list[dict[str, Any]]:
    return [dict(channel) for channel in ctx.state.channels]


def check_product_limits_for_plan(ctx: Ctx, req: t.CheckProductLimitsForPlan) -> list[dict[str, Any]]:
    """Each of the eight documented resources over the plan's limit, by how much; a resource counted
    per agent or per group says which (``id``: the agent's id, the group's id as a string)."""
    limits = PLAN_LIMITS[req.plan]
    state = ctx.state
    settings = state.extra.get("product_settings", {})
    out: list[dict[str, Any]] = []

    def over(resource: str, count: int, member: str | None = None) -> None:
        limit = limits.get(resource)
        if limit is not None and count > limit:
            item: dict[str, Any] = {"resource": resource, "limit_balance": count - limit}
            if member is not None:
                item["id"] = member
            out.append(item)

    # "Active agents, including bots": an agent awaiting approval may not use the license yet (approve_agent
    # "allows the agent to use the application"), a suspended one no longer may; neither is active.
    active = [aid for aid, agent in state.agents.items()
              if not agent.get("suspended") and not agent.get("awaiting_approval")]
    over("agents", len(active) + len(state.bots))
    over("groups", len(state.groups))
    # "The number of banned visitors": a ban that expired bans nobody (list_customer_bans omits it too).
    over("banned", len(active_bans(state)))
    for resource in ("queue", "queue_continuous"):  # the license's queue, then each group's
        queue = settings.get(resource, {})
        if "license" in queue:
            over(resource, int(queue["license"]))
        for gid, length in sorted(queue.get("groups", {}).items()):
            over(resource, int(length), str(gid))
    members = sorted({m for group in state.groups.values() for m in group["agent_priorities"]})
    for member in members:
        if member in state.bots:
            continue
        count = sum(member in group["agent_priorities"] for group in state.groups.values())
        over("groups_per_agent", count, member)
    over("access_rules", len(state.auto_accesses))
    for gid, offered in sorted(settings.get("group_chooser_groups", {}).items()):
        over("group_chooser_groups", len(offered), str(gid))
    return out


def get_product_source(ctx: Ctx, req: t.GetProductSource) -> dict[str, Any]:
    return {**ctx.state.extra["product_source"], "sandbox": True, "notice": SANDBOX_NOTICE}


def reactivate_email(ctx: Ctx, req: t.ReactivateEmail) -> None:
    if req.agent_id not in ctx.state.agents:
        raise not_found(f"Agent {req.agent_id}")
    # Our rule (docs/conformance.md M12): reactivating an address that did not bounce is a harmless no-op.
    bounced = ctx.state.extra.setdefault("bounced_emails", [])
    if req.agent_id in bounced:
        bounced.remove(req.agent_id)


def update_company_details(ctx: Ctx, req: t.UpdateCompanyDetails) -> None:
    changes = to_payload(req)
    enrich = changes.pop("enrich", False)
    ctx.state.company.update(changes)
    if enrich and "url" in ctx.state.company:
        # The sandbox's stand-in for enrichment (a deviation, docs/conformance.md M11): fill an empty
        # company name from the domain.
        if not ctx.state.company.get("company"):
            domain = ctx.state.company["url"].split("//")[-1].removeprefix("www.").split("/")[0]
            ctx.state.company["company"] = domain.split(".")[0].capitalize()


def forget_group(state: SandboxState, gid: int) -> None:
    """A deleted group has no queue or pre-chat survey of its own, and no survey offers it."""
    settings = state.extra.get("product_settings", {})
    for resource in ("queue", "queue_continuous"):
        settings.get(resource, {}).get("groups", {}).pop(str(gid), None)
    chooser = settings.get("group_chooser_groups", {})
    chooser.pop(str(gid), None)
    for key, offered in chooser.items():
        chooser[key] = [g for g in offered if g != gid]


HANDLERS = {
    "list_channels": list_channels,
    "check_product_limits_for_plan": check_product_limits_for_plan,
    "get_product_source": get_product_source,
    "reactivate_email": reactivate_email,
    "update_company_details": update_company_details,
}
