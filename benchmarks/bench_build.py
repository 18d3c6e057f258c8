"""Benchmark: `drafter build` on the sample against a bare docxtpl render of the same document.

The bare render is the floor: the same Word master, the same paragraphs already
formatted, a precomputed context, one `DocxTemplate.render` and a save. The
difference is what drafter itself costs (queries, Jinja sections, content
controls, 公文 layout, manifest).

    .venv/bin/python benchmarks/bench_build.py [--runs 5]

Prints wall time (median and best of the runs) and peak memory of each, measured
in a fresh subprocess per measurement so that one does not inherit the other's heap:
peak RSS of the whole process, and the peak of Python allocations during the
measured call (tracemalloc).
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
import json, sys, time, tracemalloc
from pathlib import Path
mode, project = sys.argv[1], Path(sys.argv[2])
if mode == "drafter":
    from drafter import build
    from drafter.sample import SYSTEMS  # noqa: F401  (import cost outside the timing, like docxtpl below)
    def run(i):
        return build(project / "config.yaml", output=project / f"bench-{i}.docx", force=True).timings
else:
    from docxtpl import DocxTemplate
    from jinja2 import Environment
    from drafter.text.numbers import date_cn
    env = Environment()
    env.filters["date_cn"] = date_cn  # the master formats its date; everything else is precomputed
    ctx = json.loads((project / "bare-context.json").read_text(encoding="utf-8"))
    def run(i):
        tpl = DocxTemplate(str(project / "bare-master.docx"))
        tpl.render(ctx, env, autoescape=True)
        tpl.save(str(project / f"bare-{i}.docx"))
        return {}
run(0)  # warm-up: imports, first-use caches
start = time.perf_counter()
stages = run(1)
elapsed = time.perf_counter() - start
tracemalloc.start()  # separately: tracing slows Python code, not lxml, and would skew the ratio
run(2)
_, peak = tracemalloc.get_traced_memory()
tracemalloc.stop()
# VmHWM (peak RSS of this process image); ru_maxrss would carry the parent's peak across exec.
hwm_kib = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:"))
print(json.dumps({"stages": stages, "seconds": elapsed, "py_peak_mib": peak / 2**20, "rss_mib": hwm_kib / 1024}))
"""


def make_project(root: Path) -> Path:
    from drafter.sample import create_sqlite

    project = root / "project"
    project.mkdir()
    shutil.copy(REPO / "config.yaml", project / "config.yaml")
    shutil.copytree(REPO / "queries", project / "queries")
    shutil.copytree(REPO / "templates", project / "templates")
    create_sqlite(project / "sample")
    return project


def make_bare_template(project: Path) -> None:
    """The master with its `{{ body }}` paragraph turned into a loop over ready-made text."""
    from docx import Document

    from drafter import build
    from drafter.data.figures import strip_marks
    from drafter.pipeline.render import report_context
    from drafter.word.oxml import paragraph_text

    result = build(project / "config.yaml", output=project / "reference.docx", force=True)
    doc = Document(str(project / "templates/report.docx"))
    for p in doc.paragraphs:
        if paragraph_text(p._p).strip() == "{{ body }}":
            for run in p.runs[1:]:
                run._r.getparent().remove(run._r)
            p.runs[0].text = "{{ para }}"
            p.insert_paragraph_before("{%p for para in paragraphs %}")
            after = p.insert_paragraph_before("{%p endfor %}")
            p._p.addnext(after._p)
            break
    doc.save(str(project / "bare-master.docx"))
    ctx = report_context(result.project.config)
    ctx = {
        k: (v.isoformat() if hasattr(v, "isoformat") else str(v) if k == "period" else v)
        for k, v in ctx.items()
        if k != "report"
    }
    ctx["paragraphs"] = [strip_marks(p.text) for p in result.paragraphs]
    (project / "bare-context.json").write_text(json.dumps(ctx, ensure_ascii=False), encoding="utf-8")


def measure(mode: str, project: Path, runs: int) -> dict:
    results = []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", _CHILD, mode, str(project)], capture_output=True, text=True, check=True
        )
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    secs = [r["seconds"] for r in results]
    return {
        "stages": {k: statistics.median(r["stages"][k] for r in results) for k in results[0]["stages"]},
        "median_s": statistics.median(secs),
        "best_s": min(secs),
        "rss_mib": max(r["rss_mib"] for r in results),
        "py_peak_mib": max(r["py_peak_mib"] for r in results),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="drafter-bench-") as tmp:
        project = make_project(Path(tmp))
        make_bare_template(project)
        drafter = measure("drafter", project, args.runs)
        bare = measure("bare", project, args.runs)
    print(f"{'':24}{'median':>10}{'best':>10}{'peak RSS':>12}{'py peak':>10}")
    for name, r in (("drafter build", drafter), ("bare docxtpl render", bare)):
        print(f"{name:24}{r['median_s']:>9.3f}s{r['best_s']:>9.3f}s{r['rss_mib']:>9.1f}MiB{r['py_peak_mib']:>7.1f}MiB")
    print(f"ratio (median): {drafter['median_s'] / bare['median_s']:.2f}x")
    print("drafter stages (median s): " + ", ".join(f"{k} {v:.3f}" for k, v in drafter["stages"].items()))


if __name__ == "__main__":
    main()
