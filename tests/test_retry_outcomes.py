"""What a retried write reports when an earlier attempt may have applied, and --rate-limit checks.

A timeout / dropped connection / 5xx leaves a write's outcome unknown. An idempotent write is
retried, but if the first attempt did apply, the retry fails in a way that proves nothing (a
delete answered not_found): that must come back as ``unknown_outcome``, not as the retry's error.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from server.api.auth import bearer
from server.api.client import LiveChatClient, RetryPolicy
from server.api.errors import LiveChatError
from server.api.ratelimit import Budget
from server.doors.cli.settings import rate
from server.errors import ConfigError
from server.sandbox import Sandbox
from server.store.memory import MemoryStore
from tests.conftest import free_port, tool_payload

pytestmark = pytest.mark.anyio

ROOT = Path(__file__).resolve().parents[1]


async def fault(loopback: Any, **spec: Any) -> None:
    async with httpx.AsyncClient() as http:
        resp = await http.post(f"{loopback.url}/_sandbox/faults", json=spec)
        resp.raise_for_status()


def sent(loopback: Any, action: str) -> list[dict[str, Any]]:
    return [r for r in loopback.requests() if r["action"] == action]


def tag_names(result: Any) -> set[str]:
    return {t["name"] for t in tool_payload(result)["items"]}


# --- through the MCP tools, against the loopback sandbox -------------------------------------------


async def test_delete_whose_timed_out_first_attempt_applied_reports_unknown_outcome(loopback, make_server) -> None:
    # The timeout fault holds the answer for `delay` seconds, then applies the request anyway
    # (server/sandbox/app.py `_inject`): the client gives up at 0.5 s, the tag goes at 0.6 s.
    await fault(loopback, action="delete_tag", kind="timeout", delay=0.6)
    async with make_server(policy="full-access", env=loopback.env(), timeout=0.5) as s:
        # first backoff in [0.5, 1.0] s: the retry arrives after the first attempt applied
        s.runtime.client.retry = RetryPolicy(base_delay=1.0)
        result = await s.client.call_tool("delete_tag", {"name": "spam"})
        after = await s.client.call_tool("list_tags", {})
    assert result.is_error
    error = tool_payload(result)["error"]
    assert error["type"] == "unknown_outcome", error
    assert "probably took effect" in error["message"]
    assert "list_tags" in error["what_to_do"] and "delete_tag" in error["what_to_do"]
    assert error["data"]["retry_error"]["type"] == "not_found"
    assert error["data"]["first_attempt"]["type"] == "request_timeout"
    # the first attempt did delete it
    assert not after.is_error and "spam" not in tag_names(after)
    assert [r.get("fault") for r in sent(loopback, "delete_tag")] == ["timeout", None]


@pytest.mark.parametrize("spec", [
    {"kind": "status", "status": 503, "error_type": "internal"},
    {"kind": "disconnect"},
], ids=["503", "disconnect"])
async def test_delete_whose_first_attempt_did_not_apply_is_retried_and_succeeds(loopback, make_server, spec) -> None:
    # Status and disconnect faults answer before the action runs: nothing was applied.
    await fault(loopback, action="delete_tag", **spec)
    async with make_server(policy="full-access", env=loopback.env()) as s:
        result = await s.client.call_tool("delete_tag", {"name": "spam"})
        after = await s.client.call_tool("list_tags", {})
    assert not result.is_error, tool_payload(result)
    assert "spam" not in tag_names(after)
    assert [r.get("fault") for r in sent(loopback, "delete_tag")] == [spec["kind"], None]


async def test_read_retry_error_is_reported_as_is(loopback, make_server) -> None:
    await fault(loopback, action="get_agent", kind="status", status=500, error_type="internal")
    async with make_server(policy="full-access", env=loopback.env()) as s:
        result = await s.client.call_tool("get_agent", {"id": "nobody@example.com"})
    assert result.is_error
    assert tool_payload(result)["error"]["type"] == "not_found"
    assert len(sent(loopback, "get_agent")) == 2


async def test_read_timeout_then_success_is_unaffected(loopback, make_server) -> None:
    await fault(loopback, action="list_tags", kind="timeout", delay=0.7)
    async with make_server(policy="full-access", env=loopback.env(), timeout=0.5) as s:
        result = await s.client.call_tool("list_tags", {})
    assert not result.is_error, tool_payload(result)
    assert "spam" in tag_names(result)
    assert len(sent(loopback, "list_tags")) == 2


# --- the client, unit level ---------------------------------------------------------------------------


def scripted(*responses: Any, **kw: Any) -> tuple[LiveChatClient, list[httpx.Request]]:
    script = list(responses)
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        item = script.pop(0) if len(script) > 1 else script[0]
        if isinstance(item, Exception):
            raise item
        return item

    async def sleep(seconds: float) -> None:
        pass

    client = LiveChatClient(bearer("dal:unit-test-token-123"), base_url="http://upstream.test",
                            transport=httpx.MockTransport(handler), budget=Budget(MemoryStore(), "test", 10**6, 1.0), sleep=sleep, **kw)
    return client, seen


def err(type_: str, message: str = "boom", status: int = 400) -> httpx.Response:
    return httpx.Response(status, json={"error": {"type": type_, "message": message}})


async def test_unsuspend_retry_error_after_a_500_is_unknown_outcome_with_the_retry_error() -> None:
    not_suspended = err("validation", "Only a suspended agent can request unsuspension")
    client, seen = scripted(err("internal", "oops", 500), not_suspended)
    with pytest.raises(LiveChatError) as info:
        await client.call("unsuspend_agent", {"id": "a@b.c"}, write=True, idempotent=True,
                          verify_hint="Check with get_agent")
    error = info.value.to_dict()
    assert error["type"] == "unknown_outcome"
    assert error["data"]["retry_error"]["type"] == "validation"
    assert "suspended" in error["data"]["retry_error"]["message"]
    assert error["what_to_do"] == "Check with get_agent"
    assert len(seen) == 2


async def test_write_whose_every_attempt_timed_out_is_unknown_outcome() -> None:
    client, seen = scripted(httpx.ReadTimeout("slow"), retry=RetryPolicy(max_attempts=3))
    with pytest.raises(LiveChatError) as info:
        await client.call("delete_tag", {"name": "x"}, write=True, idempotent=True)
    assert info.value.type == "unknown_outcome"
    assert "no retry gave a clear answer" in info.value.message
    assert len(seen) == 3


async def test_read_whose_every_attempt_timed_out_keeps_its_error() -> None:
    client, _ = scripted(httpx.ReadTimeout("slow"), retry=RetryPolicy(max_attempts=2))
    with pytest.raises(LiveChatError) as info:
        await client.call("list_tags", {}, write=False, idempotent=True)
    assert info.value.type == "request_timeout"


async def test_write_error_without_an_uncertain_attempt_is_reported_as_is() -> None:
    client, seen = scripted(err("not_found", "Tag not found", 404))
    with pytest.raises(LiveChatError) as info:
        await client.call("delete_tag", {"name": "x"}, write=True, idempotent=True)
    assert info.value.type == "not_found" and len(seen) == 1
    # refused before it ran (429, connection refused): not uncertain either
    client, _ = scripted(err("too_many_requests", "slow", 429), httpx.ConnectError("refused"),
                         err("not_found", "gone", 404))
    with pytest.raises(LiveChatError) as info:
        await client.call("delete_tag", {"name": "x"}, write=True, idempotent=True)
    assert info.value.type == "not_found"


async def test_retried_batch_marks_its_item_errors_unknown_outcome() -> None:
    body = {"responses": [{}, {"error": {"type": "not_found", "message": "Agent not found"}}]}
    client, _ = scripted(httpx.ReadTimeout("slow"), httpx.Response(200, json=body))
    result = await client.call("batch_delete_agents", {"requests": [{"id": "a"}, {"id": "b"}]}, write=True,
                               idempotent=True)
    assert result["responses"][0] == {}
    item = result["responses"][1]["error"]
    assert item["type"] == "unknown_outcome" and item["data"]["retry_error"]["type"] == "not_found"
    # the same batch answered at the first attempt is returned as is
    client, _ = scripted(httpx.Response(200, json=body))
    assert await client.call("batch_delete_agents", {"requests": [{}, {}]}, write=True, idempotent=True) == body


# --- --rate-limit and the sandbox's limit ----------------------------------------------------------


BAD_RATES = ["0/600", "-5/600", "10/0", "10/-1", "10/nan", "x/600"]


@pytest.mark.parametrize("text", BAD_RATES)
def test_rate_rejects_values_not_above_zero(text: str) -> None:
    with pytest.raises(ConfigError, match="both above zero"):
        rate(text)


def test_rate_accepts_good_values() -> None:
    assert rate("1000/600") == (1000, 600.0)
    assert rate("5") == (5, 600.0)
    assert rate("1/0.5") == (1, 0.5)


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIVECHAT_")}
    return subprocess.run([sys.executable, "-m", "server.doors.cli", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("args", [
    ("call", "list_tags", "--sandbox", "--rate-limit", "0/600"),
    ("tools", "--sandbox", "--rate-limit=-5/600"),  # "=": argparse takes a bare -5/600 for an option
    ("--rate-limit", "10/0", "policy", "--sandbox"),
], ids=["call", "tools", "before-subcommand"])
def test_cli_bad_rate_limit_is_a_clean_usage_error(args: tuple[str, ...]) -> None:
    done = run_cli(*args)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert "--rate-limit" in done.stderr and "above zero" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("rate", ["0/600", "10/0"])
def test_sandbox_bad_rate_limit_is_a_clean_usage_error(rate: str) -> None:
    done = run_cli("sandbox", "--port", str(free_port()), "--rate-limit", rate)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines() == [
        f"livechat-mcp: --rate-limit '{rate}': use REQUESTS/SECONDS with both above zero, e.g. 1000/600"
    ]


@pytest.mark.parametrize("limit,period", [(0, 600.0), (-1, 600.0), (10, 0.0)])
def test_sandbox_refuses_a_limit_not_above_zero(limit: int, period: float) -> None:
    with pytest.raises(ValueError, match="rate_limit >= 1"):
        Sandbox(rate_limit=limit, rate_period=period)


async def test_sandbox_config_refuses_a_zero_limit_and_a_forced_one_does_not_crash() -> None:
    sandbox = Sandbox()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(sandbox.app), base_url="http://sandbox") as http:
        resp = await http.post("/_sandbox/config", json={"rate_limit": 0})
        assert resp.status_code == 400 and resp.json()["error"]["type"] == "validation"
        assert sandbox.rate_limit == 1000
        sandbox.rate_limit = 0  # assigned directly, past the checks: refuses, never IndexError
        resp = await http.post("/v3.6/configuration/action/list_tags", json={},
                               headers={"Authorization": f"Bearer {sandbox.token}"})
    assert resp.status_code == 429, resp.text
    assert resp.json()["error"]["type"] == "too_many_requests"
