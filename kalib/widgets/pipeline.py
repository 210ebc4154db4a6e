"""The live win-rate model (赢率模型): edit the stage win rates and the target, pick the
milestone, switch between configured and learned rates, and see Board 2's totals, the
coverage and the forecast band update.

:func:`winrate_panel` builds the panel (it never calls ``display()``).  On each change
it recomputes :func:`kalib.pipeline.dashboard` and :func:`kalib.forecast.simulate` (a
vectorised Monte Carlo: a few tens of milliseconds for thousands of deals) and rewrites
HTML widgets: the totals table, a bar of won + expected against the target with the
P10–P90 band, and a plain-words reading.

What a test (or a script) can reach on the returned panel:

``panel.rates[key]``   a slider (0–100 %) per open stage;
``panel.source``       ``configured`` / ``learned`` (learned: from the snapshots;
                       disabled, with the reason in ``panel.note``, when unavailable);
``panel.target``       the yearly target (万元 in Chinese, M RMB in English; 0 = not set);
``panel.milestone``    the milestone dropdown;
``panel.slip``         let deals slip by the delays observed in the snapshots;
``panel.totals``, ``panel.band``, ``panel.reading``, ``panel.note``, ``panel.errors``
                       HTML widgets;
``panel.dashboard()``, ``panel.forecast()``   the current results;
``panel.reset``        the button that restores the configured rates and the client's target.

Examples
--------
>>> import pandas as pd
>>> from kalib import Client
>>> c = Client.from_frames({"opportunities": pd.DataFrame({
...     "opportunity_id": ["A", "B"], "stage": ["qualified", "agreed"], "amount": [1e6, 2e6],
...     "expected_close": pd.to_datetime(["2024-06-20", "2024-06-25"])})},
...     as_of="2024-05-31", sales_target=1.2e7)
>>> p = winrate_panel(c, lang="en")
>>> p.dashboard().expected
2000000.0
>>> p.rates["qualified"].value = 80
>>> p.dashboard().expected
2300000.0
>>> "RMB 2.3M" in p.totals.value
True
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

from ..client import MissingData
from ..i18n import check_lang, fmt_pct, fmt_rmb, tr
from ..client import Client
from . import PanelBase, error_area, guarded


class WinRatePanel(PanelBase):  # type: ignore[misc,valid-type]
    """The win-rate panel, built by :func:`winrate_panel`: inputs ``rates`` (a slider per stage),
    ``source``, ``target``, ``milestone``, ``slip``, ``reset``; outputs ``totals``, ``band``,
    ``reading``, ``note``, ``errors``; :meth:`dashboard` and :meth:`forecast` (the latest ones) and
    :meth:`refresh`."""

    def __init__(self, children: list, *, rates: dict[str, Any], source: Any, target: Any, milestone: Any,
                 slip: Any, reset: Any, totals: Any, band: Any, reading: Any, note: Any, errors: Any,
                 state: dict[str, Any], refresh: Callable[[], Any]):
        super().__init__(children)
        self.rates, self.source, self.target, self.milestone, self.slip = rates, source, target, milestone, slip
        self.totals, self.band, self.reading, self.note, self.errors = totals, band, reading, note, errors
        self.reset = reset
        self._state, self._refresh = state, refresh
        self.add_class("kalib-winrate-panel")

    def dashboard(self) -> Any:
        """The latest :class:`~kalib.pipeline.Dashboard`."""
        return self._state["dash"]

    def forecast(self) -> Any:
        """The latest forecast (:func:`kalib.forecast.simulate`)."""
        return self._state["fc"]

    def refresh(self) -> Any:
        """Recompute from the inputs."""
        return self._refresh()

__all__ = ["winrate_panel", "WinRatePanel", "band_html", "totals_html"]


def _scale(lang: str) -> tuple[float, str]:
    return (1e4, "万元") if lang == "zh" else (1e6, "M RMB")


def totals_html(dash, fc, lang: str = "zh") -> str:
    """Board 2's headline numbers and the forecast percentiles as an HTML table."""
    r = lambda x: fmt_rmb(x, lang) if x is not None else tr(lang, "未设置", "not set")  # noqa: E731
    rows = [
        (tr(lang, "节点", "Milestone"), f"{dash.period.label}（{dash.period.start.date()} – {dash.period.end.date()}）"
         if lang == "zh" else f"{dash.period.label} ({dash.period.start.date()} – {dash.period.end.date()})"),
        (tr(lang, "已赢单", "Won so far"), f"{r(dash.won_so_far)} ({dash.won_count})"),
        (tr(lang, "在跟机会预计（加权）", "Expected from pipeline (weighted)"),
         f"{r(dash.expected)} ({dash.milestone_count})"),
        (tr(lang, "预计达成", "Projected"), r(dash.projected)),
        (tr(lang, "节点目标", "Milestone target"), r(dash.target)),
    ]
    if dash.gap is not None:
        rows.append((tr(lang, "缺口", "Gap") if dash.gap > 0 else tr(lang, "超出", "Above target"), r(abs(dash.gap))))
    cov = f"{dash.coverage:.1f}×" if dash.coverage is not None else "–"
    req = f"{dash.coverage_required:.1f}×" if dash.coverage_required is not None else "–"
    rows.append((tr(lang, "覆盖率 / 所需（走完的机会 ÷ 赢单）", "Coverage / needed (closed ÷ won deals)"),
                 f"{cov} / {req}"))
    rows.append((tr(lang, "全部在跟加权", "All open, weighted"), f"{r(dash.weighted_total)} ({dash.open_count})"))
    if fc is not None:
        band = " · ".join(f"P{round(q * 100)} {r(v)}" for q, v in fc.percentiles.items())
        rows.append((tr(lang, "模拟", "Simulated"), band))
        rows.append((tr(lang, "达成目标概率", "P(reach target)"),
                     fmt_pct(fc.prob_hit) if fc.prob_hit is not None else tr(lang, "目标未设置", "target not set")))
    body = "".join(f'<tr><td style="padding:2px 10px 2px 0;color:#555">{html.escape(k)}</td>'
                   f'<td style="padding:2px 0;font-weight:600">{html.escape(v)}</td></tr>' for k, v in rows)
    return f'<table class="kalib-totals" style="border-collapse:collapse">{body}</table>'


def band_html(dash, fc, lang: str = "zh", width_px: int = 520) -> str:
    """Won so far (dark) + expected (light) against the target (red line), with the
    simulated P10–P90 band (orange) and P50 (diamond), drawn in HTML (instant)."""
    top = max([v for v in (dash.projected, dash.target, fc.p90 if fc else None) if v is not None] + [1.0]) * 1.1

    def x(v: float) -> int:
        return int(round(width_px * max(0.0, v) / top))

    won, exp = x(dash.won_so_far), x(dash.projected) - x(dash.won_so_far)
    parts = [f'<div style="position:relative;width:{width_px}px;height:46px;border-bottom:1px solid #999">',
             f'<div title="{html.escape(tr(lang, "已赢单", "won"))}" style="position:absolute;left:0;top:6px;'
             f'width:{won}px;height:18px;background:#1f4e79"></div>',
             f'<div title="{html.escape(tr(lang, "在跟机会预计", "expected"))}" style="position:absolute;left:{won}px;top:6px;'
             f'width:{exp}px;height:18px;background:repeating-linear-gradient(45deg,#d6e4f0,#d6e4f0 4px,#6c8ebf 4px,'
             f'#6c8ebf 5px)"></div>']
    if fc is not None:
        lo, mid, hi = x(fc.p10), x(fc.p50), x(fc.p90)
        parts.append(f'<div title="P10–P90" style="position:absolute;left:{lo}px;top:30px;width:{max(hi - lo, 1)}px;'
                     f'height:6px;background:#d35400"></div>')
        parts.append(f'<div title="P50" style="position:absolute;left:{mid - 5}px;top:27px;color:#d35400;'
                     f'font-size:12px;line-height:12px">◆</div>')
    if dash.target is not None:
        parts.append(f'<div title="{html.escape(tr(lang, "目标", "target"))}" style="position:absolute;'
                     f'left:{x(dash.target)}px;top:0;width:0;height:44px;border-left:2px dashed #c0392b"></div>')
    parts.append("</div>")
    legend = tr(lang, "■ 已赢单 ▨ 在跟机会预计 ━ 模拟 P10–P90 ◆ P50 ┆ 目标",
                "■ won ▨ expected ━ simulated P10–P90 ◆ P50 ┆ target")
    parts.append(f'<div style="font-size:11px;color:#555">{legend} · {html.escape(fmt_rmb(top / 1.1, lang))}</div>')
    return f'<div class="kalib-band">{"".join(parts)}</div>'


def winrate_panel(client: Client, lang: str = "zh", *, milestone: str | None = None,
                  trials: int | None = None) -> WinRatePanel:
    """A live win-rate model panel (ipywidgets); returns the panel, never displays it.

    Parameters
    ----------
    client
        A :class:`kalib.Client` with an ``opportunities`` table.
    lang
        ``zh`` or ``en``.
    milestone
        Starting milestone (default ``forecast.default_milestone``).
    trials
        Monte Carlo trials per update (default ``forecast.trials``).
    """
    import ipywidgets as w

    from ..calibration import calibrate
    from ..forecast import simulate
    from ..pipeline import dashboard, milestone_keys, open_stages, win_rate_model

    check_lang(lang)
    cfg = client.config
    fc_cfg = cfg.section("forecast")
    stages = open_stages(cfg)
    configured = {s["key"]: float(s["win_rate"]) for s in stages}
    factor, unit = _scale(lang)
    errors = error_area()

    learned: dict[str, float] | None = None
    learn_note = ""
    try:
        learned = calibrate(client).learned_rates()
    except MissingData as exc:
        learn_note = tr(lang, f"学到的赢率不可用：{exc.text('zh')}", f"Learned rates are not available: {exc}")
    has_snaps = client.has("snapshots")

    rates = {s["key"]: w.IntSlider(value=round(configured[s["key"]] * 100), min=0, max=100, step=1,
                                   description=f"{s.get('step')}. {cfg.label(s, lang)}", continuous_update=False,
                                   readout_format="d", style={"description_width": "150px"},
                                   # wide enough for the label, the track and a three-digit readout; never shrunk
                                   layout=w.Layout(width="440px", min_width="440px")) for s in stages}
    source = w.ToggleButtons(options=[(tr(lang, "配置赢率", "Configured"), "configured"),
                                      (tr(lang, "历史学到的赢率", "Learned"), "learned")], value="configured")
    if learned is None:
        source.disabled = True
    ms_names = {m["key"]: cfg.label(m, lang) for m in fc_cfg.get("milestones", [])}
    milestone_w = w.Dropdown(options=[(ms_names[k], k) for k in milestone_keys(cfg)],
                             value=milestone or fc_cfg.get("default_milestone", "quarter"),
                             description=tr(lang, "节点", "Milestone"))
    start_target = client.meta.sales_target
    target = w.BoundedFloatText(value=round((start_target or 0.0) / factor, 2), min=0, max=1e12,
                                description=tr(lang, f"年度目标（{unit}）", f"Yearly target ({unit})"),
                                style={"description_width": "130px"}, layout=w.Layout(width="300px"))
    slip = w.Checkbox(value=False, description=tr(lang, "按历史延期模拟", "Let deals slip as they did"),
                      disabled=not has_snaps, indent=False)
    reset = w.Button(description=tr(lang, "恢复", "Reset"), icon="undo")
    totals, band, reading = w.HTML(), w.HTML(), w.HTML()
    note = w.HTML(value=html.escape(learn_note) if learn_note else "")
    state: dict[str, Any] = {"busy": False, "dash": None, "fc": None}

    def current_rates() -> dict[str, float]:
        return {k: s.value / 100 for k, s in rates.items()}

    def current_target() -> float:
        return float(target.value) * factor  # 0: not set

    def refresh(*_: Any) -> None:
        if state["busy"]:
            return
        r = current_rates()
        t = current_target()
        model = win_rate_model(client, rates=r)
        dash = dashboard(client, milestone_w.value, rates=r, target=t, model=model)
        fc = simulate(client, milestone_w.value, rates=r, target=t, model=model, trials=trials,
                      slip=bool(slip.value))
        state["dash"], state["fc"] = dash, fc
        totals.value = totals_html(dash, fc, lang)
        band.value = band_html(dash, fc, lang)
        lines = dash.summary(lang).split("\n") + [fc.summary(lang).split("\n")[0]]
        reading.value = "<br>".join(html.escape(x) for x in lines)

    safe_refresh = guarded(errors, refresh)

    def set_rates(values: dict[str, float]) -> None:
        state["busy"] = True
        try:
            for k, s in rates.items():
                s.value = round(values.get(k, configured[k]) * 100)
        finally:
            state["busy"] = False
        safe_refresh()

    def on_source(change: dict[str, Any]) -> None:
        set_rates(learned if change["new"] == "learned" and learned else configured)

    def on_reset(_: Any = None) -> None:
        state["busy"] = True
        try:
            source.value = "configured"
            target.value = round((start_target or 0.0) / factor, 2)
            slip.value = False
        finally:
            state["busy"] = False
        set_rates(configured)

    for s in rates.values():
        s.observe(lambda _c: safe_refresh(), names="value")
    for ctl in (milestone_w, target, slip):
        ctl.observe(lambda _c: safe_refresh(), names="value")
    source.observe(guarded(errors, on_source), names="value")
    reset.on_click(guarded(errors, on_reset))

    title = w.HTML(f"<b>{html.escape(tr(lang, '赢率模型 · 销售业绩动态仪表盘', 'Win-rate model · performance dashboard'))}"
                   f"</b> — {html.escape(client.name)}, {tr(lang, '截至', 'as of')} {client.as_of.date()}")
    rates_head = w.HTML(html.escape(tr(lang, "各阶段赢率（%，0–100；可拖动，也可点数字直接输入）",
                                       "Win rate per stage (%, 0–100; drag, or click the number and type)")))
    # The inputs keep their width (their readouts stay in view); the results take what is left.
    left = w.VBox([source, rates_head, *rates.values(), milestone_w, target, slip, reset, note],
                  layout=w.Layout(flex="0 0 auto", min_width="460px", overflow="visible"))
    right = w.VBox([totals, band, reading], layout=w.Layout(flex="1 1 auto", min_width="0", overflow="auto"))
    panel = WinRatePanel([title, w.HBox([left, right]), errors], rates=rates, source=source, target=target,
                         milestone=milestone_w, slip=slip, reset=reset, totals=totals, band=band, reading=reading,
                         note=note, errors=errors, state=state, refresh=safe_refresh)
    safe_refresh()
    return panel
