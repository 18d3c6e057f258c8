"""Tables and charts of the section templates as Word content, in 公文 style.

A table (`drafter.text.blocks.TableBlock`) becomes:

- a title line `表1　…` (style 表题: 黑体, 3号, centred, kept with the table);
- an optional unit line `单位：…` (style 表格单位: 仿宋, 4号, right-aligned);
- a real Word table across the whole type area (156 mm on A4 with the standard margins):
  fixed layout, 0.5 pt single borders; column widths from the widest content of each column
  (`fit_table`: a number never wraps, a header breaks only between words, as `header_lines`
  writes it); a table too wide for that takes type one step smaller (四号 → 小四 → 五号),
  then narrower cell margins, then a landscape section of its own (the type area turned);
  header rows repeated on every page (`w:tblHeader`), in 表头 (黑体, 4号, centred), merged
  where the template's two-line header says so (`w:gridSpan` across, `w:vMerge` down);
  body rows in 表格文字 (仿宋, 4号 = 14 pt, single line spacing, off the page's line grid,
  no first-line indent), numbers right-aligned, the first column's text left-aligned and
  other text centred, unless the separator line sets a column's alignment.

A table first stands as a placeholder paragraph holding its figures' marks, so that figures
are numbered in reading order with the rest; then it is written as XML text with each cell's
figure already in its content control (as `wrap_figures` would make it), parsed in one pass,
or, in a draft that is only saved (`build`), written into the file as text as it is saved:
a 10,000-row table stays fast and small. A chart becomes a picture paragraph (style 图) and its caption
`图1　…` (style 图题) below it.
"""

from __future__ import annotations

import copy
import itertools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from docx.document import Document as DocumentObject
from docx.opc.part import XmlPart
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from lxml import etree

from drafter.data.figures import MARKED, FigureRegistry, strip_marks
from drafter.text.blocks import TableBlock
from drafter.word.gongwen import StyleSettings, text_width
from drafter.word.oxml import WORD_JOINER, figure_alias, figure_bookmark, figure_tag
from drafter.word.titles import word_edges, word_edges_many

TABLE_SIZE = 14.0  # 4号: table text, header and unit line
TITLE_STYLE, UNIT_STYLE, HEADER_STYLE, TEXT_STYLE = "表题", "表格单位", "表头", "表格文字"
PICTURE_STYLE, CAPTION_STYLE = "图", "图题"
_IDS = {
    TITLE_STYLE: "DrafterTableTitle",
    UNIT_STYLE: "DrafterTableUnit",
    HEADER_STYLE: "DrafterTableHeader",
    TEXT_STYLE: "DrafterTableText",
    PICTURE_STYLE: "DrafterPicture",
    CAPTION_STYLE: "DrafterCaption",
}
_CELL_MARGIN = 80  # twips, left and right inside each cell
_NARROW_MARGIN = 30  # the same for a table that does not fit otherwise
_ROW_HEIGHT = '<w:trHeight w:val="454" w:hRule="atLeast"/>'  # 8 mm at least: a 4号 line with air around it
_BORDER = '<w:{0} w:val="single" w:sz="4" w:space="0" w:color="000000"/>'
_NUMERIC = re.compile(r"^[-+]?\d[\d,]*(?:\.\d+)?(?:%|万余|万|余|亿|万元|元)?$")


def _attr(value: str) -> str:
    return _text(value).replace('"', "&quot;") if '"' in value else _text(value)


def _text(value: str) -> str:
    """`value` escaped as XML text, as saxutils.escape does (not imported: it brings urllib and
    http.client into every build), without its cost for text that needs none (40,000 cells of
    a long table mostly do not)."""
    if "&" in value or "<" in value or ">" in value:
        return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return value


def _style_xml(
    name: str,
    style_id: str,
    face: str,
    latin: str,
    size: float,
    jc: str,
    *,
    keep_next: bool = False,
    bold: bool = False,
    before: int = 0,
) -> etree._Element:
    half = round(size * 2)
    return parse_xml(
        f'<w:style {nsdecls("w")} w:type="paragraph" w:customStyle="1" w:styleId="{style_id}">'
        f'<w:name w:val="{_attr(name)}"/><w:qFormat/>'
        f'<w:pPr>{"<w:keepNext/>" if keep_next else ""}<w:widowControl w:val="0"/><w:snapToGrid w:val="0"/>'
        f'<w:spacing w:before="{before}" w:after="0" w:line="240" w:lineRule="auto"/>'
        f'<w:ind w:left="0" w:right="0" w:firstLine="0" w:firstLineChars="0"/><w:jc w:val="{jc}"/></w:pPr>'
        f'<w:rPr><w:rFonts w:ascii="{_attr(latin)}" w:hAnsi="{_attr(latin)}" w:eastAsia="{_attr(face)}" '
        f'w:cs="{_attr(latin)}"/>{"<w:b/>" if bold else ""}<w:spacing w:val="0"/><w:kern w:val="0"/>'
        f'<w:sz w:val="{half}"/><w:szCs w:val="{half}"/></w:rPr></w:style>'
    )


def ensure_table_styles(document: DocumentObject, settings: StyleSettings) -> dict[str, str]:
    """Add the table and chart styles the document lacks (never changing existing ones);
    return style name → style id."""
    styles_el = document.styles.element
    have = {s.name: s.style_id for s in document.styles}
    heading, body = settings.heading1_font, settings.body_font
    specs = {
        TITLE_STYLE: (heading, settings.latin(heading), settings.body_size, "center", True),
        UNIT_STYLE: (body, settings.latin(body), TABLE_SIZE, "right", True),
        HEADER_STYLE: (heading, settings.latin(heading), TABLE_SIZE, "center", False),
        TEXT_STYLE: (body, settings.latin(body), TABLE_SIZE, "left", False),
        PICTURE_STYLE: (body, settings.latin(body), settings.body_size, "center", True),
        CAPTION_STYLE: (heading, settings.latin(heading), settings.body_size, "center", False),
    }
    out = {}
    for name, (face, latin, size, jc, keep) in specs.items():
        if name in have:
            out[name] = have[name]
            continue
        before = 240 if name in (TITLE_STYLE, PICTURE_STYLE) else 0  # air above a table title or a chart
        styles_el.append(_style_xml(name, _IDS[name], face, latin, size, jc, keep_next=keep, before=before))
        out[name] = _IDS[name]
    return out


def paragraph_xml(style_id: str, text: str, jc: str | None = None, *, page_break: bool = False) -> str:
    ppr = (
        f'<w:pStyle w:val="{style_id}"/>'
        + ("<w:pageBreakBefore/>" if page_break else "")
        + (f'<w:jc w:val="{jc}"/>' if jc else "")
    )
    run = f'<w:r><w:t xml:space="preserve">{_text(text)}</w:t></w:r>' if text else ""
    return f"<w:p><w:pPr>{ppr}</w:pPr>{run}</w:p>"


def _header_groups(header: list[list[str]]) -> list[list[dict]]:
    """Per header row: cells as {col, span, text, vmerge} after merging equal neighbours across
    and equal cells downwards."""
    rows: list[list[dict]] = []
    for h, cells in enumerate(header):
        groups: list[dict] = []
        for c, text in enumerate(cells):
            plain = strip_marks(text).strip()
            last = groups[-1] if groups else None
            if last is not None and plain and last["plain"] == plain and len(header) > 1 and h < len(header) - 1:
                last["span"] += 1
                continue
            groups.append({"col": c, "span": 1, "text": text, "plain": plain, "vmerge": None})
        rows.append(groups)
    for h in range(1, len(rows)):
        above = {(g["col"], g["span"]): g for g in rows[h - 1]}
        for g in rows[h]:
            up = above.get((g["col"], g["span"]))
            if up is not None and g["plain"] and up["plain"] == g["plain"]:
                g["vmerge"] = "continue"
                if up["vmerge"] is None:
                    up["vmerge"] = "restart"
    return rows


# Table type one step smaller each time the columns do not fit: 四号, 小四, 五号 (GB/T 9704 sizes).
TABLE_SIZES = (14.0, 12.0, 10.5)
_HEADER_CAP, _TEXT_CAP, _TEXT_MIN = 8.0, 16.0, 4.0  # characters


@dataclass(frozen=True)
class TableFit:
    """How a table is set: column widths (twips), type size (pt), and whether on a landscape page."""

    widths: list[int]
    size: float
    landscape: bool = False
    margin: int = 80  # twips, left and right inside each cell


def _is_number(text: str) -> bool:
    return bool(_NUMERIC.match(text.replace(" ", "")))


def _longest_word(text: str) -> float:
    """The widest piece a header may not be broken inside (its words, jieba's word list)."""
    if not text:
        return 0.0
    edges = sorted(word_edges(text) | {0, len(text)})
    return max(text_width(text[a:b]) for a, b in itertools.pairwise(edges))


def _column_needs(table: TableBlock) -> tuple[list[float], list[float]]:
    """Per column, in characters: the least width (numbers whole, header words whole) and the
    width wanted (header on one line up to 8 characters, text up to 16)."""
    n = table.width
    least, want = [2.0] * n, [2.0] * n
    word_edges_many([strip_marks(text).strip() for cells in table.header for text in cells])  # one pass
    for cells in table.header:
        for c, text in enumerate(cells):
            plain = strip_marks(text).strip()
            # A header breaks only between words, with a character of air (header_lines).
            least[c] = max(least[c], (_longest_word(plain) if len(plain) > 2 else text_width(plain)) + 1.0)
            want[c] = max(want[c], min(text_width(plain), _HEADER_CAP))
    for row in table.rows:
        for c, text in enumerate(row):
            plain = strip_marks(text).strip()
            width = text_width(plain)
            if _is_number(plain) or len(plain) <= 2:
                least[c] = max(least[c], width + 0.5)  # a number never wraps; half a character of air
            else:
                least[c] = max(least[c], min(width, _TEXT_MIN))
            want[c] = max(want[c], min(width + 0.5, _TEXT_CAP))
    return least, [max(a, b) for a, b in zip(least, want, strict=True)]


def _widths_at(
    least: list[float], want: list[float], size: float, total: int, margin: int = _CELL_MARGIN
) -> list[int] | None:
    """Twips per column summing to `total` at type `size`, or None if the least widths do not fit."""
    char = size * 20
    lo = [w * char + 2 * margin for w in least]
    hi = [w * char + 2 * margin for w in want]
    if sum(lo) > total:
        return None
    spare, room = total - sum(lo), sum(hi) - sum(lo)
    if room >= spare:  # between the least and the wanted widths, in proportion to what each wants more
        widths = [a + (b - a) * spare / room if room else a for a, b in zip(lo, hi, strict=True)]
    else:  # everything wanted fits: the rest in proportion to the wanted widths
        widths = [b + b * (spare - room) / sum(hi) for b in hi]
    out = [int(w) for w in widths]
    out[-1] += total - sum(out)
    return out


def fit_table(table: TableBlock, settings: StyleSettings) -> TableFit:
    """Widths from each column's widest content; a wide table takes type one step smaller
    (四号 → 小四 → 五号), then a landscape page (the type area turned: 225 mm wide)."""
    least, want = _column_needs(table)
    # Portrait in 四号, 小四, 五号; then 五号 with narrow cell margins; then the same turned.
    steps = [(size, _CELL_MARGIN) for size in TABLE_SIZES] + [(TABLE_SIZES[-1], _NARROW_MARGIN)]
    for landscape, total in ((False, settings.type_width), (True, settings.type_height)):
        for size, margin in steps:
            widths = _widths_at(least, want, size, total, margin)
            if widths is not None:
                return TableFit(widths, size, landscape, margin)
    # Wider than a landscape page even so: as wanted, squeezed (numbers may wrap).
    char = TABLE_SIZES[-1] * 20
    hi = [w * char + 2 * _NARROW_MARGIN for w in want]
    out = [int(w * settings.type_height / sum(hi)) for w in hi]
    out[-1] += settings.type_height - sum(out)
    return TableFit(out, TABLE_SIZES[-1], True, _NARROW_MARGIN)


def _cell_align(table: TableBlock, registry: FigureRegistry, row: int, column: int, text: str) -> str:
    fixed = table.aligns[column] if table.aligns else None
    if fixed:
        return fixed
    plain = strip_marks(text).strip()
    figures = [registry.occurrences.get(m.group(1)) for m in MARKED.finditer(text)]
    if (figures and all(o is not None and o.filter != "text" for o in figures)) or (
        plain and _NUMERIC.match(plain.replace(" ", ""))
    ):
        return "right"
    if column == 0:
        return "center" if table.is_total(row) else "left"
    return "center"


TABLE_SDT_BASE = 0x2E000000  # content-control ids of table cells (wrap_figures counts from 0x2D000000)


class CellWriter:
    """Cell paragraphs as XML text, each figure already in its content control (tag, alias and
    hidden bookmark as `wrap_figures` writes them), so a 10,000-row table is one parse."""

    def __init__(self, registry: FigureRegistry, bookmark_base: int):
        self.registry = registry
        self.bookmark = bookmark_base
        self.count = 0
        self.size = TABLE_SIZE  # the type size of the table being written

    @property
    def size(self) -> float:
        return self._points

    @size.setter
    def size(self, points: float) -> None:
        self._points = points
        self._size_xml = self._sized(points)

    @staticmethod
    def _sized(points: float) -> str:
        """The run's size where the table took a smaller type than its styles' 四号."""
        if points == TABLE_SIZE:
            return ""
        half_points = round(points * 2)
        return f'<w:sz w:val="{half_points}"/><w:szCs w:val="{half_points}"/>'

    def runs(self, text: str) -> str:
        out, pos = [], 0
        size = self._size_xml
        occurrences, renamed = self.registry.occurrences, self.registry.renamed
        for m in MARKED.finditer(text):
            if m.start() > pos:
                out.append(_run(text[pos : m.start()], size))
            occ_id = renamed.get(m.group(1), m.group(1))  # registry.current_id
            occ = occurrences.get(occ_id)
            if occ is None:
                out.append(_run(m.group(2), size))
            else:
                self.count += 1
                self.bookmark += 1
                highlight = '<w:highlight w:val="yellow"/>' if occ.placeholder else ""
                run_pr = f"<w:rPr>{size}{highlight}</w:rPr>" if highlight or size else ""
                out.append(
                    f'<w:sdt><w:sdtPr>{f"<w:rPr>{highlight}</w:rPr>" if highlight else ""}<w:alias w:val="{_attr(figure_alias(occ.description, occ_id))}"/>'
                    f'<w:tag w:val="{_attr(figure_tag(occ_id, occ.ref))}"/><w:id w:val="{TABLE_SDT_BASE + self.count}"/>'
                    f'</w:sdtPr><w:sdtContent><w:bookmarkStart w:id="{self.bookmark}" '
                    f'w:name="{figure_bookmark(occ_id)}"/><w:r>{run_pr}<w:t xml:space="preserve">{_text(m.group(2))}'
                    f'</w:t></w:r><w:bookmarkEnd w:id="{self.bookmark}"/></w:sdtContent></w:sdt>'
                )
            pos = m.end()
        if pos < len(text):
            out.append(_run(text[pos:], size))
        return "".join(out)

    def content(self, text: str) -> tuple[str, list[tuple[str, int, int]]]:
        """What the paragraph `runs(text)` writes reads as (drafter.review.scan): its text and its
        figures' (id, start, end), without writing it. XML's line ends (a CR read as a LF) and
        the readers' dropped word joiner are applied as reading the written XML applies them."""
        out: list[str] = []
        figures: list[tuple[str, int, int]] = []
        pos = at = 0
        occurrences, renamed = self.registry.occurrences, self.registry.renamed
        for m in MARKED.finditer(text):
            if m.start() > pos:
                at += _read_into(out, text[pos : m.start()])
            occ_id = renamed.get(m.group(1), m.group(1))  # registry.current_id
            start = at
            at += _read_into(out, m.group(2), control=True)
            if occurrences.get(occ_id) is not None:
                if figures and figures[-1][0] == occ_id and figures[-1][2] == start:
                    figures[-1] = (occ_id, figures[-1][1], at)  # as scan joins adjacent controls of one id
                else:
                    figures.append((occ_id, start, at))
            pos = m.end()
        if pos < len(text):
            at += _read_into(out, text[pos:])
        return "".join(out), figures


def _read_into(out: list[str], text: str, *, control: bool = False) -> int:
    """Append `text` as a reader reads it back from the XML `_run` (or a control's one `w:t`)
    writes; its length as read."""
    if WORD_JOINER in text:
        text = text.replace(WORD_JOINER, "")
    if "\r" in text:  # XML reads a CR LF as LF, a lone CR as LF; `_run` puts each LF outside its w:t
        text = text.replace("\r\n", "\n").replace("\r", "\n") if control else text.replace("\r", "\n")
    out.append(text)
    return len(text)


def _run(text: str, size: str = "") -> str:
    """A run of `text`; a newline in it (a header broken between words) as a line break."""
    run_pr = f"<w:rPr>{size}</w:rPr>" if size else ""
    body = "<w:br/>".join(f'<w:t xml:space="preserve">{_text(line)}</w:t>' for line in text.split("\n"))
    return f"<w:r>{run_pr}{body}</w:r>" if text else ""


def header_lines(text: str, room: float) -> str:
    """A header too wide for its column (`room` characters) broken between words into the
    fewest lines, as even as may be; the lines joined by newlines."""
    if text_width(text) <= room or MARKED.search(text) or "\n" in text:
        return text
    edges = sorted(word_edges(text) - {0, len(text)})
    for count in range(1, min(3, len(edges)) + 1):
        fitting = []
        for cuts in itertools.combinations(edges, count):
            bounds = (0, *cuts, len(text))
            widest = max(text_width(text[a:b]) for a, b in itertools.pairwise(bounds))
            if widest <= room:
                fitting.append((widest, bounds))
        if fitting:
            bounds = min(fitting)[1]
            break
    else:
        return text
    return "\n".join(text[a:b] for a, b in itertools.pairwise(bounds))


def _tc(
    cells: CellWriter, width: int, style_id: str, text: str, jc: str, span: int = 1, vmerge: str | None = None
) -> str:
    pr = f'<w:tcW w:w="{width}" w:type="dxa"/>'
    if span > 1:
        pr += f'<w:gridSpan w:val="{span}"/>'
    if vmerge == "restart":
        pr += '<w:vMerge w:val="restart"/>'
    elif vmerge == "continue":
        pr += "<w:vMerge/>"
    pr += '<w:vAlign w:val="center"/>'
    body = "" if vmerge == "continue" else cells.runs(text)
    return (
        f'<w:tc><w:tcPr>{pr}</w:tcPr><w:p><w:pPr><w:pStyle w:val="{style_id}"/><w:jc w:val="{jc}"/></w:pPr>'
        f"{body}</w:p></w:tc>"
    )


def table_xml(
    table: TableBlock,
    registry: FigureRegistry,
    styles: dict[str, str],
    settings: StyleSettings,
    cells: CellWriter,
    fit: TableFit | None = None,
) -> str:
    """The `w:tbl` of a table, as one string."""
    return "".join(table_xml_chunks(table, registry, styles, settings, cells, fit))


def table_xml_chunks(
    table: TableBlock,
    registry: FigureRegistry,
    styles: dict[str, str],
    settings: StyleSettings,
    cells: CellWriter,
    fit: TableFit | None = None,
) -> Iterator[str]:
    """The `w:tbl` of a table as XML text, a row at a time (fed to one parser: a 10,000-row
    table stays fast, and its text is never held whole)."""
    fit = fit or fit_table(table, settings)
    widths, total = fit.widths, sum(fit.widths)
    cells.size = fit.size
    borders = "".join(_BORDER.format(side) for side in ("top", "left", "bottom", "right", "insideH", "insideV"))
    yield (
        f'<w:tbl {nsdecls("w")}><w:tblPr><w:tblW w:w="{total}" w:type="dxa"/><w:jc w:val="center"/>'
        f'<w:tblBorders>{borders}</w:tblBorders><w:tblLayout w:type="fixed"/>'
        f'<w:tblCellMar><w:left w:w="{fit.margin}" w:type="dxa"/><w:right w:w="{fit.margin}" w:type="dxa"/>'
        f'</w:tblCellMar><w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" w:firstColumn="1" w:lastColumn="0" '
        f'w:noHBand="0" w:noVBand="1"/></w:tblPr><w:tblGrid>'
        + "".join(f'<w:gridCol w:w="{w}"/>' for w in widths)
        + "</w:tblGrid>"
    )
    header_style, text_style = styles[HEADER_STYLE], styles[TEXT_STYLE]
    for groups in _header_groups(table.header):
        parts = [f"<w:tr><w:trPr><w:cantSplit/>{_ROW_HEIGHT}<w:tblHeader/></w:trPr>"]
        for g in groups:
            width = sum(widths[g["col"] : g["col"] + g["span"]])
            room = (width - 2 * fit.margin) / (fit.size * 20) - 1.0  # a character of air: renderers differ
            text = header_lines(g["text"], room)
            parts.append(_tc(cells, width, header_style, text, "center", g["span"], g["vmerge"]))
        parts.append("</w:tr>")
        yield "".join(parts)
    row_start = f"<w:tr><w:trPr><w:cantSplit/>{_ROW_HEIGHT}</w:trPr>"
    for r, row in enumerate(table.rows):
        parts = [row_start]
        for c, text in enumerate(row):
            parts.append(_tc(cells, widths[c], text_style, text, _cell_align(table, registry, r, c, text)))
        parts.append("</w:tr>")
        yield "".join(parts)
    yield "</w:tbl>"


@dataclass
class TableCells:
    """A table of a draft that is only compared with another (check), as its cells read: per
    row, per cell its grid column, text and figures (id, start, end), as `table_xml` would
    write them; the first `header_rows` rows are its repeated header."""

    header_rows: int
    rows: list[list[tuple[int, str, list[tuple[str, int, int]]]]]


def table_cells(table: TableBlock, settings: StyleSettings, cells: CellWriter, fit: TableFit) -> TableCells:
    """What `table_xml_chunks` writes for `table`, as it reads back (CellWriter.content)."""
    rows: list[list[tuple[int, str, list[tuple[str, int, int]]]]] = []
    for groups in _header_groups(table.header):
        row = []
        for g in groups:
            width = sum(fit.widths[g["col"] : g["col"] + g["span"]])
            room = (width - 2 * fit.margin) / (fit.size * 20) - 1.0  # as table_xml_chunks breaks it
            text = "" if g["vmerge"] == "continue" else header_lines(g["text"], room)
            row.append((g["col"], *cells.content(text)))
        rows.append(row)
    header_rows = len(rows)
    content = cells.content
    for cells_text in table.rows:
        row = []
        for c, text in enumerate(cells_text):
            shown, figures = content(text)
            row.append((c, shown, figures))
        rows.append(row)
    return TableCells(header_rows, rows)


def _parsed(chunks: Iterable[str]) -> etree._Element:
    """One element from XML text given in pieces, parsed as python-docx parses a part
    (its element classes), a few hundred rows at a time."""
    from docx.oxml.parser import element_class_lookup

    parser = etree.XMLParser(remove_blank_text=True, resolve_entities=False)
    parser.set_element_class_lookup(element_class_lookup)
    for batch in _batches(chunks, 256):
        parser.feed("".join(batch).encode("utf-8"))
    return parser.close()


def _batches(items: Iterable[str], size: int) -> Iterator[list[str]]:
    batch: list[str] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


TABLE_PLACEHOLDER = "\ue012drafter-table\ue013"


def table_heading(table: TableBlock, styles: dict[str, str]) -> list[etree._Element]:
    """The title line and the unit line (if any) of a table."""
    out = [
        parse_xml(f"<w:p {nsdecls('w')}>" + paragraph_xml(styles[TITLE_STYLE], f"{table.label}\u3000{table.title}")[5:])
    ]
    if table.unit:
        out.append(parse_xml(f"<w:p {nsdecls('w')}>" + paragraph_xml(styles[UNIT_STYLE], f"单位：{table.unit}")[5:]))
    return out


def table_placeholder(table: TableBlock) -> etree._Element:
    """A paragraph standing where the table goes, holding the table's figure marks in reading
    order, so that figures are numbered in the order of the draft before the table is built."""
    marks = "".join(m.group() for row in (*table.header, *table.rows) for cell in row for m in MARKED.finditer(cell))
    return parse_xml(
        f'<w:p {nsdecls("w")}><w:r><w:t xml:space="preserve">{_text(TABLE_PLACEHOLDER + marks)}</w:t></w:r></w:p>'
    )


def build_tables(
    pending: list[tuple[etree._Element, TableBlock]],
    registry: FigureRegistry,
    styles: dict[str, str],
    settings: StyleSettings,
    body: etree._Element,
    *,
    as_text: XmlPart | None = None,
    as_cells: dict[str, TableCells] | None = None,
) -> None:
    """Replace each placeholder by its table (run after the figures were numbered).

    With `as_text` (the document's part, of a draft that is only saved), each table stays XML
    text, written into `word/document.xml` in place of a stand-in paragraph as the part is
    saved: a 10,000-row table is never a tree of a million XML nodes (200 MiB), parsed,
    walked and serialised again. With `as_cells` (a draft only compared with another: check),
    each table is put there as its cells read (TableCells), under the text of its stand-in
    paragraph, and never written."""
    if not pending:
        return
    ids = [int(b.get(qn("w:id"))) for b in body.iter(qn("w:bookmarkStart")) if (b.get(qn("w:id")) or "").isdigit()]
    cells = CellWriter(registry, max(ids, default=0) + 1_000_000)
    texts: dict[bytes, bytes] = {}
    for placeholder, table in pending:
        fit = fit_table(table, settings)
        if as_cells is not None:
            token = stand_in_text(len(as_cells))
            as_cells[token] = table_cells(table, settings, cells, fit)
            tbl = _stand_in(token, cells.bookmark)[0]
            placeholder.addprevious(tbl)
            placeholder.getparent().remove(placeholder)
            if fit.landscape:
                _turn_to_landscape(tbl, body)
            continue
        chunks = table_xml_chunks(table, registry, styles, settings, cells, fit)
        if as_text is None:
            tbl = _parsed(chunks)
        else:
            # The document declares `w:` already: the table's own declaration is left out.
            head = next(chunks).replace(f" {nsdecls('w')}", "", 1)
            xml = b"".join([head.encode("utf-8"), *(chunk.encode("utf-8") for chunk in chunks)])
            tbl, stand_in = _stand_in(stand_in_text(len(texts)), cells.bookmark)
            texts[stand_in] = xml
        placeholder.addprevious(tbl)
        placeholder.getparent().remove(placeholder)
        if fit.landscape:
            _turn_to_landscape(tbl, body)
    if as_text is not None:
        _write_as_text(as_text, texts)


def stand_in_text(n: int) -> str:
    """The text of the paragraph standing for the n-th table kept out of the tree. Letters
    only: no digit for nobreak to join."""
    return "\ue014drafter-table-" + "".join(chr(ord("a") + int(d)) for d in str(n)) + "\ue015"


def _stand_in(token: str, bookmark: int) -> tuple[etree._Element, bytes]:
    """The paragraph standing for a table kept as text (its `stand_in_text`), and its XML as
    python-docx saves it. Its bookmark id is the table's last, so that figures wrapped later
    take the ids after it, as they do after a table in the tree."""
    inner = f'<w:r><w:t>{token}</w:t></w:r><w:bookmarkStart w:id="{bookmark}" w:name="_drafter_table"/>'
    return parse_xml(f"<w:p {nsdecls('w')}>{inner}</w:p>"), f"<w:p>{inner}</w:p>".encode()


class _PartWithTables:
    """A document part whose XML, as saved, has its tables written in place of their stand-ins."""

    _drafter_tables: dict[bytes, bytes]

    @property
    def blob(self) -> bytes:
        xml = super().blob  # type: ignore[misc]
        pieces, pos = [], 0
        for stand_in, table in self._drafter_tables.items():
            at = xml.find(stand_in, pos)
            if at < 0 or xml.find(stand_in, at + 1) >= 0:
                raise RuntimeError("a long table's place in the draft was lost before saving")
            pieces += [xml[pos:at], table]
            pos = at + len(stand_in)
        pieces.append(xml[pos:])
        return b"".join(pieces)


def _write_as_text(part: XmlPart, texts: dict[bytes, bytes]) -> None:
    """Give `part` (this draft's own document part) the tables to write as it is saved."""
    base = type(part)
    part.__class__ = type(base.__name__, (_PartWithTables, base), {})
    part._drafter_tables = texts  # type: ignore[attr-defined]


def _section_break(sect: etree._Element, *, landscape: bool) -> etree._Element:
    """An empty paragraph ending a section like `sect` (the body's), turned if `landscape`: the
    type area keeps its 156 × 225 mm, its long side across."""
    sect = copy.deepcopy(sect)
    for el in sect.findall(qn("w:type")):
        sect.remove(el)
    kind = etree.Element(qn("w:type"))
    kind.set(qn("w:val"), "nextPage")
    refs = len(sect.findall(qn("w:headerReference"))) + len(sect.findall(qn("w:footerReference")))
    sect.insert(refs, kind)
    if landscape:
        size, margins = sect.find(qn("w:pgSz")), sect.find(qn("w:pgMar"))
        w, h = size.get(qn("w:w")), size.get(qn("w:h"))
        size.set(qn("w:w"), h)
        size.set(qn("w:h"), w)
        size.set(qn("w:orient"), "landscape")
        top, right, bottom, left = (margins.get(qn(f"w:{k}")) for k in ("top", "right", "bottom", "left"))
        # Turned a quarter: the page's top edge was its left (订口), its left its bottom edge.
        margins.set(qn("w:top"), left)
        margins.set(qn("w:right"), top)
        margins.set(qn("w:bottom"), right)
        margins.set(qn("w:left"), bottom)
    p = etree.Element(qn("w:p"))
    ppr = etree.SubElement(p, qn("w:pPr"))
    ppr.append(sect)
    return p


def _turn_to_landscape(tbl: etree._Element, body: etree._Element) -> None:
    """Set `tbl` with its title and unit lines on landscape pages of a section of their own."""
    sect = body.find(qn("w:sectPr"))
    if sect is None:
        return
    first = tbl
    while (
        (prev := first.getprevious()) is not None
        and prev.tag == qn("w:p")
        and _style_of(prev)
        in (
            _IDS[TITLE_STYLE],
            _IDS[UNIT_STYLE],
        )
    ):
        first = prev
    first.addprevious(_section_break(sect, landscape=False))
    tbl.addnext(_section_break(sect, landscape=True))


def _style_of(p: etree._Element) -> str | None:
    style = p.find(f"{qn('w:pPr')}/{qn('w:pStyle')}")
    return None if style is None else style.get(qn("w:val"))


def is_table_title(p: etree._Element) -> bool:
    ppr = p.find(qn("w:pPr"))
    style = ppr.find(qn("w:pStyle")) if ppr is not None else None
    return style is not None and style.get(qn("w:val")) == _IDS[TITLE_STYLE]
