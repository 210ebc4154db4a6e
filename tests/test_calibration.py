"""Win rates learned from history (kalib.calibration).

Stage observations, observed rates, Brier scores and time to close are
recomputed here from the raw snapshot and opportunity rows.
"""

from __future__ import annotations

import json
import math
import statistics

import numpy as np
import pandas as pd
import pytest

from kalib import Client, MissingData, default_config
from kalib.calibration import calibrate, pav_increasing, slip_delays, stage_observations, wilson_interval

AS_OF = "2024-03-01"
D1, D2, D3 = "2024-01-01", "2024-01-08", "2024-01-15"
# (date, id, stage, override, expected_close)
SNAPS = [
    (D1, "K1", "qualified", None, "2024-01-31"), (D2, "K1", "solution", None, "2024-01-31"),
    (D3, "K1", "won", None, "2024-01-31"),
    (D1, "K2", "qualified", None, "2024-02-15"), (D2, "K2", "qualified", None, "2024-02-15"),
    (D3, "K2", "lost", None, "2024-02-15"),
    (D1, "K3", "validated", None, "2024-01-20"), (D2, "K3", "qualified", None, "2024-01-25"),
    (D3, "K3", "qualified", None, "2024-01-25"),
    (D1, "K4", "validated", None, "2024-02-01"), (D2, "K4", "validated", None, "2024-02-01"),
    (D1, "K5", "identified", None, "2024-06-01"), (D2, "K5", "identified", None, "2024-06-01"),
    (D3, "K5", "identified", None, "2024-06-01"),
    (D1, "K6", "agreed", None, "2024-03-15"),
    (D2, "K7", "solution", None, "2024-02-20"), (D3, "K7", "lost", None, "2024-02-20"),
    (D1, "K8", "qualified", 0.9, "2024-01-10"),
]
# id: (stage, closed_date); K7 is only in the snapshots
OPPS = {
    "K1": ("won", "2024-01-14"), "K2": ("lost", "2024-01-12"), "K3": ("won", "2024-02-01"),
    "K4": ("lost", "2024-01-10"), "K5": ("identified", None), "K6": ("won", "2024-04-01"),
    "K8": ("won", "2024-01-20"),
}
CFG = default_config()
RATES, STATUS = CFG.stage_rates(), CFG.stage_status()


def _client(**overrides) -> Client:
    s = pd.DataFrame(SNAPS, columns=["snapshot_date", "opportunity_id", "stage", "win_rate_override",
                                     "expected_close"])
    s["amount"] = 1e6
    for c in ("snapshot_date", "expected_close"):
        s[c] = pd.to_datetime(s[c])
    o = pd.DataFrame([(k, st, cd) for k, (st, cd) in OPPS.items()], columns=["opportunity_id", "stage",
                                                                             "closed_date"])
    o["closed_date"] = pd.to_datetime(o["closed_date"])
    o["amount"] = 1e6
    return Client.from_frames({"snapshots": s, "opportunities": o}, as_of=AS_OF, **overrides)


@pytest.fixture(scope="module")
def client() -> Client:
    return _client()


def _observations():
    """(deal, stage, first_seen, outcome, closed_date, configured, override) from the raw rows."""
    seen = {}
    for date, oid, stage, ov, close in sorted(SNAPS):
        if STATUS[stage] == "open" and (oid, stage) not in seen:
            seen[(oid, stage)] = (pd.Timestamp(date), ov, pd.Timestamp(close))
    out = []
    for (oid, stage), (first, ov, close) in seen.items():
        if oid in OPPS:
            st, cd = OPPS[oid]
            cd = pd.Timestamp(cd) if cd else None
        else:  # the deal's last snapshot, closed on the first snapshot that shows it closed
            rows = sorted(r for r in SNAPS if r[1] == oid)
            st = rows[-1][2]
            cd = next((pd.Timestamp(r[0]) for r in rows if STATUS[r[2]] != "open"), None)
        known = STATUS[st] != "open" and (cd is None or cd <= pd.Timestamp(AS_OF))
        outcome = (1.0 if STATUS[st] == "won" else 0.0) if known else None
        out.append((oid, stage, first, outcome, cd, RATES[stage], ov, close))
    return out


def test_observations(client):
    obs = stage_observations(client)
    want = _observations()
    assert len(obs) == len(want)
    got = {(r.opportunity_id, r.stage): r for r in obs.itertuples()}
    for oid, stage, first, outcome, _cd, cfg, ov, close in want:
        r = got[(oid, stage)]
        assert r.first_seen == first and r.configured == cfg and r.expected_close == close
        assert (math.isnan(r.outcome) if outcome is None else r.outcome == outcome), (oid, stage)
        assert (math.isnan(r.override) if ov is None else r.override == ov)


def test_observed_rates_counts_and_interval(client):
    cal = calibrate(client)
    closed = [o for o in _observations() if o[3] is not None]
    conf = CFG.section("forecast")["confidence"]
    for stage in cal.table.index:
        rows = [o for o in closed if o[1] == stage]
        n, won = len(rows), sum(o[3] for o in rows)
        t = cal.table.loc[stage]
        assert (t["closed"], t["won"], t["lost"]) == (n, won, n - won), stage
        assert t["configured"] == RATES[stage]
        if n:
            assert t["observed"] == pytest.approx(won / n)
            z = statistics.NormalDist().inv_cdf(1 - (1 - conf) / 2)
            p = won / n
            centre = (p + z * z / (2 * n)) / (1 + z * z / n)
            half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
            assert (t["ci_low"], t["ci_high"]) == pytest.approx((centre - half, centre + half))
        else:
            assert math.isnan(t["observed"])
    assert cal.table.loc["qualified", ["closed", "won"]].tolist() == [4, 3]
    assert cal.n_observations == len(closed)
    assert cal.n_deals == len({o[0] for o in closed})


def test_wilson_reference_values():
    lo, hi = wilson_interval(8, 10, 0.95)  # published: 0.490, 0.943
    assert (round(float(lo), 3), round(float(hi), 3)) == (0.49, 0.943)
    lo, hi = wilson_interval(0, 0, 0.95)
    assert math.isnan(lo) and math.isnan(hi)


def test_brier_scores(client):
    cal = calibrate(client)
    closed = [o for o in _observations() if o[3] is not None]
    y = np.array([o[3] for o in closed])
    assert cal.brier_configured == pytest.approx(np.mean((np.array([o[5] for o in closed]) - y) ** 2))
    assert cal.brier_base == pytest.approx(np.mean((y.mean() - y) ** 2))
    ov = [(o[6], o[3]) for o in closed if o[6] is not None]
    assert cal.brier_override == pytest.approx(np.mean([(p - t) ** 2 for p, t in ov]))


def test_suggested_rates_shrink_and_stay_increasing(client):
    k = CFG.section("forecast")["prior_deals"]
    cal = calibrate(client)
    closed = [o for o in _observations() if o[3] is not None]
    raw = []
    for stage in cal.table.index:
        rows = [o for o in closed if o[1] == stage]
        raw.append((sum(o[3] for o in rows) + k * RATES[stage]) / (len(rows) + k))
    assert raw == sorted(raw)  # already increasing in this fixture: no pooling needed
    assert cal.table["suggested"].tolist() == pytest.approx(raw)
    assert cal.learned_rates()["qualified"] == pytest.approx((3 + k * 0.5) / (4 + k))
    # Without a prior the suggestion is the observed rate, pooled where it would fall along the steps:
    # qualified 3/4 then solution 1/2 pool to 4/6.
    cal0 = calibrate(client, prior_deals=0)
    assert cal0.table.loc[["qualified", "solution"], "suggested"].tolist() == pytest.approx([4 / 6, 4 / 6])


def test_pav():
    assert pav_increasing(np.array([0.5, 0.2, 0.3]), np.array([1.0, 1.0, 2.0])).tolist() == \
        pytest.approx([(0.5 + 0.2 + 0.6) / 4] * 3)
    assert pav_increasing(np.array([0.1, 0.2]), np.array([1.0, 1.0])).tolist() == [0.1, 0.2]


def test_reliability_and_time_to_close(client):
    cal = calibrate(client)
    closed = [o for o in _observations() if o[3] is not None]
    for rate, row in cal.reliability.iterrows():
        rows = [o for o in closed if o[5] == rate]
        assert row["n"] == len(rows) and row["observed"] == pytest.approx(sum(o[3] for o in rows) / len(rows))
    won_q = sorted((o[4] - o[2]).days for o in closed if o[1] == "qualified" and o[3] == 1)
    assert cal.time_to_close.loc["qualified", "won_n"] == len(won_q)
    assert cal.time_to_close.loc["qualified", "won_median"] == statistics.median(won_q)
    assert cal.time_to_close.loc["identified", "won_n"] == 0


def test_slip_delays(client):
    d = slip_delays(client)
    closed_won = [o for o in _observations() if o[3] == 1]
    want = sorted((o[4] - o[7]).days for o in closed_won)
    assert sorted(d["all"].tolist()) == want
    assert sorted(d["qualified"].tolist()) == sorted((o[4] - o[7]).days for o in closed_won if o[1] == "qualified")


def test_needs_snapshots():
    o = pd.DataFrame({"opportunity_id": ["A"], "stage": ["won"], "amount": [1e6],
                      "closed_date": pd.to_datetime(["2024-01-01"])})
    with pytest.raises(MissingData, match="snapshots table"):
        calibrate(Client.from_frames({"opportunities": o}, as_of=AS_OF))


def test_nothing_closed_yet_says_so():
    s = pd.DataFrame({"snapshot_date": pd.to_datetime([D1]), "opportunity_id": ["Z"], "stage": ["qualified"],
                      "amount": [1e6]})
    cal = calibrate(Client.from_frames({"snapshots": s}, as_of=AS_OF))
    assert cal.brier_configured is None and cal.n_observations == 0
    assert any("can be learned once" in en for _, en in cal.notes)
    assert cal.learned_rates()["qualified"] == pytest.approx(0.5)


def test_to_dict_summary_and_demo(client, demo_client):
    cal = calibrate(client)
    json.dumps(cal.to_dict(), ensure_ascii=False)
    assert "合格" in cal.summary("zh") and "Qualified" in cal.summary("en")
    demo = calibrate(demo_client)
    assert int(demo.table["closed"].sum()) == demo.n_observations > 0
    s = demo.table["suggested"].to_numpy()
    assert (np.diff(s) >= -1e-12).all()
