"""Charts of the win-rate model, the boards, the Monday review, calibration and the forecast.

Every function takes a result of :mod:`kalib.pipeline`, :mod:`kalib.review`,
:mod:`kalib.calibration` or :mod:`kalib.forecast` and ``lang="zh"|"en"``, and
returns a :class:`matplotlib.figure.Figure` (not registered with pyplot:
nothing is shown, no global setting changes).  Bars carry their values as text
and series differ by hatch or marker as well as colour, so prints in greyscale
read.

* :func:`stage_chart` — open amount and weighted amount by stage (the funnel of the model);
* :func:`matrix_chart` — Board 2's stage × close-month matrix as a heat map;
* :func:`milestone_chart` — won so far + expected vs the target, with the forecast band;
* :func:`forecast_chart` — the simulated distribution with P10 / P50 / P90 and the target;
* :func:`production_chart` — expected volume by product and month (production planning);
* :func:`waterfall_chart` — the Monday review's bridge from last week to this week;
* :func:`reliability_chart` — configured vs observed win rates, with intervals.

Examples
--------
>>> import pandas as pd
>>> from kalib import Client
>>> from kalib.pipeline import dashboard
>>> c = Client.from_frames({"opportunities": pd.DataFrame({
...     "opportunity_id": ["A", "B"], "stage": ["qualified", "agreed"], "amount": [1e6, 2e6],
...     "expected_close": pd.to_datetime(["2024-06-20", "2024-08-15"])})}, as_of="2024-05-31")
>>> fig = stage_chart(dashboard(c), lang="en")
>>> fig.axes[0].get_title()
'Open pipeline by stage'
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from ..i18n import fmt_pct, fmt_rmb, tr
from . import PALETTE, chart_lang

__all__ = ["forecast_chart", "matrix_chart", "milestone_chart", "production_chart", "reliability_chart",
           "stage_chart", "waterfall_chart"]


def _money_axis(ax, lang: str, axis: str = "x") -> None:
    from matplotlib.ticker import FuncFormatter

    def f(v, _pos):
        if lang == "zh":
            return f"{v / 1e4:,.0f}万" if abs(v) < 1e8 else f"{v / 1e8:.1f}亿"
        return f"{v / 1e6:,.1f}M"

    (ax.xaxis if axis == "x" else ax.yaxis).set_major_formatter(FuncFormatter(f))


def _stage_labels(config, keys, lang: str) -> list[str]:
    names = {s["key"]: s for s in config.stages()} if config is not None else {}
    out = []
    for k in keys:
        s = names.get(k)
        out.append(f"{s.get('step')}. {config.label(s, lang)}" if s and s.get("step") else
                   (config.label(s, lang) if s else str(k)))
    return out


def _config_of(result):
    from ..config import default_config

    return getattr(result, "config", None) or default_config()


def stage_chart(dash, lang: str = "zh", config=None, width: float = 8.0) -> Figure:
    """Open amount (light, hatched) and weighted amount (dark) by stage, with deal counts.

    ``dash`` is a :class:`kalib.pipeline.Dashboard`; ``config`` (default: the
    method's) names the stages.
    """
    config = config or _config_of(dash)
    with chart_lang(lang) as lang:
        m = dash.matrix
        keys = [k for k in m["count"].index if k != "total"]
        amount = m["amount"].loc[keys, "total"].to_numpy()
        weighted = m["weighted"].loc[keys, "total"].to_numpy()
        count = m["count"].loc[keys, "total"].to_numpy()
        fig = Figure(figsize=(width, 0.55 * len(keys) + 1.6))
        ax = fig.add_subplot()
        y = np.arange(len(keys))[::-1]
        ax.barh(y, amount, color=PALETTE["light"], edgecolor=PALETTE["secondary"], hatch="//",
                label=tr(lang, "在跟金额", "Open amount"))
        ax.barh(y, weighted, height=0.5, color=PALETTE["primary"], label=tr(lang, "加权金额（金额×赢率）",
                                                                           "Weighted (amount × win rate)"))
        top = max(float(amount.max()) if len(amount) else 0.0, 1.0)
        for yi, a, w, n in zip(y, amount, weighted, count):
            ax.text(a + top * 0.01, yi, f"{fmt_rmb(w, lang)} / {fmt_rmb(a, lang)}  ({n}{tr(lang, '个', '')})",
                    va="center", fontsize=8)
        rates = dash.rates
        labels = [f"{lab}  {fmt_pct(rates.get(k))}" for lab, k in zip(_stage_labels(config, keys, lang), keys)]
        ax.set_yticks(y, labels)
        ax.set_xlim(0, top * 1.45)
        _money_axis(ax, lang)
        ax.set_title(tr(lang, "在跟机会按阶段", "Open pipeline by stage"))
        ax.legend(loc="lower right", fontsize=8, frameon=False)
        fig.tight_layout()
    return fig


def matrix_chart(dash, value: str = "weighted", lang: str = "zh", config=None, width: float = 10.0) -> Figure:
    """Board 2's stage × close-month matrix (``value``: ``count``, ``amount`` or ``weighted``)."""
    if value not in ("count", "amount", "weighted"):
        raise ValueError("value must be 'count', 'amount' or 'weighted'")
    config = config or _config_of(dash)
    with chart_lang(lang) as lang:
        t = dash.matrix[value].drop(index="total", columns="total")
        keys = list(t.index)
        col_names = {"overdue": tr(lang, "逾期", "overdue"), "later": tr(lang, "更晚", "later"),
                     "no date": tr(lang, "无日期", "no date")}
        cols = [col_names.get(c, c) for c in t.columns]
        fig = Figure(figsize=(width, 0.5 * len(keys) + 1.8))
        ax = fig.add_subplot()
        data = t.to_numpy(dtype="float64")
        ax.imshow(data, aspect="auto", cmap="Blues", vmin=0, vmax=max(float(np.nanmax(data)), 1.0))
        hi = np.nanmax(data) if data.size else 0
        for i in range(data.shape[0]):
            for j in range(data.shape[1]):
                v = data[i, j]
                if v:
                    txt = f"{int(v)}" if value == "count" else fmt_rmb(v, lang).replace("元", "").replace(" RMB", "")
                    ax.text(j, i, txt, ha="center", va="center", fontsize=7,
                            color="white" if v > hi * 0.6 else "black")
        ax.set_xticks(range(len(cols)), cols, rotation=30, ha="right")
        ax.set_yticks(range(len(keys)), _stage_labels(config, keys, lang))
        what = {"count": tr(lang, "机会数", "deals"), "amount": tr(lang, "金额", "amount"),
                "weighted": tr(lang, "加权金额", "weighted amount")}[value]
        ax.set_title(tr(lang, f"阶段 × 预计成交月份（{what}）", f"Stage × expected close month ({what})"))
        ax.spines[:].set_visible(False)
        fig.tight_layout()
    return fig


def milestone_chart(dash, forecast=None, lang: str = "zh", width: float = 9.0) -> Figure:
    """Won so far plus expected from the pipeline against the milestone target.

    With a :class:`kalib.forecast.Forecast`, its P10–P90 band and P50 are drawn
    over the bar.  Without a target, the chart says the target is not set.
    """
    with chart_lang(lang) as lang:
        fig = Figure(figsize=(width, 2.6))
        ax = fig.add_subplot()
        won, exp = dash.won_so_far, dash.expected
        ax.barh([0], [won], color=PALETTE["primary"], label=tr(lang, "已赢单", "Won so far"))
        ax.barh([0], [exp], left=[won], color=PALETTE["light"], edgecolor=PALETTE["secondary"], hatch="//",
                label=tr(lang, "在跟机会预计（加权）", "Expected from the pipeline (weighted)"))
        top = won + exp
        if forecast is not None:
            lo, mid, hi = forecast.p10, forecast.p50, forecast.p90
            ax.errorbar([mid], [0.45], xerr=[[mid - lo], [hi - mid]], fmt="D", color=PALETTE["accent"],
                        capsize=5, label=tr(lang, "模拟 P10–P50–P90", "Simulated P10–P50–P90"))
            top = max(top, hi)
        if dash.target is not None:
            ax.axvline(dash.target, color=PALETTE["below"], lw=2, ls="--",
                       label=tr(lang, f"节点目标 {fmt_rmb(dash.target, lang)}",
                                f"Milestone target {fmt_rmb(dash.target, lang)}"))
            top = max(top, dash.target)
        else:
            ax.text(0.99, 0.9, tr(lang, "销售目标未设置", "Sales target not set"), transform=ax.transAxes,
                    ha="right", va="top", color=PALETTE["na"])
        ax.text(won + exp, -0.05, f" {fmt_rmb(won + exp, lang)}", va="center", fontsize=9)
        ax.set_xlim(0, max(top, 1.0) * 1.15)
        ax.set_ylim(-0.6, 0.9)
        ax.set_yticks([])
        _money_axis(ax, lang)
        ax.set_title(tr(lang, f"到节点 {dash.period.label}（{dash.period.end.date()}）能完成多少",
                        f"What the {dash.period.label} milestone ({dash.period.end.date()}) will bring"))
        ax.legend(loc="upper left", fontsize=8, frameon=False, ncol=2, bbox_to_anchor=(0, -0.18))
        fig.tight_layout()
    return fig


def forecast_chart(forecast, lang: str = "zh", width: float = 9.0, bins: int = 60) -> Figure:
    """The simulated result by the milestone: histogram, P10 / P50 / P90 and the target."""
    with chart_lang(lang) as lang:
        fig = Figure(figsize=(width, 3.6))
        ax = fig.add_subplot()
        t = forecast.totals
        ax.hist(t, bins=bins, color=PALETTE["light"], edgecolor=PALETTE["secondary"])
        styles = {0.1: ":", 0.5: "-", 0.9: ":"}
        for q, v in forecast.percentiles.items():
            ax.axvline(v, color=PALETTE["primary"], ls=styles.get(round(q, 2), "-."), lw=1.5)
            ax.text(v, ax.get_ylim()[1] * 0.97, f" P{round(q * 100)}\n {fmt_rmb(v, lang)}", va="top", fontsize=8)
        if forecast.target is not None:
            ax.axvline(forecast.target, color=PALETTE["below"], ls="--", lw=2)
            ax.text(forecast.target, ax.get_ylim()[1] * 0.55,
                    tr(lang, f" 目标\n 达成概率 {fmt_pct(forecast.prob_hit)}",
                       f" target\n P(reach) {fmt_pct(forecast.prob_hit)}"), color=PALETTE["below"], fontsize=9)
        _money_axis(ax, lang)
        ax.set_yticks([])
        ax.set_xlabel(tr(lang, "到节点的业绩（已赢单 + 在跟机会赢单）", "Result by the milestone (won + won from pipeline)"))
        ax.set_title(tr(lang, f"{forecast.trials} 次模拟：到 {forecast.period.label} 的业绩分布",
                        f"{forecast.trials} trials: the result by {forecast.period.label}"))
        fig.tight_layout()
    return fig


def production_chart(dash, lang: str = "zh", top: int = 8, width: float = 10.0) -> Figure:
    """Expected volume (weighted amount) by product and expected close month: the basis for
    production planning.  The ``top`` products by volume are shown, the rest as "other"."""
    with chart_lang(lang) as lang:
        p = dash.production.copy()
        order = p.sum(axis=1).sort_values(ascending=False)
        keep = list(order.index[:top])
        if len(order) > top:
            other = p.loc[~p.index.isin(keep)].sum()
            p = p.loc[keep]
            p.loc[tr(lang, "其他", "other")] = other
        else:
            p = p.loc[keep]
        fig = Figure(figsize=(width, 4.2))
        ax = fig.add_subplot()
        cols = [tr(lang, "逾期", "overdue") if c == "overdue" else c for c in p.columns]
        x = np.arange(len(cols))
        bottom = np.zeros(len(cols))
        hatches = ["", "//", "..", "xx", "\\\\", "--", "++", "oo", "**"]
        import matplotlib

        cmap = matplotlib.colormaps["tab20"]
        for i, (name, row) in enumerate(p.iterrows()):
            ax.bar(x, row.to_numpy(), bottom=bottom, label=str(name), color=cmap(i % 20),
                   hatch=hatches[i % len(hatches)], edgecolor="white", linewidth=0.5)
            bottom += row.to_numpy()
        for xi, v in zip(x, bottom):
            if v:
                ax.text(xi, v, fmt_rmb(v, lang), ha="center", va="bottom", fontsize=8)
        ax.set_xticks(x, cols)
        _money_axis(ax, lang, "y")
        ax.set_title(tr(lang, "按产品和月份的预计成交额（加权）：排产依据",
                        "Expected volume by product and month (weighted): the basis for production planning"))
        ax.legend(fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
        fig.tight_layout()
    return fig


def waterfall_chart(review, lang: str = "zh", width: float = 10.0) -> Figure:
    """The Monday review's bridge: last week's weighted pipeline due by the milestone, each
    kind of change (green up, red down, with their values), this week's."""
    from ..review import CHANGES

    with chart_lang(lang) as lang:
        w = review.waterfall
        w = w.loc[w["value"] != 0]
        names = [tr(lang, "上周", "Last week")] + [tr(lang, *CHANGES[s]) for s in w["step"]] + \
            [tr(lang, "本周", "This week")]
        fig = Figure(figsize=(width, 4.2))
        ax = fig.add_subplot()
        levels = np.r_[review.start, review.start + np.cumsum(w["value"].to_numpy())]
        lo, hi = float(min(levels.min(), review.end)), float(max(levels.max(), review.end))
        pad = (hi - lo) * 0.35 if hi > lo else max(abs(hi) * 0.05, 1.0)
        base = max(lo - pad, 0.0)
        n = len(names) - 1
        for i, v in ((0, review.start), (n, review.end)):
            ax.bar(i, v - base, bottom=base, color=PALETTE["primary"])
            ax.text(i, v, fmt_rmb(v, lang), ha="center", va="bottom", fontsize=8)
        level = review.start
        for i, v in enumerate(w["value"], start=1):
            up = v >= 0
            ax.bar(i, v, bottom=level, color=PALETTE["excellent"] if up else PALETTE["below"],
                   hatch="" if up else "//", edgecolor="white")
            ax.text(i, max(level, level + v), f"{'+' if up else '−'}{fmt_rmb(abs(v), lang)}", ha="center",
                    va="bottom", fontsize=8)
            level += v
        ax.set_ylim(base, hi + pad)
        ax.set_xticks(range(len(names)), names, rotation=20, ha="right")
        _money_axis(ax, lang, "y")
        if base > 0:
            ax.set_ylabel(tr(lang, "（纵轴不从 0 开始）", "(axis does not start at 0)"), fontsize=8)
        ax.set_title(tr(lang, f"周一盘点：节点 {review.period.label} 内在跟机会的加权金额 "
                              f"{review.date_from.date()} → {review.date_to.date()}",
                        f"Monday review: weighted pipeline due by {review.period.label}, "
                        f"{review.date_from.date()} → {review.date_to.date()}"))
        ax.legend(handles=[Patch(color=PALETTE["excellent"], label=tr(lang, "增加", "up")),
                           Patch(facecolor=PALETTE["below"], hatch="//", label=tr(lang, "减少", "down"))],
                  loc="upper right", fontsize=8, frameon=False)
        fig.tight_layout()
    return fig


def reliability_chart(cal, lang: str = "zh", width: float = 6.5) -> Figure:
    """Configured win rate (x) vs the rate observed from history (y), per stage, with the
    confidence interval and the number of closed deals; on the diagonal the rates are right."""
    with chart_lang(lang) as lang:
        fig = Figure(figsize=(width, width * 0.85))
        ax = fig.add_subplot()
        ax.plot([0, 1], [0, 1], color=PALETTE["na"], ls="--", lw=1, label=tr(lang, "完全校准", "Perfectly calibrated"))
        t = cal.table.loc[cal.table["closed"] > 0]
        if len(t):
            yerr = np.vstack([t["observed"] - t["ci_low"], t["ci_high"] - t["observed"]])
            ax.errorbar(t["configured"], t["observed"], yerr=yerr, fmt="o", color=PALETTE["primary"], capsize=4,
                        label=tr(lang, f"实际赢率（{fmt_pct(cal.confidence)} 区间）",
                                 f"Observed ({fmt_pct(cal.confidence)} interval)"))
            ax.scatter(t["configured"], t["suggested"], marker="s", facecolors="none", edgecolors=PALETTE["accent"],
                       label=tr(lang, "建议赢率", "Suggested"), zorder=3)
            for key, r in t.iterrows():
                name = tr(lang, *cal.labels.get(key, (key, key)))
                ax.annotate(f"{name} (n={int(r['closed'])})", (r["configured"], r["observed"]),
                            textcoords="offset points", xytext=(6, -10), fontsize=7)
        else:
            ax.text(0.5, 0.5, tr(lang, "尚无已关闭的机会", "No closed deal yet"), ha="center", transform=ax.transAxes)
        ax.set_xlim(-0.03, 1.03)
        ax.set_ylim(-0.03, 1.03)
        ax.set_xlabel(tr(lang, "配置的阶段赢率", "Configured stage win rate"))
        ax.set_ylabel(tr(lang, "历史实际赢率", "Observed win rate"))
        from matplotlib.ticker import PercentFormatter

        ax.xaxis.set_major_formatter(PercentFormatter(1.0))
        ax.yaxis.set_major_formatter(PercentFormatter(1.0))
        b = cal.brier_configured
        ax.set_title(tr(lang, "赢率校准" + (f"（Brier {b:.3f}）" if b is not None else ""),
                        "Win-rate calibration" + (f" (Brier {b:.3f})" if b is not None else "")))
        ax.legend(fontsize=8, frameon=False, loc="upper left")
        fig.tight_layout()
    return fig
