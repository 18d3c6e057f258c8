"""Charts as pictures: matplotlib (Agg, no display) with a CJK font found on this machine.

The picture is a PNG drawn at 200 dpi for the full type-area width (156 mm on A4), without
a timestamp or software name in its metadata, so the same data give the same bytes. It is
a picture rather than a native Word chart: a picture looks the same in Word, WPS and
LibreOffice; the chart's data are kept in the draft's manifest instead.

`draw` tries layouts until no two drawn texts overlap (measured from matplotlib's own text
boxes, `overlapping`): bars with many or long categories turn horizontal, with each bar's
value at its end and no value axis; a line's labels wrap between words, then thin out.
"""

from __future__ import annotations

import io
import itertools
import shutil
import subprocess
from functools import lru_cache

from drafter.errors import DrafterError
from drafter.text.chartspec import ChartSpec
from drafter.word.titles import text_width, word_edges, word_edges_many

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


def wrap_label(label: str, chars: float = 6.0) -> str:
    """A category label longer than `chars` broken between words into lines (jieba's word list)."""
    if text_width(label) <= chars:
        return label
    lines, start, width = [], 0, 0.0
    edges = sorted(word_edges(label) | {len(label)})
    previous = 0
    for edge in edges[1:]:
        piece = text_width(label[previous:edge])
        if width + piece > chars and previous > start:
            lines.append(label[start:previous])
            start, width = previous, 0.0
        width += piece
        previous = edge
    lines.append(label[start:])
    return "\n".join(lines)


def overlapping(texts: list, renderer) -> list[tuple[str, str]]:
    """Pairs of drawn texts (matplotlib Text) whose boxes overlap: what a reader could not read."""
    boxes = []
    for t in texts:
        if t.get_visible() and t.get_text().strip():
            boxes.append((t.get_text(), t.get_window_extent(renderer)))
    found = []
    for (a, box_a), (b, box_b) in itertools.combinations(boxes, 2):
        inter = box_a.intersection(box_a, box_b)
        if inter is not None and inter.width > 0.5 and inter.height > 0.5:
            found.append((a, b))
    return found


def drawn_texts(fig) -> list:
    """Every text of the chart a reader must read: tick labels, value labels, legend, axis labels."""
    from matplotlib.text import Text

    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]


def _draw_pie(ax, spec: ChartSpec) -> None:
    values = spec.values[0]
    if any(v < 0 for v in values):
        raise ChartError(
            f"饼图“{spec.title}”的数据中有负数，无法画饼图",
            hint='饼图的各部分应是非负的数；有负数时请改用 "bar"。',
        )
    if sum(values) > 0:
        ax.pie(
            values,
            labels=[wrap_label(label) for label in spec.labels],
            autopct=lambda p: f"{p:.1f}%",
            startangle=90,
            counterclock=False,
            wedgeprops={"linewidth": 0.8, "edgecolor": "white"},
        )
    ax.axis("equal")


def _draw_columns(ax, spec: ChartSpec, *, rotate: int = 0, every: int = 1) -> None:
    """Vertical bars or lines, categories along the x axis (labels wrapped between words)."""
    labels = spec.labels
    word_edges_many(labels)  # the labels' words in one pass over the word list
    positions = list(range(len(labels)))
    n = len(spec.values)
    width = 0.8 / n
    for k, series in enumerate(spec.values):
        if spec.kind == "bar":
            offsets = [p - 0.4 + width * (k + 0.5) for p in positions]
            bars = ax.bar(offsets, series, width=width, label=spec.names[k])
            ax.bar_label(bars, labels=[_fmt(v) for v in series], padding=2, fontsize=9)
        else:
            ax.plot(positions, series, marker="o", label=spec.names[k])
            for i, (p, v) in enumerate(zip(positions, series, strict=False)):
                if i % every == 0:
                    ax.annotate(_fmt(v), (p, v), textcoords="offset points", xytext=(0, 5), ha="center", fontsize=9)
    ax.set_xlim(-0.5, len(labels) - 0.5)  # half a category each side: the end labels stay clear of the axis
    ax.set_xticks(positions[::every])
    shown = [wrap_label(label) for label in labels[::every]]
    ax.set_xticklabels(shown, rotation=rotate, ha="right" if rotate else "center", rotation_mode="anchor")
    if spec.unit:
        ax.set_ylabel(spec.unit)
    ax.ticklabel_format(axis="y", style="plain", useOffset=False)  # 1200000, not 1.2 and "1e6" apart
    ax.margins(y=0.12)


def _draw_bars_across(ax, spec: ChartSpec) -> None:
    """Horizontal bars, one row a category from the top: long or many names read level."""
    labels = spec.labels
    positions = list(range(len(labels)))
    n = len(spec.values)
    height = 0.8 / n
    for k, series in enumerate(spec.values):
        offsets = [p - 0.4 + height * (k + 0.5) for p in positions]
        bars = ax.barh(offsets, series, height=height, label=spec.names[k])
        ax.bar_label(bars, labels=[_fmt(v) for v in series], padding=3, fontsize=9)
    if spec.unit:
        ax.set_title(f"单位：{spec.unit}", loc="right", fontsize=9)
    ax.set_yticks(positions)
    ax.set_yticklabels([wrap_label(label, 10.0) for label in labels])
    ax.invert_yaxis()
    ax.xaxis.set_visible(False)  # each bar carries its value: no value axis to crowd the names
    ax.spines["bottom"].set_visible(False)
    ax.margins(x=0.15)


def _new_figure(width_in: float, height_in: float):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width_in, height_in), dpi=DPI)
    FigureCanvasAgg(fig)
    return fig, fig.add_subplot()


def _finish(fig, ax, spec: ChartSpec) -> list[tuple[str, str]]:
    if spec.kind != "pie":
        ax.spines["top"].set_visible(False)
        ax.spines["right"].set_visible(False)
        if len(spec.values) > 1:
            ax.legend(frameon=False)
    fig.tight_layout()
    fig.canvas.draw()  # places the legend and axis labels where they will be drawn
    return overlapping(drawn_texts(fig), fig.canvas.get_renderer())


def chart_rc() -> dict:
    """matplotlib settings of every chart: a CJK face, an ASCII minus (CJK faces lack U+2212)."""
    return {"font.family": [cjk_font()], "font.size": 11, "axes.unicode_minus": False, "svg.hashsalt": "drafter"}


def draw(spec: ChartSpec, width_mm: float):
    """The chart as a matplotlib Figure (draw it under `chart_rc()`): the first layout whose texts
    do not overlap. Bars with many or long categories turn horizontal; a line's labels wrap, then thin out."""
    width_in = width_mm / 25.4
    if spec.kind == "pie":
        fig, ax = _new_figure(width_in, width_in * HEIGHT_RATIO)
        _draw_pie(ax, spec)
        _finish(fig, ax, spec)
        return fig
    tries: list[dict] = [{}]
    if spec.kind == "bar":
        tries.append({"across": True})
    else:
        tries += [{"every": k} for k in (2, 3, 4, 6, 12)]
    fig = None
    for how in tries:
        if how.get("across"):
            rows = len(spec.labels) * len(spec.values)
            height = min(max(width_in * HEIGHT_RATIO, 0.3 * rows + 1.0), 200 / 25.4)
            fig, ax = _new_figure(width_in, height)
            _draw_bars_across(ax, spec)
        else:
            fig, ax = _new_figure(width_in, width_in * HEIGHT_RATIO)
            _draw_columns(ax, spec, rotate=how.get("rotate", 0), every=how.get("every", 1))
        if not _finish(fig, ax, spec):
            break
    return fig


def render_png(spec: ChartSpec, width_mm: float) -> bytes:
    """The chart as PNG bytes, `width_mm` wide."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    with matplotlib.rc_context(chart_rc()):
        fig = draw(spec, width_mm)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()
