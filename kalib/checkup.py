"""The whole check on a client (客户诊断): every layer's headline in one place.

:func:`client_check` runs the analyses of the four layers on one client —
the ten health indicators (:mod:`kalib.health`), customer value
(:mod:`kalib.accounts`), the pipeline forecast (:mod:`kalib.forecast`,
:mod:`kalib.pipeline`), the deals portfolio (:mod:`kalib.deals`) and the team
(:mod:`kalib.team`) — and gives, for each, a short section (text, a table, a
chart) and a conclusion: the three things to do first, each pointing to the
layer and the notebook where the cause is studied.  It is what notebook
``05.00-client-check`` shows, and the executive summary of a client report.

A part whose data the client lacks says so ("not available", with the
reason) instead of failing; every other error is raised.

Examples
--------
>>> import pandas as pd
>>> from kalib import Client
>>> rev = pd.DataFrame({"date": pd.to_datetime(["2024-03-01", "2024-05-01"]), "customer": ["A", "B"],
...                     "amount": [6e6, 3e6], "salesperson": ["王", "李"]})
>>> chk = client_check(Client.from_frames({"revenue": rev}, period="2024"))
>>> chk.available("team"), chk.available("deals")
(True, False)
>>> print(chk.section("deals", "en").text)
**Not available**: the deals portfolio needs the opportunities table (销售机会), which this client does not have.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .client import Client, MissingData
from .i18n import fmt_pct, fmt_rmb, tr
from .indicators import INDICATORS
from .jsonout import jsonable

__all__ = ["ClientCheck", "SectionView", "client_check", "PARTS", "INDICATOR_HOME"]

#: The parts of the check, in order: key -> (zh, en, layer).
PARTS = {
    "health": ("健康度问诊", "Health check", 1),
    "accounts": ("客户价值", "Customer value", 1),
    "pipeline": ("销售预测", "Pipeline forecast", 3),
    "deals": ("机会组合", "Deals portfolio", 2),
    "team": ("销售团队", "Sales team", 4),
}

#: Where each health indicator's causes are studied: (layer, notebook), from :data:`kalib.indicators.INDICATORS`.
INDICATOR_HOME = {key: (spec.layer, spec.notebook) for key, spec in INDICATORS.items()}

_LAYER_NAMES = {
    1: ("第一层：始终瞄准客户需求", "layer 1, aim at customer needs"),
    2: ("第二层：如何销售", "layer 2, how to sell"),
    3: ("第三层：如何管理销售", "layer 3, how to manage sales"),
    4: ("第四层：构建致力于成功的销售团队", "layer 4, the team"),
}


@dataclass
class SectionView:
    """One section of the check: Markdown text, then an optional table and figure.

    In a notebook it displays itself (text, table, chart, in that order).
    """

    text: str
    table: pd.DataFrame | None = None
    figure: Any = None

    def _ipython_display_(self) -> None:
        from IPython.display import Markdown, display

        display(Markdown(self.text))
        if self.table is not None:
            display(self.table)
        if self.figure is not None:
            display(self.figure)

    def __repr__(self) -> str:
        return self.text


@dataclass
class _NA:
    reason: str


@dataclass
class ClientCheck:
    """The whole check on one client; parts are computed on first use."""

    client: Client
    period: Any = None
    industry: str | None = None
    milestone: str = "quarter"
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    # -- the parts -------------------------------------------------------
    def part(self, key: str) -> Any:
        """The result of one part (see :data:`PARTS`), or a not-available marker."""
        if key not in PARTS:
            raise KeyError(f"no part {key!r}; parts: {', '.join(PARTS)}")
        if key not in self._cache:
            try:
                self._cache[key] = getattr(self, f"_compute_{key}")()
            except MissingData as exc:
                self._cache[key] = _NA(str(exc))
        return self._cache[key]

    def available(self, key: str) -> bool:
        return not isinstance(self.part(key), _NA)

    def _compute_health(self):
        from .health import health_check

        return health_check(self.client, self.period, self.industry)

    def _compute_accounts(self):
        from .accounts import customer_value

        return customer_value(self.client, self.period)

    def _compute_pipeline(self):
        from .forecast import simulate

        self.client.table("opportunities", purpose="the pipeline forecast")
        return simulate(self.client, self.milestone)

    def _compute_deals(self):
        from .deals import portfolio

        self.client.table("opportunities", purpose="the deals portfolio")
        return portfolio(self.client)

    def _compute_team(self):
        from .team import team_analysis

        return team_analysis(self.client, self.period, self.industry)

    # -- views -----------------------------------------------------------
    def heading(self, lang: str = "zh") -> str:
        """One line naming the client, industry, period and as-of date (Markdown)."""
        c = self.client
        ind = c.config.data.get("industries", {}).get(self.industry or c.industry, {})
        per = c.period(self.period)
        return tr(lang,
                  f"**{c.name}** · {ind.get('zh', c.industry)} · 期间 {per.label} · 数据截至 {c.as_of.date()}",
                  f"**{c.name}** · {ind.get('en', c.industry)} · period {per.label} · data as of {c.as_of.date()}")

    def section(self, key: str, lang: str = "zh", chart: bool = True) -> SectionView:
        """The section of one part: its headline text, a table and a chart."""
        res = self.part(key)
        if isinstance(res, _NA):
            return SectionView(tr(lang, "**无法提供**：", "**Not available**: ") + res.reason)
        return getattr(self, f"_view_{key}")(res, lang, chart)

    def _view_health(self, h, lang, chart):
        fig = None
        if chart:
            from .charts.health import scorecard

            fig = scorecard(h, lang)
        return SectionView(h.summary(lang).replace("\n", "  \n"), None, fig)

    def _view_accounts(self, cv, lang, chart):
        conc = cv.concentration()
        farm = cv.farming()
        keys = cv.key_accounts()
        top = conc.get("top_share", conc.get("top10_share"))
        lines = [tr(lang,
                    f"{cv.period.label} 总收入 {fmt_rmb(cv.total, lang)}，{int((cv.table['revenue'] > 0).sum())} 家客户有收入；"
                    f"大客户（重点价值层级）{len(keys)} 家。",
                    f"{cv.period.label}: total revenue {fmt_rmb(cv.total, lang)} from "
                    f"{int((cv.table['revenue'] > 0).sum())} customers; {len(keys)} key account{'' if len(keys) == 1 else 's'} "
                    "(key value tiers).")]
        if top is not None:
            lines.append(tr(lang, f"前10名客户贡献 {fmt_pct(top)} 的收入。", f"The top 10 customers bring {fmt_pct(top)} of revenue."))
        if farm.get("existing_share") is not None and farm.get("previous_covered"):
            lines.append(tr(lang, f"老客户（农庄耕耘）贡献 {fmt_pct(farm['existing_share'])}，新客户业务来自 "
                                  f"{farm['new_customers']} 家新客户；流失 {farm['lost_customers']} 家。",
                            f"Existing customers (farming) bring {fmt_pct(farm['existing_share'])}; "
                            f"new business from {farm['new_customers']} new customers; {farm['lost_customers']} lost."))
        ts = cv.tier_summary()
        table = pd.DataFrame({
            tr(lang, "价值层级", "Tier"): ts[f"tier_{lang}"],
            tr(lang, "客户数", "Customers"): ts["customers"],
            tr(lang, "收入", "Revenue"): ts["revenue"].map(lambda v: fmt_rmb(v, lang)),
            tr(lang, "收入占比", "Revenue share"): ts["revenue_share"].map(fmt_pct),
        })
        fig = None
        if chart:
            from .charts.accounts import pareto_chart

            fig = pareto_chart(cv, lang)
        return SectionView(" ".join(lines), table, fig)

    def _view_pipeline(self, fc, lang, chart):
        text = fc.summary(lang).replace("\n", "  \n")
        fig = None
        if chart and len(fc.totals):
            from .charts.pipeline import forecast_chart

            fig = forecast_chart(fc, lang)
        return SectionView(text, None, fig)

    def _view_deals(self, pf, lang, chart):
        table = pf.to_frame(lang).head(10) if len(pf.table) else None
        fig = None
        if chart and len(pf.evaluated):
            from .charts.deals import portfolio_chart

            fig = portfolio_chart(pf, lang)
        return SectionView(pf.summary(lang).replace("\n", "  \n"), table, fig)

    def _view_team(self, t, lang, chart):
        fig = None
        if chart:
            from .charts.team import needs_chart

            fig = needs_chart(t, lang)
        groups = t.groups(lang)
        return SectionView(t.summary_text(lang), groups.drop(columns="need") if len(groups) else None, fig)

    # -- conclusion -------------------------------------------------------
    def actions(self, lang: str = "zh", n: int = 3) -> list[str]:
        """What to do first: the largest health gaps, then the team's largest need."""
        out: list[str] = []
        h = self.part("health")
        if not isinstance(h, _NA):
            for ind in h.gaps(n):
                layer, nb = INDICATOR_HOME.get(ind.key, (None, None))
                where = ""
                if layer:
                    zh, en = _LAYER_NAMES[layer]
                    where = tr(lang, f"（{zh}，见 {nb}）", f" ({en}; see {nb})")
                out.append(ind.gap_text(lang, self.client.config) + where)
        t = self.part("team")
        if len(out) < n and not isinstance(t, _NA):
            counts = t.people["need"].value_counts()
            counts = counts.drop(labels=["on_track", "role_model", "departed"], errors="ignore")
            if len(counts):
                key = counts.index[0]
                need = next(x for x in t.config["needs"] if x["key"] == key)
                who = t.people.loc[t.people["need"] == key, "salesperson"].tolist()
                out.append(tr(lang,
                              f"团队：{len(who)} 人需要“{need['zh']}”——{need['advice_zh']}（第四层，见 04.00-sales-team）",
                              f"Team: {len(who)} salespeople need {need['en'].lower()} — {need['advice_en']} "
                              "(layer 4; see 04.00-sales-team)"))
        return out[:n]

    def conclusion(self, lang: str = "zh") -> str:
        """The closing Markdown: the actions, numbered."""
        acts = self.actions(lang)
        if not acts:
            return tr(lang, "没有发现低于及格线的指标，也没有需要特别支持的团队分组。",
                      "No indicator is below its pass line and no team group needs special support.")
        head = tr(lang, "**先做这三件事：**", "**Do these first:**") if len(acts) == 3 else \
            tr(lang, "**先做这些事：**", "**Do these first:**")
        return head + "\n\n" + "\n".join(f"{i}. {a}" for i, a in enumerate(acts, 1))

    def records(self) -> dict[str, Any]:
        """Headline numbers to record in the notebook (None where not available)."""
        out: dict[str, Any] = {}
        h = self.part("health")
        if not isinstance(h, _NA):
            c = h.counts()
            out["check.indicators_passed"] = c["pass"]
            out["check.indicators_measured"] = c["measured"]
        a = self.part("accounts")
        if not isinstance(a, _NA):
            conc = a.concentration()
            out["check.top10_share"] = conc.get("top_share", conc.get("top10_share"))
        f = self.part("pipeline")
        if not isinstance(f, _NA):
            out["check.forecast_p50"] = f.p50
            out["check.prob_hit"] = f.prob_hit
        d = self.part("deals")
        if not isinstance(d, _NA):
            out["check.deals_nogo"] = d.counts().get("nogo")
        t = self.part("team")
        if not isinstance(t, _NA):
            out["check.team_share_above_mean"] = t.summary["share_above_mean"]
        return jsonable(out)

    def to_dict(self, lang: str = "zh") -> dict[str, Any]:
        return {"client": self.client.name, "records": self.records(),
                "available": {k: self.available(k) for k in PARTS}, "actions": self.actions(lang)}


def client_check(client: Client, period: Any = None, industry: str | None = None,
                 milestone: str = "quarter") -> ClientCheck:
    """The whole check on ``client`` (parts computed when first shown)."""
    return ClientCheck(client, period, industry, milestone)
