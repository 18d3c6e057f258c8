"""Refuse any query file that is not one read-only SELECT, before it reaches a database.

The database sessions are read-only as well (see sources.py); this check gives
the user a message naming the file instead of a driver error, and protects
sources whose driver cannot be put in read-only mode.
"""

from __future__ import annotations

import re
from pathlib import Path

from .errors import QueryError

_WRITE_WORDS = (
    "INSERT", "UPDATE", "DELETE", "MERGE", "UPSERT", "CREATE", "DROP", "ALTER",
    "TRUNCATE", "RENAME", "GRANT", "REVOKE", "COPY", "CALL", "EXEC", "EXECUTE", "DO",
    "ATTACH", "DETACH", "PRAGMA", "VACUUM", "REINDEX", "ANALYZE", "SET", "LOCK", "INTO",
    "HANDLER", "LOAD", "COMMENT", "REFRESH", "CLUSTER", "NOTIFY", "LISTEN", "BEGIN", "COMMIT",
    "ROLLBACK", "SAVEPOINT", "RELEASE", "PREPARE", "DEALLOCATE", "SHUTDOWN", "KILL",
)
_WRITE = re.compile(r"\b(" + "|".join(_WRITE_WORDS) + r")\b", re.IGNORECASE)


def _mask(sql: str) -> str:
    """The SQL with string literals, quoted names and comments blanked, lines kept."""
    def blank(match: re.Match) -> str:
        return re.sub(r"[^\n]", " ", match.group(0))

    pattern = r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|`[^`]*`|--[^\n]*|/\*.*?\*/"
    return re.sub(pattern, blank, sql, flags=re.S)


def check_select(sql: str, path: Path, first_line: int = 1) -> None:
    """Raise QueryError unless `sql` is a single SELECT (or WITH … SELECT)."""
    masked = _mask(sql)
    body = masked.strip().rstrip(";").rstrip()
    if ";" in body:
        line = first_line + masked[: masked.index(";")].count("\n")
        raise QueryError(
            "查询文件中有多条语句（分号后还有内容）",
            path=path,
            line=line,
            hint="一个查询文件只能有一条 SELECT 语句；其余的请拆到各自的文件中。",
        )
    first = re.match(r"\s*\(*\s*([A-Za-z]+)", body)
    keyword = first.group(1).upper() if first else ""
    if keyword not in ("SELECT", "WITH"):
        raise QueryError(
            f"查询必须以 SELECT 或 WITH 开头，这里是“{keyword or '空'}”",
            path=path,
            line=first_line,
            hint="drafter 只读取数据：查询文件里只能写一条 SELECT（或 WITH … SELECT）语句。",
        )
    write = _WRITE.search(body)
    if write:
        line = first_line + body[: write.start()].count("\n")
        raise QueryError(
            f"查询中出现了会修改数据的关键字“{write.group(1).upper()}”，已拒绝执行",
            path=path,
            line=line,
            hint="drafter 只读取数据：请删去写入、建表或会话设置语句，只保留 SELECT。",
        )
