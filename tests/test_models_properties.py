"""Property models: what a caller notices before anything is sent."""

import pytest

from conftest import validation_message
from server.tools import catalog, properties as p
from server.tools.catalog import to_payload
from server.tools.schema import documented_schema, input_schema

ACCESS = {"license": {"agent": ["read", "write"]}}


_error = validation_message


def test_register_minimal_and_full():
    req = p.RegisterProperty.model_validate({"name": "n", "type": "int", "access": ACCESS})
    assert req.owner_client_id is None
    full = p.RegisterProperty.model_validate({
        "name": "n", "owner_client_id": "c", "type": "int", "access": {**ACCESS, "chat": {"customer": ["read"]}},
        "description": "d", "domain": [1, 2, 3], "range": {"from": 1, "to": 3}, "default_value": 2,
    })
    assert to_payload(full)["range"] == {"from": 1, "to": 3}


def test_register_rejects_unknown_type():
    assert "`type`" in _error(p.RegisterProperty, {"name": "n", "type": "float", "access": ACCESS})


def test_register_requires_access_and_name():
    msg = _error(p.RegisterProperty, {"type": "int"})
    assert "`name`: required field is missing" in msg and "`access`: required field is missing" in msg


def test_register_rejects_unknown_location_user_and_permission():
    assert "access.everywhere" in _error(p.RegisterProperty, {"name": "n", "type": "int", "access": {"everywhere": {"agent": ["read"]}}})
    assert "access.chat.bot" in _error(p.RegisterProperty, {"name": "n", "type": "int", "access": {"chat": {"bot": ["read"]}}})
    assert "access.chat.agent[0]" in _error(p.RegisterProperty, {"name": "n", "type": "int", "access": {"chat": {"agent": ["delete"]}}})


def test_register_needs_a_location_and_a_user():
    assert "at least one location" in _error(p.RegisterProperty, {"name": "n", "type": "int", "access": {}})
    assert "at least one user" in _error(p.RegisterProperty, {"name": "n", "type": "int", "access": {"chat": {}}})


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        ({"type": "int", "domain": [1, "two"]}, "domain value 'two'"),
        ({"type": "bool", "domain": [1]}, "domain value 1"),
        ({"type": "string", "range": {"from": 1, "to": 2}}, "range works only"),
        ({"type": "int", "range": {"from": 3, "to": 1}}, "range.from"),
        ({"type": "int", "default_value": "x"}, "default_value is not of the property type"),
        ({"type": "int", "domain": [1, 2], "default_value": 3}, "not in the domain"),
        ({"type": "int", "range": {"from": 1, "to": 2}, "default_value": 3}, "out of the range"),
    ],
)
def test_register_checks_domain_range_and_default(extra, words):
    assert words in _error(p.RegisterProperty, {"name": "n", "access": ACCESS, **extra})


def test_register_rejects_unknown_field():
    assert "`namespace`: unknown field" in _error(p.RegisterProperty, {"name": "n", "type": "int", "access": ACCESS, "namespace": "x"})


def test_publish_access_type_enum_and_required():
    assert "access_type[0]" in _error(p.PublishProperty, {"name": "n", "access_type": ["admin"]})
    assert "`access_type`: required field is missing" in _error(p.PublishProperty, {"name": "n"})
    assert "access_type" in _error(p.PublishProperty, {"name": "n", "access_type": []})


def test_values_keep_their_json_type():
    req = p.UpdateLicenseProperties.model_validate({"properties": {"ns": {"b": True, "i": 1, "s": "1"}}})
    assert req.properties == {"ns": {"b": True, "i": 1, "s": "1"}}
    assert type(req.properties["ns"]["b"]) is bool and type(req.properties["ns"]["i"]) is int


def test_values_reject_objects_and_empty_maps():
    assert "properties.ns.x" in _error(p.UpdateLicenseProperties, {"properties": {"ns": {"x": {"nested": 1}}}})
    assert "`properties`" in _error(p.UpdateLicenseProperties, {"properties": {}})
    assert "properties.ns" in _error(p.DeleteLicenseProperties, {"properties": {"ns": []}})


def test_group_ids_required_and_non_negative():
    assert "`group_ids`: required field is missing" in _error(p.ListGroupsProperties, {})
    assert "group_ids[0]" in _error(p.ListGroupsProperties, {"group_ids": [-1]})
    assert p.ListGroupsProperties.model_validate({"group_ids": []}).group_ids == []


def test_group_update_and_delete_require_the_group():
    assert "`group_id`: required field is missing" in _error(p.UpdateGroupProperties, {"properties": {"ns": {"a": 1}}})
    assert "`id`: required field is missing" in _error(p.DeleteGroupProperties, {"properties": {"ns": ["a"]}})


def test_catalogue_entries():
    cat = catalog()
    names = [a.name for a in p.ACTIONS]
    assert names == ["register_property", "unregister_property", "publish_property", "list_properties",
                     "update_license_properties", "list_license_properties", "delete_license_properties",
                     "update_group_properties", "list_groups_properties", "delete_group_properties"]
    assert cat["publish_property"].destructive and cat["unregister_property"].destructive
    assert cat["register_property"].write and not cat["register_property"].idempotent
    assert not cat["list_properties"].write
    assert cat["update_license_properties"].scopes == (("properties.license.value--my:rw",), ("properties.license.value--all:rw",))
    for act in p.ACTIONS:
        # As documented (the listed schema leaves out descriptions that only restate a name).
        schema = documented_schema(act.model)
        for name, prop in schema["properties"].items():
            assert prop.get("description") or "$ref" in prop, f"{act.name}.{name} has no description"


def test_range_schema_uses_the_documented_name():
    schema = input_schema(p.RegisterProperty)
    assert set(schema["properties"]["range"]["properties"]) == {"from", "to"}  # used once: inlined
