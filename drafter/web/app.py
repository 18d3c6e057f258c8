"""The web application behind `drafter serve`: 起草, 预览, 核对, 数字.

Routes only translate HTTP into calls of the library (`drafter.build`,
`drafter.check`, the figures listing, the page model of a draft) and back into
pages; what a build, a check or a figure is stays in the library.

Security, since a server is a door:
- every POST form carries a CSRF token, checked against a cookie (double submit,
  SameSite=Strict), and the Origin, when the browser sends one, must be this server;
- the Host header must be one the server was bound to (no DNS rebinding);
- a request body is cut off at the upload limit while it arrives;
- an upload is inspected (`uploads.inspect_docx`) before python-docx opens it, lives in
  a private folder (0700) and is deleted once checked;
- files are downloaded by an opaque random id that maps to a path on the server;
  no request parameter is ever used as a path;
- pages show masked source URLs only; errors are one Chinese message, never a traceback.
"""

from __future__ import annotations

import contextlib
import hmac
import logging
import secrets
import shutil
import urllib.parse
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from drafter.errors import DrafterError, DraftError
from drafter.web import pages
from drafter.web.jobs import CSV, DOCX, XLSX, CheckRecord, Workspace, new_id, period_arguments
from drafter.web.uploads import MAX_UPLOAD, UploadLimits, display_name, inspect_docx, private_dir

log = logging.getLogger("drafter.web")

CSRF_COOKIE = "drafter_csrf"
CSRF_FIELD = "csrf_token"
FORM_OVERHEAD = 64 * 1024  # multipart boundaries and the token, on top of the file
SECURITY_HEADERS = {
    "content-security-policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
}


class BodyTooLarge(Exception):
    """The request body passed the limit while it arrived."""


class BodyLimit:
    """ASGI middleware: refuse a declared Content-Length over the limit at once, and stop
    reading a body (chunked or lying) as soon as it passes the limit."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for key, value in scope.get("headers", []):
            if key == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = self.limit + 1
                if declared > self.limit:
                    await self.app(scope, _refuse_body, send)
                    return
        received = 0

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise BodyTooLarge()
            return message

        await self.app(scope, limited, send)


async def _refuse_body() -> Message:
    raise BodyTooLarge()


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                for key, value in SECURITY_HEADERS.items():
                    if key.encode() not in present:
                        headers.append((key.encode(), value.encode()))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


@dataclass
class FormField:
    """One field of the 起草 form; a project with units adds one more of these."""

    name: str
    label: str
    value: str = ""
    placeholder: str = ""
    help: str = ""
    choices: list[tuple[str, str]] | None = None


@dataclass
class Settings:
    config: Path
    max_upload: int = MAX_UPLOAD
    allowed_hosts: tuple[str, ...] = ("127.0.0.1", "localhost", "[::1]")
    workspace: Path | None = None


def create_app(
    config: str | Path = "config.yaml",
    *,
    max_upload: int = MAX_UPLOAD,
    allowed_hosts: tuple[str, ...] | None = None,
    workspace: Path | None = None,
) -> Starlette:
    """The application for the project whose config.yaml is `config`."""
    settings = Settings(Path(config).resolve(), max_upload=max_upload, workspace=workspace)
    if allowed_hosts is not None:
        settings.allowed_hosts = allowed_hosts
    space = Workspace(settings.config, workspace)
    limits = UploadLimits(max_bytes=max_upload)

    # ------------------------------------------------------------------ helpers

    def project_info() -> dict[str, Any]:
        """Agency and year of the project as config.yaml has them now (re-read: it may change)."""
        from drafter import load_config

        try:
            cfg = load_config(settings.config)
            return {
                "agency": cfg.report.agency,
                "year": cfg.report.year,
                "config": cfg,
                "period_label": cfg.period.label,
                "period_code": cfg.period.code,
            }
        except DrafterError:
            return {"agency": "", "year": "", "config": None, "period_label": "", "period_code": ""}

    def page(request: Request, template: str, active: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        token = request.cookies.get(CSRF_COOKIE)
        if not token or len(token) < 20:
            token = secrets.token_urlsafe(32)
        info = context.pop("info", None) or project_info()
        html = pages.render(template, active=active, agency=info["agency"], csrf_token=token, **context)
        response = HTMLResponse(html, status_code=status_code)
        response.set_cookie(CSRF_COOKIE, token, httponly=True, samesite="strict", path="/")
        return response

    async def verified_form(request: Request) -> Any:
        """The POSTed form once its CSRF token and origin are right; else 403."""
        origin = request.headers.get("origin")
        if origin and origin != "null":
            host = urllib.parse.urlsplit(origin).netloc
            if host != request.headers.get("host"):
                raise HTTPException(403, "请求来自其他网站，已拒绝。")
        form = await request.form(max_files=1, max_fields=20)
        cookie = request.cookies.get(CSRF_COOKIE, "")
        sent = form.get(CSRF_FIELD, "")
        if not cookie or not isinstance(sent, str) or not hmac.compare_digest(cookie.encode(), sent.encode()):
            await form.close()
            raise HTTPException(403, "表单已过期或来源不明（缺少有效的 CSRF 令牌）。请刷新页面后重试。")
        return form

    def build_fields(info: dict[str, Any], period: str = "", unit: str = "", **_other: str) -> list[FormField]:
        """The 起草 form: the period, and the unit where the project has units (config `units:`)."""
        fields = [
            FormField(
                "period",
                "报告期",
                period,
                placeholder=str(info.get("period_code") or info["year"]),
                help=f"留空即按 config.yaml 的设定（{info.get('period_label') or info['year']}）；"
                "或写期间，如 2024（年度）、2025H1、2025Q1、2025-03、2025-01-01..2025-03-31。",
            )
        ]
        units = getattr(info.get("config"), "units", None)
        if units is not None:
            # A list in config.yaml is offered as choices; units from a query are typed (listing
            # them would query the databases on every page view).
            names = (
                [u if isinstance(u, str) else str(u.get("name", "")) for u in units] if isinstance(units, list) else []
            )
            fields.append(
                FormField(
                    "unit",
                    "单位",
                    unit,
                    placeholder=names[0] if names else "单位名称",
                    help="本项目按单位起草：选择或填写一个单位，生成它的草稿。",
                    choices=[(n, n) for n in names] or None,
                )
            )
        return fields

    def figure_listing(period: str) -> Any:
        from drafter.review.listing import list_figures

        return list_figures(settings.config, **period_arguments(period, list_figures))

    # ------------------------------------------------------------------ 起草

    async def build_page(request: Request) -> Response:
        info = project_info()
        return page(
            request,
            "build.html",
            "build",
            info=info,
            fields=build_fields(info),
            jobs=list(reversed(list(space.jobs.values())))[:20],
        )

    async def start_build(request: Request) -> Response:
        form = await verified_form(request)
        info = project_info()
        values = {f.name: str(form.get(f.name) or "")[:40] for f in build_fields(info)}
        try:
            job = space.start_build(values)
        except DrafterError as exc:
            return page(
                request,
                "build.html",
                "build",
                status_code=400,
                info=info,
                error=exc,
                fields=build_fields(info, **values),
                jobs=[],
            )
        return RedirectResponse(f"/jobs/{job.id}", status_code=303)

    async def job_page(request: Request) -> Response:
        job = space.job(request.path_params["job"])
        if job is None:
            raise HTTPException(404, "找不到这次起草（服务重启后记录会清空）。")
        return page(request, "job.html", "build", job=job)

    async def job_status(request: Request) -> Response:
        job = space.job(request.path_params["job"])
        if job is None:
            return JSONResponse({"error": "找不到这次起草"}, status_code=404)
        return JSONResponse(job.status())

    # ------------------------------------------------------------------ 预览

    def other_drafts(info: dict[str, Any]) -> list[dict[str, str]]:
        """Drafts to preview: this session's builds, then the .docx files in the project's output
        folder (newest first), each by an opaque id."""
        import datetime as dt

        out = [
            {"href": f"/preview/{job.id}", "text": job.draft.name, "note": "本次起草"}
            for job in reversed(list(space.jobs.values()))
            if job.state == "done" and job.draft is not None
        ]
        config = info["config"]
        if config is not None:
            folder = config.resolve(config.output.dir)
            try:
                files = [f for f in folder.glob("*.docx") if f.is_file() and not f.name.startswith(("~$", "."))]
            except OSError:
                files = []
            files.sort(key=lambda f: f.stat().st_mtime, reverse=True)
            for f in files[:20]:
                when = dt.datetime.fromtimestamp(f.stat().st_mtime).strftime("%Y-%m-%d %H:%M")
                out.append(
                    {
                        "href": f"/preview/file/{space.offer_existing(f, DOCX)}",
                        "text": f.name,
                        "note": f"输出目录，{when}",
                    }
                )
        return out

    async def preview_latest(request: Request) -> Response:
        job = space.latest_job()
        if job is None:
            info = project_info()
            return page(request, "preview.html", "preview", info=info, view=None, others=other_drafts(info))
        return RedirectResponse(f"/preview/{job.id}", status_code=303)

    async def preview_file(request: Request) -> Response:
        from starlette.concurrency import run_in_threadpool

        from drafter.review.pageview import view_of_file

        found = space.download(request.path_params["file"])
        if found is None or found.media_type != DOCX:
            raise HTTPException(404, "找不到这份草稿（文件可能已被移走）。")
        info = project_info()

        def view_of(path: Path) -> Any:
            try:
                data = path.read_bytes()
            except OSError as exc:
                raise DraftError("无法读取这份草稿", cause=str(exc), hint="文件可能已被移走或正在被占用。") from exc
            inspect_docx(data, path.name, limits)  # a file in the output folder is opened as carefully as an upload
            return view_of_file(path, config=info["config"])

        try:
            view = await run_in_threadpool(view_of, found.path)
        except DrafterError as exc:
            return page(
                request,
                "error.html",
                "preview",
                status_code=400,
                heading="无法预览这份草稿",
                message=exc.message,
                hint=exc.hint,
            )
        links = [{"href": f"/download/{request.path_params['file']}", "text": "下载草稿", "id": "download-link"}]
        return page(
            request,
            "preview.html",
            "preview",
            info=info,
            view=view,
            heading=view.title,
            links=links,
            others=other_drafts(info),
        )

    async def preview_job(request: Request) -> Response:
        from starlette.concurrency import run_in_threadpool

        from drafter.review.pageview import view_of_file

        job = space.job(request.path_params["job"])
        if job is None or job.state != "done" or job.draft is None:
            raise HTTPException(404, "找不到这份草稿（服务重启后记录会清空）。")
        info = project_info()
        view = await run_in_threadpool(view_of_file, job.draft, config=info["config"])
        links = [{"href": f"/download/{job.download}", "text": "下载草稿", "id": "download-link"}]
        return page(
            request,
            "preview.html",
            "preview",
            info=info,
            view=view,
            heading=view.title,
            links=links,
            others=other_drafts(info),
        )

    # ------------------------------------------------------------------ 核对

    async def check_page(request: Request) -> Response:
        return page(request, "check.html", "check", max_mb=f"{max_upload / 1024 / 1024:g}")

    async def run_check(request: Request) -> Response:
        from starlette.concurrency import run_in_threadpool

        def refused(error: DrafterError, status: int = 400) -> Response:
            return page(
                request, "check.html", "check", status_code=status, error=error, max_mb=f"{max_upload / 1024 / 1024:g}"
            )

        try:
            form = await verified_form(request)
        except BodyTooLarge:
            return refused(
                DraftError(
                    f"上传的文件超过 {max_upload / 1024 / 1024:g} MB，不予接收",
                    hint="草稿一般只有几十 KB；请确认选择的文件。",
                ),
                413,
            )
        try:
            upload = form.get("draft")
            if not isinstance(upload, UploadFile) or not upload.filename:
                return refused(DraftError("没有选择文件", hint="请选择要核对的 .docx 草稿后再点“核对”。"))
            name = display_name(upload.filename)
            data = await upload.read(max_upload + 1)
            period = str(form.get("period") or "")[:40]
        finally:
            await form.close()
        try:
            record = await run_in_threadpool(check_upload, data, name, period)
        except DrafterError as exc:
            return refused(exc)
        return RedirectResponse(f"/check/{record.id}", status_code=303)

    def check_upload(data: bytes, name: str, period: str = "") -> CheckRecord:
        """Inspect, check, write the two reviewer files; the upload itself is deleted."""
        from drafter import check
        from drafter.review.annotate import annotate
        from drafter.review.checklist import write_checklist
        from drafter.review.pageview import view_of_file

        inspect_docx(data, name, limits)
        upload_dir = private_dir(space.root, prefix="upload-")
        out_dir = space.folder()
        stem = Path(name).stem or "草稿"
        try:
            draft = upload_dir / "draft.docx"
            draft.write_bytes(data)
            draft.chmod(0o600)
            try:
                report = check(draft, settings.config, **period_arguments(period, check))
                checklist = write_checklist(report, out_dir / "checklist.xlsx")
                annotated = annotate(report, out_dir / "annotated.docx")
                view = view_of_file(draft, config=project_info()["config"], report=report)
            except DraftError as exc:
                exc.path = None  # the private temporary name means nothing to the uploader
                exc.message = f"“{name}”{exc.message}" if not exc.message.startswith("“") else exc.message
                raise
        finally:
            shutil.rmtree(upload_dir, ignore_errors=True)
        record = CheckRecord(new_id(), name, view)
        record.checklist = space.offer(checklist, f"{stem}-核对清单.xlsx", XLSX)
        record.annotated = space.offer(annotated, f"{stem}-核对批注.docx", DOCX)
        space.add_check(record)
        return record

    async def check_result(request: Request) -> Response:
        record = space.check_record(request.path_params["check"])
        if record is None:
            raise HTTPException(404, "找不到这次核对（服务重启后记录会清空）。")
        links = [
            {"href": f"/download/{record.checklist}", "text": "下载核对清单（.xlsx）", "id": "checklist-link"},
            {"href": f"/download/{record.annotated}", "text": "下载批注副本（.docx）", "id": "annotated-link"},
            {"href": "/check", "text": "核对另一份"},
        ]
        return page(request, "preview.html", "check", view=record.view, heading=f"核对：{record.name}", links=links)

    # ------------------------------------------------------------------ 数字

    async def figures_page(request: Request) -> Response:
        from starlette.concurrency import run_in_threadpool

        from drafter.review.listing import HEADERS

        period = request.query_params.get("period", "")[:40]
        q = request.query_params.get("q", "")[:100]
        info = project_info()
        listing, error = None, None
        try:
            listing = await run_in_threadpool(figure_listing, period)
        except DrafterError as exc:
            error = exc
        rows = _filtered(listing.figures, q) if listing else []
        query = {k: v for k, v in (("period", period), ("q", q)) if v}
        csv_query = ("?" + urllib.parse.urlencode(query)) if query else ""
        columns = ["id", "part", "text", "value", "ref", "sources", "description", "filter"]
        return page(
            request,
            "figures.html",
            "figures",
            info=info,
            listing=listing,
            rows=rows,
            error=error,
            period=period,
            q=q,
            default_period=info["year"],
            headers=HEADERS,
            columns=columns,
            csv_query=csv_query,
            status_code=400 if error else 200,
        )

    async def figures_csv(request: Request) -> Response:
        from starlette.concurrency import run_in_threadpool

        from drafter.review.listing import FigureListing, to_csv

        period = request.query_params.get("period", "")[:40]
        q = request.query_params.get("q", "")[:100]
        try:
            listing = await run_in_threadpool(figure_listing, period)
        except DrafterError as exc:
            return page(
                request,
                "error.html",
                "figures",
                status_code=400,
                heading="无法列出数字",
                message=exc.message,
                hint=exc.hint,
            )
        shown = FigureListing(
            listing.year, listing.agency, _filtered(listing.figures, q), listing.failures, listing.period
        )
        name = f"{listing.agency}{listing.label}报告数字.csv"
        # A BOM so that Excel on Windows reads the Chinese text as UTF-8.
        return Response("\ufeff" + to_csv(shown), media_type=CSV, headers=_attachment(name))

    # ------------------------------------------------------------------ downloads

    async def download(request: Request) -> Response:
        found = space.download(request.path_params["file"])
        if found is None:
            raise HTTPException(404, "找不到要下载的文件（服务重启后临时文件会清空）。")
        return FileResponse(found.path, media_type=found.media_type, headers=_attachment(found.filename))

    # ------------------------------------------------------------------ errors

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        headings = {403: "请求被拒绝", 404: "找不到页面", 405: "不支持的请求方式", 413: "上传的文件太大"}
        detail = (
            exc.detail
            if isinstance(exc.detail, str) and not exc.detail.isascii()
            else {404: "没有这个页面。", 405: "这个地址不接受这种请求。"}.get(exc.status_code, "请求无法处理。")
        )
        return page(
            request,
            "error.html",
            "",
            status_code=exc.status_code,
            heading=headings.get(exc.status_code, "请求无法处理"),
            message=detail,
            hint=None,
        )

    async def server_error(request: Request, exc: Exception) -> Response:
        log.error("internal error on %s %s", request.method, request.url.path, exc_info=exc)
        html = pages.render(
            "error.html",
            active="",
            agency="",
            heading="服务器内部错误",
            message="处理请求时出现内部错误，未能完成。",
            hint="请稍后重试；若一再出现，请把运行 drafter serve 的终端中的信息报告给维护者。",
        )
        return HTMLResponse(html, status_code=500)

    async def too_large(request: Request, exc: Exception) -> Response:
        return page(
            request,
            "error.html",
            "",
            status_code=413,
            heading="上传的文件太大",
            message=f"请求超过 {max_upload / 1024 / 1024:g} MB，不予接收。",
            hint=None,
        )

    static = StaticFiles(packages=[("drafter.web", "static")])
    routes = [
        Route("/", build_page, methods=["GET"]),
        Route("/build", start_build, methods=["POST"]),
        Route("/jobs/{job:str}", job_page, methods=["GET"]),
        Route("/jobs/{job:str}/status", job_status, methods=["GET"]),
        Route("/preview", preview_latest, methods=["GET"]),
        Route("/preview/{job:str}", preview_job, methods=["GET"]),
        Route("/preview/file/{file:str}", preview_file, methods=["GET"]),
        Route("/check", check_page, methods=["GET"]),
        Route("/check", run_check, methods=["POST"]),
        Route("/check/{check:str}", check_result, methods=["GET"]),
        Route("/figures", figures_page, methods=["GET"]),
        Route("/figures.csv", figures_csv, methods=["GET"]),
        Route("/download/{file:str}", download, methods=["GET"]),
        Mount("/static", app=static, name="static"),
    ]
    middleware = [
        Middleware(SecurityHeaders),
        Middleware(TrustedHostMiddleware, allowed_hosts=list(settings.allowed_hosts)),
        Middleware(BodyLimit, limit=max_upload + FORM_OVERHEAD),
    ]

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            space.close()  # drafts, checklists and annotated copies of this session

    app = Starlette(
        routes=routes,
        middleware=middleware,
        lifespan=lifespan,
        exception_handlers={HTTPException: http_error, BodyTooLarge: too_large, Exception: server_error},
    )
    app.state.workspace = space
    app.state.settings = settings
    return app


def _filtered(rows: list[Any], q: str) -> list[Any]:
    words = [w.lower() for w in q.split() if w]
    if not words:
        return list(rows)
    out = []
    for row in rows:
        text = " ".join(
            str(v)
            for v in (
                row.id,
                row.part,
                row.text,
                row.value,
                row.ref,
                " ".join(row.sources),
                row.description,
                row.filter,
            )
        ).lower()
        if all(w in text for w in words):
            out.append(row)
    return out


def _attachment(filename: str) -> dict[str, str]:
    """Content-Disposition for a Chinese file name (RFC 6266 / 5987), with an ASCII fallback."""
    stem, dot, suffix = filename.rpartition(".")
    ascii_stem = "".join(ch for ch in stem if ch.isascii() and (ch.isalnum() or ch in "_-"))
    ascii_name = f"{ascii_stem or 'drafter'}{dot}{''.join(ch for ch in suffix if ch.isascii() and ch.isalnum())}"
    quoted = urllib.parse.quote(filename, safe="")
    return {"content-disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quoted}"}
