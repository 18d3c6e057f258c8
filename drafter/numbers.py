"""Numbers written as a Chinese report writes them (GB/T 15835-2011 and the reference's usage).

Pure functions of plain values: Arabic digits for counts, money and percentages;
万/亿 as units for large numbers (`17万余`, never `17,2436` or `4千`); one
approximation word at most (`300余`, not `约300余`); no thousands separators; no
exponent notation. All rounding is exact Decimal arithmetic, never float.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Context, Decimal, InvalidOperation

WAN = Decimal(10_000)
YI = Decimal(100_000_000)
_CTX = Context(prec=28)


def to_decimal(v) -> Decimal:
    """An exact Decimal for an int, Decimal, float or numeric string; bools are refused."""
    if isinstance(v, bool) or v is None:
        raise TypeError(f"expected a number, got {v!r} ({type(v).__name__})")
    if isinstance(v, Decimal):
        d = v
    elif isinstance(v, int):
        d = Decimal(v)
    elif isinstance(v, float):
        d = Decimal(repr(v))  # the shortest repr, not the binary expansion
    elif isinstance(v, str):
        try:
            d = Decimal(v.strip())
        except InvalidOperation:
            raise TypeError(f"expected a number, got {v!r} (str)") from None
    else:
        raise TypeError(f"expected a number, got {v!r} ({type(v).__name__})")
    if not d.is_finite():
        raise ValueError(f"not a finite number: {v!r}")
    return d


def _plain(d: Decimal) -> str:
    """Fixed-point digits, trailing zeros of the fraction dropped, never an exponent."""
    if d == d.to_integral_value():
        d = d.quantize(Decimal(1))
    text = format(d, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text in ("-0", ""):
        text = "0"
    return text


def num(v) -> str:
    """1428 → "1428"; Decimal("26.10") → "26.1"."""
    return _plain(to_decimal(v))


def _quantum(digits: int) -> Decimal:
    if digits < 0:
        raise ValueError("digits must be >= 0")
    return Decimal(1).scaleb(-digits)


def _signed(d: Decimal, fmt) -> str:
    return "-" + fmt(-d) if d < 0 else fmt(d)


def wan(v, digits: int = 0, approx: bool = True) -> str:
    """172436 → "17万余"; 68123, digits=1 → "6.8万余"; 24000, 1, approx=False → "2.4万".

    With `approx`, the value is cut (not rounded) to `digits` decimals of the unit
    and 余 says that something was cut; without, it is rounded half-up.
    Values of 1亿 and more use 亿; values under 1万 are written out in full.
    """
    d = to_decimal(v)
    q = _quantum(digits)

    def fmt(x: Decimal) -> str:
        if x < WAN:
            return _plain(x)
        unit, word = (YI, "亿") if x >= YI else (WAN, "万")
        scaled = x / unit
        if approx:
            shown = scaled.quantize(q, rounding=ROUND_FLOOR)
            return _plain(shown) + word + ("余" if shown != scaled else "")
        return _plain(scaled.quantize(q, rounding=ROUND_HALF_UP)) + word

    return _signed(d, fmt)


def approx(v, unit: int | None = None) -> str:
    """312, unit 100 → "300余"; 300 → "300"; unit None keeps two significant digits."""
    if unit is not None and (isinstance(unit, bool) or not isinstance(unit, int) or unit <= 0):
        raise ValueError(f"unit must be a positive integer, got {unit!r}")
    d = to_decimal(v)

    def fmt(x: Decimal) -> str:
        whole = x.to_integral_value(ROUND_FLOOR)
        step = unit
        if step is None:
            digits = len(str(int(whole))) if whole > 0 else 1
            step = 10 ** max(digits - 2, 0)
        floored = (whole // step) * step
        if floored == 0:
            return _plain(x)
        return _plain(floored) + ("余" if floored != x else "")

    return _signed(d, fmt)


def pct(v, digits: int = 2) -> str:
    """A ratio as a percentage: 0.98740 → "98.74%"; 1 → "100%"; 0.92698, 1 → "92.7%"."""
    d = to_decimal(v) * 100
    return _plain(d.quantize(_quantum(digits), rounding=ROUND_HALF_UP)) + "%"


def wan_yuan(v, digits: int = 4) -> str:
    """Money in 元 written in 万元: 11872100 → "1187.21万元"; 8942845 → "894.2845万元"."""
    d = to_decimal(v) / WAN
    return _plain(d.quantize(_quantum(digits), rounding=ROUND_HALF_UP)) + "万元"


def yuan(v) -> str:
    """5000 → "5000元"."""
    return num(v) + "元"


def _as_date(v) -> dt.date:
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    if isinstance(v, str):
        text = v.strip()
        try:
            return dt.date.fromisoformat(text[:10])
        except ValueError:
            raise ValueError(f"not an ISO date: {v!r}") from None
    raise TypeError(f"expected a date, got {v!r} ({type(v).__name__})")


def date_cn(v) -> str:
    """date(2025, 12, 31) → "2025年12月31日", no zero padding."""
    d = _as_date(v)
    return f"{d.year}年{d.month}月{d.day}日"


def month_cn(v) -> str:
    """date(2025, 1, 5) → "2025年1月"."""
    d = _as_date(v)
    return f"{d.year}年{d.month}月"


_CN = "零一二三四五六七八九"
_CN_UNITS = ((1000, "千"), (100, "百"), (10, "十"), (1, ""))


def cn_num(n) -> str:
    """12 → "十二"; 101 → "一百零一"; 0..9999, as 公文 ordinals write them."""
    if isinstance(n, bool) or not isinstance(n, (int, Decimal)) or n != int(n):
        raise TypeError(f"expected a whole number, got {n!r}")
    n = int(n)
    if not 0 <= n <= 9999:
        raise ValueError(f"cn_num takes 0 to 9999, got {n}")
    if n == 0:
        return "零"
    out, zero = [], False
    for value, word in _CN_UNITS:
        digit, n = divmod(n, value)
        if digit:
            if zero and out:
                out.append("零")
            out.append(_CN[digit] + word)
            zero = False
        elif out:
            zero = True
    text = "".join(out)
    return text[1:] if text.startswith("一十") else text  # 十一, not 一十一


def ratio(a, b) -> Decimal:
    """The exact quotient a/b to 28 significant digits."""
    den = to_decimal(b)
    if den == 0:
        raise ZeroDivisionError("ratio with a denominator of 0")
    return _CTX.divide(to_decimal(a), den)


def yoy(current, previous, digits: int = 1) -> str:
    """"同比增长12.5%" / "同比下降3.2%" / "与上年持平" against last year's value."""
    cur, prev = to_decimal(current), to_decimal(previous)
    if prev == 0:
        raise ValueError("year-on-year change needs a previous value other than 0")
    change = (abs(cur - prev) / abs(prev) * 100).quantize(_quantum(digits), rounding=ROUND_HALF_UP)
    if change == 0:
        return "与上年持平"
    return ("同比增长" if cur > prev else "同比下降") + _plain(change) + "%"
