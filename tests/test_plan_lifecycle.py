"""The plan lifecycle (issue 28 item 1) and approvals for teams (item 6), through the MCP door.

A plan is stored by get_plan, approved (under ``approvals``), applied or partly applied, undone;
get_plan, livechat://plans/{id}, apply_plan's report and the audit log say so with the person and
the time. People are hosted-mode principals ("<organization>:<account>", with their LiveChat role)
built over one sandbox runtime, so several of them share its store like the people of one license
on a hosted server (tests/test_plan_page.py does the same through real sign-ins and Chromium).
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client

from conftest import open_runtime, tool_payload
from server.calls.runtime import Principal, Runtime
from server.doors.cli.main import main
from server.doors.mcp_app import LiveChatMCP
from server.meta.approval_tools import pending
from server.plans.lifecycle import LifeError, PlanLife, new
from server.policies import Overrides
from server.policies.loader import build_policy
from server.safety.untrusted import unlabel
from server.sandbox.people import ACME
from test_store_backends import redis, stores  # noqa: F401  (fixtures: every backend, a real redis-server)

pytestmark = pytest.mark.anyio

TEAM = 'mode = "read-write"\nallow_destructive = true\napprovals = {required = 1, approver_roles = ["owner", "viceowner"]}\n'
PEOPLE = {p.slot: p for p in ACME}


class As:
    """One person's MCP client over the shared runtime."""

    def __init__(self, client: Client, runtime: Runtime) -> None:
        self.client, self.runtime = client, runtime

    async def call(self, name: str, args: dict[str, Any] | None = None) -> tuple[bool, Any]:
        result = await self.client.call_tool(name, args or {})
        return bool(result.is_error), tool_payload(result)

    async def ok(self, name: str, args: dict[str, Any] | None = None) -> Any:
        failed, data = await self.call(name, args)
        assert not failed, data
        return data

    async def read(self, uri: str) -> Any:
        return json.loads(unlabel((await self.client.read_resource(uri)).contents[0].text))


def person_runtime(base: Runtime, slot: str) -> Runtime:
    """A signed-in person of the sandbox license (Acme's people), as hosted mode builds them."""
    who = PEOPLE[slot]
    org = base.identity["organization_id"]
    principal = Principal.create(
        base.app, id=f"{org}:{who.account_id}", credential=base.credential, license_key=base.principal.license_key,
        region=base.principal.region, client_id=base.client_id, policy=base.policy, audit=base.audit,
        identity={"account_id": who.account_id, "organization_id": org, "email": who.email, "name": who.name,
                  "role": who.role})
    return Runtime(base.app, principal)


@asynccontextmanager
async def team(tmp_path: Path, policy: str = TEAM, **settings: Any) -> AsyncIterator[tuple[Runtime, dict[str, As]]]:
    path = tmp_path / "team.toml"
    path.write_text(policy)
    async with open_runtime(sandbox=True, policy=str(path), audit_log=str(tmp_path / "audit.jsonl"),
                            **settings) as base:
        people: dict[str, As] = {}
        clients = []
        try:
            for slot in ("admin", "owner", "viceowner", "agent"):
                rt = person_runtime(base, slot)
                client = Client(LiveChatMCP(rt).server, mode="legacy")
                await client.__aenter__()
                clients.append(client)
                people[slot] = As(client, rt)
            yield base, people
        finally:
            for client in reversed(clients):
                await client.__aexit__(None, None, None)


def audit(tmp_path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (tmp_path / "audit.jsonl").read_text().splitlines() if line.strip()]


def sent(base: Runtime, action: str) -> list[Any]:
    return [r for r in base.sandbox.requests if r["action"] == action]


async def test_an_administrator_plans_an_owner_approves_the_administrator_applies_and_the_audit_names_both(
        tmp_path: Path) -> None:
    async with team(tmp_path) as (base, people):
        admin, owner, vice, agent = people["admin"], people["owner"], people["viceowner"], people["agent"]
        planned = await admin.ok("update_agent", {"id": "john@example.com", "job_title": "Lead"})
        assert planned["planned"] is True
        plan = await admin.ok("get_plan")
        pid, mac = plan["plan_id"], plan["mac"]
        life = plan["lifecycle"]
        assert life["state"] == "stored" and life["author"]["email"] == "jane@example.com"
        assert life["author"]["role"] == "administrator" and life["stored_at"].endswith("Z")
        assert life["approvals"]["missing"] == 1 and "Needs 1 approval by an owner or viceowner" in life["text"]
        # What the author can do: no Apply, who approves it and where they find it.
        assert plan["next"]["apply"] is False and "approve" not in plan["next"]
        assert "approved: an owner or viceowner of this license finds it in plans_pending" in plan["next"]["how"]
        # The owner reading the plan is offered Approve; a normal agent is not.
        assert (await owner.read(f"livechat://plans/{plan['plan_id']}"))["next"]["approve"] is True
        assert "approve" not in (await agent.read(f"livechat://plans/{plan['plan_id']}"))["next"]

        # The author's apply is refused (rule approval) and says whom to ask; nothing is sent.
        failed, refused = await admin.call("apply_plan", {"plan_id": pid, "mac": mac})
        assert failed and refused["error"]["rule"] == "approval"
        assert f"Plan {pid} is not approved" in refused["error"]["message"]
        assert "an owner or a viceowner" in refused["error"]["how_to_allow"]
        assert sent(base, "update_agent") == []

        # They cannot approve their own plan; a normal agent may not approve at all.
        failed, own = await admin.call("approve_plan", {"plan_id": pid, "mac": mac})
        assert failed and "you made this plan" in own["error"]["message"]
        failed, normal = await agent.call("approve_plan", {"plan_id": pid, "mac": mac})
        assert failed and "your LiveChat role (normal) does not approve plans here" in normal["error"]["message"]

        # The owner finds it pending, with the summary sentence and whether they may approve.
        queue = await owner.ok("plans_pending")
        assert [p["plan_id"] for p in queue["pending"]] == [pid]
        assert queue["pending"][0]["you_may_approve"] is True
        assert queue["pending"][0]["headline"] == "1 step: change agent john@example.com: job_title “Support Hero” → “Lead”."
        assert (await owner.read("livechat://plans?state=pending"))["plans"][0]["plan_id"] == pid
        # review_plan opens it in the review app, with Approve for the owner.
        tools = {t.name: t for t in (await owner.client.list_tools()).tools}
        assert (tools["review_plan"].meta or {})["ui"] == {"resourceUri": "ui://livechat-mcp/plan-review.html"}
        shown = await owner.ok("review_plan", {"plan_id": pid})
        assert shown["mac"] == mac and shown["next"]["approve"] is True and shown["headline"].startswith("1 step")
        admin_queue = await admin.ok("plans_pending")
        assert admin_queue["pending"][0]["why_not"] == "you made this plan: someone else must approve it"

        # An approval names the MAC reviewed: another MAC approves nothing.
        failed, wrong = await owner.call("approve_plan", {"plan_id": pid, "mac": mac[:-4] + "0000"})
        assert failed and "not plan" in wrong["error"]["message"]
        approved = await owner.ok("approve_plan", {"plan_id": pid, "mac": mac})
        assert approved["state"] == "approved" and "Approved by Olivia Owner <owner@example.com> (owner)" in \
            approved["approvals"]
        assert (await owner.ok("plans_pending"))["pending"] == []
        approved_view = await admin.read(f"livechat://plans/{pid}")
        assert approved_view["next"]["apply"] is True and approved_view["next"]["approvals"]["approved"] is True

        report = await admin.ok("apply_plan", {"plan_id": pid, "mac": mac})
        assert report["status"] == "completed" and len(sent(base, "update_agent")) == 1
        assert report["lifecycle"]["state"] == "applied"
        assert report["lifecycle"]["applies"][0]["by"]["email"] == "jane@example.com"

        shown = await vice.read(f"livechat://plans/{pid}")  # another person of the license reads it
        assert shown["lifecycle"]["state"] == "applied"
        assert [h["state"] for h in shown["lifecycle"]["history"]] == ["stored", "approved", "applied"]
        assert [h["by"]["email"] for h in shown["lifecycle"]["history"]] == [
            "jane@example.com", "owner@example.com", "jane@example.com"]

    lines = audit(tmp_path)
    refusal = next(line for line in lines if line["tool"] == "apply_plan" and line["decision"] == "refused")
    assert refusal["rule"] == "approval" and refusal["outcome"]["plan_id"] == pid
    by_tool = {line["tool"]: line for line in lines if line["tool"].startswith("plan/")}
    assert by_tool["plan/stored"]["outcome"]["by"]["email"] == "jane@example.com"
    assert by_tool["plan/approved"]["outcome"]["by"]["email"] == "owner@example.com"
    applied = by_tool["plan/applied"]["outcome"]
    assert applied["by"]["email"] == "jane@example.com" and applied["plan_id"] == pid
    assert [p["email"] for p in applied["approved_by"]] == ["owner@example.com"]


async def test_a_plan_edited_after_approval_has_no_approval(tmp_path: Path) -> None:
    async with team(tmp_path) as (base, people):
        admin, owner = people["admin"], people["owner"]
        await admin.ok("create_tag", {"name": "reviewed"})
        plan = await admin.ok("get_plan", {"view": "document"})
        await owner.ok("approve_plan", {"plan_id": plan["plan_id"], "mac": plan["mac"]})

        # The document edited by hand, applied as an accepted edit: the approval was for the other MAC.
        edited = {k: v for k, v in plan.items() if k not in ("headline", "review", "next", "lifecycle", "plan_id")}
        edited["steps"] = [{**edited["steps"][0], "body": {"name": "not reviewed"}}]
        failed, refused = await admin.call("apply_plan", {"plan": edited, "accept_edited": True})
        assert failed and refused["error"]["rule"] == "approval"
        assert "An edited plan has no approval" in refused["error"]["message"]

        # Edited in the session: a new plan (new MAC, new id) with no approvals.
        await admin.ok("create_tag", {"name": "added later"})
        again = await admin.ok("get_plan")
        assert again["plan_id"] != plan["plan_id"]
        assert again["lifecycle"]["state"] == "stored" and again["lifecycle"]["approvals"]["approved_by"] == []
        failed, refused = await admin.call("apply_plan", {"plan_id": again["plan_id"], "mac": again["mac"]})
        assert failed and refused["error"]["rule"] == "approval"
        # The approval of the first plan still stands for it alone.
        first = await owner.read(f"livechat://plans/{plan['plan_id']}")
        assert first["lifecycle"]["state"] == "approved"
    assert sent(base, "create_tag") == []


async def test_a_rejected_plan_names_who_and_why_and_is_not_applied(tmp_path: Path) -> None:
    async with team(tmp_path) as (base, people):
        admin, vice = people["admin"], people["viceowner"]
        await admin.ok("delete_tag", {"name": "urgent"})
        plan = await admin.ok("get_plan")
        failed, bad = await vice.call("reject_plan", {"plan_id": plan["plan_id"], "mac": plan["mac"], "reason": ""})
        assert failed and bad["error"]["type"] == "validation"
        rejected = await vice.ok("reject_plan", {"plan_id": plan["plan_id"], "mac": plan["mac"],
                                                 "reason": "we still use that tag"})
        assert rejected["state"] == "rejected"
        failed, refused = await admin.call("apply_plan", {"plan_id": plan["plan_id"], "mac": plan["mac"]})
        assert failed and refused["error"]["rule"] == "approval"
        assert "Rejected by Victor Vice <viceowner@example.com> (viceowner): we still use that tag" in \
            refused["error"]["message"]
        assert "re-plan" in refused["error"]["how_to_allow"]
        shown = await admin.read(f"livechat://plans/{plan['plan_id']}")
        assert shown["lifecycle"]["approvals"]["rejected"]["reason"] == "we still use that tag"
    assert sent(base, "delete_tag") == []
    assert any(line["tool"] == "plan/rejected" and line["outcome"]["reason"] == "we still use that tag"
               for line in audit(tmp_path))


async def test_people_of_another_license_do_not_see_or_approve_a_plan(tmp_path: Path) -> None:
    async with team(tmp_path) as (base, people):
        await people["admin"].ok("create_tag", {"name": "ours"})
        plan = await people["admin"].ok("get_plan")
        stranger = person_runtime(base, "owner")
        stranger.principal.id = "7f3c1d2e-5a6b-4c7d-8e9f-0a1b2c3d4e5f:b2000000-0000-4000-8000-000000000001"
        stranger.principal.identity = {**stranger.identity, "organization_id": stranger.principal.id.split(":")[0]}
        # Over HTTP (a session of their own), the plan is not theirs to see; the owner of the license sees it.
        assert await pending(stranger, "http:stranger") == []
        assert [p["plan_id"] for p in await pending(people["owner"].runtime, "http:owner")] == [plan["plan_id"]]
        # In-process clients are the operator's own process (they see every plan), and still may not decide.
        async with Client(LiveChatMCP(stranger).server, mode="legacy") as client:
            failed, answer = await As(client, stranger).call("approve_plan", {"plan_id": plan["plan_id"],
                                                                              "mac": plan["mac"]})
            assert failed and "this plan is for another license" in answer["error"]["message"]
        assert (await people["owner"].read(f"livechat://plans/{plan['plan_id']}"))["lifecycle"]["state"] == "stored"


async def test_without_approvals_the_lifecycle_is_stored_applied_partly_applied_and_undone(
        tmp_path: Path, make_server: Any, loopback: Any) -> None:
    log = tmp_path / "solo.jsonl"
    async with make_server(env=loopback.env(), overrides=DRY, audit_log=str(log)) as s:
        tools = {t.name for t in (await s.client.list_tools()).tools}
        assert not {"approve_plan", "reject_plan", "plans_pending", "review_plan"} & tools  # without approvals, nothing changes
        me = As(s.client, s.runtime)
        planned = await me.ok("create_tag", {"name": "lifecycle"})
        # The lifecycle's first state is said where the plan begins: a draft, nothing stored yet.
        assert planned["lifecycle"] == {"state": "draft"} and "draft plan" in planned["note"]
        plan = await me.ok("get_plan")
        await me.ok("clear_plan")
        await me.ok("create_tag", {"name": "first of two"})
        await me.ok("delete_tag", {"name": "no such tag"})  # planned unchecked; fails when sent: the apply stops
        half = await me.ok("get_plan", {"check": False})
        await me.ok("clear_plan")
        batch = await me.ok("batch_suspend_agents", {"requests": [{"id": "jane@example.com"}]})
        assert batch["planned"] is True and batch["lifecycle"] == {"state": "draft"}
    assert plan["lifecycle"]["state"] == "stored" and plan["lifecycle"]["author"]["id"] == "operator"
    assert "approvals" not in plan["lifecycle"]
    loopback.planned()

    async with make_server(env=loopback.env(), overrides=WRITE, audit_log=str(log)) as s:
        me = As(s.client, s.runtime)
        report = await me.ok("apply_plan", {"plan_id": plan["plan_id"], "mac": plan["mac"]})
        life = report["lifecycle"]
        assert life["state"] == "applied" and life["applies"][0]["done"] == 1 and life["applies"][0]["steps"] == 1
        undo = report["undo"]
        assert life["undo_plan"] == undo["plan_id"]
        undo_report = await me.ok("apply_plan", {"plan_id": undo["plan_id"], "mac": undo["mac"]})
        assert undo_report["lifecycle"]["undoes"] == plan["plan_id"]
        original = await me.read(f"livechat://plans/{plan['plan_id']}")
        assert original["lifecycle"]["state"] == "undone"
        assert original["lifecycle"]["undone"]["plan_id"] == undo["plan_id"]
        assert original["lifecycle"]["text"].startswith("Undone by operator at ")
        assert [h["state"] for h in original["lifecycle"]["history"]] == ["stored", "applied", "undone"]
        # Applied again by id: every step is in its journal, nothing is sent, and that is no transition.
        again = await me.ok("apply_plan", {"plan_id": plan["plan_id"], "mac": plan["mac"]})
        assert again["lifecycle"]["state"] == "undone" and len(again["lifecycle"]["applies"]) == 1

        failed, stopped = await me.call("apply_plan", {"plan_id": half["plan_id"], "mac": half["mac"]})
        assert failed and stopped["summary"]["done"] == 1
        assert stopped["lifecycle"]["state"] == "partly_applied"
        assert "Partly applied (1 of 2 steps)" in stopped["lifecycle"]["text"]
    states = [line["tool"] for line in audit_file(log) if line["tool"].startswith("plan/")]
    stored = {line["outcome"]["plan_id"] for line in audit_file(log) if line["tool"] == "plan/stored"}
    # The two plans and the undo plan of each apply that did something. The undo's own apply answers its undo
    # (re-create the tag: undo plans are checked, so what their deletes lose is known): another plan than the
    # first, though its steps are the same (each planning is its own plan).
    redo = undo_report["undo"]
    assert redo["summary"]["by_action"] == {"create_tag": 1} and redo["cannot_undo"] == []
    assert redo["plan_id"] != plan["plan_id"]
    assert stored == {plan["plan_id"], half["plan_id"], undo["plan_id"], stopped["undo"]["plan_id"], redo["plan_id"]}
    assert states.count("plan/applied") == 2 and "plan/undone" in states and "plan/partly_applied" in states


DRY = Overrides(dry_run=True, allow_destructive=True)
WRITE = Overrides(allow_writes=True, allow_destructive=True)


def audit_file(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def test_plans_list_pending_and_show_tell_the_state_who_and_when(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    store = f"sqlite://{tmp_path / 'state.db'}"

    async def make() -> tuple[str, str]:
        async with team(tmp_path, store=store) as (_, people):
            admin, owner = people["admin"], people["owner"]
            await admin.ok("create_tag", {"name": "waiting"})
            waiting = await admin.ok("get_plan")
            await admin.ok("clear_plan")
            await admin.ok("create_tag", {"name": "approved"})
            approved = await admin.ok("get_plan")
            await owner.ok("approve_plan", {"plan_id": approved["plan_id"], "mac": approved["mac"]})
            return waiting["plan_id"], approved["plan_id"]

    waiting, approved = anyio.run(make)
    for name in [n for n in os.environ if n.startswith("LIVECHAT_")]:
        monkeypatch.delenv(name)
    team_args = ["--store", store, "--policy", str(tmp_path / "team.toml")]

    assert main(["plans", "list", "--pending", *team_args]) == 0
    out = capsys.readouterr().out
    assert waiting in out and approved not in out
    # Without the team's policy nothing waits for approval: it says to name that policy, not "all pending".
    assert main(["plans", "list", "--pending", "--store", store]) != 0
    said = capsys.readouterr()
    assert waiting not in said.out and "--policy FILE" in said.err and "approvals" in said.err
    assert "[stored] Needs 1 approval by an owner or viceowner other than its author" in out
    assert "Made by Jane Doe <jane@example.com> (administrator) at 20" in out

    assert main(["plans", "list", *team_args]) == 0
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if x.startswith(approved))
    assert "[approved] Approved by Olivia Owner <owner@example.com> (owner). Made by Jane Doe" in line

    assert main(["plans", "show", approved, *team_args]) == 0
    shown = capsys.readouterr()
    life = json.loads(shown.out)["lifecycle"]
    assert [(h["state"], h["by"]["email"]) for h in life["history"]] == [
        ("stored", "jane@example.com"), ("approved", "owner@example.com")]
    assert shown.err.startswith("Approved by Olivia Owner <owner@example.com> (owner). Made by Jane Doe")


def test_a_write_planned_from_the_cli_under_approvals_says_who_approves_not_an_apply_that_is_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [n for n in os.environ if n.startswith("LIVECHAT_")]:
        monkeypatch.delenv(name)
    (tmp_path / "team.toml").write_text(TEAM)
    team_args = ["--sandbox", "--store", f"sqlite://{tmp_path / 'state.db'}", "--policy", str(tmp_path / "team.toml")]
    assert main(["call", "create_tag", '{"name": "cli plan"}', *team_args]) == 0
    out = capsys.readouterr()
    assert json.loads(out.out)["planned"] is True
    pid = out.err.split("stored as ", 1)[1].split(":", 1)[0]
    assert "Needs 1 approval by an owner or viceowner other than its author (operator)" in out.err
    assert "apply it with" not in out.err and "plans_pending" in out.err
    # what it would have printed is indeed refused until an approver approves
    assert main(["apply", pid, "--allow-writes", *team_args]) == 1
    assert f"Plan {pid} is not approved" in capsys.readouterr().err


# --- the record itself (pure) ----------------------------------------------------------------------

RULE = build_policy({"mode": "read-write", "approvals": {"required": 2, "approver_roles": ["owner", "viceowner"]}},
                    "test").approvals
ORG = "390e44e6-f1e6-0368-c507-7c7f8c8de8c6"


def _person(slot: str, org: str = ORG) -> dict[str, str]:
    p = PEOPLE[slot]
    return {"id": f"{org}:{p.account_id}", "email": p.email, "name": p.name, "role": p.role, "organization_id": org}


def _life() -> PlanLife:
    return new({"mac": "hmac-sha256:" + "ab" * 32, "target": {}}, "ab" * 8, _person("admin"), 1_000.0)


def test_two_approvals_are_two_people_and_a_person_s_later_decision_replaces_theirs() -> None:
    assert RULE is not None
    life = _life()
    life.decide(RULE, "approved", _person("owner"), life.mac, 1_001.0)
    life.decide(RULE, "approved", _person("owner"), life.mac, 1_002.0)  # the same person again: still one
    assert life.state == "stored" and life.status(RULE)["missing"] == 1
    life.decide(RULE, "approved", _person("viceowner"), life.mac, 1_003.0)
    assert life.state == "approved"
    life.decide(RULE, "rejected", _person("owner"), life.mac, 1_004.0, "changed my mind")
    assert life.state == "rejected" and len(life.approvals) == 2
    assert life.applied(_person("admin"), done=0, steps=3, at=1_005.0) is False and life.state == "rejected"
    round_trip = PlanLife.from_json(json.loads(json.dumps(life.to_json())))
    assert round_trip == life


def test_a_decision_after_the_plan_was_applied_and_one_from_another_license_are_refused() -> None:
    assert RULE is not None
    life = _life()
    with pytest.raises(LifeError, match="another license"):
        life.decide(RULE, "approved", _person("owner", "7f3c1d2e-5a6b-4c7d-8e9f-0a1b2c3d4e5f"), life.mac, 1_001.0)
    assert life.applied(_person("admin"), done=2, steps=3, at=1_002.0) is True
    assert life.state == "partly_applied"
    with pytest.raises(LifeError, match="already partly applied"):
        life.decide(RULE, "approved", _person("owner"), life.mac, 1_003.0)
    assert life.view(RULE)["applies"][0]["at"] == "1970-01-01T00:16:42Z"


async def test_search_finds_the_approval_tools_in_a_team_deployment_only(tmp_path: Path, make_server: Any) -> None:
    async with team(tmp_path, TEAM + 'toolsets = ["all", "discovery"]\n') as (_, people):
        found = await people["owner"].ok("search_actions", {"query": "approve plan"})
    assert found["actions"][0]["name"] == "approve_plan" and found["actions"][0]["tool"] is True
    async with make_server(sandbox=True, policy="full-access", overrides=Overrides(discovery=True)) as s:
        answer = tool_payload(await s.client.call_tool("search_actions", {"query": "approve pending plan"}))
    # Elsewhere they are no tools at all: not even listed as refused.
    assert not {"approve_plan", "plans_pending", "review_plan"} & {r["name"] for r in answer.get("refused", [])}


async def test_two_approvals_landing_at_once_on_two_replicas_both_count(
        stores: Callable[..., Any],  # noqa: F811  (the fixture imported above)
) -> None:
    """The record is changed under its lock: two approvers deciding at the same moment through two
    connections (two replicas) both count, on memory, SQLite and Redis."""
    from server.calls.lifecycle import decide
    from server.plans.store import PlanStore

    assert RULE is not None
    doc = {"mac": "hmac-sha256:" + "cd" * 32, "target": {}, "steps": []}

    class Slow:  # a store whose reads of the record take a while, as over a network
        def __init__(self, store: Any) -> None:
            self.store = store

        def __getattr__(self, name: str) -> Any:
            return getattr(self.store, name)

        async def get(self, ns: str, key: str) -> Any:
            value = await self.store.get(ns, key)
            if ns == "plans.life":
                await anyio.sleep(0.05)
            return value

    first, second = Slow(stores()), Slow(stores())
    pid = await PlanStore(first).save(doc, "author", _person("admin"))
    for _ in range(3):  # a few rounds: the interleaving differs
        async with anyio.create_task_group() as tg:
            tg.start_soon(decide, first, None, RULE, _person("owner"), pid, doc["mac"], "approved")
            tg.start_soon(decide, second, None, RULE, _person("viceowner"), pid, doc["mac"], "approved")
        life = await PlanStore(second).life(pid)
        assert life is not None and life.state == "approved"
        assert sorted(d["by"]["email"] for d in life.approvals) == ["owner@example.com", "viceowner@example.com"]
