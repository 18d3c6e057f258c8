"""The allow-list does not stand in the way of report SQL: a corpus of real report queries
(aggregates, CASE, window functions, CTEs, FILTER, LATERAL, Chinese text, dates, dollar
quoting …) is accepted by drafter's SQL reader on the engines each is written for, and runs
there through drafter's own execution path (`sources.run_readonly`, SELECT-only account).

A query written for one engine is read as that engine reads it (a dialect variant, or a query
file whose source is that engine); a query for several is read as a portable file.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
from servers import scratch_database, select_only
from sqlalchemy import create_engine
from sqlalchemy.pool import NullPool

from drafter.data.sources import connect, open_engine, run_readonly
from drafter.project.config import SourceSettings
from drafter.project.sql import analyse, check_select, text_for_sqlalchemy

ALL = ("sqlite", "postgresql", "mariadb")
PG = ("postgresql",)
MY = ("mariadb",)
LITE = ("sqlite",)
PG_MY = ("postgresql", "mariadb")
PG_LITE = ("postgresql", "sqlite")
MY_LITE = ("mariadb", "sqlite")

# (id, SQL, engines)
CORPUS: list[tuple[str, str, tuple[str, ...]]] = [
    ("count", "SELECT COUNT(*) AS n FROM cases", ALL),
    ("by-dept", "SELECT dept, COUNT(*) AS n FROM cases GROUP BY dept ORDER BY dept", ALL),
    (
        "sum-avg-min-max",
        "SELECT SUM(amount) AS s, AVG(amount) AS a, MIN(amount) AS lo, MAX(amount) AS hi FROM cases",
        ALL,
    ),
    ("count-distinct", "SELECT COUNT(DISTINCT dept) AS n FROM cases", ALL),
    ("case-sum", "SELECT SUM(CASE WHEN status = '办结' THEN 1 ELSE 0 END) AS done, COUNT(*) AS n FROM cases", ALL),
    (
        "coalesce-nullif",
        "SELECT COALESCE(SUM(amount), 0) AS s, NULLIF(COUNT(*), 0) AS n FROM cases WHERE dept = '无'",
        ALL,
    ),
    (
        "period-params",
        "SELECT COUNT(*) AS n FROM cases WHERE opened >= :period_start AND opened < :period_end",
        ALL,
    ),
    ("between-params", "SELECT COUNT(*) AS n FROM cases WHERE opened BETWEEN :period_start AND :period_end", ALL),
    (
        "row-number",
        "SELECT dept, title, ROW_NUMBER() OVER (PARTITION BY dept ORDER BY amount DESC, id) AS rn FROM cases",
        ALL,
    ),
    (
        "rank",
        "SELECT id, RANK() OVER (ORDER BY amount DESC) AS r, DENSE_RANK() OVER (ORDER BY dept) AS d FROM cases",
        ALL,
    ),
    (
        "lag-lead",
        "SELECT id, LAG(amount) OVER (ORDER BY id) AS prev, LEAD(amount, 1) OVER (ORDER BY id) AS next FROM cases",
        ALL,
    ),
    (
        "running-sum",
        "SELECT id, SUM(amount) OVER (ORDER BY id ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS running FROM cases",
        ALL,
    ),
    ("ntile", "SELECT id, NTILE(3) OVER (ORDER BY amount) AS band FROM cases", ALL),
    (
        "first-value",
        "SELECT DISTINCT dept, FIRST_VALUE(title) OVER (PARTITION BY dept ORDER BY id) AS first_title FROM cases",
        ALL,
    ),
    (
        "cume-dist",
        "SELECT id, CUME_DIST() OVER (ORDER BY amount) AS c, PERCENT_RANK() OVER (ORDER BY amount) AS p FROM cases",
        ALL,
    ),
    ("cte", "WITH d AS (SELECT dept, COUNT(*) AS n FROM cases GROUP BY dept) SELECT MAX(n) AS top FROM d", ALL),
    ("cte-named-edit", "WITH edit AS (SELECT id FROM cases WHERE status = '在办') SELECT COUNT(*) AS n FROM edit", ALL),
    ("cte-edit-columns", "WITH edit(n) AS (SELECT COUNT(*) FROM cases) SELECT n FROM edit", ALL),
    (
        "two-ctes",
        "WITH a AS (SELECT dept, SUM(amount) AS s FROM cases GROUP BY dept),\n"
        "     b AS (SELECT MAX(s) AS top FROM a)\nSELECT a.dept AS dept FROM a, b WHERE a.s = b.top",
        ALL,
    ),
    (
        "recursive-months",
        "WITH RECURSIVE m(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM m WHERE k < 12) SELECT COUNT(*) AS months FROM m",
        ALL,
    ),
    ("union-all", "SELECT '案件' AS kind, COUNT(*) AS n FROM cases UNION ALL SELECT '明细', COUNT(*) FROM items", ALL),
    ("in-subquery", "SELECT COUNT(*) AS n FROM cases WHERE id IN (SELECT case_id FROM items)", ALL),
    ("exists", "SELECT COUNT(*) AS n FROM cases c WHERE EXISTS (SELECT 1 FROM items i WHERE i.case_id = c.id)", ALL),
    (
        "join-group",
        "SELECT c.dept, SUM(i.qty) AS qty FROM cases c JOIN items i ON i.case_id = c.id GROUP BY c.dept ORDER BY c.dept",
        ALL,
    ),
    (
        "left-join",
        "SELECT c.id, COUNT(i.case_id) AS n FROM cases c LEFT JOIN items i ON i.case_id = c.id GROUP BY c.id",
        ALL,
    ),
    ("having", "SELECT dept FROM cases GROUP BY dept HAVING COUNT(*) > 1", ALL),
    ("like-chinese", "SELECT COUNT(*) AS n FROM cases WHERE town LIKE '%华东%'", ALL),
    ("substr-chinese", "SELECT SUBSTR(MIN(title), 1, 2) AS head FROM cases", ALL),
    ("replace-chinese", "SELECT REPLACE(MIN(title), '违法', '') AS t FROM cases", ALL),
    ("upper-lower-trim", "SELECT UPPER(MIN(code)) AS u, LOWER(MIN(code)) AS l, TRIM(MIN(town)) AS t FROM cases", ALL),
    ("round-avg", "SELECT ROUND(AVG(amount), 2) AS a FROM cases", ALL),
    ("cast-decimal", "SELECT CAST(SUM(amount) AS DECIMAL(12, 1)) AS s FROM cases", ALL),
    ("abs", "SELECT ABS(MIN(amount) - MAX(amount)) AS spread FROM cases", ALL),
    (
        "case-labels",
        "SELECT CASE WHEN amount >= 1000 THEN '大额' WHEN amount >= 100 THEN '中额' ELSE '小额' END AS band, "
        "COUNT(*) AS n FROM cases GROUP BY CASE WHEN amount >= 1000 THEN '大额' WHEN amount >= 100 THEN '中额' "
        "ELSE '小额' END",
        ALL,
    ),
    ("in-list", "SELECT COUNT(*) AS n FROM cases WHERE status IN ('办结', '在办')", ALL),
    ("char-length", "SELECT CHAR_LENGTH(MIN(title)) AS n FROM cases", PG_MY),
    ("length-sqlite", "SELECT length(MIN(title)) AS n FROM cases", LITE),
    ("concat", "SELECT CONCAT(MIN(dept), '：', COUNT(*), '件') AS line FROM cases", PG_MY),
    ("pipes", "SELECT MIN(dept) || '：' || COUNT(*) || '件' AS line FROM cases", PG_LITE),
    ("extract-year", "SELECT EXTRACT(YEAR FROM MIN(opened)) AS y FROM cases", PG_MY),
    ("strftime", "SELECT strftime('%Y-%m', opened) AS month, COUNT(*) AS n FROM cases GROUP BY month", LITE),
    ("date-trunc", "SELECT date_trunc('month', opened) AS month, COUNT(*) AS n FROM cases GROUP BY 1 ORDER BY 1", PG),
    ("date-format", "SELECT DATE_FORMAT(opened, '%Y年%m月') AS month, COUNT(*) AS n FROM cases GROUP BY month", MY),
    ("filter", "SELECT COUNT(*) FILTER (WHERE status = '办结') AS done, COUNT(*) AS n FROM cases", PG_LITE),
    (
        "lateral-lo-items",
        "SELECT c.id, lo_items.n FROM cases c CROSS JOIN LATERAL "
        "(SELECT COUNT(*) AS n FROM items i WHERE i.case_id = c.id) lo_items ORDER BY c.id",
        PG,
    ),
    (
        "lateral-alias-columns",
        "SELECT c.id, lo_items.n FROM cases c, LATERAL (SELECT SUM(qty) FROM items i WHERE i.case_id = c.id) "
        "AS lo_items(n) ORDER BY c.id",
        PG,
    ),
    ("dollar-quote", "SELECT $$华'东$$ AS r", PG),
    ("dollar-quote-where", "SELECT COUNT(*) AS n FROM cases WHERE town <> $$华'东$$", PG),
    ("dollar-tag", "SELECT COUNT(*) AS n FROM cases WHERE title <> $t$它's $$ 不同$t$", PG),
    ("e-string", "SELECT COUNT(*) AS n FROM cases WHERE town <> E'华\\'东'", PG),
    ("string-agg", "SELECT string_agg(title, '、' ORDER BY id) AS titles FROM cases", PG),
    ("group-concat-mysql", "SELECT GROUP_CONCAT(title ORDER BY id SEPARATOR '、') AS titles FROM cases", MY),
    ("group-concat-sqlite", "SELECT group_concat(title, '、') AS titles FROM cases", LITE),
    ("to-char", 'SELECT to_char(MIN(opened), \'YYYY"年"MM"月"\') AS month FROM cases', PG),
    ("pg-cast", "SELECT ROUND(SUM(amount)::numeric, 1) AS s, MIN(opened)::text AS d FROM cases", PG),
    ("percentile", "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY amount) AS median FROM cases", PG),
    ("generate-series", "SELECT COUNT(*) AS n FROM generate_series(1, 12) AS g(m)", PG),
    ("ifnull", "SELECT IFNULL(MAX(closed), MAX(opened)) AS d FROM cases", MY_LITE),
    ("if", "SELECT SUM(IF(status = '办结', 1, 0)) AS done FROM cases", MY),
    ("iif", "SELECT SUM(IIF(status = '办结', 1, 0)) AS done FROM cases", LITE),
    ("greatest-least", "SELECT GREATEST(MAX(amount), 0) AS g, LEAST(MIN(amount), 0) AS l FROM cases", PG_MY),
    ("scalar-max-sqlite", "SELECT max(MAX(amount), 0) AS g FROM cases", LITE),
    ("position", "SELECT POSITION('华' IN MIN(town)) AS p FROM cases", PG_MY),
    ("instr", "SELECT INSTR(MIN(town), '华') AS p FROM cases", MY_LITE),
    ("strpos-split-part", "SELECT strpos(MIN(town), '东') AS p, split_part(MIN(code), '-', 1) AS head FROM cases", PG),
    ("regexp-replace", "SELECT regexp_replace(MIN(code), '[0-9]+', '#') AS c FROM cases", PG_MY),
    (
        "left-right-lpad",
        "SELECT LEFT(MIN(town), 1) AS l, RIGHT(MIN(code), 2) AS r, LPAD(MIN(code), 8, '0') AS p FROM cases",
        PG_MY,
    ),
    ("timestampdiff", "SELECT AVG(TIMESTAMPDIFF(DAY, opened, closed)) AS days FROM cases", MY),
    ("datediff", "SELECT SUM(DATEDIFF(closed, opened)) AS days FROM cases", MY),
    ("date-minus-date", "SELECT SUM(closed - opened) AS days FROM cases", PG),
    ("julianday", "SELECT SUM(julianday(closed) - julianday(opened)) AS days FROM cases", LITE),
    ("age-date-part", "SELECT MAX(date_part('day', age(closed, opened))) AS d FROM cases", PG),
    ("rollup-pg", "SELECT dept, SUM(amount) AS s FROM cases GROUP BY ROLLUP(dept)", PG),
    ("rollup-mysql", "SELECT dept, SUM(amount) AS s FROM cases GROUP BY dept WITH ROLLUP", MY),
    ("distinct-on", "SELECT DISTINCT ON (dept) dept, title FROM cases ORDER BY dept, amount DESC", PG),
    ("bool-or", "SELECT bool_or(amount > 1000) AS any_big FROM cases", PG),
    ("nulls-last", "SELECT id FROM cases ORDER BY closed DESC NULLS LAST", PG),
    ("quoted-function", 'SELECT "lower"(MIN(code)) AS l FROM cases', PG),
    ("qualified-builtin", "SELECT pg_catalog.upper(MIN(code)) AS u FROM cases", PG),
    ("unicode-escaped-builtin", 'SELECT U&"\\006cower"(MIN(code)) AS l FROM cases', PG),
    ("interval-pg", "SELECT COUNT(*) AS n FROM cases WHERE opened + INTERVAL '1 month' > closed", PG),
    ("date-add-mysql", "SELECT COUNT(*) AS n FROM cases WHERE DATE_ADD(opened, INTERVAL 1 MONTH) > closed", MY),
    ("date-modifier-sqlite", "SELECT COUNT(*) AS n FROM cases WHERE date(opened, '+1 month') > closed", LITE),
    ("backtick-names", "SELECT COUNT(*) AS n FROM `cases` WHERE `status` = '办结'", MY),
    ("bracket-names", "SELECT COUNT(*) AS n FROM [cases] WHERE [status] = '办结'", LITE),
    ("year-month-mysql", "SELECT YEAR(opened) AS y, MONTH(opened) AS m, COUNT(*) AS n FROM cases GROUP BY y, m", MY),
    (
        "nested-window",
        "SELECT dept, s, RANK() OVER (ORDER BY s DESC) AS r FROM (SELECT dept, SUM(amount) AS s FROM cases GROUP BY dept) t",
        ALL,
    ),
]

SCHEMA = [
    "CREATE TABLE cases (id INTEGER, dept VARCHAR(50), status VARCHAR(20), title VARCHAR(200), town VARCHAR(50), "
    "code VARCHAR(20), amount DECIMAL(12, 2), opened DATE, closed DATE)",
    "CREATE TABLE items (case_id INTEGER, name VARCHAR(100), qty INTEGER)",
    "INSERT INTO cases VALUES "
    "(1, '市场监管局', '办结', '违法广告案', '华东镇', 'ab-12', 1200.50, '2025-01-10', '2025-02-01'),"
    "(2, '市场监管局', '在办', '无照经营案', '华西镇', 'cd-34', 300.00, '2025-02-15', NULL),"
    "(3, '生态环境局', '办结', '违法排污案', ' 华东镇 ', 'ef-56', 50000.00, '2025-03-01', '2025-03-20'),"
    "(4, '交通运输局', '办结', '超限运输案', '南山乡', 'gh-78', 80.00, '2024-12-30', '2025-01-05')",
    "INSERT INTO items VALUES (1, '罚款', 1), (1, '没收', 2), (3, '罚款', 5)",
]


def test_the_corpus_is_large_and_has_every_kind_of_report_sql():
    assert len(CORPUS) >= 60
    assert len({c[0] for c in CORPUS}) == len(CORPUS)
    text = "\n".join(c[1] for c in CORPUS).upper()
    for construct in ("OVER (", "WITH ", "FILTER (", "CASE ", "LATERAL", "$$", "DATE_TRUNC", "EXTRACT(", "华"):
        assert construct in text, construct
    for engine in ALL:
        assert sum(engine in c[2] for c in CORPUS) >= 40, engine


def _dialect(engines: tuple[str, ...]) -> str | None:
    """How the reader reads a query: portable when written for several engines."""
    return None if len(engines) > 1 else {"mariadb": "mysql"}.get(engines[0], engines[0])


@pytest.mark.parametrize("case_id, sql, engines", CORPUS, ids=[c[0] for c in CORPUS])
def test_every_corpus_query_is_accepted_by_the_reader(case_id, sql, engines):
    assert not analyse(sql, _dialect(engines)).problems, analyse(sql, _dialect(engines)).problems
    for engine in engines:  # and as the source's engine reads a portable file
        parsed = analyse(sql, {"mariadb": "mysql"}.get(engine, engine))
        assert not parsed.problems, (engine, parsed.problems)


@contextmanager
def _source(kind: str, tmp_path: Path) -> Iterator[str]:
    """The URL of a SELECT-only account on a database holding the corpus's tables."""
    if kind == "sqlite":
        db = tmp_path / "corpus.db"
        with sqlite3.connect(db) as conn:
            for statement in SCHEMA:
                conn.execute(statement)
        yield f"sqlite:///{db}"
        return
    with ExitStack() as stack:
        url = stack.enter_context(scratch_database(kind))
        engine = create_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            for statement in SCHEMA:
                conn.exec_driver_sql(statement)
        engine.dispose()
        yield stack.enter_context(select_only(kind, url))


ENGINES = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.engines),
    pytest.param("mariadb", id="mariadb", marks=pytest.mark.engines),
]


@pytest.mark.parametrize("kind", ENGINES)
def test_every_corpus_query_runs_on_its_engines_through_drafter_s_execution(kind, tmp_path):
    start, end = dt.date(2025, 1, 1), dt.date(2025, 12, 31)
    params = {"period_start": start, "period_end": end}
    if kind == "sqlite":
        params = {k: v.isoformat() for k, v in params.items()}
    with _source(kind, tmp_path) as url:
        settings = SourceSettings(url=url, timeout=10)
        engine = open_engine("corpus", settings)
        failures = []
        with connect("corpus", engine, settings) as conn:  # the account is checked: SELECT only
            backend = conn.engine.url.get_backend_name()
            for case_id, sql, engines in CORPUS:
                if kind not in engines:
                    continue
                parsed = check_select(sql, Path(f"{case_id}.sql"), 1, backend)
                bound = {p: params[p] for p in parsed.parameters}
                deadline = time.monotonic() + 10
                try:
                    with run_readonly(
                        conn, text_for_sqlalchemy(sql, backend), bound, deadline=deadline, clock=time.monotonic
                    ) as result:
                        rows = result.fetchall()
                except Exception as exc:  # collected, so that one run names every query that fails
                    failures.append((case_id, str(exc).splitlines()[0]))
                    continue
                if not rows:
                    failures.append((case_id, "no rows"))
        engine.dispose()
        assert not failures, failures


def test_the_readme_lists_every_allowed_and_every_never_allowed_function():
    from drafter.project.sql import ALLOWED_FUNCTIONS, NEVER_ALLOWED

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    for lists in (ALLOWED_FUNCTIONS, NEVER_ALLOWED):
        for heading, names in lists.items():
            rows = [line for line in readme.splitlines() if line.startswith(f"| {heading} |")]
            assert any(all(f"`{name}`" in row for name in names) for row in rows), heading
