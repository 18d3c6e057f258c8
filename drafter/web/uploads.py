"""An uploaded draft is hostile until proved a plain .docx.

`inspect_docx` runs before python-docx ever sees the bytes: the size, the zip
magic, the zip directory (entry count, total uncompressed size, compression
ratio — a zip bomb is refused from its directory, and every entry is read with
a cap, so a directory that lies about sizes is caught too), the two parts every
Word document has, and every part whatever its name: one Word would read as XML
(declared in [Content_Types].xml, or looking like XML) is parsed as a stream without
DTDs, entities or network, and all parts together may hold at most `MAX_ELEMENTS`
elements (python-docx keeps every part as a tree: 190 parts of 1 MiB of `<w:p/>` would
be 33 million elements, gigabytes); any other part must not hold a DTD either (a
document type declaration is refused outright: Word never writes one, and it is where
entity expansion and external entities live). What the inspection cannot bound, the
limited worker process does (`drafter.web.worker`).

`private_dir` makes the folder an upload lives in: mode 0700, removed by the caller.
"""

from __future__ import annotations

import io
import os
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from drafter.errors import DraftError

MAX_UPLOAD = 20 * 1024 * 1024  # bytes of the .docx itself
MAX_ENTRIES = 2000
MAX_TOTAL = 200 * 1024 * 1024  # bytes, all entries uncompressed
MAX_RATIO = 100  # uncompressed / compressed, for an entry bigger than RATIO_FLOOR
RATIO_FLOOR = 1024 * 1024
MAX_ELEMENTS = 1_000_000  # XML elements in all parts; a long report has some tens of thousands
ZIP_MAGIC = b"PK\x03\x04"
# A document type declaration or an entity, in UTF-8 and in UTF-16 (either byte order).
DTD_MARKERS = tuple(
    text.encode(encoding) for text in ("<!DOCTYPE", "<!ENTITY") for encoding in ("ascii", "utf-16-le", "utf-16-be")
)
REQUIRED_PARTS = ("[Content_Types].xml", "word/document.xml")

NOT_DOCX_HINT = "请上传用 drafter 生成、在 Word 或 WPS 中编辑后保存的 .docx 文件；.doc 或 .wps 请先“另存为” .docx。"


@dataclass(frozen=True)
class UploadLimits:
    max_bytes: int = MAX_UPLOAD
    max_entries: int = MAX_ENTRIES
    max_total: int = MAX_TOTAL
    max_ratio: int = MAX_RATIO
    max_elements: int = MAX_ELEMENTS


def _refuse(message: str, name: str, *, cause: str | None = None, hint: str = NOT_DOCX_HINT) -> DraftError:
    return DraftError(f"“{name}”{message}", cause=cause, hint=hint)


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=False,
    )


def inspect_docx(data: bytes, name: str = "上传的文件", limits: UploadLimits = UploadLimits()) -> None:
    """Raise DraftError (a message for the uploader) unless `data` is a .docx safe to open."""
    mb = limits.max_bytes / 1024 / 1024
    if len(data) > limits.max_bytes:
        raise _refuse(
            f"超过 {mb:g} MB，不予接收", name, hint="草稿一般只有几十 KB；请确认文件，或压缩其中的图片后再上传。"
        )
    if not data:
        raise _refuse("是空文件", name)
    if not data.startswith(ZIP_MAGIC):
        raise _refuse("不是 .docx 文件（不是 Word 2007 及以后的格式）", name)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as exc:
        raise _refuse("已损坏，无法作为 .docx 打开", name, cause=f"{type(exc).__name__}: {exc}") from exc
    with archive:
        _check_directory(infos, name, limits)
        names = {i.filename for i in infos}
        missing = [p for p in REQUIRED_PARTS if p not in names]
        if missing:
            raise _refuse(
                "不是 Word 文档（缺少 " + "、".join(missing) + "）",
                name,
                hint="可能是其他 Office 文件（如 Excel）或普通 zip 压缩包。" + NOT_DOCX_HINT,
            )
        _check_parts(archive, infos, name, limits)


def _check_parts(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo], name: str, limits: UploadLimits) -> None:
    """Every part, whatever its name: a part Word would read as XML (declared so in
    [Content_Types].xml, or one that looks like XML) is parsed without DTDs and counted
    against the element budget; any other part must not hold a DTD either."""
    declared = _xml_parts(archive, infos, name, limits)
    total = 0
    elements = 0
    for info in infos:
        if info.is_dir():
            continue
        content = _read_capped(archive, info, name, limits, total)
        total += len(content)
        if info.filename in declared or _looks_like_xml(content):
            elements += _check_xml(content, info.filename, name, limits.max_elements - elements)
        elif any(marker in content for marker in DTD_MARKERS):
            raise _dtd_refusal(info.filename, name)


def _xml_parts(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo], name: str, limits: UploadLimits) -> set[str]:
    """The parts [Content_Types].xml declares as XML (by extension or by name)."""
    [types_info] = [i for i in infos if i.filename == "[Content_Types].xml"]
    content = _read_capped(archive, types_info, name, limits, 0)
    _check_xml(content, types_info.filename, name, limits.max_elements)
    root = etree.fromstring(content, _parser())
    by_extension = {
        str(e.get("Extension", "")).lower() for e in root if str(e.tag).endswith("Default") and _is_xml_type(e)
    }
    by_name = {
        str(e.get("PartName", "")).lstrip("/") for e in root if str(e.tag).endswith("Override") and _is_xml_type(e)
    }
    return {i.filename for i in infos if i.filename in by_name or i.filename.rsplit(".", 1)[-1].lower() in by_extension}


def _is_xml_type(element: etree._Element) -> bool:
    content_type = str(element.get("ContentType", "")).lower()
    return content_type.endswith(("+xml", "/xml"))


def _looks_like_xml(content: bytes) -> bool:
    head = content[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith((b"<", b"\xff\xfe", b"\xfe\xff")) or head[1:2] == b"\x00"


def _check_directory(infos: list[zipfile.ZipInfo], name: str, limits: UploadLimits) -> None:
    bomb_hint = "这个文件解压后异常巨大（疑似“压缩炸弹”），不予打开；请上传正常的草稿。"
    if len(infos) > limits.max_entries:
        raise _refuse(f"包含 {len(infos)} 个部件，超过上限 {limits.max_entries}", name, hint=bomb_hint)
    total = 0
    seen: set[str] = set()
    for info in infos:
        if info.filename in seen:  # which of the two a reader takes is up to the reader
            raise _refuse("包含重复的部件名", name, cause=info.filename)
        seen.add(info.filename)
        if info.flag_bits & 0x1:
            raise _refuse("已加密，无法核对", name, hint="请在 Word 中取消密码保护后另存，再上传。")
        if info.filename.startswith(("/", "\\")) or ".." in info.filename.replace("\\", "/").split("/"):
            raise _refuse("包含不合法的部件名", name, cause=info.filename)
        total += info.file_size
        if total > limits.max_total:
            raise _refuse(f"解压后超过 {limits.max_total // 1024 // 1024} MB", name, hint=bomb_hint)
        if info.file_size > RATIO_FLOOR and info.file_size > limits.max_ratio * max(info.compress_size, 1):
            raise _refuse(
                f"中的部件 {info.filename} 压缩比异常（{info.file_size // max(info.compress_size, 1)} 倍）",
                name,
                hint=bomb_hint,
            )


def _read_capped(archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, limits: UploadLimits, used: int) -> bytes:
    """The entry's bytes, never more than it declares nor than the total allows."""
    cap = min(info.file_size, limits.max_total - used)
    try:
        with archive.open(info) as stream:
            content = stream.read(cap + 1)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
        raise _refuse(
            "已损坏，无法作为 .docx 打开", name, cause=f"{info.filename}: {type(exc).__name__}: {exc}"
        ) from exc
    if len(content) > cap:
        raise _refuse("的部件大小与声明不符（疑似“压缩炸弹”）", name, cause=info.filename)
    return content


def _dtd_refusal(part: str, name: str) -> DraftError:
    return _refuse(
        "含有 XML 文档类型声明（DTD/实体），Word 从不写这种内容，不予打开",
        name,
        cause=part,
        hint="请上传由 Word 或 WPS 保存的草稿。",
    )


def _check_xml(content: bytes, part: str, name: str, budget: int) -> int:
    """Parse one part as a stream (no DTD, no entities, no network), forgetting each element
    once read; its number of elements, refused past `budget`."""
    if any(marker in content[:65536].upper() for marker in DTD_MARKERS):
        raise _dtd_refusal(part, name)
    count = 0
    events = etree.iterparse(
        io.BytesIO(content), events=("end",), resolve_entities=False, load_dtd=False, no_network=True, huge_tree=False
    )
    try:
        for _event, element in events:
            count += 1
            if count > budget:
                raise _refuse(
                    "中的 XML 元素过多（超过上限），不予打开",
                    name,
                    cause=part,
                    hint="正常的草稿远少于此；文件可能经过恶意构造（疑似“压缩炸弹”）。",
                )
            element.clear()
        root = events.root
    except etree.XMLSyntaxError as exc:
        raise _refuse("中的 XML 已损坏", name, cause=f"{part}: {exc}") from exc
    if root is None or root.getroottree().docinfo.doctype or root.getroottree().docinfo.internalDTD is not None:
        raise _dtd_refusal(part, name)
    return count


def private_dir(parent: str | Path | None = None, prefix: str = "drafter-") -> Path:
    """A new folder only this user can enter (0700)."""
    path = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
    os.chmod(path, 0o700)
    return path


def display_name(filename: str | None, default: str = "草稿.docx") -> str:
    """The uploader's file name, for display and download names only: no folders, no control characters."""
    base = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if ch.isprintable() and ch not in '<>:"|?*').strip().lstrip(".")
    return base[:120] or default
