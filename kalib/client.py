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
from pathlib import Path
from typing import Any

import pandas as pd

from .compact import compact_tables
from .config import Config, default_config
from .period import Period, parse_period
from .problems import InputError, MissingData, Problem
from .settings import ClientMeta, Located, check_overrides
from .tables import normalise_tables
from .schema import TABLES

__all__ = ["Client", "normalise", "ClientMeta", "Problem", "InputError", "MissingData", "Period", "parse_period"]


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
            raise MissingData(f"{who} needs the {name} table ({t.zh}), which this client does not have.",
                              zh=f"需要“{t.zh}”表，这个客户没有。")
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
        return self._latest_dated()[0]

    def _latest_dated(self) -> tuple[pd.Timestamp, str | None]:
        """The latest date in the data and where it is (``table.column``), or today and None."""
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
                        candidates.append((pd.Timestamp(v), f"{tname}.{col}"))
        if not candidates:
            return pd.Timestamp.today().normalize(), None
        when, where = max(candidates, key=lambda x: x[0])
        return when.normalize(), where

    def as_of_source(self) -> dict[str, Any]:
        """Where :attr:`as_of` comes from: ``{"source": "settings"}`` (client.yml's ``as_of`` or an ``--as-of``
        given when loading), ``{"source": "data", "column": "revenue.date"}`` (the latest date in the data), or
        ``{"source": "today"}`` (no date in the data)."""
        if self.meta.as_of:
            return {"source": "settings", "date": str(self.as_of.date())}
        when, where = self._latest_dated()
        if self._as_of is not None and pd.Timestamp(self._as_of) != when:
            return {"source": "settings", "date": str(self.as_of.date())}
        return {"source": "data" if where else "today", "column": where, "date": str(self.as_of.date())}

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

    def summary_frame(self, lang: str = "zh") -> pd.DataFrame:
        """:meth:`summary` for readers: one row per table (its name in ``lang``), its rows and the file it came
        from (or the table it was derived from), in the schema's order."""
        from .i18n import fmt_num, tr

        def name(t: str) -> str:
            return tr(lang, TABLES[t].zh, TABLES[t].en) if t in TABLES else t

        rows = []
        for t in [t for t in TABLES if t in self.tables] + [t for t in self.tables if t not in TABLES]:
            src = self.sources.get(t)
            if not src and t in self.derived:
                src = tr(lang, f"由{name(self.derived[t])}推算", f"derived from {name(self.derived[t]).lower()}")
            rows.append({tr(lang, "表", "Table"): name(t), tr(lang, "行数", "Rows"): fmt_num(len(self.tables[t])),
                         tr(lang, "来源", "Source"): src or "–"})
        return pd.DataFrame(rows, columns=[tr(lang, "表", "Table"), tr(lang, "行数", "Rows"),
                                           tr(lang, "来源", "Source")]).set_index(tr(lang, "表", "Table"))

    def industry_name(self, lang: str = "zh") -> str:
        """The client's industry in ``lang`` (制造业 / Manufacturing), as ``method.yaml``'s ``industries`` names it."""
        from .i18n import tr

        item = (self.config.data.get("industries") or {}).get(self.industry) or {}
        return tr(lang, item.get("zh", self.industry), item.get("en", self.industry))

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
