"""`lint`: every finding of the one validation pass (drafter/project/validation.py), without a
database. `build`, `check` and `figures` stop at the first error-level finding of the same pass."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from drafter.data.spreadsheets import spreadsheet_problems
from drafter.errors import DrafterError
from drafter.intake.bindings import unbound_places
from drafter.pipeline.validate import validate
from drafter.project.validation import Finding
from drafter.review.rules import sql_test_problems

__all__ = ["Finding", "Lint", "lint", "lint_project"]


@dataclass
class Lint:
    findings: list[Finding]
    # False when config.yaml itself does not load (a YAML syntax error, a wrong setting): the
    # rest was checked where the defaults lead, the project as configured could not be.
    config_loaded: bool


def lint(config_path: str | Path = "config.yaml") -> list[Finding]:
    """Every problem of the project at `config_path` (see lint_project)."""
    return lint_project(config_path).findings


def lint_project(config_path: str | Path = "config.yaml") -> Lint:
    """Every problem of the project at `config_path`, config.yaml first, then file by file
    and line by line; none when it is clean. Spreadsheet sources (files of the project, not
    databases) are read too: a workbook build could not use is a warning (a build would
    draft its figures as placeholders, as for a database it cannot reach)."""
    unset: list[tuple[str, int | None]] = []  # lint connects to nothing: a password not set yet is no error
    validation = validate(config_path, unset_env=unset)
    findings = [
        Finding(
            f"环境变量 {name} 未设置",
            path=Path(config_path),
            line=line,
            hint=f"lint 不连接数据库，其余内容照常检查了；drafter build、check 之前要设置它，例如 export {name}=…",
            severity="warning",
        )
        for name, line in dict.fromkeys(unset)
    ]
    findings += validation.findings
    if validation.config is not None:
        findings += [
            replace(Finding.from_error(e), severity="warning") for e in spreadsheet_problems(validation.config)
        ]
        findings += unbound_findings(validation.config)
        findings += [Finding.from_error(e) for e in sql_test_problems(validation.config)]
    return Lint(findings, validation.config is not None)


def unbound_findings(config) -> list[Finding]:
    """A warning for every number of a report made into a project (`init --from`) that is not
    bound to a query yet: its file, line and sentence."""
    try:
        places = unbound_places(config)
    except DrafterError:
        return []  # a missing section folder is a finding of the validation pass already
    return [
        Finding(
            f"待绑定的数字“{u.original}”（本行第 {u.index} 个）",
            path=u.path,
            line=u.line,
            context=u.sentence,
            hint="运行 drafter bindings 生成绑定表，选好查询.列和写法后 drafter bind 绑定表.xlsx。",
            severity="warning",
        )
        for u in places
    ]
