"""The pipeline's validation stage: the one validation pass over a project, and the project
loaded through it (`load_project`).

`validate` loads a project into its model (config, query specs, the templates' parsed trees
and the names they use) and runs every static check over it once, without a database:
config.yaml, the queries and the rules (drafter/project/validation.py), the section templates
(drafter/text/validation.py) and the Word master's tags and names (here: the master is read
with drafter/word/). A problem that keeps the pass from running at all (no config.yaml) is
raised as a DrafterError.
"""

from __future__ import annotations

from pathlib import Path
from types import CodeType

from jinja2 import TemplateSyntaxError

from drafter.errors import TemplateError
from drafter.project.config import Config
from drafter.project.model import Project
from drafter.project.period import PeriodLike, as_period
from drafter.project.validation import (
    COMPARISON_NAMES,
    Finding,
    NameUse,
    Validation,
    averaged_money,
    check_config,
    finding_order,
    lint_queries,
    lint_rules,
    load_checked,
    names_known,
    warn_unused,
)
from drafter.text.validation import check_names, lint_sections, scan_template, template_environment
from drafter.word.document import as_jinja, master_paragraphs, master_tag_error, open_master, tag_problem


def validate(
    config: str | Path | Config = "config.yaml",
    *,
    sources: dict[str, str] | None = None,
    period: PeriodLike | None = None,
    unset_env: list[tuple[str, int | None]] | None = None,
) -> Validation:
    """Read the project at `config` (a path, or a Config already loaded) and check it whole,
    for `period` (a Period, a year or its written form: `as_period`), else the project's
    default period.

    A config.yaml that does not load is one finding; the rest is still checked where the
    defaults lead, so one pass shows everything. Only a config file that cannot be read at
    all (missing, a folder) is raised."""
    findings: list[Finding] = []
    config_path, loaded = load_checked(config, sources, as_period(period), findings, unset_env)
    root = config_path.resolve().parent

    def resolve(p: Path) -> Path:
        return p if p.is_absolute() else root / p

    if loaded is not None:
        check_config(loaded, findings)
        queries_dir, sections, master = (
            resolve(loaded.queries),
            loaded.templates.sections,
            resolve(loaded.templates.master),
        )
        known: tuple[list[str], list[str], list[str]] | tuple[None, None, None] = names_known(loaded)
    else:
        queries_dir, sections, master = root / "queries", Path("templates/sections"), root / "templates/report.docx"
        known = (None, None, None)
    source_names, parameters, param_keys = known
    specs = lint_queries(queries_dir, source_names, parameters, findings, loaded)
    uses: list[NameUse] = []
    compiled: dict[Path, CodeType] = {}
    templates = lint_sections(sections, resolve, findings, uses, compiled) + lint_master(master, findings, uses)
    # Appendices switched off are checked too: switching one on should not reveal mistakes.
    for appendix in loaded.templates.appendices if loaded is not None else []:
        templates += lint_sections([appendix.file], resolve, findings, uses, compiled)
    if queries_dir.is_dir():  # else every query name would be reported again as undefined
        check_names(
            uses,
            specs,
            param_keys,
            findings,
            # `unit` is known where the config declares units, and cannot be judged when it does not load
            frozenset({"unit"}) if loaded is None or loaded.units is not None else frozenset(),
        )
    if templates:  # with no template to read, "unused" would only repeat that
        warn_unused(specs, uses, getattr(loaded.units, "query", None) if loaded is not None else None, findings)
    findings += averaged_money(uses, specs)
    if loaded is not None:
        lint_rules(loaded, specs, findings)
    config_file = config_path.resolve()
    findings.sort(key=lambda f: (f.path is None or f.path.resolve() != config_file, *finding_order(f)))
    comparisons = {
        which: list(dict.fromkeys(u.name for u in uses if u.via == which and u.name in specs))
        for which in COMPARISON_NAMES
    }
    return Validation(config_path, loaded, specs, findings, compiled, comparisons)


def lint_master(master: Path, findings: list[Finding], uses: list[NameUse]) -> list[Path]:
    try:
        tpl = open_master(master, check_tags=False)
    except TemplateError as exc:
        findings.append(Finding.from_error(exc))
        return []
    paragraphs = master_paragraphs(tpl.docx)
    broken = [(where, text, problem) for where, text in paragraphs if (problem := tag_problem(text))]
    for where, text, problem in broken:
        findings.append(Finding.from_error(master_tag_error(master, where, text, problem)))
    # A broken paragraph is left out, so that the names of the others are still checked.
    bad = {where for where, _, _ in broken}
    source = "\n".join("" if where in bad else as_jinja(text) for where, text in paragraphs)
    env = template_environment()
    try:
        tree = env.parse(source)
    except TemplateSyntaxError as exc:
        if broken:  # most likely the broken tags' doing: reported above
            return [master]
        at, text = paragraphs[exc.lineno - 1] if exc.lineno and exc.lineno <= len(paragraphs) else (None, "")
        findings.append(
            Finding(
                "Word 母版中的模板语法错误",
                master,
                where=at,
                cause=exc.message,
                context=f"  > {at} | {text}" if at else None,
                hint="检查 {{ }} 与 {% %} 是否成对、拼写是否正确；{%p if %} 要有 {%p endif %}。",
            )
        )
        return [master]
    scan_template(env, tree, source, master, paragraphs, findings, uses, extra_names={"body"})
    return [master]


def load_project(
    config: str | Path | Config = "config.yaml",
    *,
    sources: dict[str, str] | None = None,
    period: PeriodLike | None = None,
    year: int | None = None,
) -> Project:
    """The project at `config`, after the one validation pass: stops at the first error-level
    finding, the same one `drafter lint` lists first (exit code 2, nothing has run). `period`
    (a Period, a year or its written form) wins over `year`, the public API's short form of a
    year period; without either, the project's default."""
    validation = validate(config, sources=sources, period=year if period is None else period)
    validation.raise_first_error()
    assert validation.config is not None  # a config that did not load is an error finding
    return Project(validation.config, validation.queries, validation.templates, validation.comparisons)
