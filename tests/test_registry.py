"""server.json, the MCP Registry entry (issue 24, item 3): the PyPI package with its arguments and
environment variables, and the remote shape of a hosted deployment, kept in sync with the CLI: it
names every environment variable the server reads and no other, and every flag of ``serve`` is an
argument there or reaches the server through one of those variables."""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tomllib

import server
from server.doors.cli import parser
from shipping import ROOT, script

generator = script("server_json")
ENTRY = json.loads((ROOT / "server.json").read_text())
PACKAGE = ENTRY["packages"][0]
VARIABLES = {v["name"]: v for v in PACKAGE["environmentVariables"]}


def read_by_the_server() -> set[str]:
    """Every environment variable the server reads: each one is named by a string literal."""
    return {name for path in (ROOT / "server").rglob("*.py")
            for name in re.findall(r"[\"']((?:LIVECHAT|OTEL)_[A-Z_]*[A-Z])[\"']", path.read_text())}


def serve_flags() -> dict[str, argparse.Action]:
    """The flags of `livechat-mcp [FLAGS]` (serving is the default command): what a registry client passes."""
    return {opt: action for action in parser()._actions for opt in action.option_strings if opt.startswith("--")}


def test_server_json_is_what_the_generator_writes():
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "server_json.py"), "--check"], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr  # else: python scripts/server_json.py


def test_it_names_every_environment_variable_the_server_reads_and_no_other():
    assert set(VARIABLES) == read_by_the_server()


def test_secrets_are_marked_secret_and_values_typed():
    for name, v in VARIABLES.items():
        if re.search(r"(TOKEN|_PAT|SECRET|_KEY)$", name):
            assert v.get("isSecret") is True, name
        assert v["description"] and "`" not in v["description"] and "](" not in v["description"], name
    assert VARIABLES["LIVECHAT_MCP_SANDBOX"]["format"] == "boolean"
    assert VARIABLES["LIVECHAT_MCP_PORT"]["format"] == "number"
    assert VARIABLES["LIVECHAT_MCP_AUDIT_LOG"]["format"] == "filepath"


def test_every_serve_flag_is_an_argument_or_reaches_the_server_through_a_listed_variable():
    flags = serve_flags()
    arguments = {a["name"]: a for a in PACKAGE["packageArguments"]}
    for flag, action in flags.items():
        if flag in generator.NOT_LISTED:
            continue
        if flag in arguments:
            assert action.nargs != 0, f"{flag} takes no value"  # a named argument is `--flag value`
            continue
        assert flag in generator.FLAG_ENV, f"{flag} is neither an argument nor a variable in server.json"
        variable = VARIABLES[generator.FLAG_ENV[flag]]
        if action.choices:  # the variable offers what the flag accepts
            assert variable.get("choices") == list(action.choices), flag
    # And nothing is listed that the CLI does not have.
    assert set(arguments) | set(generator.FLAG_ENV) | set(generator.NOT_LISTED) <= set(flags)
    for name, argument in arguments.items():
        assert argument["type"] == "named" and flags[name].option_strings == [name]


def test_the_entry_describes_this_package_and_a_hosted_deployment():
    assert re.fullmatch(r"[a-zA-Z0-9.-]+/[a-zA-Z0-9._-]+", ENTRY["name"]) and ENTRY["name"].startswith("io.github.")
    assert ENTRY["$schema"].endswith("/2025-12-11/server.schema.json")
    assert 0 < len(ENTRY["description"]) <= 100
    assert ENTRY["version"] == PACKAGE["version"] == server.__version__
    urls = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["urls"]
    assert ENTRY["repository"] == {"url": urls["Repository"], "source": "github"}
    assert ENTRY["repository"]["url"].removeprefix("https://github.com/").replace("/", "") in \
        ENTRY["name"].removeprefix("io.github.").replace("/", "")  # the namespace is the repository's owner
    assert (PACKAGE["registryType"], PACKAGE["identifier"], PACKAGE["runtimeHint"], PACKAGE["transport"]) == \
        ("pypi", "livechat-mcp", "uvx", {"type": "stdio"})
    (remote,) = ENTRY["remotes"]
    assert remote["type"] == "streamable-http" and remote["url"] == "https://{host}/mcp"
    assert remote["variables"]["host"]["isRequired"] is True
    assert [h["name"] for h in remote["headers"]] == ["Authorization"] and remote["headers"][0]["isSecret"] is True
