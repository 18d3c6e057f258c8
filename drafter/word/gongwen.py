"""公文格式 (GB/T 9704-2012): named styles, page setup, the default Word master, final layout.

Three entry points, in the order a build meets them:

- `build_master(path, settings)` writes a Word master (`python -m drafter.word.gongwen`
  the sample's `templates/report.docx`, `drafter master` and `drafter init` the same for any
  office: a master holds no wording, the opening and closing are section text)
  (A4, margins, document grid, odd/even page numbers, the docxtpl paragraphs);
- `ensure_styles(document, settings)` adds the named styles a draft needs to a
  document that lacks them (a user's own master), never changing existing ones but
  a built-in Normal (正文) still as Word, WPS or python-docx made it;
- `finish(document, settings)` does the layout that depends on the rendered text:
  signature and date placement (§7.3.5), balanced title lines (§7.3.3),
  attachment-line indents (§7.3.4) and, if wanted, a bold run-in level-3 heading.

Lengths in WordprocessingML: twips (1/20 pt) for indents and spacing, half-points
for font sizes, and "character units" (1/100 of a character) for the `*Chars`
indent attributes that Word and WPS prefer. A character here is one body-size
em (3号 = 16 pt); a digit or Latin letter counts half (GB/T 9704 §7.3.5).

The body style is Word's built-in Normal (styleId "Normal", w:default="1"): Chinese Word
and WPS show it as 正文, so a custom style of that name would stand beside it as a second
正文. `style_drift` says where a master's styles differ from the `style:` settings.

Run `python -m drafter.word.gongwen templates/report.docx` to rebuild the master.
"""

from __future__ import annotations

import copy
import io
import itertools
import math
import re
import sys
import unicodedata
import zipfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterable
from xml.sax.saxutils import escape

import docx
from docx.document import Document as DocumentObject
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Twips
from docx.text.paragraph import Paragraph as DocxParagraph
from lxml import etree
from pydantic import BaseModel, ConfigDict, Field

from drafter.data.figures import MARKED
from drafter.word.oxml import paragraph_text

__all__ = [
    "STYLE_FOR_LEVEL",
    "STYLE_NAMES",
    "StyleSettings",
    "build_master",
    "kept_text",
    "opening_of",
    "body_style_name",
    "ensure_styles",
    "finish",
    "style_drift",
    "text_width",
    "closing_indents",
    "balance_title",
]

# --------------------------------------------------------------------------- settings

A4_WIDTH_MM = 210.0
A4_HEIGHT_MM = 297.0


def mm_to_twips(mm: float) -> int:
    return round(mm / 25.4 * 1440)


class StyleSettings(BaseModel):
    """The `style:` section of config.yaml: faces, sizes and page of the 公文 layout.

    Font names are those Word and WPS know (Windows names); a computer without a face
    substitutes another, and the preview maps them to installed fonts (preview.py).
    """

    model_config = ConfigDict(extra="forbid")

    title_font: str = Field("方正小标宋简体", description="标题字体（2号小标宋）")
    heading1_font: str = Field("黑体", description="一级标题“一、”字体")
    heading2_font: str = Field("楷体_GB2312", description="二级标题“（一）”字体")
    body_font: str = Field("仿宋_GB2312", description="正文字体，三级、四级标题同")
    latin_font: str | None = Field(
        None, description="数字和西文字体；缺省与各样式的中文字体相同，可设 Times New Roman"
    )
    page_number_font: str = Field("宋体", description="页码字体（4号半角宋体）")
    title_size: float = Field(22.0, gt=0, le=72, description="标题字号（磅）：2号 = 22")
    body_size: float = Field(16.0, gt=0, le=72, description="正文和各级标题字号（磅）：3号 = 16")
    page_number_size: float = Field(14.0, gt=0, le=72, description="页码字号（磅）：4号 = 14")
    level3_bold: bool = Field(False, description="三级标题（1. ……。）加粗：地方习惯，非国标要求")
    lines_per_page: int = Field(22, ge=10, le=60, description="每页行数")
    chars_per_line: int = Field(28, ge=10, le=60, description="每行字数")
    margin_top_mm: float = Field(37.0, ge=0, le=100, description="天头（上白边，毫米）")
    margin_bottom_mm: float = Field(35.0, ge=0, le=100, description="下白边（毫米）")
    margin_left_mm: float = Field(28.0, ge=0, le=100, description="订口（左白边，毫米）")
    margin_right_mm: float = Field(26.0, ge=0, le=100, description="右白边（毫米）")
    page_number_gap_mm: float = Field(7.0, ge=0, le=30, description="页码一字线距版心下边缘（毫米）")

    # Derived page geometry, in twips.
    @property
    def type_width(self) -> int:
        return mm_to_twips(A4_WIDTH_MM) - mm_to_twips(self.margin_left_mm) - mm_to_twips(self.margin_right_mm)

    @property
    def type_height(self) -> int:
        return mm_to_twips(A4_HEIGHT_MM) - mm_to_twips(self.margin_top_mm) - mm_to_twips(self.margin_bottom_mm)

    @property
    def line_pitch(self) -> int:
        """Exact line spacing (twips) that fits `lines_per_page` lines in the type area."""
        return self.type_height // self.lines_per_page

    @property
    def char_twips(self) -> int:
        """One character (body-size em) in twips: the unit of indents."""
        return round(self.body_size * 20)

    @property
    def char_spacing(self) -> int:
        """Letter spacing (twips, usually negative) so that `chars_per_line` characters fill a line.

        156 mm / 28 = 15.79 pt a character, a hair under a 16 pt glyph: without
        condensing by 0.25 pt LibreOffice sets 27 characters a line.
        """
        return math.floor(self.type_width / self.chars_per_line - self.char_twips)

    @property
    def title_chars_per_line(self) -> int:
        return int(self.type_width // round(self.title_size * 20))

    def latin(self, east_asian: str) -> str:
        return self.latin_font or east_asian


# --------------------------------------------------------------------------- style table

# Body text takes Word's built-in Normal style, which Chinese Word and WPS display as 正文.
STYLE_FOR_LEVEL = {0: "Normal", 1: "一级标题", 2: "二级标题", 3: "三级标题", 4: "四级标题"}

TITLE, RECIPIENT, BODY = "公文标题", "主送机关", "Normal"
# The custom body style of masters made before the body took Normal: still used where present.
LEGACY_BODY = "正文"
SIGNATURE, DATE, ATTACHMENT, PAGE_NUMBER, DOC_NUMBER = "署名", "成文日期", "附件说明", "页码", "发文字号"


@dataclass(frozen=True)
class _StyleSpec:
    name: str
    style_id: str
    font: str  # a StyleSettings attribute naming the East Asian face
    size: str  # a StyleSettings attribute naming the size
    align: str = "both"
    first_line_chars: int = 0  # in characters
    right_chars: int = 0
    outline: int | None = None
    based_on: str | None = BODY
    next_style: str = BODY
    priority: int = 1
    condensed: bool = True  # takes the letter spacing that gives 28 characters a line
    on_grid: bool = True  # exact line spacing of the grid
    snap: bool = True  # snaps to the grid; off where the face is larger than the body's


_SPECS = (
    _StyleSpec(BODY, "Normal", "body_font", "body_size", first_line_chars=2, based_on=None, priority=0),
    # LibreOffice gives a 22 pt line two grid rows unless it is told not to snap; Word keeps it in one.
    _StyleSpec(TITLE, "GongwenTitle", "title_font", "title_size", align="center", condensed=False, priority=2,
               snap=False),
    _StyleSpec(DOC_NUMBER, "GongwenDocNumber", "body_font", "body_size", align="center", priority=2),
    _StyleSpec(RECIPIENT, "GongwenRecipient", "body_font", "body_size", align="left", priority=2),
    _StyleSpec("一级标题", "GongwenHeading1", "heading1_font", "body_size", first_line_chars=2, outline=0),
    _StyleSpec("二级标题", "GongwenHeading2", "heading2_font", "body_size", first_line_chars=2, outline=1),
    _StyleSpec("三级标题", "GongwenHeading3", "body_font", "body_size", first_line_chars=2),
    _StyleSpec("四级标题", "GongwenHeading4", "body_font", "body_size", first_line_chars=2),
    _StyleSpec(ATTACHMENT, "GongwenAttachment", "body_font", "body_size", first_line_chars=2, align="left"),
    _StyleSpec(SIGNATURE, "GongwenSignature", "body_font", "body_size", align="right", right_chars=2),
    _StyleSpec(DATE, "GongwenDate", "body_font", "body_size", align="right", right_chars=4),
    _StyleSpec(PAGE_NUMBER, "GongwenPageNumber", "page_number_font", "page_number_size", align="left",
               based_on=None, next_style=PAGE_NUMBER, condensed=False, on_grid=False, priority=3),
)

STYLE_NAMES = tuple(spec.name for spec in _SPECS)

_PAGE_NUMBER_LINE = 1.3  # the page-number line: exact 1.3 × its size, as Word's single spacing for 宋体


def _attr(value: str) -> str:
    return escape(value, {'"': "&quot;"})


def _style_xml(spec: _StyleSpec, s: StyleSettings, ids: dict[str, str]) -> etree._Element:
    east_asian = _attr(getattr(s, spec.font))
    latin = _attr(s.latin(getattr(s, spec.font))) if spec.font != "page_number_font" else east_asian
    half_points = round(getattr(s, spec.size) * 2)
    based_on = f'<w:basedOn w:val="{ids[spec.based_on]}"/>' if spec.based_on in ids else ""
    next_id = ids.get(spec.next_style, spec.style_id)
    if spec.on_grid:
        snap = "" if spec.snap else '<w:snapToGrid w:val="0"/>'
        spacing = f'{snap}<w:spacing w:before="0" w:after="0" w:line="{s.line_pitch}" w:lineRule="exact"/>'
    else:
        line = round(getattr(s, spec.size) * 20 * _PAGE_NUMBER_LINE)
        spacing = f'<w:snapToGrid w:val="0"/><w:spacing w:before="0" w:after="0" w:line="{line}" w:lineRule="exact"/>'
    first = spec.first_line_chars
    ind = (f'<w:ind w:left="0" w:leftChars="0" w:right="{spec.right_chars * s.char_twips}" '
           f'w:rightChars="{spec.right_chars * 100}" w:firstLine="{first * s.char_twips}" '
           f'w:firstLineChars="{first * 100}"/>')
    outline = f'<w:outlineLvl w:val="{spec.outline}"/>' if spec.outline is not None else ""
    letter_spacing = f'<w:spacing w:val="{s.char_spacing}"/>' if spec.condensed and s.char_spacing else ""
    if spec.name == BODY:  # the built-in Normal: Word's own markup, no customStyle
        head = f'w:default="1" w:styleId="{spec.style_id}"><w:name w:val="{spec.name}"/><w:qFormat/>'
    else:
        head = (f'w:customStyle="1" w:styleId="{spec.style_id}"><w:name w:val="{spec.name}"/>{based_on}'
                f'<w:next w:val="{next_id}"/><w:uiPriority w:val="{spec.priority}"/><w:qFormat/>')
    xml = (
        f'<w:style {nsdecls("w")} w:type="paragraph" {head}'
        f'<w:pPr><w:widowControl w:val="0"/><w:overflowPunct w:val="1"/><w:autoSpaceDE w:val="0"/><w:autoSpaceDN w:val="0"/>'
        f'{spacing}{ind}<w:jc w:val="{spec.align}"/>{outline}</w:pPr>'
        f'<w:rPr><w:rFonts w:ascii="{latin}" w:hAnsi="{latin}" w:eastAsia="{east_asian}" '
        f'w:cs="{latin}" w:hint="eastAsia"/><w:b w:val="0"/><w:bCs w:val="0"/>'
        f'<w:color w:val="000000"/>{letter_spacing}'
        f'<w:kern w:val="0"/><w:sz w:val="{half_points}"/><w:szCs w:val="{half_points}"/>'
        f'<w:lang w:val="zh-CN" w:eastAsia="zh-CN" w:bidi="ar-SA"/></w:rPr>'
        f"</w:style>"
    )
    return parse_xml(xml)


# Normal as a blank document from Word, WPS or python-docx has it: nothing else in its
# paragraph and run properties, fonts only from the theme, the default size.
_STOCK_NORMAL_PPR = {qn("w:widowControl"), qn("w:jc")}
_STOCK_NORMAL_RPR = {qn("w:rFonts"), qn("w:kern"), qn("w:sz"), qn("w:szCs"), qn("w:lang")}
_STOCK_SIZES = {"21", "22"}  # 五号 (Chinese Word, WPS) and 11 pt (English Word)
_FONT_ATTRS = {qn(f"w:{a}") for a in ("ascii", "hAnsi", "eastAsia", "cs")}


def _paragraph_styles(document: DocumentObject) -> list:
    return [s for s in document.styles if s.type == WD_STYLE_TYPE.PARAGRAPH]


def _legacy_body(document: DocumentObject):
    """A custom paragraph style named 正文 (the body style of masters made by earlier drafters)."""
    default = document.styles.default(WD_STYLE_TYPE.PARAGRAPH)
    return next((s for s in _paragraph_styles(document)
                 if s.name == LEGACY_BODY and (default is None or s.style_id != default.style_id)), None)


def body_style_name(document: DocumentObject) -> str:
    """The style body text takes: Normal (正文 in Chinese Word), or an older master's own 正文."""
    legacy = _legacy_body(document)
    if legacy is not None:
        return legacy.name
    default = document.styles.default(WD_STYLE_TYPE.PARAGRAPH)
    return default.name if default is not None and default.name else BODY


def _is_stock_normal(style: etree._Element) -> bool:
    """Whether Normal still has the values a blank document gives it (nobody set its format)."""
    ppr, rpr = style.find(qn("w:pPr")), style.find(qn("w:rPr"))
    if ppr is not None and any(child.tag not in _STOCK_NORMAL_PPR for child in ppr):
        return False
    for child in rpr if rpr is not None else ():
        if child.tag not in _STOCK_NORMAL_RPR:
            return False
        if child.tag == qn("w:rFonts") and _FONT_ATTRS & set(child.attrib):
            return False
        if child.tag == qn("w:sz") and child.get(qn("w:val")) not in _STOCK_SIZES:
            return False
    return True


def _format_normal(normal: etree._Element, settings: StyleSettings) -> None:
    """Give Normal the 公文 body format, keeping its id, name and the rest of its markup."""
    spec = next(spec for spec in _SPECS if spec.name == BODY)
    made = _style_xml(replace(spec, style_id=normal.get(qn("w:styleId"))), settings, {})
    for tag in ("w:pPr", "w:rPr"):
        old = normal.find(qn(tag))
        if old is not None:
            normal.remove(old)
        normal.append(made.find(qn(tag)))  # pPr, rPr close a paragraph style's content


def ensure_styles(document: DocumentObject, settings: StyleSettings) -> None:
    """Add each named 公文 style the document lacks; styles it has are left as they are.

    So an office's own master keeps its own 一级标题, and a master that predates a
    style (say 附件说明) still gets one. The body style is the built-in Normal (正文):
    a Normal that still has a blank document's values (no font face, indent or spacing
    of its own, the default size) is given the 公文 body format; a Normal someone has
    formatted is left alone. A master of an earlier drafter keeps its custom 正文 as the
    body style. Added styles are based on the body style.
    """
    styles_el = document.styles.element
    normal = document.styles.default(WD_STYLE_TYPE.PARAGRAPH)
    if normal is None:
        styles_el.append(_style_xml(_SPECS[0], settings, {}))
        normal = document.styles.default(WD_STYLE_TYPE.PARAGRAPH)
    elif _is_stock_normal(normal.element):
        _format_normal(normal.element, settings)
    by_name = {s.name: s.style_id for s in document.styles if s.name}
    taken = set(by_name.values())
    body = _legacy_body(document) or normal
    ids = {**by_name, BODY: body.style_id}
    for spec in _SPECS:
        if spec.name in ids:
            continue
        style_id = spec.style_id
        n = 1
        while style_id in taken:
            n += 1
            style_id = f"{spec.style_id}{n}"
        ids[spec.name] = style_id
        taken.add(style_id)
        styles_el.append(_style_xml(replace(spec, style_id=style_id), settings, ids))


def _effective(document: DocumentObject, style: etree._Element) -> dict[str, str | None]:
    """The East Asian face, the Latin face and the size (half-points) a paragraph style gives
    its text, looked up through its basedOn chain to the document defaults; None where the
    value comes from the theme or is nowhere set."""
    by_id = {s.style_id: s.element for s in _paragraph_styles(document)}
    chain, seen = [], set()
    while style is not None and id(style) not in seen:
        seen.add(id(style))
        chain.append(style.find(qn("w:rPr")))
        based = style.find(qn("w:basedOn"))
        style = by_id.get(based.get(qn("w:val"))) if based is not None else None
    defaults = document.styles.element.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}")
    chain.append(defaults)
    found: dict[str, str | None] = {}
    for key, tag, attr in (("face", "w:rFonts", "eastAsia"), ("latin", "w:rFonts", "ascii"),
                           ("size", "w:sz", "val")):
        found[key] = None
        for rpr in chain:
            el = rpr.find(qn(tag)) if rpr is not None else None
            if el is None:
                continue
            if el.get(qn(f"w:{attr}Theme")) is not None:
                break  # a theme font: its name is in the theme, not worth reading here
            if el.get(qn(f"w:{attr}")) is not None:
                found[key] = el.get(qn(f"w:{attr}"))
                break
    return found


def style_drift(document: DocumentObject, settings: StyleSettings) -> list[str]:
    """Where the named styles' fonts and sizes differ from the `style:` settings, in Chinese.

    Faces and sizes are written into the Word master when it is made; a changed `style:`
    does not reach a master that exists (`drafter master --force` rebuilds it). One line
    per setting and value, naming the styles, e.g.
    `一级标题的中文字体是“黑体”，而 style.heading1_font 是“方正黑体_GBK”`.
    """
    named = {s.name: s for s in _paragraph_styles(document) if s.name}
    body = _legacy_body(document) or document.styles.default(WD_STYLE_TYPE.PARAGRAPH)
    groups: dict[tuple[str, str, str, str], list[str]] = {}
    for spec in _SPECS:
        style = body if spec.name == BODY else named.get(spec.name)
        if style is None:
            continue
        shown = LEGACY_BODY if spec.name == BODY else spec.name
        have = _effective(document, style.element)
        face = getattr(settings, spec.font)
        size = getattr(settings, spec.size)
        if have["face"] is not None and have["face"] != face:
            groups.setdefault(("中文字体", spec.font, have["face"], face), []).append(shown)
        if have["size"] is not None and have["size"] != str(round(size * 2)):
            groups.setdefault(("字号", spec.size, have["size"], str(size)), []).append(shown)
        if spec.font == "page_number_font" or have["latin"] is None:
            continue
        # Unset, digits take the style's own Chinese face, whatever that is in the master.
        want_latin = settings.latin_font or have["face"] or face
        if have["latin"] != want_latin:
            same = have["latin"] == have["face"]  # one line for every style whose digits follow its face
            groups.setdefault(("数字和西文字体", "latin_font", "" if same else have["latin"],
                               settings.latin_font or ""), []).append(shown)
    lines = []
    legacy = _legacy_body(document)
    if legacy is not None:
        lines.append(f"“{LEGACY_BODY}”是旧版 drafter 母版的自定义样式，与 Word、WPS 内置的“正文”（Normal）同名，"
                     f"样式窗格中会有两个“{LEGACY_BODY}”")
    for (what, key, found, want), names in groups.items():
        who = "、".join(names)
        if what == "字号":
            lines.append(f"{who}的字号是 {float(found) / 2:g} 磅，而 style.{key} 是 {float(want):g} 磅")
            continue
        have_text = f"是“{found}”" if found else "与中文字体相同"
        want_text = f"是“{want}”" if want else "未设（应与中文字体相同）"
        lines.append(f"{who}的{what}{have_text}，而 style.{key} {want_text}")
    return lines


# --------------------------------------------------------------------------- widths

_MARKER_CHARS = re.compile("[\ue000-\ue0ff]")


def visible(text: str) -> str:
    """Text as a reader sees it: figure markers replaced by the figure's text."""
    return _MARKER_CHARS.sub("", MARKED.sub(lambda m: m.group(2), text))


def char_width(ch: str) -> float:
    """Width in characters: CJK and full-width marks 1; digits, Latin letters and spaces ½."""
    if unicodedata.east_asian_width(ch) in ("W", "F", "A"):
        return 1.0
    return 0.5


def text_width(text: str) -> float:
    """GB/T 9704 counting: `2025年12月31日` is 7 characters wide."""
    return sum(char_width(ch) for ch in visible(text))


def closing_indents(signature: str, date: str) -> tuple[float, float]:
    """Right indents (in characters) of the signature and the date, no seal (§7.3.5.1).

    The signature stands right with two characters' space, the date on the next line
    with its first character two characters right of the signature's first character.
    When that would leave the date less than two characters from the margin (a date
    longer than the signature, or nearly as long), the date stands right with two
    characters' space and the signature moves left to keep the two-character step.
    """
    w_sig, w_date = text_width(signature.strip()), text_width(date.strip())
    date_right = max(2.0, w_sig - w_date)
    sig_right = date_right + w_date + 2.0 - w_sig
    return sig_right, date_right


# --------------------------------------------------------------------------- title lines

# Words a title line should not split; longer entries first is not required.
_LEXICON = (
    "法治政府", "法治", "政府", "建设", "情况", "报告", "工作", "年度", "关于", "应急管理局", "应急管理",
    "管理局", "管理", "人民政府", "委员会", "办公室", "安全生产", "依法行政", "行政执法", "执法",
    "实施", "意见", "通知", "方案", "总结", "计划", "规划", "要点", "责任", "分工", "推进", "加强",
    "进一步", "全面", "深化", "改革", "印发", "落实", "下一步", "安排", "决定", "办法", "规定", "请示", "批复", "纲要", "中华人民共和国",
    "检查", "通报",
    "第一季度", "第二季度", "第三季度", "第四季度", "季度", "上半年", "下半年", "半年",  # period labels
)
# A period label (drafter/project/period.py) is never split across title lines.
_PERIOD_LABEL = re.compile(r"\d{4}年(?:度|[上下]半年|第[一二三四]季度|\d{1,2}月)")
# The last character of a place or an office (某某区, 某某市, 司法局, 统计局): a name keeps its
# suffix, and a line may well end after it.
_NAME_SUFFIXES = "省市区县旗镇乡村局厅委办署院所处科"
_DOC_KINDS = ("情况报告", "报告", "情况通报", "通报", "通知", "意见", "方案", "请示", "总结", "计划", "规划", "办法",
              "规定", "批复", "决定", "要点", "函")
_PERIOD_LABEL = re.compile(r"\d{4}年(?:第[一二三四]季度|[上下]半年|\d{1,2}月|度)")
_OPENING = "（《“‘〈【「(["
_CLOSING = "，。、；：？！）》”’〉】」),.;:?!%"


def _is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


def _break_costs(text: str) -> list[float]:
    """cost[i]: cost of starting a new line before text[i] (i = 1 … len-1); inf where forbidden."""
    n = len(text)
    cost = [math.inf] + [3.0] * (n - 1)
    # Known words: splitting inside costs much, at their edges little.
    inside = [False] * (n + 1)
    edge = [False] * (n + 1)
    for word in _LEXICON:
        for m in re.finditer(re.escape(word), text):
            edge[m.start()] = edge[m.end()] = True
            for i in range(m.start() + 1, m.end()):
                inside[i] = True
    # A period label (2025年第二季度, 2025年上半年, 2025年3月) is never split.
    label = [False] * (n + 1)
    for m in _PERIOD_LABEL.finditer(text):
        for i in range(m.start() + 1, m.end()):
            label[i] = True
    depth = 0
    quoted = [False] * (n + 1)
    for i, ch in enumerate(text):
        if ch in "《“‘（〈":
            depth += 1
        elif ch in "》”’）〉" and depth:
            depth -= 1
        quoted[i + 1] = depth > 0
    for i in range(1, n):
        prev, ch = text[i - 1], text[i]
        c = 3.0
        if edge[i]:
            c = 1.0
        if inside[i]:
            c = 8.0
        if text.startswith("关于", i):
            c = 0.0
        elif text.endswith("关于", 0, i):
            c = 6.0  # 关于 leads what follows it
        elif text.startswith("的", i):
            c = min(c, 2.0)
        elif prev == "的":
            c = min(c, 1.0)
        if ch in _NAME_SUFFIXES and _is_cjk(prev) and not inside[i]:
            c = max(c, 8.0)
        elif prev in _NAME_SUFFIXES and i >= 2 and _is_cjk(text[i - 2]) and not inside[i]:
            c = min(c, 1.0)
        if prev == "度" and i >= 2 and text[i - 2] in "年季":  # after 2025年度, 2025年第一季度
            c = min(c, 0.5)
        if any(text.endswith(kind) and i == n - len(kind) for kind in _DOC_KINDS):
            c = min(c, 1.0)
        if quoted[i]:
            c += 5.0
        if ch in _CLOSING or prev in _OPENING:
            c = math.inf
        # Digits, Latin words and a number with its unit stay together.
        if (prev.isascii() and prev.isalnum()) and (ch.isascii() and ch.isalnum() or ch in "年月日%.．"):
            c = math.inf
        if prev in ".．" and ch.isdigit():
            c = math.inf
        if label[i]:
            c = math.inf
        cost[i] = c
    return cost


def _shape_cost(widths: list[float]) -> float:
    """Balanced lines; two lines 上短下长 (梯形), three or more longest in the middle (菱形) or growing."""
    mean = sum(widths) / len(widths)
    cost = 0.5 * sum(abs(w - mean) for w in widths)
    if len(widths) == 2:
        if widths[0] > widths[1] + 0.5:
            cost += 2.0
    else:
        growing = all(a <= b + 0.5 for a, b in zip(widths, widths[1:]))
        peak = widths.index(max(widths))
        diamond = all(a <= b + 0.5 for a, b in zip(widths[:peak], widths[1:peak + 1])) and all(
            a + 0.5 >= b for a, b in zip(widths[peak:], widths[peak + 1:]))
        if not (growing or diamond):
            cost += 2.0
    return cost


def balance_title(title: str, max_width: float = 20.0) -> list[str]:
    """Split a long title into balanced lines of at most `max_width` characters, words kept whole."""
    title = title.strip()
    total = text_width(title)
    if total <= max_width or len(title) < 2:
        return [title]
    widths = [char_width(ch) for ch in title]
    costs = _break_costs(title)
    prefix = [0.0]
    for w in widths:
        prefix.append(prefix[-1] + w)
    n = len(title)
    lines_needed = math.ceil(total / max_width)
    candidates = [i for i in range(1, n) if not math.isinf(costs[i])]
    best: tuple[float, tuple[int, ...]] | None = None
    for lines in range(lines_needed, min(lines_needed + 1, n) + 1):
        # Titles are short: try every set of break positions (a few thousand at most).
        for breaks in itertools.combinations(candidates, lines - 1):
            cuts = (0, *breaks, n)
            line_widths = [prefix[b] - prefix[a] for a, b in zip(cuts, cuts[1:])]
            if max(line_widths) > max_width:
                continue
            cost = sum(costs[i] for i in breaks) + _shape_cost(line_widths) + 4.0 * (lines - lines_needed)
            if best is None or cost < best[0]:
                best = (cost, breaks)
    if best is None:  # nothing fits with words whole: cut by width alone
        out, line, width = [], "", 0.0
        for ch, w in zip(title, widths):
            if width + w > max_width:
                out.append(line)
                line, width = "", 0.0
            line += ch
            width += w
        return [*out, line]
    bounds = [0, *best[1], n]
    return [title[a:b] for a, b in zip(bounds, bounds[1:])]


# --------------------------------------------------------------------------- finish

_W_P, _W_R, _W_T, _W_SDT = qn("w:p"), qn("w:r"), qn("w:t"), qn("w:sdt")
_XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"


def _style_names(document: DocumentObject) -> dict[str, str]:
    return {s.style_id: s.name for s in document.styles if s.style_id}


def _paragraph_style(p: etree._Element, names: dict[str, str]) -> str | None:
    ps = p.find(f"{qn('w:pPr')}/{qn('w:pStyle')}")
    return names.get(ps.get(qn("w:val"))) if ps is not None else None


def _set_indent(p: etree._Element, settings: StyleSettings, *, left: float | None = None,
                right: float | None = None, first: float | None = None,
                hanging: float | None = None) -> None:
    """Direct paragraph indents in characters (both `*Chars` and twips are written)."""
    ppr = p.get_or_add_pPr()
    ind = ppr.find(qn("w:ind"))
    if ind is None:
        ind = OxmlElement("w:ind")
        # Keep schema order: ind comes after spacing and before jc/outlineLvl.
        after = [qn(t) for t in ("w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap", "w:jc",
                                 "w:textDirection", "w:textAlignment", "w:textboxTightWrap",
                                 "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange")]
        for child in ppr:
            if child.tag in after:
                child.addprevious(ind)
                break
        else:
            ppr.append(ind)
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
        if child.tag == qn("w:pPr") or child.tag in (qn("w:bookmarkStart"), qn("w:bookmarkEnd"),
                                                      qn("w:proofErr")):
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
    if MARKED.search(text) or _MARKER_CHARS.search(text):
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
        t.set(_XML_SPACE, "preserve")
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
    t.set(_XML_SPACE, "preserve")
    if rest:
        t2 = OxmlElement("w:t")
        t2.text = rest
        t2.set(_XML_SPACE, "preserve")
        tail.append(t2)
    following = list(t.itersiblings())
    for el in following:
        tail.append(el)
    if len(tail) > (1 if rpr is not None else 0):
        run.addnext(tail)


def _bold_run_in_heading(p: etree._Element) -> None:
    """Bold `1.标题。` at the start of a level-3 paragraph, up to and with the first 。."""
    for child in list(p):
        if child.tag == _W_SDT:
            for r in child.iter(_W_R):
                _set_bold(r)
            continue
        if child.tag != _W_R:
            continue
        for t in child.findall(_W_T):
            text = t.text or ""
            spans = [m.span() for m in MARKED.finditer(text)]
            stop = next((i for i, ch in enumerate(text)
                         if ch == "。" and not any(a <= i < b for a, b in spans)), None)
            if stop is not None:
                _split_run_after(child, t, stop + 1)
                _set_bold(child)
                return
        _set_bold(child)


def _indent_attachments(paragraphs: list[tuple[etree._Element, str | None]], settings: StyleSettings) -> None:
    """`附件：1.名称` with `2.名称` under `1.`, wrapped names hanging under the name (§7.3.4)."""
    label = "附件："
    number = re.compile(r"^\s*(\d+[.．])")
    for p, name in paragraphs:
        if name != ATTACHMENT:
            continue
        text = visible(paragraph_text(p, breaks=False))
        lead = label if text.startswith(label) else ""
        m = number.match(text[len(lead):])
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
        elif name == STYLE_FOR_LEVEL[3] and settings.level3_bold:
            _bold_run_in_heading(p)
    _indent_attachments(paragraphs, settings)
    _place_closing(paragraphs, settings)


# --------------------------------------------------------------------------- master

_KEEP_STYLES = {"Normal", "Default Paragraph Font", "Normal Table", "No List", "Table Grid"}


def _clean_defaults(document: DocumentObject, settings: StyleSettings) -> None:
    """No theme fonts, zh-CN, body face and size as the document default; drop unused styles."""
    styles_el = document.styles.element
    for style in list(document.styles):
        if style.name not in _KEEP_STYLES:
            styles_el.remove(style.element)
    for rfonts in styles_el.iter(qn("w:rFonts")):
        for attr in list(rfonts.attrib):
            if attr.endswith("Theme") or attr.endswith("theme"):
                del rfonts.attrib[attr]
    face, latin = _attr(settings.body_font), _attr(settings.latin(settings.body_font))
    half_points = round(settings.body_size * 2)
    defaults = parse_xml(
        f'<w:docDefaults {nsdecls("w")}><w:rPrDefault><w:rPr>'
        f'<w:rFonts w:ascii="{latin}" w:hAnsi="{latin}" w:eastAsia="{face}" w:cs="{latin}"/>'
        f'<w:kern w:val="0"/><w:sz w:val="{half_points}"/><w:szCs w:val="{half_points}"/>'
        f'<w:lang w:val="zh-CN" w:eastAsia="zh-CN" w:bidi="ar-SA"/>'
        f'</w:rPr></w:rPrDefault><w:pPrDefault><w:pPr>'
        f'<w:widowControl w:val="0"/><w:overflowPunct w:val="1"/><w:autoSpaceDE w:val="0"/><w:autoSpaceDN w:val="0"/>'
        f'<w:spacing w:before="0" w:after="0" w:line="{settings.line_pitch}" w:lineRule="exact"/>'
        f'<w:jc w:val="both"/></w:pPr></w:pPrDefault></w:docDefaults>'
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
    half_line_mm = settings.page_number_size * _PAGE_NUMBER_LINE / 2 / 72 * 25.4
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
    instr.set(_XML_SPACE, "preserve")
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
    except Exception:  # noqa: BLE001 — not a Word file: there is nothing to keep
        return (), ()
    if "{{ body }}" not in paragraphs:
        return (), ()
    at = paragraphs.index("{{ body }}")
    before = [t for t in paragraphs[:at] if t and not t.startswith("{%")]
    opening = (before[-1],) if before and before[-1] not in _TAG_LINES else ()
    after = paragraphs[at + 1:at + 2]
    closing = (after[0],) if after and after[0] and "{" not in after[0] else ()
    return opening, closing


def opening_of(path: Path) -> tuple[str, ...] | None:
    """The opening paragraph of an existing master, or None if it has none."""
    return kept_text(path)[0] or None


def build_master(path: Path, settings: StyleSettings = StyleSettings(),
                 intro: tuple[str, ...] = (), closing: tuple[str, ...] = ()) -> None:
    """Write the default Word master (a docxtpl template) to `path`.

    The master holds the 公文 styles, the page, the title, recipient and attachment lines,
    signature and date around `{{ body }}`; an `intro` or `closing` (kept from an older
    master) is written before or after the body.
    """
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
    _add(document, ATTACHMENT,
         "{% if loop.first %}附件：{% endif %}{% if attachments | length > 1 %}{{ loop.index }}.{% endif %}"
         "{{ name }}")
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
    from drafter.errors import DrafterError
    from drafter.outputs import check_output_name, write_atomically

    check_output_name(target, (".docx",), "母版", "--output templates/report.docx")
    intro: tuple[str, ...] = ()
    closing: tuple[str, ...] = ()
    backup = None
    if target.exists():
        if not force:
            raise DrafterError("母版已存在，未覆盖", path=target,
                               hint="编辑人员可能改过它；确要重新生成请加 --force（原文件会备份为 .bak）。")
        # A master an older drafter made holds the opening and 特此报告。: they are kept.
        intro, closing = kept_text(target)
        backup = target.with_name(target.name + ".bak")
        write_atomically(backup, lambda tmp: tmp.write_bytes(target.read_bytes()), what="母版备份",
                         hint="检查磁盘空间和写权限。")
    write_atomically(target, lambda tmp: build_master(tmp, settings, intro, closing),
                     what="母版", hint="检查磁盘空间和写权限；若该文件正在 Word 中打开，请先关闭。")
    return MasterWritten(target, backup, bool(intro))


if __name__ == "__main__":
    raise SystemExit(main())
