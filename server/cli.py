"""`livechat-mcp`: serve over stdio or HTTP, list tools, call one, show the policy, apply a plan,
or run the sandbox on loopback."""

from __future__ import annotations

import argparse
import json
import math
import os
import signal
import sys
from collections.abc import Sequence
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

COMMANDS = ("serve", "tools", "call", "policy", "apply", "plans", "sandbox", "config")

EPILOG = """\
examples:
  livechat-mcp --sandbox                         serve over stdio against the built-in sandbox
  livechat-mcp config claude --sandbox           print a Claude Desktop entry (absolute path)
  livechat-mcp tools --sandbox                   the tools a client would see
  livechat-mcp call list_agents '{"limit": 5}' --sandbox
  echo '{"id": "jane@example.com"}' | livechat-mcp call get_agent - --sandbox
  livechat-mcp call update_agent @args.json --allow-writes
  livechat-mcp policy --policy read-only         every tool's decision and why
  livechat-mcp apply PLAN.json --allow-writes    apply a reviewed dry-run plan
  livechat-mcp --transport http --port 8000      streamable HTTP at http://127.0.0.1:8000/mcp

environment variables:
  LIVECHAT_ACCESS_TOKEN                  OAuth access token (dal:/fra: prefix selects the region)
  LIVECHAT_ACCOUNT_ID + LIVECHAT_PAT     Personal Access Token credential
  LIVECHAT_REGION                        dal or fra (overrides the token prefix)
  LIVECHAT_API_URL, LIVECHAT_ACCOUNTS_URL  API and accounts service base URLs
  LIVECHAT_MCP_POLICY                    policy file or preset (--policy)
  LIVECHAT_MCP_ALLOW_WRITES, LIVECHAT_MCP_ALLOW_DESTRUCTIVE, LIVECHAT_MCP_DRY_RUN,
  LIVECHAT_MCP_DISCOVERY                 true/false, as the flags
  LIVECHAT_MCP_TOOLSETS                  comma-separated toolsets (--toolsets)
  LIVECHAT_MCP_CONFIRM                   never, destructive or writes: ask the person first (--confirm)
  LIVECHAT_MCP_AUDIT_LOG                 audit log path (--audit-log)
  LIVECHAT_MCP_STORE                     state store URL (--store)
  LIVECHAT_MCP_STORE_NAMESPACE           key prefix per deployment in a shared store
  LIVECHAT_MCP_STORE_KEY, LIVECHAT_MCP_STORE_KEY_FILE  the key sealing secrets in the store (base64, 32 bytes)
  LIVECHAT_MCP_SANDBOX                   true: as --sandbox
  LIVECHAT_MCP_TRANSPORT, LIVECHAT_MCP_HOST, LIVECHAT_MCP_PORT  serve defaults
  LIVECHAT_MCP_AUTH_TOKEN                bearer token HTTP clients must send
  LIVECHAT_MCP_ALLOWED_ORIGINS, LIVECHAT_MCP_ALLOWED_HOSTS  HTTP Origin/Host allow-lists
  LIVECHAT_OAUTH_CLIENT_ID, LIVECHAT_OAUTH_CLIENT_SECRET  --oauth: the LiveChat app people sign in through
  LIVECHAT_MCP_PUBLIC_URL                --oauth: the origin clients reach (https://mcp.example.com)
  LIVECHAT_MCP_NAME                      --oauth: the deployment's name on the consent page
  LIVECHAT_OAUTH_WRITE_ROLES             --oauth: LiveChat roles that may write (e.g. owner,viceowner)
  LIVECHAT_OAUTH_ACCESS_TTL, LIVECHAT_OAUTH_REFRESH_TTL  --oauth: token lifetimes in seconds
  LIVECHAT_SANDBOX_OAUTH_CLIENT_ID, LIVECHAT_SANDBOX_OAUTH_CLIENT_SECRET  the sandbox's OAuth app
"""


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
    p.add_argument("--confirm", choices=("never", "destructive", "writes"), default=s,
                   help="ask the person in their client before sending destructive calls or every write")
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
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
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
        p.add_argument("--oauth", action="store_true", default=argparse.SUPPRESS,
                       help="hosted mode (HTTP): each person signs in with their own LiveChat account")
    tools = sub.add_parser("tools", parents=[common], help="print the tools a client would see")
    tools.add_argument("--json", action="store_true")
    call = sub.add_parser("call", parents=[common], help="run one tool through the same pipeline")
    call.add_argument("tool")
    call.add_argument("arguments", nargs="?", default="{}",
                      help="JSON object of arguments, - to read it from stdin, or @FILE to read it from a file")
    pol = sub.add_parser("policy", parents=[common], help="print the effective policy and each tool's decision")
    pol.add_argument("--json", action="store_true")
    apply = sub.add_parser("apply", parents=[common], help="apply a reviewed plan document")
    apply.add_argument("plan", help="plan JSON file (from get_plan)")
    apply.add_argument("--continue-on-error", action="store_true")
    apply.add_argument("--accept-edited", action="store_true",
                       help="apply a plan that differs from what get_plan signed (listed first; requests are "
                            "rebuilt from its steps and re-checked)")
    apply.add_argument("--secrets", metavar="FILE",
                       help="JSON object with the values of the plan's secret placeholders (- for stdin)")
    apply.add_argument("--other-target", action="store_true",
                       help="apply a plan made against another upstream/license than this server's")
    apply.add_argument("--resume", action="store_true",
                       help="skip the steps an earlier apply of this plan finished (its journal)")
    apply.add_argument("--send-expected-failures", action="store_true",
                       help="send steps the plan's checks expect to fail")
    plans = sub.add_parser("plans", parents=[common], help="list, show, export or apply stored plans")
    plans.add_argument("plans_command", choices=("list", "show", "export", "apply"))
    plans.add_argument("plan_id", nargs="?", help="a stored plan's id (from `plans list` or get_plan)")
    plans.add_argument("--continue-on-error", action="store_true")
    plans.add_argument("--other-target", action="store_true")
    cfg = sub.add_parser("config", parents=[common],
                         help="print a ready MCP client entry (claude, cursor, vscode) with absolute paths")
    cfg.add_argument("client", choices=("claude", "cursor", "vscode"))
    cfg.add_argument("--name", default="livechat", help="the server's name in the client (default livechat)")
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
            confirm=getattr(args, "confirm", None),
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
        if command == "config":
            return _config(args)
        return anyio.run(_run, command, args)
    except (ConfigError, PolicyError, StoreUnavailable, SealError) as exc:
        return _fail(str(exc))
    except KeyboardInterrupt:
        if command == "serve":
            # stdio reads stdin in a worker thread that a signal cannot wake; the interpreter
            # would wait for it at exit, so Ctrl-C on a terminal would hang. Nothing is pending
            # here (audit lines are flushed as written): leave at once.
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(130)
        return 130


def _quit_at_once(signum: int, frame: object) -> None:
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(130)


async def _run(command: str, args: argparse.Namespace) -> int:
    if getattr(args, "oauth", False):
        if command != "serve" or (getattr(args, "transport", None) or os.environ.get("LIVECHAT_MCP_TRANSPORT")) != "http":
            return _fail("--oauth is for serving over HTTP: livechat-mcp --transport http --oauth")
        from .auth.server import build_hosted_runtime

        runtime = await build_hosted_runtime(_settings(args), os.environ)
    else:
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
            return await _apply(runtime, args.plan, args.continue_on_error, args.secrets, args.accept_edited,
                                args.other_target, {**({"resume": True} if args.resume else {}),
                                                    **({"send_expected_failures": True}
                                                       if args.send_expected_failures else {})})
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
    hosted: Any = None
    if transport == "http":  # built first: a refused HTTP setup fails before announcing anything
        from .http import HttpLimits, build_http_app

        host = getattr(args, "host", None) or os.environ.get("LIVECHAT_MCP_HOST", "127.0.0.1")
        port = getattr(args, "port", None) or int(os.environ.get("LIVECHAT_MCP_PORT", "8000"))
        limits = HttpLimits.from_env(os.environ)  # a bad value refuses to start, before any output
        if getattr(args, "oauth", False):
            from .auth.server import HostedMode

            hosted = HostedMode(runtime, os.environ, host=host, port=port)
            app.resolver = hosted.resolve
        http_app = build_http_app(
            app.server, host=host, port=port, env=os.environ,
            insecure_no_auth=getattr(args, "insecure_no_auth", False), hosted=hosted,
            store=runtime.store,
            # Replicas sharing a networked store serve any request on any replica: no sessions
            # pinned to one process (session-less 2026-07-28 clients need none anyway).
            stateless=runtime.store.url.startswith(("redis:", "rediss:", "unix:")),
        )
    visible = len(app.list_tools()) if hosted is None else hosted.ceiling_tools()
    print(runtime.banner(visible), file=sys.stderr, flush=True)
    if runtime.policy.scopes is None:
        print(f"livechat-mcp: scopes: {runtime.policy.scopes_source}", file=sys.stderr, flush=True)
    if http_app is not None:
        import uvicorn

        from .http import server_config

        print(f"livechat-mcp: streamable HTTP on http://{host}:{port}/mcp", file=sys.stderr, flush=True)
        if hosted is not None:
            print(f"livechat-mcp: hosted mode: people sign in at {hosted.settings.resource} with LiveChat "
                  f"({hosted.settings.accounts_url}); LiveChat redirect URI {hosted.settings.callback_url}",
                  file=sys.stderr, flush=True)
        config = server_config(http_app, host=host, port=port, limits=limits, log_level="warning", lifespan="on")
        try:
            await uvicorn.Server(config).serve()
        finally:
            if hosted is not None:
                await hosted.aclose()
        return 0
    from mcp.server.stdio import stdio_server

    if sys.stdin.isatty():
        # Someone ran it by hand: say that it waits for a client, not for typed commands.
        print("livechat-mcp: waiting for an MCP client on stdin/stdout (this is a server: start it from "
              "an MCP client, see `livechat-mcp config --help`, or try `livechat-mcp tools`). "
              "Press Ctrl-C to quit.", file=sys.stderr, flush=True)
        # A person at a terminal means "quit now" by Ctrl-C. Left to the event loop, SIGINT only
        # cancels the main task, which then waits for the stdin reader thread (blocked in read,
        # not cancellable): under load that wait outlived the person's patience. Nothing is pending
        # here (audit lines are flushed as written), so leave at once.
        signal.signal(signal.SIGINT, _quit_at_once)
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
    source = "stdin" if arguments == "-" else arguments[1:] if arguments.startswith("@") else "arguments"
    try:
        if arguments == "-":
            arguments = sys.stdin.read()
        elif arguments.startswith("@"):
            arguments = Path(source).expanduser().read_text()
    except OSError as exc:
        return _fail(f"cannot read arguments from {source}: {exc.strerror or exc}")
    try:
        parsed = json.loads(arguments or "{}")
    except ValueError as exc:
        return _fail(f"{source} is not valid JSON: {exc}")
    app = _app(runtime)

    from .confirm import TerminalAsker

    class _Ctx:  # the CLI is one session, like stdio
        request = None
        session = None
        asker = TerminalAsker()  # a confirmation is asked at the terminal, or refused without one

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
    for key in ("mode", "allow_destructive", "confirm", "toolsets", "discovery", "allow_tools", "deny_tools", "reveal_secrets", "max_batch_size"):
        print(f"  {key}: {p[key]}")
    scopes = report["scopes_in_force"]
    print(f"  scopes: {'not filtered' if scopes is None else ', '.join(scopes)} ({report['scopes_source']})")
    width = max(len(n) for n in report["tools"])
    for name, d in report["tools"].items():
        print(f"{name:<{width}}  {d['decision']:<8} {d['rule']:<17} {d['reason']}")
    return 0


async def _apply(runtime: Runtime, path: str | None, continue_on_error: bool, secrets_path: str | None,
                 accept_edited: bool = False, other_target: bool = False, extra: dict[str, Any] | None = None) -> int:
    """The same door as the apply_plan tool: deny_tools, the policy, the plan checks and the audit
    line all come from one call path (LiveChatMCP.call_tool)."""
    from .plans import MAX_DOCUMENT_BYTES, MAX_DOCUMENT_DEPTH

    policy = runtime.policy.policy
    if not policy.writes_allowed:  # one line, not one refusal per step
        return _fail(f"apply sends writes, and the policy is {policy.mode} ({runtime.policy_source}): run with "
                     "--allow-writes (and --allow-destructive for destructive steps). Nothing was sent.", 1)

    try:
        if path is None:  # a stored plan, named in ``extra`` (plan_id + mac)
            raise _Stored
        size = Path(path).stat().st_size
        if size > MAX_DOCUMENT_BYTES:
            return _fail(f"plan not applied: {path} is {size:,} bytes; a plan document is at most "
                         f"{MAX_DOCUMENT_BYTES:,} bytes (MAX_DOCUMENT_BYTES): split the work into several plans")
        doc = json.loads(Path(path).read_text())
    except _Stored:
        doc = None
    except RecursionError:
        return _fail(f"plan not applied: {path} nests deeper than {MAX_DOCUMENT_DEPTH} levels "
                     "(MAX_DOCUMENT_DEPTH): use the document get_plan returned")
    except (OSError, ValueError) as exc:
        return _fail(f"cannot read plan {path}: {exc}")
    secrets = None
    if secrets_path:
        # A file or stdin, never a command-line value: argv is visible to every process on the host.
        try:
            secrets = json.loads(sys.stdin.read() if secrets_path == "-" else Path(secrets_path).read_text())
        except (OSError, ValueError, RecursionError) as exc:
            # The parser's message can quote the file's text; say only where it failed.
            where = f" (line {exc.lineno})" if isinstance(exc, json.JSONDecodeError) else ""
            return _fail(f"cannot read secrets {secrets_path}: not a JSON object{where}" if where
                         else f"cannot read secrets {secrets_path}: {type(exc).__name__}")
        if isinstance(secrets, dict):
            runtime.scrubber.add(*(v for v in secrets.values() if isinstance(v, str)))

    class _Progress:
        async def report_progress(self, done: float, total: float | None, message: str | None = None) -> None:
            print(f"[{int(done)}/{int(total or 0)}] {message}", file=sys.stderr, flush=True)

    from .confirm import TerminalAsker

    class _Ctx:  # the CLI is one session, like stdio
        request = None
        session = _Progress()
        asker = TerminalAsker()  # apply_plan's confirmation is asked at the terminal, or refused without one

    arguments: dict[str, Any] = {**({"plan": doc} if doc is not None else {}), "continue_on_error": continue_on_error,
                                 "accept_edited": accept_edited,
                                 **({"allow_other_target": True} if other_target else {}), **(extra or {})}
    if secrets is not None:
        arguments["secrets"] = secrets
    result = await _app(runtime).call_tool("apply_plan", arguments, _Ctx())
    data = result.data
    if isinstance(data, dict) and "steps" not in data and isinstance(data.get("error"), dict):
        return _fail(str(data["error"].get("message"))
                     + (f" ({data['error']['how_to_allow']})" if data["error"].get("how_to_allow") else ""),
                     code=1)
    print(runtime.scrubber(json.dumps(data, indent=2, ensure_ascii=False)))
    if isinstance(data, dict) and data.get("changes"):
        print("livechat-mcp: the plan differs from what get_plan signed:\n"
              + "\n".join(f"  - {c}" for c in data["changes"]), file=sys.stderr, flush=True)
    return 1 if result.is_error else 0


class _Stored(Exception):
    pass


async def _plans(runtime: Runtime, args: argparse.Namespace) -> int:
    """`livechat-mcp plans list|show|export|apply`: the plans get_plan stored (server/plan_store.py)."""
    from .plan_store import PlanStore

    plans = PlanStore(runtime.store)
    if args.plans_command == "list":
        for row in await plans.list():
            summary = row.get("summary") or {}
            print(f"{row['id']}  {row.get('created_at')}  {summary.get('steps')} steps  "
                  f"{json.dumps(summary.get('by_action'))}  done: {row['journal']}  {(row.get('target') or {}).get('api')}")
        return 0
    if not args.plan_id:
        return _fail(f"`livechat-mcp plans {args.plans_command}` needs a plan id (see `livechat-mcp plans list`)")
    record = await plans.get(args.plan_id)
    if record is None:
        return _fail(f"no stored plan {args.plan_id!r} (see `livechat-mcp plans list`; plans expire after 30 days)")
    doc = record["document"]
    if args.plans_command == "export":  # the portable artifact, for `livechat-mcp apply PLAN.json`
        print(json.dumps(doc, indent=2, ensure_ascii=False))
        return 0
    if args.plans_command == "show":
        print(json.dumps({"plan_id": args.plan_id, "mac": doc["mac"], "target": doc.get("target"),
                          "summary": doc.get("summary"), "steps": doc.get("steps"),
                          "done_steps": sorted(await plans.done(doc["mac"]))}, indent=2, ensure_ascii=False))
        return 0
    # apply: the operator applies what `plans show` printed (same id, same MAC), resuming its journal.
    return await _apply(runtime, None, args.continue_on_error, None, other_target=args.other_target,
                        extra={"plan_id": args.plan_id, "mac": doc["mac"]})


def _config(args: argparse.Namespace) -> int:
    import shlex

    from .client_config import WHERE, entry

    doc = entry(args.client, args, args.name)
    print(json.dumps(doc, indent=2))
    print(f"livechat-mcp: {WHERE[args.client]}", file=sys.stderr)
    if args.client == "claude":
        server = doc["mcpServers"][args.name]
        line = shlex.join(["claude", "mcp", "add", args.name, "--", server["command"], *server["args"]])
        print(f"livechat-mcp: Claude Code: {line}", file=sys.stderr)
    if not getattr(args, "sandbox", False):
        print("livechat-mcp: replace the credential placeholders (or add --sandbox to try it without a license)",
              file=sys.stderr)
    return 0


def _serve_sandbox(args: argparse.Namespace) -> int:
    import uvicorn

    from .http import is_loopback
    from .sandbox import ALL_SCOPES_TOKEN, DEFAULT_TOKEN, PRIVATE_SCOPES, SANDBOX_NOTICE, Sandbox
    from .sandbox.accounts import DEFAULT_OAUTH_CLIENT_ID, DEFAULT_OAUTH_CLIENT_SECRET

    token = os.environ.get("LIVECHAT_SANDBOX_TOKEN", "").strip() or DEFAULT_TOKEN
    limit, period = _rate(args.rate_limit)
    oauth_id = os.environ.get("LIVECHAT_SANDBOX_OAUTH_CLIENT_ID", "").strip() or DEFAULT_OAUTH_CLIENT_ID
    oauth_secret = os.environ.get("LIVECHAT_SANDBOX_OAUTH_CLIENT_SECRET", "").strip() or DEFAULT_OAUTH_CLIENT_SECRET
    sandbox = Sandbox(region=args.region, rate_limit=limit, rate_period=period, token=token,
                      oauth_client_id=oauth_id, oauth_client_secret=oauth_secret)
    if not is_loopback(args.host):
        print(f"livechat-mcp sandbox: WARNING: listening on {args.host}, beyond loopback", file=sys.stderr)
    base = f"http://{args.host}:{args.port}"
    private = ", ".join(sorted(PRIVATE_SCOPES))
    print(f"{SANDBOX_NOTICE}\nsandbox API: {base}\n"
          f"Bearer token (an app's scopes, as the Developer Console grants them; no {private}): {token}\n"
          f"Bearer token (all scopes, the private ones too): {ALL_SCOPES_TOKEN}\n"
          f"use it: LIVECHAT_API_URL={base} LIVECHAT_ACCOUNTS_URL={base} LIVECHAT_ACCESS_TOKEN={token} livechat-mcp",
          file=sys.stderr, flush=True)
    print(f"OAuth app (accounts service, loopback redirect URIs accepted): client id {oauth_id} "
          f"client secret {oauth_secret}\n"
          f"hosted mode: LIVECHAT_API_URL={base} LIVECHAT_ACCOUNTS_URL={base} LIVECHAT_OAUTH_CLIENT_ID={oauth_id} "
          f"LIVECHAT_OAUTH_CLIENT_SECRET={oauth_secret} livechat-mcp --transport http --oauth",
          file=sys.stderr, flush=True)
    uvicorn.run(sandbox.app, host=args.host, port=args.port, log_level="warning")
    return 0


if __name__ == "__main__":
    sys.exit(main())
