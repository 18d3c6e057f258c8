"""Run-in headings (levels 2 and 3): `（一）加大检查力度。正文……` written as one paragraph of the
section text; the heading sentence in the level's face, the rest in the body face."""

from __future__ import annotations

from pathlib import Path

import docx
import pytest
from conftest import require_programs
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph

from drafter.project.style import StyleSettings
from drafter.word.layout import finish
from drafter.word.master import build_master
from drafter.word.preview import render_pdf
from drafter.word.styles import STYLE_FOR_LEVEL

RUN_IN_2 = (
    "（一）加大检查力度。全年共出动执法人员开展检查，发现并督促整改各类隐患，执法检查覆盖全部重点企业和重点场所。"
)
RUN_IN_3 = "1.完善调查处理机制。按照“四不放过”原则严格落实事故调查处理，案件全部依法办结并向社会公开。"
ALONE_2 = "（二）强化基层执法队伍建设"


def _draft(path: Path, settings: StyleSettings) -> docx.document.Document:
    build_master(path, settings)
    document = docx.Document(str(path))
    body = document.element.body
    for p in [p for p in body if p.tag == qn("w:p")]:
        body.remove(p)
    anchor = Paragraph(docx.oxml.OxmlElement("w:p"), document._body)
    body.find(qn("w:sectPr")).addprevious(anchor._p)
    for level, text in ((2, RUN_IN_2), (3, RUN_IN_3), (2, ALONE_2)):
        anchor.insert_paragraph_before(text, style=STYLE_FOR_LEVEL[level])
    body.remove(anchor._p)
    finish(document, settings)
    document.save(str(path))
    return document


def _east_asian_faces(p) -> list[tuple[str, str | None]]:
    out = []
    for r in p.iter(qn("w:r")):
        fonts = r.find(f"{qn('w:rPr')}/{qn('w:rFonts')}")
        out.append(
            ("".join(t.text or "" for t in r.iter(qn("w:t"))), None if fonts is None else fonts.get(qn("w:eastAsia")))
        )
    return out


def test_the_text_after_a_level_2_heading_sentence_is_in_the_body_face(tmp_path):
    settings = StyleSettings()
    document = _draft(tmp_path / "d.docx", settings)
    p2, p3, alone = [p._p for p in document.paragraphs]
    assert _east_asian_faces(p2) == [
        ("（一）加大检查力度。", None),
        (RUN_IN_2[len("（一）加大检查力度。") :], settings.body_font),
    ]
    assert _east_asian_faces(alone) == [(ALONE_2, None)]  # a heading on its own line keeps its face
    assert "".join(t for t, _ in _east_asian_faces(p3)) == RUN_IN_3


def test_level_3_bold_covers_only_the_heading_sentence(tmp_path):
    document = _draft(tmp_path / "d.docx", StyleSettings(level3_bold=True))
    p3 = document.paragraphs[1]
    bold = [(r.text, bool(r.bold)) for r in p3.runs]
    assert bold[0] == ("1.完善调查处理机制。", True) and not any(b for _, b in bold[1:])


@pytest.mark.render
def test_the_rendered_run_in_heading_changes_face_after_its_sentence(tmp_path):
    require_programs("render", "soffice")
    _draft(tmp_path / "d.docx", StyleSettings())
    import pdfplumber

    with pdfplumber.open(str(render_pdf(tmp_path / "d.docx", tmp_path))) as pdf:
        chars = [c for c in pdf.pages[0].chars if c["text"].strip()]
    text = "".join(c["text"] for c in chars)
    start = text.index("加大检查力度")
    heading = {c["fontname"] for c in chars[start : start + 6]}
    after = {c["fontname"] for c in chars[start + 7 : start + 20]}
    alone = text.index("强化基层执法队伍建设")
    assert len(heading) == 1 and "Kai" in next(iter(heading))  # 楷体 for the heading sentence
    assert after and not any("Kai" in f for f in after)  # 仿宋 (its substitute) after it
    assert all("Kai" in c["fontname"] for c in chars[alone : alone + 10])
