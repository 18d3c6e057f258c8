"""Benchmark: a whole `drafter build` process on the sample, start to exit, as a user runs it.

    .venv/bin/python benchmarks/bench_process.py [--runs 9] [--baseline DIR]

With --baseline DIR (a checkout of another commit, e.g. `git archive <commit> | tar -x -C DIR`),
the same build is also run with that tree's drafter (PYTHONPATH=DIR), alternating run by run
so that both see the same load on a shared machine, and both medians are printed.

CPU time (user + system of the build process) is printed beside wall time: on a machine
shared with other work it varies far less. Each run is a fresh `python -m drafter.cli build` (interpreter start-up, imports, reading and
checking the query files, the queries, rendering, writing; the readings of the query files
come from drafter's cache, as for a user whose queries did not change since the last run:
--no-cache also builds without it, every query file parsed). Prints the median and the best
wall time, and separately the time to read and check every query file of the sample
(`load_project`, in-process, median of the runs after a warm-up).

The anchor (issue 21: a build process ≤ 2.2× it): a process that only imports the libraries a
build stands on, run alternately with the builds — docxtpl (python-docx, Jinja2, lxml),
SQLAlchemy, PyYAML, click, sqlglot and pydantic; the ratio is also shown against the first four
alone. With --importtime, drafter's own modules by self import time (`python -X importtime`).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_build import make_project

_LOAD = r"""
import importlib.util, statistics, sys, time
import drafter
print(drafter.__file__, file=sys.stderr)
from pathlib import Path
from drafter.builder import load_project
reader = None
if importlib.util.find_spec("drafter.project.sql") is not None:
    import drafter.project.sql as reader
config = Path(sys.argv[1])
times = []
for _ in range(int(sys.argv[2])):
    if reader is not None:  # a fresh process reads every file once: no warm cache
        reader.analyse.cache_clear()
    start = time.perf_counter()
    load_project(config)
    times.append(time.perf_counter() - start)
print(statistics.median(times[1:] or times))
"""


_HERE = str(Path(__file__).resolve().parents[1])  # the tree this script belongs to


def _env(tree: str | None, cache: str | None = None) -> dict[str, str]:
    """The environment of a measured process: drafter from `tree` (this script's own tree by
    default, not whichever checkout the interpreter has installed), and .pyc files written and
    used as on a user's machine, even where the shell sets PYTHONDONTWRITEBYTECODE. `cache`:
    the folder of drafter's cache of SQL readings (drafter/project/sqlcache.py), a private one
    of this run rather than the user's; "off" runs without it."""
    env = dict(os.environ)
    env["PYTHONPATH"] = tree or _HERE
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.pop("DRAFTER_NO_CACHE", None)
    if cache == "off":
        env["DRAFTER_NO_CACHE"] = "1"
    elif cache is not None:
        env["DRAFTER_CACHE_DIR"] = cache
    return env


ANCHORS = {
    "libraries a build uses": "import docxtpl, docx, jinja2, lxml.etree, sqlalchemy, yaml, click, sqlglot, pydantic",
    "without sqlglot, pydantic": "import docxtpl, docx, jinja2, lxml.etree, sqlalchemy, yaml, click",
}


def _anchor(code: str) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, env=_env(None))
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _importtime(config: Path, out: Path, tree: str | None, cache: str | None) -> str:
    """drafter's own modules by self import time in one build process."""
    run = subprocess.run(
        [
            sys.executable,
            "-X",
            "importtime",
            "-m",
            "drafter.cli",
            "build",
            "-c",
            str(config),
            "-o",
            str(out),
            "--force",
        ],
        capture_output=True,
        text=True,
        env=_env(tree, cache),
        cwd=config.parent,
        check=True,
    )
    rows = []
    for line in run.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            self_us, total_us, name = (part.strip() for part in line[len("import time:") :].split("|"))
            if self_us.isdigit():
                rows.append((int(self_us), int(total_us), name))
    own = sorted((r for r in rows if r[2].startswith("drafter")), reverse=True)
    total = sum(r[0] for r in rows) / 1e3
    lines = [f"imports {total:.0f} ms in all, drafter's own modules {sum(r[0] for r in own) / 1e3:.0f} ms; top:"]
    lines += [f"  {r[0] / 1e3:7.1f} ms  {r[2]}" for r in own[:12]]
    return "\n".join(lines)


def _build(config: Path, out: Path, tree: str | None, cache: str | None) -> tuple[float, float]:
    """Wall time and CPU time (user + system) of one whole build process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    # cwd: `python -m` puts the working directory first on sys.path, before PYTHONPATH
    subprocess.run(
        [sys.executable, "-m", "drafter.cli", "build", "-c", str(config), "-o", str(out), "--force"],
        check=True,
        capture_output=True,
        env=_env(tree, cache),
        cwd=config.parent,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--baseline", default=None, help="a source tree of drafter to compare with")
    parser.add_argument("--importtime", action="store_true", help="show drafter's modules by import time")
    parser.add_argument("--no-cache", action="store_true", help="also build without the cache of SQL readings")
    args = parser.parse_args()
    anchors: dict[str, list[tuple[float, float]]] = {name: [] for name in ANCHORS}
    # name → (source tree, cache of SQL readings): a user's build finds the readings of its
    # unchanged queries cached (the first run, a warm-up, fills it); "no cache" parses every one.
    trees: dict[str, tuple[str | None, str]] = {"this tree": (None, "")}
    if args.no_cache:
        trees["this tree, no cache"] = (None, "off")
    if args.baseline:
        trees["baseline"] = (str(Path(args.baseline).resolve()), "")
    walls: dict[str, list[float]] = {name: [] for name in trees}
    cpus: dict[str, list[float]] = {name: [] for name in trees}
    loads: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="drafter-bench-") as tmp:
        project = make_project(Path(tmp))
        trees = {
            name: (tree, cache or str(Path(tmp) / f"cache-{k}"))
            for k, (name, (tree, cache)) in enumerate(trees.items())
        }
        config = project / "config.yaml"
        for i in range(args.runs + 1):
            for name, (tree, cache) in trees.items():
                elapsed, cpu = _build(config, project / f"p-{i}.docx", tree, cache)
                if i:  # the first run warms the disk cache and the .pyc files
                    walls[name].append(elapsed)
                    cpus[name].append(cpu)
            for name, code in ANCHORS.items():  # in the same minute as the builds
                measured = _anchor(code)
                if i:
                    anchors[name].append(measured)
        if args.importtime:
            for name, (tree, cache) in trees.items():
                print(f"{name}: {_importtime(config, project / 'imports.docx', tree, cache)}")
        for name, (tree, cache) in trees.items():
            load = subprocess.run(
                [sys.executable, "-c", _LOAD, str(config), str(args.runs + 1)],
                check=True,
                capture_output=True,
                text=True,
                env=_env(tree, cache),
                cwd=config.parent,
            )
            loads[name] = float(load.stdout)
            origin = load.stderr.strip().splitlines()[0]
            assert origin.startswith(tree or _HERE), f"{name} ran {origin}, not {tree or _HERE}"
    for name in trees:
        print(
            f"{name}: drafter build (whole process, {args.runs} runs): wall median {statistics.median(walls[name]):.3f}s, "
            f"best {min(walls[name]):.3f}s; CPU median {statistics.median(cpus[name]):.3f}s, "
            f"best {min(cpus[name]):.3f}s; reading and checking the query files (load_project): "
            f"median {loads[name]:.4f}s"
        )
        for anchor, runs in anchors.items():
            wall = statistics.median(r[0] for r in runs)
            cpu = statistics.median(r[1] for r in runs)
            print(
                f"  anchor, a process importing the {anchor}: wall median {wall:.3f}s (min {min(r[0] for r in runs):.3f}s), "
                f"CPU median {cpu:.3f}s; build / anchor: wall {statistics.median(walls[name]) / wall:.2f}×, "
                f"CPU {statistics.median(cpus[name]) / cpu:.2f}× (aim ≤ 2.2×)"
            )


if __name__ == "__main__":
    main()
