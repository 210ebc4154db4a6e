"""The team analysis (layer 4): figures checked against values computed here from raw rows."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from kalib import Client, MissingData
from kalib.team import assign_needs, concentration, team_analysis

DIMENSIONS = {"profession", "talent", "leadership", "support"}


# ---------------------------------------------------------------------------
# The acme fixture: every figure recomputed from the loaded rows
# ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def acme_team(acme_client):
    return team_analysis(acme_client, "2024")


def _in_2024(dates: pd.Series) -> pd.Series:
    return (dates >= pd.Timestamp("2024-01-01")) & (dates <= pd.Timestamp("2024-12-31"))


def test_sales_per_person_match_raw_revenue(acme_client, acme_team):
    rev = acme_client.tables["revenue"]
    rows = rev[_in_2024(rev["date"])]
    expected: dict[str, float] = {}
    for name, amount in zip(rows["salesperson"], rows["amount"]):
        expected[name] = expected.get(name, 0.0) + float(amount)
    people = acme_client.tables["salespeople"]["salesperson"].tolist()
    got = dict(zip(acme_team.people["salesperson"], acme_team.people["sales"]))
    assert set(got) == set(people)
    for name in people:
        assert got[name] == pytest.approx(expected.get(name, 0.0))
    # Sorted by sales, highest first.
    assert acme_team.people["sales"].is_monotonic_decreasing


def test_indicator_9_and_concentration_match_raw(acme_client, acme_team):
    rev = acme_client.tables["revenue"]
    rows = rev[_in_2024(rev["date"])]
    names = acme_client.tables["salespeople"]["salesperson"].tolist()
    sales = [float(rows.loc[rows["salesperson"] == n, "amount"].sum()) for n in names]
    mean = sum(sales) / len(sales)
    above = sum(1 for s in sales if s > mean)
    s = acme_team.summary
    assert s["salespeople"] == len(names)
    assert s["above_mean"] == above
    assert s["share_above_mean"] == pytest.approx(above / len(names))
    top_n = math.ceil(0.2 * len(names))
    top = sorted(sales, reverse=True)[:top_n]
    assert s["top_n"] == top_n
    assert s["top_share"] == pytest.approx(sum(top) / sum(sales))
    assert s["mean_annual_sales"] == pytest.approx(mean)  # a calendar year: no scaling


def test_indicator_9_agrees_with_the_health_check(demo_client):
    from kalib.health import health_check

    t = team_analysis(demo_client)
    h = health_check(demo_client)
    assert t.summary["share_above_mean"] == pytest.approx(h["reps_above_mean"].value)


def test_win_rate_and_pipeline_match_raw_opportunities(acme_client, acme_team):
    o = acme_client.tables["opportunities"]
    closed = o[o["status"].isin(["won", "lost"]) & _in_2024(o["closed_date"])
               & (o["stage"] != "abandoned")]  # deals we withdrew from are not losses (method.yaml)
    opened = o[o["status"] == "open"]
    p = acme_team.people.set_index("salesperson")
    for name in p.index:
        mine = closed[closed["owner"] == name]
        won, lost = int((mine["status"] == "won").sum()), int((mine["status"] == "lost").sum())
        assert (p.at[name, "won"], p.at[name, "lost"]) == (won, lost)
        if won + lost:
            assert p.at[name, "win_rate"] == pytest.approx(won / (won + lost))
        else:
            assert math.isnan(p.at[name, "win_rate"])
        # Judged only with enough closed deals.
        judged = p.at[name, "win_rate_judged"]
        assert (not math.isnan(judged)) == (won + lost >= 5)
        assert p.at[name, "pipeline"] == pytest.approx(float(opened.loc[opened["owner"] == name, "amount"].sum()))
    # Weighted pipeline of 李伟: one deal at "agreed" with the rep's own 80%.
    li = opened[opened["owner"] == "李伟"]
    assert p.at["李伟", "weighted_pipeline"] == pytest.approx(float((li["amount"] * li["win_rate_override"]).sum()))
    team_closed = len(closed[closed["owner"].isin(p.index)])
    team_won = int((closed[closed["owner"].isin(p.index)]["status"] == "won").sum())
    assert acme_team.summary["team_win_rate"] == pytest.approx(team_won / team_closed)


def test_quota_attainment_is_prorated_for_partial_years(acme_client, acme_team):
    sp = acme_client.tables["salespeople"].set_index("salesperson")
    p = acme_team.people.set_index("salesperson")
    # 刘洋 left on 2024-06-30: employed 182 of 366 days.
    assert p.at["刘洋", "left"]
    assert p.at["刘洋", "active_share"] == pytest.approx(182 / 366)
    assert p.at["刘洋", "attainment"] == pytest.approx(p.at["刘洋", "sales"] / (sp.at["刘洋", "quota"] * 182 / 366))
    # 赵磊 was hired on 2024-04-01: employed 275 of 366 days.
    assert p.at["赵磊", "active_share"] == pytest.approx(275 / 366)
    assert p.at["赵磊", "sales_rate"] == pytest.approx(p.at["赵磊", "sales"] * 366 / 275)
    # A full year.
    assert p.at["李伟", "attainment"] == pytest.approx(p.at["李伟", "sales"] / sp.at["李伟", "quota"])
    assert acme_team.summary["at_quota"] == int((p["attainment"] >= 1).sum())


def test_tenure_and_ramp_bands(acme_team):
    p = acme_team.people.set_index("salesperson")
    # 赵磊: 2024-04-01 to 2024-12-31.
    assert p.at["赵磊", "tenure_months"] == pytest.approx(274 / 30.4375)
    ramp = acme_team.ramp.set_index("tenure")
    assert int(ramp["people"].sum()) == len(p)
    assert ramp.loc["6m–1y", "people"] == 1
    assert ramp.loc["6m–1y", "mean_sales_rate"] == pytest.approx(p.at["赵磊", "sales_rate"])


def test_groups_on_acme(acme_team):
    need = dict(zip(acme_team.people["salesperson"], acme_team.people["need"]))
    assert need["刘洋"] == "departed"      # left mid-year
    assert need["赵磊"] == "ramp_up"       # hired in April, below the average
    p = acme_team.people.set_index("salesperson")
    # 陈静: 0.3x pipeline, win rate not judged (3 closed), but most of the open amount is overdue
    alert = acme_team.lines["overdue_alert"]
    assert p.at["陈静", "closed"] < acme_team.lines["min_closed_deals"]
    assert p.at["陈静", "overdue_share"] >= alert
    assert need["陈静"] == "deal_coaching"
    assert "75%" in p.at["陈静", "reason_en"] and "逾期" not in p.at["陈静", "reason_en"]
    # 张强: over quota with a judged win rate on the line: a role model, and told the pipeline is short
    assert p.at["张强", "attainment"] >= acme_team.lines["role_model_attainment"]
    assert p.at["张强", "win_rate_judged"] >= acme_team.lines["win_rate"]
    assert need["张强"] == "role_model"
    assert "储备" in p.at["张强", "reason_zh"] and f"{p.at['张强', 'coverage']:.1f}倍" in p.at["张强", "reason_zh"]
    assert set(acme_team.people["dimension"]) <= DIMENSIONS


def test_everyone_grouped_has_a_reason(acme_team, demo_client):
    for t in (acme_team, team_analysis(demo_client)):
        p = t.people
        assert p["reason_zh"].str.len().gt(0).all() and p["reason_en"].str.len().gt(0).all()
        table = t.table("en")
        assert table["Why"].tolist() == p["reason_en"].tolist()


def test_demo_groups_are_credible(demo_client):
    t = team_analysis(demo_client)
    p = t.people
    top = p.loc[p["sales"].idxmax()]
    # the top seller is ahead of quota and wins on the line: a role model, not sent to prospecting
    assert top["attainment"] >= t.lines["role_model_attainment"] and top["win_rate_judged"] >= t.lines["win_rate"]
    assert top["need"] == "role_model"
    # every role model is on or above quota with a win rate on the line
    rm = p.loc[p["need"] == "role_model"]
    assert len(rm) >= 3
    assert (rm["attainment"] >= t.lines["role_model_attainment"]).all()
    assert (rm["win_rate_judged"].fillna(1.0) >= t.lines["win_rate"]).all()
    # quotas follow the book: nobody settled sells more than four times, or less than a twentieth, of the quota
    settled = p.loc[~p["left"] & (p["tenure_months"] >= t.lines["new_hire_months"]) & (p["sales"] > 0)]
    assert settled["attainment"].between(0.05, 4.0).all()
    # the story's key-account manager: coached on his deals, with the overdue share in the reason
    story = p.set_index("salesperson").loc["莫德胜"]
    assert story["need"] == "deal_coaching"
    assert story["overdue_share"] >= t.lines["overdue_alert"]
    assert f"{story['overdue_deals']} 个机会已过预计成交日期" in story["reason_zh"]


def test_every_finding_points_to_a_dimension(acme_team, demo_client):
    for t in (acme_team, team_analysis(demo_client)):
        assert t.findings
        for f in t.findings:
            assert f.dimension in DIMENSIONS
            assert f.zh and f.en
        assert set(t.findings_frame("zh").data.iloc[:, 0]) <= {"销售职业", "人才管理", "领导力与销售文化", "绩效支持"}


def test_to_dict_is_json(acme_team):
    d = acme_team.to_dict()
    text = json.dumps(d, ensure_ascii=False)
    assert "李伟" in text
    assert d["summary"]["salespeople"] == 6
    assert sum(len(v) for v in d["groups"].values()) == 6


# ---------------------------------------------------------------------------
# The grouping by need, on made-up people
# ---------------------------------------------------------------------------
ORDER = ["departed", "ramp_up", "role_model", "performance_plan", "deal_coaching", "prospecting", "on_track"]


@pytest.mark.parametrize(
    ("above", "tenure", "win", "cov", "left", "expected"),
    [
        (False, 40, 0.20, 4.0, False, "deal_coaching"),     # plenty of pipeline, low win rate
        (False, 40, 0.50, 1.0, False, "prospecting"),       # wins, too little pipeline
        (False, 40, 0.20, 1.0, False, "performance_plan"),  # both low, below average
        (True, 40, 0.20, 1.0, False, "deal_coaching"),      # both low but above average: not a "plan"
        (False, 6, 0.20, 1.0, False, "ramp_up"),            # new hire first
        (True, 6, 0.50, 4.0, False, "role_model"),          # a new hire already above average
        (True, 40, 0.50, 4.0, False, "role_model"),
        (False, 40, 0.50, 4.0, False, "on_track"),
        (False, 40, np.nan, 4.0, False, "on_track"),        # win rate not judged: no flag
        (False, 40, np.nan, 1.0, False, "prospecting"),
        (True, 40, 0.50, 4.0, True, "departed"),
        (True, 40, 0.50, 1.0, False, "role_model"),         # above average, wins on the line: pipeline does not block
    ],
)
def test_assign_needs(above, tenure, win, cov, left, expected):
    people = pd.DataFrame({"above_mean": [above], "tenure_months": [float(tenure)], "win_rate_judged": [win],
                           "coverage": [cov], "left": [left]})
    got = assign_needs(people, win_line=0.33, coverage_line=3.0, new_hire_months=12, order=ORDER)
    assert got.tolist() == [expected]


@pytest.mark.parametrize(
    ("above", "attainment", "win", "cov", "closed", "overdue", "expected"),
    [
        (True, 1.3, 0.50, 1.0, 8, 0.0, "role_model"),        # ahead of quota and on the win-rate line
        (True, 0.9, 0.50, 1.0, 8, 0.0, "prospecting"),       # above average but under quota: not a role model
        (True, 1.3, 0.20, 4.0, 8, 0.0, "deal_coaching"),     # over quota on a low win rate: coached, not copied
        (False, 0.6, 0.50, 4.0, 8, 0.30, "deal_coaching"),   # a third of the pipeline overdue
        (False, 0.6, 0.50, 4.0, 8, 0.20, "on_track"),        # under the overdue alert
        (False, 0.0, np.nan, 0.0, 0, np.nan, "performance_plan"),  # no deal closed and no pipeline
        (False, np.nan, 0.50, 4.0, 8, 0.0, "on_track"),      # no quota, not above average
        (True, np.nan, 0.50, 1.0, 8, 0.0, "role_model"),     # no quota: above the average instead
    ],
)
def test_assign_needs_by_attainment_and_overdue(above, attainment, win, cov, closed, overdue, expected):
    people = pd.DataFrame({"above_mean": [above], "tenure_months": [40.0], "win_rate_judged": [win],
                           "coverage": [cov], "attainment": [attainment], "closed": [closed],
                           "overdue_share": [overdue]})
    got = assign_needs(people, win_line=0.33, coverage_line=3.0, new_hire_months=12, order=ORDER,
                       overdue_alert=0.25, role_model_attainment=1.0)
    assert got.tolist() == [expected]


def test_concentration_by_hand():
    d = concentration(pd.Series([50.0, 30.0, 10.0, 10.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]), 0.2)
    assert d["top_n"] == 2
    assert d["top_share"] == pytest.approx(0.8)
    assert d["top1_share"] == pytest.approx(0.5)
    assert 0 < d["gini"] < 1
    assert math.isnan(concentration(pd.Series([0.0, 0.0]), 0.2)["top_share"])


# ---------------------------------------------------------------------------
# Sources of data, and what is missing
# ---------------------------------------------------------------------------
def _opps(rows):
    return pd.DataFrame(rows, columns=["opportunity_id", "owner", "stage", "amount", "closed_date"]).assign(
        closed_date=lambda d: pd.to_datetime(d["closed_date"]))


def test_sales_from_won_opportunities_when_revenue_has_no_salesperson():
    rev = pd.DataFrame({"date": pd.to_datetime(["2024-02-01"]), "customer": ["A"], "amount": [5e6]})
    opps = _opps([("O1", "甲", "won", 3e6, "2024-03-01"), ("O2", "乙", "won", 1e6, "2024-05-01"),
                  ("O3", "乙", "lost", 2e6, "2024-06-01"), ("O4", "甲", "won", 9e6, "2023-06-01")])
    t = team_analysis(Client.from_frames({"revenue": rev, "opportunities": opps}), "2024")
    assert t.sources["sales"] == "won opportunities"
    got = dict(zip(t.people["salesperson"], t.people["sales"]))
    assert got == {"甲": 3e6, "乙": 1e6}
    assert any("no salesperson" in n for n in t.notes)


def test_without_opportunities_win_rate_is_not_available():
    rev = pd.DataFrame({"date": pd.to_datetime(["2024-02-01", "2024-03-01"]), "customer": ["A", "B"],
                        "amount": [5e6, 1e6], "salesperson": ["甲", "乙"]})
    t = team_analysis(Client.from_frames({"revenue": rev}), "2024")
    assert t.people["win_rate"].isna().all() and t.people["pipeline"].isna().all()
    assert any("no opportunities table" in n for n in t.notes)
    assert dict(zip(t.people["salesperson"], t.people["need"])) == {"甲": "role_model", "乙": "on_track"}


def test_unassigned_revenue_is_noted_not_given_to_anyone():
    rev = pd.DataFrame({"date": pd.to_datetime(["2024-02-01", "2024-03-01"]), "customer": ["A", "B"],
                        "amount": [5e6, 1e6], "salesperson": ["甲", None]})
    t = team_analysis(Client.from_frames({"revenue": rev}), "2024")
    assert t.summary["total_sales"] == 5e6
    assert any("unassigned revenue" in n for n in t.notes)


def test_no_source_of_sales_raises_a_plain_error():
    nps = pd.DataFrame({"score": [9, 10]})
    with pytest.raises(MissingData, match="salesperson"):
        team_analysis(Client.from_frames({"nps": nps}), "2024")


def test_thresholds_come_from_the_configuration(acme_client):
    loose = acme_client.with_config({"indicators": {"pipeline_coverage": {"lines": {"services": {"pass": 0.1}}}}})
    t = team_analysis(loose, "2024")
    assert t.lines["pipeline_coverage"] == 0.1
    need = dict(zip(t.people["salesperson"], t.people["need"]))
    assert need["陈静"] != "prospecting"  # 0.3x pipeline is enough at a 0.1x line


# ---------------------------------------------------------------------------
# Charts, panel, command line
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_charts(acme_team, lang):
    from matplotlib.figure import Figure

    from kalib.charts.team import concentration_chart, needs_chart, ramp_chart, sales_chart

    for fn in (sales_chart, needs_chart, ramp_chart, concentration_chart):
        fig = fn(acme_team, lang)
        assert isinstance(fig, Figure)
        texts = [fig.axes[0].get_title(), fig.axes[0].get_xlabel()]
        if lang == "zh":
            assert any(any("\u4e00" <= ch <= "\u9fff" for ch in t) for t in texts)
            family = fig.axes[0].title.get_fontfamily()
            assert family[0] != "DejaVu Sans"  # a CJK font is used for the Chinese text


def test_panel_regroups_when_lines_move(acme_client):
    from kalib.widgets.team import team_panel

    panel = team_panel(acme_client, "en", period="2024")
    assert "Role model" in panel.groups.value and "Deal coaching" in panel.groups.value
    row = panel.groups.value.split("Role model")[1].split("</tr>")[0]
    assert "张强" in row  # over quota, 3 won and 3 lost: 50% on a 33% line
    assert panel.chart.value[:4] == b"\x89PNG"
    panel.win.value = 60  # 张强's judged 50% is now below the line: coached, no longer a role model
    assert panel.errors.value == ""
    row = panel.groups.value.split("Deal coaching")[1].split("</tr>")[0]
    assert "张强" in row
    row = panel.groups.value.split("Role model")[1].split("</tr>")[0] if "Role model" in panel.groups.value else ""
    assert "张强" not in row


def test_panel_reads_a_typed_win_rate_line_as_percent(acme_client):
    """Typing 25 on the win-rate line's number means 25%: never 2500% clipped to the maximum."""
    from kalib.team import team_analysis
    from kalib.widgets.team import team_panel

    panel = team_panel(acme_client, "en", period="2024")
    configured = acme_client.config.line("win_rate", acme_client.industry)["pass"]
    assert panel.win.value == round(configured * 100)  # the readout shows the percent itself
    assert "(%)" in panel.win.description and panel.win.readout_format == "d"
    panel.win.value = 25
    assert panel.win.value == 25 and panel.errors.value == ""
    assert "Win-rate line 25%" in panel.groups.value
    moved = team_analysis(acme_client.with_config(
        {"indicators": {"win_rate": {"lines": {acme_client.industry: {"pass": 0.25}}}}}), "2024")
    assert moved.summary_text("en") in panel.groups.value
    assert any("25 on its number means 25%" in c.value for c in panel.children if hasattr(c, "value")
               and isinstance(c.value, str))


def test_command_line_json(capsys, repo_root):
    from kalib.cli import main

    code = main(["team", str(repo_root / "tests" / "fixtures" / "acme"), "--period", "2024", "--json"])
    out = capsys.readouterr().out
    assert code == 0
    d = json.loads(out)
    assert d["summary"]["salespeople"] == 6 and d["period"]["label"] == "2024"


def test_command_line_text_and_bad_input(capsys, repo_root, tmp_path):
    from kalib.cli import main

    assert main(["team", str(repo_root / "tests" / "fixtures" / "acme"), "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "Findings (by the four dimensions)" in out and "Talent management" in out
    assert main(["team", str(tmp_path / "nowhere")]) == 2
