"""The one-page deal review (交易评审单): a deal's evaluation as a page to print and take to the Monday review.

:func:`deal_sheet_html` renders a :class:`kalib.deals.DealEvaluation` as one
self-contained HTML page (A4, inline CSS, no script, nothing fetched): the
deal and its owner, the verdict (Go / Review / NoGo) with its reasons, the
nine factors with their scores and anchored levels, the stakeholders of the
decision power map and its checks, the red flags and the eight-step check,
and the three actions that would raise the deal most, each due at the next
Monday review.  :func:`write_deal_sheet` writes it to a file and, given a
printer (``kalib.report.pdf.html_to_pdf``), prints it to PDF beside it.

Used by the own-deal panel (:class:`kalib.widgets.deals.MyDealPanel`,
notebook ``02.02-my-deal``) and by ``kalib deal CLIENT --sheet out.html``.

Examples
--------
>>> from kalib.deals import evaluate_deal
>>> ev = evaluate_deal({"qualification": 2, "process": 4}, stage="qualified", info={"customer": "甲 & 乙"})
>>> page = deal_sheet_html(ev, "en", review_date="2025-01-08")
>>> "NoGo" in page, "甲 &amp; 乙" in page, "<script" in page
(True, True, False)
>>> "Mon 2025-01-13" in page  # the actions are due at the next Monday review
True
"""

from __future__ import annotations

import datetime as dt
import html
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from .checkup import due_date
from .deals import FACTOR_KEYS, FACTOR_NAMES, DealEvaluation, deals_section, score_text
from .i18n import fmt_pct, fmt_rmb, tr
from .powermap import CHECK_NAMES

__all__ = ["deal_sheet_html", "write_deal_sheet", "VERDICT_COLOURS"]

#: The verdict's colour on the page (the live panel uses the same).
VERDICT_COLOURS = {"go": "#1e8449", "review": "#b7950b", "nogo": "#c0392b", "not_evaluated": "#757575"}

_CSS = """
@page { size: A4; margin: 9mm 11mm; }
* { box-sizing: border-box; }
body { font-family: "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei",
       "WenQuanYi Micro Hei", "Helvetica Neue", Arial, sans-serif; font-size: 8.6pt; line-height: 1.3;
       color: #222; margin: 0; }
.sheet { width: 188mm; margin: 0 auto; }
h1 { font-size: 14pt; margin: 0 0 1mm 0; }
h2 { font-size: 9.6pt; margin: 2.4mm 0 0.8mm 0; border-bottom: 0.6pt solid #999; padding-bottom: 0.3mm; }
.meta { color: #444; margin: 0 0 1.5mm 0; }
.verdict { border-left: 3mm solid; padding: 1mm 3mm; background: #f6f6f6; }
.verdict .v { font-size: 13pt; font-weight: bold; }
.verdict ul { margin: 0.5mm 0 0 0; padding-left: 5mm; }
table { border-collapse: collapse; width: 100%; }
td:first-child { white-space: nowrap; }
th, td { border-bottom: 0.4pt solid #ddd; padding: 0.45mm 1.2mm; text-align: left; vertical-align: top; }
th { background: #eee; font-weight: bold; white-space: nowrap; }
td.n { text-align: right; white-space: nowrap; }
.bar { display: inline-block; height: 2.2mm; background: #5b7fa6; vertical-align: middle; }
.cols { display: flex; gap: 4mm; }
.cols > div { flex: 1; min-width: 0; }
ol, ul { margin: 0.5mm 0; padding-left: 5mm; }
li { margin: 0.3mm 0; }
.muted { color: #666; }
.ok { color: #1e8449; font-weight: bold; } .fail { color: #c0392b; font-weight: bold; } .unknown { color: #888; }
.sign { margin-top: 3mm; display: flex; gap: 8mm; color: #444; }
.sign span { flex: 1; border-top: 0.5pt solid #999; padding-top: 0.5mm; }
"""


def _e(x: Any) -> str:
    return html.escape("" if x is None else str(x))


def _blank(v: Any) -> bool:
    return v is None or v is pd.NA or (isinstance(v, float) and v != v)


def _date(v: Any) -> dt.date:
    return pd.Timestamp(v).date() if not _blank(v) else dt.date.today()


def deal_sheet_html(ev: DealEvaluation, lang: str = "zh", *, review_date: Any = None,
                    reviewer: str | None = None) -> str:
    """The one-page deal review of ``ev`` as a complete HTML document (A4, print-ready).

    ``review_date`` (default today) dates the page; the actions are due at the
    Monday on or after the following day (:func:`kalib.checkup.due_date`).
    """
    if lang not in ("zh", "en"):
        raise ValueError(f"lang must be 'zh' or 'en', not {lang!r}")
    L = lambda zh, en: tr(lang, zh, en)  # noqa: E731
    d = deals_section(ev.config)
    day = _date(review_date)
    monday = due_date(day, 1).date()
    monday_text = L(f"{monday}（周一）", f"Mon {monday}")
    i = ev.info
    colour = VERDICT_COLOURS[ev.verdict]

    # -- the deal --------------------------------------------------------
    title = i.get("name") or i.get("customer") or ev.opportunity_id or L("我的机会", "My deal")
    facts = []
    if i.get("customer") and i.get("customer") != title:
        facts.append(L("客户 ", "customer ") + _e(i["customer"]))
    st = next((s for s in ev.config.stages() if s["key"] == ev.stage.stage), None)
    if st:
        facts.append(L(f"阶段 第{st['step'] or '–'}步 {st['zh']}", f"stage {st['step'] or '–'} {st['en']}"))
    if not _blank(i.get("amount")):
        facts.append(L("金额 ", "amount ") + _e(fmt_rmb(i["amount"], lang)))
    if not _blank(i.get("win_rate")):
        facts.append(L("赢率 ", "win rate ") + _e(fmt_pct(i["win_rate"])))
    if not _blank(i.get("weighted_amount")):
        facts.append(L("加权金额 ", "weighted ") + _e(fmt_rmb(i["weighted_amount"], lang)))
    if not _blank(i.get("expected_close")):
        facts.append(L("预计成交 ", "expected close ") + _e(_date(i["expected_close"])))
    owner = i.get("owner")
    head = [f"<h1>{_e(L('交易评审', 'Deal review'))} · {_e(title)}</h1>",
            f"<p class='meta'>{' · '.join(facts)}</p>",
            "<p class='meta'>" + _e(L(f"负责人 {owner or '—'} · 评审日期 {day} · 下次周一评审 {monday_text}",
                                      f"owner {owner or '—'} · reviewed {day} · next Monday review {monday_text}"))
            + "</p>"]

    # -- the verdict -----------------------------------------------------
    sc = L("未评估", "not evaluated") if ev.score is None else f"{score_text(ev.score)}/100"
    reasons = "".join(f"<li>{_e(tr(lang, *r))}</li>" for r in ev.reasons)
    verdict = (f"<div class='verdict' style='border-color:{colour}'><span class='v' style='color:{colour}'>"
               f"{_e(ev.verdict_label(lang))}</span> · {_e(L('得分', 'score'))} <b>{_e(sc)}</b> · "
               f"{_e(L(f'已评 {ev.scored}/9 个要素', f'{ev.scored}/9 factors scored'))}"
               + (f" · {_e(ev.gate.text(lang))}" if ev.evaluated else "") + f"<ul>{reasons}</ul></div>")

    # -- the nine factors --------------------------------------------------
    lo, hi = float(d["scale"]["min"]), float(d["scale"]["max"])
    gate = d["go_nogo"]["gate_factor"]
    rows = []
    for n, k in enumerate(FACTOR_KEYS, 1):
        s = ev.scores.get(k)
        name = tr(lang, *FACTOR_NAMES[k]) + (L("（关口）", " (gate)") if k == gate else "")
        if s is None:
            rows.append(f"<tr><td>{n}. {_e(name)}</td><td class='n'>–</td><td></td>"
                        f"<td class='muted'>{_e(L('未评分', 'not scored'))}</td></tr>")
            continue
        lvl = d["factors"][k]["levels"].get(int(s)) or d["factors"][k]["levels"].get(str(int(s))) or {}
        width = 18 * (s - lo) / (hi - lo) if hi > lo else 0
        rows.append(f"<tr><td>{n}. {_e(name)}</td><td class='n'>{s:g}</td>"
                    f"<td><span class='bar' style='width:{width:.1f}mm'></span></td><td>{_e(lvl.get(lang, ''))}</td></tr>")
    factors = (f"<h2>{_e(L('九大成功要素', 'The nine success factors'))}</h2><table><tr>"
               f"<th>{_e(L('要素', 'Factor'))}</th><th>{_e(L('评分', 'Score'))}</th><th style='width:19mm'></th>"
               f"<th>{_e(L('表现', 'What it looks like'))}</th></tr>{''.join(rows)}</table>")

    # -- the people and the power map -------------------------------------
    pm = ev.power_map
    if pm.evaluated:
        people = pm.to_frame(lang)
        ths = "".join(f"<th>{_e(c)}</th>" for c in people.columns)
        trs = "".join("<tr>" + "".join(f"<td>{_e(v)}</td>" for v in r) + "</tr>" for r in people.itertuples(index=False))
        people_html = f"<table><tr>{ths}</tr>{trs}</table>"
        sym = {"ok": "✓", "fail": "✗", "unknown": "?"}
        checks = "".join(f"<li><span class='{c.status}'>{sym[c.status]}</span> {_e(tr(lang, *CHECK_NAMES.get(k, (k, k))))}"
                         + (f" <span class='muted'>— {_e(c.text(lang))}</span>" if c.status != "ok" else "") + "</li>"
                         for k, c in pm.checks.items())
        checks_html = f"<ul style='list-style:none;padding-left:0'>{checks}</ul>"
    else:
        people_html = f"<p class='muted'>{_e(pm.summary(lang))}</p>"
        checks_html = ""
    power = f"<h2>{_e(L('决策权力图', 'The decision power map'))}</h2>{people_html}"

    # -- checks, flags, stage -----------------------------------------------
    sev = d["severities"]
    if ev.flags:
        flags = "<ul>" + "".join(
            f"<li><b style='color:{'#c0392b' if f.severity == 'serious' else '#b7950b'}'>[{_e(sev[f.severity][lang])}]</b> "
            f"{_e(f.text(lang))}</li>" for f in ev.flags) + "</ul>"
    else:
        flags = f"<p>{_e(L('没有危险信号。', 'No red flags.') if ev.evaluated else L('未评估。', 'Not evaluated.'))}</p>"
    middle = (f"<div class='cols'><div><h2>{_e(L('权力图检查', 'Power-map checks'))}</h2>"
              f"{checks_html or '<p class=muted>–</p>'}</div>"
              f"<div><h2>{_e(L('危险信号', 'Red flags'))}</h2>{flags}"
              f"<h2>{_e(L('八步检查', 'Eight-step check'))}</h2><p>{_e(ev.stage.text(lang, ev.config))}</p></div></div>")

    # -- the three actions ---------------------------------------------------
    if ev.actions:
        items = "".join(
            f"<li><b>{_e(a.text(lang))}</b>"
            + ("" if not a.gain else _e(L(f"（+{a.gain:.0f} 分）", f" (+{a.gain:.0f} points)")))
            + f" — {_e(L('负责人', 'who'))}: {_e(owner or L('机会负责人', 'the deal owner'))}"
            + f"; {_e(L('完成', 'by'))}: {_e(monday_text)}<br><span class='muted'>{_e(a.because(lang))}</span></li>"
            for a in ev.actions)
        actions = f"<h2>{_e(L('下次评审前的三个行动', 'Three actions before the next review'))}</h2><ol>{items}</ol>"
    else:
        actions = ""
    sign = (f"<div class='sign'><span>{_e(L('评审人', 'Reviewed by'))}: {_e(reviewer or '')}</span>"
            f"<span>{_e(L('负责人签字', 'Owner'))}</span><span>{_e(L('下次评审结论', 'Outcome at the next review'))}</span>"
            "</div>")
    body = "".join(head) + verdict + factors + power + middle + actions + sign
    return (f"<!DOCTYPE html><html lang='{'zh-CN' if lang == 'zh' else 'en'}'><head><meta charset='utf-8'>"
            f"<title>{_e(L('交易评审', 'Deal review'))} · {_e(title)}</title><style>{_CSS}</style></head>"
            f"<body><div class='sheet'>{body}</div></body></html>")


def write_deal_sheet(ev: DealEvaluation, path: str | os.PathLike, lang: str = "zh", *,
                     printer: Callable[[Path, Path], Any] | None = None, review_date: Any = None,
                     reviewer: str | None = None) -> list[Path]:
    """Write the one-page deal review to ``path`` (HTML); with ``printer`` (e.g.
    :func:`kalib.report.pdf.html_to_pdf`) also the PDF beside it (same name, ``.pdf``).

    Returns the files written (the HTML, then the PDF).
    """
    out = Path(path)
    if out.suffix.lower() not in (".html", ".htm"):
        raise ValueError(f"the deal review is written as HTML: name it ….html, not {out.name!r}")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(deal_sheet_html(ev, lang, review_date=review_date, reviewer=reviewer), encoding="utf-8")
    written = [out]
    if printer is not None:
        pdf = out.with_suffix(".pdf")
        printer(out, pdf)
        written.append(pdf)
    return written
