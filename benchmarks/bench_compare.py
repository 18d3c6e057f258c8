"""Benchmark: `build` and `check` of the sample, one checkout against another (before/after a change).

Each checkout has its own virtual environment; give their Python interpreters. Runs alternate
(A, B, A, B, …), each in a fresh process started outside both trees, so a machine that gets
busier or quieter during the benchmark weighs on both alike. Every run builds the sample
draft twice (the first warms imports and caches) and checks it once; the second build and
the check are timed.

    .venv/bin/python benchmarks/bench_compare.py --a /path/to/old/.venv/bin/python \\
        --b .venv/bin/python [--runs 9]

Each side builds the sample project of its own checkout (config.yaml, queries/, templates/ beside
its `drafter` package): the same report as each release ships it, so a change to the sample's files
(an opening moved into a section template, say) does not stop an older release from running.

Prints, for each side, the median and best wall time of build and of check, and peak RSS.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import tempfile
from pathlib import Path

_CHILD = r"""
import json, sys, time
from pathlib import Path
project = Path(sys.argv[1])
from drafter import build, check
config = project / "config.yaml"
build(config, output=project / "warm.docx", force=True)
start = time.perf_counter()
result = build(config, output=project / "timed.docx", force=True)
built = time.perf_counter() - start
start = time.perf_counter()
report = check(result.path, config)
checked = time.perf_counter() - start
assert report.exit_code == 0, "the sample draft should check clean"
hwm_kib = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:"))
print(json.dumps({"build": built, "check": checked, "rss_mib": hwm_kib / 1024,
                  "module": __import__("drafter").__file__}))
"""


def checkout_of(python: str) -> Path:
    """The checkout whose `drafter` package `python` imports."""
    out = subprocess.run(
        [python, "-c", "import drafter; print(drafter.__file__)"],
        capture_output=True,
        text=True,
        check=True,
        cwd=tempfile.gettempdir(),
    )
    return Path(out.stdout.strip()).parents[1]


def make_project(root: Path, python: str) -> Path:
    repo = checkout_of(python)
    project = root / "project"
    project.mkdir(parents=True)
    shutil.copy(repo / "config.yaml", project / "config.yaml")
    shutil.copytree(repo / "queries", project / "queries")
    shutil.copytree(repo / "templates", project / "templates")
    subprocess.run(
        [
            python,
            "-c",
            "import sys; from drafter.sample import create_sqlite; create_sqlite(sys.argv[1])",
            str(project / "sample"),
        ],
        check=True,
        cwd=root,
    )
    return project


def run_once(python: str, project: Path) -> dict:
    out = subprocess.run(
        [python, "-c", _CHILD, str(project)], capture_output=True, text=True, check=True, cwd=project.parent
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--a", required=True, help="Python of the checkout before the change")
    parser.add_argument("--b", required=True, help="Python of the checkout after the change")
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    results: dict[str, list[dict]] = {"a": [], "b": []}
    with tempfile.TemporaryDirectory(prefix="drafter-compare-") as tmp:
        projects = {side: make_project(Path(tmp) / side, getattr(args, side)) for side in ("a", "b")}
        for _ in range(args.runs):
            for side in ("a", "b"):
                results[side].append(run_once(getattr(args, side), projects[side]))
    print(f"{'':10}{'module':<44}{'build median':>14}{'best':>9}{'check median':>14}{'best':>9}{'peak RSS':>11}")
    for side in ("a", "b"):
        rs = results[side]
        build_s, check_s = [r["build"] for r in rs], [r["check"] for r in rs]
        print(
            f"{side:10}{rs[0]['module']:<44}{statistics.median(build_s):>13.3f}s{min(build_s):>8.3f}s"
            f"{statistics.median(check_s):>13.3f}s{min(check_s):>8.3f}s{max(r['rss_mib'] for r in rs):>8.1f}MiB"
        )
    for stage in ("build", "check"):
        a = statistics.median(r[stage] for r in results["a"])
        b = statistics.median(r[stage] for r in results["b"])
        print(f"{stage}: b/a = {b / a:.2f}")


if __name__ == "__main__":
    main()
