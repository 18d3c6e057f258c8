"""Unit keys matched faithfully: the key column of a grouped query and the units' names are
compared after the same normalisation (CHAR(n) padding, full-width forms, surrounding
blanks), and rows that match no unit, or have no key, are reported, not dropped silently.

Each database holds the same rows: 东区 3 checks (its key padded or full-width where the
engine allows), 西区 2, a typo 北 区 1 and a NULL key 1; units 东区, 西区, 南区."""

from __future__ import annotations

import re
import shutil
import sqlite3
from pathlib import Path

import pytest
from docx import Document
from openpyxl import Workbook

from drafter.batch import build_units
from drafter.errors import DataError
from drafter.outcome import batch_check_exit_code, check_exit_code
from drafter.project.units import match_unit_keys, unit_key
from drafter.review.batch import check_many
from drafter.review.checker import check
from drafter.word.manifest import read_manifest

REPO = Path(__file__).resolve().parents[1]

ROWS = [("东区", 1), ("东区  ", 1), ("东区", 1), ("西区", 1), ("西区", 1), ("北 区", 1), (None, 1)]


def test_unit_key_drops_padding_and_folds_full_width():
    assert unit_key("黄浦区   ") == "黄浦区"
    assert unit_key("\u3000第１街道 ") == "第1街道"
    assert unit_key(None) is None and unit_key("   ") is None
    assert unit_key(101) == "101"


def test_match_unit_keys_counts_what_no_unit_received():
    rows = [
        (3, "东区   "),
        (2, "ＡＢ社区"),
        (1, "北区"),
        (1, "北区"),
        (5, None),
        (7, "南区"),
        (4, "西区"),
        (9, " 西区"),
    ]
    match = match_unit_keys(rows, ["东区", "AB社区", "西区"], known=["东区", "AB社区", "西区", "南区"])
    # 东区 padded as a CHAR(n) column pads: its own `= :unit` query finds it too.
    assert match.rows == {"东区": [(3,)], "西区": [(4,)]}
    # Full-width or a leading blank: the unit's own query (which check re-runs) would not find them.
    assert match.unmatched == {"北区": 2, "ＡＢ社区": 1, " 西区": 1} and match.null_rows == 1
    assert match.near == {"ＡＢ社区": "AB社区", " 西区": "西区"}  # 南区 is a unit, only not drafted now
    warning = match.warning("checks", "district")
    assert warning is not None and "“北区”2 行" in warning and "NULL" in warning and "checks" in warning
    assert "“ＡＢ社区”1 行（与“AB社区”只差空格或全角/半角）" in warning
    assert match_unit_keys([(1, "东区")], ["东区"]).warning("q") is None


CONFIG = """\
report:
  agency: 测试市统计局
  year: 2025
  title: "{{{{ unit }}}}{{{{ year }}}}年检查情况"
sources:
  office:
    url: {url}
units: [东区, 西区, 南区]
queries: queries
templates:
  master: templates/report.docx
  sections: templates/sections
output:
  dir: output
  filename: "{{{{ unit }}}}.docx"
"""

QUERY = """\
-- source: office
-- description: 本区检查次数
-- returns: scalar
-- per: district
SELECT COUNT(*) AS checks FROM {table} WHERE district = :unit
"""


def _project(root: Path, url: str, master: Path, table: str = "checks") -> Path:
    (root / "queries").mkdir(parents=True)
    (root / "templates/sections").mkdir(parents=True)
    (root / "config.yaml").write_text(CONFIG.format(url=url), encoding="utf-8")
    (root / "queries/checks.sql").write_text(QUERY.format(table=table), encoding="utf-8")
    (root / "templates/sections/1-检查.txt").write_text("一、检查\n本区检查{{ checks }}次。\n", encoding="utf-8")
    shutil.copy(master, root / "templates/report.docx")
    return root / "config.yaml"


def _counts(result) -> dict[str, int]:
    out = {}
    for outcome in result.outcomes:
        manifest = read_manifest(Document(str(outcome.path)))
        (figure,) = [f for f in manifest.figures if f.ref in ("checks", "checks.checks")]
        out[outcome.unit] = int(figure.value)
    return out


def _assert_faithful(config: Path, tmp_path: Path, east: int = 3, also: tuple[str, ...] = ()) -> None:
    """The drafts hold what each unit's own query gives; the rows no unit received are told."""
    result = build_units(config, directory=tmp_path / "out", jobs=1)
    assert _counts(result) == {"东区": east, "西区": 2, "南区": 0}
    # One warning tells the rows no unit received (南区, with no rows, has its own: an empty period).
    (warning,) = [w for w in result.warnings if "未计入任何单位" in w]
    assert "“北 区”1 行" in warning and "NULL 或空白）的结果行：1 行" in warning
    assert re.search(r"查询 \w+（\w+\.sql） ?按单位", warning)  # the query file named
    for key in also:
        assert f"“{key}”1 行（与“东区”只差空格或全角/半角）" in warning
    checked = check_many([o.path for o in result.outcomes], config)
    assert batch_check_exit_code(checked) == 0, [r.summary() for r in checked.reports]
    assert "北 区" in result.summary()
    with pytest.raises(DataError, match="北 区"):
        build_units(config, directory=tmp_path / "strict", jobs=1, strict=True)
    assert not (tmp_path / "strict").exists()
    # A run for some units (--unit): the other units' own rows are no mistake; the typo, and a key
    # that only resembles another unit's name (its own query would not find it either), still are:
    # a run tells the same rows of no unit whichever units it drafts.
    (some,) = [w for w in build_units(config, units=["西区"], directory=tmp_path / "one").warnings if "未计入" in w]
    assert "北 区" in some and "“东区”1 行" not in some and "“东区”2 行" not in some
    assert all(f"“{key}”1 行（与“东区”只差空格或全角/半角）" in some for key in also)


@pytest.fixture
def master() -> Path:
    return REPO / "templates" / "report.docx"


def test_sqlite_keys_with_padding_and_full_width(tmp_path, master):
    db = tmp_path / "office.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE checks (district TEXT, n INTEGER)")
        rows = [("\u3000东区" if i == 2 else d, n) for i, (d, n) in enumerate(ROWS)]  # an ideographic space
        conn.executemany("INSERT INTO checks VALUES (?, ?)", rows)
    # SQLite compares text exactly: 东区's own query finds one row; the padded and the
    # ideographic-space keys are told as resembling 东区, not counted for it.
    _assert_faithful(
        _project(tmp_path / "p", f"sqlite:///{db}", master), tmp_path, east=1, also=("东区  ", "\u3000东区")
    )


def test_spreadsheet_keys(tmp_path, master):
    book = Workbook()
    sheet = book.active
    sheet.title = "checks"
    sheet.append(["district", "n"])
    for row in ROWS:
        sheet.append(list(row))
    book.save(tmp_path / "台账.xlsx")
    _assert_faithful(_project(tmp_path / "p", str(tmp_path / "台账.xlsx"), master), tmp_path)


@pytest.mark.engines
@pytest.mark.parametrize("kind", ["postgresql", "mariadb"])
def test_char_keys_on_a_server(kind, tmp_path, master):
    from servers import scratch_database, server_user
    from sqlalchemy import create_engine, text

    with scratch_database(kind) as url:
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE checks (district CHAR(8), n INTEGER)"))
            for district, n in ROWS:
                conn.execute(text("INSERT INTO checks VALUES (:d, :n)"), {"d": district, "n": n})
            if kind == "postgresql":  # the padding is real: the driver hands it back
                assert conn.execute(text("SELECT district FROM checks LIMIT 1")).scalar() == "东区      "
        engine.dispose()
        with server_user(kind, url, "pw-unit-keys") as reader:
            _assert_faithful(_project(tmp_path / "p", reader, master), tmp_path)


def test_sqlite_keys_stored_only_padded_are_no_units_rows(tmp_path, master):
    """SQLite's `=` keeps trailing blanks: where a unit's name is stored only padded, its own query
    finds nothing, so neither may the grouped run (the draft and its recorded query agree)."""
    db = tmp_path / "office.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE checks (district TEXT, n INTEGER)")
        conn.executemany("INSERT INTO checks VALUES (?, ?)", [("东区   ", 1), ("东区   ", 1), ("西区", 1)])
    config = _project(tmp_path / "p", f"sqlite:///{db}", master)
    result = build_units(config, directory=tmp_path / "out", jobs=1)
    assert _counts(result) == {"东区": 0, "西区": 1, "南区": 0}
    (warning,) = [w for w in result.warnings if "未计入任何单位" in w]
    assert "“东区   ”" in warning and "（与“东区”只差空格或全角/半角）" in warning
    checked = check_many([o.path for o in result.outcomes], config)
    assert batch_check_exit_code(checked) == 0, [r.summary() for r in checked.reports]
    for outcome in result.outcomes:  # each draft alone agrees with its databases too
        assert check_exit_code(check(outcome.path, config)) == 0


def test_trailing_blanks_match_only_where_the_engine_ignores_them():
    rows = [(2, "东区  ")]
    assert match_unit_keys(rows, ["东区"]).rows == {"东区": [(2,)]}  # MySQL/MariaDB PAD SPACE
    exact = match_unit_keys(rows, ["东区"], pad_blanks=False)  # SQLite; PostgreSQL's CHAR keys come as TEXT
    assert exact.rows == {} and exact.near == {"东区  ": "东区"}


def test_a_batch_refused_after_its_workers_started_leaves_no_worker_behind(tmp_path, master):
    """The worker processes start before the queries run; a batch the queries stop (`--strict`
    and rows no unit received) writes nothing and shuts its workers down."""
    import multiprocessing

    db = tmp_path / "office.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE checks (district TEXT, n INTEGER)")
        conn.executemany("INSERT INTO checks VALUES (?, ?)", ROWS)
    config = _project(tmp_path / "p", f"sqlite:///{db}", master)
    with pytest.raises(DataError, match="北 区"):
        build_units(config, directory=tmp_path / "strict", jobs=2, strict=True)
    assert not (tmp_path / "strict").exists()
    assert multiprocessing.active_children() == []
    result = build_units(config, directory=tmp_path / "out", jobs=2)  # the same batch on two workers
    assert result.jobs == 2 and _counts(result) == {"东区": 2, "西区": 2, "南区": 0}


def test_strict_tells_every_query_whose_rows_no_unit_received_alike():
    from drafter.data.runner import RunResult
    from drafter.pipeline.build import refuse_unmatched_keys

    one, two = "查询 a 按单位分配数据时有结果行未计入任何单位：x", "查询 b 按单位分配数据时有结果行未计入任何单位：y"
    with pytest.raises(DataError) as caught:
        refuse_unmatched_keys(RunResult(unmatched_keys=[one, two]))
    told = caught.value.render()
    assert "2 条查询" in told.splitlines()[0] and f"1. {one}" in told and f"2. {two}" in told
    with pytest.raises(DataError) as caught:
        refuse_unmatched_keys(RunResult(unmatched_keys=[one]))
    assert caught.value.render().splitlines()[0].endswith(one) or one in caught.value.render().splitlines()[0]
    refuse_unmatched_keys(RunResult())  # nothing left out: nothing refused


FRAGILE = """\
-- source: office
-- description: 本区检查次数
-- returns: scalar
-- per: district
SELECT SUM(json_extract(payload, '$.n')) AS checks FROM checks WHERE {where}district = :unit
"""


def _fragile(tmp_path: Path, master: Path, where: str = "") -> Path:
    """A grouped query that fails (malformed JSON in 西区's rows): each unit's own query is run."""
    db = tmp_path / "office.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE checks (district TEXT, payload TEXT)")
        rows = [("东区", '{"n": 2}'), ("东区", '{"n": 1}'), ("西区", "not json"), ("北 区", '{"n": 5}')]
        rows += [("北 区", '{"n": 1}'), (None, '{"n": 1}')]
        conn.executemany("INSERT INTO checks VALUES (?, ?)", rows)
    config = _project(tmp_path / "p", f"sqlite:///{db}", master)
    (config.parent / "queries/checks.sql").write_text(FRAGILE.format(where=where), encoding="utf-8")
    return config


def test_a_failed_grouped_query_still_tells_the_rows_no_unit_received(tmp_path, master):
    """The query for all units fails; each unit's own query cannot see rows of a key of no unit:
    those are counted by key over the same FROM and WHERE and told, never dropped silently."""
    config = _fragile(tmp_path, master)
    result = build_units(config, directory=tmp_path / "out", jobs=1)
    by_unit = {o.unit: o for o in result.outcomes}
    assert by_unit["西区"].broken and "单位：西区" in by_unit["西区"].broken[0]
    (east,) = [
        f for f in read_manifest(Document(str(by_unit["东区"].path))).figures if f.ref in ("checks", "checks.checks")
    ]
    assert east.value == 3
    (warning,) = [w for w in result.warnings if "未计入任何单位" in w]
    # counted as data rows (2 rows of 北 区), not as the result's one row a key
    assert "合并查询出错、已逐个单位查询" in warning and "checks.sql" in warning
    assert "单位名不在 units 中的数据行：“北 区”2 行" in warning and "NULL 或空白）的数据行：1 行" in warning
    with pytest.raises(DataError, match="北 区"):
        build_units(config, directory=tmp_path / "strict", jobs=1, strict=True)
    # a unit's draft checked alone runs the same way, and says the same
    report = check(by_unit["东区"].path, config)
    assert any("“北 区”2 行" in w for w in report.warnings), report.warnings


def test_rows_that_cannot_be_counted_after_a_failed_grouped_query_are_said_so(tmp_path, master):
    """When the FROM and WHERE themselves fail, the rows of no unit cannot be counted: said so
    (a warning, an error under --strict), never taken for none."""
    config = _fragile(tmp_path, master, where="json_extract(payload, '$.n') IS NOT NULL AND ")
    result = build_units(config, directory=tmp_path / "out", jobs=1)
    (warning,) = [w for w in result.warnings if "无法另查" in w]
    assert "checks.sql" in warning and "district" in warning and "JSON" in warning
    with pytest.raises(DataError, match="无法另查"):
        build_units(config, directory=tmp_path / "strict", jobs=1, strict=True)


def test_a_batch_of_two_periods_names_the_period_of_each_query_s_rows_of_no_unit(tmp_path, master):
    db = tmp_path / "office.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE checks (district TEXT, n INTEGER)")
        conn.executemany("INSERT INTO checks VALUES (?, ?)", ROWS)
    config = _project(tmp_path / "p", f"sqlite:///{db}", master)
    drafts = []
    for year in ("2024", "2025"):
        drafts += [o.path for o in build_units(config, directory=tmp_path / year, period=year).outcomes]
    checked = check_many(drafts, config)
    told = [w for w in checked.unmatched_keys if "北 区" in w]
    assert [w.split("：", 1)[0] for w in told] == ["2024年度", "2025年度"], told
    # one period alone: no period named, as build tells it
    alone = check_many(drafts[:3], config)
    assert next(w for w in alone.unmatched_keys if "北 区" in w).startswith("查询 checks")
