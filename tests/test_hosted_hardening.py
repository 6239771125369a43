"""Hosted sign-in, hardened (issue 27, classes 1, 2 and 5), each attack through the real HTTP
server and the sandbox's accounts service, beside the legitimate flow it must not break:

1. token lifecycle: a public client's revocation, refresh-token reuse revoking the family, a
   replayed code revoking what it issued, ``invalid_target`` at /token;
2. what clients may claim: redirect URIs, scopes and names at registration and in metadata
   documents, no redirect on /authorize errors for a client nobody vouches for, embedded-private
   addresses in the metadata-document guard;
3. identity and state: hosted whoami, one LiveChat grant per person however many clients they use.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import anyio
import httpx
import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from server.auth.clients import ClientRegistry, MetadataDocumentError
from server.auth.records import Records
from server.store.crypto import Sealer
from server.store.memory import MemoryStore
from tests.conftest import free_port, tool_payload
from tests.hosted import REDIRECT_URI, Browser, Hosted, connect, hidden, hosted, sdk_auth
from tests.test_hosted_attacks import authorize_url, exchange, mcp_status, pkce, register, sign_in

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def served() -> Iterator[Hosted]:
    with hosted("--allow-writes") as h:
        yield h


def tokens_for(served: Hosted, email: str = "owner@example.com") -> tuple[str, dict[str, Any]]:
    client_id, verifier, code = sign_in(served, email)
    resp = exchange(served, client_id, code, verifier)
    assert resp.status_code == 200, resp.text
    return client_id, resp.json()


def refresh(served: Hosted, client_id: str, refresh_token: str, **extra: str) -> httpx.Response:
    return httpx.post(f"{served.base}/token", data={"grant_type": "refresh_token", "client_id": client_id,
                                                    "refresh_token": refresh_token, **extra})


def revocations(served: Hosted, reason: str) -> int:
    return sum(1 for line in served.audit_lines()
               if line["tool"] == "oauth/revoke" and line.get("outcome", {}).get("reason") == reason)


# --- 1. token lifecycle --------------------------------------------------------------------------


def test_metadata_advertises_public_clients(served: Hosted) -> None:
    meta = httpx.get(f"{served.base}/.well-known/oauth-authorization-server").json()
    # Claude uses Client ID Metadata Documents only when "none" is advertised beside the flag.
    assert "none" in meta["token_endpoint_auth_methods_supported"]
    assert "none" in meta["revocation_endpoint_auth_methods_supported"]
    assert meta["client_id_metadata_document_supported"] is True


def test_a_public_client_revokes_its_token_with_token_and_client_id(served: Hosted) -> None:
    client_id, tokens = tokens_for(served)
    other_id, other = tokens_for(served)
    # Attack: another client names this client's token: answered 200 (RFC 7009), nothing revoked.
    assert httpx.post(f"{served.base}/revoke", data={"token": tokens["access_token"],
                                                     "client_id": other_id}).status_code == 200
    assert mcp_status(served, tokens["access_token"]).status_code == 200
    # The standard public-client revocation: token and client_id, no client_secret field at all.
    resp = httpx.post(f"{served.base}/revoke", data={"token": tokens["refresh_token"], "client_id": client_id,
                                                     "token_type_hint": "refresh_token"})
    assert resp.status_code == 200 and resp.headers["cache-control"] == "no-store"
    assert mcp_status(served, tokens["access_token"]).status_code == 401  # the whole grant went
    assert refresh(served, client_id, tokens["refresh_token"]).json()["error"] == "invalid_grant"
    # Positive control: the other sign-in still works; an unknown token is 200 as well; no client_id is 401.
    assert mcp_status(served, other["access_token"]).status_code == 200
    assert httpx.post(f"{served.base}/revoke", data={"token": "nope", "client_id": other_id}).status_code == 200
    assert httpx.post(f"{served.base}/revoke", data={"token": other["access_token"]}).status_code == 401
    twice = httpx.post(f"{served.base}/revoke", content=urlencode(
        [("token", "x"), ("token", other["access_token"]), ("client_id", other_id)]),
        headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert twice.status_code == 400 and twice.json()["error"] == "invalid_request"
    assert mcp_status(served, other["access_token"]).status_code == 200


def test_reusing_a_rotated_refresh_token_revokes_the_family(served: Hosted) -> None:
    client_id, first = tokens_for(served)
    # Positive control: a rotation chain used once each keeps working.
    second = refresh(served, client_id, first["refresh_token"]).json()
    third = refresh(served, client_id, second["refresh_token"]).json()
    assert mcp_status(served, third["access_token"]).status_code == 200
    before = revocations(served, "refresh_token_reused")
    # Attack: a stolen (already rotated) refresh token is presented again.
    reused = refresh(served, client_id, second["refresh_token"])
    assert reused.status_code == 400 and reused.json()["error"] == "invalid_grant"
    # Whoever refreshed first (the client or the thief) loses the chain too.
    assert mcp_status(served, third["access_token"]).status_code == 401
    assert refresh(served, client_id, third["refresh_token"]).json()["error"] == "invalid_grant"
    assert revocations(served, "refresh_token_reused") == before + 1


async def test_concurrent_uses_of_one_refresh_token_leave_no_working_chain(served: Hosted) -> None:
    client_id, tokens = tokens_for(served)
    answers: list[httpx.Response] = []

    async def one() -> None:
        async with httpx.AsyncClient() as http:
            answers.append(await http.post(f"{served.base}/token", data={
                "grant_type": "refresh_token", "client_id": client_id, "refresh_token": tokens["refresh_token"]}))

    async with anyio.create_task_group() as tg:
        for _ in range(3):
            tg.start_soon(one)
    assert sorted(a.status_code for a in answers) == [200, 400, 400]
    winner = next(a.json() for a in answers if a.status_code == 200)
    assert mcp_status(served, winner["access_token"]).status_code == 401


def test_a_replayed_code_revokes_the_tokens_it_issued(served: Hosted) -> None:
    client_id, verifier, code = sign_in(served)
    tokens = exchange(served, client_id, code, verifier).json()
    assert mcp_status(served, tokens["access_token"]).status_code == 200  # positive control
    replay = exchange(served, client_id, code, verifier)
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
    assert mcp_status(served, tokens["access_token"]).status_code == 401
    assert refresh(served, client_id, tokens["refresh_token"]).json()["error"] == "invalid_grant"
    assert any(line["tool"] == "oauth/revoke" and line["outcome"].get("reason") == "code_reused"
               for line in served.audit_lines())


def test_a_token_for_another_resource_is_invalid_target(served: Hosted) -> None:
    client_id, verifier, code = sign_in(served)
    form = {"grant_type": "authorization_code", "code": code, "code_verifier": verifier,
            "redirect_uri": REDIRECT_URI, "client_id": client_id}
    for resource in ("https://other.example/mcp", f"{served.base}/other", served.base):
        wrong = httpx.post(f"{served.base}/token", data={**form, "resource": resource})
        assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_target", resource
    twice = httpx.post(f"{served.base}/token", content=urlencode({**form, "resource": served.mcp})
                       + "&" + urlencode({"resource": "https://other.example/mcp"}),
                       headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert twice.status_code == 400 and twice.json()["error"] == "invalid_request"
    # Positive control: the code was not spent by the refusals; ours (trailing slash or not) is fine.
    ok = httpx.post(f"{served.base}/token", data={**form, "resource": served.mcp + "/"})
    assert ok.status_code == 200, ok.text
    tokens = ok.json()
    wrong = refresh(served, client_id, tokens["refresh_token"], resource="https://other.example/mcp")
    assert wrong.json()["error"] == "invalid_target"
    assert refresh(served, client_id, tokens["refresh_token"], resource=served.mcp).status_code == 200


# --- 2. what clients may claim -------------------------------------------------------------------


def register_raw(served: Hosted, **metadata: Any) -> httpx.Response:
    body = {"client_name": "claims test", "redirect_uris": [REDIRECT_URI], "token_endpoint_auth_method": "none",
            "grant_types": ["authorization_code", "refresh_token"], "response_types": ["code"], **metadata}
    return httpx.post(f"{served.base}/register", json=body)


@pytest.mark.parametrize("uri", [
    "javascript:alert(document.domain)//", "data:text/html,<script>alert(1)</script>", "vbscript:msgbox(1)",
    "file:///etc/passwd", "http://evil.example/callback", "http://127.0.0.1.evil.example/cb",
    "https://claude.ai/callback#frag", "https://claude.ai@evil.example/callback", "ws://127.0.0.1:9/cb",
    "blob:https://evil.example/x", "JavaScript:alert(1)", "about:blank", "http://localhost.evil.example/cb",
    "ms-msdt:/id PCWDiagnostic", "search-ms:query=x", "itms-services://?action=download-manifest&url=x",
    "edge://settings", "Opera://about", "brave://rewards", "vivaldi://x", "mhtml:file://c:/x.mht",
    "jnlp://evil.example/app.jnlp", "JNLPS://evil.example/app.jnlp", "telnet://evil.example",
    "java\tscript:alert(1)", " javascript:alert(1)", "javascript\n:alert(1)", "http://localhost\t.evil.example/cb",
    "http://[::ffff:127.0.0.1]/cb",
])
def test_registration_refuses_redirect_uris_a_client_may_not_claim(served: Hosted, uri: str) -> None:
    resp = register_raw(served, redirect_uris=[REDIRECT_URI, uri])
    assert resp.status_code == 400, resp.text
    assert resp.json()["error"] in ("invalid_redirect_uri", "invalid_client_metadata")


def test_registration_refuses_other_claims_and_keeps_only_what_it_allows(served: Hosted) -> None:
    for bad in ({"scope": "livechat admin"}, {"grant_types": ["authorization_code", "client_credentials"]},
                {"grant_types": ["implicit"]}, {"response_types": ["code", "token"]},
                {"redirect_uris": [f"http://127.0.0.1:{p}/cb" for p in range(11)]}):
        assert register_raw(served, **bad).status_code == 400, bad
    # Positive control: what real MCP clients register is accepted.
    uris = ["https://claude.ai/api/mcp/auth_callback", "http://127.0.0.1:7777/callback", "http://localhost:33418/",
            "http://[::1]:8080/cb", "cursor://anysphere.cursor-retrieval/oauth/user-mcp/callback"]
    ok = register_raw(served, redirect_uris=uris, client_name="Claude\u202e\u200b  (evil)\u2066",
                      logo_uri="https://evil.example/logo.png", contacts=["x@evil.example"])
    assert ok.status_code == 201, ok.text
    kept = ok.json()
    assert kept["client_name"] == "Claude (evil)" and kept["scope"] == "livechat"
    assert "logo_uri" not in kept and "contacts" not in kept
    consent = httpx.Client(follow_redirects=True).get(authorize_url(served, kept["client_id"], pkce()[1]))
    assert "Claude (evil)" in consent.text and "\u202e" not in consent.text and "\u2066" not in consent.text


@pytest.mark.parametrize("extra", [
    {"response_type": "token"}, {"code_challenge_method": "plain"}, {"code_challenge": ""}, {"scope": "admin"},
    {"scope": "livechat admin"}, {"resource": "https://other.example/mcp"},
])
def test_no_redirect_on_authorize_errors_for_an_unverified_client(served: Hosted, extra: dict[str, str]) -> None:
    client_id = register(served)
    resp = httpx.get(authorize_url(served, client_id, pkce()[1], **extra))
    assert resp.status_code == 400 and "location" not in resp.headers, resp.headers
    assert resp.json()["error"] in ("invalid_request", "unsupported_response_type", "invalid_scope", "invalid_target")


def test_a_repeated_authorize_parameter_is_refused(served: Hosted) -> None:
    client_id = register(served)
    url = authorize_url(served, client_id, pkce()[1]) + "&" + urlencode({"resource": "https://other.example/mcp"})
    resp = httpx.get(url)
    assert resp.status_code == 400 and "location" not in resp.headers
    assert "more than once" in resp.json()["error_description"]
    # Positive control: the same request without the repeat reaches the consent page.
    fine = httpx.get(authorize_url(served, client_id, pkce()[1]))
    assert fine.status_code == 302 and "/oauth/consent?txn=" in fine.headers["location"]


@pytest.fixture(scope="module")
def documents() -> Iterator[str]:
    """Client ID Metadata Documents on loopback: /self.json redirects to its own origin, /scoped.json
    claims more scope than there is, /hostile.json claims a secret and a bidi name."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            doc: dict[str, Any] = {"client_id": f"{base}{self.path}", "client_name": "Doc Client",
                                   "redirect_uris": [REDIRECT_URI], "token_endpoint_auth_method": "none"}
            if self.path == "/self.json":
                doc["redirect_uris"] = [f"{base}/callback"]
            elif self.path == "/scoped.json":
                doc["scope"] = "livechat admin"
            elif self.path == "/hostile.json":
                doc.update(client_secret="s3cret", token_endpoint_auth_method="client_secret_post",
                           client_name="Doc\u202eClient")
            elif self.path == "/js.json":
                doc["redirect_uris"] = ["javascript:alert(1)"]
            body = json.dumps(doc).encode()
            if self.path == "/nested.json":  # 40 KB, under the 64 KB cap: nested past any parser's recursion
                body = b"[" * 20_000 + b"]" * 20_000
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    httpd = HTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield base
    httpd.shutdown()


def test_a_metadata_documents_scope_is_not_trusted(served: Hosted, documents: str) -> None:
    client_id = f"{documents}/scoped.json"
    asked = httpx.get(authorize_url(served, client_id, pkce()[1], scope="livechat admin"))
    assert asked.status_code == 400 and asked.json()["error"] == "invalid_scope"
    # Positive control: the document's client signs in, and its token has the one scope.
    verifier, challenge = pkce()
    landed = Browser(login_hint="owner@example.com").go(authorize_url(served, client_id, challenge))
    code = parse_qs(urlsplit(landed).query)["code"][0]
    tokens = exchange(served, client_id, code, verifier).json()
    assert tokens["scope"] == "livechat"


def test_a_metadata_document_claims_no_secret_and_no_browser_scheme(served: Hosted, documents: str) -> None:
    browser = Browser(login_hint="owner@example.com")
    verifier, challenge = pkce()
    landed = browser.go(authorize_url(served, f"{documents}/hostile.json", challenge))
    consent = next(r for url, r in browser.pages if "/oauth/consent" in url and r.status_code == 200)
    assert "DocClient" in consent.text and "\u202e" not in consent.text
    # A public client: it exchanges without the secret it claimed.
    code = parse_qs(urlsplit(landed).query)["code"][0]
    assert exchange(served, f"{documents}/hostile.json", code, verifier).status_code == 200
    refused = httpx.get(authorize_url(served, f"{documents}/js.json", challenge))
    assert refused.status_code == 400 and "not found" in refused.json()["error_description"]


def test_a_client_whose_id_vouches_for_its_redirect_uri_gets_errors_redirected(served: Hosted, documents: str) -> None:
    client_id = f"{documents}/self.json"
    params = {"response_type": "code", "client_id": client_id, "redirect_uri": f"{documents}/callback", "state": "st",
              "code_challenge": pkce()[1], "code_challenge_method": "S256", "resource": "https://other.example/mcp"}
    resp = httpx.get(f"{served.base}/authorize?{urlencode(params)}")
    assert resp.status_code == 302 and resp.headers["location"].startswith(f"{documents}/callback?")
    query = parse_qs(urlsplit(resp.headers["location"]).query)
    assert query["error"] == ["invalid_target"] and query["state"] == ["st"] and query["iss"] == [served.base]


def test_a_deeply_nested_metadata_document_is_refused_not_a_crash(served: Hosted, documents: str) -> None:
    refused = httpx.get(authorize_url(served, f"{documents}/nested.json", pkce()[1]))
    assert refused.status_code == 400 and "not found" in refused.json()["error_description"], refused.text
    # Positive control: the same server's documents still sign in.
    fine = httpx.get(authorize_url(served, f"{documents}/plain.json", pkce()[1]))
    assert fine.status_code == 302 and "/oauth/consent?txn=" in fine.headers["location"]


@pytest.mark.parametrize("address", [
    "2002:a00:1::1", "2002:7f00:1::", "2002:a9fe:a9fe::", "2001:0:4136:e378:8000:63bf:f5ff:fffe",
    "64:ff9b::a00:1", "::ffff:0:a00:1", "::a00:1", "2620:fe::5efe:a00:1",
    "fec0::1", "3fff::1", "64:ff9b::c000:8", "::ffff:192.0.0.8",  # site-local, documentation, 192.0.0.0/24
])
def test_metadata_documents_at_ipv4_embedded_private_addresses_are_not_fetched(served: Hosted, address: str) -> None:
    resp = httpx.get(authorize_url(served, f"https://[{address}]/client.json", pkce()[1]))
    assert resp.status_code == 400 and "location" not in resp.headers


async def test_the_address_guard_keeps_public_embedded_addresses() -> None:
    from server.auth.clients import _public

    registry = ClientRegistry(Records(MemoryStore(), Sealer(b"k" * 32)))
    with pytest.raises(MetadataDocumentError, match="private or reserved"):
        await registry.metadata_document("https://[2002:c0a8:101::1]/c.json")  # 6to4 of 192.168.1.1
    await registry.aclose()
    assert _public("2002:808:808::1") and _public("::ffff:8.8.8.8") and _public("2620:fe::fe")


@pytest.mark.parametrize("address", ["fec0::1", "fec0:0:0:ffff::1", "3fff::1", "192.0.0.8", "192.0.0.170",
                                     "::ffff:192.0.0.8", "64:ff9b::c000:8", "2002:c000:8::1"])
def test_the_address_guard_refuses_what_older_pythons_call_global(address: str) -> None:
    """Site-local, documentation and IETF-protocol addresses are never a metadata document's host, on any
    Python (before 3.12.4 the ipaddress module calls them global); the public control is the test above."""
    from server.auth.clients import _public

    assert not _public(address)


# --- 5. identity and state in hosted mode ------------------------------------------------------


async def call(served: Hosted, token: str, tool: str, args: dict[str, Any] | None = None) -> Any:
    async with httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=30) as http, \
            Client(streamable_http_client(served.mcp, http_client=http), mode="legacy") as client:
        return await client.call_tool(tool, args or {})


async def test_hosted_whoami_names_the_signed_in_person(served: Hosted) -> None:
    provider, _, _ = sdk_auth(served, "john@example.com", name="Claude (whoami)")
    http, client = connect(served, provider)
    async with http, client:
        result = await client.call_tool("whoami", {})
    me = tool_payload(result)
    assert not result.is_error and "identity" not in me  # no "identity unknown"
    assert me["email"] == "john@example.com" and me["role"] == "normal"
    assert me["account_id"] and me["organization_id"] and me["signed_in_through"] == "Claude (whoami)"
    assert "dal:" not in json.dumps(me)  # never a LiveChat token
    _, owner = tokens_for(served, "owner@example.com")
    other = tool_payload(await call(served, owner["access_token"], "whoami"))
    assert other["email"] == "owner@example.com" and other["role"] == "owner"


def live_for(served: Hosted, email: str) -> int:
    accounts = httpx.get(f"{served.sandbox}/_sandbox/accounts").json()
    account = next(a["account_id"] for a in accounts["accounts"] if a["email"] == email)
    return int(accounts["live_tokens_by_account"].get(account, 0))


async def test_signing_in_from_many_clients_keeps_one_livechat_grant(served: Hosted) -> None:
    email = "viceowner@example.com"
    first_id, first = tokens_for(served, email)
    assert not (await call(served, first["access_token"], "list_tags")).is_error
    # 25 more sign-ins of the same person through other clients: LiveChat would revoke the
    # first token pair at the 26th, had each sign-in kept its own.
    others = [tokens_for(served, email) for _ in range(25)]
    assert live_for(served, email) == 1
    assert not (await call(served, first["access_token"], "list_tags")).is_error  # the first still works
    assert not (await call(served, others[-1][1]["access_token"], "list_tags")).is_error
    # Disconnecting one client keeps the others; the last one revokes the LiveChat grant.
    httpx.post(f"{served.base}/revoke", data={"token": first["access_token"], "client_id": first_id})
    assert mcp_status(served, first["access_token"]).status_code == 401
    assert not (await call(served, others[0][1]["access_token"], "list_tags")).is_error
    assert live_for(served, email) == 1
    for client_id, tokens in others:
        httpx.post(f"{served.base}/revoke", data={"token": tokens["refresh_token"], "client_id": client_id})
    assert live_for(served, email) == 0


async def test_one_persons_clients_share_the_livechat_refresh(served: Hosted) -> None:
    email = "jane@example.com"
    httpx.post(f"{served.sandbox}/_sandbox/accounts", json={"access_ttl": 100})  # within the refresh margin
    try:
        (_, a), (_, b) = tokens_for(served, email), tokens_for(served, email)
        before = httpx.get(f"{served.sandbox}/_sandbox/accounts").json()["refreshed"]
        results: list[Any] = []

        async def use(token: str) -> None:
            results.append(await call(served, token, "list_tags"))

        async with anyio.create_task_group() as tg:
            for token in (a["access_token"], b["access_token"]) * 2:
                tg.start_soon(use, token)
        assert all(not r.is_error for r in results), [r.content[0].text[:300] for r in results if r.is_error]
        assert httpx.get(f"{served.sandbox}/_sandbox/accounts").json()["refreshed"] > before
        assert live_for(served, email) == 1  # refreshed in place, under the person's lock
    finally:
        httpx.post(f"{served.sandbox}/_sandbox/accounts", json={"access_ttl": 3600})


async def test_a_hosted_plan_names_the_persons_license() -> None:
    with hosted("--dry-run") as served:
        provider, _, _ = sdk_auth(served, "owner@globex.example")
        http, client = connect(served, provider)
        async with http, client:
            me = tool_payload(await client.call_tool("whoami", {}))
            planned = await client.call_tool("create_tag", {"name": "planned-hosted"})
            assert not planned.is_error, planned
            plan = tool_payload(await client.call_tool("get_plan", {}))
    # The plan is bound to the signed-in person's license (the other-license check needs it).
    assert plan["target"]["organization_id"] == me["organization_id"]
    assert me["email"] == "owner@globex.example"


def test_a_persons_name_from_the_license_cannot_reorder_the_confirmation_page(served: Hosted) -> None:
    from server.sandbox import ALL_SCOPES_TOKEN

    made = httpx.post(f"{served.sandbox}/v3.6/configuration/action/create_agent",
                      json={"id": "mallory@example.com", "name": "Mal\u202eyrolla\u2066 Admin\u200b"},
                      headers={"Authorization": f"Bearer {ALL_SCOPES_TOKEN}"})
    assert made.status_code == 200, made.text
    approved = httpx.post(f"{served.sandbox}/v3.6/configuration/action/approve_agent",
                          json={"id": "mallory@example.com"},
                          headers={"Authorization": f"Bearer {ALL_SCOPES_TOKEN}"})
    assert approved.status_code == 200, approved.text  # a new agent signs in once approved
    browser = Browser(login_hint="mallory@example.com")
    browser.go(authorize_url(served, register(served), pkce()[1]))
    confirm = next(r for url, r in browser.pages if r.status_code == 200 and 'action="/oauth/confirm"' in r.text)
    assert "Malyrolla Admin" in confirm.text
    assert not any(ch in confirm.text for ch in "\u202e\u2066\u200b")


def test_a_client_revoking_with_a_refresh_token_it_already_rotated_still_revokes(served: Hosted) -> None:
    client_id, first = tokens_for(served)
    other_id, _ = tokens_for(served)
    second = refresh(served, client_id, first["refresh_token"]).json()
    # Another client naming it revokes nothing (positive control for the owner's revocation below).
    httpx.post(f"{served.base}/revoke", data={"token": first["refresh_token"], "client_id": other_id})
    assert mcp_status(served, second["access_token"]).status_code == 200
    resp = httpx.post(f"{served.base}/revoke", data={"token": first["refresh_token"], "client_id": client_id})
    assert resp.status_code == 200
    assert mcp_status(served, second["access_token"]).status_code == 401


async def test_abandoned_sign_ins_do_not_pile_up_livechat_tokens(served: Hosted) -> None:
    email = "owner@globex.example"
    _, tokens = tokens_for(served, email)
    for _ in range(25):  # sign-ins left at the confirmation page (tabs closed, "back" pressed)
        browser = Browser()
        http = browser.http
        consent = http.get(http.get(authorize_url(served, register(served), pkce()[1])).headers["location"])
        to_livechat = http.post(f"{served.base}/oauth/consent", data={
            "txn": hidden(consent.text, "txn"), "csrf": hidden(consent.text, "csrf"), "decision": "approve"})
        callback = httpx.get(to_livechat.headers["location"] + "&" + urlencode({"login_hint": email}))
        assert http.get(callback.headers["location"]).status_code == 200  # the confirmation page, never answered
    assert live_for(served, email) <= 2  # the person's grant and at most one sign-in waiting
    # Positive control: the connected client still reaches LiveChat, and so does one that signs in now.
    assert not (await call(served, tokens["access_token"], "list_tags")).is_error
    _, latest = tokens_for(served, email)
    assert not (await call(served, latest["access_token"], "list_tags")).is_error
    assert not (await call(served, tokens["access_token"], "list_tags")).is_error


def test_a_consent_posted_again_and_again_keeps_one_livechat_round_trip(served: Hosted) -> None:
    """POST /oauth/consent is not rationed like /authorize: each post used to keep a LiveChat state
    record (ten minutes), so one sign-in's page posted in a loop filled the store. A repeated post
    replaces the sign-in's round trip; the last one still signs in (the first no longer does)."""
    import sqlite3

    def states() -> int:
        with sqlite3.connect(served.audit.parent / "state.db") as db:
            return int(db.execute("SELECT count(*) FROM kv WHERE ns LIKE '%lcstate%'").fetchone()[0])

    browser = Browser(login_hint="owner@example.com")
    http = browser.http
    consent = http.get(http.get(authorize_url(served, register(served), pkce()[1])).headers["location"])
    form = {"txn": hidden(consent.text, "txn"), "csrf": hidden(consent.text, "csrf"), "decision": "approve"}
    before = states()
    posts = [http.post(f"{served.base}/oauth/consent", data=form) for _ in range(30)]
    assert all(p.status_code == 303 for p in posts)
    assert states() - before == 1
    first = httpx.get(posts[0].headers["location"] + "&" + urlencode({"login_hint": "owner@example.com"}))
    assert http.get(first.headers["location"]).status_code == 400  # its round trip was replaced
    last = httpx.get(posts[-1].headers["location"] + "&" + urlencode({"login_hint": "owner@example.com"}))
    assert http.get(last.headers["location"]).status_code == 200  # positive control: the confirmation page
