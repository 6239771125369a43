"""Failures that must stay clear (issue 27, class 6), through the real HTTP server.

- The state store (a real Redis) down: every call answers ``store_unavailable`` on both protocol
  generations (a 2025-11-25 session and a session-less 2026-07-28 client), whether the store went
  away after the first call or was never reached; never "Internal server error".
"""

from __future__ import annotations

import base64
import os
import sys
from pathlib import Path

import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from tests.conftest import free_port, stop_process
from tests.test_http_security import wait_for_port
from tests.test_metrics import base_env

pytestmark = pytest.mark.anyio


def _serve(env: dict[str, str], store: str) -> tuple[object, int]:
    import subprocess

    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "server.doors.cli", "--transport", "http", "--port", str(port),
                             "--store", store], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        wait_for_port(port, proc, timeout=60)
    except RuntimeError:
        stop_process(proc)
        raise
    return proc, port


def _text(result: object) -> str:
    return result.content[0].text  # type: ignore[attr-defined]


def _internal(result: object) -> bool:
    text = _text(result)
    return "Internal server error" in text or '"type":"internal"' in text or "Unexpected server error" in text


@pytest.mark.parametrize("mode", ["legacy", "auto"])  # auto negotiates 2026-07-28 (session-less)
async def test_store_down_answers_store_unavailable_on_both_protocol_generations(loopback, tmp_path: Path,
                                                                                  mode: str) -> None:
    from redis_server import redis_server

    with redis_server(tmp_path) as redis:
        env = base_env(**loopback.env(), LIVECHAT_MCP_STORE_KEY=base64.b64encode(os.urandom(32)).decode())
        proc, port = _serve(env, redis.url)
        url = f"http://127.0.0.1:{port}/mcp"
        try:
            # Positive control: with the store up, the call is served.
            async with Client(streamable_http_client(url), mode=mode) as client:  # type: ignore[arg-type]
                assert not (await client.call_tool("list_tags", {})).is_error
                redis.stop()
                down = await client.call_tool("list_tags", {})
            assert down.is_error and "store_unavailable" in _text(down), _text(down)
            assert not _internal(down)
        finally:
            stop_process(proc)
        # A server whose store was never reached: its first call (the request state's key is read
        # from the store then) answers the same.
        proc, port = _serve(env, redis.url)
        try:
            async with Client(streamable_http_client(f"http://127.0.0.1:{port}/mcp"), mode=mode) as client:  # type: ignore[arg-type]
                first = await client.call_tool("list_tags", {})
                assert first.is_error and "store_unavailable" in _text(first), _text(first)
                assert not _internal(first)
                redis.start()  # back: the next call is served (nothing was cached broken)
                assert not (await client.call_tool("list_tags", {})).is_error
        finally:
            stop_process(proc)
