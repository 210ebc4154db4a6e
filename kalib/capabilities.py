"""What a client's tables allow: for every analysis, command and report section, whether it can run and, when
not, what it needs and what to add.

One rule per analysis (:data:`CAPABILITIES`), read by ``kalib check`` (its list of analyses), by every command
before it computes anything (:func:`require`: exit 2 with the reason), by the whole check
(:mod:`kalib.checkup`) and by the report runner (a section whose analysis cannot run is not executed: it is
rendered as "not available: needs …, add …").  So none of them can say an analysis is possible while another
refuses it.

A rule looks at which tables the client has (given or derived: revenue derived from won opportunities counts),
and where a command needs more than a table, at that too (the Monday review needs two snapshots; ``kalib deal``
without ``--opportunity`` needs an open deal with factor scores).  An analysis that runs with some of its parts
missing (the health check with some indicators "not available") is available; its own output says which parts
are missing.

Examples
--------
>>> import pandas as pd
>>> from kalib import Client
>>> rev = pd.DataFrame({"date": pd.to_datetime(["2024-03-01"]), "customer": ["甲"], "amount": [1e6]})
>>> c = Client.from_frames({"revenue": rev})
>>> capability(c, "accounts").ok, capability(c, "pipeline").ok
(True, False)
>>> print(capability(c, "pipeline").text("en"))
not available: needs the opportunities table (销售机会); add an export of the opportunities (deals) from your CRM
>>> require(c, "pipeline")
Traceback (most recent call last):
...
kalib.problems.MissingData: the win-rate model and dashboard (kalib pipeline) is not available: needs the opportunities table (销售机会); add an export of the opportunities (deals) from your CRM
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .client import Client, MissingData, Period
from .i18n import tr
from .schema import TABLES

__all__ = ["Capability", "Rule", "CAPABILITIES", "ADD_HINTS", "capability", "capabilities", "require", "needs_text"]

#: What to add for each table, (zh, en): the hint a "not available" message ends with.
ADD_HINTS: dict[str, tuple[str, str]] = {
    "revenue": ("添加收入明细（发票或销售明细的导出：日期、客户、金额），或带赢单的销售机会导出",
                "add the revenue lines (an export of invoices or sales lines: date, customer, amount), or an "
                "export of opportunities with won deals"),
    "opportunities": ("添加CRM中销售机会（商机）的导出", "add an export of the opportunities (deals) from your CRM"),
    "snapshots": ("每周一保存一份销售机会清单（加上快照日期列 snapshot_date）",
                  "save the opportunities list every Monday (with a snapshot_date column)"),
    "salespeople": ("添加销售人员名单（姓名、团队、入职日期、年度指标）",
                    "add a list of salespeople (name, team, hire date, yearly quota)"),
    "customers": ("添加客户清单（名称、规模、品类采购额估计）", "add a customer list (name, size, wallet estimate)"),
    "products": ("添加产品清单（名称、是否核心产品、标价）", "add a product list (name, core product flag, list price)"),
    "nps": ("添加NPS调查答卷（日期、客户、0–10分）", "add the NPS survey answers (date, customer, score 0-10)"),
    "deal_scores": ("为在跟机会按九大成功要素打分（要素评分表）",
                    "score the open deals on the nine success factors (the deal_scores table)"),
    "stakeholders": ("列出在跟机会的决策人（决策人表：角色、态度、关系）",
                     "list the decision makers of the open deals (the stakeholders table: role, attitude, relationship)"),
}


def _table_name(t: str, lang: str) -> str:
    return tr(lang, f"{TABLES[t].zh}表（{t}）", f"the {t} table ({TABLES[t].zh})")


@dataclass(frozen=True)
class Capability:
    """Whether one analysis can run on a client, and when not, what it needs and what to add.

    ``missing`` lists the tables that would make it possible (``any_of``: one of them is enough);
    ``needs_zh`` / ``needs_en`` say what it needs, ``add_zh`` / ``add_en`` what to do.
    """

    key: str
    zh: str
    en: str
    ok: bool
    missing: tuple[str, ...] = ()
    any_of: bool = False
    needs_zh: str = ""
    needs_en: str = ""
    add_zh: str = ""
    add_en: str = ""
    note_zh: str = ""
    note_en: str = ""
    command: str | None = None

    def name(self, lang: str = "en") -> str:
        return tr(lang, self.zh, self.en)

    def reason(self, lang: str = "en") -> str:
        """``needs …; add …`` in ``lang`` (empty when available)."""
        if self.ok:
            return ""
        return tr(lang, f"需要{self.needs_zh}；{self.add_zh}", f"needs {self.needs_en}; {self.add_en}")

    def text(self, lang: str = "en") -> str:
        """``not available: needs …; add …`` in ``lang`` (empty when available)."""
        if self.ok:
            return ""
        return tr(lang, "无法提供：", "not available: ") + self.reason(lang)

    def message(self, lang: str = "en") -> str:
        """The sentence a command stops with: the analysis, then :meth:`text`."""
        if lang == "zh":
            return self.zh + (f"（kalib {self.command}）" if self.command else "") + self.text("zh")
        return self.en + (f" (kalib {self.command})" if self.command else "") + f" is {self.text('en')}"

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "analysis": f"{self.en} {self.zh}", "name_en": self.en, "name_zh": self.zh,
                "possible": self.ok, "command": self.command,
                "missing": list(self.missing), "any_of": self.any_of,
                "needs_en": self.needs_en or None, "needs_zh": self.needs_zh or None,
                "add_en": self.add_en or None, "add_zh": self.add_zh or None,
                "note_en": self.note_en or None, "note_zh": self.note_zh or None}


@dataclass(frozen=True)
class Rule:
    """How to decide one capability: tables all needed, tables one of which is needed, then ``extra``
    (called only when the tables are there; returns None, or ``(needs_zh, needs_en, add_zh, add_en)``)."""

    key: str
    zh: str
    en: str
    needs: tuple[str, ...] = ()
    any_of: tuple[str, ...] = ()
    extra: Callable[[Client, Period | None], tuple[str, str, str, str] | None] | None = None
    command: str | None = None
    note_zh: str = ""
    note_en: str = ""


def _sales_source(c: Client) -> bool:
    """Whether sales can be attributed to salespeople: revenue with a salesperson, or opportunities."""
    r = c.tables.get("revenue")
    on_revenue = c.has("revenue") and "salesperson" in r.columns and bool(r["salesperson"].notna().any())
    return on_revenue or c.has("opportunities")


def _team_extra(c: Client, period: Period | None) -> tuple[str, str, str, str] | None:
    if not _sales_source(c):
        return ("收入表的销售员列，或销售机会表（用来知道每名销售人员的销售额）",
                "a salesperson column on revenue, or the opportunities table (to know each salesperson's sales)",
                tr("zh", *ADD_HINTS["opportunities"]) + "，或在收入明细中加上销售员列",
                tr("en", *ADD_HINTS["opportunities"]) + ", or a salesperson column in the revenue lines")
    from .team import sales_by_person

    per = c.period(period)
    if len(c.salespeople(per)) == 0 and len(sales_by_person(c, per)[0]) == 0:
        return (f"{per.label}期间的销售人员（销售人员表，或收入上的销售员）",
                f"salespeople in {per.label} (the salespeople table, or a salesperson on revenue)",
                tr("zh", *ADD_HINTS["salespeople"]), tr("en", *ADD_HINTS["salespeople"]))
    return None


def _review_extra(c: Client, period: Period | None) -> tuple[str, str, str, str] | None:
    from .review import snapshot_dates

    n = len(snapshot_dates(c))
    if n >= 2:
        return None
    return (f"截至{c.as_of.date()}至少两次机会快照（现有{n}次）",
            f"at least two snapshots of the opportunities up to {c.as_of.date()} (there {'is' if n == 1 else 'are'} {n})",
            tr("zh", *ADD_HINTS["snapshots"]), tr("en", *ADD_HINTS["snapshots"]))


def _calibration_extra(c: Client, period: Period | None) -> tuple[str, str, str, str] | None:
    from .review import snapshot_dates

    if snapshot_dates(c):
        return None
    return (f"截至{c.as_of.date()}的机会快照", f"snapshots of the opportunities up to {c.as_of.date()}",
            tr("zh", *ADD_HINTS["snapshots"]), tr("en", *ADD_HINTS["snapshots"]))


def _deal_extra(c: Client, period: Period | None) -> tuple[str, str, str, str] | None:
    from .deals import default_opportunity

    if default_opportunity(c) is not None:
        return None
    return ("一个有要素评分的在跟机会", "an open deal with factor scores",
            "为在跟机会打分，或用 --opportunity ID 指定一个机会",
            "score an open deal, or name one with --opportunity ID")


#: One rule per analysis, in the order ``kalib check`` lists them.
CAPABILITIES: tuple[Rule, ...] = (
    Rule("health", "十大健康指标", "the ten health indicators", any_of=("revenue", "opportunities", "nps"),
         command="health",
         note_zh="部分指标需要更多表或设置（见 kalib health）",
         note_en="some indicators need more tables or settings (see kalib health)"),
    Rule("accounts", "客户价值", "customer value", needs=("revenue",), command="accounts"),
    Rule("pipeline", "赢率模型与业绩仪表盘", "the win-rate model and dashboard", needs=("opportunities",),
         command="pipeline"),
    Rule("review", "周一盘点", "the Monday review", needs=("snapshots",), extra=_review_extra, command="review"),
    Rule("calibration", "赢率校准", "win-rate calibration", needs=("snapshots",), extra=_calibration_extra),
    Rule("deal", "单个机会评审", "one deal's review", needs=("deal_scores",), extra=_deal_extra, command="deal"),
    Rule("deals", "机会组合评审", "the deal portfolio", needs=("opportunities",),
         any_of=("deal_scores", "stakeholders"), command="deals"),
    Rule("team", "团队分析", "the team analysis", extra=_team_extra, command="team"),
)

_BY_KEY = {r.key: r for r in CAPABILITIES}


def needs_text(tables: list[str] | tuple[str, ...], lang: str, *, any_of: bool = False) -> str:
    """The tables named for people: ``the revenue table (收入) or the nps table (NPS调查)``."""
    joiner = tr(lang, "或", " or ") if any_of else tr(lang, "和", " and ")
    return joiner.join(_table_name(t, lang) for t in tables)


def _hints(tables: list[str] | tuple[str, ...], lang: str) -> str:
    return tr(lang, "；或", "; or ").join(tr(lang, *ADD_HINTS[t]) for t in tables)


def capability(client: Client, key: str, period: str | Period | None = None) -> Capability:
    """Whether the analysis ``key`` (see :data:`CAPABILITIES`) can run on ``client``, and if not why."""
    if key not in _BY_KEY:
        raise KeyError(f"no capability {key!r}; known: {', '.join(_BY_KEY)}")
    r = _BY_KEY[key]
    base = dict(key=r.key, zh=r.zh, en=r.en, command=r.command)
    missing = [t for t in r.needs if not client.has(t)]
    none_of = bool(r.any_of) and not any(client.has(t) for t in r.any_of)
    if missing and none_of:  # both: name all, e.g. opportunities and (deal_scores or stakeholders)
        nz = needs_text(missing, "zh") + "，以及" + needs_text(r.any_of, "zh", any_of=True)
        ne = needs_text(missing, "en") + ", and " + needs_text(r.any_of, "en", any_of=True)
        return Capability(**base, ok=False, missing=tuple(missing) + r.any_of, needs_zh=nz, needs_en=ne,
                          add_zh=_hints(missing, "zh") + "；并" + _hints(r.any_of, "zh"),
                          add_en=_hints(missing, "en") + "; and " + _hints(r.any_of, "en"))
    if missing:
        return Capability(**base, ok=False, missing=tuple(missing), needs_zh=needs_text(missing, "zh"),
                          needs_en=needs_text(missing, "en"), add_zh=_hints(missing, "zh"),
                          add_en=_hints(missing, "en"))
    if none_of:
        return Capability(**base, ok=False, missing=r.any_of, any_of=True,
                          needs_zh=needs_text(r.any_of, "zh", any_of=True),
                          needs_en=needs_text(r.any_of, "en", any_of=True),
                          add_zh=_hints(r.any_of, "zh"), add_en=_hints(r.any_of, "en"))
    if r.extra is not None:
        per = client.period(period) if not isinstance(period, Period) else period
        more = r.extra(client, per)
        if more is not None:
            nz, ne, az, ae = more
            return Capability(**base, ok=False, needs_zh=nz, needs_en=ne, add_zh=az, add_en=ae)
    return Capability(**base, ok=True, note_zh=r.note_zh, note_en=r.note_en)


def capabilities(client: Client, period: str | Period | None = None) -> list[Capability]:
    """Every analysis's :class:`Capability`, in the order of :data:`CAPABILITIES`."""
    return [capability(client, r.key, period) for r in CAPABILITIES]


def require(client: Client, key: str, period: str | Period | None = None, lang: str = "en") -> Capability:
    """The capability ``key``, or :class:`~kalib.client.MissingData` with what it needs and what to add."""
    cap = capability(client, key, period)
    if not cap.ok:
        raise MissingData(cap.message(lang), zh=cap.message("zh"))
    return cap

