"""What editors do to a traced draft that `check` used to miss (issue 22), one behaviour a test:
a hand-edited wording, a wording rewritten as the data now give it, a copied and a moved control,
digits typed against a control, refresh replacing its own comments, SQL data tests that cannot
run, rules counted as rules, and Chinese numerals among the templates' literal numbers. The
random, every-kind version of these is tests/test_mutations.py."""

from __future__ import annotations

import copy
import sqlite3
import zipfile
from pathlib import Path

from click.testing import CliRunner
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from test_check import Edit, by_id

from drafter import build, check
from drafter.cli import main
from drafter.data.figures import Figure, FigureRegistry, Provenance, Row
from drafter.outcome import check_exit_code
from drafter.project.rules import parse_rule
from drafter.review.checker import CONSISTENT, COPIED, EDITED, MOVED
from drafter.review.literals import Literal, StaleFixed, literals_heading, literals_in
from drafter.review.refresh import refresh
from drafter.review.report_text import render_check
from drafter.review.rules import RuleFinding, check_rule, rules_count
from drafter.review.wordings import HAND_EDITED, REWORDED

W_T = qn("w:t")


def _statuses(report) -> list[tuple[str, str]]:
    return [(item.status, getattr(item, "id", getattr(item, "text", ""))) for item in report.findings]


def _drafter_comments(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as z:
        if "word/comments.xml" not in z.namelist():
            return []
        xml = z.read("word/comments.xml").decode()
    return [part for part in xml.split("<w:comment ")[1:] if 'w:author="drafter"' in part]


# --------------------------------------------------------------------------- wordings


def test_a_hand_edited_wording_is_its_own_status_with_the_templates_wording_and_the_drafts(
    sample_project, sample_draft, tmp_path
):
    edit = Edit(sample_draft, tmp_path)
    edit.replace_text("无纠错或败诉案件", "有纠错或败诉案件")
    report = check(edit.save(), sample_project)
    assert [s for s, _ in _statuses(report)] == [HAND_EDITED]
    (found,) = report.findings
    assert (found.draft_text, found.built_text) == ("有纠错或败诉案件", "无纠错或败诉案件")
    assert check_exit_code(report) == 1
    text = render_check(report)
    assert "[措辞已手改]" in text and "模板按数据写出的措辞：“无纠错或败诉案件”" in text
    assert "措辞已手改 1 处" in text


def test_a_wording_rewritten_as_the_data_now_give_it_clears(sample_project_copy, tmp_path):
    project = sample_project_copy
    con = sqlite3.connect(project.parent / "sample" / "office.db")
    with con:
        con.execute(
            "UPDATE legal_proceeding SET outcome = '撤销' WHERE id = (SELECT MIN(id) FROM legal_proceeding "
            "WHERE filed_on >= '2025-01-01' AND concluded_on IS NOT NULL AND concluded_on < '2026-01-01')"
        )
    con.close()
    draft = project.parent / "draft-2025.docx"
    before = check(draft, project)
    assert [s for s, _ in _statuses(before)] == [REWORDED]
    advised = before.findings[0].current_text
    edit = Edit(draft, tmp_path)
    edit.replace_text(before.findings[0].draft_text, advised)  # as check advises
    after = check(edit.save(), project)
    assert after.findings == [] and check_exit_code(after) == 0, render_check(after)
    (wording,) = [w for w in after.wordings if w.id == before.findings[0].id]
    assert wording.status == CONSISTENT and "已按当前数据改写" in wording.note


# --------------------------------------------------------------------------- copied, moved, typed against


def _into_other_paragraph(edit: Edit, sdt, away_from) -> None:
    """Put `sdt` after the first sentence of another paragraph, as a paste there would."""
    for p in edit.doc.paragraphs:
        runs = [r for r in p.runs if r._r.getparent() is p._p and "。" in r.text[:-1]]
        if p._p is away_from or not runs:
            continue
        head, tail = runs[0].text.split("。", 1)
        rest = copy.deepcopy(runs[0]._r)
        runs[0].text = head + "。另据统计共"
        runs[0]._r.addnext(sdt)
        sdt.addnext(rest)
        for t in rest.iter(W_T):
            t.text = ""
        next(rest.iter(W_T)).text = "家。" + tail
        return
    raise AssertionError("no paragraph to paste into")


def _paragraph(el):
    return next(a for a in el.iterancestors() if a.tag.endswith("}p"))


def test_a_copied_control_with_a_new_number_is_judged_where_it_was_pasted(sample_project, sample_draft, tmp_path):
    edit = Edit(sample_draft, tmp_path)
    fid = edit.id_of("inspections.key_enterprises")
    original = edit.control(fid)
    pasted = copy.deepcopy(original)
    for t in pasted.iter(W_T):
        t.text = ""
    next(pasted.iter(W_T)).text = "700"
    _into_other_paragraph(edit, pasted, _paragraph(original))
    report = check(edit.save(), sample_project)
    assert _statuses(report) == [(COPIED, fid)]
    copied = report.findings[0]
    assert copied.draft_text == "700" and "另据统计共700家" in copied.sentence
    assert [f.status for f in report.figures if f.id == fid] == [CONSISTENT, COPIED]  # the original still checks
    result = refresh(edit.path, tmp_path / "refreshed.docx", sample_project)
    assert result.flagged == 1 and any("复制的数字" in c for c in _drafter_comments(result.path))
    assert _statuses(check(result.path, sample_project)) == [(COPIED, fid)]


def test_a_moved_control_is_reported_in_its_new_sentence_with_its_old_one(sample_project, sample_draft, tmp_path):
    edit = Edit(sample_draft, tmp_path)
    fid = edit.id_of("inspections.key_enterprises")
    sdt = edit.control(fid)
    home = _paragraph(sdt)
    sdt.getparent().remove(sdt)
    _into_other_paragraph(edit, sdt, home)
    report = check(edit.save(), sample_project)
    assert _statuses(report) == [(MOVED, fid)]
    moved = report.findings[0]
    assert "另据统计共" in moved.sentence and "原句" in moved.note and "重点监管企业" in moved.note


def test_a_digit_typed_against_a_control_makes_that_figure_edited(sample_project, sample_draft, tmp_path):
    edit = Edit(sample_draft, tmp_path)
    fid = edit.id_of("inspections.hazards_found")
    built = by_id(check(sample_draft, sample_project), fid).built_text
    r, t = OxmlElement("w:r"), OxmlElement("w:t")
    t.text = "0"
    r.append(t)
    edit.control(fid).addnext(r)
    report = check(edit.save(), sample_project)
    assert _statuses(report) == [(EDITED, fid)]  # not an unsourced number beside a consistent figure
    assert report.findings[0].draft_text == f"{built}0" and "紧挨着" in report.findings[0].note


# --------------------------------------------------------------------------- refresh's comments


def test_refreshing_a_refreshed_copy_replaces_its_comments_instead_of_piling_them_up(
    sample_project, sample_draft, tmp_path
):
    edit = Edit(sample_draft, tmp_path)
    edit.retype_inside(edit.id_of("inspections.hazards_found"), "900")
    edited = edit.save()
    first = refresh(edited, tmp_path / "once.docx", sample_project).path
    second = refresh(first, tmp_path / "twice.docx", sample_project).path
    third = refresh(second, tmp_path / "thrice.docx", sample_project).path
    assert len(_drafter_comments(first)) == len(_drafter_comments(second)) == len(_drafter_comments(third)) == 1
    assert _statuses(check(third, sample_project)) == _statuses(check(edited, sample_project))


# --------------------------------------------------------------------------- rules


def _row(query: str, **columns) -> Row:
    return Row(query, {k: Figure(v, f"{query}.{k}", (Provenance(query, "s", k),)) for k, v in columns.items()})


def test_a_rate_rule_takes_the_drafts_precision_however_its_expression_is_spelt():
    context = {"q": _row("q", done=9300, all=10000, rate=0.927)}  # 93.0% against a shown 92.7%
    registry = FigureRegistry()
    registry.record(context["q"].rate, "92.7%", "pct")
    for spelt in ("q.rate", "(q.rate)", " q.rate "):
        spec = dict(name="比率", rate=spelt, numerator="q.done", denominator="q.all")
        finding = check_rule(parse_rule(spec, Path("config.yaml"), 3, 0), context, registry)
        assert finding is not None and "按 3 位小数比较" in finding.message, spelt
        assert f"比率 {spelt} 为" in finding.message  # the expression as written


def test_rules_are_counted_as_rules_with_their_rows_apart():
    rows = [RuleFinding("bad_rows", "sql", f"第 {i} 行") for i in range(24)]
    other = RuleFinding("合计", "sum", "相差 1。")
    assert rules_count([*rows, other]) == "一致性规则未通过 2 条（SQL 数据检验的不符合行 24 行）"
    assert rules_count([RuleFinding("t", "sql", "x", error=True)]) == "一致性规则未能执行 1 条"


def test_a_sql_data_test_that_cannot_run_is_an_error_in_lint_check_and_strict_build(sample_project_copy, tmp_path):
    project = sample_project_copy
    test = project.parent / "rules" / "hazard_rectified_before_found.sql"
    test.write_text(test.read_text(encoding="utf-8").replace("rectified_on < found_on", "fixed_on < found_on"))
    runner = CliRunner()
    linted = runner.invoke(main, ["lint", "--config", str(project)])
    assert linted.exit_code != 0
    assert "hazard_rectified_before_found.sql:6" in linted.output and "no such column: fixed_on" in linted.output
    report = check(project.parent / "draft-2025.docx", project)
    (finding,) = report.rules
    assert finding.error and "no such column: fixed_on" in finding.message
    assert check_exit_code(report) == 1 and "[规则未能执行]" in render_check(report)
    strict = runner.invoke(main, ["build", "--config", str(project), "--strict", "-o", str(tmp_path / "s.docx")])
    assert strict.exit_code != 0 and not (tmp_path / "s.docx").exists()
    assert "no such column: fixed_on" in strict.output
    assert build(project, output=tmp_path / "loose.docx").path.exists()  # without --strict: a warning


# --------------------------------------------------------------------------- literal numbers


def test_chinese_numerals_before_a_measure_word_are_literal_numbers():
    source = "一、总体情况\n（二）举措\n全年检查一百二十家企业，开展三次专项，一村一品，第一季度，“十五五”规划，建立1个中心。\n"
    found = [lit.text for lit in literals_in(source, Path("t.txt"), [])[0]]
    assert found == ["1", "一百二十", "三"]


def test_the_literal_count_leaves_out_stale_fixed_numbers_entries():
    items = [Literal("26", Path("t.txt"), 3, "…26个…"), StaleFixed("12345")]
    head = literals_heading(items)
    assert head.startswith("模板中写死的数字 1 处") and "已不在模板里的 1 条" in head
