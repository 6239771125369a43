"""Field types shared by several actions, defined once.

Descriptions come from the Configuration API v3.6 reference. Where a value set is
documented, it is a ``Literal`` so the JSON schema carries an ``enum``.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError


class Input(BaseModel):
    """Base of every request model: unknown fields are an error, not silently dropped.

    LiveChat ignores or rejects unknown fields depending on the method; an assistant that
    misspells a field should hear about it before anything is sent.
    """

    # defer_build: a validator is built on first use, so startup pays only for the tools a
    # policy lists (read-only: a third of them) rather than for all of the catalogue models.
    # strict: each value must already have the JSON type the schema advertises. Pydantic's lax
    # mode would turn `true` into group id 1, "5" into 5, 1.0 into 1 and "on"/"yes"/1 into true,
    # i.e. accept requests that tools/list says are invalid. Set once here, for every tool.
    model_config = ConfigDict(extra="forbid", populate_by_name=True, defer_build=True, strict=True)

    @field_validator("*", mode="before")
    @classmethod
    def _no_null(cls, value: Any, info: ValidationInfo) -> Any:
        # Optional fields are advertised without null (server/tools/schema.py: an omitted field
        # already means "unchanged", and null would cost context in every schema), so an explicit
        # null is refused like any other value of a type the schema does not list.
        if value is None:
            raise PydanticCustomError("null_value", "null is not accepted here: leave the field out instead")
        return value


class _Secret:
    """Marks a request field that holds a secret (a bot secret, a webhook's secret key).

    Such a field is never written into a plan, an audit record or a log: plans carry a
    placeholder that is filled in again when the plan is applied (server/plans/document.py).
    """

    def __repr__(self) -> str:
        return "SECRET"


SECRET = _Secret()


def secret_fields(model: type[BaseModel]) -> tuple[str, ...]:
    return tuple(name for name, f in model.model_fields.items() if SECRET in f.metadata)


# --- identifiers ---------------------------------------------------------------------

AgentId = Annotated[
    str,
    Field(min_length=1, description="Agent ID: the agent's email (cannot be changed)."),
]
BotId = Annotated[str, Field(min_length=1, description="Bot ID.")]
GroupId = Annotated[int, Field(ge=0, description="Group ID (0 is the default group 'General').")]
GroupIds = Annotated[list[Annotated[int, Field(ge=0)]], Field(description="Group IDs.")]
ClientId = Annotated[
    str,
    Field(min_length=1, description="Owner client ID (default: the Bearer token's; required with a PAT)."),
]

# --- agents and bots -----------------------------------------------------------------

Priority = Literal["first", "normal", "last", "supervisor"]
"""Chat routing priority in a group: first (bot), normal (primary), last (secondary),
supervisor (never gets chats automatically)."""

Role = Literal["viceowner", "administrator", "normal"]
LoginStatus = Literal["accepting chats", "not accepting chats"]
Weekday = Literal["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"]
Notification = Literal[
    "new_visitor",
    "incoming_chat",
    "returning_visitor",
    "queued_visitor",
    "visitor_is_typing",
    "new_goal",
    "unassigned_chats",
    "unassigned_chat_messages",
    "ticket",
    "inactive_notifications",
    "mute_all_sounds",
    "repeat_sound_notifications",
    "ticket_notifications",
    "incoming_message_for_focused_chat",
]
EmailSubscription = Literal["daily_summary", "weekly_summary"]

def _check_hhmm(value: str) -> str:
    if not re.fullmatch(r"[0-9]{2}:[0-9]{2}", value):  # [0-9], not \d: "０８:００" is not a time here
        raise ValueError("time must be HH:MM, e.g. 09:30 (livechat-mcp's own rule: the reference states no format, its examples use HH:MM)")
    hours, minutes = int(value[:2]), int(value[3:])
    if hours > 23 or minutes > 59:
        raise ValueError("time must be HH:MM with hours 00-23 and minutes 00-59")
    return value


# The schema carries the short shape; the validator checks the ranges (a full range regex
# costs context in every schema that uses a time).
HHMM = Annotated[
    str,
    # The schema's pattern is ECMA-262 (JSON Schema), where \d is ASCII [0-9] and costs fewer
    # tokens on every turn; the validator enforces the same thing server-side, where \d would
    # accept any Unicode digit.
    Field(description="Time of day, HH:MM (24h).", json_schema_extra={"pattern": r"^\d\d:\d\d$"}),
    AfterValidator(_check_hhmm),
]


class GroupPriority(Input):
    """An agent's or bot's membership in a group."""

    id: GroupId
    priority: Priority = Field(
        description="Routing priority in the group: first gets chats before the others; supervisor "
        "gets none automatically."
    )


class ScheduleEntry(Input):
    day: Weekday = Field(description="Day the working hours apply to.")
    enabled: bool = Field(description="Whether these hours are enabled.")
    start: HHMM = Field(description="Start, HH:MM.")
    end: HHMM = Field(description="End, HH:MM.")


class WorkScheduler(Input):
    """The documented work scheduler: a timezone and a list of working hours."""

    timezone: str | None = Field(
        default=None,
        description="Timezone (IANA, e.g. Europe/Warsaw). Required when schedule is not empty; "
        "falls back to the agent's timezone if empty.",
    )
    schedule: list[ScheduleEntry] = Field(description="Working hours; several entries per day allowed.")

    @model_validator(mode="after")
    def _timezone_with_hours(self) -> WorkScheduler:
        # "Falls back to the agent's timezone if empty. Required only when schedule is not empty."
        if self.schedule and not self.timezone:
            raise ValueError("timezone is required when schedule is not empty, e.g. \"Europe/Warsaw\"")
        return self


class DayHours(Input):
    start: HHMM = Field(description="Start, HH:MM.")
    end: HHMM = Field(description="End, HH:MM.")


# The per-day work scheduler shape used by the reference's update_agent example. The reference
# documents ``{timezone, schedule[]}`` but its update_agent example sends
# ``{"monday": {"start", "end"}, ...}``; both are accepted so that example keeps working.
# A weekday-keyed mapping says that in a fraction of the schema of seven optional fields.
WorkSchedulerByDay = Annotated[
    dict[Weekday, DayHours],
    Field(description="Working hours per weekday, e.g. {\"monday\": {\"start\": \"08:30\", \"end\": \"12:30\"}}."),
]


AnyWorkScheduler = Annotated[
    WorkScheduler | WorkSchedulerByDay,
    Field(
        description="Working hours: {timezone, schedule: [{day, enabled, start, end}]} "
        "or {<weekday>: {start, end}}."
    ),
]



# --- paging (served by this server, never sent upstream; see catalog.Paging) ----------

PageCursor = Annotated[str, Field(min_length=1, description="next_cursor of the previous page.")]


def page_limit(default: int, maximum: int) -> Any:  # a type made at run time: Annotated[int, ...]
    return Annotated[int, Field(ge=1, le=maximum, description=f"Page size (default {default}).")]
