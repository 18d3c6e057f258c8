"""The database servers of the engines tier: scratch databases that tests create and drop.

PostgreSQL (127.0.0.1:5432, user postgres) and MariaDB (127.0.0.1:3306, root) run on
the machines of this project; DRAFTER_TEST_POSTGRESQL / DRAFTER_TEST_MARIADB name an
account elsewhere that may create and drop databases. Where a server does not answer,
its tests skip, unless DRAFTER_REQUIRE_ENGINES=1 (set by .ci/run), where they fail.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

from conftest import skip_or_fail
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

SERVERS = {
    "postgresql": os.environ.get("DRAFTER_TEST_POSTGRESQL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"),
    "mariadb": os.environ.get("DRAFTER_TEST_MARIADB", "mysql+pymysql://root@127.0.0.1:3306/?charset=utf8mb4"),
}


def unavailable(message: str) -> None:
    """Skip, or fail where the servers are required."""
    skip_or_fail("engines", message)


def admin_engine(kind: str) -> Engine:
    return create_engine(
        SERVERS[kind], isolation_level="AUTOCOMMIT", poolclass=NullPool, connect_args={"connect_timeout": 5}
    )


def server_url(kind: str, database: str | None) -> str:
    """The URL of `database` on the server of `kind`, password included (tests only)."""
    return make_url(SERVERS[kind]).set(database=database).render_as_string(hide_password=False)


def _exists(conn, kind: str, name: str) -> bool:
    catalog = (
        "SELECT COUNT(*) FROM pg_database WHERE datname = '{}'"
        if kind == "postgresql"
        else "SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name = '{}'"
    )
    return bool(conn.exec_driver_sql(catalog.format(name)).scalar())


@contextmanager
def scratch_database(kind: str) -> Iterator[str]:
    """A new, empty database `drafter_test_<random>`; its URL. Dropped afterwards, checked gone."""
    name = f"drafter_test_{secrets.token_hex(4)}"
    admin = admin_engine(kind)
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"CREATE DATABASE {name}")
    except OperationalError as exc:
        admin.dispose()
        unavailable(f"{kind} server not reachable at {make_url(SERVERS[kind]).render_as_string()}: {exc.orig}")
    try:
        yield server_url(kind, name)
    finally:
        with admin.connect() as conn:
            if kind == "postgresql":  # a test's connection left open must not keep the database alive
                conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            else:
                conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name}")
            left = _exists(conn, kind, name)
        admin.dispose()
        assert not left, f"scratch database {name} was not dropped"


@contextmanager
def server_user(kind: str, database_url: str, password: str) -> Iterator[str]:
    """A login with `password` that may only read `database_url`'s database; its URL."""
    user = f"drafter_ro_{secrets.token_hex(3)}"
    database = make_url(database_url).database
    admin = admin_engine(kind)
    with admin.connect() as conn:
        if kind == "postgresql":
            conn.exec_driver_sql(f"CREATE ROLE {user} LOGIN PASSWORD '{password}'")
            conn.exec_driver_sql(f"GRANT CONNECT ON DATABASE {database} TO {user}")
        else:
            conn.exec_driver_sql(f"CREATE USER '{user}'@'%%' IDENTIFIED BY '{password}'")
            conn.exec_driver_sql(f"CREATE USER '{user}'@'localhost' IDENTIFIED BY '{password}'")
            conn.exec_driver_sql(f"GRANT SELECT ON {database}.* TO '{user}'@'%%'")
            conn.exec_driver_sql(f"GRANT SELECT ON {database}.* TO '{user}'@'localhost'")
    owner_url = server_url(kind, database)  # the admin account in that database, whoever `database_url` is
    if kind == "postgresql":
        owner = create_engine(owner_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        with owner.connect() as conn:
            conn.exec_driver_sql(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {user}")
        owner.dispose()
    url = make_url(database_url).set(username=user, password=password)
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            if kind == "postgresql":
                conn.exec_driver_sql(f"REVOKE ALL ON DATABASE {database} FROM {user}")
                if _exists(conn, kind, database):
                    owner = create_engine(owner_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
                    with owner.connect() as c:
                        c.exec_driver_sql(f"DROP OWNED BY {user}")
                    owner.dispose()
                conn.exec_driver_sql(f"DROP ROLE IF EXISTS {user}")
            else:
                conn.exec_driver_sql(f"DROP USER IF EXISTS '{user}'@'%%'")
                conn.exec_driver_sql(f"DROP USER IF EXISTS '{user}'@'localhost'")
        admin.dispose()


@contextmanager
def select_only(kind: str, database_url: str) -> Iterator[str]:
    """The URL of a new account that may only SELECT the tables `database_url`'s database holds
    now: what an office gives drafter, and what drafter accepts without allow_privileged."""
    with server_user(kind, database_url, secrets.token_hex(8)) as url:
        yield url
