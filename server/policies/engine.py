"""The policy engine: what this deployment lets an assistant do, decided per action.

Rules, in the order they are checked (every rule that refuses is named, the first one as ``rule``,
and one fix lifts them all: server/policies/audience.py says it in the words of whoever reads it):
1. ``deny_tools``: names or globs; a rule on an action covers its batch variant. Deny wins.
2. ``toolsets``: the resources exposed.
3. ``allow_tools``: when given, only matching actions (or their batch variants).
4. ``scopes``: one of the action's documented scope alternatives must be covered.
5. ``mode``: read-only refuses every write; dry-run plans writes; read-write sends them.
6. ``allow_destructive``: destructive actions stay refused unless it is true, also in
   dry-run (a write the policy would refuse is refused, not planned), or unless ``confirm``
   asks a person for each one (rule 7).
7. ``confirm``: ``"never"`` (default) sends what rules 1-6 allow. ``"destructive"`` makes every
   destructive action a *confirm* decision: the server asks the person through their client
   (MCP elicitation, or an ``input_required`` round on protocol 2026-07-28) before it sends, and
   sends nothing on decline, cancel or a wrongly typed id. ``"writes"`` does the same for every
   write. With ``confirm`` set, ``allow_destructive = false`` no longer refuses destructive
   actions in read-write mode: they are available, each call only with a person's yes; that is
   how an operator allows deletes "only when a person confirms each call". In dry-run, writes are
   planned as before and applying the plan asks once. A client that cannot ask is refused (rule
   ``confirm``), as destructive actions were before. Mode and rules 1-4 still refuse first: a
   confirmation never reaches past them. In dry-run with ``confirm = "writes"`` the person may apply
   the session's own plan from their client (apply_plan, the review app's Apply): it asks once.
8. ``approvals`` (a team's hosted deployment): ``{required, approver_roles}``. Every write is
   planned (rule ``approvals``), as in dry-run, and a plan is sent only after ``required``
   approvals by signed-in people other than its author whose LiveChat role is listed
   (server/plans/approvals.py decides that, at apply). Rules 1-6 still refuse first.

``decide_applied`` is the decision for sending one step of a reviewed plan: what ``decide`` says,
except that a planned write is sent where applying is allowed (approvals checked at the door,
dry-run with ``confirm = "writes"`` after the one question) and refused otherwise.

Every decision has one of four outcomes (``Outcome``), each with its rule, reason and fix:
``allow``, ``plan``, ``confirm``, ``refuse``; the pipeline branches on the outcome alone.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from ..tools import RESOURCES, Action
from ..tools.listing import Listed, documented_scopes, listing

# META_TOOLS: the tools beyond the catalogue, named by their specs (server/meta/). deny_tools may
# name them, e.g. to run read-only without ChatGPT's search/fetch; allow_tools lists actions only,
# so an allow list never hides get_plan from a dry-run deployment by omission.
from ..tools.meta_names import META_TOOLS
from .audience import Audience, Change, Refusal, Terminal

Mode = Literal["read-only", "dry-run", "read-write"]
Confirm = Literal["never", "destructive", "writes"]
# LiveChat's account roles, most rights first (the accounts service's /v2/accounts/me ``role``).
Role = Literal["owner", "viceowner", "administrator", "normal"]
ROLES: tuple[str, ...] = Role.__args__  # type: ignore[attr-defined]
CONFIRMS: tuple[str, ...] = Confirm.__args__  # type: ignore[attr-defined]  # in order: each asks more
MODES: tuple[str, ...] = Mode.__args__  # type: ignore[attr-defined]
# What ``toolsets`` may hold: resources, or "all". "discovery" is accepted in a policy file's
# toolsets for compatibility and moved to the ``discovery`` switch: it is a way of presenting the
# allowed actions, never a resource, so it can never change which actions are allowed.
TOOLSETS: tuple[str, ...] = (*RESOURCES, "all")
DISCOVERY = "discovery"
DEFAULT_MAX_BATCH_SIZE = 50


class Approvals(BaseModel):
    """``approvals = {required = 1, approver_roles = ["owner", "viceowner"]}``: a plan with writes is
    sent only after ``required`` approvals by signed-in people other than its author whose LiveChat
    role is one of ``approver_roles``."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    required: int = Field(ge=1, le=10, description="How many people must approve a plan (1-10).")
    approver_roles: list[Role] = Field(
        min_length=1, description=f"The LiveChat roles that may approve: {', '.join(ROLES)}.")

    @field_validator("approver_roles", mode="before")
    @classmethod
    def _known_roles(cls, value: object) -> object:
        if isinstance(value, list):
            unknown = [r for r in value if r not in ROLES]
            if unknown:
                hint = [str(r).lower() for r in unknown if str(r).lower() in ROLES]
                raise ValueError(f"unknown role(s) {unknown}; LiveChat's roles are {', '.join(ROLES)}"
                                 + (f" (lower case: {', '.join(hint)})" if hint else ""))
            if len(set(value)) != len(value):
                raise ValueError("lists a role twice")
        return value

    @property
    def who(self) -> str:
        """``1 approval by an owner or viceowner``: who must approve, in words."""
        roles = " or ".join(self.approver_roles)
        article = "an" if roles[0] in "aeiou" else "a"
        return f"{self.required} approval{'s' * (self.required != 1)} by {article} {roles}" if self.required == 1 \
            else f"{self.required} approvals by people with role {roles}"


class Policy(BaseModel):
    """A deployment's policy. Unknown keys are an error: a typo must not silently widen access."""

    # strict: a policy file's `allow_destructive = "no"` or `1` is a mistake to report, not a
    # value to guess at (lax mode would read "no" as false and "yes", "on" or 1 as true).
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    mode: Mode = Field(default="read-only", description="read-only (default), dry-run, or read-write.")
    allow_destructive: bool = Field(default=False, description="Allow destructive actions in read-write mode.")
    confirm: Confirm = Field(
        default="never",
        description="Ask the person in their client before sending: never (default), destructive "
        "(every destructive call; allowed then even with allow_destructive = false), or writes (every write).",
    )
    scopes: list[str] | None = Field(
        default=None, description="LiveChat scopes this deployment may use; default: the token's own scopes."
    )
    toolsets: list[str] = Field(default_factory=lambda: ["all"], description="Resources to expose.")
    discovery: bool = Field(
        default=False,
        description="Present the allowed actions through search_actions / describe_action / call_action "
        "instead of one tool each. Presentation only: the same actions stay allowed.",
    )
    allow_tools: list[str] | None = Field(default=None, description="Only these tools (names or globs).")
    deny_tools: list[str] = Field(default_factory=list, description="Never these tools (names or globs).")
    reveal_secrets: bool = Field(default=False, description="Show bot secrets and tokens in results.")
    show_refused_tools: bool = Field(default=False, description="List refused tools too, marked as refused.")
    max_batch_size: int = Field(
        default=DEFAULT_MAX_BATCH_SIZE, ge=1, le=1000, description="Largest batch_* request a plan builds."
    )
    description: str = Field(default="", description="Free text shown by `livechat-mcp policy`.")
    approvals: Approvals | None = Field(
        default=None,
        description="Teams (hosted mode): writes are planned, and a plan is sent only after this many approvals "
        "by signed-in people other than its author with one of these LiveChat roles.",
    )

    @model_validator(mode="before")
    @classmethod
    def _discovery_out_of_toolsets(cls, data: object) -> object:
        """``toolsets = ["agents", "discovery"]`` (the older spelling) means resources ["agents"]
        with discovery on; ``["discovery"]`` alone names no resource, i.e. the default, all."""
        if not isinstance(data, dict) or not isinstance(data.get("toolsets"), list):
            return data
        toolsets = data["toolsets"]
        if DISCOVERY not in toolsets:
            return data
        if data.get("discovery") is False:
            raise ValueError('toolsets lists "discovery" but discovery = false: say one or the other')
        rest = [t for t in toolsets if t != DISCOVERY]
        return {**data, "toolsets": rest or ["all"], "discovery": True}

    @field_validator("toolsets")
    @classmethod
    def _known_toolsets(cls, value: list[str]) -> list[str]:
        unknown = [t for t in value if t not in TOOLSETS]
        if unknown:
            raise ValueError(f"unknown toolset(s) {unknown}; known: {', '.join(TOOLSETS)} (and {DISCOVERY})")
        if not value:
            raise ValueError("toolsets is empty: nothing would be exposed (use [\"all\"])")
        return list(dict.fromkeys(value))

    @field_validator("allow_tools", "deny_tools")
    @classmethod
    def _known_tools(cls, value: list[str] | None, info: ValidationInfo) -> list[str] | None:
        if value is None:
            return None
        if info.field_name == "allow_tools" and not value:
            # Like an empty toolsets: almost certainly a mistake, and "allow nothing" and "no
            # allow list" are opposite readings; refuse rather than pick one.
            raise ValueError("allow_tools is empty: list the tools to allow, or leave it out to allow all")
        names = set(listing()) | (set(META_TOOLS) if info.field_name == "deny_tools" else set())
        for pattern in value:
            if not any(_match(pattern, name) for name in names):
                raise ValueError(f"{pattern!r} matches no tool (tool names are lower_snake_case, e.g. delete_agent)")
        return value

    @field_validator("scopes")
    @classmethod
    def _known_scopes(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        known = documented_scopes()
        unknown = [s for s in value if s not in known]
        if unknown:
            raise ValueError(f"unknown scope(s) {unknown}; scopes look like agents--all:rw")
        return value

    @model_validator(mode="after")
    def _approvals_need_writes(self) -> Policy:
        if self.approvals is not None and self.mode == "read-only":
            raise ValueError('approvals: the policy is read-only, so there is nothing to approve; use mode = '
                             '"read-write" (writes are then planned and sent once approved)')
        return self

    @property
    def writes_allowed(self) -> bool:
        return self.mode == "read-write"

    @property
    def plans_writes(self) -> bool:
        """Writes become a plan to review (get_plan, the review app): dry-run, or approvals."""
        return self.mode == "dry-run" or (self.approvals is not None and self.mode == "read-write")

    @property
    def applies_own_plans(self) -> bool:
        """A session may apply a plan itself (apply_plan): writes allowed, or dry-run where the
        person confirms the plan once in their client (confirm = "writes")."""
        return self.writes_allowed or (self.mode == "dry-run" and self.confirm == "writes")


class Outcome(StrEnum):
    """What happens to a call: the one thing the pipeline branches on."""

    ALLOW = "allow"  # sent
    PLAN = "plan"  # dry-run: added to the session's plan, nothing sent
    CONFIRM = "confirm"  # sent only after a person says yes in their client (server/calls/confirm.py)
    REFUSE = "refuse"  # nothing sent; ``fix`` says how to allow it


@dataclass(frozen=True)
class Decision:
    """One outcome with the rule that decided it, the reason and (for refusals and
    confirmations) the fix. Made with ``Decision.allow/plan/ask/refuse``."""

    outcome: Outcome
    rule: str
    reason: str
    fix: str = ""
    # A refusal: every rule that refuses, each with what would lift it (``rule`` is the first).
    refusals: tuple[Refusal, ...] = ()

    @classmethod
    def allow(cls, rule: str, reason: str) -> Decision:
        return cls(Outcome.ALLOW, rule, reason)

    @classmethod
    def plan(cls, rule: str, reason: str) -> Decision:
        return cls(Outcome.PLAN, rule, reason)

    @classmethod
    def ask(cls, rule: str, reason: str, fix: str) -> Decision:
        return cls(Outcome.CONFIRM, rule, reason, fix)

    @classmethod
    def refuse(cls, rule: str, reason: str, fix: str) -> Decision:
        return cls(Outcome.REFUSE, rule, reason, fix, (Refusal(rule, reason),))

    @classmethod
    def refused(cls, refusals: list[Refusal], audience: Audience) -> Decision:
        """Refused by every rule in ``refusals``: one reason naming them all, one fix lifting them all."""
        return cls(Outcome.REFUSE, refusals[0].rule, "; ".join(r.reason for r in refusals), audience.fix(refusals),
                   tuple(refusals))

    @property
    def rules(self) -> list[str]:
        """Every rule that refuses (empty unless refused)."""
        return list(dict.fromkeys(r.rule for r in self.refusals)) if self.refusals else (
            [self.rule] if self.outcome is Outcome.REFUSE else [])

    # Views of the outcome for readers that ask one question of it (listing tools, reports).
    @property
    def allowed(self) -> bool:
        """The action may be used at all (sent, planned or confirmed): it is listed."""
        return self.outcome is not Outcome.REFUSE

    @property
    def planned(self) -> bool:
        return self.outcome is Outcome.PLAN

    @property
    def confirm(self) -> bool:
        return self.outcome is Outcome.CONFIRM

    @property
    def label(self) -> str:
        """The audit's word for the decision (a confirmed call is audited as allowed or declined)."""
        return {Outcome.REFUSE: "refused", Outcome.PLAN: "planned"}.get(self.outcome, "allowed")

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"decision": self.label, "rule": self.rule, "reason": self.reason}
        if len(self.rules) > 1:
            out["rules"] = self.rules
        if self.outcome is Outcome.CONFIRM:
            out["confirm"] = True
        if self.fix:
            out["how_to_allow"] = self.fix
        return out


def _match(pattern: str, name: str) -> bool:
    return fnmatch.fnmatchcase(name, pattern)


def _matches(patterns: Iterable[str], act: Action | Listed) -> str | None:
    for pattern in patterns:
        if _match(pattern, act.name) or (act.batch_of and _match(pattern, act.batch_of)):
            return pattern
    return None


@dataclass(frozen=True)
class PolicyContext:
    """A policy plus the scopes in force and where they came from, and who reads its refusals
    (``audience``: the CLI's flags by default; the doors that build a runtime say who it is)."""

    policy: Policy
    scopes: frozenset[str] | None
    scopes_source: str
    audience: Audience = field(default_factory=Terminal, compare=False)

    @classmethod
    def create(cls, policy: Policy, token_scopes: frozenset[str] | None, token_note: str,
               audience: Audience | None = None) -> PolicyContext:
        audience = audience or Terminal()
        if policy.scopes is not None:
            return cls(policy, frozenset(policy.scopes), "policy file", audience)
        if token_scopes is not None:
            return cls(policy, token_scopes, token_note, audience)
        return cls(policy, None, token_note, audience)

    def refusals(self, act: Action | Listed) -> list[Refusal]:
        """Every rule that refuses ``act``, in the order of the module docstring, each with the
        change that would lift it."""
        p = self.policy
        out: list[Refusal] = []
        denied = _matches(p.deny_tools, act)
        if denied:
            out.append(Refusal("deny_tools", f"{act.name} matches deny_tools entry {denied!r}",
                               Change("deny_tools", denied, act.name)))
        if "all" not in p.toolsets and act.resource not in p.toolsets:
            out.append(Refusal("toolsets", f"toolset {act.resource!r} is not enabled",
                               Change("toolsets", [*p.toolsets, act.resource], act.resource)))
        if p.allow_tools and not _matches(p.allow_tools, act):
            out.append(Refusal("allow_tools", f"{act.name} is not in allow_tools",
                               Change("allow_tools", act.name, act.name)))
        if self.scopes is not None and act.scopes and not any(set(a) <= self.scopes for a in act.scopes):
            needed = " or ".join(" + ".join(a) for a in act.scopes)
            # What each alternative still lacks, the nearest first (one scope short before three).
            lacking = sorted((sorted(set(a) - self.scopes) for a in act.scopes), key=len)
            where = "scopes" if self.scopes_source == "policy file" else "credential"
            out.append(Refusal("scopes", f"needs scope {needed}, not granted ({self.scopes_source})",
                               Change(where, list(dict.fromkeys(" + ".join(a) for a in lacking)), act.name)))
        if act.write and p.mode == "read-only":
            out.append(Refusal("mode", "the policy is read-only", Change("mode", "read-write", act.name, p.mode)))
        asks = (p.confirm == "writes" and act.write) or (p.confirm != "never" and act.destructive)
        if act.destructive and not p.allow_destructive and not asks:
            out.append(Refusal("allow_destructive", f"{act.name} is destructive",
                               Change("allow_destructive", True, act.name)))
        return out

    def decide(self, act: Action | Listed) -> Decision:
        refusals = self.refusals(act)
        if refusals:
            return Decision.refused(refusals, self.audience)
        p = self.policy
        if act.write and p.mode == "dry-run":
            return Decision.plan("mode", "dry-run: the request is planned, not sent")
        if act.write and p.approvals is not None:
            return Decision.plan("approvals", f"the request is planned, and sent once the plan has {p.approvals.who} "
                                 "other than its author")
        if (p.confirm == "writes" and act.write) or (p.confirm != "never" and act.destructive):
            what = "destructive" if p.confirm == "destructive" else "a write"
            return Decision.ask("confirm", f"{act.name} is {what}: sent only after the person confirms it "
                               "in their client", "set confirm = \"never\" to send without asking")
        return Decision.allow("allowed", "allowed by the policy")

    def decide_applied(self, act: Action) -> Decision:
        """The decision for sending ``act`` as a step of a reviewed plan (apply): as ``decide``,
        except for a write it plans. Under ``approvals`` it is sent as the policy without them would
        (the plan's approvals are checked before any step, server/plans/approvals.py); in dry-run
        with confirm = "writes" after the person's one yes for the plan; else refused."""
        decision = self.decide(act)
        if decision.outcome is not Outcome.PLAN:
            return decision
        p = self.policy
        if decision.rule == "approvals":
            return replace(self, policy=p.model_copy(update={"approvals": None})).decide(act)
        if p.mode == "dry-run" and p.confirm == "writes":
            return Decision.ask("confirm", f"{act.name} is sent as a step of a plan the person confirms once in their "
                                "client (dry-run with confirm = \"writes\")", "set confirm = \"never\" to send without asking")
        return self.refuse([Refusal("mode", "the policy is dry-run; applying needs read-write",
                                    Change("mode", "read-write", act.name, p.mode))])

    def refuse(self, refusals: list[Refusal]) -> Decision:
        """A refusal decided outside ``decide`` (applying under a dry-run policy, a meta tool the
        policy does not make available), said to this policy's audience."""
        return Decision.refused(refusals, self.audience)

    def denies_meta(self, name: str) -> str | None:
        """The deny_tools pattern that names meta tool ``name``, if any."""
        return next((p for p in self.policy.deny_tools if _match(p, name)), None)

    def decide_all(self, actions: Mapping[str, Action] | Mapping[str, Listed] | None = None) -> dict[str, Decision]:
        return {name: self.decide(act) for name, act in (actions or listing()).items()}
