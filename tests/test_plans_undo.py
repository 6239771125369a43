"""An applied plan answers with its undo: a normal plan that restores what was read before (issue 14)."""

from __future__ import annotations

import copy

import pytest

from conftest import tool_payload
from server.policies import Overrides

pytestmark = pytest.mark.anyio

DRY = Overrides(dry_run=True)
WRITE = Overrides(allow_writes=True, allow_destructive=True)


def state(loopback) -> dict:
    st = loopback.sandbox.state
    keep = ("name", "role", "job_title", "max_chats_count")
    return {
        "agents": {k: {f: a.get(f) for f in keep} for k, a in st.agents.items()},
        "groups": {g["name"]: (g.get("language_code"), dict(g.get("agent_priorities", {}))) for g in st.groups.values()},
        "tags": {t["name"]: sorted(t["group_ids"]) for t in st.tags.values()},
        "suspended": sorted(k for k, a in st.agents.items() if a.get("suspended")),
        # auto access rules in order (ids of re-created rules are new: compared by what they do)
        "auto_access": [(r.get("description"), r["access"], r["conditions"]) for r in st.auto_accesses],
    }


async def test_undo_restores_the_state_read_before_the_plan(make_server, loopback):
    before = copy.deepcopy(state(loopback))
    async with make_server(env=loopback.env(), overrides=Overrides(dry_run=True, allow_destructive=True)) as s:
        for name, args in [  # checked as planned (the default): before values and what deletes lose
            ("create_group", {"name": "Onboarding", "agent_priorities": {"jane@example.com": "normal"}}),
            ("create_agent", {"id": "temp@example.com", "name": "Temp",
                              "groups": [{"id": {"$ref": "step1.id"}, "priority": "normal"}]}),
            ("update_agent", {"id": "jane@example.com", "job_title": "Director", "max_chats_count": 9}),
            ("update_group", {"id": 1, "name": "Sales EMEA"}),
            ("create_tag", {"name": "temporary"}),
            ("delete_tag", {"name": "spam"}),
            ("suspend_agent", {"id": "john@example.com"}),
            ("delete_group", {"id": 19}),  # Billing
            ("update_auto_access", {"id": "1faad6f5f1d6e8fdf27e8af9839783b7", "description": "US on livechat.com"}),
            ("delete_auto_access", {"id": "pqi8oasdjahuakndw9nsad9na"}),  # the middle rule of three
        ]:
            result = await s.client.call_tool(name, args)
            assert not result.is_error, tool_payload(result)
        plan = tool_payload(await s.client.call_tool("get_plan", {}))
    assert plan["steps"][5]["lost"]["group_ids"] == [0]
    assert plan["steps"][7]["lost"]["name"] == "Billing"
    assert plan["steps"][8]["changes"]["description"]["before"] == "Chats on livechat.com from United States"
    assert plan["steps"][9]["lost"]["next_id"] == "7d3e2b1c0a9f8e7d6c5b4a3f2e1d0c9b"
    async with make_server(env=loopback.env(), overrides=WRITE) as s:
        report = tool_payload(await s.client.call_tool("apply_plan", {"plan": plan}))
        assert report["status"] == "completed", report
        assert state(loopback) != before
        undo = report["undo"]
        assert undo["summary"]["steps"] == 10 and undo["cannot_undo"] == []
        undone = tool_payload(await s.client.call_tool("apply_plan", {"plan_id": undo["plan_id"], "mac": undo["mac"]}))
    assert undone["status"] == "completed", undone
    assert state(loopback) == before


async def test_what_cannot_be_undone_is_named(make_server, loopback):
    async with make_server(env=loopback.env(), overrides=Overrides(dry_run=True, allow_destructive=True)) as s:
        await s.client.call_tool("update_tag", {"name": "sales", "group_ids": [0]})
        await s.client.call_tool("get_plan", {"check": True})  # checks the steps so far too
        await s.client.call_tool("delete_agent", {"id": "john@example.com"})
        plan = tool_payload(await s.client.call_tool("get_plan", {}))
    async with make_server(env=loopback.env(), overrides=WRITE) as s:
        report = tool_payload(await s.client.call_tool("apply_plan", {"plan": plan}))
    cannot = " ".join(report["undo"]["cannot_undo"])
    assert "chat history" in cannot  # the deleted agent's history
    assert report["undo"]["summary"]["by_action"] == {"create_agent": 1, "update_tag": 1}


async def test_an_unchecked_plan_names_the_updates_it_cannot_undo(make_server, loopback):
    async with make_server(env=loopback.env(), overrides=DRY) as s:
        await s.client.call_tool("update_tag", {"name": "sales", "group_ids": [0]})
        await s.client.call_tool("create_tag", {"name": "fresh"})
        plan = tool_payload(await s.client.call_tool("get_plan", {"check": False}))  # checks are on by default
    assert plan["checks"]["checked"] is False and "check=false" in plan["checks"]["why"]
    assert all(set(st) == {"step", "action", "body", "destructive"} for st in plan["steps"])
    async with make_server(env=loopback.env(), overrides=WRITE) as s:
        report = tool_payload(await s.client.call_tool("apply_plan", {"plan": plan}))
    assert report["undo"]["summary"]["steps"] == 1
    assert any("check=true" in c and "update_tag" in c for c in report["undo"]["cannot_undo"])
    assert report["undo"]["summary"]["by_action"] == {"delete_tag": 1}


async def test_an_undo_plan_is_checked_so_a_change_made_after_the_apply_is_not_overwritten(make_server, loopback):
    jane = loopback.sandbox.state.agents["jane@example.com"]
    title = jane.get("job_title")
    async with make_server(env=loopback.env(), overrides=DRY) as s:
        await s.client.call_tool("update_agent", {"id": "jane@example.com", "job_title": "Director"})
        await s.client.call_tool("create_tag", {"name": "undo-checked"})
        plan = tool_payload(await s.client.call_tool("get_plan", {}))
    async with make_server(env=loopback.env(), overrides=WRITE) as s:
        report = tool_payload(await s.client.call_tool("apply_plan", {"plan": plan}))
        undo = {"plan_id": report["undo"]["plan_id"], "mac": report["undo"]["mac"]}
        jane["job_title"] = "VP Support"  # a colleague's change after the apply
        loopback.sandbox.requests.clear()
        undone = tool_payload(await s.client.call_tool("apply_plan", undo))
        # Compared like any checked plan (it was compared: no "not_compared"), and nothing was sent.
        assert "not_compared" not in undone and loopback.writes() == []
        refused = [step for step in undone["steps"] if step["status"] == "refused"]
        assert [step["action"] for step in refused] == ["update_agent"]
        assert refused[0]["error"]["fields"]["job_title"] == {"before": "Director", "now": "VP Support", "after": title}
        assert jane["job_title"] == "VP Support" and "undo-checked" in loopback.sandbox.state.tags
        # The person's choice: undo anyway.
        undone = tool_payload(await s.client.call_tool("apply_plan", {**undo, "accept_changed": True}))
    assert undone["status"] == "completed", undone
    assert jane.get("job_title") == title and "undo-checked" not in loopback.sandbox.state.tags
