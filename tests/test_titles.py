"""Title lines as GB/T 9704 §7.3.3 wants them, on 20 titles shaped like real ones: words whole
(jieba's word list), never a line ending in 关于 or a period label cut, 梯形 or 菱形."""

from __future__ import annotations

import itertools
import re

import pytest

from drafter.word.titles import balance_title, text_width, word_edges

TITLES = [
    "青浦区应急管理局关于2025年度法治政府建设情况报告",
    "某市应急管理局关于2025年度法治政府建设情况报告",
    "某某区市场监督管理局关于2025年第一季度食品安全监督抽检情况的通报",
    "某某县统计局关于2025年上半年全县经济运行情况的分析报告",
    "某某市人力资源和社会保障局关于2025年1—11月就业形势的报告",
    "某某区生态环境局关于开展2025年度大气污染防治专项检查的通知",
    "某某市财政局关于2024年度市级预算执行和其他财政收支情况的审计整改报告",
    "某某区卫生健康委员会关于2025年第三季度传染病疫情分析的报告",
    "某某镇人民政府关于2025年度安全生产和防灾减灾工作的总结",
    "某某区司法局关于《某某区行政执法监督办法》实施情况的报告",
    "某某市城市管理综合行政执法局关于2025年度行政执法数据公开的通报",
    "某某县应急管理局关于印发2026年度安全生产监督检查计划的通知",
    "某某区教育局关于2025年上半年校园安全隐患排查整治情况的通报",
    "某某市交通运输局关于2025年10月道路运输安全生产形势分析的报告",
    "某某区住房和城乡建设管理委员会关于2025年第四季度建设工程质量安全监督情况的通报",
    "某某市消防救援支队关于2025年度火灾形势及重点工作情况的报告",
    "某某区农业农村委员会关于2025年度农产品质量安全监管工作情况的报告",
    "某某市水务局关于2025年汛期防汛防台工作情况的总结报告",
    "某某街道办事处关于2025年度“一网统管”城市运行管理情况的报告",
    "某某市审计局关于2025年度区级部门预算执行情况审计结果的报告",
]
PERIOD = re.compile(r"\d{4}年(?:度|[上下]半年|第[一二三四]季度|\d{1,2}(?:—\d{1,2})?月)?")


@pytest.mark.parametrize("title", TITLES)
def test_a_real_shaped_title_breaks_as_gbt_9704_wants(title):
    lines = balance_title(title, 20)
    assert "".join(lines) == title
    assert 2 <= len(lines) <= 3, lines
    widths = [text_width(line) for line in lines]
    assert max(widths) <= 20
    edges, cut = word_edges(title), 0
    for line in lines[:-1]:
        cut += len(line)
        assert not line.endswith("关于"), lines
        assert cut in edges or not (title[cut - 1].isalpha() and title[cut].isalpha()), f"word cut: {lines}"
        for m in PERIOD.finditer(title):
            assert not m.start() < cut < m.end(), f"period label cut: {lines}"
    if len(lines) == 2:
        assert widths[0] <= widths[1] + 0.5, f"倒梯形: {lines}"
    else:
        peak = widths.index(max(widths))
        growing = all(a <= b + 0.5 for a, b in itertools.pairwise(widths))
        assert growing or 0 < peak < len(widths) - 1 or widths[0] <= widths[1], f"not 梯形/菱形: {lines}"


def test_the_office_name_keeps_to_its_own_line_before_guanyu():
    assert balance_title("某市应急管理局关于2025年度法治政府建设情况报告") == [
        "某市应急管理局",
        "关于2025年度法治政府建设情况报告",
    ]


def test_word_edges_follow_the_word_list():
    text = "某某市财政局关于2024年度市级预算执行"
    edges = word_edges(text)
    assert text.index("执行") in edges and text.index("执行") + 1 not in edges
    assert text.index("预算") + 1 not in edges


def test_title_words_read_once_a_character_segment_as_a_whole_list_scan_would():
    """The word list is read once a process for each character met: titles that differ only in
    a unit's name (a batch) are segmented exactly as a scan of the whole list for each gives."""
    from drafter.word import titles

    every = {}  # the whole list, as jieba reads it
    for line in titles._dictionary().decode("utf-8").splitlines():
        word, freq = line.split(" ")[:2]
        if len(word) <= 8:
            every[word] = int(freq)

    def whole_list_scan(text: str) -> set[int]:
        return titles._segment(text, {w: f for w, f in every.items() if w in text})

    batch = [f"{unit}统计局关于2025年第二季度案件办理情况的报告" for unit in ("黄浦区", "金山区", "崇明区")]
    for text in [*batch, *TITLES[:3]]:
        assert word_edges(text) == whole_list_scan(text), text
    assert "统" in titles._WORDS and "金" in titles._WORDS
