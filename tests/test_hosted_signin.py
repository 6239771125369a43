"""Hosted mode end to end: the SDK's own OAuth client signs a person in through our consent page
and the sandbox's LiveChat sign-in, then calls tools as that person."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import tool_payload
from tests.hosted import Hosted, connect, hosted, sdk_auth

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def served() -> Iterator[Hosted]:
    with hosted("--allow-writes") as h:
        yield h


async def test_sdk_client_signs_in_and_calls_tools_as_that_person(served: Hosted) -> None:
    provider, storage, browser = sdk_auth(served, "owner@example.com", name="Claude (test)")
    http, client = connect(served, provider)
    async with http, client:
        tools = await client.list_tools()
        assert any(t.name == "create_tag" for t in tools.tools)
        made = await client.call_tool("create_tag", {"name": "hosted-e2e"})
        assert not made.is_error, made
        listed = tool_payload(await client.call_tool("list_tags", {}))["items"]
        assert "hosted-e2e" in [t["name"] for t in listed]
    assert storage.tokens is not None and storage.tokens.refresh_token
    assert not storage.tokens.access_token.startswith(("dal:", "fra:"))  # ours, never LiveChat's
    consent = next(r for url, r in browser.pages if "/oauth/consent" in url and r.status_code == 200)
    assert "Claude (test)" in consent.text and "Acme Support MCP" in consent.text
    lines = [line for line in served.audit_lines() if line["tool"] == "create_tag"]
    assert lines and lines[-1]["principal"]["email"] == "owner@example.com"
    assert lines[-1]["principal"]["client_name"] == "Claude (test)"


async def test_livechat_tokens_are_refreshed_before_they_expire(served: Hosted) -> None:
    import httpx

    # LiveChat tokens that live 100 s are within the refresh margin at once: every call refreshes.
    httpx.post(f"{served.sandbox}/_sandbox/accounts", json={"access_ttl": 100})
    try:
        provider, _, _ = sdk_auth(served, "viceowner@example.com")
        http, client = connect(served, provider)
        async with http, client:
            before = httpx.get(f"{served.sandbox}/_sandbox/accounts").json()
            for _ in range(3):
                result = await client.call_tool("list_tags", {})
                assert not result.is_error, result
            after = httpx.get(f"{served.sandbox}/_sandbox/accounts").json()
            assert after["refreshed"] >= before["refreshed"] + 3
            # Each refresh replaced the old LiveChat token: none piles up.
            assert after["live_tokens"] == before["live_tokens"]
    finally:
        httpx.post(f"{served.sandbox}/_sandbox/accounts", json={"access_ttl": 3600})
