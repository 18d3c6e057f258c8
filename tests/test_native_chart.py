"""Native Word charts (style.chart_format: native): a DrawingML chart part with its data in an
embedded workbook, the same caption and provenance as the picture; the draft still checks clean."""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

import docx
import pytest
import yaml
from click.testing import CliRunner
from conftest import require_programs
from lxml import etree
from openpyxl import load_workbook

from drafter import build
from drafter.cli import main
from drafter.word.manifest import read_manifest
from drafter.word.preview import render_pdf

REPO = Path(__file__).resolve().parents[1]
C = "{http://schemas.openxmlformats.org/drawingml/2006/chart}"


@pytest.fixture(scope="module")
def native(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("native") / "bulletin"
    shutil.copytree(REPO / "examples/bulletin", root, ignore=shutil.ignore_patterns("output", "__pycache__"))
    config = root / "config.yaml"
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    data.setdefault("style", {})["chart_format"] = "native"
    config.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return config, build(config, output=root / "draft.docx", force=True).path


def test_the_chart_is_a_chart_part_with_its_data_in_a_workbook(native):
    _, draft = native
    with zipfile.ZipFile(draft) as z:
        names = z.namelist()
        assert "word/charts/chart1.xml" in names and not any(n.startswith("word/media/") for n in names)
        chart = etree.fromstring(z.read("word/charts/chart1.xml"))
        rels = z.read("word/charts/_rels/chart1.xml.rels").decode()
        book_name = next(n for n in names if n.startswith("word/embeddings/") and n.endswith(".xlsx"))
        assert book_name.rsplit("/", 1)[1] in rels
        book = load_workbook(io.BytesIO(z.read(book_name)))
        types = z.read("[Content_Types].xml").decode()
    assert "drawingml.chart+xml" in types
    rows = read_manifest(docx.Document(str(draft))).charts[0].rows
    sheet = [list(r) for r in book["Sheet1"].iter_rows(min_row=2, values_only=True)]
    assert [r[0] for r in sheet] == [r[0] for r in rows]
    assert [[float(v) for v in r[1:]] for r in sheet] == [[float(v) for v in r[1:]] for r in rows]
    cached = [v.text for v in chart.iter(f"{C}v")]
    assert all(str(r[0]) in cached for r in rows)  # the categories cached for display


def test_the_caption_and_the_check_are_as_with_a_picture(native):
    config, draft = native
    document = docx.Document(str(draft))
    captions = [p.text for p in document.paragraphs if p.text.startswith("图1")]
    assert len(captions) == 1
    doc_pr = document.element.body.find(
        ".//{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}docPr"
    )
    assert doc_pr.get("descr") == captions[0] and doc_pr.get("name") == "drafter:chart1"
    check = CliRunner().invoke(main, ["check", str(draft), "-c", str(config)])
    assert check.exit_code == 0, check.output
    assert "全部一致" in check.output


@pytest.mark.render
def test_libreoffice_draws_the_native_chart(native, tmp_path):
    require_programs("render", "soffice")
    import pdfplumber

    _, draft = native
    with pdfplumber.open(str(render_pdf(draft, tmp_path))) as pdf:
        page = next(p for p in pdf.pages if "图1" in (p.extract_text() or "").replace(" ", ""))
        assert len(page.rects) + len(page.lines) + len(page.curves) > 10  # bars, axes, gridlines drawn
        text = page.extract_text().replace(" ", "")
        assert "清河分局" in text
