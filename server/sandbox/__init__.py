"""The embedded sandbox: a stateful emulator of the LiveChat Configuration API v3.6 and of the
accounts service. ``app`` serves it (ASGI); ``resources`` gathers one module per resource (each
imports ``core`` and its peers' helpers, never ``app`` or ``resources``); ``accounts``: tokens,
sign-in, token info.

May import the catalogue (tools) only: it emulates LiveChat, and knows nothing of the server.
"""

from ..tools import PRIVATE_SCOPES
from .app import ALL_SCOPES_TOKEN, APP_TOKEN, DEFAULT_TOKEN, Sandbox, SandboxCredential, regional
from .core import SANDBOX_NOTICE

__all__ = [
    "ALL_SCOPES_TOKEN", "APP_TOKEN", "DEFAULT_TOKEN", "PRIVATE_SCOPES", "SANDBOX_NOTICE", "Sandbox", "SandboxCredential",
    "regional",
]
