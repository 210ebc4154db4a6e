"""The ten health indicators: values checked against numbers worked out by hand (a small
client) and against a plain-Python recomputation from the raw rows (the demo company and
the second fixture client), plus "not available" reasons, the assessment of entered values,
the scorecard chart and the ``kalib health`` command."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

import kalib
from kalib import Client
from kalib.cli import main
from kalib.health import HealthResult, evaluate, health_check

M = 1e6


# ---------------------------------------------------------------------------
# A small client whose indicators are worked out by hand (period 2024)
# ---------------------------------------------------------------------------
def tiny_frames(core: bool = True) -> dict[str, pd.DataFrame]:
    # 2024: customers C1..C12 bring 12, 11, ..., 1 M RMB; 2 M RMB has no customer.
    reps = {1: "S1", 2: "S1", 3: "S1", 4: "S2", 5: "S2", 6: "S2"}
    prods = {1: "P6", 2: "P1", 3: "P2", 4: "P3"}
    rows = [("2024-03-01", f"C{i}", prods.get(i, "P4"), (13 - i) * M, reps.get(i, "S3")) for i in range(1, 13)]
    rows.append(("2024-05-01", None, None, 2 * M, None))
    # 2023: C1..C5 and X bought; X did not come back.
    rows += [("2023-06-01", f"C{i}", "P1", 1 * M, "S1") for i in range(1, 6)]
    rows.append(("2023-06-01", "X", "P1", 3 * M, "S1"))
    revenue = pd.DataFrame(rows, columns=["date", "customer", "product", "amount", "salesperson"])
    revenue["date"] = pd.to_datetime(revenue["date"])
    customers = pd.DataFrame({
        "customer": ["C1", "C2", "C3", "C4", "X"],
        "wallet": [24 * M, 11 * M, 40 * M, None, 5 * M],
    })
    nps = pd.DataFrame({
        "date": pd.to_datetime(["2024-02-01"] * 10 + ["2023-02-01"]),
        "score": [10, 10, 9, 8, 7, 6, 2, 9, 10, 5, 0],
    })
    opp = []
    for k in range(3):  # won in 2024 (one dated only by its expected close)
        opp.append((f"W{k}", "won", 1 * M, None if k == 0 else "2024-04-01", "2024-04-01", "S1"))
    for k in range(5):
        opp.append((f"L{k}", "lost", 1 * M, "2024-07-01", "2024-07-01", "S2"))
    for k in range(2):  # won in 2023: outside the period
        opp.append((f"O{k}", "won", 1 * M, "2023-07-01", "2023-07-01", "S2"))
    opp += [("P0", "qualified", 10 * M, None, "2025-03-01", "S1"), ("P1", "solution", 20 * M, None, "2025-03-01", "S2"),
            ("P2", "identified", None, None, "2025-03-01", "S3")]
    opportunities = pd.DataFrame(opp, columns=["opportunity_id", "stage", "amount", "closed_date", "expected_close",
                                               "owner"])
    for col in ("closed_date", "expected_close"):
        opportunities[col] = pd.to_datetime(opportunities[col])
    salespeople = pd.DataFrame({
        "salesperson": ["S1", "S2", "S3", "S4", "S5", "S6"],
        "hire_date": pd.to_datetime(["2020-01-01", "2021-01-01", "2024-02-01", "2022-01-01", "2019-01-01", "2025-02-01"]),
        "leave_date": pd.to_datetime([None, None, None, None, "2023-06-30", None]),
    })
    products = pd.DataFrame({"product": [f"P{k}" for k in range(1, 11)]})
    if core:
        products["core"] = [k <= 5 for k in range(1, 11)]
    return {"revenue": revenue, "customers": customers, "nps": nps, "opportunities": opportunities,
            "salespeople": salespeople, "products": products}


@pytest.fixture(scope="module")
def tiny() -> Client:
    return Client.from_frames(tiny_frames(), name="tiny", industry="manufacturing", employees=40,
                              sales_target=20 * M, period="2024")


# Worked out by hand from the rows above.
TINY = {
    "top10_share": 75 / 80,          # 12+...+3 = 75 of 78 + 2 unassigned
    "renewal_rate": 5 / 6,           # C1..C5 of C1..C5, X
    "wallet_share": 0.5,             # median of 12/24, 11/11, 10/40
    "nps": (5 - 3) / 10,             # promoters 10,10,9,9,10; detractors 6,2,5
    "win_rate": 3 / 8,
    "pipeline_coverage": 30 / 20,    # open 10 + 20 (+ one without amount) over the 20 M target
    "sales_per_rep": 80 * M / 4,     # S1..S4 active in 2024
    "output_per_employee": 80 * M / 40,
    "reps_above_mean": 3 / 4,        # 33, 24, 21, 0 against the mean 19.5
    "core_product_share": 47 / 80,   # 5 core -> ceil(1.5) = 2: P4 (36) + P1 (11)
}


def test_tiny_values_match_hand_computation(tiny):
    r = health_check(tiny)
    assert isinstance(r, HealthResult) and r.period.label == "2024" and r.source == "data"
    for key, expected in TINY.items():
        assert r[key].value == pytest.approx(expected, rel=1e-12), key


def test_tiny_statuses_and_details(tiny):
    r = health_check(tiny)
    status = {i.key: i.status for i in r}
    assert status == {
        "top10_share": "excellent", "renewal_rate": "pass", "wallet_share": "pass", "nps": "excellent",
        "win_rate": "pass", "pipeline_coverage": "below", "sales_per_rep": "pass", "output_per_employee": "pass",
        "reps_above_mean": "pass", "core_product_share": "below",
    }
    d1 = r["top10_share"].detail
    assert d1["unassigned_revenue"] == 2 * M and d1["total_revenue"] == 80 * M and d1["customers"] == 12
    assert "C11" not in d1["top_customers"] and len(d1["top_customers"]) == 10
    assert r["renewal_rate"].detail["previous_customers"] == 6 and r["renewal_rate"].detail["renewed"] == 5
    # revenue variant: C1..C5 brought 12+11+10+9+8 = 50 this year from 5+3 = 8 last year
    assert r["renewal_rate"].variants["revenue_retention"] == pytest.approx(50 / 8)
    assert r["wallet_share"].detail["with_wallet"] == 3
    assert r["nps"].detail == {"answers": 10, "promoters": 5, "detractors": 3, "passives": 2,
                               "promoter_min": 9, "detractor_max": 6}
    assert r["win_rate"].detail["won"] == 3 and r["win_rate"].detail["lost"] == 5
    d6 = r["pipeline_coverage"].detail
    assert d6["open_opportunities"] == 3 and d6["open_without_amount"] == 1 and d6["target"] == 20 * M
    assert r["pipeline_coverage"].extra_pipeline == pytest.approx(30 * M)
    assert r["pipeline_coverage"].variants["coverage_of_remaining"] == pytest.approx(30 / (20 - 3))
    assert r["reps_above_mean"].detail["with_no_sales"] == 1 and r["reps_above_mean"].detail["salespeople"] == 4
    assert r["core_product_share"].detail["top_k"] == 2
    assert r["core_product_share"].detail["top_products"] == ["P4", "P1"]


def test_core_products_default_to_the_products_sold_and_list_the_unsold():
    c = Client.from_frames(tiny_frames(core=False), employees=40, sales_target=20 * M, period="2024")
    r = health_check(c)
    ind = r["core_product_share"]
    # None flagged: the set is the products sold in 2024 (P6, P1, P2, P3, P4), not the 10 of the catalogue;
    # ceil(30% x 5) = 2: P4 (C5..C12: 8+7+...+1 = 36) + P6 (C1: 12) = 48 of 80.
    rev = tiny_frames(core=False)["revenue"]
    in_2024 = rev[rev["date"].dt.year == 2024].dropna(subset=["product"])
    sold = in_2024.groupby("product")["amount"].sum()
    assert sorted(sold.index) == ["P1", "P2", "P3", "P4", "P6"]
    top2 = sold.sort_values(ascending=False).head(2)
    assert ind.detail["products"] == 5 and ind.detail["top_k"] == 2
    assert ind.value == pytest.approx(top2.sum() / (80 * M)) == pytest.approx(48 / 80)
    assert ind.detail["unsold_products"] == 5
    assert ind.detail["unsold_product_names"] == ["P5", "P7", "P8", "P9", "P10"]
    assert "sold in the period" in ind.basis_text("en") and "catalogue only): 5" in ind.basis_text("en")
    assert "期内有销售的5个产品" in ind.basis_text("zh")


def test_core_product_count_is_exact_for_ten_products():
    # Ten products all sold: ceil(30% x 10) is 3, not 4 (0.3 x 10 in floating point is 3.0000000000000004).
    rev = pd.DataFrame({"date": pd.to_datetime(["2024-05-01"] * 10), "customer": ["A"] * 10,
                        "product": [f"P{k}" for k in range(10)], "amount": [float(10 - k) * M for k in range(10)]})
    ind = health_check(Client.from_frames({"revenue": rev}, period="2024"))["core_product_share"]
    assert ind.detail["top_k"] == 3
    assert ind.value == pytest.approx((10 + 9 + 8) / 55)


def test_distances_in_each_unit(tiny):
    r = health_check(tiny)
    assert r["pipeline_coverage"].distance_text("en") == "1.5× below the pass line; needs RMB 30M more pipeline"
    assert r["pipeline_coverage"].distance_text("zh") == "低于及格线1.5倍，还需要3,000万元的销售机会"
    assert r["core_product_share"].distance_text("en") == "11.2 points below the pass line"  # 70 - 58.75
    assert r["core_product_share"].vs_pass == pytest.approx(47 / 80 * 100 - 70)
    assert r["sales_per_rep"].distance_text("en") == "RMB 10M above the pass line"
    assert r["top10_share"].distance_text("en") == "23.8 points above the excellent line"
    # renewal has no excellent line: none is mentioned
    assert r["renewal_rate"].excellent is None
    assert r["renewal_rate"].distance_text("en") == "3.3 points above the pass line"


def test_period_scaling_of_indicators_7_and_8():
    c = Client.from_frames(tiny_frames(), employees=40, sales_target=20 * M)
    r = health_check(c, period="2024-01-01..2024-06-30")
    years = 182 / 365.25
    # all 2024 revenue is dated March and May: 80 M in the half year; S1..S4 active
    assert r["sales_per_rep"].value == pytest.approx(80 * M / 4 / years)
    assert r["output_per_employee"].value == pytest.approx(80 * M / 40 / years)
    assert r["pipeline_coverage"].detail["target"] == pytest.approx(20 * M * years)


# ---------------------------------------------------------------------------
# Not available, with the reason; never 0
# ---------------------------------------------------------------------------
def test_missing_data_is_not_available_with_reasons():
    f = tiny_frames()
    c = Client.from_frames({"revenue": f["revenue"]}, period="2024")  # no employees, no target, no other table
    r = health_check(c)
    na = {i.key: i.reason_en for i in r if i.status == "na"}
    assert set(na) == {"wallet_share", "nps", "win_rate", "pipeline_coverage", "output_per_employee"}
    assert "no NPS answers in the period" in na["nps"]
    assert "wallet" in na["wallet_share"]
    assert "sales target" in na["pipeline_coverage"]
    assert "employee" in na["output_per_employee"]
    for key in na:
        assert r[key].value is None
        assert r[key].to_dict()["value"] is None
        assert r[key].reason_zh
    # salespeople come from revenue owners without a salespeople table: S1, S2, S3 (80 M / 3)
    assert r["sales_per_rep"].value == pytest.approx(80 * M / 3)
    text = r.summary("en")
    assert "5 not available" in text and "Customer loyalty (NPS)" in text


def test_nps_table_without_answers_in_period_and_no_wallet_for_top_customers():
    f = tiny_frames()
    f["nps"] = f["nps"].iloc[[-1]]  # only the 2023 answer
    f["customers"] = pd.DataFrame({"customer": ["X"], "wallet": [5 * M]})  # X is not a top customer in 2024
    r = health_check(Client.from_frames(f, period="2024", employees=40, sales_target=20 * M))
    assert r["nps"].status == "na" and r["nps"].reason_en == "no NPS answers in the period"
    assert r["wallet_share"].status == "na"
    assert r["wallet_share"].reason_en == "none of the 10 largest customers has a wallet estimate"


def test_no_previous_period_for_renewal():
    f = tiny_frames()
    f["revenue"] = f["revenue"].loc[f["revenue"]["date"].dt.year == 2024]
    r = health_check(Client.from_frames(f, period="2024"))
    assert r["renewal_rate"].status == "na" and "previous period" in r["renewal_rate"].reason_en


def test_revenue_derived_from_opportunities_is_reported():
    f = tiny_frames()
    o = f["opportunities"].assign(customer="C1")
    c = Client.from_frames({"opportunities": o}, period="2024", sales_target=20 * M)
    r = health_check(c)
    assert r["top10_share"].value == pytest.approx(1.0)  # 3 won deals, all C1
    assert r["top10_share"].detail["revenue_derived_from"] == "opportunities"


# ---------------------------------------------------------------------------
# Values entered by hand
# ---------------------------------------------------------------------------
def test_evaluate_accepts_keys_numbers_and_percent_text():
    r = evaluate({1: 0.42, "5": "35%", "nps": "", "pipeline_coverage": float("nan")}, "manufacturing")
    assert r["top10_share"].value == 0.42 and r["win_rate"].value == pytest.approx(0.35)
    assert r["nps"].status == "na" and r["nps"].reason_en == "not entered"
    assert r["pipeline_coverage"].status == "na"
    assert r["renewal_rate"].reason_en == "not given"
    assert r.source == "entered"
    with pytest.raises(ValueError, match="not a number"):
        evaluate({"win_rate": "lots"}, "services")
    with pytest.raises(ValueError, match="industry"):
        evaluate({}, "mining")
    with pytest.raises(ValueError, match="numbered 1-10"):
        evaluate({11: 0.5}, "services")


def test_same_values_same_assessment_as_the_data(tiny):
    from_data = health_check(tiny)
    entered = evaluate(from_data.values, "manufacturing", tiny.config, sales_target=20 * M)
    assert [i.status for i in entered] == [i.status for i in from_data]
    assert [i.distance_text("en") for i in entered] == [i.distance_text("en") for i in from_data]


def test_industry_lines_and_missing_excellent_line():
    v = {"nps": 0.25, "sales_per_rep": 7 * M}
    man, ser = evaluate(v, "manufacturing"), evaluate(v, "services")
    assert man["nps"].status == "excellent" and ser["nps"].status == "below"   # services should reach 40%
    assert ser["nps"].excellent is None and ser["nps"].vs_excellent is None
    assert man["sales_per_rep"].status == "below" and ser["sales_per_rep"].status == "pass"  # 10M vs 6M
    assert ser["nps"].distance_text("en") == "15 points below the pass line"
    assert man["sales_per_rep"].distance_text("en") == "RMB 3M below the pass line"


def test_lines_come_from_the_configuration():
    cfg = kalib.default_config().with_overrides({"indicators": {"win_rate": {"lines": {
        "manufacturing": {"pass": 0.25, "excellent": 0.4}}}}})
    r = evaluate({"win_rate": 0.3}, "manufacturing", cfg)
    assert (r["win_rate"].pass_line, r["win_rate"].excellent, r["win_rate"].status) == (0.25, 0.4, "pass")


def test_summary_ranks_gaps_by_relative_distance():
    # relative gaps: top10 (0.5-0.45)/0.5 = 10%; renewal (0.8-0.4)/0.8 = 50%; win (0.33-0.3)/0.33 = 9%;
    # sales per rep (10M-2M)/10M = 80%; nps passes.
    r = evaluate({"top10_share": 0.45, "renewal_rate": 0.4, "win_rate": 0.30, "sales_per_rep": 2 * M,
                  "nps": 0.15}, "manufacturing")
    assert [i.key for i in r.gaps()] == ["sales_per_rep", "renewal_rate", "top10_share"]
    c = r.counts()
    assert (c["measured"], c["pass"], c["excellent"], c["below"], c["na"]) == (5, 1, 0, 4, 5)
    en, zh = r.summary("en"), r.summary("zh")
    assert "5 of the 10 indicators could be measured; 1 reaches the pass line" in en
    assert "1. Each salesperson sells RMB 2M a year" in en
    assert "2. Only 40% of last period's customers bought again" in en
    assert "最值得关注的3个差距" in zh and "1. 销售人员人均年销售额只有200万元" in zh
    assert "win rate" not in en.split("The 3 gaps")[1].lower()
    ok = evaluate({"win_rate": 0.5}, "manufacturing").summary("en")
    assert "Every indicator measured reaches the pass line." in ok


def test_to_dict_is_json_with_one_object_per_indicator(tiny):
    d = health_check(tiny).to_dict()
    json.dumps(d, ensure_ascii=False)
    assert d["period"] == {"label": "2024", "start": "2024-01-01", "end": "2024-12-31"}
    assert [o["id"] for o in d["indicators"]] == list(range(1, 11))
    for o in d["indicators"]:
        assert {"id", "key", "value", "pass", "excellent", "status", "unit", "detail", "period"} <= set(o)
    assert d["indicators"][5]["extra_pipeline"] == pytest.approx(30 * M)


def test_to_frame_formatted(tiny):
    f = health_check(tiny).to_frame("zh", formatted=True)
    assert list(f.columns) == ["指标", "数值", "及格线", "优分线", "状态", "差距"] and f.index.name == "#"
    assert f.iloc[4]["及格线"] == "33%" and f.iloc[1]["优分线"] == "–"
    assert f.iloc[0]["状态"] == "★ 优秀"


# ---------------------------------------------------------------------------
# Independent recomputation from the raw rows (demo company, second fixture client)
# ---------------------------------------------------------------------------
def reference(c: Client, per) -> dict[str, float | None]:
    """The ten indicators from METHOD.md, in plain Python over the rows."""
    cfg = c.config
    out: dict[str, float | None] = {}
    inside = lambda d: d is not None and not pd.isna(d) and per.start <= d <= per.end  # noqa: E731
    rev = c.tables.get("revenue")
    rows = rev.to_dict("records") if rev is not None else []
    now = [r for r in rows if inside(r["date"])]
    total = sum(r["amount"] for r in now)
    by_c: dict[str, float] = {}
    for r in now:
        if not pd.isna(r["customer"]):
            by_c[r["customer"]] = by_c.get(r["customer"], 0.0) + r["amount"]
    top = sorted(by_c.values(), reverse=True)[:10]
    out["top10_share"] = sum(top) / total if total > 0 else None
    prev = per.previous()
    before: dict[str, float] = {}
    for r in rows:
        if prev.start <= r["date"] <= prev.end and not pd.isna(r["customer"]):
            before[r["customer"]] = before.get(r["customer"], 0.0) + r["amount"]
    old = {k for k, v in before.items() if v > 0}
    out["renewal_rate"] = len([k for k in old if by_c.get(k, 0) > 0]) / len(old) if old else None
    wallets = {}
    if c.has("customers") and "wallet" in c.tables["customers"]:
        for r in c.tables["customers"].to_dict("records"):
            if not pd.isna(r["wallet"]) and r["wallet"] > 0:
                wallets[r["customer"]] = r["wallet"]
    top_names = sorted([k for k, v in by_c.items() if v > 0], key=lambda k: -by_c[k])[:10]
    shares = sorted(by_c[k] / per.years / wallets[k] for k in top_names if k in wallets)
    if shares:
        m = len(shares)
        out["wallet_share"] = shares[m // 2] if m % 2 else (shares[m // 2 - 1] + shares[m // 2]) / 2
    else:
        out["wallet_share"] = None
    scores = []
    if c.has("nps"):
        scores = [r["score"] for r in c.tables["nps"].to_dict("records") if inside(r["date"]) and not pd.isna(r["score"])]
    out["nps"] = (sum(s >= 9 for s in scores) - sum(s <= 6 for s in scores)) / len(scores) if scores else None
    opps = c.tables["opportunities"].to_dict("records") if c.has("opportunities") else []

    def closed_on(o):
        return o["closed_date"] if not pd.isna(o["closed_date"]) else o["expected_close"]

    won = [o for o in opps if o["status"] == "won" and inside(closed_on(o))]
    # deals we withdrew from (stage abandoned, 放弃/NoGo) are not losses unless the method says so
    withdrawn_lost = c.config.indicator("win_rate")["abandoned"]["count_as_lost"]
    lost = [o for o in opps if o["status"] == "lost" and inside(closed_on(o))
            and (withdrawn_lost or o["stage"] != "abandoned")]
    out["win_rate"] = len(won) / (len(won) + len(lost)) if won or lost else None
    target = c.meta.sales_target
    open_amt = sum(o["amount"] for o in opps if o["status"] == "open" and not pd.isna(o["amount"]))
    out["pipeline_coverage"] = open_amt / (target * per.years) if target and opps else None
    if c.has("salespeople"):
        reps = [r["salesperson"] for r in c.tables["salespeople"].to_dict("records")
                if (pd.isna(r["hire_date"]) or r["hire_date"] <= per.end)
                and (pd.isna(r["leave_date"]) or r["leave_date"] >= per.start)]
    else:
        reps = sorted({r["salesperson"] for r in now if not pd.isna(r.get("salesperson"))}
                      | {o["owner"] for o in opps if not pd.isna(o["owner"])
                         and (o["status"] == "open" or inside(closed_on(o)) or inside(o["expected_close"]))})
    reps = list(dict.fromkeys(reps))
    out["sales_per_rep"] = total / len(reps) / per.years if reps and total > 0 else None
    emp = c.meta.employees
    out["output_per_employee"] = total / emp / per.years if emp and total > 0 else None
    sales = {r: 0.0 for r in reps}
    has_sp = any(not pd.isna(r.get("salesperson")) for r in now)
    src = [(r["salesperson"], r["amount"]) for r in now] if has_sp else [(o["owner"], o["amount"]) for o in won]
    for who, amt in src:
        if who in sales and not pd.isna(amt):
            sales[who] += amt
    if reps:
        mean = sum(sales.values()) / len(sales)
        out["reps_above_mean"] = sum(v > mean + 1e-6 for v in sales.values()) / len(sales)
    else:
        out["reps_above_mean"] = None
    prod_rev: dict[str, float] = {}
    for r in now:
        if not pd.isna(r["product"]):
            prod_rev[r["product"]] = prod_rev.get(r["product"], 0.0) + r["amount"]
    listed, core = [], []
    if c.has("products"):
        for r in c.tables["products"].to_dict("records"):
            listed.append(r["product"])
            if "core" in r and r["core"] is True:
                core.append(r["product"])
    universe = sorted(set(core)) if core else sorted(set(listed) | set(prod_rev))
    frac_tenths = round(cfg.indicator("core_product_share")["product_fraction"] * 10)
    k = max(1, -(-frac_tenths * len(universe) // 10))  # integer ceiling
    best = sorted((prod_rev.get(p, 0.0) for p in universe), reverse=True)[:k]
    out["core_product_share"] = sum(best) / total if prod_rev and total > 0 else None
    return out


def _compare(c: Client):
    r = health_check(c)
    ref = reference(c, r.period)
    for key, expected in ref.items():
        got = r[key].value
        if expected is None:
            assert got is None and r[key].status == "na" and r[key].reason_en, key
        else:
            assert got == pytest.approx(expected, rel=1e-9), key
    return r


@pytest.fixture(scope="module")
def demo(demo_client) -> Client:
    return demo_client


def test_demo_matches_independent_computation(demo):
    r = _compare(demo)
    assert r.period.label == str(demo.as_of.year if demo.as_of.month == 12 and demo.as_of.day == 31
                                 else demo.as_of.year - 1)
    assert r.counts()["measured"] == 10


def test_demo_other_period_and_industry(demo):
    r = health_check(demo, period=str(demo.as_of.year - 2), industry="services")
    ref = reference(demo, r.period)
    for key, expected in ref.items():
        assert (r[key].value is None) if expected is None else r[key].value == pytest.approx(expected, rel=1e-9)
    assert r.industry == "services" and r["nps"].pass_line == 0.40


def test_tiny_matches_independent_computation(tiny):
    _compare(tiny)


def test_second_client_matches_independent_computation(acme_client):
    r = _compare(acme_client)
    assert r.industry == acme_client.industry == "services"
    assert r.counts()["measured"] == 10
    # amounts are converted to RMB on load: the target (2M USD a year) is 14.2M RMB
    assert r["pipeline_coverage"].detail["target"] == pytest.approx(2e6 * 7.1)


def test_second_client_missing_pieces(acme_client):
    """Acme without its NPS answers, wallets, target or employee count: each NA with its reason."""
    from kalib.client import ClientMeta

    tables = {k: v for k, v in acme_client.tables.items() if k != "nps"}
    tables["customers"] = tables["customers"].drop(columns=["wallet"])
    meta = ClientMeta(name="acme-bare", industry="services", period="2024")
    r = health_check(Client(tables, meta, acme_client.config))
    na = {i.id: i.reason_en for i in r if i.status == "na"}
    assert na == {3: "no wallet estimates (column wallet of the customers table)",
                  4: "no NPS answers in the period (no NPS table)",
                  6: "no sales target (set sales_target in client.yml)",
                  8: "no employee count (set employees in client.yml)"}
    assert all(r[k].value is None for k in na)


# ---------------------------------------------------------------------------
# The scorecard chart
# ---------------------------------------------------------------------------
def test_scorecard_chart_in_both_languages(tiny):
    from matplotlib.figure import Figure

    from kalib.charts.health import scorecard

    r = health_check(Client.from_frames({"revenue": tiny_frames()["revenue"]}, period="2024"))
    zh, en = scorecard(r, "zh"), scorecard(r, "en")
    assert isinstance(zh, Figure) and isinstance(en, Figure)
    labels = [t.get_text() for t in en.axes[0].get_yticklabels()]
    assert labels[0] == "1 Key-account contribution" and len(labels) == 10
    texts = " ".join(t.get_text() for t in en.axes[0].texts)
    assert "not available: no NPS answers in the period" in texts and "✗" in texts or "✓" in texts
    zh_labels = [t.get_text() for t in zh.axes[0].get_yticklabels()]
    assert zh_labels[0] == "1 大客户贡献度"


# ---------------------------------------------------------------------------
# kalib health
# ---------------------------------------------------------------------------
def test_cli_json_and_table(capsys):
    assert main(["health", "demo", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert [o["id"] for o in d["indicators"]] == list(range(1, 11))
    assert d["period"]["label"] and all(o["period"] == d["period"] for o in d["indicators"])
    for o in d["indicators"]:
        assert o["status"] in ("below", "pass", "excellent", "na") and o["unit"] in ("share", "rmb", "ratio")
        assert isinstance(o["detail"], dict)
    assert main(["health", "demo", "--lang", "en", "--period", "2023-Q4", "--industry", "services"]) == 0
    out = capsys.readouterr().out
    assert "2023-Q4" in out and "Key-account contribution" in out and "gaps that matter most" in out.lower() or \
        "reaches the pass line" in out


def test_cli_bad_input_exits_2(capsys, tmp_path):
    assert main(["health", "demo", "--period", "next spring"]) == 2
    assert "period" in capsys.readouterr().err
    assert main(["health", str(tmp_path / "nowhere")]) == 2
    with pytest.raises(SystemExit) as e:
        main(["health", "demo", "--industry", "mining"])
    assert e.value.code == 2


def test_no_zero_for_missing_anywhere():
    r = health_check(Client.from_frames({"revenue": tiny_frames()["revenue"]}, period="2024"))
    for o in r.to_dict()["indicators"]:
        if o["status"] == "na":
            assert o["value"] is None and o["vs_pass"] is None and (o["reason_en"] or "").strip()
            assert not math.isnan(o["pass"])


# ---------------------------------------------------------------------------
# The notebooks, run by papermill on the second fixture client
# ---------------------------------------------------------------------------
@pytest.mark.notebooks
@pytest.mark.slow
def test_notebooks_run_on_the_fixture_client(acme_client, repo_root, tmp_path):
    papermill = pytest.importorskip("papermill")
    from kalib.record import read_records

    acme = str(repo_root / "tests" / "fixtures" / "acme")
    out = tmp_path / "01.01.ipynb"
    papermill.execute_notebook(str(repo_root / "notebooks" / "zh" / "00.01-health-check.ipynb"), str(out),
                               parameters={"client": acme, "lang": "en"}, cwd=str(repo_root / "notebooks" / "zh"),
                               progress_bar=False, kernel_name="python3")
    rec = read_records(out)
    ref = reference(acme_client, acme_client.period())
    assert rec["health.period"] == "2024" and rec["health.industry"] == "services"
    for key, expected in ref.items():
        assert rec["health.values"][key] == pytest.approx(expected, rel=1e-9), key
    out = tmp_path / "01.00.ipynb"
    papermill.execute_notebook(str(repo_root / "notebooks" / "zh" / "02.00-customer-value.ipynb"), str(out),
                               parameters={"client": acme, "lang": "zh"}, cwd=str(repo_root / "notebooks" / "zh"),
                               progress_bar=False, kernel_name="python3")
    rec = read_records(out)
    assert rec["accounts.top10_share"] == pytest.approx(ref["top10_share"], rel=1e-9)
