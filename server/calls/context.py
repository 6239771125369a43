"""Process, person, call: the three lifetimes every request is served under.

- ``App`` (server/calls/runtime.py builds it): one per process. The settings, the operator's policy
  (the ceiling no person exceeds), one shared HTTP connection pool, the state store, the audit
  sink, the sandbox.
- ``Principal`` (server/calls/runtime.py for the one person of stdio/CLI, server/auth/principal.py
  per request in hosted mode): who is calling. Their credential, license, region, client id,
  effective policy (ceiling ∩ their own ∩ their token's scopes), scrubber, and the pipeline
  that acts for them.
- ``CallContext`` (this module): one call. The session whose plan it reaches, how to report
  progress, and whom to ask for a confirmation (the app and principal a call runs as are the
  runtime's whose pipeline takes it).

This module holds only the call's type, so every door (MCP handlers, the CLI, meta tools, the
pipeline) can name what it passes without importing the others.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from .confirm import Asker

# (seconds waited, why): the upstream client waits for the budget or a retry.
WaitCallback = Callable[[float, str], Awaitable[None]]
# (done, total or None, message): a long call's progress, for the client or the terminal.
Progress = Callable[[float, float | None, str], Awaitable[None]]


@dataclass
class CallContext:
    """One call: whose session it reaches and what the door that took it can do."""

    session: str = "process"  # whose plan the call reaches (server/doors/mcp_app.py session_key)
    progress: Progress | None = None
    ask: Asker | None = None  # asks the person for a confirmation; None: no one can be asked
    waited: float = field(default=0.0, init=False, repr=False)

    async def on_wait(self, seconds: float, message: str) -> None:
        """Waiting (budget, retries) reported as progress: the time waited so far."""
        self.waited += seconds
        if self.progress is not None:
            await self.progress(self.waited, None, message)
