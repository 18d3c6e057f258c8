"""Departmental databases: one SQLAlchemy engine a source, opened read-only, with time limits.

Every connection of an engine from `open_engine` is set up, before any query of
the user runs, so that the database itself refuses writes and stops long
statements; `project.sql.check_select` refuses write statements before they are sent as well.

    backend            read-only                                     statement time limit
    SQLite             file opened with mode=ro, PRAGMA query_only   progress handler (runner)
    PostgreSQL         SET SESSION CHARACTERISTICS … READ ONLY       SET statement_timeout
    MariaDB            SET SESSION TRANSACTION READ ONLY             SET SESSION max_statement_time
    MySQL              SET SESSION TRANSACTION READ ONLY             SET SESSION max_execution_time
    others (Oracle, 达梦 …)  the SELECT guard only: use a read-only account   none from drafter

Session settings are committed as soon as they are made, so that a rolled-back
query (after an error) does not take them away. A URL is shown only through
`masked_url`, and driver messages pass through `scrub`, so a password never
reaches the screen, a log or a draft.
"""

from __future__ import annotations

import importlib.util
import sqlite3
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError
from sqlalchemy.pool import NullPool

from drafter.data.spreadsheets import is_spreadsheet, open_spreadsheet
from drafter.errors import SourceError
from drafter.masking import masked_url, scrub, secrets_of
from drafter.project.config import SourceSettings

__all__ = ["connect", "connection_error", "masked_url", "open_engine", "scrub", "secrets_of"]

CONNECT_TIMEOUT = 5  # seconds; an unreachable server must fail fast
APPLICATION_NAME = "drafter"  # how a PostgreSQL DBA sees drafter's sessions (pg_stat_activity)


def _sqlite_readonly_url(database: str) -> URL:
    """A `file:` URI with mode=ro, so SQLite itself refuses writes.

    The path is percent-encoded: a folder named `2025#1` or `报告 草稿` stays one path.
    """
    path = Path(database)
    if not path.exists():
        raise FileNotFoundError(database)
    uri_path = urllib.parse.quote(path.resolve().as_posix(), safe="/")
    return URL.create("sqlite", database=f"file:{uri_path}", query={"mode": "ro", "uri": "true"})


# A URL without a driver (postgresql://, mysql://) means SQLAlchemy's default driver, which
# drafter's extras do not install; the driver they do install is used instead.
_DEFAULT_AND_INSTALLED = {
    "postgresql": ("psycopg2", "psycopg"),
    "mysql": ("MySQLdb", "pymysql"),
    "mariadb": ("MySQLdb", "pymysql"),
}
DRIVER_HINT = (
    "PostgreSQL：pip install 'drafter[postgres]'，URL 写成 postgresql+psycopg://…；"
    "MySQL/MariaDB：pip install 'drafter[mysql]'，URL 写成 mysql+pymysql://…；"
    "其他数据库请安装其 SQLAlchemy 方言和驱动（见 README“连接真实数据库”）。"
)


def _installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def with_installed_driver(url: URL) -> URL:
    """`url`, naming the installed driver when it names none and the default is missing."""
    backend = url.get_backend_name()
    if "+" in url.drivername or backend not in _DEFAULT_AND_INSTALLED:
        return url
    default, installed = _DEFAULT_AND_INSTALLED[backend]
    if not _installed(default) and _installed(installed):
        return url.set(drivername=f"{backend}+{installed}")
    return url


def open_engine(name: str, settings: SourceSettings) -> Engine:
    """An engine for source `name` whose connections are read-only and time-limited.

    Nothing is connected yet. Each `engine.connect()` opens one new connection
    (no pool): a build connects to each source once. A spreadsheet source (a path, not a
    URL) is read now into an in-memory SQLite copy (spreadsheets.py).
    """
    if is_spreadsheet(settings.url):
        engine = open_spreadsheet(name, Path(settings.url))
        event.listen(engine, "connect", _session_setup(name, "sqlite", settings.timeout))
        return engine
    try:
        url = make_url(settings.url)
    except ArgumentError as exc:
        raise SourceError(
            f"数据源“{name}”的 URL 无法解析：{masked_url(settings.url)}",
            hint="URL 形如 postgresql+psycopg://用户@主机:5432/库名、mysql+pymysql://用户@主机:3306/库名"
            " 或 sqlite:///sample/x.db；密码中的 @ : / 等字符要写成 %40 %3A %2F。",
        ) from exc
    url = with_installed_driver(url)
    connect_args: dict = {}
    target: str | URL = url
    backend = url.get_backend_name()
    if backend == "sqlite" and url.database and url.database != ":memory:" and not url.database.startswith("file:"):
        try:
            target = _sqlite_readonly_url(url.database)
        except FileNotFoundError as exc:
            raise SourceError(
                f"数据源“{name}”的 SQLite 文件不存在：{url.database}",
                hint="先运行 drafter sample create 生成示例库，或在 config.yaml 中改正路径。",
            ) from exc
    elif backend == "postgresql":
        # TCP keepalives: a server that vanishes mid-query (a cut network) is noticed in about a minute.
        connect_args = {
            "connect_timeout": CONNECT_TIMEOUT,
            "application_name": APPLICATION_NAME,
            "keepalives": 1,
            "keepalives_idle": 30,
            "keepalives_interval": 10,
            "keepalives_count": 3,
        }
    elif backend in ("mysql", "mariadb"):
        connect_args = {"connect_timeout": CONNECT_TIMEOUT, "charset": "utf8mb4"}
        if url.get_driver_name() == "pymysql":
            # PyMySQL's connect_timeout covers only the TCP connect: a server (or a firewall)
            # that accepts and then says nothing would hang the handshake for ever.
            connect_args |= {"read_timeout": CONNECT_TIMEOUT, "write_timeout": CONNECT_TIMEOUT}
    try:
        engine = create_engine(target, connect_args=connect_args, poolclass=NullPool)
    except (NoSuchModuleError, ModuleNotFoundError) as exc:
        raise SourceError(
            f"数据源“{name}”所需的数据库驱动未安装（{url.drivername}）",
            cause=scrub(str(exc), settings.url),
            hint=DRIVER_HINT,
        ) from exc
    except (ArgumentError, ImportError, SQLAlchemyError) as exc:
        raise SourceError(
            f"数据源“{name}”无法创建连接（{masked_url(settings.url)}）",
            cause=scrub(str(exc), settings.url),
        ) from exc
    event.listen(engine, "connect", _session_setup(name, backend, settings.timeout))
    return engine


def _session_setup(name: str, backend: str, timeout: float) -> Callable:
    """The `connect` listener: read-only and the statement time limit, committed."""
    millis = max(1, int(timeout * 1000))

    def setup(dbapi_conn, _record) -> None:
        cursor = dbapi_conn.cursor()
        try:
            if backend == "postgresql":
                cursor.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
                cursor.execute(f"SET statement_timeout = {millis}")
            elif backend in ("mysql", "mariadb"):
                cursor.execute("SET SESSION TRANSACTION READ ONLY")
                cursor.execute("SELECT VERSION()")
                version = str(cursor.fetchone()[0])
                if "mariadb" in version.lower():
                    cursor.execute(f"SET SESSION max_statement_time = {millis / 1000:.3f}")
                else:  # MySQL 5.7.8+: applies to read-only SELECTs, which is all drafter runs
                    cursor.execute(f"SET SESSION max_execution_time = {millis}")
            elif backend == "sqlite":
                cursor.execute("PRAGMA query_only = ON")
        except Exception as exc:
            with suppress(Exception):  # SQLAlchemy does not close a connection whose connect event failed
                cursor.close()
                dbapi_conn.close()
            raise SourceError(
                f"数据源“{name}”已连上，但未能设为只读或设置查询时限，为安全起见不执行任何查询",
                cause=str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__,
                hint="确认数据库版本（MySQL 需 5.7.8 以上，MariaDB 需 10.1 以上）；如确有困难，请联系维护者。",
            ) from exc
        cursor.close()
        if backend in ("postgresql", "mysql", "mariadb"):
            dbapi_conn.commit()  # SET inside a transaction that is later rolled back would be undone
        if hasattr(dbapi_conn, "_read_timeout") and backend in ("mysql", "mariadb"):
            # Connected: PyMySQL now waits for a result up to the statement limit and a margin,
            # a safety net should the server not stop a statement itself.
            dbapi_conn._read_timeout = timeout + CONNECT_TIMEOUT

    return setup


# What a failed connection (or a first read) means, by the words of the driver: each gets its
# own message naming the source and what to do.
_SQLITE_CORRUPT = ("file is not a database", "database disk image is malformed", "file is encrypted")
_SQLITE_LOCKED = ("database is locked", "database table is locked")
_LOGIN_REFUSED = (
    "password authentication failed",
    "access denied for user",
    "authentication failed",
    "no pg_hba.conf entry",
    'role "',
    "no password supplied",
    "password is required",
)
_NO_DATABASE = ('database "', "unknown database")
_UNREACHABLE = (
    "connection refused",
    "could not translate host name",
    "name or service not known",
    "timeout expired",
    "timed out",
    "no route to host",
    "network is unreachable",
    "can't connect to",
    "unknown mysql server host",
    "could not connect to server",
    "connection to server at",
    "lost connection to mysql server at 'handshake",
    "temporary failure in name",
)


def sqlite_file_problem(name: str, database: str | None, cause: str) -> SourceError | None:
    """The message for a SQLite file that is corrupt, not a database, or locked; None otherwise."""
    low = cause.lower()
    where = f"：{database}" if database else ""
    if any(w in low for w in _SQLITE_CORRUPT):
        return SourceError(
            f"数据源“{name}”的 SQLite 文件已损坏或不是 SQLite 数据库{where}",
            cause=cause,
            hint="该文件可能在复制时被截断，或被换成了别的文件：从业务系统重新导出，或从备份恢复；"
            "示例库可用 drafter sample create --force 重新生成。查询本身不需要修改。",
        )
    if any(w in low for w in _SQLITE_LOCKED):
        return SourceError(
            f"数据源“{name}”的 SQLite 文件被其他程序锁住，暂时读不了{where}",
            cause=cause,
            hint="另一个程序（业务系统、数据导入）正在写这个文件：等它写完后重新生成；"
            "或把文件复制一份，在 config.yaml 中让 drafter 读副本。查询本身不需要修改。",
        )
    return None


def connection_error(name: str, settings: SourceSettings, cause: str) -> SourceError:
    """The message for a connection that failed: refused login, no such database, a server
    that does not answer, a SQLite file that cannot be read, or anything else."""
    cause = scrub(cause, settings.url)
    shown = masked_url(settings.url)
    low = cause.lower()
    try:
        database = make_url(settings.url).database
    except ArgumentError:
        database = None
    if make_url_backend(settings.url) == "sqlite":
        problem = sqlite_file_problem(name, database, cause)
        if problem is not None:
            return problem
    if any(w in low for w in _NO_DATABASE) and ("does not exist" in low or "unknown database" in low):
        return SourceError(
            f"数据源“{name}”的服务器上没有这个数据库（{shown}）",
            cause=cause,
            hint="核对 URL 最后的库名（区分大小写）；或请数据库管理员确认该库已建好、该账号可以访问。",
        )
    if any(w in low for w in _LOGIN_REFUSED):
        return SourceError(
            f"数据源“{name}”拒绝登录（{shown}）：用户名或密码不对，或该账号不许从本机连接",
            cause=cause,
            hint="核对 URL 中的用户名；密码写在环境变量里（URL 中的 ${变量名}），确认运行前已 export 且没有多余的空格；"
            "仍不行请数据库管理员确认该账号存在、可从本机登录（PostgreSQL 的 pg_hba.conf，MySQL 的 用户@主机）。",
        )
    if any(w in low for w in _UNREACHABLE):
        return SourceError(
            f"无法连接数据源“{name}”（{shown}）：服务器没有应答",
            cause=cause,
            hint="检查服务器是否在运行、URL 中的地址和端口是否正确、本机到服务器的网络和防火墙是否放行；"
            f"drafter 等待 {CONNECT_TIMEOUT} 秒后放弃。",
        )
    return SourceError(
        f"无法连接数据源“{name}”（{shown}）",
        cause=cause,
        hint="检查服务器是否在运行、地址端口和账号是否正确；密码请用环境变量提供。",
    )


def make_url_backend(url: str) -> str | None:
    try:
        return make_url(url).get_backend_name()
    except ArgumentError:
        return None


@contextmanager
def connect(name: str, engine: Engine, settings: SourceSettings) -> Iterator[Connection]:
    """One connection for all queries of a source; failures name the source and what went
    wrong, never the password. A SQLite file is read once at once (its schema), so that a
    corrupt or locked file is told as such, not as an error in the first query's SQL."""
    try:
        conn = engine.connect()
        if engine.dialect.name == "sqlite":
            try:
                conn.exec_driver_sql("SELECT COUNT(*) FROM sqlite_master").scalar()
            except SQLAlchemyError:
                conn.close()
                raise
    except SQLAlchemyError as exc:
        orig = getattr(exc, "orig", None) or exc
        lines = str(orig).strip().splitlines()
        cause = lines[0] if lines else type(orig).__name__
        raise connection_error(name, settings, cause) from exc
    try:
        yield conn
    finally:
        conn.close()


def sqlite_deadline_handler(conn: Connection, deadline: float, clock) -> None:
    """SQLite has no statement timeout: a progress handler interrupts past `deadline`."""
    raw = conn.connection.dbapi_connection
    if isinstance(raw, sqlite3.Connection):
        raw.set_progress_handler(lambda: 1 if clock() > deadline else 0, 10_000)


def clear_sqlite_handler(conn: Connection) -> None:
    raw = conn.connection.dbapi_connection
    if isinstance(raw, sqlite3.Connection):
        raw.set_progress_handler(None, 0)
