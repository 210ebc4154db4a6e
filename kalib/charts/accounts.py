"""Charts of customer value (layer 1, 客户价值), from a :class:`kalib.accounts.CustomerValue`.

:func:`pareto_chart`
    the Pareto curve: cumulative share of revenue against cumulative share
    of customers, with the top-10 point and the 80% line marked.
:func:`tier_chart`
    customers and revenue per value tier (钻石 diamond and down).
:func:`size_value_chart`
    the customer's own size against its value to us, with the "big company,
    small customer" (大企业≠大客户) and "small company, big customer" marked.
:func:`value_trend_chart`
    the largest customers' yearly value now and in the previous period.

Every function takes ``lang="zh"|"en"`` and returns a plain
:class:`matplotlib.figure.Figure` (not registered with pyplot: nothing is
shown, no global setting changes).

Examples
--------
>>> import pandas as pd
>>> from kalib.client import Client
>>> from kalib.accounts import customer_value
>>> rev = pd.DataFrame({"date": pd.to_datetime(["2024-02-01"] * 3), "customer": ["A", "B", "C"],
...                     "amount": [6e6, 3e6, 1e6]})
>>> cv = customer_value(Client.from_frames({"revenue": rev}, period="2024"))
>>> pareto_chart(cv, lang="en").axes[0].get_xlabel()
'Share of customers (largest first)'
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from ..i18n import fmt_pct, tr
from . import PALETTE, STATUS_STYLE, chart_lang, fmt_money, money_axis, money_unit, no_data, short_name

__all__ = ["pareto_chart", "tier_chart", "size_value_chart", "value_trend_chart", "TIER_COLORS"]

# Darkest for the highest tier, so the order reads in greyscale.
TIER_COLORS = ["#0b2545", "#1f4e79", "#4f7cac", "#93b5d6", "#d6e4f0", "#eef3f8"]


def _period(cv) -> str:
    return cv.period.label


def pareto_chart(cv, lang: str = "zh") -> Figure:
    """The Pareto curve of the period's revenue over customers (largest first)."""
    with chart_lang(lang) as lang:
        p = cv.pareto()
        fig = Figure(figsize=(7.5, 4.6))
        if not len(p):
            return no_data(fig, tr(lang, f"{_period(cv)} 没有客户收入", f"No customer revenue in {_period(cv)}"))
        ax = fig.add_subplot()
        x = np.concatenate([[0.0], p["cum_customers"].to_numpy()])
        y = np.concatenate([[0.0], p["cum_share"].to_numpy()])
        ax.plot([0, 1], [0, 1], color="#999999", linestyle=":", linewidth=1,
                label=tr(lang, "完全平均（每个客户一样大）", "perfectly even (all customers equal)"))
        ax.plot(x, y, color=PALETTE["primary"], linewidth=2, label=tr(lang, "累计收入占比", "cumulative revenue share"))
        ax.fill_between(x, y, x, color=PALETTE["light"], alpha=0.6)
        conc = cv.concentration()
        n = len(p)
        top_n = conc["top_n"]
        if n:
            k = min(top_n, n) - 1
            ax.plot([p["cum_customers"].iloc[k]], [p["cum_share"].iloc[k]], marker="o", markersize=8,
                     color=PALETTE["accent"], markeredgecolor="black", linestyle="none",
                     label=tr(lang, f"前{top_n}名客户：{fmt_pct(p['cum_share'].iloc[k])}的客户收入",
                              f"top {top_n}: {fmt_pct(p['cum_share'].iloc[k])} of customer revenue"))
        if conc["customers_for_80pct"]:
            m = conc["customers_for_80pct"]
            ax.axhline(0.8, color="black", linewidth=0.8, linestyle="--")
            ax.axvline(m / n, color="black", linewidth=0.8, linestyle="--")
            right = m / n > 0.55
            ax.text(m / n + (-0.01 if right else 0.01), 0.77, tr(lang, f"{m}个客户（{fmt_pct(m / n)}）贡献80%",
                                                              f"{m} customers ({fmt_pct(m / n)}) make 80%"),
                    fontsize=9, va="top", ha="right" if right else "left")
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1.02)
        ax.xaxis.set_major_formatter(PercentFormatter(1.0))
        ax.yaxis.set_major_formatter(PercentFormatter(1.0))
        ax.set_xlabel(tr(lang, "客户占比（从大到小）", "Share of customers (largest first)"))
        ax.set_ylabel(tr(lang, "累计收入占比", "Cumulative share of revenue"))
        hhi = conc["hhi"]
        sub = tr(lang, f"{n}个有收入的客户；HHI {hhi:,.0f}", f"{n} customers with revenue; HHI {hhi:,.0f}") \
            if hhi is not None else ""
        ax.set_title(tr(lang, f"客户收入帕累托曲线 · {_period(cv)}", f"Pareto curve of customer revenue · {_period(cv)}")
                     + (f"\n{sub}" if sub else ""), fontsize=11)
        ax.legend(loc="upper left", bbox_to_anchor=(0.0, -0.14), ncol=2, fontsize=8.5, frameon=False)
        fig.tight_layout()
        return fig


def tier_chart(cv, lang: str = "zh") -> Figure:
    """Customers (left) and share of revenue (right) per value tier, highest tier on top."""
    with chart_lang(lang) as lang:
        t = cv.tier_summary()
        n = len(t)
        fig = Figure(figsize=(9, 0.55 * n + 1.6))
        ax1, ax2 = fig.subplots(1, 2, sharey=True)
        y = np.arange(n)
        colors = [TIER_COLORS[min(i, len(TIER_COLORS) - 1)] for i in range(n)]
        mins = [float(v) for v in t["min"] if v == v and v]
        unit = money_unit(max([float(t["revenue"].max() or 0.0)] + mins), lang, smallest=min(mins, default=None))
        names = [f"{r.tier_zh if lang == 'zh' else r.tier_en}\n≥ {fmt_money(r.min, lang, unit)}"
                 for r in t.itertuples()]
        ax1.barh(y, t["customers"], color=colors, edgecolor="black", linewidth=0.5)
        ax2.barh(y, t["revenue_share"].fillna(0.0), color=colors, edgecolor="black", linewidth=0.5)
        for i, r in enumerate(t.itertuples()):
            ax1.text(r.customers, i, f" {r.customers}", va="center", fontsize=9)
            ax2.text(0 if pd.isna(r.revenue_share) else r.revenue_share, i,
                     f" {fmt_pct(r.revenue_share)} · {fmt_money(r.revenue, lang, unit)}", va="center", fontsize=9)
        ax1.set_yticks(y, names)
        ax1.invert_yaxis()
        ax1.set_xlabel(tr(lang, "客户数", "Customers"))
        ax2.set_xlabel(tr(lang, "收入占比", "Share of revenue"))
        ax2.xaxis.set_major_formatter(PercentFormatter(1.0))
        ax1.set_xlim(0, max(1, t["customers"].max()) * 1.25)
        ax2.set_xlim(0, min(1.0, max(0.05, float(t["revenue_share"].max() or 0))) * 1.6)
        fig.suptitle(tr(lang, f"客户价值分级 · {_period(cv)}（按每年给我们带来的价值，元；门槛为默认值）",
                        f"Customer value tiers · {_period(cv)} (by yearly value to us, RMB; default thresholds)"),
                     fontsize=11, x=0.02, ha="left")
        fig.tight_layout()
        return fig


def size_value_chart(cv, lang: str = "zh", label: int = 4) -> Figure:
    """Each customer's own size (employees, log scale) against its yearly value to us (log scale).

    "Big company, small customer" points are red triangles (▼), "small company, big
    customer" green stars (★); the ``label`` most striking of each group are named.
    Customers without an employee count are left out (their number is noted);
    big companies that brought no revenue are drawn on a dotted floor line.
    """
    from ..client import MissingData

    with chart_lang(lang) as lang:
        t = cv.table
        fig = Figure(figsize=(10, 5.2))
        ax = fig.add_subplot()
        size = pd.to_numeric(t["employees"], errors="coerce")
        ok = size.notna() & (size > 0) & (t["value"] > 0)
        if not ok.any():
            return no_data(fig, tr(lang, "没有客户规模（员工人数）数据或客户收入",
                                   "No customer sizes (employees) or no customer revenue in the data"))
        try:
            sv = cv.size_vs_value()
        except MissingData:
            sv = t.iloc[:0].assign(kind=[])
        kind = t["customer"].map(dict(zip(sv["customer"], sv["kind"]))).fillna("other")
        groups = [
            ("other", PALETTE["secondary"], "o", 25, tr(lang, "其他客户", "other customers")),
            ("big_company_small_customer", STATUS_STYLE["below"]["color"], "v", 70,
             tr(lang, "大企业、小客户（大企业≠大客户）", "big company, small customer")),
            ("small_company_big_customer", STATUS_STYLE["excellent"]["color"], "*", 140,
             tr(lang, "小企业、大客户", "small company, big customer")),
        ]
        pos = t.loc[t["value"] > 0, "value"]
        floor = float(pos.min()) / 3 if len(pos) else 1.0
        shown_zero = 0
        named: list[tuple[str, str]] = []
        for key, color, marker, s, name in groups:
            sel = size.notna() & (size > 0) & (kind == key)
            if key == "other":
                sel &= t["value"] > 0
            if not sel.any():
                continue
            yv = t.loc[sel, "value"].clip(lower=floor)
            if key == "big_company_small_customer":
                shown_zero = int((t.loc[sel, "value"] <= 0).sum())
            ax.scatter(size[sel], yv, color=color, marker=marker, s=s, edgecolors="black",
                       linewidths=0.4, label=f"{name} ({int(sel.sum())})", zorder=3 if key != "other" else 2)
            if key != "other":
                order = "size_" if key == "big_company_small_customer" else "value"
                top = (t.loc[sel].assign(size_=size[sel], y_=yv).sort_values(order, ascending=False).head(label))
                for r in top.itertuples():
                    named.append((str(r.customer), color))
                    ax.annotate(str(len(named)), (r.size_, r.y_), xytext=(5, 4), textcoords="offset points",
                                fontsize=8, fontweight="bold", color="black")
        if shown_zero:
            ax.axhline(floor, color="#bbbbbb", linewidth=0.8, linestyle=":")
            ax.text(0.01, floor, tr(lang, f" 无收入（{shown_zero}个）", f" no revenue ({shown_zero})"),
                    transform=ax.get_yaxis_transform(), va="bottom", fontsize=7.5, color="#555555")
        ax.set_xscale("log")
        ax.set_yscale("log")
        money_axis(ax, lang, "y")
        from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

        ax.xaxis.set_major_locator(LogLocator(base=10))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:,.0f}"))
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.set_xlabel(tr(lang, "客户员工人数（对数刻度）", "Customer's employees (log scale)"))
        ax.set_ylabel(tr(lang, "每年给我们的价值（元，对数刻度）", "Value to us per year (RMB, log scale)"))
        missing = int((~size.notna() & (t["value"] > 0)).sum())
        note = tr(lang, f"；{missing}个客户无员工人数，未画出", f"; {missing} customers without employees not shown") \
            if missing else ""
        ax.set_title(tr(lang, f"客户规模与客户价值 · {_period(cv)}{note}",
                        f"Customer size against value to us · {_period(cv)}{note}"), fontsize=11)
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
        if named:
            ax.text(1.02, 0.0, "\n".join(f"{k}  {short_name(name, 24)}" for k, (name, _c) in enumerate(named, 1)),
                    transform=ax.transAxes, fontsize=8, va="bottom", ha="left")
        fig.tight_layout()
        return fig


def value_trend_chart(cv, lang: str = "zh", top: int = 15) -> Figure:
    """The ``top`` largest customers' yearly value: this period (bar) and the previous one (marker)."""
    with chart_lang(lang) as lang:
        t = cv.table.loc[cv.table["revenue"] > 0].head(top).iloc[::-1]
        n = len(t)
        fig = Figure(figsize=(8.5, 0.36 * max(n, 3) + 1.4))
        if not n:
            return no_data(fig, tr(lang, f"{_period(cv)} 没有客户收入", f"No customer revenue in {_period(cv)}"))
        ax = fig.add_subplot()
        y = np.arange(n)
        div = 1.0
        trend_color = {"growing": STATUS_STYLE["excellent"]["color"], "declining": STATUS_STYLE["below"]["color"],
                       "new": PALETTE["accent"], "stable": PALETTE["secondary"]}
        ax.barh(y, t["value"] / div, color=[trend_color.get(k, PALETTE["secondary"]) for k in t["trend"]],
                edgecolor="black", linewidth=0.4)
        prev = t["previous"].where(t["previous"] > 0)
        ax.scatter(prev / div, y, marker="|", s=260, color="black", zorder=3,
                   label=tr(lang, "上一期", "previous period"))
        words = {"growing": tr(lang, "增长", "growing"), "declining": tr(lang, "下滑", "declining"),
                 "new": tr(lang, "新客户", "new"), "stable": tr(lang, "稳定", "stable"), "lost": tr(lang, "流失", "lost")}
        for i, r in enumerate(t.itertuples()):
            g = "" if pd.isna(r.growth) else f" {r.growth:+.0%}"
            ax.text(r.value / div, i, f" {words.get(r.trend, r.trend)}{g}", va="center", fontsize=8)
        ax.set_yticks(y, [short_name(c, 24) for c in t["customer"]], fontsize=8)
        ax.set_xlabel(tr(lang, "每年价值（元）", "Value per year (RMB)"))
        ax.set_xlim(0, max(float((t["value"] / div).max()), float((prev / div).max() if prev.notna().any() else 0))
                    * 1.25 if n else 1)
        money_axis(ax, lang, "x")
        ax.set_title(tr(lang, f"前{n}大客户的价值与趋势 · {_period(cv)}",
                        f"Value and trend of the {n} largest customers · {_period(cv)}"), fontsize=11)
        ax.legend(loc="lower right", fontsize=8, frameon=False)
        fig.tight_layout()
        return fig
