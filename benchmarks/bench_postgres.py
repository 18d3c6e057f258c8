"""Benchmark: `drafter build` on PostgreSQL with 10 million inspection records, against the
same queries timed directly with psycopg.

    .venv/bin/python benchmarks/bench_postgres.py [--rows 10M] [--runs 3] [--keep]
        [--url postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

1. A scratch database `drafter_bench_<hex>` is created with the account of --url (it must
   be allowed to create databases); the five sample systems (2024 and 2025) are loaded,
   then `--rows` more inspection records dated in the years before 2024 through COPY
   (drafter/sample/scale.py). The report's figures stay those of the sample: the queries
   have to find one year among a decade of history.
2. Every query is timed twice over, with the tables as loaded (primary keys only, so
   the inspection query scans the whole table) and after adding the indexes an
   operational system would have: each table's date column, its reference columns
   (`case_id`, `inspection_id`, …) and the inspection table's enterprise.
   - direct: each query's SQL, as drafter would send it (its PostgreSQL variant, the
     parameters bound for 2025), executed and fetched with psycopg on one connection
     held open; the sum over the queries.
   - drafter: `drafter.build` in a fresh process with every source pointed at the
     scratch database (`sources=`, as `--source NAME=URL` does): the build's wall time,
     its query stage, its peak memory, and the rows its cursors returned.
   Each is run once to warm the caches, then `--runs` times; medians are printed.
3. The database is dropped, unless --keep.

The ratio printed is build / direct; drafter's own share of the build is
(build - direct) / build: connecting, session set-up, binding, shaping figures,
the Jinja sections, the Word document and its manifest.
"""

from __future__ import annotations

import argparse
import json
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

_CHILD = r"""
import json, sys, time
from pathlib import Path
from sqlalchemy import event
from sqlalchemy.engine import Engine
from drafter import build
from drafter.sample import SYSTEMS

config, url, out, runs = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3]), int(sys.argv[4])
sources = {name: url for name in SYSTEMS}
fetched = []

@event.listens_for(Engine, "after_cursor_execute")
def count(conn, cursor, statement, parameters, context, executemany):
    fetched.append(max(cursor.rowcount, 0))  # rows the server sent back for this statement

results = []
for i in range(runs + 1):  # run 0 warms the caches (and the imports)
    fetched.clear()
    started = time.perf_counter()
    result = build(config, output=out, sources=sources, force=True)
    wall = time.perf_counter() - started
    assert not result.failures, [f.error.render() for f in result.failures]
    results.append({"wall": wall, "figures": len(result.registry), "rows": sum(fetched), "statements": len(fetched),
                    **{k: result.timings[k] for k in ("load", "queries", "render", "write", "total")}})
hwm_kib = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:"))
print(json.dumps({"runs": results[1:], "rss_mib": hwm_kib / 1024}))
"""


def median(values: list[float]) -> float:
    return statistics.median(values)


def create_database(admin_url: str) -> tuple[str, str]:
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url
    from sqlalchemy.pool import NullPool

    name = f"drafter_bench_{secrets.token_hex(4)}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    admin.dispose()
    return name, make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def drop_database(admin_url: str, name: str) -> None:
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as conn:
        conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    admin.dispose()


def add_indexes(url: str) -> tuple[list[str], float]:
    """The indexes an operational system would have; their names and the seconds taken."""
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    from drafter.sample import SYSTEMS

    statements = []
    for system in SYSTEMS.values():
        for table in system.metadata.tables.values():
            columns = [table.info["year_column"]]
            columns += [c.name for c in table.columns if c.name.endswith("_id") and c.name != "enterprise_id"]
            if table.name == "inspection":
                columns.append("enterprise_id")
            for column in dict.fromkeys(columns):
                statements.append(f"CREATE INDEX ix_{table.name}_{column} ON {table.name} ({column})")
    engine = create_engine(url, poolclass=NullPool)
    started = time.perf_counter()
    with engine.begin() as conn:
        conn.exec_driver_sql("SET maintenance_work_mem = '256MB'")
        for statement in statements:
            conn.exec_driver_sql(statement)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("ANALYZE")
    engine.dispose()
    return [s.split()[2] for s in statements], time.perf_counter() - started


def direct_queries(config: Path, url: str, runs: int) -> tuple[float, dict[str, float], int]:
    """Median over `runs` of the summed execute+fetch time of every query with psycopg alone;
    each query's median; the rows returned."""
    import psycopg
    from sqlalchemy import text
    from sqlalchemy.dialects.postgresql.psycopg import dialect as psycopg_dialect
    from sqlalchemy.engine import make_url

    from drafter.builder import load_project
    from drafter.data.runner import build_parameters

    project = load_project(config)
    params = build_parameters(project.config)
    dialect = psycopg_dialect()
    statements = {}
    for name, spec in project.queries.items():
        sql, _ = spec.sql_for("postgresql")
        compiled = text(sql).compile(dialect=dialect)
        statements[name] = (str(compiled), {k: params[k] for k in compiled.params})
    u = make_url(url)
    conninfo = dict(host=u.host, port=u.port or 5432, dbname=u.database, user=u.username)
    if u.password:
        conninfo["password"] = u.password
    per_query: dict[str, list[float]] = {name: [] for name in statements}
    sums, rows = [], 0
    with psycopg.connect(**conninfo, autocommit=True) as conn:
        for run in range(runs + 1):  # run 0 warms the caches
            total, rows = 0.0, 0
            for name, (sql, bound) in statements.items():
                started = time.perf_counter()
                with conn.cursor() as cursor:
                    cursor.execute(sql, bound)
                    rows += len(cursor.fetchall())
                elapsed = time.perf_counter() - started
                total += elapsed
                if run:
                    per_query[name].append(elapsed)
            if run:
                sums.append(total)
    return median(sums), {n: median(v) for n, v in per_query.items()}, rows


def drafter_build(config: Path, url: str, runs: int, out: Path) -> dict:
    child = subprocess.run(
        [sys.executable, "-c", _CHILD, str(config), url, str(out), str(runs)],
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO,
    )
    if child.returncode:
        raise SystemExit(f"build failed:\n{child.stderr}")
    data = json.loads(child.stdout)
    runs_ = data["runs"]
    return {key: median([r[key] for r in runs_]) for key in ("wall", "load", "queries", "render", "write", "total")} | {
        "rows": runs_[-1]["rows"],
        "statements": runs_[-1]["statements"],
        "figures": runs_[-1]["figures"],
        "rss_mib": data["rss_mib"],
    }


def measure(label: str, config: Path, url: str, runs: int, out: Path) -> dict:
    direct, per_query, direct_rows = direct_queries(config, url, runs)
    built = drafter_build(config, url, runs, out)
    slowest = sorted(per_query.items(), key=lambda kv: kv[1], reverse=True)[:3]
    print(f"\n{label}")
    print(
        f"  direct (psycopg, {len(per_query)} queries summed)  {direct * 1000:9.1f} ms"
        f"   slowest: {', '.join(f'{n} {t * 1000:.1f} ms' for n, t in slowest)}"
    )
    print(
        f"  drafter build                          {built['wall'] * 1000:9.1f} ms"
        f"   (query stage {built['queries'] * 1000:.1f} ms, {built['figures']} figures)"
    )
    print(f"  ratio build / direct                   {built['wall'] / direct:9.2f}")
    print(
        f"  drafter's own share of the build       {(built['wall'] - direct) / built['wall']:9.1%}"
        f"   ({(built['wall'] - direct) * 1000:.0f} ms)"
    )
    print(
        f"  query stage / direct                   {built['queries'] / direct:9.2f}"
        f"   (connect 5 sources, read-only session set-up, binding, figures:"
        f" {(built['queries'] - direct) * 1000:.0f} ms)"
    )
    print(
        f"  the rest of the build                  {(built['wall'] - built['queries']) * 1000:9.1f} ms"
        f"   (config and query files {built['load'] * 1000:.0f} ms, templates {built['render'] * 1000:.0f} ms,"
        f" Word file and manifest {built['write'] * 1000:.0f} ms)"
    )
    print(
        f"  rows returned to Python                {built['rows']:9d}   (direct: {direct_rows};"
        f" over {built['statements']} statements)"
    )
    print(f"  peak memory of the build process       {built['rss_mib']:9.0f} MiB")
    return {"direct": direct, **built}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--url",
        default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
        help="an account that may create databases (the scratch database is made beside)",
    )
    parser.add_argument("--rows", default="10M", help="history rows of inspection (10M, 500k, 2000000 …)")
    parser.add_argument("--runs", type=int, default=3, help="measured runs of each, after one warm-up run")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database (its URL is printed)")
    args = parser.parse_args()

    from drafter.data.sources import masked_url
    from drafter.sample.scale import load_into, parse_count

    rows = parse_count(args.rows)
    name, url = create_database(args.url)
    print(f"scratch database {masked_url(url)}")
    try:
        started = time.perf_counter()
        report = load_into(url, history=rows)
        sample_seconds = report.seconds - report.history_seconds
        print(
            f"loaded the sample (5 systems, 2024–2025) in {sample_seconds:.1f} s; "
            f"{report.history:,} history rows of inspection ({report.history_years[0]}–{report.history_years[-1]}) "
            f"by COPY in {report.history_seconds:.1f} s ({report.history / report.history_seconds:,.0f} rows/s,"
            f" primary key and VACUUM ANALYZE included)"
        )
        with tempfile.TemporaryDirectory() as tmp:
            config = _project(Path(tmp))
            out = Path(tmp) / "draft.docx"
            measure("tables as loaded (primary keys only)", config, url, args.runs, out)
            names, seconds = add_indexes(url)
            print(
                f"\nadded {len(names)} indexes in {seconds:.1f} s (date columns, reference columns,"
                f" inspection.enterprise_id)"
            )
            measure("with the indexes of an operational system", config, url, args.runs, out)
        print(f"\ntotal {time.perf_counter() - started:.0f} s")
    finally:
        if args.keep:
            print(f"kept {masked_url(url)}")
        else:
            drop_database(args.url, name)
            print(f"dropped {name}")


def _project(root: Path) -> Path:
    """The shipped config, queries and templates (sources are overridden at build time)."""
    import shutil

    project = root / "project"
    project.mkdir()
    shutil.copy(REPO / "config.yaml", project / "config.yaml")
    shutil.copytree(REPO / "queries", project / "queries")
    shutil.copytree(REPO / "templates", project / "templates")
    return project / "config.yaml"


if __name__ == "__main__":
    main()
