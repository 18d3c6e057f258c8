"""config.yaml: read, expand ${ENV}, validate, and resolve paths against the file.

Precedence, lowest first: built-in defaults < config.yaml < environment
(DRAFTER_SOURCE_<NAME>) < command line (--year, --source). All of it happens in
`load_config`, so there is one place to read it.
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_core import ErrorDetails
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from drafter.errors import ConfigError, numbered_context
from drafter.masking import remember, remember_secret, scrub, unencoded_password, with_password, without_userinfo
from drafter.project.period import (
    KINDS,
    MAX_YEAR,
    MIN_YEAR,
    Period,
    PeriodError,
    PeriodLike,
    as_period,
    default_period,
)
from drafter.project.sourcekind import is_spreadsheet
from drafter.project.style import StyleSettings
from drafter.project.yamlfile import Location, line_of, load_yaml
from drafter.values import strip_internal_marks

DEFAULT_CONFIG = "config.yaml"
SOURCE_ENV_PREFIX = "DRAFTER_SOURCE_"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class BannerSettings(_Model):
    """版头 (GB/T 9704 §7.2): 发文机关标志 in red, 份号/密级/紧急程度 where given, the red line."""

    mark: str = Field(description="发文机关标志，如 某某市应急管理局文件 或 某某市应急管理局")
    copy_number: str | None = Field(None, description="份号（6位阿拉伯数字，可选）", pattern=r"^\d{1,6}$")
    secrecy: str | None = Field(None, description="密级和保密期限（可选），如 秘密★1年")
    urgency: str | None = Field(None, description="紧急程度（可选）：特急、加急")
    mark_size: float = Field(
        36, description="发文机关标志字号（磅），缺省 36（小初）；过长时自动缩小到一行排下", gt=10, le=80
    )
    mark_top_mm: float = Field(
        35, description="发文机关标志上边缘至版心上边缘的距离（毫米），GB/T 9704 为 35", ge=0, le=120
    )
    color: str = Field("FF0000", description="发文机关标志和分隔线的颜色（RGB 十六进制）", pattern=r"^[0-9A-Fa-f]{6}$")


class ReportSettings(_Model):
    agency: str = Field(description="发文机关（用于标题和文件名）")
    year: int | None = Field(None, description="报告年度（其他期间：所在年度）", ge=MIN_YEAR, le=MAX_YEAR)
    period: str | None = Field(
        None, description="期间类型 year/half/quarter/month，或一个具体期间（2025Q1、2025-03 …）；缺省 year"
    )
    signature: str | None = Field(None, description="发文机关署名；缺省同 agency")
    title: str = Field(
        "{{ agency }}关于{{ period.label }}法治政府建设情况报告",
        description="标题，可用 {{ agency }} {{ year }} {{ period.label }}",
    )
    date: dt.date | None = Field(None, description="成文日期；缺省为报告期间的最后一天")
    recipient: str | None = Field(None, description="主送机关（可选）")
    doc_number: str | None = Field(None, description="发文字号（可选），如 ×应急〔2026〕11号")
    signer: str | list[str] | None = Field(
        None, description="签发人（上行文，可选）：有则发文字号居左、签发人居右同处一行（GB/T 9704 §7.2.4）"
    )
    attachments: list[str] = Field(default_factory=list, description="附件名称（可选）")
    banner: BannerSettings | None = Field(
        None, description="版头（可选）：发文机关标志、份号、密级、紧急程度、红色分隔线"
    )

    @field_validator("period", mode="before")
    @classmethod
    def _period_text(cls, value: Any) -> Any:
        # `period: 2025` is read by YAML as a number.
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value

    @field_validator("period")
    @classmethod
    def _known_period(cls, value: str | None) -> str | None:
        if value is None or value.strip() in KINDS:
            return None if value is None else value.strip()
        try:
            Period.parse(value)
        except PeriodError as exc:
            raise ValueError(f"应为期间类型（{'、'.join(KINDS)}）或一个具体期间。{exc}") from exc
        return value


# `report:` fields that are the period's: a template reads them as `year` and `period`.
_PERIOD_FIELDS = ("year", "period")


def report_names() -> tuple[str, ...]:
    """The names a template reads of the report itself, on their own and under `report.`
    (pipeline/render.report_context): every `report:` field but the period's."""
    return tuple(name for name in ReportSettings.model_fields if name not in _PERIOD_FIELDS)


class SourceSettings(_Model):
    url: str = Field(
        description="SQLAlchemy 连接 URL（可用 ${环境变量}），或 .xlsx 工作簿、.csv 文件、放 .csv 的文件夹的路径"
    )
    password: str | None = Field(
        None, description="密码（可选，通常写 ${环境变量}）：原样使用，无须百分号编码；URL 中就不写密码"
    )
    timeout: float = Field(60.0, gt=0, description="单个查询的超时（秒）")
    description: str | None = Field(None, description="系统名称，供报告和检查结果显示")
    allow_functions: list[str] = Field(
        default_factory=list,
        description="允许查询调用的额外函数（不在 drafter 的函数清单中、确认只读取数据的函数）；lint 和 sources 会一直提示",
    )
    allow_privileged: bool = Field(
        False, description="true 时允许用有写入或管理权限的账号连接（不推荐；每次生成都会警告）"
    )


class AppendixSettings(_Model):
    file: Path = Field(description="附件的文本模板（写法同分部分模板，可含表格、图表）")
    title: str = Field(description="附件标题，可用 {{ agency }} {{ year }}；也写进正文后的“附件：”说明")
    enabled: bool = Field(True, description="false 时不附上（模板仍由 drafter lint 检查）")


class TemplateSettings(_Model):
    master: Path = Field(Path("templates/report.docx"), description="Word 母版（docxtpl）")
    sections: Path | list[Path] = Field(
        Path("templates/sections"), description="分部分文本模板：目录（按文件名排序）或文件列表"
    )
    appendices: list[AppendixSettings] = Field(
        default_factory=list, description="附件（可选）：草稿末尾另起一页，每项一个附件模板"
    )


class OutputSettings(_Model):
    dir: Path = Field(Path("output"), description="草稿输出目录")
    filename: str = Field(
        "{{ agency }}{{ period.label }}法治政府建设情况报告（草稿）.docx",
        description="草稿文件名，可用 {{ agency }} {{ year }} {{ period.label }}；按单位生成时还可用 {{ unit }}",
    )


class UnitsQuery(_Model):
    query: str = Field(description="返回单位的查询名（returns: rows，列 name 及其他属性列）")


class Config(_Model):
    report: ReportSettings
    sources: dict[str, SourceSettings] = Field(description="部门数据库：名称 → URL 或 {url, timeout}")
    parameters: dict[str, str | int | float | dt.date | bool] = Field(
        default_factory=dict, description="查询中可用的额外绑定参数"
    )
    queries: Path = Field(Path("queries"), description="查询目录")
    templates: TemplateSettings = Field(default_factory=TemplateSettings)
    output: OutputSettings = Field(default_factory=OutputSettings)
    style: StyleSettings = Field(default_factory=StyleSettings)
    concurrency: int = Field(4, ge=1, le=32, description="同时查询的数据源个数上限")
    rules: list[dict[str, Any]] = Field(
        default_factory=list, description="一致性规则（另可写在 rules/*.yaml，SQL 数据检验写在 rules/*.sql）"
    )
    fixed_numbers: list[str] = Field(
        default_factory=list, description="模板中已确认、每期不变的写死数字（按原文，如 1+17+12）"
    )
    units: list[str | dict[str, Any]] | UnitsQuery | None = Field(
        None, description="按单位分别生成：单位名称列表（或 {name: …, 属性: …}），或 {query: 查询名}"
    )

    # Not from YAML: where the file was, for resolving relative paths and for messages.
    path: Path = Field(Path(DEFAULT_CONFIG), exclude=True)
    lines: dict[Any, int] = Field(default_factory=dict, exclude=True, repr=False)
    # The period this configuration reports on, once resolved (load_config, with_period).
    resolved_period: Period | None = Field(None, exclude=True)

    @field_validator("sources", mode="before")
    @classmethod
    def _short_source_form(cls, value: Any) -> Any:
        # `name: URL` is short for `name: {url: URL}`.
        if isinstance(value, dict):
            return {k: ({"url": v} if isinstance(v, str) else v) for k, v in value.items()}
        return value

    @property
    def root(self) -> Path:
        return self.path.parent

    def resolve(self, p: Path) -> Path:
        return p if p.is_absolute() else self.root / p

    def line(self, *loc: Any) -> int | None:
        return line_of(self.lines, loc)

    @property
    def period(self) -> Period:
        """The report period: set by load_config (command line, else `report.period`/`report.year`)."""
        if self.resolved_period is not None:
            return self.resolved_period
        return default_period(self.report.period, self.report.year)

    @property
    def report_date(self) -> dt.date:
        return self.report.date or self.period.last_day

    def with_period(self, period: Period) -> Config:
        """The same configuration for another period; a configured date moves with its year."""
        if self.resolved_period == period and self.report.year == period.year:
            return self
        date = self.report.date
        if date is not None and self.report.year is not None and period.year != self.report.year:
            try:
                date = date.replace(year=date.year + period.year - self.report.year)
            except ValueError:  # 29 February
                date = date.replace(year=date.year + period.year - self.report.year, day=28)
        report = self.report.model_copy(update={"year": period.year, "date": date})
        return self.model_copy(update={"report": report, "resolved_period": period})


_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-(.*?))?\}")


def _expand_env(
    value: Any,
    loc: Location,
    path: Path,
    lines: dict,
    environ,
    unset: list | None = None,
    replaced: frozenset[Location] = frozenset(),
) -> Any:
    """Replace ${VAR} and ${VAR:-default} in every string of the YAML tree; with `unset` (lint,
    which connects to nothing), a variable that is not set is left as written and told there
    as (name, line) instead of refused. The strings at `replaced` (the URLs of sources given
    on the command line or in DRAFTER_SOURCE_*) are left as written: they are not used."""
    if loc in replaced:
        return value
    if isinstance(value, dict):
        return {k: _expand_env(v, loc + (k,), path, lines, environ, unset, replaced) for k, v in value.items()}
    if isinstance(value, list):
        return [_expand_env(v, loc + (i,), path, lines, environ, unset, replaced) for i, v in enumerate(value)]
    if not isinstance(value, str):
        return value

    def substitute(match: re.Match) -> str:
        name, default = match.group(1), match.group(2)
        if name in environ:
            return environ[name]
        if default is not None:
            return default
        if unset is not None:
            unset.append((name, line_of(lines, loc)))
            return match.group(0)
        raise ConfigError(
            f"环境变量 {name} 未设置",
            path=path,
            line=line_of(lines, loc),
            hint=f"运行前设置它，例如 export {name}=…；或写成 ${{{name}:-默认值}}。",
        )

    return _ENV.sub(substitute, value)


def _field_names(model: type[BaseModel], loc: tuple) -> list[str]:
    """Known keys at `loc` inside `model`, for did-you-mean."""
    if model is Config and len(loc) >= 2 and loc[0] == "sources":
        # `sources.<name>.…`: the name is the user's own; below it are a source's settings.
        model, loc = SourceSettings, loc[2:]
    current: Any = model
    for part in loc:
        if isinstance(part, int) or current is None:
            return []
        field = current.model_fields.get(part) if hasattr(current, "model_fields") else None
        if field is None:
            return []
        ann = field.annotation
        current = ann if isinstance(ann, type) and issubclass(ann, BaseModel) else None
    if current is None:
        return []
    return [n for n, f in current.model_fields.items() if not f.exclude]


# What a value should be, by pydantic error type (its prefix before "_").
_EXPECTED = {
    "int": "整数，如 2025",
    "float": "数字，如 30 或 2.5",
    "string": "文字",
    "bool": "true 或 false",
    "date": "日期，如 2025-12-31",
    "dict": "键值对（下一行起缩进写 名称: 值）",
    "model": "键值对（下一行起缩进写 名称: 值）",
    "list": "列表，如 [甲, 乙]",
}


def _expected(error: ErrorDetails) -> str | None:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind == "less_than_equal":
        return f"不大于 {ctx.get('le')} 的数"
    if kind == "greater_than_equal":
        return f"不小于 {ctx.get('ge')} 的数"
    if kind == "greater_than":
        return f"大于 {ctx.get('gt')} 的数"
    if kind == "less_than":
        return f"小于 {ctx.get('lt')} 的数"
    return _EXPECTED.get(kind.split("_")[0])


def _where(error: ErrorDetails, lines: dict) -> tuple:
    """The error's location as written in the file: `parameters.a.str` (one arm of a union)
    is really `parameters.a`. A missing key keeps its full location."""
    loc = tuple(error["loc"])
    if error["type"] == "missing":
        return loc
    for n in range(len(loc), 0, -1):
        if loc[:n] in lines:
            return loc[:n]
    return loc


def _validation_error(exc: ValidationError, path: Path, lines: dict, text: str) -> ConfigError:
    # One error per place in the file (a union reports each of its arms), unknown keys
    # first: `yeer:` is also a missing `year`, and the unknown key is what to fix.
    errors: dict[tuple, ErrorDetails] = {}
    arms: dict[tuple, int] = {}
    for error in exc.errors():
        where = _where(error, lines)
        errors.setdefault(where, error)
        arms[where] = arms.get(where, 0) + 1
    ordered = sorted(errors.items(), key=lambda item: item[1]["type"] != "extra_forbidden")
    loc, first = ordered[0]
    dotted = ".".join(str(p) for p in loc)
    line = line_of(lines, loc)
    rest = ordered[1:]
    if first["type"] == "extra_forbidden":
        key = str(loc[-1])
        known = _field_names(Config, loc[:-1])
        close = difflib.get_close_matches(key, known, n=1)
        message = f"未知的配置项“{dotted}”"
        hint = f"是否想写“{close[0]}”？" if close else f"此处可用的配置项：{'、'.join(known)}。"
        # The key it should have been is then reported missing: say it once, here.
        rest = [
            (where, e) for where, e in rest if not (e["type"] == "missing" and close and where == (*loc[:-1], close[0]))
        ]
    elif first["type"] == "missing":
        message = f"缺少必填的配置项“{dotted}”"
        hint = "请在 config.yaml 中补上该项（见 README 的配置说明）。"
    else:
        expected = "文字、数字、日期或 true/false" if arms[loc] > 1 else _expected(first)
        value = first.get("input")
        shown = f"（现在是“{value}”）" if isinstance(value, (str, int, float)) else ""
        message = f"配置项“{dotted}”的值不合要求{shown}"
        hint = (f"此处应为{expected}。" if expected else "") + "请按 README 的配置说明修改该值。"
    more = [f"另有：{'.'.join(str(p) for p in where)} — {e['msg']}" for where, e in rest[:4]]
    context = numbered_context(text, line) if line else None
    if more:
        context = "\n".join(filter(None, [context, *more]))
    return ConfigError(message, path=path, line=line, cause=first["msg"], hint=hint, context=context)


PASSWORD_HINT = (
    "URL 中密码里的 @ / : ? # % 和空格须写成百分号编码：@ 写 %40，/ 写 %2F，: 写 %3A，? 写 %3F，"
    "# 写 %23，% 写 %25，空格写 %20（如 Python 的 urllib.parse.quote(密码, safe='')）；"
    "或 URL 中不写密码，另写一项 password: ${环境变量}（原样使用，无须编码），密码放在该环境变量中。"
)


def _check_url(name: str, source: SourceSettings, config: Config) -> None:
    """A URL SQLAlchemy cannot parse, or whose password is not percent-encoded, is a mistake
    in the file: say so before any query runs, showing no part of the password."""
    url = source.url
    if unencoded_password(url):
        raise ConfigError(
            f"数据源“{name}”的 URL 中，密码（或用户名）含有须百分号编码的字符：{without_userinfo(url)}",
            path=config.path,
            line=config.line("sources", name, "url"),
            cause="“://”与最后一个“@”之间的用户名和密码中有 @ / : ? # % 或空格，无法确定密码在哪里结束（URL 的查询参数中有 @ 时也须写成 %40）",
            hint=PASSWORD_HINT,
        )
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError) as exc:  # ValueError: a port that is not a number
        masked = without_userinfo(url)
        raise ConfigError(
            f"数据源“{name}”的 URL 无法解析：{masked}",
            path=config.path,
            line=config.line("sources", name, "url"),
            cause=scrub(str(exc).replace(url, masked), url),
            hint="URL 形如 sqlite:///sample/x.db 或 postgresql+psycopg://用户@主机:5432/库名；"
            "密码用 ${环境变量} 写。表格写路径：data/台账.xlsx、data/导出.csv，或放 .csv 文件的已有文件夹。",
        ) from exc
    if source.password is not None:
        if parsed.password is not None:
            raise ConfigError(
                f"数据源“{name}”的密码写了两处：URL 中和 password: 中",
                path=config.path,
                line=config.line("sources", name, "password"),
                hint="只保留 password: ${环境变量} 一处，URL 中不写密码。",
            )
        source.url = with_password(url, source.password)  # encoded on the URL object
        source.password = None


def _resolve_sqlite(url: str, root: Path) -> str:
    """Make a relative SQLite path relative to config.yaml rather than the working directory."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return url  # reported when the source is opened
    if not parsed.drivername.startswith("sqlite"):
        return url
    database = parsed.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return url
    if Path(database).is_absolute():
        return url
    return parsed.set(database=str((root / database).resolve())).render_as_string(hide_password=False)


def _source_overrides(overrides: dict[str, str], environ) -> dict[str, str]:
    """The sources' URLs given on the command line, and in DRAFTER_SOURCE_<NAME> variables."""
    return {**{name: environ[key] for name, key in _source_variables(environ).items()}, **overrides}


def _source_variables(environ) -> dict[str, str]:
    """Source name → the DRAFTER_SOURCE_<NAME> variable that gives its URL."""
    return {key[len(SOURCE_ENV_PREFIX) :].lower(): key for key in environ if key.startswith(SOURCE_ENV_PREFIX)}


def _apply_source_overrides(data: dict, overrides: dict[str, str], environ) -> None:
    sources = data.setdefault("sources", {}) if isinstance(data, dict) else {}
    if not isinstance(sources, dict):
        return
    variables = _source_variables(environ)
    for name, url in overrides.items():
        if name not in sources:
            known = "、".join(sources) or "（无）"
            variable = variables.get(name)
            # the variable's own URL (not one given on the command line for the same name)
            where = f"（来自环境变量 {variable}）" if variable and environ[variable] == url else ""
            raise ConfigError(
                f"要改写的数据源“{name}”在配置中不存在{where}",
                hint=f"已配置的数据源：{known}。" + (f"不用它时请 unset {variable}。" if where else ""),
            )
        current = sources[name]
        if isinstance(current, dict):
            sources[name] = {**current, "url": url}
        else:
            sources[name] = url


def load_config(
    path: str | Path = DEFAULT_CONFIG,
    *,
    year: int | None = None,
    sources: dict[str, str] | None = None,
    environ: Mapping[str, str] | None = None,
    period: PeriodLike | None = None,
    today: dt.date | None = None,
    unset: list[tuple[str, int | None]] | None = None,
) -> Config:
    """Read and validate a configuration; `period` (`year`, the public API's short form of a
    year period) and `sources` come from the command line; `unset`: see _expand_env.

    The period is `period` (read by `as_period`), else the year period `year`, else the project's default
    (`default_period` of `report.period` and `report.year`, relative to `today`). A key of
    `parameters:` that redefines a built-in parameter is reported by the validation pass.
    """
    path = Path(path)
    environ = os.environ if environ is None else environ
    data, lines, text = load_yaml(path)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(
            "配置文件的顶层应是键值对（report:、sources: 等）",
            path=path,
            line=1,
            hint="参照项目自带的 config.yaml 编写。",
        )
    overrides = _source_overrides(sources or {}, environ)
    replaced = frozenset(loc for name in overrides for loc in (("sources", name), ("sources", name, "url")))
    data = _expand_env(data, (), path, lines, environ, unset, replaced)
    # Text from the file or the environment never carries drafter's figure markers (U+E000…):
    # a parameter or a title cannot pose as a figure in the draft. URLs are left as written.
    data = {k: (v if k == "sources" else strip_internal_marks(v)) for k, v in data.items()}
    _apply_source_overrides(data, overrides, environ)
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        raise _validation_error(exc, path, lines, text) from exc
    config = config.model_copy(update={"path": path.resolve(), "lines": lines})
    for name, source in config.sources.items():
        remember(source.url)  # masked wherever it turns up: messages, logs, --debug tracebacks
        if source.password:
            remember_secret(source.password)
        if is_spreadsheet(source.url, config.root):  # an .xlsx workbook, a .csv file or a folder of them
            source.url = str(config.resolve(Path(source.url.strip())).resolve())
            continue
        _check_url(name, source, config)
        source.url = _resolve_sqlite(source.url, config.root)
    if config.report.year is None and config.report.period is None:
        line = config.line("report")
        raise ConfigError(
            "缺少必填的配置项“report.year”",
            path=path,
            line=line,
            context=numbered_context(text, line) if line else None,
            hint="年度报告写 report.year: 2025；季度、月度等报告写 report.period: quarter（或 half、month），"
            "也可写一个具体期间，如 report.period: 2025Q1。",
        )
    period = as_period(year if period is None else period)
    if period is None:
        line = config.line("report", "period")
        try:
            period = default_period(config.report.period, config.report.year, today)
        except PeriodError as exc:
            raise ConfigError(str(exc), path=path, line=line, hint="期间写法见 README 的“报告期间”。") from exc
    return config.with_period(period)
