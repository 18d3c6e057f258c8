"""The draft as a page: `drafter preview --html` (one self-contained file) and its page model."""

from __future__ import annotations

import json
import re

from click.testing import CliRunner
from docx import Document
from docx.oxml.ns import qn

from drafter import check
from drafter.cli import main
from drafter.review.pageview import ParagraphView, TableView, draft_view, view_of_file
from drafter.web.pages import standalone_preview
from drafter.word.manifest import read_manifest

DATA = re.compile(r'<script type="application/json" id="drafter-data">(.*?)</script>', re.DOTALL)
FIGURE = re.compile(r'<span class="fig[^"]*" data-fig="(f\d+)"[^>]*>([^<]*)</span>')


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def test_preview_html_of_a_draft_is_one_file_with_every_figure_clickable(sample_project, sample_draft, tmp_path):
    out = tmp_path / "预览.html"
    result = run("preview", "--html", str(out), str(sample_draft), "-c", str(sample_project))
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == str(out) and "84 个数字" in result.stderr
    html = out.read_text(encoding="utf-8")
    manifest = read_manifest(Document(str(sample_draft)))
    shown = dict(FIGURE.findall(html))
    assert shown == {f.id: f.text for f in manifest.figures}
    assert "<style>" in html and "<script>" in html and "src=" not in html and 'href="/' not in html
    data = json.loads(DATA.search(html).group(1))
    assert data["figures"]["f001"]["ref"] == manifest.figures[0].ref
    assert all("sql" in q for q in data["queries"].values())
    assert len(out.read_bytes()) < 1024 * 1024  # opens instantly: the anchor


def test_preview_html_without_a_draft_composes_one_in_memory(sample_project_copy, tmp_path):
    out = tmp_path / "p.html"
    before = sorted(p.name for p in sample_project_copy.parent.rglob("*.docx"))
    result = run("preview", "--html", str(out), "-c", str(sample_project_copy), "--year", "2024")
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    assert "2024年度法治政府建设情况报告" in html and len(FIGURE.findall(html)) >= 79
    assert sorted(p.name for p in sample_project_copy.parent.rglob("*.docx")) == before  # no draft written


def test_preview_html_refuses_a_name_that_is_not_html(sample_project, sample_draft, tmp_path):
    result = run("preview", "--html", str(tmp_path / "x.docx"), str(sample_draft), "-c", str(sample_project))
    assert result.exit_code == 2 and ".html" in result.output and not (tmp_path / "x.docx").exists()
    result = run("preview", "--html", str(tmp_path / "x.html"), str(tmp_path / "missing.docx"))
    assert result.exit_code == 2 and "找不到草稿文件" in result.output


def test_headings_and_the_closing_block_take_their_kind(sample_draft):
    view = view_of_file(sample_draft)
    kinds = [b.kind for b in view.blocks if isinstance(b, ParagraphView) and b.text.strip()]
    assert kinds[0] == "title" and {"h1", "h2", "h3", "signature", "date"} <= set(kinds)
    assert kinds.index("h1") < kinds.index("h2") < kinds.index("h3") < kinds.index("signature")
    first_h1 = next(b for b in view.blocks if isinstance(b, ParagraphView) and b.kind == "h1")
    assert first_h1.text.startswith("一、")
    assert "2025年度法治政府建设情况报告" in view.title


def test_placeholders_stand_out_in_and_outside_figures(sample_draft, tmp_path):
    doc = Document(str(sample_draft))
    body_t = next(t for t in doc.element.body.iter(qn("w:t")) if t.text and "进博会" in t.text)
    body_t.text = body_t.text + "【待补充：编辑补】"
    path = tmp_path / "with-placeholder.docx"
    doc.save(str(path))
    html = standalone_preview(view_of_file(path))
    assert '<mark class="ph">【待补充：编辑补】</mark>' in html


def test_tables_keep_their_cells_and_figures(sample_draft, tmp_path):
    doc = Document(str(sample_draft))
    table = doc.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "项目"
    table.cell(1, 1).text = "42"
    path = tmp_path / "table.docx"
    doc.save(str(path))
    view = view_of_file(path)
    [tv] = [b for b in view.blocks if isinstance(b, TableView)]
    assert [[" ".join(p.text for p in cell) for cell in row] for row in tv.rows] == [["项目", ""], ["", "42"]]
    assert '<table class="draft-table">' in standalone_preview(view)


def test_after_a_check_each_figure_carries_its_status_and_findings_point_at_it(sample_project, sample_draft, tmp_path):
    from webfiles import planted_edit

    edited = tmp_path / "e.docx"
    fid = planted_edit(sample_draft, edited, "inspections.hazards_found", "1500")
    report = check(edited, sample_project)
    doc = Document(str(edited))
    view = draft_view(doc, read_manifest(doc), report=report)
    assert view.figures[fid]["check"]["status"] == "手工修改" and view.figures[fid]["check"]["draft"] == "1500"
    assert [f.anchor for f in view.findings] == [fid]
    statuses = {s.figure: s.status for b in view.blocks if isinstance(b, ParagraphView) for s in b.segments if s.figure}
    assert statuses[fid] == "手工修改" and set(statuses.values()) == {"一致", "手工修改"}


def test_in_paragraph_mode_findings_are_located_by_their_span(sample_project, sample_draft, tmp_path):
    """Controls stripped by an office suite: a changed number is still marked where it stands."""
    doc = Document(str(sample_draft))
    for sdt in list(doc.element.body.iter(qn("w:sdt"))):
        parent, index = sdt.getparent(), sdt.getparent().index(sdt)
        for k, child in enumerate(list(sdt.find(qn("w:sdtContent")))):
            parent.insert(index + k, child)
        parent.remove(sdt)
    t = next(t for t in doc.element.body.iter(qn("w:t")) if t.text == "1428")
    t.text = "1500"
    path = tmp_path / "stripped.docx"
    doc.save(str(path))
    report = check(path, sample_project)
    assert report.mode == "paragraphs"
    view = view_of_file(path, report=report)
    marked = [
        (s.text, s.status)
        for b in view.blocks
        if isinstance(b, ParagraphView)
        for s in b.segments
        if s.status and s.status != "一致"
    ]
    assert marked == [("1500", "手工修改")]
    assert [f.status for f in view.findings] == ["手工修改"] and view.findings[0].anchor in view.figures
    assert sum(1 for b in view.blocks if isinstance(b, ParagraphView) for s in b.segments if s.figure) >= 79


def test_text_from_queries_cannot_become_markup(sample_project_copy, tmp_path):
    query = sample_project_copy.parent / "queries" / "enforcement" / "inspections.sql"
    text = query.read_text(encoding="utf-8").replace(
        "-- description: 全年执法检查", "-- description: </script><script>alert(1)</script><b>全年执法检查", 1
    )
    query.write_text(text, encoding="utf-8")
    out = tmp_path / "x.html"
    result = run("preview", "--html", str(out), "-c", str(sample_project_copy))
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    assert "<script>alert(1)" not in html and "<b>全年" not in html
    data = json.loads(DATA.search(html).group(1))
    assert data["queries"]["inspections"]["description"].startswith("</script><script>alert(1)")


def tiny_png() -> bytes:
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\0\xff\0\0\xff\0\0" * 2)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


CHART_XML = (
    '<c:chartSpace xmlns:c="http://schemas.openxmlformats.org/drawingml/2006/chart" '
    'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"><c:chart>'
    "<c:title><c:tx><c:rich><a:p><a:r><a:t>各街镇检查家次</a:t></a:r></a:p></c:rich></c:tx></c:title>"
    '<c:plotArea><c:barChart><c:ser><c:tx><c:strRef><c:strCache><c:pt idx="0"><c:v>检查家次</c:v></c:pt>'
    '</c:strCache></c:strRef></c:tx><c:cat><c:strRef><c:strCache><c:pt idx="1"><c:v>徐泾镇</c:v></c:pt>'
    '<c:pt idx="0"><c:v>赵巷镇</c:v></c:pt></c:strCache></c:strRef></c:cat><c:val><c:numRef><c:numCache>'
    '<c:pt idx="0"><c:v>120</c:v></c:pt><c:pt idx="1"><c:v>95</c:v></c:pt></c:numCache></c:numRef></c:val>'
    "</c:ser></c:barChart></c:plotArea></c:chart></c:chartSpace>"
)


def add_chart(doc) -> None:
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part
    from docx.oxml import parse_xml

    part = Part(
        PackURI("/word/charts/chart1.xml"),
        "application/vnd.openxmlformats-officedocument.drawingml.chart+xml",
        CHART_XML.encode(),
        doc.part.package,
    )
    rid = doc.part.relate_to(part, "http://schemas.openxmlformats.org/officeDocument/2006/relationships/chart")
    run = parse_xml(
        '<w:r xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:drawing><wp:inline '
        'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing">'
        '<wp:extent cx="5000000" cy="3000000"/><wp:docPr id="99" name="图表 1"/>'
        '<a:graphic xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main">'
        '<a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/chart">'
        '<c:chart xmlns:c="http://schemas.openxmlformats.org/drawingml/2006/chart" '
        f'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" r:id="{rid}"/>'
        "</a:graphicData></a:graphic></wp:inline></w:drawing></w:r>"
    )
    doc.add_paragraph()._p.append(run)


def test_pictures_are_shown_and_charts_as_their_data(sample_draft, tmp_path):
    import io

    from drafter.review.pageview import DrawingView

    doc = Document(str(sample_draft))
    doc.add_picture(io.BytesIO(tiny_png()))
    add_chart(doc)
    path = tmp_path / "drawings.docx"
    doc.save(str(path))
    view = view_of_file(path)
    drawings: list[DrawingView] = [d for b in view.blocks if isinstance(b, ParagraphView) for d in b.drawings]
    assert [d.kind for d in drawings] == ["image", "chart"]
    assert drawings[0].data_uri and drawings[0].data_uri.startswith("data:image/png;base64,iVBOR")
    chart = drawings[1]
    assert (chart.chart_type, chart.title, chart.categories) == ("柱状图", "各街镇检查家次", ["赵巷镇", "徐泾镇"])
    assert chart.series == [("检查家次", ["120", "95"])]
    html = standalone_preview(view)
    assert '<img class="picture" src="data:image/png;base64,' in html
    assert "［柱状图：各街镇检查家次］" in html and "<th>赵巷镇</th><td>120</td>" in html


def test_a_draft_with_a_chart_passes_the_upload_inspection(sample_draft, tmp_path):
    from drafter.web.uploads import inspect_docx

    doc = Document(str(sample_draft))
    add_chart(doc)
    path = tmp_path / "chart.docx"
    doc.save(str(path))
    inspect_docx(path.read_bytes(), "chart.docx")
