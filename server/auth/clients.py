"""MCP client registration: Dynamic Client Registration and Client ID Metadata Documents.

A client id that is an https URL names a Client ID Metadata Document: we fetch it ourselves,
which makes it an SSRF vector, so the fetch is held to:
- https only (http://127.0.0.1 only when the accounts service itself is on loopback: the
  sandbox and tests); no userinfo, no fragment, a path, printable ASCII;
- the name resolved once here, every address public (no private, loopback, link-local,
  multicast, reserved, or unspecified ranges), an IPv4 address embedded in an IPv6 one
  (IPv4-mapped and -translated, 6to4, Teredo, NAT64, ISATAP) public too, and the request sent to
  the checked address (with the name for SNI and Host), so DNS cannot swap in another address;
- no redirects followed, 5 s, 64 KB; the document must name itself as ``client_id``;
- cached for an hour (successes only).

What a client may claim (redirect URIs, scope, name, ...) is ``claims.admit``'s rule, applied
here to every client handed out, whichever way it came.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import socket
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import anyio
import httpx
from mcp.server.auth.provider import RegistrationError
from mcp.shared.auth import OAuthClientInformationFull

from .claims import ClaimRefused, admit, is_url_client_id
from .records import CLIENTS, Records

log = logging.getLogger("livechat_mcp.auth")

CIMD_MAX_BYTES = 64 * 1024
CIMD_TIMEOUT = 5.0
CIMD_CACHE_TTL = 3600.0
DCR_TTL = 180 * 86400.0
# Registration is anonymous: one that no sign-in has used is kept a day, not 180, so registrations
# made only to fill the store (even spread over many peers, past their per-peer limits) go soon.
UNUSED_DCR_TTL = 86400.0
CIMD = "oauth.cimd"


class MetadataDocumentError(Exception):
    """A client id URL that we will not (or could not) use; the message says why."""


__all__ = ["ClientRegistry", "MetadataDocumentError", "is_url_client_id"]
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
_COMPATIBLE = (ipaddress.ip_network("::/96"), ipaddress.ip_network("::ffff:0:0:0/96"))  # IPv4-compatible, -translated
# Not reachable on the internet, yet called global by the ipaddress module of Python before 3.12.4:
# IETF protocol assignments (192.0.0.0/24), IPv6 site-local (fec0::/10, still routed inside some
# networks) and IPv6 documentation (3fff::/20, RFC 9637).
_NOT_GLOBAL = (ipaddress.ip_network("192.0.0.0/24"), ipaddress.ip_network("fec0::/10"), ipaddress.ip_network("3fff::/20"))


def embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """Every IPv4 address an IPv6 address carries in a form that reaches it."""
    low32 = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    found = [a for a in (ip.ipv4_mapped, ip.sixtofour) if a is not None]
    if ip.teredo is not None:
        found.extend(ip.teredo)  # (server, client)
    if any(ip in net for net in (*_NAT64, *_COMPATIBLE)):
        found.append(low32)
    if (int(ip) >> 32) & 0xFDFFFFFF == 0x00005EFE:  # ISATAP interface id (::0:5efe:a.b.c.d, ::200:5efe:a.b.c.d)
        found.append(low32)
    return found


def _public_ip(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_unspecified
                                 or any(ip in net for net in _NOT_GLOBAL))


def _public(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:  # ::ffff:a.b.c.d is that IPv4 address
            return _public_ip(ip.ipv4_mapped)
        return _public_ip(ip) and all(_public_ip(v4) for v4 in embedded_ipv4(ip))
    return _public_ip(ip)


async def resolve(host: str) -> list[str]:
    infos = await anyio.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    return sorted({str(info[4][0]) for info in infos})


class ClientRegistry:
    def __init__(self, records: Records, *, allow_loopback: bool = False, timeout: float = CIMD_TIMEOUT) -> None:
        self.records = records
        self.allow_loopback = allow_loopback
        self.timeout = timeout
        self._http = httpx.AsyncClient(timeout=timeout, follow_redirects=False)

    async def aclose(self) -> None:
        await self._http.aclose()

    # --- DCR ------------------------------------------------------------------------------------

    async def register(self, info: OAuthClientInformationFull) -> None:
        """Keep an anonymous registration as ``claims.admit`` allows it (RegistrationError otherwise).
        ``info`` is changed in place to what is kept: the registration response shows it."""
        if info.client_id is None or is_url_client_id(info.client_id):
            raise ValueError("registered clients get an opaque client id")
        try:
            kept = admit(info, document=False)
        except ClaimRefused as exc:
            raise RegistrationError(exc.error, str(exc)) from None  # type: ignore[arg-type]  # RFC 7591 codes
        for name in type(info).model_fields:
            setattr(info, name, getattr(kept, name))
        await self.records.put_json(CLIENTS, info.client_id, kept.model_dump(mode="json"), ttl=UNUSED_DCR_TTL)

    async def used(self, client_id: str) -> None:
        """A sign-in through this registered client finished: keep it DCR_TTL from now."""
        if is_url_client_id(client_id):
            return  # a metadata document is fetched, not kept
        data = await self.records.get_json(CLIENTS, client_id)
        if data:
            await self.records.put_json(CLIENTS, client_id, data, ttl=DCR_TTL)

    async def get(self, client_id: str) -> OAuthClientInformationFull | None:
        """The client as the claims rule admits it; None when unknown or refused."""
        if is_url_client_id(client_id):
            try:
                return await self.metadata_document(client_id)
            except MetadataDocumentError as exc:
                log.warning("client id metadata document refused: %s", exc)
                return None
        data = await self.records.get_json(CLIENTS, client_id)
        if not data:
            return None
        try:  # a record kept before the rule (or by hand) meets it too
            return admit(OAuthClientInformationFull.model_validate(data), document=False)
        except (ClaimRefused, ValueError):
            return None

    # --- Client ID Metadata Documents -------------------------------------------------------------

    def check_url(self, url: str) -> tuple[str, int]:
        parts = urlsplit(url)
        host = parts.hostname or ""
        loopback_ok = self.allow_loopback and host in ("127.0.0.1", "localhost", "::1")
        if parts.scheme != "https" and not (parts.scheme == "http" and loopback_ok):
            raise MetadataDocumentError(f"a client id URL must be https: {url!r}")
        if parts.username or parts.password or parts.fragment or "#" in url or not host:
            raise MetadataDocumentError("a client id URL has a host, and no userinfo or fragment")
        if not url.isascii() or not url.isprintable() or " " in url or len(url) > 2000:
            raise MetadataDocumentError("a client id URL is at most 2,000 printable ASCII characters")
        if parts.path in ("", "/"):
            raise MetadataDocumentError("a client id URL has a path naming its document")
        return host, parts.port or (443 if parts.scheme == "https" else 80)

    async def metadata_document(self, url: str) -> OAuthClientInformationFull:
        host, port = self.check_url(url)
        cached = await self.records.get_json(CIMD, url)
        if cached:
            try:
                return admit(OAuthClientInformationFull.model_validate(cached), document=True)
            except (ClaimRefused, ValueError):
                pass  # fetched again below, under today's rule
        try:
            addresses = await resolve(host)
        except OSError:
            raise MetadataDocumentError(f"cannot resolve {host}") from None
        loopback_ok = self.allow_loopback and host in ("127.0.0.1", "localhost", "::1")
        usable = [a for a in addresses if _public(a) or (loopback_ok and ipaddress.ip_address(a).is_loopback)]
        if not usable or len(usable) != len(addresses):
            raise MetadataDocumentError(f"{host} resolves to a private or reserved address: not fetched")
        address = usable[0]
        parts = urlsplit(url)
        netloc = f"[{address}]:{port}" if ":" in address else f"{address}:{port}"
        pinned = urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))
        try:
            with anyio.fail_after(self.timeout):  # the whole fetch, not per read: a slow drip is cut off too
                body = await self._fetch(url, pinned, parts.netloc, host)
        except TimeoutError:
            raise MetadataDocumentError(f"{url} took longer than {self.timeout:g} s") from None
        try:
            doc: Any = json.loads(body)
        except ValueError:
            raise MetadataDocumentError(f"{url} is not JSON") from None
        except RecursionError:  # 64 KB of brackets nests past the parser's recursion limit
            raise MetadataDocumentError(f"{url} is nested too deeply to be client metadata") from None
        if not isinstance(doc, dict) or doc.get("client_id") != url:
            raise MetadataDocumentError(f"{url} does not name itself as client_id")
        try:
            # What the document claims (its scope, secret, auth method included) goes through the one rule.
            info = admit(OAuthClientInformationFull.model_validate(doc), document=True)
        except ClaimRefused as exc:
            raise MetadataDocumentError(f"{url}: {exc}") from None
        except ValueError as exc:
            raise MetadataDocumentError(f"{url} is not valid client metadata: {exc}") from None
        await self.records.put_json(CIMD, url, info.model_dump(mode="json"), ttl=CIMD_CACHE_TTL)
        return info

    async def _fetch(self, url: str, pinned: str, netloc: str, host: str) -> bytes:
        try:
            async with self._http.stream(
                "GET", pinned, headers={"Host": netloc, "Accept": "application/json"},
                extensions={"sni_hostname": host},
            ) as resp:
                if resp.status_code != 200:
                    raise MetadataDocumentError(f"{url} answered HTTP {resp.status_code} (redirects are not followed)")
                body = b""
                async for chunk in resp.aiter_bytes():
                    body += chunk
                    if len(body) > CIMD_MAX_BYTES:
                        raise MetadataDocumentError(f"{url} is larger than {CIMD_MAX_BYTES} bytes")
        except httpx.HTTPError as exc:
            raise MetadataDocumentError(f"{url} could not be fetched ({type(exc).__name__})") from None
        return body
