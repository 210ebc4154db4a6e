"""The client data template: an empty workbook a coach hands to a client.

:func:`build_template` makes it from :mod:`kalib.schema` and the method's
configuration, so the template cannot drift from what the loader reads:

* a first sheet ``说明 README`` explaining every table and column in Chinese
  and English (kind, required or not, an example), and the stages with their
  win rates;
* one sheet per table, named ``"{zh} {en}"`` (e.g. ``客户 Customers``), whose
  header row is ``"{zh} {en}"`` per column (e.g. ``客户名称 Customer``): the
  loader recognises both the sheet names and the headers;
* bold frozen headers, sensible column widths, and drop-down lists or number
  ranges for stage, status, yes/no, role, decision style and scores.

The committed copy is ``data/templates/客户数据模板-client-template.xlsx``;
``python -m kalib.templates`` rewrites it (tests check it matches).

Examples
--------
>>> wb = build_template()
>>> wb.sheetnames[:3]
['说明 README', '客户 Customers', '收入 Revenue']
>>> [c.value for c in wb["客户 Customers"][1]][:2]
['客户编号 Customer ID', '客户名称 Customer']
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

from .config import Config, default_config
from .schema import FACTORS, TABLES, Column, Table

__all__ = [
    "TEMPLATE_NAME",
    "build_template",
    "write_template",
    "template_path",
    "sheet_name",
    "header",
    "workbook_values",
    "client_yml_template",
    "KIND_TEXT",
]

TEMPLATE_NAME = "客户数据模板-client-template.xlsx"

# What each column kind accepts, in both languages.
KIND_TEXT: dict[str, tuple[str, str]] = {
    "text": ("文字", "Text"),
    "id": ("编号（按文字保存，前导零保留）", "Identifier (kept as text; leading zeros stay)"),
    "money": ("金额（可带千分位、货币符号、(1,000) 负数、万/亿）", "Amount (thousands separators, currency signs, "
                                                        "(1,000) negatives and 万/亿 accepted)"),
    "number": ("数字", "Number"),
    "rate": ("比例：35%、35 或 0.35 都表示 35%", "Share: 35%, 35 or 0.35 all mean 35%"),
    "int": ("整数", "Whole number"),
    "date": ("日期：2024-03-15、2024/3/15 或 Excel 日期", "Date: 2024-03-15, 2024/3/15 or an Excel date"),
    "bool": ("是/否", "Yes/no"),
    "status": ("状态：进行中 / 赢单 / 丢单（空白则按阶段推断）", "Status: open / won / lost (blank = from the stage)"),
    "stage": ("销售阶段（见本表下方的阶段表）", "Sales stage (see the stage list below)"),
}

# Column descriptions where the kind alone does not say enough: column name -> (zh, en).
DESCRIPTIONS: dict[str, tuple[str, str]] = {
    "customer": ("客户名称，各表须一致", "Customer name, spelled the same in every table"),
    "company_revenue": ("客户自身的年营收（看规模，不是我们的收入）", "The customer's own yearly revenue (its size, not ours)"),
    "wallet": ("客户每年在我们这类产品/服务上的采购总额估计（指标3）",
               "Estimate of the customer's yearly spend in our category (indicator 3)"),
    "segment": ("客户类型，如 央企 / 国企 / 民营 / 外资", "Kind of customer, e.g. central SOE, SOE, private, foreign"),
    "amount": ("金额；退货为负数", "Amount; returns are negative"),
    "salesperson": ("销售人员姓名，与销售人员表一致", "Salesperson's name, as in the salespeople table"),
    "owner": ("负责的销售人员", "Salesperson in charge"),
    "win_rate_override": ("销售自己判断的赢率（可空；空则用阶段赢率）",
                          "The rep's own win rate for the deal (optional; blank = the stage's rate)"),
    "expected_close": ("预计成交日期", "Expected close date"),
    "closed_date": ("实际赢单或丢单的日期", "Date the deal was actually won or lost"),
    "last_change": ("阶段最后一次变化的日期（判断停滞）", "Date the stage last changed (to spot stale deals)"),
    "snapshot_date": ("快照日期（每周一份机会表的副本）", "Date of the weekly copy of the opportunities table"),
    "hire_date": ("入职日期（判断新人）", "Hire date (to spot new people)"),
    "leave_date": ("离职日期（在职则空）", "Leave date (blank while employed)"),
    "quota": ("年度销售指标", "Yearly sales quota"),
    "core": ("是否核心产品（指标10）", "Whether a core product (indicator 10)"),
    "score": ("0–10 分：愿意向同行推荐我们的程度", "0-10: how likely to recommend us"),
    "role": ("决策角色：决策者 / 批准者 / 评估者 / 使用者 / 影响者 / 教练",
             "Role: decision maker / approver / evaluator / user / influencer / coach"),
    "influence": ("对决策的影响力", "Influence on the decision"),
    "attitude": ("对我方的态度：−2 反对 … +2 拥护", "Attitude to us: -2 opponent ... +2 champion"),
    "relationship": ("我们与其关系：0 无 … 3 盟友", "Our relationship: 0 none ... 3 ally"),
    "reports_to": ("直接上级（同一机会中的姓名）", "Direct boss (a name in the same deal)"),
    "style": ("决策风格：驾驭型 / 分析型 / 亲切型 / 表现型", "Decision style: driver / analytical / amiable / expressive"),
    "met": ("我方是否当面见过", "Whether we have met them in person"),
}
for _k, _zh, _en in FACTORS:
    DESCRIPTIONS[_k] = (f"九大成功要素之「{_zh}」的评分", f"Score of the success factor '{_en}'")

# Examples by column name (then by kind).
EXAMPLES: dict[str, str] = {
    "customer_id": "C00001", "customer": "苏州恒力汽车部件有限公司", "industry": "汽车零部件", "region": "华东",
    "employees": "2600", "company_revenue": "3,800,000,000", "wallet": "80,000,000", "segment": "民营",
    "date": "2024-03-15", "product": "HD-V550 立式加工中心", "amount": "1,250,000", "quantity": "2",
    "unit_price": "625,000", "salesperson": "张伟", "invoice_id": "INV2024-0000123",
    "opportunity_id": "OPP-00123", "name": "恒力-加工中心扩产项目", "owner": "张伟", "stage": "合格",
    "win_rate_override": "60%", "created": "2024-01-10", "expected_close": "2024-06-30", "status": "进行中",
    "closed_date": "2024-06-20", "last_change": "2024-05-06", "snapshot_date": "2024-05-06",
    "team": "大客户部", "hire_date": "2021-03-01", "leave_date": "2024-06-30", "quota": "12,000,000",
    "core": "是", "category": "数控机床", "score": "9", "respondent": "李明（设备部经理）",
    "evaluated": "2024-05-10", "evaluator": "王经理", "note": "未见到决策者",
    "person": "刘总", "title": "生产副总", "role": "决策者", "influence": "5", "attitude": "1",
    "relationship": "2", "reports_to": "陈董", "style": "驾驭型", "met": "是",
}
for _k, _zh, _en in FACTORS:
    EXAMPLES[_k] = "4"

_TITLE = "客户数据模板 · Client data template"
_INTRO = (
    ("每个数据表一个工作表；有哪些就填哪些，没有的表留空即可。", "One sheet per table; fill in what you have and leave the "
                                                        "other sheets empty."),
    ("请保留第一行表头；列的顺序可以调整，多余的列会被忽略。", "Keep the header row; columns may be reordered, extra "
                                                     "columns are ignored."),
    ("也可以每个表单独存一个 CSV/XLSX 文件，文件名用表名（如 销售机会.csv）。", "Each table may also be its own CSV/XLSX file "
                                                             "named after the table (e.g. opportunities.csv)."),
    ("客户的基本信息（行业、员工数、销售目标、币种）写在 client.yml 中：kalib new 会生成一份带说明的。",
     "The client's settings (industry, employees, sales target, currency) go in client.yml: `kalib new` writes "
     "a commented one."),
    ("金额使用 client.yml 中的币种和单位；带「必填」的列必须有。",
     "Amounts are in the currency and unit of client.yml; columns marked required must be present."),
)
_README_HEAD = ("表 Table", "列 Column", "类型 Kind", "必填 Required", "说明 Description", "示例 Example")
_STAGE_HEAD = ("阶段 Stage", "步骤 Step", "赢率 Win rate", "结果 Status", "进入条件 Outcome to enter it")


def sheet_name(table: Table) -> str:
    """``"客户 Customers"``: the sheet of a table (at most 31 characters, Excel's limit)."""
    return f"{table.zh} {table.en}"[:31]


def header(col: Column) -> str:
    """``"客户名称 Customer"``: a column's header in the template."""
    return f"{col.zh} {col.en}"


def template_path() -> Path:
    """Where the committed template lives in the repository."""
    return Path(__file__).resolve().parent.parent / "data" / "templates" / TEMPLATE_NAME


def _example(col: Column) -> str:
    return EXAMPLES.get(col.name, {"date": "2024-03-15", "money": "100,000", "int": "10", "number": "1",
                                   "rate": "50%", "bool": "是", "id": "A001"}.get(col.kind, ""))


def _description(col: Column) -> str:
    zh, en = DESCRIPTIONS.get(col.name, ("", ""))
    kzh, ken = KIND_TEXT[col.kind]
    if zh:
        return f"{zh}。{kzh}\n{en}. {ken}"
    return f"{kzh}\n{ken}"


def _lists(cfg: Config) -> dict[str, list[str]]:
    """Drop-down values by column name (Chinese names, as the loader and the analyses read them)."""
    out: dict[str, list[str]] = {
        "stage": [s["zh"] for s in cfg.stages()],
        "status": ["进行中", "赢单", "丢单"],
        "core": ["是", "否"],
        "met": ["是", "否"],
    }
    try:
        pm = cfg.section("deals").get("power_map") or {}
    except Exception:  # a configuration without the deals section
        pm = {}
    if pm.get("roles"):
        out["role"] = [r.get("zh") or k for k, r in pm["roles"].items()]
    if pm.get("styles"):
        out["style"] = [s.get("zh") or k for k, s in pm["styles"].items()]
    return out


def _ranges(cfg: Config) -> dict[str, tuple[int, int]]:
    """Whole-number ranges by column name (scores and the power-map scales)."""
    out: dict[str, tuple[int, int]] = {"score": (0, 10)}
    try:
        deals = cfg.section("deals")
    except Exception:
        deals = {}
    scale = deals.get("scale") or {"min": 1, "max": 5}
    for k, _, _ in FACTORS:
        out[k] = (int(scale.get("min", 1)), int(scale.get("max", 5)))
    pm = deals.get("power_map") or {}
    for k, default in (("influence", (1, 5)), ("attitude", (-2, 2)), ("relationship", (0, 3))):
        r = pm.get(k) or {}
        out[k] = (int(r.get("min", default[0])), int(r.get("max", default[1])))
    return out


def build_template(config: Config | None = None):
    """The template workbook (an :class:`openpyxl.Workbook`), built from the schema and ``config``."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    cfg = config or default_config()
    bold = Font(bold=True)
    head_fill = PatternFill("solid", fgColor="DDEBF7")
    table_fill = PatternFill("solid", fgColor="F2F2F2")
    wrap = Alignment(wrap_text=True, vertical="top")

    wb = Workbook()
    ws = wb.active
    ws.title = "说明 README"
    ws.append([_TITLE])
    ws["A1"].font = Font(bold=True, size=14)
    for zh, en in _INTRO:
        ws.append([zh, None, None, None, en])
    ws.append([])
    ws.append(list(_README_HEAD))
    for cell in ws[ws.max_row]:
        cell.font, cell.fill = bold, head_fill
    for t in TABLES.values():
        need = ""
        if t.one_of:
            groups = " 或 ".join("+".join(t.column(c).zh for c in g) for g in t.one_of)
            groups_en = " or ".join("+".join(t.column(c).en for c in g) for g in t.one_of)
            need = f"（须有 {groups}）/ (needs {groups_en})"
        ws.append([sheet_name(t), None, None, None, f"{t.doc} {need}".strip()])
        for cell in ws[ws.max_row]:
            cell.font, cell.fill = bold, table_fill
        for col in t.columns:
            ws.append([sheet_name(t), header(col), f"{KIND_TEXT[col.kind][0]} / {col.kind}",
                       "必填 required" if col.required else "可选 optional", _description(col), _example(col)])
            for cell in ws[ws.max_row]:
                cell.alignment = wrap
    ws.append([])
    ws.append(["销售阶段（默认，可在 client.yml 中改名或改赢率）· Stages (defaults; rename or re-rate them in client.yml)"])
    ws.cell(ws.max_row, 1).font = bold
    ws.append(list(_STAGE_HEAD))
    for cell in ws[ws.max_row]:
        cell.font, cell.fill = bold, head_fill
    for st in cfg.stages():
        ws.append([f"{st['zh']} {st['en']}", st.get("step"), st["win_rate"], st["status"],
                   f"{st.get('outcome_zh', '')}\n{st.get('outcome_en', '')}".strip()])
        ws.cell(ws.max_row, 3).number_format = "0%"
        ws.cell(ws.max_row, 5).alignment = wrap
    for letter, width in zip("ABCDEF", (26, 30, 26, 14, 70, 26)):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A2"

    lists = _lists(cfg)
    ranges = _ranges(cfg)
    for t in TABLES.values():
        s = wb.create_sheet(sheet_name(t))
        s.append([header(c) for c in t.columns])
        for i, col in enumerate(t.columns, 1):
            cell = s.cell(1, i)
            cell.font, cell.fill = bold, head_fill
            letter = get_column_letter(i)
            s.column_dimensions[letter].width = max(14, min(40, 2 * len(col.zh) + len(col.en) + 4))
            area = f"{letter}2:{letter}5000"
            if col.name in lists:
                dv = DataValidation(type="list", formula1='"' + ",".join(lists[col.name]) + '"', allow_blank=True,
                                    showErrorMessage=False)
                dv.promptTitle, dv.prompt = col.zh, f"{col.zh} · {col.en}"
                s.add_data_validation(dv)
                dv.add(area)
            elif col.name in ranges:
                lo, hi = ranges[col.name]
                dv = DataValidation(type="whole", operator="between", formula1=str(lo), formula2=str(hi),
                                    allow_blank=True, showErrorMessage=True)
                dv.errorTitle, dv.error = col.zh, f"{lo}–{hi}"
                s.add_data_validation(dv)
                dv.add(area)
        s.freeze_panes = "A2"
    fixed = dt.datetime(2024, 1, 1)
    wb.properties.creator = "kalib"
    wb.properties.title = _TITLE
    wb.properties.created = fixed
    wb.properties.modified = fixed
    return wb


def write_template(path: str | Path, config: Config | None = None) -> Path:
    """Write the template workbook to ``path`` (same content, same bytes)."""
    from .demo import save_workbook_deterministic

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    save_workbook_deterministic(build_template(config), path)
    return path


def client_yml_template(name: str, *, industry: str = "manufacturing", config: Config | None = None) -> str:
    """A commented ``client.yml`` for a new client: every setting, explained in Chinese and English.

    >>> import yaml
    >>> text = client_yml_template("华东精工")
    >>> sorted(yaml.safe_load(text))[:4]
    ['amount_unit', 'as_of', 'columns', 'currency']
    """
    cfg = config or default_config()
    q = '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
    stage_lines = "\n".join(
        f"#   {st['key']:<11} {st['zh']} {st['en']} ({st['win_rate']:.0%}, {st['status']})" for st in cfg.stages()
    )
    table_lines = "\n".join(f"#   {t.name:<14} {t.zh} {t.en}" for t in TABLES.values())
    return f"""\
# client.yml: 客户设置 · the client's settings for kalib
# 填好后运行 `kalib check <本文件夹>` 检查数据。Fill in, then run `kalib check <this folder>`.
# 以 # 开头的行是说明，可以删除。Lines starting with # are comments.

# 客户名称 · client name
name: {q}

# 行业：manufacturing（制造业）或 services（服务业），决定十大健康指标的及格线
# industry: manufacturing | services; picks the lines of the ten health indicators
industry: {industry}

# 币种：文件中金额的币种（RMB、USD、EUR……）· currency of the amounts in the files
currency: RMB
# 汇率：1 单位上述币种 = 多少元人民币（人民币填 1）· RMB per unit of that currency (1 for RMB)
fx_to_rmb: 1

# 全体员工数（指标8：企业人均产值）· all employees (indicator 8, output per employee)
employees:            # 例 e.g. 720
# 年度销售目标，按上面的币种和金额单位（指标6：储备销售机会）
# yearly sales target, in the currency and unit above (indicator 6, pipeline reserve)
sales_target:         # 例 e.g. 330000000

# 分析期间（空 = as_of 之前最后一个完整年度）· analysis period (blank = the last full year)
#   2024 | FY2024 | 2024-Q3 | 2024-05 | 2024-01-01..2024-06-30 | last-12-months
period:
# 分析基准日（空 = 数据中最晚的日期）· analyse as of this date (blank = the latest date in the data)
as_of:                # 例 e.g. "2024-12-31"
# 财年起始月（1 = 一月）· first month of the fiscal year (1 = January)
fiscal_year_start: 1
# 报告语言 · language of the reports: zh | en
language: zh

# 日期顺序，只用于 03/04/2024 这类有歧义的日期 · order of ambiguous dates like 03/04/2024: ymd | mdy | dmy
date_format: ymd
# 金额单位 · unit of the amounts in the files: 元 | 千 | 万 | 百万 | 亿
amount_unit: 元

# 文件与表的对应，只在文件名或工作表名认不出时需要 · which file or sheet holds which table,
# only when kalib does not recognise its name. Tables:
{table_lines}
files: {{}}
#   opportunities: 2024商机导出.xlsx
#   revenue: 开票明细

# 列名映射，只在表头认不出时需要：表 → {{你的表头: kalib 列名}}（列名见数据模板的「说明」页）
# column mapping, only for headers kalib does not recognise: table -> {{your header: kalib column}}
columns: {{}}
#   opportunities:
#     合同额（美元）: amount
#     项目负责人: owner
#   revenue:
#     服务项目: product

# 阶段映射：你的阶段名 → kalib 的阶段 · your stage names -> kalib's stages:
{stage_lines}
stages: {{}}
#   初步接触: identified
#   方案报价: solution

# 方法参数的覆盖，键与 kalib/method.yaml 相同 · overrides of the method's numbers (same keys as kalib/method.yaml)
overrides: {{}}
#   indicators:
#     win_rate:
#       lines: {{manufacturing: {{pass: 0.30}}}}
#   stages:
#     rates: {{qualified: 0.4}}
"""


def workbook_values(wb_or_path: Any) -> dict[str, list[tuple]]:
    """Every sheet's cell values (for comparing a committed template with a fresh one)."""
    from openpyxl import Workbook, load_workbook

    wb = wb_or_path if isinstance(wb_or_path, Workbook) else load_workbook(wb_or_path)
    return {ws.title: [tuple(row) for row in ws.iter_rows(values_only=True)] for ws in wb.worksheets}


def main(argv: list[str] | None = None) -> int:
    """``python -m kalib.templates [PATH]``: rewrite the committed template."""
    args = sys.argv[1:] if argv is None else argv
    path = write_template(args[0] if args else template_path())
    print(path)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
