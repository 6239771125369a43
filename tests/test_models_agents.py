"""Agent request models: what a caller notices (refused input names the field) and the catalogue."""

import pytest
from pydantic import ValidationError

from conftest import validation_message
from server.tools import catalog
from server.tools.catalog import to_payload
from server.tools.schema import documented_schema, input_schema

AGENT_ACTIONS = {
    "create_agent", "get_agent", "list_agents", "update_agent", "delete_agent", "suspend_agent",
    "unsuspend_agent", "request_agent_unsuspension", "approve_agent",
    "batch_create_agents", "batch_update_agents", "batch_delete_agents", "batch_suspend_agents",
    "batch_unsuspend_agents", "batch_approve_agents",
}


def model(name):
    return catalog()[name].model


def refused(name, body):
    return validation_message(model(name), body)


def test_all_fifteen_agent_tools_exist():
    agents = {name for name, act in catalog().items() if act.resource == "agents"}
    assert agents == AGENT_ACTIONS


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"id": "a@x.com", "name": "A", "role": "owner"}, "role"),
        ({"id": "a@x.com", "name": "A", "role": "agent"}, "role"),
        ({"id": "a@x.com", "name": "A", "login_status": "accepting_chats"}, "login_status"),
        ({"id": "a@x.com", "name": "A", "max_chats_count": 21}, "max_chats_count"),
        ({"id": "a@x.com", "name": "A", "max_chats_count": -1}, "max_chats_count"),
        ({"id": "a@x.com", "name": "A", "notifications": ["new_chat"]}, "notifications[0]"),
        ({"id": "a@x.com", "name": "A", "email_subscriptions": ["monthly"]}, "email_subscriptions[0]"),
        ({"id": "a@x.com", "name": "A", "groups": [{"id": 1}]}, "groups[0].priority"),
        ({"id": "a@x.com", "name": "A", "groups": [{"id": -1, "priority": "normal"}]}, "groups[0].id"),
        ({"id": "a@x.com", "name": "A", "avatar": "https://x/a.png"}, "avatar"),
        ({"id": "a@x.com"}, "name"),
        ({"name": "A"}, "id"),
        ({"id": "", "name": "A"}, "id"),
    ],
)
def test_create_agent_refuses_with_field_name(body, field):
    msg = refused("create_agent", body)
    assert f"`{field}`" in msg


def test_create_agent_max_chats_follows_newer_page():
    assert model("create_agent").model_validate({"id": "a@x.com", "name": "A", "max_chats_count": 20}).max_chats_count == 20
    assert "max_chats_count" in refused("create_agent", {"id": "a@x.com", "name": "A", "max_chats_count": 100})


def test_create_agent_work_scheduler_documented_shape_only():
    ok = {
        "id": "a@x.com",
        "name": "A",
        "work_scheduler": {"timezone": "Europe/Warsaw", "schedule": [{"day": "monday", "enabled": True, "start": "08:00", "end": "12:30"}]},
    }
    model("create_agent").model_validate(ok)
    bad_day = {**ok, "work_scheduler": {"schedule": [{"day": "mon", "enabled": True, "start": "08:00", "end": "12:30"}]}}
    assert "work_scheduler.schedule[0].day" in refused("create_agent", bad_day)
    bad_time = {**ok, "work_scheduler": {"schedule": [{"day": "monday", "enabled": True, "start": "8am", "end": "12:30"}]}}
    assert "work_scheduler.schedule[0].start" in refused("create_agent", bad_time)


def test_update_agent_accepts_both_work_scheduler_shapes():
    m = model("update_agent")
    by_day = m.model_validate({"id": "a@x.com", "work_scheduler": {"monday": {"start": "08:30", "end": "12:30"}}})
    assert by_day.work_scheduler["monday"].start == "08:30"
    assert to_payload(by_day)["work_scheduler"] == {"monday": {"start": "08:30", "end": "12:30"}}
    with pytest.raises(ValidationError):  # only weekdays are keys
        m.model_validate({"id": "a@x.com", "work_scheduler": {"someday": {"start": "08:30", "end": "12:30"}}})
    documented = m.model_validate(
        {"id": "a@x.com", "work_scheduler": {"timezone": "UTC", "schedule": [{"day": "friday", "enabled": False, "start": "07:30", "end": "21:30"}]}}
    )
    assert documented.work_scheduler.schedule[0].day == "friday"
    msg = refused("update_agent", {"id": "a@x.com", "work_scheduler": {"funday": {"start": "08:30", "end": "12:30"}}})
    assert "work_scheduler" in msg


@pytest.mark.parametrize("field", ["name", "avatar", "awaiting_approval"])
def test_update_agent_refuses_fields_not_in_v36(field):
    msg = refused("update_agent", {"id": "a@x.com", field: "x"})
    assert f"`{field}`" in msg
    assert "unknown field" in msg


def test_update_agent_limits():
    assert "`max_chats_count`" in refused("update_agent", {"id": "a@x.com", "max_chats_count": 21})
    assert "`role`" in refused("update_agent", {"id": "a@x.com", "role": "owner"})
    assert "`id`" in refused("update_agent", {"role": "normal"})


def test_get_and_list_agents_fields_are_enums():
    for name in ("get_agent", "list_agents"):
        schema = input_schema(model(name))
        enum = schema["properties"]["fields"]["items"]["enum"]
        assert "groups" in enum and "last_logout" in enum and "summaries" not in enum
    assert "`fields[0]`" in refused("get_agent", {"id": "a@x.com", "fields": ["avatar_path"]})
    assert "`fields[1]`" in refused("list_agents", {"fields": ["groups", "summaries"]})


def test_list_agents_filters():
    ok = model("list_agents").model_validate({"filters": {"group_ids": [0, 1], "suspended": False}})
    assert ok.filters.group_ids == [0, 1]
    assert "`filters.suspended`" in refused("list_agents", {"filters": {"suspended": "maybe"}})
    assert "`filters.group_ids[0]`" in refused("list_agents", {"filters": {"group_ids": [-1]}})
    assert "`filters.status`" in refused("list_agents", {"filters": {"status": "active"}})


def test_request_agent_unsuspension_takes_nothing():
    model("request_agent_unsuspension").model_validate({})
    assert "`id`" in refused("request_agent_unsuspension", {"id": "a@x.com"})


def test_batch_item_errors_name_the_item():
    assert "`requests[1].id`" in refused("batch_delete_agents", {"requests": [{"id": "a@x.com"}, {}]})
    assert "`requests`" in refused("batch_approve_agents", {"requests": []})


def test_annotations():
    acts = catalog()
    for name in ("get_agent", "list_agents"):
        assert acts[name].read_only
    for name in AGENT_ACTIONS - {"get_agent", "list_agents"}:
        assert acts[name].write, name
    destructive = {name for name in AGENT_ACTIONS if acts[name].destructive}
    assert destructive == {"delete_agent", "batch_delete_agents", "suspend_agent", "batch_suspend_agents"}
    not_idempotent = {name for name in AGENT_ACTIONS if not acts[name].idempotent}
    assert not_idempotent == {"create_agent", "batch_create_agents", "request_agent_unsuspension"}
    assert acts["batch_update_agents"].batch_of == "update_agent"
    assert acts["update_agent"].batch_name == "batch_update_agents"


def test_scopes():
    acts = catalog()
    assert acts["get_agent"].scopes == (("agents--my:ro",), ("agents--all:ro",))
    assert acts["list_agents"].scopes == (("agents--all:ro",),)
    assert acts["suspend_agent"].scopes == (("agents--all:rw", "sessions--all:rw"),)
    assert acts["approve_agent"].scopes == (("agents--all:rw", "accounts--all:rw", "subscription.lc:rw"),)
    assert acts["request_agent_unsuspension"].scopes == ()
    assert "accounts.roles.lc--all:rw" in acts["create_agent"].extra_scopes
    assert "subscription.lc:rw" in acts["create_agent"].extra_scopes
    assert "accounts.roles.lc--all:rw" in acts["update_agent"].extra_scopes
    # Scopes are appended automatically: descriptions must not repeat them.
    for name in AGENT_ACTIONS:
        assert "--all:" not in acts[name].description, name


def test_descriptions_carry_the_caveats():
    acts = catalog()
    assert "awaiting_approval" in acts["create_agent"].description
    assert "invitation" in acts["create_agent"].description
    assert "cannot" in acts["update_agent"].description
    assert "max_chats_count 0" in acts["delete_agent"].description
    assert "suspend" in acts["delete_agent"].description


def test_every_field_has_a_description():
    for name in AGENT_ACTIONS:
        # As documented (the listed schema leaves out descriptions that only restate a name).
        schema = documented_schema(model(name))
        # WorkSchedulerByDay (shared, server/tools/types.py) has undescribed weekday keys.
        nodes = [schema, *(d for key, d in schema.get("$defs", {}).items() if key != "WorkSchedulerByDay")]
        for node in nodes:
            for prop, spec in node.get("properties", {}).items():
                assert spec.get("description"), f"{name}: {prop} has no description"
