"""The default Word master (a docxtpl template) in 公文 format: A4 page, margins, document
grid, odd/even page numbers (— N —), the named styles and the docxtpl paragraphs around
`{{ body }}`. `write_master` replaces one only with force, keeping a `.bak`.

Run `python -m drafter.word.master templates/report.docx` to rebuild the sample's master."""

from __future__ import annotations

import io
import sys
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import docx
from docx.document import Document as DocumentObject
from docx.enum.section import WD_ORIENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Twips
from docx.text.paragraph import Paragraph as DocxParagraph
from lxml import etree

from drafter.errors import DrafterError
from drafter.outputs import check_output_name, write_atomically
from drafter.project.style import A4_HEIGHT_MM, A4_WIDTH_MM, StyleSettings, mm_to_twips
from drafter.word.layout import XML_SPACE
from drafter.word.oxml import w_element
from drafter.word.styles import (
    ATTACHMENT,
    BODY,
    DATE,
    DOC_NUMBER,
    PAGE_NUMBER,
    PAGE_NUMBER_LINE,
    RECIPIENT,
    SIGNATURE,
    TITLE,
    ensure_styles,
)

_KEEP_STYLES = {"Normal", "Default Paragraph Font", "Normal Table", "No List", "Table Grid"}


def _clean_defaults(document: DocumentObject, settings: StyleSettings) -> None:
    """No theme fonts, zh-CN, body face and size as the document default; drop unused styles."""
    styles_el = document.styles.element
    for style in list(document.styles):
        if style.name not in _KEEP_STYLES:
            styles_el.remove(style.element)
    for rfonts in styles_el.iter(qn("w:rFonts")):
        for attr in list(rfonts.attrib):
            if attr.endswith(("Theme", "theme")):
                del rfonts.attrib[attr]
    face, latin = settings.body_font, settings.latin(settings.body_font)
    half_points = round(settings.body_size * 2)
    defaults = w_element(
        "docDefaults",
        [
            w_element(
                "rPrDefault",
                [
                    w_element(
                        "rPr",
                        [
                            w_element("rFonts", ascii=latin, hAnsi=latin, eastAsia=face, cs=latin),
                            w_element("kern", val=0),
                            w_element("sz", val=half_points),
                            w_element("szCs", val=half_points),
                            w_element("lang", val="zh-CN", eastAsia="zh-CN", bidi="ar-SA"),
                        ],
                    )
                ],
            ),
            w_element(
                "pPrDefault",
                [
                    w_element(
                        "pPr",
                        [
                            w_element("widowControl", val=0),
                            w_element("overflowPunct", val=1),
                            w_element("autoSpaceDE", val=0),
                            w_element("autoSpaceDN", val=0),
                            w_element("spacing", before=0, after=0, line=settings.line_pitch, lineRule="exact"),
                            w_element("jc", val="both"),
                        ],
                    )
                ],
            ),
        ],
    )
    old = styles_el.find(qn("w:docDefaults"))
    old.addprevious(defaults)
    styles_el.remove(old)
    lang = document.settings.element.find(qn("w:themeFontLang"))
    if lang is not None:
        lang.set(qn("w:val"), "en-US")
        lang.set(qn("w:eastAsia"), "zh-CN")


def _page_setup(document: DocumentObject, settings: StyleSettings) -> None:
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width = Twips(mm_to_twips(A4_WIDTH_MM))
    section.page_height = Twips(mm_to_twips(A4_HEIGHT_MM))
    section.top_margin = Twips(mm_to_twips(settings.margin_top_mm))
    section.bottom_margin = Twips(mm_to_twips(settings.margin_bottom_mm))
    section.left_margin = Twips(mm_to_twips(settings.margin_left_mm))
    section.right_margin = Twips(mm_to_twips(settings.margin_right_mm))
    section.gutter = Twips(0)
    section.header_distance = Twips(mm_to_twips(15))
    section.footer_distance = Twips(_footer_distance(settings))
    sect_pr = section._sectPr
    grid = sect_pr.find(qn("w:docGrid"))
    if grid is None:
        grid = OxmlElement("w:docGrid")
        sect_pr.append(grid)
    for attr in list(grid.attrib):
        del grid.attrib[attr]
    grid.set(qn("w:type"), "lines")
    grid.set(qn("w:linePitch"), str(settings.line_pitch))


def _footer_distance(settings: StyleSettings) -> int:
    """Footer distance (twips from the page's bottom edge to the page-number line's bottom).

    The dash line should lie `page_number_gap_mm` below the type area; the dash sits
    in the middle of its line, which is exactly 1.3 × the page-number size high.
    """
    dash_from_bottom_mm = settings.margin_bottom_mm - settings.page_number_gap_mm
    half_line_mm = settings.page_number_size * PAGE_NUMBER_LINE / 2 / 72 * 25.4
    return max(0, mm_to_twips(dash_from_bottom_mm - half_line_mm))


def _page_number_runs(p: DocxParagraph, settings: StyleSettings) -> None:
    def run(text: str | None = None) -> etree._Element:
        r = p.add_run(text)._r
        return r

    run("— ")
    begin = run()
    fld = OxmlElement("w:fldChar")
    fld.set(qn("w:fldCharType"), "begin")
    begin.append(fld)
    instr_run = run()
    instr = OxmlElement("w:instrText")
    instr.set(XML_SPACE, "preserve")
    instr.text = " PAGE "
    instr_run.append(instr)
    sep = run()
    fld = OxmlElement("w:fldChar")
    fld.set(qn("w:fldCharType"), "separate")
    sep.append(fld)
    run("1")
    end = run()
    fld = OxmlElement("w:fldChar")
    fld.set(qn("w:fldCharType"), "end")
    end.append(fld)
    run(" —")


def _footers(document: DocumentObject, settings: StyleSettings) -> None:
    document.settings.odd_and_even_pages_header_footer = True
    section = document.sections[0]
    for footer, align in ((section.footer, "right"), (section.even_page_footer, "left")):
        footer.is_linked_to_previous = False
        p = footer.paragraphs[0] if footer.paragraphs else footer.add_paragraph()
        p.style = document.styles[PAGE_NUMBER]
        p_el = p._p
        jc = OxmlElement("w:jc")
        jc.set(qn("w:val"), align)
        p_el.get_or_add_pPr().append(jc)
        unit = round(settings.page_number_size * 20)
        ind = OxmlElement("w:ind")
        side = "right" if align == "right" else "left"
        ind.set(qn(f"w:{side}"), str(unit))
        ind.set(qn(f"w:{side}Chars"), "100")
        jc.addprevious(ind)
        _page_number_runs(p, settings)


def _add(document: DocumentObject, style: str, *parts: str) -> DocxParagraph:
    """A paragraph whose every part is one run: a docxtpl tag is never split across runs."""
    p = document.add_paragraph(style=style)
    for part in parts:
        p.add_run(part)
    return p


# A master holds no wording of its own: the opening paragraph and the closing line
# (特此报告。) are section text (templates/sections/0-开头.txt, 9-结尾.txt), which editors
# change without Word. A master an older drafter made may still carry them around
# `{{ body }}`; `kept_text` reads them so that a master rebuilt for new styles keeps them.
_TAG_LINES = ("{{ title }}", "{{ recipient }}：", "{{ doc_number }}")


def kept_text(path: Path) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The opening paragraph (just before `{{ body }}`) and the closing line (just after it)
    of an existing master, each () when there is none or the file is no Word master."""
    try:
        paragraphs = [p.text.strip() for p in docx.Document(str(path)).paragraphs]
    except Exception:
        return (), ()
    if "{{ body }}" not in paragraphs:
        return (), ()
    at = paragraphs.index("{{ body }}")
    before = [t for t in paragraphs[:at] if t and not t.startswith("{%")]
    opening = (before[-1],) if before and before[-1] not in _TAG_LINES else ()
    after = paragraphs[at + 1 : at + 2]
    closing = (after[0],) if after and after[0] and "{" not in after[0] else ()
    return opening, closing


def opening_of(path: Path) -> tuple[str, ...] | None:
    """The opening paragraph of an existing master, or None if it has none."""
    return kept_text(path)[0] or None


def build_master(
    path: Path, settings: StyleSettings | None = None, intro: tuple[str, ...] = (), closing: tuple[str, ...] = ()
) -> None:
    """Write the default Word master (a docxtpl template) to `path`.

    The master holds the 公文 styles, the page, the title, recipient and attachment lines,
    signature and date around `{{ body }}`; an `intro` or `closing` (kept from an older
    master) is written before or after the body.
    """
    settings = settings or StyleSettings()
    document = docx.Document()
    _clean_defaults(document, settings)
    ensure_styles(document, settings)
    _page_setup(document, settings)
    _footers(document, settings)
    for p in list(document.paragraphs):
        p._p.getparent().remove(p._p)

    _add(document, BODY, "{%p if doc_number %}")
    _add(document, DOC_NUMBER, "{{ doc_number }}")
    _add(document, BODY)
    _add(document, BODY, "{%p endif %}")
    _add(document, TITLE, "{{ title }}")
    _add(document, BODY)
    _add(document, BODY, "{%p if recipient %}")
    _add(document, RECIPIENT, "{{ recipient }}", "：")
    _add(document, BODY, "{%p endif %}")
    if intro:
        _add(document, BODY, *intro)
    _add(document, BODY, "{{ body }}")
    if closing:
        _add(document, BODY, *closing)
    _add(document, BODY, "{%p if attachments %}")
    _add(document, BODY)
    _add(document, BODY, "{%p for name in attachments %}")
    _add(
        document,
        ATTACHMENT,
        "{% if loop.first %}附件：{% endif %}{% if attachments | length > 1 %}{{ loop.index }}.{% endif %}{{ name }}",
    )
    _add(document, BODY, "{%p endfor %}")
    _add(document, BODY, "{%p endif %}")
    _add(document, BODY)
    _add(document, SIGNATURE, "{{ signature }}")
    _add(document, DATE, "{{ date | date_cn }}")

    props = document.core_properties
    props.title = "公文母版"
    props.author = "drafter"
    props.comments = "drafter 默认母版：公文格式（GB/T 9704-2012）。双花括号和花括号百分号之间是模板标记。"
    props.language = "zh-CN"
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    document.save(buffer)
    path.write_bytes(_reproducible_zip(buffer.getvalue()))


def _reproducible_zip(data: bytes) -> bytes:
    """The same package with fixed member dates: building the master twice gives the same bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


def main(argv: Iterable[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    target = Path(args[0]) if args else Path("templates/report.docx")
    build_master(target)  # the sample project's master: its opening and closing are section text
    print(f"已生成 Word 母版：{target}")
    return 0


@dataclass
class MasterWritten:
    path: Path
    backup: Path | None  # the master it replaced, kept as `.bak`
    kept_opening: bool  # the opening paragraph of the replaced master was carried over


def write_master(target: Path, settings: StyleSettings, *, force: bool = False) -> MasterWritten:
    """Write the default 公文 master to `target`. An existing master may hold an editor's work:
    it is replaced only with `force`, after a `.bak` copy, keeping an opening paragraph and
    closing line it holds (masters of older drafters; new ones hold no wording)."""
    check_output_name(target, (".docx",), "母版", "--output templates/report.docx")
    intro: tuple[str, ...] = ()
    closing: tuple[str, ...] = ()
    backup = None
    if target.exists():
        if not force:
            raise DrafterError(
                "母版已存在，未覆盖",
                path=target,
                hint="编辑人员可能改过它；确要重新生成请加 --force（原文件会备份为 .bak）。",
            )
        # A master an older drafter made holds the opening and 特此报告。: they are kept.
        intro, closing = kept_text(target)
        backup = target.with_name(target.name + ".bak")
        write_atomically(
            backup, lambda tmp: tmp.write_bytes(target.read_bytes()), what="母版备份", hint="检查磁盘空间和写权限。"
        )
    write_atomically(
        target,
        lambda tmp: build_master(tmp, settings, intro, closing),
        what="母版",
        hint="检查磁盘空间和写权限；若该文件正在 Word 中打开，请先关闭。",
    )
    return MasterWritten(target, backup, bool(intro))


if __name__ == "__main__":
    raise SystemExit(main())
