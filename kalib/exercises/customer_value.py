"""Exercises of notebook 02.00, customer relationship and value management (layer 2, 客户关系和价值管理)."""

from __future__ import annotations

from . import ExerciseSet, case_text, hint, per_client

exercises = ExerciseSet(__name__)


_case = case_text


@per_client
def _cv(c):
    from ..accounts import customer_value

    return customer_value(c)


def _named_total_share(c) -> float:
    """Top-10 revenue over the customers' revenue only (revenue with no customer left out)."""
    cv = _cv(c)
    named = cv.total - cv.unassigned
    return float(cv.table["revenue"].head(10).sum()) / named


def _count_share(c) -> float:
    t = _cv(c).table
    return min(10, int((t["revenue"] > 0).sum())) / max(1, int((t["revenue"] > 0).sum()))


exercises.numeric(
    "02.00-top10-share",
    lambda c: f"{_cv(c).period.label} 年收入最大的 10 个客户贡献了总收入的多少（第1项指标：大客户贡献度）？",
    lambda c: f"What share of total revenue did the 10 largest customers bring in {_cv(c).period.label} "
              "(indicator 1, key-account contribution)?",
    how_zh="看“帕累托曲线与集中度”一节：说明文字给出前 10 名客户的收入占比，曲线上的橙色圆点就是他们。",
    how_en="The Pareto curve section gives the 10 largest customers' share of revenue in its text; the "
           "orange dot on the curve marks them.",
    answer=lambda c: _cv(c).concentration()["top_share"],
    unit="share",
    hints=[
        hint("你给出的是客户数量的占比；问题问的是这些客户的收入占总收入的比例。",
             "That is the share of customers by count; the question asks for their share of revenue.",
             when=_count_share),
        hint("总收入要包括没有对应客户的收入：它不算任何一个客户，但算在总收入里。",
             "Total revenue includes revenue with no customer: it is no customer's, but it counts in the total.",
             when=_named_total_share),
        hint("看“帕累托曲线与集中度”一节开头那句话：前10名客户贡献了总收入的百分之几。",
             "Read the first sentence of the Pareto curve section: it says what share of total revenue the 10 "
             "largest customers bring."),
        hint("帕累托曲线上的橙色圆点就是前 10 名客户。", "The orange dot on the Pareto curve is the top 10."),
    ],
    explain_zh="文章的及格线是 50%，优分线是 70%：大客户是持续高价值的贡献者，收入应当集中在少数深耕的客户上。",
    explain_en="The article's pass line is 50% and its excellent line 70%: key accounts are sustained, high-value "
               "contributors, so revenue should rest on a few well-farmed customers.",
)


def _diamond_min(c) -> float:
    tiers = {t["key"]: t for t in c.config.tiers()}
    return float(tiers["diamond"]["min"]) if "diamond" in tiers else float(c.config.tiers()[0]["min"])


def _top_tier_key(c) -> str:
    return c.config.tiers()[0]["key"]


def _top_two_tiers(c) -> int:
    t = _cv(c).table
    keys = [x["key"] for x in c.config.tiers()[:2]]
    return int(t["tier"].isin(keys).sum())


exercises.numeric(
    "02.00-diamond-count",
    lambda c: (f"按每年给我们带来的价值，{_cv(c).period.label} 有几个"
               f"{c.config.tiers()[0].get('zh', '最高级')}级客户（门槛：每年 {_diamond_min(c) / 1e4:,.0f} 万元）？"),
    lambda c: (f"By the value they bring us per year, how many {c.config.tiers()[0].get('en', 'top-tier')} "
               f"customers were there in {_cv(c).period.label} (threshold {_diamond_min(c) / 1e6:,.1f}M RMB a year)?"),
    how_zh="看“价值分级”一节：价值分级图左边第一根柱子，就是每年给我们带来 1,000 万元以上的钻石级客户数。",
    how_en="In the value tiers section, the first bar on the left of the tier chart counts the diamond "
           "customers (10 million RMB a year or more).",
    answer=lambda c: int((_cv(c).table["tier"] == _top_tier_key(c)).sum()),
    unit="count",
    tol=0.0,
    hints=[
        hint("你把下一级也算进去了；只数最高一级。", "You counted the next tier as well; count only the top tier.",
             when=_top_two_tiers),
        hint("看价值分级图左边的第一根柱子。", "Look at the first bar on the left of the tier chart."),
    ],
    explain_zh="分级看的是客户给我们创造的价值，不是客户自身的规模：大企业≠大客户。",
    explain_en="Tiers rank the value a customer creates for us, not its own size: a big company is not automatically "
               "a key account.",
)


def _existing_share(c) -> float:
    from ..client import MissingData

    f = _cv(c).farming()
    if not f["previous_covered"] or f["existing_share"] is None:
        raise MissingData("the data do not reach back to the previous period (上一期没有收入数据)")
    return f["existing_share"]


def _existing_customer_share(c) -> float:
    f = _cv(c).farming()
    n = f["existing_customers"] + f["new_customers"]
    return f["existing_customers"] / n if n else float("nan")


exercises.numeric(
    "02.00-farming-share",
    lambda c: f"{_cv(c).period.label} 的客户收入中，有多少来自上一期就已经购买的老客户（农庄耕耘）？",
    lambda c: f"What share of customer revenue in {_cv(c).period.label} came from customers that already bought in "
              "the previous period (farming)?",
    how_zh="看“农庄耕耘，而不是游猎”一节的说明：上一期就在买、本期还在买的老客户，他们本期的收入占全部客户收入的比例。",
    how_en="The text of the 'Farming, not hunting' section gives it: this period's revenue from customers "
           "who already bought last period, as a share of all customer revenue.",
    answer=_existing_share,
    unit="share",
    hints=[
        hint("你算的是老客户的数量占比；问题问的是收入占比。",
             "You computed the share of customers by count; the question asks for the share of revenue.",
             when=_existing_customer_share),
        hint("看“农庄耕耘，而不是游猎”一节开头那句话：客户收入里有百分之几来自上一期就购买的老客户。",
             "Read the first sentence of the 'Farming, not hunting' section: it says how much of customer revenue "
             "comes from customers who already bought in the previous period."),
    ],
    explain_zh="大客户销售是农庄耕耘，不是游猎：收入主要来自长期经营的老客户，关系才可持续。",
    explain_en="Key-account selling is farming, not hunting: when revenue comes mostly from customers you keep, the "
               "relationship is sustainable.",
)


# ---------------------------------------------------------------------------
# Judgement: a big company that buys little (大企业≠大客户)
# ---------------------------------------------------------------------------

def _big_small(c) -> dict:
    """The largest company among the 'big company, small customer' list, with its wallet."""
    from ..client import MissingData

    sv = _cv(c).size_vs_value()
    bs = sv.loc[sv["kind"] == "big_company_small_customer"]
    if not len(bs):
        raise MissingData("no big company buys little from us (没有“大企业、小客户”)")
    r = bs.iloc[0]
    row = _cv(c).table.set_index("customer").loc[r["customer"]]
    key = set(c.config.section("accounts").get("key_tiers") or [])
    tiers = c.config.tiers()
    key_min = min((float(t["min"]) for t in tiers if t["key"] in key), default=float(tiers[0]["min"]))
    key_name = [t for t in tiers if t["key"] in key]
    low = min(key_name, key=lambda t: float(t["min"])) if key_name else tiers[0]
    wallet = row["wallet"]
    return {"customer": str(r["customer"]), "employees": r["employees"], "company_revenue": r["company_revenue"],
            "value": float(r["value"]), "tier_zh": str(row["tier_zh"]), "tier_en": str(row["tier_en"]),
            "wallet": None if wallet != wallet else float(wallet), "key_min": key_min,
            "key_zh": str(low.get("zh", low["key"])), "key_en": str(low.get("en", low["key"]))}


def _big_answer(c) -> str:
    f = _big_small(c)
    return "develop" if f["wallet"] is not None and f["wallet"] >= f["key_min"] else "not_key"


def _rmb(x: float, lang: str) -> str:
    from ..i18n import fmt_rmb

    return fmt_rmb(x, lang)


def _size(f: dict, lang: str) -> str:
    parts = []
    if f["employees"] == f["employees"] and f["employees"] is not None:
        parts.append(f"{f['employees']:,.0f}" + ("名员工" if lang == "zh" else " employees"))
    if f["company_revenue"] == f["company_revenue"] and f["company_revenue"] is not None:
        parts.append(("年营收" if lang == "zh" else "revenue ") + _rmb(f["company_revenue"], lang))
    return ("、" if lang == "zh" else ", ").join(parts)


def _case_big(c, lang: str) -> str:
    f = _big_small(c)
    per = _cv(c).period.label
    if lang == "zh":
        wal = (f"它在我们这个品类每年大约采购{_rmb(f['wallet'], lang)}。" if f["wallet"] is not None
               else "客户表里没有它在我们这个品类的采购额估计。")
        return (f"{f['customer']}：{_size(f, lang)}，是客户表里规模最大的企业之一。{per}年它给我们带来"
                f"{_rmb(f['value'], lang)}，价值分级是{f['tier_zh']}。{wal}")
    wal = (f"It spends about {_rmb(f['wallet'], lang)} a year in our category." if f["wallet"] is not None
           else "The customers table has no estimate of its spend in our category.")
    return (f"{f['customer']}: {_size(f, lang)}, one of the largest companies in the customers table. In {per} it "
            f"brought us {_rmb(f['value'], lang)}, tier {f['tier_en']}. {wal}")


def _big_options(c) -> list:
    from ..client import MissingData

    try:
        f = _big_small(c)
    except MissingData:
        return [(k, zh, en, "大企业≠大客户：看它给我们的价值，再看它在本品类的采购额。",
                 "A big company is not automatically a key account: look at its value to us, then at its spend in our "
                 "category.") for k, zh, en in (
            ("key", "是大客户", "A key account"),
            ("develop", "现在不是大客户，但值得有目标地去开发", "Not a key account today, but worth developing"),
            ("not_key", "不是大客户：按它给我们的价值来服务", "Not a key account: serve it as its value deserves"))]
    dev = _big_answer(c) == "develop"
    wal_zh = _rmb(f["wallet"], "zh") if f["wallet"] is not None else ""
    wal_en = _rmb(f["wallet"], "en") if f["wallet"] is not None else ""
    return [
        ("key", "是大客户：这么大的企业，理应按钻石级对待", "A key account: a company this size deserves diamond treatment",
         f"大企业≠大客户。大客户的“大”在于它给我们创造的价值，而它一年只给我们带来{_rmb(f['value'], 'zh')}。"
         "文章里 100 多家央企规模很大，和 IBM 合作有限，对 IBM 就不是大客户；按规模投入资源，会把时间从真正的大客户身上抽走。",
         f"A big company is not automatically a key account. What makes an account big is the value it creates for "
         f"us, and it brings us {_rmb(f['value'], 'en')} a year. In the article, more than a hundred central "
         "state-owned enterprises were huge but bought little from IBM, so they were not its key accounts; "
         "spending by size takes time away from the real key accounts."),
        ("develop", "现在不是大客户；但它在本品类花得多，值得定一份客户计划，有目标地去开发",
         "Not a key account today; but it spends a lot in our category: worth an account plan to develop it",
         (f"它今天不是大客户（{f['tier_zh']}级）。但它在本品类每年采购约{wal_zh}，超过{f['key_zh']}级的门槛"
          f"（{_rmb(f['key_min'], 'zh')}）：需求是有的，只是没有交给我们。值得写一份客户计划：它的核心需求是什么、"
          "谁做决策、下一单在哪里——用价值去争取，而不是因为它大。"
          if dev else
          f"这一次不对：客户表里没有证据说明它在本品类的采购能达到{f['key_zh']}级的门槛"
          f"（{_rmb(f['key_min'], 'zh')}）。先估计它的品类采购额，再决定要不要投入开发。"),
         (f"It is not a key account today (tier {f['tier_en']}). But it spends about {wal_en} a year in our "
          f"category, above the {f['key_en']} threshold ({_rmb(f['key_min'], 'en')}): the needs are there, they "
          "just do not come to us. Worth an account plan: its core needs, who decides, where the next order is — "
          "won on value, not because it is big."
          if dev else
          f"Not this time: nothing in the customers table shows its spend in our category could reach the "
          f"{f['key_en']} threshold ({_rmb(f['key_min'], 'en')}). Estimate its category spend first, then decide "
          "whether to invest in developing it.")),
        ("not_key", "不是大客户：按它给我们的价值来服务，把大客户的时间留给真正的大客户",
         "Not a key account: serve it as its value deserves, and keep key-account time for the real ones",
         (f"判断“不是大客户”是对的，但只说对了一半：它在本品类每年采购约{wal_zh}，超过{f['key_zh']}级的门槛。"
          "需求在那里，只是没有交给我们；放着不管，就错过了一个可以经营成大客户的机会。"
          if dev else
          f"它一年只给我们带来{_rmb(f['value'], 'zh')}，也没有证据说明它在本品类的采购能达到{f['key_zh']}级的门槛。"
          "大企业≠大客户：按价值分配时间。"),
         (f"'Not a key account' is right, but only half the answer: it spends about {wal_en} a year in our "
          f"category, above the {f['key_en']} threshold. The needs are there and go elsewhere; leaving it alone "
          "misses an account that could be farmed into a key account."
          if dev else
          f"It brings us {_rmb(f['value'], 'en')} a year, and nothing shows its spend in our category could reach "
          f"the {f['key_en']} threshold. A big company is not automatically a key account: give time by value.")),
    ]


exercises.judgement(
    "02.00-big-company",
    "这家大企业是不是我们的大客户？该怎么对待它？",
    "Is this big company a key account of ours? How should we treat it?",
    case_zh=lambda c: _case(_case_big)(c, "zh"),
    case_en=lambda c: _case(_case_big)(c, "en"),
    options=_big_options,
    answer=_big_answer,
    title_zh="大企业是不是大客户？",
    title_en="Is the big company a key account?",
    how_zh="看“大企业≠大客户”一节：它给我们的价值决定它今天的分级；它在本品类的采购额（钱包）说明还有没有可争取的需求。",
    how_en="In the section 'Big company, small customer': its value to us sets its tier today; its spend in our "
           "category (wallet) says whether there are needs left to win.",
)


# ---------------------------------------------------------------------------
# Judgement: the slipping diamond customer — farm harder or let go?
# ---------------------------------------------------------------------------

@per_client
def _focus(c):
    from ..accounts import customer_needs
    from ..client import MissingData

    from ..story import named_story_customer

    name = named_story_customer(c) or _cv(c).focus_customer()
    if name is None:
        raise MissingData("no customer brought revenue in the period (期内没有客户收入)")
    row = _cv(c).table.set_index("customer").loc[name]
    n = customer_needs(c, name)
    return {"customer": name, "value": float(row["value"]), "previous": float(row["previous"]),
            "growth": row["growth"], "tier_zh": str(row["tier_zh"]), "tier_en": str(row["tier_en"]),
            "wallet": n.wallet, "share": n.wallet_share, "brought": n.brought_per_year,
            "count": int(n.needs["brought"].sum()) if len(n.needs) else 0}


def _farm_answer(c) -> str:
    f = _focus(c)
    headroom = f["wallet"] is not None and f["wallet"] > f["value"]
    return "farm" if (f["count"] > 0 or headroom) else "let_go"


def _case_farm(c, lang: str) -> str:
    from ..i18n import fmt_pct

    f = _focus(c)
    per = _cv(c).period.label
    g = f["growth"]
    ch = fmt_pct(g) if g == g and g is not None else "–"
    if lang == "zh":
        wal = (f"它在本品类每年采购约{_rmb(f['wallet'], lang)}，我们拿到{fmt_pct(f['share'])}。" if f["wallet"] else
               "客户表里没有它的品类采购额估计。")
        return (f"{f['customer']}是{f['tier_zh']}级客户。{per}年它给我们带来{_rmb(f['value'], lang)}，"
                f"上一期是{_rmb(f['previous'], lang)}（{ch}）。{wal}这一年它向我们提出了{f['count']}个新的需求"
                f"（销售机会），合计{_rmb(f['brought'], lang)}。")
    wal = (f"It spends about {_rmb(f['wallet'], lang)} a year in our category; we have {fmt_pct(f['share'])}."
           if f["wallet"] else "The customers table has no estimate of its spend in our category.")
    return (f"{f['customer']} is a {f['tier_en'].lower()} customer. In {per} it brought us {_rmb(f['value'], lang)}, against "
            f"{_rmb(f['previous'], lang)} the period before ({ch}). {wal} That year it brought us {f['count']} new "
            f"needs (opportunities) worth {_rmb(f['brought'], lang)}.")


def _farm_options(c) -> list:
    from ..client import MissingData

    try:
        f = _focus(c)
    except MissingData:
        return [(k, zh, en, "大客户销售是农庄耕耘：先弄清收入为什么下滑。",
                 "Key-account selling is farming: first learn why revenue fell.") for k, zh, en in (
            ("farm", "更用心地耕耘", "Farm harder"), ("let_go", "接受下滑，把时间转去做新客户业务",
                                                      "Accept the fall and turn to new business"),
            ("discount", "大幅让价，把收入拉回来", "Win the revenue back with a deep discount"))]
    farm = _farm_answer(c) == "farm"
    lost_zh = _rmb(max(0.0, f["previous"] - f["value"]), "zh")
    lost_en = _rmb(max(0.0, f["previous"] - f["value"]), "en")
    rest = (f["wallet"] - f["value"]) if f["wallet"] else None
    return [
        ("farm", "更用心地耕耘：弄清收入为什么下滑，围绕它的新需求定一份客户计划",
         "Farm harder: learn why revenue fell, and build an account plan around its new needs",
         ((f"大客户销售是农庄耕耘：客户关系的本质是价值，要长期经营。它仍是{f['tier_zh']}级客户，这一年还向我们提出了"
           f"{f['count']}个需求（{_rmb(f['brought'], 'zh')}）"
           + (f"，本品类还有约{_rmb(rest, 'zh')}的采购没有交给我们" if rest and rest > 0 else "")
           + "。下滑是信号：先问清它的需求变成了什么，再决定下一步。")
          if farm else
          "这一次数据不支持：它这一年没有向我们提出新的需求，本品类的采购也几乎都已在我们这里，再用力也难有增量。"
          "维持好服务，把耕耘的时间放到还有需求的大客户身上。"),
         ((f"Key-account selling is farming: the essence of the relationship is value, built over the long term. It "
           f"is still a {f['tier_en'].lower()} customer and brought us {f['count']} needs this year "
           f"({_rmb(f['brought'], 'en')})"
           + (f", and about {_rmb(rest, 'en')} a year of its spend in our category goes elsewhere" if rest and rest > 0
              else "")
           + ". The fall is a signal: first learn what its needs have become, then decide the next step.")
          if farm else
          "Not this time: it brought us no new need this year and we already have nearly all of its spend in our "
          "category; more effort has little to win. Keep serving it well and farm where needs remain.")),
        ("let_go", "接受下滑，把时间转去做新客户业务", "Accept the fall and turn the time to new business",
         ((f"它一年少了{lost_zh}，但它仍是{f['tier_zh']}级客户，还在向我们提出需求：它认识我们、信任我们，"
           "这份关系是多年经营出来的。新客户业务要从零赢起，补不回一个被放掉的大客户；"
           "放掉它去追一次性的机会，是游猎式的机会模式，而大客户销售是农庄耕耘。")
          if farm else
          "它没有提出新的需求，在本品类的采购也已几乎都在我们这里：维持服务、把多出来的时间投到还有需求的客户上，是合理的取舍。"),
         ((f"It brings {lost_en} a year less, but it is still a {f['tier_en'].lower()} customer that brings us "
           "needs: it knows and trusts us, a relationship built over years. New business has to be won from scratch "
           "and does not replace a key account let go; dropping it to chase one-off opportunities is the "
           "opportunistic way of selling (hunting), while key-account selling is farming.")
          if farm else
          "It brought no new need and we already have nearly all its spend in our category: keep serving it and put "
          "the spare time where needs remain. A reasonable trade-off.")),
        ("discount", "下一单给它大幅让价，把收入拉回来", "Win the revenue back with a deep discount on the next order",
         "价格换不来价值：收入下滑的原因还不清楚就让价，只会把利润让掉，还教会客户压价（要素三，销售定价：避免掉入价格陷阱）。"
         "先弄清它的需求发生了什么变化。",
         "A discount does not buy value: cutting price before knowing why revenue fell gives away margin and teaches "
         "the customer to push on price (factor 3, pricing: avoid the price trap). First learn what changed in its "
         "needs."),
    ]


exercises.judgement(
    "02.00-farm-or-let-go",
    "对这个客户，该更用心地耕耘，还是放手？",
    "This customer: farm it harder, or let it go?",
    case_zh=lambda c: _case(_case_farm)(c, "zh"),
    case_en=lambda c: _case(_case_farm)(c, "en"),
    options=_farm_options,
    answer=_farm_answer,
    title_zh="耕耘还是放手？",
    title_en="Farm or let go?",
    how_zh="看“一个钻石客户在下滑”一节：它还是不是大客户、这一年有没有向我们提出新的需求、本品类还有多少采购没有交给我们。",
    how_en="In the section on a diamond customer slipping: whether it is still a key account, whether it brought us "
           "new needs this year, and how much of its spend in our category goes elsewhere.",
)
