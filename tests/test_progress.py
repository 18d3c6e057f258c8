"""The progress display: on a terminal, after a moment, gone at the end; never in captured output."""

from __future__ import annotations

import io
import threading
import time

from click.testing import CliRunner

from drafter.cli import main
from drafter.progress import Progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_nothing_is_shown_when_stderr_is_not_a_terminal():
    stream = io.StringIO()
    with Progress("查询数据库", stream=stream, delay=0.01) as progress:
        time.sleep(0.1)
        progress.advance("q1")
    assert not progress.enabled and not progress.shown
    assert stream.getvalue() == ""


def test_a_quick_job_shows_nothing_even_on_a_terminal():
    stream = Terminal()
    with Progress("查询数据库", stream=stream, delay=0.5) as progress:
        progress.advance("q1")
    assert progress.enabled and not progress.shown
    assert stream.getvalue() == ""


def test_a_slow_job_shows_its_count_and_last_item_from_any_thread():
    stream = Terminal()
    with Progress("查询数据库", stream=stream, delay=0.05) as progress:
        workers = [threading.Thread(target=progress.advance, args=(f"q{i}",)) for i in range(5)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        time.sleep(0.4)
        assert progress.shown
    assert progress.completed == 5
    out = stream.getvalue()
    assert "查询数据库" in out and "5 个查询" in out


def test_the_build_command_prints_no_progress_into_captured_output(sample_project, tmp_path):
    result = CliRunner().invoke(main, ["build", "-c", str(sample_project), "-o", str(tmp_path / "d.docx")])
    assert result.exit_code == 0, result.output
    assert "查询数据库" not in result.output and "\x1b[" not in result.output
