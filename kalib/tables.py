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
from .period import parse_period
from .problems import InputError, Problem
from .i18n import fmt_rmb
from .schema import TABLES, Table
from .settings import ClientMeta

__all__ = ["normalise_tables", "rows_text", "MAX_LISTED", "NAMED_COLUMNS", "lookup_names", "apply_lookups",
           "combine_duplicates", "date_undated_closed", "value_at_list_price", "month_of_header", "quotas_from_wide",
           "merge_quotas", "stages_guessed", "analysis_period_end"]

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
    df = df.copy(deep=False)  # copy-on-write: columns are shared until one is changed
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


def _clean_categories(s: pd.Series) -> bool:
    """Whether a categorical's categories are text that :func:`kalib.parse.parse_text` leaves as it is (the
    loader's): then parsing its rows again would give the same column."""
    cats = s.cat.categories
    if str(cats.dtype) != "str":
        return False
    values, _ = P.parse_text(pd.Series(cats))
    return bool(values.notna().all()) and values.tolist() == cats.tolist()


def _coerce(t: Table, df: pd.DataFrame) -> pd.DataFrame:
    """Give in-memory frames (tests, generated data) the loader's dtypes (a big file's repetitive text columns
    stay categoricals: their distinct values are parsed)."""
    df = df.copy(deep=False)
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
        elif col.kind == "status" and isinstance(s.dtype, pd.CategoricalDtype):
            df[col.name] = P.by_distinct(P.parse_status, s, categorical=True)[0]
        elif col.kind == "status":
            df[col.name] = P.parse_status(s)[0]
        elif col.kind in _DTYPES and isinstance(s.dtype, pd.CategoricalDtype):
            if not _clean_categories(s):
                df[col.name] = P.by_distinct(P.parse_text, s, categorical=col.kind != "id")[0]
        elif col.kind in _DTYPES and str(s.dtype) != "str":
            df[col.name] = P.parse_text(s)[0]
    return df


def _report(out: list[Problem], df: pd.DataFrame, mask: pd.Series, message: str, column: str | None = None,
            severity: str = "error", zh: str | None = None) -> None:
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
    extra = extra_zh = ""
    if len(rows) > 1:
        more = " and more" if len(rows) > MAX_LISTED else ""
        listed = ', '.join(map(str, rows.iloc[:MAX_LISTED]))
        extra = f" (rows {listed}{more})"
        extra_zh = f"（第{listed}行{'等' if more else ''}）"
    cols = df.attrs.get("columns")
    header = (cols.get(column) if cols is not None else column) if column else None
    if severity == "warning" and n > 1:
        first = None
    out.append(Problem(message.replace("{n}", str(n)) + extra, file=src.get("file"), sheet=src.get("sheet"),
                       row=first, column=header, severity=severity, count=n,
                       message_zh=zh.replace("{n}", str(n)) + extra_zh if zh else None))


def _warn(out: list[Problem], df: pd.DataFrame, mask: pd.Series, message: str, column: str | None = None,
          zh: str | None = None) -> None:
    _report(out, df, mask, message, column, severity="warning", zh=zh)


def _error(out: list[Problem], df: pd.DataFrame, mask: pd.Series, message: str, column: str | None = None,
           zh: str | None = None) -> None:
    _report(out, df, mask, message, column, zh=zh)


def _text(s: pd.Series) -> pd.Series:
    """A text column as plain text (a categorical one decoded), so new values can be written into it."""
    return s.astype("str") if isinstance(s.dtype, pd.CategoricalDtype) else s


def _replace(s: pd.Series, mapping: Mapping[Any, Any]) -> pd.Series:
    """``s`` with each value that ``mapping`` holds replaced by its mapping (the others kept); a categorical stays
    one, replaced on its distinct values."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        cats = s.cat.categories
        codes, uniques = pd.factorize(pd.Index([mapping.get(c, c) for c in cats], dtype=cats.dtype))
        new = np.append(codes, -1).astype(codes.dtype)[s.cat.codes.to_numpy()]  # -1 (missing) stays missing
        return pd.Series(pd.Categorical.from_codes(new, categories=uniques), index=s.index)
    out = s.copy()
    hit = s.isin(mapping.keys())
    out[hit] = s[hit].map(mapping)
    return out


def _fast_map(s: pd.Series, mapping: Mapping[Any, Any], dtype: str = "str") -> pd.Series:
    """``s.map(mapping)`` through the distinct values (much faster on millions of rows)."""
    codes, uniques = pd.factorize(s)
    values = np.array([mapping.get(u) for u in uniques] + [None], dtype=object)
    return pd.Series(values[codes], index=s.index).astype(dtype)


def _map_stages(df: pd.DataFrame, cfg: Config, stage_map: Mapping[str, str], problems: list[Problem],
                warnings: list[Problem]) -> pd.DataFrame:
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
               f"(stages: {{'{u}': qualified}})", column="stage",
               zh=f"未知的销售阶段 {u!r}（{{n}}行）；已知阶段："
                  f"{'、'.join(s['zh'] + '（' + s['key'] + '）' for s in cfg.stages())}。请在 client.yml 中对应"
                  f"（stages: {{'{u}': qualified}}）")
    guessed = stages_guessed(mapped, cfg, stage_map)
    if guessed:
        src = df.attrs.get("source") or {}
        names = {st["key"]: st["en"] for st in cfg.stages()}
        listed = "; ".join(f"{u!r} → {k} ({names.get(k, k)}, {cfg.stage_rates()[k]:.0%})" for u, k in guessed)
        zh_names = {st["key"]: st["zh"] for st in cfg.stages()}
        listed_zh = "；".join(f"{u!r} → {zh_names.get(k, k)}（{cfg.stage_rates()[k]:.0%}）" for u, k in guessed)
        warnings.append(Problem(
            f"{len(guessed)} open stage name(s) are not mapped in client.yml and were read by their usual meaning: "
            f"{listed}. If one means something else at this client, map it (stages: {{'{guessed[0][0]}': "
            f"{guessed[0][1]}}})", file=src.get("file"), sheet=src.get("sheet"), column=_where(df, "stage")["column"],
            severity="warning", count=len(guessed),
            message_zh=f"{len(guessed)}个在跟阶段名称没有在 client.yml 中对应，已按通常的含义读取：{listed_zh}。"
                       f"如果某个名称在这家公司另有含义，请在 client.yml 中对应（`stages: {{'{guessed[0][0]}': "
                       f"{guessed[0][1]}}}`）"))
    df = df.copy(deep=False)
    df["stage_raw"] = raw
    df["stage"] = _fast_map(raw, mapped)
    return df


def stages_guessed(mapped: Mapping[Any, str | None], cfg: Config,
                   stage_map: Mapping[str, str] | None) -> list[tuple[str, str]]:
    """The client's open-stage names matched only by a usual export name (``Prospecting`` → understand), not by
    client.yml's ``stages:`` nor by the stage's own key or name: (name, stage key), to be said aloud.
    (A closed result, ``Closed Won`` / ``Closed Lost``, needs no saying.)"""
    own = {normalise_label(str(k)) for k in (stage_map or {})}
    for st in cfg.stages():
        own |= {normalise_label(str(st[f])) for f in ("key", "zh", "en") if st.get(f)}
    order = {st["key"]: i for i, st in enumerate(cfg.stages())}
    status = cfg.stage_status()
    return sorted(((str(u), k) for u, k in mapped.items() if k is not None and status.get(k) == "open"
                   and normalise_label(str(u)) not in own), key=lambda uk: (order.get(uk[1], 99), uk[0]))


def _derive_status(df: pd.DataFrame, cfg: Config, problems: list[Problem]) -> pd.DataFrame:
    stage_status = _fast_map(df["stage"], cfg.stage_status())
    given = _text(df["status"]) if "status" in df else pd.Series(pd.NA, index=df.index, dtype="str")
    # An explicit won/lost wins; an explicit open (or 0/false from an IsWon column) defers to the stage.
    status = given.where(given.isin(["won", "lost"]), stage_status)
    conflict = given.isin(["won", "lost"]) & stage_status.isin(["won", "lost"]) & (given != stage_status)
    _error(problems, df, conflict, "status contradicts the stage ({n} row(s)): a deal cannot be both won and lost",
           column="status", zh="状态与销售阶段矛盾（{n}行）：一个机会不能既赢单又丢单")
    df = df.copy(deep=False)
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
                + "; each must appear once"
                + ("; if the export has one row per product line, say so in client.yml: duplicates: sum (adds "
                   "the amounts of each id) or duplicates: keep_first (keeps its first row); the default, "
                   "duplicates: refuse, stops here"
                   if t.name == "opportunities" else ""),
                row=int(rows.iloc[0]), **_where(out, t.key),
                message_zh=f"{t.column(t.key).zh}重复：{first_val!r}（第{'、'.join(map(str, rows.iloc[:MAX_LISTED]))}行）"
                + (f"；另有{n_keys - 1}个值也重复" if n_keys > 1 else "")
                + "；每个值只能出现一次"
                + ("；如果导出的每一行是一条产品明细，请在 client.yml 中说明：duplicates: sum（把同一编号的金额相加）"
                   "或 duplicates: keep_first（保留第一行）；默认的 duplicates: refuse 会在这里停下"
                   if t.name == "opportunities" else "")))
    if t.name == "snapshots" and {"snapshot_date", "opportunity_id"} <= set(out.columns):
        dup = out.duplicated(["snapshot_date", "opportunity_id"], keep=False) & out["opportunity_id"].notna()
        if dup.any():
            r = out.loc[dup]
            day = r["snapshot_date"].iloc[0]
            problems.append(Problem(
                f"opportunity {r['opportunity_id'].iloc[0]!r} appears more than once in the snapshot of "
                f"{day.date() if pd.notna(day) else '(no date)'} (rows {', '.join(map(str, r['_row'].iloc[:MAX_LISTED]))})",
                row=int(r["_row"].iloc[0]), **_where(out, "opportunity_id"),
                message_zh=f"机会 {r['opportunity_id'].iloc[0]!r} 在"
                           f"{day.date() if pd.notna(day) else '（无日期）'}的快照中出现了不止一次"
                           f"（第{'、'.join(map(str, r['_row'].iloc[:MAX_LISTED]))}行）"))
    if t.name == "nps" and "score" in out:
        s = out["score"]
        bad = s.notna() & ((s < 0) | (s > 10))
        if bad.any():
            extra, first = rows_text(out.loc[bad, "_row"])
            problems.append(Problem(f"an NPS score is from 0 to 10, found {s[bad].iloc[0]:g}{extra}", row=first,
                                    **_where(out, "score"),
                                    message_zh=f"NPS评分应在0到10之间，实际是{s[bad].iloc[0]:g}"
                                               + (f"（共{int(bad.sum())}行）" if extra else "")))


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
        if name in ("opportunities", "snapshots"):
            keys = ["snapshot_date", "opportunity_id"] if name == "snapshots" else ["opportunity_id"]
            df = combine_duplicates(df, meta.duplicates, keys, problems, warnings)
        _check_table(t, df, problems)
        out[name] = df
    apply_lookups(out, meta.lookups, warnings)

    for name in ("opportunities", "snapshots"):
        if name in out:
            df = _map_stages(out[name], cfg, stage_map or {}, problems, warnings if name == "opportunities" else [])
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
                    df = df.copy(deep=False)
                    df["customer"] = _replace(df["customer"], idmap)
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
            rev = rev.copy(deep=False)
            rev.loc[fill, "amount"] = rev.loc[fill, "quantity"] * rev.loc[fill, "unit_price"]
        _error(problems, rev, rev["amount"].isna(),
               "revenue row(s) with no amount (and no quantity × unit price): {n}", column="amount",
               zh="收入明细没有金额（也没有数量×单价）：{n}行")
        _warn(warnings, rev, rev["customer"].isna(),
              "{n} revenue row(s) have no customer: counted in total revenue as 'unassigned', never as a customer",
              column="customer", zh="{n}行收入没有客户：计入总收入（“未分配”），但不算任何客户")
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
                  "{n} won opportunity(ies) have no closed or expected-close date: left out of revenue",
                  zh="{n}个赢单机会既没有关闭日期也没有预计成交日期：不计入收入")
            out["revenue"] = rev.loc[~nodate].reset_index(drop=True)
            derived["revenue"] = "opportunities"
        if len(won) and not nodate.all():
            warnings.append(Problem(f"no revenue table: revenue is taken from {int((~nodate).sum())} won "
                                    "opportunities (amount on the closed date)", severity="warning",
                                    count=int((~nodate).sum()),
                                    message_zh=f"没有收入表：收入取自{int((~nodate).sum())}个赢单机会（按关闭日期计金额）"))

    if "opportunities" in out:
        o = out["opportunities"]
        noamt = o["amount"].isna()
        _warn(warnings, o, noamt & (o["status"] == "open"),
              "{n} open opportunity(ies) have no amount: counted, but not in amounts or weighted totals",
              column="amount", zh="{n}个在跟机会没有金额：计入个数，但不计入金额和加权合计")
        _warn(warnings, o, noamt & (o["status"] != "open"),
              "{n} closed opportunity(ies) have no amount: counted in win rates, not in amounts", column="amount",
              zh="{n}个已关闭机会没有金额：计入赢率，不计入金额")
        _warn(warnings, o, o["customer"].isna(), "{n} opportunity(ies) have no customer", column="customer",
              zh="{n}个机会没有客户")
        _warn(warnings, o, o["owner"].isna(), "{n} opportunity(ies) have no owner", column="owner",
              zh="{n}个机会没有负责人")
        # A rep's win rate is an override only where it says something the stage does not.
        ov = o["win_rate_override"]
        stage_rate = _fast_map(o["stage"], cfg.stage_rates(), "float64")
        same = ov.notna() & (((ov - stage_rate).abs() < 1e-9) | (o["status"] != "open"))
        zero_open = ov.notna() & (ov == 0) & (o["status"] == "open") & (stage_rate > 0)
        if (same | zero_open).any():
            o = o.copy(deep=False)
            _warn(warnings, o, zero_open,
                  "{n} open opportunity(ies) carry a win rate of 0% while their stage is open: read as no "
                  "override (close the deal as lost or abandoned if it is dead)", column="win_rate_override",
                  zh="{n}个在跟机会的赢率填的是0%，而阶段仍在跟：视为没有销售自估赢率（如果这个机会已经没戏，请关闭为丢单或放弃）")
            o.loc[same | zero_open, "win_rate_override"] = np.nan
            out["opportunities"] = o
        closed_no_date = (o["status"] != "open") & o["closed_date"].isna()
        if closed_no_date.any():
            o = o.copy(deep=False)
            fill = o["expected_close"].where(closed_no_date)
            o.loc[closed_no_date, "closed_date"] = fill[closed_no_date]
            _warn(warnings, o, closed_no_date & fill.notna(),
                  "{n} closed opportunity(ies) have no closed date: their expected close date is used",
                  column="closed_date", zh="{n}个已关闭机会没有关闭日期：用它们的预计成交日期代替")
            out["opportunities"] = o
        out["opportunities"] = date_undated_closed(out["opportunities"], meta, out, warnings)

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
                # matched on the distinct names: a big table's millions of rows name a few hundred products
                spelled = {u: canon.get(normalise_label(u)) for u in prod[fixable].unique()}
                fix = {u: v for u, v in spelled.items() if v is not None}
                hit = fixable & prod.isin(list(fix))
                if hit.any():
                    df = df.copy(deep=False)
                    df["product"] = _replace(prod, fix)
                    first = prod[hit].iloc[0]
                    _warn(warnings, df, hit,
                          "{n} product name(s) differ in spelling from the product list and were matched to it "
                          f"(e.g. {first!r} → {fix[first]!r})", column="product",
                          zh=f"{{n}}个产品名称与产品清单的写法不同，已对应到清单中的产品"
                             f"（例如 {first!r} → {fix[first]!r}）")
                unknown = fixable & ~hit
                if unknown.any():
                    names = ", ".join(repr(x) for x in prod[unknown].drop_duplicates().iloc[:5])
                    _warn(warnings, df, unknown,
                          "{n} row(s) name products that are not in the product list (" + names + "): kept as given",
                          column="product", zh="{n}行的产品不在产品清单中（" + names + "）：按原样保留")
                out[name] = df

    if "opportunities" in out:
        out["opportunities"] = value_at_list_price(out["opportunities"], out.get("products"), meta, warnings)

    for name in ("deal_scores", "stakeholders"):
        if name in out and "opportunities" in out:
            df = out[name]
            orphan = df["opportunity_id"].notna() & ~df["opportunity_id"].isin(out["opportunities"]["opportunity_id"])
            _warn(warnings, df, orphan, "{n} row(s) name an opportunity that is not in the opportunities table",
                  column="opportunity_id", zh="{n}行对应的机会不在销售机会表中")

    if problems and raise_after:
        raise InputError(problems)
    return out, warnings, derived


# ---------------------------------------------------------------------------
# export shapes: lookups, repeated ids, undated closed deals, list prices, wide targets
# ---------------------------------------------------------------------------
#: Where each kind of name appears: table -> column holding it.
NAMED_COLUMNS: dict[str, dict[str, str]] = {
    "customers": {"customers": "customer", "revenue": "customer", "opportunities": "customer",
                  "snapshots": "customer", "nps": "customer"},
    "products": {"products": "product", "revenue": "product", "opportunities": "product", "snapshots": "product"},
    "salespeople": {"salespeople": "salesperson", "revenue": "salesperson", "opportunities": "owner",
                    "snapshots": "owner"},
}


def lookup_names(keys: pd.Series, names: pd.DataFrame) -> tuple[dict[str, str], list[str]]:
    """Code -> display name from a lookup table, and notes on what was done.

    ``names`` holds one or more columns joined with a space (FirstName +
    LastName).  A name that two codes share is shown with its code,
    ``"王伟 (1043)"``, so the two people stay apart; a code without a name
    keeps the code.

    >>> m, notes = lookup_names(pd.Series(["7", "8", "9"]),
    ...                         pd.DataFrame({"f": ["Wei", "Wei", "Li"], "l": ["Wang", "Wang", None]}))
    >>> m
    {'7': 'Wei Wang (7)', '8': 'Wei Wang (8)', '9': 'Li'}
    >>> notes
    ["1 name(s) belong to several codes and are shown with their code (e.g. 'Wei Wang (7)')"]
    """
    text = names.astype("object").apply(lambda s: P.parse_text(s)[0].astype("object"))
    joined = text.apply(lambda r: " ".join(str(v) for v in r if isinstance(v, str) and v), axis=1)
    k = P.parse_text(keys)[0].astype("object")
    ok = k.notna()
    pairs = pd.DataFrame({"key": k[ok].astype(str), "name": joined[ok].astype(str)}).drop_duplicates("key")
    pairs.loc[pairs["name"] == "", "name"] = pairs["key"]
    shared = pairs["name"].duplicated(keep=False) & (pairs["name"] != pairs["key"])
    pairs.loc[shared, "name"] = pairs.loc[shared, "name"] + " (" + pairs.loc[shared, "key"] + ")"
    notes = []
    if shared.any():
        notes.append(f"{pairs.loc[shared, 'name'].str.replace(r' [(][^()]*[)]$', '', regex=True).nunique()} name(s) "
                     f"belong to several codes and are shown with their code (e.g. {pairs.loc[shared, 'name'].iloc[0]!r})")
    return dict(zip(pairs["key"], pairs["name"])), notes


def apply_lookups(out: dict[str, pd.DataFrame], lookups: Mapping[str, Mapping[str, str]],
                  warnings: list[Problem]) -> None:
    """Codes replaced by display names in every table naming customers, products or salespeople (in place)."""
    for kind, mapping in (lookups or {}).items():
        if not mapping:
            continue
        for tname, col in NAMED_COLUMNS[kind].items():
            if tname not in out or col not in out[tname]:
                continue
            df = out[tname]
            values = df[col]
            hit = values.isin(mapping.keys())
            if not hit.any():
                continue
            df = df.copy(deep=False)
            values = _text(values)
            df[col] = _fast_map(values.where(hit), mapping).where(hit, values).astype(values.dtype)
            miss = values.notna() & ~hit
            if miss.any():
                _warn(warnings, df, miss, f"{{n}} row(s) name {kind} by a code that is not in the lookup "
                                          f"(e.g. {values[miss].iloc[0]!r}): kept as given", column=col)
            out[tname] = df


def combine_duplicates(df: pd.DataFrame, how: str, keys: list[str], problems: list[Problem],
                       warnings: list[Problem]) -> pd.DataFrame:
    """One row per ``keys`` (an opportunity exported once per product line): ``keep_first`` or ``sum``.

    ``sum`` adds the amounts of the rows of one id; their stage and status must
    agree (one deal, one result), else each such id is an error.  ``refuse``
    leaves the rows for the duplicate check, which names this setting.
    """
    ok = df[keys].notna().all(axis=1)
    dup = ok & df.duplicated(keys, keep=False)
    if how == "refuse" or not dup.any():
        return df
    n_ids = int(df.loc[dup, keys].drop_duplicates().shape[0])
    n_rows = int(dup.sum())
    if how == "sum":
        part = df.loc[dup]
        agree = [c for c in ("stage", "status") if c in part]
        mixed = part.groupby(keys, dropna=False)[agree].nunique(dropna=False).max(axis=1) > 1
        if mixed.any():
            bad = mixed[mixed].index[0]
            bad = bad if isinstance(bad, tuple) else (bad,)
            mask = dup & (df[keys] == pd.Series(bad, index=keys)).all(axis=1)
            _error(problems, df, mask,
                   f"opportunity {bad[-1]!r} is on {{n}} rows with different stages or results; duplicates: sum "
                   f"adds the product lines of one deal, which share one stage ({int(mixed.sum())} id(s) like this)",
                   column=keys[-1],
                   zh=f"机会 {bad[-1]!r} 有{{n}}行，阶段或结果各不相同；duplicates: sum 是把同一机会的产品明细相加，"
                      f"这些明细应该处于同一阶段（这样的编号共{int(mixed.sum())}个）")
            return df
        amounts = part.groupby(keys, sort=False)["amount"].sum(min_count=1)
        first = df.loc[~df.duplicated(keys, keep="first") | ~ok].copy()
        at = first.set_index(keys).index.isin(amounts.index) & ok.loc[first.index].to_numpy()
        idx = first.loc[at].set_index(keys).index
        first.loc[at, "amount"] = amounts.reindex(idx).to_numpy()
        said = "their amounts added (one deal exported once per product line)"
        said_zh = "金额已相加（一个机会按产品明细导出了多行）"
    else:
        first = df.loc[~df.duplicated(keys, keep="first") | ~ok].copy()
        said = "the first row of each kept, the others left out"
        said_zh = "每个编号保留第一行，其余不用"
    first.attrs.update(df.attrs)
    src = df.attrs.get("source") or {}
    warnings.append(Problem(f"{n_ids} opportunity id(s) appear on several rows ({n_rows} rows): {said} "
                            f"(client.yml duplicates: {how}; the default is refuse, because a repeated id can "
                            "be a product line or a row exported twice and only you can tell)",
                            file=src.get("file"), sheet=src.get("sheet"), severity="warning", count=n_ids,
                            message_zh=f"{n_ids}个机会编号出现在多行（共{n_rows}行）：{said_zh}"
                                       f"（client.yml 中 duplicates: {how}；默认是 refuse，因为重复的编号可能是产品明细，"
                                       "也可能是重复导出的一行，只有你能判断）"))
    return first.reset_index(drop=True)


def analysis_period_end(frames: Mapping[str, pd.DataFrame], meta: ClientMeta) -> pd.Timestamp:
    """The last day of the period analysed by default (client.yml's period, else the last full year before
    as_of, as_of being client.yml's or the latest date in the data)."""
    if meta.as_of:
        as_of = pd.Timestamp(meta.as_of)
    else:
        dates = [df[c].max() for t, cols in (("revenue", ["date"]), ("opportunities", ["created", "closed_date",
                                                                                        "last_change", "expected_close"]),
                                             ("snapshots", ["snapshot_date"]), ("nps", ["date"]))
                 if (df := frames.get(t)) is not None for c in cols if c in df]
        dates = [d for d in dates if pd.notna(d)]
        as_of = max(dates).normalize() if dates else pd.Timestamp.today().normalize()
    per = parse_period(meta.period, as_of=as_of, fiscal_start=meta.fiscal_year_start)
    return per.end


def date_undated_closed(o: pd.DataFrame, meta: ClientMeta, frames: Mapping[str, pd.DataFrame],
                        warnings: list[Problem]) -> pd.DataFrame:
    """Closed deals with no closed nor expected-close date, dated at the end of the period client.yml's
    ``undated_closed`` names (flagged in ``closed_date_assumed``), so they count in that period's win rate."""
    o = o.copy(deep=False)
    o["closed_date_assumed"] = False
    undated = (o["status"] != "open") & o["closed_date"].isna() & o["expected_close"].isna()
    if not undated.any():
        return o
    src = o.attrs.get("source") or {}
    n = int(undated.sum())
    if meta.undated_closed is None:
        warnings.append(Problem(
            f"{n} closed opportunity(ies) have no date: left out of win rates (default). To count them, set "
            "undated_closed: all_time (in the period analysed, whichever it is) or a period (undated_closed: "
            "2024) in client.yml", file=src.get("file"), sheet=src.get("sheet"), column=_where(o, "closed_date")["column"],
            severity="warning", count=n,
            message_zh=f"{n}个已关闭机会没有日期：默认不计入赢率。如要计入，请在 client.yml 中设置 undated_closed: all_time"
                       "（计入所分析的期间）或一个期间（undated_closed: 2024）"))
        return o
    if str(meta.undated_closed).strip().lower() in ("all_time", "all-time", "all"):
        end, said = analysis_period_end(frames, meta), "all time: counted in the win rate of the period analysed"
        said_zh = "计入所分析期间的赢率"
    else:
        per = parse_period(meta.undated_closed, fiscal_start=meta.fiscal_year_start)
        end, said = per.end, f"counted in the win rate of {per.label}"
        said_zh = f"计入{per.label}的赢率"
    o.loc[undated, "closed_date"] = end
    o.loc[undated, "closed_date_assumed"] = True
    warnings.append(Problem(
        f"{n} closed opportunity(ies) have no date: {said} (dated {end.date()}, as client.yml's undated_closed: "
        f"{meta.undated_closed} says; flagged in closed_date_assumed)", file=src.get("file"),
        sheet=src.get("sheet"), column=_where(o, "closed_date")["column"], severity="warning", count=n,
        message_zh=f"{n}个已关闭机会没有日期：{said_zh}（按 client.yml 的 undated_closed: {meta.undated_closed}，"
                   f"日期记为{end.date()}；在 closed_date_assumed 中标出）"))
    return o


def value_at_list_price(o: pd.DataFrame, products: pd.DataFrame | None, meta: ClientMeta,
                        warnings: list[Problem]) -> pd.DataFrame:
    """Open deals without amount valued at their product's list price when client.yml says
    ``amount_from_list_price: true``; every such deal is flagged in ``amount_estimated``."""
    o = o.copy(deep=False)
    o["amount_estimated"] = False
    if not meta.amount_from_list_price:
        return o
    src = o.attrs.get("source") or {}
    prices = {} if products is None else dict(zip(products["product"], products["list_price"]))
    prices = {k: v for k, v in prices.items() if pd.notna(k) and pd.notna(v)}
    need = (o["status"] == "open") & o["amount"].isna()
    price = _fast_map(o["product"], prices, "float64") if prices else pd.Series(np.nan, index=o.index)
    fill = need & price.notna()
    o.loc[fill, "amount"] = price[fill]
    o.loc[fill, "amount_estimated"] = True
    total = float(price[fill].sum())
    warnings.append(Problem(
        f"{int(fill.sum())} open opportunity(ies) without amount are valued at their product's list price "
        f"({fmt_rmb(total, 'en')} in all; amount_from_list_price: true): estimates, flagged in amount_estimated"
        + (f"; {int((need & ~fill).sum())} have no product with a list price and stay without amount"
           if (need & ~fill).any() else ""),
        file=src.get("file"), sheet=src.get("sheet"), column=_where(o, "amount")["column"], severity="warning",
        count=int(fill.sum()),
        message_zh=f"{int(fill.sum())}个没有金额的在跟机会按产品目录价估值（合计{fmt_rmb(total, 'zh')}；"
                   "amount_from_list_price: true）：这是估计值，在 amount_estimated 中标出"
                   + (f"；另有{int((need & ~fill).sum())}个没有带目录价的产品，仍然没有金额" if (need & ~fill).any() else "")))
    return o


_MONTHS = {m: i for i, names in enumerate(
    [("jan", "january", "一月"), ("feb", "february", "二月"), ("mar", "march", "三月"), ("apr", "april", "四月"),
     ("may", "五月"), ("jun", "june", "六月"), ("jul", "july", "七月"), ("aug", "august", "八月"),
     ("sep", "sept", "september", "九月"), ("oct", "october", "十月"), ("nov", "november", "十一月"),
     ("dec", "december", "十二月")], 1) for m in names}


def month_of_header(header: str, year: int | None = None) -> tuple[int, int] | None:
    """(year, month) a targets header stands for, or None.

    >>> [month_of_header(h) for h in ("2024-03", "2024/3", "2024年3月", "Mar 2024", "March-2024", "Region")]
    [(2024, 3), (2024, 3), (2024, 3), (2024, 3), (2024, 3), None]
    >>> month_of_header("Mar", year=2024), month_of_header("3月", year=2024)
    ((2024, 3), (2024, 3))
    """
    import re

    h = str(header).strip().lower()
    if m := re.fullmatch(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?(?:[-/.]\d{1,2})?", h):
        y, mo = int(m.group(1)), int(m.group(2))
    elif m := re.fullmatch(r"([a-z]+)[\s\-_'.]*(\d{4})", h):
        if m.group(1) not in _MONTHS:
            return None
        y, mo = int(m.group(2)), _MONTHS[m.group(1)]
    elif m := re.fullmatch(r"(\d{4})[\s\-_.]*([a-z]+)", h):
        if m.group(2) not in _MONTHS:
            return None
        y, mo = int(m.group(1)), _MONTHS[m.group(2)]
    elif year is not None and (h in _MONTHS or re.fullmatch(r"(\d{1,2})月", h)):
        y, mo = year, _MONTHS[h] if h in _MONTHS else int(h[:-1])
    else:
        return None
    return (y, mo) if 1 <= mo <= 12 and 1900 <= y <= 2199 else None


def quotas_from_wide(frame: pd.DataFrame, person: str, year: int | None, factor: float = 1.0,
                     decimal: str = ".") -> tuple[pd.DataFrame, str, list[str]]:
    """Yearly quotas from a targets file with one row per person and one column per month.

    Returns ``(quotas, what was done, headers not read)``: ``quotas`` has
    ``salesperson`` (as written in the file) and ``quota`` (the sum of the
    months of ``year``, default the latest year in the headers; in RMB after
    ``factor``).  A person on several rows gets the sum of the rows.
    """
    months = {h: month_of_header(h, year) for h in frame.columns if h not in ("_row", person)}
    found = {h: ym for h, ym in months.items() if ym is not None}
    if not found:
        return pd.DataFrame({"salesperson": [], "quota": []}), "no month columns", [str(h) for h in months]
    use_year = year if year is not None else max(y for y, _ in found.values())
    cols = [h for h, (y, _) in found.items() if y == use_year]
    values = pd.DataFrame({h: P.parse_money(frame[h], decimal=decimal)[0] for h in cols})
    who = P.parse_text(frame[person])[0]
    q = pd.DataFrame({"salesperson": who.astype("object"), "quota": values.sum(axis=1, min_count=1) * factor})
    q = q.loc[q["salesperson"].notna()].groupby("salesperson", sort=False, as_index=False)["quota"].sum(min_count=1)
    n_months = len({m for h in cols for _, m in [found[h]]})
    said = (f"{len(q)} quota(s): the sum of {n_months} month(s) of {use_year}"
            + (f" (only {n_months} of 12 months: the quota covers those)" if n_months < 12 else ""))
    return q, said, [str(h) for h, ym in months.items() if ym is None]


def merge_quotas(salespeople: pd.DataFrame | None, quotas: pd.DataFrame) -> pd.DataFrame:
    """The salespeople table with the targets file's quotas (the targets file wins); people only in the
    targets file are added."""
    q = quotas.rename(columns={"quota": "_q"})
    if salespeople is None:
        out = pd.DataFrame({"_row": np.arange(2, len(q) + 2, dtype="int64"),
                            "salesperson": q["salesperson"].astype("str").to_numpy(), "quota": q["_q"].to_numpy()})
        return out
    sp = salespeople.copy()
    qmap = dict(zip(q["salesperson"], q["_q"]))
    has = sp["salesperson"].isin(qmap.keys())
    if "quota" not in sp:
        sp["quota"] = np.nan
    sp.loc[has, "quota"] = sp.loc[has, "salesperson"].map(qmap)
    extra = q.loc[~q["salesperson"].isin(sp["salesperson"])]
    if len(extra):
        start = int(sp["_row"].max()) + 1 if "_row" in sp and len(sp) else 2
        add = pd.DataFrame({"_row": np.arange(start, start + len(extra), dtype="int64"),
                            "salesperson": extra["salesperson"].to_numpy(), "quota": extra["_q"].to_numpy()})
        sp = pd.concat([sp, add], ignore_index=True)
        sp.attrs.update(salespeople.attrs)
    return sp
