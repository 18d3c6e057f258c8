"""`drafter refresh`: an edited draft brought up to date without losing the edits.

An editor changes prose and one figure; data change for three other figures; refresh writes a
copy where those three are updated in their controls, the edits are kept (the edited figure
flagged by a comment), and `check` on the copy finds only the hand edit. A changed wording is
commented, not rewritten. The input is never written; a LibreOffice-saved draft refreshes too.
"""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner
from docx import Document
from docx.oxml.ns import qn
from reading import read_paragraphs

from drafter import DraftError, check
from drafter.cli import main
from drafter.review.checker import EDITED, STALE
from drafter.review.refresh import refresh
from drafter.review.report_text import render_check
from drafter.review.scan import control_id, run_text, sentence_around
from drafter.review.wordings import REWORDED, WordingCheck
from drafter.word.manifest import read_manifest

CHANGES = [  # (database, statement, the figure it changes, its text before → after)
    (
        "office",
        "DELETE FROM study_session WHERE id = (SELECT MIN(id) FROM study_session WHERE held_on >= '2025-01-01' "
        "AND session_kind IN ('中心组学习', '中心组扩大学习'))",
        "theory_study.sessions",
        "12",
        "11",
    ),
    (
        "disaster",
        "DELETE FROM storage_point WHERE id = (SELECT MIN(id) FROM storage_point WHERE confirmed_on >= "
        "'2025-01-01' AND tier IN ('区级', '镇级'))",
        "storage_points.district_town",
        "14",
        "13",
    ),
    (
        "enforcement",
        "UPDATE inspection SET officer_count = officer_count + 1 WHERE id = (SELECT MIN(id) FROM "
        "inspection WHERE inspected_on >= '2025-01-01')",
        "inspections.officer_trips",
        "1428",
        "1429",
    ),
]


def sql(project: Path, db: str, statement: str) -> None:
    con = sqlite3.connect(project.parent / "sample" / f"{db}.db")
    with con:
        assert con.execute(statement).rowcount == 1
    con.close()


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def control_texts(path: Path) -> dict[str, str]:
    doc = Document(str(path))
    out: dict[str, str] = {}
    for sdt in doc.element.body.iter(qn("w:sdt")):
        cid = control_id(sdt)
        if cid and cid not in out:
            out[cid] = "".join(run_text(r) for r in sdt.iter(qn("w:r")))
    return out


def ids(draft: Path) -> dict[str, str]:
    return {f.ref: f.id for f in read_manifest(Document(str(draft))).figures}


def edited_draft(project: Path, target: Path) -> tuple[Path, str]:
    """The sample draft with a prose edit and one figure typed over by hand; returns it and that figure's id."""
    doc = Document(str(project.parent / "draft-2025.docx"))
    fid = ids(project.parent / "draft-2025.docx")["inspections.hazards_found"]
    sdt = next(s for s in doc.element.body.iter(qn("w:sdt")) if control_id(s) == fid)
    ts = list(sdt.iter(qn("w:t")))
    ts[0].text = "870"
    for t in ts[1:]:
        t.text = ""
    for t in doc.element.body.iter(qn("w:t")):
        if t.text and "举办“" in t.text:
            t.text = t.text.replace("举办“", "隆重举办“", 1)
            break
    else:
        raise AssertionError("prose not found")
    doc.save(str(target))
    return target, fid


def is_prose(finding) -> bool:
    """The editor's rewording of the templates' plain text: check tells it, refresh leaves it be."""
    return isinstance(finding, WordingCheck) and finding.plain


def prose_sentence(path: Path) -> str:
    return next(
        sentence_around(p, p.index("隆重举办"), p.index("隆重举办") + 4)
        for p in read_paragraphs(path)
        if "隆重举办" in p
    )


def test_refresh_updates_changed_figures_keeps_edits_and_check_on_the_copy_flags_only_the_hand_edit(
    sample_project_copy, tmp_path
):
    project = sample_project_copy
    draft, fid = edited_draft(project, tmp_path / "edited.docx")
    before = sha(draft)
    for db, statement, *_ in CHANGES:
        sql(project, db, statement)

    result = refresh(draft, tmp_path / "refreshed.docx", project)
    assert sha(draft) == before  # the input is never written
    assert result.path == tmp_path / "refreshed.docx"
    assert sorted(f.ref for f in result.updated) == sorted(c[2] for c in CHANGES)
    assert [f.id for f in result.kept] == [fid] and result.reworded == []

    texts, refs = control_texts(result.path), ids(project.parent / "draft-2025.docx")
    for *_, ref, _old, new in CHANGES:
        assert texts[refs[ref]] == new
    assert texts[fid] == "870"  # the hand edit is kept …
    comments = [c.text for c in Document(str(result.path)).comments]
    assert len(comments) == 1 and "手工修改" in comments[0] and "870" in comments[0] and "861" in comments[0]
    prose = read_paragraphs(result.path)
    assert any("隆重举办“" in p for p in prose)  # … and so is the prose
    # every paragraph but those with an updated figure reads as in the edited draft
    changed = [p for p, q in zip(read_paragraphs(draft), prose) if p != q]
    assert len(changed) == 3 and len(prose) == len(read_paragraphs(draft))

    report = check(result.path, project)
    assert [(f.status, f.id) for f in report.findings if not is_prose(f)] == [(EDITED, fid)]
    assert [f.draft_text for f in report.findings if is_prose(f)] == [
        prose_sentence(result.path)
    ]  # told, not commented
    manifest = read_manifest(Document(str(result.path)))
    assert manifest.refreshed_from == "edited.docx" and manifest.refreshed_at
    # its check says when the copy's figures were brought up to date, not only when built
    head = render_check(report).splitlines()[0]
    assert f"，更新于 {manifest.refreshed_at.replace('T', ' ')}）" in head and "T" not in head.split("生成于")[1]
    # … and so do its preview pages (the web page's and `build --preview`'s)
    from drafter.review.pageview import view_of_file
    from drafter.web.pages import standalone_preview

    html = standalone_preview(view_of_file(result.path))
    assert f"更新于 {manifest.refreshed_at.replace('T', ' ')}" in html


def test_a_changed_wording_is_commented_with_the_new_wording_not_rewritten(sample_project_copy, tmp_path):
    project = sample_project_copy
    draft = project.parent / "draft-2025.docx"
    sql(
        project,
        "office",
        "UPDATE legal_proceeding SET outcome = '撤销' WHERE id = (SELECT MIN(id) FROM "
        "legal_proceeding WHERE filed_on >= '2025-01-01' AND concluded_on < '2026-01-01')",
    )
    sql(
        project,
        "office",
        "DELETE FROM study_session WHERE id = (SELECT MIN(id) FROM study_session "
        "WHERE held_on >= '2025-01-01' AND session_kind IN ('中心组学习', '中心组扩大学习'))",
    )
    result = refresh(draft, None, project)
    assert result.path == draft.with_name("draft-2025（更新）.docx")
    assert [f.ref for f in result.updated] == ["theory_study.sessions"] and len(result.reworded) == 1
    text = "\n".join(read_paragraphs(result.path))
    assert "无纠错或败诉案件" in text and "纠错或败诉案件1起" not in text
    comments = [c.text for c in Document(str(result.path)).comments]
    assert len(comments) == 1 and "措辞已变化" in comments[0] and "“纠错或败诉案件1起”" in comments[0]
    report = check(result.path, project)
    assert [item.status for item in report.findings] == [REWORDED]

    # a second refresh never replaces the first without --force
    again = refresh(draft, None, project)
    assert again.path == draft.with_name("draft-2025（更新）-2.docx") and again.renamed
    forced = refresh(draft, None, project, force=True)
    assert forced.path == result.path


def test_a_figure_that_drops_out_with_its_condition_is_flagged_not_deleted(sample_project_copy, tmp_path):
    project = sample_project_copy
    con = sqlite3.connect(project.parent / "sample" / "office.db")
    with con:
        con.execute("UPDATE science_ambassador SET honour = NULL WHERE selected_on >= '2025-01-01'")
    con.close()
    result = refresh(project.parent / "draft-2025.docx", tmp_path / "r.docx", project)
    assert [f.ref for f in result.dropped] == ["science_ambassadors.honoured"] and len(result.reworded) == 1
    assert "其中1人荣获" in "\n".join(read_paragraphs(result.path))
    report = check(result.path, project)
    assert sorted(item.status for item in report.findings) == sorted([REWORDED, STALE])


def test_refresh_refuses_to_write_over_its_input_or_a_non_docx(sample_project_copy, tmp_path):
    project = sample_project_copy
    draft = project.parent / "draft-2025.docx"
    before = sha(draft)
    for target in (draft, tmp_path / "x.txt"):
        with pytest.raises(Exception) as info:
            refresh(draft, target, project, force=True)
        assert getattr(info.value, "hint", None)
    assert sha(draft) == before


def test_a_draft_without_controls_cannot_be_refreshed_in_place(sample_project_copy, tmp_path):
    project = sample_project_copy
    doc = Document(str(project.parent / "draft-2025.docx"))
    for sdt in list(doc.element.body.iter(qn("w:sdt"))):
        parent, index = sdt.getparent(), sdt.getparent().index(sdt)
        for k, child in enumerate(list(sdt.find(qn("w:sdtContent")))):
            parent.insert(index + k, child)
        parent.remove(sdt)
    doc.save(str(tmp_path / "bare.docx"))
    with pytest.raises(DraftError, match="无法就地更新"):
        refresh(tmp_path / "bare.docx", tmp_path / "out.docx", project)
    assert not (tmp_path / "out.docx").exists()


def test_refresh_command_exit_codes(sample_project_copy, tmp_path):
    project = sample_project_copy
    draft = project.parent / "draft-2025.docx"
    runner = CliRunner()
    clean = runner.invoke(main, ["refresh", str(draft), "-c", str(project), "-o", str(tmp_path / "a.docx")])
    assert clean.exit_code == 0, clean.output
    assert "更新数字 0 个" in clean.output and clean.output.strip().endswith("a.docx")
    edited, _ = edited_draft(project, tmp_path / "edited.docx")
    flagged = runner.invoke(main, ["refresh", str(edited), "-c", str(project), "-o", str(tmp_path / "b.docx")])
    assert flagged.exit_code == 1 and "保留手工修改 1 处" in flagged.output
    missing = runner.invoke(main, ["refresh", str(tmp_path / "nope.docx"), "-c", str(project)])
    assert missing.exit_code == 2 and "找不到草稿文件" in missing.output and "Traceback" not in missing.output


@pytest.mark.render
def test_a_libreoffice_saved_draft_refreshes_too(sample_project_copy, tmp_path):
    from test_check import _libreoffice_round_trip

    project = sample_project_copy
    draft, fid = edited_draft(project, tmp_path / "edited.docx")
    converted = _libreoffice_round_trip(draft, tmp_path / "lo")
    for db, statement, *_ in CHANGES:
        sql(project, db, statement)
    result = refresh(converted, tmp_path / "refreshed.docx", project)
    assert sorted(f.ref for f in result.updated) == sorted(c[2] for c in CHANGES)
    assert [f.id for f in result.kept] == [fid]
    text = "\n".join(read_paragraphs(result.path))
    assert "落实13个区镇级防汛物资储备点位" in text and "全年共出动执法人员1429人次" in text
    report = check(result.path, project)
    assert [(f.status, f.id) for f in report.findings if not is_prose(f)] == [(EDITED, fid)]
    assert [f.draft_text for f in report.findings if is_prose(f)] == [prose_sentence(result.path)]


def test_every_other_finding_is_commented_on_the_copy_too(sample_project_copy, tmp_path):
    project = sample_project_copy
    doc = Document(str(project.parent / "draft-2025.docx"))
    for t in doc.element.body.iter(qn("w:t")):
        if t.text and "举办“" in t.text:
            t.text = t.text.replace("举办“", "另有37家企业参加，举办“", 1)
            break
    doc.save(str(tmp_path / "typed.docx"))
    result = refresh(tmp_path / "typed.docx", tmp_path / "r.docx", project)
    assert [item.text for item in result.other] == ["37"] and result.flagged == 1
    comments = [c.text for c in Document(str(result.path)).comments]
    assert len(comments) == 1 and "【无来源数字】“37”" in comments[0]


@pytest.mark.render
def test_a_libreoffice_saved_draft_keeps_its_wordings(sample_project_copy, tmp_path):
    from test_check import _libreoffice_round_trip

    from drafter.review.scan import wording_ranges

    project = sample_project_copy
    converted = _libreoffice_round_trip(project.parent / "draft-2025.docx", tmp_path / "lo")
    ranges = wording_ranges(Document(str(converted)))
    assert sorted(ranges) == [w.id for w in read_manifest(Document(str(converted))).wordings]
    con = sqlite3.connect(project.parent / "sample" / "office.db")
    with con:
        con.execute(
            "UPDATE legal_proceeding SET outcome = '撤销' WHERE id = (SELECT MIN(id) FROM legal_proceeding "
            "WHERE filed_on >= '2025-01-01' AND concluded_on < '2026-01-01')"
        )
    con.close()
    report = check(converted, project)
    assert report.mode == "controls"
    assert [(item.status, item.draft_text) for item in report.findings] == [(REWORDED, "无纠错或败诉案件")]
    result = refresh(converted, tmp_path / "r.docx", project)
    comments = [c.text for c in Document(str(result.path)).comments]
    assert len(result.reworded) == 1 and len(comments) == 1 and "纠错或败诉案件1起" in comments[0]


def raw_paragraphs(path: Path) -> list[str]:
    """Each body paragraph's text as stored, word joiners (U+2060) included."""
    body = Document(str(path)).element.body
    return ["".join(t.text or "" for t in p.iter(qn("w:t"))) for p in body.iter(qn("w:p"))]


def test_an_updated_figure_is_held_on_one_line_with_its_unit_as_a_build_holds_it(sample_project_copy, tmp_path):
    """GB/T 15835: a number and its unit never part at a line's end. Refresh writes a figure's
    new text as one run; the paragraph gets its joiners again, as a fresh build lays them."""
    from drafter import build

    project = sample_project_copy
    draft = project.parent / "draft-2025.docx"
    sql(  # 处罚金额约894.2845万元 → 895.2845万元: a figure whose unit a build glues to it
        project,
        "enforcement",
        "UPDATE penalty_decision SET fine_amount = fine_amount + 10000 WHERE id = (SELECT MIN(p.id) FROM "
        "penalty_decision p JOIN case_file c ON c.id = p.case_id WHERE c.case_source = '事故调查' AND "
        "c.filed_on >= '2025-01-01' AND c.filed_on < '2026-01-01')",
    )
    result = refresh(draft, tmp_path / "refreshed.docx", project)
    assert [f.ref for f in result.updated] == ["accident_cases.fines"]
    fresh = build(project, output=tmp_path / "fresh.docx").path
    plain = {p.replace("\u2060", ""): p for p in raw_paragraphs(fresh)}
    (refreshed,) = [q for p, q in zip(raw_paragraphs(draft), raw_paragraphs(result.path)) if p != q]
    assert "895.2845\u2060万\u2060元" in refreshed  # held together …
    assert refreshed == plain[refreshed.replace("\u2060", "")]  # … exactly where a build holds it
    body = Document(str(result.path)).element.body
    empty = [r for r in body.iter(qn("w:r")) if not "".join(t.text or "" for t in r.iter(qn("w:t"))) and len(r) <= 1]
    assert not empty  # no run left behind empty
    assert check(result.path, project).findings == []  # and the copy still checks clean
