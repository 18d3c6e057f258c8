"""Queries that fail at check or refresh time (the database unreachable, a view that errors now
but did not at build time): the figures they back cannot be checked, and check and refresh say
so — with the query, the unit and the database's reason — instead of judging the figures by a
fresh render whose places hold placeholders (已移动, 已删除, 手工修改). Also: the rows a grouped
query's re-run left to no unit are told by check and refresh as build tells them.

The project: two districts, a city total (shared), the districts' checks (`-- per: district`,
with a row of a district that is no unit) and their complaints per staff (`-- per: district`,
over a view that errors for a district whose staff is 0)."""

from __future__ import annotations

import shutil
import sqlite3
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from docx import Document
from docx.oxml.ns import qn
from openpyxl import load_workbook

from drafter.batch import build_units
from drafter.cli import main
from drafter.outcome import batch_check_exit_code, check_exit_code, refresh_exit_code
from drafter.review.batch import check_many
from drafter.review.checker import CONSISTENT, PARAGRAPHS, UNCHECKED, check
from drafter.review.checklist import write_batch_checklist
from drafter.review.refresh import refresh, refresh_many
from drafter.review.report_text import render_batch_summary, render_check

REPO = Path(__file__).resolve().parents[1]

CONFIG = """\
report:
  agency: 测试市局
  period: quarter
  year: 2025
  title: "{{ unit }}{{ period.label }}工作情况"
sources:
  db:
    url: sqlite:///data/db.sqlite
    description: 业务系统
units: [东区, 西区]
queries: queries
templates:
  master: templates/report.docx
  sections: templates/sections
output:
  dir: output
  filename: "{{ unit }}.docx"
"""

QUERIES = {
    "city": """\
-- source: db
-- description: 全市检查次数
-- returns: row
SELECT COUNT(*) AS checks FROM inspection WHERE day >= :period_start AND day < :period_end
""",
    "unit_checks": """\
-- source: db
-- description: 本区检查次数和罚款
-- returns: row
-- per: district
SELECT COUNT(*) AS checks, COALESCE(SUM(fine), 0) AS fines FROM inspection
WHERE day >= :period_start AND day < :period_end AND district = :unit
""",
    "unit_load": """\
-- source: db
-- description: 本区投诉和人均负荷
-- returns: row
-- per: district
SELECT COUNT(*) AS received, SUM(load) AS load FROM v_load
WHERE day >= :period_start AND day < :period_end AND district = :unit
""",
}

SECTION = """\
一、主要工作
本季度全市检查{{ city.checks }}次。
本区检查{{ unit_checks.checks }}次，罚款{{ unit_checks.fines }}元。
本区受理投诉{{ unit_load.received }}件，人均负荷{{ unit_load.load }}件。
"""

# SQLite gives NULL for 1/0; abs() of the smallest integer is its error ("integer overflow").
FAILING_VIEW = (
    "CREATE VIEW v_load AS SELECT c.district, c.day, "
    "CASE WHEN s.n = 0 THEN abs(-9223372036854775807 - 1) ELSE 1.0 / s.n END AS load "
    "FROM complaint c JOIN staff s USING (district)"
)


def _project(root: Path) -> Path:
    (root / "queries").mkdir(parents=True)
    (root / "templates/sections").mkdir(parents=True)
    (root / "data").mkdir()
    (root / "config.yaml").write_text(CONFIG, encoding="utf-8")
    for name, sql in QUERIES.items():
        (root / "queries" / f"{name}.sql").write_text(sql, encoding="utf-8")
    (root / "templates/sections/1-工作.txt").write_text(SECTION, encoding="utf-8")
    shutil.copy(REPO / "templates" / "report.docx", root / "templates/report.docx")
    with sqlite3.connect(root / "data/db.sqlite") as conn:
        conn.execute("CREATE TABLE inspection (district TEXT, day TEXT, fine INTEGER)")
        rows = [("东区", "2025-01-05", 100), ("东区", "2025-02-05", 200), ("西区", "2025-01-07", 50)]
        rows.append(("南区", "2025-03-01", 70))  # a district that is no unit: the city counts it, no unit does
        conn.executemany("INSERT INTO inspection VALUES (?, ?, ?)", rows)
        conn.execute("CREATE TABLE complaint (district TEXT, day TEXT)")
        conn.executemany("INSERT INTO complaint VALUES (?, ?)", [("东区", "2025-01-02"), ("西区", "2025-02-02")])
        conn.execute("CREATE TABLE staff (district TEXT, n INTEGER)")
        conn.executemany("INSERT INTO staff VALUES (?, ?)", [("东区", 2), ("西区", 4)])
        conn.execute(FAILING_VIEW)
    return root / "config.yaml"


def _break_east(config: Path) -> None:
    """东区's staff becomes 0 after the build: its complaints query errors now."""
    with sqlite3.connect(config.parent / "data/db.sqlite") as conn:
        conn.execute("UPDATE staff SET n = 0 WHERE district = '东区'")


@pytest.fixture
def built(tmp_path) -> tuple[Path, dict[str, Path]]:
    config = _project(tmp_path / "p")
    result = build_units(config, directory=tmp_path / "out", jobs=1, period="2025Q1")
    drafts = {o.unit: o.path for o in result.outcomes}
    assert set(drafts) == {"东区", "西区"} and not result.failed
    return config, drafts


def _statuses(report) -> dict[str, str]:
    return {f.ref: f.status for f in report.figures}


def _gone(tmp_path: Path) -> dict[str, str]:
    return {"db": f"sqlite:///{tmp_path / 'gone.sqlite'}"}


# --------------------------------------------------------------------------- check


def test_a_query_failing_now_leaves_its_untouched_figures_unchecked_with_unit_and_reason(built):
    config, drafts = built
    _break_east(config)
    report = check(drafts["东区"], config)
    assert _statuses(report) == {
        "city.checks": CONSISTENT,
        "unit_checks.checks": CONSISTENT,
        "unit_checks.fines": CONSISTENT,
        "unit_load.received": UNCHECKED,
        "unit_load.load": UNCHECKED,
    }
    for figure in report.figures:
        if figure.status == UNCHECKED:
            assert figure.draft_text == figure.built_text and figure.paragraph is not None
            assert "查询 unit_load 执行出错（单位：东区）" in figure.note
            assert "（原因：integer overflow）" in figure.note
    text = render_check(report)
    assert "已移动" not in text and "（单位：东区）（原因：integer overflow）" in text
    assert check_exit_code(report) == 2


def test_a_database_gone_at_check_time_leaves_every_figure_unchecked_none_moved(built, tmp_path):
    config, drafts = built
    report = check(drafts["东区"], config, sources=_gone(tmp_path))
    assert set(_statuses(report).values()) == {UNCHECKED}
    assert all("SQLite 文件不存在" in f.note and f.draft_text == f.built_text for f in report.figures)
    assert check_exit_code(report) == 2


def test_a_batch_check_with_the_database_gone_tells_the_source_once(built, tmp_path):
    config, drafts = built
    gone = tmp_path / "gone.sqlite"
    result = CliRunner().invoke(
        main, ["check", str(drafts["东区"]), str(drafts["西区"]), "-c", str(config), "-s", f"db=sqlite:///{gone}"]
    )
    assert result.exit_code == 2, result.output
    told = [line for line in result.stdout.splitlines() if "SQLite 文件不存在" in line and "注意" in line]
    assert len(told) == 1 and "本批 2 份草稿用到它的查询因此都未能执行" in told[0], result.stdout
    assert told[0].endswith("相应数字无法核对。")
    assert "未更新" not in told[0]


def test_a_query_failing_now_in_paragraph_mode_is_unchecked_not_removed(built, tmp_path):
    config, drafts = built
    _break_east(config)
    doc = Document(str(drafts["东区"]))
    body = doc.element.body
    for sdt in list(body.iter(qn("w:sdt"))):  # an office suite that drops controls and bookmarks
        parent, index = sdt.getparent(), sdt.getparent().index(sdt)
        for k, child in enumerate(list(sdt.find(qn("w:sdtContent")))):
            parent.insert(index + k, child)
        parent.remove(sdt)
    for mark in list(body.iter(qn("w:bookmarkStart"), qn("w:bookmarkEnd"))):
        mark.getparent().remove(mark)
    stripped = tmp_path / "stripped.docx"
    doc.save(str(stripped))
    report = check(stripped, config)
    assert report.mode == PARAGRAPHS
    statuses = _statuses(report)
    assert statuses["unit_load.received"] == statuses["unit_load.load"] == UNCHECKED
    assert statuses["unit_checks.checks"] == CONSISTENT and not report.unbacked


def test_a_single_check_tells_rows_no_unit_received(built):
    config, drafts = built
    report = check(drafts["西区"], config)
    assert any("未计入任何单位" in w and "“南区”1 行" in w and "unit_checks" in w for w in report.warnings)
    assert "“南区”1 行" in render_check(report)


# --------------------------------------------------------------------------- a batch check


def test_a_batch_check_counts_a_draft_that_could_not_be_fully_checked(built):
    config, drafts = built
    _break_east(config)
    batch = check_many([drafts["东区"], drafts["西区"]], config)
    assert batch_check_exit_code(batch) == 2
    summary = render_batch_summary(batch)
    assert "0 份有发现，1 份无法完全核对，0 份无法核对" in summary.splitlines()[0]
    assert "无法完全核对：东区.docx（东区，2 个数字无法核对" in summary
    book = load_workbook(write_batch_checklist(batch, built[0].parent / "核对.xlsx"))
    rows = [[c for c in row if c is not None] for row in book["汇总"].iter_rows(values_only=True)]
    assert any("无法完全核对（2 个数字无法核对）" in row for row in rows)
    east = batch.reports[0]
    assert {f.status for f in east.figures if f.ref.startswith("unit_load")} == {UNCHECKED}
    assert any("（单位：东区）（原因：integer overflow）" in w for w in east.warnings)


def test_a_batch_check_tells_rows_no_unit_received_once(built):
    config, drafts = built
    result = CliRunner().invoke(main, ["check", str(drafts["东区"]), str(drafts["西区"]), "-c", str(config)])
    assert result.exit_code == 0, result.output
    assert result.output.count("“南区”1 行") == 1 and "未计入任何单位" in result.output


# --------------------------------------------------------------------------- refresh


def test_refresh_keeps_figures_of_a_failed_query_and_says_so(built, tmp_path):
    config, drafts = built
    _break_east(config)
    result = refresh(drafts["东区"], tmp_path / "copy.docx", config)
    assert not result.kept and not result.updated
    assert [f.ref for f in result.unchecked] == ["unit_load.received", "unit_load.load"]
    summary = result.summary()
    assert "保留手工修改" not in summary and "无法核对 2 个" in summary
    assert refresh_exit_code(result) == check_exit_code(result.report) == 2
    copied = check(result.path, config)  # the copy holds the draft's figures, as built
    assert {f.ref: f.draft_text for f in copied.figures} == {f.ref: f.draft_text for f in result.report.figures}
    with zipfile.ZipFile(result.path) as docx:
        comments = docx.read("word/comments.xml").decode("utf-8")
    assert comments.count("无法核对") >= 2 and comments.count("integer overflow") == 2


def test_refresh_with_the_database_gone_claims_no_hand_edits(built, tmp_path):
    config, drafts = built
    result = CliRunner().invoke(
        main, ["refresh", str(drafts["东区"]), "-c", str(config), "-s", f"db=sqlite:///{tmp_path / 'gone.sqlite'}"]
    )
    assert result.exit_code == 2, result.output
    # Not one figure could be checked: no copy that updates nothing (each retry would add one).
    assert "草稿中的 5 个数字都无法核对，未写出更新后的副本" in result.output and "原草稿未改动" in result.output
    assert "gone.sqlite" in result.output and "保留手工修改" not in result.output
    assert not list(drafts["东区"].parent.glob("*更新*"))


def test_a_batch_refresh_tells_rows_no_unit_received_and_failed_queries(built, tmp_path):
    config, drafts = built
    _break_east(config)
    batch = refresh_many([drafts["东区"], drafts["西区"]], tmp_path / "copies", config)
    east, west = batch.results
    assert len(east.unchecked) == 2 and not west.unchecked and not east.kept
    (told,) = batch.unmatched_keys  # once for the batch, not in each draft's warnings
    assert "“南区”1 行" in told and not any("南区" in w for r in batch.results for w in r.report.warnings)
    result = CliRunner().invoke(
        main, ["refresh", str(drafts["东区"]), str(drafts["西区"]), "-c", str(config), "-o", str(tmp_path / "c2")]
    )
    assert result.exit_code == 2 and result.output.count("“南区”1 行") == 1, result.output
    assert "写出更新后的副本 2 份（其中 1 份有数字无法核对、未更新）" in result.output


# --------------------------------------------------------------------------- a table over a failing query

TABLE_SECTION = """\
表：本区投诉明细
单位：件
| 日期 | 人均负荷 |
|:---|---:|
{% for r in unit_rows %}
| {{ r.day }} | {{ r.load }} |
{% endfor %}
| 合计 | {{ unit_load.received }} |
"""

ROWS_QUERY = """\
-- source: db
-- description: 本区投诉明细
-- returns: rows
-- per: district
SELECT day, load FROM v_load
WHERE day >= :period_start AND day < :period_end AND district = :unit
ORDER BY day
"""


def _table_project(root: Path) -> Path:
    config = _project(root)
    (root / "queries/unit_rows.sql").write_text(ROWS_QUERY, encoding="utf-8")
    section = root / "templates/sections/1-工作.txt"
    section.write_text(section.read_text(encoding="utf-8") + TABLE_SECTION, encoding="utf-8")
    return config


def _table_rows(path: Path) -> list[list[str]]:
    (table,) = Document(str(path)).tables

    def text(cell) -> str:  # figures stand in content controls, which cell.text leaves out
        return "".join(t.text or "" for t in cell._tc.iter(qn("w:t"))).replace("\u2060", "")

    return [[text(cell) for cell in row.cells] for row in table.rows]


def test_a_table_whose_loop_query_fails_keeps_its_other_rows_and_only_that_unit_is_touched(tmp_path):
    config = _table_project(tmp_path / "p")
    _break_east(config)  # failing before the build
    result = build_units(config, directory=tmp_path / "out", jobs=1, period="2025Q1")
    assert len(result.written) == 2 and "不完整：东区" in result.summary(), result.summary()
    drafts = {o.unit: o.path for o in result.outcomes}
    east, west = _table_rows(drafts["东区"]), _table_rows(drafts["西区"])
    assert east[0] == ["日期", "人均负荷"] and east[1][0].startswith("【待补充") and east[1][1] == ""
    assert east[-1][0] == "合计" and east[-1][1].startswith("【待补充")  # the row after the loop kept
    assert west == [["日期", "人均负荷"], ["2025-02-02", "0.25"], ["合计", "1"]]
    report = check(drafts["东区"], config)  # failing still: the placeholders are told, no table finding
    assert not [t for t in report.tables if "数据" in t.label or t.status != UNCHECKED]


def test_a_table_whose_loop_query_fails_at_check_time_is_unchecked_not_changed(built, tmp_path):
    config, _ = built
    config = _table_project(tmp_path / "q")
    result = build_units(config, directory=tmp_path / "out2", jobs=1, period="2025Q1")
    east = next(o.path for o in result.outcomes if o.unit == "东区")
    assert _table_rows(east)[1] == ["2025-01-02", "0.5"]
    _break_east(config)
    report = check(east, config)
    (finding,) = report.tables
    assert finding.status == UNCHECKED and finding.label == "表1 的行无法核对"
    assert "【待补充：unit_rows】" in finding.note and "数据已变化" not in render_check(report)
    assert "整段" not in finding.note  # check's words, not build's
    assert "查询 unit_rows 执行出错（单位：东区）（原因：integer overflow）" in render_check(report)
    assert {f.status for f in report.figures if f.ref.startswith("unit_rows")} == {UNCHECKED}
    assert check_exit_code(report) == 2
    refreshed = refresh(east, tmp_path / "r.docx", config)
    comments = " ".join(c.text for c in Document(str(refreshed.path)).comments)
    assert "数据已变化" not in comments and "已移动" not in comments


def test_a_rollup_over_a_figure_that_fails_now_says_so_not_none(built):
    from drafter.review.batch import run_rollups
    from drafter.review.report_text import render_rollup
    from drafter.review.rollup import RollupRule

    config, drafts = built
    rule = RollupRule(part="unit_load.received", whole="city.checks", name="投诉之和")
    (before,) = run_rollups(config, check_many([drafts["东区"], drafts["西区"]], config).reports, [rule])
    assert "按现在的数据：之和 2" in render_rollup(before)
    _break_east(config)
    (after,) = run_rollups(config, check_many([drafts["东区"], drafts["西区"]], config).reports, [rule])
    text = render_rollup(after)
    assert "按现在的数据：无法比较：东区 的 unit_load.received 无法核对" in text and "integer overflow" in text
    assert "None" not in text and "未按现在的数据比较" not in text
    assert "按各草稿生成时记录的值" in text  # the values built are still added up


def test_a_rollup_of_build_each_is_over_the_values_just_built(tmp_path):
    config = _project(tmp_path / "p")
    with open(config, "a", encoding="utf-8") as f:
        f.write("rules:\n  - name: 各区检查之和\n    part: unit_checks.checks\n    whole: city.checks\n")
    result = build_units(config, directory=tmp_path / "out", jobs=1, period="2025Q1")
    (rollup,) = result.rollups
    from drafter.review.report_text import render_rollup

    text = render_rollup(rollup)
    assert "之和 3（2 个单位），city.checks 为 4：不一致，相差 -1（按刚生成的各草稿中的值）" in text, text
    assert "未按现在的数据比较" not in text


def test_a_source_gone_is_told_once_for_a_batch_refresh_not_once_a_query_and_a_draft(built, tmp_path):
    config, drafts = built
    gone = tmp_path / "gone.sqlite"
    result = CliRunner().invoke(
        main,
        ["refresh", str(drafts["东区"]), str(drafts["西区"]), "-c", str(config), "-o", str(tmp_path / "c3")]
        + ["-s", f"db=sqlite:///{gone}"],
    )
    assert result.exit_code == 2, result.output
    told = [line for line in result.output.splitlines() if "SQLite 文件不存在" in line]
    assert len(told) == 1 and told[0].startswith("注意") and "本批 2 份草稿用到它的" in told[0], result.output
    # Not one figure of either could be checked: no copies (a retry would only add more).
    assert result.output.count("草稿中的 5 个数字都无法核对，未写出更新后的副本（原因见上）") == 2
    assert "写出更新后的副本 0 份，无法更新 2 份（其中 2 份没有一个数字能核对）" in result.output
    assert not (tmp_path / "c3").exists() or not list((tmp_path / "c3").iterdir())


def test_a_source_s_own_failures_are_told_once_and_nothing_else_is():
    """A refused login, a server that does not answer, a missing SQLite file: each is the same
    for every query and draft; a query's own error, or a workbook changed since the build, is not
    a source out of reach."""
    from drafter.review.report_text import unreachable_sources

    login = (
        "数据源“enf”拒绝登录（postgresql+psycopg://x:***@127.0.0.1:5432/db）：用户名或密码不对，或该账号不许从本机连接"
    )
    first = [f"查询 checks 失败（单位：东区）：{login}", f"查询 city 失败：{login}", "查询 load 执行出错（单位：东区）"]
    second = [
        f"查询 checks 失败（单位：西区）：{login}",
        "数据源“台账”的表格文件 data/a.xlsx 自生成草稿以来已修改（内容指纹不同）",
    ]
    once, left = unreachable_sources([first, second], "相应数字无法核对")
    assert once == [f"{login}——本批 2 份草稿用到它的查询因此都未能执行，相应数字无法核对"]
    assert left == [["查询 load 执行出错（单位：东区）"], [second[1]]]


def test_a_table_s_failed_rows_are_told_in_check_s_words():
    """A row loop a condition read stood as one placeholder in the build, its reason saying so for
    the build's listing (整段以【待补充】代替); check tells only why the rows cannot be had."""
    from types import SimpleNamespace

    from drafter.review.tables import _failed_rows
    from drafter.text.sections import WHOLE_PARAGRAPH

    occ = SimpleNamespace(text="【待补充：rows】", reason=f"查询 rows 执行出错（单位：东区）；{WHOLE_PARAGRAPH}")
    told = _failed_rows(SimpleNamespace(failed_rows=[(0, occ)]))
    assert told == "【待补充：rows】（查询 rows 执行出错（单位：东区））"


@pytest.mark.parametrize("command", ["check", "refresh"])
def test_a_source_the_config_has_not_fails_a_batch_once(built, tmp_path, command):
    config, drafts = built
    args = [command, str(drafts["东区"]), str(drafts["西区"]), "-c", str(config), "-s", "nosuch=sqlite:///x.db"]
    if command == "refresh":
        args += ["-o", str(tmp_path / "copies")]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2 and result.output.count("要改写的数据源“nosuch”在配置中不存在") == 1, result.output


def test_a_batch_check_with_a_source_on_the_command_line_needs_no_variable_of_its_config_url(
    built, tmp_path, monkeypatch
):
    """`-s db=URL` replaces a URL that reads a password variable: a batch check, its rollups and
    its workbook read the configuration as each draft's check does, without the variable."""
    config, drafts = built
    monkeypatch.delenv("DRAFTER_TEST_UNSET_PW", raising=False)
    text = config.read_text(encoding="utf-8")
    config.write_text(
        text.replace("url: sqlite:///data/db.sqlite", "url: postgresql+psycopg://r:${DRAFTER_TEST_UNSET_PW}@db/x")
        + "rules:\n  - name: 各区检查之和\n    part: unit_checks.checks\n    whole: city.checks\n",
        encoding="utf-8",
    )
    given = f"db=sqlite:///{config.parent / 'data/db.sqlite'}"
    args = ["check", str(drafts["东区"]), str(drafts["西区"]), "-c", str(config), "-s", given]
    result = CliRunner().invoke(
        main, [*args, "--rollup", "unit_load.received=city.checks", "--xlsx", str(tmp_path / "c.xlsx")]
    )
    assert "环境变量" not in result.output and "汇总核对“各区检查之和”" in result.output, result.output
    assert (tmp_path / "c.xlsx").exists()
