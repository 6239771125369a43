"""Headless Chromium for tests, driven over the DevTools protocol (the approach of the hosted
tests on branch `hosted`; one module to share once both are on main).

Needs the Debian package `chromium` (.ci/run installs it). In CI (CI=true) a missing browser fails
the test instead of skipping it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest

from conftest import free_port, stop_process

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def need_chromium() -> str:
    if CHROMIUM is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("chromium is not installed (apt-get install -y chromium; .ci/run does it)")
        pytest.skip("chromium is not installed (apt-get install -y chromium)")
    return CHROMIUM


@contextmanager
def chromium() -> Iterator[str]:
    """A headless Chromium this test starts and stops; yields its page's DevTools websocket URL."""
    exe = need_chromium()
    port = free_port()
    profile = tempfile.mkdtemp(prefix="livechat-mcp-chromium-")
    # Its own process group: Chromium's helpers (zygote, crashpad) outlive the main process for a
    # moment and keep writing the profile, so they are stopped with it before it is removed.
    proc = subprocess.Popen(
        [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
         f"--user-data-dir={profile}", f"--remote-debugging-port={port}", "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                targets = httpx.get(f"http://127.0.0.1:{port}/json/list", timeout=2).json()
                page = next(t for t in targets if t.get("type") == "page")
                break
            except (httpx.HTTPError, StopIteration, ValueError):
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("chromium did not start") from None
                time.sleep(0.2)
        yield page["webSocketDebuggerUrl"]
    finally:
        stop_process(proc)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        _remove_profile(profile)


def _remove_profile(profile: str) -> None:
    """Remove the profile directory, retrying while a last helper process finishes writing it."""
    for _ in range(50):
        try:
            shutil.rmtree(profile)
            return
        except FileNotFoundError:
            return
        except OSError:
            time.sleep(0.1)
    shutil.rmtree(profile, ignore_errors=True)


class Page:
    """A minimal DevTools-protocol driver: send, evaluate, wait for a condition."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.next_id = 0

    async def send(self, method: str, **params: object) -> dict[str, Any]:
        self.next_id += 1
        my_id = self.next_id
        await self.ws.send(json.dumps({"id": my_id, "method": method, "params": params}))
        while True:
            message = json.loads(await self.ws.recv())
            if message.get("id") == my_id:
                if "error" in message:
                    raise RuntimeError(message["error"])
                return message.get("result", {})

    async def eval(self, expression: str) -> Any:
        result = await self.send("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError(result["exceptionDetails"].get("text"))
        return result.get("result", {}).get("value")

    async def wait_for(self, predicate: str, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if await self.eval(predicate):
                    return
            except RuntimeError:
                pass  # the document is being replaced
            await asyncio.sleep(0.1)
        raise AssertionError(f"timed out waiting for {predicate}; at {await self.eval('location.href')}")

    async def text(self) -> str:
        return str(await self.eval("document.body.innerText"))
