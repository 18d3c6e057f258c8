"""Wording traced like figures: every conditional sentence of the sample, flipped by a data change.

Each test changes rows of a private copy of the sample databases so that one template condition
takes another branch, then checks the session's 2025 draft (never written) against them:
`check` must report 措辞已变化 for that sentence only, with the sentence in the draft and the
wording the data now give; a figure that drops out with its condition is 数据已变化; a change
that touches nothing in the draft is 全部一致. The same in the weaker paragraph mode.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from docx import Document
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml.ns import qn
from jinja2 import nodes

from drafter import check
from drafter.data.figures import Figure, FigureRegistry, Provenance, Row
from drafter.outcome import check_exit_code
from drafter.review.checker import CONSISTENT, STALE, UNCHECKED
from drafter.review.report_text import render_check
from drafter.review.wordings import REWORDED
from drafter.text.environment import make_environment
from drafter.text.wording import expression_text, note_query_names
from drafter.word.manifest import Manifest, read_manifest

SECTION = "1-主要举措和工作成效.txt"


def sql(project: Path, db: str, statement: str, *params) -> int:
    con = sqlite3.connect(project.parent / "sample" / f"{db}.db")
    with con:
        changed = con.execute(statement, params).rowcount
    con.close()
    return changed


def wording_by_condition(draft: Path) -> dict[str, dict]:
    manifest = read_manifest(Document(str(draft)))
    return {"；".join(w.conditions): w for w in manifest.wordings}


def findings(report) -> list[tuple[str, str]]:
    return [(item.status, getattr(item, "id", getattr(item, "text", ""))) for item in report.findings]


# --------------------------------------------------------------------------- the draft records its wordings


def test_the_sample_draft_records_each_condition_over_figures_with_its_branch_and_marks_its_text(sample_draft):
    doc = Document(str(sample_draft))
    wordings = read_manifest(doc).wordings
    conditions = [w.conditions[0] for w in wordings]
    assert conditions == [
        "hazard_screening.major_rectified == hazard_screening.major",
        "flood_response_levels.level_i > 0",
        "legal_proceedings.pending_first_instance > 0",
        "legal_proceedings.corrected_or_lost == 0",
        "court_appearances.hearings > 0",
        "science_ambassadors.honoured > 0",
    ]
    first = wordings[0]
    assert (first.label, first.text) == ("如果", "全部完成整改")
    assert {r.ref: r.value for r in first.reads} == {
        "hazard_screening.major_rectified": 225,
        "hazard_screening.major": 225,
    }
    assert wordings[1].text == "" and wordings[1].label.startswith("（条件均不成立")
    assert wordings[3].text == "无纠错或败诉案件"
    # the text is marked in the draft by a bookmark range, which holds what the manifest says
    names = [b.get(qn("w:name")) for b in doc.element.body.iter(qn("w:bookmarkStart"))]
    assert [n for n in names if n.startswith("_drafter_w")] == [f"_drafter_{w.id}" for w in wordings]
    from drafter.review.scan import scan_document, wording_ranges

    paragraphs = scan_document(doc)
    for w in wordings:
        r = wording_ranges(doc)[w.id]
        a, b = r.span_in(r.start[0], len(paragraphs[r.start[0]].text))
        assert paragraphs[r.start[0]].text[a:b] == w.text
    # figures printed inside a wording name it
    inside = [f for f in read_manifest(doc).figures if f.wording]
    assert {f.ref for f in inside} >= {"science_ambassadors.honoured", "legal_proceedings.pending_first_instance"}


def test_an_unchanged_draft_checks_every_wording_consistent(sample_project, sample_draft):
    report = check(sample_draft, sample_project)
    assert len(report.wordings) == 6 and all(w.status == CONSISTENT for w in report.wordings)
    assert check_exit_code(report) == 0


# --------------------------------------------------------------------------- one flip a conditional sentence


def test_a_corrected_case_flips_no_corrected_or_lost_cases_only(sample_project_copy):
    draft = sample_project_copy.parent / "draft-2025.docx"
    assert (
        sql(
            sample_project_copy,
            "office",
            "UPDATE legal_proceeding SET outcome = '撤销' WHERE id = (SELECT MIN(id) FROM legal_proceeding "
            "WHERE filed_on >= '2025-01-01' AND concluded_on IS NOT NULL AND concluded_on < '2026-01-01')",
        )
        == 1
    )
    report = check(draft, sample_project_copy)
    assert findings(report) == [(REWORDED, wording_by_condition(draft)["legal_proceedings.corrected_or_lost == 0"].id)]
    found = report.findings[0]
    assert found.draft_text == "无纠错或败诉案件" and found.current_text == "纠错或败诉案件1起"
    assert "无纠错或败诉案件" in found.sentence and "行政诉讼" in found.sentence
    assert check_exit_code(report) == 1
    text = render_check(report)
    assert "[措辞已变化]" in text and "数据现在给出的措辞：“纠错或败诉案件1起”" in text
    assert "legal_proceedings.corrected_or_lost = 1" in text


def test_an_unrectified_major_hazard_flips_all_rectified_only(sample_project_copy):
    draft = sample_project_copy.parent / "draft-2025.docx"
    assert (
        sql(
            sample_project_copy,
            "hazards",
            "UPDATE hazard SET rectified_on = NULL WHERE id = (SELECT MIN(id) FROM hazard "
            "WHERE is_major = 1 AND found_on >= '2025-01-01' AND found_on < '2026-01-01')",
        )
        == 1
    )
    report = check(draft, sample_project_copy)
    wid = wording_by_condition(draft)["hazard_screening.major_rectified == hazard_screening.major"].id
    assert findings(report) == [(REWORDED, wid)]
    assert report.findings[0].draft_text == "全部完成整改"
    assert report.findings[0].current_text == "已完成整改224处"


def test_a_new_level_i_response_flips_the_empty_sentence_only(sample_project_copy):
    draft = sample_project_copy.parent / "draft-2025.docx"
    sql(
        sample_project_copy,
        "disaster",
        "INSERT INTO response_level_change (id, response_id, response_level, effective_at) "
        "SELECT MAX(id) + 1, MAX(response_id), 'Ⅰ', '2025-07-30 10:00:00.000000' FROM response_level_change",
    )
    report = check(draft, sample_project_copy)
    wid = wording_by_condition(draft)["flood_response_levels.level_i > 0"].id
    assert findings(report) == [(REWORDED, wid)]
    found = report.findings[0]
    assert found.draft_text == "" and found.current_text == "，Ⅰ级响应1次"
    assert "Ⅱ级响应" in found.sentence


@pytest.mark.parametrize(
    "db, statement, condition, ref",
    [
        (
            "office",
            "UPDATE legal_proceeding SET concluded_on = '2025-12-30', outcome = '驳回' "
            "WHERE filed_on >= '2025-01-01' AND filed_on < '2026-01-01' AND concluded_on IS NULL",
            "legal_proceedings.pending_first_instance > 0",
            "legal_proceedings.pending_first_instance",
        ),
        (
            "office",
            "DELETE FROM court_appearance WHERE heard_on >= '2025-01-01' AND heard_on < '2026-01-01'",
            "court_appearances.hearings > 0",
            "(court_appearances.head_appeared/court_appearances.hearings)",
        ),
        (
            "office",
            "UPDATE science_ambassador SET honour = NULL WHERE selected_on >= '2025-01-01'",
            "science_ambassadors.honoured > 0",
            "science_ambassadors.honoured",
        ),
    ],
)
def test_a_figure_that_drops_out_with_its_condition_is_stale_never_uncheckable(
    sample_project_copy, db, statement, condition, ref
):
    draft = sample_project_copy.parent / "draft-2025.docx"
    assert sql(sample_project_copy, db, statement) >= 1
    report = check(draft, sample_project_copy)
    wid = wording_by_condition(draft)[condition].id
    reworded = [w.id for w in report.wordings if w.finding]
    assert reworded == [wid]
    dropped = [f for f in report.figures if f.ref == ref]
    assert [f.status for f in dropped] == [STALE]
    assert "现在取另一分支" in dropped[0].note and dropped[0].current_text is None
    assert not [f for f in report.figures if f.status == UNCHECKED]
    assert {item.status for item in report.findings} == {REWORDED, STALE}
    assert check_exit_code(report) == 1


def test_a_change_that_touches_nothing_in_the_draft_is_all_consistent(sample_project_copy):
    draft = sample_project_copy.parent / "draft-2025.docx"
    # one ordinary hazard more still open: 67321 → 67320 rectified, still “6.7万余” and 98.74%
    assert (
        sql(
            sample_project_copy,
            "hazards",
            "UPDATE hazard SET rectified_on = NULL WHERE id = (SELECT MIN(id) FROM hazard "
            "WHERE is_major = 0 AND found_on >= '2025-01-01' AND found_on < '2026-01-01' "
            "AND rectified_on IS NOT NULL)",
        )
        == 1
    )
    report = check(draft, sample_project_copy)
    assert report.findings == [] and report.rules == [] and check_exit_code(report) == 0
    assert "全部一致" in render_check(report)
    assert all(w.status == CONSISTENT for w in report.wordings)


# --------------------------------------------------------------------------- the weaker mode


def _strip(draft: Path, target: Path, manifest: bool) -> Path:
    doc = Document(str(draft))
    for sdt in list(doc.element.body.iter(qn("w:sdt"))):
        parent, index = sdt.getparent(), sdt.getparent().index(sdt)
        for k, child in enumerate(list(sdt.find(qn("w:sdtContent")))):
            parent.insert(index + k, child)
        parent.remove(sdt)
    for b in list(doc.element.body.iter(qn("w:bookmarkStart"), qn("w:bookmarkEnd"))):
        b.getparent().remove(b)
    if not manifest:
        for rel_id, rel in list(doc.part.rels.items()):
            if rel.reltype == RT.CUSTOM_XML:
                del doc.part.rels[rel_id]
    doc.save(str(target))
    return target


@pytest.mark.parametrize("keep_manifest", [True, False])
def test_paragraph_mode_reports_a_changed_wording_too(sample_project_copy, keep_manifest):
    project = sample_project_copy
    stripped = _strip(project.parent / "draft-2025.docx", project.parent / "stripped.docx", keep_manifest)
    sql(
        project,
        "office",
        "UPDATE legal_proceeding SET outcome = '撤销' WHERE id = (SELECT MIN(id) FROM "
        "legal_proceeding WHERE filed_on >= '2025-01-01' AND concluded_on < '2026-01-01')",
    )
    sql(project, "office", "UPDATE science_ambassador SET honour = NULL WHERE selected_on >= '2025-01-01'")
    report = check(stripped, project)
    assert report.mode == "paragraphs"
    changed = sorted(w.current_text for w in report.wordings if w.finding)
    assert changed == ["", "纠错或败诉案件1起"]
    drafted = sorted(w.draft_text for w in report.wordings if w.finding)
    assert drafted == ["无纠错或败诉案件", "，其中1人荣获市级“应急科普优秀讲解员”称号"]
    assert report.unbacked == []  # the old branch's “1” is part of the changed wording, not a stray number
    statuses = {item.status for item in report.findings}
    assert REWORDED in statuses and UNCHECKED not in statuses
    if keep_manifest:
        assert [f.status for f in report.figures if f.ref == "science_ambassadors.honoured"] == [STALE]


def test_annotate_and_checklist_show_a_changed_wording(sample_project_copy, tmp_path):
    from openpyxl import load_workbook

    from drafter.review.annotate import annotate
    from drafter.review.checklist import write_checklist

    project = sample_project_copy
    sql(
        project,
        "office",
        "UPDATE legal_proceeding SET outcome = '撤销' WHERE id = (SELECT MIN(id) FROM "
        "legal_proceeding WHERE filed_on >= '2025-01-01' AND concluded_on < '2026-01-01')",
    )
    report = check(project.parent / "draft-2025.docx", project)
    annotated = Document(str(annotate(report, tmp_path / "批注.docx")))
    comments = [c.text for c in annotated.comments]
    assert any("【措辞已变化】" in c and "纠错或败诉案件1起" in c for c in comments)
    ws = load_workbook(write_checklist(report, tmp_path / "清单.xlsx"))["条件措辞"]
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=2)]
    assert [r[6] for r in rows].count(REWORDED) == 1


# --------------------------------------------------------------------------- the tracing itself


def _render(template: str, **columns):
    registry = FigureRegistry()
    env = make_environment(registry, trace=True)
    row = Row("q", {k: Figure(v, f"q.{k}", (Provenance("q", "s", k),)) for k, v in columns.items()})
    context = {"q": row, "rows": [row, row], "year": 2025}
    note_query_names(env.tracer, context)
    return env.from_string(template).render(context), registry


def test_elif_else_inline_and_nested_conditions_are_traced_with_the_branch_taken():
    text, reg = _render(
        "{% if q.a > 5 %}多{% elif q.a > 0 %}少{% if q.b %}且{{ q.b }}{% endif %}{% else %}无{% endif %}"
        "；{{ '有' if q.b else '没有' }}；{% if year > 2000 %}不记{% endif %}；{% if rows %}行{% endif %}",
        a=3,
        b=2,
    )
    ws = list(reg.wordings.values())
    assert [(w.conditions, w.label) for w in ws] == [
        (["q.a > 5", "q.a > 0"], "否则如果 1"),
        (["q.b"], "如果"),
        (["q.b"], "如果"),
        (["rows"], "如果"),
    ]
    assert ws[1].parent == ws[0].id and ws[0].reads == [("q.a", 3)]
    assert ws[3].reads == [("rows|length", 2)]  # a rows query decides by its length
    occ = list(reg.occurrences.values())
    assert [o.wording for o in occ] == [ws[1].id]  # {{ q.b }} printed inside the nested wording
    from drafter.data.figures import strip_marks

    assert strip_marks(text) == "少且2；有；不记；行"


def test_expression_text_writes_conditions_back_as_written():
    from jinja2 import Environment

    tree = Environment().parse("{% if (a.x + 1) / b.y >= 0.5 and not c | length is odd %}{% endif %}")
    test = next(tree.find_all(nodes.If)).test
    assert expression_text(test) == "((a.x + 1) / b.y) >= 0.5 and not c | length is odd"


def test_database_text_cannot_pose_as_a_wording_marker(sample_project_copy):
    from drafter.text.environment import clean_value

    assert clean_value("a\ue005w001\ue007b\ue006w001\ue007") == "aw001bw001"


def test_an_older_draft_without_wordings_in_its_manifest_is_still_checked(sample_project_copy, tmp_path):
    from drafter.word.manifest import write_manifest

    draft = sample_project_copy.parent / "draft-2025.docx"
    doc = Document(str(draft))
    data = read_manifest(doc).model_dump(mode="json", exclude_unset=True)
    del data["wordings"]
    for fig in data["figures"]:
        fig.pop("wording", None)
    write_manifest(doc, Manifest.model_validate(data))
    old = tmp_path / "old.docx"
    doc.save(str(old))
    shutil.copy(old, tmp_path / "copy.docx")
    report = check(old, sample_project_copy)
    assert check_exit_code(report) == 0 and report.findings == []


# --------------------------------------------------------------------------- elif, inline, loops, a whole paragraph

CONDITIONAL_SECTION = """\
一、{{ year }}年主要工作
全年办理案件{{ cases.n }}件，{% if cases.n > 5 %}数量较多{% elif cases.n > 0 %}数量不多{% else %}没有案件{% endif %}，{{ '罚款较重' if cases.fines > 10000 else '罚款较轻' }}。
{% for r in by_kind %}{{ r.kind }}{{ r.n }}件{% if r.n > 1 %}（多件）{% endif %}；{% endfor %}
{% if total > 10 %}
累计案件已超过十件，共{{ total }}件。
{% endif %}
"""


@pytest.fixture
def conditional_project(tmp_path) -> Path:
    from small_project import SECTION_FILE, write_small_project

    from drafter.word.gongwen import build_master

    build_master(tmp_path / "master.docx")
    config = write_small_project(tmp_path / "project", tmp_path / "master.docx")
    (config.parent / SECTION_FILE).write_text(CONDITIONAL_SECTION, encoding="utf-8")
    return config


def test_elif_inline_loop_and_paragraph_conditions_in_a_built_draft_are_checked(conditional_project, tmp_path):
    from drafter import build
    from drafter.review.refresh import refresh

    result = build(conditional_project, output=tmp_path / "d.docx")
    manifest = read_manifest(Document(str(result.path)))
    assert [(w.conditions, w.label, w.text) for w in manifest.wordings] == [
        (["cases.n > 5", "cases.n > 0"], "否则如果 1", "数量不多"),
        (["cases.fines > 10000"], "如果", "罚款较重"),
        (["r.n > 1"], "如果", "（多件）"),
        (["r.n > 1"], "（条件均不成立，无文字）", ""),
        (["total > 10"], "（条件均不成立，无文字）", ""),
    ]
    assert check(result.path, conditional_project).findings == []

    con = sqlite3.connect(conditional_project.parent / "data" / "office.db")
    with con:
        con.executemany("INSERT INTO cases (kind, opened_on, fine) VALUES ('行政处罚', '2025-09-01', ?)", [(100,)] * 7)
    con.close()
    report = check(result.path, conditional_project)
    changed = [(w.condition, w.draft_text, w.current_text) for w in report.wordings if w.finding]
    assert changed == [
        ("cases.n > 5；cases.n > 0", "数量不多", "数量较多"),
        ("total > 10", "", "累计案件已超过十件，共11件。"),
    ]
    assert {f.status for f in report.findings} == {REWORDED, STALE}
    # the whole paragraph the data now give is not a stray paragraph, nor its number a stray number
    assert report.unbacked == []

    stripped = _strip(result.path, tmp_path / "stripped.docx", manifest=True)
    weak = check(stripped, conditional_project)
    assert [(w.condition, w.current_text) for w in weak.wordings if w.finding] == [
        ("cases.n > 5；cases.n > 0", "数量较多"),
        ("total > 10", "累计案件已超过十件，共11件。"),
    ]

    copy = refresh(result.path, tmp_path / "r.docx", conditional_project)
    stale = sorted(f.ref for f in report.figures if f.status == STALE)
    assert len(copy.reworded) == 2 and sorted(f.ref for f in copy.updated) == stale
    assert "cases.n" in stale
    after = check(copy.path, conditional_project)
    assert [item.status for item in after.findings] == [REWORDED, REWORDED]


def test_the_preview_page_lists_a_changed_wording_with_the_wording_the_data_now_give(sample_project_copy):
    from drafter.review.pageview import view_of_file

    draft = sample_project_copy.parent / "draft-2025.docx"
    sql(
        sample_project_copy,
        "office",
        "UPDATE legal_proceeding SET outcome = '撤销' WHERE id = (SELECT MIN(id) FROM "
        "legal_proceeding WHERE filed_on >= '2025-01-01' AND concluded_on < '2026-01-01')",
    )
    report = check(draft, sample_project_copy)
    view = view_of_file(draft, report=report)
    [finding] = view.findings
    assert finding.status == REWORDED and finding.current_text == "纠错或败诉案件1起"
    assert finding.draft_text == "无纠错或败诉案件" and "无纠错或败诉案件" in finding.sentence
