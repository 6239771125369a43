"""ChatGPT connector tools: ``search(query)`` and ``fetch(id)`` over the license's objects (issue 7).

ChatGPT's contract: search answers one text item holding ``{"results": [{id, title, url}]}``;
fetch one text item holding ``{id, title, text, url, metadata}``. Every URL search gives is a
``livechat://`` resource that resources/read answers with the same object fetch does.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote

import pytest

from conftest import tool_payload
from server.meta.text import as_text
from server.safety.untrusted import unlabel
from test_policy_enforcement import listed, policy_file, refused

pytestmark = pytest.mark.anyio

# Fixed by the spec: object id prefix -> the URL's collection segment.
COLLECTIONS = {
    "agent": "agents", "group": "groups", "bot": "bots", "tag": "tags", "webhook": "webhooks",
    "auto_access": "auto_accesses", "greeting": "greetings", "property": "properties",
}
NO_AGENT_READS = 'deny_tools = ["list_agents", "get_agent"]\n'


def only_text(result: Any) -> dict[str, Any]:
    """The single text item's JSON: ChatGPT reads nothing else."""
    assert len(result.content) == 1 and result.content[0].type == "text", result.content
    return json.loads(result.content[0].text)


async def search(s: Any, query: str) -> list[dict[str, str]]:
    result = await s.client.call_tool("search", {"query": query})
    assert not result.is_error, tool_payload(result)
    body = only_text(result)
    # ChatGPT's shape, plus the note that labels the titles as license data (issue 11)
    assert set(body) == ({"results", "untrusted_data"} if body["results"] else {"results"})
    return body["results"]


async def fetch(s: Any, oid: str) -> dict[str, Any]:
    result = await s.client.call_tool("fetch", {"id": oid})
    assert not result.is_error, tool_payload(result)
    return only_text(result)


def ids(results: list[dict[str, str]]) -> list[str]:
    return [r["id"] for r in results]


def upstream_actions(loopback: Any) -> list[str]:
    return [r["action"] for r in loopback.requests()]


# --- search ----------------------------------------------------------------------------------


async def test_empty_query_lists_every_kind_in_the_chatgpt_shape(loopback, make_server):
    async with make_server(env=loopback.env()) as s:
        results = await search(s, "")
    assert all(set(r) == {"id", "title", "url"} and all(isinstance(v, str) for v in r.values()) for r in results)
    assert len(set(ids(results))) == len(results)
    assert {oid.partition(":")[0] for oid in ids(results)} == set(COLLECTIONS)
    assert {"agent:jane@example.com", "group:19", "tag:sales"} <= set(ids(results))


@pytest.mark.parametrize(
    ("query", "found", "not_found"),
    [
        ("jane", "agent:jane@example.com", "agent:john@example.com"),
        ("Billing", "group:19", "group:1"),
        ("jane@example.com", "agent:jane@example.com", "agent:owner@example.com"),
    ],
)
async def test_search_finds_by_name_or_email(loopback, make_server, query, found, not_found):
    async with make_server(env=loopback.env()) as s:
        results = await search(s, query)
    assert ids(results)[0] == found  # the object named by the query ranks first
    assert not_found not in ids(results)


async def test_query_matching_nothing_gives_empty_results(loopback, make_server):
    async with make_server(env=loopback.env()) as s:
        result = await s.client.call_tool("search", {"query": "no-such-object-zq9"})
    assert not result.is_error and only_text(result) == {"results": []}


# --- fetch and resources/read agree --------------------------------------------------------------


async def test_every_search_url_reads_back_as_the_fetched_object(loopback, make_server):
    async with make_server(env=loopback.env()) as s:
        problems = []
        for hit in await search(s, ""):
            kind, _, key = hit["id"].partition(":")
            url_prefix = f"livechat://{COLLECTIONS[kind]}/"
            if not hit["url"].startswith(url_prefix) or unquote(hit["url"][len(url_prefix):]) != key:
                problems.append(("url shape", hit))
            doc = await fetch(s, hit["id"])
            if set(doc) != {"id", "title", "text", "url", "metadata"}:
                problems.append(("fetch keys", sorted(doc)))
            if (doc["id"], doc["title"], doc["url"]) != (hit["id"], hit["title"], hit["url"]):
                problems.append(("fetch disagrees with search", hit, doc))
            if not isinstance(doc["text"], str) or not isinstance(doc["metadata"], dict):
                problems.append(("fetch types", doc))
            read = await s.client.read_resource(hit["url"])
            # The text is the object as "key: value" lines, not JSON escaped into a string (issue 18).
            if as_text(json.loads(unlabel(read.contents[0].text))) != unlabel(doc["text"]):
                problems.append(("resource differs from fetch", hit["url"]))
    assert problems == []


async def test_fetch_agent_is_the_whole_agent(loopback, make_server):
    async with make_server(env=loopback.env()) as s:
        doc = await fetch(s, "agent:jane@example.com")
    lines = unlabel(doc["text"]).splitlines()
    assert "id: jane@example.com" in lines and "name: Jane Doe" in lines
    # groups: a field only get_agent with fields returns
    groups = lines[lines.index("groups:") + 1 :]
    assert {"  - id: 1", "  - id: 2"} <= set(groups)
    assert doc["url"] == "livechat://agents/jane@example.com"


@pytest.mark.parametrize(
    ("oid", "error_type"),
    [
        ("jane", "validation"),
        ("nokind:1", "validation"),
        ("agent:", "validation"),
        ("group:abc", "validation"),
        pytest.param("group:\u00b2", "validation"),  # "²".isdigit() is true; not a group id
        pytest.param("group:\uff11\uff19", "validation"),  # full-width 19: would alias group:19
        ("agent:nobody@example.com", "not_found"),
        ("tag:no-such-tag", "not_found"),
    ],
)
async def test_fetch_errors(loopback, make_server, oid, error_type):
    async with make_server(env=loopback.env()) as s:
        err = await refused(s, "fetch", {"id": oid})
    assert err["type"] == error_type, err
    assert err["message"]


async def test_objects_reflect_live_state(loopback, make_server):
    async with make_server(policy="full-access", env=loopback.env()) as s:
        assert await search(s, "connector-probe") == []
        assert not (await s.client.call_tool("create_tag", {"name": "connector-probe"})).is_error
        assert ids(await search(s, "connector-probe")) == ["tag:connector-probe"]
        assert "name: connector-probe" in unlabel((await fetch(s, "tag:connector-probe"))["text"]).splitlines()
        assert not (await s.client.call_tool("delete_tag", {"name": "connector-probe"})).is_error
        assert await search(s, "connector-probe") == []
        err = await refused(s, "fetch", {"id": "tag:connector-probe"})
    assert err["type"] == "not_found"


# --- policy --------------------------------------------------------------------------------------


async def test_denied_agent_reads_hide_agents_and_send_nothing_for_them(loopback, make_server, tmp_path):
    async with make_server(policy=policy_file(tmp_path, NO_AGENT_READS), env=loopback.env()) as s:
        everything = await search(s, "")
        jane = await search(s, "jane")
        err = await refused(s, "fetch", {"id": "agent:jane@example.com"})
    assert not any(oid.startswith("agent:") for oid in ids(everything))
    assert "group:19" in ids(everything)  # the other kinds are still searched
    assert "agent:jane@example.com" not in ids(jane)
    assert err["type"] == "refused"
    sent = upstream_actions(loopback)
    assert "list_groups" in sent and not {"list_agents", "get_agent"} & set(sent)


async def test_toolsets_narrow_search_to_their_kinds(loopback, make_server, tmp_path):
    async with make_server(policy=policy_file(tmp_path, 'toolsets = ["tags"]\n'), env=loopback.env()) as s:
        results = await search(s, "")
        err = await refused(s, "fetch", {"id": "agent:jane@example.com"})
    assert results and all(oid.startswith("tag:") for oid in ids(results))
    assert err["type"] == "refused"
    assert set(upstream_actions(loopback)) == {"list_tags"}


async def test_no_allowed_list_tool_hides_search_and_fetch(loopback, make_server, tmp_path):
    spec = policy_file(tmp_path, 'toolsets = ["tags"]\ndeny_tools = ["list_tags"]\n')
    async with make_server(policy=spec, env=loopback.env()) as s:
        visible = await listed(s)
        errors = [await refused(s, "search", {"query": ""}), await refused(s, "fetch", {"id": "tag:sales"})]
    assert not {"search", "fetch"} & visible
    assert [e["type"] for e in errors] == ["refused", "refused"]
    assert loopback.requests() == []


async def test_search_and_fetch_are_read_only(loopback, make_server):
    async with make_server(env=loopback.env()) as s:
        tools = {t.name: t for t in (await s.client.list_tools()).tools}
    for name in ("search", "fetch"):
        assert tools[name].annotations.read_only_hint is True
        assert tools[name].annotations.destructive_hint is False


# --- upstream failures ---------------------------------------------------------------------------


def fail(loopback: Any, action: str) -> None:
    """The next call of ``action`` gets a 403 (not retried: the answer is final)."""
    from server.sandbox.app import Fault

    loopback.sandbox.faults.append(Fault(action, "status", status=403, error_type="authorization",
                                         message="Injected: no access"))


async def test_search_says_which_kinds_it_could_not_read(loopback, make_server):
    fail(loopback, "list_bots")
    async with make_server(env=loopback.env()) as s:
        body = only_text(await s.client.call_tool("search", {"query": ""}))
    assert "agent:jane@example.com" in ids(body["results"])
    assert body["unavailable"] == [{"kind": "bot", "type": "authorization", "message": "Injected: no access"}]


async def test_search_that_can_read_nothing_is_an_error_not_an_empty_result(loopback, make_server, tmp_path):
    fail(loopback, "list_tags")
    async with make_server(policy=policy_file(tmp_path, 'toolsets = ["tags"]\n'), env=loopback.env()) as s:
        err = await refused(s, "search", {"query": "sales"})
    assert err["type"] == "upstream" and err["failures"][0]["kind"] == "tag"


async def test_with_a_pat_webhooks_are_left_out_and_fetch_says_why(loopback, make_server):
    import httpx

    account, pat = "pat-account-1", "pat-secret-for-connectors"
    httpx.post(f"{loopback.url}/_sandbox/credentials",
               json={"name": "pat", "kind": "pat", "secret": pat, "account_id": account}).raise_for_status()
    env = {"LIVECHAT_API_URL": loopback.url, "LIVECHAT_ACCOUNTS_URL": loopback.url,
           "LIVECHAT_ACCOUNT_ID": account, "LIVECHAT_PAT": pat}
    async with make_server(env=env) as s:
        body = only_text(await s.client.call_tool("search", {"query": ""}))
        err = await refused(s, "fetch", {"id": "webhook:b5d0a3c1e2f4a6b8c0d2e4f6a"})
    assert "agent:jane@example.com" in ids(body["results"])
    assert not any(oid.startswith("webhook:") for oid in ids(body["results"]))
    assert err["type"] == "unavailable" and "owner_client_id" in err["message"]


async def test_search_follows_pagination(loopback, make_server):
    state = loopback.sandbox.state
    template = next(iter(state.greetings.values()))
    for n in range(1000, 1150):  # 150 more: list_greetings answers 100 a page
        state.greetings[n] = {**template, "id": n, "name": f"Bulk greeting {n}"}
    async with make_server(env=loopback.env()) as s:
        results = await search(s, "Bulk greeting 1149")
    assert ids(results) == ["greeting:1149"]
    assert [r["action"] for r in loopback.requests()].count("list_greetings") == 2
