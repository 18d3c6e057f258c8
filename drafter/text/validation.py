"""The one validation pass, its template half: every section template parses, uses only
known filters, and names only queries and built-in names; where a query's select list names its
columns (`AS name`), a template uses only those columns (best effort: a query whose columns
cannot be told is not checked). The code compiled here is the code build renders.

Run by the pipeline's validation stage (drafter/pipeline/validate.py), which reads the Word
master with `scan_template` too; the findings are drafter/project/validation.py's.
"""

from __future__ import annotations

import difflib
import io
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from types import CodeType
from typing import TYPE_CHECKING, Any

from jinja2 import Environment, TemplateSyntaxError, nodes
from jinja2.compiler import Frame

from drafter.data.figures import FigureRegistry
from drafter.errors import TemplateError, excerpt, numbered_context
from drafter.project.averages import MONEY_FILTERS
from drafter.project.validation import (
    BUILTIN_NAMES,
    COMPARISON_NAMES,
    PERIOD_KEYS,
    REPORT_KEYS,
    Finding,
    NameUse,
)
from drafter.text.blocks import mark_table_lines
from drafter.text.environment import (
    FORMAT_FILTERS,
    VALUE_FILTERS,
    GuardedCodeGenerator,
    blocked_access_error,
    make_environment,
    template_error,
    whole_result_error,
)
from drafter.text.sections import read_template, section_files, wide_tag_error, wide_tags

if TYPE_CHECKING:
    from drafter.project.queries import QuerySpec


def template_environment(trace: bool = False):
    # Section templates are parsed with their conditions over figures traced
    # (drafter/text/wording.py): the code compiled here is the code build renders.
    return make_environment(FigureRegistry(), trace=trace)


def lint_sections(
    sections, resolve, findings: list[Finding], uses: list[NameUse], compiled: dict[Path, CodeType]
) -> list[Path]:
    try:
        files = section_files(sections, resolve)
    except TemplateError as exc:
        findings.append(Finding.from_error(exc))
        return []
    env = template_environment(trace=True)
    seen: set[Path] = set()
    pending = list(files)
    while pending:
        path = pending.pop(0)
        if path in seen or not path.is_file():
            continue
        seen.add(path)
        try:
            source = read_template(path)
        except TemplateError as exc:
            findings.append(Finding.from_error(exc))
            continue
        findings += [Finding.from_error(wide_tag_error(path, source, line, mark)) for line, mark in wide_tags(source)]
        # Parsed as the build renders it: table lines carry their line-number marks (text only).
        tree = parse_template(env, source, path, findings, text=mark_table_lines(source))
        if tree is None:
            continue
        for included in included_templates(tree):
            pending.append(path.parent / included)
        scan_template(env, tree, source, path, None, findings, uses, compiled=compiled)
    return files


def parse_template(env, source: str, path: Path, findings: list[Finding], text: str | None = None):
    """The template's tree (of `text`, the source as rendered, when given); a finding if it
    does not parse, shown against `source`."""
    try:
        tree = env.parse(source if text is None else text, name=path.name, filename=str(path))
    except TemplateSyntaxError as exc:
        findings.append(Finding.from_error(template_error(exc, path, source, {}, str(path))))
        return None
    return tree


def included_templates(tree) -> Iterator[str]:
    for node in tree.find_all((nodes.Include, nodes.Import, nodes.FromImport)):
        if isinstance(node.template, nodes.Const) and isinstance(node.template.value, str):
            yield node.template.value


def _nodes_by_type(tree: nodes.Node) -> defaultdict[type, list[Any]]:
    """Every node of `tree`, by its type, from one walk (each find_all would walk it again)."""
    found: defaultdict[type, list[Any]] = defaultdict(list)
    stack = [tree]
    while stack:
        node = stack.pop()
        found[type(node)].append(node)
        stack.extend(reversed(list(node.iter_child_nodes())))
    return found


def compile_tracking(env: Environment, tree: nodes.Template, path: Path) -> tuple[CodeType, set[str]]:
    """The template compiled, as Environment.compile would, and the names it reads from its
    context (what jinja2.meta.find_undeclared_variables tells, from the same one pass)."""
    stream = io.StringIO()
    generator = _TrackingGenerator(env, path.name, str(path), stream)
    generator.visit(tree)
    return compile(stream.getvalue(), str(path), "exec"), generator.undeclared


class _TrackingGenerator(GuardedCodeGenerator):
    """Jinja's code generator, remembering every name a frame resolves from the context."""

    def __init__(self, environment: Environment, name: str, filename: str, stream: io.StringIO) -> None:
        super().__init__(environment, name, filename, stream, optimized=environment.optimized)
        self.undeclared: set[str] = set()

    def enter_frame(self, frame: Frame) -> None:
        super().enter_frame(frame)
        for action, param in frame.symbols.loads.values():
            if action == "resolve" and param not in self.environment.globals:
                self.undeclared.add(param)


def _place(source: str, paragraphs, line: int | None, focus: str) -> tuple[int | None, str | None, str | None]:
    """Line, paragraph and the text shown for a finding about `focus` (a long line is cut
    down to the part around it)."""
    if paragraphs is not None:  # the master: a line of `source` is one paragraph
        if line and line <= len(paragraphs):
            where, text = paragraphs[line - 1]
            return None, where, f"  > {where} | {excerpt(text, focus)}"
        return None, None, None
    return line, None, numbered_context(source, line, 0, focus=focus) if line else None


def scan_template(
    env,
    tree,
    source: str,
    path: Path,
    paragraphs,
    findings: list[Finding],
    uses: list[NameUse],
    extra_names: frozenset | set = frozenset(),
    compiled: dict[Path, CodeType] | None = None,
) -> None:
    """Record the names and columns `tree` uses; report unknown filters. Where the template
    is clean, its compiled code goes into `compiled`."""
    found_before = len(findings)
    place = partial(_place, source, paragraphs)
    found = _nodes_by_type(tree)
    _unknown_filters_and_tests(env, found, place, path, findings)
    _filter_precedence(found, place, path, findings)
    # Compiling checks filter and test names: let it pass over the unknowns reported above.
    env.filters.update({n.name: str for n in found[nodes.Filter] if n.name not in env.filters})
    env.tests.update({n.name: bool for n in found[nodes.Test] if n.name not in env.tests})
    code, undeclared = compile_tracking(env, tree, path)
    if compiled is not None and len(findings) == found_before:
        compiled[path] = code  # the build renders this code: its templates are parsed and compiled once
    free = undeclared - set(extra_names) - set(env.globals)
    printed = {id(child) for output in found[nodes.Output] for child in output.nodes}
    money = {id(f.node): f.name for f in found[nodes.Filter] if f.name in MONEY_FILTERS and not f.args and f.node}
    _UseCollector(path, place, findings, uses, free, printed, money).collect(tree, found)


def _unknown_filters_and_tests(env, found, place, path: Path, findings: list[Finding]) -> None:
    for node in found[nodes.Filter]:
        if node.name not in env.filters:
            line, where, context = place(node.lineno, node.name)
            ours = [*FORMAT_FILTERS, *VALUE_FILTERS]
            close = difflib.get_close_matches(node.name, ours, n=2)
            findings.append(
                Finding(
                    f"未知的过滤器“{node.name}”",
                    path,
                    line,
                    where,
                    hint=(f"是否想写“{'”或“'.join(close)}”？" if close else "") + f"可用的过滤器：{'、'.join(ours)}。",
                    context=context,
                )
            )
    for node in found[nodes.Test]:
        if node.name not in env.tests:
            line, where, context = place(node.lineno, node.name)
            findings.append(
                Finding(
                    f"未知的判断“is {node.name}”",
                    path,
                    line,
                    where,
                    context=context,
                    hint="可用的判断如 is defined、is none、is number；见 Jinja 文档。",
                )
            )


@dataclass
class _UseCollector:
    """Records the `name.column` uses of one template; `free` are the names it reads from the
    context, `printed` the ids of nodes written out whole (`{{ name }}`)."""

    path: Path
    place: Callable[[int | None, str], tuple[int | None, str | None, str | None]]
    findings: list[Finding]
    uses: list[NameUse]
    free: set[str]
    printed: set[int]
    money: dict[int, str] = field(default_factory=dict)  # node id → `yuan` etc. applied to it without digits
    columns_seen: set[int] = field(default_factory=set)

    def collect(self, tree: nodes.Node, found) -> None:
        self.visit(tree, {})
        for node in found[nodes.Name]:
            if node.ctx == "load" and node.name in self.free and id(node) not in self.columns_seen:
                line, where, context = self.place(node.lineno, node.name)
                self.uses.append(
                    NameUse(
                        node.name,
                        None,
                        self.path,
                        line,
                        where,
                        context,
                        id(node) in self.printed,
                        money=self.money.get(id(node)),
                    )
                )

    def visit(self, node: nodes.Node, loops: dict[str, str]) -> None:
        """Record `name.column` uses; `loops` maps the loop variables in scope to the query
        they iterate over, so `{% for r in a %}` and `{% for r in b %}` each see their own."""
        if isinstance(node, nodes.For):
            self._visit_loop(node, loops)
            return
        if (
            isinstance(node, nodes.Call)
            and isinstance(node.node, nodes.Getattr)
            and node.node.attr in _MUTATING_METHODS
        ):
            self._blocked(node, node.node.attr, f"access to attribute '{node.node.attr}' of a mutable object is unsafe")
            return
        if isinstance(node, nodes.Getattr) and node.attr.startswith("_"):
            before = len(self.findings)
            self.visit(node.node, loops)  # `''.__class__.__mro__`: the innermost is named, as the sandbox does
            if len(self.findings) == before:
                self._blocked(node, node.attr, f"access to attribute '{node.attr}' is unsafe")
            return
        if isinstance(node, (nodes.Getattr, nodes.Getitem)):
            self._record_key(node, loops)
        for child in node.iter_child_nodes():
            self.visit(child, loops)

    def _visit_loop(self, node: nodes.For, loops: dict[str, str]) -> None:
        self.visit(node.iter, loops)
        inner = dict(loops)
        for target in node.target.find_all(nodes.Name):
            inner.pop(target.name, None)
        if isinstance(node.target, nodes.Name) and isinstance(node.iter, nodes.Name) and node.iter.name in self.free:
            inner[node.target.name] = node.iter.name
        for child in [*node.body, *([node.test] if node.test else [])]:
            self.visit(child, inner)
        for child in node.else_:
            self.visit(child, loops)

    def _blocked(self, node: nodes.Node, attr: str, cause: str) -> None:
        line, where, context = self.place(node.lineno, attr)
        error = blocked_access_error(self.path, line, context, cause)
        self.findings.append(replace(Finding.from_error(error), where=where))

    def _compared(self, name: nodes.Node) -> str | None:
        """`prev` / `last` when `name` is one the template reads."""
        if isinstance(name, nodes.Name) and name.name in COMPARISON_NAMES and name.name in self.free:
            return name.name
        return None

    def _record_key(self, node: nodes.Getattr | nodes.Getitem, loops: dict[str, str]) -> None:
        inner = node.node
        if isinstance(inner, (nodes.Getattr, nodes.Getitem)) and (via := self._compared(inner.node)):
            # `prev.q.col`: column col of query q (over the shifted period); `prev.period.label` is no query.
            query, key = _key_of(inner), _key_of(node)
            if query is not None and key is not None and query != "period":
                line, where, context = self.place(node.lineno, key)
                self.uses.append(NameUse(query, key, self.path, line, where, context, via=via))
        if not isinstance(inner, nodes.Name):
            return
        if via := self._compared(inner):
            query = _key_of(node)
            if query is not None and query != "period":
                line, where, context = self.place(node.lineno, query)
                self.uses.append(
                    NameUse(query, None, self.path, line, where, context, id(node) in self.printed, via=via)
                )
        key = _key_of(node)
        name = loops.get(inner.name) or (inner.name if inner.name in self.free else None)
        if key is not None and name is not None:
            self.columns_seen.add(id(inner))
            line, where, context = self.place(node.lineno, key)
            self.uses.append(
                NameUse(
                    name,
                    key,
                    self.path,
                    line,
                    where,
                    context,
                    direct=inner.name not in loops,
                    money=self.money.get(id(node)),
                )
            )


_OPERATORS = {nodes.Add: "+", nodes.Sub: "-", nodes.Mul: "*", nodes.Div: "/", nodes.FloorDiv: "//", nodes.Mod: "%"}


def _filter_precedence(found, place, path: Path, findings: list[Finding]) -> None:
    """`(a + b) / c | pct(1)` formats only `c` (`|` binds before `/`), then divides by text:
    told at lint, with the parentheses to write."""
    for kind, sign in _OPERATORS.items():
        for node in found[kind]:
            for side in (node.left, node.right):
                if isinstance(side, nodes.Filter) and side.name in FORMAT_FILTERS:
                    line, where, context = place(node.lineno, f"| {side.name}")
                    findings.append(
                        Finding(
                            f"过滤器 {side.name} 只作用在“{sign}”一侧的数上，算式的其余部分会拿格式化后的文字去算",
                            path,
                            line,
                            where,
                            context=context,
                            hint=f"“|”比“{sign}”先结合：给整个算式加括号，如 {{{{ ((a + b) / c) | {side.name}(1) }}}}。",
                        )
                    )


def _key_of(node: nodes.Getattr | nodes.Getitem) -> str | None:
    """`x.key` or `x["key"]`: the key; None for a computed one."""
    if isinstance(node, nodes.Getattr):
        return node.attr
    return node.arg.value if isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str) else None


# Methods that change a list, dict or set: the immutable sandbox refuses them at render time.
_MUTATING_METHODS = frozenset(
    {
        "append",
        "extend",
        "insert",
        "pop",
        "remove",
        "reverse",
        "sort",
        "clear",
        "popitem",
        "setdefault",
        "update",
        "add",
        "discard",
        "difference_update",
        "intersection_update",
        "symmetric_difference_update",
    }
)

# What a template may read of a scalar query's Figure besides printing it.
_FIGURE_ATTRIBUTES = frozenset({"value", "missing", "description"})


def check_names(
    uses: list[NameUse],
    specs: dict[str, QuerySpec],
    param_keys: list[str] | None,
    findings: list[Finding],
    extra: frozenset[str] = frozenset(),
) -> None:
    """Every name is a query or a built-in one (`extra`: `unit` in a project drafted per unit);
    every column a query is known to return exists."""
    builtin = BUILTIN_NAMES | extra
    known = sorted({*specs, *builtin})
    columns = {name: list(c) if (c := spec.parsed.columns) is not None else None for name, spec in specs.items()}
    reported: set[tuple] = set()
    for use in uses:
        key = (use.path, use.line, use.where, use.name, use.column)
        if key in reported:
            continue
        reported.add(key)
        spec = specs.get(use.name)
        if use.via is not None and spec is None:
            finding: Finding | None = _unknown_compared_query(use, specs)
        elif spec is None and use.name not in builtin:
            finding = _undefined_name(use, known)
        elif use.column is None:
            finding = _whole_result_printed(use, spec, columns)
        elif spec is not None and use.direct and spec.returns in ("rows", "scalar"):
            finding = _column_of_rows_or_scalar(use, spec)
        else:
            finding = _unknown_column(use, specs, columns, param_keys)
        if finding is not None:
            findings.append(finding)


def _unknown_compared_query(use: NameUse, specs: dict[str, QuerySpec]) -> Finding:
    close = difflib.get_close_matches(use.name, list(specs), n=1)
    return Finding(
        f"{use.via}.{use.name}：没有名为“{use.name}”的查询",
        use.path,
        use.line,
        use.where,
        hint=(f"是否想写“{use.via}.{close[0]}”？" if close else "")
        + f"{use.via} 后面写查询名，如 {{{{ {use.via}.查询名.列名 }}}}（同一查询在"
        + ("上年同期" if use.via == "prev" else "上一期")
        + "的结果）。",
        context=use.context,
    )


def _undefined_name(use: NameUse, known: list[str]) -> Finding:
    close = difflib.get_close_matches(use.name, known, n=3)
    return Finding(
        f"模板用到了未定义的名称“{use.name}”",
        use.path,
        use.line,
        use.where,
        hint=(f"是否想写“{'”或“'.join(close)}”？" if close else "")
        + "模板里的名称是查询名（queries/ 下的文件名）或 year、report 等内置名称。",
        context=use.context,
    )


def _whole_result_printed(use: NameUse, spec: QuerySpec | None, columns: dict[str, list[str] | None]) -> Finding | None:
    """`{{ q }}` of a query returning a row or rows prints no figure."""
    if not (use.printed and spec is not None and spec.returns in ("row", "rows")):
        return None

    error = whole_result_error(use.name, spec.returns, columns[use.name])
    return Finding(error.message, use.path, use.line, use.where, error.hint, context=use.context)


def _column_of_rows_or_scalar(use: NameUse, spec: QuerySpec) -> Finding | None:
    """`q.col` on a query returning rows (a loop is needed) or one value (no columns)."""
    if spec.returns == "rows":
        return Finding(
            f"查询 {use.name} 返回多行，不能直接写 {use.name}.{use.column}",
            use.path,
            use.line,
            use.where,
            context=use.context,
            hint=f"逐行写出：{{% for r in {use.name} %}}{{{{ r.{use.column} }}}}{{% endfor %}}；"
            "只要一行时，把查询的 returns: 改成 row。",
        )
    if use.column in _FIGURE_ATTRIBUTES:
        return None
    return Finding(
        f"查询 {use.name} 返回一个值（scalar），没有“{use.column}”这一列",
        use.path,
        use.line,
        use.where,
        context=use.context,
        hint=f"直接写 {{{{ {use.name} }}}}；要返回多列，把查询的 returns: 改成 row。",
    )


def _unknown_column(
    use: NameUse, specs: dict[str, QuerySpec], columns: dict[str, list[str] | None], param_keys: list[str] | None
) -> Finding | None:
    """`name.col` where `name` is known to have other keys than `col`."""
    column = use.column
    assert column is not None
    if use.name == "report":
        allowed: list[str] | None = list(REPORT_KEYS)
    elif use.name == "period":
        allowed = list(PERIOD_KEYS)
    elif use.name == "params":
        allowed = param_keys
    elif use.name in specs and specs[use.name].returns in ("row", "rows"):
        allowed = columns[use.name]
    else:
        allowed = None
    if allowed is None or column in allowed or column.lower() in {a.lower() for a in allowed}:
        return None
    close = difflib.get_close_matches(column, allowed, n=2)
    if use.name in specs:
        message = f"查询 {use.name} 没有“{column}”这一列"
        known_part = f"查询 {use.name} 返回的列：{'、'.join(allowed)}。"
    else:
        message = f"{use.name} 中没有“{column}”"
        known_part = (
            f"{use.name} 中有：{'、'.join(allowed)}。" if allowed else "config.yaml 的 parameters: 中还没有参数。"
        )
    return Finding(
        message,
        use.path,
        use.line,
        use.where,
        hint=(f"是否想写“{use.name}.{close[0]}”？" if close else "") + known_part,
        context=use.context,
    )
