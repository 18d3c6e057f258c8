"""Time limits and failures: a slow query is stopped at its source's `timeout` with a message
naming the query and the limit; an unreachable server fails fast, naming the source and its
URL with the password masked; no password is ever printed.

SQLite is stopped by a progress handler (a recursive CTE that would run for hours), the
servers by their own statement limits (a cross join of a recursive CTE that would run for
days: drafter refuses pg_sleep and SLEEP outright), reached through dialect variants of the
same query file.
"""

from __future__ import annotations

import re
import shutil
import socket
import sqlite3
import threading
import time
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from reading import read_paragraphs
from servers import scratch_database, select_only

from drafter import build
from drafter.cli import main
from drafter.data.sources import CONNECT_TIMEOUT
from drafter.errors import QueryTimeout

REPO = Path(__file__).resolve().parents[1]
HEAVY_CTE = (
    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 2000000000)\nSELECT COUNT(*) AS n FROM c"
)
CROSS = (
    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000)\n"
    "SELECT COUNT(*) AS n FROM c a, c b, c d, c e"
)
SLEEP = {"postgresql": CROSS, "mysql": CROSS}
PASSWORD = "Tr0ub4dor-3"


def _project(tmp_path: Path, timeout: float = 1) -> Path:
    """One SQLite source with a time limit; queries a_slow, b_fast, c_slow run in that order."""
    root = tmp_path / "project"
    queries = root / "queries"
    queries.mkdir(parents=True)
    (root / "templates/sections").mkdir(parents=True)
    sqlite3.connect(root / "dept.db").close()
    (root / "config.yaml").write_text(
        "report: {agency: 测试局, year: 2025}\n"
        f"sources:\n  dept:\n    url: sqlite:///dept.db\n    timeout: {timeout:g}\n",
        encoding="utf-8",
    )
    header = "-- source: dept\n-- description: {}\n-- returns: scalar\n"
    for name in ("a_slow", "c_slow"):
        (queries / f"{name}.sql").write_text(header.format("很慢的查询") + HEAVY_CTE + "\n", encoding="utf-8")
        for dialect, sql in SLEEP.items():
            (queries / f"{name}.{dialect}.sql").write_text(sql + "\n", encoding="utf-8")
    (queries / "b_fast.sql").write_text(header.format("很快的查询") + "SELECT 42 AS n\n", encoding="utf-8")
    (root / "templates/sections/1.txt").write_text(
        "一、情况\n慢{{ a_slow }}件，快{{ b_fast }}件，又慢{{ c_slow }}件。\n", encoding="utf-8"
    )
    shutil.copy(REPO / "templates/report.docx", root / "templates/report.docx")
    return root / "config.yaml"


def _assert_stopped_at_the_limit(config: Path, tmp_path: Path, sources: dict[str, str] | None = None) -> None:
    # Strict: the first slow query stops the build, named with its limit.
    started = time.monotonic()
    with pytest.raises(QueryTimeout) as info:
        build(config, output=tmp_path / "strict.docx", sources=sources, strict=True)
    assert time.monotonic() - started < 2 * 1 + 2.5  # both slow queries stopped at 1 s, not after 5 s
    message = info.value.render()
    assert "查询 a_slow（数据源“dept”）超过时限 1 秒，已被中止" in message
    assert info.value.path.name.startswith("a_slow.")
    assert "sources.dept.timeout" in message
    assert not (tmp_path / "strict.docx").exists()

    # Not strict (the default): placeholders and a warning for each slow query; the fast query
    # between them, on the same connection, still gives its figure.
    args = ["build", "-c", str(config), "-o", str(tmp_path / "draft.docx")]
    for name, url in (sources or {}).items():
        args += ["--source", f"{name}={url}"]
    started = time.monotonic()
    result = CliRunner().invoke(main, args)
    elapsed = time.monotonic() - started
    assert result.exit_code == 1, result.output
    assert elapsed < 2 * 1 + 2.5, elapsed
    for name in ("a_slow", "c_slow"):
        assert f"查询 {name}（数据源“dept”）超过时限 1 秒，已被中止" in result.stderr
    assert "b_fast" not in result.stderr
    text = "\n".join(read_paragraphs(tmp_path / "draft.docx"))
    assert re.search(r"慢【待补充[^】]*】件，快42件，又慢【待补充[^】]*】件。", text), text


def test_a_slow_sqlite_query_is_interrupted_at_the_source_timeout(tmp_path):
    _assert_stopped_at_the_limit(_project(tmp_path), tmp_path)


@pytest.mark.engines
@pytest.mark.parametrize("kind", ["postgresql", "mariadb"])
def test_a_slow_server_query_is_stopped_by_the_server_at_the_source_timeout(tmp_path, kind):
    with (
        scratch_database(kind) as url,  # skips (or fails under DRAFTER_REQUIRE_ENGINES=1) if no server
        select_only(kind, url) as reader,
    ):
        _assert_stopped_at_the_limit(_project(tmp_path), tmp_path, sources={"dept": reader})


# -- unreachable servers -------------------------------------------------------------------------

CLOSED = {
    "postgresql": f"postgresql+psycopg://report:{PASSWORD}@127.0.0.1:{{port}}/enforce",
    "mysql": f"mysql+pymysql://report:{PASSWORD}@127.0.0.1:{{port}}/enforce",
}


def _closed_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run_unreachable(tmp_path: Path, url: str, *debug: str):
    config = _project(tmp_path)
    started = time.monotonic()
    result = CliRunner().invoke(main, [*debug, "build", "-c", str(config), "--strict", "--source", f"dept={url}"])
    return result, time.monotonic() - started


@pytest.mark.parametrize("kind", list(CLOSED))
@pytest.mark.parametrize("port", [1, None])
def test_a_closed_port_fails_fast_naming_the_source_and_the_masked_url(tmp_path, kind, port):
    url = CLOSED[kind].format(port=port or _closed_port())
    for debug in ((), ("--debug",)):
        result, elapsed = _run_unreachable(tmp_path / str(len(debug)), url, *debug)
        assert elapsed < 5, elapsed
        assert result.exit_code == 1, result.output
        shown = url.replace(PASSWORD, "***")
        assert f"无法连接数据源“dept”（{shown}）" in result.output
        assert "原因：" in result.output and "refused" in result.output.lower()
        assert PASSWORD not in result.output
    # Not strict: the draft is written with placeholders whose reasons name the source; the
    # password is in none of its parts.
    config = _project(tmp_path / "lenient")
    draft = tmp_path / "lenient.docx"
    result = CliRunner().invoke(main, ["build", "-c", str(config), "-o", str(draft), "--source", f"dept={url}"])
    assert result.exit_code == 1 and PASSWORD not in result.output
    with zipfile.ZipFile(draft) as z:
        assert not [n for n in z.namelist() if PASSWORD.encode() in z.read(n)]
        assert any(b"127.0.0.1" in z.read(n) for n in z.namelist())  # the reason (masked URL) is there


@pytest.mark.parametrize("kind", list(CLOSED))
def test_a_server_that_never_answers_fails_within_the_connect_timeout(tmp_path, kind):
    """A firewall that drops packets, or a hung server: accept the TCP connection, say nothing."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept():
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                pass

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        url = CLOSED[kind].format(port=listener.getsockname()[1])
        result, elapsed = _run_unreachable(tmp_path, url)
    finally:
        stop.set()
        thread.join()
        for conn in accepted:
            conn.close()
        listener.close()
    assert result.exit_code == 1, result.output
    assert elapsed < CONNECT_TIMEOUT + 3, elapsed
    assert "无法连接数据源“dept”" in result.output and ":***@127.0.0.1" in result.output
    assert PASSWORD not in result.output


def test_a_url_that_cannot_be_parsed_is_shown_without_its_password(tmp_path):
    url = f"postgresql+psycopg://report:{PASSWORD}@127.0.0.1:port/enforce"  # port is not a number
    result, _ = _run_unreachable(tmp_path, url)
    assert result.exit_code in (1, 2), result.output
    assert "dept" in result.output and ":***@" in result.output
    assert PASSWORD not in result.output


def test_a_password_in_the_query_string_is_masked_too():
    from drafter.data.sources import masked_url, scrub

    url = f"postgresql+psycopg://report@db/enforce?password={PASSWORD}&sslmode=require"
    assert PASSWORD not in masked_url(url) and "sslmode=require" in masked_url(url)
    assert scrub(f"failed for {PASSWORD}", url) == "failed for ***"


@pytest.mark.engines
def test_a_mysql_result_that_arrives_at_the_limit_is_not_printed(tmp_path):
    """MySQL's SLEEP() stopped by max_execution_time returns 1 instead of failing (MariaDB 10.11
    raises error 1969, as the test above shows): a result that took the whole limit is refused."""
    import itertools

    from drafter.data.runner import run_query
    from drafter.data.sources import connect, open_engine
    from drafter.project.config import SourceSettings
    from drafter.project.queries import QuerySpec

    spec = QuerySpec(
        name="slept",
        source="dept",
        description="x",
        returns="scalar",
        sql="SELECT 1 AS n",
        path=tmp_path / "slept.sql",
        sql_line=4,
    )
    with scratch_database("mariadb") as url, select_only("mariadb", url) as reader:
        settings = SourceSettings(url=reader, timeout=1)
        engine = open_engine("dept", settings)
        with connect("dept", engine, settings) as conn:
            at_the_limit = itertools.chain([100.0], itertools.repeat(101.0)).__next__
            with pytest.raises(QueryTimeout) as info:
                run_query(conn, spec, "dept", {}, 1, clock=at_the_limit)
            assert "查询 slept（数据源“dept”）超过时限 1 秒" in info.value.render()
            assert "结果可能不完整" in info.value.render()
            # Under the limit the same query gives its figure.
            in_time = itertools.chain([100.0], itertools.repeat(100.5)).__next__
            assert run_query(conn, spec, "dept", {}, 1, clock=in_time).value.value == 1
        engine.dispose()
