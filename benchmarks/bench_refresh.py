"""Benchmark: `check` and `refresh` of the sample 2025 draft, against `build` (the anchor).

The shipped project (rules included) over freshly generated sample databases; the 2025 draft is
built, then three figures' data and one conditional sentence's data are changed, so that check
has findings of each kind (数据已变化, 措辞已变化) and refresh has figures to update and a
wording to comment.

    .venv/bin/python benchmarks/bench_refresh.py [--runs 5]

Each command runs in a fresh subprocess: one warm-up call, then `--runs` timed calls (median and
best wall time), then one call under tracemalloc for the peak of Python allocations, and the
process's peak RSS (VmHWM). Rules are timed inside check (its `rules` stage).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

_CHILD = r"""
import json, sys, time, tracemalloc
from pathlib import Path
what, config, draft, out, runs = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4]), int(sys.argv[5])
from drafter import build, check
from drafter.review.refresh import refresh

def once():
    if what == "build":
        return build(config, output=out, force=True)
    if what == "check":
        return check(draft, config)
    return refresh(draft, out, config, force=True)

result = once()  # warm-up
times = []
for _ in range(runs):
    start = time.perf_counter()
    result = once()
    times.append(time.perf_counter() - start)
tracemalloc.start()
once()
_, peak = tracemalloc.get_traced_memory()
tracemalloc.stop()
hwm_kib = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:"))
info = {}
if what == "check":
    info = {"findings": len(result.findings), "counts": {k: v for k, v in result.counts().items() if v},
            "stages": {k: round(v, 4) for k, v in result.timings.items()}}
elif what == "refresh":
    info = {"summary": result.summary()}
print(json.dumps({"times": times, "py_peak_mib": peak / 2**20, "rss_mib": hwm_kib / 1024, **info},
                 ensure_ascii=False))
"""


def make_project(root: Path) -> tuple[Path, Path]:
    from drafter import build
    from drafter.sample import create_sqlite

    project = root / "project"
    project.mkdir()
    shutil.copy(REPO / "config.yaml", project / "config.yaml")
    for folder in ("queries", "templates", "rules"):
        shutil.copytree(REPO / folder, project / folder)
    create_sqlite(project / "sample")
    draft = build(project / "config.yaml", output=project / "draft.docx").path
    changes = [
        (
            "office",
            "DELETE FROM study_session WHERE id = (SELECT MIN(id) FROM study_session "
            "WHERE held_on >= '2025-01-01' AND session_kind IN ('中心组学习', '中心组扩大学习'))",
        ),
        (
            "disaster",
            "DELETE FROM storage_point WHERE id = (SELECT MIN(id) FROM storage_point "
            "WHERE confirmed_on >= '2025-01-01' AND tier IN ('区级', '镇级'))",
        ),
        (
            "enforcement",
            "UPDATE inspection SET officer_count = officer_count + 1 WHERE id = "
            "(SELECT MIN(id) FROM inspection WHERE inspected_on >= '2025-01-01')",
        ),
        (
            "office",
            "UPDATE legal_proceeding SET outcome = '撤销' WHERE id = (SELECT MIN(id) FROM legal_proceeding "
            "WHERE filed_on >= '2025-01-01' AND concluded_on < '2026-01-01')",
        ),
    ]
    for db, statement in changes:
        con = sqlite3.connect(project / "sample" / f"{db}.db")
        with con:
            con.execute(statement)
        con.close()
    return project / "config.yaml", draft


def measure(what: str, config: Path, draft: Path, out: Path, runs: int) -> dict:
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD, what, str(config), str(draft), str(out), str(runs)],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="drafter-bench-refresh-") as tmp:
        config, draft = make_project(Path(tmp))
        rows = {
            what: measure(what, config, draft, Path(tmp) / f"{what}.docx", args.runs)
            for what in ("build", "check", "refresh")
        }
    anchor = statistics.median(rows["build"]["times"])
    print(f"sample 2025 draft, {args.runs} runs each (fresh process, after one warm-up)")
    print(f"{'command':<8} {'median s':>9} {'best s':>8} {'× build':>8} {'py peak MiB':>12} {'RSS MiB':>8}")
    for what, row in rows.items():
        median = statistics.median(row["times"])
        print(
            f"{what:<8} {median:>9.3f} {min(row['times']):>8.3f} {median / anchor:>8.2f} "
            f"{row['py_peak_mib']:>12.1f} {row['rss_mib']:>8.1f}"
        )
    print(f"check: {rows['check']['counts']}; stages {rows['check']['stages']}")
    print(f"refresh: {rows['refresh']['summary']}")


if __name__ == "__main__":
    main()
