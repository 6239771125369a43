"""Sandbox properties: definitions, value checks (type, domain, range, location), access by namespace."""

import pytest

from server.sandbox.app import DEFAULT_CLIENT_ID, SandboxCredential

pytestmark = pytest.mark.anyio

ME = DEFAULT_CLIENT_ID
OTHER = "0ther0client0id00000000000000000"


def _license_access(**extra):
    return {"license": {"agent": ["read", "write"]}, "group": {"agent": ["read", "write"]}, **extra}


def _credential(api, name, scopes, client_id=ME):
    api.sandbox.credentials.append(SandboxCredential(name, f"token-{name}", scopes=frozenset(scopes), client_id=client_id))
    return f"token-{name}"


async def test_update_methods_answer_an_empty_object(api):
    # Both update methods document a `{}` response (the others have no payload).
    for action, body in (("update_license_properties", {"properties": {"test": {"int_property": 1}}}),
                         ("update_group_properties", {"group_id": 0, "properties": {"test": {"int_property": 1}}})):
        resp = await api.raw(action, body)
        assert resp.status_code == 200 and resp.json() == {}
    resp = await api.raw("delete_license_properties", {"properties": {"test": ["int_property"]}})
    assert resp.status_code == 200 and resp.content == b""


# --- definitions -----------------------------------------------------------------------------


async def test_test_namespace_is_seeded_and_publicly_writable(api):
    # The `test` namespace is shared ("rw for everyone everywhere"), not the sandbox client's own:
    # its definitions are not listed as ours, and another client writes and reads it as well.
    defs = await api.call("list_properties", {"owner_client_id": ME})
    assert not {"bool_property", "int_property", "string_property", "tokenized_string_property"} & set(defs or {})
    await api.call("register_property", {"name": "int_property", "type": "int", "access": _license_access()})
    other = _credential(api, "other-app", {"properties.license.value--all:rw", "properties.license.value--all:ro"},
                        client_id=OTHER)
    await api.call("update_license_properties", {"properties": {"test": {"int_property": 3}}}, token=other)
    assert await api.call("list_license_properties", {"namespace": "test"}, token=other) == {"test": {"int_property": 3}}
    for value in ({"bool_property": True}, {"int_property": 7}, {"string_property": "a"}, {"tokenized_string_property": "a b"}):
        await api.call("update_license_properties", {"properties": {"test": value}})
    listed = await api.call("list_license_properties", {"namespace": "test"})
    assert listed == {"test": {"bool_property": True, "int_property": 7, "string_property": "a", "tokenized_string_property": "a b"}}


@pytest.mark.conformance("semantics", "register_property", "list_properties")
async def test_register_defaults_owner_to_the_token_client_and_lists_definition(api):
    body = {"name": "score", "type": "int", "access": _license_access(), "description": "Score",
            "range": {"from": 0, "to": 10}, "default_value": 5}
    assert await api.call("register_property", body) is None
    defs = await api.call("list_properties")
    assert defs["score"] == {"type": "int", "description": "Score", "access": _license_access(),
                             "range": {"from": 0, "to": 10}, "default_value": 5, "public_access": []}
    assert "score" in await api.call("list_properties", {"owner_client_id": ME})
    assert not await api.call("list_properties", {"owner_client_id": OTHER})


@pytest.mark.conformance("semantics", "register_property")
async def test_register_twice_is_already_exists(api):
    body = {"name": "p", "type": "string", "access": {"chat": {"agent": ["read"]}}}
    await api.call("register_property", body)
    assert (await api.error("register_property", body))["type"] == "already_exists"
    # The same name for another owner is a different property.
    await api.call("register_property", {**body, "owner_client_id": OTHER})


@pytest.mark.conformance("semantics", "register_property")
async def test_default_value_needs_license_or_group_access(api):
    err = await api.error("register_property", {"name": "p", "type": "string", "default_value": "x",
                                                "access": {"chat": {"agent": ["read"]}}})
    assert err["type"] == "validation" and "default_value" in err["message"]


@pytest.mark.conformance("semantics", "publish_property", "unregister_property")
async def test_published_property_cannot_be_unregistered(api):
    await api.call("register_property", {"name": "p", "type": "bool", "access": _license_access()})
    await api.call("publish_property", {"name": "p", "access_type": ["read"]})
    assert (await api.call("list_properties"))["p"]["public_access"] == ["read"]
    # An unpublished property lists the example's fields too: no public access.
    assert (await api.call("list_properties"))["customer_tier"]["public_access"] == []
    err = await api.error("unregister_property", {"name": "p"})
    assert err["type"] == "validation" and "published" in err["message"]
    assert "p" in await api.call("list_properties")


@pytest.mark.conformance("semantics", "unregister_property")
async def test_unregister_private_property_removes_it_and_its_values(api):
    await api.call("register_property", {"name": "p", "type": "bool", "access": _license_access()})
    await api.call("update_license_properties", {"properties": {ME: {"p": True}}})
    await api.call("unregister_property", {"name": "p", "owner_client_id": ME})
    assert "p" not in (await api.call("list_properties") or {})  # {} reads back as None through MCP
    assert ME not in await api.call("list_license_properties")
    assert (await api.error("unregister_property", {"name": "p"}))["type"] == "not_found"
    assert (await api.error("publish_property", {"name": "p", "access_type": ["read"]}))["type"] == "not_found"


# --- license values ------------------------------------------------------------------------------


@pytest.mark.conformance("semantics", "update_license_properties")
@pytest.mark.parametrize(
    ("name", "value"),
    [("int_property", "7"), ("int_property", True), ("int_property", 2**31), ("bool_property", 1),
     ("string_property", 5), ("tokenized_string_property", False)],
)
async def test_values_must_match_the_property_type(api, name, value):
    err = await api.error("update_license_properties", {"properties": {"test": {name: value}}})
    assert err["type"] == "validation"
    assert f"test.{name}" in err["message"]


@pytest.mark.conformance("semantics", "update_license_properties")
async def test_values_are_checked_against_domain_and_range(api):
    await api.call("register_property", {"name": "level", "type": "int", "access": _license_access(), "range": {"from": 1, "to": 3}})
    await api.call("register_property", {"name": "color", "type": "string", "access": _license_access(), "domain": ["red", "blue"]})
    err = await api.error("update_license_properties", {"properties": {ME: {"level": 4}}})
    assert err["type"] == "validation" and f"{ME}.level" in err["message"] and "range" in err["message"]
    err = await api.error("update_license_properties", {"properties": {ME: {"color": "green"}}})
    assert err["type"] == "validation" and f"{ME}.color" in err["message"] and "domain" in err["message"]
    await api.call("update_license_properties", {"properties": {ME: {"level": 3, "color": "blue"}}})
    assert (await api.call("list_license_properties", {"namespace": ME})) == {ME: {"level": 3, "color": "blue"}}


@pytest.mark.conformance("semantics", "update_license_properties")
async def test_a_rejected_update_changes_nothing(api):
    await api.error("update_license_properties", {"properties": {"test": {"string_property": "ok", "int_property": "bad"}}})
    assert not await api.call("list_license_properties", {"namespace": "test"})


@pytest.mark.conformance("semantics", "update_license_properties")
async def test_update_keeps_values_not_given(api):
    await api.call("update_license_properties", {"properties": {"test": {"string_property": "a", "int_property": 1}}})
    await api.call("update_license_properties", {"properties": {"test": {"int_property": 2}}})
    assert await api.call("list_license_properties", {"namespace": "test"}) == {"test": {"string_property": "a", "int_property": 2}}


async def test_location_must_be_allowed(api):
    await api.call("register_property", {"name": "chat_only", "type": "string", "access": {"chat": {"agent": ["read", "write"]}}})
    err = await api.error("update_license_properties", {"properties": {ME: {"chat_only": "x"}}})
    assert err["type"] == "validation" and "license" in err["message"]
    err = await api.error("update_group_properties", {"group_id": 0, "properties": {ME: {"chat_only": "x"}}})
    assert err["type"] == "validation" and "group" in err["message"]


async def test_unknown_property_is_not_found(api):
    err = await api.error("update_license_properties", {"properties": {"test": {"nope": 1}}})
    assert err["type"] == "not_found" and "test.nope" in err["message"]


@pytest.mark.conformance("semantics", "list_license_properties", "delete_license_properties")
async def test_defaults_are_listed_until_a_value_is_set_and_after_it_is_deleted(api):
    await api.call("register_property", {"name": "greeting", "type": "string", "access": _license_access(), "default_value": "hi"})
    assert (await api.call("list_license_properties", {"namespace": ME})) == {ME: {"greeting": "hi"}}
    await api.call("update_license_properties", {"properties": {ME: {"greeting": "hello"}}})
    assert (await api.call("list_license_properties", {"namespace": ME})) == {ME: {"greeting": "hello"}}
    await api.call("delete_license_properties", {"properties": {ME: ["greeting"]}})
    assert (await api.call("list_license_properties", {"namespace": ME})) == {ME: {"greeting": "hi"}}


@pytest.mark.conformance("semantics", "list_license_properties")
async def test_list_license_properties_filters_by_namespace_and_prefix(api):
    await api.call("update_license_properties", {"properties": {"test": {"string_property": "s", "int_property": 1}}})
    assert await api.call("list_license_properties", {"name_prefix": "str"}) == {
        "test": {"string_property": "s"},
        "0805e283233042b37f460ed8fbf22160": {"string_property": "string value"},
    }
    assert await api.call("list_license_properties", {"namespace": "test", "name_prefix": "int"}) == {"test": {"int_property": 1}}


@pytest.mark.conformance("semantics", "delete_license_properties")
async def test_delete_license_properties(api):
    await api.call("update_license_properties", {"properties": {"test": {"string_property": "s", "int_property": 1}}})
    assert await api.call("delete_license_properties", {"properties": {"test": ["string_property"]}}) is None
    assert await api.call("list_license_properties", {"namespace": "test"}) == {"test": {"int_property": 1}}
    assert (await api.error("delete_license_properties", {"properties": {"test": ["nope"]}}))["type"] == "not_found"


# --- access by namespace --------------------------------------------------------------------------


@pytest.mark.conformance("semantics", "publish_property", "list_license_properties")
async def test_private_properties_of_other_clients_are_invisible(api):
    await api.call("register_property", {"name": "secret", "type": "string", "owner_client_id": OTHER,
                                         "access": _license_access(), "default_value": "d"})
    err = await api.error("update_license_properties", {"properties": {OTHER: {"secret": "x"}}})
    assert err["type"] == "not_found"
    assert OTHER not in await api.call("list_license_properties")
    # Published read-only: visible, still not writable by others.
    await api.call("publish_property", {"name": "secret", "owner_client_id": OTHER, "access_type": ["read"]})
    assert (await api.call("list_license_properties", {"namespace": OTHER})) == {OTHER: {"secret": "d"}}
    err = await api.error("update_license_properties", {"properties": {OTHER: {"secret": "x"}}})
    assert err["type"] == "authorization"
    # The owner's own token can write it.
    owner = _credential(api, "owner", {"properties.license.value--my:rw"}, client_id=OTHER)
    await api.call("update_license_properties", {"properties": {OTHER: {"secret": "x"}}}, token=owner)


async def test_my_scope_reaches_only_the_own_namespace(api):
    await api.call("register_property", {"name": "mine", "type": "bool", "access": _license_access()})
    token = _credential(api, "my", {"properties.license.value--my:rw", "properties.license.value--my:ro"})
    await api.call("update_license_properties", {"properties": {ME: {"mine": True}}}, token=token)
    err = await api.error("update_license_properties", {"properties": {"test": {"bool_property": True}}}, token=token)
    assert err["type"] == "authorization" and "properties.license.value--all:rw" in err["message"]
    await api.call("update_license_properties", {"properties": {"test": {"bool_property": True}}})
    assert await api.call("list_license_properties", token=token) == {ME: {"mine": True}}
    assert "test" in await api.call("list_license_properties")


async def test_missing_both_scopes_is_refused(api):
    token = _credential(api, "none", {"properties.configuration:rw"})
    err = await api.error("update_license_properties", {"properties": {"test": {"bool_property": True}}}, token=token)
    assert err["type"] == "authorization"


# --- group values -----------------------------------------------------------------------------------


@pytest.mark.conformance("semantics", "update_group_properties", "list_groups_properties", "delete_group_properties")
async def test_group_values_round_trip(api):
    await api.call("update_group_properties", {"group_id": 2, "properties": {"test": {"int_property": 5}}})
    await api.call("update_group_properties", {"group_id": 2, "properties": {"test": {"string_property": "x"}}})
    [group2] = await api.call("list_groups_properties", {"group_ids": [2], "namespace": "test"})
    assert group2 == {"id": 2, "properties": {"test": {"int_property": 5, "string_property": "x"}}}
    await api.call("delete_group_properties", {"id": 2, "properties": {"test": ["int_property"]}})
    [group2] = await api.call("list_groups_properties", {"group_ids": [2], "namespace": "test"})
    assert group2["properties"] == {"test": {"string_property": "x"}}


@pytest.mark.conformance("semantics", "update_group_properties")
async def test_group_values_are_checked(api):
    err = await api.error("update_group_properties", {"group_id": 1, "properties": {"test": {"bool_property": "yes"}}})
    assert err["type"] == "validation" and "test.bool_property" in err["message"]


@pytest.mark.conformance("semantics", "list_groups_properties")
async def test_empty_group_ids_lists_all_groups(api):
    listed = await api.call("list_groups_properties", {"group_ids": []})
    assert [g["id"] for g in listed] == sorted(api.sandbox.state.groups)
    by_id = {g["id"]: g["properties"] for g in listed}
    assert by_id[1] == {"0805e283233042b37f460ed8fbf22160": {"string_property": "group property value for group 1"}}


async def test_unknown_group_is_group_not_found(api):
    assert (await api.error("update_group_properties", {"group_id": 42, "properties": {"test": {"int_property": 1}}}))["type"] == "group_not_found"
    assert (await api.error("list_groups_properties", {"group_ids": [0, 42]}))["type"] == "group_not_found"
    assert (await api.error("delete_group_properties", {"id": 42, "properties": {"test": ["int_property"]}}))["type"] == "group_not_found"


async def test_bad_requests_are_validation_errors(api):
    assert (await api.error("register_property", {"name": "p", "type": "float", "access": _license_access()}))["type"] == "validation"
    assert (await api.error("register_property", {"name": "p", "type": "string", "access": {}}))["type"] == "validation"
    assert (await api.error("publish_property", {"name": "string_property", "access_type": ["admin"]}))["type"] == "validation"
    assert (await api.error("list_groups_properties", {}))["type"] == "validation"
    assert (await api.error("update_license_properties", {"properties": {}}))["type"] == "validation"
