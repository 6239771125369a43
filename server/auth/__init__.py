"""Hosted mode: the OAuth 2.1 authorization server for MCP clients, backed by LiveChat sign-in.

One job per module:
- ``settings``: what the operator configures (``--oauth`` and the LIVECHAT_OAUTH_* variables).
- ``livechat``: the client of LiveChat's accounts service (authorize URL, token, info, me, revoke).
- ``records``: what is kept in the store (pending sign-ins, grants with sealed LiveChat tokens,
  our codes and tokens) and the ``Records`` door to it.
- ``clients``: MCP client registration: Dynamic Client Registration and Client ID Metadata
  Documents (fetched with SSRF guards).
- ``pages``: the consent, confirmation and error pages (server-rendered, escaped, strict CSP).
- ``provider``: the SDK's ``OAuthAuthorizationServerProvider`` and ``TokenVerifier``.
- ``flow``: our consent page, the ``/oauth/callback`` from LiveChat and the confirmation.
- ``principal``: who is calling, their effective policy, and their runtime per request.

Wiring it into the streamable HTTP app is a door's job (server/doors/hosted.py). This package
sits above the call path (it builds each person's runtime and writes the audit log): it may import
the call path and everything below it; never meta or the doors.
"""
