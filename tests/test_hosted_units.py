"""Hosted mode's pieces on their own: settings, the effective policy, sealed records."""

from __future__ import annotations

import pytest

from server.auth.principal import SignedIn, effective_policy, rights_summary
from server.auth.records import GRANTS, LIVECHAT, Grant, LiveChatGrant, Records
from server.auth.settings import OAuthSettings
from server.errors import ConfigError
from server.policies import Policy
from server.store.crypto import Sealer
from server.store.memory import MemoryStore
from server.tools import catalog

pytestmark = pytest.mark.anyio
ENV = {"LIVECHAT_OAUTH_CLIENT_ID": "app", "LIVECHAT_OAUTH_CLIENT_SECRET": "secret"}


def person(role: str = "normal", scopes: frozenset[str] = frozenset({"tags--all:ro", "tags--all:rw"})) -> SignedIn:
    return SignedIn(id="org:acct", grant_id="g", account_id="acct", email="a@example.com", name="A", role=role,
                     organization_id="org", license_id="1", region="dal", client_id="c", client_name="Claude",
                     scopes=scopes)


def test_settings_need_the_app_and_an_https_public_url() -> None:
    with pytest.raises(ConfigError, match="LIVECHAT_OAUTH_CLIENT_ID"):
        OAuthSettings.from_env({}, host="127.0.0.1", port=8000)
    with pytest.raises(ConfigError, match="https"):
        OAuthSettings.from_env({**ENV, "LIVECHAT_MCP_PUBLIC_URL": "http://mcp.example.com"}, host="0.0.0.0", port=1)
    with pytest.raises(ConfigError, match="no path"):
        OAuthSettings.from_env({**ENV, "LIVECHAT_MCP_PUBLIC_URL": "https://mcp.example.com/mcp"}, host="h", port=1)
    with pytest.raises(ConfigError, match="unknown role"):
        OAuthSettings.from_env({**ENV, "LIVECHAT_OAUTH_WRITE_ROLES": "owner,boss"}, host="127.0.0.1", port=1)
    s = OAuthSettings.from_env({**ENV, "LIVECHAT_MCP_PUBLIC_URL": "https://mcp.example.com/"}, host="0.0.0.0", port=1)
    assert (s.issuer, s.resource, s.callback_url) == (
        "https://mcp.example.com", "https://mcp.example.com/mcp", "https://mcp.example.com/oauth/callback")
    assert not s.allow_loopback_metadata and "secret" not in repr(s)


def test_a_token_only_narrows_the_operators_policy() -> None:
    tags_create, tags_list = catalog()["create_tag"], catalog()["list_tags"]
    ceiling = Policy(mode="read-write")
    assert effective_policy(ceiling, person(), None).decide(tags_create).allowed
    read_only = person(scopes=frozenset({"tags--all:ro"}))
    assert effective_policy(ceiling, read_only, None).decide(tags_create).rule == "scopes"
    # The operator's read-only policy holds whatever the token allows.
    assert effective_policy(Policy(mode="read-only"), person(), None).decide(tags_create).rule == "mode"
    # The policy's scopes are a ceiling too: the token cannot add to them.
    limited = Policy(mode="read-write", scopes=["tags--all:ro"])
    assert effective_policy(limited, person(), None).decide(tags_create).rule == "scopes"
    assert effective_policy(limited, person(), None).decide(tags_list).allowed
    # Role mapping: only the named roles write.
    roles = frozenset({"owner", "viceowner"})
    assert effective_policy(ceiling, person("normal"), roles).decide(tags_create).rule == "role"
    assert effective_policy(ceiling, person("owner"), roles).decide(tags_create).allowed
    assert any("owner, viceowner" in line for line in rights_summary(ceiling, roles))


async def test_grants_are_sealed_at_rest() -> None:
    store = MemoryStore()
    records = Records(store, Sealer(b"k" * 32))
    grant = Grant(grant_id="g1", client_id="c", client_name="n", account_id="a", organization_id="o",
                  license_id=None, email="secret-person@example.com", name="N", role="owner", scopes=[], region="dal",
                  created_at=0)
    livechat = LiveChatGrant(person="o:a", access_token="dal:very-secret-livechat-token",
                             refresh_token="dal:refresh-secret", expires_at=0, grants=["g1"], until=60)
    await records.put(GRANTS, "g1", grant, ttl=60)
    await records.put(LIVECHAT, "o:a", livechat, ttl=60)
    raw, raw_lc = await store.get(GRANTS, "g1"), await store.get(LIVECHAT, "o:a")
    assert raw is not None and raw_lc is not None and b"secret-person" not in raw
    assert b"very-secret" not in raw_lc and b"refresh-secret" not in raw_lc
    assert (await records.get(GRANTS, "g1", Grant)) == grant
    assert (await records.get(LIVECHAT, "o:a", LiveChatGrant)) == livechat
    # Copied to another key it does not open (bound to its key), nor with another deployment's key.
    await store.put(GRANTS, "g2", raw)
    assert await records.get(GRANTS, "g2", Grant) is None
    assert await Records(store, Sealer(b"x" * 32)).get(GRANTS, "g1", Grant) is None


def test_cli_refuses_oauth_where_it_cannot_work() -> None:
    import subprocess

    from tests.test_http_security import clean_env, cli

    def run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*cli(), *args], env=clean_env(**env), capture_output=True, text=True, timeout=60)

    stdio = run("--oauth", **ENV)
    assert stdio.returncode == 2 and "--transport http --oauth" in stdio.stderr
    no_app = run("--transport", "http", "--oauth", LIVECHAT_MCP_STORE="memory://")
    assert no_app.returncode == 2 and "LIVECHAT_OAUTH_CLIENT_ID" in no_app.stderr
    embedded = run("--transport", "http", "--oauth", "--sandbox", **ENV)
    assert embedded.returncode == 2 and "livechat-mcp sandbox" in embedded.stderr
    static = run("--transport", "http", "--oauth", LIVECHAT_MCP_AUTH_TOKEN="x" * 20, LIVECHAT_MCP_STORE="memory://",
                 **ENV)
    assert static.returncode == 2 and "exclude each other" in static.stderr


def test_sandbox_prints_its_oauth_app_which_env_sets() -> None:
    import subprocess

    import httpx

    from tests.conftest import free_port
    from tests.test_http_security import clean_env, cli, wait_for_port

    port = free_port()
    proc = subprocess.Popen([*cli(), "sandbox", "--port", str(port)], text=True, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=clean_env(LIVECHAT_SANDBOX_OAUTH_CLIENT_ID="my-app-id",
                                                                  LIVECHAT_SANDBOX_OAUTH_CLIENT_SECRET="my-app-secret"))
    try:
        wait_for_port(port, proc)
        assert httpx.get(f"http://127.0.0.1:{port}/_sandbox/accounts").json()["client_id"] == "my-app-id"
        refused = httpx.post(f"http://127.0.0.1:{port}/v2/token", data={
            "grant_type": "refresh_token", "refresh_token": "x", "client_id": "my-app-id", "client_secret": "wrong"})
        assert refused.status_code == 401
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=10)
    assert "client id my-app-id client secret my-app-secret" in err


async def test_a_registration_no_sign_in_used_is_kept_a_day_one_that_signed_in_180_days() -> None:
    """Registration is anonymous: what nobody signs in through must not fill the store for half a year."""
    from mcp.shared.auth import OAuthClientInformationFull

    from server.auth.clients import ClientRegistry

    now = [1000.0]
    registry = ClientRegistry(Records(MemoryStore(clock=lambda: now[0]), Sealer(b"k" * 32)), allow_loopback=True)

    def client(cid: str) -> OAuthClientInformationFull:
        return OAuthClientInformationFull(client_id=cid, redirect_uris=["http://127.0.0.1:9/cb"],
                                          token_endpoint_auth_method="none", client_name=cid)

    for cid in ("idle", "signed-in"):
        await registry.register(client(cid))
    now[0] += 3600
    await registry.used("signed-in")  # a sign-in through it finished
    now[0] += 86400
    assert await registry.get("idle") is None
    assert (await registry.get("signed-in")).client_name == "signed-in"
    now[0] += 170 * 86400
    assert await registry.get("signed-in") is not None
    await registry.aclose()
