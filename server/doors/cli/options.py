"""The command line: every subcommand, option and the --help text."""

from __future__ import annotations

import argparse

from ... import __version__

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
  livechat-mcp export -o license.json            the license's configuration as one document
  livechat-mcp diff license.json                 what differs (exit 0 same, 1 different, 2 error)
  livechat-mcp plan license.json --dry-run       a stored plan making the license match it
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
  LIVECHAT_MCP_METRICS                   true: as --metrics (Prometheus /metrics on the HTTP transport)
  LIVECHAT_MCP_METRICS_TOKEN             bearer token Prometheus must send for /metrics (beyond loopback, behind a proxy)
  OTEL_EXPORTER_OTLP_ENDPOINT            traces over OTLP/HTTP (with the otel extra; the other OTEL_* as usual)
  LIVECHAT_OAUTH_CLIENT_ID, LIVECHAT_OAUTH_CLIENT_SECRET  --oauth: the LiveChat app people sign in through
  LIVECHAT_MCP_PUBLIC_URL                --oauth: the origin clients reach (https://mcp.example.com)
  LIVECHAT_MCP_NAME                      --oauth: the deployment's name on the consent page
  LIVECHAT_MCP_CONTACT                   --oauth: whom refusals tell signed-in people to ask (e.g. IT desk, it@...)
  LIVECHAT_OAUTH_WRITE_ROLES             --oauth: LiveChat roles that may write (e.g. owner,viceowner)
  LIVECHAT_OAUTH_ACCESS_TTL, LIVECHAT_OAUTH_REFRESH_TTL  --oauth: token lifetimes in seconds
  LIVECHAT_SANDBOX_OAUTH_CLIENT_ID, LIVECHAT_SANDBOX_OAUTH_CLIENT_SECRET  the sandbox's OAuth app
"""


def common_options() -> argparse.ArgumentParser:
    # SUPPRESS defaults so options work both before and after the subcommand.
    p = argparse.ArgumentParser(add_help=False)
    s = argparse.SUPPRESS
    p.add_argument("--sandbox", action="store_true", default=s, help="use the built-in sandbox (no credentials)")
    p.add_argument("--policy", default=s, help="policy file (.toml/.json) or preset name")
    p.add_argument("--read-only", action="store_true", default=s,
                   help="read-only mode: reads only, every write refused (the same as --policy read-only)")
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
    p.add_argument("--seed", default=s, metavar="FILE",
                   help="with --sandbox: the sandbox holds this configuration document (livechat-mcp export)")
    p.add_argument("--store", default=s, metavar="URL",
                   help="state store shared by processes/replicas: sqlite:///PATH (default: the user's state "
                        "directory), redis://HOST:PORT/DB, or memory://")
    return p


def parser() -> argparse.ArgumentParser:
    common = common_options()
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
        p.add_argument("--metrics", action="store_true", default=argparse.SUPPRESS,
                       help="serve Prometheus metrics on /metrics (HTTP transport; beyond loopback it needs "
                            "LIVECHAT_MCP_METRICS_TOKEN)")
        p.add_argument("--verbose", action="store_true", default=argparse.SUPPRESS,
                       help="at start, print the upstream, policy, scopes and store in full after the one-line summary")
    tools = sub.add_parser("tools", parents=[common], help="print the tools a client would see")
    tools.add_argument("--json", action="store_true")
    call = sub.add_parser("call", parents=[common], help="run one tool through the same pipeline")
    call.add_argument("tool")
    call.add_argument("arguments", nargs="?", default="{}",
                      help="JSON object of arguments, - to read it from stdin, or @FILE to read it from a file")
    pol = sub.add_parser("policy", parents=[common], help="print the effective policy and each tool's decision")
    pol.add_argument("--json", action="store_true")
    apply = sub.add_parser("apply", parents=[common], help="apply a reviewed plan (its id, its file, or get_plan's text)")
    apply.add_argument("plan", help="a stored plan's id, a file holding get_plan's document or answer, or - to "
                       "paste get_plan's answer on stdin (the MAC decides whether it is the reviewed plan)")
    apply.add_argument("--accept-edited", action="store_true",
                       help="apply a plan that differs from what get_plan signed (listed first; requests are "
                            "rebuilt from its steps and re-checked)")
    plans = sub.add_parser("plans", parents=[common], help="list, show, export or apply stored plans")
    plans.add_argument("plans_command", choices=("list", "show", "export", "apply", "rehearse"),
                       help="rehearse: apply it to a private copy of its license first (nothing is sent)")
    plans.add_argument("plan_id", nargs="?", help="a stored plan's id (from `plans list` or get_plan)")
    plans.add_argument("--pending", action="store_true",
                       help="list: only the plans waiting for approval (stored, not approved, rejected or applied)")
    for p in (apply, plans):
        p.add_argument("--other-target", action="store_true",
                       help="apply a plan made against another upstream/license than this server's")
        p.add_argument("--send-expected-failures", action="store_true",
                       help="send steps the plan's checks expect to fail")
        p.add_argument("--secrets", metavar="FILE",
                       help="JSON object with the values of the plan's secret placeholders (- for stdin)")
        p.add_argument("--continue-on-error", action="store_true",
                       help="send the steps after one that failed or was refused (not those that depend on it)")
        p.add_argument("--resume", action="store_true",
                       help="an earlier apply of this plan did some steps: send only the rest")
        p.add_argument("--again", action="store_true",
                       help="an earlier apply of this plan did some steps: send every step anew (audited)")
        p.add_argument("--accept-changed", action="store_true",
                       help="send updates and deletes whose objects changed since the plan was reviewed "
                            "(rule changed_since_planned)")
    cfg = sub.add_parser("config", parents=[common],
                         help="print a ready MCP client entry (claude, cursor, vscode) with absolute paths")
    cfg.add_argument("client", choices=("claude", "cursor", "vscode"))
    cfg.add_argument("--name", default="livechat", help="the server's name in the client (default livechat)")
    kinds = "comma-separated kinds (groups, agents, bots, bot_templates, auto_access, greetings, tags, properties, webhooks)"
    export = sub.add_parser("export", parents=[common], help="write the license's configuration as one document")
    export.add_argument("--kinds", help=f"only these {kinds}")
    export.add_argument("-o", "--output", metavar="FILE", help="write it here (default: stdout)")
    diff = sub.add_parser("diff", parents=[common], help="what differs between a document and the license")
    diff.add_argument("file", help="a configuration document (livechat-mcp export)")
    diff.add_argument("--json", action="store_true", help="the differences as JSON")
    diff.add_argument("--kinds", help=f"only these {kinds}")
    plan = sub.add_parser("plan", parents=[common], help="a stored plan making the license match a document")
    plan.add_argument("file", help="a configuration document (livechat-mcp export)")
    plan.add_argument("--prune", action="store_true", help="also delete what the document does not have")
    plan.add_argument("--kinds", help=f"only these {kinds}")
    sb = sub.add_parser("sandbox", help="serve the sandbox API on loopback")
    sb.add_argument("--seed", metavar="FILE", help="hold this configuration document (livechat-mcp export)")
    sb.add_argument("--host", default="127.0.0.1")
    sb.add_argument("--port", type=int, default=8686)
    sb.add_argument("--region", default="dal", choices=("dal", "fra"))
    sb.add_argument("--rate-limit", default="1000/600", help="REQUESTS/SECONDS")
    return main
