"""Request examples extracted from the API reference (both the primary text and the newer page).

Each curl example becomes ``Example(source, line, action, body)``; a curl without ``-d``
sends ``{}``. JSON in the docs occasionally carries comments or trailing commas, which are
stripped before parsing.
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


@dataclass(frozen=True)
class Example:
    source: str
    line: int
    action: str
    body: Any

    @property
    def id(self) -> str:
        short = "txt" if self.source.endswith(".txt") else "mdx"
        return f"{self.action}@{short}:{self.line}"


def _clean(text: str) -> str:
    text = re.sub(r"(?<=\s)//[^\n]*", "", text)
    return re.sub(r",(\s*[}\]])", r"\1", text)


def examples() -> list[Example]:
    found: list[Example] = []
    for source in SOURCES:
        text = (REFERENCE / source).read_text()
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
