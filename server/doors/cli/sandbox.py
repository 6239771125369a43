"""`livechat-mcp sandbox`: the sandbox API (and its accounts service) on loopback."""

from __future__ import annotations

import argparse
import os
import sys

from .settings import rate


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from ...sandbox import DEFAULT_TOKEN, PRIVATE_SCOPES, SANDBOX_NOTICE, Sandbox
    from ...sandbox.accounts import DEFAULT_OAUTH_CLIENT_ID, DEFAULT_OAUTH_CLIENT_SECRET
    from ..http import is_loopback

    token = os.environ.get("LIVECHAT_SANDBOX_TOKEN", "").strip() or DEFAULT_TOKEN
    limit, period = rate(args.rate_limit)
    oauth_id = os.environ.get("LIVECHAT_SANDBOX_OAUTH_CLIENT_ID", "").strip() or DEFAULT_OAUTH_CLIENT_ID
    oauth_secret = os.environ.get("LIVECHAT_SANDBOX_OAUTH_CLIENT_SECRET", "").strip() or DEFAULT_OAUTH_CLIENT_SECRET
    from ...errors import ConfigError
    from .base import fail
    from .settings import sandbox_seed

    try:
        seed = sandbox_seed(args.seed) if args.seed else None
    except ConfigError as exc:
        return fail(str(exc))
    sandbox = Sandbox(region=args.region, rate_limit=limit, rate_period=period, token=token,
                      oauth_client_id=oauth_id, oauth_client_secret=oauth_secret, seed=seed)
    token = sandbox.token  # a built-in token carries the sandbox's region (fra: with --region fra)
    if not is_loopback(args.host):
        print(f"livechat-mcp sandbox: WARNING: listening on {args.host}, beyond loopback", file=sys.stderr)
    base = f"http://{args.host}:{args.port}"
    private = ", ".join(sorted(PRIVATE_SCOPES))
    held = f"holds {args.seed}" if args.seed else "holds its built-in example license"
    print(f"{SANDBOX_NOTICE}\nsandbox API: {base} ({held})\n"
          f"Bearer token (an app's scopes, as the Developer Console grants them; no {private}): {token}\n"
          f"Bearer token (all scopes, the private ones too): {sandbox.all_scopes_token}\n"
          f"use it: LIVECHAT_API_URL={base} LIVECHAT_ACCOUNTS_URL={base} LIVECHAT_ACCESS_TOKEN={token} livechat-mcp",
          file=sys.stderr, flush=True)
    print(f"OAuth app (accounts service, loopback redirect URIs accepted): client id {oauth_id} "
          f"client secret {oauth_secret}\n"
          f"hosted mode: LIVECHAT_API_URL={base} LIVECHAT_ACCOUNTS_URL={base} LIVECHAT_OAUTH_CLIENT_ID={oauth_id} "
          f"LIVECHAT_OAUTH_CLIENT_SECRET={oauth_secret} livechat-mcp --transport http --oauth",
          file=sys.stderr, flush=True)
    uvicorn.run(sandbox.app, host=args.host, port=args.port, log_level="warning")
    return 0
