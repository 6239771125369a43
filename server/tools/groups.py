"""Groups: teams of agents and bots that route chats. Reference: "Groups" in configuration-api-v3.6(-current)."""

import re
from typing import Annotated, Literal, get_args

from pydantic import AfterValidator, Field

from .catalog import Action, Paging, Select, action
from .types import GroupId, Input, Priority

# Scope lines such as "groups--my:rw groups--all:rw (to update groups the requester is not a
# member of)" are read as alternatives: groups--my:rw suffices for the requester's own groups,
# groups--all:rw for any group. The sandbox enforces the membership part.
_ALL_RW = (("groups--all:rw",),)
_MY_RW = (("groups--my:rw",), ("groups--all:rw",))
_ALL_RO = (("groups--all:ro",),)
_MY_RO = (("groups--my:ro",), ("groups--all:ro",))

GroupName = Annotated[str, Field(min_length=1, max_length=180, description="Group name, up to 180 characters.")]
# Not enumerated in the docs; a light shape check (ISO 639-1, optional region: en, pt-BR, zh_TW).
# The reference states no format, so the error names it as our own rule (docs/conformance.md).
_LANGUAGE = r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})?$"


def _language_code(value: str) -> str:
    if not re.fullmatch(_LANGUAGE[1:-1], value):
        raise ValueError("must look like a language code, e.g. en or pt-BR (livechat-mcp's own safety rule: "
                         "the reference states no format)")
    return value


LanguageCode = Annotated[
    str,
    Field(description="Group language code, e.g. en.", json_schema_extra={"pattern": _LANGUAGE}),
    AfterValidator(_language_code),
]
AgentPriorities = Annotated[
    dict[Annotated[str, Field(min_length=1)], Priority],
    Field(
        description='Members and their routing priority, {"<agent or bot id>": "first|normal|last|supervisor"}; '
        "supervisor gets no chats automatically."
    ),
]
GroupField = Literal["agent_priorities", "routing_status"]
GroupFields = Annotated[
    list[GroupField],
    Field(description="Additional fields to include: agent_priorities (members), routing_status."),
]
# A group's fields (the reference's answer and the extra fields), for select.
_SELECT = Select(("id", "name", "language_code", *get_args(GroupField)), extra=get_args(GroupField))


class CreateGroup(Input):
    name: GroupName
    language_code: LanguageCode | None = Field(default=None, description="Group language code, e.g. en.")
    agent_priorities: AgentPriorities


class UpdateGroup(Input):
    id: GroupId
    name: GroupName | None = Field(default=None, description="Group name, up to 180 characters.")
    language_code: LanguageCode | None = Field(default=None, description="Group language code, e.g. en.")
    # Does the map merge or replace? The API reference only says "the agents' priorities in a
    # group". The lifecycle guide (a third-party summary, wrong elsewhere: it says v3.6 has no
    # suspend) says omitted agents keep their priority. We describe it, and the sandbox
    # emulates it, as a replacement, because that is the reading under which a user never loses
    # a member by surprise: sending the complete map gives the same result either way.
    agent_priorities: AgentPriorities | None = Field(
        default=None,
        description="The group's full membership map, {id: priority}; replaces the current one "
        "(members left out are removed).",
    )


class DeleteGroup(Input):
    id: GroupId


class ListGroups(Input):
    fields: GroupFields | None = Field(
        default=None, description="Additional fields to include: agent_priorities (members), routing_status."
    )


class GetGroup(Input):
    id: GroupId
    fields: GroupFields | None = Field(
        default=None, description="Additional fields to include: agent_priorities (members), routing_status."
    )


ACTIONS: list[Action] = [
    action(
        "create_group", "groups", CreateGroup,
        title="Create group",
        description="Create a group with its members and their routing priorities; returns the new id.",
        scopes=_ALL_RW, write=True, idempotent=False,
    ),
    action(
        "update_group", "groups", UpdateGroup,
        title="Update group",
        description="Change a group's name, language or members. agent_priorities replaces the whole "
        "membership: include every member to keep.",
        scopes=_MY_RW, write=True, idempotent=True,
        notes="Only the fields given change. agent_priorities, when given, is the group's complete "
        "member map: agents or bots left out lose their membership in this group.",
    ),
    action(
        "delete_group", "groups", DeleteGroup,
        title="Delete group",
        description="Delete a group and its memberships. Permanent; the default group 0 cannot be deleted.",
        scopes=_MY_RW, write=True, destructive=True, idempotent=True,
    ),
    action(
        "list_groups", "groups", ListGroups,
        title="List groups",
        description="List all groups (id, name, language_code), optionally with members and routing status.",
        scopes=_ALL_RO, write=False, paging=Paging(), select=_SELECT,
    ),
    action(
        "get_group", "groups", GetGroup,
        title="Get group",
        description="Get one group by id, optionally with members and routing status.",
        scopes=_MY_RO, write=False, select=_SELECT,
    ),
]
