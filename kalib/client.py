"""A client: its settings, its tables and what the loader noticed.

:class:`Client` is what every analysis receives.  Build one with
:func:`kalib.io.load_client` (from files) or :meth:`Client.from_frames` (from
DataFrames that use the canonical columns of :mod:`kalib.schema`: tests and
generated data); both go through :func:`normalise`, the one way from frames to
a client, so every client gets the same checks.

Examples
--------
>>> import pandas as pd
>>> c = Client.from_frames({"opportunities": pd.DataFrame({
...     "opportunity_id": ["A1"], "stage": ["qualified"], "amount": [1e6]})})
>>> c.has("opportunities"), c.has("revenue")
(True, False)
>>> c.table("revenue", purpose="indicator 1")
Traceback (most recent call last):
...
kalib.problems.MissingData: indicator 1 needs the revenue table (收入), which this client does not have.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from .compact import compact_tables
from .config import Config, default_config
from .problems import InputError, MissingData, Problem
from .settings import ClientMeta, Located, check_overrides
from .tables import normalise_tables
from .schema import TABLES

__all__ = ["Client", "normalise", "ClientMeta", "Problem", "InputError", "MissingData", "Period", "parse_period"]


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


class Client:
    """One client's data, settings and method configuration.

    Every client is built by :func:`normalise` (directly, through
    :func:`kalib.io.load_client`, or through :meth:`from_frames`), so every
    client's tables have had the same checks and the same normalisation.
    ``Client(tables, meta, config)`` is the same as ``normalise(tables, meta, config)``.

    Attributes
    ----------
    tables
        Canonical DataFrames by table name (see :data:`kalib.schema.TABLES`).
    meta
        The client's settings (:class:`ClientMeta`).
    config
        The method's numbers with this client's overrides.
    warnings
        What the loader noticed but accepted (counted, located).
    derived
        Tables built by kalib rather than given (``{"revenue": "opportunities"}``
        when revenue comes from won opportunities).
    """

    tables: dict[str, pd.DataFrame]
    meta: ClientMeta
    config: Config
    warnings: list[Problem]
    path: Path | None
    sources: dict[str, str]
    derived: dict[str, str]

    def __init__(self, tables: Mapping[str, pd.DataFrame] | None = None, meta: ClientMeta | None = None,
                 config: Config | None = None):
        self.__dict__.update(normalise(tables or {}, meta, config).__dict__)

    @classmethod
    def _from_normalised(cls, tables: Mapping[str, pd.DataFrame], meta: ClientMeta, config: Config,
                         warnings: Iterable[Problem] = (), path: str | Path | None = None,
                         sources: Mapping[str, str] | None = None,
                         derived: Mapping[str, str] | None = None) -> "Client":
        """A client around tables that :func:`normalise` has already checked and normalised (internal)."""
        self = cls.__new__(cls)
        self.tables = dict(tables)
        self.meta = meta
        self.config = config
        self.warnings = list(warnings)
        self.path = Path(path) if path else None
        self.sources = dict(sources or {})
        self.derived = dict(derived or {})
        self._as_of = pd.Timestamp(meta.as_of) if meta.as_of else None
        return self

    @classmethod
    def from_frames(cls, tables: Mapping[str, pd.DataFrame], **meta: Any) -> "Client":
        """A client from canonical DataFrames (missing optional columns are added empty).

        ``meta`` holds :class:`ClientMeta` fields and ``overrides`` (checked as
        in client.yml); the tables are checked and normalised as the loader
        does (:func:`normalise`).
        """
        overrides = meta.pop("overrides", None)
        problems: list[Problem] = []
        cfg = check_overrides(overrides, Located(None, {}, problems, root=("overrides",)))
        if cfg is None:
            raise InputError(problems)
        return normalise(tables, ClientMeta(**meta), cfg)

    # -- tables -----------------------------------------------------------
    def has(self, name: str) -> bool:
        """Whether the client has a non-empty table ``name`` (given or derived)."""
        df = self.tables.get(name)
        return df is not None and len(df) > 0

    def table(self, name: str, purpose: str | None = None) -> pd.DataFrame:
        """The canonical DataFrame ``name``; raises :class:`MissingData` naming ``purpose`` when absent."""
        if name not in TABLES:
            raise KeyError(f"unknown table {name!r}")
        if not self.has(name):
            t = TABLES[name]
            who = purpose or "this analysis"
            raise MissingData(f"{who} needs the {name} table ({t.zh}), which this client does not have.")
        return self.tables[name]

    @property
    def name(self) -> str:
        return self.meta.name

    @property
    def industry(self) -> str:
        return self.meta.industry

    @property
    def as_of(self) -> pd.Timestamp:
        """The date the analysis is made as of: set in client.yml, else the latest date in the data."""
        if self._as_of is None:
            self._as_of = self._latest_date()
        return self._as_of

    def with_as_of(self, as_of: str | pd.Timestamp | None) -> "Client":
        """The same client analysed as of another date."""
        c = Client._from_normalised(self.tables, self.meta, self.config, self.warnings, self.path, self.sources,
                                    self.derived)
        c._as_of = pd.Timestamp(as_of) if as_of is not None else None
        return c

    def with_config(self, overrides: Mapping[str, Any] | None) -> "Client":
        """The same client with more overrides (checked as in client.yml; :class:`InputError` if wrong)."""
        problems: list[Problem] = []
        cfg = check_overrides(overrides, Located(None, {}, problems, root=("overrides",)), self.config)
        if cfg is None:
            raise InputError(problems)
        c = Client._from_normalised(self.tables, self.meta, cfg, self.warnings, self.path, self.sources,
                                    self.derived)
        c._as_of = self._as_of
        return c

    def _latest_date(self) -> pd.Timestamp:
        candidates = []
        for tname, cols in (("revenue", ["date"]), ("opportunities", ["created", "closed_date", "last_change"]),
                            ("snapshots", ["snapshot_date"]), ("nps", ["date"])):
            df = self.tables.get(tname)
            if df is None or len(df) == 0:
                continue
            for col in cols:
                if col in df.columns:
                    v = df[col].max()
                    if pd.notna(v):
                        candidates.append(pd.Timestamp(v))
        if not candidates:
            return pd.Timestamp.today().normalize()
        return max(candidates).normalize()

    def period(self, text: str | Period | None = None) -> Period:
        """The analysis period: ``text``, else client.yml's, else the last full year before ``as_of``."""
        return parse_period(text if text is not None else self.meta.period, as_of=self.as_of,
                            fiscal_start=self.meta.fiscal_year_start)

    def salespeople(self, period: Period | None = None) -> pd.Series:
        """Names of the salespeople of the period (see METHOD.md: the salespeople table's
        people active in the period, or every owner of revenue or opportunities in it)."""
        if self.has("salespeople"):
            sp = self.tables["salespeople"]
            keep = pd.Series(True, index=sp.index)
            if period is not None:
                if "hire_date" in sp:
                    keep &= sp["hire_date"].isna() | (sp["hire_date"] <= period.end)
                if "leave_date" in sp:
                    keep &= sp["leave_date"].isna() | (sp["leave_date"] >= period.start)
            return sp.loc[keep, "salesperson"].drop_duplicates().reset_index(drop=True)
        names = []
        if self.has("revenue") and "salesperson" in self.tables["revenue"]:
            r = self.tables["revenue"]
            mask = period.contains(r["date"]) if period is not None else slice(None)
            names.append(r.loc[mask, "salesperson"])
        if self.has("opportunities"):
            o = self.tables["opportunities"]
            if period is not None:
                when = o["closed_date"].fillna(o["expected_close"]) if "closed_date" in o else o["expected_close"]
                mask = period.contains(when) | (o["status"] == "open")
            else:
                mask = slice(None)
            names.append(o.loc[mask, "owner"])
        if not names:
            return pd.Series([], dtype="str")
        s = pd.concat(names, ignore_index=True).dropna()
        return s.drop_duplicates().sort_values().reset_index(drop=True)

    def summary(self) -> dict[str, Any]:
        """Rows per table and where each came from."""
        return {
            name: {"rows": int(len(df)), "source": self.sources.get(name) or (f"(derived from {self.derived[name]})"
                                                                              if name in self.derived else None)}
            for name, df in self.tables.items()
        }

    def __repr__(self) -> str:
        tabs = ", ".join(f"{k}={len(v)}" for k, v in self.tables.items())
        return f"Client({self.name!r}, industry={self.industry!r}, {tabs})"


def normalise(tables: Mapping[str, pd.DataFrame], meta: ClientMeta | None = None, config: Config | None = None, *,
              stage_map: Mapping[str, str] | None = None, path: str | Path | None = None,
              sources: Mapping[str, str] | None = None, warnings: Iterable[Problem] = (),
              problems: list[Problem] | None = None, take: bool = False) -> Client:
    """The one way from frames to a :class:`Client`: check and normalise ``tables`` (see :mod:`kalib.tables`).

    ``problems`` already found (by the loader) are reported together with the
    ones found here, in one :class:`InputError`.  With ``take``, ``tables`` (a dict) is
    emptied: the caller hands its tables over, and each is freed once normalised.

    >>> import pandas as pd
    >>> normalise({"nps": pd.DataFrame({"date": ["2024-01-05"], "customer": ["甲"], "score": [11]})})
    Traceback (most recent call last):
    ...
    kalib.problems.InputError: 1 problem(s) in the input:
      - row 2 › column 'score': an NPS score is from 0 to 10, found 11
    """
    unknown = set(tables) - set(TABLES)
    if unknown:
        raise ValueError(f"unknown table(s): {', '.join(sorted(unknown))}")
    problems = [] if problems is None else problems
    meta = meta or ClientMeta()
    cfg = config or default_config()
    # take: the caller hands its dict over (the loader), emptied here so each table as parsed is freed once coerced
    given = {k: tables.pop(k) for k in list(tables)} if take else dict(tables)  # type: ignore[attr-defined]
    frames, more, derived = normalise_tables(given, cfg, meta, stage_map=stage_map, problems=problems)
    frames = compact_tables(frames)  # a big table's repetitive text as categoricals (kalib.compact)
    if problems:
        raise InputError(problems, source=str(path) if path else None)
    return Client._from_normalised(frames, meta, cfg, [*warnings, *more], path, sources, derived)
