"""The live deal review (交易评审): score the nine factors, edit the power map, see Go/NoGo.

:func:`deal_panel` returns a :class:`DealPanel` (an ``ipywidgets.VBox``):
pick one of the client's deals (or start a blank one), move the nine sliders
(0 = not scored), edit the stakeholders, and the verdict, reasons, red flags,
stage check, actions, factor profile and power map update.  All computing is
:func:`kalib.deals.evaluate_deal`; the panel only wires inputs to it.

For tests and scripts the parts are attributes: ``deal`` (Dropdown),
``stage`` (Dropdown), ``sliders`` (factor key -> IntSlider), ``people``
(list of :class:`PersonRow`), ``add_person`` (Button), ``view`` (map view
toggle), ``verdict`` and ``details`` (HTML), ``profile_image`` and
``map_image`` (Image), ``errors`` (HTML) and ``evaluation`` (the latest
:class:`kalib.deals.DealEvaluation`).  Each change refreshes the result; to
change several inputs with one refresh use ``with panel.hold(): ...`` or
:meth:`DealPanel.set_scores`.

Examples
--------
>>> panel = deal_panel(None, lang="en")
>>> panel.evaluation.verdict
'not_evaluated'
>>> panel.set_scores({k: 4 for k in panel.sliders})
>>> panel.evaluation.verdict, "Go" in panel.verdict.value
('go', True)
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import html
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from ..config import Config, default_config
from ..deals import (
    FACTOR_KEYS,
    FACTOR_NAMES,
    DealEvaluation,
    deal_rows,
    deals_section,
    default_opportunity,
    evaluate_deal,
    score_text,
)
from ..i18n import fmt_pct, fmt_rmb, tr
from ..client import Client
from . import PanelBase, error_area, figure_png, guarded

__all__ = ["deal_panel", "DealPanel", "MyDealPanel", "my_deal_panel", "PersonRow", "evaluation_html"]

VERDICT_COLOURS = {"go": "#1e8449", "review": "#b7950b", "nogo": "#c0392b", "not_evaluated": "#757575"}


def _e(x: Any) -> str:
    return html.escape(str(x))


def evaluation_html(ev: DealEvaluation, lang: str = "zh") -> tuple[str, str]:
    """The verdict banner and the details of an evaluation, as two HTML strings."""
    d = deals_section(ev.config)
    colour = VERDICT_COLOURS[ev.verdict]
    sc = tr(lang, "未评估", "not evaluated") if ev.score is None else f"{score_text(ev.score)}/100"
    reasons = "".join(f"<li>{_e(tr(lang, *r))}</li>" for r in ev.reasons)
    banner = (
        f'<div class="kalib-verdict" style="border-left:8px solid {colour};padding:6px 12px;background:#fafafa">'
        f'<div style="font-size:20px;font-weight:bold;color:{colour}">{_e(ev.verdict_label(lang))}'
        f' <span style="font-size:14px;color:#333">· {_e(tr(lang, "得分", "score"))} {_e(sc)}'
        f' · {_e(tr(lang, f"已评 {ev.scored}/9", f"{ev.scored}/9 scored"))}</span></div>'
        f'<ul style="margin:4px 0 0 0">{reasons}</ul></div>'
    )
    parts = []
    if ev.evaluated:
        parts.append(f"<p>{_e(ev.gate.text(lang))}</p>")
        tas_q = d["tas"]["questions"]
        cells = "".join(f"<td style='padding:2px 8px'>{_e(tas_q[q][lang])}<br><b>{'–' if v is None else f'{v:.1f}'}</b></td>"
                        for q, v in ev.tas.items())
        parts.append(f"<p><b>{_e(tr(lang, 'TAS 四问', 'TAS four questions'))}</b></p><table><tr>{cells}</tr></table>")
    sev = d["severities"]
    if ev.flags:
        items = "".join(
            f"<li><b style='color:{'#c0392b' if f.severity == 'serious' else '#b7950b'}'>[{_e(sev[f.severity][lang])}]</b> "
            f"{_e(f.text(lang))}<br><span style='color:#555'>{_e(f.why(lang))}</span></li>" for f in ev.flags)
        parts.append(f"<p><b>{_e(tr(lang, '危险信号', 'Red flags'))}</b></p><ul>{items}</ul>")
    elif ev.evaluated:
        parts.append(f"<p>{_e(tr(lang, '没有危险信号。', 'No red flags.'))}</p>")
    parts.append(f"<p><b>{_e(tr(lang, '八步检查', 'Eight-step check'))}</b>: {_e(ev.stage.text(lang, ev.config))}</p>")
    pm = ev.power_map
    if pm.evaluated:
        sym = {"ok": "✓", "fail": "✗", "unknown": "?"}
        from ..powermap import CHECK_NAMES

        rows = "".join(f"<li>{sym[c.status]} {_e(tr(lang, *CHECK_NAMES.get(k, (k, k))))}: {_e(c.text(lang))}</li>"
                       for k, c in pm.checks.items())
        parts.append(f"<p><b>{_e(tr(lang, '决策权力图检查', 'Power-map checks'))}</b></p><ul>{rows}</ul>")
        styles = d["power_map"]["styles"]
        dms = pm.people[pm.people["role"] == "decision_maker"]
        for _, r in dms.iterrows():
            if r["style"] in styles:
                s = styles[r["style"]]
                parts.append(f"<p>{_e(tr(lang, f'决策者 {r.person} 是{s[lang]}：', f'Decision maker {r.person} is {s[lang]}: '))}"
                             f"{_e(tr(lang, '需要', 'needs'))} {_e(s['needs'][lang])}; "
                             f"{_e(tr(lang, '避免', 'avoid'))} {_e(s['avoid'][lang])}</p>")
        for z, en in pm.notes:
            parts.append(f"<p style='color:#555'>{_e(tr(lang, z, en))}</p>")
    else:
        parts.append(f"<p>{_e(pm.summary(lang))}</p>")
    if ev.actions:
        items = "".join(
            f"<li>{_e(a.text(lang))}"
            + ("" if not a.gain else f" <b>{_e(tr(lang, f'（+{a.gain:.0f} 分）', f'(+{a.gain:.0f} points)'))}</b>")
            + f"<br><span style='color:#555'>{_e(a.because(lang))}</span></li>" for a in ev.actions)
        parts.append(f"<p><b>{_e(tr(lang, '最能提高赢率的三个行动', 'The three actions that would raise the win rate most'))}"
                     f"</b></p><ol>{items}</ol>")
    return banner, "".join(parts)


class PersonRow:
    """One editable stakeholder: name, title, role, influence, attitude, relationship, reports to, style, met."""

    def __init__(self, settings: dict[str, Any], lang: str, on_change, on_remove, values: dict[str, Any] | None = None):
        import ipywidgets as w

        st = settings
        v = values or {}
        lay = lambda width: w.Layout(width=width)  # noqa: E731
        self.person = w.Text(value=str(v.get("person") or ""), placeholder=tr(lang, "姓名", "name"), layout=lay("90px"))
        self.title = w.Text(value=str(v.get("title") or ""), placeholder=tr(lang, "职务", "title"), layout=lay("100px"))
        self.role = w.Dropdown(options=[("–", "")] + [(r[lang], k) for k, r in st["roles"].items()],
                               value=v.get("role") or "", layout=lay("95px"))
        self.influence = w.Dropdown(options=[("–", "")] + [(str(i), str(i)) for i in range(
            int(st["influence"]["min"]), int(st["influence"]["max"]) + 1)], value=_opt(v.get("influence")),
            layout=lay("55px"))
        att = {int(k): x[lang] for k, x in st["attitude_labels"].items()}
        self.attitude = w.Dropdown(options=[("–", "")] + [(f"{i:+d} {att.get(i, '')}", str(i)) for i in range(
            int(st["attitude"]["min"]), int(st["attitude"]["max"]) + 1)], value=_opt(v.get("attitude")),
            layout=lay("105px"))
        rel = {int(k): x[lang] for k, x in st["relationship_labels"].items()}
        self.relationship = w.Dropdown(options=[("–", "")] + [(f"{i} {rel.get(i, '')}", str(i)) for i in range(
            int(st["relationship"]["min"]), int(st["relationship"]["max"]) + 1)], value=_opt(v.get("relationship")),
            layout=lay("90px"))
        self.reports_to = w.Text(value=str(v.get("reports_to") or ""), placeholder=tr(lang, "上级", "reports to"),
                                 layout=lay("90px"))
        self.style = w.Dropdown(options=[("–", "")] + [(s[lang], k) for k, s in st["styles"].items()],
                                value=v.get("style") or "", layout=lay("90px"))
        self.met = w.Checkbox(value=v.get("met") is True, description=tr(lang, "已见", "met"), indent=False,
                              layout=lay("60px"))
        self.remove = w.Button(description="✕", tooltip=tr(lang, "删除此人", "remove this person"), layout=lay("36px"))
        self.remove.on_click(lambda _b: on_remove(self))
        for x in self.inputs:
            x.observe(lambda _c: on_change(), names="value")
        self.box = w.HBox(self.inputs + [self.remove])

    @property
    def inputs(self) -> list:
        return [self.person, self.title, self.role, self.influence, self.attitude, self.relationship, self.reports_to,
                self.style, self.met]

    def record(self) -> dict[str, Any]:
        num = lambda s: float(s) if s not in ("", None) else math.nan  # noqa: E731
        return {"person": self.person.value.strip(), "title": self.title.value.strip() or None,
                "role": self.role.value or None, "influence": num(self.influence.value),
                "attitude": num(self.attitude.value), "relationship": num(self.relationship.value),
                "reports_to": self.reports_to.value.strip() or None, "style": self.style.value or None,
                "met": bool(self.met.value)}


def _opt(v: Any) -> str:
    if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
        return ""
    return str(int(round(float(v))))


class DealPanel(PanelBase):  # type: ignore[misc,valid-type]
    """The deal-review panel; build it with :func:`deal_panel`."""

    def __init__(self, client: Client | None = None, lang: str = "zh", opportunity_id: str | None = None):
        import ipywidgets as w

        super().__init__()
        self.client = client
        self.lang = lang
        self.cfg: Config = client.config if client is not None else default_config()
        d = deals_section(self.cfg)
        self._pm_settings = d["power_map"]
        self._loading = False
        self._map_key: tuple[str, str] | None = None
        self.evaluation: DealEvaluation | None = None
        self.errors = error_area()
        L = lambda zh, en: tr(lang, zh, en)  # noqa: E731

        self.deal = w.Dropdown(options=self._deal_options(), description=L("机会", "Deal"),
                               layout=w.Layout(width="640px"), style={"description_width": "60px"})
        stages = [s for s in self.cfg.stages() if s["status"] == "open" and s.get("step") is not None]
        self.stage = w.Dropdown(
            options=[("–", "")] + [(f"{s['step']} {s[lang]} ({fmt_pct(s['win_rate'])})", s["key"]) for s in stages],
            description=L("阶段", "Stage"), style={"description_width": "60px"}, layout=w.Layout(width="330px"))
        lo, hi = int(d["scale"]["min"]), int(d["scale"]["max"])
        self._lo = lo
        self.sliders: dict[str, Any] = {}
        self.anchors: dict[str, Any] = {}
        rows = []
        for i, k in enumerate(FACTOR_KEYS, 1):
            name = FACTOR_NAMES[k][0] if lang == "zh" else FACTOR_NAMES[k][1]
            gate = L("（关口）", " (gate)") if k == d["go_nogo"]["gate_factor"] else ""
            s = w.IntSlider(value=lo - 1, min=lo - 1, max=hi, step=1, description=f"{i}. {name}{gate}",
                            continuous_update=False, style={"description_width": "150px"}, layout=w.Layout(width="400px"))
            a = w.HTML(value="", layout=w.Layout(width="460px"))
            self.sliders[k], self.anchors[k] = s, a
            rows.append(w.HBox([s, a]))
        hint = w.HTML(f"<span style='color:#555'>{L(f'滑到 {lo - 1} = 未评分（不是零分）。', f'{lo - 1} = not scored (not zero).')}"
                      "</span>")
        self.people: list[PersonRow] = []
        self.people_box = w.VBox([])
        self.add_person = w.Button(description=L("添加决策人", "Add person"), icon="plus")
        self.add_person.on_click(guarded(self.errors, lambda _b: self._add_row({})))
        head = w.HTML("<span style='color:#555'>" + _e(L(
            "姓名 · 职务 · 决策角色 · 影响力(1–5) · 态度(−2..+2) · 关系(0–3) · 上级 · 决策风格 · 已见过",
            "name · title · role · influence (1–5) · attitude (−2..+2) · relationship (0–3) · reports to · style · met"))
            + "</span>")
        tabs = w.Tab(children=[w.VBox(rows + [hint]), w.VBox([head, self.people_box, self.add_person])])
        tabs.set_title(0, L("九要素评分", "Nine factors"))
        tabs.set_title(1, L("决策权力图", "Power map"))
        self.view = w.ToggleButtons(options=[(L("影响力×态度", "Influence × attitude"), "matrix"),
                                             (L("汇报关系", "Org chart"), "org")], value="matrix")
        self.verdict = w.HTML()
        self.details = w.HTML()
        self.profile_image = w.Image(format="png", layout=w.Layout(max_width="560px"))
        self.map_image = w.Image(format="png", layout=w.Layout(max_width="560px"))
        self.children = [
            w.HTML(f"<h3>{_e(L('交易评审：九大成功要素与 Go/NoGo', 'Deal review: nine success factors and Go/NoGo'))}</h3>"),
            w.HBox([self.deal, self.stage]), tabs, self.errors, self.verdict,
            w.HBox([self.profile_image, w.VBox([self.view, self.map_image])]), self.details,
        ]
        refresh = guarded(self.errors, lambda *_: None if self._loading else self.refresh())
        for s in self.sliders.values():
            s.observe(refresh, names="value")
        self.stage.observe(refresh, names="value")
        self.view.observe(refresh, names="value")
        self.deal.observe(guarded(self.errors, lambda c: self.load(c["new"])), names="value")
        start = opportunity_id if opportunity_id is not None else (default_opportunity(client) if client is not None else None)
        if start is not None and str(start) not in [v for _, v in self.deal.options]:
            raise ValueError(f"no opportunity {start!r} in this client")
        if start is not None:
            self.deal.value = str(start)  # triggers load
        if self.evaluation is None:
            self.load(self.deal.value)

    # -- data ------------------------------------------------------------
    def _deal_options(self) -> list[tuple[str, str]]:
        lang = self.lang
        opts = [(tr(lang, "— 空白机会（从零开始）—", "— blank deal (start from scratch) —"), "")]
        c = self.client
        if c is None or not c.has("opportunities"):
            if c is not None and c.has("deal_scores"):
                opts += [(str(i), str(i)) for i in c.tables["deal_scores"]["opportunity_id"]]
            return opts
        o = c.tables["opportunities"]
        scored = set(c.tables["deal_scores"]["opportunity_id"].astype("object").map(str)) if c.has("deal_scores") else set()
        mapped = set(c.tables["stakeholders"]["opportunity_id"].astype("object").map(str)) if c.has("stakeholders") else set()
        ids = o["opportunity_id"].astype("object").map(str)
        keep = (o["status"] == "open") | ids.isin(scored | mapped)
        o = o[keep].assign(_id=ids[keep], _ev=ids[keep].isin(scored | mapped), _amt=o.loc[keep, "amount"].fillna(-1.0))
        o = o.sort_values(["_ev", "_amt", "_id"], ascending=[False, False, True])
        info = {s["key"]: s for s in self.cfg.stages()}
        for _, r in o.iterrows():
            st = info.get(r["stage"], {})
            mark = "● " if r["_ev"] else "○ "
            label = " · ".join(str(x) for x in (r["_id"], r.get("customer"), st.get(lang, r["stage"]),
                                                fmt_rmb(r.get("amount"), lang)) if x is not None and x == x)
            opts.append((mark + label, r["_id"]))
        return opts

    def _add_row(self, values: dict[str, Any]) -> PersonRow:
        row = PersonRow(self._pm_settings, self.lang, self._changed, self._remove_row, values)
        self.people.append(row)
        self.people_box.children = [p.box for p in self.people]
        self._changed()
        return row

    def _remove_row(self, row: PersonRow) -> None:
        self.people = [p for p in self.people if p is not row]
        self.people_box.children = [p.box for p in self.people]
        self._changed()

    def _changed(self) -> None:
        if not self._loading:
            guarded(self.errors, self.refresh)()

    def load(self, opportunity_id: str | None) -> None:
        """Fill the inputs from one of the client's deals ('' or None: a blank deal)."""
        self._loading = True
        try:
            scores_row = people = opp = None
            if opportunity_id and self.client is not None:
                scores_row, people, opp = deal_rows(self.client, opportunity_id)
            for k, s in self.sliders.items():
                v = None if scores_row is None else scores_row.get(k)
                s.value = self._lo - 1 if v is None or v != v else int(math.floor(float(v) + 0.5))
            stage = (opp or {}).get("stage")
            self.stage.value = stage if stage in [v for _, v in self.stage.options] else ""
            self.people = []
            self.people_box.children = []
            if people is not None and len(people):
                from ..powermap import normalise_stakeholders

                for rec in normalise_stakeholders(people, self.cfg).to_dict(orient="records"):
                    self._add_row(rec)
        finally:
            self._loading = False
        self.refresh()

    @contextlib.contextmanager
    def hold(self):
        """Change several inputs at once and refresh once at the end::

            with panel.hold():
                panel.sliders["pricing"].value = 4
                panel.stage.value = "solution"
        """
        was = self._loading
        self._loading = True
        try:
            yield self
        finally:
            self._loading = was
        if not was:
            guarded(self.errors, self.refresh)()

    def set_scores(self, scores: dict[str, float | None]) -> None:
        """Set several factor scores (None = not scored) and refresh once."""
        with self.hold():
            for k, v in scores.items():
                if k not in self.sliders:
                    raise KeyError(f"unknown factor {k!r}; the nine factors are: {', '.join(self.sliders)}")
                self.sliders[k].value = self._lo - 1 if v is None else int(math.floor(float(v) + 0.5))

    def scores(self) -> dict[str, float | None]:
        return {k: (None if s.value < self._lo else float(s.value)) for k, s in self.sliders.items()}

    def stakeholders(self) -> pd.DataFrame:
        recs = [p.record() for p in self.people if p.person.value.strip()]
        cols = ["person", "title", "role", "influence", "attitude", "relationship", "reports_to", "style", "met"]
        return pd.DataFrame(recs, columns=cols)

    def deal_info(self) -> dict[str, Any]:
        """Facts about the deal entered in the panel (none here; see :class:`MyDealPanel`)."""
        return {}

    def blank_label(self) -> str | None:
        """What a deal that is not one of the client's is called (None: "blank deal")."""
        return None

    def refresh(self) -> None:
        """Evaluate the deal as the inputs stand and show the result."""
        from ..charts.deals import factor_profile_chart, power_map_chart

        lang = self.lang
        d = deals_section(self.cfg)
        for k, s in self.sliders.items():
            if s.value < self._lo:
                self.anchors[k].value = f"<span style='color:#757575'>{_e(tr(lang, '未评分', 'not scored'))}</span>"
            else:
                anchor = d["factors"][k]["levels"].get(s.value) or d["factors"][k]["levels"].get(str(s.value)) or {}
                self.anchors[k].value = f"<span style='font-size:12px'>{_e(anchor.get(lang, ''))}</span>"
        info: dict[str, Any] = {}
        oid = self.deal.value or None
        if oid and self.client is not None:
            _s, _p, opp = deal_rows(self.client, oid)
            info = dict(opp or {})
        info.update(self.deal_info())
        info["stage"] = self.stage.value or None
        if info.get("stage") != (self.client.tables["opportunities"].set_index("opportunity_id")["stage"].get(oid)
                                 if oid and self.client is not None and self.client.has("opportunities") else None):
            info.pop("win_rate_override", None)  # a stage changed in the panel uses the stage's rate
        ev = evaluate_deal(self.scores(), self.stakeholders(), opportunity_id=oid or self.blank_label(), info=info,
                           config=self.cfg)
        self.evaluation = ev
        self.verdict.value, self.details.value = evaluation_html(ev, lang)
        self.profile_image.value = figure_png(factor_profile_chart(ev, lang))
        people = self.stakeholders()
        key = (people.to_json(), self.view.value)
        if key != self._map_key:  # the map only changes with the people or the view
            self.map_image.value = figure_png(power_map_chart(ev.power_map, lang, view=self.view.value))
            self._map_key = key


def deal_panel(client: Client | None = None, lang: str = "zh", opportunity_id: str | None = None) -> DealPanel:
    """The live deal-evaluation panel (a widget; nothing is displayed here).

    Parameters
    ----------
    client
        A :class:`kalib.Client` whose deals can be picked (None: blank deals only).
    lang
        ``"zh"`` or ``"en"``.
    opportunity_id
        The deal to open; default: the largest open deal with factor scores,
        else a blank deal.
    """
    if lang not in ("zh", "en"):
        raise ValueError(f"lang must be 'zh' or 'en', not {lang!r}")
    return DealPanel(client, lang, opportunity_id)


class MyDealPanel(DealPanel):
    """One's own live deal: its facts (customer, name, owner, amount in 万元, expected close), the nine
    factors, the stakeholders; the verdict and the three actions; and a button that saves the one-page
    deal review (:mod:`kalib.dealsheet`) in Chinese and English, as HTML and, with a ``printer``, PDF.

    Parts for tests and scripts, besides :class:`DealPanel`'s: ``customer``, ``deal_name``, ``owner``
    (Text), ``amount`` (FloatText, 万元), ``close_date`` (DatePicker), ``save_button`` (Button), ``saved`` (HTML: the
    files written, or what went wrong) and ``files`` (the paths written by the last save).
    """

    def __init__(self, lang: str = "zh", folder: str | Path = "my-deals", printer: Callable[..., Any] | None = None,
                 review_date: Any = None, config: Config | None = None):
        import ipywidgets as w

        self._info_ready = False
        super().__init__(None, lang)
        if config is not None:
            self.cfg = config
        self.folder = Path(folder)
        self.printer = printer
        self.review_date = review_date
        self.files: list[Path] = []
        L = lambda zh, en: tr(lang, zh, en)  # noqa: E731
        st = {"description_width": "90px"}
        self.customer = w.Text(description=L("客户", "Customer"), style=st, layout=w.Layout(width="330px"))
        self.deal_name = w.Text(description=L("机会名称", "Deal"), style=st, layout=w.Layout(width="330px"))
        self.owner = w.Text(description=L("负责人", "Owner"), style=st, layout=w.Layout(width="330px"))
        self.amount = w.FloatText(value=0.0, description=L("金额（万元）", "Amount (万元)"), style=st,
                                  layout=w.Layout(width="330px"))
        self.close_date = w.DatePicker(description=L("预计成交", "Expected close"), style=st, layout=w.Layout(width="330px"))
        self.save_button = w.Button(description=L("保存评审单（中英文 HTML + PDF）", "Save the deal review (zh + en, HTML + PDF)"),
                             icon="print", layout=w.Layout(width="330px"))
        self.saved = w.HTML()
        self.save_button.on_click(guarded(self.errors, lambda _b: self.save_sheets()))
        refresh = guarded(self.errors, lambda *_: None if self._loading else self.refresh())
        for x in (self.customer, self.deal_name, self.owner, self.amount, self.close_date):
            x.observe(refresh, names="value")
        self.deal.layout.display = "none"  # one's own deal is always a blank one
        facts = w.VBox([w.HBox([self.customer, self.deal_name]), w.HBox([self.owner, self.amount]), self.close_date])
        head, picker, *rest = self.children
        self.children = [w.HTML(f"<h3>{_e(L('我的机会：评审一个自己的在跟机会', 'My deal: review a live deal of your own'))}</h3>"),
                         facts, picker, *rest, w.HBox([self.save_button]), self.saved]
        self.add_class("kalib-my-deal")
        self._info_ready = True
        self.refresh()

    def deal_info(self) -> dict[str, Any]:
        if not getattr(self, "_info_ready", False):
            return {}
        problems = []
        info: dict[str, Any] = {}
        for key, box in (("customer", self.customer), ("name", self.deal_name), ("owner", self.owner)):
            if box.value.strip():
                info[key] = box.value.strip()
        a = self.amount.value
        if a is not None and a == a and a < 0:
            problems.append(tr(self.lang, f"金额不能为负（输入的是 {a:g} 万元）：请改正，评审单上没有写金额。",
                               f"The amount cannot be negative (you typed {a:g} 万元): correct it; the sheet shows "
                               "no amount until then."))
        elif a:
            info["amount"] = float(a) * 1e4
        if self.close_date.value is not None:
            info["expected_close"] = pd.Timestamp(self.close_date.value)
        self.saved.value = "" if not problems else \
            "<div style='color:#c0392b'>" + "<br>".join(_e(p) for p in problems) + "</div>"
        return info

    def blank_label(self) -> str | None:
        return tr(self.lang, "我的机会", "My deal")

    def save_sheets(self) -> list[Path]:
        """Write the deal review in both languages (HTML, and PDF with the printer); show where."""
        from ..dealsheet import write_deal_sheet

        ev = self.evaluation
        day = pd.Timestamp(self.review_date).date() if self.review_date is not None else _dt.date.today()
        stem = f"deal-review-{day}"
        written: list[Path] = []
        failed: list[str] = []
        for lg in ("zh", "en"):
            path = self.folder / f"{stem}-{lg}.html"
            try:
                written += write_deal_sheet(ev, path, lg, printer=self.printer, review_date=day)
            except Exception as exc:  # the HTML is written first: say why the PDF is missing, keep the rest
                if path.exists():
                    written.append(path)
                failed.append(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
        self.files = written
        items = "".join(f"<li><a href='{_e(p.as_posix())}' target='_blank'>{_e(p.as_posix())}</a></li>" for p in written)
        msg = f"<p><b>{_e(tr(self.lang, '评审单已保存：', 'Deal review saved:'))}</b></p><ul>{items}</ul>"
        if self.printer is None:
            msg += f"<p>{_e(tr(self.lang, '没有 PDF：在浏览器中打开 HTML，选择“打印 > 另存为 PDF”。', 'No PDF: open the HTML in a browser and use Print > Save as PDF.'))}</p>"
        if failed:
            msg += "<p style='color:#c0392b'>" + _e(tr(self.lang, "PDF 未生成：", "No PDF: ") + "; ".join(failed)) + "</p>"
        self.saved.value = msg
        return written


def my_deal_panel(lang: str = "zh", folder: str | Path = "my-deals", printer: Callable[..., Any] | None = None,
                  review_date: Any = None, config: Config | None = None) -> MyDealPanel:
    """The own-deal panel (a widget): enter a live deal, get the verdict and the actions, save the review.

    ``printer(html_path, pdf_path)`` prints the page to PDF (e.g. :func:`kalib.report.pdf.html_to_pdf`);
    without one only the HTML is written.
    """
    if lang not in ("zh", "en"):
        raise ValueError(f"lang must be 'zh' or 'en', not {lang!r}")
    return MyDealPanel(lang, folder, printer, review_date, config)
