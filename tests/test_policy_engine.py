"""The policy engine, table-driven: each rule alone and in combination → the Decision.

Representative actions: a read (list_agents), a write (update_agent), a destructive write
(delete_agent) and batch variants of a write and a destructive write.
"""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from server.policies import Decision, Overrides, Policy, PolicyContext, PolicyError, load_policy, presets
from server.policies.engine import documented_scopes
from server.tools import catalog

READ = "list_agents"
WRITE = "update_agent"
DESTRUCTIVE = "delete_agent"
BATCH_WRITE = "batch_update_agents"
BATCH_DESTRUCTIVE = "batch_delete_agents"
ACTIONS = (READ, WRITE, DESTRUCTIVE, BATCH_WRITE, BATCH_DESTRUCTIVE)

ALL = None  # token scopes unknown: no scope filtering
RO = frozenset({"agents--all:ro"})
RW = frozenset({"agents--all:ro", "agents--all:rw"})
RW_ACCOUNTS = frozenset({"agents--all:ro", "agents--all:rw", "accounts--all:rw"})

A = ("allowed", "allowed")


REFUSED_MODE = ("refused", "mode")
REFUSED_DESTR = ("refused", "allow_destructive")
PLANNED = ("planned", "mode")

# (id, policy kwargs, token scopes, {action: (decision label, rule)})
CASES: list[tuple[str, dict[str, Any], frozenset[str] | None, dict[str, tuple[str, str]]]] = [
    # --- mode alone ---------------------------------------------------------------------
    ("default-read-only", {}, ALL,
     {READ: A, WRITE: REFUSED_MODE, DESTRUCTIVE: REFUSED_MODE, BATCH_WRITE: REFUSED_MODE, BATCH_DESTRUCTIVE: REFUSED_MODE}),
    ("dry-run", {"mode": "dry-run"}, ALL,
     {READ: A, WRITE: PLANNED, DESTRUCTIVE: REFUSED_DESTR, BATCH_WRITE: PLANNED, BATCH_DESTRUCTIVE: REFUSED_DESTR}),
    ("read-write", {"mode": "read-write"}, ALL,
     {READ: A, WRITE: A, DESTRUCTIVE: REFUSED_DESTR, BATCH_WRITE: A, BATCH_DESTRUCTIVE: REFUSED_DESTR}),
    # --- mode × allow_destructive -------------------------------------------------------
    ("read-only+destructive", {"allow_destructive": True}, ALL,
     {READ: A, WRITE: REFUSED_MODE, DESTRUCTIVE: REFUSED_MODE, BATCH_DESTRUCTIVE: REFUSED_MODE}),
    ("dry-run+destructive", {"mode": "dry-run", "allow_destructive": True}, ALL,
     {READ: A, WRITE: PLANNED, DESTRUCTIVE: PLANNED, BATCH_WRITE: PLANNED, BATCH_DESTRUCTIVE: PLANNED}),
    ("read-write+destructive", {"mode": "read-write", "allow_destructive": True}, ALL,
     {READ: A, WRITE: A, DESTRUCTIVE: A, BATCH_WRITE: A, BATCH_DESTRUCTIVE: A}),
    # --- scopes (from the token) × mode ---------------------------------------------------
    ("ro-scopes+full", {"mode": "read-write", "allow_destructive": True}, RO,
     {READ: A, WRITE: ("refused", "scopes"), DESTRUCTIVE: ("refused", "scopes"), BATCH_WRITE: ("refused", "scopes")}),
    ("rw-scopes+full", {"mode": "read-write", "allow_destructive": True}, RW,
     # delete_agent needs agents--all:rw AND accounts--all:rw
     {READ: A, WRITE: A, BATCH_WRITE: A, DESTRUCTIVE: ("refused", "scopes"), BATCH_DESTRUCTIVE: ("refused", "scopes")}),
    ("rw+accounts-scopes+full", {"mode": "read-write", "allow_destructive": True}, RW_ACCOUNTS,
     {READ: A, WRITE: A, DESTRUCTIVE: A, BATCH_DESTRUCTIVE: A}),
    ("no-scopes+read-only", {}, frozenset(),
     # scopes are checked before mode: the first refusing rule decides
     {READ: ("refused", "scopes"), WRITE: ("refused", "scopes")}),
    ("rw-scopes+read-only", {}, RW, {READ: A, WRITE: REFUSED_MODE, DESTRUCTIVE: ("refused", "scopes")}),
    # policy scopes replace the token's
    ("policy-scopes", {"mode": "read-write", "scopes": ["agents--all:ro"]}, RW_ACCOUNTS,
     {READ: A, WRITE: ("refused", "scopes")}),
    # --- toolsets -----------------------------------------------------------------------
    ("toolsets-groups", {"mode": "read-write", "allow_destructive": True, "toolsets": ["groups"]}, ALL,
     {a: ("refused", "toolsets") for a in ACTIONS}),
    ("toolsets-agents", {"mode": "read-write", "toolsets": ["agents", "groups"]}, ALL,
     {READ: A, WRITE: A, DESTRUCTIVE: REFUSED_DESTR}),
    # "discovery" alone is discovery over every resource (a mode, not a resource)
    ("toolsets-discovery-only", {"toolsets": ["discovery"]}, ALL, {READ: A, WRITE: REFUSED_MODE}),
    ("toolsets-beat-scopes", {"toolsets": ["groups"]}, frozenset(), {READ: ("refused", "toolsets")}),
    # --- allow_tools --------------------------------------------------------------------
    ("allow-glob-reads", {"mode": "read-write", "allow_destructive": True, "allow_tools": ["list_*", "get_*"]}, ALL,
     {READ: A, WRITE: ("refused", "allow_tools"), DESTRUCTIVE: ("refused", "allow_tools"),
      BATCH_WRITE: ("refused", "allow_tools")}),
    ("allow-single-covers-batch", {"mode": "read-write", "allow_destructive": True, "allow_tools": ["delete_agent"]},
     ALL, {DESTRUCTIVE: A, BATCH_DESTRUCTIVE: A, READ: ("refused", "allow_tools"), WRITE: ("refused", "allow_tools")}),
    ("allow-batch-only", {"mode": "read-write", "allow_tools": ["batch_update_agents"]}, ALL,
     {BATCH_WRITE: A, WRITE: ("refused", "allow_tools")}),
    ("allow-does-not-beat-mode", {"allow_tools": ["update_agent", "delete_agent"]}, ALL,
     {WRITE: REFUSED_MODE, DESTRUCTIVE: REFUSED_MODE, READ: ("refused", "allow_tools")}),
    ("allow-does-not-beat-destructive", {"mode": "read-write", "allow_tools": ["delete_agent"]}, ALL,
     {DESTRUCTIVE: REFUSED_DESTR, BATCH_DESTRUCTIVE: REFUSED_DESTR}),
    ("allow-does-not-beat-scopes", {"mode": "read-write", "allow_tools": ["update_agent"]}, RO,
     {WRITE: ("refused", "scopes")}),
    # --- deny_tools ---------------------------------------------------------------------
    ("deny-single-covers-batch", {"mode": "read-write", "allow_destructive": True, "deny_tools": ["delete_agent"]},
     ALL, {DESTRUCTIVE: ("refused", "deny_tools"), BATCH_DESTRUCTIVE: ("refused", "deny_tools"), WRITE: A,
           BATCH_WRITE: A, READ: A}),
    ("deny-batch-only", {"mode": "read-write", "deny_tools": ["batch_update_agents"]}, ALL,
     {BATCH_WRITE: ("refused", "deny_tools"), WRITE: A}),
    ("deny-glob", {"mode": "read-write", "allow_destructive": True, "deny_tools": ["*_agent"]}, ALL,
     {WRITE: ("refused", "deny_tools"), DESTRUCTIVE: ("refused", "deny_tools"),
      BATCH_WRITE: ("refused", "deny_tools"), READ: A}),
    ("deny-wins-over-allow", {"mode": "read-write", "allow_destructive": True,
                              "allow_tools": ["delete_agent"], "deny_tools": ["delete_agent"]}, ALL,
     {DESTRUCTIVE: ("refused", "deny_tools"), BATCH_DESTRUCTIVE: ("refused", "deny_tools")}),
    ("deny-checked-before-toolsets", {"toolsets": ["groups"], "deny_tools": ["list_agents"]}, ALL,
     {READ: ("refused", "deny_tools"), WRITE: ("refused", "toolsets")}),
    ("deny-read-in-read-only", {"deny_tools": ["list_agents"]}, ALL,
     {READ: ("refused", "deny_tools"), "get_agent": A}),
    # --- everything together --------------------------------------------------------------
    ("combined", {"mode": "dry-run", "allow_destructive": True, "toolsets": ["agents"],
                  "allow_tools": ["*agent*"], "deny_tools": ["suspend_agent"]}, RW_ACCOUNTS,
     {READ: A, WRITE: PLANNED, DESTRUCTIVE: PLANNED, BATCH_DESTRUCTIVE: PLANNED,
      "suspend_agent": ("refused", "deny_tools"), "batch_suspend_agents": ("refused", "deny_tools"),
      "list_groups": ("refused", "toolsets"),
      # unsuspend_agent needs subscription.lc:rw too
      "unsuspend_agent": ("refused", "scopes")}),
]


@pytest.mark.parametrize(("policy_kwargs", "scopes", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_decision_table(policy_kwargs: dict[str, Any], scopes: frozenset[str] | None,
                        expected: dict[str, tuple[str, str]]) -> None:
    ctx = PolicyContext.create(Policy(**policy_kwargs), scopes, "the token's scopes")
    got = {name: (ctx.decide(catalog()[name]).label, ctx.decide(catalog()[name]).rule) for name in expected}
    assert got == expected


def test_refusals_explain_and_say_how_to_allow() -> None:
    ctx = PolicyContext.create(Policy(mode="read-write", deny_tools=["suspend_agent"]), RW, "the token's scopes")
    for name in ("suspend_agent", DESTRUCTIVE, "create_group"):
        d = ctx.decide(catalog()[name])
        assert not d.allowed
        assert d.reason and d.fix, d
        out = d.to_dict()
        assert out["decision"] == "refused" and out["how_to_allow"] == d.fix
    scopes = ctx.decide(catalog()[DESTRUCTIVE])
    assert scopes.rule == "scopes"
    assert "accounts--all:rw" in scopes.reason and "the token's scopes" in scopes.reason
    assert "suspend_agent" in ctx.decide(catalog()["suspend_agent"]).reason
    assert "--allow-writes" in PolicyContext.create(Policy(), None, "x").decide(catalog()[WRITE]).fix
    assert "allow_destructive" in PolicyContext.create(Policy(mode="read-write"), None, "x").decide(
        catalog()[DESTRUCTIVE]).fix


def test_allowed_decisions_have_no_fix() -> None:
    d = PolicyContext.create(Policy(), None, "x").decide(catalog()[READ])
    assert d == Decision.allow("allowed", "allowed by the policy")
    assert "how_to_allow" not in d.to_dict()
    planned = PolicyContext.create(Policy(mode="dry-run"), None, "x").decide(catalog()[WRITE])
    assert planned.allowed and planned.planned and planned.to_dict()["decision"] == "planned"


def test_actions_without_documented_scopes_pass_any_scope_set() -> None:
    ctx = PolicyContext.create(Policy(mode="read-write"), frozenset(), "the token's scopes")
    for name, act in catalog().items():
        d = ctx.decide(act)
        if act.scopes:
            assert d.rule == "scopes", name
        else:
            assert d.rule != "scopes", name


def test_scope_source_is_reported() -> None:
    assert PolicyContext.create(Policy(scopes=["agents--all:ro"]), RW, "tok").scopes_source == "policy file"
    assert PolicyContext.create(Policy(scopes=["agents--all:ro"]), RW, "tok").scopes == RO
    ctx = PolicyContext.create(Policy(), RW, "the token's scopes")
    assert ctx.scopes == RW and ctx.scopes_source == "the token's scopes"
    unknown = PolicyContext.create(Policy(), None, "could not be learned")
    assert unknown.scopes is None and unknown.scopes_source == "could not be learned"


def test_read_only_refuses_every_write_and_allows_every_read() -> None:
    decisions = PolicyContext.create(Policy(), None, "x").decide_all()
    assert set(decisions) == set(catalog())
    for name, d in decisions.items():
        assert d.allowed is (not catalog()[name].write), name


def test_full_access_allows_everything_and_read_write_refuses_only_destructive() -> None:
    full = PolicyContext.create(Policy(mode="read-write", allow_destructive=True), None, "x").decide_all()
    assert all(d.allowed and not d.planned for d in full.values())
    rw = PolicyContext.create(Policy(mode="read-write"), None, "x").decide_all()
    for name, d in rw.items():
        assert d.allowed is (not catalog()[name].destructive), name


# --- Policy validation -------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("data", "needle"),
    [
        ({"read_only-true": True}, "read_only-true"),
        ({"mode": "readonly"}, "mode"),
        ({"deny_tools": ["delete_agents"]}, "delete_agents"),
        ({"allow_tools": ["Create_Agent"]}, "Create_Agent"),
        ({"scopes": ["agents:rw"]}, "agents:rw"),
        ({"toolsets": ["agent"]}, "agent"),
        ({"toolsets": []}, "toolsets"),
        ({"allow_tools": []}, "allow_tools is empty"),
        ({"max_batch_size": 0}, "max_batch_size"),
        ({"allow_destructive": "maybe"}, "allow_destructive"),
    ],
)
def test_malformed_policy_is_rejected(data: dict[str, Any], needle: str) -> None:
    with pytest.raises(ValidationError, match=needle.replace("*", r"\*")):
        Policy.model_validate(data)


def test_documented_scopes_cover_every_action() -> None:
    known = documented_scopes()
    for act in catalog().values():
        for alternative in act.scopes:
            assert set(alternative) <= known


# --- loader: presets, flags, widening --------------------------------------------------------

@pytest.mark.parametrize(
    ("preset", "mode", "destructive"),
    [("read-only", "read-only", False), ("read-write", "read-write", False), ("full-access", "read-write", True),
     ("dry-run", "dry-run", False), ("dry-run-admin", "dry-run", True), ("agent-admin", "read-write", False)],
)
def test_presets_load(preset: str, mode: str, destructive: bool) -> None:
    assert preset in presets()
    policy, label = load_policy(preset, Overrides())
    assert (policy.mode, policy.allow_destructive) == (mode, destructive)
    assert preset in label


def test_agent_admin_preset_exposes_only_agents_and_groups() -> None:
    policy, _ = load_policy("agent-admin", Overrides())
    ctx = PolicyContext.create(policy, None, "x")
    assert ctx.decide(catalog()["create_group"]).allowed
    assert ctx.decide(catalog()["approve_agent"]).allowed
    assert ctx.decide(catalog()["create_tag"]).rule == "toolsets"
    assert ctx.decide(catalog()["delete_group"]).rule == "allow_destructive"


@pytest.mark.parametrize(
    ("overrides", "mode", "destructive", "toolsets"),
    [
        (Overrides(), "read-only", False, ["all"]),
        (Overrides(allow_writes=True), "read-write", False, ["all"]),
        (Overrides(allow_writes=True, allow_destructive=True), "read-write", True, ["all"]),
        (Overrides(dry_run=True), "dry-run", False, ["all"]),
        (Overrides(allow_writes=True, dry_run=True), "dry-run", False, ["all"]),  # the safer reading wins
        (Overrides(toolsets=["agents", "tags"]), "read-only", False, ["agents", "tags"]),
        # discovery is a presentation switch beside the resources, not one of them
        (Overrides(discovery=True), "read-only", False, ["all"]),
    ],
)
def test_flags_without_a_policy(overrides: Overrides, mode: str, destructive: bool, toolsets: list[str]) -> None:
    policy, _ = load_policy(None, overrides)
    assert (policy.mode, policy.allow_destructive, policy.toolsets) == (mode, destructive, toolsets)
    assert policy.discovery == overrides.discovery


@pytest.mark.parametrize(
    ("spec", "overrides", "flag"),
    [
        ("read-only", Overrides(allow_writes=True), "--allow-writes"),
        ("read-only", Overrides(dry_run=True), "--dry-run"),
        ("read-write", Overrides(allow_destructive=True), "--allow-destructive"),
        ("agent-admin", Overrides(toolsets=["tags"]), "--toolsets"),
        ("agent-admin", Overrides(toolsets=["all"]), "--toolsets"),
    ],
)
def test_flags_cannot_widen_an_explicit_policy(spec: str, overrides: Overrides, flag: str) -> None:
    with pytest.raises(PolicyError, match=flag):
        load_policy(spec, overrides)


def test_flags_may_narrow_an_explicit_policy() -> None:
    policy, _ = load_policy("full-access", Overrides(dry_run=True, toolsets=["agents"]))
    assert policy.mode == "dry-run" and policy.toolsets == ["agents"]
    policy, _ = load_policy("agent-admin", Overrides(toolsets=["agents"]))
    assert policy.toolsets == ["agents"]
    policy, _ = load_policy("read-only", Overrides(discovery=True))
    assert policy.discovery and policy.mode == "read-only"


def test_narrowing_toolsets_keeps_discovery_mode() -> None:
    from server.policies.loader import build_policy

    assert build_policy({"toolsets": ["all", "discovery"]}, "x").discovery
    policy, _ = load_policy("read-only", Overrides(discovery=True, toolsets=["agents"]))
    assert policy.toolsets == ["agents"] and policy.discovery


def test_narrowing_toolsets_of_a_discovery_policy_keeps_discovery(tmp_path) -> None:
    spec = tmp_path / "p.toml"
    spec.write_text('toolsets = ["all", "discovery"]\n')
    policy, _ = load_policy(str(spec), Overrides(toolsets=["agents"]))
    assert policy.toolsets == ["agents"] and policy.discovery
    again, _ = load_policy(str(spec), Overrides(discovery=True))
    assert again.toolsets == ["all"] and again.discovery


def test_duplicate_json_keys_are_refused(tmp_path) -> None:
    spec = tmp_path / "p.json"
    spec.write_text('{"mode": "read-only", "mode": "read-write"}')
    with pytest.raises(PolicyError, match="'mode' more than once"):
        load_policy(str(spec), Overrides())


def test_discovery_alone_means_discovery_over_every_resource() -> None:
    policy = Policy.model_validate({"toolsets": ["discovery"]})
    assert policy.discovery and "all" in policy.toolsets


def test_the_engine_knows_every_meta_tool_by_name() -> None:
    from server.meta.registry import ALL_META
    from server.policies.engine import META_TOOLS

    assert META_TOOLS == tuple(t.name for t in ALL_META)  # deny_tools validates names against it
