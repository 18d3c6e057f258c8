"""`check` for tables and charts: where a figure stands in a table, rows added or deleted by
hand, tables and charts whose query now returns other rows.

A draft's tables are read from its `w:tbl` elements: every cell paragraph knows its table
(in the order of the draft), row and column. Tables drafter wrote are recorded in the
manifest (`tables`: number, title, columns, and per row its key, cell texts and figure
ids), and so are charts (`charts`: their rows).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from docx.oxml.ns import qn
from lxml import etree

from drafter.review.scan import FigureSpan, ScannedParagraph, scan_paragraph
from drafter.text.sections import WHOLE_PARAGRAPH
from drafter.word.manifest import Manifest
from drafter.word.tables import TableCells

_TBL, _TR, _TC, _P = qn("w:tbl"), qn("w:tr"), qn("w:tc"), qn("w:p")
_TR_PR, _TBL_HEADER, _GRID_SPAN, _VAL = qn("w:trPr"), qn("w:tblHeader"), qn("w:gridSpan"), qn("w:val")
_TC_PR = qn("w:tcPr")


@dataclass(frozen=True, slots=True)  # one a cell of a long table
class CellPosition:
    table: int  # 0-based, in the order of the draft
    row: int  # 0-based among all rows of the table
    column: int  # 0-based grid column
    header: bool  # a repeated header row


@dataclass
class TableFinding:
    """A finding about a whole row or table (or a chart)."""

    status: str
    table: str  # 表1 / 图1
    title: str
    text: str  # what is wrong, one line
    note: str = ""
    part: str = ""
    paragraph: int | None = None
    span: tuple[int, int] | None = None
    finding: bool = True

    @property
    def label(self) -> str:
        return self.text

    @property
    def sentence(self) -> str:
        return f"{self.table}　{self.title}" if self.title else self.table


@dataclass
class DraftTable:
    """One `w:tbl` of a draft: per row, the scanned paragraphs of each cell."""

    index: int
    element: etree._Element
    rows: list[list[list[ScannedParagraph]]] = field(default_factory=list)
    header_rows: set[int] = field(default_factory=set)
    columns: list[list[int]] = field(default_factory=list)  # a table read from its cells: each cell's grid column

    def row_text(self, r: int, c: int) -> str:
        cells = self.rows[r]
        return "".join(p.text for p in cells[c]).strip() if c < len(cells) else ""

    def row_figures(self, r: int) -> list[str]:
        return [span.id for cell in self.rows[r] for p in cell for span in p.figures]

    def body_rows(self) -> list[int]:
        return [r for r in range(len(self.rows)) if r not in self.header_rows]


def scan_with_cells(
    body: etree._Element, table_cells: dict[str, TableCells]
) -> tuple[list[ScannedParagraph], dict[int, DraftTable]]:
    """The paragraphs of a draft rendered only to be compared (check), as `scan_document` reads
    them: a table kept as its cells (drafter.pipeline.render.Draft.table_cells) is read in the
    place of the paragraph standing for it, a paragraph a cell, as its `w:tbl` would read. Also
    those tables, by the id of their stand-in paragraph (for `draft_tables`); their paragraphs'
    `element` is that stand-in, which they keep alive."""
    paragraphs: list[ScannedParagraph] = []
    kept: dict[int, DraftTable] = {}
    for p in body.iter(_P):
        scanned = scan_paragraph(p, len(paragraphs))
        cells = table_cells.get(scanned.text) if table_cells else None
        if cells is None:
            paragraphs.append(scanned)
            continue
        table = DraftTable(-1, p, header_rows=set(range(cells.header_rows)))
        for row in cells.rows:
            read: list[list[ScannedParagraph]] = []
            for _, text, figures in row:
                cell = ScannedParagraph(len(paragraphs), p, text, [FigureSpan(i, a, b, []) for i, a, b in figures])
                paragraphs.append(cell)
                read.append([cell])
            table.rows.append(read)
            table.columns.append([column for column, _, _ in row])
        kept[id(p)] = table
    return paragraphs, kept


def draft_tables(
    paragraphs: list[ScannedParagraph], body: etree._Element, kept: dict[int, DraftTable] | None = None
) -> tuple[list[DraftTable], dict[int, CellPosition]]:
    """The tables of a scanned draft and the cell position of every paragraph in one; `kept`:
    the tables of a draft kept as cells, by their stand-in paragraph (`scan_with_cells`)."""
    by_element = {id(p.element): p for p in paragraphs}
    tables: list[DraftTable] = []
    positions: dict[int, CellPosition] = {}
    for tbl in body.iter(_TBL, _P) if kept else body.iter(_TBL):
        t = len(tables)
        if tbl.tag == _P:
            if (table := kept.get(id(tbl))) is not None:  # type: ignore[union-attr]
                table.index = t
                for r, (row, columns) in enumerate(zip(table.rows, table.columns, strict=True)):
                    for cell, column in zip(row, columns, strict=True):
                        for p in cell:
                            positions.setdefault(p.index, CellPosition(t, r, column, r in table.header_rows))
                tables.append(table)
            continue
        table = DraftTable(t, tbl)
        if _read_plain_table(table, by_element, positions):
            tables.append(table)
            continue
        # A cell's grid span is looked for only in a table that has one (a cell's properties
        # are two lookups more, for each of a long table's 40,000 cells).
        spans = next(tbl.iter(_GRID_SPAN), None) is not None
        for r, tr in enumerate(tbl.iterchildren(_TR)):
            pr = tr.find(_TR_PR)
            header = pr is not None and pr.find(_TBL_HEADER) is not None
            if header:
                table.header_rows.add(r)
            table.rows.append(_row_cells(tr, t, r, header, by_element, positions, spans))
        tables.append(table)
    return tables, positions


def _read_plain_table(
    table: DraftTable, by_element: dict[int, ScannedParagraph], positions: dict[int, CellPosition]
) -> bool:
    """Read `table` as `draft_tables` reads a table, in one pass over its rows, cells and
    paragraphs, when it is plain: no table inside, every row its own child, every cell its row's
    child, every paragraph its cell's, at most one grid span a cell (a long table drafter
    wrote). False, and nothing read, for any other table."""
    rows = _plain_rows(table.element, by_element)
    if rows is None:
        return False
    t = table.index
    for r, (header, row) in enumerate(rows):
        if header:
            table.header_rows.add(r)
        for column, ps in row:
            if ps:
                position = CellPosition(t, r, column, header)
                for p in ps:
                    if p.index not in positions:
                        positions[p.index] = position
        table.rows.append([ps for _, ps in row])
    return True


def _plain_rows(
    tbl: etree._Element, by_element: dict[int, ScannedParagraph]
) -> list[tuple[bool, list[tuple[int, list[ScannedParagraph]]]]] | None:
    """Per row of a plain table (`_read_plain_table`): whether a header row, and its cells'
    grid columns and scanned paragraphs; None for a table that is not plain."""
    rows: list[tuple[bool, list[tuple[int, list[ScannedParagraph]]]]] = []
    tr = tc = None
    cells: list[tuple[int, list[ScannedParagraph]]] = []
    ps: list[ScannedParagraph] = []
    column = 0
    spanned: set[int] = set()
    for el in tbl.iter(_TBL, _TR, _TC, _P, _TBL_HEADER, _GRID_SPAN):
        tag = el.tag
        if tag == _P:
            if tc is None or el.getparent() is not tc:
                return None
            if (found := by_element.get(id(el))) is not None:
                ps.append(found)
        elif tag == _TC:
            if tr is None or el.getparent() is not tr:
                return None
            tc, ps = el, []
            cells.append((column, ps))
            column += 1
        elif tag == _TR:
            if el.getparent() is not tbl:
                return None
            tr, tc, cells, column = el, None, [], 0
            rows.append((False, cells))
        elif tag == _GRID_SPAN:
            if tc is None or id(tc) in spanned or not _first_property(el, _TC_PR, tc):
                return None
            spanned.add(id(tc))
            value = el.get(_VAL) or ""
            column += int(value) - 1 if value.isdigit() else 0
        elif tag == _TBL_HEADER:
            if tr is None or tc is not None or not _first_property(el, _TR_PR, tr):
                return None
            rows[-1] = (True, cells)
        elif el is not tbl:  # a table inside
            return None
    return rows


def _first_property(el: etree._Element, properties: str, owner: etree._Element) -> bool:
    """Whether `el` stands right in `owner`'s first properties element (`w:tcPr`, `w:trPr`),
    where `find` looks for it."""
    pr = el.getparent()
    return pr is not None and pr.tag == properties and pr.getparent() is owner and owner.find(properties) is pr


def _row_cells(
    tr: etree._Element,
    t: int,
    r: int,
    header: bool,
    by_element: dict[int, ScannedParagraph],
    positions: dict[int, CellPosition],
    spans: bool = True,
) -> list[list[ScannedParagraph]]:
    """The scanned paragraphs of each cell of row `tr` (row `r` of table `t`), their positions
    noted in `positions`; `spans`: whether a cell of its table may span grid columns."""
    cells: list[list[ScannedParagraph]] = []
    column = 0
    for tc in tr.iterchildren(_TC):
        ps = [found for p in tc.iter(_P) if (found := by_element.get(id(p))) is not None]
        if ps:
            position = CellPosition(t, r, column, header)
            for p in ps:
                if p.index not in positions:
                    positions[p.index] = position
        cells.append(ps)
        if not spans:
            column += 1
            continue
        tc_pr = tc.find(_TC_PR)
        span = tc_pr.find(_GRID_SPAN) if tc_pr is not None else None
        column += int(span.get(_VAL, "1")) if span is not None and (span.get(_VAL) or "").isdigit() else 1
    return cells


def located_label(tables: list[DraftTable], pos: CellPosition, known: dict[int, tuple[int, list[str]]]) -> str:
    """`表3 第1行（事故调查）“其中重大案件”` in a table drafter recorded (`known`: draft table index →
    (number, column labels)), else the table's place in the draft (`structural_label`)."""
    if pos.table not in known or pos.header:
        return structural_label(tables, pos)
    number, columns = known[pos.table]
    table = tables[pos.table]
    body = table.body_rows()
    row = body.index(pos.row) + 1 if pos.row in body else pos.row + 1
    key = table.row_text(pos.row, 0)
    column = columns[pos.column] if pos.column < len(columns) else f"第{pos.column + 1}列"
    return f"表{number} 第{row}行" + (f"（{key}）" if key else "") + f"“{column}”"


def structural_label(tables: list[DraftTable], pos: CellPosition) -> str:
    """`第2个表格 第3行 第2列“家次”` for a cell of a table drafter did not record (the Word master's)."""
    table = tables[pos.table]
    headers = sorted(table.header_rows) or [0]  # no repeated header row: the first row is the header
    head = table.row_text(headers[-1], pos.column) if headers[-1] < len(table.rows) else ""
    body = [r for r in range(len(table.rows)) if r not in headers]
    row = body.index(pos.row) + 1 if pos.row in body else pos.row + 1
    return f"第{pos.table + 1}个表格 第{row}行 第{pos.column + 1}列" + (f"“{head}”" if head else "")


def align_cells(
    drafted: tuple[list[DraftTable], dict[int, CellPosition]], fresh: tuple[list[DraftTable], dict[int, CellPosition]]
) -> tuple[dict[int, int], set[int], set[int]]:
    """Fresh paragraph → draft paragraph for cell paragraphs: tables paired in order, rows by
    their first cell's text where it is unique (else by place), columns by place. Also the
    indexes of all cell paragraphs of each side, which the paragraph alignment leaves out.
    `drafted` and `fresh` are what `draft_tables` gives for each side."""
    (d_tables, d_pos), (f_tables, f_pos) = drafted, fresh
    pairs: dict[int, int] = {}
    for dt, ft in zip(d_tables, f_tables):
        d_keys = _row_keys(dt)
        d_by_key = {k: r for r, k in d_keys.items()}
        f_keys = _row_keys(ft)
        for fr in range(len(ft.rows)):
            key = f_keys.get(fr)
            dr = d_by_key.get(key) if key is not None else None
            if (
                dr is None
                and fr < len(dt.rows)
                and (fr in ft.header_rows) == (fr in dt.header_rows)
                and d_keys.get(fr) is None
            ):
                dr = fr
            if dr is None:
                continue
            for c, cell in enumerate(ft.rows[fr]):
                if c < len(dt.rows[dr]):
                    for fp, dp in zip(cell, dt.rows[dr][c]):
                        pairs[fp.index] = dp.index
    return pairs, set(d_pos), set(f_pos)


def _row_keys(table: DraftTable) -> dict[int, str]:
    """Row → its first cell's text, for rows whose first cell text is unique in the table."""
    keys: dict[int, str] = {}
    seen: dict[str, int] = {}
    for r in range(len(table.rows)):
        key = table.row_text(r, 0)
        if not key:
            continue
        seen[key] = seen.get(key, 0) + 1
        keys[r] = key
    return {r: k for r, k in keys.items() if seen[k] == 1}


# --------------------------------------------------------------------------- findings


def table_findings(
    manifest: Manifest | None,
    fresh_registry,
    d_tables: list[DraftTable],
    statuses: dict[str, str],
    known: dict[int, tuple[int, list[str]]] | None = None,
) -> tuple[list[TableFinding], set[str], set[int]]:
    """Row and table findings; the ids of figures whose whole row was deleted (each of them is
    covered by the row's finding); the draft paragraphs of rows added by hand. `known` is
    filled with draft table index → (table number, column labels) of the tables found."""
    known = {} if known is None else known
    if not manifest or not manifest.tables:
        return [], set(), set()
    stale, removed, edited = statuses["stale"], statuses["removed"], statuses["edited"]
    out: list[TableFinding] = []
    covered: set[str] = set()
    added_paragraphs: set[int] = set()
    fresh_tables = {t.number: t for t in getattr(fresh_registry, "tables", [])}
    for entry in manifest.tables:
        number, title, part = entry.number, entry.title, entry.part
        label = f"表{number}"
        rows = entry.rows
        ids = {i for row in rows for i in row.figures}
        # The draft's table: the one holding most of this table's figures.
        best, best_count = None, 0
        for dt in d_tables:
            count = sum(1 for r in dt.body_rows() for i in dt.row_figures(r) if i in ids) if ids else 0
            if count > best_count:
                best, best_count = dt, count
        anchor = _first_paragraph(best) if best is not None else None
        if best is None and ids:
            out.append(TableFinding(removed, label, title, f"{label} 已不在草稿中（整个表格被删除）", part=part))
            covered |= ids
        elif best is not None:
            known[best.index] = (number, list(entry.columns))
            present: dict[str, int] = {}
            body_rows = best.body_rows()
            for position, r in enumerate(body_rows, 1):
                figures = best.row_figures(r)
                mine = [i for i in figures if i in ids]
                text = "".join(best.row_text(r, c) for c in range(len(best.rows[r])))
                copied = mine and all(present.get(i) is not None for i in mine)
                if (not mine or copied) and text:
                    key = best.row_text(r, 0)
                    note = (
                        "这一行不来自查询，是手工加入的"
                        + ("（复制了另一行的数字）" if copied else "")
                        + "；核实其数字的出处，或在模板/查询中加上这一行后重新生成。"
                    )
                    first = next((p for cell in best.rows[r] for p in cell), None)
                    out.append(
                        TableFinding(
                            edited,
                            label,
                            title,
                            f"{label} 新增第{position}行" + (f"（{key}）" if key else ""),
                            note=note,
                            part=part,
                            paragraph=first.index if first else None,
                        )
                    )
                    added_paragraphs |= {p.index for cell in best.rows[r] for p in cell}
                for i in mine:
                    present.setdefault(i, r)
            for n, row in enumerate(rows, 1):
                figures = row.figures
                if figures and not any(i in present for i in figures):
                    key = row.key
                    out.append(
                        TableFinding(
                            removed,
                            label,
                            title,
                            f"{label} 第{n}行" + (f"（{key}）" if key else "") + " 已删除",
                            note=f"生成时这一行是：{' | '.join(row.cells)}。确认是有意删去。",
                            part=part,
                            paragraph=anchor,
                        )
                    )
                    covered |= set(figures)
        fresh = fresh_tables.get(number)
        failed = _failed_rows(fresh) if fresh is not None else None
        fresh_keys = [fresh.key(i) for i in range(len(fresh.rows))] if fresh is not None else []
        if failed is not None and _row_difference([r.key for r in rows], fresh_keys):
            # The rows' query fails now: the table cannot be compared, which is not a change of data.
            note = f"这张表的行现在查不出来：{failed}。查询能正常运行（数据库可连接、数据或 SQL 已修正）后再核对。"
            out.append(
                TableFinding(
                    statuses.get("unchecked", stale),
                    label,
                    title,
                    f"{label} 的行无法核对",
                    note=note,
                    part=part,
                    paragraph=anchor,
                )
            )
        elif fresh is not None:
            note = _row_difference([r.key for r in rows], fresh_keys)
            if note:
                out.append(
                    TableFinding(
                        stale, label, title, f"{label} 的行与当前数据不同", note=note, part=part, paragraph=anchor
                    )
                )
    return out, covered, added_paragraphs


def _failed_rows(fresh) -> str | None:
    """The placeholder (with its reason) standing for rows of a fresh table that a failed query
    could not give (text.blocks.TableParser.placeholder_row), or None."""
    for _, occ in getattr(fresh, "failed_rows", []):
        if occ is not None:
            reason = (occ.reason or "").replace(f"；{WHOLE_PARAGRAPH}", "")  # build's wording, not check's
            return occ.text + (f"（{reason}）" if reason else "")
    return None


def _first_paragraph(table: DraftTable) -> int | None:
    for row in table.rows:
        for cell in row:
            for p in cell:
                return p.index
    return None


def _row_difference(built: list[str], current: list[str]) -> str:
    """`当前数据多出“A”“B”；不再有“C”`, or '' when the rows are the same keys in the same order."""
    if built == current:
        return ""
    more = [k for k in current if k not in built]
    fewer = [k for k in built if k not in current]
    parts = []
    if more:
        parts.append("当前数据多出" + "".join(f"“{k}”" for k in more[:10]) + (" 等" if len(more) > 10 else ""))
    if fewer:
        parts.append("不再有" + "".join(f"“{k}”" for k in fewer[:10]) + (" 等" if len(fewer) > 10 else ""))
    if not parts:
        parts.append(f"行的顺序变了：现在依次为{'、'.join(current[:10])}" + (" 等" if len(current) > 10 else ""))
    return "；".join(parts) + f"（生成时 {len(built)} 行，当前 {len(current)} 行）。重新生成草稿可更新此表。"


def chart_findings(manifest: Manifest | None, fresh_registry, document, stale: str, removed: str) -> list[TableFinding]:
    """A chart whose rows changed since the draft was built (数据已变化), or whose picture is gone."""
    if not manifest or not manifest.charts:
        return []
    fresh = {c.number: c for c in getattr(fresh_registry, "charts", []) if c.number}
    names = {el.get("name") for el in document.element.body.iter(qn("wp:docPr"))}
    out = []
    for entry in manifest.charts:
        number, title = entry.number, entry.title
        label = f"图{number}"
        if f"drafter:chart{number}" not in names and entry.rows:
            out.append(TableFinding(removed, label, title, f"{label} 已不在草稿中", note="图表图片已被删除。"))
        current = fresh.get(number)
        if current is None:
            continue
        built_rows = [list(r) for r in entry.rows]
        now_rows = current.manifest()["rows"]
        if built_rows != now_rows:
            built = {str(r[0]): r[1:] for r in built_rows}
            now = {str(r[0]): r[1:] for r in now_rows}
            changed = [k for k in now if k in built and built[k] != now[k]]
            note = _row_difference(list(built), list(now)) or ""
            if changed:
                detail = "；".join(
                    f"“{k}” {'/'.join(map(str, built[k]))}→{'/'.join(map(str, now[k]))}" for k in changed[:10]
                )
                note = (note + " " if note else "") + f"数值不同：{detail}。"
            out.append(
                TableFinding(
                    stale, label, title, f"{label} 的数据与当前数据不同", note=note.strip() + "重新生成草稿可更新此图。"
                )
            )
    return out
