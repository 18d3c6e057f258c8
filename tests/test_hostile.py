"""Hostile query files, on SQLite, PostgreSQL and MariaDB: nothing a query file holds gets past
the guard (drafter/project/sql.py), and nothing changes on the server.

Every case of `HOSTILE` is a query file a new user (or an attacker with write access to
queries/) might write: a write, a second statement, an executable comment, SELECT … INTO,
a locking clause, a function with side effects (quoted, schema-qualified, in FROM …).
Each is run as `drafter build --source dept=URL` against a scratch database of each engine,
and each asserts the exit code (2: refused before any database is opened), the message
(file, line, what was refused), and that the server is as it was: the marker table's rows,
a sequence, a canary session of another user (not killed), the server settings, the
statistics (not reset), no advisory lock, no file written into /tmp.

`ACCEPTED` are ordinary queries the old regex guard refused (`SELECT comment`, `AS load`,
`AS do`) or that only a real lexer reads right: they run on every engine and give their figure.
"""

from __future__ import annotations

import secrets
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner
from servers import scratch_database
from sqlalchemy import create_engine
from sqlalchemy.pool import NullPool

from drafter.cli import main
from drafter.project.sql import ALLOWED_FUNCTIONS, NEVER_ALLOWED, allowed, analyse, denied
from drafter.review.reading import read_paragraphs

REPO = Path(__file__).resolve().parents[1]
OUTFILE = f"/tmp/drafter_hostile_{secrets.token_hex(4)}.txt"

# (id, SQL, what the message says)
HOSTILE: list[tuple[str, str, str]] = [
    # MariaDB executable comments and optimizer hints (the first two)
    ("mariadb-comment-outfile", f"SELECT COUNT(*) AS n FROM t /*M! INTO OUTFILE '{OUTFILE}' */", "可执行注释"),
    ("mysql-comment-outfile", f"SELECT COUNT(*) AS n FROM t /*! INTO OUTFILE '{OUTFILE}' */", "可执行注释"),
    ("versioned-comment", "SELECT COUNT(*) AS n FROM t /*!50000 ; DELETE FROM t */", "可执行注释"),
    (
        "set-statement-comment",
        "/*M! SET STATEMENT max_statement_time=0 FOR */ SELECT COUNT(*) AS n FROM t",
        "可执行注释",
    ),
    ("optimizer-hint", "SELECT /*+ MAX_EXECUTION_TIME(0) */ COUNT(*) AS n FROM t", "优化器提示"),
    ("set-statement", "SET STATEMENT max_statement_time=0 FOR SELECT COUNT(*) AS n FROM t", "SELECT 或 WITH"),
    # quoted, qualified, hidden function names (PostgreSQL)
    ("quoted-terminate", 'SELECT "pg_terminate_backend"(pid) AS n FROM pg_stat_activity', "PG_TERMINATE_BACKEND"),
    ("quoted-cancel", 'SELECT "pg_cancel_backend"(pid) AS n FROM pg_stat_activity', "PG_CANCEL_BACKEND"),
    ("qualified-set-config", "SELECT pg_catalog.set_config('statement_timeout', '0', false) AS n", "SET_CONFIG"),
    ("quoted-qualified-set-config", "SELECT \"pg_catalog\" . \"set_config\" ('x.y', '1', false) AS n", "SET_CONFIG"),
    ("lo-import", "SELECT lo_import('/etc/passwd') AS n", "LO_IMPORT"),
    ("quoted-lo-import", "SELECT \"lo_import\"('/etc/passwd') AS n", "LO_IMPORT"),
    ("lo-from-bytea", "SELECT lo_from_bytea(0, 'x') AS n", "LO_FROM_BYTEA"),
    ("lo-export", f"SELECT lo_export(1, '{OUTFILE}') AS n", "LO_EXPORT"),
    ("stat-reset", "SELECT pg_stat_reset() IS NULL AS n", "PG_STAT_RESET"),
    ("stat-reset-shared", "SELECT pg_stat_reset_shared('bgwriter') IS NULL AS n", "PG_STAT_RESET_SHARED"),
    ("read-file", "SELECT length(pg_read_file('/etc/hostname')) AS n", "PG_READ_FILE"),
    ("read-binary-file", "SELECT length(pg_read_binary_file('/etc/hostname')) AS n", "PG_READ_BINARY_FILE"),
    ("ls-dir", "SELECT COUNT(*) AS n FROM pg_ls_dir('.')", "PG_LS_DIR"),
    ("pg-sleep", "SELECT pg_sleep(5) IS NULL AS n", "PG_SLEEP"),
    ("pg-sleep-for", "SELECT pg_sleep_for('5 seconds') IS NULL AS n", "PG_SLEEP_FOR"),
    ("pg-sleep-in-from", "SELECT COUNT(*) AS n FROM pg_sleep(5)", "PG_SLEEP"),
    ("dblink", "SELECT COUNT(*) AS n FROM dblink('dbname=postgres', 'DELETE FROM t') AS x(a int)", "DBLINK"),
    ("nextval", "SELECT nextval('s') AS n", "NEXTVAL"),
    ("setval", "SELECT setval('s', 1000) AS n", "SETVAL"),
    ("advisory-lock", "SELECT pg_advisory_lock(42) IS NULL AS n", "PG_ADVISORY_LOCK"),
    (
        "query-to-xml",
        "SELECT query_to_xml('SELECT pg_terminate_backend(1)', true, true, '') IS NULL AS n",
        "QUERY_TO_XML",
    ),
    ("reload-conf", "SELECT pg_reload_conf() AS n", "PG_RELOAD_CONF"),
    # MySQL / MariaDB functions
    ("load-file", "SELECT LENGTH(LOAD_FILE('/etc/hostname')) AS n", "LOAD_FILE"),
    ("sleep", "SELECT SLEEP(5) AS n", "SLEEP"),
    ("backquoted-sleep", "SELECT `SLEEP`(5) AS n", "SLEEP"),
    ("benchmark", "SELECT BENCHMARK(100000000, MD5('x')) AS n", "BENCHMARK"),
    ("get-lock", "SELECT GET_LOCK('drafter', 10) AS n", "GET_LOCK"),
    ("user-variable", "SELECT @n := COUNT(*) AS n FROM t", "会话变量"),
    # SQLite
    ("load-extension", "SELECT load_extension('/tmp/evil.so') AS n", "LOAD_EXTENSION"),
    ("bracketed-load-extension", "SELECT [a'], load_extension('/tmp/evil.so') AS n FROM t --']", "LOAD_EXTENSION"),
    ("writefile", f"SELECT writefile('{OUTFILE}', 'x') AS n", "WRITEFILE"),
    ("readfile", "SELECT length(readfile('/etc/hostname')) AS n", "READFILE"),
    # INTO, locks
    ("into-outfile", f"SELECT COUNT(*) AS n FROM t INTO OUTFILE '{OUTFILE}'", "INTO"),
    ("into-dumpfile", f"SELECT COUNT(*) AS n INTO DUMPFILE '{OUTFILE}' FROM t", "INTO"),
    ("select-into-table", "SELECT COUNT(*) AS n INTO t2 FROM t", "INTO"),
    ("into-variable", "SELECT COUNT(*) INTO @n FROM t", "INTO"),
    ("for-update", "SELECT a AS n FROM t FOR UPDATE", "FOR UPDATE"),
    ("for-share", "SELECT a AS n FROM t FOR SHARE", "FOR SHARE"),
    ("for-no-key-update", "SELECT a AS n FROM t FOR NO KEY UPDATE NOWAIT", "FOR NO KEY UPDATE"),
    ("lock-in-share-mode", "SELECT a AS n FROM t LOCK IN SHARE MODE", "LOCK IN SHARE MODE"),
    # writes, second statements, strings and comments read otherwise by another engine
    ("delete", "DELETE FROM t", "SELECT 或 WITH"),
    ("writing-cte", "WITH d AS (DELETE FROM t RETURNING a) SELECT COUNT(*) AS n FROM d", "DELETE"),
    ("second-statement", "SELECT COUNT(*) AS n FROM t; DELETE FROM t", "多条语句"),
    ("backslash-quote", "SELECT 'a\\' AS n; DELETE FROM t; -- '", "多条语句"),
    ("escaped-quote-mysql", "SELECT 'a\\'' AS n; DELETE FROM t; -- '", "多条语句"),
    ("dollar-quote", "SELECT $$'$$ AS n; DELETE FROM t; --'", "多条语句"),
    ("e-string", "SELECT E'\\' AS n; DELETE FROM t; --' AS m", "多条语句"),
    ("nested-comment", "SELECT 1 AS n /* /* */ ' */ ; DELETE FROM t; -- '", "多条语句"),
    ("hash-comment", "SELECT COUNT(*) AS n FROM t # ; DELETE FROM t", "多条语句"),
    ("dash-no-space", "SELECT 1 --1; DELETE FROM t", "多条语句"),
    ("unclosed-string", "SELECT 'never closed AS n FROM t", "没有闭合"),
    ("copy", f"COPY t TO '{OUTFILE}'", "SELECT 或 WITH"),
    ("vacuum", "VACUUM", "SELECT 或 WITH"),
    ("cannot-parse", "SELECT COUNT(* AS n FROM t WHERE", "无法解析"),
]

# (id, SQL, the figure, engines where it runs: `load` is a reserved word of MySQL/MariaDB, which
# refuse it unquoted; the guard lets it through everywhere, the database has the last word)
ACCEPTED: list[tuple[str, str, int, tuple[str, ...]]] = [
    ("comment-column", "SELECT COUNT(comment) AS n FROM t", 3, ("sqlite", "postgresql", "mariadb")),
    ("alias-load", "SELECT COUNT(*) AS load FROM t", 3, ("sqlite", "postgresql")),
    ("alias-load-quoted", "SELECT COUNT(*) AS `load` FROM t", 3, ("sqlite", "mariadb")),
    ("alias-do", "SELECT COUNT(a) AS do FROM t", 3, ("sqlite", "postgresql", "mariadb")),
    (
        "write-words-in-a-string",
        "SELECT COUNT(*) AS n FROM t WHERE comment <> 'DELETE FROM t; DROP TABLE t'",
        3,
        ("sqlite", "postgresql", "mariadb"),
    ),
    (
        "colon-in-a-string",
        "SELECT COUNT(*) AS n FROM t WHERE comment <> ':not_a_parameter' AND a <= :year",
        3,
        ("sqlite", "postgresql", "mariadb"),
    ),
    ("sleep-as-a-column-word", "SELECT COUNT(*) AS sleep_hours FROM t", 3, ("sqlite", "postgresql", "mariadb")),
]


def test_the_catalogue_is_large_enough_and_every_engine_has_its_allow_list():
    assert len(HOSTILE) >= 40 and len(HOSTILE) * 3 >= 120
    assert set(ALLOWED_FUNCTIONS) >= {"通用（各数据库）", "PostgreSQL、人大金仓", "MySQL、MariaDB", "SQLite"}
    assert "ts_rewrite" in NEVER_ALLOWED["执行作为文本传入的 SQL"]
    for name in (
        "pg_terminate_backend",
        "PG_STAT_RESET_SHARED",
        "lo_unlink",
        "dblink_exec",
        "pg_sleep_until",
        "load_file",
        "get_lock",
        "benchmark",
        "load_extension",
        "readfile",
        "writefile",
    ):
        assert denied(name), name
    for name in ("count", "sum", "coalesce", "comment", "load", "do", "sleep_hours", "pg_size_pretty"):
        assert not denied(name), name
    for name in ("count", "Sum", "pg_catalog.upper", "date_trunc", "row_number", "pg_size_pretty"):
        assert allowed(name), name
    for name in ("comment", "myschema.upper", "pg_read_file", "crosstab", "zeroblob", "version"):
        assert not allowed(name), name
    assert allowed("strftime", "sqlite") and not allowed("strftime", "postgresql")


@pytest.mark.parametrize("case_id, sql, words", HOSTILE, ids=[c[0] for c in HOSTILE])
def test_the_reader_refuses_every_hostile_query(case_id, sql, words):
    parsed = analyse(sql)
    assert parsed.problems, case_id
    assert words in parsed.problems[0].message, parsed.problems[0].message


@pytest.mark.parametrize("case_id, sql, count, engines", ACCEPTED, ids=[c[0] for c in ACCEPTED])
def test_the_reader_lets_ordinary_queries_through(case_id, sql, count, engines):
    parsed = analyse(sql)
    assert not parsed.problems, parsed.problems
    assert parsed.columns and len(parsed.columns) == 1


def test_a_parameter_with_a_postgresql_cast_is_told_how_to_write_it():
    [problem] = analyse("SELECT COUNT(*) AS n FROM t WHERE d >= :period_start::date").problems
    assert ":period_start" in problem.message and "CAST(:period_start AS 类型)" in problem.hint
    assert not analyse("SELECT x::date AS n FROM t WHERE d >= CAST(:period_start AS date)").problems


def test_text_for_sqlalchemy_escapes_colons_only_inside_strings_and_comments():
    from drafter.project.sql import text_for_sqlalchemy

    sql = "SELECT ':x' AS a -- :y\nFROM t WHERE b = :year"
    assert text_for_sqlalchemy(sql, "postgresql") == "SELECT '\\:x' AS a -- \\:y\nFROM t WHERE b = :year"
    from sqlalchemy import text

    assert list(text(text_for_sqlalchemy(sql, "sqlite"))._bindparams) == ["year"]


def test_one_parse_gives_columns_parameters_functions_and_comments():
    parsed = analyse(
        '-- counts\nSELECT COUNT(*) AS n, pg_catalog.upper(x) AS u, "Lower"(y) AS l /* c2 */\n'
        "FROM t WHERE a >= :period_start AND a < :period_end AND b = ':nope' AND c::text = :year"
    )
    assert parsed.kind == "select" and parsed.columns == ("n", "u", "l")
    assert parsed.parameters == ("period_start", "period_end", "year")
    assert {"count", "pg_catalog.upper", "lower"} <= set(parsed.functions)
    assert parsed.comments == ("-- counts", "/* c2 */")


# -- against the engines: refused before anything reaches the server, nothing changed --------------


def _project(root: Path) -> Path:
    (root / "queries").mkdir(parents=True)
    (root / "templates/sections").mkdir(parents=True)
    (root / "config.yaml").write_text(
        "report: {agency: 测试局, year: 2025}\nsources:\n  dept:\n    url: sqlite:///dept.db\n    timeout: 3\n",
        encoding="utf-8",
    )
    (root / "templates/sections/1.txt").write_text("一、情况\n共{{ q }}条。\n", encoding="utf-8")
    shutil.copy(REPO / "templates/report.docx", root / "templates/report.docx")
    return root / "config.yaml"


def _write_query(config: Path, sql: str) -> Path:
    path = config.parent / "queries/q.sql"
    path.write_text(f"-- source: dept\n-- description: 测试\n-- returns: scalar\n{sql}\n", encoding="utf-8")
    return path


SETUP = [
    "CREATE TABLE t (a INTEGER, comment VARCHAR(200))",
    "INSERT INTO t VALUES (2024, 'x'), (2024, 'y'), (2025, 'z')",
]


@contextmanager
def _engine_database(kind: str, tmp_path: Path) -> Iterator[str]:
    if kind == "sqlite":
        db = tmp_path / "dept.db"
        with sqlite3.connect(db) as conn:
            for statement in SETUP:
                conn.execute(statement)
        yield f"sqlite:///{db}"
        return
    with scratch_database(kind) as url:
        engine = create_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            for statement in SETUP:
                conn.exec_driver_sql(statement)
            if kind == "postgresql":
                conn.exec_driver_sql("CREATE SEQUENCE s")
        engine.dispose()
        yield url


def _state(kind: str, url: str) -> dict:
    """What a hostile query could have changed on the server."""
    engine = create_engine(url, poolclass=NullPool)
    with engine.connect() as conn:
        state = {
            "rows": conn.exec_driver_sql("SELECT COUNT(*) FROM t").scalar(),
            "max": conn.exec_driver_sql("SELECT MAX(a) FROM t").scalar(),
        }
        if kind == "postgresql":
            state["sequence"] = tuple(conn.exec_driver_sql("SELECT last_value, is_called FROM s").first())
            state["settings"] = conn.exec_driver_sql(
                "SELECT string_agg(name || '=' || setting, ',' ORDER BY name) FROM pg_settings "
                "WHERE name IN ('statement_timeout', 'default_transaction_read_only', 'log_statement')"
            ).scalar()
            state["stats_reset"] = conn.exec_driver_sql(
                "SELECT stats_reset FROM pg_stat_database WHERE datname = current_database()"
            ).scalar()
            state["advisory"] = conn.exec_driver_sql(
                "SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory'"
            ).scalar()
            state["large_objects"] = conn.exec_driver_sql("SELECT COUNT(*) FROM pg_largeobject_metadata").scalar()
        elif kind == "mariadb":
            state["settings"] = tuple(
                conn.exec_driver_sql(
                    "SELECT @@global.max_statement_time, @@global.read_only, @@global.general_log"
                ).first()
            )
            state["locks"] = conn.exec_driver_sql("SELECT IS_USED_LOCK('drafter')").scalar()
    engine.dispose()
    return state


ENGINES = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.engines),
    pytest.param("mariadb", id="mariadb", marks=pytest.mark.engines),
]


@pytest.mark.parametrize("kind", ENGINES)
def test_hostile_query_files_are_refused_on_every_engine_and_nothing_changes(kind, tmp_path):
    config = _project(tmp_path / "project")
    with ExitStack() as stack:
        url = stack.enter_context(_engine_database(kind, tmp_path))
        before = _state(kind, url)
        # A session of someone else, which no query may kill.
        canary_engine = create_engine(url, poolclass=NullPool)
        canary = stack.enter_context(canary_engine.connect())
        stack.callback(canary_engine.dispose)
        runner = CliRunner()
        for case_id, sql, words in HOSTILE:
            query = _write_query(config, sql)
            result = runner.invoke(main, ["build", "-c", str(config), "--source", f"dept={url}"])
            out = result.output
            assert result.exit_code == 2, (case_id, out)
            assert f"{query}:" in out and words in out and "处理：" in out, (case_id, out)
            assert "Traceback" not in out, (case_id, out)
            assert not (config.parent / "output").exists(), case_id  # no draft: the input is wrong
            assert not Path(OUTFILE).exists(), case_id
            assert canary.exec_driver_sql("SELECT 1").scalar() == 1, case_id  # not killed
        assert _state(kind, url) == before
        for case_id, sql, count, engines in ACCEPTED:
            if kind not in engines:
                continue
            _write_query(config, sql)
            output = tmp_path / f"{case_id}.docx"
            result = runner.invoke(main, ["build", "-c", str(config), "--source", f"dept={url}", "-o", str(output)])
            assert result.exit_code == 0, (case_id, result.output)
            text = "\n".join(read_paragraphs(output))
            assert f"共{count}条。" in text, (case_id, text)
        assert _state(kind, url) == before
