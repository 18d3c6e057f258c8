"""Consistency rules of a project: what a careful reviewer checks figures against.

Rules are declared in `config.yaml` under `rules:` and in `rules/*.yaml` beside it (a list, or
a mapping with a `rules:` list); SQL data tests in the dbt style are `rules/*.sql` files. Each
rule has a `name` and the keys of one kind; figures are written as in templates
(`query.column`, `query` for a scalar, `query[0].column` for a row of a `rows` query, or an
expression of them such as `a.x + a.y`):

    sum      total: q.total      parts: [q.a, q.b]        (tolerance: 0)
    rate     rate: q.rate        numerator: q.done        denominator: q.all
             (digits: the precision the draft shows the rate at, else `digits`, default 2;
              percent: true when the rate is stored as 0–100)
    bounds   figure: q.n         min: 0 | q.m             max: 100 | q.total
    prior    figure: q.n         within: 30%              (the same query one year earlier)
    SQL      rules/<name>.sql: `-- source:`, `-- description:` header, then a SELECT that
             returns the failing rows (none when the data are sound); each row is a finding.

A rule's problems (an unknown key, two kinds at once) are errors naming the file and line.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from drafter.errors import ConfigError
from drafter.project.period import query_parameters
from drafter.project.queries import QuerySpec, parse_query, query_problems
from drafter.project.sql import source_allow, source_engines
from drafter.project.yamlfile import line_of, load_yaml

KINDS = {
    "sum": ("total", "parts"),
    "rate": ("rate", "numerator", "denominator"),
    "bounds": ("figure",),
    "prior": ("figure", "within"),
    "rollup": ("part", "whole"),
}
KIND_LABELS = {
    "sum": "合计等于各部分之和",
    "rate": "比率等于计数之商",
    "bounds": "数字在范围内",
    "prior": "与上年相比变化不超过",
    "rollup": "各单位之和等于整体",
    "sql": "SQL 数据检验",
}
_KEYS = {
    "name",
    "description",
    "total",
    "parts",
    "tolerance",
    "rate",
    "numerator",
    "denominator",
    "digits",
    "percent",
    "figure",
    "min",
    "max",
    "within",
    "part",
    "whole",
}
RULES_DIR = "rules"


@dataclass(frozen=True)
class Rule:
    """One declared rule, with where it was written."""

    name: str
    kind: str
    spec: dict[str, Any]
    path: Path
    line: int | None = None
    description: str = ""

    @property
    def where(self) -> str:
        return f"{self.path.name}:{self.line}" if self.line else self.path.name

    def expressions(self) -> list[str]:
        """Every figure expression the rule reads."""
        s = self.spec
        out: list[str] = []
        if self.kind == "sum":
            out = [s["total"], *s["parts"]]
        elif self.kind == "rate":
            out = [s["rate"], s["numerator"], s["denominator"]]
        elif self.kind == "rollup":
            out = [s["part"], s["whole"]]
        else:
            out = [s["figure"]] + [s[k] for k in ("min", "max") if isinstance(s.get(k), str)]
        return [str(e) for e in out]


@dataclass
class RuleSet:
    rules: list[Rule] = field(default_factory=list)
    sql_tests: list[QuerySpec] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.rules or self.sql_tests)

    @property
    def rollups(self) -> list[Rule]:
        """The rules over many drafts (the units' figures add up to the whole's), for a batch check."""
        return [r for r in self.rules if r.kind == "rollup"]

    @property
    def needs_prior(self) -> bool:
        return any(r.kind == "prior" for r in self.rules)


def _error(message: str, path: Path, line: int | None, hint: str) -> ConfigError:
    return ConfigError(message, path=path, line=line, hint=hint + " 写法见 README 的“一致性规则”。")


def parse_rule(item: Any, path: Path, line: int | None, index: int) -> Rule:
    """One rule from its YAML mapping."""
    if not isinstance(item, dict):
        raise _error("规则应写成键值对（name:、figure: 等）", path, line, "每条规则以“- name: 规则名”开头。")
    unknown = [k for k in item if k not in _KEYS]
    if unknown:
        raise _error(f"规则中有不认识的键“{unknown[0]}”", path, line, f"可用的键：{'、'.join(sorted(_KEYS))}。")
    name = str(item.get("name") or f"规则 {index + 1}")
    if "part" in item or "whole" in item:
        kind = "rollup"
    elif "total" in item or "parts" in item:
        kind = "sum"
    elif "rate" in item:
        kind = "rate"
    elif "within" in item:
        kind = "prior"
    elif "figure" in item:
        kind = "bounds"
    else:
        raise _error(
            f"规则“{name}”没有写检查什么",
            path,
            line,
            "写 total/parts（合计）、rate/numerator/denominator（比率）、figure/min/max（范围）"
            "或 figure/within（与上年比）之一。",
        )
    missing = [k for k in KINDS[kind] if item.get(k) in (None, "", [])]
    if kind == "bounds" and item.get("min") is None and item.get("max") is None:
        missing.append("min 或 max")
    if missing:
        raise _error(f"规则“{name}”缺少 {'、'.join(missing)}", path, line, f"{KIND_LABELS[kind]}规则要写全这些键。")
    if kind == "sum" and not isinstance(item["parts"], list):
        raise _error(f"规则“{name}”的 parts 应是一个列表", path, line, "写成 parts: [查询.列1, 查询.列2]。")
    spec = dict(item)
    if kind == "prior":
        spec["within"] = _percent(item["within"], name, path, line)
    for key in ("tolerance",):
        if key in spec and not isinstance(spec[key], (int, float)):
            raise _error(f"规则“{name}”的 {key} 应是数字", path, line, "例如 tolerance: 0。")
    return Rule(name, kind, spec, path, line, str(item.get("description") or ""))


def _percent(value: Any, name: str, path: Path, line: int | None) -> float:
    text = str(value).strip().rstrip("%％")
    try:
        number = float(text)
    except ValueError:
        raise _error(f"规则“{name}”的 within 应是百分数", path, line, "例如 within: 30%。") from None
    return number


def load_rules(config) -> RuleSet:
    """The rules of `config`: its `rules:` list, then rules/*.yaml and rules/*.sql."""
    ruleset = RuleSet()
    for i, item in enumerate(config.rules):
        ruleset.rules.append(parse_rule(item, config.path, config.line("rules", i), i))
    folder = config.resolve(Path(RULES_DIR))
    if not folder.is_dir():
        return ruleset
    for path in sorted(folder.glob("*.y*ml")):
        data, lines, _ = load_yaml(path)
        items = data.get("rules") if isinstance(data, dict) else data
        prefix: tuple = ("rules",) if isinstance(data, dict) else ()
        if items is None:
            continue
        if not isinstance(items, list):
            raise _error(
                "规则文件应是一个列表（每条规则以“- name:”开头）", path, 1, "参照 config.yaml 中 rules: 的写法。"
            )
        for i, item in enumerate(items):
            ruleset.rules.append(parse_rule(item, path, line_of(lines, (*prefix, i)), i))

    for path in sorted(folder.glob("*.sql")):
        spec = dataclasses.replace(parse_query(path), returns="rows")
        for problem in query_problems(
            spec,
            sources=list(config.sources),
            parameters=list(query_parameters(config.period, config.parameters)),
            engines=source_engines(config.sources),
            allow=source_allow(config.sources),
        ):
            problem.exit_code = 2
            raise problem
        ruleset.sql_tests.append(spec)
    return ruleset
