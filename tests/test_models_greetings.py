"""Greeting request models: what a user notices when a request is refused before it is sent."""

import pytest

from conftest import validation_message
from server.tools import catalog
from server.tools.catalog import to_payload
from server.tools.greetings import CreateGreeting, ListGreetings, UpdateGreeting
from server.tools.schema import documented_schema, input_schema

BASE = {
    "type": "normal",
    "active": True,
    "name": "Hello",
    "group": 0,
    "rules": [{"condition": "and", "type": "url_current", "operator": "contains", "value": "checkout"}],
}


_error = validation_message


def _rule(**rule):
    return {**BASE, "rules": [{"condition": "and", **rule}]}


def test_minimal_create_validates_and_payload_has_only_given_fields():
    assert to_payload(CreateGreeting.model_validate(BASE)) == BASE


@pytest.mark.parametrize("field", ["type", "active", "name", "group", "rules"])
def test_create_required_fields(field):
    body = {k: v for k, v in BASE.items() if k != field}
    msg = _error(CreateGreeting, body)
    assert f"`{field}`: required field is missing" in msg


def test_wrong_greeting_type_named():
    assert "`type`" in _error(CreateGreeting, {**BASE, "type": "popup"})


def test_unknown_field_named():
    assert "`colour`: unknown field" in _error(CreateGreeting, {**BASE, "colour": "red"})


def test_rule_enums_named_with_index():
    msg = _error(CreateGreeting, _rule(type="url_current", operator="like", value="a"))
    assert "`rules[0].operator`" in msg
    msg = _error(CreateGreeting, {**BASE, "rules": [{"condition": "nand", "type": "url_current", "operator": "equals", "value": "a"}]})
    assert "`rules[0].condition`" in msg


def test_at_most_10_rules():
    rule = BASE["rules"][0]
    CreateGreeting.model_validate({**BASE, "rules": [rule] * 10})
    assert "`rules`" in _error(CreateGreeting, {**BASE, "rules": [rule] * 11})


def test_value_and_operator_required_for_most_rule_types():
    assert "`value` is required" in _error(CreateGreeting, _rule(type="url_visited", operator="contains"))
    assert "`operator` is required" in _error(CreateGreeting, _rule(type="search_keyword", value="shoes"))


@pytest.mark.parametrize("value, ok", [("0", True), ("900", True), ("901", False), ("-1", False), ("30s", False)])
def test_visit_time_value_is_seconds_0_to_900(value, ok):
    body = _rule(type="visit_time_page", operator="greater_than", value=value)
    if ok:
        CreateGreeting.model_validate(body)
    else:
        assert "0 to 900" in _error(CreateGreeting, body)


def test_count_rule_value_must_be_an_integer():
    assert "non-negative integer" in _error(CreateGreeting, _rule(type="visits_number", operator="equals", value="many"))
    CreateGreeting.model_validate(_rule(type="pages_view_number", operator="greater_than", value="3"))


def test_url_funnel_needs_1_to_10_urls_each_complete():
    assert "`urls`" in _error(CreateGreeting, _rule(type="url_funnel"))
    url = {"url": "/a", "operator": "contains"}
    CreateGreeting.model_validate(_rule(type="url_funnel", urls=[url] * 10))
    assert "`rules[0].urls`" in _error(CreateGreeting, _rule(type="url_funnel", urls=[url] * 11))
    assert "`rules[0].urls[0].operator`: required" in _error(CreateGreeting, _rule(type="url_funnel", urls=[{"url": "/a"}]))


def test_url_match_page_view_number_needs_value_operator_and_urls():
    assert "`urls`" in _error(CreateGreeting, _rule(type="url_match_page_view_number", operator="equals", value="2"))
    CreateGreeting.model_validate(
        _rule(type="url_match_page_view_number", operator="equals", value="2", urls=[{"url": "/a", "operator": "equals"}])
    )


def test_urls_and_session_field_refused_on_types_that_do_not_use_them():
    url = [{"url": "/a", "operator": "contains"}]
    assert "`urls` is only used" in _error(CreateGreeting, _rule(type="url_current", operator="equals", value="a", urls=url))
    msg = _error(CreateGreeting, _rule(type="url_current", operator="equals", value="a", session_field={"k": "v"}))
    assert "`session_field` is only used" in msg


def test_session_field_exactly_one_pair_and_255_chars():
    CreateGreeting.model_validate(_rule(type="custom_variable", session_field={"plan": "pro"}))
    assert "`rules[0].session_field`" in _error(CreateGreeting, _rule(type="custom_variable", session_field={"a": "1", "b": "2"}))
    assert "`rules[0].session_field`" in _error(CreateGreeting, _rule(type="custom_variable", session_field={}))
    assert "session_field" in _error(CreateGreeting, _rule(type="custom_variable", session_field={"plan": "x" * 256}))


def test_ads_traffic_key_from_documented_sources():
    CreateGreeting.model_validate(_rule(type="ads_traffic", session_field={"facebook": "ad1"}))
    assert "microsoft, facebook, google, twitter, yahoo" in _error(CreateGreeting, _rule(type="ads_traffic", session_field={"bing": "ad1"}))


def test_properties_only_documented_keys_and_hyphenated_aliases_kept():
    body = {**BASE, "properties": {"greeting-message_phrase_key": "k", "addon": "chat_widget"}}
    assert to_payload(CreateGreeting.model_validate(body))["properties"] == body["properties"]
    assert "`properties.color`: unknown field" in _error(CreateGreeting, {**BASE, "properties": {"color": "red"}})


def test_rich_message_enums_and_limits():
    button = {"text": "Go", "type": "url", "value": "https://x", "postback_id": "go"}
    element = {"title": "t", "subtitle": "s", "buttons": [button]}
    CreateGreeting.model_validate({**BASE, "rich_message": {"template_id": "quick_replies", "elements": [element]}})
    assert "`rich_message.template_id`" in _error(CreateGreeting, {**BASE, "rich_message": {"template_id": "carousel"}})
    bad_button = {**button, "type": "email"}
    msg = _error(CreateGreeting, {**BASE, "rich_message": {"template_id": "cards", "elements": [{**element, "buttons": [bad_button]}]}})
    assert "`rich_message.elements[0].buttons[0].type`" in msg
    bad_role = {**button, "role": "secondary"}
    msg = _error(CreateGreeting, {**BASE, "rich_message": {"template_id": "cards", "elements": [{**element, "buttons": [bad_role]}]}})
    assert "buttons[0].role" in msg
    msg = _error(CreateGreeting, {**BASE, "rich_message": {"template_id": "cards", "elements": [{**element, "buttons": [button] * 14}]}})
    assert "`rich_message.elements[0].buttons`" in msg
    msg = _error(CreateGreeting, {**BASE, "rich_message": {"template_id": "cards", "elements": [element] * 11}})
    assert "`rich_message.elements`" in msg
    msg = _error(CreateGreeting, {**BASE, "rich_message": {"template_id": "cards", "elements": [{"title": "t"}]}})
    assert "`rich_message.elements[0].subtitle`: required" in msg
    msg = _error(CreateGreeting, {**BASE, "rich_message": {"template_id": "cards", "elements": [{**element, "image": {"name": "a.png"}}]}})
    assert "`rich_message.elements[0].image.url`: required" in msg


def test_dates_must_be_rfc3339_and_ordered():
    assert "`active_from`" in _error(CreateGreeting, {**BASE, "active_from": "2024-01-01"})
    CreateGreeting.model_validate({**BASE, "active_from": "2024-01-01T00:00:00+02:00", "active_until": "2024-01-02T00:00:00Z"})
    msg = _error(CreateGreeting, {**BASE, "active_from": "2024-02-01T00:00:00Z", "active_until": "2024-01-01T00:00:00Z"})
    assert "`active_until` must be later" in msg


def test_update_has_no_group_and_needs_id():
    assert "`group`: unknown field" in _error(UpdateGreeting, {"id": 1, "group": 2})
    assert "`id`: required" in _error(UpdateGreeting, {"name": "x"})
    assert to_payload(UpdateGreeting.model_validate({"id": 1, "active": False})) == {"id": 1, "active": False}


def test_list_greetings_page_id_alone_and_limit_bounds():
    assert "`page_id` cannot be combined" in _error(ListGreetings, {"page_id": "abc", "limit": 10})
    assert "`page_id` cannot be combined" in _error(ListGreetings, {"page_id": "abc", "groups": [0]})
    assert "`limit`" in _error(ListGreetings, {"limit": 101})
    ListGreetings.model_validate({"groups": [0, 1], "limit": 100})


def test_catalog_flags_and_scopes():
    cat = catalog()
    assert cat["create_greeting"].write and not cat["create_greeting"].idempotent
    assert cat["update_greeting"].idempotent and not cat["update_greeting"].destructive
    assert cat["delete_greeting"].destructive and cat["delete_greeting"].idempotent
    assert cat["list_greetings"].read_only and cat["get_greeting"].read_only
    assert cat["get_greeting"].scopes == (("greetings:ro",),)
    assert cat["create_greeting"].scopes == (("greetings:rw",),)


def test_schemas_are_flat_and_every_field_described():
    for name in ("create_greeting", "update_greeting", "delete_greeting", "list_greetings", "get_greeting"):
        schema = input_schema(catalog()[name].model)
        assert "anyOf" not in schema and "oneOf" not in schema
        # Documented in the models; the listed schema leaves out descriptions that only restate
        # the field's name ("Greeting name.", server/tools/schema.py), so the source is checked.
        source = documented_schema(catalog()[name].model)
        models = {name: source, **source.get("$defs", {})}
        for model_name, model in models.items():
            for field, sub in model["properties"].items():
                assert sub.get("description"), f"{name}: {model_name}.{field} has no description"
