"""Agents: the people who chat with customers. Reference: "Agents" in configuration-api-v3.6(-current),
plus docs/reference/agent-lifecycle-guide.txt for the provisioning/offboarding caveats.

Where the two reference pages differ, the newer page (-current.mdx) wins:
- create_agent ``max_chats_count``: maximum 20 (the older text says "Limited to 100").
- ``avatar`` is not a create_agent field and ``name``/``avatar`` are not update_agent fields in v3.6.
"""

import re
from typing import Annotated, Literal, get_args

from pydantic import AfterValidator, Field

from .catalog import Action, LocalFilter, Paging, Select, action, batch
from .types import (
    AgentId,
    AnyWorkScheduler,
    EmailSubscription,
    GroupIds,
    GroupPriority,
    Input,
    LoginStatus,
    Notification,
    Role,
    WorkScheduler,
)

# --- scopes ----------------------------------------------------------------------------
# Each "Required scopes" line lists scopes side by side; footnoted ones only widen behaviour.
#
# create_agent: "accounts--all:rc accounts--all:rw(1) subscription.lc:rw(1)(2) accounts.roles.lc--all:rw(3)".
#   accounts--all:rc is the base scope; footnote 1 puts accounts--all:rw next to subscription.lc:rw
#   "to create agents who don't have to wait for approval", while the scopes overview says creation
#   needs accounts--all:rw. We read :rc and :rw as alternatives (either lets you create) and the
#   footnoted subscription.lc:rw / accounts.roles.lc--all:rw as extras.
_CREATE = (("accounts--all:rc",), ("accounts--all:rw",))
# get_agent: "agents--my:ro agents--all:ro", no footnotes: my = the requester's own agent, all = any.
_GET = (("agents--my:ro",), ("agents--all:ro",))
_LIST = (("agents--all:ro",),)
# update_agent: "agents--my:rw agents--all:rw(1: other agents) accounts.roles.lc--all:rw(2: role)".
_UPDATE = (("agents--my:rw",), ("agents--all:rw",))
# delete_agent: "agents--my:rw accounts--my:rw agents--all:rw(1) accounts--all:rw(1)", 1 = other agents:
# the my pair deletes oneself, the all pair deletes anyone.
_DELETE = (("agents--my:rw", "accounts--my:rw"), ("agents--all:rw", "accounts--all:rw"))
# suspend_agent: "agents--all:rw sessions--all:rw(1)": the footnote only says sessions--all:rw is a
# private scope, so both are required.
_SUSPEND = (("agents--all:rw", "sessions--all:rw"),)
# unsuspend_agent / approve_agent: "agents--all:rw accounts--all:rw subscription.lc:rw(1)", footnote =
# private scope: all three required.
_SUBSCRIPTION = (("agents--all:rw", "accounts--all:rw", "subscription.lc:rw"),)

# The caveat that matters goes into the tool's own description (what a client lists), not only
# into notes (describe_action).
_NOT_PUBLIC_SHORT = " Not public yet: LiveChat enables it per license on request (else refused)."
_NOT_PUBLIC = (
    "The reference marks this method as not yet available for public use (LiveChat enables it on "
    "request), so a real license may refuse it."
)

# --- shared shapes ---------------------------------------------------------------------

AgentField = Literal[
    "work_scheduler",
    "groups",
    "email_subscriptions",
    "notifications",
    "job_title",
    "mobile",
    "max_chats_count",
    "suspended",
    "awaiting_approval",
    "last_logout",
]
"""Extra fields get_agent / list_agents can return (both methods document the same set)."""

_FIELDS = (
    "Extra fields to return besides id, account_id, name, avatar, role, login_status "
    "(last_logout is omitted when the agent never logged out)."
)
_GROUPS = "Groups the agent belongs to, each with its routing priority; replaces the current memberships."
_MAX_CHATS = "Maximum concurrent chats (0-20); 0 stops new chats being routed to the agent."


class _ById(Input):
    id: AgentId


def _email(value: str) -> str:
    # "The agent ID" is the agent's email address (the lifecycle guide: "the agent id field is the agent's
    # email address"); the page states no format, so the error names the check as our own rule.
    if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value):
        raise ValueError("must be the agent's email address, e.g. smith@example.com (livechat-mcp's own safety "
                         "rule: an agent's ID is their email; the reference states no format)")
    return value


NewAgentId = Annotated[AgentId, AfterValidator(_email)]


# --- models ----------------------------------------------------------------------------


class CreateAgent(Input):
    id: NewAgentId
    name: str = Field(min_length=1, description="Agent name.")
    role: Role | None = Field(default=None, description="Agent role; default normal. Above normal needs accounts.roles.lc--all:rw.")
    login_status: LoginStatus | None = Field(
        default=None, description="Default status right after login; default not accepting chats."
    )
    job_title: str | None = Field(default=None, description="Agent's job title.")
    mobile: str | None = Field(default=None, description="Agent's mobile number.")
    max_chats_count: int | None = Field(default=None, ge=0, le=20, description=_MAX_CHATS + " Default 6.")
    awaiting_approval: bool | None = Field(
        default=None,
        description="Whether the agent awaits approval after creation (default true); only a requester "
        "with subscription.lc:rw may set false.",
    )
    groups: list[GroupPriority] | None = Field(default=None, description="Groups the agent belongs to, each with its routing priority.")
    notifications: list[Notification] | None = Field(default=None, description="Agent notifications to turn on.")
    email_subscriptions: list[EmailSubscription] | None = Field(
        default=None, description="Summaries emailed to the agent."
    )
    work_scheduler: WorkScheduler | None = Field(default=None, description="Agent's working hours.")


class GetAgent(Input):
    id: AgentId
    fields: list[AgentField] | None = Field(default=None, description=_FIELDS)


class ListAgentsFilters(Input):
    group_ids: GroupIds | None = Field(default=None, description="Only agents from these groups.")
    suspended: bool | None = Field(default=None, description="Only agents whose suspended value equals this.")


class ListAgents(Input):
    """list_agents as LiveChat takes it (the sandbox validates against this)."""

    filters: ListAgentsFilters | None = Field(default=None, description="Request filters.")
    fields: list[AgentField] | None = Field(default=None, description=_FIELDS)


class ListAgentsPageFilters(ListAgentsFilters):
    # Not LiveChat filters: applied by this server to LiveChat's answer, never sent (_LIST_PAGING).
    awaiting_approval: bool | None = Field(
        default=None, description="true: only pending invitations; false: only approved agents."
    )
    role: Literal["owner", Role] | None = Field(default=None, description="Only this role.")


# avatar_path and account_id are base fields LiveChat always returns; this server leaves them out
# of list_agents unless asked for, so they are values of `fields` there (and never sent upstream).
ListAgentField = Literal[AgentField, "account_id", "avatar_path"]


class ListAgentsPage(ListAgents):
    """The list_agents tool's request: LiveChat's plus local filters and fields (and, added by
    catalog.Paging, limit and cursor)."""

    filters: ListAgentsPageFilters | None = Field(default=None, description="Request filters.")
    fields: list[ListAgentField] | None = Field(  # type: ignore[assignment]
        default=None, description="Extra fields besides id, name, role, login_status."
    )


_LIST_PAGING = Paging(
    compact=("account_id", "avatar_path"),
    filters={
        "awaiting_approval": LocalFilter("awaiting_approval", needs_field="awaiting_approval"),
        "role": LocalFilter("role"),
    },
)


class UpdateAgent(Input):
    id: AgentId
    role: Role | None = Field(default=None, description="Agent role; changing it needs accounts.roles.lc--all:rw.")
    login_status: LoginStatus | None = Field(default=None, description="Default status right after login.")
    job_title: str | None = Field(default=None, description="Agent's job title.")
    mobile: str | None = Field(default=None, description="Agent's mobile number.")
    max_chats_count: int | None = Field(default=None, ge=0, le=20, description=_MAX_CHATS)
    groups: list[GroupPriority] | None = Field(default=None, description=_GROUPS)
    notifications: list[Notification] | None = Field(default=None, description="Agent notifications to turn on.")
    email_subscriptions: list[EmailSubscription] | None = Field(
        default=None, description="Summaries emailed to the agent."
    )
    # The reference's example sends the per-day shape, its table the {timezone, schedule} shape.
    work_scheduler: AnyWorkScheduler | None = None


class DeleteAgent(_ById):
    pass


class SuspendAgent(_ById):
    pass


class UnsuspendAgent(_ById):
    pass


class RequestAgentUnsuspension(Input):
    """Empty request payload: the requester is the suspended agent."""


class ApproveAgent(_ById):
    pass


# --- actions ---------------------------------------------------------------------------

create_agent, batch_create_agents = batch(
    action(
        "create_agent", "agents", CreateAgent,
        title="Create agent",
        description="Create an agent; the id is their email and can never change. LiveChat emails an "
        "invitation and the agent stays awaiting_approval until approved. Plan seat limits apply.",
        scopes=_CREATE, write=True, idempotent=False,
        extra_scopes={
            "subscription.lc:rw": "create agents not awaiting approval (awaiting_approval false); private scope",
            "accounts.roles.lc--all:rw": "create agents with a role above normal",
        },
        notes="Seat limits of the plan apply (limit_reached). Gate downstream provisioning (routing, "
        "group setup) on awaiting_approval becoming false. Omitting role creates a normal agent.",
        after="Invited by email; awaits approval (approve_agent) unless created with awaiting_approval false.",
    ),
    "batch_create_agents",
    title="Create agents (batch)",
    description="Create several agents in one call; each is invited by email and awaits approval.",
)

get_agent = action(
    "get_agent", "agents", GetAgent,
    title="Get agent",
    description="Get one agent by id (email). Only base fields unless `fields` asks for more, e.g. groups.",
    scopes=_GET, write=False,
    extra_scopes={"agents--all:ro": "read agents other than the requester"},
    select=Select(("id", "account_id", "name", "avatar", "role", "login_status", *get_args(AgentField)),
                  extra=get_args(AgentField)),
)

list_agents = action(
    "list_agents", "agents", ListAgentsPage,
    title="List agents",
    description="List agents a page at a time, optionally by group, role, suspended or awaiting "
    "approval. Only base fields unless `fields` asks for more.",
    scopes=_LIST, write=False, paging=_LIST_PAGING, upstream=ListAgents,
    select=Select(("id", "account_id", "name", "avatar_path", "role", "login_status", *get_args(AgentField)),
                  extra=get_args(AgentField)),
)

update_agent, batch_update_agents = batch(
    action(
        "update_agent", "agents", UpdateAgent,
        title="Update agent",
        description="Update an agent; only the fields given change (groups replaces all memberships). "
        "The id (email) cannot change: a new email means delete and re-create.",
        scopes=_UPDATE, write=True, idempotent=True, shapes_of="create_agent",
        extra_scopes={
            "agents--all:rw": "update agents other than the requester",
            "accounts.roles.lc--all:rw": "change the agent's role",
        },
        notes="The license owner's role cannot be set or changed here (owner is not a settable role).",
    ),
    "batch_update_agents",
    title="Update agents (batch)",
    description="Update several agents in one call; each only changes the fields given.",
)

delete_agent, batch_delete_agents = batch(
    action(
        "delete_agent", "agents", DeleteAgent,
        title="Delete agent",
        description="Permanently delete an agent and their group memberships; cannot be undone. For "
        "reversible offboarding, set max_chats_count 0 or suspend first. The owner cannot be deleted.",
        scopes=_DELETE, write=True, destructive=True, idempotent=True,
        extra_scopes={
            "agents--all:rw": "with accounts--all:rw: delete agents other than the requester",
            "accounts--all:rw": "with agents--all:rw: delete agents other than the requester",
        },
        notes="Read the agent with get_agent (fields groups, ...) first if you need an audit record. "
        "The license owner cannot be deleted.",
    ),
    "batch_delete_agents",
    title="Delete agents (batch)",
    description="Permanently delete several agents in one call; cannot be undone.",
)

suspend_agent, batch_suspend_agents = batch(
    action(
        "suspend_agent", "agents", SuspendAgent,
        title="Suspend agent",
        description="Suspend an agent so they cannot use LiveChat until unsuspended. The license owner "
        "cannot be suspended." + _NOT_PUBLIC_SHORT,
        scopes=_SUSPEND, write=True, destructive=True, idempotent=True,
        notes=_NOT_PUBLIC,
    ),
    "batch_suspend_agents",
    title="Suspend agents (batch)",
    description="Suspend several agents in one call." + _NOT_PUBLIC_SHORT,
)

unsuspend_agent, batch_unsuspend_agents = batch(
    action(
        "unsuspend_agent", "agents", UnsuspendAgent,
        title="Unsuspend agent",
        description="Lift an agent's suspension so they can use LiveChat again." + _NOT_PUBLIC_SHORT,
        scopes=_SUBSCRIPTION, write=True, idempotent=True,
        notes=_NOT_PUBLIC,
    ),
    "batch_unsuspend_agents",
    title="Unsuspend agents (batch)",
    description="Lift the suspension of several agents in one call." + _NOT_PUBLIC_SHORT,
)

request_agent_unsuspension = action(
    "request_agent_unsuspension", "agents", RequestAgentUnsuspension,
    title="Request agent unsuspension",
    description="As the suspended agent making the call, email the license owners and vice owners "
    "asking to be unsuspended. Takes no parameters; every call sends another email.",
    # "Required scopes: -"
    scopes=(), write=True, idempotent=False,
    notes="Every call sends another email. Only meaningful with the suspended agent's own credential.",
)

approve_agent, batch_approve_agents = batch(
    action(
        "approve_agent", "agents", ApproveAgent,
        title="Approve agent",
        description="Approve an agent awaiting approval so they can use LiveChat." + _NOT_PUBLIC_SHORT,
        scopes=_SUBSCRIPTION, write=True, idempotent=True,
        notes=_NOT_PUBLIC,
    ),
    "batch_approve_agents",
    title="Approve agents (batch)",
    description="Approve several agents awaiting approval in one call." + _NOT_PUBLIC_SHORT,
)

ACTIONS: list[Action] = [
    create_agent,
    batch_create_agents,
    get_agent,
    list_agents,
    update_agent,
    batch_update_agents,
    delete_agent,
    batch_delete_agents,
    suspend_agent,
    batch_suspend_agents,
    unsuspend_agent,
    batch_unsuspend_agents,
    request_agent_unsuspension,
    approve_agent,
    batch_approve_agents,
]
