"""The ten health indicators (十大健康指标): how far is the client from the pass line
(及格线) and the excellent line (优分线)?

Two entry points, one assessment:

:func:`health_check`
    computes the ten indicators from a client's data for a period (default:
    the last full year), exactly as METHOD.md defines them, with what each was
    computed from (``detail``), and assesses them against the industry's lines.
:func:`evaluate`
    assesses values entered by hand (a trainee's self-assessment, the live
    widget) through the same code.

Both return a :class:`HealthResult`: one :class:`Indicator` per indicator with
its value, lines, status (``below`` / ``pass`` / ``excellent`` / ``na``), the
reason when not available, and the distance to each line in the indicator's
own unit (points for shares, RMB for money, × for ratios, and for indicator 6
the extra pipeline needed in RMB); ``.summary(lang)`` words the overall reading
and the three gaps that matter most for a business owner.

Shares are fractions (0.38 = 38%), money is RMB, indicator 6 is a multiple of
the target.  Lines come from the client's configuration
(``indicators.<key>.lines.<industry>`` in :file:`kalib/method.yaml`); an
excellent line that is null is not shown.  Missing data is never 0: an
indicator without the data it needs is "not available", with the reason.

Examples
--------
>>> r = evaluate({"top10_share": 0.42, "win_rate": 0.35, "nps": None}, "manufacturing")
>>> r["top10_share"].status, r["win_rate"].status, r["nps"].status
('below', 'pass', 'na')
>>> r["top10_share"].distance_text("en")
'8.0 points below the pass line'
>>> r.counts()["pass"], r.counts()["na"]
(1, 8)
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .client import Client, MissingData, Period
from .config import INDUSTRIES, Config, default_config
from .i18n import check_lang, fmt_pct, fmt_rmb, tr

__all__ = [
    "Indicator",
    "HealthResult",
    "health_check",
    "evaluate",
    "compute_values",
    "format_value",
    "format_line",
    "STATUSES",
]

STATUSES = ("below", "pass", "excellent", "na")
_STATUS_TEXT = {
    "below": ("未及格", "below pass"),
    "pass": ("及格", "pass"),
    "excellent": ("优秀", "excellent"),
    "na": ("无数据", "not available"),
}
_EPS = 1e-9


# ---------------------------------------------------------------------------
# Formatting in each indicator's own unit
# ---------------------------------------------------------------------------
def format_value(x: float | None, unit: str, lang: str = "en") -> str:
    """A value in its unit: shares as %, money in RMB (万元 in Chinese), ratios as ×.

    >>> format_value(0.384, "share"), format_value(12.5e6, "rmb", "zh"), format_value(2.44, "ratio")
    ('38.4%', '1250.0万元', '2.4×')
    >>> format_value(2.44, "ratio", "zh"), format_value(None, "share")
    ('2.4倍', '–')
    """
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "–"
    if unit == "share":
        return fmt_pct(x, 1)
    if unit == "rmb":
        return fmt_rmb(x, lang)
    if unit == "ratio":
        return f"{x:.1f}" + ("倍" if lang == "zh" else "×")
    return f"{x:g}"


def format_line(x: float | None, unit: str, lang: str = "en") -> str:
    """A pass or excellent line, as short as it can be said: ``50%``, ``1000万元``, ``3×``.

    >>> format_line(0.33, "share"), format_line(1e7, "rmb", "zh"), format_line(4e5, "rmb"), format_line(3.0, "ratio")
    ('33%', '1000万元', '400k RMB', '3×')
    """
    if x is None:
        return "–"
    if unit == "share":
        return f"{round(x * 100, 6):g}%"
    if unit == "rmb":
        if lang == "zh":
            return f"{x / 1e8:g}亿元" if abs(x) >= 1e8 else (f"{x / 1e4:g}万元" if abs(x) >= 1e4 else f"{x:g}元")
        return f"{x / 1e6:g}M RMB" if abs(x) >= 1e6 else (f"{x / 1e3:g}k RMB" if abs(x) >= 1e4 else f"{x:g} RMB")
    if unit == "ratio":
        return f"{x:g}" + ("倍" if lang == "zh" else "×")
    return f"{x:g}"


def _amount(diff: float, unit: str, lang: str) -> str:
    """A positive distance in the unit: points, RMB or ×."""
    if unit == "share":
        pts = diff * 100
        return tr(lang, f"{pts:.1f}个百分点", f"{pts:.1f} points")
    if unit == "rmb":
        return fmt_rmb(diff, lang)
    if unit == "ratio":
        return f"{diff:.1f}" + ("倍" if lang == "zh" else "×")
    return f"{diff:g}"


def _vs(value: float | None, line: float | None, unit: str) -> float | None:
    """value − line in the display unit (points for shares); None when either is missing."""
    if value is None or line is None:
        return None
    d = value - line
    return d * 100 if unit == "share" else d


# ---------------------------------------------------------------------------
# One indicator, assessed
# ---------------------------------------------------------------------------
@dataclass
class Indicator:
    """One health indicator assessed against its lines.

    Attributes
    ----------
    id, key
        1-10 and the configuration key (``top10_share`` ...).
    zh, en
        Its name.
    unit
        ``share`` (fraction), ``rmb`` or ``ratio``.
    value
        The value, or None when not available.
    pass_line, excellent
        The lines for the industry (``excellent`` None: the method gives none).
    status
        ``below``, ``pass``, ``excellent`` or ``na``.
    reason_zh, reason_en
        Why it is not available (``na`` only).
    detail
        What it was computed from (counts, sums), or ``{"source": "entered"}``.
    variants
        Alternative readings shown beside it (e.g. revenue renewal).
    """

    id: int
    key: str
    zh: str
    en: str
    unit: str
    value: float | None
    pass_line: float | None
    excellent: float | None
    status: str
    line_source: str = "default"
    reason_zh: str | None = None
    reason_en: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)
    variants: dict[str, Any] = field(default_factory=dict)

    # -- reading --------------------------------------------------------
    def name(self, lang: str = "zh") -> str:
        return tr(lang, self.zh, self.en)

    def reason(self, lang: str = "en") -> str | None:
        return tr(lang, self.reason_zh or "", self.reason_en or "") or None

    @property
    def vs_pass(self) -> float | None:
        """value − pass line, in the unit's distance (points, RMB, ×); negative = below."""
        return _vs(self.value, self.pass_line, self.unit)

    @property
    def vs_excellent(self) -> float | None:
        """value − excellent line, in the unit's distance; None when there is no excellent line."""
        return _vs(self.value, self.excellent, self.unit)

    @property
    def relative_gap(self) -> float | None:
        """How far below the pass line, relative to it: (pass − value) ÷ |pass|; None unless below."""
        if self.status != "below" or self.pass_line is None or self.value is None:
            return None
        return (self.pass_line - self.value) / (abs(self.pass_line) or 1.0)

    @property
    def extra_pipeline(self) -> float | None:
        """Indicator 6 only: RMB of extra open opportunities needed to reach the pass line."""
        target = self.detail.get("target")
        if self.key != "pipeline_coverage" or self.status != "below" or not target:
            return None
        return (self.pass_line - self.value) * float(target)

    def value_text(self, lang: str = "en") -> str:
        return format_value(self.value, self.unit, lang)

    def status_text(self, lang: str = "en") -> str:
        zh, en = _STATUS_TEXT[self.status]
        return tr(lang, zh, en)

    def distance_text(self, lang: str = "en") -> str:
        """Where the value stands against the lines, in words and in the unit.

        E.g. "3.2 points below the pass line", "2.0× above the pass line",
        for indicator 6 also "needs 1.4M RMB more pipeline"; for ``na`` the reason.
        """
        check_lang(lang)
        if self.status == "na":
            return self.reason(lang) or tr(lang, "无数据", "not available")
        u = self.unit
        if self.status == "below":
            d = _amount(self.pass_line - self.value, u, lang)
            text = tr(lang, f"低于及格线{d}", f"{d} below the pass line")
            extra = self.extra_pipeline
            if extra is not None:
                text += tr(lang, f"，还需要{fmt_rmb(extra, lang)}的销售机会",
                           f"; needs {fmt_rmb(extra, lang)} more pipeline")
            return text
        if self.status == "pass":
            d = _amount(self.value - self.pass_line, u, lang)
            text = tr(lang, f"高于及格线{d}", f"{d} above the pass line")
            if self.excellent is not None:
                e = _amount(self.excellent - self.value, u, lang)
                text += tr(lang, f"，距优分线还差{e}", f"; {e} below the excellent line")
            return text
        d = _amount(self.value - self.excellent, u, lang)
        return tr(lang, f"高于优分线{d}", f"{d} above the excellent line")

    def basis_text(self, lang: str = "en") -> str:
        """What the value was computed from, in words (from ``detail``); empty for entered values."""
        return _basis_text(self, lang)

    def explain(self, lang: str = "zh") -> str:
        """Markdown: the value, its status and distance to the lines, and what it was computed from."""
        from .charts import STATUS_STYLE

        sym = STATUS_STYLE[self.status]["symbol"]
        if self.status == "na":
            return tr(lang, f"**{sym} 无数据**：{self.reason('zh')}。", f"**{sym} Not available**: {self.reason('en')}.")
        lines = tr(lang, f"及格线{format_line(self.pass_line, self.unit, lang)}",
                   f"pass line {format_line(self.pass_line, self.unit, lang)}")
        if self.excellent is not None:
            lines += tr(lang, f"，优分线{format_line(self.excellent, self.unit, lang)}",
                        f", excellent line {format_line(self.excellent, self.unit, lang)}")
        head = f"**{self.value_text(lang)}** · {sym} {self.status_text(lang)} · {self.distance_text(lang)}" + tr(
            lang, f"（{lines}）", f" ({lines})")
        basis = self.basis_text(lang)
        return head + (f"\n\n{basis}" if basis else "")

    def gap_text(self, lang: str = "en", config: Config | None = None) -> str:
        """The gap worded for a business owner (for indicators below the pass line)."""
        return _owner_text(self, lang, config)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready object (``id``, ``key``, ``value``, ``pass``, ``excellent``, ``status``,
        ``unit``, ``detail`` and the readings)."""
        return _clean({
            "id": self.id, "key": self.key, "name_zh": self.zh, "name_en": self.en,
            "value": self.value, "pass": self.pass_line, "excellent": self.excellent,
            "status": self.status, "unit": self.unit, "line_source": self.line_source,
            "vs_pass": self.vs_pass, "vs_excellent": self.vs_excellent,
            "distance_unit": {"share": "points", "rmb": "RMB", "ratio": "x"}.get(self.unit, self.unit),
            "extra_pipeline": self.extra_pipeline,
            "distance_en": self.distance_text("en"), "distance_zh": self.distance_text("zh"),
            "reason_en": self.reason_en, "reason_zh": self.reason_zh,
            "detail": self.detail, "variants": self.variants,
        })


def _clean(obj: Any) -> Any:
    """Plain JSON values: numpy scalars to Python, NaN to None, Timestamps to ISO dates."""
    if isinstance(obj, Mapping):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, set, pd.Index, pd.Series, np.ndarray)):
        return [_clean(v) for v in list(obj)]
    if isinstance(obj, Period):
        return obj.to_dict()
    if isinstance(obj, pd.Timestamp):
        return obj.date().isoformat()
    if hasattr(obj, "item") and callable(obj.item):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if obj is pd.NA or obj is pd.NaT:
        return None
    return obj


# ---------------------------------------------------------------------------
# What each value was computed from, in words
# ---------------------------------------------------------------------------
def _basis_text(ind: "Indicator", lang: str) -> str:
    d = ind.detail
    if not d or d.get("source") == "entered":
        return ""
    m = lambda x: fmt_rmb(x, lang)  # noqa: E731
    k = ind.key
    t = ""
    if k == "top10_share":
        t = tr(lang, f"前{d['top_n']}名客户收入{m(d['top_revenue'])}，期内总收入{m(d['total_revenue'])}"
                     f"（{d['customers']}个有收入的客户）。",
               f"The top {d['top_n']} customers brought {m(d['top_revenue'])} of the period's "
               f"{m(d['total_revenue'])} ({d['customers']} customers with revenue).")
    elif k == "renewal_rate":
        prev = d["previous_period"]
        t = tr(lang, f"上一期（{prev['start']}至{prev['end']}）的{d['previous_customers']}个客户中，"
                     f"{d['renewed']}个本期继续购买，{d['lost']}个没有。",
               f"Of the {d['previous_customers']} customers of the previous period ({prev['start']} to "
               f"{prev['end']}), {d['renewed']} bought again and {d['lost']} did not.")
        rr = ind.variants.get("revenue_retention")
        if rr is not None:
            t += tr(lang, f"按收入算（老客户本期收入 ÷ 其上期收入）为{fmt_pct(rr)}。",
                    f" By revenue (their revenue now ÷ their revenue then): {fmt_pct(rr)}.")
        if d.get("previous_partly_covered"):
            t += tr(lang, f"注意：数据从{d['data_start']}开始，上一期只部分覆盖。",
                    f" Note: the data start on {d['data_start']}, so the previous period is only partly covered.")
    elif k == "wallet_share":
        acc = [a for a in d.get("accounts", []) if a.get("share") is not None]
        parts = ("、" if lang == "zh" else "; ").join(f"{a['customer']} {fmt_pct(a['share'])}" for a in acc)
        t = tr(lang, f"前{d['top_n']}名客户中{d['with_wallet']}个有品类采购额估计：{parts}；取中位数。",
               f"{d['with_wallet']} of the top {d['top_n']} customers have a wallet estimate: {parts}; the median "
               "is shown.")
    elif k == "nps":
        t = tr(lang, f"{d['answers']}份答卷：推荐者{d['promoters']}（{d['promoter_min']}–10分），"
                     f"中立者{d['passives']}，贬损者{d['detractors']}（0–{d['detractor_max']}分）。",
               f"{d['answers']} answers: {d['promoters']} promoters ({d['promoter_min']}-10), {d['passives']} "
               f"passives, {d['detractors']} detractors (0-{d['detractor_max']}).")
    elif k == "win_rate":
        t = tr(lang, f"期内关闭的机会：赢单{d['won']}个，丢单（含放弃）{d['lost']}个。",
               f"Closed in the period: {d['won']} won, {d['lost']} lost (abandoned included).")
    elif k == "pipeline_coverage":
        t = tr(lang, f"在跟机会{d['open_opportunities']}个，金额{m(d['open_amount'])}"
                     f"（{d['open_without_amount']}个没有金额）；本期销售目标{m(d['target'])}。",
               f"{d['open_opportunities']} open opportunities worth {m(d['open_amount'])} "
               f"({d['open_without_amount']} without an amount); the period's sales target is {m(d['target'])}.")
        cov = ind.variants.get("coverage_of_remaining")
        if cov is not None:
            t += tr(lang, f"扣除期内已赢单{m(d['won_in_period'])}后，对剩余目标的覆盖为{cov:.1f}倍。",
                    f" Against the target still open after {m(d['won_in_period'])} won in the period: {cov:.1f}×.")
    elif k == "sales_per_rep":
        src = tr(lang, "销售人员表" if d["salespeople_from"] == "salespeople table" else "收入和机会的负责人",
                 d["salespeople_from"])
        t = tr(lang, f"期内收入{m(d['total_revenue'])} ÷ {d['salespeople']}名销售人员（来自{src}）"
                     + ("" if d["years"] == 1 else f" ÷ {d['years']:.2f}年") + "。",
               f"Revenue {m(d['total_revenue'])} ÷ {d['salespeople']} salespeople (from the {src})"
               + ("" if d["years"] == 1 else f" ÷ {d['years']:.2f} years") + ".")
    elif k == "output_per_employee":
        t = tr(lang, f"期内收入{m(d['total_revenue'])} ÷ {d['employees']:,}名员工"
                     + ("" if d["years"] == 1 else f" ÷ {d['years']:.2f}年") + "。",
               f"Revenue {m(d['total_revenue'])} ÷ {d['employees']:,} employees"
               + ("" if d["years"] == 1 else f" ÷ {d['years']:.2f} years") + ".")
    elif k == "reps_above_mean":
        src = {"revenue": tr(lang, "收入", "revenue"), "won opportunities": tr(lang, "赢单", "won opportunities")}
        t = tr(lang, f"{d['salespeople']}名销售人员中{d['above_mean']}名高于平均销售额{m(d['mean_sales'])}"
                     f"（{d['with_no_sales']}名没有销售额，按0计；销售额来自{src.get(d['sales_from'], d['sales_from'])}）。",
               f"{d['above_mean']} of {d['salespeople']} salespeople sold more than the mean of {m(d['mean_sales'])} "
               f"({d['with_no_sales']} with no sales, counted at zero; sales from "
               f"{src.get(d['sales_from'], d['sales_from'])}).")
    elif k == "core_product_share":
        flagged = d["products_from"].startswith("flagged")
        what = tr(lang, f"{d['products']}个核心产品" if flagged else f"{d['products']}个产品（没有标记核心产品，取全部）",
                  f"{d['products']} core products" if flagged else f"{d['products']} products (none flagged core: all)")
        names = ("、" if lang == "zh" else ", ").join(d["top_products"][:6]) + ("…" if len(d["top_products"]) > 6 else "")
        t = tr(lang, f"{what}，取收入最高的{d['top_k']}个（{names}），收入{m(d['top_revenue'])}，"
                     f"期内总收入{m(d['total_revenue'])}。",
               f"{what}; the {d['top_k']} with the most revenue ({names}) brought {m(d['top_revenue'])} of "
               f"{m(d['total_revenue'])}.")
    un = d.get("unassigned_revenue")
    if un and k in ("top10_share",):
        t += tr(lang, f"其中{m(un)}没有对应客户：计入总收入，不算作客户。",
                f" {m(un)} of it has no customer: in the total, never a customer.")
    if d.get("revenue_derived_from"):
        t += tr(lang, "（收入由赢单推算）", " (revenue derived from won opportunities)")
    return t


# ---------------------------------------------------------------------------
# Owner wording of the gaps
# ---------------------------------------------------------------------------
def _owner_text(ind: Indicator, lang: str, config: Config | None) -> str:
    v = ind.value_text(lang)
    line = format_line(ind.pass_line, ind.unit, lang)
    d = ind.distance_text(lang)
    frac = None
    if config is not None and ind.key == "core_product_share":
        frac = config.indicator("core_product_share").get("product_fraction")
    share_of_products = fmt_pct(frac) if frac is not None else tr(lang, "前30%", "top 30%")
    texts = {
        "top10_share": (
            f"前10大客户只贡献了{v}的收入（及格线{line}，{d}）：收入太分散。挑出值得深耕的客户，把它们做深做大——大客户是持续高价值的贡献者。",
            f"Your 10 largest customers bring only {v} of revenue (pass line {line}; {d}). Revenue is spread "
            "thin: choose the accounts worth farming and grow them; a key account is a sustained, high-value "
            "contributor."),
        "renewal_rate": (
            f"上期的老客户只有{v}本期继续购买（及格线{line}，{d}）：先弄清其他客户为什么流失，守住现有客户。",
            f"Only {v} of last period's customers bought again (pass line {line}; {d}). Find out why the others "
            "left, and protect the customers you have."),
        "wallet_share": (
            f"大客户在本品类的采购中只有{v}给了我们（中位数，及格线{line}，{d}）：在现有大客户身上还有很大的份额可以争取。",
            f"Your top customers spend only {v} of their budget in our category with you (median; pass line "
            f"{line}; {d}). There is a larger share to win in accounts you already have."),
        "nps": (
            f"客户净推荐值只有{v}（及格线{line}，{d}）：愿意推荐我们的客户太少，请逐一询问贬损者问题出在哪里。",
            f"Customer loyalty (NPS) is {v} (pass line {line}; {d}). Too few customers would recommend you: ask "
            "the detractors what went wrong."),
        "win_rate": (
            f"赢单率只有{v}（及格线{line}，{d}）：更严格地做销售判定（Go/NoGo），不要追赢不了的单。",
            f"You win {v} of the deals you close (pass line {line}; {d}). Qualify harder (Go/NoGo) and stop "
            "chasing deals you cannot win."),
        "pipeline_coverage": (
            f"在跟的销售机会只有销售目标的{v}（及格线{line}，{d}）：按正常赢单率，目标难以完成，需要尽快补充销售机会。",
            f"Open opportunities cover only {v} of the sales target (pass line {line}; {d}). At a normal win "
            "rate the target will be missed: build pipeline now."),
        "sales_per_rep": (
            f"销售人员人均年销售额只有{v}（及格线{line}，{d}）：销售团队的产出与其规模不匹配。",
            f"Each salesperson sells {v} a year (pass line {line}; {d}). The sales team produces too little for "
            "its size."),
        "output_per_employee": (
            f"企业人均年产值只有{v}（及格线{line}，{d}）：相对公司规模，收入偏低。",
            f"Output per employee is {v} a year (pass line {line}; {d}). Revenue is low for the size of the "
            "company."),
        "reps_above_mean": (
            f"只有{v}的销售人员高于团队平均销售额（及格线{line}，{d}）：业绩依赖少数明星，要帮助其余的人成长。",
            f"Only {v} of salespeople sell above the team average (pass line {line}; {d}). Results hang on a "
            "few stars: help the rest of the team grow."),
        "core_product_share": (
            f"{share_of_products}的核心产品只贡献了{v}的收入（及格线{line}，{d}）：产品线缺少有竞争力的拳头产品。",
            f"The leading {share_of_products} of core products bring only {v} of revenue (pass line {line}; "
            f"{d}). The product line lacks clear winners."),
    }
    zh, en = texts.get(ind.key, (f"{ind.zh}：{v}（{d}）", f"{ind.en}: {v} ({d})"))
    return tr(lang, zh, en)


# ---------------------------------------------------------------------------
# The result
# ---------------------------------------------------------------------------
@dataclass
class HealthResult:
    """The ten indicators of one client (or of values entered by hand), assessed.

    Index it by key or id (``result["win_rate"]``, ``result[5]``); iterate for
    the indicators in order.
    """

    indicators: list[Indicator]
    industry: str
    config: Config = field(repr=False)
    period: Period | None = None
    client: str | None = None
    source: str = "entered"  # "data" or "entered"

    def __iter__(self):
        return iter(self.indicators)

    def __len__(self) -> int:
        return len(self.indicators)

    def __getitem__(self, k: str | int) -> Indicator:
        for ind in self.indicators:
            if ind.key == k or ind.id == k:
                return ind
        raise KeyError(f"no indicator {k!r}")

    def value(self, k: str | int) -> float | None:
        """The value of one indicator (key or number), None when not available."""
        return self[k].value

    @property
    def values(self) -> dict[str, float | None]:
        """Indicator key -> value (None when not available)."""
        return {i.key: i.value for i in self.indicators}

    def counts(self) -> dict[str, int]:
        """``measured``, ``pass`` (at or above the pass line, excellent included),
        ``excellent``, ``below``, ``na``, ``total``."""
        st = [i.status for i in self.indicators]
        return {
            "total": len(st), "measured": sum(s != "na" for s in st),
            "pass": sum(s in ("pass", "excellent") for s in st), "excellent": st.count("excellent"),
            "below": st.count("below"), "na": st.count("na"),
        }

    def gaps(self, n: int = 3) -> list[Indicator]:
        """The ``n`` indicators below the pass line that are furthest from it, relative to the line."""
        below = [i for i in self.indicators if i.status == "below"]
        below.sort(key=lambda i: (-(i.relative_gap or 0.0), i.id))
        return below[:n]

    def summary(self, lang: str = "zh", n: int = 3) -> str:
        """The overall reading for a business owner (Markdown-friendly plain text)."""
        check_lang(lang)
        c = self.counts()
        where = ""
        if self.period is not None:
            where = tr(lang, f"（{self.period.label}，", f" ({self.period.label}, ")
        else:
            where = tr(lang, "（", " (")
        ind_name = self.config.data.get("industries", {}).get(self.industry, {})
        ind_label = tr(lang, ind_name.get("zh", self.industry), ind_name.get("en", self.industry))
        where += tr(lang, f"{ind_label}标准）", f"{ind_label.lower()} lines)")
        lines = [tr(
            lang,
            f"健康度问诊{where}：10项指标中可计算{c['measured']}项；{c['pass']}项达到及格线，其中{c['excellent']}项达到优分线；"
            f"{c['below']}项未及格；{c['na']}项无数据。",
            f"Health check{where}: {c['measured']} of the {c['total']} indicators could be measured; "
            f"{c['pass']} reach the pass line, {c['excellent']} of them the excellent line; {c['below']} are below "
            f"the pass line; {c['na']} not available.",
        )]
        if c["na"]:
            names = "、".join(i.zh for i in self.indicators if i.status == "na") if lang == "zh" else \
                ", ".join(i.en for i in self.indicators if i.status == "na")
            lines.append(tr(lang, f"无数据：{names}。", f"Not available: {names}."))
        gaps = self.gaps(n)
        if gaps:
            lines.append(tr(lang, f"最值得关注的{len(gaps)}个差距：", f"The {len(gaps)} gaps that matter most:"))
            for k, ind in enumerate(gaps, 1):
                lines.append(f"{k}. {ind.gap_text(lang, self.config)}")
        elif c["measured"]:
            lines.append(tr(lang, "所有可计算的指标都达到了及格线。", "Every indicator measured reaches the pass line."))
        return "\n".join(lines)

    def to_frame(self, lang: str = "en", formatted: bool = False) -> pd.DataFrame:
        """One row per indicator.

        ``formatted=False``: numbers (``id``, ``key``, ``name``, ``value``,
        ``pass``, ``excellent``, ``status``, ``unit``, ``vs_pass``,
        ``vs_excellent``, ``distance``, ``reason``).  ``formatted=True``: text
        for people, indexed by the indicator's number, with headers in
        ``lang`` (指标 / 数值 / 及格线 / 优分线 / 状态 / 差距).
        """
        check_lang(lang)
        if not formatted:
            return pd.DataFrame([{
                "id": i.id, "key": i.key, "name": i.name(lang), "value": i.value, "pass": i.pass_line,
                "excellent": i.excellent, "status": i.status, "unit": i.unit, "vs_pass": i.vs_pass,
                "vs_excellent": i.vs_excellent, "distance": i.distance_text(lang), "reason": i.reason(lang),
            } for i in self.indicators])
        from .charts import STATUS_STYLE

        h = {
            "id": "#", "name": tr(lang, "指标", "Indicator"), "value": tr(lang, "数值", "Value"),
            "pass": tr(lang, "及格线", "Pass line"), "excellent": tr(lang, "优分线", "Excellent line"),
            "status": tr(lang, "状态", "Status"), "distance": tr(lang, "差距", "Distance"),
        }
        return pd.DataFrame([{
            h["id"]: i.id, h["name"]: i.name(lang), h["value"]: i.value_text(lang),
            h["pass"]: format_line(i.pass_line, i.unit, lang),
            h["excellent"]: format_line(i.excellent, i.unit, lang),
            h["status"]: f"{STATUS_STYLE[i.status]['symbol']} {i.status_text(lang)}",
            h["distance"]: i.distance_text(lang),
        } for i in self.indicators]).set_index(h["id"])

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: ``client``, ``industry``, ``period``, ``source``, ``counts``,
        ``indicators`` (one object each, see :meth:`Indicator.to_dict`), ``summary_zh/en``."""
        per = self.period.to_dict() if self.period is not None else None
        inds = []
        for i in self.indicators:
            d = i.to_dict()
            d["period"] = per
            inds.append(d)
        return _clean({
            "client": self.client, "industry": self.industry, "period": per, "source": self.source,
            "counts": self.counts(), "gaps": [i.key for i in self.gaps()],
            "indicators": inds,
            "summary_zh": self.summary("zh"), "summary_en": self.summary("en"),
        })


# ---------------------------------------------------------------------------
# Assessment: the same for computed and entered values
# ---------------------------------------------------------------------------
def _status(value: float | None, line: Mapping[str, Any]) -> str:
    if value is None:
        return "na"
    p, e = line.get("pass"), line.get("excellent")
    if p is None:
        return "na"
    if e is not None and value >= e - _EPS * max(1.0, abs(e)):
        return "excellent"
    if value >= p - _EPS * max(1.0, abs(p)):
        return "pass"
    return "below"


def _key_of(k: Any, cfg: Config) -> str:
    keys = cfg.indicator_keys()
    if isinstance(k, str) and k in keys:
        return k
    try:
        n = int(k)
    except (TypeError, ValueError):
        raise ValueError(f"unknown indicator {k!r}; use a key ({', '.join(keys)}) or a number 1-10") from None
    for key in keys:
        if cfg.indicator(key)["id"] == n:
            return key
    raise ValueError(f"unknown indicator number {k!r}; indicators are numbered 1-{len(keys)}")


def _number(v: Any, key: str) -> float | None:
    if v is None or v is pd.NA:
        return None
    if isinstance(v, str):
        s = v.strip().replace(",", "")
        if not s:
            return None
        pct = s.endswith("%")
        try:
            x = float(s.rstrip("%")) / (100 if pct else 1)
        except ValueError:
            raise ValueError(f"indicator {key}: {v!r} is not a number") from None
    else:
        try:
            x = float(v)
        except (TypeError, ValueError):
            raise ValueError(f"indicator {key}: {v!r} is not a number") from None
    return x if math.isfinite(x) else None


def evaluate(
    values: Mapping[Any, Any],
    industry: str = "manufacturing",
    config: Config | None = None,
    *,
    details: Mapping[str, Mapping[str, Any]] | None = None,
    reasons: Mapping[str, tuple[str, str]] | None = None,
    variants: Mapping[str, Mapping[str, Any]] | None = None,
    period: Period | None = None,
    client: str | None = None,
    sales_target: float | None = None,
    source: str = "entered",
) -> HealthResult:
    """Assess indicator values against the industry's pass and excellent lines.

    Parameters
    ----------
    values
        Indicator key (``"win_rate"``) or number (5 or ``"5"``) -> value.
        Shares as fractions (0.35) or text with a percent sign (``"35%"``);
        money in RMB; indicator 6 as a multiple of the target.  A missing
        key, None, NaN or blank is "not available".
    industry
        ``manufacturing`` or ``services``: whose lines apply.
    config
        The method's numbers (default: :func:`kalib.config.default_config`).
    details, reasons, variants
        Per indicator key: what the value was computed from; why it is not
        available, as ``(zh, en)``; alternative readings.
    period, client, source
        Recorded on the result.
    sales_target
        The period's sales target (RMB), used to word indicator 6's extra
        pipeline when ``details`` does not give it.

    Returns
    -------
    HealthResult

    Examples
    --------
    >>> r = evaluate({6: 2.0, 7: 12e6}, "services", sales_target=5e6)
    >>> r[6].distance_text("en")
    '1.0× below the pass line; needs 5.0M RMB more pipeline'
    >>> r[7].status, r[7].distance_text("zh")
    ('pass', '高于及格线600.0万元')
    >>> evaluate({"velocity": 1}, "services")
    Traceback (most recent call last):
    ...
    ValueError: unknown indicator 'velocity'; use a key (top10_share, ...) or a number 1-10
    """
    cfg = config or default_config()
    if industry not in INDUSTRIES:
        raise ValueError(f"industry must be one of {', '.join(INDUSTRIES)}, not {industry!r}")
    given: dict[str, float | None] = {}
    for k, v in (values or {}).items():
        key = _key_of(k, cfg)
        given[key] = _number(v, key)
    details = details or {}
    reasons = reasons or {}
    variants = variants or {}
    out = []
    for key in cfg.indicator_keys():
        spec = cfg.indicator(key)
        line = cfg.line(key, industry)
        value = given.get(key)
        detail = dict(details.get(key) or ({"source": "entered"} if key in given else {}))
        if key == "pipeline_coverage" and sales_target and "target" not in detail:
            detail["target"] = float(sales_target)
        rz, re_ = (None, None)
        if value is None:
            if key in reasons:
                rz, re_ = reasons[key]
            elif key in given:
                rz, re_ = "未填写", "not entered"
            else:
                rz, re_ = "未提供", "not given"
        status = _status(value, line)
        if status == "na" and value is not None:  # no pass line configured
            rz, re_ = "没有设定及格线", "no pass line is set"
        out.append(Indicator(
            id=int(spec["id"]), key=key, zh=spec.get("zh", key), en=spec.get("en", key),
            unit=spec.get("unit", "share"), value=value, pass_line=line["pass"], excellent=line["excellent"],
            status=status, line_source=line.get("source", "default"), reason_zh=rz, reason_en=re_,
            detail=detail, variants=dict(variants.get(key) or {}),
        ))
    return HealthResult(out, industry=industry, config=cfg, period=period, client=client, source=source)


# ---------------------------------------------------------------------------
# Computing the values from a client's data
# ---------------------------------------------------------------------------
class _NA(Exception):
    """An indicator cannot be computed: reason in Chinese and English, plus what was seen."""

    def __init__(self, zh: str, en: str, detail: Mapping[str, Any] | None = None):
        super().__init__(en)
        self.zh, self.en, self.detail = zh, en, dict(detail or {})


def _per(per: Period) -> str:
    return f"{per.start.date()}–{per.end.date()}"


class _Data:
    """What several indicators share: the period's revenue and its totals."""

    def __init__(self, client: Client, per: Period):
        self.client, self.per, self.cfg = client, per, client.config
        self.rev: pd.DataFrame | None = None
        self.rev_all: pd.DataFrame | None = None
        if client.has("revenue"):
            r = client.tables["revenue"]
            if "date" in r.columns and "amount" in r.columns:
                # Only the columns the indicators read: a row filter over wide text columns is slow.
                cols = [c for c in ("date", "customer", "product", "amount", "salesperson") if c in r.columns]
                self.rev_all = r
                self.rev = r.loc[per.contains(r["date"]), cols]
        self._by_customer: pd.Series | None = None

    def revenue(self) -> pd.DataFrame:
        if self.rev_all is None:
            raise _NA("没有收入数据（收入表）", "no revenue data (revenue table)")
        if len(self.rev) == 0 or not self.rev["amount"].notna().any():
            raise _NA(f"期内（{_per(self.per)}）没有收入", f"no revenue in the period ({_per(self.per)})")
        return self.rev

    def total(self) -> float:
        total = float(self.revenue()["amount"].sum())
        if total <= 0:
            raise _NA(f"期内收入合计不为正（{fmt_rmb(total, 'zh')}）",
                      f"the period's total revenue is not positive ({fmt_rmb(total, 'en')})",
                      {"total_revenue": total})
        return total

    def unassigned(self) -> float:
        r = self.revenue()
        return float(r.loc[r["customer"].isna(), "amount"].sum()) if "customer" in r else self.total()

    def by_customer(self) -> pd.Series:
        if self._by_customer is None:
            r = self.revenue()
            if "customer" not in r.columns or not r["customer"].notna().any():
                raise _NA("收入没有对应客户（收入表的客户名称列为空）",
                          "revenue rows name no customer (column customer of the revenue table is empty)")
            # groupby leaves rows with no customer out (dropna): they are never a customer
            self._by_customer = (r.groupby("customer", sort=False)["amount"].sum()
                                 .sort_values(ascending=False, kind="stable"))
        return self._by_customer

    def total_with_detail(self) -> tuple[float, dict[str, Any]]:
        total = self.total()
        d = {"total_revenue": total, "revenue_rows": int(len(self.rev))}
        if "customer" in self.rev.columns:
            d["unassigned_revenue"] = self.unassigned()
        na_amount = int(self.rev["amount"].isna().sum())
        if na_amount:
            d["rows_without_amount"] = na_amount
        if self.client.derived.get("revenue"):
            d["revenue_derived_from"] = self.client.derived["revenue"]
        return total, d


def _top10_share(d: _Data) -> tuple[float, dict, dict]:
    top_n = int(d.cfg.indicator("top10_share").get("top_n", 10))
    total, detail = d.total_with_detail()
    bc = d.by_customer()
    top = bc.head(top_n)
    detail.update({"top_n": top_n, "customers": int((bc > 0).sum()), "top_revenue": float(top.sum()),
                   "top_customers": [str(x) for x in top.index]})
    negative = bc[bc < 0]
    if len(negative):  # net returns lower the total: the top share can then exceed 100%
        detail["customers_with_net_returns"] = int(len(negative))
        detail["net_returns"] = float(negative.sum())
    return float(top.sum()) / total, detail, {}


def _renewal_rate(d: _Data) -> tuple[float, dict, dict]:
    d.revenue()
    prev = d.per.previous()
    r = d.rev_all
    if "customer" in r:
        pr = r.loc[prev.contains(r["date"]) & r["customer"].notna(), ["customer", "amount"]]
    else:
        pr = pd.DataFrame({"customer": pd.Series([], dtype="str"), "amount": pd.Series([], dtype=float)})
    prev_rev = pr.groupby("customer")["amount"].sum()
    prev_rev = prev_rev[prev_rev > 0]
    detail: dict[str, Any] = {"previous_period": prev.to_dict()}
    if len(prev_rev) == 0:
        raise _NA(f"上一期（{_per(prev)}）没有客户收入，无法比较",
                  f"no customer revenue in the previous period ({_per(prev)}) to compare with", detail)
    now = d.by_customer()
    now_pos = now[now > 0]
    renewed = prev_rev.index.intersection(now_pos.index)
    first = r["date"].min()
    detail.update({"previous_customers": int(len(prev_rev)), "renewed": int(len(renewed)),
                   "lost": int(len(prev_rev) - len(renewed))})
    if pd.notna(first) and first > prev.start:
        detail["previous_partly_covered"] = True
        detail["data_start"] = pd.Timestamp(first).date().isoformat()
    base = float(prev_rev.sum())
    variants = {"revenue_retention": float(now.reindex(prev_rev.index).fillna(0.0).sum()) / base,
                "revenue_retention_note": "this period's revenue from last period's customers ÷ their revenue "
                                          "last period (本期老客户收入 ÷ 其上期收入)"}
    return len(renewed) / len(prev_rev), detail, variants


def _wallet_share(d: _Data) -> tuple[float, dict, dict]:
    top_n = int(d.cfg.indicator("wallet_share").get("top_n", 10))
    cust = d.client.tables.get("customers")
    if cust is None or len(cust) == 0 or "wallet" not in cust.columns or not cust["wallet"].notna().any():
        raise _NA("没有客户品类采购额估计（客户表的“品类采购额估计”列）",
                  "no wallet estimates (column wallet of the customers table)")
    bc = d.by_customer()
    top = bc[bc > 0].head(top_n)
    w = cust.dropna(subset=["customer"]).drop_duplicates("customer").set_index("customer")["wallet"]
    w = pd.to_numeric(w, errors="coerce")
    years = d.per.years
    accounts = []
    for name, amount in top.items():
        wallet = w.get(name, np.nan)
        share = (amount / years) / wallet if pd.notna(wallet) and wallet > 0 else None
        accounts.append({"customer": str(name), "value_per_year": float(amount) / years,
                         "wallet": None if pd.isna(wallet) else float(wallet), "share": share})
    shares = [a["share"] for a in accounts if a["share"] is not None]
    detail = {"top_n": top_n, "with_wallet": len(shares), "accounts": accounts}
    if not shares:
        raise _NA(f"前{top_n}大客户都没有品类采购额估计", f"none of the {top_n} largest customers has a wallet estimate",
                  detail)
    return float(np.median(shares)), detail, {}


def _nps(d: _Data) -> tuple[float, dict, dict]:
    spec = d.cfg.indicator("nps")
    pmin, dmax = spec.get("promoter_min", 9), spec.get("detractor_max", 6)
    c = d.client
    if not c.has("nps") or "score" not in c.tables["nps"].columns:
        raise _NA("期内没有NPS调查答卷（没有NPS表）", "no NPS answers in the period (no NPS table)")
    n = c.tables["nps"]
    detail: dict[str, Any] = {}
    if "date" in n.columns and n["date"].notna().any():
        ans = n.loc[d.per.contains(n["date"])]
        undated = int(n["date"].isna().sum())
        if undated:
            detail["undated_answers_left_out"] = undated
    else:
        ans = n
        detail["note"] = "the NPS answers have no dates: all are used (答卷没有日期：全部计入)"
    s = pd.to_numeric(ans["score"], errors="coerce").dropna()
    s = s[(s >= 0) & (s <= 10)]
    if len(s) == 0:
        raise _NA("期内没有NPS调查答卷", "no NPS answers in the period", detail)
    prom, det = int((s >= pmin).sum()), int((s <= dmax).sum())
    detail.update({"answers": int(len(s)), "promoters": prom, "detractors": det,
                   "passives": int(len(s)) - prom - det, "promoter_min": pmin, "detractor_max": dmax})
    return (prom - det) / len(s), detail, {}


def _close_dates(o: pd.DataFrame) -> tuple[pd.Series, int]:
    when = o["closed_date"] if "closed_date" in o.columns else pd.Series(pd.NaT, index=o.index)
    fallback = 0
    if "expected_close" in o.columns:
        miss = when.isna() & o["expected_close"].notna()
        fallback = int(miss.sum())
        when = when.fillna(o["expected_close"])
    return when, fallback


def _opps(d: _Data, purpose: str) -> pd.DataFrame:
    if not d.client.has("opportunities"):
        raise _NA("没有销售机会数据（销售机会表）", "no opportunities (opportunities table)")
    o = d.client.tables["opportunities"]
    if "status" not in o.columns:
        raise _NA("销售机会没有状态", f"{purpose}: opportunities have no status column")
    return o


def _win_rate(d: _Data) -> tuple[float, dict, dict]:
    o = _opps(d, "win rate")
    cols = [c for c in ("status", "closed_date", "expected_close") if c in o.columns]
    closed = o.loc[o["status"].isin(["won", "lost"]), cols]
    when, fallback = _close_dates(closed)
    inside = closed.loc[d.per.contains(when)]
    won, lost = int((inside["status"] == "won").sum()), int((inside["status"] == "lost").sum())
    detail: dict[str, Any] = {"won": won, "lost": lost}
    undated = int(when.isna().sum())
    if undated:
        detail["closed_without_date"] = undated
    if fallback:
        detail["closed_dated_by_expected_close"] = fallback
    if won + lost == 0:
        raise _NA("期内没有关闭（赢单或丢单）的销售机会", "no opportunities closed (won or lost) in the period", detail)
    return won / (won + lost), detail, {}


def _pipeline_coverage(d: _Data) -> tuple[float, dict, dict]:
    target_year = d.client.meta.sales_target
    if target_year is None or (isinstance(target_year, float) and not math.isfinite(target_year)) or target_year <= 0:
        zh, en = "没有销售目标（在client.yml中设置sales_target）", "no sales target (set sales_target in client.yml)"
        if not d.client.has("opportunities"):
            zh, en = zh + "；也没有销售机会数据", en + "; no opportunities either"
        raise _NA(zh, en)
    o = _opps(d, "pipeline reserve")
    target = float(target_year) * d.per.years
    dates = [c for c in ("closed_date", "expected_close") if c in o.columns]
    is_open = o["status"] == "open"
    amount = pd.to_numeric(o.loc[is_open, "amount"], errors="coerce") if "amount" in o else \
        pd.Series(np.nan, index=o.index[is_open])
    open_amount = float(amount.sum())
    op = amount
    won = o.loc[o["status"] == "won", ["amount", *dates] if "amount" in o else dates]
    when, _ = _close_dates(won)
    won_amt = float(pd.to_numeric(won.loc[d.per.contains(when), "amount"], errors="coerce").sum()) \
        if "amount" in won else 0.0
    detail = {"open_amount": open_amount, "open_opportunities": int(len(op)),
              "open_without_amount": int(amount.isna().sum()), "target": target,
              "target_per_year": float(target_year), "won_in_period": won_amt}
    remaining = target - won_amt
    variants = {"remaining_target": remaining,
                "coverage_of_remaining": (open_amount / remaining) if remaining > 0 else None}
    return open_amount / target, detail, variants


def _salespeople(d: _Data) -> tuple[list[str], str]:
    c = d.client
    names = [str(x) for x in c.salespeople(d.per).dropna().tolist()]
    src = "salespeople table" if c.has("salespeople") else "owners of revenue and opportunities"
    if not names:
        raise _NA("没有销售人员（没有销售人员表，收入和销售机会也没有负责人）",
                  "no salespeople (no salespeople table, and no owners on revenue or opportunities)")
    return names, src


def _sales_per_rep(d: _Data) -> tuple[float, dict, dict]:
    total, detail = d.total_with_detail()
    names, src = _salespeople(d)
    years = d.per.years
    detail.update({"salespeople": len(names), "salespeople_from": src, "years": years})
    return total / len(names) / years, detail, {}


def _output_per_employee(d: _Data) -> tuple[float, dict, dict]:
    emp = d.client.meta.employees
    if emp is None or emp <= 0:
        raise _NA("没有员工总数（在client.yml中设置employees）", "no employee count (set employees in client.yml)")
    total, detail = d.total_with_detail()
    years = d.per.years
    detail.update({"employees": int(emp), "years": years})
    return total / emp / years, detail, {}


def _reps_above_mean(d: _Data) -> tuple[float, dict, dict]:
    names, src = _salespeople(d)
    sales: pd.Series | None = None
    how = None
    if d.rev_all is not None and "salesperson" in d.rev_all.columns and len(d.rev) \
            and d.rev["salesperson"].notna().any():
        r = d.rev
        sales = r.groupby("salesperson")["amount"].sum()  # rows with no salesperson are left out
        unassigned = float(r.loc[r["salesperson"].isna(), "amount"].sum())
        how = "revenue"
    elif d.client.has("opportunities"):
        o = d.client.tables["opportunities"]
        cols = [c for c in ("owner", "amount", "closed_date", "expected_close") if c in o.columns]
        won = o.loc[(o["status"] == "won") & o["owner"].notna(), cols] if "owner" in o else o.iloc[:0]
        when, _ = _close_dates(won)
        won = won.loc[d.per.contains(when)]
        if len(won):
            sales = won.groupby("owner")["amount"].sum()
            unassigned = None
            how = "won opportunities"
    if sales is None:
        raise _NA("销售额无法归属到销售人员（收入表没有销售员，期内也没有赢单）",
                  "sales are not attributed to salespeople (no salesperson on revenue, no won opportunities "
                  "in the period)", {"salespeople": len(names)})
    sales.index = sales.index.astype(str)
    per_rep = pd.Series(0.0, index=pd.Index(names, dtype="str")).add(sales.reindex(names).fillna(0.0), fill_value=0)
    mean = float(per_rep.mean())
    above = int((per_rep > mean + _EPS * max(1.0, abs(mean))).sum())
    outside = sales[~sales.index.isin(names)]
    detail = {"salespeople": len(names), "salespeople_from": src, "sales_from": how, "above_mean": above,
              "mean_sales": mean, "with_no_sales": int((per_rep == 0).sum())}
    if len(outside):
        detail["sales_by_others"] = float(outside.sum())
        detail["others"] = int(len(outside))
    if how == "revenue" and unassigned:
        detail["unassigned_sales"] = unassigned
    return above / len(names), detail, {}


def _core_count(fraction: float, n: int) -> int:
    """⌈fraction × n⌉ without floating-point surprises (0.3 × 10 is 3, not 4)."""
    return max(1, math.ceil(round(fraction * n, 9))) if n else 0


def _core_product_share(d: _Data) -> tuple[float, dict, dict]:
    frac = float(d.cfg.indicator("core_product_share").get("product_fraction", 0.3))
    total, detail = d.total_with_detail()
    r = d.rev
    if "product" not in r.columns or not r["product"].notna().any():
        raise _NA("收入没有对应产品（收入表的产品列为空）",
                  "revenue rows name no product (column product of the revenue table is empty)", detail)
    by_prod = r.groupby("product")["amount"].sum()  # rows with no product are left out
    by_prod.index = by_prod.index.astype(str)
    products = d.client.tables.get("products")
    core: list[str] = []
    listed: list[str] = []
    if products is not None and len(products) and "product" in products.columns:
        listed = [str(x) for x in products["product"].dropna().unique()]
        if "core" in products.columns:
            flag = products["core"].astype("boolean").fillna(False)
            core = [str(x) for x in products.loc[flag.to_numpy(dtype=bool), "product"].dropna().unique()]
    if core:
        universe = core
        detail["products_from"] = "flagged core (核心产品)"
    else:
        universe = list(dict.fromkeys(listed + list(by_prod.index)))
        detail["products_from"] = "all products (none flagged core)"
    k = _core_count(frac, len(universe))
    rev_u = by_prod.reindex(universe).fillna(0.0).sort_values(ascending=False, kind="stable")
    top = rev_u.head(k)
    detail.update({"products": len(universe), "fraction": frac, "top_k": k, "top_revenue": float(top.sum()),
                   "top_products": [str(x) for x in top.index],
                   "revenue_without_product": float(r.loc[r["product"].isna(), "amount"].sum())})
    return float(top.sum()) / total, detail, {}


_COMPUTE = {
    "top10_share": _top10_share,
    "renewal_rate": _renewal_rate,
    "wallet_share": _wallet_share,
    "nps": _nps,
    "win_rate": _win_rate,
    "pipeline_coverage": _pipeline_coverage,
    "sales_per_rep": _sales_per_rep,
    "output_per_employee": _output_per_employee,
    "reps_above_mean": _reps_above_mean,
    "core_product_share": _core_product_share,
}


def compute_values(client: Client, period: str | Period | None = None) -> dict[str, dict[str, Any]]:
    """The ten indicators' values from the client's data, before assessment.

    Returns, per indicator key, ``{"value", "detail", "variants", "reason"}``
    where ``reason`` is ``(zh, en)`` when the value is None.
    """
    per = client.period(period)
    d = _Data(client, per)
    out: dict[str, dict[str, Any]] = {}
    for key in client.config.indicator_keys():
        fn = _COMPUTE.get(key)
        if fn is None:
            out[key] = {"value": None, "detail": {}, "variants": {},
                        "reason": ("kalib不会计算这个指标", "kalib does not compute this indicator")}
            continue
        try:
            value, detail, variants = fn(d)
            if value is not None and not math.isfinite(value):
                raise _NA("无法计算（结果不是有限数值）", "cannot be computed (the result is not a finite number)", detail)
            out[key] = {"value": float(value), "detail": detail, "variants": variants, "reason": None}
        except _NA as na:
            out[key] = {"value": None, "detail": na.detail, "variants": {}, "reason": (na.zh, na.en)}
        except MissingData as exc:
            out[key] = {"value": None, "detail": {}, "variants": {}, "reason": (str(exc), str(exc))}
    return out


def health_check(client: Client, period: str | Period | None = None, industry: str | None = None) -> HealthResult:
    """The ten health indicators of a client, from its data, for a period.

    Parameters
    ----------
    client
        The client.  Uses revenue (1, 2, 3, 7, 8, 9, 10), customers (3: the
        ``wallet`` estimates), nps (4), opportunities (5, 6, and 9 when
        revenue names no salesperson), salespeople (7, 9), products (10:
        ``core``), and client.yml's ``employees`` (8) and ``sales_target`` (6).
    period
        ``2024``, ``FY2024``, ``2024-Q3``, ... (default: client.yml's, else the
        last full year in the data).  Indicators 7 and 8 are scaled to a year.
    industry
        Whose lines apply (default: client.yml's).

    Returns
    -------
    HealthResult
        ``source="data"``; each indicator's ``detail`` says what it was
        computed from, and ``reason_zh/en`` why it is not available.
    """
    per = client.period(period)
    ind = industry or client.industry
    if ind not in INDUSTRIES:
        raise ValueError(f"industry must be one of {', '.join(INDUSTRIES)}, not {ind!r}")
    raw = compute_values(client, per)
    return evaluate(
        {k: v["value"] for k, v in raw.items()}, ind, client.config,
        details={k: v["detail"] for k, v in raw.items()},
        reasons={k: v["reason"] for k, v in raw.items() if v["reason"]},
        variants={k: v["variants"] for k, v in raw.items()},
        period=per, client=client.name, source="data",
    )
