"""The numpy implementations of ``review``, ``deal_flags`` and ``dashboard`` as they were before
their rewrite with pandas' merge/groupby/pivot_table, kept as a reference the tests compare with."""
# ruff: noqa
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from kalib.client import Client, MissingData
from kalib.pipeline import rates_by_stage as _stage_rates
from kalib.pipeline import (UNASSIGNED, Dashboard, _close_codes, _fc, _snapshots, _teams,
                            milestone_period, open_stages, own_win_rate, win_rate_model)
from kalib.review import _COLS, STEPS, Review, _pick, snapshot_dates

def deal_flags(client: Client, model: pd.DataFrame | None = None) -> pd.DataFrame:
    """Days in stage and Board 1's flags for every open deal.

    ``stage_since`` comes from the snapshots (the first snapshot of the deal's
    latest run at its current stage; when that run starts at the deal's first
    snapshot, an earlier ``last_change`` is used), else from ``last_change``,
    else from ``created``;
    ``stage_since_basis`` says which.  ``stale``: ``days_in_stage`` ≥
    ``forecast.stale_days``.  ``slipped``: the expected close date is later than
    in the snapshot taken ``forecast.slip_lookback_days`` before the as-of date
    (NA without snapshots).  ``overdue``, ``override`` and ``no_amount`` as in
    :func:`win_rate_model`.
    """
    model = win_rate_model(client) if model is None else model
    fc = _fc(client)
    as_of = client.as_of.normalize()
    o = model.loc[model["status"] == "open"].copy()
    since = pd.Series(pd.NaT, index=o.index, dtype="datetime64[ns]")
    basis = pd.Series(pd.NA, index=o.index, dtype="str")
    slipped = pd.Series(pd.NA, index=o.index, dtype="boolean")
    snaps = _snapshots(client)
    if snaps is not None:
        # Integer codes for the deals (open deals first, so code < n means "an open deal") and stages.
        n = len(o)
        ids, _ = pd.factorize(pd.concat([o["opportunity_id"], snaps["opportunity_id"]], ignore_index=True))
        deal = ids[n:]
        keep = (deal >= 0) & (deal < n)
        deal = deal[keep]
        stages, _ = pd.factorize(pd.concat([o["stage"], snaps["stage"]], ignore_index=True))
        cur_stage = stages[:n]
        snap_stage = stages[n:][keep]
        day = snaps["snapshot_date"].to_numpy(dtype="datetime64[ns]")[keep].astype("int64")
        nat = np.iinfo(np.int64).min
        differs = snap_stage != cur_stage[deal]

        def per_deal(ufunc, mask: np.ndarray, fill: int) -> np.ndarray:
            out = np.full(n, fill, dtype=np.int64)
            ufunc.at(out, deal[mask], day[mask])
            return out

        big = np.iinfo(np.int64).max
        last_diff = per_deal(np.maximum, differs, nat)
        after = ~differs & (day > last_diff[deal])
        run_start = per_deal(np.minimum, after, big)
        # The latest snapshot of the deal must show the current stage, else it changed after it.
        latest = per_deal(np.maximum, np.ones(len(deal), bool), nat)
        last_same = per_deal(np.maximum, ~differs, nat)
        first_seen = per_deal(np.minimum, np.ones(len(deal), bool), big)
        ok = (run_start != big) & (last_same == latest)
        snap_since = pd.Series(np.where(ok, run_start, nat).astype("datetime64[ns]"), index=o.index)
        # A run that starts at the deal's first snapshot only bounds the stage's start: a last change
        # before it (no stage change can come after the last change) is the better bound.
        open_start = ok & (run_start == first_seen) & (o["last_change"] < snap_since).to_numpy()
        since = since.fillna(snap_since.mask(open_start, o["last_change"]))
        basis = basis.mask(since.notna(), "snapshots")
        # Slipped: compare with the reference snapshot.
        dates = np.sort(snaps["snapshot_date"].unique())
        limit = as_of - pd.Timedelta(days=int(fc["slip_lookback_days"]))
        earlier = dates[dates <= np.datetime64(limit)]
        ref_date = earlier.max() if len(earlier) else (dates.min() if dates.min() < np.datetime64(as_of) else None)
        if ref_date is not None:
            at_ref = day == np.datetime64(ref_date, "ns").astype("int64")
            close = snaps["expected_close"].to_numpy(dtype="datetime64[ns]")[keep].astype("int64")
            ref_close = np.full(n, nat, dtype=np.int64)
            ref_close[deal[at_ref]] = close[at_ref]  # the last row wins when an id repeats
            ref_close = ref_close.astype("datetime64[ns]")
            cur_close = o["expected_close"].to_numpy(dtype="datetime64[ns]")
            known = ~np.isnat(ref_close) & ~np.isnat(cur_close)
            slipped = pd.Series(np.where(known, cur_close > ref_close, False), index=o.index, dtype="boolean")
            slipped = slipped.mask(np.isnat(cur_close) & ~np.isnat(ref_close), pd.NA)
    for col, name in (("last_change", "last change"), ("created", "created")):
        if col in o:
            fill = since.isna() & o[col].notna()
            since = since.mask(fill, o[col])
            basis = basis.mask(fill, name)
    days = (as_of - since).dt.days
    out = o[["opportunity_id"]].copy()
    out["stage_since"] = since
    out["stage_since_basis"] = basis
    out["days_in_stage"] = days.astype("Float64")
    out["stale"] = (days >= int(fc["stale_days"])).astype("boolean").where(days.notna(), pd.NA)
    out["slipped"] = slipped
    out["overdue"] = o["overdue"].astype("boolean")
    out["override"] = o["override"].notna().astype("boolean")
    out["no_amount"] = o["no_amount"].astype("boolean")
    return out



def stage_period_matrix(model: pd.DataFrame, config, as_of: pd.Timestamp, months: int) -> dict[str, pd.DataFrame]:
    """Board 2's matrix of open deals: stage (rows, step order) × close period (columns).

    Returns ``{"count": ..., "amount": ..., "weighted": ...}``; amounts sum the
    deals that have one (deals with no amount are in ``count`` only).  Columns:
    ``overdue`` (expected close before ``as_of``), each month from the as-of
    month, ``later``, ``no date``; a ``total`` row and column are added.
    """
    is_open = (model["status"] == "open").to_numpy(dtype=bool)
    code, cols = _close_codes(model["expected_close"].to_numpy(dtype="datetime64[ns]")[is_open], as_of, months)
    rows = [s["key"] for s in open_stages(config)]
    r = pd.Index(rows).get_indexer(model["stage"].to_numpy(dtype=object)[is_open])
    ok = r >= 0
    codes = (r * len(cols) + code)[ok]
    n = len(rows) * len(cols)
    sums = _sums(codes, n, count=np.ones(int(ok.sum())),
                 amount=model["amount"].to_numpy(dtype="float64")[is_open][ok],
                 weighted=model["weighted"].to_numpy(dtype="float64")[is_open][ok])
    out = {}
    for what, v in sums.items():
        m = v.reshape(len(rows), len(cols))
        m = np.vstack([np.hstack([m, m.sum(axis=1, keepdims=True)]),
                       np.append(m.sum(axis=0), m.sum())[None, :]])
        t = pd.DataFrame(m.astype("int64" if what == "count" else "float64"),
                         index=pd.Index([*rows, "total"], name="stage"), columns=pd.Index([*cols, "total"], name="close"))
        out[what] = t
    return out


def _sums(codes: np.ndarray, n: int, **cols: np.ndarray) -> dict[str, np.ndarray]:
    """Per-group sums with numpy (NaN counts as nothing; booleans count)."""
    out = {}
    for name, v in cols.items():
        v = np.asarray(v, dtype="float64")
        out[name] = np.bincount(codes, weights=np.where(np.isnan(v), 0.0, v), minlength=n)[:n]
    return out


def _group_table(codes: np.ndarray, uniques: np.ndarray, is_open: np.ndarray, amount: np.ndarray,
                 weighted: np.ndarray, in_period: np.ndarray, won_in: np.ndarray, overdue: np.ndarray) -> pd.DataFrame:
    sel = is_open & in_period
    s = _sums(codes, len(uniques),
              open_count=is_open, open_amount=np.where(is_open, amount, np.nan),
              weighted=np.where(is_open, weighted, np.nan),
              milestone_amount=np.where(sel, amount, np.nan), expected=np.where(sel, weighted, np.nan),
              won_so_far=np.where(won_in, amount, np.nan), no_amount=is_open & np.isnan(amount),
              overdue=overdue)
    g = pd.DataFrame(s, index=pd.Index(np.asarray(uniques, dtype=object), name="key"))
    for c in ("open_count", "no_amount", "overdue"):
        g[c] = g[c].astype("int64")
    g["projected"] = g["won_so_far"] + g["expected"]
    g = g.loc[(g["open_count"] > 0) | (g["won_so_far"] > 0)]
    return g.sort_values("projected", ascending=False, kind="stable")


def _factorize(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    codes, uniques = pd.factorize(pd.Series(values, dtype=object).fillna(UNASSIGNED[1]), sort=True)
    return codes, np.asarray(uniques, dtype=object)



def dashboard(client: Client, milestone: str | None = "quarter", *, rates: Mapping[str, float] | None = None,
              target: float | None = None, use_overrides: bool = True,
              model: pd.DataFrame | None = None) -> Dashboard:
    """Board 2, the dynamic performance dashboard (销售业绩动态仪表盘).

    Parameters
    ----------
    client
        A client with an ``opportunities`` table; ``client.meta.sales_target``
        (RMB per year) is the target, ``client.as_of`` the date.
    milestone
        ``month``, ``quarter``, ``half``, ``year`` (the end of the one containing
        the as-of date; fiscal when the client's fiscal year does not start in
        January) or a period such as ``2024-Q3``.  None: ``forecast.default_milestone``.
    rates
        Win rates by stage replacing the configured ones (the live widget's sliders,
        or learned rates).
    target
        A yearly target replacing ``client.meta.sales_target`` (a what-if); 0 means
        "not set".

    Notes
    -----
    * Won so far: won opportunities whose ``closed_date`` falls in the milestone
      period up to the as-of date (bookings).
    * Expected: Σ amount × win rate of open deals expected to close by the
      milestone's end (overdue deals included, and flagged); deals with no close
      date or no amount are counted and said, not added.
    * Milestone target: yearly target × the milestone's share of a year.
    * Coverage: open amount due by the milestone ÷ (milestone target − won so
      far); the coverage required is 1 ÷ the client's own win rate
      (:func:`own_win_rate`).
    """
    cfg = client.config
    fc = _fc(client)
    milestone = milestone or fc.get("default_milestone", "quarter")
    model = win_rate_model(client, rates=rates, use_overrides=use_overrides) if model is None else model
    as_of = client.as_of.normalize()
    period, share = milestone_period(as_of, milestone, fiscal_start=client.meta.fiscal_year_start, config=cfg)
    notes: list[tuple[str, str]] = []

    status = model["status"].to_numpy(dtype=object)
    is_open, is_won = status == "open", status == "won"
    amount = model["amount"].to_numpy(dtype="float64")
    weighted = model["weighted"].to_numpy(dtype="float64")
    close = model["expected_close"].to_numpy(dtype="datetime64[ns]")
    closed = model["closed_date"].to_numpy(dtype="datetime64[ns]")
    overdue = model["overdue"].to_numpy(dtype=bool)
    in_period = ~np.isnat(close) & (close <= np.datetime64(period.end, "ns"))
    won_in = is_won & ~np.isnat(closed) & (closed >= np.datetime64(period.start, "ns")) & \
        (closed <= np.datetime64(min(period.end, as_of), "ns"))
    no_amount = np.isnan(amount)
    won_so_far = float(np.nansum(amount[won_in]))
    won_no_amount = int((won_in & no_amount).sum())
    sel = is_open & in_period
    expected = float(np.nansum(weighted[sel]))
    milestone_amount = float(np.nansum(amount[sel]))

    target_year = (float(target) if target > 0 else None) if target is not None else client.meta.sales_target
    target_m = target_year * share if target_year is not None else None
    if target_year is None:
        notes.append(("销售目标未设置：请在 client.yml 中填写 sales_target（每年，元）。",
                      "The sales target is not set: give sales_target (RMB per year) in client.yml."))
    projected = won_so_far + expected
    gap = (target_m - projected) if target_m is not None else None
    remaining = (target_m - won_so_far) if target_m is not None else None
    coverage = None
    if remaining is not None:
        if remaining > 0:
            coverage = milestone_amount / remaining
        else:
            notes.append(("已赢单已达到节点目标：覆盖率不再适用。",
                          "Won so far already reaches the milestone target: coverage no longer applies."))
    own = own_win_rate(client, model)
    if own["rate"] is None:
        notes.append(("尚无已关闭（赢单或丢单）的机会：无法计算本公司赢率及所需覆盖率。",
                      "No closed (won or lost) deal yet: the client's own win rate and the coverage it needs "
                      "are not available."))
    elif own["basis"] == "all":
        notes.append((f"近 {own['window_days']} 天内没有关闭的机会：本公司赢率按全部已关闭机会计算。",
                      f"No deal closed in the last {own['window_days']} days: the client's own win rate uses "
                      "all closed deals."))

    open_no_amt = is_open & no_amount
    no_amt = model.loc[open_no_amt, ["opportunity_id", "owner", "customer", "name", "stage", "expected_close"]] \
        if open_no_amt.any() else pd.DataFrame(columns=["opportunity_id", "owner", "customer", "name", "stage",
                                                        "expected_close"])
    if len(no_amt):
        notes.append((f"{len(no_amt)} 个在跟机会没有金额：未计入金额和加权合计。",
                      f"{len(no_amt)} open deals have no amount: not in the weighted total."))
    if won_no_amount:
        notes.append((f"{won_no_amount} 个节点内赢单没有金额：未计入已赢单金额。",
                      f"{won_no_amount} deals won in the period have no amount: not in won so far."))
    no_date = int((is_open & np.isnat(close)).sum())
    if no_date:
        notes.append((f"{no_date} 个在跟机会没有预计成交日期：不计入节点预计。",
                      f"{no_date} open deals have no expected close date: not in the milestone's expected amount."))
    n_over = int(overdue.sum())
    if n_over:
        notes.append((f"{n_over} 个在跟机会已过预计成交日期（仍计入节点预计，需要核实）。",
                      f"{n_over} open deals are past their expected close date (still counted as "
                      "expected by the milestone: check them)."))

    # Categories (open deals: all and due by the milestone; won in the period as "closed").
    cats = [c["key"] for c in sorted(fc["categories"], key=lambda c: -float(c["min_win_rate"]))]
    ccodes = pd.Index(cats).get_indexer(model["category"].to_numpy(dtype=object))
    okc = (ccodes >= 0) & is_open
    csum = _sums(ccodes[okc], len(cats), count=np.ones(int(okc.sum())), amount=amount[okc], weighted=weighted[okc],
                 milestone_amount=np.where(sel, amount, np.nan)[okc], expected=np.where(sel, weighted, np.nan)[okc])
    categories = pd.DataFrame(csum, index=pd.Index(cats, name="category"))
    categories.loc["closed"] = [int(won_in.sum()), won_so_far, won_so_far, won_so_far, won_so_far]
    categories["count"] = categories["count"].astype("int64")

    months_to_end = (period.end.year - as_of.year) * 12 + period.end.month - as_of.month + 1
    months = max(int(fc["matrix_months"]), months_to_end)
    matrix = stage_period_matrix(model, cfg, as_of, months)

    teams = _teams(client)
    owner = model["owner"].to_numpy(dtype=object)
    args = (is_open, amount, weighted, in_period, won_in, overdue)
    by_rep = _group_table(*_factorize(owner), *args)
    if client.has("salespeople") and "quota" in client.tables["salespeople"]:
        sp = client.tables["salespeople"].dropna(subset=["salesperson"])
        quota = dict(zip(sp["salesperson"], sp["quota"]))
        by_rep["quota"] = np.array([quota.get(r, np.nan) for r in by_rep.index], dtype="float64") * share
        by_rep["attainment"] = by_rep["projected"] / by_rep["quota"]
    by_team = None
    if teams:
        by_team = _group_table(*_factorize(np.array([teams.get(o) for o in owner], dtype=object)), *args)
    product = model["product"].to_numpy(dtype=object)
    by_product = _group_table(*_factorize(product), *args)

    code, cols = _close_codes(close[is_open], as_of, months)
    pcols = cols[:months + 1]  # overdue and the months (not later / no date)
    pcodes, products = _factorize(product[is_open])
    ok = code <= months
    v = _sums((pcodes * len(pcols) + code)[ok], len(products) * len(pcols), weighted=weighted[is_open][ok])["weighted"]
    production = pd.DataFrame(v.reshape(len(products), len(pcols)), index=pd.Index(products, name="product"),
                              columns=pd.Index(pcols, name="close"))
    open_amount = float(np.nansum(amount[is_open]))
    weighted_total = float(np.nansum(weighted[is_open]))

    return Dashboard(
        client=client.name, as_of=as_of, milestone=str(milestone), period=period, year_share=share,
        target_year=target_year, target=target_m, won_so_far=won_so_far, won_count=int(won_in.sum()),
        expected=expected, milestone_amount=milestone_amount, milestone_count=int(sel.sum()),
        projected=projected, gap=gap, remaining=remaining, coverage=coverage, own_win_rate=own["rate"],
        coverage_required=own["required_coverage"], open_count=int(is_open.sum()),
        open_amount=open_amount, weighted_total=weighted_total,
        overdue_count=n_over, overdue_amount=float(np.nansum(amount[overdue])),
        no_amount_count=len(no_amt), no_close_date_count=no_date, estimated_count=0, estimated_amount=0.0,
        override_count=int((model["rate_source"].to_numpy(dtype=object)[is_open] == "override").sum()),
        matrix=matrix, categories=categories, by_rep=by_rep, by_team=by_team, by_product=by_product,
        production=production, no_amount=no_amt.reset_index(drop=True), win_rate_basis=own,
        rates=_stage_rates(client, rates), notes=notes, config=cfg,
    )

def _codes(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes (-1 for missing) and the distinct values, without converting every string."""
    codes, uniques = pd.factorize(values)
    return codes, np.asarray(uniques, dtype=object)


def review(client: Client, date_from: Any = None, date_to: Any = None, *, milestone: str | None = None,
           rates: Mapping[str, float] | None = None) -> Review:
    """The Monday review (周一看板盘点) between two snapshots.

    Parameters
    ----------
    client
        A client with a ``snapshots`` table (weekly copies of the opportunities:
        ``snapshot_date``, ``opportunity_id``, ``stage``, ``status``, ``amount``,
        ``expected_close``, ``owner``...).
    date_from, date_to
        Dates; each picks the latest snapshot on or before it.  Default: the last
        two snapshot dates up to ``client.as_of``.
    milestone
        The period deals are expected to close in (``month``, ``quarter``...; the
        one containing ``date_to``); default ``forecast.default_milestone``.
    rates
        Win rates by stage replacing the configured ones.

    Notes
    -----
    The weighted value of a deal in a snapshot is amount × rate (the rep's
    override when present, else the stage's; a missing amount counts as 0 here
    and is said).  A deal is *in* the pipeline due by the milestone when open
    with an expected close on or before the period's end.  For a deal in it in
    both snapshots, the change splits into a rate part (rate_b − rate_a) ×
    amount_a, drawn as advanced / moved back (stage step up / down) or rate
    changed (same stage), and an amount part (amount_b − amount_a) × rate_b.
    """
    dates = snapshot_dates(client)
    if len(dates) < 2:
        have = "no snapshots" if not dates else f"one snapshot ({dates[0].date()})"
        raise MissingData(
            "the Monday review (周一看板盘点) needs at least two snapshots of the opportunities (机会快照: "
            f"the snapshots table, one copy per week) up to {client.as_of.date()}; this client has {have}. "
            "Save the opportunities list every Monday (with a snapshot_date column) to enable it.")
    b_date = _pick(dates, date_to, "the --to") if date_to is not None else dates[-1]
    if date_from is not None:
        a_date = _pick(dates, date_from, "the --from")
    else:
        earlier = [d for d in dates if d < b_date]
        if not earlier:
            raise ValueError(f"no snapshot before {b_date.date()} to compare with")
        a_date = earlier[-1]
    if a_date >= b_date:
        raise ValueError(f"the earlier snapshot ({a_date.date()}) must come before the later one ({b_date.date()})")
    cfg = client.config
    fc = cfg.section("forecast")
    milestone = milestone or fc.get("default_milestone", "quarter")
    period, _ = milestone_period(b_date, milestone, fiscal_start=client.meta.fiscal_year_start, config=cfg)
    stage_rates = _stage_rates(client, rates)
    steps = {s["key"]: s.get("step") for s in cfg.stages()}
    snaps = client.tables["snapshots"]
    when = snaps["snapshot_date"].to_numpy(dtype="datetime64[ns]")
    is_a, is_b = when == np.datetime64(a_date, "ns"), when == np.datetime64(b_date, "ns")
    both = is_a | is_b
    cols = [c for c in _COLS if c in snaps.columns]
    sub = snaps[cols] if both.all() else snaps.loc[both, cols]
    in_b = is_b[both]
    # One hash pass over the ids of both snapshots; each deal's row in A and in B (-1: absent).
    ids, id_values = _codes(sub["opportunity_id"])
    n = len(id_values)
    rows = np.arange(len(sub))
    pos_a = np.full(n, -1, dtype=np.int64)
    pos_b = np.full(n, -1, dtype=np.int64)
    pos_a[ids[~in_b]] = rows[~in_b]  # assignments run in order: the last row wins when an id repeats
    pos_b[ids[in_b]] = rows[in_b]
    inA, inB = pos_a >= 0, pos_b >= 0

    def take(values: np.ndarray, pos: np.ndarray, fill: Any) -> np.ndarray:
        out = values[np.where(pos >= 0, pos, 0)]
        return np.where(pos >= 0, out, fill)

    st_codes, st_values = _codes(sub["stage"])
    rate_of = np.array([stage_rates.get(v, np.nan) for v in st_values] + [np.nan], dtype="float64")
    step_of = np.array([steps.get(v) if steps.get(v) is not None else np.nan for v in st_values] + [np.nan],
                       dtype="float64")
    stat_codes, stat_values = _codes(sub["status"])
    stat_of = np.array([*list(stat_values), ""], dtype=object)
    stg = take(st_codes, pos_a, -1), take(st_codes, pos_b, -1)
    stat = take(stat_codes, pos_a, -1), take(stat_codes, pos_b, -1)
    sa, sb = stat_of[stat[0]], stat_of[stat[1]]
    openA, openB = inA & (sa == "open"), inB & (sb == "open")
    wonA, wonB = inA & (sa == "won"), inB & (sb == "won")
    lostA, lostB = inA & (sa == "lost"), inB & (sb == "lost")
    stA, stB = step_of[stg[0]], step_of[stg[1]]
    amount = sub["amount"].to_numpy(dtype="float64")
    amA, amB = take(amount, pos_a, np.nan), take(amount, pos_b, np.nan)
    amA0, amB0 = np.nan_to_num(amA), np.nan_to_num(amB)
    override = sub["win_rate_override"].to_numpy(dtype="float64")
    ovA, ovB = take(override, pos_a, np.nan), take(override, pos_b, np.nan)

    def rate(open_: np.ndarray, won: np.ndarray, ov: np.ndarray, stage_code: np.ndarray) -> np.ndarray:
        return np.where(open_, np.where(np.isnan(ov), rate_of[stage_code], ov), np.where(won, 1.0, 0.0))

    rA, rB = np.nan_to_num(rate(openA, wonA, ovA, stg[0])), np.nan_to_num(rate(openB, wonB, ovB, stg[1]))
    close = sub["expected_close"].to_numpy(dtype="datetime64[ns]")
    ca, cb = take(close, pos_a, np.datetime64("NaT")), take(close, pos_b, np.datetime64("NaT"))
    end = np.datetime64(period.end, "ns")
    due_a = ~np.isnat(ca) & (ca <= end)
    due_b = ~np.isnat(cb) & (cb <= end)
    both_open = openA & openB
    same_stage = both_open & (stg[0] == stg[1])
    pos_any = np.where(inB, pos_b, pos_a)

    # Text columns: taken from the snapshot rows (no per-string conversion); few-valued ones as categories.
    df = pd.DataFrame({col: sub[col].iloc[pos_any].reset_index(drop=True)
                       for col in ("opportunity_id", "owner", "customer", "name")})
    stage_cats = pd.Index(list(st_values), dtype="str")
    stat_cats = pd.Index(list(stat_values), dtype="str")
    df["stage_a"] = pd.Categorical.from_codes(stg[0], categories=stage_cats)
    df["stage_b"] = pd.Categorical.from_codes(stg[1], categories=stage_cats)
    df["status_a"] = pd.Categorical.from_codes(stat[0], categories=stat_cats)
    df["status_b"] = pd.Categorical.from_codes(stat[1], categories=stat_cats)
    df["amount_a"], df["amount_b"] = amA, amB
    df["rate_a"], df["rate_b"] = np.where(inA, rA, np.nan), np.where(inB, rB, np.nan)
    df["expected_close_a"], df["expected_close_b"] = ca, cb

    flags = {
        "won": inB & wonB & ~wonA,
        "lost": inB & lostB & ~lostA,
        "new": inB & ~inA,
        "removed": inA & ~inB,
        "reopened": inA & ~openA & openB,
        "advanced": both_open & (stB > stA),
        "moved_back": both_open & (stB < stA),
        "slipped": both_open & due_a & ~due_b,
        "pulled_in": both_open & ~due_a & due_b,
        "amount_up": inA & inB & ((amB > amA) | (np.isnan(amA) & ~np.isnan(amB))),
        "amount_down": inA & inB & ((amB < amA) | (~np.isnan(amA) & np.isnan(amB))),
        "rate_changed": same_stage & ~((np.isnan(ovA) & np.isnan(ovB)) | (ovA == ovB)),
    }
    keys = [*flags, "unchanged"]
    cat_code = np.select(list(flags.values()), list(range(len(flags))), default=len(flags))
    for key, v in flags.items():
        df[key] = v
    df["category"] = pd.Categorical.from_codes(cat_code, categories=pd.Index(keys, dtype="str"))

    # Weighted pipeline due by the milestone, and the waterfall split.
    pa = openA & due_a
    pb = openB & due_b
    wA = np.where(pa, amA0 * rA, 0.0)
    wB = np.where(pb, amB0 * rB, 0.0)
    parts = {k: np.zeros(len(df)) for k in STEPS}
    enter, leave, stay = ~pa & pb, pa & ~pb, pa & pb
    parts["new"] = np.where(enter & ~inA, wB, 0.0)
    parts["pulled_in"] = np.where(enter & openA, wB, 0.0)
    parts["reopened"] = np.where(enter & inA & ~openA, wB, 0.0)
    parts["won"] = np.where(leave & wonB, -wA, 0.0)
    parts["lost"] = np.where(leave & lostB, -wA, 0.0)
    parts["removed"] = np.where(leave & ~inB, -wA, 0.0)
    parts["slipped"] = np.where(leave & openB, -wA, 0.0)
    rate_part = np.where(stay, (rB - rA) * amA0, 0.0)
    parts["advanced"] = np.where(stB > stA, rate_part, 0.0)
    parts["moved_back"] = np.where(stB < stA, rate_part, 0.0)
    parts["rate_changed"] = np.where(~(stB > stA) & ~(stB < stA), rate_part, 0.0)
    amount_part = np.where(stay, (amB0 - amA0) * rB, 0.0)
    parts["amount_up"] = np.where(amount_part > 0, amount_part, 0.0)
    parts["amount_down"] = np.where(amount_part < 0, amount_part, 0.0)
    df["weighted_a"], df["weighted_b"] = wA, wB
    df["delta"] = wB - wA
    # Expected result: won amount + weighted pipeline due by the milestone.
    valA = np.where(wonA, amA0, wA)
    valB = np.where(wonB, amB0, wB)
    df["impact"] = valB - valA

    waterfall = pd.DataFrame({"step": STEPS, "value": [float(parts[k].sum()) for k in STEPS]})
    start, end_v = float(wA.sum()), float(wB.sum())
    waterfall["end"] = start + waterfall["value"].cumsum()

    ow_codes, ow_values = _codes(sub["owner"])
    ow_deal = ow_codes[pos_any]
    order_names = np.argsort(np.array([str(v) for v in ow_values], dtype=object), kind="stable")
    rank = np.empty(len(ow_values) + 1, dtype=np.int64)
    rank[order_names] = np.arange(len(ow_values))
    rank[-1] = len(ow_values)  # no owner: "unassigned", last
    codes = rank[ow_deal]
    reps = np.array([*[ow_values[i] for i in order_names], "unassigned"], dtype=object)
    if not (ow_deal == -1).any():
        reps = reps[:-1]

    def by(v: np.ndarray) -> np.ndarray:
        return np.bincount(codes, weights=v, minlength=len(reps))

    imp = df["impact"].to_numpy()
    by_rep = pd.DataFrame({
        "start": by(wA), "end": by(wB), "change": by(wB - wA),
        "won_amount": by(np.where(flags["won"], amB0, 0.0)),
        "impact": by(imp), "contributed": by(np.where(imp > 0, imp, 0.0)),
        "detracted": by(np.where(imp < 0, imp, 0.0)),
        **{k: by(flags[k].astype(float)).astype("int64") for k in flags},
    }, index=pd.Index(np.asarray(reps, dtype=object), name="owner"))
    ids_out = np.asarray(id_values, dtype=object)
    for col, sign in (("top_contributor", 1.0), ("top_detractor", -1.0)):
        order = np.lexsort((-sign * imp, codes))  # per rep, the largest gain (or loss) first
        first = order[np.unique(codes[order], return_index=True)[1]]
        best = np.full(len(reps), None, dtype=object)
        ok = sign * imp[first] > 0
        best[codes[first][ok]] = ids_out[first][ok]
        by_rep[col] = pd.array(best, dtype="str")
    by_rep = by_rep.sort_values("impact", kind="stable")

    notes: list[tuple[str, str]] = []
    miss = int((pa & np.isnan(amA)).sum() + (pb & np.isnan(amB)).sum())
    if miss:
        notes.append((f"{miss} 个节点内在跟机会没有金额：按 0 计入加权金额。",
                      f"{miss} open deals due by the milestone have no amount: counted as 0 in the weighted pipeline."))
    counts = {k: int(v.sum()) for k, v in flags.items()}
    counts["unchanged"] = int((cat_code == len(flags)).sum())
    keep = ["opportunity_id", "owner", "customer", "name", "category", *flags, "stage_a", "stage_b", "status_a",
            "status_b", "amount_a", "amount_b", "rate_a", "rate_b", "expected_close_a", "expected_close_b",
            "weighted_a", "weighted_b", "delta", "impact"]
    return Review(client=client.name, date_from=a_date, date_to=b_date, period=period, start=start, end=end_v,
                  won_amount=float(np.where(flags["won"], amB0, 0.0).sum()), changes=df[keep], waterfall=waterfall,
                  by_rep=by_rep, counts=counts, notes=notes)
