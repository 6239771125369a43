"""What differs between a document (what the license should be) and a license's export (what
it is): per object, created / changed (field by field, before -> after) / deleted, as converging
would see it ("created": the document has it and the license does not). Pure.

Objects are paired by their key (a group's name, an agent's email, ...). When the document was
exported from the same license (same organization and API), its ``ids`` pair objects first: a
group renamed since is then one group whose name changed, not one deleted and one created, and
what names it (tags, rules, greetings, members) is read through the rename, so the diff names
the group alone. Auto access rules (no name of their own) pair by id on the same license, then
by content, then by description; their order is compared as one change.

Everything here is dict lookups over each kind's objects: linear in the license's size.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from typing import Any

from .document import KINDS, LIST_KINDS, describe, key_of


@dataclass
class Pairing:
    """A kind's objects paired: (desired, live) pairs, the desired ones the license lacks, the
    live ones the document lacks, and for auto access the live ids in the desired order."""

    pairs: list[tuple[dict[str, Any], dict[str, Any]]] = field(default_factory=list)
    created: list[dict[str, Any]] = field(default_factory=list)
    deleted: list[dict[str, Any]] = field(default_factory=list)
    renamed: dict[str, str] = field(default_factory=dict)  # live key -> desired key, where they differ


def same_license(desired: dict[str, Any], live: dict[str, Any]) -> bool:
    """Whether the document was exported from the license ``live`` was: same API and organization
    (a Personal Access Token tells no organization: then ids are never trusted)."""
    a, b = desired.get("source") or {}, live.get("source") or {}
    return bool(a.get("organization_id")) and a.get("organization_id") == b.get("organization_id") \
        and a.get("api") == b.get("api")


def _ids(doc: dict[str, Any], kind: str) -> dict[str, Any]:
    found = (doc.get("ids") or {}).get(kind)
    return found if isinstance(found, dict) else {}


def pair(kind: str, desired: list[dict[str, Any]], live: list[dict[str, Any]], desired_ids: dict[str, Any],
         live_ids: dict[str, Any]) -> Pairing:
    """Pair a keyed kind's objects: the default group with group 0's, then by id (when the ids
    are to be trusted: the caller passes empty maps otherwise), then by key."""
    out = Pairing()
    live_by_key = {key_of(kind, e): e for e in live}
    key_by_id = {json.dumps(ident): key for key, ident in live_ids.items()}
    taken: set[str] = set()
    default_live = next((key_of(kind, e) for e in live if e.get("default") is True), None) if kind == "groups" else None
    for entry in desired:
        key = key_of(kind, entry)
        found: str | None = None
        if kind == "groups" and entry.get("default") is True:
            found = default_live
        elif key in desired_ids and (by_id := key_by_id.get(json.dumps(desired_ids[key]))) is not None:
            found = by_id
        if found is None or found in taken:
            found = key if key in live_by_key and key not in taken and key != default_live else None
        if found is None:
            out.created.append(entry)
            continue
        taken.add(found)
        out.pairs.append((entry, live_by_key[found]))
        if found != key:
            out.renamed[found] = key
    out.deleted = [e for k, e in live_by_key.items() if k not in taken]
    return out


def pair_rules(desired: list[dict[str, Any]], live: list[dict[str, Any]], desired_ids: list[Any],
               live_ids: list[Any]) -> tuple[Pairing, dict[int, Any]]:
    """Auto access rules paired by id (same license), then by content, then by a description both
    sides hold once. Also answers each desired rule's index -> its live id, where paired."""
    out = Pairing()
    live_id = dict(enumerate(live_ids)) if len(live_ids) == len(live) else {}
    index_by_id = {ident: i for i, ident in live_id.items()}
    by_content: dict[str, list[int]] = {}
    by_description: dict[Any, list[int]] = {}
    for index, rule in enumerate(live):
        by_content.setdefault(_canonical(rule), []).append(index)
        by_description.setdefault(rule.get("description"), []).append(index)
    wanted_descriptions: dict[Any, int] = {}
    for rule in desired:
        wanted_descriptions[rule.get("description")] = wanted_descriptions.get(rule.get("description"), 0) + 1
    taken: set[int] = set()
    matched: dict[int, int] = {}  # desired index -> live index
    usable_ids = len(desired_ids) == len(desired)
    for n, rule in enumerate(desired):  # by id, then by content
        i: int | None = index_by_id.get(desired_ids[n]) if usable_ids else None
        if i is None or i in taken:
            i = next((j for j in by_content.get(_canonical(rule), []) if j not in taken), None)
        if i is not None:
            taken.add(i)
            matched[n] = i
    for n, rule in enumerate(desired):  # then by a description unique on both sides
        description = rule.get("description")
        candidates = by_description.get(description, [])
        if n in matched or not description or wanted_descriptions[description] != 1 or len(candidates) != 1 \
                or candidates[0] in taken:
            continue
        taken.add(candidates[0])
        matched[n] = candidates[0]
    for n, rule in enumerate(desired):
        if n in matched:
            out.pairs.append((rule, live[matched[n]]))
        else:
            out.created.append(rule)
    out.deleted = [rule for i, rule in enumerate(live) if i not in taken]
    return out, {n: live_id.get(i) for n, i in matched.items()}


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def fields_changed(desired: dict[str, Any], live: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """{field: {before, after}} for every field whose value differs (a missing field is None)."""
    return {f: {"before": live.get(f), "after": desired.get(f)} for f in sorted({*desired, *live})
            if _canonical(desired.get(f)) != _canonical(live.get(f))}


def through_renames(live: dict[str, Any], groups: dict[str, str], bots: dict[str, str]) -> dict[str, Any]:
    """``live`` with its references to renamed groups and bots written with the document's names,
    so that a rename shows once (on the group or bot) rather than on everything naming it."""
    if not groups and not bots:
        return live
    out = copy.deepcopy(live)

    def g(name: str) -> str:
        return groups.get(name, name)

    for group in out.get("groups", []):
        if bots and isinstance(group.get("bots"), dict):
            group["bots"] = {bots.get(k, k): v for k, v in group["bots"].items()}
    if not groups:
        return out
    for tag in out.get("tags", []):
        tag["groups"] = sorted(g(n) for n in tag.get("groups", []))
    for rule in out.get("auto_access", []):
        access = rule.get("access")
        if isinstance(access, dict):
            access["groups"] = sorted(g(n) for n in access.get("groups", []))
    for greeting in out.get("greetings", []):
        if "group" in greeting:
            greeting["group"] = g(greeting["group"])
    values = (out.get("properties") or {}).get("groups")
    if isinstance(values, dict):
        out["properties"]["groups"] = {g(k): v for k, v in values.items()}
    greeting_ids = (out.get("ids") or {}).get("greetings")
    if isinstance(greeting_ids, dict):  # keyed by [group, name]: the group through the rename too
        out["ids"]["greetings"] = {json.dumps([g(k[0]), k[1]], ensure_ascii=False): v
                                   for k, v in ((json.loads(key), v) for key, v in greeting_ids.items())}
    return out


@dataclass
class Paired:
    """Both documents paired, kind by kind (what compare and converge share)."""

    desired: dict[str, Any]
    live: dict[str, Any]  # with references read through renames
    same: bool
    kinds: list[str]
    keyed: dict[str, Pairing]
    rules: Pairing | None
    rule_ids: dict[int, Any]  # desired rule index -> live id
    not_compared: dict[str, str]


def pair_documents(desired: dict[str, Any], live: dict[str, Any], kinds: list[str] | None = None) -> Paired:
    same = same_license(desired, live)
    wanted = [k for k in KINDS if k in desired and (kinds is None or k in kinds)]
    not_compared = {k: f"the license's {k} could not be read: {(live.get('omitted') or {}).get(k, 'not exported')}"
                    for k in wanted if k not in live}
    wanted = [k for k in wanted if k in live]
    keyed: dict[str, Pairing] = {}

    def ids(doc: dict[str, Any], kind: str) -> dict[str, Any]:
        return _ids(doc, kind) if same else {}

    renames: dict[str, dict[str, str]] = {}
    for kind in ("groups", "bots"):  # first: the others name them
        if kind in desired and kind in live:
            found = pair(kind, desired[kind], live[kind], ids(desired, kind), ids(live, kind))
            renames[kind] = found.renamed
            if kind in wanted:
                keyed[kind] = found
    live = through_renames(live, renames.get("groups", {}), renames.get("bots", {}))
    for kind in wanted:
        if kind in LIST_KINDS and kind not in keyed and kind != "auto_access":
            keyed[kind] = pair(kind, desired[kind], live[kind], ids(desired, kind), ids(live, kind))
    if "webhooks" in wanted and "registered" in desired["webhooks"] and "registered" in live["webhooks"]:
        keyed["webhooks"] = pair("webhooks", desired["webhooks"]["registered"], live["webhooks"]["registered"],
                                 ids(desired, "webhooks"), ids(live, "webhooks"))
    rules: Pairing | None = None
    rule_ids: dict[int, Any] = {}
    if "auto_access" in wanted:
        given = (desired.get("ids") or {}).get("auto_access") if same else None
        have = (live.get("ids") or {}).get("auto_access")
        rules, rule_ids = pair_rules(desired["auto_access"], live["auto_access"],
                                     given if isinstance(given, list) else [], have if isinstance(have, list) else [])
    return Paired(desired, live, same, wanted, keyed, rules, rule_ids, not_compared)


def compare(desired: dict[str, Any], live: dict[str, Any], kinds: list[str] | None = None) -> dict[str, Any]:
    """The differences, as JSON: {"differs", "same_license", "counts", "changes", "not_compared"}."""
    p = pair_documents(desired, live, kinds)
    changes: list[dict[str, Any]] = []
    for kind in p.kinds:
        if kind in p.keyed and kind != "webhooks":
            changes += _keyed_changes(kind, p.keyed[kind])
        elif kind == "auto_access" and p.rules is not None:
            changes += _rule_changes(p.rules, p.desired["auto_access"], p.live["auto_access"])
        elif kind == "properties":
            changes += _property_changes(p.desired["properties"], p.live["properties"])
        elif kind == "webhooks":
            if "webhooks" in p.keyed:
                changes += _keyed_changes("webhooks", p.keyed["webhooks"])
            want, have = p.desired["webhooks"], p.live["webhooks"]
            if "license_webhooks_enabled" in want and want.get("license_webhooks_enabled") != \
                    have.get("license_webhooks_enabled"):
                changes.append({"kind": "webhooks", "object": "license webhooks", "change": "changed",
                                "fields": {"license_webhooks_enabled": {"before": have.get("license_webhooks_enabled"),
                                                                        "after": want["license_webhooks_enabled"]}}})
    counts = {c: sum(1 for x in changes if x["change"] == c) for c in ("created", "changed", "deleted")}
    return {"differs": bool(changes), "same_license": p.same, "counts": counts, "changes": changes,
            **({"not_compared": p.not_compared} if p.not_compared else {})}


def _keyed_changes(kind: str, found: Pairing) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for entry in found.created:
        out.append({"kind": kind, "object": describe(kind, entry), "key": key_of(kind, entry), "change": "created",
                    "entry": entry})
    for want, have in found.pairs:
        changed = fields_changed(want, have)
        if changed:
            out.append({"kind": kind, "object": describe(kind, want), "key": key_of(kind, want), "change": "changed",
                        "fields": changed})
    for entry in found.deleted:
        out.append({"kind": kind, "object": describe(kind, entry), "key": key_of(kind, entry), "change": "deleted",
                    "entry": entry})
    return out


def _rule_changes(found: Pairing, desired: list[dict[str, Any]], live: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = [{"kind": "auto_access", "object": describe("auto_access", r), "change": "created", "entry": r}
           for r in found.created]
    out += [{"kind": "auto_access", "object": describe("auto_access", want), "change": "changed",
             "fields": changed} for want, have in found.pairs if (changed := fields_changed(want, have))]
    out += [{"kind": "auto_access", "object": describe("auto_access", r), "change": "deleted", "entry": r}
            for r in found.deleted]
    # The order of the rules both sides have: the live order read through the pairing.
    position = {id(have): i for i, have in enumerate(live)}
    paired = [(position[id(have)], want) for want, have in found.pairs]
    now = [want for _, want in sorted(paired, key=lambda p: p[0])]
    wanted = [want for want, _ in found.pairs]
    if [id(r) for r in now] != [id(r) for r in wanted]:
        out.append({"kind": "auto_access", "object": "the order of the auto access rules", "change": "changed",
                    "fields": {"order": {"before": [_rule_label(r) for r in now],
                                         "after": [_rule_label(r) for r in wanted]}}})
    return out


def _rule_label(rule: dict[str, Any]) -> str:
    return str(rule.get("description") or _canonical(rule.get("conditions")))


def _property_changes(want: dict[str, Any], have: dict[str, Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []

    def flat(part: str, values: Any) -> dict[str, Any]:
        if part == "definitions":
            return dict(values) if isinstance(values, dict) else {}
        if part == "license":
            return {json.dumps([ns, n]): v for ns, names in (values or {}).items() for n, v in names.items()}
        return {json.dumps([g, ns, n]): v for g, spaces in (values or {}).items()
                for ns, names in spaces.items() for n, v in names.items()}

    words = {"definitions": "property definition", "license": "license property value",
             "groups": "group property value"}
    for part in ("definitions", "license", "groups"):
        if part not in want or part not in have:
            continue
        a, b = flat(part, want[part]), flat(part, have[part])
        for key in sorted({*a, *b}):
            what = f"{words[part]} {' / '.join(json.loads(key)) if part != 'definitions' else key}"
            base = {"kind": "properties", "object": what, "key": key, "part": part}
            if key not in b:
                out.append({**base, "change": "created", "entry": a[key]})
            elif key not in a:
                out.append({**base, "change": "deleted", "entry": b[key]})
            elif _canonical(a[key]) != _canonical(b[key]):
                fields = fields_changed(a[key], b[key]) if part == "definitions" and isinstance(a[key], dict) and \
                    isinstance(b[key], dict) else {"value": {"before": b[key], "after": a[key]}}
                out.append({**base, "change": "changed", "fields": fields})
    return out


def words(result: dict[str, Any], done: bool = False) -> str:
    """The differences for a person: one line per object (and one per changed field). ``done``:
    they are what a plan did (a rehearsal: after compared with before), not what differs."""
    c = result["counts"]
    if done:
        lines = [f"The plan created {c['created']}, changed {c['changed']} and deleted {c['deleted']} object(s):"
                 if result["differs"] else "The plan changed nothing."]
    elif not result["differs"]:
        lines = ["The license matches the document."]
    else:
        lines = [f"{c['created']} to create, {c['changed']} to change, {c['deleted']} only in the license "
                 "(deleted by `plan --prune`):"]
    for change in result["changes"]:
        what = change["object"]
        if change["change"] == "created":
            lines.append(f"+ {what}" + ("" if done else ": in the document, not in the license"))
        elif change["change"] == "deleted":
            lines.append(f"- {what}" + ("" if done else ": in the license, not in the document"))
        else:
            lines.append(f"~ {what}:")
            for name, values in change["fields"].items():
                lines.append(f"    {name}: {_short(values['before'])} -> {_short(values['after'])}")
    for kind, why in (result.get("not_compared") or {}).items():
        lines.append(f"! {kind} not compared: {why}")
    return "\n".join(lines)


def _short(value: Any, limit: int = 200) -> str:
    text = "(none)" if value is None else _canonical(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"

