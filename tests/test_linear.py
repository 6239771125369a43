"""Work that grows with what a person can make large -- a plan's steps, a batch's items, a
license's objects -- grows linearly, and a planned call costs the same on any plan.

Counted, not timed (tests/counting.py): the lines our code runs (a quadratic loop inflates them
like it would inflate time, on any machine under any load), the state store's calls and the
bytes written to it, and the requests LiveChat receives. Each test measures an input and twice
that input; work that doubles passes, work that quadruples fails. The same paths are timed, with
the doubling shown, by bench/linear.py.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from linear import seed

from counting import CountingStore, Tally, lines_run
from server.api import ratelimit
from server.calls import runtime as runtime_module
from server.calls.answers import ToolResult
from server.calls.context import CallContext
from server.calls.pipeline import Pipeline, PlanSteps
from server.calls.runtime import Runtime, Settings, build_runtime
from server.meta.registry import RuntimeMetaTools
from server.plans.working import WorkingPlans
from server.policies import Overrides
from server.sandbox import ALL_SCOPES_TOKEN

pytestmark = pytest.mark.anyio

DRY = Overrides(dry_run=True)
WRITES = Overrides(allow_writes=True)
RATE = 10**9
# Twice the input may cost at most this much more work: a constant part makes linear work less
# than 2x; work with a term in n * n passes 2.25x at these sizes.
DOUBLING = 2.25


@asynccontextmanager
async def runtime_on(store: CountingStore, monkeypatch: pytest.MonkeyPatch, overrides: Overrides = DRY,
                     **settings: Any) -> AsyncIterator[Runtime]:
    """A runtime on the built-in sandbox whose state store (budget, plans, journals) is ``store``."""
    monkeypatch.setattr(runtime_module, "open_store", lambda url, env: store)
    # Releases are flushed by measure(), not by a timer waking up inside the measured work.
    monkeypatch.setattr(ratelimit, "FLUSH_AFTER", 3600.0)
    runtime = await build_runtime(Settings(sandbox=True, rate_limit=RATE, overrides=overrides, **settings),
                                  {"LIVECHAT_SANDBOX_TOKEN": ALL_SCOPES_TOKEN})
    runtime.pipeline.plans = WorkingPlans(store)
    try:
        yield runtime
    finally:
        await runtime.client.aclose()


async def measure(runtime: Runtime, store: CountingStore, work: Callable[[], Awaitable[Any]]) -> Tally:
    """What ``work`` cost: lines run, store calls and bytes, requests upstream."""
    await runtime.client.budget.flush()  # earlier requests' releases: not this work's
    store.tally = Tally()
    before = len(runtime.sandbox.requests)
    with lines_run(store.tally) as tally:
        await work()
    tally.upstream = len(runtime.sandbox.requests) - before
    return tally


async def meta(runtime: Runtime, name: str, args: dict[str, Any], session: str = "s") -> ToolResult:
    result = await RuntimeMetaTools(runtime).call(name, args, CallContext(session=session))
    assert not result.is_error, result.data
    return result


async def plan(runtime: Runtime, name: str, args: dict[str, Any], session: str = "s") -> ToolResult:
    result = await runtime.pipeline.call(name, args, session=session)
    assert not result.is_error and result.data.get("planned"), result.data
    return result


def agents(first: int, count: int, **extra: Any) -> dict[str, Any]:
    return {"requests": [{"id": f"a{n}@example.com", "name": f"Agent {n}", **extra}
                         for n in range(first, first + count)]}


def assert_doubles(small: Tally, large: Tally, what: str) -> None:
    assert large.lines <= DOUBLING * small.lines, f"{what}: {small.lines} lines, then {large.lines} for twice the input"


async def test_a_planned_call_costs_the_same_on_a_plan_of_ten_steps_or_a_thousand(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two store round trips (lock-and-read, write-and-unlock), nothing read back, only the new
    step written, and the same lines run: a plan's size costs a planned call nothing."""
    costs = {}
    for size in (10, 1000):
        store = CountingStore()
        async with runtime_on(store, monkeypatch) as runtime:
            await plan(runtime, "create_tag", {"name": "warm-up"})  # reads the tags once, for the checks
            await plan(runtime, "batch_create_agents", agents(0, size - 1))
            costs[size] = await measure(runtime, store, lambda: plan(runtime, "create_tag", {"name": "measured"}))
    small, large = costs[10], costs[1000]
    assert small.store == large.store == {"lock_and_read_log": 1, "write_and_unlock_log": 1}
    assert small.entries_read == large.entries_read == 0  # this process has the plan as it last wrote it
    assert abs(large.written - small.written) <= 8, (small.written, large.written)  # the step (and a longer count)
    assert small.upstream == large.upstream == 0  # the tags were read once, for the whole plan
    assert large.lines <= 1.02 * small.lines, (small.lines, large.lines)


async def test_a_planned_call_reads_only_what_another_process_added(monkeypatch: pytest.MonkeyPatch) -> None:
    store = CountingStore()
    async with runtime_on(store, monkeypatch) as one, runtime_on(store, monkeypatch) as other:
        other.pipeline.plans = WorkingPlans(store)  # another process on the same store (its own cache)
        await plan(one, "batch_create_agents", agents(0, 500))
        await plan(other, "create_tag", {"name": "the other's"})  # reads the 500 steps: it had none
        await plan(one, "create_tag", {"name": "catching up"})
        tally = await measure(one, store, lambda: plan(one, "create_tag", {"name": "once more"}))
        assert tally.entries_read == 0
        await plan(other, "create_tag", {"name": "the other's second"})
        tally = await measure(one, store, lambda: plan(one, "create_tag", {"name": "and again"}))
        assert tally.entries_read == 1  # just the other process's one step (with what its check counted)
        steps = (await one.pipeline.plans.load("s")).steps
        assert [s.body.get("name") for s in steps[-5:]] == [
            "the other's", "catching up", "once more", "the other's second", "and again"]


async def test_planning_a_batch_with_references_is_linear_in_its_items(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each item names a group an earlier step creates: checking references is one lookup each,
    not a pass over the plan per item (which made 20,000 items take 27 s)."""
    costs = {}
    for items in (100, 200):
        store = CountingStore()
        async with runtime_on(store, monkeypatch) as runtime:
            await plan(runtime, "create_group", {"name": "Team", "agent_priorities": {}})
            await plan(runtime, "batch_create_agents", agents(0, 300))  # a plan already long
            await plan(runtime, "batch_create_agents", agents(1000, 5, groups=[{"id": {"$ref": "step1.id"}, "priority": "normal"}]))
            batch = agents(2000, items, groups=[{"id": {"$ref": "step1.id"}, "priority": "normal"}])
            costs[items] = await measure(runtime, store, lambda b=batch: plan(runtime, "batch_create_agents", b))
    assert_doubles(costs[100], costs[200], "a batch of references")
    assert costs[100].store == costs[200].store == {"lock_and_read_log": 1, "write_and_unlock_log": 1}


class CountingActions(Mapping[int, str]):
    """A plan's step actions that count how often they are looked up (or walked)."""

    def __init__(self, actions: Mapping[int, str]) -> None:
        self.actions = actions
        self.lookups = 0

    def __getitem__(self, n: int) -> str:
        self.lookups += 1
        return self.actions[n]

    def __contains__(self, n: object) -> bool:
        self.lookups += 1
        return n in self.actions

    def __len__(self) -> int:
        return len(self.actions)

    def __iter__(self) -> Iterator[int]:
        for n in self.actions:
            self.lookups += 1
            yield n


async def test_a_batchs_references_cost_a_lookup_each_whatever_the_plans_size(monkeypatch: pytest.MonkeyPatch) -> None:
    """Checking the references of a planned batch reads the plan's steps once per reference,
    on a plan of 5 steps or of 1,000: items x plan steps is what made a 20,000-item call take 27 s."""
    counted: list[CountingActions] = []
    real = Pipeline._next_steps

    def counting(act: Any, arguments: dict[str, Any], current: Any) -> PlanSteps:
        steps = real(act, arguments, current)
        counted.append(CountingActions(steps.actions))
        return PlanSteps(steps.numbers, counted[-1])

    monkeypatch.setattr(Pipeline, "_next_steps", staticmethod(counting))
    lookups = {}
    for size in (5, 1000):
        store = CountingStore()
        async with runtime_on(store, monkeypatch) as runtime:
            await plan(runtime, "create_group", {"name": "Team", "agent_priorities": {}})
            for first in range(0, size - 1, 500):
                await plan(runtime, "batch_create_agents", agents(first, min(500, size - 1 - first)))
            counted.clear()
            await plan(runtime, "batch_create_agents", agents(5000, 200, groups=[{"id": {"$ref": "step1.id"}, "priority": "normal"}]))
            lookups[size] = sum(c.lookups for c in counted)
    # Two lookups per reference (is it there, what is it), checked when prepared and again under
    # the plan's lock: 200 references, 800 lookups, on either plan.
    assert lookups[5] == lookups[1000] <= 4 * 200, lookups


async def test_a_batch_over_the_call_cap_is_refused_before_any_other_work(monkeypatch: pytest.MonkeyPatch) -> None:
    """A dry-run batch of 20,000 items (each with a reference) is refused as over the cap at once:
    no reference checked, nothing validated, the plan not even read; the same work as for 2,000."""
    costs = {}
    for items in (2_000, 20_000):
        store = CountingStore()
        async with runtime_on(store, monkeypatch) as runtime:
            await plan(runtime, "create_group", {"name": "Team", "agent_priorities": {}})
            batch = agents(0, items, groups=[{"id": {"$ref": "step1.id"}, "priority": "normal"}])
            answer: dict[str, Any] = {}

            async def call(b: dict[str, Any] = batch, out: dict[str, Any] = answer) -> None:
                out["result"] = await runtime.pipeline.call("batch_create_agents", b, session="s")

            costs[items] = await measure(runtime, store, call)
            result = answer["result"]
            assert result.is_error and result.data["error"]["type"] == "limit", result.data
            assert f"this one has {items} steps" in result.data["error"]["message"]
            store.tally = Tally()  # what follows is not the call's
            assert len((await runtime.pipeline.plans.load("s")).steps) == 1  # nothing was added
    small, large = costs[2_000], costs[20_000]
    assert small.store == large.store == {} and small.upstream == large.upstream == 0
    assert large.lines <= small.lines + 20, (small.lines, large.lines)  # ten times the items, no more work


async def planned(runtime: Runtime, steps: int) -> None:
    """A plan of ``steps`` creates and updates (checked as planned), in batches."""
    await plan(runtime, "create_group", {"name": "Team", "agent_priorities": {}})
    for first in range(0, steps - 1, 500):
        count = min(500, steps - 1 - first)
        await plan(runtime, "batch_create_agents", agents(first, count, groups=[{"id": {"$ref": "step1.id"}, "priority": "normal"}]))


async def test_checking_and_every_view_of_a_plan_are_linear_in_its_steps(monkeypatch: pytest.MonkeyPatch) -> None:
    costs: dict[str, dict[int, Tally]] = {}
    for steps in (200, 400):
        store = CountingStore()
        async with runtime_on(store, monkeypatch) as runtime:
            await planned(runtime, steps)
            for name, args in (("check", {"check": True}), ("summary", {"view": "summary"}), ("steps", {}),
                               ("document", {"view": "document"})):
                costs.setdefault(name, {})[steps] = await measure(
                    runtime, store, lambda a=args: meta(runtime, "get_plan", a))
    for name, by_size in costs.items():
        assert_doubles(by_size[200], by_size[400], f"get_plan {name}")
    # Checking reads each list once, whatever the plan's size.
    assert costs["check"][200].upstream == costs["check"][400].upstream <= 2


async def test_applying_a_plan_is_linear_in_its_steps(monkeypatch: pytest.MonkeyPatch) -> None:
    """Lines, store calls, bytes written to the store (its journal: each step's result once) and
    requests all double with the plan."""
    costs = {}
    for steps in (100, 200):
        store = CountingStore()
        async with runtime_on(store, monkeypatch) as planner, \
                runtime_on(store, monkeypatch, WRITES) as applier:
            await plan(planner, "batch_create_agents", agents(0, steps))
            signed = (await meta(planner, "get_plan", {"view": "summary"})).data
            by_id = {"plan_id": signed["plan_id"], "mac": signed["mac"]}
            costs[steps] = await measure(applier, store, lambda b=by_id: meta(applier, "apply_plan", b, "t"))
    small, large = costs[100], costs[200]
    assert_doubles(small, large, "apply")
    assert sum(large.store.values()) <= DOUBLING * sum(small.store.values()), (small.store, large.store)
    assert large.written <= DOUBLING * small.written, (small.written, large.written)
    # One read re-checking the agents, batches of 50, one read checking the undo plan against what was done.
    assert (small.upstream, large.upstream) == (4, 6)


async def test_export_and_diff_are_linear_in_the_license(monkeypatch: pytest.MonkeyPatch) -> None:
    """A license twice the size (agents, groups, tags): twice the work here and in the emulator,
    and the same requests (each list read once)."""
    costs: dict[str, dict[int, Tally]] = {}
    for size in (100, 200):
        store = CountingStore()
        async with runtime_on(store, monkeypatch, Overrides(), policy="full-access", sandbox_seed=seed(size)) as rt:
            exported = await meta(rt, "export_config", {})
            doc = exported.data
            costs.setdefault("export", {})[size] = await measure(rt, store, lambda r=rt: meta(r, "export_config", {}))
            costs.setdefault("diff", {})[size] = await measure(
                rt, store, lambda r=rt, d=doc: meta(r, "diff_config", {"document": d}))
    for name, by_size in costs.items():
        assert_doubles(by_size[100], by_size[200], name)
        assert by_size[200].sandbox <= DOUBLING * by_size[100].sandbox, (name, by_size[100].sandbox, by_size[200].sandbox)
        assert by_size[100].upstream == by_size[200].upstream


async def test_checking_against_a_license_twice_the_size_reads_each_list_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """A plan's checks read the agents (with their groups) and the groups once, whole, however
    large the license; the emulator answers a list of every agent's groups in one pass over the
    groups (it scanned every group for every agent)."""
    costs = {}
    for size in (200, 400):
        store = CountingStore()
        async with runtime_on(store, monkeypatch, sandbox_seed=seed(size)) as runtime:
            updates = {"requests": [{"id": f"agent{n:05d}@bench.example", "job_title": "Lead"} for n in range(1, 11)]}
            costs[size] = await measure(runtime, store, lambda u=updates: plan(runtime, "batch_update_agents", u))
    small, large = costs[200], costs[400]
    assert small.upstream == large.upstream == 1  # list_agents, once, whole (no page reads)
    assert large.sandbox <= DOUBLING * small.sandbox, (small.sandbox, large.sandbox)
    assert_doubles(small, large, "checking against the license")


async def test_converging_a_license_to_a_document_is_linear_in_the_document(monkeypatch: pytest.MonkeyPatch) -> None:
    """plan_config (converge, copy to another license, restore a backup): a document twice the size
    plans twice the steps with twice the work and the same reads; with prune, deleting what a
    license twice the size has beyond the document costs twice the work too."""
    costs: dict[str, dict[int, Tally]] = {}
    steps: dict[str, dict[int, int]] = {}
    for size in (100, 200):
        store = CountingStore()
        async with runtime_on(store, monkeypatch, Overrides(), policy="full-access", sandbox_seed=seed(size)) as source, \
                runtime_on(store, monkeypatch, DRY) as target:
            doc = (await meta(source, "export_config", {})).data
            result: dict[str, ToolResult] = {}

            async def converge(rt: Runtime, args: dict[str, Any], name: str,
                               into: dict[str, ToolResult] = result) -> None:
                into[name] = await meta(rt, "plan_config", args, session=name)

            # Copy: the document onto the built-in sandbox's small license, everything created.
            costs.setdefault("copy", {})[size] = await measure(
                target, store, lambda d=doc: converge(target, {"document": d}, "copy"))
            # Restore with prune: the large license back to a document of its first agents only.
            small = {**doc, "agents": doc["agents"][:5], "groups": doc["groups"][:1], "tags": []}
            costs.setdefault("prune", {})[size] = await measure(
                source, store, lambda d=small: converge(source, {"document": d, "prune": True}, "prune"))
            for name, got in result.items():
                steps.setdefault(name, {})[size] = got.data["summary"]["steps"]
    for name, by_size in costs.items():
        assert steps[name][200] >= 1.9 * steps[name][100] > 0, (name, steps[name])  # twice the steps ...
        assert_doubles(by_size[100], by_size[200], f"plan_config ({name})")  # ... for twice the work
        assert by_size[100].upstream == by_size[200].upstream, name  # each list read once
