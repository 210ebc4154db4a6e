"""The live deal-review panel, driven without a browser: set values, click, read the HTML and images."""

from __future__ import annotations

import pandas as pd
import pytest

from kalib import Client
from kalib.deals import FACTOR_KEYS
from kalib.widgets.deals import DealPanel, deal_panel


def all_at(level, **over):
    s = {k: level for k in FACTOR_KEYS}
    s.update(over)
    return s


@pytest.fixture(scope="module")
def client():
    opps = pd.DataFrame({
        "opportunity_id": ["S1", "S2", "B1"],
        "customer": ["甲公司", "乙公司", "丙公司"],
        "amount": [3_000_000.0, 8_000_000.0, 1_000_000.0],
        "stage": ["solution", "agreed", "validated"],
    })
    scores = pd.DataFrame([dict(opportunity_id="S1", **all_at(4)),
                           dict(opportunity_id="S2", **all_at(3, qualification=2))])
    people = pd.DataFrame([
        {"opportunity_id": "S2", "person": "王总", "role": "决策者", "influence": 5, "attitude": 0, "relationship": 1,
         "met": False, "style": "驾驭型"},
        {"opportunity_id": "S2", "person": "李工", "role": "评估者", "influence": 3, "attitude": 1, "relationship": 2,
         "met": True, "reports_to": "王总"},
    ])
    return Client.from_frames({"opportunities": opps, "deal_scores": scores, "stakeholders": people}, name="测试")


def test_opens_the_largest_open_evaluated_deal(client):
    panel = deal_panel(client, lang="zh")
    assert isinstance(panel, DealPanel)
    assert panel.deal.value == "S2"  # 8M > 3M, both scored
    assert panel.stage.value == "agreed"
    assert panel.sliders["qualification"].value == 2 and panel.sliders["process"].value == 3
    assert [p.person.value for p in panel.people] == ["王总", "李工"]
    assert panel.evaluation.verdict == "nogo" and "NoGo" in panel.verdict.value
    assert panel.profile_image.value[:4] == b"\x89PNG" and panel.map_image.value[:4] == b"\x89PNG"
    assert panel.errors.value == ""
    # options: evaluated deals first, the blank deal on top
    assert [v for _, v in panel.deal.options][:3] == ["", "S2", "S1"]


def test_scores_drive_the_verdict(client):
    panel = deal_panel(client, lang="en", opportunity_id="S1")
    assert panel.evaluation.verdict == "go" and "Go" in panel.verdict.value
    panel.sliders["qualification"].value = 2  # below the gate
    assert panel.evaluation.verdict == "nogo" and "Gate failed" in panel.verdict.value
    panel.sliders["qualification"].value = 0  # 0 = not scored
    assert panel.evaluation.scores["qualification"] is None and panel.evaluation.verdict == "review"
    assert "not scored" in panel.anchors["qualification"].value
    panel.sliders["pricing"].value = 1
    assert "Budget and price not discussed yet" in panel.anchors["pricing"].value
    assert "Price not discussed" in panel.details.value


def test_stage_and_people_drive_flags_and_power_map(client):
    panel = deal_panel(client, lang="en", opportunity_id="S1")
    assert not panel.evaluation.power_map.evaluated and "not evaluated" in panel.details.value
    before = panel.map_image.value
    with panel.hold():
        row = panel.add_person.click() or panel.people[-1]
        row.person.value = "Ms Wu"
        row.role.value = "decision_maker"
        row.influence.value = "5"
        row.attitude.value = "1"
        row.relationship.value = "2"
        row.met.value = False
        panel.stage.value = "agreed"
    ev = panel.evaluation
    assert ev.power_map.evaluated and list(ev.power_map.people["person"]) == ["Ms Wu"]
    assert "no_decision_maker_access" in [f.key for f in ev.flags]
    assert ev.stage.over_staged and "Over-staged" in panel.details.value
    assert panel.map_image.value != before
    row.met.value = True  # one change, one refresh
    assert "no_decision_maker_access" not in [f.key for f in panel.evaluation.flags]
    row.remove.click()
    assert panel.people == [] and not panel.evaluation.power_map.evaluated


def test_blank_deal(client):
    panel = deal_panel(client, lang="zh", opportunity_id="S2")
    panel.deal.value = ""
    assert all(s.value == 0 for s in panel.sliders.values()) and panel.people == []
    assert panel.evaluation.verdict == "not_evaluated" and "未评估" in panel.verdict.value
    panel.set_scores(all_at(5))
    assert panel.evaluation.verdict == "go"


def test_view_toggle_and_no_client():
    panel = deal_panel(None, lang="en")
    assert [v for _, v in panel.deal.options] == [""]
    first = panel.map_image.value
    panel.view.value = "org"
    assert panel.map_image.value != first


def test_errors_show_in_the_panel(client, monkeypatch):
    import kalib.widgets.deals as mod

    panel = deal_panel(client, lang="en", opportunity_id="S1")

    def boom(*a, **k):
        raise ValueError("the evaluation broke")

    monkeypatch.setattr(mod, "evaluate_deal", boom)
    panel.sliders["theme"].value = 2
    assert "the evaluation broke" in panel.errors.value
    monkeypatch.undo()
    panel.sliders["theme"].value = 3
    assert panel.errors.value == ""


def test_bad_arguments(client):
    with pytest.raises(ValueError, match="no opportunity"):
        deal_panel(client, opportunity_id="NOPE")
    with pytest.raises(ValueError, match="lang"):
        deal_panel(client, lang="fr")
    with pytest.raises(KeyError):
        deal_panel(None).set_scores({"luck": 3})
