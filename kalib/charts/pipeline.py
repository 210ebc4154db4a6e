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
'Open pipeline by stage (RMB)'
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from ..i18n import fmt_pct, tr
from . import PALETTE, chart_lang, fmt_money, label_points, money_axis, money_unit, no_data, short_name

__all__ = ["forecast_chart", "matrix_chart", "milestone_chart", "production_chart", "reliability_chart",
           "stage_chart", "waterfall_chart"]


def _stage_labels(config, keys, lang: str) -> list[str]:
    names = {s["key"]: s for s in config.stages()} if config is not None else {}
    out = []
    for k in keys:
        s = names.get(k)
        out.append(f"{s.get('step')}. {config.label(s, lang)}" if s and s.get("step") else
                   (config.label(s, lang) if s else short_name(k, 18)))
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
        if not len(keys) or not float(np.nansum(amount)):
            return no_data(fig, tr(lang, "没有在跟销售机会", "No open deals: the pipeline is empty"))
        ax = fig.add_subplot()
        y = np.arange(len(keys))[::-1]
        ax.barh(y, amount, color=PALETTE["light"], edgecolor=PALETTE["secondary"], hatch="//",
                label=tr(lang, "在跟金额", "Open amount"))
        ax.barh(y, weighted, height=0.5, color=PALETTE["primary"], label=tr(lang, "加权金额（金额×赢率）",
                                                                           "Weighted (amount × win rate)"))
        top = max(float(np.nanmax(amount)), 1.0)
        ax.set_xlim(0, top * 1.5)
        unit = money_axis(ax, lang, "x", money_unit(top, lang))
        for yi, a, w, n in zip(y, amount, weighted, count):
            ax.text(a + top * 0.01, yi, f"{fmt_money(w, lang, unit)} / {fmt_money(a, lang, unit)}  "
                    f"({n}{tr(lang, ' 个', '')})", va="center", fontsize=8)
        rates = dash.rates
        labels = [f"{lab}  {fmt_pct(rates.get(k))}" for lab, k in zip(_stage_labels(config, keys, lang), keys)]
        ax.set_yticks(y, labels)
        ax.set_title(tr(lang, "在跟机会按阶段（元）", "Open pipeline by stage (RMB)"))
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
        data = t.to_numpy(dtype="float64")
        if not data.size or not np.nansum(np.abs(data)):
            return no_data(fig, tr(lang, "没有在跟销售机会", "No open deals: the pipeline is empty"))
        ax = fig.add_subplot()
        hi = float(np.nanmax(data))
        ax.imshow(data, aspect="auto", cmap="Blues", vmin=0, vmax=max(hi, 1.0))
        unit = money_unit(hi, lang)
        for i in range(data.shape[0]):
            for j in range(data.shape[1]):
                v = data[i, j]
                if v:
                    txt = f"{int(v)}" if value == "count" else fmt_money(v, lang, unit)
                    ax.text(j, i, txt, ha="center", va="center", fontsize=7,
                            color="white" if v > hi * 0.6 else "black")
        ax.set_xticks(range(len(cols)), cols)
        ax.tick_params(axis="x", labelsize=8)
        ax.set_yticks(range(len(keys)), _stage_labels(config, keys, lang))
        what = {"count": tr(lang, "机会数", "deals"), "amount": tr(lang, "金额，元", "amount, RMB"),
                "weighted": tr(lang, "加权金额，元", "weighted amount, RMB")}[value]
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
        fig = Figure(figsize=(width, 2.8))
        ax = fig.add_subplot()
        won, exp = dash.won_so_far, dash.expected
        top = won + exp
        if forecast is not None:
            top = max(top, forecast.p90)
        if dash.target is not None:
            top = max(top, dash.target)
        ax.set_xlim(0, max(top, 1.0) * 1.15)
        unit = money_axis(ax, lang, "x")
        ax.barh([0], [won], color=PALETTE["primary"], label=tr(lang, "已赢单", "Won so far"))
        ax.barh([0], [exp], left=[won], color=PALETTE["light"], edgecolor=PALETTE["secondary"], hatch="//",
                label=tr(lang, "在跟机会预计（加权）", "Expected from the pipeline (weighted)"))
        if forecast is not None:
            lo, mid, hi = forecast.p10, forecast.p50, forecast.p90
            ax.errorbar([mid], [0.45], xerr=[[max(mid - lo, 0.0)], [max(hi - mid, 0.0)]], fmt="D",
                        color=PALETTE["accent"], capsize=5,
                        label=tr(lang, "模拟 P10–P50–P90", "Simulated P10–P50–P90"))
        if dash.target is not None:
            ax.axvline(dash.target, color=PALETTE["below"], lw=2, ls="--",
                       label=tr(lang, f"节点目标 {fmt_money(dash.target, lang, unit)}",
                                f"Milestone target {fmt_money(dash.target, lang, unit)}"))
        else:
            ax.text(0.99, 0.9, tr(lang, "销售目标未设置", "Sales target not set"), transform=ax.transAxes,
                    ha="right", va="top", color=PALETTE["na"])
        ax.text(won + exp, -0.05, f" {fmt_money(won + exp, lang, unit)}", va="center", fontsize=9)
        ax.set_ylim(-0.6, 0.9)
        ax.set_yticks([])
        ax.set_title(tr(lang, f"到节点 {dash.period.label}（{dash.period.end.date()}）能完成多少（元）",
                        f"What the {dash.period.label} milestone ({dash.period.end.date()}) will bring (RMB)"))
        ax.legend(loc="upper left", fontsize=8, frameon=False, ncol=2, bbox_to_anchor=(0, -0.16))
        fig.tight_layout()
    return fig


def forecast_chart(forecast, lang: str = "zh", width: float = 9.0, bins: int = 60) -> Figure:
    """The simulated result by the milestone: histogram, P10 / P50 / P90 and the target.

    When every trial gives the same result (no open deal, or none with an amount), the chart
    says so and draws the one value instead of three labels on one line.
    """
    with chart_lang(lang) as lang:
        fig = Figure(figsize=(width, 3.6))
        t = np.asarray(forecast.totals, dtype=float)
        if not t.size:
            return no_data(fig, tr(lang, "没有模拟结果", "No simulated results"))
        ax = fig.add_subplot()
        pct = dict(forecast.percentiles)
        lo_v, hi_v = float(t.min()), float(t.max())
        target = forecast.target
        right = max(hi_v, target or 0.0, 1.0)
        degenerate = hi_v - lo_v <= max(abs(hi_v), 1.0) * 1e-9
        if degenerate:
            ax.bar([lo_v], [1.0], width=right * 0.01, color=PALETTE["secondary"])
            ax.set_xlim(0, right * 1.15)
        else:
            ax.hist(t, bins=bins, color=PALETTE["light"], edgecolor=PALETTE["secondary"])
            span = max(hi_v, target or hi_v) - min(lo_v, target if target is not None else lo_v)
            ax.set_xlim(max(min(lo_v, target if target is not None else lo_v) - span * 0.05, 0.0)
                        if lo_v >= 0 else lo_v - span * 0.05, max(hi_v, target or hi_v) + span * 0.05)
        unit = money_axis(ax, lang, "x")
        x0, x1 = ax.get_xlim()
        trans = ax.get_xaxis_transform()

        def side(v: float) -> dict:
            return {"ha": "right"} if v > x0 + (x1 - x0) * 0.7 else {"ha": "left"}

        if degenerate:
            v = next(iter(pct.values()), lo_v)
            ax.text(v, 0.95, tr(lang, f" 每次模拟结果相同：{fmt_money(v, lang, unit)} ",
                                f" every trial gives {fmt_money(v, lang, unit)} "),
                    va="top", fontsize=9, transform=trans, **side(v))
            ax.text(v, 0.80, tr(lang, " 在跟机会中没有可赢的金额 ", " the pipeline holds nothing to win "),
                    va="top", fontsize=8, color="#555555", transform=trans, **side(v))
        else:
            styles = {0.1: ":", 0.5: "-", 0.9: ":"}
            for k, (q, v) in enumerate(pct.items()):
                ax.axvline(v, color=PALETTE["primary"], ls=styles.get(round(q, 2), "-."), lw=1.5)
                ax.text(v, 0.97 - 0.19 * (k % 3), f" P{round(q * 100)} {fmt_money(v, lang, unit)} ", va="top",
                        fontsize=8, transform=trans, **side(v))
        if target is not None:
            ax.axvline(target, color=PALETTE["below"], ls="--", lw=2)
            ax.text(target, 0.30, tr(lang, f" 目标 {fmt_money(target, lang, unit)} \n 达成概率 {fmt_pct(forecast.prob_hit)} ",
                                     f" target {fmt_money(target, lang, unit)} \n P(reach) {fmt_pct(forecast.prob_hit)} "),
                    color=PALETTE["below"], fontsize=9, transform=trans, va="center", **side(target))
        ax.set_yticks([])
        ax.set_xlabel(tr(lang, "到节点的业绩（已赢单 + 在跟机会赢单，元）",
                         "Result by the milestone (won + won from pipeline, RMB)"))
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
        if not len(p) or not float(np.nansum(np.abs(p.to_numpy(dtype=float)))):
            return no_data(fig, tr(lang, "没有在跟的机会：没有可排产的预计成交额",
                                   "No open deals: no expected volume to plan production for"))
        ax = fig.add_subplot()
        cols = [tr(lang, "逾期", "overdue") if c == "overdue" else c for c in p.columns]
        x = np.arange(len(cols))
        bottom = np.zeros(len(cols))
        hatches = ["", "//", "..", "xx", "\\\\", "--", "++", "oo", "**"]
        import matplotlib

        cmap = matplotlib.colormaps["tab20"]
        for i, (name, row) in enumerate(p.iterrows()):
            ax.bar(x, row.to_numpy(), bottom=bottom, label=short_name(name, 22), color=cmap(i % 20),
                   hatch=hatches[i % len(hatches)], edgecolor="white", linewidth=0.5)
            bottom += row.to_numpy()
        ax.set_ylim(0, max(float(bottom.max()), 1.0) * 1.12)
        unit = money_axis(ax, lang, "y")
        for xi, v in zip(x, bottom):
            if v:
                ax.text(xi, v, fmt_money(v, lang, unit), ha="center", va="bottom", fontsize=8)
        ax.set_xticks(x, cols)
        ax.tick_params(axis="x", labelsize=8)
        ax.set_ylabel(tr(lang, "加权金额（元）", "Weighted amount (RMB)"))
        ax.set_title(tr(lang, "按产品和月份的预计成交额（加权）：排产依据",
                        "Expected volume by product and month (weighted): for production planning"))
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
        import textwrap

        def wrap(text: str) -> str:
            return "\n".join(textwrap.wrap(text, 7 if lang == "zh" else 14)) or text

        names = [tr(lang, "上周", "Last week")] + [wrap(tr(lang, *CHANGES[s])) for s in w["step"]] + \
            [tr(lang, "本周", "This week")]
        fig = Figure(figsize=(width, 4.4))
        if not len(w) and not review.start and not review.end:
            return no_data(fig, tr(lang, f"节点 {review.period.label} 内没有在跟机会的加权金额：上周和本周都为 0",
                                   f"No weighted pipeline due by {review.period.label}: zero last week and this week"))
        ax = fig.add_subplot()
        levels = np.r_[review.start, review.start + np.cumsum(w["value"].to_numpy())]
        lo, hi = float(min(levels.min(), review.end)), float(max(levels.max(), review.end))
        pad = (hi - lo) * 0.35 if hi > lo else max(abs(hi) * 0.05, 1.0)
        base = max(lo - pad, 0.0)
        ax.set_ylim(base, hi + pad)
        unit = money_axis(ax, lang, "y")
        n = len(names) - 1
        for i, v in ((0, review.start), (n, review.end)):
            ax.bar(i, v - base, bottom=base, color=PALETTE["primary"])
            ax.text(i, v, fmt_money(v, lang, unit), ha="center", va="bottom", fontsize=8)
        level = review.start
        for i, v in enumerate(w["value"], start=1):
            up = v >= 0
            ax.bar(i, v, bottom=level, color=PALETTE["excellent"] if up else PALETTE["below"],
                   hatch="" if up else "//", edgecolor="white")
            ax.text(i, max(level, level + v), f"{'+' if up else '−'}{fmt_money(abs(v), lang, unit)}", ha="center",
                    va="bottom", fontsize=8)
            level += v
        ax.set_xticks(range(len(names)), names, fontsize=8)
        ax.set_ylabel(tr(lang, "加权金额（元）", "Weighted amount (RMB)") + (
            tr(lang, "，纵轴不从 0 开始", "; axis does not start at 0") if base > 0 else ""), fontsize=8)
        ax.set_title(tr(lang, f"周一盘点：节点 {review.period.label} 内在跟机会的加权金额 "
                              f"{review.date_from.date()} → {review.date_to.date()}",
                        f"Monday review: weighted pipeline due by {review.period.label}, "
                        f"{review.date_from.date()} → {review.date_to.date()}"), fontsize=11)
        ax.legend(handles=[Patch(color=PALETTE["excellent"], label=tr(lang, "增加", "up")),
                           Patch(facecolor=PALETTE["below"], hatch="//", label=tr(lang, "减少", "down"))],
                  loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8, frameon=False)
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
        else:
            return no_data(fig, tr(lang, "尚无已关闭的机会：无法校准赢率", "No closed deal yet: nothing to calibrate"))
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
        names = [f"{tr(lang, *cal.labels.get(k, (k, k)))} (n={int(r['closed'])})" for k, r in t.iterrows()]
        label_points(ax, t["configured"], t["observed"], names, priority=t["closed"], fontsize=7, width=30)
    return fig
