"""Plans in the state store: a session's working plan is one, whichever process or replica serves
the call (two planned calls at once both keep their step); a store failure while planning says
so and saves nothing; a stored plan is its principal's, from any of their sessions, and no one
else's."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import anyio
import pytest
from mcp.shared.exceptions import MCPError

from server.calls.answers import ToolResult
from server.calls.context import CallContext
from server.calls.runtime import Runtime, Settings, build_runtime
from server.meta.registry import RuntimeMetaTools
from server.plans.working import WorkingPlans
from server.policies import Overrides
from server.store import Store, StoreUnavailable
from server.store.memory import MemoryStore
from test_store_backends import redis, stores  # noqa: F401  (fixtures: every backend, a real redis-server)

pytestmark = pytest.mark.anyio

DRY = Overrides(dry_run=True)
WRITES = Overrides(allow_writes=True)


@asynccontextmanager
async def replica(store: Store, principal: str = "operator", overrides: Overrides = DRY) -> AsyncIterator[Runtime]:
    """A runtime on the built-in sandbox acting for ``principal`` with ``store`` as its state
    store: one replica (or one process) of a deployment."""
    runtime = await build_runtime(Settings(sandbox=True, overrides=overrides), {})
    runtime.store = store
    runtime.principal.id = principal
    runtime.pipeline.plans = WorkingPlans(store, principal)
    try:
        yield runtime
    finally:
        await runtime.client.aclose()


async def meta(runtime: Runtime, name: str, args: dict[str, Any], session: str) -> ToolResult:
    return await RuntimeMetaTools(runtime).call(name, args, CallContext(session=session))


async def test_planned_calls_landing_at_once_on_two_replicas_keep_every_step(
    stores: Callable[..., Store],  # noqa: F811  (the fixture imported above)
) -> None:
    session = "http-client:one-client"  # a stateless replica's session: the principal and client name
    async with replica(stores()) as first, replica(stores()) as second:
        numbers: list[int] = []

        async def plan(runtime: Runtime, name: str) -> None:
            result = await runtime.pipeline.call("create_tag", {"name": name}, session=session)
            assert not result.is_error, result.data
            numbers.extend(result.data["steps"])

        async with anyio.create_task_group() as tg:
            for i in range(10):
                tg.start_soon(plan, first, f"first-{i}")
                tg.start_soon(plan, second, f"second-{i}")
        assert sorted(numbers) == list(range(1, 21))  # each call got its own step number
        for runtime in (first, second):  # and both replicas see the one plan, every step in it
            steps = (await runtime.pipeline.plans.load(session)).steps
            assert sorted(s.body["name"] for s in steps) == sorted([f"first-{i}" for i in range(10)]
                                                                   + [f"second-{i}" for i in range(10)])
        doc = (await meta(second, "get_plan", {}, session)).data
        assert doc["summary"]["steps"] == 20
        assert (await first.pipeline.plans.load("http-client:another-client")).steps == []


def described(plan: Any) -> tuple[Any, ...]:
    """Everything a working plan holds, to compare a process's copy with the store's."""
    ledger = plan.ledger
    return ([(st.action, st.body, st.destructive, st.info) for st in plan.steps], plan.size, plan.checking,
            plan.not_checked, ledger.calls, dict(ledger.reads), dict(ledger.created), dict(ledger.deleted),
            dict(ledger.counted))


async def test_a_process_planning_and_reading_at_once_keeps_its_copy_of_the_plan_as_the_store_has_it(
    stores: Callable[..., Store],  # noqa: F811
) -> None:
    """Each process keeps the plan it last wrote (and reads only what others added since): calls
    at once in one process, with and without references, interleaved with reads and with another
    process planning too, leave every copy equal to the plan read whole from the store."""
    session = "http:one"
    dry = Overrides(dry_run=True, allow_destructive=True)
    async with replica(stores(), overrides=dry) as first, replica(stores(), overrides=dry) as second:
        await first.pipeline.call("create_group", {"name": "Team", "agent_priorities": {}}, session=session)

        async def plan(runtime: Runtime, i: int) -> None:
            body = {"id": f"a{i}@example.com", "name": f"A {i}", "groups": [{"id": {"$ref": "step1.id"}, "priority": "normal"}]} \
                if i % 2 else {"name": f"tag-{i}"}
            result = await runtime.pipeline.call("create_agent" if i % 2 else "create_tag", body, session=session)
            assert not result.is_error, result.data
            await runtime.pipeline.plans.load(session)

        async with anyio.create_task_group() as tg:
            for i in range(12):
                tg.start_soon(plan, first if i % 3 else second, i)
        deleted = await first.pipeline.call("delete_tag", {"name": "tag-0"}, session=session)  # the ledger forgets a create
        assert not deleted.is_error, deleted.data
        whole = await WorkingPlans(stores()).load(session)  # a process that never saw it: read whole
        assert len(whole.steps) == 14 and ("tag", "tag-0") in whole.ledger.deleted
        for runtime in (first, second):
            assert described(await runtime.pipeline.plans.load(session)) == described(whole)

        # Checking again, or not checking, rewrites every step: every process reads it anew.
        assert not (await meta(second, "get_plan", {"check": False}, session)).is_error
        whole = await WorkingPlans(stores()).load(session)
        assert not whole.checking and all(st.info == {} for st in whole.steps)
        assert described(await first.pipeline.plans.load(session)) == described(whole)
        assert not (await meta(first, "get_plan", {"check": True}, session)).is_error
        rechecked = await second.pipeline.plans.load(session)
        assert rechecked.checking and rechecked.ledger.created and ("tag", "tag-0") in rechecked.ledger.deleted
        assert described(await second.pipeline.plans.load(session)) == \
            described(await WorkingPlans(stores()).load(session))
        assert (await meta(second, "clear_plan", {}, session)).data == {"cleared_steps": 14}
        assert (await first.pipeline.plans.load(session)).steps == []
        again = await first.pipeline.call("create_tag", {"name": "afresh"}, session=session)
        assert again.data["steps"] == [1]


async def test_a_plan_an_earlier_version_stored_whole_is_kept_and_moves_to_a_log() -> None:
    """Before plans were logs, a working plan was one value under plans.working: a session's plan
    planned before an upgrade is still there after it."""
    from server.plans.working import NS

    store = MemoryStore()
    old = {"steps": [["create_tag", {"name": "before"}, False, {}]], "size": 17, "checking": True,
           "not_checked": "", "ledger": {"reads": {}, "calls": 1, "created": [["tag", "before", 1]],
                                         "deleted": [], "counted": []}}
    async with replica(store) as runtime:
        plans = runtime.pipeline.plans
        await store.put(NS, plans.key("s"), json.dumps(old).encode(), ttl=60)
        assert [st.body for st in (await plans.load("s")).steps] == [{"name": "before"}]
        duplicate = await runtime.pipeline.call("create_tag", {"name": "before"}, session="s")
        assert duplicate.data["steps"] == [2]
        assert duplicate.data["checks"][0]["warnings"][0]["kind"] == "duplicate_in_plan"  # its ledger was kept
        assert await store.get(NS, plans.key("s")) is None  # moved to the log
        assert [st.body for st in (await WorkingPlans(store).load("s")).steps] == [{"name": "before"}] * 2


class FlakyStore(MemoryStore):
    """A memory store whose writes fail while ``down`` (a Redis that went away mid-call: the
    plan's write-and-unlock never arrives, so its lock lapses by itself)."""

    down = False

    async def put(self, ns: str, key: str, value: bytes, *, ttl: float | None = None) -> None:
        if self.down:
            raise StoreUnavailable("state store redis://127.0.0.1:1/0: ConnectionError: refused")
        await super().put(ns, key, value, ttl=ttl)

    async def write_and_unlock_log(self, ns: str, key: str, token: str, change: Any, ttl: float) -> bool:
        if self.down:
            raise StoreUnavailable("state store redis://127.0.0.1:1/0: ConnectionError: refused")
        return await super().write_and_unlock_log(ns, key, token, change, ttl)


async def test_a_store_failure_while_planning_says_so_and_saves_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    from server.plans import working

    monkeypatch.setattr(working, "LOCK_TTL", 0.3)  # the failed call's lock lapses soon
    store = FlakyStore()
    async with replica(store) as runtime:
        assert not (await runtime.pipeline.call("create_tag", {"name": "kept"}, session="s")).is_error
        store.down = True
        failed = await runtime.pipeline.call("create_tag", {"name": "lost"}, session="s")
        error = failed.data["error"]
        assert failed.is_error and error["type"] == "store_unavailable" and error["retryable"] is True
        assert "Nothing was added to the plan" in error["message"] and "Retry" in error["what_to_do"]
        store.down = False
        assert [s.body["name"] for s in (await runtime.pipeline.plans.load("s")).steps] == ["kept"]
        again = await runtime.pipeline.call("create_tag", {"name": "second"}, session="s")
        assert again.data["steps"] == [2]  # nothing half-saved: the failed call left no step behind


async def test_a_stored_plan_is_its_principals_from_any_session_and_no_one_elses() -> None:
    store = MemoryStore()  # one deployment's store, shared by every replica
    async with replica(store, "acme:alice") as alice, replica(store, "acme:alice", WRITES) as alice_applier, \
            replica(store, "acme:bob", WRITES) as bob:
        await alice.pipeline.call("create_tag", {"name": "alice-only"}, session="http:1")
        plan = (await meta(alice, "get_plan", {"view": "summary"}, "http:1")).data
        by_id = {"plan_id": plan["plan_id"], "mac": plan["mac"]}

        # Bob, on the same license, neither reads nor applies it, even knowing its id and MAC.
        with pytest.raises(MCPError, match="not_found"):
            await RuntimeMetaTools(bob).read_resource(f"livechat://plans/{plan['plan_id']}", session="http:2")
        refused = await meta(bob, "apply_plan", by_id, "http:2")
        assert refused.is_error and refused.data["error"]["type"] == "not_found"
        assert (await bob.pipeline.plans.load("http:1")).steps == []  # nor her working plan, same session id
        assert bob.sandbox.requests == []

        # Alice, in another session on another replica, reads and applies it by id.
        shown = await RuntimeMetaTools(alice_applier).read_resource(f"livechat://plans/{plan['plan_id']}", session="http:3")
        assert [s["body"]["name"] for s in shown["steps"]] == ["alice-only"]
        applied = await meta(alice_applier, "apply_plan", by_id, "http:3")
        assert applied.data["status"] == "completed", applied.data
        assert [r["body"]["name"] for r in alice_applier.sandbox.requests if r["action"] == "create_tag"] == \
            ["alice-only"]


async def test_a_step_an_earlier_apply_sent_without_an_answer_is_never_sent_again() -> None:
    from server.plans.store import PlanStore

    store = MemoryStore()
    async with replica(store) as planner, replica(store, overrides=WRITES) as applier:
        for name in ("doubt-1", "doubt-2"):
            await planner.pipeline.call("create_tag", {"name": name}, session="s")
        plan = (await meta(planner, "get_plan", {"view": "summary"}, "s")).data
        by_id = {"plan_id": plan["plan_id"], "mac": plan["mac"]}
        await PlanStore(store).mark_sending(plan["mac"], [1])  # an apply died waiting for step 1's answer

        # Applied again as it is: nothing is sent, and the answer says step 1 may have taken effect.
        told = (await meta(applier, "apply_plan", by_id, "t")).data
        assert told["error"]["rule"] == "already_applied" and "step 1 may have taken effect" in told["error"]["message"]
        assert told["steps"][0]["error"]["type"] == "in_doubt" and applier.sandbox.requests == []
        stopped = (await meta(applier, "apply_plan", {**by_id, "resume": True}, "t")).data
        assert [s["status"] for s in stopped["steps"]] == ["failed", "not_sent"]
        assert stopped["steps"][0]["error"]["type"] == "in_doubt" and applier.sandbox.requests == []
        rest = (await meta(applier, "apply_plan", {**by_id, "resume": True, "continue_on_error": True}, "t")).data
        assert [s["status"] for s in rest["steps"]] == ["failed", "done"]
        assert [r["body"]["name"] for r in applier.sandbox.requests if r["action"] == "create_tag"] == ["doubt-2"]  # step 1 never resent
