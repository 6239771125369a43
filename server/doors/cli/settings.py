"""Settings from the command line and the environment, shared by every subcommand that builds a runtime."""

from __future__ import annotations

import argparse
import math
import os
from typing import Any

from ...calls.runtime import Settings
from ...errors import ConfigError
from ...policies import Overrides, PolicyError
from ...policies.audience import Audience, DesktopClient, HttpServer, Terminal
from ...policies.loader import split_toolsets
from ..client_config import executable, server_args


def settings(args: argparse.Namespace) -> Settings:
    policy = getattr(args, "policy", None)
    if getattr(args, "read_only", False):
        # --read-only is the read-only preset by its other name; beside another --policy it would
        # be a guess which one the operator meant.
        if policy not in (None, "read-only"):
            raise PolicyError(f"--read-only and --policy {policy} name different policies; set only one")
        policy = "read-only"
    values: dict[str, Any] = {
        "sandbox": getattr(args, "sandbox", False),
        "policy": policy,
        "audit_log": getattr(args, "audit_log", None),
        "overrides": Overrides(
            allow_writes=getattr(args, "allow_writes", False),
            allow_destructive=getattr(args, "allow_destructive", False),
            dry_run=getattr(args, "dry_run", False),
            toolsets=split_toolsets(args.toolsets, "--toolsets") if hasattr(args, "toolsets") else None,
            discovery=getattr(args, "discovery", False),
            confirm=getattr(args, "confirm", None),
        ),
    }
    if hasattr(args, "timeout"):
        values["timeout"] = args.timeout
    if hasattr(args, "store"):
        values["store"] = args.store
    if hasattr(args, "rate_limit"):
        values["rate_limit"], values["rate_period"] = rate(args.rate_limit)
    found = Settings.from_env(os.environ, **values)
    if getattr(args, "seed", None):
        if not found.sandbox:
            raise ConfigError("--seed FILE loads a configuration into the built-in sandbox: add --sandbox "
                              "(or serve it on loopback: livechat-mcp sandbox --seed FILE)")
        found.sandbox_seed = sandbox_seed(args.seed)
    found.audience = audience(args, found.policy)
    return found


def sandbox_seed(path: str) -> Any:
    """The sandbox seed of a configuration document file (ConfigError naming what is wrong)."""
    from ...license_config.document import DocumentError, read_file
    from ...license_config.seed import seeder
    from ...sandbox.core import DEFAULT_CLIENT_ID

    try:
        doc = read_file(path)
    except DocumentError as exc:
        raise ConfigError(f"--seed {path}: {exc}") from None
    # The sandbox's own app owns what the document's app owned, so its token sees it as its own.
    return seeder(doc, DEFAULT_CLIENT_ID)


def audience(args: argparse.Namespace, policy: str | None) -> Audience:
    """Who reads this process's refusals: the person at the terminal (a CLI command), the person
    whose desktop client started the server over stdio (the flags are the ``args`` of its entry
    in the client's configuration), or whoever started an HTTP server. Hosted mode's people get
    theirs per sign-in (server/auth/principal.py)."""
    flags = tuple(server_args(args))
    # The policy in force, as the flags name it (a file's absolute path), or as LIVECHAT_MCP_POLICY does.
    policy_arg = flags[flags.index("--policy") + 1] if "--policy" in flags else policy
    if (args.command or "serve") != "serve":
        return Terminal(policy=policy_arg, args=flags)
    transport = getattr(args, "transport", None) or os.environ.get("LIVECHAT_MCP_TRANSPORT", "stdio")
    if transport == "http":
        return HttpServer(policy=policy_arg, args=("--transport", "http", *flags))
    return DesktopClient(policy=policy_arg, args=flags, command=tuple(executable()))


def rate(text: str) -> tuple[int, float]:
    """``REQUESTS/SECONDS`` (SECONDS defaults to 600); ConfigError unless both are above zero.

    Checked here, not left to TokenBucket / Sandbox, so a bad value is a one-line usage error
    (exit 2) for every subcommand instead of a traceback or a sandbox refusing every request.
    """
    problem = ConfigError(f"--rate-limit {text!r}: use REQUESTS/SECONDS with both above zero, e.g. 1000/600")
    try:
        count_text, _, period_text = str(text).partition("/")
        count, period = int(count_text), float(period_text or 600)
    except ValueError:
        raise problem from None
    if count < 1 or not (math.isfinite(period) and period > 0):
        raise problem
    return count, period
