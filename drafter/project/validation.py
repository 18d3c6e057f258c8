"""The one validation pass, its project half: config.yaml, the queries and the consistency
rules checked without a database, and the findings every half reports.

The pass is run by `drafter.pipeline.validate.validate`: this module loads config.yaml and
checks it, the query files and the rules (drafter/project/); the templates are checked by
drafter/text/validation.py and the Word master by the pipeline's validation stage, the layers
that may read text/ and word/. `lint` reports all the findings; `build`, `check` and `figures`
stop at the first error-level one, so a command can never accept what lint refuses or the
other way round. Each finding has its file and line (for the Word master, its paragraph):

- config.yaml loads (YAML, keys, types, environment variables);
- every query file has a complete header, a unique name that is not a built-in one,
  a configured source, parameters that something defines, and one read-only SELECT;
- the rules load, name only known queries and columns, and their SQL tests are one SELECT;
- every query is used by some template; an average printed in 元 is warned about.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path
from types import CodeType
from typing import Literal

from jinja2 import nodes
from jinja2.exceptions import TemplateSyntaxError as JinjaSyntaxError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from drafter.errors import (
    ConfigError,
    DrafterError,
    QueryError,
    TemplateError,
    location_of,
    render_message,
)
from drafter.project.averages import averaged_columns
from drafter.project.config import Config, load_config, report_names
from drafter.project.period import BUILTIN_PARAMETERS, Period, query_parameters
from drafter.project.queries import QuerySpec, query_problems, scan_queries, sql_files
from drafter.project.rules import load_rules
from drafter.project.settings import fill_setting, text_setting_values
from drafter.project.sql import check_select, source_allow, source_engines
from drafter.project.units import probe_unit
from drafter.project.yamlfile import load_yaml

# The names of the report itself (pipeline/render.report_context), under `report.` and on their own:
# the fields of config.yaml's `report:` (project/config.ReportSettings) but the period's.
REPORT_KEYS = report_names()
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
class NameUse:
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


def load_checked(
    config: str | Path | Config,
    sources: dict[str, str] | None,
    period: Period | None,
    findings: list[Finding],
    unset_env: list[tuple[str, int | None]] | None = None,
) -> tuple[Path, Config | None]:
    """The config file's path and the config for the period asked, or None when it does not load
    (why is a finding); `unset_env`: see config.load_config's `unset`."""
    if isinstance(config, Config):
        return config.path, config.with_period(period) if period is not None else config
    config_path = Path(config)
    if not config_path.is_file():
        load_yaml(config_path)  # raises why it cannot be read: missing, a folder, …
    try:
        return config_path, load_config(config_path, sources=sources, period=period, unset=unset_env)
    except ConfigError as exc:
        findings.append(Finding.from_error(exc))
        return config_path, None


def names_known(loaded: Config) -> tuple[list[str], list[str], list[str]]:
    """The sources, the query parameters and the `params` keys a project defines."""
    parameters = list(query_parameters(loaded.period, loaded.parameters))
    if loaded.units is not None:  # a project drafted per unit: :unit and {{ unit }}
        parameters.append("unit")
    return list(loaded.sources), parameters, list(loaded.parameters)


def warn_unused(
    specs: dict[str, QuerySpec], uses: list[NameUse], units_query: str | None, findings: list[Finding]
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


def averaged_money(uses: list[NameUse], specs: dict[str, QuerySpec]) -> list[Finding]:
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


def lint_rules(config: Config, specs: dict[str, QuerySpec], findings: list[Finding]) -> None:
    """The consistency rules (drafter/project/rules.py) load, name only known queries, and their
    SQL data tests are one read-only SELECT."""
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


def finding_order(finding: Finding) -> tuple:
    """File by file, then line by line (paragraph by paragraph in the master)."""
    number = re.search(r"\d+", finding.where or "")
    return (
        str(finding.path or ""),
        finding.where is not None and not finding.where.startswith("第"),
        finding.line or (int(number.group()) if number else 0),
    )


# -- config.yaml ----------------------------------------------------------------------------


def check_config(config: Config, findings: list[Finding]) -> None:
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

    values = text_setting_values(config, probe_unit() if config.units is not None else None)
    for key, template in (("report.title", config.report.title), ("output.filename", config.output.filename)):
        try:
            fill_setting(template, values, config, key)
        except ConfigError as exc:
            findings.append(Finding.from_error(exc))


# -- queries --------------------------------------------------------------------------------


def lint_queries(
    directory: Path,
    sources: list[str] | None,
    parameters: list[str] | None,
    findings: list[Finding],
    config: Config | None = None,
) -> dict[str, QuerySpec]:
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
