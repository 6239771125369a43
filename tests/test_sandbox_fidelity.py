"""Sandbox fidelity, per class: response shapes, state kept consistent, time, HTTP behaviour.

Each test runs twice (raw HTTP and through the MCP tools) via the dual-mode ``api`` fixture.
"""

from __future__ import annotations

import re
import time
from typing import Any

import httpx
import pytest

from conftest import DEFAULT_TOKEN
from reference_examples import REFERENCE, examples, json_blocks, request_bodies, response_examples
from server.sandbox import SandboxCredential
from server.sandbox.agents import account_id

pytestmark = pytest.mark.anyio


# --- response shapes: every JSON response example in both reference pages, against the sandbox ----


RESPONSE_EXAMPLES = {ex.id: ex for ex in response_examples()}
# Deliberate, documented in docs/conformance.md: the sandbox must be recognisable as the sandbox.
EXTRA = {"get_product_source": {"sandbox", "notice"}}
# Answers whose top-level keys are names the license chooses (property names): each value is
# compared with the example's values instead.
NAMED_KEYS = {"list_properties"}


# Where the example names objects the seeded license does not have: the same request on seeded ones.
SEEDED = {
    "approve_agent": {"id": "awaiting@example.com"},
    "delete_agent": {"id": "john@example.com"},
    "batch_delete_agents": {"requests": [{"id": "john@example.com"}, {"id": "jane@example.com"}, {}]},
    "suspend_agent": {"id": "john@example.com"},
    "unsuspend_agent": {"id": "suspended@example.com"},
    "update_agent": {"id": "john@example.com", "job_title": "Hero"},
    "create_tag": {"name": "brand-new", "group_ids": [0]},
    "update_tag": {"name": "docs_feedback", "group_ids": [0, 1]},
    "update_group": {"id": 19, "name": "Billing EU"},
    "delete_bot_template": {"id": "a0c0d5fe2d4d0ad7e5e1e2f45e1c9b0c"},
    "update_bot_template": {"id": "a0c0d5fe2d4d0ad7e5e1e2f45e1c9b0c", "name": "Hello Bot"},
    "register_property": {"name": "fresh", "type": "int", "access": {"license": {"agent": ["read"]}}},
    "update_auto_access": {"id": "1faad6f5f1d6e8fdf27e8af9839783b7", "description": "moved"},
    "get_agent": {"id": "john@example.com"},
    "reactivate_email": {"agent_id": "john@example.com"},
    "unregister_property": {"name": "customer_tier"},  # the sandbox app's own, unpublished property
    "reset_bot_template_secret": {"id": "a0c0d5fe2d4d0ad7e5e1e2f45e1c9b0c"},
    "issue_bot_token": {"bot_id": "5c9871d5372c824cbf22d860a707a578", "client_id": "sandbox0client0id0000000000000000",
                        "bot_secret": "641e2ae6d997d2009a3ac92a05f37fc3",
                        "organization_id": "390e44e6-f1e6-0368-c507-7c7f8c8de8c6"},
    "create_group": {"name": "Sports shoes", "agent_priorities": {"jane@example.com": "normal"}},
}


async def _example_answer(api, action: str, body: Any) -> httpx.Response:
    """The sandbox's answer to the example request (or the same request on seeded objects)."""
    if action == "request_agent_unsuspension":  # only a suspended agent's own credential may call it
        api.sandbox.credentials.append(SandboxCredential("suspended", "suspended-token", account_id=account_id(6)))
        return await api.raw(action, body, token="suspended-token")
    resp = await api.raw(action, body)
    if action in SEEDED and (resp.status_code != 200 or _item_errors(resp)):
        resp = await api.raw(action, SEEDED[action])
    assert resp.status_code == 200, f"{action}: {resp.status_code} {resp.text}"
    return resp


def _item_errors(resp: httpx.Response) -> bool:
    """A batch whose example items name objects the sandbox lacks answers not_found per item."""
    body = resp.json() if resp.content else None
    return isinstance(body, dict) and any(
        isinstance(item, dict) and item.get("error", {}).get("type") == "not_found" for item in body.get("responses", []))


def _keys(item: Any) -> set[str]:
    return set(item) if isinstance(item, dict) else set()


def _kind(value: Any) -> str:
    return {dict: "object", list: "array", str: "string", bool: "bool", int: "number", float: "number",
            type(None): "null"}[type(value)]


def shape_problems(answer: Any, example: Any, path: str = "", extra: frozenset[str] = frozenset()) -> list[str]:
    """How ``answer`` differs in shape from ``example``: its JSON types, an object's field names, and
    for an array each item's fields (within the union of the example items' fields, and holding the
    fields every example item has). Values of fields are compared by type, one level into arrays of
    objects (a bot's ``groups``, a batch's ``responses``); what an object field holds beyond its type
    is data (conditions, filters, properties), not shape."""
    where = path or "the answer"
    if _kind(answer) != _kind(example):
        return [f"{where}: {_kind(answer)} where the example has {_kind(example)}"]
    if isinstance(example, list):
        items = [item for item in example if isinstance(item, dict)]
        if not items or not answer:
            return []
        allowed, always = set().union(*map(_keys, items)), set.intersection(*map(_keys, items))
        problems: list[str] = []
        for i, item in enumerate(answer):
            at = f"{path}[{i}]"
            if not isinstance(item, dict):
                return [f"{at}: {_kind(item)} where the example has objects"]
            if _keys(item) - allowed - extra:
                problems.append(f"{at}: fields the example does not have: {sorted(_keys(item) - allowed - extra)}")
            if always - _keys(item):
                problems.append(f"{at}: missing fields every example item has: {sorted(always - _keys(item))}")
            for key in _keys(item) & allowed:
                kinds = {_kind(ex[key]) for ex in items if key in ex}
                if _kind(item[key]) not in kinds:
                    problems.append(f"{at}.{key}: {_kind(item[key])} where the example has {sorted(kinds)}")
                elif isinstance(item[key], list) and any(isinstance(v, dict) for ex in items for v in ex.get(key, [])):
                    nested = [v for ex in items for v in ex.get(key, [])]
                    problems += shape_problems(item[key], nested, f"{at}.{key}")
        return problems
    if isinstance(example, dict):
        problems = []
        if _keys(answer) - extra != _keys(example):
            missing, added = sorted(_keys(example) - _keys(answer)), sorted(_keys(answer) - extra - _keys(example))
            problems.append(f"{where}: missing {missing}, not in the example {added}")
        for key in _keys(answer) & _keys(example):
            if isinstance(example[key], list):
                problems += shape_problems(answer[key], example[key], f"{path}.{key}".lstrip("."))
            elif _kind(answer[key]) != _kind(example[key]):
                problems.append(f"{path}.{key}".lstrip(".") + f": {_kind(answer[key])} where the example has "
                                f"{_kind(example[key])}")
        return problems
    return []


def test_every_json_block_of_both_pages_is_compared_or_a_named_template():
    """No JSON block of either page escapes: each is a response example (compared below) or one of
    the format templates; a block a regex missed, or a new example, fails here."""
    blocks = json_blocks()
    txt = (REFERENCE / "configuration-api-v3.6.txt").read_text()
    mdx = (REFERENCE / "configuration-api-v3.6-current.mdx").read_text()
    bare_txt = len(re.findall(r"\n\n\{\n", txt))  # JSON shown without "Copied!" (a request body)
    assert len([b for b in blocks if b.source.endswith(".txt")]) == len(re.findall(r"Copied!\n[\[{]", txt)) + bare_txt == 36
    assert len([b for b in blocks if b.source.endswith(".mdx")]) == mdx.count("```json") == 10
    errors = [b for b in blocks if b.is_error]
    assert len(errors) == 2  # one per page, compared by test_the_error_example_is_the_sandboxs_error_shape
    requests = [b for b in blocks if b.is_request]  # run with the curl examples (tests/test_reference_examples.py)
    assert len(requests) == 2 and {b.action for b in requests} == {"register_property"}
    assert {(b.source, b.line) for b in requests} == {(ex.source, ex.line) for ex in request_bodies()}
    examples_ = [b for b in blocks if not (b.is_template or b.is_error or b.is_request)]
    assert all(b.title == "Response" for b in examples_), [b.title for b in examples_]
    assert len(examples_) == len(RESPONSE_EXAMPLES) == 35  # 30 in the older text, 5 in the newer page
    assert {"create_agent", "list_agents", "add_auto_access", "batch_delete_agents"} <= {
        ex.action for ex in RESPONSE_EXAMPLES.values()}
    for template in (b for b in blocks if b.is_template):
        assert "<" in template.text, f"{template.title} at {template.source}:{template.line} is not a template"


@pytest.mark.parametrize("source", ["txt", "mdx"])
async def test_the_error_example_is_the_sandboxs_error_shape(api, source):
    example = next(b for b in json_blocks() if b.is_error and b.source.endswith(source)).value()
    resp = await api.raw("list_tags", {}, headers={"X-Region": "fra"})  # the example's error: the wrong region
    answer = resp.json()
    assert answer["error"]["type"] == example["error"]["type"] == "misdirected_request"
    assert not shape_problems(answer, example)
    assert set(answer["error"]["data"]) == set(example["error"]["data"]) and answer["error"]["data"]["region"] == "dal"


@pytest.mark.parametrize("example_id", [
    pytest.param(i, marks=pytest.mark.conformance("response", RESPONSE_EXAMPLES[i].action), id=i)
    for i in sorted(RESPONSE_EXAMPLES)])
async def test_success_answers_have_the_examples_shape(api, example_id):
    ex = RESPONSE_EXAMPLES[example_id]
    resp = await _example_answer(api, ex.action, ex.request)
    answer = resp.json() if resp.content else None
    extra = frozenset(EXTRA.get(ex.action, ()))
    if ex.action in NAMED_KEYS:
        problems = [p for name, value in answer.items()
                    for p in shape_problems(value, next(iter(ex.body.values())), name, extra)]
    else:
        problems = shape_problems(answer, ex.body, "", extra)
    assert not problems, f"{ex.action}: " + "; ".join(problems)


@pytest.mark.conformance("response", "list_agents")
async def test_list_agents_answers_in_its_examples_names(api):
    plain = await api.call("list_agents", {})
    assert all(set(a) == {"id", "account_id", "name", "avatar_path", "role", "login_status"} for a in plain)
    assert not any("://" in a["avatar_path"] for a in plain)
    asked = await api.call("list_agents", {"fields": ["email_subscriptions", "max_chats_count", "job_title", "last_logout"]})
    john = next(a for a in asked if a["id"] == "john@example.com")
    assert john["summaries"] == ["weekly_summary"] and "email_subscriptions" not in john
    assert {"job_title", "max_chats_count", "last_logout"} <= set(john)
    # get_agent keeps its own example's names.
    assert set(await api.call("get_agent", {"id": "john@example.com"})) == {
        "id", "account_id", "name", "avatar", "role", "login_status"}


@pytest.mark.conformance("response", "get_bot", "list_groups")
async def test_get_bot_and_list_groups_answer_with_their_examples_base_fields(api):
    bot = await api.call("get_bot", {"id": "5c9871d5372c824cbf22d860a707a578"})
    assert set(bot) == {"id", "name", "avatar_path", "default_group_priority", "owner_client_id", "max_chats_count", "groups"}
    assert {"id": 0, "priority": "first"} in bot["groups"]
    groups = await api.call("list_groups", {})
    assert all(set(g) == {"id", "name", "language_code", "routing_status"} for g in groups)


@pytest.mark.conformance("request", "update_agent")
async def test_work_scheduler_written_per_day_reads_back_in_the_documented_shape(api):
    await api.call("update_agent", {"id": "john@example.com",
                                    "work_scheduler": {"friday": {"start": "07:30", "end": "21:30"},
                                                       "monday": {"start": "08:30", "end": "12:30"}}})
    agent = await api.call("get_agent", {"id": "john@example.com", "fields": ["work_scheduler"]})
    assert agent["work_scheduler"] == {
        "timezone": "Europe/Warsaw",  # the agent's, kept: "falls back to the agent's timezone"
        "schedule": [{"day": "monday", "enabled": True, "start": "08:30", "end": "12:30"},
                     {"day": "friday", "enabled": True, "start": "07:30", "end": "21:30"}],
    }


# --- state LiveChat keeps consistent --------------------------------------------------------------


@pytest.mark.conformance("semantics", "delete_group")
async def test_a_deleted_group_leaves_no_reference_behind(api):
    gid = (await api.call("create_group", {"name": "Doomed", "agent_priorities": {"jane@example.com": "normal"}}))["id"]
    await api.call("update_bot", {"id": "5c9871d5372c824cbf22d860a707a578", "groups": [{"id": gid, "priority": "first"}]})
    await api.call("create_tag", {"name": "doomed-tag", "group_ids": [0, gid]})
    only = (await api.call("add_auto_access", {"access": {"groups": [gid]}, "conditions": {"domain": {"values": [{"value": "x.com"}]}}}))["id"]
    shared = (await api.call("add_auto_access", {"access": {"groups": [1, gid]}, "conditions": {"domain": {"values": [{"value": "y.com"}]}}}))["id"]
    greeting = (await api.call("create_greeting", {
        "type": "normal", "active": True, "name": "Hi", "group": gid,
        "rules": [{"condition": "and", "type": "visit_time_site", "operator": "greater_than", "value": "30"}],
        "rich_message": {"template_id": "cards", "elements": [{"title": "Hello", "subtitle": "there"}]}}))["id"]

    await api.call("delete_group", {"id": gid})

    jane = await api.call("get_agent", {"id": "jane@example.com", "fields": ["groups"]})
    assert gid not in [g["id"] for g in jane["groups"]]
    bot = await api.call("get_bot", {"id": "5c9871d5372c824cbf22d860a707a578", "fields": ["groups"]})
    assert gid not in [g["id"] for g in bot["groups"]]
    tag = next(t for t in await api.call("list_tags", {}) if t["name"] == "doomed-tag")
    assert tag["group_ids"] == [0]
    rules = {r["id"]: r for r in await api.call("list_auto_accesses", {})}
    assert only not in rules and rules[shared]["access"]["groups"] == [1]
    assert (await api.error("get_greeting", {"id": greeting}))["type"] == "not_found"


# --- time -------------------------------------------------------------------------------------------


@pytest.mark.conformance("semantics", "list_customer_bans")
async def test_bans_expire_as_the_clock_moves(api):
    assert await api.call("list_customer_bans", {})
    async with httpx.AsyncClient(transport=httpx.ASGITransport(api.sandbox.app), base_url="http://sb") as http:
        moved = (await http.post("/_sandbox/clock", json={"advance": 6 * 86400})).json()
    assert moved["frozen"] is False
    assert not await api.call("list_customer_bans", {})


async def test_created_at_is_real_and_a_test_can_freeze_the_clock(api):
    await api.call("create_tag", {"name": "now-tag", "group_ids": [0]})
    tag = next(t for t in await api.call("list_tags", {}) if t["name"] == "now-tag")
    assert tag["author_id"] == "owner@example.com"  # the calling agent's id (email), as in the example
    stamped = time.mktime(time.strptime(tag["created_at"][:19], "%Y-%m-%dT%H:%M:%S")) - time.timezone
    assert abs(stamped - time.time()) < 120
    async with httpx.AsyncClient(transport=httpx.ASGITransport(api.sandbox.app), base_url="http://sb") as http:
        frozen = (await http.post("/_sandbox/clock", json={"at": "2030-01-02T03:04:05Z"})).json()
        assert frozen == {"now": "2030-01-02T03:04:05.000000Z", "frozen": True}
        await api.call("create_tag", {"name": "frozen-tag", "group_ids": [0]})
        again = (await http.get("/_sandbox/clock")).json()
    assert again["now"] == frozen["now"]  # frozen: it does not move by itself
    tag = next(t for t in await api.call("list_tags", {}) if t["name"] == "frozen-tag")
    assert tag["created_at"] == "2030-01-02T03:04:05.000000Z"
    api.sandbox.clock.advance(60)  # the Python API does the same
    assert api.sandbox.clock.iso() == "2030-01-02T03:05:05.000000Z"


# --- HTTP behaviour -----------------------------------------------------------------------------------


async def test_content_type_is_checked(api):
    for headers in ({"Content-Type": "text/plain"}, {"Content-Type": ""}):
        resp = await api.client.post("/v3.6/configuration/action/list_tags", content=b"{}",
                                     headers={"Authorization": f"Bearer {DEFAULT_TOKEN}", **headers})
        assert resp.status_code == 400 and resp.json()["error"]["type"] == "validation"
        assert "Content-Type" in resp.json()["error"]["message"]
    ok = await api.client.post("/v3.6/configuration/action/list_tags", content=b"{}",
                               headers={"Authorization": f"Bearer {DEFAULT_TOKEN}",
                                        "Content-Type": "application/json; charset=utf-8"})
    assert ok.status_code == 200


async def test_an_unknown_api_version_is_a_json_error(api):
    for version in ("v3.9", "v3.4", "v2"):
        resp = await api.client.post(f"/{version}/configuration/action/list_tags", json={},
                                     headers={"Authorization": f"Bearer {DEFAULT_TOKEN}"})
        assert resp.status_code == 400
        assert resp.json()["error"]["type"] == "unsupported_version" and version in resp.json()["error"]["message"]


async def test_v3_5_is_still_served(api):
    """ "v3.5 stays supported alongside" v3.6: the sandbox answers it (with its v3.6 emulation)."""
    resp = await api.client.post("/v3.5/configuration/action/list_tags", json={},
                                 headers={"Authorization": f"Bearer {DEFAULT_TOKEN}"})
    assert resp.status_code == 200 and [t["name"] for t in resp.json()] == [t["name"] for t in
                                                                          await api.call("list_tags", {})]
    assert next(r.get("version") for r in api.sandbox.requests if r["action"] == "list_tags") == "v3.5"


@pytest.mark.parametrize("action, body", [
    ("update_agent", {"id": "john@example.com", "job_title": "Hero"}),
    ("delete_tag", {"name": "docs_feedback"}),
    ("enable_license_webhooks", {}),
])
async def test_no_payload_answers_are_empty(api, action, body):
    resp = await api.raw(action, body)
    assert resp.status_code == 200 and resp.content == b""


# --- the newer page's "#### Response" sections: "No response payload" or a field table -----------------


def _response_sections() -> dict[str, tuple[Any, str | set[str]]]:
    """action -> (its request example on the newer page, "empty" or the documented field names)."""
    text = (REFERENCE / "configuration-api-v3.6-current.mdx").read_text()
    bodies = {ex.action: ex.body for ex in examples() if ex.source.endswith(".mdx")}
    found: dict[str, tuple[Any, str | set[str]]] = {}
    for section in re.split(r"\n### ", text)[1:]:
        url = re.search(r"configuration/action/(\w+)`", section)
        response = section.split("#### Response", 1)
        if not url or len(response) == 1 or url.group(1) not in bodies:
            continue
        table = response[1].split("</Text>", 1)[0]
        if "No response payload" in table:
            found[url.group(1)] = (bodies[url.group(1)], "empty")
        else:
            fields = set(re.findall(r"^\| `(\w+)`", table, re.M))
            if fields:
                found[url.group(1)] = (bodies[url.group(1)], fields)
    return found


RESPONSE_SECTIONS = _response_sections()
# The table lists resource names (the values of `resource`), not response fields.
VALUE_TABLES = {"check_product_limits_for_plan"}
# Both pages show `{}` beside "No response payload" for these (docs/conformance.md R5).
EMPTY_OBJECT = {"update_license_properties", "update_group_properties"}


def test_the_newer_page_documents_responses_to_compare():
    assert len(RESPONSE_SECTIONS) >= 30


@pytest.mark.parametrize("action", [pytest.param(a, marks=pytest.mark.conformance("response", a), id=a)
                                    for a in sorted(RESPONSE_SECTIONS)])
async def test_answers_match_the_newer_pages_response_section(api, action):
    body, documented = RESPONSE_SECTIONS[action]
    resp = await _example_answer(api, action, body)
    if action in VALUE_TABLES:  # each item's `resource` is one of the documented names
        assert {item["resource"] for item in resp.json()} <= documented
        return
    if documented == "empty":
        expected = b"{}" if action in EMPTY_OBJECT else b""
        assert resp.content == expected, f"{action}: {resp.content!r}"
        return
    answer = resp.json()
    items = answer if isinstance(answer, list) else [answer]
    for item in items:
        extra = _keys(item) - documented - EXTRA.get(action, set())
        assert not extra, f"{action}: fields the reference does not document: {sorted(extra)}"


@pytest.mark.conformance("errors", "list_agents", "list_tags", "list_greetings", "list_groups_properties")
async def test_a_missing_group_selects_nothing_in_a_filter_and_is_group_not_found_as_a_target(api):
    """Our rule (note E2): a filter naming a group that does not exist selects nothing; a group an action
    reads from or writes to is group_not_found."""
    assert await api.call("list_agents", {"filters": {"group_ids": [999]}}) == []
    assert await api.call("list_tags", {"filters": {"group_ids": [999]}}) == []
    assert (await api.call("list_greetings", {"groups": [999]}))["greetings"] == []
    assert (await api.error("list_groups_properties", {"group_ids": [999]}))["type"] == "group_not_found"
