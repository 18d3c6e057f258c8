"""`drafter sources`: what each configured source really is, as drafter connects to it.

For every source: the URL (password masked), the engine and its version, whether the
session drafter opens is read-only, the statement time limit in force, and whether the
account could write or is a superuser — then a warning with the GRANT statements of a
SELECT-only account for that engine. drafter's own read-only session and SQL guard are the
first two lines of defence; an account that cannot write is the third, and the one that
does not depend on drafter.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import SQLAlchemyError

from drafter.data.spreadsheets import is_spreadsheet, load_tables
from drafter.errors import DrafterError, SourceError
from drafter.masking import masked_url
from drafter.project.config import Config, SourceSettings, load_config

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
_WRITE_GRANTS = re.compile(
    r"\b(ALL PRIVILEGES|INSERT|UPDATE|DELETE|CREATE|DROP|ALTER|INDEX|FILE|SUPER|GRANT OPTION|EVENT|TRIGGER|"
    r"EXECUTE|CREATE ROUTINE|ALTER ROUTINE|LOCK TABLES|SHUTDOWN|PROCESS|RELOAD|CREATE USER)\b",
    re.IGNORECASE,
)


@dataclass
class SourceReport:
    """One source as drafter finds it."""

    name: str
    url: str  # masked
    description: str = ""
    engine: str | None = None
    version: str | None = None
    read_only: bool | None = None  # the session drafter opens
    time_limit: str | None = None
    can_write: bool | None = None  # the account, whatever drafter's session
    superuser: bool | None = None
    write_privileges: list[str] = field(default_factory=list)
    error: DrafterError | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.error is None and not self.warnings


def inspect_sources(
    config: str | Path | Config = "config.yaml", *, sources: dict[str, str] | None = None
) -> list[SourceReport]:
    """Connect to every configured source as a build does, and report what it is."""
    from drafter.data.sources import connect, open_engine

    if not isinstance(config, Config):
        config = load_config(config, sources=sources)
    reports = []
    for name, settings in config.sources.items():
        report = SourceReport(name, masked_url(settings.url), settings.description or "")
        if is_spreadsheet(settings.url):
            reports.append(_spreadsheet(settings, report))
            continue
        try:
            engine = open_engine(name, settings)
        except SourceError as exc:
            report.error = exc
            reports.append(report)
            continue
        try:
            with connect(name, engine, settings) as conn:
                _inspect(conn, settings, report)
        except SourceError as exc:
            report.error = exc
        except SQLAlchemyError as exc:
            orig = getattr(exc, "orig", None) or exc
            report.error = SourceError(
                f"数据源“{name}”已连上，但查询其设置时出错",
                cause=str(orig).splitlines()[0],
                hint="该账号可能无权读取系统视图；请数据库管理员核对其权限。",
            )
        finally:
            engine.dispose()
        reports.append(report)
    return reports


def _spreadsheet(settings: SourceSettings, report: SourceReport) -> SourceReport:
    """A workbook or CSV folder: no server and no account; drafter reads the file into an
    in-memory copy, so the file itself is never written."""
    path = Path(settings.url)
    report.engine = "CSV 文件夹" if path.is_dir() else ("CSV 文件" if path.suffix.lower() == ".csv" else "Excel 工作簿")
    try:
        tables, _ = load_tables(path)
    except SourceError as exc:
        report.error = exc
        return report
    report.version = (
        "、".join(t.name for t in tables[:8]) + ("等" if len(tables) > 8 else "") + f"（{len(tables)} 张表）"
    )
    report.read_only = True
    report.can_write = False
    report.superuser = False
    report.time_limit = f"{settings.timeout:g} 秒"
    return report


def _inspect(conn: Connection, settings: SourceSettings, report: SourceReport) -> None:
    backend = conn.engine.url.get_backend_name()
    database = make_url(settings.url).database or "库名"
    if backend == "postgresql":
        _postgresql(conn, report)
        grants = GRANTS["postgresql"].format(database=database)
    elif backend in ("mysql", "mariadb"):
        _mysql(conn, report)
        grants = GRANTS["mysql"].format(database=database)
    elif backend == "sqlite":
        _sqlite(conn, settings, report)
        grants = GRANTS["sqlite"].format(database=database)
    else:
        report.engine = conn.dialect.name
        info = conn.dialect.server_version_info
        report.version = ".".join(map(str, info)) if info else None
        report.warnings.append(
            "drafter 不为这种数据库设置只读会话和时限：请务必使用只有 SELECT 权限的账号，并在数据库侧限制查询时长。"
        )
        return
    problems = []
    if report.read_only is False:
        problems.append("drafter 的会话不是只读的")
    if report.superuser:
        problems.append("该账号是超级用户（可以改任何数据、关掉只读、读写服务器上的文件）")
    elif report.can_write:
        shown = "、".join(report.write_privileges[:6]) + ("等" if len(report.write_privileges) > 6 else "")
        problems.append(f"该账号有写入权限（{shown}）")
    if problems:
        report.warnings.append(
            "；".join(problems) + "。drafter 自己只读，但业务库请给它一个只有 SELECT 权限的账号，"
            "例如（由数据库管理员执行）：\n" + "\n".join(f"    {line}" for line in grants.splitlines())
        )


def _postgresql(conn: Connection, report: SourceReport) -> None:
    report.engine = "PostgreSQL"
    report.version = str(conn.exec_driver_sql("SHOW server_version").scalar())
    report.read_only = conn.exec_driver_sql("SHOW transaction_read_only").scalar() == "on"
    report.time_limit = f"statement_timeout = {conn.exec_driver_sql('SHOW statement_timeout').scalar()}"
    row = conn.exec_driver_sql(
        "SELECT rolsuper, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = current_user"
    ).first()
    report.superuser = bool(row and row[0])
    privileges = []
    if row and row[1]:
        privileges.append("CREATEROLE")
    if row and row[2]:
        privileges.append("CREATEDB")
    if conn.exec_driver_sql("SELECT has_database_privilege(current_database(), 'CREATE')").scalar():
        privileges.append("在本库建模式（CREATE）")
    tables = (
        conn.exec_driver_sql(
            "SELECT n.nspname || '.' || c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind IN ('r', 'p', 'v', 'm') AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
            "AND left(n.nspname, 8) <> 'pg_toast' AND (has_table_privilege(c.oid, 'INSERT') "
            "OR has_table_privilege(c.oid, 'UPDATE') OR has_table_privilege(c.oid, 'DELETE') "
            "OR has_table_privilege(c.oid, 'TRUNCATE')) ORDER BY 1 LIMIT 6"
        )
        .scalars()
        .all()
    )
    privileges += [f"写表 {t}" for t in tables]
    schemas = (
        conn.exec_driver_sql(
            "SELECT nspname FROM pg_namespace WHERE nspname NOT IN ('pg_catalog', 'information_schema') "
            "AND left(nspname, 3) <> 'pg_' AND has_schema_privilege(oid, 'CREATE') ORDER BY 1 LIMIT 3"
        )
        .scalars()
        .all()
    )
    privileges += [f"在模式 {s} 中建表" for s in schemas]
    report.write_privileges = privileges
    report.can_write = bool(privileges) or report.superuser


def _mysql(conn: Connection, report: SourceReport) -> None:
    version = str(conn.exec_driver_sql("SELECT VERSION()").scalar())
    mariadb = "mariadb" in version.lower()
    report.engine = "MariaDB" if mariadb else "MySQL"
    report.version = version
    read_only = None
    for variable in ("@@session.transaction_read_only", "@@session.tx_read_only"):
        try:
            read_only = conn.exec_driver_sql(f"SELECT {variable}").scalar()
            break
        except SQLAlchemyError:
            conn.rollback()
    report.read_only = bool(int(read_only)) if read_only is not None else None
    if mariadb:
        report.time_limit = f"max_statement_time = {conn.exec_driver_sql('SELECT @@max_statement_time').scalar()} 秒"
    else:
        report.time_limit = f"max_execution_time = {conn.exec_driver_sql('SELECT @@max_execution_time').scalar()} 毫秒"
    grants = [str(r[0]) for r in conn.exec_driver_sql("SHOW GRANTS FOR CURRENT_USER()").fetchall()]
    privileges: list[str] = []
    for grant in grants:
        head = grant.split(" TO ", 1)[0]
        if head.upper().startswith("GRANT USAGE ON") and "GRANT OPTION" not in grant.upper():
            continue
        found = [m.group(1).upper() for m in _WRITE_GRANTS.finditer(head)]
        if "WITH GRANT OPTION" in grant.upper():
            found.append("GRANT OPTION")
        on = re.search(r"\bON\s+(\S+)", head)
        privileges += [f"{p}（{on.group(1) if on else ''}）" for p in dict.fromkeys(found)]
    report.write_privileges = list(dict.fromkeys(privileges))
    report.superuser = any(("ALL PRIVILEGES" in p or p.startswith("SUPER")) and "*.*" in p for p in privileges)
    report.can_write = bool(privileges)


def _sqlite(conn: Connection, settings: SourceSettings, report: SourceReport) -> None:
    report.engine = "SQLite"
    report.version = str(conn.exec_driver_sql("SELECT sqlite_version()").scalar())
    opened = str(conn.engine.url.database or "")
    report.read_only = "mode=ro" in str(conn.engine.url) and bool(conn.exec_driver_sql("PRAGMA query_only").scalar())
    report.time_limit = f"进度回调，{settings.timeout:g} 秒"
    report.superuser = False
    report.can_write = not report.read_only
    path = make_url(settings.url).database
    if path and opened and os.access(path, os.W_OK):
        report.write_privileges = []  # the file is writable by this account, but opened read-only


def render_reports(reports: list[SourceReport]) -> str:
    """The reports as text for the terminal."""

    def yes(value: bool | None, true: str, false: str) -> str:
        return "未知" if value is None else true if value else false

    blocks = []
    for r in reports:
        title = f"{r.name}" + (f"（{r.description}）" if r.description else "")
        lines = [title, f"  URL：{r.url}"]
        if r.error is not None:
            lines.append("  " + r.error.render().replace("\n", "\n  "))
            blocks.append("\n".join(lines))
            continue
        lines += [
            f"  数据库：{r.engine or '未知'} {r.version or ''}".rstrip(),
            f"  会话只读：{yes(r.read_only, '是', '否')}",
            f"  查询时限：{r.time_limit or 'drafter 未设置'}",
            f"  账号可写：{yes(r.can_write, '是', '否')}"
            + (f"（{'、'.join(r.write_privileges[:6])}）" if r.write_privileges else ""),
            f"  超级用户：{yes(r.superuser, '是', '否')}",
        ]
        lines += [f"  警告：{w}" for w in r.warnings]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)
