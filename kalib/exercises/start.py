"""Exercises of notebook 00.00, the start page: the shape of the method and of a notebook."""

from __future__ import annotations

from . import ExerciseSet, hint

exercises = ExerciseSet(__name__)

exercises.numeric(
    "00.00-indicator-count",
    "这门课用多少项健康指标给一家 to-B 企业“体检”？",
    "How many health indicators does the course use to check a to-B company?",
    how_zh="上面“方法一览”里的健康度问诊写着：用十大健康指标给企业体检。",
    how_en="The health check in the overview of the method above says it: ten health indicators.",
    answer=lambda c: len((c.config if c is not None else __import__("kalib").default_config()).indicator_keys()),
    unit="count",
    tol=0.0,
    hints=[
        hint("4 是层级的数量（四个层级）。", "4 is the number of layers (the four layers).", when=4),
        hint("9 是九大成功要素，用来评估单个销售机会。",
             "9 is the nine success factors, used to assess a single deal.", when=9),
        hint("8 是赢率模型的八步。", "8 is the eight steps of the win-rate model.", when=8),
        hint("看上面“方法一览”里的健康度问诊。", "See the health check in the overview of the method above."),
    ],
    explain_zh="十大健康指标（及格线与优分线）是 01.01 的内容。",
    explain_en="The ten health indicators (pass and excellent lines) are the subject of 01.01.",
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
    how_zh="看上面“方法一览”：赢率模型和销售看板都在第三层“如何管理销售”里。",
    how_en="In the overview of the method above, the win-rate model and the sales boards sit in layer 3, "
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
    explain_zh="看板和赢率模型是给销售管理者和决策者用的：第三层“如何管理销售”（03.00）。",
    explain_en="The kanban and the win-rate model serve sales leaders and decision makers: layer 3, "
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
