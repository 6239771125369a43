"""Policies from the command line: malformed ones refuse to start; files, presets and env vars work."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from server.policies import Overrides
from server.tools import catalog

ROOT = Path(__file__).resolve().parent.parent


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIVECHAT_")}
    env.update(extra)
    return env


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "server.doors.cli", *args],
        cwd=ROOT, env=env if env is not None else clean_env(), capture_output=True, text=True, timeout=60,
    )


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


@pytest.mark.parametrize(
    ("name", "text", "needles"),
    [
        ("typo.toml", "read_only-true = true\n", ["unknown key", "read_only-true"]),
        ("deny.toml", 'deny_tools = ["delete_agents"]\n', ["deny_tools", "delete_agents", "matches no tool"]),
        ("scope.toml", 'scopes = ["agents:everything"]\n', ["unknown scope", "agents:everything"]),
        ("toolset.toml", 'toolsets = ["agent"]\n', ["unknown toolset", "agent"]),
        ("mode.toml", 'mode = "admin"\n', ["mode", "admin", "read-only"]),
        ("broken.toml", 'mode = "read-write\n', ["not valid TOML"]),
        ("broken.json", '{"mode": "read-write",}', ["not valid JSON"]),
        ("list.json", '["read-write"]', ["top level"]),
        ("dup.json", '{"mode": "read-only", "mode": "read-write"}', ["'mode'", "more than once"]),
        ("policy.yaml", "mode: read-write\n", ["policy.yaml", ".toml/.json"]),
        # approvals (issue 28): a malformed key refuses to start, naming the field and the fix
        ("zero.toml", 'mode = "read-write"\napprovals = {required = 0, approver_roles = ["owner"]}\n',
         ["approvals.required", "greater than or equal to 1"]),
        ("roles.toml", 'mode = "read-write"\napprovals = {required = 1, approver_roles = ["Owner", "boss"]}\n',
         ["approvals.approver_roles", "unknown role", "'boss'", "owner, viceowner, administrator, normal"]),
        ("noroles.toml", 'mode = "read-write"\napprovals = {required = 1}\n', ["approvals.approver_roles", "required"]),
        ("akey.toml", 'mode = "read-write"\n[approvals]\nrequired = 1\napprover_roles = ["owner"]\nrequierd = 2\n',
         ["unknown key 'approvals.requierd'", "required, approver_roles"]),
        ("astr.json", '{"mode": "read-write", "approvals": {"required": "1", "approver_roles": ["owner"]}}',
         ["approvals.required", "valid integer"]),
        ("anum.json", '{"mode": "read-write", "approvals": 1}', ["approvals must be a table"]),
        ("aro.toml", 'approvals = {required = 1, approver_roles = ["owner"]}\n', ["read-only", "nothing to approve"]),
    ],
)
def test_malformed_policy_refuses_to_start(tmp_path: Path, name: str, text: str, needles: list[str]) -> None:
    spec = write(tmp_path, name, text)
    proc = cli("tools", "--sandbox", "--policy", spec)
    assert proc.returncode != 0
    assert proc.stdout == ""  # no tool list: the server did not start
    for needle in needles:
        assert needle in proc.stderr, proc.stderr


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--policy", "read-only", "--allow-writes"], "--allow-writes"),
        (["--policy", "read-write", "--allow-destructive"], "--allow-destructive"),
        (["--policy", "agent-admin", "--toolsets", "tags"], "--toolsets"),
        (["--policy", "no-such-preset"], "neither a preset"),
        (["--policy", "missing.toml"], "does not exist"),
    ],
)
def test_bad_policy_arguments_refuse_to_start(args: list[str], needle: str) -> None:
    proc = cli("tools", "--sandbox", *args)
    assert proc.returncode != 0 and proc.stdout == ""
    assert needle in proc.stderr, proc.stderr


def test_widening_env_var_on_explicit_policy_refuses_to_start() -> None:
    proc = cli("tools", "--sandbox", env=clean_env(LIVECHAT_MCP_POLICY="read-only", LIVECHAT_MCP_ALLOW_WRITES="true"))
    assert proc.returncode != 0 and "--allow-writes" in proc.stderr


def test_invalid_boolean_env_var_refuses_to_start() -> None:
    proc = cli("tools", "--sandbox", env=clean_env(LIVECHAT_MCP_ALLOW_WRITES="sure"))
    assert proc.returncode != 0 and "LIVECHAT_MCP_ALLOW_WRITES" in proc.stderr


def tools_json(*args: str, env: dict[str, str] | None = None) -> set[str]:
    proc = cli("tools", "--json", "--sandbox", *args, env=env)
    assert proc.returncode == 0, proc.stderr
    return {row["name"] for row in json.loads(proc.stdout)}


def test_toml_and_json_policy_files_both_work(tmp_path: Path) -> None:
    policy = {"mode": "read-write", "toolsets": ["tags"], "deny_tools": ["update_tag"]}
    toml = write(tmp_path, "p.toml", 'mode = "read-write"\ntoolsets = ["tags"]\ndeny_tools = ["update_tag"]\n')
    as_json = write(tmp_path, "p.json", json.dumps(policy))
    from_toml = tools_json("--policy", toml) & set(catalog())
    from_json = tools_json("--policy", as_json) & set(catalog())
    assert from_toml == from_json == {"list_tags", "create_tag"}


def policy_json(*args: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    proc = cli("policy", "--json", "--sandbox", *args, env=env)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


@pytest.mark.parametrize(
    ("env", "mode", "destructive", "toolsets"),
    [
        ({}, "read-only", False, ["all"]),
        ({"LIVECHAT_MCP_ALLOW_WRITES": "true"}, "read-write", False, ["all"]),
        ({"LIVECHAT_MCP_ALLOW_WRITES": "1", "LIVECHAT_MCP_ALLOW_DESTRUCTIVE": "yes"}, "read-write", True, ["all"]),
        ({"LIVECHAT_MCP_DRY_RUN": "true"}, "dry-run", False, ["all"]),
        ({"LIVECHAT_MCP_TOOLSETS": "agents, tags"}, "read-only", False, ["agents", "tags"]),
        ({"LIVECHAT_MCP_DISCOVERY": "on"}, "read-only", False, ["all"]),  # and "discovery": true
        ({"LIVECHAT_MCP_POLICY": "full-access"}, "read-write", True, ["all"]),
        ({"LIVECHAT_MCP_ALLOW_WRITES": "false"}, "read-only", False, ["all"]),
    ],
)
def test_env_vars_take_effect(env: dict[str, str], mode: str, destructive: bool, toolsets: list[str]) -> None:
    report = policy_json(env=clean_env(**env))
    p = report["policy"]
    assert (p["mode"], p["allow_destructive"], p["toolsets"]) == (mode, destructive, toolsets)
    assert p["discovery"] == ("LIVECHAT_MCP_DISCOVERY" in env)
    update = report["tools"]["update_agent"]["decision"]
    assert update == {"read-only": "refused", "dry-run": "planned", "read-write": "allowed"}[mode]


def test_policy_json_gives_every_tools_decision_with_reason(tmp_path: Path) -> None:
    report = policy_json("--policy", "read-write")
    assert set(report["tools"]) == set(catalog())
    assert report["source"] == "preset read-write"
    for name, d in report["tools"].items():
        assert d["decision"] in ("allowed", "refused", "planned") and d["rule"] and d["reason"], name
        if d["decision"] == "refused":
            assert d["how_to_allow"], name
    assert report["tools"]["delete_agent"]["decision"] == "refused"
    assert report["tools"]["delete_agent"]["rule"] == "allow_destructive"
    assert report["tools"]["update_agent"]["decision"] == "allowed"


def test_policy_text_output_names_each_tool() -> None:
    proc = cli("policy", "--sandbox", "--policy", "dry-run")
    assert proc.returncode == 0, proc.stderr
    lines = {line.split()[0]: line for line in proc.stdout.splitlines() if line and not line.startswith(" ")}
    assert "planned" in lines["update_agent"] and "refused" in lines["delete_agent"]
    assert "mode: dry-run" in proc.stdout


@pytest.mark.anyio
async def test_policy_resource_matches_the_cli(make_server, tmp_path: Path) -> None:
    spec = write(tmp_path, "p.toml", 'mode = "dry-run"\ndeny_tools = ["create_tag"]\ntoolsets = ["agents", "tags"]\n')
    from_cli = policy_json("--policy", spec)
    # The CLI meets the sandbox's default app token; the fixture would pick the all-scopes one.
    async with make_server(policy=spec, sandbox=True, env={"LIVECHAT_SANDBOX_TOKEN": "dal:sandbox-app-token"}) as s:
        resources = await s.client.list_resources()
        assert "livechat://policy" in {str(r.uri) for r in resources.resources}
        result = await s.client.read_resource("livechat://policy")
        from_mcp = json.loads(result.contents[0].text)
    assert from_mcp["tools"] == from_cli["tools"]
    assert from_mcp["policy"] == from_cli["policy"]
    assert from_mcp["scopes_source"] == from_cli["scopes_source"]
    assert from_mcp["tools"]["create_tag"]["rule"] == "deny_tools"
    assert from_mcp["tools"]["update_agent"]["decision"] == "planned"


@pytest.mark.anyio
async def test_policy_resource_reflects_overrides(make_server) -> None:
    async with make_server(sandbox=True, overrides=Overrides(allow_writes=True)) as s:
        report = json.loads((await s.client.read_resource("livechat://policy")).contents[0].text)
    assert report["policy"]["mode"] == "read-write"
    assert report["tools"]["create_agent"]["decision"] == "allowed"
    assert report["tools"]["delete_agent"]["decision"] == "refused"


def test_unopenable_audit_log_refuses_to_start(tmp_path: Path) -> None:
    proc = cli("tools", "--sandbox", "--audit-log", str(tmp_path / "missing-dir" / "audit.jsonl"))
    assert proc.returncode != 0 and proc.stdout == ""
    assert "audit log" in proc.stderr and "Traceback" not in proc.stderr


def test_console_script_reads_env_and_refuses_bad_policies(tmp_path: Path) -> None:
    import shutil

    exe = shutil.which("livechat-mcp")
    if exe is None:
        pytest.skip("the livechat-mcp console script is not installed (pip install -e .)")
    run = lambda *a, **env: subprocess.run(  # noqa: E731
        [exe, *a], cwd=ROOT, env=clean_env(**env), capture_output=True, text=True, timeout=60)
    ok = run("policy", "--json", "--sandbox", LIVECHAT_MCP_ALLOW_WRITES="true")
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["policy"]["mode"] == "read-write"
    bad = run("tools", "--sandbox", "--policy", write(tmp_path, "p.toml", "read_only-true = true\n"))
    assert bad.returncode != 0 and "read_only-true" in bad.stderr
