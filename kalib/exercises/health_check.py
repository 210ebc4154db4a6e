"""Exercises of notebook 01.01, the ten health indicators (十大健康指标)."""

from __future__ import annotations

from . import ExerciseSet, hint, per_client

exercises = ExerciseSet(__name__)


@per_client
def _health(c):
    from ..health import health_check

    return health_check(c)


def _value(c, key: str) -> float:
    from ..client import MissingData

    ind = _health(c)[key]
    if ind.value is None:
        raise MissingData(ind.reason_en or "not available")
    return ind.value


def _won_over_all(c) -> float:
    """Won over every opportunity closed in the period plus every open one."""
    d = _health(c)["win_rate"].detail
    n_open = int((c.tables["opportunities"]["status"] == "open").sum())
    return d["won"] / max(1, d["won"] + d["lost"] + n_open)


def _withdrawn_counted(c) -> float:
    """Won over won + lost + the deals we withdrew from (NoGo), which the win rate leaves out."""
    d = _health(c)["win_rate"].detail
    if not d.get("withdrawn"):
        return float("nan")
    return d["won"] / max(1, d["won"] + d["lost"] + d["withdrawn"])


def _won_over_lost(c) -> float:
    d = _health(c)["win_rate"].detail
    return d["won"] / d["lost"] if d.get("lost") else float("nan")


exercises.numeric(
    "00.01-win-rate",
    lambda c: f"{_health(c).period.label} 的赢单成功率是多少（第5项指标）？",
    lambda c: f"What was the win rate in {_health(c).period.label} (indicator 5)?",
    how_zh="看记分卡第 5 项“赢单成功率”：本期赢单数 ÷（赢单数 + 丢单数），我们主动放弃（NoGo）的机会不计入。",
    how_en="Read indicator 5, the win rate, on the scorecard: deals won in the period divided by deals won "
           "plus lost, leaving out the deals we withdrew from (NoGo).",
    answer=lambda c: _value(c, "win_rate"),
    unit="share",
    hints=[
        hint("赢单率的分母是期内关闭的机会（赢单 + 丢单），不包括还在跟进的机会。",
             "The denominator is the opportunities closed in the period (won + lost), not the open ones.",
             when=_won_over_all),
        hint("你把主动放弃（NoGo）的机会也算进了分母；放弃不是丢单，不计入赢单成功率。",
             "You counted the deals we withdrew from (NoGo) in the denominator; a withdrawal is not a loss "
             "and is left out of the win rate.", when=_withdrawn_counted),
        hint("你用赢单数除以丢单数；应除以赢单数与丢单数之和。",
             "You divided won by lost; divide by won plus lost.", when=_won_over_lost),
        hint("看记分卡上第 5 项“赢单成功率”那一行：标出的数值就是本期的赢率。",
             "Find indicator 5, the win rate, on the scorecard: the value on that row is the period's win rate."),
    ],
    explain_zh="及格线是 33%：赢三单中的一单。文章分别给出这条线和第6项（储备销售机会 3 倍于目标）；我们的解读是二者"
               "相互呼应：33% 的赢率需要 3 倍的储备。主动放弃的机会不计入，因为及时放弃（NoGo）是好的销售判定，不该拉低赢率。",
    explain_en="The pass line is 33%: win one in three. The article gives it and indicator 6 (pipeline 3× the target) "
               "separately; our reading is that they agree: at a 33% win rate you need 3× coverage. Deals we "
               "withdrew from are left out, because a timely NoGo is good judgement and should not lower the win rate.",
)


def _only_pass(c) -> int:
    return sum(i.status == "pass" for i in _health(c))


def _measured(c) -> int:
    return _health(c).counts()["measured"]


exercises.numeric(
    "00.01-passing-count",
    lambda c: f"看记分卡：{_health(c).period.label} 有几项指标达到或超过及格线（优秀也算）？",
    lambda c: f"From the scorecard: how many indicators reach the pass line or better in {_health(c).period.label} "
              "(excellent ones count)?",
    how_zh="在记分卡上数带 ✓（及格）和 ★（优秀）的行。",
    how_en="Count the rows marked ✓ (pass) or ★ (excellent) on the scorecard.",
    answer=lambda c: _health(c).counts()["pass"],
    unit="count",
    tol=0.0,
    hints=[
        hint("达到优分线的指标也达到了及格线，请把 ★ 也算上。",
             "Indicators at the excellent line also pass: count the ★ ones too.", when=_only_pass),
        hint("你数的是能计算的指标；还要去掉未及格（✗）的。",
             "You counted the measured indicators; leave out those below pass (✗).", when=_measured),
        hint("数记分卡右边带 ✓ 和 ★ 的行。", "Count the rows marked ✓ or ★ on the scorecard."),
    ],
    explain_zh="问诊先看整体：几项及格、几项优秀，再看差距最大的三项。",
    explain_en="A check-up starts with the whole: how many pass, how many excel, then the three largest gaps.",
)
