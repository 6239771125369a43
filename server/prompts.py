"""Prompts for the agent-lifecycle workflows (docs/reference/agent-lifecycle-guide.txt).

Each names the tools in order and the traps the guide warns about.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Prompt:
    name: str
    title: str
    description: str
    arguments: dict[str, str]
    template: str


PROMPTS: dict[str, Prompt] = {
    p.name: p
    for p in (
        Prompt(
            "provision_agent",
            "Provision an agent",
            "Create an agent, put them in groups, and track the invitation until approved.",
            {"email": "The new agent's email (becomes their permanent id).", "name": "Display name.",
             "groups": "Groups and priorities, e.g. '1:normal, 2:last'."},
            """Provision the LiveChat agent {email} ("{name}") with groups {groups}.

Steps:
1. get_agent {{"id": "{email}"}}: if it exists already, stop and report (create_agent would fail with already_exists).
2. list_groups: check that every group id in {groups} exists (unknown ids fail with group_not_found).
3. create_agent with id, name, role "normal" unless told otherwise, and the groups with their priorities.
4. get_agent with fields ["awaiting_approval", "groups"]: confirm the groups.
5. Report that the agent is awaiting_approval.

Traps:
- The id is the email and can never change: check the spelling; a later email change means delete + re-create.
- create_agent sends an invitation; the agent stays awaiting_approval and gets no chats until accepted
  (or approve_agent is used by someone allowed to). Do not treat provisioning as complete before that.
- Roles: normal, administrator, viceowner; a role above normal needs the accounts.roles.lc--all:rw scope.
""",
        ),
        Prompt(
            "offboard_agent",
            "Offboard an agent",
            "Record an agent's settings for audit, soft-disable them, then delete them.",
            {"email": "The agent's email (their id)."},
            """Offboard the LiveChat agent {email}.

Steps:
1. get_agent {{"id": "{email}", "fields": ["groups", "max_chats_count", "job_title", "suspended", "awaiting_approval", "notifications", "work_scheduler"]}}:
   keep the full answer in your reply as the audit record.
2. Soft-disable: update_agent {{"id": "{email}", "max_chats_count": 0}} so no new chats are routed
   (suspend_agent is the stronger option where the policy allows it).
3. Ask the human to confirm the deletion, showing the audit record.
4. delete_agent {{"id": "{email}"}}: permanent and immediate.
5. get_agent {{"id": "{email}"}} must now fail with not_found: report it.

Traps:
- Deletion cannot be undone; the email-id can be re-invited later only as a new agent.
- Open chats are not reassigned by this: check them in the LiveChat app.
""",
        ),
        Prompt(
            "sync_role_change",
            "Sync a role change from an identity provider",
            "Apply an IdP role change to a LiveChat agent: role first, then group priorities.",
            {"email": "The agent's email (their id).", "role": "New role: normal, administrator or viceowner.",
             "groups": "New group priorities, e.g. '1:first, 2:supervisor' (empty to leave groups alone)."},
            """Sync a role change from the identity provider for {email}: role {role}, groups {groups}.

Steps:
1. get_agent {{"id": "{email}", "fields": ["groups"]}}: the current role and groups.
2. If the role differs: update_agent {{"id": "{email}", "role": "{role}"}}.
3. If groups were given: update_agent with "groups" (or update_group with agent_priorities per group).
4. get_agent again and report before/after.

Traps:
- IdP roles map to LiveChat roles: "agent" → normal, "admin" → administrator. The owner role cannot be set.
- Changing a role needs the accounts.roles.lc--all:rw scope; without it the call fails with authorization.
- An email change in the IdP is not a rename: LiveChat ids are emails (delete + re-create, see offboard_agent).
""",
        ),
    )
}


def render_prompt(prompt: Prompt, arguments: dict[str, str]) -> str:
    missing = [a for a in prompt.arguments if a not in arguments]
    if missing:
        raise ValueError(f"prompt {prompt.name} needs argument(s): {', '.join(missing)}")
    return prompt.template.format(**{k: arguments[k] for k in prompt.arguments})
