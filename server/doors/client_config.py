"""`livechat-mcp config CLIENT`: a ready MCP client entry for this installation.

A desktop app (Claude Desktop, Cursor, VS Code) starts servers with its own PATH, which does not
include the virtual environment this server was installed into: an entry that says
``"command": "livechat-mcp"`` fails there. The entry printed here names the executable by its
absolute path, and carries the server flags given, with file paths made absolute too (the app's
working directory is not this one). Credentials are never copied from this shell: a real-license
entry gets placeholders to replace (VS Code prompts for the secret instead).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path
from typing import Any

CLIENTS = ("claude", "cursor", "vscode")

WHERE = {
    "claude": "Claude Desktop: Settings > Developer > Edit config (claude_desktop_config.json); merge the "
              "entry into \"mcpServers\" and restart the app",
    "cursor": "Cursor: ~/.cursor/mcp.json (all projects) or .cursor/mcp.json (this project); merge into \"mcpServers\"",
    "vscode": "VS Code: .vscode/mcp.json (or the user mcp.json via 'MCP: Open User Configuration'); merge "
              "\"servers\" and \"inputs\"",
}

# Server flags carried into the entry: (dest, flag, takes a value, is a path).
_FLAGS = (
    ("sandbox", "--sandbox", False, False),
    ("policy", "--policy", True, True),
    ("read_only", "--read-only", False, False),
    ("allow_writes", "--allow-writes", False, False),
    ("allow_destructive", "--allow-destructive", False, False),
    ("dry_run", "--dry-run", False, False),
    ("confirm", "--confirm", True, False),
    ("toolsets", "--toolsets", True, False),
    ("discovery", "--discovery", False, False),
    ("audit_log", "--audit-log", True, True),
    ("timeout", "--timeout", True, False),
    ("rate_limit", "--rate-limit", True, False),
    ("store", "--store", True, False),
)


def executable() -> list[str]:
    """The absolute command that starts this installation's server. Run by ``uvx`` (an environment
    in uv's cache, which uv may clean away), the entry runs ``uvx livechat-mcp`` instead, by uvx's
    absolute path (a desktop app's PATH rarely holds it)."""
    uvx = shutil.which("uvx")
    if uvx and Path(sys.prefix).parent.name.startswith("archive-v"):  # uv's cache: <cache>/archive-vN/<hash>
        return [str(Path(uvx).absolute()), "livechat-mcp"]
    script = Path(sys.argv[0])
    if script.name == "livechat-mcp" and script.is_file():
        return [str(script.absolute())]
    beside = Path(sys.executable).parent / "livechat-mcp"
    if beside.is_file():
        return [str(beside)]
    found = shutil.which("livechat-mcp")
    if found:
        return [str(Path(found).absolute())]
    return [sys.executable, "-m", "server.doors.cli"]  # e.g. run as python -m server.doors.cli


def server_args(args: argparse.Namespace) -> list[str]:
    out: list[str] = []
    for dest, flag, takes_value, is_path in _FLAGS:
        if not hasattr(args, dest) or getattr(args, dest) in (None, False):
            continue
        value = getattr(args, dest)
        if not takes_value:
            out.append(flag)
            continue
        text = str(value)
        if is_path and text != "-" and (os.sep in text or Path(text).suffix or Path(text).exists()):
            text = str(Path(text).expanduser().absolute())  # a preset name (read-only, ...) stays as is
        out += [flag, text]
    return out


def entry(client: str, args: argparse.Namespace, name: str = "livechat") -> dict[str, Any]:
    command, *prefix = executable()
    argv = [*prefix, *server_args(args)]
    sandbox = bool(getattr(args, "sandbox", False))
    server: dict[str, Any] = {"command": command, "args": argv}
    if client == "vscode":
        server = {"type": "stdio", **server}
        inputs: list[dict[str, Any]] = []
        if not sandbox:
            server["env"] = {"LIVECHAT_ACCOUNT_ID": "${input:livechat-account-id}",
                             "LIVECHAT_PAT": "${input:livechat-pat}"}
            inputs = [
                {"type": "promptString", "id": "livechat-account-id", "description": "LiveChat account ID"},
                {"type": "promptString", "id": "livechat-pat", "description": "LiveChat Personal Access Token",
                 "password": True},
            ]
        return {"servers": {name: server}, **({"inputs": inputs} if inputs else {})}
    if not sandbox:
        server["env"] = {"LIVECHAT_ACCOUNT_ID": "<your account id>", "LIVECHAT_PAT": "<your personal access token>"}
    return {"mcpServers": {name: server}}
