"""Issue 11, item 7: a plan belongs to what the transport established (the SDK-assigned session,
the verified principal), never to an ``Mcp-Session-Id`` header a session-less client chose.

Over real HTTP: the server is the CLI on a free loopback port (uvicorn), the clients speak raw
JSON-RPC so the attacker can send exactly the headers an attacker would."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import mcp_types as types
import pytest
from mcp.server.auth.middleware.bearer_auth import AuthenticatedUser
from mcp.server.auth.provider import AccessToken

from conftest import spawned_http_server
from server.doors.mcp_app import session_key

ACCEPT = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
MODERN = "2026-07-28"
LEGACY = "2025-11-25"


@pytest.fixture(scope="module")
def server_url() -> Iterator[str]:
    with spawned_http_server("--sandbox", "--dry-run") as url:
        yield url


def _answer(resp: httpx.Response) -> dict[str, Any]:
    if resp.headers.get("content-type", "").startswith("text/event-stream"):
        for line in resp.text.splitlines():
            if line.startswith("data:"):
                return json.loads(line[5:])
    return resp.json()


class LegacyClient:
    """A 2025 client: initialize hands it a session id, which it sends on every request."""

    def __init__(self, url: str, name: str) -> None:
        self.url = url
        resp = httpx.post(url, headers=ACCEPT, json={"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
            "protocolVersion": LEGACY, "capabilities": {}, "clientInfo": {"name": name, "version": "1"}}})
        assert resp.status_code == 200, resp.text
        self.session_id = resp.headers["mcp-session-id"]
        self.headers = {**ACCEPT, "Mcp-Session-Id": self.session_id, "Mcp-Protocol-Version": LEGACY}
        httpx.post(url, headers=self.headers, json={"jsonrpc": "2.0", "method": "notifications/initialized"})

    def tool(self, name: str, arguments: dict[str, Any]) -> Any:
        resp = httpx.post(self.url, headers=self.headers, json={
            "jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": name, "arguments": arguments}})
        assert resp.status_code == 200, resp.text
        return json.loads(_answer(resp)["result"]["content"][0]["text"])


class SessionLessClient:
    """A 2026-07-28 client: no handshake, every request carries its own envelope; ``headers``
    are whatever it chooses to send (here: someone else's session id)."""

    def __init__(self, url: str, name: str, headers: dict[str, str] | None = None) -> None:
        self.url, self.name, self.extra = url, name, headers or {}

    def tool(self, name: str, arguments: dict[str, Any]) -> Any:
        meta = {types.PROTOCOL_VERSION_META_KEY: MODERN, types.CLIENT_CAPABILITIES_META_KEY: {},
                types.CLIENT_INFO_META_KEY: {"name": self.name, "version": "1"}}
        headers = {**ACCEPT, "Mcp-Protocol-Version": MODERN, "Mcp-Method": "tools/call", "Mcp-Name": name,
                   **self.extra}
        resp = httpx.post(self.url, headers=headers, json={
            "jsonrpc": "2.0", "id": 1, "method": "tools/call",
            "params": {"name": name, "arguments": arguments, "_meta": meta}})
        assert resp.status_code == 200, resp.text
        return json.loads(_answer(resp)["result"]["content"][0]["text"])


def test_a_session_less_client_cannot_reach_a_sessions_plan_with_its_header(server_url):
    victim = LegacyClient(server_url, "victim")
    assert victim.tool("create_tag", {"name": "victim-tag"})["planned"] is True
    for name in ("victim", "mallory"):  # the same client name does not help either
        attacker = SessionLessClient(server_url, name, {"Mcp-Session-Id": victim.session_id})
        assert attacker.tool("get_plan", {})["steps"] == []
        assert attacker.tool("clear_plan", {}) == {"cleared_steps": 0}
    assert [s["body"] for s in victim.tool("get_plan", {})["steps"]] == [{"name": "victim-tag"}]


def test_session_less_clients_sending_one_header_do_not_share_a_plan(server_url):
    """Two session-less clients (different names) that send the same made-up session id."""
    # Names of this test's own: a session-less client's working plan is keyed by its name in the store,
    # which the spawned --sandbox servers of this run share (tests/test_plans.py plans as "alpha" too).
    alpha = SessionLessClient(server_url, "alpha-header", {"Mcp-Session-Id": "0123456789abcdef0123456789abcdef"})
    mallory = SessionLessClient(server_url, "mallory-header", {"Mcp-Session-Id": "0123456789abcdef0123456789abcdef"})
    assert alpha.tool("create_tag", {"name": "alpha-tag"})["planned"] is True
    assert mallory.tool("get_plan", {})["steps"] == []
    assert [s["body"] for s in alpha.tool("get_plan", {})["steps"]] == [{"name": "alpha-tag"}]


def test_a_legacy_client_cannot_use_an_unknown_session_id(server_url):
    LegacyClient(server_url, "victim")
    resp = httpx.post(server_url, headers={**ACCEPT, "Mcp-Session-Id": "f" * 32, "Mcp-Protocol-Version": LEGACY},
                      json={"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                            "params": {"name": "get_plan", "arguments": {}}})
    assert resp.status_code == 404  # the SDK refuses it before any handler runs


class _Request:
    def __init__(self, headers: dict[str, str], user: Any = None) -> None:
        self.headers = headers
        self.scope: dict[str, Any] = {"type": "http", **({"user": user} if user else {})}


class _Ctx:
    def __init__(self, request: _Request, name: str = "client") -> None:
        self.request = request
        self.meta = {types.CLIENT_INFO_META_KEY: {"name": name, "version": "1"}}
        self.session = None


def _user(subject: str) -> AuthenticatedUser:
    return AuthenticatedUser(AccessToken(token=f"tok-{subject}", client_id="app", scopes=[], subject=subject))


def test_session_less_key_is_the_verified_principal_not_a_header():
    header = {"mcp-session-id": "chosen-by-the-client", "authorization": "Bearer whatever"}
    alice, bob = _user("alice"), _user("bob")
    assert session_key(_Ctx(_Request(header, alice))) != session_key(_Ctx(_Request(header, bob)))
    # The header (and an unverified Authorization header) change nothing.
    assert session_key(_Ctx(_Request({}, alice))) == session_key(_Ctx(_Request(header, alice)))
    assert not session_key(_Ctx(_Request(header))).endswith("chosen-by-the-client")
    assert session_key(_Ctx(_Request({"authorization": "Bearer a"}))) == \
        session_key(_Ctx(_Request({"authorization": "Bearer b"})))
