"""`drafter sources`: what each configured source really is, as drafter connects to it.

For every source: the URL (password masked), the engine and its version, whether the
session drafter opens is read-only, the statement time limit in force, and whether the
account can do more than read (the same facts a build checks before its first query,
sources.check_account) — then a warning with the GRANT statements of a
SELECT-only account for that engine. drafter's own read-only session and SQL guard are the
first two lines of defence; an account that cannot write is the third, and the one that
does not depend on drafter.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import SQLAlchemyError

from drafter.data.sources import account_privileges, connect, grants_for, open_engine
from drafter.data.spreadsheets import is_spreadsheet, load_tables
from drafter.errors import DrafterError, SourceError
from drafter.masking import masked_url
from drafter.project.config import Config, SourceSettings, load_config


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
    file: bool = False  # a workbook or CSV: no server, no account, the file only read
    error: DrafterError | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.error is None and not self.warnings


def inspect_sources(
    config: str | Path | Config = "config.yaml", *, sources: dict[str, str] | None = None
) -> list[SourceReport]:
    """Connect to every configured source as a build does, and report what it is."""
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
            with connect(name, engine, settings, check=False) as conn:
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
    report.file = True
    report.read_only = True
    report.can_write = False
    report.superuser = False
    report.time_limit = f"{settings.timeout:g} 秒"
    return report


def _inspect(conn: Connection, settings: SourceSettings, report: SourceReport) -> None:
    backend = conn.engine.url.get_backend_name()
    if backend == "postgresql":
        _postgresql(conn, report)
    elif backend in ("mysql", "mariadb"):
        _mysql(conn, report)
    elif backend == "sqlite":
        _sqlite(conn, settings, report)
    else:
        report.engine = conn.dialect.name
        info = conn.dialect.server_version_info
        report.version = ".".join(map(str, info)) if info else None
        report.warnings.append(
            "drafter 不为这种数据库设置只读会话和时限：请务必使用只有 SELECT 权限的账号，并在数据库侧限制查询时长。"
        )
        return
    if settings.allow_functions:
        report.warnings.append(
            "config.yaml 允许该数据源的查询调用清单外的函数（allow_functions）："
            + "、".join(settings.allow_functions)
            + "。请确认它们只读取数据。"
        )
    privileges = account_privileges(conn)
    if privileges is not None:
        report.write_privileges = privileges
        report.can_write = bool(privileges)
        report.superuser = any("SUPERUSER" in p or p.startswith(("SUPER（", "ALL PRIVILEGES（*.*")) for p in privileges)
    problems = []
    if report.read_only is False:
        problems.append("drafter 的会话不是只读的")
    if privileges:
        shown = "、".join(privileges[:6]) + ("等" if len(privileges) > 6 else "")
        verdict = (
            "config.yaml 中 allow_privileged: true，drafter 仍会使用它并每次警告"
            if settings.allow_privileged
            else "drafter build 会拒绝使用它"
        )
        who = "该账号是超级用户，权限过大" if report.superuser else "该账号权限过大"
        problems.append(f"{who}（{shown}），{verdict}")
    elif report.can_write:
        problems.append("该账号可以写入")
    if problems:
        report.warnings.append(
            "；".join(problems) + "。业务库请给 drafter 一个只有 SELECT 权限的账号，"
            "例如（由数据库管理员执行）：\n"
            + "\n".join(f"    {line}" for line in grants_for(conn, settings).splitlines())
        )


def _postgresql(conn: Connection, report: SourceReport) -> None:
    report.engine = "PostgreSQL"
    report.version = str(conn.exec_driver_sql("SHOW server_version").scalar())
    report.read_only = conn.exec_driver_sql("SHOW transaction_read_only").scalar() == "on"
    report.time_limit = f"statement_timeout = {conn.exec_driver_sql('SHOW statement_timeout').scalar()}"


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
        if r.file:  # no account to tell of: the file is read into an in-memory copy
            lines += [
                f"  文件：{r.engine} {r.version or ''}".rstrip(),
                "  读取方式：只读（读入内存中的副本后查询，文件本身从不写入）",
                f"  查询时限：{r.time_limit or 'drafter 未设置'}",
            ]
            lines += [f"  警告：{w}" for w in r.warnings]
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
