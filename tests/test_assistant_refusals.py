"""Refusals address the person who reads them (issue 23, item 2): every rule that refuses a call is
named, and the fix is the door that person has: the flag at the CLI, the ``args`` of the client
configuration for a desktop app over stdio, and for a signed-in person on a hosted deployment what
their role and the operator's policy allow and whom to ask, never a flag."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import mcp_types as types
import pytest
from mcp import Client, StdioServerParameters

from server.policies import Policy, PolicyContext
from server.policies.audience import Change, DesktopClient, HostedPerson, HttpServer, Refusal, Terminal
from server.sandbox import APP_TOKEN
from server.tools import catalog
from tests.conftest import tool_payload
from tests.hosted import Hosted, connect, hosted, sdk_auth
from tests.test_http_security import clean_env, cli

pytestmark = pytest.mark.anyio

DELETE = ("delete_tag", {"name": "sales"})  # refused by allow_destructive under --allow-writes


def without_scopes(text: str) -> str:
    """The text without scope names (tags--all:rw), whose double dash is no flag."""
    return re.sub(r"[\w.]+--[\w.]+:\w+", "", text)


def fix(audience: Any, policy: Policy, name: str, scopes: frozenset[str] | None = None) -> tuple[list[str], str]:
    decision = PolicyContext.create(policy, scopes, "the token's scopes", audience).decide(catalog()[name])
    assert not decision.allowed
    return decision.rules, decision.fix


# --- every rule, one fix ------------------------------------------------------------------------------


async def test_read_only_names_the_mode_beside_the_missing_scope(make_server):
    """The sandbox's app token lacks approve_agent's private scopes: the read-only mode that would
    refuse it next is named too, and one fix covers both."""
    async with make_server(sandbox=True, env={"LIVECHAT_SANDBOX_TOKEN": APP_TOKEN}) as s:
        result = await s.client.call_tool("approve_agent", {"id": "awaiting@example.com"})
    error = tool_payload(result)["error"]
    assert error["rule"] == "scopes" and error["rules"] == ["scopes", "mode"]
    assert "read-only" in error["message"] and "LIVECHAT_SANDBOX_TOKEN" in error["message"]
    # The one scope the app token lacks (it holds the others), beside the flag.
    assert "--allow-writes" in error["how_to_allow"] and "holds subscription.lc:rw (" in error["how_to_allow"]


def test_one_fix_lifts_every_rule_at_once():
    rules, text = fix(Terminal(), Policy(toolsets=["agents"]), "delete_tag")
    assert rules == ["toolsets", "mode", "allow_destructive"]
    assert "run with --toolsets agents,tags --allow-writes --allow-destructive" in text
    assert "--confirm destructive" in text  # the other way: ask a person before each one


def test_a_policy_file_is_edited_not_widened_by_flags(tmp_path: Path):
    policy = str(tmp_path / "team.toml")
    rules, text = fix(Terminal(policy=policy), Policy(mode="read-write", deny_tools=["delete_tag"]), "delete_tag")
    assert rules == ["deny_tools", "allow_destructive"]
    assert text.startswith(f"in the policy file {policy}: ") and "remove 'delete_tag' from deny_tools" in text
    assert "allow_destructive = true" in text and "run with" not in text  # flags cannot widen a file
    _, preset = fix(Terminal(policy="read-only"), Policy(), "create_tag")
    assert "the preset 'read-only' does not allow it" in preset and 'mode = "read-write"' in preset


def test_desktop_args_keep_the_others_and_drop_what_contradicts():
    desktop = DesktopClient(args=("--sandbox", "--dry-run"), command=("/opt/lc/bin/livechat-mcp",), client="cursor")
    why = [Refusal("mode", "applying needs read-write", Change("mode", "read-write", "apply_plan", "dry-run"))]
    text = desktop.fix(why)
    assert 'set this server\'s "args" to ["--sandbox", "--allow-writes"]' in text
    assert "~/.cursor/mcp.json" in text and "`livechat-mcp config cursor --sandbox --allow-writes`" in text
    # Run as `python -m server.doors.cli`, the entry's args start with the module, as `config` prints them.
    module = DesktopClient(args=("--toolsets", "agents"), command=("/usr/bin/python3", "-m", "server.doors.cli"))
    _, text = fix(module, Policy(toolsets=["agents"]), "list_tags")
    assert '["-m", "server.doors.cli", "--toolsets", "agents,tags"]' in text
    assert "claude|cursor|vscode" in text  # the client has not said who it is


def test_hosted_fixes_name_whom_to_ask_and_never_a_flag():
    person = HostedPerson(role="normal", write_roles=frozenset({"owner"}), operator="IT desk (it@acme.example)")
    for policy, name in ((Policy(), "create_tag"), (Policy(mode="read-write"), "delete_tag"),
                         (Policy(mode="read-write", toolsets=["agents"]), "list_tags")):
        _, text = fix(person, policy, name, frozenset({"tags--all:ro"}))
        assert "IT desk (it@acme.example)" in text and "--" not in without_scopes(text), text
        assert "args" not in text and "policy file" not in text
    _, text = fix(person, Policy(mode="read-write"), "create_tag", frozenset({"tags--all:ro"}))
    assert "your LiveChat account does not have the scope tags--all:rw" in text and "an owner of the license" in text


def test_an_approval_refusal_names_who_may_approve():
    """Rules no setting of this server lifts say who can, in every door alike (approvals: issue 28)."""
    why = [Refusal("approval", "the plan needs a second person's approval",
                   ask="ask an owner other than you (anna@acme.example, ben@acme.example) to approve it")]
    for audience in (Terminal(), DesktopClient(), HttpServer(), HostedPerson()):
        assert "anna@acme.example" in audience.fix(why)


# --- the same refused call through each door ----------------------------------------------------------


def test_cli_names_the_flag():
    done = subprocess.run([*cli(), "call", *DELETE[:1], json.dumps(DELETE[1]), "--sandbox", "--allow-writes"],
                          env=clean_env(), capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    error = json.loads(done.stdout)["error"]
    assert error["rule"] == "allow_destructive"
    assert error["how_to_allow"].startswith("run with --allow-destructive")
    assert "args" not in error["how_to_allow"]


async def test_stdio_from_a_desktop_app_names_the_args_of_its_configuration():
    params = StdioServerParameters(command=cli()[0], args=[*cli()[1:], "--sandbox", "--allow-writes"], env=clean_env())
    async with Client(params, client_info=types.Implementation(name="claude-ai", version="1.0")) as client:
        result = await client.call_tool(DELETE[0], DELETE[1])
        planless = await client.call_tool("get_plan", {})
    text = tool_payload(result)["error"]["how_to_allow"]
    assert 'set this server\'s "args" to ' in text and "claude_desktop_config.json" in text
    assert '"--sandbox", "--allow-writes", "--allow-destructive"]' in text
    assert "`livechat-mcp config claude --sandbox --allow-writes --allow-destructive`" in text
    assert "restart the client" in text and "run with" not in text
    # A meta tool the policy does not make available is the same door: get_plan needs --dry-run.
    plan_fix = tool_payload(planless)["error"]["how_to_allow"]
    assert '"--sandbox", "--dry-run"]' in plan_fix and "--allow-writes" not in plan_fix


@pytest.fixture(scope="module")
def served() -> Iterator[Hosted]:
    with hosted("--allow-writes", LIVECHAT_MCP_CONTACT="the IT desk (it@acme.example)") as h:
        yield h


async def test_hosted_names_the_operators_policy_and_whom_to_ask(served: Hosted):
    answers = {}
    for email in ("owner@example.com", "john@example.com"):  # every scope; read scopes only
        provider, _, _ = sdk_auth(served, email, name=f"client of {email}")
        http, client = connect(served, provider)
        async with http, client:
            answers[email] = tool_payload(await client.call_tool(*DELETE))["error"]
    owner, agent = answers["owner@example.com"], answers["john@example.com"]
    assert owner["rule"] == "allow_destructive" and "rules" not in owner
    assert agent["rules"] == ["scopes", "allow_destructive"]
    for error in (owner, agent):
        text = error["how_to_allow"]
        assert "does not allow destructive actions" in text and "the IT desk (it@acme.example)" in text
        assert "--" not in without_scopes(text) and "args" not in text, text
    assert "your LiveChat account does not have the scope tags--all:rw" in agent["how_to_allow"]
