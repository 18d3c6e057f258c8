"""Rendered previews of a draft: LibreOffice → PDF → PNG.

The draft keeps the Windows font names an office's Word and WPS know (仿宋_GB2312,
楷体_GB2312, 黑体, 方正小标宋简体, 宋体). Where those faces are not installed — any
Linux machine — LibreOffice is run with a fontconfig file of its own that maps
each name to an installed CJK face of the same kind, so the preview shows the
layout (lines, page breaks, page numbers) the draft will have, in near faces.

Each conversion uses a fresh LibreOffice profile in a temporary directory, so it
neither waits for nor disturbs a LibreOffice the user has open.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from xml.sax.saxutils import escape

__all__ = ["FONT_SUBSTITUTES", "PreviewUnavailable", "fontconfig_text", "render_pdf", "render_pngs"]

INSTALL_HINT = (
    "Debian/Ubuntu：sudo apt-get install libreoffice-writer-nogui poppler-utils "
    "fonts-noto-cjk fonts-arphic-ukai fonts-arphic-uming；"
    "Windows/macOS：安装 LibreOffice 并把 soffice 所在目录加入 PATH。"
)


class PreviewUnavailable(RuntimeError):
    """LibreOffice or poppler is missing, or the conversion failed: no preview."""

    def __init__(self, message: str, hint: str = INSTALL_HINT):
        super().__init__(f"{message}\n提示：{hint}" if hint else message)
        self.message = message
        self.hint = hint


# Windows name → installed faces, best first; `bold` asks for the bold weight.
# The first entries of 仿宋 (FandolFang) come with texlive-lang-chinese, if installed.
FONT_SUBSTITUTES: dict[str, tuple[tuple[str, ...], bool]] = {
    "仿宋_GB2312": (("FandolFang", "AR PL UMing CN", "Noto Serif CJK SC"), False),
    "仿宋": (("FandolFang", "AR PL UMing CN", "Noto Serif CJK SC"), False),
    "FangSong": (("FandolFang", "AR PL UMing CN", "Noto Serif CJK SC"), False),
    "FangSong_GB2312": (("FandolFang", "AR PL UMing CN", "Noto Serif CJK SC"), False),
    "楷体_GB2312": (("AR PL UKai CN", "FandolKai", "LXGW WenKai"), False),
    "楷体": (("AR PL UKai CN", "FandolKai", "LXGW WenKai"), False),
    "KaiTi": (("AR PL UKai CN", "FandolKai", "LXGW WenKai"), False),
    "KaiTi_GB2312": (("AR PL UKai CN", "FandolKai", "LXGW WenKai"), False),
    "黑体": (("Noto Sans CJK SC", "WenQuanYi Zen Hei"), False),
    "SimHei": (("Noto Sans CJK SC", "WenQuanYi Zen Hei"), False),
    "方正小标宋简体": (("Noto Serif CJK SC",), True),
    "方正小标宋_GBK": (("Noto Serif CJK SC",), True),
    "小标宋": (("Noto Serif CJK SC",), True),
    "宋体": (("Noto Serif CJK SC", "AR PL UMing CN"), False),
    "SimSun": (("Noto Serif CJK SC", "AR PL UMing CN"), False),
    "Times New Roman": (("Liberation Serif", "DejaVu Serif"), False),
}


def fontconfig_text(substitutes: dict[str, tuple[tuple[str, ...], bool]] | None = None) -> str:
    """A fonts.conf: the system's configuration plus one rule per Windows font name."""
    substitutes = FONT_SUBSTITUTES if substitutes is None else substitutes
    rules = []
    for name, (faces, bold) in substitutes.items():
        families = "".join(f"<string>{escape(face)}</string>" for face in faces)
        weight = '<edit name="weight" mode="assign" binding="strong"><const>bold</const></edit>' if bold else ""
        rules.append(
            f'  <match target="pattern"><test name="family" qual="any"><string>{escape(name)}</string></test>'
            f'<edit name="family" mode="prepend" binding="strong">{families}</edit>{weight}</match>'
        )
    return (
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n'
        '  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>\n' + "\n".join(rules) + "\n</fontconfig>\n"
    )


def _soffice() -> str:
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    raise PreviewUnavailable("LibreOffice 未安装（找不到 soffice 命令），无法生成预览图。")


def _pdftoppm() -> str:
    found = shutil.which("pdftoppm")
    if not found:
        raise PreviewUnavailable("poppler-utils 未安装（找不到 pdftoppm 命令），无法把 PDF 转成图片。")
    return found


def render_pdf(docx_path: Path, outdir: Path, *, timeout: float = 180.0) -> Path:
    """Convert a .docx to PDF in `outdir` with LibreOffice; return the PDF's path."""
    docx_path = Path(docx_path).resolve()
    if not docx_path.is_file():
        raise FileNotFoundError(docx_path)
    soffice = _soffice()
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="drafter-lo-") as tmp:
        tmp_path = Path(tmp)
        fonts_conf = tmp_path / "fonts.conf"
        fonts_conf.write_text(fontconfig_text(), encoding="utf-8")
        # Convert in a scratch directory and move the result: the name stays the draft's.
        work = tmp_path / "out"
        work.mkdir()
        env = {**os.environ, "FONTCONFIG_FILE": str(fonts_conf), "HOME": str(tmp_path)}
        env.pop("SAL_USE_VCLPLUGIN", None)
        cmd = [
            soffice,
            f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}",
            "--headless",
            "--norestore",
            "--nolockcheck",
            "--nodefault",
            "--convert-to",
            "pdf:writer_pdf_Export",
            "--outdir",
            str(work),
            str(docx_path),
        ]
        try:
            done = subprocess.run(
                cmd, env=env, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL
            )
        except subprocess.TimeoutExpired as exc:
            raise PreviewUnavailable(
                f"LibreOffice 转换超时（{timeout:g} 秒）：{docx_path.name}",
                hint="关闭其他 LibreOffice 窗口后重试；或加大超时。",
            ) from exc
        produced = work / f"{docx_path.stem}.pdf"
        if done.returncode != 0 or not produced.is_file():
            detail = (done.stderr or done.stdout or "").strip()[-500:]
            raise PreviewUnavailable(
                f"LibreOffice 未能把 {docx_path.name} 转成 PDF（退出码 {done.returncode}）：{detail}",
                hint="用 Word 或 LibreOffice 打开该文件，看是否损坏。",
            )
        target = outdir / produced.name
        shutil.move(str(produced), target)
    return target


def render_pngs(docx_path: Path, outdir: Path, dpi: int = 96, *, timeout: float = 180.0) -> list[Path]:
    """One PNG per page (`<stem>-1.png`, `<stem>-2.png`, …) in `outdir`; returns them in page order."""
    pdftoppm = _pdftoppm()
    _soffice()
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="drafter-pdf-") as tmp:
        pdf = render_pdf(docx_path, Path(tmp), timeout=timeout)
        stem = Path(docx_path).stem
        for old in outdir.glob(f"{stem}-*.png"):
            old.unlink()
        try:
            done = subprocess.run(
                [pdftoppm, "-png", "-r", str(dpi), str(pdf), str(outdir / stem)],
                capture_output=True,
                text=True,
                timeout=timeout,
                stdin=subprocess.DEVNULL,
            )
        except subprocess.TimeoutExpired as exc:
            raise PreviewUnavailable(f"pdftoppm 超时（{timeout:g} 秒）", hint="页数过多时请降低分辨率。") from exc
        if done.returncode != 0:
            raise PreviewUnavailable(
                f"pdftoppm 失败：{done.stderr.strip()[-300:]}", hint="检查 poppler-utils 是否完整。"
            )
    # pdftoppm pads page numbers to the width of the page count: -01, -02 …; name them -1, -2 ….
    pages = []
    for png in outdir.glob(f"{stem}-*.png"):
        suffix = png.stem[len(stem) + 1 :]
        if suffix.isdigit():
            pages.append((int(suffix), png))
    result = []
    for number, png in sorted(pages):
        target = png.with_name(f"{stem}-{number}.png")
        if target != png:
            png.rename(target)
        result.append(target)
    return result
