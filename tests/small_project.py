"""A small project of one office, not the sample: three kinds of query over one SQLite table.

Shared by the lint/build agreement tests and the test that a draft of an earlier release
still checks (tests/data/draft-format1.docx was built from exactly this project).
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

CONFIG = """\
report:
  agency: 测试市统计局
  year: 2025
sources:
  office:
    url: sqlite:///data/office.db
parameters:
  kind: 行政处罚
"""

QUERIES = {
    "cases.sql": """\
-- source: office
-- description: 全年办理案件
-- returns: row
SELECT COUNT(*) AS n, SUM(fine) AS fines FROM cases
WHERE kind = :kind AND opened_on >= :period_start AND opened_on < :period_end
""",
    "total.sql": """\
-- source: office
-- description: 累计案件
-- returns: scalar
SELECT COUNT(*) AS total FROM cases WHERE opened_on < :period_end
""",
    "by_kind.sql": """\
-- source: office
-- description: 按类别统计
-- returns: rows
SELECT kind AS kind, COUNT(*) AS n FROM cases
WHERE opened_on >= :period_start AND opened_on < :period_end GROUP BY kind ORDER BY kind
""",
    "by_month.sql": """\
-- source: office
-- description: 按月统计
-- returns: rows
SELECT substr(opened_on, 1, 7) AS month, SUM(fine) AS fines FROM cases
WHERE opened_on >= :period_start AND opened_on < :period_end GROUP BY month ORDER BY month
""",
}

SECTION = """\
一、{{ year }}年主要工作
全年办理案件{{ cases.n }}件，罚款{{ cases.fines | wan_yuan }}，累计{{ total }}件。
{% for r in by_kind %}{{ r.kind }}{{ r.n }}件；{% endfor %}
{% for r in by_month %}{{ r.month }}罚款{{ r.fines | yuan }}；{% endfor %}
"""

SECTION_FILE = "templates/sections/1-工作.txt"


ROWS = [
    ("行政处罚", "2025-03-01", 5000),
    ("行政处罚", "2025-06-01", 12000),
    ("行政许可", "2025-07-01", 0),
    ("行政处罚", "2024-05-01", 3000),
]


def write_small_project(root: Path, master: Path) -> Path:
    """The project in `root` (its master a copy of `master`); returns its config.yaml."""
    (root / "queries").mkdir(parents=True)
    (root / "templates/sections").mkdir(parents=True)
    (root / "data").mkdir()
    (root / "config.yaml").write_text(CONFIG, encoding="utf-8")
    for name, sql in QUERIES.items():
        (root / "queries" / name).write_text(sql, encoding="utf-8")
    (root / SECTION_FILE).write_text(SECTION, encoding="utf-8")
    shutil.copy(master, root / "templates/report.docx")
    with sqlite3.connect(root / "data/office.db") as conn:
        conn.execute("CREATE TABLE cases (id INTEGER PRIMARY KEY, kind TEXT, opened_on TEXT, fine INTEGER)")
        conn.executemany("INSERT INTO cases (kind, opened_on, fine) VALUES (?, ?, ?)", ROWS)
    return root / "config.yaml"
