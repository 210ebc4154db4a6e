"""The health-check scorecard (十大健康指标记分卡), from a :class:`kalib.health.HealthResult`.

:func:`scorecard` draws one bullet chart per indicator, each on its own
scale: grey bands for "below pass", "pass" and "excellent", a black tick at
the pass line (及格线), a dashed tick at the excellent line (优分线) where the
method has one, and the value as a bar in the status colour ending in the
status marker, with the value and the status symbol written beside it
(✗ below, ✓ pass, ★ excellent, – not available), so it reads in greyscale.

The figure is a plain :class:`matplotlib.figure.Figure` (not registered with
pyplot): nothing is shown, no global setting changes.

Examples
--------
>>> from kalib.health import evaluate
>>> r = evaluate({"top10_share": 0.42, "win_rate": 0.4, "pipeline_coverage": 3.4}, "manufacturing")
>>> fig = scorecard(r, lang="en")
>>> [t.get_text() for t in fig.axes[0].get_yticklabels()][:2]
['1 Key-account contribution', '2 Renewal rate of existing customers']
"""

from __future__ import annotations

import textwrap

from matplotlib.collections import LineCollection, PatchCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle

from ..i18n import tr
from . import STATUS_STYLE, chart_lang

__all__ = ["scorecard", "row_scale", "BAND_GREYS"]

# Band shades, darkest for "below pass": a bullet chart that reads without colour.
BAND_GREYS = {"below": "#cfcfcf", "pass": "#e3e3e3", "excellent": "#f3f3f3", "na": "#f7f7f7"}


def row_scale(value: float | None, pass_line: float | None, excellent: float | None) -> tuple[float, float]:
    """The (low, high) end of one indicator's own scale: 0 (or a negative value) up to
    a little beyond the higher of the lines and the value.

    >>> row_scale(0.42, 0.5, 0.7)
    (0.0, 0.805)
    >>> row_scale(-0.2, 0.1, 0.2)
    (-0.22, 0.23)
    """
    ref = excellent if excellent is not None else (pass_line * 1.5 if pass_line is not None else 1.0)
    hi = ref * 1.15 if ref > 0 else 1.0
    lo = 0.0
    if value is not None:
        hi = max(hi, value * 1.08)
        if value < 0:
            lo = value * 1.1
    if pass_line is not None and pass_line < 0:
        lo = min(lo, pass_line * 1.2)
    return (round(lo, 12), round(hi, 12))


def _short(text: str, width: int) -> str:
    return textwrap.shorten(text, width=width, placeholder="…") if len(text) > width else text


def scorecard(result, lang: str = "zh", title: str | None = None, width: float = 10.0) -> Figure:
    """The ten indicators against their pass and excellent lines, at a glance.

    Parameters
    ----------
    result
        A :class:`kalib.health.HealthResult` (from data or entered by hand).
    lang
        ``zh`` or ``en`` (``zh`` without a CJK font falls back to ``en``).
    title
        Default: "十大健康指标 · <period> · <industry>".
    width
        Figure width in inches.

    Returns
    -------
    matplotlib.figure.Figure
    """
    with chart_lang(lang) as lang:
        inds = list(result)
        n = len(inds)
        fig = Figure(figsize=(width, 0.52 * n + 1.5))
        ax = fig.add_axes((0.30, 0.10, 0.42, 0.78))
        ax.set_xlim(0, 1)
        ax.set_ylim(n - 0.5, -0.5)
        bands: dict[str, list[Rectangle]] = {"below": [], "pass": [], "excellent": [], "na": []}
        bars: list[Rectangle] = []
        bar_colors: list[str] = []
        pass_segs, exc_segs, zero_segs = [], [], []
        marks: dict[str, list[tuple[float, float]]] = {s: [] for s in STATUS_STYLE}
        h = 0.62
        for i, ind in enumerate(inds):
            lo, hi = row_scale(ind.value, ind.pass_line, ind.excellent)
            span = (hi - lo) or 1.0

            def x(v: float) -> float:
                return min(1.0, max(0.0, (v - lo) / span))

            p, e = ind.pass_line, ind.excellent
            y0 = i - h / 2
            style = STATUS_STYLE[ind.status]
            if ind.value is None or p is None:
                bands["na"].append(Rectangle((0, y0), 1.0, h))
                reason = ind.reason(lang) or tr(lang, "无数据", "not available")
                ax.text(0.02, i, f"{style['symbol']} " + _short(tr(lang, "无数据：", "not available: ") + reason, 70),
                        va="center", ha="left", fontsize=8.5, color="#555555", style="italic")
                ax.text(1.02, i, style["symbol"], va="center", ha="left", fontsize=10, color="#555555",
                        transform=ax.get_yaxis_transform())
                continue
            top = x(e) if e is not None else 1.0
            bands["below"].append(Rectangle((0, y0), x(p), h))
            bands["pass"].append(Rectangle((x(p), y0), top - x(p), h))
            if e is not None:
                bands["excellent"].append(Rectangle((top, y0), 1.0 - top, h))
                exc_segs.append([(top, y0), (top, y0 + h)])
            pass_segs.append([(x(p), y0), (x(p), y0 + h)])
            zero = x(0.0)
            if lo < 0:
                zero_segs.append([(zero, y0), (zero, y0 + h)])
            bars.append(Rectangle((zero, i - 0.11), x(ind.value) - zero, 0.22))
            bar_colors.append(style["color"])
            marks[ind.status].append((x(ind.value), i))
            ax.text(1.02, i - 0.08, f"{style['symbol']} {ind.value_text(lang)}", va="center", ha="left",
                    fontsize=10, color="black", transform=ax.get_yaxis_transform(), fontweight="bold")
            lines = tr(lang, "及格 ", "pass ") + _fmt(p, ind, lang)
            if e is not None:
                lines += tr(lang, " · 优 ", " · exc. ") + _fmt(e, ind, lang)
            if ind.low_confidence:  # thin data: said beside the value, never a plain reading
                lines += tr(lang, " · 低可信度", " · low confidence")
            ax.text(1.02, i + 0.25, lines, va="center", ha="left", fontsize=7.5, color="#444444",
                    transform=ax.get_yaxis_transform())
        for key, rects in bands.items():
            if rects:
                ax.add_collection(PatchCollection(rects, facecolor=BAND_GREYS[key], linewidth=0, zorder=1))
        if bars:
            ax.add_collection(PatchCollection(bars, facecolor=bar_colors, linewidth=0, zorder=2))
        if pass_segs:
            ax.add_collection(LineCollection(pass_segs, colors="black", linewidths=2, zorder=3))
        if exc_segs:
            ax.add_collection(LineCollection(exc_segs, colors="black", linewidths=1.2, linestyles=(0, (2, 1.5)),
                                             zorder=3))
        if zero_segs:
            ax.add_collection(LineCollection(zero_segs, colors="#777777", linewidths=0.8, zorder=3))
        for status, pts in marks.items():
            if pts:
                xs, ys = zip(*pts)
                st = STATUS_STYLE[status]
                ax.scatter(xs, ys, marker=st["marker"], s=140 if status == "excellent" else 70, color=st["color"],
                           edgecolors="black", linewidths=0.6, zorder=4)
        ax.set_yticks(range(n), [f"{ind.id} {_short(ind.name(lang), 34)}" for ind in inds])
        ax.tick_params(axis="y", length=0, labelsize=9.5)
        ax.set_xticks([])
        for side in ("top", "right", "bottom", "left"):
            ax.spines[side].set_visible(False)
        c = result.counts()
        if title is None:
            ind_cfg = result.config.data.get("industries", {}).get(result.industry, {})
            ind_name = tr(lang, ind_cfg.get("zh", result.industry), ind_cfg.get("en", result.industry))
            per = f" · {result.period.label}" if result.period is not None else ""
            title = tr(lang, f"十大健康指标{per} · {ind_name}标准", f"Ten health indicators{per} · {ind_name} lines")
        fig.suptitle(title, x=0.02, ha="left", fontsize=13, fontweight="bold")
        fig.text(0.02, 0.915, tr(
            lang,
            f"{c['pass']}/{c['measured']}项及格，{c['excellent']}项优秀，{c['below']}项未及格，{c['na']}项无数据",
            f"{c['pass']} of {c['measured']} measured pass, {c['excellent']} excellent, {c['below']} below, "
            f"{c['na']} not available"), fontsize=9.5, color="#333333")
        handles = [
            Line2D([], [], marker=STATUS_STYLE[s]["marker"], color=STATUS_STYLE[s]["color"], linestyle="none",
                   markeredgecolor="black", markeredgewidth=0.6, markersize=8,
                   label=f"{STATUS_STYLE[s]['symbol']} " + tr(lang, zh, en))
            for s, zh, en in (("below", "未及格", "below pass"), ("pass", "及格", "pass"),
                              ("excellent", "优秀", "excellent"), ("na", "无数据", "not available"))
        ] + [
            Line2D([], [], color="black", linewidth=2, label=tr(lang, "及格线", "pass line")),
            Line2D([], [], color="black", linewidth=1.2, linestyle=(0, (2, 1.5)), label=tr(lang, "优分线", "excellent line")),
            Patch(color=BAND_GREYS["below"], label=tr(lang, "未及格区", "below-pass zone")),
        ]
        fig.legend(handles=handles, loc="lower center", ncol=7, fontsize=7.5, frameon=False,
                   bbox_to_anchor=(0.5, 0.0), handlelength=1.6, columnspacing=1.0)
        return fig


def _fmt(v, ind, lang: str) -> str:
    from ..health import format_line

    return format_line(v, ind.unit, lang)

