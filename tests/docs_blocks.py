"""The README and the guides in docs/, read as a test reads them: fenced shell blocks with their
run markers, links and headings (docs/development.md, "Documentation whose commands run").

A shell block (```sh, ```bash, ```shell, ```console) carries a marker on the line before it:
``<!-- run -->``, ``<!-- run: background; ready URL ... -->`` or ``<!-- not run: REASON -->``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHELL = {"sh", "bash", "shell", "console"}
FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>```+|~~~+)(?P<info>[^`\n]*)$")
MARKER = re.compile(r"^\s*<!--\s*(?P<kind>run|not run)\s*(?::\s*(?P<options>.*?))?\s*-->\s*$")


def documents() -> list[Path]:
    """The README and every guide (docs/reference/ holds LiveChat's texts, not ours)."""
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


@dataclass
class Block:
    path: Path
    line: int  # 1-based line of the opening fence
    language: str
    code: str
    marker: str | None  # "run", "not run" or None
    options: str = ""  # after the colon: run options, or the reason it is not run
    background: bool = False
    ready: list[str] = field(default_factory=list)

    @property
    def where(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"


def parse_options(block: Block) -> None:
    """``background`` and ``ready URL ...``, separated by ``;``; anything else is an error."""
    for option in filter(None, (o.strip() for o in block.options.split(";"))):
        word, _, rest = option.partition(" ")
        if word == "background" and not rest:
            block.background = True
        elif word == "ready" and rest.split():
            block.ready = rest.split()
        else:
            raise ValueError(f"{block.where}: unknown run option {option!r} (background; ready URL ...)")


def blocks(path: Path) -> list[Block]:
    """Every fenced block of a document with the marker on the line before it (blank lines
    between are not allowed: the marker belongs to the block right under it)."""
    lines = path.read_text().splitlines()
    found: list[Block] = []
    i = 0
    while i < len(lines):
        opening = FENCE.match(lines[i])
        if not opening:
            i += 1
            continue
        indent, fence = opening["indent"], opening["fence"]
        language = opening["info"].strip().split(" ")[0].lower()
        body: list[str] = []
        j = i + 1
        while j < len(lines) and not lines[j].strip().startswith(fence):
            body.append(lines[j][len(indent):] if lines[j].startswith(indent) else lines[j].lstrip())
            j += 1
        marker = MARKER.match(lines[i - 1]) if i > 0 else None
        block = Block(path, i + 1, language, "\n".join(body) + "\n",
                      marker["kind"] if marker else None, (marker["options"] or "") if marker else "")
        if block.marker == "run":
            parse_options(block)
        found.append(block)
        i = j + 1
    return found


def shell_blocks(path: Path) -> list[Block]:
    return [b for b in blocks(path) if b.language in SHELL]


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation but '-' and '_' dropped, spaces to '-'."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    seen: dict[str, int] = {}
    out: set[str] = set()
    in_fence = False
    for line in path.read_text().splitlines():
        if FENCE.match(line):
            in_fence = not in_fence
            continue
        heading = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if heading and not in_fence:
            base = slug(heading[1])
            n = seen.get(base, 0)
            seen[base] = n + 1
            out.add(base if n == 0 else f"{base}-{n}")
    return out


LINK = re.compile(r"(?<!!)\[[^\]]*\]\((?P<target>[^)\s]+)\)")


def links(path: Path) -> list[tuple[int, str]]:
    """Relative links (and in-page anchors) outside code blocks and inline code."""
    out: list[tuple[int, str]] = []
    in_fence = False
    for n, line in enumerate(path.read_text().splitlines(), 1):
        if FENCE.match(line):
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        for match in LINK.finditer(re.sub(r"`[^`]*`", "", line)):
            target = match["target"]
            if not re.match(r"^[a-z]+:", target):
                out.append((n, target))
    return out
