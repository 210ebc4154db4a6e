"""Exercises of notebook 02.00, how to sell (layer 2, 如何销售): the nine factors and Go/NoGo."""

from __future__ import annotations

from . import ExerciseSet, hint, per_client

exercises = ExerciseSet(__name__)


def _cfg(c):
    from ..config import default_config

    return c.config if c is not None else default_config()


@per_client
def _review(c):
    """The deal the notebook reviews by default (the largest open deal with factor scores)."""
    from ..client import MissingData
    from ..deals import default_opportunity, review_deal

    oid = default_opportunity(c) if c is not None else None
    if oid is None:
        raise MissingData("this exercise needs a deal with factor scores (the deal_scores table, 要素评分)")
    return review_deal(c, oid)


def _deal_name(c) -> str:
    try:
        return str(_review(c).opportunity_id)
    except Exception:
        return "–"


def _factor_options(c):
    from ..deals import FACTOR_NAMES, FACTOR_KEYS

    return [(k, FACTOR_NAMES[k][0], FACTOR_NAMES[k][1]) for k in FACTOR_KEYS]


exercises.choice(
    "02.01-gate-factor",
    "九大成功要素中，哪一个是关口：它不过关，其他要素再好也是 NoGo？",
    "Which of the nine success factors is the gate: if it fails, the deal is NoGo however good the rest?",
    how_zh="第九要素“销售判定”先回答：项目是真的吗？我们赢得下来吗？答案是否，其他要素再好也不用看。",
    how_en="The ninth factor, the sales judgement, asks first: is the project real, and can we win it? If "
           "not, the other factors do not matter.",
    options=_factor_options,
    answer=lambda c: _cfg(c).section("deals")["go_nogo"]["gate_factor"],
    hints=[
        hint("决策权力图权重最高，但权重高不等于关口。关口回答的是：这个项目是真的吗？值得做吗？",
             "The power map weighs the most, but a heavy weight is not a gate. The gate answers: is the deal real, "
             "and is it worth pursuing?", when="power_map"),
        hint("销售进程说的是我们是否引领客户的决策流程；关口要先回答项目真不真、能不能赢。",
             "The sales process is about leading the customer's decision process; the gate first asks whether the "
             "deal is real and winnable.", when="process"),
        hint("想想文章的第九条：“不断判定项目真假、是否继续销售，NoGo比Go的决定往往更重要”。",
             "Recall the article's ninth factor: 'keep judging whether the project is real and whether to go on; "
             "a NoGo is often more important than a Go'."),
    ],
    explain_zh="销售判定（第九要素）是关口：项目不真实或赢不了，投入越多损失越大。",
    explain_en="Qualification (the ninth factor) is the gate: on a deal that is not real or not winnable, every "
               "extra effort is a loss.",
)


def _plain_mean_x20(c) -> float:
    s = [v for v in _review(c).scores.values() if v is not None]
    return sum(s) / len(s) * 20


def _unweighted(c) -> float:
    d = _cfg(c).section("deals")["scale"]
    lo, hi = d["min"], d["max"]
    s = [v for v in _review(c).scores.values() if v is not None]
    return 100 * (sum(s) / len(s) - lo) / (hi - lo)


exercises.numeric(
    "02.01-deal-score",
    lambda c: f"按上面的评分和权重，机会 {_deal_name(c)} 的九要素得分（0–100）是多少？",
    lambda c: f"With the scores and weights above, what is the nine-factor score (0–100) of deal {_deal_name(c)}?",
    how_zh="把上面要素表里“points”一列加起来：每个已评要素贡献 权重 ×（分 − 1）÷ 4，折成 0–100 分。",
    how_en="Add up the 'points' column of the factor table above: each rated factor adds weight × (score − "
           "1) ÷ 4, scaled to 0–100.",
    answer=lambda c: _review(c).score,
    unit="number",
    tol=0.0,
    abs_tol=0.6,
    hints=[
        hint("你把平均分乘以 20。得分从最低分算起：(分 − 1) ÷ 4，全是 1 分是 0，不是 20。",
             "You multiplied the average by 20. The score starts from the lowest level: (score − 1) ÷ 4, so all "
             "at 1 is 0, not 20.", when=_plain_mean_x20),
        hint("你没有用权重。每个要素的 (分 − 1) ÷ 4 要乘以它的权重，再除以已评要素的权重之和。",
             "You left out the weights: multiply each factor's (score − 1) ÷ 4 by its weight, then divide by the "
             "sum of the weights of the scored factors.", when=_unweighted),
        hint("只算已评分的要素：未评分的不是 0 分，它的权重也不计入分母。",
             "Count only the scored factors: a factor not scored is not 0, and its weight leaves the denominator."),
        hint("看上面的要素表：“points” 一列就是每个要素贡献的分数（九个都评了时），加起来就是得分。",
             "Look at the factor table above: the 'points' column is what each factor adds (when all nine are "
             "scored); they add up to the score."),
    ],
    explain_zh="得分 = 100 × Σ 权重 × (分 − 1)/4 ÷ Σ 权重（只算已评要素）：本例为 {answer}。",
    explain_en="Score = 100 × Σ weight × (score − 1)/4 ÷ Σ weight, over the scored factors: here {answer}.",
)


def _score_only_verdict(c) -> str:
    """The verdict one gets by looking at the score alone (forgetting the gate and the flags)."""
    g = _cfg(c).section("deals")["go_nogo"]
    s = _review(c).score
    if s is None:
        return ""
    return "go" if s >= g["go_min"] else ("nogo" if s < g["nogo_below"] else "review")


exercises.choice(
    "02.01-verdict",
    lambda c: f"机会 {_deal_name(c)} 应当是 Go、Review 还是 NoGo？",
    lambda c: f"Should deal {_deal_name(c)} be Go, Review or NoGo?",
    how_zh="按顺序判：先看关口（销售判定），再数严重危险信号，最后才看得分线。",
    how_en="Judge in order: the gate first (the sales judgement), then the serious red flags, the score lines last.",
    options=[("go", "Go（继续）", "Go"), ("review", "复核", "Review"), ("nogo", "NoGo（放弃）", "NoGo")],
    answer=lambda c: _review(c).verdict,
    hints=[
        hint("你只看了得分。先看关口（销售判定），再数“严重”危险信号，最后才看得分线。",
             "You looked at the score alone. First the gate (qualification), then count the serious red flags, "
             "and only then the score lines.", when=lambda c: _score_only_verdict(c) if _score_only_verdict(c)
             != _review(c).verdict else "__none__"),
        hint("按顺序判断：关口没过 → NoGo；得分低于 NoGo 线或严重信号太多 → NoGo；有严重信号 → Review；得分过 Go 线 → Go。",
             "Go in order: gate failed → NoGo; score below the NoGo line or too many serious flags → NoGo; any "
             "serious flag → Review; score at or above the Go line → Go."),
    ],
    explain_zh=lambda c: "理由：" + "；".join(z for z, _ in _review(c).reasons),
    explain_en=lambda c: "Because: " + "; ".join(e for _, e in _review(c).reasons),
)
