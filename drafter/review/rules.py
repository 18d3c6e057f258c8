"""Running a project's consistency rules (drafter.project.rules) on the figures of a build or check.

Each failed rule is a `RuleFinding` naming the rule, where it is declared, the figures it read
and their values. `build` lists them as warnings (errors under --strict) and keeps them in the
draft's manifest, so the reviewer's copy (`build --comments`) carries a Word comment for each;
`check` runs them again on current data.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from jinja2 import StrictUndefined
from jinja2.exceptions import TemplateError as JinjaError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from drafter.data.comparisons import COMPARISONS, shifted_parameters
from drafter.data.figures import Figure, FigureRegistry, Row, json_value
from drafter.data.runner import Job
from drafter.data.spreadsheets import _database, is_spreadsheet, load_tables
from drafter.errors import ConfigError, DrafterError
from drafter.project.rules import KIND_LABELS, Rule, RuleSet, load_rules

FAILED = "规则未通过"
NOT_RUN = "规则未能执行"
SQL_ROWS_SHOWN = 20  # rows of a SQL data test reported one by one; the rest are counted


@dataclass
class RuleFinding:
    """A rule the figures do not satisfy."""

    rule: str
    kind: str
    message: str
    figures: list[tuple[str, Any]] = field(default_factory=list)  # (expression, value) it read
    where: str = ""
    detail: str = ""
    sql: str | None = None
    error: bool = False  # the rule could not run (a SQL data test the database refused)

    @property
    def status(self) -> str:
        return NOT_RUN if self.error else FAILED

    def values_text(self) -> str:
        return "，".join(f"{ref} = {value}" for ref, value in self.figures)

    def report_lines(self) -> list[str]:
        lines = [
            f"[{self.status}] {self.rule}（{KIND_LABELS.get(self.kind, self.kind)}，{self.where}）",
            f"  {self.message}",
        ]
        if self.figures and self.kind != "sql":
            lines.append(f"  数字：{self.values_text()}")
        if self.detail:
            lines += [f"  {line}" for line in self.detail.splitlines()]
        return lines

    def warning(self) -> str:
        verdict = "未能执行" if self.error else "未通过"
        lines = [f"规则“{self.rule}”（{KIND_LABELS.get(self.kind, self.kind)}，{self.where}）{verdict}：{self.message}"]
        return "\n".join(lines + self.report_lines()[2:])

    def render(self) -> str:
        """One message, as `drafter build` prints it after 警告：."""
        return self.warning()

    def comment(self) -> str:
        return "\n".join(
            [
                f"【{self.status}】{self.rule}（{self.where}）",
                self.message,
                *([f"数字：{self.values_text()}"] if self.figures and self.kind != "sql" else []),
                *([self.detail] if self.detail else []),
            ]
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "kind": self.kind,
            "message": self.message,
            "where": self.where,
            "detail": self.detail,
            "figures": [{"ref": r, "value": json_value(v)} for r, v in self.figures],
            **({"error": True} if self.error else {}),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RuleFinding:
        return cls(
            data.get("rule", ""),
            data.get("kind", ""),
            data.get("message", ""),
            [(f.get("ref", ""), f.get("value")) for f in data.get("figures", [])],
            data.get("where", ""),
            data.get("detail", ""),
            error=bool(data.get("error", False)),
        )

    @property
    def refs(self) -> list[str]:
        return [r for r, _ in self.figures]


def rules_count(findings: list[RuleFinding]) -> str:
    """`一致性规则未通过 2 条（SQL 数据检验的不符合行 24 行）`: rules counted as rules (a SQL data test
    is one rule however many rows fail it), those that could not run apart."""
    failed = list(dict.fromkeys(f.rule for f in findings if not f.error))
    not_run = list(dict.fromkeys(f.rule for f in findings if f.error))
    rows = sum(1 for f in findings if f.kind == "sql" and not f.error)
    parts = []
    if failed:
        parts.append(f"一致性规则未通过 {len(failed)} 条" + (f"（SQL 数据检验的不符合行 {rows} 行）" if rows else ""))
    if not_run:
        parts.append(f"一致性规则未能执行 {len(not_run)} 条")
    return "，".join(parts)


@dataclass
class RuleRun:
    findings: list[RuleFinding] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # rules that could not be evaluated, and why
    passed: int = 0
    no_prior: list[str] = field(default_factory=list)  # prior-period rules with no data a year earlier


class _Missing(Exception):
    """A figure a rule reads has no value (NULL, a failed query)."""


_ENV = ImmutableSandboxedEnvironment(undefined=StrictUndefined)


def _evaluate(expression: str, context: dict[str, Any]) -> tuple[Any, Any]:
    """(the figure or value, its plain value) of a rule's figure expression."""
    try:
        value = _ENV.compile_expression(expression, undefined_to_none=False)(**context)
    except DrafterError as exc:
        raise _Missing(exc.message) from exc
    except (JinjaError, TypeError, ValueError, ArithmeticError, AttributeError) as exc:
        raise _Missing(f"无法计算“{expression}”：{exc}") from exc
    plain = value.value if isinstance(value, Figure) else value
    if plain is None:
        raise _Missing(f"{expression} 没有值")
    if isinstance(plain, bool) or not isinstance(plain, (int, float, Decimal)):
        raise _Missing(f"{expression} 的值“{plain}”不是数字")
    return value, Decimal(str(plain)) if isinstance(plain, float) else Decimal(plain)


def _number(value: Any) -> Any:
    """A value for a finding's list of figures: an int when whole, else as JSON keeps it."""
    if isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
        return int(value)
    return json_value(value)


def _fmt(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _bound(value: Any, context: dict[str, Any]) -> tuple[str, Decimal]:
    if isinstance(value, str):
        _, plain = _evaluate(value, context)
        return value, plain
    return str(value), Decimal(str(value))


def _shown_digits(expression: str, registry: FigureRegistry | None) -> tuple[int, bool] | None:
    """(decimal places, shown as a percentage) of how the draft printed `expression`, if it did."""
    if registry is None:
        return None
    wanted = _expression_tree(expression)
    for occ in registry:
        if _expression_tree(occ.ref) == wanted and not occ.placeholder:
            text = occ.text.strip()
            percent = text.endswith("%")
            number = text.rstrip("%")
            if number.replace(".", "", 1).isdigit():
                return (len(number.split(".")[1]) if "." in number else 0), percent
    return None


def _expression_tree(expression: str) -> Any:
    """A figure expression as Jinja parses it: `(a.x / a.y)`, `a.x/a.y` and `a.x / a.y` are one
    expression (parentheses and spaces are not part of the tree)."""
    try:
        return _ENV.parse(f"{{{{ {expression} }}}}").body[0].nodes[0]  # type: ignore[attr-defined]
    except (JinjaError, AttributeError, IndexError):
        return expression.replace(" ", "")


def _round(value: Decimal, digits: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)


def _sum_rule(rule: Rule, context: dict[str, Any], registry: FigureRegistry | None, prior: Any) -> RuleFinding | None:
    s = rule.spec
    _, total = _evaluate(s["total"], context)
    parts = [(str(p), _evaluate(str(p), context)[1]) for p in s["parts"]]
    added = sum((v for _, v in parts), Decimal(0))
    tolerance = Decimal(str(s.get("tolerance", 0)))
    if abs(total - added) <= tolerance:
        return None
    summed = [(str(s["total"]), total), *parts]
    return RuleFinding(
        rule.name,
        rule.kind,
        f"合计 {s['total']} 为 {_fmt(total)}，各部分之和为 {_fmt(added)}，相差 {_fmt(total - added)}。",
        [(r, _number(v)) for r, v in summed],
        rule.where,
        rule.description,
    )


def _rate_rule(rule: Rule, context: dict[str, Any], registry: FigureRegistry | None, prior: Any) -> RuleFinding | None:
    s = rule.spec
    _, rate = _evaluate(s["rate"], context)
    _, num = _evaluate(s["numerator"], context)
    _, den = _evaluate(s["denominator"], context)
    rated = [(s["rate"], rate), (s["numerator"], num), (s["denominator"], den)]
    if den == 0:
        raise _Missing(f"分母 {s['denominator']} 为 0")
    shown = _shown_digits(s["rate"], registry)
    percent = bool(s.get("percent", False))
    digits = int(s.get("digits", 2))
    if shown is not None:
        digits = shown[0] + (2 if shown[1] and not percent else 0)
    quotient = num / den * (100 if percent else 1)
    if _round(quotient, digits) == _round(rate, digits):
        return None
    unit = "%" if percent else ""
    return RuleFinding(
        rule.name,
        rule.kind,
        f"比率 {s['rate']} 为 {_fmt(rate)}{unit}，而 {s['numerator']} ÷ {s['denominator']} = "
        f"{_fmt(_round(quotient, digits))}{unit}（按 {digits} 位小数比较）。",
        [(r, _number(v)) for r, v in rated],
        rule.where,
        rule.description,
    )


def _bounds_rule(
    rule: Rule, context: dict[str, Any], registry: FigureRegistry | None, prior: Any
) -> RuleFinding | None:
    s = rule.spec
    _, value = _evaluate(s["figure"], context)
    figures: list[tuple[str, Any]] = [(s["figure"], value)]
    problems = []
    for key, words, beyond in (("min", "小于下限", lambda v, b: v < b), ("max", "大于上限", lambda v, b: v > b)):
        if s.get(key) is None:
            continue
        label, bound = _bound(s[key], context)
        if isinstance(s[key], str):
            figures.append((label, bound))
        if beyond(value, bound):
            problems.append(f"{words} {label}（{_fmt(bound)}）")
    if not problems:
        return None
    return RuleFinding(
        rule.name,
        rule.kind,
        f"{s['figure']} 为 {_fmt(value)}，{'，'.join(problems)}。",
        [(r, _number(v)) for r, v in figures],
        rule.where,
        rule.description,
    )


def _prior_rule(rule: Rule, context: dict[str, Any], registry: FigureRegistry | None, prior: Any) -> RuleFinding | None:
    s = rule.spec
    if prior is None:
        raise _Missing("上一期的数据未能查询")
    _, value = _evaluate(s["figure"], context)
    _, before = _evaluate(s["figure"], prior)
    if before == 0:
        raise _Missing(f"上年的 {s['figure']} 为 0，无法计算变化幅度")
    change = (value - before) / abs(before) * 100
    within = Decimal(str(s["within"]))
    if abs(change) <= within:
        return None
    sign = "增长" if change > 0 else "下降"
    return RuleFinding(
        rule.name,
        rule.kind,
        f"{s['figure']} 为 {_fmt(value)}，上年同期为 {_fmt(before)}，{sign} "
        f"{_fmt(_round(abs(change), 1))}%，超出 ±{_fmt(within)}%。",
        [(s["figure"], _number(value)), (f"上年 {s['figure']}", _number(before))],
        rule.where,
        rule.description,
    )


_RULES = {"sum": _sum_rule, "rate": _rate_rule, "bounds": _bounds_rule, "prior": _prior_rule}


def check_rule(
    rule: Rule, context: dict[str, Any], registry: FigureRegistry | None = None, prior: dict[str, Any] | None = None
) -> RuleFinding | None:
    """The finding of one rule, or None when the figures satisfy it. Raises _Missing when a
    figure it reads has no value."""
    if rule.kind not in _RULES:
        raise ValueError(rule.kind)
    return _RULES[rule.kind](rule, context, registry, prior)


def run_rules(
    ruleset: RuleSet,
    context: dict[str, Any],
    *,
    registry: FigureRegistry | None = None,
    prior: Callable[[], dict[str, Any] | None] | None = None,
    sql_results: Callable[[], dict[str, Any]] | None = None,
) -> RuleRun:
    """Every rule of `ruleset` on the figures of `context` (a build's query context).

    `prior` gives the context of the same queries one year earlier (asked only when a prior
    rule exists); `sql_results` runs the SQL data tests and gives their results by name.
    """
    out = RuleRun()
    prior_context = prior() if prior is not None and ruleset.needs_prior else None
    prior_empty = prior_context is not None and not _has_data(prior_context)
    for rule in ruleset.rules:
        if rule.kind == "rollup":  # over the drafts of many units: a batch check runs it (review/batch.py)
            continue
        if rule.kind == "prior" and prior_empty:  # the databases hold nothing a year earlier
            out.no_prior.append(rule.name)
            continue
        try:
            finding = check_rule(rule, context, registry, prior_context)
        except _Missing as exc:
            out.skipped.append(f"规则“{rule.name}”（{rule.where}）未能核对：{exc}")
            continue
        if finding is None:
            out.passed += 1
        else:
            out.findings.append(finding)
    if ruleset.sql_tests and sql_results is not None:
        results = sql_results()
        for spec in ruleset.sql_tests:
            result = results.get(spec.name)
            where = f"{spec.path.parent.name}/{spec.path.name}"
            if result is None or not result.ok:
                out.findings.append(_not_run(spec, where, result))
                continue
            rows = result.value
            if not rows:
                out.passed += 1
                continue
            # dbt's way: every row the query returns is a record that fails the test
            for index, r in enumerate(rows[:SQL_ROWS_SHOWN], start=1):
                values = [(c, json_value(f.value)) for c, f in zip(r.keys(), r.figures())]
                out.findings.append(
                    RuleFinding(
                        spec.name,
                        "sql",
                        f"{spec.description}（第 {index} 行，共 {len(rows)} 行）："
                        + "；".join(f"{c} = {v}" for c, v in values),
                        values,
                        where,
                        sql=result.sql,
                    )
                )
            if len(rows) > SQL_ROWS_SHOWN:
                out.findings.append(
                    RuleFinding(
                        spec.name,
                        "sql",
                        f"{spec.description}：另有 {len(rows) - SQL_ROWS_SHOWN} 行不符合，未逐行列出"
                        f"（共 {len(rows)} 行；可把 {where} 中的 SQL 复制到数据库客户端查看）。",
                        [],
                        where,
                        sql=result.sql,
                    )
                )
    return out


def _not_run(spec: Any, where: str, result: Any) -> RuleFinding:
    """A SQL data test that could not run is an error, with the database's own reason: a test that
    checks nothing must not read as passed."""
    if result is None:
        reason = "没有执行（数据源未连接或查询未排入）"
    else:
        error = result.error
        reason = error.message + (f"（数据库：{error.cause}）" if getattr(error, "cause", None) else "")
    return RuleFinding(
        spec.name,
        "sql",
        f"{spec.description or 'SQL 数据检验'}：{reason}。请按原因修正 {where} 中的 SQL（表名、列名、数据源）。",
        [],
        where,
        sql=getattr(result, "sql", None),
        error=True,
    )


def _has_data(context: dict[str, Any]) -> bool:
    """Whether any figure of a query context is other than 0 or NULL."""
    for value in context.values():
        rows = value if isinstance(value, list) else [value]
        for item in rows:
            figures = [item] if isinstance(item, Figure) else item.figures() if isinstance(item, Row) else []
            if any(f.value not in (None, 0) for f in figures):
                return True
    return False


def referenced_queries(ruleset: RuleSet, kind: str | None = None) -> set[str]:
    """The query names the rules' figure expressions name (of one kind, or all)."""
    from jinja2 import nodes

    names: set[str] = set()
    for rule in ruleset.rules:
        if kind is not None and rule.kind != kind:
            continue
        for expression in rule.expressions():
            try:
                tree = _ENV.parse(f"{{{{ {expression} }}}}")
            except JinjaError:
                continue
            names.update(n.name for n in tree.find_all(nodes.Name))
    return names


SQL_TEST = "rules/"  # a SQL data test's key in a run, beside the queries'


def rule_jobs(ruleset: RuleSet, project: Any, refs: dict[str, list[str]], params: dict[str, Any]) -> list[Any]:
    """The queries the rules add to a build's or check's run, on the report's own connections:
    each SQL data test (`rules/<name>`), and each query a prior-period rule names re-run over the
    same period a year earlier as issue 12's comparison run `prev.<q>` (unless the templates
    already ask for it)."""
    jobs = [Job(f"{SQL_TEST}{spec.name}", spec, params) for spec in ruleset.sql_tests]
    if ruleset.needs_prior:
        period = project.config.period
        shifted, other = shifted_parameters(params, period, "prev"), period.shifted("prev")
        wanted = referenced_queries(ruleset, "prior")
        for name, spec in project.queries.items():
            if name in wanted and name not in refs.get("prev", []):
                jobs.append(
                    Job(
                        f"prev.{name}",
                        spec,
                        shifted,
                        period=other,
                        description=f"{spec.description}（{COMPARISONS['prev']}：{other.label}）",
                    )
                )
    return jobs


def take_rule_tests(run: Any) -> Any:
    """Move the SQL data tests' results out of `run.results` into `run.rule_tests` (by test name)."""
    for key in [k for k in run.results if k.startswith(SQL_TEST)]:
        run.rule_tests[key[len(SQL_TEST) :]] = run.results.pop(key)
    return run


def run_project_rules(context: dict[str, Any], registry: FigureRegistry | None, ruleset: RuleSet, run: Any) -> RuleRun:
    """The rules of a build or check on its query `context` (which holds `prev`, issue 12's
    comparison with the same period a year earlier), the SQL data tests' results from `run`."""

    def prior() -> dict[str, Any]:
        comparison = context.get("prev")
        if comparison is None:
            return {}
        out: dict[str, Any] = {}
        for name in referenced_queries(ruleset, "prior"):
            try:
                out[name] = getattr(comparison, name)
            except DrafterError:  # not a query: lint names it; the rule is told it cannot be checked
                continue
        return out

    def sql_results() -> dict[str, Any]:
        return dict(run.rule_tests)

    return run_rules(ruleset, context, registry=registry, prior=prior, sql_results=sql_results)


def sql_test_problems(config: Any) -> list[DrafterError]:
    """For lint: the SQL data tests (rules/*.sql) that name a table or column their source lacks,
    where that can be known without a database server — a SQLite file or a spreadsheet of the
    project, opened read-only, the SQL only planned (EXPLAIN), never run."""
    problems: list[DrafterError] = []
    for spec in load_rules(config).sql_tests:
        connection = _local_schema(config, spec.source)
        if connection is None:
            continue
        try:
            names = set(re.findall(r"(?<!:):([A-Za-z_]\w*)", spec.sql))
            connection.execute("EXPLAIN " + spec.sql, dict.fromkeys(names))
        except sqlite3.Error as exc:
            problems.append(
                ConfigError(
                    f"SQL 数据检验 {spec.name} 在数据源“{spec.source}”上无法执行",
                    path=spec.path,
                    line=_line_naming(spec, str(exc)),
                    cause=str(exc),
                    hint="核对表名、列名是否与数据源一致；check 和 build --strict 会把它报为规则未能执行。",
                )
            )
        finally:
            connection.close()
    return problems


def _local_schema(config: Any, source: str) -> sqlite3.Connection | None:
    """A read-only connection to a source whose tables can be read without a server, else None."""
    from sqlalchemy.engine import make_url

    settings = config.sources.get(source)
    if settings is None:
        return None
    if is_spreadsheet(settings.url, config.root):
        try:
            tables, _ = load_tables(Path(settings.url))
        except DrafterError:
            return None  # lint reports the workbook itself
        return _database(tables)
    try:
        url = make_url(settings.url)
    except Exception:  # lint reports a URL it cannot parse
        return None
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    path = Path(url.database)
    path = path if path.is_absolute() else config.root / path
    if not path.is_file():
        return None
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)


def _line_naming(spec: Any, cause: str) -> int | None:
    """The file line naming what the database did not find (`no such table: x`), else the first
    line of the SQL."""
    match = re.search(r"no such (?:table|column): (?:\w+\.)?(\w+)", cause)
    lines = spec.path.read_text(encoding="utf-8").splitlines()
    if match:
        for number, line in enumerate(lines, 1):
            if not line.lstrip().startswith("--") and re.search(rf"\b{re.escape(match.group(1))}\b", line):
                return number
    return next((n for n, line in enumerate(lines, 1) if line.strip() and not line.lstrip().startswith("--")), None)
