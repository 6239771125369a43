"""Examples extracted from the API reference (both pages: the older text and the newer page).

- ``examples()``: each curl request example becomes ``Example(source, line, action, body)``; a curl
  without ``-d`` sends ``{}``. JSON in the docs occasionally carries comments or trailing commas,
  which are stripped before parsing.
- ``json_blocks()``: EVERY JSON block either page shows, each either a response example (paired with
  the request example of its section) or one of the few format templates, which carry
  ``<placeholders>`` and are not JSON. ``response_examples()`` are the former; a test counts them
  against the pages, so none can be skipped silently.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REFERENCE = Path(__file__).resolve().parent.parent / "docs" / "reference"
SOURCES = ("configuration-api-v3.6.txt", "configuration-api-v3.6-current.mdx")

_CURL = re.compile(r"curl -X POST \\\s*\n\s*https://api\.livechatinc\.com/v3\.6/configuration/action/(\w+)")
_ACTION = re.compile(r"configuration/action/(\w+)")
# The older text: a block is "Copied!" then JSON, under a title line ("Response" for an example), or
# a bare request body after the paragraph that introduces it.
_TXT_BLOCK = re.compile(r"\n([^\n]*)\nCopied!\n(?=[\[{])")
_TXT_BARE = re.compile(r"\n\n([^\n]+)\n\n(?=\{\n)")
# The newer page: a ```json fence, inside <CodeResponse ...> (a title attribute names a template) or not.
_MDX_BLOCK = re.compile(r"(<CodeResponse([^>]*)>\s*)?```json\n")
# Format templates both pages show: placeholders (`{<request object>}`, `"<namespace>"`), not examples.
TEMPLATE_TITLES = frozenset({
    "Format of request payload", "Format of response payload", "The general properties format",
    "general webhook format",
})
# The error format is a real error (misdirected_request): compared with the sandbox's own error.
ERROR_TITLE = "Format of error payload"
# Request bodies shown outside a curl, by the sentence that introduces them: run like the curl examples.
REQUEST_TITLE = "Request body"
REQUEST_BODIES = {"You register a private chat property": "register_property"}


@dataclass(frozen=True)
class Example:
    source: str
    line: int
    action: str
    body: Any

    @property
    def id(self) -> str:
        return f"{self.action}@{_short(self.source)}:{self.line}"


@dataclass(frozen=True)
class JsonBlock:
    """One JSON block of a page: ``title`` says what it is ("Response" for a response example)."""

    source: str
    line: int
    title: str
    text: str
    action: str | None  # the method of the section it is in

    @property
    def is_template(self) -> bool:
        return self.title in TEMPLATE_TITLES

    @property
    def is_error(self) -> bool:
        return self.title == ERROR_TITLE

    @property
    def is_request(self) -> bool:
        return self.title == REQUEST_TITLE

    def value(self) -> Any:
        return json.loads(_clean(self.text))


@dataclass(frozen=True)
class ResponseExample:
    source: str
    line: int
    action: str
    request: Any  # the request example of the same section
    body: Any

    @property
    def id(self) -> str:
        return f"{self.action}@{_short(self.source)}:{self.line}"


def _short(source: str) -> str:
    return "txt" if source.endswith(".txt") else "mdx"


def _clean(text: str) -> str:
    text = re.sub(r"(?<=\s)//[^\n]*", "", text)
    return re.sub(r",(\s*[}\]])", r"\1", text)


def _text(source: str) -> str:
    return (REFERENCE / source).read_text()


def examples() -> list[Example]:
    found: list[Example] = []
    for source in SOURCES:
        text = _text(source)
        for match in _CURL.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            rest = text[match.end():]
            # The example ends where the next curl or section begins.
            stop = min(i for i in (rest.find("curl -X POST"), rest.find("\n###"), rest.find("\nResponse"), len(rest)) if i >= 0)
            chunk = rest[:stop]
            data = re.search(r"-d '(.*?)'\s*(?:\n|$)", chunk, re.S)
            body = json.loads(_clean(data.group(1))) if data else {}
            found.append(Example(source, line, match.group(1), body))
    return found


def request_bodies() -> list[Example]:
    """The request bodies a page shows outside a curl (run like the curl examples)."""
    return [Example(b.source, b.line, b.action, b.value()) for b in json_blocks() if b.is_request and b.action]


def _section_action(text: str, at: int) -> str | None:
    """The method whose section ``at`` is in: the last action URL before it."""
    found = _ACTION.findall(text, 0, at)
    return found[-1] if found else None


def json_blocks() -> list[JsonBlock]:
    """Every JSON block of both pages, in page order."""
    blocks: list[JsonBlock] = []
    for source in SOURCES:
        text = _text(source)
        if source.endswith(".txt"):
            for match in _TXT_BLOCK.finditer(text):
                start = match.end()
                line = text.count("\n", 0, start) + 1
                blocks.append(JsonBlock(source, line, match.group(1).strip(), _json_text(text, start),
                                        _section_action(text, start)))
            for match in _TXT_BARE.finditer(text):
                start = match.end()
                blocks.append(_request_block(source, text, start, match.group(1), _json_text(text, start)))
            blocks.sort(key=lambda b: b.line)
        else:
            for match in _MDX_BLOCK.finditer(text):
                start = match.end()
                end = text.index("```", start)
                if not match.group(1):  # a fence outside <CodeResponse>: a request body a paragraph introduces
                    intro = text[:match.start()].rstrip().rsplit("\n\n", 1)[-1]
                    blocks.append(_request_block(source, text, start, intro, text[start:end]))
                    continue
                title = re.search(r"title=\{?'([^']*)'", match.group(2) or "")
                blocks.append(JsonBlock(source, text.count("\n", 0, start) + 1, title.group(1) if title else "Response",
                                        text[start:end], _section_action(text, start)))
    return blocks


def _request_block(source: str, text: str, start: int, intro: str, body: str) -> JsonBlock:
    action = next((name for lead, name in REQUEST_BODIES.items() if intro.strip().startswith(lead)), None)
    return JsonBlock(source, text.count("\n", 0, start) + 1, REQUEST_TITLE, body, action)


def _json_text(text: str, start: int) -> str:
    """The JSON value starting at ``start`` (to its balanced end), or the rest of its paragraph."""
    try:
        _, end = json.JSONDecoder().raw_decode(text, start)
    except ValueError:
        end = text.find("\n\n", start)
    return text[start:end]


def response_examples() -> list[ResponseExample]:
    """Every response example of both pages with the request example of its section."""
    requests = examples()
    found: list[ResponseExample] = []
    for block in json_blocks():
        if block.is_template or block.is_error or block.is_request:
            continue
        assert block.action is not None, f"{block.source}:{block.line}: a response example outside a method"
        request = [ex for ex in requests if ex.source == block.source and ex.action == block.action
                   and ex.line < block.line]
        assert request, f"{block.source}:{block.line}: no request example before the {block.action} response"
        found.append(ResponseExample(block.source, block.line, block.action, request[-1].body,
                                     block.value()))
    return found
