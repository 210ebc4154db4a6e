"""Exercises of notebook 02.02, reviewing one's own deal: which action comes first (on the course's story deal),
and what an action is worth."""

from __future__ import annotations

from . import ExerciseSet, hint

exercises = ExerciseSet(__name__)

#: A deal like many a trainee brings: everything adequate, the power map weak, the qualification strong.
EXAMPLE = {"process": 3, "buying_factors": 3, "pricing": 3, "power_map": 2, "decision_style": 3, "theme": 3,
           "negotiation": 3, "efficiency": 3, "qualification": 4}


def _cfg(c):
    from ..config import default_config

    return c.config if c is not None else default_config()


def _weights(c) -> dict[str, float]:
    f = _cfg(c).section("deals")["factors"]
    return {k: float(v["weight"]) for k, v in f.items()}


# ---------------------------------------------------------------------------
# which of the three actions first, and why? (the story deal's review sheet)
# ---------------------------------------------------------------------------
_TIERS = {4: ("补上没过的关口", "fixing a failed gate"), 3: ("处理严重危险信号", "a serious red flag"),
          2: ("处理注意信号", "a watch flag"), 1: ("把一个要素提到目标分", "lifting a factor to the target"),
          0: ("弄清还没评分的要素", "finding out a factor not scored")}


def _story_review(c):
    from ..client import MissingData
    from ..deals import review_deal
    from ..story import story_opportunity

    oid = story_opportunity(c) if c is not None else None
    if oid is None:
        raise MissingData("this exercise needs a deal with factor scores (the deal_scores table, 要素评分)")
    ev = review_deal(c, oid)
    if len(ev.actions) < 2:
        raise MissingData("this exercise needs a deal whose review lists at least two actions")
    return ev


def _gain_text(a, lang: str) -> str:
    from ..i18n import tr

    return "" if not a.gain else tr(lang, f"（+{a.gain:.0f} 分）", f" (+{a.gain:.0f} points)")


def _action_options(c):
    from ..deals import FACTOR_KEYS

    ev = _story_review(c)
    order = {k: i for i, k in enumerate(FACTOR_KEYS)}
    acts = sorted(ev.actions, key=lambda a: (order.get(a.factor, len(order)), a.en))
    return [(a.en, a.zh + _gain_text(a, "zh"), a.en + _gain_text(a, "en"),
             (lambda c, a=a: _action_why(c, a, "zh")), (lambda c, a=a: _action_why(c, a, "en"))) for a in acts]


def _action_why(c, a, lang: str) -> str:
    from ..i18n import tr

    ev = _story_review(c)
    first = ev.actions[0]
    rule = tr(lang, "评审单的顺序：先补没过的关口，再处理严重危险信号，再是注意信号，最后按加分多少把要素提上去；同一档里先做加分多的。",
              "The sheet's order: a failed gate first, then serious red flags, then watch flags, then lifting factors "
              "by the points they add; within a tier, the larger gain first.")
    tier = lambda x: tr(lang, *_TIERS.get(x.priority, ("", "")))  # noqa: E731
    if a == first:
        return (tr(lang, f"这一步是{tier(a)}：{a.because_zh}。", f"This one is {tier(a)}: {a.because_en}. ") + rule)
    if a.priority < first.priority:
        why = tr(lang, f"这一步是{tier(a)}{_gain_text(a, 'zh')}，但{tier(first)}排在它前面：先“{first.zh}”——"
                       f"{first.because_zh}。",
                 f"This one is {tier(a)}{_gain_text(a, 'en')}, but {tier(first)} comes before it: first "
                 f"“{first.en}” — {first.because_en}. ")
    elif (a.gain or 0) < (first.gain or 0):
        why = tr(lang, f"两个都是{tier(a)}；同一档里先做加分多的：“{first.zh}”{_gain_text(first, 'zh')}，"
                       f"这一步{_gain_text(a, 'zh') or '不加分'}。",
                 f"Both are {tier(a)}; within a tier the larger gain comes first: “{first.en}”"
                 f"{_gain_text(first, 'en')}, this one{_gain_text(a, 'en') or ' adds nothing'}. ")
    else:
        why = tr(lang, f"两个都是{tier(a)}、加分相同；评审单按危险信号规则表的顺序，先“{first.zh}”。",
                 f"Both are {tier(a)} with the same gain; the sheet follows the order of the red-flag rules, so "
                 f"“{first.en}” first. ")
    return why + (" " if lang == "zh" else "") + rule


exercises.judgement(
    "02.02-first-action",
    lambda c: f"机会 {_story_review(c).opportunity_id} 的评审单列出三个行动。先做哪一个？为什么？",
    lambda c: f"The review of deal {_story_review(c).opportunity_id} lists three actions. Which comes first, and why?",
    case_zh=lambda c: _case(c, "zh"),
    case_en=lambda c: _case(c, "en"),
    options=_action_options,
    answer=lambda c: _story_review(c).actions[0].en,
    how_zh="评审单的行动按顺序排：先是没过的关口，再是严重危险信号，再是注意信号，最后是把低于目标分的要素提上去；"
           "同一档里加分多的在前。",
    how_en="The sheet orders its actions: a failed gate first, then serious red flags, then watch flags, then lifting "
           "a factor below the target; within a tier, the larger gain first.",
)


def _case(c, lang: str) -> str:
    from ..i18n import tr

    ev = _story_review(c)
    sev = _cfg(c).section("deals")["severities"]
    flags = ("；" if lang == "zh" else "; ").join(f"[{sev[f.severity][lang]}] {f.text(lang)}" for f in ev.flags)
    return tr(lang, f"{ev.title('zh')}：{ev.headline('zh')}。危险信号：{flags or '无'}。",
              f"{ev.title('en')}: {ev.headline('en')}. Red flags: {flags or 'none'}.")


def _gain(c) -> float:
    w = _weights(c)
    d = _cfg(c).section("deals")
    lo, hi = float(d["scale"]["min"]), float(d["scale"]["max"])
    target = float(d["go_nogo"]["action_target"])
    return 100 * w["power_map"] / sum(w.values()) * (target - EXAMPLE["power_map"]) / (hi - lo)


exercises.numeric(
    "02.02-action-gain",
    "一个和你的机会很像的例子：九个要素都是 3 分，只有决策权力图 2 分、销售判定 4 分。把决策权力图从 2 分提到 4 分，"
    "九要素得分（0–100）会增加几分？",
    "A deal much like yours: all nine factors at 3, except the power map at 2 and the qualification at 4. Lifting the "
    "power map from 2 to 4 raises the nine-factor score (0–100) by how many points?",
    how_zh="评审单上这个行动后面写着“（+N 分）”：权重 ÷ 权重之和 × (4 − 2) ÷ (5 − 1) × 100。",
    how_en="The sheet writes '(+N points)' after that action: weight ÷ sum of weights × (4 − 2) ÷ (5 − 1) × 100.",
    answer=_gain,
    unit="number",
    tol=0.0,
    abs_tol=0.6,
    hints=[
        hint("你算的是两级 × 25 分，没有乘权重：一个要素只占它那一份权重。",
             "You took two steps × 25 points without the weight: one factor counts only for its share of the weights.",
             when=lambda c: 50.0),
        hint("把例子的分数填进上面的面板，第一个行动后面的“+N 分”就是答案。",
             "Enter the example's scores in the panel above: the '+N points' after the first action is the answer."),
    ],
    explain_zh="加分 = 100 × 权重占比 × 提高的级数 ÷ 4：本例为 {answer}。",
    explain_en="Points = 100 × the weight's share × levels gained ÷ 4: here {answer}.",
)
