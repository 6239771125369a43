"""Hosted mode under attack: each way of stealing or forging a sign-in is refused, and says so."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

import anyio
import httpx
import pytest

from server.auth.clients import ClientRegistry, MetadataDocumentError
from server.auth.records import Records
from server.sandbox.accounts import DEFAULT_OAUTH_CLIENT_ID, DEFAULT_OAUTH_CLIENT_SECRET
from server.store.crypto import Sealer
from server.store.memory import MemoryStore
from tests.conftest import free_port
from tests.hosted import REDIRECT_URI, Browser, Hosted, hidden, hosted

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def served() -> Iterator[Hosted]:
    with hosted("--allow-writes") as h:
        yield h


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    return verifier, base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")


def register(served: Hosted, redirect: str = REDIRECT_URI) -> str:
    resp = httpx.post(f"{served.base}/register", json={
        "client_name": "attack test", "redirect_uris": [redirect], "token_endpoint_auth_method": "none",
        "grant_types": ["authorization_code", "refresh_token"], "response_types": ["code"]})
    assert resp.status_code == 201, resp.text
    return resp.json()["client_id"]


def authorize_url(served: Hosted, client_id: str, challenge: str, state: str = "st", **extra: str) -> str:
    params = {"response_type": "code", "client_id": client_id, "redirect_uri": REDIRECT_URI, "state": state,
              "code_challenge": challenge, "code_challenge_method": "S256", "resource": served.mcp, **extra}
    return f"{served.base}/authorize?{urlencode(params)}"


def sign_in(served: Hosted, email: str = "owner@example.com") -> tuple[str, str, str]:
    """(client id, code verifier, our authorization code)."""
    client_id = register(served)
    verifier, challenge = pkce()
    landed = Browser(login_hint=email).go(authorize_url(served, client_id, challenge))
    query = parse_qs(urlsplit(landed).query)
    assert query["state"] == ["st"] and query["iss"] == [served.base]
    return client_id, verifier, query["code"][0]


def exchange(served: Hosted, client_id: str, code: str, verifier: str) -> httpx.Response:
    return httpx.post(f"{served.base}/token", data={
        "grant_type": "authorization_code", "code": code, "code_verifier": verifier, "redirect_uri": REDIRECT_URI,
        "client_id": client_id, "resource": served.mcp})


def mcp_status(served: Hosted, token: str | None) -> httpx.Response:
    auth = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return httpx.post(served.mcp, json={"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "x", "version": "0"}}},
        headers={**auth, "Accept": "application/json, text/event-stream"})


def test_metadata_advertises_pkce_cimd_and_iss(served: Hosted) -> None:
    meta = httpx.get(f"{served.base}/.well-known/oauth-authorization-server").json()
    assert meta["code_challenge_methods_supported"] == ["S256"]
    assert meta["client_id_metadata_document_supported"] is True
    assert meta["authorization_response_iss_parameter_supported"] is True
    assert meta["issuer"] == served.base and meta["registration_endpoint"].endswith("/register")
    prm = httpx.get(f"{served.base}/.well-known/oauth-protected-resource/mcp").json()
    assert prm["resource"] == served.mcp and prm["authorization_servers"] == [served.base]


def test_no_token_is_401_with_the_resource_metadata_url(served: Hosted) -> None:
    resp = mcp_status(served, None)
    assert resp.status_code == 401
    assert "/.well-known/oauth-protected-resource/mcp" in resp.headers["www-authenticate"]


def test_replayed_code_is_refused(served: Hosted) -> None:
    client_id, verifier, code = sign_in(served)
    first = exchange(served, client_id, code, verifier)
    assert first.status_code == 200, first.text
    replay = exchange(served, client_id, code, verifier)
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"


def test_pkce_mismatch_is_refused(served: Hosted) -> None:
    client_id, _, code = sign_in(served)
    wrong = exchange(served, client_id, code, pkce()[0])
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"


def test_unregistered_redirect_uri_is_refused_without_redirecting(served: Hosted) -> None:
    client_id = register(served)
    url = authorize_url(served, client_id, pkce()[1]).replace("7777%2Fcallback", "7777%2Fother")
    resp = httpx.get(url)
    assert resp.status_code == 400 and "location" not in resp.headers
    assert resp.json()["error"] == "invalid_request"


def test_plain_pkce_is_refused(served: Hosted) -> None:
    client_id = register(served)
    resp = httpx.get(authorize_url(served, client_id, "x" * 43, code_challenge_method="plain"))
    assert "code=" not in resp.headers.get("location", "") and resp.status_code in (302, 400)


def test_wrong_resource_is_invalid_target(served: Hosted) -> None:
    client_id = register(served)
    resp = httpx.get(authorize_url(served, client_id, pkce()[1], resource="https://other.example/mcp"))
    # An anonymously registered client's redirect URI is not followed on an error (no open redirect).
    assert resp.status_code == 400 and "location" not in resp.headers
    assert resp.json()["error"] == "invalid_target"


def test_revoked_token_stops_working_and_so_does_its_refresh_token(served: Hosted) -> None:
    client_id, verifier, code = sign_in(served, "jane@example.com")  # her only sign-in on this server
    tokens = exchange(served, client_id, code, verifier).json()
    assert mcp_status(served, tokens["access_token"]).status_code == 200
    live = httpx.get(f"{served.sandbox}/_sandbox/accounts").json()["live_tokens"]
    revoked = httpx.post(f"{served.base}/revoke", data={"token": tokens["access_token"], "client_id": client_id,
                                                             "client_secret": ""})
    assert revoked.status_code == 200
    assert mcp_status(served, tokens["access_token"]).status_code == 401
    assert any(line["tool"] == "oauth/revoke" and line["principal"]["email"] == "jane@example.com"
               for line in served.audit_lines())
    # The LiveChat token behind her last sign-in was revoked at LiveChat too.
    assert httpx.get(f"{served.sandbox}/_sandbox/accounts").json()["live_tokens"] == live - 1
    refresh = httpx.post(f"{served.base}/token", data={"grant_type": "refresh_token", "client_id": client_id,
                                                       "refresh_token": tokens["refresh_token"]})
    assert refresh.status_code == 400 and refresh.json()["error"] == "invalid_grant"


def test_refresh_rotates(served: Hosted) -> None:
    client_id, verifier, code = sign_in(served)
    tokens = exchange(served, client_id, code, verifier).json()
    form = {"grant_type": "refresh_token", "client_id": client_id, "refresh_token": tokens["refresh_token"]}
    fresh = httpx.post(f"{served.base}/token", data=form)
    assert fresh.status_code == 200 and mcp_status(served, fresh.json()["access_token"]).status_code == 200
    assert httpx.post(f"{served.base}/token", data=form).json()["error"] == "invalid_grant"


def test_expired_token_is_401() -> None:
    with hosted(LIVECHAT_OAUTH_ACCESS_TTL="1") as served:
        client_id, verifier, code = sign_in(served)
        token = exchange(served, client_id, code, verifier).json()["access_token"]
        time.sleep(2.2)
        assert mcp_status(served, token).status_code == 401


def test_a_livechat_token_is_not_an_mcp_token(served: Hosted) -> None:
    verifier, challenge = pkce()
    landed = httpx.get(f"{served.sandbox}/", params={
        "response_type": "code", "client_id": DEFAULT_OAUTH_CLIENT_ID, "redirect_uri": "http://127.0.0.1:9/cb",
        "code_challenge": challenge, "code_challenge_method": "S256", "login_hint": "owner@example.com"})
    code = parse_qs(urlsplit(landed.headers["location"]).query)["code"][0]
    livechat = httpx.post(f"{served.sandbox}/v2/token", data={
        "grant_type": "authorization_code", "code": code, "code_verifier": verifier,
        "redirect_uri": "http://127.0.0.1:9/cb", "client_id": DEFAULT_OAUTH_CLIENT_ID,
        "client_secret": DEFAULT_OAUTH_CLIENT_SECRET}).json()["access_token"]
    resp = mcp_status(served, livechat)
    assert resp.status_code == 401 and "invalid_token" in resp.headers["www-authenticate"]


def test_consent_needs_the_page_token_and_the_browser_that_opened_it(served: Hosted) -> None:
    client_id = register(served)
    victim = httpx.Client(follow_redirects=False)
    consent_url = victim.get(authorize_url(served, client_id, pkce()[1])).headers["location"]
    page = victim.get(consent_url)
    assert page.status_code == 200
    txn, csrf = hidden(page.text, "txn"), hidden(page.text, "csrf")
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert "script-src" not in page.headers["content-security-policy"]  # default-src 'none': no script
    # A cross-site form post: the browser does not send the SameSite cookie, the page token is unknown.
    forged = httpx.post(f"{served.base}/oauth/consent", data={"txn": txn, "csrf": "guess", "decision": "approve"})
    assert forged.status_code == 403
    no_cookie = httpx.post(f"{served.base}/oauth/consent", data={"txn": txn, "csrf": csrf, "decision": "approve"})
    assert no_cookie.status_code == 403
    foreign = victim.post(f"{served.base}/oauth/consent", data={"txn": txn, "csrf": csrf, "decision": "approve"},
                          headers={"Origin": "https://evil.example"})
    assert foreign.status_code == 403
    # Another browser opening the same consent link is told it was started elsewhere.
    assert httpx.get(consent_url).status_code == 403
    ok = victim.post(f"{served.base}/oauth/consent", data={"txn": txn, "csrf": csrf, "decision": "approve"})
    assert ok.status_code == 303 and ok.headers["location"].startswith(served.sandbox)


def test_swapped_states_grant_nothing(served: Hosted) -> None:
    """Two sign-ins in two browsers; the LiveChat answer for one lands in the other."""
    client_id = register(served)
    alice, mallory = Browser(), Browser()

    def to_livechat(browser: Browser) -> str:
        consent = browser.http.get(browser.http.get(authorize_url(served, client_id, pkce()[1])).headers["location"])
        approved = browser.http.post(f"{served.base}/oauth/consent", data={
            "txn": hidden(consent.text, "txn"), "csrf": hidden(consent.text, "csrf"), "decision": "approve"})
        return approved.headers["location"]

    to_livechat(alice)
    mallory_url = to_livechat(mallory)
    # Mallory signs in at LiveChat as herself and plants the callback (her state, her code) on Alice.
    callback = httpx.get(mallory_url + "&login_hint=owner%40globex.example").headers["location"]
    planted = alice.http.get(callback)
    assert planted.status_code == 403 and "another browser" in planted.text
    # The state was single-use: Mallory cannot finish it either.
    assert mallory.http.get(callback).status_code == 400


def test_metadata_document_at_a_private_address_is_not_fetched(served: Hosted) -> None:
    for url in ("https://10.0.0.7/client.json", "https://169.254.169.254/latest/meta-data", "https://localhost/c.json"):
        resp = httpx.get(authorize_url(served, url, pkce()[1]))
        assert resp.status_code == 400 and "not found" in resp.json()["error_description"]


async def test_registry_refuses_private_and_non_https_urls() -> None:
    registry = ClientRegistry(Records(MemoryStore(), Sealer(b"k" * 32)), allow_loopback=False)
    for url in ("http://example.com/c.json", "https://127.0.0.1/c.json", "https://[::1]/c.json",
                "https://192.168.1.1/c.json", "https://user:pw@example.com/c.json", "https://example.com/"):
        with pytest.raises(MetadataDocumentError):
            await registry.metadata_document(url)
    await registry.aclose()


@pytest.fixture
def metadata_server() -> Iterator[str]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/redirect.json":
                self.send_response(302)
                self.send_header("Location", "http://10.0.0.1/c.json")
                self.end_headers()
                return
            body = json.dumps({"client_id": f"{base}{self.path}", "client_name": "Metadata Client",
                               "redirect_uris": [REDIRECT_URI], "token_endpoint_auth_method": "none"}).encode()
            if self.path == "/big.json":
                body = b" " * 70_000 + body
            if self.path == "/slow.json":  # a drip: each read is quick, the whole is slow
                self.send_response(200)
                self.end_headers()
                for _ in range(30):
                    self.wfile.write(b" ")
                    self.wfile.flush()
                    time.sleep(0.1)
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    httpd = HTTPServer(("127.0.0.1", port), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield base
    httpd.shutdown()


def test_a_metadata_document_client_signs_in(served: Hosted, metadata_server: str) -> None:
    client_id = f"{metadata_server}/client.json"
    verifier, challenge = pkce()
    browser = Browser(login_hint="owner@example.com")
    landed = browser.go(authorize_url(served, client_id, challenge))
    consent = next(r for url, r in browser.pages if "/oauth/consent" in url and r.status_code == 200)
    assert "Metadata Client" in consent.text and "its metadata document" in consent.text
    code = parse_qs(urlsplit(landed).query)["code"][0]
    assert exchange(served, client_id, code, verifier).status_code == 200
    for bad in ("/redirect.json", "/big.json"):
        resp = httpx.get(authorize_url(served, f"{metadata_server}{bad}", challenge))
        assert resp.status_code == 400


async def test_concurrent_exchanges_of_one_code_yield_one_token(served: Hosted) -> None:
    client_id, verifier, code = sign_in(served)
    results: list[int] = []

    async def one() -> None:
        async with httpx.AsyncClient() as http:
            resp = await http.post(f"{served.base}/token", data={
                "grant_type": "authorization_code", "code": code, "code_verifier": verifier,
                "redirect_uri": REDIRECT_URI, "client_id": client_id})
            results.append(resp.status_code)

    async with anyio.create_task_group() as tg:
        for _ in range(5):
            tg.start_soon(one)
    assert sorted(results) == [200, 400, 400, 400, 400]


async def test_a_slow_metadata_document_is_cut_off(metadata_server: str) -> None:
    registry = ClientRegistry(Records(MemoryStore(), Sealer(b"k" * 32)), allow_loopback=True, timeout=0.5)
    with pytest.raises(MetadataDocumentError, match="longer than"):
        await registry.metadata_document(f"{metadata_server}/slow.json")
    info = await registry.metadata_document(f"{metadata_server}/client.json")
    assert info.client_name == "Metadata Client" and info.scope == "livechat"
    await registry.aclose()


def test_a_sign_in_livechat_refuses_tells_the_client_why(served: Hosted) -> None:
    """An agent awaiting approval is refused by LiveChat's accounts service: the person's client hears
    LiveChat's reason (what they can do about it), as plain error_description characters."""
    client_id = register(served)
    browser = Browser()
    http = browser.http
    consent = http.get(http.get(authorize_url(served, client_id, pkce()[1])).headers["location"])
    to_livechat = http.post(f"{served.base}/oauth/consent", data={
        "txn": hidden(consent.text, "txn"), "csrf": hidden(consent.text, "csrf"), "decision": "approve"})
    callback = httpx.get(to_livechat.headers["location"] + "&login_hint=awaiting%40example.com").headers["location"]
    back = http.get(callback)
    query = parse_qs(urlsplit(back.headers["location"]).query)
    assert back.headers["location"].startswith(REDIRECT_URI) and "code" not in query
    assert query["error"] == ["access_denied"]
    [reason] = query["error_description"]
    assert reason.startswith("LiveChat sign-in was not completed: ") and "awaiting approval" in reason
    assert all(" " <= c <= "~" and c not in '"\\' for c in reason)


def test_the_confirmation_needs_its_page_token_and_browser_and_a_no_revokes_at_livechat(served: Hosted) -> None:
    client_id = register(served)
    browser = Browser(login_hint="viceowner@example.com")
    http = browser.http
    consent = http.get(http.get(authorize_url(served, client_id, pkce()[1])).headers["location"])
    to_livechat = http.post(f"{served.base}/oauth/consent", data={
        "txn": hidden(consent.text, "txn"), "csrf": hidden(consent.text, "csrf"), "decision": "approve"})
    callback = httpx.get(to_livechat.headers["location"] + "&login_hint=viceowner%40example.com").headers["location"]
    confirm = http.get(callback)
    assert confirm.status_code == 200 and "viceowner@example.com" in confirm.text
    key, csrf = hidden(confirm.text, "confirm"), hidden(confirm.text, "csrf")
    assert httpx.post(f"{served.base}/oauth/confirm", data={"confirm": key, "csrf": csrf,
                                                            "decision": "approve"}).status_code == 403  # no cookie
    assert http.post(f"{served.base}/oauth/confirm", data={"confirm": key, "csrf": "guess",
                                                           "decision": "approve"}).status_code == 403
    live = httpx.get(f"{served.sandbox}/_sandbox/accounts").json()["live_tokens"]
    denied = http.post(f"{served.base}/oauth/confirm", data={"confirm": key, "csrf": csrf, "decision": "deny"})
    query = parse_qs(urlsplit(denied.headers["location"]).query)
    assert query["error"] == ["access_denied"] and "code" not in query and query["iss"] == [served.base]
    assert httpx.get(f"{served.sandbox}/_sandbox/accounts").json()["live_tokens"] == live - 1
    again = http.post(f"{served.base}/oauth/confirm", data={"confirm": key, "csrf": csrf, "decision": "approve"})
    assert again.status_code == 400  # taken once
