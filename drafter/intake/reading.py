"""An office's own Word report read into its 公文 parts, from its text and its styles.

`read_report` opens a .docx (a .doc or .wps is converted with LibreOffice first, where it is
installed) and finds: the title, 发文字号, 签发人, 主送机关, the body (paragraphs with their
outline level, and tables), the closing (特此报告。), 署名 and 成文日期, plus the page margins
and the fonts of the body and the title (`StyleSettings` of the master).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from drafter.errors import DrafterError
from drafter.project.style import StyleSettings
from drafter.word.oxml import paragraph_text

__all__ = ["Report", "TableRows", "read_report"]

DOC_NUMBER = re.compile(r"^\S{1,20}[〔\[［]\d{4}[〕\]］]\d+号$")
SIGNER = re.compile(r"签发人[:：]\s*(\S+)")
CLOSING = re.compile(r"^特此(?:报告|通报|通知|函告|函|请示|批复)。?$|^(?:以上报告|妥否)，?请\S{0,6}。$")
DATE = re.compile(
    r"^(?:\d{4}|[〇○零一二三四五六七八九]{4})年[\d〇○零一二三四五六七八九十]{1,3}月[\d〇○零一二三四五六七八九十]{1,3}日$"
)
TABLE_TITLE = re.compile(r"^(?:表\s*\d+[\s　:：.、]*)")
UNIT_LINE = re.compile(r"^单位[:：]")
_STYLE_KIND = {
    "公文标题": "title",
    "Title": "title",
    "发文字号": "doc_number",
    "主送机关": "recipient",
    "署名": "signature",
    "成文日期": "date",
    "表题": "table_title",
}


@dataclass
class TableRows:
    title: str
    unit: str | None
    rows: list[list[str]]


@dataclass
class Report:
    title: str = ""
    doc_number: str | None = None
    signer: str | None = None
    recipient: str | None = None
    body: list[str | TableRows] = field(default_factory=list)  # paragraphs and tables, in order
    closing: str | None = None
    signature: str | None = None
    date: str | None = None
    style: StyleSettings = field(default_factory=StyleSettings)
    skipped: list[str] = field(default_factory=list)  # what was not carried over (pictures, …)


def _convert(path: Path, workdir: Path) -> Path:
    office = shutil.which("soffice") or shutil.which("libreoffice")
    if office is None:
        raise DrafterError(
            f"不能读取 {path.suffix} 文件：本机没有安装 LibreOffice",
            path=path,
            hint="在 Word 或 WPS 中把它“另存为”.docx 再运行；或安装 LibreOffice（apt-get install libreoffice-writer）。",
        )
    try:
        subprocess.run(
            [office, "--headless", "--convert-to", "docx", "--outdir", str(workdir), str(path)],
            check=True,
            capture_output=True,
            timeout=120,
        )
    except (subprocess.SubprocessError, OSError) as exc:
        raise DrafterError(
            "LibreOffice 转换失败", path=path, cause=str(exc), hint="在 Word 或 WPS 中另存为 .docx 再运行。"
        ) from exc
    converted = workdir / (path.stem + ".docx")
    if not converted.is_file():
        raise DrafterError("LibreOffice 没有生成 .docx", path=path, hint="在 Word 或 WPS 中另存为 .docx 再运行。")
    return converted


def read_report(path: str | Path) -> Report:
    """The parts of the report at `path`; see the module docstring."""
    path = Path(path)
    if not path.is_file():
        raise DrafterError("找不到报告文件", path=path, hint="检查文件名和路径。")
    if path.suffix.lower() in (".doc", ".wps", ".rtf", ".odt"):
        with tempfile.TemporaryDirectory() as tmp:
            return _read_docx(_convert(path, Path(tmp)), path)
    if path.suffix.lower() != ".docx":
        raise DrafterError("只能读取 Word 文件（.docx，或装有 LibreOffice 时的 .doc/.wps）", path=path)
    return _read_docx(path, path)


def _open(path: Path, shown: Path):
    import zipfile

    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        return docx.Document(str(path))
    except (zipfile.BadZipFile, KeyError, ValueError, PackageNotFoundError) as exc:
        raise DrafterError(
            "不是有效的 Word 文件", path=shown, cause=str(exc), hint="用 Word 或 WPS 打开后另存为 .docx 再试。"
        ) from exc


def _read_docx(path: Path, shown: Path) -> Report:
    from docx.oxml.ns import qn

    document = _open(path, shown)
    report = Report(style=_style_of(document))
    items: list[tuple[str, str, object]] = []  # (kind, text, element)
    for child in document.element.body.iterchildren():
        if child.tag == qn("w:p"):
            text = paragraph_text(child).replace("\n", "").replace("\v", "").strip()
            if child.findall(".//" + qn("w:drawing")):
                report.skipped.append("图片或图表（需在模板中另写 {{ chart(…) }}）")
            items.append((_paragraph_kind(child), text, child))
        elif child.tag == qn("w:tbl"):
            items.append(("table", "", child))
    _assign(report, items)
    return report


def _paragraph_kind(p) -> str:
    from docx.oxml.ns import qn

    style = p.find(f"{qn('w:pPr')}/{qn('w:pStyle')}")
    name = style.get(qn("w:val")) if style is not None else ""
    return _STYLE_KIND.get(name or "", "text")


def _assign(report: Report, items: list[tuple[str, str, object]]) -> None:
    """Each paragraph to its 公文 part: the head (up to the recipient or the first body line),
    the body, the closing and what follows it."""
    head_done = False
    closed = False
    title_lines: list[str] = []
    for kind, text, element in items:
        if kind == "table":
            if not closed:
                report.body.append(_table(element, report.body))
            continue
        if not text:
            continue
        if not head_done and _head_line(report, kind, text, title_lines):
            continue
        head_done = True
        if closed:
            _tail_line(report, kind, text)
            continue
        if re.match(r"^图\s*\d+[\s　]", text) and len(text) < 80:
            report.skipped.append(f"图题“{text}”（图表需在模板中另写 {{{{ chart(…) }}}}）")
            continue
        if CLOSING.match(text):
            report.closing, closed = text, True
            continue
        report.body.append(text)
    report.title = "".join(title_lines)


def _head_line(report: Report, kind: str, text: str, title_lines: list[str]) -> bool:
    """True when `text` belongs to the head (title, 文号, 签发人, 主送机关)."""
    signer = SIGNER.search(text)
    if signer:
        report.signer = signer.group(1)
        number = text[: signer.start()].strip()
        if DOC_NUMBER.match(number):
            report.doc_number = number
        return True
    if kind == "doc_number" or DOC_NUMBER.match(text):
        report.doc_number = text
        return True
    if not title_lines and kind != "title" and re.fullmatch(r"\S{2,30}文件", text):
        return True  # 版头 (发文机关标志): the red head, not the title
    if kind == "title" or (not title_lines and "关于" in text and len(text) < 80 and not text.endswith("。")):
        title_lines.append(text)
        return True
    if title_lines and "关于" not in "".join(title_lines) and "关于" in text and len(text) < 80:
        title_lines.append(text)  # 〈机关〉 on one line, 关于…… on the next
        return True
    if (title_lines and kind == "recipient") or (title_lines and text.endswith(("：", ":")) and len(text) < 60):
        report.recipient = text.rstrip("：:")
        return True
    if not title_lines and len(text) < 40 and not text.endswith("。"):
        title_lines.append(text)  # a title without 关于 on its first line
        return True
    return False


def _tail_line(report: Report, kind: str, text: str) -> None:
    if kind == "date" or DATE.match(text):
        report.date = text
    elif kind == "signature" or (report.signature is None and len(text) < 40):
        report.signature = text
    elif text.startswith("附件"):
        report.skipped.append(f"附件说明“{text}”（附件请在 config.yaml 的 templates.appendices 中另配）")
    else:
        report.skipped.append(f"落款后的段落“{text[:20]}…”")


def _table(element, body: list[str | TableRows]) -> TableRows:
    """The table's rows; its title (表1　…) and unit line (单位：…), when they stand just before
    it, are taken out of `body`."""
    from docx.oxml.ns import qn

    unit = None
    if body and isinstance(body[-1], str) and UNIT_LINE.match(body[-1]):
        unit = UNIT_LINE.sub("", str(body.pop())).strip()
    title_text = ""
    if body and isinstance(body[-1], str) and TABLE_TITLE.match(body[-1]) and len(body[-1]) < 80:
        title_text = str(body.pop())

    rows: list[list[str]] = []
    for tr in element.iter(qn("w:tr")):
        cells = []
        for tc in tr.findall(qn("w:tc")):
            cells.append("".join(paragraph_text(p) for p in tc.iter(qn("w:p"))).strip())
        rows.append(cells)
    title = TABLE_TITLE.sub("", title_text).strip()
    return TableRows(title or "（表题）", unit, rows)


_TWIPS_PER_MM = 1440 / 25.4


def _style_of(document) -> StyleSettings:
    """Margins of the first section and the fonts of the body and the title, where set."""
    values: dict[str, object] = {}
    section = document.sections[0] if document.sections else None
    if section is not None:
        for key, length in (
            ("margin_top_mm", section.top_margin),
            ("margin_bottom_mm", section.bottom_margin),
            ("margin_left_mm", section.left_margin),
            ("margin_right_mm", section.right_margin),
        ):
            if length is not None:
                values[key] = round(length.mm, 1)
    for style_name, font_key, size_key in (
        ("Normal", "body_font", "body_size"),
        ("公文标题", "title_font", "title_size"),
    ):
        try:
            style = document.styles[style_name]
        except KeyError:
            continue
        east_asian = _east_asian_font(style)
        if east_asian:
            values[font_key] = east_asian
        if style.font.size is not None:
            values[size_key] = style.font.size.pt
    try:
        return StyleSettings.model_validate(values)
    except ValueError:
        return StyleSettings()


def _east_asian_font(style) -> str | None:
    from docx.oxml.ns import qn

    rpr = style.element.rPr
    fonts = rpr.find(qn("w:rFonts")) if rpr is not None else None
    return fonts.get(qn("w:eastAsia")) if fonts is not None else None
