"""Exit codes, decided here for every command.

    0  success: the draft is written and complete, lint found nothing, check found all consistent
    1  the command ran and left something to act on: an incomplete draft (a query failed),
       lint findings, check findings, a draft that could not be written
    2  the input is wrong or the command could not run: usage, config.yaml, a query file,
       a template, the Word master; a draft that cannot be checked

A DrafterError carries its own code (`exit_code`, 2 unless its kind says otherwise); the
functions below decide the code of a command that returned.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import IntEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from drafter.pipeline.build import BatchResult, BuildResult
    from drafter.project.validation import Finding
    from drafter.review.batch import BatchCheck
    from drafter.review.checker import CheckReport
    from drafter.review.refresh import BatchRefresh, RefreshResult


class ExitCode(IntEnum):
    OK = 0
    FINDINGS = 1
    USAGE = 2


def build_exit_code(result: BuildResult) -> ExitCode:
    """A draft with placeholders for missing data is done; one whose queries failed is not."""
    return ExitCode.FINDINGS if result.broken_queries else ExitCode.OK


def lint_exit_code(findings: Sequence[Finding], *, config_loaded: bool = True) -> ExitCode:
    """A config.yaml that does not load is an input error, 2 as build and check give it; the
    findings of a project lint could read are 1."""
    if not config_loaded:
        return ExitCode.USAGE
    return ExitCode.FINDINGS if findings else ExitCode.OK


def check_exit_code(report: CheckReport) -> ExitCode:
    """A figure that could not be checked makes the whole check inconclusive."""
    if report.unchecked:
        return ExitCode.USAGE
    return ExitCode.FINDINGS if report.findings or report.rules else ExitCode.OK


def units_exit_code(result: BatchResult) -> ExitCode:
    """`build --each`: 1 when a unit failed (no draft) or its draft is incomplete (a query failed),
    or, under --strict, when a rollup rule does not add up over the batch."""
    bad_rollup = result.strict and any(not r.ok for r in result.rollups)
    return ExitCode.FINDINGS if result.failed or bad_rollup else ExitCode.OK


def batch_check_exit_code(batch: BatchCheck) -> ExitCode:
    """`check` of many drafts: the worst of the drafts; one that cannot be checked is 2, a
    rollup that does not add up is a finding."""
    codes = [check_exit_code(r) for r in batch.reports] + [ExitCode.USAGE for _ in batch.errors]
    codes += [ExitCode.FINDINGS for r in batch.rollups if not r.ok]
    return max(codes, default=ExitCode.OK)


def refresh_exit_code(result: RefreshResult) -> ExitCode:
    """A copy written with comments left to act on (hand edits, changed wordings, failed rules) is 1;
    one written with figures that could not be checked (a query failed: kept as they were) is 2,
    as check gives the same draft: the refresh is incomplete."""
    if result.unchecked:
        return ExitCode.USAGE
    return ExitCode.FINDINGS if result.flagged else ExitCode.OK


def batch_refresh_exit_code(batch: BatchRefresh) -> ExitCode:
    """`refresh` of many drafts: the worst of the drafts; one that could not be refreshed is 2
    (as one draft alone would be), the others' copies written all the same."""
    codes = [refresh_exit_code(r) for r in batch.results] + [ExitCode.USAGE for _ in batch.errors]
    return max(codes, default=ExitCode.OK)
