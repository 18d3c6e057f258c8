"""Departmental databases: one SQLAlchemy engine a source, opened read-only.

Read-only is enforced by the database where it can be (SQLite `mode=ro`,
PostgreSQL read-only transactions, MySQL/MariaDB read-only sessions) and by
`sqlguard` before any SQL is sent. Each query gets a time limit.
"""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError
from sqlalchemy.pool import NullPool

from .config import SourceSettings
from .errors import SourceError

CONNECT_TIMEOUT = 5  # seconds; an unreachable server must fail fast


def masked_url(url: str) -> str:
    """The URL as it may be shown: password replaced by ***."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


def _sqlite_readonly_url(url) -> tuple[str, dict]:
    """A `file:` URI with mode=ro, so SQLite itself refuses writes."""
    database = url.database
    path = Path(database)
    if not path.exists():
        raise FileNotFoundError(database)
    # SQLAlchemy passes `file:` URIs to sqlite3 when the URL says uri=true.
    return f"sqlite:///file:{path.resolve().as_posix()}?mode=ro&uri=true", {}


def open_engine(name: str, settings: SourceSettings) -> Engine:
    """An engine for source `name`; nothing is connected yet."""
    try:
        url = make_url(settings.url)
    except ArgumentError as exc:
        raise SourceError(
            f"数据源“{name}”的 URL 无法解析",
            cause=str(exc),
            hint="URL 形如 postgresql+psycopg://用户@主机:5432/库名 或 sqlite:///sample/x.db。",
        ) from None
    connect_args: dict = {}
    target = settings.url
    backend = url.get_backend_name()
    if backend == "sqlite" and url.database and url.database != ":memory:":
        try:
            target, connect_args = _sqlite_readonly_url(url)
        except FileNotFoundError:
            raise SourceError(
                f"数据源“{name}”的 SQLite 文件不存在：{url.database}",
                hint="先运行 drafter sample create 生成示例库，或在 config.yaml 中改正路径。",
            ) from None
    elif backend == "postgresql":
        connect_args = {"connect_timeout": CONNECT_TIMEOUT}
    elif backend in ("mysql", "mariadb"):
        connect_args = {"connect_timeout": CONNECT_TIMEOUT, "charset": "utf8mb4"}
    try:
        engine = create_engine(target, connect_args=connect_args, poolclass=NullPool)
    except NoSuchModuleError as exc:
        raise SourceError(
            f"数据源“{name}”所需的数据库驱动未安装",
            cause=str(exc),
            hint="PostgreSQL：pip install 'drafter[postgres]'；MySQL/MariaDB：pip install 'drafter[mysql]'。",
        ) from None
    except (ArgumentError, ImportError, SQLAlchemyError) as exc:
        raise SourceError(
            f"数据源“{name}”无法创建连接（{masked_url(settings.url)}）",
            cause=str(exc).replace(url.password or "\0", "***") if url.password else str(exc),
        ) from None
    _install_readonly(engine)
    return engine


def _install_readonly(engine: Engine) -> None:
    """Make every connection of `engine` refuse writes at the database."""
    backend = engine.url.get_backend_name()

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        cursor = dbapi_conn.cursor()
        try:
            if backend == "postgresql":
                cursor.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
            elif backend in ("mysql", "mariadb"):
                cursor.execute("SET SESSION TRANSACTION READ ONLY")
            elif backend == "sqlite":
                cursor.execute("PRAGMA query_only = ON")
        finally:
            cursor.close()
        if backend == "postgresql":
            dbapi_conn.commit()


@contextmanager
def connect(name: str, engine: Engine, settings: SourceSettings) -> Iterator[Connection]:
    """One connection for all queries of a source; failures name the source, never the password."""
    try:
        conn = engine.connect()
    except SQLAlchemyError as exc:
        cause = str(getattr(exc, "orig", exc)).strip().splitlines()[0] if str(exc) else repr(exc)
        if engine.url.password:
            cause = cause.replace(engine.url.password, "***")
        raise SourceError(
            f"无法连接数据源“{name}”（{masked_url(settings.url)}）",
            cause=cause,
            hint="检查服务器是否在运行、地址端口和账号是否正确；密码请用环境变量提供。",
        ) from None
    try:
        yield conn
    finally:
        conn.close()


def set_statement_timeout(conn: Connection, seconds: float) -> None:
    """Ask the database to stop a statement that runs longer than `seconds`."""
    backend = conn.engine.url.get_backend_name()
    millis = int(seconds * 1000)
    if backend == "postgresql":
        conn.execute(text(f"SET statement_timeout = {millis}"))
    elif backend == "mysql" or backend == "mariadb":
        if conn.dialect.name == "mysql" and _is_mariadb(conn):
            conn.execute(text(f"SET SESSION max_statement_time = {seconds:.3f}"))
        else:
            conn.execute(text(f"SET SESSION max_execution_time = {millis}"))


def _is_mariadb(conn: Connection) -> bool:
    return bool(getattr(conn.dialect, "is_mariadb", False))


def sqlite_deadline_handler(conn: Connection, deadline: float, clock) -> None:
    """SQLite has no statement timeout: a progress handler interrupts past `deadline`."""
    raw = conn.connection.dbapi_connection
    if isinstance(raw, sqlite3.Connection):
        raw.set_progress_handler(lambda: 1 if clock() > deadline else 0, 10_000)


def clear_sqlite_handler(conn: Connection) -> None:
    raw = conn.connection.dbapi_connection
    if isinstance(raw, sqlite3.Connection):
        raw.set_progress_handler(None, 0)
