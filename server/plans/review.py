"""A plan as a person reads it: one summary sentence, similar steps grouped into one line with a
count, references named as what they point at, and what undo can and cannot restore.

Pure (no I/O), from the plan document alone, so every door shows the same review: get_plan's
text starts with the sentence (``headline``) for clients without MCP Apps, the review app
(server/doors/review_app.html) lays the lines out with each step's fields, and the hosted page
``/plans/{id}`` serves that same app with the plan in it.

Reading the onboarding of 40 agents into a new group: "41 steps: create group “Sales EMEA”; 40 new
agents join the new group “Sales EMEA” (step 1)." rather than 41 cards of JSON.

``review(doc)`` answers::

    {"headline": "...",
     "lines": [{"text", "verb": create|update|delete|other, "action", "steps": [n, ...], "count",
                "destructive", "undo": full|partly|none, "items": [[step, label], ...] (count > 1),
                "warnings": steps with warnings, "expected_errors": [steps]}],
     "refs": {"step1.id": "the group created in step 1, “Sales EMEA”"},
     "undo": {"text", "reversible": steps, "steps": total, "cannot_undo": [reasons]}}

Names in it are the plan's own text and what its checks read (license text): the doors show them
as text, never markup, and get_plan labels the answer as data.
"""

from __future__ import annotations

import json
from typing import Any

from ..tools import catalog
from ..tools.refs import RETURNS, STAND_IN
from .document import Step, document_steps
from .effects import CREATES, DELETES, KINDS, UPDATES
from .refs import KEY_PREFIX, REF, find
from .undo import undo_steps

MAX_HEADLINE_LINES = 4  # lines named in the headline; the rest are counted
MAX_VALUE = 60  # characters of a value quoted in a line

_CREATE_VERBS = ("create_", "add_", "register_")
_DELETE_VERBS = ("delete_", "unregister_")
_UPDATE_VERBS = ("update_",)


def review(doc: dict[str, Any]) -> dict[str, Any]:
    """The readable review of a plan document (see the module docstring)."""
    steps = document_steps(doc)
    refs = _ref_texts(steps)
    undo = _undo(steps)
    groups: dict[tuple[Any, ...], list[int]] = {}
    for n, step in enumerate(steps, 1):
        groups.setdefault(_signature(step, refs), []).append(n)
    lines = [_line(steps, numbers, refs, undo) for numbers in groups.values()]
    return {"headline": _headline(doc, steps, lines), "lines": lines, "refs": refs,
            "undo": _undo_summary(steps, undo)}


# --- naming things -------------------------------------------------------------------------------

def verb_of(action: str) -> str:
    if action.startswith(_CREATE_VERBS):
        return "create"
    if action.startswith(_DELETE_VERBS):
        return "delete"
    if action.startswith(_UPDATE_VERBS):
        return "update"
    return "other"


def _kind(action: str) -> str:
    """The kind of object an action is about, in words: "agent", "auto access rule", "greeting"."""
    kind = CREATES.get(action) or UPDATES.get(action) or DELETES.get(action)
    act = catalog().get(action)
    title = act.title if act else action.replace("_", " ")
    if kind is not None and kind != "auto_access":
        return kind.replace("_", " ")
    return title.split(" ", 1)[1].lower() if " " in title else title.lower()


def plural(noun: str, count: int = 2) -> str:
    if count == 1:
        return noun
    head, _, last = noun.rpartition(" ")
    if last.endswith("y") and last[-2:-1] not in "aeiou":
        last = last[:-1] + "ies"
    elif last.endswith(("s", "x", "ch", "sh")):
        last += "es"
    else:
        last += "s"
    return f"{head} {last}" if head else last


def readable(value: Any, refs: dict[str, str] | None = None) -> str:
    """A value in words: text in quotes, references as what they point at, objects as "key: value"."""
    refs = refs or {}
    if isinstance(value, str):
        return f"“{value}”"
    if isinstance(value, dict):
        if set(value) == {REF}:
            return refs.get(str(value[REF]), f"what step {value[REF]} creates")
        return "{" + ", ".join(
            f"{refs.get(k[len(KEY_PREFIX):], k) if k.startswith(KEY_PREFIX) else k}: {readable(v, refs)}"
            for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(readable(v, refs) for v in value) + "]"
    return json.dumps(value)


def short(value: Any, refs: dict[str, str] | None = None) -> str:
    """A value as a line shows it (``readable``), cut short."""
    text = readable(value, refs)
    return text if len(text) <= MAX_VALUE else text[: MAX_VALUE - 1] + "…"


def _key_field(action: str) -> str | None:
    kind = CREATES.get(action) or UPDATES.get(action) or DELETES.get(action)
    return KINDS[kind].key if kind is not None else None


def label(step: Step) -> str:
    """The object a step is about: "agent jane@example.com (Jane Doe)", "group “Sales EMEA”"."""
    body = step.body
    key_field = _key_field(step.action)
    key = body.get(key_field) if key_field else None
    if isinstance(key, dict) and REF in key:
        key = None  # a reference: named by the line, not here
    lost, changed = step.info.get("lost"), step.info.get("changes")
    seen: dict[str, Any] = lost if isinstance(lost, dict) else {}
    changes: dict[str, Any] = changed if isinstance(changed, dict) else {}
    # The object's name as it is now: what a delete loses, an update's "before"; a body's name is
    # the new object's (a create) or the new name (an update: not what the object is called yet).
    name = seen.get("name", seen.get("description"))  # an auto access rule has a description, no name
    if name is None and isinstance(changes.get("name"), dict):
        name = changes["name"].get("before")
    if name is None and verb_of(step.action) == "create":
        name = body.get("name", body.get("description"))
    if isinstance(key, (str, int)) and not isinstance(key, bool) and str(key) != "":
        return f"{key} ({name})" if isinstance(name, str) and name and name != key else str(key)
    if isinstance(name, str) and name:
        return f"“{name}”"
    for field in ("id", "group_id", "bot_id", "url", "ip", "customer_id"):
        value = body.get(field)
        if isinstance(value, (str, int)) and not isinstance(value, bool):
            return str(value)
    return ""


def _ref_texts(steps: list[Step]) -> dict[str, str]:
    """Every reference in the plan, as what it points at."""
    out: dict[str, str] = {}
    for step in steps:
        for ref in find(step.body):
            n = ref.step
            if ref.name in out or n is None or not 1 <= n <= len(steps):
                continue
            made = steps[n - 1]
            what = RETURNS.get(made.action, {}).get(ref.field or "", _kind(made.action))
            name = label(made)
            out[ref.name] = f"the {what.replace('_', ' ')} created in step {n}" + (f", {name}" if name else "")
    return out


def _target(value: Any, refs: dict[str, str]) -> str:
    """A group (or other object) a field names: "the new group “Sales EMEA” (step 1)" or "group 3"."""
    if isinstance(value, dict) and set(value) == {REF}:
        text = refs.get(str(value[REF]), str(value[REF]))
        # "the group created in step 1, “Sales EMEA”" -> "the new group “Sales EMEA” (step 1)"
        head, _, name = text.partition(", ")
        what, _, step = head.removeprefix("the ").partition(" created in step ")
        return f"the new {what} {name} (step {step})" if name else f"the new {what} (step {step})"
    return f"group {value}"


def _membership(step: Step, refs: dict[str, str]) -> str | None:
    """The groups an agent or bot step puts it in, in words (None when it names none)."""
    groups = step.body.get("groups")
    if not isinstance(groups, list) or not groups:
        return None
    names = [_target(g.get("id"), refs) for g in groups if isinstance(g, dict)]
    return " and ".join(names) if len(names) <= 3 else f"{len(names)} groups"


def _changed_fields(step: Step) -> tuple[str, ...]:
    changes = step.info.get("changes")
    if isinstance(changes, dict) and changes:
        return tuple(sorted(changes))
    key = _key_field(step.action)
    return tuple(sorted(k for k in step.body if k != key))


def _signature(step: Step, refs: dict[str, str]) -> tuple[Any, ...]:
    """Steps that read as one line share it: same action, same groups joined, same fields changed."""
    verb = verb_of(step.action)
    if verb == "create":
        return (step.action, _membership(step, refs))
    if verb == "update":
        return (step.action, _changed_fields(step), _membership(step, refs) if "groups" in step.body else None)
    return (step.action,)


# --- lines ---------------------------------------------------------------------------------------

def _line(steps: list[Step], numbers: list[int], refs: dict[str, str], undo: dict[int, tuple[bool, list[str]]]
          ) -> dict[str, Any]:
    first = steps[numbers[0] - 1]
    action, count = first.action, len(numbers)
    verb, kind = verb_of(action), _kind(action)
    member = _membership(first, refs)
    if verb == "create":
        if count == 1:
            text = f"create {kind} {label(first)}".rstrip() + (f" in {member}" if member else "")
        elif member:
            text = f"{count} new {plural(kind)} join {member}"
        else:
            text = f"create {count} {plural(kind)}"
    elif verb == "update":
        text = _update_text(steps, numbers, kind, refs)
    elif verb == "delete":
        text = f"delete {kind} {label(first)}".rstrip() if count == 1 else f"delete {count} {plural(kind)}"
    else:
        act = catalog().get(action)
        title = (act.title if act else action.replace("_", " ")).lower()
        head, _, noun = title.partition(" ")
        text = f"{title} {label(first)}".rstrip() if count == 1 else f"{head} {count} {plural(noun or 'item')}"
    statuses = {("full" if undo[n][0] and not undo[n][1] else "partly" if undo[n][0] else "none") for n in numbers}
    out: dict[str, Any] = {
        "text": text[:1].upper() + text[1:], "verb": verb, "action": action, "steps": numbers, "count": count,
        "destructive": first.destructive,
        "undo": statuses.pop() if len(statuses) == 1 else "partly",
    }
    if count > 1:
        out["items"] = [[n, label(steps[n - 1])] for n in numbers]
    warned = [n for n in numbers if steps[n - 1].info.get("warnings")]
    if warned:
        out["warnings"] = len(warned)
    failing = [n for n in numbers if steps[n - 1].info.get("expected_error")]
    if failing:
        out["expected_errors"] = failing
    return out


def _update_text(steps: list[Step], numbers: list[int], kind: str, refs: dict[str, str]) -> str:
    first = steps[numbers[0] - 1]
    fields = _changed_fields(first)
    key = _key_field(first.action)
    if fields == ("groups",):
        member = _membership(first, refs) or "no group"
        who = f"{kind} {label(first)}" if len(numbers) == 1 else f"{len(numbers)} {plural(kind)}"
        return f"{who}: groups set to {member}"
    if len(numbers) == 1:
        changes = first.info.get("changes") if isinstance(first.info.get("changes"), dict) else None
        if len(fields) == 1 and changes is not None and isinstance(changes.get(fields[0]), dict):
            change = changes[fields[0]]
            return (f"change {kind} {label(first)}: {fields[0]} {short(change.get('before'), refs)} → "
                    f"{short(change.get('after'), refs)}")
        if len(fields) == 1 and fields[0] in first.body:
            return f"change {kind} {label(first)}: {fields[0]} → {short(first.body[fields[0]], refs)}"
        return f"change {kind} {label(first)}: {', '.join(fields) or 'nothing'}"
    values = {json.dumps(steps[n - 1].body.get(fields[0]), sort_keys=True) for n in numbers} if len(fields) == 1 else set()
    if len(values) == 1 and fields[0] != key:
        return f"set {fields[0]} to {short(first.body.get(fields[0]), refs)} on {len(numbers)} {plural(kind)}"
    return f"change {len(numbers)} {plural(kind)}: {', '.join(fields)}"


def _headline(doc: dict[str, Any], steps: list[Step], lines: list[dict[str, Any]]) -> str:
    total = len(steps)
    if not total:
        return "An empty plan: nothing to apply."
    shown = [line["text"][:1].lower() + line["text"][1:] for line in lines[:MAX_HEADLINE_LINES]]
    rest = sum(line["count"] for line in lines[MAX_HEADLINE_LINES:])
    text = f"{total} step{'s' * (total != 1)}: " + "; ".join(shown)
    if rest:
        text += f"; and {rest} more step{'s' * (rest != 1)}"
    text += "."
    destructive = sum(1 for s in steps if s.destructive)
    if destructive:
        text += f" {destructive} {'is' if destructive == 1 else 'are'} destructive."
    failing = sum(1 for s in steps if s.info.get("expected_error"))
    if failing:
        text += f" {failing} {'is' if failing == 1 else 'are'} expected to fail."
    checks = doc.get("checks")
    if isinstance(checks, dict) and checks.get("checked") is False:
        text += " Not checked against the license."
    return text


# --- undo ----------------------------------------------------------------------------------------

def _stand_in_result(step: Step) -> dict[str, Any]:
    """What a create's answer will hold, for predicting its undo before it is sent."""
    made = RETURNS.get(step.action, {})
    return {field: STAND_IN[kind] for field, kind in made.items()}


def _undo(steps: list[Step]) -> dict[int, tuple[bool, list[str]]]:
    """Per step, as if it were done: (whether the undo plan reverses it, what it cannot restore)."""
    out: dict[int, tuple[bool, list[str]]] = {}
    for n, step in enumerate(steps, 1):
        made, cannot = undo_steps(steps, [{"step": n, "status": "done", "result": _stand_in_result(step)}])
        out[n] = (bool(made), cannot)
    return out


def _undo_summary(steps: list[Step], undo: dict[int, tuple[bool, list[str]]]) -> dict[str, Any]:
    total = len(steps)
    reversible = sum(1 for made, _ in undo.values() if made)
    cannot = [reason for _, reasons in undo.values() for reason in reasons]
    verbs = {verb_of(s.action) for n, s in enumerate(steps, 1) if undo[n][0]}
    how = [text for verb, text in (("create", "deletes what it creates"), ("update", "sets changed fields back"),
                                   ("delete", "re-creates what it deletes"), ("other", "reverses the rest"))
           if verb in verbs]
    if not total:
        text = "Nothing to undo."
    elif not reversible:
        text = "Undo cannot reverse any step of this plan."
    else:
        text = (f"When it is applied, an undo plan is made that {_and(how)}: it reverses "
                f"{'all ' if reversible == total else ''}{reversible} of {total} step{'s' * (total != 1)}.")
    if cannot:
        text += f" It cannot restore {len(cannot)} thing{'s' * (len(cannot) != 1)} (listed)."
    return {"text": text, "reversible": reversible, "steps": total, "cannot_undo": cannot}


def _and(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
