"""The Claude Desktop bundle (issue 24, item 2): scripts/build_bundle.py builds
dist/livechat-mcp.mcpb, validated and packed by the official ``@anthropic-ai/mcpb`` CLI (pinned
in tools/package.json); its manifest asks for the credentials (``sensitive``) and the policy; and
its server entry, started from ``env -i`` with only the bundle's configuration (plus what the host
gives uv itself: a PATH with a Python, a home, uv's cache), answers tools/list.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from mcp import Client, StdioServerParameters
from mcp.client.stdio import stdio_client

import server
from server.policies.loader import presets
from shipping import CI, ROOT, Built, host_env, script

MCPB = ROOT / "tools" / "node_modules" / ".bin" / "mcpb"
bundle_script = script("build_bundle")


@pytest.fixture(scope="module")
def mcpb() -> str:
    if not MCPB.exists():
        if CI or os.environ.get("LIVECHAT_MCP_REQUIRE_NODE_TOOLS"):
            pytest.fail("the mcpb CLI is missing: `npm ci` in tools/ (.ci/run does it)")
        pytest.skip("the mcpb CLI is not installed (cd tools && npm ci)")
    return str(MCPB)


@pytest.fixture(scope="module")
def bundle(built: Built, mcpb: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return bundle_script.build(built.wheel, tmp_path_factory.mktemp("bundle") / "livechat-mcp.mcpb")


def manifest() -> dict[str, Any]:
    return json.loads((ROOT / "manifest.json").read_text())


def substitute(value: str, dirname: Path, config: dict[str, str]) -> str:
    """What the host does to mcp_config: ${__dirname} and ${user_config.KEY} (empty when unset)."""
    value = value.replace("${__dirname}", str(dirname))
    return re.sub(r"\$\{user_config\.([a-z_]+)\}", lambda m: config.get(m.group(1), ""), value)


def started(unpacked: Path, config: dict[str, str], home: Path, cache: Path) -> StdioServerParameters:
    """The bundle's server entry as the host starts it, through ``env -i``: the environment is the
    manifest's mcp_config.env (with the user's configuration) and uv's own needs, nothing else."""
    entry = json.loads((unpacked / "manifest.json").read_text())["server"]["mcp_config"]
    env = {**host_env(home, cache), **{k: substitute(v, unpacked, config) for k, v in entry["env"].items()}}
    command = shutil.which(entry["command"], path=env["PATH"])
    assert command, f"{entry['command']} not found on the host's PATH"
    args = [substitute(a, unpacked, config) for a in entry["args"]]
    return StdioServerParameters(command="/usr/bin/env",
                                 args=["-i", *(f"{k}={v}" for k, v in env.items()), command, *args], cwd="/")


def test_the_manifest_validates_with_the_official_cli(mcpb: str):
    done = subprocess.run([mcpb, "validate", str(ROOT / "manifest.json")], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "validation passes" in done.stdout.lower()


def test_the_manifest_asks_for_credentials_and_policy_and_marks_secrets_sensitive():
    m = manifest()
    assert m["version"] == server.__version__ and m["server"]["type"] == "uv" and m["license"] == "MIT"
    config = m["user_config"]
    assert config["access_token"]["sensitive"] is True and config["pat"]["sensitive"] is True
    assert not any(c.get("sensitive") for k, c in config.items() if k not in ("access_token", "pat"))
    assert config["policy"]["default"] == "read-only"
    for preset in presets():  # the policy's description names every preset there is
        assert preset in config["policy"]["description"], preset
    env = m["server"]["mcp_config"]["env"]
    used = set(re.findall(r"\$\{user_config\.([a-z_]+)\}", json.dumps(m["server"])))
    assert used == set(config)  # every question asked is used, every value used is asked for
    read = {name for path in (ROOT / "server").rglob("*.py")
            for name in re.findall(r"[\"'](LIVECHAT_[A-Z_]*[A-Z])[\"']", path.read_text())}
    assert set(env) <= read, set(env) - read
    # Secrets travel in the environment, never on the command line (visible to every local user).
    assert not any("user_config" in a for a in m["server"]["mcp_config"]["args"])
    import tomllib

    urls = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["urls"]
    assert m["repository"]["url"] == urls["Repository"] and m["homepage"] == urls["Homepage"]


@pytest.mark.anyio
async def test_the_bundle_packs_and_its_server_starts_from_a_clean_environment(bundle: Path, built: Built, mcpb: str,
                                                                               tmp_path: Path):
    info = subprocess.run([mcpb, "info", str(bundle)], capture_output=True, text=True, timeout=120)
    assert info.returncode == 0 and "livechat-mcp" in info.stdout, info.stdout + info.stderr
    unpacked = tmp_path / "installed"
    done = subprocess.run([mcpb, "unpack", str(bundle), str(unpacked)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    files = sorted(str(p.relative_to(unpacked)) for p in unpacked.rglob("*") if p.is_file())
    assert files == ["LICENSE", "README.md", "main.py", "manifest.json", "pyproject.toml", f"wheels/{built.wheel.name}"]
    home = tmp_path / "home"
    home.mkdir()
    # The person ticked "Try it on the built-in sandbox" and left the rest as it was.
    params = started(unpacked, {"sandbox": "true", "policy": "read-only"}, home, built.uv_cache)
    with (tmp_path / "stderr.txt").open("w") as errlog:
        async with Client(stdio_client(params, errlog=errlog), mode="legacy") as client:
            tools = {t.name for t in (await client.list_tools()).tools}
            jane = await client.call_tool("get_agent", {"id": "jane@example.com"})
    assert {"list_agents", "get_agent"} <= tools and "create_agent" not in tools and not jane.is_error
    # The other settings reach the server: a wider policy lists the writes, the audit log gets the calls.
    audit = tmp_path / "audit.jsonl"
    params = started(unpacked, {"sandbox": "true", "policy": "full-access", "audit_log": str(audit)}, home,
                     built.uv_cache)
    with (tmp_path / "stderr.txt").open("a") as errlog:
        async with Client(stdio_client(params, errlog=errlog), mode="legacy") as client:
            tools = {t.name for t in (await client.list_tools()).tools}
            tagged = await client.call_tool("create_tag", {"name": "from-the-bundle", "group_ids": [0]})
    assert {"create_agent", "delete_agent"} <= tools and not tagged.is_error
    audited = [json.loads(line) for line in audit.read_text().splitlines()]
    assert [(a["tool"], a["decision"]) for a in audited if "tool" in a] == [("create_tag", "allowed")]
    # A policy file by its full path (the setting's other form).
    policy = tmp_path / "policy.toml"
    policy.write_text('mode = "dry-run"\n')
    params = started(unpacked, {"sandbox": "true", "policy": str(policy)}, home, built.uv_cache)
    with (tmp_path / "stderr.txt").open("a") as errlog:
        async with Client(stdio_client(params, errlog=errlog), mode="legacy") as client:
            planned = await client.call_tool("create_tag", {"name": "planned", "group_ids": [0]})
    assert not planned.is_error and json.loads(planned.content[0].text)["planned"] is True
    # Nothing configured: the two ways forward, in the words of the extension's settings.
    nothing = started(unpacked, {"policy": "read-only"}, home, built.uv_cache)
    done = subprocess.run([nothing.command, *nothing.args], stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, timeout=300)
    lines = done.stderr.strip().splitlines()[-3:]
    assert done.returncode == 2 and "extension's settings" in lines[0], done.stderr
    assert manifest()["user_config"]["sandbox"]["title"] in lines[1] and "Personal Access Token" in lines[2]
