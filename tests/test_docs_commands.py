"""Every command the README and the guides show in a block marked ``<!-- run -->`` runs, as
written, against the sandbox (docs/development.md, "Documentation whose commands run").

One test per document, its blocks in order, each in its own ``bash -e`` in a working
directory of the document's own, with a fresh HOME and XDG state, the repository's venv first on
PATH, and "your license" being the session's loopback sandbox (reset first; the README's commands
get no credentials at all, as on the fresh machine it promises). The docs' well-known
ports are replaced by free ones; ``PLAN_ID``, ``PLAN.json`` and ``secrets.json`` are prepared by the
test. Whatever a document started is stopped when it ends, pass or fail.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from mcp import Client

from conftest import Loopback, free_port, open_runtime, tool_payload
from docs_blocks import ROOT, Block, documents, shell_blocks
from server.doors.mcp_app import LiveChatMCP
from server.policies import Overrides
from server.sandbox import APP_TOKEN
from server.sandbox.bots import BOT_ID, BOT_SECRET

# The ports the docs use, each replaced (throughout a document, consistently) by a free one.
PORTS = (8000, 8001, 8002, 8003, 8080, 8686, 6379, 8443)
PORT = re.compile(r"(?<![\w.-])(" + "|".join(map(str, PORTS)) + r")(?![\w-]|\.\d)")
BLOCK_TIMEOUT = 180  # seconds for one block that runs to its end
READY_TIMEOUT = 120  # seconds for a server a block started to answer (a busy 2-core machine is slow)
RUNNABLE = [p for p in documents() if any(b.marker == "run" for b in shell_blocks(p))]


def substitute_ports(text: str, ports: dict[int, int]) -> str:
    return PORT.sub(lambda m: str(ports[int(m[1])]), text)


class Session:
    """One document's working directory, environment and the processes its blocks started."""

    def __init__(self, tmp: Path, loopback: Loopback, *, credentials: bool = True) -> None:
        self.work = tmp / "work"
        self.work.mkdir()
        home = tmp / "home"
        base = {k: v for k, v in os.environ.items() if not k.startswith(("LIVECHAT_", "XDG_", "VIRTUAL_ENV"))}
        venv_bin = str(Path(sys.executable).parent)
        self.env = {
            **base,
            "HOME": str(home),
            "XDG_STATE_HOME": str(home / ".local" / "state"),
            "XDG_CACHE_HOME": str(home / ".cache"),
            "XDG_CONFIG_HOME": str(home / ".config"),
            "PATH": os.pathsep.join([venv_bin, base.get("PATH", "/usr/bin:/bin")]),
            "PYTHONDONTWRITEBYTECODE": "1",
            **(loopback.env(APP_TOKEN) if credentials else {}),
        }
        self.ports = {port: free_port() for port in PORTS}
        self.groups: list[subprocess.Popen[bytes]] = []
        self.owners: dict[int, subprocess.Popen[bytes]] = {}  # port -> the block serving it
        self.logs = tmp / "logs"
        self.logs.mkdir()

    def log(self, block: Block) -> Path:
        return self.logs / f"line{block.line}.log"

    def start(self, block: Block, code: str) -> subprocess.Popen[bytes]:
        # Output goes to a file: a server the block leaves running (`&`) keeps its stdout open,
        # and a pipe would never reach its end.
        with self.log(block).open("wb") as out:
            # bash -e, as a reader's shell stops at a failing command; no pipefail, so that a block may
            # cut a long answer short with `| head` (the writer then ends with 141, as in a terminal).
            proc = subprocess.Popen(["bash", "-e", "-c", code], cwd=self.work, env=self.env,
                                    stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                    start_new_session=True)
        self.groups.append(proc)
        return proc

    def output(self, block: Block) -> str:
        return self.log(block).read_text(errors="replace")[-4000:]

    def run(self, block: Block) -> None:
        code = substitute_ports(block.code, self.ports).replace("PLAN_ID", self.env.get("DOCS_PLAN_ID", "PLAN_ID"))
        urls = [substitute_ports(url, self.ports) for url in block.ready]
        # A later server on a port an earlier block still serves replaces it, as a reader stops one
        # (Ctrl-C) before starting the next: else the old one would answer for the new one.
        ports = {port for url in urls if (port := httpx.URL(url).port) is not None}
        for port in ports:
            if (earlier := self.owners.pop(port, None)) is not None:
                _stop_group(earlier)
        proc = self.start(block, code)
        self.owners.update(dict.fromkeys(ports, proc))
        if not block.background:
            try:
                code_ = proc.wait(timeout=BLOCK_TIMEOUT)
            except subprocess.TimeoutExpired:
                pytest.fail(f"{block.where}: still running after {BLOCK_TIMEOUT} s (a server? mark it "
                            f"`<!-- run: background; ready URL -->`)\n{self.output(block)}")
            assert code_ == 0, f"{block.where}: exit {code_}\n{block.code}\n--- output ---\n{self.output(block)}"
        for url in urls:
            self.wait_ready(block, url, proc)

    def wait_ready(self, block: Block, url: str, proc: subprocess.Popen[bytes]) -> None:
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            if block.background and proc.poll() is not None:
                pytest.fail(f"{block.where}: exited ({proc.returncode}) before {url} answered\n{self.output(block)}")
            try:
                if httpx.get(url, timeout=2).status_code < 500:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        pytest.fail(f"{block.where}: {url} did not answer within {READY_TIMEOUT} s\n{self.output(block)}")

    def stop(self) -> None:
        """Every process group a block started: TERM, then KILL what is left after 10 s."""
        for proc in self.groups:
            _stop_group(proc)


def _stop_group(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and _group_alive(proc.pid):
        time.sleep(0.05)
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


@contextmanager
def session(tmp: Path, loopback: Loopback, *, credentials: bool = True) -> Iterator[Session]:
    s = Session(tmp, loopback, credentials=credentials)
    try:
        yield s
    finally:
        s.stop()


async def prepare_plans(s: Session, loopback: Loopback) -> None:
    """``PLAN_ID``: a stored plan with no secrets (a tag and a group); ``PLAN.json``: a signed plan
    whose third step carries a bot secret placeholder, with its value in ``secrets.json``. Both are
    made through the document's own store, as the assistant's server would make them."""
    env = {k: v for k, v in s.env.items() if k.startswith(("LIVECHAT_", "XDG_"))}
    state = loopback.sandbox.state
    async with open_runtime(env=env, overrides=Overrides(dry_run=True)) as runtime:
        async with Client(LiveChatMCP(runtime).server, mode="legacy") as client:
            async def call(name: str, args: dict[str, Any]) -> Any:
                result = await client.call_tool(name, args)
                assert not result.is_error, tool_payload(result)
                return tool_payload(result)

            await call("create_tag", {"name": "docs-stored", "group_ids": [0]})
            await call("create_group", {"name": "Docs stored", "agent_priorities": {}})
            s.env["DOCS_PLAN_ID"] = (await call("get_plan", {"view": "summary"}))["plan_id"]
            await call("clear_plan", {})
            await call("create_tag", {"name": "docs-file", "group_ids": [0]})
            await call("create_group", {"name": "Docs file", "agent_priorities": {}})
            await call("issue_bot_token", {"bot_id": BOT_ID, "client_id": state.bots[BOT_ID]["owner_client_id"],
                                           "bot_secret": BOT_SECRET, "organization_id": state.organization_id})
            document = await call("get_plan", {})
    assert document["secrets"]["names"] == ["step3.bot_secret"]
    (s.work / "PLAN.json").write_text(json.dumps(document, indent=2))
    (s.work / "secrets.json").write_text(json.dumps({"step3.bot_secret": BOT_SECRET}))
    loopback.planned()


@pytest.mark.parametrize("path", RUNNABLE, ids=lambda p: str(p.relative_to(ROOT)))
def test_the_documented_commands_run_against_the_sandbox(path: Path, loopback: Loopback, tmp_path: Path) -> None:
    blocks = [b for b in shell_blocks(path) if b.marker == "run"]
    text = "".join(b.code for b in blocks)
    # The README promises a fresh machine with no credentials: its commands run without any.
    with session(tmp_path, loopback, credentials=path.name != "README.md") as s:
        if any(name in text for name in ("PLAN_ID", "PLAN.json", "secrets.json")):
            anyio.run(prepare_plans, s, loopback)
        for block in blocks:
            s.run(block)


def test_every_document_with_commands_is_run():
    """A guide whose every block is marked not run is suspicious: say so here if it is meant."""
    # benchmarks take minutes and measure the machine; development's commands run in the
    # repository, where tests/test_checks.py runs them.
    meant = {"benchmarks.md", "development.md"}
    for path in documents():
        if shell_blocks(path) and path not in RUNNABLE:
            assert path.name in meant, f"{path.name}: none of its shell blocks is run"


def test_ports_are_substituted_where_they_are_ports_only():
    ports = {p: 10000 + i for i, p in enumerate(PORTS)}
    assert substitute_ports("--port 8000 http://127.0.0.1:8686/ listen 127.0.0.1:8080;", ports) == \
        "--port 10000 http://127.0.0.1:10005/ listen 127.0.0.1:10004;"
    assert substitute_ports("for port in 8001 8002 8003; do", ports) == "for port in 10001 10002 10003; do"
    assert substitute_ports("1000/600 v3.6 18000 80001 2026-11-30", ports) == "1000/600 v3.6 18000 80001 2026-11-30"
