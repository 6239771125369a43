"""Lint, strict types and the import contracts hold (pyproject.toml's [tool.ruff], [tool.mypy] and
[tool.importlinter]), and CI checks them.

.ci/run runs ``ruff check server tests``, ``mypy server`` and ``lint-imports`` before the README's
test command, so a regression fails CI in seconds; these tests run the same commands, so it fails
the README's test command too. The three come with the ``test`` extra: a missing one fails, never
skips. (tests/test_imports.py shows the import check failing on a deliberately added import.)
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHECKS = [["ruff", "check", "server", "tests"], ["mypy", "server"], ["lint-imports"]]


def _argv(command: list[str]) -> list[str]:
    if command[0] == "lint-imports":  # a console script only (no ``python -m``): the one beside this Python
        return [str(Path(sys.executable).parent / command[0]), *command[1:]]
    return [sys.executable, "-m", *command]


@pytest.mark.parametrize("command", CHECKS, ids=[c[0] for c in CHECKS])
def test_lint_and_types_are_clean(command: list[str]) -> None:
    run = subprocess.run(_argv(command), cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, f"`{' '.join(command)}` failed:\n{run.stdout}{run.stderr}"


def test_ci_runs_the_checks_before_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text().splitlines()
    test_command = next(line for line in readme if line.startswith("python3 -m venv") and "pytest" in line)
    script = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    assert test_command in script, "the README's test command must be what .ci/run runs, exactly"
    last = script.index(test_command)
    for command in CHECKS:
        assert " ".join(command) in script[:last], f".ci/run must run `{' '.join(command)}` before the tests"
    assert script[0] == "#!/usr/bin/env bash" and "set -euo pipefail" in script  # a failing check stops CI
