"""Benchmark: a build that references `prev` for every query against the same build without.

Issue 12's anchor: referencing the same period one year earlier (`{{ prev.q.col }}`) for every
query may cost at most 2× a build without it, because the comparison runs go alongside the
report's own queries (one connection per source and comparison, concurrently) instead of after.

Two copies of the sample project over the same sample databases (`drafter sample create`):
`plain` as shipped, `prev` with one more section that prints, for every query, a figure of its
run over 2024 (`prev.q.col` for a row query, `prev.q` for a scalar, `prev.q | length` for rows).
Each build runs in a fresh process after a warm-up build; the runs alternate between the two.

    .venv/bin/python benchmarks/bench_prev.py [--runs 5]

Prints per build: median and best wall time, the query stage, the number of queries run, and
the ratio prev / plain.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

_CHILD = r"""
import json, sys, time
from pathlib import Path
project = Path(sys.argv[1])
from drafter import build
build(project / "config.yaml", output=project / "warm.docx", force=True)  # imports, first-use caches
start = time.perf_counter()
result = build(project / "config.yaml", output=project / "bench.docx", force=True)
elapsed = time.perf_counter() - start
print(json.dumps({"seconds": elapsed, "stages": result.timings, "queries": len(result.run.results),
                  "figures": len(result.registry)}))
"""


def _prev_section(project: Path) -> str:
    """One line per query that prints a figure of its `prev` run."""
    from drafter.builder import load_project, run_project

    loaded = load_project(project / "config.yaml")
    run = run_project(loaded)
    lines = ["五、同比（基准测试用）"]
    for name, result in run.current.items():
        spec = loaded.queries[name]
        if spec.returns == "scalar":
            lines.append(f"{name}：上年{{{{ prev.{name} }}}}。")
        elif spec.returns == "rows":
            lines.append(f"{name}：上年{{{{ prev.{name} | length }}}}项。")
        else:
            column = result.columns[0] if result.ok else "value"
            lines.append(f"{name}：上年{{{{ prev.{name}.{column} }}}}。")
    return "\n".join(lines) + "\n"


def _copy(target: Path, databases: Path) -> Path:
    target.mkdir(parents=True)
    shutil.copy(REPO / "config.yaml", target / "config.yaml")
    shutil.copytree(REPO / "queries", target / "queries")
    shutil.copytree(REPO / "templates", target / "templates")
    shutil.copytree(databases, target / "sample")
    return target


def _measure(project: Path) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, str(project)], check=True, capture_output=True, text=True, cwd=project
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="builds of each kind (default 5)")
    args = parser.parse_args()
    from drafter.sample import create_sqlite

    with tempfile.TemporaryDirectory(prefix="bench-prev-") as tmp:
        root = Path(tmp)
        create_sqlite(root / "databases")
        plain = _copy(root / "plain", root / "databases")
        prev = _copy(root / "prev", root / "databases")
        (prev / "templates/sections/5-同比.txt").write_text(_prev_section(prev), encoding="utf-8")
        runs: dict[str, list[dict]] = {"plain": [], "prev": []}
        for _ in range(args.runs):
            runs["plain"].append(_measure(plain))
            runs["prev"].append(_measure(prev))
    medians = {}
    for kind, label in (("plain", "不引用 prev"), ("prev", "每个查询都引用 prev")):
        seconds = [r["seconds"] for r in runs[kind]]
        medians[kind] = statistics.median(seconds)
        first = runs[kind][0]
        stages = "  ".join(
            f"{stage} {statistics.median(r['stages'][stage] for r in runs[kind]):.3f}"
            for stage in ("load", "queries", "render", "write")
        )
        print(
            f"{label:<16} 中位 {medians[kind]:.3f} s  最快 {min(seconds):.3f} s  查询 {first['queries']} 次  "
            f"数字 {first['figures']} 个  （各阶段中位，秒：{stages}）"
        )
    ratio = medians["prev"] / medians["plain"]
    print(f"比值 prev / plain = {ratio:.2f}×（目标 ≤ 2×）")


if __name__ == "__main__":
    main()
