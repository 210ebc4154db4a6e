"""Exercises of notebook 05.00, the whole check on a client."""

from __future__ import annotations

from . import ExerciseSet, hint, per_client

exercises = ExerciseSet(__name__)


@per_client
def _health(c):
    from ..health import health_check

    return health_check(c)


exercises.numeric(
    "05.00-indicators-passed",
    lambda c: f"这个客户的十大健康指标中，有几项达到了及格线（含优分）？",
    lambda c: "How many of this client's ten health indicators reach the pass line (excellent included)?",
    how_zh="第 1 节“健康度问诊”开头那句话写着几项达到及格线，达到优分线的也算在里面。",
    how_en="The first sentence of section 1, the health check, says how many indicators reach the pass line; "
           "those at the excellent line are among them.",
    answer=lambda c: _health(c).counts()["pass"],
    unit="count",
    tol=0.0,
    hints=[
        hint("你只数了达到优分线的指标；达到及格线的也要算。",
             "You counted only those at the excellent line; those at the pass line count too.",
             when=lambda c: _health(c).counts()["excellent"]),
        hint("你数的是所有能计算的指标，包括未及格的。",
             "You counted every indicator that could be measured, including those below the line.",
             when=lambda c: _health(c).counts()["measured"]),
        hint("你数的是未及格的指标。", "You counted the indicators below the line.",
             when=lambda c: _health(c).counts()["below"]),
        hint("看第 1 节“健康度问诊”开头那句话：几项达到及格线（其中几项达到优分线）。",
             "Read the first sentence of section 1, the health check: how many reach the pass line (some of them "
             "the excellent line)."),
    ],
)


def _indicator_options(c):
    cfg = c.config if c is not None else __import__("kalib").default_config()
    opts = []
    for k in cfg.indicator_keys():
        ind = cfg.indicator(k)
        opts.append((k, f"{ind['id']}. {ind['zh']}", f"{ind['id']}. {ind['en']}"))
    return opts + [("none", "没有未及格的指标", "No indicator is below its pass line")]


def _biggest_gap(c) -> str:
    gaps = _health(c).gaps(1)
    return gaps[0].key if gaps else "none"


def _passing_hint(key: str):
    return hint("这项指标已经达到及格线了。", "That indicator already reaches its pass line.",
                when=lambda c: key if _health(c)[key].status in ("pass", "excellent") else None)


def _na_hint(key: str):
    return hint("这项指标没有数据，无法判断差距。", "That indicator has no data, so it has no gap.",
                when=lambda c: key if _health(c)[key].status == "na" else None)


exercises.choice(
    "05.00-biggest-gap",
    "按相对于及格线的差距，这个客户最需要先补的是哪项指标？",
    "Relative to its pass line, which of this client's indicators is furthest below it?",
    how_zh="第 1 节“健康度问诊”列出的“最值得关注的3个差距”，第一条就是它：按（及格线 − 数值）÷ 及格线比，它差得最多。",
    how_en="It is the first of the three largest gaps listed in section 1, the health check: compared by "
           "(pass line − value) ÷ pass line, it is furthest behind.",
    options=_indicator_options,
    answer=_biggest_gap,
    hints=[_passing_hint(k) for k in __import__("kalib").default_config().indicator_keys()]
    + [_na_hint(k) for k in __import__("kalib").default_config().indicator_keys()]
    + [hint("这项也未及格，但差距不是最大的。差距按（及格线 − 数值）÷ 及格线比较。",
            "That one is below too, but not the furthest; gaps compare (pass line − value) ÷ pass line.")],
    explain_zh="体检先找差距最大的一项，再回到对应的层级去找原因。",
    explain_en="A check starts with the largest gap, then goes back to the layer it belongs to for the causes.",
)


@per_client
def _team(c):
    from ..team import team_analysis

    return team_analysis(c)


exercises.numeric(
    "05.00-prospecting-count",
    "团队分组中，有几名销售人员需要“拓客支持”？",
    "In the team grouping, how many salespeople need prospecting support?",
    how_zh="看第 5 节“团队”的分组表：“拓客支持”那一行的人数。",
    how_en="In section 5, the team, the group table gives the number of people on the prospecting-support row.",
    answer=lambda c: int((_team(c).people["need"] == "prospecting").sum()),
    unit="people",
    tol=0.0,
    hints=[
        hint("你数的是所有储备低于储备线的人；其中赢率也低且业绩低于平均的人在“全面改进计划”组，新人在“上手期培养”组。",
             "You counted everyone below the pipeline line; those also low on win rate with below-average "
             "sales are in the performance plan, and new hires in ramp-up.",
             when=lambda c: int((_team(c).people["coverage"] < (_team(c).lines["pipeline_coverage"] or 0)).sum())),
        hint("看团队分组表中“拓客支持”一行的人数。", "Read the people count of the prospecting row in the team groups."),
    ],
)


@per_client
def _check(c):
    from ..checkup import client_check

    return client_check(c)


def _action_notebooks(c):
    from ..checkup import ACTION_SPECS

    names = sorted({s.notebook for s in ACTION_SPECS.values()})
    return [(n, n, n) for n in names]


def _first_action_notebook(c) -> str:
    acts = _check(c).sales_actions()
    return acts[0].notebook if acts else ""


def _largest_gap_home(c) -> str:
    """Where the largest gap of all is studied, when it is not the first action's notebook (a tempting answer)."""
    from ..checkup import INDICATOR_HOME

    gaps = _health(c).gaps(1)
    if not gaps:
        return "__none__"
    home = INDICATOR_HOME[gaps[0].key][1]
    return home if home != _first_action_notebook(c) else "__none__"


exercises.choice(
    "05.00-first-action-notebook",
    "结论里的第一个行动，要回到哪个笔记本去学怎么做？",
    "The first action of the conclusion: which notebook teaches how to do it?",
    how_zh="结论的每个行动最后都写着它属于哪一层、链接到哪个笔记本的哪一节；第一个行动的链接就是答案。",
    how_en="Each action of the conclusion ends with its layer and a link to the notebook section that teaches it; the "
           "first action's link is the answer.",
    options=_action_notebooks,
    answer=_first_action_notebook,
    hints=[
        hint("那是差距最大的指标所在的笔记本，但结论只列销售能改变的事：看第一个行动末尾的链接。",
             "That is where the largest gap of all is studied, but the conclusion lists only what sales can change: "
             "read the link at the end of the first action.", when=_largest_gap_home),
        hint("看“结论”一节的第 1 条：括号里“见 …”后面的链接。", "Read item 1 of the conclusion: the link after 'see'."),
    ],
    explain_zh="每个行动都指向教它的那一节：回去复习，再带着行动去周一评审会。",
    explain_en="Every action points to the section that teaches it: go back to it, then take the action to the "
               "Monday review.",
)


def _largest(c):
    gaps = _health(c).gaps(1)
    return gaps[0] if gaps else None


def _owner_options(c) -> list:
    from .health_check import RESULTS, first_gap

    big = _largest(c) if c is not None else None
    if big is None:
        return [("none", "没有未及格的指标：向优分线努力", "No indicator is below its line: aim for the excellent lines",
                 "所有能计算的指标都达到了及格线。", "Every indicator that can be measured reaches its pass line."),
                ("all", "十项一起抓，每项都定一个目标", "Tackle all ten at once, each with a target",
                 "没有未及格的指标；即使向优分线努力，也要先挑一两项。",
                 "No indicator is below its line; even aiming for the excellent lines, pick one or two first.")]
    cause = _health(c)[first_gap(c)]
    is_result = big.key in RESULTS
    opts = [("largest", f"同意：先抓第{big.id}项“{big.zh}”", f"Agree: tackle indicator {big.id}, {big.en.lower()}, first",
             (f"第{big.id}项是结果：一年的收入 ÷ 人数。要把它拉上去，要么收入增长（靠其他指标改善），要么减人，"
              "后者不是销售的改进。差得最多，不等于该先抓。") if is_result else
             f"第{big.id}项是原因，又是差得最多的一项：先抓它，它的原因和做法在后面对应的层级里。",
             (f"Indicator {big.id} is a result: a year's revenue ÷ a head count. It rises either with revenue (which "
              "the other indicators drive) or by cutting people, which is no sales improvement. Furthest behind is "
              "not the same as first to tackle.") if is_result else
             f"Indicator {big.id} is a cause and the furthest behind: tackle it first; its layer says how.")]
    if is_result and cause.key != big.key:
        opts.append(("cause", f"先抓原因：未及格的原因里差得最多的第{cause.id}项“{cause.zh}”",
                     f"Tackle a cause first: of the causes below their line, the furthest behind, indicator "
                     f"{cause.id}, {cause.en.lower()}",
                     f"对：第{big.id}项是结果，跟着原因变化；未及格的原因里，第{cause.id}项离及格线最远。先把它补上，"
                     f"再看第{big.id}项跟着变化。",
                     f"Right: indicator {big.id} is a result and follows its causes; of the causes below their line, "
                     f"indicator {cause.id} is the furthest behind. Close that gap first and watch indicator {big.id} "
                     "follow."))
    opts.append(("all", "十项一起抓，每项都定一个目标", "Tackle all ten at once, each with a target",
                 "力气有限，十项一起抓等于哪项都没抓好；问诊的用处就是找出先做什么。",
                 "Effort is limited: tackling all ten at once means tackling none well. The point of a check-up is "
                 "to find what to do first."))
    return opts


def _owner_answer(c) -> str:
    keys = [o[0] for o in _owner_options(c)]
    return "cause" if "cause" in keys else keys[0]


def _owner_case(lang: str):
    def case(c) -> str:
        from ..i18n import tr

        big = _largest(c) if c is not None else None
        if big is None:
            return ""
        return tr(lang, f"第 1 节里差距最大的是第{big.id}项“{big.zh}”：{big.value_text('zh')}，{big.distance_text('zh')}。",
                  f"The largest gap in section 1 is indicator {big.id}, {big.en.lower()}: {big.value_text('en')}, "
                  f"{big.distance_text('en')}.")
    return case


exercises.judgement(
    "05.00-owner-first",
    "老板看了诊断说：“差距最大的那一项，我们就先抓它。”你怎么回答？",
    "The owner reads the check and says: \"We tackle the largest gap first.\" What do you answer?",
    case_zh=_owner_case("zh"),
    case_en=_owner_case("en"),
    options=_owner_options,
    answer=_owner_answer,
    how_zh="先看差距最大的那一项是原因还是结果（第7、8项是一年的收入 ÷ 人数，是结果）。",
    how_en="First ask whether the largest gap is a cause or a result (indicators 7 and 8, a year's revenue ÷ a head "
           "count, are results).",
)
