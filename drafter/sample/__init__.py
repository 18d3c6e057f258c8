"""Sample departmental databases: row-level records whose 2025 totals are the reference report's.

    >>> from drafter import sample
    >>> sample.create_sqlite(Path("sample"))          # sample/enforcement.db, hazards.db, …
    >>> sample.load("postgresql+psycopg://…/drafter")  # the same rows into a server
    >>> sample.generate("licensing", 2025)["permit_application"][0]

Five systems (`SYSTEMS`), named as the sources of config.yaml: enforcement
统一综合执法系统, hazards 隐患排查平台, licensing 行政审批系统, disaster 防汛防灾平台,
office 办公记录. sample/README.md describes every table and column and the
figures each year adds up to (`targets.FIGURES`).
"""

from __future__ import annotations

import datetime as dt
import os
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterable

from sqlalchemy import Table, create_engine, event
from sqlalchemy.engine import Connection, Engine

from drafter.errors import OutputError
from drafter.sample.generator import GENERATORS, Gen, Rows
from drafter.sample.schema import SYSTEMS, System
from drafter.sample.targets import FIGURES, TARGETS, YEARS

__all__ = ["SYSTEMS", "System", "TARGETS", "FIGURES", "YEARS", "generate", "load", "create_sqlite"]

CHUNK = 5000  # rows an INSERT batch


def generate(system: str, year: int) -> dict[str, Rows]:
    """The rows of every table of `system` for `year`, as dicts keyed by column name."""
    if system not in GENERATORS:
        raise ValueError(f"unknown sample system {system!r}; systems: {', '.join(SYSTEMS)}")
    tables = GENERATORS[system](Gen(system, year))
    return {name: tables[name] for name in SYSTEMS[system].tables}


def load(engine_or_url: Engine | str, systems: Iterable[str] | None = None,
         years: Iterable[int] = YEARS) -> dict[str, int]:
    """Create the tables of `systems` (if absent) and insert the rows of `years`; rows per table.

    Table names are unique across the systems, so several systems may share one
    database. Loading the same year twice fails on the primary keys.
    """
    own = isinstance(engine_or_url, str)
    engine = create_engine(engine_or_url) if isinstance(engine_or_url, str) else engine_or_url
    names = list(systems) if systems is not None else list(SYSTEMS)
    unknown = [s for s in names if s not in SYSTEMS]
    if unknown:
        raise ValueError(f"unknown sample system {unknown[0]!r}; systems: {', '.join(SYSTEMS)}")
    counts: dict[str, int] = {}
    try:
        for name in names:
            system = SYSTEMS[name]
            system.metadata.create_all(engine)
            for table in system.metadata.tables:
                counts.setdefault(table, 0)
            for year in years:
                rows = generate(name, year)
                with engine.begin() as conn:
                    for table_name, table_rows in rows.items():
                        _insert(conn, system.metadata.tables[table_name], table_rows)
                        counts[table_name] += len(table_rows)
    finally:
        if own:
            engine.dispose()
    return counts


def _insert(conn: Connection, table: Table, rows: Rows) -> None:
    """Insert `rows` into `table` inside the connection's transaction.

    SQLAlchemy's per-row processing would take most of the time of the 17万
    screening rows, so the common drivers get their own bulk path: SQLite a
    plain executemany of values stored exactly as SQLAlchemy stores them (ISO
    dates, `YYYY-MM-DD HH:MM:SS.ffffff` times, numbers for Numeric), psycopg
    COPY, MySQL/MariaDB multi-row INSERTs of literals (the rows are the
    generator's own, not user input). Any other database goes through
    SQLAlchemy Core in batches of CHUNK.
    """
    if not rows:
        return
    columns = list(table.columns.keys())
    names = ", ".join(columns)
    dialect, driver = conn.dialect.name, conn.dialect.driver
    if dialect == "sqlite":
        sql = f"INSERT INTO {table.name} ({names}) VALUES ({', '.join('?' * len(columns))})"
        for start in range(0, len(rows), CHUNK):
            batch = [tuple(_sqlite_value(row[c]) for c in columns) for row in rows[start:start + CHUNK]]
            conn.exec_driver_sql(sql, batch)
    elif dialect == "postgresql" and driver == "psycopg":
        import psycopg

        raw = conn.connection.dbapi_connection
        assert isinstance(raw, psycopg.Connection), "the psycopg dialect's own connection"
        with raw.cursor() as cursor:
            with cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(tuple(row[c] for c in columns))
    elif dialect in ("mysql", "mariadb"):
        # The drivers escape each value in Python; our own rows need only this much.
        head = f"INSERT INTO {table.name} ({names}) VALUES "
        for start in range(0, len(rows), CHUNK):
            values = ",".join("(" + ",".join(_mysql_literal(row[c]) for c in columns) + ")"
                              for row in rows[start:start + CHUNK])
            conn.exec_driver_sql((head + values).replace("%", "%%"))
    else:
        insert = table.insert()
        for start in range(0, len(rows), CHUNK):
            conn.execute(insert, rows[start:start + CHUNK])


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _mysql_literal(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, (int, Decimal)):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.strftime("'%Y-%m-%d %H:%M:%S'")
    if isinstance(value, dt.date):
        return f"'{value.isoformat()}'"
    return "'" + str(value).replace("\\", "\\\\").replace("'", "''") + "'"


def _fast_sqlite(dbapi_connection: Any, _record: Any) -> None:
    # A new file that is renamed into place only when complete needs no journal.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=OFF")
    cursor.execute("PRAGMA synchronous=OFF")
    cursor.close()


def create_sqlite(directory: Path, years: Iterable[int] = YEARS, overwrite: bool = False) -> list[Path]:
    """Write `<directory>/<system>.db` for every system; the paths written.

    Each file is built under a temporary name and renamed into place when
    complete. Existing files are refused (nothing is written) unless `overwrite`.
    """
    directory = Path(directory)
    years = list(years)
    targets = {name: directory / f"{name}.db" for name in SYSTEMS}
    existing = [p for p in targets.values() if p.exists()]
    if existing and not overwrite:
        raise OutputError(
            f"示例数据库已存在：{'、'.join(p.name for p in existing)}",
            path=existing[0],
            hint="未改动任何文件。要重新生成，请用 drafter sample create --force（Python 中 overwrite=True），或换一个目录。",
        )
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, target in targets.items():
        tmp = directory / f".{name}.db.{os.getpid()}.tmp"
        tmp.unlink(missing_ok=True)
        engine = create_engine(f"sqlite:///{tmp}")
        event.listen(engine, "connect", _fast_sqlite)
        try:
            load(engine, [name], years)
        except BaseException:
            engine.dispose()
            tmp.unlink(missing_ok=True)
            raise
        engine.dispose()
        os.replace(tmp, target)
        written.append(target)
    return written
