"""The reference's own sentence for each action (the paragraph under its heading in
docs/reference/configuration-api-v3.6-current.mdx, links and markup removed): search reads the
reference's words as well as the catalogue's (server/tools/words.py). Generated from the page;
tests/test_assistant_search.py checks it still matches it."""

from __future__ import annotations

INTROS: dict[str, str] = {
    'add_auto_access': (
        'Creates an auto access data structure, which is a set of conditions for the tracking URL and '
        'geolocation of a customer.'
    ),
    'approve_agent': 'Approves an agent thus allowing the agent to use the application.',
    'check_product_limits_for_plan': (
        'Resource limits in the LiveChat product are different for each plan. This method compares your '
        "organization's current resources with a given plan and returns those which exceeded the called "
        "plan's limits. Useful when considering downgrading the plan."
    ),
    'create_agent': 'Creates a new agent with specified parameters within a license.',
    'create_bot': (
        'Creates a new bot. To make the bot available for receiving chats or webhooks, use the Set '
        'Routing Status method.'
    ),
    'create_bot_template': (
        'Creates a new bot template for the Client ID (application) provided in the request. One Client '
        'ID can register up to five bot templates.'
    ),
    'create_greeting': 'Creates a new greeting.',
    'create_group': 'Creates a new group.',
    'create_tag': 'Creates a new tag.',
    'delete_agent': 'Deletes an agent specified by id.',
    'delete_auto_access': 'Deletes an existing auto access data structure specified by its ID.',
    'delete_bot': 'Deletes a bot specified by id.',
    'delete_bot_template': (
        'Deletes a bot template specified by id. The bots associated with the template will be deleted '
        'only if affect_existing_installations is set to true.'
    ),
    'delete_greeting': 'Deletes a greeting.',
    'delete_group': 'Deletes an existing group.',
    'delete_group_properties': 'Deletes the properties set within a group.',
    'delete_license_properties': 'Deletes the properties set within a license.',
    'delete_tag': 'Deletes an existing tag.',
    'enable_license_webhooks': 'Enables the disabled webhooks on the license.',
    'get_agent': 'It returns the info about an agent specified by id.',
    'get_bot': 'It returns the info about a bot with a given id.',
    'get_greeting': 'Returns the details of a specific greeting.',
    'get_group': 'Returns details about a group specified by its id.',
    'get_license_webhooks_state': (
        'Gets the state of the webhooks registered for a given Client Id (application) on the license '
        'associated with the access token used in the request.'
    ),
    'get_product_source': (
        'This method retrieves the source parameters that were passed when activating the LiveChat '
        'product.'
    ),
    'issue_bot_token': 'Issues a new token for the bot. The token is valid for 24 hours. The token cannot be revoked.',
    'list_agents': 'Returns all Agents within a license.',
    'list_auto_accesses': 'Returns all existing auto access data structures.',
    'list_bot_templates': 'Returns the list of bot templates created for a Client ID (application).',
    'list_bots': (
        'Returns the list of bots created within a license. The method behavior differs depending on who'
        ' created the bot and what authorization method is used for the call.'
    ),
    'list_channels': 'Returns the summary of communication channels for your LiveChat product.',
    'list_customer_bans': 'Returns all active bans for a customer.',
    'list_greetings': 'Returns a list of greetings.',
    'list_groups': 'Lists all the existing groups.',
    'list_groups_properties': 'Returns the properties set within specified groups.',
    'list_properties': 'Lists private and public properties owned by a given Client Id.',
    'list_tags': 'Lists the existing tags.',
    'list_webhook_names': (
        'Lists all webhooks that are supported in a given API version. This method requires no '
        'authorization.'
    ),
    'list_webhooks': 'Lists all webhooks registered for the given Client ID.',
    'publish_property': (
        'Publishes a private property. A published property cannot be unpublished or unregistered. '
        'Published properties can be accessed by tokens belonging to any Client Id.'
    ),
    'reactivate_email': 'Reactivates email if it has been bounced.',
    'register_property': 'Registers a new private property for a given Client Id.',
    'register_webhook': (
        'Registers a webhook for the Client ID (application) provided in the request. One Client ID can '
        "register up to three webhooks for every action. The license webhooks'll be enabled "
        'automatically when the application is installed on the license.'
    ),
    'request_agent_unsuspension': (
        'A suspended agent can send emails to license owners and vice owners with an unsuspension '
        'request.'
    ),
    'reset_bot_secret': 'Resets secret for a given bot.',
    'reset_bot_template_secret': 'Resets secret for given bot template.',
    'suspend_agent': 'Suspends an agent specified by id.',
    'unban_customer': 'Lifts a ban from a customer.',
    'unregister_property': 'Unregisters a private property.',
    'unregister_webhook': 'Unregisters a webhook previously registered for a Client ID (application).',
    'unsuspend_agent': 'Unsuspends an agent specified by id.',
    'update_agent': 'Updates the properties of an agent specified by id.',
    'update_auto_access': (
        'Updates an existing auto access. Only specified fields are updated (overwritten), leaving '
        'unspecified fields unchanged.'
    ),
    'update_bot': 'Updates an existing bot.',
    'update_bot_template': 'Updates an existing bot template.',
    'update_company_details': 'Updates company details of the license.',
    'update_greeting': 'Updates the properties of a greeting.',
    'update_group': 'Updates an existing group.',
    'update_group_properties': (
        "Updates a property value within a group as the property location. This operation doesn't "
        'overwrite the existing values.'
    ),
    'update_license_properties': (
        "Updates a property value within a license. This operation doesn't overwrite the existing "
        'values.'
    ),
    'update_tag': 'Updates an existing tag.',
}
