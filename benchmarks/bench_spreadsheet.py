"""Benchmark: a source that is an Excel workbook against the same rows in a SQLite file.

A 台账 of N inspection rows (date, unit, object, kind, findings, order) is written once as
an .xlsx workbook and once as a SQLite database; the same query (counts and a per-unit
ranking for one year) then runs through drafter's runner over each. The SQLite file is
the anchor: the difference is what reading the workbook into memory costs (openpyxl,
type inference, the in-memory copy), paid once a build or check per source.

    .venv/bin/python benchmarks/bench_spreadsheet.py [--rows 10000,100000] [--csv-rows 1000000] [--runs 3]

Prints, per size: the workbook's size on disk, the time to open the source (workbook:
load + infer + copy; SQLite: open), the time of the queries, and the ratio of the totals,
min/median of the runs; then the same rows as one CSV file. Aims (issue 21): a 100,000-row
workbook opened within 1 s, a 1,000,000-row CSV file within 5 s. Each run parses the file
afresh (the parse cache of one process is emptied between runs).

Beside each open time: the bare reader in the same minute (calamine alone reading the
sheet into Python; csv.reader alone), the median of the per-run ratios drafter/bare, the
CPU time of both (process_time: what other processes on a shared machine do not add), and
the load average before and after. On a loaded machine the wall times exceed the aims
while the ratio and the CPU time still tell how drafter would fare on a quiet one.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from drafter.data import spreadsheets  # noqa: E402
from drafter.data.runner import run_query  # noqa: E402
from drafter.data.sources import open_engine  # noqa: E402
from drafter.lowgc import paused_gc  # noqa: E402
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


def write_csv(path: Path, data: list[tuple]) -> None:
    import csv

    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(HEADER)
        writer.writerows((*r[:1], r[1].isoformat(), *r[2:]) for r in data)


def write_sqlite(path: Path, data: list[tuple]) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute(
            "CREATE TABLE 检查记录 (检查编号 TEXT, 检查日期 TEXT, 检查单位 TEXT, 检查对象 TEXT, "
            "对象类型 TEXT, 发现问题数 INTEGER, 责令整改 TEXT)"
        )
        conn.executemany(
            "INSERT INTO 检查记录 VALUES (?, ?, ?, ?, ?, ?, ?)", [(r[0], r[1].isoformat(), *r[2:]) for r in data]
        )


def measure(url: str, tmp: Path) -> tuple[float, float, int, float]:
    """(seconds to open the source, seconds of the queries, checks counted, CPU seconds to open)."""
    specs = {}
    for name, (returns, sql) in SQL.items():
        path = tmp / f"{name}.sql"
        path.write_text(f"-- source: s\n-- description: {name}\n-- returns: {returns}\n{sql}\n", encoding="utf-8")
        specs[name] = parse_query(path)
    settings = SourceSettings(url=url, timeout=600)
    spreadsheets._PARSED.clear()  # a fresh parse each run, as a new process would
    started, cpu = time.perf_counter(), time.process_time()
    with paused_gc():  # as `drafter build` and `check` run it: the CLI pauses the collector
        engine = open_engine("s", settings)
    with engine.connect() as conn:
        opened, cpu = time.perf_counter() - started, time.process_time() - cpu
        params = {"year": 2024, "period_start": dt.date(2024, 1, 1), "period_end": dt.date(2025, 1, 1)}
        t = time.perf_counter()
        results = {name: run_query(conn, spec, "s", params, 600) for name, spec in specs.items()}
        queried = time.perf_counter() - t
    engine.dispose()
    return opened, queried, results["overall"].value.checks.value, cpu


def bare_calamine(path: Path) -> tuple[float, float]:
    """The floor of a workbook: calamine alone reading the sheet's rows into Python (seconds, CPU seconds)."""
    from python_calamine import CalamineWorkbook

    started, cpu = time.perf_counter(), time.process_time()
    book = CalamineWorkbook.from_path(str(path))
    book.get_sheet_by_index(0).to_python()
    book.close()
    return time.perf_counter() - started, time.process_time() - cpu


def bare_csv(path: Path) -> tuple[float, float]:
    """The floor of a CSV file: Python's csv module alone reading its rows (seconds, CPU seconds)."""
    import csv

    started, cpu = time.perf_counter(), time.process_time()
    with path.open(encoding="utf-8", newline="") as f:
        for _ in csv.reader(f):
            pass
    return time.perf_counter() - started, time.process_time() - cpu


def _spread(values: list[float]) -> str:
    return f"{min(values):.2f}/{statistics.median(values):.2f}"


def _load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def _beside_bare(what: str, opened: list[tuple], bare: list[tuple[float, float]], aim: str, load: str) -> str:
    """drafter's open time beside its aim and beside the bare reader's, run for run."""
    ratio = statistics.median(o[0] / b[0] for o, b in zip(opened, bare))
    cpu_ratio = statistics.median(o[3] / b[1] for o, b in zip(opened, bare))
    return (
        f"{'':>8} open {_spread([o[0] for o in opened])} s{aim}, CPU {_spread([o[3] for o in opened])} s"
        f" | {what} alone {_spread([b[0] for b in bare])} s, CPU {_spread([b[1] for b in bare])} s"
        f" | ratio {ratio:.2f}× (CPU {cpu_ratio:.2f}×) | load {load} → {_load()}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default="10000,100000")
    parser.add_argument("--csv-rows", default="1000000")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    print("workbook (.xlsx) against the same rows in SQLite; seconds min/median; aim: 100,000 rows opened ≤ 1 s")
    print(
        f"{'rows':>8} {'xlsx MB':>8} | {'xlsx open s':>11} {'query s':>10} | {'sqlite open s':>13} {'query s':>10}"
        f" | {'ratio':>6}"
    )
    for n in (int(x) for x in args.rows.split(",") if x):
        with tempfile.TemporaryDirectory() as d:
            tmp = Path(d)
            data = rows(n)
            write_workbook(tmp / "台账.xlsx", data)
            write_sqlite(tmp / "台账.db", data)
            xl, db, bare = [], [], []
            load = _load()
            for _ in range(args.runs):  # in pairs, the same minute
                xl.append(measure(str(tmp / "台账.xlsx"), tmp))
                db.append(measure(f"sqlite:///{tmp / '台账.db'}", tmp))
                bare.append(bare_calamine(tmp / "台账.xlsx"))
            assert {r[2] for r in xl} == {r[2] for r in db}, "the workbook and the database disagree"
            ratio = statistics.median(x[0] + x[1] for x in xl) / statistics.median(s[0] + s[1] for s in db)
            size = (tmp / "台账.xlsx").stat().st_size / 1e6
            print(
                f"{n:>8} {size:>8.1f} | {_spread([r[0] for r in xl]):>11} {_spread([r[1] for r in xl]):>10} | "
                f"{_spread([r[0] for r in db]):>13} {_spread([r[1] for r in db]):>10} | {ratio:>6.0f}×"
            )
            print(_beside_bare("calamine", xl, bare, " (aim ≤ 1 s)" if n == 100_000 else "", load))
    print("\nCSV file; seconds min/median; aim: 1,000,000 rows opened ≤ 5 s")
    for n in (int(x) for x in args.csv_rows.split(",") if x):
        with tempfile.TemporaryDirectory() as d:
            tmp = Path(d)
            data = rows(n)
            write_csv(tmp / "检查记录.csv", data)
            runs, bare = [], []
            load = _load()
            for _ in range(args.runs):
                runs.append(measure(str(tmp / "检查记录.csv"), tmp))
                bare.append(bare_csv(tmp / "检查记录.csv"))
            size = (tmp / "检查记录.csv").stat().st_size / 1e6
            opened = [r[0] for r in runs]
            print(f"{n:>8} rows {size:>6.1f} MB | open {_spread(opened)} s | query {_spread([r[1] for r in runs])} s")
            print(_beside_bare("csv.reader", runs, bare, " (aim ≤ 5 s)" if n == 1_000_000 else "", load))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
