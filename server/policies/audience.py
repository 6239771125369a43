"""Who reads a refusal, and what they can change: one refusal in the words of each door.

The policy engine says *why* a call is refused and *what would lift it* as data (``Refusal``
with a ``Change``: a policy setting and the value it would need). Who reads the answer decides
how that is said, because each has a different door:

- ``Terminal`` (the CLI: ``livechat-mcp call``, ``apply``, ``policy``): the flags to add, or the
  lines of the policy file to edit when ``--policy`` names one (flags cannot widen a policy file).
- ``DesktopClient`` (stdio, started by Claude Desktop, Cursor, VS Code...): the person never typed
  a command; the flags live in the ``args`` of the server's entry in their client configuration,
  so the fix is that ``args`` list, complete, as ``livechat-mcp config`` prints it.
- ``HttpServer`` (``--transport http`` without sign-in): whoever started the server restarts it
  with the flags.
- ``HostedPerson`` (hosted, ``--oauth``): a person with a LiveChat role on someone else's deployment.
  Never a flag: what their role and the operator's policy allow, and whom to ask.

When several rules refuse one call, every one is named and one fix covers them all (a read-only
server asked for a destructive action needs ``--allow-writes --allow-destructive``, not one flag
now and the other on the next try).

Other refusals use the same pieces: ``Refusal(rule, reason, ask=...)`` for a rule no setting of
this server lifts (a plan awaiting another person's approval names who may approve in ``ask``),
rendered by ``audience.fix([...])``; ``refusal_error`` builds the error object every refusal has.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

# The flags `livechat-mcp` takes for each policy setting they can set (server/doors/cli/options.py).
_MODE_FLAGS = {"read-write": ("--allow-writes",), "dry-run": ("--dry-run",)}


@dataclass(frozen=True)
class Change:
    """What would lift one refusal: a setting and the value it would need.

    ``setting`` is a policy key (``mode``, ``allow_destructive``, ``confirm``, ``toolsets``,
    ``allow_tools``, ``deny_tools``, ``scopes``, ``discovery``) or one of two things that are not
    the policy's: ``credential`` (the credential must hold the scopes in ``value``) and ``role``
    (hosted: the person's LiveChat role must be one of ``value``)."""

    setting: str
    value: Any
    what: str = ""  # the tool or resource concerned, where the words need it (toolsets: the resource)
    now: Any = None  # the setting's value in force, where the words need it (mode: "read-only")


@dataclass(frozen=True)
class Refusal:
    """One rule that refuses a call: its name, why, and what would lift it. ``ask``: who can lift
    it when no setting of this server does (e.g. "an owner other than you approves the plan")."""

    rule: str
    reason: str
    change: Change | None = None
    ask: str = ""


def refusal_error(message: str, refusals: Sequence[Refusal], fix: str) -> dict[str, Any]:
    """The error object of a refusal (under ``"error"`` in a tool's answer): ``rule`` is the first
    rule (what callers key on), ``rules`` lists them all when there are several."""
    out: dict[str, Any] = {"type": "refused", "message": message, "rule": refusals[0].rule if refusals else "policy"}
    rules = list(dict.fromkeys(r.rule for r in refusals))
    if len(rules) > 1:
        out["rules"] = rules
    if fix:
        out["how_to_allow"] = fix
    return out


# Changes that are not the policy's settings: the credential's scopes, the hosted person's role,
# and a client (or terminal) that can ask the person to confirm.
_NOT_POLICY = ("credential", "role", "elicitation")


def _toml(value: Any) -> str:
    return json.dumps(value)  # TOML's strings, booleans and arrays of strings read like JSON's


def _settings(changes: Iterable[Change]) -> list[Change]:
    """The policy settings among ``changes``, one per setting (a later one for the same key merges)."""
    out: dict[str, Change] = {}
    for c in changes:
        if c.setting in _NOT_POLICY:
            continue
        before = out.get(c.setting)
        if before is not None and isinstance(before.value, list) and isinstance(c.value, list):
            c = Change(c.setting, list(dict.fromkeys([*before.value, *c.value])), c.what)
        out[c.setting] = c
    return list(out.values())


def _file_line(c: Change) -> str:
    if c.setting == "deny_tools":
        return f"remove {c.value!r} from deny_tools"
    if c.setting == "allow_tools":
        return f"add {_toml(c.value)} to allow_tools"
    if c.setting == "scopes":
        return f"add {' or '.join(c.value)} to scopes"
    return f"{c.setting} = {_toml(c.value)}"


def _credential(changes: Sequence[Change]) -> str:
    needed = [c for c in changes if c.setting == "credential"]
    if not needed:
        return ""
    scopes = " or ".join(dict.fromkeys(alt for c in needed for alt in c.value))
    return f"a credential that holds {scopes} (a token of an app granted it, or a PAT of an account whose role has it)"


@dataclass
class Audience:
    """The reader of refusals. ``policy``: the ``--policy`` value in force (a preset name or a
    file), whose settings flags cannot widen; ``args``: the server's flags as given."""

    policy: str | None = None
    args: tuple[str, ...] = ()

    def fix(self, refusals: Sequence[Refusal]) -> str:
        """One fix that lifts every refusal in ``refusals``, in this reader's words."""
        changes = [r.change for r in refusals if r.change is not None]
        parts = [self._settings_fix(_settings(changes))] if _settings(changes) else []
        credential = _credential(changes)
        if credential:
            parts.append(self._credential_fix(credential))
        if any(c.setting == "elicitation" for c in changes):
            parts.append(self._asker_fix())
        parts += [r.ask for r in refusals if r.ask]
        return "; and ".join(p for p in dict.fromkeys(parts) if p)

    # --- what each reader says; the Terminal's words are the default ---------------------------

    def _settings_fix(self, changes: list[Change]) -> str:
        """The settings to change: the flags this reader sets them with, and the policy file's lines."""
        groups, lines = self._split(changes)
        parts = [self._flags_fix(groups, changes)] if groups else []
        if lines:
            parts.append(self._file_fix(lines))
        return "; and ".join(parts)

    def _flags_fix(self, groups: list[list[str]], changes: list[Change]) -> str:
        dropped = " instead of --dry-run" if "--dry-run" in self.args and ["--allow-writes"] in groups else ""
        keys = ", ".join(_file_line(c) for c in changes if _flag(c) is not None)
        return (f"run with {shlex.join(f for g in groups for f in g)}{dropped} (policy file: {keys}"
                f"{_alternatives(changes, self.args)})")

    def _credential_fix(self, credential: str) -> str:
        return f"use {credential}"

    def _asker_fix(self) -> str:
        return ("run it at an interactive terminal (`livechat-mcp call` and `livechat-mcp apply` ask there), or from "
                "an MCP client that supports elicitation (form mode)")

    def _file_fix(self, lines: list[str]) -> str:
        if self._is_file():
            return f"in the policy file {self.policy}: {'; '.join(lines)}"
        where = f"the preset {self.policy!r} does not allow it: " if self.policy is not None else ""
        return f"{where}use a policy file (--policy FILE) with {'; '.join(lines)}"

    def _is_file(self) -> bool:
        return self.policy is not None and self.policy.endswith((".toml", ".json"))

    def _split(self, changes: list[Change]) -> tuple[list[list[str]], list[str]]:
        """(flag groups to add, policy-file lines): flags only where no policy file or preset is in
        force (an explicit policy is authoritative: a flag cannot widen it)."""
        groups: list[list[str]] = []
        lines: list[str] = []
        for c in changes:
            flag = None if self.policy is not None else _flag(c)
            if flag is None:
                lines.append(_file_line(c))
            else:
                groups.append(flag)
        return groups, lines

    def new_args(self, changes: list[Change]) -> list[str]:
        """The server's flags with ``changes`` applied: a flag they contradict dropped, a flag
        with a value (--toolsets, --confirm) replaced."""
        groups, _ = self._split(changes)
        args = list(self.args)
        for flag in _contradicted(groups):
            while flag in args:
                i = args.index(flag)
                del args[i : i + (2 if flag in _VALUED else 1)]
        for group in groups:
            if group[0] not in args:
                args += group
        return args


_VALUED = ("--toolsets", "--confirm")


def _alternatives(changes: list[Change], args: Sequence[str]) -> str:
    """Other ways to the same call, where there are: planning instead of sending, asking a person
    before each destructive call instead of allowing them all."""
    settings = {c.setting: c.value for c in changes}
    applying = any(c.what in ("apply", "apply_plan") for c in changes)  # sending a plan: planning is no way round
    out = []
    if settings == {"mode": "read-write"} and "--dry-run" not in args and not applying:
        out.append("--dry-run to plan writes for review instead")
    if settings.get("allow_destructive") is True:
        out.append("--confirm destructive instead of --allow-destructive: each destructive call is sent only "
                   "after a person confirms it")
    return "".join(f"; or {o}" for o in out)


def _contradicted(groups: list[list[str]]) -> list[str]:
    """Flags already given that the new ones replace: a valued flag's old value, and the other mode
    (--dry-run wins over --allow-writes, so asking for read-write drops it; dry-run drops --allow-writes)."""
    out = [g[0] for g in groups if g[0] in _VALUED]
    if ["--allow-writes"] in groups:
        out.append("--dry-run")
    if ["--dry-run"] in groups:
        out.append("--allow-writes")
    return out


def _flag(c: Change) -> list[str] | None:
    if c.setting == "mode" and c.value in _MODE_FLAGS:
        return list(_MODE_FLAGS[c.value])
    if c.setting == "allow_destructive" and c.value is True:
        return ["--allow-destructive"]
    if c.setting == "confirm":
        return ["--confirm", str(c.value)]
    if c.setting == "toolsets" and isinstance(c.value, list):
        return ["--toolsets", ",".join(c.value)]
    if c.setting == "discovery" and c.value is True:
        return ["--discovery"]
    return None  # allow_tools, deny_tools, scopes: only a policy file sets them


@dataclass
class Terminal(Audience):
    """The CLI: the person typed the command, so the flags (or the policy file) are theirs."""


# Where each desktop client keeps its configuration (server/doors/client_config.py says more).
CLIENT_FILES = {
    "claude": "claude_desktop_config.json",
    "claude-code": "`claude mcp add`, or .mcp.json",
    "cursor": "~/.cursor/mcp.json or .cursor/mcp.json",
    "vscode": ".vscode/mcp.json",
}


@dataclass
class DesktopClient(Audience):
    """stdio started by a desktop client: the flags are the ``args`` of the server's entry in the
    client's configuration. ``command``: the command and the arguments before the flags, as
    `livechat-mcp config` writes them; ``client``: claude, cursor or vscode once the client said
    who it is (its clientInfo), else None."""

    command: tuple[str, ...] = ("livechat-mcp",)
    client: str | None = None

    def _flags_fix(self, groups: list[list[str]], changes: list[Change]) -> str:
        args = [*self.command[1:], *self.new_args(changes)]
        where = f" ({CLIENT_FILES[self.client]})" if self.client in CLIENT_FILES else ""
        which = {"claude-code": "claude"}.get(self.client or "", self.client) or "claude|cursor|vscode"
        return (f"in your MCP client's configuration{where}, set this server's \"args\" to {json.dumps(args)} "
                f"(`livechat-mcp config {which} {shlex.join(self.new_args(changes))}` prints the whole entry), "
                "then restart the client")

    def _file_fix(self, lines: list[str]) -> str:
        if self._is_file():
            return (f"in the policy file {self.policy} (the --policy in this server's \"args\" in your MCP client's "
                    f"configuration): {'; '.join(lines)}, then restart the client")
        return super()._file_fix(lines) + " (in this server's \"args\" in your MCP client's configuration)"

    def _credential_fix(self, credential: str) -> str:
        return f"put {credential} in the \"env\" of this server's entry in your MCP client's configuration"

    def _asker_fix(self) -> str:
        return ("use an MCP client that supports elicitation (form mode: it asks you before each such call), or run "
                "it at a terminal with `livechat-mcp call`, which asks there")


@dataclass
class HttpServer(Audience):
    """``--transport http`` without sign-in: the flags are on the server's command line."""

    def _flags_fix(self, groups: list[list[str]], changes: list[Change]) -> str:
        return f"whoever runs this server restarts it as `livechat-mcp {shlex.join(self.new_args(changes))}`"

    def _credential_fix(self, credential: str) -> str:
        return f"whoever runs this server gives it {credential}"

    def _asker_fix(self) -> str:
        return "use an MCP client that supports elicitation (form mode: it asks you before each such call)"


@dataclass
class HostedPerson(Audience):
    """A person signed in to a hosted deployment: they cannot change its settings and may not
    know what a flag is. Says what their role and the operator's policy allow, and whom to ask."""

    role: str = ""
    write_roles: frozenset[str] | None = None
    operator: str = "the operator of this server"

    def fix(self, refusals: Sequence[Refusal]) -> str:
        parts: list[str] = []
        for r in refusals:
            if r.ask:
                parts.append(r.ask)
            elif r.change is not None:
                parts.append(self._say(r.change))
        return "; ".join(dict.fromkeys(p for p in parts if p))

    def _say(self, c: Change) -> str:
        ask = f"ask {self.operator}"
        if c.setting == "role":
            roles = ", ".join(sorted(c.value)) if c.value else "none"
            return (f"your LiveChat role ({self.role or 'unknown'}) may read but not change configuration here (roles "
                    f"that may: {roles}): ask someone with one of those roles to make the change, or {ask} to let "
                    "your role write")
        if c.setting == "elicitation":
            return (f"use an MCP client that can ask you to confirm each such call (elicitation), or {ask} to change "
                    "the deployment's confirm setting")
        if c.setting == "credential":
            return (f"your LiveChat account does not have the scope {' or '.join(c.value)}: an owner of the license "
                    "can give your account a role that has it in LiveChat; then connect again")
        if c.setting == "mode":
            what = ("only plans changes, for an operator to apply" if c.now == "dry-run" else
                    "lets no one change configuration")
            return f"this deployment {what} (the operator's policy): {ask}, or make the change in LiveChat itself"
        if c.setting in ("allow_destructive", "confirm"):
            return (f"this deployment does not allow destructive actions (deleting, suspending, resetting secrets): "
                    f"{ask}, or an owner of the license can do it in LiveChat")
        if c.setting == "toolsets":
            return f"this deployment does not expose {c.what or 'that resource'}: {ask}"
        if c.setting in ("allow_tools", "deny_tools"):
            return f"the operator's policy does not allow {c.what or 'this tool'} here: {ask}"
        if c.setting == "scopes":
            return f"the operator's policy does not grant the scope this needs: {ask}"
        return f"{ask}"


__all__ = [
    "CLIENT_FILES",
    "Audience",
    "Change",
    "DesktopClient",
    "HostedPerson",
    "HttpServer",
    "Refusal",
    "Terminal",
    "refusal_error",
]
