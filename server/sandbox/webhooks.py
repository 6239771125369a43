"""Sandbox webhooks: definitions per owner Client Id, and the per-client license state.

``state.webhooks`` holds the definitions (the secret key is kept under ``_secret_key`` and never
returned, as in the documented list_webhooks response); ``state.webhooks_state[client_id]`` is
False once disabled. The sandbox treats every application as installed on its license, so a
client's webhooks are enabled unless Disable License Webhooks was called.
"""

from __future__ import annotations

import copy
import hashlib
from typing import Any

from ..tools import webhooks as w
from .core import DEFAULT_CLIENT_ID, Ctx, SandboxError, SandboxState
from .owners import owner_client
from .properties import EXAMPLE_CLIENT_ID

MAX_PER_ACTION = 3  # "up to three webhooks for every action" per Client ID
# "The newest stable version is v3.6 ... and v3.5 stays supported alongside it" (the scopes overview).
# The reference lists v3.6's webhooks only; the sandbox answers v3.5 with the same list (our rule,
# docs/conformance.md), and unsupported_version for any other version.
SUPPORTED_VERSIONS = ("3.5", "3.6")


def seed(state: SandboxState) -> None:
    # The reference's webhook (list_webhooks / unregister_webhook examples) for the examples'
    # client id, and one for the sandbox's own client so list_webhooks shows something.
    state.webhooks.append({
        "id": "pqi8oasdjahuakndw9nsad9na",
        "url": "http://myservice.com/webhooks",
        "description": "Test webhook",
        "action": "chat_deactivated",
        "filters": {"chat_presence": {"user_ids": {"values": ["johndoe@mail.com"]}, "my_bots": True}},
        "owner_client_id": EXAMPLE_CLIENT_ID,
        "type": "license",
        "_secret_key": "laudla991lamda0pnoaa0",
    })
    state.webhooks.append({
        "id": "b5d0a3c1e2f4a6b8c0d2e4f6a",
        "url": "https://example.com/livechat/webhooks",
        "description": "New chats",
        "action": "incoming_chat",
        "filters": {"source_type": ["my_client", "other_clients"]},
        "owner_client_id": DEFAULT_CLIENT_ID,
        "type": "license",
        "additional_data": ["chat_properties"],
        "_secret_key": "sandbox-webhook-secret",
    })
    state.webhooks_state[DEFAULT_CLIENT_ID] = True
    state.webhooks_state[EXAMPLE_CLIENT_ID] = True


def _public(hook: dict[str, Any]) -> dict[str, Any]:
    return {k: copy.deepcopy(v) for k, v in hook.items() if not k.startswith("_")}


def register_webhook(ctx: Ctx, req: w.RegisterWebhook) -> dict[str, str]:
    owner = owner_client(ctx, req.owner_client_id)
    same = [h for h in ctx.state.webhooks if h["owner_client_id"] == owner and h["action"] == req.action]
    if len(same) >= MAX_PER_ACTION:
        raise SandboxError(
            "limit_reached",
            f"Client {owner} already has {MAX_PER_ACTION} webhooks for {req.action}",
        )
    n = ctx.state.next_id("webhook")
    hook_id = hashlib.sha1(f"sandbox-webhook-{n}".encode()).hexdigest()[:25]
    hook: dict[str, Any] = {
        "id": hook_id,
        "url": req.url,
        "description": req.description or "",
        "action": req.action,
        "filters": req.filters.model_dump(mode="json", exclude_none=True) if req.filters else {},
        "owner_client_id": owner,
        "type": req.type,
    }
    if req.additional_data:
        hook["additional_data"] = list(dict.fromkeys(req.additional_data))
    hook["_secret_key"] = req.secret_key
    ctx.state.webhooks.append(hook)
    return {"id": hook_id}


def list_webhooks(ctx: Ctx, req: w.ListWebhooks) -> list[dict[str, Any]]:
    owner = owner_client(ctx, req.owner_client_id)
    return [_public(h) for h in ctx.state.webhooks if h["owner_client_id"] == owner]


def unregister_webhook(ctx: Ctx, req: w.UnregisterWebhook) -> None:
    owner = owner_client(ctx, req.owner_client_id)
    for i, hook in enumerate(ctx.state.webhooks):
        if hook["id"] == req.id and hook["owner_client_id"] == owner:
            del ctx.state.webhooks[i]
            return
    raise SandboxError("not_found", f"Webhook {req.id} of client {owner} not found")


def list_webhook_names(ctx: Ctx, req: w.ListWebhookNames) -> list[dict[str, Any]]:
    version = req.version or SUPPORTED_VERSIONS[-1]
    if version not in SUPPORTED_VERSIONS:
        raise SandboxError(
            "unsupported_version",
            f"Webhooks of version {version} are not available here; supported: {', '.join(SUPPORTED_VERSIONS)}",
        )
    names: list[dict[str, Any]] = []
    for action, filters in w.WEBHOOK_ACTIONS.items():
        entry: dict[str, Any] = {"action": action, "filters": list(filters)}
        if action not in w.NO_ADDITIONAL_DATA:
            entry["additional_data"] = ["chat_properties", "chat_presence_user_ids"]
        names.append(entry)
    return names


def _client(ctx: Ctx, owner_client_id: str | None) -> str:
    # A given owner_client_id wins over the Bearer token's client id; a PAT must give it (documented).
    return owner_client(ctx, owner_client_id)


def enable_license_webhooks(ctx: Ctx, req: w.EnableLicenseWebhooks) -> None:
    ctx.state.webhooks_state[_client(ctx, req.owner_client_id)] = True


def disable_license_webhooks(ctx: Ctx, req: w.DisableLicenseWebhooks) -> None:
    ctx.state.webhooks_state[_client(ctx, req.owner_client_id)] = False


def get_license_webhooks_state(ctx: Ctx, req: w.GetLicenseWebhooksState) -> dict[str, bool]:
    return {"license_webhooks_enabled": ctx.state.webhooks_state.get(_client(ctx, req.owner_client_id), True)}


HANDLERS = {
    "register_webhook": register_webhook,
    "list_webhooks": list_webhooks,
    "unregister_webhook": unregister_webhook,
    "list_webhook_names": list_webhook_names,
    "enable_license_webhooks": enable_license_webhooks,
    "disable_license_webhooks": disable_license_webhooks,
    "get_license_webhooks_state": get_license_webhooks_state,
}
