"""Where a policy comes from: a file (TOML or JSON), a preset, flags and environment variables.

An explicit policy (file or preset) is authoritative: a flag that would widen it is refused.
Any problem raises PolicyError with a message naming it; the CLI exits non-zero on it, so a
malformed policy never starts the server.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .engine import MODES, Policy

_MODE_RANK = {"read-only": 0, "dry-run": 1, "read-write": 2}


class PolicyError(Exception):
    pass


def presets() -> dict[str, Path]:
    folder = resources.files(__package__) / "presets"
    return {Path(str(p)).stem: Path(str(p)) for p in folder.iterdir() if str(p).endswith(".toml")}


@dataclass
class Overrides:
    """Shortcut flags (or their environment variables)."""

    allow_writes: bool = False
    allow_destructive: bool = False
    dry_run: bool = False
    toolsets: list[str] | None = None
    discovery: bool = False

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Overrides:
        def flag(name: str) -> bool:
            value = env.get(name, "").strip().lower()
            if value in ("", "0", "false", "no", "off"):
                return False
            if value in ("1", "true", "yes", "on"):
                return True
            raise PolicyError(f"{name}={env[name]!r}: use true or false")

        toolsets = env.get("LIVECHAT_MCP_TOOLSETS", "").strip()
        return cls(
            allow_writes=flag("LIVECHAT_MCP_ALLOW_WRITES"),
            allow_destructive=flag("LIVECHAT_MCP_ALLOW_DESTRUCTIVE"),
            dry_run=flag("LIVECHAT_MCP_DRY_RUN"),
            toolsets=[t.strip() for t in toolsets.split(",") if t.strip()] or None,
            discovery=flag("LIVECHAT_MCP_DISCOVERY"),
        )

    def merge(self, other: Overrides) -> Overrides:
        return Overrides(
            allow_writes=self.allow_writes or other.allow_writes,
            allow_destructive=self.allow_destructive or other.allow_destructive,
            dry_run=self.dry_run or other.dry_run,
            toolsets=self.toolsets or other.toolsets,
            discovery=self.discovery or other.discovery,
        )


def read_policy_source(spec: str) -> tuple[dict[str, Any], str]:
    """The raw mapping of a preset name or a policy file, and a label for it."""
    known = presets()
    if spec in known:
        return tomllib.loads(known[spec].read_text()), f"preset {spec}"
    path = Path(spec)
    if path.suffix.lower() not in (".toml", ".json"):
        raise PolicyError(
            f"--policy {spec!r} is neither a preset ({', '.join(sorted(known))}) nor a .toml/.json file"
        )
    if not path.is_file():
        raise PolicyError(f"policy file {spec} does not exist")
    text = path.read_text()
    try:
        data = tomllib.loads(text) if path.suffix.lower() == ".toml" else json.loads(text, object_pairs_hook=_unique)
    except _DuplicateKey as exc:
        raise PolicyError(f"policy file {spec} sets {exc} more than once (which one applies would be a guess)") from None
    except (tomllib.TOMLDecodeError, ValueError) as exc:
        raise PolicyError(f"policy file {spec} is not valid {path.suffix[1:].upper()}: {exc}") from None
    if not isinstance(data, dict):
        raise PolicyError(f"policy file {spec} must hold an object/table at the top level")
    return data, f"file {spec}"


class _DuplicateKey(Exception):
    pass


def _unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """JSON objects without repeated keys: TOML refuses them, JSON would silently keep the last."""
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKey(repr(key))
        out[key] = value
    return out


def build_policy(data: Mapping[str, Any], label: str) -> Policy:
    try:
        return Policy.model_validate(dict(data))
    except ValidationError as exc:
        problems = []
        for err in exc.errors(include_url=False):
            where = ".".join(str(p) for p in err["loc"]) or "(top level)"
            if err["type"] == "extra_forbidden":
                fields = ", ".join(Policy.model_fields)
                problems.append(f"unknown key {where!r} (known keys: {fields})")
            elif err["type"] == "literal_error" and where == "mode":
                problems.append(f"mode {err.get('input')!r} is not one of {', '.join(MODES)}")
            else:
                problems.append(f"{where}: {err['msg'].removeprefix('Value error, ')}")
        raise PolicyError(f"invalid policy ({label}): " + "; ".join(problems)) from None


def load_policy(spec: str | None, overrides: Overrides) -> tuple[Policy, str]:
    """The effective policy and where it came from."""
    if spec:
        data, label = read_policy_source(spec)
        base = build_policy(data, label)
        _refuse_widening(base, overrides, label)
        narrowed = dict(data)
        if overrides.dry_run and base.mode == "read-write":
            narrowed["mode"] = "dry-run"
        # narrowing the resources must not switch the policy's discovery mode off
        _merge_toolsets(narrowed, overrides, keep_discovery=base.discovery)
        return build_policy(narrowed, label), label
    data: dict[str, Any] = {}
    if overrides.allow_writes:
        data["mode"] = "read-write"
    if overrides.dry_run:
        data["mode"] = "dry-run"  # dry-run wins over allow-writes: the safer reading of both
    if overrides.allow_destructive:
        data["allow_destructive"] = True
    _merge_toolsets(data, overrides, keep_discovery=False)
    label = "flags" if data else "default (read-only)"
    return build_policy(data, label), label


def _merge_toolsets(data: dict[str, Any], o: Overrides, *, keep_discovery: bool) -> None:
    """Apply --toolsets and --discovery to a policy mapping, in place."""
    if o.toolsets:
        data["toolsets"] = list(o.toolsets)
        if keep_discovery and "discovery" not in data["toolsets"]:
            data["toolsets"].append("discovery")
    if o.discovery and "discovery" not in data.get("toolsets", ["all"]):
        data["toolsets"] = [*data.get("toolsets", ["all"]), "discovery"]


def _refuse_widening(base: Policy, o: Overrides, label: str) -> None:
    wider: list[str] = []
    if o.allow_writes and _MODE_RANK[base.mode] < _MODE_RANK["read-write"]:
        wider.append(f"--allow-writes (the policy's mode is {base.mode})")
    if o.dry_run and base.mode == "read-only":
        wider.append("--dry-run (the policy is read-only; dry-run would expose write tools as plans)")
    if o.allow_destructive and not base.allow_destructive:
        wider.append("--allow-destructive (the policy sets allow_destructive = false)")
    if o.toolsets and "all" not in base.toolsets:
        extra = [t for t in o.toolsets if t not in base.toolsets and t != "discovery"]
        if extra or "all" in o.toolsets:
            wider.append(f"--toolsets {','.join(o.toolsets)} (the policy exposes only {','.join(base.toolsets)})")
    if wider:
        raise PolicyError(
            f"the {label} is authoritative; these would widen it: {'; '.join(wider)}. Edit the policy instead."
        )
