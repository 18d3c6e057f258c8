"""The Word side of a build: fill the master with docxtpl, insert the body, tag the figures."""

from __future__ import annotations

import io
import re
import threading
import time
import zipfile
import zlib
from pathlib import Path
from typing import Any, ClassVar

from docx.document import Document as DocumentObject
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.exceptions import PackageNotFoundError
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docxtpl import DocxTemplate
from jinja2.exceptions import SecurityError, UndefinedError
from jinja2.exceptions import TemplateError as JinjaError

from drafter.data.figures import FigureRegistry
from drafter.errors import DrafterError, TemplateError
from drafter.outputs import write_atomically, write_new
from drafter.project.style import StyleSettings
from drafter.text.blocks import ChartBlock, TableBlock
from drafter.text.environment import template_error
from drafter.text.sections import Block, wide_tags
from drafter.word.banner import lay_out_banner
from drafter.word.gongwen import TITLE
from drafter.word.layout import finish
from drafter.word.nobreak import keep_numbers_whole
from drafter.word.oxml import (
    highlight_placeholders,
    mark_wordings,
    number_in_document_order,
    paragraph_text,
    strip_all_marks,
    wrap_figures,
)
from drafter.word.signer import lay_out_signer
from drafter.word.styles import STYLE_FOR_LEVEL, body_style_name, ensure_styles, paragraph_style_ids, style_entries
from drafter.word.tables import (
    CAPTION_STYLE,
    PICTURE_STYLE,
    TableCells,
    build_tables,
    ensure_table_styles,
    table_heading,
    table_placeholder,
)

BODY_MARK = "\ue010drafter-body\ue011"


_REMEMBER_LOCK = threading.Lock()  # the web page builds drafts in threads


def _remember(memo: dict, key: Any, value: Any, limit: int) -> None:
    """memo[key] = value, the oldest entry let go once `limit` are kept."""
    with _REMEMBER_LOCK:
        if key not in memo and len(memo) >= limit:
            del memo[next(iter(memo))]
        memo[key] = value


class MasterTemplate(DocxTemplate):
    """docxtpl's template, its preprocessing of a part's XML into Jinja (`patch_xml`, a few
    dozen regular expressions, a pure function of the text) done once per text: every draft
    of a batch fills the same master."""

    _patched: ClassVar[dict[str, str]] = {}
    _PATCHED_MAX = 64  # texts kept: a master's body, headers and footers; a bound for many masters

    def patch_xml(self, src_xml: str) -> str:
        patched = self._patched.get(src_xml)
        if patched is None:
            patched = super().patch_xml(src_xml)
            _remember(self._patched, src_xml, patched, self._PATCHED_MAX)
        return patched


def open_master(path: Path, *, check_tags: bool = True) -> DocxTemplate:
    if not path.is_file():
        raise TemplateError(
            "找不到 Word 母版",
            path=path,
            hint="在 config.yaml 的 templates.master 中写对路径；可用 drafter master 重新生成默认母版。",
        )
    if not zipfile.is_zipfile(path):
        raise TemplateError(
            "Word 母版不是 .docx 文件",
            path=path,
            hint="母版须是 Word 2007 及以后的 .docx 格式；.doc 或 .wps 请在 Word/WPS 中“另存为”.docx。",
        )
    tpl = MasterTemplate(str(path))
    try:
        tpl.init_docx()  # docxtpl reads the package lazily: read it now, while we can say why
    except (PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise TemplateError(
            "Word 母版无法作为 Word 文档打开",
            path=path,
            cause=f"{type(exc).__name__}: {exc}",
            hint="母版须是 Word 文档（不是 Excel 等其他文件）：用 Word 打开并另存为 .docx，"
            "或用 drafter master 重新生成。",
        ) from exc
    if check_tags:
        check_master_tags(tpl.docx, path)
    return tpl


# -- the master's text as docxtpl sees it, for messages that say which paragraph -------------

_DOCXTPL_PREFIX = re.compile(r"(\{\{|\{%|\{#)(?:p|tr|tc|r) ")
_DOCXTPL_CELL = re.compile(r"\{%\s*(?:vm|hm)\s*%\}")
_DOCXTPL_CELL_VALUE = re.compile(r"\{%\s*(?:colspan|cellbg)\s+(.*?)%\}")
_DELIMITER = re.compile(r"\{\{|\}\}|\{%|%\}|\{#|#\}")
_CLOSER = {"{{": "}}", "{%": "%}", "{#": "#}"}


def master_paragraphs(document: DocumentObject) -> list[tuple[str, str]]:
    """(where, text) of every paragraph of the master, text joined over its runs as docxtpl
    joins a tag that Word split into runs: body paragraphs as 第 N 段 (tables included),
    then the paragraphs of each header and footer."""
    out = [
        (f"第 {n} 段", paragraph_text(p, breaks=False)) for n, p in enumerate(document.element.body.iter(qn("w:p")), 1)
    ]
    for rel in document.part.rels.values():
        kind = "页眉" if rel.reltype == RT.HEADER else "页脚" if rel.reltype == RT.FOOTER else None
        if kind is None or rel.is_external:
            continue
        element = getattr(rel.target_part, "element", None)
        if element is None:
            continue
        out += [(f"{kind}第 {n} 段", paragraph_text(p, breaks=False)) for n, p in enumerate(element.iter(qn("w:p")), 1)]
    return out


def as_jinja(text: str) -> str:
    """A master paragraph as plain Jinja: docxtpl's `{%p …%}`, `{{r …}}`, `{% vm %}` … made plain."""
    text = _DOCXTPL_PREFIX.sub(r"\1 ", text)
    text = _DOCXTPL_CELL.sub("", text)
    return _DOCXTPL_CELL_VALUE.sub(r"{{ \1}}", text)


def tag_problem(text: str) -> str | None:
    """What is wrong with the `{{ }}` / `{% %}` / `{# #}` marks of one paragraph, or None.
    Every tag must open and close in the same paragraph, typed in half-width characters."""
    for _, mark in wide_tags(text)[:1]:
        return f"“{mark}”是全角字符，不会被当作标记，会原样印进草稿（请用英文输入法改成半角）"
    opened = None
    for match in _DELIMITER.finditer(text):
        token = match.group()
        if opened == "{#" and token != "#}":
            continue
        if token in _CLOSER:
            if opened is not None:
                return f"“{opened}”之后缺少“{_CLOSER[opened]}”"
            opened = token
        elif opened is None:
            opener = next(o for o, c in _CLOSER.items() if c == token)
            return f"多出“{token}”（前面缺少“{opener}”）"
        elif token != _CLOSER[opened]:
            return f"“{opened}”与“{token}”不配对，应为“{_CLOSER[opened]}”"
        else:
            opened = None
    return f"“{opened}”之后缺少“{_CLOSER[opened]}”" if opened else None


def master_tag_error(path: Path, where: str, text: str, problem: str) -> TemplateError:
    """The one message for a master paragraph whose tags do not open and close in it."""
    return TemplateError(
        f"Word 母版的模板标记不完整：{problem}",
        path=path,
        where=where,
        context=f"  > {where} | {text}",
        hint="在 Word 中改正该段的标记：写成完整的 {{ 名称 }} 或 {% … %}，一个标记从头到尾写在同一段里，中间不要回车。",
    )


def check_master_tags(document: DocumentObject, path: Path) -> None:
    """Refuse a master whose tags do not open and close within one paragraph: docxtpl would
    otherwise swallow the text up to the next closing mark without a word."""
    for where, text in master_paragraphs(document):
        problem = tag_problem(text)
        if problem:
            raise master_tag_error(path, where, text, problem)


def _where_in_master(document: DocumentObject | None, name: str, attribute: bool = False) -> list[tuple[str, str]]:
    """The master paragraphs whose tags mention `name` (`.name` for an attribute)."""
    if document is None:
        return []
    before = r"\.\s*" if attribute else r"(?<![\w.])"
    word = re.compile(rf"{before}{re.escape(name)}(?!\w)")
    found = []
    for where, text in master_paragraphs(document):
        tags = re.findall(r"\{\{.*?\}\}|\{%.*?%\}", text)
        if any(word.search(tag) for tag in tags):
            found.append((where, text))
    return found


def _master_error(
    exc: BaseException, path: Path, document: DocumentObject | None, context: dict[str, Any]
) -> DrafterError:
    """A render error of the master in the words the sections get (one translator,
    text/environment.template_error), placed at the master's paragraph instead of a line."""
    if isinstance(exc, DrafterError):
        exc.path = exc.path or path
        return exc
    if isinstance(exc, (UndefinedError, SecurityError)):
        error = template_error(exc, path, "", context, filename=f"<master {path}>")
        named = re.search(r"'([^']+)' is undefined|attribute '([^']+)'", str(exc))
        spots = (
            _where_in_master(document, named.group(1) or named.group(2), attribute=not named.group(1)) if named else []
        )
        error.line, error.where = None, spots[0][0] if spots else None
        error.context = "\n".join(f"  > {w} | {t}" for w, t in spots[:3]) or None
        return error
    lines = [line.strip() for line in getattr(exc, "docx_context", []) if line.strip()]
    return TemplateError(
        "Word 母版中的模板标记有误",
        path=path,
        cause=f"{type(exc).__name__}: {exc}",
        context="\n".join(f"  | {line}" for line in lines[:7]) or None,
        hint="在 Word 中检查 {{ }} 和 {% %} 标记：名称拼写、是否成对；标记中间不要换行或改字体。",
    )


def fill_master(master_path: Path, env, context: dict[str, Any], master: DocxTemplate | None = None) -> DocumentObject:
    """Render the docxtpl master (`master`: the master already opened, its tags checked);
    the body paragraph keeps `BODY_MARK` for `insert_body`."""
    tpl = open_master(master_path) if master is None else master
    master = tpl.docx
    try:
        tpl.render({**context, "body": BODY_MARK}, jinja_env=env, autoescape=True)
    except (JinjaError, DrafterError, TypeError, ValueError, ArithmeticError, AttributeError) as exc:
        raise _master_error(exc, master_path, master, {**context, "body": BODY_MARK}) from exc
    return tpl.docx


def insert_body(
    document: DocumentObject,
    paragraphs: list[Block],
    master_path: Path,
    settings: StyleSettings,
    registry: FigureRegistry | None = None,
) -> None:
    """Replace the `{{ body }}` paragraph of the master by the rendered sections: paragraphs,
    tables and charts."""
    body_p = None
    for p in document.element.body.iter(qn("w:p")):
        if BODY_MARK in paragraph_text(p):
            body_p = p
            break
    if body_p is None:
        raise TemplateError(
            "Word 母版中没有 {{ body }} 段落",
            path=master_path,
            hint="在母版正文位置单独起一段，只写 {{ body }}，各部分内容会插在这里。",
        )
    ensure_styles(document, settings)
    insert_blocks(document, paragraphs, body_p, settings, registry or FigureRegistry())
    body_p.getparent().remove(body_p)


def insert_blocks(
    document: DocumentObject, blocks: list[Block], before, settings: StyleSettings, registry: FigureRegistry
) -> None:
    """Insert `blocks` before the element `before`."""
    # Look each style up once; python-docx would search the styles part per paragraph.
    # Body text is Normal (no pStyle), or the custom 正文 of a master made by an older drafter.
    entries = style_entries(document)
    style_ids = paragraph_style_ids(document, {**STYLE_FOR_LEVEL, 0: body_style_name(document, entries)}, entries)
    table_styles = None
    for block in blocks:
        if isinstance(block, (TableBlock, ChartBlock)):
            table_styles = table_styles or ensure_table_styles(document, settings)
            if isinstance(block, TableBlock):
                for el in table_heading(block, table_styles):
                    before.addprevious(el)
                placeholder = table_placeholder(block)
                before.addprevious(placeholder)
                registry.pending_tables.append((placeholder, block))
            else:
                _insert_chart(document, block, before, table_styles, settings)
            continue
        p = before.add_p_before() if hasattr(before, "add_p_before") else _p_before(before)
        style_id = style_ids.get(block.level, style_ids[0])
        if style_id:
            p.style = style_id
        p.add_r().text = block.text


def _p_before(element):
    p = OxmlElement("w:p")
    element.addprevious(p)
    return p


def _insert_chart(document: DocumentObject, block, before, styles: dict[str, str], settings: StyleSettings) -> None:
    """The chart's picture at the type-area width, then its caption 图N　…"""
    from docx.shared import Twips
    from docx.text.paragraph import Paragraph as DocxParagraph

    # lazily: the chart code (matplotlib, chart XML) only for a draft with charts
    from drafter.word.charts import render_png

    spec = block.spec
    caption = f"{block.label}\u3000{spec.title}" if spec.title else block.label
    p = _p_before(before)
    p.style = styles[PICTURE_STYLE]
    if spec.labels and settings.chart_format == "native":
        # lazily: the chart code (matplotlib, chart XML) only for a draft with charts
        from drafter.word.nativechart import chart_inline

        shape_id = 7000 + block.number
        drawing = chart_inline(document, spec, int(settings.type_width * 635), font=settings.heading1_font,
                               name=f"drafter:chart{block.number}", descr=caption, shape_id=shape_id)  # fmt: skip
        DocxParagraph(p, document._body).add_run()._r.append(drawing)
    elif spec.labels:
        width_mm = settings.type_width / 1440 * 25.4
        run = DocxParagraph(p, document._body).add_run()
        run.add_picture(io.BytesIO(render_png(spec, width_mm)), width=Twips(settings.type_width))
        doc_pr = p.find(".//" + qn("wp:docPr"))
        if doc_pr is not None:
            doc_pr.set("name", f"drafter:chart{block.number}")
            doc_pr.set("descr", caption)
    else:
        p.add_r().text = f"【待补充：{block.label} 查询 {spec.query or '（未知）'} 没有返回数据】"
    c = _p_before(before)
    c.style = styles[CAPTION_STYLE]
    c.add_r().text = caption


def append_appendices(
    document: DocumentObject,
    appendices: list[tuple[str, list[Block]]],
    settings: StyleSettings,
    registry: FigureRegistry,
) -> None:
    """Each appendix on a new page after the closing: `附件` (or 附件1, 附件2 …) at the top
    left in 黑体, its title centred on the third line, then its blocks (GB/T 9704 §8)."""
    if not appendices:
        return
    body = document.element.body
    sect = body.find(qn("w:sectPr"))
    end = OxmlElement("w:p")
    if sect is not None:
        sect.addprevious(end)
    else:
        body.append(end)
    ensure_table_styles(document, settings)
    ids = paragraph_style_ids(document, {1: STYLE_FOR_LEVEL[1], 0: TITLE})
    heading_id, title_id = ids[1], ids[0]
    for n, (title, blocks) in enumerate(appendices, 1):
        label = "附件" if len(appendices) == 1 else f"附件{n}"
        head = _p_before(end)
        head.style = heading_id
        ppr = head.get_or_add_pPr()
        ppr.append(OxmlElement("w:pageBreakBefore"))
        ind = OxmlElement("w:ind")
        ind.set(qn("w:firstLine"), "0")
        ind.set(qn("w:firstLineChars"), "0")
        ppr.append(ind)
        head.add_r().text = label
        _p_before(end)
        t = _p_before(end)
        t.style = title_id
        t.add_r().text = title
        _p_before(end)
        insert_blocks(document, blocks, end, settings, registry)
    end.getparent().remove(end)


def compose(
    master_path: Path,
    env,
    context: dict[str, Any],
    paragraphs: list[Block],
    registry: FigureRegistry,
    settings: StyleSettings,
    appendices: list[tuple[str, list[Block]]] | None = None,
    master: DocxTemplate | None = None,
    *,
    tables_as_text: bool = False,
    table_cells: dict[str, TableCells] | None = None,
) -> DocumentObject:
    """The finished draft in memory: master filled, body inserted, 公文 layout, figures tagged
    (`master`: the master already opened, drafter.batch.Renderer). With `tables_as_text`, for a
    draft that is only saved, its tables are written into the file as it is saved, not into
    the tree; with `table_cells`, for a draft only compared (check), they are put there as
    their cells read, and never written (drafter.word.tables.build_tables)."""
    document = fill_master(master_path, env, context, master)
    insert_body(document, paragraphs, master_path, settings, registry)
    append_appendices(document, appendices or [], settings, registry)
    finish(document, settings)
    signers = (context.get("report") or {}).get("signer")
    if signers:
        lay_out_signer(document, settings, signers)
    banner = (context.get("report") or {}).get("banner")
    if banner is not None:
        lay_out_banner(document, settings, banner)
    body = document.element.body
    mark_wordings(body)
    number_in_document_order(body, registry)
    if registry.pending_tables:
        styles = ensure_table_styles(document, settings)
        as_text = document.part if tables_as_text else None
        build_tables(registry.pending_tables, registry, styles, settings, body, as_text=as_text, as_cells=table_cells)
        registry.pending_tables = []
    wrap_figures(body, registry, renumber=False)
    highlight_placeholders(body, registry)
    keep_numbers_whole(body)
    # Headers and footers through the package's relationships: a section's `.header` would add a
    # definition where there is none, and finds its predecessor by an XPath over the whole body.
    for rel in document.part.rels.values():
        if rel.reltype in (RT.HEADER, RT.FOOTER) and not rel.is_external:
            element = getattr(rel.target_part, "element", None)
            if element is not None:
                strip_all_marks(element)
    return document


def next_free_path(path: Path) -> Path:
    """`x（草稿）.docx`, else `x（草稿）-2.docx`, `-3`, … whichever does not exist yet."""
    if not path.exists():
        return path
    n = 2
    while True:
        candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
        if not candidate.exists():
            return candidate
        n += 1


def save_new(document: DocumentObject, path: Path, *, force: bool = False) -> Path:
    """Write a new draft at `path`, else at the next free `-2`, `-3` … claimed atomically, so
    that builds at the same time never share a name; with `force`, replace `path`."""
    return write_new(
        path,
        lambda tmp: save_docx(document, tmp),
        what="草稿",
        force=force,
        hint="检查磁盘空间和写权限；若该文件正在 Word 中打开，请先关闭。",
    )


def save_atomically(document: DocumentObject, path: Path) -> None:
    """Write to a temporary file beside `path`, then rename: never a half-written draft."""
    write_atomically(
        path,
        lambda tmp: save_docx(document, tmp),
        what="草稿",
        hint="检查磁盘空间和写权限；若该文件正在 Word 中打开，请先关闭。",
    )


# zlib's fastest level: a draft's parts are mostly the master's XML (styles, a 400 KB
# stylesWithEffects.xml), which level 1 compresses in half the time of the default level 6 for a
# file about a third larger (tens of kilobytes), a cost paid again for every draft of a batch.
ZIP_LEVEL = 1


# A part at least this large is compressed once while it stays the same: every draft of a batch
# has the master's styles, theme and settings byte for byte (a 400 KB stylesWithEffects.xml among them).
DEFLATE_ONCE_BYTES = 8192
DEFLATE_ONCE_MAX = 4 << 20  # a larger part (a long table's document) is not kept: it is the draft's own
_LAST_DEFLATED: dict[str, tuple[bytes, bytes]] = {}  # member name → (its bytes, their deflate stream)
_LAST_DEFLATED_MAX = 64  # names kept: a docx has a few dozen parts


class _Deflated:
    """The compressor zipfile's writer asks for a member's stream, handing back one made
    before: the writer still counts the size and the CRC of the bytes written to it."""

    __slots__ = ("stream",)

    def __init__(self, stream: bytes) -> None:
        self.stream = stream

    def compress(self, data: Any) -> bytes:
        return b""

    def flush(self) -> bytes:
        return self.stream


def _deflate(name: str, blob: bytes) -> bytes:
    """`blob` as a raw deflate stream at ZIP_LEVEL, the one made last time when the member
    `name` had the same bytes (compared, not hashed: a part that changes differs early)."""
    last = _LAST_DEFLATED.get(name)
    if last is not None and last[0] == blob:
        return last[1]
    packer = zlib.compressobj(ZIP_LEVEL, zlib.DEFLATED, -15)  # raw deflate, as a zip member holds it
    stream = packer.compress(blob) + packer.flush()
    _remember(_LAST_DEFLATED, name, (blob, stream), _LAST_DEFLATED_MAX)
    return stream


class _FastZipWriter:
    """python-docx's zip writer (docx.opc.phys_pkg._ZipPkgWriter) at ZIP_LEVEL, a large part
    compressed once while it stays the same (`_deflate`)."""

    def __init__(self, path: Path) -> None:
        self._zipf = zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=ZIP_LEVEL)

    def write(self, pack_uri: Any, blob: bytes) -> None:
        name = pack_uri.membername
        if not DEFLATE_ONCE_BYTES <= len(blob) <= DEFLATE_ONCE_MAX:
            self._zipf.writestr(name, blob)
            return
        info = zipfile.ZipInfo(name, date_time=time.localtime(time.time())[:6])
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o600 << 16  # as writestr gives a member
        with self._zipf.open(info, "w") as member:
            if hasattr(member, "_compressor"):  # else (another Python) it compresses the usual way
                member._compressor = _Deflated(_deflate(name, blob))
            member.write(blob)

    def close(self) -> None:
        self._zipf.close()


def save_docx(document: DocumentObject, path: Path) -> None:
    """`document.save(path)` as python-docx's OpcPackage.save does it, its parts compressed at
    ZIP_LEVEL; a python-docx without those steps saves the usual way."""
    from docx.opc.pkgwriter import PackageWriter

    package = document.part.package
    steps = [getattr(PackageWriter, f"_write_{name}", None) for name in ("content_types_stream", "pkg_rels", "parts")]
    if not all(steps):
        document.save(str(path))
        return
    for part in package.parts:
        part.before_marshal()
    writer = _FastZipWriter(path)
    try:
        PackageWriter._write_content_types_stream(writer, package.parts)
        PackageWriter._write_pkg_rels(writer, package.rels)
        PackageWriter._write_parts(writer, package.parts)  # type: ignore[arg-type]
    finally:
        writer.close()
