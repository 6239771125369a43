"""Sandbox greetings: the documented shapes and rules of the five greeting actions."""

import pytest

pytestmark = pytest.mark.anyio


@pytest.fixture(autouse=True)
def _groups(sandbox):
    # Groups are seeded by the groups module; make sure the ones used here exist either way,
    # and that 42 stays missing.
    for gid, name in ((0, "General"), (1, "Sales"), (2, "Support")):
        sandbox.state.groups.setdefault(gid, {"id": gid, "name": name, "agent_priorities": {}})
    sandbox.state.groups.pop(42, None)


def _greeting(**over):
    body = {
        "type": "normal",
        "active": True,
        "name": "Hello",
        "group": 2,
        "rules": [{"condition": "and", "type": "url_current", "operator": "contains", "value": "help"}],
    }
    body.update(over)
    return body


@pytest.mark.conformance("semantics", "create_greeting", "get_greeting")
async def test_create_returns_int_id_and_get_returns_the_greeting(api):
    created = await api.call("create_greeting", _greeting(active_from="2024-01-01T00:00:00Z"))
    assert set(created) == {"id"} and isinstance(created["id"], int)
    got = await api.call("get_greeting", {"id": created["id"]})
    assert got["id"] == created["id"]
    assert got["name"] == "Hello" and got["group"] == 2 and got["type"] == "normal" and got["active"] is True
    assert got["active_from"] == "2024-01-01T00:00:00Z"
    assert "active_until" not in got
    assert got["rules"] == [{"condition": "and", "type": "url_current", "operator": "contains", "value": "help"}]


@pytest.mark.conformance("semantics", "create_greeting")
async def test_create_ids_are_unique(api):
    a = (await api.call("create_greeting", _greeting()))["id"]
    b = (await api.call("create_greeting", _greeting()))["id"]
    assert a != b
    assert a not in (123, 124) and b not in (123, 124)


async def test_create_in_missing_group_is_group_not_found(api):
    err = await api.error("create_greeting", _greeting(group=42))
    assert err["type"] == "group_not_found"
    assert all(g["name"] != "Hello" for g in api.sandbox.state.greetings.values())


async def test_properties_keep_their_documented_hyphenated_keys(api):
    props = {"greeting-message_text": "Hi there", "is_exit_intent": "true"}
    gid = (await api.call("create_greeting", _greeting(properties=props)))["id"]
    assert (await api.call("get_greeting", {"id": gid}))["properties"] == props


@pytest.mark.conformance("semantics", "create_greeting", "update_greeting")
async def test_buttons_get_generated_ids_and_update_preserves_given_ones(api):
    button = {"text": "Go", "type": "url", "value": "https://example.com", "postback_id": "go"}
    rich = {"template_id": "cards", "elements": [{"title": "T", "subtitle": "S", "buttons": [button]}]}
    gid = (await api.call("create_greeting", _greeting(rich_message=rich)))["id"]
    got = await api.call("get_greeting", {"id": gid})
    button_id = got["rich_message"]["elements"][0]["buttons"][0]["button_id"]
    assert button_id

    kept = {**button, "button_id": button_id, "text": "Go now"}
    fresh = {**button, "postback_id": "other"}
    rich2 = {"template_id": "cards", "elements": [{"title": "T", "subtitle": "S", "buttons": [kept, fresh]}]}
    await api.call("update_greeting", {"id": gid, "rich_message": rich2})
    buttons = (await api.call("get_greeting", {"id": gid}))["rich_message"]["elements"][0]["buttons"]
    assert buttons[0]["button_id"] == button_id and buttons[0]["text"] == "Go now"
    assert buttons[1]["button_id"] and buttons[1]["button_id"] != button_id


@pytest.mark.conformance("semantics", "update_greeting")
async def test_update_is_partial_and_returns_no_payload(api):
    before = await api.call("get_greeting", {"id": 123})
    assert await api.call("update_greeting", {"id": 123, "active": False}) is None
    after = await api.call("get_greeting", {"id": 123})
    assert after["active"] is False
    assert {k: v for k, v in after.items() if k != "active"} == {k: v for k, v in before.items() if k != "active"}


@pytest.mark.conformance("semantics", "update_greeting")
async def test_update_replaces_rules(api):
    rules = [{"condition": "or", "type": "visits_number", "operator": "greater_or_equal", "value": "3"}]
    await api.call("update_greeting", {"id": 123, "rules": rules})
    assert (await api.call("get_greeting", {"id": 123}))["rules"] == rules


@pytest.mark.conformance("semantics", "update_greeting")
async def test_update_cannot_change_group(api):
    err = await api.error("update_greeting", {"id": 123, "group": 1})
    assert err["type"] == "validation" and "group" in err["message"]
    assert api.sandbox.state.greetings[123]["group"] == 0


async def test_update_window_checked_against_stored_dates(api):
    # 124 is active until 2024-12-31: moving its start after that is refused.
    err = await api.error("update_greeting", {"id": 124, "active_from": "2025-06-01T00:00:00Z"})
    assert err["type"] == "validation" and "active_until" in err["message"]
    await api.call("update_greeting", {"id": 124, "active_from": "2024-06-01T00:00:00Z"})
    assert api.sandbox.state.greetings[124]["active_from"] == "2024-06-01T00:00:00Z"


async def test_unknown_id_is_not_found_for_get_update_delete(api):
    for action, body in (("get_greeting", {"id": 999}), ("update_greeting", {"id": 999, "name": "x"}), ("delete_greeting", {"id": 999})):
        assert (await api.error(action, body))["type"] == "not_found", action


@pytest.mark.conformance("semantics", "delete_greeting")
async def test_delete_then_not_found(api):
    assert await api.call("delete_greeting", {"id": 123}) is None
    assert (await api.error("get_greeting", {"id": 123}))["type"] == "not_found"
    assert (await api.error("delete_greeting", {"id": 123}))["type"] == "not_found"
    ids = [g["id"] for g in (await api.call("list_greetings"))["greetings"]]
    assert 123 not in ids


@pytest.mark.conformance("semantics", "list_greetings")
async def test_list_shape_and_group_filter(api):
    everything = await api.call("list_greetings")
    assert everything["found_greetings"] == len(everything["greetings"]) == len(api.sandbox.state.greetings)
    assert "next_page_id" not in everything
    sales = await api.call("list_greetings", {"groups": [1]})
    assert [g["id"] for g in sales["greetings"]] == [124]
    assert sales["found_greetings"] == 1


@pytest.mark.conformance("semantics", "list_greetings")
async def test_list_pagination_with_page_id(api):
    for i in range(3):
        await api.call("create_greeting", _greeting(name=f"g{i}"))
    total = len(api.sandbox.state.greetings)  # 2 seeded + 3
    first = await api.call("list_greetings", {"limit": 2})
    assert len(first["greetings"]) == 2 and first["found_greetings"] == total
    seen = [g["id"] for g in first["greetings"]]
    page = first
    while "next_page_id" in page:
        page = await api.call("list_greetings", {"page_id": page["next_page_id"]})
        assert len(page["greetings"]) <= 2
        seen += [g["id"] for g in page["greetings"]]
    assert seen == sorted(api.sandbox.state.greetings)


@pytest.mark.conformance("semantics", "list_greetings")
async def test_page_id_keeps_the_group_filter(api):
    for i in range(3):
        await api.call("create_greeting", _greeting(name=f"g{i}", group=1))
    first = await api.call("list_greetings", {"groups": [1], "limit": 1})
    assert first["found_greetings"] == 4
    second = await api.call("list_greetings", {"page_id": first["next_page_id"]})
    assert all(g["group"] == 1 for g in second["greetings"])
    assert second["found_greetings"] == 4


async def test_list_refuses_page_id_with_limit_or_groups_and_bad_page_ids(api):
    first = await api.call("list_greetings", {"limit": 1})
    for extra in ({"limit": 1}, {"groups": [0]}):
        err = await api.error("list_greetings", {"page_id": first["next_page_id"], **extra})
        assert err["type"] == "validation" and "page_id" in err["message"]
    assert (await api.error("list_greetings", {"page_id": "not-a-page"}))["type"] == "validation"


async def test_list_limit_bounds(api):
    assert (await api.error("list_greetings", {"limit": 101}))["type"] == "validation"
    assert (await api.error("list_greetings", {"limit": 0}))["type"] == "validation"


async def test_enums_and_limits_refused(api):
    cases = [
        _greeting(type="popup"),
        _greeting(rules=[{"condition": "xor", "type": "url_current", "operator": "contains", "value": "a"}]),
        _greeting(rules=[{"condition": "and", "type": "url_current", "operator": "like", "value": "a"}]),
        _greeting(rules=[{"condition": "and", "type": "mouse_moved", "operator": "equals", "value": "a"}]),
        _greeting(rules=[{"condition": "and", "type": "url_current", "operator": "contains", "value": "a"}] * 11),
        _greeting(rich_message={"template_id": "carousel"}),
        _greeting(rich_message={"template_id": "cards", "elements": [{"title": "t", "subtitle": "s"}] * 11}),
        _greeting(properties={"colour": "red"}),
    ]
    for body in cases:
        err = await api.error("create_greeting", body)
        assert err["type"] == "validation", body
    assert not any(g["name"] == "Hello" for g in api.sandbox.state.greetings.values())


async def test_rule_consistency_refused_with_field_named(api):
    cases = {
        "value": {"condition": "and", "type": "visit_time_site", "operator": "greater_than", "value": "901"},
        "urls": {"condition": "and", "type": "url_funnel"},
        "session_field": {"condition": "and", "type": "ads_traffic", "session_field": {"bing": "x"}},
        "operator": {"condition": "and", "type": "geolocation", "value": "PL"},
    }
    for field, rule in cases.items():
        err = await api.error("create_greeting", _greeting(rules=[rule]))
        assert err["type"] == "validation" and f"`{field}`" in err["message"], (field, err)


async def test_rules_without_operator_accepted_for_their_types(api):
    rules = [
        {"condition": "and", "type": "url_funnel", "urls": [{"url": "/a", "operator": "contains"}, {"url": "/b", "operator": "equals"}]},
        {"condition": "and", "type": "custom_variable", "session_field": {"plan": "pro"}},
        {"condition": "or", "type": "ads_traffic", "session_field": {"google": "spring_campaign"}},
        {"condition": "or", "type": "url_match_page_view_number", "operator": "greater_than", "value": "2",
         "urls": [{"url": "/pricing", "operator": "contains"}]},
    ]
    gid = (await api.call("create_greeting", _greeting(rules=rules)))["id"]
    assert (await api.call("get_greeting", {"id": gid}))["rules"] == rules


async def test_scopes(api):
    from server.sandbox.app import SandboxCredential

    api.sandbox.credentials.append(SandboxCredential("ro", "ro-token", scopes=frozenset({"greetings:ro"})))
    assert (await api.call("get_greeting", {"id": 123}, token="ro-token"))["id"] == 123
    err = await api.error("delete_greeting", {"id": 123}, token="ro-token")
    assert err["type"] == "authorization"
    assert 123 in api.sandbox.state.greetings


@pytest.mark.conformance("response", "get_greeting", "list_greetings")
async def test_unset_fields_are_answered_except_the_if_set_ones(api):
    """get_greeting's response table marks only active_from/active_until "(if set)": a greeting made
    without rich_message or properties still answers both (empty), in the list too."""
    gid = (await api.call("create_greeting", _greeting()))["id"]
    got = await api.call("get_greeting", {"id": gid})
    assert got["rich_message"] == {} and got["properties"] == {}
    assert "active_from" not in got and "active_until" not in got
    listed = next(g for g in (await api.call("list_greetings", {"groups": [2]}))["greetings"] if g["id"] == gid)
    assert listed == got
    assert set(got) == {"id", "type", "active", "name", "group", "rules", "properties", "rich_message"}
