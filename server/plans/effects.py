"""What each action does to which kind of object (creates, changes or deletes it, keyed by which
field), and the ledger of what a plan does so far: the data plan checks (server/plans/checks.py)
count with and plan documents (server/plans/document.py) summarise by.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Kind:
    key: str  # the field naming the object in its actions
    read: str  # the list action reading all of them
    args: dict[str, Any]
    not_found: str  # the LiveChat error type for a missing one


KINDS: dict[str, Kind] = {
    "agent": Kind("id", "list_agents", {"fields": ["groups", "job_title", "mobile", "max_chats_count",
                                                   "notifications", "email_subscriptions", "work_scheduler"]},
                  "not_found"),
    "group": Kind("id", "list_groups", {"fields": ["agent_priorities"]}, "group_not_found"),
    "tag": Kind("name", "list_tags", {}, "not_found"),
    "bot": Kind("id", "list_bots", {"all": True, "fields": ["groups", "job_title", "max_chats_count", "work_scheduler"]},
                "not_found"),
    "webhook": Kind("id", "list_webhooks", {}, "not_found"),
    "bot_template": Kind("id", "list_bot_templates", {}, "not_found"),
    "auto_access": Kind("id", "list_auto_accesses", {}, "not_found"),
}
# action -> the kind it creates / changes / deletes (keyed by the kind's key field)
CREATES = {"create_agent": "agent", "create_tag": "tag", "create_group": "group", "create_bot": "bot",
           "register_webhook": "webhook", "create_bot_template": "bot_template", "add_auto_access": "auto_access"}
UPDATES = {"update_agent": "agent", "suspend_agent": "agent", "unsuspend_agent": "agent", "approve_agent": "agent",
           "update_group": "group", "update_tag": "tag", "update_bot": "bot", "update_bot_template": "bot_template",
           "update_auto_access": "auto_access"}
DELETES = {"delete_agent": "agent", "delete_group": "group", "delete_tag": "tag", "delete_bot": "bot",
           "unregister_webhook": "webhook", "delete_bot_template": "bot_template",
           "delete_auto_access": "auto_access"}


@dataclass
class Ledger:
    """What the plan so far does, and the reads made for it (cached for the plan)."""

    reads: dict[str, Any] = field(default_factory=dict)  # read key -> list of objects, or an error string
    calls: int = 0  # read calls made for the plan (pages included): what checking cost the budget
    created: dict[tuple[str, str], int] = field(default_factory=dict)  # (kind, key) -> step
    deleted: dict[tuple[str, str], int] = field(default_factory=dict)
    # (create action, owner, *per values) -> how many earlier steps add (negative: free)
    counted: dict[tuple[str, ...], int] = field(default_factory=dict)
    # Each read keyed by its objects' key, made once (not stored: derived from ``reads``).
    keyed: dict[tuple[str, str | None], dict[str, dict[str, Any]]] = field(default_factory=dict, repr=False)
