"""A plan as a person hands it over: the text an assistant showed, copied and pasted.

get_plan's answer reaches a person as text: the plan document as JSON, often inside the
untrusted-data label (server/safety/untrusted.py) because its checks quote the license, perhaps
after a summary sentence, perhaps inside a Markdown code fence, or, from a client that prints
whole results (the MCP Inspector's CLI), as the tool result object with that text escaped in it.
``read_plan_text`` finds the plan document in any of these and returns it as parsed JSON. It
decides nothing about trust: the MAC does (server/plans/document.py ``verify``), so a copy with
one character changed is refused at apply like any edited document.

What it returns is either a plan document (``kind`` = livechat-mcp/plan) or a summary
(get_plan ``view: "summary"``: ``plan_id`` and ``mac`` without steps), which names a stored plan.
"""

from __future__ import annotations

import json
import re
from typing import Any

from .document import KIND, MAX_DOCUMENT_BYTES, MAX_DOCUMENT_DEPTH, PlanError

# The label's tags (server/safety/untrusted.py BOUNDARY, ID_HEX): <untrusted-data-0123456789ab>.
_OPEN = re.compile(r"<(untrusted-data-[0-9a-f]{12})>")
_FENCE = re.compile(r"^\s*```[\w-]*\s*$", re.M)
_STARTS = 50  # the most places an object may start that are tried (each is parsed from there)

WHAT_TO_GIVE = ("give the plan id (from get_plan or `livechat-mcp plans list`), the file get_plan's document was "
                "saved to, or the whole text of get_plan's answer")


def unwrap(text: str) -> str:
    """``text`` without the untrusted-data label around it (the first one, its own closing tag)
    and without Markdown code fences; anything else is kept for the parser to skip."""
    opened = _OPEN.search(text)
    if opened is not None:
        end = text.find(f"</{opened.group(1)}>", opened.end())
        text = text[opened.end():] if end < 0 else text[opened.end():end]
    return _FENCE.sub("", text).strip()


def is_plan(value: Any) -> bool:
    return isinstance(value, dict) and value.get("kind") == KIND


def names_stored_plan(value: Any) -> bool:
    """A get_plan summary (or any object) naming a stored plan by id and MAC, without its steps."""
    return (isinstance(value, dict) and "steps" not in value and isinstance(value.get("plan_id"), str)
            and isinstance(value.get("mac"), str))


def read_plan_text(text: str) -> dict[str, Any]:
    """The plan document (or stored-plan summary) in pasted text; PlanError saying what is wrong."""
    if len(text.encode("utf-8", "replace")) > MAX_DOCUMENT_BYTES:
        raise PlanError(f"the text is over {MAX_DOCUMENT_BYTES:,} bytes (MAX_DOCUMENT_BYTES): split the work into "
                        "several plans")
    return _find(text, depth=0)


def _find(text: str, depth: int) -> dict[str, Any]:
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    if not text.strip():
        raise PlanError(f"the text is empty: {WHAT_TO_GIVE}")
    first_error: json.JSONDecodeError | None = None
    # As it is first (a whole tool result holds the label inside its escaped text), then unwrapped.
    for body in dict.fromkeys((text.strip(), unwrap(text))):
        found, error = _scan(body, depth)
        if found is not None:
            return found
        first_error = first_error or error
    if first_error is not None:
        body = unwrap(text)
        line = body.count("\n", 0, min(first_error.pos, len(body))) + 1
        raise PlanError(f"the plan text is not complete JSON ({first_error.msg} at line {line} of the plan): it was "
                        f"probably cut off or changed while copying; copy get_plan's whole answer again, or "
                        f"{WHAT_TO_GIVE}")
    raise PlanError(f"no plan document found in the text (a plan is a JSON object with \"kind\": \"{KIND}\"): "
                    f"{WHAT_TO_GIVE}")


def _scan(body: str, depth: int) -> tuple[dict[str, Any] | None, json.JSONDecodeError | None]:
    """The plan (or stored-plan summary) an object in ``body`` is or holds, else the first parse error."""
    first_error: json.JSONDecodeError | None = None
    decoder = json.JSONDecoder()
    for start in _object_starts(body)[:_STARTS]:
        try:
            value, _ = decoder.raw_decode(body, start)
        except RecursionError:
            raise PlanError(f"the plan nests deeper than {MAX_DOCUMENT_DEPTH} levels (MAX_DOCUMENT_DEPTH): "
                            "use the document get_plan returned") from None
        except json.JSONDecodeError as exc:
            first_error = first_error or exc
            continue
        if isinstance(value, dict) and (is_plan(value) or names_stored_plan(value)):
            return value, None
        inner = _result_text(value) if depth < 2 else None
        if inner is not None:  # a whole tool result (the Inspector prints these): the text inside it
            try:
                return _find(inner, depth + 1), None
            except PlanError:
                pass
        structured = value.get("structuredContent") if isinstance(value, dict) else None
        if isinstance(structured, dict) and (is_plan(structured) or names_stored_plan(structured)):
            return structured, None
    return None, first_error


def _object_starts(body: str) -> list[int]:
    """Where a JSON object may start: the first "{" (after a sentence such as "Here is the plan:"),
    then every "{" that begins a line (get_plan's JSON is one line, or indented with its braces at
    line starts)."""
    first = body.find("{")
    starts = [first] if first >= 0 else []
    starts += [m.end() - 1 for m in re.finditer(r"(?m)^[ \t]*\{", body) if m.end() - 1 != first]
    return starts


def _result_text(value: Any) -> str | None:
    """The text of a tool result object ({"content": [{"type": "text", "text": ...}], ...})."""
    content = value.get("content") if isinstance(value, dict) else None
    if not isinstance(content, list):
        return None
    texts = [c.get("text") for c in content if isinstance(c, dict) and c.get("type") == "text"]
    return "\n".join(t for t in texts if isinstance(t, str)) or None
