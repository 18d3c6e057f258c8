"""版头 (GB/T 9704-2012 §7.2): what an office prints above the title of every 公文.

- 份号 (6-digit, 3号), 密级和保密期限 and 紧急程度 (3号黑体), each where given, flush left on the
  first lines of the type area, in that order (§7.2.1–7.2.3);
- 发文机关标志: the office's name (or name + 文件) in red 小标宋, centred, its upper edge
  `mark_top_mm` (35 mm) below the type area's top (§7.2.4), on one line (the size shrinks
  until it fits the 156 mm type width);
- 发文字号 two lines below the mark, centred (下行文) or left with the 签发人 right (上行文, laid
  out by signer.py first); without one, the red line follows the mark;
- the red separator line, as wide as the type area, 4 mm below the 发文字号 (§7.2.7), and the
  title two lines below the line (§7.3.1).

Runs after `finish` and `lay_out_signer`, on the paragraphs the master wrote: any master with
a title paragraph gets a 版头.
"""

from __future__ import annotations

from typing import Any

from docx.document import Document as DocumentObject
from docx.oxml.ns import qn
from lxml import etree

from drafter.project.style import StyleSettings, mm_to_twips
from drafter.word.oxml import w_element
from drafter.word.styles import DOC_NUMBER, TITLE
from drafter.word.titles import text_width

__all__ = ["lay_out_banner", "mark_size"]

_W_P = qn("w:p")
_LINE_GAP_MM = 4.0  # the red line below the 发文字号 (§7.2.7)
_LINE_SZ = 12  # eighths of a point: a 1.5 pt line


def mark_size(mark: str, wanted: float, settings: StyleSettings) -> float:
    """The mark's size in points: `wanted`, or smaller so that the mark fits one line."""
    room = settings.type_width / 20  # points
    return min(wanted, room / max(text_width(mark), 1.0) * 0.98)


def _style_id(document: DocumentObject, name: str) -> str | None:
    return next((s.style_id for s in document.styles if s.name == name), None)


def _styled(body: etree._Element, style_id: str | None) -> list[etree._Element]:
    if style_id is None:
        return []
    return [p for p in body.iterchildren(_W_P) if p.find(f"{qn('w:pPr')}/{qn('w:pStyle')}") is not None
            and p.find(f"{qn('w:pPr')}/{qn('w:pStyle')}").get(qn("w:val")) == style_id]  # fmt: skip


def _fonts(face: str, latin: str) -> etree._Element:
    return w_element("rFonts", ascii=latin, hAnsi=latin, eastAsia=face, cs=latin, hint="eastAsia")


def _paragraph(
    text: str, *, face: str, latin: str, size: float, jc: str, color: str | None = None, ppr_extra=()
) -> etree._Element:
    half = round(size * 2)
    run_pr = w_element(
        "rPr",
        [
            _fonts(face, latin),
            w_element("color", val=color) if color else None,
            w_element("sz", val=half),
            w_element("szCs", val=half),
        ],
    )
    ppr = w_element(
        "pPr",
        [*ppr_extra, w_element("ind", left=0, right=0, firstLine=0, firstLineChars=0), w_element("jc", val=jc)],
    )
    t = w_element("t")
    t.text = text
    t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    return w_element("p", [ppr, w_element("r", [run_pr, t])] if text else [ppr])


def _blank() -> etree._Element:
    return w_element("p")


def _red_line(color: str, settings: StyleSettings) -> etree._Element:
    """An empty paragraph with the red line as its lower border, full type width, 4 mm below the
    text above: the 发文字号 line's box already reaches below its text by half the leading and
    the glyphs' descent (0.16 em, as rendered), so the paragraph is that much less than 4 mm."""
    size = settings.body_size * 20
    below_text = (settings.line_pitch - size) / 2 + 0.16 * size
    height = max(20, round(mm_to_twips(_LINE_GAP_MM) - below_text))
    border = w_element("bottom", val="single", sz=_LINE_SZ, space=0, color=color)
    return w_element(
        "p",
        [
            w_element(
                "pPr",
                [
                    w_element("pBdr", [border]),
                    w_element("snapToGrid", val=0),
                    w_element("spacing", before=0, after=0, line=height, lineRule="exact"),
                    w_element("ind", left=0, right=0, firstLine=0, firstLineChars=0),
                    w_element("rPr", [w_element("sz", val=2), w_element("szCs", val=2)]),
                ],
            )
        ],
    )


def _top_lines(banner: Any, settings: StyleSettings) -> list[etree._Element]:
    """份号, 密级和保密期限, 紧急程度: flush left on the first lines, those given."""
    heading, body = settings.heading1_font, settings.body_font
    out = []
    if banner.copy_number:
        out.append(_paragraph(banner.copy_number.zfill(6), face=body, latin=settings.latin(body),
                              size=settings.body_size, jc="left"))  # fmt: skip
    for text in (banner.secrecy, banner.urgency):
        if text:
            out.append(
                _paragraph(text, face=heading, latin=settings.latin(heading), size=settings.body_size, jc="left")
            )
    return out


def _mark(banner: Any, settings: StyleSettings, lines_above: int) -> etree._Element:
    """The 发文机关标志, its upper edge `mark_top_mm` below the type area's top."""
    size = mark_size(banner.mark, banner.mark_size, settings)
    line = round(size * 20)  # exact line height = the type size: the glyphs fill the line box
    # The glyphs' upper edge stands 0.19 em above the top of their exact line (as rendered): start lower.
    before = max(0, round(mm_to_twips(banner.mark_top_mm) - lines_above * settings.line_pitch + 0.19 * line))
    spacing = w_element("spacing", before=before, after=0, line=line, lineRule="exact")
    title = settings.title_font
    return _paragraph(banner.mark, face=title, latin=settings.latin(title), size=size, jc="center",
                      color=banner.color.upper(), ppr_extra=(w_element("snapToGrid", val=0), spacing))  # fmt: skip


def lay_out_banner(document: DocumentObject, settings: StyleSettings, banner: Any) -> None:
    """Write the 版头 `banner` (project.config.BannerSettings) above the title of `document`."""
    body = document.element.body
    titles = _styled(body, _style_id(document, TITLE))
    if not titles:
        return
    title = titles[0]
    numbers = [p for p in _styled(body, _style_id(document, DOC_NUMBER)) if p.getparent() is body]
    first = next(body.iterchildren(_W_P))
    top = _top_lines(banner, settings)
    for p in [*top, _mark(banner, settings, len(top))]:
        first.addprevious(p)
    color = banner.color.upper()
    if numbers:
        numbers[0].addprevious(_blank())
        numbers[0].addprevious(_blank())
        anchor = numbers[-1]
    else:
        anchor = title.getprevious()
    # From the last 发文字号 line (or the mark) to the title: the red line, then two blank lines.
    while (nxt := anchor.getnext()) is not None and nxt is not title and not "".join(nxt.itertext()).strip():
        body.remove(nxt)
    anchor.addnext(_red_line(color, settings))
    title.addprevious(_blank())
    title.addprevious(_blank())
