"""Plans that went stale: what changed in the license between review and apply.

A plan is reviewed with what its checks read (server/plans/checks.py): an update's ``changes``
(each field's value before and after) and a delete's ``lost`` (the object as it was). A plan
reviewed on Monday and applied on Friday must not overwrite what colleagues changed in between,
so before anything is sent, apply reads the objects again (once per kind, as planning does,
through the ``Reader`` the call path hands in) and compares:

- an update: each field the step sets, as the reviewer saw it, with its value now. A field
  changed since (and not already to what the step sets) makes the step stale; so does the
  object being gone.
- a delete: the object as the reviewer saw it (what the delete loses) with the object now: any
  field changed, or the object gone.
- a create whose object (by its key: a tag's name, an agent's email) did not exist when the plan
  was checked but exists now: it would fail as ``already_exists``, or worse.

A stale step is refused with rule ``changed_since_planned`` showing, per field, ``before`` (what
was reviewed), ``now`` and ``after`` (what the step would set); nothing of it is sent, nor of the
later steps that depend on it (that use what it creates, or act on the same object). ``accept_changed``
sends them anyway (the caller's choice). Steps an earlier apply of the plan did (its journal) are
not compared: their changes are the plan's own, and a later step on the same object is compared
with what they set.

Only a checked plan can be compared: an unchecked one (get_plan check=false) recorded no before
values, and a read that is refused or fails leaves its steps uncompared; both are said.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from .checks import _SETS, OWNED, Reader, read_kind
from .document import SECRET_REF, Step
from .effects import CREATES, DELETES, KINDS, UPDATES, Ledger
from .refs import KEY_PREFIX, REF, needs

RULE = "changed_since_planned"
# Fields that change by themselves, not by anyone's decision (an agent logging out, a group's
# agents going offline): never a reason to refuse.
VOLATILE = frozenset({"last_logout", "routing_status"})
HOW_TO_ALLOW = ("re-plan it against the license as it is now and review it again, or send it anyway with "
                "`livechat-mcp apply --accept-changed` / apply_plan accept_changed: true")


@dataclass
class Staleness:
    """What the re-check found: per stale step its refusal, the later steps held back with it,
    and the steps that could not be compared (with why)."""

    stale: dict[int, dict[str, Any]] = field(default_factory=dict)
    held: dict[int, int] = field(default_factory=dict)  # step -> the stale step it depends on
    not_compared: dict[int, str] = field(default_factory=dict)
    reads: int = 0


def _plain(value: Any) -> bool:
    """A value the step gives itself (not a reference filled at apply, not a secret placeholder)."""
    text = json.dumps(value, default=str)
    return f'"{REF}"' not in text and f'"{SECRET_REF}"' not in text and KEY_PREFIX not in text


def _same(a: Any, b: Any) -> bool:
    """Equal as configuration: lists compared without regard to order (LiveChat may list groups
    or rules in another order without anyone changing them)."""
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and sorted(map(_canonical, a)) == sorted(map(_canonical, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return bool(a == b)


def _canonical(value: Any) -> str:
    if isinstance(value, list):
        return json.dumps(sorted(map(_canonical, value)))
    if isinstance(value, dict):
        return json.dumps({k: _canonical(v) for k, v in sorted(value.items())})
    return json.dumps(value, default=str)


def _object(step: Step) -> tuple[str, str] | None:
    """(kind, key) of the one object a create, update or delete step acts on, when it names it."""
    kind_name = CREATES.get(step.action) or UPDATES.get(step.action) or DELETES.get(step.action)
    if kind_name is None:
        return None
    key = step.body.get(KINDS[kind_name].key)
    return (kind_name, str(key)) if isinstance(key, (str, int)) and _plain(key) else None


def _after(step: Step, kind_key: str) -> dict[str, Any]:
    """What an update sets: its body's fields (not the key) and what the action itself sets."""
    return {**{k: v for k, v in step.body.items() if k != kind_key}, **_SETS.get(step.action, {})}


async def check_stale(reader: Reader, steps: list[Step], session: str, *, checked: bool,
                      skip: Collection[int] = (), done: Collection[int] = ()) -> Staleness:
    """Compare each create, update and delete of ``steps`` (not in ``skip``) with the license now.
    ``done``: steps an earlier apply of this plan did (their effects are expected)."""
    found = Staleness()
    if not checked:
        for n, step in enumerate(steps, 1):
            if n not in skip and n not in done and _object(step) is not None:
                found.not_compared[n] = ("the plan was not checked when it was planned (get_plan check=false): "
                                         "there is nothing it was reviewed with to compare")
        return found
    ledger = Ledger()
    created: set[tuple[str, str]] = set()  # by an earlier step of the plan
    deleted: set[tuple[str, str]] = set()
    expected: dict[tuple[str, str], dict[str, Any]] = {}  # fields earlier done steps set

    for n, step in enumerate(steps, 1):
        target = _object(step)
        if target is None:
            continue
        kind = KINDS[target[0]]
        mine = target in created or target in deleted
        if n in done:
            if step.action in UPDATES:
                expected.setdefault(target, {}).update(_after(step, kind.key))
        elif n not in skip and not mine:
            why = await _compare(reader, ledger, session, step, n, target, expected.get(target, {}))
            if isinstance(why, str):
                found.not_compared[n] = why
            elif why is not None:
                found.stale[n] = why
        if step.action in CREATES:
            created.add(target)
            deleted.discard(target)
        elif step.action in DELETES:
            deleted.add(target)
    found.reads = ledger.calls
    found.held = _dependents(steps, set(found.stale))
    return found


async def _compare(reader: Reader, ledger: Ledger, session: str, step: Step, n: int, target: tuple[str, str],
                   set_earlier: dict[str, Any]) -> dict[str, Any] | str | None:
    """The step's refusal if its object changed since planning; a string when it cannot be told."""
    kind_name, key = target
    kind = KINDS[kind_name]
    warned = {w.get("kind") for w in step.info.get("warnings") or [] if isinstance(w, dict)}
    if "unchecked" in warned:
        return "its object was not read when the plan was checked: there is nothing to compare"
    if "exists" in warned or "not_found" in warned or "duplicate_in_plan" in warned:
        return None  # the review already said so (expected_error): not a change since
    owner = step.body.get("owner_client_id") if kind_name in OWNED else None
    live = await read_kind(reader, ledger, kind_name, session, owner if isinstance(owner, str) else None)
    if isinstance(live, str):
        return live
    now = live.get(key)
    what = f"{kind_name} {key!r}"
    if step.action in CREATES:
        if now is None:
            return None
        return {"type": "already_exists", "rule": RULE, "object": what,
                "message": f"{what} was created since the plan was reviewed (it did not exist then): creating it "
                           "again would fail or make a second one. Nothing of this step was sent.",
                "now": now, "how_to_allow": HOW_TO_ALLOW}
    if step.action in UPDATES:
        after = _after(step, kind.key)
        info = step.info.get("changes")
        changes: dict[str, Any] = info if isinstance(info, dict) else {}
        reviewed = {k: (changes[k].get("before") if isinstance(changes.get(k), dict) else v)
                    for k, v in after.items()}
        reviewed.update({k: v for k, v in set_earlier.items() if k in reviewed})
        if now is None:
            return _gone(what, reviewed, after)
        fields = {k: {"before": reviewed[k], "now": now.get(k), "after": after[k]} for k in after
                  if _plain(after[k]) and k not in VOLATILE and not _same(now.get(k), reviewed[k])
                  and not _same(now.get(k), after[k])}
        return _changed(what, fields, "Sending the step would overwrite that.")
    lost = step.info.get("lost")
    if not isinstance(lost, dict):
        return None  # nothing was reviewed of it (created earlier, or not found when planned)
    reviewed = {**lost, **set_earlier}
    if now is None:
        return _gone(what, reviewed, None)
    fields = {k: {"before": reviewed.get(k), "now": now.get(k)} for k in sorted(set(reviewed) | set(now))
              if k not in VOLATILE and not _same(reviewed.get(k), now.get(k))}
    return _changed(what, fields, "The delete would lose what the review did not show.")


def _changed(what: str, fields: dict[str, Any], consequence: str) -> dict[str, Any] | None:
    """The refusal of a step whose object changed since review in ``fields`` (None: it did not)."""
    if not fields:
        return None
    return {"type": "refused", "rule": RULE, "object": what,
            "message": f"{what} changed since the plan was reviewed: {_fields_text(fields)}. {consequence} "
                       "Nothing of this step was sent.",
            "fields": fields, "how_to_allow": HOW_TO_ALLOW}


def _gone(what: str, reviewed: dict[str, Any], after: dict[str, Any] | None) -> dict[str, Any]:
    return {"type": "refused", "rule": RULE, "object": what,
            "message": f"{what} no longer exists: it was deleted since the plan was reviewed. Nothing of this step "
                       "was sent.",
            "gone": True, "before": reviewed, **({"after": after} if after is not None else {}),
            "how_to_allow": HOW_TO_ALLOW}


def _fields_text(fields: dict[str, dict[str, Any]], most: int = 3) -> str:
    def short(value: Any) -> str:
        text = json.dumps(value, ensure_ascii=False, default=str)
        return text if len(text) <= 60 else text[:59] + "…"

    shown = [f"{k} was {short(f.get('before'))} when reviewed, is {short(f.get('now'))} now"
             + (f", the step sets {short(f['after'])}" if "after" in f else "") for k, f in list(fields.items())[:most]]
    more = f" (and {len(fields) - most} more field{'s' if len(fields) - most > 1 else ''})" if len(fields) > most else ""
    return "; ".join(shown) + more


def _dependents(steps: list[Step], stale: set[int]) -> dict[int, int]:
    """Later steps held back with a stale one: they use what it (or a step held with it) makes,
    or act on the same object."""
    held: dict[int, int] = {}
    blocked_objects: dict[tuple[str, str], int] = {}
    for n, step in enumerate(steps, 1):
        target = _object(step)
        if n in stale:
            if target is not None:
                blocked_objects.setdefault(target, n)
            continue
        cause = next((held.get(m, m) for m in sorted(needs(step.body)) if m in stale or m in held), None)
        if cause is None and target is not None:
            cause = blocked_objects.get(target)
        if cause is not None:
            held[n] = cause
            if target is not None:
                blocked_objects.setdefault(target, cause)
    return held
