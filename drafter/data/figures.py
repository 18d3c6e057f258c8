"""Figures: values from queries that remember where they came from.

A `Figure` wraps one value of one column of one query result. Arithmetic on
figures gives a derived figure whose provenance joins both sides, so a rate
computed in a template (`done / total`) still names the queries behind it.

When a template prints a figure, the build's `FigureRegistry` records the
occurrence (its text, value and provenance) and the text is wrapped in
private-use marker characters; the document layer turns each marked span into a
content control. Marker characters are valid in XML, survive docxtpl and Jinja
untouched, and never occur in real report text.
"""

from __future__ import annotations

import contextvars
import difflib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Context, Decimal
from typing import Any

from drafter.errors import DataError, TemplateError

# Re-exported: the data layer's users take them from here.
from drafter.values import json_value as json_value
from drafter.values import strip_internal_marks as strip_internal_marks

MARK_OPEN = "\ue000"  # followed by the occurrence id, then MARK_SEP
MARK_SEP = "\ue001"
MARK_CLOSE = "\ue002"
# A sentence that cannot be written: a condition or an expression read a figure without a value.
POISON_OPEN = "\ue003"  # followed by the id, then POISON_CLOSE
POISON_CLOSE = "\ue004"
MARKED = re.compile(f"{MARK_OPEN}([^{MARK_SEP}]*){MARK_SEP}([^{MARK_CLOSE}]*){MARK_CLOSE}")

# Wording produced by a template condition over figures is framed the same way:
# WORD_OPEN id WORD_END … WORD_CLOSE id WORD_END (ids in both, so wordings may nest).
WORD_OPEN = "\ue005"
WORD_CLOSE = "\ue006"
WORD_END = "\ue007"
WORDING_MARK = re.compile(f"([{WORD_OPEN}{WORD_CLOSE}])(w\\d+){WORD_END}")

# The figures a template condition reads while it is evaluated (see drafter.text.wording).
_READING: contextvars.ContextVar[list | None] = contextvars.ContextVar("drafter_reading", default=None)


def start_reading() -> contextvars.Token:
    """Begin collecting the figures compared or tested until `stop_reading`."""
    return _READING.set([])


def stop_reading(token: contextvars.Token) -> list[Figure]:
    read = _READING.get() or []
    _READING.reset(token)
    return read


def _note(*values: Any) -> None:
    reading = _READING.get()
    if reading is not None:
        reading.extend(v for v in values if isinstance(v, Figure))


@dataclass(frozen=True)
class Provenance:
    """Where one raw value came from."""

    query: str
    source: str
    column: str
    row: int | None = None  # index in a `rows` result

    @property
    def ref(self) -> str:
        index = f"[{self.row}]" if self.row is not None else ""
        return f"{self.query}{index}.{self.column}"


def _exact(value: Any) -> Any:
    """Integral Decimals from PostgreSQL/MySQL SUM() become ints, so engines print alike."""
    if isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
        return int(value)
    return value


# A figure's formula, as nested tuples (JSON lists in the manifest):
#   ("ref", "q.col")                 a value of a query (a leaf)
#   ("const", "1000")                a number written in the template
#   ("+" | "-" | "*" | "/", a, b)    arithmetic on two formulas
#   ("round", a, digits, method)     `| round(digits)` (method common = half-up, floor, ceil)
Expr = tuple


class Figure:
    """A value plus provenance. Behaves like its value in comparisons and arithmetic.

    A figure computed from others (`a / b * 1000`, `x | round(1)`) is *derived*: `expr` is its
    formula over the leaves it was computed from and `inputs` the leaves' refs and raw values,
    so the manifest records both and `check` recomputes it from the current inputs (`evaluate`).
    """

    __slots__ = ("description", "expr", "inputs", "ref", "sources", "value", "why")

    def __init__(
        self,
        value: Any,
        ref: str,
        sources: tuple[Provenance, ...],
        description: str = "",
        why: str | None = None,
        expr: Expr | None = None,
        inputs: tuple[tuple[str, Any], ...] | None = None,
    ):
        self.value = _exact(value)
        self.ref = ref
        self.sources = sources
        self.description = description
        self.why = why  # why a derived figure has no value (a zero denominator in the data)
        self.expr: Expr = expr if expr is not None else ("ref", ref)
        self.inputs: tuple[tuple[str, Any], ...] = inputs if inputs is not None else ((ref, self.value),)

    @classmethod
    def from_column(cls, value: Any, prov: Provenance, description: str = "") -> Figure:
        return cls(value, prov.ref, (prov,), description)

    @property
    def missing(self) -> bool:
        return self.value is None

    def _must_have_value(self, other: Any = None) -> None:
        """A comparison or a truth test over a figure without a value has no answer."""
        for fig in (self, other):
            if isinstance(fig, Figure) and fig.missing:
                _num(fig)

    @property
    def derived(self) -> bool:
        return self.expr[0] != "ref"

    def _derive(
        self,
        value: Any,
        ref: str,
        sources: tuple[Provenance, ...],
        expr: Expr,
        inputs: tuple[tuple[str, Any], ...],
        why: str | None = None,
    ) -> Figure:
        return Figure(value, ref, sources, self.description, why, expr, inputs)

    # -- arithmetic gives derived figures -------------------------------------------------
    def _combine(self, other: Any, op: str, fn) -> Figure:
        if isinstance(other, Figure):
            ref = f"({self.ref}{op}{other.ref})"
            sources = self.sources + tuple(s for s in other.sources if s not in self.sources)
            expr = (op, self.expr, other.expr)
            inputs = _joined(self.inputs, other.inputs)
            if self.missing or other.missing:
                return self._derive(None, ref, sources, expr, inputs, self.why or other.why)
            if op == "/" and _num(other) == 0:  # the data's zero: the figure cannot be computed
                return self._derive(None, ref, sources, expr, inputs, f"分母 {other.ref} 为 0")
            return self._derive(fn(_num(self), _num(other)), ref, sources, expr, inputs)
        expr = (op, self.expr, ("const", _const(other)))
        value = None if self.missing else fn(_num(self), _plain(other))
        return self._derive(value, f"({self.ref}{op}{other})", self.sources, expr, self.inputs, self.why)

    def _rcombine(self, other: Any, op: str, fn) -> Figure:
        ref = f"({other}{op}{self.ref})"
        expr = (op, ("const", _const(other)), self.expr)
        if self.missing:
            return self._derive(None, ref, self.sources, expr, self.inputs, self.why)
        if op == "/" and _num(self) == 0:
            return self._derive(None, ref, self.sources, expr, self.inputs, f"分母 {self.ref} 为 0")
        return self._derive(fn(_plain(other), _num(self)), ref, self.sources, expr, self.inputs)

    def __add__(self, o):
        return self._combine(o, "+", lambda a, b: a + b)

    def __radd__(self, o):
        return self._rcombine(o, "+", lambda a, b: a + b)

    def __sub__(self, o):
        return self._combine(o, "-", lambda a, b: a - b)

    def __rsub__(self, o):
        return self._rcombine(o, "-", lambda a, b: a - b)

    def __mul__(self, o):
        return self._combine(o, "*", lambda a, b: a * b)

    def __rmul__(self, o):
        return self._rcombine(o, "*", lambda a, b: a * b)

    def __truediv__(self, o):
        return self._combine(o, "/", _divide)

    def __rtruediv__(self, o):
        return self._rcombine(o, "/", _divide)

    def rounded(self, digits: int = 0, method: str = "common") -> Figure:
        """`| round(digits)`: a derived figure rounded half-up (`common`), down (`floor`) or up
        (`ceil`) to `digits` decimals, exactly (Decimal, never binary floats)."""
        if isinstance(digits, bool) or not isinstance(digits, int) or not 0 <= digits <= 20:
            raise ValueError(f"round takes 0 to 20 digits, got {digits!r}")
        if method not in _ROUNDING:
            raise ValueError(f"round's method is common, floor or ceil, not {method!r}")
        ref = f"round({self.ref},{digits})" if method == "common" else f"round({self.ref},{digits},{method})"
        expr = ("round", self.expr, digits, method)
        if self.missing:
            return self._derive(None, ref, self.sources, expr, self.inputs, self.why)
        value = Decimal(_num(self)).quantize(
            Decimal(1).scaleb(-digits), rounding=_ROUNDING[method], context=Context(prec=200)
        )
        return self._derive(value, ref, self.sources, expr, self.inputs)

    # -- comparisons use the value ----------------------------------------------------------
    def _cmp_value(self, other: Any) -> Any:
        return other.value if isinstance(other, Figure) else other

    def __eq__(self, o):
        _note(self, o)
        self._must_have_value(o)
        return self.value == self._cmp_value(o)

    def __ne__(self, o):
        _note(self, o)
        self._must_have_value(o)
        return self.value != self._cmp_value(o)

    def __lt__(self, o):
        _note(self, o)
        return _num(self) < _plain(self._cmp_value(o))

    def __le__(self, o):
        _note(self, o)
        return _num(self) <= _plain(self._cmp_value(o))

    def __gt__(self, o):
        _note(self, o)
        return _num(self) > _plain(self._cmp_value(o))

    def __ge__(self, o):
        _note(self, o)
        return _num(self) >= _plain(self._cmp_value(o))

    def __bool__(self):
        _note(self)
        self._must_have_value()
        return bool(self.value)

    # Equal figures (and a figure equal to a number) hash alike: `==` compares values only.
    def __hash__(self):
        return hash(self.value)

    def __int__(self):
        _note(self)
        return int(_num(self))

    def __float__(self):
        _note(self)
        return float(_num(self))

    def __iter__(self):
        query = self.sources[0].query if self.sources else self.ref

        raise TemplateError(
            f"{self.ref} 是一个值，不能逐行循环",
            hint=f"{{% for r in … %}} 只能用于文件头写 returns: rows 的查询；查询 {query} 返回一个值或一行，"
            f"请直接写 {{{{ {self.ref} }}}}，或把查询改为 returns: rows。",
        )

    def __repr__(self) -> str:
        return f"Figure({self.ref}={self.value!r})"


_ROUNDING = {"common": ROUND_HALF_UP, "floor": ROUND_FLOOR, "ceil": ROUND_CEILING}


def _joined(a: tuple[tuple[str, Any], ...], b: tuple[tuple[str, Any], ...]) -> tuple[tuple[str, Any], ...]:
    seen = {ref for ref, _ in a}
    return a + tuple((ref, v) for ref, v in b if ref not in seen)


def _const(value: Any) -> str:
    """A number written in a template, as the formula records it."""
    plain = _plain(value)
    if isinstance(plain, bool) or not isinstance(plain, (int, Decimal)):
        raise DataError(f"“{value}”不是数字，不能与数字相加减乘除", hint="检查模板中的算式。")
    return str(plain)


def evaluate(expr: Any, values: dict[str, Any]) -> Any:
    """The value of a formula (as recorded in a manifest: nested lists) over `values` (ref →
    raw value), computed exactly as the build computes it. None when an input has no value or a
    denominator is 0; ValueError for a formula that is not one drafter writes."""
    return _evaluate(expr, values).value


def formula_text(expr: Any) -> str:
    """A formula as people read it: `q.fixed / q.found * 100`, `round(q.a / q.b * 1000, 1)`."""

    def text(e: Any, outer: int) -> str:
        kind = e[0]
        if kind in ("ref", "const"):
            return str(e[1])
        if kind == "round":
            extra = "" if e[3] == "common" else f", {e[3]!r}"
            return f"round({text(e[1], 0)}, {e[2]}{extra})"
        rank = 1 if kind in "+-" else 2
        left = text(e[1], rank)
        right = text(e[2], rank + 1)  # a - (b - c), a / (b * c): the right side keeps its brackets
        shown = f"{left} {kind} {right}"
        return f"({shown})" if rank < outer else shown

    return text(expr, 0)


def _evaluate(expr: Any, values: dict[str, Any]) -> Any:
    if not isinstance(expr, (list, tuple)) or not expr:
        raise ValueError(f"not a formula: {expr!r}")
    kind = expr[0]
    if kind == "ref" and len(expr) == 2 and isinstance(expr[1], str):
        if expr[1] not in values:
            raise ValueError(f"no value for {expr[1]}")
        return Figure(values[expr[1]], expr[1], ())
    if kind == "const" and len(expr) == 2 and isinstance(expr[1], str):
        number = Decimal(expr[1])
        return int(number) if number == number.to_integral_value() and "." not in expr[1] else number
    if kind == "round" and len(expr) == 4:
        inner = _evaluate(expr[1], values)
        if not isinstance(inner, Figure):
            raise ValueError("round of a constant")
        return inner.rounded(expr[2], expr[3])
    if kind in ("+", "-", "*", "/") and len(expr) == 3:
        left, right = _evaluate(expr[1], values), _evaluate(expr[2], values)
        op = {"+": "__add__", "-": "__sub__", "*": "__mul__", "/": "__truediv__"}[kind]
        if isinstance(left, Figure):
            return getattr(left, op)(right)
        if isinstance(right, Figure):
            return getattr(right, "__r" + op[2:])(left)
        raise ValueError("arithmetic on two constants")
    raise ValueError(f"not a formula: {expr!r}")


def _plain(value: Any) -> Any:
    if isinstance(value, float):
        return Decimal(repr(value))
    return value


class FigureUnavailable(DataError):
    """A template compared, tested or computed with a figure that has no usable value."""

    def __init__(self, message: str, *, figure: Figure, hint: str) -> None:
        super().__init__(message, hint=hint)
        self.figure = figure


def _num(fig: Figure) -> Any:
    value = fig.value
    if value is None and fig.why:
        raise FigureUnavailable(
            figure=fig,
            message=f"{fig.ref} 无法计算（{fig.why}），不能参与比较或计算",
            hint="检查数据，或在模板中先用 {% if 分母 > 0 %} 判断。",
        )
    if value is None:
        raise FigureUnavailable(
            figure=fig,
            message=f"{fig.ref} 没有值（查询返回了 NULL，或查询未能执行），不能参与比较或计算",
            hint="若前面有该查询失败的警告，先修正查询；若是 NULL，在 SQL 中写 COALESCE(列, 0)，或检查数据。",
        )
    if isinstance(value, bool) or not isinstance(value, (int, Decimal, float)):
        raise FigureUnavailable(
            figure=fig,
            message=f"{fig.ref} 的值“{value}”不是数字，不能参与计算",
            hint="检查查询：该列应返回数字。",
        )
    plain = _plain(value)
    if isinstance(plain, Decimal) and not plain.is_finite():
        raise FigureUnavailable(
            figure=fig,
            message=f"{fig.ref} 的值“{value}”不是有限的数，不能参与计算",
            hint="数据库返回了 NaN 或无穷大：检查数据，或在 SQL 中排除这些值。",
        )
    return plain


def _divide(a: Any, b: Any) -> Decimal:
    if b == 0:
        # Only a template's own 0 gets here (a figure's 0 makes a figure without a value).
        raise DataError("除数为 0", hint="模板中的除数写成了 0：改正模板中的算式。")
    return Decimal(a) / Decimal(b)


class Row:
    """One result row: `row.column` is a Figure; unknown columns name the nearest."""

    def __init__(self, query: str, columns: dict[str, Figure], description: str = ""):
        self._query = query
        self._columns = columns
        self._description = description

    def __getattr__(self, name: str) -> Figure:
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return self._columns[name]
        except KeyError as exc:
            raise UnknownColumn(self._query, name, list(self._columns)) from exc

    def __getitem__(self, name: str) -> Figure:
        return self.__getattr__(name)

    def __contains__(self, name: object) -> bool:
        return name in self._columns

    def __iter__(self) -> Iterator[str]:
        # `{% for r in q %}` over a one-row query would loop over its column names: say what
        # to write instead (Python code asks `keys()` or `in`).

        raise TemplateError(
            f"查询 {self._query} 返回一行，不能逐行循环",
            hint=f"{{% for r in … %}} 只能用于文件头写 returns: rows 的查询；一行的查询请直接写 "
            f"{{{{ {self._query}.列名 }}}}（列：{'、'.join(self._columns)}），或把查询改为 returns: rows。",
        )

    def keys(self) -> list[str]:
        return list(self._columns)

    def figures(self) -> list[Figure]:
        return list(self._columns.values())

    def __repr__(self) -> str:
        return f"Row({self._query}: {', '.join(self._columns)})"


class MissingRow:
    """Stands in for the row of a query that failed: every column is a figure without a value."""

    def __init__(self, query: str, source: str, description: str = ""):
        # Private names: any public attribute would hide a column of the same name.
        self._query, self._source, self._description = query, source, description

    def __getattr__(self, column: str) -> Figure:
        if column.startswith("_"):
            raise AttributeError(column)
        prov = Provenance(self._query, self._source, column)
        return Figure(None, prov.ref, (prov,), self._description)

    __getitem__ = __getattr__


class MissingRows:
    """Stands in for the rows of a query that failed: a loop over them, their count, a test of
    them cannot be answered, so the sentence that reads them becomes a placeholder."""

    def __init__(self, query: str, source: str, description: str = ""):
        self._query, self._source, self._description = query, source, description

    def _unavailable(self) -> Any:
        prov = Provenance(self._query, self._source, "*")
        return Figure(None, self._query, (prov,), self._description) > 0  # raises FigureUnavailable

    def __iter__(self) -> Any:
        return self._unavailable()

    def __len__(self) -> int:
        return self._unavailable()

    def __bool__(self) -> bool:
        return self._unavailable()

    def __getitem__(self, index: Any) -> Any:
        return self._unavailable()

    def __repr__(self) -> str:
        return f"MissingRows({self._query})"


class UnknownColumn(AttributeError):
    """A template asked for a column the query does not return."""

    def __init__(self, query: str, column: str, known: list[str]):
        self.query, self.column, self.known = query, column, known
        close = difflib.get_close_matches(column, known, n=3)
        self.suggestions = close
        super().__init__(f"{query}.{column}")


@dataclass
class Occurrence:
    """One place in the draft where a figure was printed."""

    id: str
    ref: str
    text: str
    value: Any
    filter: str
    sources: tuple[Provenance, ...]
    description: str = ""
    placeholder: bool = False
    part: str | None = None  # filled in by the section renderer
    reason: str | None = None  # why a placeholder stands here instead of the figure
    template: str | None = None  # the template file (and line) that printed it, when known
    line: int | None = None
    wording: str | None = None  # the conditional wording (`w001`) this figure was printed in
    expr: Expr | None = None  # the formula of a derived figure; None for a query's own value
    inputs: tuple[tuple[str, Any], ...] = ()  # a derived figure's inputs: (ref, raw value)
    cell: dict[str, Any] | None = None  # in a table: {"table": 1, "row": 3, "key": "…", "column": "…"}

    @property
    def cell_label(self) -> str:
        """`表1 第3行（徐泾镇）“检查家次”` for a figure in a table, else ''."""
        return cell_label(self.cell)

    @property
    def where(self) -> str:
        """`templates/sections/x.txt:11`, or the part, or ''."""
        if self.template:
            return f"{self.template}:{self.line}" if self.line else self.template
        return self.part or ""

    @property
    def queries(self) -> list[str]:
        return list(dict.fromkeys(s.query for s in self.sources))


@dataclass
class Wording:
    """The text one template condition over figures produced: which branch, and why.

    `cid` names the condition in its template (`file:line:kind+ordinal`); the k-th wording of a
    cid in one build corresponds to the k-th of the same cid in another build of the same
    templates. `branch` is the index of the branch taken (0 the `if`, 1… the `elif`s, then
    the `else`, which exists implicitly, empty, when the template wrote none).
    """

    id: str
    cid: str
    conditions: list[str]  # the source text of each test evaluated, in order
    branch: int
    labels: list[str]  # a label per branch: 如果、否则如果 1 …、否则
    reads: list[tuple[str, Any]]  # (ref, raw value) of every figure the tests read
    template: str | None = None
    line: int | None = None
    parent: str | None = None  # the wording this one was printed inside
    text: str = ""  # the plain text it produced (filled in by the section renderer)
    part: str | None = None

    @property
    def label(self) -> str:
        return self.labels[self.branch] if 0 <= self.branch < len(self.labels) else str(self.branch)

    @property
    def condition(self) -> str:
        return "；".join(self.conditions)


@dataclass
class FigureRegistry:
    """Every figure occurrence of one build, in the order the templates printed them."""

    occurrences: dict[str, Occurrence] = field(default_factory=dict)

    # Conditional wordings of this build (drafter.text.wording), in the order printed, and the
    # ones open while rendering (None for a condition that read no figure).
    wordings: dict[str, Wording] = field(default_factory=dict)
    open_wordings: list[str | None] = field(default_factory=list)

    # Queries that failed in this build, by name, with the reason: a placeholder for one
    # of their figures says why.
    failed: dict[str, str] = field(default_factory=dict)
    issued: int = 0  # occurrences ever recorded: ids stay unique when some are forgotten

    # Tables (drafter.text.blocks.TableBlock) and charts (drafter.text.charts.ChartSpec) of the build.
    tables: list[Any] = field(default_factory=list)
    charts: list[Any] = field(default_factory=list)
    # Render-order id → document-order id, once `renumber` ran (table blocks keep the old ids).
    renamed: dict[str, str] = field(default_factory=dict)
    # Tables waiting to be built once the figures are numbered: (placeholder paragraph, TableBlock).
    pending_tables: list[Any] = field(default_factory=list)
    # Paragraphs of the section templates (drafter.text.sections.Paragraph), in render order,
    # with the template lines that made them: the manifest records them for `drafter adopt`.
    paragraphs: list[Any] = field(default_factory=list)

    def current_id(self, occ_id: str) -> str:
        return self.renamed.get(occ_id, occ_id)

    def record(
        self,
        figure: Figure,
        text: str,
        filter_name: str,
        placeholder: bool = False,
        *,
        reason: str | None = None,
        template: str | None = None,
        line: int | None = None,
    ) -> str:
        """Remember an occurrence and return its text wrapped in markers."""
        self.issued = max(self.issued, len(self.occurrences)) + 1
        occ_id = f"f{self.issued:03d}"
        self.occurrences[occ_id] = Occurrence(
            id=occ_id,
            ref=figure.ref,
            text=text,
            value=figure.value,
            filter=filter_name,
            sources=figure.sources,
            description=figure.description,
            placeholder=placeholder,
            reason=reason,
            template=template,
            line=line,
            wording=self.current_wording,
            expr=figure.expr if figure.derived else None,
            inputs=figure.inputs if figure.derived else (),
        )
        return f"{MARK_OPEN}{occ_id}{MARK_SEP}{text}{MARK_CLOSE}"

    @property
    def current_wording(self) -> str | None:
        if not self.open_wordings:
            return None
        return next((w for w in reversed(self.open_wordings) if w is not None), None)

    def renumber(self, order: list[str]) -> dict[str, str]:
        """Give occurrences ids in document order (`order`); return old id → new id.

        Templates are rendered sections first, master last, so render order is not
        the order a reader meets the figures in.
        """
        seen = list(dict.fromkeys(i for i in order if i in self.occurrences))
        seen_set = set(seen)
        rest = [i for i in self.occurrences if i not in seen_set]
        mapping = {old: f"f{n:03d}" for n, old in enumerate([*seen, *rest], start=1)}
        renamed: dict[str, Occurrence] = {}
        for old, new in mapping.items():
            occ = self.occurrences[old]
            occ.id = new
            renamed[new] = occ
        self.occurrences = renamed
        self.renamed = (
            {first: mapping.get(now, now) for first, now in self.renamed.items()} if self.renamed else dict(mapping)
        )
        return mapping

    @property
    def placeholders(self) -> list[Occurrence]:
        return [o for o in self.occurrences.values() if o.placeholder]

    def __len__(self) -> int:
        return len(self.occurrences)

    def __iter__(self) -> Iterator[Occurrence]:
        return iter(self.occurrences.values())


def cell_dict(cell: Any) -> dict[str, Any]:
    """A table position as a dict: the manifest's CellRef, or a registry's cell as it is."""
    if isinstance(cell, dict):
        return cell
    return {"table": cell.table, "row": cell.row, "key": cell.key, "column": cell.column}


def cell_label(cell: Any) -> str:
    """`表1 第3行（徐泾镇）“检查家次”` from a figure's table position."""
    if not cell:
        return ""
    cell = cell_dict(cell)
    key = cell.get("key") or ""
    return f"表{cell.get('table')} 第{cell.get('row')}行{f'（{key}）' if key else ''}“{cell.get('column', '')}”"


def strip_marks(text: str) -> str:
    """The text a reader sees: markers removed (figures' and wordings')."""
    return WORDING_MARK.sub("", MARKED.sub(lambda m: m.group(2), text))


def strip_wording_marks(text: str) -> str:
    return WORDING_MARK.sub("", text)


def marked_ids(text: str) -> list[str]:
    return [m.group(1) for m in MARKED.finditer(text)]
