"""Refuse any query file that is not one read-only SELECT, before it reaches a database.

The database sessions are read-only as well (see sources.py); this check gives
the user a message naming the file and line instead of a driver error, and
protects sources whose driver cannot be put in read-only mode.

Strings and comments are blanked before looking for a second statement or a
write keyword, and engines disagree on where a string ends: in MySQL a
backslash escapes a quote and `/*! … */` is executed, in PostgreSQL and SQLite
a backslash is an ordinary character and `$$ … $$` is a string. The SQL is
therefore read both ways and must pass both, so that no engine can see a
statement that the guard did not.
"""

from __future__ import annotations

import re
from pathlib import Path

from drafter.errors import QueryError

_WRITE_WORDS = (
    "INSERT", "UPDATE", "DELETE", "MERGE", "UPSERT", "CREATE", "DROP", "ALTER",
    "TRUNCATE", "RENAME", "GRANT", "REVOKE", "COPY", "CALL", "EXEC", "EXECUTE", "DO",
    "ATTACH", "DETACH", "PRAGMA", "VACUUM", "REINDEX", "ANALYZE", "SET", "LOCK", "INTO",
    "HANDLER", "LOAD", "COMMENT", "REFRESH", "CLUSTER", "NOTIFY", "LISTEN", "BEGIN", "COMMIT",
    "ROLLBACK", "SAVEPOINT", "RELEASE", "PREPARE", "DEALLOCATE", "SHUTDOWN", "KILL",
)
# Functions with side effects that a SELECT can call: session settings, sequences, server
# files, other sessions.
_EFFECT_FUNCTIONS = (
    "SET_CONFIG", "NEXTVAL", "SETVAL", "LO_IMPORT", "LO_EXPORT", "LO_UNLINK", "PG_FILE_WRITE",
    "DBLINK_EXEC", "PG_TERMINATE_BACKEND", "PG_CANCEL_BACKEND", "PG_RELOAD_CONF",
)
_WRITE = re.compile(r"\b(" + "|".join(_WRITE_WORDS) + r")\b|\b(" + "|".join(_EFFECT_FUNCTIONS) + r")\s*\(",
                    re.IGNORECASE)

# How PostgreSQL, SQLite, Oracle, DM, KingbaseES … read strings and comments.
_STANDARD = re.compile(
    r"'(?:[^']|'')*'"                   # 'it''s'
    r"|\"(?:[^\"]|\"\")*\""             # "quoted name"
    r"|`[^`]*`"                         # `name` (SQLite accepts these too)
    r"|\$((?:[A-Za-z_][A-Za-z0-9_]*)?)\$.*?\$\1\$"  # $$ … $$, $tag$ … $tag$
    r"|--[^\n]*"
    r"|/\*.*?\*/",
    re.S,
)
# How MySQL and MariaDB read them (default sql_mode).
_MYSQL = re.compile(
    r"'(?:[^'\\]|\\.|'')*'"              # 'it\'s', 'it''s'
    r"|\"(?:[^\"\\]|\\.|\"\")*\""       # "a string"
    r"|`(?:[^`]|``)*`"
    r"|#[^\n]*"
    r"|--(?=\s|$)[^\n]*"               # `--x` is minus minus x
    r"|/\*(?!!).*?\*/",                # /*! … */ is executed
    re.S,
)


def _mask(sql: str, pattern: re.Pattern = _STANDARD) -> str:
    """The SQL with string literals, quoted names and comments blanked, lines kept."""
    return pattern.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), sql)


def check_select(sql: str, path: Path, first_line: int = 1) -> None:
    """Raise QueryError unless `sql` is a single SELECT (or WITH … SELECT) however it is read."""
    for pattern, note in ((_STANDARD, ""), (_MYSQL, "（按 MySQL/MariaDB 的读法：反斜杠转义引号、“--”后须有空格才是注释、/*! */ 中的内容会执行）")):
        _check(_mask(sql, pattern), path, first_line, note)


def _check(masked: str, path: Path, first_line: int, note: str) -> None:
    body = masked.strip().rstrip(";").rstrip()
    offset = len(masked) - len(masked.lstrip())
    if ";" in body:
        line = first_line + masked[: masked.index(";", offset)].count("\n")
        raise QueryError(
            f"查询文件中有多条语句（分号后还有内容）{note}",
            path=path,
            line=line,
            hint="一个查询文件只能有一条 SELECT 语句；其余的请拆到各自的文件中。",
        )
    first = re.match(r"\s*\(*\s*([A-Za-z]+)", body)
    keyword = first.group(1).upper() if first else ""
    if keyword not in ("SELECT", "WITH"):
        raise QueryError(
            f"查询必须以 SELECT 或 WITH 开头，这里是“{keyword or body.strip()[:10] or '空'}”{note}",
            path=path,
            line=first_line + masked[:offset].count("\n"),
            hint="drafter 只读取数据：查询文件里只能写一条 SELECT（或 WITH … SELECT）语句。",
        )
    write = _WRITE.search(body)
    if write:
        word = (write.group(1) or write.group(2)).upper()
        line = first_line + masked[: offset + write.start()].count("\n")
        if write.group(2):
            raise QueryError(
                f"查询中调用了有副作用的函数“{word}”（改变会话设置、序列、服务器文件或其他连接），已拒绝执行{note}",
                path=path,
                line=line,
                hint="drafter 只读取数据：请删去该函数调用。",
            )
        raise QueryError(
            f"查询中出现了会修改数据的关键字“{word}”，已拒绝执行{note}",
            path=path,
            line=line,
            hint="drafter 只读取数据：请删去写入、建表、加锁或会话设置语句，只保留 SELECT。",
        )
