"""docs/conformance.md is generated from the catalogue and the notes, and the notes match the code."""

from __future__ import annotations

from pathlib import Path

from server.sandbox.conformance import COLUMNS, NOTES, render
from server.tools import catalog, needs_private_scope
from server.tools.owner import takes_owner

DOC = Path(__file__).resolve().parent.parent / "docs" / "conformance.md"


def test_the_document_is_generated():
    assert DOC.read_text() == render(), "regenerate: python -m server.sandbox.conformance > docs/conformance.md"


def test_every_action_has_one_row_and_every_note_names_real_actions():
    rows = [line for line in DOC.read_text().splitlines() if line.startswith("| `")]
    assert [row.split("`")[1] for row in rows] == list(catalog()) and len(rows) == 72
    for note in NOTES:
        assert note.column in COLUMNS
        assert set(note.actions) <= set(catalog()), note.key
    assert len({n.key for n in NOTES}) == len(NOTES)


def test_every_action_taking_owner_client_id_has_a_credential_note():
    noted = {a for n in NOTES if n.column == "credential" for a in n.actions}
    assert noted - {"list_bots"} == {name for name, act in catalog().items() if takes_owner(act)}


def test_every_action_needing_a_private_scope_has_a_scope_note():
    noted = {a for n in NOTES if n.column == "scopes" for a in n.actions}
    needing = {name for name, act in catalog().items() if needs_private_scope(act)}
    assert needing and needing <= noted
