"""Layer 4, the team (构建致力于成功的销售团队): who sells what, and what each salesperson needs.

A sales champion matters, but a scientific sales organisation turns individual
ability into team ability.  :func:`team_analysis` looks at the salespeople of a
period and answers a sales leader's questions:

- **sales per salesperson** (annual, and against quota where quotas exist);
- **the spread**: how many are above the average (indicator 9, 销售人员分布) and
  how concentrated sales are in the top people;
- **ramp-up**: sales by tenure;
- **win rate and pipeline per person** from the opportunities;
- **a grouping by need** (deal coaching, prospecting support, ramp-up...),
  each person with the reason in their own numbers,
  each group and each finding pointing to one of the four dimensions of
  layer 4: the sales profession (销售职业), talent management (人才管理),
  leadership and sales culture (领导力与销售文化), performance support (绩效支持).

Every threshold comes from ``client.config`` (section ``team`` of
``kalib/method.yaml``, and the company lines of indicators 5 and 6).

Definitions
-----------
Salespeople
    :meth:`kalib.Client.salespeople` for the period (the salespeople table's
    people active in the period, or every owner of revenue or opportunities).
Sales
    Revenue of the period by ``revenue.salesperson``; when revenue carries no
    salesperson, the amount of opportunities won in the period by ``owner``.
    A salesperson with no sales counts at zero.  ``annual_sales`` is sales
    divided by the period's length in years (as indicator 7).
Quota attainment
    sales ÷ (annual quota × period years × share of the period the person was
    employed); not available without a quota.
Win rate
    won ÷ (won + lost) among the person's opportunities closed in the period
    (``closed_date``, else ``expected_close``); judged only with at least
    ``team.min_closed_deals`` closed deals.
Pipeline
    amount of the person's open opportunities; ``weighted_pipeline`` weighs
    each by its win rate in force (a rep's override, else the stage's).
    ``coverage`` = pipeline ÷ the person's annual target (quota; else the
    client's sales target shared equally; else the team's mean annual sales).

Examples
--------
>>> import pandas as pd
>>> from kalib import Client
>>> rev = pd.DataFrame({"date": pd.to_datetime(["2024-03-01", "2024-05-01", "2024-06-01"]),
...                     "customer": ["A", "B", "C"], "amount": [6e6, 3e6, 1e6],
...                     "salesperson": ["王", "李", "张"]})
>>> c = Client.from_frames({"revenue": rev}, name="doc")
>>> t = team_analysis(c, "2024")
>>> t.people[["salesperson", "sales", "above_mean"]].to_dict("records")
[{'salesperson': '王', 'sales': 6000000.0, 'above_mean': True}, {'salesperson': '李', 'sales': 3000000.0, 'above_mean': False}, {'salesperson': '张', 'sales': 1000000.0, 'above_mean': False}]
>>> round(t.summary["share_above_mean"], 3)
0.333
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .client import Client, MissingData, Period
from .config import source_name
from .i18n import display_table, fmt_num, fmt_pct, fmt_rmb, fmt_times, tr
from .indicators import INDICATORS, above_mean
from .jsonout import jsonable

__all__ = [
    "Finding",
    "TeamResult",
    "assign_needs",
    "concentration",
    "need_reasons",
    "dimensions",
    "needs",
    "opportunity_stats",
    "sales_by_person",
    "team_analysis",
    "tenure_bands",
]


# ---------------------------------------------------------------------------
# Configuration helpers
# ---------------------------------------------------------------------------
def _team_cfg(client: Client) -> dict[str, Any]:
    cfg = client.config.section("team")
    if not cfg or "needs" not in cfg:
        raise MissingData("the team analysis needs the 'team' section of kalib/method.yaml, which is empty",
                          zh="团队分析需要 kalib/method.yaml 的 team 一节，现在是空的。")
    return cfg


def dimensions(client: Client, lang: str = "zh") -> pd.DataFrame:
    """The four dimensions of layer 4, for readers: indexed by the dimension's name, what each covers, and
    where each comes from (the name's source, and that of what it covers: 文章 · article, 我们的解读 · our
    reading).

    >>> from kalib import Client
    >>> d = dimensions(Client({}), "en")
    >>> d.index.tolist()
    ['The sales profession', 'Talent management', 'Leadership and sales culture', 'Performance support']
    >>> d.columns.tolist()
    ['What it covers', 'Source', 'Source of what it covers']
    """
    rows = [{tr(lang, "维度", "Dimension"): tr(lang, d["zh"], d["en"]),
             tr(lang, "涵盖内容", "What it covers"): tr(lang, d["about_zh"], d["about_en"]),
             tr(lang, "来源", "Source"): source_name(d.get("source", "default"), lang),
             tr(lang, "内容来源", "Source of what it covers"):
                 source_name(d.get("about_source", d.get("source", "default")), lang)}
            for d in _team_cfg(client)["dimensions"]]
    return pd.DataFrame(rows).set_index(tr(lang, "维度", "Dimension"))


def needs(client: Client, lang: str = "zh") -> pd.DataFrame:
    """The groups by need, in the order they are decided, with their dimension and advice."""
    dims = {d["key"]: d for d in _team_cfg(client)["dimensions"]}
    rows = []
    for n in _team_cfg(client)["needs"]:
        d = dims[n["dimension"]]
        rows.append({"key": n["key"], "name": tr(lang, n["zh"], n["en"]), "dimension": n["dimension"],
                     "dimension_name": tr(lang, d["zh"], d["en"]), "rule": n.get("rule", ""),
                     "advice": tr(lang, n["advice_zh"], n["advice_en"])})
    return pd.DataFrame(rows)


def _lines(client: Client, industry: str | None) -> tuple[float | None, float | None]:
    ind = industry or client.industry
    win = INDICATORS["win_rate"].lines(client.config, ind)["pass"]
    cov = INDICATORS["pipeline_coverage"].lines(client.config, ind)["pass"]
    return win, cov


# ---------------------------------------------------------------------------
# Building blocks (pure functions)
# ---------------------------------------------------------------------------
def sales_by_person(client: Client, period: Period) -> tuple[pd.Series, str, list[str]]:
    """Sales of the period per salesperson, where they come from, and notes.

    Returns ``(sales, source, notes)``: ``sales`` is indexed by salesperson
    (only people with sales), ``source`` is ``"revenue"`` or
    ``"won opportunities"``.  Revenue rows without a salesperson are left
    out and counted in a note.
    """
    notes: list[str] = []
    if client.has("revenue") and "salesperson" in client.tables["revenue"].columns \
            and client.tables["revenue"]["salesperson"].notna().any():
        r = client.tables["revenue"]
        r = r.loc[period.contains(r["date"]) & r["amount"].notna()]
        unassigned = r.loc[r["salesperson"].isna(), "amount"].sum()
        if unassigned:
            notes.append(f"unassigned revenue (no salesperson): {unassigned:,.0f} RMB, left out of per-person sales")
        s = r.dropna(subset=["salesperson"]).groupby("salesperson")["amount"].sum()
        return s.astype(float), "revenue", notes
    if client.has("opportunities"):
        o = client.tables["opportunities"]
        when = _close_date(o)
        won = o.loc[(o["status"] == "won") & period.contains(when) & o["amount"].notna()]
        notes.append("revenue has no salesperson: sales per person are the opportunities won in the period")
        s = won.dropna(subset=["owner"]).groupby("owner")["amount"].sum()
        s.index.name = "salesperson"
        return s.astype(float), "won opportunities", notes
    raise MissingData("the team analysis needs revenue with a salesperson column, or the opportunities table "
                      "(销售机会), to know each salesperson's sales",
                      zh="团队分析需要带“销售人员”一列的收入明细，或者销售机会表，才能知道每个人的销售额。")


def _close_date(o: pd.DataFrame) -> pd.Series:
    when = o["closed_date"] if "closed_date" in o.columns else pd.Series(pd.NaT, index=o.index)
    if "expected_close" in o.columns:
        when = when.fillna(o["expected_close"])
    return when


def opportunity_stats(client: Client, period: Period) -> pd.DataFrame:
    """Per owner: deals won and lost in the period, win rate, open pipeline.

    Output columns: ``won``, ``lost``, ``closed``, ``win_rate`` (NaN without
    closed deals), ``open_deals``, ``pipeline``, ``weighted_pipeline``,
    ``overdue_deals`` and ``overdue_amount`` (open deals past their expected
    close at the as-of date, Board 1's "overdue"), ``overdue_share`` (of the
    open amount; NaN without pipeline); indexed by salesperson.
    """
    o = client.table("opportunities", purpose="win rate and pipeline per salesperson")
    o = o.loc[o["owner"].notna()]
    # Deals we withdrew from (放弃/NoGo) leave the win rate unless the method counts them as lost.
    closed = o.loc[o["status"].isin(["won", "lost"]) & period.contains(_close_date(o))
                   & ~o["stage"].isin(client.config.withdrawn_stages())]
    won = closed.loc[closed["status"] == "won"].groupby("owner").size()
    lost = closed.loc[closed["status"] == "lost"].groupby("owner").size()
    open_ = o.loc[o["status"] == "open"]
    rates = client.config.stage_rates()
    rate = open_["stage"].map(rates).astype(float)
    if "win_rate_override" in open_.columns:
        rate = open_["win_rate_override"].astype(float).fillna(rate)
    amount = open_["amount"].astype(float)
    as_of = client.as_of.normalize()
    close = pd.to_datetime(open_["expected_close"]) if "expected_close" in open_.columns \
        else pd.Series(pd.NaT, index=open_.index)
    late = close.notna() & (close < as_of)  # Board 1's "overdue": open, past its expected close
    out = pd.DataFrame({
        "won": won, "lost": lost,
        "open_deals": open_.groupby("owner").size(),
        "pipeline": amount.groupby(open_["owner"]).sum(min_count=1),
        "weighted_pipeline": (amount * rate).groupby(open_["owner"]).sum(min_count=1),
        "overdue_deals": late.groupby(open_["owner"]).sum(),
        "overdue_amount": amount.where(late).groupby(open_["owner"]).sum(min_count=1),
    })
    for col in ("won", "lost", "open_deals", "overdue_deals"):
        out[col] = out[col].fillna(0).astype(int)
    out["pipeline"] = out["pipeline"].fillna(0.0)
    out["weighted_pipeline"] = out["weighted_pipeline"].fillna(0.0)
    out["overdue_amount"] = out["overdue_amount"].fillna(0.0)
    out["closed"] = out["won"] + out["lost"]
    out["win_rate"] = (out["won"] / out["closed"]).where(out["closed"] > 0)
    out["overdue_share"] = (out["overdue_amount"] / out["pipeline"]).where(out["pipeline"] > 0)
    out.index.name = "salesperson"
    return out[["won", "lost", "closed", "win_rate", "open_deals", "pipeline", "weighted_pipeline",
                "overdue_deals", "overdue_amount", "overdue_share"]]


def concentration(sales: pd.Series, top_fraction: float) -> dict[str, Any]:
    """How concentrated sales are: share of the top ⌈fraction × n⌉ people, of the top person, Gini.

    >>> d = concentration(pd.Series([60.0, 30.0, 10.0, 0.0, 0.0]), 0.2)
    >>> d["top_n"], round(d["top_share"], 2), round(d["top1_share"], 2)
    (1, 0.6, 0.6)
    """
    s = sales.fillna(0.0).astype(float).sort_values(ascending=False)
    n = len(s)
    total = float(s.sum())
    if n == 0 or total <= 0:
        return {"top_n": 0, "top_share": math.nan, "top1_share": math.nan, "gini": math.nan}
    top_n = max(1, math.ceil(top_fraction * n - 1e-9))
    x = np.sort(s.to_numpy())
    gini = float((2 * np.arange(1, n + 1) - n - 1).dot(x) / (n * x.sum())) if n > 1 else 0.0
    return {"top_n": int(top_n), "top_share": float(s.iloc[:top_n].sum() / total),
            "top1_share": float(s.iloc[0] / total), "gini": gini}


def tenure_bands(people: pd.DataFrame, edges: list[float], lang: str = "en") -> pd.DataFrame:
    """Sales by tenure: people, mean yearly sales rate and mean win rate per tenure band.

    ``people`` needs ``tenure_months``, ``sales_rate`` (sales per year while
    employed, so that a new hire's partial year is not held against them) and
    ``win_rate``; people without a hire date are left out.
    """
    known = people.loc[people["tenure_months"].notna()]
    bins = list(edges) + [math.inf]
    labels = []
    for lo, hi in zip(bins[:-1], bins[1:]):
        lo_t = _months_label(lo, lang)
        labels.append(f"{lo_t}+" if hi == math.inf else f"{lo_t}–{_months_label(hi, lang)}")
    band = pd.cut(known["tenure_months"], bins=bins, right=False, labels=labels)
    g = known.groupby(band, observed=False)
    out = pd.DataFrame({
        "people": g.size(),
        "mean_sales_rate": g["sales_rate"].mean(),
        "median_sales_rate": g["sales_rate"].median(),
        "mean_win_rate": g["win_rate"].mean(),
    })
    out.index.name = "tenure"
    return out.reset_index()


def _band_label(label: str, lang: str) -> str:
    """A tenure band's label (made in English by :func:`tenure_bands`) in ``lang``: ``1y–2y`` → ``1–2年``.

    >>> _band_label("6m–1y", "zh"), _band_label("3y+", "zh"), _band_label("0m–6m", "en")
    ('6个月–1年', '3年以上', '0–6 months')
    """
    def one(t: str, zh: bool) -> str:
        n, u = t[:-1], t[-1]
        if zh:
            return f"{n}个月" if u == "m" else f"{n}年"
        return f"{n} {'month' if u == 'm' else 'year'}" + ("" if n == "1" else "s")
    zh = lang == "zh"
    if label.endswith("+"):
        base = one(label[:-1], zh)
        return f"{base}以上" if zh else f"{base} or more"
    lo, hi = label.split("–")
    if not zh and lo[-1] == hi[-1]:
        return f"{lo[:-1]}–{one(hi, zh)}"
    return f"{one(lo, zh)}–{one(hi, zh)}"


def _months_label(m: float, lang: str) -> str:
    if m >= 12 and m % 12 == 0:
        return tr(lang, f"{int(m // 12)}年", f"{int(m // 12)}y")
    return tr(lang, f"{int(m)}个月", f"{int(m)}m")


def assign_needs(people: pd.DataFrame, *, win_line: float | None, coverage_line: float | None,
                 new_hire_months: float, order: list[str], overdue_alert: float | None = None,
                 role_model_attainment: float | None = None) -> pd.Series:
    """The need of each salesperson (a key of ``team.needs``), decided in ``order``.

    ``people`` needs ``annual_sales``, ``above_mean``, ``tenure_months``,
    ``win_rate_judged`` (win rate, NaN when not judged) and ``coverage``
    (NaN when not available).  A missing measure is "not judged": it neither
    flags nor blocks a group.  ``left`` (optional, bool) marks people who left
    before the end of the period; ``attainment`` (optional) is quota attainment,
    ``closed`` (optional) the deals closed in the period and ``overdue_share``
    (optional) the share of the open amount past its expected close.

    In the default order: left → departed; new and not above the average →
    ramp-up; ahead of quota (attainment ≥ ``role_model_attainment``; without a
    quota: above the average) with a win rate not below the line → role model;
    pipeline low and win rate low (or no deal closed at all), not above the
    average → performance plan; win rate low, or at least ``overdue_alert`` of
    the open amount overdue → deal coaching; pipeline low → prospecting;
    everyone else → on track.  :func:`need_reasons` says why, person by person.

    >>> people = pd.DataFrame({"above_mean": [False, True, False, True, True, False],
    ...     "tenure_months": [40, 50, 60, 5, 30, 30], "win_rate_judged": [0.1, 0.2, 0.5, None, 0.6, 0.5],
    ...     "coverage": [1.0, 5.0, 1.0, 4.0, 1.0, 4.0], "attainment": [0.5, 1.1, 0.6, 0.9, 1.2, 0.9],
    ...     "overdue_share": [0.0, 0.0, 0.0, 0.0, 0.0, 0.4]})
    >>> assign_needs(people, win_line=0.33, coverage_line=3.0, new_hire_months=12, overdue_alert=0.25,
    ...              role_model_attainment=1.0,
    ...              order=["departed", "ramp_up", "role_model", "performance_plan", "deal_coaching", "prospecting",
    ...                     "on_track"]).tolist()
    ['performance_plan', 'deal_coaching', 'prospecting', 'on_track', 'role_model', 'deal_coaching']
    """
    idx = people.index
    low_win = people["win_rate_judged"].lt(win_line) if win_line is not None else pd.Series(False, index=idx)
    low_cov = people["coverage"].lt(coverage_line) if coverage_line is not None else pd.Series(False, index=idx)
    above = people["above_mean"].astype(bool)
    new = people["tenure_months"].lt(new_hire_months).fillna(False).astype(bool)
    # Each rule applies to those not yet placed by an earlier one.
    left = people["left"].fillna(False).astype(bool) if "left" in people else pd.Series(False, index=idx)
    none_closed = people["closed"].eq(0) if "closed" in people else pd.Series(False, index=idx)
    late = (people["overdue_share"].ge(overdue_alert).fillna(False).astype(bool)
            if overdue_alert is not None and "overdue_share" in people else pd.Series(False, index=idx))
    ahead = above
    if role_model_attainment is not None and "attainment" in people:
        att = people["attainment"].astype(float)
        ahead = att.ge(role_model_attainment).where(att.notna(), above).astype(bool)
    rules = {
        "departed": left,
        "ramp_up": new & ~above,
        "role_model": ahead & ~low_win.fillna(False).astype(bool),
        "performance_plan": low_cov & (low_win | none_closed) & ~above,
        "deal_coaching": low_win | late,
        "prospecting": low_cov,
        "on_track": pd.Series(True, index=idx),
    }
    need = pd.Series(pd.NA, index=people.index, dtype="object")
    for key in order:
        mask = rules.get(key)
        if mask is None:
            raise ValueError(f"team.needs has an unknown group {key!r}; known: {', '.join(rules)}")
        need = need.where(need.notna() | ~mask.fillna(False).astype(bool), key)
    return need.fillna("on_track").astype(str)


def need_reasons(people: pd.DataFrame, lines: dict[str, Any], lang: str = "zh") -> pd.Series:
    """Why each salesperson is in their group, in a sentence with their own numbers.

    ``people`` as for :func:`assign_needs`, with its ``need`` column (and ``leave_date``,
    ``won``, ``lost`` where known); ``lines``: ``win_rate``, ``pipeline_coverage``,
    ``new_hire_months``, ``min_closed_deals``, ``overdue_alert``, ``role_model_attainment``.
    What the group's rule looked at comes first; a second concern that did not decide the
    group is added after "also" (a role model whose pipeline is below the line, say).

    >>> p = pd.DataFrame({"need": ["role_model"], "attainment": [1.23], "win_rate": [0.62], "win_rate_judged": [0.62],
    ...                   "won": [5], "lost": [3], "coverage": [1.2], "overdue_share": [0.0], "closed": [8]})
    >>> need_reasons(p, {"win_rate": 0.33, "pipeline_coverage": 3.0}, "en").iloc[0]
    'quota attainment 123%, win rate 62% (5 won, 3 lost; line 33%); also: pipeline 1.2× the yearly target, below the 3× line: next year needs new deals'
    """
    win_line, cov_line = lines.get("win_rate"), lines.get("pipeline_coverage")
    overdue_alert = lines.get("overdue_alert")
    z = lang != "en"

    def col(name: str, i: Any) -> Any:
        return people.at[i, name] if name in people.columns else None

    def num(v: Any) -> float | None:
        return None if v is None or pd.isna(v) else float(v)

    def win_text(i: Any) -> str:
        w = num(col("win_rate", i))
        if w is None:
            return "期内没有成交（赢单或丢单）的机会" if z else "no deal won or lost in the period"
        won, lost = int(col("won", i) or 0), int(col("lost", i) or 0)
        judged = num(col("win_rate_judged", i)) is not None
        line = f"，线 {fmt_pct(win_line)}" if z and win_line is not None else (
            f"; line {fmt_pct(win_line)}" if win_line is not None else "")
        few = "" if judged else ("，单数太少，不评判" if z else "; too few to judge")
        return (f"赢率 {fmt_pct(w)}（赢 {won} 丢 {lost}{line}{few}）" if z
                else f"win rate {fmt_pct(w)} ({won} won, {lost} lost{line}{few})")

    def cov_text(i: Any) -> str:
        c = num(col("coverage", i))
        if c is None:
            return ""
        lang_ = "zh" if z else "en"
        cl = fmt_times(cov_line, lang_) if cov_line is not None else ""
        line = (f"，低于 {cl} 线" if z else f", below the {cl} line") \
            if cov_line is not None and c < cov_line else (
            (f"，达到 {cl} 线" if z else f", at or above the {cl} line") if cov_line is not None else "")
        return (f"储备为年度目标的 {fmt_times(c, lang_)}{line}" if z
                else f"pipeline {fmt_times(c, lang_)} the yearly target{line}")

    def late_text(i: Any) -> str:
        sh = num(col("overdue_share", i))
        if sh is None or overdue_alert is None or sh < overdue_alert:
            return ""
        n = int(col("overdue_deals", i) or 0)
        return (f"{n} 个机会已过预计成交日期，占在跟金额 {fmt_pct(sh)}（提示线 {fmt_pct(overdue_alert)}）：进程被客户牵着走"
                if z else f"{n} deal{'s' if n != 1 else ''} past the expected close, {fmt_pct(sh)} of the open amount "
                f"(alert line {fmt_pct(overdue_alert)}): the deals follow the customer's pace, not the rep's")

    def att_text(i: Any) -> str:
        a = num(col("attainment", i))
        if a is None:
            return "销售额高于团队平均" if z else "sales above the team average"
        return f"完成指标 {fmt_pct(a)}" if z else f"quota attainment {fmt_pct(a)}"

    def low_cov(i: Any) -> bool:
        c = num(col("coverage", i))
        return c is not None and cov_line is not None and c < cov_line

    sep = "；" if z else "; "
    also = "另：" if z else "also: "
    out = []
    for i in people.index:
        need = people.at[i, "need"]
        if need == "departed":
            d = col("leave_date", i)
            when = "" if d is None or pd.isna(d) else pd.Timestamp(d).date().isoformat()
            parts = [f"{when} 离职" if z else f"left on {when}"]
        elif need == "ramp_up":
            m = num(col("tenure_months", i))
            parts = [(f"入职 {m:.0f} 个月（不满 {lines.get('new_hire_months')} 个月），销售额未超过团队平均" if z
                      else f"hired {m:.0f} months ago (under {lines.get('new_hire_months')}), sales not above the "
                      "team average") if m is not None else ("新入职" if z else "newly hired")]
        elif need == "role_model":
            parts = [att_text(i) + ("，" if z else ", ") + win_text(i)]
            extra = [t for t in ((cov_text(i) + ("：明年的业绩需要新的机会" if z else ": next year needs new deals"))
                                 if low_cov(i) else "", late_text(i)) if t]
            if extra:
                parts.append(also + sep.join(extra))
        elif need == "performance_plan":
            parts = [cov_text(i), win_text(i)]
        elif need == "deal_coaching":
            w = num(col("win_rate_judged", i))
            low = w is not None and win_line is not None and w < win_line
            parts = [t for t in ((win_text(i) if low else ""), late_text(i)) if t]
            if not low:
                parts.append(win_text(i))
        elif need == "prospecting":
            parts = [cov_text(i), win_text(i)]
        else:
            parts = [t for t in (win_text(i), cov_text(i)) if t]
        out.append(sep.join(t for t in parts if t))
    return pd.Series(out, index=people.index, dtype="object")


# ---------------------------------------------------------------------------
# The result
# ---------------------------------------------------------------------------
@dataclass
class Finding:
    """One finding for a sales leader, pointing to a dimension of layer 4."""

    key: str
    dimension: str
    zh: str
    en: str
    value: float | None = None
    people: list[str] = field(default_factory=list)

    def text(self, lang: str = "zh") -> str:
        return tr(lang, self.zh, self.en)

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "dimension": self.dimension, "zh": self.zh, "en": self.en,
                "value": jsonable(self.value), "people": list(self.people)}


@dataclass
class TeamResult:
    """What :func:`team_analysis` returns.

    Attributes
    ----------
    people
        One row per salesperson: ``salesperson``, ``team``, ``hire_date``,
        ``leave_date``, ``left`` (before the period's end), ``tenure_months``
        (at the period's end or the leave date), ``active_share`` (of the
        period employed), ``sales``, ``annual_sales`` (sales ÷ period years),
        ``sales_rate`` (sales per year employed), ``above_mean``, ``quota``,
        ``quota_period``, ``attainment``, ``won``, ``lost``,
        ``closed``, ``win_rate``, ``win_rate_judged``, ``open_deals``,
        ``pipeline``, ``weighted_pipeline``, ``overdue_deals``,
        ``overdue_amount``, ``overdue_share``, ``target``, ``coverage``,
        ``need``, ``dimension``, ``reason_zh``, ``reason_en`` (why the
        person is in their group, with their numbers); sorted by sales,
        highest first.
    summary
        Team figures: ``salespeople``, ``total_sales``, ``mean_annual_sales``,
        ``median_annual_sales``, ``above_mean``, ``share_above_mean``
        (indicator 9), ``top_n``, ``top_share``, ``top1_share``, ``gini``,
        ``with_quota``, ``at_quota``, ``team_win_rate``, ``pipeline``, ...
    ramp
        Sales by tenure band (see :func:`tenure_bands`).
    findings
        :class:`Finding` list, each with its dimension.
    """

    client_name: str
    period: Period
    industry: str
    people: pd.DataFrame
    summary: dict[str, Any]
    ramp: pd.DataFrame
    findings: list[Finding]
    lines: dict[str, Any]
    sources: dict[str, str]
    notes: list[str]
    config: dict[str, Any]

    # -- views -----------------------------------------------------------
    def groups(self, lang: str = "zh") -> pd.DataFrame:
        """The groups by need (only non-empty ones): name, dimension, advice, who."""
        dims = {d["key"]: d for d in self.config["dimensions"]}
        rows = []
        for n in self.config["needs"]:
            who = self.people.loc[self.people["need"] == n["key"], "salesperson"].tolist()
            if not who:
                continue
            d = dims[n["dimension"]]
            rows.append({"need": n["key"], tr(lang, "分组", "Group"): tr(lang, n["zh"], n["en"]),
                         tr(lang, "维度", "Dimension"): tr(lang, d["zh"], d["en"]),
                         tr(lang, "人数", "People"): len(who),
                         tr(lang, "销售人员", "Salespeople"): tr(lang, "、", ", ").join(who),
                         tr(lang, "建议", "What they need"): tr(lang, n["advice_zh"], n["advice_en"])})
        group = tr(lang, "分组", "Group")
        out = pd.DataFrame(rows, columns=["need", group, tr(lang, "维度", "Dimension"), tr(lang, "人数", "People"),
                                          tr(lang, "销售人员", "Salespeople"), tr(lang, "建议", "What they need")])
        return out.set_index(group)

    def ramp_frame(self, lang: str = "zh") -> pd.DataFrame:
        """Sales by tenure for readers (:attr:`ramp` holds the numbers): indexed by the tenure band, the
        number of people, the mean and median yearly sales rate and the mean win rate."""
        r = self.ramp
        out = pd.DataFrame({
            tr(lang, "人数", "People"): r["people"].map(fmt_num).tolist(),
            tr(lang, "平均年销售额", "Mean annual sales"): r["mean_sales_rate"].map(lambda x: fmt_rmb(x, lang)).tolist(),
            tr(lang, "年销售额中位数", "Median annual sales"):
                r["median_sales_rate"].map(lambda x: fmt_rmb(x, lang)).tolist(),
            tr(lang, "平均赢率", "Mean win rate"): r["mean_win_rate"].map(fmt_pct).tolist(),
        }, index=pd.Index([_band_label(str(b), lang) for b in r["tenure"]], name=tr(lang, "司龄", "Tenure")))
        return out

    def table(self, lang: str = "zh") -> pd.DataFrame:
        """The per-person table for display, with bilingual headers and formatted numbers."""
        need_names = {n["key"]: tr(lang, n["zh"], n["en"]) for n in self.config["needs"]}
        p = self.people
        out = pd.DataFrame({
            tr(lang, "年销售额", "Annual sales"): p["annual_sales"].map(lambda x: fmt_rmb(x, lang)),
            tr(lang, "高于平均", "Above mean"): p["above_mean"].map(lambda b: "✓" if b else ""),
            tr(lang, "指标完成率", "Quota attainment"): p["attainment"].map(fmt_pct),
            tr(lang, "赢率", "Win rate"): [fmt_pct(w) + ("" if j or pd.isna(w) else "*")
                                          for w, j in zip(p["win_rate"], p["win_rate_judged"].notna())],
            tr(lang, "储备机会", "Pipeline"): p["pipeline"].map(lambda x: fmt_rmb(x, lang)),
            tr(lang, "覆盖倍数", "Coverage"): p["coverage"].map(lambda x: fmt_times(x, lang)),
            tr(lang, "需要", "Needs"): p["need"].map(need_names),
            tr(lang, "理由", "Why"): p["reason_zh"] if lang != "en" else p["reason_en"],
        })
        out.index = pd.Index(p["salesperson"], name=tr(lang, "销售人员", "Salesperson"))
        return out

    def findings_frame(self, lang: str = "zh") -> pd.DataFrame:
        dims = {d["key"]: tr(lang, d["zh"], d["en"]) for d in self.config["dimensions"]}
        out = pd.DataFrame([{tr(lang, "维度", "Dimension"): dims.get(f.dimension, f.dimension),
                             tr(lang, "发现", "Finding"): f.text(lang)} for f in self.findings],
                           columns=[tr(lang, "维度", "Dimension"), tr(lang, "发现", "Finding")])
        return display_table(out)

    def summary_text(self, lang: str = "zh") -> str:
        """Two or three sentences for a sales leader (Markdown)."""
        s = self.summary
        line = self.lines.get("reps_above_mean")
        if s["salespeople"] < self.lines.get("min_salespeople", 1):
            line = None  # too few people for indicator 9: its line is not shown
        parts = [tr(
            lang,
            f"{self.period.label} 共 {s['salespeople']} 名销售人员，人均年销售额 {fmt_rmb(s['mean_annual_sales'], lang)}；"
            f"{s['above_mean']} 人（{fmt_pct(s['share_above_mean'])}）高于平均"
            + (f"（及格线 {fmt_pct(line)}）" if line is not None else "") + "。",
            f"In {self.period.label}, {s['salespeople']} salespeople sold {fmt_rmb(s['mean_annual_sales'], lang)} "
            f"a year on average; {s['above_mean']} ({fmt_pct(s['share_above_mean'])}) are above the average"
            + (f" (pass line {fmt_pct(line)})" if line is not None else "") + ".",
        )]
        if not math.isnan(s.get("top_share", math.nan)):
            parts.append(tr(
                lang,
                f"销售额最高的 {s['top_n']} 人贡献了 {fmt_pct(s['top_share'])} 的销售额。",
                f"The top {s['top_n']} {'person makes' if s['top_n'] == 1 else 'people make'} "
                f"{fmt_pct(s['top_share'])} of sales.",
            ))
        return " ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        """Everything as JSON-ready data."""
        people = self.people.copy()
        for col in ("hire_date", "leave_date"):
            if col in people:
                people[col] = people[col].map(lambda d: None if pd.isna(d) else pd.Timestamp(d).date().isoformat())
        people = people.astype(object).where(people.notna(), None)
        people = people.map(lambda v: v.item() if hasattr(v, "item") else v)
        ramp = self.ramp.copy()
        ramp["tenure"] = ramp["tenure"].astype(str)
        ramp = ramp.astype(object).where(ramp.notna(), None)
        return {
            "client": self.client_name, "period": self.period.to_dict(), "industry": self.industry,
            "summary": jsonable(self.summary),
            "people": people.to_dict("records"), "ramp": ramp.to_dict("records"),
            "groups": {n["key"]: self.people.loc[self.people["need"] == n["key"], "salesperson"].tolist()
                       for n in self.config["needs"]},
            "findings": [f.to_dict() for f in self.findings], "lines": self.lines, "sources": self.sources,
            "notes": list(self.notes),
        }


# ---------------------------------------------------------------------------
# The analysis
# ---------------------------------------------------------------------------
def team_analysis(client: Client, period: str | Period | None = None, industry: str | None = None) -> TeamResult:
    """The team analysis of layer 4 for a client and period.

    Parameters
    ----------
    client
        Uses ``revenue`` (``date``, ``amount``, ``salesperson``) or, without a
        salesperson on revenue, won ``opportunities``; ``opportunities``
        (``owner``, ``status``, ``stage``, ``amount``, ``closed_date``,
        ``expected_close``, ``win_rate_override``) for win rate and
        pipeline; ``salespeople`` (``salesperson``, ``team``, ``hire_date``,
        ``leave_date``, ``quota``) for tenure and quotas.  Each is optional
        except some source of sales; what is missing is reported in ``notes``.
    period
        ``"2024"``, a :class:`~kalib.Period`... (default: the client's period).
    industry
        Whose lines apply (default: the client's).

    Returns
    -------
    TeamResult
    """
    cfg = _team_cfg(client)
    p = client.period(period)
    ind = industry or client.industry
    win_line, cov_line = _lines(client, ind)
    notes: list[str] = []
    sources: dict[str, str] = {}

    sales, sources["sales"], more = sales_by_person(client, p)
    notes += more
    names = client.salespeople(p)
    names = pd.Series(names, dtype="str")
    if len(names) == 0:
        names = pd.Series(sales.index, dtype="str")
    if client.has("salespeople"):
        outside = sales.loc[~sales.index.isin(set(names))]
        if len(outside):
            notes.append(f"sales by {len(outside)} people not in the salespeople table for the period "
                         f"({', '.join(map(str, outside.index[:5]))}{'...' if len(outside) > 5 else ''}): "
                         f"{outside.sum():,.0f} RMB, left out of per-person figures")
    people = pd.DataFrame({"salesperson": names.drop_duplicates().to_numpy()})
    if len(people) == 0:
        raise MissingData(f"no salespeople found for {p.label}: give a salespeople table, or a salesperson on revenue",
                          zh=f"{p.label} 找不到销售人员：请提供销售人员表，或在收入明细中填写销售人员。")
    people["sales"] = people["salesperson"].map(sales).fillna(0.0).astype(float)
    people["annual_sales"] = people["sales"] / p.years
    mean_sales = float(people["sales"].mean())
    people["above_mean"] = above_mean(people["sales"])

    # Salespeople table: team, tenure, quota.
    if client.has("salespeople"):
        sp = client.tables["salespeople"].drop_duplicates("salesperson").set_index("salesperson")
        sources["salespeople"] = "salespeople table"
    else:
        sp = pd.DataFrame(index=pd.Index([], name="salesperson"))
        notes.append("no salespeople table: tenure, teams and quotas are not available")
    for col in ("team", "hire_date", "leave_date", "quota"):
        people[col] = people["salesperson"].map(sp[col]) if col in sp.columns else pd.NA
    people["hire_date"] = pd.to_datetime(people["hire_date"])
    people["leave_date"] = pd.to_datetime(people["leave_date"])
    people["quota"] = pd.to_numeric(people["quota"], errors="coerce").astype(float)
    end = people["leave_date"].where(people["leave_date"] < p.end, p.end).fillna(p.end)
    people["tenure_months"] = ((end - people["hire_date"]).dt.days / 30.4375).astype(float)
    start = people["hire_date"].where(people["hire_date"] > p.start, p.start).fillna(p.start)
    active_days = ((end - start).dt.days + 1).clip(lower=0).astype(float)
    people["active_share"] = active_days / p.days
    people["left"] = people["leave_date"].notna() & (people["leave_date"] < p.end)
    people["sales_rate"] = (people["sales"] / (p.years * people["active_share"])).where(people["active_share"] > 0)
    people["quota_period"] = people["quota"] * p.years * people["active_share"]
    people["attainment"] = (people["sales"] / people["quota_period"]).where(people["quota_period"] > 0)

    # Opportunities: win rate, pipeline.
    if client.has("opportunities"):
        stats = opportunity_stats(client, p)
        sources["opportunities"] = "opportunities table"
        for col in stats.columns:
            people[col] = people["salesperson"].map(stats[col])
        for col in ("won", "lost", "closed", "open_deals", "overdue_deals"):
            people[col] = people[col].fillna(0).astype(int)
        for col in ("pipeline", "weighted_pipeline", "overdue_amount"):
            people[col] = people[col].fillna(0.0).astype(float)
        people["overdue_share"] = people["overdue_share"].astype(float)
        people["win_rate"] = people["win_rate"].astype(float)
        people["win_rate_judged"] = people["win_rate"].where(people["closed"] >= cfg["min_closed_deals"])
    else:
        notes.append("no opportunities table: win rate and pipeline per salesperson are not available")
        for col in ("won", "lost", "closed", "open_deals", "overdue_deals"):
            people[col] = pd.array([pd.NA] * len(people), dtype="Int64")
        for col in ("win_rate", "win_rate_judged", "pipeline", "weighted_pipeline", "overdue_amount", "overdue_share"):
            people[col] = math.nan

    # Each person's annual target for pipeline coverage.
    n = len(people)
    if people["quota"].notna().any():
        basis = "quota"
    elif client.meta.sales_target:
        basis = "sales target / salespeople"
    else:
        basis = "team mean annual sales"
    shared = (client.meta.sales_target / n) if client.meta.sales_target else float(people["annual_sales"].mean())
    people["target"] = people["quota"].fillna(shared) if basis == "quota" else shared
    people["target"] = people["target"].astype(float)
    people["coverage"] = (people["pipeline"] / people["target"]).where(people["target"] > 0)
    sources["target"] = basis

    order = [x["key"] for x in cfg["needs"]]
    people["need"] = assign_needs(people, win_line=win_line, coverage_line=cov_line,
                                  new_hire_months=cfg["new_hire_months"], order=order,
                                  overdue_alert=cfg.get("overdue_alert"),
                                  role_model_attainment=cfg.get("role_model_attainment"))
    dim_of = {x["key"]: x["dimension"] for x in cfg["needs"]}
    people["dimension"] = people["need"].map(dim_of)
    lines_now = {"win_rate": win_line, "pipeline_coverage": cov_line, "new_hire_months": cfg["new_hire_months"],
                 "min_closed_deals": cfg["min_closed_deals"], "overdue_alert": cfg.get("overdue_alert"),
                 "role_model_attainment": cfg.get("role_model_attainment")}
    people["reason_zh"] = need_reasons(people, lines_now, "zh")
    people["reason_en"] = need_reasons(people, lines_now, "en")
    people = people.sort_values(["sales", "salesperson"], ascending=[False, True]).reset_index(drop=True)

    conc = concentration(people["sales"], cfg["top_fraction"])
    with_quota = people["quota_period"].notna() & (people["quota_period"] > 0)
    closed_total = people["closed"].sum() if client.has("opportunities") else 0
    summary: dict[str, Any] = {
        "salespeople": int(n),
        "total_sales": float(people["sales"].sum()),
        "mean_sales": mean_sales,
        "mean_annual_sales": float(people["annual_sales"].mean()),
        "median_annual_sales": float(people["annual_sales"].median()),
        "above_mean": int(people["above_mean"].sum()),
        "share_above_mean": float(people["above_mean"].mean()),
        **conc,
        "with_quota": int(with_quota.sum()),
        "at_quota": int((people.loc[with_quota, "attainment"] >= 1).sum()),
        "team_win_rate": float(people["won"].sum() / closed_total) if closed_total else math.nan,
        "pipeline": float(people["pipeline"].sum()) if client.has("opportunities") else math.nan,
        "new_hires": int((people["tenure_months"].lt(cfg["new_hire_months"]) & ~people["left"]).sum()),
        "left": int(people["left"].sum()),
    }
    ramp = tenure_bands(people, cfg["tenure_bands_months"], "en")
    lines = {"win_rate": win_line, "pipeline_coverage": cov_line,
             "reps_above_mean": INDICATORS["reps_above_mean"].lines(client.config, ind)["pass"],
             "min_salespeople": int(INDICATORS["reps_above_mean"].definition(client.config).get("confidence", {})
                                    .get("min_salespeople", 1)),
             "sales_per_rep": INDICATORS["sales_per_rep"].lines(client.config, ind)["pass"],
             "concentration_alert": cfg["concentration_alert"], "top_fraction": cfg["top_fraction"],
             "min_closed_deals": cfg["min_closed_deals"], "new_hire_months": cfg["new_hire_months"],
             "overdue_alert": cfg.get("overdue_alert"), "role_model_attainment": cfg.get("role_model_attainment")}
    result = TeamResult(client.name, p, ind, people, summary, ramp, [], lines, sources, notes, cfg)
    result.findings = _findings(result)
    return result


def _findings(t: TeamResult) -> list[Finding]:
    """Findings for a sales leader, each pointing to a dimension of layer 4."""
    s, L, p = t.summary, t.lines, t.people
    out: list[Finding] = []
    # Indicator 9 (spread).
    line9 = L["reps_above_mean"]
    least = L.get("min_salespeople", 1)
    if line9 is not None and s["salespeople"] < least:
        out.append(Finding(
            "spread", "leadership",
            f"只有 {s['salespeople']} 名销售人员（至少 {least} 名才能看出分布）：指标9不适用。",
            f"Only {s['salespeople']} salesperson(s) (at least {least} are needed to see a spread): indicator 9 "
            "does not apply.", None))
    elif line9 is not None:
        ok = s["share_above_mean"] >= line9
        out.append(Finding(
            "spread", "leadership",
            f"{fmt_pct(s['share_above_mean'])} 的销售人员高于平均（及格线 {fmt_pct(line9)}）："
            + ("业绩分布较均衡，团队能力不只靠少数人。" if ok else "业绩靠少数人撑起；把冠军的打法变成团队的打法。"),
            f"{fmt_pct(s['share_above_mean'])} of salespeople are above the average (pass line {fmt_pct(line9)}): "
            + ("sales are spread evenly; the team does not rest on a few people." if ok
               else "a few people carry the team; turn the champions' way of selling into the team's."),
            s["share_above_mean"]))
    # Concentration.
    if not math.isnan(s["top_share"]) and s["salespeople"] >= 3 and s["top_share"] > L["concentration_alert"]:
        top = p["salesperson"].head(s["top_n"]).tolist()
        out.append(Finding(
            "concentration", "leadership",
            f"销售额最高的 {s['top_n']} 人贡献了 {fmt_pct(s['top_share'])} 的销售额（提示线 {fmt_pct(L['concentration_alert'])}）："
            "他们一旦离开风险很大；安排他们带教并共享客户关系。",
            f"The top {s['top_n']} make {fmt_pct(s['top_share'])} of sales (alert line {fmt_pct(L['concentration_alert'])}): "
            "a large risk if they leave; have them coach others and share key-account relationships.",
            s["top_share"], top))
    # Indicator 7 (productivity).
    line7 = L["sales_per_rep"]
    if line7:
        ok = s["mean_annual_sales"] >= line7
        out.append(Finding(
            "productivity", "support",
            f"人均年销售额 {fmt_rmb(s['mean_annual_sales'], 'zh')}（及格线 {fmt_rmb(line7, 'zh')}）"
            + ("，达标。" if ok else "，未达标：检查客户分配、线索和工具是否让销售把时间花在大客户上。"),
            f"Annual sales per salesperson {fmt_rmb(s['mean_annual_sales'], 'en')} (pass line {fmt_rmb(line7, 'en')})"
            + (", passed." if ok else ": below; check that account assignment, leads and tools let salespeople "
               "spend their time on key accounts."),
            s["mean_annual_sales"]))
    # Quotas.
    if s["with_quota"]:
        share = s["at_quota"] / s["with_quota"]
        out.append(Finding(
            "quota", "support",
            f"{s['with_quota']} 名有指标的销售中 {s['at_quota']} 人完成指标（{fmt_pct(share)}）"
            + ("。" if share >= 0.5 else "：指标可能定得脱离实际，或支持不足。"),
            f"{s['at_quota']} of {s['with_quota']} salespeople with a quota reached it ({fmt_pct(share)})"
            + ("." if share >= 0.5 else ": quotas may be out of touch, or support is lacking."),
            share))
    # Ramp-up (sales per year while employed, so a partial first year is fair).
    staying = p.loc[~p["left"]]
    new = staying.loc[staying["tenure_months"] < L["new_hire_months"]]
    seasoned = staying.loc[staying["tenure_months"] >= L["new_hire_months"]]
    if len(new) and len(seasoned) and seasoned["sales_rate"].mean() > 0:
        ratio = new["sales_rate"].mean() / seasoned["sales_rate"].mean()
        who_en = "salesperson" if len(new) == 1 else "salespeople"
        out.append(Finding(
            "ramp", "talent",
            f"入职不满 {L['new_hire_months']} 个月的 {len(new)} 人，在岗期间的年化销售额是老员工平均的 {fmt_pct(ratio)}：" +
            ("上手较快。" if ratio >= 0.5 else "上手期长；安排导师和大客户跟访。"),
            f"The {len(new)} {who_en} hired less than {L['new_hire_months']} months ago sell, per year employed, "
            f"{fmt_pct(ratio)} of what seasoned ones do: " + (
                "a quick ramp-up." if ratio >= 0.5 else "a long ramp-up; give them mentors and joint calls on key accounts."),
            ratio, new["salesperson"].tolist()))
    # Groups by need.
    dims = {d["key"]: d for d in t.config["dimensions"]}
    for n in t.config["needs"]:
        if n["key"] == "on_track":
            continue
        who = p.loc[p["need"] == n["key"], "salesperson"].tolist()
        if not who:
            continue
        out.append(Finding(
            f"need.{n['key']}", n["dimension"],
            f"{n['zh']}（{dims[n['dimension']]['zh']}）：{'、'.join(who)}。{n['advice_zh']}。",
            f"{n['en']} ({dims[n['dimension']]['en']}): {', '.join(who)}. {n['advice_en']}.",
            float(len(who)), who))
    # Team win rate.
    if not math.isnan(s["team_win_rate"]) and L["win_rate"] is not None:
        ok = s["team_win_rate"] >= L["win_rate"]
        judged = int(p["win_rate_judged"].notna().sum())
        out.append(Finding(
            "win_rate", "profession",
            f"团队赢率 {fmt_pct(s['team_win_rate'])}（及格线 {fmt_pct(L['win_rate'])}）；"
            f"{judged} 人的成交单数足够评判个人赢率（≥{L['min_closed_deals']} 单）。"
            + ("" if ok else "提升方法：用九大成功要素评估每一单，尽早 NoGo。"),
            f"Team win rate {fmt_pct(s['team_win_rate'])} (pass line {fmt_pct(L['win_rate'])}); {judged} "
            f"{'salesperson' if judged == 1 else 'salespeople'} closed enough deals (≥{L['min_closed_deals']}) to judge their own win rate."
            + ("" if ok else " To lift it: assess every deal on the nine success factors and say NoGo early."),
            s["team_win_rate"]))
    return out
