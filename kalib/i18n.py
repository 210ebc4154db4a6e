"""Two languages, one call: ``tr(lang, zh, en)``.

>>> tr("en", "赢率", "Win rate")
'Win rate'
>>> tr("zh", "赢率", "Win rate")
'赢率'
"""

from __future__ import annotations

__all__ = ["LANGS", "check_lang", "tr", "fmt_rmb", "fmt_pct"]

LANGS = ("zh", "en")


def check_lang(lang: str) -> str:
    if lang not in LANGS:
        raise ValueError(f"lang must be 'zh' or 'en', not {lang!r}")
    return lang


def tr(lang: str, zh: str, en: str) -> str:
    """The text in ``lang``."""
    return zh if check_lang(lang) == "zh" else en


def fmt_rmb(x: float | None, lang: str = "en") -> str:
    """An RMB amount in the units people read.

    >>> fmt_rmb(12_345_678, "en"), fmt_rmb(12_345_678, "zh"), fmt_rmb(3_200, "en")
    ('12.3M RMB', '1234.6万元', '3,200 RMB')
    >>> fmt_rmb(2.5e9, "zh")
    '25.0亿元'
    """
    if x is None or x != x:
        return "–"
    a = abs(x)
    if lang == "zh":
        if a >= 1e8:
            return f"{x / 1e8:.1f}亿元"
        if a >= 1e4:
            return f"{x / 1e4:.1f}万元"
        return f"{x:,.0f}元"
    if a >= 1e9:
        return f"{x / 1e9:.2f}B RMB"
    if a >= 1e6:
        return f"{x / 1e6:.1f}M RMB"
    if a >= 1e4:
        return f"{x / 1e3:.0f}k RMB"
    return f"{x:,.0f} RMB"


def fmt_pct(x: float | None, digits: int = 0) -> str:
    """A fraction as a percentage.

    >>> fmt_pct(0.3333), fmt_pct(0.3333, 1), fmt_pct(None)
    ('33%', '33.3%', '–')
    """
    if x is None or x != x:
        return "–"
    return f"{x * 100:.{digits}f}%"
