"""Helpers for hosted-mode tests: a sandbox and `livechat-mcp --transport http --oauth` as real
processes on loopback, and a scripted browser for the sign-in (cookies, redirects, forms)."""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import httpx2
from mcp import Client
from mcp.client.auth import OAuthClientProvider, TokenStorage
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.auth import AuthorizationCodeResult, OAuthClientInformationFull, OAuthClientMetadata, OAuthToken

from server.sandbox.accounts import DEFAULT_OAUTH_CLIENT_ID, DEFAULT_OAUTH_CLIENT_SECRET
from tests.conftest import free_port, stop_process as stop
from tests.test_http_security import clean_env, cli, wait_for_port

REDIRECT_URI = "http://127.0.0.1:7777/callback"


@dataclass
class Hosted:
    base: str  # our public URL
    sandbox: str
    audit: Path
    procs: list[subprocess.Popen[str]]
    replicas: list[str] = field(default_factory=list)  # every server's own URL (the first is ``base``)

    @property
    def mcp(self) -> str:
        return f"{self.base}/mcp"

    def audit_lines(self) -> list[dict]:
        return [json.loads(line) for line in self.audit.read_text().splitlines() if line.strip()]


@contextmanager
def hosted(*extra_args: str, replicas: int = 1, **extra_env: str) -> Iterator[Hosted]:
    """A sandbox and ``replicas`` servers sharing one store file and key, all announcing the first
    one's URL as their public URL (as replicas behind one reverse proxy would)."""
    sb_port, ports = free_port(), [free_port() for _ in range(replicas)]
    port = ports[0]
    with tempfile.TemporaryDirectory() as tmp:
        sandbox = subprocess.Popen([*cli(), "sandbox", "--port", str(sb_port)], env=clean_env(),
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        procs = [sandbox]
        try:
            wait_for_port(sb_port, sandbox)
            sb = f"http://127.0.0.1:{sb_port}"
            audit = Path(tmp) / "audit.jsonl"
            env = clean_env(
                LIVECHAT_API_URL=sb, LIVECHAT_ACCOUNTS_URL=sb, LIVECHAT_OAUTH_CLIENT_ID=DEFAULT_OAUTH_CLIENT_ID,
                LIVECHAT_OAUTH_CLIENT_SECRET=DEFAULT_OAUTH_CLIENT_SECRET, XDG_STATE_HOME=tmp,
                LIVECHAT_MCP_STORE_KEY=base64.b64encode(os.urandom(32)).decode(), LIVECHAT_MCP_NAME="Acme Support MCP",
                LIVECHAT_MCP_STORE=f"sqlite://{tmp}/state.db", LIVECHAT_MCP_PUBLIC_URL=f"http://127.0.0.1:{port}",
                # A test signs in far more often than a person from one address: room for that,
                # unless the test is about the rations (tests/test_hardening_hosted.py).
                **{"LIVECHAT_MCP_REGISTER_LIMIT": "10000/60", "LIVECHAT_MCP_AUTHORIZE_LIMIT": "10000/60", **extra_env},
            )
            for each in ports:
                server = subprocess.Popen(
                    [*cli(), "--transport", "http", "--oauth", "--port", str(each), "--audit-log", str(audit),
                     *extra_args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                procs.append(server)
                wait_for_port(each, server)
            yield Hosted(f"http://127.0.0.1:{port}", sb, audit, procs, [f"http://127.0.0.1:{p}" for p in ports])
        finally:
            for proc in reversed(procs):
                stop(proc)


def hidden(page: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert found, f"no hidden field {name} in page"
    return unescape(found.group(1))


@dataclass
class Browser:
    """Follows redirects one at a time (so tests can look at each step), keeps cookies."""

    login_hint: str | None = None
    http: httpx.Client = field(default_factory=lambda: httpx.Client(follow_redirects=False, timeout=15))
    pages: list[tuple[str, httpx.Response]] = field(default_factory=list)

    def go(self, url: str, *, stop_at: str = REDIRECT_URI) -> str:
        """From the authorization URL to the client's redirect URI (returned), approving consent."""
        resp = self.http.get(url)
        while True:
            self.pages.append((str(resp.url), resp))
            if resp.status_code in (302, 303):
                location = str(resp.url.join(resp.headers["location"]))
                if location.startswith(stop_at):
                    return location
                if self.login_hint and "response_type=code" in location and "/oauth/" not in location \
                        and "/authorize" not in location:
                    location += "&" + urlencode({"login_hint": self.login_hint})
                resp = self.http.get(location)
                continue
            assert resp.status_code == 200, f"{resp.url}: {resp.status_code} {resp.text[:300]}"
            action = re.search(r'<form method="post" action="(/oauth/(?:consent|confirm))"', resp.text)
            assert action, f"unexpected page {resp.url}"  # our consent page, or the confirmation after sign-in
            fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', resp.text))
            resp = self.http.post(str(resp.url.join(action.group(1))),
                                  data={**{k: unescape(v) for k, v in fields.items()}, "decision": "approve"})


class MemoryStorage(TokenStorage):
    def __init__(self) -> None:
        self.tokens: OAuthToken | None = None
        self.client: OAuthClientInformationFull | None = None

    async def get_tokens(self) -> OAuthToken | None:
        return self.tokens

    async def set_tokens(self, tokens: OAuthToken) -> None:
        self.tokens = tokens

    async def get_client_info(self) -> OAuthClientInformationFull | None:
        return self.client

    async def set_client_info(self, client_info: OAuthClientInformationFull) -> None:
        self.client = client_info


def sdk_auth(served: Hosted, email: str, *, name: str = "Test Client", storage: MemoryStorage | None = None,
             browser: Browser | None = None) -> tuple[OAuthClientProvider, MemoryStorage, Browser]:
    storage = storage or MemoryStorage()
    browser = browser or Browser(login_hint=email)
    landed: list[str] = []

    async def redirect_handler(url: str) -> None:
        import anyio

        landed.append(await anyio.to_thread.run_sync(browser.go, url))

    async def callback_handler() -> AuthorizationCodeResult:
        query = parse_qs(urlsplit(landed[-1]).query)
        assert "code" in query, f"sign-in failed: {landed[-1]}"
        return AuthorizationCodeResult(code=query["code"][0], state=query["state"][0],
                                       iss=query.get("iss", [None])[0])

    provider = OAuthClientProvider(
        served.mcp,
        OAuthClientMetadata(client_name=name, redirect_uris=[REDIRECT_URI],  # type: ignore[list-item]
                            grant_types=["authorization_code", "refresh_token"], response_types=["code"],
                            token_endpoint_auth_method="none"),
        storage, redirect_handler=redirect_handler, callback_handler=callback_handler,
    )
    return provider, storage, browser


def connect(served: Hosted, provider: OAuthClientProvider):
    http = httpx2.AsyncClient(auth=provider, timeout=30)
    return http, Client(streamable_http_client(served.mcp, http_client=http), mode="legacy")
