"""Benchmark: a source that is an Excel workbook against the same rows in a SQLite file.

A 台账 of N inspection rows (date, unit, object, kind, findings, order) is written once as
an .xlsx workbook and once as a SQLite database; the same query (counts and a per-unit
ranking for one year) then runs through drafter's runner over each. The SQLite file is
the anchor: the difference is what reading the workbook into memory costs (openpyxl,
type inference, the in-memory copy), paid once a build or check per source.

    .venv/bin/python benchmarks/bench_spreadsheet.py [--rows 10000,100000] [--runs 3]

Prints, per size: the workbook's size on disk, the time to open the source (workbook:
load + infer + copy; SQLite: open), the time of the queries, and the ratio of the totals.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from drafter.data.runner import run_query  # noqa: E402
from drafter.data.sources import open_engine  # noqa: E402
from drafter.project.config import SourceSettings  # noqa: E402
from drafter.project.queries import parse_query  # noqa: E402

HEADER = ["检查编号", "检查日期", "检查单位", "检查对象", "对象类型", "发现问题数", "责令整改"]
UNITS = ["清河分局", "白沙分局", "松岭分局", "临江分局", "开发区分局"]
KINDS = ["食品经营", "特种设备", "药品零售", "网络交易", "计量器具"]
SQL = {
    "overall": (
        "row",
        (
            "SELECT COUNT(*) AS checks, SUM(发现问题数) AS problems, COUNT(DISTINCT 检查对象) AS subjects "
            "FROM 检查记录 WHERE 检查日期 >= :period_start AND 检查日期 < :period_end"
        ),
    ),
    "by_unit": (
        "rows",
        (
            "SELECT 检查单位 AS unit, COUNT(*) AS checks, RANK() OVER (ORDER BY COUNT(*) DESC) AS ranking "
            "FROM 检查记录 WHERE 检查日期 >= :period_start AND 检查日期 < :period_end GROUP BY 检查单位"
        ),
    ),
}


def rows(n: int) -> list[tuple]:
    rng = random.Random(n)
    start = dt.date(2020, 1, 1)
    out = []
    for i in range(n):
        day = start + dt.timedelta(days=rng.randrange(6 * 365))
        problems = 0 if rng.random() < 0.7 else rng.randint(1, 5)
        out.append(
            (
                f"JC{i:08d}",
                day,
                rng.choice(UNITS),
                f"S{rng.randrange(5000):05d}",
                rng.choice(KINDS),
                problems,
                "是" if problems and rng.random() < 0.7 else "否",
            )
        )
    return out


def write_workbook(path: Path, data: list[tuple]) -> None:
    import openpyxl

    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("检查记录")
    ws.append(HEADER)
    for row in data:
        ws.append(list(row))
    wb.save(path)


def write_sqlite(path: Path, data: list[tuple]) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute(
            "CREATE TABLE 检查记录 (检查编号 TEXT, 检查日期 TEXT, 检查单位 TEXT, 检查对象 TEXT, "
            "对象类型 TEXT, 发现问题数 INTEGER, 责令整改 TEXT)"
        )
        conn.executemany(
            "INSERT INTO 检查记录 VALUES (?, ?, ?, ?, ?, ?, ?)", [(r[0], r[1].isoformat(), *r[2:]) for r in data]
        )


def measure(url: str, tmp: Path) -> tuple[float, float, int]:
    """(seconds to open the source, seconds of the queries, checks counted)."""
    specs = {}
    for name, (returns, sql) in SQL.items():
        path = tmp / f"{name}.sql"
        path.write_text(f"-- source: s\n-- description: {name}\n-- returns: {returns}\n{sql}\n", encoding="utf-8")
        specs[name] = parse_query(path)
    settings = SourceSettings(url=url, timeout=600)
    started = time.perf_counter()
    engine = open_engine("s", settings)
    with engine.connect() as conn:
        opened = time.perf_counter() - started
        params = {"year": 2024, "period_start": dt.date(2024, 1, 1), "period_end": dt.date(2025, 1, 1)}
        t = time.perf_counter()
        results = {name: run_query(conn, spec, "s", params, 600) for name, spec in specs.items()}
        queried = time.perf_counter() - t
    engine.dispose()
    return opened, queried, results["overall"].value.checks.value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default="10000,100000")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    print(
        f"{'rows':>8} {'xlsx MB':>8} | {'xlsx open s':>11} {'query s':>8} | {'sqlite open s':>13} {'query s':>8}"
        f" | {'ratio':>6}"
    )
    for n in (int(x) for x in args.rows.split(",")):
        with tempfile.TemporaryDirectory() as d:
            tmp = Path(d)
            data = rows(n)
            write_workbook(tmp / "台账.xlsx", data)
            write_sqlite(tmp / "台账.db", data)
            xl = [measure(str(tmp / "台账.xlsx"), tmp) for _ in range(args.runs)]
            db = [measure(f"sqlite:///{tmp / '台账.db'}", tmp) for _ in range(args.runs)]
            assert {r[2] for r in xl} == {r[2] for r in db}, "the workbook and the database disagree"
            xo, xq = statistics.median(r[0] for r in xl), statistics.median(r[1] for r in xl)
            so, sq = statistics.median(r[0] for r in db), statistics.median(r[1] for r in db)
            size = (tmp / "台账.xlsx").stat().st_size / 1e6
            print(
                f"{n:>8} {size:>8.1f} | {xo:>11.2f} {xq:>8.3f} | {so:>13.3f} {sq:>8.3f} | {(xo + xq) / (so + sq):>6.0f}×"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
