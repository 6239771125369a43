"""Generates docs/conformance.md from the tests: each test's ``conformance`` marks say which cells it
backs (tests/conftest.py writes them during a --collect-only run), and server/sandbox/conformance.py
renders the table from them with its notes.

    python tests/conformance_table.py > docs/conformance.md
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from server.sandbox.conformance import GLOBAL, Coverage, render  # noqa: E402


def marked_files() -> list[Path]:
    """The test files holding conformance marks (directly or through conftest's ``cells``), and
    those the global rules name."""
    named = {test.split("::")[0] for rule in GLOBAL for test in rule.tests}
    return sorted(p for p in (ROOT / "tests").glob("test_*.py")
                  if p.name in named or re.search(r"conformance|\bcells\(", p.read_text()))


def collect() -> dict[str, Any]:
    """The marks of every collected test, and the names of every collected test."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "cells.json"
        env = {**os.environ, "LIVECHAT_MCP_CONFORMANCE_OUT": str(out)}
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
             *[str(p.relative_to(ROOT)) for p in marked_files()]],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
        if done.returncode != 0 or not out.exists():
            raise RuntimeError(f"collecting the tests failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
        data: dict[str, Any] = json.loads(out.read_text())
        return data


def coverage(data: dict[str, Any]) -> Coverage:
    cells: dict[tuple[str, str], list[str]] = {}
    for mark in data["cells"]:
        for action in mark["actions"]:
            tests = cells.setdefault((action, mark["column"]), [])
            if mark["test"] not in tests:
                tests.append(mark["test"])
    return cells


def document(data: dict[str, Any] | None = None) -> str:
    return render(coverage(data if data is not None else collect()))


if __name__ == "__main__":
    print(document(), end="")
