"""Wording traced like figures: template conditions over figures, recorded as they are taken.

A report's claims are in its words too (“全部完成整改”, “无纠错或败诉案件”), chosen by
`{% if %}` / `{% elif %}` / `{% else %}` and inline `x if c else y` over figures. Before a
section template is compiled, `instrument` rewrites its syntax tree so that every such
condition is evaluated through `Tracer`:

- each test runs between `begin` and `end`, which collect the figures it compares or tests
  (`Figure` reports every comparison while a reading is open) and the query results it names;
- the chosen branch's output is framed by `open` … `close` markers (`WORD_OPEN w001 WORD_END`
  … `WORD_CLOSE w001 WORD_END`), the document layer turns them into a bookmark range
  `_drafter_w001`, and the build's registry keeps a `Wording`: the condition's source text,
  the figures read with their values, the branch taken;
- an `{% if %}` without `{% else %}` gets an implicit, empty `else`, so a sentence that is
  not there because of the data is traced too.

A condition that reads no figure (`{% if report.recipient %}`) leaves no marker. Conditions in
the Word master are not traced (docxtpl compiles the master itself).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from jinja2 import nodes

from drafter.data.figures import (
    WORD_CLOSE,
    WORD_END,
    WORD_OPEN,
    Figure,
    FigureRegistry,
    Row,
    Wording,
    json_value,
    start_reading,
    stop_reading,
)

BEGIN = "__drafter_wording_begin"
END = "__drafter_wording_end"
OPEN = "__drafter_wording_open"
CLOSE = "__drafter_wording_close"
FINAL = "__drafter_wording_final"

IF_LABEL, ELIF_LABEL, ELSE_LABEL, NONE_LABEL = "如果", "否则如果", "否则", "（条件均不成立，无文字）"


@dataclass
class Condition:
    """One condition of a template, as written: its tests and a pattern per branch."""

    cid: str
    template: str | None
    line: int
    tests: list[str]
    labels: list[str]
    patterns: list[str | None]  # a regex for the text a branch produces; None: too little to tell
    texts: list[str] = field(default_factory=list)  # each branch's text, expressions shown as …


# ------------------------------------------------------------------ expressions as written

_OPS = {"eq": "==", "ne": "!=", "gt": ">", "gteq": ">=", "lt": "<", "lteq": "<=", "in": "in", "notin": "not in"}


def expression_text(node: nodes.Node) -> str:
    """A Jinja expression written back as source (the common forms; others as …)."""
    if isinstance(node, nodes.Name):
        return node.name
    if isinstance(node, nodes.Const):
        return repr(node.value) if isinstance(node.value, str) else str(node.value)
    if isinstance(node, nodes.Getattr):
        return f"{expression_text(node.node)}.{node.attr}"
    if isinstance(node, nodes.Getitem):
        return f"{expression_text(node.node)}[{expression_text(node.arg)}]"
    if isinstance(node, nodes.Compare):
        parts = [expression_text(node.expr)]
        for op in node.ops:
            parts += [_OPS.get(op.op, op.op), expression_text(op.expr)]
        return " ".join(parts)
    if isinstance(node, nodes.Not):
        return f"not {expression_text(node.node)}"
    if isinstance(node, nodes.Neg):
        return f"-{expression_text(node.node)}"
    if isinstance(node, (nodes.And, nodes.Or)):
        return f"{expression_text(node.left)} {node.operator} {expression_text(node.right)}"
    if isinstance(node, nodes.BinExpr):
        return f"({expression_text(node.left)} {node.operator} {expression_text(node.right)})"
    if isinstance(node, (nodes.Filter, nodes.Test)):
        args = [expression_text(a) for a in node.args] + [f"{k.key}={expression_text(k.value)}" for k in node.kwargs]
        inner = expression_text(node.node) if node.node is not None else ""
        call = f"{node.name}({', '.join(args)})" if args else node.name
        return f"{inner} | {call}" if isinstance(node, nodes.Filter) else f"{inner} is {call}"
    if isinstance(node, nodes.Call):
        args = [expression_text(a) for a in node.args]
        return f"{expression_text(node.node)}({', '.join(args)})"
    if isinstance(node, (nodes.List, nodes.Tuple)):
        return "[" + ", ".join(expression_text(i) for i in node.items) + "]"
    if isinstance(node, nodes.CondExpr):
        other = f" else {expression_text(node.expr2)}" if node.expr2 is not None else ""
        return f"{expression_text(node.expr1)} if {expression_text(node.test)}{other}"
    return "…"


def _names(node: nodes.Node) -> list[str]:
    found = [node] if isinstance(node, nodes.Name) else []
    return list(dict.fromkeys(n.name for n in [*found, *node.find_all(nodes.Name)]))


# ------------------------------------------------------------------ what a branch writes

_WILD = "\x00"


def _branch_text(body: list[nodes.Node]) -> str:
    """The text a branch writes, every expression (and nested block) as one wildcard."""
    out: list[str] = []
    for node in body:
        if isinstance(node, nodes.Output):
            for child in node.nodes:
                out.append(child.data if isinstance(child, nodes.TemplateData) else _WILD)
        elif isinstance(
            node,
            (
                nodes.If,
                nodes.For,
                nodes.With,
                nodes.Scope,
                nodes.FilterBlock,
                nodes.Macro,
                nodes.CallBlock,
                nodes.Include,
            ),
        ):
            out.append(_WILD)
    return "".join(out)


def _pattern(text: str) -> str | None:
    """A regex finding a branch's text in a paragraph: literal text with each expression a
    short run of anything; None when the literal text is too thin to tell branches apart."""
    literal = re.sub(rf"[{_WILD}\s，。；、：,.;:（）()“”]", "", text)
    if len(literal) < 2:
        return None
    pieces = [re.escape(p.strip("\n")) for p in text.split(_WILD)]
    return r".{0,40}?".join(pieces)


# ------------------------------------------------------------------ rewriting the tree


def _call(name: str, *args: nodes.Expr, lineno: int) -> nodes.Call:
    return nodes.Call(nodes.Name(name, "load", lineno=lineno), list(args), [], None, None, lineno=lineno)


def _const(value: Any, lineno: int) -> nodes.Const:
    return nodes.Const(value, lineno=lineno)


def _info(condition: Condition) -> dict[str, Any]:
    """A condition as the compiled template carries it (a constant), so that the code renders the
    same wherever it was compiled (the validation pass compiles the templates a build renders)."""
    return {
        "cid": condition.cid,
        "template": condition.template,
        "line": condition.line,
        "tests": condition.tests,
        "labels": condition.labels,
        "patterns": condition.patterns,
        "texts": condition.texts,
    }


def _frame(condition: Condition, branch: int, body: list[nodes.Node], lineno: int) -> list[nodes.Node]:
    cid = condition.cid
    return [
        nodes.Output(
            [_call(OPEN, _const(cid, lineno), _const(branch, lineno), _const(_info(condition), lineno), lineno=lineno)],
            lineno=lineno,
        ),
        *body,
        nodes.Output([_call(CLOSE, _const(cid, lineno), lineno=lineno)], lineno=lineno),
    ]


def _traced_test(cid: str, index: int, test: nodes.Node, lineno: int) -> nodes.Expr:
    names = nodes.List([_const(n, lineno) for n in _names(test)], lineno=lineno)
    begin = _call(BEGIN, _const(cid, lineno), _const(index, lineno), lineno=lineno)
    return _call(END, begin, test, names, lineno=lineno)  # type: ignore[arg-type]


def instrument(tree: nodes.Template, template: str | None, env) -> dict[str, Condition]:
    """Rewrite `tree` in place so that its conditions are traced; returns them by cid."""
    name = template or "<template>"
    conditions: dict[str, Condition] = {}
    elifs = {id(e) for node in tree.find_all(nodes.If) for e in node.elif_}
    ifs = [n for n in tree.find_all(nodes.If) if id(n) not in elifs]
    outputs = list(tree.find_all(nodes.Output))

    for k, out in enumerate((o, i, c) for o in outputs for i, c in enumerate(o.nodes) if isinstance(c, nodes.CondExpr)):
        output, index, expr = out
        line = expr.lineno
        cid = f"{name}:{line}:e{k + 1}"
        given = [expr.expr1, expr.expr2 if expr.expr2 is not None else _const("", line)]
        texts = [_WILD, _WILD if expr.expr2 is not None else ""]
        conditions[cid] = Condition(
            cid,
            template,
            line,
            [expression_text(expr.test)],
            [IF_LABEL, ELSE_LABEL],
            [None, None],
            ["…" if t else "" for t in texts],
        )
        expr.test = _traced_test(cid, 0, expr.test, line)
        expr.expr1, expr.expr2 = (
            nodes.Concat(
                [
                    _call(OPEN, _const(cid, line), _const(b, line), _const(_info(conditions[cid]), line), lineno=line),
                    _call(FINAL, given[b], lineno=line),
                    _call(CLOSE, _const(cid, line), lineno=line),
                ],
                lineno=line,
            )
            for b in (0, 1)
        )
        output.nodes[index] = expr

    for k, node in enumerate(ifs):
        line = node.lineno
        cid = f"{name}:{line}:i{k + 1}"
        tests = [node.test, *(e.test for e in node.elif_)]
        bodies = [node.body, *(e.body for e in node.elif_), node.else_]
        labels = [
            IF_LABEL,
            *(f"{ELIF_LABEL} {n}" for n in range(1, len(node.elif_) + 1)),
            ELSE_LABEL if node.else_ else NONE_LABEL,
        ]
        texts = [_branch_text(b) for b in bodies]
        conditions[cid] = Condition(
            cid,
            template,
            line,
            [expression_text(t) for t in tests],
            labels,
            [_pattern(t) for t in texts],
            [t.replace(_WILD, "…") for t in texts],
        )
        node.test = _traced_test(cid, 0, node.test, line)
        condition = conditions[cid]
        node.body = _frame(condition, 0, node.body, line)
        for n, elif_ in enumerate(node.elif_, start=1):
            elif_.test = _traced_test(cid, n, elif_.test, elif_.lineno)
            elif_.body = _frame(condition, n, elif_.body, elif_.lineno)
        node.else_ = _frame(condition, len(tests), node.else_, line)
    tree.set_environment(env)
    return conditions


# ------------------------------------------------------------------ at render time


@dataclass
class _Pending:
    tests: list[int] = field(default_factory=list)
    reads: list[tuple[str, Any]] = field(default_factory=list)


class Tracer:
    """The runtime side of `instrument`: records wordings into the build's registry."""

    def __init__(self, registry: FigureRegistry, finalize):
        self.registry = registry
        self.finalize = finalize
        self.conditions: dict[str, Condition] = {}
        self.query_names: frozenset[str] = frozenset()
        self.context: dict[str, Any] = {}
        self._pending: dict[str, _Pending] = {}
        self._tokens: list[Any] = []
        self._open: list[tuple[str, str | None]] = []  # (cid, wording id or None)

    def globals(self) -> dict[str, Any]:
        return {BEGIN: self.begin, END: self.end, OPEN: self.open, CLOSE: self.close, FINAL: self.final}

    def begin(self, cid: str, index: int) -> str:
        pending = self._pending.setdefault(cid, _Pending())
        if index == 0:
            pending.tests, pending.reads = [], []
        pending.tests.append(index)
        self._tokens.append(start_reading())
        return cid

    def end(self, cid: str, value: Any, names: list[str]) -> bool:
        try:
            truth = bool(value)  # inside the reading: `{% if x.n %}` reads x.n here
        finally:
            read = stop_reading(self._tokens.pop())
        pending = self._pending.setdefault(cid, _Pending())
        entries = [(fig.ref, json_value(fig.value)) for fig in read]
        if not entries:  # `{% if some_rows %}`: a rows query decides by its length
            entries = [
                (f"{n}|length", len(self._context_value(n)))
                for n in names
                if n in self.query_names and isinstance(self._context_value(n), list)
            ]
        for entry in entries:
            if entry not in pending.reads:
                pending.reads.append(entry)
        return truth

    def _context_value(self, name: str) -> Any:
        return self.context.get(name)

    def open(self, cid: str, branch: int, info: dict[str, Any] | None = None) -> str:
        if info is not None and cid not in self.conditions:
            self.conditions[cid] = Condition(**info)
        pending = self._pending.pop(cid, None)
        if pending is None or not pending.reads:
            self._open.append((cid, None))
            self.registry.open_wordings.append(None)
            return ""
        condition = self.conditions.get(cid)
        wid = f"w{len(self.registry.wordings) + 1:03d}"
        tests = condition.tests if condition else []
        self.registry.wordings[wid] = Wording(
            id=wid,
            cid=cid,
            conditions=[tests[i] for i in pending.tests if i < len(tests)],
            branch=branch,
            labels=condition.labels if condition else [],
            reads=pending.reads,
            template=condition.template if condition else None,
            line=condition.line if condition else None,
            parent=self.registry.current_wording,
        )
        self._open.append((cid, wid))
        self.registry.open_wordings.append(wid)
        return f"{WORD_OPEN}{wid}{WORD_END}"

    def close(self, cid: str) -> str:
        _, wid = self._open.pop()
        self.registry.open_wordings.pop()
        return f"{WORD_CLOSE}{wid}{WORD_END}" if wid else ""

    def final(self, value: Any) -> str:
        shown = self.finalize(value)
        return "" if shown is None else str(shown)


def note_query_names(tracer: Tracer, context: dict[str, Any]) -> None:
    """The names of the context that hold query results (a test naming one reads data)."""
    tracer.context = context
    tracer.query_names = frozenset(
        k for k, v in context.items() if isinstance(v, (Figure, Row, list)) or type(v).__name__ == "_MissingRow"
    )
