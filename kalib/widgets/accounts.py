"""Live value tiers (客户价值分级): move the thresholds, see who is a key account.

:func:`tier_panel` builds the panel (never displays it): one slider per tier
threshold (the lowest tier has none), starting at the client's configured
thresholds, and an HTML table of customers and revenue per tier that updates
as the thresholds move.  The customers' yearly values are computed once
(:func:`kalib.accounts.customer_value`); a change only re-sorts them.

Reachable for tests: ``panel.thresholds[key]`` (sliders, in 万元 in Chinese or
M RMB in English), ``panel.table`` (HTML), ``panel.errors``, ``panel.summary()``
(the current tier summary as a DataFrame).

Examples
--------
>>> import pandas as pd
>>> from kalib.client import Client
>>> rev = pd.DataFrame({"date": pd.to_datetime(["2024-02-01"] * 3), "customer": ["A", "B", "C"],
...                     "amount": [12e6, 4e6, 5e5]})
>>> p = tier_panel(Client.from_frames({"revenue": rev}, period="2024"), lang="en")
>>> p.summary().set_index("tier")["customers"].to_dict()
{'diamond': 1, 'platinum': 1, 'gold': 0, 'silver': 1, 'bronze': 0}
>>> p.thresholds["diamond"].value = 15.0   # M RMB
>>> p.summary().set_index("tier")["customers"]["diamond"]
np.int64(0)
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from ..accounts import CustomerValue, customer_value
from ..client import Client
from ..i18n import check_lang, fmt_pct, fmt_rmb, tr
from . import PanelBase, error_area, guarded


class TierPanel(PanelBase):  # type: ignore[misc,valid-type]
    """The value-tier panel, built by :func:`tier_panel`: ``thresholds`` (a slider per tier),
    ``table``, ``errors`` and :meth:`summary`."""

    def __init__(self, children: list, *, thresholds: dict[str, Any], table: Any, errors: Any,
                 summary: Callable[[], pd.DataFrame]):
        super().__init__(children)
        self.thresholds, self.table, self.errors = thresholds, table, errors
        self._summary = summary
        self.add_class("kalib-tier-panel")

    def summary(self) -> pd.DataFrame:
        """The tier summary at the current thresholds."""
        return self._summary()

__all__ = ["tier_panel", "TierPanel"]


def tier_panel(client_or_value: Client | CustomerValue, lang: str = "zh", period: Any = None) -> TierPanel:
    """A live panel of value tiers; ``client_or_value`` is a client or a :class:`CustomerValue`."""
    import ipywidgets as w

    check_lang(lang)
    cv = client_or_value if isinstance(client_or_value, CustomerValue) else customer_value(client_or_value, period)
    tiers = cv.config.tiers()  # highest first
    values = cv.table["value"].to_numpy(dtype=float)
    revenue = cv.table["revenue"].to_numpy(dtype=float)
    factor, unit = (1e4, "万元") if lang == "zh" else (1e6, "M RMB")
    top = max(float(np.nanmax(values)) if len(values) else 0.0, tiers[0]["min"] * 2) / factor
    sliders: dict[str, Any] = {}
    for t in tiers[:-1]:
        sliders[t["key"]] = w.FloatSlider(
            value=t["min"] / factor, min=0.0, max=round(top, 2), step=1.0 if lang == "zh" else 0.05,
            description=tr(lang, t.get("zh", t["key"]), t.get("en", t["key"])), continuous_update=False,
            readout_format=",.0f" if lang == "zh" else ".2f", style={"description_width": "70px"},
            layout=w.Layout(width="420px"))
    table = w.HTML()
    errors = error_area()

    def summary() -> pd.DataFrame:
        mins = {k: s.value * factor for k, s in sliders.items()}
        mins[tiers[-1]["key"]] = tiers[-1]["min"]
        order = [t["key"] for t in tiers]
        # the highest tier whose (current) threshold the value reaches; below all: the lowest tier
        tier_idx = np.full(len(values), len(order) - 1)
        for i in range(len(order) - 1, -1, -1):
            tier_idx[values >= mins[order[i]]] = i
        rows = []
        n = len(values)
        for i, t in enumerate(tiers):
            sel = tier_idx == i
            rev = float(revenue[sel].sum())
            rows.append({"tier": t["key"], "name": tr(lang, t.get("zh", t["key"]), t.get("en", t["key"])),
                         "min": mins[t["key"]], "customers": int(sel.sum()), "revenue": rev,
                         "customer_share": sel.sum() / n if n else np.nan,
                         "revenue_share": rev / cv.total if cv.total > 0 else np.nan})
        return pd.DataFrame(rows)

    def refresh(*_: Any) -> None:
        s = summary()
        head = [tr(lang, "分级", "Tier"), tr(lang, "门槛（每年）", "Threshold (a year)"), tr(lang, "客户数", "Customers"),
                tr(lang, "收入", "Revenue"), tr(lang, "收入占比", "Share of revenue")]
        body = "".join(
            f"<tr data-tier='{r.tier}'><td><b>{html.escape(r.name)}</b></td><td>≥ {fmt_rmb(r.min, lang)}</td>"
            f"<td style='text-align:right'>{r.customers}</td><td style='text-align:right'>{fmt_rmb(r.revenue, lang)}"
            f"</td><td style='text-align:right'>{fmt_pct(r.revenue_share)}</td></tr>" for r in s.itertuples())
        order_ok = all(s["min"].iloc[i] >= s["min"].iloc[i + 1] for i in range(len(s) - 1))
        warn = "" if order_ok else ("<div style='color:#b00020'>" + tr(
            lang, "注意：高一级的门槛低于下一级，客户会落入最高的那一级。",
            "Note: a higher tier's threshold is below the next one's; customers fall in the highest tier they reach.")
            + "</div>")
        table.value = (f"<table class='kalib-tiers' style='border-collapse:collapse'><tr>"
                       + "".join(f"<th style='padding:2px 10px'>{h}</th>" for h in head) + f"</tr>{body}</table>{warn}")

    safe = guarded(errors, refresh)
    for s in sliders.values():
        s.observe(safe, names="value")
    intro = w.HTML(tr(lang, f"<b>客户价值分级 · {cv.period.label}</b>：拖动门槛（{unit}/年），看看谁是大客户。门槛是默认值，可以按客户调整。",
                      f"<b>Customer value tiers · {cv.period.label}</b>: move the thresholds ({unit} a year) and see "
                      "who is a key account. The thresholds are defaults, meant to be set per client."))
    panel = TierPanel([intro, *sliders.values(), errors, table], thresholds=sliders, table=table, errors=errors,
                      summary=summary)
    safe()
    return panel
