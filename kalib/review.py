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
from .i18n import check_lang, fmt_rmb, tr
from .pipeline import _stage_rates, milestone_period

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
        scale, unit = (1e4, "万元") if lang == "zh" else (1e3, "k RMB")
        b = self.by_rep
        out = pd.DataFrame({
            tr(lang, f"上周加权（{unit}）", f"Last week, weighted ({unit})"): (b["start"] / scale).round(1),
            tr(lang, f"本周加权（{unit}）", f"This week, weighted ({unit})"): (b["end"] / scale).round(1),
            tr(lang, f"预计结果变化（{unit}）", f"Change in expected result ({unit})"): (b["impact"] / scale).round(1),
            **{tr(lang, *CHANGES[k]): b[k] for k in ("won", "lost", "new", "advanced", "moved_back", "slipped")},
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
                 tr(lang, f"节点内加权管道 {r(self.start)} → {r(self.end)}（变化 {r(self.end - self.start)}）；"
                          f"本周赢单 {r(self.won_amount)}。",
                    f"Weighted pipeline due by the milestone {r(self.start)} → {r(self.end)} (change "
                    f"{r(self.end - self.start)}); won this week {r(self.won_amount)}."),
                 (tr(lang, "变化：", "Changes: ") + counts) if counts else tr(lang, "没有变化。", "No change.")]
        for zh, en in self.notes:
            lines.append(tr(lang, zh, en))
        return "\n".join(lines)


def _s(v: Any) -> Any:
    return None if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)) else v


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
        notes.append((f"{miss} 个节点内在跟机会没有金额：按 0 计入加权管道。",
                      f"{miss} open deals due by the milestone have no amount: counted as 0 in the weighted pipeline."))
    counts = {k: int(v.sum()) for k, v in flags.items()}
    counts["unchanged"] = int((cat_code == len(flags)).sum())
    keep = ["opportunity_id", "owner", "customer", "name", "category", *flags, "stage_a", "stage_b", "status_a",
            "status_b", "amount_a", "amount_b", "rate_a", "rate_b", "expected_close_a", "expected_close_b",
            "weighted_a", "weighted_b", "delta", "impact"]
    return Review(client=client.name, date_from=a_date, date_to=b_date, period=period, start=start, end=end_v,
                  won_amount=float(np.where(flags["won"], amB0, 0.0).sum()), changes=df[keep], waterfall=waterfall,
                  by_rep=by_rep, counts=counts, notes=notes)
