"""The one validation pass: config.yaml, the queries and the templates checked together,
without a database.

`validate` loads a project into its model (config, query specs, the templates' parsed
trees and the names they use) and runs every static check over it once. `lint` reports all
its findings; `build`, `check` and `figures` stop at the first error-level one, so a command
can never accept what lint refuses or the other way round. Each finding has its file and line
(for the Word master, its paragraph):

- config.yaml loads (YAML, keys, types, environment variables);
- every query file has a complete header, a unique name that is not a built-in one,
  a configured source, parameters that something defines, and one read-only SELECT;
- every template parses, uses only known filters, and names only queries and built-in
  names; where a query's select list names its columns (`AS name`), a template uses only
  those columns (best effort: a query whose columns cannot be told is not checked);
- every query is used by some template; the master's tags open and close in one paragraph.

A problem that keeps the pass from running at all (no config.yaml) is raised as a DrafterError.
"""

from __future__ import annotations

import difflib
import io
import re
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from types import CodeType
from typing import TYPE_CHECKING, Any, Literal

from jinja2 import Environment, TemplateSyntaxError, nodes
from jinja2.compiler import Frame

from drafter.errors import (
    ConfigError,
    DrafterError,
    QueryError,
    TemplateError,
    excerpt,
    location_of,
    numbered_context,
    render_message,
)
from drafter.project.averages import MONEY_FILTERS, averaged_columns
from drafter.project.period import BUILTIN_PARAMETERS, Period, PeriodError, query_parameters
from drafter.project.settings import fill_setting, text_setting_values
from drafter.text.environment import GuardedCodeGenerator

if TYPE_CHECKING:
    from drafter.project.config import Config
    from drafter.project.queries import QuerySpec

# The names of the report itself (see builder.report_context), under `report.` and on their own.
REPORT_KEYS = ("agency", "signature", "title", "date", "recipient", "doc_number", "signer", "attachments")
# Bound for the queries by the report period (:half/:quarter/:month for a period of that kind);
# `parameters:` cannot redefine them.
PERIOD_PARAMETERS = BUILTIN_PARAMETERS
# Every name a template may use besides the queries: `period` (a Period), `prev` and `last`
# (the same queries over the period a year earlier and the period just before).
COMPARISON_NAMES = ("prev", "last")
BUILTIN_NAMES = frozenset(
    {*REPORT_KEYS, "year", "period_start", "period_end", "params", "report", "period", *COMPARISON_NAMES}
)
# What a template may read of `period` (drafter/project/period.py).
PERIOD_KEYS = (
    "kind",
    "kind_label",
    "label",
    "code",
    "start",
    "end",
    "last_day",
    "days",
    "year",
    "half",
    "quarter",
    "month",
    "prev",
    "last",
)
# Names a query file may not take: the built-ins, the master's `body`, and `unit` (a project
# drafted per unit binds it).
RESERVED_NAMES = BUILTIN_NAMES | {"body", "unit"}

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Finding:
    """One problem: what is wrong, where, and what to do. An error stops build, check and
    figures; a warning (a query no template uses) is only reported by lint."""

    message: str
    path: Path | None = None
    line: int | None = None
    where: str | None = None  # a place that is not a line: `第 5 段` of the Word master
    hint: str | None = None
    cause: str | None = None
    context: str | None = None
    severity: Severity = "error"
    column: int | None = None
    kind: type[DrafterError] = field(default=TemplateError, compare=False, repr=False)
    # The error a finding was made from, kept so that --debug shows its chain of causes.
    error: DrafterError | None = field(default=None, compare=False, repr=False)

    @classmethod
    def from_error(cls, exc: DrafterError) -> Finding:
        return cls(
            exc.message,
            exc.path,
            exc.line,
            exc.where,
            exc.hint,
            exc.cause,
            exc.context,
            column=exc.column,
            kind=type(exc),
            error=exc,
        )

    def location(self) -> str:
        return location_of(self.path, self.line, self.column, where=self.where)

    def render(self) -> str:
        return render_message(self.location(), self.message, self.context, self.cause, self.hint)

    def to_error(self) -> DrafterError:
        """The finding as the error a command stops with: the input is wrong and nothing ran
        yet, so the exit code is 2 whatever the kind."""
        error = self.kind(
            self.message,
            path=self.path,
            line=self.line,
            column=self.column,
            where=self.where,
            hint=self.hint,
            cause=self.cause,
            context=self.context,
        )
        if self.error is not None:  # the same words, with the underlying cause chained
            error.__cause__ = self.error.__cause__
        error.exit_code = 2
        return error


@dataclass
class Validation:
    """A project read into its model, with every finding of the one validation pass."""

    config_path: Path
    config: Config | None
    queries: dict[str, QuerySpec]
    findings: list[Finding]
    # The section templates (and those they include), compiled once: build renders this code.
    templates: dict[Path, CodeType] = field(default_factory=dict)
    # The comparison runs the templates name (`prev.q`, `last.q`), by comparison: run with the
    # current queries; a name only rendering reveals runs when the template asks for it.
    comparisons: dict[str, list[str]] = field(default_factory=dict)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    def raise_first_error(self) -> None:
        """Stop as lint would report it: the first error-level finding, in lint's order."""
        if self.errors:
            raise self.errors[0].to_error()


@dataclass
class _Use:
    """A name or a `name.column` a template uses, and where."""

    name: str
    column: str | None
    path: Path
    line: int | None
    where: str | None
    context: str | None
    printed: bool = False  # `{{ name }}` on its own: a whole result written into the report
    direct: bool = True  # `q.column` on the query itself, not on a loop variable over its rows
    via: str | None = None  # `prev` / `last`: the query named after a comparison
    money: str | None = None  # `| yuan` applied to it directly, without digits (drafter/project/averages.py)


def validate(
    config: str | Path | Config = "config.yaml",
    *,
    year: int | None = None,
    sources: dict[str, str] | None = None,
    period: Period | str | None = None,
) -> Validation:
    """Read the project at `config` (a path, or a Config already loaded) and check it whole,
    for `period` (a Period or its written form), else the year period `year`, else the
    project's default period.

    A config.yaml that does not load is one finding; the rest is still checked where the
    defaults lead, so one pass shows everything. Only a config file that cannot be read at
    all (missing, a folder) is raised."""
    findings: list[Finding] = []
    config_path, loaded = _load(config, year, sources, _period_of(period), findings)
    root = config_path.resolve().parent

    def resolve(p: Path) -> Path:
        return p if p.is_absolute() else root / p

    if loaded is not None:
        _check_config(loaded, findings)
        queries_dir, sections, master = (
            resolve(loaded.queries),
            loaded.templates.sections,
            resolve(loaded.templates.master),
        )
        known: tuple[list[str], list[str], list[str]] | tuple[None, None, None] = _names_known(loaded)
    else:
        queries_dir, sections, master = root / "queries", Path("templates/sections"), root / "templates/report.docx"
        known = (None, None, None)
    source_names, parameters, param_keys = known
    specs = _lint_queries(queries_dir, source_names, parameters, findings, loaded)
    uses: list[_Use] = []
    compiled: dict[Path, CodeType] = {}
    templates = _lint_sections(sections, resolve, findings, uses, compiled) + _lint_master(master, findings, uses)
    # Appendices switched off are checked too: switching one on should not reveal mistakes.
    for appendix in loaded.templates.appendices if loaded is not None else []:
        templates += _lint_sections([appendix.file], resolve, findings, uses, compiled)
    if queries_dir.is_dir():  # else every query name would be reported again as undefined
        _check_names(
            uses,
            specs,
            param_keys,
            findings,
            # `unit` is known where the config declares units, and cannot be judged when it does not load
            frozenset({"unit"}) if loaded is None or loaded.units is not None else frozenset(),
        )
    if templates:  # with no template to read, "unused" would only repeat that
        _warn_unused(specs, uses, getattr(loaded.units, "query", None) if loaded is not None else None, findings)
    findings += _averaged_money(uses, specs)
    if loaded is not None:
        _lint_rules(loaded, specs, findings)
    config_file = config_path.resolve()
    findings.sort(key=lambda f: (f.path is None or f.path.resolve() != config_file, *_order(f)))
    comparisons = {
        which: list(dict.fromkeys(u.name for u in uses if u.via == which and u.name in specs))
        for which in COMPARISON_NAMES
    }
    return Validation(config_path, loaded, specs, findings, compiled, comparisons)


def _period_of(period: Period | str | None) -> Period | None:
    if not isinstance(period, str):
        return period
    try:
        return Period.parse(period)
    except PeriodError as exc:
        error = ConfigError(str(exc), hint="期间写法见 README 的“报告期间”。")
        error.exit_code = 2
        raise error from exc


def _load(
    config: str | Path | Config,
    year: int | None,
    sources: dict[str, str] | None,
    period: Period | None,
    findings: list[Finding],
) -> tuple[Path, Config | None]:
    """The config file's path and the config for the period asked, or None when it does not load
    (why is a finding)."""
    from drafter.project.config import Config, load_config

    if isinstance(config, Config):
        if period is not None:
            return config.path, config.with_period(period)
        return config.path, config.with_year(year) if year is not None else config
    config_path = Path(config)
    if not config_path.is_file():
        from drafter.project.yamlfile import load_yaml

        load_yaml(config_path)  # raises why it cannot be read: missing, a folder, …
    try:
        return config_path, load_config(config_path, year=year, sources=sources, period=period)
    except ConfigError as exc:
        findings.append(Finding.from_error(exc))
        return config_path, None


def _names_known(loaded: Config) -> tuple[list[str], list[str], list[str]]:
    """The sources, the query parameters and the `params` keys a project defines."""
    parameters = list(query_parameters(loaded.period, loaded.parameters))
    if loaded.units is not None:  # a project drafted per unit: :unit and {{ unit }}
        parameters.append("unit")
    return list(loaded.sources), parameters, list(loaded.parameters)


def _warn_unused(
    specs: dict[str, QuerySpec], uses: list[_Use], units_query: str | None, findings: list[Finding]
) -> None:
    used = {u.name for u in uses}
    for name, spec in specs.items():
        if name not in used and name != units_query:  # the units query lists the units
            if spec.returns == "rows":
                how = f"{{% for r in {name} %}}{{{{ r.列名 }}}}{{% endfor %}} 逐行写出它的数字"
            else:
                how = f"{{{{ {name if spec.returns == 'scalar' else name + '.列名'} }}}} 写出它的数字"
            findings.append(
                Finding(
                    f"查询 {name} 没有在任何模板中使用",
                    spec.path,
                    1,
                    severity="warning",
                    kind=QueryError,
                    hint=f"在模板中用 {how}；不再需要就删去该文件。",
                )
            )


def _averaged_money(uses: list[_Use], specs: dict[str, QuerySpec]) -> list[Finding]:
    """A warning for each `| yuan` over an average or a ratio: it prints 角 and 分 no report means."""
    found = []
    for use in uses:
        spec = specs.get(use.name)
        if use.money is None or spec is None:
            continue
        averaged = averaged_columns(spec.sql)
        column = use.column.lower() if use.column else None
        if (column in averaged) if column else (spec.returns == "scalar" and averaged):
            shown = f"{use.name}.{use.column}" if use.column else use.name
            found.append(
                Finding(
                    f"{shown} 是平均值或比值（SQL 中用了 AVG 或除法），用 {use.money} 写出会带角、分（如 10078.41元）",
                    use.path,
                    use.line,
                    use.where,
                    hint=f"写成 {use.money}(0) 取整到元，或 wan_yuan(2) 以万元计；也可在 SQL 中用 ROUND(…, 0)。",
                    context=use.context,
                    severity="warning",
                )
            )
    return found


def _lint_rules(config: Config, specs: dict[str, QuerySpec], findings: list[Finding]) -> None:
    """The consistency rules (drafter/project/rules.py) load, name only known queries, and their
    SQL data tests are one read-only SELECT."""
    from jinja2.exceptions import TemplateSyntaxError as JinjaSyntaxError
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    from drafter.project.rules import load_rules
    from drafter.project.sql import check_select

    try:
        ruleset = load_rules(config)
    except DrafterError as exc:
        findings.append(Finding.from_error(exc))
        return
    env = ImmutableSandboxedEnvironment()
    for rule in ruleset.rules:
        for expression in rule.expressions():
            try:
                tree = env.parse(f"{{{{ {expression} }}}}")
            except JinjaSyntaxError as exc:
                findings.append(
                    Finding(
                        f"规则“{rule.name}”中的“{expression}”写法有误",
                        rule.path,
                        rule.line,
                        cause=exc.message,
                        hint="写成模板中的写法，如 查询名.列名 或 a.x + a.y。",
                        kind=ConfigError,
                    )
                )
                continue
            for name in dict.fromkeys(n.name for n in tree.find_all(nodes.Name)):
                if name not in specs and name not in BUILTIN_NAMES:
                    close = difflib.get_close_matches(name, list(specs), n=1)
                    findings.append(
                        Finding(
                            f"规则“{rule.name}”用到了未定义的查询“{name}”",
                            rule.path,
                            rule.line,
                            kind=ConfigError,
                            hint=(f"是否想写“{close[0]}”？" if close else "")
                            + "规则中的名称是查询名（queries/ 下的文件名）。",
                        )
                    )
            for node in tree.find_all(nodes.Getattr):
                spec = specs.get(node.node.name) if isinstance(node.node, nodes.Name) else None
                parsed = spec.parsed.columns if spec is not None else None
                columns = list(parsed) if parsed is not None else None
                if spec is not None and columns is not None and node.attr not in columns:
                    close = difflib.get_close_matches(node.attr, columns, n=1)
                    findings.append(
                        Finding(
                            f"规则“{rule.name}”用到了查询 {spec.name} 没有的列“{node.attr}”",
                            rule.path,
                            rule.line,
                            kind=ConfigError,
                            hint=(f"是否想写“{spec.name}.{close[0]}”？" if close else "")
                            + f"查询 {spec.name} 返回的列：{'、'.join(columns)}。",
                        )
                    )
    for spec in ruleset.sql_tests:
        try:
            check_select(spec.sql, spec.path, spec.sql_line)
        except DrafterError as exc:
            findings.append(Finding.from_error(exc))


def _order(finding: Finding) -> tuple:
    """File by file, then line by line (paragraph by paragraph in the master)."""
    number = re.search(r"\d+", finding.where or "")
    return (
        str(finding.path or ""),
        finding.where is not None and not finding.where.startswith("第"),
        finding.line or (int(number.group()) if number else 0),
    )


# -- config.yaml ----------------------------------------------------------------------------


def _check_config(config: Config, findings: list[Finding]) -> None:
    """What config.yaml loads fine but no build could use: a parameter that redefines a
    built-in one, a title or file name template naming what it cannot see."""
    for key in config.parameters:
        if key in PERIOD_PARAMETERS:
            findings.append(
                Finding(
                    f"parameters: 中的“{key}”与内置参数重名",
                    config.path,
                    config.line("parameters", key),
                    kind=ConfigError,
                    hint=f"{'、'.join(':' + p for p in PERIOD_PARAMETERS)} 由 drafter 按报告期间绑定，不能在 parameters: "
                    "中重新定义；期间用 --period、--year 或 config.yaml 的 report.period / report.year 指定，"
                    "其他参数请换一个名字。",
                )
            )
    from drafter.project.units import probe_unit

    values = text_setting_values(config, probe_unit() if config.units is not None else None)
    for key, template in (("report.title", config.report.title), ("output.filename", config.output.filename)):
        try:
            fill_setting(template, values, config, key)
        except ConfigError as exc:
            findings.append(Finding.from_error(exc))


# -- queries --------------------------------------------------------------------------------


def _lint_queries(
    directory: Path,
    sources: list[str] | None,
    parameters: list[str] | None,
    findings: list[Finding],
    config: Config | None = None,
) -> dict[str, QuerySpec]:
    from drafter.project.queries import query_problems, scan_queries, sql_files
    from drafter.project.sql import check_select, source_allow, source_engines

    engines = source_engines(config.sources) if config is not None else None
    allow = source_allow(config.sources) if config is not None else None
    for name, names in (allow or {}).items():
        if names and config is not None:
            findings.append(
                Finding(
                    f"数据源“{name}”允许查询调用 drafter 函数清单以外的函数：{'、'.join(names)}",
                    config.path,
                    config.line("sources", name),
                    hint="确认这些函数只读取数据、不改变任何东西；不再需要时从 allow_functions 中删去。",
                    severity="warning",
                    kind=ConfigError,
                )
            )

    specs, problems = scan_queries(directory)
    findings.extend(Finding.from_error(e) for e in problems)
    for spec in specs.values():
        if spec.name in RESERVED_NAMES:
            findings.append(
                Finding(
                    f"查询名“{spec.name}”与内置名称冲突",
                    spec.path,
                    1,
                    kind=QueryError,
                    hint=f"请给文件改名；内置名称：{'、'.join(sorted(RESERVED_NAMES))}。",
                )
            )
        if sources is None or parameters is None:  # config.yaml did not load: both are unknown
            for path, sql, first, dialect in sql_files(spec):
                try:
                    check_select(sql, path, first, dialect)
                except QueryError as exc:
                    findings.append(Finding.from_error(exc))
            continue
        findings.extend(
            Finding.from_error(e)
            for e in query_problems(spec, sources=sources, parameters=parameters, engines=engines, allow=allow)
        )
    return specs


# -- templates ------------------------------------------------------------------------------


def _environment(trace: bool = False):
    from drafter.data.figures import FigureRegistry
    from drafter.text.environment import make_environment

    # Section templates are parsed with their conditions over figures traced
    # (drafter/text/wording.py): the code compiled here is the code build renders.
    return make_environment(FigureRegistry(), trace=trace)


def _lint_sections(
    sections, resolve, findings: list[Finding], uses: list[_Use], compiled: dict[Path, CodeType]
) -> list[Path]:
    from drafter.text.blocks import mark_table_lines
    from drafter.text.sections import read_template, section_files, wide_tag_error, wide_tags

    try:
        files = section_files(sections, resolve)
    except TemplateError as exc:
        findings.append(Finding.from_error(exc))
        return []
    env = _environment(trace=True)
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
        tree = _parse(env, source, path, findings, text=mark_table_lines(source))
        if tree is None:
            continue
        for included in _included(tree):
            pending.append(path.parent / included)
        _scan(env, tree, source, path, None, findings, uses, compiled=compiled)
    return files


def _lint_master(master: Path, findings: list[Finding], uses: list[_Use]) -> list[Path]:
    from drafter.word.document import as_jinja, master_paragraphs, master_tag_error, open_master, tag_problem

    try:
        tpl = open_master(master, check_tags=False)
    except TemplateError as exc:
        findings.append(Finding.from_error(exc))
        return []
    paragraphs = master_paragraphs(tpl.docx)
    broken = [(where, text, problem) for where, text in paragraphs if (problem := tag_problem(text))]
    for where, text, problem in broken:
        findings.append(Finding.from_error(master_tag_error(master, where, text, problem)))
    # A broken paragraph is left out, so that the names of the others are still checked.
    bad = {where for where, _, _ in broken}
    source = "\n".join("" if where in bad else as_jinja(text) for where, text in paragraphs)
    env = _environment()
    try:
        tree = env.parse(source)
    except TemplateSyntaxError as exc:
        if broken:  # most likely the broken tags' doing: reported above
            return [master]
        at, text = paragraphs[exc.lineno - 1] if exc.lineno and exc.lineno <= len(paragraphs) else (None, "")
        findings.append(
            Finding(
                "Word 母版中的模板语法错误",
                master,
                where=at,
                cause=exc.message,
                context=f"  > {at} | {text}" if at else None,
                hint="检查 {{ }} 与 {% %} 是否成对、拼写是否正确；{%p if %} 要有 {%p endif %}。",
            )
        )
        return [master]
    _scan(env, tree, source, master, paragraphs, findings, uses, extra_names={"body"})
    return [master]


def _parse(env, source: str, path: Path, findings: list[Finding], text: str | None = None):
    """The template's tree (of `text`, the source as rendered, when given); a finding if it
    does not parse, shown against `source`."""
    from drafter.text.environment import template_error

    try:
        tree = env.parse(source if text is None else text, name=path.name, filename=str(path))
    except TemplateSyntaxError as exc:
        findings.append(Finding.from_error(template_error(exc, path, source, {}, str(path))))
        return None
    return tree


def _included(tree) -> Iterator[str]:
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


def _scan(
    env,
    tree,
    source: str,
    path: Path,
    paragraphs,
    findings: list[Finding],
    uses: list[_Use],
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
    from drafter.text.environment import FORMAT_FILTERS, VALUE_FILTERS

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
    uses: list[_Use]
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
                    _Use(
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
        from drafter.text.environment import blocked_access_error

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
                self.uses.append(_Use(query, key, self.path, line, where, context, via=via))
        if not isinstance(inner, nodes.Name):
            return
        if via := self._compared(inner):
            query = _key_of(node)
            if query is not None and query != "period":
                line, where, context = self.place(node.lineno, query)
                self.uses.append(_Use(query, None, self.path, line, where, context, id(node) in self.printed, via=via))
        key = _key_of(node)
        name = loops.get(inner.name) or (inner.name if inner.name in self.free else None)
        if key is not None and name is not None:
            self.columns_seen.add(id(inner))
            line, where, context = self.place(node.lineno, key)
            self.uses.append(
                _Use(
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
    from drafter.text.environment import FORMAT_FILTERS

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


def _check_names(
    uses: list[_Use],
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


def _unknown_compared_query(use: _Use, specs: dict[str, QuerySpec]) -> Finding:
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


def _undefined_name(use: _Use, known: list[str]) -> Finding:
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


def _whole_result_printed(use: _Use, spec: QuerySpec | None, columns: dict[str, list[str] | None]) -> Finding | None:
    """`{{ q }}` of a query returning a row or rows prints no figure."""
    if not (use.printed and spec is not None and spec.returns in ("row", "rows")):
        return None
    from drafter.text.environment import whole_result_error

    error = whole_result_error(use.name, spec.returns, columns[use.name])
    return Finding(error.message, use.path, use.line, use.where, error.hint, context=use.context)


def _column_of_rows_or_scalar(use: _Use, spec: QuerySpec) -> Finding | None:
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
    use: _Use, specs: dict[str, QuerySpec], columns: dict[str, list[str] | None], param_keys: list[str] | None
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
