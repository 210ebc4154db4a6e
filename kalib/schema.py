"""The input contract: the tables a client may give, their columns and their names.

Every analysis reads the *canonical* column names defined here.  The loader
(:mod:`kalib.io`) maps a client's headers onto them: English, Chinese,
Salesforce (report labels and API names) and HubSpot names are recognised;
anything else is mapped in ``client.yml``.

Column kinds
------------
``text``     free text, stripped; blank is missing.
``id``       an identifier, kept as text exactly (leading zeros survive).
``money``    an amount in the client's currency, converted to RMB on load;
             accepts thousands separators, currency signs, (1,000) negatives,
             and 万/亿 suffixes or a declared unit.
``number``   a plain number.
``rate``     a share: ``35%``, ``35`` or ``0.35`` all mean 0.35.
``int``      a whole number.
``date``     ISO, Y/M/D, M/D/Y or D/M/Y (as declared), Excel serial numbers.
``bool``     yes/no, 是/否, true/false, 1/0, Y/N, √/×.
``status``   won / lost / open (赢单/丢单/进行中 and CRM variants).
``stage``    a stage name, mapped to a stage key of the configuration.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .config import normalise_label

__all__ = ["Column", "Table", "TABLES", "TABLE_ORDER", "header_lookup", "table_lookup"]


@dataclass(frozen=True)
class Column:
    name: str
    kind: str
    zh: str
    en: str
    required: bool = False
    aliases: tuple[str, ...] = ()
    doc: str = ""
    # Headers that win when a file has several columns meaning this one (an export system's more precise
    # field; the loader says which it used). Without one, several columns for one field are an error.
    preferred: tuple[str, ...] = ()


@dataclass(frozen=True)
class Table:
    name: str
    zh: str
    en: str
    columns: tuple[Column, ...]
    key: str | None = None  # column whose values must be unique
    aliases: tuple[str, ...] = ()
    doc: str = ""
    # Alternatives: at least one group must be fully present (e.g. amount, or quantity and unit_price).
    one_of: tuple[tuple[str, ...], ...] = field(default=())

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


C = Column

CUSTOMERS = Table(
    "customers", "客户", "Customers",
    (
        C("customer_id", "id", "客户编号", "Customer ID",
          aliases=("客户id", "客户代码", "accountid", "account id", "id", "record id", "company id", "account number", "accountnumber")),
        C("customer", "text", "客户名称", "Customer", required=True,
          aliases=("客户", "客户名", "公司名称", "单位名称", "account name", "account", "name", "company name", "company", "accountname")),
        C("industry", "text", "行业", "Industry", aliases=("所属行业", "industry")),
        C("region", "text", "区域", "Region", aliases=("地区", "省份", "billingstate", "billing state/province", "state/region")),
        C("employees", "int", "员工人数", "Employees",
          aliases=("员工数", "人数", "规模人数", "numberofemployees", "number of employees", "employees")),
        C("company_revenue", "money", "客户营收", "Company revenue",
          aliases=("企业营收", "年营收", "营业收入", "annualrevenue", "annual revenue")),
        C("wallet", "money", "品类采购额估计", "Wallet estimate",
          aliases=("钱包份额估计", "采购额估计", "年采购额", "品类年采购额", "wallet", "wallet estimate", "category spend", "share of wallet base")),
        C("segment", "text", "客户类型", "Segment", aliases=("客户类别", "类型", "type", "segment", "企业性质")),
    ),
    key="customer",
    aliases=("客户", "客户表", "客户清单", "account", "accounts", "companies", "company"),
    doc="One row per customer; the wallet estimate (the customer's yearly spend in our category) enables indicator 3.",
)

REVENUE = Table(
    "revenue", "收入", "Revenue",
    (
        C("date", "date", "日期", "Date", required=True,
          aliases=("开票日期", "收入日期", "交易日期", "订单日期", "发货日期", "invoice date", "order date", "transaction date")),
        C("customer", "text", "客户名称", "Customer",
          aliases=("客户", "客户名", "account name", "account", "company")),
        C("product", "text", "产品", "Product", aliases=("产品名称", "品名", "product name", "item", "sku")),
        C("amount", "money", "金额", "Amount",
          aliases=("收入", "收入金额", "销售额", "销售金额", "含税金额", "开票金额", "revenue", "sales", "net amount", "value")),
        C("quantity", "number", "数量", "Quantity", aliases=("销量", "qty", "quantity")),
        C("unit_price", "money", "单价", "Unit price", aliases=("价格", "unitprice", "price", "unit price")),
        C("salesperson", "text", "销售员", "Salesperson",
          aliases=("负责人", "销售人员", "业务员", "销售", "owner", "sales rep", "rep", "owner name")),
        C("invoice_id", "id", "单据编号", "Invoice ID", aliases=("发票号", "订单号", "单号", "invoice", "order id")),
    ),
    aliases=("收入", "收入明细", "销售明细", "销售收入", "开票", "sales", "invoices", "orders"),
    one_of=(("amount",), ("quantity", "unit_price")),
    doc="One row per sale (customer, product, date); an amount, or quantity and unit price. Returns are negative.",
)

_OPP_COLUMNS = (
    C("opportunity_id", "id", "机会编号", "Opportunity ID", required=True,
      aliases=("商机编号", "机会id", "商机id", "项目编号", "id", "opportunity id", "record id", "deal id", "opportunityid")),
    C("customer", "text", "客户名称", "Customer",
      aliases=("客户", "客户名", "account name", "account", "accountid", "account id", "company", "associated company")),
    C("name", "text", "机会名称", "Opportunity",
      aliases=("商机名称", "项目名称", "机会", "opportunity name", "opportunity", "deal name", "dealname")),
    C("owner", "text", "负责人", "Owner",
      aliases=("销售员", "销售人员", "业务员", "销售", "商机负责人", "ownerid", "owner id", "opportunity owner", "deal owner",
               "owner name", "hubspot_owner_id")),
    C("product", "text", "产品", "Product", aliases=("产品名称", "product name", "product__c", "product")),
    C("amount", "money", "金额", "Amount",
      aliases=("预计金额", "商机金额", "机会金额", "合同金额", "amount", "deal amount", "expected revenue")),
    C("stage", "stage", "销售阶段", "Stage", required=True,
      aliases=("阶段", "商机阶段", "stagename", "stage name", "stage", "deal stage", "dealstage")),
    C("win_rate_override", "rate", "赢率", "Win-rate override",
      aliases=("赢率(销售填写)", "销售赢率", "可能性", "可能性(%)", "probability", "probability (%)", "deal probability",
               "hs_deal_stage_probability")),
    C("created", "date", "创建日期", "Created",
      aliases=("创建时间", "立项日期", "createddate", "created date", "create date", "createdate")),
    C("expected_close", "date", "预计成交日期", "Expected close",
      aliases=("预计签约日期", "预计关闭日期", "预计结单日期", "成交日期", "closedate", "close date")),
    C("status", "status", "状态", "Status",
      aliases=("结果", "商机状态", "iswon", "is won", "won", "deal status")),
    C("closed_date", "date", "关闭日期", "Closed date",
      aliases=("结单日期", "签约日期", "实际成交日期", "closed", "closed date", "date closed", "closed_date")),
    C("last_change", "date", "最后更新", "Last change",
      aliases=("最后修改日期", "更新日期", "lastmodifieddate", "last modified date", "last modified", "stage change date",
               "laststagechangedate", "hs_lastmodifieddate"),
      # Salesforce exports both: the stage change is the deal's own last move; any edit changes LastModifiedDate.
      preferred=("laststagechangedate", "stage change date")),
)

OPPORTUNITIES = Table(
    "opportunities", "销售机会", "Opportunities", _OPP_COLUMNS, key="opportunity_id",
    aliases=("销售机会", "商机", "机会", "商机列表", "opportunity", "opportunities", "deals", "pipeline"),
    one_of=(("amount",),),
    doc="One row per opportunity. A rep's own win rate (override) is optional; status is won/lost/open "
        "(derived from the stage when blank).",
)

SNAPSHOTS = Table(
    "snapshots", "机会快照", "Opportunity snapshots",
    (C("snapshot_date", "date", "快照日期", "Snapshot date", required=True,
       aliases=("周", "盘点日期", "snapshot", "as of", "week", "snapshot date")),) + _OPP_COLUMNS,
    aliases=("机会快照", "快照", "周快照", "snapshot", "snapshots", "pipeline history", "opportunity history"),
    doc="Weekly copies of the opportunities table, one row per opportunity per snapshot date.",
)

SALESPEOPLE = Table(
    "salespeople", "销售人员", "Salespeople",
    (
        C("salesperson", "text", "姓名", "Salesperson", required=True,
          aliases=("销售员", "销售人员", "负责人", "员工姓名", "name", "full name", "owner", "user", "rep")),
        C("team", "text", "团队", "Team", aliases=("部门", "小组", "区域团队", "department", "team", "role")),
        C("hire_date", "date", "入职日期", "Hire date", aliases=("入职时间", "hire date", "start date")),
        C("leave_date", "date", "离职日期", "Leave date", aliases=("离职时间", "end date", "leave date")),
        C("quota", "money", "年度指标", "Annual quota", aliases=("销售指标", "指标", "任务", "quota", "target", "annual quota")),
    ),
    key="salesperson",
    aliases=("销售人员", "销售团队", "人员", "salespeople", "sales team", "reps", "users", "team"),
    doc="One row per salesperson, with team, hire date, leave date (if gone) and annual quota.",
)

PRODUCTS = Table(
    "products", "产品", "Products",
    (
        C("product", "text", "产品", "Product", required=True,
          aliases=("产品名称", "品名", "product name", "name", "product")),
        C("core", "bool", "核心产品", "Core", aliases=("是否核心", "核心", "core", "is core", "core product")),
        C("category", "text", "产品线", "Category", aliases=("类别", "产品类别", "category", "family", "product family")),
        C("list_price", "money", "目录价", "List price",
          aliases=("标准价", "标准单价", "目录单价", "listprice", "list price", "standard price")),
    ),
    key="product",
    aliases=("产品", "产品表", "产品清单", "products", "product", "catalog"),
    doc="One row per product; core products (核心产品) are what indicator 10 looks at; the list price can value "
        "open deals that have no amount (`amount_from_list_price: true`).",
)

NPS = Table(
    "nps", "NPS调查", "NPS answers",
    (
        C("date", "date", "日期", "Date", aliases=("调查日期", "答卷日期", "survey date", "response date", "date")),
        C("customer", "text", "客户名称", "Customer", aliases=("客户", "account", "company")),
        C("score", "int", "评分", "Score", required=True,
          aliases=("推荐分", "推荐意愿", "分数", "nps", "nps score", "score", "rating")),
        C("respondent", "text", "答卷人", "Respondent", aliases=("联系人", "respondent", "contact")),
    ),
    aliases=("nps", "nps调查", "客户满意度", "净推荐值", "survey", "nps answers"),
    doc="One row per survey answer: how likely (0-10) the respondent is to recommend us.",
)

# The nine success factors, as columns of the deal-scores table (one row per deal).
FACTORS = (
    ("process", "销售进程", "Sales process"),
    ("buying_factors", "购买因素", "Buying factors"),
    ("pricing", "销售定价", "Pricing"),
    ("power_map", "决策权力图", "Decision power map"),
    ("decision_style", "决策风格", "Decision style"),
    ("theme", "销售主题", "Sales theme"),
    ("negotiation", "谈判力", "Negotiation"),
    ("efficiency", "效能销售", "Sales efficiency"),
    ("qualification", "销售判定", "Qualification"),
)

DEAL_SCORES = Table(
    "deal_scores", "要素评分", "Deal factor scores",
    (
        C("opportunity_id", "id", "机会编号", "Opportunity ID", required=True,
          aliases=("商机编号", "机会id", "opportunity id", "deal id", "id")),
        C("evaluated", "date", "评估日期", "Evaluated", aliases=("评分日期", "evaluated", "date")),
        C("evaluator", "text", "评估人", "Evaluator", aliases=("评分人", "evaluator", "coach")),
    ) + tuple(C(k, "number", zh, en, aliases=(zh, en, f"{i}. {zh}")) for i, (k, zh, en) in enumerate(FACTORS, 1))
    + (C("note", "text", "备注", "Note", aliases=("说明", "note", "notes", "comment")),),
    key="opportunity_id",
    aliases=("要素评分", "九要素", "九大要素", "成功要素", "deal scores", "factor scores", "scores"),
    doc="One row per evaluated deal: the nine success factors scored on the configured scale (blank = not scored).",
)

STAKEHOLDERS = Table(
    "stakeholders", "决策人", "Stakeholders",
    (
        C("opportunity_id", "id", "机会编号", "Opportunity ID", required=True,
          aliases=("商机编号", "机会id", "opportunity id", "deal id")),
        C("person", "text", "姓名", "Name", required=True, aliases=("联系人", "name", "contact", "person", "full name")),
        C("title", "text", "职务", "Title", aliases=("职位", "title", "job title", "position")),
        C("role", "text", "决策角色", "Role",
          aliases=("角色", "buying role", "role", "contact role", "buying influence")),
        C("influence", "number", "影响力", "Influence", aliases=("影响", "influence", "power")),
        C("attitude", "number", "态度", "Attitude", aliases=("对我方态度", "支持度", "attitude", "support")),
        C("relationship", "number", "关系强度", "Relationship",
          aliases=("关系", "关系程度", "relationship", "relationship strength")),
        C("reports_to", "text", "上级", "Reports to", aliases=("汇报给", "直接上级", "reports to", "manager", "reportsto")),
        C("style", "text", "决策风格", "Decision style", aliases=("风格", "style", "decision style", "social style")),
        C("met", "bool", "已会面", "Met", aliases=("是否见过", "已见面", "met", "met in person")),
    ),
    aliases=("决策人", "决策链", "权力图", "决策权力图", "联系人", "stakeholders", "contacts", "buying center", "power map"),
    doc="One row per person in a deal's buying centre: role, influence, attitude to us, our relationship, "
        "reporting line and decision style.",
)

TABLES: dict[str, Table] = {
    t.name: t for t in (CUSTOMERS, REVENUE, OPPORTUNITIES, SNAPSHOTS, SALESPEOPLE, PRODUCTS, NPS, DEAL_SCORES, STAKEHOLDERS)
}
TABLE_ORDER = list(TABLES)


def header_lookup(table: Table) -> dict[str, str]:
    """Normalised header -> canonical column, for one table.

    >>> header_lookup(TABLES["opportunities"])["stagename"]
    'stage'
    >>> header_lookup(TABLES["opportunities"])["预计成交日期"]
    'expected_close'
    """
    out: dict[str, str] = {}
    for col in table.columns:
        for name in (col.name, col.zh, col.en, f"{col.zh}{col.en}", f"{col.zh}({col.en})", *col.aliases):
            out.setdefault(normalise_label(name), col.name)
    return out


def table_lookup() -> dict[str, str]:
    """Normalised file or sheet name -> table name."""
    out: dict[str, str] = {}
    for t in TABLES.values():
        for name in (t.name, t.zh, t.en, *t.aliases):
            out.setdefault(normalise_label(name), t.name)
    return out


_KIND_WORDS = {
    "text": "text", "id": "identifier (kept as text)", "money": "amount", "number": "number", "rate": "percentage",
    "int": "whole number", "date": "date", "bool": "yes/no", "status": "won/lost/open", "stage": "stage name",
}


def markdown_reference() -> str:
    """The data-format reference (one table per input table), as Markdown for the README.

    ``make docs`` writes it into README.md between the data-format markers.
    """
    lines: list[str] = []
    for t in TABLES.values():
        names = ", ".join(f"`{a}`" for a in dict.fromkeys((t.zh, t.name, *t.aliases[:5])))
        lines += [f"#### {t.zh} · {t.en} (`{t.name}`)", "", t.doc, "", f"File or sheet names recognised: {names}.",
                  ""]
        if t.one_of:
            alts = " or ".join(" + ".join(f"`{c}`" for c in g) for g in t.one_of)
            lines += [f"Needs {alts}.", ""]
        lines += ["| column | 中文表头 | English header | kind | required | also recognised |", "|---|---|---|---|---|---|"]
        for c in t.columns:
            also = ", ".join(f"`{a}`" for a in c.aliases[:6])
            lines.append(f"| `{c.name}` | {c.zh} | {c.en} | {_KIND_WORDS[c.kind]} | {'yes' if c.required else ''} "
                         f"| {also} |")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def update_readme(path: str = "README.md") -> bool:
    """Rewrite the README's data-format section from the schema; True if it changed."""
    from pathlib import Path

    p = Path(path)
    text = p.read_text(encoding="utf-8")
    start, end = "<!-- data-format:start -->", "<!-- data-format:end -->"
    if start not in text or end not in text:
        raise ValueError(f"{path} has no {start} ... {end} markers")
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    new = f"{head}{start}\n{markdown_reference()}{end}{tail}"
    if new != text:
        p.write_text(new, encoding="utf-8")
        return True
    return False
