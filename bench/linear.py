"""The doubling table: what a person can make large, at one size and twice it. `python bench/linear.py [--write]`

Through the whole tool path against the built-in sandbox (memory store: the store's own cost is
bench/store.py's), each operation timed at size N and 2N in turn, round after round; the ratio is
the median of the rounds' ratios, with their spread. Time that doubles is linear, time that
quadruples is not. tests/test_linear.py holds the same paths linear by counting
their work, on any machine.

- planning: N create_agent steps in batches of 500, each item naming a group an earlier step creates;
- a batch's references: one batch of N items, each naming that group (checked item by item);
- checking: get_plan check=true over the N steps (each list read once);
- get_plan's views: summary, steps (the default), document;
- apply: the N steps applied (batches of 50 to the sandbox);
- export and diff: a license of N agents (N/10 groups, N/2 tags).
"""

from __future__ import annotations

import gc
import os
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
from common import load, publish

from server.calls.context import CallContext
from server.calls.runtime import Runtime, Settings, build_runtime
from server.meta.registry import RuntimeMetaTools
from server.policies import Overrides
from server.sandbox import ALL_SCOPES_TOKEN

RUNS = int(os.environ.get("BENCH_RUNS", "3"))  # timed runs of an operation per round (their median)
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))  # rounds, each measuring both sizes in turn
ENV = {"LIVECHAT_SANDBOX_TOKEN": ALL_SCOPES_TOKEN}


async def runtime(overrides: Overrides, **settings: Any) -> Runtime:
    rt = await build_runtime(Settings(sandbox=True, store="memory://", rate_limit=10**9, overrides=overrides,
                                      **settings), ENV)
    # As the server runs (server/doors/cli/main.py): what the start built is out of the collector's
    # sight. Without it every full collection rescans the catalogue, the SDK and pydantic, and those
    # come more often with a larger input: planning 2,000 steps took 3.1x 1,000's, 1.95x with the
    # collector off (the work itself is linear: tests/test_linear.py counts it).
    gc.freeze()
    return rt


async def tool(rt: Runtime, name: str, args: dict[str, Any], session: str = "s") -> Any:
    meta = RuntimeMetaTools(rt)
    if meta.handles(name):
        result = await meta.call(name, args, CallContext(session=session))
    else:
        result = await rt.pipeline.call(name, args, session=session)
    assert not result.is_error, str(result.data)[:500]
    return result.data


def agents(first: int, count: int) -> dict[str, Any]:
    return {"requests": [{"id": f"a{n}@bench.example", "name": f"Agent {n}",
                          "groups": [{"id": {"$ref": "step1.id"}, "priority": "normal"}]}
                         for n in range(first, first + count)]}


async def plan_of(rt: Runtime, steps: int, session: str = "s") -> None:
    await tool(rt, "clear_plan", {}, session)
    await tool(rt, "create_group", {"name": "Team", "agent_priorities": {}}, session)
    for first in range(0, steps - 1, 500):
        await tool(rt, "batch_create_agents", agents(first, min(500, steps - 1 - first)), session)


async def timed(work: Callable[[], Awaitable[Any]], setup: Callable[[], Awaitable[Any]] | None = None) -> float:
    runs = []
    for _ in range(RUNS):
        if setup is not None:
            await setup()
        started = time.perf_counter()
        await work()
        runs.append(time.perf_counter() - started)
    return statistics.median(runs) * 1000


async def plans(n: int) -> dict[str, float]:
    out = {}
    rt = await runtime(Overrides(dry_run=True))
    try:
        out["planning (batches of 500, each item a reference)"] = await timed(lambda: plan_of(rt, n))
        await plan_of(rt, n)

        async def one_batch() -> None:
            await tool(rt, "batch_create_agents", agents(10**6, min(n, 1000) if n <= 1000 else 1000), "b")

        async def fresh() -> None:
            await tool(rt, "clear_plan", {}, "b")
            await tool(rt, "create_group", {"name": "Team", "agent_priorities": {}}, "b")

        if n <= 1000:  # one call adds at most 1,000 steps
            out["a batch's references (one call)"] = await timed(one_batch, fresh)
        out["checking (get_plan check=true)"] = await timed(lambda: tool(rt, "get_plan", {"check": True}))
        for view, args in (("summary", {"view": "summary"}), ("steps", {}), ("document", {"view": "document"})):
            out[f"get_plan view={view}"] = await timed(lambda a=args: tool(rt, "get_plan", a))
    finally:
        await rt.aclose()
    writer = await runtime(Overrides(allow_writes=True))
    try:
        planner = await runtime(Overrides(dry_run=True))
        planner.app.store = writer.app.store  # one deployment: the applier applies the planner's stored plan
        planner.pipeline.plans.store = writer.app.store
        try:
            doc: dict[str, Any] = {}

            async def signed() -> None:
                await plan_of(planner, n, "a")
                doc.update(await tool(planner, "get_plan", {"view": "document"}, "a"))
                writer.sandbox.reset()  # an empty license again: the agents are new each run

            async def apply() -> None:
                report = await tool(writer, "apply_plan", {"plan": {k: v for k, v in doc.items()
                                                                    if k not in ("headline", "review", "next")}}, "w")
                assert report.get("status") == "completed", str(report)[:300]

            out["apply"] = await timed(apply, signed)
        finally:
            await planner.aclose()
    finally:
        await writer.aclose()
    return out


def seed(count: int) -> Any:
    from server.license_config.seed import seeder
    from server.sandbox.core import DEFAULT_CLIENT_ID

    people = [{"id": "owner@bench.example", "name": "Owner", "role": "owner"}] + [
        {"id": f"agent{n:05d}@bench.example", "name": f"Agent {n}", "role": "normal"} for n in range(1, count)]
    groups = [{"name": "General", "default": True, "language_code": "en", "agents": {a["id"]: "normal" for a in people}}]
    groups += [{"name": f"Team {g}", "language_code": "en",
                "agents": {f"agent{n:05d}@bench.example": "normal" for n in range(g * 10 - 9, g * 10 + 1) if n < count}}
               for g in range(1, count // 10)]
    tags = [{"name": f"tag-{t}", "groups": ["General"]} for t in range(count // 2)]
    return seeder({"kind": "livechat-mcp/config", "schema_version": 1, "agents": people, "groups": groups,
                   "tags": tags}, DEFAULT_CLIENT_ID)


async def configs(n: int) -> dict[str, float]:
    rt = await runtime(Overrides(), policy="full-access", sandbox_seed=seed(n))
    try:
        doc = await tool(rt, "export_config", {})
        return {"export_config (a license of N agents)": await timed(lambda: tool(rt, "export_config", {})),
                "diff_config": await timed(lambda: tool(rt, "diff_config", {"document": doc}))}
    finally:
        await rt.aclose()


Row = tuple[str, int, list[float], list[float]]  # operation, N, times at N and at 2N (one per round)


async def measure(sizes: tuple[int, int], license_sizes: tuple[int, int]) -> list[Row]:
    """Each round measures N, then 2N (and N/2 for one call's batch, whose cap is 1,000 items),
    so load that comes and goes on a shared machine falls on both sizes alike."""
    found: dict[tuple[str, int], tuple[list[float], list[float]]] = {}

    def keep(name: str, n: int, at_n: float, at_2n: float) -> None:
        row = found.setdefault((name, n), ([], []))
        row[0].append(at_n)
        row[1].append(at_2n)

    batch = "a batch's references (one call)"
    for _ in range(ROUNDS):
        half, small, large = await plans(sizes[0] // 2), await plans(sizes[0]), await plans(sizes[1])
        for name in small:
            if name in large:
                keep(name, sizes[0], small[name], large[name])
        if batch in half and batch in small:
            keep(batch, sizes[0] // 2, half[batch], small[batch])
        small, large = await configs(license_sizes[0]), await configs(license_sizes[1])
        for name in small:
            keep(name, license_sizes[0], small[name], large[name])
    return [(name, n, at_n, at_2n) for (name, n), (at_n, at_2n) in found.items()]


def table(rows: list[Row]) -> str:
    out = [f"| operation | N | time at N | time at 2N | 2N / N (median of {ROUNDS} rounds [spread]) |",
           "| --- | --- | --- | --- | --- |"]
    for name, n, at_n, at_2n in rows:
        ratios = sorted(b / a for a, b in zip(at_n, at_2n, strict=True))
        out.append(f"| {name} | {n:,} | {statistics.median(at_n):.0f} ms | {statistics.median(at_2n):.0f} ms | "
                   f"{statistics.median(ratios):.2f}x [{ratios[0]:.2f}-{ratios[-1]:.2f}] |")
    return "\n".join(out) + "\n"


def main() -> None:
    before = load()
    rows = anyio.run(measure, (1000, 2000), (500, 1000))
    publish("linear-bench", before, table(rows))


if __name__ == "__main__":
    main()
