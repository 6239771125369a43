"""Hosted mode's resource server: our tokens need the `livechat` scope at /mcp; one without it is
answered 403 insufficient_scope with the scope to ask for (RFC 6750), so a client can step up."""

from __future__ import annotations

import base64
import os
import time

import httpx
import pytest

from server.auth.records import ACCESS, GRANTS, Grant, TokenRecord, digest
from server.calls.runtime import Settings
from server.doors.hosted import HostedMode, build_hosted_runtime
from server.doors.http import build_http_app
from server.doors.mcp_app import LiveChatMCP

pytestmark = pytest.mark.anyio


async def test_a_token_without_the_livechat_scope_is_403_insufficient_scope(tmp_path) -> None:
    env = {"LIVECHAT_OAUTH_CLIENT_ID": "app", "LIVECHAT_OAUTH_CLIENT_SECRET": "secret",
           "LIVECHAT_MCP_STORE_KEY": base64.b64encode(os.urandom(32)).decode(), "XDG_STATE_HOME": str(tmp_path),
           "LIVECHAT_MCP_STORE": "memory://"}
    runtime = await build_hosted_runtime(Settings.from_env(env), env)
    hosted = HostedMode(runtime, env, host="127.0.0.1", port=8123)
    app = LiveChatMCP(runtime)
    app.resolver = hosted.resolve
    http_app = build_http_app(app.server, host="127.0.0.1", port=8123, env=env, hosted=hosted)
    grant = Grant(grant_id="g", client_id="c", client_name="n", account_id="a", organization_id="o", license_id=None,
                  email="e@example.com", name="N", role="owner", scopes=[], region="dal", created_at=time.time())
    await hosted.records.put(GRANTS, "g", grant, ttl=60)
    for token, scopes in (("narrow", []), ("full", ["livechat"])):
        await hosted.records.put(ACCESS, digest(token), TokenRecord(
            client_id="c", grant_id="g", scopes=scopes, expires_at=int(time.time()) + 60,
            resource=hosted.settings.resource, family="f"), ttl=60)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=http_app), base_url="http://127.0.0.1:8123") as h:
        resp = await h.post("/mcp", json={}, headers={"Authorization": "Bearer narrow"})
        assert resp.status_code == 403
        challenge = resp.headers["www-authenticate"]
        assert 'error="insufficient_scope"' in challenge and "livechat" in challenge
        assert "/.well-known/oauth-protected-resource/mcp" in challenge
        prm = (await h.get("/.well-known/oauth-protected-resource/mcp")).json()
        assert prm["scopes_supported"] == ["livechat"]
    await hosted.aclose()
    await runtime.aclose()
