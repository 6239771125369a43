"""Hosted mode with replicas: two servers behind one public URL share sign-ins, codes and tokens
through the state store, so any replica may answer any step, and a revocation holds on all."""

from __future__ import annotations

import httpx

from tests.hosted import hosted
from tests.test_hosted_attacks import exchange, mcp_status, sign_in


def test_a_sign_in_on_one_replica_works_on_the_other_and_revocation_holds_everywhere() -> None:
    with hosted("--allow-writes", replicas=2) as served:
        first, second = served.replicas
        client_id, verifier, code = sign_in(served)  # the browser steps on the first replica
        tokens = httpx.post(f"{second}/token", data={  # the code exchanged at the second
            "grant_type": "authorization_code", "code": code, "code_verifier": verifier,
            "redirect_uri": "http://127.0.0.1:7777/callback", "client_id": client_id}).json()
        assert "access_token" in tokens, tokens
        on_second = httpx.post(f"{second}/mcp", json={"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "x", "version": "0"}}},
            headers={"Authorization": f"Bearer {tokens['access_token']}", "Accept": "application/json, text/event-stream"})
        assert on_second.status_code == 200
        assert mcp_status(served, tokens["access_token"]).status_code == 200
        httpx.post(f"{first}/revoke", data={"token": tokens["refresh_token"], "client_id": client_id,
                                            "client_secret": ""})
        refused = httpx.post(f"{second}/mcp", json={"jsonrpc": "2.0", "id": 1, "method": "ping"},
                             headers={"Authorization": f"Bearer {tokens['access_token']}",
                                      "Accept": "application/json, text/event-stream"})
        assert refused.status_code == 401
        # A code is single use on every replica, and its replay on another one revokes what it issued.
        again_id, again_verifier, again_code = sign_in(served)
        again = httpx.post(f"{second}/token", data={
            "grant_type": "authorization_code", "code": again_code, "code_verifier": again_verifier,
            "redirect_uri": "http://127.0.0.1:7777/callback", "client_id": again_id}).json()
        assert mcp_status(served, again["access_token"]).status_code == 200
        assert exchange(served, again_id, again_code, again_verifier).json()["error"] == "invalid_grant"
        assert mcp_status(served, again["access_token"]).status_code == 401
