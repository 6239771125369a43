"""Slow and greedy clients cannot lock others out of the HTTP transport (issue 11, item 3).

A real `livechat-mcp --sandbox --transport http` process on loopback, with short deadlines and a
low connection cap (and a lowered file-descriptor limit) so the attacks stay small and quick:
every test opens a bounded number of sockets and stops within a bounded time.
"""

from __future__ import annotations

import os
import resource
import socket
import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import anyio
import httpx
import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from server.doors.http import HttpLimits
from server.errors import ConfigError
from tests.conftest import free_port
from tests.test_http_security import AUTH_TOKEN, MCP_HEADERS, Served, clean_env, cli, init_body, run_server

HEADER_TIMEOUT = 2.0
BODY_TIMEOUT = 2.0
KEEP_ALIVE = 1.0
MAX_CONNECTIONS = 40
FD_LIMIT = 256  # the server's own descriptor limit: an unbounded server would run out well inside it
SLACK = 2.5  # scheduling on a busy 2-core machine


def _lower_fd_limit() -> None:
    resource.setrlimit(resource.RLIMIT_NOFILE, (FD_LIMIT, FD_LIMIT))


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    env = clean_env(
        LIVECHAT_MCP_AUTH_TOKEN=AUTH_TOKEN,
        LIVECHAT_MCP_HEADER_TIMEOUT=str(HEADER_TIMEOUT),
        LIVECHAT_MCP_BODY_TIMEOUT=str(BODY_TIMEOUT),
        LIVECHAT_MCP_KEEP_ALIVE_TIMEOUT=str(KEEP_ALIVE),
        LIVECHAT_MCP_MAX_CONNECTIONS=str(MAX_CONNECTIONS),
        LIVECHAT_MCP_MAX_HEADER_BYTES="8192",
    )
    # stderr unread for minutes of floods: not a pipe that could fill and stall the server
    with run_server(env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, preexec_fn=_lower_fd_limit) as server:
        yield server


def _port(served: Served) -> int:
    return int(served.url.rsplit(":", 1)[1].split("/")[0])


def _open_fds(served: Served) -> int:
    return len(os.listdir(f"/proc/{served.proc.pid}/fd"))


def _settle(served: Served, baseline: int, timeout: float = HEADER_TIMEOUT + KEEP_ALIVE + SLACK) -> int:
    deadline = time.monotonic() + timeout
    while (n := _open_fds(served)) > baseline + 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    return n


def _connect(served: Served) -> socket.socket:
    s = socket.create_connection(("127.0.0.1", _port(served)), timeout=5)
    s.setblocking(False)
    return s


def _closed(s: socket.socket) -> tuple[bool, bytes]:
    """(whether the server has closed the socket, what it sent before)."""
    data = b""
    try:
        while chunk := s.recv(4096):
            data += chunk
        return True, data
    except BlockingIOError:
        return False, data
    except OSError:
        return True, data


def _wait_closed(socks: list[socket.socket], timeout: float) -> tuple[float, list[bytes]]:
    """Seconds until every socket was closed by the server (fails the test past ``timeout``)."""
    started = time.monotonic()
    open_, answers = set(range(len(socks))), [b""] * len(socks)
    while open_ and time.monotonic() - started < timeout:
        for i in list(open_):
            done, data = _closed(socks[i])
            answers[i] += data
            if done:
                open_.discard(i)
        time.sleep(0.05)
    assert not open_, f"{len(open_)} of {len(socks)} connections still open after {timeout}s"
    return time.monotonic() - started, answers


def _tools_list(served: Served) -> list[str]:
    async def run() -> list[str]:
        http = httpx2.AsyncClient(headers={"Authorization": f"Bearer {AUTH_TOKEN}"}, timeout=15)
        async with http, Client(streamable_http_client(served.url, http_client=http), mode="legacy") as client:
            return [t.name for t in (await client.list_tools()).tools]

    return anyio.run(run)


def _partial_request(served: Served, auth: bool = True) -> bytes:
    head = f"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:{_port(served)}\r\nContent-Type: application/json\r\n".encode()
    return head + (f"Authorization: Bearer {AUTH_TOKEN}\r\n".encode() if auth else b"")


def test_slowloris_connections_are_closed_by_the_header_deadline_while_others_are_served(served: Served) -> None:
    baseline = _settle(served, 10**6, 0)
    socks = [_connect(served) for _ in range(MAX_CONNECTIONS - 10)]
    try:
        for s in socks:  # headers begun, never finished: one more header line every half second
            s.send(_partial_request(served))
        deadline = time.monotonic() + HEADER_TIMEOUT / 2  # accepted from the backlog on a busy machine
        while _open_fds(served) < baseline + len(socks) // 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _open_fds(served) >= baseline + len(socks) // 2  # the server really holds them
        with ThreadPoolExecutor(1) as pool:
            normal = pool.submit(_tools_list, served)
            started = time.monotonic()
            while not normal.done() and time.monotonic() - started < HEADER_TIMEOUT - 0.5:
                for i, s in enumerate(socks):
                    try:
                        s.send(f"X-Slow-{i}: {'a' * 8}\r\n".encode())
                    except OSError:
                        pass
                time.sleep(0.5)
            assert "list_agents" in normal.result(timeout=30)  # served while the slow clients trickle
        _, answers = _wait_closed(socks, HEADER_TIMEOUT + SLACK)
        assert all(a.startswith(b"HTTP/1.1 408") for a in answers), answers[:3]
    finally:
        for s in socks:
            s.close()
    assert _settle(served, baseline) <= baseline + 2  # every descriptor given back


def test_silent_connections_are_closed_too(served: Served) -> None:
    baseline = _settle(served, 10**6, 0)
    socks = [_connect(served) for _ in range(20)]  # connect and say nothing at all
    try:
        took, _ = _wait_closed(socks, HEADER_TIMEOUT + SLACK)
        assert took >= HEADER_TIMEOUT - 0.5  # a deadline, not a refusal
    finally:
        for s in socks:
            s.close()
    assert _settle(served, baseline) <= baseline + 2


def test_a_slow_request_after_a_first_answer_is_closed(served: Served) -> None:
    """The keep-alive timer is cancelled by any byte: the second request needs its own deadline."""
    s = socket.create_connection(("127.0.0.1", _port(served)), timeout=10)
    try:
        body = init_body().encode()
        s.sendall(_partial_request(served, auth=False) + b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
        first = s.recv(65536)
        assert first.startswith(b"HTTP/1.1 401")
        # a refused request's connection is closed straight away: nothing left to trickle on
        assert b"connection: close" in first.lower()
        s.settimeout(2)
        rest = b""
        while chunk := s.recv(4096):
            rest += chunk
    finally:
        s.close()

    s = _connect(served)
    try:  # an authorised but slow second request on one connection
        s.setblocking(True)
        s.sendall(f"GET /nothing HTTP/1.1\r\nHost: 127.0.0.1:{_port(served)}\r\n\r\n".encode())
        assert s.recv(65536).startswith(b"HTTP/1.1 ")
        s.setblocking(False)
        started = time.monotonic()
        while time.monotonic() - started < KEEP_ALIVE + HEADER_TIMEOUT + SLACK:
            try:
                s.send(b"X")  # one byte at a time, well inside the idle timeout
            except OSError:
                break
            if _closed(s)[0]:
                break
            time.sleep(0.3)
        assert _closed(s)[0], "a request trickled after the first answer kept its connection"
    finally:
        s.close()


def test_connections_beyond_the_cap_are_refused_at_once_and_service_recovers(served: Served) -> None:
    baseline = _settle(served, 10**6, 0)
    socks = [_connect(served) for _ in range(MAX_CONNECTIONS + 15)]
    try:
        answers, closed = [b""] * len(socks), [False] * len(socks)
        deadline = time.monotonic() + HEADER_TIMEOUT / 2  # well before any header deadline
        while sum(closed) < 15 and time.monotonic() < deadline:
            for i, s in enumerate(socks):
                if not closed[i]:
                    closed[i], data = _closed(s)
                    answers[i] += data
            time.sleep(0.05)
        refused = [a for a, c in zip(answers, closed, strict=True) if c and a.startswith(b"HTTP/1.1 503")]
        assert len(refused) >= 15, (len(refused), sum(closed))
        assert _open_fds(served) <= baseline + MAX_CONNECTIONS + 2  # the cap holds the descriptors
        _wait_closed([s for s, c in zip(socks, closed, strict=True) if not c], HEADER_TIMEOUT + SLACK)
    finally:
        for s in socks:
            s.close()
    _settle(served, baseline)
    assert "list_agents" in _tools_list(served)


def test_a_slow_body_is_closed_by_the_body_deadline(served: Served) -> None:
    socks = [_connect(served) for _ in range(10)]
    try:
        for s in socks:
            s.send(_partial_request(served) + b"Accept: application/json, text/event-stream\r\n"
                   b"Content-Length: 100000\r\n\r\n{\"jsonrpc\":")
        started = time.monotonic()
        while time.monotonic() - started < BODY_TIMEOUT - 0.5:
            for s in socks:
                try:
                    s.send(b" ")
                except OSError:
                    pass
            time.sleep(0.3)
        _, answers = _wait_closed(socks, BODY_TIMEOUT + SLACK)
        assert all(a.startswith(b"HTTP/1.1 408") for a in answers), answers[:3]
    finally:
        for s in socks:
            s.close()
    assert served.alive()
    assert "list_agents" in _tools_list(served)


def test_an_oversized_header_is_refused(served: Served) -> None:
    s = socket.create_connection(("127.0.0.1", _port(served)), timeout=10)
    try:
        s.sendall(_partial_request(served) + b"X-Big: " + b"a" * 20_000 + b"\r\n\r\n")
        answer = b""
        while chunk := s.recv(65536):
            answer += chunk
        assert answer.startswith(b"HTTP/1.1 431"), answer[:100]
    finally:
        s.close()
    assert served.alive()


def test_an_unauthenticated_flood_gets_401s_and_closed_connections(served: Served) -> None:
    baseline = _settle(served, 10**6, 0)

    def flood(n: int) -> list[tuple[int, str]]:
        out = []
        with httpx.Client(timeout=10) as http:  # one keep-alive client per thread, as a flood would use
            for _ in range(n):
                r = http.post(served.url, content=init_body(), headers=MCP_HEADERS)
                out.append((r.status_code, r.headers.get("connection", "")))
        return out

    with ThreadPoolExecutor(8) as pool:
        results = [r for part in pool.map(flood, [25] * 8) for r in part]
        normal = pool.submit(_tools_list, served)
        assert "list_agents" in normal.result(timeout=30)
    assert {status for status, _ in results} == {401}
    assert all(conn.lower() == "close" for _, conn in results)  # no parking on a keep-alive connection
    assert _settle(served, baseline) <= baseline + 2


def test_limits_are_read_from_the_environment_and_checked() -> None:
    limits = HttpLimits.from_env({"LIVECHAT_MCP_HEADER_TIMEOUT": "3.5", "LIVECHAT_MCP_MAX_CONNECTIONS": "50"})
    assert (limits.header_timeout, limits.max_connections) == (3.5, 50)
    assert HttpLimits.from_env({}) == HttpLimits.defaults()
    for var, value, says in (
        ("LIVECHAT_MCP_BODY_TIMEOUT", "soon", "not a number"),
        ("LIVECHAT_MCP_HEADER_TIMEOUT", "0", "positive"),
        ("LIVECHAT_MCP_MAX_CONNECTIONS", "2.5", "whole number"),
        ("LIVECHAT_MCP_KEEP_ALIVE_TIMEOUT", "nan", "positive"),
        ("LIVECHAT_MCP_MAX_CONNECTIONS", str(10**7), "file descriptors"),
    ):
        with pytest.raises(ConfigError, match=says) as info:
            HttpLimits.from_env({var: value})
        assert var in str(info.value)


def test_a_bad_limit_refuses_to_start() -> None:
    proc = subprocess.run([*cli(), "--sandbox", "--transport", "http", "--port", str(free_port())],
                          env=clean_env(LIVECHAT_MCP_HEADER_TIMEOUT="-1"), capture_output=True, text=True, timeout=30)
    assert proc.returncode != 0
    assert "LIVECHAT_MCP_HEADER_TIMEOUT" in proc.stderr and "Traceback" not in proc.stderr
