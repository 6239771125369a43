"""Sandbox bots and bot templates: the documented rules."""

import httpx
import pytest

from conftest import SandboxAPI, tool_payload
from server.sandbox import ALL_SCOPES_TOKEN
from server.sandbox.app import DEFAULT_CLIENT_ID
from server.sandbox.bots import BOT_ID, BOT_SECRET, OTHER_CLIENT_ID, TEMPLATE_ID

pytestmark = pytest.mark.anyio

OTHER_BOT = "505591fc9fc2d6e92798bed7d9d8f079"  # seeded, owned by another app
LIMITED_TOKEN = "dal:bots-my-only"


def secret_of(api, bot_id):
    """A bot's current secret, read from the sandbox (tool results hide secrets)."""
    return api.sandbox.state.bots[bot_id]["secret"]


def template_secret_of(api, template_id):
    return api.sandbox.state.bot_templates[template_id]["secret"]


def check_secret(api, shown, actual):
    """Raw HTTP shows the secret; the MCP tool result redacts it (secret_result_keys)."""
    assert actual
    if api.mode == "mcp":
        assert shown != actual and "hidden" in shown
    else:
        assert shown == actual


@pytest.fixture
def groups(api):
    """The seeded groups (0, 1, 2, 5, 19), with the seeded bot in group 0 as "first"."""
    state = api.sandbox.state.groups
    assert {0, 1, 2, 5, 19} <= set(state)
    return state


@pytest.fixture
def my_only(api):
    """A credential holding only the --my bot scopes."""
    from server.sandbox.app import SandboxCredential

    api.sandbox.credentials.append(
        SandboxCredential("my-only", LIMITED_TOKEN, scopes=frozenset({"agents-bot--my:rw", "agents-bot--my:ro"}))
    )
    return LIMITED_TOKEN


# --- create / get ------------------------------------------------------------------------


@pytest.mark.conformance("semantics", "create_bot")
async def test_create_bot_returns_id_and_secret_and_defaults(api):
    created = await api.call("create_bot", {"name": "Helper"})
    assert set(created) == {"id", "secret"}
    assert len(created["id"]) == 32 and created["secret"]
    bot = await api.call("get_bot", {"id": created["id"], "fields": ["max_chats_count", "job_title"]})
    assert bot["name"] == "Helper"
    assert bot["owner_client_id"] == DEFAULT_CLIENT_ID  # defaulted from the Bearer token
    assert bot["max_chats_count"] == 6  # documented default
    assert "secret" not in bot


@pytest.mark.conformance("semantics", "create_bot")
async def test_create_bot_stores_every_given_field(api, groups):
    created = await api.call(
        "create_bot",
        {
            "name": "Router",
            "avatar": "https://example.com/r.png",
            "max_chats_count": 500,
            "default_group_priority": "last",
            "job_title": "Triage",
            "type": "faq",
            "groups": [{"id": 1, "priority": "first"}, {"id": 2, "priority": "supervisor"}],
            "work_scheduler": {
                "timezone": "Europe/Warsaw",
                "schedule": [{"day": "friday", "enabled": True, "start": "08:00", "end": "16:00"}],
            },
            "owner_client_id": OTHER_CLIENT_ID,
        },
    )
    bot = await api.call(
        "get_bot",
        {"id": created["id"], "fields": ["groups", "work_scheduler", "job_title", "max_chats_count", "timezone"]},
    )
    assert bot == {
        "id": created["id"],
        "name": "Router",
        "avatar_path": "https://example.com/r.png",
        "default_group_priority": "last",
        "owner_client_id": OTHER_CLIENT_ID,
        "groups": [{"id": 1, "priority": "first"}, {"id": 2, "priority": "supervisor"}],
        "work_scheduler": {
            "timezone": "Europe/Warsaw",
            "schedule": [{"day": "friday", "enabled": True, "start": "08:00", "end": "16:00"}],
        },
        "job_title": "Triage",
        "max_chats_count": 500,
        "timezone": "Europe/Warsaw",
    }
    # Membership is stored in the groups (the single source of truth).
    assert groups[1]["agent_priorities"][created["id"]] == "first"
    assert groups[2]["agent_priorities"][created["id"]] == "supervisor"


async def test_create_bot_ids_and_secrets_differ(api):
    a = await api.call("create_bot", {"name": "A"})
    b = await api.call("create_bot", {"name": "B"})
    assert a["id"] != b["id"] and secret_of(api, a["id"]) != secret_of(api, b["id"])
    check_secret(api, a["secret"], secret_of(api, a["id"]))


async def test_create_bot_unknown_group_is_group_not_found_and_creates_nothing(api, groups):
    before = set(api.sandbox.state.bots)
    err = await api.error("create_bot", {"name": "X", "groups": [{"id": 42, "priority": "normal"}]})
    assert err["type"] == "group_not_found"
    assert set(api.sandbox.state.bots) == before


@pytest.mark.parametrize(
    "body",
    [
        {"name": "X", "max_chats_count": 501},
        {"name": "X", "max_chats_count": -1},
        {"name": "X", "default_group_priority": "highest"},
        {"name": "X", "groups": [{"id": 1, "priority": "bot"}]},
        {"name": "X", "groups": [{"id": 1}]},
        {"name": "X", "work_scheduler": {"schedule": []}},
        {"name": "X", "secret": "abc"},
        {},
    ],
)
async def test_create_bot_refuses_invalid_input(api, body):
    err = await api.error("create_bot", body)
    assert err["type"] == "validation"


@pytest.mark.conformance("semantics", "get_bot")
async def test_get_bot_base_fields_only_unless_asked(api, groups):
    bot = await api.call("get_bot", {"id": BOT_ID})
    # The base fields of get_bot's response example, which shows max_chats_count and groups too.
    assert set(bot) == {"id", "name", "avatar_path", "default_group_priority", "owner_client_id", "max_chats_count", "groups"}
    assert bot["name"] == "ChatBot"
    with_groups = await api.call("get_bot", {"id": BOT_ID, "fields": ["groups"]})
    assert with_groups["groups"] == [{"id": 0, "priority": "first"}]


@pytest.mark.conformance("semantics", "get_bot")
async def test_get_bot_groups_follow_group_membership(api, groups):
    groups[2]["agent_priorities"][BOT_ID] = "last"  # e.g. set by update_group
    bot = await api.call("get_bot", {"id": BOT_ID, "fields": ["groups"]})
    assert {"id": 2, "priority": "last"} in bot["groups"]


async def test_get_bot_unknown_is_not_found_and_bad_field_is_validation(api):
    assert (await api.error("get_bot", {"id": "nope"}))["type"] == "not_found"
    assert (await api.error("get_bot", {"id": BOT_ID, "fields": ["secret"]}))["type"] == "validation"


# --- list ----------------------------------------------------------------------------------


@pytest.mark.conformance("semantics", "list_bots")
async def test_list_bots_defaults_to_the_requesters_bots(api):
    mine = await api.call("list_bots", {})
    ids = {bot["id"] for bot in mine}
    assert BOT_ID in ids and OTHER_BOT not in ids
    assert all(set(bot) == {"id", "name", "avatar_path"} for bot in mine)
    assert await api.call("list_bots", {"all": False}) == mine


@pytest.mark.conformance("semantics", "list_bots")
async def test_list_bots_all_includes_other_apps_bots(api):
    everything = await api.call("list_bots", {"all": True})
    assert {BOT_ID, OTHER_BOT} <= {bot["id"] for bot in everything}


@pytest.mark.conformance("semantics", "list_bots")
async def test_list_bots_honours_fields(api, groups):
    bots = await api.call("list_bots", {"fields": ["groups", "max_chats_count"]})
    chatbot = next(bot for bot in bots if bot["id"] == BOT_ID)
    assert set(chatbot) == {"id", "name", "avatar_path", "groups", "max_chats_count"}
    assert chatbot["groups"] == [{"id": 0, "priority": "first"}]
    assert (await api.error("list_bots", {"fields": ["owner_client_id"]}))["type"] == "validation"


async def test_my_scope_sees_and_changes_only_own_bots(api, my_only):
    assert (await api.error("list_bots", {"all": True}, token=my_only))["type"] == "authorization"
    assert (await api.error("get_bot", {"id": OTHER_BOT}, token=my_only))["type"] == "authorization"
    err = await api.error("update_bot", {"id": OTHER_BOT, "name": "Mine now"}, token=my_only)
    assert err["type"] == "authorization"
    assert (await api.error("delete_bot", {"id": OTHER_BOT}, token=my_only))["type"] == "authorization"
    assert OTHER_BOT in api.sandbox.state.bots
    await api.call("update_bot", {"id": BOT_ID, "job_title": "Own bot"}, token=my_only)


# --- update / delete ---------------------------------------------------------------------


@pytest.mark.conformance("semantics", "update_bot")
async def test_update_bot_is_partial(api):
    await api.call("update_bot", {"id": BOT_ID, "name": "New Bot Name"})
    bot = await api.call("get_bot", {"id": BOT_ID, "fields": ["job_title", "max_chats_count", "timezone"]})
    assert bot["name"] == "New Bot Name"
    assert bot["job_title"] == "Virtual assistant"  # untouched
    assert bot["avatar_path"] == "https://example.com/chatbot.png"
    assert bot["timezone"] == "Europe/Warsaw"


@pytest.mark.conformance("semantics", "update_bot")
async def test_update_bot_groups_replace_memberships(api, groups):
    await api.call("update_bot", {"id": BOT_ID, "groups": [{"id": 1, "priority": "normal"}]})
    assert BOT_ID not in groups[0]["agent_priorities"]
    assert groups[1]["agent_priorities"][BOT_ID] == "normal"
    bot = await api.call("get_bot", {"id": BOT_ID, "fields": ["groups"]})
    assert bot["groups"] == [{"id": 1, "priority": "normal"}]
    await api.call("update_bot", {"id": BOT_ID, "groups": []})
    assert (await api.call("get_bot", {"id": BOT_ID, "fields": ["groups"]}))["groups"] == []


async def test_update_bot_unknown_group_changes_nothing(api, groups):
    err = await api.error("update_bot", {"id": BOT_ID, "name": "Changed", "groups": [{"id": 42, "priority": "first"}]})
    assert err["type"] == "group_not_found"
    assert api.sandbox.state.bots[BOT_ID]["name"] == "ChatBot"
    assert groups[0]["agent_priorities"][BOT_ID] == "first"


@pytest.mark.conformance("semantics", "update_bot")
async def test_update_bot_work_scheduler_sets_timezone(api):
    await api.call(
        "update_bot",
        {"id": BOT_ID, "work_scheduler": {"timezone": "America/New_York", "schedule": []}},
    )
    bot = await api.call("get_bot", {"id": BOT_ID, "fields": ["timezone", "work_scheduler"]})
    assert bot["timezone"] == "America/New_York"
    assert bot["work_scheduler"] == {"timezone": "America/New_York", "schedule": []}


async def test_update_bot_errors(api):
    assert (await api.error("update_bot", {"id": "nope", "name": "x"}))["type"] == "not_found"
    assert (await api.error("update_bot", {"id": BOT_ID, "max_chats_count": 1000}))["type"] == "validation"
    assert (await api.error("update_bot", {"id": BOT_ID, "owner_client_id": "x"}))["type"] == "validation"


@pytest.mark.conformance("semantics", "delete_bot")
async def test_delete_bot_removes_it_and_its_memberships(api, groups):
    assert await api.call("delete_bot", {"id": BOT_ID}) is None  # no response payload
    assert all(BOT_ID not in g["agent_priorities"] for g in groups.values())
    assert (await api.error("get_bot", {"id": BOT_ID}))["type"] == "not_found"
    assert (await api.error("delete_bot", {"id": BOT_ID}))["type"] == "not_found"


# --- batches -------------------------------------------------------------------------------


@pytest.mark.conformance("semantics", "batch_create_bots", "batch_update_bots", "batch_delete_bots")
async def test_batch_create_update_delete(api):
    created = await api.call("batch_create_bots", {"requests": [{"name": "One"}, {"name": "Two"}]})
    ids = [item["id"] for item in created["responses"]]
    assert len(set(ids)) == 2 and all(item["secret"] for item in created["responses"])
    updated = await api.call(
        "batch_update_bots", {"requests": [{"id": ids[0], "name": "Uno"}, {"id": "missing", "name": "x"}]}
    )
    assert updated["responses"][0] == {}
    assert updated["responses"][1]["error"]["type"] == "not_found"
    assert api.sandbox.state.bots[ids[0]]["name"] == "Uno"
    deleted = await api.call("batch_delete_bots", {"requests": [{"id": ids[0]}, {"id": ids[1]}]})
    assert deleted == {"responses": [{}, {}]}
    assert not set(ids) & set(api.sandbox.state.bots)


# --- secrets and tokens ------------------------------------------------------------------


@pytest.mark.conformance("semantics", "issue_bot_token")
async def test_issue_bot_token_checks_the_secret(api):
    body = {
        "bot_id": BOT_ID,
        "client_id": DEFAULT_CLIENT_ID,
        "bot_secret": BOT_SECRET,
        "organization_id": api.sandbox.state.organization_id,
    }
    first = await api.call("issue_bot_token", body)
    second = await api.call("issue_bot_token", body)
    assert set(first) == {"token"} and set(second) == {"token"}
    issued = list(api.sandbox.state.extra["bot_tokens"])
    assert len(issued) == 2 and issued[0] != issued[1]
    check_secret(api, second["token"], issued[1])
    assert (await api.error("issue_bot_token", {**body, "bot_secret": "wrong"}))["type"] == "authorization"
    assert (await api.error("issue_bot_token", {**body, "client_id": OTHER_CLIENT_ID}))["type"] == "validation"
    assert (await api.error("issue_bot_token", {**body, "organization_id": "other-org"}))["type"] == "validation"
    assert (await api.error("issue_bot_token", {**body, "bot_id": "nope"}))["type"] == "not_found"
    missing = dict(body)
    del missing["bot_secret"]
    assert (await api.error("issue_bot_token", missing))["type"] == "validation"


async def test_issue_bot_token_needs_no_scope(api):
    from server.sandbox.app import SandboxCredential

    api.sandbox.credentials.append(SandboxCredential("no-scopes", "dal:no-scopes", scopes=frozenset()))
    body = {
        "bot_id": BOT_ID,
        "client_id": DEFAULT_CLIENT_ID,
        "bot_secret": BOT_SECRET,
        "organization_id": api.sandbox.state.organization_id,
    }
    assert (await api.call("issue_bot_token", body, token="dal:no-scopes"))["token"]
    assert (await api.error("get_bot", {"id": BOT_ID}, token="dal:no-scopes"))["type"] == "authorization"


@pytest.mark.conformance("semantics", "reset_bot_secret")
async def test_reset_bot_secret_replaces_the_secret(api):
    body = {
        "bot_id": BOT_ID,
        "client_id": DEFAULT_CLIENT_ID,
        "bot_secret": BOT_SECRET,
        "organization_id": api.sandbox.state.organization_id,
    }
    shown = (await api.call("reset_bot_secret", {"id": BOT_ID}))["secret"]
    first = secret_of(api, BOT_ID)
    check_secret(api, shown, first)
    await api.call("reset_bot_secret", {"id": BOT_ID})
    second = secret_of(api, BOT_ID)
    assert first != second and BOT_SECRET not in (first, second)
    assert (await api.error("issue_bot_token", body))["type"] == "authorization"  # old secret is dead
    assert (await api.call("issue_bot_token", {**body, "bot_secret": second}))["token"]
    assert (await api.error("reset_bot_secret", {"id": "nope"}))["type"] == "not_found"
    # Another app's bot: its secret cannot be reset with this client id.
    assert (await api.error("reset_bot_secret", {"id": OTHER_BOT}))["type"] == "authorization"


@pytest.mark.conformance("semantics", "issue_bot_token")
async def test_created_bot_secret_issues_tokens(api):
    created = await api.call("create_bot", {"name": "Fresh"})
    token = await api.call(
        "issue_bot_token",
        {
            "bot_id": created["id"],
            "client_id": DEFAULT_CLIENT_ID,
            "bot_secret": secret_of(api, created["id"]),
            "organization_id": api.sandbox.state.organization_id,
        },
    )
    assert token["token"]


# --- templates ---------------------------------------------------------------------------


@pytest.mark.conformance("semantics", "list_bot_templates")
async def test_list_bot_templates_is_per_client(api):
    templates = await api.call("list_bot_templates", {})
    assert templates == [
        {"id": TEMPLATE_ID, "name": "Welcome Bot", "avatar_path": "https://example.com/welcome-bot.png"}
    ]
    assert await api.call("list_bot_templates", {"owner_client_id": OTHER_CLIENT_ID}) == []


@pytest.mark.conformance("semantics", "create_bot_template")
async def test_create_bot_template_and_limit_of_five(api):
    created = await api.call("create_bot_template", {"name": "T1", "avatar": "https://example.com/t.png"})
    assert set(created) == {"id", "secret"}
    listed = await api.call("list_bot_templates", {})
    assert {"id": created["id"], "name": "T1", "avatar_path": "https://example.com/t.png"} in listed
    for n in range(3):  # seeded one + T1 + 3 = five
        await api.call("create_bot_template", {"name": f"T{n + 2}"})
    err = await api.error("create_bot_template", {"name": "T6"})
    assert err["type"] == "limit_reached"
    # The limit is per client id.
    await api.call("create_bot_template", {"name": "Elsewhere", "owner_client_id": OTHER_CLIENT_ID})


@pytest.mark.conformance("semantics", "create_bot_template")
async def test_create_bot_template_affecting_installations_creates_the_bot(api):
    plain = await api.call("create_bot_template", {"name": "Quiet"})
    assert plain["id"] not in api.sandbox.state.bots  # only new installations get it
    made = await api.call("create_bot_template", {"name": "Eager", "affect_existing_installations": True})
    bot = await api.call("get_bot", {"id": made["id"]})  # same id as the template
    assert bot["name"] == "Eager"


@pytest.mark.conformance("semantics", "update_bot_template")
async def test_update_bot_template_is_partial_and_optionally_updates_bots(api):
    made = await api.call("create_bot_template", {"name": "Base", "job_title": "Helper", "affect_existing_installations": True})
    await api.call("update_bot_template", {"id": made["id"], "name": "Renamed"})
    template = api.sandbox.state.bot_templates[made["id"]]
    assert template["name"] == "Renamed" and template["job_title"] == "Helper"
    assert api.sandbox.state.bots[made["id"]]["name"] == "Base"  # existing bot untouched
    await api.call("update_bot_template", {"id": made["id"], "max_chats_count": 9, "affect_existing_installations": True})
    assert api.sandbox.state.bots[made["id"]]["max_chats_count"] == 9
    assert (await api.error("update_bot_template", {"id": made["id"], "max_chats_count": 501}))["type"] == "validation"


async def test_template_of_another_client_is_not_found(api):
    for action in ("update_bot_template", "reset_bot_template_secret", "delete_bot_template"):
        err = await api.error(action, {"id": TEMPLATE_ID, "owner_client_id": OTHER_CLIENT_ID})
        assert err["type"] == "not_found", action
    assert (await api.error("delete_bot_template", {"id": "nope"}))["type"] == "not_found"


@pytest.mark.conformance("semantics", "delete_bot_template")
async def test_delete_bot_template_keeps_bots_unless_asked(api):
    kept = await api.call("create_bot_template", {"name": "Keep", "affect_existing_installations": True})
    assert await api.call("delete_bot_template", {"id": kept["id"]}) is None
    assert kept["id"] in api.sandbox.state.bots
    assert (await api.error("delete_bot_template", {"id": kept["id"]}))["type"] == "not_found"
    gone = await api.call("create_bot_template", {"name": "Gone", "affect_existing_installations": True})
    await api.call("delete_bot_template", {"id": gone["id"], "affect_existing_installations": True})
    assert gone["id"] not in api.sandbox.state.bots


@pytest.mark.conformance("semantics", "reset_bot_template_secret")
async def test_reset_bot_template_secret(api):
    made = await api.call("create_bot_template", {"name": "S", "affect_existing_installations": True})
    original = template_secret_of(api, made["id"])
    check_secret(api, made["secret"], original)
    shown = (await api.call("reset_bot_template_secret", {"id": made["id"]}))["secret"]
    first = template_secret_of(api, made["id"])
    check_secret(api, shown, first)
    assert first != original
    assert secret_of(api, made["id"]) == original  # bots keep theirs
    await api.call("reset_bot_template_secret", {"id": made["id"], "affect_existing_installations": True})
    second = template_secret_of(api, made["id"])
    assert second != first
    assert secret_of(api, made["id"]) == second


async def test_template_actions_need_the_templates_scope(api, my_only):
    err = await api.error("list_bot_templates", {}, token=my_only)
    assert err["type"] == "authorization"


@pytest.mark.conformance("semantics", "issue_bot_token", "update_bot")
async def test_an_issued_bot_token_acts_as_its_bot_for_24_hours(api):
    """Issue Bot Token: "valid for 24 hours", with chats--access:rw, agents-bot--my:rw and customers:rw. Its
    --my bot scope reaches the bot itself: it updates itself, not another bot, and reads nothing it lacks
    the scope for; a day later it is refused as any expired token."""
    body = {"bot_id": BOT_ID, "client_id": DEFAULT_CLIENT_ID, "bot_secret": BOT_SECRET,
            "organization_id": api.sandbox.state.organization_id}
    await api.call("issue_bot_token", body)
    token = list(api.sandbox.state.extra["bot_tokens"])[-1]  # through MCP the answer hides it
    assert token.startswith(api.sandbox.state.region + ":")
    other = next(bot_id for bot_id in api.sandbox.state.bots if bot_id != BOT_ID)
    own = await api.raw("update_bot", {"id": BOT_ID, "job_title": "Self-named"}, token=token)
    assert own.status_code == 200, own.text
    assert api.sandbox.state.bots[BOT_ID]["job_title"] == "Self-named"
    refused = await api.raw("update_bot", {"id": other, "job_title": "Not mine"}, token=token)
    assert refused.status_code == 403 and "agents-bot--all:rw" in refused.json()["error"]["message"]
    assert (await api.raw("get_bot", {"id": BOT_ID}, token=token)).status_code == 403  # no --my:ro scope
    api.sandbox.clock.advance(24 * 3600 + 1)
    expired = await api.raw("update_bot", {"id": BOT_ID, "job_title": "Too late"}, token=token)
    assert expired.status_code == 401 and expired.json()["error"]["type"] == "authentication"


@pytest.mark.conformance("semantics", "issue_bot_token")
async def test_token_info_names_an_issued_bot_tokens_bot_until_it_expires(api):
    """An issued bot token is a Bearer token: token info (GET /v2/info) answers for it as for any other, naming
    the bot, the app that owns it, the time it has left of its 24 hours and its three scopes; it cannot be
    revoked; expired, 401."""
    body = {"bot_id": BOT_ID, "client_id": DEFAULT_CLIENT_ID, "bot_secret": BOT_SECRET,
            "organization_id": api.sandbox.state.organization_id}
    await api.call("issue_bot_token", body)
    token = list(api.sandbox.state.extra["bot_tokens"])[-1]  # through MCP the answer hides it
    auth = {"Authorization": f"Bearer {token}"}
    answer = await api.client.get("/v2/info", headers=auth)
    assert answer.status_code == 200, answer.text
    info = answer.json()
    assert info["access_token"] == token and info["token_type"] == "Bearer"
    assert info["account_id"] == BOT_ID and info["client_id"] == DEFAULT_CLIENT_ID
    assert info["organization_id"] == api.sandbox.state.organization_id
    assert set(info["scope"].split(",")) == {"chats--access:rw", "agents-bot--my:rw", "customers:rw"}
    assert 24 * 3600 - 60 <= info["expires_in"] <= 24 * 3600
    # "The token cannot be revoked": asking to is refused saying so, and the token goes on working.
    revoked = await api.client.delete("/v2/token", headers=auth)
    assert revoked.status_code == 400 and "cannot be revoked" in revoked.json()["error_description"]
    assert (await api.raw("update_bot", {"id": BOT_ID, "job_title": "Still me"}, token=token)).status_code == 200
    api.sandbox.clock.advance(12 * 3600)
    assert 12 * 3600 - 60 <= (await api.client.get("/v2/info", headers=auth)).json()["expires_in"] <= 12 * 3600
    api.sandbox.clock.advance(12 * 3600 + 1)
    assert (await api.client.get("/v2/info", headers=auth)).status_code == 401


@pytest.mark.conformance("semantics", "issue_bot_token")
async def test_a_server_run_with_a_bot_token_knows_what_the_token_may_do(loopback, make_server):
    """The MCP server reads token info to learn its token's scopes: run with an issued bot token it updates
    its bot, and refuses what the bot's three scopes do not allow before sending anything."""
    body = {"bot_id": BOT_ID, "client_id": DEFAULT_CLIENT_ID, "bot_secret": BOT_SECRET,
            "organization_id": loopback.sandbox.state.organization_id}
    async with httpx.AsyncClient(base_url=loopback.url) as http:
        token = (await SandboxAPI(http, loopback.sandbox).call("issue_bot_token", body, token=ALL_SCOPES_TOKEN))["token"]
    async with make_server(policy="full-access", env=loopback.env(token)) as s:
        updated = await s.client.call_tool("update_bot", {"id": BOT_ID, "job_title": "Updated by itself"})
        assert not updated.is_error, updated.content
        assert loopback.sandbox.state.bots[BOT_ID]["job_title"] == "Updated by itself"
        loopback.sandbox.requests.clear()
        refused = tool_payload(await s.client.call_tool("list_tags", {}))["error"]
        assert refused["type"] == "refused" and refused["rule"] == "scopes", refused
        assert "Nothing was sent" in refused["message"] and loopback.sandbox.requests == []
