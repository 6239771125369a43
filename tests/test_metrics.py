"""Prometheus metrics (issue 24, item 4), scraped by a real `prometheus` (the Debian package;
.ci/run installs it, and in CI a missing one fails rather than skips) while a server takes a short
load: the counters match the calls made, no label holds an email, a token or license text, and
/metrics without its token is refused. Off by default; beyond loopback it needs its own token.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import httpx
import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from conftest import free_port, stop_process
from server.sandbox import DEFAULT_TOKEN
from server.sandbox.app import Fault
from server.sandbox.core import ERROR_STATUS
from server.store.base import StoreUnavailable
from server.store.memory import MemoryStore
from server.store.observed import ObservedStore
from server.telemetry import Metrics, Telemetry
from test_http_security import wait_for_port

METRICS_TOKEN = "scraper-token-4c1e9a7d2b"
CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.fixture(scope="session")
def prometheus_binary() -> str:
    found = shutil.which("prometheus") or shutil.which("prometheus", path="/usr/bin:/usr/sbin")
    if found is None:
        if CI:
            pytest.fail("prometheus is not installed: .ci/run installs the Debian package")
        pytest.skip("prometheus is not installed (apt-get install prometheus)")
    return found


def serve(env: dict[str, str], *args: str) -> tuple[subprocess.Popen[str], int]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "server.doors.cli", "--transport", "http", "--port", str(port),
                             "--store", "memory://", *args], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    try:
        wait_for_port(port, proc, timeout=60)
    except RuntimeError:
        stop_process(proc)
        raise
    return proc, port


def base_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LIVECHAT_", "OTEL_"))}
    env.update(extra)
    return env


@pytest.fixture
def prometheus(prometheus_binary: str, tmp_path: Path) -> Iterator[Any]:
    """``prometheus(target_port)`` starts a Prometheus scraping that target every 0.5 s with the
    metrics token, and returns its query URL."""
    started: list[subprocess.Popen[str]] = []

    def start(target: int) -> str:
        (tmp_path / "token").write_text(METRICS_TOKEN)
        config = tmp_path / "prometheus.yml"
        config.write_text(json.dumps({  # JSON is YAML
            "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
            "scrape_configs": [{
                "job_name": "livechat-mcp", "scrape_interval": "500ms", "scrape_timeout": "400ms",
                "authorization": {"type": "Bearer", "credentials_file": str(tmp_path / "token")},
                "static_configs": [{"targets": [f"127.0.0.1:{target}"]}],
            }],
        }))
        port = free_port()
        proc = subprocess.Popen([prometheus_binary, f"--config.file={config}", f"--storage.tsdb.path={tmp_path / 'tsdb'}",
                                 f"--web.listen-address=127.0.0.1:{port}", "--log.level=warn"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        started.append(proc)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/-/ready", timeout=1).status_code == 200:
                    return url
            except httpx.HTTPError:
                pass
            if proc.poll() is not None:
                raise AssertionError(f"prometheus left: {proc.stderr.read() if proc.stderr else ''}")
            time.sleep(0.2)
        raise AssertionError("prometheus did not become ready")

    yield start
    for proc in started:
        stop_process(proc)


def query(prom: str, expr: str) -> list[dict[str, Any]]:
    answer = httpx.get(f"{prom}/api/v1/query", params={"query": expr}, timeout=5).json()
    assert answer["status"] == "success", answer
    return list(answer["data"]["result"])


def scraped_until(prom: str, expr: str, expected: float, timeout: float = 60.0) -> None:
    """Wait until Prometheus has scraped a sample where ``expr`` is ``expected``."""
    deadline = time.monotonic() + timeout
    seen: Any = None
    while time.monotonic() < deadline:
        result = query(prom, expr)
        seen = float(result[0]["value"][1]) if result else None
        if seen == expected:
            return
        time.sleep(0.5)
    raise AssertionError(f"{expr} is {seen}, not {expected}, after {timeout} s")


def counts(prom: str, expr: str, by: tuple[str, ...]) -> dict[tuple[str, ...], float]:
    return {tuple(r["metric"].get(k, "") for k in by): float(r["value"][1]) for r in query(prom, expr)}


@pytest.mark.anyio
async def test_prometheus_scrapes_counters_that_match_the_calls_made(loopback, prometheus):
    loopback.sandbox.faults.append(Fault("list_agents", "status", status=503, error_type="internal"))
    server, port = serve(base_env(**loopback.env(), LIVECHAT_MCP_METRICS_TOKEN=METRICS_TOKEN), "--metrics")
    try:
        prom = prometheus(port)
        async with Client(streamable_http_client(f"http://127.0.0.1:{port}/mcp"), mode="legacy") as client:
            for _ in range(5):
                assert not (await client.call_tool("list_tags", {})).is_error
            for _ in range(3):
                assert not (await client.call_tool("get_agent", {"id": "jane@example.com"})).is_error
            assert (await client.call_tool("get_agent", {"id": "nobody@example.com"})).is_error  # not_found
            for _ in range(2):
                assert (await client.call_tool("delete_tag", {"name": "sales"})).is_error  # refused: read-only
            assert (await client.call_tool("jane@example.com", {})).is_error  # no such tool
            assert not (await client.call_tool("list_agents", {})).is_error  # 503, then the retry answers
        scraped_until(prom, "sum(livechat_mcp_tool_calls_total)", 13)

        tools = counts(prom, "livechat_mcp_tool_calls_total", ("tool", "decision", "outcome"))
        assert tools == {
            ("list_tags", "allowed", "ok"): 5, ("get_agent", "allowed", "ok"): 3,
            ("get_agent", "allowed", "not_found"): 1, ("delete_tag", "refused", "refused"): 2,
            ("unknown", "allowed", "unknown_tool"): 1, ("list_agents", "allowed", "ok"): 1,
        }
        # Every request LiveChat (the sandbox) received is counted once, by action, status and retry.
        upstream = counts(prom, "livechat_mcp_upstream_requests_total", ("action", "status", "retry"))
        received: dict[tuple[str, ...], float] = {}
        for entry in loopback.requests():
            status = "503" if entry.get("fault") else str(ERROR_STATUS[entry["error"]]) if entry.get("error") else "200"
            retry = "1" if entry["action"] == "list_agents" and not entry.get("fault") else "0"
            key = (entry["action"], status, retry)
            received[key] = received.get(key, 0) + 1
        assert upstream == received == {("list_tags", "200", "0"): 5, ("get_agent", "200", "0"): 3,
                                         ("get_agent", "404", "0"): 1, ("list_agents", "503", "0"): 1,
                                         ("list_agents", "200", "1"): 1}
        latency = counts(prom, "livechat_mcp_upstream_request_duration_seconds_count", ("action",))
        assert latency == {("list_tags",): 5, ("get_agent",): 4, ("list_agents",): 2}
        store = counts(prom, "livechat_mcp_store_operation_duration_seconds_count", ("backend", "operation"))
        # One reservation per request; a finished request's release rides on the next reservation
        # and is an operation of its own only when no request followed soon (server/api/ratelimit.py).
        assert store[("memory", "reserve")] == 11 and 1 <= store[("memory", "release")] <= 11

        # No label anywhere holds an email, a token or license text: only words, numbers and the target.
        series = httpx.get(f"{prom}/api/v1/series", params={"match[]": '{job="livechat-mcp"}'}, timeout=5).json()["data"]
        values = {v for s in series for k, v in s.items()}
        assert values and all(re.fullmatch(r"[A-Za-z0-9_.+:-]*", v) for v in values), values
        text = json.dumps(series)
        for secret in (DEFAULT_TOKEN, DEFAULT_TOKEN.split(":", 1)[1], "@", "Jane", "nobody", METRICS_TOKEN, "sales"):
            assert secret not in text, secret
    finally:
        stop_process(server)

    # The scrape target was refused without its token, and is refused by anyone without it.
    server, port = serve(base_env(LIVECHAT_MCP_METRICS="true", LIVECHAT_MCP_METRICS_TOKEN=METRICS_TOKEN), "--sandbox")
    try:
        url = f"http://127.0.0.1:{port}/metrics"
        assert httpx.get(url).status_code == 401
        assert httpx.get(url, headers={"Authorization": "Bearer wrong-token-0000000000"}).status_code == 401
        assert httpx.get(url, headers={"Authorization": f"Basic {METRICS_TOKEN}"}).status_code == 401
        ok = httpx.get(url, headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
        assert ok.status_code == 200 and "livechat_mcp_info" in ok.text
        assert httpx.get(url, headers={"Authorization": f"Bearer {METRICS_TOKEN}"}).headers["content-type"] \
            .startswith("text/plain")
    finally:
        stop_process(server)


def test_metrics_are_off_by_default_and_open_on_loopback_without_a_token():
    server, port = serve(base_env(), "--sandbox")
    try:
        assert httpx.get(f"http://127.0.0.1:{port}/metrics").status_code == 404
    finally:
        stop_process(server)
    server, port = serve(base_env(), "--sandbox", "--metrics")
    try:
        url = f"http://127.0.0.1:{port}/metrics"
        assert httpx.get(url).status_code == 200  # loopback: the machine's own
        assert httpx.get(f"http://localhost:{port}/metrics").status_code == 200
        # What a reverse proxy on this machine forwards comes from loopback too, but says so: refused.
        for forwarded in ({"Host": "mcp.example.com"}, {"X-Forwarded-For": "203.0.113.9"},
                          {"Forwarded": "for=203.0.113.9;host=mcp.example.com"}, {"X-Real-IP": "203.0.113.9"},
                          {"X-Forwarded-Host": "mcp.example.com"}):
            refused = httpx.get(url, headers=forwarded)
            assert refused.status_code == 403 and "LIVECHAT_MCP_METRICS_TOKEN" in refused.text, forwarded
            assert "livechat_mcp" not in refused.text
    finally:
        stop_process(server)


def test_behind_nginx_metrics_need_their_token(tmp_path: Path):
    """The guides' reverse proxy (nginx, Host passed on) in front of a loopback server: without a
    token /metrics is refused through it (and open to the machine itself); with the token, a
    scrape through the proxy must send it."""
    nginx = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/bin")
    if nginx is None:
        if CI:
            pytest.fail("nginx is not installed: .ci/run installs the Debian package")
        pytest.skip("nginx is not installed (apt-get install nginx)")
    for token in (None, METRICS_TOKEN):
        env = base_env(**({"LIVECHAT_MCP_METRICS_TOKEN": token} if token else {}))
        server, port = serve(env, "--sandbox", "--metrics")
        front = free_port()
        (tmp_path / "nginx.conf").write_text(
            f"daemon off; pid {tmp_path}/nginx.pid; error_log stderr; events {{}}\n"
            f"http {{ access_log off; client_body_temp_path {tmp_path}; proxy_temp_path {tmp_path};\n"
            f"  server {{ listen 127.0.0.1:{front}; server_name mcp.example.com;\n"
            f"    location / {{ proxy_pass http://127.0.0.1:{port}; proxy_set_header Host $host; }} }} }}\n")
        proxy = subprocess.Popen([nginx, "-p", str(tmp_path), "-e", "stderr", "-c", str(tmp_path / "nginx.conf")],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            wait_for_port(front, proxy, timeout=30)
            through = f"http://127.0.0.1:{front}/metrics"
            public = {"Host": "mcp.example.com"}
            if token is None:
                assert httpx.get(through, headers=public).status_code == 403
                assert httpx.get(f"http://127.0.0.1:{port}/metrics").status_code == 200
            else:
                assert httpx.get(through, headers=public).status_code == 401
                ok = httpx.get(through, headers={**public, "Authorization": f"Bearer {token}"})
                assert ok.status_code == 200 and "livechat_mcp_info" in ok.text
            assert httpx.get(f"http://127.0.0.1:{front}/healthz", headers=public).status_code == 200  # the proxy works
        finally:
            stop_process(proxy)
            stop_process(server)


@pytest.mark.parametrize(("args", "env", "says"), [
    (["--host", "0.0.0.0", "--metrics"], {"LIVECHAT_MCP_AUTH_TOKEN": "client-token-7d1f0c9e2a"},
     "without a token: set LIVECHAT_MCP_METRICS_TOKEN"),
    (["--metrics"], {"LIVECHAT_MCP_METRICS_TOKEN": "short"}, "too short"),
    (["--metrics"], {"LIVECHAT_MCP_METRICS_TOKEN": "same-token-as-clients-1", "LIVECHAT_MCP_AUTH_TOKEN":
                     "same-token-as-clients-1"}, "must differ from LIVECHAT_MCP_AUTH_TOKEN"),
    ([], {"LIVECHAT_MCP_METRICS": "maybe"}, "LIVECHAT_MCP_METRICS='maybe': use true or false"),
    (["--metrics"], {"LIVECHAT_MCP_PUBLIC_URL": "https://mcp.example.com"}, "behind a proxy"),
], ids=["beyond-loopback", "short-token", "clients-token", "bad-switch", "behind-a-proxy"])
def test_metrics_that_cannot_be_served_safely_refuse_to_start(args: list[str], env: dict[str, str], says: str):
    done = subprocess.run([sys.executable, "-m", "server.doors.cli", "--sandbox", "--transport", "http",
                           "--port", str(free_port()), *args], env=base_env(**env), capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 2 and says in done.stderr, done.stderr
    assert "Traceback" not in done.stderr and "serving" not in done.stderr
    for value in env.values():
        if "token" in value:
            assert value not in done.stderr  # a token is named by its variable, never shown


def test_metrics_on_stdio_say_they_need_the_http_transport():
    done = subprocess.run([sys.executable, "-m", "server.doors.cli", "--sandbox", "--metrics"], env=base_env(),
                          capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert done.returncode == 2 and "--transport http" in done.stderr


@pytest.mark.anyio
async def test_store_errors_and_latency_are_counted_by_operation():
    class Down(MemoryStore):
        async def get(self, ns: str, key: str) -> bytes | None:
            raise StoreUnavailable("connection refused by redis.internal:6379")

    metrics = Metrics()
    store = ObservedStore(Down(), Telemetry(metrics))
    await store.put("plans", "p1", b"x")
    with pytest.raises(StoreUnavailable):
        await store.get("plans", "p1")
    text = metrics.exposition()[0].decode()
    assert 'livechat_mcp_store_errors_total{backend="memory",error="store_unavailable",operation="get"} 1.0' in text
    assert 'livechat_mcp_store_operation_duration_seconds_count{backend="memory",operation="put"} 1.0' in text
    assert "redis.internal" not in text  # the error's type, never its message


@pytest.mark.anyio
async def test_a_store_log_and_the_budget_pass_through_the_observed_store_as_their_round_trips():
    """A working plan's log (lock-and-read, write-and-unlock) and a reservation that carries the
    previous request's release reach the store unchanged, each timed as one operation."""
    metrics = Metrics()
    store = ObservedStore(MemoryStore(), Telemetry(metrics))
    async with store.hold_log("plans.working", "k", since=None, ttl=60, lock_ttl=15) as log:
        assert log.read.head is None
        log.append(b"head", [b"step 1"])
    with pytest.raises(RuntimeError):
        async with store.hold_log("plans.working", "k", since=None, ttl=60, lock_ttl=15) as log:
            log.append(b"head 2", [b"never written"])
            raise RuntimeError("the call failed")
    read = await store.read_log("plans.working", "k", since=None)
    assert (read.head, read.entries) == (b"head", [b"step 1"])
    assert await store.reserve("b", capacity=1, period=60, slot="one", hold=30) == 0
    assert await store.reserve("b", capacity=1, period=60, slot="two", hold=30) > 0  # "one" still held
    assert await store.reserve("b", capacity=1, period=60, slot="two", hold=30, finished=[("one", 61.0)]) == 0
    await store.release("b", "two", ago=61.0)
    assert await store.reserve("b", capacity=1, period=60, slot="three", hold=30) == 0
    text = metrics.exposition()[0].decode()
    for operation, count in (("lock_and_read_log", 2), ("write_and_unlock_log", 1), ("read_log", 1),
                             ("reserve", 4), ("release", 1)):
        assert (f'livechat_mcp_store_operation_duration_seconds_count{{backend="memory",operation="{operation}"}} '
                f'{count}.0') in text, operation


def test_labels_are_words_whatever_a_caller_passes():
    metrics = Metrics()
    telemetry = Telemetry(metrics)
    with telemetry.tool_call("jane@example.com") as span:  # a typo a caller made a tool name
        span.set(decision="allowed", outcome="Agent Jane Doe <jane@example.com> was not found")
    with telemetry.upstream_request("get_agent", attempt=3, region="dal") as span:
        span.set(status=500, error=f"Bearer {DEFAULT_TOKEN}")
    telemetry.budget_left("owner@example.com", 10, 1000)
    telemetry.hosted_event("sign_in", "ok")
    text = metrics.exposition()[0].decode()
    assert 'livechat_mcp_tool_calls_total{decision="allowed",outcome="other",tool="other"} 1.0' in text
    assert 'livechat_mcp_upstream_requests_total{action="get_agent",retry="2",status="500"} 1.0' in text
    assert 'livechat_mcp_license_budget_remaining{license="other"} 10.0' in text
    assert 'livechat_mcp_hosted_events_total{event="sign_in",outcome="ok"} 1.0' in text
    for secret in ("@", "Jane", DEFAULT_TOKEN.split(":", 1)[1]):
        assert secret not in text, secret


@pytest.mark.anyio
async def test_the_license_budget_left_is_what_livechat_says_for_the_license():
    import httpx as _httpx

    from server.api.auth import bearer
    from server.api.client import LiveChatClient
    from server.api.ratelimit import Budget, license_bucket

    left = iter([999, 998])

    def answer(request: _httpx.Request) -> _httpx.Response:
        return _httpx.Response(200, json={}, headers={"X-RateLimit-Limit": "1000",
                                                      "X-RateLimit-Remaining": str(next(left))})

    metrics = Metrics()
    credential = bearer(DEFAULT_TOKEN)
    org = "390e44e6-f1e6-0368-c507-7c7f8c8de8c6"
    for info in ({"organization_id": org}, None):  # a license known by its organization, and one not
        bucket = license_bucket("https://api.example", credential, info)
        client = LiveChatClient(credential, base_url="https://api.example", transport=_httpx.MockTransport(answer),
                                budget=Budget(MemoryStore(), bucket), observer=Telemetry(metrics))
        await client.call("list_tags", {}, write=False, idempotent=True)
        await client.aclose()
    text = metrics.exposition()[0].decode()
    assert f'livechat_mcp_license_budget_remaining{{license="{org}"}} 999.0' in text
    assert f'livechat_mcp_license_budget_limit{{license="{org}"}} 1000.0' in text
    digest = re.search(r'livechat_mcp_license_budget_remaining\{license="(key-[0-9a-f]{12})"\} 998.0', text)
    assert digest is not None  # a token's license is named by a digest of its key, never the token
    assert DEFAULT_TOKEN.split(":", 1)[1] not in text


def test_hosted_sign_ins_refreshes_and_revocations_are_counted():
    from tests.hosted import hosted
    from tests.test_hosted_attacks import exchange, sign_in

    with hosted("--metrics") as served:  # loopback: /metrics open to the machine itself
        client_id, verifier, code = sign_in(served)
        tokens = exchange(served, client_id, code, verifier).json()

        async def signed_in_calls() -> None:  # a signed-in person's calls are counted as anyone's
            http = httpx2.AsyncClient(headers={"Authorization": f"Bearer {tokens['access_token']}"}, timeout=30)
            async with http, Client(streamable_http_client(served.mcp, http_client=http), mode="legacy") as client:
                for _ in range(2):
                    assert not (await client.call_tool("list_tags", {})).is_error

        anyio.run(signed_in_calls)
        form = {"grant_type": "refresh_token", "client_id": client_id, "refresh_token": tokens["refresh_token"]}
        fresh = httpx.post(f"{served.base}/token", data=form)
        assert fresh.status_code == 200
        revoked = httpx.post(f"{served.base}/revoke", data={"token": fresh.json()["access_token"],
                                                            "client_id": client_id})
        assert revoked.status_code == 200
        # Used again, a rotated refresh token and a code are refused, and counted as reuse (their
        # sign-in is already revoked here: unknown_grant).
        assert httpx.post(f"{served.base}/token", data=form).status_code == 400
        assert exchange(served, client_id, code, verifier).status_code == 400
        text = httpx.get(f"{served.base}/metrics").text
    for line in ('livechat_mcp_hosted_events_total{event="sign_in",outcome="ok"} 1.0',
                 'livechat_mcp_hosted_events_total{event="sign_in",outcome="invalid_grant"} 1.0',
                 'livechat_mcp_hosted_events_total{event="refresh",outcome="ok"} 1.0',
                 'livechat_mcp_hosted_events_total{event="refresh",outcome="invalid_grant"} 1.0',
                 'livechat_mcp_hosted_events_total{event="revoke",outcome="ok"} 1.0',
                 'livechat_mcp_hosted_events_total{event="sign_in",outcome="reuse_revoked"} 1.0',
                 'livechat_mcp_hosted_events_total{event="refresh",outcome="reuse_revoked"} 1.0',
                 'livechat_mcp_hosted_events_total{event="revoke",outcome="unknown_grant"} 2.0',
                 'livechat_mcp_tool_calls_total{decision="allowed",outcome="ok",tool="list_tags"} 2.0',
                 'livechat_mcp_upstream_requests_total{action="list_tags",retry="0",status="200"} 2.0'):
        assert line in text, line
    assert "owner@" not in text and tokens["refresh_token"] not in text


@pytest.mark.anyio
async def test_a_dry_run_deployment_counts_its_calls_as_planned(make_server):
    """A planned write (one call or a batch) sends nothing: counted as planned, with no request."""
    metrics = Metrics()
    async with make_server(sandbox=True, policy="dry-run", observer=Telemetry(metrics)) as s:
        assert not (await s.call("create_tag", {"name": "planned", "group_ids": [0]})).is_error
        agents = [{"id": f"new{i}@example.com", "name": "New"} for i in range(12)]
        assert not (await s.call("batch_create_agents", {"requests": agents})).is_error
        assert (await s.call("delete_tag", {"name": "planned"})).is_error  # dry-run: no destructive plans
    text = metrics.exposition()[0].decode()
    for line in ('livechat_mcp_tool_calls_total{decision="planned",outcome="ok",tool="create_tag"} 1.0',
                 'livechat_mcp_tool_calls_total{decision="planned",outcome="ok",tool="batch_create_agents"} 1.0'):
        assert line in text, line
    assert 'livechat_mcp_tool_calls_total{decision="refused",outcome="refused",tool="delete_tag"} 1.0' in text
    assert 'action="create_tag"' not in text and 'action="batch_create_agents"' not in text  # nothing was sent


def test_verbose_says_where_metrics_and_traces_go_naming_a_collector_by_its_origin_only():
    collector = "https://scraper:pa55word@collector.internal:4318/v1/traces?api_key=k3y-0f-the-collector"
    env = base_env(LIVECHAT_MCP_METRICS_TOKEN=METRICS_TOKEN, OTEL_EXPORTER_OTLP_ENDPOINT=collector,
                   OTEL_BSP_SCHEDULE_DELAY="60000")
    server, port = serve(env, "--sandbox", "--metrics", "--verbose")
    stop_process(server)
    said = server.stderr.read() if server.stderr else ""
    assert f"metrics: http://127.0.0.1:{port}/metrics, its bearer token (LIVECHAT_MCP_METRICS_TOKEN)" in said, said
    assert "traces: OTLP/HTTP to https://collector.internal:4318\n" in said, said
    for secret in ("pa55word", "scraper", "k3y-0f-the-collector", METRICS_TOKEN):
        assert secret not in said, secret


@pytest.mark.anyio
async def test_a_store_outage_is_counted_and_metrics_are_still_served(loopback, tmp_path: Path):
    """Redis goes away under a serving replica: the calls answer store_unavailable, /metrics still
    answers (the operator needs it most then) and counts the store's errors by operation."""
    import base64

    from redis_server import redis_server

    with redis_server(tmp_path) as redis:
        env = base_env(**loopback.env(), LIVECHAT_MCP_STORE_KEY=base64.b64encode(os.urandom(32)).decode())
        server, port = serve(env, "--metrics", "--store", redis.url)
        try:
            async with Client(streamable_http_client(f"http://127.0.0.1:{port}/mcp"), mode="legacy") as client:
                assert not (await client.call_tool("list_tags", {})).is_error
                redis.stop()
                down = await client.call_tool("list_tags", {})
            assert down.is_error and "store_unavailable" in down.content[0].text
            text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=30).text
            assert httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=30).status_code == 503
        finally:
            stop_process(server)
    errors = re.findall(r'livechat_mcp_store_errors_total\{backend="redis",error="store_unavailable",'
                        r'operation="(\w+)"\} (\d+)\.0', text)
    assert errors and all(int(n) >= 1 for _, n in errors), text
    assert 'livechat_mcp_tool_calls_total{decision="allowed",outcome="store_unavailable",tool="list_tags"} 1.0' in text
    assert 'livechat_mcp_tool_calls_total{decision="allowed",outcome="ok",tool="list_tags"} 1.0' in text
    assert "127.0.0.1:" + str(redis.port) not in text  # the store's address is no label
