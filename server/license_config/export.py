"""Reading a license into a configuration document (server/license_config/document.py).

Every read goes through the caller's ``read`` (the one call path: policy, budget, audit; see
server/meta/config_tools.py) and each list is read once, whole: the groups, agents, bots, tags
... of a license cost one request each however many objects they hold (greetings: one per page of
100; bots: one get_bot each for what list_bots does not return). What follows is dict lookups, so
the work grows linearly with the license.

A kind whose read the policy refuses is left out and named under ``omitted`` with the reason;
so is a kind that names groups when the groups cannot be read (its references could not be
written as names). A read that fails upstream fails the export (``ReadFailed``): a backup that
silently lacks a kind would be restored as if that kind were empty.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import anyio

from .document import KEY_FIELDS, KIND, KINDS, SCHEMA_VERSION, compact, key_of, secret_placeholder

# (action, arguments) -> LiveChat's answer; raises ReadFailed.
Read = Callable[[str, dict[str, Any]], Awaitable[Any]]
# action -> None when the policy lets it be read, else why not.
Refused = Callable[[str], str | None]
Progress = Callable[[float, float | None, str], Awaitable[None]]

AGENT_FIELDS = ["email_subscriptions", "job_title", "max_chats_count", "mobile", "notifications", "work_scheduler"]
BOT_FIELDS = ["job_title", "max_chats_count", "timezone", "work_scheduler"]
# The reads each kind's objects come from, and whether it writes group names (needs list_groups).
READS: dict[str, tuple[tuple[str, dict[str, Any]], ...]] = {
    "groups": (("list_groups", {"fields": ["agent_priorities"]}),),
    "agents": (("list_agents", {"fields": AGENT_FIELDS}),),
    "bots": (("list_bots", {"fields": BOT_FIELDS}),),
    "bot_templates": (("list_bot_templates", {}),),
    "auto_access": (("list_auto_accesses", {}),),
    "greetings": (("list_greetings", {"limit": 100}),),
    "tags": (("list_tags", {}),),
    "properties.definitions": (("list_properties", {}),),
    "properties.license": (("list_license_properties", {}),),
    "properties.groups": (("list_groups_properties", {"group_ids": []}),),
    "webhooks.registered": (("list_webhooks", {}),),
    "webhooks.license_webhooks_enabled": (("get_license_webhooks_state", {}),),
}
NAMES_GROUPS = frozenset({"auto_access", "greetings", "tags", "properties.groups"})
PARTS = {"properties": ("properties.definitions", "properties.license", "properties.groups"),
         "webhooks": ("webhooks.registered", "webhooks.license_webhooks_enabled")}
# Client-owned: read for the token's client, which a Personal Access Token does not name.
OWNED = frozenset({"bot_templates", "properties.definitions", "webhooks.registered",
                   "webhooks.license_webhooks_enabled"})
MAX_GREETING_PAGES = 1_000


class ReadFailed(Exception):
    """A read LiveChat (or the policy) refused while exporting."""

    def __init__(self, action: str, type: str, message: str) -> None:
        super().__init__(f"{action} failed ({type}): {message}")
        self.action, self.type, self.message = action, type, message


class ExportError(Exception):
    """The license cannot be written as a document as it is (e.g. two groups share a name)."""


@dataclass
class Reads:
    """Each read made once: (action, arguments) -> answer."""

    read: Read
    progress: Progress | None = None
    answers: dict[str, Any] = field(default_factory=dict)
    count: int = 0  # requests made (pages included)

    @staticmethod
    def key(action: str, args: dict[str, Any]) -> str:
        return json.dumps([action, args], sort_keys=True)

    async def get(self, action: str, args: dict[str, Any]) -> Any:
        key = self.key(action, args)
        if key not in self.answers:
            self.count += 1
            self.answers[key] = await self.read(action, args)
            if self.progress is not None:
                await self.progress(self.count, None, f"read {action}")
        return self.answers[key]

    def known(self, action: str, args: dict[str, Any]) -> Any:
        return self.answers.get(self.key(action, args))


async def export(read: Read, refused: Refused, kinds: list[str] | None = None, *, source: dict[str, Any],
                 client_id: str | None, progress: Progress | None = None) -> dict[str, Any]:
    """The document of ``kinds`` (default: all) of the license ``read`` reaches."""
    wanted = [k for k in KINDS if kinds is None or k in kinds]
    parts = [p for k in wanted for p in PARTS.get(k, (k,))]
    omitted: dict[str, str] = {}

    def blocked(part: str) -> str | None:
        if part in OWNED and not client_id:
            return ("needs the app's client id, which a Personal Access Token does not carry (use an OAuth "
                    "access token)")
        for action, _ in READS[part]:
            why = refused(action)
            if why:
                return f"{action} is refused by the policy ({why})"
        if part in NAMES_GROUPS and (why := refused("list_groups")):
            return f"it names groups, and list_groups is refused by the policy ({why})"
        if part == "bots" and (why := refused("get_bot")):
            return f"get_bot is refused by the policy ({why})"
        return None

    readable = []
    for part in parts:
        why = blocked(part)
        if why:
            omitted[part] = why
        else:
            readable.append(part)
    # Bots named as group members need this client's bots (list_bots), if the policy allows it.
    names_bots = "groups" in readable and not refused("list_bots")
    needed = [READS[p][0] for p in readable]
    if any(p in NAMES_GROUPS for p in readable):
        needed.append(READS["groups"][0])
    if names_bots:
        needed.append(READS["bots"][0])
    reads = Reads(read, progress)
    await _all(reads, list({Reads.key(*r): r for r in needed}.values()))
    if "bots" in readable:  # what list_bots does not say (default_group_priority): one get each
        bots = _list(reads.known(*READS["bots"][0]))
        await _all(reads, [("get_bot", {"id": b["id"]}) for b in bots if isinstance(b.get("id"), str)])
    if "greetings" in readable:
        await _greeting_pages(reads)
    book = _Book(reads, names_bots)
    doc: dict[str, Any] = {"kind": KIND, "schema_version": SCHEMA_VERSION, "source": compact(source)}
    ids: dict[str, Any] = {}
    for part in readable:
        _BUILD[part](book, doc, ids)
    if omitted:
        doc["omitted"] = omitted
    if ids:
        doc["ids"] = ids
    return doc


async def _all(reads: Reads, wanted: list[tuple[str, dict[str, Any]]]) -> None:
    """The reads at once (the client bounds how many are in flight); a failed one fails the export
    (raised as itself, not inside a task group's exception group)."""
    failed: list[ReadFailed] = []

    async def one(action: str, args: dict[str, Any]) -> None:
        try:
            await reads.get(action, args)
        except ReadFailed as exc:
            failed.append(exc)

    async with anyio.create_task_group() as tg:
        for action, args in wanted:
            tg.start_soon(one, action, args)
    if failed:
        raise failed[0]


async def _greeting_pages(reads: Reads) -> None:
    page = reads.known(*READS["greetings"][0])
    for _ in range(MAX_GREETING_PAGES):
        next_page = page.get("next_page_id") if isinstance(page, dict) else None
        if not next_page:
            return
        page = await reads.get("list_greetings", {"page_id": next_page})


def _list(data: Any, key: str | None = None) -> list[dict[str, Any]]:
    if isinstance(data, dict) and key is not None:
        data = data.get(key)
    return [o for o in data if isinstance(o, dict)] if isinstance(data, list) else []


def _unique(kind: str, entries: list[tuple[Any, dict[str, Any]]]) -> dict[str, Any]:
    """key -> id of ``(id, entry)`` pairs; ExportError naming the objects that share a key."""
    found: dict[str, Any] = {}
    clashes: dict[str, list[Any]] = {}
    for ident, entry in entries:
        key = key_of(kind, entry)
        if key in found:
            clashes.setdefault(key, [found[key]]).append(ident)
        found[key] = ident
    if clashes:
        what = "; ".join(f"{key} (ids {', '.join(map(str, ids))})" for key, ids in sorted(clashes.items()))
        raise ExportError(
            f"{kind} are keyed by {' and '.join(KEY_FIELDS[kind])}, and several share one: {what}. Rename all "
            f"but one (update_{kind.rstrip('s')} where there is one), or leave {kind} out with --kinds / kinds")
    return found


class _Book:
    """The answers, and the names of groups and bots by id."""

    def __init__(self, reads: Reads, names_bots: bool) -> None:
        self.reads = reads
        groups = _list(reads.known(*READS["groups"][0]))
        self.groups = {g["id"]: g for g in groups if "id" in g}
        self.group_names: dict[Any, str] = {gid: str(g.get("name")) for gid, g in self.groups.items()}
        if self.groups:
            _unique("groups", [(gid, {"name": name}) for gid, name in self.group_names.items()])
        bots = _list(reads.known(*READS["bots"][0])) if names_bots or reads.known(*READS["bots"][0]) else []
        self.bots = {b["id"]: b for b in bots if "id" in b}
        self.bot_names = {bid: str(b.get("name")) for bid, b in self.bots.items()}
        if self.bots:
            _unique("bots", [(bid, {"name": name}) for bid, name in self.bot_names.items()])

    def group(self, gid: Any) -> str | None:
        return self.group_names.get(gid)

    def group_list(self, ids: Any) -> list[str]:
        return sorted(name for gid in ids or [] if (name := self.group(gid)) is not None)


def _groups(book: _Book, doc: dict[str, Any], ids: dict[str, Any]) -> None:
    entries = []
    for gid, group in book.groups.items():
        members: dict[str, dict[str, str]] = {"agents": {}, "bots": {}, "other_members": {}}
        for member, priority in (group.get("agent_priorities") or {}).items():
            if "@" in member:  # agent ids are emails
                members["agents"][member] = priority
            elif member in book.bot_names:
                members["bots"][book.bot_names[member]] = priority
            else:  # another app's bot: kept by id, mapped only on this same license
                members["other_members"][member] = priority
        entries.append(compact({"name": book.group_names[gid], "language_code": group.get("language_code"),
                                "default": True if gid == 0 else None, **members}))
    doc["groups"] = sorted(entries, key=lambda e: e["name"])
    ids["groups"] = {book.group_names[gid]: gid for gid in sorted(book.groups, key=lambda g: book.group_names[g])}


def _agents(book: _Book, doc: dict[str, Any], ids: dict[str, Any]) -> None:
    entries = []
    for agent in _list(book.reads.known(*READS["agents"][0])):
        subscriptions = agent.get("email_subscriptions", agent.get("summaries"))  # list_agents' own name
        entries.append(compact({
            "id": agent.get("id"), "name": agent.get("name"), "role": agent.get("role"),
            "job_title": agent.get("job_title"), "mobile": agent.get("mobile"),
            "max_chats_count": agent.get("max_chats_count"),
            "notifications": sorted(agent.get("notifications") or []),
            "email_subscriptions": sorted(subscriptions or []),
            "work_scheduler": _scheduler(agent.get("work_scheduler")),
        }))
    _unique("agents", [(e.get("id"), e) for e in entries])
    doc["agents"] = sorted(entries, key=lambda e: str(e.get("id")))


def _scheduler(value: Any) -> Any:
    """A work scheduler without its empty parts ({"schedule": []} is no scheduler)."""
    if not isinstance(value, dict):
        return None
    return compact(value) or None


def _bots(book: _Book, doc: dict[str, Any], ids: dict[str, Any]) -> None:
    entries = []
    for bid, bot in book.bots.items():
        got = book.reads.known("get_bot", {"id": bid})
        got = got if isinstance(got, dict) else {}
        scheduler = _scheduler(bot.get("work_scheduler"))
        if scheduler is not None and bot.get("timezone") and "timezone" not in scheduler:
            scheduler = {**scheduler, "timezone": bot["timezone"]}
        entries.append(compact({
            "name": book.bot_names[bid], "avatar": bot.get("avatar_path") or got.get("avatar_path"),
            "default_group_priority": got.get("default_group_priority"), "job_title": bot.get("job_title"),
            "max_chats_count": bot.get("max_chats_count", got.get("max_chats_count")), "work_scheduler": scheduler,
        }))
    doc["bots"] = sorted(entries, key=lambda e: e["name"])
    ids["bots"] = {book.bot_names[bid]: bid for bid in sorted(book.bots, key=lambda b: book.bot_names[b])}


def _bot_templates(book: _Book, doc: dict[str, Any], ids: dict[str, Any]) -> None:
    templates = _list(book.reads.known(*READS["bot_templates"][0]))
    entries = [(t.get("id"), compact({"name": t.get("name"), "avatar": t.get("avatar_path")})) for t in templates]
    found = _unique("bot_templates", entries)
    doc["bot_templates"] = sorted((e for _, e in entries), key=lambda e: str(e["name"]))
    ids["bot_templates"] = dict(sorted(found.items()))


def _ordered_rules(rules: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rules in evaluation order: following next_id from the rule no other points to (the
    list's order where the chain is broken)."""
    by_id = {r.get("id"): r for r in rules}
    pointed = {r.get("next_id") for r in rules}
    heads = [r for r in rules if r.get("id") not in pointed]
    out: list[dict[str, Any]] = []
    seen: set[Any] = set()
    node = heads[0] if len(heads) == 1 else None
    while node is not None and node.get("id") not in seen:
        seen.add(node.get("id"))
        out.append(node)
        node = by_id.get(node.get("next_id"))
    return out + [r for r in rules if r.get("id") not in seen]


def _auto_access(book: _Book, doc: dict[str, Any], ids: dict[str, Any]) -> None:
    rules = _ordered_rules(_list(book.reads.known(*READS["auto_access"][0])))
    doc["auto_access"] = [compact({
        "description": r.get("description"), "conditions": r.get("conditions"),
        "access": {"groups": book.group_list((r.get("access") or {}).get("groups"))},
    }) for r in rules]
    ids["auto_access"] = [r.get("id") for r in rules]


GREETING_FIELDS = ("type", "active", "active_from", "active_until", "name", "rules", "properties", "rich_message")


def _greetings(book: _Book, doc: dict[str, Any], ids: dict[str, Any]) -> None:
    pages = [a for k, a in book.reads.answers.items() if json.loads(k)[0] == "list_greetings"]
    seen: set[Any] = set()
    entries = []
    for page in pages:
        for greeting in _list(page, "greetings"):
            if greeting.get("id") in seen:
                continue
            seen.add(greeting.get("id"))
            group = book.group(greeting.get("group"))
            entries.append((greeting.get("id"), compact({"group": group, **{f: greeting.get(f) for f in GREETING_FIELDS}})))
    found = _unique("greetings", entries)
    doc["greetings"] = sorted((e for _, e in entries), key=lambda e: key_of("greetings", e))
    ids["greetings"] = dict(sorted(found.items()))


def _tags(book: _Book, doc: dict[str, Any], ids: dict[str, Any]) -> None:
    tags = _list(book.reads.known(*READS["tags"][0]))
    doc["tags"] = sorted((compact({"name": t.get("name"), "groups": book.group_list(t.get("group_ids"))})
                          for t in tags), key=lambda e: str(e.get("name")))


def _definitions(book: _Book, doc: dict[str, Any], ids: dict[str, Any]) -> None:
    found = book.reads.known(*READS["properties.definitions"][0])
    definitions = {name: compact(spec) for name, spec in sorted(found.items())} if isinstance(found, dict) else {}
    doc.setdefault("properties", {})["definitions"] = definitions


def _license_values(book: _Book, doc: dict[str, Any], ids: dict[str, Any]) -> None:
    found = book.reads.known(*READS["properties.license"][0])
    doc.setdefault("properties", {})["license"] = _values(found)


def _values(found: Any) -> dict[str, Any]:
    if not isinstance(found, dict):
        return {}
    return {ns: dict(sorted(values.items())) for ns, values in sorted(found.items()) if isinstance(values, dict) and values}


def _group_values(book: _Book, doc: dict[str, Any], ids: dict[str, Any]) -> None:
    found = _list(book.reads.known(*READS["properties.groups"][0]))
    out = {}
    for item in found:
        name = book.group(item.get("id"))
        values = _values(item.get("properties"))
        if name is not None and values:
            out[name] = values
    doc.setdefault("properties", {})["groups"] = dict(sorted(out.items()))


WEBHOOK_FIELDS = ("action", "type", "url", "description", "filters", "additional_data")


def secret_name(entry: dict[str, Any]) -> str:
    """The placeholder name of a webhook's secret key: what the person applying supplies."""
    return f"webhook {entry.get('action')} {entry.get('url')}"


def _registered(book: _Book, doc: dict[str, Any], ids: dict[str, Any]) -> None:
    hooks = _list(book.reads.known(*READS["webhooks.registered"][0]))
    entries = []
    for hook in hooks:
        entry = compact({f: hook.get(f) for f in WEBHOOK_FIELDS})
        if isinstance(entry.get("additional_data"), list):
            entry["additional_data"] = sorted(entry["additional_data"])
        entry["secret_key"] = secret_placeholder(secret_name(entry))
        entries.append((hook.get("id"), entry))
    found = _unique("webhooks", entries)
    doc.setdefault("webhooks", {})["registered"] = sorted((e for _, e in entries), key=lambda e: key_of("webhooks", e))
    ids["webhooks"] = dict(sorted(found.items()))


def _webhook_state(book: _Book, doc: dict[str, Any], ids: dict[str, Any]) -> None:
    state = book.reads.known(*READS["webhooks.license_webhooks_enabled"][0])
    if isinstance(state, dict) and isinstance(state.get("license_webhooks_enabled"), bool):
        doc.setdefault("webhooks", {})["license_webhooks_enabled"] = state["license_webhooks_enabled"]


_BUILD: dict[str, Callable[[_Book, dict[str, Any], dict[str, Any]], None]] = {
    "groups": _groups, "agents": _agents, "bots": _bots, "bot_templates": _bot_templates,
    "auto_access": _auto_access, "greetings": _greetings, "tags": _tags,
    "properties.definitions": _definitions, "properties.license": _license_values, "properties.groups": _group_values,
    "webhooks.registered": _registered, "webhooks.license_webhooks_enabled": _webhook_state,
}
