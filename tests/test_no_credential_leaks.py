"""No output of the process ever carries the credential: CLI stdout/stderr, the audit log, tool
results, plans, a stdio session's stderr, and errors in which the upstream echoes the token."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters, stdio_client

from tests.conftest import tool_payload

pytestmark = pytest.mark.anyio

TOKEN = "dal:SECRET-TOKEN-abcdef123456"
ACCOUNT = "acct-leak-0001"
PAT = "PAT-SECRET-zyxw987654321"
BASIC = base64.b64encode(f"{ACCOUNT}:{PAT}".encode()).decode()
BEARER_SECRETS = (TOKEN, "SECRET-TOKEN-abcdef123456")
PAT_SECRETS = (PAT, BASIC)


def cli() -> list[str]:
    exe = shutil.which("livechat-mcp")
    return [exe] if exe else [sys.executable, "-m", "server.doors.cli"]


def register(loopback: Any) -> None:
    with httpx.Client() as http:
        http.post(f"{loopback.url}/_sandbox/credentials", json={"name": "leak-bearer", "secret": TOKEN}).raise_for_status()
        http.post(f"{loopback.url}/_sandbox/credentials",
                  json={"name": "leak-pat", "kind": "pat", "secret": PAT, "account_id": ACCOUNT}).raise_for_status()


def echo_fault(loopback: Any, action: str, secret: str) -> None:
    """The upstream answers with the credential in its error message and data."""
    with httpx.Client() as http:
        http.post(f"{loopback.url}/_sandbox/faults", json={
            "action": action, "kind": "status", "status": 400, "error_type": "validation",
            "message": f"bad request from {secret}", "data": {"echo": secret},
        }).raise_for_status()


def env_for(loopback: Any, kind: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIVECHAT_")}
    env.update(LIVECHAT_API_URL=loopback.url, LIVECHAT_ACCOUNTS_URL=loopback.url)
    if kind == "bearer":
        env["LIVECHAT_ACCESS_TOKEN"] = TOKEN
    else:
        env.update(LIVECHAT_ACCOUNT_ID=ACCOUNT, LIVECHAT_PAT=PAT)
    return env


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*cli(), *args], env=env, capture_output=True, text=True, timeout=60)


def assert_clean(text: str, secrets: tuple[str, ...]) -> None:
    for secret in secrets:
        assert secret not in text, f"credential {secret[:8]}... leaked"


@pytest.mark.parametrize("kind", ["bearer", "pat"])
def test_cli_call_outputs_and_audit_log_never_carry_the_credential(loopback, tmp_path: Path, kind: str) -> None:
    register(loopback)
    secrets = BEARER_SECRETS if kind == "bearer" else PAT_SECRETS
    secret = TOKEN if kind == "bearer" else PAT
    env = env_for(loopback, kind)
    audit = tmp_path / "audit.jsonl"
    echo_fault(loopback, "list_tags", secret)
    runs = [
        run(env, "call", "list_agents", "--audit-log", str(audit)),
        run(env, "call", "list_tags", "--audit-log", str(audit)),  # upstream echoes the credential
        run(env, "call", "create_tag", '{"name": "planned"}', "--dry-run", "--allow-writes", "--audit-log", str(audit)),
    ]
    if kind == "bearer":
        runs += [
            run(env, "call", "create_tag", '{"name": "leak-check"}', "--allow-writes", "--audit-log", str(audit)),
            run(env, "call", "get_agent", '{"id": "nobody@example.com"}', "--audit-log", str(audit)),
        ]
        assert runs[3].returncode == 0, runs[3].stderr
        assert runs[4].returncode == 1 and "not_found" in runs[4].stdout, runs[4].stdout + runs[4].stderr
    # the calls really happened, with this credential
    assert runs[0].returncode == 0, runs[0].stderr
    assert json.loads(runs[0].stdout)
    assert runs[1].returncode == 1 and "bad request from" in runs[1].stdout, runs[1].stdout + runs[1].stderr
    assert "redacted credential" in runs[2].stdout, runs[2].stdout + runs[2].stderr  # a marker instead
    expected = "leak-bearer" if kind == "bearer" else "leak-pat"
    assert {r.get("credential") for r in loopback.requests()} == {expected}, loopback.requests()
    log = audit.read_text()
    lines = [json.loads(line) for line in log.splitlines()]
    # One line per call, plus the lifecycle line of the plan the dry-run stored (call --dry-run keeps it).
    assert [line["tool"] for line in lines if not line["tool"].startswith("plan/")] == [
        "list_agents", "list_tags", "create_tag", *(["create_tag", "get_agent"] if kind == "bearer" else [])], log
    assert [line["tool"] for line in lines if line["tool"].startswith("plan/")] == ["plan/stored"], log
    for proc in runs:
        assert_clean(proc.stdout + proc.stderr, secrets)
    assert_clean(log, secrets)


def test_bad_credential_error_does_not_echo_it(loopback) -> None:
    env = env_for(loopback, "bearer")  # not registered: LiveChat answers authentication
    proc = run(env, "call", "list_agents")
    assert proc.returncode == 1 and "authentication" in proc.stdout
    assert_clean(proc.stdout + proc.stderr, BEARER_SECRETS)


async def test_stdio_session_plan_and_apply_never_carry_the_credential(loopback, tmp_path: Path) -> None:
    register(loopback)
    env = env_for(loopback, "bearer")
    audit = tmp_path / "audit.jsonl"
    errlog_path = tmp_path / "stderr.txt"
    echo_fault(loopback, "list_tags", TOKEN)
    exe, *pre = cli()
    params = StdioServerParameters(
        command=exe, args=[*pre, "--dry-run", "--allow-writes", "--audit-log", str(audit)], env=env
    )
    texts: list[str] = []
    with errlog_path.open("w") as errlog:
        async with Client(stdio_client(params, errlog=errlog), mode="legacy") as client:
            listed = await client.call_tool("list_agents", {})
            assert not listed.is_error
            echoed = await client.call_tool("list_tags", {})
            assert echoed.is_error and "bad request from" in echoed.content[0].text
            for name in ("leak-one", "leak-two"):
                planned = await client.call_tool("create_tag", {"name": name})
                assert tool_payload(planned)["planned"] is True
                texts.append(planned.content[0].text)
            plan = await client.call_tool("get_plan", {"requests": True})
            texts += [listed.content[0].text, echoed.content[0].text, plan.content[0].text]
    doc = tool_payload(plan)
    assert doc["summary"]["steps"] == 2
    assert all(r["headers"]["Authorization"] for r in doc["requests"])
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(json.dumps(doc))
    applied = run(env, "apply", str(plan_file), "--allow-writes", "--audit-log", str(audit))
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert json.loads(applied.stdout)["status"] == "completed"
    everything = "\n".join([*texts, errlog_path.read_text(), audit.read_text(), applied.stdout, applied.stderr])
    assert_clean(everything, BEARER_SECRETS)
    assert_clean(plan_file.read_text(), BEARER_SECRETS)


async def test_apply_plan_tool_error_with_echoed_token_is_scrubbed(loopback, make_server) -> None:
    register(loopback)
    echo_fault(loopback, "create_tag", TOKEN)
    async with make_server(policy="full-access", env=loopback.env(TOKEN)) as s:
        from server.plans.document import Plan
        from server.tools import catalog

        doc = Plan()

        doc.add(catalog()["create_tag"], {"name": "echoed"})
        document = doc.document(s.runtime.client, 50, await s.runtime.store.shared_secret("plan-mac"))
        result = await s.client.call_tool("apply_plan", {"plan": document})
    text = result.content[0].text
    assert result.is_error and "bad request from" in text
    assert_clean(text, BEARER_SECRETS)
