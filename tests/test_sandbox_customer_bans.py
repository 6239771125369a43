"""Sandbox customer bans: list the active bans, lift one by IP or customer ID."""

import pytest

from server.sandbox.core import parse_rfc3339
from server.sandbox.customer_bans import BANNED_CUSTOMER_ID, BANNED_IP, SEED_TIME

pytestmark = pytest.mark.anyio


@pytest.fixture(autouse=True)
def _at_seed_time(api):
    """These tests read the seeded ban at the dates they were written for: the clock is frozen
    there and the license re-seeded (bans expire as the clock moves: test_sandbox_clock.py)."""
    api.sandbox.clock.freeze(parse_rfc3339(SEED_TIME))
    api.sandbox.reset()


@pytest.mark.conformance("semantics", "list_customer_bans")
async def test_list_customer_bans_shape(api):
    bans = await api.call("list_customer_bans", {})
    assert bans == [
        {
            "ip": BANNED_IP,
            "customer_id": BANNED_CUSTOMER_ID,
            "agent_id": "john@example.com",
            "thread_id": "T00M0307QQ",
            "created_at": "2024-02-28T09:00:00.000000Z",
            "expires_at": "2024-03-06T09:00:00.000000Z",
        }
    ]


async def test_list_customer_bans_takes_no_parameters(api):
    assert (await api.error("list_customer_bans", {"ip": BANNED_IP}))["type"] == "validation"


@pytest.mark.conformance("semantics", "list_customer_bans", "unban_customer")
async def test_expired_bans_are_not_listed_or_lifted(api):
    api.sandbox.state.customer_bans.append(
        {"ip": "10.0.0.9", "agent_id": "jane@example.com", "created_at": "2024-01-01T00:00:00.000000Z", "expires_at": "2024-01-08T00:00:00.000000Z"}
    )
    assert "10.0.0.9" not in [ban["ip"] for ban in await api.call("list_customer_bans", {})]
    assert (await api.error("unban_customer", {"ip": "10.0.0.9"}))["type"] == "not_found"


@pytest.mark.conformance("semantics", "unban_customer")
async def test_unban_by_ip(api):
    # The API answers {}; the test client maps an empty MCP result to None.
    assert await api.call("unban_customer", {"ip": BANNED_IP}) == (None if api.mode == "mcp" else {})
    assert await api.call("list_customer_bans", {}) == []
    assert (await api.error("unban_customer", {"ip": BANNED_IP}))["type"] == "not_found"


@pytest.mark.conformance("semantics", "unban_customer")
async def test_unban_by_customer_id(api):
    await api.call("unban_customer", {"customer_id": BANNED_CUSTOMER_ID})
    assert await api.call("list_customer_bans", {}) == []


@pytest.mark.conformance("semantics", "unban_customer")
async def test_unban_lifts_only_matching_bans(api):
    api.sandbox.state.customer_bans.append(
        {"ip": "10.42.42.1", "agent_id": "jane@example.com", "created_at": "2024-02-29T00:00:00.000000Z", "expires_at": "2024-03-07T00:00:00.000000Z"}
    )
    await api.call("unban_customer", {"ip": "10.42.42.1"})
    assert [ban["ip"] for ban in await api.call("list_customer_bans", {})] == [BANNED_IP]


@pytest.mark.parametrize(
    "body",
    [{}, {"ip": BANNED_IP, "customer_id": BANNED_CUSTOMER_ID}, {"ip": "999.1.1.1"}, {"customer_id": ""}],
)
async def test_unban_refuses_bad_identifiers(api, body):
    assert (await api.error("unban_customer", body))["type"] == "validation"
    assert len(api.sandbox.state.customer_bans) == 1


async def test_unknown_customer_is_not_found(api):
    assert (await api.error("unban_customer", {"customer_id": "nobody"}))["type"] == "not_found"


async def test_ban_scopes(api):
    from server.sandbox.app import SandboxCredential

    api.sandbox.credentials.append(SandboxCredential("reader", "dal:reader", scopes=frozenset({"banlist_read"})))
    assert await api.call("list_customer_bans", {}, token="dal:reader")
    err = await api.error("unban_customer", {"ip": BANNED_IP}, token="dal:reader")
    assert err["type"] == "authorization"
