"""The documentation as the doc tests read it: README.md and docs/*.md, their code blocks,
inline code and links.

Markdown is read with a few regular expressions: the pages are ours and keep to plain fenced
blocks (```lang ... ```), `inline code` and [text](target) links.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = ROOT / "docs"

_FENCE = re.compile(r"^```([^\n`]*)\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)
_INLINE_CODE = re.compile(r"`([^`]+)`")
_LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
_HEADING = re.compile(r"^#{1,6} +(.+?) *$", re.MULTILINE)


@dataclass(frozen=True)
class Block:
    """A fenced code block: its page, its info string (``graphql``, ``sh``...), its text."""

    page: Path
    info: str
    text: str
    line: int
    answer: str | None = None  # a ```json block right after this one: the answer it gets

    @property
    def where(self) -> str:
        """``docs/page.md:12``, for failure messages."""
        return f"{self.page.relative_to(ROOT)}:{self.line}"


def pages() -> list[Path]:
    """README.md, then every page in docs/."""
    return [README, *sorted(DOCS.glob("*.md"))]


def blocks(page: Path) -> list[Block]:
    """The fenced code blocks of ``page``, in order."""
    text = page.read_text()
    fences = list(_FENCE.finditer(text))
    found = []
    for i, m in enumerate(fences):
        after = fences[i + 1] if i + 1 < len(fences) else None
        answer = None
        if after and after.group(1).strip() == "json" and not text[m.end() : after.start()].strip():
            answer = after.group(2)
        line = text.count("\n", 0, m.start()) + 1
        found.append(Block(page, m.group(1).strip(), m.group(2), line, answer))
    return found


def prose(page: Path) -> str:
    """``page`` without its fenced code blocks."""
    return _FENCE.sub("", page.read_text())


def inline_code(page: Path) -> list[str]:
    """Every `inline code` span outside the fenced blocks (a span may wrap over lines)."""
    return _INLINE_CODE.findall(prose(page))


def links(page: Path) -> list[str]:
    """Targets of the [text](target) links outside the fenced blocks."""
    return _LINK.findall(prose(page))


def anchors(page: Path) -> set[str]:
    """The anchors GitHub makes for ``page``'s headings (lower case, punctuation dropped)."""
    slugs = set()
    for heading in _HEADING.findall(prose(page)):
        slug = re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")
        slugs.add(slug)
    return slugs
