"""The sandbox's accounts service: sign-in, codes with PKCE, tokens per license, info, budgets."""

from __future__ import annotations

import base64
import hashlib
import secrets
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from server.sandbox import Sandbox
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
        assert "owner@acme.example" in page.text and "owner@globex.example" in page.text
        assert "default-src 'none'" in page.headers["content-security-policy"]
        token = page.text.split('name="form_token" value="')[1].split('"')[0]
        agent = sandbox.accounts.by_email("agent@acme.example")
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


async def test_code_is_single_use_and_needs_the_right_verifier() -> None:
    async with client(Sandbox()) as http:
        verifier, challenge = pkce()
        code = await sign_in(http, "owner@acme.example", challenge)
        wrong = await exchange(http, code, "not-the-verifier-" + "x" * 40)
        assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
        code = await sign_in(http, "owner@acme.example", challenge)
        assert (await exchange(http, code, verifier)).status_code == 200
        replay = await exchange(http, code, verifier)
        assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"


async def test_expired_code_is_invalid_grant() -> None:
    sandbox = Sandbox()
    sandbox.accounts.code_ttl = -1
    async with client(sandbox) as http:
        verifier, challenge = pkce()
        resp = await exchange(http, await sign_in(http, "owner@acme.example", challenge), verifier)
        assert resp.json() == {"error": "invalid_grant", "error_description": "the code has expired"}


async def test_tokens_carry_region_info_and_account() -> None:
    async with client(Sandbox()) as http:
        acme = await token_for(http, "agent@acme.example")
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
        acme = await token_for(http, "owner@acme.example")
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
        readonly = await token_for(http, "agent@acme.example")
        refused = await http.post(url + "create_tag", json={"name": "x"},
                                  headers={"Authorization": f"Bearer {readonly['access_token']}", "X-Region": "dal"})
        assert refused.status_code == 403


async def test_each_license_has_its_own_budget() -> None:
    sandbox = Sandbox(rate_limit=2, rate_period=600)
    async with client(sandbox) as http:
        acme = await token_for(http, "owner@acme.example")
        globex = await token_for(http, "owner@globex.example")
        url = "/v3.6/configuration/action/list_tags"
        for _ in range(2):
            assert (await http.post(url, json={}, headers={"Authorization": f"Bearer {acme['access_token']}"})).status_code == 200
        assert (await http.post(url, json={}, headers={"Authorization": f"Bearer {acme['access_token']}"})).status_code == 429
        other = await http.post(url, json={}, headers={"Authorization": f"Bearer {globex['access_token']}", "X-Region": "fra"})
        assert other.status_code == 200


async def test_refresh_rotates_and_revoke_forgets() -> None:
    async with client(Sandbox()) as http:
        first = await token_for(http, "owner@acme.example")
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
