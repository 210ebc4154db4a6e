"""Strict JSON for everything kalib writes as JSON (``--json`` output, report records, batch summaries).

JSON has no NaN or Infinity: Python's ``json`` writes them as ``NaN`` and
``Infinity``, which strict parsers (``jq``, browsers' ``JSON.parse``) refuse.
:func:`jsonable` turns a result into plain JSON values — numpy and pandas
scalars into Python numbers, timestamps into ISO dates, frames into lists of
records, paths into text — and every non-finite number into ``null``;
:func:`dumps` then writes it with ``allow_nan=False``, so a value that is not
JSON fails here rather than in the reader. With ``reasons=True`` a top-level
object gets ``"null_reasons"``: where numbers became ``null`` (``people[].win_rate``
for a column of a list) and why.

>>> import math
>>> dumps({"rate": math.nan, "n": 3, "big": math.inf}, reasons=True, indent=None)
'{"rate": null, "n": 3, "big": null, "null_reasons": {"rate": "no value (missing, or nothing to compute it from, e.g. a rate with no deals)", "big": "infinite (a division by zero)"}}'
>>> dumps([1.5, float("-inf")], indent=None)
'[1.5, null]'
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import os
from collections.abc import Mapping
from decimal import Decimal
from typing import IO, Any

__all__ = ["jsonable", "dumps", "dump", "NULL_REASONS_KEY", "MAX_REASONS"]

#: The key of the top-level object that says where numbers became ``null``, and why.
NULL_REASONS_KEY = "null_reasons"
#: At most this many places are listed (then a count of the others).
MAX_REASONS = 100

_NAN = "no value (missing, or nothing to compute it from, e.g. a rate with no deals)"
_INF = "infinite (a division by zero)"


def _where(path: tuple) -> str:
    """``people[].win_rate``: the place in the output, list positions left out (one entry for a column)."""
    out = ""
    for p in path:
        out += "[]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "$"


def jsonable(obj: Any, *, _path: tuple = (), _nulls: list | None = None) -> Any:
    """``obj`` as plain JSON values (dict, list, str, int, float, bool, None); non-finite numbers become None."""
    if obj is None or isinstance(obj, (str, bool)):
        return obj
    if isinstance(obj, int):
        return int(obj)
    if isinstance(obj, float):
        if math.isfinite(obj):
            return float(obj)
        if _nulls is not None:
            _nulls.append((_where(_path), _NAN if math.isnan(obj) else _INF))
        return None
    if isinstance(obj, Mapping):
        return {str(k): jsonable(v, _path=(*_path, str(k)), _nulls=_nulls) for k, v in obj.items()}
    if hasattr(obj, "to_dict") and hasattr(obj, "columns") and hasattr(obj, "index"):  # a DataFrame
        return jsonable(obj.to_dict(orient="records"), _path=_path, _nulls=_nulls)
    if isinstance(obj, (list, tuple, set, frozenset)) or (
            hasattr(obj, "tolist") and hasattr(obj, "dtype") and getattr(obj, "ndim", 0) >= 1):
        items = obj.tolist() if hasattr(obj, "tolist") else list(obj)
        if isinstance(obj, (set, frozenset)):
            items = sorted(items, key=str)
        return [jsonable(v, _path=(*_path, i), _nulls=_nulls) for i, v in enumerate(items)]
    if isinstance(obj, Decimal):
        return jsonable(float(obj), _path=_path, _nulls=_nulls)
    if isinstance(obj, os.PathLike):
        return os.fspath(obj)
    if _is_missing(obj):  # pd.NA, pd.NaT, np.datetime64("NaT")
        return None
    if type(obj).__name__ == "datetime64":  # numpy's own date type: through pandas, as a timestamp
        import pandas as pd

        return jsonable(pd.Timestamp(obj), _path=_path, _nulls=_nulls)
    if isinstance(obj, (_dt.datetime, _dt.date, _dt.time)) or hasattr(obj, "isoformat"):
        if hasattr(obj, "hour") and hasattr(obj, "date") and obj == _midnight(obj):
            return obj.date().isoformat()  # a date held as a timestamp
        return obj.isoformat()
    if hasattr(obj, "item") and callable(obj.item):  # numpy scalars (np.float64, np.int64, np.bool_ ...)
        try:
            value = obj.item()
        except (TypeError, ValueError):
            return str(obj)
        if value is not obj:
            return jsonable(value, _path=_path, _nulls=_nulls)
    if hasattr(obj, "to_dict") and callable(obj.to_dict):  # kalib's result objects (Period, ...)
        return jsonable(obj.to_dict(), _path=_path, _nulls=_nulls)
    return str(obj)


def _midnight(ts: Any) -> Any:
    try:
        return ts.replace(hour=0, minute=0, second=0, microsecond=0)
    except Exception:
        return None


def _is_missing(obj: Any) -> bool:
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - pandas is a dependency
        return False
    try:
        return obj is pd.NA or obj is pd.NaT or bool(pd.isna(obj)) is True
    except (TypeError, ValueError):
        return False


def _clean(obj: Any, reasons: bool) -> Any:
    nulls: list = []
    data = jsonable(obj, _nulls=nulls)
    if reasons and nulls and isinstance(data, dict) and NULL_REASONS_KEY not in data:
        counts: dict[tuple[str, str], int] = {}
        for item in nulls:
            counts[item] = counts.get(item, 0) + 1
        listed: dict[str, str] = {}
        for (where, why), n in counts.items():
            text = why if n == 1 else f"{why}: {n} values"
            listed[where] = f"{listed[where]}; {text}" if where in listed else text
        if len(listed) > MAX_REASONS:
            more = len(listed) - MAX_REASONS
            listed = dict(list(listed.items())[:MAX_REASONS])
            listed["..."] = f"and {more} more places"
        data[NULL_REASONS_KEY] = listed
    return data


def dumps(obj: Any, *, reasons: bool = False, indent: int | None = 2) -> str:
    """Strict JSON text of ``obj`` (UTF-8 text as it is; never NaN or Infinity)."""
    return json.dumps(_clean(obj, reasons), ensure_ascii=False, indent=indent, allow_nan=False)


def dump(obj: Any, fp: IO[str], *, reasons: bool = False, indent: int | None = 2) -> None:
    """Write :func:`dumps` of ``obj`` to ``fp``, with a final newline."""
    fp.write(dumps(obj, reasons=reasons, indent=indent))
    fp.write("\n")
