"""Bot and customer-ban request models: what a caller notices when input is wrong."""

import pytest

from conftest import validation_message
from server.tools import catalog


def model(action):
    return catalog()[action].model


def refused(action, body) -> str:
    return validation_message(model(action), body)


@pytest.mark.parametrize(
    ("action", "body", "field"),
    [
        ("create_bot", {"name": "B", "default_group_priority": "bot"}, "default_group_priority"),
        ("create_bot", {"name": "B", "groups": [{"id": 1, "priority": "primary"}]}, "groups[0].priority"),
        ("update_bot", {"id": "x", "default_group_priority": "top"}, "default_group_priority"),
        ("create_bot_template", {"name": "T", "default_group_priority": "high"}, "default_group_priority"),
        ("get_bot", {"id": "x", "fields": ["secret"]}, "fields[0]"),
        ("list_bots", {"fields": ["groups", "owner_client_id"]}, "fields[1]"),
    ],
)
def test_wrong_enum_names_the_field(action, body, field):
    assert f"`{field}`" in refused(action, body)


@pytest.mark.parametrize(
    ("action", "body", "field"),
    [
        ("create_bot", {}, "name"),
        ("create_bot_template", {"avatar": "https://example.com/a.png"}, "name"),
        ("update_bot", {"name": "x"}, "id"),
        ("get_bot", {}, "id"),
        ("delete_bot", {}, "id"),
        ("delete_bot_template", {}, "id"),
        ("reset_bot_secret", {}, "id"),
        ("issue_bot_token", {"bot_id": "b", "client_id": "c", "organization_id": "o"}, "bot_secret"),
        ("create_bot", {"name": "B", "groups": [{"priority": "first"}]}, "groups[0].id"),
        ("create_bot", {"name": "B", "groups": [{"id": 1}]}, "groups[0].priority"),
        # For bots the work scheduler's timezone is documented as required.
        ("create_bot", {"name": "B", "work_scheduler": {"schedule": []}}, "work_scheduler.timezone"),
    ],
)
def test_missing_required_field_is_named(action, body, field):
    message = refused(action, body)
    assert f"`{field}`: required field is missing" in message


@pytest.mark.parametrize(
    ("action", "body", "field"),
    [
        ("create_bot", {"name": "B", "secret": "s"}, "secret"),
        ("update_bot", {"id": "x", "owner_client_id": "c"}, "owner_client_id"),  # not an update_bot field
        ("update_bot_template", {"id": "x", "groups": []}, "groups"),  # templates have no groups
        ("create_bot_template", {"name": "T", "type": "faq"}, "type"),  # type is a bot field only
        ("list_bots", {"all": True, "filters": {}}, "filters"),
        ("list_customer_bans", {"ip": "1.2.3.4"}, "ip"),
    ],
)
def test_unknown_field_is_named(action, body, field):
    assert f"`{field}`: unknown field" in refused(action, body)


@pytest.mark.parametrize(
    ("action", "body", "field"),
    [
        ("create_bot", {"name": "B", "max_chats_count": 501}, "max_chats_count"),
        ("update_bot", {"id": "x", "max_chats_count": 501}, "max_chats_count"),
        ("create_bot_template", {"name": "T", "max_chats_count": 501}, "max_chats_count"),
        ("update_bot_template", {"id": "x", "max_chats_count": 501}, "max_chats_count"),
        ("create_bot", {"name": "B", "max_chats_count": -1}, "max_chats_count"),
        ("create_bot", {"name": "B", "groups": [{"id": -1, "priority": "first"}]}, "groups[0].id"),
        ("create_bot", {"name": ""}, "name"),
        (
            "create_bot",
            {"name": "B", "work_scheduler": {"timezone": "UTC", "schedule": [{"day": "monday", "enabled": True, "start": "8:00", "end": "16:00"}]}},
            "work_scheduler.schedule[0].start",
        ),
    ],
)
def test_limits_are_enforced(action, body, field):
    assert f"`{field}`" in refused(action, body)


def test_limits_accept_the_boundary():
    assert model("create_bot").model_validate({"name": "B", "max_chats_count": 500}).max_chats_count == 500
    assert model("update_bot").model_validate({"id": "x", "max_chats_count": 0}).max_chats_count == 0


def test_owner_client_id_is_optional_but_accepted():
    # Documented as required, omitted in every example: a Bearer token supplies it.
    for action, body in (
        ("create_bot", {"name": "B"}),
        ("create_bot_template", {"name": "T"}),
        ("update_bot_template", {"id": "t"}),
        ("delete_bot_template", {"id": "t"}),
        ("list_bot_templates", {}),
        ("reset_bot_template_secret", {"id": "t"}),
        ("reset_bot_secret", {"id": "b"}),
    ):
        model(action).model_validate(body)
        assert model(action).model_validate({**body, "owner_client_id": "abc"}).owner_client_id == "abc"


def test_bot_work_scheduler_shape():
    req = model("update_bot").model_validate(
        {
            "id": "x",
            "work_scheduler": {
                "timezone": "Europe/Warsaw",
                "schedule": [{"day": "monday", "enabled": True, "start": "08:00", "end": "16:00"}],
            },
        }
    )
    assert req.work_scheduler.schedule[0].day == "monday"
    assert "`work_scheduler.schedule[0].day`" in refused(
        "update_bot",
        {"id": "x", "work_scheduler": {"timezone": "UTC", "schedule": [{"day": "mon", "enabled": True, "start": "08:00", "end": "09:00"}]}},
    )


def test_schema_carries_enums_and_limits():
    schema = model("create_bot").model_json_schema()
    text = str(schema)
    assert "'maximum': 500" in text
    assert "'supervisor'" in text
    fields_schema = str(model("get_bot").model_json_schema())
    for value in ("groups", "work_scheduler", "job_title", "max_chats_count", "timezone"):
        assert f"'{value}'" in fields_schema


def test_batch_models_wrap_single_requests():
    ok = model("batch_create_bots").model_validate({"requests": [{"name": "A"}, {"name": "B"}]})
    assert len(ok.requests) == 2
    assert "`requests`" in refused("batch_delete_bots", {"requests": []})
    assert "`requests[1].id`" in refused("batch_update_bots", {"requests": [{"id": "a"}, {"name": "x"}]})


# --- catalogue declarations a user relies on -------------------------------------------------


def test_bot_action_flags():
    cat = catalog()
    for name in ("delete_bot", "batch_delete_bots", "delete_bot_template", "reset_bot_secret", "reset_bot_template_secret"):
        assert cat[name].destructive, name
    for name in ("issue_bot_token", "reset_bot_secret", "reset_bot_template_secret", "create_bot", "create_bot_template"):
        assert cat[name].write and not cat[name].idempotent, name
    for name in ("update_bot", "delete_bot", "update_bot_template", "delete_bot_template"):
        assert cat[name].idempotent, name
    for name in ("list_bots", "get_bot", "list_bot_templates", "list_customer_bans"):
        assert cat[name].read_only, name
    assert cat["batch_create_bots"].batch_of == "create_bot"
    assert cat["create_bot"].batch_name == "batch_create_bots"


def test_secret_result_keys():
    cat = catalog()
    for name in ("create_bot", "batch_create_bots", "create_bot_template", "reset_bot_secret", "reset_bot_template_secret"):
        assert cat[name].secret_result_keys == ("secret",), name
    assert cat["issue_bot_token"].secret_result_keys == ("token",)


def test_scopes():
    cat = catalog()
    assert cat["issue_bot_token"].scopes == ()
    assert cat["create_bot"].scopes == (("agents-bot--my:rw",),)
    assert cat["list_bots"].scopes == (("agents-bot--my:ro",), ("agents-bot--all:ro",))
    assert "agents-bot--all:rw" in cat["update_bot"].extra_scopes
    assert cat["list_bot_templates"].scopes == (("bots.templates:rw",),)
    assert cat["list_customer_bans"].scopes == (("banlist_read",),)
    assert cat["unban_customer"].scopes == (("banlist_write",),)


# --- customer bans ---------------------------------------------------------------------------


def test_unban_customer_needs_exactly_one_identifier():
    model("unban_customer").model_validate({"ip": "192.168.1.1"})
    model("unban_customer").model_validate({"customer_id": "18405023-fdd0-4d67-b641-299e3823888c"})
    for body in ({}, {"ip": "192.168.1.1", "customer_id": "c"}):
        message = refused("unban_customer", body)
        assert "ip" in message and "customer_id" in message


def test_unban_customer_ip_must_be_an_address():
    assert "`ip`" in refused("unban_customer", {"ip": "not-an-ip"})
    model("unban_customer").model_validate({"ip": "2001:db8::1"})
