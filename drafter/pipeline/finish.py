"""The finishing step of every draft: warnings, consistency rules, manifest, atomic write.

The same for a whole report and for each unit of a batch, so that `--strict`, the rules,
the warnings and the guard that keeps the Word master from being overwritten hold on both.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from drafter.data.runner import RunResult
from drafter.errors import DataError
from drafter.outputs import check_output_name
from drafter.pipeline.render import Draft, style_warnings
from drafter.project.config import Config
from drafter.project.model import Project
from drafter.project.period import Period
from drafter.project.rules import RuleSet
from drafter.project.units import Unit
from drafter.review.rules import RuleRun, run_project_rules
from drafter.word.document import save_new
from drafter.word.manifest import attach_manifest


@dataclass
class Finished:
    """What the finishing step made of a draft: where it went, what to tell the user."""

    path: Path
    requested: Path
    warnings: list[str] = field(default_factory=list)
    rules: RuleRun | None = None


def check_target(path: Path, config: Config) -> None:
    """Refuse a draft's target that is no .docx or is the Word master itself (with --force an
    existing .docx is replaced: never the master)."""
    check_output_name(
        path,
        (".docx",),
        "草稿",
        "--output 草稿.docx",
        protected=(config.resolve(config.templates.master),),
        hint="文件名模板见 config.yaml 的 output.filename。",
    )


def finish_draft(
    draft: Draft,
    project: Project,
    run: RunResult,
    *,
    ruleset: RuleSet | None,
    requested: Path,
    built_at: dt.datetime,
    force: bool = False,
    strict: bool = False,
    unit: Unit | None = None,
    master_warnings: list[str] | None = None,
) -> Finished:
    """Run the rules (with `strict`, a failing rule raises and nothing is written), attach the
    manifest and write the draft atomically at `requested` (or the next free name unless `force`).
    `master_warnings`: the style warnings of the master, when known already (the same for every
    draft of a batch)."""
    check_target(requested, project.config)
    empty = empty_period_warnings(run, project.period)
    if master_warnings is None:
        master_warnings = style_warnings(draft.document, project.config)
    warnings = [*run.warnings, *master_warnings, *empty]
    rule_run = None
    if ruleset and not empty:  # rules over a period without data would only repeat that warning
        rule_run = checked_rules(draft, ruleset, run, strict)
        if rule_run.skipped:
            warnings.append(
                f"{len(rule_run.skipped)} 条一致性规则未能核对：\n"
                + "\n".join(f"  - {line}" for line in rule_run.skipped)
            )
    findings = [f.to_json() for f in rule_run.findings] if rule_run else None
    attach_manifest(draft.document, project, run, draft.registry, built_at, findings, unit=unit)
    path = save_new(draft.document, requested, force=force)
    return Finished(path, requested, warnings, rule_run)


def checked_rules(draft: Draft, ruleset: RuleSet, run: RunResult, strict: bool) -> RuleRun:
    rule_run = run_project_rules(draft.context, draft.registry, ruleset, run)
    if strict and rule_run.findings:
        raise DataError(
            f"一致性规则未通过 {len(rule_run.findings)} 条，--strict 模式下不生成草稿",
            cause="\n".join(f.warning() for f in rule_run.findings),
            hint="核实数据或修正查询；确属正常的，改规则（config.yaml 的 rules: 或 rules/ 下的文件）；"
            "去掉 --strict 则照常生成草稿，未通过的规则列为警告。",
        )
    return rule_run


def empty_period_warnings(run: RunResult, period: Period | int) -> list[str]:
    """One warning when every query that ran gave only 0 or NULL: most likely a period the
    databases hold nothing for (a mistyped --year or --period), not one in which nothing happened."""
    values = [
        f.value
        for key, result in run.results.items()
        if result.ok and key == result.spec.name
        for f in result.figures()
        if not isinstance(f.value, str)  # a query listing every unit by name still gives names
    ]
    if not values or any(v not in (None, 0) for v in values):
        return []
    if isinstance(period, int) or period.kind == "year":
        year = period if isinstance(period, int) else period.year
        return [
            f"该年度没有数据：{year} 年度的查询结果全部为 0 或空，数据库中可能还没有该年度的数据，"
            "请核对 --year 或 config.yaml 的 report.year。"
        ]
    return [
        f"该期间没有数据：{period.label}的查询结果全部为 0 或空，数据库中可能还没有该期间的数据，"
        "请核对 --period 或 config.yaml 的 report.period。"
    ]
