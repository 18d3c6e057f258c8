"""Grouped queries: a query written for one unit, run once for all units.

A query file with `-- per: <column>` in its header is written, and reads, as the query
of one unit: its outermost WHERE holds the condition `<column> = :unit` as one of its
AND-ed terms. `drafter build --each` runs it once for all units instead: the runner
takes that condition out, selects `<column>` as an extra last column and groups by it
(added to an existing GROUP BY, or made the GROUP BY of an aggregate query), then deals
the rows out to the units by that column. A unit for which no row came back gets
exactly what its own query would have given: no rows, or, for an aggregate query
without GROUP BY, the one row the query gives over no rows at all (`COUNT(*)` 0,
`SUM` NULL), read by running the query once with the condition made false. When the query
for all units fails, each unit's own query is run instead, and the rows whose key matches no
unit are counted by a query of the key alone over the same FROM and WHERE (`keys_sql`).

    -- source: hazards
    -- description: 本街镇排查企业主体（家次）
    -- returns: scalar
    -- per: town
    SELECT COUNT(*) AS screenings
    FROM screening
    WHERE screened_on >= :period_start AND screened_on < :period_end
      AND town = :unit

Rules, checked when the project loads (a query that breaks one is refused, naming it):
the outermost statement is one SELECT (a WITH in front is fine; no UNION), `:unit`
appears exactly once, in that condition, and not inside a subquery, under an OR or in
the SELECT list; no LIMIT/OFFSET and no window functions (they would see all units).
A rows query should ORDER BY a key that leaves no ties, as for any query.

Running it is drafter/data/runner.py's (`run_grouped`). The draft's manifest keeps the query as written and `:unit` among its parameters, so
`drafter check` re-runs the unit's own query. The rewriting uses sqlglot, reading and
writing the dialect of the source's database.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from drafter.errors import QueryError

if TYPE_CHECKING:  # sqlglot is imported where a query is rewritten: a build whose project has no
    # `per:` query (its other readings cached, sql.py) never imports it
    from sqlglot import exp

    from drafter.project.queries import QuerySpec

UNIT_PARAM = "unit"
KEY_ALIAS = "drafter_unit_key"

_SQLGLOT_DIALECTS = {
    "sqlite": "sqlite",
    "postgresql": "postgres",
    "mysql": "mysql",
    "mariadb": "mysql",
    "oracle": "oracle",
    "mssql": "tsql",
}


class NotGroupable(ValueError):
    """Why a query cannot be run once for all units (in Chinese, for the user)."""


@dataclass(frozen=True)
class GroupedSQL:
    sql: str  # the query for all units, the unit column last
    empty_sql: str | None  # the query over no rows, for an aggregate query without GROUP BY
    # The number of rows a unit key has in the query's FROM and WHERE, the key last: what the
    # units' own queries leave out when `sql` failed and each unit's was run (runner.run_grouped).
    keys_sql: str = ""


def _dialect(name: str | None) -> str | None:
    return _SQLGLOT_DIALECTS.get(name or "")


def _inside_subquery(node: exp.Expression, root: exp.Expression) -> bool:
    from sqlglot import exp

    if node is root:
        return False
    parent = node.parent
    while parent is not None and parent is not root:
        if isinstance(parent, (exp.Select, exp.Subquery, exp.Union)):
            return True
        parent = parent.parent
    return False


def _own_nodes(root: exp.Expression, kind: type) -> list[Any]:
    """Nodes of `kind` in `root` that are not inside a subquery of it."""
    found: list[Any] = []
    node: Any
    for node in root.find_all(kind):
        if not _inside_subquery(node, root):
            found.append(node)
    return found


def _render(tree: exp.Expression, dialect: str | None) -> str:
    """SQL for SQLAlchemy's text(): bound parameters stay `:name` in every dialect."""
    from sqlglot import exp

    tree = tree.copy()
    for ph in list(tree.find_all(exp.Placeholder)):
        if ph.name:
            ph.replace(exp.Var(this=f":{ph.name}"))
    return tree.sql(dialect=dialect)


@functools.lru_cache(maxsize=512)
def group_sql(sql: str, per: str, dialect: str | None = None) -> GroupedSQL:
    """The query of one unit (`per` = :unit in its WHERE) rewritten for all units; kept for the
    process (a query and its `prev` run, the load's check and the run, rewrite it once)."""
    import sqlglot
    from sqlglot import exp
    from sqlglot.errors import SqlglotError

    read = _dialect(dialect)
    column_name = per.strip()
    if not column_name or not all(part.replace("_", "a").isalnum() for part in column_name.split(".")):
        raise NotGroupable(f"per: 后应写单位所在的列名（如 town），现在是“{per}”")
    try:
        statements = [s for s in sqlglot.parse(sql, read=read) if s is not None]
    except SqlglotError as exc:
        raise NotGroupable(f"无法解析这条 SQL，不能按单位合并查询（{str(exc).splitlines()[0]}）") from exc
    if len(statements) != 1:
        raise NotGroupable("只能有一条 SELECT 语句")
    tree = statements[0]
    if not isinstance(tree, exp.Select):
        raise NotGroupable("最外层须是一条 SELECT（不能是 UNION 等组合查询）")
    column = _unit_column(tree, per, column_name)
    _refuse_cross_unit(tree)
    projections = tree.expressions

    def rewritten(replacement: exp.Expression) -> exp.Select:
        copy = tree.copy()
        target = next(p for p in copy.find_all(exp.Placeholder) if p.name == UNIT_PARAM).parent
        assert target is not None  # the EQ checked above
        target.replace(replacement)
        return copy

    always = exp.EQ(this=exp.Literal.number(1), expression=exp.Literal.number(1))
    never = exp.EQ(this=exp.Literal.number(1), expression=exp.Literal.number(0))
    grouped = rewritten(always)
    aggregate = any(_own_nodes(p, exp.AggFunc) for p in projections)
    has_group = tree.args.get("group") is not None
    # PostgreSQL hands a CHAR(n) key back padded, yet `= :unit` ignores that padding: as TEXT the
    # key loses it, so comparing keys exactly is what the unit's own query does (not so VARCHAR).
    key = exp.cast(column.copy(), "TEXT") if read == "postgres" else column.copy()
    grouped.select(exp.alias_(key, KEY_ALIAS), copy=False)
    if has_group or aggregate:
        grouped.group_by(column.copy(), copy=False)
    empty = _render(rewritten(never), read) if aggregate and not has_group else None
    # Only the key and a count over the same rows: none of the select list's expressions, which
    # may be what failed (a division by zero in one unit's data).
    keys = rewritten(always)
    for part in ("group", "having", "order", "distinct"):
        keys.set(part, None)
    keys.set("expressions", [exp.alias_(exp.Count(this=exp.Star()), "drafter_rows"), exp.alias_(key.copy(), KEY_ALIAS)])
    keys.group_by(column.copy(), copy=False)
    return GroupedSQL(_render(grouped, read), empty, _render(keys, read))


def _unit_column(tree: exp.Select, per: str, column_name: str) -> Any:
    """The column compared with :unit: once, `per = :unit`, an AND-ed condition of the outermost WHERE."""
    from sqlglot import exp

    units = [p for p in tree.find_all(exp.Placeholder) if p.name == UNIT_PARAM]
    if len(units) != 1:
        raise NotGroupable(
            f"SQL 中 :unit 应恰好出现一次（现在 {len(units)} 次），写在最外层 WHERE 的 {per} = :unit 条件中"
        )
    placeholder = units[0]
    condition = placeholder.parent
    where = tree.args.get("where")
    if not isinstance(condition, exp.EQ) or where is None:
        raise NotGroupable(f":unit 只能用在最外层 WHERE 的 {per} = :unit 条件中")
    column: Any = condition.left if condition.right is placeholder else condition.right
    wanted = column_name.split(".")
    if (
        not isinstance(column, exp.Column)
        or column.name.lower() != wanted[-1].lower()
        or (len(wanted) == 2 and column.table.lower() != wanted[0].lower())
    ):
        raise NotGroupable(f":unit 须与 per: 写的列比较：{per} = :unit（现在是 {condition.sql()}）")
    parent = condition.parent
    while isinstance(parent, (exp.And, exp.Paren)):
        parent = parent.parent
    if parent is not where or where is None or where.parent is not tree:
        raise NotGroupable(f"{per} = :unit 须是最外层 WHERE 中用 AND 连接的一个条件（不能在子查询中或 OR 之下）")
    return column


def _refuse_cross_unit(tree: exp.Select) -> None:
    """What would act across all units once the query runs for all of them at once."""
    from sqlglot import exp

    for key in ("limit", "offset"):
        if tree.args.get(key) is not None:
            raise NotGroupable("合并查询不能有 LIMIT/OFFSET（它们会作用于全部单位）")
    projections = tree.expressions
    if any(_own_nodes(p, exp.Window) for p in projections):
        raise NotGroupable("合并查询的 SELECT 中不能有窗口函数（OVER 会跨越全部单位）")
    if any(
        isinstance(p, exp.Star) or (isinstance(p, exp.Column) and isinstance(p.this, exp.Star)) for p in projections
    ):
        raise NotGroupable("合并查询不能用 SELECT *：请写出各列")


def grouping_problems(spec: QuerySpec) -> list[QueryError]:
    """What keeps `spec` (`per:` in its header) from being run once for all units."""
    found = []
    files: list[tuple[Path, str, str | None]] = [(spec.path, spec.sql, None)]
    files += [(path, path.read_text(encoding="utf-8"), path.name.split(".")[1]) for path in spec.variants.values()]
    for path, sql, dialect in files:
        try:
            group_sql(sql, spec.per or "", dialect)
        except NotGroupable as exc:
            found.append(
                QueryError(
                    f"查询 {spec.name} 写了 per: {spec.per}，但不能按单位合并查询：{exc}",
                    path=path,
                    line=spec.line_of("per") if path == spec.path else 1,
                    hint=f"按单位合并的查询写成一个单位的查询：最外层 WHERE 中写 {spec.per} = :unit（与其他条件用 AND 连接）；"
                    "做不到就删去 per: 这一行，它会逐个单位查询。",
                )
            )
    return found
