"""Bots and bot templates. Reference: "Bots" in configuration-api-v3.6(-current).

Where the two reference files differ, the newer page (-current.mdx) wins: it adds the bot
``type`` field and words limits as "Maximum: 500. Default: 6".
"""

from typing import Annotated, Literal, get_args

from pydantic import Field

from .catalog import Action, Paging, Select, action, batch
from .types import SECRET, BotId, ClientId, GroupPriority, Input, Priority, WorkScheduler

# Scope lines read as follows:
# - "agents-bot--my:rw agents-bot--all:rw" (delete_bot, list_bots, get_bot): two alternatives.
#   The --my scope covers bots owned by the caller's client id, --all any bot of the license;
#   the sandbox enforces that split.
# - update_bot's "agents-bot--my:rw agents-bot--all:rw (to update other Bots within the same
#   license)": --all:rw is footnoted as unlocking other clients' bots, so it is listed in
#   extra_scopes; it is ALSO an alternative in `scopes` because it is a superset of --my:rw (a
#   token holding only --all:rw may update any bot, its own included).
# - issue_bot_token documents "-": no scope is required (the bot secret authorizes it).
_MY_RW = (("agents-bot--my:rw",),)
_ANY_RW = (("agents-bot--my:rw",), ("agents-bot--all:rw",))
_ANY_RO = (("agents-bot--my:ro",), ("agents-bot--all:ro",))
_TEMPLATES = (("bots.templates:rw",),)

_ALL_RW_UNLOCKS = {"agents-bot--all:rw": "act on bots owned by other client ids of the license"}
_ALL_RO_UNLOCKS = {"agents-bot--all:ro": "read bots owned by other client ids (list_bots all: true)"}

# owner_client_id is documented as required everywhere, yet every example omits it: with a
# Bearer token the token's client id is used (the docs say so for create_bot/reset_bot_secret),
# it is only needed with a Personal Access Token. So it is optional, with the shared
# ClientId type and description.

BotName = Annotated[str, Field(min_length=1, description="Display name.")]
MaxChats = Annotated[
    int, Field(ge=0, le=500, description="Max incoming chats routed to the bot; maximum 500 (default 6).")
]
BotField = Literal["groups", "work_scheduler", "job_title", "max_chats_count", "timezone"]
BotFields = Annotated[
    list[BotField],
    Field(
        description="Additional fields to include: groups, work_scheduler, job_title, max_chats_count, "
        "timezone (of the work scheduler)."
    ),
]
# A bot's fields (the reference's get_bot answer and the extra fields), for select.
_SELECT = Select(("id", "name", "avatar_path", "default_group_priority", "owner_client_id", *get_args(BotField)),
                 extra=get_args(BotField))

_DEFAULT_PRIORITY_DESC = (
    "Default routing priority for a group without a defined priority."
)
_AFFECT_DESC = "If true, also apply this to bots already created from the template on licenses with the app installed."


class BotWorkScheduler(WorkScheduler):
    """Bot working hours (the agent shape; for bots the timezone is required)."""

    timezone: str = Field(
        min_length=1, description="Time zone (IANA, e.g. Europe/Warsaw) the bot's work scheduler operates in."
    )


# --- templates ---------------------------------------------------------------------------


class CreateBotTemplate(Input):
    name: BotName
    avatar: str | None = Field(default=None, description="Avatar URL.")
    max_chats_count: MaxChats | None = Field(
        default=None, description="Max incoming chats routed to the bot; maximum 500 (default 6)."
    )
    default_group_priority: Priority | None = Field(default=None, description=_DEFAULT_PRIORITY_DESC)
    job_title: str | None = Field(default=None, description="Bot's job title.")
    owner_client_id: ClientId | None = None
    affect_existing_installations: bool | None = Field(
        default=None,
        description="If true, a bot from this template is created on all licenses that already have the "
        "app installed; otherwise only new installations get it.",
    )


class DeleteBotTemplate(Input):
    id: str = Field(min_length=1, description="Bot template ID.")
    owner_client_id: ClientId | None = None
    affect_existing_installations: bool | None = Field(
        default=None,
        description="If true, bots based on this template are deleted from all licenses with the app installed.",
    )


class UpdateBotTemplate(Input):
    id: str = Field(min_length=1, description="Bot template ID.")
    name: BotName | None = Field(default=None, description="Display name.")
    avatar: str | None = Field(default=None, description="Avatar URL.")
    max_chats_count: MaxChats | None = Field(
        default=None, description="Max incoming chats routed to the bot; maximum 500."
    )
    default_group_priority: Priority | None = Field(default=None, description=_DEFAULT_PRIORITY_DESC)
    job_title: str | None = Field(default=None, description="Bot's job title.")
    owner_client_id: ClientId | None = None
    affect_existing_installations: bool | None = Field(
        default=None,
        description="If true, bots based on this template are updated on all licenses with the app installed.",
    )


class ListBotTemplates(Input):
    owner_client_id: ClientId | None = None


class ResetBotTemplateSecret(Input):
    id: str = Field(min_length=1, description="Bot template ID.")
    owner_client_id: ClientId | None = None
    affect_existing_installations: bool | None = Field(
        default=None, description="If true, the new secret is also set for all existing bots based on this template."
    )


# --- bots ----------------------------------------------------------------------------------


class CreateBot(Input):
    name: BotName
    avatar: str | None = Field(default=None, description="Avatar URL.")
    max_chats_count: MaxChats | None = Field(
        default=None, description="Max incoming chats routed to the bot; maximum 500 (default 6)."
    )
    default_group_priority: Priority | None = Field(default=None, description=_DEFAULT_PRIORITY_DESC)
    job_title: str | None = Field(default=None, description="Bot's job title.")
    # groups[].id is marked "No" on create_bot but "required only when group's included", and
    # "Yes" on update_bot: each entry needs both id and priority.
    groups: list[GroupPriority] | None = Field(
        default=None, description="Groups the bot belongs to, each {id, priority}."
    )
    type: str | None = Field(
        default=None, min_length=1, description="Custom value to categorize the bot (default: chatbot)."
    )
    work_scheduler: BotWorkScheduler | None = Field(
        default=None, description="Working hours: {timezone, schedule: [{day, enabled, start, end}]}."
    )
    owner_client_id: ClientId | None = None


class DeleteBot(Input):
    id: BotId


class UpdateBot(Input):
    id: BotId
    name: BotName | None = Field(default=None, description="Display name.")
    avatar: str | None = Field(default=None, description="Avatar URL.")
    max_chats_count: MaxChats | None = Field(
        default=None, description="Max incoming chats routed to the bot; maximum 500."
    )
    # Read as the bot's whole membership ("the groups the bot belongs to"): groups left out are
    # left by the bot; an empty list removes it from every group.
    groups: list[GroupPriority] | None = Field(
        default=None,
        description="The groups the bot belongs to, each {id, priority}; replaces its current memberships.",
    )
    default_group_priority: Priority | None = Field(default=None, description=_DEFAULT_PRIORITY_DESC)
    job_title: str | None = Field(default=None, description="Bot's job title.")
    type: str | None = Field(default=None, min_length=1, description="Custom value to categorize the bot.")
    work_scheduler: BotWorkScheduler | None = Field(
        default=None, description="Working hours: {timezone, schedule: [{day, enabled, start, end}]}."
    )


class ListBots(Input):
    all: bool | None = Field(
        default=None,
        description="true: all bots of the license; false (default): only the requester's bots (those "
        "owned by the calling app's client ID).",
    )
    fields: BotFields | None = Field(
        default=None,
        description="Additional fields to include.",
    )


class GetBot(Input):
    id: BotId
    fields: BotFields | None = Field(
        default=None,
        description="Additional fields to include.",
    )


class IssueBotToken(Input):
    bot_id: BotId
    client_id: str = Field(min_length=1, description="Client ID (of the app owning the bot).")
    bot_secret: Annotated[str, SECRET] = Field(
        min_length=1, description="Bot secret, as returned by create_bot or reset_bot_secret."
    )
    organization_id: str = Field(min_length=1, description="Organization ID.")


class ResetBotSecret(Input):
    id: BotId
    owner_client_id: ClientId | None = None


# --- declarations ----------------------------------------------------------------------

_create_bot, _batch_create_bots = batch(
    action(
        "create_bot", "bots", CreateBot,
        title="Create bot",
        description="Create a bot owned by the calling app's client ID; returns its id and secret. "
        "It gets chats only after its routing status is set (Agent Chat API). Keep the secret: "
        "issue_bot_token needs it.",
        scopes=_MY_RW, write=True, idempotent=False,
        secret_result_keys=("secret",),
        notes="The secret is needed by issue_bot_token; if lost, use reset_bot_secret.",
    ),
    "batch_create_bots",
    title="Create bots",
    description="Create several bots in one call; each item is a create_bot request, answered in order.",
)

_update_bot, _batch_update_bots = batch(
    action(
        "update_bot", "bots", UpdateBot,
        title="Update bot",
        description="Change a bot's settings; only the fields given change. `groups` replaces all its memberships.",
        scopes=_ANY_RW, write=True, idempotent=True, shapes_of="create_bot",
        extra_scopes=_ALL_RW_UNLOCKS,
    ),
    "batch_update_bots",
    title="Update bots",
    description="Update several bots in one call; each item is an update_bot request, answered in order.",
)

_delete_bot, _batch_delete_bots = batch(
    action(
        "delete_bot", "bots", DeleteBot,
        title="Delete bot",
        description="Delete a bot and its group memberships. Permanent.",
        scopes=_ANY_RW, write=True, destructive=True, idempotent=True,
        extra_scopes=_ALL_RW_UNLOCKS,
    ),
    "batch_delete_bots",
    title="Delete bots",
    description="Delete several bots in one call; each item is a delete_bot request. Permanent.",
)

ACTIONS: list[Action] = [
    action(
        "create_bot_template", "bots", CreateBotTemplate,
        title="Create bot template",
        description="Create a bot template for an app (client ID; at most five each); a bot with the "
        "template's id is created on licenses installing the app. Returns its id and secret.",
        scopes=_TEMPLATES, write=True, idempotent=False,
        secret_result_keys=("secret",),
    ),
    _create_bot,
    _batch_create_bots,
    action(
        "delete_bot_template", "bots", DeleteBotTemplate,
        title="Delete bot template",
        description="Delete a bot template. Bots already created from it are deleted only with "
        "affect_existing_installations: true. Permanent.",
        scopes=_TEMPLATES, write=True, destructive=True, idempotent=True,
    ),
    _delete_bot,
    _batch_delete_bots,
    action(
        "update_bot_template", "bots", UpdateBotTemplate,
        title="Update bot template",
        description="Change a bot template; only the fields given change. Existing bots change only "
        "with affect_existing_installations: true.",
        scopes=_TEMPLATES, write=True, idempotent=True,
    ),
    _update_bot,
    _batch_update_bots,
    action(
        "list_bot_templates", "bots", ListBotTemplates,
        title="List bot templates",
        description="List the bot templates of an app (client ID).",
        # Not paged: an app has at most five templates (create_bot_template's limit).
        scopes=_TEMPLATES, write=False,
    ),
    action(
        "list_bots", "bots", ListBots,
        title="List bots",
        description="List bots: by default only the requester's (owned by its client ID); all: true for every bot.",
        scopes=_ANY_RO, write=False, paging=Paging(),
        extra_scopes=_ALL_RO_UNLOCKS, select=_SELECT,
        notes="Without all, a bot created via an app is listed to everyone calling through that app; "
        "one created with a Personal Access Token to everyone calling with PATs.",
    ),
    action(
        "get_bot", "bots", GetBot,
        title="Get bot",
        description="Get one bot; add `fields` for groups, work_scheduler, job_title, max_chats_count, timezone.",
        scopes=_ANY_RO, write=False,
        extra_scopes=_ALL_RO_UNLOCKS, select=_SELECT,
    ),
    action(
        "issue_bot_token", "bots", IssueBotToken,
        title="Issue bot token",
        description="Issue a chat token for a bot from its secret. Valid 24 hours and cannot be revoked.",
        scopes=(), write=True, idempotent=False,
        secret_result_keys=("token",),
        notes="The token carries chats--access:rw, agents-bot--my:rw and customers:rw.",
    ),
    action(
        "reset_bot_template_secret", "bots", ResetBotTemplateSecret,
        title="Reset bot template secret",
        description="Replace a bot template's secret; the old one stops working. Returns the new secret.",
        scopes=_TEMPLATES, write=True, destructive=True, idempotent=False,
        secret_result_keys=("secret",),
    ),
    action(
        "reset_bot_secret", "bots", ResetBotSecret,
        title="Reset bot secret",
        description="Replace a bot's secret; the old one stops working for issue_bot_token. Returns the new secret.",
        scopes=_MY_RW, write=True, destructive=True, idempotent=False,
        secret_result_keys=("secret",),
    ),
]
