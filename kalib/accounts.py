"""Layer 1, customer value (客户价值): what each customer is worth to us.

"A big company is not automatically a key account (大企业≠大客户)": what makes
a customer *big* is the value it brings us, year after year.  This module
measures that value from the revenue table and classifies customers by it.

Functions
---------
:func:`revenue_in`
    The revenue rows of a period.
:func:`customer_value`
    Per customer: the value it brings us per year, its trend against the
    previous period, its share of our revenue, its share of wallet (where the
    customers table has a wallet estimate) and its value tier.  Returns a
    :class:`CustomerValue` whose methods give the Pareto curve
    (:meth:`~CustomerValue.pareto`), the concentration figures
    (:meth:`~CustomerValue.concentration`: top-10 share, HHI), the tier
    breakdown (:meth:`~CustomerValue.tier_summary`), farming and new business
    (:meth:`~CustomerValue.farming`) and the "big company, small customer"
    lists (:meth:`~CustomerValue.size_vs_value`).
:func:`assign_tiers`, :func:`concentration`, :func:`pareto`
    The same building blocks on a plain Series of values.

Input columns (canonical, see :mod:`kalib.schema`): revenue ``date``,
``customer``, ``amount``; customers ``customer``, ``wallet``, ``employees``,
``company_revenue``, ``segment``.  Revenue with no customer counts in the
total but is never a customer: it is reported as ``unassigned``.

The tiers, trend thresholds and the size/value cut-offs come from the client's
configuration (``tiers`` and ``accounts`` in :file:`kalib/method.yaml`).

Examples
--------
>>> import pandas as pd
>>> from kalib.client import Client
>>> rev = pd.DataFrame({
...     "date": pd.to_datetime(["2023-03-01", "2024-02-01", "2024-05-01", "2024-06-01", "2024-07-01"]),
...     "customer": ["A", "A", "A", "B", None],
...     "amount": [4e6, 8e6, 4e6, 5e5, 1e5]})
>>> c = Client.from_frames({"revenue": rev}, period="2024")
>>> cv = customer_value(c)
>>> cv.table[["customer", "value", "share", "tier", "trend"]]
  customer       value     share      tier trend
0        A  12000000.0  0.952381   diamond  growing
1        B    500000.0  0.039683    silver      new
>>> cv.unassigned
100000.0
>>> round(cv.concentration()["hhi"])
9232
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .client import Client, MissingData, Period
from .config import Config

__all__ = [
    "CustomerValue",
    "revenue_in",
    "customer_value",
    "assign_tiers",
    "concentration",
    "pareto",
    "CustomerNeeds",
    "customer_needs",
    "buying_history",
    "mix_shifts",
    "industry_view",
    "cross_industry",
    "product_categories",
    "period_label",
    "periods_back",
    "needs_insight",
    "shifts_table",
    "describe_shifts",
    "industry_table",
    "describe_industries",
    "cross_table",
    "describe_cross",
    "describe_insight",
    "loyalty",
    "describe_loyalty",
    "loyalty_answers",
]


def revenue_in(client: Client, period: Period, purpose: str = "customer value") -> pd.DataFrame:
    """The revenue rows dated within ``period`` (a new frame; the client's is untouched).

    Raises :class:`~kalib.client.MissingData` when the client has no revenue table.
    """
    rev = client.table("revenue", purpose=purpose)
    return rev.loc[period.contains(rev["date"])]


def assign_tiers(values: pd.Series, config: Config) -> pd.Series:
    """The value tier key of each yearly value: the first tier (highest first) whose
    ``min`` the value reaches; values below every tier get the lowest tier; NA stays NA.

    >>> from kalib.config import default_config
    >>> assign_tiers(pd.Series([2e7, 1e6, 5e4, float("nan")]), default_config()).tolist()
    ['diamond', 'gold', 'bronze', nan]
    """
    tiers = config.tiers()  # highest first
    if not tiers:
        raise ValueError("the configuration has no value tiers (tiers.list)")
    v = pd.to_numeric(values, errors="coerce")
    out = pd.Series(tiers[-1]["key"], index=values.index, dtype=object)
    # Assign from the lowest tier up so the highest reached wins.
    for t in reversed(tiers):
        out[v >= t["min"]] = t["key"]
    out[v.isna()] = np.nan
    return out


def concentration(values: pd.Series, total: float | None = None, top_n: int = 10) -> dict[str, Any]:
    """Concentration of revenue over customers.

    Parameters
    ----------
    values
        Revenue (or yearly value) per customer.
    total
        The total the shares are taken of; default the sum of ``values``.
        Pass the period's total revenue to count revenue with no customer.
    top_n
        How many of the largest customers the "top share" adds up.

    Returns
    -------
    dict
        ``top_share`` (the ``top_n`` largest customers' revenue ÷ ``total``),
        ``top_n``, ``hhi`` (Herfindahl-Hirschman index, 0-10,000, over the
        customers' shares of their own sum; only customers with positive
        revenue), ``equivalent_customers`` (10,000 ÷ HHI: as concentrated as
        that many equal customers), ``customers`` (with positive revenue),
        ``customers_for_80pct`` (fewest customers that make 80% of the
        customers' revenue).  Values are None when there is no positive revenue.

    >>> d = concentration(pd.Series([50.0, 30.0, 20.0]), top_n=1)
    >>> d["top_share"], d["hhi"], d["customers_for_80pct"]
    (0.5, 3800.0, 2)
    """
    v = pd.to_numeric(values, errors="coerce").dropna()
    pos = v[v > 0].sort_values(ascending=False)
    total = float(v.sum()) if total is None else float(total)
    out: dict[str, Any] = {"top_n": int(top_n), "customers": int(len(pos)), "total": total,
                           "top_share": None, "hhi": None, "equivalent_customers": None,
                           "customers_for_80pct": None}
    if len(pos) == 0 or total <= 0:
        return out
    top = float(v.sort_values(ascending=False).head(top_n).sum())
    out["top_share"] = top / total
    s = pos / pos.sum()
    hhi = float(((s * 100) ** 2).sum())
    out["hhi"] = hhi
    out["equivalent_customers"] = 10_000 / hhi
    cum = s.cumsum().to_numpy()
    out["customers_for_80pct"] = int(np.searchsorted(cum, 0.8 - 1e-12) + 1)
    return out


def pareto(values: pd.Series) -> pd.DataFrame:
    """The Pareto (ABC) curve: customers from the largest, with cumulative shares.

    Only customers with positive revenue are on the curve.

    Returns
    -------
    DataFrame
        ``rank`` (1 = largest), ``customer`` (the index of ``values``),
        ``value``, ``share``, ``cum_share`` (of the customers' revenue) and
        ``cum_customers`` (share of the customers on the curve).

    >>> pareto(pd.Series({"A": 60.0, "B": 30.0, "C": 10.0}))[["customer", "cum_share", "cum_customers"]]
      customer  cum_share  cum_customers
    0        A        0.6       0.333333
    1        B        0.9       0.666667
    2        C        1.0       1.000000
    """
    v = pd.to_numeric(values, errors="coerce")
    v = v[v > 0].sort_values(ascending=False, kind="stable")
    n = len(v)
    total = float(v.sum())
    df = pd.DataFrame({
        "rank": np.arange(1, n + 1),
        "customer": v.index.astype(str) if n else pd.Index([], dtype="str"),
        "value": v.to_numpy(dtype=float),
    })
    df["share"] = df["value"] / total if total else np.nan
    df["cum_share"] = df["share"].cumsum()
    df["cum_customers"] = df["rank"] / n if n else np.nan
    return df


@dataclass
class CustomerValue:
    """Customer value of one period (see :func:`customer_value`).

    Attributes
    ----------
    table
        One row per customer, largest value first: ``customer``, ``revenue``
        (RMB in the period), ``value`` (RMB per year), ``previous`` (RMB per
        year in the previous period, 0 when none), ``change`` and ``growth``
        (NA when there was no previous value), ``trend`` (``new``,
        ``growing``, ``stable``, ``declining``, ``lost``, ``none``),
        ``share`` (of the period's total revenue), ``cum_share``, ``rank``,
        ``tier`` (key), ``tier_zh``, ``tier_en``, ``key_account`` (in a key
        tier), ``wallet`` (RMB per year, estimate), ``wallet_share``
        (``value`` ÷ ``wallet``), ``employees``, ``company_revenue``, ``segment``.
    period
        The period analysed.
    total
        The period's total revenue (RMB), revenue with no customer included.
    unassigned
        The period's revenue with no customer (RMB).
    """

    table: pd.DataFrame
    period: Period
    total: float
    unassigned: float
    config: Config = field(repr=False)
    previous_period: Period | None = None
    derived_from: str | None = None

    @property
    def years(self) -> float:
        return self.period.years

    def concentration(self) -> dict[str, Any]:
        """Top-10 share (of total revenue, unassigned included), HHI and friends; see :func:`concentration`."""
        top_n = int(self.config.indicator("top10_share").get("top_n", 10))
        return concentration(self.table["revenue"], total=self.total, top_n=top_n)

    def pareto(self) -> pd.DataFrame:
        """The Pareto curve of the period's revenue; see :func:`pareto`."""
        return pareto(self.table.set_index("customer")["revenue"])

    def tier_summary(self) -> pd.DataFrame:
        """Customers and revenue per value tier (highest first).

        Columns: ``tier``, ``tier_zh``, ``tier_en``, ``min`` (RMB per year),
        ``customers``, ``revenue``, ``customer_share``, ``revenue_share``
        (of the period's total revenue).  Customers without revenue in the
        period are counted in the lowest tier they fall in.
        """
        rows = []
        t = self.table
        n = len(t)
        for tier in self.config.tiers():
            sel = t["tier"] == tier["key"]
            rev = float(t.loc[sel, "revenue"].sum())
            rows.append({
                "tier": tier["key"], "tier_zh": tier.get("zh", tier["key"]), "tier_en": tier.get("en", tier["key"]),
                "min": float(tier["min"]), "customers": int(sel.sum()), "revenue": rev,
                "customer_share": (int(sel.sum()) / n) if n else np.nan,
                "revenue_share": rev / self.total if self.total > 0 else np.nan,
            })
        return pd.DataFrame(rows)

    def farming(self) -> dict[str, Any]:
        """Farming (农庄耕耘): the period's revenue from customers that already bought in
        the previous period, against new business (新客户业务) from new ones.  New
        business is not the article's 游猎 (hunting), which is a way of selling
        (chasing one-off opportunities), not a kind of customer.

        Returns ``existing_revenue``, ``new_revenue``, ``existing_share`` (of the
        customers' revenue), ``existing_customers``, ``new_customers``,
        ``lost_customers`` (bought before, nothing now), ``previous_covered``
        (whether the data reach back to the previous period).
        """
        t = self.table
        had = t["previous"] > 0
        now = t["revenue"] > 0
        ex = float(t.loc[had & now, "revenue"].sum())
        new = float(t.loc[~had & now, "revenue"].sum())
        both = ex + new
        return {
            "existing_revenue": ex, "new_revenue": new,
            "existing_share": ex / both if both > 0 else None,
            "existing_customers": int((had & now).sum()), "new_customers": int((~had & now).sum()),
            "lost_customers": int((had & ~now).sum()),
            "previous_covered": bool(had.any()),
        }

    def key_accounts(self) -> pd.DataFrame:
        """The customers in the key tiers (``accounts.key_tiers`` of the configuration)."""
        return self.table.loc[self.table["key_account"]].reset_index(drop=True)

    def slipping_key_accounts(self) -> pd.DataFrame:
        """The key accounts whose yearly value is declining against the previous period, largest first:
        the customers farming must look after first (a slipping diamond is worth more than a new lead)."""
        t = self.table
        return t.loc[t["key_account"] & (t["trend"] == "declining")].reset_index(drop=True)

    def focus_customer(self) -> str | None:
        """The key account to look at first: the largest slipping one (:meth:`slipping_key_accounts`),
        else the largest key account, else the largest customer with revenue (None without revenue)."""
        for t in (self.slipping_key_accounts(), self.key_accounts(), self.table.loc[self.table["revenue"] > 0]):
            if len(t):
                return str(t["customer"].iloc[0])
        return None

    def size_vs_value(self) -> pd.DataFrame:
        """Big companies that are small customers (大企业≠大客户), and the opposite.

        Size is the customer's ``employees`` or ``company_revenue`` (customers
        table), ranked among the customers that have it (percentile 0-1; with
        both, the larger of the two ranks).  Value is the yearly value to us,
        ranked among the customers with revenue in the period (those without
        rank 0).  Cut-offs: ``accounts.size_value`` of the configuration.

        Returns
        -------
        DataFrame
            ``customer``, ``employees``, ``company_revenue``, ``size_rank``,
            ``value``, ``value_rank``, ``tier``, ``kind`` (``big_company_small_customer``
            or ``small_company_big_customer``); big-small first, then by size.

        Raises
        ------
        MissingData
            When no customer has employees or company revenue.
        """
        t = self.table
        cut = self.config.section("accounts")["size_value"]
        ranks = []
        for col in ("employees", "company_revenue"):
            s = pd.to_numeric(t[col], errors="coerce")
            if s.notna().any():
                ranks.append(s.rank(method="average", pct=True))
        if not ranks:
            raise MissingData("the big-company/small-customer list needs customer sizes: the columns employees "
                              "(员工人数) or company_revenue (客户营收) of the customers table (客户) have no values.",
                              zh="“大企业、小客户”需要客户规模：客户表的员工人数或客户营收两列都没有数值。")
        size_rank = pd.concat(ranks, axis=1).max(axis=1)
        # Value is ranked among the customers that bring revenue; those that bring none rank 0.
        active = t["value"] > 0
        value_rank = t["value"].where(active).rank(method="average", pct=True).fillna(0.0)
        big_small = (size_rank > 1 - cut["big_size"]) & (value_rank <= cut["small_value"])
        small_big = (size_rank <= cut["small_size"]) & (value_rank > 1 - cut["big_value"])
        out = t.loc[big_small | small_big, ["customer", "employees", "company_revenue", "value", "tier"]].copy()
        out["size_rank"] = size_rank[out.index]
        out["value_rank"] = value_rank[out.index]
        out["kind"] = np.where(big_small[out.index], "big_company_small_customer", "small_company_big_customer")
        out = out.sort_values(["kind", "size_rank"], ascending=[True, False], kind="stable")
        return out[["customer", "employees", "company_revenue", "size_rank", "value", "value_rank", "tier",
                    "kind"]].reset_index(drop=True)

    def display_table(self, lang: str = "zh", n: int = 15) -> pd.DataFrame:
        """The ``n`` largest customers, formatted for people, headers in ``lang``."""
        from .i18n import check_lang, fmt_pct, fmt_rmb, tr

        check_lang(lang)
        t = self.table.head(n)
        trend = {"growing": tr(lang, "增长", "growing"), "declining": tr(lang, "下滑", "declining"),
                 "stable": tr(lang, "稳定", "stable"), "new": tr(lang, "新客户", "new"),
                 "lost": tr(lang, "流失", "lost"), "none": "–"}
        return pd.DataFrame({
            "#": t["rank"].to_numpy(),
            tr(lang, "客户", "Customer"): t["customer"].to_numpy(),
            tr(lang, "每年价值", "Value per year"): [fmt_rmb(v, lang) for v in t["value"]],
            tr(lang, "收入占比", "Share of revenue"): [fmt_pct(v, 1) for v in t["share"]],
            tr(lang, "累计占比", "Cumulative"): [fmt_pct(v, 1) for v in t["cum_share"]],
            tr(lang, "趋势", "Trend"): [trend.get(k, k) + ("" if pd.isna(g) else f" {g:+.0%}")
                                        for k, g in zip(t["trend"], t["growth"])],
            tr(lang, "钱包份额", "Share of wallet"): [fmt_pct(v) for v in t["wallet_share"]],
            tr(lang, "价值分级", "Tier"): t["tier_zh" if lang == "zh" else "tier_en"].to_numpy(),
        }).set_index("#")

    def describe(self, part: str = "overview", lang: str = "zh") -> str:
        """A short Markdown reading of one part: ``overview``, ``tiers``, ``concentration`` (``pareto``:
        the top-10 share and the 80% point, in plain words; ``hhi``: the index alone, for the advanced
        section), ``slipping`` (the key accounts declining), ``farming`` or ``size`` (big company, small
        customer).  Every number is computed."""
        from .i18n import check_lang, fmt_pct, fmt_rmb, tr

        check_lang(lang)
        per = self.period.label
        t = self.table
        active = int((t["revenue"] > 0).sum())
        if part == "overview":
            un = ""
            if self.unassigned:
                un = tr(lang, f"（其中{fmt_rmb(self.unassigned, lang)}没有对应客户，计入总收入，但不算任何客户）",
                        f" ({fmt_rmb(self.unassigned, lang)} of it with no customer: counted in the total, never as "
                        "a customer)")
            top = t.loc[t["revenue"] > 0].head(1)
            lead = ""
            if len(top):
                r = top.iloc[0]
                lead = tr(lang, f"最大的客户是{r['customer']}，每年{fmt_rmb(r['value'], lang)}，占{fmt_pct(r['share'], 1)}。",
                          f"The largest customer is {r['customer']}, {fmt_rmb(r['value'], lang)} a year, "
                          f"{fmt_pct(r['share'], 1)} of revenue.")
            w = int((t["wallet_share"].notna() & (t["revenue"] > 0)).sum())
            wal = tr(lang, f"其中{w}个客户有品类采购额估计，可以算出钱包份额。", f"{w} of them have a wallet estimate, "
                     "so their share of wallet can be computed.") if w else tr(
                lang, "没有客户品类采购额估计，钱包份额无法计算。", "No wallet estimates: share of wallet is not available.")
            return tr(lang,
                      f"{per}期内总收入{fmt_rmb(self.total, lang)}{un}，来自{active}个客户。{lead}{wal}",
                      f"In {per}, total revenue was {fmt_rmb(self.total, lang)}{un}, from {active} customers. "
                      f"{lead} {wal}")
        if part == "tiers":
            ts = self.tier_summary()
            key = set(self.config.section("accounts").get("key_tiers") or [])
            k = ts.loc[ts["tier"].isin(key)]
            names = "、".join(k["tier_zh"]) if lang == "zh" else " and ".join(k["tier_en"])
            from .health import format_line

            lines = [tr(lang, f"- **{r.tier_zh}**（每年≥{format_line(r.min, 'rmb', lang)}）：{r.customers}个客户，"
                              f"收入占{fmt_pct(r.revenue_share)}",
                        f"- **{r.tier_en}** (≥ {format_line(r.min, 'rmb', lang)} a year): {r.customers} customers, "
                        f"{fmt_pct(r.revenue_share)} of revenue") for r in ts.itertuples()]
            idle = int((t["revenue"] <= 0).sum())
            if idle:
                lines.append(tr(lang, f"\n其中{idle}个客户本期没有收入（列在客户表中，或上一期购买过），计入最低一级。",
                                f"\n{idle} of them brought no revenue in the period (listed in the customers table, "
                                "or bought in the previous period): they count in the lowest tier."))
            head = tr(lang, f"{names}级的{int(k['customers'].sum())}个客户带来了{fmt_pct(k['revenue_share'].sum())}"
                            "的收入：他们就是大客户。",
                      f"The {int(k['customers'].sum())} {names} customers bring {fmt_pct(k['revenue_share'].sum())} "
                      "of revenue: they are the key accounts.")
            return head + "\n\n" + "\n".join(lines)
        if part == "concentration":
            c = self.concentration()
            if c["top_share"] is None:
                return tr(lang, "期内没有正的收入，无法计算集中度。", "No positive revenue in the period: no concentration.")
            return tr(
                lang,
                f"前{c['top_n']}名客户贡献{fmt_pct(c['top_share'], 1)}的总收入；{c['customers_for_80pct']}个客户"
                f"（有收入客户的{fmt_pct(c['customers_for_80pct'] / c['customers'])}）贡献了80%的客户收入。"
                f"赫芬达尔指数（HHI）为{c['hhi']:,.0f}，相当于{c['equivalent_customers']:.1f}个同样大的客户。",
                f"The {c['top_n']} largest customers bring {fmt_pct(c['top_share'], 1)} of total revenue; "
                f"{c['customers_for_80pct']} customers ({fmt_pct(c['customers_for_80pct'] / c['customers'])} of "
                f"those with revenue) make 80% of customer revenue. The Herfindahl-Hirschman index (HHI) is "
                f"{c['hhi']:,.0f}, as concentrated as {c['equivalent_customers']:.1f} equal customers.")
        if part in ("pareto", "hhi"):
            c = self.concentration()
            if c["top_share"] is None:
                return tr(lang, "期内没有正的收入，无法计算集中度。", "No positive revenue in the period: no concentration.")
            if part == "pareto":
                return tr(
                    lang,
                    f"前{c['top_n']}名客户贡献{fmt_pct(c['top_share'], 1)}的总收入；{c['customers_for_80pct']}个客户"
                    f"（有收入客户的{fmt_pct(c['customers_for_80pct'] / c['customers'])}）贡献了80%的客户收入。",
                    f"The {c['top_n']} largest customers bring {fmt_pct(c['top_share'], 1)} of total revenue; "
                    f"{c['customers_for_80pct']} customers ({fmt_pct(c['customers_for_80pct'] / c['customers'])} of "
                    "those with revenue) make 80% of customer revenue.")
            return tr(
                lang,
                f"赫芬达尔指数（HHI）为{c['hhi']:,.0f}：收入集中的程度，相当于{c['equivalent_customers']:.1f}个"
                f"同样大的客户（实际有{c['customers']}个客户有收入）。",
                f"The Herfindahl-Hirschman index (HHI) is {c['hhi']:,.0f}: revenue is as concentrated as "
                f"{c['equivalent_customers']:.1f} equal customers (in fact {c['customers']} customers bought).")
        if part == "slipping":
            sl = self.slipping_key_accounts()
            key = int(self.table["key_account"].sum())
            if not len(sl):
                return tr(lang, f"{key}个大客户中，没有一个的价值在下滑。",
                          "The only key account is not declining." if key == 1 else
                          f"None of the {key} key accounts is declining.")
            r = sl.iloc[0]
            others = tr(lang, f"另有{len(sl) - 1}个大客户也在下滑。", f"{len(sl) - 1} other key accounts are declining too.") \
                if len(sl) > 1 else tr(lang, "它是唯一一个在下滑的大客户。", "It is the only key account declining.")
            return tr(
                lang,
                f"{key}个大客户中，价值下滑的有{len(sl)}个。最大的是{r['customer']}：{r['tier_zh']}级，收入排第{r['rank']}，"
                f"每年{fmt_rmb(r['value'], lang)}，上一期{fmt_rmb(r['previous'], lang)}（{fmt_pct(r['growth'])}）。{others}",
                f"Of the {key} key accounts, {len(sl)} {'is' if len(sl) == 1 else 'are'} declining. The largest is "
                f"{r['customer']}: {str(r['tier_en']).lower()} tier, number {r['rank']} by revenue, "
                f"{fmt_rmb(r['value'], lang)} a year against {fmt_rmb(r['previous'], lang)} the period before "
                f"({fmt_pct(r['growth'])}). {others}")
        if part == "farming":
            f = self.farming()
            if not f["previous_covered"] or f["existing_share"] is None:
                return tr(lang, "数据没有覆盖上一期，无法区分老客户和新客户。",
                          "The data do not reach back to the previous period: old and new customers cannot be told apart.")
            return tr(
                lang,
                f"{fmt_pct(f['existing_share'])}的客户收入来自上一期就购买的{f['existing_customers']}个老客户"
                f"（农庄耕耘），{fmt_pct(1 - f['existing_share'])}是来自{f['new_customers']}个新客户的新客户业务；"
                f"上一期的客户中有{f['lost_customers']}个本期没有再购买。",
                f"{fmt_pct(f['existing_share'])} of customer revenue came from {f['existing_customers']} customers "
                f"who already bought in the previous period (farming), {fmt_pct(1 - f['existing_share'])} from "
                f"{f['new_customers']} new {'one' if f['new_customers'] == 1 else 'ones'} (new business); {f['lost_customers']} of last period's customers did not "
                "buy again.")
        if part == "size":
            try:
                sv = self.size_vs_value()
            except MissingData as exc:
                return tr(lang, f"无法判断：{exc.text('zh')}", f"Not available: {exc}")
            bs = sv.loc[sv["kind"] == "big_company_small_customer"]
            sb = sv.loc[sv["kind"] == "small_company_big_customer"]

            def who(df: pd.DataFrame) -> str:
                items = []
                for r in df.head(5).itertuples():
                    size = (f"{r.employees:,.0f}" + tr(lang, "人", " employees")) if pd.notna(r.employees) else \
                        tr(lang, f"营收{fmt_rmb(r.company_revenue, lang)}", f"revenue {fmt_rmb(r.company_revenue, lang)}")
                    items.append(f"{r.customer}（{size}，{tr(lang, '每年', '')}{fmt_rmb(r.value, lang)}"
                                 f"{tr(lang, '', ' a year')}）" if lang == "zh" else
                                 f"{r.customer} ({size}, {fmt_rmb(r.value, lang)} a year)")
                return "、".join(items) if lang == "zh" else "; ".join(items)

            out = [tr(lang, f"**大企业、小客户**：{len(bs)}个" + (f"，例如{who(bs)}。" if len(bs) else "。"),
                      f"**Big company, small customer**: {len(bs)}" + (f", e.g. {who(bs)}." if len(bs) else "."))]
            out.append(tr(lang, f"**小企业、大客户**：{len(sb)}个" + (f"，例如{who(sb)}。" if len(sb) else "。"),
                          f"**Small company, big customer**: {len(sb)}" + (f", e.g. {who(sb)}." if len(sb) else ".")))
            return "\n\n".join(out)
        raise ValueError(f"part must be overview, tiers, concentration, pareto, hhi, slipping, farming or size, not {part!r}")

    def to_dict(self, top: int = 20) -> dict[str, Any]:
        """A JSON-ready summary: period, totals, concentration, tiers, farming, the ``top`` customers."""
        cols = ["rank", "customer", "revenue", "value", "previous", "growth", "trend", "share", "tier",
                "wallet", "wallet_share"]
        top_rows = self.table.head(top)[cols]
        return {
            "period": self.period.to_dict(),
            "total_revenue": self.total,
            "unassigned_revenue": self.unassigned,
            "customers": int(len(self.table)),
            "active_customers": int((self.table["revenue"] > 0).sum()),
            "concentration": self.concentration(),
            "tiers": json_records(self.tier_summary()),
            "farming": self.farming(),
            "top": json_records(top_rows),
        }


def json_records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """A table's rows as JSON-ready dicts (numpy scalars as Python numbers, NaN as None)."""
    from .jsonout import jsonable

    return jsonable(df)




def _by_customer(rev: pd.DataFrame) -> pd.Series:
    # groupby leaves rows with no customer out (dropna): they are never a customer
    return rev.groupby("customer", sort=False)["amount"].sum(min_count=1).fillna(0.0).astype(float)


def customer_value(client: Client, period: str | Period | None = None) -> CustomerValue:
    """The value each customer brings us, per year, in ``period``.

    Parameters
    ----------
    client
        Needs the revenue table; uses the customers table when present
        (wallet estimates, sizes, segments, and customers with no revenue).
    period
        The analysis period (default: ``client.period()``, the last full year).

    Returns
    -------
    CustomerValue
        See its attributes.  ``value`` = revenue in the period ÷ the period's
        length in years, so tiers and wallet shares are per year whatever
        the period.
    """
    cfg = client.config
    per = client.period(period)
    prev = per.previous()
    rev_all = client.table("revenue", purpose="customer value (客户价值)")
    rev = rev_all.loc[per.contains(rev_all["date"]), ["customer", "amount"]]
    rev_prev = rev_all.loc[prev.contains(rev_all["date"]), ["customer", "amount"]]
    total = float(rev["amount"].sum())
    unassigned = float(rev.loc[rev["customer"].isna(), "amount"].sum())

    now = _by_customer(rev)
    before = _by_customer(rev_prev)
    names = now.index.union(before.index, sort=False)
    cust = client.tables.get("customers")
    if cust is not None and len(cust) and "customer" in cust:
        listed = cust["customer"].dropna().drop_duplicates()
        names = names.union(pd.Index(listed), sort=False)
    t = pd.DataFrame({"customer": pd.Index(names).astype("str")})
    t["revenue"] = t["customer"].map(now).fillna(0.0).astype(float)
    t["value"] = t["revenue"] / per.years
    t["previous"] = t["customer"].map(before).fillna(0.0).astype(float) / prev.years
    t = t.loc[(t["revenue"] != 0) | (t["previous"] != 0) | t["customer"].isin(
        cust["customer"] if cust is not None and "customer" in cust else [])]
    t["change"] = t["value"] - t["previous"]
    t["growth"] = np.where(t["previous"] > 0, t["change"] / t["previous"].where(t["previous"] > 0), np.nan)
    trend_cfg = cfg.section("accounts")["trend"]
    trend = np.select(
        [
            (t["previous"] <= 0) & (t["value"] > 0),
            (t["previous"] > 0) & (t["value"] <= 0),
            t["growth"] >= trend_cfg["growing"],
            t["growth"] <= trend_cfg["declining"],
            t["previous"] > 0,
        ],
        ["new", "lost", "growing", "declining", "stable"],
        default="none",
    )
    t["trend"] = pd.Series(trend, index=t.index, dtype="str")
    t = t.sort_values(["revenue", "customer"], ascending=[False, True], kind="stable").reset_index(drop=True)
    t["rank"] = np.arange(1, len(t) + 1)
    t["share"] = t["revenue"] / total if total > 0 else np.nan
    t["cum_share"] = t["share"].cumsum()
    t["tier"] = assign_tiers(t["value"], cfg)
    tiers = {x["key"]: x for x in cfg.tiers()}
    t["tier_zh"] = t["tier"].map(lambda k: tiers[k].get("zh", k) if k in tiers else np.nan)
    t["tier_en"] = t["tier"].map(lambda k: tiers[k].get("en", k) if k in tiers else np.nan)
    key_tiers = set(cfg.section("accounts").get("key_tiers") or [])
    t["key_account"] = t["tier"].isin(key_tiers) & (t["revenue"] > 0)

    for col in ("wallet", "employees", "company_revenue", "segment"):
        if cust is not None and col in cust.columns and "customer" in cust.columns:
            m = cust.dropna(subset=["customer"]).drop_duplicates("customer").set_index("customer")[col]
            t[col] = t["customer"].map(m)
        else:
            t[col] = np.nan if col != "segment" else pd.Series(pd.NA, index=t.index, dtype="str")
    wallet = pd.to_numeric(t["wallet"], errors="coerce")
    t["wallet"] = wallet
    t["wallet_share"] = t["value"] / wallet.where(wallet > 0)
    t["employees"] = pd.to_numeric(t["employees"], errors="coerce")
    t["company_revenue"] = pd.to_numeric(t["company_revenue"], errors="coerce")
    cols = ["rank", "customer", "revenue", "value", "previous", "change", "growth", "trend", "share", "cum_share",
            "tier", "tier_zh", "tier_en", "key_account", "wallet", "wallet_share", "employees", "company_revenue",
            "segment"]
    return CustomerValue(
        table=t[cols], period=per, total=total, unassigned=unassigned, config=cfg, previous_period=prev,
        derived_from=client.derived.get("revenue"),
    )


# ---------------------------------------------------------------------------
# Layer 1, the customer's needs (始终瞄准客户需求): what customers buy, how it
# changes, what they spend beyond us, and which industries we know deeply.
# ---------------------------------------------------------------------------


def period_label(period: Period) -> str:
    """A short label of a period: the year for a calendar year, else its own label or its dates.

    >>> from kalib.period import parse_period
    >>> period_label(parse_period("2024").previous()), period_label(parse_period("2024-Q2"))
    ('2023', '2024-Q2')
    """
    if period.start.month == 1 and period.start.day == 1 and period.end.month == 12 and period.end.day == 31:
        return str(period.start.year) if period.start.year == period.end.year else \
            f"{period.start.year}–{period.end.year}"
    if not period.label.startswith("before "):
        return period.label
    return f"{period.start.date()}–{period.end.date()}"


def periods_back(period: Period, n: int) -> list[Period]:
    """``n`` periods of the same length ending with ``period``, oldest first."""
    out = [period]
    for _ in range(max(1, int(n)) - 1):
        out.append(out[-1].previous())
    return out[::-1]


def product_categories(client: Client) -> pd.Series:
    """Product -> category from the products table (the product itself where no category is given).

    Empty when the client has no products table: then every product is its own category.
    """
    prod = client.tables.get("products")
    if prod is None or "product" not in prod or not len(prod):
        return pd.Series(dtype="str")
    p = prod.dropna(subset=["product"]).drop_duplicates("product")
    cat = p["category"] if "category" in p else pd.Series(pd.NA, index=p.index)
    return pd.Series(cat.fillna(p["product"]).astype("str").to_numpy(), index=p["product"].astype("str").to_numpy())


def _category_of(products: pd.Series, cats: pd.Series, unknown: str) -> pd.Series:
    p = products.astype("str").where(products.notna())
    return p.map(cats).fillna(p).fillna(unknown)


def buying_history(client: Client, customers: str | list[str] | None = None, period: str | Period | None = None,
                   periods: int = 3) -> pd.DataFrame:
    """What the customers bought from us, per product category and period, over ``periods`` periods.

    Parameters
    ----------
    client
        Needs the revenue table with its ``product`` column; the products table's
        ``category`` groups products (a product without category is its own).
    customers
        One customer, a list, or None for all customers (revenue with no customer left out).
    period
        The last period (default ``client.period()``); the ones before it have the same length.

    Returns
    -------
    DataFrame
        One row per period and category, oldest period first: ``period`` (label), ``order``
        (0 = oldest), ``category``, ``revenue`` (RMB), ``share`` (of the customers' revenue in
        that period; NA when they bought nothing then).  Every category bought in any of the
        periods appears in every period (revenue 0 where nothing was bought).

    Raises
    ------
    MissingData
        When the revenue table has no product column.
    """
    rev = client.table("revenue", purpose="what customers buy (客户需求)")
    if "product" not in rev or rev["product"].notna().sum() == 0:
        raise MissingData("what customers buy needs the product (产品) column of the revenue table (收入).",
                          zh="要看客户买什么，需要收入明细的“产品”一列。")
    per = client.period(period)
    pers = periods_back(per, periods)
    if customers is not None:
        names = [customers] if isinstance(customers, str) else list(customers)
        rev = rev.loc[rev["customer"].isin(names)]
    else:
        rev = rev.loc[rev["customer"].notna()]
    cats = product_categories(client)
    rows = []
    for i, p in enumerate(pers):
        r = rev.loc[p.contains(rev["date"])]
        by = r.groupby(_category_of(r["product"], cats, "–"), sort=False)["amount"].sum()
        rows.append(pd.DataFrame({"period": period_label(p), "order": i, "category": by.index.astype("str"),
                                  "revenue": by.to_numpy(dtype=float)}))
    long = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(
        columns=["period", "order", "category", "revenue"])
    allcats = list(long.groupby("category")["revenue"].sum().sort_values(ascending=False, kind="stable").index)
    grid = pd.MultiIndex.from_product([range(len(pers)), allcats], names=["order", "category"])
    out = long.set_index(["order", "category"])["revenue"].groupby(level=[0, 1]).sum().reindex(grid, fill_value=0.0)
    out = out.reset_index()
    out["period"] = out["order"].map({i: period_label(p) for i, p in enumerate(pers)})
    tot = out.groupby("order")["revenue"].transform("sum")
    out["share"] = out["revenue"] / tot.where(tot > 0)
    return out[["period", "order", "category", "revenue", "share"]]


def mix_shifts(client: Client, customers: list[str], period: str | Period | None = None,
               periods: int = 3) -> pd.DataFrame:
    """How each customer's product mix moved between the first and the last of ``periods`` periods.

    Returns
    -------
    DataFrame
        One row per customer: ``customer``, ``first`` and ``last`` (period labels),
        ``top_first`` / ``top_last`` (the category with most revenue; NA when nothing was
        bought), ``category`` (the category whose share moved most) and ``shift`` (its share
        in the last period minus the first, as a fraction: +0.12 = twelve points more),
        ``revenue_first``, ``revenue_last`` (RMB).  Customers that bought nothing in the
        first or the last period have NA shifts.
    """
    rows = []
    for name in customers:
        h = buying_history(client, name, period, periods)
        first, last = h["order"].min(), h["order"].max()
        a = h.loc[h["order"] == first].set_index("category")
        b = h.loc[h["order"] == last].set_index("category")
        row: dict[str, Any] = {"customer": name, "first": a["period"].iloc[0] if len(a) else pd.NA,
                               "last": b["period"].iloc[0] if len(b) else pd.NA,
                               "revenue_first": float(a["revenue"].sum()), "revenue_last": float(b["revenue"].sum()),
                               "top_first": pd.NA, "top_last": pd.NA, "category": pd.NA, "shift": np.nan}
        if row["revenue_first"] > 0:
            row["top_first"] = a["revenue"].idxmax()
        if row["revenue_last"] > 0:
            row["top_last"] = b["revenue"].idxmax()
        if row["revenue_first"] > 0 and row["revenue_last"] > 0:
            d = (b["share"] - a["share"]).dropna()
            k = d.abs().idxmax()
            row["category"], row["shift"] = k, float(d[k])
        rows.append(row)
    cols = ["customer", "first", "last", "top_first", "top_last", "category", "shift", "revenue_first",
            "revenue_last"]
    return pd.DataFrame(rows, columns=cols)


@dataclass
class CustomerNeeds:
    """One customer's needs against what it spends and what we sold it (see :func:`customer_needs`).

    Attributes
    ----------
    customer, industry
        The customer and its industry (customers table; None when not given).
    period
        The period analysed.
    value
        Our revenue from it per year (RMB).
    wallet
        Its yearly spend in our category (customers table ``wallet``; None when not estimated).
    needs
        The opportunities it opened with us in the period, per product category: ``category``,
        ``brought`` (count), ``amount`` (RMB), ``won``, ``lost``, ``withdrawn`` (we withdrew:
        放弃/NoGo), ``open`` (RMB each), largest amount first.
    history
        :func:`buying_history` of the customer.
    """

    customer: str
    industry: str | None
    period: Period
    value: float
    wallet: float | None
    needs: pd.DataFrame
    history: pd.DataFrame

    @property
    def wallet_share(self) -> float | None:
        return self.value / self.wallet if self.wallet else None

    @property
    def brought_per_year(self) -> float:
        """The needs it brought us (opportunities opened in the period), RMB per year."""
        return float(self.needs["amount"].sum()) / self.period.years

    def history_table(self, lang: str = "zh") -> pd.DataFrame:
        """Categories × periods, each cell the revenue and its share, for people."""
        from .i18n import check_lang, fmt_pct, fmt_rmb, tr

        check_lang(lang)
        h = self.history
        if h.empty:
            return pd.DataFrame(index=pd.Index([], name=tr(lang, "产品类别", "Product category")))
        cells = h.assign(cell=[("–" if r == 0 else f"{fmt_rmb(r, lang)} ({fmt_pct(s)})")
                               for r, s in zip(h["revenue"], h["share"])])
        t = cells.pivot(index="category", columns="order", values="cell")
        t.columns = [h.loc[h["order"] == o, "period"].iloc[0] for o in t.columns]
        order = h.groupby("category")["revenue"].sum().sort_values(ascending=False, kind="stable").index
        t = t.loc[order]
        totals = h.groupby("order")["revenue"].sum()
        t.loc[tr(lang, "合计", "Total")] = [fmt_rmb(totals[o], lang) for o in sorted(totals.index)]
        t.index.name = tr(lang, "产品类别", "Product category")
        return t

    def needs_table(self, lang: str = "zh") -> pd.DataFrame:
        """The needs it brought us in the period, per product category, for people."""
        from .i18n import check_lang, fmt_rmb, tr

        check_lang(lang)
        n = self.needs
        return pd.DataFrame({
            tr(lang, "产品类别", "Product category"): n["category"].to_numpy(),
            tr(lang, "需求（销售机会）", "Needs (opportunities)"): n["brought"].astype(int).to_numpy(),
            tr(lang, "金额", "Amount"): [fmt_rmb(v, lang) for v in n["amount"]],
            tr(lang, "已赢单", "Won"): [fmt_rmb(v, lang) if v else "–" for v in n["won"]],
            tr(lang, "在跟", "Open"): [fmt_rmb(v, lang) if v else "–" for v in n["open"]],
            tr(lang, "丢单", "Lost"): [fmt_rmb(v, lang) if v else "–" for v in n["lost"]],
            tr(lang, "放弃（NoGo）", "Withdrawn (NoGo)"): [fmt_rmb(v, lang) if v else "–" for v in n["withdrawn"]],
        }).set_index(tr(lang, "产品类别", "Product category"))

    def describe(self, lang: str = "zh") -> str:
        """Wallet, needs brought and our revenue in one paragraph; every number computed."""
        from .i18n import check_lang, fmt_pct, fmt_rmb, tr

        check_lang(lang)
        per = period_label(self.period)
        n = int(self.needs["brought"].sum())
        won = float(self.needs["won"].sum())
        parts = [tr(lang, f"{per}年，{self.customer}给我们带来{fmt_rmb(self.value, lang)}的收入。",
                    f"In {per}, {self.customer} brought us {fmt_rmb(self.value, lang)} of revenue.")]
        if self.wallet:
            parts.append(tr(
                lang,
                f"它在我们这个品类每年大约采购{fmt_rmb(self.wallet, lang)}，我们拿到{fmt_pct(self.wallet_share)}"
                f"（钱包份额），还有约{fmt_rmb(self.wallet - self.value, lang)}的采购没有交给我们。",
                f"It spends about {fmt_rmb(self.wallet, lang)} a year in our category; we have "
                f"{fmt_pct(self.wallet_share)} of it (share of wallet), about {fmt_rmb(self.wallet - self.value, lang)}"
                " a year goes elsewhere."))
        else:
            parts.append(tr(lang, "客户表里没有它的品类采购额估计：钱包份额无法计算。",
                            "The customers table has no estimate of its spend in our category: no share of wallet."))
        if n:
            parts.append(tr(
                lang,
                f"同一年它向我们提出了{n}个需求（新建的销售机会），合计{fmt_rmb(float(self.needs['amount'].sum()), lang)}，"
                f"至今赢下{fmt_rmb(won, lang)}。",
                f"That year it brought us {n} needs (new opportunities), worth "
                f"{fmt_rmb(float(self.needs['amount'].sum()), lang)}; {fmt_rmb(won, lang)} of them won so far."))
        else:
            parts.append(tr(lang, "这一年它没有向我们提出新的需求（没有新建销售机会）。",
                            "That year it brought us no new need (no new opportunity)."))
        return "".join(parts) if lang == "zh" else " ".join(parts)


def customer_needs(client: Client, customer: str, period: str | Period | None = None,
                   periods: int = 3) -> CustomerNeeds:
    """A customer's needs: what it buys from us over time, what it spends in our category, what it asks us for.

    Parameters
    ----------
    client
        Needs the revenue table (with ``product``); uses the customers table (``wallet``,
        ``industry``), the products table (``category``) and the opportunities table
        (``created``, ``product``, ``amount``, ``status``, ``stage``) when present.
    customer
        The customer's name as in the revenue table.
    period, periods
        The last period and how many periods of history.

    Raises
    ------
    MissingData
        When the revenue table has no product column.
    ValueError
        When the customer is not in the revenue or customers table.
    """
    per = client.period(period)
    rev = client.table("revenue", purpose="the customer's needs (客户需求)")
    cust = client.tables.get("customers")
    known = set(rev["customer"].dropna().astype(str))
    if cust is not None and "customer" in cust:
        known |= set(cust["customer"].dropna().astype(str))
    if customer not in known:
        raise ValueError(f"no customer named {customer!r} in the revenue or customers table")
    try:
        history = buying_history(client, customer, per, periods)
    except MissingData:  # no product column: the needs and the wallet still stand
        history = pd.DataFrame({"period": pd.Series(dtype="str"), "order": pd.Series(dtype=int),
                                "category": pd.Series(dtype="str"), "revenue": pd.Series(dtype=float),
                                "share": pd.Series(dtype=float)})
    mine = rev.loc[(rev["customer"] == customer) & per.contains(rev["date"]), "amount"]
    value = float(mine.sum()) / per.years
    wallet = industry = None
    if cust is not None and "customer" in cust:
        row = cust.loc[cust["customer"] == customer]
        if len(row):
            if "wallet" in row and pd.notna(row["wallet"].iloc[0]) and float(row["wallet"].iloc[0]) > 0:
                wallet = float(row["wallet"].iloc[0])
            if "industry" in row and pd.notna(row["industry"].iloc[0]):
                industry = str(row["industry"].iloc[0])
    cols = ["category", "brought", "amount", "won", "lost", "withdrawn", "open"]
    opp = client.tables.get("opportunities")
    if opp is not None and len(opp) and {"customer", "created"} <= set(opp.columns):
        o = opp.loc[(opp["customer"] == customer) & per.contains(opp["created"])].copy()
        cats = product_categories(client)
        o["category"] = _category_of(o["product"] if "product" in o else pd.Series(pd.NA, index=o.index), cats, "–")
        amt = pd.to_numeric(o.get("amount"), errors="coerce").fillna(0.0) if "amount" in o else 0.0
        o["amount"] = amt
        status = o["status"].astype("str") if "status" in o else pd.Series("open", index=o.index)
        withdrawn = o["stage"].isin(client.config.withdrawn_stages()) if "stage" in o else False
        o["won"] = o["amount"].where(status == "won", 0.0)
        o["withdrawn"] = o["amount"].where(withdrawn, 0.0)
        o["lost"] = o["amount"].where((status == "lost") & ~withdrawn, 0.0)
        o["open"] = o["amount"].where(status == "open", 0.0)
        o["brought"] = 1
        needs = (o.groupby("category", sort=False)[["brought", "amount", "won", "lost", "withdrawn", "open"]].sum()
                 .reset_index().sort_values(["amount", "category"], ascending=[False, True], kind="stable")
                 .reset_index(drop=True))
        needs["brought"] = needs["brought"].astype(int)
    else:
        needs = pd.DataFrame(columns=cols)
    return CustomerNeeds(customer, industry, per, value, wallet, needs[cols], history)


def industry_view(client: Client, period: str | Period | None = None) -> pd.DataFrame:
    """Our customers by industry: where we have depth, and where only a foothold.

    Returns
    -------
    DataFrame
        One row per industry (customers table ``industry``; customers without one under
        "–"), by revenue: ``industry``, ``customers`` (with revenue in the period),
        ``key_accounts`` (of them, in a key tier), ``revenue`` (RMB in the period), ``share``
        (of the customers' revenue), ``growth`` (against the previous period; NA when there
        was none), ``top_category`` (what the industry buys most from us).

    Raises
    ------
    MissingData
        When the customers table has no industry.
    """
    cust = client.tables.get("customers")
    if cust is None or "industry" not in cust or cust["industry"].notna().sum() == 0:
        raise MissingData("the industries of our customers need the industry (行业) column of the customers "
                          "table (客户).", zh="要看客户所在的行业，需要客户表的“行业”一列。")
    cv = customer_value(client, period)
    t = cv.table.copy()
    ind = cust.dropna(subset=["customer"]).drop_duplicates("customer").set_index("customer")["industry"]
    t["industry"] = t["customer"].map(ind).fillna("–").astype("str")
    rev = client.table("revenue")
    r = rev.loc[cv.period.contains(rev["date"]) & rev["customer"].notna()].copy()
    r["industry"] = r["customer"].map(ind).fillna("–").astype("str")
    top_cat: dict[str, Any] = {}
    if "product" in r and r["product"].notna().any():
        r["category"] = _category_of(r["product"], product_categories(client), "–")
        by = r.groupby(["industry", "category"])["amount"].sum()
        top_cat = {k: by.loc[k].idxmax() for k in by.index.get_level_values(0).unique()}
    active = t["revenue"] > 0
    g = t.assign(active=active, key=t["key_account"], prev=t["previous"] * (cv.previous_period.years if
                                                                           cv.previous_period else 1.0))
    out = g.groupby("industry").agg(customers=("active", "sum"), key_accounts=("key", "sum"),
                                    revenue=("revenue", "sum"), previous=("prev", "sum")).reset_index()
    named = float(t["revenue"].sum())
    out["share"] = out["revenue"] / named if named > 0 else np.nan
    out["growth"] = np.where(out["previous"] > 0, out["revenue"] / out["previous"].where(out["previous"] > 0) - 1,
                             np.nan)
    out["top_category"] = out["industry"].map(top_cat)
    out["customers"] = out["customers"].astype(int)
    out["key_accounts"] = out["key_accounts"].astype(int)
    out = out.sort_values(["revenue", "industry"], ascending=[False, True], kind="stable").reset_index(drop=True)
    return out[["industry", "customers", "key_accounts", "revenue", "share", "growth", "top_category"]]


def cross_industry(client: Client, customer: str, period: str | Period | None = None) -> pd.DataFrame:
    """What our key accounts in *other* industries buy that this customer buys little of (跨行才能超越).

    For each product category: the customer's share of its purchases from us in the
    period, and the other industry whose key accounts put the largest share of their
    purchases into it.  A large gap is experience from another industry we could bring.

    Returns
    -------
    DataFrame
        ``category``, ``customer_share``, ``industry`` (the leading other industry),
        ``industry_share`` (its key accounts' share), ``key_accounts`` (how many there),
        ``gap`` (``industry_share`` − ``customer_share``), largest gap first.  Empty when no
        other industry has a key account with purchases.
    """
    cust = client.tables.get("customers")
    if cust is None or "industry" not in cust or cust["industry"].notna().sum() == 0:
        raise MissingData("cross-industry experience needs the industry (行业) column of the customers table (客户).",
                          zh="要看跨行业的经验，需要客户表的“行业”一列。")
    cv = customer_value(client, period)
    ind = cust.dropna(subset=["customer"]).drop_duplicates("customer").set_index("customer")["industry"]
    own = ind.get(customer)
    key = cv.table.loc[cv.table["key_account"], "customer"]
    key = key[key.map(ind).notna() & (key.map(ind) != own) & (key != customer)]
    rev = client.table("revenue")
    if "product" not in rev:
        raise MissingData("cross-industry experience needs the product (产品) column of the revenue table (收入).",
                          zh="要看跨行业的经验，需要收入明细的“产品”一列。")
    r = rev.loc[cv.period.contains(rev["date"])].copy()
    r["category"] = _category_of(r["product"], product_categories(client), "–")
    mine = r.loc[r["customer"] == customer].groupby("category")["amount"].sum()
    mine = mine / mine.sum() if mine.sum() > 0 else mine * np.nan
    others = r.loc[r["customer"].isin(key)].assign(industry=lambda d: d["customer"].map(ind))
    cols = ["category", "customer_share", "industry", "industry_share", "key_accounts", "gap"]
    if others.empty:
        return pd.DataFrame(columns=cols)
    by = others.groupby(["industry", "category"])["amount"].sum()
    shares = (by / by.groupby(level=0).transform("sum")).rename("industry_share").reset_index()
    n_key = others.groupby("industry")["customer"].nunique()
    best = shares.sort_values(["category", "industry_share", "industry"], ascending=[True, False, True],
                              kind="stable").drop_duplicates("category")
    best["customer_share"] = best["category"].map(mine).fillna(0.0).astype(float)
    best["key_accounts"] = best["industry"].map(n_key).astype(int)
    best["gap"] = best["industry_share"] - best["customer_share"]
    return best.sort_values(["gap", "category"], ascending=[False, True], kind="stable")[cols].reset_index(drop=True)


def needs_insight(client: Client) -> pd.DataFrame:
    """How deeply the evaluated deals understand why the customer buys (factor 2, 购买因素).

    Returns
    -------
    DataFrame
        One row per level of the factor's scale (``deals.factors.buying_factors.levels`` of the
        method): ``level``, ``zh``, ``en`` (what the level means) and ``deals`` (evaluated
        deals scored at it; the latest evaluation of each deal).  Deals without a factor-2
        score are not counted.

    Raises
    ------
    MissingData
        When the client has no factor scores (deal_scores table).
    """
    ds = client.table("deal_scores", purpose="how well we know why customers buy (购买因素)")
    levels = client.config.section("deals")["factors"]["buying_factors"]["levels"]
    d = ds.sort_values("evaluated", kind="stable").drop_duplicates("opportunity_id", keep="last") \
        if "evaluated" in ds else ds.drop_duplicates("opportunity_id", keep="last")
    score = pd.to_numeric(d["buying_factors"], errors="coerce").dropna().round().astype(int) \
        if "buying_factors" in d else pd.Series(dtype=int)
    counts = score.value_counts()
    return pd.DataFrame([{"level": int(k), "zh": v["zh"], "en": v["en"], "deals": int(counts.get(int(k), 0))}
                         for k, v in sorted(levels.items(), key=lambda kv: int(kv[0]))])


def shifts_table(shifts: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """:func:`mix_shifts` for people: what each customer bought most then and now, and the largest move."""
    from .i18n import check_lang, fmt_rmb, tr

    check_lang(lang)
    sh = shifts
    move = [("–" if pd.isna(v) else f"{c} {v * 100:+.0f}" + tr(lang, "个百分点", " points"))
            for c, v in zip(sh["category"], sh["shift"])]
    first = sh["first"].iloc[0] if len(sh) else ""
    last = sh["last"].iloc[0] if len(sh) else ""
    return pd.DataFrame({
        tr(lang, "客户", "Customer"): sh["customer"].to_numpy(),
        tr(lang, f"{first}买得最多", f"Bought most in {first}"): sh["top_first"].fillna("–").to_numpy(),
        tr(lang, f"{last}买得最多", f"Bought most in {last}"): sh["top_last"].fillna("–").to_numpy(),
        tr(lang, "占比变化最大的类别", "Largest move in share"): move,
        tr(lang, f"{last}采购额", f"Purchases in {last}"): [fmt_rmb(v, lang) for v in sh["revenue_last"]],
    }).set_index(tr(lang, "客户", "Customer"))


def describe_shifts(shifts: pd.DataFrame, lang: str = "zh") -> str:
    """How many customers changed what they buy most, and the largest move; every number computed."""
    from .i18n import check_lang, tr

    check_lang(lang)
    both = shifts.dropna(subset=["shift"])
    if not len(both):
        return tr(lang, "这些客户在第一期或最后一期没有购买，看不出变化。",
                  "These customers bought nothing in the first or the last period: no change to read.")
    first, last = both["first"].iloc[0], both["last"].iloc[0]
    changed = int((both["top_first"] != both["top_last"]).sum())
    big = both.loc[both["shift"].abs().idxmax()]
    pts = abs(big["shift"]) * 100
    up = big["shift"] > 0
    return tr(
        lang,
        f"{len(both)}个客户在{first}年和{last}年都有购买，其中{changed}个买得最多的产品类别变了。"
        f"变化最大的是{big['customer']}：{big['category']}占它采购额的比例{'上升' if up else '下降'}了{pts:.0f}个百分点。",
        f"{len(both)} customers bought in both {first} and {last}; for {changed} of them the category they buy most "
        f"changed. The largest move: {big['customer']}, where {big['category']} went {'up' if up else 'down'} by "
        f"{pts:.0f} points as a share of its purchases.")


def industry_table(view: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """:func:`industry_view` for people."""
    from .i18n import check_lang, fmt_pct, fmt_rmb, tr

    check_lang(lang)
    v = view
    return pd.DataFrame({
        tr(lang, "行业", "Industry"): v["industry"].to_numpy(),
        tr(lang, "有收入的客户", "Customers buying"): v["customers"].to_numpy(),
        tr(lang, "其中大客户", "Key accounts"): v["key_accounts"].to_numpy(),
        tr(lang, "收入", "Revenue"): [fmt_rmb(x, lang) for x in v["revenue"]],
        tr(lang, "收入占比", "Share"): [fmt_pct(x, 1) for x in v["share"]],
        tr(lang, "比上一期", "vs previous"): ["–" if pd.isna(g) else f"{g:+.0%}" for g in v["growth"]],
        tr(lang, "买得最多的类别", "Buys most"): v["top_category"].fillna("–").to_numpy(),
    }).set_index(tr(lang, "行业", "Industry"))


def describe_industries(view: pd.DataFrame, lang: str = "zh") -> str:
    """Where we have depth (industries with key accounts) and where only a foothold."""
    from .i18n import check_lang, fmt_pct, tr

    check_lang(lang)
    deep = view.loc[view["key_accounts"] > 0]
    thin = view.loc[(view["key_accounts"] == 0) & (view["customers"] > 0)]
    sep = "、" if lang == "zh" else ", "
    names = sep.join(deep["industry"].head(6))
    more = tr(lang, "等", " and others") if len(deep) > 6 else ""
    return tr(
        lang,
        f"我们的客户分布在{int((view['customers'] > 0).sum())}个行业。有大客户、经验最深的是{len(deep)}个行业"
        f"（{names}{more}），合计{fmt_pct(deep['share'].sum())}的客户收入；另外{len(thin)}个行业只有小客户。",
        f"Our customers are in {int((view['customers'] > 0).sum())} industries. We know {len(deep)} of them deeply, "
        f"with key accounts there ({names}{more}): {fmt_pct(deep['share'].sum())} of customer revenue; in "
        f"{len(thin)} others we have only small customers.")


def cross_table(cross: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """:func:`cross_industry` for people."""
    from .i18n import check_lang, fmt_pct, tr

    check_lang(lang)
    x = cross
    return pd.DataFrame({
        tr(lang, "产品类别", "Product category"): x["category"].to_numpy(),
        tr(lang, "这个客户的占比", "This customer's share"): [fmt_pct(v) for v in x["customer_share"]],
        tr(lang, "投入最多的其他行业", "Other industry putting most in"): x["industry"].to_numpy(),
        tr(lang, "那里大客户的占比", "Its key accounts' share"): [fmt_pct(v) for v in x["industry_share"]],
        tr(lang, "大客户数", "Key accounts"): x["key_accounts"].to_numpy(),
        tr(lang, "差距", "Gap"): [f"{v * 100:+.0f}" + tr(lang, "个百分点", " points") for v in x["gap"]],
    }).set_index(tr(lang, "产品类别", "Product category"))


def describe_cross(cross: pd.DataFrame, customer: str, lang: str = "zh") -> str:
    """The widest cross-industry gap for one customer, in a sentence."""
    from .i18n import check_lang, fmt_pct, tr

    check_lang(lang)
    x = cross.loc[cross["gap"] > 0]
    if not len(x):
        return tr(lang, f"没有哪个其他行业的大客户在某一类产品上比{customer}投入得更多：这一次，同行就是参照。",
                  f"No other industry's key accounts put more into any category than {customer}: this time its "
                  "peers are the reference.")
    r = x.iloc[0]
    return tr(
        lang,
        f"差距最大的是{r['category']}：我们在{r['industry']}行业的大客户把{fmt_pct(r['industry_share'])}的采购放在这一类，"
        f"{customer}只有{fmt_pct(r['customer_share'])}。那里的客户用它解决了什么问题，值得带去问一问。",
        f"The widest gap is {r['category']}: our key accounts in {r['industry']} put {fmt_pct(r['industry_share'])} of "
        f"their purchases into it, {customer} {fmt_pct(r['customer_share'])}. What problem it solves for them is "
        "worth taking to this customer as a question.")


def describe_insight(insight: pd.DataFrame, lang: str = "zh") -> str:
    """How many evaluated deals reach each depth of factor 2, in plain words."""
    from .i18n import check_lang, tr

    check_lang(lang)
    n = int(insight["deals"].sum())
    if not n:
        return tr(lang, "还没有评估过“购买因素”这一项的销售机会。", "No deal has been scored on buying factors yet.")
    pain = int(insight.loc[insight["level"] >= 3, "deals"].sum())
    deep = int(insight.loc[insight["level"] >= 4, "deals"].sum())
    top = int(insight.loc[insight["level"] == insight["level"].max(), "deals"].sum())
    surface = int(insight.loc[insight["level"] <= 2, "deals"].sum())
    return tr(
        lang,
        f"评估过“购买因素”的{n}个销售机会里：{surface}个只知道表面需求或更少；{pain}个知道客户的业务痛点并经客户确认，"
        f"其中{deep}个进一步知道每个关键人物的购买因素；达到最高一级（客户认同我们的洞察超出其自身认识）的有{top}个。",
        f"Deals scored on buying factors: {n}. The stated requirement or less (levels 1–2): {surface}. The "
        f"customer's business pain, confirmed by the customer (level 3 or more): {pain}, of which each key person's "
        f"buying factors too (level 4 or more): {deep}. The top level (the customer endorses our insight beyond its "
        f"own): {top}.")


def _count(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def loyalty_answers(client: Client, customer: str, period: str | Period | None = None, periods: int = 3,
                    lang: str = "zh") -> pd.DataFrame:
    """One customer's NPS answers over ``periods`` periods, for people: date, respondent, score, kind."""
    from .i18n import check_lang, tr

    check_lang(lang)
    n = client.table("nps", purpose="customer loyalty (客户忠诚度)")
    if "date" not in n or "customer" not in n:
        n = n.assign(**{k: n[k] if k in n else pd.Series(pd.NA, index=n.index, dtype=object)
                        for k in ("date", "customer")})
        n["date"] = pd.to_datetime(n["date"], errors="coerce")
    spec = client.config.indicator("nps")
    pmin, dmax = spec.get("promoter_min", 9), spec.get("detractor_max", 6)
    pers = periods_back(client.period(period), periods)
    sel = (n["customer"] == customer) & (n["date"] >= pers[0].start) & (n["date"] <= pers[-1].end)
    a = n.loc[sel].sort_values("date", kind="stable")
    score = pd.to_numeric(a["score"], errors="coerce")
    kind = np.select([score >= pmin, score <= dmax], [tr(lang, "推荐者", "promoter"), tr(lang, "贬损者", "detractor")],
                     default=tr(lang, "中立", "passive"))
    who = a["respondent"] if "respondent" in a else pd.Series("–", index=a.index)
    return pd.DataFrame({
        tr(lang, "日期", "Date"): a["date"].dt.date.to_numpy(),
        tr(lang, "答卷人", "Respondent"): who.fillna("–").to_numpy(),
        tr(lang, "分数", "Score"): ["–" if v != v else f"{v:g}" for v in score],
        tr(lang, "类别", "Kind"): kind,
    }).set_index(tr(lang, "日期", "Date"))


def loyalty(client: Client, customer: str | None = None, period: str | Period | None = None,
            periods: int = 3) -> pd.DataFrame:
    """Customer loyalty (NPS, 客户忠诚度) per period: of all answers, or of one customer's respondents.

    Promoters and detractors follow indicator 4 of the method (``promoter_min``,
    ``detractor_max``).  Answers without a date are left out.

    Returns
    -------
    DataFrame
        One row per period, oldest first: ``period``, ``answers``, ``promoters``,
        ``passives``, ``detractors``, ``nps`` ((promoters − detractors) ÷ answers; NA
        without answers).

    Raises
    ------
    MissingData
        When the client has no NPS table.
    """
    n = client.table("nps", purpose="customer loyalty (客户忠诚度)")
    if "date" not in n or "customer" not in n:  # undated answers are left out; so are answers of nobody
        n = n.assign(**{k: n[k] if k in n else pd.Series(pd.NA, index=n.index, dtype=object)
                        for k in ("date", "customer")})
        n["date"] = pd.to_datetime(n["date"], errors="coerce")
    spec = client.config.indicator("nps")
    pmin, dmax = spec.get("promoter_min", 9), spec.get("detractor_max", 6)
    if customer is not None:
        n = n.loc[n["customer"] == customer]
    score = pd.to_numeric(n["score"], errors="coerce")
    ok = score.between(0, 10) & n["date"].notna()
    n, score = n.loc[ok], score[ok]
    rows = []
    for p in periods_back(client.period(period), periods):
        s = score[p.contains(n["date"])]
        prom, det = int((s >= pmin).sum()), int((s <= dmax).sum())
        rows.append({"period": period_label(p), "answers": int(len(s)), "promoters": prom,
                     "passives": int(len(s)) - prom - det, "detractors": det,
                     "nps": (prom - det) / len(s) if len(s) else np.nan})
    return pd.DataFrame(rows, columns=["period", "answers", "promoters", "passives", "detractors", "nps"])


def describe_loyalty(everyone: pd.DataFrame, one: pd.DataFrame | None, customer: str | None,
                     lang: str = "zh") -> str:
    """The company's NPS per period and, when given, one customer's answers, in plain words."""
    from .i18n import check_lang, fmt_pct, tr

    check_lang(lang)
    sep = "；" if lang == "zh" else "; "
    per = sep.join(tr(lang, f"{r.period}年{fmt_pct(r.nps)}（{r.answers}份答卷）", f"{r.period}: {fmt_pct(r.nps)} "
                       f"({r.answers} answers)") if r.answers else tr(lang, f"{r.period}年没有答卷",
                                                                       f"{r.period}: no answers")
                   for r in everyone.itertuples())
    out = [tr(lang, f"全部客户的净推荐值：{per}。", f"NPS over all customers: {per}.")]
    if one is not None and customer:
        if int(one["answers"].sum()) == 0:
            out.append(tr(lang, f"{customer}在这几期没有答卷：它的关系好坏，调查说明不了。",
                          f"{customer} gave no answers in these periods: the survey says nothing about it."))
        else:
            parts = sep.join(
                tr(lang, f"{r.period}年{r.answers}份答卷，推荐者{r.promoters}、中立{r.passives}、贬损者{r.detractors}",
                   f"{r.period}: {_count(r.answers, 'answer')}, {_count(r.promoters, 'promoter')}, "
                   f"{_count(r.passives, 'passive')}, {_count(r.detractors, 'detractor')}")
                for r in one.itertuples() if r.answers)
            out.append(tr(lang, f"{customer}：{parts}。答卷很少时，看每个人的分数，别只看百分比。",
                          f"{customer}: {parts}. With so few answers, read each person's score rather than the "
                          "percentage."))
    return ("" if lang == "zh" else " ").join(out)
