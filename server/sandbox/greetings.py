"""Sandbox greetings: int ids, one group each, partial updates, page_id pagination.

Greeting 123 is seeded because every reference example (update/get/delete) uses that id.
A greeting is stored as it was given; get_greeting answers every field of its response table, the
optional ones that were never set too (``rich_message: {}``), except ``active_from``/``active_until``,
documented as "(if set)".
Buttons sent without ``button_id`` get a generated one (also on update, as documented:
"pass the existing ID if you want to preserve it").
"""

from __future__ import annotations

import base64
import binascii
import copy
import json
from typing import Any

from pydantic_core import PydanticCustomError

from ..tools import greetings as g
from ..tools.catalog import to_payload
from .core import Ctx, SandboxError, SandboxState, not_found

FIRST_NEW_ID = 200
DEFAULT_LIMIT = 100


def seed(state: SandboxState) -> None:
    state.greetings[123] = {
        "id": 123,
        "type": "normal",
        "active": True,
        "name": "Welcome greeting",
        "group": 0,
        "rules": [
            {"condition": "and", "type": "url_current", "operator": "contains", "value": "checkout"},
            {"condition": "or", "type": "visit_time_site", "operator": "greater_than", "value": "30"},
        ],
        "properties": {"addon": "chat_widget", "is_exit_intent": "false"},
        "rich_message": {
            "template_id": "cards",
            "elements": [
                {
                    "title": "Welcome to our website!",
                    "subtitle": "How can we help you today?",
                    "buttons": [
                        {
                            "text": "Talk to us",
                            "type": "message",
                            "value": "I have a question",
                            "postback_id": "talk_to_us",
                            "button_id": "seed-button-1",
                            "role": "primary",
                        }
                    ],
                }
            ],
        },
    }
    state.greetings[124] = {
        "id": 124,
        "type": "announcement",
        "active": False,
        "active_from": "2024-01-01T00:00:00Z",
        "active_until": "2024-12-31T23:59:59Z",
        "name": "Sales announcement",
        "group": 1,
        "rules": [{"condition": "and", "type": "url_current", "operator": "contains", "value": "pricing"}],
        "properties": {"greeting-message_text": "Spring sale: 20% off!"},
    }


def _new_id(state: SandboxState) -> int:
    gid = state.next_id("greeting", FIRST_NEW_ID)
    while gid in state.greetings:
        gid = state.next_id("greeting", FIRST_NEW_ID)
    return gid


def _check_group(ctx: Ctx, group_id: int) -> None:
    if group_id not in ctx.state.groups:
        raise SandboxError("group_not_found", f"Group {group_id} not found")


def _rich_message(ctx: Ctx, rich: g.RichMessage) -> dict[str, Any]:
    out = to_payload(rich)
    for element in out.get("elements", []):
        for button in element.get("buttons", []):
            if "button_id" not in button:
                button["button_id"] = f"button-{ctx.state.next_id('greeting_button')}"
    return out


def _get(ctx: Ctx, greeting_id: int) -> dict[str, Any]:
    greeting = ctx.state.greetings.get(greeting_id)
    if greeting is None:
        raise not_found(f"Greeting {greeting_id}")
    return greeting


def create_greeting(ctx: Ctx, req: g.CreateGreeting) -> dict[str, Any]:
    _check_group(ctx, req.group)
    greeting: dict[str, Any] = {"id": _new_id(ctx.state)}
    body = to_payload(req)
    for key in ("type", "active", "active_from", "active_until", "name", "group", "rules"):
        if key in body:
            greeting[key] = body[key]
    greeting["properties"] = body.get("properties", {})
    if req.rich_message is not None:
        greeting["rich_message"] = _rich_message(ctx, req.rich_message)
    ctx.state.greetings[greeting["id"]] = greeting
    return {"id": greeting["id"]}


def update_greeting(ctx: Ctx, req: g.UpdateGreeting) -> None:
    greeting = _get(ctx, req.id)
    body = to_payload(req)
    body.pop("id")
    # The model checks the window only when both ends are in the request.
    start = body.get("active_from", greeting.get("active_from"))
    end = body.get("active_until", greeting.get("active_until"))
    if start and end:
        try:
            g.check_active_window(start, end)
        except PydanticCustomError as exc:
            raise SandboxError("validation", f"Invalid request: {exc.message()}") from None
    if req.rich_message is not None:
        body["rich_message"] = _rich_message(ctx, req.rich_message)
    greeting.update(body)


def delete_greeting(ctx: Ctx, req: g.DeleteGreeting) -> None:
    _get(ctx, req.id)
    del ctx.state.greetings[req.id]


def _answer(greeting: dict[str, Any]) -> dict[str, Any]:
    """A greeting as get_greeting and list_greetings answer it: every field of the response table.
    Only ``active_from``/``active_until`` are documented as "(if set)"; an unset ``rich_message`` is
    answered ``{}`` (our rule, docs/conformance.md R10), as ``properties`` is."""
    out = copy.deepcopy(greeting)
    out.setdefault("properties", {})
    out.setdefault("rich_message", {})
    return out


def get_greeting(ctx: Ctx, req: g.GetGreeting) -> dict[str, Any]:
    return _answer(_get(ctx, req.id))


def _encode_page(groups: list[int] | None, limit: int, offset: int) -> str:
    raw = json.dumps({"groups": groups, "limit": limit, "offset": offset}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode()


def _decode_page(page_id: str) -> tuple[list[int] | None, int, int]:
    try:
        data = json.loads(base64.urlsafe_b64decode(page_id.encode()))
        groups, limit, offset = data["groups"], int(data["limit"]), int(data["offset"])
    except (binascii.Error, ValueError, KeyError, TypeError):
        raise SandboxError("validation", "`page_id`: invalid page ID") from None
    if not (1 <= limit <= 100 and offset >= 0) or not (groups is None or isinstance(groups, list)):
        raise SandboxError("validation", "`page_id`: invalid page ID")
    return groups, limit, offset


def list_greetings(ctx: Ctx, req: g.ListGreetings) -> dict[str, Any]:
    if req.page_id is not None:
        groups, limit, offset = _decode_page(req.page_id)
    else:
        groups, limit, offset = req.groups, req.limit or DEFAULT_LIMIT, 0
    found = [ctx.state.greetings[k] for k in sorted(ctx.state.greetings)]
    if groups is not None:
        wanted = set(groups)
        found = [greeting for greeting in found if greeting["group"] in wanted]
    result: dict[str, Any] = {"greetings": [_answer(greeting) for greeting in found[offset:offset + limit]],
                              "found_greetings": len(found)}
    if offset + limit < len(found):
        result["next_page_id"] = _encode_page(groups, limit, offset + limit)
    return result


HANDLERS = {
    "create_greeting": create_greeting,
    "update_greeting": update_greeting,
    "delete_greeting": delete_greeting,
    "list_greetings": list_greetings,
    "get_greeting": get_greeting,
}


def forget_group(state: SandboxState, gid: int) -> None:
    """A greeting belongs to exactly one group: it goes with its group (our rule, docs/conformance.md M1)."""
    for greeting_id in [i for i, greeting in state.greetings.items() if greeting["group"] == gid]:
        del state.greetings[greeting_id]
