"""Run the queries: bound parameters, one connection a source, sources in parallel.

Each query gives a `QueryResult` (its figures plus what ran) or a `QueryFailure`
(the error, kept so that a non-strict build can print placeholders and list
them, while a strict build stops at the first).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Literal

from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from drafter.project.config import Config
from drafter.errors import DataError, DrafterError, QueryError, QueryTimeout, SourceError
from drafter.data.figures import Figure, Provenance, Row, json_value
from drafter.project.queries import QuerySpec, sql_fingerprint, sql_parameters, undefined_parameter
from drafter.data.sources import clear_sqlite_handler, connect, open_engine, sqlite_deadline_handler
from drafter.project.sqlguard import check_select


def build_parameters(config: Config) -> dict[str, Any]:
    """The bound parameters every query may use."""
    year = config.report.year
    params: dict[str, Any] = {
        "year": year,
        "period_start": dt.date(year, 1, 1),
        "period_end": dt.date(year + 1, 1, 1),
    }
    params.update(config.parameters)
    return params


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

    def figures(self) -> list[Figure]:
        if isinstance(self.value, Figure):
            return [self.value]
        if isinstance(self.value, Row):
            return self.value.figures()
        return [f for row in self.value for f in row.figures()]

    def json_params(self) -> dict[str, Any]:
        return {k: json_value(v) for k, v in self.params.items()}


@dataclass
class QueryFailure:
    spec: QuerySpec
    error: DrafterError
    ok: Literal[False] = False


@dataclass
class RunResult:
    results: dict[str, QueryResult | QueryFailure] = field(default_factory=dict)
    elapsed: float = 0.0

    @property
    def failures(self) -> list[QueryFailure]:
        return [r for r in self.results.values() if not r.ok]


def _bind(spec: QuerySpec, sql: str, sql_file: Path, params: dict[str, Any], dialect: str) -> dict[str, Any]:
    """The parameters `sql` (the query's file or the dialect variant that runs) uses, in
    the form its driver takes."""
    bound = {}
    for name in sql_parameters(sql):
        if name not in params:  # validation refuses this before any query runs; params can still differ
            raise undefined_parameter(spec.name, name, sql_file, sql, 1, list(params))
        value = params[name]
        if dialect == "sqlite" and isinstance(value, (dt.date, dt.datetime)):
            value = value.isoformat()  # SQLite keeps dates as ISO text
        bound[name] = value
    return bound


def _shape(spec: QuerySpec, source: str, columns: list[str], rows: list[tuple], sql_file: Path) -> Any:
    """Turn raw rows into the Figure / Row / list[Row] that `returns:` promises."""
    def row_of(values: tuple, index: int | None) -> Row:
        figs = {
            col: Figure.from_column(v, Provenance(spec.name, source, col, index), spec.description)
            for col, v in zip(columns, values)
        }
        return Row(spec.name, figs, spec.description)

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
        return Figure.from_column(rows[0][0], Provenance(spec.name, source, columns[0]), spec.description)
    return row_of(rows[0], None)


# Server errors that mean "stopped by the statement time limit" (PostgreSQL's SQLSTATE 57014 is
# also a cancel by hand, so its message is checked instead).
_TIMEOUT_CODES = {1969, 3024}  # MariaDB max_statement_time, MySQL max_execution_time
_TIMEOUT_WORDS = ("statement timeout", "max_statement_time", "maximum statement execution time",
                  "max_execution_time")


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


def _database_error(spec: QuerySpec, source: str, sql_file: Path, exc: SQLAlchemyError, timeout: float,
                    dialect: str, deadline_passed: bool) -> DrafterError:
    orig = getattr(exc, "orig", None)
    cause = str(orig if orig is not None else exc).strip()
    if _is_timeout(orig, cause, dialect, deadline_passed):
        return _timed_out(spec, source, sql_file, timeout, cause.splitlines()[0] if cause else None)
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


def run_query(conn: Connection, spec: QuerySpec, source: str, params: dict[str, Any], timeout: float,
              clock: Callable[[], float] = time.monotonic) -> QueryResult:
    dialect = conn.dialect.name
    backend = conn.engine.url.get_backend_name()
    sql, sql_file = spec.sql_for(backend if backend in spec.variants else dialect)
    check_select(sql, sql_file, spec.sql_line if sql_file == spec.path else 1)
    bound = _bind(spec, sql, sql_file, params, dialect)
    started = clock()
    deadline = started + timeout
    try:
        if dialect == "sqlite":  # the servers got their time limit when the connection was opened
            sqlite_deadline_handler(conn, deadline, clock)
        result = conn.execute(text(sql), bound)
        columns = list(result.keys())
        # A row or scalar query needs two rows at most to tell that it returned too many.
        rows = [tuple(r) for r in result.fetchall()] if spec.returns == "rows" else [tuple(r) for r in result.fetchmany(2)]
        cut = _cut_short(conn, result) if dialect in ("mysql", "mariadb") else None
        result.close()
    except (DBAPIError, SQLAlchemyError) as exc:
        failed_at = clock()
        conn.rollback()
        raise _database_error(spec, source, sql_file, exc, timeout, dialect, failed_at >= deadline) from exc
    finally:
        if dialect == "sqlite":
            clear_sqlite_handler(conn)
    elapsed = clock() - started
    if dialect in ("mysql", "mariadb") and elapsed >= timeout:
        # The server's limit struck, yet no error came: MySQL's SLEEP() interrupted by
        # max_execution_time returns 1 instead of failing, and a result cut short must not
        # be printed as a figure. (MariaDB 10.11 raises error 1969 here; MySQL may not.)
        raise _timed_out(spec, source, sql_file, timeout,
                         f"语句运行了 {elapsed:.1f} 秒，已到时限；服务器未报错，但结果可能不完整，不予采用")
    if cut:
        raise QueryError(f"查询 {spec.name} 的结果不完整（数据库截断了结果，只给出警告），未采用",
                         path=sql_file, cause=cut[0], hint=cut[1])
    value = _shape(spec, source, columns, rows, sql_file)
    return QueryResult(
        spec=spec,
        source=source,
        sql=sql,
        sql_file=sql_file,
        sql_hash=sql_fingerprint(sql),
        params={k: params[k] for k in bound},
        columns=columns,
        value=value,
        elapsed=elapsed,
    )


def _run_source(config: Config, source: str, specs: list[QuerySpec], params: dict[str, Any],
                on_done: Callable[[str], None] | None,
                params_for: dict[str, dict[str, Any]] | None = None) -> dict[str, QueryResult | QueryFailure]:
    settings = config.sources[source]
    out: dict[str, QueryResult | QueryFailure] = {}
    try:
        engine = open_engine(source, settings)
    except SourceError as exc:
        _at_source(exc, config, source)
        for spec in specs:
            out[spec.name] = QueryFailure(spec, exc)
            if on_done:
                on_done(spec.name)
        return out
    try:
        with connect(source, engine, settings) as conn:
            for spec in specs:
                try:
                    bound = (params_for or {}).get(spec.name, params)
                    out[spec.name] = run_query(conn, spec, source, bound, settings.timeout)
                except DrafterError as exc:
                    out[spec.name] = QueryFailure(spec, exc)
                if on_done:
                    on_done(spec.name)
    except SourceError as exc:
        _at_source(exc, config, source)
        for spec in specs:
            if spec.name not in out:
                out[spec.name] = QueryFailure(spec, exc)
                if on_done:
                    on_done(spec.name)
    finally:
        engine.dispose()
    return out


def _at_source(exc: SourceError, config: Config, source: str) -> None:
    """A source that cannot be opened is configured in config.yaml: say where."""
    if exc.path is None:
        exc.path = config.path
        exc.line = config.line("sources", source)


def run_queries(config: Config, specs: dict[str, QuerySpec], *, params: dict[str, Any] | None = None,
                on_done: Callable[[str], None] | None = None,
                params_for: dict[str, dict[str, Any]] | None = None) -> RunResult:
    """Run `specs`, grouping by source; sources run concurrently, at most `config.concurrency`.
    The project is validated already (load_project): sources and parameters are known.

    `params_for` gives some specs (by name) their own parameters: the consistency rules' re-runs
    of a query over the prior period (drafter/review/rules.py), on the same connection."""
    params = build_parameters(config) if params is None else params
    by_source: dict[str, list[QuerySpec]] = {}
    for spec in specs.values():
        by_source.setdefault(spec.source, []).append(spec)
    started = time.monotonic()
    run = RunResult()
    workers = max(1, min(config.concurrency, len(by_source)))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="drafter-source") as pool:
        futures = [pool.submit(_run_source, config, src, group, params, on_done, params_for)
                   for src, group in by_source.items()]
        collected: dict[str, QueryResult | QueryFailure] = {}
        for future in futures:
            collected.update(future.result())
    # Keep the order of the query files, whatever order the sources finished in.
    run.results = {name: collected[name] for name in specs}
    run.elapsed = time.monotonic() - started
    return run


# -- the prior period, for the consistency rules ---------------------------------------------------

PRIOR = "prev"


def prior_parameters(params: dict[str, Any]) -> dict[str, Any]:
    """The bound parameters of the same period one year earlier (:year, :period_start, :period_end)."""
    def back(d: Any) -> Any:
        if isinstance(d, dt.date):
            try:
                return d.replace(year=d.year - 1)
            except ValueError:  # 29 February
                return d.replace(year=d.year - 1, day=28)
        return d

    shifted = dict(params)
    if isinstance(shifted.get("year"), int):
        shifted["year"] -= 1
    for key in ("period_start", "period_end"):
        if key in shifted:
            shifted[key] = back(shifted[key])
    return shifted


def prior_period_runs(specs: dict[str, QuerySpec], names: list[str],
                      params: dict[str, Any]) -> tuple[dict[str, QuerySpec], dict[str, dict[str, Any]]]:
    """Queries `names` again over the same period one year earlier, as specs named `prev.q` with
    their own parameters, to run with the others (`run_queries(…, params_for=…)`). Issue 12's
    comparisons (`prev.q` in templates) are the general form; this is the rules' own until they
    share it."""
    shifted = prior_parameters(params)
    out: dict[str, QuerySpec] = {}
    for name in names:
        if name in specs:
            key = f"{PRIOR}.{name}"
            out[key] = dataclasses.replace(specs[name], name=key)
    return out, {key: shifted for key in out}
