"""Vectorised parsers for messy spreadsheet values.

Each parser takes a Series of text (as read from a file: blank is missing)
and returns ``(values, bad)``: the parsed Series and a boolean mask of the
non-blank cells that could not be read.  Nothing here raises on bad cells;
the loader turns ``bad`` into located problems.

Examples
--------
>>> import pandas as pd
>>> v, bad = parse_money(pd.Series(["1,234.5", "¥2万", "(300)", "", "abc"]))
>>> v.tolist()[:3], bad.tolist()
([1234.5, 20000.0, -300.0], [False, False, False, False, True])
>>> v, bad = parse_date(pd.Series(["2024-03-05", "2024/3/6", "2024年3月7日", "45358", "03/08/2024", "x"]))
>>> [str(d.date()) if pd.notna(d) else None for d in v]
['2024-03-05', '2024-03-06', '2024-03-07', '2024-03-07', '2024-03-08', None]
>>> parse_rate(pd.Series(["35%", "0.5", ""]))[0].tolist()
[0.35, 0.5, nan]
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

__all__ = [
    "blank",
    "parse_text",
    "parse_money",
    "parse_number",
    "parse_int",
    "parse_rate",
    "parse_date",
    "parse_bool",
    "parse_status",
    "UNIT_FACTORS",
]

UNIT_FACTORS = {"元": 1.0, "千": 1e3, "千元": 1e3, "k": 1e3, "万": 1e4, "万元": 1e4, "百万": 1e6, "m": 1e6,
                "百万元": 1e6, "亿": 1e8, "亿元": 1e8}

_TRUE = {"1", "1.0", "true", "yes", "y", "t", "是", "对", "√", "✓", "✔", "有", "x"}
_FALSE = {"0", "0.0", "false", "no", "n", "f", "否", "不是", "×", "✗", "无", "-"}

_WON = {"won", "win", "closedwon", "赢", "赢单", "成交", "已成交", "签约", "已签约", "中标", "1", "true", "yes", "是"}
_LOST = {"lost", "loss", "closedlost", "丢", "丢单", "输单", "失败", "未中标", "放弃", "abandoned", "nogo", "取消"}
_OPEN = {"open", "进行中", "跟进中", "在跟", "跟进", "未关闭", "pipeline", "0", "false", "no", "否"}


NULLISH = ["", "nan", "NaN", "NULL", "null", "None", "#N/A", "N/A", "NaT"]


def _arrow(s: pd.Series):
    """The pyarrow array behind a text Series, or None (then the generic path runs)."""
    try:
        import pyarrow as pa

        arr = getattr(s.array, "_pa_array", None)
        if arr is not None and pa.types.is_string(arr.type) or (arr is not None and pa.types.is_large_string(arr.type)):
            return arr
    except ImportError:  # pragma: no cover
        return None
    return None


def _arrow_clean(arr):
    """Trimmed text with blank-like cells as nulls."""
    import pyarrow as pa
    import pyarrow.compute as pc

    t = pc.utf8_trim_whitespace(arr)
    blank = pc.is_in(t, value_set=pa.array(NULLISH))
    if not pc.any(blank).as_py():
        return t
    return pc.if_else(blank, pa.scalar(None, t.type), t)


def _from_arrow(arr, index) -> pd.Series:
    import pyarrow as pa

    if pa.types.is_floating(arr.type):
        return pd.Series(arr.to_numpy(zero_copy_only=False), index=index, dtype="float64")
    if pa.types.is_timestamp(arr.type):
        return pd.Series(arr.to_pandas(), index=index).astype("datetime64[ns]")
    return pd.Series(arr.to_pandas(types_mapper={arr.type: pd.StringDtype("pyarrow", na_value=np.nan)}.get),
                     index=index)


def _as_text(s: pd.Series) -> pd.Series:
    if s.dtype == object or str(s.dtype) != "str":
        s = s.astype("str")
    return s.str.strip()


def blank(s: pd.Series) -> pd.Series:
    """True where a cell is missing or only whitespace (or a spreadsheet's 'nan'/'NULL')."""
    t = _as_text(s.astype("str").where(s.notna(), ""))
    return t.isna() | t.isin(["", "nan", "NaN", "NULL", "null", "None", "#N/A", "N/A", "NaT"])


def parse_text(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Stripped text; blank becomes missing."""
    arr = _arrow(s)
    if arr is not None:
        return _from_arrow(_arrow_clean(arr), s.index), pd.Series(False, index=s.index)
    b = blank(s)
    out = _as_text(s.astype("str")).where(~b)
    return out.astype("str"), pd.Series(False, index=s.index)


def _numeric_fast(s: pd.Series) -> pd.Series:
    return pd.to_numeric(s, errors="coerce")


_NUM_CLEAN = re.compile(r"[\s,，_'’]|(?:RMB|CNY|USD|EUR|HKD|元|¥|￥|\$|€|£)", re.I)


def parse_money(s: pd.Series, unit: str | None = None) -> tuple[pd.Series, pd.Series]:
    """Amounts: thousands separators, currency signs, (1,000) as negative, 万/亿 suffixes.

    ``unit`` (元, 千, 万, 亿 ...) multiplies values that carry no unit of their own.
    """
    factor = UNIT_FACTORS.get(str(unit).strip().lower(), None) if unit else 1.0
    if factor is None:
        raise ValueError(f"unknown amount unit {unit!r}; use one of {', '.join(UNIT_FACTORS)}")
    arr = _arrow(s)
    if arr is not None:
        import pyarrow as pa
        import pyarrow.compute as pc

        try:
            v = pc.cast(_arrow_clean(arr), pa.float64())
            return _from_arrow(v, s.index) * factor, pd.Series(False, index=s.index)
        except pa.ArrowException:
            pass  # something to clean: the generic path below
    b = blank(s)
    if pd.api.types.is_numeric_dtype(s):
        return s.astype("float64") * factor, pd.Series(False, index=s.index)
    text = _as_text(s.astype("str").where(~b, ""))
    out = _numeric_fast(text.where(~b))
    todo = out.isna() & ~b
    if todo.any():
        t = text[todo]
        neg = t.str.match(r"^\(.*\)$") | t.str.endswith("-")
        t = t.str.replace(r"^\((.*)\)$", r"\1", regex=True).str.rstrip("-")
        t = t.str.replace(_NUM_CLEAN.pattern, "", regex=True, flags=re.I)
        mult = pd.Series(factor, index=t.index, dtype="float64")
        for suffix, f in (("亿元", 1e8), ("亿", 1e8), ("万元", 1e4), ("万", 1e4), ("千元", 1e3), ("千", 1e3),
                          ("百万", 1e6)):
            has = t.str.endswith(suffix)
            if has.any():
                mult = mult.where(~has, f)
                t = t.where(~has, t.str.slice(0, -len(suffix)))
        v = pd.to_numeric(t, errors="coerce") * mult
        v = v.where(~neg, -v)
        out = out * factor
        out[todo] = v
        bad = todo & out.isna()
        return out.astype("float64"), bad
    return (out * factor).astype("float64"), pd.Series(False, index=s.index)


def parse_number(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Plain numbers (thousands separators allowed)."""
    v, bad = parse_money(s)
    return v, bad


def parse_int(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Whole numbers; a fraction is bad."""
    v, bad = parse_money(s)
    frac = v.notna() & (v != np.floor(v.fillna(0)))
    return v.where(~frac), bad | frac


def parse_rate(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Shares: "35%", "35" and "0.35" all mean 0.35.

    A value with a % sign is a percentage; values without one are read as
    percentages when any of them exceeds 1, else as fractions.
    Values outside 0–100% are bad.
    """
    b = blank(s)
    if pd.api.types.is_numeric_dtype(s):
        v = s.astype("float64")
        pct = bool((v > 1).any())
    else:
        text = _as_text(s.astype("str").where(~b, ""))
        has_pct = text.str.endswith("%") | text.str.endswith("％")
        v = pd.to_numeric(text.str.rstrip("%％").str.strip().where(~b), errors="coerce")
        pct = bool((v[~has_pct] > 1).any())
        v = v.where(~has_pct, v / 100.0)
        if pct:
            v = v.where(has_pct, v / 100.0)
        pct = False
    if pct:
        v = v / 100.0
    bad = (~b & v.isna()) | (v < 0) | (v > 1)
    return v.where(~bad), bad


_YMD = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T].*)?$")
_XXY = re.compile(r"^(\d{1,2})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{4})(?:[ T].*)?$")
_SERIAL = re.compile(r"^\d{5}(?:\.\d+)?$")


def parse_date(s: pd.Series, order: str = "mdy") -> tuple[pd.Series, pd.Series]:
    """Dates: ISO (time and zone ignored), Y/M/D, 2024年3月5日, Excel serials, and
    A/B/YYYY read as month/day (``order="mdy"``, the default) or day/month (``"dmy"``).
    """
    if order not in ("mdy", "dmy", "ymd"):
        raise ValueError(f"date order must be mdy, dmy or ymd, not {order!r}")
    if pd.api.types.is_datetime64_any_dtype(s):
        v = s
        if getattr(v.dt, "tz", None) is not None:
            v = v.dt.tz_localize(None)
        return v.dt.normalize().astype("datetime64[ns]"), pd.Series(False, index=s.index)
    arr = _arrow(s)
    if arr is not None:
        import pyarrow as pa
        import pyarrow.compute as pc

        clean = _arrow_clean(arr)
        try:
            d = pc.strptime(pc.utf8_slice_codeunits(clean, 0, 10), format="%Y-%m-%d", unit="s")
            if d.null_count == clean.null_count:
                return _from_arrow(d, s.index), pd.Series(False, index=s.index)
        except pa.ArrowException:
            pass  # other formats: the generic path below
    b = blank(s)
    if pd.api.types.is_numeric_dtype(s):
        text = s.astype("float64").map(lambda x: "" if pd.isna(x) else f"{x:.0f}").astype("str")
    else:
        text = _as_text(s.astype("str").where(~b, ""))
    out = pd.to_datetime(text.str.slice(0, 10).where(~b), format="%Y-%m-%d", errors="coerce")
    todo = out.isna() & ~b
    if todo.any():
        t = text[todo]
        parts = t.str.extract(_YMD)
        got = parts[0].notna()
        if got.any():
            p = parts[got].astype("int64")
            out.loc[got[got].index] = pd.to_datetime(
                pd.DataFrame({"year": p[0], "month": p[1], "day": p[2]}), errors="coerce")
        rest = t[~got]
        if len(rest):
            parts = rest.str.extract(_XXY)
            got2 = parts[0].notna()
            if got2.any():
                p = parts[got2].astype("int64")
                month, day = (p[0], p[1]) if order in ("mdy", "ymd") else (p[1], p[0])
                out.loc[got2[got2].index] = pd.to_datetime(
                    pd.DataFrame({"year": p[2], "month": month, "day": day}), errors="coerce")
            rest2 = rest[~got2]
            serial = rest2.str.match(_SERIAL)
            if serial.any():
                days = pd.to_numeric(rest2[serial], errors="coerce")
                ok = (days > 0) & (days < 110000)
                out.loc[days[ok].index] = pd.Timestamp("1899-12-30") + pd.to_timedelta(days[ok].astype("int64"), "D")
    out = out.astype("datetime64[ns]")
    bad = out.isna() & ~b
    return out, bad


def parse_bool(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Yes/no in English or Chinese (是/否, √/×, 1/0, true/false, Y/N)."""
    b = blank(s)
    if pd.api.types.is_bool_dtype(s):
        return s.astype("boolean"), pd.Series(False, index=s.index)
    t = _as_text(s.astype("str").where(~b, "")).str.lower()
    out = pd.Series(pd.NA, index=s.index, dtype="boolean")
    out[t.isin(_TRUE)] = True
    out[t.isin(_FALSE)] = False
    bad = out.isna() & ~b
    return out, bad


def parse_status(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """won / lost / open (blank stays missing: derived from the stage later)."""
    from .config import normalise_label

    b = blank(s)
    codes, uniques = pd.factorize(s.astype("str").where(~b, ""))
    keys = [normalise_label(u) for u in uniques]
    status = np.array([("won" if k in _WON else "lost" if k in _LOST else "open" if k in _OPEN else None)
                       for k in keys] + [None], dtype=object)
    out = pd.Series(status[codes], index=s.index).astype("str")
    bad = out.isna() & ~b
    return out, bad
