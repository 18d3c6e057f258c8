"""核对: an uploaded draft, inspected and checked in a limited worker process, and its page
with the checklist and the annotated copy to download."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lxml import etree
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from drafter.errors import DrafterError, DraftError
from drafter.web.jobs import DOCX, XLSX, CheckRecord, new_id, period_arguments
from drafter.web.security import BodyTooLarge, verified_form
from drafter.web.state import WebState, page, state
from drafter.web.uploads import UploadLimits, display_name, inspect_docx, private_dir
from drafter.web.worker import run_limited


@dataclass
class Checked:
    """What the worker hands back: the page model and the two reviewer files it wrote."""

    view: Any  # DraftView
    checklist: Path
    annotated: Path


async def check_page(request: Request) -> Response:
    return page(request, "check.html", "check", max_mb=state(request).settings.max_mb)


def _refused(request: Request, error: DrafterError, status: int = 400) -> Response:
    max_mb = state(request).settings.max_mb
    return page(request, "check.html", "check", status_code=status, error=error, max_mb=max_mb)


async def run_check(request: Request) -> Response:
    web = state(request)
    try:
        form = await verified_form(request)
    except BodyTooLarge:
        hint = "草稿一般只有几十 KB；请确认选择的文件。"
        return _refused(request, DraftError(f"上传的文件超过 {web.settings.max_mb} MB，不予接收", hint=hint), 413)
    try:
        upload = form.get("draft")
        if not isinstance(upload, UploadFile) or not upload.filename:
            return _refused(request, DraftError("没有选择文件", hint="请选择要核对的 .docx 草稿后再点“核对”。"))
        name = display_name(upload.filename)
        data = await upload.read(web.settings.max_upload + 1)
        period = str(form.get("period") or "")[:40]
    finally:
        await form.close()
    try:
        record = await run_in_threadpool(check_upload, web, data, name, period)
    except DrafterError as exc:
        return _refused(request, exc)
    return RedirectResponse(f"/check/{record.id}", status_code=303)


def check_upload(web: WebState, data: bytes, name: str, period: str = "") -> CheckRecord:
    """Inspect and check the upload in the limited worker; the upload itself is deleted."""
    # lazily: the server starts without it; loaded by the first request that needs it
    from drafter import check

    arguments = period_arguments(period, check)  # a mistyped period is refused before any work
    upload_dir = private_dir(web.workspace.root, prefix="upload-")
    out_dir = web.workspace.folder()
    try:
        draft = upload_dir / "draft.docx"
        draft.write_bytes(data)
        draft.chmod(0o600)
        del data
        checked: Checked = run_limited(
            check_in_worker, draft, name, web.settings.config, out_dir, web.limits, arguments,
            limits=web.settings.worker, name=name,
        )  # fmt: skip
    finally:
        shutil.rmtree(upload_dir, ignore_errors=True)
    stem = Path(name).stem or "草稿"
    record = CheckRecord(new_id(), name, checked.view)
    record.checklist = web.workspace.offer(checked.checklist, f"{stem}-核对清单.xlsx", XLSX)
    record.annotated = web.workspace.offer(checked.annotated, f"{stem}-核对批注.docx", DOCX)
    web.workspace.add_check(record)
    return record


def check_in_worker(
    draft: Path, name: str, config: Path, out_dir: Path, limits: UploadLimits, arguments: dict[str, Any]
) -> Checked:
    """In the worker process: inspect the bytes, check the draft, write the reviewer files."""
    # lazily: the server starts without it; loaded by the first request that needs it
    from drafter import check, load_config
    from drafter.review.annotate import annotate
    from drafter.review.checklist import write_checklist
    from drafter.review.pageview import view_of_file

    inspect_docx(draft.read_bytes(), name, limits)
    try:
        report = check(draft, config, **arguments)
        checklist = write_checklist(report, out_dir / "checklist.xlsx")
        annotated = annotate(report, out_dir / "annotated.docx")
        view = view_of_file(draft, config=load_config(config), report=report)
    except DraftError as exc:
        # Every part parsed in the inspection; a parse that fails now (lxml says "unknown error"
        # when it cannot allocate) is the worker's memory limit, not a broken file.
        if isinstance(exc.__cause__, (MemoryError, etree.XMLSyntaxError)):
            raise MemoryError from exc
        exc.path = None  # the private temporary name means nothing to the uploader
        exc.message = exc.message if exc.message.startswith("“") else f"“{name}”{exc.message}"
        raise
    return Checked(view, checklist, annotated)


async def check_result(request: Request) -> Response:
    record = state(request).workspace.check_record(request.path_params["check"])
    if record is None:
        raise HTTPException(404, "找不到这次核对（服务重启后记录会清空）。")
    links = [
        {"href": f"/download/{record.checklist}", "text": "下载核对清单（.xlsx）", "id": "checklist-link"},
        {"href": f"/download/{record.annotated}", "text": "下载批注副本（.docx）", "id": "annotated-link"},
        {"href": "/check", "text": "核对另一份"},
    ]
    return page(request, "preview.html", "check", view=record.view, heading=f"核对：{record.name}", links=links)
