"""Fixtures shared by test files: the shipped project over freshly generated sample databases.

`sample_project` is built once a session and must not be changed by tests; a test
that changes databases or files copies it first (`sample_project_copy`).
"""

from __future__ import annotations

import gc
import os
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

# The optional tiers: what each needs, and the variable under which its absence fails
# instead of skipping (.ci/run sets them all).
TIERS = {
    "engines": "DRAFTER_REQUIRE_ENGINES",  # the PostgreSQL and MariaDB servers
    "render": "DRAFTER_REQUIRE_RENDER",  # LibreOffice (soffice) and pdftoppm
}


def skip_or_fail(tier: str, message: str) -> None:
    """Where a tier's tool or server is missing: skip, or fail where CI requires the tier."""
    variable = TIERS[tier]
    if os.environ.get(variable) == "1":
        pytest.fail(f"{variable}=1 but {message}")
    pytest.skip(message)


def require_programs(tier: str, *names: str) -> str:
    """The path of the first of `names` found on PATH; else skip or fail (see skip_or_fail)."""
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    skip_or_fail(tier, f"{' / '.join(names)} not installed")
    raise AssertionError("unreachable")


def copy_shipped_project(target: Path) -> Path:
    """config.yaml, queries/, templates/ and rules/ of the repository in `target`; returns the config path."""
    target.mkdir(parents=True)
    shutil.copy(REPO / "config.yaml", target / "config.yaml")
    shutil.copytree(REPO / "queries", target / "queries")
    shutil.copytree(REPO / "templates", target / "templates")
    shutil.copytree(REPO / "rules", target / "rules")
    return target / "config.yaml"


@pytest.fixture(scope="session", autouse=True)
def private_sql_cache(tmp_path_factory):
    """drafter's cache of SQL readings (drafter/project/sqlcache.py) in a folder of this test
    session, not the user's: processes the tests start inherit it."""
    from drafter.project import sqlcache

    before = os.environ.get("DRAFTER_CACHE_DIR")
    os.environ["DRAFTER_CACHE_DIR"] = str(tmp_path_factory.mktemp("sql-cache"))
    sqlcache.forget()
    yield Path(os.environ["DRAFTER_CACHE_DIR"])
    if before is None:
        del os.environ["DRAFTER_CACHE_DIR"]
    else:
        os.environ["DRAFTER_CACHE_DIR"] = before
    sqlcache.forget()


@pytest.fixture(scope="session")
def sample_project(tmp_path_factory) -> Path:
    """config.yaml of the shipped project whose sample/ holds freshly generated databases."""
    from drafter.sample import create_sqlite

    config = copy_shipped_project(tmp_path_factory.mktemp("sample-project") / "project")
    create_sqlite(config.parent / "sample")
    return config


@pytest.fixture(scope="session")
def sample_draft(sample_project) -> Path:
    """The 2025 draft of the sample project, as `drafter build` writes it. Read it, never change it."""
    from drafter import build

    result = build(sample_project, output=sample_project.parent / "draft-2025.docx", force=True)
    assert result.year == 2025
    return result.path


@pytest.fixture
def sample_project_copy(sample_project, sample_draft, tmp_path) -> Path:
    """A private copy of the sample project (databases and the 2025 draft included)."""
    target = tmp_path / "project"
    shutil.copytree(sample_project.parent, target)
    return target / "config.yaml"


@pytest.fixture(autouse=True)
def _collector_given_back():
    """A CLI command run in this process leaves what it made frozen (drafter.lowgc: its own
    process ends next); here the tests go on, so it goes back to the collector after each."""
    yield
    gc.unfreeze()
