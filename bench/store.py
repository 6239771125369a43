"""What the state store costs a tool call: `python bench/store.py` (starts its own redis-server).

One server per store (memory://, SQLite in a temporary directory, a redis-server on loopback),
each calling `list_tags` through the whole tool path against the built-in sandbox, interleaved
round by round so that machine noise hits every store alike. Reports the median and p99 per call
and their ratios to memory://; the difference is what the shared budget (reserve + release)
adds. Not a test: timings vary by machine.
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

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from server.mcp_app import LiveChatMCP  # noqa: E402
from server.runtime import Settings, build_runtime  # noqa: E402

ROUNDS, CALLS = 15, 60  # under the built-in sandbox quota (1000 per 10 minutes)


class _Ctx:
    request = None
    session = None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _measure(urls: dict[str, str], env: dict[str, str]) -> dict[str, list[float]]:
    apps: dict[str, Any] = {}
    for name, url in urls.items():
        runtime = await build_runtime(Settings(sandbox=True, store=url, rate_limit=10**9), env)
        apps[name] = LiveChatMCP(runtime)
    times: dict[str, list[float]] = {name: [] for name in urls}
    for app in apps.values():  # warm up: imports, connections, scripts loaded
        for _ in range(20):
            await app.call_tool("list_tags", {}, _Ctx())
    for _ in range(ROUNDS):
        for name, app in apps.items():
            for _ in range(CALLS):
                started = time.perf_counter()
                result = await app.call_tool("list_tags", {}, _Ctx())
                times[name].append((time.perf_counter() - started) * 1000)
                assert not result.is_error, result.data
    for app in apps.values():
        await app.runtime.aclose()
    return times


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="livechat-mcp-bench-"))
    env = {**os.environ, "XDG_STATE_HOME": str(tmp)}
    port = _free_port()
    redis_bin = shutil.which("redis-server")
    urls = {"memory://": "memory://", "sqlite": f"sqlite://{tmp / 'state.db'}"}
    proc = None
    if redis_bin:
        proc = subprocess.Popen([redis_bin, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                 "--appendonly", "no", "--dir", str(tmp)], stdout=subprocess.DEVNULL)
        time.sleep(0.5)
        urls["redis"] = f"redis://127.0.0.1:{port}/0"
    try:
        times = anyio.run(_measure, urls, env)
    finally:
        if proc:
            proc.terminate()
            proc.wait()
        shutil.rmtree(tmp, ignore_errors=True)
    base = statistics.median(times["memory://"])
    base99 = statistics.quantiles(times["memory://"], n=100)[98]
    print("| store | median ms/call | p99 ms/call | median vs memory | p99 vs memory | added to the median |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name, values in times.items():
        med, p99 = statistics.median(values), statistics.quantiles(values, n=100)[98]
        print(f"| {name} | {med:.2f} | {p99:.2f} | {med / base:.2f}x | {p99 / base99:.2f}x | {med - base:+.2f} ms |")


if __name__ == "__main__":
    main()
