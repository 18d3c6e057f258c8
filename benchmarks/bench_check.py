"""Benchmark: `drafter check` on the sample 2025 draft.

Three drafts of the shipped project over freshly generated sample databases:
the draft as built (内容控件模式), the same draft with its content controls and
manifest stripped (段落比对模式), and an edited draft with a finding of each kind.

    .venv/bin/python benchmarks/bench_check.py [--runs 5]

Each measurement runs in a fresh subprocess: one warm-up call (imports, first-use
caches), then `--runs` timed calls (median and best wall time, all of check:
opening the draft, the queries, the fresh render, the comparison), then one call
under tracemalloc for the peak of Python allocations, and the process's peak RSS
(VmHWM). `check --xlsx` and `--annotate` outputs are timed on the edited draft.
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
draft, config, runs, outputs = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]), sys.argv[4] == "1"
from drafter import check
from drafter.review.annotate import annotate
from drafter.review.checklist import write_checklist
report = check(draft, config)  # warm-up
times, stages = [], []
for _ in range(runs):
    start = time.perf_counter()
    report = check(draft, config)
    times.append(time.perf_counter() - start)
    stages.append(report.timings)
stages = {k: sorted(s[k] for s in stages)[len(stages) // 2] for k in stages[0]}
extra = {}
if outputs:
    start = time.perf_counter()
    write_checklist(report, draft.with_suffix(".xlsx"))
    extra["xlsx_s"] = time.perf_counter() - start
    start = time.perf_counter()
    annotate(report, draft.with_name(draft.stem + "-annotated.docx"))
    extra["annotate_s"] = time.perf_counter() - start
tracemalloc.start()  # separately: tracing slows Python code and would skew the times
check(draft, config)
_, peak = tracemalloc.get_traced_memory()
tracemalloc.stop()
hwm_kib = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:"))
print(json.dumps({"times": times, "stages": stages, "py_peak_mib": peak / 2**20, "rss_mib": hwm_kib / 1024,
                  "mode": report.mode, "figures": len(report.figures),
                  "findings": len(report.findings), "counts": report.counts(), **extra}, ensure_ascii=False))
"""


def make_drafts(root: Path) -> tuple[Path, dict[str, Path]]:
    from docx import Document
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    from drafter import build
    from drafter.review.scan import control_id
    from drafter.sample import create_sqlite

    project = root / "project"
    project.mkdir()
    shutil.copy(REPO / "config.yaml", project / "config.yaml")
    shutil.copytree(REPO / "queries", project / "queries")
    shutil.copytree(REPO / "templates", project / "templates")
    create_sqlite(project / "sample")
    built = build(project / "config.yaml", output=project / "draft.docx").path

    doc = Document(str(built))
    for sdt in list(doc.element.body.iter(qn("w:sdt"))):
        parent, index = sdt.getparent(), sdt.getparent().index(sdt)
        for k, child in enumerate(list(sdt.find(qn("w:sdtContent")))):
            parent.insert(index + k, child)
        parent.remove(sdt)
    for rel_id, rel in list(doc.part.rels.items()):
        if rel.reltype == RT.CUSTOM_XML:
            del doc.part.rels[rel_id]
    stripped = project / "stripped.docx"
    doc.save(str(stripped))

    doc = Document(str(built))
    controls = [s for s in doc.element.body.iter(qn("w:sdt")) if control_id(s)]
    controls[45].find(f".//{qn('w:t')}").text = "1500"  # edited inside its control
    gone = controls[59]
    gone.getparent().remove(gone)  # removed
    plain = controls[42]  # control deleted, its number typed back
    r, t = OxmlElement("w:r"), OxmlElement("w:t")
    t.text = "".join(x.text or "" for x in plain.iter(qn("w:t")))
    r.append(t)
    plain.addprevious(r)
    plain.getparent().remove(plain)
    for t in doc.element.body.iter(qn("w:t")):  # a number typed into a sentence
        if t.text and "举办“" in t.text:
            t.text = t.text.replace("举办“", "另有37家企业参加，举办“", 1)
            break
    edited = project / "edited.docx"
    doc.save(str(edited))
    return project / "config.yaml", {"as built": built, "stripped": stripped, "edited": edited}


def measure(draft: Path, config: Path, runs: int, outputs: bool) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, str(draft), str(config), str(runs), "1" if outputs else "0"],
        check=False,
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    if out.returncode:
        raise SystemExit(f"check failed on {draft.name}:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="drafter-bench-check-") as tmp:
        config, drafts = make_drafts(Path(tmp))
        size_kib = drafts["as built"].stat().st_size / 1024
        print(f"sample 2025 draft: {size_kib:.0f} KiB; {args.runs} timed runs each, after one warm-up\n")
        print(
            f"{'draft':<10} {'mode':<14} {'figures':>7} {'findings':>8} {'median s':>9} {'best s':>7} "
            f"{'py peak MiB':>11} {'peak RSS MiB':>12}"
        )
        for name, draft in drafts.items():
            m = measure(draft, config, args.runs, outputs=(name == "edited"))
            print(
                f"{name:<10} {m['mode']:<14} {m['figures']:>7} {m['findings']:>8} "
                f"{statistics.median(m['times']):>9.3f} {min(m['times']):>7.3f} "
                f"{m['py_peak_mib']:>11.1f} {m['rss_mib']:>12.1f}"
            )
            print(f"{'':<10} stages (median s): " + ", ".join(f"{k} {v:.3f}" for k, v in m["stages"].items()))
            if "xlsx_s" in m:
                extra = (
                    f"  (edited: check --xlsx writes in {m['xlsx_s']:.3f} s, "
                    f"--annotate in {m['annotate_s']:.3f} s; {m['counts']})"
                )
        print(extra)


if __name__ == "__main__":
    main()
