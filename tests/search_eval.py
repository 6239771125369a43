"""Plain-language requests and the tools that answer them: the evaluation set of search_actions
(issue 23, item 3). Written as an administrator would ask, not in the API's words; a request
hits when one of its tools is among the first three results. tests/test_assistant_search.py
runs it and bench/run.py reports the hit rate in docs/benchmarks.md."""

from __future__ import annotations

REQUESTS: tuple[tuple[str, frozenset[str]], ...] = tuple((query, frozenset(tools.split())) for query, tools in (
    # who, what, plans
    ("who am I", "whoami"),
    ("which account is this token for", "whoami"),
    ("what am I allowed to do here", "whoami"),
    ("show me the changes I planned", "get_plan"),
    ("send the reviewed plan to LiveChat", "apply_plan"),
    ("throw away everything I planned", "clear_plan"),
    ("what arguments does update_agent take", "describe_action"),
    # agents
    ("change the working hours of an agent", "update_agent"),
    ("set the chat limit for jane", "update_agent"),
    ("let an agent take more chats at the same time", "update_agent"),
    ("invite a new agent", "create_agent"),
    ("onboard 50 agents at once", "batch_create_agents"),
    ("remove an agent who left the company", "delete_agent"),
    ("temporarily block an agent from logging in", "suspend_agent batch_suspend_agents"),
    ("let a suspended agent back in", "unsuspend_agent batch_unsuspend_agents"),
    ("approve the agents waiting for approval", "approve_agent batch_approve_agents"),
    ("show everyone on the team", "list_agents"),
    ("which agents are still pending", "list_agents"),
    ("look up an agent by email", "get_agent"),
    ("make someone an administrator", "update_agent"),
    ("change an agent's job title", "update_agent"),
    ("stop the weekly summary emails for an agent", "update_agent"),
    ("agent email bounced", "reactivate_email"),
    ("set an agent's default status to accepting chats", "update_agent"),
    ("mute notification sounds for an agent", "update_agent"),
    ("update many agents in one go", "batch_update_agents"),
    ("I am suspended, ask the owners to let me back", "request_agent_unsuspension"),
    # groups and routing
    ("create a team for Spanish support", "create_group"),
    ("rename a group", "update_group"),
    ("delete the sales department", "delete_group"),
    ("list all groups", "list_groups"),
    ("change the language of a group", "update_group"),
    ("put an agent in a group as supervisor", "update_group update_agent"),
    ("who is a member of group 2", "get_group list_groups"),
    ("send chats from German visitors to the German team", "add_auto_access"),
    ("routing rules by page url", "add_auto_access list_auto_accesses update_auto_access"),
    ("move a routing rule to the top", "update_auto_access"),
    ("delete an auto access rule", "delete_auto_access"),
    # bots
    ("create a chatbot", "create_bot"),
    ("our bot secret leaked", "reset_bot_secret reset_bot_template_secret"),
    ("get a token for my bot", "issue_bot_token"),
    ("bot template for my app", "create_bot_template list_bot_templates"),
    ("list my bots", "list_bots"),
    ("set the working hours of a bot", "update_bot"),
    ("delete several bots", "batch_delete_bots"),
    # bans, greetings, tags
    ("who is banned", "list_customer_bans"),
    ("unban an IP address", "unban_customer"),
    ("create a welcome message campaign", "create_greeting"),
    ("turn off a greeting", "update_greeting"),
    ("show the greetings of group 2", "list_greetings"),
    ("add a chat tag", "create_tag"),
    ("rename a tag", "create_tag update_tag delete_tag"),
    ("which groups can use a tag", "list_tags"),
    ("make a tag available to more groups", "update_tag"),
    # webhooks and properties
    ("notify my server when a chat starts", "register_webhook"),
    ("stop sending events to my url", "unregister_webhook disable_license_webhooks"),
    ("what webhook events exist", "list_webhook_names"),
    ("pause all webhooks of my app on this license", "disable_license_webhooks"),
    ("are my webhooks switched on", "get_license_webhooks_state"),
    ("define a custom property for my app", "register_property"),
    ("set a license property value", "update_license_properties"),
    ("property values of groups", "list_groups_properties"),
    ("make my property public", "publish_property"),
    # the license
    ("change the company address on invoices", "update_company_details"),
    ("can we downgrade our plan", "check_product_limits_for_plan"),
    ("where did this license sign up from", "get_product_source"),
    ("which channels do customers reach us on", "list_channels"),
    # configuration as code
    ("back up the license's configuration", "export_config"),
    ("compare staging with production", "diff_config"),
    ("restore the configuration from a backup", "plan_config"),
))
