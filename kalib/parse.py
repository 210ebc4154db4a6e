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
    "DATE_MIN",
    "DATE_MAX",
    "decimal_comma_cells",
    "nonfinite_cells",
    "date_out_of_range",
    "by_distinct",
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


def by_distinct(parser, s: pd.Series, categorical: bool = False, **kwargs) -> tuple[pd.Series, pd.Series]:
    """``parser(s, **kwargs)`` for a categorical ``s`` (a big file's column read dictionary-encoded): the
    parser reads each distinct text once, and the values and the mask of bad cells are spread to the rows.

    Every parser here reads each cell on its own (and :func:`parse_rate` decides between fractions and
    percentages from whether *any* value exceeds 1), so the result is the same as parsing every row:

    >>> s = pd.Series(["1,250", "x", None, "1,250", "3万"], dtype="category")
    >>> v, bad = by_distinct(parse_money, s)
    >>> v.tolist()[:2], v.tolist()[3:], bad.tolist()
    ([1250.0, nan], [1250.0, 30000.0], [False, True, False, False, False])
    >>> [x.equals(y) for x, y in zip(by_distinct(parse_text, s), parse_text(s.astype("str")))]
    [True, True]

    With ``categorical``, the values stay a categorical (of the distinct parsed values, which may be fewer:
    ``" 甲"`` and ``"甲"`` are one name):

    >>> v, _ = by_distinct(parse_text, pd.Series(["甲", " 甲", None, "乙"], dtype="category"), categorical=True)
    >>> v.tolist()[::3], v.isna().tolist(), list(v.cat.categories)
    (['甲', '乙'], [False, False, True, False], ['甲', '乙'])
    """
    cats = s.cat.categories
    distinct = pd.Series(cats.astype(pd.StringDtype("pyarrow", na_value=np.nan)) if cats.dtype != "str" else cats)
    values, bad = parser(distinct, **kwargs)
    codes = s.cat.codes.to_numpy()
    at = np.where(codes < 0, len(cats), codes)  # code -1 (a blank cell): missing, never bad
    flags = np.append(bad.to_numpy(dtype=bool), False)[at]
    if categorical:
        vcodes, uniques = pd.factorize(values)
        new = np.append(vcodes, -1).astype(vcodes.dtype)[at]
        out = pd.Categorical.from_codes(new, categories=pd.Index(uniques, dtype=values.dtype))
    else:
        out = pd.api.extensions.take(values.array, codes, allow_fill=True)
    return pd.Series(out, index=s.index), pd.Series(flags, index=s.index)


def _numeric_fast(s: pd.Series) -> pd.Series:
    return pd.to_numeric(s, errors="coerce")


_NUM_CLEAN = re.compile(r"[\s_'’]|(?:RMB|CNY|USD|EUR|HKD|元|¥|￥|\$|€|£)", re.I)
# With a decimal point, commas may only group thousands: 1,234,567.89.
_POINT_GROUPED = re.compile(r"[-+]?\d{1,3}(?:,\d{3})+(?:\.\d*)?")
# With a decimal comma, points may only group thousands: 1.234.567,89.
_COMMA_GROUPED = re.compile(r"[-+]?\d{1,3}(?:\.\d{3})+(?:,\d*)?")
# Only a decimal comma makes sense of these: 12,5  1234,56  1.234,56.
_DECIMAL_COMMA = re.compile(r"[-+]?\d+(?:\.\d{3})*,\d+")
_NAN_TEXT = ["nan", "+nan", "-nan"]


def _number_text(s: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Text of amounts without signs, brackets, currencies and unit suffixes: ``(text, negative, multiplier)``."""
    t = s.str.replace("，", ",", regex=False)
    neg = t.str.match(r"^\(.*\)$") | t.str.endswith("-")
    t = t.str.replace(r"^\((.*)\)$", r"\1", regex=True).str.rstrip("-")
    t = t.str.replace(_NUM_CLEAN.pattern, "", regex=True, flags=re.I)
    mult = pd.Series(1.0, index=t.index, dtype="float64")
    for suffix, f in (("亿元", 1e8), ("亿", 1e8), ("万元", 1e4), ("万", 1e4), ("千元", 1e3), ("千", 1e3),
                      ("百万", 1e6)):
        has = t.str.endswith(suffix)
        if has.any():
            mult = mult.where(~has, f)
            t = t.where(~has, t.str.slice(0, -len(suffix)))
    return t, neg, mult


def decimal_comma_cells(s: pd.Series) -> pd.Series:
    """True where a cell only makes sense with a decimal comma (``12,5``, ``1.234,56``).

    >>> decimal_comma_cells(pd.Series(["12,5", "1.234,56", "1,234", "1,234.5", "abc", None])).tolist()
    [True, True, False, False, False, False]
    """
    b = blank(s)
    t, _, _ = _number_text(_as_text(s.astype("str").where(~b, "")))
    out = t.str.fullmatch(_DECIMAL_COMMA.pattern) & ~t.str.fullmatch(_POINT_GROUPED.pattern)
    return out.fillna(False).astype(bool) & ~b


def nonfinite_cells(s: pd.Series) -> pd.Series:
    """True where a cell says NaN or infinity, or is a number too large for a float (``1e400``).

    >>> nonfinite_cells(pd.Series(["inf", "1e400", "NaN", "-Infinity", "12", "", None])).tolist()
    [True, True, True, True, False, False, False]
    """
    t = _as_text(s.astype("str").where(s.notna(), "")).str.lower()
    v = pd.to_numeric(t.where(t != ""), errors="coerce")
    return (t.isin(_NAN_TEXT) | (v.notna() & ~np.isfinite(v.fillna(0)))).fillna(False).astype(bool)


def parse_money(s: pd.Series, unit: str | None = None, decimal: str = ".") -> tuple[pd.Series, pd.Series]:
    """Amounts: thousands separators, currency signs, (1,000) as negative, 万/亿 suffixes.

    ``unit`` (元, 千, 万, 亿 ...) multiplies values that carry no unit of their own.
    ``decimal`` is the decimal mark of text: ``"."`` (1,234.56; a comma then only
    groups thousands, so ``12,5`` is bad) or ``","`` (1.234,56).  NaN, infinity
    and numbers beyond a float's range are bad.

    >>> parse_money(pd.Series(["1.234,56", "12,5", "7"]), decimal=",")[0].tolist()
    [1234.56, 12.5, 7.0]
    >>> parse_money(pd.Series(["12,5", "inf", "NaN", "1,250"]))[1].tolist()
    [True, True, True, False]
    """
    if decimal not in (".", ","):
        raise ValueError(f"the decimal mark is '.' or ',', not {decimal!r}")
    factor = UNIT_FACTORS.get(str(unit).strip().lower(), None) if unit else 1.0
    if factor is None:
        raise ValueError(f"unknown amount unit {unit!r}; use one of {', '.join(UNIT_FACTORS)}")
    arr = _arrow(s)
    if arr is not None and decimal == ".":
        import pyarrow as pa
        import pyarrow.compute as pc

        try:
            clean = _arrow_clean(arr)
            v = _from_arrow(pc.cast(clean, pa.float64()), s.index)
            nantext = pc.is_in(pc.utf8_lower(pc.utf8_trim_whitespace(arr)), value_set=pa.array(_NAN_TEXT))
            bad = pd.Series(nantext.to_numpy(zero_copy_only=False), index=s.index).fillna(False).astype(bool)
            bad |= v.notna() & ~np.isfinite(v.fillna(0))
            return v.where(~bad) * factor, bad
        except pa.ArrowException:
            pass  # something to clean: the generic path below
    b = blank(s)
    if pd.api.types.is_numeric_dtype(s):
        v = s.astype("float64")
        bad = v.notna() & ~np.isfinite(v.fillna(0))
        return v.where(~bad) * factor, bad
    text = _as_text(s.astype("str").where(~b, ""))
    nantext = _as_text(s.astype("str").where(s.notna(), "")).str.lower().isin(_NAN_TEXT).fillna(False)
    plain = text.where(~b)
    if decimal == ",":
        plain = plain.where(~plain.str.contains(r"[.,]", regex=True).fillna(False))
    out = _numeric_fast(plain)
    todo = out.isna() & ~b
    if todo.any():
        t, neg, mult = _number_text(text[todo])
        if decimal == ",":
            ok = ~t.str.contains(".", regex=False) | t.str.fullmatch(_COMMA_GROUPED.pattern)
            t = t.where(ok, "x").str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
        else:
            ok = ~t.str.contains(",", regex=False) | t.str.fullmatch(_POINT_GROUPED.pattern)
            t = t.where(ok, "x").str.replace(",", "", regex=False)
        v = pd.to_numeric(t, errors="coerce") * mult * factor
        v = v.where(~neg, -v)
        out = out * factor
        out[todo] = v
    else:
        out = out * factor
    out = out.astype("float64")
    nonfinite = (out.notna() & ~np.isfinite(out.fillna(0))) | nantext
    out = out.where(~nonfinite)
    bad = (todo & out.isna()) | nonfinite
    return out, bad


def parse_number(s: pd.Series, decimal: str = ".") -> tuple[pd.Series, pd.Series]:
    """Plain numbers (thousands separators allowed)."""
    v, bad = parse_money(s, decimal=decimal)
    return v, bad


def parse_int(s: pd.Series, decimal: str = ".") -> tuple[pd.Series, pd.Series]:
    """Whole numbers; a fraction is bad."""
    v, bad = parse_money(s, decimal=decimal)
    frac = v.notna() & (v != np.floor(v.fillna(0)))
    return v.where(~frac), bad | frac


def parse_rate(s: pd.Series, decimal: str = ".") -> tuple[pd.Series, pd.Series]:
    """Shares: "35%", "35" and "0.35" all mean 0.35.

    A value with a % sign is a percentage; values without one are read as
    percentages when any of them exceeds 1, else as fractions.
    Values outside 0–100% are bad.
    """
    b = s.isna() if pd.api.types.is_numeric_dtype(s) else blank(s)  # a number is blank only where missing
    if pd.api.types.is_numeric_dtype(s):
        v = s.astype("float64")
        pct = bool((v > 1).any())
    else:
        text = _as_text(s.astype("str").where(~b, ""))
        if decimal == ",":
            text = text.str.replace(",", ".", regex=False)
        has_pct = text.str.endswith("%") | text.str.endswith("％")
        v = pd.to_numeric(text.str.rstrip("%％").str.strip().where(~b), errors="coerce")
        pct = bool((v[~has_pct] > 1).any())
        v = v.where(~has_pct, v / 100.0)
        if pct:
            v = v.where(has_pct, v / 100.0)
        pct = False
    if pct:
        v = v / 100.0
    bad = (~b & v.isna()) | (v < 0) | (v > 1) | (v.notna() & ~np.isfinite(v.fillna(0)))
    return v.where(~bad), bad


# The dates kalib reads: older or later ones are typing slips (0024 for 2024, 2999
# as "no date"), and pandas cannot hold dates beyond 2262 at all.
DATE_MIN = pd.Timestamp("1900-01-01")
DATE_MAX = pd.Timestamp("2199-12-31")
_YEAR_FIRST = re.compile(r"^\s*[-+]?(\d{4,})\s*[-/.年]")
_YEAR_LAST = re.compile(r"[-/.]\s*(\d{4,})\s*(?:$|[ T])")


def date_out_of_range(s: pd.Series) -> pd.Series:
    """True where a cell is written as a date whose year is outside DATE_MIN–DATE_MAX.

    >>> date_out_of_range(pd.Series(["2999-12-31", "10000-01-01", "1/2/3000", "2024-13-45", "0024/5/1", "x"])).tolist()
    [True, True, True, False, True, False]
    """
    t = _as_text(s.astype("str").where(s.notna(), ""))
    year = t.str.extract(_YEAR_FIRST)[0].fillna(t.str.extract(_YEAR_LAST)[0])
    y = pd.to_numeric(year, errors="coerce")
    return (y.notna() & ((y < DATE_MIN.year) | (y > DATE_MAX.year))).fillna(False).astype(bool)


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
        bad = v.notna() & ((v < DATE_MIN) | (v > DATE_MAX))
        return v.where(~bad).dt.normalize().astype("datetime64[ns]"), bad
    arr = _arrow(s)
    if arr is not None:
        import pyarrow as pa
        import pyarrow.compute as pc

        clean = _arrow_clean(arr)
        try:
            d = pc.strptime(pc.utf8_slice_codeunits(clean, 0, 10), format="%Y-%m-%d", unit="s")
            span = pc.min_max(d).as_py()
            if d.null_count == clean.null_count and (
                    span["min"] is None or (DATE_MIN <= span["min"] and span["max"] <= DATE_MAX)):
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
    out = out.where(out.isna() | ((out >= DATE_MIN) & (out <= DATE_MAX))).astype("datetime64[ns]")
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
