"""Run the queries: bound parameters, one connection a source, sources in parallel.

Each query gives a `QueryResult` (its figures plus what ran) or a `QueryFailure`
(the error, kept so that a non-strict build can print placeholders and list
them, while a strict build stops at the first).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from drafter.data.figures import Figure, Provenance, Row, json_value
from drafter.data.sources import (
    PrivilegedAccount,
    account_warning,
    allowed_functions,
    connect,
    open_engine,
    run_readonly,
    sqlite_file_problem,
)
from drafter.data.spreadsheets import engine_hash, missing_table_error
from drafter.errors import DataError, DrafterError, QueryError, QueryTimeout, SourceError
from drafter.project.config import Config
from drafter.project.grouping import UNIT_PARAM, NotGroupable, group_sql
from drafter.project.period import Period, query_parameters
from drafter.project.queries import QuerySpec, sql_fingerprint, sql_parameters, undefined_parameter, variant_dialect
from drafter.project.sql import ParsedSQL, check_select, text_for_sqlalchemy
from drafter.project.units import match_unit_keys, unmatched_prefix, warns_of


def build_parameters(config: Config, period: Period | None = None) -> dict[str, Any]:
    """The bound parameters every query may use (`period.query_parameters`); `period` defaults to
    the configuration's."""
    return query_parameters(period or config.period, config.parameters)


@dataclass
class QueryResult:
    spec: QuerySpec
    source: str
    sql: str
    sql_file: Path
    sql_hash: str
    params: dict[str, Any]
    columns: list[str]
    value: Any  # Figure | Row | list[Row]
    elapsed: float
    ok: Literal[True] = True  # `if result.ok` tells a result from a failure
    source_hash: str | None = None  # SHA-256 of a spreadsheet source's file(s), as read
    key: str = ""  # `q`, or `prev.q` / `last.q` for a comparison run (drafter/data/comparisons.py)
    period: Period | None = None  # the period the parameters are of, for a comparison run

    @property
    def name(self) -> str:
        return self.key or self.spec.name

    @property
    def compare(self) -> str | None:
        """`prev` or `last` for a comparison run, else None."""
        return self.key.split(".", 1)[0] if self.key and self.key != self.spec.name else None

    def figures(self) -> list[Figure]:
        if isinstance(self.value, Figure):
            return [self.value]
        if isinstance(self.value, Row):
            return self.value.figures()
        return [f for row in self.value for f in row.figures()]

    def json_params(self) -> dict[str, Any]:
        return {k: json_value(v) for k, v in self.params.items()}


# How `QueryFailure.describe` begins a failure of the source itself (查询 q 失败（单位：X）：…):
# what follows is the source's own words, the same for every query and unit it failed.
FAILED_AT_SOURCE = re.compile(r"^查询 \S+ 失败(?:（单位：[^）]*）)?：")


@dataclass
class QueryFailure:
    spec: QuerySpec
    error: DrafterError
    ok: Literal[False] = False
    key: str = ""

    @property
    def name(self) -> str:
        return self.key or self.spec.name

    @property
    def compare(self) -> str | None:
        return self.key.split(".", 1)[0] if self.key and self.key != self.spec.name else None

    def describe(self, unit: str | None = None) -> str:
        """`查询 q 执行出错（单位：X）（原因：…）`: what failed, for which unit (a query that uses
        :unit) and the database's reason, in one line as build tells it; check and refresh say
        it beside each figure the failure leaves unchecked."""
        message = self.error.message
        named = "" if not unit or not self.spec.uses_unit or "（单位：" in message else f"（单位：{unit}）"
        if message.startswith(f"查询 {self.spec.name}"):
            message += named
        else:  # a source's fault names no query
            message = f"查询 {self.name} 失败{named}：{message}"
        cause = (self.error.cause or "").strip().splitlines()
        if cause:
            message += f"（原因：{cause[0] if len(cause[0]) <= 160 else cause[0][:160] + '…'}）"
        return message


@dataclass
class RunResult:
    results: dict[str, QueryResult | QueryFailure] = field(default_factory=dict)
    elapsed: float = 0.0
    params: dict[str, Any] | None = None  # the report period's parameters the queries ran with
    # The consistency rules' SQL data tests (drafter/review/rules.py), run with the queries and kept
    # apart from them: no template sees them, no manifest records them.
    rule_tests: dict[str, QueryResult | QueryFailure] = field(default_factory=dict)
    # Grouped jobs (`-- per:` queries run once for all units): job key → unit name → result.
    by_unit: dict[str, dict[str, QueryResult | QueryFailure]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)  # a privileged account allowed; rows no unit received
    # Of `warnings`, those of grouped jobs' rows whose unit key matches no unit (or is NULL):
    # `--strict` refuses a batch with any (drafter/pipeline/build.py).
    unmatched_keys: list[str] = field(default_factory=list)

    @property
    def failures(self) -> list[QueryFailure]:
        return [r for r in self.results.values() if not r.ok]

    @property
    def current(self) -> dict[str, QueryResult | QueryFailure]:
        """The results of the report's own period (no comparison runs), by query name."""
        return {k: r for k, r in self.results.items() if r.compare is None}


def _bind(spec: QuerySpec, parsed: ParsedSQL, sql_file: Path, params: dict[str, Any], dialect: str) -> dict[str, Any]:
    """The parameters the SQL that runs (the query's file or its dialect variant) uses, in
    the form its driver takes."""
    bound = {}
    for name in parsed.parameters:
        if name not in params:  # validation refuses this before any query runs; params can still differ
            raise undefined_parameter(spec.name, name, sql_file, parsed.sql, 1, list(params))
        value = params[name]
        if dialect == "sqlite" and isinstance(value, (dt.date, dt.datetime)):
            value = value.isoformat()  # SQLite keeps dates as ISO text
        bound[name] = value
    return bound


def _shape(
    spec: QuerySpec,
    source: str,
    columns: list[str],
    rows: list[tuple],
    sql_file: Path,
    key: str | None = None,
    description: str | None = None,
) -> Any:
    """Turn raw rows into the Figure / Row / list[Row] that `returns:` promises; figures are
    named `key` (`prev.q` for a comparison run) instead of the query's name when given."""
    name = key or spec.name
    description = spec.description if description is None else description

    def row_of(values: tuple, index: int | None) -> Row:
        figs = {
            col: Figure.from_column(v, Provenance(name, source, col, index), description)
            for col, v in zip(columns, values)
        }
        return Row(name, figs, description)

    if spec.returns == "rows":
        return [row_of(r, i) for i, r in enumerate(rows)]
    if len(rows) == 0:
        # Missing data (nothing recorded for the year yet), like a NULL: not an error in the SQL.
        raise DataError(
            f"查询 {spec.name} 没有返回任何行",
            path=sql_file,
            hint="returns: row/scalar 的查询应正好返回一行；检查数据和 WHERE 条件，或用聚合函数（COUNT/SUM）保证有一行。",
        )
    if len(rows) > 1:
        raise QueryError(
            f"查询 {spec.name} 返回了 {len(rows)} 行，但文件头写的是 returns: {spec.returns}",
            path=sql_file,
            hint="改为 returns: rows，或让查询只返回一行。",
        )
    if spec.returns == "scalar":
        if len(columns) != 1:
            raise QueryError(
                f"查询 {spec.name} 返回了 {len(columns)} 列（{'、'.join(columns)}），但文件头写的是 returns: scalar",
                path=sql_file,
                hint="scalar 查询只能返回一列；多列请改为 returns: row。",
            )
        return Figure.from_column(rows[0][0], Provenance(name, source, columns[0]), description)
    return row_of(rows[0], None)


# Server errors that mean "stopped by the statement time limit" (PostgreSQL's SQLSTATE 57014 is
# also a cancel by hand, so its message is checked instead).
_TIMEOUT_CODES = {1969, 3024}  # MariaDB max_statement_time, MySQL max_execution_time
_TIMEOUT_WORDS = ("statement timeout", "max_statement_time", "maximum statement execution time", "max_execution_time")


def _is_timeout(orig: BaseException | None, cause: str, dialect: str, deadline_passed: bool) -> bool:
    if dialect == "sqlite":  # the progress handler's interrupt
        return deadline_passed and "interrupted" in cause.lower()
    args = getattr(orig, "args", ())
    if args and isinstance(args[0], int) and args[0] in _TIMEOUT_CODES:
        return True
    if dialect in ("mysql", "mariadb") and deadline_passed and args and args[0] == 2013:
        return True  # PyMySQL's read timeout (sources.py), the net under a server that did not stop it
    return any(word in cause.lower() for word in _TIMEOUT_WORDS)


def _timed_out(spec: QuerySpec, source: str, sql_file: Path, timeout: float, cause: str | None) -> QueryTimeout:
    return QueryTimeout(
        f"查询 {spec.name}（数据源“{source}”）超过时限 {timeout:g} 秒，已被中止",
        path=sql_file,
        cause=cause,
        hint=f"优化查询（加索引、缩小范围），或在 config.yaml 中调大 sources.{source}.timeout（秒）。",
    )


def _database_error(
    spec: QuerySpec,
    source: str,
    sql_file: Path,
    exc: SQLAlchemyError,
    timeout: float,
    dialect: str,
    deadline_passed: bool,
) -> DrafterError:
    orig = getattr(exc, "orig", None)
    cause = str(orig if orig is not None else exc).strip()
    if _is_timeout(orig, cause, dialect, deadline_passed):
        return _timed_out(spec, source, sql_file, timeout, cause.splitlines()[0] if cause else None)
    if dialect == "sqlite":  # the file, not the SQL: corrupt or locked
        problem = sqlite_file_problem(source, None, cause.splitlines()[0] if cause else "")
        if problem is not None:
            return problem
    return QueryError(
        f"查询 {spec.name} 执行出错",
        path=sql_file,
        cause=cause,
        hint="按数据库给出的原因修改该文件中的 SQL；可把 SQL 复制到数据库客户端中试运行（:year 等参数换成具体值）。",
    )


# MySQL/MariaDB warnings that mean a result was cut short (the statement succeeds all the same).
_CUT_SHORT = {
    1931: "MariaDB 的递归 CTE 缺省最多迭代 1000 次（max_recursive_iterations），超出部分被静默丢弃："
    "改写查询以减少递归层数，或请数据库管理员调大该参数。",
    1260: "GROUP_CONCAT 的结果超过 group_concat_max_len 被截断：改用 COUNT 等聚合，或请数据库管理员调大该参数。",
    1317: "查询被中断，结果不完整：重新生成；反复出现请联系数据库管理员。",
}


def _cut_short(conn: Connection, result) -> tuple[str, str] | None:
    """(the warning, what to do) when MySQL/MariaDB cut the result short with only a warning."""
    if not getattr(result.cursor, "warning_count", 0):  # PyMySQL and mysqlclient count them
        return None
    for level, code, message in conn.exec_driver_sql("SHOW WARNINGS").fetchall():
        if int(code) in _CUT_SHORT:
            return f"{message}（{level} {code}）", _CUT_SHORT[int(code)]
    return None


@dataclass
class Fetched:
    """What one query gave, before its rows are shaped into figures."""

    sql: str
    sql_file: Path
    bound: dict[str, Any]
    columns: list[str]
    rows: list[tuple]
    elapsed: float


def run_query(
    conn: Connection,
    spec: QuerySpec,
    source: str,
    params: dict[str, Any],
    timeout: float,
    clock: Callable[[], float] = time.monotonic,
    job: Job | None = None,
) -> QueryResult:
    got = fetch_rows(conn, spec, source, params, timeout, clock)
    key = job.key if job is not None else ""
    description = job.description if job is not None else None
    value = _shape(spec, source, got.columns, got.rows, got.sql_file, key or None, description)
    return QueryResult(
        spec=spec,
        source=source,
        sql=got.sql,
        sql_file=got.sql_file,
        sql_hash=sql_fingerprint(got.sql),
        params={k: params[k] for k in got.bound},
        columns=got.columns,
        value=value,
        elapsed=got.elapsed,
        source_hash=engine_hash(conn.engine),
        key=key,
        period=job.period if job is not None else None,
    )


def fetch_rows(
    conn: Connection,
    spec: QuerySpec,
    source: str,
    params: dict[str, Any],
    timeout: float,
    clock: Callable[[], float] = time.monotonic,
) -> Fetched:
    """Run `spec` as `run_query` does (checked, read-only, time-limited) and give its rows as the
    driver returns them: a rows query all of them, a row or scalar query two at most."""
    dialect = conn.dialect.name
    backend = conn.engine.url.get_backend_name()
    sql, sql_file = spec.sql_for(backend if backend in spec.variants else dialect)
    portable = sql_file == spec.path
    parsed = check_select(
        sql,
        sql_file,
        spec.sql_line if portable else 1,
        backend if portable else variant_dialect(sql_file),  # as the engine that runs it reads it
        allow=allowed_functions(conn),
    )
    bound = _bind(spec, parsed, sql_file, params, dialect)
    started = clock()
    deadline = started + timeout
    try:
        with run_readonly(conn, text_for_sqlalchemy(sql, backend), bound, deadline=deadline, clock=clock) as result:
            columns = list(result.keys())
            # A row or scalar query needs two rows at most to tell that it returned too many.
            rows = (
                [tuple(r) for r in result.fetchall()]
                if spec.returns == "rows"
                else [tuple(r) for r in result.fetchmany(2)]
            )
            cut = _cut_short(conn, result) if dialect in ("mysql", "mariadb") else None
            result.close()
    except (DBAPIError, SQLAlchemyError) as exc:
        failed_at = clock()
        conn.rollback()
        sheet_error = missing_table_error(conn.engine, spec.name, sql_file, str(getattr(exc, "orig", None) or exc))
        raise sheet_error or _database_error(
            spec, source, sql_file, exc, timeout, dialect, failed_at >= deadline
        ) from exc
    elapsed = clock() - started
    if dialect in ("mysql", "mariadb") and elapsed >= timeout:
        # The server's limit struck, yet no error came: MySQL's SLEEP() interrupted by
        # max_execution_time returns 1 instead of failing, and a result cut short must not
        # be printed as a figure. (MariaDB 10.11 raises error 1969 here; MySQL may not.)
        raise _timed_out(
            spec,
            source,
            sql_file,
            timeout,
            f"语句运行了 {elapsed:.1f} 秒，已到时限；服务器未报错，但结果可能不完整，不予采用",
        )
    if cut:
        raise QueryError(
            f"查询 {spec.name} 的结果不完整（数据库截断了结果，只给出警告），未采用",
            path=sql_file,
            cause=cut[0],
            hint=cut[1],
        )
    return Fetched(sql, sql_file, bound, columns, rows, elapsed)


@dataclass(frozen=True)
class Job:
    """One query to run: the query itself (key = its name) or a comparison run of it
    (key `prev.q`, the parameters of the shifted period)."""

    key: str
    spec: QuerySpec
    params: dict[str, Any] = field(compare=False, hash=False)
    group: str = ""  # jobs of one source and one group share a connection
    period: Period | None = None
    description: str | None = None  # what reviewers see; None: the query's
    units: tuple[str, ...] = ()  # a `-- per:` query run once for these units (run_grouped)
    # Every unit of the project (default: `units`): rows of a unit not drafted in this run are
    # no mistake, rows whose key matches none of these are told (run_grouped).
    known_units: tuple[str, ...] = ()


def _failed(job: Job, exc: DrafterError) -> QueryFailure:
    return QueryFailure(job.spec, exc, key=job.key if job.key != job.spec.name else "")


def _failed_all(job: Job, exc: DrafterError) -> QueryFailure | dict[str, QueryResult | QueryFailure]:
    """What a job gives when its source fails: one failure, or one per unit of a grouped job."""
    return {u: _failed(job, exc) for u in job.units} if job.units else _failed(job, exc)


def _run_job(conn: Connection, job: Job, source: str, timeout: float, notes: list[str] | None = None) -> Any:
    """One job on an open connection: a result or failure, or (grouped job) one per unit; the
    rows of a grouped job that no unit received are told in `notes`."""
    if job.units:
        return run_grouped(conn, job, source, timeout, notes=notes)
    try:
        return run_query(conn, job.spec, source, job.params, timeout, job=job if job.key != job.spec.name else None)
    except DrafterError as exc:
        if job.key != job.spec.name and job.period is not None:
            # This job's own error: say it is the comparison run, over which period.
            exc.message += f"（{job.key}：{job.period.label}）"
        return _failed(job, exc)


def _run_source(
    config: Config,
    source: str,
    jobs: list[Job],
    on_done: Callable[[str], None] | None,
    warnings: list[str] | None = None,
    notes: list[str] | None = None,
) -> dict[str, Any]:
    """The jobs of one source, one after another on one connection; `warnings` gains the
    account's, `notes` the grouped jobs' rows that no unit received."""
    settings = config.sources[source]
    out: dict[str, Any] = {}

    def done(job: Job, result: Any) -> None:
        out[job.key] = result
        if on_done:
            on_done(job.key)

    try:
        engine = open_engine(source, settings)
    except SourceError as exc:
        _at_source(exc, config, source)
        for job in jobs:
            done(job, _failed_all(job, exc))
        return out
    try:
        with connect(source, engine, settings) as conn:
            warning = account_warning(conn)
            if warning and warnings is not None and warning not in warnings:
                warnings.append(warning)
            for job in jobs:
                done(job, _run_job(conn, job, source, settings.timeout, notes))
    except SourceError as exc:
        _at_source(exc, config, source)
        for job in jobs:
            if job.key not in out:
                done(job, _failed_all(job, exc))
    finally:
        engine.dispose()
    return out


def _at_source(exc: SourceError, config: Config, source: str) -> None:
    """A source that cannot be opened is configured in config.yaml: say where."""
    if exc.path is None:
        exc.path = config.path
        exc.line = config.line("sources", source)


def run_queries(
    config: Config,
    specs: dict[str, QuerySpec],
    *,
    params: dict[str, Any] | None = None,
    on_done: Callable[[str], None] | None = None,
    extra: list[Job] | None = None,
    runner: Callable[..., RunResult] | None = None,
) -> RunResult:
    """Run `specs` with `params` (default: the configuration's period), and the `extra` jobs
    (comparison runs, drafter/data/comparisons.py) alongside them. The project is validated
    already (load_project): sources and parameters are known.

    Jobs are grouped by source (and comparison): each group runs its queries one after another
    on one connection; groups run concurrently, at most `config.concurrency` at a time.
    `results` holds the queries in file order, then the extra jobs in their order. `runner`
    stands in for `run_jobs` (a batch check answers a job it has seen from its cache).
    The project is validated already (load_project): sources and parameters are known.
    """
    params = build_parameters(config) if params is None else params
    jobs = [Job(spec.name, spec, params) for spec in specs.values()] + list(extra or [])
    run = (runner or run_jobs)(config, jobs, on_done=on_done)
    run.params = params
    return run


def job_groups(jobs: list[Job], concurrency: int) -> dict[tuple[str, str], list[Job]]:
    """The jobs by connection: those of one source and group share one. Grouped jobs (each one
    long query for all units) are dealt out in turn to as many connections of their source as
    may run at once, rather than a connection each: each connection is set up and its account
    checked before its first query."""
    groups: dict[tuple[str, str], list[Job]] = {}
    lanes: dict[str, int] = {}
    for job in jobs:
        if job.units:
            lane = lanes[job.spec.source] = lanes.get(job.spec.source, -1) + 1
            key = (job.spec.source, f"\0grouped {lane % max(1, concurrency)}")
        else:
            key = (job.spec.source, job.group)
        groups.setdefault(key, []).append(job)
    return groups


def run_jobs(config: Config, jobs: list[Job], *, on_done: Callable[[str], None] | None = None) -> RunResult:
    """Run `jobs` (see run_queries); results keyed by job key, in the order of `jobs`."""
    groups = job_groups(jobs, config.concurrency)
    started = time.monotonic()
    run = RunResult()
    collected: dict[str, Any] = {}  # a grouped job gives one result per unit
    if groups:
        workers = max(1, min(config.concurrency, len(groups)))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="drafter-source") as pool:
            futures = [
                pool.submit(_run_source, config, source, group, on_done, run.warnings, run.unmatched_keys)
                for (source, _), group in groups.items()
            ]
            for future in futures:
                collected.update(future.result())
    outcomes = [r for v in collected.values() for r in (v.values() if isinstance(v, dict) else [v])]
    privileged = next(
        (r.error for r in outcomes if isinstance(r, QueryFailure) and isinstance(r.error, PrivilegedAccount)),
        None,
    )
    if privileged is not None:  # one message, no draft of placeholders: the account is to be changed
        raise privileged
    # Keep the order of the jobs, whatever order the sources finished in.
    run.results = {job.key: collected[job.key] for job in jobs if not job.units}
    run.by_unit = {job.key: collected[job.key] for job in jobs if job.units}
    # Told in the order of the jobs, whichever connection finished first: the same every run.
    place = {job.key: n for n, job in enumerate(jobs)}
    run.unmatched_keys.sort(key=lambda w: next((n for key, n in place.items() if warns_of(w, key)), len(place)))
    run.warnings += [w for w in run.unmatched_keys if w not in run.warnings]
    run.elapsed = time.monotonic() - started
    return run


# -- grouped queries (`-- per:`, drafter/project/grouping.py) ---------------------------------


def _grouped_rows(conn: Connection, job: Job, sql: str, sql_file: Path, source: str, timeout: float) -> Any:
    """Columns, rows and seconds of the rewritten SQL (the unit column last)."""
    spec = job.spec
    derived = dataclasses.replace(
        spec,
        sql=sql,
        variants={},
        returns="rows",
        path=sql_file,
        sql_line=spec.sql_line if sql_file == spec.path else 1,
        per=None,
    )
    others = {k: v for k, v in job.params.items() if k != UNIT_PARAM}
    got = fetch_rows(conn, derived, source, others, timeout)  # rows as the driver gives them: shaped once, per unit
    return got.columns, got.rows, got.elapsed


def run_grouped(
    conn: Connection, job: Job, source: str, timeout: float, *, notes: list[str] | None = None
) -> dict[str, QueryResult | QueryFailure]:
    """Unit name → QueryResult | QueryFailure, as `run_query` would give for each unit's own query
    (job.params without :unit). When the query for all units fails, each unit's own query is run,
    so that one unit's bad data leaves the others their figures (issue 21). The unit keys are
    compared as `unit_key` makes them (a CHAR(n) column's padding is no other unit); rows whose
    key matches no unit of the project, or is NULL, are told in `notes`, not dropped silently."""
    spec = job.spec
    dialect = conn.dialect.name
    backend = conn.engine.url.get_backend_name()
    sql, sql_file = spec.sql_for(backend if backend in spec.variants else dialect)
    try:
        grouped = group_sql(sql, spec.per or "", dialect)
        columns, rows, elapsed = _grouped_rows(conn, job, grouped.sql, sql_file, source, timeout)
        # Trailing blanks match only where the engine's `=` ignores them (PostgreSQL's CHAR keys
        # come back as TEXT, unpadded: drafter/project/grouping.py).
        match = match_unit_keys(
            rows, job.units, job.known_units or job.units, pad_blanks=dialect in ("mysql", "mariadb")
        )
        by_unit = match.rows
        empty: list[tuple] = []
        if grouped.empty_sql and any(u not in by_unit for u in job.units):
            # An aggregate without GROUP BY gives one row over no rows: COUNT 0, SUM NULL.
            empty = _grouped_rows(conn, job, grouped.empty_sql, sql_file, source, timeout)[1]
    except NotGroupable as exc:  # load_project refuses these already; a variant read later
        error = QueryError(f"查询 {spec.name} 不能按单位合并查询：{exc}", path=sql_file)
        return {u: _failed(job, error) for u in job.units}
    except QueryTimeout as exc:  # each unit's own query would take as long again: no re-run
        return {u: _failed(job, exc) for u in job.units}
    except DrafterError:
        each = {u: _one_unit(conn, job, u, source, timeout) for u in job.units}
        if notes is not None:
            notes.extend(_left_to_no_unit(conn, job, grouped.keys_sql, sql_file, source, timeout, dialect))
        return each
    warning = match.warning(job.key, spec.per, sql_file)
    if warning and notes is not None:
        notes.append(warning)
    bound = sql_parameters(sql)
    own_key, sql_hash, shown = _own_key(job), sql_fingerprint(sql), columns[:-1]
    out: dict[str, QueryResult | QueryFailure] = {}
    for unit in job.units:
        unit_params = {**job.params, UNIT_PARAM: unit}
        try:
            value = _shape(spec, source, shown, by_unit.get(unit, empty), sql_file, own_key, job.description)
        except DrafterError as exc:
            out[unit] = _failed(job, exc)
            continue
        out[unit] = QueryResult(
            spec=spec,
            source=source,
            sql=sql,
            sql_file=Path(sql_file),
            sql_hash=sql_hash,
            params={k: unit_params[k] for k in bound if k in unit_params},
            columns=shown,
            value=value,
            elapsed=elapsed,
            key=own_key or "",
            period=job.period if own_key else None,
        )
    return out


def _left_to_no_unit(
    conn: Connection, job: Job, keys_sql: str, sql_file: Path, source: str, timeout: float, dialect: str
) -> list[str]:
    """After the query for all units failed and each unit's own ran: the rows those leave out (a
    key of no unit, NULL), counted by key over the query's FROM and WHERE; or, when that count
    fails too, that they could not be counted. Never silence: a unit's figures could miss them."""
    try:
        _, rows, _ = _grouped_rows(conn, job, keys_sql, sql_file, source, timeout)
    except DrafterError as exc:
        return [
            f"{unmatched_prefix(job.key, sql_file)}的合并查询出错、已逐个单位查询，无法另查有无数据行"
            f"不属于任何单位（列 {job.spec.per}）：{_failed(job, exc).describe()}"
        ]
    match = match_unit_keys(
        rows, job.units, job.known_units or job.units, pad_blanks=dialect in ("mysql", "mariadb"), counted=True
    )
    warning = match.warning(job.key, job.spec.per, sql_file)
    return [warning] if warning else []


def _own_key(job: Job) -> str | None:
    """`prev.q` for a comparison run, None for the query itself."""
    return job.key if job.key != job.spec.name else None


def _one_unit(conn: Connection, job: Job, unit: str, source: str, timeout: float) -> QueryResult | QueryFailure:
    """A unit's own query, after the query for all units failed; its error names the unit."""
    own = dataclasses.replace(job, params={**job.params, UNIT_PARAM: unit}, units=())
    result = _run_job(conn, own, source, timeout)
    if not result.ok:
        result.error.message += f"（单位：{unit}）"
    return result
