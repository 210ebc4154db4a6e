"""The Monday review (周一看板盘点): what changed in the pipeline between two snapshots.

The article: at IBM, "every Monday morning every sales manager reviews each
salesperson's progress against the board based on the win-rate model".  This
module compares two weekly snapshots of the opportunities (the ``snapshots``
table; by default the last two dates up to the as-of date) and says, deal by
deal and rep by rep, what moved:

* **change flags** (a deal may have several): ``new`` (in the later snapshot
  only), ``won`` / ``lost`` (closed between the two), ``removed`` (in the earlier
  snapshot only), ``reopened`` (closed before, open now), ``advanced`` /
  ``moved_back`` (open in both, stage step up / down), ``slipped`` (open in both,
  expected close moved out of the milestone period), ``pulled_in`` (moved into
  it), ``amount_up`` / ``amount_down`` (amount changed; an amount entered
  where there was none counts as up, one erased as down), ``rate_changed``
  (same stage, the rep's override changed);
* **category**: the first flag in that order (``unchanged`` when none);
* **a waterfall** from the earlier weighted pipeline due by the milestone to
  the later one: each deal's change is split into steps that add up exactly
  (new, pulled in, advanced, moved back, rate changed, amount up, amount down,
  slipped, won, lost, removed, reopened);
* **per rep**: the change in expected result (won amount + weighted pipeline
  due by the milestone) and the deals that contributed and detracted most.

Clients without snapshots (or with one) get :class:`kalib.MissingData` saying
what the review needs.

Examples
--------
>>> import pandas as pd
>>> from kalib import Client
>>> snap = pd.DataFrame({
...     "snapshot_date": pd.to_datetime(["2024-06-03"] * 2 + ["2024-06-10"] * 3),
...     "opportunity_id": ["A", "B", "A", "B", "C"], "owner": ["Li"] * 5,
...     "stage": ["validated", "qualified", "qualified", "won", "identified"],
...     "amount": [1e6, 2e6, 1e6, 2e6, 5e5],
...     "expected_close": pd.to_datetime(["2024-06-20"] * 5)})
>>> c = Client.from_frames({"snapshots": snap}, as_of="2024-06-10")
>>> r = review(c)
>>> r.changes[["opportunity_id", "category"]].to_dict("list")
{'opportunity_id': ['A', 'B', 'C'], 'category': ['advanced', 'won', 'new']}
>>> r.start, r.end
(1250000.0, 550000.0)
>>> r.waterfall.set_index("step")["value"].to_dict()["won"]
-1000000.0
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .client import Client, MissingData, Period
from .i18n import check_lang, fmt_num, fmt_rmb, fmt_wan, tr
from .pipeline import milestone_period, rates_by_stage

__all__ = ["CHANGES", "STEPS", "Review", "review", "snapshot_dates"]

#: Change flags in category priority order: key -> (zh, en).
CHANGES: dict[str, tuple[str, str]] = {
    "won": ("赢单", "won"),
    "lost": ("丢单", "lost"),
    "new": ("新增", "new"),
    "removed": ("移除", "removed"),
    "reopened": ("重新打开", "reopened"),
    "advanced": ("推进", "advanced"),
    "moved_back": ("后退", "moved back"),
    "slipped": ("推迟出节点", "slipped"),
    "pulled_in": ("提前进节点", "pulled in"),
    "amount_up": ("金额增加", "amount up"),
    "amount_down": ("金额减少", "amount down"),
    "rate_changed": ("自估赢率变化", "rate changed"),
    "unchanged": ("无变化", "unchanged"),
}
#: Waterfall steps, in the order they are drawn.
STEPS = ["new", "pulled_in", "reopened", "advanced", "moved_back", "rate_changed", "amount_up", "amount_down",
         "slipped", "won", "lost", "removed"]

_COLS = ["opportunity_id", "owner", "customer", "name", "product", "stage", "status", "amount",
         "win_rate_override", "expected_close", "closed_date"]


def snapshot_dates(client: Client) -> list[pd.Timestamp]:
    """The snapshot dates up to the as-of date, oldest first (empty without snapshots)."""
    if not client.has("snapshots"):
        return []
    d = client.tables["snapshots"]["snapshot_date"].dropna()
    d = d[d <= client.as_of]
    return [pd.Timestamp(x) for x in np.sort(d.unique())]


def _pick(dates: list[pd.Timestamp], when: Any, what: str) -> pd.Timestamp:
    """The latest snapshot date on or before ``when``."""
    t = pd.Timestamp(when)
    ok = [d for d in dates if d <= t]
    if not ok:
        raise ValueError(f"no snapshot on or before {what} date {t.date()}; the first snapshot is "
                         f"{dates[0].date()}")
    return ok[-1]


@dataclass
class Review:
    """The Monday review between snapshots ``date_from`` and ``date_to``.

    ``changes``: one row per opportunity in either snapshot (columns with
    ``_a`` from the earlier snapshot, ``_b`` from the later), the change flags,
    ``category``, ``delta`` (its change to the weighted pipeline due by the
    milestone) and ``impact`` (its change to the expected result: won amount +
    weighted pipeline due by the milestone).  ``waterfall``: step, value,
    cumulative end.  ``by_rep``: per salesperson.  ``counts``: deals per flag.
    """

    client: str
    date_from: pd.Timestamp
    date_to: pd.Timestamp
    period: Period
    start: float
    end: float
    won_amount: float
    changes: pd.DataFrame = field(repr=False)
    waterfall: pd.DataFrame = field(repr=False)
    by_rep: pd.DataFrame = field(repr=False)
    counts: dict[str, int] = field(default_factory=dict)
    notes: list[tuple[str, str]] = field(default_factory=list, repr=False)

    def contributors(self, rep: str | None = None, n: int = 5) -> pd.DataFrame:
        """The deals that raised the expected result most (of one rep, or of all)."""
        c = self.changes if rep is None else self.changes.loc[self.changes["owner"] == rep]
        return c.loc[c["impact"] > 0].sort_values("impact", ascending=False).head(n)

    def detractors(self, rep: str | None = None, n: int = 5) -> pd.DataFrame:
        """The deals that lowered the expected result most (of one rep, or of all)."""
        c = self.changes if rep is None else self.changes.loc[self.changes["owner"] == rep]
        return c.loc[c["impact"] < 0].sort_values("impact").head(n)

    def rep_frame(self, lang: str = "zh") -> pd.DataFrame:
        """Per salesperson, for showing: weighted pipeline last week and this week, the change in
        expected result, counts of the main changes, and the top contributor and detractor."""
        check_lang(lang)
        unit = tr(lang, "万元", "RMB k")
        amt = (lambda v: fmt_wan(v)) if lang == "zh" else (lambda v: fmt_num(v / 1e3))  # noqa: E731
        b = self.by_rep
        out = pd.DataFrame({
            tr(lang, f"上周加权（{unit}）", f"Last week, weighted ({unit})"): b["start"].map(amt),
            tr(lang, f"本周加权（{unit}）", f"This week, weighted ({unit})"): b["end"].map(amt),
            tr(lang, f"预计结果变化（{unit}）", f"Change in expected result ({unit})"): b["impact"].map(amt),
            **{tr(lang, *CHANGES[k]): b[k].map(fmt_num) for k in ("won", "lost", "new", "advanced", "moved_back", "slipped")},
        }, index=b.index)
        names = self.changes.set_index("opportunity_id")["name"]
        names = names[~names.index.duplicated()]

        def label(oid: Any) -> Any:
            if oid is None or oid is pd.NA or (isinstance(oid, float) and np.isnan(oid)):
                return "–"
            n = names.get(oid)
            return n if isinstance(n, str) and n else oid

        out[tr(lang, "最大贡献", "Top contributor")] = [label(x) for x in b["top_contributor"]]
        out[tr(lang, "最大拖累", "Top detractor")] = [label(x) for x in b["top_detractor"]]
        out.index.name = tr(lang, "销售员", "Salesperson")
        return out

    def to_dict(self) -> dict[str, Any]:
        def deals(df: pd.DataFrame) -> list[dict[str, Any]]:
            return [{"opportunity_id": r.opportunity_id, "owner": _s(r.owner), "customer": _s(r.customer),
                     "category": r.category, "impact": float(r.impact)} for r in df.itertuples()]

        return {
            "client": self.client, "from": self.date_from.date().isoformat(), "to": self.date_to.date().isoformat(),
            "period": self.period.to_dict(), "start": self.start, "end": self.end, "won_amount": self.won_amount,
            "counts": self.counts,
            "waterfall": [{"step": r.step, "value": float(r.value)} for r in self.waterfall.itertuples()],
            "by_rep": [{"owner": str(k), **{c: (float(v) if isinstance(v, (float, np.floating)) else
                                               (int(v) if isinstance(v, (int, np.integer)) else v))
                                            for c, v in row.items()}} for k, row in self.by_rep.iterrows()],
            "contributors": deals(self.contributors(n=10)), "detractors": deals(self.detractors(n=10)),
            "notes": [en for _, en in self.notes],
        }

    def summary(self, lang: str = "zh") -> str:
        """The review in plain words."""
        check_lang(lang)
        r = lambda x: fmt_rmb(x, lang)  # noqa: E731
        names = {k: tr(lang, *v) for k, v in CHANGES.items()}
        sep = "，" if lang == "zh" else ", "
        counts = sep.join(f"{names[k]} {v}" for k, v in self.counts.items() if v and k != "unchanged")
        lines = [tr(lang, f"周一盘点：{self.date_from.date()} → {self.date_to.date()}（节点 {self.period.label}）",
                    f"Monday review: {self.date_from.date()} → {self.date_to.date()} (milestone {self.period.label})"),
                 tr(lang, f"节点内在跟机会的加权金额 {r(self.start)} → {r(self.end)}（变化 {r(self.end - self.start)}）；"
                          f"本周赢单 {r(self.won_amount)}。",
                    f"Weighted pipeline due by the milestone {r(self.start)} → {r(self.end)} (change "
                    f"{r(self.end - self.start)}); won this week {r(self.won_amount)}."),
                 (tr(lang, "变化：", "Changes: ") + counts) if counts else tr(lang, "没有变化。", "No change.")]
        for zh, en in self.notes:
            lines.append(tr(lang, zh, en))
        return "\n".join(lines)


def _s(v: Any) -> Any:
    return None if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)) else v


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
        have_zh = "一份快照也没有" if not dates else f"只有一份快照（{dates[0].date()}）"
        raise MissingData(
            "the Monday review (周一看板盘点) needs at least two snapshots of the opportunities (机会快照: "
            f"the snapshots table, one copy per week) up to {client.as_of.date()}; this client has {have}. "
            "Save the opportunities list every Monday (with a snapshot_date column) to enable it.",
            zh=f"周一看板盘点需要截至 {client.as_of.date()} 至少两份销售机会快照（机会快照表，每周一份）；这个客户"
               f"{have_zh}。从每周一保存一份销售机会清单（带快照日期一列）开始，就能用上。")
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
    stage_rates = rates_by_stage(client, rates)
    stage_steps = {s["key"]: s.get("step") for s in cfg.stages()}
    snaps = client.tables["snapshots"]
    cols = [c for c in _COLS if c in snaps.columns]
    pair = snaps.loc[snaps["snapshot_date"].isin([a_date, b_date]), ["snapshot_date", *cols]]
    pair = pair.reset_index(drop=True)
    # Deals numbered in the order they first appear (the outer merge below sorts on it); stages,
    # statuses and owners as categories, so merging, comparing and grouping work on small integers.
    pair["deal"] = pd.factorize(pair["opportunity_id"])[0]
    pair["row"] = np.arange(len(pair))
    is_b = (pair["snapshot_date"] == b_date).to_numpy()
    # One row per opportunity and snapshot: every Client is built through kalib.client.normalise, which refuses repeats.
    for col in ("stage", "status"):
        pair[col] = pd.Categorical.from_codes(*pd.factorize(pair[col]))
    owner_key = pd.Categorical.from_codes(*pd.factorize(pair["owner"], sort=True))  # grouped on, by name
    measures = ["deal", "row", "stage", "status", "amount", "win_rate_override", "expected_close"]
    # One row per deal in either snapshot, columns _a (earlier) and _b (later).
    deals = pair.loc[~is_b, measures].merge(pair.loc[is_b, measures], on="deal", how="outer", suffixes=("_a", "_b"))
    in_a = deals["row_a"].notna().to_numpy()
    in_b = deals["row_b"].notna().to_numpy()

    def side(col: str, s: str) -> pd.Series:
        return deals[f"{col}_{s}"]

    status_a, status_b = side("status", "a"), side("status", "b")
    open_a, open_b = (status_a == "open").to_numpy(bool), (status_b == "open").to_numpy(bool)
    won_a, won_b = (status_a == "won").to_numpy(bool), (status_b == "won").to_numpy(bool)
    lost_a, lost_b = (status_a == "lost").to_numpy(bool), (status_b == "lost").to_numpy(bool)
    step_a = side("stage", "a").map(stage_steps).astype("float64").to_numpy()
    step_b = side("stage", "b").map(stage_steps).astype("float64").to_numpy()
    amount_a = side("amount", "a").to_numpy(dtype="float64", na_value=np.nan)
    amount_b = side("amount", "b").to_numpy(dtype="float64", na_value=np.nan)
    amount_a0, amount_b0 = np.nan_to_num(amount_a), np.nan_to_num(amount_b)
    override_a = side("win_rate_override", "a").to_numpy(dtype="float64", na_value=np.nan)
    override_b = side("win_rate_override", "b").to_numpy(dtype="float64", na_value=np.nan)

    def rate(s: str, is_open: np.ndarray, won: np.ndarray, override: np.ndarray) -> np.ndarray:
        """The deal's win rate in snapshot ``s``: the override or the stage's when open, 1 won, 0 else."""
        stage_rate = side("stage", s).map(stage_rates).astype("float64").to_numpy()
        return np.nan_to_num(np.where(is_open, np.where(np.isnan(override), stage_rate, override),
                                      np.where(won, 1.0, 0.0)))

    rate_a, rate_b = rate("a", open_a, won_a, override_a), rate("b", open_b, won_b, override_b)
    close_a = side("expected_close", "a").to_numpy(dtype="datetime64[ns]")
    close_b = side("expected_close", "b").to_numpy(dtype="datetime64[ns]")
    period_end = np.datetime64(period.end, "ns")
    due_a = ~np.isnat(close_a) & (close_a <= period_end)
    due_b = ~np.isnat(close_b) & (close_b <= period_end)
    open_both = open_a & open_b
    same_stage = open_both & (side("stage", "a") == side("stage", "b")).to_numpy(bool)

    # Text columns from the deal's row in the later snapshot when it is in it, else in the earlier one.
    source = side("row", "b").fillna(side("row", "a")).to_numpy(dtype="int64")
    df = pair[["opportunity_id", "owner", "customer", "name"]].iloc[source].reset_index(drop=True)
    for col in ("stage", "status"):
        for s in ("a", "b"):
            df[f"{col}_{s}"] = side(col, s).array
    df["amount_a"], df["amount_b"] = amount_a, amount_b
    df["rate_a"], df["rate_b"] = np.where(in_a, rate_a, np.nan), np.where(in_b, rate_b, np.nan)
    df["expected_close_a"], df["expected_close_b"] = close_a, close_b

    flags = {
        "won": in_b & won_b & ~won_a,
        "lost": in_b & lost_b & ~lost_a,
        "new": in_b & ~in_a,
        "removed": in_a & ~in_b,
        "reopened": in_a & ~open_a & open_b,
        "advanced": open_both & (step_b > step_a),
        "moved_back": open_both & (step_b < step_a),
        "slipped": open_both & due_a & ~due_b,
        "pulled_in": open_both & ~due_a & due_b,
        "amount_up": in_a & in_b & ((amount_b > amount_a) | (np.isnan(amount_a) & ~np.isnan(amount_b))),
        "amount_down": in_a & in_b & ((amount_b < amount_a) | (~np.isnan(amount_a) & np.isnan(amount_b))),
        "rate_changed": same_stage & ~((np.isnan(override_a) & np.isnan(override_b)) | (override_a == override_b)),
    }
    keys = [*flags, "unchanged"]
    category = np.select(list(flags.values()), list(flags), default="unchanged")
    for key, v in flags.items():
        df[key] = v
    df["category"] = pd.Categorical(category, categories=pd.Index(keys, dtype="str"))

    # Weighted pipeline due by the milestone, and the waterfall split.
    counted_a = open_a & due_a
    counted_b = open_b & due_b
    weighted_a = np.where(counted_a, amount_a0 * rate_a, 0.0)
    weighted_b = np.where(counted_b, amount_b0 * rate_b, 0.0)
    enter, leave, stay = ~counted_a & counted_b, counted_a & ~counted_b, counted_a & counted_b
    rate_part = np.where(stay, (rate_b - rate_a) * amount_a0, 0.0)
    amount_part = np.where(stay, (amount_b0 - amount_a0) * rate_b, 0.0)
    parts = {
        "new": np.where(enter & ~in_a, weighted_b, 0.0),
        "pulled_in": np.where(enter & open_a, weighted_b, 0.0),
        "reopened": np.where(enter & in_a & ~open_a, weighted_b, 0.0),
        "advanced": np.where(step_b > step_a, rate_part, 0.0),
        "moved_back": np.where(step_b < step_a, rate_part, 0.0),
        "rate_changed": np.where(~(step_b > step_a) & ~(step_b < step_a), rate_part, 0.0),
        "amount_up": np.where(amount_part > 0, amount_part, 0.0),
        "amount_down": np.where(amount_part < 0, amount_part, 0.0),
        "slipped": np.where(leave & open_b, -weighted_a, 0.0),
        "won": np.where(leave & won_b, -weighted_a, 0.0),
        "lost": np.where(leave & lost_b, -weighted_a, 0.0),
        "removed": np.where(leave & ~in_b, -weighted_a, 0.0),
    }
    df["weighted_a"], df["weighted_b"] = weighted_a, weighted_b
    df["delta"] = weighted_b - weighted_a
    # Expected result: won amount + weighted pipeline due by the milestone.
    df["impact"] = np.where(won_b, amount_b0, weighted_b) - np.where(won_a, amount_a0, weighted_a)

    waterfall = pd.DataFrame({"step": STEPS, "value": [float(parts[k].sum()) for k in STEPS]})
    start, end = float(weighted_a.sum()), float(weighted_b.sum())
    waterfall["end"] = start + waterfall["value"].cumsum()

    # Per salesperson (deals without an owner as "unassigned", last).
    won_amount = np.where(flags["won"], amount_b0, 0.0)
    impact = df["impact"]
    per_deal = pd.DataFrame({
        "owner": owner_key[source], "start": weighted_a, "end": weighted_b, "change": weighted_b - weighted_a,
        "won_amount": won_amount, "impact": impact, "contributed": impact.clip(lower=0.0),
        "detracted": impact.clip(upper=0.0), **flags})
    by_rep = per_deal.groupby("owner", sort=True, dropna=False, observed=True).sum()
    by_rep[list(flags)] = by_rep[list(flags)].astype("int64")
    for col, gains in (("top_contributor", True), ("top_detractor", False)):
        # Per rep, the deal with the largest gain (or loss); the first listed on a tie.
        moved = per_deal.assign(opportunity_id=df["opportunity_id"]).loc[impact > 0 if gains else impact < 0,
                                                                          ["owner", "opportunity_id", "impact"]]
        top = moved.sort_values("impact", ascending=not gains, kind="stable").groupby(
            "owner", dropna=False, observed=True).first()
        by_rep[col] = top["opportunity_id"].reindex(by_rep.index).astype("str")
    by_rep.index = pd.Index(["unassigned" if pd.isna(k) else k for k in by_rep.index.astype(object)], name="owner")
    by_rep = by_rep.sort_values("impact", kind="stable")

    notes: list[tuple[str, str]] = []
    missing = int((counted_a & np.isnan(amount_a)).sum() + (counted_b & np.isnan(amount_b)).sum())
    if missing:
        notes.append((f"{missing} 个节点内在跟机会没有金额：按 0 计入加权金额。",
                      f"{missing} open deals due by the milestone have no amount: counted as 0 in the weighted "
                      "pipeline."))
    counts = {k: int(v.sum()) for k, v in flags.items()}
    counts["unchanged"] = int((category == "unchanged").sum())
    keep = ["opportunity_id", "owner", "customer", "name", "category", *flags, "stage_a", "stage_b", "status_a",
            "status_b", "amount_a", "amount_b", "rate_a", "rate_b", "expected_close_a", "expected_close_b",
            "weighted_a", "weighted_b", "delta", "impact"]
    return Review(client=client.name, date_from=a_date, date_to=b_date, period=period, start=start, end=end,
                  won_amount=float(won_amount.sum()), changes=df[keep], waterfall=waterfall, by_rep=by_rep,
                  counts=counts, notes=notes)
