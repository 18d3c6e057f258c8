"""The 公文 layout proven on rendered pages: LibreOffice → PDF, measured with pdfplumber.

Rendering tests are marked `render`: they are skipped where LibreOffice is not
installed, unless DRAFTER_REQUIRE_RENDER=1 (as in CI), where they fail instead.

Two documents are rendered: the real sample draft (`drafter.build` over freshly
generated sample databases) and the master filled with ~60 paragraphs of plain
Chinese text, whose lines hold no digits (LibreOffice adds space around digits,
so a line of pure Chinese text is where 28 characters a line shows).
"""

from __future__ import annotations

import datetime as dt
import shutil
import statistics
import struct
from pathlib import Path

import jinja2
import pytest
from conftest import require_programs
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph
from docxtpl import DocxTemplate
from reading import paragraph_text

from drafter.project.style import StyleSettings
from drafter.word import preview
from drafter.word.layout import finish
from drafter.word.preview import PreviewUnavailable, fontconfig_text, render_pdf, render_pngs
from drafter.word.styles import STYLE_FOR_LEVEL, ensure_styles

REPO = Path(__file__).resolve().parents[1]
MM = 72 / 25.4  # points per millimetre
PAGE_W, PAGE_H = 210 * MM, 297 * MM
LEFT, TOP, RIGHT, BOTTOM = 28 * MM, 37 * MM, (210 - 26) * MM, (297 - 35) * MM
PITCH = 579 / 20  # the grid line, in points
CHAR = 16  # a body character, in points


# --------------------------------------------------------------------------- fast: no LibreOffice needed


def test_it_says_in_chinese_how_to_install_libreoffice_when_it_is_missing(monkeypatch, tmp_path):
    monkeypatch.setattr(preview.shutil, "which", lambda name: None)
    draft = tmp_path / "d.docx"
    draft.write_bytes(b"PK")
    with pytest.raises(PreviewUnavailable) as info:
        render_pngs(draft, tmp_path / "out")
    message = str(info.value)
    assert "未安装" in message and "apt-get install" in message and "libreoffice" in message


def test_it_maps_every_default_face_to_an_installed_family():
    conf = fontconfig_text()
    settings = StyleSettings()
    for face in (
        settings.title_font,
        settings.heading1_font,
        settings.heading2_font,
        settings.body_font,
        settings.page_number_font,
    ):
        assert f"<string>{face}</string>" in conf
    assert '<include ignore_missing="yes">/etc/fonts/fonts.conf</include>' in conf


# --------------------------------------------------------------------------- rendering


def _require_render() -> None:
    require_programs("render", "soffice")
    require_programs("render", "pdftoppm")


BODY_TEXT = [
    (1, "一、推进法治政府建设的主要举措和工作成效"),
    (2, "（一）学习贯彻习近平法治思想，提高运用法治思维和法治方式的能力"),
    (
        3,
        "1.深入学习贯彻习近平法治思想。组织局党委成员认真学习习近平法治思想学习问答，专题学习习近平总书记关于坚持全面依法治国、总体国家安全观等重要论述精神，推动学习成果转化为推进应急管理法治建设的具体举措。",
    ),
    (
        0,
        "拧紧应急管理法治建设责任链条。制定党政主要负责人履行法治建设第一责任人职责清单，建立健全述法制度机制，每年年初主动述法，推动述、评、考、督、责各环节一体贯通，进一步延伸述法工作效用，确保各项责任落到实处。",
    ),
    (
        0,
        "发挥领导干部领学促学作用。建立健全领导干部应知应会法律法规清单，推进日常学法、集体学法、专题研讨、法治培训等领导干部学法常态化，不断提高领导干部运用法治思维和法治方式深化改革、推动发展、化解矛盾、维护稳定的能力。",
    ),
    (2, "（二）全面加强依法行政能力，持续加大国家重大战略实施法治保障力度"),
    (
        0,
        "持续加强重大活动安全保障。聚焦布撤展等重点阶段，调集各类安全管理人员和安保巡查人员开展巡查，联合排查并完成整改各类安全隐患，举办事故灾难和自然灾害应急指挥体系桌面推演，确保各项活动安全有序。",
    ),
    (
        4,
        "（1）深化长三角一体化示范区应急执法融合。参与长三角联合执法交流活动，以检查码与柔性执法相结合助力优化营商环境为题作交流发言，联合开展安全生产交叉执法检查，相关案例入选示范区行政执法典型案例。",
    ),
]


def _fill_master(path: Path) -> None:
    """The default master rendered with ~60 body paragraphs, as the engine would insert them."""
    env = jinja2.Environment(autoescape=True)
    env.filters["date_cn"] = lambda d: f"{d.year}年{d.month}月{d.day}日"
    tpl = DocxTemplate(str(REPO / "templates/report.docx"))
    tpl.render(
        dict(
            title="青浦区应急管理局关于2025年度法治政府建设情况报告",
            year=2025,
            body="@@BODY@@",
            signature="上海市青浦区应急管理局",
            date=dt.date(2025, 12, 31),
            attachments=[],
            recipient=None,
            doc_number=None,
        ),
        jinja_env=env,
    )
    document = tpl.docx
    settings = StyleSettings()
    ensure_styles(document, settings)
    body_p = next(p for p in document.element.body.iter(qn("w:p")) if "@@BODY@@" in paragraph_text(p))
    anchor = Paragraph(body_p, document._body)
    for _ in range(8):
        for level, text in BODY_TEXT:
            anchor.insert_paragraph_before(text, style=STYLE_FOR_LEVEL[level])
    body_p.getparent().remove(body_p)
    finish(document, settings)
    document.save(str(path))


def _build_sample_draft(tmp: Path) -> Path:
    from drafter import build
    from drafter.sample import create_sqlite

    project = tmp / "project"
    project.mkdir()
    shutil.copy(REPO / "config.yaml", project / "config.yaml")
    shutil.copytree(REPO / "queries", project / "queries")
    shutil.copytree(REPO / "templates", project / "templates")
    create_sqlite(project / "sample")
    return build(project / "config.yaml", output=tmp / "draft.docx").path


class Page:
    """One rendered page: its text lines (chars grouped by baseline) and its footer."""

    def __init__(self, page):
        self.width, self.height = float(page.width), float(page.height)
        rows: dict[int, list[dict]] = {}
        footer = []
        for c in page.chars:
            if c["top"] > BOTTOM + 2 * MM:
                footer.append(c)
            elif c["text"].strip():
                rows.setdefault(round(c["bottom"]), []).append(c)
        self.lines = [sorted(rows[k], key=lambda c: c["x0"]) for k in sorted(rows)]
        self.footer = sorted(footer, key=lambda c: c["x0"])

    def text(self, line) -> str:
        return "".join(c["text"] for c in line)

    @property
    def footer_text(self) -> str:
        return "".join(c["text"] for c in self.footer)

    @staticmethod
    def center(line) -> float:
        return statistics.median((c["top"] + c["bottom"]) / 2 for c in line)


def _pages(pdf_path: Path) -> list[Page]:
    import pdfplumber

    with pdfplumber.open(str(pdf_path)) as pdf:
        return [Page(p) for p in pdf.pages]


@pytest.fixture(scope="module")
def filled_pages(tmp_path_factory) -> list[Page]:
    _require_render()
    tmp = tmp_path_factory.mktemp("filled")
    _fill_master(tmp / "filled.docx")
    return _pages(render_pdf(tmp / "filled.docx", tmp / "pdf"))


@pytest.fixture(scope="module")
def sample_draft(tmp_path_factory) -> Path:
    _require_render()
    return _build_sample_draft(tmp_path_factory.mktemp("sample"))


@pytest.fixture(scope="module")
def sample_pages(sample_draft, tmp_path_factory) -> list[Page]:
    return _pages(render_pdf(sample_draft, tmp_path_factory.mktemp("sample-pdf")))


@pytest.fixture(params=["sample", "filled"])
def pages(request) -> list[Page]:
    return request.getfixturevalue(f"{request.param}_pages")


@pytest.mark.render
class TestRenderedPages:
    def test_it_sets_every_page_on_a4(self, pages):
        assert len(pages) >= 3
        for page in pages:
            assert page.width == pytest.approx(PAGE_W, abs=1) and page.height == pytest.approx(PAGE_H, abs=1)

    def test_it_starts_text_lines_at_the_left_edge_of_the_type_area(self, pages):
        for page in pages[1:-1]:
            left = min(line[0]["x0"] for line in page.lines)
            assert left == pytest.approx(LEFT, abs=1 * MM)

    def test_it_starts_the_first_line_at_the_top_of_the_type_area(self, pages):
        # Each line is centred in its grid row of 28.95 pt: the first row begins at 37 mm.
        for page in pages:
            first_row_top = Page.center(page.lines[0]) - PITCH / 2
            assert first_row_top == pytest.approx(TOP, abs=1 * MM)

    def test_it_keeps_text_inside_the_right_and_bottom_limits(self, pages):
        for page in pages:
            assert max(c["x1"] for line in page.lines for c in line) <= RIGHT + 0.5 * MM
            assert Page.center(page.lines[-1]) + PITCH / 2 <= BOTTOM + 1 * MM

    def test_it_sets_22_lines_on_a_full_body_page(self, pages):
        for page in pages[1:-2]:
            assert len(page.lines) == 22
            gaps = [Page.center(b) - Page.center(a) for a, b in zip(page.lines, page.lines[1:])]
            assert all(g == pytest.approx(PITCH, abs=1.5) for g in gaps)  # faces differ by ~1 pt
        last_row_bottom = Page.center(pages[1].lines[-1]) + PITCH / 2
        assert last_row_bottom == pytest.approx(BOTTOM, abs=1 * MM)

    def test_it_numbers_odd_pages_at_the_right_and_even_pages_at_the_left(self, pages):
        for number, page in enumerate(pages, start=1):
            assert page.footer_text == f"— {number} —"
            dash = page.footer[0]
            if number % 2:
                assert page.footer[-1]["x1"] == pytest.approx(RIGHT - 14, abs=1 * MM)
            else:
                assert dash["x0"] == pytest.approx(LEFT + 14, abs=1 * MM)
            assert dash["size"] == pytest.approx(14, abs=0.1)
            dash_middle = (dash["top"] + dash["bottom"]) / 2
            assert dash_middle == pytest.approx(BOTTOM + 7 * MM, abs=1 * MM)


@pytest.mark.render
class TestRenderedText:
    def test_it_sets_28_characters_on_a_full_line_of_chinese_text(self, filled_pages):
        counts = []
        for page in filled_pages[1:-1]:
            for line in page.lines:
                if line[0]["x0"] < LEFT + 2 and line[-1]["x1"] > RIGHT - CHAR:  # a full continuation line
                    counts.append(len(line))
        assert counts and max(counts) == 28
        assert statistics.median(counts) == 28

    def test_it_sets_the_title_in_22_pt_bold_serif_on_balanced_lines(self, sample_pages):
        first = sample_pages[0]
        title = [line for line in first.lines if line[0]["size"] == pytest.approx(22, abs=0.1)]
        assert [first.text(line) for line in title] == ["青浦区应急管理局", "关于2025年度法治政府建设情况报告"]
        for line in title:
            middle = (line[0]["x0"] + line[-1]["x1"]) / 2
            assert middle == pytest.approx((LEFT + RIGHT) / 2, abs=1 * MM)
            assert "Bold" in line[0]["fontname"] and "Serif" in line[0]["fontname"]

    def test_it_sets_each_heading_level_in_its_own_face(self, sample_pages):
        faces = {}
        for page in sample_pages:
            for line in page.lines:
                text = page.text(line)
                for level, prefix in ((1, "一、"), (2, "（一）"), (3, "1."), (0, "按照")):
                    if text.startswith(prefix):
                        faces.setdefault(level, (line[2]["fontname"], line[2]["size"]))
        assert set(faces) == {0, 1, 2, 3}
        assert all(size == pytest.approx(16, abs=0.1) for _, size in faces.values())
        assert "Sans" in faces[1][0]  # 黑体
        assert "Kai" in faces[2][0]  # 楷体
        assert faces[3][0] == faces[0][0] and "Sans" not in faces[0][0]  # 仿宋 for body and level 3

    def test_it_indents_the_first_line_by_two_characters(self, sample_pages):
        page = sample_pages[1]
        starts = sorted({round(line[0]["x0"] - LEFT) for line in page.lines})
        assert starts[0] == pytest.approx(0, abs=1) and any(abs(s - 2 * CHAR) <= 1.5 for s in starts)

    def test_it_places_signature_and_date_with_their_right_indents(self, sample_pages):
        last = sample_pages[-1]
        texts = [last.text(line) for line in last.lines]
        sig, date = last.lines[texts.index("上海市青浦区应急管理局")], last.lines[texts.index("2025年12月31日")]
        # Signature right indent 2 characters; date right indent 11 − 7 = 4 (§7.3.5).
        assert sig[-1]["x1"] == pytest.approx(RIGHT - 2 * CHAR, abs=0.5 * CHAR)
        assert date[-1]["x1"] == pytest.approx(RIGHT - 4 * CHAR, abs=0.5 * CHAR)


def _png_size(path: Path) -> tuple[int, int]:
    with open(path, "rb") as f:
        head = f.read(24)
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", head[16:24])


@pytest.mark.render
def test_it_writes_one_png_per_page(sample_draft, sample_pages, tmp_path):
    out = tmp_path / "预览"
    pngs = render_pngs(sample_draft, out, dpi=50)
    assert [p.name for p in pngs] == [f"{sample_draft.stem}-{n}.png" for n in range(1, len(sample_pages) + 1)]
    width, height = _png_size(pngs[0])
    assert width == pytest.approx(210 / 25.4 * 50, abs=1) and height == pytest.approx(297 / 25.4 * 50, abs=1)


@pytest.mark.render
def test_it_replaces_old_previews_of_the_same_draft(sample_draft, tmp_path):
    out = tmp_path / "预览"
    out.mkdir()
    (out / f"{sample_draft.stem}-99.png").write_bytes(b"old")
    pngs = render_pngs(sample_draft, out, dpi=30)
    assert not (out / f"{sample_draft.stem}-99.png").exists()
    assert sorted(out.iterdir()) == sorted(pngs)
