"""The README is the entry point: short, the two commands first, a link to every page of docs/."""

from __future__ import annotations

from tests.docs_pages import DOCS, README, ROOT, blocks, links

MOST_README_BYTES = 12 * 1024


def test_the_readme_is_short() -> None:
    assert len(README.read_bytes()) <= MOST_README_BYTES


def test_the_first_shell_block_is_the_two_commands() -> None:
    first_shell = next(b for b in blocks(README) if b.info == "sh")
    commands = [line.split("#")[0].strip() for line in first_shell.text.splitlines()]

    assert commands == ["uv run gateway serve", "uv run pytest"]


def test_every_docs_page_is_linked_from_the_readme() -> None:
    linked = {(ROOT / target.split("#")[0]).resolve() for target in links(README)}
    unlinked = [p.name for p in sorted(DOCS.glob("*.md")) if p.resolve() not in linked]

    assert unlinked == []
