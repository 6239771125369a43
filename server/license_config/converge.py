"""The steps that make a license match a document (pure: the plan is built from them by
server/license_config/planner.py, checked and signed like any plan).

Names become the target license's ids: a group named in a tag is that license's group of that
name (or the one the document's ids pair it with, on the license it came from); an object the
plan creates is referred to by ``{"$ref": "step<N>.id"}`` (a bot as an ``agent_priorities`` key,
``"$ref:step<N>.id"``). Whatever cannot be mapped (an agent who does not exist there and that
the document does not create, another app's bot, a bot template or property definition of
another client) is reported per object in ``left_out`` and left out: never guessed.

Order: creates before what references them, then updates, then (with ``prune``) deletes, the
groups last. Agents are created before groups (a group's members must exist), bots after them
(a bot joins new groups as it is created); group member maps are sent whole (update_group replaces
the map), so each ends as the document says. Auto access rules are placed in the document's order
with ``next_id``, from the last rule back, moving only those out of place.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from typing import Any

from ..plans.refs import KEY_PREFIX, placeholder
from .compare import Paired, fields_changed
from .document import describe, key_of
from .export import secret_name

AGENT_FIELDS = ("role", "job_title", "mobile", "max_chats_count", "notifications", "email_subscriptions",
                "work_scheduler")
BOT_FIELDS = ("avatar", "default_group_priority", "job_title", "max_chats_count", "work_scheduler")
GREETING_FIELDS = ("type", "active", "active_from", "active_until", "rules", "properties", "rich_message")
WEBHOOK_FIELDS = ("action", "type", "url", "description", "filters", "additional_data")
# What sending "nothing" looks like for a field the document leaves out (None: it cannot be unset).
EMPTY: dict[str, Any] = {"job_title": "", "mobile": "", "notifications": [], "email_subscriptions": [],
                         "work_scheduler": {"schedule": []}, "description": ""}
SECRET_STAND_IN = "supplied when the plan is applied"  # masked in the signed plan as {"$secret": "step<N>.secret_key"}


@dataclass
class Converged:
    steps: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    left_out: list[dict[str, str]] = field(default_factory=list)
    # The plan's secret names ("step12.secret_key") -> the document's placeholder they stand for.
    secrets: dict[str, str] = field(default_factory=dict)

    def add(self, action: str, body: dict[str, Any]) -> int:
        self.steps.append((action, body))
        return len(self.steps)

    def leave(self, kind: str, entry: dict[str, Any] | str, what: str, why: str) -> None:
        obj = entry if isinstance(entry, str) else describe(kind, entry)
        self.left_out.append({"kind": kind, "object": obj, "what": what, "why": why})


def _ref(step: int) -> dict[str, str]:
    return placeholder(step, "id")


class _Chain:
    """Auto access rules in order, as a linked list: moving one is O(1). ``ours``: the rules the
    document has (the others stay where they are unless pruned)."""

    def __init__(self, order: list[Any]) -> None:
        self.next: dict[Any, Any] = dict(itertools.pairwise(order))
        self.prev: dict[Any, Any] = {b: a for a, b in self.next.items()}
        self.tail: Any = order[-1] if order else None
        self.ours: set[Any] = set()

    def next_ours(self, x: Any) -> Any:
        node = self.next.get(x)
        while node is not None and node not in self.ours:
            node = self.next.get(node)
        return node

    def place(self, x: Any, before: Any) -> None:
        """Move (or insert) ``x`` just before ``before`` (None: at the end)."""
        self.ours.add(x)
        a, b = self.prev.pop(x, None), self.next.pop(x, None)
        if a is not None:
            if b is not None:
                self.next[a] = b
            else:
                self.next.pop(a, None)
        if b is not None:
            if a is not None:
                self.prev[b] = a
            else:
                self.prev.pop(b, None)
        if self.tail == x:
            self.tail = a
        if before is None:
            if self.tail is not None:
                self.next[self.tail], self.prev[x] = x, self.tail
            self.tail = x
            return
        p = self.prev.get(before)
        if p is not None:
            self.next[p], self.prev[x] = x, p
        self.next[x], self.prev[before] = before, x


class _Converger:
    def __init__(self, p: Paired, live: dict[str, Any], prune: bool, client_id: str | None) -> None:
        self.p, self.raw, self.prune, self.client_id = p, live, prune, client_id
        self.out = Converged()
        ids = live.get("ids") or {}
        self.live_ids: dict[str, Any] = ids if isinstance(ids, dict) else {}
        self.source_client = (p.desired.get("source") or {}).get("client_id")
        # Document name -> the target's id (int / str) or a reference to the step creating it.
        self.groups: dict[str, Any] = {}
        self.bots: dict[str, Any] = {}
        if "groups" in p.keyed:
            for want, have in p.keyed["groups"].pairs:
                self.groups[want["name"]] = self.live_ids.get("groups", {}).get(have["name"])
        else:
            self.groups = dict(self.live_ids.get("groups", {}))
        if "bots" in p.keyed:
            for want, have in p.keyed["bots"].pairs:
                self.bots[want["name"]] = self.live_ids.get("bots", {}).get(have["name"])
        else:
            self.bots = dict(self.live_ids.get("bots", {}))
        self.live_bot_ids = {v: k for k, v in self.live_ids.get("bots", {}).items()}
        agents = live.get("agents")
        self.agents: set[str] | None = {a["id"] for a in agents} if isinstance(agents, list) else None
        if isinstance(p.desired.get("agents"), list) and "agents" in p.kinds:
            self.created_agents = {a["id"] for a in p.keyed["agents"].created if a.get("role") != "owner"}
        else:
            self.created_agents = set()

    # --- names to ids ---------------------------------------------------------------------------

    def group_id(self, name: str, kind: str, entry: dict[str, Any] | str) -> Any:
        gid = self.groups.get(name)
        if gid is None:
            self.out.leave(kind, entry, f"group {json.dumps(name, ensure_ascii=False)}",
                           "no group of that name on the target license, and the document does not create it")
        return gid

    def group_ids(self, names: list[str], kind: str, entry: dict[str, Any]) -> list[Any]:
        return [gid for name in names if (gid := self.group_id(name, kind, entry)) is not None]

    def members(self, group: dict[str, Any]) -> dict[str, str]:
        """A document group's members as the target's agent_priorities (left-out members reported)."""
        out: dict[str, str] = {}
        for email, priority in (group.get("agents") or {}).items():
            if email in self.created_agents or (self.agents is not None and email in self.agents):
                out[email] = priority
            else:
                why = ("no such agent on the target license, and the document does not create one"
                       if self.agents is not None else "the target's agents could not be read to check it")
                self.out.leave("groups", group, f"member agent {email}", why)
        for name, priority in (group.get("bots") or {}).items():
            bid = self.bots.get(name)
            if bid is None:
                self.out.leave("groups", group, f"member bot {json.dumps(name, ensure_ascii=False)}",
                               "no bot of that name on the target license, and the document does not create one")
            else:
                out[f"{KEY_PREFIX}{bid['$ref']}" if isinstance(bid, dict) else str(bid)] = priority
        for member, priority in (group.get("other_members") or {}).items():
            if self.p.same:
                out[member] = priority
            else:
                self.out.leave("groups", group, f"member {member} (another app's bot)",
                               "it is known only by its id on the license the document came from")
        return out

    def live_members(self, group: dict[str, Any]) -> dict[str, str]:
        """A live group's members as agent_priorities (the export names bots; back to their ids)."""
        out = dict(group.get("agents") or {})
        live_bots = self.live_ids.get("bots", {})
        for name, priority in (group.get("bots") or {}).items():
            bid = self.bots.get(name)  # read through renames: the document's name of that bot
            if bid is None or isinstance(bid, dict):
                bid = live_bots.get(name, name)
            out[str(bid)] = priority
        out.update(group.get("other_members") or {})
        return out

    # --- kinds --------------------------------------------------------------------------------------

    def run(self) -> Converged:
        kinds = self.p.kinds
        memberships = self._memberships() if "groups" in kinds else None
        if "agents" in kinds:
            self._create_agents(memberships)
        if "groups" in kinds:
            self._create_groups()
        if "bots" in kinds:
            self._create_bots(memberships)
        if "groups" in kinds:
            self._update_groups()
        if "agents" in kinds:
            self._update_agents()
        if "bots" in kinds:
            self._update_bots()
        if "bot_templates" in kinds:
            self._templates()
        if "tags" in kinds:
            self._tags()
        if "auto_access" in kinds:
            self._rules()
        if "greetings" in kinds:
            self._greetings()
        if "properties" in kinds:
            self._properties()
        if "webhooks" in kinds:
            self._webhooks()
        if self.prune:
            self._deletes()
        return self.out

    def _memberships(self) -> dict[str, list[tuple[str, str]]]:
        """Member (agent email or bot name) -> [(group name, priority)] as the document says."""
        out: dict[str, list[tuple[str, str]]] = {}
        for group in self.p.desired["groups"]:
            for kind in ("agents", "bots"):
                for member, priority in (group.get(kind) or {}).items():
                    out.setdefault(f"{kind}:{member}", []).append((group["name"], priority))
        return out

    def _existing_groups(self, memberships: dict[str, list[tuple[str, str]]] | None, member: str
                         ) -> list[dict[str, Any]] | None:
        if memberships is None:
            return None
        return [{"id": gid, "priority": priority} for name, priority in memberships.get(member, [])
                if (gid := self.groups.get(name)) is not None]

    def _create_agents(self, memberships: dict[str, list[tuple[str, str]]] | None) -> None:
        for agent in self.p.keyed["agents"].created:
            if agent.get("role") == "owner":
                self.out.leave("agents", agent, "the whole agent", "the license owner cannot be created")
                continue
            body = {"id": agent["id"], "name": agent.get("name") or agent["id"],
                    **{f: agent[f] for f in AGENT_FIELDS if f in agent}}
            groups = self._existing_groups(memberships, f"agents:{agent['id']}")  # new groups add it themselves
            if groups is not None:
                body["groups"] = groups  # explicit, so the agent joins no group the document does not name
            self.out.add("create_agent", body)

    def _create_groups(self) -> None:
        for group in self.p.keyed["groups"].created:
            if group.get("default") is True:  # only when the target's groups could not be paired
                self.out.leave("groups", group, "the whole group", "the default group cannot be created")
                continue
            body = {"name": group["name"], "agent_priorities": {
                k: v for k, v in self.members(group).items() if not k.startswith(KEY_PREFIX)}}
            if group.get("language_code"):
                body["language_code"] = group["language_code"]
            self.groups[group["name"]] = _ref(self.out.add("create_group", body))

    def _create_bots(self, memberships: dict[str, list[tuple[str, str]]] | None) -> None:
        for bot in self.p.keyed["bots"].created:
            body = {"name": bot["name"], **{f: bot[f] for f in BOT_FIELDS if f in bot}}
            if memberships is not None:
                body["groups"] = [{"id": gid, "priority": priority}
                                  for name, priority in memberships.get(f"bots:{bot['name']}", [])
                                  if (gid := self.groups.get(name)) is not None]
            self.bots[bot["name"]] = _ref(self.out.add("create_bot", body))

    def _update_groups(self) -> None:
        for want, have in self.p.keyed["groups"].pairs:
            body: dict[str, Any] = {}
            if want["name"] != have["name"]:
                body["name"] = want["name"]
            if want.get("language_code") != have.get("language_code"):
                if want.get("language_code"):
                    body["language_code"] = want["language_code"]
                else:
                    self.out.leave("groups", want, "removing language_code", "a group's language cannot be unset")
            members = self.members(want)
            if members != self.live_members(have):
                body["agent_priorities"] = members
            if body:
                self.out.add("update_group", {"id": self.groups[want["name"]], **body})

    def _changed(self, kind: str, want: dict[str, Any], have: dict[str, Any], fields: tuple[str, ...]
                 ) -> dict[str, Any]:
        """The fields to send for a pair: the document's value, or an empty one for a field it drops."""
        body: dict[str, Any] = {}
        for name, change in fields_changed({f: want.get(f) for f in fields}, {f: have.get(f) for f in fields}).items():
            if change["after"] is not None:
                body[name] = change["after"]
            elif name in EMPTY:
                body[name] = EMPTY[name]
            else:
                self.out.leave(kind, want, f"removing {name}", f"{name} cannot be unset through the API")
        return body

    def _update_agents(self) -> None:
        for want, have in self.p.keyed["agents"].pairs:
            if want.get("name") != have.get("name"):
                self.out.leave("agents", want, f"name {json.dumps(want.get('name'), ensure_ascii=False)}",
                               "update_agent cannot change an agent's name in v3.6")
            body = self._changed("agents", want, have, AGENT_FIELDS)
            if "role" in body and "owner" in (body["role"], have.get("role")):
                self.out.leave("agents", want, f"role {body.pop('role')}", "the license owner's role cannot be set or "
                               "changed through the API")
            if body:
                self.out.add("update_agent", {"id": want["id"], **body})

    def _update_bots(self) -> None:
        for want, have in self.p.keyed["bots"].pairs:
            body = self._changed("bots", want, have, BOT_FIELDS)
            if body:
                self.out.add("update_bot", {"id": self.bots[want["name"]], **body})

    def _another_client(self) -> str | None:
        if self.source_client and self.client_id and self.source_client != self.client_id:
            return (f"it belongs to client {self.source_client} (bot templates and property definitions are the "
                    f"app's, not the license's), and this server acts for client {self.client_id}")
        return None

    def _templates(self) -> None:
        found = self.p.keyed["bot_templates"]
        other = self._another_client()
        if other:
            for entry in found.created + [w for w, h in found.pairs if fields_changed(w, h)]:
                self.out.leave("bot_templates", entry, "the whole template", other)
            return
        for entry in found.created:
            self.out.add("create_bot_template", {"name": entry["name"], **({"avatar": entry["avatar"]}
                                                                         if "avatar" in entry else {})})
        for want, have in found.pairs:
            body = self._changed("bot_templates", want, have, ("avatar",))
            if body:
                self.out.add("update_bot_template", {"id": self.live_ids["bot_templates"][have["name"]], **body})

    def _tags(self) -> None:
        found = self.p.keyed["tags"]
        for entry in found.created:
            self.out.add("create_tag", {"name": entry["name"],
                                        "group_ids": self.group_ids(entry.get("groups", []), "tags", entry)})
        for want, have in found.pairs:
            if sorted(want.get("groups", [])) != sorted(have.get("groups", [])):
                self.out.add("update_tag", {"name": want["name"],
                                            "group_ids": self.group_ids(want.get("groups", []), "tags", want)})

    def _rules(self) -> None:
        rules = self.p.rules
        assert rules is not None
        desired = self.p.desired["auto_access"]
        paired = {id(want): have for want, have in rules.pairs}
        pruned = {id(r) for r in rules.deleted} if self.prune else set()
        live_order = self.live_ids.get("auto_access", [])
        # The license's rules as a linked list (without those a prune deletes): id -> next id, and back.
        kept = [ident for ident, rule in zip(live_order, self.p.live["auto_access"], strict=False)
                if id(rule) not in pruned]
        order = _Chain(kept)
        # Desired index -> the rule's live id, or ("step", N) for one this plan creates.
        ident_of: dict[int, Any] = {n: i for n, i in self.p.rule_ids.items() if i is not None}
        order.ours.update(ident_of.values())

        def value(ident: Any) -> Any:
            return _ref(ident[1]) if isinstance(ident, tuple) else ident

        for n in range(len(desired) - 1, -1, -1):  # from the last: each rule goes before the next one
            rule = desired[n]
            after = ident_of.get(n + 1)  # None for the last rule: at the end
            body = {"access": {"groups": self.group_ids(rule["access"]["groups"], "auto_access", rule)},
                    "conditions": rule.get("conditions")}
            if rule.get("description"):
                body["description"] = rule["description"]
            have = paired.get(id(rule))
            if have is None or n not in ident_of:
                step = self.out.add("add_auto_access", {**body, **({"next_id": value(after)} if after else {})})
                ident_of[n] = ("step", step)
                order.place(ident_of[n], after)
                continue
            me = ident_of[n]
            changes = self._changed("auto_access", rule, have, ("access", "conditions", "description"))
            update: dict[str, Any] = {k: body[k] for k in ("access", "conditions") if k in changes}
            if "description" in changes:
                update["description"] = changes["description"]
            if order.next_ours(me) != after:
                update["next_id"] = value(after) if after is not None else ""
                order.place(me, after)
            if update:
                self.out.add("update_auto_access", {"id": me, **update})

    def _greetings(self) -> None:
        found = self.p.keyed["greetings"]
        ids = self.live_ids.get("greetings", {})
        for entry in found.created:
            gid = self.group_id(entry["group"], "greetings", entry)
            if gid is None:
                continue
            self.out.add("create_greeting", {"name": entry["name"], "group": gid,
                                             **{f: entry[f] for f in GREETING_FIELDS if f in entry}})
        for want, have in found.pairs:
            body = self._changed("greetings", want, have, GREETING_FIELDS)
            if body:
                self.out.add("update_greeting", {"id": ids[key_of("greetings", have)], **body})

    def _properties(self) -> None:
        want, have = self.p.desired["properties"], self.p.live["properties"]
        if "definitions" in want and "definitions" in have:
            self._definitions(want["definitions"], have["definitions"])
        if "license" in want and "license" in have:
            changed = {ns: {n: v for n, v in names.items() if have["license"].get(ns, {}).get(n, _MISSING) != v}
                       for ns, names in want["license"].items()}
            changed = {ns: names for ns, names in changed.items() if names}
            if changed:
                self.out.add("update_license_properties", {"properties": changed})
        if "groups" in want and "groups" in have:
            for group, spaces in want["groups"].items():
                live = have["groups"].get(group, {})
                changed = {ns: {n: v for n, v in names.items() if live.get(ns, {}).get(n, _MISSING) != v}
                           for ns, names in spaces.items()}
                changed = {ns: names for ns, names in changed.items() if names}
                gid = self.group_id(group, "properties", f"group property values of {json.dumps(group)}") \
                    if changed else None
                if gid is not None:
                    self.out.add("update_group_properties", {"group_id": gid, "properties": changed})

    def _definitions(self, want: dict[str, Any], have: dict[str, Any]) -> None:
        other = self._another_client()
        for name, spec in want.items():
            if have.get(name) == spec:
                continue
            what = f"property definition {name}"
            if other:
                self.out.leave("properties", what, "the whole definition", other)
                continue
            if name in have:
                if have[name].get("public_access"):
                    self.out.leave("properties", what, "its changes", "a published property cannot be changed or "
                                   "unregistered")
                    continue
                self.out.add("unregister_property", {"name": name})
            self.out.add("register_property", {"name": name, **{k: v for k, v in spec.items() if k != "public_access"}})
            if spec.get("public_access"):
                self.out.add("publish_property", {"name": name, "access_type": spec["public_access"]})

    def _webhooks(self) -> None:
        want, have = self.p.desired["webhooks"], self.p.live["webhooks"]
        found = self.p.keyed.get("webhooks")
        ids = self.live_ids.get("webhooks", {})
        if found is not None:
            for want_hook, have_hook in found.pairs:
                if fields_changed({f: want_hook.get(f) for f in WEBHOOK_FIELDS},
                                  {f: have_hook.get(f) for f in WEBHOOK_FIELDS}):
                    # No update action: replaced (the secret key is supplied again at apply).
                    self.out.add("unregister_webhook", {"id": ids[key_of("webhooks", have_hook)]})
                    self._register(want_hook)
            for hook in found.created:
                self._register(hook)
        enabled = want.get("license_webhooks_enabled")
        if enabled is not None and "license_webhooks_enabled" in have and enabled != have["license_webhooks_enabled"]:
            self.out.add("enable_license_webhooks" if enabled else "disable_license_webhooks", {})

    def _register(self, hook: dict[str, Any]) -> None:
        step = self.out.add("register_webhook", {**{f: hook[f] for f in WEBHOOK_FIELDS if f in hook},
                                                 "secret_key": SECRET_STAND_IN})
        self.out.secrets[f"step{step}.secret_key"] = str(hook.get("secret_key", {}).get("$secret") or secret_name(hook))

    def _deletes(self) -> None:
        k, ids = self.p.keyed, self.live_ids
        if "greetings" in k:
            for entry in k["greetings"].deleted:
                self.out.add("delete_greeting", {"id": ids["greetings"][key_of("greetings", entry)]})
        if self.p.rules is not None:
            by_rule = {id(r): i for r, i in zip(self.p.live["auto_access"], ids.get("auto_access", []), strict=False)}
            for rule in self.p.rules.deleted:
                if id(rule) in by_rule:
                    self.out.add("delete_auto_access", {"id": by_rule[id(rule)]})
        if "webhooks" in k:
            for hook in k["webhooks"].deleted:
                self.out.add("unregister_webhook", {"id": ids["webhooks"][key_of("webhooks", hook)]})
        if "tags" in k:
            for tag in k["tags"].deleted:
                self.out.add("delete_tag", {"name": tag["name"]})
        if "properties" in self.p.kinds:
            self._delete_values()
        if "bots" in k:
            for bot in k["bots"].deleted:
                self.out.add("delete_bot", {"id": ids["bots"][bot["name"]]})
        if "bot_templates" in k and not self._another_client():
            for template in k["bot_templates"].deleted:
                self.out.add("delete_bot_template", {"id": ids["bot_templates"][template["name"]]})
        if "agents" in k:
            for agent in k["agents"].deleted:
                if agent.get("role") == "owner":
                    self.out.leave("agents", agent, "deleting it", "the license owner cannot be deleted")
                else:
                    self.out.add("delete_agent", {"id": agent["id"]})
        if "groups" in k:
            for group in k["groups"].deleted:
                if group.get("default") is True:
                    self.out.leave("groups", group, "deleting it", "the default group cannot be deleted")
                else:
                    self.out.add("delete_group", {"id": ids["groups"][group["name"]]})

    def _delete_values(self) -> None:
        want, have = self.p.desired["properties"], self.p.live["properties"]
        if "license" in want and "license" in have:
            gone = {ns: [n for n in names if n not in want["license"].get(ns, {})]
                    for ns, names in have["license"].items()}
            gone = {ns: names for ns, names in gone.items() if names}
            if gone:
                self.out.add("delete_license_properties", {"properties": gone})
        if "groups" in want and "groups" in have:
            for group, spaces in have["groups"].items():
                wanted = want["groups"].get(group, {})
                gone = {ns: [n for n in names if n not in wanted.get(ns, {})] for ns, names in spaces.items()}
                gone = {ns: names for ns, names in gone.items() if names}
                gid = self.groups.get(group)
                if gone and gid is not None:
                    self.out.add("delete_group_properties", {"id": gid, "properties": gone})
        if "definitions" in want and "definitions" in have and not self._another_client():
            for name, spec in have["definitions"].items():
                if name in want["definitions"]:
                    continue
                if spec.get("public_access"):
                    self.out.leave("properties", f"property definition {name}", "unregistering it",
                                   "a published property cannot be unregistered")
                else:
                    self.out.add("unregister_property", {"name": name})


_MISSING = object()


def converge(p: Paired, live: dict[str, Any], *, prune: bool = False, client_id: str | None = None) -> Converged:
    """The steps making the license ``live`` (its export, ids included) match ``p.desired``."""
    return _Converger(p, live, prune, client_id).run()
