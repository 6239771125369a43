"""`livechat-mcp`: serve over stdio or HTTP, list tools, call one, show the policy, apply a plan,
or run the sandbox on loopback."""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import Any

import anyio

from . import __version__
from .api.auth import ConfigError
from .policies import Overrides, PolicyError
from .policies.loader import split_toolsets
from .runtime import Runtime, Settings, build_runtime
from .store import StoreUnavailable
from .store.crypto import SealError

COMMANDS = ("serve", "tools", "call", "policy", "apply", "plans", "sandbox")


def _common() -> argparse.ArgumentParser:
    # SUPPRESS defaults so options work both before and after the subcommand.
    p = argparse.ArgumentParser(add_help=False)
    s = argparse.SUPPRESS
    p.add_argument("--sandbox", action="store_true", default=s, help="use the built-in sandbox (no credentials)")
    p.add_argument("--policy", default=s, help="policy file (.toml/.json) or preset name")
    p.add_argument("--allow-writes", action="store_true", default=s, help="read-write mode")
    p.add_argument("--allow-destructive", action="store_true", default=s, help="allow destructive actions")
    p.add_argument("--dry-run", action="store_true", default=s, help="plan writes instead of sending them")
    p.add_argument("--toolsets", default=s, help="comma-separated resources to expose (default: all)")
    p.add_argument("--discovery", action="store_true", default=s, help="expose search/describe/call meta tools only")
    p.add_argument("--audit-log", default=s, help="append one JSON line per tool call to this file ('-' = stderr)")
    p.add_argument("--timeout", type=float, default=s, help="seconds per upstream request (default 15)")
    p.add_argument("--rate-limit", default=s, help="client-side budget, REQUESTS/SECONDS (default 1000/600)")
    p.add_argument("--store", default=s, metavar="URL",
                   help="state store shared by processes/replicas: sqlite:///PATH (default: the user's state "
                        "directory), redis://HOST:PORT/DB, or memory://")
    return p


def parser() -> argparse.ArgumentParser:
    common = _common()
    main = argparse.ArgumentParser(
        prog="livechat-mcp", parents=[common],
        description="MCP server for the LiveChat Configuration API v3.6.",
    )
    main.add_argument("--version", action="version", version=f"livechat-mcp {__version__}")
    sub = main.add_subparsers(dest="command")
    serve = sub.add_parser("serve", parents=[common], help="serve MCP (default)")
    for p in (main, serve):
        p.add_argument("--transport", choices=("stdio", "http"), default=argparse.SUPPRESS)
        p.add_argument("--host", default=argparse.SUPPRESS)
        p.add_argument("--port", type=int, default=argparse.SUPPRESS)
        p.add_argument("--insecure-no-auth", action="store_true", default=argparse.SUPPRESS,
                       help="allow a non-loopback HTTP bind without client authentication")
    tools = sub.add_parser("tools", parents=[common], help="print the tools a client would see")
    tools.add_argument("--json", action="store_true")
    call = sub.add_parser("call", parents=[common], help="run one tool through the same pipeline")
    call.add_argument("tool")
    call.add_argument("arguments", nargs="?", default="{}", help="JSON object of arguments")
    pol = sub.add_parser("policy", parents=[common], help="print the effective policy and each tool's decision")
    pol.add_argument("--json", action="store_true")
    apply = sub.add_parser("apply", parents=[common], help="apply a reviewed plan document")
    apply.add_argument("plan", help="plan JSON file (from get_plan)")
    apply.add_argument("--continue-on-error", action="store_true")
    apply.add_argument("--secrets", metavar="FILE",
                       help="JSON object with the values of the plan's secret placeholders (- for stdin)")
    plans = sub.add_parser("plans", parents=[common], help="list, show, export or apply plans kept in the state store")
    plans.add_argument("action", choices=("list", "show", "export", "apply"))
    plans.add_argument("id", nargs="?", help="plan id (from `plans list` or a planned step's plan_id)")
    plans.add_argument("--json", action="store_true", help="list as JSON")
    plans.add_argument("--continue-on-error", action="store_true")
    plans.add_argument("--secrets", metavar="FILE", help="as for apply")
    sb = sub.add_parser("sandbox", help="serve the sandbox API on loopback")
    sb.add_argument("--host", default="127.0.0.1")
    sb.add_argument("--port", type=int, default=8686)
    sb.add_argument("--region", default="dal", choices=("dal", "fra"))
    sb.add_argument("--rate-limit", default="1000/600", help="REQUESTS/SECONDS")
    return main


def _settings(args: argparse.Namespace) -> Settings:
    values: dict[str, Any] = {
        "sandbox": getattr(args, "sandbox", False),
        "policy": getattr(args, "policy", None),
        "audit_log": getattr(args, "audit_log", None),
        "overrides": Overrides(
            allow_writes=getattr(args, "allow_writes", False),
            allow_destructive=getattr(args, "allow_destructive", False),
            dry_run=getattr(args, "dry_run", False),
            toolsets=split_toolsets(args.toolsets, "--toolsets") if hasattr(args, "toolsets") else None,
            discovery=getattr(args, "discovery", False),
        ),
    }
    if hasattr(args, "timeout"):
        values["timeout"] = args.timeout
    if hasattr(args, "store"):
        values["store"] = args.store
    if hasattr(args, "rate_limit"):
        values["rate_limit"], values["rate_period"] = _rate(args.rate_limit)
    return Settings.from_env(os.environ, **values)


def _rate(text: str) -> tuple[int, float]:
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


def _fail(message: str, code: int = 2) -> int:
    print(f"livechat-mcp: {message}", file=sys.stderr)
    return code


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    command = args.command or "serve"
    try:
        if command == "sandbox":
            return _serve_sandbox(args)
        return anyio.run(_run, command, args)
    except (ConfigError, PolicyError, StoreUnavailable, SealError) as exc:
        return _fail(str(exc))
    except KeyboardInterrupt:
        return 130


async def _run(command: str, args: argparse.Namespace) -> int:
    runtime = await build_runtime(_settings(args), os.environ)
    try:
        if command == "serve":
            return await _serve(runtime, args)
        if command == "tools":
            return _tools(runtime, args.json)
        if command == "call":
            return await _call(runtime, args.tool, args.arguments)
        if command == "policy":
            return _policy(runtime, args.json)
        if command == "apply":
            return await _apply(runtime, args.plan, args.continue_on_error, args.secrets)
        if command == "plans":
            return await _plans(runtime, args)
        return _fail(f"unknown command {command}")
    finally:
        await runtime.aclose()


def _app(runtime: Runtime) -> Any:
    from .mcp_app import LiveChatMCP

    return LiveChatMCP(runtime)


async def _serve(runtime: Runtime, args: argparse.Namespace) -> int:
    app = _app(runtime)
    transport = getattr(args, "transport", None) or os.environ.get("LIVECHAT_MCP_TRANSPORT", "stdio")
    http_app = None
    if transport == "http":  # built first: a refused HTTP setup fails before announcing anything
        from .http import HttpLimits, build_http_app

        host = getattr(args, "host", None) or os.environ.get("LIVECHAT_MCP_HOST", "127.0.0.1")
        port = getattr(args, "port", None) or int(os.environ.get("LIVECHAT_MCP_PORT", "8000"))
        limits = HttpLimits.from_env(os.environ)  # a bad value refuses to start, before any output
        http_app = build_http_app(
            app.server, host=host, port=port, env=os.environ,
            insecure_no_auth=getattr(args, "insecure_no_auth", False),
            store=runtime.store,
            # Replicas sharing a networked store serve any request on any replica: no sessions
            # pinned to one process (session-less 2026-07-28 clients need none anyway).
            stateless=runtime.store.url.startswith(("redis:", "rediss:", "unix:")),
        )
    visible = len(app.list_tools())
    print(runtime.banner(visible), file=sys.stderr, flush=True)
    if runtime.policy.scopes is None:
        print(f"livechat-mcp: scopes: {runtime.policy.scopes_source}", file=sys.stderr, flush=True)
    if http_app is not None:
        import uvicorn

        from .http import server_config

        print(f"livechat-mcp: streamable HTTP on http://{host}:{port}/mcp", file=sys.stderr, flush=True)
        config = server_config(http_app, host=host, port=port, limits=limits, log_level="warning", lifespan="on")
        await uvicorn.Server(config).serve()
        return 0
    from mcp.server.stdio import stdio_server

    server = app.server
    async with stdio_server() as (read, write):
        await server.run(read, write, server.create_initialization_options())
    return 0


def _tools(runtime: Runtime, as_json: bool) -> int:
    from .tools import catalog

    tools = _app(runtime).list_tools()
    rows = []
    for tool in tools:
        act = catalog().get(tool.name)
        rows.append({
            "name": tool.name,
            "access": ("write" if act.write else "read") if act else ("read" if tool.annotations.read_only_hint else "write"),
            "destructive": bool(tool.annotations.destructive_hint),
            "scopes": act.scope_text() if act else "",
            "title": tool.title,
        })
    if as_json:
        print(json.dumps(rows, indent=2))
    else:
        print(runtime.banner(len(rows)))
        width = max(len(r["name"]) for r in rows) if rows else 10
        for r in rows:
            flag = " destructive" if r["destructive"] else ""
            print(f"{r['name']:<{width}}  {r['access']:<5}{flag:<12}  {r['scopes']}")
    return 0


async def _call(runtime: Runtime, tool: str, arguments: str) -> int:
    try:
        parsed = json.loads(arguments)
    except ValueError as exc:
        return _fail(f"arguments are not valid JSON: {exc}")
    app = _app(runtime)

    class _Ctx:  # the CLI is one session, like stdio
        request = None
        session = None

    result = await app.call_tool(tool, parsed, _Ctx())
    # shown: without invisible or bidi characters (a terminal escape in a name must not reach the terminal)
    print(runtime.scrubber(json.dumps(result.shown, indent=2, ensure_ascii=False)))
    return 1 if result.is_error else 0


def _policy(runtime: Runtime, as_json: bool) -> int:
    from .meta import policy_report

    report = policy_report(runtime)
    if as_json:
        print(json.dumps(report, indent=2))
        return 0
    p = report["policy"]
    print(f"policy: {runtime.policy_source}")
    for key in ("mode", "allow_destructive", "toolsets", "discovery", "allow_tools", "deny_tools", "reveal_secrets", "max_batch_size"):
        print(f"  {key}: {p[key]}")
    scopes = report["scopes_in_force"]
    print(f"  scopes: {'not filtered' if scopes is None else ', '.join(scopes)} ({report['scopes_source']})")
    width = max(len(n) for n in report["tools"])
    for name, d in report["tools"].items():
        print(f"{name:<{width}}  {d['decision']:<8} {d['rule']:<17} {d['reason']}")
    return 0


async def _apply(
    runtime: Runtime, path: str, continue_on_error: bool, secrets_path: str | None, journaled: bool = False
) -> int:
    from .plans import PlanError, apply_journaled, apply_plan

    try:
        doc = json.loads(Path(path).read_text())
    except (OSError, ValueError) as exc:
        return _fail(f"cannot read plan {path}: {exc}")
    secrets = None
    if secrets_path:
        # A file or stdin, never a command-line value: argv is visible to every process on the host.
        try:
            secrets = json.loads(sys.stdin.read() if secrets_path == "-" else Path(secrets_path).read_text())
        except (OSError, ValueError) as exc:
            # The parser's message can quote the file's text; say only where it failed.
            where = f" (line {exc.lineno})" if isinstance(exc, json.JSONDecodeError) else ""
            return _fail(f"cannot read secrets {secrets_path}: not a JSON object{where}" if where
                         else f"cannot read secrets {secrets_path}: {type(exc).__name__}")
        if isinstance(secrets, dict):
            runtime.scrubber.add(*(v for v in secrets.values() if isinstance(v, str)))

    async def progress(done: float, total: float | None, message: str) -> None:
        print(f"[{int(done)}/{int(total or 0)}] {message}", file=sys.stderr, flush=True)

    try:
        # A stored plan (`plans apply ID`) keeps its journal and lock in the store: a re-run sends
        # only what is not done. (`apply PLAN.json` keeps its behaviour until plans adopt it.)
        run = partial(apply_journaled, store=runtime.store) if journaled else apply_plan
        report = await run(doc, policy=runtime.policy, client=runtime.client,
                                  continue_on_error=continue_on_error, progress=progress, secrets=secrets,
                                  audit=runtime.audit)
    except PlanError as exc:
        return _fail(f"plan not applied: {exc}")
    print(runtime.scrubber(json.dumps(report, indent=2, ensure_ascii=False)))
    return 0 if report["status"] == "completed" else 1


async def _plans(runtime: Runtime, args: argparse.Namespace) -> int:
    """Plans other processes saved in the state store (server/plan_store.py)."""
    from .plan_store import list_plans, load

    try:
        if args.action == "list":
            rows = await list_plans(runtime.store)
            if args.json:
                print(json.dumps(rows, indent=2))
            elif not rows:
                print(f"no stored plans in {runtime.store.url}")
            for r in rows if not args.json else []:
                actions = ", ".join(f"{a} x{n}" for a, n in r["by_action"].items())
                print(f"{r['id']}  {r['steps']} steps  {actions}")
            return 0
        if not args.id:
            return _fail(f"plans {args.action} needs a plan id (see `livechat-mcp plans list`)")
        record = await load(runtime.store, args.id)
    except StoreUnavailable as exc:
        return _fail(f"the state store is unavailable: {exc}", 1)
    if record is None:
        return _fail(f"no stored plan {args.id!r} in {runtime.store.url} (see `livechat-mcp plans list`)", 1)
    doc = record["document"]
    if args.action == "export":
        print(json.dumps(doc, indent=2, ensure_ascii=False))
        return 0
    if args.action == "show":
        print(json.dumps({"id": args.id, "summary": doc.get("summary"), "steps": doc.get("steps"),
                          "digest": doc.get("digest")}, indent=2, ensure_ascii=False))
        return 0
    # apply: through the same door as `livechat-mcp apply PLAN.json`, with the stored document
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"plan-{args.id}.json"
        path.write_text(json.dumps(doc))
        return await _apply(runtime, str(path), args.continue_on_error, args.secrets, journaled=True)


def _serve_sandbox(args: argparse.Namespace) -> int:
    import uvicorn

    from .http import is_loopback
    from .sandbox import ALL_SCOPES_TOKEN, DEFAULT_TOKEN, PRIVATE_SCOPES, SANDBOX_NOTICE, Sandbox

    token = os.environ.get("LIVECHAT_SANDBOX_TOKEN", "").strip() or DEFAULT_TOKEN
    limit, period = _rate(args.rate_limit)
    sandbox = Sandbox(region=args.region, rate_limit=limit, rate_period=period, token=token)
    if not is_loopback(args.host):
        print(f"livechat-mcp sandbox: WARNING: listening on {args.host}, beyond loopback", file=sys.stderr)
    base = f"http://{args.host}:{args.port}"
    private = ", ".join(sorted(PRIVATE_SCOPES))
    print(f"{SANDBOX_NOTICE}\nsandbox API: {base}\n"
          f"Bearer token (an app's scopes, as the Developer Console grants them; no {private}): {token}\n"
          f"Bearer token (all scopes, the private ones too): {ALL_SCOPES_TOKEN}\n"
          f"use it: LIVECHAT_API_URL={base} LIVECHAT_ACCOUNTS_URL={base} LIVECHAT_ACCESS_TOKEN={token} livechat-mcp",
          file=sys.stderr, flush=True)
    uvicorn.run(sandbox.app, host=args.host, port=args.port, log_level="warning")
    return 0


if __name__ == "__main__":
    sys.exit(main())
