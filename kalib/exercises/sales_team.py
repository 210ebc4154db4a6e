"""Exercises of notebook 04.00, the sales team (layer 4, 构建致力于成功的销售团队)."""

from __future__ import annotations

import pandas as pd

from . import ExerciseSet, hint, per_client

exercises = ExerciseSet(__name__)


@per_client
def _team(c):
    from ..team import team_analysis

    return team_analysis(c)


# ---------------------------------------------------------------------------
# Judgement: which rep needs what, and why?
# ---------------------------------------------------------------------------
def story_rep(c) -> str:
    """The owner of the course's featured deal (see notebook 03.00); without one, the top seller."""
    from .win_rate_model import story_deal_id

    try:
        sid = story_deal_id(c)
        o = c.tables["opportunities"]
        owner = o.loc[o["opportunity_id"] == sid, "owner"]
        if len(owner) and owner.iloc[0] in set(_team(c).people["salesperson"]):
            return str(owner.iloc[0])
    except (LookupError, KeyError):
        pass
    return str(_team(c).people.iloc[0]["salesperson"])


def _rep_row(c):
    p = _team(c).people
    return p.loc[p["salesperson"] == story_rep(c)].iloc[0]


def _rep_case(c, lang: str) -> str:
    from ..i18n import fmt_pct, fmt_rmb

    r, t = _rep_row(c), _team(c)
    att = "" if pd.isna(r["attainment"]) else (f"，完成指标 {fmt_pct(r['attainment'])}" if lang == "zh"
                                               else f", {fmt_pct(r['attainment'])} of quota")
    wr = "–" if pd.isna(r["win_rate"]) else fmt_pct(r["win_rate"])
    late = int(r["overdue_deals"]) if not pd.isna(r["overdue_deals"]) else 0
    share = 0.0 if pd.isna(r["overdue_share"]) else float(r["overdue_share"])
    cov = "–" if pd.isna(r["coverage"]) else f"{r['coverage']:.1f}×"
    if lang == "zh":
        return (f"{t.period.label}，{r['salesperson']} 销售额 {fmt_rmb(r['sales'], 'zh')}{att}；"
                f"赢 {int(r['won'])} 单、丢 {int(r['lost'])} 单（赢率 {wr}，线 {fmt_pct(t.lines['win_rate'])}）；"
                f"在跟机会 {int(r['open_deals'])} 个，储备 {cov} 年度目标（线 {t.lines['pipeline_coverage']:.1f}×）；"
                f"其中 {late} 个已过预计成交日期，占在跟金额 {fmt_pct(share)}。")
    return (f"In {t.period.label}, {r['salesperson']} sold {fmt_rmb(r['sales'], 'en')}{att}; {int(r['won'])} won, "
            f"{int(r['lost'])} lost (win rate {wr}, line {fmt_pct(t.lines['win_rate'])}); {int(r['open_deals'])} open "
            f"deals, pipeline {cov} the yearly target (line {t.lines['pipeline_coverage']:.1f}×); {late} of them past "
            f"their expected close, {fmt_pct(share)} of the open amount.")


def _rep_need(c) -> str:
    need = str(_rep_row(c)["need"])
    return need if need in {"role_model", "deal_coaching", "prospecting", "performance_plan", "ramp_up"} else "on_track"


def _reason(c, lang: str) -> str:
    return str(_rep_row(c)["reason_zh" if lang == "zh" else "reason_en"])


exercises.judgement(
    "04.00-story-rep-need",
    lambda c: f"销售负责人这个季度能给 {story_rep(c)} 的支持有限：最该给哪一种？为什么？",
    lambda c: f"The sales leader can give {story_rep(c)} one kind of support this quarter. Which one, and why?",
    case_zh=lambda c: _rep_case(c, "zh"),
    case_en=lambda c: _rep_case(c, "en"),
    options=[
        ("role_model", "请他在周一盘点会上分享打法（标杆分享）", "Have them share how they sell at the Monday review (role model)",
         lambda c: ("标杆要同时做到完成指标、赢率达线；看这位销售的记录：" + _reason(c, "zh") + "。" if _rep_need(c) != "role_model"
                    else "完成指标、赢率达线：" + _reason(c, "zh") + "。把他的打法变成团队的打法。"),
         lambda c: ("A role model is both on quota and on the win-rate line; this salesperson's record: " + _reason(c, "en") + "."
                    if _rep_need(c) != "role_model"
                    else "On quota and on the win-rate line: " + _reason(c, "en") + ". Make their way the team's.")),
        ("deal_coaching", "逐单辅导：用九大成功要素和 Go/NoGo 过一遍在跟机会（赢单辅导）",
         "Coach deal by deal: the nine success factors and Go/NoGo on the open deals (deal coaching)",
         lambda c: (_reason(c, "zh") + "。问题在一单一单的推进：机会一再逾期，说明进程被客户牵着走（第一个要素）；"
                    "赢不下来的机会要尽早判定放弃（第九个要素）。辅导就从逾期的那几单开始。" if _rep_need(c) == "deal_coaching"
                    else "这位销售的赢率和机会进度都没有亮红灯：" + _reason(c, "zh") + "。"),
         lambda c: (_reason(c, "en") + ". The trouble is in moving each deal: deals that keep slipping mean the customer "
                    "sets the pace (factor 1); deals that cannot be won should be dropped early (factor 9). Start the "
                    "coaching with the overdue ones." if _rep_need(c) == "deal_coaching"
                    else "Neither the win rate nor the deals' progress flags this salesperson: " + _reason(c, "en") + ".")),
        ("prospecting", "给线索、做市场活动、分配新客户（拓客支持）", "Leads, marketing events, new accounts (prospecting support)",
         lambda c: (_reason(c, "zh") + "。赢得下来，但储备不够：需要新的机会。" if _rep_need(c) == "prospecting"
                    else "储备也许不足，但不是最先要解决的：" + _reason(c, "zh") + "。在跟的机会卡住了，新线索进来，照样会卡在同样的地方。"),
         lambda c: (_reason(c, "en") + ". Wins what is chased, but the pipeline is short: new deals are needed."
                    if _rep_need(c) == "prospecting"
                    else "The pipeline may be short, but it is not the first thing to fix: " + _reason(c, "en")
                    + ". While the open deals are stuck, new leads would get stuck in the same place.")),
        ("performance_plan", "坦诚谈岗位匹配，定90天改进计划（全面改进计划）",
         "A frank talk on role fit and a 90-day plan (performance plan)",
         lambda c: (_reason(c, "zh") + "。储备和赢单都不行，先谈岗位匹配。" if _rep_need(c) == "performance_plan"
                    else "全面改进计划是给储备和赢率都低、销售额也不高的人的；" + _reason(c, "zh") + "。"),
         lambda c: (_reason(c, "en") + ". Neither pipeline nor wins: talk about role fit first."
                    if _rep_need(c) == "performance_plan"
                    else "A performance plan is for low pipeline, low win rate and low sales together; "
                    + _reason(c, "en") + ".")),
        ("ramp_up", "安排导师、跟访大客户、定前90天目标（上手期培养）",
         "A mentor, joint calls on key accounts, clear 90-day goals (ramp-up support)",
         lambda c: (_reason(c, "zh") + "。新人先要上手，评判赢率和储备还早。" if _rep_need(c) == "ramp_up"
                    else "上手期培养是给入职不满一年的新人的；" + _reason(c, "zh") + "。"),
         lambda c: (_reason(c, "en") + ". A new hire must first find their feet; judging win rate and pipeline "
                    "comes later." if _rep_need(c) == "ramp_up"
                    else "Ramp-up support is for people hired less than a year ago; " + _reason(c, "en") + ".")),
        ("on_track", "不需要特别支持，保持每周盘点的节奏", "No special support: keep the weekly review's rhythm",
         lambda c: ("赢率、储备和机会进度都在线上：" + _reason(c, "zh") + "。" if _rep_need(c) == "on_track"
                    else "数据里有需要处理的信号：" + _reason(c, "zh") + "。"),
         lambda c: ("Win rate, pipeline and the deals' progress are on the lines: " + _reason(c, "en") + "."
                    if _rep_need(c) == "on_track" else "The data flags something to act on: " + _reason(c, "en") + ".")),
    ],
    how_zh="在“赢率与储备”的表里找到这位销售：“需要”和“理由”两列写出了分组和依据；分组按顺序判断：已离职、新人、标杆、"
           "全面改进、赢单辅导、拓客支持。",
    how_en="Find this salesperson in the table of win rate and pipeline: the Needs and Why columns give the group and "
           "its grounds; the groups are decided in order: left, new hire, role model, performance plan, deal "
           "coaching, prospecting.",
    answer=_rep_need,
)


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
               f"{_case(c)['win_rate']:.0%}，业绩低于平均。这位销售最需要什么？"),
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
