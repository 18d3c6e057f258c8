"""Read-only, always: the database refuses writes even if the SQL guard were bypassed,
and the guard refuses them before any database is reached, naming the file and line.

The database half calls the connections of `drafter.data.sources.open_engine` directly
(SQLAlchemy and raw DBAPI), as a query that slipped past the guard would.
"""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import threading
import urllib.parse
from pathlib import Path

import pytest
from click.testing import CliRunner
from servers import scratch_database
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from drafter import build
from drafter.cli import main
from drafter.data.runner import run_query
from drafter.data.sources import connect, open_engine
from drafter.errors import QueryError
from drafter.project.config import SourceSettings
from drafter.project.queries import QuerySpec
from drafter.project.sql import check_select

REPO = Path(__file__).resolve().parents[1]

WRITES = [
    "INSERT INTO t (a) VALUES (99)",
    "UPDATE t SET a = 99",
    "DELETE FROM t",
    "DROP TABLE t",
    "CREATE TABLE t2 (a INTEGER)",
    "ALTER TABLE t ADD COLUMN b INTEGER",
]


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# -- the database refuses -------------------------------------------------------------------------


@pytest.fixture
def sqlite_db(tmp_path) -> Path:
    path = tmp_path / "dept.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE t (a INTEGER)")
        conn.execute("INSERT INTO t VALUES (1)")
    return path


@pytest.mark.parametrize("statement", WRITES)
def test_sqlite_refuses_a_write_sent_past_the_guard(sqlite_db, statement):
    before = _sha(sqlite_db)
    settings = SourceSettings(url=f"sqlite:///{sqlite_db}")
    engine = open_engine("dept", settings)
    with connect("dept", engine, settings) as conn:
        with pytest.raises(DBAPIError, match=r"readonly|read-only|query_only"):
            conn.exec_driver_sql(statement)
        conn.rollback()
        # Even with query_only switched off by hand, the file is open read-only (mode=ro).
        raw = conn.connection.dbapi_connection
        raw.execute("PRAGMA query_only = OFF")
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            raw.execute(statement)
        assert conn.execute(text("SELECT COUNT(*) FROM t")).scalar() == 1
    engine.dispose()
    assert _sha(sqlite_db) == before


@pytest.mark.parametrize(
    "folder, written",
    [
        ("报告 2025#1", lambda p: p.as_posix()),  # as typed
        ("草稿?100%", lambda p: urllib.parse.quote(p.as_posix(), safe="/")),  # ? and % must be %-encoded in a URL
    ],
)
def test_a_sqlite_path_with_uri_characters_still_opens_read_only(tmp_path, folder, written):
    (tmp_path / folder).mkdir()
    path = tmp_path / folder / "dept.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE t (a INTEGER)")
    settings = SourceSettings(url=f"sqlite:///{written(path)}")
    engine = open_engine("dept", settings)
    with connect("dept", engine, settings) as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM t")).scalar() == 0
        with pytest.raises(DBAPIError, match=r"readonly|read-only"):
            conn.exec_driver_sql("INSERT INTO t VALUES (1)")
    engine.dispose()
    assert sorted(p.name for p in (tmp_path / folder).iterdir()) == ["dept.db"]  # no journal, no stray file


SERVER_WRITES = {
    "postgresql": WRITES + ["CREATE TEMPORARY TABLE tmp (a INTEGER)", "SELECT nextval('s')"],
    "mariadb": WRITES + ["CREATE TEMPORARY TABLE tmp (a INTEGER)", "SELECT NEXTVAL(s)"],
}


@pytest.fixture(scope="module", params=["postgresql", "mariadb"])
def server_db(request):
    """(kind, URL) of a scratch database with table t (one row) and a sequence s."""
    with scratch_database(request.param) as url:
        engine = create_engine(url, poolclass=NullPool)
        with engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE t (a INTEGER)")
            conn.exec_driver_sql("INSERT INTO t VALUES (1)")
            conn.exec_driver_sql("CREATE SEQUENCE s")
        engine.dispose()
        yield request.param, url


@pytest.mark.engines
def test_a_server_session_refuses_every_write_sent_past_the_guard(server_db):
    kind, url = server_db
    # The owner's account, allowed on purpose: the session itself must refuse writes.
    settings = SourceSettings(url=url, timeout=7, allow_privileged=True)
    engine = open_engine("dept", settings)
    with connect("dept", engine, settings) as conn:
        for statement in SERVER_WRITES[kind]:
            with pytest.raises(DBAPIError, match=r"(?i)read.only"):
                conn.exec_driver_sql(statement)
            conn.rollback()  # what the runner does after a failed query
        # A rollback must not undo the session's settings: still read-only, still time-limited.
        if kind == "postgresql":
            assert conn.exec_driver_sql("SHOW transaction_read_only").scalar() == "on"
            assert conn.exec_driver_sql("SHOW statement_timeout").scalar() == "7s"
        else:
            assert conn.exec_driver_sql("SELECT @@session.tx_read_only").scalar() == 1
            assert float(conn.exec_driver_sql("SELECT @@session.max_statement_time").scalar()) == 7.0
        # The raw DBAPI connection, as a driver-level caller would use it.
        raw = conn.connection.dbapi_connection
        cursor = raw.cursor()
        with pytest.raises(Exception, match=r"(?i)read.only"):
            cursor.execute("DELETE FROM t")
        raw.rollback()
        assert conn.exec_driver_sql("SELECT COUNT(*) FROM t").scalar() == 1
    engine.dispose()
    check = create_engine(url, poolclass=NullPool)
    with check.connect() as conn:
        assert conn.exec_driver_sql("SELECT COUNT(*) FROM t").scalar() == 1
        assert conn.exec_driver_sql("SELECT COUNT(*) FROM t").scalar() == 1
    check.dispose()


@pytest.mark.engines
def test_a_rolled_back_error_leaves_the_next_transaction_read_only(server_db):
    kind, url = server_db
    settings = SourceSettings(url=url, allow_privileged=True)
    engine = open_engine("dept", settings)
    with connect("dept", engine, settings) as conn:
        with pytest.raises(DBAPIError):
            conn.exec_driver_sql("SELECT no_such_column FROM t")
        conn.rollback()
        assert conn.exec_driver_sql("SELECT COUNT(*) FROM t").scalar() == 1
        with pytest.raises(DBAPIError, match=r"(?i)read.only"):
            conn.exec_driver_sql("INSERT INTO t VALUES (2)")
        conn.rollback()
        if kind == "postgresql":
            # Once the transaction has read, it cannot switch itself to read-write either. (A SET as
            # a transaction's very first statement could; the guard refuses SET, and a production
            # source should use an account that may only SELECT: README, 连接真实数据库.)
            conn.exec_driver_sql("SELECT 1")
            with pytest.raises(DBAPIError, match="read-write"):
                conn.exec_driver_sql("SET transaction_read_only = off")
    engine.dispose()


# -- the guard refuses, before any database ------------------------------------------------------

REFUSED = [
    ("INSERT INTO t VALUES (1)", "SELECT 或 WITH"),
    ("UPDATE t SET a = 1", "SELECT 或 WITH"),
    ("DELETE FROM t", "SELECT 或 WITH"),
    ("DROP TABLE t", "SELECT 或 WITH"),
    ("CREATE TABLE x AS SELECT 1", "SELECT 或 WITH"),
    ("TRUNCATE t", "SELECT 或 WITH"),
    ("SET SESSION TRANSACTION READ WRITE", "SELECT 或 WITH"),
    ("SET transaction_read_only = off", "SELECT 或 WITH"),
    ("SELECT 1 AS n;\nDELETE FROM t", "多条语句"),
    ("SELECT 1 AS n; SELECT 2", "多条语句"),
    ("WITH d AS (DELETE FROM t RETURNING a) SELECT COUNT(*) AS n FROM d", "DELETE"),
    ("SELECT COUNT(*) AS n INTO t2 FROM t", "INTO"),
    ("SELECT a AS n FROM t FOR UPDATE", "UPDATE"),
    ("SELECT set_config('default_transaction_read_only', 'off', false) AS n", "SET_CONFIG"),
    ("SELECT nextval('s') AS n", "NEXTVAL"),
    # Strings and comments that end elsewhere on another engine hide nothing:
    ("SELECT 'a\\'' AS n; DELETE FROM t; -- '", "多条语句"),  # MySQL: \' escapes
    ("SELECT 'a\\' AS n; DELETE FROM t; -- '", "多条语句"),  # PostgreSQL: \ is a character
    ("SELECT $$'$$ AS n; DELETE FROM t; --'", "多条语句"),  # PostgreSQL dollar quoting
    ("SELECT 1 AS n /*! ; DELETE FROM t */", "可执行注释"),  # MySQL runs /*! … */
    ("SELECT 1 --1; DELETE FROM t", "多条语句"),  # MySQL: --1 is not a comment
]


@pytest.mark.parametrize("sql, words", REFUSED)
def test_the_guard_refuses_writes_and_second_statements_naming_file_and_line(sql, words):
    with pytest.raises(QueryError) as info:
        check_select(sql, Path("queries/bad.sql"), first_line=4)
    assert words in info.value.message
    assert info.value.path == Path("queries/bad.sql")
    assert info.value.line >= 4


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT COUNT(*) AS n FROM t",
        "WITH x AS (SELECT a FROM t) SELECT COUNT(*) AS n FROM x;",
        "SELECT 'DELETE FROM t; DROP TABLE t' AS note",
        "SELECT a -- update the count later\nFROM t",
        "SELECT updated_at, deleted_flag, inserted_by FROM t",
        "SELECT REPLACE(name, '-', '') AS n FROM t",
        "SELECT 'it''s' AS n, \"quoted\" FROM t /* a; b */",
    ],
)
def test_the_guard_lets_read_only_selects_through(sql):
    check_select(sql, Path("q.sql"))


def test_a_write_that_reaches_the_runner_is_refused_before_the_connection_is_used(tmp_path):
    class Untouchable:
        """A connection that fails the test if anything is sent."""

        class dialect:
            name = "postgresql"

        class engine:
            class url:
                @staticmethod
                def get_backend_name():
                    return "postgresql"

        def execute(self, *args, **kwargs):
            raise AssertionError("the statement reached the database")

        exec_driver_sql = execute

    path = tmp_path / "queries/drop.sql"
    spec = QuerySpec(
        name="drop",
        source="dept",
        description="x",
        returns="scalar",
        sql="SELECT 1 AS n;\nDROP TABLE t",
        path=path,
        sql_line=4,
    )
    with pytest.raises(QueryError) as info:
        run_query(Untouchable(), spec, "dept", {}, timeout=5)
    assert info.value.path == path and info.value.line == 4 and "多条语句" in info.value.message


def _project(tmp_path: Path, sql: str) -> Path:
    root = tmp_path / "project"
    (root / "queries").mkdir(parents=True)
    (root / "templates/sections").mkdir(parents=True)
    with sqlite3.connect(root / "dept.db") as conn:
        conn.execute("CREATE TABLE t (a INTEGER)")
        conn.execute("INSERT INTO t VALUES (1)")
    (root / "config.yaml").write_text(
        "report: {agency: 测试局, year: 2025}\nsources:\n  dept: sqlite:///dept.db\n", encoding="utf-8"
    )
    (root / "queries/ok.sql").write_text(
        "-- source: dept\n-- description: 行数\n-- returns: scalar\nSELECT COUNT(*) AS n FROM t\n", encoding="utf-8"
    )
    (root / "queries/bad.sql").write_text(
        f"-- source: dept\n-- description: 坏查询\n-- returns: scalar\n{sql}\n", encoding="utf-8"
    )
    (root / "templates/sections/1.txt").write_text("一、情况\n共{{ ok }}行，{{ bad }}。\n", encoding="utf-8")
    shutil.copy(REPO / "templates/report.docx", root / "templates/report.docx")
    return root / "config.yaml"


@pytest.mark.parametrize(
    "sql",
    [
        "DELETE FROM t",
        "UPDATE t SET a = 2",
        "INSERT INTO t VALUES (2)",
        "DROP TABLE t",
        "SELECT COUNT(*) AS n FROM t;\nDELETE FROM t",
    ],
)
def test_build_refuses_a_write_query_naming_the_file_and_never_connects(tmp_path, sql):
    config = _project(tmp_path, sql)
    db = config.parent / "dept.db"
    before = _sha(db)
    connects = []
    lock = threading.Lock()

    def on_connect(*_):
        with lock:
            connects.append(1)

    event.listen(Engine, "connect", on_connect)
    try:
        result = CliRunner().invoke(main, ["build", "-c", str(config)])
        with pytest.raises(QueryError) as info:
            build(config, strict=True)
    finally:
        event.remove(Engine, "connect", on_connect)
    assert result.exit_code == 2, result.output
    bad = config.parent / "queries" / "bad.sql"
    assert f"{bad}:" in result.output and "Traceback" not in result.output
    assert info.value.path == bad and info.value.line in (4, 5)
    assert connects == []  # refused before any database was opened
    assert _sha(db) == before
    assert not (config.parent / "output").exists()
