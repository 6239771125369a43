"""Issue 11, item 2: the plan document is what a human reviewed; apply sends exactly that or nothing.

Every edit below is refused before anything reaches the sandbox (its request log stays empty),
with what differs; ``accept_edited`` applies an edited plan only loudly, sending the requests
rebuilt from its steps, re-checked; a secret goes only where its reviewed step sent it; and a
report never says "completed" for fewer steps than the plan had."""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
from collections.abc import Callable
from typing import Any

import pytest

from conftest import Loopback, tool_payload
from server.plans.document import sign
from server.policies import Overrides

pytestmark = pytest.mark.anyio

WEBHOOK_SECRET = "whsec-0a1b2c3d4e5f6789"
WRITES = Overrides(allow_writes=True)
HOOK = {"action": "chat_deactivated", "secret_key": WEBHOOK_SECRET, "url": "https://hooks.example.com/lc",
        "owner_client_id": "0805e283233042b37f460ed8fbf22160", "type": "license"}
CALLS = [
    ("create_agent", {"id": "a1@example.com", "name": "A1"}),
    ("create_agent", {"id": "a2@example.com", "name": "A2"}),
    ("create_agent", {"id": "a3@example.com", "name": "A3"}),
    ("create_tag", {"name": "reviewed"}),
    ("register_webhook", HOOK),
    ("update_group", {"id": 1, "name": "Reviewed name"}),
]  # requests: 1 batch_create_agents [1,2,3], 2 create_tag [4], 3 register_webhook [5], 4 update_group [6]
SECRETS = {"step5.secret_key": WEBHOOK_SECRET}


async def make_plan(make_server: Any, loopback: Loopback, calls: list[tuple[str, dict]] = CALLS) -> dict[str, Any]:
    async with make_server(env=loopback.env(), overrides=Overrides(dry_run=True)) as s:
        for name, args in calls:
            result = await s.client.call_tool(name, args)
            assert not result.is_error, tool_payload(result)
        plan = tool_payload(await s.client.call_tool("get_plan", {"requests": True}))
    loopback.planned()  # nothing but the checks' reads reached the API
    return plan


async def apply(make_server: Any, loopback: Loopback, plan: dict[str, Any], **args: Any) -> tuple[bool, Any]:
    async with make_server(env=loopback.env(), overrides=WRITES) as s:
        # secrets=None means "none given": left out, as null is refused for every optional field.
        arguments = {k: v for k, v in {"plan": plan, "secrets": SECRETS, **args}.items() if v is not None}
        result = await s.client.call_tool("apply_plan", arguments)
    return result.is_error, tool_payload(result)


def untouched_state(loopback: Loopback) -> None:
    state = loopback.sandbox.state
    assert loopback.requests() == []  # nothing at all reached the API
    assert not any(a.startswith("a1@") for a in state.agents)
    assert "reviewed" not in json.dumps(state.extra, default=str)


def _swap(plan: dict[str, Any]) -> None:
    plan["requests"][1], plan["requests"][3] = plan["requests"][3], plan["requests"][1]


def _recompute_sha(plan: dict[str, Any]) -> None:
    plan["steps"][3]["body"]["name"] = "edited"
    plan["requests"][1]["body"]["name"] = "edited"
    plan["summary"]["note"] = "recomputed"
    canonical = json.dumps({k: v for k, v in plan.items() if k != "mac"}, sort_keys=True, separators=(",", ":"))
    plan["mac"] = "hmac-sha256:" + hashlib.sha256(canonical.encode()).hexdigest()


def _resign_with_own_key(plan: dict[str, Any]) -> None:
    plan["steps"][3]["body"]["name"] = "edited"
    plan["requests"][1]["body"]["name"] = "edited"
    plan["mac"] = sign(plan, b"k" * 32)  # the editor's key: not the server's


def _extra(plan: dict[str, Any]) -> None:
    plan["requests"].append({**copy.deepcopy(plan["requests"][1]), "steps": [7], "request": 5})


EDITS: dict[str, tuple[Callable[[dict[str, Any]], Any], str]] = {
    "changed-request-body": (lambda p: p["requests"][1]["body"].update(name="not-reviewed"), "request 2 body"),
    "changed-batch-item": (lambda p: p["requests"][0]["body"]["requests"][1].update(name="X"), "request 1 body"),
    "dropped-request": (lambda p: p["requests"].pop(1), "missing"),
    "dropped-last-request": (lambda p: p["requests"].pop(), "missing"),
    "reordered-requests": (_swap, "reordered"),
    "extra-request": (_extra, "extra request"),
    "changed-action": (lambda p: p["requests"][3].update(action="delete_group"), "request 4 action"),
    "changed-url": (lambda p: p["requests"][1].update(url="https://evil.example/collect"), "request 2 url"),
    "changed-method": (lambda p: p["requests"][1].update(method="GET"), "request 2 method"),
    "changed-headers": (lambda p: p["requests"][1]["headers"].update({"X-Region": "fra"}), "request 2 headers"),
    "added-request-field": (lambda p: p["requests"][1].update(timeout=1), "fields get_plan never writes"),
    "step-body-without-request": (lambda p: p["steps"][3]["body"].update(name="sneaky"), "request 2 body"),
    "step-action-without-request": (lambda p: p["steps"][5].update(action="delete_group"), "request 4"),
    "step-and-request-together": (lambda p: (p["steps"][3]["body"].update(name="both"),
                                             p["requests"][1]["body"].update(name="both")), "MAC does not match"),
    "hidden-from-summary": (lambda p: p["summary"]["by_action"].pop("register_webhook"), "summary"),
    "changed-target": (lambda p: p["target"].update(api="https://evil.example"), "target"),
    "changed-secret-binding": (lambda p: p["secrets"]["bindings"]["step5.secret_key"]["destination"].update(
        url="https://evil.example"), "secrets"),
    "missing-mac": (lambda p: p.pop("mac"), "no MAC"),
    "empty-mac": (lambda p: p.update(mac=""), "no MAC"),
    "recomputed-digest": (_recompute_sha, "MAC does not match"),
    "re-signed-with-editors-key": (_resign_with_own_key, "MAC does not match"),
    "max-batch-size": (lambda p: p.update(max_batch_size=2), "request 1"),
}


@pytest.mark.parametrize("edit", list(EDITS), ids=list(EDITS))
async def test_an_edited_plan_is_refused_with_what_differs_and_sends_nothing(make_server, loopback, edit):
    plan = await make_plan(make_server, loopback)
    change, expected = EDITS[edit]
    change(plan)
    is_error, report = await apply(make_server, loopback, plan)
    assert is_error
    assert report["status"] == "refused" and report["error"]["rule"] == "plan_edited"
    assert any(expected in c for c in report["changes"]), report["changes"]
    assert report["summary"]["done"] == 0
    assert WEBHOOK_SECRET not in json.dumps(report)
    untouched_state(loopback)


async def test_the_untouched_plan_applies_and_sends_exactly_its_requests(make_server, loopback):
    plan = await make_plan(make_server, loopback)
    is_error, report = await apply(make_server, loopback, plan)
    assert not is_error and report["status"] == "completed", report
    assert "changes" not in report and "warning" not in report
    sent = loopback.writes()  # (and the reads re-checking what the plan creates and changes)
    assert [r["action"] for r in sent] == [r["action"] for r in plan["requests"]]
    assert sent[2]["body"]["secret_key"] == WEBHOOK_SECRET and sent[2]["body"]["url"] == HOOK["url"]


@pytest.mark.parametrize("edit", ["renumbered", "duplicated"])
async def test_renumbered_steps_are_refused(make_server, loopback, edit):
    plan = await make_plan(make_server, loopback)
    if edit == "renumbered":
        plan["steps"][3]["step"], plan["steps"][4]["step"] = 5, 4
    else:
        plan["steps"][4]["step"] = 4
    is_error, report = await apply(make_server, loopback, plan, accept_edited=True)
    assert is_error and "numbered" in report["error"]["message"]
    untouched_state(loopback)


@pytest.mark.parametrize("where", ["url", "owner_client_id", "action-of-step"])
async def test_an_accepted_edit_cannot_re_point_a_secret(make_server, loopback, where, capfd):
    plan = await make_plan(make_server, loopback)
    step, request = plan["steps"][4], plan["requests"][2]
    if where == "action-of-step":
        # The secret's step becomes another action with a secret_key-like field: not where it was reviewed.
        step["body"]["url"] = request["body"]["url"] = "https://hooks.example.com/lc?copy=1"
        step["body"]["action"] = request["body"]["action"] = "incoming_chat"
    else:
        value = "https://evil.example/steal" if where == "url" else "ffffffffffffffffffffffffffffffff"
        step["body"][where] = request["body"][where] = value
    is_error, report = await apply(make_server, loopback, plan, accept_edited=True, continue_on_error=True)
    assert is_error and report["status"] != "completed"
    hook = report["steps"][4]
    assert hook["status"] == "refused" and hook["error"]["rule"] == "secret_binding"
    assert "step5.secret_key" in hook["error"]["message"]
    sent = json.dumps(loopback.requests())
    assert WEBHOOK_SECRET not in sent and "evil.example" not in sent  # the secret went nowhere
    assert "register_webhook" not in [r["action"] for r in loopback.requests()]
    assert "EDITED" in capfd.readouterr().err  # said on stderr before sending


async def test_a_secret_name_moved_to_another_step_is_not_filled(make_server, loopback):
    """An editor adds a second webhook to their own URL and points its placeholder at step 5's secret."""
    plan = await make_plan(make_server, loopback)
    evil = {**copy.deepcopy(plan["steps"][4]), "step": 7}
    evil["body"]["url"] = "https://evil.example/steal"
    evil["body"]["secret_key"] = {"$secret": "step5.secret_key"}
    plan["steps"].append(evil)
    _, report = await apply(make_server, loopback, plan, accept_edited=True, continue_on_error=True)
    assert report["steps"][6]["status"] == "refused" and report["status"] != "completed"
    # The secret went to the reviewed step 5 (continue_on_error) and nowhere else.
    with_secret = [r for r in loopback.requests() if WEBHOOK_SECRET in json.dumps(r)]
    assert [r["body"]["url"] for r in with_secret] == [HOOK["url"]]
    assert "evil.example" not in json.dumps(loopback.requests())


async def test_accept_edited_lists_the_changes_first_and_sends_the_rebuilt_requests(make_server, loopback, capfd):
    plan = await make_plan(make_server, loopback)
    plan["steps"][3]["body"]["name"] = "edited-by-a-human"  # and the request still says "reviewed"
    plan["requests"][1]["body"]["name"] = "stale"
    _, report = await apply(make_server, loopback, plan, accept_edited=True)
    err = capfd.readouterr().err
    assert "EDITED" in err and "request 2 body" in err
    assert "accept_edited" in report["warning"] and any("request 2 body" in c for c in report["changes"])
    assert report["status"] == "completed"  # every step of the accepted document is done
    bodies = {r["action"]: r["body"] for r in loopback.requests()}
    assert bodies["create_tag"]["name"] == "edited-by-a-human"  # from the steps, not the request
    assert "stale" not in json.dumps(loopback.requests())


async def test_accept_edited_re_checks_each_step_against_the_policy(make_server, loopback):
    plan = await make_plan(make_server, loopback)
    plan["steps"][5]["action"] = "delete_group"  # destructive: refused without --allow-destructive
    plan["steps"][5]["body"] = {"id": 1}
    is_error, report = await apply(make_server, loopback, plan, accept_edited=True)
    assert is_error and report["steps"][5]["status"] == "refused"
    assert report["steps"][5]["error"]["rule"] == "allow_destructive"
    untouched_state(loopback)  # refused before anything was sent


@pytest.mark.parametrize("edit", ["dropped-step", "dropped-step-and-request", "summary-says-more"])
async def test_the_report_never_says_completed_for_fewer_steps_than_the_plan(make_server, loopback, edit):
    plan = await make_plan(make_server, loopback, CALLS[:4])  # no secrets
    if edit == "dropped-step":
        plan["steps"].pop()  # request 2 still names step 4
    elif edit == "dropped-step-and-request":
        plan["steps"].pop()
        plan["requests"].pop()  # only the summary still says 4
    else:
        plan["summary"]["steps"] = 9
    async with make_server(env=loopback.env(), overrides=WRITES) as s:
        report = tool_payload(await s.client.call_tool("apply_plan", {"plan": plan, "accept_edited": True}))
    assert report["status"] != "completed"
    assert report["summary"]["not_sent"] >= 1
    dropped = [st for st in report["steps"] if st.get("error", {}).get("type") == "dropped"]
    assert dropped and dropped[0]["step"] >= 4


async def test_refused_steps_under_continue_on_error_are_not_completed(make_server, loopback):
    plan = await make_plan(make_server, loopback)
    is_error, report = await apply(make_server, loopback, plan, continue_on_error=True, secrets={})
    assert is_error and report["status"] == "completed_with_errors"
    assert report["summary"]["refused"] == 1 and report["summary"]["done"] == 5


async def test_a_mac_from_another_deployment_is_refused(make_server, loopback):
    """The key is per deployment/user: a plan signed by another key is an edited plan here."""
    plan = await make_plan(make_server, loopback)
    other_key = b"\x01" * 32
    plan["mac"] = "hmac-sha256:" + hmac.new(other_key, b"x", hashlib.sha256).hexdigest()
    is_error, report = await apply(make_server, loopback, plan)
    assert is_error and any("MAC does not match" in c for c in report["changes"])
    untouched_state(loopback)


async def test_a_batch_smuggled_in_as_one_step_is_refused(make_server, loopback):
    plan = await make_plan(make_server, loopback, CALLS[:4])
    plan["steps"][2] = {"step": 3, "action": "batch_create_agents", "destructive": False,
                        "body": {"requests": [{"id": "b1@example.com", "name": "B1"}, {"id": "b2@example.com",
                                                                                    "name": "B2"}]}}
    is_error, report = await apply(make_server, loopback, plan, accept_edited=True, secrets={})
    assert is_error and "single action" in report["error"]["message"]
    untouched_state(loopback)


async def test_a_plan_from_a_stdio_server_process_applies_in_another_process_and_an_edit_does_not(loopback, tmp_path):
    """The key is the deployment's (the embedded SQLite store in the user's state directory): the
    stdio server that signs and a later `livechat-mcp apply` share it; the editor does not."""
    import os
    import subprocess
    import sys

    from mcp import Client, StdioServerParameters

    env = {k: v for k, v in os.environ.items() if not k.startswith("LIVECHAT_")} | loopback.env()
    params = StdioServerParameters(command=sys.executable, args=["-m", "server.doors.cli", "--dry-run"], env=env)
    async with Client(params) as client:
        for name, args in CALLS[:4]:
            assert not (await client.call_tool(name, args)).is_error
        plan = tool_payload(await client.call_tool("get_plan", {"requests": True}))
    loopback.planned()

    def cli_apply(doc: dict[str, Any], *extra: str) -> subprocess.CompletedProcess[str]:
        path = tmp_path / "plan.json"
        path.write_text(json.dumps(doc))
        return subprocess.run([sys.executable, "-m", "server.doors.cli", "apply", str(path), "--allow-writes", *extra],
                              env=env, capture_output=True, text=True, timeout=120)

    edited = copy.deepcopy(plan)
    edited["steps"][3]["body"]["name"] = edited["requests"][1]["body"]["name"] = "not-reviewed"
    refused = cli_apply(edited)
    assert refused.returncode == 1 and json.loads(refused.stdout)["status"] == "refused"
    assert "MAC does not match" in refused.stderr  # what differs, on stderr too
    assert loopback.requests() == []

    applied = cli_apply(plan)
    assert applied.returncode == 0, applied.stderr
    assert json.loads(applied.stdout)["status"] == "completed"
    assert [r["action"] for r in loopback.writes()] == ["batch_create_agents", "create_tag"]


async def test_without_the_store_no_plan_is_signed_or_applied(make_server, loopback):
    from server.store import StoreUnavailable

    plan = await make_plan(make_server, loopback, CALLS[:1])

    class Down:
        async def shared_secret(self, name: str) -> bytes:
            raise StoreUnavailable("connection refused")

    async with make_server(env=loopback.env(), overrides=Overrides(dry_run=True)) as s:
        real, s.runtime.store = s.runtime.store, Down()
        try:
            got = await s.client.call_tool("get_plan", {"requests": True})
        finally:
            s.runtime.store = real
    async with make_server(env=loopback.env(), overrides=WRITES) as s:
        real, s.runtime.store = s.runtime.store, Down()
        try:
            applied = await s.client.call_tool("apply_plan", {"plan": plan})
        finally:
            s.runtime.store = real
    for result in (got, applied):
        assert result.is_error and tool_payload(result)["error"]["type"] == "store_unavailable"
    assert loopback.requests() == []
