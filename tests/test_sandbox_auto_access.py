"""Sandbox auto access: the ordered linked list, partial updates and reordering."""

import pytest

pytestmark = pytest.mark.anyio

FIRST, SECOND, THIRD = "1faad6f5f1d6e8fdf27e8af9839783b7", "pqi8oasdjahuakndw9nsad9na", "7d3e2b1c0a9f8e7d6c5b4a3f2e1d0c9b"


def _rule(groups, url="example.com", description=None):
    body = {"access": {"groups": groups}, "conditions": {"url": {"values": [{"value": url}]}}}
    if description is not None:
        body["description"] = description
    return body


def _order(rules):
    return [r["id"] for r in rules]


def _assert_chain(rules):
    """next_id links each rule to the following one, the last has ''."""
    for rule, following in zip(rules, [*rules[1:], None], strict=True):
        assert rule["next_id"] == (following["id"] if following else "")


@pytest.mark.conformance("semantics", "list_auto_accesses")
async def test_list_is_ordered_and_linked(api):
    rules = await api.call("list_auto_accesses", {})
    assert _order(rules) == [FIRST, SECOND, THIRD]
    _assert_chain(rules)
    assert rules[0] == {
        "id": FIRST,
        "description": "Chats on livechat.com from United States",
        "access": {"groups": [0]},
        "conditions": {
            "geolocation": {"values": [{"country": "United States", "country_code": "US"}]},
            "domain": {"values": [{"value": "livechat.com", "exact_match": True}]},
        },
        "next_id": SECOND,
    }


@pytest.mark.conformance("semantics", "add_auto_access")
async def test_add_without_next_id_appends(api):
    new = await api.call("add_auto_access", _rule([1], description="Pricing"))
    assert set(new) == {"id"} and new["id"]
    rules = await api.call("list_auto_accesses", {})
    assert _order(rules) == [FIRST, SECOND, THIRD, new["id"]]
    assert rules[-1]["next_id"] == ""
    assert rules[-1]["description"] == "Pricing"
    _assert_chain(rules)


@pytest.mark.conformance("semantics", "add_auto_access")
async def test_add_with_empty_next_id_appends(api):
    new = await api.call("add_auto_access", {**_rule([1]), "next_id": ""})
    assert _order(await api.call("list_auto_accesses", {}))[-1] == new["id"]


@pytest.mark.conformance("semantics", "add_auto_access")
async def test_add_with_next_id_inserts_before_it(api):
    new = await api.call("add_auto_access", {**_rule([2]), "next_id": SECOND})
    rules = await api.call("list_auto_accesses", {})
    assert _order(rules) == [FIRST, new["id"], SECOND, THIRD]
    _assert_chain(rules)
    other = await api.call("add_auto_access", {**_rule([2]), "next_id": FIRST})
    assert _order(await api.call("list_auto_accesses", {}))[0] == other["id"]


async def test_add_errors(api):
    assert (await api.error("add_auto_access", {**_rule([1]), "next_id": "nope"}))["type"] == "not_found"
    assert (await api.error("add_auto_access", _rule([0, 42])))["type"] == "group_not_found"
    assert (await api.error("add_auto_access", {"access": {"groups": [1]}, "conditions": {}}))["type"] == "validation"
    assert (await api.error("add_auto_access", {"conditions": {"url": {"values": [{"value": "x"}]}}}))["type"] == "validation"
    bad_kind = {"access": {"groups": [1]}, "conditions": {"referrer": {"values": [{"value": "x"}]}}}
    assert (await api.error("add_auto_access", bad_kind))["type"] == "validation"
    both = {"access": {"groups": [1]}, "conditions": {"url": {"values": [{"value": "a"}], "exclude_values": [{"value": "b"}]}}}
    assert (await api.error("add_auto_access", both))["type"] == "validation"
    empty_geo = {"access": {"groups": [1]}, "conditions": {"geolocation": {"values": [{}]}}}
    assert (await api.error("add_auto_access", empty_geo))["type"] == "validation"
    assert len(api.sandbox.state.auto_accesses) == 3


@pytest.mark.conformance("semantics", "update_auto_access")
async def test_update_reorders_like_the_reference_example(api):
    """A -> B -> C -> D with {"id": "C", "next_id": "B"} gives A -> C -> B -> D."""
    api.sandbox.state.auto_accesses.clear()
    ids = {}
    for letter in "ABCD":
        ids[letter] = (await api.call("add_auto_access", _rule([0], url=letter.lower(), description=letter)))["id"]
    names = {v: k for k, v in ids.items()}
    rules = await api.call("list_auto_accesses", {})
    assert [names[r["id"]] for r in rules] == list("ABCD")
    await api.call("update_auto_access", {"id": ids["C"], "next_id": ids["B"]})
    rules = await api.call("list_auto_accesses", {})
    assert [names[r["id"]] for r in rules] == list("ACBD")
    assert [names.get(r["next_id"], "null") for r in rules] == ["C", "B", "D", "null"]
    # The move changed nothing else.
    assert rules[1]["description"] == "C" and rules[1]["access"] == {"groups": [0]}


@pytest.mark.conformance("semantics", "update_auto_access")
async def test_update_next_id_empty_moves_to_end(api):
    await api.call("update_auto_access", {"id": FIRST, "next_id": ""})
    rules = await api.call("list_auto_accesses", {})
    assert _order(rules) == [SECOND, THIRD, FIRST]
    _assert_chain(rules)


@pytest.mark.conformance("semantics", "update_auto_access")
async def test_update_without_next_id_keeps_order_and_is_partial(api):
    await api.call("update_auto_access", {"id": SECOND, "description": "Renamed"})
    rules = await api.call("list_auto_accesses", {})
    assert _order(rules) == [FIRST, SECOND, THIRD]
    assert rules[1]["description"] == "Renamed"
    assert rules[1]["access"] == {"groups": [1]}
    assert rules[1]["conditions"] == {"url": {"values": [{"value": "/pricing", "exact_match": False}]}}
    await api.call("update_auto_access", {"id": SECOND, "access": {"groups": [2, 5]}})
    rules = await api.call("list_auto_accesses", {})
    assert rules[1]["access"] == {"groups": [2, 5]}
    assert rules[1]["description"] == "Renamed"


@pytest.mark.conformance("semantics", "update_auto_access")
async def test_update_conditions_overwrite(api):
    await api.call("update_auto_access", {"id": FIRST, "conditions": {"geolocation": {"values": [{"city": "Berlin"}]}}})
    rule = (await api.call("list_auto_accesses", {}))[0]
    assert rule["conditions"] == {"geolocation": {"values": [{"city": "Berlin"}]}}


async def test_update_errors_change_nothing(api):
    before = await api.call("list_auto_accesses", {})
    assert (await api.error("update_auto_access", {"id": "missing", "description": "x"}))["type"] == "not_found"
    assert (await api.error("update_auto_access", {"id": FIRST, "next_id": "missing"}))["type"] == "not_found"
    err = await api.error("update_auto_access", {"id": SECOND, "access": {"groups": [0, 42]}, "next_id": FIRST})
    assert err["type"] == "group_not_found"
    assert (await api.error("update_auto_access", {"id": FIRST, "next_id": FIRST}))["type"] == "validation"
    assert (await api.error("update_auto_access", {"id": FIRST, "access": {}}))["type"] == "validation"
    for empty in ({}, {"values": []}, {"exclude_values": []}):
        err = await api.error("add_auto_access", {"access": {"groups": [0]}, "conditions": {"url": empty}})
        assert err["type"] == "validation" and "conditions.url" in err["message"], err
    assert await api.call("list_auto_accesses", {}) == before


@pytest.mark.conformance("semantics", "delete_auto_access")
async def test_delete_relinks_the_list(api):
    await api.call("delete_auto_access", {"id": SECOND})
    rules = await api.call("list_auto_accesses", {})
    assert _order(rules) == [FIRST, THIRD]
    assert rules[0]["next_id"] == THIRD
    assert (await api.error("delete_auto_access", {"id": SECOND}))["type"] == "not_found"


async def test_list_refuses_unknown_fields(api):
    assert (await api.error("list_auto_accesses", {"fields": ["x"]}))["type"] == "validation"


@pytest.mark.conformance("request", "add_auto_access", "update_auto_access")
async def test_a_rule_routes_to_at_least_one_group_and_its_conditions_name_at_least_one_value(api):
    """access.groups and conditions.geolocation.values are required lists: an empty one would route
    nowhere or never match, and a rule a group deletion leaves without groups is deleted (M1), so an
    empty list is refused on add and update alike, and nothing changes."""
    before = await api.call("list_auto_accesses", {})
    err = await api.error("add_auto_access", _rule([]))
    assert err["type"] == "validation" and "access.groups" in err["message"]
    err = await api.error("update_auto_access", {"id": FIRST, "access": {"groups": []}})
    assert err["type"] == "validation" and "access.groups" in err["message"]
    nowhere = {"access": {"groups": [0]}, "conditions": {"geolocation": {"values": []}}}
    err = await api.error("add_auto_access", nowhere)
    assert err["type"] == "validation" and "geolocation.values" in err["message"]
    for empty in ({}, {"values": []}, {"exclude_values": []}):
        err = await api.error("add_auto_access", {"access": {"groups": [0]}, "conditions": {"url": empty}})
        assert err["type"] == "validation" and "conditions.url" in err["message"], err
    assert await api.call("list_auto_accesses", {}) == before
