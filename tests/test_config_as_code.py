"""Configuration as code (issue 22): export, diff, converge (plan --prune), copy to another license,
restore with undo, rehearse on a copy, secrets and the policy. Against the loopback sandbox, through
the MCP tools and the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import httpx
import pytest

from conftest import DEFAULT_TOKEN, Loopback, tool_payload
from server.license_config.document import dumps
from server.license_config.seed import seeder
from server.policies import Overrides
from server.safety.untrusted import unlabel
from server.sandbox.accounts import DEFAULT_OAUTH_CLIENT_ID, SECOND_ORGANIZATION_ID
from server.sandbox.bots import BOT_SECRET
from server.sandbox.core import SandboxState
from server.tools import catalog

pytestmark = pytest.mark.anyio

WRITE = Overrides(allow_writes=True, allow_destructive=True)


async def call(s: Any, name: str, args: dict[str, Any] | None = None) -> dict[str, Any]:
    result = await s.client.call_tool(name, args or {})
    data = tool_payload(result)
    assert not result.is_error, data
    return data


async def export(make_server: Any, loopback: Loopback, **kw: Any) -> dict[str, Any]:
    async with make_server(env=kw.pop("env", loopback.env()), **kw) as s:
        return await call(s, "export_config", {})


async def api(loopback: Loopback, action: str, body: dict[str, Any], token: str = DEFAULT_TOKEN) -> Any:
    """A change made through the sandbox's own API (as a colleague in the web console would)."""
    async with httpx.AsyncClient(base_url=loopback.url) as http:
        resp = await http.post(f"/v3.6/configuration/action/{action}", json=body,
                               headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 200, resp.text
    return resp.json() if resp.content else None


def cli(loopback: Loopback, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("LIVECHAT_")} | loopback.env() | (env or {})
    return subprocess.run([sys.executable, "-m", "server.doors.cli", *args], env=base, capture_output=True,
                          text=True, timeout=120)


def writes(requests: list[dict[str, Any]]) -> list[str]:
    return [r["action"] for r in requests if (act := catalog().get(r["action"])) is None or act.write]


# --- export: stable bytes, round trip through a seeded sandbox -------------------------------------


async def test_export_twice_is_byte_identical_and_a_seeded_sandbox_exports_the_same(make_server, loopback):
    first = dumps(await export(make_server, loopback))
    assert first == dumps(await export(make_server, loopback))
    doc = json.loads(first)
    # Keyed by names, ids kept apart: no group id or timestamp among the objects themselves.
    assert [g["name"] for g in doc["groups"]] == ["Billing", "General", "Sales", "Support", "VIP"]
    assert {"name": "sales", "groups": ["General", "Sales"]} in doc["tags"]
    assert doc["ids"]["groups"]["Billing"] == 19 and "created_at" not in first and "author_id" not in first
    # A fresh sandbox seeded from the document exports the same document, byte for byte.
    loopback.sandbox.seed = seeder(doc, doc["source"]["client_id"])
    try:
        loopback.sandbox.reset()
        assert dumps(await export(make_server, loopback)) == first
    finally:
        loopback.sandbox.seed = None


async def test_cli_export_to_a_file_and_sandbox_seed_round_trip(loopback, tmp_path):
    out = tmp_path / "license.json"
    done = cli(loopback, "export", "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert "wrote" in done.stderr
    # --sandbox --seed: the built-in sandbox holds exactly that document.
    again = subprocess.run([sys.executable, "-m", "server.doors.cli", "export", "--sandbox", "--seed", str(out)],
                           env={k: v for k, v in os.environ.items() if not k.startswith("LIVECHAT_")},
                           capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    exported, seeded = json.loads(out.read_text()), json.loads(again.stdout)
    for doc in (exported, seeded):
        doc.pop("source")
    assert seeded == exported
    bad = cli(loopback, "export", "--kinds", "groups,robots")
    assert bad.returncode == 2 and "robots" in bad.stderr


# --- diff: exactly what changed; plan --prune converges ----------------------------------------


async def test_diff_names_exactly_the_changes_and_plan_prune_makes_it_match(make_server, loopback, tmp_path):
    doc = await export(make_server, loopback)
    path = tmp_path / "before.json"
    path.write_text(dumps(doc))
    assert cli(loopback, "diff", str(path)).returncode == 0
    await api(loopback, "update_group", {"id": 19, "name": "Billing EU"})  # a renamed group
    await api(loopback, "delete_tag", {"name": "spam"})  # a deleted tag
    await api(loopback, "update_group", {"id": 2, "agent_priorities": {"jane@example.com": "normal"}})  # john moves
    await api(loopback, "update_group", {"id": 5, "agent_priorities": {
        "owner@example.com": "normal", "jane@example.com": "last", "john@example.com": "last"}})  # ... to VIP
    await api(loopback, "register_webhook", {"action": "chat_deactivated", "secret_key": "hook-secret-value-123",
                                             "url": "https://example.com/new-hook", "type": "license"})
    done = cli(loopback, "diff", str(path), "--json")
    assert done.returncode == 1, done.stderr
    result = json.loads(done.stdout)
    named = {(c["kind"], c.get("key"), c["change"]) for c in result["changes"]}
    assert named == {
        ("groups", "Billing", "changed"), ("groups", "Support", "changed"), ("groups", "VIP", "changed"),
        ("tags", "spam", "created"),
        ("webhooks", '["chat_deactivated", "license", "https://example.com/new-hook"]', "deleted"),
    }
    billing = next(c for c in result["changes"] if c.get("key") == "Billing")
    assert billing["fields"] == {"name": {"before": "Billing EU", "after": "Billing"}}
    words = cli(loopback, "diff", str(path)).stdout
    assert '~ group "Billing":\n    name: "Billing EU" -> "Billing"' in words and '+ tag "spam"' in words
    assert "hook-secret-value-123" not in done.stdout + words
    # Converge: an ordinary stored plan, applied by id; afterwards the diff exits 0.
    async with make_server(env=loopback.env(), overrides=WRITE) as s:
        planned = await call(s, "plan_config", {"document": doc, "prune": True})
        assert planned["summary"]["by_action"] == {"update_group": 3, "create_tag": 1, "unregister_webhook": 1}
        report = await call(s, "apply_plan", {"plan_id": planned["plan_id"], "mac": planned["mac"]})
        assert report["status"] == "completed", report
    assert cli(loopback, "diff", str(path)).returncode == 0


async def test_diff_exit_code_2_on_a_bad_document(loopback, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"kind": "livechat-mcp/plan"}')
    done = cli(loopback, "diff", str(bad))
    assert done.returncode == 2 and "not a configuration document" in done.stderr


# --- copy to another license ------------------------------------------------------------------------


def _globex(loopback: Loopback, doc: dict[str, Any]) -> SandboxState:
    """The sandbox's second license (Globex, fra), reseeded to hold ``doc``."""
    org = loopback.sandbox.accounts.organizations[SECOND_ORGANIZATION_ID]
    state = SandboxState(license_id=org.license_id, organization_id=org.organization_id, region="fra",
                         _clock=loopback.sandbox.clock)
    seeder(doc, DEFAULT_OAUTH_CLIENT_ID)(state)
    org.state = state
    return state


async def test_copy_to_another_license_maps_names_to_its_ids_and_reports_an_unknown_agent(make_server, loopback):
    await api(loopback, "create_agent", {"id": "partner@acme.example", "name": "Pat Partner"})
    made = await api(loopback, "create_group", {"name": "Partners", "agent_priorities": {
        "partner@acme.example": "normal", "jane@example.com": "normal"}})
    assert made["id"] == 20
    await api(loopback, "create_tag", {"name": "partner", "group_ids": [20, 1]})
    source = await export(make_server, loopback)
    # Globex: only its default group, its owner (who signs in: the accounts are the license's agents) and
    # two of Acme's agents (jane and john); no tags, bots, rules.
    globex = _globex(loopback, {"kind": "livechat-mcp/config", "schema_version": 1, "groups": [
        {"name": "General", "default": True}], "agents": [{"id": "owner@globex.example", "name": "Gus", "role": "owner"},
                                                         {"id": "jane@example.com", "name": "Jane"},
                                                         {"id": "john@example.com", "name": "John"}]})
    account = loopback.sandbox.accounts.by_email("owner@globex.example")
    token = loopback.sandbox.accounts._issue(account, DEFAULT_OAUTH_CLIENT_ID)["access_token"]
    env = {**loopback.env(), "LIVECHAT_ACCESS_TOKEN": token}
    copy = {k: v for k, v in source.items() if k not in ("agents", "properties")}
    async with make_server(env=env, overrides=WRITE) as s:
        planned = await call(s, "plan_config", {"document": copy})
        assert planned["same_license"] is False
        [secret] = planned["secrets"]["names"]  # the webhook registers with a key supplied now
        report = await call(s, "apply_plan", {"plan_id": planned["plan_id"], "mac": planned["mac"],
                                              "secrets": {secret: "globex-hook-key"}})
        assert report["status"] == "completed", report
    [hook] = globex.webhooks
    assert (hook["url"], hook["owner_client_id"], hook["_secret_key"]) == (
        "https://example.com/livechat/webhooks", DEFAULT_OAUTH_CLIENT_ID, "globex-hook-key")
    left = {(item["object"], item["what"]) for item in planned["left_out"]}
    assert ('group "Partners"', "member agent partner@acme.example") in left  # reported, not invented
    assert ('bot template "Welcome Bot"', "the whole template") in left  # another client's
    assert "partner@acme.example" not in globex.agents
    ids = {g["name"]: gid for gid, g in globex.groups.items()}
    assert set(ids) == {"General", "Billing", "Sales", "Support", "VIP", "Partners"}
    assert ids["Partners"] != 20 and globex.groups[ids["Partners"]]["agent_priorities"] == {"jane@example.com": "normal"}
    assert sorted(globex.tags["partner"]["group_ids"]) == sorted([ids["Partners"], ids["Sales"]])
    assert [g["group"] for g in globex.greetings.values()] == [ids["General"], ids["Sales"]]
    assert [r["access"]["groups"] for r in globex.auto_accesses] == [[ids["General"]], [ids["Sales"]], [ids["Support"]]]
    chatbot = next(b for b in globex.bots.values() if b["name"] == "ChatBot")
    assert globex.groups[ids["General"]]["agent_priorities"][chatbot["id"]] == "first"
    # Acme was only read.
    assert loopback.sandbox.state.groups[20]["name"] == "Partners"


# --- restore: a backup, plan --prune, apply, undo ----------------------------------------------------


async def test_restore_after_deleting_three_groups_and_a_rule_and_undo_of_the_restore(make_server, loopback, tmp_path):
    backup = tmp_path / "backup.json"
    assert cli(loopback, "export", "-o", str(backup)).returncode == 0
    for gid in (1, 5, 19):
        await api(loopback, "delete_group", {"id": gid})
    await api(loopback, "delete_auto_access", {"id": "7d3e2b1c0a9f8e7d6c5b4a3f2e1d0c9b"})
    damaged = tmp_path / "damaged.json"
    assert cli(loopback, "export", "-o", str(damaged)).returncode == 0
    assert cli(loopback, "diff", str(backup)).returncode == 1
    planned = cli(loopback, "plan", str(backup), "--prune", "--dry-run", "--allow-destructive",
                  "--store", f"sqlite:///{tmp_path}/state.db")
    assert planned.returncode == 0, planned.stderr
    plan = json.loads(planned.stdout)
    assert "left_out" not in plan, plan["left_out"]
    applied = cli(loopback, "plans", "apply", plan["plan_id"], "--allow-writes", "--allow-destructive",
                  "--store", f"sqlite:///{tmp_path}/state.db")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    report = json.loads(applied.stdout)
    assert report["status"] == "completed"
    assert cli(loopback, "diff", str(backup)).returncode == 0
    undo = report["undo"]
    assert undo["cannot_undo"] == [] or all("no reverse" in c for c in undo["cannot_undo"]), undo["cannot_undo"]
    undone = cli(loopback, "plans", "apply", undo["plan_id"], "--allow-writes", "--allow-destructive",
                 "--store", f"sqlite:///{tmp_path}/state.db")
    assert json.loads(undone.stdout)["status"] == "completed", undone.stdout
    assert cli(loopback, "diff", str(damaged)).returncode == 0  # back to the state the restore started from


# --- rehearse on a copy ---------------------------------------------------------------------------


async def test_rehearsal_fails_on_the_third_step_and_sends_no_write(make_server, loopback, tmp_path):
    store = f"sqlite:///{tmp_path}/state.db"
    async with make_server(env=loopback.env(), overrides=Overrides(dry_run=True), store=store) as s:
        for name, args in (("create_tag", {"name": "first"}), ("create_tag", {"name": "second"}),
                           ("update_tag", {"name": "complaint", "group_ids": [0, 1]}),
                           ("create_tag", {"name": "fourth"})):
            await call(s, name, args)
        plan = await call(s, "get_plan", {"view": "summary"})
    await api(loopback, "delete_tag", {"name": "complaint"})  # step 3 now fails on the license
    loopback.sandbox.requests.clear()
    done = cli(loopback, "plans", "rehearse", plan["plan_id"], "--store", store)
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    assert [st["status"] for st in report["steps"]] == ["done", "done", "failed", "not_sent"]
    assert report["steps"][2]["error"]["type"] == "not_found"
    assert {(c["key"], c["change"]) for c in report["changes"]["changes"]} == {("first", "created"),
                                                                            ("second", "created")}
    assert writes(loopback.requests()) == []  # the license was only read (the fresh export)
    assert loopback.requests() and "first" not in loopback.sandbox.state.tags


# --- secrets and the policy --------------------------------------------------------------------


async def test_no_secret_value_in_an_export_a_diff_or_a_plan(make_server, loopback):
    await api(loopback, "register_webhook", {"action": "chat_deactivated", "secret_key": "hook-secret-value-123",
                                             "url": "https://example.com/new-hook", "type": "license"})
    doc = await export(make_server, loopback)
    hooks = doc["webhooks"]["registered"]
    assert {"$secret": "webhook chat_deactivated https://example.com/new-hook"} in [h["secret_key"] for h in hooks]
    await api(loopback, "unregister_webhook", {"id": doc["ids"]["webhooks"][
        '["chat_deactivated", "license", "https://example.com/new-hook"]']})
    async with make_server(env=loopback.env(), overrides=Overrides(dry_run=True)) as s:
        diff = await call(s, "diff_config", {"document": doc})
        planned = await call(s, "plan_config", {"document": doc})
        shown = (await s.client.read_resource(f"livechat://plans/{planned['plan_id']}")).contents[0].text
    secrets = ("hook-secret-value-123", "sandbox-webhook-secret", BOT_SECRET, "9d8c7b6a5f4e3d2c1b0a99887766554f",
               "0f1e2d3c4b5a69788796a5b4c3d2e1f0")
    text = json.dumps([doc, diff, planned]) + shown
    assert not [s for s in secrets if s in text]
    assert planned["secrets"]["names"] == {"step1.secret_key": "webhook chat_deactivated https://example.com/new-hook"}
    assert '"$secret": "step1.secret_key"' in shown or '"$secret":"step1.secret_key"' in shown


async def test_policy_export_under_read_only_plan_refused_hidden_kinds_left_out(make_server, loopback, tmp_path):
    doc = await export(make_server, loopback)  # the default policy is read-only
    assert "groups" in doc and "omitted" not in doc
    path = tmp_path / "license.json"
    path.write_text(dumps(doc))
    refused = cli(loopback, "plan", str(path))
    assert refused.returncode == 1 and "not available under this policy" in refused.stderr
    policy = tmp_path / "policy.toml"
    policy.write_text('toolsets = ["groups", "agents", "tags"]\n')
    narrow = await export(make_server, loopback, policy=str(policy))
    assert {"groups", "agents", "tags"} <= set(narrow) and "webhooks" not in narrow and "bots" not in narrow
    assert "toolsets" in narrow["omitted"]["webhooks.registered"] and "list_bots" in narrow["omitted"]["bots"]
    # A bot in a group is then kept by its id (its name cannot be read), never dropped.
    general = next(g for g in narrow["groups"] if g["name"] == "General")
    assert general["other_members"] == {"5c9871d5372c824cbf22d860a707a578": "first"}


async def test_export_reads_each_list_once_through_the_pipeline(make_server, loopback, tmp_path):
    audit = tmp_path / "audit.jsonl"
    loopback.sandbox.requests.clear()
    async with make_server(env=loopback.env(), audit_log=str(audit)) as s:
        await call(s, "export_config", {})
    actions = [r["action"] for r in loopback.requests()]
    assert sorted(a for a in actions if a != "get_bot") == sorted({a for a in actions if a != "get_bot"})
    assert actions.count("get_bot") == 2  # this client's two bots: default_group_priority
    lines = [json.loads(line) for line in audit.read_text().splitlines()]
    assert sorted(line["tool"] for line in lines if line["tool"] != "export_config") == sorted(actions)


async def test_a_group_with_a_bot_among_its_members_converges(make_server, loopback):
    doc = await export(make_server, loopback)
    general = loopback.sandbox.state.groups[0]["agent_priorities"]
    await api(loopback, "update_group", {"id": 0, "agent_priorities": {k: v for k, v in general.items()
                                                                         if k != "jane@example.com"}})
    async with make_server(env=loopback.env(), overrides=WRITE) as s:
        planned = await call(s, "plan_config", {"document": doc})
        shown = (await s.client.read_resource(f"livechat://plans/{planned['plan_id']}")).contents[0]
        plan = json.loads(unlabel(shown.text))  # type: ignore[union-attr]
        assert plan["steps"][0]["body"]["agent_priorities"]["5c9871d5372c824cbf22d860a707a578"] == "first"
        assert "warnings" not in plan["steps"][0], plan["steps"][0]  # the bot is a member, not a missing agent
        report = await call(s, "apply_plan", {"plan_id": planned["plan_id"], "mac": planned["mac"]})
        assert report["status"] == "completed", report
        assert (await call(s, "diff_config", {"document": doc}))["differs"] is False


async def test_the_config_resource_is_the_export(make_server, loopback):
    async with make_server(env=loopback.env()) as s:
        listed = [str(r.uri) for r in (await s.client.list_resources()).resources]
        [content] = (await s.client.read_resource("livechat://config")).contents
        exported = await call(s, "export_config", {})
    assert "livechat://config" in listed
    assert json.loads(unlabel(content.text)) == exported  # type: ignore[union-attr]


def test_sandbox_seed_serves_the_document_on_loopback(loopback, tmp_path):
    from conftest import free_port, stop_process

    doc = {"kind": "livechat-mcp/config", "schema_version": 1,
           "groups": [{"name": "Main", "default": True, "agents": {"boss@seeded.example": "normal"}},
                      {"name": "Nights", "language_code": "de"}],
           "agents": [{"id": "boss@seeded.example", "name": "Boss", "role": "owner"}],
           "tags": [{"name": "night-shift", "groups": ["Nights"]}]}
    path = tmp_path / "seed.json"
    path.write_text(json.dumps(doc))
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIVECHAT_")}
    proc = subprocess.Popen([sys.executable, "-m", "server.doors.cli", "sandbox", "--seed", str(path), "--port",
                             str(port)], env=env, stderr=subprocess.PIPE, text=True)
    try:
        url = f"http://127.0.0.1:{port}/v3.6/configuration/action/"
        headers = {"Authorization": "Bearer dal:sandbox-app-token"}
        for _ in range(300):
            try:
                tags = httpx.post(url + "list_tags", json={}, headers=headers, timeout=1).json()
                break
            except httpx.HTTPError:
                import time

                time.sleep(0.1)
        groups = httpx.post(url + "list_groups", json={}, headers=headers, timeout=5).json()
    finally:
        stop_process(proc)
    assert [(g["id"], g["name"]) for g in groups] == [(0, "Main"), (1, "Nights")]
    assert [(t["name"], t["group_ids"]) for t in tags] == [("night-shift", [1])]
    assert f"holds {path}" in (proc.stderr.read() if proc.stderr else "")


async def test_auto_access_rules_come_back_in_their_order_and_progress_is_reported(make_server, loopback):
    async with make_server(env=loopback.env()) as s:
        seen: list[str] = []

        async def progress(done: float, total: float | None, message: str | None) -> None:
            seen.append(message or "")

        result = await s.client.call_tool("export_config", {}, progress_callback=progress)
        doc = tool_payload(result)
    assert "read list_groups" in seen and len(seen) >= 12  # one notification per read
    first, second, third = doc["ids"]["auto_access"]
    # A colleague reorders the rules (the last goes first), edits one and adds another at the end.
    await api(loopback, "update_auto_access", {"id": third, "next_id": first})
    await api(loopback, "update_auto_access", {"id": second, "description": "Pricing visitors"})
    await api(loopback, "add_auto_access", {"access": {"groups": [2]}, "conditions": {"domain": {"values": [
        {"value": "example.org"}]}}, "description": "Extra"})
    async with make_server(env=loopback.env(), overrides=WRITE) as s:
        diff = await call(s, "diff_config", {"document": doc})
        assert {(c["object"], c["change"]) for c in diff["changes"]} == {
            ('auto access rule "Pricing page visitors to Sales"', "changed"),
            ('auto access rule "Extra"', "deleted"), ("the order of the auto access rules", "changed")}
        planned = await call(s, "plan_config", {"document": doc, "prune": True})
        report = await call(s, "apply_plan", {"plan_id": planned["plan_id"], "mac": planned["mac"]})
        assert report["status"] == "completed", report
        assert (await call(s, "diff_config", {"document": doc}))["differs"] is False
    assert [r["id"] for r in loopback.sandbox.state.auto_accesses] == [first, second, third]


async def test_a_failed_read_fails_the_export_rather_than_leaving_a_kind_out(loopback, tmp_path):
    async with httpx.AsyncClient(base_url=loopback.url) as http:
        await http.post("/_sandbox/faults", json={"action": "list_tags", "kind": "status", "status": 403,
                                                  "error_type": "authorization", "message": "Missing scope: tags--all:ro",
                                                  "count": 5})
    out = tmp_path / "backup.json"
    done = cli(loopback, "export", "-o", str(out))
    assert done.returncode == 1 and "list_tags" in done.stderr and "authorization" in done.stderr
    assert not out.exists()  # no half backup


async def test_two_groups_of_one_name_are_refused_naming_them(make_server, loopback):
    await api(loopback, "create_group", {"name": "Sales", "agent_priorities": {}})  # a second "Sales" (id 20)
    async with make_server(env=loopback.env()) as s:
        result = await s.client.call_tool("export_config", {})
        narrow = await call(s, "export_config", {"kinds": ["agents"]})  # a kind that names no group still exports
    error = tool_payload(result)["error"]
    assert result.is_error and error["type"] == "ambiguous"
    assert "Sales (ids 1, 20)" in error["message"] and "--kinds" in error["message"]
    assert "agents" in narrow and "groups" not in narrow
