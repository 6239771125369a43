"""Shared fixtures: a fresh sandbox per test, and helpers to call it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from server.sandbox import DEFAULT_TOKEN, Sandbox


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def sandbox() -> Sandbox:
    return Sandbox()


class SandboxAPI:
    """Raw HTTP access to an in-process sandbox (no MCP), for sandbox semantics tests."""

    def __init__(self, client: httpx.AsyncClient, sandbox: Sandbox) -> None:
        self.client = client
        self.sandbox = sandbox

    async def raw(self, action: str, body: Any = None, *, token: str = DEFAULT_TOKEN, headers: dict[str, str] | None = None) -> httpx.Response:
        hdrs = {"Authorization": f"Bearer {token}", **(headers or {})}
        return await self.client.post(f"/v3.6/configuration/action/{action}", json=body if body is not None else {}, headers=hdrs)

    async def call(self, action: str, body: Any = None, **kw: Any) -> Any:
        """The decoded success body (None for an empty 200); fails the test on an error."""
        resp = await self.raw(action, body, **kw)
        assert resp.status_code == 200, f"{action} -> {resp.status_code} {resp.text}"
        return resp.json() if resp.content else None

    async def error(self, action: str, body: Any = None, **kw: Any) -> dict[str, Any]:
        """The LiveChat error object of a failing call; fails the test on success."""
        resp = await self.raw(action, body, **kw)
        assert resp.status_code != 200, f"{action} unexpectedly succeeded: {resp.text}"
        return resp.json()["error"]


@pytest.fixture
async def api(sandbox: Sandbox) -> AsyncIterator[SandboxAPI]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(sandbox.app), base_url="http://sandbox") as client:
        yield SandboxAPI(client, sandbox)
