"""Sandbox "Other": channels, plan limits, product source, bounced emails, company details."""

import pytest

from server.sandbox import SANDBOX_NOTICE, SandboxCredential

pytestmark = pytest.mark.anyio


def _token(api, name: str, scopes: set[str]) -> str:
    token = f"dal:{name}"
    api.sandbox.credentials.append(SandboxCredential(name, token, scopes=frozenset(scopes)))
    return token


@pytest.mark.conformance("semantics", "list_channels")
async def test_list_channels_shape(api):
    channels = await api.call("list_channels", {})
    assert [c["channel_type"] for c in channels] == ["code", "direct_link", "integration"]
    assert channels[0]["channel_subtype"] == "" and channels[1]["channel_subtype"] == ""
    assert channels[2]["channel_subtype"] == "c6e4f62e2a2dab12531235b12c5a2a6b"
    assert all(set(c) == {"channel_type", "channel_subtype", "first_activity_timestamp"} for c in channels)


async def test_list_channels_needs_no_scope(api):
    token = _token(api, "noscopes", set())
    assert len(await api.call("list_channels", {}, token=token)) == 3
    assert (await api.call("get_product_source", {}, token=token))["sandbox"] is True


async def test_list_channels_refuses_a_body(api):
    assert (await api.error("list_channels", {"type": "code"}))["type"] == "validation"


@pytest.mark.conformance("semantics", "check_product_limits_for_plan")
async def test_check_product_limits_starter(api):
    result = await api.call("check_product_limits_for_plan", {"plan": "starter"})
    by_resource = {}
    for item in result:
        assert set(item) <= {"resource", "limit_balance", "id"}
        assert item["limit_balance"] > 0
        by_resource.setdefault(item["resource"], []).append(item)
    assert by_resource["groups"] == [{"resource": "groups", "limit_balance": len(api.sandbox.state.groups) - 1}]
    # groups_per_agent is reported per agent, with the agent's id; bots are not counted there.
    per_agent = {item["id"]: item["limit_balance"] for item in by_resource["groups_per_agent"]}
    assert per_agent["jane@example.com"] == 3  # jane is in 0, 1, 2, 5; starter allows 1
    assert "5c9871d5372c824cbf22d860a707a578" not in per_agent
    assert by_resource["access_rules"] == [{"resource": "access_rules", "limit_balance": 3}]


DOCUMENTED_RESOURCES = {"agents", "groups", "banned", "queue", "queue_continuous", "groups_per_agent",
                        "access_rules", "group_chooser_groups"}


@pytest.mark.conformance("semantics", "check_product_limits_for_plan")
async def test_check_product_limits_can_report_every_documented_resource(api):
    result = await api.call("check_product_limits_for_plan", {"plan": "starter"})
    assert {item["resource"] for item in result} == DOCUMENTED_RESOURCES
    # Queues are reported for the license (no id) and per group (the group's id as a string), as in
    # the reference's example; the pre-chat survey per group.
    assert {"resource": "queue", "limit_balance": 10} in result and {"resource": "queue", "limit_balance": 10,
                                                                       "id": "0"} in result
    assert {"resource": "queue_continuous", "limit_balance": 40, "id": "0"} in result
    assert {"resource": "group_chooser_groups", "limit_balance": 4, "id": "0"} in result
    assert all(isinstance(item.get("id", ""), str) for item in result)
    team = {(i["resource"], i.get("id")) for i in await api.call("check_product_limits_for_plan", {"plan": "team"})}
    assert ("queue_continuous", None) in team and ("queue", None) not in team and ("group_chooser_groups", "0") not in team


def _over(result: list[dict], resource: str) -> int:
    return sum(item["limit_balance"] for item in result if item["resource"] == resource)


@pytest.mark.conformance("semantics", "check_product_limits_for_plan")
async def test_check_product_limits_counts_only_active_agents(api):
    """"The number of active agents, including bots": an agent awaiting approval (or suspended) is not
    active; approving one makes it count."""
    state = api.sandbox.state
    active = [a for a in state.agents.values() if not a["suspended"] and not a["awaiting_approval"]]
    assert any(a["awaiting_approval"] for a in state.agents.values())  # the seeded Alex Awaiting
    starter = {"plan": "starter"}  # one agent allowed
    assert _over(await api.call("check_product_limits_for_plan", starter), "agents") == len(active) + len(state.bots) - 1
    await api.call("create_agent", {"id": "new.hire@example.com", "name": "New Hire"})  # awaits approval
    assert _over(await api.call("check_product_limits_for_plan", starter), "agents") == len(active) + len(state.bots) - 1
    await api.call("approve_agent", {"id": "new.hire@example.com"})
    assert _over(await api.call("check_product_limits_for_plan", starter), "agents") == len(active) + len(state.bots)


async def test_product_settings_follow_a_deleted_group(api):
    api.sandbox.state.extra["product_settings"]["group_chooser_groups"]["1"] = [1, 2]
    await api.call("delete_group", {"id": 1})
    settings = api.sandbox.state.extra["product_settings"]
    assert "1" not in settings["queue"]["groups"] and "1" not in settings["group_chooser_groups"]
    assert 1 not in settings["group_chooser_groups"]["0"]


@pytest.mark.conformance("semantics", "check_product_limits_for_plan")
async def test_check_product_limits_follows_state(api):
    await api.call("delete_auto_access", {"id": "pqi8oasdjahuakndw9nsad9na"})
    result = await api.call("check_product_limits_for_plan", {"plan": "starter"})
    assert {"resource": "access_rules", "limit_balance": 2} in result
    assert await api.call("check_product_limits_for_plan", {"plan": "enterpriseplus"}) == []


@pytest.mark.conformance("semantics", "check_product_limits_for_plan")
async def test_check_product_limits_counts_only_bans_in_force(api):
    """"The number of banned visitors": the seeded ban counts while it lasts, not once it expired."""
    assert {"resource": "banned", "limit_balance": 1} in await api.call("check_product_limits_for_plan", {"plan": "starter"})
    api.sandbox.clock.advance(30 * 86400)
    assert await api.call("list_customer_bans", {}) == []
    result = await api.call("check_product_limits_for_plan", {"plan": "starter"})
    assert not [r for r in result if r["resource"] == "banned"], result


async def test_check_product_limits_plan_enum_and_scope(api):
    err = await api.error("check_product_limits_for_plan", {"plan": "business"})
    assert err["type"] == "validation" and "plan" in err["message"]
    assert (await api.error("check_product_limits_for_plan", {}))["type"] == "validation"
    token = _token(api, "no-subscription", {"agents--all:rw"})
    err = await api.error("check_product_limits_for_plan", {"plan": "team"}, token=token)
    assert err["type"] == "authorization"


@pytest.mark.conformance("semantics", "get_product_source")
async def test_get_product_source_says_it_is_a_sandbox(api):
    source = await api.call("get_product_source", {})
    assert source["source_id"] == "create_account_link"
    assert source["source_type"] == "accounts"
    assert source["source_url"] == "https://accounts.livechat.com"
    assert source["sandbox"] is True
    assert source["notice"] == SANDBOX_NOTICE


@pytest.mark.conformance("semantics", "reactivate_email")
async def test_reactivate_email(api):
    assert "john@example.com" in api.sandbox.state.extra["bounced_emails"]
    assert await api.call("reactivate_email", {"agent_id": "john@example.com"}) is None
    assert "john@example.com" not in api.sandbox.state.extra["bounced_emails"]
    # Repeating it is harmless.
    assert await api.call("reactivate_email", {"agent_id": "john@example.com"}) is None


async def test_reactivate_email_errors(api):
    assert (await api.error("reactivate_email", {"agent_id": "ghost@example.com"}))["type"] == "not_found"
    assert (await api.error("reactivate_email", {}))["type"] == "validation"
    token = _token(api, "agents-ro", {"agents--all:ro"})
    assert (await api.error("reactivate_email", {"agent_id": "john@example.com"}, token=token))["type"] == "authorization"


@pytest.mark.conformance("semantics", "update_company_details")
async def test_update_company_details_is_partial(api):
    assert await api.call("update_company_details", {"city": "Wroclaw", "phone": "+48 71 000 00 00"}) is None
    company = api.sandbox.state.company
    assert company["city"] == "Wroclaw" and company["phone"] == "+48 71 000 00 00"
    assert company["company"] == "Example Inc."  # untouched
    await api.call("update_company_details", {"city": "Berlin"})
    assert company["city"] == "Berlin" and company["phone"] == "+48 71 000 00 00"
    assert "enrich" not in company


@pytest.mark.conformance("semantics", "update_company_details")
async def test_update_company_details_enrich_fills_empty_company(api):
    api.sandbox.state.company.pop("company")
    await api.call("update_company_details", {"enrich": True, "url": "www.text.com"})
    assert api.sandbox.state.company["company"] == "Text"
    assert api.sandbox.state.company["url"] == "www.text.com"


async def test_update_company_details_errors(api):
    assert (await api.error("update_company_details", {"company_name": "x"}))["type"] == "validation"
    assert (await api.error("update_company_details", {"enrich": "maybe"}))["type"] == "validation"
    token = _token(api, "agents-only", {"agents--all:rw"})
    assert (await api.error("update_company_details", {"city": "x"}, token=token))["type"] == "authorization"
