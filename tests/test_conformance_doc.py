"""docs/conformance.md is generated from the tests' conformance marks and the notes, and claims no more
than the tests check: a ✓ names a collected test, a mark names a real cell its test exercises, the
notes match the code, and the clean-action count the docs quote is the table's."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from conformance_table import collect, coverage, document
from server.sandbox.conformance import COLUMNS, GLOBAL, KINDS, NOTES, clean_count, render
from server.tools import catalog, needs_private_scope
from server.tools.owner import takes_owner

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "conformance.md"


@pytest.fixture(scope="module")
def collected() -> dict[str, Any]:
    return collect()


def test_the_document_is_generated(collected):
    assert DOC.read_text() == document(collected), "regenerate: python tests/conformance_table.py > docs/conformance.md"


def test_every_mark_names_a_real_cell_its_test_exercises(collected):
    for mark in collected["cells"]:
        assert mark["column"] in COLUMNS, mark
        assert mark["actions"] and set(mark["actions"]) <= set(catalog()), mark
    # A mark on a test function must name actions its code calls (a parameter's mark names its parameter).
    assert collected["unverified"] == []


def test_every_global_rule_names_collected_tests(collected):
    for rule in GLOBAL:
        assert rule.kind in KINDS
        assert rule.tests or rule.kind == "deviation", rule.text
        for test in rule.tests:
            assert test in collected["tests"], test


def test_a_cell_is_checked_only_when_a_test_backs_it(collected):
    cells = coverage(collected)
    rows = [line for line in render({}).splitlines() if line.startswith("| `")]
    assert len(rows) == 72 and not any("✓" in row for row in rows)  # nothing backed: nothing claimed
    without = {k: v for k, v in cells.items() if k != ("get_agent", "errors")}
    row = next(line for line in render(without).splitlines() if line.startswith("| `get_agent` |"))
    assert row.split(" | ")[3] == "—"
    for (action, column), tests in cells.items():
        assert all(test in collected["tests"] for test in tests), (action, column)


def test_every_action_has_one_row_and_every_note_names_real_actions():
    rows = [line for line in DOC.read_text().splitlines() if line.startswith("| `")]
    assert [row.split("`")[1] for row in rows] == list(catalog()) and len(rows) == 72
    for note in NOTES:
        assert note.column in COLUMNS and note.kind in KINDS
        assert set(note.actions) <= set(catalog()), note.key
    assert len({n.key for n in NOTES}) == len(NOTES)


def test_every_action_taking_owner_client_id_has_a_credential_note():
    noted = {a for n in NOTES if n.column == "credential" and n.key in ("C1", "C2") for a in n.actions}
    assert noted == {name for name, act in catalog().items() if takes_owner(act)}


def test_every_action_needing_a_private_scope_has_a_scope_note():
    noted = {a for n in NOTES if n.column == "scopes" for a in n.actions}
    needing = {name for name, act in catalog().items() if needs_private_scope(act)}
    assert needing and needing <= noted


def test_the_clean_count_the_docs_quote_is_the_tables(collected):
    count = clean_count(coverage(collected))
    assert f"**{count} of the 72 actions are clean**" in DOC.read_text()
    quoted: list[tuple[str, str]] = []
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        if path == DOC:
            continue
        quoted += [(path.name, n) for n in re.findall(r"(\d+) of the 72\s+actions are clean", path.read_text())]
    assert quoted, "the sandbox docs quote the count of clean actions"
    assert all(int(n) == count for _, n in quoted), quoted
