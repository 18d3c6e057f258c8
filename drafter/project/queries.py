"""Query files: one `.sql` a query, its name the file stem, a `-- key: value` header.

    -- source: enforcement
    -- description: 全年执法检查
    -- returns: row
    SELECT COUNT(*) AS checks FROM inspection
    WHERE inspected_on >= :period_start AND inspected_on < :period_end

A dialect variant sits beside its query as `<name>.<dialect>.sql` (for example
`law_enforcement.postgresql.sql`) and is used instead of the portable file
when the source's database is of that dialect. It needs no header.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from drafter.errors import QueryError
from drafter.project.grouping import grouping_problems
from drafter.project.sql import ParsedSQL, analyse, error_of, refusals

Returns = Literal["scalar", "row", "rows"]
RETURNS: tuple[Returns, ...] = ("scalar", "row", "rows")
HEADER_KEYS = ("name", "source", "description", "returns", "per")
REQUIRED_KEYS = ("source", "description")
DIALECTS = ("sqlite", "postgresql", "mysql", "mariadb", "oracle", "mssql", "dm", "kingbase")

_HEADER_LINE = re.compile(r"^--\s*([A-Za-z_]+)\s*[:：]\s*(.*?)\s*$")  # ：typed with a Chinese input method


@dataclass(frozen=True)
class QuerySpec:
    """A query as written in its file."""

    name: str
    source: str
    description: str
    returns: Returns
    sql: str
    path: Path
    sql_line: int  # 1-based line of the file where the SQL begins
    variants: dict[str, Path] = field(default_factory=dict)
    header_lines: dict[str, int] = field(default_factory=dict, compare=False)  # key → 1-based line
    per: str | None = None  # `-- per: town`: the unit column, for running once for all units

    @property
    def uses_unit(self) -> bool:
        """Whether the query (its file or a dialect variant) is bound to `:unit`."""
        if "unit" in self.parameters:
            return True
        return any("unit" in sql_parameters(p.read_text(encoding="utf-8")) for p in self.variants.values())

    def line_of(self, key: str) -> int:
        """The line of header item `key` (`source`, `returns`, …), else 1."""
        return self.header_lines.get(key, 1)

    def sql_for(self, dialect: str) -> tuple[str, Path]:
        """The SQL to run on `dialect`, and the file it came from."""
        variant = self.variants.get(dialect)
        if variant is None and dialect == "mariadb":
            variant = self.variants.get("mysql")
        if variant is None:
            return self.sql, self.path
        return variant.read_text(encoding="utf-8"), variant

    @property
    def parsed(self) -> ParsedSQL:
        """The portable SQL as read once (`drafter.project.sql`): columns, parameters, functions."""
        return analyse(self.sql)

    @property
    def parameters(self) -> list[str]:
        """Names of the bound parameters the portable SQL uses, in order of first use."""
        return list(self.parsed.parameters)


def sql_parameters(sql: str, dialect: str | None = None) -> list[str]:
    """Names of the bound parameters (`:name`) `sql` uses, in order of first use."""
    return list(analyse(sql, dialect).parameters)


def variant_dialect(path: Path) -> str | None:
    """The dialect of a variant file `x.postgresql.sql`, else None."""
    variant = _variant_of(path)
    return variant[1] if variant else None


def sql_fingerprint(sql: str) -> str:
    """SHA-256 of the SQL with whitespace folded, so a reformatted query keeps its hash."""
    folded = " ".join(sql.split())
    return hashlib.sha256(folded.encode("utf-8")).hexdigest()


def parse_query(path: Path, text: str | None = None) -> QuerySpec:
    """Read one query file; the header ends at the first line that is not a comment."""
    if text is None:
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise QueryError(
                "查询文件不是 UTF-8 编码", path=path, cause=str(exc), hint="请用 UTF-8 编码另存该文件。"
            ) from exc
        except OSError as exc:
            raise QueryError(
                "查询文件无法读取", path=path, cause=str(exc), hint="检查文件权限，或它是否正被其他程序独占打开。"
            ) from exc
    header: dict[str, str] = {}
    header_lines: dict[str, int] = {}
    lines = text.splitlines()
    sql_start = len(lines)
    for i, line in enumerate(lines):
        stripped = line.strip()
        if not stripped:
            continue
        if not stripped.startswith("--"):
            sql_start = i
            break
        match = _HEADER_LINE.match(stripped)
        if not match:
            continue  # an ordinary comment
        key = match.group(1).lower()
        value = match.group(2).split("  #")[0].strip()
        if key not in HEADER_KEYS:
            close = difflib.get_close_matches(key, HEADER_KEYS, n=1)
            raise QueryError(
                f"查询文件头有未知的项“{key}”",
                path=path,
                line=i + 1,
                hint=(f"是否想写“{close[0]}”？" if close else "") + f"可用的项：{'、'.join(HEADER_KEYS)}。",
            )
        header[key] = value
        header_lines[key] = i + 1
    name = path.name.removesuffix(".sql")
    if header.get("name") and header["name"] != name:
        raise QueryError(
            f"查询名“{header['name']}”与文件名“{name}”不一致",
            path=path,
            line=header_lines["name"],
            hint="查询名就是文件名（不含 .sql）；删去 name 行或改成一致。",
        )
    missing = [k for k in REQUIRED_KEYS if not header.get(k)]
    if missing:
        raise QueryError(
            f"查询文件头缺少“{'”“'.join(missing)}”",
            path=path,
            line=1,
            hint="在文件开头写上，例如：\n  -- source: enforcement\n  -- description: 全年执法检查情况\n  -- returns: row",
        )
    returns = header.get("returns", "row").lower()
    if returns not in RETURNS:
        raise QueryError(
            f"returns 的值“{returns}”无效",
            path=path,
            line=header_lines.get("returns"),
            hint="可用的值：scalar（一个值）、row（一行多列）、rows（多行）。",
        )
    sql = "\n".join(lines[sql_start:]).strip()
    if not sql:
        raise QueryError("查询文件没有 SQL 语句", path=path, hint="在文件头之后写一条 SELECT 语句。")
    return QuerySpec(
        name=name,
        source=header["source"],
        description=header["description"],
        returns=returns,
        sql=sql,
        path=path,
        sql_line=sql_start + 1,
        header_lines=header_lines,
        per=header.get("per") or None,
    )


def _variant_of(path: Path) -> tuple[str, str] | None:
    """(query name, dialect) when `path` is a dialect variant like `x.postgresql.sql`."""
    parts = path.name.split(".")
    if len(parts) == 3 and parts[1] in DIALECTS:
        return parts[0], parts[1]
    return None


def scan_queries(directory: Path) -> tuple[dict[str, QuerySpec], list[QueryError]]:
    """Every query under `directory` (subfolders included) that reads cleanly, by name, and
    what is wrong with the rest: a bad header, a name used twice, a variant without its query.
    `load_queries` stops at the first problem; `drafter lint` reports them all."""
    if not directory.is_dir():
        return {}, [
            QueryError(
                "找不到查询目录",
                path=directory,
                hint="在 config.yaml 的 queries: 中写对目录，或新建该目录并放入 .sql 文件。",
            )
        ]
    specs: dict[str, QuerySpec] = {}
    problems: list[QueryError] = []
    variants: list[tuple[str, str, Path]] = []
    for path in sorted(directory.rglob("*.sql")):
        if not path.is_file():  # a folder named x.sql
            continue
        variant = _variant_of(path)
        if variant:
            variants.append((*variant, path))
            continue
        try:
            spec = parse_query(path)
        except QueryError as exc:
            problems.append(exc)
            continue
        if spec.name in specs:
            problems.append(
                QueryError(
                    f"查询名“{spec.name}”重复",
                    path=path,
                    line=1,
                    hint=f"另一个同名文件：{specs[spec.name].path}。查询名取自文件名，须唯一，请改名其一。",
                )
            )
            continue
        specs[spec.name] = spec
    for name, dialect, path in variants:
        if name in specs:
            specs[name].variants[dialect] = path
        else:
            problems.append(
                QueryError(
                    f"方言变体“{path.name}”没有对应的通用查询 {name}.sql",
                    path=path,
                    hint=f"变体只能替换已有的查询：先写通用的 {name}.sql（含文件头）。",
                )
            )
    return specs, problems


def load_queries(directory: Path) -> dict[str, QuerySpec]:
    """Every query under `directory` (subfolders included), by name; the first problem is raised."""
    specs, problems = scan_queries(directory)
    if problems:
        raise problems[0]
    return specs


def sql_files(spec: QuerySpec) -> list[tuple[Path, str, int, str | None]]:
    """(file, SQL, first line of the SQL, dialect) of the query file and each dialect variant."""
    files: list[tuple[Path, str, int, str | None]] = [(spec.path, spec.sql, spec.sql_line, None)]
    for dialect, path in spec.variants.items():
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise QueryError(
                "方言变体文件无法读取", path=path, cause=str(exc), hint="请用 UTF-8 编码保存该文件，并检查文件权限。"
            ) from exc
        files.append((path, text, 1, dialect))
    return files


def query_problems(
    spec: QuerySpec,
    *,
    sources: list[str],
    parameters: list[str],
    engines: Mapping[str, str | None] | None = None,
    allow: Mapping[str, Collection[str]] | None = None,
) -> list[QueryError]:
    """What is wrong with `spec` that can be told without a database: a source that is not
    configured, a parameter nothing defines, SQL that is not one read-only SELECT calling
    only allowed functions (the query file and each dialect variant). `engines` (source →
    backend) reads the query file as its source's engine does; `allow`: each source's
    `allow_functions`."""
    found: list[QueryError] = []
    if spec.source not in sources:
        close = difflib.get_close_matches(spec.source, sources, n=1)
        found.append(
            QueryError(
                f"查询 {spec.name} 的数据源“{spec.source}”未在 config.yaml 的 sources: 中配置",
                path=spec.path,
                line=spec.line_of("source"),
                hint=(f"是否想写“{close[0]}”？" if close else "")
                + f"已配置的数据源：{'、'.join(sources) or '（无）'}。",
            )
        )
    if spec.per is not None:
        found.extend(grouping_problems(spec))
    for path, sql, first_line, dialect in sql_files(spec):
        parsed = analyse(sql, dialect or (engines or {}).get(spec.source))
        problems = refusals(parsed, (allow or {}).get(spec.source, ()))
        if problems:
            found.append(error_of(problems[0], sql, path, first_line))
        found += [
            undefined_parameter(spec.name, name, path, sql, first_line, parameters, dialect)
            for name in parsed.parameters
            if name not in parameters
        ]
    return found


def undefined_parameter(
    query: str, name: str, path: Path, sql: str, first_line: int, parameters: list[str], dialect: str | None = None
) -> QueryError:
    """The one message for a `:name` in a query's SQL that no parameter defines."""
    close = difflib.get_close_matches(name, parameters, n=1)
    offset = analyse(sql, dialect).parameter_offset(name)
    line = first_line + sql[:offset].count("\n") if offset is not None else None
    # :half / :quarter / :month exist only for a period of that kind (drafter/project/period.py).
    kind = {
        "half": ("半年", "2025H1", "half"),
        "quarter": ("季度", "2025Q1", "quarter"),
        "month": ("月", "2025-03", "month"),
    }.get(name)
    return QueryError(
        f"查询 {query} 用到的参数 :{name} 没有定义" + (f"（:{name} 只在报告期间是{kind[0]}时才有）" if kind else ""),
        path=path,
        line=line,
        hint=(
            f"用 --period {kind[1]} 或 config.yaml 的 report.period: {kind[2]}；"
            "或改用 :period_start、:period_end，它们对任何期间都有。"
            if kind
            else ""
        )
        + (f"是否想写“:{close[0]}”？" if close and not kind else "")
        + f"可用的参数：{'、'.join(':' + p for p in parameters)}；其他参数请写在 config.yaml 的 parameters: 中。",
    )
