"""Smaller hardening items: what the audit log may show, the credential's form at start, and
URLs that carry a user name or password.

(a) An audit record shows a value only where the tool's own schema knows the field and the
    field is not a secret; unknown or misspelt keys (``client_secret``, ``bot_secrett``) are
    listed with their values redacted, at every depth, on every path (refused, invalid,
    planned, sent, meta tools, call_action, unknown tools).
(b) A credential with non-ASCII characters or whitespace inside, or a placeholder left from a
    template (`livechat-mcp config` prints ``<...>``), stops the CLI at start: exit 2, one line naming the
    variable, never the value, no traceback.
(c) The userinfo of LIVECHAT_API_URL / LIVECHAT_ACCOUNTS_URL is never printed: such a URL is
    refused at start (it would also replace the credential: httpx sends it as Basic auth).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from conftest import tool_payload
from server.api.auth import check_credential_value, credential_from_env, service_url
from server.calls.audit import AuditLog, audited_arguments
from server.errors import ConfigError
from server.meta.registry import ALL_META, BY_NAME
from server.policies import Overrides
from server.safety.redact import REDACTED, Scrubber
from server.tools import catalog
from test_security_coercion import base_body

pytestmark = pytest.mark.anyio

ROOT = Path(__file__).resolve().parent.parent
LEAK = "LEAKED-VALUE-7f3a9c"


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIVECHAT_")}
    env.update(extra)
    return env


def cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "server.doors.cli", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)


# --- (a) the audit log ---------------------------------------------------------------------------


def _with_unknown_keys(value: Any) -> Any:
    """``value`` with a misspelt secret added to every object in it (top level, nested, items)."""
    if isinstance(value, dict):
        return {**{k: _with_unknown_keys(v) for k, v in value.items()}, "client_secrett": LEAK}
    if isinstance(value, list):
        return [_with_unknown_keys(v) for v in value]
    return value


@pytest.mark.parametrize("tool", [*catalog(), *(m.name for m in ALL_META)])
def test_unknown_keys_at_any_depth_are_listed_with_their_values_redacted(tool: str) -> None:
    body = base_body(tool)
    # A meta tool's record is written with its argument model (the audit sink does not know them).
    model = BY_NAME[tool].model if tool in BY_NAME else None
    view = audited_arguments(tool, _with_unknown_keys(body), model)
    text = json.dumps(view)
    assert LEAK not in text
    assert '"client_secrett": "<redacted>"' in text  # listed, so the record says what was sent
    # the tool's own non-secret fields stay readable
    known = audited_arguments(tool, body, model)
    for key, value in body.items():
        if key in ("plan",) or "secret" in key:
            continue
        assert known[key] == (sorted(value) if tool == "apply_plan" and key == "secrets" else value), key


def test_secret_fields_and_values_of_the_wrong_shape_are_redacted() -> None:
    view = audited_arguments("register_webhook", {
        "url": "https://example.com/h", "action": "chat_deactivated", "type": "license",
        "secret_key": LEAK, "description": {"client_secret": LEAK}})
    assert view["url"] == "https://example.com/h" and view["secret_key"] == REDACTED
    assert view["description"] == {"client_secret": REDACTED}
    assert audited_arguments("create_tag", LEAK) == REDACTED
    assert audited_arguments("create_tag", {"name": [LEAK]}) == {"name": [REDACTED]}
    assert audited_arguments("create_bot", {"name": "b", "bot_secret": LEAK})["bot_secret"] == REDACTED
    # an unknown tool has no schema: keys, never values
    assert audited_arguments("Create_Tagg", {"name": LEAK, "x": [{"y": LEAK}]}) == \
        {"name": REDACTED, "x": [{"y": REDACTED}]}
    # call_action's arguments are read with the named action's schema (its own, passed in, for the rest)
    call_action = BY_NAME["call_action"].model
    assert audited_arguments("call_action", {"name": "create_tag", "arguments": {"name": "t", "bot_secrett": LEAK}},
                             call_action) == {"name": "create_tag", "arguments": {"name": "t", "bot_secrett": REDACTED}}
    assert LEAK not in json.dumps(audited_arguments("call_action", {"name": "nope", "arguments": {"name": LEAK}},
                                                    call_action))
    # data-keyed mappings keep their keys and known-type values
    assert audited_arguments("update_group", {"id": 1, "agent_priorities": {"a@example.com": "first"}}) == \
        {"id": 1, "agent_priorities": {"a@example.com": "first"}}


def test_every_record_goes_through_the_schema(tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    audit = AuditLog(str(log), Scrubber())
    audit.record(tool="create_tag", decision="allowed", rule="apply_plan",
                 arguments={"name": "t", "client_secrett": LEAK}, duration_ms=1)
    audit.close()
    record = json.loads(log.read_text())
    assert record["arguments"] == {"name": "t", "client_secrett": REDACTED}


async def test_misspelt_secrets_never_reach_the_audit_log_on_any_path(loopback, make_server, tmp_path):
    log = tmp_path / "audit.jsonl"
    hook = {"url": "https://example.com/h", "action": "chat_deactivated", "type": "license",
            "owner_client_id": "c1", "secret_key": "real-secret-value-1"}
    async with make_server(policy="dry-run-admin", env=loopback.env(), audit_log=str(log),
                           overrides=Overrides(discovery=True)) as s:
        calls = [
            ("call_action", {"name": "register_webhook", "arguments": {**hook, "client_secret": LEAK}}),  # invalid
            ("call_action", {"name": "create_bot", "arguments": {"name": "b", "bot_secrett": LEAK}}),
            ("call_action", {"name": "batch_create_bots", "arguments": {"requests": [{"name": "b", "secrett": LEAK}]}}),
            ("call_action", {"name": "create_tag", "arguments": {"name": "t"}, "client_secret": LEAK}),
            ("call_action", {"name": "no_such_action", "arguments": {"token_value": LEAK}}),
            ("apply_plan", {"plan": {"x": LEAK}, "secrets": {"step1.bot_secret": LEAK}}),  # refused: dry-run
            ("search_actions", {"query": "tag", "client_secret": LEAK}),
            ("get_plan", {"client_secret": LEAK}),
        ]
        for name, args in calls:
            await s.client.call_tool(name, args)
    text = log.read_text()
    assert LEAK not in text and "real-secret-value-1" not in text
    records = [json.loads(line) for line in text.splitlines()]
    assert len(records) == len(calls)
    assert "client_secret" in text and "bot_secrett" in text  # the keys are listed
    assert loopback.requests() == []


# --- (b) the credential's form -------------------------------------------------------------------

BAD_FORMS = [
    ("LIVECHAT_ACCESS_TOKEN", "dal:tökén-abcdef123456"),      # non-ASCII
    ("LIVECHAT_ACCESS_TOKEN", "dal:abc def123456"),          # a space inside
    ("LIVECHAT_ACCESS_TOKEN", "dal:abcdef\t123456"),         # a tab
    ("LIVECHAT_PAT", "abcdef\u200b123456"),                   # zero-width space
    ("LIVECHAT_PAT", "abcdef\n123456"),
    ("LIVECHAT_ACCOUNT_ID", "ae5b2f6c 3c2b"),
    ("LIVECHAT_ACCOUNT_ID", "ae5b2f6c:3c2b"),                # would split the Basic credential
]
PLACEHOLDERS = ["<your personal access token>", "<your account id>", "<token>", "your-token-here", "YOUR_ACCESS_TOKEN",
                "xxx", "XXXXXXXX", "changeme", "CHANGEME", "${LIVECHAT_PAT}", "$LIVECHAT_PAT", "${env:LIVECHAT_PAT}",
                "%LIVECHAT_PAT%", "{{pat}}", "paste-your-pat-here", "replace_me", "********"]


def _env_for(name: str, value: str) -> dict[str, str]:
    if name == "LIVECHAT_ACCESS_TOKEN":
        return {name: value}
    other = {"LIVECHAT_PAT": "LIVECHAT_ACCOUNT_ID", "LIVECHAT_ACCOUNT_ID": "LIVECHAT_PAT"}[name]
    return {name: value, other: "ae5b2f6c-3c2b-4a5f-8d8e-1f2a3b4c5d6e"}


@pytest.mark.parametrize(("name", "value"), BAD_FORMS + [(n, p) for p in PLACEHOLDERS
                                                        for n in ("LIVECHAT_ACCESS_TOKEN", "LIVECHAT_PAT",
                                                                  "LIVECHAT_ACCOUNT_ID")])
def test_a_malformed_or_placeholder_credential_is_a_config_error_naming_the_variable(name: str, value: str) -> None:
    with pytest.raises(ConfigError) as info:
        credential_from_env(_env_for(name, value))
    message = str(info.value)
    assert name in message and value.strip() not in message


@pytest.mark.parametrize("value", ["dal:8Ff2Lz1cO9uZ_pJxYVHgQw", "fra:abcDEF123-_xyz", "d2VsbC1kb25lLXRva2Vu==",
                                   "ae5b2f6c-3c2b-4a5f-8d8e-1f2a3b4c5d6e", "dal:sandbox-token-all-scopes",
                                   "dal:xYourTokenLooksRandom"])
def test_real_looking_credentials_are_accepted(value: str) -> None:
    check_credential_value("LIVECHAT_ACCESS_TOKEN", value)
    check_credential_value("LIVECHAT_PAT", value)


@pytest.mark.parametrize(("name", "value"), [
    ("LIVECHAT_ACCESS_TOKEN", "dal:tökén-abcdef123456"),
    ("LIVECHAT_ACCESS_TOKEN", "dal:abc def123456"),
    ("LIVECHAT_PAT", "<your personal access token>"),
    ("LIVECHAT_ACCOUNT_ID", "<your account id>"),
])
def test_the_cli_refuses_to_start_with_one_line_and_no_value(name: str, value: str) -> None:
    for command in (["tools"], ["call", "list_agents", "{}"]):
        proc = cli(*command, env=clean_env(**_env_for(name, value)))
        assert proc.returncode == 2, proc.stderr
        assert proc.stdout == "" and "Traceback" not in proc.stderr
        assert name in proc.stderr and value not in proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 1


def test_the_placeholders_config_prints_refuse_to_start() -> None:
    printed = cli("config", "cursor", "--policy", "read-only", env=clean_env())
    entry = json.loads(printed.stdout)["mcpServers"]["livechat"]
    proc = cli(*entry["args"], "tools", env=clean_env(**entry["env"]))
    assert proc.returncode == 2 and "placeholder" in proc.stderr
    assert "<your" not in proc.stderr


# --- (c) URLs with a user name or password --------------------------------------------------------

USERINFO_URLS = [
    "http://admin:s3cretPW99@127.0.0.1:9/",
    "https://s3cretPW99@api.livechatinc.com",
    "https://user%40corp:s3cretPW99%3A@api.livechatinc.com/",
    "https://:s3cretPW99@api.livechatinc.com",
    " https://admin:s3cretPW99@api.livechatinc.com ",
]


@pytest.mark.parametrize("url", USERINFO_URLS)
@pytest.mark.parametrize("name", ["LIVECHAT_API_URL", "LIVECHAT_ACCOUNTS_URL"])
def test_userinfo_in_a_service_url_is_refused_without_showing_it(name: str, url: str) -> None:
    with pytest.raises(ConfigError) as info:
        service_url({name: url}, name, "https://api.livechatinc.com")
    message = str(info.value)
    assert name in message and "s3cretPW99" not in message and "admin" not in message and "user%40corp" not in message


@pytest.mark.parametrize("url", ["https://api.livechatinc.com?access_token=s3cretPW99",
                                 "https://api.livechatinc.com/#s3cretPW99", "ftp://api.livechatinc.com", "not a url",
                                 "http://[::1"])
def test_other_malformed_service_urls_are_refused_without_the_secret_part(url: str) -> None:
    with pytest.raises(ConfigError) as info:
        service_url({"LIVECHAT_API_URL": url}, "LIVECHAT_API_URL", "https://api.livechatinc.com")
    assert "s3cretPW99" not in str(info.value)


def test_plain_service_urls_are_kept() -> None:
    for url in ("https://api.livechatinc.com", "http://127.0.0.1:8686", "https://proxy.example.com/livechat/"):
        assert service_url({"LIVECHAT_API_URL": url}, "LIVECHAT_API_URL", "x") == url
    assert service_url({}, "LIVECHAT_API_URL", "https://default") == "https://default"


@pytest.mark.parametrize("command", [["tools"], ["policy"], ["call", "create_tag", '{"name": "t"}', "--dry-run"],
                                     ["serve"]])
def test_no_command_prints_the_userinfo(command: list[str], loopback) -> None:
    host = loopback.url.removeprefix("http://")
    for name in ("LIVECHAT_API_URL", "LIVECHAT_ACCOUNTS_URL"):
        env = clean_env(**{**loopback.env(), name: f"http://admin:s3cretPW99@{host}"})
        proc = cli(*command, env=env)
        output = proc.stdout + proc.stderr
        assert proc.returncode == 2 and "s3cretPW99" not in output and "admin" not in output, output
        assert name in proc.stderr and "Traceback" not in output


async def test_a_planned_request_shows_the_configured_url_without_secrets(loopback, make_server):
    # The control case: a plain URL is used and shown as configured.
    async with make_server(policy="dry-run", env=loopback.env()) as s:
        planned = tool_payload(await s.client.call_tool("create_tag", {"name": "t"}))
        assert planned["request"]["url"].startswith(loopback.url + "/v3.6/")
        assert loopback.url in s.runtime.upstream


@pytest.mark.parametrize("token", ["<your client auth token here>", "changeme", "${LIVECHAT_MCP_AUTH_TOKEN}",
                                   "your-random-token-of-16-chars", "abcdefgh ijklmnopq"])
def test_a_placeholder_http_client_token_refuses_to_start(token: str) -> None:
    env = clean_env(LIVECHAT_MCP_AUTH_TOKEN=token)
    proc = cli("serve", "--sandbox", "--transport", "http", "--host", "127.0.0.1", "--port", "9", env=env)
    assert proc.returncode == 2 and "LIVECHAT_MCP_AUTH_TOKEN" in proc.stderr
    assert token not in proc.stderr and "Traceback" not in proc.stderr
