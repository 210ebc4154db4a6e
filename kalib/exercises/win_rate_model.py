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


# ---------------------------------------------------------------------------
# Judgement: the story deal at the Monday review
# ---------------------------------------------------------------------------
def story_deal_id(c) -> str:
    """The course's featured deal: the client's ``course.story_opportunity`` setting (through
    :mod:`kalib.story` when it is there), else the largest open deal that has factor scores, else
    the largest open deal."""
    try:
        from .. import story  # the course's story settings, when this install has them
    except ImportError:
        story = None
    if story is not None and hasattr(story, "story_opportunity"):
        got = story.story_opportunity(c)
        if got is not None:
            if isinstance(got, str):
                return got
            if hasattr(got, "opportunity_id"):
                return str(got.opportunity_id)
            return str(got["opportunity_id"])
    m = _model(c)
    o = m.loc[(m["status"] == "open") & m["amount"].notna()]
    if o.empty:
        raise LookupError("this client has no open opportunity with an amount")
    if c.has("deal_scores"):
        scored = o.loc[o["opportunity_id"].isin(set(c.tables["deal_scores"]["opportunity_id"]))]
        o = scored if len(scored) else o
    return str(o.sort_values(["amount", "opportunity_id"], ascending=[False, True]).iloc[0]["opportunity_id"])


@per_client
def _story(c) -> dict:
    """The featured deal on Board 1: its row, and how many days it is past its expected close."""
    from ..pipeline import board1

    b = board1(c, model=_model(c))
    row = b.loc[b["opportunity_id"] == story_deal_id(c)]
    if row.empty:
        raise LookupError("the featured deal is not open on Board 1")
    r = row.iloc[0]
    close = r["expected_close"]
    late = int((c.as_of.normalize() - close).days) if close == close and close is not None else None
    return {"row": r, "late_days": late, "overdue": bool(r["overdue"]), "slipped": bool(r.get("slipped", False))}


def _story_case(c, lang: str) -> str:
    s = _story(c)
    r = s["row"]
    stage = _stage_name(c, r["stage"], lang)
    close = "" if s["late_days"] is None else pd_date(r["expected_close"])
    if lang == "zh":
        when = (f"预计成交日期 {close}，到 {pd_date(c.as_of)} 已过了 {s['late_days']} 天" if s["overdue"]
                else f"预计成交日期 {close}")
        return (f"看板一上，{r['owner']} 的机会「{r['name']}」（{r['customer']}，{r['opportunity_id']}）"
                f"金额 {fmt_rmb(r['amount'], 'zh')}，处于「{stage}」阶段（赢率 {fmt_pct(r['win_rate'])}），{when}。")
    when = (f"its expected close was {close}, {s['late_days']} days before {pd_date(c.as_of)}" if s["overdue"]
            else f"its expected close is {close}")
    return (f"On Board 1, {r['owner']}'s deal “{r['name']}” ({r['customer']}, {r['opportunity_id']}), "
            f"{fmt_rmb(r['amount'], 'en')}, is at stage “{stage}” (win rate {fmt_pct(r['win_rate'])}); {when}.")


def pd_date(d) -> str:
    import pandas as pd

    return "" if d is None or d != d else pd.Timestamp(d).date().isoformat()


exercises.judgement(
    "03.00-story-deal-review",
    "周一盘点会上，轮到这个机会。你先问负责的销售什么？",
    "At Monday's review this deal comes up. What do you ask its salesperson first?",
    case_zh=lambda c: _story_case(c, "zh"),
    case_en=lambda c: _story_case(c, "en"),
    options=[
        ("customer_date",
         "客户那边还差哪一步、由谁签字、客户自己定的日期是哪天？据此重定成交日期，或移出本季度",
         "What step is left on the customer's side, who signs, and on what date by the customer's own plan? "
         "Reset the close date from that, or take the deal out of the quarter",
         "阶段是由客户可以验证的结果定义的：已经到了这一阶段却过了日期，说明销售没有跟上客户的进程（第一个成功要素：销售进程要"
         "匹配甚至引领客户的采购进程，被客户牵着走就一定有问题）。先把客户那边剩下的步骤和签字人问清楚，成交日期才有依据；"
         "否则看板二仍把它算进这个节点的预计，预测就不真实。",
         "A stage is defined by an outcome the customer can verify: a deal that far along and past its date "
         "means the salesperson is not keeping pace with the customer's buying process (success factor 1: match "
         "or lead the customer's process; being led by the customer means something is wrong). Ask what is left "
         "on the customer's side and who signs; only then does a close date mean something. Until it is reset, "
         "Board 2 still counts the deal in this milestone's expected amount, and the forecast is not true."),
        ("push_date",
         "把预计成交日期往后推一个月，下一个",
         "Push the expected close out by a month, next deal",
         "这样看板是干净了，问题却没解决：没有客户那边的理由，新日期和旧日期一样靠不住。一再推迟的机会正是周一盘点要追问的。",
         "That tidies the board but solves nothing: without a reason from the customer's side, the new date is "
         "no better than the old one. Deals that keep slipping are exactly what the Monday review is for."),
        ("discount",
         "给客户一个让价，争取本周签下来",
         "Offer the customer a discount to get it signed this week",
         "还不知道卡在哪里就让价，是第七个要素（谈判力）说的泥潭：一个让价、一个条款，就可能越陷越深；价格也未必是卡住的原因。",
         "Conceding before knowing what holds the deal up is the swamp of success factor 7 (negotiation): one "
         "concession, one clause, and you sink deeper; and price may not be what holds it up at all."),
        ("nogo",
         "已经逾期，直接判定 NoGo，从看板上拿掉",
         "It is overdue: call it NoGo and take it off the board",
         "逾期本身不是 NoGo 的理由。销售判定（第九个要素）要看九大成功要素的评估；先问清客户那边的情况，再决定是否继续。",
         "Being overdue is not a NoGo by itself. The sales judgement (factor 9) rests on the nine success factors; "
         "find out where the customer stands first, then decide whether to go on."),
        ("on_track",
         "不用问：它在后期阶段、日期也还没到，按计划推进",
         "Nothing: it is at a late stage and not yet due, keep going",
         lambda c: ("日期还没到，阶段也在推进，盘点时只需确认下一步。" if not _story(c)["overdue"] else
                    f"只有日期还没到时才是这样；这个机会已经过了预计成交日期 {_story(c)['late_days']} 天，仍留在本节点的预计里。"),
         lambda c: ("The date is still ahead and the stage is moving; the review only confirms the next step."
                    if not _story(c)["overdue"] else
                    f"Only while the date is ahead; this deal is {_story(c)['late_days']} days past its expected close "
                    "and still counted in this milestone's expected amount.")),
    ],
    how_zh="对照看板一上这个机会的预计成交日期和基准日：日期已过，就先问客户那边还差什么、谁签字、哪天。",
    how_en="Compare the deal's expected close on Board 1 with the as-of date: once it has passed, ask first what is "
           "left on the customer's side, who signs, and when.",
    answer=lambda c: "customer_date" if _story(c)["overdue"] else "on_track",
)


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
    explain_zh="推迟出节点的机会不再计入本季度的预计：本周节点内的加权金额因此减少，经理要问清楚为什么推迟。",
    explain_en="A slipped deal leaves this quarter's expected result, so the weighted pipeline drops; the manager "
               "asks why it slipped.",
)
