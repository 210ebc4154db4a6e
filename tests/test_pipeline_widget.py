"""The live win-rate panel (kalib.widgets.pipeline), driven without a browser."""

from __future__ import annotations

import pandas as pd
import pytest

from kalib import Client, default_config
from kalib.widgets.pipeline import winrate_panel

RATES = default_config().stage_rates()
# id, stage, amount, expected close
OPEN = [("A", "qualified", 1e6, "2024-06-20"), ("B", "agreed", 2e6, "2024-06-25"),
        ("C", "validated", 4e6, "2024-06-28"), ("D", "solution", 3e6, "2024-11-30")]


def _opps() -> pd.DataFrame:
    df = pd.DataFrame(OPEN, columns=["opportunity_id", "stage", "amount", "expected_close"])
    df = pd.concat([df, pd.DataFrame({"opportunity_id": ["W", "L"], "stage": ["won", "lost"],
                                      "amount": [5e5, 7e5], "expected_close": ["2024-04-10", "2024-04-12"],
                                      "closed_date": ["2024-04-10", "2024-04-12"]})], ignore_index=True)
    for c in ("expected_close", "closed_date"):
        df[c] = pd.to_datetime(df[c])
    df["owner"] = "Li"
    return df


@pytest.fixture()
def client() -> Client:
    return Client.from_frames({"opportunities": _opps()}, as_of="2024-05-31", sales_target=24e6)


def _expected(rates, end="2024-06-30") -> float:
    return sum(a * rates[s] for _, s, a, d in OPEN if pd.Timestamp(d) <= pd.Timestamp(end))


def test_panel_builds_and_shows_totals(client):
    p = winrate_panel(client, lang="en", trials=2000)
    d = p.dashboard()
    assert d.expected == pytest.approx(_expected(RATES))
    assert d.won_so_far == 5e5 and d.target == pytest.approx(6e6)
    assert "Won so far" in p.totals.value and "P50" in p.totals.value
    assert "◆" in p.band.value and p.errors.value == ""
    assert set(p.rates) == {"understand", "identified", "validated", "qualified", "solution", "agreed"}


def test_moving_a_slider_updates_board2_and_forecast(client):
    p = winrate_panel(client, lang="en", trials=2000)
    before = p.forecast().p50
    p.rates["validated"].value = 80
    rates = dict(RATES, validated=0.8)
    assert p.dashboard().expected == pytest.approx(_expected(rates))
    assert p.forecast().expected == pytest.approx(5e5 + _expected(rates))
    assert p.forecast().p50 > before
    assert p.rates["validated"].continuous_update is False


def test_target_and_milestone(client):
    p = winrate_panel(client, lang="zh", trials=2000)
    assert p.target.value == pytest.approx(2400.0)  # 万元
    p.target.value = 0
    assert p.dashboard().target is None and p.forecast().prob_hit is None
    assert "未设置" in p.totals.value
    p.target.value = 4800.0
    assert p.dashboard().target == pytest.approx(48e6 / 4)
    p.milestone.value = "year"
    assert p.dashboard().period.label == "2024"
    assert p.dashboard().expected == pytest.approx(_expected(RATES, "2024-12-31"))


def test_learned_rates_need_snapshots(client):
    p = winrate_panel(client, lang="en", trials=1000)
    assert p.source.disabled and "snapshots" in p.note.value and p.slip.disabled


def test_learned_rates_and_reset(demo_client):
    from kalib.calibration import calibrate

    p = winrate_panel(demo_client, lang="en", trials=1000)
    assert not p.source.disabled
    learned = calibrate(demo_client).learned_rates()
    p.source.value = "learned"
    for k, s in p.rates.items():
        assert s.value == round(learned[k] * 100)
    assert p.dashboard().rates["qualified"] == pytest.approx(round(learned["qualified"] * 100) / 100)
    p.slip.value = True
    assert p.forecast().slip
    p.reset.click()
    assert p.source.value == "configured" and not p.slip.value
    assert all(s.value == round(RATES[k] * 100) for k, s in p.rates.items())
    assert p.errors.value == ""


def test_errors_show_in_the_panel(client):
    p = winrate_panel(client, lang="en", trials=1000)
    p.milestone.options = list(p.milestone.options) + [("bad", "fortnight")]
    p.milestone.value = "fortnight"
    assert "unknown milestone" in p.errors.value
    p.milestone.value = "quarter"
    assert p.errors.value == ""
