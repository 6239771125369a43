"""The embedded sandbox: a stateful emulator of the LiveChat Configuration API v3.6."""

from ..tools import PRIVATE_SCOPES
from .app import ALL_SCOPES_TOKEN, APP_TOKEN, DEFAULT_TOKEN, Sandbox, SandboxCredential
from .core import SANDBOX_NOTICE

__all__ = [
    "ALL_SCOPES_TOKEN", "APP_TOKEN", "DEFAULT_TOKEN", "PRIVATE_SCOPES", "SANDBOX_NOTICE", "Sandbox", "SandboxCredential",
]
