"""Tables that fit the 156 mm type area: widths from each column's widest content, numbers never
wrap, a wide table takes 小四 then 五号, then a landscape page. Rendered with LibreOffice."""

from __future__ import annotations

from pathlib import Path

import docx
import pytest
from conftest import require_programs
from docx.oxml.ns import qn
from pagecheck import table_cells

from drafter.data.figures import FigureRegistry
from drafter.project.style import StyleSettings
from drafter.text.blocks import TableBlock
from drafter.word.master import build_master
from drafter.word.nobreak import keep_numbers_whole
from drafter.word.preview import render_pdf
from drafter.word.tables import (
    TABLE_SIZES,
    build_tables,
    ensure_table_styles,
    fit_table,
    table_heading,
    table_placeholder,
)
from drafter.word.titles import text_width

NAMES = ["青浦区朱家角镇人民政府", "夏阳街道", "盈浦街道办事处", "香花桥街道", "金泽镇", "练塘镇人民政府", "华新镇"]
HEADERS = ["检查企业数", "发现隐患数", "整改完成率", "罚没金额（元）", "立案数", "结案数", "同比增长", "执法人员",
           "重点企业", "复查次数", "约谈次数", "处罚人数", "移送案件"]  # fmt: skip


def _table(columns: int, number: int = 0) -> TableBlock:
    header = [["单位名称", *HEADERS[: columns - 1]]]
    rows = []
    for i, name in enumerate(NAMES):
        cells = [name]
        for c in range(1, columns):
            cells.append(f"{1234567 + 7919 * i * c}" if c % 3 else f"{90 + (i * c) % 10}.{c % 10}%")
        rows.append(cells)
    return TableBlock(
        f"各单位执法检查情况（{columns}列）", None, header, rows, [None] * columns, "p", Path("t.md"), 1, number=number
    )


@pytest.mark.parametrize("columns", range(3, 15))
def test_every_number_fits_its_column_at_the_size_chosen(columns):
    table = _table(columns)
    fit = fit_table(table, StyleSettings())
    assert fit.size in TABLE_SIZES
    for c in range(1, columns):
        widest = max(text_width(row[c]) for row in table.rows)
        assert fit.widths[c] >= widest * fit.size * 20 + 2 * fit.margin, (columns, c, fit)
    assert sum(fit.widths) == (StyleSettings().type_height if fit.landscape else StyleSettings().type_width)


def test_wider_tables_take_smaller_type_then_a_landscape_page():
    fits = [fit_table(_table(n), StyleSettings()) for n in range(3, 15)]
    assert fits[0].size == 14.0 and not fits[0].landscape
    order = [(f.landscape, -f.size) for f in fits]
    assert order == sorted(order), order  # never larger type or portrait again as columns grow
    assert {f.size for f in fits} >= {14.0, 10.5}
    assert fits[-1].landscape


def _document(path: Path, columns: range) -> None:
    settings = StyleSettings()
    build_master(path, settings)
    document = docx.Document(str(path))
    body = document.element.body
    for p in [p for p in body if p.tag == qn("w:p")]:
        body.remove(p)
    styles = ensure_table_styles(document, settings)
    sect = body.find(qn("w:sectPr"))
    registry = FigureRegistry()
    pending = []
    for n in columns:
        table = _table(n, number=n)
        for el in table_heading(table, styles):
            sect.addprevious(el)
        placeholder = table_placeholder(table)
        sect.addprevious(placeholder)
        pending.append((placeholder, table))
    build_tables(pending, registry, styles, settings, body)
    keep_numbers_whole(body)
    document.save(str(path))


@pytest.mark.render
def test_no_number_cell_wraps_in_tables_of_3_to_14_columns(tmp_path):
    require_programs("render", "soffice")
    _document(tmp_path / "tables.docx", range(3, 15))
    tables = table_cells(render_pdf(tmp_path / "tables.docx", tmp_path))
    assert len(tables) >= 12
    numbers = 0
    for table in tables:
        for row in table[1:]:
            for cell in row[1:]:
                if cell and cell[0].isdigit():
                    numbers += 1
                    assert "\n" not in cell, f"number wrapped: {cell!r} in {table[0]}"
    assert numbers >= 12 * 7 * 2


@pytest.mark.render
def test_a_landscape_table_stays_inside_the_turned_type_area(tmp_path):
    require_programs("render", "soffice")
    import pdfplumber

    _document(tmp_path / "wide.docx", range(14, 15))
    with pdfplumber.open(str(render_pdf(tmp_path / "wide.docx", tmp_path))) as pdf:
        pages = [p for p in pdf.pages if p.find_tables()]
        assert pages and all(p.width > p.height for p in pages)
        mm = 72 / 25.4
        for page in pages:
            for t in page.find_tables():
                x0, _, x1, _ = t.bbox
                assert x1 - x0 <= 225 * mm + 2 and x0 >= 35 * mm - 2 and x1 <= page.width - 37 * mm + 2
