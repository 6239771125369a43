"""Greetings (campaigns): messages shown to visitors when rules match.

Reference: "Greetings" in configuration-api-v3.6-current.mdx (the only source; the older text
lists the methods but does not document them).

Documentation contradictions and what was chosen:
- ``rich_message.template_id`` lists ``cards``, ``sticker``, ``quick_replies``, but both request
  examples send ``"text"``; ``text`` is accepted too so the documented examples keep working.
- ``rich_message.elements[].image`` is marked required, but both examples send elements with only
  ``title`` and ``subtitle``; it is optional here.
- ``rules[].urls[].url`` / ``.operator`` are marked "No" but "required when the urls array is
  used"; a URL object only exists inside ``urls``, so both are required in it.
- list_greetings: ``page_id`` "cannot be used with groups or limit" but also "when provided,
  groups and limit are ignored"; combining them is refused so a caller is not surprised by a
  silently ignored filter.
- ``rules[].value`` is a string (the examples send ``"30"`` for a number of seconds); numeric rule
  types get their value checked as an integer string.
"""

import re
from datetime import datetime
from typing import Annotated, Literal, Self

from pydantic import AfterValidator, Field, model_validator
from pydantic_core import PydanticCustomError

from .catalog import Action, Select, action
from .types import GroupId, GroupIds, Input

_RW = (("greetings:rw",),)
_RO = (("greetings:ro",),)
# A greeting's fields, as get_greeting's reference lists them (select takes these).
_FIELDS = ("id", "type", "active", "active_from", "active_until", "name", "group", "rules", "properties",
           "rich_message")

GreetingType = Literal["normal", "announcement"]
RuleCondition = Literal["and", "or"]
RuleType = Literal[
    "visit_time_site",
    "visit_time_page",
    "url_current",
    "url_visited",
    "url_funnel",
    "pages_view_number",
    "url_referrer",
    "geolocation",
    "visits_number",
    "search_keyword",
    "custom_variable",
    "ads_traffic",
    "url_match_page_view_number",
]
Operator = Literal[
    "equals",
    "doesnt_equal",
    "lower_than",
    "lower_or_equal",
    "greater_than",
    "greater_or_equal",
    "contains",
    "doesnt_contain",
]
AdsSource = Literal["microsoft", "facebook", "google", "twitter", "yahoo"]
ADS_SOURCES: tuple[str, ...] = AdsSource.__args__  # type: ignore[attr-defined]
TemplateId = Literal["cards", "sticker", "quick_replies", "text"]
ButtonType = Literal["webview", "message", "url", "phone"]
ButtonRole = Literal["default", "primary", "danger"]

GreetingId = Annotated[int, Field(description="Greeting ID.")]
# [0-9], not \d: \d also matches non-ASCII digits such as "２０２４".
_RFC3339 = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})")


def _check_rfc3339(value: str) -> str:
    if not _RFC3339.fullmatch(value):
        raise ValueError("must be an RFC 3339 date-time, e.g. 2024-01-01T00:00:00Z")
    return value


# Advertised as format date-time (short); the validator enforces the exact shape.
RFC3339 = Annotated[
    str,
    Field(json_schema_extra={"format": "date-time"}, description="RFC 3339 date-time, e.g. 2024-01-01T00:00:00Z."),
    AfterValidator(_check_rfc3339),
]
Short = Annotated[str, Field(min_length=1, max_length=255)]

# Which rule types use which fields (footnote 1 of Create Greeting).
_NO_OPERATOR = {"url_funnel", "custom_variable", "ads_traffic"}
_USES_URLS = {"url_funnel", "url_match_page_view_number"}
_USES_SESSION_FIELD = {"custom_variable", "ads_traffic"}
_SECONDS = {"visit_time_site", "visit_time_page"}  # value: integer 0..900
_COUNTS = {"pages_view_number", "visits_number", "url_match_page_view_number"}  # value: integer


def _is_uint(value: str | None) -> bool:
    return value is not None and re.fullmatch(r"[0-9]+", value) is not None


def _rule_error(message: str) -> PydanticCustomError:
    return PydanticCustomError("greeting_rule", message)


class RuleUrl(Input):
    url: str = Field(min_length=1, description="URL to compare the visited page against.")
    operator: Operator = Field(description="How the URL is compared.")


class GreetingRule(Input):
    # Which fields a rule needs depends on its type: checked by the validator, not the schema
    # (no oneOf: clients handle flat schemas better).

    condition: RuleCondition = Field(description="and: match all conditions; or: match one of them.")
    type: RuleType = Field(
        description="Rule type. value+operator: visit_time_site/visit_time_page (seconds 0-900), "
        "url_current, url_visited, url_referrer, geolocation, search_keyword, pages_view_number, "
        "visits_number; urls: url_funnel; value+operator+urls: url_match_page_view_number; "
        "session_field: custom_variable, ads_traffic."
    )
    operator: Operator | None = Field(
        default=None, description="Comparison operator; not used by url_funnel, custom_variable, ads_traffic."
    )
    value: str | None = Field(
        default=None,
        description="Value compared with the operator (a string, numbers too: \"30\"); required "
        "except for url_funnel, custom_variable, ads_traffic.",
    )
    urls: list[RuleUrl] | None = Field(
        default=None,
        min_length=1,
        max_length=10,
        description="1-10 URLs; only for url_funnel and url_match_page_view_number (required there).",
    )
    session_field: dict[Short, Annotated[str, Field(max_length=255)]] | None = Field(
        default=None,
        min_length=1,
        max_length=1,
        description="Exactly one key-value pair (each ≤255 chars); only for custom_variable and "
        "ads_traffic, whose key is microsoft, facebook, google, twitter or yahoo.",
    )

    @model_validator(mode="after")
    def _fields_match_type(self) -> Self:
        kind = self.type
        if kind not in _NO_OPERATOR:
            if self.operator is None:
                raise _rule_error(f"`operator` is required for rule type {kind}")
            if self.value is None:
                raise _rule_error(f"`value` is required for rule type {kind}")
        if kind in _SECONDS and not (_is_uint(self.value) and int(self.value) <= 900):  # type: ignore[arg-type]
            raise _rule_error(f"`value` must be an integer from 0 to 900 (seconds) for rule type {kind}")
        if kind in _COUNTS and not _is_uint(self.value):
            raise _rule_error(f"`value` must be a non-negative integer for rule type {kind}")
        if kind in _USES_URLS:
            if not self.urls:
                raise _rule_error(f"`urls` (1-10 URL objects) is required for rule type {kind}")
        elif self.urls is not None:
            raise _rule_error(f"`urls` is only used by url_funnel and url_match_page_view_number, not {kind}")
        if kind in _USES_SESSION_FIELD:
            if not self.session_field:
                raise _rule_error(f"`session_field` (exactly one key-value pair) is required for rule type {kind}")
            if kind == "ads_traffic":
                key = next(iter(self.session_field))
                if key not in ADS_SOURCES:
                    raise _rule_error(
                        f"`session_field` key must be one of {', '.join(ADS_SOURCES)} for ads_traffic, not {key!r}"
                    )
        elif self.session_field is not None:
            raise _rule_error(f"`session_field` is only used by custom_variable and ads_traffic, not {kind}")
        return self


class GreetingProperties(Input):
    # The documented keys (footnote 3); values are strings: the examples send "false".

    addon: str | None = Field(default=None, description="Addon-related property, e.g. chat_widget.")
    is_exit_intent: str | None = Field(default=None, description="Exit intent detection flag: \"true\" or \"false\".")
    greeting_message_text: str | None = Field(
        default=None, alias="greeting-message_text", description="Plain text message content."
    )
    greeting_message_json_key: str | None = Field(
        default=None, alias="greeting-message_json_key", description="JSON key for the message content."
    )
    greeting_message_phrase_key: str | None = Field(
        default=None, alias="greeting-message_phrase_key", description="Phrase key for the message content."
    )


class RichImage(Input):
    url: str = Field(min_length=1, description="Image URL.")
    name: str | None = Field(default=None, description="Image name.")
    content_type: str | None = Field(default=None, description="Image MIME type.")
    size: int | None = Field(default=None, ge=0, description="Image size in bytes.")
    width: int | None = Field(default=None, ge=0, description="Image width in pixels.")
    height: int | None = Field(default=None, ge=0, description="Image height in pixels.")
    alternative_text: str | None = Field(default=None, description="Alternative text for the image.")


class RichButton(Input):
    text: str = Field(description="Button text.")
    type: ButtonType = Field(description="What a click does with value.")
    value: str = Field(description="The button's target (URL, phone, message; a webview's title).")
    postback_id: str = Field(description="Unique button identifier sent in postback events.")
    button_id: str | None = Field(
        default=None, description="Button ID; generated if omitted. On update, pass the existing ID to keep it."
    )
    role: ButtonRole | None = Field(default=None, description="Button role.")


class RichElement(Input):
    title: str = Field(description="Formatted title text.")
    subtitle: str = Field(description="Formatted subtitle text.")
    # Documented as required, but both reference examples omit it: optional.
    image: RichImage | None = Field(default=None, description="Image; url required.")
    buttons: list[RichButton] | None = Field(default=None, max_length=13, description="Up to 13 buttons.")


class RichMessage(Input):
    template_id: TemplateId = Field(
        description="How the message is presented: cards, sticker, quick_replies (text in the examples)."
    )
    elements: list[RichElement] | None = Field(default=None, max_length=10, description="Up to 10 elements.")


def check_active_window(active_from: str | None, active_until: str | None) -> None:
    """Our rule (the reference is silent; docs/conformance.md Q6): a greeting's window ends after it starts."""
    if active_from and active_until:
        start = datetime.fromisoformat(active_from.replace("Z", "+00:00"))
        end = datetime.fromisoformat(active_until.replace("Z", "+00:00"))
        if end <= start:
            raise PydanticCustomError("greeting_window", "`active_until` must be later than `active_from`")


_RULES_DESC = "Rules that trigger the greeting, at most 10."


class CreateGreeting(Input):
    type: GreetingType = Field(description="Greeting type.")
    active: bool = Field(description="Whether the greeting is active.")
    active_from: RFC3339 | None = Field(default=None, description="When the greeting becomes active (RFC 3339).")
    active_until: RFC3339 | None = Field(default=None, description="When the greeting stops being active (RFC 3339).")
    name: str = Field(min_length=1, description="Greeting name.")
    group: GroupId = Field(description="ID of the group the greeting belongs to; cannot be changed later.")
    rules: list[GreetingRule] = Field(max_length=10, description=_RULES_DESC)
    properties: GreetingProperties | None = Field(default=None, description="Additional properties.")
    rich_message: RichMessage | None = Field(default=None, description="Rich message content.")

    @model_validator(mode="after")
    def _window(self) -> Self:
        check_active_window(self.active_from, self.active_until)
        return self


class UpdateGreeting(Input):
    id: GreetingId
    type: GreetingType | None = Field(default=None, description="Greeting type.")
    active: bool | None = Field(default=None, description="Whether the greeting is active.")
    active_from: RFC3339 | None = Field(default=None, description="When the greeting becomes active (RFC 3339).")
    active_until: RFC3339 | None = Field(default=None, description="When the greeting stops being active (RFC 3339).")
    name: str | None = Field(default=None, min_length=1, description="Greeting name.")
    rules: list[GreetingRule] | None = Field(default=None, max_length=10, description=_RULES_DESC + " Replaces all rules.")
    properties: GreetingProperties | None = Field(default=None, description="Additional properties; replaces them.")
    rich_message: RichMessage | None = Field(default=None, description="Rich message content; replaces it.")

    @model_validator(mode="after")
    def _window(self) -> Self:
        check_active_window(self.active_from, self.active_until)
        return self


class DeleteGreeting(Input):
    id: GreetingId


class GetGreeting(Input):
    id: GreetingId


class ListGreetings(Input):
    groups: GroupIds | None = Field(
        default=None, description="Only greetings of these groups (default: all accessible). Not with page_id."
    )
    page_id: str | None = Field(
        default=None, min_length=1, description="next_page_id of a previous call; it carries groups and limit."
    )
    limit: int | None = Field(default=None, ge=1, le=100, description="Greetings per page, max 100 (default 100). Not with page_id.")

    @model_validator(mode="after")
    def _page_id_alone(self) -> Self:
        if self.page_id is not None and (self.groups is not None or self.limit is not None):
            raise PydanticCustomError(
                "page_id_alone", "`page_id` cannot be combined with `groups` or `limit` (the page ID carries them)"
            )
        return self


ACTIONS: list[Action] = [
    action(
        "create_greeting", "greetings", CreateGreeting,
        title="Create greeting",
        description="Create a greeting (campaign) shown to visitors of a group when its rules match. "
        "Returns the new greeting's id; its group cannot be changed later.",
        scopes=_RW, write=True, idempotent=False,
        notes="Rule fields depend on rules[].type: most types need operator and value; url_funnel needs "
        "urls; url_match_page_view_number needs operator, value and urls; custom_variable and "
        "ads_traffic need session_field (one pair). visit_time_* values are seconds 0-900 as strings.",
    ),
    action(
        "update_greeting", "greetings", UpdateGreeting,
        title="Update greeting",
        description="Change a greeting's fields; omitted fields stay, given rules/properties/rich_message "
        "replace the old ones. The group cannot be changed.",
        scopes=_RW, write=True, idempotent=True, shapes_of="create_greeting",
        notes="Buttons sent without button_id get a new generated ID; pass the existing button_id to keep it.",
    ),
    action(
        "delete_greeting", "greetings", DeleteGreeting,
        title="Delete greeting",
        description="Delete a greeting. Permanent.",
        scopes=_RW, write=True, destructive=True, idempotent=True,
    ),
    action(
        "list_greetings", "greetings", ListGreetings,
        title="List greetings",
        description="List greetings, optionally of some groups, paginated (next_page_id when more remain).",
        scopes=_RO, write=False, select=Select(_FIELDS, items="greetings"),
    ),
    action(
        "get_greeting", "greetings", GetGreeting,
        title="Get greeting",
        description="Get one greeting's details: type, status, group, rules, properties and rich message.",
        scopes=_RO, write=False, select=Select(_FIELDS),
    ),
]
