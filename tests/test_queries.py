from datetime import date
from pathlib import Path

import pytest

from drafter.errors import QueryError
from drafter.project.queries import load_queries, parse_query, sql_fingerprint
from drafter.project.sql import check_select

HEADER = "-- source: enforcement\n-- description: 全年执法检查\n-- returns: row\n"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_a_query_is_named_after_its_file_and_reads_its_header(tmp_path):
    path = write(
        tmp_path,
        "law_enforcement.sql",
        HEADER + "SELECT COUNT(*) AS n FROM inspection\nWHERE d >= :period_start AND d < :period_end\n",
    )
    spec = parse_query(path)
    assert spec.name == "law_enforcement"
    assert spec.source == "enforcement"
    assert spec.description == "全年执法检查"
    assert spec.returns == "row"
    assert spec.sql_line == 4
    assert spec.parameters == ["period_start", "period_end"]


def test_parameters_inside_strings_and_comments_are_not_parameters(tmp_path):
    path = write(tmp_path, "q.sql", HEADER + "SELECT ':fake' AS a, x::text -- :nope\nFROM t WHERE y = :year")
    assert parse_query(path).parameters == ["year"]


def test_returns_defaults_to_row(tmp_path):
    path = write(tmp_path, "q.sql", "-- source: s\n-- description: d\nSELECT 1 AS a")
    assert parse_query(path).returns == "row"


@pytest.mark.parametrize(
    "text, message, line",
    [
        ("-- description: d\nSELECT 1", "缺少“source”", 1),
        ("-- source: s\n-- descripton: d\nSELECT 1", "未知的项“descripton”", 2),
        ("-- source: s\n-- description: d\n-- returns: table\nSELECT 1", "returns 的值“table”无效", 3),
        ("-- name: other\n-- source: s\n-- description: d\nSELECT 1", "与文件名“q”不一致", 1),
        ("-- source: s\n-- description: d\n", "没有 SQL 语句", None),
    ],
)
def test_a_bad_header_names_the_file_and_line(tmp_path, text, message, line):
    path = write(tmp_path, "q.sql", text)
    with pytest.raises(QueryError) as info:
        parse_query(path)
    assert message in info.value.message
    assert info.value.path == path
    assert info.value.line == line


def test_unknown_header_key_suggests_the_nearest(tmp_path):
    path = write(tmp_path, "q.sql", "-- source: s\n-- descripton: d\nSELECT 1")
    with pytest.raises(QueryError) as info:
        parse_query(path)
    assert "description" in info.value.hint


def test_duplicate_names_across_folders_are_refused(tmp_path):
    write(tmp_path, "a/x.sql", HEADER + "SELECT 1 AS a")
    write(tmp_path, "b/x.sql", HEADER + "SELECT 2 AS a")
    with pytest.raises(QueryError, match="重复"):
        load_queries(tmp_path)


def test_a_dialect_variant_is_attached_to_its_query(tmp_path):
    write(tmp_path, "x.sql", HEADER + "SELECT 1 AS a")
    variant = write(tmp_path, "x.postgresql.sql", "SELECT 2 AS a")
    specs = load_queries(tmp_path)
    assert specs["x"].sql_for("postgresql") == ("SELECT 2 AS a", variant)
    assert specs["x"].sql_for("sqlite")[0] == "SELECT 1 AS a"


def test_a_variant_without_its_query_is_refused(tmp_path):
    write(tmp_path, "y.mysql.sql", "SELECT 2")
    with pytest.raises(QueryError, match="没有对应的通用查询") as caught:
        load_queries(tmp_path)
    assert "先写通用的 y.sql" in caught.value.hint  # the query it needs, by name


def test_every_problem_of_the_query_folder_is_found_in_one_scan(tmp_path):
    from drafter.project.queries import scan_queries

    write(tmp_path, "a/x.sql", HEADER + "SELECT 1 AS n")
    write(tmp_path, "b/x.sql", HEADER + "SELECT 2 AS n")
    write(tmp_path, "bad.sql", "-- source: enforcement\nSELECT 1")
    write(tmp_path, "z.postgresql.sql", "SELECT 3")
    specs, problems = scan_queries(tmp_path)
    assert list(specs) == ["x"] and specs["x"].path == tmp_path / "a/x.sql"
    messages = [p.message for p in problems]
    assert len(messages) == 3
    assert "查询名“x”重复" in messages
    assert any("z.postgresql.sql" in m and "没有对应的通用查询 z.sql" in m for m in messages)


def test_missing_query_directory(tmp_path):
    with pytest.raises(QueryError, match="找不到查询目录"):
        load_queries(tmp_path / "nope")


def test_fingerprint_ignores_whitespace_but_not_content():
    assert sql_fingerprint("SELECT 1\n  FROM t") == sql_fingerprint("SELECT 1 FROM t")
    assert sql_fingerprint("SELECT 1 FROM t") != sql_fingerprint("SELECT 2 FROM t")


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT COUNT(*) FROM t",
        "with x as (select 1 as a) select a from x",
        "SELECT 'DELETE FROM t; DROP TABLE t' AS note",
        "SELECT a -- update me\nFROM t;",
        "SELECT updated_at, deleted FROM t",
        "(SELECT 1)",
    ],
)
def test_read_only_selects_pass_the_guard(sql):
    check_select(sql, Path("q.sql"))


@pytest.mark.parametrize(
    "sql, words",
    [
        ("DELETE FROM t", "SELECT 或 WITH"),
        ("UPDATE t SET a = 1", "SELECT 或 WITH"),
        ("SELECT 1; DROP TABLE t", "多条语句"),
        ("SELECT 1;\nSELECT 2", "多条语句"),
        ("WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d", "DELETE"),
        ("SELECT * INTO new_t FROM t", "INTO"),
        ("CREATE TABLE x (a int)", "SELECT 或 WITH"),
        ("SELECT * FROM t FOR UPDATE", "UPDATE"),
    ],
)
def test_writes_and_second_statements_are_refused_naming_the_file(sql, words):
    with pytest.raises(QueryError) as info:
        check_select(sql, Path("queries/bad.sql"), first_line=4)
    assert words in info.value.message
    assert info.value.path == Path("queries/bad.sql")
    assert info.value.line >= 4


def test_a_dialect_variant_gets_the_parameters_it_uses_not_those_of_the_portable_file(tmp_path):
    from sqlalchemy import create_engine

    from drafter.data.runner import run_query

    write(tmp_path, "q/x.sql", HEADER.replace("row", "scalar") + "SELECT :year AS y")
    variant = write(tmp_path, "q/x.sqlite.sql", "SELECT CAST(substr(:period_start, 1, 4) AS INTEGER) + 1 AS y")
    spec = load_queries(tmp_path / "q")["x"]
    params = {"year": 2025, "period_start": date(2025, 1, 1)}
    with create_engine("sqlite://").connect() as conn:
        result = run_query(conn, spec, "enforcement", params, timeout=5)
    assert result.sql_file == variant
    assert result.value.value == 2026  # the variant ran, with :period_start bound
    assert result.params == {"period_start": params["period_start"]}
