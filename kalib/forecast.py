"""A forecast with its uncertainty (带不确定性的预测): Monte Carlo over the open deals.

Board 2 says what the pipeline is *expected* to add by the next milestone
(Σ amount × win rate).  A manager also needs the spread: each deal is won or
not, so the result by the milestone is a distribution.  :func:`simulate` draws
it: in every trial each open deal due by the milestone is won with its win rate
(independently), and the won amounts are added to what is already won.  The
result gives P10 / P50 / P90 (a 10% chance of less than P10...) and the
probability of reaching the milestone target.

With ``slip=True`` a deal may also close earlier or later than its expected
date, by a delay drawn from how late won deals actually closed at its stage
(:func:`kalib.calibration.slip_delays`, from the snapshots).  Because the
delay is independent of winning, a deal then counts with probability
win rate × P(expected close + delay ≤ milestone end), which is what is drawn.

:func:`what_ifs` answers the questions a manager asks: what if we lose our
biggest deal, what if win rates are 5 points lower, and how much new pipeline
do we need to reach the target with 80% probability.  Every run is seeded: the
same inputs give the same numbers.  What-ifs reuse the same random draws
(common random numbers), so their differences are not noise.

The draw is vectorised: uint16 random numbers compared with the rates, packed
eight deals to a byte, and summed through a 256-entry table per group of eight
deals, in fixed chunks of deals and trials (no Python loop per trial); blocks
of trials have their own random streams and run on up to four threads, with the
same result whatever the number of threads.

Examples
--------
>>> import numpy as np
>>> t = simulate_totals(np.array([100.0, 200.0]), np.array([0.5, 1.0]), trials=20000, seed=1)
>>> sorted(set(t.tolist()))
[200.0, 300.0]
>>> bool(abs(t.mean() - 250) < 2)
True
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .client import Client, MissingData, Period
from .i18n import check_lang, fmt_pct, fmt_rmb, tr
from .pipeline import milestone_period, own_win_rate, win_rate_model

__all__ = ["Forecast", "WhatIfs", "binomial_sf", "new_pipeline_needed", "simulate", "simulate_totals", "what_ifs"]

# Fixed chunk sizes keep a seeded run reproducible (and the working set in cache).
_DEAL_CHUNK = 1024  # a multiple of 8
_TRIAL_CHUNK = 1024
_MAX_THREADS = 4
_THREAD_MIN_WORK = 2_000_000  # deals × trials below which threads are not worth starting
_BITS = ((np.arange(256)[:, None] >> np.arange(8)) & 1).astype(np.float64)  # 256 × 8


def simulate_totals(amounts: np.ndarray, probs: np.ndarray, *, trials: int, seed: int) -> np.ndarray:
    """Total won amount in each of ``trials`` trials; deal ``i`` is won with probability ``probs[i]``.

    Deals are independent.  Probabilities are resolved to 1/65536; deals with a
    probability of 1 are added in every trial.  Seeded: same inputs, same output.

    Parameters
    ----------
    amounts, probs
        One value per deal (no NaN).
    trials, seed
        Number of trials; seed of numpy's PCG64 generator.

    Returns
    -------
    ndarray of float64, shape (trials,)
    """
    a = np.asarray(amounts, dtype="float64")
    p = np.asarray(probs, dtype="float64")
    if a.shape != p.shape or a.ndim != 1:
        raise ValueError("amounts and probs must be one-dimensional and of the same length")
    if np.isnan(a).any() or np.isnan(p).any():
        raise ValueError("amounts and probs must not contain NaN")
    if ((p < 0) | (p > 1)).any():
        raise ValueError("probabilities must be between 0 and 1")
    trials = int(trials)
    if trials < 1:
        raise ValueError("trials must be at least 1")
    sure = p >= 1.0
    totals = np.full(trials, float(a[sure].sum()))
    a, p = a[~sure], p[~sure]
    n = len(a)
    if n == 0:
        return totals
    thr = np.minimum(np.floor(p * 65536 + 0.5), 65535).astype(np.uint16)
    groups = []  # per chunk of deals: table of byte sums, byte offsets, thresholds, size
    for s in range(0, n, _DEAL_CHUNK):
        k = min(_DEAL_CHUNK, n - s)
        kb = (k + 7) // 8
        ap = np.zeros(kb * 8)
        ap[:k] = a[s:s + k]
        groups.append(((ap.reshape(kb, 8) @ _BITS.T).ravel(), np.arange(kb, dtype=np.intp) * 256, thr[s:s + k], k))
    base = np.random.PCG64(int(seed))

    def block(b: int) -> np.ndarray:
        # Each block of trials has its own stream (the seed's generator jumped b times), so the
        # result does not depend on how blocks are spread over threads.
        bitgen = base.jumped(b) if b else np.random.PCG64(int(seed))
        t0 = b * _TRIAL_CHUNK
        tt = min(_TRIAL_CHUNK, trials - t0)
        out = np.zeros(tt)
        for table, offset, th, k in groups:
            raw = bitgen.random_raw((tt * k + 3) // 4).view(np.uint16)[:tt * k].reshape(tt, k)
            packed = np.packbits(raw < th, axis=1, bitorder="little")
            out += table[packed + offset].sum(axis=1)
        return out

    n_blocks = (trials + _TRIAL_CHUNK - 1) // _TRIAL_CHUNK
    workers = min(n_blocks, os.cpu_count() or 1, _MAX_THREADS)
    if workers > 1 and n * trials >= _THREAD_MIN_WORK:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(workers) as pool:  # numpy releases the GIL in these array operations
            parts = list(pool.map(block, range(n_blocks)))
    else:
        parts = [block(b) for b in range(n_blocks)]
    return totals + np.concatenate(parts)


def binomial_sf(k: int, r: float) -> np.ndarray:
    """P(X ≥ m) for X ~ Binomial(k, r), m = 0..k+1 (computed in logs, no overflow).

    >>> [round(float(x), 4) for x in binomial_sf(2, 0.5)]
    [1.0, 0.75, 0.25, 0.0]
    """
    if k <= 0:
        return np.array([1.0, 0.0])
    if r <= 0:
        return np.r_[1.0, np.zeros(k + 1)]
    if r >= 1:
        return np.r_[np.ones(k + 1), 0.0]
    j = np.arange(k)
    logpmf = k * math.log1p(-r) + np.r_[0.0, np.cumsum(np.log((k - j) / (j + 1)) + math.log(r / (1 - r)))]
    pmf = np.exp(logpmf - logpmf.max())
    pmf /= pmf.sum()
    sf = np.r_[np.cumsum(pmf[::-1])[::-1], 0.0]
    return np.minimum(sf, 1.0)


def _prob_hit(totals: np.ndarray, target: float) -> float:
    return float(np.mean(totals >= target))


def new_pipeline_needed(totals: np.ndarray, target: float, probability: float, deal_size: float,
                        win_rate: float, *, max_deals: int = 100_000) -> dict[str, Any]:
    """The least new pipeline that reaches ``target`` with ``probability``.

    New pipeline is ``k`` deals of ``deal_size`` each won with ``win_rate``,
    added to the simulated ``totals`` (exactly: per trial, P(Binomial(k, r) ≥
    the deals still missing)).  Returns ``deals`` (k), ``amount`` (k × size),
    ``probability`` reached; ``deals`` is None when even ``max_deals`` deals
    do not reach it.
    """
    totals = np.asarray(totals, dtype="float64")

    def p_hit(k: int) -> float:
        missing = np.ceil((target - totals) / deal_size)
        need = np.clip(missing, 0, k + 1).astype(np.int64)
        return float(binomial_sf(k, win_rate)[need].mean()) if k > 0 else _prob_hit(totals, target)

    base = p_hit(0)
    if base >= probability:
        return {"deals": 0, "amount": 0.0, "probability": base}
    if deal_size <= 0 or win_rate <= 0:
        return {"deals": None, "amount": None, "probability": base}
    hi = 1
    while p_hit(hi) < probability:
        if hi >= max_deals:
            return {"deals": None, "amount": None, "probability": p_hit(hi)}
        hi = min(hi * 2, max_deals)
    lo = hi // 2  # p_hit(lo) < probability (or lo == 0)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if p_hit(mid) >= probability:
            hi = mid
        else:
            lo = mid
    return {"deals": hi, "amount": hi * float(deal_size), "probability": p_hit(hi)}


@dataclass
class Forecast:
    """The simulated result by the milestone (won so far + won from the pipeline), RMB.

    ``percentiles`` maps each configured quantile (0.1, 0.5, 0.9) to its value
    (the inverted-CDF quantile of the trials); ``prob_hit`` is None when no
    target is set.  ``expected`` is exact (won so far + Σ amount × rate);
    ``mean`` is the simulation's.  ``totals`` holds every trial's result.
    """

    client: str
    milestone: str
    period: Period
    as_of: pd.Timestamp
    target: float | None
    target_year: float | None
    won_so_far: float
    expected: float
    mean: float
    sd: float
    percentiles: dict[float, float]
    prob_hit: float | None
    trials: int
    seed: int
    slip: bool
    n_deals: int
    no_amount: int
    no_close_date: int
    rates: dict[str, float] = field(default_factory=dict, repr=False)
    totals: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)
    deals: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    notes: list[tuple[str, str]] = field(default_factory=list, repr=False)

    @property
    def p10(self) -> float:
        return self._q(0.1)

    @property
    def p50(self) -> float:
        return self._q(0.5)

    @property
    def p90(self) -> float:
        return self._q(0.9)

    def _q(self, q: float) -> float:
        for k, v in self.percentiles.items():
            if abs(k - q) < 1e-9:
                return v
        return float(np.quantile(self.totals, q, method="inverted_cdf"))

    def to_dict(self) -> dict[str, Any]:
        return {
            "client": self.client, "milestone": self.milestone, "period": self.period.to_dict(),
            "as_of": self.as_of.date().isoformat(), "target": self.target, "target_year": self.target_year,
            "won_so_far": self.won_so_far, "expected": self.expected, "mean": self.mean, "sd": self.sd,
            "percentiles": {f"P{round(k * 100)}": v for k, v in self.percentiles.items()},
            "prob_hit": self.prob_hit, "trials": self.trials, "seed": self.seed, "slip": self.slip,
            "n_deals": self.n_deals, "no_amount": self.no_amount, "no_close_date": self.no_close_date,
            "notes": [en for _, en in self.notes],
        }

    def summary(self, lang: str = "zh") -> str:
        check_lang(lang)
        r = lambda x: fmt_rmb(x, lang)  # noqa: E731
        pcts = "，".join if lang == "zh" else ", ".join
        band = pcts(f"P{round(k * 100)} {r(v)}" for k, v in self.percentiles.items())
        lines = [tr(lang, f"到 {self.period.label} 节点（{self.period.end.date()}）的业绩模拟（{self.trials} 次）："
                          f"{band}；期望 {r(self.expected)}。",
                    f"Result by the {self.period.label} milestone ({self.period.end.date()}), {self.trials} trials: "
                    f"{band}; expected {r(self.expected)}.")]
        if self.prob_hit is None:
            lines.append(tr(lang, "销售目标未设置：无法计算达成概率。",
                            "The sales target is not set: no probability of reaching it."))
        else:
            lines.append(tr(lang, f"达成节点目标 {r(self.target)} 的概率：{fmt_pct(self.prob_hit)}。",
                            f"Probability of reaching the milestone target {r(self.target)}: "
                            f"{fmt_pct(self.prob_hit)}."))
        for zh, en in self.notes:
            lines.append(tr(lang, zh, en))
        return "\n".join(lines)


def _deals(client: Client, milestone: str, *, rates, model, slip, use_overrides=True, keep_zero_rate=False):
    fc = client.config.section("forecast")
    milestone = milestone or fc.get("default_milestone", "quarter")
    model = win_rate_model(client, rates=rates, use_overrides=use_overrides) if model is None else model
    as_of = client.as_of.normalize()
    period, share = milestone_period(as_of, milestone, fiscal_start=client.meta.fiscal_year_start,
                                     config=client.config)
    status = model["status"].to_numpy(dtype=object)
    amount = model["amount"].to_numpy(dtype="float64")
    close = model["expected_close"].to_numpy(dtype="datetime64[ns]")
    closed = model["closed_date"].to_numpy(dtype="datetime64[ns]")
    is_open = status == "open"
    won_in = (status == "won") & ~np.isnat(closed) & (closed >= np.datetime64(period.start, "ns")) & \
        (closed <= np.datetime64(min(period.end, as_of), "ns"))
    won_so_far = float(np.nansum(amount[won_in]))
    no_amount = int((is_open & np.isnan(amount)).sum())
    no_date = int((is_open & np.isnat(close)).sum())
    usable = is_open & ~np.isnan(amount) & ~np.isnat(close)
    end = np.datetime64(period.end, "ns")
    if slip:
        from .calibration import slip_delays

        try:
            delays = slip_delays(client)
        except MissingData as exc:
            raise MissingData(f"the forecast's slip option needs the snapshots: {exc}",
                              zh=f"预测的“推迟”选项需要机会快照：{exc.text('zh')}") from None
        min_n = int(fc["min_deals"])
        pooled = np.sort(delays.get("all", np.zeros(0)))
        if len(pooled) == 0:
            raise MissingData("the forecast's slip option needs won deals seen in the snapshots; there are none",
                              zh="预测的“推迟”选项需要在快照里出现过的赢单机会，现在没有。")
        idx = np.flatnonzero(usable)
        room = ((end - close[idx]) / np.timedelta64(1, "D")).astype("float64")
        stages = model["stage"].to_numpy(dtype=object)[idx]
        timing = np.empty(len(idx))
        for st in pd.unique(stages):
            d = delays.get(st)
            d = np.sort(d) if d is not None and len(d) >= min_n else pooled
            m = stages == st
            timing[m] = np.searchsorted(d, room[m], side="right") / len(d)
    else:
        usable &= close <= end
        idx = np.flatnonzero(usable)
        timing = np.ones(len(idx))
    rate = model["win_rate"].to_numpy(dtype="float64")[idx]
    keep = (timing > 0) & ((rate > 0) | bool(keep_zero_rate))
    idx, timing, rate = idx[keep], timing[keep], rate[keep]
    sel = model.iloc[idx]
    deals = pd.DataFrame({"opportunity_id": sel["opportunity_id"].to_numpy(), "customer": sel["customer"].to_numpy(),
                          "owner": sel["owner"].to_numpy(), "amount": amount[idx], "win_rate": rate,
                          "in_time": timing, "p": rate * timing})
    return deals, period, share, won_so_far, no_amount, no_date, milestone, model


def _forecast(client, deals, period, share, won_so_far, no_amount, no_date, milestone, *, trials, seed, target,
              slip, probs=None, rates=None, notes=None) -> Forecast:
    fc = client.config.section("forecast")
    trials = int(fc["trials"] if trials is None else trials)
    seed = int(fc["seed"] if seed is None else seed)
    p = deals["p"].to_numpy() if probs is None else probs
    a = deals["amount"].to_numpy()
    totals = won_so_far + simulate_totals(a, p, trials=trials, seed=seed)
    qs = [float(x) for x in fc["percentiles"]]
    pct = {q: float(v) for q, v in zip(qs, np.quantile(totals, qs, method="inverted_cdf"))}
    target_year = (float(target) if target > 0 else None) if target is not None else client.meta.sales_target
    target_m = target_year * share if target_year is not None else None
    notes = list(notes or [])
    if no_amount:
        notes.append((f"{no_amount} 个在跟机会没有金额：未纳入模拟。",
                      f"{no_amount} open deals have no amount: not in the simulation."))
    if no_date:
        notes.append((f"{no_date} 个在跟机会没有预计成交日期：未纳入模拟。",
                      f"{no_date} open deals have no expected close date: not in the simulation."))
    return Forecast(
        client=client.name, milestone=str(milestone), period=period, as_of=client.as_of.normalize(),
        target=target_m, target_year=target_year, won_so_far=won_so_far, expected=won_so_far + float(a @ p),
        mean=float(totals.mean()), sd=float(totals.std()), percentiles=pct,
        prob_hit=_prob_hit(totals, target_m) if target_m is not None else None, trials=trials, seed=seed,
        slip=bool(slip), n_deals=int((p > 0).sum()), no_amount=no_amount, no_close_date=no_date,
        rates=dict(rates or {}), totals=totals, deals=deals, notes=notes)


def simulate(client: Client, milestone: str | None = "quarter", *, trials: int | None = None,
             seed: int | None = None, rates: Mapping[str, float] | None = None, target: float | None = None,
             slip: bool = False, lose: Iterable[str] | None = None, rate_shift: float = 0.0,
             use_overrides: bool = True, model: pd.DataFrame | None = None) -> Forecast:
    """Monte Carlo forecast of the result by the milestone.

    Parameters
    ----------
    client
        A client with an ``opportunities`` table; ``meta.sales_target`` is the
        yearly target (scaled to the milestone), ``as_of`` the date.
    milestone
        ``month``, ``quarter``, ``half``, ``year`` or a period such as ``2024-Q3``
        (see :func:`kalib.pipeline.milestone_period`); None: the configured default.
    trials, seed
        Default ``forecast.trials`` and ``forecast.seed`` from the configuration.
    rates
        Win rates by stage replacing the configured ones.
    target
        A yearly target replacing ``client.meta.sales_target``; 0 means "not set".
    slip
        Let deals close earlier or later by the delays observed in the snapshots.
    lose
        Opportunity IDs assumed lost (what-if).
    rate_shift
        Added to every open deal's win rate, clipped to 0..1 (what-if: ``-0.05``).

    Returns
    -------
    Forecast
        P10/P50/P90 (``forecast.percentiles``), mean, the exact expectation and,
        with a target, the probability of reaching it.
    """
    deals, period, share, won, no_amt, no_date, milestone, model = _deals(
        client, milestone, rates=rates, model=model, slip=slip, use_overrides=use_overrides,
        keep_zero_rate=rate_shift > 0)
    notes = []
    probs = None
    if lose or rate_shift:
        if lose:
            lose = list(lose)
            unknown = sorted(set(lose) - set(model["opportunity_id"]))
            if unknown:
                raise ValueError(f"unknown opportunity id(s): {', '.join(unknown)}")
        # Keep every deal in the draw (common random numbers); a deal pushed to 0 never wins.
        rate = np.clip(deals["win_rate"].to_numpy() + float(rate_shift), 0.0, 1.0)
        if lose:
            rate = np.where(deals["opportunity_id"].isin(lose).to_numpy(), 0.0, rate)
        probs = rate * deals["in_time"].to_numpy()
    return _forecast(client, deals, period, share, won, no_amt, no_date, milestone, trials=trials, seed=seed,
                     target=target, slip=slip, probs=probs, rates=rates, notes=notes)


@dataclass
class WhatIfs:
    """The manager's what-if levers, each a :class:`Forecast` on the same random draws."""

    base: Forecast
    lose_biggest: Forecast | None
    biggest: dict[str, Any] | None
    rates_lower: Forecast
    rate_drop: float
    new_pipeline: dict[str, Any] | None
    notes: list[tuple[str, str]] = field(default_factory=list, repr=False)

    def table(self, lang: str = "zh") -> pd.DataFrame:
        """One row per scenario, for showing: P10, P50, P90, expected, probability of reaching the target
        (the numbers themselves are on each :class:`Forecast`)."""
        rows = [(tr(lang, "现状", "As is"), self.base)]
        if self.lose_biggest is not None:
            rows.append((tr(lang, f"丢掉最大机会（{self.biggest['customer'] or self.biggest['opportunity_id']}）",
                            f"Lose the biggest deal ({self.biggest['customer'] or self.biggest['opportunity_id']})"),
                         self.lose_biggest))
        pts = round(self.rate_drop * 100)
        rows.append((tr(lang, f"赢率降低 {pts} 个百分点", f"Win rates {pts} points lower"), self.rates_lower))
        return pd.DataFrame([{
            tr(lang, "情景", "Scenario"): name, "P10": fmt_rmb(f.p10, lang), "P50": fmt_rmb(f.p50, lang),
            "P90": fmt_rmb(f.p90, lang), tr(lang, "期望", "Expected"): fmt_rmb(f.expected, lang),
            tr(lang, "达成概率", "P(target)"): fmt_pct(f.prob_hit) if f.prob_hit is not None else "–"}
            for name, f in rows]).set_index(tr(lang, "情景", "Scenario"))

    def to_dict(self) -> dict[str, Any]:
        return {
            "base": self.base.to_dict(),
            "lose_biggest": None if self.lose_biggest is None else {**self.lose_biggest.to_dict(),
                                                                    "deal": self.biggest},
            "rates_lower": {**self.rates_lower.to_dict(), "rate_drop": self.rate_drop},
            "new_pipeline": self.new_pipeline, "notes": [en for _, en in self.notes],
        }

    def summary(self, lang: str = "zh") -> str:
        check_lang(lang)
        r = lambda x: fmt_rmb(x, lang)  # noqa: E731
        pr = lambda f: fmt_pct(f.prob_hit) if f.prob_hit is not None else "–"  # noqa: E731
        out = [self.base.summary(lang)]
        if self.lose_biggest is not None:
            b = self.biggest
            out.append(tr(lang, f"如果丢掉最大的机会（{b['customer']}，{r(b['amount'])}）：P50 {r(self.lose_biggest.p50)}，"
                                f"达成概率 {pr(self.lose_biggest)}。",
                          f"If we lose our biggest deal ({b['customer']}, {r(b['amount'])}): P50 "
                          f"{r(self.lose_biggest.p50)}, probability of reaching the target {pr(self.lose_biggest)}."))
        pts = round(self.rate_drop * 100)
        out.append(tr(lang, f"如果赢率都低 {pts} 个百分点：P50 {r(self.rates_lower.p50)}，达成概率 {pr(self.rates_lower)}。",
                      f"If win rates are {pts} points lower: P50 {r(self.rates_lower.p50)}, probability "
                      f"{pr(self.rates_lower)}."))
        n = self.new_pipeline
        if n is not None and n.get("deals") == 0:
            p = self.base.period
            short = p.years < 0.99  # a month, quarter or half: the answer is about that milestone only
            out.append(tr(lang, f"到 {p.label} 节点不需要新增销售机会：现有在跟机会达成节点目标的概率已达 "
                                f"{fmt_pct(n['probability'])}（要求 {fmt_pct(n['target_probability'])}）。"
                                + ("这只回答本节点：之后的节点和全年目标靠的是其余的储备销售机会（第6项）。" if short else ""),
                          f"By the {p.label} milestone no new opportunities are needed: the open ones reach its target "
                          f"with {fmt_pct(n['probability'])} probability (asked: {fmt_pct(n['target_probability'])})."
                          + (" This answers for this milestone only: the later ones and the yearly target rest on the "
                             "rest of the pipeline (indicator 6)." if short else "")))
        elif n is not None and n.get("deals") is not None:
            out.append(tr(lang, f"要以 {fmt_pct(n['target_probability'])} 的概率达成目标，还需要新增销售机会 {r(n['amount'])}"
                                f"（约 {n['deals']} 个 {r(n['deal_size'])} 的机会，按赢率 {fmt_pct(n['win_rate'])} 在节点前成交）。",
                          f"To reach the target with {fmt_pct(n['target_probability'])} probability, new pipeline of "
                          f"{r(n['amount'])} is needed (about {n['deals']} deals of {r(n['deal_size'])}, won at "
                          f"{fmt_pct(n['win_rate'])} and closing by the milestone)."))
        for zh, en in self.notes:
            out.append(tr(lang, zh, en))
        return "\n".join(out)


def what_ifs(client: Client, milestone: str | None = "quarter", *, trials: int | None = None,
             seed: int | None = None, rates: Mapping[str, float] | None = None, target: float | None = None,
             slip: bool = False, rate_drop: float | None = None, probability: float | None = None,
             model: pd.DataFrame | None = None) -> WhatIfs:
    """The what-if levers: lose the biggest deal; win rates ``rate_drop`` lower (default
    ``forecast.rate_drop``); new pipeline needed to reach the target with ``probability``
    (default ``forecast.target_probability``).

    The new pipeline is assumed to come as deals of the median amount of the
    open deals, each won at the client's own win rate
    (:func:`kalib.pipeline.own_win_rate`) and closing by the milestone; without
    a target or an own win rate, it is None and a note says why.
    """
    fc = client.config.section("forecast")
    rate_drop = float(fc["rate_drop"] if rate_drop is None else rate_drop)
    probability = float(fc["target_probability"] if probability is None else probability)
    model = win_rate_model(client, rates=rates) if model is None else model
    kw = dict(trials=trials, seed=seed, rates=rates, target=target, slip=slip, model=model)
    base = simulate(client, milestone, **kw)
    notes: list[tuple[str, str]] = []
    biggest = None
    lose_f = None
    if len(base.deals):
        big = base.deals.sort_values(["amount", "opportunity_id"], ascending=[False, True]).iloc[0]
        biggest = {"opportunity_id": big["opportunity_id"], "customer": None if pd.isna(big["customer"]) else
                   big["customer"], "owner": None if pd.isna(big["owner"]) else big["owner"],
                   "amount": float(big["amount"]), "win_rate": float(big["win_rate"])}
        lose_f = simulate(client, milestone, lose=[big["opportunity_id"]], **kw)
    lower = simulate(client, milestone, rate_shift=-rate_drop, **kw)
    new = None
    own = own_win_rate(client, model)
    open_amounts = model.loc[(model["status"] == "open") & model["amount"].notna(), "amount"]
    if base.target is None:
        notes.append(("销售目标未设置：无法计算需要多少新增销售机会。",
                      "The sales target is not set: the new pipeline needed cannot be computed."))
    elif own["rate"] is None or own["rate"] == 0:
        notes.append(("没有本公司赢率（尚无已关闭机会或从未赢单）：无法估算需要多少新增销售机会。",
                      "No own win rate (no closed deal, or none won): the new pipeline needed cannot be estimated."))
    elif len(open_amounts) == 0:
        notes.append(("没有带金额的在跟机会：无法估算典型机会金额。",
                      "No open deal with an amount: no typical deal size to build new pipeline from."))
    else:
        size = float(open_amounts.median())
        res = new_pipeline_needed(base.totals, base.target, probability, size, own["rate"])
        new = {**res, "deal_size": size, "win_rate": own["rate"], "target_probability": probability}
        if res["deals"] is None:
            notes.append(("即使新增大量销售机会也难以按此概率达成目标。",
                          "Even a very large new pipeline would not reach the target with that probability."))
    return WhatIfs(base=base, lose_biggest=lose_f, biggest=biggest, rates_lower=lower, rate_drop=rate_drop,
                   new_pipeline=new, notes=notes)
