"""Plans checked against the live license while planning: warnings, expected errors, before and
after, what deletes lose (issue 14)."""

from __future__ import annotations

import pytest

from conftest import tool_payload
from server.policies import Overrides

pytestmark = pytest.mark.anyio

DRY = Overrides(dry_run=True)
WRITE = Overrides(allow_writes=True, allow_destructive=True)
HOOK = {"action": "incoming_chat", "secret_key": "s3cr3t-hook-key", "type": "license"}


async def _checked(make_server, loopback, calls, overrides=DRY, policy=None):
    kw = {"policy": policy} if policy else {"overrides": overrides}
    async with make_server(env=loopback.env(), **kw) as s:
        answers = []
        first = tool_payload(await s.client.call_tool("get_plan", {"check": True}))  # checking on from here
        assert first["steps"] == []
        for name, args in calls:
            result = await s.client.call_tool(name, args)
            assert not result.is_error, tool_payload(result)
            answers.append(tool_payload(result))
        return answers, tool_payload(await s.client.call_tool("get_plan", {"check": True}))


def kinds(step: dict) -> list[str]:
    return [w["kind"] for w in step.get("warnings", [])]


async def test_every_warning_kind_with_the_error_livechat_would_give(make_server, loopback):
    calls = [
        ("create_agent", {"id": "jane@example.com", "name": "Again"}),  # 1 exists
        ("create_tag", {"name": "fresh"}),  # 2 fine
        ("create_tag", {"name": "fresh"}),  # 3 duplicate_in_plan
        ("update_tag", {"name": "nosuchtag", "group_ids": [1]}),  # 4 not_found
        ("create_agent", {"id": "new@example.com", "name": "New",
                          "groups": [{"id": 4242, "priority": "normal"}]}),  # 5 missing_reference
        ("register_webhook", {**HOOK, "url": "https://hooks.example.com/1"}),  # 6 (one exists already)
        ("register_webhook", {**HOOK, "url": "https://hooks.example.com/2"}),  # 7
        ("register_webhook", {**HOOK, "url": "https://hooks.example.com/3"}),  # 8 limit
    ]
    answers, plan = await _checked(make_server, loopback, calls)
    steps = plan["steps"]
    assert kinds(steps[0]) == ["exists"] and steps[0]["expected_error"]["type"] == "already_exists"
    assert kinds(steps[1]) == [] and "expected_error" not in steps[1]
    assert kinds(steps[2]) == ["duplicate_in_plan"] and steps[2]["expected_error"]["type"] == "already_exists"
    assert kinds(steps[3]) == ["not_found"] and steps[3]["expected_error"]["type"] == "not_found"
    assert kinds(steps[4]) == ["missing_reference"] and steps[4]["expected_error"]["type"] == "group_not_found"
    assert kinds(steps[5]) == [] and kinds(steps[6]) == []
    assert kinds(steps[7]) == ["limit"] and steps[7]["expected_error"]["type"] == "limit_reached"
    # The planning answer says it at once, too.
    assert answers[0]["checks"][0]["warnings"][0]["kind"] == "exists"
    assert plan["summary"]["expected_errors"] == [1, 3, 4, 5, 8]
    # Reads were made once each, whatever the number of steps.
    reads = [r["action"] for r in loopback.requests()]
    assert sorted(reads) == sorted(set(reads)) and "list_agents" in reads


async def test_an_unreadable_license_is_named_not_guessed(make_server, loopback, tmp_path):
    policy = tmp_path / "p.toml"
    policy.write_text('mode = "dry-run"\ndeny_tools = ["list_tags"]\n')
    _, plan = await _checked(make_server, loopback, [("create_tag", {"name": "x"})], policy=str(policy))
    assert kinds(plan["steps"][0]) == ["unchecked"] and "expected_error" not in plan["steps"][0]


async def test_updates_show_before_and_after_and_deletes_what_is_lost(make_server, loopback):
    _, plan = await _checked(make_server, loopback, [
        ("update_agent", {"id": "jane@example.com", "job_title": "Head of Support", "max_chats_count": 6}),
        ("update_group", {"id": 1, "name": "Sales EMEA"}),
        ("create_group", {"name": "Temp", "agent_priorities": {"jane@example.com": "normal"}}),
        ("update_group", {"id": {"$ref": "step3.id"}, "name": "Temp 2"}),
    ], overrides=DRY)
    # max_chats_count is already 6: not a change
    assert plan["steps"][0]["changes"] == {"job_title": {"before": "Support Lead", "after": "Head of Support"}}
    assert plan["steps"][1]["changes"] == {"name": {"before": "Sales", "after": "Sales EMEA"}}
    assert "changes" not in plan["steps"][3]  # made by the plan: nothing to read before
    objects = plan["summary"]["objects"]
    assert objects["changed"]["agent"] == ["agent jane@example.com"]
    assert objects["created"]["group"] == ["group of step 3"]


async def test_apply_refuses_steps_known_to_fail_unless_told(make_server, loopback):
    _, plan = await _checked(make_server, loopback, [
        ("create_tag", {"name": "sales"}),  # exists
        ("create_tag", {"name": "brand-new"}),
    ])
    async with make_server(env=loopback.env(), overrides=WRITE) as s:
        refused = tool_payload(await s.client.call_tool("apply_plan", {"plan": plan}))
        assert [st["status"] for st in refused["steps"]] == ["refused", "not_sent"]
        assert refused["steps"][0]["error"]["rule"] == "expected_error"
        assert not [r for r in loopback.requests() if r["action"] == "create_tag"]
        sent = tool_payload(await s.client.call_tool("apply_plan", {"plan": plan, "send_expected_failures": True,
                                                                   "continue_on_error": True}))
    assert [st["status"] for st in sent["steps"]] == ["failed", "done"]
    assert sent["steps"][0]["error"]["type"] == "already_exists"  # as the check said
