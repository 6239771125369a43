"""The embedded sandbox: a stateful emulator of the LiveChat Configuration API v3.6."""

from .app import DEFAULT_TOKEN, SANDBOX_NOTICE, Sandbox, SandboxCredential

__all__ = ["DEFAULT_TOKEN", "SANDBOX_NOTICE", "Sandbox", "SandboxCredential"]
