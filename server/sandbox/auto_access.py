"""Sandbox auto access: an ordered list of rules; ``next_id`` is derived from the order.

``state.auto_accesses`` holds the rules in list order without ``next_id``; every read
computes each rule's ``next_id`` (the following rule's id, "" for the last one), so the
linked list can never be inconsistent.
"""

from __future__ import annotations

import copy
import hashlib
from typing import Any

from ..tools import auto_access as t
from ..tools.catalog import to_payload
from .core import Ctx, SandboxError, SandboxState, not_found
from .groups import check_groups_exist

SEED_RULES: list[dict[str, Any]] = [
    {
        "id": "1faad6f5f1d6e8fdf27e8af9839783b7",
        "description": "Chats on livechat.com from United States",
        "access": {"groups": [0]},
        "conditions": {
            "geolocation": {"values": [{"country": "United States", "country_code": "US"}]},
            "domain": {"values": [{"value": "livechat.com", "exact_match": True}]},
        },
    },
    {
        "id": "pqi8oasdjahuakndw9nsad9na",
        "description": "Pricing page visitors to Sales",
        "access": {"groups": [1]},
        "conditions": {"url": {"values": [{"value": "/pricing", "exact_match": False}]}},
    },
    {
        "id": "7d3e2b1c0a9f8e7d6c5b4a3f2e1d0c9b",
        "description": "Everyone outside the help center, from Germany, to Support",
        "access": {"groups": [2]},
        "conditions": {
            "url": {"exclude_values": [{"value": "help.example.com"}]},
            "geolocation": {"values": [{"country_code": "DE"}]},
        },
    },
]


def seed(state: SandboxState) -> None:
    state.auto_accesses[:] = copy.deepcopy(SEED_RULES)


def _index(ctx: Ctx, rule_id: str) -> int:
    for i, rule in enumerate(ctx.state.auto_accesses):
        if rule["id"] == rule_id:
            return i
    raise not_found(f"Auto access '{rule_id}'")


def _new_id(ctx: Ctx) -> str:
    taken = {rule["id"] for rule in ctx.state.auto_accesses}
    while True:
        n = ctx.state.next_id("auto_access")
        rule_id = hashlib.md5(f"auto_access-{n}".encode()).hexdigest()
        if rule_id not in taken:
            return rule_id


def add_auto_access(ctx: Ctx, req: t.AddAutoAccess) -> dict[str, str]:
    check_groups_exist(ctx.state, req.access.groups)
    position = len(ctx.state.auto_accesses)
    if req.next_id:  # omitted or "" -> the new rule is the last one
        position = _index(ctx, req.next_id)
    body = to_payload(req)
    body.pop("next_id", None)
    rule = {"id": _new_id(ctx), **body}
    ctx.state.auto_accesses.insert(position, rule)
    return {"id": rule["id"]}


def list_auto_accesses(ctx: Ctx, req: t.ListAutoAccesses) -> list[dict[str, Any]]:
    rules = ctx.state.auto_accesses
    out = []
    for i, rule in enumerate(rules):
        item = copy.deepcopy(rule)
        item["next_id"] = rules[i + 1]["id"] if i + 1 < len(rules) else ""
        out.append(item)
    return out


def update_auto_access(ctx: Ctx, req: t.UpdateAutoAccess) -> None:
    rules = ctx.state.auto_accesses
    index = _index(ctx, req.id)
    changes = to_payload(req)
    changes.pop("id")
    if req.access is not None:
        check_groups_exist(ctx.state, req.access.groups)
    move = "next_id" in req.model_fields_set and req.next_id is not None
    if move and req.next_id:
        if req.next_id == req.id:
            raise SandboxError("validation", "next_id cannot be the rule's own id")
        _index(ctx, req.next_id)  # not_found before anything changes
    changes.pop("next_id", None)
    rule = rules[index]
    rule.update(changes)  # access / conditions / description are overwritten as wholes
    if move:
        rules.pop(index)
        # Placed before next_id (looked up after removal), or at the end for "".
        rules.insert(_index(ctx, req.next_id) if req.next_id else len(rules), rule)


def delete_auto_access(ctx: Ctx, req: t.DeleteAutoAccess) -> None:
    del ctx.state.auto_accesses[_index(ctx, req.id)]


HANDLERS = {
    "add_auto_access": add_auto_access,
    "list_auto_accesses": list_auto_accesses,
    "update_auto_access": update_auto_access,
    "delete_auto_access": delete_auto_access,
}


def forget_group(state: SandboxState, gid: int) -> None:
    """The group leaves every rule's access; a rule left with no group (access.groups is
    required) is removed, and the next_id chain closes over it (next_id is derived from order).
    Our rule, docs/conformance.md M1."""
    kept = []
    for rule in state.auto_accesses:
        groups = [g for g in rule["access"]["groups"] if g != gid]
        if groups:
            rule["access"]["groups"] = groups
            kept.append(rule)
        elif gid not in rule["access"]["groups"]:
            kept.append(rule)
    state.auto_accesses[:] = kept
