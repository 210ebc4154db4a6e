"""Exercises of notebook 03.00, the win-rate model (layer 3, 如何管理销售)."""

from __future__ import annotations

from ..i18n import fmt_pct, fmt_rmb
from . import ExerciseSet, hint, per_client

exercises = ExerciseSet(__name__)


@per_client
def _model(c):
    from ..pipeline import win_rate_model

    return win_rate_model(c)


@per_client
def _deal(c):
    """The open deal the question is about: the largest amount, preferring one with a rep's override."""
    m = _model(c)
    o = m.loc[(m["status"] == "open") & m["amount"].notna()]
    if o.empty:
        raise LookupError("this client has no open opportunity with an amount")
    with_override = o.loc[o["override"].notna()]
    pick = with_override if len(with_override) else o
    return pick.sort_values(["amount", "opportunity_id"], ascending=[False, True]).iloc[0]


def _stage_name(c, key: str, lang: str) -> str:
    st = {s["key"]: s for s in c.config.stages()}[key]
    return c.config.label(st, lang)


def _deal_zh(c) -> str:
    d = _deal(c)
    ov = f"，销售自估赢率 {fmt_pct(d['override'])}" if d["override"] == d["override"] else ""
    return (f"机会「{d['name'] or d['opportunity_id']}」（{d['customer'] or '未填客户'}）金额 "
            f"{fmt_rmb(d['amount'], 'zh')}，处于「{_stage_name(c, d['stage'], 'zh')}」阶段（阶段赢率 "
            f"{fmt_pct(d['stage_rate'])}{ov}）。它在赢率模型中的加权金额是多少？")


def _deal_en(c) -> str:
    d = _deal(c)
    ov = f", the rep's own win rate {fmt_pct(d['override'])}" if d["override"] == d["override"] else ""
    return (f"Deal '{d['name'] or d['opportunity_id']}' ({d['customer'] or 'no customer'}) is worth "
            f"{fmt_rmb(d['amount'], 'en')} and is at stage '{_stage_name(c, d['stage'], 'en')}' (stage win rate "
            f"{fmt_pct(d['stage_rate'])}{ov}). What is its weighted value in the win-rate model?")


exercises.numeric(
    "03.00-weighted-value",
    _deal_zh,
    _deal_en,
    how_zh="加权金额 = 金额 × 赢率；销售员自己估了赢率就用他估的，没有才用阶段赢率。",
    how_en="Weighted value = amount × win rate; the salesperson's own estimate is used when there is one, "
           "else the stage's win rate.",
    answer=lambda c: float(_deal(c)["weighted"]),
    unit="rmb",
    hints=[
        hint("销售员填了自己的赢率时，模型用的是销售自估赢率，阶段赢率只作对照。",
             "When the rep gave their own win rate, the model uses it; the stage rate is shown beside it.",
             when=lambda c: float(_deal(c)["amount"] * _deal(c)["stage_rate"])
             if _deal(c)["override"] == _deal(c)["override"] else None),
        hint("这是机会的全部金额；加权金额要乘以赢率。",
             "That is the deal's whole amount; the weighted value multiplies it by the win rate.",
             when=lambda c: float(_deal(c)["amount"])),
        hint("加权金额 = 金额 × 赢率（有销售自估赢率时用它，否则用阶段赢率）。",
             "Weighted value = amount × win rate (the rep's own rate when given, else the stage's)."),
    ],
    explain_zh="把每个在跟机会的加权金额加起来，就是看板二上的“在跟机会预计”：赢率模型把一堆机会变成一个可以管理的数字。",
    explain_en="Adding up the weighted values of the open deals gives Board 2's 'expected from the pipeline': the "
               "win-rate model turns a list of deals into one number a manager can steer.",
)


@per_client
def _own(c):
    from ..pipeline import own_win_rate

    return own_win_rate(c, _model(c))


exercises.numeric(
    "03.00-coverage-needed",
    lambda c: (f"本公司近期的赢单成功率是 {fmt_pct(_own(c)['rate'], 1)}（赢单 {_own(c)['won']}，丢单 "
               f"{_own(c)['lost']}，另有主动放弃 {_own(c)['withdrawn']}）。要完成目标，在跟机会金额至少要是剩余目标的几倍？"),
    lambda c: (f"The company's recent win rate is {fmt_pct(_own(c)['rate'], 1)} ({_own(c)['won']} won, "
               f"{_own(c)['lost']} lost, and {_own(c)['withdrawn']} withdrawn by us). How many times the remaining "
               "target must the open pipeline be?"),
    how_zh="储备倍数 = 走完的机会数 ÷ 赢单数：赢单、丢单和主动放弃的机会都曾在储备里，都要算进去；没有放弃的机会时，就是 1 ÷ 赢率。",
    how_en="Coverage needed = deals that left the pipeline ÷ deals won: won, lost and withdrawn deals were all in "
           "the pipeline, so all count; with nothing withdrawn it is 1 ÷ win rate.",
    answer=lambda c: _own(c)["required_coverage"],
    unit="ratio",
    tol=0.03,
    hints=[
        hint("这是赢率本身；问题问的是需要几倍的储备。", "That is the win rate itself; the question asks for the coverage.",
             when=lambda c: _own(c)["rate"]),
        hint("这是 1 ÷ 赢率，漏掉了主动放弃的机会：它们不算丢单，但也曾占着储备。",
             "That is 1 ÷ win rate, leaving out the withdrawn deals: they are not losses, but they were in the "
             "pipeline too.", when=lambda c: 1 / _own(c)["rate"] if _own(c)["withdrawn"] and _own(c)["rate"] else None),
        hint("如果每 3 个走完的机会赢 1 个，就需要 3 倍的储备：走完的机会数（赢、丢、放弃）÷ 赢单数。",
             "If one deal in three that leave the pipeline is won, you need three times the target in pipeline: "
             "deals that left (won, lost, withdrawn) ÷ deals won."),
    ],
    explain_zh="文章分别给出第5项（赢单成功率 33%）和第6项（储备 3 倍）的线；我们的解读是二者一致：赢率 33% 时，3 倍储备正好完成目标。",
    explain_en="The article gives the lines of indicator 5 (a 33% win rate) and indicator 6 (3× pipeline) separately; "
               "our reading is that they agree: with a 33% win rate, 3× pipeline is what hits the target.",
)


exercises.choice(
    "03.00-review-category",
    "周一盘点时发现：一个「合格」阶段的机会，上周预计 6 月 15 日成交，这周改成了 7 月 20 日；本季度 6 月 30 日结束。"
    "它在盘点中属于哪一类？",
    "At the Monday review: a 'Qualified' deal expected to close on 15 June last week now says 20 July; the quarter "
    "ends on 30 June. Which kind of change is it?",
    how_zh="预计成交日期从本季度内推到了季度之后，阶段没变、机会也还开着：这就是“推迟出节点”。",
    how_en="The expected close moved from inside the quarter to after it, the stage stayed and the deal is "
           "still open: that is a slipped deal.",
    options=[("slipped", "推迟出节点", "Slipped"), ("moved_back", "后退", "Moved back"),
             ("lost", "丢单", "Lost"), ("pulled_in", "提前进节点", "Pulled in")],
    answer="slipped",
    hints=[
        hint("阶段没有变，还是「合格」：后退指的是阶段倒退。", "The stage did not change: moved back means a lower stage.",
             when="moved_back"),
        hint("机会还在跟进，没有关闭。", "The deal is still open; nobody closed it.", when="lost"),
        hint("日期往后推了，不是往前提。", "The date moved later, not earlier.", when="pulled_in"),
    ],
    explain_zh="推迟出节点的机会不再计入本季度的预计：本周在跟机会的加权金额因此减少，经理要问清楚为什么推迟。",
    explain_en="A slipped deal leaves this quarter's expected result, so the weighted pipeline drops; the manager "
               "asks why it slipped.",
)
