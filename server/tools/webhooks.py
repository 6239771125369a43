"""Webhooks: per-Client-Id webhook definitions and their per-license state.

Reference: "Webhooks" in configuration-api-v3.6(-current). Where the two differ the newer
page wins:
- the triggering-actions table: the newer page adds ``event_deleted`` and ``thread_summary_set``
  and drops ``incoming_customer`` (38 actions; the older text lists 37);
- ``url`` is limited to 500 characters (newer page only);
- ``additional_data`` is unavailable for ``agent_deleted`` (the older text also names
  ``incoming_customer``, which the newer page no longer has).
"""

import re
from typing import Annotated, Literal, Self

from pydantic import AfterValidator, Field, field_validator, model_validator

from .catalog import Action, Paging, Select, action
from .types import SECRET, ClientId, Input

# The triggering-actions table of the newer page: action -> filters available for it.
_CHAT = ("chat_presence", "only_my_chats", "source_type")
_EVENT = ("chat_presence", "author_type", "only_my_chats", "source_type")
_SOURCE = ("source_type",)
WEBHOOK_ACTIONS: dict[str, tuple[str, ...]] = {
    "incoming_chat": _CHAT,
    "chat_deactivated": _CHAT,
    "chat_access_updated": _CHAT,
    "chat_transferred": _CHAT,
    "user_added_to_chat": _CHAT,
    "user_removed_from_chat": _CHAT,
    "incoming_event": _EVENT,
    "event_deleted": _CHAT,
    "event_updated": _EVENT,
    "incoming_rich_message_postback": _CHAT,
    "chat_properties_updated": _CHAT,
    "chat_properties_deleted": _CHAT,
    "thread_properties_updated": _CHAT,
    "thread_properties_deleted": _CHAT,
    "event_properties_updated": _CHAT,
    "event_properties_deleted": _CHAT,
    "thread_tagged": _CHAT,
    "thread_untagged": _CHAT,
    "routing_status_set": ("agent_ids", "source_type"),
    "customer_session_fields_updated": ("chat_presence", "source_type"),
    "events_marked_as_seen": _CHAT,
    "group_created": _SOURCE,
    "group_updated": _SOURCE,
    "group_deleted": _SOURCE,
    "agent_created": _SOURCE,
    "agent_updated": _SOURCE,
    "agent_deleted": _SOURCE,
    "agent_suspended": _SOURCE,
    "agent_unsuspended": _SOURCE,
    "agent_approved": _SOURCE,
    "bot_created": _SOURCE,
    "bot_updated": _SOURCE,
    "bot_deleted": _SOURCE,
    "auto_accesses_updated": _SOURCE,
    "tag_created": _SOURCE,
    "tag_deleted": _SOURCE,
    "tag_updated": _SOURCE,
    "thread_summary_set": _CHAT,
}

WebhookAction = Literal[
    "incoming_chat",
    "chat_deactivated",
    "chat_access_updated",
    "chat_transferred",
    "user_added_to_chat",
    "user_removed_from_chat",
    "incoming_event",
    "event_deleted",
    "event_updated",
    "incoming_rich_message_postback",
    "chat_properties_updated",
    "chat_properties_deleted",
    "thread_properties_updated",
    "thread_properties_deleted",
    "event_properties_updated",
    "event_properties_deleted",
    "thread_tagged",
    "thread_untagged",
    "routing_status_set",
    "customer_session_fields_updated",
    "events_marked_as_seen",
    "group_created",
    "group_updated",
    "group_deleted",
    "agent_created",
    "agent_updated",
    "agent_deleted",
    "agent_suspended",
    "agent_unsuspended",
    "agent_approved",
    "bot_created",
    "bot_updated",
    "bot_deleted",
    "auto_accesses_updated",
    "tag_created",
    "tag_deleted",
    "tag_updated",
    "thread_summary_set",
]
AdditionalData = Literal["chat_properties", "chat_presence_user_ids"]
# Actions that take no additional_data (the newer page: "all actions except agent_status_changed,
# agent_deleted"; agent_status_changed is not a v3.6 action).
NO_ADDITIONAL_DATA = frozenset({"agent_deleted"})
WebhookType = Literal["bot", "license"]
SourceType = Literal["my_client", "other_clients", "system"]

UserIdList = Annotated[list[Annotated[str, Field(min_length=1)]], Field(min_length=1)]


class IdFilter(Input):
    """Exactly one of values / exclude_values."""

    values: UserIdList | None = Field(default=None, description="Trigger only if any of these users is in the chat.")
    exclude_values: UserIdList | None = Field(
        default=None, description="Do not trigger if any of these users is in the chat."
    )

    @model_validator(mode="after")
    def _exactly_one(self) -> Self:
        if (self.values is None) == (self.exclude_values is None):
            raise ValueError("give exactly one of values or exclude_values")
        return self


class ChatPresenceFilter(Input):
    user_ids: IdFilter | None = Field(
        default=None, description="User IDs (any user type) in the chat: {values} or {exclude_values}."
    )
    my_bots: bool | None = Field(
        default=None, description="If true, trigger when any bot owned by owner_client_id is in the chat."
    )


class AgentIdsFilter(Input):
    """Shape undocumented in the reference (only named in the actions table); mirrors user_ids."""

    values: UserIdList | None = Field(default=None, description="Trigger only for these agents.")
    exclude_values: UserIdList | None = Field(default=None, description="Never trigger for these agents.")

    @model_validator(mode="after")
    def _exactly_one(self) -> Self:
        if (self.values is None) == (self.exclude_values is None):
            raise ValueError("give exactly one of values or exclude_values")
        return self


class WebhookFilters(Input):
    author_type: Literal["customer", "agent"] | None = Field(
        default=None, description="Only events by this author type; incoming_event and event_updated only."
    )
    only_my_chats: bool | None = Field(
        default=None, description="If true, only chats whose source.client_id is the owner's client id."
    )
    chat_presence: ChatPresenceFilter | None = Field(
        default=None, description="Trigger depending on who is present in the chat."
    )
    source_type: list[SourceType] | None = Field(
        default=None,
        min_length=1,
        description="Send only if the source matches: my_client, other_clients, system (no client id).",
    )
    # Named as an available filter of routing_status_set in the actions table, without a row in
    # the parameter table; accepted so the documented filter is usable.
    agent_ids: AgentIdsFilter | None = Field(
        default=None, description="routing_status_set only: {values} or {exclude_values} of agent IDs."
    )

    def used(self) -> list[str]:
        return [name for name in type(self).model_fields if getattr(self, name) is not None]


def _http_url(value: str) -> str:
    # The reference states only the 500-character limit: the scheme check is ours, and says so.
    if not re.match(r"https?://", value):
        raise ValueError("must start with http:// or https:// (livechat-mcp's own safety rule)")
    return value


class RegisterWebhook(Input):
    action: WebhookAction = Field(description="The action that triggers the webhook.")
    secret_key: Annotated[str, SECRET] = Field(
        min_length=1, description="Secret sent with every webhook to verify its source."
    )
    url: Annotated[str, AfterValidator(_http_url)] = Field(
        min_length=1, max_length=500, description="Destination URL (max 500 characters).",
        json_schema_extra={"pattern": r"^https?://"},
    )
    additional_data: list[AdditionalData] | None = Field(
        default=None, description="Extra data sent with the webhook; not for agent_deleted."
    )
    description: str | None = Field(default=None, description="Webhook description.")
    filters: WebhookFilters | None = Field(default=None, description="Conditions for sending the webhook.")
    # Required in both files; with a Bearer token this server fills in the token's client id
    # (server/tools/owner.py), so only a PAT caller must give it.
    owner_client_id: ClientId | None = Field(
        default=None, description="Client Id that will own the webhook (your organization's); "
        "default: the Bearer token's client id; required with a PAT."
    )
    type: WebhookType = Field(description="license (license events) or bot (for a bot's routing).")

    @model_validator(mode="after")
    def _fits_action(self) -> Self:
        if self.filters is not None:
            allowed = WEBHOOK_ACTIONS[self.action]
            wrong = [name for name in self.filters.used() if name not in allowed]
            if wrong:
                raise ValueError(
                    f"filter {', '.join(wrong)} is not available for {self.action}; "
                    f"available: {', '.join(allowed)}"
                )
        if self.additional_data and self.action in NO_ADDITIONAL_DATA:
            raise ValueError(f"additional_data is not available for {self.action}")
        return self


class ListWebhooks(Input):
    owner_client_id: ClientId | None = Field(
        default=None, description="The webhooks' owner Client Id; default: the Bearer token's client id; "
        "required with a PAT."
    )


class UnregisterWebhook(Input):
    id: str = Field(min_length=1, description="Webhook ID.")
    owner_client_id: ClientId | None = Field(
        default=None, description="The webhook's owner Client Id; default: the Bearer token's client id; "
        "required with a PAT."
    )


class ListWebhookNames(Input):
    # ECMA-262 pattern in the schema (\d is ASCII there); the validator checks [0-9] server-side.
    version: str | None = Field(
        default=None, description="API version, e.g. '3.6'; defaults to the current stable one.",
        json_schema_extra={"pattern": r"^\d+\.\d+$"},
    )

    @field_validator("version")
    @classmethod
    def _ascii_version(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"[0-9]+\.[0-9]+", value):
            raise ValueError("version must look like 3.6")
        return value


# Documented "Required: Yes" but "required only when authorizing via PATs", and the examples
# send {}: optional (a Bearer token's client id is used when omitted).
class EnableLicenseWebhooks(Input):
    owner_client_id: ClientId | None = None


class DisableLicenseWebhooks(Input):
    owner_client_id: ClientId | None = None


class GetLicenseWebhooksState(Input):
    owner_client_id: ClientId | None = None


_CONFIG = (("webhooks.configuration:rw",),)

ACTIONS: list[Action] = [
    action(
        "register_webhook", "webhooks", RegisterWebhook,
        title="Register webhook",
        description="Register a webhook that posts an action's events to a URL for a Client Id. "
        "At most three webhooks per action per Client Id.",
        scopes=_CONFIG, write=True, idempotent=False,
        notes="License webhooks are enabled automatically when the application is installed on the "
        "license. For bot webhooks: create the bot, register the webhooks, then set the bot's routing "
        "status. A Personal Access Token is the recommended credential.",
    ),
    action(
        "list_webhooks", "webhooks", ListWebhooks,
        title="List webhooks",
        description="List the webhooks registered for a Client Id (secret keys are not returned).",
        scopes=_CONFIG, write=False, paging=Paging(),
        select=Select(("id", "action", "url", "description", "filters", "additional_data", "owner_client_id", "type")),
        # Not in the documented response; redacted should the API ever return it.
        secret_result_keys=("secret_key",),
    ),
    action(
        "unregister_webhook", "webhooks", UnregisterWebhook,
        title="Unregister webhook",
        description="Unregister a webhook of a Client Id; its events stop being sent.",
        scopes=_CONFIG, write=True, destructive=True, idempotent=True,
    ),
    action(
        "list_webhook_names", "webhooks", ListWebhookNames,
        title="List webhook names",
        description="List the webhook actions of an API version with their filters and additional data.",
        scopes=(), write=False, paging=Paging(key="action"),
        notes="Requires no authorization.",
    ),
    action(
        "enable_license_webhooks", "webhooks", EnableLicenseWebhooks,
        title="Enable license webhooks",
        description="Re-enable a Client Id's webhooks on this license after Disable License Webhooks.",
        scopes=(("webhooks.state:rw",),), write=True, idempotent=True,
    ),
    action(
        "disable_license_webhooks", "webhooks", DisableLicenseWebhooks,
        title="Disable license webhooks",
        description="Stop a Client Id's webhooks on this license; they stay off even after the app is "
        "reinstalled, until enabled again.",
        scopes=(("webhooks.state:rw",),), write=True, destructive=True, idempotent=True,
    ),
    action(
        "get_license_webhooks_state", "webhooks", GetLicenseWebhooksState,
        title="Get license webhooks state",
        description="Tell whether a Client Id's webhooks are enabled on this license.",
        scopes=(("webhooks.state:ro",),), write=False,
    ),
]
