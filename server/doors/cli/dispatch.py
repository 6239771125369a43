"""What `livechat-mcp` runs (server/doors/cli/main.py is the entry point): parse, build the
runtime, run the subcommand, map known errors to a one-line message (exit 2)."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import anyio

from ...calls.runtime import build_runtime
from ...errors import ConfigError, MissingCredentials
from ...observe import NOBODY
from ...policies import PolicyError
from ...store import StoreUnavailable
from ...store.crypto import SealError

# The subcommands are imported by the branch that runs them: a server's start (`serve`, what
# every MCP client spawns) loads neither the configuration-as-code commands nor the plan CLI.
from . import serve
from .base import fail, missing_credentials
from .options import parser
from .settings import settings

if TYPE_CHECKING:
    from ...telemetry import MetricsSettings, Telemetry


def dispatch(argv: Sequence[str] | None, *, bundle: bool, started: Callable[[], None]) -> int:
    """``started``: called once the runtime is built, before the command runs (see main.py)."""
    args = parser().parse_args(argv)
    command = args.command or "serve"
    try:
        if command == "sandbox":
            from . import sandbox

            started()
            return sandbox.run(args)
        if command == "config":
            from . import config

            started()
            return config.run(args)
        return anyio.run(run_command, command, args, started)
    except MissingCredentials:
        return fail(missing_credentials(args, sys.argv[1:] if argv is None else list(argv), bundle=bundle))
    except (ConfigError, PolicyError, StoreUnavailable, SealError) as exc:
        return fail(str(exc))
    except BrokenPipeError:
        # stdout closed early (`livechat-mcp export | head`): stop quietly, as a Unix filter does.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except KeyboardInterrupt:
        if command == "serve":
            # stdio reads stdin in a worker thread that a signal cannot wake; the interpreter
            # would wait for it at exit, so Ctrl-C on a terminal would hang. Nothing is pending
            # here (audit lines are flushed as written): leave at once.
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(130)
        return 130


# What runs without LiveChat credentials: what reads only this machine (the policy, the tools it
# allows, stored plans). A newcomer's first commands must not stall on a license they do not have
# yet; each says what a real license would change.
LOCAL_COMMANDS = frozenset({"tools", "policy"})
LOCAL_PLANS_COMMANDS = frozenset({"list", "show", "export"})


def needs_credentials(command: str, args: argparse.Namespace) -> bool:
    if command in LOCAL_COMMANDS:
        return False
    return not (command == "plans" and args.plans_command in LOCAL_PLANS_COMMANDS)


async def run_command(command: str, args: argparse.Namespace, started: Callable[[], None]) -> int:
    # Metrics and traces (server/telemetry): checked and built before the runtime, so that a
    # setting that cannot be served safely refuses to start before anything else does.
    from ... import telemetry

    endpoint = serve.endpoint(args) if command == "serve" else None
    metrics = telemetry.MetricsSettings.from_env(
        os.environ, flag=getattr(args, "metrics", False), host=endpoint.host if endpoint else None,
        loopback=endpoint.loopback if endpoint else True)
    observer = telemetry.build(os.environ, metrics)
    try:
        return await run_observed(command, args, observer, metrics, started)
    finally:
        if observer is not None:
            observer.close()  # queued spans are sent now


async def run_observed(command: str, args: argparse.Namespace, observer: Telemetry | None,
                       metrics: MetricsSettings, started: Callable[[], None]) -> int:
    if getattr(args, "oauth", False):
        if command != "serve" or (getattr(args, "transport", None) or os.environ.get("LIVECHAT_MCP_TRANSPORT")) != "http":
            return fail("--oauth is for serving over HTTP: livechat-mcp --transport http --oauth")
        from ..hosted import build_hosted_runtime

        runtime = await build_hosted_runtime(settings(args), os.environ, observer or NOBODY)
    else:
        runtime = await build_runtime(settings(args), os.environ, need_credentials=needs_credentials(command, args),
                                      observer=observer or NOBODY)
    started()
    try:
        if command == "serve":
            return await serve.run(runtime, args, observer, metrics)
        if command == "tools":
            from . import tools

            return tools.run(runtime, args.json)
        if command == "call":
            from . import call

            return await call.run(runtime, args.tool, args.arguments)
        if command == "policy":
            from . import policy

            return policy.run(runtime, args.json)
        if command == "apply":
            from . import apply

            return await apply.run(runtime, args.plan, args.continue_on_error, args.secrets, args.accept_edited,
                                   args.other_target, apply.choices(args))
        if command == "plans":
            from . import plans

            return await plans.run(runtime, args)
        if command == "export":
            from . import export

            return await export.run(runtime, args)
        if command == "diff":
            from . import diff

            return await diff.run(runtime, args)
        if command == "plan":
            from . import plan

            return await plan.run(runtime, args)
        return fail(f"unknown command {command}")
    finally:
        await runtime.aclose()
