"""Dry-run payloads for the reference's write examples: exactly what would be sent."""

from __future__ import annotations

import pytest
from inline_snapshot import snapshot

from conftest import open_runtime
from reference_examples import examples
from server.tools import catalog

pytestmark = pytest.mark.anyio


async def test_planned_payloads_of_reference_examples():
    planned = {}
    async with open_runtime(sandbox=True, policy="dry-run-admin") as runtime:
        for ex in examples():
            act = catalog()[ex.action]
            if not act.write or not ex.source.endswith(".mdx"):
                continue
            body = ex.body
            if ex.action == "batch_delete_agents":
                body = {"requests": [item for item in body["requests"] if item]}
            result = await runtime.pipeline.call(ex.action, body, session=ex.id)
            assert not result.is_error, (ex.id, result.data)
            request = result.data["request"]
            assert request["headers"]["Authorization"] == "<redacted credential>"
            planned[ex.action] = request["body"]
    assert planned == snapshot(
        {
            "batch_delete_agents": {"requests": [{"id": "smith@example.com"}, {"id": "brown@example.com"}]},
            "create_agent": {
                "id": "smith@example.com",
                "name": "Agent Smith",
                "role": "viceowner",
                "groups": [
                    {"id": 5, "priority": "first"},
                    {"id": 2, "priority": "last"},
                    {"id": 1, "priority": "normal"},
                ],
                "notifications": ["new_visitor", "new_goal", "visitor_is_typing"],
                "email_subscriptions": ["weekly_summary"],
                "work_scheduler": {
                    "timezone": "Europe/Warsaw",
                    "schedule": [
                        {"day": "monday", "enabled": True, "start": "08:00", "end": "12:30"},
                        {"day": "monday", "enabled": True, "start": "13:30", "end": "16:00"},
                        {"day": "friday", "enabled": True, "start": "08:00", "end": "16:00"},
                    ],
                },
            },
            "update_agent": {
                "id": "smith@example.com",
                "role": "viceowner",
                "groups": [
                    {"id": 5, "priority": "first"},
                    {"id": 2, "priority": "last"},
                    {"id": 1, "priority": "normal"},
                ],
                "notifications": ["new_visitor", "new_goal", "visitor_is_typing"],
                "email_subscriptions": ["weekly_summary"],
                "work_scheduler": {
                    "monday": {"start": "08:30", "end": "12:30"},
                    "friday": {"start": "07:30", "end": "21:30"},
                },
            },
            "delete_agent": {"id": "smith@example.com"},
            "suspend_agent": {"id": "smith@example.com"},
            "unsuspend_agent": {"id": "smith@example.com"},
            "request_agent_unsuspension": {},
            "approve_agent": {"id": "smith@example.com"},
            "add_auto_access": {
                "access": {"groups": [1]},
                "conditions": {
                    "domain": {"values": [{"value": "livechat.com", "exact_match": True}]},
                    "geolocation": {"values": [{"country": "United States", "country_code": "US"}]},
                },
                "description": "Chats on livechat.com from United States",
                "next_id": "1faad6f5f1d6e8fdf27e8af9839783b7",
            },
            "delete_auto_access": {"id": "pqi8oasdjahuakndw9nsad9na"},
            "update_auto_access": {
                "id": "pqi8oasdjahuakndw9nsad9na",
                "access": {"groups": [0, 42]},
                "next_id": "1faad6f5f1d6e8fdf27e8af9839783b7",
            },
            "create_bot_template": {"name": "Bot Name", "owner_client_id": "sandbox0client0id0000000000000000"},
            "create_bot": {"name": "Bot Name", "owner_client_id": "sandbox0client0id0000000000000000"},
            "delete_bot_template": {
                "id": "505591fc9fc2d6e92798bed7d9d8f079",
                "owner_client_id": "sandbox0client0id0000000000000000",
            },
            "delete_bot": {"id": "505591fc9fc2d6e92798bed7d9d8f079"},
            "update_bot_template": {
                "id": "ce54714e3d2b53adbfff09dbdbdd56e9",
                "name": "New Bot Name",
                "owner_client_id": "sandbox0client0id0000000000000000",
            },
            "update_bot": {"id": "ce54714e3d2b53adbfff09dbdbdd56e9", "name": "New Bot Name"},
            "issue_bot_token": {
                "bot_id": "5c9871d5372c824cbf22d860a707a578",
                "client_id": "238ac5c3c3628210aca289c6d700d2c1",
                "bot_secret": {"$secret": "step1.bot_secret"},
                "organization_id": "1a8a9ec7-bd5d-4400-9204-3826740981e0",
            },
            "reset_bot_template_secret": {
                "id": "5c9871d5372c824cbf22d860a707a578",
                "owner_client_id": "sandbox0client0id0000000000000000",
            },
            "reset_bot_secret": {
                "id": "5c9871d5372c824cbf22d860a707a578",
                "owner_client_id": "sandbox0client0id0000000000000000",
            },
            "unban_customer": {"ip": "192.168.1.1"},
            "create_greeting": {
                "type": "normal",
                "active": True,
                "active_from": "2024-01-01T00:00:00Z",
                "active_until": "2024-12-31T23:59:59Z",
                "name": "Welcome greeting",
                "group": 0,
                "rules": [
                    {"condition": "and", "type": "url_current", "operator": "contains", "value": "checkout"},
                    {"condition": "or", "type": "visit_time_site", "operator": "greater_than", "value": "30"},
                ],
                "properties": {"addon": "chat_widget", "is_exit_intent": "false"},
                "rich_message": {
                    "template_id": "text",
                    "elements": [{"title": "Welcome to our website!", "subtitle": "How can we help you today?"}],
                },
            },
            "update_greeting": {
                "id": 123,
                "active": False,
                "name": "Updated welcome greeting",
                "rules": [{"condition": "and", "type": "url_current", "operator": "contains", "value": "product"}],
                "properties": {"addon": "chat_widget", "is_exit_intent": "true"},
                "rich_message": {
                    "template_id": "text",
                    "elements": [{"title": "Updated greeting message!", "subtitle": "Can we help you find a product?"}],
                },
            },
            "delete_greeting": {"id": 123},
            "create_group": {
                "name": "Sports shoes",
                "agent_priorities": {
                    "agent1@example.com": "normal",
                    "agent2@example.com": "normal",
                    "agent3@example.com": "last",
                },
            },
            "update_group": {
                "id": 19,
                "name": "Sport shoes",
                "agent_priorities": {
                    "agent1@example.com": "normal",
                    "agent2@example.com": "normal",
                    "agent3@example.com": "last",
                },
            },
            "delete_group": {"id": 19},
            "publish_property": {
                "name": "string_property",
                "owner_client_id": "0805e283233042b37f460ed8fbf22160",
                "access_type": ["read"],
            },
            "register_property": {
                "name": "string_property",
                "owner_client_id": "0805e283233042b37f460ed8fbf22160",
                "type": "string",
                "access": {"chat": {"agent": ["read"], "customer": ["read", "write"]}},
                "default_value": "string_default_value",
            },
            "unregister_property": {"name": "string_property", "owner_client_id": "0805e283233042b37f460ed8fbf22160"},
            "update_license_properties": {
                "properties": {"0805e283233042b37f460ed8fbf22160": {"string_property": "string value"}}
            },
            "delete_license_properties": {"properties": {"0805e283233042b37f460ed8fbf22160": ["string_property"]}},
            "update_group_properties": {
                "group_id": 1,
                "properties": {"0805e283233042b37f460ed8fbf22160": {"string_property": "group property value"}},
            },
            "delete_group_properties": {
                "id": 1,
                "properties": {"0805e283233042b37f460ed8fbf22160": ["string_property"]},
            },
            "create_tag": {"name": "docs_feedback", "group_ids": [0, 42]},
            "delete_tag": {"name": "docs_feedback"},
            "update_tag": {"name": "docs_feedback", "group_ids": [0, 42]},
            "register_webhook": {
                "action": "chat_deactivated",
                "secret_key": {"$secret": "step1.secret_key"},
                "url": "http://myservice.com/webhooks",
                "description": "Test webhook",
                "owner_client_id": "asXdesldiAJSq9padj",
                "type": "license",
            },
            "unregister_webhook": {
                "id": "pqi8oasdjahuakndw9nsad9na",
                "owner_client_id": "0805e283233042b37f460ed8fbf22160",
            },
            "enable_license_webhooks": {"owner_client_id": "sandbox0client0id0000000000000000"},
            "disable_license_webhooks": {"owner_client_id": "sandbox0client0id0000000000000000"},
            "reactivate_email": {"agent_id": "smith@example.com"},
            "update_company_details": {"enrich": True, "url": "www.text.com"},
        }
    )
