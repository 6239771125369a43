"""`livechat-mcp`'s entry point. It pauses the garbage collector while the server starts: a start
allocates some 300,000 objects that live as long as the process (modules, classes, schemas) and
almost no garbage, and collecting while importing them scanned them over and over, about 50 ms of
a stdio start (issue 26). The commands run in server/doors/cli/dispatch.py, imported here so that
their imports are made with the collector paused."""

from __future__ import annotations

import gc
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None, *, bundle: bool = False) -> int:
    """``bundle``: started by the Claude Desktop extension (scripts/build_bundle.py's main.py),
    whose settings, not flags, are what a person changes."""
    collecting = gc.isenabled()
    gc.disable()

    def started() -> None:
        # The start's objects move out of the collector's sight for good (gc.freeze), so that it
        # does not scan them again at the next collection nor at every full one while serving.
        # Only for this process's own command line: a caller of main() in its own process (the
        # tests) keeps its objects collectable.
        if argv is None:
            gc.freeze()
        if collecting:
            gc.enable()

    try:
        from .dispatch import dispatch

        return dispatch(argv, bundle=bundle, started=started)
    finally:
        if collecting:
            gc.enable()
