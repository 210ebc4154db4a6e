"""The decision power map (决策权力图): names, normalising, and each check on small hand-built buying centres."""

from __future__ import annotations

from pathlib import Path

import matplotlib
import pandas as pd
import pytest
import yaml

from kalib.config import default_config
from kalib.powermap import (
    CHECKS,
    normalise_stakeholders,
    power_map,
    role_guide,
    role_key,
    style_guide,
    style_key,
)

ROOT = Path(__file__).resolve().parents[1]
RAW = yaml.safe_load((ROOT / "kalib" / "method.yaml").read_text(encoding="utf-8"))["deals"]["power_map"]


def person(name, role=None, influence=None, attitude=None, relationship=None, met=None, style=None,
           reports_to=None, title=None):
    return {"person": name, "title": title, "role": role, "influence": influence, "attitude": attitude,
            "relationship": relationship, "reports_to": reports_to, "style": style, "met": met}


def people(*rows):
    return pd.DataFrame(list(rows))


# -- names -------------------------------------------------------------------
@pytest.mark.parametrize("text, key", [
    ("决策者", "decision_maker"), ("批准者", "approver"), ("评估者", "evaluator"), ("使用者", "user"),
    ("影响者", "influencer"), ("教练/内线", "coach"), ("教练", "coach"), ("内线", "coach"),
    ("Decision Maker", "decision_maker"), ("economic buyer", "decision_maker"), ("Technical Buyer", "evaluator"),
    ("User Buyer", "user"), ("champion", "coach"), ("decision_maker", "decision_maker"),
    ("决策者/批准者", "decision_maker"),
])
def test_role_names_in_both_languages(text, key):
    assert role_key(text) == key


@pytest.mark.parametrize("text, key", [
    ("驾驭型", "driver"), ("分析型", "analytical"), ("亲切型", "amiable"), ("表现型", "expressive"),
    ("Driver", "driver"), ("ANALYTICAL", "analytical"), ("amiable", "amiable"), ("Expressive", "expressive"),
])
def test_style_names_in_both_languages(text, key):
    assert style_key(text) == key


def test_unknown_names_are_none_and_noted():
    assert role_key("采购专员X") is None and style_key("") is None and role_key(None) is None
    pm = power_map(people(person("甲", role="神秘角色", style="怪型", influence=3)))
    assert pm.people.loc[0, "role"] is None
    texts = " ".join(en for _, en in pm.notes)
    assert "神秘角色" in texts and "怪型" in texts


def test_normalise_does_not_mutate_and_parses_values():
    raw = people(person("甲", role="评估者", influence="4", attitude=9, relationship=-1, met="否"),
                 person("乙", influence=2, attitude=-2, relationship=3, met="yes"),
                 person(None, influence=5))
    before = raw.copy()
    out = normalise_stakeholders(raw)
    pd.testing.assert_frame_equal(raw, before)
    assert list(out["person"]) == ["甲", "乙"]  # a row without a name is dropped
    assert out.loc[0, "influence"] == 4.0
    assert pd.isna(out.loc[0, "attitude"]) and pd.isna(out.loc[0, "relationship"])  # off the scale: missing
    assert out.loc[0, "met"] is False and out.loc[1, "met"] is True
    pm = power_map(raw)
    assert any("attitude" in en and "outside" in en for _, en in pm.notes)


def test_missing_person_column_is_a_plain_error():
    with pytest.raises(ValueError, match="person"):
        normalise_stakeholders(pd.DataFrame({"name": ["x"]}))


# -- checks ------------------------------------------------------------------
def test_no_people_is_not_evaluated_never_failing():
    for data in (None, pd.DataFrame({"person": []})):
        pm = power_map(data)
        assert not pm.evaluated
        assert {c.status for c in pm.checks.values()} == {"unknown"}
        assert "not evaluated" in pm.summary("en") and "未评估" in pm.summary("zh")


def test_decision_maker_identified():
    assert power_map(people(person("A", role="决策者"))).status("decision_maker_identified") == "ok"
    assert power_map(people(person("A", role="评估者"))).status("decision_maker_identified") == "fail"


def test_decision_maker_access_needs_a_meeting():
    assert power_map(people(person("A", role="决策者", met=True))).status("decision_maker_access") == "ok"
    pm = power_map(people(person("A", role="决策者", met=False), person("B", role="评估者", met=True)))
    assert pm.status("decision_maker_access") == "fail"
    assert pm.check("decision_maker_access").people == ("A",)
    # met not recorded counts as not met (the check says so)
    pm = power_map(people(person("A", role="决策者")))
    assert pm.status("decision_maker_access") == "fail" and "No record" in pm.check("decision_maker_access").en
    # with no decision maker there is nobody to meet
    assert power_map(people(person("B", role="user", met=True))).status("decision_maker_access") == "fail"


def test_decision_maker_covered_needs_a_strong_relationship():
    strong = RAW["strong_relationship_min"]
    ok = power_map(people(person("A", role="决策者", met=True, relationship=strong)))
    weak = power_map(people(person("A", role="决策者", met=True, relationship=strong - 1)))
    assert ok.status("decision_maker_covered") == "ok" and weak.status("decision_maker_covered") == "fail"


def test_senior_access():
    hi = RAW["high_influence_min"]
    assert power_map(people(person("A", influence=hi, met=True))).status("senior_access") == "ok"
    assert power_map(people(person("A", influence=hi, met=False),
                            person("B", influence=hi - 1, met=True))).status("senior_access") == "fail"


@pytest.mark.parametrize("influence, attitude, fires", [
    (RAW["high_influence_min"], RAW["opponent_max"], True),       # on both boundaries
    (5, -2, True),
    (RAW["high_influence_min"] - 1, -2, False),                   # not influential enough
    (5, RAW["opponent_max"] + 1, False),                          # neutral
])
def test_high_influence_opponents(influence, attitude, fires):
    pm = power_map(people(person("X", role="approver", influence=influence, attitude=attitude),
                          person("Y", role="user", influence=1, attitude=2)))
    assert pm.status("high_influence_opponents") == ("fail" if fires else "ok")
    if fires:
        assert pm.check("high_influence_opponents").people == ("X",)


@pytest.mark.parametrize("relationships, ok", [
    ([3, 2], True),          # exactly min_threads strong relationships
    ([3, 1, 1, 0], False),   # one strong, the rest weak: single-threaded
    ([1, 1], False),
])
def test_multi_threaded(relationships, ok):
    assert RAW["min_threads"] == 2 and RAW["strong_relationship_min"] == 2  # the cases assume the defaults
    pm = power_map(people(*[person(f"P{i}", relationship=r) for i, r in enumerate(relationships)]))
    assert pm.status("multi_threaded") == ("ok" if ok else "fail")


def test_coach():
    assert power_map(people(person("A", role="教练/内线", attitude=2))).status("coach") == "ok"
    assert power_map(people(person("A", role="coach"))).status("coach") == "ok"  # attitude not recorded
    assert power_map(people(person("A", role="coach", attitude=-1))).status("coach") == "fail"  # a coach against us
    assert power_map(people(person("A", role="user", attitude=2))).status("coach") == "fail"


def test_relationships_in_the_wrong_place():
    bad = power_map(people(person("Boss", influence=5, relationship=0), person("Clerk", influence=1, relationship=3)))
    assert bad.status("relationships_placed") == "fail"
    assert set(bad.check("relationships_placed").people) == {"Boss", "Clerk"}
    good = power_map(people(person("Boss", influence=5, relationship=2), person("Clerk", influence=1, relationship=3)))
    assert good.status("relationships_placed") == "ok"


def test_decision_maker_style():
    assert power_map(people(person("A", role="决策者", style="分析型"))).status("decision_maker_style") == "ok"
    assert power_map(people(person("A", role="决策者"))).status("decision_maker_style") == "fail"
    assert power_map(people(person("A", role="user"))).status("decision_maker_style") == "unknown"


def test_every_check_is_a_named_documented_function():
    for key, fn in CHECKS.items():
        assert fn.__name__ == f"check_{key}" and fn.__doc__


def test_thresholds_come_from_config():
    p = people(person("X", influence=4, attitude=-1))
    assert power_map(p).status("high_influence_opponents") == "fail"
    cfg = default_config().with_overrides({"deals": {"power_map": {"high_influence_min": 5}}})
    assert power_map(p, config=cfg).status("high_influence_opponents") == "ok"


def test_opportunity_filter():
    p = pd.DataFrame([dict(person("A", role="决策者", met=True), opportunity_id="D1"),
                      dict(person("B", role="评估者"), opportunity_id="D2")])
    pm = power_map(p, opportunity_id="D2")
    assert list(pm.people["person"]) == ["B"] and pm.status("decision_maker_identified") == "fail"


def test_tables_and_dict():
    pm = power_map(people(person("王总", role="决策者", influence=5, attitude=1, relationship=2, met=True,
                                 style="驾驭型", title="总经理"),
                          person("李工", role="评估者", influence=3, attitude=-1, relationship=1, reports_to="王总")))
    t = pm.to_frame("zh")
    assert list(t["决策角色"]) == ["决策者", "评估者"] and t["决策风格"].iloc[0] == "驾驭型"
    assert pm.to_frame("en")["Attitude"].iloc[1].startswith("-1")
    assert len(pm.checks_frame("en")) == len(CHECKS)
    d = pm.to_dict()
    assert d["evaluated"] and d["people"][0]["role"] == "decision_maker" and d["checks"]["coach"]["status"] == "fail"
    import json
    json.dumps(d, ensure_ascii=False)


def test_role_and_style_guides():
    roles, styles = role_guide(lang="zh"), style_guide(lang="en")
    assert list(roles.index) == [r["zh"] for r in RAW["roles"].values()]  # Chinese only in zh
    assert list(RAW["roles"]) == ["decision_maker", "approver", "evaluator", "user", "influencer", "coach"]
    # in English, each term is introduced with its Chinese name once
    assert list(styles.index) == [f"{s['en']} ({s['zh']})" for s in RAW["styles"].values()]
    assert [s["en"] for s in RAW["styles"].values()] == ["Driver", "Analytical", "Amiable", "Expressive"]
    assert roles.iloc[:, 1].str.len().min() > 0 and styles["Needs"].str.len().min() > 0
    assert all(r.get("needs", {}).get("zh") and r["needs"].get("en") for r in RAW["roles"].values())
    assert all(s["needs"]["zh"] and s["avoid"]["en"] for s in RAW["styles"].values())


@pytest.mark.parametrize("view", ["matrix", "org"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_power_map_chart(view, lang):
    from matplotlib.figure import Figure

    from kalib.charts.deals import power_map_chart

    rc = dict(matplotlib.rcParams)
    pm = power_map(people(person("王总", role="决策者", influence=5, attitude=-1, relationship=1, met=False),
                          person("李工", role="评估者", influence=5, attitude=-1, relationship=1, reports_to="王总"),
                          person("周", role="coach", influence=2, attitude=2, relationship=3, reports_to="李工"),
                          person("环", reports_to="环")))  # reports to himself: no loop
    fig = power_map_chart(pm, lang, view=view)
    empty = power_map_chart(power_map(None), lang, view=view)
    assert isinstance(fig, Figure) and isinstance(empty, Figure)
    texts = " ".join(t.get_text() for ax in fig.axes for t in ax.texts + [ax.title])
    assert "王总" in texts
    assert dict(matplotlib.rcParams) == rc
    import matplotlib.pyplot as plt
    plt.close(fig), plt.close(empty)
    with pytest.raises(ValueError):
        power_map_chart(pm, lang, view="pie")


# -- whom to see next ------------------------------------------------------------
def test_next_person_follows_the_order_of_its_rules():
    from kalib.powermap import NEXT_PERSON_RULES, next_person

    dm_unmet = person("王总", role="决策者", influence=5, attitude=0, relationship=0, met=False, title="副总经理")
    opponent = person("钱总", role="批准者", influence=4, attitude=-2, relationship=1, met=True)
    coach = person("张工", role="教练", influence=2, attitude=2, relationship=3, met=True)
    friend = person("李工", role="使用者", influence=2, attitude=1, relationship=2, met=True)
    # 1. a decision maker nobody has met comes first, even beside an opponent; the coach opens the door
    n = next_person(power_map(people(dm_unmet, opponent, coach, friend)))
    assert (n.person, n.rule, n.route) == ("王总", NEXT_PERSON_RULES[0], "张工")
    assert "王总" in n.text("zh") and "张工" in n.text("en")
    # 2. once met (and still not trusting us), the high-influence opponent comes first
    dm_met = dict(dm_unmet, met=True, relationship=1)
    assert next_person(power_map(people(dm_met, opponent, coach))).rule == "high_influence_opponent"
    # 3. no opponent: the decision maker who does not trust us yet
    assert next_person(power_map(people(dm_met, coach))).person == "王总"
    assert next_person(power_map(people(dm_met, coach))).rule == "decision_maker_weak"
    # 4. the decision maker trusts us: a distant high-influence person
    dm_strong = dict(dm_met, relationship=3)
    far = person("赵处", role="影响者", influence=4, attitude=0, relationship=0, met=False)
    n = next_person(power_map(people(dm_strong, far, coach)))
    assert (n.person, n.rule) == ("赵处", "high_influence_distant")
    # everyone covered, or nobody listed: nobody to name
    assert next_person(power_map(people(dm_strong, coach))) is None
    assert next_person(power_map(None)) is None


def test_next_person_without_a_coach_goes_through_a_strong_relationship():
    from kalib.powermap import next_person

    dm = person("王总", role="决策者", influence=5, met=False)
    boss = person("刘董", role="批准者", influence=5, attitude=1, relationship=3, met=True)
    n = next_person(power_map(people(dm, boss)))
    assert n.route == "刘董"
    assert next_person(power_map(people(dm))).route is None
