"""Charts as native Word charts (`style.chart_format: native`): a DrawingML chart part with its data
in an embedded workbook, so that an editor changes numbers or the chart type in Word or WPS
("编辑数据") as with any chart made there (the way poi-tl and similar tools write them).

The parts, as Word writes a chart:

    word/document.xml          <w:drawing><wp:inline>…<c:chart r:id="…"/></wp:inline></w:drawing>
    word/charts/chartN.xml     <c:chartSpace>: the chart, its series referring to Sheet1 cells,
                               with the values cached (c:strCache / c:numCache) for display
    word/embeddings/…N.xlsx    the workbook those cells are in (openpyxl)

The picture (drafter.word.charts) stays the default: it looks the same in every office suite.
"""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from docx.document import Document as DocumentObject
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml import parse_xml
from lxml import etree

from drafter.data.spreadsheets import column_letters
from drafter.text.chartspec import ChartSpec

__all__ = ["CHART_CONTENT_TYPE", "chart_inline", "chart_space_xml", "chart_workbook"]

CHART_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.drawingml.chart+xml"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_C = "http://schemas.openxmlformats.org/drawingml/2006/chart"
_A = "http://schemas.openxmlformats.org/drawingml/2006/main"
_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_HEIGHT_RATIO = 0.6


def chart_workbook(spec: ChartSpec) -> bytes:
    """The chart's data as Word keeps it: categories in column A, one series a column, names in row 1."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Sheet1"
    sheet.append(["", *spec.names])
    for i, label in enumerate(spec.labels):
        sheet.append([label, *(series[i] for series in spec.values)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _str_cache(ref: str, values: list[str]) -> str:
    points = "".join(f'<c:pt idx="{i}"><c:v>{escape(v)}</c:v></c:pt>' for i, v in enumerate(values))
    return f'<c:strRef><c:f>{ref}</c:f><c:strCache><c:ptCount val="{len(values)}"/>{points}</c:strCache></c:strRef>'


def _num_cache(ref: str, values: list[float]) -> str:
    points = "".join(f'<c:pt idx="{i}"><c:v>{v!r}</c:v></c:pt>' for i, v in enumerate(values))
    return (
        f"<c:numRef><c:f>{ref}</c:f><c:numCache><c:formatCode>General</c:formatCode>"
        f'<c:ptCount val="{len(values)}"/>{points}</c:numCache></c:numRef>'
    )


def _series(spec: ChartSpec) -> str:
    n = len(spec.labels)
    out = []
    for k, (name, values) in enumerate(zip(spec.names, spec.values, strict=True)):
        col = column_letters(k + 1)
        marker = '<c:marker><c:symbol val="circle"/></c:marker>' if spec.kind == "line" else ""
        out.append(
            f'<c:ser><c:idx val="{k}"/><c:order val="{k}"/><c:tx>{_str_cache(f"Sheet1!${col}$1", [name])}</c:tx>'
            f"{marker}"
            '<c:dLbls><c:showLegendKey val="0"/><c:showVal val="1"/><c:showCatName val="0"/>'
            '<c:showSerName val="0"/><c:showPercent val="0"/><c:showBubbleSize val="0"/></c:dLbls>'
            f"<c:cat>{_str_cache(f'Sheet1!$A$2:$A${n + 1}', spec.labels)}</c:cat>"
            f"<c:val>{_num_cache(f'Sheet1!${col}$2:${col}${n + 1}', values)}</c:val>"
            + ('<c:smooth val="0"/>' if spec.kind == "line" else "")
            + "</c:ser>"
        )
    return "".join(out)


def _plot(spec: ChartSpec, horizontal: bool) -> str:
    axes = '<c:axId val="1001"/><c:axId val="1002"/>'
    if spec.kind == "pie":
        return f'<c:pieChart><c:varyColors val="1"/>{_series(spec)}<c:firstSliceAng val="0"/></c:pieChart>'
    if spec.kind == "line":
        chart = f'<c:lineChart><c:grouping val="standard"/><c:varyColors val="0"/>{_series(spec)}<c:marker val="1"/>{axes}</c:lineChart>'
    else:
        direction = "bar" if horizontal else "col"
        chart = (
            f'<c:barChart><c:barDir val="{direction}"/><c:grouping val="clustered"/><c:varyColors val="0"/>'
            f'{_series(spec)}<c:gapWidth val="80"/>{axes}</c:barChart>'
        )
    cat_pos, val_pos = ("l", "b") if horizontal else ("b", "l")
    # A horizontal bar chart lists its first category at the top, as the picture does.
    orientation = "maxMin" if horizontal else "minMax"
    title = (
        f'<c:title><c:tx><c:rich><a:bodyPr/><a:p><a:r><a:t>{escape(spec.unit)}</a:t></a:r></a:p></c:rich></c:tx><c:overlay val="0"/></c:title>'
        if spec.unit
        else ""
    )
    return (
        chart
        + f'<c:catAx><c:axId val="1001"/><c:scaling><c:orientation val="{orientation}"/></c:scaling><c:delete val="0"/>'
        f'<c:axPos val="{cat_pos}"/><c:numFmt formatCode="General" sourceLinked="0"/><c:tickLblPos val="nextTo"/>'
        '<c:crossAx val="1002"/><c:crosses val="autoZero"/><c:auto val="1"/><c:lblAlgn val="ctr"/>'
        '<c:lblOffset val="100"/><c:noMultiLvlLbl val="0"/></c:catAx>'
        f'<c:valAx><c:axId val="1002"/><c:scaling><c:orientation val="minMax"/></c:scaling><c:delete val="0"/>'
        f'<c:axPos val="{val_pos}"/><c:majorGridlines/>{title}<c:numFmt formatCode="General" sourceLinked="1"/>'
        '<c:tickLblPos val="nextTo"/><c:crossAx val="1001"/><c:crosses val="autoZero"/>'
        '<c:crossBetween val="between"/></c:valAx>'
    )


def chart_space_xml(spec: ChartSpec, font: str, horizontal: bool = False) -> bytes:
    """The chart part: the chart in `font` (the draft's East Asian face), its data cached."""
    legend = (
        '<c:legend><c:legendPos val="b"/><c:overlay val="0"/></c:legend>'
        if len(spec.values) > 1 or spec.kind == "pie"
        else ""
    )
    text = (
        f'<c:txPr><a:bodyPr/><a:lstStyle/><a:p><a:pPr><a:defRPr sz="1050"><a:latin typeface="{escape(font)}"/>'
        f'<a:ea typeface="{escape(font)}"/></a:defRPr></a:pPr><a:endParaRPr lang="zh-CN"/></a:p></c:txPr>'
    )
    xml = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<c:chartSpace xmlns:c="{_C}" xmlns:a="{_A}" xmlns:r="{_R}"><c:lang val="zh-CN"/>'
        '<c:roundedCorners val="0"/><c:chart><c:autoTitleDeleted val="1"/>'
        f"<c:plotArea><c:layout/>{_plot(spec, horizontal)}</c:plotArea>{legend}"
        '<c:plotVisOnly val="1"/><c:dispBlanksAs val="gap"/></c:chart>'
        "<c:spPr><a:noFill/><a:ln><a:noFill/></a:ln></c:spPr>"  # no frame: the caption sets it off
        f'{text}<c:externalData r:id="rId1"><c:autoUpdate val="0"/></c:externalData></c:chartSpace>'
    )
    return xml.encode("utf-8")


def _next_number(document: DocumentObject) -> int:
    names = {str(p.partname) for p in document.part.package.iter_parts()}
    n = 1
    while f"/word/charts/chart{n}.xml" in names:
        n += 1
    return n


def chart_inline(
    document: DocumentObject, spec: ChartSpec, width_emu: int, *, font: str, name: str, descr: str, shape_id: int
) -> etree._Element:
    """Add the chart and its workbook to the package; return the `w:drawing` that shows it."""
    package = document.part.package
    n = _next_number(document)
    horizontal = spec.kind == "bar" and (len(spec.labels) > 8 or max((len(x) for x in spec.labels), default=0) > 6)
    chart_part = Part(
        PackURI(f"/word/charts/chart{n}.xml"), CHART_CONTENT_TYPE, chart_space_xml(spec, font, horizontal), package
    )
    book = Part(
        PackURI(f"/word/embeddings/Microsoft_Excel_Worksheet{n}.xlsx"), XLSX_CONTENT_TYPE, chart_workbook(spec), package
    )
    chart_part.rels.get_or_add(RT.PACKAGE, book)  # rId1, as c:externalData names it
    rid = document.part.relate_to(chart_part, RT.CHART)
    rows = len(spec.labels) * max(len(spec.values), 1)
    height = int(width_emu * (max(_HEIGHT_RATIO, min(1.2, 0.06 * rows)) if horizontal else _HEIGHT_RATIO))
    return parse_xml(
        '<w:drawing xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
        'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
        f'xmlns:a="{_A}" xmlns:c="{_C}" xmlns:r="{_R}">'
        f'<wp:inline distT="0" distB="0" distL="0" distR="0"><wp:extent cx="{width_emu}" cy="{height}"/>'
        f'<wp:effectExtent l="0" t="0" r="0" b="0"/><wp:docPr id="{shape_id}" name="{escape(name)}" descr="{escape(descr)}"/>'
        "<wp:cNvGraphicFramePr/>"
        f'<a:graphic><a:graphicData uri="{_C}"><c:chart r:id="{rid}"/></a:graphicData></a:graphic>'
        "</wp:inline></w:drawing>"
    )
