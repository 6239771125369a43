"""The newer reference page's tables, per method: required scopes, request parameters, response fields.

``methods()`` maps each action to a ``Method`` read from its section of
``configuration-api-v3.6-current.mdx`` (the page that wins where the two differ): the scopes in
its Specifics table, every row of its Request table (top-level and nested names, as written), and
its Response: "empty" ("No response payload"), the field names of its table, or None (the section
only names an example). The parsing is checked by tests/test_reference_tables.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from reference_examples import REFERENCE

PAGE = "configuration-api-v3.6-current.mdx"


@dataclass(frozen=True)
class Param:
    name: str  # as written: "groups[].id", "access.<location>", "work_scheduler.timezone"
    required: str  # the table's word: "Yes", "No", "Yes*", "min. one `location`", ...
    type: str

    @property
    def top(self) -> str:
        return re.split(r"[.\[]", self.name, maxsplit=1)[0]

    @property
    def is_top(self) -> bool:
        return self.name == self.top

    @property
    def is_required(self) -> bool:
        return self.required.lower().startswith("yes")


@dataclass(frozen=True)
class Method:
    action: str
    title: str
    scopes: tuple[str, ...]
    params: tuple[Param, ...]
    empty_request: bool  # "Empty request payload."
    response: str | frozenset[str] | None  # "empty", documented field names, or None (only an example)
    batch: bool | None


def _cells(row: str) -> list[str]:
    return [cell.strip() for cell in row.strip().strip("|").split("|")]


def _plain(text: str) -> str:
    """A cell without markup: backticks, <sup> footnotes, bold, links."""
    text = re.sub(r"<sup>.*?</sup>", "", text)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    return text.replace("`", "").replace("*", "").strip() if not text.strip().startswith("Yes*") else "Yes*"


def _first_parameter_table(text: str) -> tuple[list[str], list[list[str]]]:
    """The method's request table: the first whose first column is "Parameter" (the tables after it
    describe nested structures, e.g. ``match_object``)."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("|") and _cells(line)[0] == "Parameter":
            rows = []
            for row in lines[i + 2:]:
                if not row.startswith("|"):
                    break
                rows.append(_cells(row))
            return _cells(line), rows
    return [], []


@cache
def methods() -> dict[str, Method]:
    text = (REFERENCE / PAGE).read_text()
    found: dict[str, Method] = {}
    for section in re.split(r"\n### ", text)[1:]:
        url = re.search(r"\| Method URL\s*\|\s*`https://api\.livechatinc\.com/v3\.6/configuration/action/(\w+)`", section)
        if not url:
            continue
        title = section.splitlines()[0].strip()
        scopes_row = re.search(r"\| Required (?:token )?scopes[^|]*\|([^\n]*)\|", section)
        scopes = tuple(re.findall(r"`([^`]+)`", re.sub(r"<sup>.*?</sup>", "", scopes_row.group(1)))) if scopes_row else ()
        scopes = tuple(s for s in scopes if s != "-")
        params: list[Param] = []
        request = section.split("#### Response", 1)[0]
        header, rows = _first_parameter_table(request)
        if header:
            index = {name.lower(): i for i, name in enumerate(header)}
            for row in rows:
                name = _plain(row[index["parameter"]]).split()[0] if _plain(row[index["parameter"]]) else ""
                if not name:
                    continue
                params.append(Param(name, _plain(row[index["required"]]),
                                    _plain(row[index.get("data type", index.get("type", 0))])))
        response: str | frozenset[str] | None = None
        if "#### Response" in section:
            part = section.split("#### Response", 1)[1].split("</Text>", 1)[0]
            if "No response payload" in part:
                response = "empty"
            else:
                fields = frozenset(re.findall(r"^\| `(\w+)`", part, re.M))
                response = fields or None
        batch_row = re.search(r"\| \[Batch support\]\(#batch-requests\)\s*\|\s*(\w+)", section)
        found[url.group(1)] = Method(url.group(1), title, scopes, tuple(params),
                                     "Empty request payload" in section, response,
                                     None if batch_row is None else batch_row.group(1) == "Yes")
    return found
