"""Compact tables: a big table's repetitive text columns kept as categoricals.

A million opportunities name twenty thousand customers and a few thousand salespeople: as
plain strings each cell costs its own bytes (about 40 for a Chinese company name), as a
categorical it costs a small integer code plus the distinct names once.  Grouping and matching
on the codes is also faster.

:func:`compact_tables` converts, in each table of at least :data:`COMPACT_FROM_ROWS` rows, every
text column (``str``) with at most half as many distinct values as rows into a ``category``
column of the same strings.  Small tables (every hand-made client, the demo, the tests' fixtures)
are left exactly as they are.  Values, missing cells and every analysis's results are the same
either way (``tests/test_duckdb_check.py`` checks the indicators on both).

>>> import pandas as pd
>>> df = pd.DataFrame({"customer": ["甲", "乙", "甲", None] * 3, "id": [str(i) for i in range(12)]})
>>> out = compact_tables({"t": df}, min_rows=10)["t"]
>>> str(out["customer"].dtype), str(out["id"].dtype), out["customer"].isna().sum()
('category', 'str', np.int64(3))
>>> compact_tables({"t": df})["t"] is df  # below COMPACT_FROM_ROWS: untouched
True
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["compact_tables", "compact_table", "settle_categoricals", "COMPACT_FROM_ROWS"]

#: Tables with at least this many rows get categorical text columns.
COMPACT_FROM_ROWS = 200_000


def _repeats(s: pd.Series) -> bool:
    """Whether ``s`` has at most half as many distinct values as rows.  An id column (every value distinct) is
    told from its first half and one more row already, which hold more distinct values than half the rows: the
    distinct values of all the rows are counted (a second table of them in memory) only when that is not so."""
    half = len(s) // 2
    if half + 1 < len(s) and s.iloc[:half + 1].nunique(dropna=True) > half:
        return False
    return s.nunique(dropna=True) <= half


def compact_table(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with its repetitive text columns as categoricals (a new frame sharing the other columns; ``df`` is
    not changed).  Columns are converted one at a time, so the extra memory at any moment is one column's."""
    out = None
    for col in df.columns:
        s = df[col]
        if isinstance(s.dtype, pd.StringDtype) and _repeats(s):
            if out is None:
                out = df.copy(deep=False)
            out[col] = s.astype("category")
    if out is None:
        return df
    out.attrs = dict(df.attrs)
    return out


def _as_compacted(s: pd.Series, big: bool) -> pd.Series:
    """A categorical text column (a big file's, read dictionary-encoded) as :func:`compact_table` would have made
    it from plain text: its categories those used, sorted; plain text in a small table or where it hardly
    repeats."""
    codes = s.cat.codes.to_numpy()
    used = np.bincount(codes[codes >= 0], minlength=len(s.cat.categories)) > 0  # O(rows), no sort
    if not used.all():
        s = s.cat.remove_unused_categories()
        codes = s.cat.codes.to_numpy()
    cats = s.cat.categories
    if not big or len(cats) > len(s) // 2:
        return s.astype("str")
    if not cats.is_monotonic_increasing:
        order = np.argsort(np.asarray(cats, dtype=object), kind="stable")  # the order astype("category") gives
        new = np.empty(len(order) + 1, dtype=codes.dtype)
        new[order] = np.arange(len(order), dtype=codes.dtype)
        new[-1] = -1  # missing stays missing
        s = pd.Series(pd.Categorical.from_codes(new[codes], categories=cats[order]), index=s.index, name=s.name)
    return s


def settle_categoricals(df: pd.DataFrame, min_rows: int) -> pd.DataFrame:
    """``df`` with its categorical text columns as :func:`compact_table` gives them (see :func:`_as_compacted`)."""
    cols = [c for c in df.columns if isinstance(df[c].dtype, pd.CategoricalDtype)
            and str(df[c].cat.categories.dtype) == "str"]
    if not cols:
        return df
    out = df.copy(deep=False)
    for col in cols:
        out[col] = _as_compacted(df[col], len(df) >= min_rows)
    out.attrs = dict(df.attrs)
    return out


def compact_tables(frames: dict[str, pd.DataFrame], *, min_rows: int | None = None) -> dict[str, pd.DataFrame]:
    """Each table of at least ``min_rows`` rows (default :data:`COMPACT_FROM_ROWS`) through :func:`compact_table`,
    replaced in ``frames`` itself one table at a time (so a big table's text is held twice only while it is
    converted); returns ``frames``."""
    limit = COMPACT_FROM_ROWS if min_rows is None else min_rows
    for name in list(frames):
        frames[name] = settle_categoricals(frames[name], limit)
        if len(frames[name]) >= limit:
            frames[name] = compact_table(frames[name])
    return frames
