"""The action catalogue: one declaration per Configuration API action.

Everything else (the MCP tool list, annotations, policy decisions, dry-run planning,
README tables) is derived from these declarations, so they are the single source of truth.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, Field, create_model

from .types import Input, secret_fields

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
class Action:
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
    # Longer caveats shown by describe_action and the docs, not in tools/list.
    notes: str = ""
    # Scopes that widen what the action may do (e.g. role changes); informational.
    extra_scopes: dict[str, str] = field(default_factory=dict)
    # Result keys holding secrets (bot secrets, tokens), redacted unless the policy reveals them.
    secret_result_keys: tuple[str, ...] = ()
    # Request fields holding secrets (types.SECRET), kept out of plans and audit records.
    secret_input_keys: tuple[str, ...] = ()

    @property
    def read_only(self) -> bool:
        return not self.write

    def scope_text(self) -> str:
        return " | ".join(" + ".join(alt) for alt in self.scopes) or "none"


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
) -> Action:
    if resource not in RESOURCES:
        raise ValueError(f"{name}: unknown resource {resource!r}")
    return Action(
        name=name,
        resource=resource,
        model=model,
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
    )


def batch(single: Action, name: str, *, title: str, description: str) -> tuple[Action, Action]:
    """Declare the batch variant of ``single``; returns (single with batch_name set, batch).

    A batch takes ``{"requests": [<single request>, ...]}`` and needs the same scopes.
    """
    model = create_model(
        _camel(name),
        __base__=Input,
        requests=(
            list[single.model],  # type: ignore[valid-type]
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
    )
    from dataclasses import replace

    return replace(single, batch_name=name), batch_action


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
    return catalog


def to_payload(model: BaseModel) -> dict[str, Any]:
    """The JSON body sent upstream: only what the caller gave (LiveChat updates are partial).

    Nulls are dropped: no documented field takes null, and an omitted field means "unchanged".
    """
    return model.model_dump(mode="json", exclude_unset=True, exclude_none=True, by_alias=True)
