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
>>> print(chk.section("deals", "en").text)  # doctest: +NORMALIZE_WHITESPACE
**Not available**: needs the opportunities table (销售机会), and the deal_scores table (要素评分) or the stakeholders
table (决策人); add an export of the opportunities (deals) from your CRM; and score the open deals on the nine
success factors (the deal_scores table); or list the decision makers of the open deals (the stakeholders table:
role, attitude, relationship)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .client import Client, MissingData
from .i18n import fmt_pct, fmt_rmb, tr
from .indicators import INDICATORS, format_line
from .jsonout import jsonable

__all__ = ["ClientCheck", "SectionView", "SalesAction", "ActionSpec", "ACTION_SPECS", "client_check", "due_date",
           "PARTS", "INDICATOR_HOME"]

#: The parts of the check, in order: key -> (zh, en, layer).
PARTS = {
    "health": ("健康度问诊", "Health check", 1),
    "accounts": ("客户价值", "Customer value", 2),
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


_WEEKDAYS_ZH = "一二三四五六日"


def due_date(as_of: Any, days: int) -> pd.Timestamp:
    """The Monday on or after ``as_of`` + ``days``: actions fall due at a weekly pipeline review.

    >>> due_date("2024-12-31", 7).date(), due_date("2024-12-31", 6).date()  # 2025-01-06 is a Monday
    (datetime.date(2025, 1, 13), datetime.date(2025, 1, 6))
    """
    d = pd.Timestamp(as_of).normalize() + pd.Timedelta(days=days)
    return d + pd.Timedelta(days=(7 - d.weekday()) % 7)


def _date_text(d: pd.Timestamp, lang: str) -> str:
    return tr(lang, f"{d.date()}（周{_WEEKDAYS_ZH[d.weekday()]}）", f"{d.strftime('%a')} {d.date()}")


def _names(names: list[str], lang: str, most: int = 5) -> str:
    names = [str(x) for x in names]
    shown = tr(lang, "、", ", ").join(names[:most])
    if len(names) > most:
        shown += tr(lang, f"等 {len(names)} 人", f" and {len(names) - most} more")
    return shown


@dataclass(frozen=True)
class SalesAction:
    """One thing a sales leader does: who, what, by when, why, and where the course teaches it."""

    key: str
    who_zh: str
    who_en: str
    what_zh: str
    what_en: str
    by: pd.Timestamp
    because_zh: str
    because_en: str
    layer: int
    notebook: str
    section_zh: str
    section_en: str

    def who(self, lang: str = "zh") -> str:
        return tr(lang, self.who_zh, self.who_en)

    def what(self, lang: str = "zh") -> str:
        return tr(lang, self.what_zh, self.what_en)

    def because(self, lang: str = "zh") -> str:
        return tr(lang, self.because_zh, self.because_en)

    def by_text(self, lang: str = "zh") -> str:
        return _date_text(self.by, lang)

    def where(self, lang: str = "zh") -> str:
        """Where the course teaches it, as a Markdown link to the notebook."""
        zh, en = _LAYER_NAMES[self.layer]
        return tr(lang, f"{zh}，见 [{self.notebook} › {self.section_zh}]({self.notebook}.ipynb)",
                  f"{en}; see [{self.notebook} › {self.section_en}]({self.notebook}.ipynb)")

    def text(self, lang: str = "zh") -> str:
        """One Markdown line: **who**: what, by when (why; where it is taught)."""
        return tr(lang,
                  f"**{self.who_zh}**：{self.what_zh}，**{self.by_text('zh')}前**完成。（{self.because_zh}；"
                  f"{self.where('zh')}）",
                  f"**{self.who_en}**: {self.what_en}, **by {self.by_text('en')}**. ({self.because_en}; "
                  f"{self.where('en')})")

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "who_zh": self.who_zh, "who_en": self.who_en, "what_zh": self.what_zh,
                "what_en": self.what_en, "by": self.by.date().isoformat(), "because_zh": self.because_zh,
                "because_en": self.because_en, "layer": self.layer, "notebook": self.notebook,
                "section_zh": self.section_zh, "section_en": self.section_en}


@dataclass(frozen=True)
class ActionSpec:
    """What a sales leader does about one finding: who and what (``{field}`` filled in per client),
    and the notebook section (``## zh · en`` heading) that teaches it."""

    who_zh: str
    who_en: str
    what_zh: str
    what_en: str
    layer: int
    notebook: str
    section_zh: str
    section_en: str

    def make(self, key: str, fields: dict[str, dict[str, str]], because: tuple[str, str], by: pd.Timestamp
             ) -> SalesAction:
        f = {lg: {k: v[lg] for k, v in fields.items()} for lg in ("zh", "en")}
        return SalesAction(key, self.who_zh.format(**f["zh"]), self.who_en.format(**f["en"]),
                           self.what_zh.format(**f["zh"]), self.what_en.format(**f["en"]), by, because[0], because[1],
                           self.layer, self.notebook, self.section_zh, self.section_en)


#: The actions a sales leader can take, by finding: a health indicator's key, ``deals_nogo``, ``team_need``.
#: The company's output per employee and the product line are not sales' to change: no action.
ACTION_SPECS: dict[str, ActionSpec] = {
    "top10_share": ActionSpec(
        "销售总监与大客户经理", "The sales director with the key-account managers",
        "从帕累托曲线上挑出值得深耕的客户（现在前10大只贡献 {value}），为每家写一页客户计划：需求、决策人、下一单",
        "pick the accounts worth farming from the Pareto curve (the top 10 bring only {value}) and write a one-page "
        "account plan for each: needs, decision makers, the next order",
        2, "02.00-customer-value", "帕累托曲线与集中度", "Pareto curve and concentration"),
    "renewal_rate": ActionSpec(
        "各客户负责人", "Each account owner",
        "给上期买过、本期没有再买的 {lost} 家客户逐一打电话，问清原因，定下挽回计划",
        "call each of the {lost} customers who bought last period but not this one, learn why, and agree a "
        "win-back plan",
        2, "02.00-customer-value", "农庄耕耘，而不是游猎", "Farming, not hunting"),
    "wallet_share": ActionSpec(
        "大客户经理", "The key-account managers",
        "为前10大客户逐一估计品类采购额，各找出一项还没交给我们的需求（钱包份额中位数 {value}）",
        "for each top-10 customer, estimate its category budget and name one need it does not yet bring to us "
        "(median share of wallet {value})",
        2, "02.00-customer-value", "每个客户的价值", "What each customer brings us"),
    "nps": ActionSpec(
        "各客户负责人", "Each account owner",
        "拜访打 0–6 分的贬损者，问清问题出在哪里并约定改进（净推荐值 {value}，及格线 {line}）",
        "visit the detractors (scores 0–6), ask what went wrong and agree a fix (NPS {value}, pass line {line})",
        1, "00.01-health-check", "客户忠诚度（净推荐值）", "Customer loyalty (NPS)"),
    "win_rate": ActionSpec(
        "销售经理与每位销售", "Each sales manager with their salespeople",
        "在周一评审中对每个在跟机会做 Go/NoGo 判定，放弃判为 NoGo 的单（赢单成功率 {value}，及格线 {line}）",
        "run Go/NoGo on every open deal at the Monday review and drop the NoGo ones (win rate {value}, pass line "
        "{line})",
        2, "02.01-how-to-sell", "Go/NoGo 与机会组合", "Go/NoGo and the portfolio"),
    "pipeline_coverage": ActionSpec(
        "每位销售", "Every salesperson",
        "补充 {extra} 的合格销售机会，让在跟机会达到销售目标的 {line}",
        "add {extra} of qualified opportunities, so that open opportunities reach {line} the sales target",
        3, "03.00-win-rate-model", "看板二：销售业绩动态仪表盘", "Board 2: the dynamic performance dashboard"),
    "sales_per_rep": ActionSpec(
        "销售总监", "The sales director",
        "与每位年销售额低于及格线 {line} 的销售（人均 {value}）一起定下季度目标和要达成它的客户",
        "agree with each salesperson selling less than the pass line {line} a year (mean {value}) a quarterly "
        "target and the accounts that will reach it",
        4, "04.00-sales-team", "人均销售额", "Sales per salesperson"),
    "reps_above_mean": ActionSpec(
        "销售总监", "The sales director",
        "让高于平均的销售（{stars}）每人带一位低于平均的同事，每周一起拜访一次大客户",
        "pair each salesperson above the average ({stars}) with one below it, for a joint key-account call "
        "every week",
        4, "04.00-sales-team", "谁需要什么", "Who needs what"),
    "deals_nogo": ActionSpec(
        "机会负责人（{owners}）", "The deals' owners ({owners})",
        "对 {n} 个判为 NoGo 的在跟机会逐一决定：补上关口要素，或者放弃",
        "decide on each of the {n} open deals judged NoGo: fix the gate factor, or drop the deal",
        2, "02.01-how-to-sell", "Go/NoGo 与机会组合", "Go/NoGo and the portfolio"),
    "team_need": ActionSpec(
        "销售总监与 {names}", "The sales director with {names}",
        "{advice}", "{advice}",
        4, "04.00-sales-team", "谁需要什么", "Who needs what"),
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
    zh: str
    en: str

    def reason(self, lang: str) -> str:
        return tr(lang, self.zh, self.en)


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
            from .capabilities import capability

            cap = capability(self.client, key, self.period)  # the rule the commands and the report apply
            if not cap.ok:
                self._cache[key] = _NA(cap.reason("zh"), cap.reason("en"))
                return self._cache[key]
            try:
                self._cache[key] = getattr(self, f"_compute_{key}")()
            except MissingData as exc:
                self._cache[key] = _NA(exc.text("zh"), exc.text("en"))
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

        return simulate(self.client, self.milestone)

    def _compute_deals(self):
        from .deals import portfolio

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
            return SectionView(tr(lang, "**无法提供**：", "**Not available**: ") + res.reason(lang))
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
    def sales_actions(self, n: int | None = None) -> list["SalesAction"]:
        """The first things a sales leader does: who, what, by when, where the course teaches it.

        Chosen among what sales can change (``sales_actions.not_sales`` of the method never is):
        the health indicators below their pass line, largest gap first (an indicator without a
        value is skipped), then the open deals judged NoGo, then the team group most in need.
        One action per notebook section; each is due on the Monday after ``days`` from the
        as-of date (``sales_actions.due``).
        """
        cfg = self.client.config.section("sales_actions")
        n = int(cfg["count"]) if n is None else n
        due = cfg["due"]
        not_sales = set(cfg.get("not_sales") or [])
        as_of = pd.Timestamp(self.client.as_of)
        team = self.part("team")
        out: list[SalesAction] = []
        seen: set[tuple[str, str]] = set()

        def add(key: str, fields: dict[str, Any], because: tuple[str, str]) -> None:
            spec = ACTION_SPECS[key]
            if (spec.notebook, spec.section_en) in seen or len(out) >= n:
                return
            seen.add((spec.notebook, spec.section_en))
            out.append(spec.make(key, fields, because, due_date(as_of, int(due[key]["days"]))))

        h = self.part("health")
        if not isinstance(h, _NA):
            below = [i for i in h.gaps(len(h)) if i.value is not None and i.status == "below"
                     and i.key in ACTION_SPECS and i.key not in not_sales]
            for ind in below:
                fields = {"value": {lg: ind.value_text(lg) for lg in ("zh", "en")},
                          "line": {lg: format_line(ind.pass_line, ind.unit, lg) for lg in ("zh", "en")}}
                if ind.key == "renewal_rate":
                    lost = ind.detail.get("lost")
                    fields["lost"] = {"zh": str(lost) if lost is not None else "", "en": str(lost) if lost is not None
                                      else ""}
                if ind.key == "pipeline_coverage":
                    extra = ind.extra_pipeline
                    fields["extra"] = {lg: fmt_rmb(extra, lg) if extra is not None else tr(lg, "足够", "enough")
                                       for lg in ("zh", "en")}
                if ind.key == "reps_above_mean":
                    stars = [] if isinstance(team, _NA) else \
                        team.people.loc[team.people["above_mean"].fillna(False).astype(bool), "salesperson"].tolist()
                    fields["stars"] = {"zh": _names(stars, "zh") or "业绩领先的销售",
                                       "en": _names(stars, "en") or "the top salespeople"}
                because = (f"{ind.zh} {ind.value_text('zh')}，{ind.distance_text('zh')}",
                           f"{ind.en} {ind.value_text('en')}: {ind.distance_text('en')}")
                add(ind.key, fields, because)
        d = self.part("deals")
        if not isinstance(d, _NA):
            nogo = d.nogo
            if len(nogo):
                owners = [str(x) for x in nogo["owner"].dropna().unique()]
                fields = {"n": {"zh": str(len(nogo)), "en": str(len(nogo))},
                          "owners": {"zh": _names(owners, "zh") or "各负责人", "en": _names(owners, "en") or "each owner"}}
                amount = float(nogo["amount"].sum(min_count=1)) if "amount" in nogo else float("nan")
                amt = {lg: fmt_rmb(amount, lg) for lg in ("zh", "en")} if amount == amount else {"zh": "–", "en": "–"}
                add("deals_nogo", fields, (f"{len(nogo)} 个在跟机会判为 NoGo，金额合计 {amt['zh']}",
                                           f"{len(nogo)} open deals judged NoGo, {amt['en']} in all"))
        if not isinstance(team, _NA):
            counts = team.people["need"].value_counts()
            counts = counts.drop(labels=["on_track", "role_model", "departed"], errors="ignore")
            if len(counts):
                key = counts.index[0]
                need = next(x for x in team.config["needs"] if x["key"] == key)
                who = team.people.loc[team.people["need"] == key, "salesperson"].tolist()
                fields = {"names": {"zh": _names(who, "zh"), "en": _names(who, "en")},
                          "advice": {"zh": need["advice_zh"], "en": need["advice_en"]}}
                add("team_need", fields, (f"{len(who)} 人在“{need['zh']}”组", f"{len(who)} in the group "
                                          f"{need['en'].lower()}"))
        return out

    def actions(self, lang: str = "zh", n: int | None = None) -> list[str]:
        """The sales actions as Markdown lines (see :meth:`sales_actions`)."""
        return [a.text(lang) for a in self.sales_actions(n)]

    def why_not_more(self, lang: str = "zh") -> list[str]:
        """Why the check gives fewer than ``sales_actions.count`` actions, one sentence each: the indicators
        all reach their line (or the excellent line), those below it that sales cannot change, the indicators
        and parts the data do not allow, each with what to add.  Empty when the actions are complete."""
        cfg = self.client.config.section("sales_actions")
        if len(self.sales_actions()) >= int(cfg["count"]):
            return []
        not_sales = set(cfg.get("not_sales") or [])
        out: list[str] = []
        h = self.part("health")
        if isinstance(h, _NA):
            out.append(tr(lang, f"十大健康指标无法计算：{h.reason('zh')}。",
                          f"The ten health indicators cannot be computed: {h.reason('en')}."))
        else:
            c = h.counts()
            below = [i for i in h.indicators if i.status == "below"]
            actionable = [i for i in below if i.key in ACTION_SPECS and i.key not in not_sales]
            if c["measured"] and not actionable:
                if c["excellent"] == c["measured"]:
                    out.append(tr(lang, f"可计算的{c['measured']}项指标都达到了优分线。",
                                  f"All {c['measured']} indicators measured reach the excellent line."))
                elif not below:
                    out.append(tr(lang, f"可计算的{c['measured']}项指标都达到了及格线（{c['excellent']}项达到优分线）。",
                                  f"All {c['measured']} indicators measured reach the pass line ({c['excellent']} "
                                  "the excellent line)."))
                else:
                    out.append(tr(lang, "销售能改变的指标都达到了及格线。",
                                  "Every indicator sales can change reaches its pass line."))
            others = [i for i in below if i.key in not_sales]
            if others:
                out.append(tr(lang, "、".join(i.zh for i in others) + "低于及格线，但这不是销售部门单独能改变的：交给公司管理层。",
                              ", ".join(i.en for i in others) + (" is" if len(others) == 1 else " are")
                              + " below the pass line, but not for sales alone to change: a matter for the "
                              "company's management."))
            for i in h.indicators:
                if i.status == "na":
                    why = i.reason(lang) or tr(lang, "没有数据", "no data")
                    out.append(tr(lang, f"{i.zh}无法计算：{why}。", f"{i.en} cannot be computed: {why}."))
        for key in ("deals", "team"):
            res = self.part(key)
            if isinstance(res, _NA):
                zh, en, _ = PARTS[key]
                out.append(tr(lang, f"{zh}无法分析：{res.reason('zh')}。", f"{en}: not available: {res.reason('en')}."))
        return out

    def conclusion(self, lang: str = "zh") -> str:
        """The closing Markdown: the actions, numbered; and when there are fewer than asked for (or none), why,
        with what to add to the data."""
        acts = self.actions(lang)
        why = self.why_not_more(lang)
        reasons = "\n".join(f"- {w}" for w in why)
        if not acts:
            head = tr(lang, "**暂时没有可以先做的销售行动**，原因如下：", "**No sales action comes first yet**, because:")
            if not why:  # every source of actions was looked at and found nothing to do
                why_text = tr(lang, "- 没有低于及格线的指标，没有判为 NoGo 的在跟机会，也没有需要特别支持的团队分组。",
                              "- no indicator is below its pass line, no open deal is judged NoGo and no team group "
                              "needs special support.")
                return head + "\n\n" + why_text
            return head + "\n\n" + reasons
        head = tr(lang, "**销售负责人先做这三件事：**", "**Three things for the sales leader to do first:**") \
            if len(acts) == 3 else tr(lang, f"**销售负责人先做这{ {1: '', 2: '两'}.get(len(acts), str(len(acts)))}件事：**",
                                      f"**{'One thing' if len(acts) == 1 else f'{len(acts)} things'} for the sales "
                                      "leader to do first:**")
        text = head + "\n\n" + "\n".join(f"{i}. {a}" for i, a in enumerate(acts, 1))
        if why:
            text += "\n\n" + tr(lang, "为什么没有更多：", "Why not more:") + "\n\n" + reasons
        return text

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
                "available": {k: self.available(k) for k in PARTS}, "actions": [a.to_dict() for a in self.sales_actions()]}


def client_check(client: Client, period: Any = None, industry: str | None = None,
                 milestone: str = "quarter") -> ClientCheck:
    """The whole check on ``client`` (parts computed when first shown)."""
    return ClientCheck(client, period, industry, milestone)
