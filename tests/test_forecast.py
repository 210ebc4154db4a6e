"""The Monte Carlo forecast and the what-if levers (kalib.forecast).

The simulated mean is checked against Σ amount × p within its sampling error,
and the percentiles and the probability of reaching the target against an
exact computation that enumerates all 2^10 outcomes of ten deals.
"""

from __future__ import annotations

import itertools
import json
import math

import numpy as np
import pandas as pd
import pytest

from kalib import Client, MissingData, default_config
from kalib.forecast import binomial_sf, new_pipeline_needed, simulate, simulate_totals, what_ifs

AMOUNTS = np.array([120.0, 340.0, 75.0, 510.0, 260.0, 90.0, 430.0, 180.0, 55.0, 300.0]) * 1e4
PROBS = np.array([0.1, 0.25, 0.5, 0.6, 0.75, 0.1, 0.25, 0.5, 0.6, 0.75])
RATES = default_config().stage_rates()
STAGE_OF = {0.1: "identified", 0.25: "validated", 0.5: "qualified", 0.6: "solution", 0.75: "agreed"}


def _exact(amounts, probs):
    """All 2^n outcomes: (sorted totals, their probabilities)."""
    vals, ps = [], []
    for bits in itertools.product((0, 1), repeat=len(amounts)):
        b = np.array(bits)
        vals.append(float(b @ amounts))
        ps.append(float(np.prod(np.where(b == 1, probs, 1 - probs))))
    order = np.argsort(vals, kind="stable")
    return np.array(vals)[order], np.array(ps)[order]


def _exact_quantile(vals, ps, q):
    cdf = np.cumsum(ps)
    return vals[np.searchsorted(cdf, q - 1e-12)]


def test_mean_matches_sum_of_amount_times_p():
    rng = np.random.default_rng(0)
    a = rng.lognormal(13, 1, 300)
    p = rng.choice([0.0, 0.1, 0.25, 0.5, 0.6, 0.75, 0.9, 1.0], 300)
    trials = 20000
    t = simulate_totals(a, p, trials=trials, seed=7)
    se = math.sqrt(float(np.sum(a * a * p * (1 - p))) / trials)
    assert abs(t.mean() - float(a @ p)) < 4 * se
    # The spread too: variance of a sum of independent Bernoulli terms.
    assert t.std() == pytest.approx(math.sqrt(float(np.sum(a * a * p * (1 - p)))), rel=0.05)


def test_percentiles_match_exact_enumeration():
    vals, ps = _exact(AMOUNTS, PROBS)
    t = simulate_totals(AMOUNTS, PROBS, trials=200_000, seed=3)
    for q in (0.1, 0.5, 0.9):
        mc = float(np.quantile(t, q, method="inverted_cdf"))
        assert _exact_quantile(vals, ps, q - 0.01) <= mc <= _exact_quantile(vals, ps, q + 0.01), q
    target = 1500e4
    exact_hit = float(ps[vals >= target].sum())
    se = math.sqrt(exact_hit * (1 - exact_hit) / len(t))
    assert abs(float(np.mean(t >= target)) - exact_hit) < 4 * se
    # Only totals that can happen are drawn.
    assert set(np.unique(t)) <= set(vals)


@pytest.fixture(scope="module")
def ten() -> Client:
    """Ten open deals due in 2024-Q2 (rates from their stages), one won in April, target 48M/yr."""
    opp = pd.DataFrame({
        "opportunity_id": [f"D{i}" for i in range(10)] + ["W", "N1", "N2", "LATE"],
        "customer": [f"Customer {i}" for i in range(10)] + ["Won", "X", "Y", "Z"],
        "owner": ["Li"] * 14,
        "stage": [STAGE_OF[p] for p in PROBS] + ["won", "qualified", "qualified", "agreed"],
        "amount": list(AMOUNTS) + [500e4, np.nan, 100e4, 900e4],
        "expected_close": pd.to_datetime(["2024-06-15"] * 10 + ["2024-04-20", "2024-06-01", None, "2024-08-01"]),
        "closed_date": pd.to_datetime([None] * 10 + ["2024-04-20", None, None, None]),
    })
    return Client.from_frames({"opportunities": opp}, as_of="2024-05-15", sales_target=48e6)


def test_simulate_client_against_exact(ten):
    f = simulate(ten, "quarter", trials=100_000, seed=11)
    won = 500e4
    vals, ps = _exact(AMOUNTS, PROBS)
    assert f.won_so_far == won
    assert f.expected == pytest.approx(won + float(AMOUNTS @ PROBS))
    assert f.target == pytest.approx(12e6)
    for q in (0.1, 0.5, 0.9):
        assert won + _exact_quantile(vals, ps, q - 0.01) <= f.percentiles[q] <= won + _exact_quantile(vals, ps, q + 0.01)
    exact_hit = float(ps[vals + won >= 12e6].sum())
    assert abs(f.prob_hit - exact_hit) < 4 * math.sqrt(exact_hit * (1 - exact_hit) / f.trials)
    assert (f.p10, f.p50, f.p90) == (f.percentiles[0.1], f.percentiles[0.5], f.percentiles[0.9])
    assert f.n_deals == 10 and f.no_amount == 1 and f.no_close_date == 1
    assert any("no amount" in en for _, en in f.notes)
    json.dumps(f.to_dict())


def test_seeded_and_reproducible(ten):
    a = simulate(ten, trials=5000, seed=1).totals
    b = simulate(ten, trials=5000, seed=1).totals
    c = simulate(ten, trials=5000, seed=2).totals
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    cfg = default_config().section("forecast")
    f = simulate(ten)
    assert (f.trials, f.seed) == (cfg["trials"], cfg["seed"])


def test_sure_and_impossible_deals():
    t = simulate_totals(np.array([5.0, 7.0, 11.0]), np.array([1.0, 0.0, 1.0]), trials=1000, seed=0)
    assert (t == 16.0).all()
    with pytest.raises(ValueError, match="between 0 and 1"):
        simulate_totals(np.array([1.0]), np.array([1.5]), trials=10, seed=0)
    with pytest.raises(ValueError, match="NaN"):
        simulate_totals(np.array([np.nan]), np.array([0.5]), trials=10, seed=0)


def test_many_deals_cross_chunks():
    # More deals and trials than one chunk of the draw: the mean still matches.
    a = np.full(2500, 1000.0)
    p = np.linspace(0.05, 0.95, 2500)
    t = simulate_totals(a, p, trials=3000, seed=5)
    se = math.sqrt(float(np.sum(a * a * p * (1 - p))) / 3000)
    assert abs(t.mean() - float(a @ p)) < 4 * se


def test_binomial_sf_matches_comb():
    for k, r in ((0, 0.3), (1, 0.3), (7, 0.35), (40, 0.2)):
        sf = binomial_sf(k, r)
        for m in range(k + 2):
            want = sum(math.comb(k, j) * r ** j * (1 - r) ** (k - j) for j in range(m, k + 1))
            assert sf[m] == pytest.approx(want, abs=1e-12)


def test_new_pipeline_needed_is_the_least():
    rng = np.random.default_rng(4)
    totals = rng.normal(100.0, 10.0, 2000)
    target, prob, size, r = 130.0, 0.8, 5.0, 0.4

    def p_hit(k):
        out = 0.0
        for t in totals:
            need = max(0, math.ceil((target - t) / size))
            out += sum(math.comb(k, j) * r ** j * (1 - r) ** (k - j) for j in range(need, k + 1)) if need <= k else 0
        return out / len(totals)

    res = new_pipeline_needed(totals, target, prob, size, r)
    k = res["deals"]
    assert p_hit(k) >= prob > p_hit(k - 1)
    assert res["amount"] == k * size and res["probability"] == pytest.approx(p_hit(k))
    assert new_pipeline_needed(totals, 50.0, prob, size, r)["deals"] == 0


def test_what_ifs(ten):
    w = what_ifs(ten, "quarter", trials=20000, seed=9)
    won = 500e4
    big = int(np.argmax(AMOUNTS))
    assert w.biggest["opportunity_id"] == f"D{big}" and w.biggest["amount"] == AMOUNTS[big]
    assert w.lose_biggest.expected == pytest.approx(w.base.expected - AMOUNTS[big] * PROBS[big])
    assert w.rates_lower.expected == pytest.approx(won + float(AMOUNTS @ np.clip(PROBS - 0.05, 0, 1)))
    # The same random draws: losing a deal or lowering rates never raises a trial's result.
    assert (w.lose_biggest.totals <= w.base.totals).all()
    assert (w.rates_lower.totals <= w.base.totals).all()
    n = w.new_pipeline
    assert n["deal_size"] == pytest.approx(float(np.median(list(AMOUNTS) + [100e4, 900e4])))
    assert n["win_rate"] == 1.0  # the only closed deal was won
    assert n["deals"] is not None and n["probability"] >= 0.8
    tab = w.table("en")
    assert list(tab.index)[0] == "As is" and tab.index.name == "Scenario" and len(tab) == 3
    for lang in ("zh", "en"):
        assert w.summary(lang)
    json.dumps(w.to_dict(), ensure_ascii=False, default=str)


def test_lose_and_shift_options(ten):
    f = simulate(ten, trials=1000, lose=["D3"], rate_shift=-0.1)
    want = 500e4 + sum(a * max(p - 0.1, 0) for i, (a, p) in enumerate(zip(AMOUNTS, PROBS)) if i != 3)
    assert f.expected == pytest.approx(want)
    with pytest.raises(ValueError, match="unknown opportunity"):
        simulate(ten, lose=["nope"])


def test_no_target_says_so():
    opp = pd.DataFrame({"opportunity_id": ["A"], "stage": ["qualified"], "amount": [1e6],
                        "expected_close": pd.to_datetime(["2024-06-01"])})
    c = Client.from_frames({"opportunities": opp}, as_of="2024-05-15")
    f = simulate(c, trials=1000)
    assert f.target is None and f.prob_hit is None
    assert "not set" in f.summary("en")
    w = what_ifs(c, trials=1000)
    assert w.new_pipeline is None and any("target is not set" in en for _, en in w.notes)


def test_slip_uses_observed_delays():
    # Won deals closed 10, 20, 30 and 40 days after the expected close they had while 'qualified'.
    snaps, opps = [], []
    for i, late in enumerate((10, 20, 30, 40)):
        close = pd.Timestamp("2024-03-01")
        snaps.append({"snapshot_date": "2024-02-05", "opportunity_id": f"H{i}", "stage": "qualified",
                      "amount": 1e6, "expected_close": close})
        opps.append({"opportunity_id": f"H{i}", "stage": "won", "amount": 1e6, "expected_close": close,
                     "closed_date": close + pd.Timedelta(days=late)})
    # Open deal expected 15 days before the quarter's end: 1 of 4 delays keeps it in.
    opps.append({"opportunity_id": "OPEN", "stage": "qualified", "amount": 2e6,
                 "expected_close": pd.Timestamp("2024-06-15"), "closed_date": pd.NaT})
    snaps.append({"snapshot_date": "2024-05-13", "opportunity_id": "OPEN", "stage": "qualified",
                  "amount": 2e6, "expected_close": pd.Timestamp("2024-06-15")})
    s = pd.DataFrame(snaps)
    s["snapshot_date"] = pd.to_datetime(s["snapshot_date"])
    c = Client.from_frames({"opportunities": pd.DataFrame(opps), "snapshots": s}, as_of="2024-05-15",
                           overrides={"forecast": {"min_deals": 1}})
    f = simulate(c, "quarter", slip=True, trials=1000)
    room = (pd.Timestamp("2024-06-30") - pd.Timestamp("2024-06-15")).days
    share_in_time = sum(d <= room for d in (10, 20, 30, 40)) / 4
    assert f.deals.set_index("opportunity_id").loc["OPEN", "in_time"] == pytest.approx(share_in_time)
    assert f.won_so_far == 1e6  # the deal 40 days late closed on 2024-04-10, in the quarter
    assert f.expected - f.won_so_far == pytest.approx(2e6 * RATES["qualified"] * share_in_time)
    with pytest.raises(MissingData, match="snapshots"):
        simulate(Client.from_frames({"opportunities": pd.DataFrame(opps)}, as_of="2024-05-15"), slip=True)


def test_demo_forecast(demo_client):
    f = simulate(demo_client, "year", trials=4000)
    assert f.p10 <= f.p50 <= f.p90
    d_exp = f.won_so_far + float((f.deals["amount"] * f.deals["p"]).sum())
    assert f.expected == pytest.approx(d_exp)
    se = f.sd / math.sqrt(f.trials)
    assert abs(f.mean - f.expected) < 5 * se


def test_same_result_whatever_the_threads(monkeypatch):
    import kalib.forecast as F

    rng = np.random.default_rng(2)
    a, p = rng.lognormal(12, 1, 900), rng.uniform(0, 1, 900)
    monkeypatch.setattr(F, "_THREAD_MIN_WORK", 1)
    threaded = simulate_totals(a, p, trials=5000, seed=4)
    monkeypatch.setattr(F, "_MAX_THREADS", 1)
    serial = simulate_totals(a, p, trials=5000, seed=4)
    assert np.array_equal(threaded, serial)
