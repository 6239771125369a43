"""Hosted mode's anonymous routes cannot starve the server (issue 27, class 3), through the real
HTTP server and the sandbox's accounts service: bodies capped before any work (the consent and
confirmation forms, registration), registration and /authorize rationed per peer. Each attack
beside a person signing in and calling a tool while it goes on."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.hosted import Browser, Hosted, hosted
from tests.test_hosted_attacks import authorize_url, exchange, mcp_status, pkce, register

ATTACKER = "127.0.0.2"  # another peer than the person signing in (127.0.0.1)
TWENTY_MB = 20 * 1024 * 1024


@pytest.fixture(scope="module")
def served() -> Iterator[Hosted]:
    with hosted(LIVECHAT_MCP_REGISTER_LIMIT="4/600", LIVECHAT_MCP_AUTHORIZE_LIMIT="10/600") as h:
        yield h


def _rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def _raw(served: Hosted, head: str, body_chunks: Iterator[bytes] | None = None) -> tuple[bytes, int]:
    """Send ``head`` and then, until the server answers, the chunks; (its answer, bytes of body sent)."""
    port = urlsplit(served.base).port
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    sent = 0
    try:
        s.sendall(head.encode())
        s.setblocking(False)
        answer = b""
        for chunk in body_chunks or iter(()):
            try:
                answer += s.recv(65536)
            except BlockingIOError:
                pass
            if answer:
                break
            try:
                s.setblocking(True)
                s.settimeout(5)
                s.sendall(chunk)
                sent += len(chunk)
            except OSError:
                break
            finally:
                s.setblocking(False)
        s.setblocking(True)
        s.settimeout(10)
        while b"\r\n\r\n" not in answer:
            data = s.recv(65536)
            if not data:
                break
            answer += data
        return answer, sent
    finally:
        s.close()


_CONTROL: dict[str, str] = {}


def _works(served: Hosted) -> None:
    """The positive control: a person signs in with the urlencoded forms and gets a working token
    (one registered client for them all: registrations are rationed)."""
    if "client" not in _CONTROL:
        _CONTROL["client"] = register(served)
    client_id = _CONTROL["client"]
    verifier, challenge = pkce()
    landed = Browser(login_hint="owner@example.com").go(authorize_url(served, client_id, challenge))
    code = parse_qs(urlsplit(landed).query)["code"][0]
    token = exchange(served, client_id, code, verifier)
    assert token.status_code == 200, token.text
    assert mcp_status(served, token.json()["access_token"]).status_code == 200


@pytest.mark.parametrize("path", ["/oauth/consent", "/oauth/confirm", "/register", "/token"])
def test_a_20_mb_body_is_refused_before_it_is_read(served: Hosted, path: str) -> None:
    pid = served.procs[1].pid
    before = _rss_kb(pid)
    started = time.monotonic()
    head = (f"POST {path} HTTP/1.1\r\nHost: {urlsplit(served.base).netloc}\r\n"
            f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {TWENTY_MB}\r\n\r\n")
    answer, sent = _raw(served, head, iter([b"a=" + b"x" * 65534] * 320))
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert b"connection: close" in answer.lower()
    assert sent < TWENTY_MB // 4 and time.monotonic() - started < 5  # refused on its declared length
    # sent without a length (chunked): read only up to the cap, then refused
    head = (f"POST {path} HTTP/1.1\r\nHost: {urlsplit(served.base).netloc}\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n")
    chunk = b"10000\r\n" + b"x" * 0x10000 + b"\r\n"
    answer, sent = _raw(served, head, iter([chunk] * 320))
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert sent < TWENTY_MB // 4
    assert _rss_kb(pid) - before < 8 * 1024  # nothing of it was kept (a 20 MB form parsed would be)
    _works(served)


def test_a_multipart_upload_to_the_forms_is_refused(served: Hosted) -> None:
    boundary = "x" * 20
    for path in ("/oauth/consent", "/oauth/confirm"):
        head = (f"POST {path} HTTP/1.1\r\nHost: {urlsplit(served.base).netloc}\r\n"
                f"Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {500 * 1024 * 1024}\r\n\r\n")
        answer, _ = _raw(served, head, iter([b"--" + boundary.encode() + b"\r\n" + b"y" * 65536] * 50))
        assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
        small = httpx.post(f"{served.base}{path}", files={"txn": ("f", b"x" * 1000)})
        assert small.status_code == 415, small.text  # the forms are urlencoded, as the pages send them
        assert small.headers["connection"] == "close"
    _works(served)


def test_registration_is_rationed_per_peer(served: Hosted) -> None:
    attacker = httpx.Client(transport=httpx.HTTPTransport(local_address=ATTACKER), timeout=10)
    meta = {"client_name": "flood", "redirect_uris": ["http://127.0.0.1:9/cb"], "token_endpoint_auth_method": "none",
            "grant_types": ["authorization_code", "refresh_token"], "response_types": ["code"]}
    answers = [attacker.post(f"{served.base}/register", json=meta) for _ in range(6)]
    assert [a.status_code for a in answers[:4]] == [201] * 4
    assert [a.status_code for a in answers[4:]] == [429, 429]
    assert int(answers[-1].headers["retry-after"]) > 0
    assert answers[-1].json()["error"] == "too_many_requests"
    _works(served)  # another peer registers and signs in meanwhile


def test_authorize_is_rationed_per_peer(served: Hosted) -> None:
    client_id = register(served)
    attacker = httpx.Client(transport=httpx.HTTPTransport(local_address=ATTACKER), timeout=10)
    statuses = [attacker.get(authorize_url(served, client_id, pkce()[1])).status_code for _ in range(12)]
    assert statuses[:10] == [302] * 10 and statuses[10:] == [429, 429], statuses
    # a person on another address starts and finishes a sign-in
    _works(served)
