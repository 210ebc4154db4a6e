"""Exercises of notebook 00.00, the start page: the shape of the method and of a notebook."""

from __future__ import annotations

from . import ExerciseSet, hint

exercises = ExerciseSet(__name__)

exercises.numeric(
    "00.00-indicator-count",
    "这门课用多少项健康指标给一家 to-B 企业“体检”？",
    "How many health indicators does the course use to check a to-B company?",
    how_zh="上面“课程地图”的第一行写着：先用十大健康指标给公司做一次健康度问诊。",
    how_en="The first row of the map of the course above says it: the health check-up uses ten health indicators.",
    answer=lambda c: len((c.config if c is not None else __import__("kalib").default_config()).indicator_keys()),
    unit="count",
    tol=0.0,
    hints=[
        hint("4 是层级的数量（四个层级）。", "4 is the number of layers (the four layers).", when=4),
        hint("9 是九大成功要素，用来评估单个销售机会。",
             "9 is the nine success factors, used to assess a single deal.", when=9),
        hint("8 是八步：销售过程的八个里程碑。", "8 is the eight steps: the eight milestones of a sale.", when=8),
        hint("看上面“课程地图”里的健康度问诊。", "See the health check-up in the map of the course above."),
    ],
    explain_zh="十大健康指标（及格线与优分线）是 00.01 健康度问诊的内容。",
    explain_en="The ten health indicators (pass and excellent lines) are the subject of 00.01, the health check-up.",
)

_LAYERS = [
    ("layer1", "第一层：始终瞄准客户需求", "Layer 1: aim at customer needs"),
    ("layer2", "第二层：如何销售", "Layer 2: how to sell"),
    ("layer3", "第三层：如何管理销售", "Layer 3: how to manage sales"),
    ("layer4", "第四层：构建致力于成功的销售团队", "Layer 4: build a team committed to success"),
]

exercises.choice(
    "00.00-kanban-layer",
    "销售看板和赢率模型属于哪个层级？",
    "Which layer do the sales kanban and the win-rate model belong to?",
    how_zh="看上面的“课程地图”：赢率模型和销售看板都在第三层“如何管理销售”里。",
    how_en="In the map of the course above, the win-rate model and the sales boards sit in layer 3, "
           "how to manage sales.",
    options=_LAYERS,
    answer="layer3",
    hints=[
        hint("如何销售讲的是销售人员自己的方法论；看板是管理者用来管理全部机会的工具。",
             "How to sell is the salesperson's own method; the kanban is a tool managers use to manage every "
             "opportunity.", when="layer2"),
        hint("团队层级讲的是人：职业、人才、领导力和绩效支持。",
             "The team layer is about people: profession, talent, leadership and performance support.",
             when="layer4"),
        hint("客户需求层级讲的是客户的核心问题，不是我们的管理工具。",
             "The customer-needs layer is about the customer's core problem, not our management tools.",
             when="layer1"),
    ],
    explain_zh="看板和赢率模型适合销售负责人和企业决策者共学：第三层“如何管理销售”（03.00）。",
    explain_en="The boards and the win-rate model are for sales leaders to learn together with decision makers: layer 3, "
               "how to manage sales (03.00).",
)


def _year(c) -> int:
    return int(c.period().end.year)


exercises.numeric(
    "00.00-default-period",
    lambda c: f"参数单元格里 period = None 时，本课分析的是哪一年？（数据截至 {c.as_of.date()}）",
    lambda c: f"With period = None in the parameters cell, which year does the course analyse? "
              f"(the data runs to {c.as_of.date()})",
    how_zh="参数单元格的注释写着：None 就是数据截止日期之前最后一个完整年度。",
    how_en="The comment in the parameters cell says it: None is the last full year before the date the data runs to.",
    answer=_year,
    unit="year",
    tol=0.0,
    hints=[
        hint("数据截止的那一年还没有过完：None 表示截止日期之前最后一个完整的年度。",
             "The year the data ends in is not over yet: None means the last full year before the as-of date.",
             when=lambda c: int(c.as_of.year) if _year(c) != int(c.as_of.year) else None),
        hint("看参数单元格的注释：None 表示“最后一个完整年度”。",
             "Read the comment in the parameters cell: None means the last full year."),
    ],
)


def _open_deals(c) -> tuple[int, float]:
    o = c.tables["opportunities"]
    open_ = o[o["status"] == "open"]
    return len(open_), float(open_["amount"].sum())


def _case_zh(c) -> str:
    from ..i18n import fmt_rmb

    n, amount = _open_deals(c)
    return (f"{c.name}现在有 {n} 个在跟销售机会，金额合计 {fmt_rmb(amount, 'zh')}。老板说：“销售过程就是个黑匣子，"
            "每个季度到底能签多少，谁也说不准。”")


def _case_en(c) -> str:
    from ..i18n import fmt_rmb

    n, amount = _open_deals(c)
    return (f"{c.name} has {n} open opportunities worth {fmt_rmb(amount, 'en')} in all. The owner says: \"Our sales "
            "process is a black box: nobody can say how much we will sign this quarter.\"")


exercises.judgement(
    "00.00-black-box",
    "课程里哪一层的工具最先回答老板的这个问题？",
    "Which layer of the course answers the owner's question first?",
    case_zh=lambda c: _case_zh(c) if c is not None else "",
    case_en=lambda c: _case_en(c) if c is not None else "",
    options=[
        ("layer1", "第一层：始终瞄准客户需求", "Layer 1: aim at the customer's needs",
         "瞄准客户需求决定我们卖什么、怎样体现真价值，但它不告诉你这个季度能签多少。",
         "Aiming at the customer's needs decides what we sell and how we show real value, but it does not say how "
         "much will be signed this quarter."),
        ("layer2", "第二层：如何销售", "Layer 2: how to sell",
         "八步和九大成功要素让每个机会更有把握，也让阶段有证据可查，这是看板准确的前提；但“这个季度能签多少”要把全部"
         "机会放在一起看，那是第三层的看板。",
         "The eight steps and the nine success factors make each deal surer and its stage backed by evidence, which "
         "the boards rely on; but how much the quarter brings means seeing every deal together: the boards of "
         "layer 3."),
        ("layer3", "第三层：如何管理销售", "Layer 3: how to manage sales",
         "文章说，销售看板是基于赢率模型的可量化、可管理的工具：能清楚知道销售机会如何分布、期望的业绩怎么构成；看板二"
         "（销售业绩动态仪表盘）能快速知道下个重要节点到底能完成多少业绩。这就是 03.00。",
         "The article calls the sales board a quantified, manageable tool built on the win-rate model: it shows how "
         "the deals are spread and what the expected result is made of, and Board 2, the dynamic performance "
         "dashboard, shows how much the next milestone will really bring. That is 03.00."),
        ("layer4", "第四层：构建致力于成功的销售团队", "Layer 4: build a team committed to success",
         "团队的四个维度决定长期的销售能力，但回答不了这个季度能签多少。",
         "The team's four dimensions decide the sales force's ability in the long run, but they cannot say how much "
         "this quarter will bring."),
    ],
    # The article itself answers it: the sales boards (layer 3) make the result predictable.
    answer="layer3",
    how_zh="文章说，销售看板是基于赢率模型的可量化、可管理的工具；看板二能快速知道下个重要节点到底能完成多少业绩。"
           "看板和赢率模型在第三层“如何管理销售”（03.00）。",
    how_en="The article calls the sales board a quantified, manageable tool built on the win-rate model; Board 2 shows "
           "how much the next milestone will really bring. The boards and the win-rate model are layer 3, how to "
           "manage sales (03.00).",
)
