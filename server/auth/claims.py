"""What an MCP client may register or claim: one rule, applied wherever a client comes from.

A client is either registered anonymously (Dynamic Client Registration) or names a Client ID
Metadata Document we fetch; either way everything it says about itself is a claim. ``admit``
turns a claimed record into the record we use, or refuses it, and ``ClientRegistry`` applies it
to every client it hands out (a registration, a metadata document, a record stored before this
rule existed), so no path reaches /authorize, /token or a page with a client this rule refused.

- Redirect URIs: 1 to 10, each at most 2,000 printable ASCII characters; ``https`` with a host;
  ``http`` only to a loopback host (127.0.0.1, localhost, [::1]: native apps, RFC 8252 §7.3);
  or a native app's private-use scheme (RFC 8252 §7.1) that no browser gives a meaning of its
  own (``javascript:``, ``data:``, ``file:``, ``blob:``, ``ws:`` ...) or an operating system runs
  a program of its own with (``ms-msdt:``, ``search-ms:``, ``itms-services:`` ...). Never a
  fragment (RFC 6749 §3.1.2) or a user-information part (``https://claude.ai@evil.example``).
- Scope: a client can ask for nothing but ``livechat``, whatever it registered or its document
  says; what a person may do is decided per call by their effective policy.
- Grants ``authorization_code`` (+ ``refresh_token``), response type ``code``; a metadata
  document is a public client (``none``: no secret is ever trusted from a document).
- The name is shown on the consent page as the client's own claim: invisible and bidirectional
  control characters are removed, whitespace collapsed, 100 characters at most.
- Metadata we never use (logo, contacts, keys, ...) is not kept.

Redirecting an error from /authorize back to a client (RFC 6749 §4.1.2.1) turns us into an
open redirector for whoever registered the URI, so ``may_redirect_errors`` allows it only to a
client whose redirect URI is vouched for by its own client id: a metadata document's URL on the
same scheme and host. Everyone else is shown the error instead.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from mcp.shared.auth import OAuthClientInformationFull

from ..safety.untrusted import clean

MCP_SCOPE = "livechat"  # the one scope of our tokens
MAX_REDIRECT_URIS = 10
MAX_URI_CHARS = 2000
MAX_NAME_CHARS = 100
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
GRANT_TYPES = ("authorization_code", "refresh_token")
AUTH_METHODS = ("none", "client_secret_post", "client_secret_basic")
# Schemes a browser acts on itself (runs, reads, shows or hands to another program): never a redirect URI.
BROWSER_SCHEMES = frozenset({
    "javascript", "data", "vbscript", "file", "blob", "about", "filesystem", "view-source", "ftp", "ws", "wss",
    "mailto", "tel", "sms", "intent", "jar", "chrome", "chrome-extension", "moz-extension", "resource", "ms-settings",
    "urn", "news", "nntp", "gopher", "ldap", "smb", "res",
    # ... or an operating system runs a program of its own with (installers, shells, diagnostics).
    "search", "search-ms", "shell", "hcp", "mk", "its", "ms-its", "itms-services", "itms-apps", "market",
    "android-app", "x-apple-systempreferences", "vnd.ms-excel", "microsoft-edge",
    # Other browsers' own pages and readers, and launchers of downloaded programs (Java Web Start, terminals).
    "edge", "opera", "brave", "vivaldi", "mhtml", "wyciwyg", "moz-icon", "jnlp", "jnlps", "telnet", "rlogin", "tn3270",
})
_OS_SCHEME_PREFIXES = ("ms-", "microsoft", "windows")
_SCHEME = re.compile(r"[a-z][a-z0-9+.-]*\Z")
_PRINTABLE_ASCII = re.compile(r"[\x21-\x7e]+\Z")
KEPT = ("client_id", "client_secret", "client_id_issued_at", "client_secret_expires_at", "client_name",
        "redirect_uris", "grant_types", "response_types", "token_endpoint_auth_method", "scope")


class ClaimRefused(ValueError):
    """A client record we will not use; ``error`` is the RFC 7591 error code, the message says why."""

    def __init__(self, error: str, message: str) -> None:
        super().__init__(message)
        self.error = error


def is_url_client_id(client_id: str) -> bool:
    return client_id.startswith(("https://", "http://"))


def redirect_uri_problem(uri: str) -> str | None:
    """Why ``uri`` may not be a redirect URI, or None when it may."""
    if len(uri) > MAX_URI_CHARS:
        return f"a redirect URI is at most {MAX_URI_CHARS} characters"
    if not _PRINTABLE_ASCII.match(uri):
        return "a redirect URI is printable ASCII without spaces (percent-encode anything else)"
    try:
        parts = urlsplit(uri)
        host = parts.hostname
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError:
        return "a redirect URI must be a valid absolute URI"
    scheme = parts.scheme.lower()
    if not scheme or not _SCHEME.match(scheme):
        return "a redirect URI must be an absolute URI with a scheme"
    if "#" in uri:
        return "a redirect URI must not have a fragment"
    if "@" in parts.netloc:
        return "a redirect URI must not have a user-information part"
    if scheme == "https":
        return None if host else "an https redirect URI needs a host"
    if scheme == "http":
        return None if host in LOOPBACK_HOSTS else "a plain http redirect URI is allowed only to a loopback host"
    if scheme in BROWSER_SCHEMES or scheme.startswith(_OS_SCHEME_PREFIXES):
        return f"{scheme}: is not a redirect URI scheme"
    return None  # a native app's private-use scheme (RFC 8252 §7.1)


def clean_name(name: str | None) -> str | None:
    if name is None:
        return None
    text = " ".join(clean(name).split())
    if len(text) > MAX_NAME_CHARS:
        text = text[:MAX_NAME_CHARS - 1].rstrip() + "…"
    return text or None


def admit(info: OAuthClientInformationFull, *, document: bool) -> OAuthClientInformationFull:
    """The record we use for a client's claims (``document``: from a Client ID Metadata Document),
    or ClaimRefused."""
    uris = [str(u) for u in info.redirect_uris or []]
    if not uris:
        raise ClaimRefused("invalid_redirect_uri", "a client lists at least one redirect URI")
    if len(uris) > MAX_REDIRECT_URIS:
        raise ClaimRefused("invalid_redirect_uri", f"a client lists at most {MAX_REDIRECT_URIS} redirect URIs")
    for uri in uris:
        problem = redirect_uri_problem(uri)
        if problem is not None:
            raise ClaimRefused("invalid_redirect_uri", f"{problem}: {uri[:200]!r}")
    grants = list(info.grant_types or ["authorization_code"])
    if "authorization_code" not in grants or any(g not in GRANT_TYPES for g in grants):
        raise ClaimRefused("invalid_client_metadata",
                           "grant_types may be authorization_code and refresh_token only, authorization_code included")
    if any(r != "code" for r in info.response_types or ["code"]):
        raise ClaimRefused("invalid_client_metadata", "response_types may be code only")
    method = "none" if document else (info.token_endpoint_auth_method or "client_secret_post")
    if method not in AUTH_METHODS:
        raise ClaimRefused("invalid_client_metadata",
                           f"token_endpoint_auth_method must be one of {', '.join(AUTH_METHODS)}")
    if method == "none" and not document and info.client_secret:
        raise ClaimRefused("invalid_client_metadata", "a public client has no secret")
    data: dict[str, Any] = {k: v for k, v in info.model_dump(mode="json").items() if k in KEPT}
    data.update(redirect_uris=uris, grant_types=grants, response_types=["code"], token_endpoint_auth_method=method,
                scope=MCP_SCOPE, client_name=clean_name(info.client_name))
    if document:
        data["client_secret"] = None
        data["client_secret_expires_at"] = None
    return OAuthClientInformationFull.model_validate(data)


def may_redirect_errors(client: OAuthClientInformationFull, redirect_uri: str) -> bool:
    """Whether an error at /authorize may be sent to ``redirect_uri``: only when the client's own
    id (a metadata document's URL) vouches for it, on the same scheme and host."""
    client_id = client.client_id or ""
    if not is_url_client_id(client_id):
        return False  # registered anonymously: anyone could have registered any URI
    ours, theirs = urlsplit(client_id), urlsplit(redirect_uri)
    return (ours.scheme, ours.hostname, ours.port) == (theirs.scheme, theirs.hostname, theirs.port)
