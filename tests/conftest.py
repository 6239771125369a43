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
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import uvicorn
from mcp import Client

from server.mcp_app import LiveChatMCP
from server.policies import Overrides
from server.runtime import Runtime, Settings, build_runtime
from server.sandbox import ALL_SCOPES_TOKEN, Sandbox

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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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

    def requests(self) -> list[dict[str, Any]]:
        return list(self.sandbox.requests)


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


@asynccontextmanager
async def open_runtime(
    *, env: dict[str, str] | None = None, policy: str | None = None, sandbox: bool = False, **settings: Any
) -> AsyncIterator[Runtime]:
    overrides = settings.pop("overrides", Overrides())
    settings.setdefault("rate_limit", TEST_RATE)
    settings.setdefault("store", "memory://")  # the env given here may lack XDG_STATE_HOME / HOME
    env = dict(env or {})
    if sandbox:  # the whole catalogue, as everywhere in the fixtures, unless a test picks the app token
        env.setdefault("LIVECHAT_SANDBOX_TOKEN", ALL_SCOPES_TOKEN)
    runtime = await build_runtime(
        Settings(sandbox=sandbox, policy=policy, overrides=overrides, **settings), env
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


def validation_message(model: Any, body: Any) -> str:
    """The message a model's refusal of ``body`` gives (the test fails if it is accepted)."""
    from pydantic import ValidationError

    from server.validation import describe_validation_error

    with pytest.raises(ValidationError) as info:
        model.model_validate(body)
    return describe_validation_error(info.value, body)


def tool_payload(result: Any) -> Any:
    """The JSON a tool answered (the text content, inside its untrusted-data label if it has
    one), whatever its outcome."""
    from server.untrusted import unlabel

    return json.loads(unlabel(result.content[0].text))


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
        assert self.mcp is not None
        result = await self.mcp.client.call_tool(action, body if body is not None else {})
        return bool(result.is_error), tool_payload(result)

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
