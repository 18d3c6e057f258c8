"""The one error family of drafter.

    DrafterError                 anything a user can fix; carries file, line, hint
    ├── ConfigError              config.yaml (syntax, keys, types, environment variables)
    ├── QueryError               a query file (header, SQL, shape of the result)
    │   └── QueryTimeout         a query ran longer than its limit
    ├── SourceError              a database could not be reached or opened
    ├── TemplateError            a section template or the Word master
    ├── DataError                a value that a template cannot use (NULL, text for a number)
    ├── OutputError              the draft could not be written
    └── DraftError               a draft given to `check` is missing or unreadable

Messages are for office staff, so they are in Chinese; the technical cause
(the database's or parser's own words) is kept verbatim in ``cause``.
Exit codes: 2 for bad usage or input, 1 for a failed build (see ``exit_code``).
"""

from __future__ import annotations

from pathlib import Path


class DrafterError(Exception):
    """A problem the user can fix, described for the user."""

    exit_code = 2

    def __init__(
        self,
        message: str,
        *,
        path: str | Path | None = None,
        line: int | None = None,
        column: int | None = None,
        where: str | None = None,
        hint: str | None = None,
        cause: str | None = None,
        context: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.path = Path(path) if path is not None else None
        self.line = line
        self.column = column
        self.where = where  # a place that is not a line: `第 5 段` of the Word master
        self.hint = hint
        self.cause = cause
        self.context = context

    def location(self) -> str:
        """`file:line:column` (or `file（第 N 段）`) as far as known."""
        return location_of(self.path, self.line, self.column, where=self.where)

    def render(self) -> str:
        """The full message a user sees, on a few lines."""
        return render_message(self.location(), self.message, self.context, self.cause, self.hint)

    def __str__(self) -> str:
        return self.render()


class ConfigError(DrafterError):
    pass


class QueryError(DrafterError):
    exit_code = 1


class QueryTimeout(QueryError):
    pass


class SourceError(DrafterError):
    exit_code = 1


class TemplateError(DrafterError):
    pass


class DataError(DrafterError):
    exit_code = 1


class OutputError(DrafterError):
    exit_code = 1


class DraftError(DrafterError):
    pass


def location_of(path: Path | None, line: int | None, column: int | None = None, *, where: str | None = None) -> str:
    """Where a problem is, as every message names it: `file:line[:column]`, or `file（where）`
    for a place that has no line (a paragraph of the Word master)."""
    if path is None:
        return ""
    if where:
        return f"{path}（{where}）"
    if line is None:
        return str(path)
    return f"{path}:{line}" + (f":{column}" if column is not None else "")


def render_message(location: str, message: str, context: str | None, cause: str | None, hint: str | None) -> str:
    """`location: message`, then the context, 原因 (the cause verbatim) and 处理 (what to do)."""
    lines = [f"{location}: {message}" if location else message]
    if context:
        lines.append(context.rstrip("\n"))
    if cause:
        lines.append(f"原因：{cause}")
    if hint:
        lines.append(f"处理：{hint}")
    return "\n".join(lines)


def excerpt(text: str, focus: str | None, before: int = 30, after: int = 50) -> str:
    """A long line cut down to the part around the first `focus` in it, `…` where cut."""
    at = text.find(focus) if focus else -1
    if not focus or at < 0 or len(text) <= before + after + len(focus):
        return text
    start = max(0, at - before)
    end = min(len(text), at + len(focus) + after)
    return ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")


def numbered_context(text: str, line: int, around: int = 2, focus: str | None = None) -> str:
    """Lines of `text` around 1-based `line`, numbered, the line itself marked; a long marked
    line is shown around `focus` (the name at fault) when given."""
    lines = text.splitlines()
    start = max(1, line - around)
    end = min(len(lines), line + around)
    width = len(str(end))
    out = []
    for n in range(start, end + 1):
        marker = ">" if n == line else " "
        shown = excerpt(lines[n - 1], focus) if n == line else lines[n - 1]
        out.append(f"  {marker} {n:>{width}} | {shown}")
    return "\n".join(out)
