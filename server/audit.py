"""The audit log: one JSON line per tool call, flushed per line.

Arguments are recorded with secret fields redacted, and every line passes the credential
scrubber, so an audit record can never carry a token, PAT or bot secret.
"""

from __future__ import annotations

import json
import sys
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Any

from .api.auth import ConfigError
from .redact import Scrubber, redact_keys

SECRET_ARGUMENT_KEYS = frozenset({"bot_secret", "secret_key", "secret", "token", "access_token", "password"})


class AuditLog:
    def __init__(self, target: str | Path | None, scrubber: Scrubber) -> None:
        self._scrub = scrubber
        self._lock = threading.Lock()
        if target is None or str(target) == "-" or str(target) == "stderr":
            self._stream: IO[str] = sys.stderr
            self._owned = False
        else:
            try:
                self._stream = open(target, "a", encoding="utf-8", buffering=1)
            except OSError as exc:
                raise ConfigError(f"cannot open the audit log {target}: {exc.strerror or exc}") from None
            self._owned = True

    def record(
        self,
        *,
        tool: str,
        decision: str,
        rule: str,
        arguments: Any,
        duration_ms: float,
        outcome: dict[str, Any] | None = None,
        session: str | None = None,
    ) -> None:
        line = {
            "time": datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
            "tool": tool,
            "decision": decision,
            "rule": rule,
            "outcome": outcome or {},
            "duration_ms": round(duration_ms, 2),
            "arguments": redact_keys(arguments, SECRET_ARGUMENT_KEYS),
        }
        if session:
            line["session"] = session
        text = self._scrub(json.dumps(line, default=str, separators=(",", ":")))
        with self._lock:
            self._stream.write(text + "\n")
            self._stream.flush()

    def close(self) -> None:
        if self._owned:
            self._stream.close()
