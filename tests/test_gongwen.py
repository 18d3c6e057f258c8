"""公文格式 in the XML: the default master, the named styles and `finish`'s layout.

These tests read the .docx XML as Word and WPS would; the rendering tests
(test_preview.py) check the same layout on LibreOffice's pages.
"""

from __future__ import annotations

import datetime as dt
import itertools
import zipfile
from pathlib import Path

import docx
import jinja2
import pytest
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml.ns import qn
from docxtpl import DocxTemplate
from lxml import etree
from pydantic import ValidationError
from reading import paragraph_text

from drafter.data.figures import MARK_CLOSE, MARK_OPEN, MARK_SEP
from drafter.project.style import StyleSettings
from drafter.word.layout import finish
from drafter.word.master import build_master
from drafter.word.styles import (
    STYLE_FOR_LEVEL,
    STYLE_NAMES,
    body_style_name,
    ensure_styles,
    paragraph_style_ids,
    style_drift,
    style_entries,
)
from drafter.word.titles import balance_title, closing_indents, text_width

REPO = Path(__file__).resolve().parents[1]
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def w(name: str) -> str:
    return qn(f"w:{name}")


@pytest.fixture(scope="module")
def master(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("master") / "report.docx"
    build_master(path)  # as `python -m drafter.word.master` writes the sample's
    return path


@pytest.fixture(scope="module")
def master_doc(master):
    return docx.Document(str(master))


def part(path: Path, name: str) -> etree._Element:
    with zipfile.ZipFile(path) as z:
        return etree.fromstring(z.read(name))


def style_el(document, name: str):
    return document.styles[name].element


def attr(el, path: str, name: str) -> str | None:
    found = el.find(path.replace("w:", W))
    return None if found is None else found.get(w(name))


def render_master(path: Path, **overrides) -> docx.document.Document:
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    env.filters["date_cn"] = lambda d: f"{d.year}年{d.month}月{d.day}日"
    context = dict(
        title="青浦区应急管理局关于2025年度法治政府建设情况报告",
        year=2025,
        body="正文在此",
        signature="上海市青浦区应急管理局",
        date=dt.date(2025, 12, 31),
        attachments=[],
        recipient=None,
        doc_number=None,
    )
    context.update(overrides)
    tpl = DocxTemplate(str(path))
    tpl.render(context, jinja_env=env)
    return tpl.docx


def texts_and_styles(document) -> list[tuple[str, str]]:
    """(text, style name) of each paragraph; one without a pStyle has the default style (Normal)."""
    names = {s.style_id: s.name for s in document.styles}
    default = document.styles.default(WD_STYLE_TYPE.PARAGRAPH).name
    out = []
    for p in document.element.body.iter(w("p")):
        ps = p.find(f"{w('pPr')}/{w('pStyle')}")
        out.append((paragraph_text(p), names.get(ps.get(w("val"))) if ps is not None else default))
    return out


class TestStyleSettings:
    def test_it_has_the_standard_faces_and_sizes_by_default(self):
        s = StyleSettings()
        assert (s.title_font, s.heading1_font, s.heading2_font, s.body_font, s.page_number_font) == (
            "方正小标宋简体",
            "黑体",
            "楷体_GB2312",
            "仿宋_GB2312",
            "宋体",
        )
        assert (s.title_size, s.body_size, s.page_number_size) == (22, 16, 14)
        assert s.latin_font is None and s.level3_bold is False

    def test_it_derives_the_grid_from_the_page(self):
        s = StyleSettings()
        assert s.type_width == 8845 and s.type_height == 12756  # 156 × 225 mm (rounded margins)
        assert s.line_pitch == 579  # 28.95 pt: 22 lines fill 225 mm
        assert s.char_spacing == -5  # 16 pt glyphs condensed 0.25 pt: 28 a line
        assert s.title_chars_per_line == 20

    def test_it_documents_every_setting(self):
        doc = (REPO / "docs/gongwen.md").read_text(encoding="utf-8")
        for name in StyleSettings.model_fields:
            assert f"| `{name}` |" in doc, name

    def test_it_refuses_unknown_keys(self):
        with pytest.raises(ValidationError):
            StyleSettings(body_fnt="仿宋")


class TestMasterPage:
    def test_it_is_a4_with_the_standard_margins(self, master):
        sect = part(master, "word/document.xml").find(f"{w('body')}/{w('sectPr')}")
        size, mar = sect.find(w("pgSz")), sect.find(w("pgMar"))
        assert (size.get(w("w")), size.get(w("h"))) == ("11906", "16838")
        assert {k: mar.get(w(k)) for k in ("top", "bottom", "left", "right", "gutter")} == {
            "top": "2098",
            "bottom": "1984",
            "left": "1587",
            "right": "1474",
            "gutter": "0",
        }

    def test_it_has_a_line_grid_of_22_lines(self, master):
        grid = part(master, "word/document.xml").find(f"{w('body')}/{w('sectPr')}/{w('docGrid')}")
        assert grid.get(w("type")) == "lines" and grid.get(w("linePitch")) == "579"
        assert 22 * 579 <= 12756 < 23 * 579

    def test_it_has_odd_and_even_footers_with_a_page_field_between_dashes(self, master, master_doc):
        assert master_doc.settings.odd_and_even_pages_header_footer
        section = master_doc.sections[0]
        for footer, side in ((section.footer, "right"), (section.even_page_footer, "left")):
            p = footer.paragraphs[0]._p
            assert p.pPr.pStyle.val and master_doc.styles["页码"].style_id == p.pPr.pStyle.val
            assert attr(p, "w:pPr/w:jc", "val") == side
            assert attr(p, "w:pPr/w:ind", side) == "280" and attr(p, "w:pPr/w:ind", f"{side}Chars") == "100"
            instr = "".join(t.text for t in p.iter(w("instrText")))
            assert instr.strip() == "PAGE"
            kinds = [f.get(w("fldCharType")) for f in p.iter(w("fldChar"))]
            assert kinds == ["begin", "separate", "end"]
            assert paragraph_text(p) == "— 1 —"

    def test_it_puts_the_page_number_dash_7_mm_below_the_type_area(self, master):
        sect = part(master, "word/document.xml").find(f"{w('body')}/{w('sectPr')}")
        footer = int(sect.find(w("pgMar")).get(w("footer")))
        line = int(attr(docx.Document(str(master)).styles["页码"].element, "w:pPr/w:spacing", "line"))
        dash_from_bottom_mm = (footer + line / 2) / 1440 * 25.4
        assert dash_from_bottom_mm == pytest.approx(35 - 7, abs=0.2)


EXPECTED_STYLES = {
    # name: (eastAsia face, half-points, alignment, first-line chars)
    "公文标题": ("方正小标宋简体", "44", "center", "0"),
    "Normal": ("仿宋_GB2312", "32", "both", "200"),  # 正文 in Chinese Word and WPS
    "一级标题": ("黑体", "32", "both", "200"),
    "二级标题": ("楷体_GB2312", "32", "both", "200"),
    "三级标题": ("仿宋_GB2312", "32", "both", "200"),
    "四级标题": ("仿宋_GB2312", "32", "both", "200"),
    "主送机关": ("仿宋_GB2312", "32", "left", "0"),
    "附件说明": ("仿宋_GB2312", "32", "left", "200"),
    "署名": ("仿宋_GB2312", "32", "right", "0"),
    "成文日期": ("仿宋_GB2312", "32", "right", "0"),
    "页码": ("宋体", "28", "left", "0"),
}


class TestMasterStyles:
    @pytest.mark.parametrize("name", sorted(EXPECTED_STYLES))
    def test_it_sets_face_size_and_paragraph_of_each_style(self, master_doc, name):
        face, size, align, first = EXPECTED_STYLES[name]
        el = style_el(master_doc, name)
        fonts = el.find(f"{w('rPr')}/{w('rFonts')}")
        assert fonts.get(w("eastAsia")) == face
        assert fonts.get(w("ascii")) == face and fonts.get(w("hAnsi")) == face  # digits: same face
        assert fonts.get(w("hint")) == "eastAsia"
        assert not [a for a in fonts.attrib if "heme" in a]
        assert attr(el, "w:rPr/w:sz", "val") == size
        assert attr(el, "w:rPr/w:lang", "eastAsia") == "zh-CN"
        assert attr(el, "w:rPr/w:b", "val") == "0"
        assert attr(el, "w:pPr/w:jc", "val") == align
        assert attr(el, "w:pPr/w:ind", "firstLineChars") == first
        assert attr(el, "w:pPr/w:ind", "firstLine") == str(int(first) * 16 * 20 // 100)
        assert attr(el, "w:pPr/w:spacing", "before") == "0" and attr(el, "w:pPr/w:spacing", "after") == "0"
        assert attr(el, "w:pPr/w:widowControl", "val") == "0"

    @pytest.mark.parametrize("name", sorted(set(EXPECTED_STYLES) - {"页码"}))
    def test_it_gives_every_text_style_the_exact_grid_line(self, master_doc, name):
        el = style_el(master_doc, name)
        assert attr(el, "w:pPr/w:spacing", "line") == "579"
        assert attr(el, "w:pPr/w:spacing", "lineRule") == "exact"

    def test_it_condenses_body_size_styles_to_28_characters_a_line(self, master_doc):
        assert attr(style_el(master_doc, "Normal"), "w:rPr/w:spacing", "val") == "-5"
        assert attr(style_el(master_doc, "一级标题"), "w:rPr/w:spacing", "val") == "-5"
        assert attr(style_el(master_doc, "公文标题"), "w:rPr/w:spacing", "val") is None

    def test_it_sets_the_body_in_the_built_in_normal_style_that_chinese_word_calls_zhengwen(self, master, master_doc):
        normal = master_doc.styles.default(WD_STYLE_TYPE.PARAGRAPH)
        el = normal.element
        assert (normal.name, normal.style_id, el.get(w("default"))) == ("Normal", "Normal", "1")
        assert el.get(w("customStyle")) is None
        assert STYLE_FOR_LEVEL[0] == "Normal" and body_style_name(master_doc) == "Normal"
        assert attr(el, "w:pPr/w:spacing", "line") == "579" and attr(el, "w:pPr/w:spacing", "lineRule") == "exact"
        assert attr(el, "w:rPr/w:lang", "val") == "zh-CN"
        # No second style that Chinese Word would also show as 正文.
        styles = part(master, "word/styles.xml")
        assert [n.get(w("val")) for n in styles.iter(w("name"))].count("正文") == 0
        assert [
            s.get(w("styleId"))
            for s in styles.iter(w("style"))
            if s.get(w("default")) == "1" and s.get(w("type")) == "paragraph"
        ] == ["Normal"]

    def test_it_bases_every_other_text_style_on_normal_and_puts_headings_in_the_outline(self, master_doc):
        for name in set(STYLE_NAMES) - {"Normal", "页码"}:
            assert attr(style_el(master_doc, name), "w:basedOn", "val") == "Normal", name
            assert attr(style_el(master_doc, name), "w:next", "val") == "Normal", name
        for name, level in (("一级标题", "0"), ("二级标题", "1")):
            assert attr(style_el(master_doc, name), "w:pPr/w:outlineLvl", "val") == level
        assert attr(style_el(master_doc, "三级标题"), "w:pPr/w:outlineLvl", "val") is None

    def test_it_leaves_no_theme_fonts_and_sets_chinese_as_the_default_language(self, master):
        styles = part(master, "word/styles.xml")
        assert not [a for f in styles.iter(w("rFonts")) for a in f.attrib if "heme" in a]
        lang = styles.find(f"{w('docDefaults')}/{w('rPrDefault')}/{w('rPr')}/{w('lang')}")
        assert lang.get(w("eastAsia")) == "zh-CN"

    def test_it_keeps_only_styles_an_editor_needs(self, master_doc):
        names = {s.name for s in master_doc.styles}
        assert set(STYLE_NAMES) <= names
        assert not {"Heading 1", "Title", "List Bullet"} & names

    def test_it_uses_the_configured_faces(self, tmp_path):
        path = tmp_path / "m.docx"
        build_master(path, StyleSettings(latin_font="Times New Roman", heading1_font="方正黑体_GBK"))
        document = docx.Document(str(path))
        fonts = style_el(document, "一级标题").find(f"{w('rPr')}/{w('rFonts')}")
        assert (fonts.get(w("eastAsia")), fonts.get(w("ascii")), fonts.get(w("hAnsi"))) == (
            "方正黑体_GBK",
            "Times New Roman",
            "Times New Roman",
        )


class TestMasterTemplate:
    def test_it_is_the_master_that_build_master_writes(self, master):
        # The committed templates/report.docx is regenerated whenever gongwen.py changes.
        for name in (
            "word/document.xml",
            "word/styles.xml",
            "word/footer1.xml",
            "word/footer2.xml",
            "word/settings.xml",
        ):
            assert etree.tostring(part(REPO / "templates/report.docx", name)) == etree.tostring(part(master, name)), (
                name
            )
        assert (REPO / "templates/report.docx").read_bytes() == master.read_bytes()

    def test_it_keeps_each_tag_in_a_single_run(self, master):
        body = part(master, "word/document.xml")
        for r in body.iter(w("r")):
            text = "".join(t.text or "" for t in r.iter(w("t")))
            assert text.count("{{") == text.count("}}") and text.count("{%") == text.count("%}"), text

    def test_it_renders_the_plain_report(self, master):
        # No wording of its own: the opening paragraph and 特此报告。 are section text.
        rows = texts_and_styles(render_master(master))
        assert rows == [
            ("青浦区应急管理局关于2025年度法治政府建设情况报告", "公文标题"),
            ("", "Normal"),
            ("正文在此", "Normal"),
            ("", "Normal"),
            ("上海市青浦区应急管理局", "署名"),
            ("2025年12月31日", "成文日期"),
        ]

    def test_it_keeps_an_opening_and_closing_given_to_it(self, tmp_path):
        path = tmp_path / "old.docx"
        build_master(path, intro=("按照有关要求，现将", "{{ year }}", "年情况报告如下。"), closing=("特此报告。",))
        rows = texts_and_styles(render_master(path))
        assert rows[2:5] == [
            ("按照有关要求，现将2025年情况报告如下。", "Normal"),
            ("正文在此", "Normal"),
            ("特此报告。", "Normal"),
        ]
        from drafter.word.master import kept_text

        assert kept_text(path) == (("按照有关要求，现将{{ year }}年情况报告如下。",), ("特此报告。",))
        master_path = tmp_path / "new.docx"
        assert kept_text(master_path) == ((), ())  # no file: nothing to keep
        build_master(master_path)
        assert kept_text(master_path) == ((), ())

    def test_it_renders_the_optional_lines(self, master):
        rows = texts_and_styles(
            render_master(
                master,
                recipient="区委依法治区办",
                doc_number="青应急〔2026〕1号",
                attachments=["数据汇总表", "执法案件清单"],
            )
        )
        assert rows[:5] == [
            ("青应急〔2026〕1号", "发文字号"),
            ("", "Normal"),
            ("青浦区应急管理局关于2025年度法治政府建设情况报告", "公文标题"),
            ("", "Normal"),
            ("区委依法治区办：", "主送机关"),
        ]
        assert rows[-7:] == [
            ("正文在此", "Normal"),
            ("", "Normal"),
            ("附件：1.数据汇总表", "附件说明"),
            ("2.执法案件清单", "附件说明"),
            ("", "Normal"),
            ("上海市青浦区应急管理局", "署名"),
            ("2025年12月31日", "成文日期"),
        ]

    def test_it_writes_a_single_attachment_without_a_number(self, master):
        rows = texts_and_styles(render_master(master, attachments=["数据汇总表"]))
        assert ("附件：数据汇总表", "附件说明") in rows


def body_format(el) -> tuple:
    return (
        attr(el, "w:rPr/w:rFonts", "eastAsia"),
        attr(el, "w:rPr/w:sz", "val"),
        attr(el, "w:pPr/w:ind", "firstLineChars"),
        attr(el, "w:pPr/w:jc", "val"),
        attr(el, "w:pPr/w:spacing", "line"),
        attr(el, "w:pPr/w:spacing", "lineRule"),
        attr(el, "w:pPr/w:spacing", "before"),
        attr(el, "w:pPr/w:spacing", "after"),
        attr(el, "w:pPr/w:widowControl", "val"),
        attr(el, "w:rPr/w:lang", "eastAsia"),
    )


BODY_FORMAT = ("仿宋_GB2312", "32", "200", "both", "579", "exact", "0", "0", "0", "zh-CN")

# Normal as Chinese Word (styleId "a") and WPS write it in a new blank document.
WORD_NORMAL_PPR = f'<w:pPr {docx.oxml.ns.nsdecls("w")}><w:widowControl w:val="0"/><w:jc w:val="both"/></w:pPr>'
WPS_NORMAL_RPR = (
    f'<w:rPr {docx.oxml.ns.nsdecls("w")}><w:rFonts w:asciiTheme="minorHAnsi" w:hAnsiTheme="minorHAnsi" '
    'w:eastAsiaTheme="minorEastAsia" w:cstheme="minorBidi"/><w:kern w:val="2"/><w:sz w:val="21"/>'
    '<w:szCs w:val="24"/><w:lang w:val="en-US" w:eastAsia="zh-CN" w:bidi="ar-SA"/></w:rPr>'
)


class TestEnsureStyles:
    def test_it_adds_every_named_style_to_a_plain_document(self):
        document = docx.Document()
        ensure_styles(document, StyleSettings())
        names = {s.name for s in document.styles}
        assert set(STYLE_NAMES) | set(STYLE_FOR_LEVEL.values()) <= names
        fonts = style_el(document, "二级标题").find(f"{w('rPr')}/{w('rFonts')}")
        assert fonts.get(w("eastAsia")) == "楷体_GB2312" and not [a for a in fonts.attrib if "heme" in a]
        p = document.add_paragraph("（一）标题", style="二级标题")
        assert p.style.name == "二级标题"

    def test_it_gives_a_blank_documents_normal_the_body_format(self):
        document = docx.Document()
        ensure_styles(document, StyleSettings())
        normal = document.styles.default(WD_STYLE_TYPE.PARAGRAPH)
        assert (normal.name, normal.style_id, normal.element.get(w("default"))) == ("Normal", "Normal", "1")
        assert body_format(normal.element) == BODY_FORMAT
        assert "正文" not in {s.name for s in document.styles}
        assert attr(style_el(document, "一级标题"), "w:basedOn", "val") == "Normal"
        assert body_style_name(document) == "Normal"

    @pytest.mark.parametrize("rpr", ["", WPS_NORMAL_RPR], ids=["word", "wps"])
    def test_it_formats_normal_as_chinese_word_and_wps_write_it(self, rpr):
        document = docx.Document()
        normal = document.styles.default(WD_STYLE_TYPE.PARAGRAPH).element
        normal.set(w("styleId"), "a")
        normal.append(docx.oxml.parse_xml(WORD_NORMAL_PPR))
        if rpr:
            normal.append(docx.oxml.parse_xml(rpr))
        ensure_styles(document, StyleSettings())
        assert body_format(normal) == BODY_FORMAT
        assert normal.get(w("styleId")) == "a" and attr(normal, "w:name", "val") == "Normal"
        assert attr(style_el(document, "一级标题"), "w:basedOn", "val") == "a"

    def test_it_leaves_a_normal_someone_formatted_alone(self):
        document = docx.Document()
        normal = document.styles["Normal"]
        normal.font.name = "华文仿宋"
        normal.font.size = docx.shared.Pt(15)
        before = etree.tostring(normal.element)
        ensure_styles(document, StyleSettings())
        assert etree.tostring(document.styles["Normal"].element) == before
        assert attr(style_el(document, "一级标题"), "w:basedOn", "val") == "Normal"
        assert attr(style_el(document, "一级标题"), "w:rPr/w:rFonts", "eastAsia") == "黑体"

    def test_it_leaves_existing_named_styles_as_they_are(self):
        document = docx.Document()
        own = document.styles.add_style("一级标题", WD_STYLE_TYPE.PARAGRAPH)
        own.font.name = "方正黑体_GBK"
        before = etree.tostring(own.element)
        ensure_styles(document, StyleSettings())
        assert etree.tostring(document.styles["一级标题"].element) == before
        assert [s.name for s in document.styles].count("一级标题") == 1

    def test_it_keeps_the_custom_zhengwen_of_an_older_master_as_the_body_style(self):
        document = docx.Document()
        own = document.styles.add_style("正文", WD_STYLE_TYPE.PARAGRAPH)
        own.font.name = "华文仿宋"
        before = etree.tostring(own.element)
        ensure_styles(document, StyleSettings())
        assert etree.tostring(document.styles["正文"].element) == before
        assert [s.name for s in document.styles].count("正文") == 1
        assert body_style_name(document) == "正文"
        assert attr(style_el(document, "一级标题"), "w:basedOn", "val") == own.style_id

    def test_it_does_not_reuse_a_style_id_taken_by_another_style(self):
        document = docx.Document()
        document.styles.add_style("Mine", WD_STYLE_TYPE.PARAGRAPH).element.set(w("styleId"), "GongwenHeading1")
        ensure_styles(document, StyleSettings())
        ids = [s.style_id for s in document.styles]
        assert len(ids) == len(set(ids))

    def test_it_is_idempotent(self):
        document = docx.Document()
        ensure_styles(document, StyleSettings())
        count = len(document.styles)
        normal = etree.tostring(document.styles["Normal"].element)
        ensure_styles(document, StyleSettings(body_font="华文仿宋"))
        assert len(document.styles) == count
        assert etree.tostring(document.styles["Normal"].element) == normal


class TestStyleLookups:
    """Each draft reads its styles with lxml (drafter.word.styles.style_entries), not through
    python-docx's objects: the answers must be python-docx's own."""

    @staticmethod
    def documents(master):
        plain = docx.Document()
        made = docx.Document()
        ensure_styles(made, StyleSettings())
        older = docx.Document()
        older.styles.add_style("正文", WD_STYLE_TYPE.PARAGRAPH)
        ensure_styles(older, StyleSettings())
        renamed = docx.Document()  # a Normal whose id is not its name, as Chinese Word writes it
        renamed.styles.default(WD_STYLE_TYPE.PARAGRAPH).element.set(w("styleId"), "a")
        ensure_styles(renamed, StyleSettings())
        return [plain, made, older, renamed, docx.Document(str(master))]

    def test_the_entries_are_what_python_docx_reports(self, master):
        for document in self.documents(master):
            entries = style_entries(document)
            assert [(e.style_id, e.name, e.element) for e in entries] == [
                (s.style_id, s.name, s.element) for s in document.styles
            ]
            default = document.styles.default(WD_STYLE_TYPE.PARAGRAPH)
            assert [e.element for e in entries if e.default and e.kind == "paragraph"][-1:] == [default.element]

    def test_the_style_ids_are_python_docxs_with_none_for_the_default(self, master):
        names = {**STYLE_FOR_LEVEL, 9: "Heading 1", 10: "正文"}
        for document in self.documents(master):
            for key, name in names.items():
                try:
                    want = document.styles.get_style_id(name, WD_STYLE_TYPE.PARAGRAPH)
                except KeyError:
                    with pytest.raises(KeyError):
                        paragraph_style_ids(document, {key: name})
                    continue
                assert paragraph_style_ids(document, {key: name}) == {key: want}, name
        assert paragraph_style_ids(self.documents(master)[1], {0: "Normal"}) == {0: None}

    def test_a_character_style_is_refused_as_python_docx_refuses_it(self):
        document = docx.Document()
        document.styles.add_style("只是字符", WD_STYLE_TYPE.CHARACTER)
        with pytest.raises(ValueError):
            paragraph_style_ids(document, {0: "只是字符"})

    def test_the_body_style_of_an_older_master_is_its_own_zhengwen(self, master):
        plain, made, older, renamed, built = self.documents(master)
        assert [body_style_name(d) for d in (plain, made, older, renamed, built)] == [
            "Normal",
            "Normal",
            "正文",
            "Normal",
            "Normal",
        ]


class TestStyleDrift:
    """`style:` is written into the master when it is made: a build says when they differ."""

    def test_a_master_built_from_the_settings_has_no_drift(self, master_doc):
        assert style_drift(master_doc, StyleSettings()) == []

    def test_it_names_the_styles_and_the_setting_of_a_changed_face(self, master_doc):
        assert style_drift(master_doc, StyleSettings(heading1_font="方正黑体_GBK")) == [
            "一级标题的中文字体是“黑体”，而 style.heading1_font 是“方正黑体_GBK”"
        ]

    def test_it_groups_the_styles_that_one_setting_covers(self, master_doc):
        lines = style_drift(master_doc, StyleSettings(body_size=15, page_number_size=14))
        assert lines == [
            "正文、发文字号、主送机关、一级标题、二级标题、三级标题、四级标题、附件说明、署名、成文日期"
            "的字号是 16 磅，而 style.body_size 是 15 磅"
        ]

    def test_it_reports_the_latin_face_once_for_all_styles(self, master_doc, tmp_path):
        assert style_drift(master_doc, StyleSettings(latin_font="Times New Roman")) == [
            "正文、公文标题、发文字号、主送机关、一级标题、二级标题、三级标题、四级标题、附件说明、署名、成文日期"
            "的数字和西文字体与中文字体相同，而 style.latin_font 是“Times New Roman”"
        ]
        path = tmp_path / "tnr.docx"
        build_master(path, StyleSettings(latin_font="Times New Roman"))
        tnr = docx.Document(str(path))
        assert style_drift(tnr, StyleSettings(latin_font="Times New Roman")) == []
        unset = style_drift(tnr, StyleSettings())
        assert len(unset) == 1 and unset[0].endswith(
            "的数字和西文字体是“Times New Roman”，而 style.latin_font 未设（应与中文字体相同）"
        )

    def test_it_reads_a_face_a_style_inherits(self):
        document = docx.Document()
        document.styles["Normal"].font.name = "华文仿宋"  # a formatted Normal: kept as it is
        document.styles["Normal"].element.rPr.rFonts.set(w("eastAsia"), "华文仿宋")
        document.styles.add_style("三级标题", WD_STYLE_TYPE.PARAGRAPH).base_style = document.styles["Normal"]
        ensure_styles(document, StyleSettings())
        lines = style_drift(document, StyleSettings())
        assert lines[0] == "正文、三级标题的中文字体是“华文仿宋”，而 style.body_font 是“仿宋_GB2312”"

    def test_it_says_an_older_master_has_a_second_zhengwen(self):
        document = docx.Document()
        ensure_styles(document, StyleSettings())
        document.styles.add_style("正文", WD_STYLE_TYPE.PARAGRAPH).base_style = document.styles["Normal"]
        lines = style_drift(document, StyleSettings())
        assert len(lines) == 1 and "两个“正文”" in lines[0]


class TestWidths:
    @pytest.mark.parametrize(
        ("text", "width"),
        [
            ("2025年12月31日", 7),
            ("上海市青浦区应急管理局", 11),
            ("青浦区应急局", 6),
            ("2026年1月5日", 6),
            ("“A”类", 3.5),
            ("98.74%", 3),
            ("", 0),
            (f"共{MARK_OPEN}f001{MARK_SEP}17万{MARK_CLOSE}家", 4),
        ],
    )
    def test_it_counts_cjk_as_one_and_digits_as_half(self, text, width):
        assert text_width(text) == width

    @pytest.mark.parametrize(
        ("signature", "date", "expected"),
        [
            ("上海市青浦区应急管理局", "2025年12月31日", (2, 4)),  # date shorter: signature 2, date 2 chars in
            ("青浦区应急局", "2025年12月31日", (5, 2)),  # date longer: date 2, signature 4 + 7 − 6
            ("青浦区人民政府", "2025年12月31日", (4, 2)),  # same width: 4 + 7 − 7
            ("区应急管理局", "2026年1月5日", (4, 2)),
            ("上海市青浦区人民政府办公室", "2025年12月31日", (2, 6)),
        ],
    )
    def test_it_places_signature_and_date_as_7_3_5_says(self, signature, date, expected):
        sig_right, date_right = closing_indents(signature, date)
        assert (sig_right, date_right) == expected
        # The date's first character stands two characters right of the signature's.
        sig_start = sig_right + text_width(signature)
        date_start = date_right + text_width(date)
        assert sig_start - date_start == 2
        assert min(sig_right, date_right) >= 2


class TestTitleLines:
    @pytest.mark.parametrize(
        ("title", "lines"),
        [
            (
                "青浦区应急管理局关于2025年度法治政府建设情况报告",
                ["青浦区应急管理局", "关于2025年度法治政府建设情况报告"],
            ),
            ("关于2025年度法治政府建设情况的报告", ["关于2025年度法治政府建设情况的报告"]),
            (
                "上海市青浦区人民政府办公室关于印发《青浦区2026年法治政府建设工作要点与责任分工》的通知",
                ["上海市青浦区人民政府办公室", "关于印发《青浦区2026年法治政府", "建设工作要点与责任分工》的通知"],
            ),
            (
                "青浦区应急管理局关于落实《中华人民共和国安全生产法》情况和下一步工作安排的报告",
                ["青浦区应急管理局关于落实", "《中华人民共和国安全生产法》", "情况和下一步工作安排的报告"],
            ),
            # A period label (2025年第四季度, 2025年上半年) is one word.
            (
                "云川市市场监督管理局关于2025年第四季度全市执法检查情况的通报",
                ["云川市市场监督管理局", "关于2025年第四季度全市执法检查情况的通报"],
            ),
            (
                "东河区市场监督管理局关于2025年上半年工作情况的报告",
                ["东河区市场监督管理局", "关于2025年上半年工作情况的报告"],
            ),
        ],
    )
    def test_it_breaks_a_long_title_into_balanced_lines(self, title, lines):
        assert balance_title(title, 20) == lines

    @pytest.mark.parametrize(
        ("title", "first"),
        [
            ("杭州市西湖区市场监督管理局关于2025年第一季度执法检查情况的通报", "杭州市西湖区市场监督管理局"),
            ("嘉兴市南湖区统计局关于2025年3月统计执法检查情况的通报", "嘉兴市南湖区统计局"),
        ],
    )
    def test_a_place_or_office_it_has_never_seen_keeps_its_suffix(self, title, first):
        """No word list of place names: 区、市、局 … stay with the name before them."""
        lines = balance_title(title, 20)
        assert lines[0] == first and "".join(lines) == title
        for line in lines[1:]:
            assert line[0] not in "省市区县镇乡局厅委办"

    def test_it_never_breaks_a_number_or_before_closing_punctuation(self):
        for title in (
            "上海市青浦区应急管理局关于2025年度安全生产工作和法治政府建设情况的报告",
            "青浦区应急管理局关于落实《中华人民共和国安全生产法》情况和下一步工作安排的报告",
        ):
            lines = balance_title(title, 20)
            assert "".join(lines) == title
            assert all(text_width(line) <= 20 for line in lines)
            for a, b in itertools.pairwise(lines):
                assert not (a[-1].isdigit() and b[0].isdigit())
                assert b[0] not in "，。、；：）》”"


def paragraphs_of(document) -> dict[str, etree._Element]:
    names = {s.style_id: s.name for s in document.styles}
    out = {}
    for p in document.element.body.iter(w("p")):
        ps = p.find(f"{w('pPr')}/{w('pStyle')}")
        if ps is not None:
            out.setdefault(names[ps.get(w("val"))], p)
    return out


class TestFinish:
    def test_it_indents_signature_and_date(self, master):
        document = render_master(master, signature="青浦区应急局")
        finish(document, StyleSettings())
        ps = paragraphs_of(document)
        assert (attr(ps["署名"], "w:pPr/w:ind", "rightChars"), attr(ps["署名"], "w:pPr/w:ind", "right")) == (
            "500",
            "1600",
        )
        assert (attr(ps["成文日期"], "w:pPr/w:ind", "rightChars"), attr(ps["成文日期"], "w:pPr/w:ind", "right")) == (
            "200",
            "640",
        )
        assert ps["署名"].pPr.keepNext_val

    def test_it_reads_a_signature_with_figure_markers_as_the_reader_sees_it(self, master):
        document = render_master(master, signature=f"{MARK_OPEN}f009{MARK_SEP}青浦区应急局{MARK_CLOSE}")
        finish(document, StyleSettings())
        assert attr(paragraphs_of(document)["署名"], "w:pPr/w:ind", "rightChars") == "500"

    def test_it_breaks_the_title_with_line_breaks_in_one_run(self, master):
        document = render_master(master)
        finish(document, StyleSettings())
        title = paragraphs_of(document)["公文标题"]
        assert paragraph_text(title) == "青浦区应急管理局\n关于2025年度法治政府建设情况报告"
        assert len(title.findall(w("r"))) == 1

    def test_it_hangs_attachment_names_under_the_first_character(self, master):
        document = render_master(master, attachments=["数据汇总表", "执法案件清单"])
        finish(document, StyleSettings())
        rows = [p for p in document.element.body.iter(w("p")) if paragraph_text(p).endswith(("汇总表", "清单"))]
        first, second = rows
        assert (attr(first, "w:pPr/w:ind", "leftChars"), attr(first, "w:pPr/w:ind", "hangingChars")) == ("600", "400")
        assert (attr(second, "w:pPr/w:ind", "leftChars"), attr(second, "w:pPr/w:ind", "hangingChars")) == ("600", "100")

    def level3(self, text_runs, bold):
        document = docx.Document()
        ensure_styles(document, StyleSettings())
        p = document.add_paragraph(style="三级标题")
        for piece in text_runs:
            if piece.startswith("<sdt>"):
                sdt = etree.SubElement(p._p, w("sdt"))
                etree.SubElement(sdt, w("sdtPr"))
                content = etree.SubElement(sdt, w("sdtContent"))
                r = etree.SubElement(content, w("r"))
                etree.SubElement(r, w("t")).text = piece[5:]
            else:
                p.add_run(piece)
        finish(document, StyleSettings(level3_bold=bold))
        return p._p

    def test_it_leaves_level3_headings_alone_by_default(self):
        p = self.level3(["1.深入学习贯彻习近平法治思想。组织学习。"], bold=False)
        assert not list(p.iter(w("b")))

    def test_it_bolds_a_run_in_level3_heading_up_to_the_first_full_stop(self):
        p = self.level3(["1.深入学习", "贯彻习近平法治思想。组织学习", "。再学习。"], bold=True)
        runs = p.findall(w("r"))
        texts = ["".join(t.text for t in r.iter(w("t"))) for r in runs]
        bold = [r.find(f"{w('rPr')}/{w('b')}") is not None for r in runs]
        assert texts == ["1.深入学习", "贯彻习近平法治思想。", "组织学习", "。再学习。"]
        assert bold == [True, True, False, False]
        assert paragraph_text(p) == "1.深入学习贯彻习近平法治思想。组织学习。再学习。"

    def test_it_keeps_content_controls_whole_when_bolding(self):
        p = self.level3(["1.完成", "<sdt>640", "件审批。共受理", "<sdt>640", "件。"], bold=True)
        sdts = p.findall(w("sdt"))
        assert len(sdts) == 2
        assert [paragraph_text(s) for s in sdts] == ["640", "640"]
        assert sdts[0].find(f".//{w('b')}") is not None and sdts[1].find(f".//{w('b')}") is None
        assert paragraph_text(p) == "1.完成640件审批。共受理640件。"

    def test_it_does_not_split_inside_a_figure_marker(self):
        marked = f"{MARK_OPEN}f001{MARK_SEP}17万余{MARK_CLOSE}"
        p = self.level3([f"1.排查{marked}家次。其余。"], bold=True)
        texts = ["".join(t.text for t in r.iter(w("t"))) for r in p.findall(w("r"))]
        assert texts == [f"1.排查{marked}家次。", "其余。"]


# --------------------------------------------------------------------------- the real sample draft

HEADING_PATTERNS = (
    (r"^[一二三四五六七八九十]+、", "一级标题", "黑体"),
    (r"^（[一二三四五六七八九十]+）", "二级标题", "楷体_GB2312"),
    (r"^\d+\.", "三级标题", "仿宋_GB2312"),
    (r"^（\d+）", "四级标题", "仿宋_GB2312"),
)


@pytest.fixture(scope="module")
def sample_draft(tmp_path_factory) -> Path:
    import shutil

    from drafter import build
    from drafter.sample import create_sqlite

    project = tmp_path_factory.mktemp("sample") / "project"
    project.mkdir()
    shutil.copy(REPO / "config.yaml", project / "config.yaml")
    shutil.copytree(REPO / "queries", project / "queries")
    shutil.copytree(REPO / "templates", project / "templates")
    create_sqlite(project / "sample")
    return build(project / "config.yaml", output=project / "draft.docx").path


class TestSampleDraft:
    def test_it_gives_each_heading_the_style_of_its_level(self, sample_draft):
        import re

        document = docx.Document(str(sample_draft))
        used = {}
        for text, style in texts_and_styles(document):
            for pattern, name, _ in HEADING_PATTERNS:
                if re.match(pattern, text):
                    assert style == name, text
                    used[name] = used.get(name, 0) + 1
                    break
            else:
                assert style not in {"一级标题", "二级标题", "三级标题", "四级标题"}, text
        assert used["一级标题"] == 4 and used["二级标题"] >= 4 and used["三级标题"] >= 9

    def test_it_sets_the_headings_it_uses_in_the_standard_faces(self, sample_draft):
        document = docx.Document(str(sample_draft))
        used = {style for _, style in texts_and_styles(document)}
        for _, name, face in HEADING_PATTERNS:
            if name not in used:
                continue
            fonts = style_el(document, name).find(f"{w('rPr')}/{w('rFonts')}")
            assert fonts.get(w("eastAsia")) == face and fonts.get(w("ascii")) == face
            assert attr(style_el(document, name), "w:rPr/w:sz", "val") == "32"
        for p in document.element.body.iter(w("p")):  # no paragraph overrides the style's face or size
            for r in p.iter(w("r")):
                assert r.find(f"{w('rPr')}/{w('rFonts')}") is None and r.find(f"{w('rPr')}/{w('sz')}") is None

    def test_it_keeps_the_page_of_the_master(self, sample_draft):
        sect = part(sample_draft, "word/document.xml").find(f"{w('body')}/{w('sectPr')}")
        assert sect.find(w("pgSz")).get(w("w")) == "11906"
        assert sect.find(w("pgMar")).get(w("top")) == "2098"
        assert sect.find(w("docGrid")).get(w("linePitch")) == "579"
        assert docx.Document(str(sample_draft)).settings.odd_and_even_pages_header_footer

    def test_it_places_title_signature_and_date(self, sample_draft):
        document = docx.Document(str(sample_draft))
        ps = paragraphs_of(document)
        assert paragraph_text(ps["公文标题"]) == "青浦区应急管理局\n关于2025年度法治政府建设情况报告"
        assert paragraph_text(ps["署名"]) == "上海市青浦区应急管理局"
        assert attr(ps["署名"], "w:pPr/w:ind", "rightChars") == "200"
        assert attr(ps["成文日期"], "w:pPr/w:ind", "rightChars") == "400"


def test_it_builds_the_same_master_bytes_twice(tmp_path):
    build_master(tmp_path / "a.docx")
    build_master(tmp_path / "b.docx")
    assert (tmp_path / "a.docx").read_bytes() == (tmp_path / "b.docx").read_bytes()
