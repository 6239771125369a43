"""Prompts for the agent-lifecycle workflows (docs/reference/agent-lifecycle-guide.txt).

Each names the tools in order and the traps the guide warns about. Where the guide is older
than v3.6 it is corrected: it says there is no suspend state, but v3.6 has suspend_agent,
so offboarding soft-disables with it; and it maps IdP roles to "agent"/"administrator",
which v3.6 calls normal/administrator.

A rendered prompt ends with what the server's policy does to the tools it names, so an
assistant learns before step 1 that, say, delete_agent is refused or writes are only planned.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..policies import PolicyContext
from ..tools import catalog


@dataclass(frozen=True)
class Argument:
    description: str
    required: bool = True
    default: str = ""


@dataclass(frozen=True)
class Prompt:
    name: str
    title: str
    description: str
    arguments: dict[str, Argument]
    template: str
    tools: tuple[str, ...] = field(default=())


class PromptError(ValueError):
    """A prompt asked for by a wrong name or without a required argument."""


PROMPTS: dict[str, Prompt] = {
    p.name: p
    for p in (
        Prompt(
            "provision_agent",
            "Provision an agent",
            "Create an agent, put them in groups, and track the invitation until approved.",
            {
                "email": Argument("The new agent's email (becomes their permanent id)."),
                "name": Argument("Display name."),
                "groups": Argument("Groups and priorities, e.g. '1:normal, 2:last' (default: group 0 only).",
                                   required=False, default="none given (the agent joins the default group 0)"),
                "role": Argument("normal (default), administrator or viceowner.", required=False, default="normal"),
            },
            """Provision the LiveChat agent {email} ("{name}") with role {role}; groups: {groups}.

Steps:
1. get_agent {{"id": "{email}"}}: if the agent exists already, stop and report (create_agent would fail with already_exists).
2. list_groups: check that every group id given exists (an unknown id fails with group_not_found).
3. create_agent {{"id": "{email}", "name": "{name}", "role": "{role}", "groups": [{{"id": <group id>, "priority": "<priority>"}}, ...]}}.
4. get_agent {{"id": "{email}", "fields": ["awaiting_approval", "groups"]}}: confirm the groups.
5. Report that the agent is awaiting_approval and what that means (below).

Traps:
- The id is the email and can never change: check the spelling. A later email change means delete + re-create.
- create_agent sends an invitation: the agent stays awaiting_approval and gets no chats until they accept
  (or someone allowed to uses approve_agent). Do not report provisioning as complete before that.
- A role above normal needs the accounts.roles.lc--all:rw scope.
""",
            tools=("get_agent", "list_groups", "create_agent", "approve_agent"),
        ),
        Prompt(
            "offboard_agent",
            "Offboard an agent",
            "Record an agent's settings for audit, soft-disable them, then delete them.",
            {"email": Argument("The agent's email (their id).")},
            """Offboard the LiveChat agent {email}.

Steps:
1. get_agent {{"id": "{email}", "fields": ["groups", "max_chats_count", "job_title", "suspended", "awaiting_approval", "notifications", "work_scheduler"]}}:
   keep the whole answer in your reply as the audit record.
2. Soft-disable: suspend_agent {{"id": "{email}"}} (they can no longer use LiveChat; unsuspend_agent reverses it).
   If suspend_agent is not allowed, update_agent {{"id": "{email}", "max_chats_count": 0}} stops new chats being routed.
3. Ask the human to confirm the deletion, showing the audit record. Do not go on without a yes.
4. delete_agent {{"id": "{email}"}}: permanent and immediate.
5. get_agent {{"id": "{email}"}} must now fail with not_found: report it.

Traps:
- Deletion cannot be undone; the email can be invited again later only as a new agent.
- The license owner cannot be suspended or deleted.
- Open chats are not reassigned by these calls: check them in the LiveChat app.
""",
            tools=("get_agent", "suspend_agent", "update_agent", "delete_agent"),
        ),
        Prompt(
            "sync_role_change",
            "Sync a role change from an identity provider",
            "Apply an IdP role change to a LiveChat agent: role first, then group priorities.",
            {
                "email": Argument("The agent's email (their id)."),
                "role": Argument("New role: normal, administrator or viceowner (IdP 'agent' = normal)."),
                "groups": Argument("New group priorities, e.g. '1:first, 2:supervisor' (default: leave groups alone).",
                                   required=False, default="unchanged"),
            },
            """Sync a role change from the identity provider for {email}: role {role}; groups: {groups}.

Steps:
1. get_agent {{"id": "{email}", "fields": ["groups"]}}: the current role and groups (the "before").
2. If the role differs: update_agent {{"id": "{email}", "role": "{role}"}}.
3. If new groups were given: update_agent {{"id": "{email}", "groups": [{{"id": <group id>, "priority": "<priority>"}}, ...]}}
   with the complete list (groups left out are left by the agent).
4. get_agent again and report before and after.

Traps:
- IdP roles map to LiveChat roles: "agent" → normal, "admin" → administrator. The owner role cannot be set.
- Changing a role needs the accounts.roles.lc--all:rw scope; without it the call fails with authorization.
- An email change in the IdP is not a rename: LiveChat ids are emails (delete + re-create, see offboard_agent).
""",
            tools=("get_agent", "update_agent"),
        ),
    )
}


def render_prompt(prompt: Prompt, arguments: dict[str, str], policy: PolicyContext | None = None) -> str:
    missing = [name for name, arg in prompt.arguments.items() if arg.required and not arguments.get(name)]
    if missing:
        needed = "; ".join(f"{m}: {prompt.arguments[m].description.rstrip('.')}" for m in missing)
        raise PromptError(f"prompt {prompt.name} needs argument(s): {', '.join(missing)} ({needed})")
    unknown = sorted(set(arguments) - set(prompt.arguments))
    if unknown:
        raise PromptError(f"prompt {prompt.name} has no argument(s) {', '.join(unknown)}; "
                          f"it takes: {', '.join(prompt.arguments)}")
    values = {name: arguments.get(name) or arg.default for name, arg in prompt.arguments.items()}
    text = prompt.template.format(**values)
    if policy is not None:
        text += _policy_notes(prompt, policy)
    return text


def _policy_notes(prompt: Prompt, policy: PolicyContext) -> str:
    refused: dict[tuple[str, str], list[str]] = {}  # one line per reason, not per tool
    planned: list[str] = []
    why_planned = "dry-run"
    for name in prompt.tools:
        decision = policy.decide(catalog()[name])
        if not decision.allowed:
            refused.setdefault((decision.reason, decision.fix), []).append(name)
        elif decision.planned:
            planned.append(name)
            why_planned = "sent once the plan is approved" if decision.rule == "approvals" else why_planned
    lines = [f"- {', '.join(names)} {'is' if len(names) == 1 else 'are'} refused: {reason} "
             f"(an operator allows {'it' if len(names) == 1 else 'them'} with: {fix})."
             for (reason, fix), names in refused.items()]
    if planned:
        lines.append(f"- {', '.join(planned)} {'is' if len(planned) == 1 else 'are'} planned, not sent ({why_planned}): "
                     "review the plan with get_plan.")
    if not lines:
        return "\nThis server's policy allows every tool above.\n"
    return "\nThis server's policy:\n" + "\n".join(lines) + "\nStop at a refused step and tell the human.\n"
