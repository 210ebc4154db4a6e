"""Two languages, one call: ``tr(lang, zh, en)``; and the one set of number formats.

Every number kalib shows a reader goes through a formatter here, so a table, a
summary sentence, a CLI line and a report say the same amount the same way:

- amounts: Chinese readers count in 万 and 亿 (``7,084万元``, ``1.2亿元``), English
  readers in thousands, millions and billions (``RMB 70.8M``);
- percentages (``33%``), percentage points (``+5 pp`` / ``+5个百分点``), plain
  numbers with thousands separators, counts with the right plural (``1 salesperson``,
  ``2 salespeople``), days as whole numbers (``155 days`` / ``155天``);
- never a trailing ``.0``; a missing value is ``–`` (or "not available: reason"
  when the reason is known), never ``NaN``, ``nan`` or ``None``.

>>> tr("en", "赢率", "Win rate")
'Win rate'
>>> tr("zh", "赢率", "Win rate")
'赢率'

Tables meant for readers either carry a named, meaningful index (the indicator,
the salesperson, the stage) or go through :func:`display_table`, which hides the
row numbers.
"""

from __future__ import annotations

import math
from typing import Any

__all__ = [
    "LANGS", "MISSING", "check_lang", "tr", "is_missing", "fmt_rmb", "fmt_wan", "fmt_pct", "fmt_pp", "fmt_num",
    "fmt_count", "fmt_days", "fmt_times", "fmt_na", "fmt_value", "display_table",
]

LANGS = ("zh", "en")
MISSING = "–"


def check_lang(lang: str) -> str:
    if lang not in LANGS:
        raise ValueError(f"lang must be 'zh' or 'en', not {lang!r}")
    return lang


def tr(lang: str, zh: str, en: str) -> str:
    """The text in ``lang``."""
    return zh if check_lang(lang) == "zh" else en


def is_missing(x: Any) -> bool:
    """True for ``None``, NaN, ``pd.NA`` and ``NaT`` (anything a reader should see as "–").

    >>> is_missing(None), is_missing(float("nan")), is_missing(0), is_missing("")
    (True, True, False, False)
    """
    if x is None:
        return True
    try:
        import pandas as pd

        if x is pd.NA or x is pd.NaT:
            return True
    except ImportError:  # pragma: no cover - pandas is a dependency
        pass
    try:
        return bool(x != x)
    except (TypeError, ValueError):
        return False


def _trim(s: str) -> str:
    """``12.0`` → ``12``, ``12.50`` → ``12.5`` (a formatted decimal without trailing zeros)."""
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def fmt_num(x: Any, digits: int = 0) -> str:
    """A plain number with thousands separators and at most ``digits`` decimals, never a trailing ``.0``.

    >>> fmt_num(1234567), fmt_num(3.0, 1), fmt_num(2.345, 2), fmt_num(0.5), fmt_num(None)
    ('1,234,567', '3', '2.35', '0', '–')
    """
    if is_missing(x):
        return MISSING
    x = float(x)
    if math.isinf(x):
        return "∞" if x > 0 else "-∞"
    return _trim(f"{x:,.{digits}f}")


def fmt_wan(x: Any) -> str:
    """An amount in 万元 as a bare number (the unit said elsewhere): whole 万 from 100万 up, else one decimal.

    >>> fmt_wan(70_835_000), fmt_wan(352_000), fmt_wan(30_000), fmt_wan(float("nan"))
    ('7,084', '35.2', '3', '–')
    """
    if is_missing(x):
        return MISSING
    w = float(x) / 1e4
    return fmt_num(w, 0 if abs(w) >= 100 else 1)


def fmt_rmb(x: Any, lang: str = "en") -> str:
    """An RMB amount in the units people read.

    Chinese: 元 below 1万, 万元 (whole from 100万, else one decimal), 亿元 (two decimals below 10亿,
    else one); English: RMB with thousands separators, ``k`` from 10,000, ``M`` and ``B``.

    >>> fmt_rmb(70_835_000, "zh"), fmt_rmb(120_000_000, "zh"), fmt_rmb(2.5e9, "zh"), fmt_rmb(3_200, "zh")
    ('7,084万元', '1.2亿元', '25亿元', '3,200元')
    >>> fmt_rmb(70_835_000, "en"), fmt_rmb(12_000_000, "en"), fmt_rmb(3_200, "en"), fmt_rmb(352_000, "en")
    ('RMB 70.8M', 'RMB 12M', 'RMB 3,200', 'RMB 352k')
    >>> fmt_rmb(1.234e9, "en"), fmt_rmb(-3_500_000, "en"), fmt_rmb(-350_000, "zh"), fmt_rmb(None, "zh")
    ('RMB 1.23B', '-RMB 3.5M', '-35万元', '–')
    """
    if is_missing(x):
        return MISSING
    x = float(x)
    a = abs(x)
    sign = "-" if x < 0 else ""
    if lang == "zh":
        if a >= 1e8:
            return f"{sign}{fmt_num(a / 1e8, 2 if a < 1e9 else 1)}亿元"
        if a >= 1e4:
            return f"{sign}{fmt_wan(a)}万元"
        return f"{sign}{fmt_num(a)}元"
    check_lang(lang)
    if a >= 1e9:
        body = f"{fmt_num(a / 1e9, 2)}B"
    elif a >= 1e6:
        body = f"{fmt_num(a / 1e6, 0 if a >= 1e8 else 1)}M"
    elif a >= 1e4:
        body = f"{fmt_num(a / 1e3)}k"
    else:
        body = fmt_num(a)
    return f"{sign}RMB {body}"


def fmt_pct(x: Any, digits: int = 0) -> str:
    """A fraction as a percentage, never a trailing ``.0``.

    >>> fmt_pct(0.3333), fmt_pct(0.3333, 1), fmt_pct(0.5, 1), fmt_pct(None)
    ('33%', '33.3%', '50%', '–')
    """
    if is_missing(x):
        return MISSING
    return f"{_trim(f'{float(x) * 100:.{digits}f}')}%"


def fmt_pp(x: Any, lang: str = "en", digits: int = 0) -> str:
    """A difference of two fractions in percentage points, signed.

    >>> fmt_pp(0.052, "en"), fmt_pp(-0.1, "zh"), fmt_pp(0.0, "en")
    ('+5 pp', '-10个百分点', '0 pp')
    """
    if is_missing(x):
        return MISSING
    v = _trim(f"{float(x) * 100:.{digits}f}")
    v = v if v.startswith("-") or v == "0" else f"+{v}"
    return tr(lang, f"{v}个百分点", f"{v} pp")


_PLURALS = {"salesperson": "salespeople", "person": "people", "opportunity": "opportunities",
            "company": "companies", "day": "days", "month": "months", "customer": "customers",
            "deal": "deals", "is": "are", "was": "were", "has": "have"}


def _plural(word: str) -> str:
    last = word.rsplit(" ", 1)
    head, tail = (last[0] + " ", last[1]) if len(last) == 2 else ("", last[0])
    if tail in _PLURALS:
        return head + _PLURALS[tail]
    if tail.endswith("y") and len(tail) > 1 and tail[-2] not in "aeiou":
        return head + tail[:-1] + "ies"
    if tail.endswith(("s", "x", "ch", "sh")):
        return head + tail + "es"
    return head + tail + "s"


def fmt_count(n: Any, lang: str, zh: str, en: str, en_plural: str | None = None) -> str:
    """A count with its noun: ``zh`` follows the number (a measure word and noun, no space); ``en`` is the
    singular, made plural by the usual rules unless ``en_plural`` is given.

    >>> fmt_count(1, "en", "名销售", "salesperson"), fmt_count(2, "en", "名销售", "salesperson")
    ('1 salesperson', '2 salespeople')
    >>> fmt_count(3, "en", "个机会", "open deal"), fmt_count(12000, "zh", "个客户", "customer")
    ('3 open deals', '12,000个客户')
    >>> fmt_count(None, "en", "个", "deal")
    '–'
    """
    if is_missing(n):
        return MISSING
    num = fmt_num(n)
    if check_lang(lang) == "zh":
        return f"{num}{zh}"
    word = en if float(n) == 1 else (en_plural or _plural(en))
    return f"{num} {word}"


def fmt_days(x: Any, lang: str = "en") -> str:
    """A number of days, whole.

    >>> fmt_days(154.6, "en"), fmt_days(1, "en"), fmt_days(155.0, "zh"), fmt_days(float("nan"), "zh")
    ('155 days', '1 day', '155天', '–')
    """
    if is_missing(x):
        return MISSING
    n = round(float(x))
    return tr(lang, f"{n:,}天", f"{n:,} day" + ("" if n == 1 else "s"))


def fmt_times(x: Any, lang: str = "en", digits: int = 1) -> str:
    """A ratio ("how many times"): ``2.2倍`` / ``2.2×``, never a trailing ``.0``.

    >>> fmt_times(2.24, "zh"), fmt_times(3.0, "en"), fmt_times(None, "en")
    ('2.2倍', '3×', '–')
    """
    if is_missing(x):
        return MISSING
    return fmt_num(x, digits) + tr(lang, "倍", "×")


def fmt_na(lang: str, reason: str | None = None) -> str:
    """A value that is not available, with its reason when known.

    >>> fmt_na("en"), fmt_na("en", "needs the snapshots table"), fmt_na("zh", "需要机会快照表")
    ('–', 'not available: needs the snapshots table', '不可用：需要机会快照表')
    """
    if not reason:
        return MISSING
    return tr(lang, f"不可用：{reason}", f"not available: {reason}")


def fmt_value(x: Any, unit: str, lang: str = "en") -> str:
    """A value in one of the method's units: ``pct`` (a fraction), ``rmb``, ``days``, ``score`` (0–10 or 0–100,
    one decimal) or a plain number.

    >>> fmt_value(0.42, "pct", "en"), fmt_value(8_500_000, "rmb", "zh"), fmt_value(7.26, "score")
    ('42%', '850万元', '7.3')
    """
    if unit == "pct":
        return fmt_pct(x)
    if unit == "rmb":
        return fmt_rmb(x, lang)
    if unit == "days":
        return fmt_days(x, lang)
    if unit == "score":
        return fmt_num(x, 1)
    return fmt_num(x, 1)


def display_table(df: Any) -> Any:
    """A reader's table without row numbers: a pandas ``Styler`` with the index hidden.

    Use it for a display frame whose index means nothing (0, 1, 2…); a frame with a
    named, meaningful index (indicator, salesperson, stage) is shown as it is.  The
    frame itself is not changed (``.data`` gives it back).

    >>> import pandas as pd
    >>> s = display_table(pd.DataFrame({"客户": ["甲"], "收入": ["35万元"]}))
    >>> "<th" in s.to_html() and ">0<" not in s.to_html()
    True
    """
    return df.style.hide(axis="index")
