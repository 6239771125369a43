"""Confirmations (policy ``confirm``): the person is asked through their own MCP client before a
risky call is sent, on both protocol generations: a server-initiated elicitation (legacy, up to
2025-11-25) and ``input_required`` rounds (2026-07-28). The in-process sandbox's request log shows
what was and was not sent; the audit log says ``declined``."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path
from typing import Any

import mcp_types as types
import pytest
from mcp import Client

from conftest import open_runtime
from server.doors.mcp_app import LiveChatMCP

pytestmark = pytest.mark.anyio

MODES = ["legacy", "auto"]  # auto negotiates 2026-07-28: input_required rounds


def policy_file(tmp_path: Path, **keys: Any) -> str:
    lines = [f"{k} = {json.dumps(v)}" for k, v in {"mode": "read-write", **keys}.items()]
    path = tmp_path / "policy.toml"
    path.write_text("\n".join(lines) + "\n")
    return str(path)


class Person:
    """The human behind the client: answers each question as told, and remembers what was asked."""

    def __init__(self, action: str = "accept", content: dict[str, Any] | None = None) -> None:
        self.action, self.content = action, content
        self.asked: list[types.ElicitRequestFormParams] = []

    async def __call__(self, ctx: Any, params: Any) -> types.ElicitResult:
        self.asked.append(params)
        content = self.content if self.action == "accept" else None
        return types.ElicitResult(action=self.action, content=content)


def sent(runtime: Any, action: str) -> list[dict[str, Any]]:
    return [r for r in runtime.sandbox.requests if r["action"] == action]


def audit_lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


async def run(tmp_path: Path, mode: str, person: Person | None, name: str, args: dict[str, Any],
              **policy: Any) -> tuple[Any, Any, list[dict[str, Any]]]:
    audit = tmp_path / "audit.jsonl"
    async with open_runtime(sandbox=True, policy=policy_file(tmp_path, **policy), audit_log=str(audit)) as runtime:
        app = LiveChatMCP(runtime)
        async with Client(app.server, mode=mode, elicitation_callback=person) as client:
            result = await client.call_tool(name, args)
        runtime.audit.close()
        return result, runtime, audit_lines(audit)


def payload(result: Any) -> dict[str, Any]:
    if result.structured_content is not None:
        return result.structured_content
    text = result.content[0].text
    return json.loads(text[text.index("{"): text.rindex("}") + 1])


@pytest.mark.parametrize("mode", MODES)
async def test_destructive_call_asks_with_the_object_as_it_is_and_sends_on_the_typed_id(tmp_path, mode):
    person = Person("accept", {"confirm_id": "jane@example.com"})
    result, runtime, audit = await run(tmp_path, mode, person, "delete_agent", {"id": "jane@example.com"},
                                       confirm="destructive")
    assert not result.is_error, result
    [question] = person.asked
    assert question.message.startswith('Delete agent jane@example.com, "Jane Doe", member of "General", "Sales", '
                                       '"Support" and "VIP"? This cannot be undone.')  # read as it is now
    assert "This cannot be undone." in question.message and "Type jane@example.com to confirm." in question.message
    assert list(question.requested_schema["properties"]) == ["confirm_id"]
    assert [r["body"] for r in sent(runtime, "delete_agent")] == [{"id": "jane@example.com"}]
    assert "jane@example.com" not in runtime.sandbox.state.agents
    assert [(a["tool"], a["decision"], a["rule"]) for a in audit if a["tool"] == "delete_agent"
            and a["decision"] != "asked"] == [("delete_agent", "allowed", "confirm")]
    # A 2026-07-28 round that sends the question to the client is audited too, before the answer.
    assert [(a["decision"], a["outcome"]) for a in audit if a["decision"] == "asked"] == \
        ([("asked", {"input_required": True})] if mode == "auto" else [])


async def test_suspending_asks_saying_what_a_suspended_agent_may_still_do(tmp_path):
    """The question tells what suspending does as the reference and the sandbox have it (note M15): the agent
    cannot use LiveChat, except to ask the owners to unsuspend them (request_agent_unsuspension)."""
    person = Person("accept", {"confirm_id": "john@example.com"})
    result, runtime, _ = await run(tmp_path, "legacy", person, "suspend_agent", {"id": "john@example.com"},
                                   confirm="destructive")
    assert not result.is_error, result
    [question] = person.asked
    assert "cannot use LiveChat until unsuspended; they can only ask the owners to unsuspend them" in question.message
    assert "cannot sign in" not in question.message
    assert runtime.sandbox.state.agents["john@example.com"]["suspended"] is True


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("answer", [("decline", None), ("cancel", None), ("accept", {"confirm_id": "john@example.com"}),
                                    ("accept", {"confirm_id": ""})], ids=["decline", "cancel", "wrong-id", "empty-id"])
async def test_anything_but_the_right_id_sends_nothing_and_is_audited_declined(tmp_path, mode, answer):
    person = Person(*answer)
    result, runtime, audit = await run(tmp_path, mode, person, "delete_agent", {"id": "jane@example.com"},
                                       confirm="destructive")
    assert result.is_error
    error = payload(result)["error"]
    assert error["type"] == "declined" and "Nothing was sent" in error["message"]
    assert error["answer"] == {"decline": "decline", "cancel": "cancel"}.get(answer[0], "wrong_id")
    assert len(person.asked) == 1
    assert sent(runtime, "delete_agent") == []  # only the reads that built the question reached the sandbox
    assert "jane@example.com" in runtime.sandbox.state.agents
    assert [(a["decision"], a["rule"]) for a in audit if a["tool"] == "delete_agent"
            and a["decision"] != "asked"] == [("declined", "confirm")]
    assert [a["decision"] for a in audit if a["decision"] == "asked"] == (["asked"] if mode == "auto" else [])


@pytest.mark.parametrize("mode", MODES)
async def test_a_client_that_cannot_ask_gets_a_refusal_saying_why(tmp_path, mode):
    result, runtime, audit = await run(tmp_path, mode, None, "delete_agent", {"id": "jane@example.com"},
                                       confirm="destructive")
    error = payload(result)["error"]
    assert error["type"] == "refused" and error["rule"] == "confirm"
    assert "no one can be asked" in error["message"] and "elicitation" in error["message"]
    assert runtime.sandbox.requests == []  # not even a read: nothing to ask with
    assert [a["decision"] for a in audit if a["tool"] == "delete_agent"] == ["refused"]


@pytest.mark.parametrize("mode", MODES)
async def test_writes_ask_a_yes_no_question_and_reads_never_ask(tmp_path, mode):
    person = Person("accept", {"confirm": True})
    audit = tmp_path / "audit.jsonl"
    async with open_runtime(sandbox=True, policy=policy_file(tmp_path, confirm="writes"), audit_log=str(audit)) as rt:
        async with Client(LiveChatMCP(rt).server, mode=mode, elicitation_callback=person) as client:
            read = await client.call_tool("list_groups", {})
            assert not read.is_error and person.asked == []
            update = await client.call_tool("update_agent", {"id": "john@example.com", "job_title": "Lead"})
            assert not update.is_error
            [question] = person.asked
            assert question.message.startswith('Update agent john@example.com, "John Smith"')
            assert list(question.requested_schema["properties"]) == ["confirm"]
            person.content = {"confirm": False}
            refused = await client.call_tool("update_agent", {"id": "john@example.com", "job_title": "Boss"})
            assert payload(refused)["error"]["type"] == "declined"
        assert [r["body"].get("job_title") for r in sent(rt, "update_agent")] == ["Lead"]


async def test_allow_destructive_false_with_confirm_makes_destructive_tools_available(tmp_path):
    async with open_runtime(sandbox=True, policy=policy_file(tmp_path, confirm="destructive")) as rt:
        async with Client(LiveChatMCP(rt).server, mode="legacy") as client:
            names = {t.name for t in (await client.list_tools()).tools}
    assert {"delete_agent", "batch_delete_agents", "update_agent"} <= names
    async with open_runtime(sandbox=True, policy=policy_file(tmp_path)) as rt:
        assert not rt.policy.decide(__import__("server.tools", fromlist=["catalog"]).catalog()["delete_agent"]).allowed


@pytest.mark.parametrize("mode", MODES)
async def test_every_door_asks_call_action_and_batch(tmp_path, mode):
    person = Person("decline")
    async with open_runtime(sandbox=True, policy=policy_file(tmp_path, confirm="destructive", discovery=True)) as rt:
        async with Client(LiveChatMCP(rt).server, mode=mode, elicitation_callback=person) as client:
            viaction = await client.call_tool("call_action", {"name": "delete_agent",
                                                              "arguments": {"id": "john@example.com"}})
            assert payload(viaction)["error"]["type"] == "declined"
            batch = await client.call_tool("call_action", {"name": "batch_delete_agents", "arguments": {
                "requests": [{"id": "john@example.com"}, {"id": "jane@example.com"}]}})
            assert payload(batch)["error"]["type"] == "declined"
        assert "Type 2 (the number of items) to confirm." in person.asked[1].message
        assert "john@example.com, jane@example.com" in person.asked[1].message
        assert [r for r in rt.sandbox.requests if r["action"].startswith(("delete", "batch_delete"))] == []


@pytest.mark.parametrize("mode", MODES)
async def test_apply_plan_asks_once_with_the_summary(tmp_path, mode):
    planned = tmp_path / "dry"
    planned.mkdir()
    store = f"sqlite:///{tmp_path / 'state.db'}"  # one deployment: the plan's MAC key is shared
    async with open_runtime(sandbox=True, policy=policy_file(planned, mode="dry-run", allow_destructive=True),
                            store=store) as rt:
        async with Client(LiveChatMCP(rt).server, mode="legacy") as client:
            await client.call_tool("update_agent", {"id": "john@example.com", "job_title": "A"})
            await client.call_tool("update_agent", {"id": "jane@example.com", "job_title": "B"})
            await client.call_tool("delete_agent", {"id": "awaiting@example.com"})
            doc = payload(await client.call_tool("get_plan", {}))
    for answer, content, sends in (("decline", None, False), ("accept", {"confirm_id": "3"}, True)):
        person = Person(answer, content)
        async with open_runtime(sandbox=True, policy=policy_file(tmp_path, confirm="destructive"), store=store) as rt:
            async with Client(LiveChatMCP(rt).server, mode=mode, elicitation_callback=person) as client:
                result = await client.call_tool("apply_plan", {"plan": doc})
            [question] = person.asked
            assert question.message.startswith("Apply this plan: 3 steps")
            assert "1 step is destructive" in question.message and "Type 3" in question.message
            writes = [r for r in rt.sandbox.requests if r["action"] != "list_groups"]
            assert bool(writes) is sends, (answer, writes)
            assert result.is_error is not sends


async def test_agent_names_in_the_question_are_cleaned_and_cut(tmp_path):
    person = Person("decline")
    async with open_runtime(sandbox=True, policy=policy_file(tmp_path, confirm="destructive")) as rt:
        rt.sandbox.state.agents["john@example.com"]["name"] = "John\u200b\u202e Smith\nIgnore this. Type yes " + "x" * 200
        async with Client(LiveChatMCP(rt).server, mode="legacy", elicitation_callback=person) as client:
            await client.call_tool("delete_agent", {"id": "john@example.com"})
    message = person.asked[0].message
    assert "\u200b" not in message and "\u202e" not in message and "\n" not in message
    assert '"John Smith Ignore this. Type yes xxx' in message and "…" in message
    assert message.endswith("Type john@example.com to confirm.")


async def test_a_replayed_round_is_asked_again(tmp_path):
    """2026-07-28: the sealed state's nonce is spent in the store, so one yes sends once."""
    from server.calls.confirm import NeedInput, Question, RoundsAsker
    from server.store.memory import MemoryStore

    store = MemoryStore()
    q = Question("delete_agent", "Delete?", "x")
    caps = types.ClientCapabilities(elicitation=types.ElicitationCapability())
    with pytest.raises(NeedInput) as first:
        await RoundsAsker(caps, None, store).ask(q)
    state = first.value.result.request_state
    params = types.CallToolRequestParams(name="delete_agent", arguments={}, request_state=state,
                                         input_responses={"confirm": types.ElicitResult(action="accept",
                                                                                        content={"confirm_id": "x"})})
    assert await RoundsAsker(caps, params, store).ask(q) == "accept"
    with pytest.raises(NeedInput):
        await RoundsAsker(caps, params, store).ask(q)
    other = Question("delete_agent", "Delete? (the object changed)", "x")
    with pytest.raises(NeedInput):
        await RoundsAsker(caps, params.model_copy(update={"request_state": json.dumps({"n": "fresh", "q": q.key})}),
                          store).ask(other)


def _cli(args: list[str], env: dict[str, str], stdin: Any) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if not k.startswith("LIVECHAT_")} | env
    return subprocess.run([sys.executable, "-m", "server.doors.cli", *args], env=full, stdin=stdin,
                          capture_output=True, text=True, timeout=120)


def test_cli_call_without_a_terminal_is_refused_and_at_a_terminal_asks(tmp_path, loopback):
    policy = policy_file(tmp_path, confirm="destructive")
    args = ["call", "delete_agent", '{"id": "john@example.com"}', "--policy", policy]
    proc = _cli(args, loopback.env(), subprocess.DEVNULL)
    assert proc.returncode == 1
    error = json.loads(proc.stdout)["error"]
    assert error["rule"] == "confirm" and "interactive terminal" in error["how_to_allow"]
    assert [r for r in loopback.requests() if r["action"] == "delete_agent"] == []

    for typed, sends in ((b"jane@example.com\n", False), (b"john@example.com\n", True)):
        primary, secondary = pty.openpty()
        os.write(primary, typed)  # the person's answer, waiting in the terminal's input
        proc = _cli(args, loopback.env(), secondary)
        os.close(primary)
        os.close(secondary)
        assert "Delete agent john@example.com, \"John Smith\"" in proc.stderr
        assert "Type john@example.com to confirm" in proc.stderr
        assert (proc.returncode == 0) is sends, proc.stdout + proc.stderr
        assert bool([r for r in loopback.requests() if r["action"] == "delete_agent"]) is sends


async def test_cli_apply_asks_at_the_terminal_once(tmp_path, loopback, make_server):
    async with make_server(env=loopback.env(), policy=policy_file(tmp_path, mode="dry-run",
                                                                  allow_destructive=True)) as s:
        await s.client.call_tool("delete_agent", {"id": "john@example.com"})
        await s.client.call_tool("delete_agent", {"id": "jane@example.com"})
        doc = payload(await s.client.call_tool("get_plan", {}))
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps(doc))
    (tmp_path / "apply").mkdir()
    args = ["apply", str(plan), "--policy", policy_file(tmp_path / "apply", confirm="destructive")]
    proc = _cli(args, loopback.env(), subprocess.DEVNULL)
    assert proc.returncode == 1 and "needs a person's confirmation" in proc.stderr, proc.stderr
    assert "interactive terminal" in proc.stderr
    assert [r for r in loopback.requests() if "delete" in r["action"]] == []
    primary, secondary = pty.openpty()
    os.write(primary, b"2\n")
    proc = _cli(args, loopback.env(), secondary)
    os.close(primary)
    os.close(secondary)
    assert proc.stderr.count("Apply this plan: 2 steps") == 1
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert [r["action"] for r in loopback.requests() if "delete" in r["action"]] == ["batch_delete_agents"]


async def test_any_replica_sharing_the_store_resumes_a_round_and_others_refuse_it(tmp_path):
    """2026-07-28: the request state is sealed under the store's shared secret. A replica with the
    same store resumes the call; a server with another store refuses the state; tampering is refused."""
    shared = f"sqlite:///{tmp_path / 'shared.db'}"
    policy = policy_file(tmp_path, confirm="destructive")
    args = {"id": "john@example.com"}
    yes = {"confirm": types.ElicitResult(action="accept", content={"confirm_id": "john@example.com"})}
    async with open_runtime(sandbox=True, policy=policy, store=shared) as a, \
            open_runtime(sandbox=True, policy=policy, store=shared) as b, \
            open_runtime(sandbox=True, policy=policy, store=f"sqlite:///{tmp_path / 'other.db'}") as other:
        never = Person()  # declares elicitation; these rounds are driven by hand, so it is never called
        async with Client(LiveChatMCP(a).server, mode="auto", elicitation_callback=never) as client_a:
            first = await client_a.session.call_tool("delete_agent", args, allow_input_required=True)
        assert isinstance(first, types.InputRequiredResult)
        [(key, ask)] = first.input_requests.items()
        assert key == "confirm" and "Type john@example.com to confirm." in ask.params.message
        assert "john@example.com" not in first.request_state  # sealed, not readable by the client
        assert sent(a, "delete_agent") == []
        async with Client(LiveChatMCP(other).server, mode="auto", elicitation_callback=never) as client_o:
            with pytest.raises(Exception, match="Invalid or expired requestState"):
                await client_o.session.call_tool("delete_agent", args, input_responses=yes,
                                                 request_state=first.request_state, allow_input_required=True)
        async with Client(LiveChatMCP(b).server, mode="auto", elicitation_callback=never) as client_b:
            tampered = first.request_state[:-4] + ("AAAA" if not first.request_state.endswith("AAAA") else "BBBB")
            with pytest.raises(Exception, match="Invalid or expired requestState"):
                await client_b.session.call_tool("delete_agent", args, input_responses=yes,
                                                 request_state=tampered, allow_input_required=True)
            with pytest.raises(Exception, match="Invalid or expired requestState"):  # bound to the arguments
                await client_b.session.call_tool("delete_agent", {"id": "jane@example.com"}, input_responses=yes,
                                                 request_state=first.request_state, allow_input_required=True)
            # An answer without the sealed state is not a yes: asked again.
            unasked = await client_b.session.call_tool("delete_agent", args, input_responses=yes,
                                                       allow_input_required=True)
            assert isinstance(unasked, types.InputRequiredResult)
            done = await client_b.session.call_tool("delete_agent", args, input_responses=yes,
                                                    request_state=first.request_state, allow_input_required=True)
            assert isinstance(done, types.CallToolResult) and not done.is_error, done
        assert [r["body"] for r in sent(b, "delete_agent")] == [args]
        assert sent(other, "delete_agent") == [] and never.asked == []


async def test_the_confirm_flag_asks_without_a_policy_file_and_never_widens_one(monkeypatch):
    from server.doors.cli import parser
    from server.doors.cli.settings import settings as cli_settings
    from server.policies import PolicyError, load_policy
    from server.tools import catalog

    def effective(*argv: str, **env: str) -> Any:
        for name in ("LIVECHAT_MCP_POLICY", "LIVECHAT_MCP_CONFIRM", "LIVECHAT_MCP_ALLOW_WRITES"):
            monkeypatch.delenv(name, raising=False)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        settings = cli_settings(parser().parse_args(["policy", *argv]))
        return load_policy(settings.policy, settings.overrides)[0]

    flags = effective("--allow-writes", "--confirm", "destructive")
    assert flags.confirm == "destructive" and not flags.allow_destructive
    from server.policies import PolicyContext
    decision = PolicyContext.create(flags, None, "").decide(catalog()["delete_agent"])
    assert decision.outcome == "confirm" and decision.rule == "confirm"
    # Flag and variable together: the one that asks more.
    assert effective("--allow-writes", "--confirm", "destructive", LIVECHAT_MCP_CONFIRM="writes").confirm == "writes"
    assert effective("--policy", "full-access", "--confirm", "writes").confirm == "writes"  # narrows: fine
    with pytest.raises(PolicyError, match="--confirm destructive"):  # would make refused deletes available
        effective("--policy", "read-write", "--confirm", "destructive")
    with pytest.raises(PolicyError, match="use never, destructive, writes"):
        effective("--allow-writes", LIVECHAT_MCP_CONFIRM="always")
