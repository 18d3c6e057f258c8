"""The one SQL reader of drafter: what a query file's SQL is, and whether it may run.

`analyse(sql)` reads the SQL of one query file (or dialect variant) once and gives a
`ParsedSQL`: the statement kind, the output column names, the bound parameters
(`:name`), the functions called (quoted or not, schema-qualified or not), the comments,
and every reason to refuse it. The guard (`check_select`), the header reader
(`queries.QuerySpec.parameters`), `drafter lint` (output columns) and the runner (which
parameters to bind, and the text handed to SQLAlchemy's `text()`) all read this one result.

Two layers, both before anything reaches a server:

1. A lexer that knows strings, quoted names and comments reads the raw text in each of
   the ways the engines read it, because they disagree on where a string or a comment
   ends: MySQL/MariaDB let a backslash escape a quote, take `#` as a comment, need a
   space after `--`, and *execute* `/*! … */` and `/*M! … */`; PostgreSQL has `$$ … $$`
   strings, `E'…'` strings with backslash escapes and nested `/* /* */ */` comments;
   SQLite takes `[name]` as a quoted name; a MySQL server in ANSI mode takes `"…"` as a
   name and a backslash as a character. Each reading must find exactly one statement,
   no executable comment or optimizer hint (`/*+ … */` can lift a time limit), no
   `INTO`/`OUTFILE`/`DUMPFILE`, no locking clause, no `@variable :=` and no call of a
   function of the deny-list — whatever the reading, so no engine can see a statement
   that the guard did not.
2. sqlglot parses the statement (as the dialect of a variant, else as PostgreSQL, then
   MySQL, SQLite …, the first that reads it; every dialect whose reading of the strings
   and comments differs is parsed as well): it must be one SELECT (or WITH … SELECT, or
   a set operation of SELECTs) with no data-changing statement inside (a PostgreSQL
   `WITH d AS (DELETE …)`), no `SELECT … INTO` and no locking clause, and calls no
   function of the deny-list. SQL that no dialect can parse is refused with the
   parser's words, file and line.

The deny-list (`DENIED_FUNCTIONS`, documented in the README) holds functions that
change sessions, sequences or other sessions, read or write server files, reach other
servers, take locks, or wait. Sleeping is refused outright, at any duration: the
argument can be computed, a report query has no reason to wait, and the server's time
limit stays the net below. The list applies to every query whatever its source, since
a function name means the same harm on any engine that has it.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from drafter.errors import QueryError

# sqlglot reports what it cannot parse through `logging` as well; drafter says it in its own words.
logging.getLogger("sqlglot").addHandler(logging.NullHandler())
logging.getLogger("sqlglot").propagate = False

# -- the deny-list ----------------------------------------------------------------------------

# By engine, for the README; a trailing * matches any ending. Names are matched without
# case, quoted or not, and every part of a schema-qualified name is looked at.
DENIED_FUNCTIONS: dict[str, tuple[str, ...]] = {
    "PostgreSQL、人大金仓": (
        "pg_terminate_backend",
        "pg_cancel_backend",
        "pg_signal_backend",
        "set_config",
        "pg_reload_conf",
        "pg_rotate_logfile",
        "pg_promote",
        "pg_switch_wal",
        "pg_create_*",
        "pg_drop_replication_slot",
        "pg_replication_*",
        "pg_logical_*",
        "pg_backup_*",
        "pg_start_backup",
        "pg_stop_backup",
        "pg_wal_replay_*",
        "pg_log_backend_memory_contexts",
        "pg_import_system_collations",
        "pg_read_file",
        "pg_read_binary_file",
        "pg_ls_*",
        "pg_stat_file",
        "pg_file_*",
        "pg_logdir_ls",
        "lo_*",
        "loread",
        "lowrite",
        "pg_stat_reset*",
        "pg_stat_statements_reset",
        "dblink*",
        "pg_sleep*",
        "nextval",
        "setval",
        "pg_advisory_*",
        "pg_try_advisory_*",
        "pg_notify",
        "txid_current",
        "pg_current_xact_id",
        "query_to_xml*",
        "cursor_to_xml*",
        "ts_stat",
    ),
    "MySQL、MariaDB": (
        "load_file",
        "sleep",
        "benchmark",
        "get_lock",
        "release_lock",
        "release_all_locks",
        "master_pos_wait",
        "source_pos_wait",
        "master_gtid_wait",
        "wait_for_executed_gtid_set",
        "wait_until_sql_thread_after_gtids",
        "last_insert_id",
        "nextval",
        "setval",
        "lastval",
        "sys_exec",
        "sys_eval",
    ),
    "SQLite": ("load_extension", "readfile", "writefile", "edit", "fsdir", "fts3_tokenizer"),
    "Oracle、达梦、SQL Server": (
        "dbms_lock",
        "dbms_session",
        "dbms_pipe",
        "dbms_sql",
        "dbms_xmlgen",
        "dbms_scheduler",
        "dbms_java",
        "utl_*",
        "xp_*",
        "openrowset",
        "opendatasource",
        "openquery",
    ),
}
_DENIED = re.compile(
    "|".join(
        re.escape(p[:-1]) + r"\w*" if p.endswith("*") else re.escape(p)
        for patterns in DENIED_FUNCTIONS.values()
        for p in patterns
    ),
    re.IGNORECASE,
)


def denied(name: str) -> bool:
    """Whether a function name (one part, unquoted) is on the deny-list."""
    return _DENIED.fullmatch(name) is not None


# -- the readings -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Reading:
    """How one engine reads strings, quoted names and comments."""

    name: str
    note: str  # told after a message when only this reading found the problem
    backslash_single: bool = False  # '\'' escapes a quote
    double_quoted_string: bool = False  # "…" is a string, not a name
    backslash_double: bool = False
    dollar_quotes: bool = False  # $$ … $$, $tag$ … $tag$
    e_strings: bool = False  # E'…' with backslash escapes
    nested_comments: bool = False
    hash_comments: bool = False  # # to the end of the line
    dash_needs_space: bool = False  # `--x` is minus minus x
    brackets: bool = False  # [name]


POSTGRESQL = Reading("postgresql", "", dollar_quotes=True, e_strings=True, nested_comments=True)
MYSQL = Reading(
    "mysql",
    "（按 MySQL/MariaDB 的读法：反斜杠转义引号、# 和“-- ”是注释、/*! */ 中的内容会执行）",
    backslash_single=True,
    double_quoted_string=True,
    backslash_double=True,
    hash_comments=True,
    dash_needs_space=True,
)
MYSQL_ANSI = Reading(
    "mysql_ansi",
    "（按 MySQL/MariaDB 在 ANSI_QUOTES、NO_BACKSLASH_ESCAPES 模式下的读法）",
    hash_comments=True,
    dash_needs_space=True,
)
SQLITE = Reading("sqlite", "（按 SQLite 的读法：[名称] 是带引号的名称）", brackets=True)
READINGS = (POSTGRESQL, MYSQL, MYSQL_ANSI, SQLITE)
# The reading of the engine that runs a statement: where `text()` must leave strings alone.
_READING_OF = {"postgresql": POSTGRESQL, "kingbase": POSTGRESQL, "mysql": MYSQL, "mariadb": MYSQL, "sqlite": SQLITE}


@dataclass(frozen=True)
class Token:
    kind: str  # word, qname, string, comment, number, param, var, punct
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Problem:
    """A reason to refuse the SQL: the message, where (offset into the SQL), what to do."""

    key: str  # the kind of problem: one of each kind is told
    message: str
    offset: int
    hint: str
    cause: str | None = None
    line: int | None = None  # 1-based line within the SQL, when known otherwise than by offset


_SPACE = re.compile(r"\s+")
# What the readings disagree on: backslashes, double quotes, dollar quotes, E'…', # comments,
# [names], block comments (nested or executable), `--` not followed by a space.
_AMBIGUOUS = re.compile(r"[\\\"$#\[]|/\*|--(?!\s)|(?<![\w$])[eE]'")
# Any BMP character beyond ASCII, written as a negated class: `[\u0080-\uffff]` (or \w with it)
# takes the re module ~15 ms to compile, once a process, a tenth of importing this module.
_NON_ASCII_BMP = r"[^\x00-\x7f\U00010000-\U0010ffff]"
_WORD = re.compile(rf"(?:[A-Za-z_]|{_NON_ASCII_BMP})(?:[\w$]|{_NON_ASCII_BMP})*")
_NUMBER = re.compile(r"(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_DOLLAR_TAG = re.compile(rf"\$(?:(?:[A-Za-z_]|{_NON_ASCII_BMP})(?:\w|{_NON_ASCII_BMP})*)?\$")
_PARAM = re.compile(r"(?<![:\w\\]):(\w+)(?![:\w])")  # as SQLAlchemy's text() finds them
_OPENERS = (("/*M!", "/*M! … */"), ("/*!", "/*! … */"), ("/*+", "/*+ … */"))


def _scan_quoted(sql: str, start: int, quote: str, backslash: bool) -> int:
    """The end (exclusive) of the quoted run opening at `start`, or -1 when it never closes."""
    i, n = start + 1, len(sql)
    while i < n:
        ch = sql[i]
        if backslash and ch == "\\":
            i += 2
            continue
        if ch == quote:
            if i + 1 < n and sql[i + 1] == quote:
                i += 2
                continue
            return i + 1
        i += 1
    return -1


def _scan_comment(sql: str, start: int, nested: bool) -> int:
    if not nested:
        end = sql.find("*/", start + 2)
        return -1 if end < 0 else end + 2
    depth, i, n = 0, start, len(sql)
    while i < n:
        if sql.startswith("/*", i):
            depth += 1
            i += 2
        elif sql.startswith("*/", i):
            depth -= 1
            i += 2
            if depth == 0:
                return i
        else:
            i += 1
    return -1


def tokenize(sql: str, reading: Reading) -> tuple[list[Token], list[Problem]]:
    """The tokens of `sql` as `reading` sees them (no whitespace), and what cannot be read."""
    tokens: list[Token] = []
    problems: list[Problem] = []
    i, n = 0, len(sql)

    def unclosed(what: str, at: int) -> None:
        problems.append(
            Problem(
                "unclosed",
                f"查询中的{what}没有闭合{reading.note}",
                at,
                "检查引号和 /* */ 是否成对；字符串中的引号写两遍（'it''s'），不要用反斜杠转义。",
            )
        )

    while i < n:
        ch = sql[i]
        if ch.isspace():
            i = _SPACE.match(sql, i).end()  # type: ignore[union-attr]
            continue
        if (
            ch == "-"
            and sql.startswith("--", i)
            and (not reading.dash_needs_space or i + 2 >= n or sql[i + 2].isspace() or ord(sql[i + 2]) < 32)
        ):
            end = sql.find("\n", i)
            end = n if end < 0 else end
            tokens.append(Token("comment", sql[i:end], i, end))
            i = end
            continue
        if ch == "#" and reading.hash_comments:
            end = sql.find("\n", i)
            end = n if end < 0 else end
            tokens.append(Token("comment", sql[i:end], i, end))
            i = end
            continue
        if ch == "/" and sql.startswith("/*", i):
            for opener, shown in _OPENERS:
                if sql.startswith(opener, i):
                    problems.append(
                        Problem(
                            "executable",
                            f"查询中有可执行注释或优化器提示“{shown}”，已拒绝执行（MySQL/MariaDB 会执行 /*! */ 和 /*M! */ "
                            "中的内容，/*+ */ 可以改变时限等设置）",
                            i,
                            "删去这段注释：查询文件中的注释只能是普通注释（-- 或 /* */）。",
                        )
                    )
                    break
            end = _scan_comment(sql, i, reading.nested_comments)
            if end < 0:
                unclosed("注释“/*”", i)
                break
            tokens.append(Token("comment", sql[i:end], i, end))
            i = end
            continue
        if ch == "'":
            backslash = reading.backslash_single or (
                reading.e_strings
                and bool(tokens)
                and tokens[-1].end == i
                and tokens[-1].kind == "word"
                and tokens[-1].text in ("E", "e")
            )
            end = _scan_quoted(sql, i, "'", backslash)
            if end < 0:
                unclosed("字符串（单引号）", i)
                break
            if backslash and not reading.backslash_single:  # E'…': the E belongs to the string
                prefix = tokens.pop()
                tokens.append(Token("string", sql[prefix.start : end], prefix.start, end))
            else:
                tokens.append(Token("string", sql[i:end], i, end))
            i = end
            continue
        if ch == '"':
            end = _scan_quoted(sql, i, '"', reading.double_quoted_string and reading.backslash_double)
            if end < 0:
                unclosed("双引号", i)
                break
            tokens.append(Token("string" if reading.double_quoted_string else "qname", sql[i:end], i, end))
            i = end
            continue
        if ch == "`":
            end = _scan_quoted(sql, i, "`", False)
            if end < 0:
                unclosed("反引号", i)
                break
            tokens.append(Token("qname", sql[i:end], i, end))
            i = end
            continue
        if ch == "[" and reading.brackets:
            end = sql.find("]", i + 1)
            if end < 0:
                unclosed("方括号", i)
                break
            tokens.append(Token("qname", sql[i : end + 1], i, end + 1))
            i = end + 1
            continue
        if ch == "$" and reading.dollar_quotes and not (i and (sql[i - 1].isalnum() or sql[i - 1] in "_$")):
            tag = _DOLLAR_TAG.match(sql, i)
            if tag:
                close = sql.find(tag.group(), tag.end())
                if close < 0:
                    unclosed(f"美元符号字符串“{tag.group()}”", i)
                    break
                end = close + len(tag.group())
                tokens.append(Token("string", sql[i:end], i, end))
                i = end
                continue
        if ch == ":" and i + 1 < n and (sql[i + 1] == ":" or sql[i + 1] == "="):
            tokens.append(Token("punct", sql[i : i + 2], i, i + 2))
            i += 2
            continue
        if ch == ":":
            param = (
                _PARAM.match(sql, i)
                if not (i and (sql[i - 1] == "\\" or sql[i - 1].isalnum() or sql[i - 1] == "_"))
                else None
            )
            if param:
                tokens.append(Token("param", param.group(1), i, param.end()))
                i = param.end()
                continue
        if ch == "@":
            var = re.compile(r"@@?[\w$.]+").match(sql, i)
            if var:
                tokens.append(Token("var", var.group(), i, var.end()))
                i = var.end()
                continue
        word = _WORD.match(sql, i)
        if word:
            tokens.append(Token("word", word.group(), i, word.end()))
            i = word.end()
            continue
        number = _NUMBER.match(sql, i)
        if number:
            end = number.end()
            tail = _WORD.match(sql, end)  # MySQL names may start with digits: 1abc
            if tail:
                end = tail.end()
            tokens.append(Token("number" if end == number.end() else "word", sql[i:end], i, end))
            i = end
            continue
        tokens.append(Token("punct", ch, i, i + 1))
        i += 1
    return tokens, problems


def _unquote(token: Token) -> str:
    if token.kind == "qname" or (token.kind == "string" and token.text[:1] == '"'):
        body = token.text[1:-1]
        return body.replace(token.text[0] * 2, token.text[0]) if token.text[0] != "[" else body
    return token.text


_CALL_NOT = frozenset(
    {
        "in",
        "exists",
        "as",
        "over",
        "filter",
        "values",
        "using",
        "on",
        "and",
        "or",
        "not",
        "when",
        "then",
        "else",
        "from",
        "join",
        "select",
        "where",
        "by",
        "with",
        "any",
        "all",
        "some",
        "between",
        "is",
        "like",
        "case",
        "union",
        "except",
        "intersect",
        "lateral",
        "within",
        "group",
        "having",
        "recursive",
        "materialized",
        "distinct",
        "limit",
        "offset",
        "row",
        "rows",
        "array",
        "into",
        "returning",
        "set",
        "table",
        "end",
    }
)
_LOCK_AFTER_FOR = frozenset({"update", "share", "no", "key"})
_STATEMENT_START = frozenset({"select", "with"})


def _lexical_problems(sql: str, reading: Reading, tokens: list[Token]) -> list[Problem]:
    """What one reading of the raw text refuses: a second statement, a first word other than
    SELECT/WITH, INTO, a locking clause, a session variable set, a denied function called."""
    found: list[Problem] = []
    code = [t for t in tokens if t.kind != "comment"]
    note = reading.note
    for k, tok in enumerate(code):
        if (
            tok.kind == "punct"
            and tok.text == ";"
            and any(not (t.kind == "punct" and t.text == ";") for t in code[k + 1 :])
        ):
            found.append(
                Problem(
                    "statements",
                    f"查询文件中有多条语句（分号后还有内容）{note}",
                    tok.start,
                    "一个查询文件只能有一条 SELECT 语句；其余的请拆到各自的文件中。",
                )
            )
            code = code[:k]
            break
    first = next((t for t in code if not (t.kind == "punct" and t.text == "(")), None)
    if first is None or first.kind != "word" or first.text.lower() not in _STATEMENT_START:
        shown = first.text[:20] if first is not None else (sql.strip()[:10] or "空")
        found.append(
            Problem(
                "first_word",
                f"查询必须以 SELECT 或 WITH 开头，这里是“{shown}”{note}",
                first.start if first else 0,
                "drafter 只读取数据：查询文件里只能写一条 SELECT（或 WITH … SELECT）语句。",
            )
        )
    for k, tok in enumerate(code):
        word = tok.text.lower() if tok.kind == "word" else ""
        after = code[k + 1] if k + 1 < len(code) else None
        after_word = after.text.lower() if after is not None and after.kind == "word" else ""
        if word in ("into", "outfile", "dumpfile"):
            found.append(
                Problem(
                    "into",
                    f"查询中有 SELECT … {tok.text.upper()}（把结果写进表、变量或服务器上的文件），已拒绝执行{note}",
                    tok.start,
                    "drafter 只读取数据：删去 INTO 子句，结果由 drafter 取回。",
                )
            )
        elif (word == "for" and after_word in _LOCK_AFTER_FOR) or (word == "lock" and after_word == "in"):
            clause = " ".join(t.text.upper() for t in code[k : k + 4] if t.kind == "word")
            found.append(
                Problem(
                    "lock",
                    f"查询中有加锁子句“{clause}”（会锁住业务系统正在用的行），已拒绝执行{note}",
                    tok.start,
                    "drafter 只读取数据：删去 FOR UPDATE / FOR SHARE / LOCK IN SHARE MODE。",
                )
            )
        elif (
            tok.kind == "punct"
            and tok.text == ":"
            and after is not None
            and after.kind == "word"
            and after.start == tok.end
            and k + 2 < len(code)
            and code[k + 2].text == "::"
            and code[k + 2].start == after.end
        ):
            found.append(
                Problem(
                    "parameter_cast",
                    f"参数 :{after.text} 后紧跟 ::类型，不会被当作参数{note}",
                    tok.start,
                    f"写成 CAST(:{after.text} AS 类型)；:{after.text}::类型 这种写法，SQLAlchemy 不会把 :{after.text} 换成参数值。",
                )
            )
        elif tok.kind == "var" and after is not None and after.text == ":=":
            found.append(
                Problem(
                    "variable",
                    f"查询中给会话变量赋值（{tok.text} :=），已拒绝执行{note}",
                    tok.start,
                    "drafter 只读取数据：不要在查询中设置变量，改用子查询或 WITH。",
                )
            )
        elif tok.kind in ("word", "qname", "string") and after is not None and after.text == "(":
            if tok.kind == "word" and word in _CALL_NOT:
                continue
            if tok.kind == "string" and tok.text[:1] != '"':
                continue
            parts = [_unquote(tok)]
            j = k
            while j >= 2 and code[j - 1].text == "." and code[j - 2].kind in ("word", "qname", "string"):
                parts.insert(0, _unquote(code[j - 2]))
                j -= 2
            bad = next((p for p in parts if denied(p)), None)
            if bad:
                found.append(_denied_problem(".".join(parts), bad, tok.start, note))
    return found


def _denied_problem(name: str, part: str, offset: int, note: str = "") -> Problem:
    shown = name.upper() if name.lower().endswith(part.lower()) else f"{name.upper()}（{part.upper()}）"
    return Problem(
        "function",
        f"查询中调用了被禁止的函数“{shown}”（改变会话或序列、影响其他连接、读写服务器文件、连接其他服务器、"
        f"加锁或等待），已拒绝执行{note}",
        offset,
        "drafter 只读取数据：删去该函数调用（被禁止的函数见 README“只读，始终如此”）。",
    )


def _spans(tokens: list[Token]) -> tuple[tuple[int, int], ...]:
    """Where the strings, quoted names and comments of one reading lie."""
    return tuple((t.start, t.end) for t in tokens if t.kind in ("string", "qname", "comment"))


# -- the parse --------------------------------------------------------------------------------

# Dialect of a variant file (or a source's backend) → sqlglot's dialect.
SQLGLOT_DIALECT = {
    "postgresql": "postgres",
    "kingbase": "postgres",
    "mysql": "mysql",
    "mariadb": "mysql",
    "sqlite": "sqlite",
    "oracle": "oracle",
    "dm": "oracle",
    "mssql": "tsql",
}
_PORTABLE_ORDER = ("postgres", "mysql", "sqlite", "oracle", "tsql")
_READING_DIALECT = {"postgresql": "postgres", "mysql": "mysql", "mysql_ansi": "mysql", "sqlite": "sqlite"}


@dataclass(frozen=True)
class ParsedSQL:
    """One query file's SQL as read once: what the guard, the header reader, lint and the runner use."""

    sql: str
    dialect: str | None  # the sqlglot dialect that parsed it, None when none could
    kind: str | None  # select, union, except, intersect; None when not parsed
    columns: tuple[str, ...] | None  # output names when every one is known (`AS name`, `t.col`)
    parameters: tuple[str, ...]  # `:name`, in order of first use
    functions: tuple[str, ...]  # lower-case, `schema.name` when qualified, in order of first call
    comments: tuple[str, ...]
    problems: tuple[Problem, ...] = field(default=(), compare=False)

    @property
    def ok(self) -> bool:
        return not self.problems

    def parameter_offset(self, name: str) -> int | None:
        """Where `:name` is first used in the SQL."""
        for m in _PARAM.finditer(self.sql):
            if m.group(1) == name:
                return m.start()
        return None


_WRITE_NODES: tuple[type, ...] = ()


def _write_nodes() -> tuple[type, ...]:  # the node classes of statements that change something
    global _WRITE_NODES
    if not _WRITE_NODES:
        from sqlglot import exp

        _WRITE_NODES = tuple(
            getattr(exp, name)
            for name in (
                "DML",
                "DDL",
                "Insert",
                "Update",
                "Delete",
                "Merge",
                "Create",
                "Drop",
                "Alter",
                "Command",
                "Set",
                "Pragma",
                "Copy",
                "TruncateTable",
                "Transaction",
                "Commit",
                "Rollback",
                "LoadData",
                "Use",
                "Kill",
                "Grant",
                "Revoke",
                "Analyze",
                "Cache",
                "Uncache",
                "Refresh",
            )
            if hasattr(exp, name)
        )
    return _WRITE_NODES


def _parse(sql: str, dialect: str):
    """sqlglot's statements of `sql` in `dialect`, or the ParseError."""
    import sqlglot
    from sqlglot.errors import ParseError, TokenError

    try:
        return [s for s in sqlglot.parse(sql, read=dialect) if s is not None], None
    except (ParseError, TokenError) as exc:
        return None, exc
    except Exception as exc:  # hostile SQL must never crash drafter: what the parser
        return None, exc  # cannot read is refused with its words, like a syntax error


def _function_name(node) -> str:
    from sqlglot import exp

    name = node.name if isinstance(node, exp.Anonymous) else node.sql_name()
    parts = [str(name)]
    parent = node.parent
    while isinstance(parent, exp.Dot) and parent.expression is node:
        parts.insert(0, parent.this.name if not isinstance(parent.this, exp.Dot) else parent.this.sql())
        node, parent = parent, parent.parent
    return ".".join(parts).lower()


def _tree_facts(statements, sql: str) -> tuple[str | None, tuple[str, ...] | None, list[str], list[Problem]]:
    """Kind, output columns, functions and problems of one dialect's parse."""
    from sqlglot import exp

    problems: list[Problem] = []
    if len(statements) != 1:
        problems.append(
            Problem(
                "statements",
                "查询文件中有多条语句（分号后还有内容）",
                0,
                "一个查询文件只能有一条 SELECT 语句；其余的请拆到各自的文件中。",
            )
        )
        if not statements:
            return None, None, [], problems
    root = statements[0]
    query = root
    while isinstance(query, exp.Subquery):
        query = query.this
    kind = query.key if isinstance(query, (exp.Select, exp.SetOperation)) else None
    if kind is None:
        word = root.key.upper() if not isinstance(root, exp.Command) else str(root.this).upper()
        problems.append(
            Problem(
                "first_word",
                f"查询必须以 SELECT 或 WITH 开头，这里是“{word}”",
                0,
                "drafter 只读取数据：查询文件里只能写一条 SELECT（或 WITH … SELECT）语句。",
            )
        )
    functions: list[str] = []
    for node in root.walk():
        if isinstance(node, _write_nodes()):
            word = (
                str(node.this).split()[0] if isinstance(node, exp.Command) else str(getattr(node, "key", ""))
            ).upper()
            problems.append(
                Problem(
                    "write",
                    f"查询中含有会修改数据或设置的语句“{word}”，已拒绝执行",
                    _offset_of(node, sql),
                    "drafter 只读取数据：请删去写入、建表、加锁或会话设置语句，只保留 SELECT。",
                )
            )
        elif isinstance(node, exp.Into):
            problems.append(
                Problem(
                    "into",
                    "查询中有 SELECT … INTO（把结果写进表、变量或文件），已拒绝执行",
                    _offset_of(node, sql),
                    "drafter 只读取数据：删去 INTO 子句，结果由 drafter 取回。",
                )
            )
        elif isinstance(node, exp.Lock):
            problems.append(
                Problem(
                    "lock",
                    "查询中有加锁子句（FOR UPDATE / FOR SHARE），已拒绝执行",
                    _offset_of(node, sql),
                    "drafter 只读取数据：删去 FOR UPDATE / FOR SHARE / LOCK IN SHARE MODE。",
                )
            )
        elif isinstance(node, exp.Func) and not isinstance(node, (exp.Binary, exp.Case, exp.If)):
            name = _function_name(node)
            functions.append(name)
            bad = next((p for p in name.split(".") if denied(p)), None)
            if bad:
                problems.append(_denied_problem(name, bad, _offset_of(node, sql)))
    columns: tuple[str, ...] | None = None
    if kind is not None:
        names = list(query.named_selects)
        if names and all(n and n != "*" for n in names):
            columns = tuple(names)
    return kind, columns, list(dict.fromkeys(functions)), problems


def _offset_of(node, sql: str) -> int:
    """Where `node` was written, as near as sqlglot tells (its first identifier or literal)."""
    meta = getattr(node, "meta", None) or {}
    if "start" in meta:
        return int(meta["start"])
    for child in node.walk():
        child_meta = getattr(child, "meta", None) or {}
        if "start" in child_meta:
            return int(child_meta["start"])
    return 0


def _parse_problem(exc: BaseException, sql: str) -> Problem:
    errors = getattr(exc, "errors", None) or []
    line = errors[0].get("line") if errors else None
    description = errors[0].get("description") if errors else None
    cause = str(description or exc).splitlines()[0][:300]
    return Problem(
        "parse",
        "查询的 SQL 无法解析",
        0,
        "检查括号、逗号和引号是否成对，关键字和函数名是否拼写正确；查询文件只能是一条 SELECT（或 WITH … SELECT）语句。"
        "只有某种数据库才认的写法，请放在方言变体（如 名称.postgresql.sql）中。",
        cause=cause,
        line=int(line) if line else None,
    )


def analyse(sql: str, dialect: str | None = None) -> ParsedSQL:
    """Read `sql` once: lexically in every reading, then parsed; `dialect` is the variant's
    (`postgresql`, `mysql` …) or None for a portable query file. The result is kept: the guard,
    lint and the runner asking again get the same reading."""
    return _analyse(sql, dialect)  # one cache key however it is called (lru_cache tells f(x) from f(x, None))


@lru_cache(maxsize=1024)
def _analyse(sql: str, dialect: str | None) -> ParsedSQL:
    problems: list[Problem] = []
    primary: tuple[list[Token], list[Problem]] | None = None
    spans: dict[str, tuple] = {}
    kinds: dict[str, tuple] = {}
    # Without any character on which the engines disagree, every reading is the PostgreSQL one.
    readings = READINGS if _AMBIGUOUS.search(sql) else (POSTGRESQL,)
    for reading in readings:
        tokens, lex_problems = tokenize(sql, reading)
        if reading is POSTGRESQL:
            primary = (tokens, lex_problems)
        spans[reading.name] = _spans(tokens)
        kinds[reading.name] = tuple(t.kind for t in tokens if t.kind in ("string", "qname", "comment"))
        if (
            reading is not POSTGRESQL
            and not lex_problems
            and spans[reading.name] == spans["postgresql"]
            and kinds[reading.name] == kinds["postgresql"]
        ):
            continue  # the same code as the PostgreSQL reading: the same findings
        for problem in [*lex_problems, *_lexical_problems(sql, reading, tokens)]:
            if not any(p.key == problem.key for p in problems):
                problems.append(problem)
    assert primary is not None
    tokens = primary[0]
    if dialect is not None and dialect in _READING_OF:  # a variant: its own engine's reading gives names
        tokens = tokenize(sql, _READING_OF[dialect])[0]
    parameters = tuple(dict.fromkeys(t.text for t in tokens if t.kind == "param"))
    comments = tuple(t.text for t in tokens if t.kind == "comment")

    order = (SQLGLOT_DIALECT.get(dialect, "postgres"),) if dialect else _PORTABLE_ORDER
    parsed_dialect: str | None = None
    kind: str | None = None
    columns: tuple[str, ...] | None = None
    functions: list[str] = []
    first_error: BaseException | None = None
    for candidate in order:
        statements, error = _parse(sql, candidate)
        if statements is None:
            first_error = first_error or error
            continue
        parsed_dialect = candidate
        kind, columns, functions, tree_problems = _tree_facts(statements, sql)
        problems.extend(p for p in tree_problems if not any(p.key == q.key for q in problems))
        break
    if parsed_dialect is None:
        assert first_error is not None
        problems.append(_parse_problem(first_error, sql))
    elif dialect is None:
        # A reading that puts strings and comments elsewhere sees other code: parse it as that engine too.
        seen = {parsed_dialect}
        for reading in readings:
            other = _READING_DIALECT[reading.name]
            if other in seen or spans[reading.name] == spans["postgresql"]:
                continue
            seen.add(other)
            statements, _ = _parse(sql, other)
            if statements is not None:
                _, _, more, tree_problems = _tree_facts(statements, sql)
                functions += [f for f in more if f not in functions]
                problems.extend(p for p in tree_problems if not any(p.key == q.key for q in problems))
    problems.sort(key=lambda p: (p.key == "parse", p.offset))  # a specific reason before "cannot parse"
    return ParsedSQL(
        sql=sql,
        dialect=parsed_dialect,
        kind=kind,
        columns=columns,
        parameters=parameters,
        functions=tuple(functions),
        comments=comments,
        problems=tuple(problems),
    )


def _cache_clear() -> None:
    _analyse.cache_clear()


analyse.cache_clear = _cache_clear  # type: ignore[attr-defined]


def error_of(problem: Problem, sql: str, path: Path, first_line: int = 1) -> QueryError:
    """The QueryError a user sees for `problem`, at its line of the query file."""
    line = first_line + (problem.line - 1 if problem.line else sql[: problem.offset].count("\n"))
    return QueryError(problem.message, path=path, line=line, cause=problem.cause, hint=problem.hint)


def check_select(sql: str, path: Path, first_line: int = 1, dialect: str | None = None) -> ParsedSQL:
    """The parsed SQL, or QueryError (file and line) unless it is one read-only SELECT however
    an engine reads it."""
    parsed = analyse(sql, dialect)
    if parsed.problems:
        raise error_of(parsed.problems[0], sql, path, first_line)
    return parsed


def text_for_sqlalchemy(sql: str, backend: str) -> str:
    """`sql` as handed to SQLAlchemy's `text()`: a `:name` inside a string or a comment (as the
    engine that runs it reads them) is escaped, so that only real parameters are bound."""
    reading = _READING_OF.get(backend, POSTGRESQL)
    tokens, _ = tokenize(sql, reading)
    out: list[str] = []
    last = 0
    for tok in tokens:
        if tok.kind in ("string", "comment", "qname") and ":" in tok.text:
            out.append(sql[last : tok.start])
            out.append(_PARAM.sub(lambda m: "\\" + m.group(0), tok.text))
            last = tok.end
    out.append(sql[last:])
    return "".join(out)
