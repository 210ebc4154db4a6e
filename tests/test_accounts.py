"""Customer value (layer 1): values, tiers, trends, wallet shares, Pareto, concentration and
the big-company/small-customer lists, against numbers worked out by hand and a plain-Python
recomputation on the demo company."""

from __future__ import annotations

import pandas as pd
import pytest
from matplotlib.figure import Figure

import kalib
from kalib import Client, MissingData
from kalib.accounts import assign_tiers, concentration, customer_value, pareto

M = 1e6


def frames() -> dict[str, pd.DataFrame]:
    rows = [("2024-02-01", "A", 12 * M), ("2024-03-01", "B", 5 * M), ("2024-04-01", "C", 1.5 * M),
            ("2024-05-01", "D", 0.5 * M), ("2024-06-01", "E", 0.1 * M), ("2024-07-01", None, 0.4 * M),
            ("2023-02-01", "A", 10 * M), ("2023-03-01", "B", 6 * M), ("2023-04-01", "C", 1.5 * M),
            ("2023-05-01", "F", 2 * M)]
    rev = pd.DataFrame(rows, columns=["date", "customer", "amount"])
    rev["date"] = pd.to_datetime(rev["date"])
    cust = pd.DataFrame({
        "customer": ["A", "B", "C", "D", "E", "F", "G"],
        "employees": [500, 80, 20000, 50000, 30, 1000, 100000],
        "wallet": [24 * M, None, 3 * M, None, None, None, 50 * M],
        "segment": ["民营", "民营", "国企", "国企", "民营", "民营", "央企"],
    })
    return {"revenue": rev, "customers": cust}


@pytest.fixture(scope="module")
def cv():
    return customer_value(Client.from_frames(frames(), period="2024"))


def test_values_shares_tiers_trends(cv):
    t = cv.table.set_index("customer")
    assert list(cv.table["customer"]) == ["A", "B", "C", "D", "E", "F", "G"]
    assert cv.total == pytest.approx(19.5 * M) and cv.unassigned == pytest.approx(0.4 * M)
    assert t.loc["A", "value"] == 12 * M and t.loc["A", "share"] == pytest.approx(12 / 19.5)
    assert t.loc["F", "value"] == 0 and t.loc["F", "previous"] == 2 * M
    # default tiers: diamond >= 10M, platinum >= 3M, gold >= 1M, silver >= 200k, bronze >= 0
    assert t["tier"].to_dict() == {"A": "diamond", "B": "platinum", "C": "gold", "D": "silver", "E": "bronze",
                                   "F": "bronze", "G": "bronze"}
    assert t.loc["A", "tier_zh"] == "钻石"
    # +20%, -16.7%, 0%: growing, declining, stable (thresholds +-10%)
    assert t["trend"].to_dict() == {"A": "growing", "B": "declining", "C": "stable", "D": "new", "E": "new",
                                    "F": "lost", "G": "none"}
    assert t.loc["A", "growth"] == pytest.approx(0.2) and pd.isna(t.loc["D", "growth"])
    assert t.loc["A", "wallet_share"] == pytest.approx(0.5) and t.loc["C", "wallet_share"] == pytest.approx(0.5)
    assert pd.isna(t.loc["B", "wallet_share"])  # no wallet estimate: not available, not 0
    assert t.loc["A", "key_account"] and t.loc["B", "key_account"] and not t.loc["C", "key_account"]


def test_concentration_and_pareto(cv):
    c = cv.concentration()
    assert c["top_share"] == pytest.approx(19.1 / 19.5)  # fewer than 10 customers: all of them
    s = [v / 19.1 for v in (12, 5, 1.5, 0.5, 0.1)]
    assert c["hhi"] == pytest.approx(sum((100 * x) ** 2 for x in s))
    assert c["customers"] == 5 and c["customers_for_80pct"] == 2
    p = cv.pareto()
    assert list(p["customer"]) == ["A", "B", "C", "D", "E"]
    assert p["cum_share"].iloc[1] == pytest.approx(17 / 19.1) and p["cum_customers"].iloc[-1] == 1.0


def test_tier_summary_and_farming(cv):
    ts = cv.tier_summary().set_index("tier")
    assert ts["customers"].to_dict() == {"diamond": 1, "platinum": 1, "gold": 1, "silver": 1, "bronze": 3}
    assert ts.loc["bronze", "revenue"] == pytest.approx(0.1 * M)
    assert ts.loc["diamond", "revenue_share"] == pytest.approx(12 / 19.5)
    f = cv.farming()
    assert f["existing_revenue"] == pytest.approx(18.5 * M) and f["new_revenue"] == pytest.approx(0.6 * M)
    assert (f["existing_customers"], f["new_customers"], f["lost_customers"]) == (3, 2, 1)


def test_big_company_small_customer(cv):
    sv = cv.size_vs_value()
    # G: the largest company (100,000 employees) brings nothing; A: small company, the largest customer
    assert sv[["customer", "kind"]].values.tolist() == [["G", "big_company_small_customer"],
                                                         ["A", "small_company_big_customer"]]
    wider = customer_value(Client.from_frames(frames(), period="2024", overrides={
        "accounts": {"size_value": {"big_size": 0.3}}})).size_vs_value()
    # size ranks G 7/7, D 6/7, C 5/7 > 0.7; value ranks (among A..E) D 0.4, C 0.6 -> G and D
    assert list(wider.loc[wider["kind"] == "big_company_small_customer", "customer"]) == ["G", "D"]


def test_no_sizes_is_missing_data():
    f = frames()
    f["customers"] = f["customers"].drop(columns=["employees"])
    with pytest.raises(MissingData, match="employees"):
        customer_value(Client.from_frames(f, period="2024")).size_vs_value()


def test_value_is_per_year_for_shorter_periods():
    t = customer_value(Client.from_frames(frames()), "2024-01-01..2024-06-30").table.set_index("customer")
    assert t.loc["A", "value"] == pytest.approx(12 * M / (182 / 365.25))
    assert t.loc["A", "revenue"] == 12 * M


def test_building_blocks():
    cfg = kalib.default_config()
    assert assign_tiers(pd.Series([-5.0, 3e6]), cfg).tolist() == ["bronze", "platinum"]
    assert concentration(pd.Series([], dtype=float))["hhi"] is None
    assert pareto(pd.Series({"A": 0.0, "B": -1.0})).empty
    custom = cfg.with_overrides({"tiers": {"list": [{"key": "key", "zh": "大客户", "en": "Key", "min": 5e6},
                                                    {"key": "other", "zh": "其他", "en": "Other", "min": 0}]}})
    assert assign_tiers(pd.Series([6e6, 1e6]), custom).tolist() == ["key", "other"]


def test_to_dict_is_json(cv):
    import json

    d = cv.to_dict()
    json.dumps(d, ensure_ascii=False)
    assert d["period"]["label"] == "2024" and d["top"][0]["customer"] == "A"
    assert d["top"][1]["wallet_share"] is None


def test_demo_against_plain_python(demo_client):
    c = demo_client
    cv = customer_value(c)
    per = cv.period
    rows = [r for r in c.tables["revenue"].to_dict("records") if per.start <= r["date"] <= per.end]
    total = sum(r["amount"] for r in rows)
    by: dict[str, float] = {}
    for r in rows:
        if not pd.isna(r["customer"]):
            by[r["customer"]] = by.get(r["customer"], 0.0) + r["amount"]
    vals = sorted(by.values(), reverse=True)
    conc = cv.concentration()
    assert conc["top_share"] == pytest.approx(sum(vals[:10]) / total)
    pos = [v for v in vals if v > 0]
    assert conc["hhi"] == pytest.approx(sum((100 * v / sum(pos)) ** 2 for v in pos))
    mins = {t["key"]: t["min"] for t in c.config.tiers()}
    n_diamond = sum(v / per.years >= mins["diamond"] for v in by.values())
    assert int((cv.table["tier"] == "diamond").sum()) == n_diamond
    t = cv.table.set_index("customer")
    for name, v in list(by.items())[:20]:
        assert t.loc[name, "value"] == pytest.approx(v / per.years)
    # the demo's story: huge groups (央企) that buy little
    sv = cv.size_vs_value()
    big_small = sv.loc[sv["kind"] == "big_company_small_customer"]
    assert len(big_small) >= 1 and big_small["employees"].max() >= 10_000


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_charts(cv, lang):
    from kalib.charts.accounts import pareto_chart, size_value_chart, tier_chart, value_trend_chart

    for fn in (pareto_chart, tier_chart, size_value_chart, value_trend_chart):
        fig = fn(cv, lang=lang)
        assert isinstance(fig, Figure)
        title = fig.axes[0].get_title() or (fig._suptitle.get_text() if fig._suptitle else "")
        assert ("2024" in title) and ((any("\u4e00" <= ch <= "\u9fff" for ch in title)) == (lang == "zh"))


def test_cli_accounts(capsys):
    import json

    from kalib.cli import main

    assert main(["accounts", "demo", "--json", "--top", "3"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert len(d["top"]) == 3 and d["concentration"]["top_share"] > 0
    assert d["size_vs_value"] and d["size_vs_value"][0]["kind"] == "big_company_small_customer"
    assert main(["accounts", "demo", "--lang", "en", "--top", "5"]) == 0
    out = capsys.readouterr().out
    assert "Herfindahl-Hirschman" in out and "Big company, small customer" in out
    assert main(["accounts", "demo", "--top", "0"]) == 2
