"""`drafter init`: a new, neutral, working project in one command.

Writes into a folder:

    config.yaml                     commented for the office's staff
    templates/report.docx           the 公文 master (gongwen.build_master; no wording of its own)
    templates/sections/0-开头.txt   the opening paragraph
    templates/sections/1-主要工作.txt   one section with figures
    templates/sections/9-结尾.txt   the closing line (特此报告。/ 特此通报。)
    queries/items.sql               one query over the example source
    data/示例台账.xlsx               the example source: an Excel 台账, generated

so that `drafter build` in the folder writes a draft at once and `drafter lint` passes.
Nothing of the sample office is in it. A folder that holds anything is refused unless
`force`, and even then no file that exists is overwritten (it is listed as kept).
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from drafter.errors import DrafterError
from drafter.outputs import write_atomically
from drafter.project.period import KINDS
from drafter.word.master import build_master

__all__ = ["PERIOD_KINDS", "InitResult", "example_rows", "init_project", "write_files"]

# The period kinds `drafter init --period` takes: those a project may default to.
PERIOD_KINDS: tuple[str, ...] = KINDS
_KIND_WORDS = {"year": "年度", "half": "半年", "quarter": "季度", "month": "月度"}
_LABEL_EXAMPLES = {"year": "2025年度", "half": "2025年上半年", "quarter": "2025年第一季度", "month": "2025年3月"}
_PERIOD_EXAMPLES = {"year": "2025", "half": "2025H1", "quarter": "2025Q1", "month": "2025-03"}

EXAMPLE_SOURCE = "data/示例台账.xlsx"
EXAMPLE_SHEET = "办理记录"
CATEGORIES = ("行政检查", "行政许可", "投诉举报", "咨询服务")
UNITS = ("第一科", "第二科", "第三科", "综合办公室")


@dataclass
class InitResult:
    root: Path
    written: list[Path] = field(default_factory=list)
    kept: list[Path] = field(default_factory=list)  # existed already, left as they were


def _yaml_str(text: str) -> str:
    """A YAML scalar for any text: JSON's double-quoted string is valid YAML."""
    return json.dumps(text, ensure_ascii=False)


def _title_templates(title: str | None) -> tuple[str, str]:
    """(report.title, output.filename) from `--title`: a document name such as 执法检查情况通报
    (put after 〈机关〉关于〈期间〉), or a whole title template with {{ … }}."""
    label = "{{ period.label }}"
    if title and "{{" in title:
        return title, "{{ agency }}" + label + "报告（草稿）.docx"
    name = (title or "工作情况的报告").strip()
    kind = name[-2:]
    if kind in ("报告", "通报", "通知", "意见", "请示") and len(name) > 2 and not name.endswith("的" + kind):
        name = name[:-2] + "的" + kind  # 关于…执法检查情况的通报: 关于 wants 的 before the kind of document
    short = name.replace("的" + kind, kind)
    return "{{ agency }}关于" + label + name, "{{ agency }}" + label + short + "（草稿）.docx"


def _closing(title: str | None) -> str:
    text = (title or "").replace("{{", "").replace("}}", "").strip()
    for kind in ("通报", "通知", "意见", "请示"):
        if text.endswith(kind):
            return f"特此{kind}。"
    return "特此报告。"


def _config_text(agency: str, period: str, title: str | None, today: dt.date) -> str:
    title_template, filename = _title_templates(title)
    example = _PERIOD_EXAMPLES[period]
    return f"""# drafter 配置文件（由 drafter init 生成）。相对路径都以本文件所在目录为准。
# 改动后运行 drafter lint 检查，再运行 drafter build 生成草稿；完整说明见 drafter 的 README。

report:
  agency: {_yaml_str(agency)}        # 发文机关：用于标题、署名和文件名
  period: {period}                   # {_KIND_WORDS[period]}报告（year 年度 / half 半年 / quarter 季度 / month 月）：
                                   # 缺省写到今天已经结束的最近一期；drafter build --period {example} 可指定一期
  # year: {today.year - 1}                      # 写上年份时，取该年中已经结束的最近一期
  title: {_yaml_str(title_template)}   # 标题：可用 {{{{ agency }}}} 和 {{{{ period.label }}}}（如 {_LABEL_EXAMPLES[period]}）
  # signature: {_yaml_str(agency)}   # 署名（缺省同 agency）
  # date: {today.isoformat()}               # 成文日期（缺省为报告期间的最后一天）
  # recipient: 主送机关名称          # 主送机关（可选）
  # doc_number: ×〔{today.year}〕1号    # 发文字号（可选）
  # signer: 签发人姓名               # 签发人（上行文，可选）：发文字号居左、签发人居右同处一行

# 数据源：名称 → 数据库 URL，或 Excel 工作簿 / CSV 文件夹的路径。查询文件头的 source: 写这里的名称。
# 示例数据源是 drafter init 生成的 Excel 台账；换成本单位的台账或数据库即可，例如：
#   ledger: data/执法检查台账.xlsx                            # Excel 工作簿：每个工作表一张表，第 1 行是列名
#   cases: data/导出                                          # 放 .csv 文件的文件夹：每个文件一张表
#   system: postgresql+psycopg://report:${{PG_PASSWORD}}@10.0.0.5/db   # 数据库（密码用环境变量）
sources:
  example:
    url: {EXAMPLE_SOURCE}
    description: 示例台账（drafter init 生成，请换成本单位的数据）

queries: queries                     # 查询目录：每个 .sql 文件一个查询，文件名即查询名
templates:
  master: templates/report.docx      # Word 母版：公文格式的样式、标题、署名和日期（不含正文文字）
  sections: templates/sections       # 正文：开头段、各部分、结尾语，按文件名顺序排列
output:
  dir: output
  filename: {_yaml_str(filename)}
"""


OPENING = "现将{{ period.label }}有关工作情况报告如下。\n"

SECTION = """{# 一行是 Word 中的一段；行首的“一、”“（一）”“1.”决定标题层级。{{ 查询名.列名 }} 是来自查询的数字，
   查询在 queries/ 下（items.sql 即 items）；prev.查询名.列名 是上年同期的，last.查询名.列名 是上一期的。
   过滤器 yoy（同比）、pct（百分数）、pp（百分点）等见 README。这段说明不会印进草稿。 #}
一、主要工作情况
{{ period.label }}，我单位共办理各类事项{{ items.total }}件，{{ items.total | yoy(prev.items.total) }}，其中行政检查{{ items.inspections }}件、行政许可{{ items.permits }}件、投诉举报{{ items.complaints }}件、咨询服务{{ items.consultations }}件；办结率{{ (items.closed / items.total) | pct(1, fixed=True) }}，{{ (items.closed / items.total) | pp(prev.items.closed / prev.items.total, prefix="同比") }}。
二、下一步工作安排
（在此写下一步的工作安排。）
"""

QUERY = f"""-- source: example
-- description: 各类事项办理情况（示例台账“{EXAMPLE_SHEET}”工作表）
-- returns: row
-- 表名是工作表名，列名是第 1 行的表头；日期与 :period_start（含）和 :period_end（不含）比较。
SELECT COUNT(*) AS total,
       SUM(CASE WHEN 事项类别 = '行政检查' THEN 1 ELSE 0 END) AS inspections,
       SUM(CASE WHEN 事项类别 = '行政许可' THEN 1 ELSE 0 END) AS permits,
       SUM(CASE WHEN 事项类别 = '投诉举报' THEN 1 ELSE 0 END) AS complaints,
       SUM(CASE WHEN 事项类别 = '咨询服务' THEN 1 ELSE 0 END) AS consultations,
       SUM(CASE WHEN 是否办结 = '是' THEN 1 ELSE 0 END) AS closed
FROM {EXAMPLE_SHEET}
WHERE 办理日期 >= :period_start AND 办理日期 < :period_end
"""


def example_rows(today: dt.date, seed: int = 12) -> list[tuple[str, dt.date, str, str, str]]:
    """Rows of the example 台账 (编号, 办理日期, 事项类别, 承办科室, 是否办结): a few a week from
    the start of the year before last up to `today`, the same rows for the same day."""
    rng = random.Random(seed)
    day = dt.date(today.year - 2, 1, 1)
    rows = []
    n = 0
    while day <= today:
        for _ in range(rng.randint(0, 3)):
            n += 1
            category = rng.choices(CATEGORIES, weights=(5, 3, 2, 2))[0]
            closed = "是" if rng.random() < 0.93 else "否"
            rows.append((f"SL{day.year}{n:05d}", day, category, rng.choice(UNITS), closed))
        day += dt.timedelta(days=1)
    return rows


def _write_workbook(path: Path, today: dt.date) -> None:
    import openpyxl
    from openpyxl.styles import Font

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = EXAMPLE_SHEET
    ws.append(["编号", "办理日期", "事项类别", "承办科室", "是否办结"])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in example_rows(today):
        ws.append(list(row))
    for column in range(2, ws.max_row + 1):
        ws.cell(column, 2).number_format = "yyyy-mm-dd"
    for letter, width in zip("ABCDE", (16, 12, 12, 14, 10)):
        ws.column_dimensions[letter].width = width
    fixed = dt.datetime(today.year, today.month, today.day)
    wb.properties.created = wb.properties.modified = fixed
    wb.properties.creator = "drafter init"
    wb.save(path)


def init_project(
    root: str | Path,
    *,
    agency: str,
    period: str = "year",
    title: str | None = None,
    force: bool = False,
    today: dt.date | None = None,
) -> InitResult:
    """Write a new project into `root`; see the module docstring."""
    root = Path(root)
    today = today or dt.date.today()
    agency = agency.strip()
    if not agency:
        raise DrafterError("发文机关名称不能为空", hint="用 --agency 写本单位名称，如 --agency 某某区市场监督管理局。")
    if period not in PERIOD_KINDS:
        raise DrafterError(f"不支持的期间类型“{period}”", hint=f"可选：{'、'.join(PERIOD_KINDS)}。")
    files: list[tuple[str, str | Callable[[Path], None]]] = [
        ("config.yaml", _config_text(agency, period, title, today)),
        ("templates/report.docx", lambda p: build_master(p)),
        ("templates/sections/0-开头.txt", OPENING),
        ("templates/sections/1-主要工作.txt", SECTION),
        ("templates/sections/9-结尾.txt", _closing(title) + "\n"),
        ("queries/items.sql", QUERY),
    ]
    result = InitResult(root)
    write_files(result, files, today, force=force)
    return result


def write_files(result: InitResult, files: list, today: dt.date, *, force: bool) -> None:
    """Write `files` ((relative path, text or writer)) and the example 台账 into `result.root`:
    refused for a folder that holds anything unless `force`, and even then no file that exists
    is overwritten (it is listed in `result.kept`)."""
    root = result.root
    if root.exists() and not root.is_dir():
        raise DrafterError("目标已存在且不是文件夹，未写入", path=root, hint="换一个文件夹名。")
    if root.is_dir() and any(root.iterdir()) and not force:
        raise DrafterError(
            "文件夹不是空的，未写入任何文件",
            path=root,
            hint="换一个新文件夹；或加 --force 只补上缺少的文件（已有的文件一个也不改）。",
        )

    def text(content: str) -> Callable[[Path], None]:
        def write(path: Path) -> None:
            path.write_text(content, encoding="utf-8")

        return write

    for relative, content in [*files, (EXAMPLE_SOURCE, lambda p: _write_workbook(p, today))]:
        target = root / relative
        if target.exists():
            result.kept.append(target)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        write = text(content) if isinstance(content, str) else content
        write_atomically(target, write, what=relative, hint="检查磁盘空间和写权限。")
        result.written.append(target)
