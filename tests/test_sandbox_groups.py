"""Sandbox groups: the documented rules, membership as the single source of truth, scopes."""

import pytest

from server.sandbox import SandboxCredential

pytestmark = pytest.mark.anyio

BOT = "5c9871d5372c824cbf22d860a707a578"


def _as_agent(api, agent_id: str, scopes: set[str]) -> str:
    """A credential standing for a seeded agent with only ``scopes``; returns its token."""
    token = f"dal:token-{agent_id}-{'-'.join(sorted(scopes))}"
    account = api.sandbox.state.agents[agent_id]["account_id"]
    api.sandbox.credentials.append(SandboxCredential(agent_id, token, scopes=frozenset(scopes), account_id=account))
    return token


@pytest.mark.conformance("semantics", "list_groups")
async def test_list_groups_default_fields_and_seed(api):
    groups = await api.call("list_groups")
    assert [g["id"] for g in groups] == [0, 1, 2, 5, 19]
    # As the reference's list_groups example answers `{}`: routing_status included (docs/conformance.md R3).
    assert groups[0] == {"id": 0, "name": "General", "language_code": "en", "routing_status": "offline"}
    assert 42 not in [g["id"] for g in groups]


@pytest.mark.conformance("semantics", "list_groups")
async def test_list_groups_with_fields(api):
    groups = await api.call("list_groups", {"fields": ["agent_priorities", "routing_status"]})
    general = groups[0]
    assert general["routing_status"] == "offline"
    assert general["agent_priorities"][BOT] == "first"
    assert {"owner@example.com", "jane@example.com", "suspended@example.com"} <= set(general["agent_priorities"])
    assert groups[1]["agent_priorities"] == {
        "jane@example.com": "normal", "john@example.com": "normal", "viceowner@example.com": "supervisor",
    }


@pytest.mark.conformance("semantics", "get_group")
async def test_get_group_fields_are_opt_in(api):
    plain = await api.call("get_group", {"id": 2})
    assert plain == {"id": 2, "name": "Support", "language_code": "en"}
    only_members = await api.call("get_group", {"id": 2, "fields": ["agent_priorities"]})
    assert only_members["agent_priorities"] == {"jane@example.com": "normal", "john@example.com": "last"}
    assert "routing_status" not in only_members


async def test_get_group_unknown_is_group_not_found(api):
    assert (await api.error("get_group", {"id": 42}))["type"] == "group_not_found"


async def test_get_group_unknown_field_refused(api):
    err = await api.error("get_group", {"id": 0, "fields": ["members"]})
    assert err["type"] == "validation"
    assert "fields" in err["message"]


@pytest.mark.conformance("semantics", "create_group")
async def test_create_group_returns_new_id_and_stores_members(api):
    created = await api.call(
        "create_group",
        {"name": "Sports shoes", "language_code": "pl", "agent_priorities": {"john@example.com": "first", BOT: "normal"}},
    )
    assert set(created) == {"id"}
    gid = created["id"]
    assert gid not in (0, 1, 2, 5, 19)
    got = await api.call("get_group", {"id": gid, "fields": ["agent_priorities"]})
    assert got == {
        "id": gid, "name": "Sports shoes", "language_code": "pl",
        "agent_priorities": {"john@example.com": "first", BOT: "normal"},
    }
    second = await api.call("create_group", {"name": "Boots", "agent_priorities": {}})
    assert second["id"] != gid


async def test_create_group_unknown_member_not_found(api):
    err = await api.error("create_group", {"name": "X", "agent_priorities": {"nobody@example.com": "normal"}})
    assert err["type"] == "not_found"
    assert "nobody@example.com" in err["message"]
    assert len(api.sandbox.state.groups) == 5


async def test_create_group_validation(api):
    assert (await api.error("create_group", {"name": "x" * 181, "agent_priorities": {}}))["type"] == "validation"
    assert (await api.error("create_group", {"name": "ok"}))["type"] == "validation"  # agent_priorities required
    err = await api.error("create_group", {"name": "ok", "agent_priorities": {"jane@example.com": "boss"}})
    assert err["type"] == "validation"
    await api.call("create_group", {"name": "x" * 180, "agent_priorities": {}})


async def test_create_group_limit_reached(api):
    api.sandbox.state.extra["groups_limit"] = 5
    err = await api.error("create_group", {"name": "Sixth", "agent_priorities": {}})
    assert err["type"] == "limit_reached"


@pytest.mark.conformance("semantics", "update_group")
async def test_update_group_is_partial(api):
    await api.call("update_group", {"id": 1, "name": "Sales EMEA"})
    got = await api.call("get_group", {"id": 1, "fields": ["agent_priorities"]})
    assert got["name"] == "Sales EMEA"
    assert got["language_code"] == "en"
    assert got["agent_priorities"]["viceowner@example.com"] == "supervisor"
    await api.call("update_group", {"id": 1, "language_code": "de"})
    got = await api.call("get_group", {"id": 1})
    assert (got["name"], got["language_code"]) == ("Sales EMEA", "de")


@pytest.mark.conformance("semantics", "update_group")
async def test_update_group_agent_priorities_replace_membership(api):
    await api.call("update_group", {"id": 1, "agent_priorities": {"john@example.com": "first", "owner@example.com": "last"}})
    got = await api.call("get_group", {"id": 1, "fields": ["agent_priorities"]})
    assert got["agent_priorities"] == {"john@example.com": "first", "owner@example.com": "last"}
    assert got["name"] == "Sales"
    # Jane was left out of the map, so she is no longer a member.
    assert "jane@example.com" not in api.sandbox.state.groups[1]["agent_priorities"]


async def test_update_group_membership_shows_in_get_agent(api):
    await api.call("update_group", {"id": 5, "agent_priorities": {"john@example.com": "supervisor"}})
    agent = await api.call("get_agent", {"id": "john@example.com", "fields": ["groups"]})
    assert {"id": 5, "priority": "supervisor"} in agent["groups"]
    owner = await api.call("get_agent", {"id": "owner@example.com", "fields": ["groups"]})
    assert 5 not in [g["id"] for g in owner["groups"]]


async def test_update_group_errors(api):
    assert (await api.error("update_group", {"id": 42, "name": "x"}))["type"] == "group_not_found"
    err = await api.error("update_group", {"id": 1, "agent_priorities": {"ghost@example.com": "normal"}})
    assert err["type"] == "not_found"
    assert (await api.error("update_group", {"id": 1, "name": ""}))["type"] == "validation"
    assert (await api.error("update_group", {"id": 1, "members": {}}))["type"] == "validation"
    # A failed update changes nothing.
    assert api.sandbox.state.groups[1]["name"] == "Sales"
    assert "jane@example.com" in api.sandbox.state.groups[1]["agent_priorities"]


@pytest.mark.conformance("semantics", "delete_group")
async def test_delete_group(api):
    await api.call("delete_group", {"id": 19})
    assert (await api.error("get_group", {"id": 19}))["type"] == "group_not_found"
    assert (await api.error("delete_group", {"id": 19}))["type"] == "group_not_found"
    assert 19 not in [g["id"] for g in await api.call("list_groups")]


@pytest.mark.conformance("errors", "delete_group")
async def test_delete_default_group_refused(api):
    err = await api.error("delete_group", {"id": 0})
    assert err["type"] == "validation"
    assert 0 in api.sandbox.state.groups


async def test_groups_my_scope_reaches_only_own_groups(api):
    token = _as_agent(api, "john@example.com", {"groups--my:rw", "groups--my:ro"})  # john: groups 0, 1, 2
    assert (await api.call("get_group", {"id": 1}, token=token))["name"] == "Sales"
    await api.call("update_group", {"id": 2, "name": "Support 2"}, token=token)
    err = await api.error("get_group", {"id": 5}, token=token)
    assert err["type"] == "authorization"
    err = await api.error("update_group", {"id": 19, "name": "Mine now"}, token=token)
    assert err["type"] == "authorization"
    assert (await api.error("delete_group", {"id": 5}, token=token))["type"] == "authorization"
    # list_groups and create_group need the :all scopes.
    assert (await api.error("list_groups", {}, token=token))["type"] == "authorization"
    assert (await api.error("create_group", {"name": "n", "agent_priorities": {}}, token=token))["type"] == "authorization"
    assert api.sandbox.state.groups[19]["name"] == "Billing"


async def test_groups_all_scope_reaches_every_group(api):
    token = _as_agent(api, "john@example.com", {"groups--all:rw", "groups--all:ro"})
    await api.call("update_group", {"id": 19, "name": "Invoices"}, token=token)
    assert (await api.call("get_group", {"id": 19}, token=token))["name"] == "Invoices"


# --- tags--groups:* scopes rely on group membership (server/sandbox/tags.py) ----------------


@pytest.mark.conformance("scopes", "create_tag", "update_tag", "delete_tag", "list_tags")
async def test_tags_groups_scope_restricted_to_own_groups(api):
    token = _as_agent(api, "john@example.com", {"tags--groups:rw", "tags--groups:ro"})  # john: 0, 1, 2
    await api.call("create_tag", {"name": "lead", "group_ids": [1]}, token=token)
    err = await api.error("create_tag", {"name": "vip-only", "group_ids": [5]}, token=token)
    assert err["type"] == "authorization"
    assert "vip-only" not in api.sandbox.state.tags
    assert (await api.error("update_tag", {"name": "lead", "group_ids": [1, 19]}, token=token))["type"] == "authorization"
    await api.call("create_tag", {"name": "vip", "group_ids": [5]})  # with the all-scopes token
    assert (await api.error("delete_tag", {"name": "vip"}, token=token))["type"] == "authorization"
    names = {t["name"] for t in await api.call("list_tags", {}, token=token)}
    assert "lead" in names and "vip" not in names
    assert "vip" in {t["name"] for t in await api.call("list_tags", {})}
    # A tag in no group is in none of John's groups (he could not list it): tags--all:rw (note S3).
    assert (await api.error("create_tag", {"name": "nowhere"}, token=token))["type"] == "authorization"
    assert (await api.error("update_tag", {"name": "lead", "group_ids": []}, token=token))["type"] == "authorization"
    assert "nowhere" not in api.sandbox.state.tags and api.sandbox.state.tags["lead"]["group_ids"] == [1]
    await api.call("create_tag", {"name": "everywhere"})  # in no group, with the all-scopes token
    assert (await api.error("delete_tag", {"name": "everywhere"}, token=token))["type"] == "authorization"
