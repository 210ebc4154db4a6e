"""The indicator registry: each health indicator declared once, read by health, team and checkup."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from kalib import Client, default_config
from kalib.checkup import INDICATOR_HOME
from kalib.health import evaluate, health_check
from kalib.indicators import INDICATORS, above_mean
from kalib.team import team_analysis


def test_every_indicator_of_the_method_is_declared_once():
    cfg = default_config()
    assert list(INDICATORS) == cfg.indicator_keys()
    for key, spec in INDICATORS.items():
        assert spec.key == key
        assert spec.definition(cfg)["id"] == cfg.indicator_keys().index(key) + 1
        for industry in ("manufacturing", "services"):
            assert spec.lines(cfg, industry) == cfg.line(key, industry)
        assert INDICATOR_HOME[key] == (spec.layer, spec.notebook)


def test_each_indicator_is_taught_where_the_registry_says(repo_root):
    for key, spec in INDICATORS.items():
        path = repo_root / "notebooks" / "en" / f"{spec.notebook}.ipynb"
        assert path.exists(), key
        assert spec.notebook.startswith(f"0{spec.layer}."), key
        if spec.section is not None:
            cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
            headings = [line for c in cells if c["cell_type"] == "markdown"
                        for line in "".join(c["source"]).splitlines() if line.startswith("#")]
            assert any(h.endswith(f" {spec.section}") for h in headings), (key, spec.section)


def test_advice_comes_from_the_registry():
    r = evaluate({key: 0.0 for key in INDICATORS}, "manufacturing")
    for ind in r:
        text = ind.gap_text("en", r.config)
        assert ind.value_text("en") in text and ind.distance_text("en") in text
        assert text == INDICATORS[ind.key].advice_en.format(
            value=ind.value_text("en"), line=text.split("pass line ")[1].split(";")[0], distance=ind.distance_text("en"),
            products="30%")


def _team_client(sales: list[float]) -> Client:
    names = [f"rep{i}" for i in range(len(sales))]
    revenue = pd.DataFrame({"date": pd.to_datetime(["2024-06-01"] * len(sales)),
                            "customer": [f"C{i}" for i in range(len(sales))], "amount": sales,
                            "salesperson": names})
    people = pd.DataFrame({"salesperson": names, "team": ["A"] * len(sales)})
    return Client.from_frames({"revenue": revenue, "salespeople": people}, name="tie", as_of="2024-12-31")


@pytest.mark.parametrize("sales, above", [
    ([700000.7] * 3, 0),  # a tie: the mean, computed, is 700000.6999999998; nobody is above it
    ([0.1] * 7, 0),
    ([1e6, 1e6, 4e6], 1),
    ([0.0, 2e6, 2e6, 2e6], 3),  # with no sales, counted at zero
])
def test_indicator_9_one_rule_for_health_and_team(sales, above):
    """Strictly above the mean (METHOD.md), ties not above: the same count in health and team."""
    c = _team_client(sales)
    h = health_check(c, "2024")["reps_above_mean"]
    t = team_analysis(c, "2024")
    assert h.detail["above_mean"] == above
    assert int(t.people["above_mean"].sum()) == above
    assert h.value == pytest.approx(above / len(sales))
    assert above_mean(pd.Series(sales)).sum() == above
