"""Charts that read well: many or long categories turn bars horizontal (or wrap, slant and thin a
line's labels); no two drawn texts overlap, measured from matplotlib's text boxes."""

from __future__ import annotations

import matplotlib
import pytest

from drafter.text.charts import ChartSpec
from drafter.word.charts import chart_rc, draw, drawn_texts, overlapping, render_png, wrap_label

DISTRICTS = ["黄浦区", "徐汇区", "长宁区", "静安区", "普陀区", "虹口区", "杨浦区", "闵行区", "宝山区",
             "嘉定区", "浦东新区", "金山区", "松江区", "青浦区", "奉贤区", "崇明区", "临港新片区", "张江科学城"]  # fmt: skip
LONG = ["危险化学品生产经营单位", "工贸行业重点企业", "建筑施工和城镇燃气领域", "道路交通运输企业", "人员密集场所"]


def _spec(kind: str, labels: list[str], series: int = 1) -> ChartSpec:
    values = [[1234567 / (i + 1) + 1000 * k for i in range(len(labels))] for k in range(series)]
    names = [f"系列{k + 1}" for k in range(series)]
    return ChartSpec(kind, "图", "q", "x", names, names, "家次", list(labels), values)


def _overlaps(spec: ChartSpec) -> tuple[list, object]:
    with matplotlib.rc_context(chart_rc()):
        fig = draw(spec, 156)
        return overlapping(drawn_texts(fig), fig.canvas.get_renderer()), fig


@pytest.mark.parametrize(
    "labels, series",
    [(DISTRICTS, 1), (DISTRICTS, 2), (LONG, 1), (LONG, 3), (DISTRICTS[:4], 1), ([f"{m}月" for m in range(1, 13)], 1)],
)
def test_no_two_texts_of_a_bar_chart_overlap(labels, series):
    found, _ = _overlaps(_spec("bar", labels, series))
    assert found == []


def test_eighteen_districts_turn_the_bars_horizontal():
    _, fig = _overlaps(_spec("bar", DISTRICTS))
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()][:3] == DISTRICTS[:3]
    _, few = _overlaps(_spec("bar", DISTRICTS[:4]))
    assert [t.get_text() for t in few.axes[0].get_xticklabels()] == DISTRICTS[:4]


@pytest.mark.parametrize("labels", [DISTRICTS, LONG, [f"2025年{m}月" for m in range(1, 13)]])
def test_no_two_texts_of_a_line_chart_overlap(labels):
    found, _ = _overlaps(_spec("line", labels))
    assert found == []


def test_a_long_label_wraps_between_words():
    assert wrap_label("危险化学品生产经营单位").replace("\n", "") == "危险化学品生产经营单位"
    assert all(len(line) <= 6 for line in wrap_label("建筑施工和城镇燃气领域").split("\n"))
    assert wrap_label("青浦区") == "青浦区"


def test_the_png_is_the_same_for_the_same_data():
    spec = _spec("bar", DISTRICTS)
    assert render_png(spec, 156) == render_png(spec, 156)
