"""The rollup over real drafts of a small per-unit project (SQLite): a figure a unit's draft
could not print (【待补充】), refreshed copies beside their drafts, the rule's name, `--rollup`
on the command line, and what the drafts as printed add up to after a hand edit.

Each unit's checks are counted here with plain Python from the rows the test inserts;
a query is made to fail for one unit (or all) by a malformed JSON cell, which SQLite's
json_extract refuses.
"""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
from pathlib import Path

from click.testing import CliRunner
from docx import Document
from docx.oxml.ns import qn

from drafter.batch import build_units
from drafter.cli import main
from drafter.outcome import batch_check_exit_code
from drafter.review.batch import check_many, draft_paths
from drafter.review.refresh import drafts_to_refresh, refresh_many
from drafter.review.report_text import render_rollup
from drafter.review.scan import control_id
from drafter.word.manifest import read_manifest

REPO = Path(__file__).resolve().parents[1]
BUILT = dt.datetime(2026, 3, 2, 9, 0)
REFRESHED = dt.datetime(2026, 3, 9, 15, 30)
CHECKS = {"东城区": 5, "西城区": 7, "白水县": 4}  # rows of each unit; the city's total is their sum
RULE = "各区县检查次数之和等于全市"

CONFIG = """\
report:
  agency: 测试市市场监督管理局
  year: 2025
  title: "{{ unit }}{{ year }}年度工作情况"
sources:
  scm:
    url: sqlite:///data/scm.db
units:
  - {name: 东城区}
  - {name: 西城区}
  - {name: 白水县}
rules:
  - name: 各区县检查次数之和等于全市
    part: unit_checks.checks
    whole: city_checks.checks
queries: queries
templates:
  master: templates/report.docx
  sections: templates/sections
output:
  dir: output
  filename: "{{ year }}年度{{ unit }}工作情况（草稿）.docx"
"""
# json_extract fails on a malformed cell: the unit's query fails where its rows hold one.
UNIT_SQL = """\
-- source: scm
-- description: 本单位检查次数
-- returns: row
SELECT COUNT(*) AS checks, SUM(json_extract(meta, '$.n')) AS items FROM inspections WHERE unit = :unit
"""
CITY_SQL = """\
-- source: scm
-- description: 全市检查次数
-- returns: row
SELECT COUNT(*) AS checks FROM inspections
"""
CITY_SQL_FRAGILE = CITY_SQL.replace("AS checks", "AS checks, SUM(json_extract(meta, '$.n')) AS items")
SECTION = "一、检查\n{{ unit }}检查{{ unit_checks.checks }}次（{{ unit_checks.items }}项），全市检查{{ city_checks.checks }}次。\n"


def _project(root: Path, *, broken: tuple[str, ...] = (), city_sql: str = CITY_SQL) -> Path:
    """The project under root; the rows of the `broken` units hold malformed JSON."""
    (root / "queries").mkdir(parents=True)
    (root / "templates" / "sections").mkdir(parents=True)
    (root / "data").mkdir()
    shutil.copy(REPO / "examples" / "towns" / "templates" / "report.docx", root / "templates" / "report.docx")
    (root / "config.yaml").write_text(CONFIG, encoding="utf-8")
    (root / "queries" / "unit_checks.sql").write_text(UNIT_SQL, encoding="utf-8")
    (root / "queries" / "city_checks.sql").write_text(city_sql, encoding="utf-8")
    (root / "templates" / "sections" / "1-检查.txt").write_text(SECTION, encoding="utf-8")
    with sqlite3.connect(root / "data" / "scm.db") as db:
        db.execute("CREATE TABLE inspections (unit TEXT, meta TEXT)")
        for unit, n in CHECKS.items():
            meta = "{bad" if unit in broken else '{"n": 1}'
            db.executemany("INSERT INTO inspections VALUES (?, ?)", [(unit, meta)] * n)
    db.close()
    return root / "config.yaml"


def _set_figure(path: Path, ref: str, text: str) -> None:
    """The control of the figure `ref` typed over with `text`, as an editor does in Word."""
    doc = Document(str(path))
    fig = next(f for f in read_manifest(doc).figures if f.ref == ref)
    sdt = next(s for s in doc.element.body.iter(qn("w:sdt")) if control_id(s) == fig.id)
    runs = list(sdt.iter(qn("w:t")))
    runs[0].text = text
    for t in runs[1:]:
        t.text = ""
    doc.save(str(path))


# --------------------------------------------------------------------------- 【待补充】


def test_a_unit_whose_part_figure_is_a_placeholder_makes_the_rollup_uncomparable(tmp_path):
    config = _project(tmp_path, broken=("白水县",))
    built = build_units(config, jobs=1, clock=lambda: BUILT)
    (result,) = built.rollups
    text = render_rollup(result)
    assert not result.ok and result.total is None, text
    assert "无法比较" in text and "相差" not in text and "不一致" not in text
    assert "白水县" in text and "【待补充】" in text and "malformed JSON" in text  # the reason the build gave
    assert "东城区" not in text and "西城区" not in text  # only the unit whose figure is missing

    batch = check_many(draft_paths([config.parent / "output"]), config)
    (checked,) = batch.rollups
    text = render_rollup(checked)
    assert not checked.ok and checked.total is None, text
    assert "无法比较" in text and "相差" not in text and "不一致" not in text
    assert "白水县" in text and "【待补充】" in text
    assert "中没有数字" not in text  # it has one: a placeholder
    assert batch_check_exit_code(batch) != 0


def test_a_part_query_failing_for_every_unit_names_every_unit_never_a_sum_of_none(tmp_path):
    config = _project(tmp_path, broken=tuple(CHECKS))
    built = build_units(config, jobs=1, clock=lambda: BUILT)
    (result,) = built.rollups
    text = render_rollup(result)
    assert result.total is None and "无法比较" in text and "0 个单位" not in text, text
    assert all(unit in text for unit in CHECKS)


def test_a_whole_figure_that_is_a_placeholder_makes_the_rollup_uncomparable(tmp_path):
    config = _project(tmp_path, broken=("白水县",), city_sql=CITY_SQL_FRAGILE)
    built = build_units(config, jobs=1, clock=lambda: BUILT)
    (result,) = built.rollups
    text = render_rollup(result)
    assert result.total is None and "无法比较" in text and "相差" not in text, text
    assert "city_checks.checks" in text and "【待补充】" in text
    batch = check_many(draft_paths([config.parent / "output"]), config)
    text = render_rollup(batch.rollups[0])
    assert batch.rollups[0].total is None and "city_checks.checks" in text and "【待补充】" in text, text


# --------------------------------------------------------------------------- refresh, then check


def test_refresh_then_check_of_the_folder_takes_the_refreshed_copies(tmp_path):
    config = _project(tmp_path)
    build_units(config, jobs=1, clock=lambda: BUILT)
    folder = config.parent / "output"
    drafts, _ = drafts_to_refresh([folder])
    refreshed = refresh_many(drafts, None, config, clock=lambda: REFRESHED)
    assert not refreshed.errors
    copies = [r.path for r in refreshed.results]
    assert all("（更新）" in p.name for p in copies)
    assert read_manifest(Document(str(copies[0]))).refreshed_at == REFRESHED.isoformat(timespec="seconds")

    batch = check_many(draft_paths([folder]), config)
    (result,) = batch.rollups
    text = render_rollup(result)
    assert result.ok and result.total == sum(CHECKS.values()), text
    assert "无法判断" not in text
    assert len(result.set_aside) == len(CHECKS)  # the originals, named
    assert all("（更新）" not in s.split("（")[0] for s in result.set_aside)


def test_refreshed_in_the_same_second_as_built_the_copy_still_wins(tmp_path):
    config = _project(tmp_path)
    build_units(config, jobs=1, clock=lambda: BUILT)
    folder = config.parent / "output"
    drafts, _ = drafts_to_refresh([folder])
    refresh_many(drafts, None, config, clock=lambda: BUILT)  # a script that refreshes straight away
    (result,) = check_many(draft_paths([folder]), config).rollups
    assert result.ok and len(result.set_aside) == len(CHECKS), render_rollup(result)


def test_copies_that_cannot_be_told_apart_name_every_ambiguous_unit(tmp_path):
    config = _project(tmp_path)
    build_units(config, jobs=1, clock=lambda: BUILT)
    folder = config.parent / "output"
    for draft in list(folder.glob("*.docx")):
        shutil.copy(draft, folder / f"副本-{draft.name}")
    (result,) = check_many(draft_paths([folder]), config).rollups
    text = render_rollup(result)
    assert not result.ok and "无法判断" in text, text
    assert all(unit in text for unit in CHECKS)


# --------------------------------------------------------------------------- the command line


def test_the_rule_s_name_is_shown_and_a_repeated_rollup_is_checked_once(tmp_path):
    config = _project(tmp_path)
    build_units(config, jobs=1, clock=lambda: BUILT)
    cli = CliRunner().invoke(
        main,
        [
            "check",
            str(config.parent / "output"),
            "-c",
            str(config),
            "--rollup",
            "unit_checks.checks=city_checks.checks",
        ],
    )
    assert cli.exit_code == 0, cli.output
    assert cli.output.count("汇总核对") == 1, cli.output
    assert RULE in cli.output


def test_a_typo_in_rollup_gets_a_did_you_mean_and_nothing_is_checked(tmp_path):
    config = _project(tmp_path)
    build_units(config, jobs=1, clock=lambda: BUILT)
    for typo, meant in (
        ("unit_check.checks=city_checks.checks", "unit_checks.checks"),
        ("unit_checks.chekcs=city_checks.checks", "unit_checks.checks"),
        ("unit_checks.checks=city_check.checks", "city_checks.checks"),
    ):
        cli = CliRunner().invoke(main, ["check", str(config.parent / "output"), "-c", str(config), "--rollup", typo])
        assert cli.exit_code == 2, cli.output
        assert f"是否想写“{meant}”" in cli.output and "Traceback" not in cli.output
        assert "核对 " not in cli.output  # refused before any draft was checked


def test_a_missing_draft_blocks_the_sum_before_hand_edits_are_noted(tmp_path):
    config = _project(tmp_path)
    built = build_units(config, jobs=1, clock=lambda: BUILT)
    paths = {o.unit: o.path for o in built.outcomes}
    _set_figure(paths["东城区"], "unit_checks.checks", "6")
    paths["白水县"].unlink()
    (result,) = check_many([paths["东城区"], paths["西城区"]], config).rollups
    text = render_rollup(result)
    head, *rest = text.splitlines()
    assert "无法比较" in head and "白水县 缺少草稿" in head and "东城区" not in head, text
    assert any("东城区" in line and "手工修改" in line for line in rest)


def test_a_hand_edit_is_summed_as_printed_beside_the_built_and_current_values(tmp_path):
    config = _project(tmp_path)
    built = build_units(config, jobs=1, clock=lambda: BUILT)
    victim = next(o.path for o in built.outcomes if o.unit == "东城区")
    _set_figure(victim, "unit_checks.checks", "9")  # 5 → 9: the printed sum is 4 more than the city's
    batch = check_many([o.path for o in built.outcomes], config)
    (result,) = batch.rollups
    text = render_rollup(result)
    assert result.built_ok and result.current_ok, text
    assert result.printed_total == sum(CHECKS.values()) + 4 and result.printed_ok is False
    assert not result.ok and batch_check_exit_code(batch) == 1
    assert "按草稿中印出的数字" in text and "相差 4" in text and "东城区" in text
