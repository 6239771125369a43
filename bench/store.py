"""What the state store adds to a tool call: `python bench/store.py [--write]` (starts its own
redis-server).

One runtime per store (memory://, SQLite in a temporary directory, a redis-server on loopback),
each calling through the whole tool path against the built-in sandbox:

- a read (``list_tags``): the license budget's reserve and release;
- a planned write (dry-run ``create_tag``, checked as planned) into a working plan already holding
  10, 1,000 and 4,950 steps, which the 50 measured calls take to 5,000 (the plan's cap): the plan's lock-and-read and its
  write-and-unlock, which must not grow with the plan (server/plans/working.py).

Calls are interleaved store by store in short bursts, so machine noise hits every store alike;
the table gives the median and p99 per call and what each store adds to memory://'s median.
Prints the machine's load average: figures from a loaded machine say so.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import anyio
from common import clean_env, load, publish, redis_server

from server.calls.context import CallContext
from server.calls.runtime import Settings, build_runtime
from server.doors.mcp_app import LiveChatMCP
from server.policies import Overrides

READS, BURST = 600, 10  # (a 5 s budget window: about the 1,000 requests a real window holds, see common.py)
SIZES = (10, 1000, 4950)  # steps planned before the measured calls; they then add PLANNED more
PLANNED = 50


async def runtimes(urls: dict[str, str], env: dict[str, str], dry: bool) -> dict[str, LiveChatMCP]:
    out = {}
    for name, url in urls.items():
        runtime = await build_runtime(Settings(sandbox=True, store=url, rate_limit=10**9, rate_period=5.0,
                                               overrides=Overrides(dry_run=dry)), env)
        out[name] = LiveChatMCP(runtime)
    return out


async def call(app: LiveChatMCP, tool: str, args: dict[str, Any], session: str = "bench") -> float:
    started = time.perf_counter()
    result = await app.call_tool(tool, args, call=CallContext(session=session))
    took = (time.perf_counter() - started) * 1000
    assert not result.is_error, result.data
    return took


async def fill(app: LiveChatMCP, session: str, steps: int) -> None:
    """A plan of ``steps`` create_agent steps (checked), planned in batches."""
    await call(app, "clear_plan", {}, session)
    for first in range(0, steps, 1000):
        items = [{"id": f"a{n}@bench.example", "name": f"Agent {n}"} for n in range(first, min(first + 1000, steps))]
        await call(app, "batch_create_agents", {"requests": items}, session)


async def measure(urls: dict[str, str], env: dict[str, str]) -> dict[str, dict[str, list[float]]]:
    """{row: {store: [ms per call]}}"""
    times: dict[str, dict[str, list[float]]] = {}
    apps = await runtimes(urls, env, dry=False)
    try:
        row = times.setdefault("read (list_tags)", {name: [] for name in urls})
        for app in apps.values():
            for _ in range(20):
                await call(app, "list_tags", {})
        for _ in range(READS // BURST):
            for name, app in apps.items():
                for _ in range(BURST):
                    row[name].append(await call(app, "list_tags", {}))
    finally:
        for app in apps.values():
            await app.runtime.aclose()
    apps = await runtimes(urls, env, dry=True)
    try:
        for size in SIZES:
            session = f"plan-{size}"
            row = times.setdefault(f"planned write (create_tag), plan of {size:,}-{size + PLANNED:,} steps",
                                   {name: [] for name in urls})
            for app in apps.values():
                await fill(app, session, size - 1)
                await call(app, "create_tag", {"name": "warm-up"}, session)  # the tags read once for the checks
            for n in range(PLANNED // BURST):
                for name, app in apps.items():
                    for i in range(BURST):
                        row[name].append(await call(app, "create_tag", {"name": f"t{n}-{i}"}, session))
            for app in apps.values():
                await call(app, "clear_plan", {}, session)
    finally:
        for app in apps.values():
            await app.runtime.aclose()
    return times


def table(times: dict[str, dict[str, list[float]]]) -> str:
    out = ["| call | store | median ms | p99 ms | added to the median (vs memory://) |", "| --- | --- | --- | --- | --- |"]
    for row, per_store in times.items():
        base = statistics.median(per_store["memory://"])
        for name, values in per_store.items():
            med, p99 = statistics.median(values), statistics.quantiles(values, n=100)[98]
            out.append(f"| {row} | {name} | {med:.2f} | {p99:.2f} | {med - base:+.2f} ms |")
    return "\n".join(out) + "\n"


def main() -> None:
    before = load()
    with tempfile.TemporaryDirectory(prefix="livechat-mcp-bench-") as folder:
        tmp = Path(folder)
        env = clean_env(tmp)
        with redis_server(tmp) as redis:
            urls = {"memory://": "memory://", "sqlite": f"sqlite://{tmp / 'state.db'}", "redis": redis}
            times = anyio.run(measure, urls, env)
    publish("store-bench", before, table(times))


if __name__ == "__main__":
    main()
