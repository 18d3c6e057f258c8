"""`lint`: every finding of the one validation pass (drafter/project/validation.py), without a
database. `build`, `check` and `figures` stop at the first error-level finding of the same pass."""

from __future__ import annotations

from pathlib import Path

from drafter.project.validation import Finding, validate

__all__ = ["Finding", "lint"]


def lint(config_path: str | Path = "config.yaml") -> list[Finding]:
    """Every problem of the project at `config_path`, config.yaml first, then file by file
    and line by line; [] when it is clean."""
    return validate(config_path).findings
