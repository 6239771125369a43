"""Hosted mode in a real browser: headless Chromium (Playwright, tests/browser.py) walks our consent
page and the sandbox's LiveChat sign-in page; the test reads what each page says and follows where
it redirects.

Needs the Debian package `chromium` (installed by .ci/run). In CI (CI=true) a missing browser
fails the test instead of skipping it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from playwright.async_api import Page

from tests.conftest import free_port
from tests.hosted import Hosted, hosted
from tests.test_hosted_attacks import authorize_url, pkce


@pytest.fixture
def capture() -> Iterator[tuple[str, list[str]]]:
    """The MCP client's redirect URI: records what the browser lands on."""
    port, seen = free_port(), []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(b"<!doctype html><title>done</title><p>You can close this window.</p>")

        def log_message(self, *args: object) -> None:
            pass

    httpd = HTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{port}/callback", seen
    httpd.shutdown()


@pytest.fixture(scope="module")
def served() -> Iterator[Hosted]:
    with hosted("--allow-writes", LIVECHAT_OAUTH_WRITE_ROLES="owner,viceowner") as h:
        yield h


def test_a_person_signs_in_through_the_pages_in_chromium(served: Hosted, browse: Callable[..., Any],
                                                        capture: tuple[str, list[str]]) -> None:
    redirect, seen = capture
    reg = httpx.post(f"{served.base}/register", json={
        "client_name": "Claude <b>Desktop</b>", "redirect_uris": [redirect], "token_endpoint_auth_method": "none",
        "grant_types": ["authorization_code", "refresh_token"], "response_types": ["code"]}).json()
    verifier, challenge = pkce()
    start = authorize_url(served, reg["client_id"], challenge, state="browser-state", redirect_uri=redirect)

    async def walk(page: Page) -> None:
        await page.goto(start)
        await page.wait_for_url(lambda url: urlsplit(url).path == "/oauth/consent")
        consent = await page.locator("body").inner_text()
        # Which deployment, which client (its markup shown as text, not rendered), where it
        # sends you back, which license, which rights.
        assert "Acme Support MCP" in consent
        assert "Claude <b>Desktop</b>" in consent
        assert redirect in consent
        assert "The license of the LiveChat account you sign in with" in consent
        assert "Change the configuration" in consent and "owner, viceowner" in consent
        assert await page.locator("script").count() == 0
        await page.locator("button[value=approve]").click()
        await page.wait_for_url(lambda url: url.startswith(served.sandbox))
        sign_in = await page.locator("body").inner_text()
        assert "Sign in to LiveChat (sandbox)" in sign_in and "owner@globex.example" in sign_in
        assert f"{served.base}/oauth/callback" in sign_in  # LiveChat says where it sends you back
        await page.locator("label", has_text="john@example.com").click()
        await page.locator("button[value=sign_in]").click()
        # Back with us: who signed in, on which license, and exactly what this person may do
        # (read scopes only: nothing can be changed, though the operator allows writes).
        await page.wait_for_url(lambda url: urlsplit(url).path == "/oauth/callback")
        confirm = await page.locator("body").inner_text()
        assert "Confirm access" in confirm and "john@example.com" in confirm and "role normal" in confirm
        assert "license 104130623" in confirm
        assert "Change: nothing." in confirm and "Read: " in confirm and "tags" in confirm
        assert redirect in confirm
        await page.locator("button[value=approve]").click()
        await page.wait_for_url(lambda url: url.startswith(redirect))

    browse(walk)
    landed = [path for path in seen if path.startswith("/callback")]
    assert len(landed) == 1
    query = parse_qs(urlsplit(landed[0]).query)
    assert query["state"] == ["browser-state"] and query["iss"] == [served.base]
    tokens = httpx.post(f"{served.base}/token", data={
        "grant_type": "authorization_code", "code": query["code"][0], "code_verifier": verifier,
        "redirect_uri": redirect, "client_id": reg["client_id"]})
    assert tokens.status_code == 200, tokens.text
