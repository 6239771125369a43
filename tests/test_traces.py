"""OpenTelemetry traces (issue 24, item 5): one span per tool call, with children for the policy
decision, each request to LiveChat (one per attempt: a retry shows as its own span) and each store
operation; exported over OTLP/HTTP with the standard OTEL_* variables; never a secret or license
text in what leaves.

In process with the SDK's in-memory exporter, and end to end: a real server process exporting with
the OTLP/HTTP exporter to a receiver this test runs (tests/otlp_receiver.py). Without the extra it
is a no-op (tests/test_packaging.py runs the wheel installed without it).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from typing import Any

import anyio
import pytest
from mcp import Client, StdioServerParameters
from mcp.shared.exceptions import MCPError
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, Status, StatusCode

from conftest import tool_payload
from otlp_receiver import otlp_receiver
from server.sandbox import DEFAULT_TOKEN
from server.sandbox.app import Fault
from server.telemetry import Telemetry
from server.telemetry.traces import SafeExporter

pytestmark = pytest.mark.anyio

# What must never leave in a span: the credential (whole, and without its region prefix), people's
# emails and names, and text from the license.
SECRETS = [DEFAULT_TOKEN, DEFAULT_TOKEN.split(":", 1)[1], "jane@example.com", "Jane Doe", "nobody@example.com",
           "@example.com"]


@pytest.fixture
def traced() -> tuple[Telemetry, InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return Telemetry(tracer=provider.get_tracer("test")), exporter


def children(spans: list[Any], parent: Any) -> list[Any]:
    return [s for s in spans if s.parent is not None and s.parent.span_id == parent.context.span_id]


def dump(spans: list[Any]) -> str:
    """Everything a span carries that could hold text: attributes, events, status descriptions."""
    return json.dumps([{"name": s.name, "attributes": dict(s.attributes or {}),
                        "events": [{"name": e.name, "attributes": dict(e.attributes or {})} for e in s.events],
                        "status": s.status.description} for s in spans], default=str)


async def test_a_call_with_a_retry_shows_each_attempt_under_its_tool_span(loopback, make_server, traced):
    telemetry, exporter = traced
    loopback.sandbox.faults.append(Fault("list_tags", "status", status=503, error_type="internal"))
    async with make_server(env=loopback.env(), observer=telemetry) as s:
        result = await s.call("list_tags", {})
    assert not result.is_error
    spans = list(exporter.get_finished_spans())
    (tool,) = [s for s in spans if s.name == "tool list_tags"]
    assert tool.attributes["livechat_mcp.decision"] == "allowed" and tool.attributes["livechat_mcp.outcome"] == "ok"
    under = children(spans, tool)
    (policy,) = [s for s in under if s.name == "policy decision"]
    assert policy.attributes["livechat_mcp.decision"] == "allow" and policy.attributes["livechat_mcp.tool"] == "list_tags"
    attempts = sorted((s for s in under if s.name == "POST list_tags"), key=lambda s: s.attributes["livechat_mcp.retry"])
    assert [a.attributes["livechat_mcp.retry"] for a in attempts] == [0, 1]  # the retry is its own span
    first, retry = attempts
    assert first.kind is SpanKind.CLIENT and first.attributes["http.response.status_code"] == 503
    assert first.attributes["error.type"] == "internal" and first.status.status_code is StatusCode.ERROR
    assert retry.attributes["http.response.status_code"] == 200 and "error.type" not in retry.attributes
    assert {a.attributes["livechat_mcp.region"] for a in attempts} == {"dal"}
    # The request budget's store operations are children too: a reservation per attempt; a finished
    # attempt's release rides on the next reservation, or goes alone when none follows soon (here the
    # retry's back-off may be long enough); the last attempt's is released after the call.
    store = [s.name for s in under if s.name.startswith("store ")]
    assert store.count("store reserve") == 2 and store.count("store release") <= 1, store
    assert all(s.attributes["db.system.name"] == "sqlite" for s in under if s.name.startswith("store "))
    assert len(loopback.requests()) == 2


async def test_no_span_holds_a_secret_or_license_text(loopback, make_server, traced):
    telemetry, exporter = traced
    async with make_server(env=loopback.env(), observer=telemetry) as s:
        jane = await s.call("get_agent", {"id": "jane@example.com"})  # an answer full of license text
        missing = await s.call("get_agent", {"id": "nobody@example.com"})  # an error quoting the id
        refused = await s.call("create_tag", {"name": "jane@example.com"})  # refused: read-only
        typo = await s.call("jane@example.com", {})  # a tool name that is someone's email
    assert tool_payload(jane)["name"] == "Jane Doe" and missing.is_error and refused.is_error and typo.is_error
    spans = list(exporter.get_finished_spans())
    text = dump(spans)
    for secret in SECRETS:
        assert secret not in text, secret
    outcomes = {s.name: s.attributes.get("livechat_mcp.outcome") for s in spans if s.name.startswith("tool ")}
    assert outcomes == {"tool get_agent": "not_found", "tool create_tag": "refused", "tool unknown": "unknown_tool"}


def test_what_leaves_has_no_status_description_and_no_exception_event():
    """Spans made by any library (the MCP SDK records exceptions and error messages) are exported
    without the two places a message could quote license text or a credential."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(SafeExporter(exporter)))
    with provider.get_tracer("another-library").start_as_current_span("tools/call get_agent") as span:
        span.record_exception(ValueError("agent jane@example.com not found"))
        span.set_status(Status(StatusCode.ERROR, f"Bearer {DEFAULT_TOKEN} refused for jane@example.com"))
        span.set_attribute("mcp.method.name", "tools/call")
    (sent,) = exporter.get_finished_spans()
    assert sent.status.status_code is StatusCode.ERROR and sent.status.description is None
    assert sent.events == () or all(e.name != "exception" for e in sent.events)
    assert sent.attributes["mcp.method.name"] == "tools/call"
    assert "jane@example.com" not in dump([sent])


async def test_a_server_exports_its_spans_over_otlp_http_to_a_collector(loopback, tmp_path):
    loopback.sandbox.faults.append(Fault("list_tags", "status", status=503, error_type="internal"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LIVECHAT_", "OTEL_"))}
    with otlp_receiver() as receiver:
        env.update(loopback.env(), OTEL_EXPORTER_OTLP_ENDPOINT=receiver.endpoint, OTEL_SERVICE_NAME="lc-test",
                   OTEL_BSP_SCHEDULE_DELAY="200")
        params = StdioServerParameters(command=sys.executable, args=["-m", "server.doors.cli", "--store", "memory://"],
                                       env=env)
        async with Client(params) as client:
            result = await client.call_tool("list_tags", {})
            assert not result.is_error
            # The MCP SDK names its span after the tool asked for, whatever a caller typed there.
            assert (await client.call_tool("jane@example.com", {})).is_error
            with pytest.raises(MCPError):  # no such prompt
                await client.get_prompt("Jane Doe <jane@example.com>", {})
        spans = receiver.spans()  # the server flushed its spans as it left
    assert receiver.paths and set(receiver.paths) == {"/v1/traces"}
    by_name = {s["name"]: s for s in spans}
    request = by_name["tools/call list_tags"]  # the MCP SDK's span for the request...
    tool = by_name["tool list_tags"]  # ...is the parent of ours
    assert tool["parent"] == request["span_id"] and tool["trace_id"] == request["trace_id"]
    attempts = sorted((s for s in spans if s["name"] == "POST list_tags"),
                      key=lambda s: s["attributes"]["livechat_mcp.retry"])
    assert [(a["attributes"]["livechat_mcp.retry"], a["attributes"]["http.response.status_code"]) for a in attempts] \
        == [(0, 503), (1, 200)]
    assert all(a["parent"] == tool["span_id"] for a in attempts)
    assert any(s["name"] == "policy decision" and s["parent"] == tool["span_id"] for s in spans)
    assert tool["resource"]["service.name"] == "lc-test" and tool["resource"]["service.version"]
    typo = by_name["tools/call other"]  # the SDK's span for the email-named tool, its name a word
    assert typo["attributes"]["gen_ai.tool.name"] == "other" and by_name["tool unknown"]["parent"] == typo["span_id"]
    assert by_name["prompts/get other"]["attributes"]["gen_ai.prompt.name"] == "other"
    text = json.dumps(spans)
    for secret in SECRETS:
        assert secret not in text, secret


async def test_an_http_server_exports_each_call_under_the_trace_its_client_sent(loopback):
    """Hosted deployments serve over HTTP: each call is exported while the server keeps running, and
    a client that sends W3C trace context in the request's _meta (traceparent) finds our spans in its
    own trace, under its own span."""
    from mcp.client.streamable_http import streamable_http_client

    from conftest import free_port, stop_process
    from test_http_security import wait_for_port

    trace_id, client_span = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LIVECHAT_", "OTEL_"))}
    with otlp_receiver() as receiver:
        env.update(loopback.env(), OTEL_EXPORTER_OTLP_ENDPOINT=receiver.endpoint, OTEL_BSP_SCHEDULE_DELAY="200")
        port = free_port()
        proc = subprocess.Popen([sys.executable, "-m", "server.doors.cli", "--transport", "http", "--port", str(port),
                                 "--store", "memory://"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                text=True)
        try:
            wait_for_port(port, proc, timeout=60)
            async with Client(streamable_http_client(f"http://127.0.0.1:{port}/mcp"), mode="legacy") as client:
                answer = await client.call_tool("get_agent", {"id": "jane@example.com"},
                                                meta={"traceparent": f"00-{trace_id}-{client_span}-01"})
                assert not answer.is_error
            deadline = time.monotonic() + 30
            wanted = {"tool get_agent", "tools/call get_agent"}
            while not wanted <= {s["name"] for s in receiver.spans()} and time.monotonic() < deadline:
                await anyio.sleep(0.2)  # the server runs on: its batch goes out on schedule, not at exit
            spans = receiver.spans()
        finally:
            stop_process(proc)
    by_name = {s["name"]: s for s in spans}
    assert {"tool get_agent", "tools/call get_agent"} <= set(by_name), sorted(by_name)
    request, tool = by_name["tools/call get_agent"], by_name["tool get_agent"]
    assert request["trace_id"] == trace_id and request["parent"] == client_span  # the client's trace
    assert tool["trace_id"] == trace_id and tool["parent"] == request["span_id"]
    assert tool["attributes"]["livechat_mcp.outcome"] == "ok"
    (attempt,) = [s for s in spans if s["name"] == "POST get_agent"]
    assert attempt["parent"] == tool["span_id"] and attempt["attributes"]["http.response.status_code"] == 200
    text = json.dumps(spans)
    for secret in SECRETS:
        assert secret not in text, secret
