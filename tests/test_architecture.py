"""docs/ARCHITECTURE.md stays true: every module of the package is named in it, and every
module it names exists."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "drafter"
DOC = (REPO / "docs" / "ARCHITECTURE.md").read_text(encoding="utf-8")
# Table rows: | `path.py`, `other.py` | job |
NAMED = {m for row in re.findall(r"^\| (`[^|]+`) \|", DOC, re.M) for m in re.findall(r"`([\w/]+(?:\.py|/))`", row)}


def test_every_module_is_named():
    modules = {
        p.relative_to(PACKAGE).as_posix()
        for p in PACKAGE.rglob("*.py")
        if p.name != "__init__.py" or p.parent == PACKAGE
    }
    # The sample generator and the web package are named as folders.
    covered = {m for m in modules if m in NAMED or any(m.startswith(f) for f in NAMED if f.endswith("/"))}
    assert sorted(modules - covered) == []


def test_every_named_module_exists():
    assert NAMED, "no module table found"
    missing = [name for name in NAMED if not (PACKAGE / name).exists()]
    assert missing == []
