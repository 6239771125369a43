"""The docs hold together: every shell block says whether a test runs it, every relative link and
anchor leads somewhere, every guide starts with what its reader will have done, and the README
stays the short front door that maps every guide."""

from __future__ import annotations

import re

import pytest

from docs_blocks import ROOT, anchors, blocks, documents, links, shell_blocks

DOCS = documents()
GUIDES = [p for p in DOCS if p.parent == ROOT / "docs" and p.name != "conformance.md"]  # conformance: generated


@pytest.mark.parametrize("path", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_shell_block_is_marked_run_or_not_run_with_a_reason(path):
    for block in shell_blocks(path):
        assert block.marker is not None, (
            f"{block.where}: a ```{block.language} block needs `<!-- run -->` or `<!-- not run: REASON -->` "
            "on the line before it (docs/development.md)")
        if block.marker == "not run":
            assert len(block.options.split()) >= 3, f"{block.where}: say why it is not run"


def test_a_marker_belongs_to_a_shell_block():
    """A marker before a block of another language, or before no block, is a mistake (a `toml`
    block is not run: write it with a heredoc in a `sh` block)."""
    for path in DOCS:
        lines = path.read_text().splitlines()
        starts = {b.line - 1: b for b in blocks(path)}  # 1-based line of the marker = fence line - 1
        for n, line in enumerate(lines, 1):
            if re.match(r"^\s*<!--\s*(run|not run)\b", line):
                block = starts.get(n)
                assert block is not None and block.language in {"sh", "bash", "shell", "console"}, \
                    f"{path.relative_to(ROOT)}:{n}: a run marker must stand right above a shell block"


@pytest.mark.parametrize("path", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_and_anchors_lead_somewhere(path):
    for line, target in links(path):
        file, _, anchor = target.partition("#")
        dest = (path.parent / file).resolve() if file else path
        assert dest.exists(), f"{path.relative_to(ROOT)}:{line}: {target} does not exist"
        if anchor and dest.suffix == ".md":
            assert anchor in anchors(dest), f"{path.relative_to(ROOT)}:{line}: no heading #{anchor} in {dest.name}"


@pytest.mark.parametrize("path", GUIDES, ids=lambda p: p.name)
def test_each_guide_starts_with_what_the_reader_will_have_done(path):
    lines = [line for line in path.read_text().splitlines() if line.strip()]
    assert lines[0].startswith("# ")
    assert lines[1].startswith("**By the end of this"), f"{path.name}: start with what the reader will have done"


def test_the_readme_is_short_and_maps_every_guide():
    readme = (ROOT / "README.md").read_text()
    assert len(readme.splitlines()) <= 220, "the README is the front door: move detail into a guide in docs/"
    mapped = {target.partition("#")[0] for _, target in links(ROOT / "README.md")}
    for guide in [*GUIDES, ROOT / "docs" / "conformance.md"]:
        assert f"docs/{guide.name}" in mapped, f"the README's map of the docs lacks docs/{guide.name}"
    for client in ("Claude Desktop", "Claude Code", "Cursor", "VS Code", "ChatGPT", "MCP Inspector"):
        assert client in readme.split("## Connect your assistant", 1)[1].split("\n## ", 1)[0], client


def test_the_command_line_guide_names_every_command_and_flag():
    """docs/command-line.md keeps up with the CLI: each subcommand (and each `plans` action) in its
    synopsis, each option of the parser somewhere in the guide."""
    import argparse

    from server.doors.cli.options import parser

    guide = (ROOT / "docs" / "command-line.md").read_text()
    synopsis = guide.split("## Commands", 1)[1].split("```", 2)[1]
    top = parser()
    [sub] = [a for a in top._actions if isinstance(a, argparse._SubParsersAction)]
    for name, command in sub.choices.items():
        if name != "serve":  # serving is the bare `livechat-mcp [...]` line
            assert f"livechat-mcp {name}" in synopsis, f"`livechat-mcp {name}` is missing from the synopsis"
        for action in command._actions:
            for flag in action.option_strings:
                if flag.startswith("--") and flag != "--help":
                    assert flag in guide, f"{flag} ({name}) is not in docs/command-line.md"
            if action.dest == "plans_command":
                for choice in action.choices:
                    assert choice in synopsis.split("livechat-mcp plans", 1)[1].split("\n", 1)[0], choice
