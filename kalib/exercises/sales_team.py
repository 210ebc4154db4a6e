"""Exercises of notebook 04.00, the sales team (layer 4, 构建致力于成功的销售团队)."""

from __future__ import annotations

import pandas as pd

from . import ExerciseSet, hint, per_client

exercises = ExerciseSet(__name__)


@per_client
def _team(c):
    from ..team import team_analysis

    return team_analysis(c)


def _above_median(c) -> int:
    p = _team(c).people
    return int((p["sales"] > p["sales"].median()).sum())


def _above_mean_of_sellers(c) -> int:
    s = _team(c).people["sales"]
    sellers = s[s > 0]
    return int((sellers > sellers.mean()).sum())


exercises.numeric(
    "04.00-reps-above-mean",
    lambda c: f"{_team(c).period.label} 有几名销售人员的销售额高于平均值（第9项指标）？",
    lambda c: f"How many salespeople sold more than the average in {_team(c).period.label} (indicator 9)?",
    how_zh="看“人均销售额”一节的柱状图：虚线是平均值，数一下高过虚线的深色柱。",
    how_en="In the chart of sales per salesperson, the dashed line is the average: count the dark bars above it.",
    answer=lambda c: _team(c).summary["above_mean"],
    unit="people",
    tol=0.0,
    hints=[
        hint("你数的是高于中位数的人。第9项指标比较的是平均值（均值），少数冠军会把平均值拉高。",
             "You counted those above the median; indicator 9 compares with the mean (average), which a few "
             "champions pull up.", when=_above_median),
        hint("你把没有销售额的人排除在平均值之外了。期内在岗的销售人员都算，没有销售额按 0 计。",
             "You left the people with no sales out of the average; every salesperson of the period counts, "
             "those with no sales at zero.", when=_above_mean_of_sellers),
        hint("看“人均销售额”一节开头的说明：它写出了几个人高于平均。",
             "Read the summary at the top of the sales-per-salesperson section: it says how many are above the "
             "average."),
        hint("看上面的销售额柱状图：虚线是平均值，深色柱是高于平均的人。",
             "Look at the sales chart above: the dashed line is the average; dark bars are above it."),
    ],
    explain_zh="第9项指标要求至少一半的销售人员高于平均；只有少数人高于平均，说明业绩依赖少数冠军。",
    explain_en="Indicator 9 asks that at least half of the salespeople are above the average; when only a few "
               "are, the team relies on a few champions.",
)


def _top_people_share(c) -> float:
    t = _team(c)
    return t.summary["top_n"] / t.summary["salespeople"]


exercises.numeric(
    "04.00-top-share",
    lambda c: (f"销售额最高的 {_team(c).summary['top_n']} 名销售人员（前 {_team(c).lines['top_fraction']:.0%}）"
               "贡献了多少比例的销售额？"),
    lambda c: (f"What share of sales did the top {_team(c).summary['top_n']} salespeople "
               f"(the top {_team(c).lines['top_fraction']:.0%}) make?"),
    how_zh="看“分布与集中度”一节：销售额最高的前 20% 的人加起来，占全体销售额的比例。",
    how_en="The spread and concentration section shows it: the sales of the top 20% of salespeople, added "
           "up, as a share of everyone's sales.",
    answer=lambda c: _team(c).summary["top_share"],
    unit="share",
    hints=[
        hint("你给出的是人数占比。问题问的是这些人的销售额占全体销售额的比例。",
             "You gave the share of people; the question asks for their share of all sales.",
             when=_top_people_share),
        hint("你给出的是第一名一个人的占比；请把前几名的销售额加起来。",
             "That is the top person's share alone; add up the sales of all the top people.",
             when=lambda c: _team(c).summary["top1_share"]),
        hint("看“人均销售额”一节开头说明的最后一句：销售额最高的几个人贡献了百分之几的销售额。",
             "Read the last sentence of the summary in the sales-per-salesperson section: it says what share of "
             "sales the top salespeople bring."),
    ],
    explain_zh="集中度越高，冠军离职的风险越大：让冠军带教、共享客户关系，是领导力与销售文化的工作。",
    explain_en="The more concentrated, the larger the risk if a champion leaves: having champions coach and "
               "share key-account relationships is work for leadership and sales culture.",
)


@per_client
def _case(c) -> dict:
    """A made-up salesperson with plenty of pipeline and a low win rate, in this client's lines."""
    from ..team import assign_needs

    t = _team(c)
    win, cov = t.lines["win_rate"] or 0.33, t.lines["pipeline_coverage"] or 3.0
    case = {"coverage": round(cov * 1.5, 1), "win_rate": round(max(win - 0.15, 0.05), 2)}
    people = pd.DataFrame({"above_mean": [False], "tenure_months": [36.0],
                           "win_rate_judged": [case["win_rate"]], "coverage": [case["coverage"]]})
    case["need"] = assign_needs(people, win_line=t.lines["win_rate"], coverage_line=t.lines["pipeline_coverage"],
                                new_hire_months=t.lines["new_hire_months"],
                                order=[n["key"] for n in t.config["needs"]]).iloc[0]
    return case


_NEED_OPTIONS = [
    ("deal_coaching", "赢单辅导", "Deal coaching"),
    ("prospecting", "拓客支持", "Prospecting support"),
    ("ramp_up", "上手期培养", "Ramp-up support"),
    ("role_model", "标杆分享", "Role model"),
]

exercises.choice(
    "04.00-need-group",
    lambda c: (f"一位入职三年的销售，在跟机会是个人年度目标的 {_case(c)['coverage']} 倍，赢率 "
               f"{_case(c)['win_rate']:.0%}，业绩低于平均。这名销售最需要什么？"),
    lambda c: (f"A salesperson hired three years ago has open pipeline of {_case(c)['coverage']}× their annual "
               f"target, a win rate of {_case(c)['win_rate']:.0%}, and sales below the average. What do they "
               "need most?"),
    how_zh="储备已经过了储备线，赢率却低于赢率线，上手期也过了：缺的是把机会赢下来，所以要赢单辅导。",
    how_en="The pipeline is above its line but the win rate is below its line, and ramp-up is over: what "
           "is missing is winning the deals, so deal coaching.",
    options=_NEED_OPTIONS,
    answer=lambda c: _case(c)["need"],
    hints=[
        hint("储备已经超过储备线了，缺的不是机会，而是把机会赢下来的能力。",
             "Their pipeline is already above the line: it is not opportunities they lack, but winning them.",
             when="prospecting"),
        hint("入职三年已过了上手期。", "Three years in, the ramp-up is long over.", when="ramp_up"),
        hint("业绩低于平均、赢率低于赢率线，还不是标杆。",
             "Below-average sales and a win rate under the line: not a role model yet.", when="role_model"),
    ],
    explain_zh="储备高而赢率低：逐单辅导（九大成功要素、Go/NoGo 判定），属于“销售职业”维度。",
    explain_en="High pipeline, low win rate: deal-by-deal coaching (nine success factors, Go/NoGo gate), "
               "in the sales profession dimension.",
)

exercises.choice(
    "04.00-dimension",
    "团队发现“新人平均要两年才能达到老员工的一半业绩”。这属于第四层级的哪个维度？",
    "The team finds that new hires take two years to sell half of what seasoned salespeople do. Which "
    "dimension of layer 4 does this belong to?",
    how_zh="招人、带新人、上手期都归“人才管理”这个维度（看上面“四个维度”）。",
    how_en="Hiring, onboarding and ramp-up all belong to talent management (see the four dimensions above).",
    options=[
        ("profession", "销售职业", "The sales profession"),
        ("talent", "人才管理", "Talent management"),
        ("leadership", "领导力与销售文化", "Leadership and sales culture"),
        ("support", "绩效支持", "Performance support"),
    ],
    answer="talent",
    hints=[
        hint("销售职业讲的是方法和技能；这里的问题是新人如何被招进来、带起来。",
             "The sales profession is about method and skills; the issue here is how new people are hired "
             "and brought up to speed.", when="profession"),
        hint("绩效支持讲的是指标、线索和工具；上手期是人才管理的事。",
             "Performance support is quotas, leads and tools; ramp-up belongs elsewhere.", when="support"),
        hint("领导者会参与带教，但招聘、入职培养和上手期整体属于另一个维度。",
             "Leaders do coach, but hiring, onboarding and ramp-up as a whole belong to another dimension.",
             when="leadership"),
    ],
    explain_zh="招聘、入职培养、上手期、保留：人才管理。",
    explain_en="Hiring, onboarding, ramp-up, retention: talent management.",
)


_ACTION_GROUPS = ("deal_coaching", "prospecting", "performance_plan", "ramp_up")


@per_client
def _asked_group(c) -> dict:
    """The group the exercise asks about: the largest group that needs action (else the largest)."""
    t = _team(c)
    counts = t.people["need"].value_counts()
    action = counts[counts.index.isin(_ACTION_GROUPS)]
    pool = action if len(action) else counts
    top = int(pool.max())
    key = sorted(k for k, v in pool.items() if v == top)[0]
    need = next(n for n in t.config["needs"] if n["key"] == key)
    return {"key": key, "zh": need["zh"], "en": need["en"]}


def _group_names(c) -> list[str]:
    p = _team(c).people
    return p.loc[p["need"] == _asked_group(c)["key"], "salesperson"].tolist()


def _low_win(c) -> list[str] | None:
    t = _team(c)
    if _asked_group(c)["key"] != "deal_coaching":
        return None
    p = t.people
    return p.loc[p["win_rate"] < (t.lines["win_rate"] or 0), "salesperson"].tolist()


def _low_pipeline(c) -> list[str] | None:
    t = _team(c)
    if _asked_group(c)["key"] != "prospecting":
        return None
    p = t.people
    return p.loc[p["coverage"] < (t.lines["pipeline_coverage"] or 0), "salesperson"].tolist()


exercises.items(
    "04.00-who-needs-what",
    lambda c: f"根据上面的分组，哪些销售人员被分在“{_asked_group(c)['zh']}”组？（可多选）",
    lambda c: f"From the grouping above, which salespeople are in the “{_asked_group(c)['en']}” group? (pick all)",
    how_zh="看“谁需要什么”一节的分组表：“拓客支持”那一行列出的就是这些人。",
    how_en="The group table in 'Who needs what' lists them in the prospecting-support row.",
    options=lambda c: sorted(_team(c).people["salesperson"].tolist()),
    answer=_group_names,
    hints=[
        hint("你选了所有赢率低于赢率线的人；但成交单太少的人赢率不评判，储备和赢率都低、业绩又低于平均的人归入“全面改进计划”，新人归入“上手期培养”。",
             "You picked everyone whose win rate is under the line; but a win rate on too few closed deals is "
             "not judged, those low on both with below-average sales go to the performance plan, and new hires "
             "to ramp-up.", when=_low_win),
        hint("你选了所有储备低于储备线的人；但新人归入“上手期培养”，赢率也低且业绩低于平均的人归入“全面改进计划”，已离职的人单列。",
             "You picked everyone below the pipeline line; but new hires go to ramp-up, those also low on win "
             "rate with below-average sales to the performance plan, and people who left are set apart.",
             when=_low_pipeline),
        hint("分组按顺序决定：已离职 → 上手期 → 全面改进 → 赢单辅导 → 拓客 → 标杆。看分组表里这一行。",
             "Groups are decided in order: left → ramp-up → performance plan → deal coaching → prospecting → "
             "role model. Read this group's row in the groups table."),
    ],
)
