"""MCP client registration: Dynamic Client Registration and Client ID Metadata Documents.

A client id that is an https URL names a Client ID Metadata Document: we fetch it ourselves,
which makes it an SSRF vector, so the fetch is held to:
- https only (http://127.0.0.1 only when the accounts service itself is on loopback: the
  sandbox and tests); no userinfo, no fragment, a path;
- the name resolved once here, every address public (no private, loopback, link-local,
  multicast, reserved, or unspecified ranges), and the request sent to the checked address
  (with the name for SNI and Host), so DNS cannot swap in another address afterwards;
- no redirects followed, 5 s, 64 KB; the document must name itself as ``client_id``;
- cached for an hour (successes only).
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
from mcp.shared.auth import OAuthClientInformationFull

from .records import CLIENTS, Records

log = logging.getLogger("livechat_mcp.auth")

CIMD_MAX_BYTES = 64 * 1024
CIMD_TIMEOUT = 5.0
CIMD_CACHE_TTL = 3600.0
DCR_TTL = 180 * 86400.0
CIMD = "oauth.cimd"


class MetadataDocumentError(Exception):
    """A client id URL that we will not (or could not) use; the message says why."""


def is_url_client_id(client_id: str) -> bool:
    return client_id.startswith(("https://", "http://"))


def _public(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_unspecified)


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
        if info.client_id is None or is_url_client_id(info.client_id):
            raise ValueError("registered clients get an opaque client id")
        await self.records.put_json(CLIENTS, info.client_id, info.model_dump(mode="json"), ttl=DCR_TTL)

    async def get(self, client_id: str) -> OAuthClientInformationFull | None:
        if is_url_client_id(client_id):
            try:
                return await self.metadata_document(client_id)
            except MetadataDocumentError as exc:
                log.warning("client id metadata document refused: %s", exc)
                return None
        data = await self.records.get_json(CLIENTS, client_id)
        return OAuthClientInformationFull.model_validate(data) if data else None

    # --- Client ID Metadata Documents -------------------------------------------------------------

    def check_url(self, url: str) -> tuple[str, int]:
        parts = urlsplit(url)
        host = parts.hostname or ""
        loopback_ok = self.allow_loopback and host in ("127.0.0.1", "localhost", "::1")
        if parts.scheme != "https" and not (parts.scheme == "http" and loopback_ok):
            raise MetadataDocumentError(f"a client id URL must be https: {url!r}")
        if parts.username or parts.password or parts.fragment or not host:
            raise MetadataDocumentError("a client id URL has a host, and no userinfo or fragment")
        if parts.path in ("", "/"):
            raise MetadataDocumentError("a client id URL has a path naming its document")
        return host, parts.port or (443 if parts.scheme == "https" else 80)

    async def metadata_document(self, url: str) -> OAuthClientInformationFull:
        cached = await self.records.get_json(CIMD, url)
        if cached:
            return OAuthClientInformationFull.model_validate(cached)
        host, port = self.check_url(url)
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
        if not isinstance(doc, dict) or doc.get("client_id") != url:
            raise MetadataDocumentError(f"{url} does not name itself as client_id")
        try:
            info = OAuthClientInformationFull.model_validate({"scope": "livechat", **doc,
                                                              "token_endpoint_auth_method": "none",
                                                              "client_secret": None})
        except ValueError as exc:
            raise MetadataDocumentError(f"{url} is not valid client metadata: {exc}") from None
        if not info.redirect_uris:
            raise MetadataDocumentError(f"{url} lists no redirect_uris")
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
