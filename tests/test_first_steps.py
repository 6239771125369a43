"""First steps that never stall (issue 24, item 6), tried as a new user would on a clean machine:
no LiveChat credentials, an empty HOME, nothing in the environment but PATH.

- `tools`, `policy`, `config` and `plans list/show/export` run without credentials and say what a
  real license would change;
- `--read-only` is accepted (the read-only preset by its other name);
- the start-up line is one short line (`--verbose` adds the details);
- without credentials a command that needs them shows the two ways forward in three lines, in the
  words of whoever started it (a person at a terminal, a desktop app's server entry).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from mcp import Client, StdioServerParameters

from server.doors.cli import main

ROOT = Path(__file__).resolve().parent.parent
EXE = str(Path(sys.executable).parent / "livechat-mcp")


@pytest.fixture
def clean(tmp_path: Path) -> dict[str, str]:
    """A clean environment: PATH only (no LIVECHAT_*, no XDG dirs), HOME an empty folder."""
    home = tmp_path / "home"
    home.mkdir()
    return {"PATH": "/usr/bin:/bin", "HOME": str(home)}


def run(env: dict[str, str], *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([EXE, *args], env=env, cwd=cwd, stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, timeout=120)


def ok(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    done = run(env, *args)
    assert done.returncode == 0, (args, done.stderr)
    assert "Traceback" not in done.stderr, done.stderr
    return done


def test_each_first_step_runs_without_credentials_in_a_clean_environment(clean: dict[str, str]):
    assert ok(clean, "--version").stdout.startswith("livechat-mcp ")

    tools = ok(clean, "tools")
    assert "list_agents" in tools.stdout and "create_agent" not in tools.stdout  # read-only by default
    assert tools.stdout.splitlines()[0].endswith("on api.livechatinc.com (no credentials)")
    # What a real license would change: its token's scopes hide tools; calling needs a credential.
    assert "no credentials" in tools.stderr and "scopes" in tools.stderr and "LIVECHAT_PAT" in tools.stderr
    listed = json.loads(ok(clean, "tools", "--json").stdout)  # --json stays JSON: the note is on stderr
    assert {t["name"] for t in listed} >= {"list_agents", "whoami"}

    policy = ok(clean, "policy")
    assert "mode: read-only" in policy.stdout and "no credentials; with a real license" in policy.stdout
    report = json.loads(ok(clean, "policy", "--json").stdout)
    assert report["scopes_in_force"] is None and "real license" in report["scopes_source"]

    for client in ("claude", "cursor", "vscode"):
        entry = json.loads(ok(clean, "config", client).stdout)
        assert entry, client

    listed_plans = ok(clean, "plans", "list")
    assert listed_plans.stdout == "" and "applying one needs the license's credentials" in listed_plans.stderr


@pytest.mark.anyio
async def test_stored_plans_are_listed_shown_and_exported_without_credentials(clean: dict[str, str]):
    """A plan made on the sandbox into the user's default store is read back with no credential."""
    # The user's state file (sqlite://), as a real license's server would keep it.
    params = StdioServerParameters(command=EXE, args=["--sandbox", "--dry-run", "--store", "sqlite://"], env=clean)
    async with Client(params) as client:
        await client.call_tool("create_tag", {"name": "first-steps", "group_ids": [0]})
        plan = await client.call_tool("get_plan", {})
    plan_id = json.loads(plan.content[0].text)["plan_id"]

    listed = ok(clean, "plans", "list")  # no --sandbox, no credential, the default store
    assert plan_id in listed.stdout and '{"create_tag": 1}' in listed.stdout
    shown = json.loads(ok(clean, "plans", "show", plan_id).stdout)
    assert [s["body"]["name"] for s in shown["steps"]] == ["first-steps"]
    exported = json.loads(ok(clean, "plans", "export", plan_id).stdout)
    assert exported["mac"] == shown["mac"]
    # Applying sends: that one needs the license, and says so.
    applied = run(clean, "plans", "apply", plan_id, "--allow-writes")
    assert applied.returncode == 2 and "--sandbox" in applied.stderr and "LIVECHAT_PAT" in applied.stderr


@pytest.fixture
def here(monkeypatch: pytest.MonkeyPatch, clean: dict[str, str], capsys: pytest.CaptureFixture[str]) -> Any:
    """``here(*args) -> (code, stdout, stderr)``: the CLI in this process (faster than a new one),
    with the clean environment's credentials: none."""
    for name in [n for n in os.environ if n.startswith("LIVECHAT_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", clean["HOME"])

    def run_here(*args: str) -> tuple[int, str, str]:
        code = main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return run_here


def test_read_only_is_the_read_only_preset(here: Any):
    code, flag, _ = here("tools", "--json", "--read-only", "--sandbox")
    _, preset, _ = here("tools", "--json", "--policy", "read-only", "--sandbox")
    assert code == 0 and json.loads(flag) == json.loads(preset)
    assert all(t["access"] == "read" for t in json.loads(flag))
    assert "preset read-only" in here("policy", "--read-only")[1]
    assert here("tools", "--read-only", "--policy", "read-only")[0] == 0  # the same policy twice is one policy
    # It cannot be widened, and it does not quietly replace another policy.
    code, _, err = here("tools", "--read-only", "--allow-writes")
    assert code == 2 and "--allow-writes" in err
    code, _, err = here("tools", "--read-only", "--policy", "dry-run")
    assert code == 2 and "name different policies" in err
    code, out, _ = here("config", "claude", "--read-only", "--sandbox")
    assert json.loads(out)["mcpServers"]["livechat"]["args"] == ["--sandbox", "--read-only"]


def test_the_start_up_line_is_one_short_line_and_verbose_adds_the_details(clean: dict[str, str]):
    quiet = ok(clean, "--sandbox")  # stdin is empty: it starts, announces and leaves
    lines = quiet.stderr.splitlines()
    assert len(lines) == 1 and len(lines[0]) <= 100, lines
    assert lines[0].startswith("livechat-mcp ") and "tools, read-only, on the built-in sandbox" in lines[0]
    verbose = ok(clean, "--sandbox", "--verbose").stderr.splitlines()
    assert verbose[0] == lines[0]
    details = "\n".join(verbose[1:])
    # The sandbox's plans are kept in the default store like any mode's (review now, apply later).
    home_store = f"store: sqlite://{clean['HOME']}/.local/state/livechat-mcp/state.db"
    for what in ("upstream:", "policy:", "scopes:", home_store, "audit log:", "metrics: off", "traces: off"):
        assert what in details, what


def test_without_credentials_a_command_shows_the_two_ways_forward_in_three_lines(clean: dict[str, str]):
    at_terminal = run(clean, "call", "list_tags", "{}")
    lines = at_terminal.stderr.strip().splitlines()
    assert at_terminal.returncode == 2 and len(lines) == 3, lines
    assert "livechat-mcp call list_tags '{}' --sandbox" in lines[1]  # the same command, on the sandbox
    assert "LIVECHAT_ACCESS_TOKEN" in lines[2] and "LIVECHAT_PAT" in lines[2]
    # A server a desktop app started (stdin a pipe): the fix is in the app's entry for it.
    from_app = run(clean)
    lines = from_app.stderr.strip().splitlines()
    assert from_app.returncode == 2 and len(lines) == 3, lines
    assert '"--sandbox"' in lines[1] and '"args"' in lines[1]
    assert "LIVECHAT_ACCESS_TOKEN" in lines[2] and '"env"' in lines[2]
    assert all(len(line) <= 120 for line in lines)
