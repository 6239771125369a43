"""`livechat-mcp plan FILE [--prune] [--kinds ...]`: a stored plan that makes the license match a
configuration document (the plan_config tool), to review, rehearse and apply by id like any plan."""

from __future__ import annotations

import argparse
import json
import sys

from ...calls.runtime import Runtime
from .base import fail
from .documents import UsageError, document, error_line, kinds, only, run_tool


async def run(runtime: Runtime, args: argparse.Namespace) -> int:
    try:
        doc, wanted = document(args.file), kinds(args.kinds)
    except UsageError as exc:
        return fail(str(exc))
    arguments = {"document": only(doc, wanted), "prune": args.prune}
    result = await run_tool(runtime, "plan_config", arguments)
    if result.is_error:
        return fail(f"not planned: {error_line(result.data)}", 1)
    data = result.data
    for item in data.get("left_out", []):
        print(f"livechat-mcp: left out: {item['object']}: {item.get('what', item.get('action'))}: {item['why']}",
              file=sys.stderr)
    print(json.dumps(data, indent=2, ensure_ascii=False))
    return 0
