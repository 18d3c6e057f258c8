"""Benchmark: a whole `drafter build` process on the sample, start to exit, as a user runs it.

    .venv/bin/python benchmarks/bench_process.py [--runs 9]

Each run is a fresh `python -m drafter.cli build` (interpreter start-up, imports, reading and
checking the query files, the queries, rendering, writing). Prints the median and the best
wall time, and separately the time to read and check every query file of the sample
(`load_project`, in-process, median of the runs after a warm-up).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_build import make_project

_LOAD = r"""
import statistics, sys, time
from pathlib import Path
import drafter.project.queries as queries
from drafter.builder import load_project
config = Path(sys.argv[1])
times = []
for _ in range(int(sys.argv[2])):
    for name in ("_analyse", "analyse"):  # a fresh process reads every file once: no warm cache
        cache = getattr(getattr(queries, "sql", None), name, None)
        if cache is not None and hasattr(cache, "cache_clear"):
            cache.cache_clear()
    start = time.perf_counter()
    load_project(config)
    times.append(time.perf_counter() - start)
print(statistics.median(times[1:] or times))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="drafter-bench-") as tmp:
        project = make_project(Path(tmp))
        config = project / "config.yaml"
        walls = []
        for i in range(args.runs + 1):
            start = time.perf_counter()
            subprocess.run([sys.executable, "-m", "drafter.cli", "build", "-c", str(config),
                            "-o", str(project / f"p-{i}.docx"), "--force"],
                           check=True, capture_output=True)
            if i:  # the first run warms the disk cache and the .pyc files
                walls.append(time.perf_counter() - start)
        load = subprocess.run([sys.executable, "-c", _LOAD, str(config), str(args.runs + 1)],
                              check=True, capture_output=True, text=True)
    print(f"drafter build (whole process, {args.runs} runs): median {statistics.median(walls):.3f}s, "
          f"best {min(walls):.3f}s")
    print(f"reading and checking the query files (load_project): median {float(load.stdout):.4f}s")


if __name__ == "__main__":
    main()
