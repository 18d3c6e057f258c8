"""Builds at the same time, builds killed halfway, and what a failing source costs.

- Eight `drafter build` processes started together into one folder leave eight distinct,
  valid drafts, each process printing its own path.
- A build SIGKILLed while writing leaves a temporary file; the next build removes it.
- Drafts get the permissions the umask gives.
- A missing, corrupt or locked database of each sample system in turn: the draft is written
  (exit 1) with 【待补充】 exactly where that system's figures were, and the message says
  what happened to which source.
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from docx import Document

from drafter.cli import main
from drafter.word.manifest import read_manifest

SYSTEMS = ("enforcement", "hazards", "licensing", "disaster", "office")


def _drafter(*args: str, cwd: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "drafter.cli", *args], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def test_eight_builds_at_once_leave_eight_drafts_each_printing_its_own(sample_project_copy):
    root = sample_project_copy.parent
    processes = [_drafter("build", "-c", str(sample_project_copy), cwd=root) for _ in range(8)]
    outputs = [p.communicate(timeout=300) for p in processes]
    assert [p.returncode for p in processes] == [0] * 8, [o[1] for o in outputs]
    printed = [Path(out.strip().splitlines()[-1]) for out, _ in outputs]
    assert len(set(printed)) == 8, printed
    drafts = sorted((root / "output").glob("*.docx"))
    assert sorted(printed) == drafts  # nothing else, nothing overwritten
    for draft in drafts:
        document = Document(str(draft))
        manifest = read_manifest(document)
        assert manifest is not None and manifest.figures  # a whole draft, with its figures
    assert not [p for p in (root / "output").iterdir() if p.name.startswith(".drafter-")]


def test_a_build_killed_while_writing_leaves_a_temporary_file_the_next_build_removes(sample_project_copy):
    root = sample_project_copy.parent
    out = root / "output"
    # A build whose save hangs halfway through writing its temporary file, as a slow disk would.
    hang = (
        "import sys, time\n"
        "import drafter.word.document as document\n"
        "def half(doc, path):\n"
        "    with open(path, 'wb') as f:\n"
        "        f.write(b'PK half a zip'); f.flush()\n"
        "    time.sleep(600)\n"
        "document.save_docx = half\n"
        "from drafter.cli import main\n"
        f"sys.argv = ['drafter', 'build', '-c', {str(sample_project_copy)!r}]\n"
        "main()\n"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", hang], cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 120
        while not (out.is_dir() and [p for p in out.iterdir() if p.name.startswith(".drafter-")]):
            assert process.poll() is None and time.monotonic() < deadline, "the build never started writing"
            time.sleep(0.05)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    [stale] = [p for p in out.iterdir() if p.name.startswith(".drafter-")]
    assert str(process.pid) in stale.name  # whose it was: a later run can tell it is dead
    result = CliRunner().invoke(main, ["build", "-c", str(sample_project_copy)])
    assert result.exit_code == 0, result.output
    assert not stale.exists()
    assert [p.name for p in out.iterdir()] == [Path(result.stdout.strip()).name]


def test_a_temporary_file_of_a_live_build_is_left_alone(tmp_path):
    from drafter.outputs import _host, remove_stale_temporaries

    live = tmp_path / f".drafter-{_host()}-{os.getppid()}-abcd1234.docx.tmp"
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    gone = tmp_path / f".drafter-{_host()}-{dead.pid}-abcd1234.docx.tmp"
    old = tmp_path / ".drafter-x8k2_q.docx.tmp"  # an older drafter's, an hour and more ago
    for path in (live, gone, old):
        path.write_bytes(b"x")
    os.utime(old, (time.time() - 7200, time.time() - 7200))
    assert sorted(remove_stale_temporaries(tmp_path)) == sorted([gone, old])
    assert live.exists()


def test_a_batch_sweeps_its_output_folder_once_not_once_a_draft(tmp_path, monkeypatch):
    from drafter import outputs

    swept: list[Path] = []
    monkeypatch.setattr(outputs, "remove_stale_temporaries", lambda d, now=None: swept.append(d) or [])
    monkeypatch.setattr(outputs, "_swept", {})
    for i in range(5):
        outputs.write_new(tmp_path / f"d{i}.docx", lambda tmp: tmp.write_bytes(b"x"), what="草稿", hint="")
    outputs.write_new(tmp_path / "other" / "d.docx", lambda tmp: tmp.write_bytes(b"x"), what="草稿", hint="")
    assert swept == [tmp_path, tmp_path / "other"]
    monkeypatch.setattr(outputs, "SWEEP_EVERY", 0.0)  # a minute later: swept again
    outputs.write_new(tmp_path / "d9.docx", lambda tmp: tmp.write_bytes(b"x"), what="草稿", hint="")
    assert swept[-1] == tmp_path and len(swept) == 3
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == [f"d{i}.docx" for i in (0, 1, 2, 3, 4, 9)]


def test_a_draft_gets_the_permissions_of_the_umask(sample_project_copy):
    previous = os.umask(0o022)
    try:
        result = CliRunner().invoke(main, ["build", "-c", str(sample_project_copy)])
    finally:
        os.umask(previous)
    assert result.exit_code == 0, result.output
    draft = Path(result.stdout.strip())
    assert stat.S_IMODE(draft.stat().st_mode) == 0o644


# -- a failing source costs placeholders, never the draft -------------------------------------


def _break(db: Path, fault: str):
    """Make `db` missing, corrupt or locked; returns what must stay open while it is locked."""
    if fault == "missing":
        db.unlink()
        return None
    if fault == "corrupt":
        db.write_bytes("这不是一个数据库文件".encode() * 200)
        return None
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("BEGIN EXCLUSIVE")  # a writer in the middle of its transaction
    return conn


MESSAGES = {
    "missing": "的 SQLite 文件不存在",
    "corrupt": "的 SQLite 文件已损坏或不是 SQLite 数据库",
    "locked": "的 SQLite 文件被其他程序锁住",
}


@pytest.mark.parametrize("fault", list(MESSAGES))
@pytest.mark.parametrize("system", SYSTEMS)
def test_a_failing_system_costs_placeholders_where_its_figures_were_never_the_draft(
    sample_project, sample_draft, tmp_path, system, fault
):
    project = tmp_path / "project"
    top = sample_project.parent
    shutil.copytree(top, project, ignore=lambda d, names: [n for n in names if Path(d) == top and n.endswith(".docx")])
    config = project / "config.yaml"
    held = _break(project / "sample" / f"{system}.db", fault)
    try:
        result = CliRunner().invoke(main, ["build", "-c", str(config), "-o", str(project / "draft.docx")])
    finally:
        if held is not None:
            held.close()
    out = result.output
    assert result.exit_code == 1, out
    assert f"数据源“{system}”{MESSAGES[fault]}" in out and "处理：" in out and "Traceback" not in out
    assert "草稿已生成但不完整" in out
    if fault != "missing":
        assert "修改该文件中的 SQL" not in out  # the file is at fault, not the queries
    manifest = read_manifest(Document(str(project / "draft.docx")))
    full = read_manifest(Document(str(sample_draft)))
    assert manifest is not None and full is not None
    placeholders = [f for f in manifest.figures if (f.text or "").startswith("【待补充")]
    assert placeholders
    for figure in manifest.figures:
        sources = {s.source for s in figure.sources}
        # a placeholder where this system's figures were, every other figure as in the full draft
        assert (figure in placeholders) == (system in sources), figure
    others = [f.text for f in full.figures if system not in {s.source for s in f.sources}]
    kept = [f.text for f in manifest.figures if f not in placeholders]
    assert set(kept) <= set(others) and len(kept) >= len(others) * 0.8
