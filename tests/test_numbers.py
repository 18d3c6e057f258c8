"""Number formatting: example tables from the reference report, then properties."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drafter.numbers import (
    approx, cn_num, date_cn, month_cn, num, pct, ratio, to_decimal, wan, wan_yuan, yoy, yuan,
)


@pytest.mark.parametrize("value, expected", [
    (1428, "1428"), (Decimal("26.10"), "26.1"), (Decimal("1E+3"), "1000"), (-5, "-5"),
    (0.46, "0.46"), (Decimal("1428.000"), "1428"), ("97", "97"), (0, "0"),
])
def test_num(value, expected):
    assert num(value) == expected


@pytest.mark.parametrize("args, expected", [
    ((172436,), "17万余"), ((68123, 1), "6.8万余"), ((67242, 1), "6.7万余"), ((170000,), "17万"),
    ((24000, 0, False), "2万"), ((24000, 1, False), "2.4万"), ((24350, 1, False), "2.4万"),
    ((24950, 1, False), "2.5万"), ((120000001, 1), "1.2亿余"), ((9400,), "9400"), ((-172436,), "-17万余"),
    ((Decimal("20000.0"), 1), "2万"),
])
def test_wan(args, expected):
    assert wan(*args) == expected


@pytest.mark.parametrize("args, expected", [
    ((312, 100), "300余"), ((4532, 100), "4500余"), ((9432, 100), "9400余"), ((384, 10), "380余"),
    ((300, 100), "300"), ((312,), "310余"), ((4532,), "4500余"), ((87,), "87"), ((5,), "5"),
    ((40, 100), "40"), ((Decimal("312.7"), 100), "300余"),
])
def test_approx(args, expected):
    assert approx(*args) == expected


@pytest.mark.parametrize("unit", [0, -10, 2.5, True])
def test_approx_refuses_a_bad_unit(unit):
    with pytest.raises(ValueError):
        approx(312, unit)


@pytest.mark.parametrize("args, expected", [
    ((Decimal("0.98740"),), "98.74%"), ((Decimal("0.92698"), 1), "92.7%"), ((1,), "100%"),
    ((Decimal("0.9703125"), 0), "97%"), ((0,), "0%"), ((Decimal(67242) / Decimal(68100),), "98.74%"),
    ((Decimal("0.98745"),), "98.75%"),
])
def test_pct(args, expected):
    assert pct(*args) == expected


@pytest.mark.parametrize("value, expected", [
    (11872100, "1187.21万元"), (8942845, "894.2845万元"), (261000, "26.1万元"),
    (50000000, "5000万元"), (521000, "52.1万元"), (Decimal("12345.67"), "1.2346万元"),
])
def test_wan_yuan(value, expected):
    assert wan_yuan(value) == expected


def test_yuan_and_dates():
    assert yuan(5000) == "5000元"
    assert yuan(Decimal("5000.50")) == "5000.5元"
    assert date_cn(dt.date(2025, 12, 31)) == "2025年12月31日"
    assert date_cn("2025-01-05") == "2025年1月5日"
    assert date_cn(dt.datetime(2025, 3, 9, 8, 30)) == "2025年3月9日"
    assert month_cn("2025-01-05 10:00:00") == "2025年1月"


@pytest.mark.parametrize("n, expected", [
    (0, "零"), (1, "一"), (8, "八"), (10, "十"), (11, "十一"), (20, "二十"), (21, "二十一"),
    (100, "一百"), (101, "一百零一"), (110, "一百一十"), (1000, "一千"), (1010, "一千零一十"),
    (9999, "九千九百九十九"),
])
def test_cn_num(n, expected):
    assert cn_num(n) == expected


@pytest.mark.parametrize("n", [-1, 10000])
def test_cn_num_range(n):
    with pytest.raises(ValueError):
        cn_num(n)


def test_yoy_and_ratio():
    assert yoy(1125, 1000) == "同比增长12.5%"
    assert yoy(968, 1000) == "同比下降3.2%"
    assert yoy(1000, 1000) == "与上年持平"
    with pytest.raises(ValueError):
        yoy(5, 0)
    assert ratio(1, 3) == Decimal(1) / Decimal(3)
    with pytest.raises(ZeroDivisionError):
        ratio(1, 0)


@pytest.mark.parametrize("bad", [True, None, "abc", object()])
def test_non_numbers_are_refused(bad):
    with pytest.raises(TypeError):
        to_decimal(bad)


counts = st.integers(min_value=0, max_value=10**12)


@given(counts, st.sampled_from([1, 10, 100, 1000]))
def test_approx_says_yu_exactly_when_it_cut_something(v, unit):
    text = approx(v, unit)
    if text.endswith("余"):
        shown = int(text[:-1])
        assert shown < v and v - shown < unit and shown % unit == 0
    else:
        assert int(text) == v or (v // unit) * unit == 0


@given(st.integers(min_value=10_000, max_value=10**15), st.integers(min_value=0, max_value=3))
def test_wan_never_overstates_and_says_yu_only_when_cut(v, digits):
    text = wan(v, digits)
    m = re.fullmatch(r"([0-9.]+)(万|亿)(余?)", text)
    assert m, text
    unit = 10_000 if m.group(2) == "万" else 100_000_000
    shown = Decimal(m.group(1)) * unit
    assert shown <= v
    assert v - shown < Decimal(unit) / 10**digits
    assert (m.group(3) == "余") == (shown != v)


@given(st.decimals(min_value=0, max_value=10, places=6), st.integers(min_value=0, max_value=3))
def test_pct_is_within_half_a_unit_of_the_last_digit(v, digits):
    text = pct(v, digits)
    assert text.endswith("%")
    assert abs(Decimal(text[:-1]) - v * 100) <= Decimal(5) / 10 ** (digits + 1)


@given(st.one_of(st.integers(-10**15, 10**15), st.decimals(allow_nan=False, allow_infinity=False, places=4),
                 st.floats(-1e12, 1e12, allow_nan=False)))
def test_num_has_no_separators_or_exponent_and_parses_back(v):
    text = num(v)
    assert "," not in text and "e" not in text.lower()
    assert Decimal(text) == to_decimal(v)


def test_cn_num_is_injective():
    seen = {cn_num(n) for n in range(10000)}
    assert len(seen) == 10000
