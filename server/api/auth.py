"""Credentials: an OAuth access token (Bearer) or a Personal Access Token (Basic).

A credential object never renders its secret: ``repr``/``str`` show only the kind, so it
cannot leak through a log line or an error message by accident.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Generator, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx

from ..errors import ConfigError, MissingCredentials

REGIONS = ("dal", "fra")
CREDENTIAL_MARKER = "<redacted credential>"


@dataclass(frozen=True)
class Credential(httpx.Auth):
    """A principal's credential, and the ``httpx.Auth`` that signs their requests with it: the
    client sends with ``auth=credential``, so the secret is added only as a request leaves."""

    kind: str  # "bearer" | "pat" | "none" (NO_CREDENTIAL: local commands run without one)
    _secret: str = field(repr=False)
    account_id: str | None = None

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = self.authorization()
        yield request

    def authorization(self) -> str:
        if self.kind == "none":
            # A command that needs no license (tools, policy, plans list) never sends; should
            # anything try, it stops here with the operator's message rather than send "Bearer ".
            raise MissingCredentials("No LiveChat credentials: this command needs a license to reach LiveChat.")
        if self.kind == "pat":
            raw = f"{self.account_id}:{self._secret}".encode()
            return "Basic " + base64.b64encode(raw).decode()
        return f"Bearer {self._secret}"

    @property
    def token_region(self) -> str | None:
        """The data center named by an OAuth token's ``dal:``/``fra:`` prefix."""
        if self.kind == "bearer":
            prefix, sep, _ = self._secret.partition(":")
            if sep and prefix in REGIONS:
                return prefix
        return None

    def secrets(self) -> tuple[str, ...]:
        """Every string that must never be written anywhere (for redaction filters)."""
        if self.kind == "none":
            return ()
        values = [self._secret, self.authorization()]
        if self.kind == "pat":
            values.append(self.authorization().removeprefix("Basic "))
        else:
            _, _, bare = self._secret.partition(":")
            if bare and len(bare) >= 8:
                values.append(bare)
        return tuple(v for v in values if v)

    def describe(self) -> str:
        if self.kind == "none":
            return "no credentials"
        return "Personal Access Token" if self.kind == "pat" else "OAuth access token"

    def __str__(self) -> str:
        return f"<{self.describe()}>"


# The credential of a command that reads only this machine (tools, policy, plans list/show/export)
# when none is set: what the policy allows is shown, and nothing can be sent with it.
NO_CREDENTIAL = Credential("none", "")


def bearer(token: str) -> Credential:
    return Credential("bearer", token)


def pat(account_id: str, token: str) -> Credential:
    return Credential("pat", token, account_id=account_id)


# Values people leave in a config by mistake: a template's <...>, an unexpanded ${VAR}, "changeme".
_PLACEHOLDER_WORDS = frozenset({
    "xxx", "changeme", "change-me", "change_me", "replaceme", "replace-me", "replace_me", "placeholder",
    "todo", "tbd", "none", "null", "undefined",
    "your-token-here", "your_token_here", "yourtokenhere", "your-token", "your-pat", "your-account-id",
    "access-token", "access_token", "account-id", "account_id", "personal-access-token", "...",
})
_PLACEHOLDER = re.compile(
    r"[<>]"  # a template's <...>: never part of a real token
    r"|^\[.*\]$|^\{.*\}$|^\$\{?[A-Za-z_:][\w:.-]*\}?$|^%\w+%$"  # [..], {{..}}, $VAR / ${VAR}, %VAR%
    r"|^(x+|\*+|\.+|0+|-+)$"  # xxxxxxxx, ********
    r"|^(insert|enter|put|paste|add)?[-_ ]?your[-_ ]?",  # your-token-here, YOUR_ACCESS_TOKEN, insert-your-pat
    re.IGNORECASE,
)


def check_credential_value(name: str, value: str, what: str = "") -> None:
    """Refuse a credential that cannot be right, naming the variable and never echoing the value.

    Non-ASCII or whitespace inside a token would otherwise fail every request with an encoding
    traceback, and a template placeholder would reach LiveChat as a login attempt.
    """
    bare = value.partition(":")[2] if name == "LIVECHAT_ACCESS_TOKEN" and value[:4] in ("dal:", "fra:") else value
    if bare.lower() in _PLACEHOLDER_WORDS or _PLACEHOLDER.search(bare):
        raise ConfigError(
            f"{name} still holds a placeholder, not a real value; set it to "
            + (what or ("your LiveChat account ID" if name == "LIVECHAT_ACCOUNT_ID" else "your LiveChat credential")
               + " (or run with --sandbox to try the server without one)")
            + "."
        )
    if any(ord(ch) > 126 or ord(ch) < 33 for ch in value):
        kind = "non-ASCII characters" if any(ord(ch) > 126 for ch in value) else "whitespace or control characters"
        raise ConfigError(
            f"{name} contains {kind}; a credential is plain ASCII without spaces. "
            f"Copy it again{'' if what else ' from the Developer Console'} (the value is not shown here)."
        )
    if name == "LIVECHAT_ACCOUNT_ID" and ":" in value:
        raise ConfigError("LIVECHAT_ACCOUNT_ID contains ':', which no account ID has (it separates the ID from the PAT).")


def credential_from_env(env: Mapping[str, str]) -> Credential | None:
    token = env.get("LIVECHAT_ACCESS_TOKEN", "").strip()
    account = env.get("LIVECHAT_ACCOUNT_ID", "").strip()
    personal = env.get("LIVECHAT_PAT", "").strip()
    for name, value in (("LIVECHAT_ACCESS_TOKEN", token), ("LIVECHAT_ACCOUNT_ID", account), ("LIVECHAT_PAT", personal)):
        if value:
            check_credential_value(name, value)
    if token and personal:
        raise ConfigError("Set either LIVECHAT_ACCESS_TOKEN or LIVECHAT_ACCOUNT_ID + LIVECHAT_PAT, not both.")
    if token:
        return bearer(token)
    if personal or account:
        if not (personal and account):
            missing = "LIVECHAT_ACCOUNT_ID" if personal else "LIVECHAT_PAT"
            raise ConfigError(f"A Personal Access Token needs both LIVECHAT_ACCOUNT_ID and LIVECHAT_PAT; {missing} is not set.")
        return pat(account, personal)
    return None


def service_url(env: Mapping[str, str], name: str, default: str) -> str:
    """An upstream base URL from ``name``: http(s), a host, and no user name, password, query or
    fragment. A user:password@ part would replace the credential (httpx sends it as Basic auth)
    and be printed wherever the URL is shown; it is refused, and never echoed."""
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        parts = urlsplit(raw)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        raise ConfigError(f"{name} is not a valid URL; use e.g. {default}") from None
    shown = f"{parts.scheme}://{host}{f':{port}' if port else ''}{parts.path}" if host else "(not shown)"
    if "@" in parts.netloc:
        raise ConfigError(
            f"{name} carries a user name or password before '@' ({shown} without it); remove it: "
            "LiveChat is authenticated with LIVECHAT_ACCESS_TOKEN or LIVECHAT_ACCOUNT_ID + LIVECHAT_PAT."
        )
    if parts.scheme not in ("http", "https") or not host:
        raise ConfigError(f"{name} must be an http(s) URL with a host, e.g. {default}")
    if parts.query or parts.fragment:
        raise ConfigError(f"{name} must not carry a query or fragment ({shown} without it)")
    return raw


def region_from(credential: Credential, override: str | None) -> str | None:
    if override:
        override = override.strip().lower()
        if override not in REGIONS:
            raise ConfigError(f"LIVECHAT_REGION must be one of {', '.join(REGIONS)}, not {override!r}.")
        return override
    return credential.token_region
