"""References between plan steps, declared as data: which actions return a referenceable
field, and which input fields accept a reference of which type.

A planned create answers with ``{"$ref": "step<N>.<field>"}`` for what it will create; a later
step of the same plan may put that placeholder where a value of the same type goes (a group id
in ``groups[].id``, a bot id as an ``agent_priorities`` key, ...). Validation accepts a
reference only at the paths below and only to an earlier step whose action RETURNS that field
with that type; apply fills it from the earlier step's actual result (server/plans/refs.py).

Paths: ``a.b`` a field of an object, ``a[]`` every item of a list, ``a{}`` every key of a
mapping. A key cannot be a JSON object, so a reference in a key is the string
``"$ref:step<N>.<field>"``.
"""

from __future__ import annotations

from typing import Literal

RefType = Literal["group", "bot", "bot_template", "greeting", "auto_access", "webhook"]

# The JSON type of each reference's value, and a stand-in of that type that passes the input
# models' constraints, used only to validate a step while its reference is still unresolved.
STAND_IN: dict[str, int | str] = {
    "group": 1, "greeting": 1,
    "bot": "ref-stand-in", "bot_template": "ref-stand-in", "auto_access": "ref-stand-in", "webhook": "ref-stand-in",
}

# action -> {result field: the reference type it creates}
RETURNS: dict[str, dict[str, RefType]] = {
    "create_group": {"id": "group"},
    "create_bot": {"id": "bot"},
    "create_bot_template": {"id": "bot_template"},
    "create_greeting": {"id": "greeting"},
    "add_auto_access": {"id": "auto_access"},
    "register_webhook": {"id": "webhook"},
}

_MEMBERSHIPS: dict[str, RefType] = {"groups[].id": "group"}

# action -> {input path: the reference type it accepts}
ACCEPTS: dict[str, dict[str, RefType]] = {
    "create_agent": _MEMBERSHIPS,
    "update_agent": _MEMBERSHIPS,
    "create_bot": _MEMBERSHIPS,
    "update_bot": {"id": "bot", **_MEMBERSHIPS},
    "delete_bot": {"id": "bot"},
    "issue_bot_token": {"bot_id": "bot"},
    "reset_bot_secret": {"id": "bot"},
    "update_bot_template": {"id": "bot_template"},
    "delete_bot_template": {"id": "bot_template"},
    "reset_bot_template_secret": {"id": "bot_template"},
    "create_group": {"agent_priorities{}": "bot"},
    "update_group": {"id": "group", "agent_priorities{}": "bot"},
    "delete_group": {"id": "group"},
    "update_group_properties": {"group_id": "group"},
    "delete_group_properties": {"id": "group"},
    "add_auto_access": {"access.groups[]": "group", "next_id": "auto_access"},
    "update_auto_access": {"id": "auto_access", "access.groups[]": "group", "next_id": "auto_access"},
    "delete_auto_access": {"id": "auto_access"},
    "create_tag": {"group_ids[]": "group"},
    "update_tag": {"group_ids[]": "group"},
    "create_greeting": {"group": "group"},
    "update_greeting": {"id": "greeting"},
    "delete_greeting": {"id": "greeting"},
    "unregister_webhook": {"id": "webhook"},
}
