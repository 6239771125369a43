"""Hosted mode as a connector meets it (issue 27, class 7): nginx (the Debian package) terminating
TLS on port 443 with a certificate from a test CA, in front of three replicas sharing one real
Redis, configured with docs/hosting.md's recipe itself (its nginx site, read from the guide). The
MCP SDK's own OAuth client signs in with a Client ID Metadata Document served over https, as
Claude does, through our consent page and the sandbox's accounts service, then calls tools,
which land on every replica.

Port 443 is bound on a loopback address of its own (127.x.y.z), so two runs never collide; it
needs root (or a lowered net.ipv4.ip_unprivileged_port_start): skipped without, failed in CI.
"""

from __future__ import annotations

import base64
import json
import os
import random
import re
import shutil
import socket
import ssl
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import httpx2
import pytest
from mcp import Client
from mcp.client.auth import OAuthClientProvider
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.auth import AuthorizationCodeResult, OAuthClientMetadata

from server.sandbox.accounts import DEFAULT_OAUTH_CLIENT_ID, DEFAULT_OAUTH_CLIENT_SECRET
from tests.conftest import free_port, stop_process, tool_payload
from tests.docs_blocks import ROOT, shell_blocks
from tests.hosted import REDIRECT_URI, Browser, MemoryStorage
from tests.redis_server import RedisServer
from tests.test_http_security import clean_env, cli, wait_for_port
from tests.tls import TestCA

pytestmark = pytest.mark.anyio

REPLICAS = 3
CIMD_PATH = "/oauth/client-metadata.json"
METRICS_TOKEN = "tls-test-metrics-token-0123456789"


def missing(what: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{what} (.ci/run installs nginx and runs as root)")
    pytest.skip(what)


def address_for_443() -> str:
    """A loopback address whose port 443 is free (each run its own: runs never collide)."""
    for _ in range(50):
        address = f"127.{random.randint(1, 254)}.{random.randint(1, 254)}.{random.randint(2, 254)}"
        with socket.socket() as s:
            try:
                s.bind((address, 443))
            except PermissionError:
                missing("binding port 443 needs root (or net.ipv4.ip_unprivileged_port_start <= 443)")
            except OSError:
                continue
            return address
    raise RuntimeError("no loopback address with port 443 free")


def recipe_site(address: str, replica_ports: list[int], cert: Path, key: Path, http_port: int) -> str:
    """docs/hosting.md's nginx site (the `cat > livechat-mcp.conf` block) with this run's address
    on 443, certificate and replica ports: each replaced line must be in the guide as written."""
    block = next(b for b in shell_blocks(ROOT / "docs" / "hosting.md") if "cat > livechat-mcp.conf" in b.code)
    assert block.marker == "run", "the guide runs its nginx site"
    site = block.code.split("<<'EOF'\n", 1)[1].split("\nEOF", 1)[0]
    replacements = {
        "listen 127.0.0.1:8443 ssl;": f"listen {address}:443 ssl;",
        "listen 127.0.0.1:8080;": f"listen {address}:{http_port};",
        "server_name localhost;": f"server_name {address};",
        "ssl_certificate     localhost.pem;": f"ssl_certificate     {cert};",
        "ssl_certificate_key localhost-key.pem;": f"ssl_certificate_key {key};",
        "server 127.0.0.1:8001; server 127.0.0.1:8002; server 127.0.0.1:8003;":
            " ".join(f"server 127.0.0.1:{p};" for p in replica_ports),
    }
    for old, new in replacements.items():
        assert old in site, f"docs/hosting.md's nginx site no longer has {old!r}: update this test"
        site = site.replace(old, new)
    return site


@dataclass
class Stack:
    base: str  # https://127.x.y.z: what a connector is given (port 443)
    http_base: str  # the plain-HTTP server nginx redirects from
    cimd: str  # the client's metadata document URL, over https with the test CA's certificate
    impostor: str  # the same document behind a certificate from a CA nobody trusts
    ca: Path
    sandbox: str
    replicas: list[str]
    audit: Path

    @property
    def mcp(self) -> str:
        return f"{self.base}/mcp"

    def verify(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.ca))

    def audit_lines(self) -> list[dict]:
        return [json.loads(line) for line in self.audit.read_text().splitlines() if line.strip()]

    def tool_calls(self, replica: str) -> float:
        text = httpx.get(f"{replica}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}).text
        return sum(float(v) for v in re.findall(r"^livechat_mcp_tool_calls_total\{[^}]*\} (\S+)$", text, re.M))


def cimd_document(url: str, name: str) -> str:
    return json.dumps({"client_id": url, "client_name": name, "redirect_uris": [REDIRECT_URI],
                       "grant_types": ["authorization_code", "refresh_token"], "response_types": ["code"],
                       "token_endpoint_auth_method": "none"})


def start(args: list[str], log: Path, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    with log.open("w") as out:  # a file, not a pipe no one reads
        return subprocess.Popen(args, env=env, stdout=out, stderr=subprocess.STDOUT, text=True)


def wait_https(url: str, proc: subprocess.Popen[str], ca: Path, log: Path) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"nginx exited: {log.read_text()[-2000:]}")
        try:
            if httpx.get(url, verify=ssl.create_default_context(cafile=str(ca)), timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            time.sleep(0.05)
    raise RuntimeError(f"{url} did not answer: {log.read_text()[-2000:]}")


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if nginx is None:
        missing("nginx is not installed (apt-get install nginx)")
    if shutil.which("redis-server") is None:
        missing("redis-server is not installed (apt-get install redis-server)")
    address = address_for_443()
    tmp = tmp_path_factory.mktemp("tls")

    ca = TestCA.create("livechat-mcp test CA")
    ca_file = ca.write(tmp / "ca.pem")
    cert, key = ca.issue(tmp, "server", names=["localhost"], ips=[address, "127.0.0.1"])
    impostor_cert, impostor_key = TestCA.create("nobody trusts this CA").issue(tmp, "impostor", names=["localhost"])

    procs: list[subprocess.Popen[str]] = []
    redis = RedisServer(tmp)
    try:
        redis.start()
        sb_port = free_port()
        sandbox = start([*cli(), "sandbox", "--port", str(sb_port)], tmp / "sandbox.log", clean_env())
        procs.append(sandbox)
        ports = [free_port() for _ in range(REPLICAS)]
        sb = f"http://127.0.0.1:{sb_port}"
        audit = tmp / "audit.jsonl"
        env = clean_env(
            LIVECHAT_API_URL=sb, LIVECHAT_ACCOUNTS_URL=sb, LIVECHAT_OAUTH_CLIENT_ID=DEFAULT_OAUTH_CLIENT_ID,
            LIVECHAT_OAUTH_CLIENT_SECRET=DEFAULT_OAUTH_CLIENT_SECRET, XDG_STATE_HOME=str(tmp),
            LIVECHAT_MCP_STORE=redis.url, LIVECHAT_MCP_STORE_KEY=base64.b64encode(os.urandom(32)).decode(),
            LIVECHAT_MCP_NAME="Acme Support MCP", LIVECHAT_MCP_PUBLIC_URL=f"https://{address}",
            LIVECHAT_MCP_ALLOWED_HOSTS=address, LIVECHAT_MCP_METRICS_TOKEN=METRICS_TOKEN,
            SSL_CERT_FILE=str(ca_file),  # the replicas trust the test CA (and only it) for metadata documents
        )
        for i, port in enumerate(ports):  # started together: they import in parallel
            procs.append(start([*cli(), "--transport", "http", "--oauth", "--port", str(port), "--allow-writes",
                                "--metrics", "--audit-log", str(audit)], tmp / f"replica{i}.log", env))

        http_port, cimd_port, impostor_port = free_port(), free_port(), free_port()
        cimd = f"https://localhost:{cimd_port}{CIMD_PATH}"
        impostor = f"https://localhost:{impostor_port}{CIMD_PATH}"
        site = recipe_site(address, ports, cert, key, http_port)
        # The connector's own site, publishing its metadata document (as claude.ai does), and an impostor.
        client_sites = "".join(
            f"""
    server {{
        listen 127.0.0.1:{p} ssl; server_name localhost;
        ssl_certificate {c}; ssl_certificate_key {k};
        location = {CIMD_PATH} {{ default_type application/json; return 200 '{cimd_document(url, name)}'; }}
    }}"""
            for p, c, k, url, name in ((cimd_port, cert, key, cimd, "Claude (TLS test)"),
                                        (impostor_port, impostor_cert, impostor_key, impostor, "Impostor")))
        (tmp / "nginx.conf").write_text(
            f"daemon off;\npid {tmp}/nginx.pid;\nerror_log stderr;\nevents {{}}\n"
            f"http {{\n    access_log off;\n{site}\n{client_sites}\n}}\n")
        nginx_log = tmp / "nginx.log"
        proxy = start([nginx, "-p", str(tmp), "-e", "stderr", "-c", str(tmp / "nginx.conf")], nginx_log)
        procs.append(proxy)

        wait_for_port(sb_port, sandbox)
        for port, replica in zip(ports, procs[1:1 + REPLICAS], strict=True):
            wait_for_port(port, replica, timeout=60)
        wait_https(f"https://{address}/healthz", proxy, ca_file, nginx_log)
        yield Stack(f"https://{address}", f"http://{address}:{http_port}", cimd, impostor, ca_file, sb,
                    [f"http://127.0.0.1:{p}" for p in ports], audit)
    finally:
        for proc in reversed(procs):
            stop_process(proc)
        redis.stop()


def sdk_client(stack: Stack, email: str) -> tuple[httpx2.AsyncClient, Client, MemoryStorage, Browser]:
    """The SDK's OAuth client as a connector uses it: its client id is the metadata document's
    URL; the browser (following our consent page and the sandbox's sign-in) trusts the test CA."""
    storage = MemoryStorage()
    browser = Browser(login_hint=email, http=httpx.Client(follow_redirects=False, timeout=15, verify=stack.verify()))
    landed: list[str] = []

    async def redirect_handler(url: str) -> None:
        import anyio

        landed.append(await anyio.to_thread.run_sync(browser.go, url))

    async def callback_handler() -> AuthorizationCodeResult:
        query = parse_qs(urlsplit(landed[-1]).query)
        assert "code" in query, f"sign-in failed: {landed[-1]}"
        return AuthorizationCodeResult(code=query["code"][0], state=query["state"][0], iss=query.get("iss", [None])[0])

    provider = OAuthClientProvider(
        stack.mcp,
        OAuthClientMetadata(client_name="Claude (TLS test)", redirect_uris=[REDIRECT_URI],  # type: ignore[list-item]
                            grant_types=["authorization_code", "refresh_token"], response_types=["code"],
                            token_endpoint_auth_method="none"),
        storage, redirect_handler=redirect_handler, callback_handler=callback_handler,
        client_metadata_url=stack.cimd,
    )
    http = httpx2.AsyncClient(auth=provider, timeout=30, verify=stack.verify())
    return http, Client(streamable_http_client(stack.mcp, http_client=http), mode="legacy"), storage, browser


async def test_a_connector_signs_in_over_tls_on_443_and_its_calls_reach_every_replica(stack: Stack) -> None:
    before = [stack.tool_calls(r) for r in stack.replicas]
    http, client, storage, browser = sdk_client(stack, "owner@example.com")
    async with http, client:
        made = await client.call_tool("create_tag", {"name": "tls-e2e"})
        assert not made.is_error, tool_payload(made)
        for _ in range(2 * REPLICAS):  # nginx sends each request to the next replica
            listed = await client.call_tool("list_tags", {})
            assert not listed.is_error, tool_payload(listed)
            assert "tls-e2e" in [t["name"] for t in tool_payload(listed)["items"]]  # one store, one license
    # Signed in with the metadata document's URL as client id (no registration), over https on 443.
    assert storage.client is not None and storage.client.client_id == stack.cimd
    assert storage.tokens is not None and storage.tokens.refresh_token
    assert not [url for url, _ in browser.pages if "/register" in url]
    consent = next(r for url, r in browser.pages if "/oauth/consent" in url and r.status_code == 200)
    assert str(consent.url).startswith(f"{stack.base}/")
    assert "Claude (TLS test)" in consent.text and "localhost" in consent.text  # the document's name and host
    # Every replica answered tool calls of this one sign-in.
    after = [stack.tool_calls(r) for r in stack.replicas]
    assert all(a > b for a, b in zip(after, before, strict=True)), (before, after)
    lines = [line for line in stack.audit_lines() if line["tool"] == "create_tag"]
    assert lines[-1]["principal"]["email"] == "owner@example.com"
    assert lines[-1]["principal"]["client_id"] == stack.cimd
    # An hour later the connector refreshes as a public client (its URL as client id, no secret), on whichever
    # replica nginx picks, and the new token opens the server.
    with httpx.Client(verify=stack.verify(), timeout=15) as https:
        fresh = https.post(f"{stack.base}/token", data={"grant_type": "refresh_token", "client_id": stack.cimd,
                                                       "refresh_token": storage.tokens.refresh_token})
        assert fresh.status_code == 200, fresh.text
        init = https.post(stack.mcp, json={"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "claude", "version": "0"}}},
            headers={"Authorization": f"Bearer {fresh.json()['access_token']}",
                     "Accept": "application/json, text/event-stream"})
        assert init.status_code == 200, init.text


def test_what_a_connector_discovers_is_served_over_https_on_443(stack: Stack) -> None:
    with httpx.Client(verify=stack.verify(), timeout=10) as https:
        resource = https.get(f"{stack.base}/.well-known/oauth-protected-resource/mcp").json()
        assert resource["resource"] == stack.mcp  # no port: 443
        assert [s.rstrip("/") for s in resource["authorization_servers"]] == [stack.base]
        metadata = https.get(f"{stack.base}/.well-known/oauth-authorization-server").json()
        assert metadata["client_id_metadata_document_supported"] is True
        # Claude looks for a public client's method before it uses a metadata document.
        assert "none" in metadata["token_endpoint_auth_methods_supported"]
        assert metadata["token_endpoint"] == f"{stack.base}/token"
        unauthenticated = https.post(stack.mcp, json={"jsonrpc": "2.0", "id": 1, "method": "ping"})
        assert unauthenticated.status_code == 401
        assert "resource_metadata=" in unauthenticated.headers["www-authenticate"]
    # Plain HTTP is sent to https.
    moved = httpx.get(f"{stack.http_base}/mcp")
    assert moved.status_code == 301 and moved.headers["location"] == stack.mcp
    # A client that does not trust the CA does not get through (the certificate is really checked).
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{stack.base}/healthz")


def test_a_metadata_document_behind_an_untrusted_certificate_is_refused(stack: Stack) -> None:
    """The replicas check the document's certificate: one from a CA they do not trust is not used
    (no consent page naming it), while the trusted document still is (the positive control)."""
    def authorize(client_id: str) -> httpx.Response:
        query = {"response_type": "code", "client_id": client_id, "redirect_uri": REDIRECT_URI, "state": "s",
                 "code_challenge": "E9Melhoa2OwvFrEMTJguCQaoeKA2bxT3PGtdRr6H3Bk", "code_challenge_method": "S256",
                 "resource": stack.mcp, "scope": "livechat"}
        with httpx.Client(verify=stack.verify(), timeout=10) as browser:
            answer = browser.get(f"{stack.base}/authorize?{urlencode(query)}")
            if answer.status_code == 302 and answer.headers["location"].startswith(f"{stack.base}/oauth/"):
                answer = browser.get(answer.headers["location"])  # our consent page
            return answer

    refused = authorize(stack.impostor)
    assert refused.status_code == 400 and "Impostor" not in refused.text
    trusted = authorize(stack.cimd)
    assert trusted.status_code == 200 and "Claude (TLS test)" in trusted.text
