"""Webhook models: what a caller notices before anything is sent."""

import typing

from conftest import validation_message
from server.tools import catalog, webhooks as w
from server.tools.catalog import to_payload
from server.tools.schema import documented_schema, input_schema

BASE = {"url": "https://example.com/hook", "action": "incoming_event", "secret_key": "k",
        "owner_client_id": "c", "type": "license"}


_error = validation_message


def test_the_action_enum_lists_the_newer_pages_38_actions():
    # The newer page's table: 38 actions (the older text had 37, with incoming_customer and
    # without event_deleted / thread_summary_set). The newer page wins.
    actions = typing.get_args(w.WebhookAction)
    assert len(actions) == 38 == len(set(actions))
    assert list(actions) == list(w.WEBHOOK_ACTIONS)
    assert {"event_deleted", "thread_summary_set"} <= set(actions)
    assert "incoming_customer" not in actions
    assert input_schema(w.RegisterWebhook)["properties"]["action"]["enum"] == list(actions)


def test_register_full_body():
    req = w.RegisterWebhook.model_validate({
        **BASE, "description": "d", "additional_data": ["chat_properties", "chat_presence_user_ids"],
        "filters": {"author_type": "agent", "only_my_chats": True, "source_type": ["my_client", "system"],
                    "chat_presence": {"user_ids": {"values": ["a"]}, "my_bots": False}},
    })
    assert to_payload(req)["filters"]["chat_presence"] == {"user_ids": {"values": ["a"]}, "my_bots": False}


def test_register_rejects_unknown_action_and_type():
    assert "`action`" in _error(w.RegisterWebhook, {**BASE, "action": "incoming_customer"})
    assert "`type`" in _error(w.RegisterWebhook, {**BASE, "type": "agent"})


def test_register_required_fields():
    msg = _error(w.RegisterWebhook, {"action": "incoming_chat"})
    for field in ("secret_key", "url", "type"):
        assert f"`{field}`: required field is missing" in msg
    # owner_client_id: filled in from a Bearer token's info, required with a PAT before sending
    # (server/tools/owner.py; tests/test_sandbox_credentials.py).
    assert "owner_client_id" not in msg


def test_url_limit():
    w.RegisterWebhook.model_validate({**BASE, "url": "https://e.com/" + "x" * (500 - 14)})
    assert "`url`" in _error(w.RegisterWebhook, {**BASE, "url": "https://e.com/" + "x" * (501 - 14)})


def test_filters_must_be_available_for_the_action():
    msg = _error(w.RegisterWebhook, {**BASE, "action": "chat_deactivated", "filters": {"author_type": "agent"}})
    assert "author_type is not available for chat_deactivated" in msg
    msg = _error(w.RegisterWebhook, {**BASE, "action": "tag_created", "filters": {"chat_presence": {"my_bots": True}}})
    assert "chat_presence" in msg
    w.RegisterWebhook.model_validate({**BASE, "action": "routing_status_set", "filters": {"agent_ids": {"values": ["a@b.c"]}}})


def test_filter_values():
    assert "filters.author_type" in _error(w.RegisterWebhook, {**BASE, "filters": {"author_type": "bot"}})
    assert "filters.source_type[0]" in _error(w.RegisterWebhook, {**BASE, "filters": {"source_type": ["mine"]}})
    assert "filters.chat_presence.user_ids" in _error(
        w.RegisterWebhook, {**BASE, "filters": {"chat_presence": {"user_ids": {"values": ["a"], "exclude_values": ["b"]}}}}
    )
    assert "filters.chat_presence.user_ids" in _error(w.RegisterWebhook, {**BASE, "filters": {"chat_presence": {"user_ids": {}}}})
    assert "filters.unknown" in _error(w.RegisterWebhook, {**BASE, "filters": {"unknown": 1}})


def test_additional_data():
    assert "additional_data[0]" in _error(w.RegisterWebhook, {**BASE, "additional_data": ["chat_users"]})
    msg = _error(w.RegisterWebhook, {**BASE, "action": "agent_deleted", "additional_data": ["chat_properties"]})
    assert "not available for agent_deleted" in msg


def test_state_methods_take_an_optional_owner():
    for model in (w.EnableLicenseWebhooks, w.DisableLicenseWebhooks, w.GetLicenseWebhooksState):
        assert model.model_validate({}).owner_client_id is None
        assert "owner_client_id" in _error(model, {"owner_client_id": ""})


def test_list_and_unregister_take_the_owner_from_a_bearer_token():
    # Issue 18.3: list_webhooks {} works with a Bearer token (the server fills owner_client_id in
    # from token info); a PAT caller is refused before sending (tests/test_sandbox_credentials.py).
    assert w.ListWebhooks.model_validate({}).owner_client_id is None
    assert "`id`: required field is missing" in _error(w.UnregisterWebhook, {"owner_client_id": "c"})


def test_version_format():
    assert w.ListWebhookNames.model_validate({"version": "3.6"}).version == "3.6"
    assert "`version`" in _error(w.ListWebhookNames, {"version": "latest"})


def test_catalogue_entries():
    cat = catalog()
    assert cat["disable_license_webhooks"].destructive and cat["unregister_webhook"].destructive
    assert not cat["enable_license_webhooks"].destructive and cat["enable_license_webhooks"].idempotent
    assert not cat["register_webhook"].idempotent
    assert cat["list_webhook_names"].scopes == () and cat["list_webhook_names"].read_only
    assert "secret_key" in cat["list_webhooks"].secret_result_keys
    for act in w.ACTIONS:  # as documented (the listed schema drops descriptions restating a name)
        for name, prop in documented_schema(act.model)["properties"].items():
            assert prop.get("description") or "$ref" in prop, f"{act.name}.{name} has no description"
