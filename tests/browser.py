"""Headless Chromium for the tests, driven by Playwright for Python.

One Chromium per test session (the ``chromium`` fixture in conftest.py), launched from the Debian
package (``/usr/bin/chromium``; .ci/run installs it): Playwright's wheel brings its driver, and no
browser is ever downloaded (never ``playwright install``). In CI (CI=true) a missing Chromium fails
the test instead of skipping it.

Playwright's async API runs on an event loop of its own thread, so that a browser test may still
call ``asyncio.run`` (to plan through the real server, say) and the suite's anyio tests keep their
own loops (the sync API would hold a running loop in the main thread for the whole session). A test
writes its scenario as ``async def scenario(page)`` with locators and auto-waiting ``expect``, and
runs it with the ``browse`` fixture: each run gets a fresh context (no cookies, storage or cache
from another test) and page; when the scenario fails, a full-page screenshot and a Playwright trace
(``playwright show-trace FILE``) are kept in ARTIFACTS, named after the test.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import threading
from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

import pytest
from playwright.async_api import Browser, Page, Playwright, async_playwright

T = TypeVar("T")

# As the machine's own headless checks start it: as root without Chromium's sandbox, and without
# the background networking (updates, sync, QUIC) that this machine's closed network refuses.
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
# Kept after the run (gitignored) so a failure can be looked at; one screenshot and trace per failed
# scenario. LIVECHAT_MCP_TEST_ARTIFACTS moves the root of the tests' artifacts.
ARTIFACTS = Path(os.environ.get("LIVECHAT_MCP_TEST_ARTIFACTS")
                 or Path(__file__).resolve().parent.parent / "test-artifacts") / "browser"
# How long one scenario may take in all: Playwright's own waits (30 s each by default) fail first.
SCENARIO_TIMEOUT = 300


def need_chromium() -> str:
    """The Chromium executable; missing, the test fails in CI (CI=true) and is skipped elsewhere."""
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("chromium is not installed (apt-get install -y chromium; .ci/run does it)")
        pytest.skip("chromium is not installed (apt-get install -y chromium)")
    return exe


class Chromium:
    """One headless Chromium and the Playwright driver, on an event loop in a thread of their own."""

    def __init__(self, executable: str) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="playwright", daemon=True)
        self.thread.start()
        self.playwright: Playwright | None = None
        self.browser: Browser | None = None
        try:
            self.call(self._start(executable))
        except BaseException:
            self.close()
            raise

    async def _start(self, executable: str) -> None:
        self.playwright = await async_playwright().start()
        self.browser = await self.playwright.chromium.launch(executable_path=executable, args=FLAGS)

    def call(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run a coroutine on the browser's loop and wait for its result (or its exception)."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout=SCENARIO_TIMEOUT)

    def run(self, scenario: Callable[[Page], Awaitable[T]], name: str, **context: Any) -> T:
        """``scenario(page)`` in a fresh context (``context``: Playwright's new_context options,
        e.g. ``viewport``); on failure, its screenshot and trace are kept as ``ARTIFACTS/name.*``."""
        return self.call(self._run(scenario, name, context))

    async def _run(self, scenario: Callable[[Page], Awaitable[T]], name: str, options: dict[str, Any]) -> T:
        assert self.browser is not None
        context = await self.browser.new_context(**options)
        await context.tracing.start(screenshots=True, snapshots=True)
        page = await context.new_page()
        try:
            result = await scenario(page)
        except BaseException:
            await self._keep(page, name)
            raise
        else:
            await context.tracing.stop()
            return result
        finally:
            await context.close()

    async def _keep(self, page: Page, name: str) -> None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        stem = re.sub(r"[^\w.-]+", "_", name)
        shot, trace = ARTIFACTS / f"{stem}.png", ARTIFACTS / f"{stem}.trace.zip"
        try:
            await page.screenshot(path=shot, full_page=True)
        except Exception:  # the page may be gone (a crash, a closed target): the trace still tells
            shot = None  # type: ignore[assignment]
        await page.context.tracing.stop(path=trace)
        print(f"\nbrowser artifacts kept: {trace}" + (f" and {shot}" if shot else ""))

    def close(self) -> None:
        async def stop() -> None:
            if self.browser is not None:
                await self.browser.close()
            if self.playwright is not None:
                await self.playwright.stop()

        if self.thread.is_alive():
            try:
                self.call(stop())
            finally:
                self.loop.call_soon_threadsafe(self.loop.stop)
                self.thread.join(timeout=30)
        self.loop.close()
