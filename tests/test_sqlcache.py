"""The cache of SQL readings across runs (drafter/project/sqlcache.py): a warm cache gives the
same draft and the same findings as a cold one, and an entry that was tampered with, forged,
corrupted or written for something else is never used."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from reading import draft_text

from drafter import build
from drafter.errors import QueryError
from drafter.pipeline.validate import validate
from drafter.project import averages, sql, sqlcache
from drafter.project.sql import check_select

FORBIDDEN = [
    "SELECT pg_read_file('/etc/passwd') AS secret",
    "DELETE FROM inspection WHERE 1 = 1",
    "WITH gone AS (DELETE FROM inspection RETURNING *) SELECT COUNT(*) AS n FROM gone",
]


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    """A cache folder of this test's own, with nothing remembered in the process."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("DRAFTER_CACHE_DIR", str(folder))
    fresh_process()
    yield folder
    fresh_process()


def fresh_process() -> None:
    """Forget what this process read, as a new run would (the cache on disk stays)."""
    sqlcache.forget()
    sql.analyse.cache_clear()
    averages.averaged_columns.cache_clear()


def entries(folder: Path) -> dict[str, Path]:
    """Cache entries by the SQL text they are for."""
    found: dict[str, Path] = {}
    for path in (folder / "sql").glob("*.json"):
        found.setdefault(json.loads(path.read_bytes())["key"]["text"], path)
    return found


def rewrite(path: Path, change) -> None:
    entry = json.loads(path.read_bytes())
    change(entry)
    path.write_text(json.dumps(entry, ensure_ascii=False), encoding="utf-8")


def no_parsing(monkeypatch) -> None:
    """From here on, reading any SQL afresh fails the test: only the cache may answer."""

    def fail(*args):
        raise AssertionError(f"parsed again: {args[0][:60]!r}")

    monkeypatch.setattr(sql, "_analyse_now", fail)
    monkeypatch.setattr(averages, "_averaged_now", fail)


def test_a_warm_cache_builds_the_same_draft_without_parsing(sample_project_copy, cache, monkeypatch):
    cold = build(sample_project_copy, output=sample_project_copy.parent / "cold.docx", force=True)
    assert len(entries(cache)) >= 20  # every query file's reading was kept
    fresh_process()
    no_parsing(monkeypatch)
    warm = build(sample_project_copy, output=sample_project_copy.parent / "warm.docx", force=True)
    assert draft_text(warm.path) == draft_text(cold.path)
    assert warm.warnings == cold.warnings
    assert [repr(f) for f in warm.findings] == [repr(f) for f in cold.findings]
    assert warm.project.queries == cold.project.queries


def _broken_project(config: Path) -> None:
    queries = config.parent / "queries"
    (queries / "leak.sql").write_text(
        "-- source: enforcement\n-- description: 读文件\n-- returns: scalar\nSELECT pg_read_file('/etc/passwd') AS x\n",
        encoding="utf-8",
    )
    (queries / "wipe.sql").write_text(
        "-- source: enforcement\n-- description: 删除\n-- returns: scalar\nDELETE FROM inspection\n", encoding="utf-8"
    )
    (queries / "odd.sql").write_text(
        "-- source: enforcement\n-- description: 未知函数\n-- returns: scalar\nSELECT my_func(1) AS y, :nope AS z\n",
        encoding="utf-8",
    )
    (queries / "typo.sql").write_text(
        "-- source: enforcement\n-- description: 语法\n-- returns: scalar\nSELECT (1 AS w\n", encoding="utf-8"
    )


def _findings(config: Path) -> list[str]:
    return [repr(f) for f in validate(config).findings]


def test_a_warm_cache_gives_the_same_findings(sample_project_copy, cache, monkeypatch):
    _broken_project(sample_project_copy)
    cold = _findings(sample_project_copy)
    assert any("PG_READ_FILE" in f for f in cold) and any("DELETE" in f for f in cold)
    assert any("MY_FUNC" in f for f in cold) and any("无法解析" in f for f in cold)
    fresh_process()
    no_parsing(monkeypatch)
    assert _findings(sample_project_copy) == cold


def test_allow_functions_is_applied_after_the_cache(sample_project_copy, cache):
    """What config.yaml allows is read on every run: the cache keeps the reading before it."""
    _broken_project(sample_project_copy)
    before = _findings(sample_project_copy)
    assert any("MY_FUNC" in f and "不在 drafter 允许的函数清单中" in f for f in before)
    text = sample_project_copy.read_text(encoding="utf-8")
    lines = text.splitlines()
    at = next(i for i, line in enumerate(lines) if line.strip() == "enforcement:")
    indent = " " * (len(lines[at]) - len(lines[at].lstrip()) + 2)
    lines.insert(at + 1, f"{indent}allow_functions: [my_func]")
    sample_project_copy.write_text("\n".join(lines) + "\n", encoding="utf-8")
    fresh_process()
    after = _findings(sample_project_copy)
    assert not any("MY_FUNC" in f and "不在 drafter 允许的函数清单中" in f for f in after)
    assert any("PG_READ_FILE" in f for f in after)  # never allowed, cached or not


def _refused(text: str) -> str:
    with pytest.raises(QueryError) as caught:
        check_select(text, Path("q.sql"))
    return str(caught.value)


@pytest.mark.parametrize("text", FORBIDDEN)
def test_a_flipped_verdict_is_not_trusted(cache, text):
    message = _refused(text)
    entry = entries(cache)[text]
    rewrite(entry, lambda e: e["value"].update(problems=[]))  # "allowed", with the old signature
    fresh_process()
    assert _refused(text) == message
    assert json.loads(entry.read_bytes())["value"]["problems"]  # computed again and written over


@pytest.mark.parametrize("text", FORBIDDEN)
def test_an_entry_signed_with_another_key_is_not_trusted(cache, text):
    message = _refused(text)
    entry = entries(cache)[text]

    def forge(e):
        e["value"]["problems"] = []
        body = json.dumps(
            {"key": e["key"], "value": e["value"]}, ensure_ascii=False, sort_keys=True, separators=(",", ":")
        )
        e["mac"] = hmac.new(b"k" * 32, body.encode("utf-8"), hashlib.sha256).hexdigest()

    rewrite(entry, forge)
    fresh_process()
    assert _refused(text) == message


def _forge_verdict(cache: Path, text: str, key: bytes) -> None:
    """The entry of `text` made to say the SQL is allowed, signed under `key` (one whoever
    planted it knows), then read by a new process."""

    def forge(e):
        e["value"]["problems"] = []
        e["mac"] = sqlcache._mac(key, e["key"], e["value"])

    rewrite(entries(cache)[text], forge)
    fresh_process()


@pytest.mark.skipif(os.name != "posix", reason="file modes")
def test_a_key_others_could_have_written_is_not_used(cache):
    """A key file anyone may read or write (a planted one) turns the cache off."""
    text = FORBIDDEN[0]
    message = _refused(text)
    key = cache / "key"
    key.write_bytes(b"k" * 32)
    key.chmod(0o666)

    _forge_verdict(cache, text, b"k" * 32)
    assert _refused(text) == message


@pytest.mark.parametrize(
    "damage",
    [
        lambda p: p.write_bytes(p.read_bytes()[:40]),  # cut short
        lambda p: p.write_bytes(b"\x80\x81 not json"),
        lambda p: p.write_text("[1, 2, 3]", encoding="utf-8"),
        lambda p: p.write_text("{}", encoding="utf-8"),
        lambda p: p.write_text('{"key": 1, "value": 2, "mac": 3}', encoding="utf-8"),
        lambda p: p.write_bytes(b"[" * 100000),  # nesting deep enough to trouble the decoder
        lambda p: rewrite(p, lambda e: e.update(mac="é" * 64)),  # compare_digest takes ASCII only
        lambda p: rewrite(p, lambda e: e.update(mac=None)),
    ],
)
def test_a_corrupt_entry_is_read_again(cache, damage):
    text = "SELECT COUNT(*) AS n, :period_start AS s FROM inspection"
    first = check_select(text, Path("q.sql"))
    damage(entries(cache)[text])
    fresh_process()
    assert check_select(text, Path("q.sql")) == first
    assert entries(cache)[text].read_bytes().startswith(b"{")  # whole again


def test_a_signed_entry_of_the_wrong_shape_is_read_again(cache):
    """Even an entry that passes its check must be a reading in every field (a bug, a format change)."""
    text = FORBIDDEN[0]
    message = _refused(text)
    secret = (cache / "key").read_bytes()

    def reshape(e):
        e["value"]["problems"] = [{"key": "x"}]
        e["mac"] = sqlcache._mac(secret, e["key"], e["value"])

    rewrite(entries(cache)[text], reshape)
    fresh_process()
    assert _refused(text) == message


def test_entries_of_another_dialect_or_version_are_apart(cache, monkeypatch):
    text = "SELECT COUNT(*) AS n FROM inspection"
    sql.analyse(text)
    sql.analyse(text, "postgresql")
    assert len([p for p in (cache / "sql").glob("*.json")]) == 2
    monkeypatch.setattr(sqlcache, "sqlglot_version", lambda: "0.0.0")
    fresh_process()
    sql.analyse(text)
    assert len([p for p in (cache / "sql").glob("*.json")]) == 3


def test_off_and_unwritable_caches_change_nothing(tmp_path, monkeypatch):
    text = FORBIDDEN[1]
    monkeypatch.setenv("DRAFTER_NO_CACHE", "1")
    fresh_process()
    assert sqlcache.cache_dir() is None
    message = _refused(text)
    monkeypatch.delenv("DRAFTER_NO_CACHE")
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv("DRAFTER_CACHE_DIR", str(blocker / "cache"))
    fresh_process()
    assert _refused(text) == message
    fresh_process()


def test_a_warm_build_process_does_not_import_sqlglot(sample_project_copy, tmp_path):
    """The point of the cache: a build whose query files did not change parses none of them."""
    code = (
        "import sys; from drafter.pipeline.validate import load_project; "
        f"load_project({str(sample_project_copy)!r}); print('sqlglot' in sys.modules)"
    )
    env = {**os.environ, "DRAFTER_CACHE_DIR": str(tmp_path / "process-cache")}
    runs = [
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True).stdout.strip()
        for _ in range(2)
    ]
    assert runs == ["True", "False"]


def test_old_entries_are_pruned(cache):
    sql.analyse("SELECT 1 AS one")
    sql.analyse("SELECT 2 AS two")
    old, kept = sorted((cache / "sql").glob("*.json"))
    os.utime(old, (0, 0))
    sqlcache.prune(cache / "sql")
    assert not old.exists() and kept.exists()
    fresh_process()
    assert sql.analyse("SELECT 1 AS one").columns == ("one",)  # computed again


@pytest.mark.skipif(os.name != "posix", reason="symbolic links")
def test_a_key_that_is_a_link_is_not_used(cache, tmp_path):
    text = FORBIDDEN[0]
    message = _refused(text)
    known = tmp_path / "known"
    known.write_bytes(b"k" * 32)
    known.chmod(0o600)
    (cache / "key").unlink()
    (cache / "key").symlink_to(known)

    _forge_verdict(cache, text, b"k" * 32)
    assert _refused(text) == message
