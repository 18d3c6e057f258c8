"""drafter.text.numbers: example tables (the reference report's own figures), then properties."""

import datetime as dt
import re
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drafter.text.numbers import (
    approx,
    cn_num,
    date_cn,
    month_cn,
    num,
    pct,
    ratio,
    to_decimal,
    wan,
    wan_yuan,
    yoy,
    yuan,
)

D = Decimal


# -- example tables ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, expected",
    [
        (1428, D("1428")),
        (D("1428.000"), D("1428")),
        (D("1E+3"), D("1000")),
        (0.46, D("0.46")),
        (0.1, D("0.1")),
        ("97", D("97")),
        (" 26.10 ", D("26.10")),
        (D("-0.0"), D("0")),
        (-5, D("-5")),
        (1e16, D("10000000000000000")),
        (D("0E-5000"), D("0")),
    ],
)
def test_to_decimal(value, expected):
    d = to_decimal(value)
    assert d == expected and str(d) == str(expected)  # same exponent too: 1428, not 1428.000


@pytest.mark.parametrize("bad", [True, False, None, "abc", "", "98.7%", b"12", object(), [1], dt.date(2025, 1, 1)])
def test_to_decimal_refuses_what_is_not_a_number_with_its_value_and_type(bad):
    with pytest.raises(TypeError) as info:
        to_decimal(bad)
    assert repr(bad) in str(info.value) and type(bad).__name__ in str(info.value)


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), D("NaN"), D("-Infinity"), "NaN", "1e9999"])
def test_to_decimal_refuses_what_no_report_can_print(bad):
    with pytest.raises(ValueError):
        to_decimal(bad)


@pytest.mark.parametrize(
    "value, expected",
    [
        (1428, "1428"),
        (D("26.10"), "26.1"),
        (D("1E+3"), "1000"),
        (-5, "-5"),
        (0.46, "0.46"),
        (D("1428.000"), "1428"),
        ("97", "97"),
        (0, "0"),
        (D("-0.00"), "0"),
        (D("1.5E-7"), "0.00000015"),
        (1e-7, "0.0000001"),
        (D("1E+30"), "1" + "0" * 30),
        (10**30 + 1, "1" + "0" * 29 + "1"),
        (123456789, "123456789"),
        (D("-26.50"), "-26.5"),
    ],
)
def test_num(value, expected):
    assert num(value) == expected


@pytest.mark.parametrize(
    "args, expected",
    [
        ((172436,), "17万余"),
        ((68123, 1), "6.8万余"),
        ((67242, 1), "6.7万余"),
        ((170000,), "17万"),
        ((170000, 2), "17万"),
        ((24000, 0, False), "2万"),
        ((24000, 1, False), "2.4万"),
        ((24350, 1, False), "2.4万"),
        ((24950, 1, False), "2.5万"),
        ((25000, 0, False), "3万"),
        ((120000001, 1), "1.2亿余"),
        ((120000000, 1), "1.2亿"),
        ((100000000,), "1亿"),
        ((99999999,), "9999万余"),
        ((99995000, 0, False), "1亿"),
        ((99999999, 1, False), "1亿"),
        ((99994999, 0, False), "9999万"),
        ((9400,), "9400"),
        ((9999,), "9999"),
        ((D("9999.6"), 0, False), "9999.6"),
        ((10000,), "1万"),
        ((D("10000.5"),), "1万余"),
        ((-172436,), "-17万余"),
        ((-9400,), "-9400"),
        ((D("20000.0"), 1), "2万"),
        ((D("24000.00"), 2, False), "2.4万"),
        ((240000.0, 1), "24万"),
        ((10**30 + 1,), "1" + "0" * 22 + "亿余"),  # exact at any size: 28-digit division would lose the 1
    ],
)
def test_wan(args, expected):
    assert wan(*args) == expected


@pytest.mark.parametrize(
    "args, expected",
    [
        ((312, 100), "300余"),
        ((4532, 100), "4500余"),
        ((9432, 100), "9400余"),
        ((384, 10), "380余"),
        ((300, 100), "300"),
        ((312,), "310余"),
        ((4532,), "4500余"),
        ((87,), "87"),
        ((5,), "5"),
        ((310,), "310"),
        ((40, 100), "40"),
        ((0, 100), "0"),
        ((D("312.7"), 100), "300余"),
        ((D("300.5"), 100), "300余"),
        ((D("99.5"),), "99余"),
        ((D("40.5"), 100), "40.5"),
        ((D("300.0"), 100), "300"),
        ((-312, 100), "-300余"),
        ((172436,), "170000余"),
        ((10**30 + 1,), "1" + "0" * 30 + "余"),
    ],
)
def test_approx(args, expected):
    assert approx(*args) == expected


@pytest.mark.parametrize("unit", [0, -10, 2.5, D(100), "100", True])
def test_approx_refuses_a_unit_that_is_not_a_positive_integer(unit):
    with pytest.raises(ValueError):
        approx(312, unit)


@pytest.mark.parametrize(
    "args, expected",
    [
        ((D("0.98740"),), "98.74%"),
        ((0.98740,), "98.74%"),
        ((D("0.92698"), 1), "92.7%"),
        ((0.927, 1), "92.7%"),
        ((1,), "100%"),
        ((D("0.9703125"), 0), "97%"),
        ((0,), "0%"),
        ((D(67242) / D(68100),), "98.74%"),
        ((D("0.98745"),), "98.75%"),
        ((D("0.98735"),), "98.74%"),
        ((D("0.5"),), "50%"),
        ((D("0.005"), 0), "1%"),
        ((D("1.5"),), "150%"),
        ((D("-0.032"), 1), "-3.2%"),
        ((D("-0.00001"),), "0%"),
        ((D("1E-30"),), "0%"),
        ((ratio(1, 3), 4), "33.3333%"),
    ],
)
def test_pct(args, expected):
    assert pct(*args) == expected


@pytest.mark.parametrize(
    "args, expected",
    [
        ((11872100,), "1187.21万元"),
        ((8942845,), "894.2845万元"),
        ((261000,), "26.1万元"),
        ((50000000,), "5000万元"),
        ((521000,), "52.1万元"),
        ((D("12345.67"),), "1.2346万元"),
        ((8942845, 2), "894.28万元"),
        ((8945000, 2), "894.5万元"),
        ((D("12345"), 0), "1万元"),
        ((15000, 0), "2万元"),
        ((0,), "0万元"),
        ((-261000,), "-26.1万元"),
        ((D("0.4"),), "0万元"),
    ],
)
def test_wan_yuan(args, expected):
    assert wan_yuan(*args) == expected


@pytest.mark.parametrize(
    "value, expected",
    [
        (5000, "5000元"),
        (D("5000.50"), "5000.5元"),
        (D("5E+3"), "5000元"),
        (0, "0元"),
        (12.5, "12.5元"),
        (D("10078.4131243087812431"), "10078.41元"),  # an AVG: rounded to the 分, half-up
        (10078.415, "10078.42元"),
        (D("-3.005"), "-3.01元"),
    ],
)
def test_yuan(value, expected):
    assert yuan(value) == expected


@pytest.mark.parametrize(
    "value, day, month",
    [
        (dt.date(2025, 12, 31), "2025年12月31日", "2025年12月"),
        (dt.date(2025, 1, 5), "2025年1月5日", "2025年1月"),
        (dt.datetime(2025, 3, 9, 8, 30), "2025年3月9日", "2025年3月"),
        ("2025-01-05", "2025年1月5日", "2025年1月"),
        ("2025-12-31 23:59:59", "2025年12月31日", "2025年12月"),
        ("2025-12-31T23:59:59.123456", "2025年12月31日", "2025年12月"),
        (" 2026-02-01 ", "2026年2月1日", "2026年2月"),
    ],
)
def test_dates(value, day, month):
    assert date_cn(value) == day
    assert month_cn(value) == month


@pytest.mark.parametrize("bad", ["2025-13-45", "20250105", "2025-1-5", "2025-01-05garbage", "2025年1月5日", ""])
def test_dates_refuse_text_that_is_not_an_iso_date(bad):
    with pytest.raises(ValueError):
        date_cn(bad)


@pytest.mark.parametrize("bad", [None, 20250105, D("2025")])
def test_dates_refuse_values_that_are_not_dates(bad):
    with pytest.raises(TypeError):
        month_cn(bad)


@pytest.mark.parametrize(
    "n, expected",
    [
        (0, "零"),
        (1, "一"),
        (8, "八"),
        (10, "十"),
        (11, "十一"),
        (12, "十二"),
        (20, "二十"),
        (21, "二十一"),
        (99, "九十九"),
        (100, "一百"),
        (101, "一百零一"),
        (110, "一百一十"),
        (111, "一百一十一"),
        (1000, "一千"),
        (1001, "一千零一"),
        (1010, "一千零一十"),
        (1100, "一千一百"),
        (2025, "二千零二十五"),
        (9999, "九千九百九十九"),
        (D("12"), "十二"),
        (12.0, "十二"),
    ],
)
def test_cn_num(n, expected):
    assert cn_num(n) == expected


@pytest.mark.parametrize(
    "n, error",
    [
        (-1, ValueError),
        (10000, ValueError),
        (D("12.5"), ValueError),
        (True, TypeError),
        (None, TypeError),
    ],
)
def test_cn_num_refuses(n, error):
    with pytest.raises(error):
        cn_num(n)


@pytest.mark.parametrize(
    "args, expected",
    [
        ((1125, 1000), "同比增长12.5%"),
        ((968, 1000), "同比下降3.2%"),
        ((1000, 1000), "与上年持平"),
        ((D("1000.4"), 1000), "与上年持平"),
        ((1000.5, 1000), "同比增长0.1%"),
        ((999.5, 1000), "同比下降0.1%"),
        ((2000, 1000), "同比增长100%"),
        ((0, 1000), "同比下降100%"),
        ((1125, 1000, 0), "同比增长13%"),
        ((1, 3, 2), "同比下降66.67%"),
        ((-5, -10), "同比增长50%"),
        ((D("11.25"), 10), "同比增长12.5%"),
        ((D("1000.49999999999999999999999999999"), 1000, 1), "与上年持平"),  # never rounded twice
    ],
)
def test_yoy(args, expected):
    assert yoy(*args) == expected


def test_yoy_without_a_base_is_refused():
    with pytest.raises(ValueError):
        yoy(5, 0)


@pytest.mark.parametrize(
    "a, b, expected",
    [
        (1, 4, D("0.25")),
        (67242, 68100, D(67242) / D(68100)),
        (1, 3, D("0.3333333333333333333333333333")),
        (2, 3, D("0.6666666666666666666666666667")),
        (0, 5, D(0)),
        (D("1.5"), 0.5, D(3)),
        (-1, 8, D("-0.125")),
    ],
)
def test_ratio(a, b, expected):
    assert ratio(a, b) == expected


@pytest.mark.parametrize("b", [0, D("0.000"), 0.0])
def test_ratio_by_zero(b):
    with pytest.raises(ZeroDivisionError):
        ratio(1, b)


@pytest.mark.parametrize(
    "call",
    [
        lambda: wan(1, -1),
        lambda: wan(1, 1.5),
        lambda: pct(1, True),
        lambda: wan_yuan(1, 21),
        lambda: yoy(2, 1, -1),
    ],
)
def test_digits_must_be_a_small_whole_number(call):
    with pytest.raises(ValueError):
        call()


# -- properties -------------------------------------------------------------------------------

counts = st.integers(min_value=0, max_value=10**20)
decimals = st.decimals(min_value=-(10**20), max_value=10**20, allow_nan=False, allow_infinity=False, places=6)
anything = st.one_of(
    st.integers(-(10**30), 10**30),
    st.decimals(allow_nan=False, allow_infinity=False),
    st.floats(allow_nan=False, allow_infinity=False),
)
UNITS = {"万": 10**4, "亿": 10**8}


@given(counts, st.integers(min_value=1, max_value=10**6))
def test_approx_says_yu_exactly_when_it_cut_something(v, unit):
    text = approx(v, unit)
    if v < unit:  # nothing to floor to: the value as it is
        assert text == str(v)
        return
    shown = int(text.removesuffix("余"))
    assert shown % unit == 0 and shown <= v and v - shown < unit
    assert text.endswith("余") == (shown != v)


@given(st.decimals(min_value=0, max_value=10**12, allow_nan=False, places=3), st.sampled_from([None, 10, 100]))
def test_approx_of_a_fraction_never_overstates(v, unit):
    text = approx(v, unit)
    if text.endswith("余"):
        assert D(text[:-1]) < v
    else:
        assert D(text) == v


@given(counts)
def test_approx_without_a_unit_keeps_two_significant_digits(v):
    text = approx(v)
    shown = text.removesuffix("余")
    assert shown.rstrip("0") == str(v)[:2].rstrip("0") or int(shown) == v
    assert text.endswith("余") == (int(shown) != v)


@given(st.integers(min_value=10_000, max_value=10**20), st.integers(min_value=0, max_value=4))
def test_wan_never_overstates_and_says_yu_exactly_when_cut(v, digits):
    text = wan(v, digits)
    m = re.fullmatch(r"(\d+(?:\.\d*[1-9])?)(万|亿)(余?)", text)
    assert m, text
    unit = UNITS[m.group(2)]
    assert (unit == 10**8) == (v >= 10**8)
    shown = D(m.group(1)) * unit
    assert shown <= v and v - shown < D(unit) / 10**digits
    assert (m.group(3) == "余") == (shown != v)


@given(st.integers(min_value=10_000, max_value=10**20), st.integers(min_value=0, max_value=4))
def test_wan_rounded_is_within_half_a_unit_of_its_last_digit(v, digits):
    text = wan(v, digits, approx=False)
    m = re.fullmatch(r"(\d+(?:\.\d*[1-9])?)(万|亿)", text)
    assert m, text
    unit = UNITS[m.group(2)]
    assert abs(D(m.group(1)) * unit - v) <= D(unit) / 10**digits / 2
    assert D(m.group(1)) < 10_000 or unit == 10**8  # never "10000万"


@given(st.integers(min_value=1, max_value=10**20), st.integers(0, 3), st.booleans())
def test_wan_of_a_negative_is_the_positive_with_a_minus(v, digits, cut):
    assert wan(-v, digits, cut) == "-" + wan(v, digits, cut)
    assert approx(-v, 100) == "-" + approx(v, 100)


@given(st.integers(min_value=-9999, max_value=9999))
def test_wan_under_ten_thousand_is_num(v):
    assert wan(v) == num(v) == wan(v, 2, approx=False)


@given(st.decimals(min_value=-10, max_value=10, allow_nan=False, places=8), st.integers(min_value=0, max_value=4))
def test_pct_is_within_half_a_unit_of_its_last_digit(v, digits):
    text = pct(v, digits)
    assert re.fullmatch(r"-?\d+(\.\d*[1-9])?%", text), text
    assert abs(D(text[:-1]) - v * 100) <= D(5) / 10 ** (digits + 1)


@given(counts, st.integers(min_value=0, max_value=4))
def test_wan_yuan_is_within_half_a_unit_of_its_last_digit(v, digits):
    text = wan_yuan(v, digits)
    assert re.fullmatch(r"\d+(\.\d*[1-9])?万元", text), text
    assert abs(D(text[:-2]) * 10_000 - v) <= D(10_000) / 10**digits / 2


@given(anything)
def test_no_output_has_a_separator_or_an_exponent(v):
    texts = [num(v), wan(v), wan(v, 2, approx=False), approx(v), approx(v, 100), pct(v), wan_yuan(v), yuan(v)]
    for text in texts:
        assert "," not in text and "e" not in text.lower() and " " not in text, text
        assert not text.startswith("-0") or text.startswith("-0."), text


@given(anything)
def test_num_parses_back_to_the_value(v):
    text = num(v)
    assert D(text) == to_decimal(v)
    assert D(text) == (D(repr(v)) if isinstance(v, float) else D(v))


@given(anything)
def test_to_decimal_of_a_whole_number_has_no_exponent(v):
    d = to_decimal(v)
    if d == d.to_integral_value():
        assert d.as_tuple().exponent == 0


@given(st.integers(-(10**12), 10**12), st.integers(-(10**12), 10**12).filter(bool), st.integers(0, 3))
def test_yoy_says_the_direction_and_the_exact_rounded_change(cur, prev, digits):
    text = yoy(cur, prev, digits)
    exact = abs(Fraction(cur - prev, prev)) * 100
    if text == "与上年持平":
        assert exact < Fraction(5, 10 ** (digits + 1))
        return
    m = re.fullmatch(r"同比(增长|下降)(\d+(?:\.\d*[1-9])?)%", text)
    assert m, text
    assert (m.group(1) == "增长") == (cur > prev)
    assert abs(Fraction(m.group(2)) - exact) <= Fraction(5, 10 ** (digits + 1))


@given(st.integers(-(10**15), 10**15), st.integers(-(10**15), 10**15).filter(bool))
def test_ratio_is_the_quotient_to_28_digits(a, b):
    r = ratio(a, b)
    assert len(r.as_tuple().digits) <= 28
    assert abs(Fraction(r) - Fraction(a, b)) <= abs(Fraction(a, b)) / 10**27


@given(st.dates())
def test_dates_read_the_same_from_a_date_and_its_iso_text(d):
    assert date_cn(d) == date_cn(d.isoformat()) == f"{d.year}年{d.month}月{d.day}日"
    assert month_cn(d) == month_cn(d.isoformat() + " 12:00:00") == f"{d.year}年{d.month}月"


def test_cn_num_is_injective_and_never_has_two_zeros_together():
    texts = [cn_num(n) for n in range(10_000)]
    assert len(set(texts)) == 10_000
    assert not any("零零" in t or (t.endswith("零") and t != "零") for t in texts)
