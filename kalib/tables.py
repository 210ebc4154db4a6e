"""Canonical tables: in-memory frames brought to one shape and checked.

:func:`normalise_tables` is what every :class:`~kalib.client.Client` goes
through, whether its tables come from files (:func:`kalib.io.load_client`) or
from DataFrames (:meth:`kalib.client.Client.from_frames`): the loader's dtypes,
every canonical column present, unique keys, one row per deal and snapshot,
NPS scores 0–10, stage names to stage keys, status won/lost/open, revenue from
won opportunities when there is none, account IDs to customer names, product
spellings to the product list.  Errors are located by the ``source`` and
``columns`` a table carries in ``attrs`` (file, sheet, the client's header)
and its ``_row`` column (the row a person sees).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from . import parse as P
from .config import Config, normalise_label
from .problems import InputError, Problem
from .schema import TABLES, Table
from .settings import ClientMeta

__all__ = ["normalise_tables", "rows_text", "MAX_LISTED"]

# At most this many rows are named per problem before "and N more".
MAX_LISTED = 8


def rows_text(rows: pd.Series, values: pd.Series | None = None) -> tuple[str, int | None]:
    rows = rows.astype("int64")
    n = len(rows)
    first = int(rows.iloc[0]) if n else None
    if n == 1:
        return "", first
    listed = ", ".join(str(r) for r in rows.iloc[:MAX_LISTED])
    more = f" and {n - MAX_LISTED} more" if n > MAX_LISTED else ""
    return f" (rows {listed}{more})", first


# ---------------------------------------------------------------------------
# normalisation
# ---------------------------------------------------------------------------
_DTYPES = {"text": "str", "id": "str", "stage": "str", "status": "str"}


def _ensure_columns(t: Table, df: pd.DataFrame) -> pd.DataFrame:
    df = df.copy()
    for col in t.columns:
        if col.name in df.columns:
            continue
        if col.kind in ("money", "number", "int", "rate"):
            df[col.name] = np.nan
        elif col.kind == "date":
            df[col.name] = pd.Series(pd.NaT, index=df.index, dtype="datetime64[ns]")
        elif col.kind == "bool":
            df[col.name] = pd.Series(pd.NA, index=df.index, dtype="boolean")
        else:
            df[col.name] = pd.Series(pd.NA, index=df.index, dtype="str")
    return df


def _coerce(t: Table, df: pd.DataFrame) -> pd.DataFrame:
    """Give in-memory frames (tests, generated data) the loader's dtypes."""
    df = df.copy()
    for col in t.columns:
        if col.name not in df.columns:
            continue
        s = df[col.name]
        if col.kind == "date" and not pd.api.types.is_datetime64_any_dtype(s):
            df[col.name] = P.parse_date(s.astype("str").where(s.notna()) if s.dtype == object else s)[0]
        elif col.kind == "date":
            df[col.name] = P.parse_date(s)[0]
        elif col.kind in ("money", "number", "int") and not pd.api.types.is_numeric_dtype(s):
            df[col.name] = P.parse_money(s)[0]
        elif col.kind in ("money", "number", "int"):
            df[col.name] = s.astype("float64")
        elif col.kind == "rate":
            df[col.name] = P.parse_rate(s)[0]
        elif col.kind == "bool":
            df[col.name] = P.parse_bool(s)[0]
        elif col.kind == "status":
            df[col.name] = P.parse_status(s)[0]
        elif col.kind in _DTYPES and str(s.dtype) != "str":
            df[col.name] = P.parse_text(s)[0]
    return df


def _report(out: list[Problem], df: pd.DataFrame, mask: pd.Series, message: str, column: str | None = None,
            severity: str = "error") -> None:
    """Add one problem covering the rows in ``mask`` (``{n}`` in the message is their count).

    Locates it by the table's source file/sheet, the first row (all rows for
    an error; only a single row for a warning) and the client's header.
    """
    n = int(mask.sum())
    if n == 0:
        return
    src = df.attrs.get("source") or {}
    rows = df.loc[mask, "_row"] if "_row" in df else pd.Series([], dtype="int64")
    first = int(rows.iloc[0]) if len(rows) else None
    extra = ""
    if len(rows) > 1:
        more = " and more" if len(rows) > MAX_LISTED else ""
        extra = f" (rows {', '.join(map(str, rows.iloc[:MAX_LISTED]))}{more})"
    cols = df.attrs.get("columns")
    header = (cols.get(column) if cols is not None else column) if column else None
    if severity == "warning" and n > 1:
        first = None
    out.append(Problem(message.replace("{n}", str(n)) + extra, file=src.get("file"), sheet=src.get("sheet"),
                       row=first, column=header, severity=severity, count=n))


def _warn(out: list[Problem], df: pd.DataFrame, mask: pd.Series, message: str, column: str | None = None) -> None:
    _report(out, df, mask, message, column, severity="warning")


def _error(out: list[Problem], df: pd.DataFrame, mask: pd.Series, message: str, column: str | None = None) -> None:
    _report(out, df, mask, message, column)


def _fast_map(s: pd.Series, mapping: Mapping[Any, Any], dtype: str = "str") -> pd.Series:
    """``s.map(mapping)`` through the distinct values (much faster on millions of rows)."""
    codes, uniques = pd.factorize(s)
    values = np.array([mapping.get(u) for u in uniques] + [None], dtype=object)
    return pd.Series(values[codes], index=s.index).astype(dtype)


def _map_stages(df: pd.DataFrame, cfg: Config, stage_map: Mapping[str, str], problems: list[Problem]) -> pd.DataFrame:
    lookup = cfg.stage_lookup()
    for raw, key in (stage_map or {}).items():
        lookup[normalise_label(raw)] = key
    raw = df["stage"]
    uniq = pd.Series(raw.dropna().unique())
    mapped = {u: lookup.get(normalise_label(u)) for u in uniq}
    unknown = [u for u, k in mapped.items() if k is None]
    for u in unknown:
        mask = raw == u
        _error(problems, df, mask,
               f"unknown stage {u!r} ({{n}} row(s)); known stages: "
               f"{', '.join(s['key'] + ' ' + s['zh'] for s in cfg.stages())}. Map it in client.yml "
               f"(stages: {{'{u}': qualified}})", column="stage")
    df = df.copy()
    df["stage_raw"] = raw
    df["stage"] = _fast_map(raw, mapped)
    return df


def _derive_status(df: pd.DataFrame, cfg: Config, problems: list[Problem]) -> pd.DataFrame:
    stage_status = _fast_map(df["stage"], cfg.stage_status())
    given = df["status"] if "status" in df else pd.Series(pd.NA, index=df.index, dtype="str")
    # An explicit won/lost wins; an explicit open (or 0/false from an IsWon column) defers to the stage.
    status = given.where(given.isin(["won", "lost"]), stage_status)
    conflict = given.isin(["won", "lost"]) & stage_status.isin(["won", "lost"]) & (given != stage_status)
    _error(problems, df, conflict, "status contradicts the stage ({n} row(s)): a deal cannot be both won and lost",
           column="status")
    df = df.copy()
    df["status"] = status.astype("str")
    return df


def _where(df: pd.DataFrame, column: str) -> dict[str, Any]:
    """File, sheet and the client's header of ``column`` in a table (from the loader's attrs)."""
    src = df.attrs.get("source") or {}
    cols = df.attrs.get("columns")
    return {"file": src.get("file"), "sheet": src.get("sheet"),
            "column": (cols.get(column) if cols is not None else column)}


def _check_table(t: Table, out: pd.DataFrame, problems: list[Problem]) -> None:
    """The checks every table gets, however it was built: unique keys, one row per deal and
    snapshot, NPS scores 0-10."""
    if t.key and t.key in out:
        k = out[t.key]
        dup = k.notna() & k.duplicated(keep=False)
        if dup.any():
            first_val = k[dup].iloc[0]
            rows = out.loc[dup & (k == first_val), "_row"]
            n_keys = k[dup].nunique()
            problems.append(Problem(
                f"duplicate {t.column(t.key).zh} / {t.key} {first_val!r} (rows {', '.join(map(str, rows.iloc[:MAX_LISTED]))})"
                + (f"; {n_keys - 1} other value(s) are duplicated too" if n_keys > 1 else "")
                + "; each must appear once",
                row=int(rows.iloc[0]), **_where(out, t.key)))
    if t.name == "snapshots" and {"snapshot_date", "opportunity_id"} <= set(out.columns):
        dup = out.duplicated(["snapshot_date", "opportunity_id"], keep=False) & out["opportunity_id"].notna()
        if dup.any():
            r = out.loc[dup]
            day = r["snapshot_date"].iloc[0]
            problems.append(Problem(
                f"opportunity {r['opportunity_id'].iloc[0]!r} appears more than once in the snapshot of "
                f"{day.date() if pd.notna(day) else '(no date)'} (rows {', '.join(map(str, r['_row'].iloc[:MAX_LISTED]))})",
                row=int(r["_row"].iloc[0]), **_where(out, "opportunity_id")))
    if t.name == "nps" and "score" in out:
        s = out["score"]
        bad = s.notna() & ((s < 0) | (s > 10))
        if bad.any():
            extra, first = rows_text(out.loc[bad, "_row"])
            problems.append(Problem(f"an NPS score is from 0 to 10, found {s[bad].iloc[0]:g}{extra}", row=first,
                                    **_where(out, "score")))


def _canon_name_map(names: pd.Series) -> dict[str, str]:
    return {normalise_label(n): n for n in names.dropna().unique()}


def normalise_tables(frames: dict[str, pd.DataFrame], cfg: Config, meta: ClientMeta, *,
                     stage_map: Mapping[str, str] | None = None,
                     problems: list[Problem] | None = None) -> tuple[dict[str, pd.DataFrame], list[Problem], dict[str, str]]:
    """Bring canonical tables to one shape; returns ``(frames, warnings, derived)``.

    Errors (unknown stages, contradictions) go to ``problems`` when given, else
    raise :class:`InputError`.
    """
    raise_after = problems is None
    problems = [] if problems is None else problems
    warnings: list[Problem] = []
    derived: dict[str, str] = {}
    out: dict[str, pd.DataFrame] = {}
    for name in list(frames):
        df = frames.pop(name)  # the caller's copy of the mapping: each table as given is freed once coerced
        t = TABLES[name]
        attrs = dict(df.attrs)
        df = _ensure_columns(t, _coerce(t, df))
        if "_row" not in df:
            df.insert(0, "_row", np.arange(2, len(df) + 2, dtype="int64"))
        df.attrs.update(attrs)
        _check_table(t, df, problems)
        out[name] = df

    for name in ("opportunities", "snapshots"):
        if name in out:
            df = _map_stages(out[name], cfg, stage_map or {}, problems)
            df = _derive_status(df, cfg, problems)
            out[name] = df

    # Customers: account IDs (CRM exports) to names.
    if "customers" in out:
        cust = out["customers"]
        idmap = {}
        if cust["customer_id"].notna().any():
            idmap = dict(zip(cust["customer_id"].dropna(), cust.loc[cust["customer_id"].notna(), "customer"]))
        for name in ("revenue", "opportunities", "snapshots", "nps"):
            if name in out and idmap:
                df = out[name]
                hit = df["customer"].isin(idmap.keys())
                if hit.any():
                    df = df.copy()
                    df.loc[hit, "customer"] = df.loc[hit, "customer"].map(idmap)
                    out[name] = df

    if problems and raise_after:
        raise InputError(problems)
    if problems:
        return out, warnings, derived

    # Revenue: amount from quantity × unit price; else from won opportunities.
    if "revenue" in out:
        rev = out["revenue"]
        fill = rev["amount"].isna() & rev["quantity"].notna() & rev["unit_price"].notna()
        if fill.any():
            rev = rev.copy()
            rev.loc[fill, "amount"] = rev.loc[fill, "quantity"] * rev.loc[fill, "unit_price"]
        _error(problems, rev, rev["amount"].isna(),
               "revenue row(s) with no amount (and no quantity × unit price): {n}", column="amount")
        _warn(warnings, rev, rev["customer"].isna(),
              "{n} revenue row(s) have no customer: counted in total revenue as 'unassigned', never as a customer",
              column="customer")
        out["revenue"] = rev
    elif "opportunities" in out:
        o = out["opportunities"]
        won = o[(o["status"] == "won") & o["amount"].notna()]
        if len(won):
            date = won["closed_date"].fillna(won["expected_close"])
            rev = pd.DataFrame({
                "_row": won["_row"].to_numpy(), "date": date.to_numpy(), "customer": won["customer"].to_numpy(),
                "product": won["product"].to_numpy(), "amount": won["amount"].to_numpy(),
                "salesperson": won["owner"].to_numpy(), "invoice_id": won["opportunity_id"].to_numpy(),
            })
            rev = _ensure_columns(TABLES["revenue"], rev)
            rev.attrs["source"] = o.attrs.get("source")
            nodate = rev["date"].isna()
            _warn(warnings, o.loc[won.index], pd.Series(nodate.to_numpy(), index=won.index),
                  "{n} won opportunity(ies) have no closed or expected-close date: left out of revenue")
            out["revenue"] = rev.loc[~nodate].reset_index(drop=True)
            derived["revenue"] = "opportunities"
            warnings.append(Problem(f"no revenue table: revenue is taken from {int((~nodate).sum())} won "
                                    "opportunities (amount on the closed date)", severity="warning",
                                    count=int((~nodate).sum())))

    if "opportunities" in out:
        o = out["opportunities"]
        noamt = o["amount"].isna()
        _warn(warnings, o, noamt & (o["status"] == "open"),
              "{n} open opportunity(ies) have no amount: counted, but not in amounts or weighted totals",
              column="amount")
        _warn(warnings, o, noamt & (o["status"] != "open"),
              "{n} closed opportunity(ies) have no amount: counted in win rates, not in amounts", column="amount")
        _warn(warnings, o, o["customer"].isna(), "{n} opportunity(ies) have no customer", column="customer")
        _warn(warnings, o, o["owner"].isna(), "{n} opportunity(ies) have no owner", column="owner")
        # A rep's win rate is an override only where it says something the stage does not.
        ov = o["win_rate_override"]
        stage_rate = _fast_map(o["stage"], cfg.stage_rates(), "float64")
        same = ov.notna() & (((ov - stage_rate).abs() < 1e-9) | (o["status"] != "open"))
        zero_open = ov.notna() & (ov == 0) & (o["status"] == "open") & (stage_rate > 0)
        if (same | zero_open).any():
            o = o.copy()
            _warn(warnings, o, zero_open,
                  "{n} open opportunity(ies) carry a win rate of 0% while their stage is open: read as no "
                  "override (close the deal as lost or abandoned if it is dead)", column="win_rate_override")
            o.loc[same | zero_open, "win_rate_override"] = np.nan
        closed_no_date = (o["status"] != "open") & o["closed_date"].isna()
        if closed_no_date.any():
            o = o.copy()
            fill = o["expected_close"].where(closed_no_date)
            o.loc[closed_no_date, "closed_date"] = fill[closed_no_date]
            _warn(warnings, o, closed_no_date,
                  "{n} closed opportunity(ies) have no closed date: their expected close date is used",
                  column="closed_date")
            out["opportunities"] = o

    # Product names spelled differently from the product list.
    if "products" in out:
        canon = _canon_name_map(out["products"]["product"])
        for name in ("revenue", "opportunities", "snapshots"):
            if name not in out:
                continue
            df = out[name]
            prod = df["product"]
            known = prod.isin(canon.values())
            fixable = prod.notna() & ~known
            if fixable.any():
                fixed = prod[fixable].map(lambda p: canon.get(normalise_label(p)))
                ok = fixed.notna()
                if ok.any():
                    df = df.copy()
                    df.loc[fixed[ok].index, "product"] = fixed[ok]
                    mask = pd.Series(False, index=df.index)
                    mask[fixed[ok].index] = True
                    _warn(warnings, df, mask,
                          "{n} product name(s) differ in spelling from the product list and were matched to it "
                          f"(e.g. {prod[fixed[ok].index[0]]!r} → {fixed[ok].iloc[0]!r})", column="product")
                unknown = fixed.isna()
                if unknown.any():
                    mask = pd.Series(False, index=df.index)
                    mask[fixed[unknown].index] = True
                    names = ", ".join(repr(x) for x in prod[mask].drop_duplicates().iloc[:5])
                    _warn(warnings, df, mask,
                          "{n} row(s) name products that are not in the product list (" + names + "): kept as given",
                          column="product")
                out[name] = df

    for name in ("deal_scores", "stakeholders"):
        if name in out and "opportunities" in out:
            df = out[name]
            orphan = df["opportunity_id"].notna() & ~df["opportunity_id"].isin(out["opportunities"]["opportunity_id"])
            _warn(warnings, df, orphan, "{n} row(s) name an opportunity that is not in the opportunities table",
                  column="opportunity_id")

    if problems and raise_after:
        raise InputError(problems)
    return out, warnings, derived
