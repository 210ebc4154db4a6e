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
'Annual sales (M RMB)'
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from ..i18n import fmt_pct, tr
from . import PALETTE, chart_lang

__all__ = ["sales_chart", "needs_chart", "ramp_chart", "concentration_chart", "NEED_STYLE"]

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


def sales_chart(t, lang: str = "zh") -> Figure:
    """Annual sales per salesperson (bars, highest on top), the team average, quotas and the indicator 7 line."""
    with chart_lang(lang) as lang:
        p = t.people.iloc[::-1]
        n = len(p)
        fig = Figure(figsize=(8, max(2.5, 0.3 * n + 1.2)))
        ax = fig.subplots()
        y = np.arange(n)
        above = p["above_mean"].to_numpy()
        ax.barh(y[above], p["annual_sales"].to_numpy()[above] / 1e6, color=PALETTE["primary"],
                label=tr(lang, "高于平均", "above the average"))
        ax.barh(y[~above], p["annual_sales"].to_numpy()[~above] / 1e6, color=PALETTE["light"],
                edgecolor=PALETTE["secondary"], hatch="//", label=tr(lang, "不高于平均", "not above the average"))
        q = p["quota"].to_numpy(dtype=float)
        has_q = ~np.isnan(q)
        if has_q.any():
            ax.scatter(q[has_q] / 1e6, y[has_q], marker="|", s=300, color=PALETTE["accent"], zorder=3,
                       label=tr(lang, "年度指标", "annual quota"))
        mean = t.summary["mean_annual_sales"] / 1e6
        ax.axvline(mean, color="black", linestyle="--", linewidth=1,
                   label=tr(lang, f"平均 {mean:.1f}M", f"average {mean:.1f}M"))
        line7 = t.lines.get("sales_per_rep")
        if line7:
            ax.axvline(line7 / 1e6, color=PALETTE["below"], linestyle=":", linewidth=1.2,
                       label=tr(lang, f"指标7及格线 {line7 / 1e6:.0f}M", f"indicator 7 pass line {line7 / 1e6:.0f}M"))
        ax.set_yticks(y, p["salesperson"].tolist())
        ax.set_xlabel(tr(lang, "年销售额（百万元）", "Annual sales (M RMB)"))
        ax.set_title(tr(lang, f"销售人员年销售额 · {t.period.label}", f"Annual sales per salesperson · {t.period.label}"))
        ax.legend(loc="lower right", fontsize=8, frameon=False)
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
        fig = Figure(figsize=(7.5, 5))
        ax = fig.subplots()
        names = _need_names(t, lang)
        has = p["coverage"].notna() & p["win_rate"].notna()
        if not has.any():
            ax.text(0.5, 0.5, tr(lang, "没有机会数据：无法显示赢率和储备", "No opportunity data: win rate and pipeline "
                                 "are not available"), ha="center", va="center", transform=ax.transAxes)
            ax.set_axis_off()
            return fig
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
                       label=tr(lang, f"空心：成交单少于 {t.lines['min_closed_deals']} 单，赢率不评判",
                                f"hollow: fewer than {t.lines['min_closed_deals']} closed deals, win rate not judged"))
        for _, r in p.loc[has].iterrows():
            label = str(r["salesperson"]) + (f" ({r['coverage']:.0f}×→)" if r["coverage"] > cap else "")
            ax.annotate(label, (r["x"], r["win_rate"] * 100), xytext=(4, 4), textcoords="offset points",
                        fontsize=7 if has.sum() > 15 else 8)
        wl, cl = t.lines.get("win_rate"), t.lines.get("pipeline_coverage")
        if wl is not None:
            ax.axhline(wl * 100, color="grey", linestyle="--", linewidth=1)
            ax.text(ax.get_xlim()[1], wl * 100, tr(lang, f" 赢率线 {fmt_pct(wl)}", f" win-rate line {fmt_pct(wl)}"),
                    va="bottom", ha="right", fontsize=8, color="grey")
        if cl is not None:
            ax.axvline(cl, color="grey", linestyle="--", linewidth=1)
            ax.text(cl, ax.get_ylim()[1], tr(lang, f" 储备线 {cl:g}×", f" pipeline line {cl:g}×"),
                    va="top", ha="left", fontsize=8, color="grey")
        ax.set_xlabel(tr(lang, "储备覆盖倍数（在跟机会金额 ÷ 个人年度目标）",
                         "Pipeline coverage (open amount ÷ own annual target)"))
        ax.set_ylabel(tr(lang, "赢率（%）", "Win rate (%)"))
        ax.set_title(tr(lang, "谁需要什么：储备与赢率", "Who needs what: pipeline and win rate"))
        ax.legend(fontsize=8, frameon=False, loc="best")
        fig.tight_layout()
        return fig


def ramp_chart(t, lang: str = "zh") -> Figure:
    """Sales per year employed against tenure (years), with the mean of each tenure band."""
    with chart_lang(lang) as lang:
        p = t.people.loc[t.people["tenure_months"].notna()]
        fig = Figure(figsize=(7.5, 4.5))
        ax = fig.subplots()
        if not len(p):
            ax.text(0.5, 0.5, tr(lang, "没有入职日期：无法显示上手期", "No hire dates: ramp-up is not available"),
                    ha="center", va="center", transform=ax.transAxes)
            ax.set_axis_off()
            return fig
        ax.scatter(p["tenure_months"] / 12, p["sales_rate"] / 1e6, color=PALETTE["primary"], zorder=3,
                   label=tr(lang, "销售人员", "salesperson"))
        for _, r in p.iterrows():
            ax.annotate(str(r["salesperson"]), (r["tenure_months"] / 12, r["sales_rate"] / 1e6), xytext=(4, 3),
                        textcoords="offset points", fontsize=7 if len(p) > 15 else 8)
        edges = list(t.config["tenure_bands_months"]) + [max(float(p["tenure_months"].max()) + 1, 12.0)]
        for (lo, hi), (_, band) in zip(zip(edges[:-1], edges[1:]), t.ramp.iterrows()):
            if band["people"] and not math.isnan(band["mean_sales_rate"]) and hi > lo:
                ax.hlines(band["mean_sales_rate"] / 1e6, lo / 12, hi / 12, color=PALETTE["accent"], linewidth=2.5)
        ax.plot([], [], color=PALETTE["accent"], linewidth=2.5, label=tr(lang, "各司龄段平均", "mean per tenure band"))
        new = t.lines.get("new_hire_months")
        if new:
            ax.axvspan(0, new / 12, color=PALETTE["light"], alpha=0.5, zorder=0,
                       label=tr(lang, "上手期", "ramp-up period"))
        ax.set_xlabel(tr(lang, "司龄（年）", "Tenure (years)"))
        ax.set_ylabel(tr(lang, "在岗年化销售额（百万元）", "Sales per year employed (M RMB)"))
        ax.set_title(tr(lang, "按司龄看销售额（上手期）", "Sales by tenure (ramp-up)"))
        ax.legend(fontsize=8, frameon=False)
        fig.tight_layout()
        return fig


def concentration_chart(t, lang: str = "zh") -> Figure:
    """Cumulative share of sales against the share of salespeople, best first."""
    with chart_lang(lang) as lang:
        s = t.people["sales"].clip(lower=0).sort_values(ascending=False).to_numpy(dtype=float)
        fig = Figure(figsize=(6, 4.5))
        ax = fig.subplots()
        total = s.sum()
        if len(s) == 0 or total <= 0:
            ax.text(0.5, 0.5, tr(lang, "没有销售额", "No sales"), ha="center", va="center", transform=ax.transAxes)
            ax.set_axis_off()
            return fig
        x = np.arange(0, len(s) + 1) / len(s) * 100
        y = np.concatenate([[0], np.cumsum(s) / total * 100])
        ax.plot(x, y, marker="o", color=PALETTE["primary"], label=tr(lang, "实际", "actual"))
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
