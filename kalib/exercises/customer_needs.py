"""Exercises of notebook 01.00, the customer's needs (layer 1, 始终瞄准客户需求)."""

from __future__ import annotations

from . import ExerciseSet, case_text, hint, per_client

exercises = ExerciseSet(__name__)


_case = case_text


@per_client
def _cv(c):
    from ..accounts import customer_value

    return customer_value(c)


def _who(c) -> str:
    from ..client import MissingData

    from ..story import named_story_customer

    name = named_story_customer(c) or _cv(c).focus_customer()
    if name is None:
        raise MissingData("no customer brought revenue in the period (期内没有客户收入)")
    return name


@per_client
def _needs(c):
    from ..accounts import customer_needs

    return customer_needs(c, _who(c))


def _pct(x: float) -> str:
    from ..i18n import fmt_pct

    return fmt_pct(x)


def _rmb(x: float, lang: str) -> str:
    from ..i18n import fmt_rmb

    return fmt_rmb(x, lang)


# ---------------------------------------------------------------------------
# 1. Share of wallet of the customer in focus
# ---------------------------------------------------------------------------

def _wallet_share(c) -> float:
    from ..client import MissingData

    n = _needs(c)
    if n.wallet_share is None:
        raise MissingData(f"{n.customer} has no wallet estimate in the customers table (客户表没有品类采购额估计)")
    return n.wallet_share


def _brought_over_wallet(c) -> float:
    n = _needs(c)
    return n.brought_per_year / n.wallet if n.wallet else float("nan")


def _unserved(c) -> float:
    n = _needs(c)
    return 1 - n.wallet_share if n.wallet_share is not None else float("nan")


exercises.numeric(
    "01.00-wallet-share",
    lambda c: f"{_who(c)}在我们这个品类每年的采购中，有多少给了我们（钱包份额）？",
    lambda c: f"What share of {_who(c)}'s yearly spend in our category comes to us (share of wallet)?",
    how_zh="看“一个钻石客户的需求”一节：我们从它那里一年的收入 ÷ 它在本品类一年的采购额（客户表里的估计）。",
    how_en="In the section on one diamond customer's needs: our revenue from it in a year ÷ its yearly spend in our "
           "category (the estimate in the customers table).",
    answer=_wallet_share,
    unit="share",
    hints=[
        hint("你用的是它向我们提出的需求（新建的销售机会）；钱包份额用的是我们真正拿到的收入。",
             "You used the needs it brought us (new opportunities); share of wallet uses the revenue we actually won.",
             when=_brought_over_wallet),
        hint("你算的是没有交给我们的那部分；问题问的是我们拿到的部分。",
             "That is the part that goes elsewhere; the question asks for the part that comes to us.",
             when=_unserved),
        hint("看“一个钻石客户的需求”一节里那段说明：它每年在本品类采购多少，我们拿到百分之几。",
             "Read the paragraph in the section on one diamond customer's needs: what it spends a year in our "
             "category, and what share of it we have."),
    ],
    explain_zh="钱包份额说明客户的需求有多少落在我们身上。剩下的部分，要么是我们没看到的需求，要么是被竞争对手拿走的需求。",
    explain_en="Share of wallet says how much of the customer's needs land with us. The rest is needs we do not see, "
               "or needs our competitors meet.",
)


# ---------------------------------------------------------------------------
# 2. Judgement: its needs are moving — or steady?
# ---------------------------------------------------------------------------

def _need_facts(c) -> dict:
    """The customer's largest new need (category of the opportunities it opened in the period)
    and what it bought most over the history before the period."""
    from ..client import MissingData

    n = _needs(c)
    if not len(n.needs):
        raise MissingData(f"{n.customer} opened no opportunity with us in the period (期内没有新建销售机会)")
    top_need = n.needs.iloc[0]
    h = n.history
    last = h["order"].max()
    before = h.loc[h["order"] < last]
    if before["revenue"].sum() <= 0:
        raise MissingData(f"{n.customer} bought nothing from us before the period (之前没有购买记录)")
    by = before.groupby("category")["revenue"].sum()
    share = by / by.sum()
    first, final = before["period"].iloc[0], before["period"].iloc[-1]
    span = first if first == final else f"{first}–{final}"
    return {"customer": n.customer, "need": str(top_need["category"]), "need_amount": float(top_need["amount"]),
            "need_count": int(top_need["brought"]), "total": float(n.needs["amount"].sum()),
            "main": str(share.idxmax()), "main_share": float(share.max()),
            "need_share_before": float(share.get(str(top_need["category"]), 0.0)), "span": span,
            "period": h.loc[h["order"] == last, "period"].iloc[0]}


def _moving(c) -> str:
    f = _need_facts(c)
    return "follow" if f["need"] != f["main"] else "steady"


def _case_moving(c, lang: str) -> str:
    f = _need_facts(c)
    if lang == "zh":
        return (f"{f['customer']}：{f['span']}年，它从我们这里买得最多的是{f['main']}（占{_pct(f['main_share'])}）。"
                f"{f['period']}年它向我们提出的需求合计{_rmb(f['total'], lang)}，其中最大的一类是{f['need']}"
                f"（{f['need_count']}个销售机会，{_rmb(f['need_amount'], lang)}），这一类过去只占它采购额的"
                f"{_pct(f['need_share_before'])}。")
    return (f"{f['customer']}: in {f['span']} it bought most from us in {f['main']} ({_pct(f['main_share'])}). "
            f"In {f['period']} it brought us needs worth {_rmb(f['total'], lang)}; the largest kind was {f['need']} "
            f"({f['need_count']} opportunities, {_rmb(f['need_amount'], lang)}), which made "
            f"{_pct(f['need_share_before'])} of its purchases before.")


_MOVING_PLAIN = [
    ("follow", "它的需求在转向：先弄清背后的核心问题，再拿方案", "Its needs are moving: learn the core problem, then propose",
     "看它今年提出的需求和过去买的东西是不是同一类。", "Compare what it asks for this year with what it bought before."),
    ("steady", "它的需求没变：继续在过去买得最多的类别上做深", "Its needs have not changed: go deeper where it buys most",
     "看它今年提出的需求和过去买的东西是不是同一类。", "Compare what it asks for this year with what it bought before."),
    ("price", "需求已经摆在桌上：马上报一个有竞争力的价格", "The need is on the table: quote a sharp price at once",
     "不知道客户为什么买就先谈价格，容易掉进价格陷阱。", "Quoting before knowing why the customer buys walks into the price "
     "trap."),
]


def _moving_options(c) -> list:
    from ..client import MissingData

    try:
        f = _need_facts(c)
    except MissingData:
        return _MOVING_PLAIN
    moving = f["need"] != f["main"]
    follow_zh = (f"它的需求正在从{f['main']}转向{f['need']}：环境在变，客户的需求也在演变。先弄清它的业务发生了什么变化、"
                 f"{f['need']}要解决的核心问题是什么（九大成功要素之二，购买因素），再拿出方案；只有解决核心问题才能体现真价值。"
                 if moving else
                 f"这一次不是。它最大的新需求仍是{f['need']}，正是它一直买得最多的一类：需求没有转向。"
                 "当然，任何时候都要弄清需求背后的核心问题，但这里的重点是在它熟悉的品类里做深。")
    follow_en = (f"Its needs are moving from {f['main']} to {f['need']}: the environment changes, and so do the "
                 "customer's needs. First learn what changed in its business and which core problem the new need "
                 "should solve (success factor 2, buying factors), then propose; only solving the core problem "
                 "shows real value."
                 if moving else
                 f"Not this time. Its largest new need is still {f['need']}, the category it has always bought most: "
                 "its needs have not turned. Always learn the core problem behind a need, but here the point is to "
                 "go deeper where it already buys.")
    steady_zh = (f"它最大的新需求仍然是{f['need']}，和过去买得最多的一类一致：需求稳定。"
                 f"在{f['need']}上做深——弄清这一类需求背后的核心问题，争取它在这一类采购中更大的份额。"
                 if not moving else
                 f"这忽略了数据：它最大的新需求是{f['need']}，过去只占它采购额的{_pct(f['need_share_before'])}。"
                 f"只卖{f['main']}，等于只看它过去的需求；同行最多是追赶，看不见需求的变化就连追赶都谈不上。")
    steady_en = (f"Its largest new need is still {f['need']}, the same as what it bought most before: its needs "
                 f"are steady. Go deeper in {f['need']}: learn the core problem behind these needs and win a larger "
                 "share of that spend."
                 if not moving else
                 f"This overlooks the data: its largest new need is {f['need']}, only {_pct(f['need_share_before'])} "
                 f"of its purchases before. Selling only {f['main']} looks at its past needs; peers at best catch up, "
                 "and a supplier who misses the change does not even do that.")
    return [
        ("follow", f"它的需求在转向{f['need']}：先弄清背后的核心问题，再拿方案",
         f"Its needs are moving to {f['need']}: learn the core problem behind it, then propose", follow_zh, follow_en),
        ("steady", f"它的需求没变：继续在{f['main']}上做深", f"Its needs have not changed: go deeper in {f['main']}",
         steady_zh, steady_en),
        ("price", f"需求已经摆在桌上：马上按{f['need']}报一个有竞争力的价格",
         f"The need is on the table: quote a sharp price for {f['need']} at once",
         "这是只看表面需求（产品、规格、数量）的做法：购买因素只到第2级。不知道客户为什么买就先谈价格，"
         "容易掉进价格陷阱（要素三，销售定价）；价值来自解决核心问题，而不是更低的报价。",
         "This answers the stated requirement only (product, specification, quantity): buying factors at level 2. "
         "Quoting before knowing why the customer buys walks into the price trap (factor 3, pricing); value comes "
         "from solving the core problem, not from a lower quote."),
    ]


exercises.judgement(
    "01.00-changing-needs",
    "这个客户的客户经理下周去拜访。从数据看，第一件事该做什么？",
    "This customer's account manager visits next week. From the data, what comes first?",
    case_zh=lambda c: _case(_case_moving)(c, "zh"),
    case_en=lambda c: _case(_case_moving)(c, "en"),
    options=_moving_options,
    answer=_moving,
    title_zh="需求在变吗？",
    title_en="Are its needs moving?",
    how_zh="比较两件事：它今年提出的最大一类需求（新建销售机会，按产品类别），和它过去从我们这里买得最多的一类。",
    how_en="Compare two things: the largest kind of need it brought us this year (new opportunities, by product "
           "category) and the category it bought most from us before.",
)


# ---------------------------------------------------------------------------
# 3. Judgement: whose experience can lead it? (跨行才能超越)
# ---------------------------------------------------------------------------

@per_client
def _cross(c):
    from ..accounts import cross_industry

    return cross_industry(c, _who(c))


def _own_industry(c) -> str:
    from ..client import MissingData

    n = _needs(c)
    if n.industry is None:
        raise MissingData(f"{n.customer} has no industry in the customers table (客户表没有行业)")
    return n.industry


def _lead_industry(c) -> str:
    x = _cross(c)
    x = x.loc[x["gap"] > 0]
    return str(x["industry"].iloc[0]) if len(x) else _own_industry(c)


def _case_cross(c, lang: str) -> str:
    n = _needs(c)
    h = n.history
    last = h.loc[h["order"] == h["order"].max()].sort_values("share", ascending=False)
    mix = "、".join(f"{r.category}{_pct(r.share)}" for r in last.itertuples() if r.revenue > 0) if lang == "zh" else \
        ", ".join(f"{r.category} {_pct(r.share)}" for r in last.itertuples() if r.revenue > 0)
    ind = _own_industry(c)
    if lang == "zh":
        return f"{n.customer}属于{ind}行业。{last['period'].iloc[0]}年它从我们这里买的：{mix}。"
    return f"{n.customer} is in {ind}. In {last['period'].iloc[0]} it bought from us: {mix}."


def _cross_options(c) -> list:
    from ..client import MissingData

    try:
        own = _own_industry(c)
        x = _cross(c)
    except MissingData:
        return [("peers", "同行业里做得最好的客户的经验", "The experience of our best customers in its own industry",
                 "同行最多是追赶，跨行才能超越。", "Peers at best catch up; crossing industries leads.")]
    x = x.loc[x["gap"] > 0]
    lead = _lead_industry(c)
    opts = [("peers", f"同行业（{own}）里做得最好的客户的经验", f"The experience of our best customers in its own "
             f"industry ({own})",
             ("没有别的行业的大客户在哪一类产品上比它投入得更多：这一次，同行的经验就是最好的参照。"
              if lead == own else
              "同行最多是追赶：同行业的客户和它面对同样的问题、买同样的东西，照搬同行只能让它追上别人。"
              "跨行才能超越，客户有时恰恰需要你的跨行经验来引领。"),
             ("No other industry's key accounts put more into any category than it does: this time its "
              "peers are the best reference."
              if lead == own else
              "Peers at best catch up: customers in its own industry face the same problems and buy the same "
              "things, so copying them only lets it catch up. Crossing industries leads: a customer sometimes needs "
              "your experience from another industry to lead it."))]
    for r in x.drop_duplicates("industry").head(3).itertuples():
        right = r.industry == lead
        zh = (f"我们在{r.industry}行业的{r.key_accounts}个大客户把{_pct(r.industry_share)}的采购放在{r.category}上，"
              f"而它只有{_pct(r.customer_share)}。")
        en = (f"Our {r.key_accounts} key account{'s' if r.key_accounts != 1 else ''} in {r.industry} put {_pct(r.industry_share)} of their purchases "
              f"from us into {r.category}; it puts {_pct(r.customer_share)}.")
        if right:
            zh = zh + "这是所有行业里差距最大的一处：把那里解决问题的经验带过来，就是跨行引领。先确认它有没有同样的核心问题。"
            en = (en + " That is the widest gap of any industry: bringing over how we solved the "
                  "problem there is leading across industries. First check it has the same core problem.")
        else:
            zh += f"有参考价值，但差距不如{lead}那一处大。"
            en += f" Worth a look, but the gap is smaller than in {lead}."
        opts.append((r.industry, f"{r.industry}行业大客户的经验", f"The experience of our key accounts in "
                     f"{r.industry}", zh, en))
    return opts


exercises.judgement(
    "01.00-cross-industry",
    "谁的经验最可能引领这个客户，而不只是让它追上同行？",
    "Whose experience is most likely to lead this customer, rather than help it catch up with its peers?",
    case_zh=lambda c: _case(_case_cross)(c, "zh"),
    case_en=lambda c: _case(_case_cross)(c, "en"),
    options=_cross_options,
    answer=_lead_industry,
    title_zh="跨行才能超越",
    title_en="Crossing industries leads",
    how_zh="看“同行最多是追赶，跨行才能超越”一节的表：哪个行业的大客户在某一类产品上的投入比它高得最多。",
    how_en="Read the table in the section 'Peers catch up, crossing industries leads': which industry's key accounts "
           "put the most more than it does into one product category.",
)
