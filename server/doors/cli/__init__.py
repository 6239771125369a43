"""`livechat-mcp`: serve over stdio or HTTP, list tools, call one, show the policy, apply a plan,
or run the sandbox on loopback. One module per subcommand; `main` parses and dispatches."""

from __future__ import annotations

from .main import main
from .options import parser

__all__ = ["main", "parser"]
