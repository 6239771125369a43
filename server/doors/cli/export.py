"""`livechat-mcp export [--kinds ...] [-o FILE]`: the license's configuration as one document,
through the export_config tool (same policy, reads, audit lines)."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from ...calls.runtime import Runtime
from ...license_config.document import dumps
from .base import fail
from .documents import UsageError, error_line, kinds, run_tool


async def run(runtime: Runtime, args: argparse.Namespace) -> int:
    try:
        wanted = kinds(args.kinds)
    except UsageError as exc:
        return fail(str(exc))
    result = await run_tool(runtime, "export_config", {"kinds": wanted} if wanted else {})
    if result.is_error:
        return fail(f"export failed: {error_line(result.data)}", 1)
    doc = result.data
    text = dumps(doc)
    for kind, why in (doc.get("omitted") or {}).items():
        print(f"livechat-mcp: {kind} left out: {why}", file=sys.stderr)
    if not args.output or args.output == "-":
        sys.stdout.write(text)
        return 0
    # Written whole or not at all: a backup is never half a file (a temporary file renamed over it).
    target = Path(args.output)
    try:
        fd, tmp = tempfile.mkstemp(dir=target.parent if str(target.parent) else ".", prefix=f".{target.name}.")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(tmp, target)
    except OSError as exc:
        return fail(f"cannot write {args.output}: {exc.strerror or exc}")
    counts = ", ".join(f"{len(v)} {k}" for k, v in doc.items() if isinstance(v, list))
    print(f"livechat-mcp: wrote {args.output} ({counts})", file=sys.stderr)
    return 0
