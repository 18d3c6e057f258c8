"""An uploaded draft is hostile until proved a plain .docx.

`inspect_docx` runs before python-docx ever sees the bytes: the size, the zip
magic, the zip directory (entry count, total uncompressed size, compression
ratio — a zip bomb is refused from its directory, and every entry is read with
a cap, so a directory that lies about sizes is caught too), the two parts every
Word document has, and every XML part parsed without DTDs, entities or network
(a document type declaration is refused outright: Word never writes one, and it
is where entity expansion and external entities live).

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
ZIP_MAGIC = b"PK\x03\x04"
REQUIRED_PARTS = ("[Content_Types].xml", "word/document.xml")

NOT_DOCX_HINT = "请上传用 drafter 生成、在 Word 或 WPS 中编辑后保存的 .docx 文件；.doc 或 .wps 请先“另存为” .docx。"


@dataclass(frozen=True)
class UploadLimits:
    max_bytes: int = MAX_UPLOAD
    max_entries: int = MAX_ENTRIES
    max_total: int = MAX_TOTAL
    max_ratio: int = MAX_RATIO


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
        total = 0
        for info in infos:
            if info.is_dir():
                continue
            content = _read_capped(archive, info, name, limits, total)
            total += len(content)
            if info.filename.endswith((".xml", ".rels")):
                _check_xml(content, info.filename, name)


def _check_directory(infos: list[zipfile.ZipInfo], name: str, limits: UploadLimits) -> None:
    bomb_hint = "这个文件解压后异常巨大（疑似“压缩炸弹”），不予打开；请上传正常的草稿。"
    if len(infos) > limits.max_entries:
        raise _refuse(f"包含 {len(infos)} 个部件，超过上限 {limits.max_entries}", name, hint=bomb_hint)
    total = 0
    for info in infos:
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


def _check_xml(content: bytes, part: str, name: str) -> None:
    if b"<!DOCTYPE" in content[:65536].upper() or b"<\0!\0D\0O\0C\0T\0Y\0P\0E" in content[:65536].upper():
        raise _refuse(
            "含有 XML 文档类型声明（DTD/实体），Word 从不写这种内容，不予打开",
            name,
            cause=part,
            hint="请上传由 Word 或 WPS 保存的草稿。",
        )
    try:
        tree = etree.fromstring(content, _parser()).getroottree()
    except etree.XMLSyntaxError as exc:
        raise _refuse("中的 XML 已损坏", name, cause=f"{part}: {exc}") from exc
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise _refuse(
            "含有 XML 文档类型声明（DTD/实体），Word 从不写这种内容，不予打开",
            name,
            cause=part,
            hint="请上传由 Word 或 WPS 保存的草稿。",
        )


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
