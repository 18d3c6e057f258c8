"""Uploads for the web tests: an edited draft, a zip bomb, a draft with an XML entity trap."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from docx import Document
from docx.oxml.ns import qn

from drafter.review.scan import control_id
from drafter.word.manifest import read_manifest


def planted_edit(draft: Path, target: Path, ref: str, text: str) -> str:
    """A copy of `draft` where the figure printing `ref` reads `text`; returns the figure's id."""
    doc = Document(str(draft))
    fid = next(f.id for f in read_manifest(doc).figures if f.ref == ref)
    sdt = next(s for s in doc.element.body.iter(qn("w:sdt")) if control_id(s) == fid)
    ts = list(sdt.iter(qn("w:t")))
    ts[0].text = text
    for t in ts[1:]:
        t.text = ""
    doc.save(str(target))
    return fid


def zip_bomb(target: Path, size: int = 64 * 1024 * 1024) -> Path:
    """A .docx-looking zip whose one part inflates to `size` bytes of zeros (about 1000:1)."""
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="x"/>')
        with z.open("word/document.xml", "w", force_zip64=True) as part:
            chunk = b"\0" * (1024 * 1024)
            for _ in range(size // len(chunk)):
                part.write(chunk)
    return target


def with_document_xml(draft: Path, target: Path, rewrite) -> Path:
    """A copy of `draft` whose word/document.xml is `rewrite(old_bytes)`."""
    out = io.BytesIO()
    with zipfile.ZipFile(draft) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "word/document.xml":
                data = rewrite(data)
            dst.writestr(info, data)
    target.write_bytes(out.getvalue())
    return target


def xxe_docx(draft: Path, target: Path) -> Path:
    """The draft with an external entity reading /etc/passwd into its first text."""

    def rewrite(xml: bytes) -> bytes:
        head, sep, body = xml.partition(b"?>")
        doctype = b'<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        body = body.replace(b"<w:t>", b"<w:t>&xxe;", 1)
        return head + sep + doctype + body

    return with_document_xml(draft, target, rewrite)


def laughs_docx(draft: Path, target: Path) -> Path:
    """The draft with a billion-laughs entity expansion in its first text."""

    def rewrite(xml: bytes) -> bytes:
        head, sep, body = xml.partition(b"?>")
        entities = b'<!ENTITY a "ha">' + b"".join(
            b'<!ENTITY %s "%s">' % (bytes([98 + i]), (b"&" + bytes([97 + i]) + b";") * 10) for i in range(8)
        )
        body = body.replace(b"<w:t>", b"<w:t>&i;", 1)
        return head + sep + b"<!DOCTYPE w:document [" + entities + b"]>" + body

    return with_document_xml(draft, target, rewrite)


def lying_zip(target: Path, size: int = 8 * 1024 * 1024, declared: int = 100) -> Path:
    """A zip whose word/document.xml inflates to `size` bytes but whose headers declare `declared`."""
    import struct

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="x"/>')
        z.writestr("word/document.xml", b"\0" * size)
    data = bytearray(buffer.getvalue())
    name = b"word/document.xml"
    for signature, size_at in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = 0
        while (at := data.find(signature, at)) >= 0:
            name_at = at + (30 if signature == b"PK\x03\x04" else 46)
            if data[name_at : name_at + len(name)] == name:
                struct.pack_into("<I", data, at + size_at, declared)
            at += 4
    target.write_bytes(bytes(data))
    return target


def many_parts_docx(
    draft: Path,
    target: Path,
    parts: int = 190,
    size: int = 1024 * 1024,
    name: str = "word/header{}.xml",
    content_type: str = "application/vnd.openxmlformats-officedocument.wordprocessingml.header+xml",
    element: bytes = b"<w:p/>",
) -> Path:
    """The draft plus `parts` header parts of `size` bytes of `element` each, related from the
    document, so that a reader loads them all: 1 MiB each stays just under the ratio check
    (which starts above 1 MiB), and 190 of them stay under the 200 MiB total."""
    ns = b'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    head = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:hdr ' + ns + b">"
    tail = b"</w:hdr>"
    body = element * ((size - len(head) - len(tail)) // len(element))
    part = head + body + tail
    out = io.BytesIO()
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/header"
    with zipfile.ZipFile(draft) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "[Content_Types].xml":
                overrides = "".join(
                    f'<Override PartName="/{name.format(i)}" ContentType="{content_type}"/>' for i in range(parts)
                )
                data = data.replace(b"</Types>", overrides.encode() + b"</Types>")
            elif info.filename == "word/_rels/document.xml.rels":
                rels = "".join(
                    f'<Relationship Id="rIdX{i}" Type="{rel}" Target="{name.format(i).removeprefix("word/")}"/>'
                    for i in range(parts)
                )
                data = data.replace(b"</Relationships>", rels.encode() + b"</Relationships>")
            dst.writestr(info, data)
        for i in range(parts):
            dst.writestr(name.format(i), part)
    target.write_bytes(out.getvalue())
    return target
