"""Sandbox groups.

``state.groups[gid]["agent_priorities"]`` (member id -> priority) is THE single record of
group membership for agents and bots; their ``groups`` fields are derived from it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..tools import groups as t
from . import people
from .core import Ctx, SandboxError, SandboxState
from .reach import member_of, reach

BOT_ID = "5c9871d5372c824cbf22d860a707a578"
DEFAULT_GROUP = 0
# Seeded groups: id, name, language, members by person slot (server/sandbox/people.py) and priority.
_SEEDED: tuple[tuple[int, str, str, dict[str, str]], ...] = (
    (1, "Sales", "en", {"admin": "normal", "agent": "normal", "viceowner": "supervisor"}),
    (2, "Support", "en", {"admin": "normal", "agent": "last"}),
    (5, "VIP", "en", {"owner": "normal", "admin": "last"}),
    (19, "Billing", "de", {"viceowner": "normal"}),
)


def seed(state: SandboxState) -> None:
    people_ = people.people_of(state.organization_id)
    general = {person.email: "normal" for person in people_}  # everyone is in General
    general[BOT_ID] = "first"
    email = {person.slot: person.email for person in people_}
    groups = [(0, "General", "en", general)]
    groups += [(gid, name, lang, {email[slot]: prio for slot, prio in members.items()})
               for gid, name, lang, members in _SEEDED]
    for gid, name, language, members in groups:
        state.groups[gid] = {
            "id": gid,
            "name": name,
            "language_code": language,
            "agent_priorities": dict(members),
            "routing_status": "offline",
        }


# --- helpers other resources may use ----------------------------------------------------


def groups_of(state: SandboxState, member_id: str) -> list[dict[str, Any]]:
    """A member's groups as ``[{"id", "priority"}]``, derived from agent_priorities."""
    return [
        {"id": gid, "priority": group["agent_priorities"][member_id]}
        for gid, group in sorted(state.groups.items())
        if member_id in group["agent_priorities"]
    ]


def check_groups_exist(state: SandboxState, group_ids: Any) -> None:
    for gid in group_ids or []:
        if gid not in state.groups:
            raise SandboxError("group_not_found", f"Group {gid} not found")


# --- handlers ---------------------------------------------------------------------------


def _get(ctx: Ctx, gid: int) -> dict[str, Any]:
    group = ctx.state.groups.get(gid)
    if group is None:
        raise SandboxError("group_not_found", f"Group {gid} not found")
    return group


def _require_member_or_all(ctx: Ctx, group: dict[str, Any], access: str) -> None:
    """groups--my:* only reaches the requester's own groups; groups--all:* reaches every group."""
    reach(ctx, own=member_of(ctx, group), my=f"groups--my:{access}", all=f"groups--all:{access}",
          what=f"group {group['id']}")


def _check_members(ctx: Ctx, priorities: Mapping[str, str]) -> None:
    for member in priorities:
        if member not in ctx.state.agents and member not in ctx.state.bots:
            raise SandboxError("not_found", f"Agent {member} not found")


def _view(group: dict[str, Any], fields: Sequence[str] | None, base: tuple[str, ...] = ("id", "name", "language_code")) -> dict[str, Any]:
    # fields[] lists agent_priorities and routing_status as *additional* fields; list_groups'
    # response example answers a request without fields with routing_status too, and the
    # example is what a client is written against, so list_groups returns it always
    # (docs/conformance.md).
    out = {key: group[key] for key in base}
    for name in fields or []:
        value = group[name]
        out[name] = dict(value) if isinstance(value, dict) else value
    return out


def create_group(ctx: Ctx, req: t.CreateGroup) -> dict[str, int]:
    _check_members(ctx, req.agent_priorities)
    limit = ctx.state.extra.get("groups_limit")
    if limit is not None and len(ctx.state.groups) >= limit:
        raise SandboxError("limit_reached", f"Groups limit ({limit}) reached")
    gid = ctx.state.next_id("group", start=max(ctx.state.groups, default=0) + 1)
    while gid in ctx.state.groups:
        gid = ctx.state.next_id("group")
    ctx.state.groups[gid] = {
        "id": gid,
        "name": req.name,
        "language_code": req.language_code or "en",
        "agent_priorities": dict(req.agent_priorities),
        "routing_status": "offline",
    }
    return {"id": gid}


def update_group(ctx: Ctx, req: t.UpdateGroup) -> None:
    group = _get(ctx, req.id)
    _require_member_or_all(ctx, group, "rw")
    given = req.model_fields_set
    if "agent_priorities" in given and req.agent_priorities is not None:
        _check_members(ctx, req.agent_priorities)
    if "name" in given and req.name is not None:
        group["name"] = req.name
    if "language_code" in given and req.language_code is not None:
        group["language_code"] = req.language_code
    if "agent_priorities" in given and req.agent_priorities is not None:
        # Replaces the membership map: our rule (docs/conformance.md M9; see the model's comment).
        group["agent_priorities"] = dict(req.agent_priorities)


def delete_group(ctx: Ctx, req: t.DeleteGroup) -> None:
    group = _get(ctx, req.id)
    if req.id == DEFAULT_GROUP:
        raise SandboxError("validation", "The default group (0) cannot be deleted")
    _require_member_or_all(ctx, group, "rw")
    del ctx.state.groups[req.id]  # agents' and bots' groups are derived from it: they follow
    ctx.state.group_properties.pop(req.id, None)
    # What other resources hold of the group is dropped by server/sandbox/resources.py, which
    # gathers them all (this module is one of them).


def list_groups(ctx: Ctx, req: t.ListGroups) -> list[dict[str, Any]]:
    base = ("id", "name", "language_code", "routing_status")
    return [_view(group, req.fields, base) for _, group in sorted(ctx.state.groups.items())]


def get_group(ctx: Ctx, req: t.GetGroup) -> dict[str, Any]:
    group = _get(ctx, req.id)
    _require_member_or_all(ctx, group, "ro")
    return _view(group, req.fields)


HANDLERS = {
    "create_group": create_group,
    "update_group": update_group,
    "delete_group": delete_group,
    "list_groups": list_groups,
    "get_group": get_group,
}
