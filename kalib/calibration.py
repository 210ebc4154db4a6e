"""Win rates learned from history (赢率校准): are the configured stage rates right?

The win-rate model is only as good as its rates.  From the weekly snapshots
and the deals' outcomes this module measures, for each open stage, the win
rate actually observed from it, beside the configured one:

* :func:`stage_observations` — one row per (deal, stage) the snapshots saw the
  deal open at, with the configured rate and the deal's outcome (won = 1,
  lost = 0) when it has closed by the as-of date.  A deal we withdrew from
  (放弃/NoGo) counts as 0 here, whatever ``indicators.win_rate.abandoned`` says:
  a stage's rate is the chance of revenue, which a withdrawn deal did not bring;
* :func:`calibrate` — per stage: closed deals observed from it, won, lost, the
  observed rate with a Wilson confidence interval, the configured rate and a
  suggested rate (the observed rate shrunk towards the configured one, kept
  non-decreasing along the steps); a reliability table and the Brier score
  of the configured rates; the time to close from each stage (median and
  quartiles);
* :func:`slip_delays` — how late deals closed compared with the expected close
  date they had at each stage (for the forecast's slip option).

A deal counts once per stage it was observed at (its first snapshot there).
Deals that passed a stage between two snapshots are not observed at it, and
open deals are left out until they close: say so when showing the result.

Clients without snapshots get :class:`kalib.MissingData` saying what is needed.

Examples
--------
>>> import pandas as pd
>>> from kalib import Client
>>> snap = pd.DataFrame({
...     "snapshot_date": pd.to_datetime(["2024-01-01"] * 4 + ["2024-01-08"] * 4),
...     "opportunity_id": list("ABCD") * 2,
...     "stage": ["qualified"] * 4 + ["won", "lost", "won", "qualified"],
...     "amount": [1e6] * 8, "expected_close": pd.to_datetime(["2024-01-05"] * 8)})
>>> c = Client.from_frames({"snapshots": snap}, as_of="2024-01-08")
>>> cal = calibrate(c)
>>> row = cal.table.loc["qualified"]
>>> int(row["closed"]), int(row["won"]), round(float(row["observed"]), 3), float(row["configured"])
(3, 2, 0.667, 0.5)
>>> round(cal.brier_configured, 3)
0.25
"""

from __future__ import annotations

from dataclasses import dataclass, field
from statistics import NormalDist
from typing import Any

import numpy as np
import pandas as pd

from .client import Client, MissingData
from .i18n import check_lang, fmt_days, fmt_num, fmt_pct, tr
from .pipeline import open_stages

__all__ = ["Calibration", "calibrate", "pav_increasing", "slip_delays", "stage_observations", "wilson_interval"]


def wilson_interval(won: np.ndarray | float, n: np.ndarray | float, confidence: float) -> tuple[Any, Any]:
    """Wilson score interval for a proportion ``won / n`` (NaN where ``n`` is 0).

    >>> lo, hi = wilson_interval(8, 10, 0.95)
    >>> round(float(lo), 3), round(float(hi), 3)
    (0.49, 0.943)
    """
    won = np.asarray(won, dtype="float64")
    n = np.asarray(n, dtype="float64")
    z = NormalDist().inv_cdf(1 - (1 - confidence) / 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = won / n
        denom = 1 + z * z / n
        centre = (p + z * z / (2 * n)) / denom
        half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return centre - half, centre + half


def pav_increasing(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Weighted pool-adjacent-violators: the closest non-decreasing sequence.

    >>> pav_increasing(np.array([0.1, 0.3, 0.2, 0.6]), np.array([1, 1, 1, 1])).tolist()
    [0.1, 0.25, 0.25, 0.6]
    """
    blocks: list[list[float]] = []  # [value, weight, count]
    for v, w in zip(np.asarray(values, float), np.asarray(weights, float)):
        blocks.append([v, w, 1])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            v2, w2, c2 = blocks.pop()
            v1, w1, c1 = blocks.pop()
            wt = w1 + w2
            blocks.append([(v1 * w1 + v2 * w2) / wt if wt else (v1 + v2) / 2, wt, c1 + c2])
    out: list[float] = []
    for v, _, c in blocks:
        out.extend([v] * c)
    return np.array(out)


def _need_snapshots(client: Client, what: str) -> pd.DataFrame:
    if not client.has("snapshots"):
        raise MissingData(
            f"{what} needs the snapshots table (机会快照: weekly copies of the opportunities list, with a "
            "snapshot_date column) and deals that have since closed; this client has no snapshots. "
            "Save the opportunities list every Monday to enable it.",
            zh="需要机会快照表（每周一保存一份销售机会清单，带快照日期一列）和之后已经关闭的机会；这个客户没有快照。"
               "从每周一保存销售机会清单开始，就能用上。")
    s = client.tables["snapshots"]
    s = s.loc[s["snapshot_date"].notna() & (s["snapshot_date"] <= client.as_of)]
    if s.empty:
        raise MissingData(f"{what} needs snapshots taken on or before {client.as_of.date()}; there are none.",
                          zh=f"需要 {client.as_of.date()} 或之前的机会快照，现在一份也没有。")
    return s


def _lookup(keys: pd.Series, table: pd.Series) -> pd.Series:
    """``keys.map(table)`` for a uniquely indexed ``table``, safe with empty datetime tables."""
    return pd.Series(table.reindex(keys.to_numpy()).to_numpy(), index=keys.index)


def _outcomes(client: Client, snaps: pd.DataFrame) -> pd.DataFrame:
    """Final status and closed date per deal: the opportunities table when it has the deal, else its
    last snapshot; only outcomes known by the as-of date count."""
    last = snaps.sort_values("snapshot_date", kind="stable").drop_duplicates("opportunity_id", keep="last")
    out = pd.DataFrame({"status": last["status"].to_numpy(), "closed_date": last["closed_date"].to_numpy(),
                        "snap": last["snapshot_date"].to_numpy()},
                       index=pd.Index(last["opportunity_id"].to_numpy(), name="opportunity_id"))
    closed_rows = snaps.loc[snaps["status"] != "open"]
    first_closed = closed_rows.groupby("opportunity_id")["snapshot_date"].min()
    seen_closed = pd.to_datetime(first_closed.reindex(out.index))
    out["closed_date"] = pd.to_datetime(out["closed_date"]).fillna(seen_closed)
    if client.has("opportunities"):
        o = client.tables["opportunities"].drop_duplicates("opportunity_id", keep="last").set_index("opportunity_id")
        common = out.index.intersection(o.index)
        out.loc[common, "status"] = o.loc[common, "status"].to_numpy()
        cd = o.loc[common, "closed_date"]
        out.loc[common, "closed_date"] = cd.fillna(out.loc[common, "closed_date"]).to_numpy()
    as_of = client.as_of
    known = (out["status"] != "open") & (out["closed_date"].isna() | (out["closed_date"] <= as_of))
    out["outcome"] = np.where(known, np.where(out["status"] == "won", 1.0, 0.0), np.nan)
    return out


def stage_observations(client: Client) -> pd.DataFrame:
    """One row per (deal, open stage) seen in the snapshots up to the as-of date.

    Columns: ``opportunity_id``, ``stage``, ``step``, ``first_seen`` (first
    snapshot at that stage), ``configured`` (the stage's configured rate),
    ``override`` (the rep's rate then, NaN when none), ``expected_close`` (then),
    ``outcome`` (1 won, 0 lost, NaN still open or closed after the as-of date),
    ``closed_date``.
    """
    snaps = _need_snapshots(client, "learning win rates from history (赢率校准)")
    cfg = client.config
    rates = cfg.stage_rates()
    steps = {s["key"]: s.get("step") for s in cfg.stages()}
    o = snaps.loc[snaps["status"] == "open", ["opportunity_id", "stage", "snapshot_date", "win_rate_override",
                                                "expected_close"]]
    o = o.sort_values(["opportunity_id", "snapshot_date"], kind="stable")
    first = o.drop_duplicates(["opportunity_id", "stage"], keep="first").rename(columns={
        "snapshot_date": "first_seen", "win_rate_override": "override"})
    first["step"] = first["stage"].map(steps).astype("float64")
    first["configured"] = first["stage"].map(rates).astype("float64")
    outc = _outcomes(client, snaps)
    first["outcome"] = _lookup(first["opportunity_id"], outc["outcome"]).astype("float64")
    first["closed_date"] = pd.to_datetime(_lookup(first["opportunity_id"], outc["closed_date"]))
    cols = ["opportunity_id", "stage", "step", "first_seen", "configured", "override", "expected_close",
            "outcome", "closed_date"]
    return first[cols].reset_index(drop=True)


def slip_delays(client: Client, observations: pd.DataFrame | None = None) -> dict[str, np.ndarray]:
    """Days between the expected close a won deal had at each stage and the day it closed.

    Returns ``{stage: array of days}`` and ``"all"`` (every stage pooled);
    positive means it closed later than expected.  Raises ``MissingData``
    without snapshots.
    """
    obs = stage_observations(client) if observations is None else observations
    won = obs.loc[(obs["outcome"] == 1) & obs["expected_close"].notna() & obs["closed_date"].notna()]
    days = (won["closed_date"] - won["expected_close"]).dt.days.to_numpy(dtype="float64")
    out = {st: days[(won["stage"] == st).to_numpy()] for st in won["stage"].unique()}
    out["all"] = days
    return out


@dataclass
class Calibration:
    """Learned stage win rates, reliability and time to close.

    ``table`` (index: open stage keys in step order): ``configured``,
    ``closed``, ``won``, ``lost``, ``observed``, ``ci_low``, ``ci_high``,
    ``suggested``, ``enough`` (at least ``forecast.min_deals`` closed deals),
    ``open_now`` (deals open at that stage in the latest snapshot).
    ``reliability``: per distinct configured rate, ``n``, ``observed``, CI.
    ``time_to_close``: per stage, days from first seen at the stage to the close
    (``won_*`` for won deals, ``closed_*`` for all), n / median / p25 / p75.
    """

    client: str
    table: pd.DataFrame
    reliability: pd.DataFrame
    time_to_close: pd.DataFrame
    brier_configured: float | None
    brier_suggested: float | None
    brier_base: float | None
    brier_override: float | None
    n_observations: int
    n_deals: int
    first_snapshot: pd.Timestamp
    last_snapshot: pd.Timestamp
    confidence: float
    prior_deals: float
    labels: dict[str, tuple[str, str]] = field(default_factory=dict, repr=False)
    notes: list[tuple[str, str]] = field(default_factory=list, repr=False)

    def frame(self, which: str = "stages", lang: str = "zh") -> pd.DataFrame:
        """A table for showing, headers in ``lang``: ``stages`` (configured, observed with its
        interval, suggested, closed deals) or ``time_to_close`` (days, won deals and all closed)."""
        check_lang(lang)
        names = [tr(lang, *self.labels.get(k, (k, k))) for k in self.table.index]
        if which == "stages":
            t = self.table
            out = pd.DataFrame({
                tr(lang, "配置赢率", "Configured"): t["configured"].map(fmt_pct),
                tr(lang, "实际赢率", "Observed"): t["observed"].map(fmt_pct),
                tr(lang, f"{fmt_pct(self.confidence)} 区间", f"{fmt_pct(self.confidence)} interval"):
                    [f"{fmt_pct(lo)}–{fmt_pct(hi)}" if lo == lo else "–" for lo, hi in zip(t["ci_low"], t["ci_high"])],
                tr(lang, "建议赢率", "Suggested"): t["suggested"].map(fmt_pct),
                tr(lang, "已关闭（赢/丢）", "Closed (won/lost)"):
                    [f"{fmt_num(c)} ({fmt_num(w)}/{fmt_num(l)})" for c, w, l in zip(t["closed"], t["won"], t["lost"])],
                tr(lang, "目前在跟", "Open now"): t["open_now"].map(fmt_num),
            })
        elif which == "time_to_close":
            t = self.time_to_close
            out = pd.DataFrame({
                tr(lang, "赢单数", "Won"): t["won_n"].map(fmt_num),
                tr(lang, "到赢单天数（中位数）", "Days to win (median)"): t["won_median"].map(lambda d: fmt_days(d, lang)),
                tr(lang, "四分位（25%–75%）", "Quartiles (25%–75%)"):
                    [f"{fmt_num(a)}–{fmt_days(b, lang)}" if a == a else "–" for a, b in zip(t["won_p25"], t["won_p75"])],
                tr(lang, "已关闭数", "Closed"): t["closed_n"].map(fmt_num),
                tr(lang, "到关闭天数（中位数）", "Days to close (median)"): t["closed_median"].map(lambda d: fmt_days(d, lang)),
            })
        else:
            raise ValueError("which must be 'stages' or 'time_to_close'")
        out.index = names
        out.index.name = tr(lang, "阶段", "Stage")
        return out

    def learned_rates(self) -> dict[str, float]:
        """The suggested rates by stage key (the configured rate where nothing was observed)."""
        return {k: float(v) for k, v in self.table["suggested"].items()}

    def to_dict(self) -> dict[str, Any]:
        from .jsonout import jsonable as clean

        return {
            "client": self.client, "confidence": self.confidence, "prior_deals": self.prior_deals,
            "n_observations": self.n_observations, "n_deals": self.n_deals,
            "snapshots": [self.first_snapshot.date().isoformat(), self.last_snapshot.date().isoformat()],
            "brier": {"configured": self.brier_configured, "suggested": self.brier_suggested,
                      "base_rate": self.brier_base, "override": self.brier_override},
            "stages": [{"stage": k, **{c: clean(v) for c, v in r.items()}} for k, r in self.table.iterrows()],
            "time_to_close": [{"stage": k, **{c: clean(v) for c, v in r.items()}}
                              for k, r in self.time_to_close.iterrows()],
            "notes": [en for _, en in self.notes],
        }

    def summary(self, lang: str = "zh") -> str:
        check_lang(lang)
        lines = [tr(lang, f"根据 {self.first_snapshot.date()} 至 {self.last_snapshot.date()} 的快照，"
                          f"{self.n_deals} 个已关闭机会的 {self.n_observations} 次阶段观察：",
                    f"From the snapshots of {self.first_snapshot.date()} to {self.last_snapshot.date()}: "
                    f"{self.n_observations} stage observations of {self.n_deals} closed deals:")]
        for key, r in self.table.iterrows():
            k = tr(lang, *self.labels.get(key, (key, key)))
            if r["closed"] == 0:
                lines.append(tr(lang, f"  {k}：配置 {fmt_pct(r['configured'])}，无已关闭机会",
                                f"  {k}: configured {fmt_pct(r['configured'])}, no closed deal observed"))
                continue
            lines.append(tr(
                lang,
                f"  {k}：配置 {fmt_pct(r['configured'])}，实际 {fmt_pct(r['observed'])}"
                f"（{int(r['won'])}/{int(r['closed'])}，{fmt_pct(self.confidence)} 区间 {fmt_pct(r['ci_low'])}–"
                f"{fmt_pct(r['ci_high'])}），建议 {fmt_pct(r['suggested'])}",
                f"  {k}: configured {fmt_pct(r['configured'])}, observed {fmt_pct(r['observed'])} "
                f"({int(r['won'])}/{int(r['closed'])}, {fmt_pct(self.confidence)} interval {fmt_pct(r['ci_low'])}–"
                f"{fmt_pct(r['ci_high'])}), suggested {fmt_pct(r['suggested'])}"))
        if self.brier_configured is not None:
            lines.append(tr(lang, f"Brier 分数（越低越好）：配置赢率 {fmt_num(self.brier_configured, 3)}，"
                                  f"只用总体赢率 {fmt_num(self.brier_base, 3)}。",
                            f"Brier score (lower is better): configured rates {fmt_num(self.brier_configured, 3)}, "
                            f"one overall rate {fmt_num(self.brier_base, 3)}."))
        for zh, en in self.notes:
            lines.append(tr(lang, zh, en))
        return "\n".join(lines)


def _quantiles(days: pd.Series, keys: pd.Series, index: list[str], prefix: str) -> pd.DataFrame:
    g = days.groupby(keys)
    out = pd.DataFrame({f"{prefix}_n": g.size(), f"{prefix}_median": g.median(),
                        f"{prefix}_p25": g.quantile(0.25), f"{prefix}_p75": g.quantile(0.75)})
    out = out.reindex(index)
    out[f"{prefix}_n"] = out[f"{prefix}_n"].fillna(0).astype("int64")
    return out


def calibrate(client: Client, *, confidence: float | None = None, prior_deals: float | None = None,
              observations: pd.DataFrame | None = None) -> Calibration:
    """Observed win rate from each open stage beside the configured one, with a calibration view.

    Parameters
    ----------
    client
        A client with a ``snapshots`` table (and ideally the current
        ``opportunities``, whose status and closed date are the outcomes).
    confidence
        Of the Wilson interval; default ``forecast.confidence``.
    prior_deals
        How many deals the configured rate counts as in the suggested rate;
        default ``forecast.prior_deals``.

    Notes
    -----
    * observed = won ÷ (won + lost) over closed deals observed at the stage.
    * suggested = (won + k × configured) ÷ (closed + k), k = ``prior_deals``,
      then made non-decreasing along the steps (weighted pool-adjacent-violators).
    * Brier score = mean over closed observations of (rate − outcome)²; beside
      the configured rates it is given for the suggested rates (in-sample: it
      flatters them), one overall rate (the base), and reps' overrides where set.
    """
    fc = client.config.section("forecast")
    confidence = float(fc["confidence"] if confidence is None else confidence)
    k = float(fc["prior_deals"] if prior_deals is None else prior_deals)
    min_deals = int(fc["min_deals"])
    snaps = _need_snapshots(client, "learning win rates from history (赢率校准)")
    obs = stage_observations(client) if observations is None else observations
    stages = open_stages(client.config)
    keys = [s["key"] for s in stages]
    configured = pd.Series({s["key"]: float(s["win_rate"]) for s in stages})
    closed = obs.loc[obs["outcome"].notna()]
    notes: list[tuple[str, str]] = []
    g = closed.groupby("stage")["outcome"]
    won = g.sum().reindex(keys, fill_value=0).astype("int64")
    n = g.size().reindex(keys, fill_value=0).astype("int64")
    t = pd.DataFrame({"configured": configured.reindex(keys), "closed": n, "won": won, "lost": n - won})
    with np.errstate(invalid="ignore", divide="ignore"):
        t["observed"] = np.where(n > 0, won / n.replace(0, np.nan), np.nan)
    lo, hi = wilson_interval(won.to_numpy(), n.to_numpy(), confidence)
    t["ci_low"], t["ci_high"] = lo, hi
    shrunk = (won + k * t["configured"]) / (n + k) if k > 0 else t["observed"].fillna(t["configured"])
    t["suggested"] = pav_increasing(shrunk.to_numpy(dtype="float64"), (n + k).to_numpy(dtype="float64"))
    t["enough"] = n >= min_deals
    latest = snaps.loc[snaps["snapshot_date"] == snaps["snapshot_date"].max()]
    t["open_now"] = latest.loc[latest["status"] == "open", "stage"].value_counts().reindex(keys, fill_value=0)
    t["open_now"] = t["open_now"].astype("int64")
    t.index.name = "stage"

    if len(closed):
        y = closed["outcome"].to_numpy()
        brier_cfg = float(np.mean((closed["configured"].to_numpy() - y) ** 2))
        sug = closed["stage"].map(t["suggested"]).to_numpy(dtype="float64")
        brier_sug = float(np.mean((sug - y) ** 2))
        brier_base = float(np.mean((y.mean() - y) ** 2))
        ov = closed["override"].to_numpy(dtype="float64")
        has = ~np.isnan(ov)
        brier_ov = float(np.mean((ov[has] - y[has]) ** 2)) if has.any() else None
    else:
        brier_cfg = brier_sug = brier_base = brier_ov = None
        notes.append(("快照中看到的机会还没有关闭：等它们赢单或丢单后才能校准赢率。",
                      "None of the deals seen in the snapshots has closed yet: rates can be learned once "
                      "they are won or lost."))
    thin = [key for key in keys if 0 < n[key] < min_deals]
    if thin:
        notes.append((f"阶段 {', '.join(thin)} 的已关闭机会少于 {min_deals} 个：实际赢率仅供参考。",
                      f"Stages {', '.join(thin)} have fewer than {min_deals} closed deals: their observed rate "
                      "is indicative only."))
    notes.append(("每个机会在它被快照看到的每个阶段计一次；两次快照之间经过的阶段看不到，仍在跟的机会不计入。",
                  "A deal counts once per stage a snapshot saw it at; stages passed between two snapshots are "
                  "not seen, and deals still open are left out."))

    # Reliability: closed observations grouped by configured rate.
    rel_g = closed.groupby("configured")["outcome"]
    rel = pd.DataFrame({"n": rel_g.size(), "won": rel_g.sum()})
    rel["observed"] = rel["won"] / rel["n"]
    rel["ci_low"], rel["ci_high"] = wilson_interval(rel["won"].to_numpy(), rel["n"].to_numpy(), confidence)
    rel["stages"] = [", ".join(sorted(configured.index[configured == r])) for r in rel.index]
    rel.index.name = "configured"

    # Time to close from each stage.
    c2 = closed.loc[closed["closed_date"].notna()]
    days = (c2["closed_date"] - c2["first_seen"]).dt.days.clip(lower=0).astype("float64")
    ttc = pd.concat([
        _quantiles(days[c2["outcome"] == 1], c2.loc[c2["outcome"] == 1, "stage"], keys, "won"),
        _quantiles(days, c2["stage"], keys, "closed"),
    ], axis=1)
    ttc.index.name = "stage"

    return Calibration(
        client=client.name, table=t, reliability=rel.reset_index().set_index("configured"), time_to_close=ttc,
        brier_configured=brier_cfg, brier_suggested=brier_sug, brier_base=brier_base, brier_override=brier_ov,
        n_observations=int(len(closed)), n_deals=int(closed["opportunity_id"].nunique()),
        first_snapshot=pd.Timestamp(snaps["snapshot_date"].min()),
        last_snapshot=pd.Timestamp(snaps["snapshot_date"].max()), confidence=confidence, prior_deals=k,
        labels={s["key"]: (s.get("zh") or s["key"], s.get("en") or s["key"]) for s in stages}, notes=notes)
