"""Discovery (issue 18, item 5): search_actions ranks by any word with domain synonyms and names
refused matches with their rule; ChatGPT search pages and flags truncation; fetch takes the
livechat:// URLs search returns and answers readable text, not JSON inside a string."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from conftest import tool_payload
from server.policies import Overrides
from server.safety.untrusted import unlabel

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

pytestmark = pytest.mark.anyio
DISCOVERY = Overrides(discovery=True)


async def search_actions(s: Any, query: str) -> dict[str, Any]:
    result = await s.client.call_tool("search_actions", {"query": query})
    assert not result.is_error, tool_payload(result)
    return tool_payload(result)


def names(answer: dict[str, Any]) -> list[str]:
    return [a["name"] for a in answer["actions"]]


@pytest.mark.parametrize("query, top", [
    ("pending agents", {"approve_agent", "list_agents"}),   # pending -> awaiting approval
    ("approve pending invitation", {"approve_agent"}),
    ("remove agent", {"delete_agent"}),                       # remove -> delete
    ("ban", {"list_customer_bans", "unban_customer"}),
    ("disable agent", {"suspend_agent"}),                     # disable -> suspend
    ("show labels", {"list_tags"}),                           # show -> list, label -> tag
    ("agent xyzzy", {"create_agent", "get_agent"}),           # any matching word is enough
])
async def test_any_word_and_synonyms_rank_the_right_action_first(make_server, query, top):
    async with make_server(sandbox=True, policy="full-access", overrides=DISCOVERY) as s:
        answer = await search_actions(s, query)
    assert names(answer)[0] in top and top <= set(names(answer)[:5]), names(answer)[:5]
    assert "refused" not in answer


async def test_rename_finds_the_tag_route(make_server):
    async with make_server(sandbox=True, policy="full-access", overrides=DISCOVERY) as s:
        found = names(await search_actions(s, "rename tag"))
    assert {"create_tag", "delete_tag", "update_tag"} <= set(found[:4])


async def test_refused_matches_are_listed_with_their_rule(make_server, tmp_path):
    async with make_server(sandbox=True, overrides=DISCOVERY) as s:  # read-only
        answer = await search_actions(s, "suspend agent")
    refused = {r["name"]: r for r in answer["refused"]}
    assert "suspend_agent" not in names(answer)
    assert refused["suspend_agent"]["rule"] == "mode" and "--allow-writes" in refused["suspend_agent"]["how_to_allow"]
    policy = tmp_path / "p.toml"
    policy.write_text('mode = "read-write"\ntoolsets = ["all", "discovery"]\ndeny_tools = ["delete_tag"]\n')
    async with make_server(sandbox=True, policy=str(policy)) as s:
        answer = await search_actions(s, "delete tag")
    assert answer["refused"][0]["name"] == "delete_tag" and answer["refused"][0]["rule"] == "deny_tools"
    assert "delete_tag" not in names(answer)


async def test_nothing_found_and_refused_are_different_answers(make_server, tmp_path):
    policy = tmp_path / "p.toml"
    policy.write_text('toolsets = ["agents", "discovery"]\n')
    async with make_server(sandbox=True, policy=str(policy)) as s:
        nothing = await search_actions(s, "xyzzy")
        refused = await search_actions(s, "webhook")
    assert nothing["actions"] == [] and "refused" not in nothing and "No action matches" in nothing["note"]
    assert refused["actions"] == [] and {r["rule"] for r in refused["refused"]} == {"toolsets"}
    assert "refuses" in refused["note"]


async def test_chatgpt_search_pages_and_flags_truncation(loopback, make_server):
    from run import seed_agents

    seed_agents(loopback.sandbox, 80)
    async with make_server(env=loopback.env()) as s:
        seen: list[str] = []
        body: dict[str, Any] = {"query": ""}
        while True:
            page = tool_payload(await s.client.call_tool("search", body))
            seen += [r["id"] for r in page["results"]]
            if "next_cursor" not in page:
                assert "truncated" not in page
                break
            assert page["truncated"] is True and page["total"] > len(page["results"]) == 50
            body = {"query": "", "cursor": page["next_cursor"]}
        agents = [oid for oid in seen if oid.startswith("agent:")]
        assert len(seen) == len(set(seen)) == page["total"] and len(agents) == len(loopback.sandbox.state.agents)
        other = await s.client.call_tool("search", {"query": "jane", "cursor": body["cursor"]})
    assert other.is_error and "another query" in tool_payload(other)["error"]["message"]


async def test_fetch_takes_the_url_search_returns_and_answers_plain_text(loopback, make_server):
    async with make_server(env=loopback.env()) as s:
        hit = tool_payload(await s.client.call_tool("search", {"query": "jane@example.com"}))["results"][0]
        by_url = tool_payload(await s.client.call_tool("fetch", {"id": hit["url"]}))
        by_id = tool_payload(await s.client.call_tool("fetch", {"id": hit["id"]}))
    # Each answer's untrusted-data boundary has its own random id; the rest is the same.
    text = unlabel(by_url["text"])
    assert {**by_url, "text": text} == {**by_id, "text": unlabel(by_id["text"])}
    assert by_url["id"] == "agent:jane@example.com" and by_url["text"] != text  # labelled
    assert "name: Jane Doe" in text.splitlines() and "{" not in text
    with pytest.raises(json.JSONDecodeError):
        json.loads(text)
