"""Per action, through the sandbox's HTTP API: what every row of docs/conformance.md claims in the
columns that hold for each action alike (errors, scopes, credentials, batch answers).

Each parameter carries ``conformance(column, action)``: the cell it backs (tests/conformance_table.py
reads them to generate the table). ``WORKING`` is one request per action that succeeds on a fresh
seeded license; every test starts from it.
"""

from __future__ import annotations

import base64
import copy
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from conftest import cells
from server.sandbox import Sandbox, SandboxCredential
from server.sandbox.agents import account_id
from server.sandbox.app import DEFAULT_CLIENT_ID
from server.sandbox.bots import BOT_ID, BOT_SECRET, TEMPLATE_ID
from server.tools import catalog
from server.tools.listing import documented_scopes
from server.tools.owner import takes_owner

pytestmark = pytest.mark.anyio

_GREETING = {"type": "normal", "active": True, "name": "Hi", "group": 0,
             "rules": [{"condition": "and", "type": "visit_time_site", "operator": "greater_than", "value": "30"}]}
_SINGLE: dict[str, dict[str, Any]] = {
    "create_agent": {"id": "new@example.com", "name": "New Agent"},
    "get_agent": {"id": "jane@example.com"},
    "list_agents": {},
    "update_agent": {"id": "john@example.com", "job_title": "Hero"},
    "delete_agent": {"id": "john@example.com"},
    "suspend_agent": {"id": "john@example.com"},
    "unsuspend_agent": {"id": "suspended@example.com"},
    "request_agent_unsuspension": {},  # sent by the suspended agent (SUSPENDED_ACTIONS)
    "approve_agent": {"id": "awaiting@example.com"},
    "add_auto_access": {"access": {"groups": [1]}, "conditions": {"domain": {"values": [{"value": "x.com"}]}}},
    "list_auto_accesses": {},
    "update_auto_access": {"id": "1faad6f5f1d6e8fdf27e8af9839783b7", "description": "moved"},
    "delete_auto_access": {"id": "1faad6f5f1d6e8fdf27e8af9839783b7"},
    "create_bot_template": {"name": "Template"},
    "create_bot": {"name": "Bot"},
    "delete_bot_template": {"id": TEMPLATE_ID},
    "delete_bot": {"id": BOT_ID},
    "update_bot_template": {"id": TEMPLATE_ID, "name": "Renamed"},
    "update_bot": {"id": BOT_ID, "name": "Renamed"},
    "list_bot_templates": {},
    "list_bots": {},
    "get_bot": {"id": BOT_ID},
    "issue_bot_token": {"bot_id": BOT_ID, "client_id": DEFAULT_CLIENT_ID, "bot_secret": BOT_SECRET,
                        "organization_id": "390e44e6-f1e6-0368-c507-7c7f8c8de8c6"},
    "reset_bot_template_secret": {"id": TEMPLATE_ID},
    "reset_bot_secret": {"id": BOT_ID},
    "list_customer_bans": {},
    "unban_customer": {"ip": "192.168.1.1"},
    "create_greeting": _GREETING,
    "update_greeting": {"id": 123, "name": "Renamed"},
    "delete_greeting": {"id": 123},
    "list_greetings": {},
    "get_greeting": {"id": 123},
    "create_group": {"name": "New group", "agent_priorities": {"jane@example.com": "normal"}},
    "update_group": {"id": 19, "name": "Billing EU"},
    "delete_group": {"id": 19},
    "list_groups": {},
    "get_group": {"id": 19},
    "register_property": {"name": "fresh", "type": "int", "access": {"license": {"agent": ["read"]}}},
    "unregister_property": {"name": "customer_tier"},
    "publish_property": {"name": "customer_tier", "access_type": ["read"]},
    "list_properties": {},
    "update_license_properties": {"properties": {"test": {"int_property": 1}}},
    "list_license_properties": {},
    "delete_license_properties": {"properties": {"test": ["int_property"]}},
    "update_group_properties": {"group_id": 1, "properties": {"test": {"int_property": 1}}},
    "list_groups_properties": {"group_ids": []},
    "delete_group_properties": {"id": 1, "properties": {"test": ["int_property"]}},
    "create_tag": {"name": "fresh-tag"},
    "delete_tag": {"name": "sales"},
    "list_tags": {},
    "update_tag": {"name": "sales", "group_ids": [0]},
    "register_webhook": {"url": "https://example.com/hook", "action": "incoming_chat", "secret_key": "k",
                         "type": "license"},
    "list_webhooks": {},
    "unregister_webhook": {"id": "b5d0a3c1e2f4a6b8c0d2e4f6a"},
    "list_webhook_names": {},
    "enable_license_webhooks": {},
    "disable_license_webhooks": {},
    "get_license_webhooks_state": {},
    "list_channels": {},
    "check_product_limits_for_plan": {"plan": "team"},
    "get_product_source": {},
    "reactivate_email": {"agent_id": "john@example.com"},
    "update_company_details": {"city": "Berlin"},
}


def working(action: str) -> dict[str, Any]:
    act = catalog()[action]
    if act.batch_of:
        return {"requests": [copy.deepcopy(_SINGLE[act.batch_of])]}
    return copy.deepcopy(_SINGLE[action])


ACTIONS = list(catalog())
BATCHES = [name for name, act in catalog().items() if act.batch_of]
SUSPENDED_ACTIONS = {"request_agent_unsuspension"}  # only a suspended agent may call it
OWNER, SUSPENDED = account_id(1), account_id(6)



class Caller:
    def __init__(self, http: httpx.AsyncClient, sandbox: Sandbox) -> None:
        self.http, self.sandbox = http, sandbox

    def credential(self, name: str, *, kind: str = "bearer", scopes: frozenset[str] | None = None,
                   account: str = OWNER) -> str:
        """A credential of the default license; the Authorization header that presents it."""
        secret = f"dal:{name}" if kind == "bearer" else f"{name}-secret"
        self.sandbox.credentials.append(SandboxCredential(name, secret, kind=kind, account_id=account,
                                                          scopes=documented_scopes() if scopes is None else scopes))
        if kind == "bearer":
            return f"Bearer {secret}"
        return "Basic " + base64.b64encode(f"{account}:{secret}".encode()).decode()

    async def send(self, action: str, body: Any, authorization: str | None) -> httpx.Response:
        headers = {"Authorization": authorization} if authorization else {}
        return await self.http.post(f"/v3.6/configuration/action/{action}", json=body, headers=headers)


@pytest.fixture
async def caller() -> AsyncIterator[Caller]:
    sandbox = Sandbox()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(sandbox.app), base_url="http://sandbox") as http:
        yield Caller(http, sandbox)


def test_every_action_has_a_working_request():
    assert set(_SINGLE) == {name for name, act in catalog().items() if not act.batch_of}


# --- credentials: a PAT and a Bearer token both call every action --------------------------------


def _with_owner(action: str, body: dict[str, Any]) -> dict[str, Any]:
    """What a PAT caller sends: owner_client_id wherever the action takes it (a PAT has no client id)."""
    if not takes_owner(catalog()[action]):
        return body
    items = body["requests"] if catalog()[action].batch_of else [body]
    for item in items:
        item.setdefault("owner_client_id", DEFAULT_CLIENT_ID)
    return body


@pytest.mark.parametrize("action", cells("credential", ACTIONS))
@pytest.mark.parametrize("kind", ["bearer", "pat"])
async def test_a_pat_and_a_bearer_token_both_call_it(caller, action, kind):
    account = SUSPENDED if action in SUSPENDED_ACTIONS else OWNER
    authorization = caller.credential(f"{kind}-full", kind=kind, account=account)
    body = working(action) if kind == "bearer" else _with_owner(action, working(action))
    resp = await caller.send(action, body, authorization)
    assert resp.status_code == 200, f"{kind} {action}: {resp.text}"
    if catalog()[action].batch_of:
        assert not [r for r in resp.json()["responses"] if "error" in r], resp.text


# --- scopes: a credential without them is refused -------------------------------------------------


@pytest.mark.parametrize("action", cells("scopes", ACTIONS))
async def test_a_credential_without_the_actions_scopes_is_refused(caller, action):
    act = catalog()[action]
    needed = {scope for alternative in act.scopes for scope in alternative}
    account = SUSPENDED if action in SUSPENDED_ACTIONS else OWNER
    authorization = caller.credential("lacking", scopes=documented_scopes() - needed, account=account)
    resp = await caller.send(action, working(action), authorization)
    if not act.scopes:  # documented as needing none: any credential will do
        assert resp.status_code == 200, resp.text
        return
    assert resp.status_code == 403 and resp.json()["error"]["type"] == "authorization", resp.text
    assert any(scope in resp.json()["error"]["message"] for scope in needed)
    # Any one documented alternative is enough (with the scopes unrelated to the action). A
    # restricted alternative (--my, tags--groups) reaches only the requester's own objects: that rule
    # is tested in tests/test_sandbox_my_scopes.py and tests/test_sandbox_groups.py.
    for i, alternative in enumerate(act.scopes):
        if len(act.scopes) > 1 and any("--my" in s or "--groups" in s for s in alternative):
            continue
        fresh = Sandbox()
        async with httpx.AsyncClient(transport=httpx.ASGITransport(fresh.app), base_url="http://sandbox") as http:
            other = Caller(http, fresh)
            held = frozenset(alternative) | (documented_scopes() - needed)
            ok = await other.send(action, working(action), other.credential(f"alt{i}", scopes=held, account=account))
        assert ok.status_code == 200, f"{action} with {alternative}: {ok.text}"


def test_the_anonymous_action_needs_no_credential_at_all():
    """list_webhook_names: "This method requires no authorization" (checked over HTTP in
    tests/test_sandbox_webhooks.py::test_list_webhook_names_needs_no_credential)."""
    assert catalog()["list_webhook_names"].scopes == ()


# --- errors: bad input is a validation error naming the field ----------------------------------------


@pytest.mark.parametrize("action", cells("errors", ACTIONS))
async def test_bad_input_is_a_validation_error_naming_the_field(caller, action):
    act = catalog()[action]
    account = SUSPENDED if action in SUSPENDED_ACTIONS else OWNER
    authorization = caller.credential("full", account=account)
    unknown = await caller.send(action, {**working(action), "no_such_field": 1}, authorization)
    assert unknown.status_code == 400 and unknown.json()["error"]["type"] == "validation", unknown.text
    assert "no_such_field" in unknown.json()["error"]["message"]
    model = catalog()[act.batch_of].model if act.batch_of else (act.upstream_model or act.model)
    required = [name for name, field in model.model_fields.items() if field.is_required()]
    if required:
        single = working(act.batch_of) if act.batch_of else working(action)
        del single[required[0]]
        body = {"requests": [single]} if act.batch_of else single
        resp = await caller.send(action, body, authorization)
        error = resp.json()["responses"][0]["error"] if act.batch_of else resp.json()["error"]
        assert error["type"] == "validation" and required[0] in error["message"], resp.text
    not_json = await caller.http.post(f"/v3.6/configuration/action/{action}", content=b"{",
                                      headers={"Authorization": authorization, "Content-Type": "application/json"})
    assert not_json.status_code == 400 and not_json.json()["error"]["type"] == "validation"


# An object the license does not have, per action that addresses one, and the documented error.
UNKNOWN: dict[str, tuple[dict[str, Any], str]] = {
    "get_agent": ({"id": "nobody@example.com"}, "not_found"),
    "update_agent": ({"id": "nobody@example.com", "job_title": "x"}, "not_found"),
    "delete_agent": ({"id": "nobody@example.com"}, "not_found"),
    "suspend_agent": ({"id": "nobody@example.com"}, "not_found"),
    "unsuspend_agent": ({"id": "nobody@example.com"}, "not_found"),
    "approve_agent": ({"id": "nobody@example.com"}, "not_found"),
    "create_agent": ({"id": "new@example.com", "name": "N", "groups": [{"id": 42, "priority": "normal"}]},
                     "group_not_found"),
    "add_auto_access": ({"access": {"groups": [42]}, "conditions": {"domain": {"values": [{"value": "x"}]}}},
                        "group_not_found"),
    "update_auto_access": ({"id": "nope", "description": "x"}, "not_found"),
    "delete_auto_access": ({"id": "nope"}, "not_found"),
    "delete_bot_template": ({"id": "nope"}, "not_found"),
    "update_bot_template": ({"id": "nope", "name": "x"}, "not_found"),
    "reset_bot_template_secret": ({"id": "nope"}, "not_found"),
    "create_bot": ({"name": "B", "groups": [{"id": 42, "priority": "normal"}]}, "group_not_found"),
    "delete_bot": ({"id": "nope"}, "not_found"),
    "update_bot": ({"id": "nope", "name": "x"}, "not_found"),
    "get_bot": ({"id": "nope"}, "not_found"),
    "issue_bot_token": ({**_SINGLE["issue_bot_token"], "bot_id": "nope"}, "not_found"),
    "reset_bot_secret": ({"id": "nope"}, "not_found"),
    "unban_customer": ({"ip": "10.9.8.7"}, "not_found"),
    "create_greeting": ({**_GREETING, "group": 42}, "group_not_found"),
    "update_greeting": ({"id": 999, "name": "x"}, "not_found"),
    "delete_greeting": ({"id": 999}, "not_found"),
    "get_greeting": ({"id": 999}, "not_found"),
    "create_group": ({"name": "G", "agent_priorities": {"nobody@example.com": "normal"}}, "not_found"),
    "update_group": ({"id": 42, "name": "x"}, "group_not_found"),
    "delete_group": ({"id": 42}, "group_not_found"),
    "get_group": ({"id": 42}, "group_not_found"),
    "unregister_property": ({"name": "nope"}, "not_found"),
    "publish_property": ({"name": "nope", "access_type": ["read"]}, "not_found"),
    "update_license_properties": ({"properties": {"test": {"nope": 1}}}, "not_found"),
    "delete_license_properties": ({"properties": {"test": ["nope"]}}, "not_found"),
    "update_group_properties": ({"group_id": 42, "properties": {"test": {"int_property": 1}}}, "group_not_found"),
    "list_groups_properties": ({"group_ids": [42]}, "group_not_found"),
    "delete_group_properties": ({"id": 42, "properties": {"test": ["int_property"]}}, "group_not_found"),
    "create_tag": ({"name": "t", "group_ids": [42]}, "group_not_found"),
    "delete_tag": ({"name": "nope"}, "not_found"),
    "update_tag": ({"name": "nope", "group_ids": [0]}, "not_found"),
    "unregister_webhook": ({"id": "nope"}, "not_found"),
    "reactivate_email": ({"agent_id": "nobody@example.com"}, "not_found"),
    "list_agents": ({"filters": {"group_ids": [42]}}, ""),  # a filter, not an address: an empty list
}
for _single, (_body, _error) in list(UNKNOWN.items()):
    _batch = catalog()[_single].batch_name
    if _batch:
        UNKNOWN[_batch] = ({"requests": [_body]}, _error)


@pytest.mark.parametrize("action", cells("errors", sorted(UNKNOWN)))
async def test_an_unknown_object_is_the_documented_not_found(caller, action):
    body, expected = UNKNOWN[action]
    resp = await caller.send(action, copy.deepcopy(body), caller.credential("full"))
    if not expected:
        assert resp.status_code == 200 and resp.json() == []
        return
    error = resp.json()["responses"][0]["error"] if catalog()[action].batch_of else resp.json()["error"]
    assert error["type"] == expected, resp.text


# --- batch answers: one response per item, in order, each the single action's ------------------------


@pytest.mark.parametrize("action", cells("response", BATCHES))
async def test_a_batch_answers_one_response_per_item_in_order(caller, action):
    single = catalog()[action].batch_of
    assert single is not None
    authorization = caller.credential("full")
    alone = await caller.send(single, working(single), authorization)
    expected = sorted(alone.json()) if alone.content else []
    fresh = Sandbox()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(fresh.app), base_url="http://sandbox") as http:
        other = Caller(http, fresh)
        resp = await other.send(action, {"requests": [working(single), {}]}, other.credential("full"))
    assert resp.status_code == 200 and list(resp.json()) == ["responses"], resp.text
    first, second = resp.json()["responses"]
    assert sorted(first) == expected  # what the single action answers ({} for "No response payload")
    assert second["error"]["type"] == "validation"
