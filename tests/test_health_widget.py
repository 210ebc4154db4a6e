"""The live health-check panel, driven without a browser: set values, read what it shows."""

from __future__ import annotations

import time

import pandas as pd
import pytest

from kalib import Client
from kalib.widgets.health import health_panel, scorecard_html

M = 1e6


def small_client(**meta) -> Client:
    rev = pd.DataFrame({
        "date": pd.to_datetime(["2023-05-01", "2023-06-01", "2024-03-01", "2024-04-01", "2024-05-01"]),
        "customer": ["A", "B", "A", "B", "C"],
        "amount": [4 * M, 2 * M, 6 * M, 3 * M, 1 * M],
        "salesperson": ["王", "李", "王", "李", "李"],
    })
    opp = pd.DataFrame({
        "opportunity_id": ["1", "2", "3", "4"], "stage": ["won", "lost", "lost", "qualified"],
        "amount": [1 * M, 1 * M, 1 * M, 12 * M], "owner": ["王", "李", "李", "王"],
        "closed_date": pd.to_datetime(["2024-02-01", "2024-03-01", "2024-04-01", None]),
    })
    return Client.from_frames({"revenue": rev, "opportunities": opp}, period="2024", **meta)


def row_status(panel, key: str) -> str:
    html = panel.scorecard.value
    i = html.index(f'data-key="{key}"')
    return html[i:].split('data-status="', 1)[1].split('"', 1)[0]


def test_prefilled_from_client_data():
    p = health_panel(small_client(sales_target=5 * M), lang="en")
    # revenue 2024: 10 M over A 6, B 3, C 1: top-10 share 100%; renewal A, B of A, B: 100%
    assert p.inputs["top10_share"].value == pytest.approx(100.0)
    assert p.inputs["renewal_rate"].value == pytest.approx(100.0)
    # won 1 of 3 closed in 2024; open 12 M over a 5 M target = 2.4x
    assert p.inputs["win_rate"].value == pytest.approx(100 / 3)
    assert p.inputs["pipeline_coverage"].value == pytest.approx(2.4)
    # money in M RMB in English: 10 M over 2 salespeople
    assert p.inputs["sales_per_rep"].value == pytest.approx(5.0)
    # no NPS, no wallet, no employees: unticked, slider disabled, reason shown, never 0
    for key in ("nps", "wallet_share", "output_per_employee"):
        assert p.known[key].value is False and p.inputs[key].disabled
        assert row_status(p, key) == "na"
    assert "no NPS answers in the period" in p.scorecard.value
    assert "no employee count" in p.scorecard.value
    assert "no product" in p.scorecard.value  # indicator 10: revenue names no product
    # two salespeople are fewer than indicator 9 needs (method.yaml): not available, with the reason
    assert row_status(p, "reps_above_mean") == "na" and "only 2 salesperson(s)" in p.scorecard.value
    assert "5 of the 10 indicators could be measured" in p.reading.value
    assert p.errors.value == ""


def test_changes_update_scorecard_and_reading():
    p = health_panel(small_client(sales_target=5 * M), lang="en")
    assert row_status(p, "win_rate") == "pass"
    p.inputs["win_rate"].value = 20.0
    assert row_status(p, "win_rate") == "below"
    assert "13 points below the pass line" in p.scorecard.value
    assert "You win 20% of the deals" in p.reading.value
    # tick NPS and give it a value
    p.known["nps"].value = True
    assert not p.inputs["nps"].disabled
    p.inputs["nps"].value = 25.0
    assert row_status(p, "nps") == "excellent" and "6 of the 10 indicators" in p.reading.value
    # untick: back to not available, with the reason from the data
    p.known["nps"].value = False
    assert row_status(p, "nps") == "na" and "no NPS answers in the period" in p.scorecard.value
    assert p.result()["nps"].value is None


def test_industry_switch_changes_the_lines():
    p = health_panel(small_client(), lang="zh")
    p.known["nps"].value = True
    p.inputs["nps"].value = 25.0
    assert row_status(p, "nps") == "excellent"           # manufacturing: 10% pass, 20% excellent
    p.industry.value = "services"
    assert row_status(p, "nps") == "below"               # services: 40%
    assert "服务业标准" in p.reading.value and "及格 40%" in p.scorecard.value
    assert p.result().industry == "services"


def test_pipeline_gap_worded_with_the_target():
    p = health_panel(small_client(sales_target=5 * M), lang="en")
    p.inputs["pipeline_coverage"].value = 2.0
    assert "needs RMB 5M more pipeline" in p.scorecard.value


def test_reset_restores_the_starting_values():
    p = health_panel(small_client(sales_target=5 * M), lang="en")
    p.inputs["win_rate"].value = 80.0
    p.industry.value = "services"
    p.known["nps"].value = True
    p.reset.click()
    assert p.inputs["win_rate"].value == pytest.approx(100 / 3)
    assert p.industry.value == "manufacturing" and p.known["nps"].value is False


def test_blank_self_assessment_and_given_values():
    p = health_panel(lang="en")
    assert all(not b.value for b in p.known.values())
    assert "0 of the 10 indicators could be measured" in p.reading.value
    p.known["sales_per_rep"].value = True
    p.inputs["sales_per_rep"].value = 7.0   # M RMB
    assert row_status(p, "sales_per_rep") == "below"
    assert p.result()["sales_per_rep"].value == pytest.approx(7 * M)
    q = health_panel(values={"sales_per_rep": 7 * M, 1: "62%"}, industry="services", lang="zh")
    assert q.inputs["top10_share"].value == pytest.approx(62.0)
    assert q.inputs["sales_per_rep"].value == pytest.approx(700.0)  # 万元
    assert row_status(q, "sales_per_rep") == "pass"


def test_errors_are_shown_not_swallowed(monkeypatch):
    p = health_panel(lang="en")
    import kalib.widgets.health as wh

    def boom(*a, **k):
        raise RuntimeError("scorecard exploded")

    monkeypatch.setattr(wh, "scorecard_html", boom)
    p.known["nps"].value = True
    assert "scorecard exploded" in p.errors.value


def test_recompute_is_fast():
    p = health_panel(small_client(sales_target=5 * M), lang="zh")
    t = time.perf_counter()
    for v in range(10, 60, 5):
        p.inputs["win_rate"].value = float(v)
    per_change = (time.perf_counter() - t) / 10
    assert per_change < 0.5  # about 5 ms on a quiet machine; the benchmark reports the real figure


def test_scorecard_html_marks_status_with_symbol_and_colour():
    from kalib.health import evaluate

    h = scorecard_html(evaluate({"top10_share": 0.75, "win_rate": 0.3}, "manufacturing"), "en")
    assert 'data-key="top10_share" data-status="excellent"' in h and "★ 75%" in h
    assert 'data-key="win_rate" data-status="below"' in h and "✗ 30%" in h
    assert "border-left:2px dashed" in h  # the excellent line of indicator 1
