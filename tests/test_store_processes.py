"""Real processes sharing one state store: `livechat-mcp` servers (stdio with SQLite, HTTP replicas
with a real redis-server) in front of one loopback sandbox started as its own process with a
license quota of 30 requests per 10 minutes. Together they get at most 30 requests through, the
sandbox's request log proves it, and none of them meets LiveChat's 429."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from mcp import Client, StdioServerParameters

from conftest import free_port, stop_process, tool_payload
from redis_server import RedisServer, redis_server
from server.sandbox import DEFAULT_TOKEN

pytestmark = pytest.mark.anyio

SERVER = [sys.executable, "-m", "server.doors.cli"]
QUOTA = 30


def _base_env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIVECHAT_")}
    env["XDG_STATE_HOME"] = str(tmp / "state")
    return env


def _wait(url: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"{url}: process exited with {proc.returncode}")
        try:
            httpx.get(url, timeout=0.5)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise AssertionError(f"{url} did not come up")


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[str]:
    port = free_port()
    proc = subprocess.Popen([*SERVER, "sandbox", "--port", str(port), "--rate-limit", f"{QUOTA}/600"],
                            env=_base_env(tmp_path), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait(f"{url}/_sandbox/config", proc)
        yield url
    finally:
        stop_process(proc)


def _upstream_env(tmp: Path, sandbox: str) -> dict[str, str]:
    return {**_base_env(tmp), "LIVECHAT_API_URL": sandbox, "LIVECHAT_ACCOUNTS_URL": sandbox,
            "LIVECHAT_ACCESS_TOKEN": DEFAULT_TOKEN}


def _log(sandbox: str) -> list[dict[str, Any]]:
    return httpx.get(f"{sandbox}/_sandbox/requests").json()["requests"]


def _outcome(result: Any) -> str:
    if not result.is_error:
        return "ok"
    return str(tool_payload(result)["error"]["type"])


async def test_two_stdio_servers_with_one_sqlite_store_share_the_license_budget(tmp_path: Path, sandbox: str) -> None:
    store = f"sqlite://{tmp_path / 'shared' / 'state.db'}"
    params = StdioServerParameters(command=SERVER[0], args=[*SERVER[1:], "--store", store, "--rate-limit", f"{QUOTA}/600"],
                                   env=_upstream_env(tmp_path, sandbox))
    outcomes: list[str] = []
    async with AsyncExitStack() as stack:
        clients = [await stack.enter_async_context(Client(params)) for _ in range(2)]
        for i in range(2 * QUOTA):
            outcomes.append(_outcome(await clients[i % 2].call_tool("list_tags", {})))
    assert outcomes.count("ok") == QUOTA
    assert outcomes[QUOTA:] == ["too_many_requests"] * QUOTA  # refused on this side, nothing sent
    log = _log(sandbox)
    assert len(log) == QUOTA
    assert not [e for e in log if e.get("error") == "too_many_requests"]  # LiveChat never said 429


async def test_each_stdio_server_alone_would_have_spent_the_quota_twice(tmp_path: Path, sandbox: str) -> None:
    """The control: with memory stores (no sharing) two processes overrun the license, and
    LiveChat answers 429 -- which is what the shared store prevents."""
    params = StdioServerParameters(command=SERVER[0], args=[*SERVER[1:], "--store", "memory://", "--rate-limit", f"{QUOTA}/600"],
                                   env=_upstream_env(tmp_path, sandbox))
    async with AsyncExitStack() as stack:
        clients = [await stack.enter_async_context(Client(params)) for _ in range(2)]
        with anyio.move_on_after(20):  # a 429 makes the client wait out Retry-After: stop there
            for i in range(QUOTA + 4):
                await clients[i % 2].call_tool("list_tags", {})
    assert [e for e in _log(sandbox) if e.get("error") == "too_many_requests"]


class Replicas:
    def __init__(self, tmp: Path, sandbox: str, store: str, count: int, flags: list[list[str]] | None = None) -> None:
        """``count`` HTTP servers on one store; ``flags[i]``: replica i's extra command-line flags."""
        self.ports = [free_port() for _ in range(count)]
        self.procs = [
            subprocess.Popen([*SERVER, "--transport", "http", "--port", str(port), "--store", store,
                              "--rate-limit", f"{QUOTA}/600", *(flags[i] if flags else [])],
                             env=_upstream_env(tmp, sandbox), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            for i, port in enumerate(self.ports)
        ]
        for port, proc in zip(self.ports, self.procs, strict=True):
            _wait(f"http://127.0.0.1:{port}/healthz", proc)

    def url(self, i: int, path: str = "/mcp") -> str:
        return f"http://127.0.0.1:{self.ports[i]}{path}"

    def stop(self) -> None:
        for proc in self.procs:
            stop_process(proc)


@pytest.fixture
def redis(tmp_path: Path) -> Iterator[RedisServer]:
    (tmp_path / "redis").mkdir()
    with redis_server(tmp_path / "redis") as server:
        yield server


async def test_three_http_replicas_with_redis_share_the_budget_and_survive_a_redis_outage(
    tmp_path: Path, sandbox: str, redis: RedisServer
) -> None:
    replicas = Replicas(tmp_path, sandbox, redis.url, 3)
    try:
        assert [httpx.get(replicas.url(i, "/readyz")).status_code for i in range(3)] == [200] * 3
        async with AsyncExitStack() as stack:
            clients = [await stack.enter_async_context(Client(replicas.url(i))) for i in range(3)]
            outcomes = [_outcome(await clients[i % 3].call_tool("list_tags", {})) for i in range(QUOTA + 9)]
            assert outcomes.count("ok") == QUOTA and outcomes[QUOTA:] == ["too_many_requests"] * 9
            log = _log(sandbox)
            assert len(log) == QUOTA and not [e for e in log if e.get("error")]

            redis.stop()
            assert httpx.get(replicas.url(1, "/readyz")).status_code == 503
            assert httpx.get(replicas.url(1, "/healthz")).status_code == 200
            down = [await clients[i % 3].call_tool("list_tags", {}) for i in range(6)]
            for result in down:
                error = tool_payload(result)["error"]
                assert error["type"] == "store_unavailable" and "Nothing was sent" in error["message"]
            assert len(_log(sandbox)) == QUOTA  # nothing sent against an unknown budget

            redis.start()  # an empty Redis (no persistence): the budget starts afresh, so
            httpx.post(f"{sandbox}/_sandbox/reset")  # the license's window does too
            assert httpx.get(replicas.url(2, "/readyz")).status_code == 200
            back = [_outcome(await clients[i % 3].call_tool("list_tags", {})) for i in range(3)]
            assert back == ["ok"] * 3  # served again, with no restart of the replicas
            assert len(_log(sandbox)) == 3
    finally:
        replicas.stop()


def _cli(tmp: Path, sandbox: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*SERVER, *args], env=_upstream_env(tmp, sandbox), capture_output=True, text=True,
                          timeout=60)


def _planning_server(tmp: Path, sandbox: str) -> tuple[str, StdioServerParameters]:
    """A stdio server that plans writes (dry-run) into a SQLite store another process can read."""
    store = f"sqlite://{tmp / 'shared' / 'state.db'}"
    return store, StdioServerParameters(
        command=SERVER[0], args=[*SERVER[1:], "--store", store, "--allow-writes", "--dry-run"],
        env=_upstream_env(tmp, sandbox),
    )


async def test_a_plan_made_through_stdio_is_listed_shown_and_applied_from_the_cli(
    tmp_path: Path, sandbox: str
) -> None:
    store, params = _planning_server(tmp_path, sandbox)
    async with Client(params) as client:
        for name in ("from-stdio", "from-stdio-2"):
            assert tool_payload(await client.call_tool("create_tag", {"name": name, "group_ids": [0]}))["planned"]
        plan = tool_payload(await client.call_tool("get_plan", {"requests": True}))  # signs and stores it
        plan_id = plan["plan_id"]

        listed = _cli(tmp_path, sandbox, "plans", "list", "--store", store)
        assert listed.returncode == 0, listed.stderr
        assert plan_id in listed.stdout and '{"create_tag": 2}' in listed.stdout

        shown = _cli(tmp_path, sandbox, "plans", "show", plan_id, "--store", store)
        assert shown.returncode == 0, shown.stderr
        assert [s["body"]["name"] for s in json.loads(shown.stdout)["steps"]] == ["from-stdio", "from-stdio-2"]
        assert all(e["action"] != "create_tag" for e in _log(sandbox))  # only planned so far

        applied = _cli(tmp_path, sandbox, "plans", "apply", plan_id, "--allow-writes", "--store", store)
        assert applied.returncode == 0, applied.stdout + applied.stderr
        assert json.loads(applied.stdout)["status"] == "completed"
    creates = [e for e in _log(sandbox) if e["action"] == "create_tag"]
    assert [e["body"]["name"] for e in creates] == ["from-stdio", "from-stdio-2"]
    missing = _cli(tmp_path, sandbox, "plans", "show", "nope", "--store", store)
    assert missing.returncode == 2 and "no stored plan 'nope'" in missing.stderr


async def test_a_stored_plan_reapplied_from_another_process_sends_only_what_is_not_done(
    tmp_path: Path, sandbox: str
) -> None:
    store, params = _planning_server(tmp_path, sandbox)
    async with Client(params) as client:
        for name in ("journal-1", "sales", "journal-3"):  # "sales" exists: step 2 fails
            await client.call_tool("create_tag", {"name": name, "group_ids": [0]})
        # Unchecked (check=false), so that step 2 fails upstream rather than being refused as known to fail.
        plan_id = tool_payload(await client.call_tool("get_plan", {"check": False}))["plan_id"]

    first = _cli(tmp_path, sandbox, "plans", "apply", plan_id, "--allow-writes", "--store", store)
    assert first.returncode == 1, first.stderr
    assert [s["status"] for s in json.loads(first.stdout)["steps"]] == ["done", "failed", "not_sent"]

    # A plain re-apply sends nothing (it names what was done); --resume sends the rest.
    plain = _cli(tmp_path, sandbox, "plans", "apply", plan_id, "--allow-writes", "--store", store)
    assert [s["status"] for s in json.loads(plain.stdout)["steps"]] == ["done", "not_sent", "not_sent"], plain.stdout
    again = _cli(tmp_path, sandbox, "plans", "apply", plan_id, "--allow-writes", "--continue-on-error", "--resume",
                 "--store", store)
    steps = json.loads(again.stdout)["steps"]
    assert [s["status"] for s in steps] == ["done", "failed", "done"]
    assert steps[0].get("journal") is True  # done by the first run, not sent again
    names = [e["body"]["name"] for e in _log(sandbox) if e["action"] == "create_tag"]
    assert names.count("journal-1") == 1 and names.count("journal-3") == 1


PLANNERS_AND_APPLIER = [["--dry-run"], ["--dry-run"], ["--allow-writes"]]


async def test_a_plan_built_round_robin_on_two_replicas_is_read_on_one_and_applied_on_a_third(
    tmp_path: Path, sandbox: str, redis: RedisServer
) -> None:
    """One client, its calls spread round-robin: each planned step lands on another replica, yet
    there is one plan (steps planned at once included), read through replica 2 and applied by id
    through replica 3 (the deployment's applying replica)."""
    replicas = Replicas(tmp_path, sandbox, redis.url, 3, PLANNERS_AND_APPLIER)
    try:
        async with AsyncExitStack() as stack:
            clients = [await stack.enter_async_context(Client(replicas.url(i))) for i in range(3)]

            async def plan(i: int) -> Any:
                return tool_payload(await clients[i % 2].call_tool("create_tag", {"name": f"rr-{i}", "group_ids": [0]}))

            assert [(await plan(i))["plan_size"] for i in range(4)] == [1, 2, 3, 4]  # replicas 1, 2, 1, 2
            async with anyio.create_task_group() as tg:  # and six at once, on both
                for i in range(4, 10):
                    tg.start_soon(plan, i)
            doc = tool_payload(await clients[1].call_tool("get_plan", {}))
            names = [s["body"]["name"] for s in doc["steps"]]
            assert names[:4] == [f"rr-{i}" for i in range(4)] and sorted(names) == sorted(f"rr-{i}" for i in range(10))
            assert not [e for e in _log(sandbox) if e["action"] == "create_tag"]  # only planned
            report = tool_payload(await clients[2].call_tool("apply_plan", {"plan_id": doc["plan_id"],
                                                                             "mac": doc["mac"]}))
            assert report["status"] == "completed", report
    finally:
        replicas.stop()
    assert [e["body"]["name"] for e in _log(sandbox) if e["action"] == "create_tag"] == names


def _raw_call(url: str, name: str, arguments: dict[str, Any]) -> None:
    """One tool call by plain HTTP, for a replica about to be killed (its answer never comes)."""
    headers = {"Accept": "application/json, text/event-stream", "MCP-Protocol-Version": "2025-06-18"}
    try:
        httpx.post(url, headers=headers, timeout=120, json={
            "jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
                "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "raw", "version": "0"}}})
        httpx.post(url, headers=headers, timeout=120, json={
            "jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": name, "arguments": arguments}})
    except httpx.HTTPError:
        pass  # the replica was killed mid-answer: expected


async def test_an_apply_cut_by_a_killed_replica_resumes_on_another_and_sends_no_write_twice(
    tmp_path: Path, sandbox: str, redis: RedisServer
) -> None:
    replicas = Replicas(tmp_path, sandbox, redis.url, 3, [["--dry-run"], ["--allow-writes"], ["--allow-writes"]])
    try:
        async with Client(replicas.url(0)) as planner:
            await planner.call_tool("create_tag", {"name": "cut-1", "group_ids": [0]})
            await planner.call_tool("create_group", {"name": "Cut two", "agent_priorities": {}})
            await planner.call_tool("create_tag", {"name": "cut-3", "group_ids": [0]})
            doc = tool_payload(await planner.call_tool("get_plan", {"view": "summary"}))
        by_id = {"plan_id": doc["plan_id"], "mac": doc["mac"]}
        # Step 2 reaches LiveChat, which is slow to answer; the replica sending it dies meanwhile.
        httpx.post(f"{sandbox}/_sandbox/faults", json={"action": "create_group", "kind": "timeout", "delay": 25})
        doomed = threading.Thread(target=_raw_call, args=(replicas.url(1), "apply_plan", by_id), daemon=True)
        doomed.start()
        deadline = time.monotonic() + 60
        while not [e for e in _log(sandbox) if e["action"] == "create_group"]:
            assert time.monotonic() < deadline, "step 2 was never sent"
            await anyio.sleep(0.1)
        replicas.procs[1].send_signal(signal.SIGKILL)
        replicas.procs[1].wait()

        async with Client(replicas.url(2)) as survivor:
            first = await survivor.call_tool("apply_plan", by_id)
            # The dead replica's lock still holds for a few seconds: nothing is sent meanwhile.
            assert first.is_error and tool_payload(first)["error"]["type"] == "busy"
            deadline = time.monotonic() + 60
            while True:
                resumed = tool_payload(await survivor.call_tool("apply_plan", by_id))
                if resumed.get("error", {}).get("type") != "busy":
                    break
                assert time.monotonic() < deadline, "the killed replica's lock never lapsed"
                await anyio.sleep(1)
            # Steps were done (one of them in doubt): a plain apply names them and sends nothing.
            assert [s["status"] for s in resumed["steps"]] == ["done", "not_sent", "not_sent"], resumed
            assert resumed["earlier"]["done_steps"] == "1", resumed
            resumed = tool_payload(await survivor.call_tool("apply_plan", {**by_id, "resume": True}))
            steps = resumed["steps"]
            assert [s["status"] for s in steps] == ["done", "failed", "not_sent"], resumed
            assert steps[0]["journal"] is True  # done by the killed replica: not sent again
            assert steps[1]["error"]["type"] == "in_doubt"  # sent, answer lost: not sent again blindly
            rest = tool_payload(await survivor.call_tool("apply_plan", {**by_id, "resume": True,
                                                                         "continue_on_error": True}))
            assert [s["status"] for s in rest["steps"]] == ["done", "failed", "done"], rest
    finally:
        replicas.stop()
    sent = [(e["action"], (e["body"] or {}).get("name")) for e in _log(sandbox) if e["action"].startswith("create_")]
    assert sent == [("create_tag", "cut-1"), ("create_group", "Cut two"), ("create_tag", "cut-3")]  # each once
