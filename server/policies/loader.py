"""Where a policy comes from: a file (TOML or JSON), a preset, flags and environment variables.

An explicit policy (file or preset) is authoritative: a flag that would widen it is refused.
Any problem raises PolicyError with a message naming it; the CLI exits non-zero on it, so a
malformed policy never starts the server.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..safety.nesting import MAX_DEPTH, text_depth
from .engine import CONFIRMS, DISCOVERY, MODES, TOOLSETS, Approvals, Policy

_MODE_RANK = {"read-only": 0, "dry-run": 1, "read-write": 2}


class PolicyError(Exception):
    pass


def presets() -> dict[str, Path]:
    folder = resources.files(__package__) / "presets"
    return {Path(str(p)).stem: Path(str(p)) for p in folder.iterdir() if str(p).endswith(".toml")}


@dataclass
class Overrides:
    """Shortcut flags (or their environment variables).

    Against an explicit policy they can only narrow it: --dry-run turns sends into plans,
    --toolsets picks a subset of the policy's resources, --discovery changes how the allowed
    actions are presented. Anything that would allow more is refused at start.
    """

    allow_writes: bool = False
    allow_destructive: bool = False
    dry_run: bool = False
    toolsets: list[str] | None = None
    discovery: bool = False
    # --confirm / LIVECHAT_MCP_CONFIRM: ask a person before sending (never < destructive < writes).
    confirm: str | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Overrides:
        def flag(name: str) -> bool:
            value = env.get(name, "").strip().lower()
            if value in ("", "0", "false", "no", "off"):
                return False
            if value in ("1", "true", "yes", "on"):
                return True
            raise PolicyError(f"{name}={env[name]!r}: use true or false")

        toolsets = env.get("LIVECHAT_MCP_TOOLSETS", "")
        confirm = env.get("LIVECHAT_MCP_CONFIRM", "").strip() or None
        if confirm is not None and confirm not in CONFIRMS:
            raise PolicyError(f"LIVECHAT_MCP_CONFIRM={env['LIVECHAT_MCP_CONFIRM']!r}: use {', '.join(CONFIRMS)}")
        return cls(
            allow_writes=flag("LIVECHAT_MCP_ALLOW_WRITES"),
            allow_destructive=flag("LIVECHAT_MCP_ALLOW_DESTRUCTIVE"),
            dry_run=flag("LIVECHAT_MCP_DRY_RUN"),
            toolsets=split_toolsets(toolsets, "LIVECHAT_MCP_TOOLSETS") if toolsets.strip() else None,
            discovery=flag("LIVECHAT_MCP_DISCOVERY"),
            confirm=confirm,
        )

    def merge(self, other: Overrides) -> Overrides:
        """Flags and environment together. Both toolsets lists narrow: the result is what both allow."""
        return Overrides(
            allow_writes=self.allow_writes or other.allow_writes,
            allow_destructive=self.allow_destructive or other.allow_destructive,
            dry_run=self.dry_run or other.dry_run,
            toolsets=_intersect(self.toolsets, other.toolsets),
            discovery=self.discovery or other.discovery,
            confirm=_stricter(self.confirm, other.confirm),
        )


def _stricter(a: str | None, b: str | None) -> str | None:
    """Of two --confirm values, the one that asks more (flag and environment both only add questions)."""
    if a is None or b is None:
        return a if b is None else b
    return max(a, b, key=CONFIRMS.index)


def split_toolsets(text: str, source: str) -> list[str]:
    """``agents, groups`` -> ["agents", "groups"]; an unknown or empty list is a PolicyError naming ``source``."""
    names = [t.strip() for t in text.split(",") if t.strip()]
    if not names:
        raise PolicyError(f"{source} {text!r} names no toolset; leave it out to keep the policy's toolsets")
    unknown = [t for t in names if t not in (*TOOLSETS, DISCOVERY)]
    if unknown:
        hint = [t.lower() for t in unknown if t.lower() in (*TOOLSETS, DISCOVERY)]
        raise PolicyError(
            f"{source}: unknown toolset(s) {', '.join(unknown)}"
            + (f" (toolset names are lower case: {', '.join(hint)})" if hint else "")
            + f"; known: {', '.join(TOOLSETS)}, {DISCOVERY}"
        )
    return list(dict.fromkeys(names))


def _resources(toolsets: list[str] | None) -> list[str] | None:
    """The resources a toolsets override names (None: every one). "discovery" is no resource."""
    if toolsets is None:
        return None
    names = [t for t in toolsets if t != DISCOVERY]
    if "all" in names or not names:
        return None
    return names


def _intersect(a: list[str] | None, b: list[str] | None) -> list[str] | None:
    if a is None or b is None:
        return a if b is None else b
    ra, rb = _resources(a), _resources(b)
    if ra is None:
        common = list(rb or ["all"])
    elif rb is None:
        common = list(ra)
    else:
        common = [t for t in ra if t in rb]
        if not common:
            raise PolicyError(
                f"--toolsets {','.join(a)} and LIVECHAT_MCP_TOOLSETS={','.join(b)} have no toolset in common: "
                "each can only narrow what is exposed; set one of them"
            )
    return common + ([DISCOVERY] if DISCOVERY in a or DISCOVERY in b else [])


def read_policy_source(spec: str) -> tuple[dict[str, Any], str]:
    """The raw mapping of a preset name or a policy file, and a label for it."""
    import tomllib  # here: a server started without a policy (the default) never parses TOML

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
        if text_depth(text) > MAX_DEPTH:  # before a parser recurses into it
            raise PolicyError(f"policy file {spec} nests deeper than {MAX_DEPTH} levels: not a policy")
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
                model = Approvals if err["loc"][0] == "approvals" else Policy
                problems.append(f"unknown key {where!r} (known keys: {', '.join(model.model_fields)})")
            elif where == "approvals" and err["type"] in ("model_type", "dict_type"):
                problems.append("approvals must be a table, e.g. approvals = {required = 1, approver_roles = "
                                "[\"owner\", \"viceowner\"]}")
            elif err["type"] == "literal_error" and where == "mode":
                problems.append(f"mode {err.get('input')!r} is not one of {', '.join(MODES)}")
            else:  # a rule across keys (loc empty) names its keys itself
                message = err["msg"].removeprefix("Value error, ")
                problems.append(message if not err["loc"] else f"{where}: {message}")
        raise PolicyError(f"invalid policy ({label}): " + "; ".join(problems)) from None


def load_policy(spec: str | None, overrides: Overrides) -> tuple[Policy, str]:
    """The effective policy and where it came from."""
    if overrides.toolsets is not None:
        split_toolsets(",".join(overrides.toolsets), "--toolsets")  # unknown names, an empty list
    resources = _resources(overrides.toolsets)
    # --discovery, LIVECHAT_MCP_DISCOVERY or "discovery" among the toolsets: presentation only.
    discovery = overrides.discovery or DISCOVERY in (overrides.toolsets or [])
    if spec:
        raw, label = read_policy_source(spec)
        base = build_policy(raw, label)
        _refuse_widening(base, overrides, label)
        narrowed = base.model_dump()
        if overrides.dry_run and base.mode == "read-write":
            narrowed["mode"] = "dry-run"
        if resources is not None:
            narrowed["toolsets"] = resources  # a subset of the policy's: _refuse_widening checked it
        if discovery:
            narrowed["discovery"] = True
        if overrides.confirm is not None:
            narrowed["confirm"] = overrides.confirm  # asks at least as much: _refuse_widening checked it
        effective = build_policy(narrowed, label)
        never_wider(base, effective, label)
        return effective, label
    data: dict[str, Any] = {}
    if overrides.allow_writes:
        data["mode"] = "read-write"
    if overrides.dry_run:
        data["mode"] = "dry-run"  # dry-run wins over allow-writes: the safer reading of both
    if overrides.allow_destructive:
        data["allow_destructive"] = True
    if resources is not None:
        data["toolsets"] = resources
    if discovery:
        data["discovery"] = True
    if overrides.confirm is not None:
        data["confirm"] = overrides.confirm
    label = "flags" if data else "default (read-only)"
    return build_policy(data, label), label


# How much a decision lets through: refused < planned (nothing sent) < confirm (sent when a
# person says yes) < allowed (sent).
_REACH = {"refuse": 0, "plan": 1, "confirm": 2, "allow": 3}


def never_wider(base: Policy, effective: Policy, label: str) -> None:
    """The invariant the flags promise, checked on every action rather than argued from the code:
    no action is allowed, sent or destructive under ``effective`` that ``base`` refused or planned."""
    from .engine import PolicyContext

    before = PolicyContext.create(base, None, "").decide_all()
    after = PolicyContext.create(effective, None, "").decide_all()
    grown = [name for name, d in after.items() if _REACH[d.outcome] > _REACH[before[name].outcome]]
    same = ("scopes", "allow_tools", "deny_tools", "reveal_secrets", "allow_destructive", "approvals")
    loosened = [k for k in same if getattr(effective, k) != getattr(base, k)]
    if CONFIRMS.index(effective.confirm) < CONFIRMS.index(base.confirm):
        loosened.append("confirm")
    if grown or loosened:
        raise PolicyError(
            f"the {label} is authoritative, and the flags given would widen it "
            f"({', '.join(grown[:5] + loosened)}{' ...' if len(grown) > 5 else ''}); edit the policy instead"
        )


def _refuse_widening(base: Policy, o: Overrides, label: str) -> None:
    wider: list[str] = []
    if o.allow_writes and _MODE_RANK[base.mode] < _MODE_RANK["read-write"]:
        wider.append(f"--allow-writes (the policy's mode is {base.mode})")
    if o.dry_run and base.mode == "read-only":
        wider.append("--dry-run (the policy is read-only; dry-run would expose write tools as plans)")
    if o.allow_destructive and not base.allow_destructive:
        wider.append("--allow-destructive (the policy sets allow_destructive = false)")
    if o.confirm is not None and CONFIRMS.index(o.confirm) < CONFIRMS.index(base.confirm):
        wider.append(f"--confirm {o.confirm} (the policy sets confirm = \"{base.confirm}\")")
    elif o.confirm not in (None, "never") and base.confirm == "never" and not base.allow_destructive \
            and base.mode != "read-only":
        # confirm makes destructive actions available (each one confirmed): the policy refuses them.
        wider.append(f"--confirm {o.confirm} (the policy refuses destructive actions; confirm would allow them "
                     "when a person confirms)")
    named = [t for t in (o.toolsets or []) if t != DISCOVERY]
    if named and "all" not in base.toolsets:
        extra = [t for t in named if t not in base.toolsets]  # "all" included: it is more than a subset
        if extra:
            wider.append(f"--toolsets {','.join(o.toolsets or [])} (the policy exposes only {','.join(base.toolsets)})")
    if wider:
        raise PolicyError(
            f"the {label} is authoritative; these flags (or their LIVECHAT_MCP_* variables) would widen it: "
            f"{'; '.join(wider)}. Edit the policy instead."
        )
