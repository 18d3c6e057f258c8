"""Load the sample into a server, and scale it up for benchmarks.

`load_into` is what `drafter sample load` runs: the rows of some systems and
years (`drafter.sample.load`), then, with `history`, that many more inspection
records dated in the years before the sample years. The report's figures are
those of the sample years, so a scaled database gives the same draft; the
queries have to scan (or index) the history to find them, as on a system that
has been in use for a decade.

History rows are made by arithmetic on their number, not drawn one by one, and
go to PostgreSQL through COPY (text format, in 8 MB chunks); other databases
get multi-row INSERTs. 10 million rows take about a minute on two cores
(benchmarks/bench_postgres.py prints the time).
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
import time
from dataclasses import dataclass, field
from typing import Callable, Iterable, Iterator

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, IntegrityError, NoSuchModuleError, SQLAlchemyError

from drafter.data.sources import CONNECT_TIMEOUT, DRIVER_HINT, masked_url, scrub, with_installed_driver
from drafter.errors import ConfigError, DrafterError, SourceError
from drafter.sample import _mysql_literal, load, names
from drafter.sample.schema import SYSTEMS
from drafter.sample.targets import YEARS

PER_YEAR = 999_999  # ids are year * 1_000_000 + n
CHUNK_BYTES = 8 << 20
_COLUMNS = ("id", "inspection_no", "enterprise_id", "enterprise_name", "industry", "inspected_on",
            "is_key_enterprise", "officer_count", "hazards_found", "hazards_cleared")


@dataclass
class LoadReport:
    """What `load_into` wrote: rows per table, history rows, seconds taken."""

    url: str  # masked
    systems: list[str]
    years: list[int]
    tables: dict[str, int] = field(default_factory=dict)
    history: int = 0
    history_years: list[int] = field(default_factory=list)
    seconds: float = 0.0
    history_seconds: float = 0.0


def parse_count(value: str | int) -> int:
    """`10000000`, `10_000_000`, `10M`, `500k`, `1000万` → an int."""
    if isinstance(value, int):
        return value
    match = re.fullmatch(r"\s*([0-9][0-9_]*(?:\.[0-9]+)?)\s*([kKmM万]?)\s*", str(value))
    if not match:
        raise ValueError(value)
    number = float(match.group(1).replace("_", ""))
    factor = {"": 1, "k": 1_000, "K": 1_000, "m": 1_000_000, "M": 1_000_000, "万": 10_000}[match.group(2)]
    return int(round(number * factor))


def expand_env(url: str, environ=None) -> str:
    """`${NAME}` in a URL from the environment, so a password need not be typed on the command line."""
    environ = os.environ if environ is None else environ

    def sub(match: re.Match) -> str:
        if match.group(1) not in environ:
            raise ConfigError(f"环境变量 {match.group(1)} 未设置",
                              hint=f"运行前设置它，例如 export {match.group(1)}=…")
        return environ[match.group(1)]

    return re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", sub, url)


def history_years(rows: int, before: int) -> list[int]:
    """The years that `rows` history rows fill, the last one `before - 1`."""
    count = math.ceil(rows / PER_YEAR) if rows > 0 else 0
    return list(range(before - count, before))


_PERIOD = 1870  # lcm(11, 5, 10, 17): the flags and counts below repeat with this period


def _counts(n: int) -> tuple[int, int, int, int]:
    """(key enterprise, officers, hazards found, hazards cleared) of history row `n`."""
    found = (n * 13) % 10
    return (1 if n % 11 == 0 else 0, 2 + n % 5, found, found - (1 if found and n % 17 == 0 else 0))


def _days(year: int) -> list[dt.date]:
    first = dt.date(year, 1, 1)
    return [first + dt.timedelta(days=d) for d in range((dt.date(year + 1, 1, 1) - first).days)]


def history_rows(year: int, count: int) -> Iterator[tuple]:
    """`count` inspection rows of `year`, in date order: (id, no, uscc, name, industry, date, key,
    officers, found, cleared). Deterministic and cheap: each field is arithmetic on the row number."""
    firms, days = names.regulated(), _days(year)
    n_firms, n_days, base = len(firms), len(days), year * 1_000_000
    for n in range(1, count + 1):
        firm = firms[(n * 7919) % n_firms]
        yield (base + n, f"JC{year}{n:06d}", firm.uscc, firm.name, firm.industry,
               days[(n - 1) * n_days // count], *_counts(n))


def _copy_lines(year: int, count: int) -> Iterator[bytes]:
    """The rows of `history_rows` as COPY text, in chunks of about CHUNK_BYTES.

    The same rows, formatted from precomputed pieces: a firm's three columns, a
    day, and the four counts, which repeat every _PERIOD rows.
    """
    firms = [f"\t{f.uscc}\t{f.name}\t{f.industry}\t" for f in names.regulated()]
    days = [d.isoformat() for d in _days(year)]
    tails = ["\t" + "\t".join(map(str, _counts(n))) + "\n" for n in range(_PERIOD)]
    n_firms, n_days, base = len(firms), len(days), year * 1_000_000
    step = max(1, CHUNK_BYTES // 120)  # rows a chunk, at about 120 bytes a row
    for start in range(1, count + 1, step):
        stop = min(start + step, count + 1)
        yield "".join([
            f"{i}\tJC{i}{firms[(n * 7919) % n_firms]}{days[(n - 1) * n_days // count]}{tails[n % _PERIOD]}"
            for n, i in zip(range(start, stop), map(str, range(base + start, base + stop)))  # id = JC number
        ]).encode("utf-8")


def load_history(engine: Engine, rows: int, *, before: int = min(YEARS),
                 on_rows: Callable[[int], None] | None = None) -> list[int]:
    """Add `rows` inspection records dated in the years before `before`; the years filled.

    The inspection table is created if absent. Afterwards the table is analysed
    (PostgreSQL: VACUUM ANALYZE), so that the first query does not pay for it.
    """
    table = SYSTEMS["enforcement"].metadata.tables["inspection"]
    if tuple(table.columns.keys()) != _COLUMNS:
        raise RuntimeError("inspection columns changed; update drafter/sample/scale.py")
    table.create(engine, checkfirst=True)
    years = history_years(rows, before)
    counts = [rows // len(years) + (1 if i < rows % len(years) else 0) for i in range(len(years))] if years else []
    if engine.dialect.name == "postgresql" and engine.dialect.driver == "psycopg":
        _copy_history(engine, years, counts, on_rows)
    else:
        for year, count in zip(years, counts):
            with engine.begin() as conn:
                _insert_batches(conn, year, count, on_rows)
    if years:
        _analyse(engine)
    return years


def _copy_history(engine: Engine, years: list[int], counts: list[int],
                  on_rows: Callable[[int], None] | None) -> None:
    """COPY in one transaction, the primary key dropped meanwhile and built once at the end
    (twice as fast as keeping it up to date row by row; a clash rolls everything back)."""
    import psycopg
    from psycopg import sql
    from sqlalchemy import inspect

    try:
        from psycopg.copy import QueuedLibpqWriter  # sends while Python formats the next chunk
    except ImportError:  # psycopg < 3.1
        queued = False
    else:
        queued = True
    with engine.begin() as conn:
        pk = inspect(conn).get_pk_constraint("inspection").get("name")
        raw = conn.connection.dbapi_connection
        assert isinstance(raw, psycopg.Connection), "the psycopg dialect's own connection"
        with raw.cursor() as cursor:
            if pk:
                cursor.execute(sql.SQL("ALTER TABLE inspection DROP CONSTRAINT {}").format(sql.Identifier(pk)))
            statement = f"COPY inspection ({', '.join(_COLUMNS)}) FROM STDIN"
            for year, count in zip(years, counts):
                writer = QueuedLibpqWriter(cursor) if queued else None
                with cursor.copy(statement, writer=writer) as copy:
                    for chunk in _copy_lines(year, count):
                        copy.write(chunk)
                        if on_rows:
                            on_rows(chunk.count(b"\n"))
            if pk:
                cursor.execute(sql.SQL("ALTER TABLE inspection ADD CONSTRAINT {} PRIMARY KEY (id)")
                               .format(sql.Identifier(pk)))


def _insert_batches(conn, year: int, count: int, on_rows: Callable[[int], None] | None) -> None:
    batch: list[tuple] = []
    columns = ", ".join(_COLUMNS)
    mysql = conn.dialect.name in ("mysql", "mariadb")

    def flush() -> None:
        if mysql:
            values = ",".join("(" + ",".join(_mysql_literal(v) for v in row) + ")" for row in batch)
            conn.exec_driver_sql(f"INSERT INTO inspection ({columns}) VALUES {values}".replace("%", "%%"))
        else:
            conn.execute(text(f"INSERT INTO inspection ({columns}) VALUES ({', '.join(':' + c for c in _COLUMNS)})"),
                         [dict(zip(_COLUMNS, row)) for row in batch])
        if on_rows:
            on_rows(len(batch))
        batch.clear()

    for row in history_rows(year, count):
        batch.append(row)
        if len(batch) >= 5000:
            flush()
    if batch:
        flush()


def _analyse(engine: Engine) -> None:
    dialect = engine.dialect.name
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        if dialect == "postgresql":
            conn.exec_driver_sql("VACUUM (ANALYZE) inspection")
        elif dialect in ("mysql", "mariadb"):
            conn.exec_driver_sql("ANALYZE TABLE inspection").fetchall()
        elif dialect == "sqlite":
            conn.exec_driver_sql("ANALYZE inspection")


def _engine(url: str) -> Engine:
    """A writable engine for loading (not the read-only one of sources.py)."""
    try:
        parsed = with_installed_driver(make_url(url))
    except ArgumentError as exc:
        raise SourceError(f"URL 无法解析：{masked_url(url)}",
                          hint="URL 形如 postgresql+psycopg://用户@主机:5432/库名 或 mysql+pymysql://用户@主机:3306/库名。") from exc
    backend = parsed.get_backend_name()
    connect_args: dict = {}
    if backend == "postgresql":
        connect_args = {"connect_timeout": CONNECT_TIMEOUT}
    elif backend in ("mysql", "mariadb"):
        connect_args = {"connect_timeout": CONNECT_TIMEOUT, "charset": "utf8mb4"}
    try:
        return create_engine(parsed, connect_args=connect_args)
    except (NoSuchModuleError, ImportError) as exc:
        raise SourceError(f"目标数据库所需的驱动未安装（{parsed.drivername}）", cause=str(exc),
                          hint=DRIVER_HINT) from exc


def load_into(url: str, *, systems: Iterable[str] | None = None, years: Iterable[int] = YEARS,
              history: int = 0, on_rows: Callable[[int], None] | None = None) -> LoadReport:
    """Load the sample (and `history` extra inspection rows) into the database at `url`.

    The database must exist; its tables are created. Errors are DrafterErrors whose
    messages show the URL with its password masked.
    """
    url = expand_env(url)
    shown = masked_url(url)
    names_ = list(systems) if systems else list(SYSTEMS)
    for name in names_:
        if name not in SYSTEMS:
            import difflib

            close = difflib.get_close_matches(name, list(SYSTEMS), n=1)
            raise DrafterError(f"没有名为“{name}”的示例系统",
                               hint=(f"是否想写“{close[0]}”？" if close else "") + f"可选：{'、'.join(SYSTEMS)}。")
    years = list(years)
    for year in years:
        if year not in YEARS:
            raise DrafterError(f"示例数据没有 {year} 年", hint=f"可选的年份：{'、'.join(map(str, YEARS))}。")
    report = LoadReport(url=shown, systems=names_, years=years)
    engine = _engine(url)
    started = time.perf_counter()
    try:
        report.tables = load(engine, names_, years) if years else {}
        if history:
            t = time.perf_counter()
            report.history_years = load_history(engine, history, before=min(YEARS), on_rows=on_rows)
            report.history = history
            report.history_seconds = time.perf_counter() - t
    except Exception as exc:
        error = _load_error(exc, engine, shown, url)
        if error is None:
            raise
        raise error from exc
    finally:
        engine.dispose()
    report.seconds = time.perf_counter() - started
    return report


def _load_error(exc: Exception, engine: Engine, shown: str, url: str) -> DrafterError | None:
    """The message for a database error while loading (SQLAlchemy's, or the driver's own from COPY)."""
    dbapi = engine.dialect.loaded_dbapi
    if not isinstance(exc, (SQLAlchemyError, dbapi.Error)):
        return None
    orig = getattr(exc, "orig", None) or exc
    lines = str(orig).strip().splitlines()
    cause = scrub(lines[0] if lines else type(orig).__name__, url)
    if isinstance(exc, IntegrityError) or isinstance(orig, dbapi.IntegrityError):
        return DrafterError(f"目标库中已有这些示例数据，未重复装入（{shown}）", cause=cause,
                            hint="每个年份只能装入一次：换一个空库，或先删除这些表。")
    return SourceError(f"无法装入示例数据（{shown}）", cause=cause,
                       hint="检查服务器是否在运行、库是否已建好（drafter 不建库）、账号是否有建表和写入权限。")
