"""A small project of its own for period, comparison and derived-figure tests: one SQLite
source with one inspection row a month from 2023 to 2025, a quarterly default period."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

CONFIG = """\
report:
  agency: 示例市执法局
  year: 2025
  period: {period}
sources:
  main: sqlite:///data/main.db
output:
  filename: "{{{{ agency }}}}{{{{ period.label }}}}检查通报（草稿）.docx"
"""

CHECKS_SQL = """\
-- source: main
-- description: 期间内的执法检查
-- returns: row
SELECT COUNT(*) AS visits, COALESCE(SUM(checks), 0) AS checks, COALESCE(SUM(found), 0) AS found,
       COALESCE(SUM(fixed), 0) AS fixed
FROM inspection
WHERE day >= :period_start AND day < :period_end
"""

SECTION = """\
一、{{ period.label }}检查情况
{{ period.label }}（{{ period_start | date_cn }}至{{ period.last_day | date_cn }}）共检查{{ checks.checks }}次，\
发现隐患{{ checks.found }}处，整改率{{ checks.fixed | ratio(checks.found) | pct(1) }}。
"""


def month_values(year: int, month: int) -> tuple[int, int, int]:
    """checks, found, fixed of one month: different every month, deterministic."""
    n = (year - 2023) * 12 + month
    return 100 + 7 * n, 20 + n, 18 + n - (n % 3)


def make_project(
    root: Path,
    *,
    period: str = "quarter",
    section: str = SECTION,
    extra_queries: dict[str, str] | None = None,
    parameters: str = "",
) -> Path:
    """Write the project under `root`; returns its config.yaml."""
    from drafter.word.master import build_master

    (root / "queries").mkdir(parents=True)
    (root / "templates/sections").mkdir(parents=True)
    (root / "data").mkdir()
    (root / "config.yaml").write_text(CONFIG.format(period=period) + parameters, encoding="utf-8")
    (root / "queries/checks.sql").write_text(CHECKS_SQL, encoding="utf-8")
    for name, sql in (extra_queries or {}).items():
        (root / f"queries/{name}.sql").write_text(sql, encoding="utf-8")
    (root / "templates/sections/1-检查.txt").write_text(section, encoding="utf-8")
    build_master(root / "templates/report.docx")
    with sqlite3.connect(root / "data/main.db") as conn:
        conn.execute("CREATE TABLE inspection (day TEXT, checks INTEGER, found INTEGER, fixed INTEGER)")
        rows = [(dt.date(y, m, 15).isoformat(), *month_values(y, m)) for y in (2023, 2024, 2025) for m in range(1, 13)]
        conn.executemany("INSERT INTO inspection VALUES (?, ?, ?, ?)", rows)
    return root / "config.yaml"


def totals(first: dt.date, end: dt.date) -> tuple[int, int, int]:
    """What the checks query gives for [first, end)."""
    sums = [0, 0, 0]
    for y in (2023, 2024, 2025):
        for m in range(1, 13):
            if first <= dt.date(y, m, 15) < end:
                for i, v in enumerate(month_values(y, m)):
                    sums[i] += v
    return sums[0], sums[1], sums[2]


def set_month(config: Path, year: int, month: int, checks: int) -> None:
    """Change the checks of one month in the data."""
    with sqlite3.connect(config.parent / "data/main.db") as conn:
        conn.execute("UPDATE inspection SET checks = ? WHERE day = ?", (checks, dt.date(year, month, 15).isoformat()))


def paragraphs(path: Path) -> list[str]:
    """The draft's paragraphs as a reader sees them (content controls included)."""
    from reading import read_paragraphs

    return read_paragraphs(path)


def manifest_json(path: Path) -> dict:
    """The draft's manifest as the JSON it stores."""
    from docx import Document

    from drafter.word.manifest import read_manifest

    manifest = read_manifest(Document(str(path)))
    assert manifest is not None
    return manifest.model_dump(mode="json", exclude_unset=True)


def rendered(report) -> str:
    """The check report as `drafter check` prints it."""
    from drafter.review.report_text import render_check

    return render_check(report)
