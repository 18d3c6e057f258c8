"""预览: a draft of this session's builds or of the project's output folder, as a page."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from drafter.errors import DrafterError, DraftError
from drafter.project.config import load_config
from drafter.web.jobs import DOCX, Workspace
from drafter.web.state import ProjectInfo, error_page, page, project_info, state
from drafter.web.uploads import UploadLimits, inspect_docx
from drafter.web.worker import run_limited


def other_drafts(space: Workspace, info: ProjectInfo) -> list[dict[str, str]]:
    """Drafts to preview: this session's builds, then the .docx files in the project's output
    folder (newest first), each by an opaque id."""
    out = [
        {"href": f"/preview/{job.id}", "text": job.draft.name, "note": "本次起草"}
        for job in reversed(list(space.jobs.values()))
        if job.state == "done" and job.draft is not None
    ]
    if info.config is not None:
        out += [_output_entry(space, f) for f in _output_drafts(info.config.resolve(info.config.output.dir))]
    return out


def _output_drafts(folder: Path) -> list[Path]:
    try:
        files = [f for f in folder.glob("*.docx") if f.is_file() and not f.name.startswith(("~$", "."))]
    except OSError:
        return []
    return sorted(files, key=lambda f: f.stat().st_mtime, reverse=True)[:20]


def _output_entry(space: Workspace, path: Path) -> dict[str, str]:
    when = dt.datetime.fromtimestamp(path.stat().st_mtime).strftime("%Y-%m-%d %H:%M")
    return {"href": f"/preview/file/{space.offer_existing(path, DOCX)}", "text": path.name, "note": f"输出目录，{when}"}


def _preview(request: Request, info: ProjectInfo, view: Any, download: str) -> Response:
    links = [{"href": f"/download/{download}", "text": "下载草稿", "id": "download-link"}]
    others = other_drafts(state(request).workspace, info)
    return page(
        request, "preview.html", "preview", info=info, view=view, heading=view.title, links=links, others=others
    )


async def preview_latest(request: Request) -> Response:
    job = state(request).workspace.latest_job()
    if job is None:
        info = project_info(state(request).settings)
        others = other_drafts(state(request).workspace, info)
        return page(request, "preview.html", "preview", info=info, view=None, others=others)
    return RedirectResponse(f"/preview/{job.id}", status_code=303)


def view_of_output_file(path: Path, config_path: Path, limits: UploadLimits) -> Any:
    """The page model of a file in the output folder, opened as carefully as an upload (in
    the limited worker: `run_limited`)."""
    # lazily: the server starts without it; loaded by the first request that needs it
    from drafter.review.pageview import view_of_file

    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DraftError("无法读取这份草稿", cause=str(exc), hint="文件可能已被移走或正在被占用。") from exc
    inspect_docx(data, path.name, limits)
    try:
        config = load_config(config_path)
    except DrafterError:
        config = None
    return view_of_file(path, config=config)


async def preview_file(request: Request) -> Response:
    web = state(request)
    found = web.workspace.download(request.path_params["file"])
    if found is None or found.media_type != DOCX:
        raise HTTPException(404, "找不到这份草稿（文件可能已被移走）。")
    info = project_info(web.settings)
    try:
        view = await run_in_threadpool(
            run_limited,
            view_of_output_file,
            found.path,
            web.settings.config,
            web.limits,
            limits=web.settings.worker,
            name=found.path.name,
        )
    except DrafterError as exc:
        return error_page(request, "preview", "无法预览这份草稿", exc)
    return _preview(request, info, view, request.path_params["file"])


async def preview_job(request: Request) -> Response:
    # lazily: the server starts without it; loaded by the first request that needs it
    from drafter.review.pageview import view_of_file

    job = state(request).workspace.job(request.path_params["job"])
    if job is None or job.state != "done" or job.draft is None or job.download is None:
        raise HTTPException(404, "找不到这份草稿（服务重启后记录会清空）。")
    info = project_info(state(request).settings)
    view = await run_in_threadpool(view_of_file, job.draft, config=info.config)
    return _preview(request, info, view, job.download)
