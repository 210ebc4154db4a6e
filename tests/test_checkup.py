"""The whole check on a client (kalib.checkup, notebook 05.00)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pandas as pd
import pytest

from kalib import Client, default_config
from kalib.checkup import ACTION_SPECS, INDICATOR_HOME, PARTS, client_check, due_date

ROOT = Path(__file__).resolve().parents[1]


def test_every_indicator_has_a_home_notebook():
    assert set(INDICATOR_HOME) == set(default_config().indicator_keys())
    for layer, nb in INDICATOR_HOME.values():
        assert 1 <= layer <= 4 and nb[:2] == f"0{layer}"


def test_missing_parts_say_why_and_the_rest_still_works():
    rev = pd.DataFrame({"date": pd.to_datetime(["2024-03-01", "2024-05-01", "2023-04-01"]),
                        "customer": ["A", "B", "A"], "amount": [6e6, 3e6, 2e6], "salesperson": ["王", "李", "王"]})
    chk = client_check(Client.from_frames({"revenue": rev}, period="2024"))
    assert {k: chk.available(k) for k in PARTS} == {
        "health": True, "accounts": True, "pipeline": False, "deals": False, "team": True}
    assert "opportunities table" in chk.section("pipeline", "en").text
    assert chk.section("deals", "zh").text.startswith("**无法提供**")
    rec = chk.records()
    assert "check.forecast_p50" not in rec and rec["check.team_share_above_mean"] == pytest.approx(0.5)
    with pytest.raises(KeyError):
        chk.part("weather")


def test_acme_check(acme_client):
    chk = client_check(acme_client)
    assert all(chk.available(k) for k in PARTS)
    acts = chk.sales_actions()
    assert 1 <= len(acts) <= 3
    text = chk.conclusion("zh")
    assert text.startswith("**销售负责人先做") and "1. " in text
    # The first action answers the health check's largest gap among what sales can change.
    from kalib.health import health_check

    not_sales = set(acme_client.config.section("sales_actions")["not_sales"])
    first = next(i for i in health_check(acme_client).gaps(10) if i.key not in not_sales)
    assert acts[0].key == first.key and first.value_text("en") in acts[0].because_en
    for key in PARTS:
        view = chk.section(key, "en")
        assert view.text and view.figure is not None


def _notebook_headings(name: str, lang: str) -> list[str]:
    nb = json.loads((ROOT / "notebooks" / lang / f"{name}.ipynb").read_text(encoding="utf-8"))
    return [line for c in nb["cells"] if c["cell_type"] == "markdown"
            for line in "".join(c["source"]).splitlines() if line.startswith("#")]


@pytest.mark.parametrize("key", sorted(ACTION_SPECS))
def test_every_action_points_to_a_notebook_section_that_teaches_it(key):
    spec = ACTION_SPECS[key]
    for lang, section in (("zh", spec.section_zh), ("en", spec.section_en)):
        heads = _notebook_headings(spec.notebook, lang)
        assert any(h.endswith(" " + section) for h in heads), (lang, spec.notebook, section, heads)
    # A layer's notebook, or the health check-up before the layers.
    assert spec.notebook.startswith((f"0{spec.layer}.", "00.01-"))


def test_no_action_on_what_sales_cannot_change():
    not_sales = set(default_config().section("sales_actions")["not_sales"])
    assert {"output_per_employee", "core_product_share"} <= not_sales
    assert not not_sales & set(ACTION_SPECS)
    assert set(default_config().section("sales_actions")["due"]) == set(ACTION_SPECS)


def _below(h, key, value):
    """The indicator ``key`` of ``h`` set to ``value`` and below its pass line."""
    ind = h[key]
    h.indicators[h.indicators.index(ind)] = dataclasses.replace(ind, value=value, status="below")


def test_actions_skip_what_sales_cannot_change_and_indicators_without_a_value(demo_client):
    from kalib.health import health_check

    chk = client_check(demo_client)
    h = health_check(demo_client)
    # Output per employee far below its line, NPS "below" but without a value: neither is an action.
    _below(h, "output_per_employee", 1.0)
    _below(h, "nps", None)
    chk._cache["health"] = h
    keys = [a.key for a in chk.sales_actions(n=10)]
    assert "output_per_employee" not in keys and "nps" not in keys
    below = [i.key for i in h.indicators if i.status == "below" and i.value is not None
             and i.key not in ("output_per_employee", "core_product_share")]
    assert below and keys[0] in below
    # one action per notebook section
    sections = [(a.notebook, a.section_en) for a in chk.sales_actions(n=10)]
    assert len(sections) == len(set(sections))


def test_each_action_says_who_what_by_when_from_the_as_of_date(demo_client):
    chk = client_check(demo_client)
    due = demo_client.config.section("sales_actions")["due"]
    as_of = pd.Timestamp(demo_client.as_of).normalize()
    acts = chk.sales_actions()
    assert len(acts) == 3
    for a in acts:
        earliest = as_of + pd.Timedelta(days=due[a.key]["days"])
        assert a.by.weekday() == 0 and earliest <= a.by < earliest + pd.Timedelta(days=7)
        for lang in ("zh", "en"):
            line = a.text(lang)
            assert a.who(lang) in line and a.what(lang) in line and str(a.by.date()) in line
            assert f"]({a.notebook}.ipynb)" in line
            assert "{" not in line  # every field filled in
    assert chk.conclusion("en").startswith("**Three things for the sales leader to do first:**")
    # the renewal action names the lost customers' count, counted here from the rows
    ren = [a for a in acts if a.key == "renewal_rate"]
    if ren:
        r = demo_client.tables["revenue"]
        per = demo_client.period(None)
        prev = per.previous()
        before = set(r.loc[prev.contains(r["date"])].groupby("customer")["amount"].sum().loc[lambda s: s > 0].index)
        now = set(r.loc[per.contains(r["date"])].groupby("customer")["amount"].sum().loc[lambda s: s > 0].index)
        assert f" {len(before - now)} " in ren[0].what_zh


def test_due_date_is_the_next_monday():
    for start in pd.date_range("2024-12-25", periods=10):
        d = due_date(start, 7)
        assert d.weekday() == 0 and 0 <= (d - start - pd.Timedelta(days=7)).days < 7


def test_the_first_action_exercise_points_to_its_notebook(demo_client):
    from kalib import exercises
    from kalib.health import health_check

    not_sales = set(demo_client.config.section("sales_actions")["not_sales"])
    below = [i for i in health_check(demo_client).indicators
             if i.status == "below" and i.value is not None and i.key not in not_sales]
    first = max(below, key=lambda i: ((i.pass_line - i.value) / abs(i.pass_line), -i.id))
    right = ACTION_SPECS[first.key].notebook
    assert exercises.check("05.00-first-action-notebook", demo_client, right, "zh").correct
    wrong = sorted({s.notebook for s in ACTION_SPECS.values()} - {right})[0]
    fb = exercises.check("05.00-first-action-notebook", demo_client, wrong, "zh")
    assert not fb.correct and "链接" in fb.message
