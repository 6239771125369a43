"""`livechat-mcp diff FILE [--json] [--kinds ...]`: what differs between a configuration document
and the license. Exit codes as diff(1): 0 the license matches, 1 it differs, 2 trouble."""

from __future__ import annotations

import argparse
import json

from ...calls.runtime import Runtime
from .base import fail
from .documents import UsageError, document, error_line, kinds, only, run_tool


async def run(runtime: Runtime, args: argparse.Namespace) -> int:
    try:
        doc, wanted = document(args.file), kinds(args.kinds)
    except UsageError as exc:
        return fail(str(exc))
    result = await run_tool(runtime, "diff_config", {"document": only(doc, wanted)})
    if result.is_error:
        return fail(f"diff failed: {error_line(result.data)}", 2)
    data = result.data
    if args.json:
        print(json.dumps({k: v for k, v in data.items() if k != "text"}, indent=2, ensure_ascii=False))
    else:
        print(data["text"])
    return 1 if data["differs"] else 0
