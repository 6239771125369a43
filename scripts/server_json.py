"""server.json, this server's entry in the MCP Registry (schema 2025-12-11), written from the sources
it describes so that it cannot drift from them:

- the package: PyPI ``livechat-mcp`` at the version in server/__init__.py, run with ``uvx``;
- its environment variables: every row of the table in docs/command-line.md (the guide a test
  already holds to every variable the server reads), with the meaning given there;
- its arguments: the ``serve`` flags that take a value and have no environment variable;
- the remote shape of a hosted deployment: ``https://{host}/mcp`` (streamable HTTP), signed in with
  LiveChat (``--oauth``) or with an operator's bearer token.

    python scripts/server_json.py          # rewrite server.json
    python scripts/server_json.py --check  # exit 1 when server.json is not what this writes

tests/test_registry.py checks that the file is current, that it names every environment variable
the server reads and no other, and that every flag of ``serve`` is either an argument here or
reaches the server through a variable named here.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tomllib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = "https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json"
NAME = "io.github.livechat-mcp/livechat-mcp"  # the README carries it as the PyPI ownership marker (mcp-name)
TITLE = "LiveChat Configuration"
DESCRIPTION = "Safe, typed access to the LiveChat Configuration API: agents, bots, groups, tags, webhooks"

# Each serve flag that has an environment variable: the registry's clients set variables, which
# also keeps secrets out of command lines. tests/test_registry.py holds the CLI to this.
FLAG_ENV = {
    "--sandbox": "LIVECHAT_MCP_SANDBOX",
    "--policy": "LIVECHAT_MCP_POLICY",
    "--read-only": "LIVECHAT_MCP_POLICY",  # LIVECHAT_MCP_POLICY=read-only
    "--allow-writes": "LIVECHAT_MCP_ALLOW_WRITES",
    "--allow-destructive": "LIVECHAT_MCP_ALLOW_DESTRUCTIVE",
    "--dry-run": "LIVECHAT_MCP_DRY_RUN",
    "--toolsets": "LIVECHAT_MCP_TOOLSETS",
    "--discovery": "LIVECHAT_MCP_DISCOVERY",
    "--confirm": "LIVECHAT_MCP_CONFIRM",
    "--audit-log": "LIVECHAT_MCP_AUDIT_LOG",
    "--store": "LIVECHAT_MCP_STORE",
    "--transport": "LIVECHAT_MCP_TRANSPORT",
    "--host": "LIVECHAT_MCP_HOST",
    "--port": "LIVECHAT_MCP_PORT",
    "--metrics": "LIVECHAT_MCP_METRICS",
}
# Serve flags a registry client never passes, and why.
NOT_LISTED = {
    "--insecure-no-auth": "serving HTTP beyond loopback to anyone: never a default an installer offers",
    "--oauth": "hosted mode, described by the remote entry rather than by a local package",
    "--verbose": "only what the start-up line shows",
    "--help": "prints and exits",
    "--version": "prints and exits",
}
# Flags with a value and no variable: passed as arguments.
ARGUMENTS = [
    {"type": "named", "name": "--timeout", "description": "Seconds to wait for each request to LiveChat",
     "format": "number", "default": "15", "isRequired": False},
    {"type": "named", "name": "--rate-limit", "description": "This server's own request budget per license, as "
     "REQUESTS/SECONDS (LiveChat allows 1000 per 600 s, shared by every integration)", "default": "1000/600",
     "isRequired": False},
    {"type": "named", "name": "--seed", "description": "With LIVECHAT_MCP_SANDBOX: the sandbox starts holding this "
     "configuration document (from livechat-mcp export)", "format": "filepath", "isRequired": False},
]

SECRET = re.compile(r"(TOKEN|_PAT|SECRET|_KEY)$")
BOOLEAN = {"LIVECHAT_MCP_SANDBOX", "LIVECHAT_MCP_ALLOW_WRITES", "LIVECHAT_MCP_ALLOW_DESTRUCTIVE",
           "LIVECHAT_MCP_DRY_RUN", "LIVECHAT_MCP_DISCOVERY", "LIVECHAT_MCP_METRICS", "OTEL_SDK_DISABLED"}
NUMBER = {"LIVECHAT_MCP_PORT", "LIVECHAT_OAUTH_ACCESS_TTL", "LIVECHAT_OAUTH_REFRESH_TTL",
          "LIVECHAT_MCP_MAX_CONNECTIONS", "LIVECHAT_MCP_HEADER_TIMEOUT", "LIVECHAT_MCP_BODY_TIMEOUT",
          "LIVECHAT_MCP_KEEP_ALIVE_TIMEOUT", "LIVECHAT_MCP_MAX_HEADER_BYTES", "LIVECHAT_MCP_BACKLOG"}
FILEPATH = {"LIVECHAT_MCP_AUDIT_LOG", "LIVECHAT_MCP_STORE_KEY_FILE"}
# A Redis URL may carry a password; a policy name is no secret but the store URL is treated as one.
ALSO_SECRET = {"LIVECHAT_MCP_STORE"}
CHOICES = {
    "LIVECHAT_REGION": ["dal", "fra"],
    "LIVECHAT_MCP_CONFIRM": ["never", "destructive", "writes"],
    "LIVECHAT_MCP_TRANSPORT": ["stdio", "http"],
    "LIVECHAT_MCP_SCHEMA_CACHE": ["on", "off"],
}
DEFAULTS = {
    "LIVECHAT_API_URL": "https://api.livechatinc.com",
    "LIVECHAT_ACCOUNTS_URL": "https://accounts.livechat.com",
    "LIVECHAT_MCP_POLICY": "read-only",
    "LIVECHAT_MCP_TRANSPORT": "stdio",
    "LIVECHAT_MCP_HOST": "127.0.0.1",
    "LIVECHAT_MCP_PORT": "8000",
    "LIVECHAT_MCP_CONFIRM": "never",
    "LIVECHAT_MCP_STORE_NAMESPACE": "livechat-mcp",
    "LIVECHAT_MCP_SANDBOX": "false",
    "LIVECHAT_MCP_METRICS": "false",
}


def version() -> str:
    found = re.search(r'^__version__ = "([^"]+)"', (ROOT / "server" / "__init__.py").read_text(), re.MULTILINE)
    if not found:
        raise SystemExit("server/__init__.py has no __version__")
    return found.group(1)


def plain(markdown: str) -> str:
    """A table cell as plain text: links become their words, code marks go."""
    text = re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", markdown)
    text = text.replace("`", "").replace("\\|", "|")
    return re.sub(r"\s+\(\s*\)", "", re.sub(r"\s+", " ", text)).strip()


def documented() -> dict[str, str]:
    """Each variable in docs/command-line.md's table, with the meaning its row gives."""
    guide = (ROOT / "docs" / "command-line.md").read_text().split("## Environment variables", 1)[1]
    out: dict[str, str] = {}
    for line in guide.splitlines():
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
        if len(cells) != 2 or cells[0] in ("Variable", "---"):
            continue
        names = re.findall(r"`((?:LIVECHAT|OTEL)_[A-Z_]+)`", cells[0])
        flags = {v: k for k, v in reversed(FLAG_ENV.items())}  # a variable's own flag (the first that sets it)
        for name in names:
            meaning = plain(cells[1])
            if len(names) > 1 and name in flags and flags[name] not in meaning:
                meaning = f"{meaning} ({flags[name]})"  # a row shared by several: which flag this one is
            out.setdefault(name, meaning)
    return out


def variable(name: str, meaning: str) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": name, "description": meaning, "isRequired": False}
    if SECRET.search(name) or name in ALSO_SECRET:
        entry["isSecret"] = True
    if name in BOOLEAN:
        entry["format"] = "boolean"
    elif name in NUMBER:
        entry["format"] = "number"
    elif name in FILEPATH:
        entry["format"] = "filepath"
    if name in CHOICES:
        entry["choices"] = CHOICES[name]
    if name in DEFAULTS:
        entry["default"] = DEFAULTS[name]
    return entry


def server_json() -> dict[str, Any]:
    urls = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["urls"]
    v = version()
    return {
        "$schema": SCHEMA,
        "name": NAME,
        "title": TITLE,
        "description": DESCRIPTION,
        "version": v,
        "websiteUrl": urls["Homepage"],
        "repository": {"url": urls["Repository"], "source": "github"},
        "packages": [{
            "registryType": "pypi",
            "registryBaseUrl": "https://pypi.org",
            "identifier": "livechat-mcp",
            "version": v,
            "runtimeHint": "uvx",
            "transport": {"type": "stdio"},
            "packageArguments": ARGUMENTS,
            "environmentVariables": [variable(n, m) for n, m in sorted(documented().items())],
        }],
        "remotes": [{
            "type": "streamable-http",
            "url": "https://{host}/mcp",
            "variables": {"host": {"description": "Your deployment's host name (LIVECHAT_MCP_PUBLIC_URL without "
                                   "https://), e.g. mcp.example.com", "isRequired": True}},
            "headers": [{"name": "Authorization", "description": "Only for a deployment with a shared bearer token "
                         "(LIVECHAT_MCP_AUTH_TOKEN): Bearer <that token>. A hosted deployment (--oauth) signs each "
                         "person in with LiveChat instead and needs no header.", "isRequired": False,
                         "isSecret": True}],
        }],
    }


def text() -> str:
    return json.dumps(server_json(), indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if server.json is out of date")
    args = parser.parse_args(argv)
    path = ROOT / "server.json"
    if args.check:
        if not path.exists() or path.read_text() != text():
            print("server.json is out of date: run python scripts/server_json.py", file=sys.stderr)
            return 1
        return 0
    path.write_text(text())
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
