"""Numbers never split across lines (GB/T 15835): the runs `keep_numbers_whole` writes, what
`check` reads back, and — marked `render` — pages rendered by LibreOffice, read with pdfplumber."""

from __future__ import annotations

import shutil
from pathlib import Path

import docx
import pytest
from conftest import require_programs
from docx.oxml.ns import qn
from lxml import etree
from pagecheck import body_lines, split_numbers

from drafter.review.scan import run_text
from drafter.word.master import build_master
from drafter.word.nobreak import keep_numbers_whole
from drafter.word.oxml import WORD_JOINER, paragraph_text
from drafter.word.preview import render_pdf

REPO = Path(__file__).resolve().parents[1]
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NUMBERS = ["1234567", "894.2845万元", "17.6%", "15%～30%", "2万～5万", "1187.21万元", "98.74%", "3.5亿"]


def _paragraph(*parts: str, control: int | None = None) -> etree._Element:
    """A w:p of plain runs; the part at index `control` inside a content control."""
    p = etree.Element(qn("w:p"))
    for i, text in enumerate(parts):
        r = etree.Element(qn("w:r"))
        t = etree.SubElement(r, qn("w:t"))
        t.text = text
        if i == control:
            sdt = etree.SubElement(p, qn("w:sdt"))
            etree.SubElement(sdt, qn("w:sdtPr"))
            etree.SubElement(sdt, qn("w:sdtContent")).append(r)
        else:
            p.append(r)
    return p


def _langs(p: etree._Element) -> list[tuple[str, str | None, str | None]]:
    out = []
    for r in p.iter(qn("w:r")):
        lang = r.find(f"{{{W}}}rPr/{{{W}}}lang")
        out.append(
            (
                run_text(r) or r.findtext(qn("w:t")),
                *((lang.get(qn("w:val")), lang.get(qn("w:eastAsia"))) if lang is not None else (None, None)),
            )
        )
    return out


def test_digits_get_an_english_latin_slot_and_the_chinese_text_keeps_its_run():
    p = _paragraph("共有26个重点领域")
    keep_numbers_whole(p)
    assert _langs(p) == [("共有26个重点领域", "en-US", None)]


def test_a_number_with_its_unit_is_cut_out_and_joined():
    p = _paragraph("处罚金额约894.2845万元。")
    keep_numbers_whole(p)
    texts = [r.findtext(qn("w:t")) for r in p.iter(qn("w:r"))]
    assert texts == ["处罚金额约", "894.2845", WORD_JOINER, "万", WORD_JOINER, "元", "。"]
    assert all(tuple(lang) == ("en-US", "en-US") for _, *lang in _langs(p)[1:-1])
    assert paragraph_text(p) == "处罚金额约894.2845万元。"


def test_the_joiner_after_a_figure_stays_outside_its_control():
    p = _paragraph("整改率", "98.74", "%，其余", control=1)
    keep_numbers_whole(p)
    sdt = p.find(qn("w:sdt"))
    assert "".join(t.text for t in sdt.iter(qn("w:t"))) == "98.74"
    assert paragraph_text(p) == "整改率98.74%，其余"
    assert WORD_JOINER in "".join(t.text for t in p.iter(qn("w:t")))


def test_a_range_is_held_together_and_read_back_unchanged():
    p = _paragraph("占比", "15%", "～", "30%", "之间", control=1)
    keep_numbers_whole(p)
    assert paragraph_text(p) == "占比15%～30%之间"
    assert sum(t.text == WORD_JOINER for t in p.iter(qn("w:t"))) == 4


def test_it_is_idempotent():
    p = _paragraph("约2万～5万人")
    keep_numbers_whole(p)
    once = etree.tostring(p)
    keep_numbers_whole(p)
    assert etree.tostring(p) == once


# --------------------------------------------------------------------------- rendered


def _require_render() -> None:
    require_programs("render", "soffice")
    require_programs("render", "pdftoppm")


def _numbers_at_every_line_end(path: Path) -> None:
    """The master with each number after 0…28 characters of text: it meets every line end."""
    build_master(path)
    document = docx.Document(str(path))
    body = document.element.body
    for p in [p for p in body if p.tag == qn("w:p")]:
        body.remove(p)
    sect = body.find(qn("w:sectPr"))
    for number in NUMBERS:
        for k in range(29):
            sect.addprevious(
                _paragraph(
                    "测" * k + "全年共计",
                    number,
                    "项，其余正文接着写到这一行结束以后再多写一些字。",
                    control=1 if k % 2 else None,
                )
            )
    keep_numbers_whole(body)
    document.save(str(path))


@pytest.mark.render
def test_no_number_is_split_at_any_line_end(tmp_path):
    _require_render()
    _numbers_at_every_line_end(tmp_path / "ends.docx")
    lines = body_lines(render_pdf(tmp_path / "ends.docx", tmp_path))
    assert len(lines) > 200
    ends = [a[-1] for _, a in lines]
    assert sum(ch.isdigit() or ch in "%万元" for ch in ends) >= 10, "numbers never reached a line end"
    assert split_numbers(lines) == []


@pytest.mark.render
def test_without_the_joiners_libreoffice_would_split_numbers(tmp_path):
    """The control experiment: the same page without `keep_numbers_whole` splits numbers."""
    _require_render()
    build_master(tmp_path / "plain.docx")
    document = docx.Document(str(tmp_path / "plain.docx"))
    sect = document.element.body.find(qn("w:sectPr"))
    for k in range(29):
        sect.addprevious(_paragraph("测" * k + "全年共计", "1187.21万元", "项，其余正文接着写到这一行结束。"))
    document.save(str(tmp_path / "plain.docx"))
    assert split_numbers(body_lines(render_pdf(tmp_path / "plain.docx", tmp_path)))


def _build_copy(source: Path, tmp: Path, **kwargs) -> Path:
    from drafter import build

    return build(source, output=tmp / "draft.docx", force=True, **kwargs).path


@pytest.mark.render
def test_the_sample_draft_splits_no_number(tmp_path):
    _require_render()
    from drafter.sample import create_sqlite

    project = tmp_path / "project"
    project.mkdir()
    shutil.copy(REPO / "config.yaml", project / "config.yaml")
    shutil.copytree(REPO / "queries", project / "queries")
    shutil.copytree(REPO / "templates", project / "templates")
    create_sqlite(project / "sample")
    draft = _build_copy(project / "config.yaml", tmp_path)
    assert split_numbers(body_lines(render_pdf(draft, tmp_path))) == []


@pytest.mark.render
def test_the_bulletin_example_splits_no_number(tmp_path):
    _require_render()
    target = tmp_path / "bulletin"
    shutil.copytree(REPO / "examples/bulletin", target, ignore=shutil.ignore_patterns("output", "__pycache__"))
    draft = _build_copy(target / "config.yaml", tmp_path)
    assert split_numbers(body_lines(render_pdf(draft, tmp_path))) == []


@pytest.mark.render
def test_the_towns_example_splits_no_number(tmp_path):
    _require_render()
    from drafter.batch import build_units
    from drafter.sample import create_sqlite

    create_sqlite(tmp_path / "sample")
    target = tmp_path / "examples" / "towns"
    shutil.copytree(REPO / "examples/towns", target, ignore=shutil.ignore_patterns("output"))
    result = build_units(target / "config.yaml", jobs=1)
    drafts = sorted((target / "output").rglob("*.docx"))
    assert drafts, result
    for draft in drafts[:3]:
        assert split_numbers(body_lines(render_pdf(draft, tmp_path / draft.stem))) == [], draft.name
