"""The configuration document: its shape, how objects are keyed, and its canonical bytes (pure).

::

    {"kind": "livechat-mcp/config", "schema_version": 1,
     "source": {"api", "region", "organization_id", "client_id"},   # what it was exported from
     "omitted": {"webhooks": "why"},       # kinds asked for but left out (the policy hides them, ...)
     "groups": [...], "agents": [...], "bots": [...], "bot_templates": [...], "auto_access": [...],
     "greetings": [...], "tags": [...], "properties": {...}, "webhooks": {...},
     "ids": {...}}                         # the source license's ids, kept apart

A kind's key present means the document covers that kind (converging prunes only kinds it
covers); a kind absent is neither compared nor changed.

Objects are keyed by what people recognise and what survives a move between licenses: groups
by name (group 0, the default group that can be neither created nor deleted, is marked
``"default": true``), agents by email, bots, bot templates and tags by name, greetings by their
group and name, webhooks by action, type and URL. References are written the same way: a
group's members are ``agents`` (email: priority) and ``bots`` (name: priority), a tag's or a
rule's groups are group names. Auto access rules are a list in their evaluation order.

Server-assigned ids are kept apart under ``ids`` (key -> id; the rules' ids as a list in order):
a document converged onto the license it came from uses them to tell a renamed group from a new
one; onto another license they are ignored. Timestamps and read-only fields (author, created_at,
login status, avatars LiveChat picks) are left out, so a license exported twice without changes
gives the same bytes (``dumps``: sorted keys, each list in a stable order).

Secrets appear only as ``{"$secret": "..."}`` placeholders (a webhook's secret key): a document
carrying a value there is refused; whoever applies a plan supplies the value.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..plans.document import SECRET_REF, PlanError, check_shape
from ..safety import nesting

KIND = "livechat-mcp/config"
SCHEMA_VERSION = 1
# Every kind, in the order objects are exported, compared and converged.
KINDS: tuple[str, ...] = ("groups", "agents", "bots", "bot_templates", "auto_access", "greetings", "tags",
                          "properties", "webhooks")
LIST_KINDS = frozenset(KINDS) - {"properties", "webhooks"}
TOP = frozenset({"kind", "schema_version", "source", "omitted", "ids", *KINDS})
MAX_BYTES = 16_000_000  # a 5,000-agent license is about 2 MB
# A kind's object key: the fields naming it (several for greetings and webhooks).
KEY_FIELDS: dict[str, tuple[str, ...]] = {
    "groups": ("name",), "agents": ("id",), "bots": ("name",), "bot_templates": ("name",), "tags": ("name",),
    "greetings": ("group", "name"), "webhooks": ("action", "type", "url"),
}
MEMBERS = ("agents", "bots", "other_members")  # a group's member maps: email, bot name, other id -> priority
SINGULAR = {"groups": "group", "agents": "agent", "bots": "bot", "bot_templates": "bot template",
            "auto_access": "auto access rule", "greetings": "greeting", "tags": "tag", "properties": "property",
            "webhooks": "webhook"}


class DocumentError(Exception):
    """A document that cannot be used: the message says what and how to fix it."""


def dumps(doc: dict[str, Any]) -> str:
    """The document's canonical text: the same configuration always gives the same bytes."""
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def key_of(kind: str, entry: dict[str, Any]) -> str:
    """An object's key within its kind: the name (email, ...), or a JSON list of several fields."""
    fields = KEY_FIELDS[kind]
    if len(fields) == 1:
        return str(entry.get(fields[0]))
    return json.dumps([entry.get(f) for f in fields], ensure_ascii=False)


def describe(kind: str, entry: dict[str, Any]) -> str:
    """An object in words: group "Sales", agent jane@example.com, greeting "Hi" (group "General")."""
    if kind == "agents":
        return f"agent {entry.get('id')}"
    if kind == "greetings":
        return f"greeting {json.dumps(entry.get('name'), ensure_ascii=False)} (group " \
               f"{json.dumps(entry.get('group'), ensure_ascii=False)})"
    if kind == "webhooks":
        return f"webhook {entry.get('action')} ({entry.get('type')}) -> {entry.get('url')}"
    if kind == "auto_access":
        what = entry.get("description")
        return f"auto access rule {json.dumps(what, ensure_ascii=False)}" if what else "auto access rule (no description)"
    return f"{SINGULAR[kind]} {json.dumps(entry.get('name'), ensure_ascii=False)}"


def compact(entry: dict[str, Any]) -> dict[str, Any]:
    """An entry without empty values: an unset field, "" and an empty list or map all mean "none",
    so a hand-written document and an export compare equal however they say it."""
    return {k: v for k, v in entry.items() if v is not None and v != "" and v != [] and v != {}}


def secret_placeholder(name: str) -> dict[str, str]:
    return {SECRET_REF: name}


def is_placeholder(value: Any) -> bool:
    return isinstance(value, dict) and set(value) == {SECRET_REF} and isinstance(value[SECRET_REF], str)


def read_file(path: str) -> dict[str, Any]:
    """A document file, checked (DocumentError with what is wrong)."""
    file = Path(path)
    try:
        size = file.stat().st_size
        if size > MAX_BYTES:
            raise DocumentError(f"{path} is {size:,} bytes; a configuration document is at most {MAX_BYTES:,}")
        data = nesting.loads(file.read_text(encoding="utf-8"), path)
    except nesting.TooDeep as exc:
        raise DocumentError(f"{exc}: not a configuration document") from None
    except OSError as exc:
        raise DocumentError(f"cannot read {path}: {exc.strerror or exc}") from None
    except RecursionError:
        raise DocumentError(f"{path} nests too deeply to be a configuration document") from None
    except ValueError as exc:
        raise DocumentError(f"{path} is not JSON: {exc}") from None
    return load(data)


def load(data: Any) -> dict[str, Any]:
    """A document given as JSON data, checked and normalised (DocumentError otherwise)."""
    if not isinstance(data, dict) or data.get("kind") != KIND:
        raise DocumentError(f'not a configuration document (expected "kind": "{KIND}"; '
                            "make one with `livechat-mcp export` or export_config)")
    if data.get("schema_version") != SCHEMA_VERSION:
        raise DocumentError(f"schema_version {data.get('schema_version')!r} is not supported (expected {SCHEMA_VERSION})")
    try:
        check_shape(data)
    except PlanError as exc:
        raise DocumentError(str(exc).replace("plan", "document")) from None
    unknown = sorted(set(data) - TOP)
    if unknown:
        raise DocumentError(f"unknown top-level key(s) {', '.join(unknown)}; a document holds "
                            f"{', '.join(sorted(TOP))}")
    doc: dict[str, Any] = {k: data[k] for k in ("kind", "schema_version")}
    for name in ("source", "omitted", "ids"):
        if name in data:
            if not isinstance(data[name], dict):
                raise DocumentError(f"{name} must be an object")
            doc[name] = data[name]
    for kind in KINDS:
        if kind not in data:
            continue
        value = data[kind]
        if kind in LIST_KINDS:
            doc[kind] = _entries(kind, value)
        elif kind == "properties":
            doc[kind] = _properties(value)
        else:
            doc[kind] = _webhooks(value)
    return doc


def _entries(kind: str, value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not all(isinstance(e, dict) for e in value):
        raise DocumentError(f"{kind} must be a list of objects")
    entries = [compact(e) for e in value]
    if kind == "auto_access":
        for n, entry in enumerate(entries, 1):
            groups = entry.get("access", {}).get("groups") if isinstance(entry.get("access"), dict) else None
            if not isinstance(groups, list) or not all(isinstance(g, str) for g in groups):
                raise DocumentError(f"auto_access rule {n}: access.groups must be a list of group names")
        return entries
    fields = KEY_FIELDS[kind]
    seen: dict[str, int] = {}
    for n, entry in enumerate(entries, 1):
        missing = [f for f in fields if not isinstance(entry.get(f), str) or not entry[f]]
        if missing:
            raise DocumentError(f"{kind} entry {n} needs {' and '.join(missing)} (a non-empty string): "
                                f"{kind} are keyed by {', '.join(fields)}")
        key = key_of(kind, entry)
        if key in seen:
            raise DocumentError(f"{kind} entries {seen[key]} and {n} are both {describe(kind, entry)}: "
                                "each object appears once")
        seen[key] = n
        if kind == "groups":
            for name in MEMBERS:
                members = entry.get(name, {})
                if not isinstance(members, dict) or not all(isinstance(v, str) for v in members.values()):
                    raise DocumentError(f"group {entry['name']!r}: {name} must map each member to a priority")
        if kind in ("tags",) and not _names(entry.get("groups", [])):
            raise DocumentError(f"tag {entry['name']!r}: groups must be a list of group names")
        if kind == "webhooks" and not is_placeholder(entry.get("secret_key")):
            raise DocumentError(f"{describe(kind, entry)}: secret_key must be a placeholder "
                                '{"$secret": "<name>"}; the value is supplied when the plan is applied, '
                                "never kept in a document")
    if kind == "groups" and sum(1 for e in entries if e.get("default") is True) > 1:
        raise DocumentError("more than one group is marked default: only group 0 is the default group")
    return entries


def _names(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _properties(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict) or set(value) - {"definitions", "license", "groups"}:
        raise DocumentError("properties must be an object with definitions, license and groups")
    for name in ("definitions", "license", "groups"):
        if not isinstance(value.get(name, {}), dict):
            raise DocumentError(f"properties.{name} must be an object")
    # A part present (even empty) is covered: converging with prune removes what it lacks.
    return dict(value)


def _webhooks(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict) or set(value) - {"registered", "license_webhooks_enabled"}:
        raise DocumentError("webhooks must be an object with registered (a list) and license_webhooks_enabled")
    out = dict(value)
    if "registered" in value:
        out["registered"] = _entries("webhooks", value["registered"])
    enabled = value.get("license_webhooks_enabled")
    if enabled is not None and not isinstance(enabled, bool):
        raise DocumentError("webhooks.license_webhooks_enabled must be true or false")
    return out
