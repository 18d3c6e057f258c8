"""Units: the districts, towns or offices a project drafts one report each for.

config.yaml declares them under `units:`, either as a list

    units:
      - 夏阳街道
      - {name: 盈浦街道, kind: 街道}

or as a query (a `returns: rows` query in the query folder whose column `name` names the
unit; its other columns become the unit's attributes):

    units:
      query: towns

A unit is bound as `:unit` (its name) in queries and as `unit` in templates, where
`{{ unit }}` prints its name and `{{ unit.kind }}` an attribute.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from drafter.errors import ConfigError
from drafter.values import json_value

UNIT_NAME_MAX = 60
_CONTROL = re.compile(r"[\x00-\x1f\x7f\ue000-\uf8ff]")
_NOT_IN_FILENAME = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]')


@dataclass(frozen=True)
class Unit:
    """One unit: its name and the attributes templates may use."""

    name: str
    attributes: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    def context(self) -> UnitContext:
        return UnitContext(self.name, self.attributes)

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "attributes": {k: json_value(v) for k, v in self.attributes.items()}}

    @classmethod
    def from_json(cls, data: Any) -> Unit | None:
        """The unit a draft's manifest records, or None."""
        if not isinstance(data, dict) or not isinstance(data.get("name"), str):
            return None
        attributes = data.get("attributes")
        return cls(data["name"], dict(attributes) if isinstance(attributes, dict) else {})


class UnitContext:
    """`unit` in templates: prints as its name; `unit.name`, `unit.<attribute>`."""

    def __init__(self, name: str, attributes: dict[str, Any]):
        self.name = name
        self._attributes = dict(attributes)

    def __getattr__(self, key: str) -> Any:
        if key.startswith("_"):
            raise AttributeError(key)
        try:
            return self._attributes[key]
        except KeyError:
            raise AttributeError(f"单位没有属性“{key}”（有：{'、'.join(['name', *self._attributes])}）") from None

    def __getitem__(self, key: str) -> Any:
        return self.name if key == "name" else self.__getattr__(key)

    def __str__(self) -> str:
        return self.name

    def __html__(self) -> str:  # autoescaped in the Word master
        from markupsafe import escape

        return str(escape(self.name))

    def __repr__(self) -> str:
        return f"Unit({self.name!r})"


class _ProbeContext(UnitContext):
    """`unit` while validating the project: any attribute is some text."""

    def __getattr__(self, key: str) -> Any:
        if key.startswith("_"):
            raise AttributeError(key)
        return "属性"


class _ProbeUnit(Unit):
    def context(self) -> UnitContext:
        return _ProbeContext(self.name, {})


def probe_unit() -> Unit:
    """A unit for checking templates such as `output.filename` before the units are known."""
    return _ProbeUnit("单位")


def filename_part(name: str) -> str:
    """A unit's name as it may stand in a file name: no path separators or reserved characters."""
    cleaned = _NOT_IN_FILENAME.sub("_", name).strip(" .")
    return cleaned or "_"


def checked_name(value: Any, where: str, path: Path | None, line: int | None) -> str:
    if isinstance(value, bool) or value is None or not isinstance(value, (str, int)):
        raise ConfigError(
            f"{where}的单位名称无效（{value!r}）", path=path, line=line, hint="单位名称应是文字，如 夏阳街道。"
        )
    name = str(value).strip()
    if not name or _CONTROL.search(name) or len(name) > UNIT_NAME_MAX:
        raise ConfigError(
            f"{where}的单位名称“{name[:UNIT_NAME_MAX]}”无效",
            path=path,
            line=line,
            hint=f"单位名称应是 1～{UNIT_NAME_MAX} 个字的文字，不含控制字符。",
        )
    return name


def unique_units(units: list[Unit], path: Path | None, line: int | None) -> list[Unit]:
    seen: dict[str, str] = {}
    for unit in units:
        key = filename_part(unit.name)
        if key in seen:
            other = seen[key]
            same = "重复" if other == unit.name else f"与“{other}”在文件名中相同"
            raise ConfigError(
                f"单位“{unit.name}”{same}",
                path=path,
                line=line,
                hint="每个单位的名称须唯一（它决定 :unit 和草稿的文件名）。",
            )
        seen[key] = unit.name
    if not units:
        raise ConfigError(
            "没有任何单位",
            path=path,
            line=line,
            hint="在 config.yaml 的 units: 中列出单位，或让 units 查询返回至少一行。",
        )
    return units


def units_from_list(items: list[Any], path: Path | None = None, lines: Any = None) -> list[Unit]:
    units = []
    for i, item in enumerate(items):
        line = lines(i) if lines else None
        if isinstance(item, dict):
            if "name" not in item:
                raise ConfigError(
                    f"units 第 {i + 1} 项缺少 name",
                    path=path,
                    line=line,
                    hint="写成 {name: 单位名称, 属性: 值}，或只写单位名称。",
                )
            attributes = {str(k): v for k, v in item.items() if k != "name"}
            bad = [k for k in attributes if not k.isidentifier() or k.startswith("_")]
            if bad:
                raise ConfigError(
                    f"units 第 {i + 1} 项的属性名“{bad[0]}”无效",
                    path=path,
                    line=line,
                    hint="属性名用字母、数字和下划线，不以下划线开头，如 kind、code。",
                )
            units.append(Unit(checked_name(item["name"], f"units 第 {i + 1} 项", path, line), attributes))
        else:
            units.append(Unit(checked_name(item, f"units 第 {i + 1} 项", path, line)))
    return unique_units(units, path, lines(0) if lines else None)


def pick_units(units: list[Unit], names: list[str], config_path: Path | None = None) -> list[Unit]:
    """The units named on the command line (`--unit`), in that order; an unknown name is an error."""
    by_name = {u.name: u for u in units}
    picked = []
    for name in names:
        unit = by_name.get(name.strip())
        if unit is None:
            close = difflib.get_close_matches(name, list(by_name), n=3, cutoff=0.4)
            shown = "、".join(list(by_name)[:20]) + ("…" if len(by_name) > 20 else "")
            raise ConfigError(
                f"没有名为“{name}”的单位",
                path=config_path,
                hint=(f"是否想写“{'”或“'.join(close)}”？" if close else "") + f"本项目的单位：{shown}。",
            )
        if unit not in picked:
            picked.append(unit)
    return picked


# -- matching the unit keys a database returns ---------------------------------------------------


def unit_key(value: Any) -> str | None:
    """The form in which a unit key from the data and a unit's name are compared: NFKC (full-width
    letters, digits and the ideographic space as their half-width forms), surrounding blanks
    dropped (CHAR(n) columns pad with them). None for NULL or a blank key."""
    if value is None:
        return None
    text = unicodedata.normalize("NFKC", str(value)).strip()
    return text or None


@dataclass
class UnitKeyMatch:
    """Rows dealt out to the units by their key column, and the keys that matched no unit."""

    rows: dict[str, list[tuple]] = field(default_factory=dict)  # unit name → its rows, key column dropped
    unmatched: dict[str, int] = field(default_factory=dict)  # key as the data holds it → number of rows
    near: dict[str, str] = field(default_factory=dict)  # unmatched key → the unit it differs from only in form
    null_rows: int = 0  # rows whose key is NULL or blank
    # The rows counted are the source's (a count of each key over the query's FROM and WHERE,
    # after the query for all units failed), not the query's result rows.
    source_rows: bool = False

    def warning(self, query: str, column: str | None = None, file: Path | None = None) -> str | None:
        """One message naming what was left out, or None when every row found its unit."""
        if not self.unmatched and not self.null_rows:
            return None
        parts = []
        rows = "数据行" if self.source_rows else "结果行"
        if self.unmatched:
            shown = sorted(self.unmatched.items(), key=lambda kv: (-kv[1], kv[0]))
            parts.append(
                f"单位名不在 units 中的{rows}："
                + "、".join(
                    f"“{key}”{n} 行" + (f"（与“{self.near[key]}”只差空格或全角/半角）" if key in self.near else "")
                    for key, n in shown[:10]
                )
                + (f" 等 {len(shown)} 个名称" if len(shown) > 10 else "")
            )
        if self.null_rows:
            parts.append(f"单位为空（NULL 或空白）的{rows}：{self.null_rows} 行")
        where = f"（列 {column}）" if column else ""
        if self.source_rows:
            return (
                unmatched_prefix(query, file)
                + f"的合并查询出错、已逐个单位查询，按单位{where}查询时有数据行未计入任何单位"
                + "（行数按查询的 FROM 和 WHERE 所选的数据行计）："
                + "；".join(parts)
            )
        # The rows counted are the query's result rows (for a grouped total, one a key), not the
        # source rows behind them: said so, lest "1 行" be read as one record.
        return (
            unmatched_prefix(query, file)
            + f"按单位{where}分配数据时有结果行未计入任何单位（行数按查询结果计）："
            + "；".join(parts)
        )


def unmatched_prefix(query: str, file: Path | None = None) -> str:
    """How a unit-key warning of `query` begins."""
    return f"查询 {query}（{file.name}）" if file is not None else f"查询 {query} "


def warns_of(warning: str, query: str) -> bool:
    """Whether a unit-key warning is `query`'s (whichever of its files, a dialect's variant or
    its own, it names): a batch check tells each grouped job's own."""
    return warning.startswith((f"查询 {query}（", f"查询 {query} "))


def _rank(raw: Any, name: str, pad_blanks: bool) -> int:
    """How a key that normalises to `name` stands to it: 0 the same, 1 padded with trailing blanks
    where the engine's `=` ignores them (MySQL/MariaDB PAD SPACE collations: the unit's own
    `= :unit` query matches it too), 2 otherwise (full-width forms, leading blanks, or trailing
    blanks on SQLite: the unit's own query, which `check` re-runs, would not match it)."""
    text = str(raw)
    if text == name:
        return 0
    return 1 if pad_blanks and text.rstrip(" ") == name else 2


def match_unit_keys(
    rows: Iterable[Sequence[Any]],
    units: Sequence[str],
    known: Iterable[str] = (),
    *,
    pad_blanks: bool = True,
    counted: bool = False,
) -> UnitKeyMatch:
    """Rows (the unit key last) dealt out to `units`. Keys are compared as `unit_key` makes them;
    of the keys that come to one unit, the unit's rows are those of its exact name or else of its
    name padded with blanks where the engine's `=` ignores them (`pad_blanks`), as the unit's own
    query would find them; the others are told, with
    the unit they resemble. The rows of a unit in `known` but not in `units` (a run for some of the
    units) are no mistake, but those of a key that only resembles its name are told as in a run
    for all units: what a run tells does not depend on which units it drafts. `counted`: each row
    is (number of source rows, key), and those numbers are told (GroupedSQL.keys_sql)."""
    names: dict[str | None, str] = {}
    for name in units:
        names.setdefault(unit_key(name), name)
    drafted = set(names.values())
    for name in known:  # not drafted now: its rows are judged as its own run would judge them
        names.setdefault(unit_key(name), name)
    by_raw: dict[Any, list[tuple]] = {}
    match = UnitKeyMatch(source_rows=counted)
    for row in rows:  # dealt out by the key as it came; each distinct key normalised once below
        by_raw.setdefault(row[-1], []).append(tuple(row[:-1]))

    def size(raw: Any) -> int:
        return sum(int(r[0] or 0) for r in by_raw[raw]) if counted else len(by_raw[raw])

    candidates: dict[str, list[tuple[int, str, Any]]] = {}
    for raw in list(by_raw):
        key = unit_key(raw)
        if key is None:
            match.null_rows += size(raw)
            del by_raw[raw]
        elif key in names:
            candidates.setdefault(names[key], []).append((_rank(raw, names[key], pad_blanks), str(raw), raw))
        else:
            shown = str(raw).rstrip(" ")  # a CHAR(n) column's padding is noise in the message
            match.unmatched[shown] = match.unmatched.get(shown, 0) + size(raw)
    for name, found in candidates.items():
        found.sort(key=lambda item: item[:2])
        if found[0][0] < 2:
            if name in drafted:
                match.rows[name] = by_raw[found[0][2]]
            found = found[1:]
        for _, text, raw in found:
            match.unmatched[text] = size(raw)
            match.near[text] = name
    return match
