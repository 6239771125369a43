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
        *[("create_bot_template", {"name": f"Template {n}"}) for n in range(5)],  # 9-13: 13 limit
        ("unregister_webhook", {"id": "b5d0a3c1e2f4a6b8c0d2e4f6a"}),  # 14 frees an incoming_chat slot
        ("register_webhook", {**HOOK, "url": "https://hooks.example.com/4"}),  # 15 takes it
        ("register_webhook", {**HOOK, "url": "https://hooks.example.com/5"}),  # 16 limit
    ]
    answers, plan = await _checked(make_server, loopback, calls, Overrides(dry_run=True, allow_destructive=True))
    steps = plan["steps"]
    assert kinds(steps[0]) == ["exists"] and steps[0]["expected_error"]["type"] == "already_exists"
    assert kinds(steps[1]) == [] and "expected_error" not in steps[1]
    assert kinds(steps[2]) == ["duplicate_in_plan"] and steps[2]["expected_error"]["type"] == "already_exists"
    assert kinds(steps[3]) == ["not_found"] and steps[3]["expected_error"]["type"] == "not_found"
    assert kinds(steps[4]) == ["missing_reference"] and steps[4]["expected_error"]["type"] == "group_not_found"
    assert kinds(steps[5]) == [] and kinds(steps[6]) == []
    assert kinds(steps[7]) == ["limit"] and steps[7]["expected_error"]["type"] == "limit_reached"
    assert "three webhooks for every action" in steps[7]["warnings"][0]["message"]
    # Five bot templates per client: one exists, so the fifth planned one passes the limit.
    assert [kinds(st) for st in steps[8:13]] == [[], [], [], [], ["limit"]]
    assert steps[12]["expected_error"]["type"] == "limit_reached" and "five bot templates" in \
        steps[12]["warnings"][0]["message"]
    # An earlier unregister frees a slot (step 8, expected to fail, took none): one more fits.
    assert [kinds(st) for st in steps[13:16]] == [[], [], ["limit"]]
    # The planning answer says it at once, too.
    assert answers[0]["checks"][0]["warnings"][0]["kind"] == "exists"
    assert plan["summary"]["expected_errors"] == [1, 3, 4, 5, 8, 13, 16]
    assert plan["checks"] == {"checked": True, "reads": 5}  # agents, tags, groups, webhooks, templates
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


async def test_every_step_is_checked_by_default_with_a_handful_of_reads(make_server, loopback):
    """40 agents into a group the plan creates, and 40 into an existing one: the reads are cached
    for the plan, so checking costs a few list reads, not two per step."""
    lead = {"jane@example.com": "normal"}
    async with make_server(env=loopback.env(), overrides=DRY) as s:
        answers = [tool_payload(await s.client.call_tool("create_group", {"name": "Sales", "agent_priorities": lead}))]
        for n in range(40):
            answers.append(tool_payload(await s.client.call_tool("create_agent", {
                "id": f"s{n:02d}@example.com", "name": f"S {n}",
                "groups": [{"id": {"$ref": "step1.id"}, "priority": "normal"}]})))
        for n in range(40):
            await s.client.call_tool("create_agent", {"id": f"e{n:02d}@example.com", "name": f"E {n}",
                                                      "groups": [{"id": 1, "priority": "normal"}]})
        again = tool_payload(await s.client.call_tool("create_agent", {"id": "s00@example.com", "name": "Twice"}))
        plan = tool_payload(await s.client.call_tool("get_plan", {}))
    reads = [r["action"] for r in loopback.requests()]
    assert reads == ["list_agents", "list_groups"]  # 82 steps checked with 2 reads
    assert plan["checks"] == {"checked": True, "reads": 2}
    assert "checks" not in answers[1]  # nothing to say about a good step
    assert again["checks"][0]["warnings"][0]["kind"] == "duplicate_in_plan"  # said in the planning answer
    assert plan["summary"]["expected_errors"] == [82]


async def test_checks_turned_off_say_not_checked(make_server, loopback):
    async with make_server(env=loopback.env(), overrides=DRY) as s:
        await s.client.call_tool("create_tag", {"name": "sales"})  # exists: checked as planned
        off = tool_payload(await s.client.call_tool("get_plan", {"check": False}))
        await s.client.call_tool("create_tag", {"name": "sales"})
        still_off = tool_payload(await s.client.call_tool("get_plan", {"view": "summary"}))
        on = tool_payload(await s.client.call_tool("get_plan", {"check": True}))
    assert off["checks"]["checked"] is False and "no step was compared" in off["checks"]["why"]
    assert "expected_error" not in off["steps"][0] and "expected_errors" not in off["summary"]
    assert still_off["checks"]["checked"] is False
    assert on["checks"]["checked"] is True and on["summary"]["expected_errors"] == [1, 2]


async def test_ten_greeting_rules_is_a_per_greeting_maximum_refused_while_planning(make_server, loopback):
    rule = {"condition": "and", "type": "visit_time_site", "operator": "greater_than", "value": "30"}
    async with make_server(env=loopback.env(), overrides=DRY) as s:
        too_many = await s.client.call_tool("create_greeting", {
            "type": "normal", "active": True, "name": "Hi", "group": 0, "rich_message": {"elements": [{"title": "Hi"}]},
            "rules": [rule] * 11})
        plan = tool_payload(await s.client.call_tool("get_plan", {}))
    assert too_many.is_error and tool_payload(too_many)["error"]["type"] == "validation"
    assert "rules" in tool_payload(too_many)["error"]["message"] and plan["steps"] == []
