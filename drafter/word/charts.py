"""Charts as pictures: matplotlib (Agg, no display) with a CJK font found on this machine.

The picture is a PNG drawn at 200 dpi for the full type-area width (156 mm on A4), without
a timestamp or software name in its metadata, so the same data give the same bytes. It is
a picture rather than a native Word chart: a picture looks the same in Word, WPS and
LibreOffice; the chart's data are kept in the draft's manifest instead.
"""

from __future__ import annotations

import io
import shutil
import subprocess
from functools import lru_cache

from drafter.errors import DrafterError
from drafter.text.charts import ChartSpec

DPI = 200
HEIGHT_RATIO = 0.6  # height ÷ width
# Faces tried first, in order; any other face fontconfig lists for Chinese comes after.
PREFERRED = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "Noto Serif CJK SC",
    "Source Han Serif SC",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Microsoft YaHei",
    "SimHei",
    "SimSun",
    "FangSong",
    "AR PL UMing CN",
    "AR PL UKai CN",
    "Noto Sans CJK TC",
    "Noto Sans CJK JP",
)


class ChartError(DrafterError):
    exit_code = 1


def _fontconfig_files() -> list[str]:
    """Font files fontconfig knows for Chinese (`fc-list :lang=zh file`), if fontconfig is there."""
    fc_list = shutil.which("fc-list")
    if not fc_list:
        return []
    try:
        out = subprocess.run(
            [fc_list, ":lang=zh", "file"], capture_output=True, text=True, timeout=20, check=False
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    return sorted({line.strip().rstrip(":") for line in out.splitlines() if line.strip()})


@lru_cache(maxsize=1)
def cjk_font() -> str:
    """The family name of a font that can draw Chinese, registered with matplotlib."""
    from matplotlib import font_manager

    def known() -> set[str]:
        return {f.name for f in font_manager.fontManager.ttflist}

    names = known()
    for name in PREFERRED:
        if name in names:
            return name
    for path in _fontconfig_files():  # fonts matplotlib's own scan missed
        try:
            font_manager.fontManager.addfont(path)
        except (OSError, RuntimeError, ValueError):
            continue
    names = known()
    for name in PREFERRED:
        if name in names:
            return name
    cjk = sorted(n for n in names if any(k in n for k in ("CJK", "Han", "Hei", "Song", "Kai", "Ming", "Fang")))
    if cjk:
        return cjk[0]
    raise ChartError(
        "这台电脑上没有能显示中文的字体，无法画图表",
        hint="安装中文字体后重试：Debian/Ubuntu 上运行 sudo apt-get install fonts-noto-cjk"
        "（或 fonts-wqy-zenhei）；Windows 自带的黑体、宋体即可。",
    )


def _fmt(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.2f}".rstrip("0").rstrip(".")


def render_png(spec: ChartSpec, width_mm: float) -> bytes:
    """The chart as PNG bytes, `width_mm` wide."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    family = cjk_font()
    width_in = width_mm / 25.4
    with matplotlib.rc_context(
        {
            "font.family": [family],
            "font.size": 11,
            "axes.unicode_minus": False,
            "svg.hashsalt": "drafter",
            "path.simplify": True,
        }
    ):
        fig = Figure(figsize=(width_in, width_in * HEIGHT_RATIO), dpi=DPI)
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        labels = spec.labels
        positions = list(range(len(labels)))
        if spec.kind == "pie":
            values = spec.values[0]
            if any(v < 0 for v in values):
                raise ChartError(
                    f"饼图“{spec.title}”的数据中有负数，无法画饼图",
                    hint='饼图的各部分应是非负的数；有负数时请改用 "bar"。',
                )
            if sum(values) > 0:
                ax.pie(
                    values,
                    labels=labels,
                    autopct=lambda p: f"{p:.1f}%",
                    startangle=90,
                    counterclock=False,
                    wedgeprops={"linewidth": 0.8, "edgecolor": "white"},
                )
            ax.axis("equal")
        else:
            n = len(spec.values)
            width = 0.8 / n
            for k, series in enumerate(spec.values):
                if spec.kind == "bar":
                    offsets = [p - 0.4 + width * (k + 0.5) for p in positions]
                    bars = ax.bar(offsets, series, width=width, label=spec.names[k])
                    if len(labels) <= 20:
                        ax.bar_label(bars, labels=[_fmt(v) for v in series], padding=2, fontsize=9)
                else:
                    ax.plot(positions, series, marker="o", label=spec.names[k])
                    if len(labels) <= 20:
                        for p, v in zip(positions, series):
                            ax.annotate(
                                _fmt(v), (p, v), textcoords="offset points", xytext=(0, 5), ha="center", fontsize=9
                            )
            ax.set_xticks(positions)
            rotate = len(labels) > 6 or max((len(t) for t in labels), default=0) * len(labels) > 40
            ax.set_xticklabels(labels, rotation=30 if rotate else 0, ha="right" if rotate else "center")
            if spec.unit:
                ax.set_ylabel(spec.unit)
            ax.spines["top"].set_visible(False)
            ax.spines["right"].set_visible(False)
            ax.margins(y=0.12)
            if n > 1:
                ax.legend(frameon=False)
        fig.tight_layout()
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()
