"""The sandbox's accounts service: sign-in, codes with PKCE, tokens per license, info, budgets."""

from __future__ import annotations

import base64
import hashlib
import secrets
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from server.sandbox import ALL_SCOPES_TOKEN, Sandbox
from server.sandbox.accounts import DEFAULT_OAUTH_CLIENT_ID, DEFAULT_OAUTH_CLIENT_SECRET, SECOND_ORGANIZATION_ID

pytestmark = pytest.mark.anyio
REDIRECT = "http://127.0.0.1:9/callback"


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    return verifier, challenge


def client(sandbox: Sandbox) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=sandbox.app), base_url="http://sandbox")


async def sign_in(http: httpx.AsyncClient, email: str, challenge: str, state: str = "s1") -> str:
    resp = await http.get("/", params={
        "response_type": "code", "client_id": DEFAULT_OAUTH_CLIENT_ID, "redirect_uri": REDIRECT, "state": state,
        "code_challenge": challenge, "code_challenge_method": "S256", "login_hint": email,
    })
    assert resp.status_code == 302, resp.text
    query = parse_qs(urlsplit(resp.headers["location"]).query)
    assert query["state"] == [state]
    return query["code"][0]


async def exchange(http: httpx.AsyncClient, code: str, verifier: str) -> httpx.Response:
    return await http.post("/v2/token", data={
        "grant_type": "authorization_code", "code": code, "code_verifier": verifier, "redirect_uri": REDIRECT,
        "client_id": DEFAULT_OAUTH_CLIENT_ID, "client_secret": DEFAULT_OAUTH_CLIENT_SECRET,
    })


async def token_for(http: httpx.AsyncClient, email: str) -> dict[str, str]:
    verifier, challenge = pkce()
    resp = await exchange(http, await sign_in(http, email, challenge), verifier)
    assert resp.status_code == 200, resp.text
    return resp.json()


async def test_sign_in_page_lists_accounts_and_the_form_signs_in() -> None:
    sandbox = Sandbox()
    async with client(sandbox) as http:
        _, challenge = pkce()
        params = {"response_type": "code", "client_id": DEFAULT_OAUTH_CLIENT_ID, "redirect_uri": REDIRECT,
                  "state": "xyz", "code_challenge": challenge, "code_challenge_method": "S256"}
        page = await http.get("/", params=params)
        assert page.status_code == 200
        assert "owner@example.com" in page.text and "owner@globex.example" in page.text
        assert "default-src 'none'" in page.headers["content-security-policy"]
        token = page.text.split('name="form_token" value="')[1].split('"')[0]
        agent = sandbox.accounts.by_email("john@example.com")
        assert agent is not None
        resp = await http.post("/", data={**params, "form_token": token, "account_id": agent.account_id,
                                          "action": "sign_in"})
        assert resp.status_code == 302 and "code=" in resp.headers["location"]
        forged = await http.post("/", data={**params, "form_token": "0" * 64, "account_id": agent.account_id})
        assert forged.status_code == 400


async def test_unknown_client_and_foreign_redirect_are_refused_without_redirecting() -> None:
    async with client(Sandbox()) as http:
        bad_client = await http.get("/", params={"response_type": "code", "client_id": "nope", "redirect_uri": REDIRECT})
        assert bad_client.status_code == 400
        foreign = await http.get("/", params={"response_type": "code", "client_id": DEFAULT_OAUTH_CLIENT_ID,
                                              "redirect_uri": "https://evil.example/cb"})
        assert foreign.status_code == 400 and "location" not in foreign.headers



@pytest.mark.parametrize("redirect_uri", ["http://127.0.0.1:9/callback", "https://localhost:8443/oauth/callback",
                                          "https://127.84.2.3/oauth/callback", "http://[::1]:9/cb"])
async def test_loopback_redirect_uris_are_accepted_over_http_and_https(redirect_uri: str) -> None:
    """A hosted server tried on loopback behind a TLS proxy (docs/hosting.md's recipe) comes back on https."""
    async with client(Sandbox()) as http:
        page = await http.get("/", params={"response_type": "code", "client_id": DEFAULT_OAUTH_CLIENT_ID,
                                           "redirect_uri": redirect_uri, "state": "s"})
        assert page.status_code == 200, page.text[:200]


@pytest.mark.parametrize("redirect_uri", ["https://127.0.0.1.evil.example/cb", "https://localhost.evil.example/cb",
                                          "ftp://127.0.0.1/cb", "https://10.0.0.1/cb"])
async def test_redirect_uris_that_only_look_local_are_refused(redirect_uri: str) -> None:
    async with client(Sandbox()) as http:
        page = await http.get("/", params={"response_type": "code", "client_id": DEFAULT_OAUTH_CLIENT_ID,
                                           "redirect_uri": redirect_uri, "state": "s"})
        assert page.status_code == 400 and "location" not in page.headers

async def test_code_is_single_use_and_needs_the_right_verifier() -> None:
    async with client(Sandbox()) as http:
        verifier, challenge = pkce()
        code = await sign_in(http, "owner@example.com", challenge)
        wrong = await exchange(http, code, "not-the-verifier-" + "x" * 40)
        assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
        code = await sign_in(http, "owner@example.com", challenge)
        assert (await exchange(http, code, verifier)).status_code == 200
        replay = await exchange(http, code, verifier)
        assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"


async def test_expired_code_is_invalid_grant() -> None:
    sandbox = Sandbox()
    sandbox.accounts.code_ttl = -1
    async with client(sandbox) as http:
        verifier, challenge = pkce()
        resp = await exchange(http, await sign_in(http, "owner@example.com", challenge), verifier)
        assert resp.json() == {"error": "invalid_grant", "error_description": "the code has expired"}


async def test_tokens_carry_region_info_and_account() -> None:
    async with client(Sandbox()) as http:
        acme = await token_for(http, "john@example.com")
        globex = await token_for(http, "owner@globex.example")
        assert acme["access_token"].startswith("dal:") and globex["access_token"].startswith("fra:")
        info = (await http.get("/v2/info", headers={"Authorization": f"Bearer {acme['access_token']}"})).json()
        assert info["client_id"] == DEFAULT_OAUTH_CLIENT_ID and "agents--all:rw" not in info["scope"].split(",")
        assert "agents--all:ro" in info["scope"].split(",") and 0 < info["expires_in"] <= 3600
        me = (await http.get("/v2/accounts/me", headers={"Authorization": f"Bearer {globex['access_token']}"})).json()
        assert me["email"] == "owner@globex.example" and me["role"] == "owner"
        assert me["organization_id"] == SECOND_ORGANIZATION_ID


async def test_each_license_has_its_own_state() -> None:
    sandbox = Sandbox()
    async with client(sandbox) as http:
        acme = await token_for(http, "owner@example.com")
        globex = await token_for(http, "owner@globex.example")
        url = "/v3.6/configuration/action/"
        made = await http.post(url + "create_tag", json={"name": "only-acme"},
                               headers={"Authorization": f"Bearer {acme['access_token']}", "X-Region": "dal"})
        assert made.status_code == 200, made.text
        seen = await http.post(url + "list_tags", json={},
                               headers={"Authorization": f"Bearer {globex['access_token']}", "X-Region": "fra"})
        assert "only-acme" not in [t["name"] for t in seen.json()]
        misdirected = await http.post(url + "list_tags", json={},
                                      headers={"Authorization": f"Bearer {globex['access_token']}", "X-Region": "dal"})
        assert misdirected.status_code == 421
        readonly = await token_for(http, "john@example.com")
        refused = await http.post(url + "create_tag", json={"name": "x"},
                                  headers={"Authorization": f"Bearer {readonly['access_token']}", "X-Region": "dal"})
        assert refused.status_code == 403


async def test_each_license_has_its_own_budget() -> None:
    sandbox = Sandbox(rate_limit=2, rate_period=600)
    async with client(sandbox) as http:
        acme = await token_for(http, "owner@example.com")
        globex = await token_for(http, "owner@globex.example")
        url = "/v3.6/configuration/action/list_tags"
        for _ in range(2):
            assert (await http.post(url, json={}, headers={"Authorization": f"Bearer {acme['access_token']}"})).status_code == 200
        assert (await http.post(url, json={}, headers={"Authorization": f"Bearer {acme['access_token']}"})).status_code == 429
        other = await http.post(url, json={}, headers={"Authorization": f"Bearer {globex['access_token']}", "X-Region": "fra"})
        assert other.status_code == 200


async def test_refresh_rotates_and_revoke_forgets() -> None:
    async with client(Sandbox()) as http:
        first = await token_for(http, "owner@example.com")
        form = {"grant_type": "refresh_token", "refresh_token": first["refresh_token"],
                "client_id": DEFAULT_OAUTH_CLIENT_ID, "client_secret": DEFAULT_OAUTH_CLIENT_SECRET}
        second = (await http.post("/v2/token", data=form)).json()
        assert second["access_token"] != first["access_token"]
        assert (await http.get("/v2/info", headers={"Authorization": f"Bearer {first['access_token']}"})).status_code == 401
        assert (await http.post("/v2/token", data=form)).json()["error"] == "invalid_grant"
        auth = {"Authorization": f"Bearer {second['access_token']}"}
        assert (await http.delete("/v2/token", headers=auth)).status_code == 200
        assert (await http.get("/v2/info", headers=auth)).status_code == 401


async def test_default_token_still_acts_on_the_default_license() -> None:
    sandbox = Sandbox()
    async with client(sandbox) as http:
        from server.sandbox import DEFAULT_TOKEN

        resp = await http.post("/v3.6/configuration/action/list_agents", json={},
                               headers={"Authorization": f"Bearer {DEFAULT_TOKEN}"})
        assert resp.status_code == 200 and resp.json()


# --- the accounts are the licenses' agents (issue 25) ---------------------------------------------


async def test_every_account_is_an_agent_of_its_license_with_its_role() -> None:
    sandbox = Sandbox()
    async with client(sandbox) as http:
        listed = (await http.get("/_sandbox/accounts")).json()
        assert len(listed["accounts"]) == 12  # six people on each license
        for account in listed["accounts"]:
            org = sandbox.accounts.organizations[account["organization_id"]]
            agent = org.state.agents[account["email"]]
            assert (agent["account_id"], agent["role"]) == (account["account_id"], account["role"])
        # And the other way: every agent of a license is an account (one awaiting approval is listed as such).
        for org in sandbox.accounts.organizations.values():
            assert {(a["id"], a["awaiting_approval"]) for a in org.state.agents.values()} == {
                (a["email"], a["awaiting_approval"]) for a in listed["accounts"]
                if a["organization_id"] == org.organization_id}


@pytest.mark.conformance("semantics", "approve_agent")
async def test_an_agent_awaiting_approval_signs_in_once_approved() -> None:
    """Our rule (note M15): an agent awaiting approval may not use the license, so the accounts service
    does not sign it in either (access_denied, saying why), by login_hint or by the form, and the page shows
    it unavailable; once an owner approves it, it signs in and its token works. A suspended agent still
    signs in: asking to be unsuspended is what it may do."""
    sandbox = Sandbox()
    async with client(sandbox) as http:
        _, challenge = pkce()
        params = {"response_type": "code", "client_id": DEFAULT_OAUTH_CLIENT_ID, "redirect_uri": REDIRECT,
                  "state": "s9", "code_challenge": challenge, "code_challenge_method": "S256"}
        hinted = await http.get("/", params={**params, "login_hint": "awaiting@example.com"})
        assert hinted.status_code == 302
        query = parse_qs(urlsplit(hinted.headers["location"]).query)
        assert query["error"] == ["access_denied"] and query["state"] == ["s9"] and "code" not in query
        assert "awaiting approval" in query["error_description"][0]
        page = await http.get("/", params=params)
        row = next(line for line in page.text.split("<li>") if "awaiting@example.com" in line)
        assert " disabled" in row and "awaiting approval" in row
        form_token = page.text.split('name="form_token" value="')[1].split('"')[0]
        awaiting = sandbox.accounts.by_email("awaiting@example.com")
        assert awaiting is not None
        posted = await http.post("/", data={**params, "form_token": form_token, "account_id": awaiting.account_id,
                                            "action": "sign_in"})
        assert posted.status_code == 302 and "error=access_denied" in posted.headers["location"]
        assert "code=" not in posted.headers["location"]

        url = "/v3.6/configuration/action/"
        approved = await http.post(url + "approve_agent", json={"id": "awaiting@example.com"},
                                   headers={"Authorization": f"Bearer {ALL_SCOPES_TOKEN}"})
        assert approved.status_code == 200, approved.text
        token = (await token_for(http, "awaiting@example.com"))["access_token"]
        auth = {"Authorization": f"Bearer {token}", "X-Region": token.split(":")[0]}
        assert (await http.post(url + "list_tags", json={}, headers=auth)).status_code == 200

        suspended = (await token_for(http, "suspended@example.com"))["access_token"]
        auth = {"Authorization": f"Bearer {suspended}", "X-Region": suspended.split(":")[0]}
        assert (await http.post(url + "list_tags", json={}, headers=auth)).status_code == 403
        assert (await http.post(url + "request_agent_unsuspension", json={}, headers=auth)).status_code == 200


@pytest.mark.parametrize("email, role", [("owner@example.com", "owner"), ("jane@example.com", "administrator"),
                                         ("owner@globex.example", "owner")])
async def test_a_signed_in_person_acts_as_their_agent(email: str, role: str) -> None:
    sandbox = Sandbox()
    async with client(sandbox) as http:
        token = (await token_for(http, email))["access_token"]
        auth = {"Authorization": f"Bearer {token}", "X-Region": token.split(":")[0]}
        me = (await http.get("/v2/accounts/me", headers=auth)).json()
        info = (await http.get("/v2/info", headers=auth)).json()
        url = "/v3.6/configuration/action/"
        agent = (await http.post(url + "get_agent", json={"id": email}, headers=auth)).json()
        assert me["email"] == agent["id"] == email and me["role"] == agent["role"] == role
        assert info["account_id"] == me["account_id"] == agent["account_id"]
        # What they do is theirs: a tag they create names them as its author.
        assert (await http.post(url + "create_tag", json={"name": "mine"}, headers=auth)).status_code == 200
        tags = (await http.post(url + "list_tags", json={}, headers=auth)).json()
        assert next(t for t in tags if t["name"] == "mine")["author_id"] == email
        # Only their own license's people are agents there.
        agents = {a["id"] for a in (await http.post(url + "list_agents", json={}, headers=auth)).json()}
        other_license_owner = "owner@example.com" if email.endswith("globex.example") else "owner@globex.example"
        assert email in agents and other_license_owner not in agents


async def test_a_role_changed_on_the_license_is_the_role_the_accounts_service_answers() -> None:
    sandbox = Sandbox()
    async with client(sandbox) as http:
        john = (await token_for(http, "john@example.com"))["access_token"]
        owner = (await token_for(http, "owner@example.com"))["access_token"]
        changed = await http.post("/v3.6/configuration/action/update_agent", json={"id": "john@example.com",
                                  "role": "administrator"}, headers={"Authorization": f"Bearer {owner}"})
        assert changed.status_code == 200, changed.text
        me = (await http.get("/v2/accounts/me", headers={"Authorization": f"Bearer {john}"})).json()
        assert me["role"] == "administrator"


async def test_a_deleted_agents_tokens_stop_working() -> None:
    sandbox = Sandbox()
    async with client(sandbox) as http:
        jane = await token_for(http, "jane@example.com")
        owner = (await token_for(http, "owner@example.com"))["access_token"]
        gone = await http.post("/v3.6/configuration/action/delete_agent", json={"id": "jane@example.com"},
                               headers={"Authorization": f"Bearer {owner}"})
        assert gone.status_code == 200, gone.text
        auth = {"Authorization": f"Bearer {jane['access_token']}"}
        refused = await http.post("/v3.6/configuration/action/list_tags", json={}, headers=auth)
        assert refused.status_code == 401 and refused.json()["error"]["type"] == "authentication"
        assert (await http.get("/v2/accounts/me", headers=auth)).status_code == 401
        form = {"grant_type": "refresh_token", "refresh_token": jane["refresh_token"],
                "client_id": DEFAULT_OAUTH_CLIENT_ID, "client_secret": DEFAULT_OAUTH_CLIENT_SECRET}
        assert (await http.post("/v2/token", data=form)).json()["error"] == "invalid_grant"
        assert sandbox.accounts.by_email("jane@example.com") is None


async def test_a_pat_of_an_agent_acts_as_that_agent() -> None:
    from server.sandbox import SandboxCredential
    from server.sandbox.agents import account_id

    sandbox = Sandbox()
    sandbox.credentials.append(SandboxCredential("jane-pat", "jane-pat-secret", kind="pat", account_id=account_id(3)))
    basic = base64.b64encode(f"{account_id(3)}:jane-pat-secret".encode()).decode()
    async with client(sandbox) as http:
        made = await http.post("/v3.6/configuration/action/create_tag", json={"name": "by-pat"},
                               headers={"Authorization": f"Basic {basic}"})
        assert made.status_code == 200, made.text
    assert sandbox.state.tags["by-pat"]["author_id"] == "jane@example.com"


async def test_the_built_in_tokens_belong_to_the_licenses_owner() -> None:
    """The default tokens act as the owner's account (token info's account_id): the accounts service
    names that person, an agent of the license."""
    from server.sandbox import ALL_SCOPES_TOKEN, APP_TOKEN

    sandbox = Sandbox()
    async with client(sandbox) as http:
        for token in (APP_TOKEN, ALL_SCOPES_TOKEN):
            auth = {"Authorization": f"Bearer {token}"}
            info = (await http.get("/v2/info", headers=auth)).json()
            me = (await http.get("/v2/accounts/me", headers=auth)).json()
            assert me["account_id"] == info["account_id"] and me["email"] == "owner@example.com"
            assert sandbox.state.agents[me["email"]]["role"] == me["role"] == "owner"
        assert (await http.get("/v2/accounts/me", headers={"Authorization": "Bearer dal:nope"})).status_code == 401


@pytest.mark.conformance("credential", "update_agent")
async def test_a_demoted_agents_tokens_lose_what_the_new_role_does_not_allow() -> None:
    """The role is the license's, read when asked: Jane (administrator) made a normal agent can no longer
    write with the token she already holds, and its token info says so; a promotion grants nothing the
    token was not given."""
    sandbox = Sandbox()
    async with client(sandbox) as http:
        jane = {"Authorization": f"Bearer {(await token_for(http, 'jane@example.com'))['access_token']}"}
        john = {"Authorization": f"Bearer {(await token_for(http, 'john@example.com'))['access_token']}"}
        owner = {"Authorization": f"Bearer {(await token_for(http, 'owner@example.com'))['access_token']}"}
        url = "/v3.6/configuration/action/"
        assert (await http.post(url + "create_tag", json={"name": "before"}, headers=jane)).status_code == 200
        for who, role in (("jane@example.com", "normal"), ("john@example.com", "administrator")):
            changed = await http.post(url + "update_agent", json={"id": who, "role": role}, headers=owner)
            assert changed.status_code == 200, changed.text
        refused = await http.post(url + "create_tag", json={"name": "after"}, headers=jane)
        assert refused.status_code == 403 and refused.json()["error"]["type"] == "authorization"
        assert "tags--all:rw" not in (await http.get("/v2/info", headers=jane)).json()["scope"].split(",")
        assert (await http.post(url + "list_tags", json={}, headers=jane)).status_code == 200  # still reads
        promoted = await http.post(url + "create_tag", json={"name": "johns"}, headers=john)
        assert promoted.status_code == 403  # his token was granted reading only


async def test_like_livechat_an_app_holds_25_tokens_per_person_and_the_26th_revokes_the_oldest() -> None:
    sandbox = Sandbox()
    async with client(sandbox) as http:
        other = await token_for(http, "jane@example.com")
        issued = [await token_for(http, "owner@example.com") for _ in range(26)]

        async def works(token: str) -> bool:
            return (await http.get("/v2/info", headers={"Authorization": f"Bearer {token}"})).status_code == 200

        assert not await works(issued[0]["access_token"])  # the oldest pair went, its refresh token too
        refreshed = await http.post("/v2/token", data={
            "grant_type": "refresh_token", "refresh_token": issued[0]["refresh_token"],
            "client_id": DEFAULT_OAUTH_CLIENT_ID, "client_secret": DEFAULT_OAUTH_CLIENT_SECRET})
        assert refreshed.json()["error"] == "invalid_grant"
        assert all([await works(t["access_token"]) for t in issued[1:]])
        assert await works(other["access_token"])  # per person: someone else's tokens are not counted
        counts = (await http.get("/_sandbox/accounts")).json()["live_tokens_by_account"]
        assert counts[issued[1]["account_id"]] == 25 and counts[other["account_id"]] == 1
