"""The action catalogue: one declaration per Configuration API action.

Everything else (the MCP tool list, annotations, policy decisions, dry-run planning,
docs tables) is derived from these declarations, so they are the single source of truth.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any, Literal

from pydantic import BaseModel, Field, create_model, field_validator
from pydantic_core import PydanticCustomError

from .cursors import cursor_validator
from .types import Input, PageCursor, page_limit, secret_fields

Resource = Literal[
    "agents",
    "auto_access",
    "bots",
    "customer_bans",
    "greetings",
    "groups",
    "properties",
    "tags",
    "webhooks",
    "other",
]
RESOURCES: tuple[str, ...] = Resource.__args__  # type: ignore[attr-defined]

# Documented scope alternatives: the action is allowed when ANY ONE inner tuple is fully held.
Scopes = tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class LocalFilter:
    """A filter LiveChat does not offer for a list, applied by this server to LiveChat's answer.

    It is declared in the request model under ``filters`` (where the assistant looks for it)
    but never sent: the result path (server/tools/results.py) matches ``item[field]`` against it.
    ``needs_field`` is the ``fields`` value that makes LiveChat return that item field.
    """

    field: str
    needs_field: str | None = None


@dataclass(frozen=True)
class Paging:
    """A list action whose whole answer LiveChat returns at once, served in pages by us.

    The request model gains ``limit`` and ``cursor`` (never sent upstream); the answer becomes
    ``{items, total, next_cursor?, ...}``. ``compact`` names item fields left out unless the
    request's ``fields`` asks for them (they are not sent upstream as ``fields`` values either:
    LiveChat returns them anyway). ``key`` identifies an item, so a cursor stays on the same
    item when the list shifts between pages.
    """

    key: str = "id"
    default_limit: int = 50
    max_limit: int = 200
    compact: tuple[str, ...] = ()
    filters: dict[str, LocalFilter] = field(default_factory=dict)


@dataclass(frozen=True)
class Select:
    """A read answering large objects: its request takes ``select``, the fields to return of each
    object (the compact default stays when it is not given). Named ``select``, not ``fields``:
    LiveChat's own ``fields`` asks for *more* (extra fields); ``select`` keeps *only* these.

    ``known``: every field the object has (the reference's), which ``select`` is validated
    against; ``extra``: those LiveChat answers only when its ``fields`` names them (selecting one
    adds it to the ``fields`` sent); ``key``: always kept (it names the object, and a page's
    cursor follows it); ``items``: where the objects are in the answer (None: the answer is the
    object; "items": a page this server serves; else the key of LiveChat's list)."""

    known: tuple[str, ...]
    extra: tuple[str, ...] = ()
    key: str = "id"
    items: str | None = None


# The verb of an action name → what its write did, for the answer of a write (server/tools/results.py).
EFFECTS = {
    "create": "created", "update": "updated", "delete": "deleted", "suspend": "suspended",
    "unsuspend": "unsuspended", "approve": "approved", "add": "added", "register": "registered",
    "unregister": "unregistered", "publish": "published", "reset": "reset", "issue": "issued",
    "enable": "enabled", "disable": "disabled", "unban": "unbanned", "reactivate": "reactivated",
    "request": "requested",
}
# Request fields that name the object a write acts on, in order of preference.
_KEY_FIELDS = ("id", "agent_id", "name", "customer_id", "ip", "group_id", "owner_client_id")


@dataclass(frozen=True)
class Outcome:
    """What a write reports instead of LiveChat's bare ``{}``: its effect, the object it acted on
    (``key``: the request field naming it; a create's new ``id`` comes from LiveChat's answer),
    and the request fields it changed. Derived from the name and model unless declared."""

    effect: str
    object: str
    key: str | None = None
    after: str = ""  # what to know next, e.g. a created agent awaits approval


class Hints:
    """The MCP annotations an action and its listing (server/tools/listing.py) derive alike."""

    write: bool

    @property
    def read_only(self) -> bool:
        return not self.write

    @property
    def open_world(self) -> bool:
        return True  # every action reaches the LiveChat license


@dataclass(frozen=True)
class Action(Hints):
    name: str
    resource: str
    model: type[BaseModel]
    title: str
    description: str
    scopes: Scopes
    write: bool
    destructive: bool = False
    idempotent: bool = False
    # For batch_* tools: the single action they batch.
    batch_of: str | None = None
    # Single actions that have a batch variant name it here (filled by `batch()`).
    batch_name: str | None = None
    # An update whose nested fields have the same shapes as a create's (rules, work_scheduler):
    # listed beside it, those fields point at the create's schema (server/tools/schema.py).
    shapes_of: str | None = None
    # Longer caveats shown by describe_action and the docs, not in tools/list.
    notes: str = ""
    # Scopes that widen what the action may do (e.g. role changes); informational.
    extra_scopes: dict[str, str] = field(default_factory=dict)
    # Result keys holding secrets (bot secrets, tokens), redacted unless the policy reveals them.
    secret_result_keys: tuple[str, ...] = ()
    # Request fields holding secrets (types.SECRET), kept out of plans and audit records.
    secret_input_keys: tuple[str, ...] = ()
    # List actions served in pages by this server (see Paging); None: LiveChat's answer as is.
    paging: Paging | None = None
    # Reads whose objects can be trimmed to the fields asked for (see Select).
    select: Select | None = None
    # Writes: what their answer reports (see Outcome).
    outcome: Outcome | None = None
    # The request model LiveChat knows (the sandbox validates against it); ``model`` may add
    # fields only this server uses (paging), which never reach upstream.
    upstream_model: type[BaseModel] | None = None

    def scope_text(self) -> str:
        return " | ".join(" + ".join(alt) for alt in self.scopes) or "none"

    @cached_property
    def listed_description(self) -> str:
        """What tools/list says of the action: its description and the scopes it needs."""
        return f"{self.description} Scopes: {self.scope_text()}."


def action(
    name: str,
    resource: str,
    model: type[BaseModel],
    *,
    title: str,
    description: str,
    scopes: Scopes,
    write: bool,
    destructive: bool = False,
    idempotent: bool | None = None,
    notes: str = "",
    extra_scopes: dict[str, str] | None = None,
    secret_result_keys: tuple[str, ...] = (),
    paging: Paging | None = None,
    select: Select | None = None,
    outcome: Outcome | None = None,
    after: str = "",
    upstream: type[BaseModel] | None = None,
    shapes_of: str | None = None,
) -> Action:
    if resource not in RESOURCES:
        raise ValueError(f"{name}: unknown resource {resource!r}")
    # ``upstream``: LiveChat's own request model, where the tool's adds local filters or fields.
    upstream = upstream or model
    if select is not None:
        if write:
            raise ValueError(f"{name}: only reads take select")
        if paging is not None:
            select = Select(select.known, select.extra, paging.key, "items")
        model = _selectable(model, select)
    if paging is not None:
        if write:
            raise ValueError(f"{name}: only list actions are paged")
        model = _paged(model, paging)
    if write and outcome is None:
        outcome = _outcome(name, model, after)
    return Action(
        name=name,
        resource=resource,
        model=model,
        upstream_model=upstream,
        paging=paging,
        select=select,
        outcome=outcome,
        title=title,
        description=description,
        scopes=scopes,
        write=write,
        destructive=destructive,
        # Reads are idempotent by nature; a write must say so explicitly.
        idempotent=(not write) if idempotent is None else idempotent,
        notes=notes,
        extra_scopes=extra_scopes or {},
        secret_result_keys=secret_result_keys,
        secret_input_keys=secret_fields(model),
        shapes_of=shapes_of,
    )


def batch(single: Action, name: str, *, title: str, description: str) -> tuple[Action, Action]:
    """Declare the batch variant of ``single``; returns (single with batch_name set, batch).

    A batch takes ``{"requests": [<single request>, ...]}`` and needs the same scopes.
    """
    model = create_model(
        _camel(name),
        __base__=Input,
        requests=(
            # mypy reads list[...] here as a type, and a model made at run time is not one to it.
            list[single.model],  # type: ignore[name-defined]
            Field(min_length=1, description=f"Requests of {single.name}, each run independently."),
        ),
    )
    batch_action = Action(
        name=name,
        resource=single.resource,
        model=model,
        title=title,
        description=description,
        scopes=single.scopes,
        write=single.write,
        destructive=single.destructive,
        idempotent=single.idempotent,
        batch_of=single.name,
        notes=single.notes,
        extra_scopes=single.extra_scopes,
        secret_result_keys=single.secret_result_keys,
        secret_input_keys=single.secret_input_keys,
        outcome=single.outcome,
        upstream_model=model,
    )
    return replace(single, batch_name=name), batch_action


def _paged(model: type[BaseModel], paging: Paging) -> type[BaseModel]:
    """The tool's request model: the upstream one plus ``limit`` and ``cursor`` (last, so the
    cursor's validator sees the other arguments it must belong to)."""
    return create_model(
        model.__name__,
        __base__=model,
        __doc__=model.__doc__,
        __validators__={"_cursor_matches_query": field_validator("cursor")(cursor_validator)},
        limit=(page_limit(paging.default_limit, paging.max_limit) | None, None),
        cursor=(PageCursor | None, None),
    )


def _selectable(model: type[BaseModel], select: Select) -> type[BaseModel]:
    """The request model plus ``select`` (before paging's cursor, whose digest covers it)."""
    known = select.known

    def check(value: list[str] | None) -> list[str] | None:
        if value is None:
            return value
        if not value:  # checked here, not in the schema: every listed tool would carry minItems
            raise PydanticCustomError("select", "name at least one field, or leave select out for the default fields")
        unknown = [v for v in value if v not in known]
        if unknown:
            raise PydanticCustomError(
                "select", "{unknown} {verb} of this object; known: {known}",
                {"unknown": ", ".join(map(repr, unknown)), "verb": "is not a field" if len(unknown) == 1 else
                 "are not fields", "known": ", ".join(known)})
        return list(dict.fromkeys(value))

    return create_model(
        model.__name__,
        __base__=model,
        __doc__=model.__doc__,
        __validators__={"_select_known": field_validator("select")(check)},
        select=(list[str] | None, Field(
            default=None, description=f"Only these fields ({select.key} always kept); `fields` adds more.")),
    )


def _outcome(name: str, model: type[BaseModel], after: str) -> Outcome:
    verb, _, rest = name.partition("_")
    effect = EFFECTS.get(verb, "done")
    fields = model.model_fields
    key = next((k for k in _KEY_FIELDS if k in fields), None)
    return Outcome(effect=effect, object=rest or name, key=key, after=after)


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


def build_catalog(*groups: list[Action]) -> dict[str, Action]:
    catalog: dict[str, Action] = {}
    for group in groups:
        for act in group:
            if act.name in catalog:
                raise ValueError(f"duplicate action {act.name}")
            catalog[act.name] = act
    for act in catalog.values():
        if act.batch_of and act.batch_of not in catalog:
            raise ValueError(f"{act.name} batches unknown action {act.batch_of}")
        if act.shapes_of and act.shapes_of not in catalog:
            raise ValueError(f"{act.name} shares the shapes of unknown action {act.shapes_of}")
    return catalog


def to_payload(model: BaseModel) -> dict[str, Any]:
    """The JSON body sent upstream: only what the caller gave (LiveChat updates are partial).

    Nulls are dropped: no documented field takes null, and an omitted field means "unchanged".
    """
    return model.model_dump(mode="json", exclude_unset=True, exclude_none=True, by_alias=True)
