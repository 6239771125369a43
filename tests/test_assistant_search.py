"""Search that understands a request (issue 23, items 3 and 4): search_actions matches meta tools
as well as actions, reads the reference's words and field names and a LiveChat vocabulary,
ranks the action that changes a named field first, and meets the evaluation set of plain
requests (tests/search_eval.py); every listed tool carries a search hint and a small core is
loaded up front by clients that load tools lazily."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from conftest import tool_payload
from search_eval import REQUESTS
from server.meta.discovery import ranked
from server.policies import Overrides
from server.tools import catalog
from server.tools.reference_words import INTROS
from test_assistant_discovery import names as found, search_actions as search

pytestmark = pytest.mark.anyio
DISCOVERY = Overrides(discovery=True)
ROOT = Path(__file__).resolve().parent.parent
TOP = 3
HIT_RATE = 0.9


async def test_the_evaluation_set_finds_the_right_tool_in_the_first_three(make_server):
    """The ranking search_actions lists from, whatever a policy allows: get_plan (dry-run only)
    and apply_plan (read-write only) are found alike. bench/answers.py reports the same rate."""
    assert len(REQUESTS) >= 60
    async with make_server(sandbox=True, policy="full-access", overrides=DISCOVERY) as s:
        misses = []
        for query, expected in REQUESTS:
            top = ranked(s.app.meta, query)[:TOP]
            if not expected & set(top):
                misses.append((query, top, sorted(expected)))
        # and as search_actions answers, where the policy allows the tool
        for query, expected in REQUESTS[7:20]:
            assert expected & set(found(await search(s, query))[:TOP]), query
    rate = 1 - len(misses) / len(REQUESTS)
    assert rate >= HIT_RATE, f"top-{TOP} hit rate {rate:.0%}; misses: {misses}"


async def test_the_issues_requests(make_server):
    async with make_server(sandbox=True, policy="full-access", overrides=DISCOVERY) as s:
        who = await search(s, "who am I")
        hours = await search(s, "working hours")
        limit = found(await search(s, "chat limit"))
    assert found(who)[0] == "whoami" and len(who["actions"]) <= 3, who  # not eight unrelated actions
    assert who["actions"][0]["tool"] is True and "directly" in who["tools"]
    assert found(hours)[0] in ("update_agent", "update_bot") and "issue_bot_token" not in found(hours)
    # The action that changes max_chats_count before the ones that merely accept it.
    assert limit[0] == "update_agent" and limit.index("update_agent") < limit.index("create_agent")
    assert "check_product_limits_for_plan" not in limit  # "chat limit" is not the plan's limits


async def test_meta_tools_the_policy_does_not_offer_are_refused_with_the_fix(make_server):
    async with make_server(sandbox=True, overrides=DISCOVERY) as s:  # read-only: no plans
        answer = await search(s, "apply the reviewed plan")
    refused = {r["name"]: r for r in answer.get("refused", [])}
    assert "apply_plan" not in found(answer) and "apply_plan" in refused
    assert "--allow-writes" in refused["apply_plan"]["how_to_allow"]


async def test_chatgpt_search_reads_plain_words_for_kinds(loopback, make_server):
    async with make_server(env=loopback.env(), policy="full-access") as s:
        teams = tool_payload(await s.client.call_tool("search", {"query": "the sales team"}))
        labels = tool_payload(await s.client.call_tool("search", {"query": "show me all labels"}))
    assert [r["id"] for r in teams["results"]][:1] == ["group:1"], teams  # Sales, not an agent named in a text
    assert labels["results"] and all(r["id"].startswith("tag:") for r in labels["results"]), labels


async def test_every_tool_has_a_search_hint_and_a_small_core_loads_up_front(make_server):
    for policy, overrides in (("full-access", Overrides()), ("dry-run", DISCOVERY), (None, Overrides())):
        async with make_server(sandbox=True, policy=policy, overrides=overrides) as s:
            tools = (await s.client.list_tools()).tools
        meta = {t.name: t.meta or {} for t in tools}
        assert all(isinstance(m.get("anthropic/searchHint"), str) and m["anthropic/searchHint"] for m in meta.values())
        core = {name for name, m in meta.items() if m.get("anthropic/alwaysLoad") is True}
        assert core <= {"whoami", "search_actions", "describe_action", "call_action", "get_plan", "list_agents",
                        "get_agent", "list_groups"}
        assert "whoami" in core and len(core) <= 8
    update = next(t for t in (await _listed(make_server)) if t.name == "update_agent")
    assert "working hours" in update.meta["anthropic/searchHint"] and "chat limit" in update.meta["anthropic/searchHint"]


async def _listed(make_server: Any) -> list[Any]:
    async with make_server(sandbox=True, policy="full-access") as s:
        return list((await s.client.list_tools()).tools)


def test_the_reference_sentences_are_the_references():
    """server/tools/reference_words.py is the reference page's own sentence per action."""
    text = (ROOT / "docs" / "reference" / "configuration-api-v3.6-current.mdx").read_text()
    parsed: dict[str, str] = {}
    for m in re.finditer(r"^### (.+)\n\n(.+?)\n\n", text, re.M):
        name = re.sub(r"[^a-z0-9]+", "_", m.group(1).strip().lower()).strip("_")
        if name in catalog() and name not in parsed:
            para = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", m.group(2).strip())
            parsed[name] = " ".join(re.sub(r"[`*]", "", para).split())
    assert parsed == INTROS
