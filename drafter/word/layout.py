"""The layout that depends on the rendered text (`finish`): signature and date placement
(§7.3.5), balanced title lines, attachment-line indents (§7.3.4), a bold run-in level-3
heading where wanted, the 发文字号 and 签发人 line of a 上行文."""

from __future__ import annotations

import copy
import re

from docx.document import Document as DocumentObject
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from lxml import etree

from drafter.data.figures import MARKED
from drafter.project.style import StyleSettings
from drafter.word.oxml import paragraph_text, put_in_ppr
from drafter.word.styles import ATTACHMENT, DATE, SIGNATURE, STYLE_FOR_LEVEL, TITLE, style_entries
from drafter.word.titles import MARKER_CHARS, balance_title, closing_indents, text_width, visible

_W_P, _W_R, _W_T, _W_SDT = qn("w:p"), qn("w:r"), qn("w:t"), qn("w:sdt")
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"


def _style_names(document: DocumentObject) -> dict[str, str]:
    return {e.style_id: e.name for e in style_entries(document) if e.style_id and e.name}


def _paragraph_style(p: etree._Element, names: dict[str, str]) -> str | None:
    ps = p.find(f"{qn('w:pPr')}/{qn('w:pStyle')}")
    return names.get(ps.get(qn("w:val"))) if ps is not None else None


def _set_indent(
    p: etree._Element,
    settings: StyleSettings,
    *,
    left: float | None = None,
    right: float | None = None,
    first: float | None = None,
    hanging: float | None = None,
) -> None:
    """Direct paragraph indents in characters (both `*Chars` and twips are written)."""
    ppr = p.get_or_add_pPr()
    ind = ppr.find(qn("w:ind"))
    if ind is None:
        ind = put_in_ppr(ppr, OxmlElement("w:ind"))
    unit = settings.char_twips

    def put(name: str, chars: float | None) -> None:
        if chars is None:
            return
        ind.set(qn(f"w:{name}"), str(round(chars * unit)))
        ind.set(qn(f"w:{name}Chars"), str(round(chars * 100)))

    put("left", left)
    put("right", right)
    if hanging is not None:
        for a in ("firstLine", "firstLineChars"):
            ind.attrib.pop(qn(f"w:{a}"), None)
        put("hanging", hanging)
    elif first is not None:
        for a in ("hanging", "hangingChars"):
            ind.attrib.pop(qn(f"w:{a}"), None)
        put("firstLine", first)


def _place_closing(paragraphs: list[tuple[etree._Element, str | None]], settings: StyleSettings) -> None:
    sig = next((p for p, name in reversed(paragraphs) if name == SIGNATURE), None)
    date = next((p for p, name in reversed(paragraphs) if name == DATE), None)
    if sig is None or date is None:
        return
    sig_text, date_text = paragraph_text(sig, breaks=False), paragraph_text(date, breaks=False)
    if not visible(sig_text).strip() or not visible(date_text).strip():
        return
    sig_right, date_right = closing_indents(sig_text, date_text)
    _set_indent(sig, settings, left=0, right=sig_right, first=0)
    _set_indent(date, settings, left=0, right=date_right, first=0)
    # The date never stands alone on a last page: the signature, the blank line before it
    # and the last line of text above go with it.
    _keep_with_next(sig)
    before = sig.getprevious()
    while before is not None and before.tag == _W_P and not visible(paragraph_text(before, breaks=False)).strip():
        _keep_with_next(before)
        before = before.getprevious()
    if before is not None and before.tag == _W_P:
        _keep_with_next(before)


def _keep_with_next(p: etree._Element) -> None:
    p.get_or_add_pPr().keepNext_val = True


def _simple_runs(p: etree._Element) -> list[etree._Element] | None:
    """The paragraph's runs if it holds nothing but plain text runs (no controls, fields, breaks)."""
    runs = []
    for child in p:
        if child.tag == qn("w:pPr") or child.tag in (qn("w:bookmarkStart"), qn("w:bookmarkEnd"), qn("w:proofErr")):
            continue
        if child.tag != _W_R:
            return None
        for rc in child:
            if rc.tag not in (qn("w:rPr"), _W_T):
                return None
        runs.append(child)
    return runs


def _balance_title_paragraph(p: etree._Element, settings: StyleSettings) -> None:
    runs = _simple_runs(p)
    if not runs:
        return
    text = "".join(t.text or "" for r in runs for t in r.iter(_W_T))
    if MARKED.search(text) or MARKER_CHARS.search(text):
        return
    lines = balance_title(text, settings.title_chars_per_line)
    if len(lines) < 2:
        return
    first = runs[0]
    for r in runs[1:]:
        p.remove(r)
    for child in list(first):
        if child.tag != qn("w:rPr"):
            first.remove(child)
    for i, line in enumerate(lines):
        if i:
            first.append(OxmlElement("w:br"))
        t = OxmlElement("w:t")
        t.text = line
        t.set(XML_SPACE, "preserve")
        first.append(t)


def _set_bold(run: etree._Element) -> None:
    from docx.text.run import Run

    Run(run, None).font.bold = True  # type: ignore[arg-type]
    rpr = run.get_or_add_rPr()
    b = rpr.find(qn("w:b"))
    if rpr.find(qn("w:bCs")) is None:
        b.addnext(OxmlElement("w:bCs"))


def _split_run_after(run: etree._Element, t: etree._Element, index: int) -> None:
    """Split `run` so that it ends after character `index` of its text element `t`."""
    tail = OxmlElement("w:r")
    rpr = run.find(qn("w:rPr"))
    if rpr is not None:
        tail.append(copy.deepcopy(rpr))
    rest = (t.text or "")[index:]
    t.text = (t.text or "")[:index]
    t.set(XML_SPACE, "preserve")
    if rest:
        t2 = OxmlElement("w:t")
        t2.text = rest
        t2.set(XML_SPACE, "preserve")
        tail.append(t2)
    following = list(t.itersiblings())
    for el in following:
        tail.append(el)
    if len(tail) > (1 if rpr is not None else 0):
        run.addnext(tail)


def _heading_sentence(p: etree._Element) -> tuple[list[etree._Element], list[etree._Element]]:
    """The runs of a run-in heading's sentence (up to and with the first 。 outside a figure) and
    the runs of the text after it; the run holding that 。 is split there. No 。: all heading."""
    head: list[etree._Element] = []
    for child in list(p):
        if child.tag == _W_SDT:
            head.extend(child.iter(_W_R))
            continue
        if child.tag != _W_R:
            continue
        head.append(child)
        for t in child.findall(_W_T):
            text = t.text or ""
            spans = [m.span() for m in MARKED.finditer(text)]
            stop = next((i for i, ch in enumerate(text) if ch == "。" and not any(a <= i < b for a, b in spans)), None)
            if stop is not None:
                _split_run_after(child, t, stop + 1)
                rest = [r for sib in child.itersiblings() for r in ([sib] if sib.tag == _W_R else sib.iter(_W_R))]
                return head, rest
    return head, []


def _set_fonts(run: etree._Element, east_asian: str, latin: str) -> None:
    rpr = run.find(qn("w:rPr"))
    if rpr is None:
        rpr = OxmlElement("w:rPr")
        run.insert(0, rpr)
    old = rpr.find(qn("w:rFonts"))
    if old is not None:
        rpr.remove(old)
    fonts = OxmlElement("w:rFonts")
    for name, value in (("ascii", latin), ("hAnsi", latin), ("eastAsia", east_asian), ("cs", latin)):
        fonts.set(qn(f"w:{name}"), value)
    fonts.set(qn("w:hint"), "eastAsia")
    rpr.insert(1 if len(rpr) and rpr[0].tag == qn("w:rStyle") else 0, fonts)


def _lay_out_run_in_heading(p: etree._Element, level: int, settings: StyleSettings) -> None:
    """`（一）加大检查力度。正文……` (and `1.…。正文……`): the heading sentence in the level's face
    (bold at level 3 if `level3_bold`), the text run into the same paragraph in the body face."""
    head, rest = _heading_sentence(p)
    if level == 3 and settings.level3_bold:
        for run in head:
            _set_bold(run)
    body = settings.body_font
    face = settings.heading2_font if level == 2 else body  # levels 3 and 4 are set in the body face
    if face == body:
        return
    for run in rest:
        _set_fonts(run, body, settings.latin(body))


def _indent_attachments(paragraphs: list[tuple[etree._Element, str | None]], settings: StyleSettings) -> None:
    """`附件：1.名称` with `2.名称` under `1.`, wrapped names hanging under the name (§7.3.4)."""
    label = "附件："
    number = re.compile(r"^\s*(\d+[.．])")
    for p, name in paragraphs:
        if name != ATTACHMENT:
            continue
        text = visible(paragraph_text(p, breaks=False))
        lead = label if text.startswith(label) else ""
        m = number.match(text[len(lead) :])
        num_w = text_width(m.group(1)) if m else 0.0
        label_w = text_width(label)
        if lead:
            _set_indent(p, settings, left=2 + label_w + num_w, hanging=label_w + num_w)
        else:
            _set_indent(p, settings, left=2 + label_w + num_w, hanging=num_w)


def finish(document: DocumentObject, settings: StyleSettings) -> None:
    """Layout that depends on the rendered text; run after the body is inserted.

    Touches only paragraph properties and plain runs: inline content controls
    (`w:sdt`, where figures live) are kept whole.
    """
    names = _style_names(document)
    paragraphs = [(p, _paragraph_style(p, names)) for p in document.element.body.iterchildren(_W_P)]
    for p, name in paragraphs:
        if name == TITLE:
            _balance_title_paragraph(p, settings)
        elif name in (STYLE_FOR_LEVEL[2], STYLE_FOR_LEVEL[3]):
            _lay_out_run_in_heading(p, 2 if name == STYLE_FOR_LEVEL[2] else 3, settings)
    _indent_attachments(paragraphs, settings)
    _place_closing(paragraphs, settings)
