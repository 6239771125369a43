"""The tools beyond the catalogue (plans, discovery, ChatGPT's search/fetch, whoami) and the
resources. Each reaches LiveChat only through the pipeline (apply_plan through its prepare and
execute, request by request: server/calls/apply.py), so the policy holds on these paths too.

Kept free of imports: the policy engine reads the meta tool names from this package without
loading the pipeline (server/meta/registry.py holds MetaTools).
"""
