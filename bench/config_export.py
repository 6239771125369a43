"""Benchmark: export of a 500-agent, 50-group, 200-tag license. `python bench/config_export.py [--write]`

Measures, side by side on one in-process sandbox holding that license:
- ``export_config`` through the whole tool path (policy, budget, audit, document building):
  wall time (median of the runs) and the requests LiveChat receives (each list read once);
- the same reads sent straight to the sandbox with httpx (no pipeline, no document): the floor;
- reading the same objects page by page with the list tools (what an assistant without export
  would do): how many requests that costs.

``--write`` puts the table into docs/benchmarks.md between the config-bench markers. Not a test:
timings vary by machine and load.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import anyio
import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from server.calls.context import CallContext  # noqa: E402
from server.calls.runtime import Settings, build_runtime  # noqa: E402
from server.doors.mcp_app import LiveChatMCP  # noqa: E402
from server.license_config.export import READS  # noqa: E402
from server.license_config.seed import seeder  # noqa: E402
from server.sandbox import ALL_SCOPES_TOKEN  # noqa: E402
from server.sandbox.core import DEFAULT_CLIENT_ID  # noqa: E402
from server.tools import catalog  # noqa: E402

AGENTS, GROUPS, TAGS, RUNS = 500, 50, 200, 7
BEGIN, END = "<!-- config-bench:begin -->", "<!-- config-bench:end -->"


def license_document() -> dict[str, Any]:
    agents = [{"id": "owner@bench.example", "name": "Owner", "role": "owner"}] + [
        {"id": f"agent{n:03d}@bench.example", "name": f"Agent {n}", "role": "normal", "job_title": "Support",
         "max_chats_count": 6, "notifications": ["incoming_chat"]} for n in range(1, AGENTS)]
    groups = [{"name": "General", "default": True, "language_code": "en",
               "agents": {a["id"]: "normal" for a in agents}}] + [
        {"name": f"Team {g:02d}", "language_code": "en",
         "agents": {f"agent{n:03d}@bench.example": "normal" for n in range(g * 10 - 9, g * 10 + 1) if n < AGENTS}}
        for g in range(1, GROUPS)]
    tags = [{"name": f"tag-{t:03d}", "groups": ["General", f"Team {t % (GROUPS - 1) + 1:02d}"]} for t in range(TAGS)]
    return {"kind": "livechat-mcp/config", "schema_version": 1, "agents": agents, "groups": groups, "tags": tags}


async def measure() -> dict[str, Any]:
    env = {"LIVECHAT_SANDBOX_TOKEN": ALL_SCOPES_TOKEN, "LIVECHAT_MCP_STORE": "memory://"}
    runtime = await build_runtime(Settings(sandbox=True, rate_limit=10**9,
                                           sandbox_seed=seeder(license_document(), DEFAULT_CLIENT_ID)), env)
    sandbox = runtime.sandbox
    app = LiveChatMCP(runtime)
    call = CallContext(session="process")
    try:
        export_times, raw_times, reads = [], [], []
        wanted = [r for part in READS.values() for r in part]
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=sandbox.app), base_url="http://sandbox",
                                     headers={"Authorization": f"Bearer {ALL_SCOPES_TOKEN}"}) as raw:
            for _ in range(RUNS):  # interleaved, so load drifts hit both alike
                sandbox.requests.clear()
                started = time.perf_counter()
                result = await app.call_tool("export_config", {}, call=call)
                export_times.append(time.perf_counter() - started)
                assert not result.is_error, result.data
                reads.append([r["action"] for r in sandbox.requests])
                started = time.perf_counter()
                for action, args in wanted:
                    body = {**args, **({"owner_client_id": DEFAULT_CLIENT_ID} if action in (
                        "list_webhooks", "get_license_webhooks_state") else {})}
                    body.pop("limit", None)
                    resp = await raw.post(f"/v3.6/configuration/action/{action}", json=body)
                    assert resp.status_code == 200, resp.text
                raw_times.append(time.perf_counter() - started)
        doc = result.data
        paged = await paging_reads(app, call, sandbox)
    finally:
        await runtime.aclose()
    last = reads[-1]
    return {
        "export_ms": statistics.median(export_times) * 1000, "raw_ms": statistics.median(raw_times) * 1000,
        "reads": len(last), "lists": sorted(set(last)), "each_once": len(last) == len(set(last)),
        "objects": {k: len(v) for k, v in doc.items() if isinstance(v, list)}, "paged": paged,
        "bytes": len(str(doc)),
    }


async def paging_reads(app: LiveChatMCP, call: CallContext, sandbox: Any) -> dict[str, int]:
    """Requests to read agents, groups and tags a page at a time with the list tools (largest page)."""
    out = {}
    for action in ("list_agents", "list_groups", "list_tags"):
        sandbox.requests.clear()
        args: dict[str, Any] = {"limit": catalog()[action].paging.max_limit}  # type: ignore[union-attr]
        while True:
            result = await app.call_tool(action, args, call=call)
            cursor = result.data.get("next_cursor") if isinstance(result.data, dict) else None
            if not cursor:
                break
            args = {**args, "cursor": cursor}
        out[action] = len(sandbox.requests)
    return out


def table(m: dict[str, Any]) -> str:
    o = m["objects"]
    paged = m["paged"]
    return "\n".join([
        "| Measure | Result |",
        "| --- | --- |",
        f"| license | {o.get('agents')} agents, {o.get('groups')} groups, {o.get('tags')} tags (+ the sandbox's "
        "other kinds, empty) |",
        f"| export_config, whole tool path, median of {RUNS} | {m['export_ms']:.0f} ms |",
        f"| the same reads straight to the sandbox (httpx), median | {m['raw_ms']:.0f} ms "
        f"(export = {m['export_ms'] / m['raw_ms']:.2f}x) |",
        f"| requests LiveChat receives for one export | {m['reads']}, each list once: "
        f"{'yes' if m['each_once'] else 'NO'} ({', '.join(m['lists'])}) |",
        f"| the same agents, groups and tags a page at a time with the list tools | "
        f"{sum(paged.values())} requests ({', '.join(f'{k} {v}' for k, v in paged.items())}) |",
    ])


def main() -> None:
    measured = anyio.run(measure)
    text = table(measured)
    print(text)
    if "--write" in sys.argv:
        path = ROOT / "docs" / "benchmarks.md"
        doc = path.read_text()
        start, end = doc.index(BEGIN) + len(BEGIN), doc.index(END)
        path.write_text(doc[:start] + "\n" + text + "\n" + doc[end:])
        print(f"written to {path.relative_to(ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    os.environ.setdefault("LIVECHAT_MCP_STORE", "memory://")
    main()
