"""Text an editor changes without Word (opening and closing as section text), and the
发文字号 / 签发人 line of a 上行文 (GB/T 9704-2012 §7.2.4), read back from built drafts."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn
from reading import read_paragraphs

from drafter import build
from drafter.project.style import StyleSettings

REPO = Path(__file__).resolve().parents[1]


def _office(root: Path, report_extra: str = "") -> Path:
    from drafter.word.master import build_master

    (root / "queries").mkdir(parents=True)
    (root / "templates/sections").mkdir(parents=True)
    with sqlite3.connect(root / "cases.db") as conn:
        conn.execute("CREATE TABLE cases (id INTEGER PRIMARY KEY, opened TEXT)")
        conn.executemany("INSERT INTO cases (opened) VALUES (?)", [("2026-01-05",), ("2026-03-01",)])
    (root / "config.yaml").write_text(
        "report:\n  agency: 东河区司法局\n  year: 2026\n" + report_extra + "sources:\n  cases: sqlite:///cases.db\n",
        encoding="utf-8",
    )
    (root / "queries/cases.sql").write_text(
        "-- source: cases\n-- description: 全年案件\n-- returns: scalar\n"
        "SELECT COUNT(*) AS n FROM cases WHERE opened >= :period_start AND opened < :period_end\n",
        encoding="utf-8",
    )
    (root / "templates/sections/0-开头.txt").write_text("现将{{ year }}年工作情况报告如下。\n", encoding="utf-8")
    (root / "templates/sections/1-工作.txt").write_text("一、主要工作\n全年办理案件{{ cases }}件。\n", encoding="utf-8")
    (root / "templates/sections/9-结尾.txt").write_text("特此报告。\n", encoding="utf-8")
    build_master(root / "templates/report.docx")
    return root / "config.yaml"


def _paragraph(document, starts: str):
    return next(p for p in document.paragraphs if p.text.startswith(starts))


def _fonts(run) -> str | None:
    fonts = run._r.find(f"{qn('w:rPr')}/{qn('w:rFonts')}")
    return None if fonts is None else fonts.get(qn("w:eastAsia"))


class TestOpeningAndClosing:
    def test_the_library_holds_no_wording_of_the_sample_office(self):
        for path in (REPO / "drafter").rglob("*.py"):
            if "sample" in path.relative_to(REPO / "drafter").parts:
                continue
            text = path.read_text(encoding="utf-8")
            assert not re.search("青浦|上海", text), path

    def test_the_sample_master_holds_no_text_and_the_sample_sections_hold_its_opening(self):
        master = [p.text for p in docx.Document(str(REPO / "templates/report.docx")).paragraphs]
        assert not any(w in p for p in master for w in ("青浦", "法治政府", "特此报告", "按照"))
        sections = REPO / "templates/sections"
        assert "《青浦法治政府建设规划（2021—2025年）》" in (sections / "0-开头.txt").read_text(encoding="utf-8")
        assert (sections / "9-结尾.txt").read_text(encoding="utf-8").strip() == "特此报告。"

    def test_the_sample_draft_opens_and_closes_as_the_reference(self, sample_draft):
        text = [p for p in read_paragraphs(sample_draft) if p.strip()]
        assert text[1].startswith("按照《法治政府建设实施纲要（2021—2025年）》") and "根据《2025年青浦区" in text[1]
        assert text[1].endswith("统筹谋划2026年推进法治政府建设各项措施，现将相关情况报告如下。")
        assert text[-3:] == ["特此报告。", "上海市青浦区应急管理局", "2025年12月31日"]
        assert sum(p.startswith("按照《法治政府建设实施纲要") for p in text) == 1

    def test_an_edited_opening_file_changes_the_draft(self, tmp_path):
        config = _office(tmp_path / "office")
        (config.parent / "templates/sections/0-开头.txt").write_text(
            "今年以来，我局案件{{ cases }}件。\n", encoding="utf-8"
        )
        result = build(config, output=tmp_path / "d.docx")
        text = [p for p in read_paragraphs(result.path) if p.strip()]
        assert text[1] == "今年以来，我局案件2件。"  # a figure in the opening is a figure like any other
        assert [o.ref for o in result.registry] == ["cases.n", "cases.n"]


class TestSigner:
    def test_without_a_signer_the_doc_number_stands_centred(self, tmp_path):
        config = _office(tmp_path / "office", "  doc_number: 东司〔2026〕3号\n")
        document = docx.Document(str(build(config, output=tmp_path / "d.docx").path))
        number = _paragraph(document, "东司〔2026〕3号")
        assert number.text == "东司〔2026〕3号"
        assert number.style.name == "发文字号"
        assert number.alignment is None and number.style.paragraph_format.alignment == 1  # centred by its style
        assert not any("签发人" in p.text for p in document.paragraphs)

    def test_a_signer_puts_the_number_left_and_the_signer_right_on_one_line(self, tmp_path):
        config = _office(tmp_path / "office", "  doc_number: 东司〔2026〕3号\n  signer: 王明\n")
        document = docx.Document(str(build(config, output=tmp_path / "d.docx").path))
        line = _paragraph(document, "东司〔2026〕3号")
        assert line.text == "东司〔2026〕3号\t签发人：王明"
        s = StyleSettings()
        ppr = line._p.pPr
        assert ppr.find(qn("w:jc")).get(qn("w:val")) == "left"
        ind = ppr.find(qn("w:ind"))
        assert (ind.get(qn("w:left")), ind.get(qn("w:leftChars")), ind.get(qn("w:firstLine"))) == ("320", "100", "0")
        tab = ppr.find(f"{qn('w:tabs')}/{qn('w:tab')}")
        # A right tab one character (16 pt) short of the right edge of the type area.
        assert (tab.get(qn("w:val")), int(tab.get(qn("w:pos")))) == ("right", s.type_width - 320)
        runs = {r.text: r for r in line.runs}
        assert _fonts(runs["签发人："]) == "仿宋_GB2312" and _fonts(runs["王明"]) == "楷体_GB2312"
        # The schema order of the paragraph properties, as Word requires.
        tags = [c.tag.split("}")[1] for c in ppr]
        assert tags.index("pStyle") < tags.index("tabs") < tags.index("ind") < tags.index("jc")
        # The title follows after one blank line, as without a signer.
        texts = [p.text for p in document.paragraphs]
        at = texts.index(line.text)
        assert texts[at + 1] == "" and texts[at + 2].replace("\n", "").startswith("东河区司法局关于2026年度")

    def test_several_signers_take_a_line_each_with_the_number_on_the_last(self, tmp_path):
        config = _office(tmp_path / "office", "  doc_number: 东司〔2026〕3号\n  signer: [王明, 李华]\n")
        document = docx.Document(str(build(config, output=tmp_path / "d.docx").path))
        texts = [p.text for p in document.paragraphs]
        at = texts.index("东司〔2026〕3号\t签发人：李华")
        assert texts[at - 1] == "\t签发人：王明"

    def test_a_signer_without_a_doc_number_still_stands_right_before_the_title(self, tmp_path):
        config = _office(tmp_path / "office", "  signer: 王明\n")
        document = docx.Document(str(build(config, output=tmp_path / "d.docx").path))
        texts = [p.text for p in document.paragraphs]
        assert texts[0] == "\t签发人：王明" and texts[1] == ""
        assert texts[2].replace("\n", "").startswith("东河区司法局关于")


@pytest.mark.render
def test_the_signer_line_renders_left_and_right_in_their_faces(tmp_path):
    """On LibreOffice's page: 发文字号 starts one character inside the left edge of the type
    area, the signer's name ends one character inside the right edge, on one line; the name
    in a 楷体 face, 签发人 in a 仿宋 face."""
    import os
    import shutil

    import pdfplumber

    from drafter.word.preview import render_pdf

    if shutil.which("soffice") is None:
        if os.environ.get("DRAFTER_REQUIRE_RENDER") == "1":
            pytest.fail("DRAFTER_REQUIRE_RENDER=1 but soffice is not installed")
        pytest.skip("LibreOffice is not installed")
    config = _office(tmp_path / "office", "  doc_number: 东司〔2026〕3号\n  signer: 王明\n")
    draft = build(config, output=tmp_path / "d.docx").path
    with pdfplumber.open(str(render_pdf(draft, tmp_path / "pdf"))) as pdf:
        chars = [c for c in pdf.pages[0].chars if c["text"].strip()]
    mm = 72 / 25.4
    left, right, char = 28 * mm, (210 - 26) * mm, 16
    line = sorted(
        (c for c in chars if abs(c["bottom"] - next(x for x in chars if x["text"] == "签")["bottom"]) < 2),
        key=lambda c: c["x0"],
    )
    text = "".join(c["text"] for c in line)
    assert text == "东司〔2026〕3号签发人：王明"
    assert line[0]["x0"] == pytest.approx(left + char, abs=0.3 * char)
    assert line[-1]["x1"] == pytest.approx(right - char, abs=0.3 * char)
    faces = {c["text"]: c["fontname"] for c in line}
    assert "Kai" in faces["王"] and "Kai" not in faces["签"]
