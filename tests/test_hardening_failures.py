"""Failures that must stay clear (issue 27, class 6), through the real HTTP server.

- The state store (a real Redis) down: every call answers ``store_unavailable`` on both protocol
  generations (a 2025-11-25 session and a session-less 2026-07-28 client), whether the store went
  away after the first call or was never reached; never "Internal server error".
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path

import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from tests.conftest import stop_process
from tests.test_metrics import base_env, serve

pytestmark = pytest.mark.anyio


def _text(result: object) -> str:
    return result.content[0].text  # type: ignore[attr-defined]


def _internal(result: object) -> bool:
    text = _text(result)
    return "Internal server error" in text or '"type":"internal"' in text or "Unexpected server error" in text


@pytest.mark.parametrize("mode", ["legacy", "auto"])  # auto negotiates 2026-07-28 (session-less)
async def test_store_down_answers_store_unavailable_on_both_protocol_generations(loopback, tmp_path: Path,
                                                                                  mode: str) -> None:
    from redis_server import redis_server

    with redis_server(tmp_path) as redis:
        env = base_env(**loopback.env(), LIVECHAT_MCP_STORE_KEY=base64.b64encode(os.urandom(32)).decode())
        proc, port = serve(env, "--store", redis.url)
        url = f"http://127.0.0.1:{port}/mcp"
        try:
            # Positive control: with the store up, the call is served.
            async with Client(streamable_http_client(url), mode=mode) as client:  # type: ignore[arg-type]
                assert not (await client.call_tool("list_tags", {})).is_error
                redis.stop()
                down = await client.call_tool("list_tags", {})
            assert down.is_error and "store_unavailable" in _text(down), _text(down)
            assert not _internal(down)
        finally:
            stop_process(proc)
        # A server whose store was never reached: its first call (the request state's key is read
        # from the store then) answers the same.
        proc, port = serve(env, "--store", redis.url)
        try:
            async with Client(streamable_http_client(f"http://127.0.0.1:{port}/mcp"), mode=mode) as client:  # type: ignore[arg-type]
                first = await client.call_tool("list_tags", {})
                assert first.is_error and "store_unavailable" in _text(first), _text(first)
                assert not _internal(first)
                redis.start()  # back: the next call is served (nothing was cached broken)
                assert not (await client.call_tool("list_tags", {})).is_error
        finally:
            stop_process(proc)


# --- an apply refused whole, an edited plan claiming another's MAC ---------------------------------


async def _plan(url: str, tag: str) -> dict:
    """A stored plan creating ``tag`` (planned on a dry-run server), its full document."""
    from tests.conftest import tool_payload

    async with Client(streamable_http_client(url), mode="legacy") as client:
        assert not (await client.call_tool("create_tag", {"name": tag, "group_ids": [0]})).is_error
        doc = tool_payload(await client.call_tool("get_plan", {}))
    assert doc["mac"] and doc["plan_id"]
    return doc


async def _state(client: Client, pid: str) -> str:
    from server.safety.untrusted import unlabel

    read = await client.read_resource(f"livechat://plans/{pid}")
    return str(json.loads(unlabel(read.contents[0].text))["lifecycle"]["state"])


async def test_an_edited_plan_claiming_another_plans_mac_keeps_out_of_its_journal(loopback, tmp_path: Path) -> None:
    from tests.conftest import tool_payload

    store = f"sqlite://{tmp_path}/state.db"  # one store: the plan key and the journals are shared
    env = base_env(**loopback.env())
    planner, port = serve(env, "--store", store, "--dry-run")
    try:
        plan_a = await _plan(f"http://127.0.0.1:{port}/mcp", "alpha")
    finally:
        stop_process(planner)
    planner, port = serve(env, "--store", store, "--dry-run")  # a new session: a plan of its own
    try:
        plan_b = await _plan(f"http://127.0.0.1:{port}/mcp", "beta")
    finally:
        stop_process(planner)
    # B edited (its tag renamed) and claiming A's MAC: an edit, applied as one on purpose.
    edited = json.loads(json.dumps(plan_b))
    edited["steps"][0]["body"]["name"] = "gamma"
    edited.pop("requests", None)
    edited["mac"], edited["plan_id"] = plan_a["mac"], plan_a["plan_id"]
    applier, port = serve(env, "--store", store, "--allow-writes")
    try:
        async with Client(streamable_http_client(f"http://127.0.0.1:{port}/mcp"), mode="legacy") as client:
            sent = tool_payload(await client.call_tool("apply_plan", {"plan": edited, "accept_edited": True}))
            assert sent["status"] == "completed" and "EDITED PLAN" in sent["warning"]  # control: the edit went
            # A's record is A's too: still stored, not applied by what the edited document did.
            assert await _state(client, plan_a["plan_id"]) == "stored"
            a = tool_payload(await client.call_tool("apply_plan", {"plan_id": plan_a["plan_id"],
                                                                   "mac": plan_a["mac"]}))
            # A is still A's to apply: sent now, not "completed" from what the edited plan did.
            assert a["status"] == "completed", a
            assert not any(step.get("journal") for step in a["steps"]), a
            again = tool_payload(await client.call_tool("apply_plan", {"plan_id": plan_a["plan_id"],
                                                                       "mac": plan_a["mac"]}))
            assert all(step.get("journal") for step in again["steps"])  # control: A's own journal holds
            assert await _state(client, plan_a["plan_id"]) == "applied"
    finally:
        stop_process(applier)
    assert {"gamma", "alpha"} <= set(loopback.sandbox.state.tags) and "beta" not in loopback.sandbox.state.tags
    created = [r for r in loopback.sandbox.requests if r["action"] == "create_tag"]
    assert len(created) == 2  # gamma, then alpha once: the second apply of A sent nothing


def test_an_apply_refused_whole_by_a_read_only_policy_writes_an_audit_line(loopback, tmp_path: Path) -> None:
    import subprocess

    from tests.test_http_security import cli

    store = f"sqlite://{tmp_path}/state.db"
    env = base_env(**loopback.env())
    plan = anyio_run(_plan_served, env, store)
    audit = tmp_path / "audit.jsonl"

    def apply(*flags: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*cli(), "--store", store, "--audit-log", str(audit), "plans", "apply",
                               plan["plan_id"], *flags], env=env, capture_output=True, text=True, timeout=60)

    refused = apply("--read-only")
    assert refused.returncode != 0 and "Nothing was sent" in refused.stderr, refused.stderr
    lines = [json.loads(line) for line in audit.read_text().splitlines()]
    assert [(line["tool"], line["decision"], line["rule"]) for line in lines] == [("apply_plan", "refused", "mode")]
    assert lines[0]["arguments"].get("plan_id") == plan["plan_id"]
    applied = apply("--allow-writes")  # control: the same apply under a policy with writes is sent and audited
    assert applied.returncode == 0, applied.stderr
    after = [json.loads(line) for line in audit.read_text().splitlines()]
    assert any(line["tool"] == "create_tag" and line["decision"] == "allowed" for line in after)


async def _plan_served(env: dict[str, str], store: str) -> dict:
    planner, port = serve(env, "--store", store, "--dry-run")
    try:
        return await _plan(f"http://127.0.0.1:{port}/mcp", "delta")
    finally:
        stop_process(planner)


def anyio_run(fn, *args):  # type: ignore[no-untyped-def]
    import anyio

    return anyio.run(fn, *args)


# --- deeply nested JSON -------------------------------------------------------------------------------


def test_deeply_nested_json_is_a_clear_error_on_every_door(loopback, tmp_path: Path) -> None:
    import subprocess

    from tests.test_http_security import cli

    env = base_env(**loopback.env())
    deep = '{"name": "x", "group_ids": [0], "q": ' + '{"a": ' * 100_000 + "1" + "}" * 100_000 + "}"
    (tmp_path / "deep.json").write_text(deep)
    for how, extra in ((["@" + str(tmp_path / "deep.json")], {}), (["-"], {"input": deep})):
        for policy in ("--allow-writes", "--dry-run"):
            proc = subprocess.run([*cli(), "call", "create_tag", *how, policy], env=env, capture_output=True,
                                  text=True, timeout=60, **extra)
            assert proc.returncode != 0 and "Traceback" not in proc.stderr, proc.stderr[-500:]
            assert "nests deeper than 64 levels" in proc.stderr and "Nothing was sent" in proc.stderr
    # 900 levels parse, and used to crash a planned call's copy: refused before anything walks them
    (tmp_path / "900.json").write_text('{"name": "x", "group_ids": [0], "q": ' + '{"a": ' * 900 + "1" + "}" * 900 + "}")
    proc = subprocess.run([*cli(), "call", "create_tag", "@" + str(tmp_path / "900.json"), "--dry-run"], env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0 and "Traceback" not in proc.stderr and "nests deeper" in proc.stderr
    # a configuration document and a policy file nested as deep: the same clear refusal
    (tmp_path / "policy.json").write_text('{"mode": ' + "[" * 5000 + "]" * 5000 + "}")
    proc = subprocess.run([*cli(), "tools", "--policy", str(tmp_path / "policy.json")], env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0 and "Traceback" not in proc.stderr and "nests deeper" in proc.stderr, proc.stderr
    # positive control: the same call, nested as a person would write it, is planned
    ok = subprocess.run([*cli(), "call", "create_tag", '{"name": "shallow", "group_ids": [0]}', "--dry-run"],
                        env=env, capture_output=True, text=True, timeout=60)
    assert ok.returncode == 0 and '"planned": true' in ok.stdout, ok.stderr


async def test_deeply_nested_arguments_over_http_are_refused_clearly(loopback, tmp_path: Path) -> None:
    proc, port = serve(base_env(**loopback.env()), "--store", "memory://", "--dry-run")
    try:
        async with Client(streamable_http_client(f"http://127.0.0.1:{port}/mcp"), mode="legacy") as client:
            nested: object = 1
            for _ in range(100):
                nested = {"a": nested}
            refused = await client.call_tool("create_tag", {"name": "x", "group_ids": [0], "q": nested})
            assert refused.is_error and "nests deeper than 64 levels" in _text(refused) and not _internal(refused)
            for _ in range(100):  # deeper than the SDK's JSON parser takes (200): its clear parse error
                nested = {"a": nested}
            with pytest.raises(Exception, match="Parse error: recursion limit"):
                await client.call_tool("create_tag", {"name": "x", "group_ids": [0], "q": nested})
            ok = await client.call_tool("create_tag", {"name": "x", "group_ids": [0]})
            assert not ok.is_error  # control
    finally:
        stop_process(proc)


def test_hosted_mode_with_its_store_down_answers_store_unavailable(tmp_path: Path) -> None:
    """Hosted mode checks tokens and keeps registrations in the store: with Redis gone, the bearer
    check (both protocol generations' requests) and registration answer 503 store_unavailable."""
    from urllib.parse import parse_qs, urlsplit

    import httpx
    import mcp_types as types

    from redis_server import redis_server
    from tests.hosted import Browser, hosted
    from tests.test_hosted_attacks import authorize_url, exchange, pkce, register

    accept = {"Accept": "application/json, text/event-stream"}
    with redis_server(tmp_path) as redis, hosted("--store", redis.url) as served:
        client_id = register(served)
        verifier, challenge = pkce()
        landed = Browser(login_hint="owner@example.com").go(authorize_url(served, client_id, challenge))
        token = exchange(served, client_id, parse_qs(urlsplit(landed).query)["code"][0], verifier).json()["access_token"]
        legacy = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "x", "version": "0"}}}
        modern = {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {
            "name": "list_tags", "arguments": {}, "_meta": {
                types.PROTOCOL_VERSION_META_KEY: "2026-07-28", types.CLIENT_CAPABILITIES_META_KEY: {},
                types.CLIENT_INFO_META_KEY: {"name": "x", "version": "1"}}}}
        modern_headers = {"Mcp-Protocol-Version": "2026-07-28", "Mcp-Method": "tools/call", "Mcp-Name": "list_tags"}
        auth = {"Authorization": f"Bearer {token}", **accept}
        up = httpx.post(served.mcp, json=modern, headers={**auth, **modern_headers}, timeout=30)
        assert up.status_code == 200, up.text  # control: served while the store answers
        redis.stop()
        for body, extra in ((legacy, {}), (modern, modern_headers)):
            down = httpx.post(served.mcp, json=body, headers={**auth, **extra}, timeout=30)
            assert down.status_code == 503 and down.json()["error"] == "store_unavailable", down.text
            assert down.headers["retry-after"]
        registering = httpx.post(f"{served.base}/register", json={
            "client_name": "x", "redirect_uris": ["http://127.0.0.1:9/cb"], "token_endpoint_auth_method": "none",
            "grant_types": ["authorization_code"], "response_types": ["code"]}, timeout=30)
        assert registering.status_code == 503 and registering.json()["error"] == "store_unavailable"
        assert served.procs[1].poll() is None


async def test_every_plan_tool_and_resource_names_a_store_outage_store_unavailable(make_server, loopback) -> None:
    """One word for one failure: the plan tools, their reports and livechat://plans/{id} meeting a
    store that does not answer say store_unavailable (retry), as a call does; nothing is sent."""
    from server.policies import Overrides
    from server.store import StoreUnavailable
    from tests.conftest import tool_payload

    async with make_server(env=loopback.env(), overrides=Overrides(dry_run=True)) as s:
        assert not (await s.client.call_tool("create_tag", {"name": "t", "group_ids": [0]})).is_error
        plan = tool_payload(await s.client.call_tool("get_plan", {}))  # control: served while the store answers

        class Down:
            url = "redis://down"

            def __getattr__(self, name: str):  # every store operation fails as an outage does
                async def fail(*args, **kwargs):
                    raise StoreUnavailable("connection refused")
                return fail

        real, s.runtime.store = s.runtime.store, Down()
        s.runtime.pipeline.plans.store = s.runtime.store
        try:
            answers = [await s.client.call_tool("get_plan", {}),
                       await s.client.call_tool("get_apply_report", {"plan_id": plan["plan_id"]})]
            with pytest.raises(Exception) as read:
                await s.client.read_resource(f"livechat://plans/{plan['plan_id']}")
        finally:
            s.runtime.store = real
    for answer in answers:
        assert answer.is_error and tool_payload(answer)["error"]["type"] == "store_unavailable", tool_payload(answer)
    assert "store_unavailable" in str(getattr(read.value, "message", read.value))
    assert not [r for r in loopback.requests() if r["action"] == "create_tag"]  # nothing was written


async def test_apply_plan_refused_whole_over_mcp_writes_an_audit_line(loopback, tmp_path: Path) -> None:
    """The MCP door's sibling of the CLI's read-only refusal: apply_plan on a read-only server is
    refused before any step, with one audit line; the same plan on a server with writes is sent."""
    from server.doors.mcp_app import LiveChatMCP
    from tests.conftest import open_runtime, tool_payload

    async with open_runtime(env=loopback.env(), policy="dry-run") as runtime:
        async with Client(LiveChatMCP(runtime).server, mode="legacy") as client:
            await client.call_tool("create_tag", {"name": "ro", "group_ids": [0]})
            plan = tool_payload(await client.call_tool("get_plan", {}))
    for policy, refused in (("read-only", True), ("read-write", False)):
        audit = tmp_path / f"{policy}.jsonl"
        async with open_runtime(env=loopback.env(), policy=policy, audit_log=str(audit)) as runtime:
            async with Client(LiveChatMCP(runtime).server, mode="legacy") as client:
                result = await client.call_tool("apply_plan", {"plan": plan})
            runtime.audit.close()
        lines = [json.loads(line) for line in audit.read_text().splitlines()]
        applies = [(line["tool"], line["decision"]) for line in lines if line["tool"] == "apply_plan"]
        assert result.is_error is refused
        assert applies == [("apply_plan", "refused" if refused else "allowed")], lines
