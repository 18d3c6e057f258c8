"""Numbers written as a Chinese report writes them (GB/T 15835-2011《出版物上数字用法》).

Pure functions of plain values, one per Jinja filter: Arabic digits for counts, money
and percentages; 万/亿 as units for large numbers (`17万余`, never `172,436` or `4千`);
one approximation word at most (`300余`, not `约300余`); no thousands separators; no
exponent notation; Chinese numerals only for ordinals (`cn_num`).

All rounding is exact Decimal (or integer) arithmetic, never float: a printed figure
must match what a reviewer recomputes from the database, whatever its size.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import MAX_EMAX, MIN_EMIN, ROUND_FLOOR, ROUND_HALF_UP, Context, Decimal, InvalidOperation
from fractions import Fraction

WAN = Decimal(10_000)
YI = Decimal(100_000_000)
# No report prints a number of a thousand digits; the bound keeps a stray "1e999999999"
# in a text column from allocating gigabytes.
_MAX_ADJUSTED = 1000
_INT_LIMIT = 10 ** (_MAX_ADJUSTED + 1)  # an int below it has at most _MAX_ADJUSTED + 1 digits
_MAX_DIGITS = 20


def _refuse(v, what: str = "数") -> TypeError:
    return TypeError(f"应是{what}，得到的是 {v!r}（{type(v).__name__}）")


def to_decimal(v) -> Decimal:
    """An exact Decimal for an int, Decimal, float or numeric string; bools are refused.

    Integral values come back with exponent 0, so Decimal('1428.000') and Decimal('1E+3')
    print as 1428 and 1000.
    """
    if isinstance(v, bool):  # True is an int to Python, never a figure to a report
        raise _refuse(v)
    if isinstance(v, Decimal):
        d = v
    elif isinstance(v, int):
        d = Decimal(v)
    elif isinstance(v, float):
        d = Decimal(repr(v))  # the shortest repr (0.46), not the binary expansion
    elif isinstance(v, str):  # some drivers return NUMERIC as text
        try:
            d = Decimal(v.strip())
        except InvalidOperation as exc:
            raise _refuse(v) from exc
    else:
        raise _refuse(v)
    if not d.is_finite():
        raise ValueError(f"不是有限的数：{v!r}")
    if d and abs(d.adjusted()) > _MAX_ADJUSTED:
        raise ValueError(f"{v!r} 太大或太小，不能写进报告")
    if d == d.to_integral_value():
        d = Decimal(int(d))  # exact at any size, unlike quantize under a context
    return d


def _plain(d: Decimal) -> str:
    """Fixed-point digits, trailing zeros of the fraction dropped, never an exponent or -0."""
    text = format(d, "f")  # without a precision, 'f' is exact and ignores the context
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _fixed(d: Decimal, digits: int) -> str:
    """A value already rounded to `digits` decimals, written with all of them: 25.40, 95.0."""
    text = format(d, f".{digits}f")
    return text[1:] if text.startswith("-") and not d else text


def _written(d: Decimal, digits: int, fixed: bool) -> str:
    """`_plain`, or with `fixed` every one of the `digits` decimals (a column of numbers)."""
    return _fixed(d, digits) if fixed and digits else _plain(d)


def _check_digits(digits) -> int:
    if isinstance(digits, bool) or not isinstance(digits, int) or not 0 <= digits <= _MAX_DIGITS:
        raise ValueError(f"小数位数应是 0 到 {_MAX_DIGITS} 的整数，写的是 {digits!r}")
    return digits


def _shift(d: Decimal, places: int) -> Decimal:
    """d × 10**places, exactly: only the exponent moves (scaleb would round to the context)."""
    sign, digits, exponent = d.as_tuple()
    assert isinstance(exponent, int), "only finite numbers (to_decimal) reach here"
    return Decimal((sign, digits, exponent + places))


def _round(d: Decimal, places: int, digits: int, rounding: str) -> Decimal:
    """d × 10**places rounded to `digits` decimals, in a context as wide as the result needs."""
    x = _shift(d, places)
    ctx = Context(prec=max(28, x.adjusted() + digits + 3), Emax=MAX_EMAX, Emin=MIN_EMIN)
    return x.quantize(Decimal(f"1E-{digits}"), rounding=rounding, context=ctx)


def _signed(d: Decimal, fmt) -> str:
    """Format |d| and put the minus sign back, so that floors cut towards zero."""
    return "-" + fmt(-d) if d < 0 else fmt(d)


def num(v, digits: int | None = None, fixed: bool = False) -> str:
    """1428 → "1428"; Decimal("26.10") → "26.1"; Decimal("1E+3") → "1000";
    284.0646, 1 → "284.1" (rounded half-up); 284.0123, 1 → "284"; 284.0123, 1, fixed=True → "284.0"."""
    if digits is None and type(v) is int and -_INT_LIMIT < v < _INT_LIMIT:
        return str(v)  # a count, as to_decimal and _plain write it (a long table prints 30,000)
    d = to_decimal(v)
    if digits is None:
        return _plain(d)
    digits = _check_digits(digits)
    return _written(_round(d, 0, digits, ROUND_HALF_UP), digits, fixed)


def wan(v, digits: int = 0, approx: bool = True, fixed: bool = False) -> str:
    """172436 → "17万余"; 68123, 1 → "6.8万余"; 24000, 1, approx=False → "2.4万";
    240000, 1, approx=False, fixed=True → "24.0万".

    With `approx`, the value is cut (floored) to `digits` decimals of the unit and 余
    says that something was cut; without, it is rounded half-up and nothing is added.
    1亿 and more use 亿; under 1万 the value is written out as `num` writes it.
    `fixed` keeps trailing zeros of the decimals (for a column of numbers).
    """
    d = to_decimal(v)
    digits = _check_digits(digits)
    rounding = ROUND_FLOOR if approx else ROUND_HALF_UP

    def fmt(x: Decimal) -> str:
        if x < WAN:
            return _plain(x)
        shift, word = (-8, "亿") if x >= YI else (-4, "万")
        shown = _round(x, shift, digits, rounding)
        if word == "万" and shown >= WAN:  # 99995000 rounds to 1亿, never "10000万"
            shift, word = -8, "亿"
            shown = _round(x, shift, digits, rounding)
        cut = approx and shown != _shift(x, shift)
        return _written(shown, digits, fixed) + word + ("余" if cut else "")

    return _signed(d, fmt)


def approx(v, unit: int | None = None) -> str:
    """312, 100 → "300余"; 300, 100 → "300"; unit None keeps two significant digits."""
    if unit is not None and (isinstance(unit, bool) or not isinstance(unit, int) or unit <= 0):
        raise ValueError(f"取整单位应是正整数，写的是 {unit!r}")
    d = to_decimal(v)

    def fmt(x: Decimal) -> str:
        whole = int(x)  # x >= 0: int() truncates, which is the floor
        step = unit
        if step is None:  # two significant digits: 4532 → 4500, 87 → 87
            step = 10 ** max(len(str(whole)) - 2, 0)
        floored = whole // step * step
        if floored == 0:  # never "0余": a value under one unit is written out
            return _plain(x)
        return str(floored) + ("余" if floored != x else "")

    return _signed(d, fmt)


def pct(v, digits: int = 2, fixed: bool = False) -> str:
    """A ratio as a percentage: 0.98740 → "98.74%"; 1 → "100%"; 0.92698, 1 → "92.7%";
    0.95, 1, fixed=True → "95.0%"."""
    digits = _check_digits(digits)
    return _written(_round(to_decimal(v), 2, digits, ROUND_HALF_UP), digits, fixed) + "%"


def wan_yuan(v, digits: int = 4, fixed: bool = False) -> str:
    """Money in 元 written in 万元, to the 元 by default (4 decimals, trailing zeros dropped):
    11872100 → "1187.21万元"; 8942845 → "894.2845万元"; 31117796, 2 → "3111.78万元";
    254000, 2, fixed=True → "25.40万元"."""
    digits = _check_digits(digits)
    return _written(_round(to_decimal(v), -4, digits, ROUND_HALF_UP), digits, fixed) + "万元"


def to_wan(v, digits: int = 2, fixed: bool = False) -> str:
    """A number in 万 without a unit, for a table cell under 单位：万元 (or 万人次):
    31117796 → "3111.78"; 254000, 2, fixed=True → "25.40"; 31117796, 0 → "3112"."""
    digits = _check_digits(digits)
    return _written(_round(to_decimal(v), -4, digits, ROUND_HALF_UP), digits, fixed)


def yuan(v, digits: int | None = None, fixed: bool = False) -> str:
    """5000 → "5000元"; Decimal("5000.50") → "5000.5元"; 5000.5, 2, fixed=True → "5000.50元";
    without `digits`, never finer than the 分: 10078.4131243 → "10078.41元" (rounded half-up)."""
    if digits is None and to_decimal(v).as_tuple().exponent < -2:  # type: ignore[operator]
        digits = 2
    return num(v, digits, fixed) + "元"


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ].+)?")


def _as_date(v) -> dt.date:
    if isinstance(v, dt.datetime):  # before date: a datetime is a date to isinstance
        return v.date()
    if isinstance(v, dt.date):
        return v
    if isinstance(v, str):
        text = v.strip()
        if _ISO_DATE.fullmatch(text):  # fromisoformat alone would take 20250105 or 2025-W01
            try:
                return dt.datetime.fromisoformat(text).date()
            except ValueError:
                pass
        raise ValueError(f"不是 YYYY-MM-DD 格式的日期：{v!r}")
    raise _refuse(v, "日期")


def date_cn(v) -> str:
    """date(2025, 12, 31) → "2025年12月31日"; no zero padding ("2025年1月5日")."""
    d = _as_date(v)
    return f"{d.year}年{d.month}月{d.day}日"


def month_cn(v) -> str:
    """date(2025, 1, 5) → "2025年1月"."""
    d = _as_date(v)
    return f"{d.year}年{d.month}月"


_CN_DIGITS = "零一二三四五六七八九"
_CN_PLACES = ((1000, "千"), (100, "百"), (10, "十"), (1, ""))


def cn_num(n) -> str:
    """12 → "十二"; 101 → "一百零一"; 110 → "一百一十"; 0 to 9999, as 公文 ordinals write them."""
    d = to_decimal(n)
    if d != d.to_integral_value():
        raise ValueError(f"cn_num 只能写整数，得到的是 {n!r}")
    n = int(d)
    if not 0 <= n <= 9999:
        raise ValueError(f"cn_num 只能写 0 到 9999，得到的是 {n}")
    if n == 0:
        return "零"
    out, gap = [], False
    for value, place in _CN_PLACES:
        digit, n = divmod(n, value)
        if digit:
            if gap:
                out.append("零")  # one 零 for any run of empty places inside: 1001 一千零一
            out.append(_CN_DIGITS[digit] + place)
            gap = False
        elif out:
            gap = True
    text = "".join(out)
    return text[1:] if text.startswith("一十") else text  # 十二, not 一十二


def ratio(a, b) -> Decimal:
    """The quotient a/b to 28 significant digits (an exact Decimal when it terminates)."""
    den = to_decimal(b)
    if den == 0:
        raise ZeroDivisionError(f"ratio of {a!r} to 0")
    # A fresh context: the shared default could be changed by anyone, and keeps flags.
    return Context(prec=28).divide(to_decimal(a), den)


# Words for a change up / down, by the first (or written as "上/下").
CHANGE_WORDS = {"增长": ("增长", "下降"), "增加": ("增加", "减少"), "上升": ("上升", "下降"), "提高": ("提高", "降低")}


def _change_words(words: str) -> tuple[str, str]:
    if not isinstance(words, str):
        raise _refuse(words, "增长、增加/减少这样的词")
    if "/" in words:
        up, _, down = words.partition("/")
        if up.strip() and down.strip():
            return up.strip(), down.strip()
    if words in CHANGE_WORDS:
        return CHANGE_WORDS[words]
    raise ValueError(f"措辞应是 {'、'.join(CHANGE_WORDS)} 之一或“增/减”，写的是 {words!r}")


def _rounded_units(value: Fraction, digits: int) -> int:
    """|value| in units of 10**-digits, rounded half-up exactly (never rounded twice)."""
    scaled = abs(value) * 10**digits
    q, r = divmod(scaled.numerator, scaled.denominator)
    return q + (2 * r >= scaled.denominator)


def _prefix(prefix, default: str) -> str:
    if prefix is True:
        return default
    if prefix is False or prefix is None:
        return ""
    if isinstance(prefix, str):
        return prefix
    raise _refuse(prefix, "true, false or a word")


def _change(delta: Fraction, digits: int, words: str, prefix: str, flat, fixed: bool, unit: str, same: str) -> str:
    digits = _check_digits(digits)
    up, down = _change_words(words)
    tolerance = Fraction(to_decimal(flat))
    units = _rounded_units(delta, digits)
    if units == 0 or abs(delta) <= tolerance:
        return same
    shown = Decimal(f"{units}E-{digits}")
    return prefix + (up if delta > 0 else down) + _written(shown, digits, fixed) + unit


def yoy(
    current,
    previous,
    digits: int = 1,
    words: str = "增长",
    prefix=True,
    flat=0,
    fixed: bool = False,
    same: str | None = None,
) -> str:
    """Against the same period a year earlier: "同比增长12.5%" / "同比下降3.2%" / "与上年持平".

    `words`: 增长 (增长/下降), 增加 (增加/减少), 上升 (上升/下降), 提高 (提高/降低) or "上/下";
    `prefix`: True "同比", False none, or a word of your own; `flat`: a change of at most this
    many per cent is 持平 (a change that rounds to 0 always is); `fixed` keeps trailing zeros;
    `same`: the wording for 持平 (缺省 与上年持平, or 持平 without a prefix).
    """
    return _relative_change(
        current,
        previous,
        digits,
        words,
        _prefix(prefix, "同比"),
        flat,
        fixed,
        same if same is not None else ("与上年持平" if prefix is True else "持平"),
    )


def mom(
    current,
    previous,
    digits: int = 1,
    words: str = "增长",
    prefix=True,
    flat=0,
    fixed: bool = False,
    same: str | None = None,
) -> str:
    """Against the period just before: "环比增长12.5%" / "环比下降3.2%" / "与上期持平"; options as `yoy`."""
    return _relative_change(
        current,
        previous,
        digits,
        words,
        _prefix(prefix, "环比"),
        flat,
        fixed,
        same if same is not None else ("与上期持平" if prefix is True else "持平"),
    )


def _relative_change(current, previous, digits, words, prefix, flat, fixed, same) -> str:
    cur, prev = to_decimal(current), to_decimal(previous)
    if prev == 0:
        raise ValueError("上期数为 0，无法计算增减幅度")
    # |cur - prev| / |prev| as a percentage, rounded half-up in exact fractions: a
    # quotient like 12.4499… is never rounded twice (to 28 digits, then to 1) into 12.5.
    change = (Fraction(cur) - Fraction(prev)) / abs(Fraction(prev)) * 100
    return _change(change, digits, words, prefix, flat, fixed, "%", same)


def pp(
    current,
    previous,
    digits: int = 1,
    words: str = "提高",
    prefix="",
    flat=0,
    fixed: bool = False,
    same: str | None = None,
) -> str:
    """The change of a rate in 个百分点: 0.953, 0.932 → "提高2.1个百分点"; both are ratios (as
    `pct` takes them). Options as `yoy`; `prefix` is none unless given ("同比", "环比");
    a change within `flat` percentage points is 持平 (with the prefix: 同比持平)."""
    cur, prev = to_decimal(current), to_decimal(previous)
    delta = (Fraction(cur) - Fraction(prev)) * 100
    lead = _prefix(prefix, "")
    return _change(delta, digits, words, lead, flat, fixed, "个百分点", same if same is not None else f"{lead}持平")
