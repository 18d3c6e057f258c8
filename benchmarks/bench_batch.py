"""Benchmark: comparisons and checks of a batch of units, grouped as the build's own queries.

Issue 21's anchors at 200 units (the synthetic towns of benchmarks/bench_units.py, one job):
  1. `build --each` whose templates print `prev` (the same period a year earlier) for every
     query against the same build without: ≤ 1.5× (a comparison run of a `-- per:` query is
     grouped like the query itself, drafter/pipeline/plan.py);
  2. `check` of the batch's drafts against the build that wrote them: ≤ 1.2× (the batch
     check runs a `-- per:` query once for all units, drafter/review/batch.py).

    .venv/bin/python benchmarks/bench_batch.py [--units 200] [--runs 3]

Each measurement runs in a fresh process; the three kinds alternate, run after run, so that
a slow moment of the shared machine falls on all of them. Prints min and median of the runs.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_units import config_for, make_project  # the same synthetic towns

_BUILD = r"""
import json, sys, time
from pathlib import Path
from drafter.batch import build_units
import docxtpl, drafter.word.document  # noqa: F401 — imports outside the timing
start = time.perf_counter()
result = build_units(Path(sys.argv[1]), jobs=1, force=True)
elapsed = time.perf_counter() - start
assert not result.failed and len(result.written) == len(result.units), result.summary()
print(json.dumps({"seconds": elapsed, "drafts": [str(o.path) for o in result.outcomes]}))
"""

_CHECK = r"""
import json, sys, time
from pathlib import Path
from drafter.review.batch import check_many
import docxtpl, drafter.word.document  # noqa: F401 — imports outside the timing
drafts = json.loads(Path(sys.argv[2]).read_text())
start = time.perf_counter()
batch = check_many([Path(d) for d in drafts], Path(sys.argv[1]))
elapsed = time.perf_counter() - start
assert not batch.errors, batch.errors[:1]
print(json.dumps({"seconds": elapsed, "ran": batch.queries_run, "reused": batch.queries_reused}))
"""


def _child(code: str, *args: str) -> dict:
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=False)
    if out.returncode:
        raise SystemExit(f"child failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def with_prev(config: Path) -> Path:
    """A copy of the project whose section prints, for every query, its `prev` run."""
    from drafter.pipeline.validate import load_project

    target = config.parent.with_name(config.parent.name + "-prev")
    if not target.exists():
        import shutil

        shutil.copytree(config.parent, target, ignore=shutil.ignore_patterns("output*"))
    project = load_project(target / config.name)
    lines = ["上年同期（基准测试用）"]
    for name, spec in project.queries.items():
        if spec.returns == "scalar":
            lines.append(f"{name}：上年{{{{ prev.{name} }}}}。")
        elif spec.returns == "rows":
            lines.append(f"{name}：上年{{{{ prev.{name} | length }}}}项。")
        else:
            lines.append(f"{name}：上年{{{{ prev.{name}.{spec.parsed.columns[0]} }}}}。")
    section = next((target / "templates" / "sections").glob("*.txt"))
    section.write_text(section.read_text(encoding="utf-8") + "\n".join(lines) + "\n", encoding="utf-8")
    return target / config.name


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="drafter-bench-batch-") as tmp:
        root = Path(tmp)
        base, names, _ = make_project(root, args.units)
        plain = config_for(base, names, args.units)
        prev = with_prev(plain)
        times: dict[str, list[float]] = {"plain": [], "prev": [], "check": []}
        ran = 0
        for _ in range(args.runs):
            built = _child(_BUILD, str(plain))
            times["plain"].append(built["seconds"])
            times["prev"].append(_child(_BUILD, str(prev))["seconds"])
            listing = root / "drafts.json"
            listing.write_text(json.dumps(built["drafts"]), encoding="utf-8")
            checked = _child(_CHECK, str(plain), str(listing))
            times["check"].append(checked["seconds"])
            ran = checked["ran"]
    for kind, label in (
        ("plain", "build --each"),
        ("prev", "build --each, prev 每个查询"),
        ("check", "check 全部草稿"),
    ):
        t = times[kind]
        print(f"{label:<28} {args.units} 个单位：最快 {min(t):.2f} s，中位 {statistics.median(t):.2f} s")
    print(f"check 向数据库发出的查询：{ran} 次")
    prev_ratio = statistics.median(times["prev"]) / statistics.median(times["plain"])
    check_ratio = statistics.median(times["check"]) / statistics.median(times["plain"])
    print(f"prev / 不引用 prev（中位）= {prev_ratio:.2f}×（目标 ≤ 1.5×）")
    print(f"check / build（中位）= {check_ratio:.2f}×（目标 ≤ 1.2×）")


if __name__ == "__main__":
    main()
