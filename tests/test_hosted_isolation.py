"""Hosted mode: each person acts as themselves. Two people on two licenses and one on the same
license with fewer scopes see only their license's data and their own plans, are refused what
their token (or role) lacks even where the operator allows it, and the audit names each."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import tool_payload
from tests.hosted import Hosted, connect, hosted, sdk_auth

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def served() -> Iterator[Hosted]:
    with hosted("--allow-writes", LIVECHAT_OAUTH_WRITE_ROLES="owner,viceowner") as h:
        yield h


async def call(served: Hosted, email: str, *calls: tuple[str, dict]) -> list:
    provider, _, _ = sdk_auth(served, email, name=f"client of {email}")
    http, client = connect(served, provider)
    out = []
    async with http, client:
        for name, args in calls:
            out.append(await client.call_tool(name, args))
    return out


def names(result) -> list[str]:
    return [t["name"] for t in tool_payload(result)["items"]]


async def test_each_person_sees_only_their_license_and_is_held_to_their_rights(served: Hosted) -> None:
    acme_owner = await call(served, "owner@example.com", ("create_tag", {"name": "acme-only"}), ("list_tags", {}))
    assert not acme_owner[0].is_error and "acme-only" in names(acme_owner[1])

    globex = await call(served, "owner@globex.example", ("list_tags", {}), ("create_tag", {"name": "globex-only"}),
                        ("list_tags", {}))
    assert "acme-only" not in names(globex[0])  # another license: another state, in another region (fra)
    assert not globex[1].is_error and "globex-only" in names(globex[2])

    # Same license, a token with read scopes only: sees the license's data, cannot write although
    # the operator's policy allows writes.
    agent = await call(served, "john@example.com", ("list_tags", {}), ("create_tag", {"name": "nope"}))
    assert "acme-only" in names(agent[0]) and "globex-only" not in names(agent[0])
    refused = tool_payload(agent[1])["error"]
    assert agent[1].is_error and refused["type"] == "refused" and refused["rule"] == "scopes"

    # Same license, every scope, but a role the operator did not let write.
    admin = await call(served, "jane@example.com", ("create_tag", {"name": "nope"}))
    admin_error = tool_payload(admin[0])["error"]
    assert admin[0].is_error and admin_error["rule"] == "role" and "administrator" in admin_error["message"]
    assert "LiveChat account does not have the scope tags--all:rw" in refused["how_to_allow"]
    assert "--" + "allow" not in refused["how_to_allow"]  # never a flag for a signed-in person

    lines = served.audit_lines()
    by_email = {line["principal"]["email"]: line for line in lines if line["tool"] == "create_tag"}
    assert by_email["owner@example.com"]["decision"] == "allowed"
    assert by_email["owner@globex.example"]["decision"] == "allowed"
    assert by_email["john@example.com"]["decision"] == "refused"
    assert by_email["jane@example.com"]["decision"] == "refused"
    assert by_email["owner@globex.example"]["principal"]["organization_id"] != \
        by_email["owner@example.com"]["principal"]["organization_id"]
    assert all("dal:" not in str(line) and "fra:" not in str(line) for line in lines)  # no LiveChat token
    signed_in = {line["principal"]["email"] for line in lines if line["tool"] == "oauth/sign_in"}
    assert {"owner@example.com", "owner@globex.example", "john@example.com", "jane@example.com"} <= signed_in


async def token_of(served: Hosted, email: str) -> str:
    provider, storage, _ = sdk_auth(served, email)
    http, client = connect(served, provider)
    async with http, client:
        await client.list_tools()
    assert storage.tokens is not None
    return storage.tokens.access_token


def rpc(served: Hosted, token: str, method: str, params: dict, session: str | None = None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json",
               "Accept": "application/json, text/event-stream", "MCP-Protocol-Version": "2025-06-18"}
    if session:
        headers["Mcp-Session-Id"] = session
    body = {"jsonrpc": "2.0", "id": 1, "method": method, "params": params}
    return httpx.post(served.mcp, json=body, headers=headers, timeout=30)


def open_session(served: Hosted, token: str) -> str:
    init = rpc(served, token, "initialize", {"protocolVersion": "2025-06-18", "capabilities": {},
                                            "clientInfo": {"name": "raw", "version": "0"}})
    session = init.headers["mcp-session-id"]
    rpc(served, token, "notifications/initialized", {}, session)
    return session


async def test_plans_are_per_person_even_with_a_stolen_session_id() -> None:
    with hosted("--dry-run") as served:
        owner, vice = await token_of(served, "owner@example.com"), await token_of(served, "viceowner@example.com")
        session = open_session(served, owner)
        planned = rpc(served, owner, "tools/call", {"name": "create_tag", "arguments": {"name": "secret-plan"}}, session)
        assert "secret-plan" in planned.text
        mine = rpc(served, owner, "tools/call", {"name": "get_plan", "arguments": {}}, session)
        assert "secret-plan" in mine.text
        # Another person on the same license presenting the owner's session id never sees the plan.
        stolen = rpc(served, vice, "tools/call", {"name": "get_plan", "arguments": {}}, session)
        assert "secret-plan" not in stolen.text
        theirs = rpc(served, vice, "tools/call", {"name": "get_plan", "arguments": {}}, open_session(served, vice))
        assert "secret-plan" not in theirs.text and theirs.status_code == 200
