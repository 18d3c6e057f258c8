"""Benchmark: a long appendix table, every cell traced, against a bare docxtpl `{%tr for %}` loop.

A scratch SQLite database holds N rows of four columns (a name and three numbers). A
scratch project has the sample's Word master and one section: a table over a `rows` query
returning those N rows, four columns, every cell a figure in a content control recorded in
the manifest. It is compared with docxtpl rendering the same rows (fetched with sqlite3)
through a bare `{%tr for r in rows %}` table row of four `{{ r.x }}` cells, no tracing.

    .venv/bin/python benchmarks/bench_tables.py [--rows 10000] [--runs 3]

Each measurement runs in a fresh subprocess: one warm-up, whose peak RSS (VmHWM) is the peak
of one call, then `--runs` timed calls (median). Then, as a user runs either (issue 21's aims:
build ≤ 2× docxtpl and < 300 MiB, check ≤ 1.5× build): whole processes, alternated in the same
minute — `drafter build`, a script that fetches the rows with sqlite3 and renders them with
docxtpl, and `drafter check` of the draft — wall time and peak RSS of each process, min/median. Printed side by side: docxtpl, drafter build
(with its stages) and drafter check of the draft built, in one process each as a library caller
(`drafter serve`'s build thread) runs them: the collector on, unlike the CLI and the web page's
worker. The aims (issue 21) are the whole processes' above.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

SECTION = """\
一、附表
表：数据汇总
单位：项
| 名称 | 甲 | 乙 | 丙 |
|:---|---:|---:|---:|
{% for r in items %}
| {{ r.name }} | {{ r.a }} | {{ r.b }} | {{ r.c }} |
{% endfor %}
"""

QUERY = """\
-- source: bench
-- description: 基准测试数据
-- returns: rows
SELECT name, a, b, c FROM item ORDER BY id
"""

_HWM = 'next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:")) / 1024'

_DOCXTPL = r"""
import json, sqlite3, sys, time
from pathlib import Path
from docxtpl import DocxTemplate
db, tpl_path, out, runs = sys.argv[1], sys.argv[2], Path(sys.argv[3]), int(sys.argv[4])
def once():
    con = sqlite3.connect(db)
    rows = [dict(zip(("name", "a", "b", "c"), r)) for r in con.execute("SELECT name, a, b, c FROM item ORDER BY id")]
    con.close()
    tpl = DocxTemplate(tpl_path)
    tpl.render({"rows": rows})
    tpl.save(str(out))
once()
hwm = HWM
times = []
for _ in range(runs):
    start = time.perf_counter(); once(); times.append(time.perf_counter() - start)
print(json.dumps({"times": times, "rss_mib": hwm}))
""".replace("HWM", _HWM)

_BUILD = r"""
import json, sys, time
from pathlib import Path
from drafter import build
config, out, runs = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
build(config, output=out, force=True)
hwm = HWM  # the peak of one build in a fresh process
times, stages = [], []
for _ in range(runs):
    start = time.perf_counter()
    result = build(config, output=out, force=True)
    times.append(time.perf_counter() - start)
    stages.append(result.timings)
stages = {k: sorted(s[k] for s in stages)[len(stages) // 2] for k in stages[0]}
print(json.dumps({"times": times, "stages": stages, "figures": len(result.registry), "rss_mib": hwm,
                  "size_mib": out.stat().st_size / 2**20}))
""".replace("HWM", _HWM)

_CHECK = r"""
import json, sys, time
from pathlib import Path
from drafter import check
draft, config, runs = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
report = check(draft, config)
hwm = HWM  # the peak of one check in a fresh process
times, stages = [], []
for _ in range(runs):
    start = time.perf_counter()
    report = check(draft, config)
    times.append(time.perf_counter() - start)
    stages.append(report.timings)
stages = {k: sorted(s[k] for s in stages)[len(stages) // 2] for k in stages[0]}
print(json.dumps({"times": times, "stages": stages, "findings": len(report.findings),
                  "figures": len(report.figures), "rss_mib": hwm}))
""".replace("HWM", _HWM)


_DOCXTPL_PROCESS = r"""
import sqlite3, sys
from docxtpl import DocxTemplate
db, tpl_path, out = sys.argv[1], sys.argv[2], sys.argv[3]
con = sqlite3.connect(db)
rows = [dict(zip(("name", "a", "b", "c"), r)) for r in con.execute("SELECT name, a, b, c FROM item ORDER BY id")]
con.close()
tpl = DocxTemplate(tpl_path)
tpl.render({"rows": rows})
tpl.save(out)
"""


def _process(args: list[str], cwd: Path) -> tuple[float, float, float]:
    """Wall seconds, peak RSS (MiB) and CPU seconds (user + system) of one whole process."""
    import time

    start = time.perf_counter()
    proc = subprocess.Popen(args, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) not in (0, 1):  # check exits 1 on findings
        raise SystemExit(f"{args[:4]} failed: {proc.stderr.read().decode() if proc.stderr else ''}")
    return wall, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime


def whole_processes(db: Path, tpl: Path, config: Path, tmp: Path, runs: int) -> None:
    py = sys.executable
    base, built, checked = [], [], []
    draft = tmp / "process-draft.docx"
    for _ in range(runs + 1):  # the first round warms the caches and is left out
        base.append(_process([py, "-c", _DOCXTPL_PROCESS, str(db), str(tpl), str(tmp / "p-docxtpl.docx")], tmp))
        built.append(
            _process([py, "-m", "drafter.cli", "build", "-c", str(config), "-o", str(draft), "--force"], config.parent)
        )
        checked.append(_process([py, "-m", "drafter.cli", "check", str(draft), "-c", str(config)], config.parent))
    base, built, checked = base[1:], built[1:], checked[1:]

    def figures(runs_: list[tuple[float, float, float]]) -> str:
        walls, cpus = [w for w, _, _ in runs_], [c for _, _, c in runs_]
        return (
            f"{min(walls):.2f}/{statistics.median(walls):.2f} s（CPU {min(cpus):.2f}/{statistics.median(cpus):.2f} s）, "
            f"peak {max(r for _, r, _ in runs_):.0f} MiB"
        )

    b_ratio = sorted(b[0] / d[0] for b, d in zip(built, base))
    c_ratio = sorted(c[0] / b[0] for c, b in zip(checked, built))
    b_cpu = sorted(b[2] / d[2] for b, d in zip(built, base))
    c_cpu = sorted(c[2] / b[2] for c, b in zip(checked, built))
    print(f"\n整个进程（{runs} 轮交替，min/median；负载 {' '.join(f'{x:.2f}' for x in os.getloadavg())}）：")
    print(f"  docxtpl（sqlite3 取数 + 渲染 + 保存）：{figures(base)}")
    print(
        f"  drafter build：{figures(built)}；逐轮之比 min {b_ratio[0]:.2f}× / median "
        f"{statistics.median(b_ratio):.2f}× docxtpl（目标 ≤2×，峰值 <300 MiB；CPU 之比 median {statistics.median(b_cpu):.2f}×）"
    )
    print(
        f"  drafter check：{figures(checked)}；逐轮之比 min {c_ratio[0]:.2f}× / median "
        f"{statistics.median(c_ratio):.2f}× build（目标 ≤1.5×；CPU 之比 median {statistics.median(c_cpu):.2f}×）"
    )


def _run(code: str, *args: str) -> dict:
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise SystemExit(out.stderr)
    return json.loads(out.stdout.strip().splitlines()[-1])


def make_database(path: Path, rows: int) -> None:
    con = sqlite3.connect(path)
    with con:
        con.execute("CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT, a INTEGER, b INTEGER, c INTEGER)")
        con.executemany(
            "INSERT INTO item VALUES (?, ?, ?, ?, ?)",
            [(i, f"单位{i:05d}", (i * 37) % 1000, (i * 91) % 5000, (i * 13) % 97) for i in range(rows)],
        )
    con.close()


def make_project(root: Path, db: Path) -> Path:
    (root / "queries").mkdir(parents=True)
    (root / "templates/sections").mkdir(parents=True)
    shutil.copy(REPO / "templates/report.docx", root / "templates/report.docx")
    (root / "queries/items.sql").write_text(QUERY, encoding="utf-8")
    (root / "templates/sections/1-附表.txt").write_text(SECTION, encoding="utf-8")
    config = root / "config.yaml"
    config.write_text(
        f"report:\n  agency: 基准测试局\n  year: 2025\nsources:\n  bench: sqlite:///{db}\n", encoding="utf-8"
    )
    return config


def make_docxtpl_template(path: Path) -> None:
    """A document with one table: a header row, `{%tr for %}`, one row of four cells, `{%tr endfor %}`."""
    import docx

    document = docx.Document()
    table = document.add_table(rows=4, cols=4)
    for c, text in enumerate(("名称", "甲", "乙", "丙")):
        table.cell(0, c).text = text
    table.cell(1, 0).text = "{%tr for r in rows %}"
    for c, name in enumerate(("name", "a", "b", "c")):
        table.cell(2, c).text = f"{{{{ r.{name} }}}}"
    table.cell(3, 0).text = "{%tr endfor %}"
    document.save(str(path))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--processes", action="store_true", help="also whole processes, as a user runs them")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="drafter-bench-tables-") as tmp:
        tmp_path = Path(tmp)
        db = tmp_path / "bench.db"
        make_database(db, args.rows)
        tpl = tmp_path / "tr-loop.docx"
        make_docxtpl_template(tpl)
        config = make_project(tmp_path / "project", db)
        draft = tmp_path / "draft.docx"
        base = _run(_DOCXTPL, str(db), str(tpl), str(tmp_path / "docxtpl-out.docx"), str(args.runs))
        built = _run(_BUILD, str(config), str(draft), str(args.runs))
        checked = _run(_CHECK, str(draft), str(config), str(args.runs))
        if args.processes:
            whole_processes(db, tpl, config, tmp_path, args.runs)

    t_base, t_build, t_check = (statistics.median(r["times"]) for r in (base, built, checked))
    print(
        f"{args.rows} 行 × 4 列的附表（drafter：{built['figures']} 个数字，每格一个内容控件；"
        f"草稿 {built['size_mib']:.1f} MiB），中位数，{args.runs} 次："
    )
    print(f"{'':24}{'用时 (s)':>10}{'峰值 RSS (MiB)':>16}{'对比':>22}")
    print(f"{'docxtpl {%tr for %}':24}{t_base:>10.2f}{base['rss_mib']:>16.0f}{'基准':>22}")
    print(
        f"{'drafter build':24}{t_build:>10.2f}{built['rss_mib']:>16.0f}"
        f"{f'{t_build / t_base:.2f}× docxtpl（库调用）':>22}"
    )
    print(
        f"{'drafter check':24}{t_check:>10.2f}{checked['rss_mib']:>16.0f}"
        f"{f'{t_check / t_build:.2f}× build（库调用）':>22}"
    )
    print("build 各阶段：" + "，".join(f"{k} {v:.2f}s" for k, v in built["stages"].items()))
    print("check 各阶段：" + "，".join(f"{k} {v:.2f}s" for k, v in checked["stages"].items()))
    print(
        f"check 发现 {checked['findings']} 处（应为 0）；峰值内存目标 < 300 MiB："
        f"build {'达到' if built['rss_mib'] < 300 else '未达到'}，check {'达到' if checked['rss_mib'] < 300 else '未达到'}。"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
