"""The on-disk tool schema cache (server/tools/schema_cache.py): a cold start reads the schemas
an earlier run built, and never serves a stale or broken file."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

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
