"""What depends on the credential: owner_client_id (PAT vs Bearer), client ownership, private scopes.

Reference: owner_client_id is "Required only when authorizing via PATs" for create_bot,
reset_bot_secret and the license webhook state methods, and "Must be owned by your organization"
wherever it is taken. subscription.lc:rw and sessions--all:rw are private scopes an app made in
the Developer Console never holds.
"""

from __future__ import annotations

import base64

import httpx
import pytest

from conftest import cells, tool_payload
from server.sandbox import ALL_SCOPES_TOKEN, APP_TOKEN, PRIVATE_SCOPES, SandboxCredential
from server.sandbox.core import DEFAULT_CLIENT_ID
from server.sandbox.owners import FOREIGN_CLIENT_ID

pytestmark = pytest.mark.anyio

PAT_ACCOUNT, PAT_SECRET = "pat-account-7", "pat-secret-for-owner-tests"
PAT_HEADER = {"Authorization": "Basic " + base64.b64encode(f"{PAT_ACCOUNT}:{PAT_SECRET}".encode()).decode()}

# Every action that takes owner_client_id, with an otherwise valid body.
OWNED = {
    "create_bot": {"name": "Bot"},
    "reset_bot_secret": {"id": "5c9871d5372c824cbf22d860a707a578"},
    "enable_license_webhooks": {},
    "disable_license_webhooks": {},
    "get_license_webhooks_state": {},
    "list_bot_templates": {},
    "create_bot_template": {"name": "T"},
    "list_webhooks": {},
    "register_webhook": {"url": "https://example.com/h", "action": "incoming_chat", "secret_key": "k", "type": "license"},
    "list_properties": {},
    "register_property": {"name": "p", "type": "int", "access": {"license": {"agent": ["read"]}}},
}


# Each parameter backs its action's "Credential rules" cell in docs/conformance.md.
OWNED_PARAMS = cells("credential", sorted(OWNED))


def _add_pat(sandbox) -> None:
    sandbox.credentials.append(SandboxCredential("pat", PAT_SECRET, kind="pat", account_id=PAT_ACCOUNT))


@pytest.mark.parametrize("action", OWNED_PARAMS)
async def test_a_pat_caller_must_send_owner_client_id(api, action):
    _add_pat(api.sandbox)
    resp = await api.raw(action, OWNED[action], headers=PAT_HEADER)
    assert resp.status_code == 400, resp.text
    assert resp.json()["error"]["type"] == "validation" and "owner_client_id" in resp.json()["error"]["message"]
    # With it, the same call goes through.
    ok = await api.raw(action, {**OWNED[action], "owner_client_id": DEFAULT_CLIENT_ID}, headers=PAT_HEADER)
    assert ok.status_code == 200, ok.text


@pytest.mark.parametrize("action", OWNED_PARAMS)
async def test_a_bearer_token_supplies_its_own_client_id(api, action):
    await api.call(action, OWNED[action])
    sent = [r for r in api.sandbox.requests if r["action"] == action][-1]["body"]
    if api.mode == "mcp":  # the server fills it in from token info, so the plan/audit show it
        assert sent["owner_client_id"] == DEFAULT_CLIENT_ID
    else:
        assert "owner_client_id" not in sent


async def test_list_webhooks_without_arguments_lists_the_tokens_own(api):
    hooks = await api.call("list_webhooks", {})
    assert [h["owner_client_id"] for h in hooks] == [DEFAULT_CLIENT_ID]


@pytest.mark.parametrize("action", OWNED_PARAMS)
async def test_a_client_of_another_organization_is_refused(api, action):
    err = await api.error(action, {**OWNED[action], "owner_client_id": FOREIGN_CLIENT_ID})
    assert err["type"] == "authorization" and "not owned by your organization" in err["message"]


async def test_through_mcp_a_pat_server_refuses_before_sending(loopback, make_server):
    _add_pat(loopback.sandbox)
    env = {"LIVECHAT_API_URL": loopback.url, "LIVECHAT_ACCOUNTS_URL": loopback.url,
           "LIVECHAT_ACCOUNT_ID": PAT_ACCOUNT, "LIVECHAT_PAT": PAT_SECRET}
    async with make_server(policy="full-access", env=env) as s:
        result = await s.client.call_tool("list_webhooks", {})
        batch = await s.client.call_tool("batch_create_bots", {"requests": [{"name": "a", "owner_client_id": DEFAULT_CLIENT_ID},
                                                                           {"name": "b"}]})
        listed = await s.client.call_tool("list_webhooks", {"owner_client_id": DEFAULT_CLIENT_ID})
    err = tool_payload(result)["error"]
    assert result.is_error and err["type"] == "validation" and "owner_client_id" in err["message"]
    assert tool_payload(batch)["error"]["fields"][0]["field"] == "requests[1].owner_client_id"
    assert not listed.is_error
    assert [r["action"] for r in loopback.requests()] == ["list_webhooks"]


def test_owner_client_id_descriptions_say_who_supplies_it():
    from server.tools import catalog
    from server.tools.schema import input_schema

    for name in OWNED:
        text = input_schema(catalog()[name].model)["properties"]["owner_client_id"]["description"]
        assert "Bearer token" in text and "PAT" in text, name
        assert "owner_client_id" not in input_schema(catalog()[name].model).get("required", []), name


# --- private scopes ----------------------------------------------------------------------------


async def test_the_app_token_lacks_the_private_scopes_and_the_all_scopes_token_has_them(api):
    async with httpx.AsyncClient(transport=httpx.ASGITransport(api.sandbox.app), base_url="http://sb") as http:
        app = (await http.get("/v2/info", headers={"Authorization": f"Bearer {APP_TOKEN}"})).json()["scope"].split(",")
        full = (await http.get("/v2/info", headers={"Authorization": f"Bearer {ALL_SCOPES_TOKEN}"})).json()["scope"].split(",")
    assert not PRIVATE_SCOPES & set(app) and PRIVATE_SCOPES <= set(full)
    err = (await api.raw("approve_agent", {"id": "awaiting@example.com"}, token=APP_TOKEN)).json()["error"]
    assert err["type"] == "authorization" and "subscription.lc:rw" in err["message"]
    err = (await api.raw("suspend_agent", {"id": "john@example.com"}, token=APP_TOKEN)).json()["error"]
    assert "sessions--all:rw" in err["message"]
    assert (await api.raw("approve_agent", {"id": "awaiting@example.com"}, token=ALL_SCOPES_TOKEN)).status_code == 200


async def test_sandbox_mode_meets_the_app_token_first_and_says_what_is_hidden(make_server):
    async with make_server(sandbox=True, policy="full-access", env={"LIVECHAT_SANDBOX_TOKEN": APP_TOKEN}) as s:
        names = {t.name for t in (await s.client.list_tools()).tools}
        details = "\n".join(s.runtime.details())  # what --verbose prints at start
        decision = s.runtime.policy.decide(__import__("server.tools", fromlist=["catalog"]).catalog()["approve_agent"])
    hidden = {"suspend_agent", "batch_suspend_agents", "unsuspend_agent", "batch_unsuspend_agents",
              "approve_agent", "batch_approve_agents", "check_product_limits_for_plan"}
    assert not hidden & names and "list_agents" in names
    assert "subscription.lc:rw" in decision.reason and not decision.allowed
    assert "private scope" in decision.reason and ALL_SCOPES_TOKEN in decision.reason
    assert "app token without the private scopes" in details and ALL_SCOPES_TOKEN in details
    async with make_server(sandbox=True, policy="full-access", env={"LIVECHAT_SANDBOX_TOKEN": ALL_SCOPES_TOKEN}) as s:
        names = {t.name for t in (await s.client.list_tools()).tools}
    assert hidden <= names


@pytest.mark.conformance("credential", "list_bots")
async def test_list_bots_follows_the_credential_that_created_the_bot(api):
    # "If a Bot was created via an app, all Agents who make the request via this app will get the Bot.
    # If a Bot was created directly by an Agent (PAT authorization), all Agents who authorize with PATs
    # will get the Bot in the response."
    _add_pat(api.sandbox)
    api.sandbox.credentials.append(SandboxCredential("pat2", "second-pat", kind="pat", account_id="pat-account-8"))
    other_pat = {"Authorization": "Basic " + base64.b64encode(b"pat-account-8:second-pat").decode()}
    by_pat = (await api.raw("create_bot", {"name": "PAT bot", "owner_client_id": DEFAULT_CLIENT_ID}, headers=PAT_HEADER)).json()["id"]
    by_app = (await api.call("create_bot", {"name": "App bot"}))["id"]
    pat_view = [b["id"] for b in (await api.raw("list_bots", {}, headers=other_pat)).json()]
    app_view = [b["id"] for b in await api.call("list_bots", {})]
    assert by_pat in pat_view and by_app not in pat_view
    assert by_app in app_view and by_pat not in app_view


async def test_the_all_scopes_token_keeps_its_scopes_when_made_the_default():
    from server.sandbox import Sandbox

    sandbox = Sandbox(token=ALL_SCOPES_TOKEN)  # livechat-mcp sandbox with LIVECHAT_SANDBOX_TOKEN set to it
    async with httpx.AsyncClient(transport=httpx.ASGITransport(sandbox.app), base_url="http://sb") as http:
        info = (await http.get("/v2/info", headers={"Authorization": f"Bearer {ALL_SCOPES_TOKEN}"})).json()
    assert PRIVATE_SCOPES <= set(info["scope"].split(","))


@pytest.mark.parametrize("action", OWNED_PARAMS)
async def test_another_licenses_organization_cannot_act_for_this_ones_apps(action):
    """Globex, the second sandbox license, is another organization: its owner's token is refused when it
    names Acme's app (the sandbox app's client id) as owner, and acts for its own token's client when it
    names none."""
    from server.sandbox import Sandbox
    from test_sandbox_accounts import token_for

    sandbox = Sandbox()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(sandbox.app), base_url="http://sandbox") as http:
        token = (await token_for(http, "owner@globex.example"))["access_token"]
        headers = {"Authorization": f"Bearer {token}", "X-Region": "fra"}
        url = f"/v3.6/configuration/action/{action}"
        refused = await http.post(url, json={**OWNED[action], "owner_client_id": DEFAULT_CLIENT_ID}, headers=headers)
        assert refused.status_code == 403, refused.text
        assert "not owned by your organization" in refused.json()["error"]["message"]
        if action != "reset_bot_secret":  # Globex's bot there belongs to Acme's app: not its own to reset
            own = await http.post(url, json=OWNED[action], headers=headers)
            assert own.status_code == 200, own.text


@pytest.mark.conformance("credential", "register_webhook", "list_webhooks")
async def test_the_accounts_oauth_app_keeps_a_set_of_definitions_per_license():
    """The deviation noted as C5, shown: the accounts service's OAuth app is the client of Acme's and
    Globex's sign-ins alike; a webhook it registers signed in to Acme is not listed signed in to Globex
    (in LiveChat a client's webhooks are the client's, and Globex could not act for it at all)."""
    from server.sandbox import Sandbox
    from test_sandbox_accounts import token_for

    sandbox = Sandbox()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(sandbox.app), base_url="http://sandbox") as http:
        acme = {"Authorization": f"Bearer {(await token_for(http, 'owner@example.com'))['access_token']}"}
        globex = {"Authorization": f"Bearer {(await token_for(http, 'owner@globex.example'))['access_token']}",
                  "X-Region": "fra"}
        url = "/v3.6/configuration/action/"
        made = await http.post(url + "register_webhook", json=OWNED["register_webhook"], headers=acme)
        assert made.status_code == 200, made.text
        assert [h["id"] for h in (await http.post(url + "list_webhooks", json={}, headers=acme)).json()] == [
            made.json()["id"]]
        assert (await http.post(url + "list_webhooks", json={}, headers=globex)).json() == []
