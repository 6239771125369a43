"""The catalogue as tools/list and the policy read it: one ``Listed`` per action (its name,
resource, title, listed description, scopes, annotations, the batch or create it points at, its
input schema and compact schema, its search hint), derived from ``catalog()``.

A server's start answers tools/list from this rather than from the catalogue, because the
catalogue's resource modules (their pydantic models) are a fifth of a cold start's imports
(bench/run.py); they load on the first tools/call instead. The listing is kept on disk with the
input schemas (server/tools/schema_cache.py: same file, same fingerprint of the sources), so a
start with a warm cache reads it, and one with a cold, stale, broken or switched-off cache builds
it from the catalogue: the same entries either way.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, cached_property
from typing import Any

from . import catalog, schema_cache
from .catalog import Action, Hints, Scopes
from .schema import ReadOnlyDict, compact_batch_schema, compact_shared_schema, input_schema, read_only
from .words import action_hint


@dataclass(frozen=True)
class Listed(Hints):
    """What tools/list shows of an action and what ``PolicyContext.decide`` reads of it (the
    same attribute names as ``Action``)."""

    name: str
    resource: str
    title: str
    listed_description: str
    scopes: Scopes
    write: bool
    destructive: bool
    idempotent: bool
    batch_of: str | None
    shapes_of: str | None
    schema: dict[str, Any]  # the input schema
    compact: dict[str, Any] | None  # listed when the action batch_of or shapes_of names is listed too
    hint: str  # words.action_hint: the search hint for clients that load schemas lazily
    extra_scopes: tuple[str, ...]  # the scopes that widen what it may do (documented_scopes names them)

    @cached_property
    def input_schema(self) -> ReadOnlyDict:
        return self.schema if isinstance(self.schema, ReadOnlyDict) else read_only(self.schema)

    @cached_property
    def compact_schema(self) -> ReadOnlyDict | None:
        if self.compact is None or isinstance(self.compact, ReadOnlyDict):
            return self.compact
        return read_only(self.compact)


def _listed(act: Action, actions: dict[str, Action]) -> Listed:
    compact: dict[str, Any] | None = None
    if act.batch_of:
        compact = compact_batch_schema(act.model, act.batch_of)
    elif act.shapes_of:
        compact = compact_shared_schema(act.model, actions[act.shapes_of].model, act.shapes_of)
    return Listed(name=act.name, resource=act.resource, title=act.title, listed_description=act.listed_description,
                  scopes=act.scopes, write=act.write, destructive=act.destructive, idempotent=act.idempotent,
                  batch_of=act.batch_of, shapes_of=act.shapes_of, schema=input_schema(act.model), compact=compact,
                  hint=action_hint(act.name), extra_scopes=tuple(act.extra_scopes))


_FIELDS = ("name", "resource", "title", "listed_description", "scopes", "write", "destructive", "idempotent",
           "batch_of", "shapes_of", "schema", "compact", "hint", "extra_scopes")
_TEXT = ("name", "resource", "title", "listed_description", "hint")
_FLAGS = ("write", "destructive", "idempotent")


def _stored(entry: Listed) -> dict[str, Any]:
    return {name: getattr(entry, name) for name in _FIELDS}


def _read(stored: list[Any]) -> dict[str, Listed] | None:
    """The stored entries, or None when any is not what ``_stored`` wrote."""
    out: dict[str, Listed] = {}
    for item in stored:
        if not isinstance(item, dict) or set(item) != set(_FIELDS):
            return None
        scopes, extra = item["scopes"], item["extra_scopes"]
        if not (all(isinstance(item[k], str) for k in _TEXT) and all(isinstance(item[k], bool) for k in _FLAGS)
                and isinstance(scopes, list) and all(isinstance(a, list) for a in scopes) and isinstance(extra, list)
                and isinstance(item["schema"], dict) and isinstance(item["compact"], dict | None)):
            return None
        entry = Listed(**{**item, "scopes": tuple(tuple(a) for a in scopes), "extra_scopes": tuple(extra)})
        out[entry.name] = entry
    return out or None


@cache
def listing() -> dict[str, Listed]:
    """Every action of the catalogue, in its order, as tools/list reads it."""
    if schema_cache.enabled():
        stored = schema_cache.get_listing()
        found = _read(stored) if stored is not None else None
        if found is not None:
            return found
    actions = catalog()  # the resource modules load here: only when no listing is kept
    built = {name: _listed(act, actions) for name, act in actions.items()}
    if schema_cache.enabled():
        schema_cache.put_listing([_stored(entry) for entry in built.values()])
    return built


@cache
def documented_scopes() -> frozenset[str]:
    """Every scope the catalogue names, plus the private one that changes create_agent's behaviour.
    From the listing: a policy naming scopes is checked against them at start, before the
    resource modules load."""
    scopes: set[str] = {"subscription.lc:rw"}
    for act in listing().values():
        for alternative in act.scopes:
            scopes.update(alternative)
        scopes.update(act.extra_scopes)
    return frozenset(scopes)
