"""The `drafter` command: parse arguments, call one library function, print the result.

Errors from the library (`DrafterError`) are printed as one message in Chinese,
never a traceback (`--debug` shows one). Exit codes: 0 success, 1 findings or a
failed build, 2 bad usage or input.
"""

from __future__ import annotations

import contextlib
import functools
import re
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from drafter import __version__
from drafter.errors import DrafterError
from drafter.lowgc import paused_gc
from drafter.outcome import (
    ExitCode,
    batch_check_exit_code,
    batch_refresh_exit_code,
    build_exit_code,
    check_exit_code,
    lint_exit_code,
    refresh_exit_code,
    units_exit_code,
)
from drafter.progress import Progress
from drafter.project.period import (
    MAX_YEAR,
    MIN_YEAR,
    Period,
    PeriodError,
    as_period,
)

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = ExitCode.OK, ExitCode.FINDINGS, ExitCode.USAGE


class YearType(click.ParamType):
    name = "年份"

    def convert(self, value, param, ctx):
        if isinstance(value, int):
            return value

        text = str(value).strip()
        if not (text.isdigit() and len(text) == 4 and MIN_YEAR <= int(text) <= MAX_YEAR):
            self.fail(f"“{value}”不是有效的年份，请写 {MIN_YEAR}–{MAX_YEAR} 之间的四位数字，如 2025", param, ctx)
        return int(text)


class PeriodType(click.ParamType):
    name = "期间"

    def convert(self, value, param, ctx):
        if isinstance(value, Period):
            return value
        try:
            return Period.parse(str(value))
        except PeriodError as exc:
            self.fail(str(exc), param, ctx)


def _one_period(year, period):
    """`--period`, or `--year` as the short form of a year period; not both."""
    if year is not None and period is not None:
        raise click.UsageError("--year 和 --period 只能用一个（--year 2025 就是 --period 2025）")
    return period


class SourceOverride(click.ParamType):
    name = "名称=URL"

    def convert(self, value, param, ctx):
        if isinstance(value, tuple):
            return value
        # lazily: masking parses URLs with SQLAlchemy, too heavy for `drafter --help`
        from drafter.masking import mask_userinfo, remember

        name, sep, url = str(value).partition("=")
        remember(url if sep else str(value))
        if not sep or not re.fullmatch(r"[A-Za-z_][\w-]*", name.strip()) or not url.strip():
            self.fail(
                f"“{mask_userinfo(str(value))}”格式不对，应写成 名称=URL（名称是 config.yaml 中 sources: 下的名称），"
                "如 enforcement=postgresql+psycopg://user@host/db",
                param,
                ctx,
            )
        return name.strip(), url.strip()


def _err(text: str) -> None:
    # lazily: masking parses URLs with SQLAlchemy, too heavy for `drafter --help`
    from drafter.masking import scrub_known

    click.echo(scrub_known(text), err=True)


def _print_traceback() -> None:
    """--debug: the traceback for a maintainer, passwords masked like everywhere else."""
    _err(traceback.format_exc().rstrip())


def handle_errors(fn: Callable) -> Callable:
    """Turn library errors into one message and an exit code."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        ctx = click.get_current_context()
        debug = ctx.find_root().params.get("debug", False)
        try:
            return fn(*args, **kwargs)
        except DrafterError as exc:
            if debug:
                _print_traceback()
            _err(f"错误：{exc.render()}")
            ctx.exit(exc.exit_code)
        except KeyboardInterrupt:
            _err("已中断。")
            ctx.exit(130)
        except click.exceptions.Exit:
            raise
        except click.ClickException:
            raise
        except Exception as exc:
            if debug:
                _print_traceback()
            _err(f"内部错误：{type(exc).__name__}: {exc}\n处理：请加 --debug 重新运行，并把输出报告给维护者。")
            ctx.exit(EXIT_FINDINGS)

    return wrapper


config_option = click.option(
    "--config",
    "-c",
    "config_path",
    type=click.Path(path_type=Path),
    default=Path("config.yaml"),
    show_default=True,
    help="配置文件路径。",
)
year_option = click.option(
    "--year", "-y", type=YearType(), default=None, help="报告年度，即 --period 年份的简写（缺省取配置中的期间）。"
)
period_option = click.option(
    "--period",
    "-p",
    type=PeriodType(),
    default=None,
    help="报告期间：2025（年度）、2025H1（半年）、2025Q1（季度）、2025-03（月）、"
    "2025-01-01..2025-03-31（日期范围）；缺省按 config.yaml 的 report.period / report.year。",
)
source_option = click.option(
    "--source",
    "-s",
    "source_overrides",
    type=SourceOverride(),
    multiple=True,
    help="临时改写数据源：名称=URL，可多次使用（也可用环境变量 DRAFTER_SOURCE_<名称>）。",
)


# Click's own usage messages, in Chinese (the patterns of click 8).
_USAGE_IN_CHINESE = [
    (
        r"No such option:? '?([^'\s]+?)'?\.? \(Did you mean one of: (.*)\?\)$",
        lambda m: (
            f"没有选项 {m[1]}，是否想写 {_closest(m[1], re.findall(chr(39) + '([^' + chr(39) + ']+)' + chr(39), m[2]))}？"
        ),
    ),
    (
        r"No such option:? '?([^'\s]+?)'?\.?(?: Did you mean '?([^'\s]+?)'?\?)?(?: \(Possible options: .*\))?$",
        lambda m: f"没有选项 {m[1]}" + (f"，是否想写 {m[2]}？" if m[2] else "。"),
    ),
    (
        r"No such command '([^']+)'\. \(Did you mean one of: (.*)\?\)$",
        lambda m: (
            f"没有命令 {m[1]}，是否想写 {_closest(m[1], re.findall(chr(39) + '([^' + chr(39) + ']+)' + chr(39), m[2]))}？"
        ),
    ),
    (
        r"No such command '([^']+)'\.(?: Did you mean '([^']+)'\?)?$",
        lambda m: f"没有命令 {m[1]}" + (f"，是否想写 {m[2]}？" if m[2] else "。"),
    ),
    (r"Missing argument '([^']+)'\.?$", lambda m: f"缺少参数 {m[1]}。"),
    (r"Missing option '([^']+)'\.?$", lambda m: f"缺少选项 {m[1]}。"),
    (r"Option '([^']+)' requires an argument\.?$", lambda m: f"选项 {m[1]} 后面要写一个值。"),
    (r"Got unexpected extra arguments? \((.*)\)$", lambda m: f"多余的参数：{m[1]}。"),
    (
        r"Invalid value for (.+?): '(.*)' is not one of (.*)\.$",
        lambda m: (
            f"{m[1].replace(chr(39), '')} 的值“{m[2]}”无效，可选：{m[3].replace(chr(39), '').replace(', ', '、')}。"
        ),
    ),
    (r"Invalid value for (.+?): (.*)$", lambda m: f"{m[1].replace(chr(39), '')} 的值有误：{m[2]}"),
]


def _closest(typed: str, choices: list[str]) -> str:
    """The one of click's suggestions nearest to what was typed."""
    import difflib

    return max(choices, key=lambda c: difflib.SequenceMatcher(None, typed, c).ratio()) if choices else ""


def _usage_in_chinese(message: str) -> str:

    for pattern, say in _USAGE_IN_CHINESE:
        match = re.match(pattern, message, re.S)
        if match:
            return say(match)
    return message


class _DrafterGroup(click.Group):
    """Prints a mistake on the command line as one message in Chinese (exit 2), as the
    library's errors are printed, instead of click's English usage block."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        try:
            rv = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.UsageError as exc:
            command = exc.ctx.command_path if exc.ctx is not None else "drafter"
            _err(f"错误：{_usage_in_chinese(exc.format_message())}\n处理：运行 {command} --help 查看用法。")
            sys.exit(EXIT_USAGE)
        except click.ClickException as exc:
            exc.show()
            sys.exit(exc.exit_code)
        except click.Abort:
            _err("已中止。")
            sys.exit(EXIT_FINDINGS)
        sys.exit(rv if isinstance(rv, int) else EXIT_OK)


@click.group(cls=_DrafterGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", "-V", message="drafter %(version)s")
@click.option("--debug", is_flag=True, help="出错时显示完整的技术细节（traceback）。")
def main(debug: bool) -> None:
    """drafter：从部门数据库生成年度、季度、月度等统计报告的 Word 草稿。

    \b
    常用命令：
      drafter init 文件夹 --agency 机关名称   新建一个项目
      drafter sample create   生成示例数据库（sample/*.db）
      drafter build           生成草稿 .docx
      drafter check 草稿.docx  核对修改过的草稿与数据库是否一致
      drafter refresh 草稿.docx  数据变了：写出数字更新过的副本（保留编辑的修改）
      drafter figures         列出报告中的全部数字及其来源
      drafter lint            检查配置、查询和模板（不连数据库）
      drafter sources         检查各数据源：只读、时限、账号权限
      drafter serve           启动本机网页界面（起草、预览、核对、数字）
    """


@dataclass(frozen=True)
class BuildRequest:
    """What `drafter build` was asked, the same for one draft and for many units (black's
    `Mode` is the model): one object, so that an option cannot work on one path only."""

    config_path: Path
    period: Any
    output: Path | None
    sources: dict[str, str]
    force: bool
    strict: bool
    preview: bool
    comments: bool
    pdf: bool
    units: tuple[str, ...] | None  # None: the whole report; () with --each: every unit
    jobs: int | None

    def library_options(self) -> dict[str, Any]:
        return {"period": self.period, "sources": self.sources, "force": self.force, "strict": self.strict}


@main.command()
@config_option
@year_option
@period_option
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path),
    default=None,
    help="输出文件路径（缺省：output/ 下以报告命名）；按单位生成时是草稿所在的目录。",
)
@source_option
@click.option("--force", is_flag=True, help="输出文件已存在时直接覆盖（缺省：另存为 -2、-3 …）。")
@click.option("--strict", is_flag=True, help="有数字无法计算或一致性规则未通过时报错，不生成草稿。")
@click.option(
    "--preview", is_flag=True, help="另外把各页渲染成 PNG 图片（需要 LibreOffice），放在草稿旁的“-预览”目录。"
)
@click.option("--pdf", is_flag=True, help="另外在草稿旁生成 PDF（需要 LibreOffice；字体嵌入 PDF）。")
@click.option(
    "--comments",
    is_flag=True,
    help="另外写出审核版（草稿旁的“…（审核版）.docx”）：每个数字一条批注，注明查询和原始值。",
)
@click.option("--each", is_flag=True, help="按单位生成：config.yaml 的 units: 中每个单位一份草稿。")
@click.option("--unit", "unit_names", multiple=True, metavar="名称", help="只生成这个单位的草稿（可多次使用）。")
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1, max=256),
    default=None,
    help="按单位生成时同时渲染的进程数（缺省：CPU 核数；单位少时每 20 个单位一个进程）。",
)
@click.option("--dir", "directory", type=click.Path(path_type=Path), default=None, hidden=True)
@handle_errors
def build(
    config_path: Path,
    year: int | None,
    period,
    output: Path | None,
    source_overrides,
    force: bool,
    strict: bool,
    preview: bool,
    pdf: bool,
    comments: bool,
    each: bool,
    unit_names: tuple[str, ...],
    jobs: int | None,
    directory: Path | None,
) -> None:
    """生成报告草稿（.docx），并输出其路径。

    声明了单位（units:）的项目用 --each 为每个单位各生成一份，或 --unit 名称 只生成指定单位的。
    """
    if each and unit_names:
        raise DrafterError("--each 和 --unit 不能同时使用", hint="全部单位用 --each；只生成某几个单位用 --unit 名称。")
    if directory is not None and output is not None:
        raise DrafterError("--dir 与 --output 只能用一个", hint="按单位生成时 --output 就是草稿所在的目录。")
    request = BuildRequest(
        config_path=config_path,
        period=_as_period(year, period),
        output=output if output is not None else directory,
        sources=dict(source_overrides),
        force=force,
        strict=strict,
        preview=preview,
        comments=comments,
        pdf=pdf,
        units=unit_names if (each or unit_names) else None,
        jobs=jobs,
    )
    with paused_gc():  # a build makes many small objects; the CLI process is this build's alone
        code = _build_report(request) if request.units is None else _build_units(request)
    if pdf:
        _font_line(config_path)
    click.get_current_context().exit(code)


def _as_period(year: int | None, period: Period | None) -> Period | None:
    """`--period`, or `--year` as the year period it is short for (read by `as_period`)."""
    period = _one_period(year, period)
    return as_period(year if period is None else period)


def _build_report(request: BuildRequest) -> ExitCode:
    # lazily: each command loads only its own library code (`drafter --help` stays light)
    from drafter.pipeline.build import build as run_build

    if request.jobs is not None:
        raise DrafterError("--jobs 只用于按单位生成", hint="与 --each 或 --unit 名称 一起使用。")
    with Progress("查询数据库") as progress:  # only on a terminal, and only after a moment
        result = run_build(
            request.config_path, output=request.output, on_query_done=progress.advance, **request.library_options()
        )
    if result.renamed:
        _err(f"注意：{result.requested_path} 已存在，未覆盖，草稿另存为 {result.path.name}（覆盖请加 --force）。")
    for error, names in _grouped(result.failures):
        which = f"（查询 {'、'.join(names)}）" if len(names) > 1 or "." in names[0] else ""
        _err(f"警告{which}：{error.render()}")
    for warning in result.warnings:
        _err(f"警告：{warning}")
    if result.findings:
        _err(f"一致性规则未通过 {len(result.findings)} 条（--strict 时不生成草稿）：")
        for finding in result.findings:
            _err(f"警告：{finding.warning()}")
    _err(f"已生成{result.period.label}草稿，共 {len(result.registry)} 个数字，用时 {result.timings['total']:.1f} 秒。")
    if result.placeholders:
        _err(
            f"草稿中有 {len(result.placeholders)} 处【待补充】（已黄色标出；补齐后重新生成，或用 --strict 让它们报错）："
        )
        for occ in result.placeholders:
            reason = f"：{occ.reason}" if occ.reason else ""
            where = f"  {occ.where}" if occ.where else ""
            _err(f"  - {occ.ref}{reason}{where}")
    broken = result.broken_queries
    if broken:
        _err(
            f"草稿已生成但不完整：{len(broken)} 条查询出错（见上面的警告），其数字以【待补充】占位；"
            "按提示修正后重新生成。退出码 1。"
        )
    click.echo(str(result.path))
    return max(build_exit_code(result), _extras(request, result.path))


def _extras(request: BuildRequest, draft: Path) -> ExitCode:
    """--comments, --preview and --pdf for one written draft."""
    code = EXIT_OK
    if request.comments:
        # lazily: each command loads only its own library code (`drafter --help` stays light)
        from drafter.review.annotate import reviewer_copy

        _err(f"审核版（每个数字一条批注）：{reviewer_copy(draft, force=request.force)}")
    if request.preview:
        code = max(code, _write_preview(draft))
    if request.pdf:
        code = max(code, _write_pdf(draft, force=request.force))
    return code


def _build_units(request: BuildRequest) -> ExitCode:
    """`build --each / --unit`: one draft per unit, a summary at the end; exit 1 if a unit failed."""
    # lazily: each command loads only its own library code (`drafter --help` stays light)
    from drafter.pipeline.build import build_units

    extras: list[ExitCode] = []
    with Progress("生成草稿", total=None, unit="个单位") as progress:

        def on_units(n: int) -> None:
            progress.total = n

        def on_done(outcome) -> None:
            progress.advance(outcome.unit)
            if outcome.path is not None:
                click.echo(str(outcome.path))
                extras.append(_extras(request, outcome.path))

        result = build_units(
            request.config_path,
            units=list(request.units or ()) or None,
            directory=request.output,
            jobs=request.jobs,
            on_units=on_units,
            on_unit_done=on_done,
            **request.library_options(),
        )
    for outcome in result.outcomes:
        if outcome.renamed and outcome.path is not None:
            _err(f"注意：{outcome.unit} 的草稿已存在，未覆盖，另存为 {outcome.path.name}（覆盖请加 --force）。")
    _err(result.summary())  # its warnings and the rollups over the batch included
    return max([units_exit_code(result), *extras])


def _grouped(failures) -> list[tuple[DrafterError, list[str]]]:
    """One entry per error: a source that cannot be opened fails all its queries at once."""
    groups: dict[int, tuple[DrafterError, list[str]]] = {}
    for failure in failures:
        groups.setdefault(id(failure.error), (failure.error, []))[1].append(failure.name)
    return list(groups.values())


def _write_pdf(draft: Path, *, force: bool) -> ExitCode:
    """A PDF beside the draft through LibreOffice, fonts embedded."""
    # lazily: each command loads only its own library code (`drafter --help` stays light)
    from drafter.word.pdf import PdfUnavailable, write_pdf

    try:
        written = write_pdf(draft, force=force)
    except PdfUnavailable as exc:
        _err(f"警告：{exc}")
        return EXIT_FINDINGS
    _err(f"PDF：{written}")
    return EXIT_OK


def _font_line(config_path: Path) -> None:
    """One line on the 公文 fonts the PDF used or replaced (drafter fonts has the whole list)."""
    # lazily: each command loads only its own library code (`drafter --help` stays light)
    from drafter.word.fonts import project_font_summary

    line = project_font_summary(config_path)
    if line is not None:
        _err(line)


def _write_preview(draft: Path) -> ExitCode:
    # lazily: each command loads only its own library code (`drafter --help` stays light)
    from drafter.word.preview import PreviewUnavailable, render_pngs

    try:
        pages = render_pngs(draft, draft.parent / f"{draft.stem}-预览")
    except PreviewUnavailable as exc:
        _err(f"警告：草稿已生成，但预览图未能生成：{exc}")
        return EXIT_FINDINGS
    _err(f"预览图 {len(pages)} 页：{pages[0].parent if pages else ''}")
    return EXIT_OK


@main.command()
@click.argument("drafts", nargs=-1, required=True, metavar="DRAFT", type=click.Path(path_type=Path))
@config_option
@click.option(
    "--year", "-y", type=YearType(), default=None, help="报告年度：仅在草稿中的清单已被去掉、标题里也看不出期间时使用。"
)
@click.option(
    "--period",
    "-p",
    type=PeriodType(),
    default=None,
    help="报告期间（写法同 build）：仅在草稿中的清单已被去掉、标题里也看不出期间时使用。",
)
@source_option
@click.option(
    "--xlsx",
    "xlsx_path",
    type=click.Path(path_type=Path),
    default=None,
    help="另外写出核对清单（Excel，每个数字一行）。",
)
@click.option(
    "--annotate",
    "annotate_path",
    type=click.Path(path_type=Path),
    default=None,
    help="另外写出带批注的草稿副本（每个发现一条 Word 批注）；原草稿不会被改动。",
)
@click.option(
    "--rollup",
    "rollups",
    multiple=True,
    metavar="部分=整体",
    help="核对多份单位草稿时，另外核对各单位的某个数字之和是否等于整体的数字，"
    "如 town_screening.screenings=district_screening.screenings（可多次使用）。",
)
@handle_errors
def check(
    drafts: tuple[Path, ...],
    config_path: Path,
    year: int | None,
    period,
    source_overrides,
    xlsx_path: Path | None,
    annotate_path: Path | None,
    rollups: tuple[str, ...],
) -> None:
    """核对编辑过的草稿：按草稿记录的期间和参数重新查询，逐个数字报告一致、手工修改、数据已变化、已删除，以及无来源数字。

    可一次核对多份草稿（如 output/*.docx）：参数相同的查询只查一次，--xlsx 写出一个工作簿（汇总表加每份草稿一张表）。

    退出码：0 全部一致，1 有需要处理的发现，2 无法核对（含有数字的查询现在出错）。
    """
    # lazily: each command loads only its own library code (`drafter --help` stays light)
    from drafter.review.batch import draft_paths
    from drafter.review.checker import check as run_check

    period = _as_period(year, period)
    with _check_could_not_run():
        drafts = tuple(draft_paths(drafts))
    if len(drafts) > 1 or rollups:
        _check_many(list(drafts), config_path, period, source_overrides, xlsx_path, annotate_path, rollups)
        return
    draft = drafts[0]
    with _check_could_not_run():
        # A wrong output name is told before the databases are queried; the workbook and comment
        # writers (openpyxl: a fifth of a second to import) are loaded only when asked for.
        if xlsx_path is not None:
            # lazily: only with --xlsx
            from drafter.review.checklist import check_checklist_path

            check_checklist_path(xlsx_path)
        if annotate_path is not None:
            # lazily: only with --annotate
            from drafter.review.annotate import check_annotate_path

            check_annotate_path(draft, annotate_path)
        with paused_gc():  # the CLI process is this check's alone
            report = run_check(draft, config_path, sources=dict(source_overrides), period=period)
        if xlsx_path is not None:
            # lazily: each command loads only its own library code (`drafter --help` stays light)
            from drafter.review.checklist import write_checklist

            _err(f"核对清单：{write_checklist(report, xlsx_path)}")
        if annotate_path is not None:
            # lazily: each command loads only its own library code (`drafter --help` stays light)
            from drafter.review.annotate import annotate

            _err(f"批注副本：{annotate(report, annotate_path)}")
    # lazily: each command loads only its own library code (`drafter --help` stays light)
    from drafter.review.report_text import render_check

    click.echo(render_check(report))
    click.get_current_context().exit(check_exit_code(report))


def _check_many(
    drafts: list[Path],
    config_path: Path,
    period: Period | None,
    source_overrides,
    xlsx_path: Path | None,
    annotate_path: Path | None,
    rollups: tuple[str, ...],
) -> None:
    """`check a.docx b.docx …`: every draft checked, one summary, one workbook."""
    # lazily: each command loads only its own library code (`drafter --help` stays light)
    from drafter.project.config import load_config
    from drafter.review.batch import check_many, command_line_rollups, run_rollups
    from drafter.review.checklist import check_checklist_path, write_batch_checklist

    with _check_could_not_run():
        if annotate_path is not None:
            raise DrafterError(
                "--annotate 只能用于核对一份草稿",
                hint="对要批注的草稿单独运行 drafter check 草稿.docx --annotate 副本.docx。",
            )
        # the project's own rules made once
        rules = command_line_rollups(config_path, rollups, dict(source_overrides)) if rollups else []
        if xlsx_path is not None:
            check_checklist_path(xlsx_path)
        with Progress("核对草稿", total=len(drafts), unit="份草稿") as progress, paused_gc():
            batch = check_many(
                drafts,
                config_path,
                sources=dict(source_overrides),
                period=period,
                on_done=lambda path: progress.advance(path.name),
            )
        if rules:
            batch.rollups += run_rollups(load_config(config_path, sources=dict(source_overrides)), batch.reports, rules)
        if xlsx_path is not None:
            _err(f"核对汇总：{write_batch_checklist(batch, xlsx_path)}")
    # lazily: each command loads only its own library code (`drafter --help` stays light)
    from drafter.review.report_text import render_batch_summary, render_check, unreachable_sources

    # A source out of reach fails every draft's queries alike: told once, as a batch refresh does.
    once, left = unreachable_sources([report.warnings for report in batch.reports], "相应数字无法核对")
    for line in once:
        click.echo(f"注意：{line}。\n")
    for report, warnings in zip(batch.reports, left, strict=True):
        report.warnings = warnings
        click.echo(render_check(report) + "\n")
    for path, error in batch.errors:
        click.echo(f"无法核对 {path}：{error.render()}\n")
    click.echo(render_batch_summary(batch))
    click.get_current_context().exit(batch_check_exit_code(batch))


@main.command()
@click.argument("drafts", nargs=-1, required=True, metavar="DRAFT", type=click.Path(path_type=Path))
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path),
    default=None,
    help="更新后的副本写到哪里（缺省：草稿旁的“…（更新）.docx”；多份草稿时为文件夹）；原草稿不会被改动。",
)
@config_option
@source_option
@click.option("--force", is_flag=True, help="输出文件已存在时直接覆盖（缺省：另存为 -2、-3 …）。")
@handle_errors
def refresh(drafts: tuple[Path, ...], output: Path | None, config_path: Path, source_overrides, force: bool) -> None:
    """数据变了、草稿已经改过时：写出一份数字更新过的副本。

    数据已变化的数字在内容控件里换成当前的数，编辑改过的文字和格式不动；手工改过的数字保留并加批注；
    条件措辞变了的句子不改写，加批注给出数据现在对应的措辞。副本的清单同时更新，之后 drafter check
    只会报出这些加了批注的地方。

    可一次更新多份草稿或一个文件夹中的草稿（如 output/）：参数相同的查询只查一次，按单位分组的查询
    一次查出所有单位；-o 此时是文件夹。一份草稿无法更新时，其余的照常写出。

    退出码：0 已写出且无需处理，1 已写出、有加批注待处理的地方，2 有草稿无法更新，或有数字因查询出错无法核对（保留原样、已加批注）。
    """
    # lazily: each command loads only its own library code (`drafter --help` stays light)
    from drafter.review.refresh import refresh as run_refresh

    if len(drafts) > 1 or drafts[0].is_dir():
        _refresh_many(list(drafts), output, config_path, source_overrides, force)
        return
    with _check_could_not_run():
        result = run_refresh(drafts[0], output, config_path, sources=dict(source_overrides), force=force)
    _print_refreshed(result)
    click.echo(str(result.path))
    click.get_current_context().exit(refresh_exit_code(result))


def _print_refreshed(result, name: str = "", warnings: list[str] | None = None) -> None:
    """What refresh says on stderr about one copy; `name`: the draft's, when there are many;
    `warnings`: those left to tell of this draft (all of its report's when None)."""
    if result.renamed:
        _err(f"注意：{result.requested_path} 已存在，未覆盖，另存为 {result.path.name}（覆盖请加 --force）。")
    for warning in result.report.warnings if warnings is None else warnings:
        _err(f"注意：{name + '：' if name else ''}{warning}")
    _err(f"{name}：{result.summary()}" if name else result.summary())


def _refresh_many(drafts: list[Path], output: Path | None, config_path: Path, source_overrides, force: bool) -> None:
    """`refresh a.docx b.docx …` or a folder: every draft refreshed, the queries run once."""
    # lazily: each command loads only its own library code (`drafter --help` stays light)
    from drafter.review.refresh import drafts_to_refresh, refresh_many

    with _check_could_not_run():
        paths, skipped = drafts_to_refresh(drafts)
        if skipped:
            _err(
                f"注意：略过先前更新写出的副本 {len(skipped)} 份（如 {skipped[0].name}）；要更新它，请直接写它的文件名。"
            )
        with Progress("更新草稿", total=len(paths), unit="份草稿") as progress, paused_gc():
            batch = refresh_many(
                paths,
                output,
                config_path,
                sources=dict(source_overrides),
                force=force,
                on_done=lambda path: progress.advance(path.name),
            )
    # lazily, as the imports above
    from drafter.review.refresh import NothingChecked
    from drafter.review.report_text import unreachable_sources  # lazily, as the imports above

    # Drafts of which not one figure could be checked have no copy; their reports still tell
    # a source out of reach, once for the batch.
    unwritten = [e.report for _, e in batch.errors if isinstance(e, NothingChecked)]
    once, left = unreachable_sources([r.report.warnings for r in batch.results] + [r.warnings for r in unwritten])
    for line in once:
        _err(f"注意：{line}。")
    for result, warnings in zip(batch.results, left[: len(batch.results)], strict=True):
        _print_refreshed(result, result.draft.name, warnings)
        click.echo(str(result.path))
    for path, error in batch.errors:
        if isinstance(error, NothingChecked):
            why = "原因见上" if once else f"原因：{error.cause}"
            _err(f"无法更新 {path}：{error.message}（{why}）；原草稿未改动，数据库恢复后再运行。")
        else:
            _err(f"无法更新 {path}：{error.render()}")
    for warning in batch.unmatched_keys:
        _err(f"警告：{warning}")
    partly = sum(1 for r in batch.results if r.unchecked)  # written, some figures kept unchecked: exit 2
    _err(
        f"{len(paths)} 份草稿：写出更新后的副本 {len(batch.results)} 份"
        + (f"（其中 {partly} 份有数字无法核对、未更新）" if partly else "")
        + (f"，无法更新 {len(batch.errors)} 份" if batch.errors else "")
        + (f"（其中 {len(unwritten)} 份没有一个数字能核对）" if unwritten else "")
        + f"；查询数据库 {batch.queries_run} 次（相同的查询共用结果 {batch.queries_reused} 次），"
        f"用时 {batch.elapsed:.1f} 秒。"
    )
    click.get_current_context().exit(batch_refresh_exit_code(batch))


@contextlib.contextmanager
def _check_could_not_run():
    """For `check`, any error means the check could not run: exit status 2."""
    try:
        yield
    except DrafterError as exc:
        exc.exit_code = EXIT_USAGE
        raise
    except (click.exceptions.Exit, click.ClickException, KeyboardInterrupt):
        raise
    except Exception as exc:
        raise DrafterError(
            "核对时出现内部错误，未能完成",
            cause=f"{type(exc).__name__}: {exc}",
            hint="请加 --debug 重新运行，并把输出报告给维护者。",
        ) from exc


@main.command()
@config_option
@year_option
@period_option
@source_option
@click.option(
    "--format",
    "-f",
    "fmt",
    type=click.Choice(["table", "csv", "json"]),
    default="table",
    show_default=True,
    help="输出格式：table 表格、csv 或 json。",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path),
    default=None,
    help="写到文件而不是屏幕，文件名以 .csv / .json / .txt 结尾，与 --format 一致（csv 带 BOM，Excel 可直接打开）。",
)
@click.option("--unit", "unit_name", default=None, metavar="名称", help="按单位生成的项目：列出这个单位草稿中的数字。")
@handle_errors
def figures(
    config_path: Path, year: int | None, period, source_overrides, fmt: str, output: Path | None, unit_name: str | None
) -> None:
    """列出报告中的全部数字：编号、所在部分、文字、原始值、查询和数据源（不写草稿）。"""
    # lazily: each command loads only its own library code (`drafter --help` stays light)
    from drafter.outputs import check_output_name, write_atomically
    from drafter.review.listing import list_figures, render

    suffix = {"csv": ".csv", "json": ".json", "table": ".txt"}[fmt]
    if output is not None:
        check_output_name(output, (suffix,), "数字清单", f"-f {fmt} -o 数字清单{suffix}")
    listing = list_figures(config_path, period=_as_period(year, period), sources=dict(source_overrides), unit=unit_name)
    for failure in listing.failures:
        _err(f"警告：{failure}")
    shown = render(listing, fmt)
    if output is None and isinstance(shown, str):
        click.echo(shown, nl=False)
    elif output is None:
        from rich.console import Console

        # Piped into a file or another program: the width a file gets, not a terminal's default 80
        # columns that squeeze the table's columns to a character each.
        Console(soft_wrap=False, width=None if sys.stdout.isatty() else 200).print(shown)
    else:

        def write(tmp: Path) -> None:
            if isinstance(shown, str):
                tmp.write_text(shown, encoding="utf-8-sig" if fmt == "csv" else "utf-8")
            else:
                from rich.console import Console

                with tmp.open("w", encoding="utf-8") as f:
                    Console(file=f, width=200).print(shown)

        write_atomically(output, write, what="数字清单", hint="检查写权限；若该文件正在 Excel/WPS 中打开，请先关闭。")
        _err(f"已写出 {len(listing.figures)} 个数字：{output}")


@main.command()
@config_option
@handle_errors
def fonts(config_path: Path) -> None:
    """列出公文样式用到的字体：本机是否安装，预览和 PDF 用什么字体代替，缺少时怎样安装。"""
    # lazily: each command loads only its own library code (`drafter --help` stays light)
    from drafter.project.config import load_config
    from drafter.word.fonts import font_report, render_font_report

    style = load_config(config_path, unset=[]).style if Path(config_path).exists() else None
    click.echo(render_font_report(font_report(style)))


@main.command()
@config_option
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path),
    default=None,
    help="母版写到哪里（缺省：配置中的 templates.master）。",
)
@click.option("--force", is_flag=True, help="覆盖已有的母版（原文件会先备份为 .bak）。")
@handle_errors
def master(config_path: Path, output: Path | None, force: bool) -> None:
    """按配置中的 style（字体等）生成默认的 Word 母版（公文格式）。

    母版只有样式、标题、主送机关、附件、署名和日期，不含文字：开头段和结尾语写在 templates/sections/
    的文本文件中。覆盖旧版 drafter 生成的、含开头段和“特此报告。”的母版（--force）时，沿用这两段。
    """
    # lazily: each command loads only its own library code (`drafter --help` stays light)
    from drafter.project.config import load_config
    from drafter.word.master import write_master

    config = load_config(config_path)
    written = write_master(output or config.resolve(config.templates.master), config.style, force=force)
    if written.backup is not None:
        _err(f"原母版已备份为 {written.backup}" + ("；开头段沿用原母版" if written.kept_opening else ""))
    click.echo(str(written.path))


@main.command()
@click.argument("directory", type=click.Path(path_type=Path))
@click.option("--agency", default=None, help="发文机关名称，如 某某区市场监督管理局（用 --from 时取自原报告）。")
@click.option(
    "--period",
    "period_kind",
    type=click.Choice(["year", "half", "quarter", "month"]),
    default="year",
    show_default=True,
    help="报告期间类型：year 年度、half 半年、quarter 季度、month 月。",
)
@click.option(
    "--title",
    default=None,
    help="文件名称，接在“机关关于期间”之后，如 执法检查情况通报（缺省：工作情况的报告）；"
    "也可写含 {{ }} 的完整标题模板。",
)
@click.option("--force", is_flag=True, help="文件夹不是空的也写入：只补上缺少的文件，已有的文件一个也不改。")
@click.option(
    "--from",
    "report",
    type=click.Path(path_type=Path),
    default=None,
    help="用本单位已有的报告（.docx；装有 LibreOffice 时也可 .doc/.wps）生成项目：结构、措辞照原文，数字待绑定。",
)
@handle_errors
def init(
    directory: Path, agency: str | None, period_kind: str, title: str | None, force: bool, report: Path | None
) -> None:
    """新建一个项目：配置、公文母版、开头段和结尾语、一个部分、一条查询和一个示例台账（Excel）。

    写好后进入该文件夹运行 drafter build 即可生成草稿，drafter lint 检查；再把示例台账换成本单位的数据。
    用 --from 报告.docx 时，项目照原报告写成，每个数字显示为【待绑定】，再用 drafter bindings / bind 绑定查询。
    """
    # lazily: each command loads only its own library code (`drafter --help` stays light)
    from drafter.intake.scaffold import init_project

    if report is not None:
        _init_from(directory, report, force)
        return
    if not agency:
        raise click.UsageError("缺少 --agency（发文机关名称）；或用 --from 报告.docx 从已有报告生成。")
    result = init_project(directory, agency=agency, period=period_kind, title=title, force=force)
    for path in result.written:
        click.echo(str(path))
    for path in result.kept:
        _err(f"已存在，未改动：{path}")
    _err(f"已新建项目 {directory}（{len(result.written)} 个文件）。下一步：cd {directory} && drafter build")


@main.command()
@config_option
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="监听地址。缺省只允许本机访问；改成其他地址时，同一网络中的电脑都能打开（会有警告）。",
)
@click.option("--port", "-p", type=click.IntRange(1, 65535), default=8000, show_default=True, help="端口。")
@click.option(
    "--allow-host",
    "allow_hosts",
    multiple=True,
    help="监听其他地址时，浏览器访问本服务所用的主机名或 IP 地址（可写多次；不接受通配符）。",
)
@handle_errors
def serve(config_path: Path, host: str, port: int, allow_hosts: tuple[str, ...]) -> None:
    """启动本机网页界面：起草、预览（点击数字看来源）、核对编辑过的草稿、数字清单。"""
    # lazily: each command loads only its own library code (`drafter --help` stays light)
    from drafter.project.config import load_config
    from drafter.web.server import serve as run_server

    load_config(config_path)  # a broken config.yaml is told here, not on every page
    run_server(config_path, host=host, port=port, allow_hosts=allow_hosts, echo=_err)


@main.command()
@click.argument("draft", type=click.Path(path_type=Path), required=False)
@click.option(
    "--html",
    "html_path",
    type=click.Path(path_type=Path),
    required=True,
    help="写出的网页文件（.html）：一个文件，样式和脚本都在其中，可随草稿发送。",
)
@config_option
@year_option
@period_option
@source_option
@handle_errors
def preview(draft: Path | None, html_path: Path, config_path: Path, year: int | None, period, source_overrides) -> None:
    """把草稿写成一个可离线打开的网页：公文层级、每个数字高亮，点击可看查询、数据源、SQL、参数和原始值。

    不给草稿时，按当前配置和数据库在内存中起草（不写 .docx）再生成网页。
    """
    # lazily: each command loads only its own library code (`drafter --help` stays light)
    from drafter.outputs import check_output_name
    from drafter.review.pageview import view_of_file, view_of_project
    from drafter.web.pages import write_standalone

    check_output_name(html_path, (".html", ".htm"), "预览网页", "--html 预览.html")
    if draft is None:
        view = view_of_project(config_path, period=_as_period(year, period), sources=dict(source_overrides))
    else:
        config = None
        if config_path.exists():  # the project adds masked source URLs; a draft alone is enough
            # lazily: each command loads only its own library code (`drafter --help` stays light)
            from drafter.project.config import load_config

            config = load_config(config_path, sources=dict(source_overrides))
        view = view_of_file(draft, config=config)
    written = write_standalone(view, html_path)
    _err(
        f"预览网页：{len(view.figures)} 个数字"
        + (f"，{view.placeholder_count} 处【待补充】" if view.placeholder_count else "")
    )
    click.echo(str(written))


@main.command()
@config_option
@handle_errors
def lint(config_path: Path) -> None:
    """检查配置、查询和模板（不查询数据库），一次列出全部问题，各注明文件和行。

    退出码：0 没有问题，1 有问题，2 无法检查（如找不到配置文件，或 config.yaml 本身读不进来）。
    """
    # lazily: each command loads only its own library code (`drafter --help` stays light)
    from drafter.linter import lint_project

    linted = lint_project(config_path)
    findings = linted.findings
    for finding in findings:
        click.echo(_finding_text(finding))
    warnings = sum(f.severity == "warning" for f in findings)
    _print_literals(config_path)
    if findings:
        if warnings == len(findings):
            told = "都是警告，不妨碍生成草稿（退出码仍为 1，自动检查中不会漏掉）。"
        elif warnings:
            told = f"其中 {warnings} 个是警告，不妨碍生成草稿；其余的要先改正，drafter build 会在第一个处停下。"
        else:
            told = ""
        _err(f"发现 {len(findings)} 个问题。" + told)
    else:
        _err("未发现问题：配置、查询和模板可以一起使用。")
    click.get_current_context().exit(lint_exit_code(findings, config_loaded=linted.config_loaded))


@main.command()
@config_option
@source_option
@handle_errors
def sources(config_path: Path, source_overrides) -> None:
    """列出每个数据源：URL（密码遮住）、数据库及版本、会话是否只读、查询时限、账号能否写入或是否超级用户。

    账号能写或是超级用户时给出警告，附只读账号的 GRANT 语句。退出码：0 全部正常，1 有警告或连不上。
    """
    # lazily: each command loads only its own library code (`drafter --help` stays light)
    from drafter.data.inspect import inspect_sources, render_reports

    reports = inspect_sources(config_path, sources=dict(source_overrides))
    click.echo(render_reports(reports))
    bad = [r for r in reports if not r.ok]
    if bad:
        _err(f"{len(bad)} 个数据源需要处理：{'、'.join(r.name for r in bad)}。")
        click.get_current_context().exit(EXIT_FINDINGS)
    _err(f"{len(reports)} 个数据源均已连上，会话只读，账号只能读取。")


def _finding_text(finding) -> str:
    """A lint finding as lint and bind print it: 警告： or 错误：, the finding, a blank line."""
    return ("警告：" if finding.severity == "warning" else "错误：") + finding.render() + "\n"


def _print_literals(config_path: Path) -> None:
    """Numbers written in the templates' own text, for an editor to confirm each period (not problems)."""
    # lazily: each command loads only its own library code (`drafter --help` stays light)
    from drafter.project.config import load_config
    from drafter.review.literals import template_literals

    try:
        literals = template_literals(load_config(config_path, unset=[]))
    except DrafterError:
        return  # lint has reported why the configuration cannot be read
    if literals:
        # lazily: each command loads only its own library code (`drafter --help` stays light)
        from drafter.review.literals import literals_heading

        click.echo("请确认：" + literals_heading(literals))
        for literal in literals:
            click.echo(f"  {literal.render()}")


@main.group()
def sample() -> None:
    """示例部门数据库：生成或装入其他数据库。"""


@sample.command("create")
@click.option(
    "--dir",
    "directory",
    type=click.Path(path_type=Path),
    default=Path("sample"),
    show_default=True,
    help="写入 SQLite 示例库的目录。",
)
@click.option("--force", is_flag=True, help="覆盖已有的示例库。")
@handle_errors
def sample_create(directory: Path, force: bool) -> None:
    """生成示例部门数据库（每个系统一个 SQLite 文件，含 2024、2025 年数据）。"""
    # lazily: each command loads only its own library code (`drafter --help` stays light)
    from drafter.sample import create_sqlite

    paths = create_sqlite(directory, overwrite=force)  # refuses to overwrite with an OutputError
    for p in paths:
        click.echo(str(p))


class CountType(click.ParamType):
    name = "行数"

    def convert(self, value, param, ctx):
        # lazily: each command loads only its own library code (`drafter --help` stays light)
        from drafter.sample.scale import parse_count

        try:
            return parse_count(value)
        except ValueError:
            self.fail(f"“{value}”不是行数，请写整数，如 10000000、10M 或 1000万", param, ctx)


class YearsType(click.ParamType):
    name = "年份,年份"

    def convert(self, value, param, ctx):
        if isinstance(value, list):
            return value
        parts = [p.strip() for p in str(value).replace("，", ",").split(",") if p.strip()]
        if not parts or not all(p.isdigit() and len(p) == 4 for p in parts):
            self.fail(f"“{value}”不是年份列表，请写成 2024,2025", param, ctx)
        return [int(p) for p in parts]


@sample.command("load")
@click.option(
    "--url",
    required=True,
    help="目标数据库的 SQLAlchemy URL（库须已建好）；可写 ${环境变量}，如 "
    "'postgresql+psycopg://report:${PG_PASSWORD}@db/drafter'。",
)
@click.option(
    "--system",
    "systems",
    multiple=True,
    metavar="名称",
    help="只装入这个系统（可多次使用；缺省全部：enforcement hazards licensing disaster office）。",
)
@click.option("--years", type=YearsType(), default="2024,2025", show_default=True, help="装入哪些年份。")
@click.option(
    "--scale",
    "history",
    type=CountType(),
    default=0,
    help="另外装入这么多行往年（2024 年以前）的执法检查记录，用于压力测试；2024、2025 年的数字不变。",
)
@handle_errors
def sample_load(url: str, systems: tuple[str, ...], years: list[int], history: int) -> None:
    """把示例数据装入任意数据库（PostgreSQL、MySQL/MariaDB …），建表并写入各系统的行。"""
    # lazily: each command loads only its own library code (`drafter --help` stays light)
    from drafter.sample.scale import load_into

    with Progress("装入示例数据", total=history or None, unit="行往年记录") as progress:
        report = load_into(
            url, systems=systems or None, years=years, history=history, on_rows=lambda n: progress.advance(amount=n)
        )
    # lazily: each command loads only its own library code (`drafter --help` stays light)
    from drafter.sample import SYSTEMS

    click.echo(f"已装入 {report.url}（{'、'.join(map(str, report.years))} 年）：")
    for name in report.systems:
        tables = SYSTEMS[name].tables
        rows = sum(report.tables.get(t, 0) for t in tables)
        click.echo(f"  {name:<12} {SYSTEMS[name].title}：{len(tables)} 张表，{rows:,} 行")
    if report.history:
        span = f"{report.history_years[0]}–{report.history_years[-1]}"
        click.echo(
            f"  往年执法检查记录（inspection，{span} 年）：{report.history:,} 行，用时 {report.history_seconds:.1f} 秒"
        )
    _err(f"共用时 {report.seconds:.1f} 秒。")


if __name__ == "__main__":
    sys.exit(main())


# -- a project from an office's own report, and its numbers bound to queries ----------------


def _init_from(directory: Path, report: Path, force: bool) -> None:
    # lazily: each command loads only its own library code (`drafter --help` stays light)
    from drafter.intake.project import init_from_report

    result = init_from_report(directory, report, force=force)
    for path in result.written:
        click.echo(str(path))
    for path in result.kept:
        _err(f"已存在，未改动：{path}")
    for what in result.report.skipped if result.report else []:
        _err(f"未带入：{what}")
    _err(
        f"已从 {report.name} 新建项目 {directory}：{len(result.sections)} 个正文文件，{result.facts} 个数字待绑定。"
        f"下一步：cd {directory} && drafter build（数字显示为【待绑定】），drafter bindings 生成绑定表。"
    )


@main.command()
@config_option
@source_option
@click.option(
    "-o", "--output", type=click.Path(path_type=Path), default=Path("绑定表.xlsx"), show_default=True, help="绑定表。"
)
@click.option("--force", is_flag=True, help="绑定表已存在时覆盖。")
@handle_errors
def bindings(config_path: Path, source_overrides, output: Path, force: bool) -> None:
    """写出绑定表（.xlsx）：每个待绑定的数字一行，选查询.列和写法；当前数据中值相同的数字作为建议。"""
    # lazily: each command loads only its own library code (`drafter --help` stays light)
    from drafter.intake.bindings import bindings_rows, write_bindings
    from drafter.outputs import check_output_name

    check_output_name(output, (".xlsx",), "绑定表", "-o 绑定表.xlsx")
    if output.exists() and not force:
        raise click.UsageError(f"{output} 已存在；加 --force 覆盖，或用 -o 换一个文件名。")
    project, values = _current_values(config_path, dict(source_overrides))
    rows = bindings_rows(project.config, values)
    write_bindings(project.config, rows, sorted(values), output)
    hinted = sum(1 for r in rows if r.suggested)
    _err(f"已写出绑定表 {output}：{len(rows)} 个待绑定的数字，其中 {hinted} 个在当前数据中有值相同的数字可选。")


def _current_values(config_path: Path, sources: dict[str, str]):
    """The project and `query.column` → value of its current data (failed queries left out)."""
    # lazily: each command loads only its own library code (`drafter --help` stays light)
    from drafter.builder import load_project, run_project
    from drafter.intake.bindings import current_values

    project = load_project(config_path, sources=sources)
    run = run_project(project)
    for failure in run.failures:
        _err(f"警告：{failure}")
    return project, current_values(run)


@main.command()
@click.argument("workbook", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@config_option
@handle_errors
def bind(workbook: Path, config_path: Path) -> None:
    """按绑定表把选定的查询.列和写法写进正文模板（原模板先备份到 backup/），然后运行 lint。"""
    # lazily: each command loads only its own library code (`drafter --help` stays light)
    from drafter.intake.bindings import apply_bindings
    from drafter.linter import lint as run_lint
    from drafter.project.config import load_config

    config = load_config(config_path, unset=[])  # connects to nothing: no password needed
    result = apply_bindings(config, workbook)
    for place in result.stale:
        _err(f"未写入（模板已改动，该处不再是原来的数字）：{place}")
    if result.backup:
        _err(f"原模板已备份到 {result.backup}")
    _err(f"已绑定 {result.bound} 个数字，保留原文 {result.kept} 个，仍待绑定 {result.left} 个。")
    findings = [f for f in run_lint(config_path) if not f.message.startswith("待绑定")]
    for finding in findings:
        click.echo(_finding_text(finding))
    if any(f.severity == "error" for f in findings):
        _err("绑定后 lint 发现错误（见上）：改正绑定表后重新绑定，或从备份恢复。")
        click.get_current_context().exit(2)


@main.command()
@click.argument("edited", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@config_option
@click.option("--dry-run", is_flag=True, help="只显示模板将怎样改（diff），不写入。")
@handle_errors
def adopt(edited: Path, config_path: Path, dry_run: bool) -> None:
    """把编辑在 Word 中改好的措辞写回模板：改了的段落、新增的段落、删去的段落（原模板先备份到 backup/）。

    条件措辞、循环和表格中的改动不写回，列出改前改后的文字，请手工改模板。
    """
    # lazily: each command loads only its own library code (`drafter --help` stays light)
    from drafter.linter import lint as run_lint
    from drafter.project.config import load_config
    from drafter.review.adopt import adopt as run_adopt

    config = load_config(config_path, unset=[])  # connects to nothing: no password needed
    result = run_adopt(config, edited, dry_run=dry_run)
    for diff in result.diffs.values():
        click.echo(diff)
    for refusal in result.refusals:
        where = f"{refusal.template}" + (f":{refusal.line}" if refusal.line else "")
        _err(f"未写回 {where}：{refusal.reason}")
        if refusal.before or refusal.after:
            _err(f"  原文：{refusal.before}\n  改后：{refusal.after}")
    counts = (
        f"改写 {result.changed} 段，新增 {result.added} 段，删去 {result.deleted} 段，未写回 {len(result.refusals)} 处"
    )
    if dry_run:
        _err(f"（--dry-run，未写入）{counts}。")
        return
    if not result.written:
        _err(f"模板没有需要改的地方（{counts}）。")
        return
    _err(f"已写回 {len(result.written)} 个模板：{counts}。原模板已备份到 {result.backup}")
    findings = [f for f in run_lint(config_path) if f.severity == "error"]
    for finding in findings:
        click.echo(finding.render() + "\n")
    if findings:
        _err("写回后 lint 发现错误（见上）：请改正，或从备份恢复。")
        click.get_current_context().exit(2)
