"""Which 公文 fonts the styles name, whether this machine has them, and what a render uses instead.

The draft keeps the Windows names (仿宋_GB2312, 楷体_GB2312, 黑体, 方正小标宋简体, 宋体): an office's
Word or WPS has them. Where a render happens (LibreOffice here, for previews and `build --pdf`),
a missing name is mapped to a near Simplified-Chinese face by preview.py's fontconfig file; this
module asks fontconfig itself (`fc-list`, `fc-match`) so the user is told, not left to guess.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from drafter.errors import DrafterError
from drafter.project.config import load_config  # the config is read only when a PDF was asked for
from drafter.project.style import StyleSettings
from drafter.word.preview import fontconfig_text

__all__ = [
    "FontStatus",
    "font_report",
    "font_summary",
    "installed_families",
    "project_font_summary",
    "render_font_report",
]

# Where to get the real faces, by system.
INSTALL_ADVICE = (
    "Windows：系统自带 黑体、宋体、仿宋、楷体；仿宋_GB2312、楷体_GB2312、方正小标宋简体 需另行安装"
    "（单位通常随公文模板分发，或向方正字库购买授权），装好后在字体文件上右键“为所有用户安装”。\n"
    "麒麟（Kylin）/统信（UOS）：系统自带方正、中易等公文字体的，在“字体管理器”中确认已启用；缺少时把单位的"
    "字体文件复制到 /usr/share/fonts/ 下（或用字体管理器安装）后运行 fc-cache -f。\n"
    "Debian/Ubuntu（只用于预览和 PDF，用近似字体）：sudo apt-get install fonts-noto-cjk fonts-noto-cjk-extra "
    "fonts-arphic-ukai fonts-arphic-uming fonts-liberation"
)


@dataclass(frozen=True)
class FontStatus:
    """One font the styles name: where it is used, whether installed, what a render uses."""

    role: str
    name: str
    installed: bool | None  # None: fontconfig not available, cannot tell
    used: str | None  # the family a LibreOffice render here sets it in; None if unknown


def _roles(settings: StyleSettings) -> list[tuple[str, str]]:
    roles = [
        ("标题", settings.title_font),
        ("一级标题", settings.heading1_font),
        ("二级标题", settings.heading2_font),
        ("正文、三级和四级标题", settings.body_font),
        ("页码", settings.page_number_font),
    ]
    if settings.latin_font:
        roles.append(("数字和西文", settings.latin_font))
    return roles


def _run(args: list[str], env: dict[str, str] | None = None) -> str | None:
    if shutil.which(args[0]) is None:
        return None
    try:
        done = subprocess.run(args, capture_output=True, text=True, timeout=30, env=env, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout if done.returncode == 0 else None


def installed_families() -> set[str] | None:
    """Every family name fontconfig knows (each language's name of a face), or None without fc-list."""
    listed = _run(["fc-list", ":", "family"])
    if listed is None:
        return None
    return {name.strip() for line in listed.splitlines() for name in line.split(",") if name.strip()}


def _matched(names: list[str]) -> dict[str, str]:
    """The family fontconfig picks for each name under the render's own configuration."""
    if shutil.which("fc-match") is None:
        return {}
    found: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="drafter-fc-") as tmp:
        conf = Path(tmp) / "fonts.conf"
        conf.write_text(fontconfig_text(), encoding="utf-8")
        env = {**os.environ, "FONTCONFIG_FILE": str(conf)}
        for name in names:
            out = _run(["fc-match", "-f", "%{family[0]}", f"{name}:lang=zh-cn"], env=env)
            if out:
                found[name] = out.strip()
    return found


def font_report(settings: StyleSettings | None = None) -> list[FontStatus]:
    """One FontStatus per font the 公文 styles name, in the order a page shows them."""
    roles = _roles(settings or StyleSettings())
    families = installed_families()
    matched = _matched([name for _, name in roles])
    return [
        FontStatus(role, name, None if families is None else name in families, matched.get(name))
        for role, name in roles
    ]


def render_font_report(statuses: list[FontStatus], *, advice: bool = True) -> str:
    """The report in Chinese, one line a font, then where to get the missing ones."""
    lines = []
    for s in statuses:
        if s.installed is None:
            state = "无法检查（找不到 fontconfig 的 fc-list）"
        elif s.installed:
            state = "已安装"
        else:
            state = "未安装"
        used = f"；本机渲染（预览、PDF）用 {s.used}" if s.used and s.used != s.name else ""
        lines.append(f"{s.role}：{s.name} —— {state}{used}")
    missing = [s for s in statuses if s.installed is False]
    if missing:
        lines.append(
            f"缺少 {len(missing)} 种公文字体：本机生成的预览和 PDF 用上面所列的近似字体，版式（行数、分页）不变；"
            "打印正式文件请在装有这些字体的 Word/WPS 中打开草稿。"
        )
    if advice and (missing or any(s.installed is None for s in statuses)):
        lines.append("安装字体：\n" + INSTALL_ADVICE)
    return "\n".join(lines)


def font_summary(statuses: list[FontStatus]) -> str:
    """One line for `build --pdf`: which fonts the PDF has in place of missing ones."""
    missing = [s for s in statuses if s.installed is False]
    if not missing:
        return "PDF 字体：公文字体均已安装。"
    swaps = "，".join(f"{s.name}→{s.used or '系统缺省字体'}" for s in missing)
    return f"PDF 字体：本机缺少 {len(missing)} 种公文字体，PDF 中以近似字体代替：{swaps}（详见 drafter fonts）。"


def project_font_summary(config_path: str | Path) -> str | None:
    """The line `build --pdf` (and the web page's PDF) gives on the 公文 fonts of the project at
    `config_path` that the PDF used or replaced; None when its config does not load (the build
    has said why already)."""
    try:
        style = load_config(config_path).style
    except DrafterError:
        return None
    return font_summary(font_report(style))
