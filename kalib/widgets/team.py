"""A live tool for the team analysis: move the lines, see who needs what.

:func:`team_panel` wires four controls (the win-rate line, the pipeline line,
the ramp-up months and the closed deals needed to judge a win rate) to
:func:`kalib.team.team_analysis` and shows the groups by need and the
pipeline/win-rate chart.  No ``display()`` inside; results go to
``panel.groups.value`` (HTML) and ``panel.chart.value`` (PNG bytes).

Examples
--------
>>> import pandas as pd
>>> from kalib import Client
>>> rev = pd.DataFrame({"date": pd.to_datetime(["2024-03-01", "2024-05-01"]), "customer": ["A", "B"],
...                     "amount": [6e6, 3e6], "salesperson": ["王", "李"]})
>>> panel = team_panel(Client.from_frames({"revenue": rev}, period="2024"), "en")
>>> "Role model" in panel.groups.value
True
"""

from __future__ import annotations

import html
from typing import Any

from ..i18n import fmt_pct, fmt_times, tr
from ..client import Client
from . import PanelBase, error_area, figure_png, guarded


class TeamPanel(PanelBase):  # type: ignore[misc,valid-type]
    """The team-groups panel, built by :func:`team_panel`: the sliders ``win`` (the win-rate line in percent:
    25 is 25%), ``coverage``, ``new_hire``, ``min_closed``; ``groups``, ``chart`` and ``errors``."""

    def __init__(self, children: list, *, win: Any, coverage: Any, new_hire: Any, min_closed: Any, groups: Any,
                 chart: Any, errors: Any):
        super().__init__(children)
        self.win, self.coverage, self.new_hire, self.min_closed = win, coverage, new_hire, min_closed
        self.groups, self.chart, self.errors = groups, chart, errors

__all__ = ["team_panel", "TeamPanel"]


def team_panel(client: Client, lang: str = "zh", period: Any = None) -> TeamPanel:
    """The team panel for ``client`` (see the module docstring)."""
    import ipywidgets as w

    from ..charts.team import needs_chart
    from ..team import team_analysis

    ind = client.industry
    cfg = client.config
    team_cfg = cfg.section("team")
    win0 = cfg.line("win_rate", ind)["pass"] or 0.33
    cov0 = cfg.line("pipeline_coverage", ind)["pass"] or 3.0
    style = {"description_width": "14em"}
    lay = w.Layout(width="34em")
    # In percentage points, as the readout shows them: a typed 25 is 25% (a fraction slider with a "%" readout
    # would read a typed 25 as 2500% and clip it to its maximum).
    win = w.IntSlider(value=round(win0 * 100), min=5, max=80, step=1, readout_format="d", continuous_update=False,
                      description=tr(lang, "赢率线（%）", "Win-rate line (%)"), style=style, layout=lay)
    cov = w.FloatSlider(value=cov0, min=0.5, max=6.0, step=0.1, continuous_update=False,
                        description=tr(lang, "储备线（倍）", "Pipeline line (×)"), style=style, layout=lay)
    new = w.IntSlider(value=int(team_cfg["new_hire_months"]), min=0, max=36, step=1, continuous_update=False,
                      description=tr(lang, "上手期（月）", "Ramp-up (months)"), style=style, layout=lay)
    minc = w.IntSlider(value=int(team_cfg["min_closed_deals"]), min=1, max=20, step=1, continuous_update=False,
                       description=tr(lang, "评判赢率所需成交单数", "Closed deals to judge"), style=style, layout=lay)
    note = w.HTML(value=tr(lang, "<i>默认值来自方法配置（method.yaml）；移动滑块只影响本面板。赢率线以百分数输入："
                                 "在数字上输入 25 即 25%（5–80）。</i>",
                           "<i>Defaults come from the method's configuration (method.yaml); the sliders "
                           "only change this panel. The win-rate line is typed in percent: 25 on its number means "
                           "25% (5–80).</i>"))
    groups = w.HTML(value="")
    chart = w.Image(format="png", layout=w.Layout(max_width="720px"))
    errors = error_area()

    def update(_=None):
        overrides = {
            "indicators": {"win_rate": {"lines": {ind: {"pass": win.value / 100}}},
                           "pipeline_coverage": {"lines": {ind: {"pass": float(cov.value)}}}},
            "team": {"new_hire_months": int(new.value), "min_closed_deals": int(minc.value)},
        }
        t = team_analysis(client.with_config(overrides), period)
        rows = []
        table = t.groups(lang).drop(columns="need").reset_index()
        for _, g in table.iterrows():
            rows.append("<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in g.tolist()) + "</tr>")
        heads = list(table.columns)
        groups.value = (
            f"<p>{html.escape(t.summary_text(lang))} "
            + html.escape(tr(lang, f"赢率线 {fmt_pct(win.value / 100)}，储备线 {fmt_times(cov.value, 'zh')}。",
                             f"Win-rate line {fmt_pct(win.value / 100)}, pipeline line {fmt_times(cov.value, 'en')}."))
            + "</p><table class='kalib-table'><thead><tr>"
            + "".join(f"<th>{html.escape(h)}</th>" for h in heads) + "</tr></thead><tbody>"
            + "".join(rows) + "</tbody></table>"
        )
        chart.value = figure_png(needs_chart(t, lang))

    run = guarded(errors, update)
    for s in (win, cov, new, minc):
        s.observe(run, names="value")
    run()
    title = w.HTML(value=f"<b>{html.escape(tr(lang, '团队分组 · 谁需要什么', 'Team groups · who needs what'))}</b>")
    return TeamPanel([title, win, cov, new, minc, note, errors, groups, chart], win=win, coverage=cov,
                     new_hire=new, min_closed=minc, groups=groups, chart=chart, errors=errors)
