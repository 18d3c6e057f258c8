"""`drafter init DIR --from REPORT.docx`: a working project made from an office's own report.

The report's parts (drafter/intake/reading.py) become config.yaml (title with its period
label as `{{ period.label }}`, 发文字号, 签发人, 主送机关, 署名, the period, the page and
fonts) and section templates `0-开头.txt`, one file per `一、` part, `9-结尾.txt`. Every
number stating a fact becomes `{{ unbound("…") }}` (drafter/intake/facts.py), years and the
period label period expressions. The example source and query of `drafter init` come along,
so the project builds at once; `drafter bindings` / `drafter bind` then tie each number to
a query.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from drafter.errors import DrafterError
from drafter.intake.facts import find_facts, period_words, unit_after
from drafter.intake.reading import Report, TableRows, read_report
from drafter.intake.scaffold import EXAMPLE_SOURCE, QUERY, InitResult, write_files
from drafter.project.style import StyleSettings
from drafter.word.master import build_master

__all__ = ["FromReport", "init_from_report", "period_of_title", "template_line", "unbound_call"]

_CN_QUARTER = {"一": 1, "二": 2, "三": 3, "四": 4}
LABEL = re.compile(r"(\d{4})年(?:(度)|([上下])半年|第([一二三四])季度|(\d{1,2})月(?!\d{1,2}日))?")
_OUTLINE = re.compile(r"^(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[）)]|\d+[.．](?!\d)|[（(]\d+[）)])")


@dataclass
class FromReport(InitResult):
    report: Report | None = None
    facts: int = 0  # numbers written as bindings to fill
    sections: list[str] = field(default_factory=list)


def period_of_title(title: str) -> tuple[str, str, int] | None:
    """(period code for config.yaml, the label as written, year) from the period in a title."""
    m = LABEL.search(title)
    if not m:
        return None
    year = int(m.group(1))
    if m.group(3):
        return f"{year}H{1 if m.group(3) == '上' else 2}", m.group(0), year
    if m.group(4):
        return f"{year}Q{_CN_QUARTER[m.group(4)]}", m.group(0), year
    if m.group(5) and 1 <= int(m.group(5)) <= 12:
        return f"{year}-{int(m.group(5)):02d}", m.group(0), year
    return str(year), m.group(0), year


def _escape(text: str) -> str:
    """Report text as template text: Jinja's delimiters printed as they stand."""
    return re.sub(r"([{}%#])(?=[{}%#])", lambda m: "{{ '" + m.group(1) + "' }}", text)


def unbound_call(number: str, unit: str = "") -> str:
    """`{{ unbound("1428", "人次") }}`: a number to bind, with the unit written after it."""
    args = json.dumps(number, ensure_ascii=False) + (", " + json.dumps(unit, ensure_ascii=False) if unit else "")
    return "{{ unbound(" + args + ") }}"


def template_line(text: str, year: int | None, label: str | None) -> tuple[str, int]:
    """One paragraph as a template line and how many numbers in it became bindings."""
    prefix = _OUTLINE.match(text)
    head = prefix.group(0) if prefix else ""
    rest = text[len(head) :]
    out = [head]
    pos = 0
    facts = find_facts(rest)
    for fact in facts:
        if fact.start < pos:
            continue
        out.append(period_words(_escape(rest[pos : fact.start]), year, label))
        out.append(unbound_call(fact.text, unit_after(fact.text, rest[fact.end :])))
        pos = fact.end + len(unit_after(fact.text, rest[fact.end :]))
    out.append(period_words(_escape(rest[pos:]), year, label))
    return "".join(out), len(facts)


def _table_lines(table: TableRows, year: int | None, label: str | None) -> tuple[list[str], int]:
    lines = ["表：" + period_words(_escape(table.title), year, label)]
    if table.unit:
        lines.append("单位：" + table.unit)
    count = 0
    for n, row in enumerate(table.rows):
        cells = []
        for cell in row:
            text, k = template_line(cell.replace("|", "｜"), year, label) if n else (_escape(cell), 0)
            cells.append(text or " ")
            count += k
        lines.append("| " + " | ".join(cells) + " |")
        if n == 0:
            lines.append("|" + "|".join("---" for _ in row) + "|")
    return lines, count


def _file_name(index: int, heading: str) -> str:
    name = re.sub(r'[\\/:*?"<>|\s{}]|\d{4}年', "", _OUTLINE.sub("", heading))[:20] or "正文"
    return f"{index}-{name}.txt"


def section_texts(report: Report, year: int | None, label: str | None) -> tuple[dict[str, str], int]:
    """File name → template text; the number of bindings written."""
    files: dict[str, list[str]] = {"0-开头.txt": []}
    current = "0-开头.txt"
    count = 0
    for item in report.body:
        if isinstance(item, TableRows):
            lines, k = _table_lines(item, year, label)
            files[current].extend(lines)
        else:
            if re.match(r"^[一二三四五六七八九十]+、", item) and len(files) < 9:
                current = _file_name(len(files), item)
                files[current] = []
            line, k = template_line(item, year, label)
            files[current].append(line)
        count += k
    files["9-结尾.txt"] = [report.closing or "特此报告。"]
    return {name: "\n".join(lines) + "\n" for name, lines in files.items() if lines}, count


def _style_yaml(style: StyleSettings) -> str:
    default = StyleSettings()
    changed = {k: v for k, v in style.model_dump().items() if v != getattr(default, k)}
    if not changed:
        return ""
    lines = "".join(f"  {k}: {json.dumps(v, ensure_ascii=False)}\n" for k, v in changed.items())
    return "\n# 原报告的页面和字体（与 GB/T 9704 缺省不同之处）\nstyle:\n" + lines


def _optional(key: str, value: str | None, note: str) -> str:
    if value:
        return f"  {key}: {json.dumps(value, ensure_ascii=False)}   # {note}\n"
    return f"  # {key}:                        # {note}（原报告中没有找到）\n"


def config_text(report: Report, source: Path, today: dt.date) -> str:
    found = period_of_title(report.title)
    period, label, _year = found if found else (str(today.year - 1), None, None)
    agency = report.title.split("关于", 1)[0] if "关于" in report.title else (report.signature or "（发文机关）")
    title = report.title
    if title.startswith(agency) and agency:
        title = "{{ agency }}" + title[len(agency) :]
    if label:
        title = title.replace(label, "{{ period.label }}", 1)
    short = re.sub(r"^\{\{ agency \}\}关于", "{{ agency }}", title).replace("的报告", "报告").replace("的通报", "通报")
    signature = report.signature if report.signature and report.signature != agency else None
    return f"""# drafter 配置文件（由 drafter init --from {source.name} 生成）。相对路径都以本文件所在目录为准。
# 原报告中的每个数字都写成了“待绑定”：运行 drafter bindings 生成绑定表，选好查询后 drafter bind 绑定表.xlsx。

report:
  agency: {json.dumps(agency, ensure_ascii=False)}        # 发文机关
  period: {json.dumps(period)}                 # 原报告的期间；drafter build --period 可换一期
  title: {json.dumps(title, ensure_ascii=False)}
{_optional("signature", signature, "署名（缺省同 agency）")}{_optional("recipient", report.recipient, "主送机关")}\
{_optional("doc_number", report.doc_number, "发文字号：每期改写")}{_optional("signer", report.signer, "签发人（上行文）")}\
  # date: {today.isoformat()}               # 成文日期（缺省为报告期间的最后一天；原报告：{report.date or "未找到"}）

# 数据源：名称 → 数据库 URL，或 Excel 工作簿 / CSV 文件夹的路径。示例数据源请换成本单位的。
sources:
  example:
    url: {EXAMPLE_SOURCE}
    description: 示例台账（drafter init 生成，请换成本单位的数据）

queries: queries
templates:
  master: templates/report.docx
  sections: templates/sections
output:
  dir: output
  filename: {json.dumps(short + "（草稿）.docx", ensure_ascii=False)}
{_style_yaml(report.style)}"""


def init_from_report(
    root: str | Path, source: str | Path, *, force: bool = False, today: dt.date | None = None
) -> FromReport:
    """Write the project made from the report at `source` into `root`; see the module docstring."""
    root, source = Path(root), Path(source)
    today = today or dt.date.today()
    report = read_report(source)
    if not report.body:
        raise DrafterError(
            "报告中没有找到正文段落", path=source, hint="确认这是一份公文格式的报告（标题、正文、落款）。"
        )
    found = period_of_title(report.title)
    year, label = (found[2], found[1]) if found else (None, None)
    sections, count = section_texts(report, year, label)
    files: list[tuple[str, object]] = [
        ("config.yaml", config_text(report, source, today)),
        ("templates/report.docx", lambda p: build_master(p, report.style)),
        *((f"templates/sections/{name}", text) for name, text in sections.items()),
        ("queries/items.sql", QUERY),
    ]
    result = FromReport(root, report=report, facts=count, sections=list(sections))
    write_files(result, files, today, force=force)
    return result
