"""`lint`: every finding of the one validation pass (drafter/project/validation.py), without a
database. `build`, `check` and `figures` stop at the first error-level finding of the same pass."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from drafter.project.validation import Finding, validate

__all__ = ["Finding", "lint"]


def lint(config_path: str | Path = "config.yaml") -> list[Finding]:
    """Every problem of the project at `config_path`, config.yaml first, then file by file
    and line by line; [] when it is clean. Spreadsheet sources (files of the project, not
    databases) are read too: a workbook build could not use is a warning (a build would
    draft its figures as placeholders, as for a database it cannot reach)."""
    validation = validate(config_path)
    findings = list(validation.findings)
    if validation.config is not None:
        from drafter.data.spreadsheets import spreadsheet_problems
        from drafter.review.rules import sql_test_problems

        findings += [
            replace(Finding.from_error(e), severity="warning") for e in spreadsheet_problems(validation.config)
        ]
        findings += [Finding.from_error(e) for e in sql_test_problems(validation.config)]
    return findings
