"""起草: the form, a build started in the background, its progress page and status."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from drafter.errors import DrafterError
from drafter.web.security import verified_form
from drafter.web.state import ProjectInfo, page, project_info, state


@dataclass
class FormField:
    """One field of the 起草 form; a project with units adds one more of these."""

    name: str
    label: str
    value: str = ""
    placeholder: str = ""
    help: str = ""
    choices: list[tuple[str, str]] | None = None
    checkbox: bool = False  # an option of the build (value "1" when ticked), not a library argument


def build_fields(info: ProjectInfo, period: str = "", unit: str = "", pdf: str = "", **_other: str) -> list[FormField]:
    """The 起草 form: the period, the unit where the project has units (config `units:`), and
    the PDF option (`drafter build --pdf`)."""
    fields = [
        FormField(
            "period",
            "报告期",
            period,
            placeholder=str(info.period_code or info.year),
            help=f"留空即按 config.yaml 的设定（{info.period_label or info.year}）；"
            "或写期间，如 2024（年度）、2025H1、2025Q1、2025-03、2025-01-01..2025-03-31。",
        )
    ]
    units = getattr(info.config, "units", None)
    if units is not None:
        fields.append(_unit_field(units, unit))
    fields.append(
        FormField(
            "pdf",
            "同时生成 PDF",
            pdf,
            help="在草稿旁另生成一份 PDF，便于打印和传阅（需要本机装有 LibreOffice，字体嵌入 PDF）；"
            "没有 LibreOffice 时照常生成草稿，并说明原因。",
            checkbox=True,
        )
    )
    return fields


def _unit_field(units: object, unit: str) -> FormField:
    # A list in config.yaml is offered as choices; units from a query are typed (listing
    # them would query the databases on every page view).
    names = [u if isinstance(u, str) else str(u.get("name", "")) for u in units] if isinstance(units, list) else []
    return FormField(
        "unit",
        "单位",
        unit,
        placeholder=names[0] if names else "单位名称",
        help="本项目按单位起草：选择或填写一个单位，生成它的草稿。",
        choices=[(n, n) for n in names] or None,
    )


async def build_page(request: Request) -> Response:
    info = project_info(state(request).settings)
    jobs = list(reversed(list(state(request).workspace.jobs.values())))[:20]
    return page(request, "build.html", "build", info=info, fields=build_fields(info), jobs=jobs)


async def start_build(request: Request) -> Response:
    form = await verified_form(request)
    info = project_info(state(request).settings)
    fields = build_fields(info)
    values = {f.name: str(form.get(f.name) or "")[:40] for f in fields}
    options = {f.name for f in fields if f.checkbox}
    try:
        job = state(request).workspace.start_build(
            {k: v for k, v in values.items() if k not in options}, pdf=bool(values["pdf"])
        )
    except DrafterError as exc:
        fields = build_fields(info, **values)
        return page(request, "build.html", "build", status_code=400, info=info, error=exc, fields=fields, jobs=[])
    return RedirectResponse(f"/jobs/{job.id}", status_code=303)


async def job_page(request: Request) -> Response:
    job = state(request).workspace.job(request.path_params["job"])
    if job is None:
        raise HTTPException(404, "找不到这次起草（服务重启后记录会清空）。")
    return page(request, "job.html", "build", job=job)


async def job_status(request: Request) -> Response:
    job = state(request).workspace.job(request.path_params["job"])
    if job is None:
        return JSONResponse({"error": "找不到这次起草"}, status_code=404)
    return JSONResponse(job.status())
