"""The named paragraph styles of a 公文 draft (GB/T 9704-2012), written with lxml element
calls: `ensure_styles` adds what a master lacks, `style_drift` tells where a master's styles
differ from the `style:` settings, `body_style_name` finds the body style."""

from __future__ import annotations

from dataclasses import dataclass, replace

from docx.document import Document as DocumentObject
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml.ns import qn
from docx.styles import BabelFish
from lxml import etree

from drafter.project.style import StyleSettings
from drafter.word.oxml import w_element

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
    _StyleSpec(
        TITLE, "GongwenTitle", "title_font", "title_size", align="center", condensed=False, priority=2, snap=False
    ),
    _StyleSpec(DOC_NUMBER, "GongwenDocNumber", "body_font", "body_size", align="center", priority=2),
    _StyleSpec(RECIPIENT, "GongwenRecipient", "body_font", "body_size", align="left", priority=2),
    _StyleSpec("一级标题", "GongwenHeading1", "heading1_font", "body_size", first_line_chars=2, outline=0),
    _StyleSpec("二级标题", "GongwenHeading2", "heading2_font", "body_size", first_line_chars=2, outline=1),
    _StyleSpec("三级标题", "GongwenHeading3", "body_font", "body_size", first_line_chars=2),
    _StyleSpec("四级标题", "GongwenHeading4", "body_font", "body_size", first_line_chars=2),
    _StyleSpec(ATTACHMENT, "GongwenAttachment", "body_font", "body_size", first_line_chars=2, align="left"),
    _StyleSpec(SIGNATURE, "GongwenSignature", "body_font", "body_size", align="right", right_chars=2),
    _StyleSpec(DATE, "GongwenDate", "body_font", "body_size", align="right", right_chars=4),
    _StyleSpec(
        PAGE_NUMBER,
        "GongwenPageNumber",
        "page_number_font",
        "page_number_size",
        align="left",
        based_on=None,
        next_style=PAGE_NUMBER,
        condensed=False,
        on_grid=False,
        priority=3,
    ),
)

STYLE_NAMES = tuple(spec.name for spec in _SPECS)

PAGE_NUMBER_LINE = 1.3  # the page-number line: exact 1.3 × its size, as Word's single spacing for 宋体


def _style_xml(spec: _StyleSpec, s: StyleSettings, ids: dict[str, str]) -> etree._Element:
    """The `w:style` of one named style, as lxml elements (values escaped by lxml)."""
    east_asian = getattr(s, spec.font)
    latin = s.latin(east_asian) if spec.font != "page_number_font" else east_asian
    half_points = round(getattr(s, spec.size) * 2)
    if spec.on_grid:
        spacing = [
            None if spec.snap else w_element("snapToGrid", val=0),
            w_element("spacing", before=0, after=0, line=s.line_pitch, lineRule="exact"),
        ]
    else:
        line = round(getattr(s, spec.size) * 20 * PAGE_NUMBER_LINE)
        spacing = [w_element("snapToGrid", val=0), w_element("spacing", before=0, after=0, line=line, lineRule="exact")]
    first = spec.first_line_chars
    paragraph = w_element(
        "pPr",
        [
            w_element("widowControl", val=0),
            w_element("overflowPunct", val=1),
            w_element("autoSpaceDE", val=0),
            w_element("autoSpaceDN", val=0),
            *spacing,
            w_element(
                "ind",
                left=0,
                leftChars=0,
                right=spec.right_chars * s.char_twips,
                rightChars=spec.right_chars * 100,
                firstLine=first * s.char_twips,
                firstLineChars=first * 100,
            ),
            w_element("jc", val=spec.align),
            w_element("outlineLvl", val=spec.outline) if spec.outline is not None else None,
        ],
    )
    run = w_element(
        "rPr",
        [
            w_element("rFonts", ascii=latin, hAnsi=latin, eastAsia=east_asian, cs=latin, hint="eastAsia"),
            w_element("b", val=0),
            w_element("bCs", val=0),
            w_element("color", val="000000"),
            w_element("spacing", val=s.char_spacing) if spec.condensed and s.char_spacing else None,
            w_element("kern", val=0),
            w_element("sz", val=half_points),
            w_element("szCs", val=half_points),
            w_element("lang", val="zh-CN", eastAsia="zh-CN", bidi="ar-SA"),
        ],
    )
    name = w_element("name", val=spec.name)
    if spec.name == BODY:  # the built-in Normal: Word's own markup, no customStyle
        return w_element(
            "style", [name, w_element("qFormat"), paragraph, run], type="paragraph", default=1, styleId=spec.style_id
        )
    return w_element(
        "style",
        [
            name,
            w_element("basedOn", val=ids[spec.based_on]) if spec.based_on in ids else None,
            w_element("next", val=ids.get(spec.next_style, spec.style_id)),
            w_element("uiPriority", val=spec.priority),
            w_element("qFormat"),
            paragraph,
            run,
        ],
        type="paragraph",
        customStyle=1,
        styleId=spec.style_id,
    )


# Normal as a blank document from Word, WPS or python-docx has it: nothing else in its
# paragraph and run properties, fonts only from the theme, the default size.
_STOCK_NORMAL_PPR = {qn("w:widowControl"), qn("w:jc")}
_STOCK_NORMAL_RPR = {qn("w:rFonts"), qn("w:kern"), qn("w:sz"), qn("w:szCs"), qn("w:lang")}
_STOCK_SIZES = {"21", "22"}  # 五号 (Chinese Word, WPS) and 11 pt (English Word)
_FONT_ATTRS = {qn(f"w:{a}") for a in ("ascii", "hAnsi", "eastAsia", "cs")}


def _paragraph_styles(document: DocumentObject) -> list:
    return [s for s in document.styles if s.type == WD_STYLE_TYPE.PARAGRAPH]


@dataclass(frozen=True, slots=True)
class StyleEntry:
    """One `w:style` as python-docx's style object reports it (`name` the UI name, `kind`
    the w:type, paragraph when unset), read straight from the element."""

    element: etree._Element
    style_id: str | None
    internal_name: str | None  # as w:name holds it ("heading 1"), what python-docx looks a name up by
    name: str | None
    kind: str
    default: bool


_W_STYLE, _W_NAME, _W_VAL = qn("w:style"), qn("w:name"), qn("w:val")
_W_STYLE_ID, _W_TYPE, _W_DEFAULT = qn("w:styleId"), qn("w:type"), qn("w:default")


def style_entries(document: DocumentObject) -> list[StyleEntry]:
    """The document's styles in document order, in one pass with lxml: python-docx makes an
    object and runs an XPath per style and per question, a cost paid for every draft."""
    out = []
    for el in document.styles.element.iterchildren(_W_STYLE):
        name_el = el.find(_W_NAME)
        name = name_el.get(_W_VAL) if name_el is not None else None
        out.append(
            StyleEntry(
                el,
                el.get(_W_STYLE_ID),
                name,
                BabelFish.internal2ui(name) if name is not None else None,
                el.get(_W_TYPE) or "paragraph",
                el.get(_W_DEFAULT) in ("1", "true", "on"),
            )
        )
    return out


def _default_paragraph(entries: list[StyleEntry]) -> StyleEntry | None:
    """The default paragraph style (Normal): the last one marked default, as Word takes it
    (and python-docx's `styles.default`, which reads an explicit w:type only)."""
    return next((e for e in reversed(entries) if e.default and e.element.get(_W_TYPE) == "paragraph"), None)


def _legacy_body(document: DocumentObject, entries: list[StyleEntry] | None = None) -> StyleEntry | None:
    """A custom paragraph style named 正文 (the body style of masters made by earlier drafters)."""
    entries = style_entries(document) if entries is None else entries
    default = _default_paragraph(entries)
    return next(
        (
            e
            for e in entries
            if e.kind == "paragraph" and e.name == LEGACY_BODY and (default is None or e.style_id != default.style_id)
        ),
        None,
    )


def body_style_name(document: DocumentObject, entries: list[StyleEntry] | None = None) -> str:
    """The style body text takes: Normal (正文 in Chinese Word), or an older master's own 正文."""
    entries = style_entries(document) if entries is None else entries
    legacy = _legacy_body(document, entries)
    if legacy is not None and legacy.name:
        return legacy.name
    default = _default_paragraph(entries)
    return default.name if default is not None and default.name else BODY


def paragraph_style_ids(
    document: DocumentObject, names: dict[int, str], entries: list[StyleEntry] | None = None
) -> dict[int, str | None]:
    """`document.styles.get_style_id(name, PARAGRAPH)` for each name: None for the default
    paragraph style (a paragraph of it needs no w:pStyle); a name python-docx would refuse
    (missing, not a paragraph style) is asked of python-docx, for its error."""
    entries = style_entries(document) if entries is None else entries
    default = _default_paragraph(entries)
    first: dict[str, StyleEntry] = {}
    for e in entries:
        if e.internal_name is not None:
            first.setdefault(e.internal_name, e)
    out: dict[int, str | None] = {}
    for key, name in names.items():
        found = first.get(BabelFish.ui2internal(name))
        if found is None or found.kind != "paragraph":
            out[key] = document.styles.get_style_id(name, WD_STYLE_TYPE.PARAGRAPH)
        else:
            out[key] = None if default is not None and found.element is default.element else found.style_id
    return out


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
    entries = style_entries(document)
    normal = _default_paragraph(entries)
    if normal is None:
        styles_el.append(_style_xml(_SPECS[0], settings, {}))
        entries = style_entries(document)
        normal = _default_paragraph(entries)
        assert normal is not None
    elif _is_stock_normal(normal.element):
        _format_normal(normal.element, settings)
    by_name: dict[str, str] = {e.name: e.style_id for e in entries if e.name and e.style_id}
    taken = set(by_name.values())
    body = _legacy_body(document, entries) or normal
    ids = {**by_name, BODY: body.style_id or BODY}
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
    for key, tag, attr in (("face", "w:rFonts", "eastAsia"), ("latin", "w:rFonts", "ascii"), ("size", "w:sz", "val")):
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
            groups.setdefault(
                ("数字和西文字体", "latin_font", "" if same else have["latin"], settings.latin_font or ""), []
            ).append(shown)
    lines = []
    legacy = _legacy_body(document)
    if legacy is not None:
        lines.append(
            f"“{LEGACY_BODY}”是旧版 drafter 母版的自定义样式，与 Word、WPS 内置的“正文”（Normal）同名，"
            f"样式窗格中会有两个“{LEGACY_BODY}”"
        )
    for (what, key, found, want), names in groups.items():
        who = "、".join(names)
        if what == "字号":
            lines.append(f"{who}的字号是 {float(found) / 2:g} 磅，而 style.{key} 是 {float(want):g} 磅")
            continue
        have_text = f"是“{found}”" if found else "与中文字体相同"
        want_text = f"是“{want}”" if want else "未设（应与中文字体相同）"
        lines.append(f"{who}的{what}{have_text}，而 style.{key} {want_text}")
    return lines
