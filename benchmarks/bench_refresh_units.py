"""Benchmark: `refresh` of N unit drafts in one call against N separate refresh calls.

The per-town example with synthetic towns (benchmarks/bench_units.py), built with `--each`;
then every town's rescue-team members change, so that each draft has a figure to update. Two
ways of refreshing them all, alternated run after run in fresh processes:

  one call    refresh_many(drafts): a query with the same SQL and parameters once for all
              drafts, a `-- per:` query once for all units (drafter/review/refresh.py)
  N calls     refresh(draft) for each draft, one after another in one process (what a loop
              of `drafter refresh` did before, without N interpreter start-ups)

Prints for each the statements sent to the databases (a SQLAlchemy event, session set-up
included) and the wall time, min and median of --runs runs.

    .venv/bin/python benchmarks/bench_refresh_units.py [--units 24] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_units import config_for, make_project  # the same synthetic towns

REPO = Path(__file__).resolve().parents[1]

_BUILD = r"""
import json, sys
from pathlib import Path
from drafter.batch import build_units
result = build_units(Path(sys.argv[1]), jobs=1, force=True)
assert not result.failed, result.summary()
print(json.dumps([str(o.path) for o in result.outcomes]))
"""

_REFRESH = r"""
import json, sys, time
from pathlib import Path
from sqlalchemy import event
from sqlalchemy.engine import Engine
from drafter.review.refresh import refresh, refresh_many
import docxtpl, drafter.word.document, drafter.review.checker  # noqa: F401 — imports outside the timing
how, config, drafts, out = sys.argv[1], Path(sys.argv[2]), json.loads(Path(sys.argv[3]).read_text()), Path(sys.argv[4])
sent = []
event.listen(Engine, "before_cursor_execute", lambda *a: sent.append(a[2]))
start = time.perf_counter()
if how == "one":
    batch = refresh_many([Path(d) for d in drafts], out, config, force=True)
    assert not batch.errors, batch.errors[:1]
    updated = sum(len(r.updated) for r in batch.results)
else:
    out.mkdir(exist_ok=True)
    updated = sum(len(refresh(Path(d), out / Path(d).name, config, force=True).updated) for d in drafts)
elapsed = time.perf_counter() - start
print(json.dumps({"seconds": elapsed, "statements": len(sent), "updated": updated}))
"""


def _child(code: str, *args: str) -> dict | list:
    env = {**os.environ, "PYTHONPATH": str(REPO)}  # this tree's drafter, whatever the interpreter has installed
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=False, env=env)
    if out.returncode:
        raise SystemExit(f"child failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=24)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="drafter-bench-refresh-units-") as tmp:
        root = Path(tmp)
        base, names, _ = make_project(root, args.units)
        config = config_for(base, names, args.units)
        drafts = _child(_BUILD, str(config))
        with sqlite3.connect(root / "sample" / "disaster.db") as db:
            db.execute("UPDATE rescue_team SET member_count = member_count + 5")
        listing = root / "drafts.json"
        listing.write_text(json.dumps(drafts), encoding="utf-8")
        rows: dict[str, list[dict]] = {"one": [], "each": []}
        for _ in range(args.runs):
            for how in rows:
                rows[how].append(_child(_REFRESH, how, str(config), str(listing), str(root / f"out-{how}")))
    print(
        f"refresh {len(drafts)} 份单位草稿，{args.runs} 轮（两种方式交替，各在新进程中），负载 {os.getloadavg()[0]:.1f}"
    )
    for how, label in (("one", "一次调用 refresh_many"), ("each", f"{len(drafts)} 次 refresh")):
        t = [r["seconds"] for r in rows[how]]
        last = rows[how][-1]
        print(
            f"{label:<22} 查询语句 {last['statements']:>4} 条  更新数字 {last['updated']:>4} 个  "
            f"最快 {min(t):.2f} s  中位 {statistics.median(t):.2f} s"
        )
    ratio = statistics.median(r["seconds"] for r in rows["each"]) / statistics.median(r["seconds"] for r in rows["one"])
    print(f"N 次 / 一次调用（中位）= {ratio:.2f}×")


if __name__ == "__main__":
    main()
