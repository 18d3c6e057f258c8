"""Benchmark (issue 21, item 8): a city's batch on PostgreSQL, drafter's own time over its SQL's.

    .venv/bin/python benchmarks/bench_city.py [--rows 10000000] [--pairs 3] [--period 2025Q4]
        [--postgres postgresql+psycopg://postgres@127.0.0.1/postgres] [--no-marginal]

The issue's scenario, as a city statistician has it: one table of case records (`cases`,
--rows rows, about 2 million a year over 2021–2025, an index on the date as an operational
system has), generated server-side with generate_series in a scratch database that the
benchmark creates and drops; drafter connects through a SELECT-only role, as an office would
give it. A `drafter init` project (quarterly) with eight `-- per:` queries of the kinds a
statistician writes (counts, sums, an average, a rate's numerator and denominator, a
distinct count, a top-5 list by category), `prev` comparisons on all of them in the
templates, a whole-city query and a rollup rule (the units add up to the city). Two
projects over the same table: 16 districts (`-- per: district`) and 200 streets
(`-- per: street`).

Prints, each measured in a fresh process and alternated in the same minute, --pairs pairs:
  1. at 16 and at 200 units, the whole `drafter build --each --force` process as a user runs
     it (interpreter start-up, imports, the project, its queries, every draft written, the
     rollup) against the SQL drafter sends run directly with psycopg in another process:
     each shared query and each grouped query as `group_sql` rewrites it, the `prev` runs
     with their period's parameters, all parameters bound, every row fetched, on the same
     connections as drafter (runner.job_groups: grouped jobs dealt to config.yaml's
     concurrency connections, run at once); the ratio of each pair, min/median: anchor ≤ 1.15×;
     with drafter's own breakdown (load, queries, drafts; the rest of total is the rollup)
     from a library run of the same batch just after; and the floor of any drafter that runs
     this SQL and renders with docxtpl: every draft needs every grouped query's rows, so the
     SQL's time, then the bare renders (CPU time of one, below) spread over the cores;
  2. the per-draft marginal cost on the 200-street project, 1 job: (T(200) - T(20)) / 180 of
     `build_units` (the grouped SQL is the same whichever units are drafted), against a bare
     docxtpl render of one such draft from a precomputed context (benchmarks/bench_units.py's
     make_bare): anchor ≤ 1.5×.

The load average is printed before and after: the machine is shared.

Measured 2026-12-07 on the project's shared 2-core machine, PostgreSQL on the same machine, load
average 7–15 from other work (two runs of 3 pairs; 10,000,000 rows generated in 60–99 s):
  16 units: drafter 18.65/20.80 and 21.63/22.55 s (min/median) against its SQL directly
  12.05/14.59 and 13.98/14.69 s: ratio 1.43×/1.44× and 1.53×/1.55× (anchor ≤ 1.15×, not met);
  200 units: 25.41/33.06 and 36.15/36.87 s against 12.67/14.76 and 15.19/16.12 s: ratio
  1.89×/2.01× and 2.24×/2.43× (not met): on this machine drafter's CPU work (about 25 ms a
  draft, imports, the worker processes' start) competes with the database's for the same two cores;
  per-draft marginal cost, CPU time: 26.4–30.1 ms against a bare docxtpl render's 17.9–19.7 ms
  (1.40×–1.47×) and 23.4/27.3 ms against 15.1/17.8 ms (1.54×/1.55×): at the ≤ 1.5× anchor.
Measured again 2026-12-07 on a quiet machine (load 0.5 at start; the benchmark itself takes it to 6),
3 pairs: 16 units 10.36/10.43 s against 8.98/9.27 s, 1.04×/1.12× (met); 200 units 12.75/12.91 s against
8.04/8.73 s, 1.45×/1.49× (not met) — the floor (its SQL + 200 bare renders of 12.9 ms CPU over 2
cores) is 10.02 s, 1.15× its SQL already, so no docxtpl drafter meets 1.15× with the database on
the same two cores; drafter is 1.29× that floor. Marginal cost 1.14×/1.39× wall, 1.14×/1.45× CPU.
Measured 2026-12-08, a slower day on the same machine (its SQL 12.2–16.6 s where it was 8–9 s, a bare
render 21–32 ms where it was 13–18), 3 runs each, the same scenario kept between runs:
  before the master's unchanged work was shared across drafts (3edd08e): marginal cost 53.5/59.0 ms
  wall, 52.9/53.9 ms CPU, against a bare render's 28.2/31.9 and 27.6/31.1 ms: 1.81×/1.86× wall,
  1.58×/1.75× CPU (not met); 200 units 1.43×/1.50× its SQL (min/median of 3 pairs);
  after (445f431: a part the same as the last draft's compressed once, docxtpl's preprocessing once
  per text, styles read with lxml): marginal 33.4/45.9 ms wall, 32.5/34.9 ms CPU against 21.2/27.1
  and 20.9/26.8 ms: 1.57×/1.69× wall, 1.30×/1.37× CPU (met in CPU time, the quiet machine's wall
  clock); 200 units 1.34×/1.60× (its SQL's own spread, 12.2–15.5 s, is larger than the drafts' gain).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))

DISTRICTS = 16
STREETS = 200

# One row a case: street s belongs to district s % 16; dates over 2021–2025 (1826 days),
# categories skewed so that a top-5 list means something.
GENERATE = """
INSERT INTO cases (id, district, street, opened_on, closed_on, category, amount, enterprise_id, status)
SELECT g,
       '第' || lpad(mod(mod(g * 7, {streets}), {districts})::text, 2, '0') || '区',
       '第' || lpad(mod(g * 7, {streets})::text, 3, '0') || '街道',
       d,
       CASE WHEN mod(g, 10) < 8 THEN d + mod(g * 13, 60)::int END,
       (ARRAY['市场监管','环境保护','安全生产','城市管理','劳动保障','交通运输','住房建设','卫生健康',
              '文化旅游','农业农村','水务','消防'])[1 + floor(12 * power(mod(g * 2654435761, 1000003)::float8 / 1000003, 2))::int],
       round((mod(g * 40503, 1000000) / 100.0)::numeric, 2),
       mod(g * 48271, 300000),
       CASE WHEN mod(g, 10) < 8 THEN '办结' WHEN mod(g, 10) = 8 THEN '在办' ELSE '退回' END
FROM (SELECT g, date '2021-01-01' + mod(g * 31, 1826)::int AS d
      FROM generate_series({start}::bigint, {stop}::bigint) AS g) AS s
"""

TABLE = """
CREATE TABLE cases (
  id bigint PRIMARY KEY, district text NOT NULL, street text NOT NULL, opened_on date NOT NULL,
  closed_on date, category text NOT NULL, amount numeric(12, 2) NOT NULL, enterprise_id integer NOT NULL,
  status text NOT NULL
)
"""

# The eight per-unit queries: name → (returns, header description, SELECT list, extra WHERE, tail).
QUERIES = {
    "opened": ("row", "本单位受理案件（件）及办结（件）", "COUNT(*) AS total, COUNT(closed_on) AS closed", "", ""),
    "amounts": ("row", "本单位涉案金额（元）", "COALESCE(SUM(amount), 0) AS total", "", ""),
    "average": ("scalar", "本单位案均金额（元）", "AVG(amount) AS avg_amount", "", ""),
    "timely": (
        "row",
        "本单位30日内办结（件）与已办结（件）",
        "SUM(CASE WHEN closed_on < opened_on + 30 THEN 1 ELSE 0 END) AS timely, COUNT(closed_on) AS closed",
        "",
        "",
    ),
    "enterprises": ("scalar", "本单位涉及企业（家）", "COUNT(DISTINCT enterprise_id) AS enterprises", "", ""),
    "large": ("scalar", "本单位金额1万元以上的案件（件）", "COUNT(*) AS large", "AND amount >= 10000", ""),
    "pending": (
        "row",
        "本单位在办和退回案件（件）",
        "COUNT(*) FILTER (WHERE status = '在办') AS open, COUNT(*) FILTER (WHERE status = '退回') AS returned",
        "",
        "",
    ),
    "top_categories": (
        "rows",
        "本单位各类案件（件），多的在前",
        "category, COUNT(*) AS cases",
        "",
        "GROUP BY category\nORDER BY COUNT(*) DESC, category",
    ),
}

SECTION = """\
一、案件受理和办结
{{ period.label }}，{{ unit }}共受理案件{{ opened.total | num }}件，{{ opened.total | yoy(prev.opened.total) }}；办结{{ opened.closed | num }}件，上年同期{{ prev.opened.closed | num }}件；30日内办结{{ timely.timely | num }}件，及时办结率{{ timely.timely | ratio(timely.closed) | pct(1) }}，上年同期{{ prev.timely.timely | ratio(prev.timely.closed) | pct(1) }}。占全市受理总量（{{ city.total | num }}件）的{{ opened.total | ratio(city.total) | pct(1) }}。
二、涉案金额和企业
涉案金额{{ amounts.total | num }}元，{{ amounts.total | yoy(prev.amounts.total) }}；案均{{ average | num }}元，上年同期{{ prev.average | num }}元；金额1万元以上的案件{{ large | num }}件，{{ large | yoy(prev.large) }}；涉及企业{{ enterprises | num }}家，{{ enterprises | yoy(prev.enterprises) }}。
三、在办和退回
期末在办案件{{ pending.open | num }}件（上年同期{{ prev.pending.open | num }}件），退回{{ pending.returned | num }}件（上年同期{{ prev.pending.returned | num }}件）。
四、主要案件类别
案件最多的五类依次为{% for r in top_categories | top(5, "cases") %}{{ r.category }}（{{ r.cases | num }}件）{{ loop | cn_sep }}{% endfor %}；上年同期最多的是{% for r in prev.top_categories | top(1, "cases") %}{{ r.category }}（{{ r.cases | num }}件）{% endfor %}。
"""


def _query_file(name: str, per: str) -> str:
    returns, description, select, extra, tail = QUERIES[name]
    lines = [
        "-- source: city",
        f"-- description: {description}",
        f"-- returns: {returns}",
        f"-- per: {per}",
        f"SELECT {select}",
        "FROM cases",
        "WHERE opened_on >= :period_start AND opened_on < :period_end",
        f"  AND {per} = :unit {extra}".rstrip(),
    ]
    return "\n".join(lines + ([tail] if tail else [])) + "\n"


def make_project(root: Path, url: str, per: str, units: list[str], period: str) -> Path:
    """`drafter init`, then the statistician's queries, section, units and rollup rule."""
    from drafter.intake.scaffold import init_project

    init_project(root, agency="某市统计局", period="quarter")
    (root / "queries" / "items.sql").unlink()
    for name in QUERIES:
        (root / "queries" / f"{name}.sql").write_text(_query_file(name, per), encoding="utf-8")
    (root / "queries" / "city.sql").write_text(
        "-- source: city\n-- description: 全市受理案件（件）\n-- returns: row\n"
        "SELECT COUNT(*) AS total FROM cases WHERE opened_on >= :period_start AND opened_on < :period_end\n",
        encoding="utf-8",
    )
    sections = root / "templates" / "sections"
    (sections / "1-主要工作.txt").write_text(SECTION, encoding="utf-8")
    config = root / "config.yaml"
    text = config.read_text(encoding="utf-8")
    text = re.sub(r"sources:\n(  .*\n)+", f"sources:\n  city:\n    url: {url}\n", text)
    text = re.sub(r"  period: quarter", f"  period: quarter\n  year: {period[:4]}", text)
    text = text.replace('title: "', 'title: "{{ unit }}', 1)
    text = re.sub(r'filename: ".*"', 'filename: "{{ unit }}{{ period.label }}案件情况（草稿）.docx"', text)
    text += "units:\n" + "".join(f"  - {u}\n" for u in units)
    text += "rules:\n  - name: 各单位受理数之和等于全市\n    part: opened.total\n    whole: city.total\n"
    config.write_text(text, encoding="utf-8")
    return config


_DIRECT_CHILD = r"""
import json, re, sys, time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
import psycopg
from drafter.pipeline.plan import GROUPED, make_plan
from drafter.pipeline.units import resolve_units
from drafter.project.grouping import group_sql
from drafter.pipeline.validate import load_project
from drafter.data.runner import build_parameters, job_groups
config, period = Path(sys.argv[1]), sys.argv[2]
project = load_project(config, period=period)
units = resolve_units(project, build_parameters(project.config))[0]
plan = make_plan(project, units=units)
groups = {}
for key, jobs in job_groups(plan.shared_jobs(), project.config.concurrency).items():  # drafter's connections
    for job in jobs:
        sql = job.spec.sql_for("postgresql")[0]
        if plan.kinds[job.key] == GROUPED:
            sql = group_sql(sql, job.spec.per, "postgresql").sql
        names = re.findall(r"(?<![:\w]):(\w+)(?![:\w])", sql)
        sql = re.sub(r"(?<![:\w]):(\w+)(?![:\w])", r"%(\1)s", sql.replace("%", "%%"))
        groups.setdefault(key, []).append((sql, {n: job.params[n] for n in names}))
url = project.config.sources["city"].url.replace("postgresql+psycopg://", "postgresql://")
def run(statements):
    rows = 0
    with psycopg.connect(url) as conn:
        for sql, params in statements:
            rows += len(conn.execute(sql, params, prepare=True).fetchall())
            conn.rollback()
    return rows
start = time.perf_counter()
with ThreadPoolExecutor(max_workers=max(1, min(project.config.concurrency, len(groups)))) as pool:
    rows = sum(pool.map(run, groups.values()))
print(json.dumps({"seconds": time.perf_counter() - start, "statements": sum(map(len, groups.values())),
                  "connections": len(groups), "rows": rows}))
"""

_TIMED_BUILD_CHILD = r"""
import json, sys, time
from pathlib import Path
config, period, jobs, n = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
from drafter.pipeline.build import build_units
from drafter.pipeline.validate import load_project
import docxtpl, drafter.word.document  # noqa: F401 — imports outside the timing
units = None
if n:
    from drafter.data.runner import build_parameters
    from drafter.pipeline.units import resolve_units
    project = load_project(config, period=period)
    units = [u.name for u in resolve_units(project, build_parameters(project.config))[0][:n]]
start, cpu = time.perf_counter(), time.process_time()
result = build_units(config, period=period, jobs=jobs, force=True, units=units)
elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
assert not result.failed and len(result.written) == len(result.units), result.summary()
print(json.dumps({"seconds": elapsed, "cpu": cpu, "units": len(result.units), "timings": result.timings}))
"""


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO)
    return env


def _child(code: str, *args: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=False, env=_env(), cwd=REPO
    )
    if out.returncode:
        raise SystemExit(f"child failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def whole_process(config: Path, period: str, units: int) -> dict:
    """`drafter build --each --force` as a user runs it, timed from outside; its own breakdown
    read from its summary line is not needed: the timings come from a library run alongside."""
    start = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-m", "drafter.cli", "build", "-c", str(config), "--each", "--force", "--period", period],
        capture_output=True,
        text=True,
        check=False,
        env=_env(),
        cwd=config.parent,
    )
    seconds = time.perf_counter() - start
    if out.returncode:
        raise SystemExit(f"drafter build --each failed ({out.returncode}):\n{out.stderr[-3000:]}")
    written = [line for line in out.stdout.splitlines() if line.endswith(".docx")]
    assert len(written) == units, (len(written), units, out.stderr[-2000:])
    assert "汇总核对" in out.stderr or "各单位受理数之和" in out.stderr, out.stderr[-2000:]
    return {"seconds": seconds, "stderr": out.stderr}


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def create_city(admin_url: str, rows: int) -> tuple[str, str, float]:
    """A scratch database with `cases` of `rows` rows; its name, a SELECT-only URL, seconds taken."""
    from bench_postgres import create_database
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url
    from sqlalchemy.pool import NullPool

    name, url = create_database(admin_url)
    started = time.perf_counter()
    engine = create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    role, password = f"drafter_city_{secrets.token_hex(3)}", secrets.token_hex(8)
    with engine.connect() as db:
        db.exec_driver_sql(TABLE)
        step = 2_000_000
        for start in range(1, rows + 1, step):
            db.exec_driver_sql(
                GENERATE.format(start=start, stop=min(rows, start + step - 1), streets=STREETS, districts=DISTRICTS)
            )
        db.exec_driver_sql("CREATE INDEX cases_opened_on ON cases (opened_on)")
        db.exec_driver_sql("VACUUM ANALYZE cases")
        db.exec_driver_sql(f"CREATE ROLE {role} LOGIN PASSWORD '{password}'")
        db.exec_driver_sql(f"GRANT CONNECT ON DATABASE {name} TO {role}")
        db.exec_driver_sql(f"GRANT SELECT ON cases TO {role}")
    engine.dispose()
    reader = make_url(url).set(username=role, password=password).render_as_string(hide_password=False)
    return name, reader, time.perf_counter() - started


def drop_city(admin_url: str, name: str, reader: str | None) -> None:
    from bench_postgres import drop_database
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url
    from sqlalchemy.pool import NullPool

    drop_database(admin_url, name)
    if reader:
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP ROLE IF EXISTS {make_url(reader).username}")
        admin.dispose()


def unit_names(kind: str, n: int) -> list[str]:
    return [f"第{i:02d}区" if kind == "district" else f"第{i:03d}街道" for i in range(n)]


def pairs(config: Path, period: str, units: int, runs: int) -> dict:
    """Whole `build --each` processes and the direct SQL, alternated."""
    _child(_DIRECT_CHILD, str(config), period)  # warm the server's caches
    builds, direct = [], []
    for i in range(runs):
        order = (0, 1) if i % 2 == 0 else (1, 0)
        for which in order:
            if which == 0:
                builds.append(whole_process(config, period, units)["seconds"])
            else:
                direct.append(_child(_DIRECT_CHILD, str(config), period))
    # drafter's own breakdown, from a library run of the same batch
    inside = _child(_TIMED_BUILD_CHILD, str(config), period, "0", "0")
    return {"builds": builds, "direct": direct, "timings": inside["timings"]}


def report_pairs(label: str, p: dict, units: int, bare_cpu: float | None) -> None:
    b = p["builds"]
    d = [x["seconds"] for x in p["direct"]]
    ratios = sorted(x / y for x, y in zip(b, d))
    t = p["timings"]
    print(
        f"{label}: drafter build --each {min(b):.2f}/{statistics.median(b):.2f}s (min/median), its SQL "
        f"directly ({p['direct'][0]['statements']} statements on {p['direct'][0]['connections']} connections, "
        f"{p['direct'][0]['rows']:,} rows) {min(d):.2f}/{statistics.median(d):.2f}s; ratio of pairs "
        f"min {ratios[0]:.2f}x, median {statistics.median(ratios):.2f}x (anchor ≤ 1.15x)"
    )
    if bare_cpu is not None:
        # What any drafter that runs this SQL and renders with docxtpl costs at least: every draft
        # needs every grouped query's rows, so no render starts before the SQL ends; then the bare
        # renders spread over every core (no start-up, no imports, nothing traced, nothing checked).
        cores = os.cpu_count() or 1
        floor = statistics.median(d) + units * bare_cpu / cores
        print(
            f"    floor: its SQL + {units} bare docxtpl renders ({bare_cpu * 1000:.1f} ms CPU each) over {cores} "
            f"cores = {floor:.2f}s, {floor / statistics.median(d):.2f}x its SQL; drafter's median over the floor "
            f"{statistics.median(b) / floor:.2f}x"
        )
    print(
        "    drafter's own breakdown (library run, default jobs): " + ", ".join(f"{k} {v:.2f}s" for k, v in t.items())
    )


def bare_render_cpu(config: Path, root: Path) -> float:
    """CPU time of one bare docxtpl render of a street's draft (best of three runs of 30)."""
    from bench_units import BARE_CHILD, make_bare

    make_bare(config, root)
    return min(_child(BARE_CHILD, str(root), "30")["cpu"] for _ in range(3))


def marginal(config: Path, period: str, root: Path, runs: int) -> None:
    """(T(200) - T(20)) / 180 with one job against a bare docxtpl render of one draft, wall clock
    and CPU time (the machine is shared: CPU time is what a quiet machine's wall clock would be)."""
    from bench_units import BARE_CHILD, make_bare

    make_bare(config, root)
    lo, hi = 20, STREETS
    low, high, bare = [], [], []
    for _ in range(runs):
        bare.append(_child(BARE_CHILD, str(root), "30"))
        low.append(_child(_TIMED_BUILD_CHILD, str(config), period, "1", str(lo)))
        high.append(_child(_TIMED_BUILD_CHILD, str(config), period, "1", str(hi)))
    for what in ("seconds", "cpu"):
        margins = sorted((h[what] - lo_[what]) / (hi - lo) for h, lo_ in zip(high, low))
        one = [b["per_draft" if what == "seconds" else "cpu"] for b in bare]
        ratios = sorted(m / b for m, b in zip(margins, sorted(one)))
        print(
            f"per-draft marginal cost ({'wall clock' if what == 'seconds' else 'CPU time'}), {lo}→{hi} streets, "
            f"1 job: min/median {margins[0] * 1000:.1f}/{statistics.median(margins) * 1000:.1f} ms; bare docxtpl "
            f"render of one draft min/median {min(one) * 1000:.1f}/{statistics.median(one) * 1000:.1f} ms; ratio "
            f"min/median {ratios[0]:.2f}x/{statistics.median(ratios):.2f}x (anchor ≤ 1.5x)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--period", default="2025Q4")
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1/postgres")
    parser.add_argument("--no-marginal", action="store_true", help="skip the per-draft marginal cost")
    args = parser.parse_args()
    print(f"load average at start: {load_average()}")
    name, reader = None, None
    with tempfile.TemporaryDirectory(prefix="drafter-bench-city-") as tmp:
        root = Path(tmp)
        try:
            name, reader, seconds = create_city(args.postgres, args.rows)
            print(
                f"table cases: {args.rows:,} rows generated server-side in {seconds:.0f}s "
                f"(index on opened_on, VACUUM ANALYZE); drafter reads it through a SELECT-only role"
            )
            projects = {
                DISTRICTS: make_project(
                    root / "districts", reader, "district", unit_names("district", DISTRICTS), args.period
                ),
                STREETS: make_project(root / "streets", reader, "street", unit_names("street", STREETS), args.period),
            }
            bare_cpu = bare_render_cpu(projects[STREETS], root)
            for n, config in projects.items():
                p = pairs(config, args.period, n, args.pairs)
                report_pairs(f"{n} units, {args.period}", p, n, bare_cpu)
                print(f"    load average: {load_average()}")
            if not args.no_marginal:
                marginal(projects[STREETS], args.period, root, args.pairs)
        finally:
            if name:
                drop_city(args.postgres, name, reader)
            shutil.rmtree(root, ignore_errors=True)
    print(f"load average at end: {load_average()}")


if __name__ == "__main__":
    main()
