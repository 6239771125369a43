"""A configuration document loaded into a sandbox license (``livechat-mcp sandbox --seed FILE``,
``--sandbox --seed FILE``, and the private copy ``plans rehearse`` applies a plan to).

The sandbox then holds exactly the document's configuration: the kinds it covers, with the ids
it keeps under ``ids`` (so a plan made against the license it came from addresses the same
objects), fresh ids for objects it gives none, and nothing of the kinds it does not cover.
What is not configuration stays as the sandbox emulates it (channels, company details, the
shared ``test`` property namespace). Client-owned objects (webhooks, bot templates, property
definitions, this app's bots) belong to ``client_id``: the calling credential's client, so that
the sandbox token sees them as its own.

This writes the sandbox's state as its resource modules keep it (server/sandbox/*.py
docstrings); the round trip export -> seed -> export (tests/test_config_roundtrip.py) holds the
two in step.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Callable
from typing import Any

from ..sandbox.core import SandboxState
from ..sandbox.people import new_account_id
from .document import key_of

SEEDED_SECRET = "seeded-secret-"  # bots' and templates' secrets in a seeded sandbox (never exported)
AVATAR = "https://cdn.livechatinc.com/avatars/default.png"


def _hex(*parts: Any) -> str:
    return hashlib.md5(json.dumps(["livechat-mcp seed", *parts]).encode()).hexdigest()


def seeder(doc: dict[str, Any], client_id: str) -> Callable[[SandboxState], None]:
    """The seed function of a sandbox license holding ``doc`` (checked by document.load)."""

    def seed(state: SandboxState) -> None:
        _seed(state, doc, client_id)

    return seed


def _seed(state: SandboxState, doc: dict[str, Any], client: str) -> None:
    from ..sandbox import other, properties

    other.seed(state)
    properties.seed(state)  # the documented shared "test" namespace; the rest is replaced below
    state.properties = {properties.TEST_NAMESPACE: state.properties[properties.TEST_NAMESPACE]}
    state.license_properties.clear()
    state.group_properties.clear()
    source = doc.get("source") or {}
    if isinstance(source.get("organization_id"), str):
        state.organization_id = source["organization_id"]
    ids = doc.get("ids") or {}
    groups = _ids(ids.get("groups"), [g["name"] for g in doc.get("groups", [])], int)
    for group in doc.get("groups", []):
        if group.get("default") is True:
            groups[group["name"]] = 0
    _fresh(groups, start=1)
    bots = _ids(ids.get("bots"), [b["name"] for b in doc.get("bots", [])], str)
    for name in bots:
        bots[name] = bots[name] or _hex("bot", name)
    _agents(state, doc)
    _groups(state, doc, groups, bots)
    _bots(state, doc, bots, client)
    _templates(state, doc, ids, client)
    _rules(state, doc, ids, groups)
    _greetings(state, doc, ids, groups)
    _tags(state, doc, groups)
    _properties(state, doc, groups, client)
    _webhooks(state, doc, ids, client)


def _ids(found: Any, names: list[str], kind: type) -> dict[str, Any]:
    """name -> the document's id for it (None where it gives none of the right type)."""
    found = found if isinstance(found, dict) else {}
    return {name: found.get(name) if isinstance(found.get(name), kind) and not isinstance(found.get(name), bool)
            else None for name in names}


def _fresh(ids: dict[str, Any], start: int) -> None:
    """Number the names without an id after the highest id given."""
    taken = {v for v in ids.values() if v is not None}
    nxt = max(taken, default=start - 1) + 1
    for name in ids:
        if ids[name] is None:
            ids[name] = nxt
            nxt += 1


def _agents(state: SandboxState, doc: dict[str, Any]) -> None:
    state.agents.clear()
    n = 1
    for agent in sorted(doc.get("agents", []), key=lambda a: a.get("role") != "owner"):  # the owner first: account 1
        state.agents[agent["id"]] = {
            # The license's own account numbering (server/sandbox/people.py): its agents are the people who
            # sign in to it, and no two licenses share an account id (the owner's is the default credential's).
            "id": agent["id"], "account_id": new_account_id(state.organization_id, n), "name": agent.get("name", agent["id"]),
            "avatar": AVATAR, "role": agent.get("role", "normal"), "login_status": "not accepting chats",
            "max_chats_count": agent.get("max_chats_count", 6), "awaiting_approval": False, "suspended": False,
            "notifications": list(agent.get("notifications", [])),
            "email_subscriptions": list(agent.get("email_subscriptions", [])),
            "work_scheduler": copy.deepcopy(agent.get("work_scheduler", {"schedule": []})),
            **{f: agent[f] for f in ("job_title", "mobile") if f in agent},
        }
        n += 1


def _groups(state: SandboxState, doc: dict[str, Any], ids: dict[str, Any], bots: dict[str, Any]) -> None:
    state.groups.clear()
    for group in doc.get("groups", []):
        members = {**group.get("agents", {}), **{bots.get(name, name): p for name, p in group.get("bots", {}).items()},
                   **group.get("other_members", {})}
        gid = ids[group["name"]]
        state.groups[gid] = {"id": gid, "name": group["name"], "language_code": group.get("language_code", "en"),
                             "agent_priorities": members, "routing_status": "offline"}
    if 0 not in state.groups:  # every license has its default group
        state.groups[0] = {"id": 0, "name": "General", "language_code": "en", "agent_priorities": {},
                           "routing_status": "offline"}


def _bots(state: SandboxState, doc: dict[str, Any], ids: dict[str, Any], client: str) -> None:
    state.bots.clear()
    for bot in doc.get("bots", []):
        bid = ids[bot["name"]]
        scheduler = copy.deepcopy(bot.get("work_scheduler", {}))
        state.bots[bid] = {
            "id": bid, "name": bot["name"], "avatar_path": bot.get("avatar", ""),
            "default_group_priority": bot.get("default_group_priority", "first"), "owner_client_id": client,
            "max_chats_count": bot.get("max_chats_count", 6), "job_title": bot.get("job_title", ""), "type": "chatbot",
            "work_scheduler": scheduler, "timezone": scheduler.get("timezone", "UTC"),
            "secret": SEEDED_SECRET + bid, "template_id": None,
        }


def _templates(state: SandboxState, doc: dict[str, Any], ids: dict[str, Any], client: str) -> None:
    state.bot_templates.clear()
    given = _ids(ids.get("bot_templates"), [t["name"] for t in doc.get("bot_templates", [])], str)
    for template in doc.get("bot_templates", []):
        tid = given[template["name"]] or _hex("bot_template", template["name"])
        state.bot_templates[tid] = {
            "id": tid, "name": template["name"], "avatar_path": template.get("avatar", ""), "max_chats_count": 6,
            "default_group_priority": "first", "job_title": "", "owner_client_id": client,
            "secret": SEEDED_SECRET + tid,
        }


def _rules(state: SandboxState, doc: dict[str, Any], ids: dict[str, Any], groups: dict[str, Any]) -> None:
    rules = doc.get("auto_access", [])
    given = ids.get("auto_access")
    given = given if isinstance(given, list) and len(given) == len(rules) else [None] * len(rules)
    state.auto_accesses[:] = [{
        "id": ident if isinstance(ident, str) else _hex("auto_access", n),
        **({"description": rule["description"]} if "description" in rule else {}),
        "access": {"groups": [groups[g] for g in rule["access"]["groups"] if g in groups]},
        "conditions": copy.deepcopy(rule.get("conditions", {})),
    } for n, (rule, ident) in enumerate(zip(rules, given, strict=True))]


def _greetings(state: SandboxState, doc: dict[str, Any], ids: dict[str, Any], groups: dict[str, Any]) -> None:
    state.greetings.clear()
    entries = doc.get("greetings", [])
    given = _ids(ids.get("greetings"), [key_of("greetings", g) for g in entries], int)
    _fresh(given, start=1)
    for greeting in entries:
        if greeting["group"] not in groups:
            continue
        gid = given[key_of("greetings", greeting)]
        state.greetings[gid] = {"id": gid, **copy.deepcopy({k: v for k, v in greeting.items() if k != "group"}),
                                "group": groups[greeting["group"]], "properties": greeting.get("properties", {})}


def _tags(state: SandboxState, doc: dict[str, Any], groups: dict[str, Any]) -> None:
    state.tags.clear()
    for tag in doc.get("tags", []):
        state.tags[tag["name"]] = {"name": tag["name"], "group_ids": [groups[g] for g in tag.get("groups", [])
                                                                     if g in groups],
                                   "author_id": "", "created_at": state.clock.iso()}


def _properties(state: SandboxState, doc: dict[str, Any], groups: dict[str, Any], client: str) -> None:
    found = doc.get("properties", {})
    own = state.properties.setdefault(client, {})
    for name, spec in found.get("definitions", {}).items():
        own[name] = {**copy.deepcopy(spec), "_namespace": client, "_published": bool(spec.get("public_access"))}
    state.license_properties.update(copy.deepcopy(found.get("license", {})))
    for name, spaces in found.get("groups", {}).items():
        if name in groups:
            state.group_properties[groups[name]] = copy.deepcopy(spaces)
    # Values of another app's properties are readable only with a definition: a published one, as
    # a value set on a license implies (its type read from the value).
    values = [found.get("license", {}), *found.get("groups", {}).values()]
    for spaces in values:
        for ns, names in spaces.items():
            for name, value in names.items():
                defined = state.properties.setdefault(ns, {})
                if name not in defined:
                    kind = "bool" if isinstance(value, bool) else "int" if isinstance(value, int) else "string"
                    defined[name] = {"type": kind, "description": "", "public_access": ["read", "write"],
                                     "access": {loc: {"agent": ["read", "write"], "customer": ["read"]}
                                                for loc in ("license", "group")},
                                     "_namespace": ns, "_published": True}


def _webhooks(state: SandboxState, doc: dict[str, Any], ids: dict[str, Any], client: str) -> None:
    found = doc.get("webhooks", {})
    state.webhooks.clear()
    state.webhooks_state.clear()
    given = _ids(ids.get("webhooks"), [key_of("webhooks", h) for h in found.get("registered", [])], str)
    for hook in found.get("registered", []):
        key = key_of("webhooks", hook)
        ident = str(given[key] or _hex("webhook", key)[:25])
        state.webhooks.append({"id": ident, **copy.deepcopy({k: v for k, v in hook.items() if k != "secret_key"}),
                               "description": hook.get("description", ""), "filters": hook.get("filters", {}),
                               "owner_client_id": client, "_secret_key": SEEDED_SECRET + ident})
    if isinstance(found.get("license_webhooks_enabled"), bool):
        state.webhooks_state[client] = found["license_webhooks_enabled"]
