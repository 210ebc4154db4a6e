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


# ---------------------------------------------------------------------------
# Layer 1, the customer's needs: buying history, needs against wallet, industries
# ---------------------------------------------------------------------------
def needs_frames() -> dict[str, pd.DataFrame]:
    """Three years of purchases by hand: A moves from machines to service, B stays on machines."""
    rows = [("2022-03-01", "A", "M1", 8 * M), ("2022-04-01", "A", "S1", 2 * M),
            ("2023-03-01", "A", "M1", 6 * M), ("2023-05-01", "A", "S1", 4 * M),
            ("2024-02-01", "A", "M1", 3 * M), ("2024-06-01", "A", "S1", 9 * M),
            ("2024-03-01", "B", "M2", 11 * M), ("2023-03-01", "B", "M2", 10 * M), ("2022-03-01", "B", "M2", 10 * M),
            ("2024-04-01", "C", "P1", 0.5 * M), ("2024-04-01", "D", "S1", 4 * M), ("2024-05-01", "D", "M1", 1 * M),
            ("2024-07-01", None, "M1", 1 * M)]
    rev = pd.DataFrame(rows, columns=["date", "customer", "product", "amount"])
    rev["date"] = pd.to_datetime(rev["date"])
    products = pd.DataFrame({"product": ["M1", "M2", "S1", "P1"], "category": ["机床", "机床", "服务", None]})
    cust = pd.DataFrame({"customer": ["A", "B", "C", "D"], "industry": ["电子", "船舶", "电子", "汽车"],
                         "wallet": [30 * M, None, 2 * M, 5 * M]})
    opp = pd.DataFrame({
        "opportunity_id": ["O1", "O2", "O3", "O4", "O5"],
        "customer": ["A", "A", "A", "A", "B"],
        "product": ["S1", "S1", "M1", "M1", "M2"],
        "amount": [5 * M, 2 * M, 1 * M, 3 * M, 9 * M],
        "stage": ["won", "identified", "abandoned", "lost", "won"],
        "status": ["won", "open", "lost", "lost", "won"],
        "created": pd.to_datetime(["2024-01-10", "2024-05-01", "2024-06-01", "2023-05-01", "2024-02-01"]),
    })
    nps = pd.DataFrame({"date": pd.to_datetime(["2024-03-01", "2024-04-01", "2024-05-01", "2023-06-01", "2024-06-01"]),
                        "customer": ["A", "A", "A", "A", "B"], "score": [10, 5, 8, 9, 3],
                        "respondent": ["甲", "乙", "丙", "丁", "戊"]})
    return {"revenue": rev, "products": products, "customers": cust, "opportunities": opp, "nps": nps}


@pytest.fixture(scope="module")
def nc():
    return Client.from_frames(needs_frames(), period="2024")


def test_buying_history_by_category_and_period(nc):
    from kalib.accounts import buying_history

    h = buying_history(nc, "A")
    assert list(h["period"].unique()) == ["2022", "2023", "2024"]
    got = {(r.period, r.category): (r.revenue, round(r.share, 4)) for r in h.itertuples()}
    assert got == {("2022", "机床"): (8 * M, 0.8), ("2022", "服务"): (2 * M, 0.2),
                   ("2023", "机床"): (6 * M, 0.6), ("2023", "服务"): (4 * M, 0.4),
                   ("2024", "机床"): (3 * M, 0.25), ("2024", "服务"): (9 * M, 0.75)}
    # A product without a category is its own; revenue with no customer is nobody's.
    everyone = buying_history(nc, None, periods=1)
    assert dict(zip(everyone["category"], everyone["revenue"])) == {"机床": 15 * M, "服务": 13 * M, "P1": 0.5 * M}
    no_product = needs_frames()
    no_product["revenue"] = no_product["revenue"].drop(columns="product")
    with pytest.raises(MissingData, match="product"):
        buying_history(Client.from_frames(no_product, period="2024"), "A")


def test_mix_shifts(nc):
    from kalib.accounts import describe_shifts, mix_shifts, shifts_table

    sh = mix_shifts(nc, ["A", "B", "D"]).set_index("customer")
    assert sh.loc["A", "top_first"] == "机床" and sh.loc["A", "top_last"] == "服务"
    # 机床 80% -> 25% and 服务 20% -> 75%: both moved 55 points; the larger category comes first.
    assert sh.loc["A", "category"] == "机床" and sh.loc["A", "shift"] == pytest.approx(-0.55)
    assert sh.loc["B", "shift"] == pytest.approx(0.0)
    assert pd.isna(sh.loc["D", "shift"])  # nothing bought in the first period
    text = describe_shifts(mix_shifts(nc, ["A", "B", "D"]), "en")
    assert text.startswith("2 customers bought in both 2022 and 2024; for 1 of them") and "55 points" in text
    assert list(shifts_table(mix_shifts(nc, ["A"]), "zh").columns)[0] == "2022买得最多"


def test_customer_needs_against_wallet(nc):
    from kalib.accounts import customer_needs

    n = customer_needs(nc, "A")
    assert n.industry == "电子" and n.wallet == 30 * M and n.value == 12 * M
    assert n.wallet_share == pytest.approx(0.4)
    # Opportunities opened in 2024 only (O4 was opened in 2023); the withdrawn one is not a loss.
    t = n.needs.set_index("category")
    assert t.loc["服务", "brought"] == 2 and t.loc["服务", "won"] == 5 * M and t.loc["服务", "open"] == 2 * M
    assert t.loc["机床", "withdrawn"] == 1 * M and t.loc["机床", "lost"] == 0
    assert list(n.needs["category"]) == ["服务", "机床"]  # largest first
    assert n.brought_per_year == 8 * M
    text = n.describe("zh")
    assert "3,000万元" in text and "40%" in text and "3个需求" in text and "500万元" in text
    assert customer_needs(nc, "B").wallet_share is None
    with pytest.raises(ValueError, match="no customer named"):
        customer_needs(nc, "Z")


def test_industries_and_cross_industry(nc):
    from kalib.accounts import cross_industry, industry_view

    v = industry_view(nc).set_index("industry")
    # default key tiers: diamond (>= 10M) and platinum (>= 3M): A 12M, B 11M, D 5M; C 0.5M is not
    assert v.loc["电子", "customers"] == 2 and v.loc["电子", "key_accounts"] == 1
    assert v.loc["电子", "revenue"] == 12.5 * M and v.loc["电子", "growth"] == pytest.approx(12.5 / 10 - 1)
    assert v.loc["船舶", "top_category"] == "机床" and v["share"].sum() == pytest.approx(1.0)
    x = cross_industry(nc, "A").set_index("category")
    # Other industries' key accounts: B (船舶, all 机床) and D (汽车, 4M 服务 + 1M 机床).
    assert x.loc["机床", "industry"] == "船舶" and x.loc["机床", "industry_share"] == pytest.approx(1.0)
    assert x.loc["机床", "customer_share"] == pytest.approx(0.25) and x.loc["机床", "gap"] == pytest.approx(0.75)
    assert x.loc["服务", "industry"] == "汽车" and x.loc["服务", "gap"] == pytest.approx(0.8 - 0.75)
    assert list(cross_industry(nc, "A")["category"])[0] == "机床"
    with pytest.raises(MissingData, match="industry"):
        industry_view(Client.from_frames(frames(), period="2024"))


def test_loyalty_per_period_and_customer(nc):
    from kalib.accounts import describe_loyalty, loyalty, loyalty_answers

    a = loyalty(nc, "A").set_index("period")
    assert a.loc["2024", "answers"] == 3 and a.loc["2024", "promoters"] == 1 and a.loc["2024", "detractors"] == 1
    assert a.loc["2024", "nps"] == 0.0 and a.loc["2023", "nps"] == 1.0 and pd.isna(a.loc["2022", "nps"])
    everyone = loyalty(nc).set_index("period")
    assert everyone.loc["2024", "nps"] == pytest.approx((1 - 2) / 4)
    assert list(loyalty_answers(nc, "A", lang="en")["Kind"]) == ["promoter", "promoter", "detractor", "passive"]
    text = describe_loyalty(loyalty(nc), loyalty(nc, "A"), "A", "en")
    assert "2024: -25% (4 answers)" in text and "1 promoter, 1 passive, 1 detractor" in text


def test_focus_customer_is_the_largest_slipping_key_account(nc, cv):
    from kalib.accounts import customer_value

    # Here every key account grew (A 10M -> 12M, B 10M -> 11M): the largest key account is followed.
    v = customer_value(nc)
    assert v.slipping_key_accounts().empty and v.focus_customer() == "A"
    # In the first frames, B (platinum) fell from 6M to 5M: the only key account slipping.
    assert list(cv.slipping_key_accounts()["customer"]) == ["B"] and cv.focus_customer() == "B"
    assert "B" in cv.describe("slipping", "en") and "only key account declining" in cv.describe("slipping", "en")


def test_the_demo_story_customer_is_a_diamond_slipping(demo_client):
    """The course's prose calls the customer it follows 'a diamond customer slipping' (01.00, 02.00)."""
    from kalib.accounts import customer_value

    cv = customer_value(demo_client)
    t = cv.table.set_index("customer")
    who = cv.focus_customer()
    rev = demo_client.tables["revenue"]
    now = rev.loc[(rev["customer"] == who) & (rev["date"].dt.year == 2024), "amount"].sum()
    before = rev.loc[(rev["customer"] == who) & (rev["date"].dt.year == 2023), "amount"].sum()
    assert t.loc[who, "tier"] == "diamond" and now < before
    assert who == "宁波博远精密电子有限公司"  # the course's story customer (STORY: rank 5, down about 15%)


def test_needs_insight_counts_the_latest_factor_2_score(demo_client):
    from kalib.accounts import needs_insight

    ins = needs_insight(demo_client)
    ds = demo_client.tables["deal_scores"].sort_values("evaluated").drop_duplicates("opportunity_id", keep="last")
    scores = pd.to_numeric(ds["buying_factors"], errors="coerce").dropna()
    assert list(ins["level"]) == [1, 2, 3, 4, 5]
    assert list(ins["deals"]) == [int((scores == k).sum()) for k in range(1, 6)]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_needs_charts(nc, lang):
    from kalib.accounts import customer_needs
    from kalib.charts.needs import mix_chart, wallet_chart

    n = customer_needs(nc, "A")
    fig = mix_chart(n.history, lang)
    assert isinstance(fig, Figure) and [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["2022", "2023", "2024"]
    fig = wallet_chart(n, lang)
    assert isinstance(fig, Figure) and len(fig.axes[0].get_yticklabels()) == 3
    assert isinstance(wallet_chart(customer_needs(nc, "B"), lang), Figure)  # no wallet estimate: said, not drawn


def test_needs_without_products_keep_the_wallet_and_the_needs():
    from kalib.accounts import customer_needs, loyalty
    from kalib.charts.needs import mix_chart

    f = needs_frames()
    f["revenue"] = f["revenue"].drop(columns="product")
    c = Client.from_frames(f, period="2024")
    n = customer_needs(c, "A")
    assert n.history.empty and n.history_table("en").empty and n.wallet_share == pytest.approx(0.4)
    assert int(n.needs["brought"].sum()) == 3
    assert isinstance(mix_chart(n.history, "zh"), Figure)
    undated = needs_frames()
    undated["nps"] = undated["nps"].drop(columns="date")
    assert loyalty(Client.from_frames(undated, period="2024"))["answers"].sum() == 0  # undated: left out
