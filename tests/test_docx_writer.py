"""A batch writes the same master into every draft: the parts that stay the same are compressed
once (drafter.word.document._deflate) and docxtpl's preprocessing runs once per text
(MasterTemplate). Each file must still hold exactly its own document."""

from __future__ import annotations

import zipfile

import docx
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml.ns import qn
from docxtpl import DocxTemplate

from drafter.project.style import StyleSettings
from drafter.word import document as word_document
from drafter.word.document import MasterTemplate, save_docx
from drafter.word.master import build_master
from drafter.word.styles import ensure_styles


def members(path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        assert z.testzip() is None  # every member's CRC checks
        return {i.filename: z.read(i) for i in z.infolist()}


def styled(font: str) -> docx.document.Document:
    document = docx.Document()
    ensure_styles(document, StyleSettings(body_font=font))
    document.add_paragraph("正文")
    return document


def test_a_part_the_same_as_last_time_is_written_whole(tmp_path):
    document = styled("仿宋_GB2312")
    save_docx(document, tmp_path / "a.docx")
    save_docx(document, tmp_path / "b.docx")
    a, b = members(tmp_path / "a.docx"), members(tmp_path / "b.docx")
    assert a == b
    big = [n for n, data in a.items() if len(data) >= word_document.DEFLATE_ONCE_BYTES]
    assert "word/styles.xml" in big and all(n in word_document._LAST_DEFLATED for n in big)


def test_a_part_that_changed_is_compressed_again(tmp_path):
    first, second = styled("仿宋_GB2312"), styled("华文仿宋")
    for n, document in enumerate([first, second, first, second]):
        save_docx(document, tmp_path / f"{n}.docx")
    for n, font in enumerate(["仿宋_GB2312", "华文仿宋"] * 2):
        parts = members(tmp_path / f"{n}.docx")
        assert font.encode() in parts["word/styles.xml"]
        reopened = docx.Document(str(tmp_path / f"{n}.docx"))
        assert reopened.styles.default(WD_STYLE_TYPE.PARAGRAPH).element.xpath(".//w:rFonts/@w:eastAsia") == [font]


def test_a_part_edited_in_place_between_saves_is_not_taken_from_before(tmp_path):
    document = styled("仿宋_GB2312")
    save_docx(document, tmp_path / "a.docx")
    fonts = document.styles.default(WD_STYLE_TYPE.PARAGRAPH).element.xpath(".//w:rFonts")[0]
    fonts.set(qn("w:eastAsia"), "编辑改过的字体")
    save_docx(document, tmp_path / "b.docx")
    assert "编辑改过的字体".encode() in members(tmp_path / "b.docx")["word/styles.xml"]
    assert "编辑改过的字体".encode() not in members(tmp_path / "a.docx")["word/styles.xml"]


def test_the_master_is_preprocessed_as_docxtpl_does_it(tmp_path):
    path = tmp_path / "master.docx"
    build_master(path, StyleSettings())
    ours, theirs = MasterTemplate(str(path)), DocxTemplate(str(path))
    ours.init_docx()
    theirs.init_docx()
    xml = theirs.get_xml()
    assert ours.patch_xml(xml) == theirs.patch_xml(xml) == ours.patch_xml(xml)
    other = xml.replace("{{", "{{ ", 1)
    assert ours.patch_xml(other) == theirs.patch_xml(other) != ours.patch_xml(xml)


def test_drafts_saved_at_once_in_threads_each_hold_their_own_parts(tmp_path, monkeypatch):
    from concurrent.futures import ThreadPoolExecutor

    monkeypatch.setattr(word_document, "_LAST_DEFLATED_MAX", 2)  # let go of entries while threads write
    fonts = ["甲体", "乙体", "丙体", "丁体"]
    documents = {font: styled(font) for font in fonts}

    def save(n: int) -> tuple[str, bytes]:
        font = fonts[n % len(fonts)]
        path = tmp_path / f"{n}.docx"
        save_docx(documents[font], path)
        return font, members(path)["word/styles.xml"]

    with ThreadPoolExecutor(4) as pool:
        for font, styles in pool.map(save, range(40)):
            assert sum(f.encode() in styles for f in fonts) == 1 and font.encode() in styles
