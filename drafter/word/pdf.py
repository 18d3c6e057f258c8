"""`build --pdf`: a PDF beside the draft, rendered by LibreOffice with the fonts embedded.

The conversion is preview.py's (a fresh LibreOffice profile, the 公文 font names mapped to
installed Simplified-Chinese faces); LibreOffice's PDF export embeds a subset of every font it
sets, so the PDF prints the same on any machine.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from drafter.word.preview import PreviewUnavailable, render_pdf

__all__ = ["PdfUnavailable", "pdf_path_for", "write_pdf"]

NO_LIBREOFFICE = "没有生成 PDF：本机未安装 LibreOffice（找不到 soffice 命令）。草稿 .docx 已照常生成。"


class PdfUnavailable(PreviewUnavailable):
    """No PDF: LibreOffice is missing or the conversion failed (the .docx is unaffected)."""


def pdf_path_for(draft: Path, *, force: bool = False) -> Path:
    """`<draft stem>.pdf` beside the draft; an existing PDF of another draft is kept (-2, -3 …)."""
    target = Path(draft).with_suffix(".pdf")
    n = 2
    while target.exists() and not force:
        target = Path(draft).with_name(f"{Path(draft).stem}-{n}.pdf")
        n += 1
    return target


def write_pdf(draft: Path, *, force: bool = False, timeout: float = 180.0) -> Path:
    """Render `draft` to a PDF beside it; return the PDF's path."""
    if shutil.which("soffice") is None and shutil.which("libreoffice") is None:
        raise PdfUnavailable(NO_LIBREOFFICE)
    target = pdf_path_for(draft, force=force)
    with tempfile.TemporaryDirectory(prefix="drafter-pdf-") as tmp:
        try:
            produced = render_pdf(Path(draft), Path(tmp), timeout=timeout)
        except PreviewUnavailable as exc:
            raise PdfUnavailable(f"没有生成 PDF：{exc.message}", hint=exc.hint) from exc
        shutil.move(str(produced), target)
    return target
