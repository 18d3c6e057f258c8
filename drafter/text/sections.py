"""Section templates: plain text with the report's own outline numbering.

Each file is rendered with Jinja; each non-blank line of the result is one
paragraph, whose level comes from its leading outline number:
`一、` 1, `（一）` 2, `1.` 3, `（1）` 4, anything else 0 (body text).
Lines from `表：` on through the lines starting with `|` make a table, and a line
holding only `{{ chart(…) }}` a chart (drafter.text.blocks).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from types import CodeType
from typing import Any

from jinja2 import TemplateSyntaxError

from drafter.data.figures import (
    WORD_CLOSE,
    WORDING_MARK,
    FigureRegistry,
    marked_ids,
    strip_internal_marks,
    strip_marks,
    strip_wording_marks,
)
from drafter.errors import TemplateError, numbered_context
from drafter.text.blocks import (
    TABLE_TITLE,
    TABLE_UNIT,
    ChartBlock,
    TableBlock,
    TableParser,
    assign_cells,
    chart_index,
    has_chart,
    line_of,
    mark_table_lines,
    split_marked_rows,
    strip_chart,
)
from drafter.text.environment import POISONED, placeholder, template_error
from drafter.text.wording import note_query_names

_CN_DIGITS = "一二三四五六七八九十百零〇"
_LEVELS = (
    (1, re.compile(f"^[{_CN_DIGITS}]+、")),
    (2, re.compile(f"^[（(][{_CN_DIGITS}]+[）)]")),
    (3, re.compile(r"^\d+[.．](?!\d)")),
    (4, re.compile(r"^[（(]\d+[）)]")),
)


@dataclass
class Paragraph:
    level: int
    text: str  # with figure markers
    part: str  # the section it belongs to
    # The template file and the lines whose output made it (one line for plain text; several
    # for a conditional block or a loop), for `drafter adopt`; None where it is not known.
    source: tuple[Path, tuple[int, ...]] | None = None

    @property
    def plain(self) -> str:
        return strip_marks(self.text)


Block = Paragraph | TableBlock | ChartBlock


# What a build adds to the reason of a figure a condition or an expression read: its paragraph
# (or a table's row loop) stands as one placeholder. check tells the reason without it.
WHOLE_PARAGRAPH = "本段的条件或算式用到了它，整段以【待补充】代替"


def outline_level(text: str) -> int:
    for level, pattern in _LEVELS:
        if pattern.match(text):
            return level
    return 0


def _normalise_outline(text: str, level: int) -> str:
    """`(一)` typed with half-width brackets becomes `（一）`, as GB/T 15834 wants."""
    if level in (2, 4) and text[0] == "(":
        close = text.index(")")
        return "（" + text[1:close] + "）" + text[close + 1 :]
    return text


def section_files(sections: Path | list[Path], resolve) -> list[Path]:
    """The section templates in the order they are rendered."""
    if isinstance(sections, list):
        files = [resolve(p) for p in sections]
        for f in files:
            if not f.is_file():
                raise TemplateError(
                    "找不到分部分模板文件", path=f, hint="检查 config.yaml 中 templates.sections 的文件名。"
                )
        return files
    directory = resolve(sections)
    if not directory.is_dir():
        raise TemplateError(
            "找不到分部分模板目录", path=directory, hint="在 config.yaml 的 templates.sections 中写对目录。"
        )
    files = sorted(p for p in directory.iterdir() if p.suffix in (".txt", ".j2", ".jinja") and p.is_file())
    if not files:
        raise TemplateError(
            "分部分模板目录中没有 .txt 模板",
            path=directory,
            hint="每部分一个 UTF-8 文本文件，如 1-主要举措和工作成效.txt。",
        )
    return files


def read_template(path: Path) -> str:
    try:  # drafter's marker characters are drafter's alone: never taken from a template's text
        return strip_internal_marks(path.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise TemplateError(
            "模板文件不是 UTF-8 编码", path=path, cause=str(exc), hint="用记事本或编辑器“另存为”UTF-8 编码。"
        ) from exc


# `｛｛ x ｝｝` typed with a Chinese input method is no tag: it would be printed as it stands.
_PAIR = re.compile(r"(?=([{｛%％}｝][{｛%％}｝]))")
_HALF = str.maketrans("｛｝％", "{}%")


def wide_tags(source: str) -> list[tuple[int, str]]:
    """(line, mark) of every tag delimiter ({{ }} {% %}) typed with a full-width character."""
    found = []
    for n, line in enumerate(source.splitlines(), 1):
        for m in _PAIR.finditer(line):
            pair = m.group(1)
            if pair != pair.translate(_HALF) and pair.translate(_HALF) in ("{{", "}}", "{%", "%}"):
                found.append((n, pair))
    return found


def wide_tag_error(path: Path, source: str, line: int, mark: str) -> TemplateError:
    return TemplateError(
        f"模板标记“{mark}”是全角字符，不会被当作标记",
        path=path,
        line=line,
        context=numbered_context(source, line, 0, focus=mark),
        hint="切换到英文输入法，把 ｛｛ ｝｝ ｛％ ％｝ 改成半角的 {{ }} {% %}；否则这些字会原样印进报告。",
    )


def render_section(
    env, path: Path, context: dict[str, Any], registry: FigureRegistry, code: CodeType | None = None
) -> list[Block]:
    """Render one section file into blocks: paragraphs, tables and charts (from `code` when it
    was compiled already, from the source with its table lines marked)."""
    source = read_template(path)
    for line, mark in wide_tags(source)[:1]:
        raise wide_tag_error(path, source, line, mark)
    rendered, origins = _render_source(env, path, source, context, code)
    settled = _settle_poisons(env, rendered, source, registry)
    if len(settled) != len(origins):  # a poisoned block changed the lines: origins unknown
        origins = [()] * len(settled)
    reader = _SectionReader(path, registry, TableParser(path, source, registry), part=path.stem)
    for raw_line, origin in zip(settled, origins):
        for piece in split_marked_rows(raw_line):
            reader.read(piece, origin)
    return reader.finish()


def _render_source(
    env, path: Path, source: str, context: dict[str, Any], code: CodeType | None
) -> tuple[str, list[tuple[int, ...]]]:
    """The section rendered, and the template lines each of its lines came from."""
    filename = str(path)
    if code is None:
        try:
            code = env.compile(mark_table_lines(source), name=path.name, filename=filename)
        except TemplateSyntaxError as exc:
            raise template_error(exc, path, source, context, filename) from exc
    template = env.template_class.from_code(env, code, env.make_globals(None))
    tracer = getattr(env, "tracer", None)
    if tracer is not None:
        note_query_names(tracer, context)
    try:
        return _render_traced(env, template, context, mark_table_lines(source))
    except Exception as exc:
        raise template_error(exc, path, source, context, filename) from exc


@dataclass
class _SectionReader:
    """Turns a section's rendered lines, one by one, into blocks; `part` is the heading the
    text stands under."""

    path: Path
    registry: FigureRegistry
    tables: TableParser
    part: str
    blocks: list[Block] = field(default_factory=list)
    carry: str = ""  # wording markers of a line without text of its own, for the next paragraph

    def read(self, piece: str, origin: tuple[int, ...]) -> None:
        line_no, text = line_of(piece)
        text = text.strip()
        if self._table_line(line_no, text) or not text:
            return
        if not strip_wording_marks(text).strip():  # wording markers alone on a line
            self._marks_alone(text)
            return
        alone = self._placeholder_alone(text)
        if alone is not None and self.tables.placeholder_row(text, alone):
            return
        text, self.carry = self.carry + text, ""
        self._close_table()
        if has_chart(text):
            self._chart(text)
        else:
            self._paragraph(text, origin)

    def finish(self) -> list[Block]:
        self._close_table()
        paragraphs = paragraphs_of(self.blocks)
        if self.carry and paragraphs:
            paragraphs[-1].text += self.carry
        for block in self.blocks:
            if isinstance(block, TableBlock):
                for row in [*block.header, *block.rows]:
                    for cell in row:
                        for occ_id in marked_ids(cell):
                            self.registry.occurrences[occ_id].part = block.part
        return self.blocks

    def _close_table(self) -> None:
        table = self.tables.finish()
        if table is not None:
            self.blocks.append(table)
            self.registry.tables.append(table)

    def _table_line(self, line_no: int | None, text: str) -> bool:
        """Read `text` as a table's title, unit or row; False when it is none of these."""
        tables = self.tables
        if line_no is not None and TABLE_TITLE.match(text):
            self._close_table()
            tables.start(TABLE_TITLE.sub("", text, count=1), line_no, self.part)
            return True
        if (
            tables.table is not None
            and not tables.table.header
            and not tables.pending_header
            and tables.table.unit is None
            and TABLE_UNIT.match(text)
        ):
            tables.table.unit = TABLE_UNIT.sub("", text, count=1)
            return True
        if line_no is not None and text.startswith(("|", "｜")):
            tables.row(text, line_no)
            return True
        return False

    def _placeholder_alone(self, text: str) -> Any:
        """The occurrence of the one placeholder `text` is, and nothing else (a loop that could
        not be written), or None."""
        ids = marked_ids(text)
        occ = self.registry.occurrences.get(ids[0]) if len(ids) == 1 else None
        if occ is not None and occ.placeholder and strip_marks(strip_wording_marks(text)).strip() == occ.text:
            return occ
        return None

    def _marks_alone(self, text: str) -> None:
        marks = [m.group(0) for m in WORDING_MARK.finditer(text)]
        last = self.blocks[-1] if self.blocks else None
        if isinstance(last, Paragraph) and not self.carry and all(m[0] == WORD_CLOSE for m in marks):
            last.text += "".join(marks)  # a wording ends with the paragraph before
        else:
            self.carry += "".join(marks)

    def _chart(self, text: str) -> None:
        index = chart_index(text)
        if strip_chart(text).strip() or index is None:
            raise TemplateError(
                "图表要单独写一行",
                path=self.path,
                hint="把 {{ chart(…) }} 单独写在一行，图题用 title= 给出，说明文字另起一行。",
            )
        self.blocks.append(ChartBlock(self.registry.charts[index], self.part, self.path, None))

    def _paragraph(self, text: str, origin: tuple[int, ...]) -> None:
        level = outline_level(strip_wording_marks(text))
        text = _normalise_outline(text, level)
        if level == 1:
            self.part = strip_marks(text)
        paragraph = Paragraph(level, text, self.part, (self.path, origin) if origin else None)
        self.blocks.append(paragraph)
        self.registry.paragraphs.append(paragraph)
        for occ_id in marked_ids(text):
            self.registry.occurrences[occ_id].part = self.part


def _render_traced(env, template, context: dict[str, Any], template_source: str) -> tuple[str, list[tuple[int, ...]]]:
    """The rendered text, and for each of its lines the template lines whose output made it
    (Jinja's debug info maps the line the render function yields from to the template line)."""
    ctx = template.new_context(dict(context))
    chunks: list[str] = []
    lines: list[int | None] = []
    lineno: dict[int, int] = {}  # Python line → template line: a loop yields from the same few lines
    try:
        generator = template.root_render_func(ctx)
        for chunk in generator:
            frame = generator.gi_frame
            chunks.append(chunk)
            if frame is None:
                lines.append(None)
                continue
            at = frame.f_lineno
            line = lineno.get(at)
            if line is None:
                line = lineno[at] = template.get_corresponding_lineno(at)
            lines.append(line)
    except Exception:
        env.handle_exception()
    origins: list[list[int]] = [[]]
    for chunk, line in zip(chunks, lines):
        pieces = chunk.split("\n")
        for k, piece in enumerate(pieces):
            if k:
                origins.append([])
            at = None if line is None else line + k  # template text runs on line by line
            if piece.strip() and at is not None and at not in origins[-1]:
                origins[-1].append(at)
    text = "".join(chunks)
    silent = _silent_lines(template_source)
    return text, [tuple(n for n in o if n not in silent or len(o) == 1) for o in origins[: len(text.splitlines())]]


_TAGS = re.compile(r"\{#.*?#\}|\{%.*?%\}", re.S)


def _silent_lines(source: str) -> set[int]:
    """Lines that print nothing themselves (a comment, a block tag): text whose whitespace
    control (`-#}`) joined it to such a line is not theirs."""
    blanked = _TAGS.sub(lambda m: "\n" * m.group(0).count("\n"), source)  # lines keep their numbers
    return {n for n, line in enumerate(blanked.splitlines(), 1) if not line.strip()}


_BLOCK_LINE = re.compile(r"\s*(?:\{%-?.*?-?%\}\s*)+")


def _settle_poisons(env, rendered: str, source: str, registry: FigureRegistry) -> list[str]:
    """The rendered lines, each line (a paragraph) that holds a poison mark replaced by one
    placeholder 【待补充：…】 recorded with its reason: a condition or an expression of it read
    a figure without a value, so none of its wording can be trusted. The figures it printed are
    forgotten. A `{% if %}` alone on its template line stands for the lines it governs: its
    placeholder is a paragraph of its own, and the text after it is kept."""
    poisons = getattr(env, "poisons", {})
    lines = rendered.splitlines()
    if not poisons or not any(POISONED.search(line) for line in lines):
        return lines
    source_lines = source.splitlines()
    out: list[str] = []
    pending = list(lines)
    while pending:
        line = pending.pop(0)
        match = POISONED.search(line)
        if not match:
            out.append(line)
            continue
        poison = poisons[match.group(1)]
        text_line = source_lines[poison.line - 1] if poison.line and poison.line <= len(source_lines) else ""
        block = _BLOCK_LINE.fullmatch(text_line) is not None and line.strip().startswith(match.group(0))
        mark = registry.record(
            poison.figure,
            placeholder(poison.figure.ref, poison.figure.description),
            "num",
            placeholder=True,
            reason=f"{poison.reason}；{WHOLE_PARAGRAPH}",
            template=poison.template,
            line=poison.line,
        )
        if block:  # the governed lines are left out; the text after the block is read again
            out.append(mark + _wording_marks(line[: match.start()]))
            _forget(registry, line[: match.start()])
            pending.insert(0, line[match.end() :])
            continue
        _forget(registry, line)
        prefix = _outline_prefix(strip_marks(POISONED.sub("", line)).strip())
        out.append(prefix + mark + _wording_marks(line))
    return out


def _wording_marks(text: str) -> str:
    """The wording markers of a line replaced by a placeholder, kept so that every wording that
    opens also closes (drafter/text/wording.py)."""
    return "".join(m.group(0) for m in WORDING_MARK.finditer(text))


def _forget(registry: FigureRegistry, text: str) -> None:
    for occ_id in marked_ids(text):
        registry.occurrences.pop(occ_id, None)


def _outline_prefix(text: str) -> str:
    """The outline number a paragraph opens with (`6.`, `（二）`), kept when its text is replaced."""
    for _, pattern in _LEVELS:
        match = pattern.match(text)
        if match:
            return match.group(0)
    return ""


def render_sections(
    env,
    files: list[Path],
    context: dict[str, Any],
    registry: FigureRegistry,
    first_numbers: tuple[int, int] = (0, 0),
    *,
    compiled: dict[Path, CodeType] | None = None,
) -> list[Block]:
    """The blocks of all `files`; tables and charts numbered in order after `first_numbers`
    (tables, charts) already used; `compiled` holds code the validation pass compiled."""
    blocks: list[Block] = []
    for path in files:
        blocks.extend(render_section(env, path, context, registry, (compiled or {}).get(path)))
    number_blocks(blocks, registry, first_numbers)
    if registry.wordings:
        wording_texts(paragraphs_of(blocks), registry)
    return blocks


def number_blocks(blocks: list[Block], registry: FigureRegistry, first: tuple[int, int] = (0, 0)) -> tuple[int, int]:
    """Number tables 表1, 表2, … and charts 图1, 图2, …; every figure in a table learns its cell."""
    tables, charts = first
    for block in blocks:
        if isinstance(block, TableBlock):
            tables += 1
            block.number = tables
            assign_cells(block, registry)
        elif isinstance(block, ChartBlock):
            charts += 1
            block.number = block.spec.number = charts
    return tables, charts


def paragraphs_of(blocks: list[Block]) -> list[Paragraph]:
    return [b for b in blocks if isinstance(b, Paragraph)]


def wording_texts(paragraphs: list[Paragraph], registry: FigureRegistry) -> None:
    """Fill in each wording's plain text (paragraphs joined by a line break) and part."""
    texts: dict[str, list[str]] = {}
    live: list[str] = []
    for para in paragraphs:
        for wid in live:
            texts[wid].append("")
        pos = 0
        for m in WORDING_MARK.finditer(para.text):
            chunk = strip_marks(para.text[pos : m.start()])
            for wid in live:
                texts[wid][-1] += chunk
            wid = m.group(2)
            if m.group(1) == WORD_CLOSE:
                if wid in live:
                    live.remove(wid)
            else:
                live.append(wid)
                texts[wid] = [""]
                if wid in registry.wordings:
                    registry.wordings[wid].part = para.part
            pos = m.end()
        chunk = strip_marks(para.text[pos:])
        for wid in live:
            texts[wid][-1] += chunk
    for wid, parts in texts.items():
        if wid in registry.wordings:
            registry.wordings[wid].text = "\n".join(parts)
