"""The streamable HTTP transport's defences, against a real `livechat-mcp --transport http` process."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from server.doors.http import build_http_app
from server.errors import ConfigError
from tests.conftest import free_port, stop_process, tool_payload

pytestmark = pytest.mark.anyio

AUTH_TOKEN = "operator-token-0123456789abcdef"
MCP_HEADERS = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}
INIT = {
    "jsonrpc": "2.0", "id": 1, "method": "initialize",
    "params": {"protocolVersion": "2025-06-18", "capabilities": {},
               "clientInfo": {"name": "security-test", "version": "0"}},
}


def cli() -> list[str]:
    exe = shutil.which("livechat-mcp")
    return [exe] if exe else [sys.executable, "-m", "server.doors.cli"]


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIVECHAT_")}
    env.update(extra)
    return env


@dataclass
class Served:
    proc: subprocess.Popen[str]
    url: str

    def alive(self) -> bool:
        return self.proc.poll() is None


def wait_for_port(port: int, proc: subprocess.Popen[str], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited early: {proc.communicate()[1]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("HTTP server did not start")


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    with run_server(clean_env(LIVECHAT_MCP_AUTH_TOKEN=AUTH_TOKEN)) as server:
        yield server


@contextmanager
def run_server(env: dict[str, str], **popen: Any) -> Iterator[Served]:
    """`livechat-mcp --sandbox --transport http` on a free loopback port, stopped afterwards."""
    port = free_port()
    popen = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, **popen}
    proc = subprocess.Popen([*cli(), "--sandbox", "--transport", "http", "--port", str(port)], env=env,
                            text=True, **popen)
    try:
        wait_for_port(port, proc)
        yield Served(proc, f"http://127.0.0.1:{port}/mcp")
    finally:
        stop_process(proc)


def post(served: Served, body: bytes | str, **headers: str) -> httpx.Response:
    return httpx.post(served.url, content=body, headers={**MCP_HEADERS, **headers}, timeout=10)


def init_body() -> str:
    import json

    return json.dumps(INIT)


def test_no_bearer_is_401(served: Served) -> None:
    resp = post(served, init_body())
    assert resp.status_code == 401
    assert "bearer" in resp.headers.get("www-authenticate", "").lower()


def test_wrong_bearer_is_401(served: Served) -> None:
    resp = post(served, init_body(), Authorization="Bearer not-the-operator-token-xyz")
    assert resp.status_code == 401
    resp = post(served, init_body(), Authorization=f"Basic {AUTH_TOKEN}")
    assert resp.status_code == 401


async def test_right_bearer_serves_mcp(served: Served) -> None:
    http = httpx2.AsyncClient(headers={"Authorization": f"Bearer {AUTH_TOKEN}"}, timeout=30)
    async with http, Client(streamable_http_client(served.url, http_client=http), mode="legacy") as client:
        names = {t.name for t in (await client.list_tools()).tools}
        assert "list_agents" in names
        result = await client.call_tool("list_agents", {})
        assert not result.is_error, tool_payload(result)
        assert isinstance(tool_payload(result)["items"], list) and tool_payload(result)["items"]


def test_foreign_origin_is_rejected(served: Served) -> None:
    resp = post(served, init_body(), Authorization=f"Bearer {AUTH_TOKEN}", Origin="http://evil.example")
    assert resp.status_code == 403
    # a local origin passes the same check
    ok = post(served, init_body(), Authorization=f"Bearer {AUTH_TOKEN}", Origin="http://127.0.0.1:1234")
    assert ok.status_code == 200


def test_foreign_host_header_is_rejected(served: Served) -> None:
    resp = post(served, init_body(), Authorization=f"Bearer {AUTH_TOKEN}", Host="evil.example")
    assert resp.status_code in (403, 421)


def test_oversized_body_is_refused_and_the_server_survives(served: Served) -> None:
    big = '{"jsonrpc":"2.0","id":1,"method":"ping","params":{"pad":"' + "x" * 4_100_000 + '"}}'
    resp = post(served, big, Authorization=f"Bearer {AUTH_TOKEN}")
    assert resp.status_code == 413
    assert served.alive()
    assert post(served, init_body(), Authorization=f"Bearer {AUTH_TOKEN}").status_code == 200


def test_malformed_json_is_a_json_rpc_parse_error(served: Served) -> None:
    resp = post(served, "{not json", Authorization=f"Bearer {AUTH_TOKEN}")
    assert resp.status_code == 400
    assert resp.json()["error"]["code"] == -32700
    assert served.alive()


def test_public_bind_without_token_refuses_to_start() -> None:
    proc = subprocess.run(
        [*cli(), "--sandbox", "--transport", "http", "--host", "0.0.0.0", "--port", str(free_port())],
        env=clean_env(), capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode != 0
    assert "LIVECHAT_MCP_AUTH_TOKEN" in proc.stderr and "--insecure-no-auth" in proc.stderr
    assert "tools visible" not in proc.stderr  # refused before announcing a server


class _FakeServer:
    def __init__(self) -> None:
        self.kwargs: dict = {}

    def streamable_http_app(self, **kwargs):
        self.kwargs = kwargs
        return object()


def test_build_http_app_rules() -> None:
    with pytest.raises(ConfigError, match="Refusing"):
        build_http_app(_FakeServer(), host="0.0.0.0", port=8000, env={})
    # --insecure-no-auth lets it start, without an auth layer
    fake = _FakeServer()
    build_http_app(fake, host="0.0.0.0", port=8000, env={}, insecure_no_auth=True)
    assert "token_verifier" not in fake.kwargs
    # a token turns bearer auth on, and must not be trivially short
    fake = _FakeServer()
    build_http_app(fake, host="0.0.0.0", port=8000, env={"LIVECHAT_MCP_AUTH_TOKEN": AUTH_TOKEN})
    assert fake.kwargs["token_verifier"] is not None
    with pytest.raises(ConfigError, match="too short"):
        build_http_app(_FakeServer(), host="0.0.0.0", port=8000, env={"LIVECHAT_MCP_AUTH_TOKEN": "short"})


@contextmanager
def serve_public(**env: str) -> Iterator[int]:
    """A server bound to every interface (as behind a reverse proxy), reached here via 127.0.0.1."""
    port = free_port()
    proc = subprocess.Popen([*cli(), "--sandbox", "--transport", "http", "--host", "0.0.0.0", "--port", str(port)],
                            env=clean_env(LIVECHAT_MCP_AUTH_TOKEN=AUTH_TOKEN, **env),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        wait_for_port(port, proc)
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def init_via(port: int, host: str, token: str = AUTH_TOKEN) -> int:
    return httpx.post(f"http://127.0.0.1:{port}/mcp", content=init_body(), timeout=10,
                      headers={**MCP_HEADERS, "Host": host, "Authorization": f"Bearer {token}"}).status_code


def test_public_bind_serves_whatever_name_the_proxy_forwards_to_token_holders() -> None:
    with serve_public() as port:
        assert init_via(port, "mcp.example.com") == 200  # a proxy on 443 sends no port
        assert init_via(port, f"192.0.2.10:{port}") == 200
        assert init_via(port, "mcp.example.com", token="not-the-operator-token-xyz") == 401


def test_allowed_hosts_pin_the_names_a_public_server_answers() -> None:
    with serve_public(LIVECHAT_MCP_ALLOWED_HOSTS="mcp.example.com") as port:
        assert init_via(port, "mcp.example.com") == 200
        assert init_via(port, "mcp.example.com:443") == 200
        assert init_via(port, "evil.example") == 421
