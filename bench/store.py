"""What the state store costs a tool call, and what replicas serve: `python bench/store.py`
(starts its own redis-server, loopback sandbox and replicas).

1. One server per store (memory://, SQLite in a temporary directory, a redis-server on loopback),
   each calling `list_tags` (a read: the shared budget's reserve + release) and a dry-run
   `create_tag` (a planned write: the session's working plan read, locked, written) through the
   whole tool path against the built-in sandbox, interleaved round by round so that machine
   noise hits every store alike. Reports the median and p99 per call and their ratios to memory://.
2. Tool calls per second through 1, 2 and 3 HTTP replicas sharing the Redis store, in front of
   one loopback sandbox process: WORKERS concurrent clients, each request sent to the next replica
   round-robin (stateless HTTP, as behind a load balancer), for SECONDS per run.

Prints the machine's load average before and after: on a loaded machine the figures are a loaded
run's. Not a test: timings vary by machine.
"""

from __future__ import annotations

import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import anyio
import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from server.calls.runtime import Settings, build_runtime  # noqa: E402
from server.doors.mcp_app import LiveChatMCP  # noqa: E402
from server.sandbox import DEFAULT_TOKEN

ROUNDS, CALLS = 15, 60  # under the built-in sandbox quota (1000 per 10 minutes)
WORKERS, SECONDS = 16, 10.0
PLANNED = ("create_tag", {"name": "bench", "group_ids": [0]})


class _Ctx:
    request = None
    session = None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _measure(urls: dict[str, str], env: dict[str, str]) -> dict[str, dict[str, list[float]]]:
    """{call: {store: [ms per call]}} for a read and a planned write."""
    from server.policies import Overrides

    calls: dict[str, tuple[str, dict[str, Any], Overrides]] = {
        "list_tags (read)": ("list_tags", {}, Overrides()),
        "create_tag (dry-run, planned)": (*PLANNED, Overrides(dry_run=True)),
    }
    times: dict[str, dict[str, list[float]]] = {call: {name: [] for name in urls} for call in calls}
    for call, (tool, args, overrides) in calls.items():
        apps: dict[str, Any] = {}
        for name, url in urls.items():
            runtime = await build_runtime(Settings(sandbox=True, store=url, rate_limit=10**9, overrides=overrides), env)
            apps[name] = LiveChatMCP(runtime)
        for app in apps.values():  # warm up: imports, connections, scripts loaded
            for _ in range(20):
                await app.call_tool(tool, args, _Ctx())
        for _ in range(ROUNDS):
            for name, app in apps.items():
                if overrides.dry_run:  # each round plans CALLS steps afresh
                    await app.call_tool("clear_plan", {}, _Ctx())
                for _ in range(CALLS):
                    started = time.perf_counter()
                    result = await app.call_tool(tool, args, _Ctx())
                    times[call][name].append((time.perf_counter() - started) * 1000)
                    assert not result.is_error, result.data
        for app in apps.values():
            await app.runtime.aclose()
    return times


def _spawn(args: list[str], env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen([sys.executable, "-m", "server.doors.cli", *args, "--port", str(port)], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/healthz" if "--transport" in args
                      else f"http://127.0.0.1:{port}/_sandbox/config", timeout=0.5)
            return proc
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"{args} did not come up on port {port}")


async def _throughput(urls: list[str]) -> tuple[float, float]:
    """(calls per second, median ms per call) with WORKERS clients spreading calls round-robin."""
    headers = {"Accept": "application/json, text/event-stream", "MCP-Protocol-Version": "2025-06-18"}
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "list_tags", "arguments": {}}}
    latencies: list[float] = []
    turn = 0
    async with httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_connections=WORKERS * 2)) as http:
        for url in urls:  # warm up every replica
            for _ in range(5):
                (await http.post(url, json=body, headers=headers)).raise_for_status()
        stop = time.perf_counter() + SECONDS

        async def worker() -> None:
            nonlocal turn
            while time.perf_counter() < stop:
                url = urls[turn % len(urls)]
                turn += 1
                started = time.perf_counter()
                answer = await http.post(url, json=body, headers=headers)
                assert answer.status_code == 200 and '"isError":true' not in answer.text, answer.text[:300]
                latencies.append((time.perf_counter() - started) * 1000)

        began = time.perf_counter()
        async with anyio.create_task_group() as tg:
            for _ in range(WORKERS):
                tg.start_soon(worker)
        elapsed = time.perf_counter() - began
    return len(latencies) / elapsed, statistics.median(latencies)


def _replicas(tmp: Path, redis_url: str) -> list[tuple[int, float, float]]:
    """[(replicas, calls/s, median ms)] for 1, 2 and 3 replicas on one Redis and one sandbox."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIVECHAT_")}
    env["XDG_STATE_HOME"] = str(tmp)
    sandbox_port = _free_port()
    sandbox = _spawn(["sandbox", "--rate-limit", f"{10**9}/600"], env, sandbox_port)
    upstream = f"http://127.0.0.1:{sandbox_port}"
    env.update(LIVECHAT_API_URL=upstream, LIVECHAT_ACCOUNTS_URL=upstream, LIVECHAT_ACCESS_TOKEN=DEFAULT_TOKEN)
    out = []
    try:
        for count in (1, 2, 3):
            ports = [_free_port() for _ in range(count)]
            procs = [_spawn(["--transport", "http", "--store", redis_url, "--rate-limit", f"{10**9}/600"], env, port)
                     for port in ports]
            try:
                rate, median = anyio.run(_throughput, [f"http://127.0.0.1:{p}/mcp" for p in ports])
                out.append((count, rate, median))
            finally:
                for proc in procs:
                    proc.terminate()
                    proc.wait()
    finally:
        sandbox.terminate()
        sandbox.wait()
    return out


def _table(times: dict[str, list[float]]) -> None:
    base = statistics.median(times["memory://"])
    base99 = statistics.quantiles(times["memory://"], n=100)[98]
    print("| store | median ms/call | p99 ms/call | median vs memory | p99 vs memory | added to the median |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name, values in times.items():
        med, p99 = statistics.median(values), statistics.quantiles(values, n=100)[98]
        print(f"| {name} | {med:.2f} | {p99:.2f} | {med / base:.2f}x | {p99 / base99:.2f}x | {med - base:+.2f} ms |")


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="livechat-mcp-bench-"))
    env = {**os.environ, "XDG_STATE_HOME": str(tmp)}
    port = _free_port()
    redis_bin = shutil.which("redis-server")
    urls = {"memory://": "memory://", "sqlite": f"sqlite://{tmp / 'state.db'}"}
    proc = None
    load = os.getloadavg()
    print(f"load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} cores"
          + ("  (LOADED: figures are a loaded run's)" if load[0] > 0.5 * (os.cpu_count() or 1) else ""))
    if redis_bin:
        proc = subprocess.Popen([redis_bin, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                 "--appendonly", "no", "--dir", str(tmp)], stdout=subprocess.DEVNULL)
        time.sleep(0.5)
        urls["redis"] = f"redis://127.0.0.1:{port}/0"
    try:
        times = anyio.run(_measure, urls, env)
        replicas = _replicas(tmp, urls["redis"]) if redis_bin else []
    finally:
        if proc:
            proc.terminate()
            proc.wait()
        shutil.rmtree(tmp, ignore_errors=True)
    for call, per_store in times.items():
        print(f"\n{call}: {ROUNDS * CALLS} calls per store, interleaved\n")
        _table(per_store)
    if replicas:
        one = replicas[0][1]
        print(f"\nlist_tags through HTTP replicas on one Redis, {WORKERS} concurrent clients round-robin, "
              f"{SECONDS:.0f} s each\n")
        print("| replicas | calls/s | vs 1 replica | median ms/call |")
        print("| --- | --- | --- | --- |")
        for count, rate, median in replicas:
            print(f"| {count} | {rate:.0f} | {rate / one:.2f}x | {median:.1f} |")
    load = os.getloadavg()
    print(f"\nload average after: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")


if __name__ == "__main__":
    main()
