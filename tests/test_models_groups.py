"""Model behaviour a user notices: groups, auto access and "other" inputs."""

from conftest import validation_message
from server.tools import catalog
from server.tools.catalog import to_payload


def model(name):
    return catalog()[name].model


def refused(name, body) -> str:
    return validation_message(model(name), body)


# --- groups ----------------------------------------------------------------------------


def test_create_group_requires_name_and_agent_priorities():
    msg = refused("create_group", {"agent_priorities": {}})
    assert "`name`: required field is missing" in msg
    msg = refused("create_group", {"name": "Sales"})
    assert "`agent_priorities`: required field is missing" in msg


def test_group_name_limit():
    model("create_group").model_validate({"name": "n" * 180, "agent_priorities": {}})
    assert "`name`" in refused("create_group", {"name": "n" * 181, "agent_priorities": {}})
    assert "`name`" in refused("update_group", {"id": 1, "name": "n" * 181})


def test_agent_priorities_values_are_the_documented_priorities():
    for priority in ("first", "normal", "last", "supervisor"):
        model("create_group").model_validate({"name": "g", "agent_priorities": {"a@example.com": priority}})
    msg = refused("create_group", {"name": "g", "agent_priorities": {"a@example.com": "primary"}})
    assert "agent_priorities.a@example.com" in msg


def test_language_code_shape():
    model("create_group").model_validate({"name": "g", "agent_priorities": {}, "language_code": "pt-BR"})
    assert "`language_code`" in refused("create_group", {"name": "g", "agent_priorities": {}, "language_code": "english!"})


def test_fields_enum_for_list_and_get():
    model("list_groups").model_validate({"fields": ["agent_priorities", "routing_status"]})
    assert "fields[0]" in refused("list_groups", {"fields": ["members"]})
    assert "fields[1]" in refused("get_group", {"id": 1, "fields": ["routing_status", "name"]})


def test_group_id_is_required_and_unsigned():
    assert "`id`: required field is missing" in refused("get_group", {})
    assert "`id`" in refused("delete_group", {"id": -1})


def test_unknown_field_named():
    msg = refused("update_group", {"id": 1, "agents": {}})
    assert "`agents`: unknown field" in msg


def test_update_group_payload_is_partial():
    req = model("update_group").model_validate({"id": 19, "name": "Sport shoes"})
    assert to_payload(req) == {"id": 19, "name": "Sport shoes"}


def test_group_annotations():
    cat = catalog()
    assert cat["delete_group"].destructive and cat["delete_group"].idempotent
    assert cat["create_group"].write and not cat["create_group"].idempotent
    assert cat["list_groups"].read_only and cat["get_group"].read_only
    assert cat["update_group"].scopes == (("groups--my:rw",), ("groups--all:rw",))
    assert cat["create_group"].scopes == (("groups--all:rw",),)


# --- auto access ---------------------------------------------------------------------------

RULE = {"access": {"groups": [1]}, "conditions": {"domain": {"values": [{"value": "livechat.com", "exact_match": True}]}}}


def test_auto_access_requires_access_and_conditions():
    assert "`conditions`: required field is missing" in refused("add_auto_access", {"access": {"groups": [1]}})
    assert "`access.groups`: required field is missing" in refused("add_auto_access", {**RULE, "access": {}})


def test_auto_access_conditions_need_one_type():
    msg = refused("add_auto_access", {**RULE, "conditions": {}})
    assert "conditions" in msg and "url, domain, geolocation" in msg


def test_auto_access_unknown_condition_type_named():
    msg = refused("add_auto_access", {**RULE, "conditions": {"ip": {"values": [{"value": "1.2.3.4"}]}}})
    assert "`conditions.ip`: unknown field" in msg


def test_auto_access_values_and_exclude_values_are_exclusive():
    both = {"values": [{"value": "a"}], "exclude_values": [{"value": "b"}]}
    msg = refused("add_auto_access", {**RULE, "conditions": {"url": both}})
    assert "conditions.url" in msg and "exclude_values" in msg
    model("add_auto_access").model_validate({**RULE, "conditions": {"url": {"exclude_values": [{"value": "b"}]}}})


def test_geolocation_object_needs_a_field_and_values():
    assert "conditions.geolocation.values[0]" in refused(
        "add_auto_access", {**RULE, "conditions": {"geolocation": {"values": [{}]}}}
    )
    assert "`conditions.geolocation.values`: required field is missing" in refused(
        "add_auto_access", {**RULE, "conditions": {"geolocation": {}}}
    )


def test_match_object_needs_value():
    msg = refused("add_auto_access", {**RULE, "conditions": {"url": {"values": [{"exact_match": True}]}}})
    assert "`conditions.url.values[0].value`: required field is missing" in msg


def test_update_auto_access_next_id_empty_string_is_kept():
    req = model("update_auto_access").model_validate({"id": "C", "next_id": ""})
    assert to_payload(req) == {"id": "C", "next_id": ""}
    assert to_payload(model("update_auto_access").model_validate({"id": "C"})) == {"id": "C"}


def test_auto_access_annotations():
    cat = catalog()
    assert cat["delete_auto_access"].destructive
    assert not cat["add_auto_access"].idempotent and cat["update_auto_access"].idempotent
    assert cat["list_auto_accesses"].scopes == (("access_rules:ro",),)


# --- other ---------------------------------------------------------------------------------


def test_plan_enum():
    for plan in ("starter", "team", "enterprise", "enterpriseplus"):
        model("check_product_limits_for_plan").model_validate({"plan": plan})
    assert "`plan`" in refused("check_product_limits_for_plan", {"plan": "business"})
    assert "`plan`: required field is missing" in refused("check_product_limits_for_plan", {})


def test_reactivate_email_requires_agent_id():
    assert "`agent_id`: required field is missing" in refused("reactivate_email", {})


def test_company_details_unknown_field_and_payload():
    assert "`name`: unknown field" in refused("update_company_details", {"name": "Acme"})
    req = model("update_company_details").model_validate({"enrich": True, "url": "www.text.com"})
    assert to_payload(req) == {"enrich": True, "url": "www.text.com"}


def test_scopeless_actions_take_no_input():
    for name in ("list_channels", "get_product_source"):
        assert catalog()[name].scopes == ()
        assert "`x`: unknown field" in refused(name, {"x": 1})
