"""The same draft from every engine; sources pointed elsewhere; connections counted; no password shown.

The engines tier (`-m engines`) loads the five sample systems into a scratch database on
PostgreSQL and on MariaDB (tests/servers.py), builds the drafts there with every source
overridden, and compares what a reader sees, and every figure's raw value, with the
SQLite draft. Those tests skip where no server answers, and fail instead under
DRAFTER_REQUIRE_ENGINES=1 (as .ci/run sets). The concurrency tests run on SQLite.
"""

from __future__ import annotations

import re
import threading
import time
import urllib.parse
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from docx import Document
from reading import read_paragraphs
from servers import scratch_database, select_only, server_user
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.pool import NullPool

from drafter import build
from drafter.builder import load_project
from drafter.cli import main
from drafter.sample import SYSTEMS, load
from drafter.word.manifest import read_manifest

REPO = Path(__file__).resolve().parents[1]
KINDS = ["postgresql", "mariadb"]


def _figures(draft: Path) -> list[tuple]:
    """Every printed figure of a draft: reference, raw value, text.

    The manifest keeps a Decimal as a string and SQLite's REAL as a float; both are
    compared as the exact decimal they print as (SQLite keeps NUMERIC(6,1) as REAL).
    Integers stay integers on every engine (SUM's Decimal is normalised by Figure).
    """

    def exact(value):
        if isinstance(value, float):
            return Decimal(repr(value))
        if isinstance(value, str) and re.fullmatch(r"-?\d+\.\d+", value):
            return Decimal(value)
        return value

    manifest = read_manifest(Document(str(draft))).model_dump(mode="json", exclude_unset=True)
    return [(f["ref"], exact(f["value"]), f["text"]) for f in manifest["figures"]]


def _overrides(url: str) -> list[str]:
    return [arg for name in SYSTEMS for arg in ("--source", f"{name}={url}")]


@pytest.fixture(scope="module")
def sqlite_drafts(sample_project, tmp_path_factory) -> dict[int, Path]:
    """The 2025 and 2024 drafts of the shipped project over the SQLite sample."""
    out = tmp_path_factory.mktemp("sqlite-drafts")
    return {year: build(sample_project, year=year, output=out / f"{year}.docx").path for year in (2025, 2024)}


@pytest.fixture(scope="module", params=KINDS)
def loaded(request) -> tuple[str, str]:
    """(kind, URL) of a scratch database holding all five systems, 2024 and 2025."""
    with scratch_database(request.param) as url:
        counts = load(url)
        assert counts["inspection"] == 598 + 646
        assert counts["screening"] == 153284 + 172436
        with select_only(request.param, url) as reader:  # as an office would connect drafter
            yield request.param, reader


# -- the same draft ------------------------------------------------------------------------------


@pytest.mark.engines
@pytest.mark.parametrize("year", [2025, 2024])
def test_a_server_gives_the_draft_that_sqlite_gives(loaded, year, sample_project, sqlite_drafts, tmp_path):
    kind, url = loaded
    out = tmp_path / f"{kind}-{year}.docx"
    result = CliRunner().invoke(
        main, ["build", "-c", str(sample_project), "-y", str(year), "-o", str(out), *_overrides(url)]
    )
    assert result.exit_code == 0, result.output
    assert "警告" not in result.output and "【待补充】" not in result.output
    assert read_paragraphs(out) == read_paragraphs(sqlite_drafts[year])
    # Not only the same text: the same raw values (ratios and amounts exact, ints as ints).
    assert _figures(out) == _figures(sqlite_drafts[year])


@pytest.mark.engines
def test_environment_variables_point_every_source_at_the_server(loaded, sample_project, sqlite_drafts, tmp_path):
    _, url = loaded
    out = tmp_path / "env.docx"
    env = {f"DRAFTER_SOURCE_{name.upper()}": url for name in SYSTEMS}
    result = CliRunner().invoke(main, ["build", "-c", str(sample_project), "-o", str(out)], env=env)
    assert result.exit_code == 0, result.output
    assert read_paragraphs(out) == read_paragraphs(sqlite_drafts[2025])


@pytest.mark.engines
def test_a_url_without_a_driver_uses_the_installed_one(loaded, sample_project, sqlite_drafts, tmp_path):
    # postgresql:// and mysql:// as most guides write them; SQLAlchemy's defaults (psycopg2,
    # MySQLdb) are not what drafter's extras install.
    _, url = loaded
    bare = make_url(url).set(drivername=make_url(url).get_backend_name()).render_as_string(hide_password=False)
    assert "+" not in bare.split("://")[0]
    out = tmp_path / "bare.docx"
    result = CliRunner().invoke(main, ["build", "-c", str(sample_project), "-o", str(out), *_overrides(bare)])
    assert result.exit_code == 0, result.output
    assert read_paragraphs(out) == read_paragraphs(sqlite_drafts[2025])


@pytest.mark.engines
def test_figures_and_check_take_source_overrides(loaded, sample_project, sqlite_drafts, tmp_path):
    _, url = loaded
    listing = CliRunner().invoke(main, ["figures", "-c", str(sample_project), "-f", "csv", *_overrides(url)])
    assert listing.exit_code == 0, listing.output
    assert "172436" in listing.output  # 排查企业主体 (hazards), counted on the server
    checked = CliRunner().invoke(main, ["check", str(sqlite_drafts[2025]), "-c", str(sample_project), *_overrides(url)])
    assert checked.exit_code == 0, checked.output  # every figure of the SQLite draft agrees with the server


@pytest.mark.engines
def test_each_source_is_connected_once_and_its_queries_share_that_connection(loaded, sample_project, tmp_path):
    _, url = loaded
    project = load_project(sample_project)
    source_of_sql = {" ".join(spec.sql.split()): spec.source for spec in project.queries.values()}
    connects: list[int] = []
    used: dict[str, set[int]] = {}
    lock = threading.Lock()

    def on_connect(dbapi_conn, _record):
        with lock:
            connects.append(id(dbapi_conn))

    def on_execute(conn, _cursor, statement, _params, _context, _many):
        # Both drivers take %(name)s for :name, and %% for %.
        plain = re.sub(r"%\((\w+)\)s", r":\1", " ".join(statement.split())).replace("%%", "%")
        source = source_of_sql.get(plain)
        if source:
            with lock:
                used.setdefault(source, set()).add(id(conn.connection.dbapi_connection))

    event.listen(Engine, "connect", on_connect)
    event.listen(Engine, "before_cursor_execute", on_execute)
    try:
        result = build(sample_project, output=tmp_path / "counted.docx", sources={n: url for n in SYSTEMS})
    finally:
        event.remove(Engine, "connect", on_connect)
        event.remove(Engine, "before_cursor_execute", on_execute)
    assert not result.failures
    assert len(connects) == len(SYSTEMS)  # one connection a source, though all five are one database
    assert set(used) == set(SYSTEMS)
    assert all(len(conns) == 1 for conns in used.values()), used
    assert len(set().union(*used.values())) == len(SYSTEMS)


# -- drafter sample load -------------------------------------------------------------------------


@pytest.mark.engines
@pytest.mark.parametrize("kind", KINDS)
def test_sample_load_creates_the_tables_and_refuses_to_load_a_year_twice(kind):
    with scratch_database(kind) as url:
        args = [
            "sample",
            "load",
            "--url",
            url,
            "--system",
            "office",
            "--system",
            "enforcement",
            "--years",
            "2025",
            "--scale",
            "3000",
        ]
        first = CliRunner().invoke(main, args)
        assert first.exit_code == 0, first.output
        assert "office" in first.output and "enforcement" in first.output and "3,000 行" in first.output
        engine = create_engine(url, poolclass=NullPool)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT COUNT(*) FROM inspection")).scalar() == 646 + 3000
            # The history is dated before the sample years: 2025's figures are unchanged.
            assert (
                conn.execute(text("SELECT COUNT(*) FROM inspection WHERE inspected_on >= '2024-01-01'")).scalar() == 646
            )
            assert conn.execute(text("SELECT COUNT(*) FROM staff_roster")).scalar() > 0
            assert "screening" not in _tables(conn)
        engine.dispose()
        again = CliRunner().invoke(main, args[:-2])
        assert again.exit_code == 2
        assert "已有这些示例数据" in again.output and "Traceback" not in again.output


def _tables(conn) -> set[str]:
    from sqlalchemy import inspect

    return set(inspect(conn).get_table_names())


def test_sample_load_into_sqlite_with_history(tmp_path):
    url = f"sqlite:///{tmp_path / 'scaled.db'}"
    result = CliRunner().invoke(
        main, ["sample", "load", "--url", url, "--system", "enforcement", "--years", "2025", "--scale", "2.5k"]
    )
    assert result.exit_code == 0, result.output
    engine = create_engine(url)
    with engine.connect() as conn:
        by_year = dict(
            conn.execute(
                text("SELECT substr(inspected_on, 1, 4), COUNT(*) FROM inspection GROUP BY 1 ORDER BY 1")
            ).all()
        )
    engine.dispose()
    assert by_year == {"2023": 2500, "2025": 646}


def test_sample_load_names_a_wrong_system_and_year_without_touching_a_database():
    runner = CliRunner()
    wrong = runner.invoke(
        main, ["sample", "load", "--url", "postgresql+psycopg://u:pw@127.0.0.1:1/x", "--system", "enforcment"]
    )
    assert wrong.exit_code == 2 and "没有名为“enforcment”的示例系统" in wrong.output and "enforcement" in wrong.output
    year = runner.invoke(main, ["sample", "load", "--url", "sqlite:///x.db", "--years", "2023"])
    assert year.exit_code == 2 and "示例数据没有 2023 年" in year.output
    scale = runner.invoke(main, ["sample", "load", "--url", "sqlite:///x.db", "--scale", "lots"])
    assert scale.exit_code == 2 and "不是行数" in scale.output


# -- no password in output or draft --------------------------------------------------------------


def _leaks(password: str, *texts: str) -> list[str]:
    forms = {password, urllib.parse.quote(password, safe="")}
    return [t[max(0, t.find(f) - 40) : t.find(f) + 40] for t in texts for f in forms if f in t]


def _draft_leaks(path: Path, password: str) -> list[str]:
    with zipfile.ZipFile(path) as z:
        return [
            name
            for name in z.namelist()
            if password.encode() in z.read(name) or urllib.parse.quote(password, safe="").encode() in z.read(name)
        ]


@pytest.mark.engines
def test_a_password_from_the_environment_never_reaches_output_or_draft(loaded, sample_project, tmp_path):
    kind, url = loaded
    password = "Pw-" + "x7Q9z!k"  # one that must be percent-encoded in a URL
    with server_user(kind, url, password) as user_url:
        template = (
            make_url(user_url)
            .set(password="PASSWORD-HERE")
            .render_as_string(hide_password=False)
            .replace("PASSWORD-HERE", "${DRAFTER_TEST_PASSWORD}")
        )
        config = tmp_path / "project" / "config.yaml"
        config.parent.mkdir()
        for part in ("queries", "templates"):
            (config.parent / part).symlink_to(sample_project.parent / part)
        text_ = sample_project.read_text(encoding="utf-8")
        text_ = re.sub(r"url: sqlite:///sample/\w+\.db", f"url: {template}", text_)
        config.write_text(text_, encoding="utf-8")
        env = {"DRAFTER_TEST_PASSWORD": urllib.parse.quote(password, safe="")}
        runner = CliRunner()
        out = tmp_path / "draft.docx"
        for debug in ([], ["--debug"]):
            built = runner.invoke(main, [*debug, "build", "-c", str(config), "-o", str(out), "--force"], env=env)
            assert built.exit_code == 0, built.output
            assert not _leaks(password, built.output, built.stderr)
            assert not _draft_leaks(out, password)
        listing = runner.invoke(main, ["figures", "-c", str(config), "-f", "json"], env=env)
        assert listing.exit_code == 0, listing.output
        assert not _leaks(password, listing.output)
        checked = runner.invoke(main, ["check", str(out), "-c", str(config)], env=env)
        assert not _leaks(password, checked.output)

        # Failing: a database that does not exist (and for MariaDB a wrong password as well).
        missing = template.replace(make_url(url).database, "drafter_no_such_db")
        wrong = {"DRAFTER_TEST_PASSWORD": urllib.parse.quote(password + "-wrong", safe="")}
        for overrides, environment in (({"enforcement": missing}, env), ({}, wrong)):
            if kind == "postgresql" and environment is wrong:
                continue  # this server trusts local connections: any password is accepted
            args = [a for name, u in overrides.items() for a in ("--source", f"{name}={u}")]
            for debug in ([], ["--debug"]):
                failed = runner.invoke(
                    main,
                    [*debug, "build", "-c", str(config), "-o", str(tmp_path / "f.docx"), "--force", "--strict", *args],
                    env=environment,
                )
                assert failed.exit_code == 1, failed.output
                # each its own message: no such database, a refused login
                assert re.search(r"数据源“(enforcement|disaster)”(的服务器上没有这个数据库|拒绝登录)", failed.output), (
                    failed.output
                )
                assert ":***@127.0.0.1" in failed.output
                assert not _leaks(password, failed.output, failed.stderr)
                assert not _leaks(password + "-wrong", failed.output, failed.stderr)


# -- concurrency (SQLite) ------------------------------------------------------------------------

SLEEP_SECONDS = 0.3


def _sleepy_project(tmp_path: Path, sources: int, concurrency: int) -> Path:
    """`sources` SQLite sources, each with two queries that sleep SLEEP_SECONDS in the database."""
    import sqlite3

    root = tmp_path / "sleepy"
    (root / "queries").mkdir(parents=True)
    (root / "templates/sections").mkdir(parents=True)
    lines = ["report: {agency: 测试局, year: 2025}", f"concurrency: {concurrency}", "sources:"]
    body = ["一、情况"]
    for i in range(sources):
        sqlite3.connect(root / f"s{i}.db").close()
        # sleep_ms is the test's own SQLite function: listed, as an office lists one of its own
        lines.append(f"  s{i}: {{url: 'sqlite:///s{i}.db', allow_functions: [sleep_ms]}}")
        for q in ("a", "b"):
            (root / "queries" / f"q{i}{q}.sql").write_text(
                f"-- source: s{i}\n-- description: 测试\n-- returns: scalar\n"
                f"SELECT sleep_ms({int(SLEEP_SECONDS * 1000)}) + {i} AS n\n",
                encoding="utf-8",
            )
            body.append(f"数字{{{{ q{i}{q} }}}}。")
    (root / "config.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (root / "templates/sections/1.txt").write_text("\n".join(body) + "\n", encoding="utf-8")
    (root / "templates/report.docx").write_bytes((REPO / "templates/report.docx").read_bytes())
    return root / "config.yaml"


class _Connections:
    """Counts connections opened, and the most open at once, across every engine."""

    def __init__(self):
        self.lock = threading.Lock()
        self.opened = 0
        self.open_now = 0
        self.most = 0
        self.threads: set[str] = set()

    def connect(self, dbapi_conn, _record):
        dbapi_conn.create_function("sleep_ms", 1, lambda ms: time.sleep(ms / 1000) or 0)
        with self.lock:
            self.opened += 1
            self.open_now += 1
            self.most = max(self.most, self.open_now)
            self.threads.add(threading.current_thread().name)

    def close(self, _dbapi_conn, _record):
        with self.lock:
            self.open_now -= 1

    def __enter__(self):
        event.listen(Engine, "connect", self.connect)
        event.listen(Engine, "close", self.close)
        return self

    def __exit__(self, *exc):
        event.remove(Engine, "connect", self.connect)
        event.remove(Engine, "close", self.close)


@pytest.mark.parametrize("concurrency", [1, 2, 4])
def test_sources_run_in_parallel_up_to_the_configured_limit(tmp_path, concurrency):
    sources = 4
    config = _sleepy_project(tmp_path, sources, concurrency)
    with _Connections() as seen:
        started = time.perf_counter()
        result = build(config, output=tmp_path / "out.docx")
        elapsed = result.timings["queries"]
    assert not result.failures, [f.error.render() for f in result.failures]
    assert seen.opened == sources  # each source connected once
    assert seen.open_now == 0  # and every connection closed
    assert seen.most == concurrency
    rounds = -(-sources // concurrency)
    per_source = 2 * SLEEP_SECONDS  # a source's two queries run one after the other on its connection
    assert rounds * per_source <= elapsed < rounds * per_source + 0.5, (elapsed, time.perf_counter() - started)
    assert all(name.startswith("drafter-source") for name in seen.threads)


# -- a result the server cut short is not printed ------------------------------------------------

DEEP_CTE = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 2000) SELECT COUNT(*) AS n FROM c"


@pytest.mark.engines
@pytest.mark.parametrize("kind", KINDS)
def test_a_result_the_server_cuts_short_with_a_warning_is_refused(kind, tmp_path):
    """MariaDB stops a recursive CTE after max_recursive_iterations (1000) and returns what it
    has with only a warning: 1001 where PostgreSQL and SQLite count 2000."""
    from drafter.data.runner import run_query
    from drafter.data.sources import connect, open_engine
    from drafter.errors import QueryError
    from drafter.project.config import SourceSettings
    from drafter.project.queries import QuerySpec

    spec = QuerySpec(
        name="deep",
        source="dept",
        description="x",
        returns="scalar",
        sql=DEEP_CTE,
        path=tmp_path / "deep.sql",
        sql_line=4,
    )
    with scratch_database(kind) as url, select_only(kind, url) as reader:
        settings = SourceSettings(url=reader)
        engine = open_engine("dept", settings)
        with connect("dept", engine, settings) as conn:
            if kind == "postgresql":
                assert run_query(conn, spec, "dept", {}, 10).value.value == 2000
            else:
                with pytest.raises(QueryError) as info:
                    run_query(conn, spec, "dept", {}, 10)
                message = info.value.render()
                assert "查询 deep 的结果不完整" in message and "max_recursive_iterations" in message
                assert info.value.path == spec.path
                # The connection is still good for the next query.
                shallow = QuerySpec(
                    name="shallow",
                    source="dept",
                    description="x",
                    returns="scalar",
                    sql=DEEP_CTE.replace("2000", "500"),
                    path=tmp_path / "shallow.sql",
                    sql_line=4,
                )
                assert run_query(conn, shallow, "dept", {}, 10).value.value == 500
        engine.dispose()


SECRET = "S3cret-load"


@pytest.mark.parametrize(
    "kind, url",
    [
        ("postgresql", f"postgresql+psycopg://report:{SECRET}@127.0.0.1:1/enforce"),
        ("mysql", f"mysql+pymysql://report:{SECRET}@127.0.0.1:1/enforce"),
    ],
)
def test_sample_load_into_a_closed_port_fails_fast_with_the_password_masked(kind, url):
    for debug in ([], ["--debug"]):
        started = time.monotonic()
        result = CliRunner().invoke(main, [*debug, "sample", "load", "--url", url, "--system", "office"])
        assert time.monotonic() - started < 5
        assert result.exit_code == 1, result.output  # the database failed, as for build
        assert "无法装入示例数据" in result.output and ":***@127.0.0.1:1/enforce" in result.output
        assert SECRET not in result.output  # with --debug's traceback too


@pytest.mark.engines
def test_sample_load_with_a_password_from_the_environment_never_prints_it():
    with scratch_database("postgresql") as url:  # this server trusts local connections: any password is taken
        with_password = make_url(url).set(password="PLACEHOLDER").render_as_string(hide_password=False)
        template = with_password.replace("PLACEHOLDER", "${DRAFTER_TEST_LOAD_PASSWORD}")
        result = CliRunner().invoke(
            main,
            ["sample", "load", "--url", template, "--system", "office"],
            env={"DRAFTER_TEST_LOAD_PASSWORD": SECRET},
        )
        assert result.exit_code == 0, result.output
        assert ":***@" in result.output and SECRET not in result.output
