"""The units of a run: those config.yaml lists, or those its units query returns (run here,
once, before the plan: a project executes nothing while it loads)."""

from __future__ import annotations

import difflib
from typing import Any

from drafter.data.runner import QueryFailure, QueryResult, run_queries
from drafter.errors import ConfigError, DrafterError, QueryError
from drafter.project.config import UnitsQuery
from drafter.project.model import Project
from drafter.project.units import Unit, checked_name, unique_units, units_from_list


def units_from_result(result: QueryResult) -> list[Unit]:
    """Units from the rows of a units query: column `name`, the others attributes."""
    spec = result.spec
    if "name" not in result.columns:
        raise QueryError(
            f"单位查询 {spec.name} 没有 name 列",
            path=spec.path,
            hint="单位查询须返回 name 列（单位名称），如 SELECT town AS name FROM …；其余列是单位的属性。",
        )
    units = []
    for i, row in enumerate(result.value):
        name = checked_name(row.name.value, f"单位查询 {spec.name} 第 {i + 1} 行", spec.path, None)
        attributes = {c: getattr(row, c).value for c in result.columns if c != "name"}
        units.append(Unit(name, attributes))
    return unique_units(units, spec.path, None)


def resolve_units(project: Project, params: dict[str, Any]) -> tuple[list[Unit], QueryResult | None]:
    """The project's units, and the result of the units query when they come from one."""
    config = project.config
    declared = config.units
    if declared is None:
        raise ConfigError(
            "config.yaml 中没有声明单位（units:），不能按单位生成",
            path=config.path,
            hint="在 config.yaml 中加上 units: 单位列表，或 units: {query: 查询名}；"
            "不分单位的报告直接运行 drafter build。",
        )
    if not isinstance(declared, UnitsQuery):
        return units_from_list(declared, config.path, lambda i: config.line("units", i)), None
    name = declared.query
    spec = project.queries.get(name)
    if spec is None:
        close = difflib.get_close_matches(name, list(project.queries), n=1)
        raise ConfigError(
            f"units 的查询“{name}”不存在",
            path=config.path,
            line=config.line("units", "query"),
            hint=(f"是否想写“{close[0]}”？" if close else "") + "写查询目录中某个 .sql 文件的文件名（不含 .sql）。",
        )
    if spec.returns != "rows" or spec.uses_unit:
        raise QueryError(
            f"单位查询 {name} 须是 returns: rows 且不用 :unit",
            path=spec.path,
            line=spec.line_of("returns"),
            hint="单位查询在生成前运行一次，列出全部单位：文件头写 returns: rows，每行一个单位。",
        )
    run = run_queries(config, {name: spec}, params=params)
    result = run.results[name]
    if isinstance(result, QueryFailure):
        error = result.error
        raise DrafterError(
            f"单位查询 {name} 未能执行，无法得知有哪些单位：{error.message}",
            path=error.path,
            line=error.line,
            cause=error.cause,
            hint=error.hint,
        ) from error
    return units_from_result(result), result


def refuse_unit_queries(project: Project, hint: str) -> None:
    """A project drafted per unit (`units:`) whose queries read `:unit` has no one draft without
    a unit: refused, `hint` saying how the command at hand names one (build, figures)."""
    per_unit = [name for name, spec in project.queries.items() if spec.uses_unit]
    if project.config.units is not None and per_unit:
        raise ConfigError(
            "本项目按单位生成草稿（config.yaml 声明了 units:），查询"
            f" {'、'.join(per_unit[:5])}{' 等' if len(per_unit) > 5 else ''} 要用到单位（:unit）",
            path=project.config.path,
            line=project.config.line("units"),
            hint=hint,
        )
