"""Analysis periods: :class:`Period` (a closed date range) and :func:`parse_period` (how a client writes one).

>>> parse_period("2024-Q2").label
'2024-Q2'
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

__all__ = ["Period", "parse_period"]


@dataclass(frozen=True)
class Period:
    """A closed date range [start, end] used for an analysis.

    >>> p = parse_period("2024")
    >>> p.start.date(), p.end.date(), p.years
    (datetime.date(2024, 1, 1), datetime.date(2024, 12, 31), 1.0)
    >>> parse_period("2024-Q2").label
    '2024-Q2'
    """

    start: pd.Timestamp
    end: pd.Timestamp
    label: str

    @property
    def days(self) -> int:
        return int((self.end - self.start).days) + 1

    @property
    def years(self) -> float:
        """Length in years (a calendar year is exactly 1.0)."""
        if self.start.month == 1 and self.start.day == 1 and self.end.month == 12 and self.end.day == 31:
            return float(self.end.year - self.start.year + 1)
        return self.days / 365.25

    def previous(self) -> "Period":
        """The period of the same length just before this one."""
        if self.start.day == 1 and (self.end + pd.Timedelta(days=1)).day == 1:
            months = (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1
            start = self.start - pd.DateOffset(months=months)
            end = self.start - pd.Timedelta(days=1)
        else:
            end = self.start - pd.Timedelta(days=1)
            start = end - pd.Timedelta(days=self.days - 1)
        return Period(pd.Timestamp(start), pd.Timestamp(end), f"before {self.label}")

    def contains(self, dates: pd.Series) -> pd.Series:
        return (dates >= self.start) & (dates <= self.end)

    def to_dict(self) -> dict[str, str]:
        return {"label": self.label, "start": self.start.date().isoformat(), "end": self.end.date().isoformat()}


def parse_period(text: str | Period | None, *, as_of: pd.Timestamp | None = None, fiscal_start: int = 1) -> Period:
    """Read a period: ``2024``, ``FY2024`` (fiscal, starting in month ``fiscal_start``),
    ``2024-Q3``, ``2024-05``, ``2024-01-01..2024-06-30``, or ``last-12-months``
    (ending at ``as_of``).  None means the last full year before ``as_of``.
    """
    if isinstance(text, Period):
        return text
    import re

    if text is None or str(text).strip() in ("", "auto", "last-full-year"):
        if as_of is None:
            raise ValueError("a period is needed (no as-of date to choose the last full year from)")
        year = as_of.year if (as_of.month == 12 and as_of.day == 31) else as_of.year - 1
        if fiscal_start != 1:
            return parse_period(f"FY{year}", fiscal_start=fiscal_start)
        return parse_period(str(year))
    s = str(text).strip()
    if m := re.fullmatch(r"(\d{4})", s):
        y = int(m.group(1))
        return Period(pd.Timestamp(y, 1, 1), pd.Timestamp(y, 12, 31), s)
    if m := re.fullmatch(r"FY(\d{4})", s, re.I):
        y = int(m.group(1))
        start = pd.Timestamp(y, fiscal_start, 1) if fiscal_start == 1 else pd.Timestamp(y - 1, fiscal_start, 1)
        end = start + pd.DateOffset(years=1) - pd.Timedelta(days=1)
        return Period(start, pd.Timestamp(end), f"FY{y}")
    if m := re.fullmatch(r"(\d{4})-?Q([1-4])", s, re.I):
        y, q = int(m.group(1)), int(m.group(2))
        start = pd.Timestamp(y, 3 * q - 2, 1)
        return Period(start, start + pd.offsets.QuarterEnd(0), f"{y}-Q{q}")
    if m := re.fullmatch(r"(\d{4})-(\d{1,2})", s):
        start = pd.Timestamp(int(m.group(1)), int(m.group(2)), 1)
        return Period(start, start + pd.offsets.MonthEnd(0), s)
    if m := re.fullmatch(r"(\d{4}-\d{1,2}-\d{1,2})\s*(?:\.\.|to|至|~)\s*(\d{4}-\d{1,2}-\d{1,2})", s):
        start, end = pd.Timestamp(m.group(1)), pd.Timestamp(m.group(2))
        if end < start:
            raise ValueError(f"period {s!r} ends before it starts")
        return Period(start, end, s)
    if s in ("last-12-months", "ltm", "最近12个月"):
        if as_of is None:
            raise ValueError("last-12-months needs an as-of date")
        end = as_of.normalize()
        return Period(end - pd.DateOffset(years=1) + pd.Timedelta(days=1), end, f"12 months to {end.date()}")
    raise ValueError(
        f"cannot read the period {s!r}; use 2024, FY2024, 2024-Q3, 2024-05, 2024-01-01..2024-06-30 or last-12-months"
    )
