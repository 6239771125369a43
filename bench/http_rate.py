"""HTTP calls per second: our server against the one-tool SDK forwarder (bench/forwarder.py), both
over streamable HTTP to the same loopback sandbox process. `python bench/http_rate.py [--write]`

- Protocols: the session generation (2025-11-25: initialize, then every request carries its
  Mcp-Session-Id) and the session-less one (2026-07-28: every request a self-contained envelope).
- 1 and 8 concurrent clients, each sending ``get_group`` back to back for SECONDS.
- Interleaved: each round runs ours then the forwarder, or the forwarder then ours (alternating),
  so machine noise hits both alike; the table gives the median of the rounds' calls/s and the
  median of the rounds' ratios.
- Replicas: the same pair behind nginx (docs/replicas-and-store.md's recipe), N replicas each:
  ours on one Redis store (stateless, as replicas run), the forwarder stateless.

Both servers run as installed (our default store: SQLite in a temporary state directory; the
forwarder logging at WARNING as ours does). The clients are raw JSON-RPC over one keep-alive
httpx pool. Prints the load average: figures from a loaded machine say so.
"""

from __future__ import annotations

import base64
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import anyio
import httpx
import mcp_types as types
from common import (
    FORWARDER,
    ROOT,
    UNLIMITED,
    clean_env,
    free_port,
    load,
    nginx,
    publish,
    redis_server,
    sandbox,
    stop,
    wait_for,
)

SECONDS = float(os.environ.get("BENCH_SECONDS", "5"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
REPLICAS = int(os.environ.get("BENCH_REPLICAS", "3"))  # the hosting recipe's three (docs/hosting.md)
ACCEPT = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
LEGACY, MODERN = "2025-11-25", "2026-07-28"
CALL = {"name": "get_group", "arguments": {"id": 0}}


def _answer(resp: httpx.Response) -> dict[str, Any]:
    if resp.headers.get("content-type", "").startswith("text/event-stream"):
        for line in resp.text.splitlines():
            if line.startswith("data:"):
                answer: dict[str, Any] = json.loads(line[5:])
                return answer
    answer = resp.json()
    return answer


class Caller:
    """One client: its own session (legacy) or none (2026-07-28)."""

    def __init__(self, http: httpx.AsyncClient, url: str, protocol: str, n: int) -> None:
        self.http, self.url, self.protocol, self.n = http, url, protocol, n
        self.headers: dict[str, str] = {}
        self.body = b""

    async def start(self) -> None:
        if self.protocol == MODERN:
            meta = {types.PROTOCOL_VERSION_META_KEY: MODERN, types.CLIENT_CAPABILITIES_META_KEY: {},
                    types.CLIENT_INFO_META_KEY: {"name": f"bench-{self.n}", "version": "1"}}
            self.headers = {**ACCEPT, "Mcp-Protocol-Version": MODERN, "Mcp-Method": "tools/call", "Mcp-Name": "get_group"}
            self.body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                                    "params": {**CALL, "_meta": meta}}).encode()
            return
        resp = await self.http.post(self.url, headers=ACCEPT, json={
            "jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
                "protocolVersion": LEGACY, "capabilities": {}, "clientInfo": {"name": f"bench-{self.n}", "version": "1"}}})
        resp.raise_for_status()
        self.headers = {**ACCEPT, "Mcp-Protocol-Version": LEGACY}
        if "mcp-session-id" in resp.headers:  # a stateless server hands none out
            self.headers["Mcp-Session-Id"] = resp.headers["mcp-session-id"]
        await self.http.post(self.url, headers=self.headers, json={"jsonrpc": "2.0", "method": "notifications/initialized"})
        self.body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": CALL}).encode()

    async def call(self) -> None:
        resp = await self.http.post(self.url, headers=self.headers, content=self.body)
        answer = _answer(resp)
        if resp.status_code != 200 or "result" not in answer or answer["result"].get("isError"):
            raise RuntimeError(f"{self.url}: {resp.status_code} {resp.text[:300]}")


async def rate(url: str, protocol: str, clients: int, seconds: float) -> float:
    """Calls per second ``clients`` concurrent clients get from ``url`` in ``seconds``."""
    done = 0
    async with httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_connections=clients * 2)) as http:
        callers = [Caller(http, url, protocol, n) for n in range(clients)]
        for caller in callers:
            await caller.start()
            for _ in range(5):  # warm up: imports, caches, connections
                await caller.call()
        stop_at = time.perf_counter() + seconds

        async def run(caller: Caller) -> None:
            nonlocal done
            while time.perf_counter() < stop_at:
                await caller.call()
                done += 1

        began = time.perf_counter()
        async with anyio.create_task_group() as tg:
            for caller in callers:
                tg.start_soon(run, caller)
        return done / (time.perf_counter() - began)


def interleaved(urls: dict[str, str], protocol: str, clients: int) -> dict[str, Any]:
    """Rounds alternating which server goes first: median calls/s each and the median ratio."""
    rates: dict[str, list[float]] = {name: [] for name in urls}
    ratios = []
    for r in range(ROUNDS):
        order = list(urls) if r % 2 == 0 else list(reversed(urls))
        got = {name: anyio.run(rate, urls[name], protocol, clients, SECONDS) for name in order}
        for name, value in got.items():
            rates[name].append(value)
        ratios.append(got["ours"] / got["forwarder"])
    return {"ours": statistics.median(rates["ours"]), "forwarder": statistics.median(rates["forwarder"]),
            "ratio": statistics.median(ratios), "ratios": ratios}


def _spawn(cmd: list[str], env: dict[str, str], port: int, what: str) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for(f"http://127.0.0.1:{port}/mcp", proc, what, timeout=180)
    return proc


@contextmanager
def servers(env: dict[str, str], count: int, store: str | None) -> Iterator[tuple[list[int], list[int]]]:
    """``count`` of ours (on ``store``; None: the default SQLite file) and of the forwarder."""
    ours, theirs, procs = [], [], []
    if store:  # replicas share one store key, as docs/replicas-and-store.md sets it
        env = {**env, "LIVECHAT_MCP_STORE_KEY": base64.b64encode(os.urandom(32)).decode()}
    try:
        for _ in range(count):
            port = free_port()
            args = ["--transport", "http", "--port", str(port), "--rate-limit", UNLIMITED,
                    *(["--store", store] if store else [])]
            procs.append(_spawn([sys.executable, "-m", "server.doors.cli", *args], env, port, "our server"))
            ours.append(port)
            port = free_port()
            procs.append(_spawn([sys.executable, FORWARDER, "--http", str(port), *(["--stateless"] if store else [])],
                                env, port, "the forwarder"))
            theirs.append(port)
        yield ours, theirs
    finally:
        stop(*procs)


def measure() -> list[tuple[str, str, int, dict[str, Any]]]:
    rows = []
    with tempfile.TemporaryDirectory(prefix="livechat-mcp-bench-") as folder, ExitStack() as stack:
        tmp = Path(folder)
        env = stack.enter_context(sandbox(clean_env(tmp)))
        with servers(env, 1, None) as (ours, theirs):
            urls = {"ours": f"http://127.0.0.1:{ours[0]}/mcp", "forwarder": f"http://127.0.0.1:{theirs[0]}/mcp"}
            for protocol in (LEGACY, MODERN):
                for clients in (1, 8):
                    rows.append(("1 process", protocol, clients, interleaved(urls, protocol, clients)))
                    print(rows[-1], flush=True)
        if REPLICAS > 1:
            redis = stack.enter_context(redis_server(tmp))
            with servers(env, REPLICAS, redis) as (ours, theirs):
                urls = {"ours": stack.enter_context(nginx(tmp, "ours", ours)),
                        "forwarder": stack.enter_context(nginx(tmp, "forwarder", theirs))}
                for protocol in (LEGACY, MODERN):
                    rows.append((f"{REPLICAS} replicas + nginx", protocol, 8, interleaved(urls, protocol, 8)))
                    print(rows[-1], flush=True)
    return rows


def table(rows: list[tuple[str, str, int, dict[str, Any]]]) -> str:
    out = ["| servers | protocol | clients | ours calls/s | forwarder calls/s | ours / forwarder (median of rounds) |",
           "| --- | --- | --- | --- | --- | --- |"]
    for where, protocol, clients, got in rows:
        kind = "session (2025-11-25)" if protocol == LEGACY else "session-less (2026-07-28)"
        spread = f"{min(got['ratios']):.2f}-{max(got['ratios']):.2f}"
        out.append(f"| {where} | {kind} | {clients} | {got['ours']:.0f} | {got['forwarder']:.0f} | "
                   f"{got['ratio']:.2f}x ({spread}) |")
    return "\n".join(out) + "\n"


def main() -> None:
    before = load()
    rows = measure()
    publish("http-bench", before, table(rows), f"{ROUNDS} rounds of {SECONDS:g} s per cell; ")


if __name__ == "__main__":
    main()
