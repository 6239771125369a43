"""Handing a plan from the chat to a person survives copy and paste (issue 28, item 3):
`livechat-mcp apply` takes a stored plan's id, a file, or get_plan's answer as a client showed it
(the untrusted-data label and what else surrounds it removed); the MAC decides whether it is the
reviewed plan. `--sandbox` keeps plans in the default store, so review and apply can be two commands."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from conftest import Loopback, free_port, stop_process, tool_payload
from redis_server import RedisServer, redis_server
from server.plans.document import KIND, PlanError
from server.plans.handover import read_plan_text
from server.policies import Overrides
from server.safety.untrusted import label

pytestmark = pytest.mark.anyio

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / "tools" / "node_modules" / ".bin"
INSPECTOR = BIN / "mcp-inspector"
DRY = Overrides(dry_run=True)
PLAN = {"kind": KIND, "schema_version": 1, "steps": [{"step": 1, "action": "create_tag", "body": {"name": "x"}}],
        "mac": "hmac-sha256:00"}


def env_for(loopback: Loopback | None = None) -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("LIVECHAT_")} | (loopback.env() if loopback else {})


def cli(env: dict[str, str], *args: str, stdin: str | None = None) -> tuple[subprocess.CompletedProcess[str], Any]:
    done = subprocess.run([sys.executable, "-m", "server.doors.cli", *args], env=env, input=stdin,
                          capture_output=True, text=True, timeout=120)
    assert "Traceback" not in done.stderr, done.stderr
    return done, json.loads(done.stdout) if done.stdout.strip().startswith("{") else None


# --- reading pasted text ---------------------------------------------------------------------------


@pytest.mark.parametrize("shown", [
    pytest.param(lambda doc: json.dumps(doc), id="as-is"),
    pytest.param(lambda doc: label(json.dumps(doc, separators=(",", ":"))), id="labelled"),
    pytest.param(lambda doc: "\n  " + label(json.dumps(doc)).replace("\n", "\r\n") + "  \n", id="crlf-and-spaces"),
    pytest.param(lambda doc: label(json.dumps(doc)).split("\n", 1)[1], id="label-line-not-copied"),
    pytest.param(lambda doc: "1 step: create tag x.\n\n" + label(json.dumps(doc, indent=2)), id="after-a-sentence"),
    pytest.param(lambda doc: "Here is the plan: " + json.dumps(doc), id="same-line"),
    pytest.param(lambda doc: "```json\n" + json.dumps(doc, indent=2) + "\n```", id="code-fence"),
    pytest.param(lambda doc: json.dumps({"content": [{"type": "text", "text": label(json.dumps(doc))}],
                                         "isError": False}, indent=2), id="whole-tool-result"),
])
def test_the_plan_is_found_in_what_a_client_showed(shown):
    assert read_plan_text(shown(PLAN)) == PLAN


def test_a_summary_names_the_stored_plan_and_broken_text_says_what_is_wrong():
    summary = {"headline": "1 step", "plan_id": "0123456789abcdef", "mac": "hmac-sha256:ab", "summary": {}}
    assert read_plan_text(label(json.dumps(summary))) == summary
    cut = label(json.dumps(PLAN))[:-60]  # the copy stopped short
    with pytest.raises(PlanError, match=r"not complete JSON.*cut off"):
        read_plan_text(cut)
    with pytest.raises(PlanError, match="no plan document found"):
        read_plan_text('{"kind": "something else"}')
    with pytest.raises(PlanError, match="empty"):
        read_plan_text("  \n")
    with pytest.raises(PlanError, match="MAX_DOCUMENT_DEPTH"):
        read_plan_text(f'{{"kind": "{KIND}", "steps": {"[" * 100_000}0{"]" * 100_000}}}')


# --- a real client's answer, copied -------------------------------------------------------------------


def _inspector(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**env_for(), "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}", "HOME": os.environ.get("HOME", "/tmp")}
    return subprocess.run([str(INSPECTOR), "--cli", url, "--transport", "http", "--method", "tools/call", *args],
                          env=env, capture_output=True, text=True, timeout=120, cwd=ROOT)


@pytest.fixture
def dry_run_server(loopback: Loopback, tmp_path: Path) -> Iterator[tuple[str, RedisServer]]:
    """A dry-run HTTP server on a Redis store: session-less, so each Inspector run (one call each)
    reaches the same working plan, as one chat's calls do."""
    if not INSPECTOR.exists():
        if os.environ.get("LIVECHAT_MCP_REQUIRE_NODE_TOOLS") == "1":
            pytest.fail(f"{INSPECTOR} is not installed (run `npm ci` in tools/)")
        pytest.skip("mcp-inspector not installed: run `npm ci` in tools/")
    with redis_server(tmp_path) as redis:
        port = free_port()
        proc = subprocess.Popen([sys.executable, "-m", "server.doors.cli", "--dry-run", "--transport", "http",
                                 "--port", str(port), "--store", redis.url], env=env_for(loopback),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        url = f"http://127.0.0.1:{port}/mcp"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=0.5).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert time.monotonic() < deadline and proc.poll() is None, "the server did not start"
                time.sleep(0.1)
            yield url, redis
        finally:
            stop_process(proc)


def test_the_plan_text_copied_from_a_real_clients_answer_applies_and_a_changed_copy_does_not(
        loopback: Loopback, dry_run_server: tuple[str, RedisServer]):
    url, redis = dry_run_server
    for args in (["--tool-name", "create_tag", "--tool-arg", "name=pasted-tag"],
                 ["--tool-name", "update_agent", "--tool-arg", "id=jane@example.com", "--tool-arg", "job_title=Pasted"]):
        planned = _inspector(url, *args)
        assert planned.returncode == 0 and '\\"planned\\":true' in planned.stdout, planned.stdout + planned.stderr
    shown = _inspector(url, "--tool-name", "get_plan")
    assert shown.returncode == 0, shown.stderr
    text = json.loads(shown.stdout)["content"][0]["text"]  # what the person sees and copies
    assert "<untrusted-data-" in text.splitlines()[1]  # labelled: its checks quote the license
    loopback.planned()
    env = env_for(loopback)

    # One character changed inside the reviewed steps: refused, nothing sent.
    at = text.index('"job_title":"Pasted"', text.index('"steps":'))
    changed = text[:at] + text[at:].replace("Pasted", "Pastes", 1)
    refused, report = cli(env, "apply", "-", "--allow-writes", "--store", redis.url, stdin=changed)
    assert refused.returncode == 1 and report["error"]["rule"] == "plan_edited", refused.stderr
    assert loopback.writes() == []

    applied, report = cli(env, "apply", "-", "--allow-writes", "--store", redis.url, stdin=text)
    assert applied.returncode == 0 and report["status"] == "completed", applied.stderr
    assert [r["action"] for r in loopback.writes()] == ["create_tag", "update_agent"]
    assert loopback.sandbox.state.agents["jane@example.com"]["job_title"] == "Pasted"

    # The Inspector's whole printed answer, pasted: the same plan (same MAC), already applied.
    again, report = cli(env, "apply", "-", "--allow-writes", "--store", redis.url, stdin=shown.stdout)
    assert again.returncode == 0 and report["status"] == "already_applied"
    assert [r["action"] for r in loopback.writes()] == ["create_tag", "update_agent"]


# --- ids, summaries and the sandbox's store ----------------------------------------------------------


async def test_an_id_or_a_pasted_summary_applies_the_stored_plan(make_server, loopback, tmp_path: Path):
    async with make_server(env=loopback.env(), overrides=DRY) as s:
        await s.client.call_tool("create_tag", {"name": "by-id"})
        by_id = tool_payload(await s.client.call_tool("get_plan", {"view": "summary"}))
        await s.client.call_tool("clear_plan", {})
        await s.client.call_tool("create_tag", {"name": "by-summary"})
        summary = (await s.client.call_tool("get_plan", {"view": "summary"})).content[0].text
    loopback.planned()
    env = env_for(loopback)
    applied, report = cli(env, "apply", by_id["plan_id"], "--allow-writes")
    assert applied.returncode == 0 and report["status"] == "completed", applied.stderr
    path = tmp_path / "answer.txt"
    path.write_text(summary)
    applied, report = cli(env, "apply", str(path), "--allow-writes")
    assert applied.returncode == 0 and report["status"] == "completed", applied.stderr
    assert {"by-id", "by-summary"} <= set(loopback.sandbox.state.tags)
    forged = summary.replace(json.loads(label_free(summary))["mac"][-6:], "000000")
    refused, _ = cli(env, "apply", "-", "--allow-writes", stdin=forged)
    assert refused.returncode == 1 and "mac given is not the stored plan's" in refused.stderr
    unknown, _ = cli(env, "apply", "0123456789abcdef", "--allow-writes")
    assert unknown.returncode == 1 and "no stored plan" in unknown.stderr
    neither, _ = cli(env, "apply", "no-such-file.json", "--allow-writes")
    assert neither.returncode == 2 and "neither a file nor a stored plan" in neither.stderr
    assert [r["action"] for r in loopback.writes()] == ["create_tag", "create_tag"]


def label_free(text: str) -> str:
    from server.safety.untrusted import unlabel

    return unlabel(text)


def test_a_sandbox_plan_made_in_one_command_is_applied_by_another(tmp_path: Path):
    env = {**env_for(), "XDG_STATE_HOME": str(tmp_path / "state")}
    planned = subprocess.run([sys.executable, "-m", "server.doors.cli", "call", "create_tag", '{"name": "later"}',
                              "--sandbox", "--dry-run"], env=env, capture_output=True, text=True, timeout=120)
    assert planned.returncode == 0, planned.stderr
    pid = planned.stderr.split("stored as ", 1)[1].split(":", 1)[0]
    assert f"`livechat-mcp plans apply {pid} --sandbox --allow-writes`" in planned.stderr
    listed = subprocess.run([sys.executable, "-m", "server.doors.cli", "plans", "list", "--sandbox"], env=env,
                            capture_output=True, text=True, timeout=120)
    assert pid in listed.stdout, listed.stdout + listed.stderr
    applied, report = cli(env, "apply", pid, "--sandbox", "--allow-writes")
    assert applied.returncode == 0 and report["status"] == "completed", applied.stderr
    assert report["steps"][0]["action"] == "create_tag"


def test_the_command_a_planned_delete_prints_applies_it_as_printed(tmp_path: Path):
    """`call --dry-run` names the commands that show and apply its stored plan: a delete's needs
    --allow-destructive, and a --store given is named too, so the printed line works as it is."""
    store = f"sqlite://{tmp_path / 'plans.db'}"
    env = {**env_for(), "XDG_STATE_HOME": str(tmp_path / "state")}
    planned = subprocess.run([sys.executable, "-m", "server.doors.cli", "call", "delete_tag", '{"name": "sales"}',
                              "--sandbox", "--dry-run", "--allow-destructive", "--store", store],
                             env=env, capture_output=True, text=True, timeout=120)
    assert planned.returncode == 0, planned.stderr
    pid = planned.stderr.split("stored as ", 1)[1].split(":", 1)[0]
    show, apply = re.findall(r"`livechat-mcp ([^`]+)`", planned.stderr)
    assert apply == f"plans apply {pid} --sandbox --allow-writes --allow-destructive --store {store}"
    shown, doc = cli(env, *shlex.split(show))
    assert shown.returncode == 0 and doc["plan_id"] == pid and doc["lifecycle"]["state"] == "stored", shown.stderr
    applied, report = cli(env, *shlex.split(apply))
    assert applied.returncode == 0 and report["status"] == "completed", applied.stderr
    assert report["steps"][0]["action"] == "delete_tag" and report["lifecycle"]["state"] == "applied"


def test_a_plan_with_a_secret_names_the_secrets_file_its_command_needs_and_plans_apply_takes_it(tmp_path: Path):
    """A plan carries a secret's placeholder, never its value: the printed command says --secrets
    SECRETS.json (get_plan's next.how says what it holds) and `plans apply` accepts it."""
    store = f"sqlite://{tmp_path / 'plans.db'}"
    env = {**env_for(), "XDG_STATE_HOME": str(tmp_path / "state")}
    hook = {"url": "https://example.com/hook", "action": "incoming_chat", "secret_key": "s3cret-webhook-key",
            "owner_client_id": "sandbox0client0id0000000000000000", "type": "license"}
    planned = subprocess.run([sys.executable, "-m", "server.doors.cli", "call", "register_webhook", json.dumps(hook),
                              "--sandbox", "--dry-run", "--store", store],
                             env=env, capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert planned.returncode == 0, planned.stderr
    pid = planned.stderr.split("stored as ", 1)[1].split(":", 1)[0]
    show, apply = re.findall(r"`livechat-mcp ([^`]+)`", planned.stderr)
    assert apply == f"plans apply {pid} --sandbox --allow-writes --secrets SECRETS.json --store {store}"
    assert "--secrets" not in show
    (tmp_path / "SECRETS.json").write_text(json.dumps({"step1.secret_key": hook["secret_key"]}))
    applied = subprocess.run([sys.executable, "-m", "server.doors.cli", *shlex.split(apply)], env=env,
                             capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert applied.returncode == 0 and json.loads(applied.stdout)["status"] == "completed", applied.stderr
    assert hook["secret_key"] not in applied.stdout + applied.stderr + planned.stdout + planned.stderr


def test_plans_apply_takes_the_switches_its_refusals_name(tmp_path: Path):
    """`plans apply` is `apply` by id: a step the checks expect to fail is refused, naming
    --send-expected-failures, and that switch (with --other-target, described) is accepted there too."""
    store = f"sqlite://{tmp_path / 'plans.db'}"
    env = {**env_for(), "XDG_STATE_HOME": str(tmp_path / "state")}
    common = ["--sandbox", "--allow-destructive", "--store", store]
    planned = subprocess.run([sys.executable, "-m", "server.doors.cli", "call", "delete_tag", '{"name": "no such tag"}',
                              "--dry-run", *common], env=env, capture_output=True, text=True, timeout=120)
    assert planned.returncode == 0, planned.stderr
    pid = planned.stderr.split("stored as ", 1)[1].split(":", 1)[0]
    refused, report = cli(env, "plans", "apply", pid, "--allow-writes", *common)
    assert refused.returncode == 1 and report["steps"][0]["error"]["rule"] == "expected_error"
    assert "--send-expected-failures" in report["steps"][0]["error"]["how_to_allow"]
    sent, report = cli(env, "plans", "apply", pid, "--allow-writes", "--send-expected-failures", *common)
    assert report is not None, sent.stderr
    assert report["steps"][0]["status"] == "failed" and report["steps"][0]["error"]["type"] == "not_found"
    helped, _ = cli(env, "plans", "--help")
    assert "--send-expected-failures" in helped.stdout and "another upstream/license" in helped.stdout


def test_a_plan_made_with_a_memory_store_gives_no_id_that_no_other_command_can_reach(tmp_path: Path):
    env = {**env_for(), "XDG_STATE_HOME": str(tmp_path / "state")}
    planned = subprocess.run([sys.executable, "-m", "server.doors.cli", "call", "create_tag", '{"name": "gone"}',
                              "--sandbox", "--dry-run", "--store", "memory://"],
                             env=env, capture_output=True, text=True, timeout=120)
    assert planned.returncode == 0 and json.loads(planned.stdout)["planned"] is True, planned.stderr
    assert "stored as" not in planned.stderr and "the plan ends with it" in planned.stderr
