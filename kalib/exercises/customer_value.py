"""Exercises of notebook 01.00, customer value (layer 1, 客户价值)."""

from __future__ import annotations

from . import ExerciseSet, hint, per_client

exercises = ExerciseSet(__name__)


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
