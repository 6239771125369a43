"""Sandbox agents: the documented rules of the nine agent methods and their batches."""

import httpx
import pytest

from conftest import SandboxAPI
from server.license_config.seed import seeder
from server.sandbox import Sandbox, SandboxCredential
from server.sandbox.app import DEFAULT_ACCOUNT_ID
from server.sandbox.core import DEFAULT_CLIENT_ID

pytestmark = pytest.mark.anyio

BASE = {"id", "account_id", "name", "avatar", "role", "login_status"}
NEW = {"id": "new@example.com", "name": "New Agent"}


def _credential(api, name, scopes, account_id=DEFAULT_ACCOUNT_ID):
    """Register a credential holding only ``scopes``; returns its token."""
    api.sandbox.credentials.append(
        SandboxCredential(name, f"token-{name}", scopes=frozenset(scopes), account_id=account_id)
    )
    return f"token-{name}"


def _needs_groups(api, *ids):
    if not api.sandbox.state.groups:
        pytest.skip("groups are not seeded yet")
    missing = [gid for gid in ids if gid not in api.sandbox.state.groups]
    assert not missing, f"groups {missing} should be seeded"


def _members(api, gid):
    return api.sandbox.state.groups[gid]["agent_priorities"]


# --- create_agent ------------------------------------------------------------------------


@pytest.mark.conformance("semantics", "create_agent")
async def test_create_returns_id_and_agent_awaits_approval(api):
    assert await api.call("create_agent", NEW) == {"id": "new@example.com"}
    agent = await api.call("get_agent", {"id": "new@example.com", "fields": ["awaiting_approval", "max_chats_count", "suspended"]})
    assert agent["awaiting_approval"] is True
    assert agent["role"] == "normal"
    assert agent["login_status"] == "not accepting chats"
    assert agent["max_chats_count"] == 6
    assert agent["suspended"] is False


@pytest.mark.conformance("semantics", "create_agent")
async def test_create_stores_given_fields(api):
    await api.call(
        "create_agent",
        {
            **NEW,
            "login_status": "accepting chats",
            "job_title": "Closer",
            "mobile": "+1 555",
            "max_chats_count": 20,
            "notifications": ["new_goal"],
            "email_subscriptions": ["daily_summary"],
            "work_scheduler": {"timezone": "UTC", "schedule": [{"day": "monday", "enabled": True, "start": "08:00", "end": "12:00"}]},
        },
    )
    fields = ["job_title", "mobile", "max_chats_count", "notifications", "email_subscriptions", "work_scheduler"]
    agent = await api.call("get_agent", {"id": "new@example.com", "fields": fields})
    assert agent["login_status"] == "accepting chats"
    assert agent["job_title"] == "Closer"
    assert agent["mobile"] == "+1 555"
    assert agent["max_chats_count"] == 20
    assert agent["notifications"] == ["new_goal"]
    assert agent["email_subscriptions"] == ["daily_summary"]
    assert agent["work_scheduler"]["schedule"][0] == {"day": "monday", "enabled": True, "start": "08:00", "end": "12:00"}


@pytest.mark.conformance("scopes", "create_agent")
async def test_create_not_awaiting_approval_needs_subscription_scope(api):
    await api.call("create_agent", {**NEW, "awaiting_approval": False})
    assert api.sandbox.state.agents["new@example.com"]["awaiting_approval"] is False

    token = _credential(api, "no-sub", {"accounts--all:rw", "accounts.roles.lc--all:rw"})
    err = await api.error("create_agent", {"id": "other@example.com", "name": "O", "awaiting_approval": False}, token=token)
    assert err["type"] == "authorization"
    assert "subscription.lc:rw" in err["message"]
    assert "other@example.com" not in api.sandbox.state.agents
    # Without the scope, the default (awaiting approval) still works.
    await api.call("create_agent", {"id": "other@example.com", "name": "O"}, token=token)
    assert api.sandbox.state.agents["other@example.com"]["awaiting_approval"] is True


@pytest.mark.conformance("scopes", "create_agent")
async def test_create_with_role_above_normal_needs_roles_scope(api):
    token = _credential(api, "no-roles", {"accounts--all:rw"})
    for role in ("administrator", "viceowner"):
        err = await api.error("create_agent", {**NEW, "role": role}, token=token)
        assert err["type"] == "authorization"
        assert "accounts.roles.lc--all:rw" in err["message"]
    await api.call("create_agent", {**NEW, "role": "normal"}, token=token)
    await api.call("create_agent", {"id": "admin@example.com", "name": "A", "role": "administrator"})
    assert api.sandbox.state.agents["admin@example.com"]["role"] == "administrator"


async def test_create_needs_an_accounts_scope(api):
    token = _credential(api, "agents-only", {"agents--all:rw"})
    assert (await api.error("create_agent", NEW, token=token))["type"] == "authorization"
    rc = _credential(api, "rc", {"accounts--all:rc"})
    assert await api.call("create_agent", NEW, token=rc) == {"id": NEW["id"]}


@pytest.mark.conformance("semantics", "create_agent")
async def test_create_duplicate_is_already_exists(api):
    err = await api.error("create_agent", {"id": "jane@example.com", "name": "Another Jane"})
    assert err["type"] == "already_exists"
    assert api.sandbox.state.agents["jane@example.com"]["name"] == "Jane Doe"


async def test_create_with_unknown_group_is_group_not_found(api):
    err = await api.error("create_agent", {**NEW, "groups": [{"id": 42, "priority": "normal"}]})
    assert err["type"] == "group_not_found"
    assert "new@example.com" not in api.sandbox.state.agents


@pytest.mark.conformance("semantics", "create_agent")
async def test_create_writes_group_memberships(api):
    _needs_groups(api, 0, 1, 2)
    await api.call("create_agent", {**NEW, "groups": [{"id": 1, "priority": "first"}, {"id": 2, "priority": "supervisor"}]})
    assert _members(api, 1)["new@example.com"] == "first"
    assert _members(api, 2)["new@example.com"] == "supervisor"
    assert "new@example.com" not in _members(api, 0)
    agent = await api.call("get_agent", {"id": "new@example.com", "fields": ["groups"]})
    assert agent["groups"] == [{"id": 1, "priority": "first"}, {"id": 2, "priority": "supervisor"}]


@pytest.mark.conformance("semantics", "create_agent")
async def test_create_without_groups_joins_general(api):
    _needs_groups(api, 0)
    await api.call("create_agent", NEW)
    assert _members(api, 0)["new@example.com"] == "normal"


@pytest.mark.parametrize(
    "body",
    [
        {**NEW, "role": "owner"},
        {**NEW, "max_chats_count": 21},
        {**NEW, "max_chats_count": -1},
        {**NEW, "avatar": "https://x/y.png"},
        {**NEW, "login_status": "online"},
        {**NEW, "notifications": ["new_chat"]},
        {**NEW, "email_subscriptions": ["monthly_summary"]},
        {**NEW, "groups": [{"id": 1, "priority": "primary"}]},
        {"id": "new@example.com"},
    ],
)
async def test_create_refuses_invalid_input(api, body):
    assert (await api.error("create_agent", body))["type"] == "validation"
    assert "new@example.com" not in api.sandbox.state.agents


@pytest.mark.conformance("semantics", "batch_create_agents")
async def test_batch_create_reports_per_item(api):
    result = await api.call("batch_create_agents", {"requests": [NEW, {"id": "jane@example.com", "name": "J"}]})
    first, dup = result["responses"]
    assert first == {"id": "new@example.com"}
    assert dup["error"]["type"] == "already_exists"
    assert "new@example.com" in api.sandbox.state.agents


@pytest.mark.conformance("semantics", "batch_create_agents")
async def test_batch_with_an_invalid_item(api):
    body = {"requests": [{"id": "a@example.com", "name": "A"}, {"id": "b@example.com", "name": "B", "max_chats_count": 99}]}
    if api.mode == "mcp":
        # The tool validates the whole batch first: nothing is sent.
        err = await api.error("batch_create_agents", body)
        assert err["type"] == "validation"
        assert "requests[1].max_chats_count" in err["message"]
        assert "a@example.com" not in api.sandbox.state.agents
        return
    # Upstream (the sandbox) answers per item.
    first, invalid = (await api.call("batch_create_agents", body))["responses"]
    assert first == {"id": "a@example.com"}
    assert invalid["error"]["type"] == "validation"
    assert "max_chats_count" in invalid["error"]["message"]


# --- get_agent / list_agents -------------------------------------------------------------


@pytest.mark.conformance("semantics", "get_agent")
async def test_get_agent_returns_base_fields_only_by_default(api):
    agent = await api.call("get_agent", {"id": "jane@example.com"})
    assert set(agent) == BASE
    assert agent["name"] == "Jane Doe"
    assert agent["role"] == "administrator"


@pytest.mark.conformance("semantics", "get_agent")
async def test_get_agent_honours_fields(api):
    agent = await api.call("get_agent", {"id": "suspended@example.com", "fields": ["suspended", "last_logout", "job_title"]})
    assert agent["suspended"] is True
    assert agent["last_logout"].endswith("Z")
    # Asked for, so answered although never set: only last_logout is documented as omitted.
    assert set(agent) == BASE | {"suspended", "last_logout", "job_title"} and agent["job_title"] == ""


@pytest.mark.conformance("semantics", "get_agent", "list_agents")
async def test_requested_fields_are_answered_when_unset(api):
    fields = ["work_scheduler", "groups", "email_subscriptions", "notifications", "job_title", "mobile",
              "max_chats_count", "suspended", "awaiting_approval", "last_logout"]
    await api.call("create_agent", {"id": "bare@example.com", "name": "Bare"})
    agent = await api.call("get_agent", {"id": "bare@example.com", "fields": fields})
    assert set(agent) == BASE | set(fields) - {"last_logout"}  # never logged out: the one documented omission
    assert (agent["job_title"], agent["mobile"], agent["notifications"]) == ("", "", [])
    listed = next(a for a in await api.call("list_agents", {"fields": fields}) if a["id"] == "bare@example.com")
    assert {"job_title", "mobile", "work_scheduler"} <= set(listed) and "last_logout" not in listed


@pytest.mark.conformance("semantics", "get_agent")
async def test_get_agent_omits_last_logout_when_never_logged_out(api):
    agent = await api.call("get_agent", {"id": "jane@example.com", "fields": ["last_logout", "awaiting_approval"]})
    assert "last_logout" not in agent
    assert agent["awaiting_approval"] is False


async def test_get_agent_unknown_is_not_found(api):
    assert (await api.error("get_agent", {"id": "nobody@example.com"}))["type"] == "not_found"


async def test_get_agent_refuses_unknown_field_value(api):
    err = await api.error("get_agent", {"id": "jane@example.com", "fields": ["avatar_path"]})
    assert err["type"] == "validation"
    assert "fields" in err["message"]


async def test_agents_my_ro_reads_only_own_agent(api):
    token = _credential(api, "my-ro", {"agents--my:ro"})  # the default account id is the owner's
    me = await api.call("get_agent", {"id": "owner@example.com"}, token=token)
    assert me["account_id"] == DEFAULT_ACCOUNT_ID
    err = await api.error("get_agent", {"id": "jane@example.com"}, token=token)
    assert err["type"] == "authorization"
    assert "agents--all:ro" in err["message"]


@pytest.mark.conformance("semantics", "list_agents")
async def test_list_agents_returns_everyone_with_base_fields(api):
    agents = await api.call("list_agents")
    ids = [a["id"] for a in agents]
    assert ids == [
        "owner@example.com",
        "viceowner@example.com",
        "jane@example.com",
        "john@example.com",
        "awaiting@example.com",
        "suspended@example.com",
    ]
    # list_agents answers in its response example's names: avatar_path, not get_agent's avatar.
    assert all(set(a) == BASE - {"avatar"} | {"avatar_path"} for a in agents)
    assert {a["role"] for a in agents} == {"owner", "viceowner", "administrator", "normal"}


@pytest.mark.conformance("semantics", "list_agents")
async def test_list_agents_filters_suspended(api):
    suspended = await api.call("list_agents", {"filters": {"suspended": True}})
    assert [a["id"] for a in suspended] == ["suspended@example.com"]
    active = await api.call("list_agents", {"filters": {"suspended": False}, "fields": ["suspended"]})
    assert active and all(a["suspended"] is False for a in active)
    assert "suspended@example.com" not in [a["id"] for a in active]


@pytest.mark.conformance("semantics", "list_agents")
async def test_list_agents_filters_by_group_membership(api):
    _needs_groups(api, 1, 2)
    expected = {aid for gid in (1, 2) for aid in _members(api, gid) if aid in api.sandbox.state.agents}
    agents = await api.call("list_agents", {"filters": {"group_ids": [1, 2]}, "fields": ["groups"]})
    assert {a["id"] for a in agents} == expected
    assert all({g["id"] for g in a["groups"]} & {1, 2} for a in agents)
    # The bot is a group member too, but it is not an agent.
    general = await api.call("list_agents", {"filters": {"group_ids": [0]}})
    assert all("@" in a["id"] for a in general)


@pytest.mark.conformance("semantics", "list_agents")
async def test_list_agents_group_filter_follows_membership_changes(api):
    _needs_groups(api, 0, 5)
    await api.call("create_agent", {**NEW, "groups": [{"id": 5, "priority": "normal"}]})
    vip = [a["id"] for a in await api.call("list_agents", {"filters": {"group_ids": [5]}})]
    assert "new@example.com" in vip
    await api.call("update_agent", {"id": "new@example.com", "groups": [{"id": 0, "priority": "normal"}]})
    vip = [a["id"] for a in await api.call("list_agents", {"filters": {"group_ids": [5]}})]
    assert "new@example.com" not in vip


async def test_list_agents_needs_all_scope(api):
    token = _credential(api, "my-ro-list", {"agents--my:ro"})
    assert (await api.error("list_agents", {}, token=token))["type"] == "authorization"


# --- update_agent ------------------------------------------------------------------------


@pytest.mark.conformance("semantics", "update_agent")
async def test_update_is_partial_and_returns_no_payload(api):
    before = dict(api.sandbox.state.agents["john@example.com"])
    assert await api.call("update_agent", {"id": "john@example.com", "max_chats_count": 3}) is None
    after = api.sandbox.state.agents["john@example.com"]
    assert after["max_chats_count"] == 3
    assert {k: v for k, v in after.items() if k != "max_chats_count"} == {
        k: v for k, v in before.items() if k != "max_chats_count"
    }


@pytest.mark.conformance("semantics", "update_agent")
async def test_update_accepts_both_work_scheduler_shapes(api):
    by_day = {"monday": {"start": "08:30", "end": "12:30"}}
    await api.call("update_agent", {"id": "john@example.com", "work_scheduler": by_day})
    got = await api.call("get_agent", {"id": "john@example.com", "fields": ["work_scheduler"]})
    # Read back in the documented shape, the agent's timezone kept (test_sandbox_fidelity.py).
    assert got["work_scheduler"] == {"timezone": "Europe/Warsaw",
                                     "schedule": [{"day": "monday", "enabled": True, "start": "08:30", "end": "12:30"}]}
    documented = {"timezone": "UTC", "schedule": [{"day": "friday", "enabled": False, "start": "10:00", "end": "11:00"}]}
    await api.call("update_agent", {"id": "john@example.com", "work_scheduler": documented})
    got = await api.call("get_agent", {"id": "john@example.com", "fields": ["work_scheduler"]})
    assert got["work_scheduler"] == documented


@pytest.mark.conformance("semantics", "update_agent")
async def test_update_groups_replaces_memberships(api):
    _needs_groups(api, 0, 1, 2)
    assert "john@example.com" in _members(api, 0)
    await api.call("update_agent", {"id": "john@example.com", "groups": [{"id": 2, "priority": "first"}]})
    assert _members(api, 2)["john@example.com"] == "first"
    assert "john@example.com" not in _members(api, 0)
    assert "john@example.com" not in _members(api, 1)
    got = await api.call("get_agent", {"id": "john@example.com", "fields": ["groups"]})
    assert got["groups"] == [{"id": 2, "priority": "first"}]


@pytest.mark.conformance("semantics", "update_agent")
async def test_update_unknown_group_changes_nothing(api):
    before = api.sandbox.state.snapshot()
    err = await api.error("update_agent", {"id": "john@example.com", "max_chats_count": 1, "groups": [{"id": 42, "priority": "normal"}]})
    assert err["type"] == "group_not_found"
    assert api.sandbox.state.snapshot() == before


async def test_update_unknown_agent_is_not_found(api):
    assert (await api.error("update_agent", {"id": "nobody@example.com", "job_title": "x"}))["type"] == "not_found"


@pytest.mark.parametrize(
    "extra",
    [{"name": "New Name"}, {"avatar": "https://x/y.png"}, {"max_chats_count": 21}, {"role": "owner"}, {"awaiting_approval": False}],
)
async def test_update_refuses_undocumented_or_invalid_fields(api, extra):
    err = await api.error("update_agent", {"id": "john@example.com", **extra})
    assert err["type"] == "validation"
    assert next(iter(extra)) in err["message"]


@pytest.mark.conformance("scopes", "update_agent")
async def test_update_role_needs_roles_scope(api):
    token = _credential(api, "no-roles-upd", {"agents--all:rw"})
    err = await api.error("update_agent", {"id": "john@example.com", "role": "administrator"}, token=token)
    assert err["type"] == "authorization"
    assert "accounts.roles.lc--all:rw" in err["message"]
    assert api.sandbox.state.agents["john@example.com"]["role"] == "normal"
    # Other fields, and restating the current role, need no extra scope.
    await api.call("update_agent", {"id": "john@example.com", "role": "normal", "job_title": "Hero"}, token=token)
    assert api.sandbox.state.agents["john@example.com"]["job_title"] == "Hero"


@pytest.mark.conformance("errors", "update_agent")
async def test_update_owner_role_is_refused(api):
    err = await api.error("update_agent", {"id": "owner@example.com", "role": "administrator"})
    assert err["type"] == "validation"
    assert api.sandbox.state.agents["owner@example.com"]["role"] == "owner"


async def test_agents_my_rw_updates_only_own_agent(api):
    token = _credential(api, "my-rw", {"agents--my:rw"})
    await api.call("update_agent", {"id": "owner@example.com", "job_title": "Boss"}, token=token)
    err = await api.error("update_agent", {"id": "jane@example.com", "job_title": "x"}, token=token)
    assert err["type"] == "authorization"
    assert "agents--all:rw" in err["message"]


@pytest.mark.conformance("semantics", "batch_update_agents")
async def test_batch_update_agents(api):
    result = await api.call(
        "batch_update_agents",
        {"requests": [{"id": "john@example.com", "max_chats_count": 0}, {"id": "nobody@example.com", "max_chats_count": 0}]},
    )
    assert result["responses"][0] == {}
    assert result["responses"][1]["error"]["type"] == "not_found"
    assert api.sandbox.state.agents["john@example.com"]["max_chats_count"] == 0


# --- delete_agent ------------------------------------------------------------------------


@pytest.mark.conformance("semantics", "delete_agent")
async def test_delete_removes_agent_and_memberships(api):
    _needs_groups(api, 0)
    assert "john@example.com" in _members(api, 0)
    assert await api.call("delete_agent", {"id": "john@example.com"}) is None
    assert "john@example.com" not in api.sandbox.state.agents
    assert all("john@example.com" not in g["agent_priorities"] for g in api.sandbox.state.groups.values())
    assert (await api.error("get_agent", {"id": "john@example.com"}))["type"] == "not_found"
    assert (await api.error("delete_agent", {"id": "john@example.com"}))["type"] == "not_found"


@pytest.mark.conformance("errors", "delete_agent")
async def test_delete_owner_is_refused(api):
    assert (await api.error("delete_agent", {"id": "owner@example.com"}))["type"] == "validation"
    assert "owner@example.com" in api.sandbox.state.agents


@pytest.mark.conformance("errors", "delete_agent", "update_agent")
async def test_the_owner_is_the_last_administrator_nobody_deletes(api):
    """The lifecycle guide: "Cannot delete the last administrator". In LiveChat the owner is always there:
    every other administrator may be demoted or deleted, the owner, left the last one, may not."""
    await api.call("update_agent", {"id": "viceowner@example.com", "role": "normal"})
    await api.call("delete_agent", {"id": "jane@example.com"})
    admins = [a["id"] for a in await api.call("list_agents", {}) if a["role"] != "normal"]
    assert admins == ["owner@example.com"]
    err = await api.error("delete_agent", {"id": "owner@example.com"})
    assert err["type"] == "validation" and "last administrator" in err["message"]
    assert "owner@example.com" in api.sandbox.state.agents


@pytest.mark.conformance("errors", "delete_agent", "batch_delete_agents", "update_agent", "suspend_agent")
async def test_a_license_without_an_owner_keeps_its_last_administrator():
    """A license seeded without an owner (a configuration document may hold none) keeps the rule (note E3):
    its only administrator is neither deleted, demoted nor suspended, in a batch too, until another agent
    who can use the license is made one."""
    sandbox = Sandbox(seed=seeder({"agents": [{"id": "ada@example.com", "name": "Ada", "role": "administrator"},
                                              {"id": "bo@example.com", "name": "Bo", "role": "normal"}]},
                                  DEFAULT_CLIENT_ID))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(sandbox.app), base_url="http://sandbox") as http:
        api = SandboxAPI(http, sandbox)
        for action, body in (("delete_agent", {"id": "ada@example.com"}),
                             ("update_agent", {"id": "ada@example.com", "role": "normal"}),
                             ("suspend_agent", {"id": "ada@example.com"})):
            err = await api.error(action, body)
            assert err["type"] == "validation" and "last administrator" in err["message"], (action, err)
        batch = await api.call("batch_delete_agents", {"requests": [{"id": "ada@example.com"}]})
        assert batch["responses"][0]["error"]["type"] == "validation"
        assert sandbox.state.agents["ada@example.com"]["role"] == "administrator"
        assert not sandbox.state.agents["ada@example.com"]["suspended"]
        await api.call("create_agent", {"id": "cy@example.com", "name": "Cy", "role": "administrator"})
        err = await api.error("delete_agent", {"id": "ada@example.com"})  # Cy awaits approval: cannot administer
        assert "last administrator" in err["message"]
        await api.call("update_agent", {"id": "bo@example.com", "role": "administrator"})
        assert await api.call("delete_agent", {"id": "ada@example.com"}) is None
        err = await api.error("update_agent", {"id": "bo@example.com", "role": "normal"})
        assert "last administrator" in err["message"]


async def test_delete_other_agent_needs_all_scopes(api):
    token = _credential(api, "del-my", {"agents--my:rw", "accounts--my:rw", "agents--all:rw"})
    err = await api.error("delete_agent", {"id": "john@example.com"}, token=token)
    assert err["type"] == "authorization"
    assert "accounts--all:rw" in err["message"]
    assert "john@example.com" in api.sandbox.state.agents


async def test_agent_can_delete_itself_with_my_scopes(api):
    john = api.sandbox.state.agents["john@example.com"]["account_id"]
    token = _credential(api, "john", {"agents--my:rw", "accounts--my:rw"}, account_id=john)
    await api.call("delete_agent", {"id": "john@example.com"}, token=token)
    assert "john@example.com" not in api.sandbox.state.agents


@pytest.mark.conformance("semantics", "batch_delete_agents")
async def test_batch_delete_reports_per_item(api):
    result = await api.call("batch_delete_agents", {"requests": [{"id": "john@example.com"}, {"id": "nobody@example.com"}]})
    ok, missing = result["responses"]
    assert ok == {}
    assert missing["error"]["type"] == "not_found"
    assert "john@example.com" not in api.sandbox.state.agents


@pytest.mark.conformance("semantics", "batch_delete_agents")
async def test_batch_delete_empty_item_like_the_reference_example(api):
    body = {"requests": [{"id": "john@example.com"}, {}]}
    if api.mode == "mcp":
        err = await api.error("batch_delete_agents", body)
        assert err["type"] == "validation"
        assert "requests[1].id" in err["message"]
        assert "john@example.com" in api.sandbox.state.agents  # nothing was sent
        return
    ok, empty = (await api.call("batch_delete_agents", body))["responses"]
    assert ok == {}
    assert empty["error"]["type"] == "validation"
    assert "id" in empty["error"]["message"]


# --- suspend / unsuspend / approve / request unsuspension ---------------------------------


@pytest.mark.conformance("semantics", "suspend_agent", "unsuspend_agent")
async def test_suspend_and_unsuspend_toggle_suspended(api):
    assert await api.call("suspend_agent", {"id": "john@example.com"}) is None
    assert api.sandbox.state.agents["john@example.com"]["suspended"] is True
    await api.call("suspend_agent", {"id": "john@example.com"})  # idempotent
    assert [a["id"] for a in await api.call("list_agents", {"filters": {"suspended": True}})] == [
        "john@example.com",
        "suspended@example.com",
    ]
    assert await api.call("unsuspend_agent", {"id": "john@example.com"}) is None
    assert api.sandbox.state.agents["john@example.com"]["suspended"] is False


@pytest.mark.conformance("semantics", "approve_agent", "unsuspend_agent", "suspend_agent")
async def test_asking_for_the_state_an_agent_is_in_changes_nothing(api):
    """Our rule (note M14): approving an approved agent, unsuspending an active one or suspending a
    suspended one answers like the change (no payload) and changes nothing; the reference names no error."""
    before = await api.call("get_agent", {"id": "john@example.com", "fields": ["suspended", "awaiting_approval"]})
    assert before["suspended"] is False and before["awaiting_approval"] is False
    assert await api.call("approve_agent", {"id": "john@example.com"}) is None
    assert await api.call("unsuspend_agent", {"id": "john@example.com"}) is None
    assert await api.call("suspend_agent", {"id": "suspended@example.com"}) is None
    after = await api.call("get_agent", {"id": "john@example.com", "fields": ["suspended", "awaiting_approval"]})
    assert after == before
    assert api.sandbox.state.agents["suspended@example.com"]["suspended"] is True


@pytest.mark.conformance("request", "create_agent", "batch_create_agents")
async def test_a_new_agents_id_is_their_email(api):
    """An agent's ID is their email address: a create with another kind of id is refused as our own rule,
    naming the field, and nothing is created (in a batch, that item only)."""
    err = await api.error("create_agent", {"id": "bob", "name": "Bob"})
    assert err["type"] == "validation" and "id" in err["message"] and "own safety rule" in err["message"]
    assert "bob" not in api.sandbox.state.agents
    batch = {"requests": [{"id": "bob", "name": "Bob"}, {"id": "bob@example.com", "name": "Bob"}]}
    if api.mode == "mcp":  # the tool refuses the whole batch before sending, naming the item's field
        err = await api.error("batch_create_agents", batch)
        assert err["type"] == "validation" and "requests[0].id" in err["message"]
        return
    res = await api.call("batch_create_agents", batch)
    assert res["responses"][0]["error"]["type"] == "validation" and res["responses"][1] == {"id": "bob@example.com"}


@pytest.mark.conformance("errors", "suspend_agent")
async def test_owner_cannot_be_suspended(api):
    err = await api.error("suspend_agent", {"id": "owner@example.com"})
    assert err["type"] == "validation"
    assert "owner" in err["message"]
    assert api.sandbox.state.agents["owner@example.com"]["suspended"] is False


async def test_suspend_unknown_is_not_found(api):
    for action in ("suspend_agent", "unsuspend_agent", "approve_agent"):
        assert (await api.error(action, {"id": "nobody@example.com"}))["type"] == "not_found"


@pytest.mark.conformance("scopes", "suspend_agent", "unsuspend_agent")
async def test_suspend_and_unsuspend_need_private_scopes(api):
    token = _credential(api, "plain-rw", {"agents--all:rw", "accounts--all:rw"})
    err = await api.error("suspend_agent", {"id": "john@example.com"}, token=token)
    assert err["type"] == "authorization"
    assert "sessions--all:rw" in err["message"]
    err = await api.error("unsuspend_agent", {"id": "suspended@example.com"}, token=token)
    assert err["type"] == "authorization"
    assert "subscription.lc:rw" in err["message"]
    err = await api.error("approve_agent", {"id": "awaiting@example.com"}, token=token)
    assert err["type"] == "authorization"


@pytest.mark.conformance("semantics", "approve_agent")
async def test_approve_clears_awaiting_approval(api):
    assert await api.call("approve_agent", {"id": "awaiting@example.com"}) is None
    agent = await api.call("get_agent", {"id": "awaiting@example.com", "fields": ["awaiting_approval"]})
    assert agent["awaiting_approval"] is False


@pytest.mark.conformance("semantics", "batch_suspend_agents", "batch_unsuspend_agents", "batch_approve_agents")
async def test_batch_suspend_unsuspend_approve(api):
    res = await api.call("batch_suspend_agents", {"requests": [{"id": "john@example.com"}, {"id": "owner@example.com"}]})
    assert res["responses"][0] == {}
    assert res["responses"][1]["error"]["type"] == "validation"
    res = await api.call("batch_unsuspend_agents", {"requests": [{"id": "john@example.com"}, {"id": "suspended@example.com"}]})
    assert res["responses"] == [{}, {}]
    assert not any(a["suspended"] for a in api.sandbox.state.agents.values())
    res = await api.call("batch_approve_agents", {"requests": [{"id": "awaiting@example.com"}]})
    assert res["responses"] == [{}]
    assert not any(a["awaiting_approval"] for a in api.sandbox.state.agents.values())


@pytest.mark.conformance("semantics", "request_agent_unsuspension")
async def test_request_unsuspension_emails_owners_and_viceowners(api):
    suspended = api.sandbox.state.agents["suspended@example.com"]["account_id"]
    token = _credential(api, "suspended", set(), account_id=suspended)  # no scopes required
    assert await api.call("request_agent_unsuspension", {}, token=token) is None
    sent = api.sandbox.state.extra["unsuspension_requests"]
    assert sent == [{"agent_id": "suspended@example.com", "sent_to": ["owner@example.com", "viceowner@example.com"]}]


@pytest.mark.conformance("semantics", "suspend_agent", "unsuspend_agent", "request_agent_unsuspension")
async def test_a_suspended_agent_may_only_ask_to_be_unsuspended(api):
    """Our rule (note M15): suspending John stops his credential, whatever scopes it holds, except for
    request_agent_unsuspension; unsuspended, it works again."""
    john = api.sandbox.state.agents["john@example.com"]["account_id"]
    token = _credential(api, "john-reads", {"tags--all:ro", "agents--all:ro"}, account_id=john)
    assert await api.call("list_tags", {}, token=token)
    await api.call("suspend_agent", {"id": "john@example.com"})
    err = await api.error("list_tags", {}, token=token)
    assert err["type"] == "authorization" and "suspended" in err["message"]
    err = await api.error("get_agent", {"id": "john@example.com"}, token=token)
    assert err["type"] == "authorization"
    assert await api.call("request_agent_unsuspension", {}, token=token) is None
    await api.call("unsuspend_agent", {"id": "john@example.com"})
    assert await api.call("list_tags", {}, token=token)


@pytest.mark.conformance("semantics", "approve_agent")
async def test_an_agent_awaiting_approval_uses_the_license_once_approved(api):
    """approve_agent "approves an agent thus allowing the agent to use the application": the agent
    awaiting approval is refused (our rule, note M15) until an owner approves it."""
    awaiting = api.sandbox.state.agents["awaiting@example.com"]["account_id"]
    token = _credential(api, "awaiting-reads", {"tags--all:ro"}, account_id=awaiting)
    err = await api.error("list_tags", {}, token=token)
    assert err["type"] == "authorization" and "awaiting approval" in err["message"]
    await api.call("approve_agent", {"id": "awaiting@example.com"})
    assert await api.call("list_tags", {}, token=token)


@pytest.mark.conformance("semantics", "request_agent_unsuspension")
async def test_request_unsuspension_by_active_agent_is_refused(api):
    err = await api.error("request_agent_unsuspension", {})
    assert err["type"] == "validation"
    assert "suspended" in err["message"]
    assert "unsuspension_requests" not in api.sandbox.state.extra


async def test_request_unsuspension_takes_no_parameters(api):
    err = await api.error("request_agent_unsuspension", {"id": "suspended@example.com"})
    assert err["type"] == "validation"


# --- lifecycle flows (docs/reference/agent-lifecycle-guide.txt) ----------------------------


async def test_provision_flow(api):
    _needs_groups(api, 0, 1, 2)
    await api.call("create_agent", {"id": "hire@example.com", "name": "New Hire", "role": "normal"})
    agent = await api.call("get_agent", {"id": "hire@example.com", "fields": ["awaiting_approval"]})
    assert agent["awaiting_approval"] is True  # gate routing setup on this

    await api.call(
        "update_agent",
        {"id": "hire@example.com", "groups": [{"id": 1, "priority": "normal"}, {"id": 2, "priority": "last"}]},
    )
    await api.call("approve_agent", {"id": "hire@example.com"})
    agent = await api.call("get_agent", {"id": "hire@example.com", "fields": ["awaiting_approval", "groups"]})
    assert agent["awaiting_approval"] is False
    assert agent["groups"] == [{"id": 1, "priority": "normal"}, {"id": 2, "priority": "last"}]
    assert _members(api, 1)["hire@example.com"] == "normal"
    sales = [a["id"] for a in await api.call("list_agents", {"filters": {"group_ids": [1]}})]
    assert "hire@example.com" in sales


async def test_offboard_flow(api):
    _needs_groups(api, 0, 1, 2)
    audit = await api.call(
        "get_agent", {"id": "john@example.com", "fields": ["groups", "max_chats_count", "job_title", "work_scheduler"]}
    )
    assert {g["id"] for g in audit["groups"]} >= {0, 1}
    assert audit["job_title"] == "Support Hero"

    await api.call("update_agent", {"id": "john@example.com", "max_chats_count": 0})  # soft-disable
    soft = await api.call("get_agent", {"id": "john@example.com", "fields": ["max_chats_count"]})
    assert soft["max_chats_count"] == 0

    await api.call("delete_agent", {"id": "john@example.com"})
    assert (await api.error("get_agent", {"id": "john@example.com"}))["type"] == "not_found"
    assert all("john@example.com" not in _members(api, g["id"]) for g in audit["groups"])


async def test_role_sync_flow(api):
    _needs_groups(api, 0, 1, 2)
    await api.call("update_agent", {"id": "john@example.com", "role": "administrator"})
    await api.call(
        "update_agent",
        {"id": "john@example.com", "groups": [{"id": 0, "priority": "normal"}, {"id": 1, "priority": "supervisor"}]},
    )
    agent = await api.call("get_agent", {"id": "john@example.com", "fields": ["groups"]})
    assert agent["role"] == "administrator"
    assert agent["groups"] == [{"id": 0, "priority": "normal"}, {"id": 1, "priority": "supervisor"}]
    assert _members(api, 1)["john@example.com"] == "supervisor"
    assert "john@example.com" not in _members(api, 2)
