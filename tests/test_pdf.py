"""`drafter fonts` and `drafter build --pdf`: fonts told, not guessed; a PDF beside the draft."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import require_programs
from small_project import write_small_project

from drafter.cli import main
from drafter.project.style import StyleSettings
from drafter.word import fonts, pdf
from drafter.word.fonts import font_report, font_summary, render_font_report
from drafter.word.pdf import PdfUnavailable, write_pdf

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    config = write_small_project(tmp_path / "p", REPO / "templates/report.docx")
    monkeypatch.chdir(config.parent)
    return config


def test_it_tells_each_style_font_whether_installed(monkeypatch):
    monkeypatch.setattr(fonts, "installed_families", lambda: {"黑体", "宋体"})
    report = {s.name: s for s in font_report(StyleSettings(latin_font="Times New Roman"))}
    assert set(report) == {"方正小标宋简体", "黑体", "楷体_GB2312", "仿宋_GB2312", "宋体", "Times New Roman"}
    assert report["黑体"].installed and not report["仿宋_GB2312"].installed
    text = render_font_report(list(report.values()))
    assert "仿宋_GB2312 —— 未安装" in text and "黑体 —— 已安装" in text
    assert "Windows" in text and "麒麟" in text and "apt-get install" in text


def test_without_fontconfig_it_says_it_cannot_tell(monkeypatch):
    monkeypatch.setattr(fonts, "installed_families", lambda: None)
    monkeypatch.setattr(fonts, "_matched", lambda names: {})
    text = render_font_report(font_report())
    assert "无法检查" in text


@pytest.mark.render
def test_the_render_uses_simplified_chinese_serif_faces_for_the_missing_ones():
    require_programs("render", "fc-match")
    report = {s.name: s for s in font_report()}
    for name in ("仿宋_GB2312", "方正小标宋简体", "宋体", "黑体", "楷体_GB2312"):
        used = report[name].used or ""
        assert used == name or (" JP" not in used and "KR" not in used and "TC" not in used), used
    for name in ("仿宋_GB2312", "方正小标宋简体", "宋体"):
        assert "Sans" not in (report[name].used or ""), report[name]
    assert "→" in font_summary(list(report.values())) or "均已安装" in font_summary(list(report.values()))


def test_drafter_fonts_lists_them(project):
    result = CliRunner().invoke(main, ["fonts"])
    assert result.exit_code == 0, result.output
    for name in ("方正小标宋简体", "黑体", "楷体_GB2312", "仿宋_GB2312", "宋体"):
        assert name in result.output


def test_without_libreoffice_the_draft_is_written_and_the_message_is_chinese(project, monkeypatch):
    monkeypatch.setattr(pdf.shutil, "which", lambda name: None)
    with pytest.raises(PdfUnavailable) as info:
        write_pdf(project.parent / "whatever.docx")
    assert "未安装 LibreOffice" in str(info.value)
    result = CliRunner().invoke(main, ["build", "--pdf", "-o", "draft.docx"])
    assert result.exit_code == 1, result.output
    assert "没有生成 PDF" in result.output and "未安装 LibreOffice" in result.output
    assert (project.parent / "draft.docx").is_file()
    assert not list(project.parent.glob("*.pdf"))


@pytest.mark.render
def test_build_pdf_writes_a_pdf_beside_the_draft_with_fonts_embedded(project):
    require_programs("render", "soffice")
    require_programs("render", "pdffonts")
    result = CliRunner().invoke(main, ["build", "--pdf", "-o", "draft.docx"])
    assert result.exit_code == 0, result.output
    made = project.parent / "draft.pdf"
    assert made.is_file() and "PDF：draft.pdf" in result.output
    assert "PDF 字体" in result.output
    listing = subprocess.run(["pdffonts", str(made)], capture_output=True, text=True, check=True).stdout
    rows = [line.split() for line in listing.splitlines()[2:] if line.strip()]
    assert rows
    for row in rows:
        assert row[-5] == "yes", f"not embedded: {row}"
    # A second build keeps the first draft and its PDF: both go to -2.
    before = made.read_bytes()
    again = CliRunner().invoke(main, ["build", "--pdf", "-o", "draft.docx"])
    assert again.exit_code == 0, again.output
    assert (project.parent / "draft-2.pdf").is_file() and made.read_bytes() == before


def _glyphs(tmp: Path, face: str, lang: str) -> object:
    import docx
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt
    from PIL import Image

    from drafter.word.preview import render_pngs

    document = docx.Document()
    run = document.add_paragraph().add_run("直骨角")
    run.font.size = Pt(72)
    rpr = run._r.get_or_add_rPr()
    fonts, language = OxmlElement("w:rFonts"), OxmlElement("w:lang")
    for slot in ("ascii", "hAnsi", "eastAsia"):
        fonts.set(qn(f"w:{slot}"), face)
    language.set(qn("w:eastAsia"), lang)
    rpr.insert(0, fonts)
    rpr.append(language)
    name = f"{face}-{lang}".replace(" ", "_")
    document.save(str(tmp / f"{name}.docx"))
    return Image.open(render_pngs(tmp / f"{name}.docx", tmp / name, dpi=40)[0]).convert("L")


@pytest.mark.render
def test_a_missing_gongwen_face_renders_in_simplified_chinese_forms(tmp_path):
    """直骨角 differ between the Simplified Chinese and Japanese forms of the same Noto face: 黑体
    (mapped by preview.py's fontconfig file) in a zh-CN draft draws the SC forms. (pdffonts names
    the face NotoSansCJKjp-…: all faces of the Noto CJK collection share that font name.)"""
    require_programs("render", "soffice")
    from PIL import ImageChops

    hei = _glyphs(tmp_path, "黑体", "zh-CN")
    assert ImageChops.difference(hei, _glyphs(tmp_path, "Noto Sans CJK SC", "zh-CN")).getbbox() is None
    assert ImageChops.difference(hei, _glyphs(tmp_path, "Noto Sans CJK JP", "ja-JP")).getbbox() is not None


@pytest.mark.render
def test_build_each_pdf_writes_a_pdf_beside_each_units_draft(tmp_path, monkeypatch):
    import shutil

    from drafter.sample import create_sqlite

    require_programs("render", "soffice")
    create_sqlite(tmp_path / "sample")
    target = tmp_path / "examples" / "towns"
    shutil.copytree(REPO / "examples/towns", target, ignore=shutil.ignore_patterns("output"))
    monkeypatch.chdir(target)
    result = CliRunner().invoke(main, ["build", "--unit", "夏阳街道", "--unit", "盈浦街道", "--pdf", "-j", "1"])
    assert result.exit_code == 0, result.output
    drafts = sorted((target / "output").rglob("*.docx"))
    assert len(drafts) == 2
    for draft in drafts:
        assert draft.with_suffix(".pdf").is_file()
    assert result.output.count("PDF：") == 2 and "PDF 字体" in result.output
