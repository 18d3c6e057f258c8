"""Reading rendered pages back (pdfplumber): lines of body text, table cells, numbers split
across a line or page end (GB/T 15835: a number never breaks)."""

from __future__ import annotations

import itertools
from pathlib import Path

from drafter.word.nobreak import NUMBER
from drafter.word.oxml import WORD_JOINER

MM = 72 / 25.4
BOTTOM = (297 - 35) * MM  # the type area's lower edge; below it only the page number


def _inside(c: dict, boxes: list[tuple[float, float, float, float]]) -> bool:
    return any(x0 - 1 <= c["x0"] and c["x1"] <= x1 + 1 and top - 1 <= c["top"] and c["bottom"] <= bottom + 1
               for x0, top, x1, bottom in boxes)  # fmt: skip


def body_lines(pdf_path: Path) -> list[tuple[int, str]]:
    """(page number, text) of every line outside tables and footers, in reading order."""
    import pdfplumber

    lines: list[tuple[int, str]] = []
    with pdfplumber.open(str(pdf_path)) as pdf:
        for number, page in enumerate(pdf.pages, 1):
            tables = [t.bbox for t in page.find_tables()]
            rows: dict[int, list[dict]] = {}
            for c in page.chars:
                text = c["text"].replace(WORD_JOINER, "")
                if text.strip() and c["top"] < BOTTOM + 2 * MM and not _inside(c, tables):
                    rows.setdefault(round(c["bottom"]), []).append(c)
            for key in sorted(rows):
                chars = sorted(rows[key], key=lambda c: c["x0"])
                lines.append((number, "".join(c["text"] for c in chars).replace(WORD_JOINER, "")))
    return lines


def split_numbers(lines: list[tuple[int, str]]) -> list[str]:
    """Each number that one line ends and the next begins, shown as `page: …tail / head…`."""
    found = []
    for (page, a), (_, b) in itertools.pairwise(lines):
        seam = len(a)
        joined = a + b
        for m in NUMBER.finditer(joined):
            if m.start() < seam < m.end():
                found.append(f"p{page}: {a[-12:]} / {b[:12]}")
    return found


def table_cells(pdf_path: Path) -> list[list[list[str | None]]]:
    """Every table of every page as rows of cell text, a line break inside a cell as `\\n`."""
    import pdfplumber

    tables = []
    with pdfplumber.open(str(pdf_path)) as pdf:
        for page in pdf.pages:
            for table in page.extract_tables():
                tables.append([[None if c is None else c.replace(WORD_JOINER, "") for c in row] for row in table])
    return tables
