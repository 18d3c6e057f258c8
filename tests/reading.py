"""Read a draft back as a reader sees it.

python-docx's ``Paragraph.text`` skips runs inside inline content controls
(``w:sdt``), where drafter keeps every figure, so this module reads the text
of each body paragraph straight from its ``w:t`` elements.
"""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.oxml.ns import qn

from drafter.word.oxml import paragraph_text

__all__ = ["draft_text", "paragraph_text", "read_paragraphs"]

_P = qn("w:p")


def read_paragraphs(path: str | Path) -> list[str]:
    """Text of every paragraph of the document body, in order (tables included)."""
    body = Document(str(path)).element.body
    return [paragraph_text(p) for p in body.iter(_P)]


def draft_text(path: str | Path) -> str:
    """The whole body text, one paragraph a line."""
    return "\n".join(read_paragraphs(path))
