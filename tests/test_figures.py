"""Arithmetic on figures: a zero denominator from the data is a figure without a value."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drafter.data.figures import MARKED, Figure, FigureRegistry, Provenance
from drafter.errors import DataError
from drafter.text.environment import make_environment


def fig(value, column: str) -> Figure:
    return Figure.from_column(value, Provenance("q", "src", column))


def render(template: str, strict: bool = False, **figures) -> tuple[str, FigureRegistry]:
    registry = FigureRegistry()
    text = make_environment(registry, strict=strict).from_string(template).render(**figures)
    return text, registry


@pytest.mark.parametrize("expr", ["a / b", "a | ratio(b)", "(a / b) * 100", "1 / b", "100 - (a / b)"])
def test_a_zero_denominator_in_the_data_is_a_placeholder_with_its_reason(expr):
    text, registry = render(f"{{{{ ({expr}) | pct }}}}", a=fig(3, "a"), b=fig(0, "b"))
    [occ] = list(registry)
    assert occ.placeholder and MARKED.fullmatch(text).group(2).startswith("【待补充：")
    assert occ.reason == "分母 q.b 为 0"


def test_with_strict_a_zero_denominator_is_an_error_naming_it():
    with pytest.raises(DataError) as info:
        render("{{ a | ratio(b) | pct }}", strict=True, a=fig(3, "a"), b=fig(0, "b"))
    assert "无法计算：分母 q.b 为 0" in info.value.message


def test_a_comparison_on_a_ratio_without_a_denominator_says_why():
    with pytest.raises(DataError) as info:
        render("{% if a / b > 0.5 %}多{% endif %}", strict=True, a=fig(3, "a"), b=fig(0, "b"))
    assert "无法计算（分母 q.b 为 0）" in info.value.message and "{% if 分母 > 0 %}" in info.value.hint


def test_without_strict_a_comparison_on_a_figure_without_a_value_poisons_its_sentence():
    from drafter.text.environment import POISONED

    for template in (
        "{% if a / b > 0.5 %}多{% else %}少{% endif %}",
        "{% if n %}有{% endif %}",
        "{% if n == 0 %}无{% endif %}",
        "{{ 1 if n > 2 else 0 }}",
    ):
        text, _ = render(template, a=fig(3, "a"), b=fig(0, "b"), n=fig(None, "n"))
        assert POISONED.fullmatch(text), (template, text)  # no branch taken, a mark left instead


def test_a_zero_written_in_the_template_is_a_mistake_in_the_template():
    with pytest.raises(DataError, match="除数为 0") as info:
        render("{{ (a / 0) | pct }}", a=fig(3, "a"))
    assert "模板" in info.value.hint


def test_a_nonzero_denominator_divides_exactly():
    _, registry = render("{{ a | ratio(b) | pct(1) }}", a=fig(1, "a"), b=fig(3, "b"))
    [occ] = list(registry)
    assert occ.text == "33.3%" and occ.value == Decimal(1) / Decimal(3)
    assert [p.column for p in occ.sources] == ["a", "b"]


def test_a_null_stays_a_null_whatever_it_is_divided_by():
    _, registry = render("{{ a | ratio(b) | pct }}", a=fig(None, "a"), b=fig(0, "b"))
    [occ] = list(registry)
    # the reason names the input that is NULL, not the ratio the template wrote
    assert occ.placeholder and occ.reason == "q.a 的查询结果为空（NULL）"


def test_a_sentence_over_a_failed_query_is_one_placeholder_and_the_rest_stays(tmp_path):
    """The issue's promise: a failing source costs placeholders, never the draft — a condition,
    a loop, a `set` or an expression over its figures turns that paragraph into 【待补充】."""
    from drafter.data.figures import MissingRows
    from drafter.text.sections import render_section

    registry = FigureRegistry()
    registry.failed = {"q": "数据源“src”连不上", "towns": "数据源“src”连不上"}
    env = make_environment(registry)
    template = tmp_path / "1.txt"
    template.write_text(
        "一、情况\n"
        "6.全年{{ ok }}件，{% if n > 0 %}发生{{ n }}起{% else %}未发生{% endif %}。\n"
        "{% set big = n > 3 %}规模{% if big %}大{% else %}小{% endif %}。\n"
        "各镇：\n{% for r in towns %}\n{{ r.name }}。\n{% endfor %}\n"
        "共{{ towns | length }}镇，另{{ ok }}件。\n"
        "末段{{ ok }}件。\n",
        encoding="utf-8",
    )
    missing = Figure(None, "q.n", (Provenance("q", "src", "n"),))
    paragraphs = render_section(
        env, template, {"ok": fig(5, "ok"), "n": missing, "towns": MissingRows("towns", "src", "各镇")}, registry
    )
    assert [p.plain for p in paragraphs] == [
        "一、情况",
        "6.【待补充：q.n】",
        "【待补充：q.n】",
        "各镇：",
        "【待补充：towns】",
        "【待补充：towns】",
        "末段5件。",
    ]
    assert [p.level for p in paragraphs][:2] == [1, 3]  # the outline number of a replaced paragraph stays
    placeholders = registry.placeholders
    assert [o.ref for o in placeholders] == ["q.n", "q.n", "towns", "towns"]
    assert all("数据源“src”连不上" in o.reason and "整段以【待补充】代替" in o.reason for o in placeholders)
    assert [o.text for o in registry if not o.placeholder] == ["5"]  # figures of replaced paragraphs forgotten


@given(st.integers(-(10**6), 10**6), st.integers(-(10**6), 10**6))
def test_figures_that_compare_equal_hash_alike(a, b):
    x, y = fig(a, "q.a"), fig(b, "r.b")
    if x == y:
        assert hash(x) == hash(y)
    if x == a:
        assert hash(x) == hash(a)
    assert len({x, fig(a, "other.ref")}) == 1
