"""Times as plans show them to people: UTC, to the second, with a ``Z`` (2026-12-07T14:02:11Z).

One form for every time a plan's answers carry (the document's created_at, the lifecycle's
stored/approved/applied times, an apply's done_at), so a person or an assistant comparing two of
them compares like with like. The audit log keeps its own machine form (milliseconds).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime


def when(at: float | None) -> str | None:
    """An epoch time as people read it, or None."""
    if at is None:
        return None
    return datetime.fromtimestamp(at, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def now() -> str:
    return datetime.fromtimestamp(time.time(), UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
