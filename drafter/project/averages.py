"""Which columns of a query are averages or ratios: values with many decimals.

`yuan` writes a money value as it is (`10078.41元`): right for a SUM of amounts in 元 and
分, wrong-looking for an AVG, whose value has as many decimals as the database gives
(rounded by `yuan` to 分, but hardly what a report means by 平均罚款). lint names such a use
so that the template says how to round it (`yuan(0)`, `wan_yuan(2)`) or the SQL rounds it.
"""

from __future__ import annotations

from functools import lru_cache

from drafter.project import sqlcache

# Filters that print money as the value is, to the 分: a fraction of a 分 never shows, but an
# average still prints its 角 and 分 unless told otherwise.
MONEY_FILTERS = frozenset({"yuan"})


@lru_cache(maxsize=256)
def averaged_columns(sql: str) -> frozenset[str]:
    """The output columns of `sql` (lower-cased names) computed with AVG or a division, outside
    a ROUND/TRUNC/FLOOR/CEIL; empty when the SQL does not parse."""
    # Kept across runs as sql.py's readings are (sqlcache.py): an unchanged query is not parsed.
    cached = sqlcache.load("averaged", __file__, sql, None)
    if isinstance(cached, list) and all(isinstance(name, str) for name in cached):
        return frozenset(cached)
    found = _averaged_now(sql)
    sqlcache.store("averaged", __file__, sql, None, sorted(found))
    return found


def _averaged_now(sql: str) -> frozenset[str]:
    import sqlglot
    from sqlglot import exp
    from sqlglot.errors import SqlglotError

    try:
        tree = sqlglot.parse_one(sql)
    except SqlglotError:
        return frozenset()
    if not isinstance(tree, exp.Select):
        return frozenset()
    rounding = (exp.Round, exp.Floor, exp.Ceil)
    found = set()
    for projection in tree.expressions:
        inner = projection.this if isinstance(projection, exp.Alias) else projection
        if isinstance(inner, rounding) or type(inner).__name__ in ("Trunc", "Anonymous"):
            continue
        if inner.find(exp.Avg) is not None or inner.find(exp.Div) is not None:
            found.add(projection.alias_or_name.lower())
    return frozenset(found)
