"""The ten health indicators (十大健康指标), each declared once.

One :class:`IndicatorSpec` per indicator, in :data:`INDICATORS` (method
order): how it is computed from a client's data, how to say what it was
computed from, the advice for a business owner when it is below the pass
line, and where the course teaches its causes (layer, notebook, section).
Its name, unit, definition and lines are read from :file:`kalib/method.yaml`
through the client's :class:`~kalib.config.Config`
(:meth:`IndicatorSpec.definition`, :meth:`IndicatorSpec.lines`).

:mod:`kalib.health` assesses the values; :mod:`kalib.team` and
:mod:`kalib.checkup` read the same declarations.

Examples
--------
>>> from kalib.config import default_config
>>> spec = INDICATORS["reps_above_mean"]
>>> spec.definition(default_config())["id"], spec.lines(default_config(), "services")["pass"]
(9, 0.5)
>>> spec.notebook, spec.section
('04.00-sales-team', 'Sales per salesperson')
>>> above_mean(pd.Series([1.0, 1.0, 4.0])).tolist()
[False, False, True]
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .client import Client, Period
from .config import Config
from .i18n import fmt_num, fmt_pct, fmt_rmb, fmt_times, tr

if TYPE_CHECKING:
    from .health import Indicator

__all__ = ["INDICATORS", "IndicatorSpec", "IndicatorData", "NotAvailable", "above_mean", "basis_text",
           "advice_text", "TIE_TOLERANCE", "format_line", "format_value"]

#: Relative tolerance under which two amounts are equal (a salesperson whose sales equal the mean is
#: not above it, whatever the rounding of the mean).
TIE_TOLERANCE = 1e-9


def above_mean(sales: pd.Series) -> pd.Series:
    """Indicator 9's rule: whether each salesperson's sales are strictly above the mean over all of
    them (METHOD.md; those with no sales count, at zero).  Sales equal to the mean, up to the
    rounding of computing the mean (:data:`TIE_TOLERANCE`, relative), are not above it.

    >>> above_mean(pd.Series([0.1, 0.1, 0.1])).any()
    np.False_
    """
    mean = float(sales.mean())
    return sales > mean + TIE_TOLERANCE * max(1.0, abs(mean))


# ---------------------------------------------------------------------------
# Formatting in each indicator's own unit
# ---------------------------------------------------------------------------
def format_value(x: float | None, unit: str, lang: str = "en") -> str:
    """A value in its unit: shares as %, money in RMB (万元 in Chinese), ratios as ×.

    >>> format_value(0.384, "share"), format_value(12.5e6, "rmb", "zh"), format_value(2.44, "ratio")
    ('38.4%', '1,250万元', '2.4×')
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
        return fmt_times(x, lang)
    return fmt_num(x, 1)


def format_line(x: float | None, unit: str, lang: str = "en") -> str:
    """A pass or excellent line, as short as it can be said: ``50%``, ``1000万元``, ``3×``.

    >>> format_line(0.33, "share"), format_line(1e7, "rmb", "zh"), format_line(4e5, "rmb"), format_line(3.0, "ratio")
    ('33%', '1,000万元', 'RMB 400k', '3×')
    """
    if x is None:
        return "–"
    if unit == "share":
        return f"{round(x * 100, 6):g}%"
    if unit == "rmb":
        return fmt_rmb(x, lang)
    if unit == "ratio":
        return f"{x:g}" + ("倍" if lang == "zh" else "×")
    return f"{x:g}"


# ---------------------------------------------------------------------------
# Computing the values from a client's data
# ---------------------------------------------------------------------------
class NotAvailable(Exception):
    """An indicator cannot be computed: reason in Chinese and English, plus what was seen."""

    def __init__(self, zh: str, en: str, detail: Mapping[str, Any] | None = None):
        super().__init__(en)
        self.zh, self.en, self.detail = zh, en, dict(detail or {})


def _per(per: Period) -> str:
    return f"{per.start.date()}–{per.end.date()}"


class IndicatorData:
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
            raise NotAvailable("没有收入数据（收入表）", "no revenue data (revenue table)")
        if len(self.rev) == 0 or not self.rev["amount"].notna().any():
            raise NotAvailable(f"期内（{_per(self.per)}）没有收入", f"no revenue in the period ({_per(self.per)})")
        return self.rev

    def total(self) -> float:
        total = float(self.revenue()["amount"].sum())
        if total <= 0:
            raise NotAvailable(f"期内收入合计不为正（{fmt_rmb(total, 'zh')}）",
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
                raise NotAvailable("收入没有对应客户（收入表的客户名称列为空）",
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


def _top10_share(d: IndicatorData) -> tuple[float, dict, dict]:
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


def _renewal_rate(d: IndicatorData) -> tuple[float, dict, dict]:
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
        raise NotAvailable(f"上一期（{_per(prev)}）没有客户收入，无法比较",
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
    min_months = int(d.cfg.indicator("renewal_rate").get("confidence", {}).get("min_previous_months", 0))
    in_prev = r.loc[prev.contains(r["date"]), "date"]
    covered = int(in_prev.dt.to_period("M").nunique())
    months = max(1, round(prev.days / 30.4375))
    needed = min(min_months, months)
    detail.update({"previous_months_covered": covered, "previous_months": months})
    if covered < needed:
        detail["low_confidence"] = True
        detail["low_confidence_zh"] = (f"上一期只有{covered}个月有收入数据（至少需要{needed}个月）："
                                       "上一期的客户可能不全，续约率仅供参考")
        detail["low_confidence_en"] = (f"the previous period has revenue in {covered} month(s) only (at least "
                                       f"{needed} needed): its customers may be incomplete, read the rate with care")
    base = float(prev_rev.sum())
    variants = {"revenue_retention": float(now.reindex(prev_rev.index).fillna(0.0).sum()) / base,
                "revenue_retention_note": "this period's revenue from last period's customers ÷ their revenue "
                                          "last period (本期老客户收入 ÷ 其上期收入)"}
    return len(renewed) / len(prev_rev), detail, variants


def _wallet_share(d: IndicatorData) -> tuple[float, dict, dict]:
    top_n = int(d.cfg.indicator("wallet_share").get("top_n", 10))
    cust = d.client.tables.get("customers")
    if cust is None or len(cust) == 0 or "wallet" not in cust.columns or not cust["wallet"].notna().any():
        raise NotAvailable("没有客户品类采购额估计（客户表的“品类采购额估计”列）",
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
        raise NotAvailable(f"前{top_n}大客户都没有品类采购额估计", f"none of the {top_n} largest customers has a wallet estimate",
                  detail)
    return float(np.median(shares)), detail, {}


def _nps(d: IndicatorData) -> tuple[float, dict, dict]:
    spec = d.cfg.indicator("nps")
    pmin, dmax = spec.get("promoter_min", 9), spec.get("detractor_max", 6)
    c = d.client
    if not c.has("nps") or "score" not in c.tables["nps"].columns:
        raise NotAvailable("期内没有NPS调查答卷（没有NPS表）", "no NPS answers in the period (no NPS table)")
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
        raise NotAvailable("期内没有NPS调查答卷", "no NPS answers in the period", detail)
    prom, det = int((s >= pmin).sum()), int((s <= dmax).sum())
    detail.update({"answers": int(len(s)), "promoters": prom, "detractors": det,
                   "passives": int(len(s)) - prom - det, "promoter_min": pmin, "detractor_max": dmax})
    return (prom - det) / len(s), detail, {}


def _close_dates(o: pd.DataFrame) -> tuple[pd.Series, int]:
    miss = o["closed_date"].isna() & o["expected_close"].notna()
    return o["closed_date"].fillna(o["expected_close"]), int(miss.sum())


def _opps(d: IndicatorData, purpose: str) -> pd.DataFrame:
    if not d.client.has("opportunities"):
        raise NotAvailable("没有销售机会数据（销售机会表）", "no opportunities (opportunities table)")
    return d.client.tables["opportunities"]


def _win_rate(d: IndicatorData) -> tuple[float, dict, dict]:
    o = _opps(d, "win rate")
    closed = o.loc[o["status"].isin(["won", "lost"]), ["status", "stage", "closed_date", "expected_close"]]
    when, fallback = _close_dates(closed)
    inside = closed.loc[d.per.contains(when)]
    # Deals we withdrew from (放弃/NoGo) leave won + lost unless the method counts them as lost.
    left_out = d.cfg.withdrawn_stages()
    out = inside["stage"].isin(left_out)
    won, lost = int((inside["status"] == "won").sum()), int(((inside["status"] == "lost") & ~out).sum())
    detail: dict[str, Any] = {"won": won, "lost": lost, "withdrawn": int(out.sum()),
                              "withdrawn_counted_as_lost": not left_out}
    undated = int(when.isna().sum())
    if undated:
        detail["closed_without_date"] = undated
    if fallback:
        detail["closed_dated_by_expected_close"] = fallback
    if won + lost == 0:
        raise NotAvailable("期内没有关闭（赢单或丢单）的销售机会", "no opportunities closed (won or lost) in the period", detail)
    return won / (won + lost), detail, {}


def _pipeline_coverage(d: IndicatorData) -> tuple[float, dict, dict]:
    target_year = d.client.meta.sales_target
    if target_year is None or (isinstance(target_year, float) and not math.isfinite(target_year)) or target_year <= 0:
        zh, en = "没有销售目标（在client.yml中设置sales_target）", "no sales target (set sales_target in client.yml)"
        if not d.client.has("opportunities"):
            zh, en = zh + "；也没有销售机会数据", en + "; no opportunities either"
        raise NotAvailable(zh, en)
    o = _opps(d, "pipeline reserve")
    target = float(target_year) * d.per.years
    amount = o.loc[o["status"] == "open", "amount"]
    open_amount = float(amount.sum())
    won = o.loc[o["status"] == "won", ["amount", "closed_date", "expected_close"]]
    when, _ = _close_dates(won)
    won_amt = float(won.loc[d.per.contains(when), "amount"].sum())
    detail = {"open_amount": open_amount, "open_opportunities": int(len(amount)),
              "open_without_amount": int(amount.isna().sum()), "target": target,
              "target_per_year": float(target_year), "won_in_period": won_amt}
    remaining = target - won_amt
    variants = {"remaining_target": remaining,
                "coverage_of_remaining": (open_amount / remaining) if remaining > 0 else None}
    return open_amount / target, detail, variants


def _salespeople(d: IndicatorData) -> tuple[list[str], str]:
    c = d.client
    names = [str(x) for x in c.salespeople(d.per).dropna().tolist()]
    src = "salespeople table" if c.has("salespeople") else "owners of revenue and opportunities"
    if not names:
        raise NotAvailable("没有销售人员（没有销售人员表，收入和销售机会也没有负责人）",
                  "no salespeople (no salespeople table, and no owners on revenue or opportunities)")
    return names, src


def _sales_per_rep(d: IndicatorData) -> tuple[float, dict, dict]:
    total, detail = d.total_with_detail()
    names, src = _salespeople(d)
    years = d.per.years
    detail.update({"salespeople": len(names), "salespeople_from": src, "years": years})
    return total / len(names) / years, detail, {}


def _output_per_employee(d: IndicatorData) -> tuple[float, dict, dict]:
    emp = d.client.meta.employees
    if emp is None or emp <= 0:
        raise NotAvailable("没有员工总数（在client.yml中设置employees）", "no employee count (set employees in client.yml)")
    total, detail = d.total_with_detail()
    years = d.per.years
    detail.update({"employees": int(emp), "years": years})
    return total / emp / years, detail, {}


def _reps_above_mean(d: IndicatorData) -> tuple[float, dict, dict]:
    names, src = _salespeople(d)
    least = int(d.cfg.indicator("reps_above_mean").get("confidence", {}).get("min_salespeople", 1))
    if len(names) < least:
        raise NotAvailable(f"只有{len(names)}名销售人员（至少需要{least}名才能看出销售额的分布）",
                           f"only {len(names)} salesperson(s) (at least {least} are needed for the spread of sales "
                           "to mean anything)", {"salespeople": len(names), "min_salespeople": least,
                                                 "salespeople_from": src})
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
        won = o.loc[(o["status"] == "won") & o["owner"].notna(), ["owner", "amount", "closed_date", "expected_close"]]
        when, _ = _close_dates(won)
        won = won.loc[d.per.contains(when)]
        if len(won):
            sales = won.groupby("owner")["amount"].sum()
            unassigned = None
            how = "won opportunities"
    if sales is None:
        raise NotAvailable("销售额无法归属到销售人员（收入表没有销售员，期内也没有赢单）",
                  "sales are not attributed to salespeople (no salesperson on revenue, no won opportunities "
                  "in the period)", {"salespeople": len(names)})
    sales.index = sales.index.astype(str)
    per_rep = pd.Series(0.0, index=pd.Index(names, dtype="str")).add(sales.reindex(names).fillna(0.0), fill_value=0)
    mean = float(per_rep.mean())
    above = int(above_mean(per_rep).sum())
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


def _core_product_share(d: IndicatorData) -> tuple[float, dict, dict]:
    frac = float(d.cfg.indicator("core_product_share").get("product_fraction", 0.3))
    total, detail = d.total_with_detail()
    r = d.rev
    if "product" not in r.columns or not r["product"].notna().any():
        raise NotAvailable("收入没有对应产品（收入表的产品列为空）",
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
    sold = [str(x) for x in by_prod.index[by_prod.to_numpy() > 0]]
    if core:
        universe = core
        detail["products_from"] = "flagged core (核心产品)"
        unsold = [p for p in core if p not in set(sold)]
    else:
        # No product flagged core: the products sold in the period (a catalogue's unsold items are listed, not counted).
        universe = sold
        detail["products_from"] = "sold in the period (none flagged core)"
        unsold = [p for p in listed if p not in set(sold)]
    detail["unsold_products"] = len(unsold)
    detail["unsold_product_names"] = unsold[:20]
    k = _core_count(frac, len(universe))
    rev_u = by_prod.reindex(universe).fillna(0.0).sort_values(ascending=False, kind="stable")
    top = rev_u.head(k)
    detail.update({"products": len(universe), "fraction": frac, "top_k": k, "top_revenue": float(top.sum()),
                   "top_products": [str(x) for x in top.index],
                   "revenue_without_product": float(r.loc[r["product"].isna(), "amount"].sum())})
    return float(top.sum()) / total, detail, {}


# ---------------------------------------------------------------------------
# What each value was computed from, in words
# ---------------------------------------------------------------------------
def _basis_top10_share(d: dict, v: dict, lang: str, m: Callable[[float], str]) -> str:
    return tr(lang, f"前{d['top_n']}名客户收入{m(d['top_revenue'])}，期内总收入{m(d['total_revenue'])}"
                    f"（{d['customers']}个有收入的客户）。",
              f"The top {d['top_n']} customers brought {m(d['top_revenue'])} of the period's "
              f"{m(d['total_revenue'])} ({d['customers']} customers with revenue).")


def _basis_renewal_rate(d: dict, v: dict, lang: str, m: Callable[[float], str]) -> str:
    prev = d["previous_period"]
    t = tr(lang, f"上一期（{prev['start']}至{prev['end']}）的{d['previous_customers']}个客户中，"
                 f"{d['renewed']}个本期继续购买，{d['lost']}个没有。",
           f"Of the {d['previous_customers']} customers of the previous period ({prev['start']} to "
           f"{prev['end']}), {d['renewed']} bought again and {d['lost']} did not.")
    rr = v.get("revenue_retention")
    if rr is not None:
        t += tr(lang, f"按收入算（老客户本期收入 ÷ 其上期收入）为{fmt_pct(rr)}。",
                f" By revenue (their revenue now ÷ their revenue then): {fmt_pct(rr)}.")
    if d.get("previous_partly_covered"):
        t += tr(lang, f"注意：数据从{d['data_start']}开始，上一期只部分覆盖。",
                f" Note: the data start on {d['data_start']}, so the previous period is only partly covered.")
    return t


def _basis_wallet_share(d: dict, v: dict, lang: str, m: Callable[[float], str]) -> str:
    acc = [a for a in d.get("accounts", []) if a.get("share") is not None]
    parts = ("、" if lang == "zh" else "; ").join(f"{a['customer']} {fmt_pct(a['share'])}" for a in acc)
    return tr(lang, f"前{d['top_n']}名客户中{d['with_wallet']}个有品类采购额估计：{parts}；取中位数。",
              f"{d['with_wallet']} of the top {d['top_n']} customers have a wallet estimate: {parts}; the median "
              "is shown.")


def _basis_nps(d: dict, v: dict, lang: str, m: Callable[[float], str]) -> str:
    return tr(lang, f"{d['answers']}份答卷：推荐者{d['promoters']}（{d['promoter_min']}–10分），"
                    f"中立者{d['passives']}，贬损者{d['detractors']}（0–{d['detractor_max']}分）。",
              f"{d['answers']} answers: {d['promoters']} promoters ({d['promoter_min']}-10), {d['passives']} "
              f"passives, {d['detractors']} detractors (0-{d['detractor_max']}).")


def _basis_win_rate(d: dict, v: dict, lang: str, m: Callable[[float], str]) -> str:
    if d.get("withdrawn_counted_as_lost", True):
        return tr(lang, f"期内关闭的机会：赢单{d['won']}个，丢单（含放弃）{d['lost']}个。",
                  f"Closed in the period: {d['won']} won, {d['lost']} lost (abandoned included).")
    return tr(lang, f"期内关闭的机会：赢单{d['won']}个，丢单{d['lost']}个；我们主动放弃（NoGo）的"
                    f"{d.get('withdrawn', 0)}个不计入赢单成功率。",
              f"Closed in the period: {d['won']} won, {d['lost']} lost; the {d.get('withdrawn', 0)} we withdrew "
              "from (NoGo) are left out of the win rate.")


def _basis_pipeline_coverage(d: dict, v: dict, lang: str, m: Callable[[float], str]) -> str:
    t = tr(lang, f"在跟机会{d['open_opportunities']}个，金额{m(d['open_amount'])}"
                 f"（{d['open_without_amount']}个没有金额）；本期销售目标{m(d['target'])}。",
           f"{d['open_opportunities']} open opportunities worth {m(d['open_amount'])} "
           f"({d['open_without_amount']} without an amount); the period's sales target is {m(d['target'])}.")
    cov = v.get("coverage_of_remaining")
    if cov is not None:
        t += tr(lang, f"扣除期内已赢单{m(d['won_in_period'])}后，对剩余目标的覆盖为{fmt_times(cov, 'zh')}。",
                f" Against the target still open after {m(d['won_in_period'])} won in the period: {fmt_times(cov, 'en')}.")
    return t


def _basis_sales_per_rep(d: dict, v: dict, lang: str, m: Callable[[float], str]) -> str:
    src = tr(lang, "销售人员表" if d["salespeople_from"] == "salespeople table" else "收入和机会的负责人",
             d["salespeople_from"])
    return tr(lang, f"期内收入{m(d['total_revenue'])} ÷ {d['salespeople']}名销售人员（来自{src}）"
                    + ("" if d["years"] == 1 else f" ÷ {fmt_num(d['years'], 2)}年") + "。",
              f"Revenue {m(d['total_revenue'])} ÷ {d['salespeople']} salespeople (from the {src})"
              + ("" if d["years"] == 1 else f" ÷ {fmt_num(d['years'], 2)} years") + ".")


def _basis_output_per_employee(d: dict, v: dict, lang: str, m: Callable[[float], str]) -> str:
    return tr(lang, f"期内收入{m(d['total_revenue'])} ÷ {d['employees']:,}名员工"
                    + ("" if d["years"] == 1 else f" ÷ {fmt_num(d['years'], 2)}年") + "。",
              f"Revenue {m(d['total_revenue'])} ÷ {d['employees']:,} employees"
              + ("" if d["years"] == 1 else f" ÷ {fmt_num(d['years'], 2)} years") + ".")


def _basis_reps_above_mean(d: dict, v: dict, lang: str, m: Callable[[float], str]) -> str:
    src = {"revenue": tr(lang, "收入", "revenue"), "won opportunities": tr(lang, "赢单", "won opportunities")}
    return tr(lang, f"{d['salespeople']}名销售人员中{d['above_mean']}名高于平均销售额{m(d['mean_sales'])}"
                    f"（{d['with_no_sales']}名没有销售额，按0计；销售额来自{src.get(d['sales_from'], d['sales_from'])}）。",
              f"{d['above_mean']} of {d['salespeople']} salespeople sold more than the mean of {m(d['mean_sales'])} "
              f"({d['with_no_sales']} with no sales, counted at zero; sales from "
              f"{src.get(d['sales_from'], d['sales_from'])}).")


def _basis_core_product_share(d: dict, v: dict, lang: str, m: Callable[[float], str]) -> str:
    flagged = d["products_from"].startswith("flagged")
    what = tr(lang, f"产品集合：{d['products']}个标记的核心产品" if flagged
              else f"产品集合：期内有销售的{d['products']}个产品（没有标记核心产品）",
              f"Product set: the {d['products']} products flagged core" if flagged
              else f"Product set: the {d['products']} products sold in the period (none flagged core)")
    sep = "、" if lang == "zh" else ", "
    names = sep.join(d["top_products"][:6]) + ("…" if len(d["top_products"]) > 6 else "")
    t = tr(lang, f"{what}，取收入最高的{d['top_k']}个（{names}），收入{m(d['top_revenue'])}，"
                 f"期内总收入{m(d['total_revenue'])}。",
           f"{what}; the {d['top_k']} with the most revenue ({names}) brought {m(d['top_revenue'])} of "
           f"{m(d['total_revenue'])}.")
    n = d.get("unsold_products", 0)
    if n:
        shown = d.get("unsold_product_names", [])
        more = sep.join(shown[:8]) + ("…" if n > 8 else "")
        t += tr(lang, f"期内未售出（{'核心产品' if flagged else '只在产品清单中'}）：{n}个（{more}）。",
                f" Unsold in the period ({'core' if flagged else 'in the catalogue only'}): {n} ({more}).")
    return t


def basis_text(ind: Indicator, lang: str) -> str:
    """What an assessed indicator was computed from, in words (from its ``detail``); empty for
    entered values."""
    d = ind.detail
    if not d or d.get("source") == "entered":
        return ""
    spec = INDICATORS.get(ind.key)
    m = lambda x: fmt_rmb(x, lang)  # noqa: E731
    t = spec.basis(d, ind.variants, lang, m) if spec is not None else ""
    un = d.get("unassigned_revenue")
    if un and ind.key == "top10_share":
        t += tr(lang, f"其中{m(un)}没有对应客户：计入总收入，不算作客户。",
                f" {m(un)} of it has no customer: in the total, never a customer.")
    if d.get("revenue_derived_from"):
        t += tr(lang, "（收入由赢单推算）", " (revenue derived from won opportunities)")
    return t


def advice_text(ind: Indicator, lang: str, config: Config | None) -> str:
    """The gap of an assessed indicator worded for a business owner."""
    v = ind.value_text(lang)
    d = ind.distance_text(lang)
    spec = INDICATORS.get(ind.key)
    if spec is None:
        return tr(lang, f"{ind.zh}：{v}（{d}）", f"{ind.en}: {v} ({d})")
    frac = None
    if config is not None and ind.key == "core_product_share":
        frac = config.indicator("core_product_share").get("product_fraction")
    fields = {"value": v, "line": format_line(ind.pass_line, ind.unit, lang), "distance": d,
              "products": fmt_pct(frac) if frac is not None else tr(lang, "前30%", "top 30%")}
    return tr(lang, spec.advice_zh, spec.advice_en).format(**fields)


# ---------------------------------------------------------------------------
# The declarations
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class IndicatorSpec:
    """One health indicator, declared once.

    ``compute`` returns (value, detail, variants) or raises :class:`NotAvailable`;
    ``basis`` words the detail; ``advice_zh`` / ``advice_en`` are the owner's
    advice (``{value}``, ``{line}``, ``{distance}``, ``{products}`` filled in);
    ``layer``, ``notebook`` and ``section`` say where the course studies its
    causes (``section``: the heading's English part, None for the notebook as
    a whole).
    """

    key: str
    compute: Callable[[IndicatorData], tuple[float, dict, dict]]
    basis: Callable[[dict, dict, str, Callable[[float], str]], str]
    advice_zh: str
    advice_en: str
    layer: int
    notebook: str
    section: str | None = None

    def definition(self, config: Config) -> dict[str, Any]:
        """Its entry in the method (id, names, unit, definition, parameters, lines)."""
        return config.indicator(self.key)

    def lines(self, config: Config, industry: str) -> dict[str, Any]:
        """Its pass and excellent lines for an industry (with their source)."""
        return config.line(self.key, industry)


INDICATORS: dict[str, IndicatorSpec] = {s.key: s for s in [
    IndicatorSpec(
        "top10_share", _top10_share, _basis_top10_share,
        "前10大客户只贡献了{value}的收入（及格线{line}，{distance}）：收入太分散。挑出值得深耕的客户，把它们做深做大——大客户是持续高价值的贡献者。",
        "Your 10 largest customers bring only {value} of revenue (pass line {line}; {distance}). Revenue is "
        "spread thin: choose the accounts worth farming and grow them; a key account is a sustained, high-value "
        "contributor.",
        2, "02.00-customer-value", "Pareto curve and concentration"),
    IndicatorSpec(
        "renewal_rate", _renewal_rate, _basis_renewal_rate,
        "上期的老客户只有{value}本期继续购买（及格线{line}，{distance}）：先弄清其他客户为什么流失，守住现有客户。",
        "Only {value} of last period's customers bought again (pass line {line}; {distance}). Find out why the "
        "others left, and protect the customers you have.",
        2, "02.00-customer-value", "Farming, not hunting"),
    IndicatorSpec(
        "wallet_share", _wallet_share, _basis_wallet_share,
        "大客户在本品类的采购中只有{value}给了我们（中位数，及格线{line}，{distance}）：在现有大客户身上还有很大的份额可以争取。",
        "Your top customers spend only {value} of their budget in our category with you (median; pass line "
        "{line}; {distance}). There is a larger share to win in accounts you already have.",
        2, "02.00-customer-value", "What each customer brings us"),
    IndicatorSpec(
        "nps", _nps, _basis_nps,
        "客户净推荐值只有{value}（及格线{line}，{distance}）：愿意推荐我们的客户太少，请逐一询问贬损者问题出在哪里。",
        "Customer loyalty (NPS) is {value} (pass line {line}; {distance}). Too few customers would recommend "
        "you: ask the detractors what went wrong.",
        2, "02.00-customer-value", "Customer loyalty (NPS)"),
    IndicatorSpec(
        "win_rate", _win_rate, _basis_win_rate,
        "赢单成功率只有{value}（及格线{line}，{distance}）：更严格地做销售判定（Go/NoGo），不要追赢不了的单。",
        "You win {value} of the deals you close (pass line {line}; {distance}). Qualify harder (Go/NoGo) and "
        "stop chasing deals you cannot win.",
        2, "02.01-how-to-sell", "Go/NoGo and the portfolio"),
    IndicatorSpec(
        "pipeline_coverage", _pipeline_coverage, _basis_pipeline_coverage,
        "在跟的销售机会只有销售目标的{value}（及格线{line}，{distance}）：按正常的赢单成功率，目标难以完成，需要尽快补充销售机会。",
        "Open opportunities cover only {value} of the sales target (pass line {line}; {distance}). At a normal "
        "win rate the target will be missed: build pipeline now.",
        3, "03.00-win-rate-model", "Board 2: the dynamic performance dashboard"),
    IndicatorSpec(
        "sales_per_rep", _sales_per_rep, _basis_sales_per_rep,
        "销售人员人均年销售额只有{value}（及格线{line}，{distance}）：销售团队的产出与其规模不匹配。",
        "Each salesperson sells {value} a year (pass line {line}; {distance}). The sales team produces too "
        "little for its size.",
        4, "04.00-sales-team", "Sales per salesperson"),
    IndicatorSpec(
        "output_per_employee", _output_per_employee, _basis_output_per_employee,
        "企业人均年生产产值只有{value}（及格线{line}，{distance}）：相对公司规模，收入偏低。",
        "Output per employee is {value} a year (pass line {line}; {distance}). Revenue is low for the size of "
        "the company.",
        4, "04.00-sales-team"),
    IndicatorSpec(
        "reps_above_mean", _reps_above_mean, _basis_reps_above_mean,
        "只有{value}的销售人员高于团队平均销售额（及格线{line}，{distance}）：业绩依赖少数明星，要帮助其余的人成长。",
        "Only {value} of salespeople sell above the team average (pass line {line}; {distance}). Results hang "
        "on a few stars: help the rest of the team grow.",
        4, "04.00-sales-team", "Sales per salesperson"),
    IndicatorSpec(
        "core_product_share", _core_product_share, _basis_core_product_share,
        "{products}的核心产品只贡献了{value}的收入（及格线{line}，{distance}）：产品线缺少有竞争力的拳头产品。",
        "The leading {products} of core products bring only {value} of revenue (pass line {line}; {distance}). "
        "The product line lacks clear winners.",
        1, "01.00-customer-needs", "Product competitiveness"),
]}
