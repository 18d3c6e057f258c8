"""Which kind of source a `url:` in config.yaml names: a spreadsheet (a workbook, a CSV file
or a folder of them) or a database URL. Told from the text alone, so config.yaml is read
without loading the spreadsheet reader (drafter/data/spreadsheets.py)."""

from __future__ import annotations

import re
from pathlib import Path

SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".csv")
OLD_FORMATS = (".xls", ".et", ".ods")
_URL_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


def is_spreadsheet(url: str, root: Path | None = None) -> bool:
    """Whether a source's `url:` is a spreadsheet path rather than a database URL: no
    `scheme://`, and either the name of a workbook or CSV file (`.xlsx`, `.xlsm`, `.csv`, and
    the old `.xls`/`.et`/`.ods`, refused when opened with what to do) or a folder that exists
    (relative to `root`). Anything else is a URL, and a mistyped one is told as such."""
    text = url.strip()
    if not text or _URL_SCHEME.match(text):
        return False
    path = Path(text)
    if path.suffix.lower() in SPREADSHEET_SUFFIXES + OLD_FORMATS:
        return True
    if root is not None and not path.is_absolute():
        path = root / path
    return path.is_dir()
