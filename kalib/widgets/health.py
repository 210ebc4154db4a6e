"""The live health check (健康度问诊): ten inputs, an industry switch, the scorecard
and the written reading, updated as the values change.

:func:`health_panel` builds the panel (it never calls ``display()``).  With a
client, the inputs start at the values computed from its data
(:func:`kalib.health.health_check`, once); indicators without data start
unticked, with the reason shown.  Without a client they start blank (or at
``values=``).  On every change the panel re-assesses the ten *values* with
:func:`kalib.health.evaluate` (no raw data is touched, so a change takes a few
milliseconds whatever the client's size) and rewrites two HTML widgets: the
scorecard (:func:`scorecard_html`, the same bullet chart as
:func:`kalib.charts.health.scorecard`, drawn in HTML so it is instant) and the
reading (:meth:`kalib.health.HealthResult.summary`).

What a test (or a script) can reach on the returned panel:

``panel.inputs[key]``   the slider of each indicator (shares in %, money in
                        万元 in Chinese or M RMB in English, indicator 6 in ×);
``panel.known[key]``    the checkbox "has a value" of each indicator;
``panel.industry``      the industry switch;
``panel.scorecard``, ``panel.reading``, ``panel.errors``   HTML widgets;
``panel.result()``      the current :class:`~kalib.health.HealthResult`;
``panel.reset``         the button that restores the starting values.

Examples
--------
>>> p = health_panel(values={"win_rate": 0.25}, lang="en")
>>> p.inputs["win_rate"].value, p.known["nps"].value
(25.0, False)
>>> "1 of the 10 indicators could be measured" in p.reading.value
True
>>> p.inputs["win_rate"].value = 40.0
>>> p.result()["win_rate"].status
'pass'
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from typing import Any

from ..charts import STATUS_STYLE
from ..charts.health import BAND_GREYS, row_scale
from ..config import INDUSTRIES, Config, default_config
from ..health import HealthResult, evaluate, format_line, health_check
from ..i18n import check_lang, tr
from ..client import Client
from . import PanelBase, error_area, guarded


class HealthPanel(PanelBase):  # type: ignore[misc,valid-type]
    """The health-check panel, built by :func:`health_panel`: ``inputs``, ``known``, ``industry``,
    ``scorecard``, ``reading``, ``errors``, ``reset`` and :meth:`result`."""

    def __init__(self, children: list, *, inputs: dict[str, Any], known: dict[str, Any], industry: Any,
                 scorecard: Any, reading: Any, errors: Any, reset: Any, result: Callable[[], HealthResult]):
        super().__init__(children)
        self.inputs, self.known, self.industry = inputs, known, industry
        self.scorecard, self.reading, self.errors, self.reset = scorecard, reading, errors, reset
        self._result = result
        self.add_class("kalib-health-panel")

    def result(self) -> HealthResult:
        """The assessment of the values shown."""
        return self._result()

__all__ = ["health_panel", "HealthPanel", "scorecard_html", "input_scale"]


def input_scale(unit: str, lang: str) -> tuple[float, str]:
    """How an indicator's value is shown in its input: (factor, unit label).

    The input shows ``value / factor``: shares in %, money in 万元 (zh) or
    M RMB (en), ratios as ×.

    >>> input_scale("share", "zh"), input_scale("rmb", "zh"), input_scale("rmb", "en")
    ((0.01, '%'), (10000.0, '万元'), (1000000.0, 'M RMB'))
    """
    if unit == "share":
        return 0.01, "%"
    if unit == "rmb":
        return (1e4, "万元") if lang == "zh" else (1e6, "M RMB")
    if unit == "ratio":
        return 1.0, "×"
    return 1.0, ""


def scorecard_html(result: HealthResult, lang: str = "zh") -> str:
    """The scorecard as HTML: one bullet bar per indicator (grey bands below pass / pass /
    excellent, a black pass tick, a dashed excellent tick, the value bar in the status colour),
    then the value with its status symbol (✗ ✓ ★ –) and the distance to the lines.

    >>> from kalib.health import evaluate
    >>> h = scorecard_html(evaluate({"win_rate": 0.2}, "services"), "en")
    >>> 'data-key="win_rate" data-status="below"' in h, "✗ 20%" in h
    (True, True)
    """
    check_lang(lang)
    rows = []
    for ind in result:
        st = STATUS_STYLE[ind.status]
        name = html.escape(f"{ind.id} {ind.name(lang)}")
        if ind.value is None or ind.pass_line is None:
            track = (f'<div style="position:relative;height:18px;background:{BAND_GREYS["na"]};'
                     f'color:#555;font-style:italic;font-size:11px;line-height:18px;padding-left:6px;'
                     f'overflow:hidden;white-space:nowrap">'
                     f'{html.escape(tr(lang, "无数据：", "not available: ") + (ind.reason(lang) or ""))}</div>')
            value = f'<b>{st["symbol"]}</b>'
            dist = ""
        else:
            lo, hi = row_scale(ind.value, ind.pass_line, ind.excellent)
            span = (hi - lo) or 1.0

            def pct(v: float) -> float:
                return round(100 * min(1.0, max(0.0, (v - lo) / span)), 2)

            p = pct(ind.pass_line)
            e = pct(ind.excellent) if ind.excellent is not None else 100.0
            z, v = pct(0.0), pct(ind.value)
            left, width = min(z, v), abs(v - z)
            parts = [
                f'<div style="position:absolute;left:0;width:{p}%;top:0;bottom:0;background:{BAND_GREYS["below"]}"></div>',
                f'<div style="position:absolute;left:{p}%;width:{e - p:.2f}%;top:0;bottom:0;'
                f'background:{BAND_GREYS["pass"]}"></div>',
            ]
            if ind.excellent is not None:
                parts.append(f'<div style="position:absolute;left:{e}%;right:0;top:0;bottom:0;'
                             f'background:{BAND_GREYS["excellent"]}"></div>')
                parts.append(f'<div title="{html.escape(tr(lang, "优分线", "excellent line"))}" '
                             f'style="position:absolute;left:{e}%;top:0;bottom:0;border-left:2px dashed #000"></div>')
            parts.append(f'<div style="position:absolute;left:{left}%;width:{width:.2f}%;top:6px;height:6px;'
                         f'background:{st["color"]}"></div>')
            parts.append(f'<div title="{html.escape(tr(lang, "及格线", "pass line"))}" '
                         f'style="position:absolute;left:{p}%;top:-1px;bottom:-1px;border-left:3px solid #000"></div>')
            parts.append(f'<div style="position:absolute;left:calc({v}% - 7px);top:1px;width:14px;text-align:center;'
                         f'font-size:13px;line-height:16px;color:{st["color"]};text-shadow:0 0 1px #000">'
                         f'{st["symbol"]}</div>')
            track = f'<div style="position:relative;height:18px">{"".join(parts)}</div>'
            value = f'<b>{st["symbol"]} {html.escape(ind.value_text(lang))}</b>'
            dist = html.escape(ind.distance_text(lang))
        lines = tr(lang, "及格 ", "pass ") + format_line(ind.pass_line, ind.unit, lang)
        if ind.excellent is not None:
            lines += tr(lang, " · 优 ", " · excellent ") + format_line(ind.excellent, ind.unit, lang)
        rows.append(
            f'<tr data-key="{ind.key}" data-status="{ind.status}">'
            f'<td style="padding:3px 8px 3px 0;white-space:nowrap;text-align:right">{name}</td>'
            f'<td style="width:42%;padding:3px 0">{track}</td>'
            f'<td style="padding:3px 8px;white-space:nowrap">{value}'
            f'<div style="font-size:10px;color:#555">{html.escape(lines)}</div></td>'
            f'<td style="padding:3px 0;font-size:11px;color:#333">{dist}</td></tr>'
        )
    legend = " &nbsp; ".join(
        f'<span style="color:{STATUS_STYLE[s]["color"]}">{STATUS_STYLE[s]["symbol"]}</span> {tr(lang, zh, en)}'
        for s, zh, en in (("below", "未及格", "below pass"), ("pass", "及格", "pass"),
                          ("excellent", "优秀", "excellent"), ("na", "无数据", "not available"))
    )
    legend += " &nbsp; ▮ " + tr(lang, "实线：及格线；虚线：优分线", "solid: pass line; dashed: excellent line")
    return (f'<div class="kalib-scorecard"><table style="border-collapse:collapse;width:100%">{"".join(rows)}'
            f'</table><div style="font-size:11px;color:#444;margin-top:4px">{legend}</div></div>')


def _reading_html(result: HealthResult, lang: str) -> str:
    lines = result.summary(lang).split("\n")
    head, rest = lines[0], lines[1:]
    items = [ln for ln in rest if ln[:2].rstrip(".").isdigit()]
    other = [ln for ln in rest if ln not in items]
    out = [f"<p><b>{html.escape(head)}</b></p>"]
    out += [f"<p>{html.escape(ln)}</p>" for ln in other]
    if items:
        out.append("<ol>" + "".join(f"<li>{html.escape(ln.split('. ', 1)[1])}</li>" for ln in items) + "</ol>")
    return f'<div class="kalib-reading">{"".join(out)}</div>'


def _slider_range(unit: str, key: str, line: Mapping[str, Any], value: float | None, factor: float
                  ) -> tuple[float, float, float]:
    """(min, max, step) of an input, in the input's unit."""
    import math

    p = line.get("pass") or 0.0
    e = line.get("excellent")
    v = value if value is not None else 0.0
    if unit == "share":
        lo = -100.0 if key == "nps" else 0.0
        hi = max(100.0, math.ceil(v / factor / 10) * 10)
        lo = min(lo, math.floor(v / factor / 10) * 10)
        return lo, hi, 0.1
    if unit == "ratio":
        hi = max(10.0, math.ceil(v * 1.2), (e or 0) * 1.5)
        return 0.0, float(hi), 0.1
    top = max(3 * p, (e or 0) * 1.5, v * 1.2) / factor
    step = 1.0 if factor == 1e4 else 0.01
    return 0.0, float(math.ceil(top / (10 * step)) * 10 * step), step


def health_panel(client: Client | None = None, lang: str = "zh", *, period: Any = None, industry: str | None = None,
                 values: Mapping[Any, Any] | None = None, config: Config | None = None) -> HealthPanel:
    """A live health-check panel (ipywidgets); returns the panel, never displays it.

    Parameters
    ----------
    client
        A :class:`kalib.client.Client`: inputs start at its computed values
        (period ``period``, default the last full year).  None: blank inputs
        (or ``values``), for a self-assessment.
    lang
        ``zh`` or ``en``.
    industry
        Starting industry (default: the client's, else manufacturing).
    values
        Starting values (indicator key or number -> value, as for
        :func:`kalib.health.evaluate`); override the client's.
    config
        The method's numbers (default: the client's, else the defaults).

    Returns
    -------
    HealthPanel
        With ``inputs``, ``known``, ``industry``, ``scorecard``, ``reading``,
        ``errors``, ``reset`` and ``result()`` (see the module docstring).
    """
    import ipywidgets as w

    check_lang(lang)
    cfg = config or (client.config if client is not None else default_config())
    ind0 = industry or (client.industry if client is not None else INDUSTRIES[0])
    if ind0 not in INDUSTRIES:
        raise ValueError(f"industry must be one of {', '.join(INDUSTRIES)}, not {ind0!r}")
    base: HealthResult | None = health_check(client, period, ind0) if client is not None else None
    start: dict[str, float | None] = dict(base.values) if base is not None else {}
    reasons: dict[str, tuple[str, str]] = {}
    if base is not None:
        for i in base:
            if i.status == "na" and i.reason_zh:
                reasons[i.key] = (i.reason_zh, i.reason_en or i.reason_zh)
    if values:
        entered = evaluate(values, ind0, cfg)
        for i in entered:
            if i.detail.get("source") == "entered":
                start[i.key] = i.value
    target = base["pipeline_coverage"].detail.get("target") if base is not None else None
    if target is None and client is not None and client.meta.sales_target:
        target = float(client.meta.sales_target)
    period_obj = base.period if base is not None else None

    errors = error_area()
    ind_names = cfg.data.get("industries", {})
    industry_w = w.ToggleButtons(
        options=[(tr(lang, ind_names.get(k, {}).get("zh", k), ind_names.get(k, {}).get("en", k)), k)
                 for k in INDUSTRIES],
        value=ind0, description=tr(lang, "行业", "Industry"), style={"button_width": "110px"},
    )
    inputs: dict[str, Any] = {}
    known: dict[str, Any] = {}
    marks: dict[str, Any] = {}
    rows = []
    for key in cfg.indicator_keys():
        spec = cfg.indicator(key)
        unit = spec.get("unit", "share")
        factor, ulabel = input_scale(unit, lang)
        line = cfg.line(key, ind0)
        v = start.get(key)
        lo, hi, step = _slider_range(unit, key, line, v, factor)
        init = v / factor if v is not None else (line.get("pass") or 0.0) / factor
        slider = w.FloatSlider(
            value=min(hi, max(lo, init)), min=lo, max=hi, step=step, continuous_update=False,
            readout_format=".1f" if step < 1 or unit != "rmb" else ",.0f",
            layout=w.Layout(width="330px"),
        )
        slider.disabled = v is None
        box = w.Checkbox(value=v is not None, indent=False, layout=w.Layout(width="28px"),
                         description="", tooltip=tr(lang, "有数值（取消=无数据）", "has a value (untick = not available)"))
        label = w.HTML(f'<span title="{html.escape(spec.get("definition_" + lang, ""))}">'
                       f'{spec["id"]}. {html.escape(tr(lang, spec.get("zh", key), spec.get("en", key)))}</span>',
                       layout=w.Layout(width="230px"))
        mark = w.HTML(layout=w.Layout(width="90px"))
        rows.append(w.HBox([label, box, slider, w.Label(ulabel, layout=w.Layout(width="52px")), mark]))
        inputs[key], known[key], marks[key] = slider, box, mark
    scorecard = w.HTML()
    reading = w.HTML()
    reset = w.Button(description=tr(lang, "恢复初始值", "Reset"), icon="undo",
                     tooltip=tr(lang, "恢复到数据计算的数值", "back to the starting values"))

    def current_values() -> dict[str, float | None]:
        out: dict[str, float | None] = {}
        for key in cfg.indicator_keys():
            factor, _ = input_scale(cfg.indicator(key).get("unit", "share"), lang)
            out[key] = float(inputs[key].value) * factor if known[key].value else None
        return out

    def result() -> HealthResult:
        vals = current_values()
        rs = {k: r for k, r in reasons.items() if vals.get(k) is None}
        return evaluate(vals, industry_w.value, cfg, reasons=rs, period=period_obj,
                        client=client.name if client is not None else None, sales_target=target,
                        source="data" if base is not None else "entered")

    def refresh(*_: Any) -> None:
        r = result()
        for ind in r:
            st = STATUS_STYLE[ind.status]
            marks[ind.key].value = (f'<span style="color:{st["color"]};font-weight:bold">{st["symbol"]}</span> '
                                    f'{html.escape(ind.status_text(lang))}')
        scorecard.value = scorecard_html(r, lang)
        reading.value = _reading_html(r, lang)

    safe_refresh = guarded(errors, refresh)

    def on_known(change: Mapping[str, Any]) -> None:
        for key, box in known.items():
            inputs[key].disabled = not box.value
        refresh()

    def on_reset(_: Any = None) -> None:
        for key in cfg.indicator_keys():
            factor, _u = input_scale(cfg.indicator(key).get("unit", "share"), lang)
            v = start.get(key)
            with inputs[key].hold_trait_notifications():
                if v is not None:
                    s = inputs[key]
                    s.value = min(s.max, max(s.min, v / factor))
            known[key].value = v is not None
        industry_w.value = ind0
        refresh()

    for key in inputs:
        inputs[key].observe(safe_refresh, names="value")
        known[key].observe(guarded(errors, on_known), names="value")
    industry_w.observe(safe_refresh, names="value")
    reset.on_click(guarded(errors, on_reset))

    if base is not None:
        head = tr(lang, f"根据{client.name}的数据预填（{base.period.label}）。拖动滑块试试：如果这些数字变了，结论会怎样？",
                  f"Prefilled from {client.name}'s data ({base.period.label}). Move a slider: what if a number "
                  "changed?")
    elif values:
        head = tr(lang, "预填的是示例数值：换成你公司的数字。", "Prefilled with example values: enter your company's.")
    else:
        head = tr(lang, "自我评估：勾选有数据的指标，拖动滑块填入你公司的数值。",
                  "Self-assessment: tick the indicators you know and set your company's values.")
    title = w.HTML(f"<h3 style='margin:4px 0'>{tr(lang, '十大健康指标 · 健康度问诊', 'Ten health indicators · health check')}"
                   f"</h3><div style='color:#444'>{html.escape(head)}</div>")
    panel = HealthPanel([
        title, w.HBox([industry_w, reset]), w.VBox(rows), errors,
        w.HTML(f"<h4 style='margin:8px 0 2px'>{tr(lang, '记分卡', 'Scorecard')}</h4>"), scorecard,
        w.HTML(f"<h4 style='margin:8px 0 2px'>{tr(lang, '解读', 'Reading')}</h4>"), reading,
    ], inputs=inputs, known=known, industry=industry_w, scorecard=scorecard, reading=reading, errors=errors,
        reset=reset, result=result)
    safe_refresh()
    return panel
