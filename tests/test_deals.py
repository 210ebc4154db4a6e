"""Deal review: the score, the gate, each red flag, the stage check, Go/NoGo boundaries, actions, portfolio.

Expected values are computed here from the raw weights in ``method.yaml`` and
from the hand-built deals, never by calling the function under test.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import matplotlib
import pandas as pd
import pytest
import yaml

from kalib import Client
from kalib.client import MissingData
from kalib.config import default_config
from kalib.deals import (
    FACTOR_KEYS,
    Gate,
    check_gate,
    deal_score,
    decide,
    eight_steps,
    evaluate_deal,
    factor_card,
    factor_guide,
    next_actions,
    portfolio,
    read_scores,
    red_flags,
    review_deal,
    stage_support,
)

ROOT = Path(__file__).resolve().parents[1]
METHOD = yaml.safe_load((ROOT / "kalib" / "method.yaml").read_text(encoding="utf-8"))
RAW = METHOD["deals"]
W = {k: RAW["factors"][k]["weight"] for k in FACTOR_KEYS}
LO, HI = RAW["scale"]["min"], RAW["scale"]["max"]
G = RAW["go_nogo"]


def expected_score(scores: dict) -> float:
    used = {k: v for k, v in scores.items() if v is not None}
    return 100 * sum(W[k] * (v - LO) / (HI - LO) for k, v in used.items()) / sum(W[k] for k in used)


def all_at(level, **over):
    s = {k: level for k in FACTOR_KEYS}
    s.update(over)
    return s


def person(name, role=None, influence=None, attitude=None, relationship=None, met=None, style=None, reports_to=None):
    return {"person": name, "role": role, "influence": influence, "attitude": attitude,
            "relationship": relationship, "met": met, "style": style, "reports_to": reports_to}


def good_people(**dm):
    """A healthy buying centre: decision maker met and supportive, a coach, two strong threads."""
    d = dict(role="决策者", influence=5, attitude=1, relationship=2, met=True, style="驾驭型")
    d.update(dm)
    return pd.DataFrame([person("王总", **d),
                         person("李工", role="评估者", influence=4, attitude=1, relationship=2, met=True,
                                style="分析型", reports_to="王总"),
                         person("小周", role="教练/内线", influence=2, attitude=2, relationship=2, met=True,
                                reports_to="李工")])


def flag_keys(ev):
    return [f.key for f in ev.flags]


# -- configuration -------------------------------------------------------------
def test_every_number_lives_in_config_with_its_source():
    assert RAW["source"] == "default"
    for section in ("scale", "go_nogo", "tas", "power_map"):
        assert RAW[section]["source"] == "default", section
    for k in FACTOR_KEYS:
        f = RAW["factors"][k]
        assert f["source"] in ("default", "reading") and f["weight"] >= 0
        assert sorted(f["levels"]) == list(range(LO, HI + 1))
        assert all(f["levels"][lv]["zh"] and f["levels"][lv]["en"] for lv in f["levels"])
        assert 2 <= len(f["questions"]) <= 4 and all(q["zh"] and q["en"] for q in f["questions"])
        assert f["action"]["zh"] and f["action"]["en"]
    assert sum(W.values()) == 100
    # sales efficiency (效能销售): the article's "most important defence of profit", read as a heavy weight
    assert RAW["factors"]["efficiency"]["source"] == "reading"
    assert W["efficiency"] > min(W.values()) and W["efficiency"] >= W["process"]
    # the stage keys of deals.steps are exactly the configured stages with a step
    stepped = [s["key"] for s in METHOD["stages"]["list"] if s["step"] is not None]
    assert list(RAW["steps"]) == stepped
    for rule in RAW["red_flags"].values():
        assert rule["severity"] in RAW["severities"]


def test_factor_guide_and_card():
    g = factor_guide(lang="en")
    assert list(g.index) == list(FACTOR_KEYS)
    assert math.isclose(g["weight"].sum(), 1.0)
    assert math.isclose(g.loc["power_map", "weight"], W["power_map"] / 100)
    assert list(g.index[g["gate"]]) == [G["gate_factor"]]
    assert g.loc["theme", "level_5"] == RAW["factors"]["theme"]["levels"][5]["en"]
    card = factor_card("pricing", lang="zh")
    assert "销售定价" in card and RAW["factors"]["pricing"]["questions"][0]["zh"] in card
    with pytest.raises(ValueError, match="unknown factor"):
        factor_card("luck")


def test_eight_steps_reads_stages_and_adds_actions_and_evidence():
    t = eight_steps(lang="zh")
    stages = [s for s in METHOD["stages"]["list"] if s["step"] is not None]
    assert list(t["step"]) == [s["step"] for s in stages]
    assert list(t["win_rate"]) == [s["win_rate"] for s in stages]
    assert list(t["outcome"]) == [s["outcome_zh"] for s in stages]  # from `stages`, not duplicated
    assert all(t["actions"].str.len() > 0) and all(t["evidence"].str.len() > 0)
    assert "决策权力图 ≥ 3" in t.loc["qualified", "requires"]


# -- the score -----------------------------------------------------------------
@pytest.mark.parametrize("scores", [
    all_at(3), all_at(5), all_at(1),
    {"process": 4, "buying_factors": 2, "pricing": 5, "power_map": 3, "decision_style": 1, "theme": 4,
     "negotiation": 2, "efficiency": 3, "qualification": 4},
    {"pricing": 5, "theme": 1},                      # unscored factors are left out, not zero
    {"qualification": 3.5, "power_map": 2},
])
def test_score_is_the_weighted_mean_on_0_100(scores):
    assert math.isclose(deal_score(scores), expected_score(scores))


def test_score_landmarks():
    assert deal_score(all_at(3)) == 50 and deal_score(all_at(4)) == 75 and deal_score(all_at(1)) == 0


def test_no_scores_is_not_evaluated_never_zero():
    for s in (None, {}, {k: None for k in FACTOR_KEYS}, {k: float("nan") for k in FACTOR_KEYS}, {"theme": ""}):
        assert deal_score(s) is None
        ev = evaluate_deal(s, stage="qualified")
        assert ev.verdict == "not_evaluated" and ev.score is None and not ev.evaluated
        assert ev.flags == [] and ev.actions == []
        assert ev.stage.over_staged is None
    assert "not evaluated" in evaluate_deal(None).summary("en")


def test_scores_by_name_and_bad_values():
    assert read_scores({"销售定价": 4, "Sales theme": 2, "9. 销售判定": 3})["qualification"] == 3
    with pytest.raises(ValueError, match="'pricing'.*outside the scale"):
        read_scores({"pricing": 6})
    with pytest.raises(ValueError, match="'theme'.*must be a number"):
        read_scores({"theme": "good"})
    with pytest.raises(ValueError, match="outside"):
        read_scores({"qualification": 0})


def test_weights_come_from_config():
    cfg = default_config().with_overrides({"deals": {"factors": {"pricing": {"weight": 0}}}})
    s = {"pricing": 1, "theme": 5}
    assert deal_score(s, cfg) == 100.0 and math.isclose(deal_score(s), expected_score(s))


# -- the gate ------------------------------------------------------------------
def test_gate_fails_below_minimum_whatever_the_rest():
    s = all_at(5, qualification=G["gate_min"] - 1)
    ev = evaluate_deal(s, good_people(), stage="solution")
    assert ev.gate.passed is False and ev.verdict == "nogo"
    assert ev.score > G["go_min"]  # a high score does not save a deal that fails the gate
    assert "Gate failed" in ev.reasons[0][1]
    assert ev.actions[0].factor == G["gate_factor"]  # re-qualifying comes first


def test_gate_boundary_passes():
    assert check_gate({"qualification": G["gate_min"]}).passed is True
    assert check_gate({"qualification": G["gate_min"] - 0.5}).passed is False
    ev = evaluate_deal(all_at(5, qualification=G["gate_min"]), good_people(), stage="solution")
    assert ev.gate.passed and ev.verdict == "go"


def test_gate_not_scored_means_review():
    ev = evaluate_deal(all_at(5, qualification=None), good_people(), stage="solution")
    assert ev.gate.passed is None and ev.verdict == "review"
    assert any("gate" in e for _, e in ev.reasons)


# -- Go / Review / NoGo boundaries ----------------------------------------------
def test_decide_score_boundaries():
    g = Gate("qualification", 4.0, 3.0, True)
    go, nogo = float(G["go_min"]), float(G["nogo_below"])
    assert decide(go, g, [], 9)[0] == "go"                 # at the Go line: Go
    assert decide(go - 0.01, g, [], 9)[0] == "review"
    assert decide(nogo, g, [], 9)[0] == "review"           # at the NoGo line: not yet NoGo
    assert decide(nogo - 0.01, g, [], 9)[0] == "nogo"


def test_boundaries_through_the_whole_evaluation():
    at50 = all_at(3, qualification=3)                      # score exactly 50
    assert evaluate_deal(at50).score == 50
    go50 = default_config().with_overrides({"deals": {"go_nogo": {"go_min": 50}}})
    nogo50 = default_config().with_overrides({"deals": {"go_nogo": {"nogo_below": 50}}})
    nogo_above = default_config().with_overrides({"deals": {"go_nogo": {"nogo_below": 50.5}}})
    assert evaluate_deal(at50, config=go50).verdict == "go"
    assert evaluate_deal(at50, config=nogo50).verdict == "review"
    assert evaluate_deal(at50, config=nogo_above).verdict == "nogo"


def test_min_scored_boundary():
    n = G["min_scored"]
    keys = [k for k in FACTOR_KEYS if k != G["gate_factor"]]
    enough = {G["gate_factor"]: 5, **{k: 5 for k in keys[: n - 1]}}
    short = {G["gate_factor"]: 5, **{k: 5 for k in keys[: n - 2]}}
    assert evaluate_deal(enough).verdict == "go"
    ev = evaluate_deal(short)
    assert ev.verdict == "review" and f"Only {n - 1} of 9" in ev.reasons[0][1]


def test_serious_flags_count_boundary():
    n = G["nogo_serious_flags"]
    # each of these fires one serious flag from its factor alone
    serious = ["process", "theme", "buying_factors"]
    assert n == 3
    two = evaluate_deal(all_at(5, **{k: 2 for k in serious[: n - 1]}), good_people(), stage="validated")
    three = evaluate_deal(all_at(5, **{k: 2 for k in serious[:n]}), good_people(), stage="validated")
    assert sum(f.severity == "serious" for f in two.flags) == n - 1 and two.verdict == "review"
    assert sum(f.severity == "serious" for f in three.flags) == n and three.verdict == "nogo"


def test_one_serious_flag_stops_a_go():
    ev = evaluate_deal(all_at(5, theme=2), good_people(), stage="validated")
    assert ev.score >= G["go_min"] and flag_keys(ev) == ["no_differentiated_theme"] and ev.verdict == "review"


def test_watch_flags_do_not_stop_a_go():
    ev = evaluate_deal(all_at(5, efficiency=1), good_people(), stage="solution")
    assert flag_keys(ev) == ["effort_out_of_proportion"] and ev.verdict == "go"


# -- red flags, one per rule ---------------------------------------------------
HEALTHY = all_at(4)

FLAG_CASES = {
    # key: (fires: (scores, people, stage), quiet: (scores, people, stage))
    "led_by_customer": ((dict(HEALTHY, process=2), good_people(), "solution"),
                        (dict(HEALTHY, process=3), good_people(), "solution")),
    "decision_maker_unknown": ((HEALTHY, good_people(role="评估者"), "validated"),
                               (HEALTHY, good_people(role="评估者"), "identified")),
    "no_decision_maker_access": ((HEALTHY, good_people(met=False), "qualified"),
                                 (HEALTHY, good_people(met=False), "validated")),
    "buying_factors_unknown": ((dict(HEALTHY, buying_factors=2), good_people(), "validated"),
                               (dict(HEALTHY, buying_factors=2), good_people(), "identified")),
    "price_not_discussed": ((dict(HEALTHY, pricing=2), good_people(), "qualified"),
                            (dict(HEALTHY, pricing=2), good_people(), "validated")),
    "no_differentiated_theme": ((dict(HEALTHY, theme=2), good_people(), "validated"),
                                (dict(HEALTHY, theme=3), good_people(), "validated")),
    "high_influence_opponent": ((HEALTHY, good_people(attitude=-1), "solution"),
                                (HEALTHY, good_people(attitude=0), "solution")),
    "single_threaded": ((HEALTHY, good_people().assign(relationship=[2, 1, 1]), "solution"),
                        (HEALTHY, good_people().assign(relationship=[2, 2, 1]), "solution")),
    "no_coach": ((HEALTHY, good_people().iloc[:2], "validated"),
                 (HEALTHY, good_people().iloc[:2], "identified")),
    "relationships_misplaced": ((HEALTHY, good_people(relationship=0), "solution"),
                                (HEALTHY, good_people(relationship=2), "solution")),
    "decision_style_unknown": ((HEALTHY, good_people(style=None), "solution"),
                               (HEALTHY, good_people(style=None), "qualified")),
    "negotiation_unprepared": ((dict(HEALTHY, negotiation=2), good_people(), "solution"),
                               (dict(HEALTHY, negotiation=2), good_people(), "qualified")),
    "effort_out_of_proportion": ((dict(HEALTHY, efficiency=1), good_people(), "solution"),
                                 (dict(HEALTHY, efficiency=2), good_people(), "solution")),
    "over_staged": ((HEALTHY, good_people(met=False), "agreed"),
                    (HEALTHY, good_people(), "agreed")),
}


def test_every_rule_has_a_case():
    assert set(FLAG_CASES) == set(RAW["red_flags"])


@pytest.mark.parametrize("key", list(FLAG_CASES))
def test_each_red_flag_fires_and_stays_quiet(key):
    (s1, p1, st1), (s0, p0, st0) = FLAG_CASES[key]
    fired = evaluate_deal(s1, p1, stage=st1)
    quiet = evaluate_deal(s0, p0, stage=st0)
    assert key in flag_keys(fired), (key, flag_keys(fired))
    assert key not in flag_keys(quiet), (key, flag_keys(quiet))
    f = next(x for x in fired.flags if x.key == key)
    rule = RAW["red_flags"][key]
    assert f.severity == rule["severity"] and f.zh == rule["zh"] and f.en == rule["en"]
    assert f.why_zh and f.why_en and f.action_en == rule["action"]["en"]  # a coach can see why it fired


def test_factor_flag_says_why():
    f = red_flags({"pricing": 2}, stage="qualified")[0]
    assert f.key == "price_not_discussed" and "Pricing = 2 (≤ 2)" in f.why_en and "Qualified" in f.why_en


def test_flags_need_a_stage_for_stage_bound_rules():
    # a deal with no stage fires only the rules that apply at every stage
    keys = [f.key for f in red_flags({"pricing": 1, "process": 1}, stage=None)]
    assert keys == ["led_by_customer"]


def test_check_flags_fall_back_on_the_factor_without_stakeholders():
    fired = evaluate_deal(dict(HEALTHY, power_map=2), None, stage="qualified")
    assert "no_decision_maker_access" in flag_keys(fired)
    f = next(x for x in fired.flags if x.key == "no_decision_maker_access")
    assert "judged from" in f.why_en
    quiet = evaluate_deal(dict(HEALTHY, power_map=3), None, stage="qualified")
    assert "no_decision_maker_access" not in flag_keys(quiet)
    # checks with no fallback cannot fire without people
    assert "high_influence_opponent" not in flag_keys(fired) and "no_coach" not in flag_keys(fired)
    assert not fired.power_map.evaluated


def test_disabled_rule():
    cfg = default_config().with_overrides({"deals": {"red_flags": {"led_by_customer": {"enabled": False}}}})
    assert "led_by_customer" not in flag_keys(evaluate_deal(dict(HEALTHY, process=1), config=cfg, stage="solution"))


# -- the eight steps: over-staging -----------------------------------------------
def test_stage_six_but_nobody_met_the_decision_maker():
    ev = evaluate_deal(all_at(5), good_people(met=False), stage="agreed")
    assert ev.info["win_rate"] == 0.75
    assert ev.stage.over_staged is True
    # solution (step 5) needs the decision maker met; everything before it holds
    assert ev.stage.supported_stage == "qualified" and ev.stage.supported_step == 4
    assert [r.key for r in ev.stage.missing] == ["decision_maker_access"]
    text = ev.stage.text("en")
    assert "step 6" in text and "step 4" in text and "Decision maker met" in text


def test_supported_stage():
    s = stage_support("agreed", all_at(5), None)
    assert s.over_staged is False and s.supported_stage == "agreed"


def test_missing_evidence_does_not_support_a_stage():
    s = stage_support("solution", all_at(5, theme=None), None)
    assert s.over_staged is True and s.supported_stage == "qualified"
    assert [(r.key, r.status) for r in s.missing] == [("theme", "unknown")]


def test_requirements_are_cumulative():
    # qualified needs qualification >= 3; a deal at 'agreed' with qualification 2 is supported only to 'validated'
    s = stage_support("agreed", all_at(5, qualification=2), None)
    assert s.supported_stage == "validated"


def test_stage_check_not_applicable():
    assert stage_support("won", all_at(5)).over_staged is None
    assert stage_support(None, all_at(5)).over_staged is None
    assert stage_support("solution", None, None).over_staged is None
    assert stage_support("有条件同意", all_at(5)).stage == "agreed"  # stage names are accepted
    with pytest.raises(ValueError, match="unknown stage"):
        stage_support("stage 99", all_at(5))


# -- actions -------------------------------------------------------------------
def test_actions_rank_by_gain_on_the_score():
    s = {"process": 3, "buying_factors": 3, "pricing": 3, "power_map": 2, "decision_style": 3, "theme": 3,
         "negotiation": 3, "efficiency": 3, "qualification": 4}
    acts = next_actions(s, [])
    target = G["action_target"]
    gains = {k: 100 * W[k] / 100 * (target - v) / (HI - LO) for k, v in s.items() if v < target}
    best = sorted(gains, key=lambda k: -gains[k])[: G["top_actions"]]
    assert [a.factor for a in acts] == best
    assert [round(a.gain, 6) for a in acts] == [round(gains[k], 6) for k in best]
    assert acts[0].en == RAW["factors"]["power_map"]["action"]["en"]


def test_actions_put_flags_first_and_unscored_last():
    ev = evaluate_deal(all_at(4, negotiation=2, theme=None), good_people(attitude=-2), stage="solution")
    kinds = [a.priority for a in ev.actions]
    assert kinds == sorted(kinds, reverse=True)
    assert ev.actions[0].en == RAW["red_flags"]["high_influence_opponent"]["action"]["en"]
    assert len(ev.actions) == G["top_actions"]
    acts = next_actions({"pricing": 4}, [], n=20)
    assert acts[-1].gain is None and acts[-1].en.startswith("Find out")


# -- the whole evaluation, JSON and text ---------------------------------------
def test_evaluation_outputs():
    ev = evaluate_deal(all_at(4, pricing=2), good_people(), stage="solution", opportunity_id="D9",
                       info={"customer": "甲公司", "amount": 2_000_000, "win_rate_override": 0.3})
    assert ev.info["win_rate"] == 0.3 and ev.info["win_rate_source"] == "override"
    assert ev.info["weighted_amount"] == 600_000
    d = ev.to_dict()
    json.dumps(d, ensure_ascii=False)
    assert d["verdict"] == ev.verdict and d["scores"]["pricing"] == 2 and d["power_map"]["evaluated"]
    zh, en = ev.summary("zh"), ev.summary("en")
    assert "甲公司" in zh and "危险信号" in zh and "Red flags" in en and "D9" in en
    prof = ev.profile("en")
    assert prof.loc["pricing", "level"] == RAW["scale"]["levels"][2]["en"]
    assert math.isclose(prof["points"].sum(), ev.score)  # all nine scored: points add up to the score
    assert ev.tas["worth"] == (2 + 4) / 2


# -- a client: evaluate_deal(client, id) and the portfolio -----------------------
def small_client(**extra):
    opps = pd.DataFrame({
        "opportunity_id": ["G1", "N1", "X1", "W1", "O1"],
        "customer": ["甲", "乙", "丙", "丁", "戊"],
        "name": ["好单", "坏单", "未评", "已赢", "虚高"],
        "owner": ["张", "李", "王", "赵", "钱"],
        "amount": [1_000_000.0, 5_000_000.0, 9_000_000.0, 3_000_000.0, 2_000_000.0],
        "stage": ["solution", "qualified", "validated", "won", "agreed"],
        "win_rate_override": [None, 0.2, None, None, None],
    })
    scores = pd.DataFrame([dict(opportunity_id="G1", **all_at(5)),
                           dict(opportunity_id="N1", **all_at(4, qualification=1)),
                           dict(opportunity_id="W1", **all_at(4)),
                           dict(opportunity_id="O1", **all_at(5)),
                           dict(opportunity_id="ZZ9", **all_at(3))])
    people = pd.concat([good_people().assign(opportunity_id="G1"),
                        good_people(met=False).assign(opportunity_id="O1")], ignore_index=True)
    tables = {"opportunities": opps, "deal_scores": scores, "stakeholders": people}
    tables.update(extra)
    return Client.from_frames(tables, name="小客户")


def test_review_a_clients_deal():
    c = small_client()
    ev = review_deal(c, "O1")
    assert ev.stage.over_staged is True and ev.info["customer"] == "戊"
    assert ev.verdict == "review" and {"no_decision_maker_access", "over_staged"} <= set(flag_keys(ev))
    assert ev.power_map.evaluated and len(ev.power_map.people) == 3
    ev = review_deal(c, "X1")  # an opportunity without scores or people
    assert ev.verdict == "not_evaluated" and not ev.power_map.evaluated
    with pytest.raises(ValueError, match="no opportunity 'NOPE'"):
        review_deal(c, "NOPE")
    with pytest.raises(ValueError, match="name the deal"):
        review_deal(c, None)


def test_portfolio_ranks_and_reports():
    c = small_client()
    p = portfolio(c)
    t = p.table
    # open deals + the scored deal missing from the opportunities table; the won deal is left out
    assert set(t["opportunity_id"]) == {"G1", "N1", "X1", "O1", "ZZ9"}
    ev = t[t["evaluated"]]
    assert list(ev["opportunity_id"]) == ["G1", "O1", "N1", "ZZ9"] or list(ev["opportunity_id"]) == ["O1", "G1", "N1", "ZZ9"]
    # G1 and O1 tie on score (all 5 = 100): the larger weighted amount first
    w_g1, w_o1 = 1_000_000 * 0.60, 2_000_000 * 0.75
    assert list(ev["opportunity_id"])[:2] == (["O1", "G1"] if w_o1 > w_g1 else ["G1", "O1"])
    assert list(ev["rank"]) == [1.0, 2.0, 3.0, 4.0]
    x1 = t[t["opportunity_id"] == "X1"].iloc[0]
    assert not x1["evaluated"] and pd.isna(x1["score"]) and x1["verdict"] == "not_evaluated" and pd.isna(x1["rank"])
    n1 = t[t["opportunity_id"] == "N1"].iloc[0]
    assert n1["verdict"] == "nogo" and n1["weighted_amount"] == 5_000_000 * 0.2  # the rep's override
    assert list(p.nogo["opportunity_id"]) == ["N1"]
    assert set(p.over_staged["opportunity_id"]) == {"O1", "N1"}  # N1 fails the Qualified requirements
    assert p.counts() == {"go": 1, "review": 2, "nogo": 1, "not_evaluated": 1}
    assert p.amounts()["nogo"] == 1_000_000
    assert any("ZZ9" in e for _, e in p.problems)
    assert "NoGo" in p.summary("en") and "未评估" in p.summary("zh")
    assert p.to_frame("zh").shape[0] == 5
    json.dumps(p.to_dict(), ensure_ascii=False)
    assert set(portfolio(c, status="won").table["opportunity_id"]) == {"W1"}


def test_portfolio_needs_deal_tables():
    c = Client.from_frames({"opportunities": pd.DataFrame({"opportunity_id": ["A"], "stage": ["qualified"]})})
    with pytest.raises(MissingData, match="deal_scores"):
        portfolio(c)


def test_bad_score_in_a_portfolio_is_reported_not_fatal():
    c = small_client(deal_scores=pd.DataFrame([dict(opportunity_id="G1", **all_at(5, pricing=9))]))
    p = portfolio(c)
    g1 = p.table[p.table["opportunity_id"] == "G1"].iloc[0]
    assert g1["verdict"] == "not_evaluated" and any("outside the scale" in e for _, e in p.problems)


def test_acme_fixture_by_hand(acme_client):
    raw = acme_client.table("deal_scores")
    row = raw[raw["opportunity_id"] == "A-033"].iloc[0]
    s = {k: (None if pd.isna(row[k]) else float(row[k])) for k in FACTOR_KEYS}
    ev = evaluate_deal(acme_client, "A-033")
    assert math.isclose(ev.score, expected_score(s))
    ppl = acme_client.table("stakeholders")
    ppl = ppl[ppl["opportunity_id"] == "A-033"]
    dm = ppl[ppl["role"] == "decision_maker"]
    assert ev.power_map.status("decision_maker_access") == ("ok" if dm["met"].fillna(False).any() else "fail")
    strong = int((ppl["relationship"] >= 2).sum())
    assert ev.power_map.status("multi_threaded") == ("ok" if strong >= 2 else "fail")
    # decision maker never met, qualification 1: NoGo at the gate
    ev36 = evaluate_deal(acme_client, "A-036")
    assert ev36.verdict == "nogo" and ev36.gate.passed is False


# -- charts --------------------------------------------------------------------
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_charts(lang):
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure

    from kalib.charts.deals import factor_profile_chart, portfolio_chart, stage_chart

    rc = dict(matplotlib.rcParams)
    ev = evaluate_deal(all_at(4, theme=None, pricing=2), good_people(met=False), stage="agreed", opportunity_id="D1")
    figs = [factor_profile_chart(ev, lang), stage_chart(ev, lang), stage_chart(None, lang),
            stage_chart(evaluate_deal(None), lang), portfolio_chart(portfolio(small_client()), lang)]
    assert all(isinstance(f, Figure) for f in figs)
    texts = " ".join(t.get_text() for ax in figs[0].axes for t in ax.texts)
    assert ("未评分" if lang == "zh" else "not scored") in texts  # an unscored factor is shown as such
    assert dict(matplotlib.rcParams) == rc
    for f in figs:
        plt.close(f)


# -- the command line ------------------------------------------------------------
def test_cli_deal_and_deals(capsys, monkeypatch, acme_client):
    from kalib.cli import main
    from kalib.commands import deal as deal_cmd
    from kalib.commands import deals as deals_cmd

    acme = str(ROOT / "tests" / "fixtures" / "acme")
    assert main(["deal", acme, "--opportunity", "A-036", "--json"]) == 0  # one real load from files
    out = json.loads(capsys.readouterr().out)
    assert out["verdict"] == "nogo" and out["opportunity_id"] == "A-036"
    # the rest reuse the loaded client
    monkeypatch.setattr(deal_cmd, "load_from_args", lambda args: acme_client)
    monkeypatch.setattr(deals_cmd, "load_from_args", lambda args: acme_client)
    assert main(["deal", acme, "-o", "A-033", "--lang", "en"]) == 0
    assert "Gate (Qualification)" in capsys.readouterr().out
    assert main(["deal", acme, "-o", "NOPE"]) == 2
    assert "NOPE" in capsys.readouterr().err
    assert main(["deals", acme, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert sum(out["counts"].values()) == len(out["deals"])
    assert main(["deals", acme, "--lang", "en", "--all"]) == 0
    assert "not evaluated" in capsys.readouterr().out
