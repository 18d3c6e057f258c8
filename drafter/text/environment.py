"""The one place that builds the Jinja environment for section templates and the Word master.

Sandboxed (a template cannot reach Python internals), StrictUndefined (a
misspelt figure is an error, never an empty string), and every number filter
wrapped so that a figure it prints is recorded in the build's registry.
"""

from __future__ import annotations

import difflib
import re
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from types import FrameType
from typing import Any, Literal, cast

from jinja2 import FileSystemLoader, StrictUndefined, TemplateSyntaxError, UndefinedError, nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.exceptions import SecurityError, TemplateAssertionError
from jinja2.exceptions import TemplateError as JinjaError
from jinja2.sandbox import ImmutableSandboxedEnvironment, SandboxedEnvironment

from drafter.data.figures import (
    MARK_OPEN,
    POISON_CLOSE,
    POISON_OPEN,
    Figure,
    FigureRegistry,
    FigureUnavailable,
    MissingRow,
    Row,
    UnknownColumn,
    strip_internal_marks,
)
from drafter.errors import DataError, DrafterError, TemplateError, numbered_context
from drafter.text import numbers
from drafter.text.blocks import mark_table_lines
from drafter.text.charts import make_chart_function
from drafter.text.lists import cn_sep, make_join_cn, top
from drafter.text.unbound import make_unbound
from drafter.text.wording import Tracer, instrument

__all__ = ["strip_internal_marks"]

# Filters that format a value as report text, by name.
FORMAT_FILTERS: dict[str, Callable[..., str]] = {
    "num": numbers.num,
    "wan": numbers.wan,
    "approx": numbers.approx,
    "pct": numbers.pct,
    "wan_yuan": numbers.wan_yuan,
    "to_wan": numbers.to_wan,
    "yuan": numbers.yuan,
    "date_cn": numbers.date_cn,
    "month_cn": numbers.month_cn,
    "cn_num": numbers.cn_num,
    "yoy": numbers.yoy,
    "mom": numbers.mom,
    "pp": numbers.pp,
}
VALUE_FILTERS = ("ratio", "round", "top", "cn_sep", "join_cn")

# Characters XML 1.0 cannot hold; database text may carry them.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def clean_text(value: str) -> str:
    """Database text made safe for a Word document."""
    return _XML_INVALID.sub("", value)


# A template line is one paragraph, and drafter's own marker characters frame each figure:
# database text keeps neither, or it would split its paragraph or pose as a figure.
_NOT_IN_A_VALUE = re.compile("[\n\r\x85\u2028\u2029\ue000-\ue023]")


def clean_value(value: str) -> str:
    """A database value made safe for its place in a sentence: `clean_text`, without line
    breaks and without the marker characters."""
    return _NOT_IN_A_VALUE.sub("", clean_text(value))


class _Never(Exception):
    """Caught nowhere: with --strict (and in the Word master) a figure without a value is an error."""


class GuardedCodeGenerator(CodeGenerator):
    """Jinja's code generator, with every `{% if %}` test, `{% for %}` loop, `{% set %}` and
    `{{ … }}` output guarded: a
    figure without a value read there (compared, tested, computed) takes no branch and prints
    nothing, and leaves a poison mark instead, which turns its sentence into a placeholder
    (`sections.render_section`). The environment's `unavailable_error` is what is caught."""

    def visit_If(self, node: nodes.If, frame: Frame) -> None:
        self._guarded_if(node.lineno, node.test, node.body, list(node.elif_), node.else_, frame.soft())

    def _guarded_if(self, lineno: int, test: nodes.Node, body: list, elifs: list, else_: list, frame: Frame) -> None:
        truth, error = self.temporary_identifier(), self.temporary_identifier()
        self.writeline("try:")
        self.indent()
        self.writeline(f"{truth} = environment.truth(")
        self.visit(test, frame)
        self.write(")")
        self.outdent()
        self.writeline(f"except environment.unavailable_error as {error}:")
        self.indent()
        self.writeline(f"{truth} = None")
        self.start_write(frame)
        self.write(f"environment.poison({error}, {lineno})")
        self.end_write(frame)
        self.outdent()
        self.writeline(f"if {truth}:")
        self.indent()
        self.blockvisit(body, frame)
        self.outdent()
        if elifs or else_:
            self.writeline(f"elif {truth} is not None:")
            self.indent()
            if elifs:
                first = elifs[0]
                self._guarded_if(first.lineno, first.test, first.body, elifs[1:], else_, frame)
            else:
                self.blockvisit(else_, frame)
            self.outdent()

    def visit_For(self, node: nodes.For, frame: Frame) -> None:
        """`{% for r in q %}` over the rows of a query that failed: no line of the loop, a poison mark."""
        error = self.temporary_identifier()
        self.writeline("try:")
        self.indent()
        self.writeline("pass")
        super().visit_For(node, frame)
        self.outdent()
        self.writeline(f"except environment.unavailable_error as {error}:")
        self.indent()
        self.start_write(frame)
        self.write(f"environment.poison({error}, {node.lineno})")
        self.end_write(frame)
        self.outdent()

    def visit_Assign(self, node: nodes.Assign, frame: Frame) -> None:
        """`{% set y = x.n > 0 %}`: a value that cannot be computed is stored as a figure without a
        value (with the reason), so that where `y` is used a placeholder stands."""
        value, error = self.temporary_identifier(), self.temporary_identifier()
        self.writeline("try:")
        self.indent()
        self.writeline(f"{value} = ")
        self.visit(node.node, frame)
        self.outdent()
        self.writeline(f"except environment.unavailable_error as {error}:")
        self.indent()
        self.writeline(f"{value} = environment.missing_figure({error})")
        self.outdent()
        stored = object.__new__(nodes.InternalName)  # Jinja's own node for a name of the compiler
        stored.name = value
        stored.lineno = node.lineno
        stored.environment = node.environment
        super().visit_Assign(nodes.Assign(node.target, stored, lineno=node.lineno), frame)

    def _output_child_pre(self, node: nodes.Expr, frame: Frame, finalize) -> None:
        # Each `{{ … }}` on its own: the text around it is kept, the expression alone is guarded.
        self.write("environment.guarded(lambda: ")
        super()._output_child_pre(node, frame, finalize)

    def _output_child_post(self, node: nodes.Expr, frame: Frame, finalize) -> None:
        super()._output_child_post(node, frame, finalize)
        self.write(f", {node.lineno})")


@dataclass
class Poison:
    """A sentence that could not be written: the figure it needed and why."""

    figure: Figure
    reason: str
    template: str | None
    line: int | None


def poison_mark(poison_id: str) -> str:
    return f"{POISON_OPEN}{poison_id}{POISON_CLOSE}"


POISONED = re.compile(f"{POISON_OPEN}([^{POISON_CLOSE}]*){POISON_CLOSE}")


_PLAIN_REF = re.compile(r"[\w.]+")


def placeholder(ref: str, description: str = "") -> str:
    """【待补充：…】: a figure named as the templates name it (`q.col`); one computed or taken
    from a row (`(a/b)`, `rows[0].x`) by what it is, its query's description, for a reader
    does not read internal expressions."""
    if description and not _PLAIN_REF.fullmatch(ref):
        return f"【待补充：{description}】"
    return f"【待补充：{ref}】"


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, Figure) else value


def _merge_args(figure: Figure, args: tuple, kwargs: dict) -> Figure:
    """A figure whose provenance also names the figures passed as filter arguments."""
    extra = [a for a in (*args, *kwargs.values()) if isinstance(a, Figure)]
    if not extra:
        return figure
    sources = figure.sources + tuple(s for a in extra for s in a.sources if s not in figure.sources)
    refs = ",".join(a.ref for a in extra)
    return Figure(
        figure.value,
        f"{figure.ref}|{refs}",
        sources,
        figure.description,
        figure.why,
        figure.expr if figure.derived else None,
        figure.inputs if figure.derived else None,
    )


def template_position() -> tuple[str | None, int | None]:
    """The template file and line Jinja is executing now (for a placeholder's listing)."""
    frame: FrameType | None = sys._getframe(1)
    while frame is not None:
        template = frame.f_globals.get("__jinja_template__")
        if template is not None:
            filename = template.filename
            if not filename or filename.startswith("<"):
                return None, None  # a template from a string: the Word master
            return filename, template.get_corresponding_lineno(frame.f_lineno)
        frame = frame.f_back
    return None, None


def missing_reason(figure: Figure, registry: FigureRegistry) -> str:
    """Why `figure` has no value: its query failed, a denominator was 0, or the database gave
    NULL (naming the figures that are NULL when it was computed from others)."""
    if figure.why:
        return figure.why
    for prov in figure.sources:
        if prov.query in registry.failed:
            return f"{registry.failed[prov.query]}（见上面的警告）"
    nulls = [ref for ref, value in figure.inputs if value is None and ref != figure.ref]
    if nulls:
        return f"{'、'.join(dict.fromkeys(nulls))} 的{NULL_RESULT}"
    return NULL_RESULT


NULL_RESULT = "查询结果为空（NULL）"


# Filters comparing a figure with another period's: a placeholder says which comparison is missing.
_COMPARED = {"yoy": "同比", "mom": "环比", "pp": "的变化"}


def _unavailable(
    registry: FigureRegistry,
    figure: Figure,
    ref: str,
    filter_name: str,
    reason: str,
    strict: bool,
    prefix: Any = None,
) -> str:
    """A placeholder 【待补充：ref】 recorded with its reason; with `strict`, an error instead.
    A comparison's says which (`pp`'s by its `prefix`: 同比, 环比)."""
    if strict:
        raise DataError(
            f"数字 {ref} 无法计算：{reason}",
            hint="--strict 模式下不生成有【待补充】的草稿：修正查询或数据；去掉 --strict 则以【待补充】占位并继续。",
        )
    template, line = template_position()
    label = placeholder(ref, figure.description)
    if filter_name in _COMPARED:  # 【待补充：items.total 同比】: not the figure itself, which is printed
        what = _COMPARED[filter_name]
        if filter_name == "pp" and isinstance(prefix, str) and prefix.strip():
            what = f"的{prefix.strip()}变化"  # a 同比 and a 环比 change in one sentence told apart
        label = f"{label[:-1]}{'' if what.startswith('的') else ' '}{what}】"
    return registry.record(
        figure,
        label,
        filter_name,
        placeholder=True,
        reason=reason,
        template=template,
        line=line,
    )


def _format_filter(
    name: str, fn: Callable[..., str], registry: FigureRegistry, strict: bool = False
) -> Callable[..., str]:
    def apply(value: Any, *args: Any, **kwargs: Any) -> str:
        if isinstance(value, str) and MARK_OPEN in value:
            raise TemplateError(  # a mistake in the template, whatever the data
                f"过滤器 {name} 作用在了已经格式化的数字上",
                hint="每个数字只用一个格式过滤器，例如 {{ x.n | wan }}，不要写成 {{ x.n | num | wan }}。",
            )
        plain_args = [_plain(a) for a in args]
        plain_kwargs = {k: _plain(v) for k, v in kwargs.items()}
        if not isinstance(value, Figure):
            return _call(fn, name, value, plain_args, plain_kwargs, ref=None)
        figure = _merge_args(value, args, kwargs)
        if figure.missing:
            return _unavailable(
                registry, figure, value.ref, name, missing_reason(figure, registry), strict, kwargs.get("prefix")
            )
        missing_args = [a for a in (*args, *kwargs.values()) if isinstance(a, Figure) and a.missing]
        if missing_args or any(a is None for a in plain_args):
            reason = missing_reason(missing_args[0], registry) if missing_args else "过滤器的参数为空"
            if missing_args and reason == NULL_RESULT:  # the other figure's NULL, not this one's
                reason = f"{missing_args[0].ref} 的{NULL_RESULT}"
            return _unavailable(registry, figure, value.ref, name, reason, strict, kwargs.get("prefix"))
        try:
            text = _call(fn, name, figure.value, plain_args, plain_kwargs, ref=value.ref)
        except DataError as exc:
            # A value this filter cannot format (text where a number belongs): the figure
            # cannot be computed, like a NULL.
            reason = exc.message + (f"（{exc.cause}）" if exc.cause else "")
            if name in _COMPARED and args and isinstance(args[0], Figure) and exc.cause:
                # the other period's figure is what it cannot be compared with (上期数为 0)
                reason = f"与 {args[0].ref}（{args[0].value}）比较：{exc.cause}"
            return _unavailable(registry, figure, value.ref, name, reason, strict, kwargs.get("prefix"))
        return registry.record(figure, text, name)

    apply.__name__ = name
    return apply


def _call(fn, name: str, value: Any, args: list, kwargs: dict, ref: str | None) -> str:
    try:
        return fn(value, *args, **kwargs)
    except (TypeError, ValueError, ArithmeticError) as exc:
        what = f"{ref} 的值“{value}”" if ref else f"值“{value}”"
        raise DataError(
            f"{what}不能用过滤器 {name} 格式化",
            cause=str(exc),
            hint="检查查询返回的是否是数字，或换用合适的过滤器（见 README 的过滤器一览）。",
        ) from exc


def _ratio(value: Any, denominator: Any) -> Any:
    """`a | ratio(b)`: the exact quotient a/b, a figure when either side is one."""
    if isinstance(value, Figure) or isinstance(denominator, Figure):
        if not isinstance(value, Figure):
            return denominator.__rtruediv__(value)
        if value.missing and not isinstance(denominator, (Figure, int, float, Decimal)):
            return Figure(None, f"({value.ref}/{denominator})", value.sources, value.description, value.why)
        return value / denominator  # a figure without a value on either side gives one without a value
    return numbers.ratio(value, denominator)


def _round(value: Any, precision: int = 0, method: str = "common") -> Any:
    """`| round(n)`: on a figure, a derived figure rounded half-up (Decimal) that keeps its
    provenance; on a plain number, Jinja's own round."""
    if isinstance(value, Figure):
        try:
            return value.rounded(precision, method)
        except ValueError as exc:
            raise TemplateError(
                "round 的参数有误", cause=str(exc), hint="写成 round(位数)，位数 0–20；可加 method='floor' 或 'ceil'。"
            ) from exc
    from jinja2.filters import do_round

    if method not in ("common", "ceil", "floor"):
        raise TemplateError(
            "round 的参数有误", cause=f"method {method!r}", hint="method 只能是 'common'、'floor' 或 'ceil'。"
        )
    return do_round(value, precision, cast(Literal["common", "ceil", "floor"], method))


def _format_text(registry: FigureRegistry, strict: bool) -> Callable[..., str]:
    """`"%.1f" | format(x.n)`: a figure among the arguments is recorded, so the text it makes
    is still a figure of the draft (better: `x.n | num(1)`, which rounds exactly)."""
    from jinja2.filters import do_format

    def apply(text: Any, *args: Any, **kwargs: Any) -> str:
        figures = [a for a in (*args, *kwargs.values()) if isinstance(a, Figure)]
        plain_args = [_plain(a) for a in args]
        plain_kwargs = {k: _plain(v) for k, v in kwargs.items()}
        if not figures:
            return do_format(text, *plain_args, **plain_kwargs)
        figure = _merge_args(figures[0], tuple(figures[1:]), {})
        missing = [f for f in figures if f.missing]
        if missing:
            return _unavailable(
                registry, figure, figures[0].ref, "format", missing_reason(missing[0], registry), strict
            )
        try:
            shown = do_format(text, *[float(a) if isinstance(a, Decimal) else a for a in plain_args], **plain_kwargs)
        except (TypeError, ValueError) as exc:
            raise TemplateError(
                "format 的格式与参数不符", cause=str(exc), hint="数字请用 num(位数) 等过滤器，如 {{ x.n | num(1) }}。"
            ) from exc
        return registry.record(figure, clean_value(shown), "format")

    return apply


def blocked_access_error(path: Path | None, line: int | None, context: str | None, cause: str) -> TemplateError:
    """The one message for a template reaching for Python internals (`x.__class__`, a
    method that changes data): said by the validation pass and by the sandbox."""
    return TemplateError(
        "模板访问了不允许访问的内容，已阻止",
        path=path,
        line=line,
        context=context,
        cause=cause,
        hint="模板只能读取查询结果、过滤器和内置名称，不能访问 Python 内部属性，也不能修改数据。",
    )


def whole_result_error(query: str | None, returns: str, columns: list[str] | None) -> TemplateError:
    """The one message for a template that prints a query's whole result (`{{ staff }}` for
    a `row` or `rows` query): said by the validation pass, and by a render that meets one."""
    if returns == "row":
        shown = "、".join(columns) if columns else "见查询文件"
        return TemplateError(
            f"查询 {query} 返回的是一行多列，不能整个写进报告",
            hint=f"写出要用的列，例如 {{{{ {query}.{columns[0] if columns else '列名'} }}}}；查询 {query} 的列：{shown}。"
            "只有一个值的查询请在文件头写 returns: scalar。",
        )
    column = columns[0] if columns else "列名"
    return TemplateError(
        f"模板直接输出了{'查询 ' + query + ' 的' if query else '一组值（可能是 returns: rows 查询的）'}全部结果",
        hint=f"多行结果要逐行写出：{{% for r in {query or '查询名'} %}}{{{{ r.{column} }}}}{{% endfor %}}；"
        f"或只取一个值：{{{{ {query or '查询名'}[0].{column} }}}}。",
    )


def _refuse_whole_results(value: Any) -> None:
    """`{{ staff }}` for a `row` query would print `Row(staff: …)` into the report, and a
    `rows` query `[Row(…), …]`: a template prints one column at a time."""
    if isinstance(value, Row):
        raise whole_result_error(value._query, "row", value.keys())
    if isinstance(value, MissingRow):
        raise whole_result_error(value._query, "row", None)
    if isinstance(value, (list, tuple, dict)):
        rows = [v for v in value if isinstance(v, Row)] if not isinstance(value, dict) else []
        raise whole_result_error(rows[0]._query if rows else None, "rows", rows[0].keys() if rows else None)


class _TableLinesLoader(FileSystemLoader):
    """Included section templates get their table lines marked as the including one does
    (drafter.text.blocks.mark_table_lines), so a table may stand in an included file."""

    def get_source(self, environment: Any, template: str) -> tuple[str, str, Callable[[], bool]]:
        source, filename, uptodate = super().get_source(environment, template)
        return mark_table_lines(source), filename, uptodate


_ROW_OWN = frozenset(dir(Row))  # keys, figures …: Python finds these before a column of that name


class _GuardedEnvironment(ImmutableSandboxedEnvironment):
    code_generator_class = GuardedCodeGenerator

    def getattr(self, obj: Any, attribute: str) -> Any:
        # `r.column` of a query row straight from its columns: a 10,000-row table reads 40,000
        # of them. Only a public name Row itself does not define, as the sandbox would allow it.
        if type(obj) is Row and attribute in obj and attribute not in _ROW_OWN and attribute[:1] != "_":
            return obj[attribute]
        return super().getattr(obj, attribute)


def _yoy_within_year(current: Any, previous: Any, *args: Any, **kwargs: Any) -> str:
    """`yoy` in a report of less than a year: 持平 is 与上年同期持平."""
    prefix = args[2] if len(args) > 2 else kwargs.get("prefix", True)
    if prefix is True and len(args) < 6 and "same" not in kwargs:
        kwargs["same"] = "与上年同期持平"
    return numbers.yoy(current, previous, *args, **kwargs)


class TracingEnvironment(_GuardedEnvironment):
    """The guarded sandbox whose templates have their conditions over figures traced
    (drafter.text.wording), when it has a tracer."""

    tracer: Any = None
    # Compiled code shared by the environments of many drafts (drafter.pipeline.render): source →
    # (code, the conditions its parse traced). Jinja's code does not depend on the environment.
    code_cache: dict[tuple, tuple[Any, dict]] | None = None

    def compile(self, source, name=None, filename=None, raw=False, defer_init=False):
        if self.code_cache is None or raw or not isinstance(source, str):
            return super().compile(source, name, filename, raw, defer_init)
        key = (source, name, filename, defer_init)
        hit = self.code_cache.get(key)
        if hit is None:
            known = set(self.tracer.conditions) if self.tracer is not None else set()
            code = super().compile(source, name, filename, raw, defer_init)
            traced = self.tracer.conditions if self.tracer is not None else {}
            hit = self.code_cache[key] = (code, {k: v for k, v in traced.items() if k not in known})
        elif self.tracer is not None:
            self.tracer.conditions.update(hit[1])
        return hit[0]

    def _parse(self, source: str, name: str | None, filename: str | None) -> Any:
        tree = super()._parse(source, name, filename)
        if self.tracer is not None:
            self.tracer.conditions.update(instrument(tree, name, self))
        return tree


def _finalize(registry: FigureRegistry, strict: bool) -> Callable[[Any], Any]:
    """What `{{ … }}` prints: a figure recorded in `registry`, text cleaned."""

    def finalize(value: Any) -> Any:
        _refuse_whole_results(value)
        if isinstance(value, Figure):
            if value.missing:
                return _unavailable(registry, value, value.ref, "num", missing_reason(value, registry), strict)
            if isinstance(value.value, str):
                return registry.record(value, clean_value(value.value), "text")
            if isinstance(value.value, (int, float, Decimal)):
                try:  # a bool, NaN or infinity is no number a report can print
                    text = numbers.num(value.value)
                except (TypeError, ValueError, ArithmeticError) as exc:
                    reason = f"{value.ref} 的值“{value.value}”不是可以写进报告的数字（{exc}）"
                    return _unavailable(registry, value, value.ref, "num", reason, strict)
                return registry.record(value, text, "num")
            return registry.record(value, clean_value(str(value.value)), "text")
        if isinstance(value, str):
            return clean_text(value)
        return value

    return finalize


def _add_sentence_guards(env: TracingEnvironment, registry: FigureRegistry, *, sentences: bool, strict: bool) -> None:
    """The hooks the guarded code generator calls where an expression reads a figure without a value."""
    poisons: dict[str, Poison] = {}

    def poison(exc: FigureUnavailable, line: int | None) -> str:
        """Record a sentence that cannot be written; its mark in the rendered text."""
        template, _ = template_position()
        figure = exc.figure
        reason = (figure.why or missing_reason(figure, registry)) if figure.missing else exc.message
        if not sentences:
            return _unavailable(registry, figure, figure.ref, "num", reason, strict)
        poison_id = f"p{len(poisons) + 1}"
        poisons[poison_id] = Poison(figure, reason, template, line)
        return poison_mark(poison_id)

    def missing_figure(exc: FigureUnavailable) -> Figure:
        figure = exc.figure
        reason = (figure.why or missing_reason(figure, registry)) if figure.missing else exc.message
        return Figure(None, figure.ref, figure.sources, figure.description, reason)

    def guarded(evaluate: Callable[[], Any], line: int | None) -> Any:
        """The text of one `{{ … }}`, or a poison mark when it reads a figure without a value."""
        try:
            return evaluate()
        except env.unavailable_error as exc:  # type: ignore[attr-defined]
            return poison(exc, line)

    env.guarded = guarded  # type: ignore[attr-defined]
    env.missing_figure = missing_figure  # type: ignore[attr-defined]
    env.poisons = poisons  # type: ignore[attr-defined]
    env.poison = poison  # type: ignore[attr-defined]
    env.truth = bool  # type: ignore[attr-defined]
    env.unavailable_error = _Never if strict else FigureUnavailable  # type: ignore[attr-defined]


def _add_filters(
    env: TracingEnvironment, registry: FigureRegistry, finalize: Callable[[Any], Any], *, period: Any, strict: bool
) -> None:
    for name, fn in FORMAT_FILTERS.items():
        if name == "yoy" and period is not None and getattr(period, "kind", "year") != "year":
            fn = _yoy_within_year
        env.filters[name] = _format_filter(name, fn, registry, strict)
    env.filters["ratio"] = _ratio
    env.filters["round"] = _round
    env.filters["format"] = _format_text(registry, strict)

    env.filters["top"] = top
    env.filters["cn_sep"] = cn_sep
    env.filters["join_cn"] = make_join_cn(registry, finalize)
    env.globals["chart"] = make_chart_function(registry)
    env.globals["unbound"] = make_unbound(registry, template_position)


def make_environment(
    registry: FigureRegistry,
    *,
    autoescape: bool = False,
    search_path: list[Path] | None = None,
    strict: bool = False,
    sentences: bool = True,
    period: Any = None,
    trace: bool = False,
    code_cache: dict[tuple, tuple[Any, dict]] | None = None,
) -> SandboxedEnvironment:
    """The Jinja environment of one build; `search_path` serves {% include %} and {% import %}.
    `period` (the report's Period) words `yoy`'s 持平 for a report of less than a year;
    `code_cache`: compiled templates shared with the environments of other drafts.

    A figure that cannot be computed (NULL, a failed query, text for a number filter) prints
    as a placeholder 【待补充：query.column】 recorded with its reason; with `strict` it is
    an error naming the template and line instead. A condition or an expression that reads
    such a figure (compares it, tests it, computes with it) makes its whole sentence a
    placeholder when `sentences` (the section templates: see `sections.render_section`),
    else (the Word master) a placeholder where it stood. With `trace`, every condition over
    figures is recorded in `registry.wordings` and its output framed by wording markers.
    """
    # Immutable: a template can neither reach Python internals nor change what the others see
    # (`report.update(…)`, `list.append(…)`).
    env = TracingEnvironment(
        loader=_TableLinesLoader([str(p) for p in search_path]) if search_path else None,
        undefined=StrictUndefined,
        autoescape=autoescape,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.code_cache = code_cache
    finalize = _finalize(registry, strict)
    env.finalize = finalize
    _add_sentence_guards(env, registry, sentences=sentences, strict=strict)
    if trace:
        env.tracer = Tracer(registry, finalize)
        env.globals.update(env.tracer.globals())
    _add_filters(env, registry, finalize, period=period, strict=strict)
    return env


# -- turning Jinja's exceptions into messages about the template -----------------------------


def _template_line(exc: BaseException, filename: str) -> int | None:
    """The template line Jinja was executing when `exc` was raised."""
    line = None
    for frame, lineno in traceback.walk_tb(exc.__traceback__):
        if frame.f_code.co_filename == filename:
            line = lineno
    return line


def known_names(context: dict[str, Any]) -> list[str]:
    return sorted(k for k in context if not k.startswith("_"))


def template_error(
    exc: BaseException, path: Path, source: str, context: dict[str, Any], filename: str | None = None
) -> DrafterError:
    """A DrafterError naming `path` and the line, for an exception raised while rendering it."""
    filename = filename or str(path)
    if isinstance(exc, DrafterError):
        if exc.path is None:
            exc.path = path
            exc.line = _template_line(exc, filename)
            if exc.line:
                # `x.n 没有值…`: show a long line around `x.n` when the line holds it.
                ref = exc.message.split(" ", 1)[0]
                exc.context = numbered_context(source, exc.line, 0, focus=ref if "." in ref else None)
        return exc
    if isinstance(exc, TemplateSyntaxError):
        line: int | None = exc.lineno
        message = "模板语法错误"
        hint = "检查 {{ }} 与 {% %} 是否成对、拼写是否正确。"
        wide = re.search(r"unexpected char '(.)'", exc.message or "")
        if wide and ord(wide.group(1)) > 0x7F:  # typed with a Chinese input method
            message = f"模板标记中有全角字符“{wide.group(1)}”"
            hint = (
                "{{ }} 和 {% %} 里面只能用半角（英文）字符：切换到英文输入法重新输入这个符号"
                '（如 ｜→|，．→.，“”→""，＞→>）。'
            )
        if isinstance(exc, TemplateAssertionError) and "filter" in (exc.message or ""):
            match = re.search(r"named '([^']+)'", exc.message or "")
            bad = match.group(1) if match else "?"
            close = difflib.get_close_matches(bad, [*FORMAT_FILTERS, *VALUE_FILTERS], n=2)
            message = f"未知的过滤器“{bad}”"
            hint = (
                f"是否想写“{'”或“'.join(close)}”？" if close else ""
            ) + f"可用的过滤器：{'、'.join([*FORMAT_FILTERS, *VALUE_FILTERS])}。"
        focus = bad if message.startswith("未知的过滤器") else wide.group(1) if wide else None
        return TemplateError(
            message,
            path=path,
            line=line,
            cause=exc.message,
            context=numbered_context(source, line, focus=focus) if line else None,
            hint=hint,
        )
    line = _template_line(exc, filename)
    # The name at fault, so that a long line is shown around it.
    named = re.search(r"'([^']+)' is undefined|attribute '([^']+)'", str(exc))
    focus = (
        exc.column if isinstance(exc, UnknownColumn) else next(filter(None, named.groups()), None) if named else None
    )
    context_lines = numbered_context(source, line, 0, focus=focus) if line else None
    if isinstance(exc, UnknownColumn):
        hint = (
            f"是否想写“{exc.query}.{exc.suggestions[0]}”？" if exc.suggestions else ""
        ) + f"查询 {exc.query} 返回的列：{'、'.join(exc.known)}。"
        return TemplateError(
            f"查询 {exc.query} 没有“{exc.column}”这一列",
            path=path,
            line=line,
            context=context_lines,
            hint=hint,
        )
    hidden = re.search(r"has no attribute '(_[^']*)'", str(exc)) if isinstance(exc, UndefinedError) else None
    if isinstance(exc, SecurityError) or hidden:  # `x.__self__`: a private name, found or not
        return blocked_access_error(path, line, context_lines, str(exc))
    if isinstance(exc, UndefinedError):
        match = re.search(r"'([^']+)' is undefined", str(exc))
        if match:
            name = match.group(1)
            close = difflib.get_close_matches(name, known_names(context), n=3)
            hint = (
                f"是否想写“{'”或“'.join(close)}”？" if close else ""
            ) + "模板里的名称是查询名（queries/ 下的文件名）或 year、report 等内置名称；可用 drafter figures 查看全部。"
            return TemplateError(
                f"模板用到了未定义的名称“{name}”",
                path=path,
                line=line,
                context=context_lines,
                cause=str(exc),
                hint=hint,
            )
        return TemplateError(
            "模板用到了不存在的内容",
            path=path,
            line=line,
            context=context_lines,
            cause=str(exc),
            hint="检查名称和列名的拼写；可用 drafter figures 查看全部数字。",
        )
    if isinstance(exc, JinjaError):
        return TemplateError(
            "模板渲染出错", path=path, line=line, context=context_lines, cause=str(exc), hint="按原因修改模板。"
        )
    if isinstance(exc, (TypeError, ValueError, ArithmeticError, AttributeError)):
        return TemplateError(
            "模板中的表达式无法计算",
            path=path,
            line=line,
            context=context_lines,
            cause=f"{type(exc).__name__}: {exc}",
            hint="检查该行的计算或过滤器用法；数字请配合过滤器输出，如 {{ x.n | num }}。",
        )
    raise exc
