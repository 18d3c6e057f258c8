"""发文字号 and 签发人 of a report to a higher office (上行文), GB/T 9704-2012 §7.2.4.

A 下行文 (no signer) has its 发文字号 centred on its own line, as the master's 发文字号
style sets. A 上行文 names its 签发人: the 发文字号 then stands left with one character's
indent, and on the same line, right with one character's indent, `签发人：` in 3号仿宋 followed
by the name in 3号楷体. Several signers take one line each, the 发文字号 on the line of the last.

The layout is done on the rendered draft, so any master with a 发文字号 paragraph (the
default master's `{{ doc_number }}`) gets it; a master without one gets the signer lines
just before the title.
"""

from __future__ import annotations

import copy

from docx.document import Document as DocumentObject
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from lxml import etree

from drafter.project.style import StyleSettings
from drafter.word.oxml import put_in_ppr
from drafter.word.styles import DOC_NUMBER, TITLE

__all__ = ["SIGNER_LABEL", "lay_out_signer"]

SIGNER_LABEL = "签发人："

_W_P, _W_R, _W_T = qn("w:p"), qn("w:r"), qn("w:t")
_XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"


def _style_id(document: DocumentObject, name: str) -> str | None:
    return next((s.style_id for s in document.styles if s.name == name), None)


def _paragraphs_with_style(document: DocumentObject, style_id: str | None) -> list[etree._Element]:
    if style_id is None:
        return []
    out = []
    for p in document.element.body.iterchildren(_W_P):
        ps = p.find(f"{qn('w:pPr')}/{qn('w:pStyle')}")
        if ps is not None and ps.get(qn("w:val")) == style_id:
            out.append(p)
    return out


def _left_with_right_tab(p: etree._Element, settings: StyleSettings) -> None:
    """Left-aligned, one character's indent on the left, a right tab one character from the right."""
    ppr = p.get_or_add_pPr()
    unit = settings.char_twips
    tabs = OxmlElement("w:tabs")
    tab = OxmlElement("w:tab")
    tab.set(qn("w:val"), "right")
    tab.set(qn("w:pos"), str(settings.type_width - unit))
    tabs.append(tab)
    put_in_ppr(ppr, tabs)
    ind = OxmlElement("w:ind")
    ind.set(qn("w:left"), str(unit))
    ind.set(qn("w:leftChars"), "100")
    ind.set(qn("w:right"), "0")
    ind.set(qn("w:rightChars"), "0")
    ind.set(qn("w:firstLine"), "0")
    ind.set(qn("w:firstLineChars"), "0")
    put_in_ppr(ppr, ind)
    jc = OxmlElement("w:jc")
    jc.set(qn("w:val"), "left")
    put_in_ppr(ppr, jc)


def _run(text: str | None, template: etree._Element | None, east_asian: str | None = None) -> etree._Element:
    r = OxmlElement("w:r")
    rpr = copy.deepcopy(template) if template is not None else None
    if east_asian is not None:
        if rpr is None:
            rpr = OxmlElement("w:rPr")
        fonts = rpr.find(qn("w:rFonts"))
        if fonts is None:
            fonts = OxmlElement("w:rFonts")
            rpr.insert(0, fonts)
        fonts.set(qn("w:eastAsia"), east_asian)
        fonts.set(qn("w:hint"), "eastAsia")
    if rpr is not None:
        r.append(rpr)
    if text is None:
        r.append(OxmlElement("w:tab"))
    else:
        t = OxmlElement("w:t")
        t.text = text
        t.set(_XML_SPACE, "preserve")
        r.append(t)
    return r


def _append_signer(p: etree._Element, name: str, settings: StyleSettings) -> None:
    last = p.findall(_W_R)
    template = last[-1].find(qn("w:rPr")) if last else None
    p.append(_run(None, template))
    p.append(_run(SIGNER_LABEL, template, settings.body_font))  # 3号仿宋 (the body face)
    p.append(_run(name, template, settings.heading2_font))  # 3号楷体 (the face of （一） headings)


def lay_out_signer(document: DocumentObject, settings: StyleSettings, signers: list[str]) -> None:
    """Put the 发文字号 left and `签发人：姓名` right on one line (one line a signer, the number
    on the last). Without a 发文字号 paragraph, the signer lines go before the title."""
    signers = [s.strip() for s in signers if s and s.strip()]
    if not signers:
        return
    style_id = _style_id(document, DOC_NUMBER)
    numbers = _paragraphs_with_style(document, style_id)
    if numbers:
        number = numbers[0]
    else:
        titles = _paragraphs_with_style(document, _style_id(document, TITLE))
        number = OxmlElement("w:p")
        if style_id is not None:
            ppr = number.get_or_add_pPr()
            ps = OxmlElement("w:pStyle")
            ps.set(qn("w:val"), style_id)
            ppr.insert(0, ps)
        if titles:
            blank = OxmlElement("w:p")
            titles[0].addprevious(number)
            titles[0].addprevious(blank)
        else:
            body = document.element.body
            body.insert(0, number)
    for name in signers[:-1]:
        line = copy.deepcopy(number)
        for child in list(line):
            if child.tag != qn("w:pPr"):
                line.remove(child)
        _left_with_right_tab(line, settings)
        _append_signer(line, name, settings)
        number.addprevious(line)
    _left_with_right_tab(number, settings)
    _append_signer(number, signers[-1], settings)
