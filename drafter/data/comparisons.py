"""Comparisons without duplicated queries: `prev` (同比) and `last` (环比).

A template writes `{{ prev.q.col }}` for column `col` of query `q` over the same period one
year earlier, and `{{ last.q.col }}` for the period just before (drafter/project/period.py).
The query file is the same; only its period parameters shift (:year, :period_start,
:period_end, :half/:quarter/:month), every other parameter stays.

Which comparison runs a build needs is read from the templates before any query runs
(`referenced`: the Jinja AST of the section templates, their includes and the Word master),
so they run concurrently with the report's own queries (`comparison_jobs`, one connection
per source and comparison). A reference the AST cannot show (`{% set p = prev %}{{ p.q.n }}`)
is run when the template asks for it (`Comparison`), so it is never wrong, only slower.

A comparison run's figures are named `prev.q.col` (`Provenance.query` = `prev.q`); its result
sits in `RunResult.results` under `prev.q`, so the manifest records it with its own SQL and
parameters, and `check` re-runs and compares it like any other figure.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jinja2 import Environment, TemplateSyntaxError, nodes

from drafter.data.figures import Figure, MissingRow, MissingRows, Provenance
from drafter.data.runner import Job, QueryFailure, QueryResult, RunResult, build_parameters, run_jobs
from drafter.errors import TemplateError
from drafter.project.period import Period

if TYPE_CHECKING:
    from drafter.project.config import Config
    from drafter.project.queries import QuerySpec

# name in templates → what it means, for descriptions and messages
COMPARISONS = {"prev": "上年同期", "last": "上一期"}


def shifted_parameters(params: dict[str, Any], period: Period, which: str) -> dict[str, Any]:
    """`params` with the period's own parameters replaced by those of its `which` neighbour."""
    own = period.parameters()
    shifted = {k: v for k, v in params.items() if k not in own}
    shifted.update(period.shifted(which).parameters())
    return shifted


# -- which comparison runs the templates need ---------------------------------------------------


def references_in(sources: Iterable[str]) -> dict[str, set[str]]:
    """`{"prev": {query names}, "last": {…}}` that `prev.q` / `last.q` (or `prev["q"]`) name in
    the template texts `sources`. A text that does not parse is skipped: rendering reports it."""
    found: dict[str, set[str]] = {which: set() for which in COMPARISONS}
    env = Environment()
    for source in sources:
        if not any(which in source for which in COMPARISONS):
            continue
        try:
            tree = env.parse(source)
        except TemplateSyntaxError:
            continue
        for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
            if not isinstance(node, (nodes.Getattr, nodes.Getitem)):
                continue
            base = node.node
            if not (isinstance(base, nodes.Name) and base.name in COMPARISONS and base.ctx == "load"):
                continue
            if isinstance(node, nodes.Getattr):
                key: Any = node.attr
            else:
                key = node.arg.value if isinstance(node.arg, nodes.Const) else None
            if isinstance(key, str) and key != "period":
                found[base.name].add(key)
    return found


_INCLUDE = re.compile(r"""\{%-?\s*(?:include|import|from)\s+["']([^"']+)["']""")


def _section_texts(files: list[Path]) -> Iterable[str]:
    """The section templates and the templates they include, each once."""
    from drafter.text.sections import read_template

    search = list(dict.fromkeys(f.parent for f in files))
    seen: set[Path] = set()
    pending = list(files)
    while pending:
        path = pending.pop(0)
        if path in seen or not path.is_file():
            continue
        seen.add(path)
        try:
            text = read_template(path)
        except TemplateError:
            continue  # rendering reports it
        yield text
        for name in _INCLUDE.findall(text):
            pending += [d / name for d in search]


def _master_text(master: Path) -> str:
    """The master's paragraphs as Jinja sees them, read only when its XML mentions a comparison."""
    try:
        with zipfile.ZipFile(master) as package:
            xml = b"".join(package.read(n) for n in package.namelist() if n.startswith("word/") and n.endswith(".xml"))
    except (OSError, zipfile.BadZipFile, KeyError):
        return ""  # rendering says what is wrong with the master
    # `prev.` / `last[` as a template writes them (not `lastRenderedPageBreak`).
    if not re.search(rb"\b(?:prev|last)\s*[.\[]", xml):
        return ""
    from drafter.word.document import as_jinja, master_paragraphs, open_master

    try:
        tpl = open_master(master, check_tags=False)
    except TemplateError:
        return ""
    return "\n".join(as_jinja(text) for _, text in master_paragraphs(tpl.docx))


def referenced(config: Config, specs: dict[str, QuerySpec]) -> dict[str, list[str]]:
    """The comparison runs the project's templates name, as `{"prev": [q, …], "last": […]}`,
    limited to queries that exist (an unknown name is the template's error, told when it renders)."""
    from drafter.text.sections import section_files

    try:
        files = section_files(config.templates.sections, config.resolve)
    except TemplateError:
        files = []  # rendering reports it
    texts = [*_section_texts(files), _master_text(config.resolve(config.templates.master))]
    found = references_in(texts)
    return {which: [name for name in specs if name in names] for which, names in found.items()}


def comparison_jobs(
    specs: dict[str, QuerySpec], refs: dict[str, list[str]], params: dict[str, Any], period: Period
) -> list[Job]:
    """One job for each comparison run `refs` names, with the shifted parameters."""
    jobs = []
    for which, names in refs.items():
        shifted = shifted_parameters(params, period, which)
        other = period.shifted(which)
        for name in names:
            spec = specs[name]
            jobs.append(
                Job(
                    f"{which}.{name}",
                    spec,
                    shifted,
                    group=which,
                    period=other,
                    description=f"{spec.description}（{COMPARISONS[which]}：{other.label}）",
                )
            )
    return jobs


# -- what templates see ---------------------------------------------------------------------------


def missing_value(spec: QuerySpec, key: str | None = None, description: str | None = None) -> Any:
    """What a template gets for a query that failed (named `key`, `prev.q` for a comparison run)."""
    name = key or spec.name
    description = spec.description if description is None else description
    if spec.returns == "rows":
        return MissingRows(name, spec.source, description)
    if spec.returns == "scalar":
        prov = Provenance(name, spec.source, "value")
        return Figure(None, name, (prov,), description)
    return MissingRow(name, spec.source, description)


def result_value(result: QueryResult | QueryFailure) -> Any:
    if result.ok:
        assert isinstance(result, QueryResult)
        return result.value
    description = None
    if result.compare:
        description = f"{result.spec.description}（{COMPARISONS[result.compare]}）"
    return missing_value(result.spec, result.key or None, description)


class Comparison:
    """`prev` or `last` in a template: `prev.q` is query q's result over the shifted period,
    `prev.period` that period. A run the templates' AST did not show is run when asked for."""

    def __init__(
        self,
        which: str,
        config: Config,
        specs: dict[str, QuerySpec],
        run: RunResult,
        params: dict[str, Any],
        period: Period,
    ):
        self._which = which
        self._config = config
        self._specs = specs
        self._run = run
        self._params = params
        self._period = period

    @property
    def period(self) -> Period:
        return self._period.shifted(self._which)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        key = f"{self._which}.{name}"
        if key not in self._run.results:
            if name not in self._specs:
                raise UnknownComparison(self._which, name, list(self._specs))
            # Not seen in the templates' text: run it now (results join the run, hence the manifest).
            jobs = comparison_jobs(self._specs, {self._which: [name]}, self._params, self._period)
            self._run.results.update(run_jobs(self._config, jobs).results)
        return result_value(self._run.results[key])

    def __getitem__(self, name: str) -> Any:
        return self.__getattr__(name)

    def __repr__(self) -> str:
        return f"Comparison({self._which}: {self.period.label})"


class UnknownComparison(TemplateError):
    """`prev.x` where x is no query."""

    def __init__(self, which: str, name: str, known: list[str]):
        import difflib

        close = difflib.get_close_matches(name, known, n=2)
        super().__init__(
            f"{which}.{name}：没有名为“{name}”的查询",
            hint=(f"是否想写“{which}.{close[0]}”？" if close else "")
            + f"{which} 后面写查询名，如 {{{{ {which}.查询名.列名 }}}}（{COMPARISONS[which]}的同一查询）。",
        )


def comparison_context(
    config: Config,
    specs: dict[str, QuerySpec],
    run: RunResult,
    params: dict[str, Any] | None = None,
    period: Period | None = None,
) -> dict[str, Comparison]:
    period = period or config.period
    params = run.params if params is None else params
    params = build_parameters(config, period) if params is None else params
    return {which: Comparison(which, config, specs, run, params, period) for which in COMPARISONS}


__all__ = [
    "COMPARISONS",
    "Comparison",
    "comparison_context",
    "comparison_jobs",
    "referenced",
    "references_in",
    "shifted_parameters",
]
