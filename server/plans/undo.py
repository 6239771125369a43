"""The undo of an applied plan: a normal plan (reviewed, signed, applied like any other) that
reverses what was done, newest first, and the list of what cannot be undone.

Creates are deleted (by the id their result gave), updates are set back to the "before" values
the plan's checks read, deleted groups, tags, auto access rules and agents are re-created from
what the checks read as ``lost``. Pure: the caller signs and stores the plan (server/meta/plan_tools.py).
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from ..tools import catalog
from ..tools.catalog import to_payload
from .document import Step

# create action -> (its delete action, the delete's key field, where the key comes from: "result" or the body field)
_UNCREATE = {
    "create_agent": ("delete_agent", "id", "id"),
    "create_group": ("delete_group", "id", "result"),
    "create_tag": ("delete_tag", "name", "name"),
    "create_bot": ("delete_bot", "id", "result"),
    "register_webhook": ("unregister_webhook", "id", "result"),
    "create_bot_template": ("delete_bot_template", "id", "result"),
    "create_greeting": ("delete_greeting", "id", "result"),
    "add_auto_access": ("delete_auto_access", "id", "result"),
}
_KEYS = {"update_agent": "id", "update_group": "id", "update_tag": "name", "update_bot": "id",
         "update_auto_access": "id"}
_OPPOSITE = {"suspend_agent": "unsuspend_agent", "unsuspend_agent": "suspend_agent"}
# deleted kind -> (its create action, the fields of the lost object the create takes)
_RECREATE = {
    "delete_group": ("create_group", ("name", "language_code", "agent_priorities")),
    "delete_tag": ("create_tag", ("name", "group_ids")),
    # next_id: the rule that followed it, so the re-created rule takes its place in the order
    "delete_auto_access": ("add_auto_access", ("access", "conditions", "description", "next_id")),
    "delete_agent": ("create_agent", ("id", "name", "role", "job_title", "mobile", "max_chats_count",
                                      "notifications", "email_subscriptions", "work_scheduler", "groups")),
}
_LOSES = {"delete_agent": "the agent's chat history, account and sign-in are gone; the re-created agent is a new "
          "account with the same email (it is invited again)"}


def undo_steps(steps: list[Step], report: list[dict[str, Any]]) -> tuple[list[tuple[str, dict[str, Any]]], list[str]]:
    """([(action, body)] that undo the done steps, newest first; [what cannot be undone])."""
    done = {st["step"]: st for st in report if st.get("status") == "done"}
    out: list[tuple[str, dict[str, Any]]] = []
    cannot: list[str] = []
    for n in sorted(done, reverse=True):
        step = steps[n - 1]
        result = done[n].get("result")
        action, body = step.action, step.body
        undo: tuple[str, dict[str, Any]] | None = None
        why = ""
        if action in _UNCREATE:
            delete, key, source = _UNCREATE[action]
            value = result.get("id") if source == "result" and isinstance(result, dict) else body.get(source)
            if value is None:
                why = "its result has no id to delete"
            else:
                extra = {"owner_client_id": body["owner_client_id"]} if action == "register_webhook" and \
                    body.get("owner_client_id") else {}
                undo = (delete, {key: value, **extra})
        elif action in _KEYS:
            changes = step.info.get("changes")
            if not isinstance(changes, dict):
                why = ("the values before were not read (the plan was not checked: keep checks on, the default, "
                       "or get_plan check=true, to make updates undoable)")
            elif changes:
                before = {k: c.get("before") for k, c in changes.items() if isinstance(c, dict)}
                unset = sorted(k for k, v in before.items() if v is None)
                if unset:
                    cannot.append(f"step {n} ({action}): {', '.join(unset)} had no value before; it cannot be "
                                  "unset through the API")
                rest = {k: v for k, v in before.items() if v is not None}
                if rest:
                    undo = (action, {_KEYS[action]: body[_KEYS[action]], **rest})
        elif action in _OPPOSITE:
            undo = (_OPPOSITE[action], {"id": body.get("id")})
        elif action in _RECREATE:
            create, fields = _RECREATE[action]
            lost = step.info.get("lost")
            if not isinstance(lost, dict):
                why = ("what it deleted was not read (the plan was not checked: keep checks on, the default, "
                       "or get_plan check=true, to make deletes undoable)")
            else:
                undo = (create, {k: lost[k] for k in fields if lost.get(k) not in (None, "", [])})
                if action in _LOSES:
                    cannot.append(f"step {n} ({action} {body.get('id')}): {_LOSES[action]}")
        else:
            why = f"{action} has no reverse action"
        if undo is not None:
            act = catalog()[undo[0]]
            try:
                out.append((undo[0], to_payload(act.model.model_validate(undo[1]))))
            except ValidationError as exc:
                why = f"the reverse {undo[0]} would be invalid ({exc.error_count()} field error(s))"
        if why:
            cannot.append(f"step {n} ({action}): {why}")
    return out, cannot
