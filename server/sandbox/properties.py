"""Sandbox properties: definitions per owner Client Id, values per namespace on the license and groups.

State: ``state.properties[client_id][name]`` holds a definition shaped like list_properties'
response plus private ``_namespace`` / ``_published`` keys (the shared ``test`` namespace sits
under the key ``"test"``, owned by no client). Values: ``state.license_properties[ns][name]`` and
``state.group_properties[gid][ns][name]``.

Access: a namespace equal to the requester's client id needs the ``--my`` (or ``--all``) scope;
another namespace needs ``--all`` and a published property whose public access allows it.
Private properties of other clients are invisible. Every value is checked against the
property's type, domain, range and locations.
"""

from __future__ import annotations

import copy
from typing import Any

from ..tools import properties as p
from .core import DEFAULT_CLIENT_ID, Ctx, SandboxError, SandboxState
from .owners import owner_client
from .reach import own_namespace, reach

EXAMPLE_CLIENT_ID = "0805e283233042b37f460ed8fbf22160"  # the reference examples' client id
TEST_NAMESPACE = "test"
_RW = ["read", "write"]
_EVERYWHERE = {loc: {"agent": list(_RW), "customer": list(_RW)} for loc in ("chat", "thread", "event", "license", "group")}


def seed(state: SandboxState) -> None:
    # The documented test properties: "rw for everyone everywhere". The namespace is shared, not
    # any client's: no client lists, re-registers or unregisters them as its own.
    state.properties[TEST_NAMESPACE] = {
        name: {
            "type": type_,
            "description": f"Test {type_} property.",
            "access": copy.deepcopy(_EVERYWHERE),
            "public_access": list(_RW),
            "_namespace": TEST_NAMESPACE,
            "_published": True,
        }
        for name, type_ in (
            ("bool_property", "bool"),
            ("int_property", "int"),
            ("string_property", "string"),
            ("tokenized_string_property", "tokenized_string"),
        )
    }
    # The sandbox app's own (private) property, so its namespace is not empty.
    state.properties[DEFAULT_CLIENT_ID] = {
        "customer_tier": {
            "type": "string",
            "description": "Customer tier shown to agents.",
            "access": {"chat": {"agent": ["read"], "customer": ["read", "write"]}},
            "_namespace": DEFAULT_CLIENT_ID,
            "_published": False,
        }
    }
    # The examples' property: published read+write so the value examples run from the sandbox's
    # own (different) client id; register/unregister examples then get already_exists/validation.
    state.properties[EXAMPLE_CLIENT_ID] = {
        "string_property": {
            "type": "string",
            "description": "",
            "access": {
                "license": {"agent": list(_RW), "customer": ["read"]},
                "group": {"agent": list(_RW), "customer": ["read"]},
                "chat": {"agent": ["write"], "customer": list(_RW)},
                "thread": {"agent": list(_RW), "customer": ["read"]},
            },
            "public_access": list(_RW),
            "_namespace": EXAMPLE_CLIENT_ID,
            "_published": True,
        }
    }
    state.license_properties[EXAMPLE_CLIENT_ID] = {"string_property": "string value"}
    for gid in (0, 1):
        state.group_properties[gid] = {
            EXAMPLE_CLIENT_ID: {"string_property": f"group property value for group {gid}"}
        }


# --- helpers -------------------------------------------------------------------------------


def _owner(ctx: Ctx, owner_client_id: str | None) -> str:
    return owner_client(ctx, owner_client_id)


def _public(definition: dict[str, Any]) -> dict[str, Any]:
    return {k: copy.deepcopy(v) for k, v in definition.items() if not k.startswith("_")}


def _find(ctx: Ctx, namespace: str, name: str) -> dict[str, Any] | None:
    for props in ctx.state.properties.values():
        definition = props.get(name)
        if definition is not None and definition["_namespace"] == namespace:
            return definition
    return None


def _visible(ctx: Ctx, namespace: str, definition: dict[str, Any], wide: bool, need: str) -> bool:
    """Whether the requester may ``need`` (read/write) the property in ``namespace``."""
    if own_namespace(ctx, namespace):
        return True
    return wide and definition["_published"] and need in definition.get("public_access", [])


def _check_access(ctx: Ctx, namespace: str, name: str, location: str, scope_prefix: str) -> dict[str, Any]:
    """The definition of ``namespace.name`` if the requester may write it in ``location``: its own
    namespace with the --my (or --all) scope, another's published, publicly writable one with --all
    (server/sandbox/reach.py: a PAT has no client id, so no namespace is its own)."""
    definition = _find(ctx, namespace, name)
    own = own_namespace(ctx, namespace)
    if definition is None or not (own or definition["_published"]):
        raise SandboxError("not_found", f"Property {namespace}.{name} not found")
    reach(ctx, own=own, my=f"{scope_prefix}--my:rw", all=f"{scope_prefix}--all:rw", what=f"namespace {namespace}")
    if not own and "write" not in definition.get("public_access", []):
        raise SandboxError("authorization", f"Property {namespace}.{name} is not publicly writable")
    if location not in definition["access"]:
        raise SandboxError("validation", f"Property {namespace}.{name} cannot be set in the {location} location")
    return definition


def _check_value(namespace: str, name: str, definition: dict[str, Any], value: Any) -> None:
    type_ = definition["type"]
    if not p.value_matches_type(type_, value):
        raise SandboxError("validation", f"Property {namespace}.{name}: value {value!r} is not of type {type_}")
    domain = definition.get("domain")
    if domain is not None and value not in domain:
        raise SandboxError("validation", f"Property {namespace}.{name}: value {value!r} is not in its domain {domain}")
    rng = definition.get("range")
    if rng is not None and not p.in_range(value, rng.get("from"), rng.get("to")):
        raise SandboxError("validation", f"Property {namespace}.{name}: value {value!r} is out of its range {rng}")


def _set_values(ctx: Ctx, target: dict[str, dict[str, Any]], values: dict[str, dict[str, Any]], location: str, prefix: str) -> None:
    # Check everything first: a rejected request changes nothing.
    for namespace, props in values.items():
        for name, value in props.items():
            _check_value(namespace, name, _check_access(ctx, namespace, name, location, prefix), value)
    for namespace, props in values.items():
        target.setdefault(namespace, {}).update(props)


def _delete_values(ctx: Ctx, target: dict[str, dict[str, Any]], names: dict[str, list[str]], location: str, prefix: str) -> None:
    for namespace, props in names.items():
        for name in props:
            _check_access(ctx, namespace, name, location, prefix)
    for namespace, props in names.items():
        stored = target.get(namespace, {})
        for name in props:
            stored.pop(name, None)
        if namespace in target and not stored:
            del target[namespace]


def _listing(ctx: Ctx, values: dict[str, dict[str, Any]], location: str, namespace: str | None,
             prefix: str | None, wide: bool) -> dict[str, dict[str, Any]]:
    """Values by namespace, with defaults for unset properties, filtered and access-checked."""
    out: dict[str, dict[str, Any]] = {}
    for props in ctx.state.properties.values():
        for name, definition in props.items():
            ns = definition["_namespace"]
            if location not in definition["access"] or "default_value" not in definition:
                continue
            out.setdefault(ns, {})[name] = definition["default_value"]
    for ns, props in values.items():
        out.setdefault(ns, {}).update(copy.deepcopy(props))
    result: dict[str, dict[str, Any]] = {}
    for ns, props in out.items():
        if namespace is not None and ns != namespace:
            continue
        for name, value in props.items():
            if prefix and not name.startswith(prefix):
                continue
            found = _find(ctx, ns, name)
            if found is None or not _visible(ctx, ns, found, wide, "read"):
                continue
            result.setdefault(ns, {})[name] = value
    return result


def _group(ctx: Ctx, gid: int) -> None:
    if gid not in ctx.state.groups:
        raise SandboxError("group_not_found", f"Group {gid} not found")


# --- definitions ---------------------------------------------------------------------------


def register_property(ctx: Ctx, req: p.RegisterProperty) -> None:
    owner = _owner(ctx, req.owner_client_id)
    props = ctx.state.properties.setdefault(owner, {})
    if req.name in props:
        raise SandboxError("already_exists", f"Property {req.name} already exists for client {owner}")
    # Footnote 2, which the reference's own example breaks (the model lets that through).
    if req.default_value is not None and not {"license", "group"} & set(req.access.locations()):
        raise SandboxError("validation", "`default_value`: allowed only when access has a license or group location")
    definition: dict[str, Any] = {
        "type": req.type,
        "description": req.description or "",
        "access": req.access.model_dump(mode="json", exclude_none=True),
    }
    if req.domain is not None:
        definition["domain"] = list(req.domain)
    if req.range is not None:
        definition["range"] = req.range.model_dump(mode="json", by_alias=True, exclude_none=True)
    if req.default_value is not None:
        definition["default_value"] = req.default_value
    definition.update({"_namespace": owner, "_published": False})
    props[req.name] = definition


def _definition(ctx: Ctx, owner: str, name: str) -> dict[str, Any]:
    definition = ctx.state.properties.get(owner, {}).get(name)
    if definition is None:
        raise SandboxError("not_found", f"Property {name} of client {owner} not found")
    return definition


def unregister_property(ctx: Ctx, req: p.UnregisterProperty) -> None:
    owner = _owner(ctx, req.owner_client_id)
    definition = _definition(ctx, owner, req.name)
    if definition["_published"]:
        raise SandboxError("validation", f"Property {req.name} is published: published properties cannot be unregistered")
    namespace = definition["_namespace"]
    del ctx.state.properties[owner][req.name]
    # Its values go with it: our rule (docs/conformance.md M10), the reference is silent.
    for values in (ctx.state.license_properties, *ctx.state.group_properties.values()):
        values.get(namespace, {}).pop(req.name, None)


def publish_property(ctx: Ctx, req: p.PublishProperty) -> None:
    definition = _definition(ctx, _owner(ctx, req.owner_client_id), req.name)
    definition["public_access"] = sorted(set(req.access_type), key=["read", "write"].index)
    definition["_published"] = True


def list_properties(ctx: Ctx, req: p.ListProperties) -> dict[str, Any]:
    """Definitions in the example's shape. The example shows a published property; an unpublished
    one answers ``public_access: []`` (no other client may read or write it): our rule, so every
    definition has the example's fields (docs/conformance.md)."""
    owner = _owner(ctx, req.owner_client_id)
    return {name: {**_public(d), "public_access": list(d.get("public_access", []))}
            for name, d in ctx.state.properties.get(owner, {}).items()}


# --- values ----------------------------------------------------------------------------------


# Both update methods say "No response payload" but show a `{}` response: `{}` is returned.
def update_license_properties(ctx: Ctx, req: p.UpdateLicenseProperties) -> dict[str, Any]:
    _set_values(ctx, ctx.state.license_properties, req.properties, "license", "properties.license.value")
    return {}


def list_license_properties(ctx: Ctx, req: p.ListLicenseProperties) -> dict[str, Any]:
    wide = ctx.requester.has("properties.license.value--all:ro")
    return _listing(ctx, ctx.state.license_properties, "license", req.namespace, req.name_prefix, wide)


def delete_license_properties(ctx: Ctx, req: p.DeleteLicenseProperties) -> None:
    _delete_values(ctx, ctx.state.license_properties, req.properties, "license", "properties.license.value")


def update_group_properties(ctx: Ctx, req: p.UpdateGroupProperties) -> dict[str, Any]:
    _group(ctx, req.group_id)
    target = ctx.state.group_properties.setdefault(req.group_id, {})
    _set_values(ctx, target, req.properties, "group", "properties.group.value")
    return {}


def list_groups_properties(ctx: Ctx, req: p.ListGroupsProperties) -> list[dict[str, Any]]:
    for gid in req.group_ids:
        _group(ctx, gid)
    ids = list(dict.fromkeys(req.group_ids)) or sorted(ctx.state.groups)
    return [
        {
            "id": gid,
            "properties": _listing(ctx, ctx.state.group_properties.get(gid, {}), "group",
                                   req.namespace, req.name_prefix, wide=True),
        }
        for gid in ids
    ]


def delete_group_properties(ctx: Ctx, req: p.DeleteGroupProperties) -> None:
    _group(ctx, req.id)
    target = ctx.state.group_properties.setdefault(req.id, {})
    _delete_values(ctx, target, req.properties, "group", "properties.group.value")


HANDLERS = {
    "register_property": register_property,
    "unregister_property": unregister_property,
    "publish_property": publish_property,
    "list_properties": list_properties,
    "update_license_properties": update_license_properties,
    "list_license_properties": list_license_properties,
    "delete_license_properties": delete_license_properties,
    "update_group_properties": update_group_properties,
    "list_groups_properties": list_groups_properties,
    "delete_group_properties": delete_group_properties,
}
