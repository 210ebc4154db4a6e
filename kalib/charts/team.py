"""Charts of the team analysis (layer 4), from a :class:`kalib.team.TeamResult`.

Every function takes ``lang="zh"|"en"`` and returns a matplotlib Figure
(never shown, no global setting changed).

Examples
--------
>>> import pandas as pd
>>> from kalib import Client
>>> from kalib.team import team_analysis
>>> rev = pd.DataFrame({"date": pd.to_datetime(["2024-03-01", "2024-05-01"]), "customer": ["A", "B"],
...                     "amount": [6e6, 3e6], "salesperson": ["王", "李"]})
>>> t = team_analysis(Client.from_frames({"revenue": rev}), "2024")
>>> fig = sales_chart(t, "en")
>>> fig.axes[0].get_xlabel()
'Annual sales (RMB)'
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from ..i18n import fmt_pct, tr
from . import PALETTE, chart_lang, fmt_money, label_points, money_axis, no_data, short_name

__all__ = ["sales_chart", "needs_chart", "ramp_chart", "concentration_chart", "NEED_STYLE", "MAX_BARS", "MAX_LABELS"]

#: At most this many salespeople get a bar in :func:`sales_chart` (the best); the table lists everyone.
MAX_BARS = 40
#: At most this many points are named in a scatter chart; the table beside it names everyone.
MAX_LABELS = 12

# Colour + marker per need group, so the chart reads in greyscale too.
NEED_STYLE = {
    "ramp_up": {"color": "#6c8ebf", "marker": "s"},
    "performance_plan": {"color": "#c0392b", "marker": "v"},
    "deal_coaching": {"color": "#d35400", "marker": "D"},
    "prospecting": {"color": "#e0a800", "marker": "^"},
    "role_model": {"color": "#1e8449", "marker": "*"},
    "on_track": {"color": "#1f4e79", "marker": "o"},
}


def _need_names(t, lang: str) -> dict[str, str]:
    return {n["key"]: tr(lang, n["zh"], n["en"]) for n in t.config["needs"]}


def sales_chart(t, lang: str = "zh", top: int = MAX_BARS) -> Figure:
    """Annual sales per salesperson (bars, highest on top), the team average, quotas and the indicator 7 line.

    With more than ``top`` salespeople, the ``top`` best are drawn and the chart says how many
    more there are (the team table lists everyone).
    """
    with chart_lang(lang) as lang:
        people = t.people.sort_values("annual_sales", ascending=False, kind="stable")
        total = len(people)
        p = people.head(top).iloc[::-1]
        n = len(p)
        fig = Figure(figsize=(8, max(2.5, 0.26 * n + 1.5)))
        if not n:
            return no_data(fig, tr(lang, "没有销售人员的销售额", "No sales by salesperson"))
        ax = fig.subplots()
        y = np.arange(n)
        sales = p["annual_sales"].to_numpy(dtype=float)
        above = p["above_mean"].to_numpy(dtype=bool)
        q = p["quota"].to_numpy(dtype=float)
        mean = float(t.summary["mean_annual_sales"] or 0.0)
        line7 = t.lines.get("sales_per_rep")
        right = max([float(np.nanmax(sales)) if n else 0.0, float(np.nanmax(q)) if (~np.isnan(q)).any() else 0.0,
                     mean, float(line7 or 0.0), 1.0])
        ax.set_xlim(0, right * 1.08)
        unit = money_axis(ax, lang, "x")
        ax.barh(y[above], sales[above], color=PALETTE["primary"], label=tr(lang, "高于平均", "above the average"))
        ax.barh(y[~above], sales[~above], color=PALETTE["light"], edgecolor=PALETTE["secondary"], hatch="//",
                label=tr(lang, "不高于平均", "not above the average"))
        has_q = ~np.isnan(q)
        if has_q.any():
            ax.scatter(q[has_q], y[has_q], marker="|", s=300, color=PALETTE["accent"], zorder=3,
                       label=tr(lang, "年度指标", "annual quota"))
        ax.axvline(mean, color="black", linestyle="--", linewidth=1,
                   label=tr(lang, f"平均 {fmt_money(mean, lang, unit)}", f"average {fmt_money(mean, lang, unit)}"))
        if line7:
            ax.axvline(line7, color=PALETTE["below"], linestyle=":", linewidth=1.2,
                       label=tr(lang, f"指标7及格线 {fmt_money(line7, lang, unit)}",
                                f"indicator 7 pass line {fmt_money(line7, lang, unit)}"))
        ax.set_yticks(y, [short_name(x, 20) for x in p["salesperson"]], fontsize=8 if n > 15 else 9)
        ax.set_xlabel(tr(lang, "年销售额（元）", "Annual sales (RMB)"))
        more = total - n
        title = tr(lang, f"销售人员年销售额 · {t.period.label}", f"Annual sales per salesperson · {t.period.label}")
        if more:
            title += tr(lang, f"\n前 {n} 名；另有 {more} 人见表格", f"\nthe best {n}; {more} more in the table")
        ax.set_title(title, fontsize=11)
        ax.legend(loc="lower right", fontsize=8, frameon=True, framealpha=0.9, edgecolor="none")
        fig.tight_layout()
        return fig


def needs_chart(t, lang: str = "zh") -> Figure:
    """Pipeline coverage (x) against win rate (y), one point per salesperson, marked by group.

    The company's lines split the plane: right of the pipeline line and below
    the win-rate line is "deal coaching", left of it "prospecting"...  A
    hollow point's win rate rests on too few closed deals to be judged.
    """
    with chart_lang(lang) as lang:
        p = t.people
        fig = Figure(figsize=(9, 5))
        ax = fig.subplots()
        names = _need_names(t, lang)
        has = p["coverage"].notna() & p["win_rate"].notna()
        if not has.any():
            return no_data(fig, tr(lang, "没有机会数据：无法显示赢率和储备",
                                   "No opportunity data: win rate and pipeline are not available"))
        # Far outliers (e.g. a new hire with a small quota) are drawn at the edge, with their value.
        p = p.copy()
        cl0 = t.lines.get("pipeline_coverage") or 3.0
        cap = max(2.5 * cl0, float(p.loc[has, "coverage"].quantile(0.9)) * 1.15)
        p["x"] = p["coverage"].clip(upper=cap)
        for key, style in NEED_STYLE.items():
            sel = p.loc[has & (p["need"] == key)]
            if not len(sel):
                continue
            judged = sel["win_rate_judged"].notna()
            ax.scatter([], [], s=80, color=style["color"], marker=style["marker"], label=names.get(key, key))
            if judged.any():
                ax.scatter(sel.loc[judged, "x"], sel.loc[judged, "win_rate"] * 100, s=80,
                           color=style["color"], marker=style["marker"], zorder=3)
            if (~judged).any():
                ax.scatter(sel.loc[~judged, "x"], sel.loc[~judged, "win_rate"] * 100, s=80,
                           facecolors="none", edgecolors=style["color"], marker=style["marker"], zorder=3)
        if p.loc[has, "win_rate_judged"].isna().any():
            ax.scatter([], [], s=80, facecolors="none", edgecolors="grey", marker="o",
                       label=tr(lang, f"空心：成交单少于 {t.lines['min_closed_deals']} 单，\n赢率不评判",
                                f"hollow: fewer than {t.lines['min_closed_deals']} closed\ndeals, win rate not judged"))
        wl, cl = t.lines.get("win_rate"), t.lines.get("pipeline_coverage")
        if wl is not None:
            ax.axhline(wl * 100, color="grey", linestyle="--", linewidth=1)
        if cl is not None:
            ax.axvline(cl, color="grey", linestyle="--", linewidth=1)
        x1 = max(float(p.loc[has, "x"].max()), (cl or 0.0) * 1.2, 1.0) * 1.05
        ax.set_xlim(min(0.0, float(p.loc[has, "x"].min())), x1)
        ax.set_ylim(-3, 103)
        if wl is not None:
            ax.text(0.99, wl * 100, tr(lang, f"赢率线 {fmt_pct(wl)}", f"win-rate line {fmt_pct(wl)}"),
                    va="bottom", ha="right", fontsize=8, color="grey", transform=ax.get_yaxis_transform())
        if cl is not None:
            ax.text(cl, 0.99, tr(lang, f" 储备线 {cl:g}× ", f" pipeline line {cl:g}× "), va="top",
                    ha="left" if cl < x1 * 0.7 else "right", fontsize=8, color="grey",
                    transform=ax.get_xaxis_transform())
        ax.set_xlabel(tr(lang, "储备覆盖倍数（在跟机会金额 ÷ 个人年度目标）",
                         "Pipeline coverage (open amount ÷ own annual target)"))
        ax.set_ylabel(tr(lang, "赢率（%）", "Win rate (%)"))
        shown = p.loc[has]
        n_named = min(MAX_LABELS, len(shown))
        title = tr(lang, "谁需要什么：储备与赢率", "Who needs what: pipeline and win rate")
        if len(shown) > n_named:
            title += tr(lang, f"（标出销售额最高的 {n_named} 人，全部见表格）",
                        f" (the {n_named} largest sellers named; everyone in the table)")
        ax.set_title(title, fontsize=11)
        ax.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
        fig.tight_layout()
        labels = [short_name(r.salesperson, 20) + (f" ({r.coverage:.0f}×→)" if r.coverage > cap else "")
                  for r in shown.itertuples()]
        label_points(ax, shown["x"], shown["win_rate"] * 100, labels, priority=shown["annual_sales"].fillna(0),
                     limit=MAX_LABELS, fontsize=7 if len(shown) > 15 else 8, width=26)
        return fig


def ramp_chart(t, lang: str = "zh") -> Figure:
    """Sales per year employed against tenure (years), with the mean of each tenure band.

    The :data:`MAX_LABELS` largest sellers are named (the team table lists everyone).
    """
    with chart_lang(lang) as lang:
        p = t.people.loc[t.people["tenure_months"].notna()]
        fig = Figure(figsize=(8.5, 4.6))
        if not len(p):
            return no_data(fig, tr(lang, "没有入职日期：无法显示上手期", "No hire dates: ramp-up is not available"))
        ax = fig.subplots()
        ax.scatter(p["tenure_months"] / 12, p["sales_rate"], color=PALETTE["primary"], zorder=3,
                   s=12 if len(p) > 100 else 36, label=tr(lang, "销售人员", "salesperson"))
        edges = list(t.config["tenure_bands_months"]) + [max(float(p["tenure_months"].max()) + 1, 12.0)]
        for (lo, hi), (_, band) in zip(zip(edges[:-1], edges[1:]), t.ramp.iterrows()):
            if band["people"] and not math.isnan(band["mean_sales_rate"]) and hi > lo:
                ax.hlines(band["mean_sales_rate"], lo / 12, hi / 12, color=PALETTE["accent"], linewidth=2.5)
        ax.plot([], [], color=PALETTE["accent"], linewidth=2.5, label=tr(lang, "各司龄段平均", "mean per tenure band"))
        new = t.lines.get("new_hire_months")
        if new:
            ax.axvspan(0, new / 12, color=PALETTE["light"], alpha=0.5, zorder=0,
                       label=tr(lang, "上手期", "ramp-up period"))
        ax.set_ylim(bottom=min(0.0, float(p["sales_rate"].min())))
        money_axis(ax, lang, "y")
        ax.set_xlabel(tr(lang, "司龄（年）", "Tenure (years)"))
        ax.set_ylabel(tr(lang, "在岗年化销售额（元）", "Sales per year employed (RMB)"))
        n_named = min(MAX_LABELS, len(p))
        title = tr(lang, "按司龄看销售额（上手期）", "Sales by tenure (ramp-up)")
        if len(p) > n_named:
            title += tr(lang, f"：标出前 {n_named} 名，全部见表格", f": the best {n_named} named, everyone in the table")
        ax.set_title(title, fontsize=11)
        ax.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
        fig.tight_layout()
        label_points(ax, p["tenure_months"] / 12, p["sales_rate"], list(p["salesperson"]),
                     priority=p["sales_rate"].fillna(0), limit=MAX_LABELS, fontsize=7 if len(p) > 15 else 8, width=20)
        return fig


def concentration_chart(t, lang: str = "zh") -> Figure:
    """Cumulative share of sales against the share of salespeople, best first."""
    with chart_lang(lang) as lang:
        s = t.people["sales"].clip(lower=0).sort_values(ascending=False).to_numpy(dtype=float)
        fig = Figure(figsize=(6, 4.5))
        ax = fig.subplots()
        total = s.sum()
        if len(s) == 0 or total <= 0:
            return no_data(fig, tr(lang, "没有销售额", "No sales"))
        x = np.arange(0, len(s) + 1) / len(s) * 100
        y = np.concatenate([[0], np.cumsum(s) / total * 100])
        ax.plot(x, y, marker="o" if len(s) <= 60 else None, color=PALETTE["primary"], label=tr(lang, "实际", "actual"))
        ax.plot([0, 100], [0, 100], color="grey", linestyle=":", label=tr(lang, "完全平均", "perfectly even"))
        k = t.summary["top_n"]
        if k:
            ax.scatter([x[k]], [y[k]], s=120, facecolors="none", edgecolors=PALETTE["accent"], zorder=4)
            ax.annotate(tr(lang, f"前 {k} 人：{fmt_pct(t.summary['top_share'])}",
                           f"top {k}: {fmt_pct(t.summary['top_share'])}"),
                        (x[k], y[k]), xytext=(8, -14), textcoords="offset points", fontsize=9)
        ax.set_xlabel(tr(lang, "销售人员占比（按销售额从高到低，%）", "Share of salespeople, best first (%)"))
        ax.set_ylabel(tr(lang, "累计销售额占比（%）", "Cumulative share of sales (%)"))
        ax.set_title(tr(lang, "销售额集中度", "How concentrated sales are"))
        ax.set_xlim(0, 100)
        ax.set_ylim(0, 105)
        ax.legend(fontsize=8, frameon=False, loc="lower right")
        fig.tight_layout()
        return fig
