"""Sandbox bots and bot templates.

Group membership lives only in ``state.groups[gid]["agent_priorities"]``; a bot's ``groups``
are derived from it when read, and create/update/delete write there.

Ownership: a bot or template belongs to a client id (``owner_client_id``, defaulting to the
caller's). The ``--my`` bot scopes cover bots owned by the caller's client id, ``--all`` any bot.
Templates are private to their owner client: another client's template answers not_found.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel

from ..tools import bots as t
from .core import DEFAULT_CLIENT_ID, Ctx, SandboxError, SandboxState, not_found
from .owners import owner_client
from .reach import made_with_pat, own_bot, reach

BOT_ID = "5c9871d5372c824cbf22d860a707a578"
TEMPLATE_ID = "a0c0d5fe2d4d0ad7e5e1e2f45e1c9b0c"
# The reference's example secret: issue_bot_token's example sends it for the seeded bot.
BOT_SECRET = "641e2ae6d997d2009a3ac92a05f37fc3"
OTHER_CLIENT_ID = "other0client0id00000000000000000"
MAX_TEMPLATES_PER_CLIENT = 5
DEFAULT_MAX_CHATS = 6
DEFAULT_TYPE = "chatbot"
DEFAULT_TIMEZONE = "UTC"
# Issue Bot Token: "The token is valid for 24 hours. The token cannot be revoked. The token has the
# following scopes that allow chatting: chats--access:rw, agents-bot--my:rw, customers:rw."
BOT_TOKEN_TTL = 24 * 3600.0
BOT_TOKEN_SCOPES = frozenset({"chats--access:rw", "agents-bot--my:rw", "customers:rw"})

# Fields always returned by list_bots / get_bot (as in the response examples); the rest come
# only when asked for with fields[] (documented as "additional fields to include").
LIST_BASE = ("id", "name", "avatar_path")
# get_bot's example answers a request with only an id with max_chats_count and groups too: the
# example is what clients are written against, so they are base fields here (docs/conformance.md).
GET_BASE = ("id", "name", "avatar_path", "default_group_priority", "owner_client_id", "max_chats_count", "groups")


def _bot(bot_id: str, name: str, owner: str, **extra: Any) -> dict[str, Any]:
    bot = {
        "id": bot_id,
        "name": name,
        "avatar_path": "",
        "default_group_priority": "first",
        "owner_client_id": owner,
        "max_chats_count": DEFAULT_MAX_CHATS,
        "job_title": "",
        "type": DEFAULT_TYPE,
        "work_scheduler": {},  # none set: answered as {} when fields[] asks for it (our rule, docs/conformance.md R11)
        "timezone": DEFAULT_TIMEZONE,
        "secret": "",
        "template_id": None,
    }
    bot.update(extra)
    return bot


def seed(state: SandboxState) -> None:
    owner = DEFAULT_CLIENT_ID
    # The seeded bot sits in group 0 with priority "first": the groups seed writes that membership.
    state.bots[BOT_ID] = _bot(
        BOT_ID, "ChatBot", owner,
        avatar_path="https://example.com/chatbot.png",
        job_title="Virtual assistant",
        work_scheduler={
            "timezone": "Europe/Warsaw",
            "schedule": [{"day": "monday", "enabled": True, "start": "08:00", "end": "16:00"}],
        },
        timezone="Europe/Warsaw",
        secret=BOT_SECRET,
    )
    # Bots the reference's update_bot / delete_bot examples name, so those examples succeed; the
    # second is owned by another app to exercise list_bots' `all` and the --my/--all scopes.
    state.bots["ce54714e3d2b53adbfff09dbdbdd56e9"] = _bot(
        "ce54714e3d2b53adbfff09dbdbdd56e9", "Support Bot", owner, secret="0f1e2d3c4b5a69788796a5b4c3d2e1f0"
    )
    state.bots["505591fc9fc2d6e92798bed7d9d8f079"] = _bot(
        "505591fc9fc2d6e92798bed7d9d8f079", "Legacy Bot", OTHER_CLIENT_ID, secret="a1b2c3d4e5f60718293a4b5c6d7e8f90"
    )
    state.bot_templates[TEMPLATE_ID] = {
        "id": TEMPLATE_ID,
        "name": "Welcome Bot",
        "avatar_path": "https://example.com/welcome-bot.png",
        "max_chats_count": DEFAULT_MAX_CHATS,
        "default_group_priority": "normal",
        "job_title": "Greeter",
        "owner_client_id": owner,
        "secret": "9d8c7b6a5f4e3d2c1b0a99887766554f",
    }


# --- helpers ------------------------------------------------------------------------------


def _new_hex(ctx: Ctx, kind: str) -> str:
    n = ctx.state.next_id(kind)
    return hashlib.md5(f"livechat-sandbox:{kind}:{n}".encode()).hexdigest()


def _owner(ctx: Ctx, req: BaseModel) -> str:
    return owner_client(ctx, getattr(req, "owner_client_id", None))


def _groups_of(state: SandboxState, member_id: str) -> list[dict[str, Any]]:
    return [
        {"id": gid, "priority": group["agent_priorities"][member_id]}
        for gid, group in sorted(state.groups.items())
        if member_id in group.get("agent_priorities", {})
    ]


def _check_groups(ctx: Ctx, groups: list[Any] | None) -> None:
    for entry in groups or []:
        if entry.id not in ctx.state.groups:
            raise SandboxError("group_not_found", f"Group {entry.id} not found")


def _set_groups(state: SandboxState, member_id: str, groups: list[Any]) -> None:
    _leave_groups(state, member_id)
    for entry in groups:
        state.groups[entry.id].setdefault("agent_priorities", {})[member_id] = entry.priority


def _leave_groups(state: SandboxState, member_id: str) -> None:
    for group in state.groups.values():
        group.get("agent_priorities", {}).pop(member_id, None)


def _get_bot(ctx: Ctx, bot_id: str) -> dict[str, Any]:
    bot = ctx.state.bots.get(bot_id)
    if bot is None:
        raise not_found(f"Bot '{bot_id}'")
    return bot


def _require_access(ctx: Ctx, bot: dict[str, Any], access: str) -> None:
    """A bot the requester's client did not make needs the --all scope (server/sandbox/reach.py)."""
    reach(ctx, own=own_bot(ctx, bot), my=f"agents-bot--my:{access}", all=f"agents-bot--all:{access}",
          what=f"bot {bot['id']}")


def _view(state: SandboxState, bot: dict[str, Any], base: tuple[str, ...], fields: Sequence[str] | None) -> dict[str, Any]:
    out = {key: _groups_of(state, bot["id"]) if key == "groups" else bot[key] for key in base}
    for name in fields or []:
        out[name] = _groups_of(state, bot["id"]) if name == "groups" else bot[name]
    return out


def _template(ctx: Ctx, req: BaseModel) -> dict[str, Any]:
    template = ctx.state.bot_templates.get(req.id)  # type: ignore[attr-defined]
    if template is None or template["owner_client_id"] != _owner(ctx, req):
        raise not_found(f"Bot template '{req.id}'")  # type: ignore[attr-defined]
    return template


def _bot_settings(req: BaseModel) -> dict[str, Any]:
    """The stored form of the settings a request gave (only those it gave)."""
    out: dict[str, Any] = {}
    for name in req.model_fields_set:
        value = getattr(req, name)
        if value is None:
            continue
        if name == "avatar":
            out["avatar_path"] = value
        elif name == "work_scheduler":
            out["work_scheduler"] = value.model_dump(mode="json", exclude_none=True)
            out["timezone"] = value.timezone
        elif name in ("name", "max_chats_count", "default_group_priority", "job_title", "type"):
            out[name] = value
    return out


# --- templates ----------------------------------------------------------------------------


def create_bot_template(ctx: Ctx, req: t.CreateBotTemplate) -> dict[str, str]:
    owner = _owner(ctx, req)
    owned = sum(1 for tpl in ctx.state.bot_templates.values() if tpl["owner_client_id"] == owner)
    if owned >= MAX_TEMPLATES_PER_CLIENT:
        raise SandboxError("limit_reached", f"A client ID can register up to {MAX_TEMPLATES_PER_CLIENT} bot templates")
    template_id, secret = _new_hex(ctx, "bot_template"), _new_hex(ctx, "secret")
    template = {
        "id": template_id,
        "name": req.name,
        "avatar_path": "",
        "max_chats_count": DEFAULT_MAX_CHATS,
        "default_group_priority": "first",
        "job_title": "",
        "owner_client_id": owner,
        "secret": secret,
    }
    template.update({k: v for k, v in _bot_settings(req).items() if k in template})
    ctx.state.bot_templates[template_id] = template
    if req.affect_existing_installations:
        # The sandbox license has every app installed: the bot appears here with the template's id.
        ctx.state.bots[template_id] = _bot_from_template(template)
    return {"id": template_id, "secret": secret}


def _bot_from_template(template: dict[str, Any]) -> dict[str, Any]:
    keys = ("name", "avatar_path", "max_chats_count", "default_group_priority", "job_title", "secret")
    return _bot(template["id"], template["name"], template["owner_client_id"],
                template_id=template["id"], **{k: template[k] for k in keys if k != "name"})


def delete_bot_template(ctx: Ctx, req: t.DeleteBotTemplate) -> None:
    template = _template(ctx, req)
    del ctx.state.bot_templates[template["id"]]
    if req.affect_existing_installations:
        _remove_template_bots(ctx.state, template["id"])


def _template_bots(state: SandboxState, template_id: str) -> list[dict[str, Any]]:
    return [bot for bot in state.bots.values() if bot.get("template_id") == template_id]


def _remove_template_bots(state: SandboxState, template_id: str) -> None:
    for bot in _template_bots(state, template_id):
        _leave_groups(state, bot["id"])
        del state.bots[bot["id"]]


def update_bot_template(ctx: Ctx, req: t.UpdateBotTemplate) -> None:
    template = _template(ctx, req)
    changes = {k: v for k, v in _bot_settings(req).items() if k in template}
    template.update(changes)
    if req.affect_existing_installations:
        for bot in _template_bots(ctx.state, template["id"]):
            bot.update(changes)


def list_bot_templates(ctx: Ctx, req: t.ListBotTemplates) -> list[dict[str, Any]]:
    owner = _owner(ctx, req)
    return [
        {"id": tpl["id"], "name": tpl["name"], "avatar_path": tpl["avatar_path"]}
        for tpl in ctx.state.bot_templates.values()
        if tpl["owner_client_id"] == owner
    ]


def reset_bot_template_secret(ctx: Ctx, req: t.ResetBotTemplateSecret) -> dict[str, str]:
    template = _template(ctx, req)
    template["secret"] = _new_hex(ctx, "secret")
    if req.affect_existing_installations:
        for bot in _template_bots(ctx.state, template["id"]):
            bot["secret"] = template["secret"]
    return {"secret": template["secret"]}


# --- bots ----------------------------------------------------------------------------------


def create_bot(ctx: Ctx, req: t.CreateBot) -> dict[str, str]:
    _check_groups(ctx, req.groups)
    bot_id = _new_hex(ctx, "bot")
    while bot_id in ctx.state.bots:  # never collide with seeded or template-made ids
        bot_id = _new_hex(ctx, "bot")
    bot = _bot(bot_id, req.name, _owner(ctx, req), secret=_new_hex(ctx, "secret"))
    bot.update(_bot_settings(req))
    # list_bots: "If a Bot was created directly by an Agent (PAT authorization), all Agents who
    # authorize with PATs will get the Bot" (all: false); an app's bots go to that app's callers.
    bot["_created_with_pat"] = made_with_pat(ctx)
    ctx.state.bots[bot_id] = bot
    if req.groups:
        _set_groups(ctx.state, bot_id, req.groups)
    return {"id": bot_id, "secret": bot["secret"]}


def update_bot(ctx: Ctx, req: t.UpdateBot) -> None:
    bot = _get_bot(ctx, req.id)
    _require_access(ctx, bot, "rw")
    if req.groups is not None:
        _check_groups(ctx, req.groups)
    bot.update(_bot_settings(req))
    if req.groups is not None:
        _set_groups(ctx.state, bot["id"], req.groups)  # replaces the memberships (docs/conformance.md M13)


def delete_bot(ctx: Ctx, req: t.DeleteBot) -> None:
    bot = _get_bot(ctx, req.id)
    _require_access(ctx, bot, "rw")
    _leave_groups(ctx.state, bot["id"])
    del ctx.state.bots[bot["id"]]


def list_bots(ctx: Ctx, req: t.ListBots) -> list[dict[str, Any]]:
    bots = list(ctx.state.bots.values())
    if req.all:
        if not ctx.requester.has("agents-bot--all:ro"):
            raise SandboxError(
                "authorization", "Listing all bots requires agents-bot--all:ro", {"required_scope": "agents-bot--all:ro"}
            )
    else:  # "returns only the requester's bots": the one rule of what a client's own bot is
        bots = [bot for bot in bots if own_bot(ctx, bot)]
    return [_view(ctx.state, bot, LIST_BASE, req.fields) for bot in bots]


def get_bot(ctx: Ctx, req: t.GetBot) -> dict[str, Any]:
    bot = _get_bot(ctx, req.id)
    _require_access(ctx, bot, "ro")
    return _view(ctx.state, bot, GET_BASE, req.fields)


def issue_bot_token(ctx: Ctx, req: t.IssueBotToken) -> dict[str, str]:
    bot = _get_bot(ctx, req.bot_id)
    if req.organization_id != ctx.state.organization_id:
        raise SandboxError("validation", "`organization_id` does not match the license's organization")
    if req.client_id != bot["owner_client_id"]:
        raise SandboxError("validation", "`client_id` is not the client ID owning the bot")
    if req.bot_secret != bot["secret"]:
        raise SandboxError("authorization", "Invalid bot secret")
    n = ctx.state.next_id("bot_token")
    token = f"{ctx.state.region}:sandbox-bot-token-{bot['id']}-{n}"
    # Kept by the token (JSON, as the state is served): the sandbox authenticates it until it expires
    # by the sandbox clock (server/sandbox/app.py); a bot's --my scope reaches the bot itself (reach.py).
    ctx.state.extra.setdefault("bot_tokens", {})[token] = {"bot_id": bot["id"],
                                                           "expires_at": ctx.state.clock.now() + BOT_TOKEN_TTL}
    return {"token": token}


def reset_bot_secret(ctx: Ctx, req: t.ResetBotSecret) -> dict[str, str]:
    bot = _get_bot(ctx, req.id)
    # agents-bot--my:rw reaches the requester's own bots, by the one rule every --my scope follows
    # (server/sandbox/reach.py): a PAT's are the bots made with a PAT, so naming the app's client in
    # owner_client_id does not make a PAT the app. agents-bot--all:rw widens it as for the other bot
    # methods (our rule: the reference lists only the --my scope here; docs/conformance.md C3).
    _require_access(ctx, bot, "rw")
    if bot["owner_client_id"] != _owner(ctx, req):
        raise SandboxError("authorization", f"Bot '{bot['id']}' is not owned by client '{_owner(ctx, req)}'")
    bot["secret"] = _new_hex(ctx, "secret")
    return {"secret": bot["secret"]}


HANDLERS = {
    "create_bot_template": create_bot_template,
    "delete_bot_template": delete_bot_template,
    "update_bot_template": update_bot_template,
    "list_bot_templates": list_bot_templates,
    "reset_bot_template_secret": reset_bot_template_secret,
    "create_bot": create_bot,
    "update_bot": update_bot,
    "delete_bot": delete_bot,
    "list_bots": list_bots,
    "get_bot": get_bot,
    "issue_bot_token": issue_bot_token,
    "reset_bot_secret": reset_bot_secret,
}
