"""Resilience through real MCP tool calls against the loopback sandbox with injected faults."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from tests.conftest import tool_payload

pytestmark = pytest.mark.anyio


async def fault(loopback: Any, **spec: Any) -> None:
    async with httpx.AsyncClient() as http:
        resp = await http.post(f"{loopback.url}/_sandbox/faults", json=spec)
        resp.raise_for_status()


async def config(loopback: Any, **spec: Any) -> None:
    async with httpx.AsyncClient() as http:
        resp = await http.post(f"{loopback.url}/_sandbox/config", json=spec)
        resp.raise_for_status()


def sent(loopback: Any, action: str) -> list[dict[str, Any]]:
    return [r for r in loopback.requests() if r["action"] == action]


async def test_429_with_retry_after_is_honoured_then_succeeds(loopback, make_server) -> None:
    await fault(loopback, action="list_agents", kind="status", status=429,
                error_type="too_many_requests", retry_after=1, count=2)
    async with make_server(policy="full-access", env=loopback.env()) as s:
        started = time.monotonic()
        result = await s.client.call_tool("list_agents", {})
        elapsed = time.monotonic() - started
    assert not result.is_error, tool_payload(result)
    assert any(a["id"] for a in tool_payload(result)["items"])
    assert len(sent(loopback, "list_agents")) == 3
    assert elapsed >= 1.9  # two Retry-After: 1 waits, not the sub-second backoff


async def test_500_on_a_read_is_retried(loopback, make_server) -> None:
    await fault(loopback, action="list_agents", kind="status", status=500, error_type="internal", count=2)
    async with make_server(policy="full-access", env=loopback.env()) as s:
        result = await s.client.call_tool("list_agents", {})
    assert not result.is_error, tool_payload(result)
    assert len(sent(loopback, "list_agents")) == 3


async def test_timeout_on_a_read_is_retried(loopback, make_server) -> None:
    await fault(loopback, action="list_agents", kind="timeout", delay=1.5)
    async with make_server(policy="full-access", env=loopback.env(), timeout=0.5) as s:
        result = await s.client.call_tool("list_agents", {})
    assert not result.is_error, tool_payload(result)
    assert len(sent(loopback, "list_agents")) == 2


async def test_disconnect_on_a_read_is_retried(loopback, make_server) -> None:
    await fault(loopback, action="list_agents", kind="disconnect")
    async with make_server(policy="full-access", env=loopback.env()) as s:
        result = await s.client.call_tool("list_agents", {})
    assert not result.is_error, tool_payload(result)
    assert [r.get("fault") for r in sent(loopback, "list_agents")] == ["disconnect", None]


NEW_AGENT = {"id": "resilience@example.com", "name": "Resilience Test"}


@pytest.mark.parametrize("spec", [
    {"kind": "status", "status": 500, "error_type": "internal"},
    {"kind": "timeout", "delay": 1.5},
], ids=["500", "timeout"])
async def test_create_is_not_retried_and_says_the_outcome_is_unknown(loopback, make_server, spec) -> None:
    await fault(loopback, action="create_agent", **spec)
    async with make_server(policy="full-access", env=loopback.env(), timeout=0.5) as s:
        result = await s.client.call_tool("create_agent", NEW_AGENT)
    assert result.is_error
    error = tool_payload(result)["error"]
    assert error["type"] == "unknown_outcome"
    assert "may or may not have been applied" in error["message"]
    assert "get_agent" in error["what_to_do"]
    assert len(sent(loopback, "create_agent")) == 1


async def test_misdirected_request_is_retried_in_the_named_region_and_remembered(loopback, make_server) -> None:
    await config(loopback, region="fra")
    async with make_server(policy="full-access", env=loopback.env("dal:sandbox-token-all-scopes")) as s:
        first = await s.client.call_tool("list_agents", {})
        second = await s.client.call_tool("list_tags", {})
    assert not first.is_error, tool_payload(first)
    assert not second.is_error, tool_payload(second)
    regions = [(r["action"], r.get("region")) for r in loopback.requests()]
    assert regions == [("list_agents", "dal"), ("list_agents", "fra"), ("list_tags", "fra")]


async def test_quota_matching_budget_never_shows_a_429(loopback, make_server) -> None:
    await config(loopback, rate_limit=20, rate_period=2)
    async with make_server(policy="full-access", env=loopback.env(), rate_limit=20, rate_period=2) as s:
        results = []
        for i in range(60):
            results.append(await s.client.call_tool("update_tag", {"name": "sales", "group_ids": [0, i % 3]}))
    errors = [tool_payload(r) for r in results if r.is_error]
    assert errors == []
    updates = sent(loopback, "update_tag")
    # the client-side budget kept the stream within the license quota: nothing was refused
    assert len(updates) == 60


async def test_progress_is_reported_while_waiting_for_retry_after(loopback, make_server) -> None:
    await fault(loopback, action="list_agents", kind="status", status=429,
                error_type="too_many_requests", retry_after=1, count=1)
    notes: list[tuple[float, float | None, str | None]] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        notes.append((progress, total, message))

    async with make_server(policy="full-access", env=loopback.env()) as s:
        result = await s.client.call_tool("list_agents", {}, progress_callback=on_progress)
    assert not result.is_error, tool_payload(result)
    assert notes, "no progress notification during the Retry-After wait"
    assert notes[0][0] >= 1.0 and "too_many_requests" in (notes[0][2] or "")
