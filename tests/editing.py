"""Test helper: a draft edited as an editor edits it in Word."""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.oxml.ns import qn


def reword(path: Path, old: str, new: str, target: Path | None = None) -> Path:
    """The first text run holding `old` typed over with `new`; saved to `target` (or in place)."""
    doc = Document(str(path))
    for t in doc.element.body.iter(qn("w:t")):
        if t.text and old in t.text:
            t.text = t.text.replace(old, new, 1)
            break
    else:
        raise AssertionError(f"{old} not in the draft")
    target = target or path
    doc.save(str(target))
    return target
