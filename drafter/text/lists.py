"""Ranked and enumerated lists from a `rows` query: top-N, and the Chinese list punctuation.

    {% for r in violations | top(5, "cases") %}
    {{ loop.index }}.{{ r.kind }}，{{ r.cases }}起。
    {% endfor %}

gives five numbered paragraphs (level 3, `1.`), and

    立案较多的依次为{% for r in violations | top(3, "cases") %}{{ r.kind }}（{{ r.cases }}起）{{ loop | cn_sep }}{% endfor %}。

one sentence: `A（12起）、B（10起）和C（8起）` — `A` alone for one item, `A和B` for two.
`{{ violations | top(3, "cases") | join_cn("kind") }}` writes the names alone. Every name
and number is a figure of the query, in its own content control.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from drafter.data.figures import Figure, FigureRegistry, FigureUnavailable, Row
from drafter.errors import TemplateError


def _rows_of(value: Any, what: str) -> list[Row]:
    if isinstance(value, Figure):
        raise TemplateError(
            f"{what}要用 returns: rows 查询的结果，{value.ref} 只是一个值",
            hint="在查询文件头写 returns: rows，让查询返回多行（每行一项）。",
        )
    if isinstance(value, Row):
        raise TemplateError(
            f"{what}要用 returns: rows 查询的结果，查询 {value._query} 只返回一行",
            hint="在查询文件头写 returns: rows，让查询返回多行（每行一项）。",
        )
    if not isinstance(value, (list, tuple)):
        raise TemplateError(f"{what}要用 returns: rows 查询的结果", hint='如 {{ 查询名 | top(5, "列名") }}。')
    return list(value)


def _sort_key(row: Row, column: str) -> tuple[int, Any]:
    fig = row[column]
    value = fig.value
    if value is None:
        return (1, 0)
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        raise TemplateError(
            f"{fig.ref} 的值“{value}”不是数字，不能按它排名",
            hint=f'top 的第二个参数要写一个数值列，如 top(5, "{column}")；或在 SQL 中 ORDER BY 排好后用 top(5)。',
        )
    return (0, -Decimal(str(value)) if isinstance(value, float) else -Decimal(value))


EMPTY_LIST = "该期间没有数据：排名所用的查询没有返回任何一行"


def top(rows: Any, n: int = 5, by: str | None = None) -> list[Row]:
    """The first `n` rows, ranked by column `by` from the largest; without `by`, in the query's
    own order (ORDER BY in the SQL). NULLs come last.

    Ties (并列): rows of equal value keep the query's order, so the n-th place goes to the tie
    the SQL lists first and the others are left out; to rank ties by a second column, sort in
    the SQL (ORDER BY value DESC, name) and write top(n) without `by`.

    No rows at all (a period without data): the sentence cannot be written ("依次为" followed by
    nothing), so it becomes a placeholder 【待补充】 with that reason."""
    items = _rows_of(rows, "top")
    if not isinstance(n, int) or isinstance(n, bool) or n < 0:
        raise TemplateError(f"top 的个数“{n}”不是正整数", hint='如 top(5, "列名")：取前 5 项。')
    if not items and n > 0:
        raise FigureUnavailable(
            EMPTY_LIST,
            figure=Figure(None, "top()", (), "排名列表（该期间没有数据）", EMPTY_LIST),
            hint="核对期间；或在模板中先用 {% if 查询名 %} 判断列表是否为空，另写没有数据时的措辞。",
        )
    if by is not None:
        items = sorted(items, key=lambda r: _sort_key(r, by))
    return items[:n]


def cn_sep(loop: Any, conj: str = "和", sep: str = "、", last: str = "") -> str:
    """The punctuation after the current item of a `{% for %}` loop: `、` between items, `和`
    before the last, `last` (nothing) after it."""
    try:
        remaining = int(loop.revindex0)
    except (AttributeError, TypeError) as exc:
        raise TemplateError(
            "cn_sep 要写在 {% for %} 循环里：{{ loop | cn_sep }}",
            hint='例如 {% for r in q | top(3, "n") %}{{ r.name }}{{ loop | cn_sep }}{% endfor %}。',
        ) from exc
    if remaining == 0:
        return last
    return conj if remaining == 1 else sep


def make_join_cn(registry: FigureRegistry, finalize: Callable[[Any], Any]) -> Callable[..., str]:
    def join_cn(items: Any, column: str | None = None, conj: str = "和", sep: str = "、") -> str:
        """`A、B和C` (`A和B`, `A`) of the items, or of column `column` of each row; each one a figure."""
        if isinstance(items, (Figure, Row)):
            _rows_of(items, "join_cn")
        if isinstance(items, str) or not hasattr(items, "__len__"):
            raise TemplateError(
                "join_cn 要用一组值或 returns: rows 查询的结果", hint='如 {{ q | top(3, "n") | join_cn("name") }}。'
            )
        values = [item[column] if column is not None and isinstance(item, Row) else item for item in items]
        texts = [str(finalize(v)) for v in values]
        if len(texts) <= 1:
            return "".join(texts)
        return sep.join(texts[:-1]) + conj + texts[-1]

    return join_cn
