"""The win-rate model (赢率模型) and the two sales boards (销售看板).

The article's layer 3, "how to manage sales" (如何管理销售): a sales board is
"a quantifiable, manageable tool based on the win-rate model".  This module
places every opportunity in the model and builds the two boards from it.

* :func:`win_rate_model` — every opportunity with its stage's win rate, the
  rep's override beside it (shown as such), the rate in force, the weighted
  value (amount × win rate), the forecast category (commit / best case /
  pipeline / closed) and whether an open deal is past its expected close.
* :func:`board1` — Board 1, the key-opportunity tracking board
  (重要销售机会跟进看板), per salesperson, with flags (stale, slipped, overdue,
  override, no amount), sorted so that what needs attention comes first.
* :func:`dashboard` — Board 2, the dynamic performance dashboard
  (销售业绩动态仪表盘): the stage × close-period matrix, won so far plus what the
  pipeline is expected to add by the next milestone against the target, the
  coverage and the coverage the client's own win rate requires (1 ÷ win rate),
  by rep, team and product, and the expected volume by product and month (the
  basis for production planning).

Every rate and threshold comes from ``client.config`` (``stages`` and
``forecast`` in ``kalib/method.yaml``).  Missing amounts are counted and listed,
never read as zero; a missing sales target is said to be missing, never invented.

Examples
--------
>>> import pandas as pd
>>> from kalib import Client
>>> c = Client.from_frames({"opportunities": pd.DataFrame({
...     "opportunity_id": ["A", "B", "C"], "owner": ["Li", "Li", "Wang"],
...     "stage": ["qualified", "agreed", "validated"], "amount": [1e6, 2e6, None],
...     "win_rate_override": [None, 0.9, None],
...     "expected_close": pd.to_datetime(["2024-05-20", "2024-06-15", "2024-09-01"]),
...     "created": pd.to_datetime(["2024-01-10"] * 3)})}, as_of="2024-05-31", sales_target=2.4e7)
>>> m = win_rate_model(c)
>>> m[["opportunity_id", "stage_rate", "override", "win_rate", "weighted", "category", "overdue"]]
  opportunity_id  stage_rate  override  win_rate   weighted   category  overdue
0              A        0.50       NaN      0.50   500000.0  best_case     True
1              B        0.75       0.9      0.90  1800000.0     commit    False
2              C        0.25       NaN      0.25        NaN   pipeline    False
>>> d = dashboard(c, milestone="quarter")
>>> d.period.label, d.target, d.expected, d.no_amount_count
('2024-Q2', 6000000.0, 2300000.0, 1)
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .client import Client, MissingData, Period, parse_period
from .config import source_name
from .i18n import MISSING, check_lang, fmt_count, fmt_days, fmt_num, fmt_pct, fmt_rmb, fmt_times, fmt_wan, tr

__all__ = [
    "FLAGS",
    "Dashboard",
    "board1",
    "board1_display",
    "dashboard",
    "milestone_period",
    "milestone_keys",
    "open_stages",
    "rates_by_stage",
    "own_win_rate",
    "select_reps",
    "stage_period_matrix",
    "stage_table",
    "win_rate_model",
    "deal_flags",
]

#: Board 1 flags: key -> (zh, en, what it means in English).
FLAGS: dict[str, tuple[str, str, str]] = {
    "overdue": ("逾期", "overdue", "open, and the expected close date has passed"),
    "slipped": ("推迟", "slipped", "the expected close date moved later within the slip look-back window"),
    "stale": ("停滞", "stale", "the stage has not changed for the configured number of days"),
    "override": ("销售自估赢率", "override", "the rep's own win rate is used instead of the stage's"),
    "no_amount": ("无金额", "no amount", "no amount: not in any amount or weighted total"),
}
# Flags that mean "look at this deal first" on Board 1.
_ATTENTION = ("overdue", "slipped", "stale", "no_amount")

_OPP_COLUMNS = ["opportunity_id", "customer", "name", "owner", "product", "amount", "stage", "win_rate_override",
                "created", "expected_close", "status", "closed_date", "last_change", "amount_estimated"]
UNASSIGNED = ("未分配", "unassigned")


# ---------------------------------------------------------------------------
# Configuration helpers
# ---------------------------------------------------------------------------
def _fc(client: Client) -> dict[str, Any]:
    return client.config.section("forecast")


def milestone_keys(config) -> list[str]:
    """The milestone keys of the configuration (``month``, ``quarter``...)."""
    return [m["key"] for m in config.section("forecast").get("milestones", [])]


def open_stages(config) -> list[dict[str, Any]]:
    """Open stages of the configuration, in step order."""
    st = [s for s in config.stages() if s["status"] == "open"]
    return sorted(st, key=lambda s: (s.get("step") is None, s.get("step") or 0))


def rates_by_stage(client: Client, rates: Mapping[str, float] | None = None) -> dict[str, float]:
    """The win rate of each stage: the configured ones, with ``rates`` (checked) replacing some."""
    out = client.config.stage_rates()
    if rates:
        unknown = sorted(set(rates) - set(out))
        if unknown:
            raise ValueError(f"unknown stage(s) in the win rates: {', '.join(unknown)}; "
                             f"known stages: {', '.join(out)}")
        for k, v in rates.items():
            if v is None or not (0 <= float(v) <= 1):
                raise ValueError(f"the win rate of stage {k!r} must be a number from 0 to 1, not {v!r}")
            out[k] = float(v)
    return out


def stage_table(config, lang: str = "zh", rates: Mapping[str, float] | None = None) -> pd.DataFrame:
    """The stages of the win-rate model as a table to show: step, stage, win rate, where the
    rate comes from, and the outcome the customer can verify to enter the stage.

    >>> from kalib import default_config
    >>> t = stage_table(default_config(), "en")
    >>> t.index.name, t.loc["Qualified"].tolist()[:2]
    ('Stage', [4, '50%'])
    """
    check_lang(lang)
    default_src = config.section("stages").get("source", "default")
    rows = []
    for st in config.stages():
        rate = (rates or {}).get(st["key"], st["win_rate"])
        src = "client" if st["key"] in (rates or {}) else st.get("source", default_src)
        rows.append({
            tr(lang, "阶段", "Stage"): config.label(st, lang),
            tr(lang, "步", "Step"): st.get("step") if st.get("step") is not None else "–",
            tr(lang, "赢率", "Win rate"): fmt_pct(rate),
            tr(lang, "来源", "Source"): source_name(src, lang),
            tr(lang, "进入该阶段的可验证结果", "Verifiable outcome to enter it"):
                st.get(f"outcome_{lang}") or st.get("outcome_en") or "",
        })
    return pd.DataFrame(rows).set_index(tr(lang, "阶段", "Stage"))


def _calendar_milestone(as_of: pd.Timestamp, months: int, fiscal_start: int) -> tuple[Period, float]:
    offset = (as_of.month - fiscal_start) % 12
    back = offset % months
    start = (as_of - pd.DateOffset(months=back)).replace(day=1)
    end = start + pd.DateOffset(months=months) - pd.Timedelta(days=1)
    fy_end_year = (start + pd.DateOffset(months=12 - (offset - back) - 1)).year
    if months == 12:
        label = str(start.year) if fiscal_start == 1 else f"FY{fy_end_year}"
    elif months == 1:
        label = f"{start:%Y-%m}"
    else:
        n = (offset - back) // months + 1
        tag = {3: "Q", 6: "H"}.get(months, f"P{months}-")
        label = f"{start.year}-{tag}{n}" if fiscal_start == 1 else f"FY{fy_end_year}-{tag}{n}"
    return Period(pd.Timestamp(start), pd.Timestamp(end), label), months / 12


def milestone_period(as_of: pd.Timestamp, milestone: str, *, fiscal_start: int = 1,
                     config=None) -> tuple[Period, float]:
    """The period that ends at the next milestone, and its share of a year.

    A milestone (``month``, ``quarter``, ``half``, ``year``; from the
    configuration) is the end of the month, (fiscal) quarter, half or year that
    contains ``as_of``; the period starts where that month/quarter/year starts.
    When ``as_of`` is that period's last day, the milestone is already reached:
    the next period is used (the next milestone still ahead).
    Any period text :func:`kalib.client.parse_period` reads (``2024-Q3``) is
    accepted too.  The share of a year scales the yearly sales target.

    >>> p, share = milestone_period(pd.Timestamp("2024-05-31"), "quarter")
    >>> p.label, str(p.start.date()), str(p.end.date()), share
    ('2024-Q2', '2024-04-01', '2024-06-30', 0.25)
    >>> p, share = milestone_period(pd.Timestamp("2024-05-31"), "year", fiscal_start=4)
    >>> p.label, str(p.end.date()), share
    ('FY2025', '2025-03-31', 1.0)
    >>> milestone_period(pd.Timestamp("2024-12-31"), "quarter")[0].label  # the last day: the next one
    '2025-Q1'
    """
    from .config import default_config

    cfg = config or default_config()
    spec = {m["key"]: m for m in cfg.section("forecast").get("milestones", [])}
    as_of = pd.Timestamp(as_of).normalize()
    if milestone in spec:
        months = int(spec[milestone]["months"])
        p, share = _calendar_milestone(as_of, months, fiscal_start)
        if p.end == as_of:
            p, share = _calendar_milestone(as_of + pd.Timedelta(days=1), months, fiscal_start)
        return p, share
    try:
        p = parse_period(milestone, as_of=as_of, fiscal_start=fiscal_start)
    except ValueError:
        raise ValueError(f"unknown milestone {milestone!r}: use one of {', '.join(spec)} "
                         "or a period such as 2024-Q3") from None
    if p.start.day == 1 and (p.end + pd.Timedelta(days=1)).day == 1:
        months = (p.end.year - p.start.year) * 12 + p.end.month - p.start.month + 1
        return p, months / 12
    return p, p.days / 365.25


# ---------------------------------------------------------------------------
# The win-rate model
# ---------------------------------------------------------------------------
def win_rate_model(client: Client, *, rates: Mapping[str, float] | None = None,
                   use_overrides: bool = True) -> pd.DataFrame:
    """Every opportunity placed in the win-rate model (赢率模型).

    Parameters
    ----------
    client
        A client with an ``opportunities`` table (columns ``opportunity_id``,
        ``stage``, ``status``, ``amount``, ``win_rate_override``,
        ``expected_close``...).
    rates
        Win rates by stage key replacing the configured ones (e.g. learned
        rates, or a coach's what-if); stages not named keep the configured rate.
    use_overrides
        Whether a rep's own win rate (``win_rate_override``) is the rate in force.

    Returns
    -------
    DataFrame
        One row per opportunity: the canonical columns plus ``step``,
        ``stage_rate`` (the stage's rate), ``override`` (the rep's, NaN when
        none), ``win_rate`` (in force: the override when present, else the stage
        rate; 1 for won and 0 for lost deals), ``rate_source``
        (``override``/``stage``/``closed``), ``weighted`` (amount × win rate;
        NaN when the amount is missing), ``category`` (commit / best_case /
        pipeline for open deals by the configured thresholds, ``closed`` for
        won, ``lost``), ``overdue`` (open and past its expected close at
        ``client.as_of``) and ``no_amount``.
    """
    opp = client.table("opportunities", purpose="the win-rate model (赢率模型)")
    cfg = client.config
    stage_rates = rates_by_stage(client, rates)
    keys = list(stage_rates)
    steps = {s["key"]: s.get("step") for s in cfg.stages()}
    cols = [c for c in _OPP_COLUMNS if c in opp.columns]
    df = opp[cols].reset_index(drop=True)
    status = df["status"].to_numpy(dtype=object)
    is_open, is_won, is_lost = status == "open", status == "won", status == "lost"
    code = pd.Index(keys).get_indexer(df["stage"])
    known = code >= 0
    stage_rate = np.where(known, np.array([stage_rates[k] for k in keys] + [np.nan])[code], np.nan)
    step = np.array([steps.get(k) if steps.get(k) is not None else np.nan for k in keys] + [np.nan],
                    dtype="float64")[code]
    override = np.where(is_open, df["win_rate_override"].to_numpy(dtype="float64"), np.nan)
    has_ov = ~np.isnan(override) & bool(use_overrides)
    rate = np.where(is_won, 1.0, np.where(is_open, np.where(has_ov, override, stage_rate), 0.0))
    amount = df["amount"].to_numpy(dtype="float64")
    cats = sorted(_fc(client)["categories"], key=lambda c: -float(c["min_win_rate"]))
    conds = [is_won, is_lost] + [is_open & (rate >= float(c["min_win_rate"])) for c in cats]
    category = np.select(conds, ["closed", "lost"] + [c["key"] for c in cats], default=None)
    close = df["expected_close"].to_numpy(dtype="datetime64[ns]")
    as_of = np.datetime64(client.as_of.normalize(), "ns")
    extra = pd.DataFrame({
        "step": step, "stage_rate": stage_rate, "override": override, "win_rate": rate,
        "rate_source": pd.array(np.where(is_open, np.where(has_ov, "override", "stage"), "closed"), dtype="str"),
        "weighted": amount * rate, "category": pd.array(category, dtype="str"),
        "overdue": is_open & ~np.isnat(close) & (close < as_of), "no_amount": np.isnan(amount),
    }, index=df.index)
    out = pd.concat([df, extra], axis=1)
    out.attrs = {}  # attrs are deep-copied by every pandas operation: keep the model light
    return out


def _snapshots(client: Client) -> pd.DataFrame | None:
    """Snapshots taken up to the as-of date, or None."""
    if not client.has("snapshots"):
        return None
    s = client.tables["snapshots"]
    s = s.loc[s["snapshot_date"].notna() & (s["snapshot_date"] <= client.as_of)]
    return s if len(s) else None


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
        # The snapshot rows of the open deals, each with the deal's current stage and its position in ``o``.
        current = o[["opportunity_id", "stage"]].assign(deal=np.arange(len(o)))
        history = snaps[["opportunity_id", "snapshot_date", "stage", "expected_close"]].merge(
            current, on="opportunity_id", suffixes=("", "_now"))
        day = history["snapshot_date"].astype("datetime64[ns]")
        differs = history["stage"].fillna("") != history["stage_now"].fillna("")
        deal = history["deal"]
        last_other = day.where(differs).groupby(deal).transform("max")  # the last snapshot at another stage
        after = ~differs & (last_other.isna() | (day > last_other))
        runs = pd.DataFrame({
            "run_start": day.where(after).groupby(deal).min(),  # the current run at the current stage
            "latest": day.groupby(deal).max(), "first_seen": day.groupby(deal).min(),
            "last_same": day.where(~differs).groupby(deal).max()})
        runs = runs.reindex(range(len(o))).set_axis(o.index)
        # The latest snapshot of the deal must show the current stage, else it changed after it.
        ok = runs["run_start"].notna() & (runs["last_same"] == runs["latest"])
        snap_since = runs["run_start"].where(ok)
        # A run that starts at the deal's first snapshot only bounds the stage's start: a last change
        # before it (no stage change can come after the last change) is the better bound.
        open_start = ok & (runs["run_start"] == runs["first_seen"]) & (o["last_change"] < snap_since)
        since = since.fillna(snap_since.mask(open_start, o["last_change"]))
        basis = basis.mask(since.notna(), "snapshots")
        # Slipped: compare with the reference snapshot.
        dates = np.sort(snaps["snapshot_date"].unique())
        limit = as_of - pd.Timedelta(days=int(fc["slip_lookback_days"]))
        earlier = dates[dates <= np.datetime64(limit)]
        ref_date = earlier.max() if len(earlier) else (dates.min() if dates.min() < np.datetime64(as_of) else None)
        if ref_date is not None:
            at_ref = history.loc[day == pd.Timestamp(ref_date)].set_index("deal")["expected_close"]
            ref_close = at_ref.reindex(range(len(o))).set_axis(o.index).astype("datetime64[ns]")
            cur_close = o["expected_close"].astype("datetime64[ns]")
            slipped = (cur_close > ref_close).astype("boolean")
            slipped = slipped.mask(cur_close.isna() & ref_close.notna(), pd.NA)
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


def _teams(client: Client) -> dict[str, str] | None:
    if not client.has("salespeople"):
        return None
    sp = client.tables["salespeople"]
    if "team" not in sp or sp["team"].isna().all():
        return None
    sp = sp.loc[sp["team"].notna()]
    return dict(zip(sp["salesperson"], sp["team"]))


def select_reps(client: Client, model: pd.DataFrame, *, rep: str | Iterable[str] | None = None,
                team: str | Iterable[str] | None = None) -> tuple[pd.DataFrame, float | None]:
    """The model's opportunities of some salespeople (``rep``) or teams (``team``), and their
    yearly target: the sum of their quotas from the salespeople table (None when any of
    them has no quota, or without that table).  Unknown names raise ``ValueError``.

    >>> import pandas as pd
    >>> from kalib import Client
    >>> c = Client.from_frames({"opportunities": pd.DataFrame({
    ...     "opportunity_id": ["A", "B"], "owner": ["Li", "Wang"], "stage": ["qualified", "won"],
    ...     "amount": [1e6, 2e6]}), "salespeople": pd.DataFrame({
    ...     "salesperson": ["Li", "Wang"], "team": ["East", "West"], "quota": [5e6, 6e6]})})
    >>> m, target = select_reps(c, win_rate_model(c), team="West")
    >>> m["opportunity_id"].tolist(), target
    (['B'], 6000000.0)
    """
    known = sorted(set(model["owner"].dropna()))
    owners: list[str] = []
    if rep is not None:
        reps = [rep] if isinstance(rep, str) else list(rep)
        bad = [r for r in reps if r not in known]
        if bad:
            raise ValueError(f"unknown salesperson(s) {', '.join(map(repr, bad))}; known: {', '.join(known)}")
        owners += reps
    if team is not None:
        tms = [team] if isinstance(team, str) else list(team)
        teams = _teams(client)
        if not teams:
            raise MissingData("filtering by team needs the salespeople table with a team column (销售人员·团队)",
                              zh="按团队筛选需要销售人员表里的“团队”一列。")
        names = sorted(set(teams.values()))
        bad = [t for t in tms if t not in names]
        if bad:
            raise ValueError(f"unknown team(s) {', '.join(map(repr, bad))}; known: {', '.join(names)}")
        owners += [p for p, t in teams.items() if t in tms]
    if rep is None and team is None:
        return model, client.meta.sales_target
    owners = sorted(set(owners))
    target = None
    if client.has("salespeople") and "quota" in client.tables["salespeople"]:
        q = dict(zip(client.tables["salespeople"]["salesperson"], client.tables["salespeople"]["quota"]))
        vals = [q.get(o) for o in owners]
        if vals and all(v is not None and v == v for v in vals):
            target = float(sum(vals))
    return model.loc[model["owner"].isin(owners)], target


def board1(client: Client, *, rep: str | Iterable[str] | None = None, team: str | Iterable[str] | None = None,
           rates: Mapping[str, float] | None = None, model: pd.DataFrame | None = None) -> pd.DataFrame:
    """Board 1, the key-opportunity tracking board (重要销售机会跟进看板).

    One row per open opportunity: ``owner``, ``team``, ``customer``, ``name``,
    ``opportunity_id``, ``product``, ``amount``, ``stage``, ``stage_rate``,
    ``override``, ``win_rate``, ``weighted``, ``category``, ``expected_close``,
    ``days_in_stage``, ``last_change``, the flags ``overdue``, ``slipped``,
    ``stale``, ``override_used`` and ``no_amount``, ``flags`` (their keys, joined
    by commas) and ``attention`` (overdue, slipped, stale or no amount).

    Sorted so a manager sees what matters first: by salesperson; within each,
    deals that need attention first, then by weighted amount (largest first;
    deals with no amount at the end of their group by amount).

    Parameters
    ----------
    rep, team
        Keep only these salespeople (``owner``) or teams (from the salespeople
        table).  An unknown name raises ``ValueError`` listing the known ones.
    rates
        Win rates by stage replacing the configured ones.
    """
    model = win_rate_model(client, rates=rates) if model is None else model
    flags = deal_flags(client, model)
    o = model.loc[model["status"] == "open"]
    teams = _teams(client)
    b = pd.DataFrame({
        "owner": o["owner"],
        "team": o["owner"].map(teams) if teams else pd.Series(pd.NA, index=o.index, dtype="str"),
        "customer": o["customer"], "name": o["name"], "opportunity_id": o["opportunity_id"],
        "product": o["product"], "amount": o["amount"], "stage": o["stage"], "step": o["step"],
        "stage_rate": o["stage_rate"], "override": o["override"], "win_rate": o["win_rate"],
        "weighted": o["weighted"], "category": o["category"], "expected_close": o["expected_close"],
        "days_in_stage": flags["days_in_stage"], "last_change": o["last_change"],
        "overdue": flags["overdue"], "slipped": flags["slipped"], "stale": flags["stale"],
        "override_used": flags["override"], "no_amount": flags["no_amount"],
    })
    b["team"] = b["team"].astype("str")
    if rep is not None:
        reps = [rep] if isinstance(rep, str) else list(rep)
        known = sorted(model["owner"].dropna().unique())
        bad = [r for r in reps if r not in known]
        if bad:
            raise ValueError(f"unknown salesperson(s) {', '.join(map(repr, bad))}; known: {', '.join(known)}")
        b = b.loc[b["owner"].isin(reps)]
    if team is not None:
        tms = [team] if isinstance(team, str) else list(team)
        if not teams:
            raise MissingData("filtering by team needs the salespeople table with a team column (销售人员·团队)",
                              zh="按团队筛选需要销售人员表里的“团队”一列。")
        known = sorted(set(teams.values()))
        bad = [t for t in tms if t not in known]
        if bad:
            raise ValueError(f"unknown team(s) {', '.join(map(repr, bad))}; known: {', '.join(known)}")
        b = b.loc[b["team"].isin(tms)]
    keys = ["overdue", "slipped", "stale", "override_used", "no_amount"]
    names = {"override_used": "override"}
    flag_text = pd.Series("", index=b.index, dtype="str")
    for k in keys:
        hit = b[k].fillna(False).astype(bool)
        flag_text = flag_text.mask(hit, flag_text.where(flag_text == "", flag_text + ",") + names.get(k, k))
    b["flags"] = flag_text
    att = np.zeros(len(b), dtype=bool)
    for k in _ATTENTION:
        att |= b[k].fillna(False).astype(bool).to_numpy()
    b["attention"] = att
    b = b.assign(_owner=b["owner"].fillna("\uffff"), _w=b["weighted"].fillna(-1.0), _a=b["amount"].fillna(-1.0))
    b = b.sort_values(["_owner", "attention", "_w", "_a", "opportunity_id"],
                      ascending=[True, False, False, False, True], kind="stable")
    return b.drop(columns=["_owner", "_w", "_a"]).reset_index(drop=True)


def board1_display(board: pd.DataFrame, config, lang: str = "zh") -> pd.DataFrame:
    """Board 1 with headers, stage names, percentages and flags in ``lang`` (for showing, not computing).

    The rate column shows a rep's override as such: ``80% (stage 60%)``.
    """
    check_lang(lang)
    stage_name = {s["key"]: config.label(s, lang) for s in config.stages()}
    cat_name = {c["key"]: config.label(c, lang) for c in config.section("forecast")["categories"]}
    flag_name = {k: tr(lang, v[0], v[1]) for k, v in FLAGS.items()}

    def rate_text(row) -> str:
        if pd.notna(row["override"]):
            return f"{fmt_pct(row['override'])} ({tr(lang, '阶段', 'stage')} {fmt_pct(row['stage_rate'])})"
        return fmt_pct(row["stage_rate"])

    def flags_text(s: str) -> str:
        return "、".join(flag_name[f] for f in s.split(",") if f) if lang == "zh" else \
            ", ".join(flag_name[f] for f in s.split(",") if f)

    out = pd.DataFrame({
        tr(lang, "销售员", "Salesperson"): board["owner"].fillna(tr(lang, *UNASSIGNED)),
        tr(lang, "客户", "Customer"): board["customer"],
        tr(lang, "机会", "Opportunity"): board["name"].fillna(board["opportunity_id"]),
        tr(lang, "金额", "Amount"): board["amount"].map(lambda x: fmt_rmb(x, lang)),
        tr(lang, "阶段", "Stage"): board["stage"].map(stage_name),
        tr(lang, "赢率", "Win rate"): board.apply(rate_text, axis=1) if len(board) else pd.Series(dtype="str"),
        tr(lang, "加权金额", "Weighted"): board["weighted"].map(lambda x: fmt_rmb(x, lang)),
        tr(lang, "预测类别", "Category"): board["category"].map(cat_name),
        tr(lang, "预计成交", "Expected close"): board["expected_close"].dt.strftime("%Y-%m-%d").fillna(MISSING),
        tr(lang, "本阶段天数", "Days in stage"): board["days_in_stage"].map(lambda d: fmt_days(d, lang)),
        tr(lang, "最后更新", "Last change"): board["last_change"].dt.strftime("%Y-%m-%d").fillna(MISSING),
        tr(lang, "提示", "Flags"): board["flags"].map(flags_text),
    })
    out.index = pd.Index(board["opportunity_id"].astype(str), name=tr(lang, "机会编号", "Deal ID"))
    return out


# ---------------------------------------------------------------------------
# Board 2
# ---------------------------------------------------------------------------
def own_win_rate(client: Client, model: pd.DataFrame | None = None) -> dict[str, Any]:
    """The client's own win rate: won ÷ (won + lost), by count, over deals closed in the
    ``forecast.win_rate_window_days`` up to the as-of date (all closed deals when none
    closed in that window).  Deals we withdrew from (放弃/NoGo) are left out unless
    ``indicators.win_rate.abandoned.count_as_lost`` is true (:meth:`Config.withdrawn_stages`).

    Returns a dict with ``rate`` (None when no deal has closed), ``won``, ``lost``, ``withdrawn``
    (closed deals left out),
    ``basis`` (``window`` or ``all``) and ``required_coverage``: the pipeline coverage the
    client needs, closed deals ÷ won deals (won, lost and withdrawn all left the pipeline, so a
    withdrawn deal leaves the win rate but not the coverage: 1 ÷ rate when none was withdrawn;
    None when nothing was won).
    """
    model = win_rate_model(client) if model is None else model
    as_of = client.as_of.normalize()
    days = int(_fc(client)["win_rate_window_days"])
    status = model["status"].to_numpy(dtype=object)
    when = model["closed_date"].to_numpy(dtype="datetime64[ns]")
    withdrawn = model["stage"].isin(client.config.withdrawn_stages()).to_numpy(dtype=bool)
    is_won, is_lost = status == "won", (status == "lost") & ~withdrawn
    end = np.datetime64(as_of, "ns")
    window = ~np.isnat(when) & (when > end - np.timedelta64(days, "D")) & (when <= end)
    basis = "window"
    if not (window & (is_won | is_lost)).any():
        window, basis = np.isnat(when) | (when <= end), "all"
    won, lost = int((window & is_won).sum()), int((window & is_lost).sum())
    left_out = int((window & withdrawn).sum())
    rate = won / (won + lost) if won + lost else None
    return {"rate": rate, "won": won, "lost": lost, "withdrawn": left_out, "basis": basis, "window_days": days,
            "required_coverage": (won + lost + left_out) / won if won else None}


def _close_codes(close: np.ndarray, as_of: pd.Timestamp, months: int) -> tuple[np.ndarray, list[str]]:
    """Close-period column of each deal (as a code into the returned labels): ``overdue``
    (before ``as_of``), ``YYYY-MM`` for ``months`` months from the as-of month, ``later``,
    ``no date``."""
    close = np.asarray(close, dtype="datetime64[ns]")
    first = np.datetime64(as_of.normalize(), "M")
    labels = [str(first + i) for i in range(months)]
    nat = np.isnat(close)
    offset = (close.astype("datetime64[M]") - first).astype("int64")
    code = np.where(offset >= months, months + 1, offset + 1)
    code = np.where(close < np.datetime64(as_of.normalize(), "ns"), 0, code)
    code = np.where(nat, months + 2, code)
    return code.astype(np.intp), ["overdue", *labels, "later", "no date"]


def _close_bucket(close: pd.Series, as_of: pd.Timestamp, months: int) -> tuple[pd.Series, list[str]]:
    code, labels = _close_codes(close.to_numpy(dtype="datetime64[ns]"), as_of, months)
    return pd.Series(np.asarray(labels, dtype=object)[code], index=close.index, dtype="str"), labels


def stage_period_matrix(model: pd.DataFrame, config, as_of: pd.Timestamp, months: int) -> dict[str, pd.DataFrame]:
    """Board 2's matrix of open deals: stage (rows, step order) × close period (columns).

    Returns ``{"count": ..., "amount": ..., "weighted": ...}``; amounts sum the
    deals that have one (deals with no amount are in ``count`` only).  Columns:
    ``overdue`` (expected close before ``as_of``), each month from the as-of
    month, ``later``, ``no date``; a ``total`` row and column are added.
    """
    deals = model.loc[model["status"] == "open"]
    close, periods = _close_bucket(deals["expected_close"], as_of, months)
    stages = [s["key"] for s in open_stages(config)]
    table = pd.DataFrame({"stage": deals["stage"], "close": close, "count": 1, "amount": deals["amount"],
                          "weighted": deals["weighted"]})
    table = table.loc[table["stage"].isin(stages)]
    sums = table.pivot_table(index="stage", columns="close", values=["count", "amount", "weighted"], aggfunc="sum",
                             fill_value=0)
    out = {}
    for what in ("count", "amount", "weighted"):
        t = sums[what] if len(sums) else pd.DataFrame()
        t = t.reindex(index=pd.Index(stages, name="stage"), columns=pd.Index(periods, name="close"), fill_value=0)
        t = t.astype("int64" if what == "count" else "float64")
        t["total"] = t.sum(axis=1)
        t = pd.concat([t, t.sum().to_frame("total").T]).rename_axis(index="stage", columns="close")
        out[what] = t
    return out


def _per_group(key: pd.Series, per_deal: pd.DataFrame) -> pd.DataFrame:
    """Board 2's totals of open and won deals per salesperson, team or product (``key``; none:
    "unassigned"), for the groups with an open deal or a win, the largest projected result first."""
    g = per_deal.groupby(key.fillna(UNASSIGNED[1]).rename("key"), sort=True).sum()
    g["projected"] = g["won_so_far"] + g["expected"]
    g = g.loc[(g["open_count"] > 0) | (g["won_so_far"] > 0)]
    return g.sort_values("projected", ascending=False, kind="stable")


@dataclass
class Dashboard:
    """Board 2, the dynamic performance dashboard (销售业绩动态仪表盘), for one milestone.

    Amounts in RMB.  ``target`` is None when the client has no sales target
    (``target_note`` says so); ``coverage`` is None when it cannot be computed
    (``notes`` say why).  Tables: ``matrix`` (count/amount/weighted),
    ``categories``, ``by_rep``, ``by_team`` (None without teams), ``by_product``,
    ``production`` (expected volume by product and month), ``no_amount`` (the
    open deals with no amount, listed).
    """

    client: str
    as_of: pd.Timestamp
    milestone: str
    period: Period
    year_share: float
    target_year: float | None
    target: float | None
    won_so_far: float
    won_count: int
    expected: float
    milestone_amount: float
    milestone_count: int
    projected: float
    gap: float | None
    remaining: float | None
    coverage: float | None
    own_win_rate: float | None
    coverage_required: float | None
    open_count: int
    open_amount: float
    weighted_total: float
    overdue_count: int
    overdue_amount: float
    no_amount_count: int
    no_close_date_count: int
    override_count: int
    #: Open deals whose amount is their product's list price (client.yml ``amount_from_list_price``).
    estimated_count: int
    estimated_amount: float
    matrix: dict[str, pd.DataFrame] = field(repr=False)
    categories: pd.DataFrame = field(repr=False)
    by_rep: pd.DataFrame = field(repr=False)
    by_team: pd.DataFrame | None = field(repr=False)
    by_product: pd.DataFrame = field(repr=False)
    production: pd.DataFrame = field(repr=False)
    no_amount: pd.DataFrame = field(repr=False)
    win_rate_basis: dict[str, Any] = field(default_factory=dict, repr=False)
    rates: dict[str, float] = field(default_factory=dict, repr=False)
    notes: list[tuple[str, str]] = field(default_factory=list, repr=False)
    config: Any = field(default=None, repr=False, compare=False)

    def totals(self) -> dict[str, Any]:
        """The headline numbers (JSON-friendly)."""
        return {
            "as_of": self.as_of.date().isoformat(), "milestone": self.milestone, "period": self.period.to_dict(),
            "target_year": self.target_year, "target": self.target, "won_so_far": self.won_so_far,
            "won_count": self.won_count, "expected": self.expected, "projected": self.projected,
            "gap": self.gap, "remaining": self.remaining, "milestone_amount": self.milestone_amount,
            "milestone_count": self.milestone_count, "coverage": self.coverage,
            "own_win_rate": self.own_win_rate, "coverage_required": self.coverage_required,
            "open_count": self.open_count, "open_amount": self.open_amount, "weighted_total": self.weighted_total,
            "overdue_count": self.overdue_count, "overdue_amount": self.overdue_amount,
            "no_amount_count": self.no_amount_count, "no_close_date_count": self.no_close_date_count,
            "override_count": self.override_count,
            "estimated_count": self.estimated_count, "estimated_amount": self.estimated_amount,
        }

    def frame(self, which: str = "by_rep", lang: str = "zh") -> pd.DataFrame | None:
        """A table of the dashboard with headers in ``lang`` and amounts in 万元 (zh) or
        thousand RMB (en), for showing: ``by_rep``, ``by_team``, ``by_product``,
        ``categories`` or ``production``.  None when the table is not available
        (``by_team`` without teams)."""
        check_lang(lang)
        df = getattr(self, which)
        if df is None:
            return None
        scale, unit = (1e4, "万元") if lang == "zh" else (1e3, "RMB k")
        names = {
            "open_count": tr(lang, "在跟数", "Open deals"), "count": tr(lang, "数量", "Deals"),
            "open_amount": tr(lang, f"在跟金额（{unit}）", f"Open amount ({unit})"),
            "amount": tr(lang, f"金额（{unit}）", f"Amount ({unit})"),
            "weighted": tr(lang, f"加权金额（{unit}）", f"Weighted ({unit})"),
            "milestone_amount": tr(lang, f"节点内金额（{unit}）", f"Due by milestone ({unit})"),
            "expected": tr(lang, f"节点预计（{unit}）", f"Expected by milestone ({unit})"),
            "won_so_far": tr(lang, f"已赢单（{unit}）", f"Won so far ({unit})"),
            "projected": tr(lang, f"预计达成（{unit}）", f"Projected ({unit})"),
            "quota": tr(lang, f"节点指标（{unit}）", f"Milestone quota ({unit})"),
            "attainment": tr(lang, "预计完成率", "Projected attainment"),
            "no_amount": tr(lang, "无金额", "No amount"), "overdue": tr(lang, "逾期", "Overdue"),
        }
        out = df.copy()
        for col in out.columns:
            if col in ("open_amount", "amount", "weighted", "milestone_amount", "expected", "won_so_far",
                       "projected", "quota") or which == "production":
                out[col] = out[col].map(lambda v: fmt_wan(v) if lang == "zh" else fmt_num(v / scale))
            elif col in ("open_count", "count", "no_amount", "overdue"):
                out[col] = out[col].map(fmt_num)
        if "attainment" in out:
            out["attainment"] = out["attainment"].map(fmt_pct)
        if which == "categories" and self.config is not None:
            cat = {c["key"]: self.config.label(c, lang) for c in self.config.section("forecast")["categories"]}
            cat["closed"] = tr(lang, "已赢单（节点内）", "Closed won (in the period)")
            out.index = [cat.get(k, k) for k in out.index]
        if which == "production":
            stage_name = {st["key"]: self.config.label(st, lang) for st in self.config.stages()} \
                if self.config is not None else {}
            out.columns = [tr(lang, "逾期", "overdue") if c == "overdue" else stage_name.get(c, c) for c in out.columns]
            out.index.name = tr(lang, f"产品（加权，{unit}）", f"Product (weighted, {unit})")
        else:
            out = out.rename(columns=names)
            label = {"by_rep": tr(lang, "销售员", "Salesperson"), "by_team": tr(lang, "团队", "Team"),
                     "by_product": tr(lang, "产品", "Product"), "categories": tr(lang, "预测类别", "Category")}
            out.index.name = label.get(which, which)
        return out

    def to_dict(self) -> dict[str, Any]:
        def table(df: pd.DataFrame | None) -> Any:
            if df is None:
                return None
            return [{"key": str(k), **{c: _num(v) for c, v in row.items()}} for k, row in df.iterrows()]

        return {
            "client": self.client, **self.totals(), "rates": self.rates,
            "own_win_rate_basis": self.win_rate_basis,
            "categories": table(self.categories), "by_rep": table(self.by_rep), "by_team": table(self.by_team),
            "by_product": table(self.by_product),
            "matrix": {k: {str(r): {str(c): _num(v) for c, v in row.items()} for r, row in t.iterrows()}
                       for k, t in self.matrix.items()},
            "no_amount": self.no_amount["opportunity_id"].tolist(),
            "notes": [en for _, en in self.notes],
        }

    def summary(self, lang: str = "zh") -> str:
        """The dashboard's headline in plain words."""
        check_lang(lang)
        t = lambda zh, en: tr(lang, zh, en)  # noqa: E731
        r = lambda x: fmt_rmb(x, lang)  # noqa: E731
        lines = [t(f"截至 {self.as_of.date()}，节点 {self.period.label}（{self.period.start.date()} 至 {self.period.end.date()}）：",
                   f"As of {self.as_of.date()}, milestone {self.period.label} ({self.period.start.date()} to "
                   f"{self.period.end.date()}):")]
        lines.append(t(f"已赢单 {r(self.won_so_far)}（{self.won_count} 单）+ 在跟机会预计 {r(self.expected)}"
                       f"（{self.milestone_count} 个在跟机会的加权值）= 预计达成 {r(self.projected)}。",
                       f"won so far {r(self.won_so_far)} ({fmt_count(self.won_count, lang, '单', 'deal')}) + expected from the "
                       f"pipeline {r(self.expected)} (weighted value of {fmt_count(self.milestone_count, lang, '', 'open deal')})"
                       " = projected "
                       f"{r(self.projected)}."))
        if self.target is not None:
            pct = self.projected / self.target if self.target else float("nan")
            if self.gap > 0:
                lines.append(t(f"节点目标 {r(self.target)}：预计完成 {fmt_pct(pct)}，缺口 {r(self.gap)}。",
                               f"Milestone target {r(self.target)}: {fmt_pct(pct)} projected, gap {r(self.gap)}."))
            else:
                lines.append(t(f"节点目标 {r(self.target)}：预计完成 {fmt_pct(pct)}，超出 {r(-self.gap)}。",
                               f"Milestone target {r(self.target)}: {fmt_pct(pct)} projected, {r(-self.gap)} "
                               "above it."))
        if self.coverage is not None:
            req = fmt_times(self.coverage_required, lang) if self.coverage_required else t("未知", "unknown")
            withdrawn = int(self.win_rate_basis.get("withdrawn") or 0)
            lines.append(t(f"覆盖率 {fmt_times(self.coverage, lang)}（节点内在跟金额 ÷ 剩余目标）；按本公司赢率 "
                           f"{fmt_pct(self.own_win_rate)} 需要 {req}"
                           + (f"（{withdrawn} 个主动放弃的机会不算丢单，但也曾占着储备，计入所需覆盖率）" if withdrawn else "")
                           + "。",
                           f"Coverage {fmt_times(self.coverage, lang)} (open amount due by the milestone ÷ remaining target); "
                           f"the client's own win rate of {fmt_pct(self.own_win_rate)} needs {req}"
                           + (f" (the {withdrawn} deals we withdrew from are not losses, but they were in the "
                              "pipeline: counted in the coverage needed)" if withdrawn else "") + "."))
        for zh, en in self.notes:
            lines.append(t(zh, en))
        return "\n".join(lines)


def _num(v: Any) -> Any:
    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA:
        return None
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating, float)):
        return float(v)
    if isinstance(v, (np.bool_, bool)):
        return bool(v)
    return v


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
                      f"{fmt_count(len(no_amt), 'en', '', 'open deal')} {'has' if len(no_amt) == 1 else 'have'} no amount: "
                      "not in the weighted total."))
    if won_no_amount:
        notes.append((f"{won_no_amount} 个节点内赢单没有金额：未计入已赢单金额。",
                      f"{fmt_count(won_no_amount, 'en', '', 'deal')} won in the period "
                      f"{'has' if won_no_amount == 1 else 'have'} no amount: not in won so far."))
    no_date = int((is_open & np.isnat(close)).sum())
    if no_date:
        notes.append((f"{no_date} 个在跟机会没有预计成交日期：不计入节点预计。",
                      f"{fmt_count(no_date, 'en', '', 'open deal')} {'has' if no_date == 1 else 'have'} no expected close "
                      "date: not in the milestone's expected amount."))
    estimated = (model["amount_estimated"].to_numpy(dtype=bool, na_value=False)
                 if "amount_estimated" in model else np.zeros(len(model), dtype=bool)) & is_open & ~no_amount
    estimated_amount = float(amount[estimated].sum())
    if estimated.any():
        notes.append((f"{int(estimated.sum())} 个在跟机会没有金额，按产品目录价估算（合计 {fmt_rmb(estimated_amount, 'zh')}），"
                      "已计入在跟金额、加权合计和节点预计。",
                      f"{int(estimated.sum())} open deals have no amount and are valued at their product's list "
                      f"price ({fmt_rmb(estimated_amount, 'en')} in all): counted in the open amount, the weighted "
                      "total and the milestone's expected amount."))
    n_over = int(overdue.sum())
    if n_over:
        notes.append((f"{n_over} 个在跟机会已过预计成交日期（仍计入节点预计，需要核实）。",
                      f"{n_over} open deals are past their expected close date (still counted as "
                      "expected by the milestone: check them)."))

    # Categories (open deals: all and due by the milestone; won in the period as "closed").
    cats = [c["key"] for c in sorted(fc["categories"], key=lambda c: -float(c["min_win_rate"]))]
    open_deals = pd.DataFrame({
        "category": model["category"], "count": 1, "amount": model["amount"], "weighted": model["weighted"],
        "milestone_amount": model["amount"].where(sel), "expected": model["weighted"].where(sel)}).loc[is_open]
    categories = open_deals.groupby("category").sum().reindex(pd.Index(cats, name="category"), fill_value=0)
    categories = categories.astype("float64")
    categories.loc["closed"] = [int(won_in.sum()), won_so_far, won_so_far, won_so_far, won_so_far]
    categories["count"] = categories["count"].astype("int64")

    months_to_end = (period.end.year - as_of.year) * 12 + period.end.month - as_of.month + 1
    months = max(int(fc["matrix_months"]), months_to_end)
    matrix = stage_period_matrix(model, cfg, as_of, months)

    # Per salesperson, team and product: the same totals.
    open_amount = model["amount"].where(is_open)
    open_weighted = model["weighted"].where(is_open)
    per_deal = pd.DataFrame({
        "open_count": is_open, "open_amount": open_amount, "weighted": open_weighted,
        "milestone_amount": open_amount.where(in_period), "expected": open_weighted.where(in_period),
        "won_so_far": model["amount"].where(won_in), "no_amount": is_open & no_amount, "overdue": overdue,
    }, index=model.index).fillna(0.0)
    by_rep = _per_group(model["owner"], per_deal)
    if client.has("salespeople") and "quota" in client.tables["salespeople"]:
        sp = client.tables["salespeople"].dropna(subset=["salesperson"])
        quota = dict(zip(sp["salesperson"], sp["quota"]))
        by_rep["quota"] = np.array([quota.get(r, np.nan) for r in by_rep.index], dtype="float64") * share
        by_rep["attainment"] = by_rep["projected"] / by_rep["quota"]
    teams = _teams(client)
    by_team = _per_group(model["owner"].map(teams), per_deal) if teams else None
    by_product = _per_group(model["product"], per_deal)

    # Production: the weighted amount of open deals per product and month of expected close (and overdue).
    open_model = model.loc[is_open]
    close_month, periods = _close_bucket(open_model["expected_close"], as_of, months)
    production = pd.DataFrame({"product": open_model["product"].fillna(UNASSIGNED[1]), "close": close_month,
                               "weighted": open_model["weighted"]})
    products = pd.Index(np.asarray(production["product"].unique(), dtype=object), name="product").sort_values()
    production = production.pivot_table(index="product", columns="close", values="weighted", aggfunc="sum",
                                         fill_value=0.0)
    production = production.reindex(index=products, columns=pd.Index(periods[:months + 1], name="close"),
                                    fill_value=0.0).astype("float64")
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
        no_amount_count=len(no_amt), no_close_date_count=no_date,
        estimated_count=int(estimated.sum()), estimated_amount=estimated_amount,
        override_count=int((model["rate_source"].to_numpy(dtype=object)[is_open] == "override").sum()),
        matrix=matrix, categories=categories, by_rep=by_rep, by_team=by_team, by_product=by_product,
        production=production, no_amount=no_amt.reset_index(drop=True), win_rate_basis=own,
        rates=rates_by_stage(client, rates), notes=notes, config=cfg,
    )
