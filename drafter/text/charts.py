"""Charts in section templates: `{{ chart(rows, "bar", x="列", y="列", title="…") }}` on a line of its own.

    {{ chart(inspections_by_industry, "bar", x="industry", y="inspections", title="各行业领域检查家次",
             unit="家次") }}

`kind` is `bar` (one bar a row; several `y` columns give grouped bars), `line` (one line a
`y` column, the rows in the query's order along the axis) or `pie` (one `y` column, shares
of the whole). `names=["检查家次", …]` names the series in the legend (else the column
names). The chart is drawn when the draft is written (drafter.word.charts) and its caption
reads 图1 …; its rows are recorded in the draft's manifest, so `drafter check` reports a
chart whose data changed.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from drafter.data.figures import Figure, FigureRegistry, Row, strip_marks
from drafter.errors import TemplateError
from drafter.text.blocks import CHART_CLOSE, CHART_OPEN
from drafter.text.chartspec import KINDS, ChartSpec


def _number(fig: Figure, column: str, query: str) -> float:
    value = fig.value
    if value is None:
        raise TemplateError(
            f"图表数据中 {fig.ref} 为空（NULL），无法画图",
            hint=f"在查询 {query} 的 SQL 中用 COALESCE({column}, 0)，或排除这些行。",
        )
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        raise TemplateError(
            f"图表的数值列“{column}”不是数字：{fig.ref} 的值是“{value}”",
            hint=f"y= 要写查询 {query} 中返回数字的列；文字列（如名称）请写在 x= 中。",
        )
    return float(value)


def make_chart_function(registry: FigureRegistry) -> Callable[..., str]:
    def chart(
        rows: Any,
        kind: str = "bar",
        x: str | None = None,
        y: str | list[str] | None = None,
        title: str = "",
        unit: str = "",
        names: list[str] | None = None,
    ) -> str:
        if kind not in KINDS:
            raise TemplateError(
                f"未知的图表类型“{kind}”", hint=f"可用的类型：{'、'.join(f'{k}（{v}）' for k, v in KINDS.items())}。"
            )
        if isinstance(rows, Figure):
            raise TemplateError(
                f"图表要用 returns: rows 查询的结果，{rows.ref} 只是一个值",
                hint="在查询文件头写 returns: rows，让查询每行返回一个类别和它的数值。",
            )
        if isinstance(rows, Row):
            raise TemplateError(
                f"图表要用 returns: rows 查询的结果，查询 {rows._query} 只返回一行",
                hint="在查询文件头写 returns: rows，让查询每行返回一个类别和它的数值。",
            )
        if not isinstance(rows, (list, tuple)):
            raise TemplateError(
                "图表的第一个参数要是 returns: rows 查询的结果",
                hint='如 {{ chart(查询名, "bar", x="名称列", y="数值列", title="图题") }}。',
            )
        if not x or not y:
            raise TemplateError(
                "图表要写 x=（类别所在的列）和 y=（数值所在的列）",
                hint='如 {{ chart(查询名, "bar", x="industry", y="inspections", title="各行业检查家次") }}。',
            )
        ys = [y] if isinstance(y, str) else list(y)
        if kind == "pie" and len(ys) != 1:
            raise TemplateError("饼图只能有一个数值列", hint='写成 y="列名"；多个数值列请用 "bar" 或 "line"。')
        series_names = list(names) if names else list(ys)
        if len(series_names) != len(ys):
            raise TemplateError(
                f"names 有 {len(series_names)} 个名称，而 y 有 {len(ys)} 列",
                hint='names 与 y 一一对应，如 y=["a", "b"], names=["检查家次", "发现隐患"]。',
            )
        query = rows[0]._query if rows and isinstance(rows[0], Row) else ""
        spec = ChartSpec(
            kind=kind,
            title=strip_marks(str(title)),
            query=query,
            x=x,
            y=ys,
            names=[str(n) for n in series_names],
            unit=str(unit),
            values=[[] for _ in ys],
        )
        for row in rows:
            if not isinstance(row, Row):
                raise TemplateError(
                    "图表的第一个参数要是 returns: rows 查询的结果",
                    hint='如 {{ chart(查询名, "bar", x="名称列", y="数值列") }}。',
                )
            label_fig = row[x]
            label = "" if label_fig.value is None else str(label_fig.value)
            spec.labels.append(label)
            raw: list[Any] = [label_fig.value]
            for k, column in enumerate(ys):
                fig = row[column]
                spec.values[k].append(_number(fig, column, row._query))
                raw.append(fig.value)
            spec.raw.append(raw)
            spec.description = spec.description or label_fig.description
        registry.charts.append(spec)
        return f"{CHART_OPEN}{len(registry.charts) - 1}{CHART_CLOSE}"

    return chart
