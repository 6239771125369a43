"""Settings from the command line and the environment, shared by every subcommand that builds a runtime."""

from __future__ import annotations

import argparse
import math
import os
from typing import Any

from ...calls.runtime import Settings
from ...errors import ConfigError
from ...policies import Overrides, PolicyError
from ...policies.loader import split_toolsets


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
