"""The one SQL reader of drafter: what a query file's SQL is, and whether it may run.

`analyse(sql)` reads the SQL of one query file (or dialect variant) once and gives a
`ParsedSQL`: the statement kind, the output column names, the bound parameters
(`:name`), the functions called (quoted or not, schema-qualified or not), the comments,
and every reason to refuse it. The guard (`check_select`), the header reader
(`queries.QuerySpec.parameters`), `drafter lint` (output columns) and the runner (which
parameters to bind, and the text handed to SQLAlchemy's `text()`) all read this one result.

Two layers, both before anything reaches a server:

1. A lexer that knows strings, quoted names and comments reads the raw text as the engine
   that runs it reads it (a variant: its dialect; a query file: its source's backend; unknown:
   each of PostgreSQL, MySQL/MariaDB and SQLite, which disagree on where a string or a comment
   ends: backslashes, `#` and `--` comments, `/*! … */` that MySQL *executes*, `$$ … $$`,
   `E'…'`, nested comments, `[name]`). The sessions pin how the server reads (sources.py:
   standard_conforming_strings, sql_mode), so the server reads what the lexer read. Each
   reading must find exactly one statement, no executable comment or optimizer hint, no
   `INTO`/`OUTFILE`/`DUMPFILE`, no locking clause, no variable assignment (`@x :=`, `` @`x` := ``),
   no sequence access (`NEXT VALUE FOR`), no `U&"…" UESCAPE`, and only calls of allowed
   functions.
2. sqlglot parses the statement (in that engine's dialect first): it must be one SELECT (or
   WITH … SELECT, or a set operation of SELECTs) with no data-changing statement inside, no
   `SELECT … INTO`, no locking clause, no cast to a user-defined type, and every function it
   does not know (or that is schema-qualified) must be allowed. SQL that no dialect can parse
   is refused with the parser's words, file and line.

The allow-list (`ALLOWED_FUNCTIONS`, by engine, documented in the README) holds pure
functions: aggregates, arithmetic, string, date/time, conditional, window, casts. A name is
normalised before the check (unquoted, Unicode escapes decoded, lower case; a qualified name
only as `pg_catalog.name`). A source's `allow_functions:` adds names; `NEVER_ALLOWED` (what
runs SQL given as text, changes sessions or sequences, reaches files, servers or other
sessions, locks or waits) cannot be added.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from drafter.errors import QueryError
from drafter.project import sqlcache

# sqlglot reports what it cannot parse through `logging` as well; drafter says it in its own words.
logging.getLogger("sqlglot").addHandler(logging.NullHandler())
logging.getLogger("sqlglot").propagate = False

# -- the allow-list ---------------------------------------------------------------------------

# The functions a query may call, by engine (documented in README “查询可以调用的函数”). Each is
# pure: it computes from its arguments and the rows, and changes, reads or waits for nothing
# else. Names are compared after normalisation (unquoted, Unicode escapes decoded, lower case);
# a schema-qualified name passes only as `pg_catalog.name`. Anything else is refused unless the
# source lists it under `allow_functions:` in config.yaml (shown as a warning by lint and sources).
ALLOWED_FUNCTIONS: dict[str, tuple[str, ...]] = {
    "通用（各数据库）": (
        # aggregates
        "count",
        "sum",
        "avg",
        "min",
        "max",
        "every",
        "bool_and",
        "bool_or",
        "bit_and",
        "bit_or",
        "bit_xor",
        "stddev",
        "stddev_pop",
        "stddev_samp",
        "variance",
        "var_pop",
        "var_samp",
        "std",
        "group_concat",
        "string_agg",
        "listagg",
        "array_agg",
        "json_agg",
        "jsonb_agg",
        "json_object_agg",
        "percentile_cont",
        "percentile_disc",
        "mode",
        "median",
        "any_value",
        "grouping",
        "corr",
        "covar_pop",
        "covar_samp",
        "regr_slope",
        "regr_intercept",
        "regr_r2",
        "regr_count",
        # arithmetic
        "abs",
        "ceil",
        "ceiling",
        "floor",
        "round",
        "trunc",
        "truncate",
        "mod",
        "power",
        "pow",
        "sqrt",
        "cbrt",
        "exp",
        "ln",
        "log",
        "log10",
        "log2",
        "sign",
        "greatest",
        "least",
        "pi",
        "degrees",
        "radians",
        "sin",
        "cos",
        "tan",
        "asin",
        "acos",
        "atan",
        "atan2",
        "cot",
        "div",
        "width_bucket",
        "gcd",
        "lcm",
        "factorial",
        "scale",
        "min_scale",
        "trim_scale",
        # strings (Chinese text included: these count characters, not bytes, where the engine does)
        "length",
        "char_length",
        "character_length",
        "octet_length",
        "bit_length",
        "lower",
        "upper",
        "lcase",
        "ucase",
        "trim",
        "ltrim",
        "rtrim",
        "btrim",
        "substr",
        "substring",
        "substring_index",
        "mid",
        "left",
        "right",
        "lpad",
        "rpad",
        "replace",
        "reverse",
        "repeat",
        "concat",
        "concat_ws",
        "position",
        "strpos",
        "instr",
        "locate",
        "ascii",
        "chr",
        "char",
        "initcap",
        "split_part",
        "translate",
        "to_hex",
        "hex",
        "unhex",
        "md5",
        "sha1",
        "sha2",
        "starts_with",
        "overlay",
        "regexp_replace",
        "regexp_match",
        "regexp_matches",
        "regexp_like",
        "regexp_substr",
        "regexp_instr",
        "regexp_count",
        "regexp_split_to_array",
        "unicode",
        "space",
        "field",
        "find_in_set",
        "elt",
        "quote",
        "char_index",
        "like",
        "glob",
        "string_to_array",
        "array_to_string",
        "unnest",
        "array_length",
        "cardinality",
        "array_position",
        "to_char",
        "to_number",
        "to_date",
        "to_timestamp",
        "normalize",
        "casefold",
        "soundex",
        # date and time
        "now",
        "current_date",
        "current_time",
        "current_timestamp",
        "localtime",
        "localtimestamp",
        "date_trunc",
        "date_part",
        "extract",
        "age",
        "make_date",
        "make_time",
        "make_timestamp",
        "make_interval",
        "justify_days",
        "justify_hours",
        "justify_interval",
        "date_bin",
        "isfinite",
        "date",
        "time",
        "datetime",
        "julianday",
        "strftime",
        "unixepoch",
        "timediff",
        "date_format",
        "str_to_date",
        "year",
        "month",
        "day",
        "dayofmonth",
        "dayofweek",
        "dayofyear",
        "weekday",
        "week",
        "weekofyear",
        "yearweek",
        "quarter",
        "hour",
        "minute",
        "second",
        "microsecond",
        "last_day",
        "date_add",
        "date_sub",
        "adddate",
        "subdate",
        "addtime",
        "subtime",
        "datediff",
        "timestampdiff",
        "timestampadd",
        "period_diff",
        "period_add",
        "makedate",
        "maketime",
        "from_days",
        "to_days",
        "to_seconds",
        "from_unixtime",
        "unix_timestamp",
        "curdate",
        "curtime",
        "utc_date",
        "utc_time",
        "utc_timestamp",
        "convert_tz",
        "monthname",
        "dayname",
        "sec_to_time",
        "time_to_sec",
        "timezone",
        # conditional
        "coalesce",
        "nullif",
        "ifnull",
        "if",
        "iif",
        "nvl",
        "nvl2",
        "isnull",
        "num_nulls",
        "num_nonnulls",
        # window
        "row_number",
        "rank",
        "dense_rank",
        "percent_rank",
        "cume_dist",
        "ntile",
        "lag",
        "lead",
        "first_value",
        "last_value",
        "nth_value",
        # casts to plain types (the type names are also functions on some engines)
        "cast",
        "try_cast",
        "convert",
        "numeric",
        "decimal",
        "int",
        "integer",
        "bigint",
        "smallint",
        "real",
        "float",
        "double",
        "text",
        "varchar",
        "timestamp",
        "interval",
        "boolean",
        "bool",
        # grouping syntax written like calls
        "rollup",
        "cube",
        "sets",
        # JSON read from a column
        "json_extract",
        "json_unquote",
        "json_value",
        "json_object",
        "json_array",
        "json_build_object",
        "jsonb_build_object",
        "json_build_array",
        "to_json",
        "to_jsonb",
        "json_array_length",
        "jsonb_array_length",
        "json_typeof",
        "jsonb_typeof",
        "json_each",
        "json_array_elements",
        "jsonb_array_elements",
        "jsonb_each",
    ),
    "PostgreSQL、人大金仓": (
        "format",
        "generate_series",
        "pg_size_pretty",
        "array_upper",
        "array_lower",
        "array_dims",
        "array_cat",
        "array_append",
        "array_prepend",
        "array_remove",
        "array_replace",
        "regexp_split_to_table",
        "convert_from",
        "convert_to",
        "encode",
        "decode",
        "to_ascii",
        "clock_timestamp",
        "statement_timestamp",
        "transaction_timestamp",
        "xmlelement",
        "xmlforest",
        "xmlagg",
        "string_to_table",
        "jsonb_extract_path_text",
        "json_extract_path_text",
        "jsonb_path_query_first",
        "range_agg",
        "lower_inf",
        "upper_inf",
        "isempty",
        "daterange",
        "tsrange",
        "tstzrange",
        "int4range",
    ),
    "MySQL、MariaDB": (
        "format",
        "match",
        "against",
        "weight_string",
        "insert",
        "make_set",
        "export_set",
        "oct",
        "bin",
        "conv",
        "crc32",
        "format_bytes",
        "json_contains",
        "json_search",
        "json_keys",
        "json_length",
        "json_arrayagg",
        "json_objectagg",
        "json_query",
        "json_exists",
        "regexp",
    ),
    "SQLite": (
        "total",
        "likely",
        "unlikely",
        "likelihood",
        "iif",
        "json",
        "json_group_array",
        "json_group_object",
        "json_each",
        "json_tree",
        "json_type",
        "sign",
        "octet_length",
        "concat_ws",
    ),
}

# Not on SQLite's list: printf/format (`printf('%.*c', 2147483647, 'x')` loops for a minute inside
# one call, past any time limit), zeroblob/randomblob (gigabytes on request).

# Never allowed, whatever config.yaml says: functions that run SQL given as text (what they run
# is out of any check's sight), change sessions, sequences or other sessions, read or write
# server files, reach other servers, take locks, or wait. `*` matches any ending.
NEVER_ALLOWED: dict[str, tuple[str, ...]] = {
    "执行作为文本传入的 SQL": (
        "ts_rewrite",
        "ts_stat",
        "crosstab*",
        "connectby",
        "query_to_xml*",
        "query_to_xmlschema",
        "cursor_to_xml*",
        "table_to_xml*",
        "schema_to_xml*",
        "database_to_xml*",
        "dblink*",
        "eval",
        "exec",
        "execute",
        "sys_exec",
        "sys_eval",
        "dbms_sql",
        "dbms_xmlgen",
        "openquery",
        "openrowset",
        "opendatasource",
        "xmlquery",
        "xpath",
        "xpath_exists",
        "xmlexists",
        "xmltable",
    ),
    "改变会话、序列或其他连接，读写服务器文件，加锁或等待": (
        "pg_terminate_backend",
        "pg_cancel_backend",
        "pg_signal_backend",
        "set_config",
        "setseed",
        "pg_reload_conf",
        "pg_rotate_logfile",
        "pg_promote",
        "pg_switch_wal",
        "pg_create_*",
        "pg_copy_*",
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
        "pg_sleep*",
        "nextval",
        "setval",
        "currval",
        "lastval",
        "pg_advisory_*",
        "pg_try_advisory_*",
        "pg_notify",
        "txid_current",
        "pg_current_xact_id",
        "brin_summarize_*",
        "brin_desummarize_range",
        "gin_clean_pending_list",
        "pg_prewarm",
        "load_file",
        "sleep",
        "benchmark",
        "get_lock",
        "release_lock",
        "release_all_locks",
        "is_free_lock",
        "is_used_lock",
        "master_pos_wait",
        "source_pos_wait",
        "master_gtid_wait",
        "wait_for_executed_gtid_set",
        "wait_until_sql_thread_after_gtids",
        "last_insert_id",
        "load_extension",
        "readfile",
        "writefile",
        "edit",
        "fsdir",
        "fts3_tokenizer",
        "zipfile",
        "dbms_lock",
        "dbms_session",
        "dbms_pipe",
        "dbms_scheduler",
        "dbms_java",
        "utl_*",
        "xp_*",
    ),
}


def _patterns(names) -> re.Pattern:
    return re.compile(
        "|".join(re.escape(p[:-1]) + r"\w*" if p.endswith("*") else re.escape(p) for p in names), re.IGNORECASE
    )


_NEVER = _patterns(p for names in NEVER_ALLOWED.values() for p in names)
_SQL_TEXT = _patterns(NEVER_ALLOWED["执行作为文本传入的 SQL"])
_COMMON = frozenset(ALLOWED_FUNCTIONS["通用（各数据库）"])
# The engine a list is for → the names allowed there; None: a portable query, checked against
# every engine's names (the engine that runs it checks its own list again, sources.run_readonly).
ENGINE_FUNCTIONS: dict[str | None, frozenset[str]] = {
    "postgresql": _COMMON | frozenset(ALLOWED_FUNCTIONS["PostgreSQL、人大金仓"]),
    "mysql": _COMMON | frozenset(ALLOWED_FUNCTIONS["MySQL、MariaDB"]),
    "sqlite": _COMMON | frozenset(ALLOWED_FUNCTIONS["SQLite"]),
}
ENGINE_FUNCTIONS[None] = frozenset().union(*ENGINE_FUNCTIONS.values())
_ENGINE_OF = {
    "postgresql": "postgresql",
    "kingbase": "postgresql",
    "mysql": "mysql",
    "mariadb": "mysql",
    "sqlite": "sqlite",
    "postgres": "postgresql",
}


def source_engines(sources: Mapping[str, Any]) -> dict[str, str | None]:
    """Source name → the backend its URL names (`postgresql`, `mysql`, `sqlite` …), None when
    the URL is not one (a spreadsheet: read in every reading)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    out: dict[str, str | None] = {}
    for name, settings in sources.items():
        try:
            out[name] = make_url(settings.url).get_backend_name()
        except (ArgumentError, ValueError):
            out[name] = None
    return out


def source_allow(sources: Mapping[str, Any]) -> dict[str, tuple[str, ...]]:
    """Source name → the functions its `allow_functions:` adds to drafter's list."""
    return {name: tuple(getattr(settings, "allow_functions", ()) or ()) for name, settings in sources.items()}


def engine_of(dialect: str | None) -> str | None:
    """The allow-list's engine for a dialect or backend name (None: every engine's list)."""
    return _ENGINE_OF.get(dialect or "")


def denied(name: str) -> bool:
    """Whether a function name (one part, unquoted) is never allowed, whatever config.yaml says."""
    return _NEVER.fullmatch(name) is not None


def allowed(name: str, engine: str | None = None) -> bool:
    """Whether a normalised function name (`name` or `schema.name`) is on the allow-list of
    `engine` (`postgresql`, `mysql`, `sqlite`; None: of any engine)."""
    name = name.lower()
    schema, _, last = name.rpartition(".")
    if schema and not (schema == "pg_catalog" and engine in (None, "postgresql")):
        return False  # another schema's function of the same name is not the built-in one
    return not denied(last) and last in ENGINE_FUNCTIONS.get(engine, ENGINE_FUNCTIONS[None])


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
SQLITE = Reading("sqlite", "（按 SQLite 的读法：[名称] 是带引号的名称）", brackets=True)
READINGS = (POSTGRESQL, MYSQL, SQLITE)
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
    function: str | None = None  # a function off the allow-list, which config.yaml may allow


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


_STOP = -1  # a scanner's answer when the rest cannot be read (an unclosed quote or comment)
_VAR = re.compile(r"@@?[\w$.]+")


class _Lexer:
    """One pass of `tokenize`: each scanner reads the token starting at `i` and returns where it
    ends, None when the text there is not its kind, or _STOP when it never closes."""

    def __init__(self, sql: str, reading: Reading) -> None:
        self.sql, self.reading, self.n = sql, reading, len(sql)
        self.tokens: list[Token] = []
        self.problems: list[Problem] = []
        # Scanners tried first, by the character a token starts with; any token may then be a word,
        # a number or punctuation.
        first: dict[str, tuple[Callable[[int], int | None], ...]] = {
            "-": (self._dash_comment,),
            "#": (self._hash_comment,),
            "/": (self._block_comment,),
            "'": (self._single_quoted,),
            '"': (self._double_quoted,),
            "`": (self._backquoted,),
            "[": (self._bracketed,),
            "$": (self._dollar_quoted,),
            ":": (self._colon,),
            "@": (self._quoted_var, self._var),
            "u": (self._unicode_escaped,),
            "U": (self._unicode_escaped,),
        }
        self.fallback = (self._plain,)
        self.by_char = {ch: (*scanners, *self.fallback) for ch, scanners in first.items()}

    def run(self) -> tuple[list[Token], list[Problem]]:
        sql, i = self.sql, 0
        while i < self.n:
            ch = sql[i]
            if ch.isspace():
                i = _SPACE.match(sql, i).end()  # type: ignore[union-attr]
                continue
            end: int | None = None
            for scan in self.by_char.get(ch, self.fallback):
                end = scan(i)
                if end is not None:
                    break
            if end is None or end == _STOP:
                break
            i = end
        return self.tokens, self.problems

    def _add(self, kind: str, start: int, end: int, text: str | None = None) -> int:
        self.tokens.append(Token(kind, self.sql[start:end] if text is None else text, start, end))
        return end

    def _unclosed(self, what: str, at: int) -> int:
        self.problems.append(
            Problem(
                "unclosed",
                f"查询中的{what}没有闭合{self.reading.note}",
                at,
                "检查引号和 /* */ 是否成对；字符串中的引号写两遍（'it''s'），不要用反斜杠转义。",
            )
        )
        return _STOP

    def _after_name_char(self, i: int) -> bool:
        return bool(i) and (self.sql[i - 1].isalnum() or self.sql[i - 1] in "_$")

    def _to_line_end(self, i: int) -> int:
        end = self.sql.find("\n", i)
        return self._add("comment", i, self.n if end < 0 else end)

    def _dash_comment(self, i: int) -> int | None:
        sql, n = self.sql, self.n
        if sql.startswith("--", i) and (
            not self.reading.dash_needs_space or i + 2 >= n or sql[i + 2].isspace() or ord(sql[i + 2]) < 32
        ):
            return self._to_line_end(i)
        return None

    def _hash_comment(self, i: int) -> int | None:
        return self._to_line_end(i) if self.reading.hash_comments else None

    def _block_comment(self, i: int) -> int | None:
        if not self.sql.startswith("/*", i):
            return None
        for opener, shown in _OPENERS:
            if self.sql.startswith(opener, i):
                self.problems.append(
                    Problem(
                        "executable",
                        f"查询中有可执行注释或优化器提示“{shown}”，已拒绝执行（MySQL/MariaDB 会执行 /*! */ 和 /*M! */ "
                        "中的内容，/*+ */ 可以改变时限等设置）",
                        i,
                        "删去这段注释：查询文件中的注释只能是普通注释（-- 或 /* */）。",
                    )
                )
                break
        end = _scan_comment(self.sql, i, self.reading.nested_comments)
        return self._unclosed("注释“/*”", i) if end < 0 else self._add("comment", i, end)

    def _single_quoted(self, i: int) -> int:
        reading, tokens = self.reading, self.tokens
        backslash = reading.backslash_single or (
            reading.e_strings
            and bool(tokens)
            and tokens[-1].end == i
            and tokens[-1].kind == "word"
            and tokens[-1].text in ("E", "e")
        )
        end = _scan_quoted(self.sql, i, "'", backslash)
        if end < 0:
            return self._unclosed("字符串（单引号）", i)
        if backslash and not reading.backslash_single:  # E'…': the E belongs to the string
            i = tokens.pop().start
        return self._add("string", i, end)

    def _double_quoted(self, i: int) -> int:
        reading = self.reading
        end = _scan_quoted(self.sql, i, '"', reading.double_quoted_string and reading.backslash_double)
        if end < 0:
            return self._unclosed("双引号", i)
        return self._add("string" if reading.double_quoted_string else "qname", i, end)

    def _backquoted(self, i: int) -> int:
        end = _scan_quoted(self.sql, i, "`", False)
        return self._unclosed("反引号", i) if end < 0 else self._add("qname", i, end)

    def _bracketed(self, i: int) -> int | None:
        if not self.reading.brackets:
            return None
        end = self.sql.find("]", i + 1)
        return self._unclosed("方括号", i) if end < 0 else self._add("qname", i, end + 1)

    def _dollar_quoted(self, i: int) -> int | None:
        if not self.reading.dollar_quotes or self._after_name_char(i):
            return None
        tag = _DOLLAR_TAG.match(self.sql, i)
        if not tag:
            return None
        close = self.sql.find(tag.group(), tag.end())
        if close < 0:
            return self._unclosed(f"美元符号字符串“{tag.group()}”", i)
        return self._add("string", i, close + len(tag.group()))

    def _colon(self, i: int) -> int | None:
        sql = self.sql
        if i + 1 < self.n and sql[i + 1] in ":=":
            return self._add("punct", i, i + 2)
        if i and (sql[i - 1] == "\\" or sql[i - 1].isalnum() or sql[i - 1] == "_"):
            return None
        param = _PARAM.match(sql, i)
        return self._add("param", i, param.end(), param.group(1)) if param else None

    def _quoted_var(self, i: int) -> int | None:  # MariaDB @`x`, @'x', @"x"
        sql = self.sql
        if not (i + 1 < self.n and sql[i + 1] in "`'\""):
            return None
        end = _scan_quoted(sql, i + 1, sql[i + 1], self.reading.backslash_single and sql[i + 1] != "`")
        return self._add("var", i, end) if end > 0 else None

    def _var(self, i: int) -> int | None:
        var = _VAR.match(self.sql, i)
        return self._add("var", i, var.end()) if var else None

    def _unicode_escaped(self, i: int) -> int | None:  # PostgreSQL U&"name" and U&'string' with Unicode escapes
        sql = self.sql
        if not (
            self.reading.dollar_quotes
            and sql.startswith("&", i + 1)
            and i + 2 < self.n
            and sql[i + 2] in "\"'"
            and not self._after_name_char(i)
        ):
            return None
        end = _scan_quoted(sql, i + 2, sql[i + 2], False)
        if end < 0:
            return self._unclosed("Unicode 转义的名称或字符串（U&）", i)
        return self._add("uname" if sql[i + 2] == '"' else "string", i, end)

    def _plain(self, i: int) -> int:
        """A word, a number or one punctuation character."""
        word = _WORD.match(self.sql, i)
        if word:
            return self._add("word", i, word.end())
        return self._number(i) or self._punct(i)

    def _number(self, i: int) -> int | None:
        number = _NUMBER.match(self.sql, i)
        if not number:
            return None
        tail = _WORD.match(self.sql, number.end())  # MySQL names may start with digits: 1abc
        return self._add("word" if tail else "number", i, tail.end() if tail else number.end())

    def _punct(self, i: int) -> int:
        return self._add("punct", i, i + 1)


def tokenize(sql: str, reading: Reading) -> tuple[list[Token], list[Problem]]:
    """The tokens of `sql` as `reading` sees them (no whitespace), and what cannot be read."""
    return _Lexer(sql, reading).run()


_UNICODE_ESCAPE = re.compile(r"\\(?:\\|([0-9A-Fa-f]{4})|\+([0-9A-Fa-f]{6}))")


def _decode_unicode_name(text: str) -> str | None:
    """The name a PostgreSQL `U&"…"` stands for (`\\XXXX`, `\\+XXXXXX`, `\\\\`), or None when
    a backslash is not one of these escapes."""
    body = text[3:-1].replace('""', '"')
    if re.search(r"\\(?!\\|[0-9A-Fa-f]{4}|\+[0-9A-Fa-f]{6})", _UNICODE_ESCAPE.sub("", body)):
        return None
    try:
        return _UNICODE_ESCAPE.sub(
            lambda m: "\\" if m.group(0) == "\\\\" else chr(int(m.group(1) or m.group(2), 16)), body
        )
    except (ValueError, OverflowError):
        return None


def _unquote(token: Token) -> str:
    if token.kind == "uname":
        return _decode_unicode_name(token.text) or token.text
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


def _lexical_problems(sql: str, reading: Reading, tokens: list[Token], engine: str | None) -> list[Problem]:
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
        elif word in ("next", "previous") and after_word == "value" and k + 2 < len(code):
            if code[k + 2].kind == "word" and code[k + 2].text.lower() == "for":
                found.append(_sequence_problem(f"{tok.text} VALUE FOR".upper(), tok.start, note))
        elif (tok.kind == "uname" or (tok.kind == "string" and tok.text[:2].upper() == "U&")) and (
            after_word == "uescape" or _decode_unicode_name(tok.text) is None
        ):
            found.append(
                Problem(
                    "unicode_escape",
                    f"查询中有无法确定含义的 Unicode 转义写法“{tok.text[:40]}”（UESCAPE 或不规范的转义），"
                    f"已拒绝执行{note}",
                    tok.start,
                    '名称和字符串请直接写出（如 "名称"、\'文字\'），不要用 U&"…" UESCAPE 的转义写法。',
                )
            )
    for name, offset in _lexical_calls(code):
        problem = function_problem(name, offset, engine, note)
        if problem is not None:
            found.append(problem)
    return found


_KEYWORDS: frozenset[str] = frozenset()


def _keywords() -> frozenset[str]:
    """Words that are SQL keywords in some engine: a name after one is not an alias."""
    global _KEYWORDS
    if not _KEYWORDS:
        from sqlglot.dialects.dialect import Dialect

        words = set(_CALL_NOT) | {"binary", "div", "mod", "xor", "regexp", "rlike", "escape", "interval", "zone"}
        for dialect in ("postgres", "mysql", "sqlite", "oracle", "tsql"):
            words |= {k.lower() for k in Dialect.get_or_raise(dialect).tokenizer_class.KEYWORDS if k.isalpha()}
        _KEYWORDS = frozenset(words)
    return _KEYWORDS


def _lexical_calls(code: list[Token]) -> list[tuple[str, int]]:
    """The function calls of one reading's code tokens: a name (any quoting, schema-qualified)
    right before `(`, except where such a name is not called: after AS or `::` (a type or an
    alias with its column list), after `)` or a name that is no keyword (an alias), a CTE's
    name with its column list, and syntax words (`IN (`, `OVER (` …)."""
    calls: list[tuple[str, int]] = []
    depth = 0
    cte_depths: list[int] = []  # the depths at which a WITH list is open
    for k, tok in enumerate(code):
        text = tok.text.lower() if tok.kind == "word" else ""
        if tok.kind == "punct" and tok.text == "(":
            depth += 1
        elif tok.kind == "punct" and tok.text == ")":
            depth -= 1
            while cte_depths and cte_depths[-1] > depth:
                cte_depths.pop()
        elif text == "with":
            cte_depths.append(depth)
        elif text == "select" and cte_depths and cte_depths[-1] == depth:
            cte_depths.pop()
        after = code[k + 1] if k + 1 < len(code) else None
        if after is None or after.text != "(" or tok.kind not in ("word", "qname", "uname", "string"):
            continue
        if tok.kind == "string" and tok.text[:1] != '"':
            continue
        if tok.kind == "word" and text in _CALL_NOT:
            continue
        parts = [_unquote(tok)]
        j = k
        while j >= 2 and code[j - 1].text == "." and code[j - 2].kind in ("word", "qname", "uname", "string"):
            parts.insert(0, _unquote(code[j - 2]))
            j -= 2
        before = code[j - 1] if j >= 1 else None
        if before is not None and _not_a_call(before, cte_depths, depth):
            continue
        calls.append((".".join(parts), tok.start))
    return calls


def _not_a_call(before: Token, cte_depths: list[int], depth: int) -> bool:
    if before.text in ("::", ")"):
        return True
    if before.kind == "punct":
        return before.text == "," and bool(cte_depths) and cte_depths[-1] == depth
    low = before.text.lower()
    if before.kind == "word" and low in ("as", "with", "recursive"):
        return True
    return before.kind in ("word", "qname") and low not in _keywords()


def function_problem(name: str, offset: int, engine: str | None, note: str = "") -> Problem | None:
    """Why a call of function `name` (normalised) is refused on `engine`, or None when it may run."""
    last = name.rpartition(".")[2]
    if denied(last):
        why = (
            "它执行作为文本传入的 SQL"
            if _SQL_TEXT.fullmatch(last)
            else ("它会改变会话或序列、影响其他连接、读写服务器文件、连接其他服务器、加锁或等待")
        )
        return Problem(
            f"function:{name.lower()}",
            f"查询中调用了函数“{name.upper()}”：{why}，任何情况下都不允许{note}",
            offset,
            "drafter 只读取数据：删去该函数调用（允许的函数见 README“查询可以调用的函数”）。",
        )
    if allowed(name, engine):
        return None
    return Problem(
        f"function:{name.lower()}",
        f"查询中调用了函数“{name.upper()}”，它不在 drafter 允许的函数清单中，已拒绝执行{note}",
        offset,
        "允许的函数（聚合、算术、字符串、日期、条件、窗口函数和类型转换）见 README“查询可以调用的函数”；"
        "确认该函数只读取数据、不改变任何东西时，可在 config.yaml 该数据源下写 allow_functions: ["
        + name.lower()
        + "]（drafter lint 和 drafter sources 会一直提示这一例外）。",
        function=name.lower(),
    )


def _sequence_problem(what: str, offset: int, note: str = "") -> Problem:
    return Problem(
        "sequence",
        f"查询中读取或推进序列（{what}），已拒绝执行{note}",
        offset,
        "drafter 只读取数据：取序列的值会改变它；需要编号请用 ROW_NUMBER() OVER (…)。",
    )


def _spans(tokens: list[Token]) -> tuple[tuple[int, int], ...]:
    """Where the strings, quoted names and comments of one reading lie."""
    return tuple((t.start, t.end) for t in tokens if t.kind in ("string", "qname", "uname", "comment"))


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
_READING_DIALECT = {"postgresql": "postgres", "mysql": "mysql", "sqlite": "sqlite"}


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


def _function_name(node, unicode_names: bool = False) -> str:
    """`schema.name` of a call, lower case; with `unicode_names` (the SQL has `U&`), a name
    sqlglot kept with its `\\XXXX` escapes is decoded as PostgreSQL decodes it."""
    from sqlglot import exp

    name = str(node.name if isinstance(node, exp.Anonymous) else node.sql_name())
    if unicode_names and "\\" in name:
        name = _decode_unicode_name(f'U&"{name}"') or name
    parts = [name]
    parent = node.parent
    while isinstance(parent, exp.Dot) and parent.expression is node:
        parts.insert(0, parent.this.name if not isinstance(parent.this, exp.Dot) else parent.this.sql())
        node, parent = parent, parent.parent
    return ".".join(parts).lower()


def _tree_facts(
    statements, sql: str, engine: str | None
) -> tuple[str | None, tuple[str, ...] | None, list[str], list[Problem]]:
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
        problem = _node_problem(node, sql, engine, functions)
        if problem is not None:
            problems.append(problem)
    columns: tuple[str, ...] | None = None
    if kind is not None:
        names = list(query.named_selects)
        if names and all(n and n != "*" for n in names):
            columns = tuple(names)
    return kind, columns, list(dict.fromkeys(functions)), problems


def _node_problem(node, sql: str, engine: str | None, functions: list[str]) -> Problem | None:
    """Why one node of the tree is refused, if it is; a function call's name is added to `functions`."""
    from sqlglot import exp

    if isinstance(node, _write_nodes()):
        word = (str(node.this).split()[0] if isinstance(node, exp.Command) else str(getattr(node, "key", ""))).upper()
        return Problem(
            "write",
            f"查询中含有会修改数据或设置的语句“{word}”，已拒绝执行",
            _offset_of(node, sql),
            "drafter 只读取数据：请删去写入、建表、加锁或会话设置语句，只保留 SELECT。",
        )
    elif isinstance(node, exp.Into):
        return Problem(
            "into",
            "查询中有 SELECT … INTO（把结果写进表、变量或文件），已拒绝执行",
            _offset_of(node, sql),
            "drafter 只读取数据：删去 INTO 子句，结果由 drafter 取回。",
        )
    elif isinstance(node, exp.Lock):
        return Problem(
            "lock",
            "查询中有加锁子句（FOR UPDATE / FOR SHARE），已拒绝执行",
            _offset_of(node, sql),
            "drafter 只读取数据：删去 FOR UPDATE / FOR SHARE / LOCK IN SHARE MODE。",
        )
    elif isinstance(node, exp.Func) and not isinstance(node, (exp.Binary, exp.Case, exp.If)):
        name = _function_name(node, "u&" in sql.lower())
        functions.append(name)
        if isinstance(node, exp.NextValueFor):
            return _sequence_problem("NEXT VALUE FOR", _offset_of(node, sql))
        # sqlglot names a function it knows by its own name; the name as written was
        # checked by the lexical pass: here, the unknown ones, any qualified, never-allowed.
        elif isinstance(node, exp.Anonymous) or "." in name or denied(name.rpartition(".")[2]):
            return function_problem(name, _offset_of(node, sql), engine)
    elif isinstance(node, exp.DataType) and node.this == exp.DataType.Type.USERDEFINED:
        return Problem(
            f"type:{node.sql()}",
            f"查询中转换为自定义类型“{node.sql()}”，已拒绝执行（转换为自定义类型会调用数据库中定义的函数）",
            _offset_of(node, sql),
            "只转换为普通类型：整数、小数、文本、日期、时间、布尔。",
        )
    return None


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
    # Read before, in this or an earlier run: the cache across runs (sqlcache.py says why a
    # tampered or foreign entry is never used), so that unchanged query files are not parsed.
    cached = _from_json(sql, sqlcache.load("analyse", __file__, sql, dialect))
    if cached is not None:
        return cached
    parsed = _analyse_now(sql, dialect)
    sqlcache.store("analyse", __file__, sql, dialect, _to_json(parsed))
    return parsed


def _analyse_now(sql: str, dialect: str | None) -> ParsedSQL:
    engine = engine_of(dialect)
    if engine is not None and not _AMBIGUOUS.search(sql):
        # Nothing any engine reads otherwise: the portable reading (cached, and asked for anyway)
        # with this engine's function list is this engine's reading.
        portable = _analyse(sql, None)
        if portable.dialect is not None:
            return _for_engine(portable, engine)
    return _read(sql, dialect, engine)


_PROBLEM_FIELDS = {"key": str, "message": str, "offset": int, "hint": str, "cause": str, "line": int, "function": str}
_OPTIONAL = ("cause", "line", "function")


def _to_json(parsed: ParsedSQL) -> dict[str, Any]:
    """`parsed` as plain JSON data for the cache (the SQL itself is the cache's key)."""
    return {
        "dialect": parsed.dialect,
        "kind": parsed.kind,
        "columns": None if parsed.columns is None else list(parsed.columns),
        "parameters": list(parsed.parameters),
        "functions": list(parsed.functions),
        "comments": list(parsed.comments),
        "problems": [{name: getattr(p, name) for name in _PROBLEM_FIELDS} for p in parsed.problems],
    }


def _strings(value: Any) -> tuple[str, ...] | None:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        return None
    return tuple(value)


def _problem_from_json(value: Any) -> Problem | None:
    if not isinstance(value, dict) or set(value) != set(_PROBLEM_FIELDS):
        return None
    for name, kind in _PROBLEM_FIELDS.items():
        item = value[name]
        if not (isinstance(item, kind) and not isinstance(item, bool)) and not (item is None and name in _OPTIONAL):
            return None
    return Problem(**value)


def _from_json(sql: str, value: Any) -> ParsedSQL | None:
    """The ParsedSQL a cache entry holds, None when it is not one in every field."""
    if not isinstance(value, dict):
        return None
    optional = [value.get(name) for name in ("dialect", "kind")]
    lists = [_strings(value.get(name)) for name in ("parameters", "functions", "comments")]
    columns = value.get("columns")
    problems = value.get("problems")
    if (
        not all(v is None or isinstance(v, str) for v in optional)
        or any(v is None for v in lists)
        or not (columns is None or _strings(columns) is not None)
        or not isinstance(problems, list)
    ):
        return None
    read = [_problem_from_json(p) for p in problems]
    if any(p is None for p in read):
        return None
    return ParsedSQL(
        sql=sql,
        dialect=optional[0],
        kind=optional[1],
        columns=None if columns is None else tuple(columns),
        parameters=lists[0] or (),
        functions=lists[1] or (),
        comments=lists[2] or (),
        problems=tuple(p for p in read if p is not None),
    )


def _for_engine(portable: ParsedSQL, engine: str) -> ParsedSQL:
    """`portable` (SQL that every engine reads alike), its calls checked against `engine`'s list."""
    tokens, _ = tokenize(portable.sql, POSTGRESQL)
    problems = list(portable.problems)
    for name, offset in _lexical_calls([t for t in tokens if t.kind != "comment"]):
        problem = function_problem(name, offset, engine)
        if problem is not None and not any(p.key == problem.key for p in problems):
            problems.append(problem)
    problems.sort(key=lambda p: (p.key == "parse", p.offset))
    return replace(portable, problems=tuple(problems))


def _readings_of(sql: str, dialect: str | None) -> tuple[Reading, ...]:
    # A variant is read as its own engine reads it (the session pins how: sources.py); a portable
    # file in every reading, unless it has no character on which the engines disagree.
    own = _READING_OF.get(dialect or "")
    if own is not None:  # the engine's own reading needs no note saying whose it is
        return (replace(own, note=""),)
    return READINGS if _AMBIGUOUS.search(sql) else (POSTGRESQL,)


def _add_new(problems: list[Problem], more: Iterable[Problem]) -> None:
    """Add each of `more` whose kind is not told yet: one of each kind is told."""
    for problem in more:
        if not any(p.key == problem.key for p in problems):
            problems.append(problem)


def _lexical_pass(
    sql: str, readings: tuple[Reading, ...], engine: str | None, problems: list[Problem]
) -> tuple[list[Token], dict[str, tuple]]:
    """The first reading's tokens and each reading's spans; what any reading refuses goes to `problems`."""
    spans: dict[str, tuple] = {}
    kinds: dict[str, tuple] = {}
    first = readings[0]
    primary: list[Token] = []
    for reading in readings:
        tokens, lex_problems = tokenize(sql, reading)
        if reading is first:
            primary = tokens
        spans[reading.name] = _spans(tokens)
        kinds[reading.name] = tuple(t.kind for t in tokens if t.kind in ("string", "qname", "uname", "comment"))
        if (
            reading is not first
            and not lex_problems
            and spans[reading.name] == spans[first.name]
            and kinds[reading.name] == kinds[first.name]
        ):
            continue  # the same code as the first reading: the same findings
        _add_new(problems, [*lex_problems, *_lexical_problems(sql, reading, tokens, engine)])
    return primary, spans


@dataclass
class _TreeFacts:
    dialect: str | None = None
    kind: str | None = None
    columns: tuple[str, ...] | None = None
    functions: list[str] = field(default_factory=list)


def _tree_pass(sql: str, dialect: str | None, engine: str | None, problems: list[Problem]) -> _TreeFacts:
    """What the first dialect that parses `sql` sees in it; why it is refused goes to `problems`."""
    if dialect:  # the engine's own dialect; if sqlglot cannot read it so, the lexical checks stand
        own_dialect = SQLGLOT_DIALECT.get(dialect, "postgres")
        order = (own_dialect, *(d for d in _PORTABLE_ORDER if d != own_dialect))
    else:
        order = _PORTABLE_ORDER
    first_error: BaseException | None = None
    for candidate in order:
        statements, error = _parse(sql, candidate)
        if statements is None:
            first_error = first_error or error
            continue
        kind, columns, functions, tree_problems = _tree_facts(statements, sql, engine)
        _add_new(problems, tree_problems)
        return _TreeFacts(candidate, kind, columns, functions)
    assert first_error is not None
    problems.append(_parse_problem(first_error, sql))
    return _TreeFacts()


def _other_readings_pass(
    sql: str,
    readings: tuple[Reading, ...],
    spans: dict[str, tuple],
    facts: _TreeFacts,
    engine: str | None,
    problems: list[Problem],
) -> None:
    """A reading that puts strings and comments elsewhere sees other code: parse it as that engine too."""
    seen = {facts.dialect}
    for reading in readings:
        other = _READING_DIALECT[reading.name]
        if other in seen or spans[reading.name] == spans[readings[0].name]:
            continue
        seen.add(other)
        statements, _ = _parse(sql, other)
        if statements is not None:
            _, _, more, tree_problems = _tree_facts(statements, sql, engine)
            facts.functions += [f for f in more if f not in facts.functions]
            _add_new(problems, tree_problems)


def _read(sql: str, dialect: str | None, engine: str | None) -> ParsedSQL:
    problems: list[Problem] = []
    readings = _readings_of(sql, dialect)
    tokens, spans = _lexical_pass(sql, readings, engine, problems)
    facts = _tree_pass(sql, dialect, engine, problems)
    if facts.dialect is not None and dialect is None:
        _other_readings_pass(sql, readings, spans, facts, engine, problems)
    problems.sort(key=lambda p: (p.key == "parse", p.offset))  # a specific reason before "cannot parse"
    return ParsedSQL(
        sql=sql,
        dialect=facts.dialect,
        kind=facts.kind,
        columns=facts.columns,
        parameters=tuple(dict.fromkeys(t.text for t in tokens if t.kind == "param")),
        functions=tuple(facts.functions),
        comments=tuple(t.text for t in tokens if t.kind == "comment"),
        problems=tuple(problems),
    )


def _cache_clear() -> None:
    _analyse.cache_clear()


analyse.cache_clear = _cache_clear  # type: ignore[attr-defined]


def error_of(problem: Problem, sql: str, path: Path, first_line: int = 1) -> QueryError:
    """The QueryError a user sees for `problem`, at its line of the query file."""
    line = first_line + (problem.line - 1 if problem.line else sql[: problem.offset].count("\n"))
    return QueryError(problem.message, path=path, line=line, cause=problem.cause, hint=problem.hint)


def check_select(
    sql: str, path: Path, first_line: int = 1, dialect: str | None = None, allow: Collection[str] = ()
) -> ParsedSQL:
    """The parsed SQL, or QueryError (file and line) unless it is one read-only SELECT however
    an engine reads it, calling only allowed functions (`allow`: the source's `allow_functions`)."""
    parsed = analyse(sql, dialect)
    problems = refusals(parsed, allow)
    if problems:
        raise error_of(problems[0], sql, path, first_line)
    return parsed


def refusals(parsed: ParsedSQL, allow: Collection[str] = ()) -> list[Problem]:
    """The reasons to refuse `parsed`, but for functions the source allows in config.yaml."""
    extra = {name.lower() for name in allow}
    return [p for p in parsed.problems if p.function is None or p.function not in extra]


def text_for_sqlalchemy(sql: str, backend: str) -> str:
    """`sql` as handed to SQLAlchemy's `text()`: a `:name` inside a string or a comment (as the
    engine that runs it reads them) is escaped, so that only real parameters are bound."""
    reading = _READING_OF.get(backend, POSTGRESQL)
    tokens, _ = tokenize(sql, reading)
    out: list[str] = []
    last = 0
    for tok in tokens:
        if tok.kind in ("string", "comment", "qname", "uname") and ":" in tok.text:
            out.append(sql[last : tok.start])
            out.append(_PARAM.sub(lambda m: "\\" + m.group(0), tok.text))
            last = tok.end
    out.append(sql[last:])
    return "".join(out)
