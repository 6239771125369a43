"""Shared fixtures.

- ``sandbox`` / ``api``: the sandbox and a way to call it. ``api`` runs every test twice:
  ``raw`` (HTTP straight to an in-process sandbox) and ``mcp`` (through the MCP tools of a
  full-access server, over real loopback HTTP to a sandbox served by uvicorn). A behaviour
  test written once therefore proves both the emulator and the tool path.
- ``loopback``: the session's sandbox on a real socket, reset before each test.
- ``make_server``: an in-process MCP client connected to a server built with given settings.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

import httpx
import pytest
import uvicorn
from mcp import Client

from server.calls.runtime import Runtime, Settings, build_runtime
from server.doors.mcp_app import LiveChatMCP
from server.observe import NOBODY
from server.policies import Overrides
from server.sandbox import ALL_SCOPES_TOKEN, Sandbox
from shipping import built, installed  # noqa: F401 (session fixtures: the wheel built once, installed once)

if TYPE_CHECKING:
    from browser import Chromium

# The fixtures exercise every action, the private-scope ones included: they use the sandbox's
# all-scopes token. The ordinary app token (server.sandbox.APP_TOKEN) is what a user meets first.
DEFAULT_TOKEN = ALL_SCOPES_TOKEN

# Tests (and the servers they start) keep their state -- the default SQLite store, the store
# key -- in a directory of this run's own, never in the developer's.
os.environ["XDG_STATE_HOME"] = tempfile.mkdtemp(prefix="livechat-mcp-tests-")
# Each test's server gets a request budget of its own (as each test's sandbox has state of its
# own); the store tests name the store they share explicitly.
os.environ.setdefault("LIVECHAT_MCP_STORE", "memory://")

# Tests make thousands of calls; the client-side budget must not throttle them.
TEST_RATE = 10**9


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


# --- docs/conformance.md: which test backs which cell ---------------------------------------------


def cells(column: str, actions: Any) -> list[Any]:
    """One parameter per action, each marked with the docs/conformance.md cell it backs."""
    return [pytest.param(a, marks=pytest.mark.conformance(column, a), id=a) for a in actions]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "conformance(column, *actions): the docs/conformance.md cells the test backs")


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    """With LIVECHAT_MCP_CONFORMANCE_OUT set (tests/conformance_table.py sets it for a --collect-only
    run), write every conformance marker there: the table is generated from the tests. A marker on
    the function itself must name actions its code calls; a parameter's marker names its parameter."""
    out = os.environ.get("LIVECHAT_MCP_CONFORMANCE_OUT")
    if not out:
        return
    import inspect

    cells, unverified = [], []
    for item in items:
        function = getattr(item, "function", None)
        declared = {id(m) for m in getattr(function, "pytestmark", [])}
        for mark in item.iter_markers("conformance"):
            column, *actions = mark.args
            name = f"{item.path.name}::{getattr(item, 'originalname', item.name)}"
            cells.append({"test": name, "column": column, "actions": actions})
            if id(mark) in declared or any(m.args == mark.args for m in getattr(function, "pytestmark", [])):
                source = inspect.getsource(function) if function else ""
                source = source[source.find("def "):]  # the body, not the decorator naming the actions
                unverified += [f"{name}: {a}" for a in actions if f'"{a}"' not in source]
    names = sorted({f"{item.path.name}::{getattr(item, 'originalname', item.name)}" for item in items})
    with open(out, "w") as f:
        json.dump({"cells": cells, "tests": names, "unverified": sorted(set(unverified))}, f)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def spawned_http_server(*args: str) -> Iterator[str]:
    """``livechat-mcp --transport http ARGS`` in its own process on a free loopback port; yields
    its MCP URL once it answers."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIVECHAT_")}
    proc = subprocess.Popen([sys.executable, "-m", "server.doors.cli", *args, "--transport", "http", "--port", str(port)],
                            env=env, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/mcp"
    try:
        for _ in range(300):
            try:
                httpx.get(url, timeout=0.5)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)



def stop_process(proc: subprocess.Popen) -> None:  # type: ignore[type-arg]
    """Terminate a process a test started, killing it if it does not exit within 10 s."""
    if proc.poll() is None:
        proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()

def _fresh_request_budget() -> None:
    """Each test starts with the loopback license's request budget unspent: the run's state store
    keeps every request's slot for the reserving runtime's period (600 s by default), so a test
    that sets a small budget would otherwise be charged for the requests of the tests before it.
    Nor does it meet another test's apply journals: two tests making the same plan within one
    second make one plan (one MAC), which an apply of the earlier test would have marked done."""
    import sqlite3
    from pathlib import Path

    for db in (Path(os.environ["XDG_STATE_HOME"]) / "livechat-mcp").glob("*.db"):
        con = sqlite3.connect(db, timeout=10)
        try:
            with con:
                tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
                for table in ("slots", "blocks") if {"slots", "blocks"} <= tables else ():
                    con.execute(f"DELETE FROM {table}")  # fixed table names, never input
                for table in ("kv", "logs", "log_entries"):
                    if table in tables:
                        con.execute(f"DELETE FROM {table} WHERE ns LIKE '%:plans.journal' OR ns LIKE '%:plans.sending'")
        finally:
            con.close()


@dataclass
class Loopback:
    sandbox: Sandbox
    url: str

    def env(self, token: str = DEFAULT_TOKEN) -> dict[str, str]:
        return {"LIVECHAT_API_URL": self.url, "LIVECHAT_ACCOUNTS_URL": self.url, "LIVECHAT_ACCESS_TOKEN": token}

    def reset(self) -> None:
        sb = self.sandbox
        sb.region = "dal"
        sb.rate_limit, sb.rate_period = 1000, 600.0
        sb.clock.reset()
        sb.reset()
        sb.faults.clear()
        sb.requests.clear()
        del sb.credentials[1:]
        _fresh_request_budget()


    def requests(self) -> list[dict[str, Any]]:
        return list(self.sandbox.requests)

    def writes(self) -> list[dict[str, Any]]:
        """The write requests the sandbox received (an apply also reads: it re-checks what its plan
        changes before sending, server/plans/stale.py)."""
        from server.tools import catalog

        return [r for r in self.sandbox.requests if (act := catalog().get(r["action"])) is None or act.write]

    def planned(self) -> None:
        """After planning: no write reached the sandbox (a plan's checks only read, issue 14), and
        the request log starts afresh, so a test sees exactly what apply sends."""
        from server.tools import catalog

        writes = [r["action"] for r in self.sandbox.requests
                  if (act := catalog().get(r["action"])) is None or act.write]
        assert writes == [], writes
        self.sandbox.requests.clear()


@pytest.fixture(scope="session")
def _loopback_server() -> Loopback:
    sandbox = Sandbox()
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(sandbox.app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("loopback sandbox did not start")
        time.sleep(0.01)
    return Loopback(sandbox, f"http://127.0.0.1:{port}")


@pytest.fixture
def loopback(_loopback_server: Loopback) -> Loopback:
    _loopback_server.reset()
    return _loopback_server


# --- headless Chromium (Playwright; tests/browser.py) ----------------------------------------------


@pytest.fixture(scope="session")
def chromium() -> Iterator[Chromium]:
    """The session's one headless Chromium (the Debian package, driven by Playwright); started by
    the first test that needs it. Missing, the test fails in CI and is skipped elsewhere."""
    from browser import Chromium, need_chromium

    browser = Chromium(need_chromium())
    try:
        yield browser
    finally:
        browser.close()


@pytest.fixture
def browse(chromium: Chromium, request: pytest.FixtureRequest) -> Callable[..., Any]:
    """``browse(scenario, **context_options)`` runs ``async def scenario(page)`` in a fresh context
    and page of the session's Chromium and returns what it returns; on failure the page's screenshot
    and a Playwright trace are kept in test-artifacts/browser/ (tests/browser.py)."""
    return partial(chromium.run, name=request.node.nodeid)


@asynccontextmanager
async def open_runtime(
    *, env: dict[str, str] | None = None, policy: str | None = None, sandbox: bool = False, **settings: Any
) -> AsyncIterator[Runtime]:
    overrides = settings.pop("overrides", Overrides())
    observer = settings.pop("observer", NOBODY)  # metrics/traces (server/telemetry) for the tests of them
    settings.setdefault("rate_limit", TEST_RATE)
    # In-process runtimes use this run's state directory too, like the CLI processes tests spawn
    # (a plan signed here must verify in a spawned `livechat-mcp apply`: one store, one MAC key).
    env = {"XDG_STATE_HOME": os.environ["XDG_STATE_HOME"], **(env or {})}
    if sandbox:  # the whole catalogue, as everywhere in the fixtures, unless a test picks the app token
        env.setdefault("LIVECHAT_SANDBOX_TOKEN", ALL_SCOPES_TOKEN)
        # Each test's built-in sandbox is a license of its own: so are its stored plans (the CLI's
        # --sandbox keeps them in the default store, which every test of the run shares).
        settings.setdefault("store", "memory://")
    runtime = await build_runtime(
        Settings(sandbox=sandbox, policy=policy, overrides=overrides, **settings), env, observer=observer
    )
    try:
        yield runtime
    finally:
        await runtime.aclose()


@dataclass
class Connected:
    client: Client
    runtime: Runtime
    app: LiveChatMCP

    async def call(self, name: str, args: dict[str, Any] | None = None) -> Any:
        result = await self.client.call_tool(name, args or {})
        return result


@pytest.fixture
def make_server() -> Callable[..., Any]:
    """``async with make_server(policy="full-access", env=loopback.env()) as s:`` → Connected."""

    @asynccontextmanager
    async def factory(**kwargs: Any) -> AsyncIterator[Connected]:
        async with open_runtime(**kwargs) as runtime:
            app = LiveChatMCP(runtime)
            async with Client(app.server, mode="legacy") as client:
                yield Connected(client, runtime, app)

    return factory


DRY_RUN = Overrides(dry_run=True)


async def plan_of(make_server: Callable[..., Any], loopback: Loopback, calls: list[tuple[str, dict[str, Any]]], *,
                  overrides: Overrides = DRY_RUN, **get_plan: Any) -> Any:
    """get_plan's answer (with ``get_plan``'s arguments) once a dry-run session on the loopback license
    has planned ``calls``, each accepted; the sandbox's request log then starts after the planning."""
    async with make_server(env=loopback.env(), overrides=overrides) as s:
        for name, args in calls:
            result = await s.client.call_tool(name, args)
            assert not result.is_error, tool_payload(result)
        plan = tool_payload(await s.client.call_tool("get_plan", get_plan))
    loopback.planned()
    return plan


def validation_message(model: Any, body: Any) -> str:
    """The message a model's refusal of ``body`` gives (the test fails if it is accepted)."""
    from pydantic import ValidationError

    from server.tools.validation import describe_validation_error

    with pytest.raises(ValidationError) as info:
        model.model_validate(body)
    return describe_validation_error(info.value, body)


def tool_payload(result: Any) -> Any:
    """The JSON a tool answered (the text content, inside its untrusted-data label if it has
    one), whatever its outcome."""
    from server.safety.untrusted import unlabel

    return json.loads(unlabel(result.content[0].text))


async def full_report(s: Any, answer: dict[str, Any]) -> dict[str, Any]:
    """Every step of an apply whose answer was the compact report (more than ten steps, issue 23):
    get_apply_report's, all pages."""
    if "steps" in answer:
        return answer
    args: dict[str, Any] = {"plan_id": answer["plan_id"]}
    steps: list[Any] = []
    while True:
        page = tool_payload(await s.client.call_tool("get_apply_report", args))
        steps += page["steps"]
        if "next_cursor" not in page:
            return {**page, "steps": steps}
        args["cursor"] = page["next_cursor"]


# --- the dual-mode `api` fixture ---------------------------------------------------------------


class SandboxAPI:
    """``call``/``error`` go through the mode's path; ``raw`` is always plain HTTP to the sandbox."""

    def __init__(self, http: httpx.AsyncClient, sandbox: Sandbox, mcp: Connected | None = None) -> None:
        self.client = http
        self.sandbox = sandbox
        self.mcp = mcp
        self.mode = "mcp" if mcp else "raw"

    async def raw(
        self, action: str, body: Any = None, *, token: str = DEFAULT_TOKEN, headers: dict[str, str] | None = None
    ) -> httpx.Response:
        hdrs = {"Authorization": f"Bearer {token}", **(headers or {})}
        return await self.client.post(
            f"/v3.6/configuration/action/{action}", json=body if body is not None else {}, headers=hdrs
        )

    async def _via_mcp(self, action: str, body: Any) -> tuple[bool, Any]:
        """The tool's answer in LiveChat's shape, so one test checks both paths: a paged list is
        read to the end with every field LiveChat returns, a write's ``outcome`` is set aside
        (tests/test_assistant_*.py check those)."""
        from server.tools import catalog

        assert self.mcp is not None
        act = catalog().get(action)
        body = body if body is not None else {}
        if act is not None and act.paging is not None and isinstance(body, dict):
            body = {**body, "limit": act.paging.max_limit}
            if act.paging.compact:
                body["fields"] = [*body.get("fields", []), *act.paging.compact]
            items: list[Any] = []
            while True:
                result = await self.mcp.client.call_tool(action, body)
                data = tool_payload(result)
                if result.is_error or not isinstance(data, dict) or "items" not in data:
                    return bool(result.is_error), data
                items += data["items"]
                if "next_cursor" not in data:
                    return False, items
                body = {**body, "cursor": data["next_cursor"]}
        result = await self.mcp.client.call_tool(action, body)
        data = tool_payload(result)
        if isinstance(data, dict) and "outcome" in data:
            data = {k: v for k, v in data.items() if k != "outcome"}
            if isinstance(data.get("responses"), list):
                data["responses"] = [
                    {k: v for k, v in r.items() if k != "outcome"} if isinstance(r, dict) else r
                    for r in data["responses"]
                ]
        return bool(result.is_error), data

    async def call(self, action: str, body: Any = None, **kw: Any) -> Any:
        """The decoded success body (None for an empty 200); fails the test on an error."""
        if self.mcp is not None and not kw:
            failed, data = await self._via_mcp(action, body)
            assert not failed, f"{action} (via MCP) -> {data}"
            return None if data == {} else data
        resp = await self.raw(action, body, **kw)
        assert resp.status_code == 200, f"{action} -> {resp.status_code} {resp.text}"
        return resp.json() if resp.content else None

    async def error(self, action: str, body: Any = None, **kw: Any) -> dict[str, Any]:
        """The LiveChat error object of a failing call; fails the test on success."""
        if self.mcp is not None and not kw:
            failed, data = await self._via_mcp(action, body)
            assert failed, f"{action} (via MCP) unexpectedly succeeded: {data}"
            return data["error"]
        resp = await self.raw(action, body, **kw)
        assert resp.status_code != 200, f"{action} unexpectedly succeeded: {resp.text}"
        return resp.json()["error"]


@pytest.fixture(params=["raw", "mcp"])
def api_mode(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def sandbox(api_mode: str, request: pytest.FixtureRequest) -> Sandbox:
    if api_mode == "mcp":
        return request.getfixturevalue("loopback").sandbox
    return Sandbox()


@pytest.fixture
async def api(api_mode: str, sandbox: Sandbox, request: pytest.FixtureRequest, make_server: Any) -> AsyncIterator[SandboxAPI]:
    if api_mode == "raw":
        async with httpx.AsyncClient(transport=httpx.ASGITransport(sandbox.app), base_url="http://sandbox") as http:
            yield SandboxAPI(http, sandbox)
        return
    lb: Loopback = request.getfixturevalue("loopback")
    async with httpx.AsyncClient(base_url=lb.url) as http, make_server(
        policy="full-access", env=lb.env(), max_attempts=1
    ) as connected:
        yield SandboxAPI(http, sandbox, connected)
