"""Exercises of notebook 00.01, the health check-up (健康度问诊): the ten health indicators (十大健康指标)."""

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
        hint("赢单成功率的分母是期内关闭的机会（赢单 + 丢单），不包括还在跟进的机会。",
             "The denominator is the opportunities closed in the period (won + lost), not the open ones.",
             when=_won_over_all),
        hint("你把主动放弃（NoGo）的机会也算进了分母；放弃不是丢单，不计入赢单成功率。",
             "You counted the deals we withdrew from (NoGo) in the denominator; a withdrawal is not a loss "
             "and is left out of the win rate.", when=_withdrawn_counted),
        hint("你用赢单数除以丢单数；应除以赢单数与丢单数之和。",
             "You divided won by lost; divide by won plus lost.", when=_won_over_lost),
        hint("看记分卡上第 5 项“赢单成功率”那一行：标出的数值就是本期的赢单成功率。",
             "Find indicator 5, the win rate, on the scorecard: the value on that row is the period's win rate."),
    ],
    explain_zh="及格线是 33%：赢三单中的一单。文章分别给出这条线和第6项（储备销售机会 3 倍于目标）；我们的解读是二者"
               "相互呼应：33% 的赢单成功率需要 3 倍的储备。主动放弃的机会不计入，因为及时放弃（NoGo）是好的销售判定，不该拉低赢单成功率。",
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


# Indicators 7 and 8 are results: a year's revenue divided by a head count.  They rise when the causes the
# other indicators measure improve (or when people leave, which is no sales improvement), so a check-up
# tackles a cause first.
RESULTS = ("sales_per_rep", "output_per_employee")
_LAYER_ZH = {1: "第一层", 2: "第二层", 3: "第三层", 4: "第四层"}


def _below(c) -> list:
    """The indicators below their pass line, furthest first (relative to the line)."""
    return _health(c).gaps(10)


def first_gap(c) -> str:
    """The cause furthest below its pass line; a result only when no cause is below."""
    below = _below(c)
    causes = [i for i in below if i.key not in RESULTS]
    return (causes or below)[0].key if below else "none"


def _gap_text(i, lang: str) -> str:
    from ..i18n import tr

    return tr(lang, f"第{i.id}项“{i.zh}”：{i.value_text('zh')}，{i.distance_text('zh')}",
              f"indicator {i.id}, {i.en.lower()}: {i.value_text('en')}, {i.distance_text('en')}")


def _where(key: str, lang: str) -> str:
    from ..i18n import tr
    from ..indicators import INDICATORS

    spec = INDICATORS[key]
    return tr(lang, f"{_LAYER_ZH[spec.layer]}（{spec.notebook[:5]}）", f"layer {spec.layer} ({spec.notebook[:5]})")


def _why(key: str, lang: str):
    def why(c) -> str:
        from ..i18n import fmt_pct, tr

        h = _health(c)
        ind, best = h[key], first_gap(c)
        if key == best:
            return tr(lang,
                      f"它是原因，不是结果，又是原因里离及格线最远的一项（差及格线的 {fmt_pct(ind.relative_gap)}）。"
                      f"先把力气放在这里，再看第7、8项这些结果跟着变化。它的原因和做法在{_where(key, 'zh')}。",
                      f"It is a cause, not a result, and of the causes it is the furthest below its pass line "
                      f"({fmt_pct(ind.relative_gap)} of the line short). Put the effort here first, then watch the "
                      f"results, indicators 7 and 8, follow. Its causes and what to do are in {_where(key, 'en')}.")
        if key in RESULTS:
            return tr(lang,
                      f"第{ind.id}项是结果：一年的收入 ÷ 人数。收入随着其他指标的改善而增长；单靠减人把它拉上去，"
                      "不是销售的改进。问诊要先找造成它的原因。",
                      f"Indicator {ind.id} is a result: a year's revenue ÷ a head count. It rises as the other "
                      "indicators improve; pushing it up by cutting people is no sales improvement. A check-up looks "
                      "for the cause first.")
        other = h[best]
        return tr(lang,
                  f"它也是原因，也低于及格线（差及格线的 {fmt_pct(ind.relative_gap)}），但第{other.id}项“{other.zh}”"
                  f"差得更多（差 {fmt_pct(other.relative_gap)}）。力气有限时，先补差得最多的原因。",
                  f"It is a cause too, and below its line ({fmt_pct(ind.relative_gap)} of the line short), but "
                  f"indicator {other.id}, {other.en.lower()}, is further below ({fmt_pct(other.relative_gap)} short). "
                  "With limited effort, tackle the cause furthest behind first.")
    return why


def _gap_options(c) -> list:
    opts = [(i.key, f"{i.id}. {i.zh}", f"{i.id}. {i.en}", _why(i.key, "zh"), _why(i.key, "en"))
            for i in (_below(c) if c is not None else [])]
    opts = opts or [("none", "没有未及格的指标", "No indicator is below its pass line",
                     "所有能计算的指标都达到了及格线：下一步是向优分线努力。",
                     "Every indicator that can be measured reaches its pass line: the next step is the excellent line.")]
    return opts + [("all", "不分先后，所有差距一起补", "All of them at once",
                    "力气有限，一起补等于哪一项都补不好；问诊的用处就是找出先做什么。",
                    "Effort is limited: tackling everything at once means tackling nothing well. The point of a "
                    "check-up is to find what to do first.")]


def _gap_case(lang: str):
    def case(c) -> str:
        from ..i18n import tr

        if c is None:
            return ""
        below = _below(c)
        if not below:
            return tr(lang, "这个客户没有未及格的指标。", "This client has no indicator below its pass line.")
        head = tr(lang, f"{_health(c).period.label} 未及格的指标（按离及格线的相对差距，从远到近）：",
                  f"The indicators below their pass line in {_health(c).period.label} (furthest first, "
                  "relative to the line):")
        if lang == "zh":
            return head + "；".join(_gap_text(i, lang) for i in below) + "。"
        return head + " " + " ".join(_gap_text(i, lang)[0].upper() + _gap_text(i, lang)[1:] + "." for i in below)
    return case


exercises.judgement(
    "00.01-first-gap",
    "如果只能先集中力气补一个差距，你先补哪一个？",
    "If you could put your effort into one gap first, which would it be?",
    case_zh=_gap_case("zh"),
    case_en=_gap_case("en"),
    options=_gap_options,
    answer=first_gap,
    how_zh="第7、8项是结果（收入 ÷ 人数），其余是原因；在未及格的原因里，找离及格线相对最远的一项。",
    how_en="Indicators 7 and 8 are results (revenue ÷ a head count), the others causes; of the causes below their "
           "line, take the one furthest from it, relative to the line.",
)
