"""What the operator configures for hosted mode."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from ..errors import ConfigError

DEFAULT_ACCOUNTS_URL = "https://accounts.livechat.com"
ROLES = ("owner", "viceowner", "administrator", "normal")


@dataclass(frozen=True)
class OAuthSettings:
    client_id: str  # the operator's LiveChat app (Developer Console)
    client_secret: str = field(repr=False)
    public_url: str  # how MCP clients reach this server, e.g. https://mcp.example.com (no /mcp)
    accounts_url: str = DEFAULT_ACCOUNTS_URL
    name: str = "livechat-mcp"  # the deployment's name, shown on pages
    # Who runs the deployment and how to reach them (LIVECHAT_MCP_CONTACT): refusals tell people whom to ask.
    contact: str = ""
    access_ttl: int = 3600  # our access tokens
    refresh_ttl: int = 30 * 86400  # our refresh tokens (and the grant behind them)
    code_ttl: int = 300  # our authorization codes and a pending sign-in
    # Roles that may write; None: every role (the token's scopes and the policy still apply).
    write_roles: frozenset[str] | None = None
    # Client ID Metadata Documents at http://127.0.0.1 are accepted only for the sandbox and tests.
    allow_loopback_metadata: bool = False

    @property
    def operator(self) -> str:
        """Whom a refusal tells a signed-in person to ask."""
        if self.contact:
            return self.contact
        return f"the operator of {self.name}" if self.name != "livechat-mcp" else "the operator of this server"

    @property
    def issuer(self) -> str:
        return self.public_url

    @property
    def resource(self) -> str:
        return f"{self.public_url}/mcp"

    @property
    def callback_url(self) -> str:
        return f"{self.public_url}/oauth/callback"

    @classmethod
    def from_env(cls, env: Mapping[str, str], *, host: str, port: int) -> OAuthSettings:
        client_id = env.get("LIVECHAT_OAUTH_CLIENT_ID", "").strip()
        secret = env.get("LIVECHAT_OAUTH_CLIENT_SECRET", "").strip()
        if not client_id or not secret:
            raise ConfigError(
                "--oauth needs the LiveChat app you registered in the Developer Console: set "
                "LIVECHAT_OAUTH_CLIENT_ID and LIVECHAT_OAUTH_CLIENT_SECRET (its redirect URI must be "
                "{LIVECHAT_MCP_PUBLIC_URL}/oauth/callback)."
            )
        public = env.get("LIVECHAT_MCP_PUBLIC_URL", "").strip().rstrip("/") or f"http://{_url_host(host)}:{port}"
        parts = urlsplit(public)
        loopback = parts.hostname in ("127.0.0.1", "localhost", "::1")
        if parts.scheme != "https" and not (parts.scheme == "http" and loopback):
            raise ConfigError(f"LIVECHAT_MCP_PUBLIC_URL must be an https:// URL (http only on loopback), not {public!r}.")
        if parts.path not in ("", "/") or parts.query or parts.fragment:
            raise ConfigError("LIVECHAT_MCP_PUBLIC_URL is the server's origin, e.g. https://mcp.example.com (no path).")
        roles_text = env.get("LIVECHAT_OAUTH_WRITE_ROLES", "").strip()
        write_roles = None
        if roles_text:
            write_roles = frozenset(r.strip().lower() for r in roles_text.split(",") if r.strip())
            unknown = sorted(write_roles - set(ROLES))
            if unknown:
                raise ConfigError(f"LIVECHAT_OAUTH_WRITE_ROLES: unknown role(s) {unknown}; known: {', '.join(ROLES)}.")
        accounts = (env.get("LIVECHAT_ACCOUNTS_URL", "").strip() or DEFAULT_ACCOUNTS_URL).rstrip("/")
        return cls(
            client_id=client_id,
            client_secret=secret,
            public_url=public,
            accounts_url=accounts,
            name=env.get("LIVECHAT_MCP_NAME", "").strip() or "livechat-mcp",
            contact=env.get("LIVECHAT_MCP_CONTACT", "").strip(),
            access_ttl=_int(env, "LIVECHAT_OAUTH_ACCESS_TTL", 3600),
            refresh_ttl=_int(env, "LIVECHAT_OAUTH_REFRESH_TTL", 30 * 86400),
            write_roles=write_roles,
            allow_loopback_metadata=urlsplit(accounts).hostname in ("127.0.0.1", "localhost", "::1"),
        )


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    text = env.get(name, "").strip()
    if not text:
        return default
    try:
        value = int(text)
    except ValueError:
        raise ConfigError(f"{name} must be a number of seconds, not {text!r}.") from None
    if value < 1:
        raise ConfigError(f"{name} must be at least 1 second.")
    return value
