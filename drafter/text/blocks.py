"""Tables and charts in section templates: the blocks a section holds besides paragraphs.

A table is written where it belongs in the text, one line a row::

    表：{{ year }}年各街镇执法检查情况
    单位：家次
    | 街镇 | 检查家次 | 发现隐患 |
    |:---|---:|---:|
    {% for r in inspections_by_town %}
    | {{ r.town }} | {{ r.checks }} | {{ r.hazards }} |
    {% endfor %}
    | 合计 | {{ inspections_total.checks }} | {{ inspections_total.hazards }} |

`表：` starts a table (numbered 表1, 表2, … in the order of the draft), an optional `单位：`
line follows, then lines starting with `|`. The lines before a separator line (`|---|---|`,
which may set a column's alignment as `:---` left, `---:` right, `:---:` centred) are the
header; without one, the first line is. In a header of two lines, equal neighbouring cells
of the upper line merge across, and a cell equal to the one above it merges down. A row
whose first cell is 合计 (or 总计, 小计) is a totals row.

Every source line that makes table rows carries an invisible mark of its line number
through Jinja, so a row with the wrong number of cells is reported at its template line,
and a loop written on one line (`{% for r in q %}| … |{% endfor %}`) still gives one row
an iteration.

A chart is a line holding only `{{ chart(…) }}` (see `drafter.text.charts`): it renders as a
marker that becomes a `ChartBlock` here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from drafter.data.figures import MARKED, FigureRegistry, Occurrence, marked_ids, strip_marks
from drafter.errors import TemplateError, numbered_context

if TYPE_CHECKING:
    from drafter.text.chartspec import ChartSpec

LINE_OPEN = "\ue020"  # followed by the template line number, then LINE_CLOSE
LINE_CLOSE = "\ue021"
CHART_OPEN = "\ue022"  # followed by the chart's index in the registry, then CHART_CLOSE
CHART_CLOSE = "\ue023"
_OWN_MARKS = re.compile("[\ue020-\ue023]")
_LINE_MARK = re.compile(f"{LINE_OPEN}(\\d+){LINE_CLOSE}")
_CHART_MARK = re.compile(f"{CHART_OPEN}(\\d+){CHART_CLOSE}")

TABLE_TITLE = re.compile(r"^表\s*[：:]\s*")
TABLE_UNIT = re.compile(r"^单位\s*[：:]\s*")
_SEPARATOR_CELL = re.compile(r"^:?-+:?$")
TOTAL_KEYS = ("合计", "总计", "小计")
# A leading run of Jinja statements / comments, after which a `|` starts a table row.
_LEADING_TAGS = re.compile(r"^(\s*(?:\{%.*?%\}|\{#.*?#\}|\s)*)")


_DELIMS = re.compile(r"\{\{|\}\}|\{%|%\}|\{#|#\}")
_CLOSE_OF = {"{{": "}}", "{%": "%}", "{#": "#}"}


def _inside_tag_at_line_starts(source: str) -> list[bool]:
    """For each line of `source`: does it start inside a `{{ }}`, `{% %}` or `{# #}` tag?"""
    starts, opened, pos = [], None, 0
    for line in source.splitlines(keepends=True):
        starts.append(opened is not None)
        for m in _DELIMS.finditer(line):
            token = m.group()
            if opened is None and token in _CLOSE_OF:
                opened = token
            elif opened is not None and token == _CLOSE_OF[opened]:
                opened = None
        pos += len(line)
    return starts


def mark_table_lines(source: str) -> str:
    """The template with an invisible line-number mark before every line that starts a table
    row (`|`, possibly after `{% … %}` tags) or a table title (`表：`). A line that continues
    a tag (`{{ x` then `| wan }}`) is left alone."""
    source = _OWN_MARKS.sub("", source)  # only drafter makes these marks
    out = []
    inside = _inside_tag_at_line_starts(source)
    for n, line in enumerate(source.splitlines(keepends=True), 1):
        if inside[n - 1]:
            out.append(line)
            continue
        lead = _LEADING_TAGS.match(line)
        at = lead.end() if lead else 0
        rest = line[at:]
        if rest.startswith(("|", "｜")) or TABLE_TITLE.match(rest):
            line = f"{line[:at]}{LINE_OPEN}{n}{LINE_CLOSE}{rest}"
        out.append(line)
    return "".join(out)


@dataclass
class TableBlock:
    """One table of a section: title, unit, header rows and body rows of marked cell text."""

    title: str
    unit: str | None
    header: list[list[str]]
    rows: list[list[str]]
    aligns: list[str | None]  # per column, from the separator line; None: by content
    part: str
    path: Path
    line: int  # the title's template line
    row_lines: list[int] = field(default_factory=list)
    number: int = 0
    # rows standing for a loop whose query failed: (row index, the placeholder's occurrence)
    failed_rows: list[tuple[int, Occurrence | None]] = field(default_factory=list)

    @property
    def width(self) -> int:
        return len(self.header[0]) if self.header else 0

    @property
    def columns(self) -> list[str]:
        """A label per column: the lowest header cell, joined with the one above when they differ."""
        labels = []
        for c in range(self.width):
            parts: list[str] = []
            for row in self.header:
                text = strip_marks(row[c]).strip()
                if text and (not parts or parts[-1] != text):
                    parts.append(text)
            labels.append("·".join(parts))
        return labels

    def key(self, index: int) -> str:
        """The row key: the text of the row's first cell."""
        return strip_marks(self.rows[index][0]).strip() if self.rows[index] else ""

    def is_total(self, index: int) -> bool:
        return self.key(index).replace(" ", "").replace("\u3000", "") in TOTAL_KEYS

    @property
    def label(self) -> str:
        return f"表{self.number}"

    def cell_label(self, row: int, column: int) -> str:
        """`表1 第3行（徐泾镇）“检查家次”` for body row `row` (0-based) and `column`."""
        key = self.key(row)
        return f"{self.label} 第{row + 1}行{f'（{key}）' if key else ''}“{self.columns[column]}”"


@dataclass
class ChartBlock:
    spec: ChartSpec
    part: str
    path: Path
    line: int | None
    number: int = 0

    @property
    def label(self) -> str:
        return f"图{self.number}"


def split_cells(text: str) -> list[str]:
    """The cells of a table line: `|` outside figures separates (a `|` in database text does not)."""
    cells: list[str] = []
    current: list[str] = []
    pos = 0
    for m in MARKED.finditer(text):
        _split_plain(text[pos : m.start()], cells, current)
        current.append(m.group())
        pos = m.end()
    _split_plain(text[pos:], cells, current)
    cells.append("".join(current))
    # `| a | b |`: the empty pieces outside the first and the last bar are no cells
    if cells and not strip_marks(cells[0]).strip() and not marked_ids(cells[0]):
        cells = cells[1:]
    if cells and not strip_marks(cells[-1]).strip() and not marked_ids(cells[-1]):
        cells = cells[:-1]
    return [c.strip() for c in cells]


def _split_plain(text: str, cells: list[str], current: list[str]) -> None:
    parts = text.replace("｜", "|").split("|")
    current.append(parts[0])
    for part in parts[1:]:
        cells.append("".join(current))
        current.clear()
        current.append(part)


def _error(message: str, path: Path, source: str, line: int | None, hint: str) -> TemplateError:
    return TemplateError(
        message, path=path, line=line, context=numbered_context(source, line, 0) if line else None, hint=hint
    )


class TableParser:
    """Collects the table lines of one rendered section into `TableBlock`s."""

    def __init__(self, path: Path, source: str, registry: FigureRegistry):
        self.path, self.source, self.registry = path, source, registry
        self.table: TableBlock | None = None
        self.separator_seen = False
        self.pending_header: list[tuple[list[str], int]] = []

    def error(self, message: str, line: int | None, hint: str) -> TemplateError:
        return _error(message, self.path, self.source, line, hint)

    def start(self, title: str, line: int, part: str) -> None:
        self.table = TableBlock(
            title=title, unit=None, header=[], rows=[], aligns=[], part=part, path=self.path, line=line
        )
        self.separator_seen = False
        self.pending_header = []

    def row(self, text: str, line: int) -> None:
        table = self.table
        if table is None:
            raise self.error(
                "表格行前面缺少表题",
                line,
                "表格的第一行写“表：表题”（如 表：各街镇执法检查情况），下一行可写“单位：…”，再写以 | 开头的各行。",
            )
        cells = split_cells(text)
        if all(_SEPARATOR_CELL.match(strip_marks(c).replace(" ", "")) for c in cells) and cells:
            if self.separator_seen or table.rows:
                raise self.error("表格中多了一条分隔行（|---|）", line, "分隔行只写一条，放在表头和数据行之间。")
            if not self.pending_header:
                raise self.error("分隔行（|---|）前面没有表头", line, "先写表头行，如 | 街镇 | 检查家次 |。")
            if len(self.pending_header) > 3:
                raise self.error("表头最多三行", line, "分隔行（|---|）之前的行都是表头；多余的行请移到分隔行之后。")
            self._set_header()
            self._check_width(cells, line)
            table.aligns = [_align_of(strip_marks(c).replace(" ", "")) for c in cells]
            self.separator_seen = True
            return
        if not table.header and not self.separator_seen:
            self.pending_header.append((cells, line))
            return
        self._check_width(cells, line)
        table.rows.append(cells)
        table.row_lines.append(line)

    def placeholder_row(self, text: str, occurrence: Occurrence | None = None) -> bool:
        """A table's rows that could not be written (the query of a `{% for %}` over them
        failed): one row whose first cell holds the placeholder, so the table and the rows
        after it (a 合计 row) stay whole. False when no table with a header is open."""
        table = self.table
        if table is None or not (table.header or self.pending_header):
            return False
        if not table.header:
            self._header_from_first_line()
        line = table.row_lines[-1] if table.row_lines else table.line
        table.failed_rows.append((len(table.rows), occurrence))
        table.rows.append([text] + [""] * (table.width - 1))
        table.row_lines.append(line)
        return True

    def _header_from_first_line(self) -> None:
        """No separator line: the first line is the header, the others are rows."""
        table = self.table
        assert table is not None
        header, rows = self.pending_header[:1], self.pending_header[1:]
        self.pending_header = header
        self._set_header()
        for cells, line in rows:
            self._check_width(cells, line)
            table.rows.append(cells)
            table.row_lines.append(line)

    def _set_header(self) -> None:
        table = self.table
        assert table is not None
        first_cells, _first_line = self.pending_header[0]
        for cells, line in self.pending_header[1:]:
            if len(cells) != len(first_cells):
                raise self.error(
                    f"表头各行的格数不同：第一行 {len(first_cells)} 格，这一行 {len(cells)} 格",
                    line,
                    "两行表头要写成同样多的格：上一行合并的格写相同的文字，如 | 街镇 | 检查 | 检查 |。",
                )
        table.header = [c for c, _ in self.pending_header]
        table.aligns = [None] * len(first_cells)
        self.pending_header = []

    def _check_width(self, cells: list[str], line: int) -> None:
        table = self.table
        assert table is not None
        if len(cells) != table.width:
            raise self.error(
                f"表格行有 {len(cells)} 格，而表头有 {table.width} 格",
                line,
                "每行的格数要与表头相同，格与格之间用 | 分隔（查询数据中的 | 不会分格）；"
                "合并的表头格在两行表头中各写一次相同的文字。",
            )

    def finish(self) -> TableBlock | None:
        """The table being collected, complete; None if none."""
        table = self.table
        if table is None:
            return None
        if not table.header and self.pending_header:
            self._header_from_first_line()
        if not table.header:
            raise self.error(
                "表格只有表题，没有表头和数据行",
                table.line,
                "在“表：…”之下写表头行（| 列名 | 列名 |），再写数据行；数据行可用 {% for r in 查询名 %} 循环生成。",
            )
        self.table = None
        return table


def _align_of(cell: str) -> str | None:
    left, right = cell.startswith(":"), cell.endswith(":")
    if left and right:
        return "center"
    if right:
        return "right"
    if left:
        return "left"
    return None


def line_of(text: str) -> tuple[int | None, str]:
    """(template line, text without the line marks)."""
    m = _LINE_MARK.search(text)
    return (int(m.group(1)) if m else None), _LINE_MARK.sub("", text)


def split_marked_rows(text: str) -> list[str]:
    """One rendered line may hold several rows (a loop written on one line), or end a paragraph
    and start a table (a `{% endif %}` at the end of the line before swallows its line break):
    split at the marks."""
    starts = [m.start() for m in _LINE_MARK.finditer(text)]
    if not starts or (len(starts) == 1 and not text[: starts[0]].strip()):
        return [text]
    pieces = [text[: starts[0]]] if text[: starts[0]].strip() else []
    for a, b in zip(starts, [*starts[1:], len(text)]):
        pieces.append(text[a:b])
    return pieces


def chart_index(text: str) -> int | None:
    m = _CHART_MARK.search(text)
    return int(m.group(1)) if m else None


def has_chart(text: str) -> bool:
    return CHART_OPEN in text


def strip_chart(text: str) -> str:
    return _CHART_MARK.sub("", text)


def assign_cells(table: TableBlock, registry: FigureRegistry) -> None:
    """Tell every figure in a table's body rows where it stands: table, row, key, column."""
    columns = table.columns
    for r, row in enumerate(table.rows):
        key = table.key(r)
        for c, cell in enumerate(row):
            for occ_id in marked_ids(cell):
                occ = registry.occurrences.get(occ_id)
                if occ is not None:
                    occ.cell = {"table": table.number, "row": r + 1, "key": key, "column": columns[c]}
