"""Charts of the deal review (layer 2): factor profile, power map, eight steps, portfolio.

Every function takes ``lang="zh"|"en"``, returns a matplotlib ``Figure`` (not
registered with pyplot, so nothing shows twice in a notebook) and changes no
global setting.  Colour is never the only cue: levels also carry a
symbol, verdicts a marker, and people a label.

- :func:`factor_profile_chart`: the nine factors of one deal, with the gate.
- :func:`power_map_chart`: influence vs attitude, sized by relationship
  (``view="matrix"``), or the reporting lines (``view="org"``).
- :func:`stage_chart`: the eight steps with their win rates; for a deal, the
  stage reported and the stage the evidence supports.
- :func:`portfolio_chart`: deals by score and weighted amount, coloured by verdict.
"""

from __future__ import annotations

import textwrap
from typing import Any

import numpy as np

from ..config import Config, default_config
from ..i18n import fmt_pct, tr
from . import PALETTE, STATUS_STYLE, chart_lang, fmt_money, label_points, money_axis, short_name, text_width

__all__ = ["factor_profile_chart", "power_map_chart", "stage_chart", "portfolio_chart", "VERDICT_STYLE", "VERDICT_NAMES"]

VERDICT_STYLE = {
    "go": {"color": PALETTE["excellent"], "marker": "*", "size": 160},
    "review": {"color": PALETTE["pass"], "marker": "o", "size": 70},
    "nogo": {"color": PALETTE["below"], "marker": "v", "size": 80},
    "not_evaluated": {"color": PALETTE["na"], "marker": "x", "size": 40},
}
# The verdicts as a chart names them: Go/NoGo is the method's own term in both languages.
VERDICT_NAMES = {"go": ("Go（继续）", "Go"), "review": ("复核", "Review"), "nogo": ("NoGo（放弃）", "NoGo"),
                 "not_evaluated": ("未评估", "Not evaluated")}
STANCE_COLOR = {"opponent": PALETTE["below"], "neutral": "#8c8c8c", "supporter": PALETTE["excellent"], None: "#bdbdbd"}


def _level_status(score: float, gate_min: float | None = None) -> str:
    if score != score:
        return "na"
    if score <= 2:
        return "below"
    if score < 4:
        return "pass"
    return "excellent"


def factor_profile_chart(evaluation: Any, lang: str = "zh", *, ax=None):
    """The nine factors of a deal as horizontal bars on the scoring scale.

    Bars are red (weak, ≤ 2 ✗), amber (adequate ✓) or green (strong, ≥ 4 ★);
    a factor not scored is shown as such (never as 0).  The gate factor has
    its minimum drawn on its row.  The title gives the verdict and the score.

    Parameters
    ----------
    evaluation
        A :class:`kalib.deals.DealEvaluation`.
    """
    from matplotlib.figure import Figure

    from ..deals import deals_section, score_text

    with chart_lang(lang) as lang:
        d = deals_section(evaluation.config)
        lo, hi = float(d["scale"]["min"]), float(d["scale"]["max"])
        gate_min = float(d["go_nogo"]["gate_min"])
        prof = evaluation.profile(lang)
        own = ax is None
        if ax is None:
            fig = Figure(figsize=(7.6, 4.8))
            ax = fig.subplots()
        else:
            fig = ax.figure
        n = len(prof)
        ys = np.arange(n)[::-1]
        for y, (key, row) in zip(ys, prof.iterrows()):
            s = row["score"]
            st = STATUS_STYLE[_level_status(s)]
            if s == s:
                ax.barh(y, s - lo + 0.04, left=lo - 0.04, color=st["color"], height=0.62, alpha=0.9)
                ax.text(s + 0.06, y, f"{s:g} {st['symbol']}  {row['level']}", va="center", fontsize=9)
            else:
                ax.barh(y, hi - lo, left=lo, color="white", edgecolor=PALETTE["na"], hatch="//", height=0.62,
                        linewidth=0.8)
                ax.text(lo + 0.08, y, tr(lang, "未评分", "not scored"), va="center", fontsize=9, color="#555555")
            if row["gate"]:
                ax.plot([gate_min, gate_min], [y - 0.42, y + 0.42], color="black", lw=2.2)
                ax.text(gate_min, y + 0.45, tr(lang, "关口", "gate"), ha="center", va="bottom", fontsize=8)
        labels = [f"{row['factor']}  {fmt_pct(row['weight'])}" for _, row in prof.iterrows()]
        ax.set_yticks(ys, labels)
        ax.set_xlim(lo - 0.1, hi + 1.6)
        ax.set_xticks(np.arange(lo, hi + 1))
        ax.axvline(3, color="#999999", lw=0.8, ls="--", zorder=0)
        ax.set_xlabel(tr(lang, f"评分（{lo:g}–{hi:g}；右侧为权重）", f"Score ({lo:g}–{hi:g}; weights beside the names)"))
        sc = tr(lang, "未评估", "not evaluated") if evaluation.score is None else f"{score_text(evaluation.score)}/100"
        verdict = tr(lang, *VERDICT_NAMES.get(evaluation.verdict, (evaluation.verdict, evaluation.verdict)))
        head = tr(lang, "九大成功要素 · ", "Nine success factors · ")
        room = int(fig.get_size_inches()[0] * 12) - text_width(head)
        title = tr(lang, f"{head}{short_name(evaluation.title(lang), room)}\n{verdict} · 得分 {sc}",
                   f"{head}{short_name(evaluation.title(lang), room)}\n{verdict} · score {sc}")
        if own:
            fig.suptitle(title, fontsize=10, x=0.01, ha="left")
        else:
            ax.set_title(title, fontsize=10, loc="left")
        fig.tight_layout()
        return fig


def _short(text: str, n: int = 46) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _spread(points: list[tuple[float, float]], step: float = 0.24) -> list[tuple[float, float, int]]:
    """Move points that share a position apart (deterministically) so every person shows.

    Returns ``(x, y, i)`` where ``i`` is the point's index among those sharing its position.
    """
    seen: dict[tuple[float, float], int] = {}
    out = []
    offsets = [(0, 0), (1, -0.5), (-1, 0.5), (0, 1), (0, -1), (1, 0.5), (-1, -0.5), (1, -1), (-1, 1)]
    for x, y in points:
        k = (round(x, 3), round(y, 3))
        i = seen.get(k, 0)
        seen[k] = i + 1
        dx, dy = offsets[i % len(offsets)]
        ring = 1 + i // len(offsets)
        out.append((x + dx * step * ring, y + dy * step * ring, i))
    return out


def power_map_chart(pm: Any, lang: str = "zh", *, view: str = "matrix", title: str | None = None, ax=None):
    """The decision power map (决策权力图) of one deal.

    ``view="matrix"``: each person placed by attitude to us (x, opponent to
    champion) and influence (y); the size is our relationship strength; the
    colour is the stance (red against, grey neutral, green for us); a hollow
    dashed marker means nobody has met the person; the decision maker is
    ringed and starred.  The top-left corner (high influence, against us) is
    the danger zone.  ``view="org"``: the reporting lines as an org chart,
    boxes coloured by stance, thick borders for strong relationships.

    Parameters
    ----------
    pm
        A :class:`kalib.powermap.PowerMap`.
    """
    if view not in ("matrix", "org"):
        raise ValueError(f"view must be 'matrix' or 'org', not {view!r}")
    if view == "org":
        return _org_chart(pm, lang, title=title, ax=ax)
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    with chart_lang(lang) as lang:
        st = pm.settings
        roles = st["roles"]
        if ax is None:
            fig = Figure(figsize=(7.6, 5.0))
            ax = fig.subplots()
        else:
            fig = ax.figure
        a_lo, a_hi = float(st["attitude"]["min"]), float(st["attitude"]["max"])
        i_lo, i_hi = float(st["influence"]["min"]), float(st["influence"]["max"])
        hi_min = float(st["high_influence_min"])
        ax.axhspan(hi_min - 0.5, i_hi + 0.6, xmin=0, xmax=(float(st["opponent_max"]) + 0.5 - (a_lo - 0.6)) / (a_hi - a_lo + 1.2),
                   color=PALETTE["below"], alpha=0.08, zorder=0)
        ax.text(a_lo - 0.5, i_hi + 0.45, tr(lang, "危险区：高影响力的反对者", "Danger: high-influence opponents"),
                fontsize=8, color=PALETTE["below"], va="top")
        ax.axhspan(hi_min - 0.5, i_hi + 0.6, xmin=(float(st["supporter_min"]) - 0.5 - (a_lo - 0.6)) / (a_hi - a_lo + 1.2),
                   xmax=1, color=PALETTE["excellent"], alpha=0.08, zorder=0)
        ax.text(a_hi + 0.5, i_hi + 0.45, tr(lang, "支持我们的关键人物", "Key people for us"), fontsize=8,
                color=PALETTE["excellent"], va="top", ha="right")
        ax.axhline(hi_min - 0.5, color="#999999", lw=0.8, ls="--", zorder=0)
        ax.axvline(0, color="#999999", lw=0.8, ls=":", zorder=0)
        p = pm.people
        if not pm.evaluated:
            ax.text(0, (i_lo + i_hi) / 2, tr(lang, "未评估：没有列出决策人", "Not evaluated: no stakeholders listed"),
                    ha="center", va="center", fontsize=11, color="#555555")
        else:
            usable = p[p["attitude"].notna() & p["influence"].notna()]
            pts = _spread(list(zip(usable["attitude"].astype(float), usable["influence"].astype(float))))
            r_max = float(st["relationship"]["max"])
            names: list[str] = []
            for (x, y, k), (_, r) in zip(pts, usable.iterrows()):
                rel = 0.0 if r["relationship"] != r["relationship"] else float(r["relationship"])
                size = 90 + 520 * rel / r_max
                color = STANCE_COLOR.get(r["stance"] if isinstance(r["stance"], str) else None)
                met = r["met"] is True
                is_dm = r["role"] == "decision_maker"
                ax.scatter([x], [y], s=size, facecolor=color if met else "white", edgecolor="black" if is_dm else color,
                           linewidth=2.4 if is_dm else 1.6, linestyle="-" if met else "--", alpha=0.9, zorder=3)
                role = roles.get(r["role"], {}).get(lang, "") if r["role"] else ""
                star = "★ " if is_dm else ""
                names.append(f"{star}{short_name(r['person'], 14)}" + (f"\n{role}" if role else ""))
            missing = len(p) - len(usable)
            if missing:
                ax.text(a_hi + 0.5, i_lo - 0.45, tr(lang, f"另有 {missing} 人缺少态度或影响力", f"{missing} more without attitude or influence"),
                        fontsize=8, ha="right", color="#555555")
        att_labels = {int(k): v[lang] for k, v in st["attitude_labels"].items()}
        xt = np.arange(int(a_lo), int(a_hi) + 1)
        ax.set_xticks(xt, [f"{v:+d}\n{att_labels.get(v, '')}" for v in xt])
        ax.set_yticks(np.arange(int(i_lo), int(i_hi) + 1))
        ax.set_xlim(a_lo - 0.6, a_hi + 0.6)
        ax.set_ylim(i_lo - 0.6, i_hi + 0.6)
        ax.set_xlabel(tr(lang, "对我方的态度", "Attitude to us"))
        ax.set_ylabel(tr(lang, "影响力", "Influence"))
        rel_labels = {int(k): v[lang] for k, v in st["relationship_labels"].items()}
        handles = [Line2D([], [], marker="o", ls="", color="#8c8c8c", markersize=np.sqrt(90 + 520 * k / 3) / 1.6,
                          label=f"{tr(lang, '关系', 'rel.')} {k} {rel_labels.get(k, '')}") for k in (0, 3)]
        handles += [Line2D([], [], marker="o", ls="", markerfacecolor="white", markeredgecolor="#8c8c8c",
                           label=tr(lang, "空心 = 未见过", "hollow = not met")),
                    Line2D([], [], marker="o", ls="", markerfacecolor="#cccccc", markeredgecolor="black",
                           markeredgewidth=2, label=tr(lang, "★ 黑圈 = 决策者", "★ black ring = decision maker"))]
        ax.legend(handles=handles, loc="lower left", fontsize=7.5, frameon=False, ncol=2,
                  bbox_to_anchor=(0, -0.32))
        ttl = title or tr(lang, "决策权力图：影响力 × 态度（大小 = 关系强度）", "Decision power map: influence × attitude (size = relationship)")
        ax.set_title(ttl, fontsize=10, loc="left")
        fig.tight_layout()
        if pm.evaluated and len(usable):
            drawn = label_points(ax, [x for x, _, _ in pts], [y for _, y, _ in pts], names,
                                 priority=usable["influence"].astype(float).to_numpy(), limit=len(names), width=None,
                                 zorder=4)
            if len(drawn) < len(names):
                ax.text(a_lo - 0.5, i_lo - 0.45, tr(lang, f"{len(names) - len(drawn)} 人未标名（见表格）",
                                                    f"{len(names) - len(drawn)} not named (see the table)"),
                        fontsize=8, color="#555555")
        return fig


def _org_layout(people) -> dict[str, tuple[float, int]]:
    names = list(people["person"])
    parent = {}
    for n, b in zip(people["person"], people["reports_to"]):
        parent[n] = b if (isinstance(b, str) and b in names and b != n) else None
    # break cycles
    for n in names:
        seen, cur = {n}, parent[n]
        while cur is not None:
            if cur in seen:
                parent[n] = None
                break
            seen.add(cur)
            cur = parent[cur]
    children: dict[str | None, list[str]] = {}
    for n in names:
        children.setdefault(parent[n], []).append(n)
    pos: dict[str, tuple[float, int]] = {}
    nxt = [0.0]

    def place(n: str, depth: int) -> float:
        kids = children.get(n, [])
        if not kids:
            x = nxt[0]
            nxt[0] += 1.0
        else:
            xs = [place(k, depth + 1) for k in kids]
            x = (min(xs) + max(xs)) / 2
        pos[n] = (x, depth)
        return x

    for root in children.get(None, []):
        place(root, 0)
    return pos


def _org_chart(pm: Any, lang: str, *, title: str | None = None, ax=None):
    from matplotlib.figure import Figure
    from matplotlib.patches import FancyBboxPatch

    with chart_lang(lang) as lang:
        st = pm.settings
        roles = st["roles"]
        p = pm.people
        pos = _org_layout(p) if pm.evaluated else {}
        width = max([x for x, _ in pos.values()], default=0) + 1
        depth = max([d for _, d in pos.values()], default=0) + 1
        if ax is None:
            fig = Figure(figsize=(min(12.0, max(6.0, 1.7 * width)), min(10.0, max(3.0, 1.0 * depth + 0.8))))
            ax = fig.subplots()
        else:
            fig = ax.figure
        ax.set_axis_off()
        # Box labels cut to the box: a box is 0.9 of a unit; a Chinese character at 8.5 pt is about 8.5 pt wide.
        unit_pt = fig.get_size_inches()[0] * 72 * 0.95 / max(width, 1)
        fit = max(6, int(unit_pt * 0.85 / 4.6))
        if not pm.evaluated:
            ax.text(0.5, 0.5, tr(lang, "未评估：没有列出决策人", "Not evaluated: no stakeholders listed"),
                    ha="center", va="center", fontsize=11, color="#555555", transform=ax.transAxes)
        r_max = float(st["relationship"]["max"])
        for _, r in p.iterrows():
            x, dpt = pos[r["person"]]
            y = -dpt
            b = r["reports_to"]
            if isinstance(b, str) and b in pos and b != r["person"]:
                bx, bd = pos[b]
                ax.plot([bx, bx, x, x], [-bd - 0.3, (-bd + y) / 2, (-bd + y) / 2, y + 0.3], color="#999999", lw=1, zorder=1)
            color = STANCE_COLOR.get(r["stance"] if isinstance(r["stance"], str) else None)
            rel = 0.0 if r["relationship"] != r["relationship"] else float(r["relationship"])
            met = r["met"] is True
            box = FancyBboxPatch((x - 0.45, y - 0.3), 0.9, 0.6, boxstyle="round,pad=0.02",
                                 facecolor=color, alpha=0.25 if met else 0.08, edgecolor=color,
                                 linewidth=0.8 + 2.4 * rel / r_max, linestyle="-" if met else "--", zorder=2)
            ax.add_patch(box)
            role = roles.get(r["role"], {}).get(lang, "") if r["role"] else ""
            star = "★ " if r["role"] == "decision_maker" else ""
            title_txt = r["title"] if isinstance(r["title"], str) else ""
            infl = "" if r["influence"] != r["influence"] else f" · {tr(lang, '影响', 'infl.')} {r['influence']:g}"
            ax.text(x, y + 0.1, short_name(f"{star}{r['person']}", fit), ha="center", va="center", fontsize=8.5,
                    weight="bold", zorder=3)
            ax.text(x, y - 0.12, "\n".join(short_name(line, int(fit * 1.2)) for line in (title_txt, f"{role}{infl}")
                                           if line.strip()),
                    ha="center", va="center", fontsize=7, zorder=3)
        ax.set_xlim(-0.6, width - 0.4)
        ax.set_ylim(-depth + 0.4, 0.6)
        ttl = title or tr(lang, "决策权力图：汇报关系（颜色 = 态度，边框粗细 = 关系强度，虚线 = 未见过）",
                          "Power map: reporting lines (colour = attitude, border = relationship, dashed = not met)")
        ax.set_title(ttl, fontsize=9.5, loc="left")
        fig.tight_layout()
        return fig


def stage_chart(evaluation: Any = None, lang: str = "zh", *, config: Config | None = None, ax=None):
    """The eight steps (八步) as a staircase of win rates.

    With a deal evaluation, the stage reported is marked ▲ and the stage the
    evidence supports ●; when they differ, the gap is the over-staging.
    """
    from matplotlib.figure import Figure

    with chart_lang(lang) as lang:
        cfg = evaluation.config if evaluation is not None else (config or default_config())
        stages = [s for s in cfg.stages() if s.get("step") is not None]
        stages.sort(key=lambda s: s["step"])
        if ax is None:
            fig = Figure(figsize=(8.2, 3.6))
            ax = fig.subplots()
        else:
            fig = ax.figure
        steps = [s["step"] for s in stages]
        rates = [s["win_rate"] for s in stages]
        gate_steps = [s["step"] for s in stages if s.get("gate")]
        colors = [PALETTE["accent"] if s.get("gate") else PALETTE["secondary"] for s in stages]
        ax.bar(steps, rates, color=colors, width=0.7, alpha=0.85)
        for s in stages:
            ax.text(s["step"], s["win_rate"] + 0.02, fmt_pct(s["win_rate"]), ha="center", fontsize=8)
        wrap = 6 if lang == "zh" else 12
        ax.set_xticks(steps, [f"{s['step']}\n{textwrap.fill(s[lang], wrap, break_long_words=False)}" for s in stages],
                      fontsize=8)
        ax.set_ylim(0, 1.25)
        from matplotlib.ticker import PercentFormatter

        ax.set_yticks(np.linspace(0, 1, 6))
        ax.yaxis.set_major_formatter(PercentFormatter(1.0))
        ax.set_ylabel(tr(lang, "赢率", "Win rate"))
        if gate_steps:
            ax.text(gate_steps[0], 0.02, "Go/NoGo", ha="center", va="bottom", fontsize=7.5, color="white", weight="bold")
        ttl = tr(lang, "八步：每一步由客户可验证的结果定义", "The eight steps: each defined by an outcome the customer can verify")
        if evaluation is not None and evaluation.stage.step is not None:
            sup = evaluation.stage
            claimed = sup.step
            ax.annotate(tr(lang, "▲ 填报", "▲ reported"), (claimed, rates[steps.index(claimed)] + 0.1), ha="center",
                        fontsize=8.5, color="black", weight="bold")
            if sup.over_staged is not None:
                s_step = sup.supported_step
                if s_step is None:
                    ax.text(0.6, 1.12, tr(lang, "● 证据：连第1步都不够", "● evidence: not even step 1"), fontsize=8.5,
                            color=PALETTE["below"])
                elif s_step != claimed:
                    ax.annotate(tr(lang, "● 证据支持", "● evidence supports"), (s_step, rates[steps.index(s_step)] + 0.1),
                                ha="center", fontsize=8.5, color=PALETTE["below"], weight="bold")
                if sup.over_staged:
                    s_txt = "–" if s_step is None else str(s_step)
                    ttl = tr(lang, f"阶段虚高：填报第{claimed}步，证据只支持到第{s_txt}步",
                             f"Over-staged: reported at step {claimed}, the evidence supports step {s_txt}")
                else:
                    ttl = tr(lang, f"阶段有证据支持：第{claimed}步", f"Stage supported by the evidence: step {claimed}")
            ttl = f"{_short(evaluation.title(lang), 60)}\n" + ttl
        ax.set_title(ttl, fontsize=10, loc="left")
        fig.tight_layout()
        return fig


def portfolio_chart(portfolio: Any, lang: str = "zh", *, label: int = 8, ax=None):
    """Deals by score (x) and weighted amount (y), marked by verdict; over-staged deals ringed.

    Shaded bands show the NoGo and Go thresholds; deals not evaluated are
    counted in the title, not plotted (they have no score).
    """
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    from ..deals import deals_section

    with chart_lang(lang) as lang:
        t = portfolio.table
        ev = t[t["evaluated"]]
        cfg = portfolio.config
        g = deals_section(cfg)["go_nogo"]
        if ax is None:
            fig = Figure(figsize=(7.8, 4.8))
            ax = fig.subplots()
        else:
            fig = ax.figure
        ax.axvspan(0, float(g["nogo_below"]), color=PALETTE["below"], alpha=0.07, zorder=0)
        ax.axvspan(float(g["go_min"]), 100, color=PALETTE["excellent"], alpha=0.07, zorder=0)
        ax.axvline(float(g["nogo_below"]), color=PALETTE["below"], lw=0.8, ls="--")
        ax.axvline(float(g["go_min"]), color=PALETTE["excellent"], lw=0.8, ls="--")
        y = ev["weighted_amount"].astype(float)
        for v, sty in VERDICT_STYLE.items():
            m = ev["verdict"] == v
            if m.any():
                ax.scatter(ev.loc[m, "score"], y[m], c=sty["color"], marker=sty["marker"], s=sty["size"], zorder=3,
                           edgecolor="white", linewidth=0.5)
        over = ev["over_staged"] == True  # noqa: E712
        if over.any():
            ax.scatter(ev.loc[over, "score"], y[over], facecolor="none", edgecolor="black", s=230, linewidth=1.1, zorder=4)
        ax.set_xlim(0, 100)
        top_y = float(y.max()) if len(y) and y.notna().any() else 0.0
        ax.set_ylim(0, max(top_y, 1e4) * 1.12)
        unit = money_axis(ax, lang, "y")
        ax.set_xlabel(tr(lang, "九要素得分（0–100）", "Nine-factor score (0–100)"))
        ax.set_ylabel(tr(lang, "加权金额（元）", "Weighted amount (RMB)"))
        handles = [Line2D([], [], marker=VERDICT_STYLE[v]["marker"], ls="", color=VERDICT_STYLE[v]["color"],
                          markersize=8, label=tr(lang, *VERDICT_NAMES[v])) for v in ("go", "review", "nogo")]
        handles.append(Line2D([], [], marker="o", ls="", markerfacecolor="none", markeredgecolor="black", markersize=11,
                              label=tr(lang, "圈 = 阶段虚高", "ring = over-staged")))
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8, frameon=False)
        n_na = int((~t["evaluated"]).sum())
        tot = fmt_money(float(ev["weighted_amount"].sum()), lang, unit)
        ax.set_title(tr(lang, f"机会组合：{len(ev)} 个已评估（加权 {tot}），{n_na} 个未评估未画出",
                        f"Deal portfolio: {len(ev)} evaluated (weighted {tot}); {n_na} not evaluated, not shown"),
                     fontsize=10, loc="left")
        fig.tight_layout()
        if not len(ev):
            ax.text(50, max(top_y, 1e4) * 0.56, tr(lang, "没有已评估（九要素打分）的机会", "No deal has been scored on the "
                                                  "nine factors yet"), ha="center", va="center", color="#555555")
        ok = ev["weighted_amount"].notna() & ev["score"].notna()
        label_points(ax, ev.loc[ok, "score"], y[ok], [str(o) for o in ev.loc[ok, "opportunity_id"]],
                     priority=y[ok], limit=label, fontsize=7.5)
        return fig
