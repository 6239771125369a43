"""The names of the tools beyond the catalogue, in the order tools/list shows them.

The one list of them: the specs (server/meta/*.py) take their names from here, and the policy
engine validates ``deny_tools`` against it. Data at the bottom layer, beside the catalogue's
names: the engine sits below the meta tools and may not import them (server/meta/registry.py
checks at import that the specs and this list agree).
"""

from __future__ import annotations

SEARCH_ACTIONS = "search_actions"
DESCRIBE_ACTION = "describe_action"
CALL_ACTION = "call_action"
GET_PLAN = "get_plan"
CLEAR_PLAN = "clear_plan"
APPLY_PLAN = "apply_plan"
GET_APPLY_REPORT = "get_apply_report"
SEARCH = "search"
FETCH = "fetch"
WHOAMI = "whoami"
EXPORT_CONFIG = "export_config"
DIFF_CONFIG = "diff_config"
PLAN_CONFIG = "plan_config"
PLANS_PENDING = "plans_pending"
REVIEW_PLAN = "review_plan"
APPROVE_PLAN = "approve_plan"
REJECT_PLAN = "reject_plan"

META_TOOLS: tuple[str, ...] = (
    SEARCH_ACTIONS, DESCRIBE_ACTION, CALL_ACTION, GET_PLAN, CLEAR_PLAN, APPLY_PLAN, GET_APPLY_REPORT, SEARCH, FETCH,
    WHOAMI, EXPORT_CONFIG, DIFF_CONFIG, PLAN_CONFIG, PLANS_PENDING, REVIEW_PLAN, APPROVE_PLAN,
    REJECT_PLAN,
)
