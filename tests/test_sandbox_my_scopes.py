"""One rule for every action with a ``--my`` scope, for a PAT and a Bearer token alike
(server/sandbox/reach.py), through the sandbox's HTTP API.

Both credentials below hold only the ``--my`` scopes and belong to John (a normal agent, member
of the Sales and Support groups). The Bearer token is the sandbox app's; the PAT belongs to no
application: "If a bot was created via an app, all agents who make the request via this app will
get the bot. If a bot was created directly by an agent (PAT authorization), all agents who
authorize with PATs will get the bot"; a namespace is the requester's only "if the requester's
Client ID matches the namespace".
"""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from conftest import DEFAULT_TOKEN
from server.sandbox import Sandbox, SandboxCredential
from server.sandbox.agents import account_id
from server.sandbox.app import DEFAULT_CLIENT_ID
from server.sandbox.bots import BOT_ID, OTHER_CLIENT_ID
from server.tools import catalog

pytestmark = pytest.mark.anyio

JOHN = account_id(4)  # john@example.com: normal, in groups 0, 1 and 2
MY_SCOPES = frozenset(s for alts in (a.scopes for a in catalog().values()) for alt in alts for s in alt
                      if "--my" in s)
BEARER, PAT_SECRET = "dal:john-my-only", "john-pat-my-only"
PAT = "Basic " + base64.b64encode(f"{JOHN}:{PAT_SECRET}".encode()).decode()
FULL = f"Bearer {DEFAULT_TOKEN}"
APP_NAMESPACE = DEFAULT_CLIENT_ID


class Caller:
    def __init__(self, http: httpx.AsyncClient, kind: str) -> None:
        self.http, self.kind = http, kind
        self.header = PAT if kind == "pat" else f"Bearer {BEARER}"

    async def send(self, action: str, body: Any, header: str | None = None) -> httpx.Response:
        return await self.http.post(f"/v3.6/configuration/action/{action}", json=body,
                                    headers={"Authorization": header or self.header})

    async def ok(self, action: str, body: Any, header: str | None = None) -> Any:
        resp = await self.send(action, body, header)
        assert resp.status_code == 200, f"{self.kind} {action} {body}: {resp.status_code} {resp.text}"
        return resp.json() if resp.content else None

    async def refused(self, action: str, body: Any) -> dict[str, Any]:
        resp = await self.send(action, body)
        assert resp.status_code != 200, f"{self.kind} {action} {body} reached what is not its own: {resp.text}"
        return dict(resp.json()["error"])


@pytest.fixture(params=["bearer", "pat"])
async def caller(request: pytest.FixtureRequest) -> AsyncIterator[Caller]:
    sandbox = Sandbox()
    sandbox.credentials += [
        SandboxCredential("john-bearer", BEARER, scopes=MY_SCOPES, account_id=JOHN),
        SandboxCredential("john-pat", PAT_SECRET, kind="pat", scopes=MY_SCOPES, account_id=JOHN),
    ]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(sandbox.app), base_url="http://sandbox") as http:
        yield Caller(http, request.param)


def test_the_credentials_hold_every_my_scope_and_nothing_else():
    assert MY_SCOPES and all("--my" in s for s in MY_SCOPES)
    assert {"agents-bot--my:rw", "properties.license.value--my:rw", "groups--my:ro", "agents--my:rw"} <= MY_SCOPES


# --- bots: a client's own bots -----------------------------------------------------------------


async def _bot_made_by(caller: Caller, maker: str) -> str:
    """A bot made by the app (the sandbox app's Bearer token) or with a PAT."""
    if maker == "app":
        return BOT_ID  # seeded, made by the sandbox app
    pat_body = {"name": "PAT-made", "owner_client_id": DEFAULT_CLIENT_ID}
    return str((await caller.ok("create_bot", pat_body, header=PAT))["id"])


BOT_CASES = [
    ("get_bot", {}),
    ("update_bot", {"job_title": "Renamed"}),
    ("delete_bot", {}),
    ("batch_update_bots", {"job_title": "Batch"}),
    ("batch_delete_bots", {}),
    # owner_client_id names the bot's client (a PAT must send it): naming the app's does not make a PAT the app.
    ("reset_bot_secret", {"owner_client_id": DEFAULT_CLIENT_ID}),
]


def _cells(cases: list[Any]) -> list[Any]:
    """Each case backs its action's "Credential rules" cell in docs/conformance.md."""
    return [pytest.param(*case, marks=pytest.mark.conformance("credential", case[0]), id=case[0]) for case in cases]


@pytest.mark.parametrize("action, body", _cells(BOT_CASES))
async def test_my_bot_scopes_reach_only_the_bots_the_credentials_client_made(caller, action, body):
    own = await _bot_made_by(caller, "pat" if caller.kind == "pat" else "app")
    other = await _bot_made_by(caller, "app" if caller.kind == "pat" else "pat")

    def request(bot_id: str) -> dict[str, Any]:
        item = {"id": bot_id, **body}
        return {"requests": [item]} if action.startswith("batch_") else item

    refused = await caller.send(action, request(other))
    error = refused.json()["responses"][0]["error"] if action.startswith("batch_") else refused.json()["error"]
    assert error["type"] == "authorization" and "agents-bot--all" in error["message"], error
    answer = await caller.ok(action, request(own))
    if action.startswith("batch_"):
        assert answer == {"responses": [{}]}


@pytest.mark.conformance("credential", "list_bots", "get_bot")
async def test_list_bots_and_the_bot_rule_agree(caller):
    made = await _bot_made_by(caller, "pat")
    listed = {b["id"] for b in await caller.ok("list_bots", {})}
    if caller.kind == "pat":
        assert listed == {made}  # only bots made with a PAT; never the app's
    else:
        assert BOT_ID in listed and made not in listed and "505591fc9fc2d6e92798bed7d9d8f079" not in listed
    for bot_id in listed:  # whatever list_bots calls the requester's, get_bot reaches with --my
        await caller.ok("get_bot", {"id": bot_id})


async def test_a_pat_made_bot_with_another_clients_id_is_still_the_pats(caller):
    made = (await caller.ok("create_bot", {"name": "Other's", "owner_client_id": OTHER_CLIENT_ID}, header=PAT))["id"]
    if caller.kind == "pat":
        await caller.ok("update_bot", {"id": made, "max_chats_count": 3})
    else:
        assert (await caller.refused("update_bot", {"id": made, "max_chats_count": 3}))["type"] == "authorization"


# --- property values: a client's own namespace -----------------------------------------------------


@pytest.fixture
async def app_values(caller: Caller) -> Caller:
    """A private property of the sandbox app with a value on the license and on group 1."""
    await caller.ok("register_property", {"name": "tier", "type": "string", "owner_client_id": APP_NAMESPACE,
                                          "access": {"license": {"agent": ["read", "write"]},
                                                     "group": {"agent": ["read", "write"]}}}, header=FULL)
    await caller.ok("update_license_properties", {"properties": {APP_NAMESPACE: {"tier": "gold"}}}, header=FULL)
    await caller.ok("update_group_properties", {"group_id": 1, "properties": {APP_NAMESPACE: {"tier": "gold"}}},
                    header=FULL)
    return caller


VALUE_CASES = [
    ("update_license_properties", {"properties": {APP_NAMESPACE: {"tier": "silver"}}}),
    ("delete_license_properties", {"properties": {APP_NAMESPACE: ["tier"]}}),
    ("update_group_properties", {"group_id": 1, "properties": {APP_NAMESPACE: {"tier": "silver"}}}),
    ("delete_group_properties", {"id": 1, "properties": {APP_NAMESPACE: ["tier"]}}),
]


@pytest.mark.parametrize("action, body", _cells(VALUE_CASES))
async def test_my_value_scopes_write_the_apps_namespace_with_its_token_never_with_a_pat(app_values, action, body):
    caller = app_values
    if caller.kind == "bearer":
        await caller.ok(action, body)
        return
    # A PAT has no client id: the app's private property is another client's, so it is invisible.
    assert (await caller.refused(action, body))["type"] == "not_found"
    listed = await caller.ok("list_license_properties", {}, header=FULL)
    assert listed[APP_NAMESPACE]["tier"] == "gold"  # nothing changed


@pytest.mark.conformance("credential", "list_license_properties")
async def test_my_value_scopes_read_the_apps_namespace_with_its_token_never_with_a_pat(app_values):
    caller = app_values
    listed = await caller.ok("list_license_properties", {})
    if caller.kind == "bearer":
        assert listed[APP_NAMESPACE] == {"tier": "gold"}
    else:
        assert APP_NAMESPACE not in listed


# --- agents and groups: the requester's own agent and groups (a PAT has an account too) -------------


OWN_CASES = [
    ("get_agent", {"id": "john@example.com"}, {"id": "jane@example.com"}),
    ("update_agent", {"id": "john@example.com", "job_title": "Me"}, {"id": "jane@example.com", "job_title": "You"}),
    ("batch_update_agents", {"requests": [{"id": "john@example.com", "mobile": "1"}]},
     {"requests": [{"id": "jane@example.com", "mobile": "1"}]}),
    ("get_group", {"id": 1}, {"id": 5}),
    ("update_group", {"id": 1, "name": "Sales EU"}, {"id": 5, "name": "VIP EU"}),
]


@pytest.mark.parametrize("action, own, other", _cells(OWN_CASES))
async def test_my_agent_and_group_scopes_reach_the_requesters_own(caller, action, own, other):
    await caller.ok(action, own)
    resp = await caller.send(action, other)
    body = resp.json()
    error = body["responses"][0]["error"] if "responses" in body else body["error"]
    assert error["type"] == "authorization" and "--all" in error["message"], error


@pytest.mark.conformance("credential", "delete_agent", "delete_group")
async def test_deleting_needs_both_my_scopes_and_reaches_only_the_own(caller):
    err = await caller.refused("delete_agent", {"id": "jane@example.com"})
    assert err["type"] == "authorization" and "agents--all:rw" in err["message"]
    await caller.ok("delete_group", {"id": 2})  # John is in Support
    assert (await caller.refused("delete_group", {"id": 5}))["type"] == "authorization"
    await caller.ok("delete_agent", {"id": "john@example.com"})


# --- every action with a --my scope is covered above ------------------------------------------------

# The actions the tests above take one by one, and those whose --my scope is not about an object's owner.
COVERED_ONE_BY_ONE = {
    "list_license_properties": "test_my_value_scopes_read_the_apps_namespace_with_its_token_never_with_a_pat",
    "delete_agent": "test_deleting_needs_both_my_scopes_and_reaches_only_the_own",
    "batch_delete_agents": "the batch of delete_agent (one handler per item; batches of the cases above are tested)",
    "delete_group": "test_deleting_needs_both_my_scopes_and_reaches_only_the_own",
    "list_bots": "test_list_bots_and_the_bot_rule_agree",
}
NOT_AN_OWNER_RULE = {
    "create_bot": "creates a bot (owner_client_id names its client; made_with_pat marks a PAT's)",
    "batch_create_bots": "creates bots",
    "update_company_details": "organization--my: the credential's own license, the only one a request acts on",
}


def test_every_action_with_a_my_scope_is_covered():
    with_my = {name for name, act in catalog().items() if any("--my" in s for alt in act.scopes for s in alt)}
    covered = ({a for a, _ in BOT_CASES} | {a for a, _ in VALUE_CASES} | {a for a, _, _ in OWN_CASES}
               | set(COVERED_ONE_BY_ONE) | set(NOT_AN_OWNER_RULE))
    assert with_my == covered, f"not covered: {sorted(with_my - covered)}; not a --my action: {sorted(covered - with_my)}"
