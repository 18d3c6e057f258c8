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
import re
import sqlite3
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import URL, Connection, CursorResult, Engine, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError
from sqlalchemy.pool import NullPool

from drafter.data.spreadsheets import is_spreadsheet, open_spreadsheet
from drafter.errors import SourceError
from drafter.masking import masked_url, scrub, secrets_of
from drafter.project.config import SourceSettings
from drafter.project.sql import allowed, denied

__all__ = ["connect", "connection_error", "masked_url", "open_engine", "run_readonly", "scrub", "secrets_of"]

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
        event.listen(engine, "connect", _session_setup(name, "sqlite", settings))
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
    event.listen(engine, "connect", _session_setup(name, backend, settings))
    if backend == "postgresql":
        if engine.dialect.driver != "psycopg":
            engine.dispose()
            raise SourceError(
                f"数据源“{name}”用的 PostgreSQL 驱动（{engine.dialect.driver}）不能逐条绑定参数执行查询",
                hint="安装 psycopg 3（pip install 'drafter[postgres]'），URL 写成 postgresql+psycopg://…",
            )
        _extended_protocol(engine)
    return engine


# The sql_mode every MySQL/MariaDB session of drafter runs in: no ANSI_QUOTES, no
# NO_BACKSLASH_ESCAPES, no PIPES_AS_CONCAT, so the server reads strings and comments as
# drafter's SQL reader does (the MySQL reading of drafter/project/sql.py).
MYSQL_SQL_MODE = "STRICT_TRANS_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION"
# SQLite: the longest string or blob (bytes) a query may read or make, and the longest LIKE/GLOB
# pattern. One function call is one step of SQLite's progress handler, so the time limit cannot
# stop it midway: these bound the slowest calls (instr, replace, LIKE are quadratic; measured
# worst cases about 2-3 s on a loaded 2-core machine) and refuse zeroblob/randomblob of
# gigabytes at once. And the most memory all SQLite connections of the process may take.
SQLITE_MAX_LENGTH = 500_000
SQLITE_MAX_PATTERN = 1_000
SQLITE_HEAP_LIMIT = 512 * 1024 * 1024
_MULTI_STATEMENTS = 1 << 16  # CLIENT_MULTI_STATEMENTS of the MySQL protocol


def _postgresql_setup(cursor, millis: int) -> None:
    cursor.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")  # default_transaction_read_only
    cursor.execute("SET standard_conforming_strings = on")  # a backslash in '…' is a character
    cursor.execute(f"SET statement_timeout = {millis}")
    cursor.execute(f"SET lock_timeout = {millis}")
    cursor.execute(f"SET idle_in_transaction_session_timeout = {max(millis, 60_000)}")


def _mysql_setup(dbapi_conn, cursor, millis: int) -> None:
    if getattr(dbapi_conn, "client_flag", 0) & _MULTI_STATEMENTS:
        raise RuntimeError("连接允许一次发送多条语句（client_flag 含 MULTI_STATEMENTS）：请从 URL 中删去 client_flag")
    cursor.execute(f"SET SESSION sql_mode = '{MYSQL_SQL_MODE}'")
    cursor.execute("SET SESSION TRANSACTION READ ONLY")
    cursor.execute("SELECT VERSION()")
    version = str(cursor.fetchone()[0])
    if "mariadb" in version.lower():
        cursor.execute(f"SET SESSION max_statement_time = {millis / 1000:.3f}")
    else:  # MySQL 5.7.8+: applies to read-only SELECTs, which is all drafter runs
        cursor.execute(f"SET SESSION max_execution_time = {millis}")


def _sqlite_setup(dbapi_conn, cursor) -> None:
    cursor.execute("PRAGMA query_only = ON")
    cursor.execute(f"PRAGMA hard_heap_limit = {SQLITE_HEAP_LIMIT}")  # process-wide; only ever lowered
    if isinstance(dbapi_conn, sqlite3.Connection):
        dbapi_conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, SQLITE_MAX_LENGTH)
        dbapi_conn.setlimit(sqlite3.SQLITE_LIMIT_SQL_LENGTH, SQLITE_MAX_LENGTH)
        dbapi_conn.setlimit(sqlite3.SQLITE_LIMIT_ATTACHED, 0)
        dbapi_conn.setlimit(sqlite3.SQLITE_LIMIT_LIKE_PATTERN_LENGTH, SQLITE_MAX_PATTERN)


def _session_setup(name: str, backend: str, settings: SourceSettings) -> Callable:
    """The `connect` listener: read-only, pinned settings and the statement time limit, committed."""
    timeout = settings.timeout
    millis = max(1, int(timeout * 1000))

    def setup(dbapi_conn, record) -> None:
        record.info["drafter.allow_functions"] = tuple(settings.allow_functions)
        cursor = dbapi_conn.cursor()
        try:
            if backend == "postgresql":
                _postgresql_setup(cursor, millis)
            elif backend in ("mysql", "mariadb"):
                _mysql_setup(dbapi_conn, cursor, millis)
            elif backend == "sqlite":
                _sqlite_setup(dbapi_conn, cursor)
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


def _extended_protocol(engine: Engine) -> None:
    """Every statement to PostgreSQL through the extended protocol (psycopg's prepare=True):
    one statement only, its parameters bound apart from its text, even when there are none.
    The simple protocol would run `SELECT 1; COMMIT; DELETE …` as three."""

    @event.listens_for(engine, "do_execute")
    def execute(cursor, statement, parameters, context) -> bool:
        cursor.execute(statement, parameters if parameters is not None else {}, prepare=True)
        return True

    @event.listens_for(engine, "do_execute_no_params")
    def execute_no_params(cursor, statement, context) -> bool:
        cursor.execute(statement, None, prepare=True)
        return True


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
def connect(name: str, engine: Engine, settings: SourceSettings, *, check: bool = True) -> Iterator[Connection]:
    """One connection for all queries of a source; failures name the source and what went
    wrong, never the password. A SQLite file is read once at once (its schema), so that a
    corrupt or locked file is told as such, not as an error in the first query's SQL. Before
    any query, the account is checked (`check_account`): a privileged one stops here."""
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
        if check:
            conn.info["drafter.account_warning"] = check_account(name, conn, settings)
        yield conn
    finally:
        conn.close()


# The GRANT statements of a SELECT-only account, by engine (also in the README).
GRANTS = {
    "postgresql": """\
CREATE ROLE drafter_report LOGIN PASSWORD '（密码）';
GRANT CONNECT ON DATABASE {database} TO drafter_report;
GRANT USAGE ON SCHEMA public TO drafter_report;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO drafter_report;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO drafter_report;
ALTER ROLE drafter_report SET default_transaction_read_only = on;""",
    "mysql": """\
CREATE USER 'drafter_report'@'%' IDENTIFIED BY '（密码）';
GRANT SELECT ON {database}.* TO 'drafter_report'@'%';""",
    "sqlite": """\
chmod a-w {database}    # 或：把文件复制一份给 drafter 读，业务系统写原文件""",
}
# Roles whose members can signal other sessions, read or write server files, run programs on
# the server, or write any table (PostgreSQL 14+).
_PG_ROLES = (
    "pg_signal_backend",
    "pg_read_server_files",
    "pg_write_server_files",
    "pg_execute_server_program",
    "pg_write_all_data",
    "pg_maintain",
    "pg_checkpoint",
    "pg_create_subscription",
)
_PG_ACCOUNT = f"""
SELECT r.rolsuper, r.rolbypassrls, r.rolreplication, r.rolcreaterole, r.rolcreatedb,
  ARRAY(SELECT g.rolname::text FROM pg_roles g WHERE g.rolname IN ({", ".join(f"'{n}'" for n in _PG_ROLES)})
        AND pg_has_role(r.oid, g.oid, 'MEMBER') ORDER BY 1),
  has_database_privilege(current_database(), 'CREATE'),
  ARRAY(SELECT (n.nspname || '.' || c.relname)::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
        AND left(n.nspname, 8) <> 'pg_toast' AND (has_table_privilege(c.oid, 'INSERT')
        OR has_table_privilege(c.oid, 'UPDATE') OR has_table_privilege(c.oid, 'DELETE')
        OR has_table_privilege(c.oid, 'TRUNCATE')) ORDER BY 1 LIMIT 6),
  ARRAY(SELECT (n.nspname || '.' || c.relname)::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind = 'S' AND n.nspname NOT IN ('pg_catalog', 'information_schema')
        AND CASE WHEN c.relkind = 'S' THEN has_sequence_privilege(c.oid, 'UPDATE') ELSE false END
        ORDER BY 1 LIMIT 3),
  ARRAY(SELECT nspname::text FROM pg_namespace WHERE nspname NOT IN ('pg_catalog', 'information_schema')
        AND left(nspname, 3) <> 'pg_' AND has_schema_privilege(oid, 'CREATE') ORDER BY 1 LIMIT 3)
FROM pg_roles r WHERE r.rolname = current_user"""


def _postgresql_privileges(conn: Connection) -> list[str]:
    row = conn.exec_driver_sql(_PG_ACCOUNT).first()
    if row is None:
        return ["无法在 pg_roles 中找到当前账号"]
    found = [
        label
        for flag, label in zip(
            row[:5],
            ("超级用户（SUPERUSER）", "绕过行级安全（BYPASSRLS）", "复制权限（REPLICATION）", "CREATEROLE", "CREATEDB"),
        )
        if flag
    ]
    found += [f"角色 {role} 的成员" for role in row[5]]
    if row[6]:
        found.append("在本库建模式（CREATE）")
    found += [f"写表 {t}（INSERT/UPDATE/DELETE/TRUNCATE）" for t in row[7]]
    found += [f"改序列 {q}（UPDATE）" for q in row[8]]
    found += [f"在模式 {n} 中建对象（CREATE）" for n in row[9]]
    return found


# MySQL/MariaDB privileges a report account may hold; any other is a privilege to refuse.
_MYSQL_HARMLESS = frozenset({"SELECT", "SHOW VIEW", "USAGE"})


def _mysql_privileges(conn: Connection, who: str = "CURRENT_USER()", depth: int = 0) -> list[str]:
    found: list[str] = []
    for (grant,) in conn.exec_driver_sql(f"SHOW GRANTS FOR {who}").fetchall():
        text_ = str(grant)
        head, _, rest = text_.partition(" TO ")
        match = re.match(r"GRANT\s+(.*?)\s+ON\s+(.*)$", head, re.IGNORECASE | re.DOTALL)
        if match is None:  # GRANT role TO user: the role's privileges are the account's too
            roles = re.findall(r"`([^`]+)`", head)
            if depth < 3:
                for role in roles:
                    found += _mysql_privileges(conn, f"`{role}`", depth + 1)
            continue
        names = [re.sub(r"\s*\(.*\)", "", p).strip().upper() for p in re.split(r",(?![^()]*\))", match.group(1))]
        found += [f"{p}（{match.group(2).strip()}）" for p in names if p not in _MYSQL_HARMLESS]
        if "WITH GRANT OPTION" in rest.upper():
            found.append(f"GRANT OPTION（{match.group(2).strip()}）")
    return list(dict.fromkeys(found))


def account_privileges(conn: Connection) -> list[str] | None:
    """What the account of `conn` may do beyond reading: PostgreSQL superuser, BYPASSRLS,
    membership in the roles that reach server files, programs or other sessions, or any
    write or CREATE privilege; MySQL/MariaDB any privilege but SELECT and SHOW VIEW (FILE,
    PROCESS, SUPER, writes …). Empty: a SELECT-only account. None: an engine without accounts
    (SQLite, a spreadsheet) or one drafter does not know how to ask."""
    backend = conn.engine.url.get_backend_name()
    try:
        if backend == "postgresql":
            return _postgresql_privileges(conn)
        if backend in ("mysql", "mariadb"):
            return _mysql_privileges(conn)
    finally:
        if conn.in_transaction():
            conn.rollback()
    return None


def grants_for(conn: Connection, settings: SourceSettings) -> str:
    """The GRANT statements of a SELECT-only account for the engine of `conn`."""
    backend = conn.engine.url.get_backend_name()
    key = "postgresql" if backend == "postgresql" else "mysql" if backend in ("mysql", "mariadb") else "sqlite"
    try:
        database = make_url(settings.url).database or "库名"
    except ArgumentError:
        database = "库名"
    return GRANTS[key].format(database=database)


class PrivilegedAccount(SourceError):
    """A source's account can do more than read: the build stops (an input to correct)."""

    exit_code = 2


def check_account(name: str, conn: Connection, settings: SourceSettings) -> str | None:
    """Refuse (SourceError) an account that can do more than read, unless the source says
    `allow_privileged: true`; then the warning to give on every run. None: nothing to say."""
    try:
        privileges = account_privileges(conn)
    except SQLAlchemyError as exc:
        orig = getattr(exc, "orig", None) or exc
        raise SourceError(
            f"数据源“{name}”已连上，但无法查明该账号的权限，为安全起见不执行任何查询",
            cause=scrub(str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__, settings.url),
            hint="请数据库管理员确认该账号可以读取系统视图（pg_roles，或 SHOW GRANTS）。",
        ) from exc
    if not privileges:
        return None
    shown = "、".join(privileges[:6]) + ("等" if len(privileges) > 6 else "")
    if settings.allow_privileged:
        return (
            f"数据源“{name}”的账号不只是只读（{shown}），因 config.yaml 中 allow_privileged: true 仍然使用；"
            "请尽快换成只有 SELECT 权限的账号。"
        )
    grants = "\n".join(f"    {line}" for line in grants_for(conn, settings).splitlines())
    raise PrivilegedAccount(
        f"数据源“{name}”的账号权限过大（{shown}），为安全起见不执行任何查询",
        hint="请数据库管理员为 drafter 建一个只有 SELECT 权限的账号，例如：\n"
        + grants
        + f"\n确需沿用此账号时，在 config.yaml 的 sources.{name} 下写 allow_privileged: true（每次生成都会警告）。",
    )


def account_warning(conn: Connection) -> str | None:
    """The warning `connect` found for the account of `conn` (allow_privileged: true)."""
    return conn.info.get("drafter.account_warning")


@contextmanager
def run_readonly(
    conn: Connection, sql: str, params: dict, *, deadline: float, clock: Callable[[], float]
) -> Iterator[CursorResult]:
    """Run one query as drafter runs every query: in a transaction of its own, rolled back
    afterwards (nothing a query changed in the session outlives it), on PostgreSQL through the
    extended protocol (open_engine), on SQLite under an authorizer that permits reading and the
    allow-listed functions only and a progress handler that stops it at `deadline`. The result
    is read inside the `with`."""
    if conn.in_transaction():
        conn.rollback()
    dbapi = conn.connection.dbapi_connection if conn.dialect.name == "sqlite" else None
    raw = dbapi if isinstance(dbapi, sqlite3.Connection) else None
    if raw is not None:
        allow = allowed_functions(conn)
        raw.set_authorizer(lambda action, arg1, arg2, _db, _source: _sqlite_authorize(action, arg2, allow))
        raw.set_progress_handler(lambda: 1 if clock() > deadline else 0, 1_000)
    try:
        yield conn.execute(text(sql), params)
    finally:
        try:
            if conn.in_transaction():
                conn.rollback()
        finally:
            if raw is not None:
                raw.set_authorizer(None)
                raw.set_progress_handler(None, 0)


def allowed_functions(conn: Connection) -> frozenset[str]:
    """The functions the source of `conn` allows beyond drafter's list (`allow_functions:`)."""
    info = getattr(conn, "info", None) or {}
    return frozenset(name.lower() for name in info.get("drafter.allow_functions", ()))


# What an SQLite query may do: read tables (and recurse in a WITH RECURSIVE), and call functions
# of SQLite's allow-list; SQLite names the operators LIKE, GLOB and -> / ->> as functions.
_SQLITE_READS = {sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, getattr(sqlite3, "SQLITE_RECURSIVE", 33)}
_SQLITE_OPERATORS = frozenset({"like", "glob", "->", "->>", "regexp", "match"})


def _sqlite_authorize(action: int, function: str | None, allow: frozenset[str]) -> int:
    if action in _SQLITE_READS:
        return sqlite3.SQLITE_OK
    if action == sqlite3.SQLITE_FUNCTION and function is not None:
        name = function.lower()
        if allowed(name, "sqlite") or name in _SQLITE_OPERATORS or (name in allow and not denied(name)):
            return sqlite3.SQLITE_OK
    return sqlite3.SQLITE_DENY
