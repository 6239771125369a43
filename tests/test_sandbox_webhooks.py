"""Sandbox webhooks: registration limits, secrets kept back, names per version, license state per client."""

import pytest

from server.sandbox.app import DEFAULT_CLIENT_ID, SandboxCredential
from server.tools.webhooks import WEBHOOK_ACTIONS

pytestmark = pytest.mark.anyio

ME = DEFAULT_CLIENT_ID
OTHER = "0ther0client0id00000000000000000"


def _hook(**kw):
    return {"url": "https://example.com/hook", "action": "incoming_chat", "secret_key": "s3cr3t-key",
            "owner_client_id": ME, "type": "license", **kw}


@pytest.mark.conformance("semantics", "list_webhooks")
async def test_seeded_webhook_is_listed_for_its_owner(api):
    hooks = await api.call("list_webhooks", {"owner_client_id": ME})
    assert len(hooks) == 1 and hooks[0]["action"] == "incoming_chat"
    assert await api.call("list_webhooks", {"owner_client_id": OTHER}) == []


@pytest.mark.conformance("semantics", "register_webhook", "list_webhooks")
async def test_register_then_list_without_the_secret(api):
    body = _hook(action="incoming_event", description="Events", additional_data=["chat_properties"],
                 filters={"author_type": "customer", "chat_presence": {"user_ids": {"exclude_values": ["a@b.c"]}, "my_bots": True}})
    result = await api.call("register_webhook", body)
    assert set(result) == {"id"} and result["id"]
    [hook] = [h for h in await api.call("list_webhooks", {"owner_client_id": ME}) if h["id"] == result["id"]]
    assert hook == {
        "id": result["id"], "url": "https://example.com/hook", "description": "Events", "action": "incoming_event",
        "filters": {"author_type": "customer", "chat_presence": {"user_ids": {"exclude_values": ["a@b.c"]}, "my_bots": True}},
        "owner_client_id": ME, "type": "license", "additional_data": ["chat_properties"],
    }
    raw = (await api.raw("list_webhooks", {"owner_client_id": ME})).text
    assert "s3cr3t-key" not in raw and "secret" not in raw


async def test_ids_are_unique(api):
    first = await api.call("register_webhook", _hook(action="tag_created"))
    second = await api.call("register_webhook", _hook(action="tag_created"))
    assert first["id"] != second["id"]


@pytest.mark.conformance("semantics", "register_webhook")
async def test_at_most_three_webhooks_per_action_per_client(api):
    for _ in range(3):
        await api.call("register_webhook", _hook(action="chat_transferred"))
    err = await api.error("register_webhook", _hook(action="chat_transferred"))
    assert err["type"] == "limit_reached"
    # Another action, or another client, is not affected.
    await api.call("register_webhook", _hook(action="chat_deactivated"))
    await api.call("register_webhook", _hook(action="chat_transferred", owner_client_id=OTHER))
    # Unregistering one frees a slot.
    hook = next(h for h in await api.call("list_webhooks", {"owner_client_id": ME}) if h["action"] == "chat_transferred")
    await api.call("unregister_webhook", {"id": hook["id"], "owner_client_id": ME})
    await api.call("register_webhook", _hook(action="chat_transferred"))


@pytest.mark.conformance("semantics", "unregister_webhook")
async def test_unregister_needs_the_right_owner(api):
    hook_id = (await api.call("register_webhook", _hook()))["id"]
    err = await api.error("unregister_webhook", {"id": hook_id, "owner_client_id": OTHER})
    assert err["type"] == "not_found"
    assert await api.call("unregister_webhook", {"id": hook_id, "owner_client_id": ME}) is None
    assert hook_id not in [h["id"] for h in await api.call("list_webhooks", {"owner_client_id": ME})]
    assert (await api.error("unregister_webhook", {"id": hook_id, "owner_client_id": ME}))["type"] == "not_found"


@pytest.mark.parametrize(
    "body",
    [
        _hook(action="agent_status_changed"),
        _hook(type="agent"),
        _hook(url="https://example.com/" + "x" * 500),
        _hook(url="ftp://example.com"),
        _hook(additional_data=["chat_users"]),
        _hook(action="agent_deleted", additional_data=["chat_properties"]),
        _hook(action="chat_deactivated", filters={"author_type": "agent"}),
        _hook(action="group_created", filters={"only_my_chats": True}),
        _hook(filters={"source_type": ["everyone"]}),
        _hook(filters={"chat_presence": {"user_ids": {"values": ["a"], "exclude_values": ["b"]}}}),
        {k: v for k, v in _hook().items() if k != "secret_key"},
        _hook(secret="x"),
    ],
    ids=["action", "type", "url-length", "url-scheme", "additional-data", "additional-data-agent-deleted",
         "author-type-action", "only-my-chats-action", "source-type", "user-ids-both", "no-secret", "unknown-field"],
)
async def test_bad_registrations_are_validation_errors(api, body):
    err = await api.error("register_webhook", body)
    assert err["type"] == "validation"


@pytest.mark.conformance("semantics", "list_webhook_names")
async def test_list_webhook_names_for_the_current_version(api):
    names = await api.call("list_webhook_names", {"version": "3.6"})
    assert await api.call("list_webhook_names") == names
    assert [n["action"] for n in names] == list(WEBHOOK_ACTIONS)
    by_action = {n["action"]: n for n in names}
    assert by_action["incoming_event"]["filters"] == ["chat_presence", "author_type", "only_my_chats", "source_type"]
    assert by_action["routing_status_set"]["filters"] == ["agent_ids", "source_type"]
    assert by_action["chat_access_updated"]["additional_data"] == ["chat_properties", "chat_presence_user_ids"]
    assert "additional_data" not in by_action["agent_deleted"]


@pytest.mark.conformance("semantics", "list_webhook_names")
async def test_list_webhook_names_honours_the_version(api):
    err = await api.error("list_webhook_names", {"version": "2.0"})
    assert err["type"] == "unsupported_version"
    assert (await api.error("list_webhook_names", {"version": "3.7"}))["type"] == "unsupported_version"
    # v3.5 "stays supported alongside" v3.6 (the scopes overview): answered, with the same list.
    assert await api.call("list_webhook_names", {"version": "3.5"}) == await api.call("list_webhook_names", {})
    assert (await api.error("list_webhook_names", {"version": "v3.6"}))["type"] == "validation"


async def test_list_webhook_names_needs_no_scope(api):
    api.sandbox.credentials.append(SandboxCredential("bare", "token-bare", scopes=frozenset()))
    assert len(await api.call("list_webhook_names", token="token-bare")) == len(WEBHOOK_ACTIONS)
    assert (await api.error("list_webhooks", {"owner_client_id": ME}, token="token-bare"))["type"] == "authorization"


@pytest.mark.conformance("semantics", "enable_license_webhooks", "disable_license_webhooks", "get_license_webhooks_state")
async def test_license_webhooks_state_per_client(api):
    assert await api.call("get_license_webhooks_state") == {"license_webhooks_enabled": True}
    assert await api.call("disable_license_webhooks", {}) is None
    assert await api.call("get_license_webhooks_state", {}) == {"license_webhooks_enabled": False}
    assert await api.call("get_license_webhooks_state", {"owner_client_id": ME}) == {"license_webhooks_enabled": False}
    # Another client is unaffected; a given owner_client_id wins over the token's client.
    assert await api.call("get_license_webhooks_state", {"owner_client_id": OTHER}) == {"license_webhooks_enabled": True}
    await api.call("disable_license_webhooks", {"owner_client_id": OTHER})
    await api.call("enable_license_webhooks", {})
    assert await api.call("get_license_webhooks_state") == {"license_webhooks_enabled": True}
    assert await api.call("get_license_webhooks_state", {"owner_client_id": OTHER}) == {"license_webhooks_enabled": False}


async def test_state_scopes(api):
    api.sandbox.credentials.append(SandboxCredential("ro", "token-ro", scopes=frozenset({"webhooks.state:ro"})))
    assert await api.call("get_license_webhooks_state", token="token-ro") == {"license_webhooks_enabled": True}
    err = await api.error("disable_license_webhooks", {}, token="token-ro")
    assert err["type"] == "authorization"


async def test_list_webhook_names_needs_no_credential(sandbox):
    import httpx

    async with httpx.AsyncClient(transport=httpx.ASGITransport(sandbox.app), base_url="http://sandbox") as http:
        resp = await http.post("/v3.6/configuration/action/list_webhook_names", json={})
        denied = await http.post("/v3.6/configuration/action/list_webhooks", json={"owner_client_id": "x"})
    assert resp.status_code == 200 and any(item.get("action") == "incoming_chat" for item in resp.json())
    assert denied.json()["error"]["type"] == "authentication"
