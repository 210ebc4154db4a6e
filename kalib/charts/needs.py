"""Charts of the customer's needs (layer 1, 始终瞄准客户需求), from :mod:`kalib.accounts`.

:func:`mix_chart`
    what a customer (or a group) bought from us, per product category and period: one
    100% bar per period, so a change in its needs shows as a change in the bar.
:func:`wallet_chart`
    one customer's yearly spend in our category (wallet), the needs it brought us in the
    period, and our revenue from it: how much of its spending we see, and how much we win.

Every function takes ``lang="zh"|"en"`` and returns a plain
:class:`matplotlib.figure.Figure` (not registered with pyplot: nothing is shown, no
global setting changes).

Examples
--------
>>> import pandas as pd
>>> from kalib.client import Client
>>> from kalib.accounts import buying_history
>>> rev = pd.DataFrame({"date": pd.to_datetime(["2023-03-01", "2024-03-01", "2024-04-01"]),
...                     "customer": ["A", "A", "A"], "product": ["P1", "P1", "P2"], "amount": [1e6, 1e6, 3e6]})
>>> h = buying_history(Client.from_frames({"revenue": rev}, period="2024"), "A", periods=2)
>>> [t.get_text() for t in mix_chart(h, lang="en").axes[0].get_yticklabels()]
['2023', '2024']
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, PercentFormatter

from ..i18n import fmt_pct, fmt_rmb, tr
from . import PALETTE, chart_lang

__all__ = ["mix_chart", "wallet_chart", "CATEGORY_COLORS"]

# Distinct in colour and in lightness, so neighbouring segments read in greyscale too.
CATEGORY_COLORS = ["#1f4e79", "#d35400", "#6c8ebf", "#e0a800", "#1e8449", "#8e44ad", "#93b5d6", "#7f8c8d"]


def mix_chart(history: pd.DataFrame, lang: str = "zh", title: str | None = None) -> Figure:
    """One 100% bar per period (oldest at the top): the share of each product category.

    ``history`` is :func:`kalib.accounts.buying_history`'s table.  Shares of 8% or more
    are written on the bar; a period with no purchase is an empty bar, said in its label.
    """
    with chart_lang(lang) as lang:
        h = history
        if h.empty:
            fig = Figure(figsize=(7.5, 1.6))
            ax = fig.add_subplot()
            ax.axis("off")
            ax.text(0.5, 0.5, tr(lang, "收入明细没有产品：看不出客户买了什么",
                                 "The revenue lines name no product: what the customer bought cannot be shown"),
                    ha="center", va="center")
            return fig
        periods = h.drop_duplicates("order").sort_values("order")
        cats = list(h.groupby("category")["revenue"].sum().sort_values(ascending=False, kind="stable").index)
        fig = Figure(figsize=(7.5, 0.7 * max(2, len(periods)) + 1.6))
        ax = fig.add_subplot()
        y = np.arange(len(periods))[::-1]
        left = np.zeros(len(periods))
        for i, cat in enumerate(cats):
            s = (h.loc[h["category"] == cat].set_index("order")["share"].reindex(periods["order"]).fillna(0.0)
                 .to_numpy(dtype=float))
            color = CATEGORY_COLORS[i % len(CATEGORY_COLORS)]
            ax.barh(y, s, left=left, color=color, edgecolor="white", label=str(cat))
            for yy, ll, ss in zip(y, left, s):
                if ss >= 0.08:
                    dark = i % len(CATEGORY_COLORS) in (0, 1, 4, 5, 7)
                    ax.text(ll + ss / 2, yy, fmt_pct(ss), ha="center", va="center", fontsize=9,
                            color="white" if dark else "black")
            left += s
        totals = h.groupby("order")["revenue"].sum().reindex(periods["order"]).fillna(0.0)
        labels = [p if t > 0 else tr(lang, f"{p}（未购买）", f"{p} (no purchase)")
                  for p, t in zip(periods["period"], totals)]
        ax.set_yticks(y, labels)
        for yy, t in zip(y, totals):
            if t > 0:
                ax.text(1.01, yy, fmt_rmb(float(t), lang), va="center", fontsize=9)
        ax.set_xlim(0, 1)
        ax.xaxis.set_major_formatter(PercentFormatter(1.0))
        ax.set_xlabel(tr(lang, "各产品类别占当期采购额的比例", "Share of each product category in the period's purchases"))
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=min(len(cats), 5), frameon=False,
                  fontsize=9)
        ax.set_title(title or tr(lang, "客户从我们这里买什么：逐期变化", "What the customer buys from us, period by period"))
        fig.tight_layout()
        return fig


def wallet_chart(needs, lang: str = "zh") -> Figure:
    """Three bars for one customer, RMB per year: its spend in our category (wallet, when
    estimated), the needs it brought us in the period (split by outcome) and our revenue.

    ``needs`` is a :class:`kalib.accounts.CustomerNeeds`.
    """
    with chart_lang(lang) as lang:
        years = needs.period.years
        n = needs.needs
        parts = [("won", PALETTE["excellent"], tr(lang, "已赢单", "won")),
                 ("open", PALETTE["secondary"], tr(lang, "在跟", "open")),
                 ("lost", PALETTE["below"], tr(lang, "丢单", "lost")),
                 ("withdrawn", PALETTE["na"], tr(lang, "放弃（NoGo）", "withdrawn (NoGo)"))]
        fig = Figure(figsize=(7.5, 3.4))
        ax = fig.add_subplot()
        names = [tr(lang, "品类采购额（钱包）", "Spend in our category (wallet)"),
                 tr(lang, "向我们提出的需求", "Needs brought to us"),
                 tr(lang, "我们的收入", "Our revenue")]
        y = np.array([2, 1, 0])
        if needs.wallet:
            ax.barh(y[0], needs.wallet, color=PALETTE["light"], edgecolor=PALETTE["primary"])
            ax.text(needs.wallet, y[0], " " + fmt_rmb(needs.wallet, lang), va="center", fontsize=9)
        else:
            ax.text(0, y[0], " " + tr(lang, "没有估计", "not estimated"), va="center", fontsize=9, color="#666666")
        left = 0.0
        for key, color, label in parts:
            v = float(n[key].sum()) / years if len(n) else 0.0
            if v > 0:
                ax.barh(y[1], v, left=left, color=color, label=label)
            left += v
        ax.text(left, y[1], " " + fmt_rmb(left, lang), va="center", fontsize=9)
        ax.barh(y[2], needs.value, color=PALETTE["primary"])
        ax.text(needs.value, y[2], " " + fmt_rmb(needs.value, lang), va="center", fontsize=9)
        ax.set_yticks(y, names)
        top = max(needs.wallet or 0.0, left, needs.value, 1.0)
        ax.set_xlim(0, top * 1.25)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: fmt_rmb(v, lang)))
        ax.set_xlabel(tr(lang, "每年金额", "Per year"))
        if ax.get_legend_handles_labels()[0]:
            ax.legend(loc="lower right", fontsize=8, frameon=False, title=tr(lang, "需求的结果", "Needs by outcome"),
                      title_fontsize=8)
        ax.set_title(tr(lang, f"{needs.customer}：花在哪里，提出什么，我们拿到多少",
                        f"{needs.customer}: what it spends, what it asks, what we win"), fontsize=11)
        fig.tight_layout()
        return fig
