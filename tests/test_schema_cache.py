"""The on-disk tool schema cache (server/tools/schema_cache.py): a cold start reads the schemas
an earlier run built, and never serves a stale or broken file."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from server.tools import catalog, schema_cache
from server.tools.schema import _build_input_schema

ROOT = Path(__file__).resolve().parent.parent

LIST_SCHEMAS = """
import json, sys
from server.tools import catalog
from server.tools.schema import input_schema
from server.tools import schema_cache
out = {name: input_schema(act.model) for name, act in catalog().items()}
schema_cache.save()
print(json.dumps(out))
"""


def _run(env_home: Path) -> dict[str, object]:
    env = {"XDG_CACHE_HOME": str(env_home), "PATH": "/usr/bin:/bin", "HOME": str(env_home)}
    done = subprocess.run([sys.executable, "-c", LIST_SCHEMAS], cwd=ROOT, env=env, capture_output=True, text=True,
                          check=True, timeout=120)
    result: dict[str, object] = json.loads(done.stdout)
    return result


def _cache_file(home: Path) -> Path:
    files = list((home / "livechat-mcp").glob("schemas-*.json"))
    assert len(files) == 1, files
    return files[0]


def test_a_second_run_reads_the_same_schemas_from_the_cache(tmp_path: Path) -> None:
    first = _run(tmp_path)
    stored = json.loads(_cache_file(tmp_path).read_text())
    assert len(stored["schemas"]) >= len(catalog())
    # Mark every stored schema: the second run must answer from the file, unchanged otherwise.
    for schema in stored["schemas"].values():
        schema["x-from-cache"] = True
    _cache_file(tmp_path).write_text(json.dumps(stored))
    second = _run(tmp_path)
    assert set(second) == set(first)
    for name, schema in second.items():
        assert isinstance(schema, dict)
        assert schema.pop("x-from-cache") is True, name
        assert schema == first[name], name


def test_a_file_from_other_sources_or_a_broken_file_is_rebuilt(tmp_path: Path) -> None:
    first = _run(tmp_path)
    path = _cache_file(tmp_path)
    stored = json.loads(path.read_text())
    stored["fingerprint"] = "another version of the sources"
    for schema in stored["schemas"].values():
        schema["x-stale"] = True
    path.write_text(json.dumps(stored))
    assert _run(tmp_path) == first
    assert json.loads(path.read_text())["fingerprint"] != "another version of the sources"

    path.write_text('{"fingerprint": ')  # cut short, as by a full disk
    assert _run(tmp_path) == first


def test_cached_schemas_are_the_built_ones(tmp_path: Path) -> None:
    """Every catalogue schema read back from the file equals the one built from its model."""
    _run(tmp_path)
    stored = json.loads(_cache_file(tmp_path).read_text())["schemas"]
    for name, act in catalog().items():
        key = schema_cache.key(act.model)
        assert key is not None, name
        assert stored[key] == _build_input_schema(act.model), name


def test_models_outside_the_package_are_not_cached() -> None:
    from pydantic import BaseModel

    class Local(BaseModel):
        a: int

    assert schema_cache.key(Local) is None


# tools/list as a stdio server's start answers it (the listing, server/tools/listing.py), without
# the built-in sandbox: a PAT needs no token info, so nothing but the cache decides what loads.
LIST_TOOLS = """
import json, sys
import anyio
from server.calls.runtime import Settings, build_runtime
from server.doors.mcp_app import LiveChatMCP
from server.tools import schema_cache

async def main():
    runtime = await build_runtime(Settings.from_env({}, policy=sys.argv[1] or None), {
        "LIVECHAT_ACCOUNT_ID": "5b0d2a5c-8c1e-4b9e-9d2a-000000000001", "LIVECHAT_PAT": "dal:a-personal-access-token"})
    try:
        tools = [t.model_dump(mode="json", by_alias=True, exclude_none=True) for t in LiveChatMCP(runtime).list_tools()]
    finally:
        await runtime.aclose()
    schema_cache.save()
    print(json.dumps({"tools": tools, "catalogue_loaded": "server.tools.agents" in sys.modules}))

anyio.run(main)
"""

RESTRICTIVE = """
mode = "read-write"
toolsets = ["agents", "groups", "greetings"]
deny_tools = ["delete_*", "batch_update_*"]
scopes = ["agents--all:ro", "agents--all:rw", "groups--all:ro", "greetings:ro"]
show_refused_tools = true
"""


def _list_tools(home: Path, policy: str, *, cache: bool = True) -> tuple[list[object], bool]:
    env = {"XDG_CACHE_HOME": str(home), "PATH": "/usr/bin:/bin", "HOME": str(home), "XDG_STATE_HOME": str(home)}
    if not cache:
        env["LIVECHAT_MCP_SCHEMA_CACHE"] = "off"
    done = subprocess.run([sys.executable, "-c", LIST_TOOLS, policy], cwd=ROOT, env=env, capture_output=True,
                          text=True, check=True, timeout=120)
    out = json.loads(done.stdout)
    return out["tools"], out["catalogue_loaded"]


@pytest.mark.parametrize("policy", ["", "read-only", "full-access", "dry-run", "restrictive"])
def test_tools_list_from_a_warm_cache_is_the_one_built_from_the_catalogue(tmp_path: Path, policy: str) -> None:
    """A start with the listing kept answers tools/list without importing the resource modules,
    and answers exactly what a start without the cache (or with a cold one) builds from them."""
    if policy == "restrictive":
        (tmp_path / "restrictive.toml").write_text(RESTRICTIVE)
        policy = str(tmp_path / "restrictive.toml")
    built, loaded = _list_tools(tmp_path / "off", policy, cache=False)
    assert loaded  # without the cache the catalogue is what is listed
    cold, _ = _list_tools(tmp_path / "cache", policy)
    warm, warm_loaded = _list_tools(tmp_path / "cache", policy)
    assert not warm_loaded
    assert built, policy
    assert cold == built
    assert warm == built
    if policy.endswith("restrictive.toml"):  # the refused ones are listed too, with their reasons
        assert any("[REFUSED by policy" in str(t["description"]) for t in warm)  # type: ignore[index]
        assert any(t["name"] == "update_greeting" for t in warm)  # type: ignore[index]


def test_a_listing_from_other_sources_or_broken_is_rebuilt(tmp_path: Path) -> None:
    built, _ = _list_tools(tmp_path, "full-access")
    path = _cache_file(tmp_path)
    stored = json.loads(path.read_text())
    assert [item["name"] for item in stored["listing"]] == list(catalog())
    for item in stored["listing"]:
        item["title"] = "stale"
    stored["fingerprint"] = "another version of the sources"
    path.write_text(json.dumps(stored))
    again, loaded = _list_tools(tmp_path, "full-access")
    assert loaded and again == built

    stored = json.loads(path.read_text())
    stored["listing"][0] = {"name": stored["listing"][0]["name"]}  # an entry missing its fields
    path.write_text(json.dumps(stored))
    again, loaded = _list_tools(tmp_path, "full-access")
    assert loaded and again == built
