"""Sandbox agents: invitations awaiting approval, suspension, and group memberships.

Group membership has one source of truth, ``state.groups[gid]["agent_priorities"]``; an agent's
``groups`` is derived from it when read and written into it by create/update.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel

from ..tools import agents as t
from . import people
from .core import Ctx, SandboxError, SandboxState, not_found
from .reach import own_agent, reach

SUBSCRIPTION = "subscription.lc:rw"
ROLES = "accounts.roles.lc--all:rw"
AVATAR = "https://cdn.livechatinc.com/avatars/default.png"
BASE_FIELDS = ("id", "account_id", "name", "avatar", "role", "login_status")
# list_agents' response example differs from get_agent's: the avatar comes as ``avatar_path``
# (a URL without its scheme) and email_subscriptions as ``summaries``. Each method answers in
# its own example's names (docs/conformance.md).
LIST_NAMES = {"email_subscriptions": "summaries"}
DEFAULT_MAX_CHATS = 6
DEFAULT_TIMEZONE = "UTC"
# What fields[] answers for a field an agent record does not hold (a record seeded from a
# configuration document carries only what it was given): every field asked for is answered;
# only last_logout is documented as "omitted when no logout occurred".
UNSET: dict[str, Any] = {
    "job_title": "", "mobile": "", "max_chats_count": DEFAULT_MAX_CHATS, "suspended": False,
    "awaiting_approval": False, "notifications": [], "email_subscriptions": [], "work_scheduler": {"schedule": []},
}

_SCHEDULE = {
    "timezone": "Europe/Warsaw",
    "schedule": [
        {"day": day, "enabled": True, "start": "09:00", "end": "17:00"}
        for day in ("monday", "tuesday", "wednesday", "thursday", "friday")
    ],
}
# What each seeded person's agent carries beyond their name and role (server/sandbox/people.py).
_SEEDED: dict[str, dict[str, Any]] = {
    "owner": {"job_title": "Founder", "login_status": "accepting chats"},
    "viceowner": {"job_title": "Head of Support"},
    "admin": {"job_title": "Support Lead", "mobile": "+48 600 100 200"},
    "agent": {"job_title": "Support Hero", "last_logout": "2024-02-28T17:05:11.000000Z"},
    "awaiting": {"awaiting_approval": True},
    "suspended": {"suspended": True, "last_logout": "2024-01-15T08:00:00.000000Z"},
}


def account_id(n: int) -> str:
    """The account id of the default license's n-th agent (1: the owner, the default credential's;
    1-6 are its seeded people)."""
    return people.new_account_id(people.ACME_ORGANIZATION_ID, n)


def seed(state: SandboxState) -> None:
    # The license's people are its agents: the accounts that sign in to it are these (accounts.py).
    for person in people.people_of(state.organization_id):
        agent = _new_agent(person.email, person.account_id, person.name, person.role)
        agent["work_scheduler"] = _copy(_SCHEDULE)
        agent["notifications"] = ["new_visitor", "incoming_chat"]
        agent["email_subscriptions"] = ["weekly_summary"]
        agent.update(_SEEDED[person.slot])
        state.agents[person.email] = agent


def _new_agent(agent_id: str, account: str, name: str, role: str) -> dict[str, Any]:
    return {
        "id": agent_id,
        "account_id": account,
        "name": name,
        "avatar": AVATAR,
        "role": role,
        "login_status": "not accepting chats",
        "job_title": "",
        "mobile": "",
        "max_chats_count": DEFAULT_MAX_CHATS,
        "awaiting_approval": False,
        "suspended": False,
        "notifications": [],
        "email_subscriptions": [],
        "work_scheduler": {"schedule": []},
    }


def _copy(value: Any) -> Any:
    return copy.deepcopy(value)


# --- helpers -------------------------------------------------------------------------------


def _get(ctx: Ctx, agent_id: str) -> dict[str, Any]:
    agent = ctx.state.agents.get(agent_id)
    if agent is None:
        raise not_found(f"Agent '{agent_id}'")
    return agent


def _deny(scope: str, why: str) -> SandboxError:
    return SandboxError("authorization", f"Missing scope: {scope} ({why})", {"required_scope": scope})


def _require_for_others(ctx: Ctx, agent: dict[str, Any], my: tuple[str, ...], all: tuple[str, ...], what: str) -> None:
    """The *--my scopes cover the requester's own agent; anyone else needs the *--all ones (server/sandbox/reach.py)."""
    reach(ctx, own=own_agent(ctx, agent), my=my, all=all, what=f"{what} agent {agent['id']}")


# The lifecycle guide's "administrator": an agent whose role is above normal.
ADMINISTERING = ("owner", "viceowner", "administrator")


def _keep_an_administrator(ctx: Ctx, agent: dict[str, Any], what: str) -> None:
    """The lifecycle guide: "Cannot delete the last administrator". In LiveChat the last one is the owner,
    whom nobody deletes, demotes or suspends (note E1); a license seeded without an owner keeps the rule
    too. Our rule (note E3): deleting, demoting or suspending an administrator is refused when no other
    administrator who can use the license (approved, not suspended) would be left."""
    if agent["role"] not in ADMINISTERING:
        return
    if any(other is not agent and other["role"] in ADMINISTERING and not other.get("suspended")
           and not other.get("awaiting_approval") for other in ctx.state.agents.values()):
        return
    raise SandboxError("validation", f"Cannot {what} agent {agent['id']}: the license's last administrator "
                       "(make another agent an administrator first)")


def _memberships(state: SandboxState, agent_id: str) -> list[dict[str, Any]]:
    return [
        {"id": gid, "priority": group["agent_priorities"][agent_id]}
        for gid, group in sorted(state.groups.items())
        if agent_id in group.get("agent_priorities", {})
    ]


def _all_memberships(state: SandboxState) -> dict[str, list[dict[str, Any]]]:
    """Every agent's groups, from one pass over the groups: a list of every agent costs agents +
    memberships, not agents x groups (plan checks and exports read whole licenses)."""
    out: dict[str, list[dict[str, Any]]] = {}
    for gid, group in sorted(state.groups.items()):
        for agent_id, priority in group.get("agent_priorities", {}).items():
            out.setdefault(agent_id, []).append({"id": gid, "priority": priority})
    return out


def _check_groups(ctx: Ctx, groups: list[Any]) -> None:
    for item in groups:
        if item.id not in ctx.state.groups:
            raise SandboxError("group_not_found", f"Group {item.id} not found")


def _set_memberships(state: SandboxState, agent_id: str, groups: list[Any]) -> None:
    """Make ``groups`` the agent's full membership list (the caller checked the ids exist)."""
    wanted = {item.id: item.priority for item in groups}
    for gid, group in state.groups.items():
        priorities = group.setdefault("agent_priorities", {})
        if gid in wanted:
            priorities[agent_id] = wanted[gid]
        else:
            priorities.pop(agent_id, None)


def _view(state: SandboxState, agent: dict[str, Any], fields: Sequence[str] | None,
          groups: dict[str, list[dict[str, Any]]] | None = None) -> dict[str, Any]:
    out = {key: agent[key] for key in BASE_FIELDS}
    for name in fields or []:
        if name == "groups":
            out["groups"] = [dict(m) for m in groups.get(agent["id"], [])] if groups is not None else \
                _memberships(state, agent["id"])
        elif name in agent:
            out[name] = _copy(agent[name])
        elif name in UNSET:  # never set: answered empty all the same (last_logout is not in UNSET)
            out[name] = _copy(UNSET[name])
    return out


def _list_view(state: SandboxState, agent: dict[str, Any], fields: Sequence[str] | None,
               groups: dict[str, list[dict[str, Any]]] | None = None) -> dict[str, Any]:
    out = _view(state, agent, fields, groups)
    del out["avatar"]
    view = {"avatar_path": agent["avatar"].partition("://")[2] or agent["avatar"], **out}
    return {LIST_NAMES.get(key, key): value for key, value in view.items()}


def _scheduler(agent: dict[str, Any], value: Any) -> dict[str, Any]:
    """The documented ``{timezone, schedule[]}`` form of either accepted shape.

    update_agent's example sends ``{"monday": {"start", "end"}, ...}``; read back, the agent's
    work_scheduler is always the documented shape (each day enabled, the timezone kept, "falls
    back to the agent's timezone" when none was given).
    """
    dumped: dict[str, Any] = _dump(value)
    if "schedule" in dumped:
        return dumped
    timezone = agent.get("work_scheduler", {}).get("timezone") or DEFAULT_TIMEZONE
    days = [day for day in ("sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday") if day in dumped]
    return {
        "timezone": timezone,
        "schedule": [{"day": day, "enabled": True, "start": dumped[day]["start"], "end": dumped[day]["end"]} for day in days],
    }


def _dump(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", exclude_none=True)
    if isinstance(value, list):
        return [_dump(item) for item in value]
    if isinstance(value, dict):
        return {key: _dump(item) for key, item in value.items()}
    return value


# --- handlers ------------------------------------------------------------------------------


def create_agent(ctx: Ctx, req: t.CreateAgent) -> dict[str, str]:
    if req.id in ctx.state.agents:
        raise SandboxError("already_exists", f"Agent '{req.id}' already exists")
    role = req.role or "normal"
    if role != "normal" and not ctx.requester.has(ROLES):
        raise _deny(ROLES, "needed to create an agent with a role above normal")
    if req.awaiting_approval is False and not ctx.requester.has(SUBSCRIPTION):
        raise _deny(SUBSCRIPTION, "needed to create an agent that is not awaiting approval")
    if req.groups is not None:
        _check_groups(ctx, req.groups)
    n = ctx.state.next_id("agent_account", start=100)
    agent = _new_agent(req.id, people.new_account_id(ctx.state.organization_id, n), req.name, role)
    # Every invited agent awaits approval unless a subscription.lc:rw requester says otherwise.
    agent["awaiting_approval"] = req.awaiting_approval is not False
    for name in ("login_status", "job_title", "mobile", "max_chats_count", "notifications", "email_subscriptions", "work_scheduler"):
        value = getattr(req, name)
        if value is not None:
            agent[name] = _dump(value)
    ctx.state.agents[req.id] = agent
    if req.groups is not None:
        _set_memberships(ctx.state, req.id, req.groups)
    elif 0 in ctx.state.groups:
        # Our rule (docs/conformance.md M5), as in the LiveChat app: a new agent without explicit
        # groups joins General.
        ctx.state.groups[0].setdefault("agent_priorities", {})[req.id] = "normal"
    return {"id": req.id}


def get_agent(ctx: Ctx, req: t.GetAgent) -> dict[str, Any]:
    agent = _get(ctx, req.id)
    _require_for_others(ctx, agent, ("agents--my:ro",), ("agents--all:ro",), "read")
    return _view(ctx.state, agent, req.fields)


def list_agents(ctx: Ctx, req: t.ListAgents) -> list[dict[str, Any]]:
    agents = list(ctx.state.agents.values())
    filters = req.filters
    wanted_groups = filters is not None and filters.group_ids is not None
    groups = _all_memberships(ctx.state) if wanted_groups or "groups" in (req.fields or []) else None
    if filters is not None and filters.group_ids is not None and groups is not None:
        wanted = set(filters.group_ids)
        agents = [a for a in agents if wanted & {g["id"] for g in groups.get(a["id"], [])}]
    if filters is not None and filters.suspended is not None:
        agents = [a for a in agents if a["suspended"] == filters.suspended]
    return [_list_view(ctx.state, agent, req.fields, groups) for agent in agents]


def update_agent(ctx: Ctx, req: t.UpdateAgent) -> None:
    agent = _get(ctx, req.id)
    _require_for_others(ctx, agent, ("agents--my:rw",), ("agents--all:rw",), "update")
    given = req.model_fields_set - {"id"}
    if "role" in given and req.role is not None and req.role != agent["role"]:
        if agent["role"] == "owner":
            raise SandboxError("validation", "The license owner's role cannot be changed")
        if not ctx.requester.has(ROLES):
            raise _deny(ROLES, "needed to change an agent's role")
        if req.role not in ADMINISTERING:
            _keep_an_administrator(ctx, agent, "demote")
    if "groups" in given and req.groups is not None:
        _check_groups(ctx, req.groups)
    for name in sorted(given):
        value = getattr(req, name)
        if value is None:  # an explicit null means "unchanged", as upstream never receives it
            continue
        if name == "groups":
            # Replaces the memberships: our reading, docs/conformance.md M13 (update_bot does the same).
            _set_memberships(ctx.state, req.id, value)
        elif name == "work_scheduler":
            agent[name] = _scheduler(agent, value)
        else:
            agent[name] = _dump(value)
    return None


def delete_agent(ctx: Ctx, req: t.DeleteAgent) -> None:
    agent = _get(ctx, req.id)
    _require_for_others(ctx, agent, ("agents--my:rw", "accounts--my:rw"), ("agents--all:rw", "accounts--all:rw"),
                        "delete")
    if agent["role"] == "owner":
        raise SandboxError("validation", "The license owner cannot be deleted: a license keeps its owner, its "
                           "last administrator")
    _keep_an_administrator(ctx, agent, "delete")
    for group in ctx.state.groups.values():
        group.get("agent_priorities", {}).pop(req.id, None)
    del ctx.state.agents[req.id]
    return None


def suspend_agent(ctx: Ctx, req: t.SuspendAgent) -> None:
    agent = _get(ctx, req.id)
    if agent["role"] == "owner":
        raise SandboxError("validation", "The license owner cannot be suspended")
    if not agent["suspended"]:  # suspending a suspended agent changes nothing (note M14)
        _keep_an_administrator(ctx, agent, "suspend")
    agent["suspended"] = True
    return None


def unsuspend_agent(ctx: Ctx, req: t.UnsuspendAgent) -> None:
    # Our rule (docs/conformance.md M14): an agent already in the state asked for stays as it is, no error
    # (suspend_agent and approve_agent too).
    _get(ctx, req.id)["suspended"] = False
    return None


def request_agent_unsuspension(ctx: Ctx, req: t.RequestAgentUnsuspension) -> None:
    me = next((a for a in ctx.state.agents.values() if own_agent(ctx, a)), None)
    if me is None:
        raise SandboxError("validation", "The requester is not an agent of this license")
    if not me["suspended"]:
        raise SandboxError("validation", "Only a suspended agent can request unsuspension")
    recipients = [a["id"] for a in ctx.state.agents.values() if a["role"] in ("owner", "viceowner")]
    ctx.state.extra.setdefault("unsuspension_requests", []).append({"agent_id": me["id"], "sent_to": recipients})
    return None


def approve_agent(ctx: Ctx, req: t.ApproveAgent) -> None:
    _get(ctx, req.id)["awaiting_approval"] = False
    return None


HANDLERS = {
    "create_agent": create_agent,
    "get_agent": get_agent,
    "list_agents": list_agents,
    "update_agent": update_agent,
    "delete_agent": delete_agent,
    "suspend_agent": suspend_agent,
    "unsuspend_agent": unsuspend_agent,
    "request_agent_unsuspension": request_agent_unsuspension,
    "approve_agent": approve_agent,
}
