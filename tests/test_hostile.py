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

import os
import secrets
import shutil
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from reading import read_paragraphs
from servers import scratch_database, select_only
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from drafter.cli import main
from drafter.data.sources import connect, open_engine, run_readonly
from drafter.project.config import SourceSettings
from drafter.project.sql import ALLOWED_FUNCTIONS, NEVER_ALLOWED, allowed, analyse, denied

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
    # SQL hidden in a string: functions that run the text they are given (never allowed)
    (
        "ts-rewrite",
        "SELECT ts_rewrite('a'::tsquery, 'SELECT ''a''::tsquery, ''b''::tsquery FROM t') IS NULL AS n",
        "TS_REWRITE",
    ),
    (
        "ts-rewrite-dblink-exec",
        "SELECT ts_rewrite('a'::tsquery, 'SELECT dblink_exec(''dbname=x'', ''DELETE FROM t''), ''b''::tsquery')"
        " IS NULL AS n",
        "TS_REWRITE",
    ),
    ("ts-stat", "SELECT COUNT(*) AS n FROM ts_stat('SELECT to_tsvector(comment) FROM t')", "TS_STAT"),
    ("crosstab", "SELECT COUNT(*) AS n FROM crosstab('SELECT 1, 2, 3') AS ct(a int, b int)", "CROSSTAB"),
    ("crosstab2", "SELECT COUNT(*) AS n FROM crosstab2('SELECT 1, 2, 3')", "CROSSTAB2"),
    ("crosstab-qualified", "SELECT COUNT(*) AS n FROM public.crosstab('DELETE FROM t') AS ct(a int)", "CROSSTAB"),
    ("connectby", "SELECT COUNT(*) AS n FROM connectby('t', 'a', 'a', '1', 0) AS c(a int, b int, l int)", "CONNECTBY"),
    (
        "query-to-xml-delete",
        "SELECT query_to_xml('DELETE FROM t RETURNING a', true, false, '') IS NULL AS n",
        "QUERY_TO_XML",
    ),
    (
        "query-to-xml-and-schema",
        "SELECT query_to_xml_and_xmlschema('SELECT 1', true, false, '') IS NULL AS n",
        "QUERY_TO_XML_AND_XMLSCHEMA",
    ),
    ("table-to-xml", "SELECT table_to_xml('t', true, false, '') IS NULL AS n", "TABLE_TO_XML"),
    ("cursor-to-xml", "SELECT cursor_to_xml('c', 1, true, false, '') IS NULL AS n", "CURSOR_TO_XML"),
    ("dblink-exec", "SELECT dblink_exec('dbname=postgres', 'DELETE FROM t') AS n", "DBLINK_EXEC"),
    ("dblink-connect", "SELECT dblink_connect('c', 'dbname=postgres') AS n", "DBLINK_CONNECT"),
    ("dblink-quoted", "SELECT COUNT(*) AS n FROM \"DBLINK\"('dbname=postgres', 'SELECT 1') AS x(a int)", "DBLINK"),
    ("xpath", "SELECT xpath('/a', '<a/>') IS NULL AS n", "XPATH"),
    # Unicode-escaped names (the issue's), their variants, and what cannot be normalised
    ("u-read-file", "SELECT length(U&\"pg\\005fread\\005ffile\"('/etc/hostname')) AS n", "PG_READ_FILE"),
    (
        "u-terminate",
        'SELECT COUNT(U&"pg\\005fterminate\\005fbackend"(pid)) AS n FROM pg_stat_activity',
        "PG_TERMINATE_BACKEND",
    ),
    ("u-set-config", "SELECT U&\"set\\005fconfig\"('statement_timeout', '0', false) AS n", "SET_CONFIG"),
    ("u-six-digit-escape", "SELECT u&\"set\\+00005fconfig\"('statement_timeout', '0', false) AS n", "SET_CONFIG"),
    ("u-upper-case", "SELECT length(U&\"PG\\005FREAD\\005FFILE\"('/etc/hostname')) AS n", "PG_READ_FILE"),
    ("u-every-letter", 'SELECT U&"\\0070\\0067\\005f\\0073\\006c\\0065\\0065\\0070"(5) IS NULL AS n', "PG_SLEEP"),
    ("u-qualified", "SELECT pg_catalog.U&\"set\\005fconfig\"('a.b', '1', false) AS n", "SET_CONFIG"),
    ("u-uescape", "SELECT U&\"pg!005fsleep\" UESCAPE '!' (5) IS NULL AS n", "Unicode 转义"),
    ("u-uescape-name", "SELECT U&\"d!0061t\" UESCAPE '!' AS n FROM t", "Unicode 转义"),
    ("u-bad-escape", 'SELECT U&"pg\\zzzzsleep"(5) IS NULL AS n', "Unicode 转义"),
    # variables and sequences, on every engine
    ("backquoted-variable", "SELECT @`x` := 41 + 1 AS n", "会话变量"),
    ("quoted-variable", "SELECT @'x' := 41 + 1 AS n", "会话变量"),
    ("double-quoted-variable", 'SELECT @"x" := 41 + 1 AS n', "会话变量"),
    ("variable-in-where", "SELECT COUNT(*) AS n FROM t WHERE (@c := a) > 0", "会话变量"),
    ("next-value-for", "SELECT NEXT VALUE FOR s AS n", "NEXT VALUE FOR"),
    ("next-value-for-lower", "select next value for s as n", "NEXT VALUE FOR"),
    ("previous-value-for", "SELECT PREVIOUS VALUE FOR s AS n", "PREVIOUS VALUE FOR"),
    ("nextval-mariadb", "SELECT NEXTVAL(s) AS n", "NEXTVAL"),
    ("lastval", "SELECT lastval() AS n", "LASTVAL"),
    ("currval", "SELECT currval('s') AS n", "CURRVAL"),
    ("nextval-in-cte", "WITH x AS (SELECT nextval('s') AS v) SELECT COUNT(*) AS n FROM x", "NEXTVAL"),
    # names hidden by spacing, comments, case, quoting, qualification, position
    ("comment-before-paren", "SELECT pg_sleep/**/(5) IS NULL AS n", "PG_SLEEP"),
    ("newline-before-paren", "SELECT pg_sleep\n(5) IS NULL AS n", "PG_SLEEP"),
    ("mixed-case", "SeLeCt Pg_SlEeP(5) IS NULL AS n", "PG_SLEEP"),
    (
        "quoted-qualified-read-file",
        'SELECT length("pg_catalog"."pg_read_file"(\'/etc/hostname\')) AS n',
        "PG_READ_FILE",
    ),
    ("in-order-by", "SELECT COUNT(*) AS n FROM t GROUP BY a ORDER BY pg_sleep(1)", "PG_SLEEP"),
    ("in-having", "SELECT COUNT(*) AS n FROM t GROUP BY a HAVING SLEEP(1) = 0", "SLEEP"),
    ("in-case", "SELECT CASE WHEN a > 0 THEN GET_LOCK('drafter', 1) END AS n FROM t", "GET_LOCK"),
    ("in-window", "SELECT SUM(a) OVER (PARTITION BY pg_sleep(1)) AS n FROM t", "PG_SLEEP"),
    (
        "in-subquery",
        "SELECT (SELECT pg_terminate_backend(pid) FROM pg_stat_activity LIMIT 1) AS n",
        "PG_TERMINATE_BACKEND",
    ),
    ("in-lateral", "SELECT x.v AS n FROM t, LATERAL (SELECT pg_read_file('/etc/hostname') AS v) x", "PG_READ_FILE"),
    ("from-read-file", "SELECT COUNT(*) AS n FROM pg_read_file('/etc/passwd') AS f(x)", "PG_READ_FILE"),
    # functions off the allow-list: they are refused by name, whatever they do
    ("version", "SELECT version() AS n", "VERSION"),
    ("current-setting", "SELECT current_setting('data_directory') AS n", "CURRENT_SETTING"),
    ("backend-pid", "SELECT pg_backend_pid() AS n", "PG_BACKEND_PID"),
    ("txid-current", "SELECT txid_current() AS n", "TXID_CURRENT"),
    ("lo-get", "SELECT length(lo_get(1)) AS n", "LO_GET"),
    ("ls-waldir", "SELECT COUNT(*) AS n FROM pg_ls_waldir()", "PG_LS_WALDIR"),
    ("set-config-role", "SELECT set_config('role', 'postgres', false) AS n", "SET_CONFIG"),
    ("copy-slot", "SELECT pg_copy_logical_replication_slot('a', 'b') IS NULL AS n", "PG_COPY_LOGICAL_REPLICATION_SLOT"),
    ("brin-summarize", "SELECT brin_summarize_new_values('t'::regclass) AS n", "BRIN_SUMMARIZE_NEW_VALUES"),
    ("gin-clean", "SELECT gin_clean_pending_list('t'::regclass) AS n", "GIN_CLEAN_PENDING_LIST"),
    ("advisory-xact-lock", "SELECT pg_try_advisory_xact_lock(1) AS n", "PG_TRY_ADVISORY_XACT_LOCK"),
    ("notify", "SELECT pg_notify('c', 'x') IS NULL AS n", "PG_NOTIFY"),
    ("other-schema-upper", "SELECT myschema.upper(comment) AS n FROM t", "MYSCHEMA.UPPER"),
    ("public-lower", "SELECT public.lower(comment) AS n FROM t", "PUBLIC.LOWER"),
    ("user-defined-type", "SELECT CAST(a AS mytype) AS n FROM t", "自定义类型"),
    ("database", "SELECT DATABASE() AS n", "DATABASE"),
    ("connection-id", "SELECT CONNECTION_ID() AS n", "CONNECTION_ID"),
    ("release-lock", "SELECT RELEASE_LOCK('drafter') AS n", "RELEASE_LOCK"),
    ("is-free-lock", "SELECT IS_FREE_LOCK('drafter') AS n", "IS_FREE_LOCK"),
    ("master-pos-wait", "SELECT MASTER_POS_WAIT('log', 4, 5) AS n", "MASTER_POS_WAIT"),
    ("load-file-hex", "SELECT LENGTH(LOAD_FILE(0x2f6574632f686f73746e616d65)) AS n", "LOAD_FILE"),
    ("sys-exec", "SELECT sys_exec('id') AS n", "SYS_EXEC"),
    ("extractvalue", "SELECT EXTRACTVALUE('<a>1</a>', '/a') AS n", "EXTRACTVALUE"),
    ("qualified-mysql-function", "SELECT sys.ps_thread_id(1) AS n", "SYS.PS_THREAD_ID"),
    ("zeroblob-instr", "SELECT instr(hex(zeroblob(20000000)), hex(zeroblob(20000)) || '1') AS n", "ZEROBLOB"),
    ("randomblob", "SELECT length(randomblob(999999999)) AS n", "RANDOMBLOB"),
    ("zeroblob-concat", "SELECT length(zeroblob(1000000000) || zeroblob(1000000000)) AS n", "ZEROBLOB"),
    ("fts3-tokenizer", "SELECT fts3_tokenizer('simple') IS NULL AS n", "FTS3_TOKENIZER"),
    ("compileoption", "SELECT sqlite_compileoption_get(0) AS n", "SQLITE_COMPILEOPTION_GET"),
    ("edit", "SELECT edit('x', 'vi') AS n", "EDIT"),
    ("printf-huge-width", "SELECT length(printf('%.*c', 2147483647, 'x')) AS n", "PRINTF"),
    ("table-statement", "TABLE t", "SELECT 或 WITH"),
    ("explain-analyze", "EXPLAIN ANALYZE SELECT COUNT(*) AS n FROM t", "SELECT 或 WITH"),
    ("do-block", "DO $$BEGIN DELETE FROM t; END$$", "SELECT 或 WITH"),
    ("call", "CALL p()", "SELECT 或 WITH"),
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
    assert allowed("generate_series", "postgresql") and not allowed("generate_series", "sqlite")


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


def _project(root: Path, url: str = "sqlite:///dept.db", extra: str = "") -> Path:
    (root / "queries").mkdir(parents=True, exist_ok=True)
    (root / "templates/sections").mkdir(parents=True, exist_ok=True)
    (root / "config.yaml").write_text(
        f"report: {{agency: 测试局, year: 2025}}\nsources:\n  dept:\n    url: '{url}'\n    timeout: 3\n{extra}",
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
EXTRA_SETUP = {
    "postgresql": [
        "CREATE SEQUENCE s",
        "CREATE EXTENSION IF NOT EXISTS dblink",
        "CREATE EXTENSION IF NOT EXISTS tablefunc",
        "SELECT lo_from_bytea(0, 'kept')",
    ],
    "mariadb": ["CREATE SEQUENCE s"],
}


@dataclass
class Server:
    """A scratch database of one engine, as an office gives it to drafter."""

    kind: str
    owner: str  # the admin account in that database: sets up, and looks at the state
    reader: str  # a SELECT-only account: what drafter connects as
    canary: str  # another SELECT-only account, whose session no query may end


@pytest.fixture(scope="module", params=["sqlite", "postgresql", "mariadb"])
def server(request, tmp_path_factory) -> Iterator[Server]:
    kind = request.param
    if kind == "sqlite":
        db = tmp_path_factory.mktemp("hostile") / "dept.db"
        with sqlite3.connect(db) as conn:
            for statement in SETUP:
                conn.execute(statement)
        yield Server(kind, f"sqlite:///{db}", f"sqlite:///{db}", f"sqlite:///{db}")
        return
    if not os.environ.get("DRAFTER_REQUIRE_ENGINES") and request.config.getoption("-m", "") == "not engines":
        pytest.skip("engines deselected")
    with ExitStack() as stack:
        owner = stack.enter_context(scratch_database(kind))
        engine = create_engine(owner, poolclass=NullPool, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            for statement in SETUP + EXTRA_SETUP.get(kind, []):
                conn.exec_driver_sql(statement)
        engine.dispose()
        reader = stack.enter_context(select_only(kind, owner))
        canary = stack.enter_context(select_only(kind, owner))
        yield Server(kind, owner, reader, canary)


def _state(server: Server) -> dict:
    """What a hostile query could have changed on the server."""
    engine = create_engine(server.owner, poolclass=NullPool)
    with engine.connect() as conn:
        state = {
            "rows": conn.exec_driver_sql("SELECT COUNT(*) FROM t").scalar(),
            "max": conn.exec_driver_sql("SELECT MAX(a) FROM t").scalar(),
        }
        if server.kind == "postgresql":
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
        elif server.kind == "mariadb":
            state["settings"] = tuple(
                conn.exec_driver_sql(
                    "SELECT @@global.max_statement_time, @@global.read_only, @@global.general_log, @@global.sql_mode"
                ).first()
            )
            state["locks"] = conn.exec_driver_sql("SELECT IS_USED_LOCK('drafter')").scalar()
            state["sequence"] = conn.exec_driver_sql("SELECT next_not_cached_value FROM s").scalar()
    engine.dispose()
    state["outfile"] = Path(OUTFILE).exists()
    return state


@contextmanager
def _canary(server: Server) -> Iterator[Callable[[], bool]]:
    """A session of someone else; the callable tells whether it is still alive."""
    engine = create_engine(server.canary, poolclass=NullPool)
    conn = engine.connect()

    def alive() -> bool:
        try:
            return conn.exec_driver_sql("SELECT 1").scalar() == 1
        except Exception:
            return False
        finally:
            conn.rollback()

    try:
        yield alive
    finally:
        conn.close()
        engine.dispose()


def _pid(server: Server, url: str) -> int:
    engine = create_engine(server.owner, poolclass=NullPool)
    user = make_url(url).username
    with engine.connect() as conn:
        if server.kind == "postgresql":
            pid = conn.exec_driver_sql(f"SELECT MAX(pid) FROM pg_stat_activity WHERE usename = '{user}'").scalar()
        else:
            pid = conn.exec_driver_sql(
                f"SELECT MAX(id) FROM information_schema.processlist WHERE user = '{user}'"
            ).scalar()
    engine.dispose()
    return int(pid or 0)


_READ_AS = {"sqlite": "sqlite", "postgresql": "postgresql", "mariadb": "mysql"}


def test_hostile_query_files_are_refused_on_every_engine_and_nothing_changes(server, tmp_path):
    """Each case as a query file of a project whose source is this engine (read as that engine
    reads it), built as a SELECT-only account: refused with file, line and what to do before any
    query runs; a case that this engine reads as harmless text runs and changes nothing."""
    config = _project(tmp_path / "project", server.reader)
    before = _state(server)
    runner = CliRunner()
    refused = 0
    with _canary(server) as alive:
        for case_id, sql, words in HOSTILE:
            query = _write_query(config, sql)
            problems = analyse(sql, _READ_AS[server.kind]).problems
            draft = tmp_path / f"{case_id}.docx"
            result = runner.invoke(main, ["build", "-c", str(config), "-o", str(draft)])
            out = result.output
            assert "Traceback" not in out, (case_id, out)
            assert not Path(OUTFILE).exists(), case_id
            assert alive(), case_id  # not killed
            if problems:
                refused += 1
                assert result.exit_code == 2, (case_id, out)
                assert f"{query}:" in out and "处理：" in out, (case_id, out)
                if words in problems[0].message:
                    assert words in out, (case_id, out)
                assert not draft.exists(), case_id  # no draft: the input is wrong
        assert _state(server) == before
        assert refused >= len(HOSTILE) - 12  # the few this engine reads as plain text are the exceptions
        for case_id, sql, count, engines in ACCEPTED:
            if server.kind not in engines:
                continue
            _write_query(config, sql)
            output = tmp_path / f"{case_id}.docx"
            result = runner.invoke(main, ["build", "-c", str(config), "-o", str(output)])
            assert result.exit_code == 0, (case_id, result.output)
            text = "\n".join(read_paragraphs(output))
            assert f"共{count}条。" in text, (case_id, text)
        assert alive()
    assert _state(server) == before


# -- past the reader: what the engine itself refuses ---------------------------------------------

# (id, SQL sent straight to drafter's connection, what must happen: "error", or a check of the rows)
# {pid} is the canary's session.
RAW: dict[str, list[tuple[str, str, Any]]] = {
    "postgresql": [
        ("two-statements", "SELECT 1; DELETE FROM t", "error"),
        ("commit-and-write", "SELECT 1 AS n; COMMIT; BEGIN READ WRITE; DELETE FROM t; COMMIT", "error"),
        (
            "standard-conforming-strings-off-trick",
            "SELECT 1 # 2 AS n, 'a\\''; COMMIT; BEGIN READ WRITE; DELETE FROM t; COMMIT; --'",
            lambda rows: rows[0][0] == 3,  # one statement: 1 # 2 and a string, as drafter read it
        ),
        ("set-config-timeout", "SELECT set_config('statement_timeout', '0', false)", lambda rows: rows[0][0] == "0"),
        ("set-config-read-only", "SELECT set_config('default_transaction_read_only', 'off', false)", lambda r: True),
        ("set-config-std-strings", "SELECT set_config('standard_conforming_strings', 'off', false)", lambda r: True),
        ("set-timeout", "SET statement_timeout = 0", "ok"),
        ("terminate-canary", "SELECT pg_terminate_backend({pid})", "error"),
        ("cancel-canary", "SELECT pg_cancel_backend({pid})", "error"),
        ("u-terminate-canary", 'SELECT U&"pg\\005fterminate\\005fbackend"({pid})', "error"),
        ("read-file", "SELECT pg_read_file('/etc/hostname')", "error"),
        ("u-read-file", "SELECT U&\"pg\\005fread\\005ffile\"('/etc/hostname')", "error"),
        ("ls-dir", "SELECT pg_ls_dir('/etc')", "error"),
        ("lo-import", "SELECT lo_import('/etc/hostname')", "error"),
        # PostgreSQL lets any role make a large object, even read-only: the rollback takes it away
        ("lo-from-bytea", "SELECT lo_from_bytea(0, 'x')", lambda rows: rows[0][0] > 0),
        ("lo-export", f"SELECT lo_export(oid, '{OUTFILE}') FROM pg_largeobject_metadata", "error"),
        ("nextval", "SELECT nextval('s')", "error"),
        ("stat-reset", "SELECT pg_stat_reset()", "error"),
        ("reload-conf", "SELECT pg_reload_conf()", "error"),
        ("copy-to-file", f"COPY t TO '{OUTFILE}'", "error"),
        ("delete", "DELETE FROM t", "error"),
        ("writing-cte", "WITH d AS (DELETE FROM t RETURNING a) SELECT COUNT(*) FROM d", "error"),
        (
            "ts-rewrite-terminate",
            "SELECT ts_rewrite('a'::tsquery, 'SELECT ''a''::tsquery, ''b''::tsquery "
            "WHERE pg_terminate_backend({pid})')",
            "error",
        ),
        (
            "ts-rewrite-delete",
            "SELECT ts_rewrite('a'::tsquery, 'DELETE FROM t RETURNING ''a''::tsquery, ''b''::tsquery')",
            "error",
        ),
        (
            "crosstab-delete",
            "SELECT * FROM crosstab('DELETE FROM t RETURNING a::text, a::text, a::text') AS c(a text, b text)",
            "error",
        ),
        ("dblink-exec", "SELECT dblink_exec('dbname=postgres user=postgres host=127.0.0.1', 'SELECT 1')", "error"),
        ("query-to-xml-delete", "SELECT query_to_xml('DELETE FROM t RETURNING a', true, false, '')", "error"),
        ("sleep-past-the-limit", "SELECT pg_sleep(30)", "error"),
    ],
    "mariadb": [
        ("two-statements", "SELECT 1; DELETE FROM t", "error"),
        ("executable-comment", "SELECT 1 /*!; DELETE FROM t */", "error"),
        (
            "ansi-trick-load-file",
            "SELECT '\\'' \"\\\" FROM t WHERE 1=0 UNION ALL SELECT LOAD_FILE('/etc/hostname') -- ' -- \"",
            lambda rows: len(rows) == 1 and "FROM t" in str(rows[0][0]),  # one string, as drafter read it
        ),
        (
            "ansi-trick-sleep",
            "SELECT '\\'' \"\\\" FROM t WHERE 1=0 UNION ALL SELECT SLEEP(20) -- ' -- \"",
            lambda rows: len(rows) == 1 and "SLEEP" in str(rows[0][0]),
        ),
        (
            "ansi-trick-get-lock",
            "SELECT '\\'' \"\\\" FROM t WHERE 1=0 UNION ALL SELECT GET_LOCK('drafter', 0) -- ' -- \"",
            lambda rows: len(rows) == 1 and "GET_LOCK" in str(rows[0][0]),
        ),
        ("sql-mode-pinned", "SELECT @@SESSION.sql_mode", lambda rows: "ANSI" not in rows[0][0]),
        ("read-only-pinned", "SELECT @@SESSION.tx_read_only", lambda rows: rows[0][0] == 1),
        ("load-file", "SELECT LOAD_FILE('/etc/hostname')", lambda rows: rows[0][0] is None),
        ("into-outfile", f"SELECT a FROM t INTO OUTFILE '{OUTFILE}'", "error"),
        ("delete", "DELETE FROM t", "error"),
        ("next-value-for", "SELECT NEXT VALUE FOR s", "error"),
        ("nextval", "SELECT NEXTVAL(s)", "error"),
        ("kill-canary", "KILL {pid}", "error"),
        ("processlist", "SELECT COUNT(*) FROM information_schema.processlist WHERE id = {pid}", lambda r: r[0][0] == 0),
        ("sleep-past-the-limit", "SELECT SLEEP(30)", "error"),  # stopped by max_statement_time
    ],
    "sqlite": [
        ("two-statements", "SELECT 1; DELETE FROM t", "error"),
        ("delete", "DELETE FROM t", "error"),
        ("pragma", "PRAGMA query_only = 0", "error"),
        ("attach", f"ATTACH DATABASE '{OUTFILE}' AS x", "error"),
        ("temp-table", "CREATE TEMP TABLE x (a)", "error"),
        ("load-extension", "SELECT load_extension('/tmp/evil.so')", "error"),
        ("not-listed", "SELECT sqlite_version()", "error"),
        ("zeroblob-not-listed", "SELECT zeroblob(10)", "error"),
        ("printf-huge-width", "SELECT length(printf('%.*c', 2147483647, 'x'))", "error"),
        ("format-huge-width", "SELECT length(format('%.*c', 2147483647, 'x'))", "error"),
        (
            "recursive-loop",
            "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT COUNT(*) FROM c",
            "error",
        ),
    ],
}
# SQLite with zeroblob, randomblob, hex and instr allowed (allow_functions): the limits hold.
SQLITE_LIMITS = [
    ("instr-over-zeroblob", "SELECT instr(hex(zeroblob(20000000)), hex(zeroblob(20000)) || '1')"),
    ("randomblob", "SELECT length(randomblob(999999999))"),
    ("zeroblob-concat", "SELECT length(zeroblob(1000000000) || zeroblob(1000000000))"),
    ("zeroblob-huge", "SELECT length(zeroblob(2000000000))"),
]


def _run_raw(conn, sql: str, timeout: float) -> list[tuple]:
    with run_readonly(conn, sql, {}, deadline=time.monotonic() + timeout, clock=time.monotonic) as result:
        return [tuple(r) for r in result.fetchall()] if result.returns_rows else []


def _pinned(conn, kind: str) -> tuple:
    if kind == "postgresql":
        return tuple(
            _run_raw(conn, f"SELECT current_setting('{name}')", 3)[0][0]
            for name in ("statement_timeout", "default_transaction_read_only", "standard_conforming_strings")
        )
    if kind == "mariadb":
        return _run_raw(conn, "SELECT @@SESSION.sql_mode, @@SESSION.tx_read_only, @@SESSION.max_statement_time", 3)[0]
    return ()


def test_what_gets_past_the_reader_is_refused_by_the_engine_and_no_setting_outlives_a_query(server):
    """Straight to drafter's connection, as a SELECT-only account, skipping the reader: the engine
    refuses (extended protocol, read-only transaction, privileges, authorizer, limits), a query's
    session change is rolled back with it, the other session lives, nothing changed."""
    url = server.reader
    if server.kind == "postgresql":  # the database reads '\'' otherwise: drafter's session does not
        admin = create_engine(server.owner, poolclass=NullPool, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(
                f"ALTER DATABASE {make_url(server.owner).database} SET standard_conforming_strings = off"
            )
        admin.dispose()
    if server.kind == "mariadb":  # a server whose sessions start in ANSI mode: drafter pins its own
        url = (
            make_url(url)
            .update_query_dict({"init_command": "SET sql_mode='ANSI'"})
            .render_as_string(hide_password=False)
        )
    before = _state(server)
    settings = SourceSettings(url=url, timeout=3)
    engine = open_engine("dept", settings)
    with _canary(server) as alive, connect("dept", engine, settings) as conn:
        pid = _pid(server, server.canary) if server.kind != "sqlite" else 0
        pinned = _pinned(conn, server.kind)
        for case_id, sql, expect in RAW[server.kind]:
            started = time.monotonic()
            if expect == "error":
                with pytest.raises(Exception):
                    _run_raw(conn, sql.format(pid=pid), 3)
            else:
                rows = _run_raw(conn, sql.format(pid=pid), 3)
                assert expect == "ok" or expect(rows), (case_id, rows)
            assert time.monotonic() - started < 15, case_id  # the time limit holds
            assert _pinned(conn, server.kind) == pinned, case_id  # nothing outlives the query
            assert alive(), case_id
            assert not Path(OUTFILE).exists(), case_id
        assert _run_raw(conn, "SELECT COUNT(*) FROM t", 3) == [(3,)]
    engine.dispose()
    assert _state(server) == before


def test_sqlite_limits_bind_one_long_call_and_memory(server):
    if server.kind != "sqlite":
        pytest.skip("SQLite only")
    settings = SourceSettings(url=server.reader, timeout=3, allow_functions=["zeroblob", "randomblob"])
    engine = open_engine("dept", settings)
    resource = pytest.importorskip("resource")
    with connect("dept", engine, settings) as conn:
        for case_id, sql in SQLITE_LIMITS:
            rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            started = time.monotonic()
            with pytest.raises(Exception, match=r"(?i)too big|interrupted"):
                _run_raw(conn, sql, 3)
            assert time.monotonic() - started < 3.5, case_id
            grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss) / 1024  # MB
            assert grown < 100, (case_id, grown)
        # The time limit stops a long statement at about its timeout.
        started = time.monotonic()
        with pytest.raises(Exception, match="interrupted"):
            _run_raw(conn, "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT COUNT(*) FROM c", 3)
        assert 2.9 < time.monotonic() - started < 5
    engine.dispose()


def test_a_build_with_zeroblob_allowed_stops_at_the_limit_and_says_so(tmp_path, server):
    if server.kind != "sqlite":
        pytest.skip("SQLite only")
    config = _project(tmp_path / "p", server.reader, "    allow_functions: [zeroblob]\n")
    _write_query(config, "SELECT instr(hex(zeroblob(20000000)), hex(zeroblob(20000)) || '1') AS n")
    started = time.monotonic()
    result = CliRunner().invoke(main, ["build", "-c", str(config), "--strict"])
    assert time.monotonic() - started < 10
    assert result.exit_code != 0 and "too big" in result.output, result.output
    lint = CliRunner().invoke(main, ["lint", "-c", str(config)])
    assert "allow_functions" in lint.output or "清单以外的函数" in lint.output, lint.output
    assert "zeroblob" in lint.output


# -- privileged accounts: refused before the first query -------------------------------------------

# (id, kind, GRANTs for the account {user} on {db} beside SELECT, words the message names)
PRIVILEGED = [
    (
        "pg-signal-read-execute",
        "postgresql",
        ["GRANT pg_signal_backend, pg_read_server_files, pg_execute_server_program TO {user}"],
        "pg_signal_backend",
    ),
    ("pg-write-server-files", "postgresql", ["GRANT pg_write_server_files TO {user}"], "pg_write_server_files"),
    ("pg-bypassrls", "postgresql", ["ALTER ROLE {user} BYPASSRLS"], "BYPASSRLS"),
    ("pg-insert", "postgresql", ["GRANT INSERT ON t TO {user}"], "写表"),
    ("pg-truncate", "postgresql", ["GRANT TRUNCATE ON t TO {user}"], "写表"),
    ("pg-create-schema", "postgresql", ["GRANT CREATE ON DATABASE {db} TO {user}"], "CREATE"),
    ("pg-create-in-public", "postgresql", ["GRANT CREATE ON SCHEMA public TO {user}"], "CREATE"),
    ("pg-sequence-update", "postgresql", ["GRANT UPDATE ON SEQUENCE s TO {user}"], "改序列"),
    ("pg-superuser", "postgresql", ["ALTER ROLE {user} SUPERUSER"], "SUPERUSER"),
    ("maria-file", "mariadb", ["GRANT FILE ON *.* TO {user}"], "FILE"),
    ("maria-process", "mariadb", ["GRANT PROCESS ON *.* TO {user}"], "PROCESS"),
    ("maria-super", "mariadb", ["GRANT SUPER ON *.* TO {user}"], "SUPER"),
    ("maria-insert", "mariadb", ["GRANT INSERT ON {db}.* TO {user}"], "INSERT"),
    ("maria-delete-table", "mariadb", ["GRANT DELETE ON {db}.t TO {user}"], "DELETE"),
    ("maria-grant-option", "mariadb", ["GRANT SELECT ON {db}.* TO {user} WITH GRANT OPTION"], "GRANT OPTION"),
]


def _grant(server: Server, url: str, statements: list[str]) -> None:
    user = make_url(url).username
    db = make_url(server.owner).database
    admin = create_engine(server.owner, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for statement in statements:
            who = user if server.kind == "postgresql" else f"'{user}'@'%%', '{user}'@'localhost'"
            conn.exec_driver_sql(statement.format(user=who, db=db))
    admin.dispose()


def test_a_privileged_account_is_refused_with_the_privilege_and_the_grants_and_sources_says_the_same(server, tmp_path):
    cases = [c for c in PRIVILEGED if c[1] == server.kind]
    if not cases:
        pytest.skip("SQLite has no accounts")
    before = _state(server)
    runner = CliRunner()
    with _canary(server) as alive:
        for case_id, _, grants, words in cases:
            with select_only(server.kind, server.owner) as url:
                _grant(server, url, grants)
                config = _project(tmp_path / case_id, url)
                # a query that would end the canary's session, were it run by a member of pg_signal_backend
                _write_query(config, "SELECT COUNT(*) AS n FROM t")
                result = runner.invoke(main, ["build", "-c", str(config)])
                assert result.exit_code == 2, (case_id, result.output)
                out = result.output
                assert "权限过大" in out and words in out and "GRANT SELECT ON" in out, (case_id, out)
                assert "allow_privileged: true" in out and out.count("权限过大") == 1, (case_id, out)
                assert not (config.parent / "output").exists(), case_id
                report = runner.invoke(main, ["sources", "-c", str(config)])
                assert words in report.output and "账号可写：是" in report.output, (case_id, report.output)
                assert "build 会拒绝" in report.output, (case_id, report.output)
                # allow_privileged: true: the build runs, and says so every time
                config = _project(tmp_path / f"{case_id}-allowed", url, "    allow_privileged: true\n")
                _write_query(config, "SELECT COUNT(*) AS n FROM t")
                result = runner.invoke(main, ["build", "-c", str(config), "-o", str(tmp_path / f"{case_id}.docx")])
                assert result.exit_code == 0, (case_id, result.output)
                assert "allow_privileged: true" in result.output and words in result.output, result.output
            assert alive(), case_id
    assert _state(server) == before


def test_a_select_only_account_is_reported_as_such_and_builds(server, tmp_path):
    if server.kind == "sqlite":
        pytest.skip("SQLite has no accounts")
    config = _project(tmp_path / "p", server.reader)
    _write_query(config, "SELECT COUNT(*) AS n FROM t")
    report = CliRunner().invoke(main, ["sources", "-c", str(config)])
    assert "账号可写：否" in report.output and "权限过大" not in report.output, report.output
    result = CliRunner().invoke(main, ["build", "-c", str(config), "-o", str(tmp_path / "d.docx")])
    assert result.exit_code == 0 and "权限过大" not in result.output, result.output
