"""What the server keeps between requests: builds in progress, files to download, checks done.

Every file the server writes lives in one private workspace (mode 0700, removed
when the server stops), each build or check in its own subfolder, so two people
pressing 起草 at once get two drafts. A file is handed out by an opaque random id
mapped here to its path: no request parameter ever names a path.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import inspect
import logging
import secrets
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from drafter.errors import ConfigError, DrafterError
from drafter.project.period import MAX_YEAR, MIN_YEAR, as_period
from drafter.project.settings import default_output
from drafter.web.uploads import private_dir

log = logging.getLogger("drafter.web")

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"
PDF = "application/pdf"


def new_id() -> str:
    return secrets.token_urlsafe(16)


def period_arguments(text: str, build_function: Callable[..., Any]) -> dict[str, Any]:
    """The build's keyword arguments for the period typed in the form.

    Empty: the project's own period. Where the library takes a `period` (2025, 2025H1, 2025Q1,
    2025-03, a date range), it is read here, so a mistyped one is refused with the form;
    otherwise it must be a year."""
    text = (text or "").strip()
    if not text:
        return {}
    if "period" in inspect.signature(build_function).parameters:
        try:
            return {"period": as_period(text)}
        except ConfigError as exc:
            raise ConfigError(
                f"“{text[:40]}”不是有效的报告期间",
                cause=exc.message,
                hint="写法如 2025（年度）、2025H1、2025Q1、2025-03 或 2025-01-01..2025-03-31。",
            ) from exc

    if not (text.isdigit() and len(text) == 4 and MIN_YEAR <= int(text) <= MAX_YEAR):
        raise ConfigError(
            f"“{text[:40]}”不是有效的报告年度", hint=f"请写 {MIN_YEAR}–{MAX_YEAR} 之间的四位数字年份，如 2025。"
        )
    return {"year": int(text)}


def form_arguments(values: dict[str, str], build_function: Callable[..., Any]) -> dict[str, Any]:
    """The build's keyword arguments for the 起草 form: the period as `period_arguments` reads
    it, any other field (a unit, where the project has units) by its name, given as typed to a
    library that takes it; the library validates the values."""
    values = dict(values)
    arguments = period_arguments(values.pop("period", ""), build_function)
    accepted = inspect.signature(build_function).parameters
    for name, text in values.items():
        if not (text or "").strip():
            continue
        if name not in accepted:
            raise ConfigError(f"这个版本的 drafter 不支持按“{name}”起草", hint="留空该项后重试。")
        arguments[name] = text.strip()
    return arguments


def accepted_by(function: Callable[..., Any], arguments: dict[str, Any]) -> dict[str, Any]:
    """The arguments `function` takes."""
    parameters = inspect.signature(function).parameters
    return {k: v for k, v in arguments.items() if k in parameters}


@dataclass
class Download:
    path: Path
    filename: str  # what the browser saves it as
    media_type: str


@dataclass
class Job:
    """One build started from the 起草 page."""

    id: str
    period: str
    folder: Path
    state: str = "running"  # running, done, failed
    stage: str = "准备"
    done: int = 0
    total: int = 0
    started: float = field(default_factory=time.perf_counter)
    elapsed: float | None = None
    error: str | None = None  # the message shown when the build failed
    messages: list[dict[str, str]] = field(default_factory=list)  # level, text
    placeholders: list[dict[str, str]] = field(default_factory=list)
    download: str | None = None  # id of the draft's download
    draft: Path | None = None
    year: Any = None
    label: str = ""  # the period's label: 2025年度, 2025年第一季度
    figure_count: int = 0
    pdf_wanted: bool = False  # 同时生成 PDF was ticked
    pdf: Path | None = None
    pdf_download: str | None = None  # id of the PDF's download
    pdf_error: str | None = None  # why there is no PDF (LibreOffice missing, conversion failed)

    def status(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "state": self.state,
            "stage": self.stage,
            "done": self.done,
            "total": self.total,
            "elapsed": round(self.elapsed if self.elapsed is not None else time.perf_counter() - self.started, 1),
            "error": self.error,
            "messages": self.messages,
            "placeholders": self.placeholders,
            "download": f"/download/{self.download}" if self.download else None,
            "preview": f"/preview/{self.id}" if self.state == "done" else None,
            "filename": self.draft.name if self.draft else None,
            "pdf": f"/download/{self.pdf_download}" if self.pdf_download else None,
            "pdf_error": self.pdf_error,
            "year": self.year,
            "label": self.label,
            "figures": self.figure_count,
        }


@dataclass
class CheckRecord:
    """One uploaded draft, checked: its page and the two reviewer files."""

    id: str
    name: str
    view: Any  # DraftView
    checklist: str | None = None  # download ids
    annotated: str | None = None
    created: dt.datetime = field(default_factory=dt.datetime.now)


class Workspace:
    """The server's state; thread-safe."""

    def __init__(self, config: Path, root: Path | None = None, *, max_jobs: int = 50, keep: int = 100) -> None:
        self.config = config
        self._root = root  # made on first use, so an app that never serves leaves nothing behind
        self.max_jobs = max_jobs
        self.keep = keep  # finished builds and checks kept (with their files); older ones are removed
        self.jobs: dict[str, Job] = {}
        self.checks: dict[str, CheckRecord] = {}
        self.downloads: dict[str, Download] = {}
        self._lock = threading.Lock()
        self._root_lock = threading.Lock()

    @property
    def root(self) -> Path:
        with self._root_lock:
            if self._root is None:
                self._root = private_dir(prefix="drafter-serve-")
            return self._root

    def close(self) -> None:
        if self._root is not None:
            shutil.rmtree(self._root, ignore_errors=True)

    def folder(self) -> Path:
        return private_dir(self.root, prefix="")

    def offer(self, path: Path, filename: str, media_type: str) -> str:
        ident = new_id()
        with self._lock:
            self.downloads[ident] = Download(path, filename, media_type)
        return ident

    def offer_existing(self, path: Path, media_type: str) -> str:
        """The id of a file the project already has (a draft in its output folder): the same id
        each time it is listed."""
        with self._lock:
            for ident, found in self.downloads.items():
                if found.path == path and found.media_type == media_type:
                    return ident
            ident = new_id()
            self.downloads[ident] = Download(path, path.name, media_type)
            return ident

    def download(self, ident: str) -> Download | None:
        with self._lock:
            found = self.downloads.get(ident)
        return found if found is not None and found.path.is_file() else None

    def job(self, ident: str) -> Job | None:
        with self._lock:
            return self.jobs.get(ident)

    def latest_job(self) -> Job | None:
        with self._lock:
            done = [j for j in self.jobs.values() if j.state == "done"]
        return done[-1] if done else None

    def check_record(self, ident: str) -> CheckRecord | None:
        with self._lock:
            return self.checks.get(ident)

    def add_check(self, record: CheckRecord) -> None:
        with self._lock:
            self.checks[record.id] = record
            self._prune()

    def _prune(self) -> None:
        """Forget the oldest finished builds and checks beyond `keep`, and delete their files
        (a long-running server does not fill the disk). Called with the lock held."""
        for records in (self.jobs, self.checks):
            finished = [k for k, r in records.items() if getattr(r, "state", "done") != "running"]
            for key in finished[: max(0, len(finished) - self.keep)]:
                record = records.pop(key)
                gone: set[str] = {
                    d
                    for d in (
                        getattr(record, "download", None),
                        getattr(record, "pdf_download", None),
                        getattr(record, "checklist", None),
                        getattr(record, "annotated", None),
                    )
                    if isinstance(d, str)
                }
                folders = {self.downloads[d].path.parent for d in gone if d in self.downloads}
                folders |= {record.folder} if isinstance(record, Job) else set()
                for d in gone:
                    self.downloads.pop(d, None)
                for folder in folders:
                    if folder.parent == self.root:
                        shutil.rmtree(folder, ignore_errors=True)

    # ------------------------------------------------------------------ builds

    def start_build(
        self, values: dict[str, str], build_function: Callable[..., Any] | None = None, *, pdf: bool = False
    ) -> Job:
        """Read the form's values (period, …), then build in a background thread; the job to poll.
        `pdf`: a PDF beside the draft too, as `drafter build --pdf` writes it."""
        # lazily: the server starts without it; loaded by the first request that needs it
        from drafter import build as library_build

        build_function = build_function or library_build
        values = dict(values)
        unit = (values.pop("unit", "") or "").strip()  # one unit's draft: the library's build_units
        arguments = form_arguments(values, build_function)
        period = values.get("period", "")
        with self._lock:
            running = sum(1 for j in self.jobs.values() if j.state == "running")
            if running >= self.max_jobs:
                raise DrafterError("同时进行的起草太多，请稍后再试", hint=f"最多同时 {self.max_jobs} 个。")
            self._prune()
            job = Job(new_id(), period.strip(), self.folder(), pdf_wanted=pdf)
            self.jobs[job.id] = job
        thread = threading.Thread(
            target=self._run_unit_build if unit else self._run_build,
            args=(job, unit, arguments) if unit else (job, build_function, arguments),
            name=f"drafter-build-{job.id[:6]}",
            daemon=True,
        )
        thread.start()
        return job

    def _run_build(self, job: Job, build_function: Callable[..., Any], arguments: dict[str, Any]) -> None:
        # lazily: the server starts without it; loaded by the first request that needs it
        from drafter.pipeline.validate import validate

        with _running(job):
            # The one validation pass the build makes too: its errors stop the build with the same
            # message; its warnings (rule findings, such as a query no template uses) are shown.
            validation = validate(self.config, **accepted_by(validate, arguments))
            validation.raise_first_error()
            assert validation.config is not None
            findings = [
                {"level": "finding", "text": f"规则检查：{f.render()}"}
                for f in validation.findings
                if f.severity != "error"
            ]
            job.total = len(validation.queries)
            job.stage = "查询数据库"
            output = job.folder / default_output(validation.config).name

            def advance(_name: str) -> None:
                job.done += 1
                if job.done >= job.total:
                    job.stage = "生成文档"

            result = build_function(self.config, output=output, on_query_done=advance, **arguments)
            job.year = result.year
            job.label = result.period.label
            job.figure_count = len(result.registry)
            job.messages = build_messages(result) + findings
            job.placeholders = [
                {"ref": occ.ref, "id": occ.id, "reason": occ.reason or "", "where": occ.where}
                for occ in result.placeholders
            ]
            self._finish(job, result.path)

    def _run_unit_build(self, job: Job, unit: str, arguments: dict[str, Any]) -> None:
        """One unit's draft (`drafter build --unit NAME`), into the job's private folder."""
        # lazily: the server starts without it; loaded by the first request that needs it
        from drafter.pipeline.build import build_units

        with _running(job):
            job.stage = "查询数据库"
            result = build_units(self.config, units=[unit], directory=job.folder, **arguments)
            [outcome] = result.outcomes
            job.year = result.year
            job.label = f"{result.period_label} {outcome.unit}"
            if outcome.path is None:
                raise DrafterError(f"单位“{outcome.unit}”的草稿未能生成", cause=outcome.error)
            job.figure_count = outcome.figures
            job.messages = [
                {"level": "warning", "text": f"警告：查询 {name} 出错，其数字以【待补充】占位。"}
                for name in outcome.broken
            ]
            job.messages += [{"level": "warning", "text": f"警告：{text}"} for text in outcome.warnings]
            job.messages += [{"level": "warning", "text": f"一致性规则未通过：{text}"} for text in outcome.findings]
            job.placeholders = [
                {"ref": text.split("：", 1)[0], "id": "", "reason": text.split("：", 1)[-1], "where": ""}
                for text in outcome.placeholders
            ]
            if outcome.placeholders:
                job.messages.append(placeholder_message(len(outcome.placeholders)))
            self._finish(job, outcome.path)

    def _finish(self, job: Job, draft: Path) -> None:
        """The draft offered for download, and its PDF where one was asked for: then done."""
        job.draft = draft
        job.download = self.offer(draft, draft.name, DOCX)
        if job.pdf_wanted:
            job.stage = "生成 PDF"
            self._write_pdf(job, draft)
        job.stage = "完成"
        job.state = "done"

    def _write_pdf(self, job: Job, draft: Path) -> None:
        """`build --pdf` for the job's draft: the PDF beside it in the job's folder, offered by id;
        without LibreOffice (or if the conversion fails) the reason, and the draft stays offered."""
        # lazily: the server starts without it; loaded by the first request that needs it
        from drafter.word.pdf import PdfUnavailable, write_pdf

        try:
            job.pdf = write_pdf(draft)
        except PdfUnavailable as exc:
            job.pdf_error = str(exc)
            return
        except OSError as exc:  # the disk, not the document: still no reason to lose the draft
            log.exception("PDF of build %s failed", job.id)
            job.pdf_error = (
                f"没有生成 PDF：写入文件失败（{exc.strerror or type(exc).__name__}）。草稿 .docx 已照常生成。"
            )
            return
        job.pdf_download = self.offer(job.pdf, job.pdf.name, PDF)
        job.messages += [{"level": "info", "text": line} for line in self._font_line()]

    def _font_line(self) -> list[str]:
        """The line `build --pdf` prints on the 公文 fonts the PDF used or replaced."""
        # lazily: the server starts without it; loaded by the first request that needs it
        from drafter.word.fonts import project_font_summary

        line = project_font_summary(self.config)
        return [line] if line is not None else []


@contextlib.contextmanager
def _running(job: Job) -> Iterator[None]:
    """A build in its thread: an error becomes the job's message (a traceback only in the
    server's log), and its time is kept either way."""
    try:
        yield
    except DrafterError as exc:
        job.error = exc.render()
        job.state = "failed"
        job.stage = "失败"
    except Exception as exc:
        log.exception("build %s failed", job.id)
        job.error = f"起草时出现内部错误，未能完成（{type(exc).__name__}）。请把服务器终端中的信息报告给维护者。"
        job.state = "failed"
        job.stage = "失败"
    finally:
        job.elapsed = time.perf_counter() - job.started


def placeholder_message(count: int) -> dict[str, str]:
    return {
        "level": "placeholder",
        "text": f"草稿中有 {count} 处【待补充】（已黄色标出），补齐数据后重新起草，或由编辑填写。",
    }


def build_messages(result: Any) -> list[dict[str, str]]:
    """The build's messages as `drafter build` prints them: failures, warnings, findings."""
    messages: list[dict[str, str]] = []
    groups: dict[int, tuple[DrafterError, list[str]]] = {}
    for failure in result.failures:
        groups.setdefault(id(failure.error), (failure.error, []))[1].append(failure.spec.name)
    for error, names in groups.values():
        which = f"（查询 {'、'.join(names)}）" if len(names) > 1 else ""
        messages.append({"level": "warning", "text": f"警告{which}：{error.render()}"})
    for warning in result.warnings:
        messages.append({"level": "warning", "text": f"警告：{warning}"})
    for finding in getattr(result, "findings", None) or []:  # rule findings, where the library has them
        text = finding.render() if hasattr(finding, "render") else str(finding)
        messages.append({"level": "finding", "text": text})
    if result.placeholders:
        messages.append(placeholder_message(len(result.placeholders)))
    broken = result.broken_queries
    if broken:
        messages.append(
            {
                "level": "error",
                "text": f"草稿已生成但不完整：{len(broken)} 条查询出错（见上面的警告），其数字以【待补充】占位。",
            }
        )
    return messages
