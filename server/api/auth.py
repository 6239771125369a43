"""Credentials: an OAuth access token (Bearer) or a Personal Access Token (Basic).

A credential object never renders its secret: ``repr``/``str`` show only the kind, so it
cannot leak through a log line or an error message by accident.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass, field

REGIONS = ("dal", "fra")
CREDENTIAL_MARKER = "<redacted credential>"


class ConfigError(Exception):
    """A configuration problem the operator must fix; the message says how."""


@dataclass(frozen=True)
class Credential:
    kind: str  # "bearer" | "pat"
    _secret: str = field(repr=False)
    account_id: str | None = None

    def authorization(self) -> str:
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
        values = [self._secret, self.authorization()]
        if self.kind == "pat":
            values.append(self.authorization().removeprefix("Basic "))
        else:
            _, _, bare = self._secret.partition(":")
            if bare and len(bare) >= 8:
                values.append(bare)
        return tuple(v for v in values if v)

    def describe(self) -> str:
        return "Personal Access Token" if self.kind == "pat" else "OAuth access token"

    def __str__(self) -> str:
        return f"<{self.describe()}>"


def bearer(token: str) -> Credential:
    return Credential("bearer", token)


def pat(account_id: str, token: str) -> Credential:
    return Credential("pat", token, account_id=account_id)


def credential_from_env(env: Mapping[str, str]) -> Credential | None:
    token = env.get("LIVECHAT_ACCESS_TOKEN", "").strip()
    account = env.get("LIVECHAT_ACCOUNT_ID", "").strip()
    personal = env.get("LIVECHAT_PAT", "").strip()
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


def region_from(credential: Credential, override: str | None) -> str | None:
    if override:
        override = override.strip().lower()
        if override not in REGIONS:
            raise ConfigError(f"LIVECHAT_REGION must be one of {', '.join(REGIONS)}, not {override!r}.")
        return override
    return credential.token_region
