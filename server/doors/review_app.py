"""The plan review app (MCP Apps, ``io.modelcontextprotocol/ui``).

get_plan, and in dry-run every write tool (whose answer is "planned"), point at one ``ui://``
resource through the tool's ``_meta.ui.resourceUri``. Hosts that render MCP Apps (Claude,
ChatGPT, VS Code, Cursor) show it in a sandboxed frame: the plan's steps grouped by object,
before → after where the plan knows "before", warnings and expected failures, destructive steps
marked in words (readable without colour), what undo can restore; "Apply" calls apply_plan (by
plan id and mac when the plan has an id, else with the document) and "Discard" calls clear_plan,
both through the host, which puts them through its own consent and our policy and confirmations.

The page is one self-contained file (server/doors/review_app.html): no external script, style, font
or image, and a strict CSP, both in the page and in the resource's metadata (no domains at all).
Clients without Apps ignore the metadata and read the same plan as text (get_plan's answer).
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

URI = "ui://livechat-mcp/plan-review.html"
EXTENSION_ID = "io.modelcontextprotocol/ui"
MIME_TYPE = "text/html;profile=mcp-app"
NAME = "plan-review"
DESCRIPTION = "Review the dry-run plan as a table of changes; apply or discard it."
# No connect/resource/frame domains: the page loads nothing and talks only to its host.
RESOURCE_META: dict[str, Any] = {"ui": {"csp": {"connectDomains": [], "resourceDomains": []}, "prefersBorder": True}}
TOOL_META: dict[str, Any] = {"ui": {"resourceUri": URI}}


@cache
def html() -> str:
    return (resources.files(__package__) / "review_app.html").read_text(encoding="utf-8")
