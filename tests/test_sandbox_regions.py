"""Regions: a sandbox in ``fra`` issues ``fra:`` tokens, as LiveChat's data centers do.

Reference (older text, Data centers): "All the LiveChat OAuth 2.1 access tokens have a prefix: dal:
or fra:. This prefix indicates the data center they belong to. ... if the user token starts with
fra, you should add the X-Region: fra header."
"""

from __future__ import annotations

import subprocess

import httpx
import pytest

from conftest import free_port, tool_payload
from server.sandbox import ALL_SCOPES_TOKEN, APP_TOKEN, Sandbox
from server.sandbox.bots import BOT_ID, BOT_SECRET
from test_http_security import clean_env, cli, wait_for_port
from test_sandbox_accounts import token_for

pytestmark = pytest.mark.anyio


def client(sandbox: Sandbox) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=sandbox.app), base_url="http://sandbox")


async def test_a_fra_sandbox_issues_fra_tokens_everywhere() -> None:
    sandbox = Sandbox(region="fra")
    assert sandbox.token == sandbox.app_token == "fra:sandbox-app-token"
    assert sandbox.all_scopes_token == "fra:sandbox-token-all-scopes"
    url = "/v3.6/configuration/action/"
    async with client(sandbox) as http:
        for token in (sandbox.app_token, sandbox.all_scopes_token):
            info = await http.get("/v2/info", headers={"Authorization": f"Bearer {token}"})
            assert info.status_code == 200 and info.json()["access_token"].startswith("fra:")
            listed = await http.post(url + "list_tags", json={}, headers={"Authorization": f"Bearer {token}",
                                                                         "X-Region": "fra"})
            assert listed.status_code == 200, listed.text
        # The dal: spellings are no tokens of a fra sandbox.
        for token in (APP_TOKEN, ALL_SCOPES_TOKEN):
            refused = await http.post(url + "list_tags", json={}, headers={"Authorization": f"Bearer {token}"})
            assert refused.status_code == 401 and refused.json()["error"]["type"] == "authentication"
        # Without X-Region a request goes to dal, the default: LiveChat names the token's data center.
        misdirected = await http.post(url + "list_tags", json={},
                                      headers={"Authorization": f"Bearer {sandbox.all_scopes_token}"})
        assert misdirected.json()["error"] == {"type": "misdirected_request", "message": "Wrong region",
                                               "data": {"region": "fra"}}
        # Signed-in people and bots get fra: tokens too.
        signed_in = await token_for(http, "owner@example.com")
        assert signed_in["access_token"].startswith("fra:") and signed_in["refresh_token"].startswith("fra:")
        bot = await http.post(url + "issue_bot_token", headers={"Authorization": f"Bearer {sandbox.all_scopes_token}",
                                                                "X-Region": "fra"},
                              json={"bot_id": BOT_ID, "client_id": "sandbox0client0id0000000000000000",
                                    "bot_secret": BOT_SECRET, "organization_id": sandbox.state.organization_id})
        assert bot.json()["token"].startswith("fra:"), bot.text


def test_a_region_outside_livechats_is_refused() -> None:
    with pytest.raises(ValueError, match="dal, fra"):
        Sandbox(region="mars")


async def test_livechat_mcp_sandbox_region_fra_prints_fra_tokens_the_server_then_uses(make_server) -> None:
    port = free_port()
    proc = subprocess.Popen([*cli(), "sandbox", "--port", str(port), "--region", "fra"], text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=clean_env())
    try:
        wait_for_port(port, proc)
        base = f"http://127.0.0.1:{port}"
        env = {"LIVECHAT_API_URL": base, "LIVECHAT_ACCOUNTS_URL": base, "LIVECHAT_ACCESS_TOKEN": "fra:sandbox-app-token"}
        async with make_server(policy="full-access", env=env) as s:
            result = await s.client.call_tool("list_tags", {})
            whoami = tool_payload(await s.client.call_tool("whoami", {}))
        assert not result.is_error, tool_payload(result)
        assert whoami["region"] == "fra"
        sent = httpx.get(f"{base}/_sandbox/requests").json()["requests"]
        assert [r["region"] for r in sent if r["action"] == "list_tags"] == ["fra"]  # right the first time
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=10)
    assert "fra:sandbox-app-token" in err and "fra:sandbox-token-all-scopes" in err and "dal:" not in err
