"""`drafter check` on the real sample draft: each status, both modes, the reviewer outputs.

Every test edits a copy of the session's 2025 sample draft the way an editor in
Word would (text inside a control, a control deleted, a number typed, a figure
removed), or changes rows of a private copy of the sample databases, and checks
what the report says. The draft given to `check` is never written.
"""

from __future__ import annotations

import copy
import hashlib
import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import require_programs
from docx import Document
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from openpyxl import load_workbook
from reading import read_paragraphs

from drafter import DraftError, check
from drafter.cli import main
from drafter.outcome import check_exit_code
from drafter.review.annotate import annotate
from drafter.review.checker import (
    CONSISTENT,
    EDITED,
    REMOVED,
    STALE,
    UNBACKED,
    UNCHECKED,
    align_paragraphs,
    map_span,
    merged_paragraphs,
)
from drafter.review.checklist import write_checklist
from drafter.review.report_text import mode_label, render_check
from drafter.review.scan import control_id, counted_numbers, numbers, run_text, sentence_around
from drafter.review.wordings import HAND_EDITED, WordingCheck
from drafter.word.manifest import read_manifest

# --------------------------------------------------------------------------- editing a draft like an editor


class Edit:
    """A copy of a draft opened for editing; `save()` writes it beside the original."""

    def __init__(self, draft: Path, tmp_path: Path, name: str = "edited.docx"):
        self.path = tmp_path / name
        self.doc = Document(str(draft))
        self.manifest = read_manifest(self.doc).model_dump(mode="json", exclude_unset=True)

    def id_of(self, ref: str) -> str:
        return next(f["id"] for f in self.manifest["figures"] if f["ref"] == ref)

    def control(self, occ_id: str):
        return next(s for s in self.doc.element.body.iter(qn("w:sdt")) if control_id(s) == occ_id)

    def retype_inside(self, occ_id: str, text: str) -> None:
        ts = list(self.control(occ_id).iter(qn("w:t")))
        ts[0].text = text
        for t in ts[1:]:
            t.text = ""

    def unwrap(self, occ_id: str, text: str | None = None) -> None:
        """Delete the control and type its text (or `text`) back as a plain run."""
        sdt = self.control(occ_id)
        r, t = OxmlElement("w:r"), OxmlElement("w:t")
        t.text = text if text is not None else "".join(run_text(x) for x in sdt.iter(qn("w:r")))
        r.append(t)
        sdt.addprevious(r)
        sdt.getparent().remove(sdt)

    def remove(self, occ_id: str) -> None:
        sdt = self.control(occ_id)
        sdt.getparent().remove(sdt)

    def replace_text(self, old: str, new: str) -> None:
        for t in self.doc.element.body.iter(qn("w:t")):
            if t.text and old in t.text:
                t.text = t.text.replace(old, new, 1)
                return
        raise AssertionError(f"{old!r} not in the draft")

    def paragraph_of(self, occ_id: str):
        return next(a for a in self.control(occ_id).iterancestors() if a.tag == qn("w:p"))

    def merge_into_previous(self, occ_id: str) -> None:
        """Join the paragraph holding a figure to the paragraph before it (Delete at the end of that one)."""
        p = self.paragraph_of(occ_id)
        before = p.getprevious()
        for child in list(p):
            if child.tag != qn("w:pPr"):
                before.append(child)
        p.getparent().remove(p)

    def split_after(self, occ_id: str, end: str) -> None:
        """Split the paragraph holding a figure after the plain text `end` (Enter typed there)."""
        p = self.paragraph_of(occ_id)
        run = next(r for r in p if r.tag == qn("w:r") and end in run_text(r))
        t = run.find(qn("w:t"))
        text = t.text or ""
        cut = text.index(end) + len(end)
        t.text = text[:cut]
        second = copy.deepcopy(p)
        for child in list(second):
            if child.tag != qn("w:pPr"):
                second.remove(child)
        rest = copy.deepcopy(run)
        rest.find(qn("w:t")).text = text[cut:]
        second.append(rest)
        second.extend(list(run.itersiblings()))
        p.addnext(second)

    def strip_controls(self) -> None:
        """What an office suite that drops content controls leaves: their text as plain runs."""
        for sdt in list(self.doc.element.body.iter(qn("w:sdt"))):
            parent, index = sdt.getparent(), sdt.getparent().index(sdt)
            for k, child in enumerate(list(sdt.find(qn("w:sdtContent")))):
                parent.insert(index + k, child)
            parent.remove(sdt)

    def strip_manifest(self) -> None:
        for rel_id, rel in list(self.doc.part.rels.items()):
            if rel.reltype == RT.CUSTOM_XML:
                del self.doc.part.rels[rel_id]

    def save(self) -> Path:
        self.doc.save(str(self.path))
        return self.path


def by_id(report, occ_id):
    return next(f for f in report.figures if f.id == occ_id)


def findings_by_status(report):
    out: dict[str, list] = {}
    for item in report.findings:
        out.setdefault(item.status, []).append(item)
    return out


# --------------------------------------------------------------------------- the draft as built


def test_the_sample_2025_draft_tags_at_least_79_figures_each_findable_without_its_tag(sample_draft):
    doc = Document(str(sample_draft))
    sdts = list(doc.element.body.iter(qn("w:sdt")))
    tags = [s.find(f"{qn('w:sdtPr')}/{qn('w:tag')}").get(qn("w:val")) for s in sdts]
    assert len(tags) >= 79 and all(t.startswith("drafter:f") for t in tags)
    bookmarks = [b.get(qn("w:name")) for b in doc.element.body.iter(qn("w:bookmarkStart"))]
    # figure bookmarks in order; the conditional wordings' bookmarks (_drafter_w…) come between them
    assert [b for b in bookmarks if b.startswith("_drafter_f")] == [f"_drafter_{control_id(s)}" for s in sdts]
    # rich-text controls: LibreOffice repeats the text of plain-text ones that mix digits and Chinese
    assert not any(s.find(f"{qn('w:sdtPr')}/{qn('w:text')}") is not None for s in sdts)
    manifest = read_manifest(doc).model_dump(mode="json", exclude_unset=True)
    assert [f["id"] for f in manifest["figures"]] == [control_id(s) for s in sdts]
    assert manifest["built_at"] and manifest["generator"].startswith("drafter ")
    first = manifest["figures"][0]
    assert {"id", "ref", "text", "value", "sources", "part"} <= set(first)
    query = manifest["queries"][first["sources"][0]["query"]]
    assert {"sql", "sql_hash", "params", "source"} <= set(query)
    assert "sqlite:" not in json.dumps(manifest) and "sample/" not in json.dumps(manifest)  # names, no URLs


def test_an_untouched_draft_checks_clean(sample_project, sample_draft):
    report = check(sample_draft, sample_project)
    assert report.mode == "controls" and mode_label(report) == "内容控件模式"
    assert report.year == 2025 and report.year_from == "草稿清单"
    assert len(report.figures) >= 79
    assert {f.status for f in report.figures} == {CONSISTENT}
    assert report.unbacked == [] and report.findings == [] and check_exit_code(report) == 0
    assert "全部一致" in render_check(report) and "内容控件模式" in render_check(report)


def test_check_only_reads_the_draft(sample_project, sample_draft, tmp_path):
    draft = tmp_path / "draft.docx"
    shutil.copy(sample_draft, draft)
    before, mtime = hashlib.sha256(draft.read_bytes()).hexdigest(), draft.stat().st_mtime_ns
    report = check(draft, sample_project)
    annotate(report, tmp_path / "annotated.docx")
    write_checklist(report, tmp_path / "checklist.xlsx")
    assert hashlib.sha256(draft.read_bytes()).hexdigest() == before == report.sha256
    assert draft.stat().st_mtime_ns == mtime
    assert sorted(p.name for p in tmp_path.iterdir()) == ["annotated.docx", "checklist.xlsx", "draft.docx"]


# --------------------------------------------------------------------------- each status


def test_a_figure_edited_inside_its_control_is_a_hand_edit(sample_project, sample_draft, tmp_path):
    edit = Edit(sample_draft, tmp_path)
    fid = edit.id_of("inspections.hazards_found")
    edit.retype_inside(fid, "1500")
    report = check(edit.save(), sample_project)
    fig = by_id(report, fid)
    assert (fig.status, fig.draft_text, fig.built_text, fig.current_text) == (EDITED, "1500", "861", "861")
    assert "发现隐患1500项" in fig.sentence and fig.sentence.startswith("全年共出动执法人员")
    assert fig.queries == ["inspections"] and fig.sources == ["enforcement（统一综合执法系统）"]
    assert "FROM inspection" in fig.sql
    assert [f.id for f in report.findings] == [fid] and check_exit_code(report) == 1


def test_a_control_deleted_and_its_number_retyped_is_removed_and_the_number_has_no_source(
    sample_project, sample_draft, tmp_path
):
    edit = Edit(sample_draft, tmp_path)
    fid = edit.id_of("inspections.officer_trips")
    edit.unwrap(fid)  # the text still reads 1428, but nothing ties it to the query any more
    report = check(edit.save(), sample_project)
    assert read_paragraphs(edit.path) == read_paragraphs(sample_draft)
    found = findings_by_status(report)
    assert [f.id for f in found[REMOVED]] == [fid]
    assert "同一段中有手工输入的“1428”" in found[REMOVED][0].note
    [number] = found[UNBACKED]
    assert number.text == "1428" and "全年共出动执法人员1428人次" in number.sentence
    assert f"可能是 {fid}" in number.note
    assert len(report.findings) == 2


def test_a_number_typed_into_a_sentence_has_no_source(sample_project, sample_draft, tmp_path):
    edit = Edit(sample_draft, tmp_path)
    edit.replace_text("举办“", "另有37家企业参加，举办“")
    report = check(edit.save(), sample_project)
    [number] = report.findings
    assert number.status == UNBACKED and number.text == "37"
    assert (
        number.sentence
        == "另有37家企业参加，举办“2025年青浦区第八届进博会安全保障暨事故灾难和自然灾害应急指挥体系桌面推演”。"
    )
    assert number.part == "一、2025年推进法治政府建设的主要举措和工作成效"
    # the year typed in the same sentence, and the template's own numbers, are not reported
    assert "2025" not in [n.text for n in report.unbacked]


def test_numbers_changed_in_the_templates_static_text_have_no_source(sample_project, sample_draft, tmp_path):
    edit = Edit(sample_draft, tmp_path)
    edit.replace_text("26个重点领域", "28个重点领域")
    edit.replace_text("全年共受理人民来信来访", "全年（截至11月30日）共受理人民来信来访")
    report = check(edit.save(), sample_project)
    numbers = [n.text for n in report.findings if not isinstance(n, WordingCheck)]
    assert numbers == ["28"]  # 11月30日 is a date, not a figure
    # the words typed around the date are an edit of the template's text, told as that
    (edited,) = [w for w in report.findings if isinstance(w, WordingCheck)]
    assert edited.plain and edited.status == HAND_EDITED and "截至11月30日" in (edited.draft_text or "")


def drop_two_petitions(config: Path) -> None:
    """Two 2025 petitions (not substantiated) vanish from the office database."""
    con = sqlite3.connect(config.parent / "sample/office.db")
    with con:
        con.execute(
            "DELETE FROM petition WHERE rowid IN (SELECT rowid FROM petition WHERE received_on >= "
            "'2025-01-01' AND received_on < '2026-01-01' AND substantiated = 0 LIMIT 2)"
        )
    con.close()


def test_rows_changed_after_the_build_are_stale_data(sample_project_copy):
    draft = sample_project_copy.parent / "draft-2025.docx"
    built = {
        f["ref"]: f for f in read_manifest(Document(str(draft))).model_dump(mode="json", exclude_unset=True)["figures"]
    }
    drop_two_petitions(sample_project_copy)
    report = check(draft, sample_project_copy)
    stale = findings_by_status(report)
    assert list(stale) == [STALE]
    refs = {f.ref: f for f in stale[STALE]}
    assert "petitions.received" in refs
    fig = refs["petitions.received"]
    assert fig.draft_text == fig.built_text == built["petitions.received"]["text"] == "137"
    assert fig.current_text == "135" and fig.current_value == 135
    assert "数据库现在给出“135”" in fig.note
    assert check_exit_code(report) == 1


def test_a_removed_figure_is_reported_where_it_stood(sample_project, sample_draft, tmp_path):
    edit = Edit(sample_draft, tmp_path)
    fid = edit.id_of("legal_reviews.cases")
    edit.remove(fid)
    report = check(edit.save(), sample_project)
    [fig] = report.findings
    assert (fig.id, fig.status, fig.draft_text, fig.built_text) == (fid, REMOVED, None, "49")
    assert fig.sentence.startswith("全年共审核案件起，")
    assert fig.note == "内容控件已不在草稿中。"


def test_a_paragraph_deleted_with_its_figures_reports_each_removed(sample_project, sample_draft, tmp_path):
    edit = Edit(sample_draft, tmp_path)
    fid = edit.id_of("petitions.received")
    p = edit.control(fid).getparent()
    p.getparent().remove(p)
    report = check(edit.save(), sample_project)
    removed = findings_by_status(report)
    assert list(removed) == [REMOVED]
    assert fid in [f.id for f in removed[REMOVED]] and len(removed[REMOVED]) == 5
    assert all(f.note == "内容控件和所在段落都已不在草稿中。" for f in removed[REMOVED])
    assert all(f.sentence.startswith("（按当前模板）") for f in removed[REMOVED])


def test_a_query_that_fails_now_leaves_its_figures_unchecked(sample_project, sample_draft, tmp_path):
    report = check(sample_draft, sample_project, sources={"licensing": f"sqlite:///{tmp_path / 'gone.db'}"})
    unchecked = [f for f in report.figures if f.status == UNCHECKED]
    assert unchecked and all(f.sources == ["licensing（行政审批系统）"] for f in unchecked)
    assert all(f.note.startswith("查询 hazchem_permits 失败") for f in unchecked)
    assert check_exit_code(report) == 2 and "查询 hazchem_permits 失败" in render_check(report)


def test_when_a_source_whose_figures_steer_conditions_is_gone_the_check_still_reports(
    sample_project, sample_draft, tmp_path
):
    # The office database steers conditions in the templates: the fresh render writes those
    # sentences as 【待补充】 instead of failing, and the check says what it could not check.
    gone = f"office=sqlite:///{tmp_path / 'gone.db'}"
    result = CliRunner().invoke(main, ["check", str(sample_draft), "-c", str(sample_project), "-s", gone])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "数据源“office”的 SQLite 文件不存在" in result.output and "无法核对" in result.output


# --------------------------------------------------------------------------- stripped drafts: 段落比对模式


def test_a_draft_without_controls_or_manifest_checks_in_paragraph_mode(sample_project, sample_draft, tmp_path):
    edit = Edit(sample_draft, tmp_path)
    edit.strip_controls()
    edit.strip_manifest()
    report = check(edit.save(), sample_project)
    assert report.mode == "paragraphs" and "段落比对模式（较弱）" in render_check(report)
    assert report.year == 2025 and report.year_from == "标题"
    assert {f.status for f in report.figures} == {CONSISTENT} and report.unbacked == []
    assert check_exit_code(report) == 0


def test_paragraph_mode_finds_a_changed_a_removed_and_a_typed_number(sample_project, sample_draft, tmp_path):
    edit = Edit(sample_draft, tmp_path)
    changed, removed = edit.id_of("inspections.hazards_found"), edit.id_of("legal_reviews.cases")
    edit.retype_inside(changed, "1500")
    edit.remove(removed)
    edit.replace_text("举办“", "另有37家企业参加，举办“")
    edit.strip_controls()  # the manifest stays: LibreOffice and WPS keep custom XML
    report = check(edit.save(), sample_project)
    assert report.mode == "paragraphs"
    found = findings_by_status(report)
    assert [(f.id, f.draft_text, f.built_text) for f in found[EDITED]] == [(changed, "1500", "861")]
    assert [f.id for f in found[REMOVED]] == [removed]
    assert [n.text for n in found[UNBACKED]] == ["37"]


def test_paragraph_mode_finds_the_figures_of_a_paragraph_merged_into_the_one_before(
    sample_project, sample_draft, tmp_path
):
    edit = Edit(sample_draft, tmp_path)
    merged, changed = edit.id_of("rescue_teams.flood_teams"), edit.id_of("rescue_teams.social_teams")
    edit.retype_inside(changed, "7")
    edit.merge_into_previous(merged)
    edit.strip_controls()
    report = check(edit.save(), sample_project)
    assert report.mode == "paragraphs"
    found = findings_by_status(report)
    assert [(f.id, f.draft_text) for f in found.pop(EDITED)] == [(changed, "7")]
    assert found == {}, render_check(report)
    assert by_id(report, merged).status == CONSISTENT


def test_paragraph_mode_finds_the_figures_of_sentences_split_off_into_a_paragraph(
    sample_project, sample_draft, tmp_path
):
    edit = Edit(sample_draft, tmp_path)
    before, changed = edit.id_of("rescue_orgs.approved"), edit.id_of("rescue_teams.social_teams")
    edit.retype_inside(changed, "7")
    edit.split_after(before, "组织。")  # the sentences of industry_teams and social_teams go on
    edit.strip_controls()
    report = check(edit.save(), sample_project)
    assert report.mode == "paragraphs"
    found = findings_by_status(report)
    assert [(f.id, f.draft_text) for f in found.pop(EDITED)] == [(changed, "7")]
    assert found == {}, render_check(report)
    assert by_id(report, changed).paragraph == by_id(report, before).paragraph + 1


def test_paragraph_mode_tells_stale_data_from_a_hand_edit_by_the_manifest(sample_project_copy, tmp_path):
    draft = sample_project_copy.parent / "draft-2025.docx"
    edit = Edit(draft, tmp_path)
    edit.strip_controls()
    stripped = edit.save()
    drop_two_petitions(sample_project_copy)
    report = check(stripped, sample_project_copy)
    assert report.mode == "paragraphs"
    assert "petitions.received" in [f.ref for f in report.findings if f.status == STALE]


def test_a_stripped_2024_draft_is_checked_against_2024(sample_project, tmp_path):
    from drafter import build

    built = build(sample_project, year=2024, output=tmp_path / "draft-2024.docx")
    edit = Edit(built.path, tmp_path, "stripped-2024.docx")
    edit.strip_controls()
    edit.strip_manifest()
    report = check(edit.save(), sample_project)  # config says 2025; the title says 2024
    assert (report.year, report.year_from, check_exit_code(report)) == (2024, "标题", 0)


def test_a_document_that_is_no_draft_of_this_project_cannot_be_checked(sample_project, tmp_path):
    doc = Document()
    for i in range(20):
        doc.add_paragraph(f"第{i}段：与报告无关的文字，共{i * 7}项。")
    doc.save(str(tmp_path / "other.docx"))
    with pytest.raises(DraftError, match="对不上"):
        check(tmp_path / "other.docx", sample_project)


@pytest.mark.parametrize(
    "name,content,message",
    [
        ("missing.docx", None, "找不到草稿文件"),
        ("notes.docx", b"just text", "不是 .docx 文件"),
        ("book.docx", "xlsx", "无法作为 Word 文档打开"),
    ],
)
def test_a_missing_or_unreadable_draft_is_a_draft_error(sample_project, tmp_path, name, content, message):
    path = tmp_path / name
    if content == "xlsx":
        from openpyxl import Workbook

        Workbook().save(path)
    elif content is not None:
        path.write_bytes(content)
    with pytest.raises(DraftError, match=message) as info:
        check(path, sample_project)
    assert info.value.exit_code == 2 and info.value.hint


# --------------------------------------------------------------------------- LibreOffice round trip


def _soffice() -> str:
    return require_programs("render", "soffice", "libreoffice")


def _libreoffice_round_trip(source: Path, out_dir: Path) -> Path:
    out_dir.mkdir()
    profile = (out_dir.parent / f"lo-profile-{out_dir.name}").as_uri()
    subprocess.run(
        [
            _soffice(),
            f"-env:UserInstallation={profile}",
            "--headless",
            "--convert-to",
            "docx",
            "--outdir",
            str(out_dir),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=240,
    )
    converted = out_dir / source.name
    assert converted.exists()
    return converted


@pytest.mark.render
def test_a_draft_saved_by_libreoffice_still_checks_clean_and_names_the_mode(sample_project, sample_draft, tmp_path):
    converted = _libreoffice_round_trip(sample_draft, tmp_path / "lo")
    doc = Document(str(converted))
    assert not list(doc.element.body.iter(qn("w:tag")))  # LibreOffice dropped every tag …
    assert read_manifest(doc) is not None  # … but kept the manifest and the bookmarks
    assert read_paragraphs(converted) == read_paragraphs(sample_draft)
    report = check(converted, sample_project)
    assert report.mode == "controls" and "方式：内容控件模式" in render_check(report)
    assert report.findings == [] and check_exit_code(report) == 0


@pytest.mark.render
def test_an_edit_survives_a_libreoffice_round_trip(sample_project, sample_draft, tmp_path):
    edit = Edit(sample_draft, tmp_path)
    fid = edit.id_of("inspections.hazards_found")
    edit.retype_inside(fid, "1500")
    edit.replace_text("举办“", "另有37家企业参加，举办“")
    converted = _libreoffice_round_trip(edit.save(), tmp_path / "lo")
    report = check(converted, sample_project)
    assert [(f.status, getattr(f, "id", None)) for f in report.findings] == [(UNBACKED, None), (EDITED, fid)]


@pytest.mark.render
def test_libreoffice_repeats_text_of_plain_text_controls_and_the_check_says_so(sample_project, sample_draft, tmp_path):
    """Why figures are rich-text controls: the plain-text kind comes back from LibreOffice 7.4 as
    `300余余300余300余`. A draft made that way is reported, with the reason."""
    edit = Edit(sample_draft, tmp_path, "plain.docx")
    for sdt in edit.doc.element.body.iter(qn("w:sdt")):
        sdt.find(qn("w:sdtPr")).append(OxmlElement("w:text"))
    converted = _libreoffice_round_trip(edit.save(), tmp_path / "lo")
    report = check(converted, sample_project)
    repeated = [f for f in report.findings if "LibreOffice" in f.note]
    if not repeated:
        print("this LibreOffice keeps plain-text controls whole")
        assert report.findings == []
        return
    assert all(f.status == EDITED for f in repeated) and report.mode == "controls"
    assert any(f.draft_text == "300余余300余300余" for f in repeated)


# --------------------------------------------------------------------------- reviewer outputs


@pytest.fixture
def edited_report(sample_project, sample_draft, tmp_path):
    edit = Edit(sample_draft, tmp_path)
    edit.retype_inside(edit.id_of("inspections.hazards_found"), "1500")
    edit.unwrap(edit.id_of("inspections.officer_trips"))
    edit.remove(edit.id_of("legal_reviews.cases"))
    edit.replace_text("举办“", "另有37家企业参加，举办“")
    return check(edit.save(), sample_project)


def test_the_checklist_has_a_row_a_figure_and_a_row_a_number_without_source(edited_report, tmp_path):
    path = write_checklist(edited_report, tmp_path / "核对清单.xlsx")
    wb = load_workbook(path)
    ws = wb["核对清单"]
    header = [c.value for c in ws[1]]
    assert header[:3] == ["编号", "部分", "句子"]
    for name in ("部分", "句子", "草稿中的值", "当前值", "状态", "查询", "数据源", "SQL"):
        assert name in header
    rows = [dict(zip(header, (c.value for c in row))) for row in ws.iter_rows(min_row=2)]
    figures = [r for r in rows if r["编号"]]
    assert [r["编号"] for r in figures] == [f.id for f in edited_report.figures]
    assert len(rows) == len(edited_report.figures) + len(edited_report.unbacked) == len(figures) + 2
    edited = next(r for r in figures if r["状态"] == EDITED)
    assert (edited["草稿中的值"], edited["当前值"], edited["数据源"]) == (
        "1500",
        "861",
        "enforcement（统一综合执法系统）",
    )
    assert "SELECT" in edited["SQL"] and edited["查询"].startswith("inspections")
    assert sorted(r["草稿中的值"] for r in rows if r["状态"] == UNBACKED) == ["1428", "37"]
    assert ws.auto_filter.ref == ws.dimensions and ws.freeze_panes == "A2"
    assert ws["A1"].font.bold and ws.column_dimensions["C"].width >= 40
    assert wb["概况"]["B5"].value == "内容控件模式"


def test_the_annotated_copy_has_one_comment_a_finding(edited_report, tmp_path):
    out = annotate(edited_report, tmp_path / "批注.docx")
    doc = Document(str(out))
    comments = list(doc.comments)
    assert len(comments) == len(edited_report.findings) == 5
    assert all(c.author == "drafter" for c in comments)
    texts = [c.text for c in comments]
    assert texts[0].startswith("【无来源数字】“37”")
    assert any(t.startswith("【手工修改】") and "“1500”" in t and "“861”" in t for t in texts)
    assert sum(t.startswith("【已删除】") for t in texts) == 2
    # the text a reader sees is the draft's; no comment marker sits inside a figure control
    assert read_paragraphs(out) == read_paragraphs(edited_report.draft)
    for sdt in doc.element.body.iter(qn("w:sdt")):
        assert not list(sdt.iter(qn("w:commentRangeStart"))) and not list(sdt.iter(qn("w:commentReference")))


def test_annotate_never_writes_over_the_draft(edited_report):
    with pytest.raises(Exception, match=r"批注副本不能写在 edited\.docx 本身上"):
        annotate(edited_report, edited_report.draft)


# --------------------------------------------------------------------------- the command


def test_check_exit_codes_and_no_traceback(sample_project, sample_draft, tmp_path):
    runner = CliRunner()
    clean = runner.invoke(main, ["check", str(sample_draft), "--config", str(sample_project)])
    assert clean.exit_code == 0, clean.output
    assert "内容控件模式" in clean.output and "全部一致" in clean.output

    edit = Edit(sample_draft, tmp_path)
    edit.retype_inside(edit.id_of("inspections.hazards_found"), "1500")
    edited = edit.save()
    xlsx, annotated = tmp_path / "清单.xlsx", tmp_path / "批注.docx"
    found = runner.invoke(
        main, ["check", str(edited), "-c", str(sample_project), "--xlsx", str(xlsx), "--annotate", str(annotated)]
    )
    assert found.exit_code == 1
    assert "[手工修改]" in found.output and "“1500”" in found.output
    assert xlsx.exists() and annotated.exists() and len(Document(str(annotated)).comments) == 1

    for args in (
        ["check", str(tmp_path / "none.docx"), "-c", str(sample_project)],
        ["check", str(sample_project), "-c", str(sample_project)],
        ["check", str(sample_draft), "-c", str(tmp_path / "no-config.yaml")],
    ):
        result = runner.invoke(main, args)
        assert result.exit_code == 2, (args, result.output)
        assert result.output.startswith("错误：") and "Traceback" not in result.output


def test_check_reports_an_internal_error_in_one_line_with_status_2(sample_project, sample_draft, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(sys.modules["drafter.review.checker"], "Renderer", broken)
    result = CliRunner().invoke(main, ["check", str(sample_draft), "-c", str(sample_project)])
    assert result.exit_code == 2 and "内部错误" in result.output and "boom" in result.output
    assert "Traceback" not in result.output


# --------------------------------------------------------------------------- the pieces


def test_template_numbers_a_reader_does_not_count_are_ignored():
    text = (
        "按照《法治政府建设实施纲要（2021—2025年）》部署要求，2025年12月31日前，"
        "共检查企业646家次，整改率98.74%，排查17万余家次，罚款1,187.21万元。"
    )
    assert [n.text for n in counted_numbers(text)] == ["646", "98.74", "17", "1,187.21"]
    assert [n.text for n in counted_numbers("16.加大重点领域行政执法力度，共3起")] == ["3"]
    assert [n.text for n in counted_numbers("（2）完成１２项")] == ["１２"]
    assert [n.value for n in numbers("１２．５")] == ["12.5"]


def test_paragraphs_align_through_edits():
    fresh = ["标题", "一、举措", "共检查646家。", "发现隐患861项。", "二、不足", "结尾"]
    draft = ["标题", "一、举措", "共检查700家，另有一句。", "新增的一段文字，完全不同。", "二、不足", "结尾"]
    pairs = align_paragraphs(draft, fresh)
    assert pairs == {0: 0, 1: 1, 2: 2, 4: 4, 5: 5}


def test_a_paragraph_merged_into_its_neighbour_is_found_there_and_a_deleted_one_is_not():
    fresh = ["一、举措", "1.检查企业646家次，发现隐患861项。", "2.组建抢险队伍532支、共计9400余人。", "二、不足"]
    merged = ["一、举措", "1.检查企业646家次，发现隐患861项。2.组建抢险队伍532支、共计9400余人。", "二、不足"]
    pairs = align_paragraphs(merged, fresh)
    assert 2 not in pairs and merged_paragraphs(merged, fresh, pairs) == {2: 1}
    deleted = ["一、举措", "1.检查企业646家次，发现隐患861项。", "二、不足"]
    pairs = align_paragraphs(deleted, fresh)
    assert 2 not in pairs and merged_paragraphs(deleted, fresh, pairs) == {}
    assert merged_paragraphs(["合计", "合计12"], ["合计", "合计"], {0: 0}) == {}  # too short to tell


def test_a_figure_is_found_at_its_place_in_an_edited_paragraph():
    fresh = "全年共出动执法人员1428人次，检查企业646家次。"
    draft = "全年共出动执法人员1500人次，检查企业646家次。"
    start = fresh.index("1428")
    a, b = map_span(fresh, draft, start, start + 4)
    assert draft[a:b] == "1500"
    a, b = map_span(fresh, "全年共出动执法人员，检查企业646家次。", start, start + 4)
    assert a == b


def test_the_sentence_around_a_number_is_cut_at_sentence_ends():
    text = "第一句。第二句有1428人次，还有别的；第三句。"
    start = text.index("1428")
    assert sentence_around(text, start, start + 4) == "第二句有1428人次，还有别的；"
    long = "甲" * 200 + "1428" + "乙" * 200
    short = sentence_around(long, 200, 204, limit=40)
    assert "1428" in short and short.startswith("…") and short.endswith("…") and len(short) < 50
