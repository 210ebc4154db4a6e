"""Exercises of notebook 02.01, reviewing one's own deal: which action comes first, and what it is worth."""

from __future__ import annotations

from . import ExerciseSet, hint

exercises = ExerciseSet(__name__)

#: A deal like many a trainee brings: everything adequate, the power map weak, the qualification strong.
EXAMPLE = {"process": 3, "buying_factors": 3, "pricing": 3, "power_map": 2, "decision_style": 3, "theme": 3,
           "negotiation": 3, "efficiency": 3, "qualification": 4}


def _cfg(c):
    from ..config import default_config

    return c.config if c is not None else default_config()


def _review(c):
    from ..deals import evaluate_deal

    return evaluate_deal(EXAMPLE, config=_cfg(c))


def _factor_options(c):
    from ..deals import FACTOR_KEYS, FACTOR_NAMES

    return [(k, FACTOR_NAMES[k][0], FACTOR_NAMES[k][1]) for k in FACTOR_KEYS]


def _weights(c) -> dict[str, float]:
    f = _cfg(c).section("deals")["factors"]
    return {k: float(v["weight"]) for k, v in f.items()}


def _heaviest_other(c) -> str:
    """The heaviest factor that is not the first action's (a tempting wrong answer)."""
    first = _review(c).actions[0].factor
    w = _weights(c)
    return max((k for k in w if k != first), key=lambda k: w[k])


exercises.choice(
    "02.02-first-action",
    "一个和你的机会很像的例子：九个要素都是 3 分，只有决策权力图 2 分、销售判定 4 分。评审单上的第一个行动是针对哪个要素的？",
    "A deal much like yours: all nine factors at 3, except the power map at 2 and the qualification at 4. The first "
    "action on its review sheet is about which factor?",
    how_zh="评审单的行动按顺序排：先是没过的关口，再是严重危险信号，再是注意信号，最后是把低于 4 分的要素提上去、加分最多的那个。"
           "这里关口已过（销售判定 4 分），决策权力图 2 分既亮了信号、权重又最大，所以排第一。",
    how_en="The sheet orders its actions: a failed gate first, then serious red flags, then watch flags, then lifting "
           "a factor below 4, largest gain first. The gate passes here (qualification 4); the power map at 2 raises a "
           "flag and weighs the most, so it comes first.",
    options=_factor_options,
    answer=lambda c: _review(c).actions[0].factor,
    hints=[
        hint("销售判定已经 4 分，关口过了：行动要放在还弱的地方。",
             "Qualification is already at 4 and the gate passes: the action goes where the deal is still weak.",
             when="qualification"),
        hint("看哪个要素分数最低，而且权重大：提高它加分最多。",
             "Look for the lowest score with a heavy weight: lifting it adds the most points.",
             when=lambda c: "__none__" if _heaviest_other(c) == _review(c).actions[0].factor else _heaviest_other(c)),
        hint("在上面的评审面板里把这些分数填进去，看“最能提高赢率的三个行动”第一条。",
             "Enter these scores in the review panel above and read the first of the three actions."),
    ],
    explain_zh="行动先补没过的关口和危险信号，再按加分多少排序。",
    explain_en="Actions first fix a failed gate and the red flags, then follow the points they add.",
)


def _gain(c) -> float:
    w = _weights(c)
    d = _cfg(c).section("deals")
    lo, hi = float(d["scale"]["min"]), float(d["scale"]["max"])
    target = float(d["go_nogo"]["action_target"])
    return 100 * w["power_map"] / sum(w.values()) * (target - EXAMPLE["power_map"]) / (hi - lo)


exercises.numeric(
    "02.02-action-gain",
    "同一个例子：把决策权力图从 2 分提到 4 分，九要素得分（0–100）会增加几分？",
    "The same deal: lifting the power map from 2 to 4 raises the nine-factor score (0–100) by how many points?",
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
