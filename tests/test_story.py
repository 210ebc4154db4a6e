"""The course's story (kalib.story): client.yml's `course:` setting, its defaults, and the demo's story deal."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

import kalib
from kalib.accounts import customer_value
from kalib.client import Client
from kalib.deals import review_deal
from kalib.problems import InputError
from kalib.story import story_customer, story_opportunity

ROOT = Path(__file__).resolve().parents[1]
FACTORS = ("process", "buying_factors", "pricing", "power_map", "decision_style", "theme", "negotiation",
           "efficiency", "qualification")


def client(**course) -> Client:
    opps = pd.DataFrame({
        "opportunity_id": ["A1", "A2", "B1", "B2", "C1"],
        "customer": ["甲", "甲", "乙", "乙", "丙"],
        "owner": ["张", "张", "李", "李", "王"],
        "amount": [1_000_000.0, 2_000_000.0, 9_000_000.0, 8_000_000.0, 30_000_000.0],
        "stage": ["qualified", "solution", "validated", "won", "agreed"],
    })
    scores = pd.DataFrame([{"opportunity_id": o, **{k: 3 for k in FACTORS}} for o in ("A1", "A2", "B1", "B2")])
    rev = pd.DataFrame({"date": pd.to_datetime(["2024-03-01", "2024-05-01", "2024-06-01"]),
                        "customer": ["甲", "乙", "丙"], "amount": [5_000_000.0, 1_000_000.0, 2_000_000.0]})
    return Client.from_frames({"opportunities": opps, "deal_scores": scores, "revenue": rev}, name="小客户",
                              period="2024", course=course)


def test_defaults_without_the_setting():
    c = client()
    # the largest open deal with scores: B1 (C1 is larger but not scored, B2 is won)
    assert story_opportunity(c) == "B1"
    # the customer worth the most per year in the highest tier that has one
    t = customer_value(c).table
    top_tier = next(tr["key"] for tr in c.config.tiers() if (t["tier"] == tr["key"]).any())
    expected = t[t["tier"] == top_tier].sort_values("value", ascending=False)["customer"].iloc[0]
    assert story_customer(c) == expected == "甲"


def test_customer_named_picks_its_largest_evaluated_deal():
    c = client(story_customer="甲")
    assert story_customer(c) == "甲"
    assert story_opportunity(c) == "A2"


def test_opportunity_named_gives_its_customer():
    c = client(story_opportunity="A1")
    assert story_opportunity(c) == "A1"
    assert story_customer(c) == "甲"


@pytest.mark.parametrize("course, fn, fragment", [
    ({"story_opportunity": "ZZ9"}, story_opportunity, "story_opportunity"),
    ({"story_customer": "没有这家"}, story_customer, "story_customer"),
])
def test_a_name_the_data_lacks_is_told(course, fn, fragment):
    with pytest.raises(ValueError, match=fragment):
        fn(client(**course))


def test_unknown_course_key_refused():
    with pytest.raises(ValueError, match="story_deal"):
        client(story_deal="A1")


def test_demo_follows_its_client_yml(demo_client):
    course = yaml.safe_load((ROOT / "kalib" / "demo_data" / "client.yml").read_text(encoding="utf-8"))["course"]
    assert story_customer(demo_client) == course["story_customer"]
    assert story_opportunity(demo_client) == course["story_opportunity"]
    o = demo_client.tables["opportunities"].set_index("opportunity_id").loc[course["story_opportunity"]]
    assert o["customer"] == course["story_customer"] and o["status"] == "open"
    # a key customer whose revenue fell last year
    t = customer_value(demo_client).table.set_index("customer").loc[course["story_customer"]]
    assert bool(t["key_account"]) and t["growth"] < 0


def test_demo_story_deal_is_coherent(demo_client):
    """What the course says about the story deal holds in the data: led by the customer, the decision maker
    never met (so no relationship with him), a Review, not a NoGo; nobody unmet has a relationship."""
    ev = review_deal(demo_client, story_opportunity(demo_client))
    keys = {f.key for f in ev.flags}
    assert {"led_by_customer", "no_decision_maker_access"} <= keys
    assert ev.verdict == "review" and ev.gate.passed
    sh = demo_client.tables["stakeholders"]
    unmet = sh[sh["met"] == False]  # noqa: E712 (a boolean column with NA)
    assert (unmet["relationship"].fillna(0) == 0).all()
    opponents = sh[sh["attitude"] <= -1]
    assert (opponents["relationship"] <= 1).all()


def test_course_setting_in_client_yml(tmp_path):
    folder = tmp_path / "c"
    folder.mkdir()
    (folder / "销售机会.csv").write_text("机会编号,客户名称,负责人,金额,销售阶段\nO1,甲公司,张三,100000,合格\n",
                                        encoding="utf-8")
    (folder / "client.yml").write_text("course: {story_customer: 甲公司, story_opportunity: O1}\n", encoding="utf-8")
    c = kalib.load_client(folder)
    assert c.meta.course == {"story_customer": "甲公司", "story_opportunity": "O1"}
    assert story_opportunity(c) == "O1" and story_customer(c) == "甲公司"


@pytest.mark.parametrize("yml, key", [
    ("course:\n  story_deal: O1\n", "course.story_deal"),
    ("course:\n  story_customer: ''\n", "course.story_customer"),
])
def test_course_setting_problems_located(tmp_path, yml, key):
    folder = tmp_path / "c"
    folder.mkdir()
    (folder / "销售机会.csv").write_text("机会编号,客户名称,负责人,金额,销售阶段\nO1,甲公司,张三,100000,合格\n",
                                        encoding="utf-8")
    (folder / "client.yml").write_text(yml, encoding="utf-8")
    with pytest.raises(InputError) as info:
        kalib.load_client(folder)
    probs = [p for p in info.value.problems if p.column == key]
    assert probs and probs[0].row == 2, [str(p) for p in info.value.problems]
