"""Deal review (layer 2, 如何销售): the eight steps, the nine success factors, Go / Review / NoGo.

The article gives the nine success factors (九大成功要素) in one line each and
says *NoGo is often more important than Go* (NoGo比Go的决定往往更重要).  This
module turns them into an evaluation a coach can defend, one small named rule
at a time, every number from ``method.yaml`` (section ``deals``, each with
its ``source``: kalib's defaults, and our reading of the article for the
weight of sales efficiency):

1. **The scorecard** (:func:`factor_guide`): each factor is scored on the
   configured scale (default 1-5) against anchored level descriptions and
   two to four guiding questions; blank means *not scored*, never zero.
2. **The deal score** (:func:`deal_score`): the weighted mean of the scored
   factors on 0-100 (all factors at 3 = 50, all at 4 = 75), and its profile.
3. **The gate** (:func:`check_gate`): qualification (销售判定) below its
   minimum makes a deal NoGo whatever the rest says.
4. **Red flags** (:func:`red_flags`): a rule table in the configuration; each
   rule fires on a factor score or on a check of the decision power map
   (:mod:`kalib.powermap`), optionally only from a given stage on.
5. **The eight steps** (:func:`eight_steps`, :func:`stage_support`): each
   stage's verifiable outcome, key actions and the evidence a manager asks
   for; a deal whose evidence does not support its stage is *over-staged*.
6. **The verdict** (:func:`decide`): Go / Review / NoGo with its reasons, and
   the three actions that would raise the deal most (:func:`next_actions`).
7. **The portfolio** (:func:`portfolio`): all a client's open deals ranked by
   score and weighted amount, with NoGo candidates and over-staged deals.

Input tables (canonical columns, :mod:`kalib.schema`)
------------------------------------------------------
``deal_scores``: ``opportunity_id`` and the nine factor columns
(``process`` ... ``qualification``).  ``stakeholders``: see
:mod:`kalib.powermap`.  ``opportunities``: ``opportunity_id``, ``stage``,
``status``, ``amount``, ``win_rate_override``, ``customer``, ``name``, ``owner``.

Examples
--------
>>> ev = evaluate_deal({"process": 4, "buying_factors": 4, "pricing": 4, "power_map": 4, "decision_style": 3,
...                     "theme": 4, "negotiation": 3, "efficiency": 3, "qualification": 4}, stage="solution")
>>> ev.verdict, round(ev.score, 1)
('go', 69.0)
>>> ev = evaluate_deal({"qualification": 2, "process": 5}, stage="qualified")
>>> ev.verdict, ev.gate.passed
('nogo', False)
>>> evaluate_deal(None).verdict
'not_evaluated'
"""

from __future__ import annotations

import copy
import math
import warnings
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from .client import Client
from .config import Config, default_config, normalise_label, source_name
from .i18n import fmt_num, fmt_pct, fmt_rmb, tr
from .powermap import CHECK_NAMES, PowerMap, power_map
from .schema import FACTORS

__all__ = [
    "FACTOR_KEYS",
    "VERDICTS",
    "Gate",
    "Flag",
    "Action",
    "Requirement",
    "StageSupport",
    "DealEvaluation",
    "Portfolio",
    "deal_settings",
    "deals_section",
    "deal_rows",
    "review_deal",
    "factor_guide",
    "factor_table",
    "factor_card",
    "eight_steps",
    "steps_markdown",
    "rules_markdown",
    "read_scores",
    "deal_score",
    "factor_profile",
    "tas_answers",
    "check_gate",
    "resolve_check",
    "stage_support",
    "red_flags",
    "decide",
    "next_actions",
    "evaluate_deal",
    "portfolio",
    "default_opportunity",
    "shown_score",
    "score_text",
]

FACTOR_KEYS: tuple[str, ...] = tuple(k for k, _, _ in FACTORS)
FACTOR_NAMES: dict[str, tuple[str, str]] = {k: (zh, en) for k, zh, en in FACTORS}

VERDICTS: dict[str, tuple[str, str]] = {
    "go": ("Go（继续）", "Go"),
    "review": ("复核", "Review"),
    "nogo": ("NoGo（放弃）", "NoGo"),
    "not_evaluated": ("未评估", "Not evaluated"),
}
"""Verdict keys and their labels (zh, en)."""

# Which factor a power-map check (or the stage check) is about: actions that
# fix a flag raised by a check improve this factor.
CHECK_FACTOR = {
    "decision_maker_identified": "power_map",
    "decision_maker_access": "power_map",
    "decision_maker_covered": "power_map",
    "senior_access": "power_map",
    "high_influence_opponents": "power_map",
    "multi_threaded": "power_map",
    "coach": "power_map",
    "relationships_placed": "power_map",
    "decision_maker_style": "decision_style",
    "stage_supported": None,
}

_Pair = tuple[str, str]  # (zh, en)


def _t(lang: str, pair: _Pair) -> str:
    return tr(lang, pair[0], pair[1])


def _isna(v: Any) -> bool:
    return v is None or v is pd.NA or (isinstance(v, (float, np.floating)) and math.isnan(v))


def _get(mapping: Mapping[Any, Any], key: Any) -> Any:
    """A value by int or str key (YAML keys may come either way from overrides)."""
    for k in (key, str(key)):
        if k in mapping:
            return mapping[k]
    try:
        return mapping.get(int(key))
    except (TypeError, ValueError):
        return None


def _num(x: float) -> str:
    return f"{x:g}"


def shown_score(score: float | None) -> float | None:
    """A deal score as every view shows it: rounded to one decimal (None stays None).  The course's exercises
    take this number too, so what a trainee reads and what an answer expects cannot differ."""
    return None if score is None or score != score else round(float(score) + 0.0, 1)


def score_text(score: float | None, na: str = "–") -> str:
    """A deal score as text: one decimal, none when it is a whole number (``45``, ``44.5``); ``na`` when
    not evaluated.

    >>> score_text(44.5), score_text(45.0), score_text(36.41304), score_text(None)
    ('44.5', '45', '36.4', '–')
    """
    v = shown_score(score)
    return na if v is None else f"{v:g}"


# ---------------------------------------------------------------------------
# settings and teaching tables
# ---------------------------------------------------------------------------
_CACHE: "weakref.WeakKeyDictionary[Config, dict[str, Any]]" = weakref.WeakKeyDictionary()


def _cached(cfg: Config) -> dict[str, Any]:
    """Settings read once per Config (a Config is immutable): deals section, stages, lookups."""
    c = _CACHE.get(cfg)
    if c is None:
        d = cfg.section("deals")
        if not d or "factors" not in d:
            raise ValueError("the configuration has no deals.factors section (kalib/method.yaml)")
        missing = [k for k in FACTOR_KEYS if k not in d["factors"]]
        if missing:
            raise ValueError(f"deals.factors lacks {', '.join(missing)} (kalib/method.yaml)")
        c = {"deals": d, "stages": {s["key"]: s for s in cfg.stages()}, "lookup": cfg.stage_lookup()}
        _CACHE[cfg] = c
    return c


def deals_section(config: Config | None) -> dict[str, Any]:
    """The ``deals`` section of the configuration, shared: read it, never change it (see
    :func:`deal_settings` for a copy)."""
    return _cached(config or _default())["deals"]


@lru_cache(maxsize=1)
def _default() -> Config:
    return default_config()


def deal_settings(config: Config | None = None) -> dict[str, Any]:
    """The ``deals`` section of the configuration (a copy)."""
    return copy.deepcopy(deals_section(config))


def _weights(d: Mapping[str, Any]) -> dict[str, float]:
    w = {k: float(d["factors"][k]["weight"]) for k in FACTOR_KEYS}
    if any(v < 0 for v in w.values()) or sum(w.values()) <= 0:
        raise ValueError("deals.factors weights must be non-negative and not all zero")
    return w


def _stage_info(config: Config) -> dict[str, dict[str, Any]]:
    return _cached(config)["stages"]


def _stage_key(stage: Any, config: Config) -> str | None:
    if _isna(stage) or str(stage).strip() == "":
        return None
    info = _stage_info(config)
    if stage in info:
        return str(stage)
    key = _cached(config)["lookup"].get(normalise_label(stage))
    if key is None:
        raise ValueError(f"unknown stage {stage!r}; known stages: {', '.join(info)}")
    return key


def _step(stage: str | None, config: Config) -> int | None:
    if stage is None:
        return None
    s = _stage_info(config)[stage].get("step")
    return None if s is None else int(s)


def factor_guide(config: Config | None = None, lang: str = "zh") -> pd.DataFrame:
    """The nine-factor scorecard as a table: weight, gate, TAS question, level anchors, guiding questions.

    Returns
    -------
    DataFrame
        Indexed by factor key; columns ``factor`` (name), ``weight`` (share of
        the total, sums to 1), ``gate`` (bool), ``question`` (the TAS question
        it answers), ``level_1`` ... ``level_<max>`` (anchored descriptions),
        ``questions`` (guiding questions, one per line) and ``source``.

    >>> g = factor_guide(lang="en")
    >>> bool(g.loc["qualification", "gate"]), round(float(g["weight"].sum()), 6)
    (True, 1.0)
    >>> g.loc["pricing", "level_1"]
    'Budget and price not discussed yet'
    """
    cfg = config or _default()
    d = deals_section(cfg)
    w = _weights(d)
    total = sum(w.values())
    gate = d["go_nogo"]["gate_factor"]
    tas = d["tas"]["questions"]
    lo, hi = int(d["scale"]["min"]), int(d["scale"]["max"])
    rows = []
    for k in FACTOR_KEYS:
        f = d["factors"][k]
        name = _t(lang, FACTOR_NAMES[k])
        row = {"factor": name, "weight": w[k] / total, "gate": k == gate,
               "question": tas[f["tas"]][lang] if f.get("tas") in tas else ""}
        for lvl in range(lo, hi + 1):
            item = _get(f["levels"], lvl)
            row[f"level_{lvl}"] = item[lang] if item else ""
        row["questions"] = "\n".join(q[lang] for q in f.get("questions", []))
        row["source"] = f.get("source", d.get("source", "default"))
        rows.append(row)
    return pd.DataFrame(rows, index=pd.Index(FACTOR_KEYS, name="key"))


def factor_table(config: Config | None = None, lang: str = "zh") -> pd.DataFrame:
    """The nine factors to read: name, weight (%), gate mark and the TAS question, headers in ``lang``.

    >>> factor_table(lang="en").columns.tolist()
    ['Factor', 'Weight', 'Source', 'Gate', 'TAS question']
    """
    g = factor_guide(config, lang)
    names = g["factor"].to_numpy() if lang == "zh" else \
        [f"{name} ({FACTOR_NAMES[k][0]})" for k, name in zip(g.index, g["factor"])]
    d = deals_section(config or _default())
    return pd.DataFrame({
        tr(lang, "要素", "Factor"): names,
        tr(lang, "权重", "Weight"): [fmt_pct(x) for x in g["weight"]],
        tr(lang, "来源", "Source"): [source_name(str(d["factors"][k].get("source", "default")), lang) for k in g.index],
        tr(lang, "关口", "Gate"): ["✓" if x else "" for x in g["gate"]],
        tr(lang, "TAS 问题", "TAS question"): g["question"].to_numpy(),
    }, index=pd.RangeIndex(1, len(g) + 1, name="#"))


def factor_card(factor: str, config: Config | None = None, lang: str = "zh") -> str:
    """One factor's scorecard as Markdown: what it means, the scale with anchors, the questions.

    >>> print(factor_card("qualification", lang="en").splitlines()[0])
    ### 9. Qualification (销售判定) · gate · weight 14%
    """
    if factor not in FACTOR_KEYS:
        raise ValueError(f"unknown factor {factor!r}; the nine factors are: {', '.join(FACTOR_KEYS)}")
    cfg = config or _default()
    d = deals_section(cfg)
    g = factor_guide(cfg, lang)
    row = g.loc[factor]
    i = FACTOR_KEYS.index(factor) + 1
    zh, en = FACTOR_NAMES[factor]
    gate = tr(lang, "关口 · ", "gate · ") if row["gate"] else ""
    title = (f"### {i}. {zh}（{gate}权重 {fmt_pct(row['weight'])}）" if lang == "zh"
             else f"### {i}. {en} ({zh}) · {gate}weight {fmt_pct(row['weight'])}")
    levels = d["scale"]["levels"]
    lines = [title, "", f"*{row['question']}*", "",
             f"| {tr(lang, '分', 'Score')} | {tr(lang, '等级', 'Level')} | {tr(lang, '表现', 'What it looks like')} |",
             "|---|---|---|"]
    for lvl in range(int(d["scale"]["min"]), int(d["scale"]["max"]) + 1):
        lab = _get(levels, lvl) or {}
        lines.append(f"| {lvl} | {lab.get(lang, '')} | {row[f'level_{lvl}']} |")
    lines += ["", f"**{tr(lang, '引导问题', 'Guiding questions')}**", ""]
    lines += [f"- {q}" for q in row["questions"].split("\n") if q]
    return "\n".join(lines)


def eight_steps(config: Config | None = None, lang: str = "zh") -> pd.DataFrame:
    """The eight steps (八步) as a teaching and checking table.

    Returns
    -------
    DataFrame
        One row per stage with a step number, in order: ``step``, ``stage``
        (name), ``win_rate``, ``outcome`` (the verifiable customer outcome, from
        ``stages``), ``actions`` (key actions), ``evidence`` (what a manager
        asks for) and ``requires`` (what a deal needs to be supported at this
        stage, on top of the earlier stages).  Indexed by stage key.

    >>> t = eight_steps(lang="en")
    >>> int(t.loc["qualified", "step"]), float(t.loc["qualified", "win_rate"])
    (4, 0.5)
    >>> print(t.loc["agreed", "requires"])
    Pricing ≥ 4; Negotiation ≥ 3
    """
    cfg = config or _default()
    d = deals_section(cfg)
    steps = d.get("steps", {})
    rows, keys = [], []
    for st in cfg.stages():
        if st.get("step") is None:
            continue
        s = steps.get(st["key"], {})
        rows.append({
            "step": int(st["step"]),
            "stage": st[lang] if lang == "en" else f"{st['zh']}（{st['en']}）",
            "win_rate": float(st["win_rate"]),
            "outcome": st.get(f"outcome_{lang}", ""),
            "actions": "\n".join(a[lang] for a in s.get("actions", [])),
            "evidence": "\n".join(e[lang] for e in s.get("evidence", [])),
            "requires": _requires_text(s.get("requires") or {}, lang),
        })
        keys.append(st["key"])
    return pd.DataFrame(rows, index=pd.Index(keys, name="key"))


def _requires_text(req: Mapping[str, Any], lang: str) -> str:
    parts = [f"{_t(lang, FACTOR_NAMES[f])} ≥ {_num(float(m))}" for f, m in (req.get("factors") or {}).items()]
    parts += [_t(lang, CHECK_NAMES.get(c, (c, c))) for c in (req.get("checks") or [])]
    return "; ".join(parts) if parts else "–"


def steps_markdown(config: Config | None = None, lang: str = "zh") -> str:
    """The eight steps as a Markdown table: outcome, key actions, evidence, what supports the stage.

    >>> print(steps_markdown(lang="en").splitlines()[0])
    | Step | Stage | Win rate | Verifiable outcome | Key actions | Evidence a manager asks for | Needs (on top of earlier steps) |
    """
    t = eight_steps(config, lang)
    head = [tr(lang, "步", "Step"), tr(lang, "阶段", "Stage"), tr(lang, "赢率", "Win rate"),
            tr(lang, "客户可验证的结果", "Verifiable outcome"), tr(lang, "关键动作", "Key actions"),
            tr(lang, "经理要看的证据", "Evidence a manager asks for"),
            tr(lang, "阶段成立还需（在前面各步之上）", "Needs (on top of earlier steps)")]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for _, r in t.iterrows():
        cells = [str(r["step"]), r["stage"], fmt_pct(r["win_rate"]), r["outcome"],
                 r["actions"].replace("\n", "<br>"), r["evidence"].replace("\n", "<br>"), r["requires"]]
        lines.append("| " + " | ".join(c.replace("|", "/") for c in cells) + " |")
    return "\n".join(lines)


def rules_markdown(config: Config | None = None, lang: str = "zh") -> str:
    """How a deal is scored and judged, in words, with this configuration's numbers and their sources.

    >>> "60" in rules_markdown(lang="en") and "gate" in rules_markdown(lang="en")
    True
    """
    cfg = config or _default()
    d = deals_section(cfg)
    g = d["go_nogo"]
    lo, hi = d["scale"]["min"], d["scale"]["max"]
    gz, ge = FACTOR_NAMES[g["gate_factor"]]
    levels = d["scale"]["levels"]
    scale = ("、" if lang == "zh" else ", ").join(f"{i} {(_get(levels, i) or {}).get(lang, '')}" for i in range(lo, hi + 1))
    sev = d["severities"]
    mid, good = (lo + hi) // 2, min(hi, (lo + hi) // 2 + 1)
    at = {v: f"{100 * (v - lo) / (hi - lo):g}" for v in (mid, good)}
    if lang == "zh":
        return "\n".join([
            f"- **评分**：每个要素按 {lo}–{hi} 分打分（{scale}），每一分都有分数说明（评分标准）和引导问题；空白 = 未评分，**不是 0 分**。",
            f"- **得分**：已评要素的加权平均，换算到 0–100：100 × Σ 权重 ×（分 − {lo}）/ {hi - lo} ÷ Σ 权重。全部 {mid} 分 = {at[mid]}，全部 {good} 分 = {at[good]}。",
            f"- **关口**：{gz}低于 {g['gate_min']} 分（项目不真实或赢不了），直接 **NoGo**。",
            f"- **NoGo**：得分低于 {g['nogo_below']}，或有 {g['nogo_serious_flags']} 个或更多「{sev['serious']['zh']}」危险信号。",
            f"- **Go**：过了关口，得分不低于 {g['go_min']}，至少评了 {g['min_scored']} 个要素，且没有「{sev['serious']['zh']}」危险信号。",
            "- **复核**：其余情况：说明原因，补齐证据后再判。",
            f"- 这些数字的来源：{FACTOR_NAMES['efficiency'][0]}的权重是"
            f"{source_name(str(d['factors']['efficiency'].get('source', 'default')), 'zh')}，其余都是"
            f"{source_name('default', 'zh')}（见下面要素表的“来源”一列）；都可以在 `client.yml` 的 `overrides: deals:` 下按客户调整。",
        ])
    return "\n".join([
        f"- **Scoring**: each factor is scored {lo}–{hi} ({scale}), every level with an anchored description and "
        "guiding questions; blank = not scored, **never 0**.",
        f"- **Score**: the weighted mean of the scored factors on 0–100: 100 × Σ weight × (score − {lo}) / {hi - lo} "
        f"÷ Σ weight. All at {mid} = {at[mid]}; all at {good} = {at[good]}.",
        f"- **Gate**: {ge} below {g['gate_min']} (not known to be real or winnable) is **NoGo** at once.",
        f"- **NoGo**: a score below {g['nogo_below']}, or {g['nogo_serious_flags']} or more "
        f"'{sev['serious']['en']}' red flags.",
        f"- **Go**: gate passed, score at least {g['go_min']}, at least {g['min_scored']} factors scored, and no "
        f"'{sev['serious']['en']}' red flag.",
        "- **Review**: anything else, with the reasons; get the evidence and judge again.",
        f"- Where these numbers come from: the weight of {FACTOR_NAMES['efficiency'][1].lower()} is "
        f"{source_name(str(d['factors']['efficiency'].get('source', 'default')), 'en')}, the rest are "
        f"{source_name('default', 'en')}s (the factor table's 'Source' column); change any of them per client under "
        "`overrides: deals:` in `client.yml`.",
    ])


# ---------------------------------------------------------------------------
# scores
# ---------------------------------------------------------------------------
@lru_cache(maxsize=1)
def _factor_lookup() -> dict[str, str]:
    out: dict[str, str] = {}
    for i, (k, zh, en) in enumerate(FACTORS, 1):
        for name in (k, zh, en, f"{i}. {zh}"):
            out[normalise_label(name)] = k
    return out


def read_scores(scores: Mapping[str, Any] | pd.Series | None, config: Config | None = None) -> dict[str, float | None]:
    """The nine factor scores as ``{factor: float or None}`` (None = not scored).

    Parameters
    ----------
    scores
        A mapping or a row (Series) keyed by factor key (``process`` ...
        ``qualification``) or name (销售进程, Sales process); other keys are
        ignored.  Blank, None and NaN mean not scored.
    config
        The method's configuration (the scale).

    Raises
    ------
    ValueError
        A score that is not a number, or is outside the scale; the message
        names the factor.

    >>> read_scores({"销售定价": 3, "theme": None})["pricing"], read_scores({"theme": ""})["theme"]
    (3.0, None)
    >>> read_scores({"pricing": 7})
    Traceback (most recent call last):
    ...
    ValueError: factor 'pricing' (销售定价) is 7, outside the scale 1–5
    """
    cfg = config or _default()
    sc = deals_section(cfg)["scale"]
    lo, hi = float(sc["min"]), float(sc["max"])
    out: dict[str, float | None] = {k: None for k in FACTOR_KEYS}
    if scores is None:
        return out
    lookup = _factor_lookup()
    items = scores.items() if hasattr(scores, "items") else []
    for name, v in items:
        k = name if name in out else lookup.get(normalise_label(name))
        if k is None:
            continue
        if _isna(v) or (isinstance(v, str) and not v.strip()):
            continue
        try:
            x = float(v)
        except (TypeError, ValueError):
            raise ValueError(f"factor {k!r} ({FACTOR_NAMES[k][0]}) must be a number, not {v!r}") from None
        if math.isnan(x):
            continue
        if not lo <= x <= hi:
            raise ValueError(f"factor {k!r} ({FACTOR_NAMES[k][0]}) is {_num(x)}, outside the scale {_num(lo)}–{_num(hi)}")
        out[k] = x
    return out


def deal_score(scores: Mapping[str, Any] | pd.Series | None, config: Config | None = None) -> float | None:
    """The deal score, 0-100: the weighted mean of the scored factors, rescaled.

    ``100 × Σ w·(s − min)/(max − min) / Σ w`` over the factors that are
    scored (weights from ``deals.factors.*.weight``).  None when no factor is
    scored: a deal not scored is *not evaluated*, never 0.

    >>> deal_score({k: 3 for k in FACTOR_KEYS}), deal_score({"pricing": 5}), deal_score({})
    (50.0, 100.0, None)
    """
    cfg = config or _default()
    d = deals_section(cfg)
    s = read_scores(scores, cfg)
    w = _weights(d)
    lo, hi = float(d["scale"]["min"]), float(d["scale"]["max"])
    num = den = 0.0
    for k, v in s.items():
        if v is None:
            continue
        num += w[k] * (v - lo) / (hi - lo)
        den += w[k]
    if den == 0:
        return None
    return 100.0 * num / den


def factor_profile(scores: Mapping[str, Any] | pd.Series | None, config: Config | None = None,
                   lang: str = "zh") -> pd.DataFrame:
    """Each factor's score, level and weight: the deal's profile.

    Returns
    -------
    DataFrame
        Indexed by factor key: ``factor`` (name), ``score`` (NaN = not
        scored), ``level`` (the anchor's short name), ``anchor`` (its
        description), ``weight`` (share), ``gate``, ``points`` (what the
        factor adds to a 0-100 score with all nine scored; NaN if not scored).

    >>> p = factor_profile({"pricing": 2}, lang="en")
    >>> float(p.loc["pricing", "score"]), p.loc["pricing", "level"], bool(pd.isna(p.loc["theme", "score"]))
    (2.0, 'Weak', True)
    """
    cfg = config or _default()
    d = deals_section(cfg)
    s = read_scores(scores, cfg)
    w = _weights(d)
    total = sum(w.values())
    lo, hi = float(d["scale"]["min"]), float(d["scale"]["max"])
    gate = d["go_nogo"]["gate_factor"]
    rows = []
    for k in FACTOR_KEYS:
        v = s[k]
        lvl = None if v is None else int(math.floor(v))
        lab = _get(d["scale"]["levels"], lvl) if lvl is not None else None
        anchor = _get(d["factors"][k]["levels"], lvl) if lvl is not None else None
        rows.append({
            "factor": _t(lang, FACTOR_NAMES[k]),
            "score": np.nan if v is None else v,
            "level": lab[lang] if lab else tr(lang, "未评分", "not scored"),
            "anchor": anchor[lang] if anchor else "",
            "weight": w[k] / total,
            "gate": k == gate,
            "points": np.nan if v is None else 100.0 * w[k] / total * (v - lo) / (hi - lo),
        })
    return pd.DataFrame(rows, index=pd.Index(FACTOR_KEYS, name="key"))


def tas_answers(scores: Mapping[str, Any] | pd.Series | None, config: Config | None = None) -> dict[str, float | None]:
    """TAS's four questions, each answered by the mean score of its factors (None if none scored).

    >>> tas_answers({"qualification": 4, "buying_factors": 2})["opportunity"]
    3.0
    """
    cfg = config or _default()
    d = deals_section(cfg)
    s = read_scores(scores, cfg)
    out: dict[str, float | None] = {}
    for q in d["tas"]["questions"]:
        vals = [s[k] for k in FACTOR_KEYS if d["factors"][k].get("tas") == q and s[k] is not None]
        out[q] = float(np.mean(vals)) if vals else None
    return out


@dataclass(frozen=True)
class Gate:
    """The qualification gate: ``passed`` is None when the gate factor is not scored."""

    factor: str
    score: float | None
    min: float
    passed: bool | None

    def text(self, lang: str = "zh") -> str:
        name = _t(lang, FACTOR_NAMES[self.factor])
        if self.passed is None:
            return tr(lang, f"关口（{name}）未评分。", f"Gate ({name}) not scored.")
        rel = "≥" if self.passed else "<"
        mark = "✓" if self.passed else "✗"
        return tr(lang, f"关口（{name}）{_num(self.score)} {rel} {_num(self.min)} {mark}",
                  f"Gate ({name}) {_num(self.score)} {rel} {_num(self.min)} {mark}")

    def to_dict(self) -> dict[str, Any]:
        return {"factor": self.factor, "score": self.score, "min": self.min, "passed": self.passed}


def check_gate(scores: Mapping[str, Any] | pd.Series | None, config: Config | None = None) -> Gate:
    """The gate rule: the gate factor (default qualification) must score at least ``gate_min``.

    >>> check_gate({"qualification": 3}).passed, check_gate({"qualification": 2.5}).passed, check_gate({}).passed
    (True, False, None)
    """
    cfg = config or _default()
    g = deals_section(cfg)["go_nogo"]
    s = read_scores(scores, cfg)
    f = g["gate_factor"]
    if f not in FACTOR_KEYS:
        raise ValueError(f"deals.go_nogo.gate_factor must be one of {', '.join(FACTOR_KEYS)}, not {f!r}")
    v = s[f]
    return Gate(f, v, float(g["gate_min"]), None if v is None else v >= float(g["gate_min"]))


# ---------------------------------------------------------------------------
# checks from the power map, with factor fallbacks
# ---------------------------------------------------------------------------
def resolve_check(key: str, pm: PowerMap | None, scores: Mapping[str, float | None],
                  config: Config | None = None) -> tuple[str, _Pair, str]:
    """A power-map check's status for a deal: ``(status, (zh, en), source)``.

    From the power map when stakeholders are listed (source ``power_map``);
    otherwise from the factor score named in ``deals.power_map.fallbacks``
    (source ``factor``); otherwise ``unknown``.

    >>> resolve_check("decision_maker_access", None, read_scores({"power_map": 2}))[0]
    'fail'
    >>> resolve_check("coach", None, read_scores({"power_map": 5}))[0]
    'unknown'
    """
    cfg = config or _default()
    if pm is not None and pm.evaluated:
        c = pm.check(key)
        return c.status, (c.zh, c.en), "power_map"
    fb = (deals_section(cfg)["power_map"].get("fallbacks") or {}).get(key)
    name = CHECK_NAMES.get(key, (key, key))
    if fb:
        f, m = fb["factor"], float(fb["min"])
        v = scores.get(f)
        fz, fe = FACTOR_NAMES[f]
        if v is None:
            return "unknown", (f"{name[0]}：没有决策人名单，{fz}也未评分。",
                               f"{name[1]}: no stakeholders listed and {fe} not scored."), "none"
        ok = v >= m
        rel = "≥" if ok else "<"
        return ("ok" if ok else "fail",
                (f"{name[0]}：{'是' if ok else '否'}（按{fz}评分 {_num(v)} {rel} {_num(m)} 判断，没有决策人名单）。",
                 f"{name[1]}: {'yes' if ok else 'no'} (judged from {fe} {_num(v)} {rel} {_num(m)}; no stakeholders listed)."),
                "factor")
    return "unknown", (f"{name[0]}：没有决策人名单，无法判断。", f"{name[1]}: no stakeholders listed, cannot tell."), "none"


# ---------------------------------------------------------------------------
# the eight steps: is the stage supported?
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Requirement:
    """One piece of evidence a stage needs, and whether the deal has it."""

    stage: str
    step: int
    kind: str  # "factor" | "check"
    key: str
    need: float | None
    have: Any
    status: str  # ok | fail | unknown
    zh: str
    en: str

    def text(self, lang: str = "zh") -> str:
        return tr(lang, self.zh, self.en)

    def to_dict(self) -> dict[str, Any]:
        return {"stage": self.stage, "step": self.step, "kind": self.kind, "key": self.key, "need": self.need,
                "have": self.have, "status": self.status, "zh": self.zh, "en": self.en}


@dataclass
class StageSupport:
    """Whether the evidence supports the deal's stage.

    ``over_staged`` is True when the highest stage the evidence supports
    (``supported_stage``) is below the stage reported, None when it cannot be
    judged (no stage, a closed deal, or nothing evaluated).  ``missing`` lists
    the requirements not met between the supported stage and the reported one.
    """

    stage: str | None
    step: int | None
    supported_stage: str | None
    supported_step: int | None
    over_staged: bool | None
    missing: list[Requirement] = field(default_factory=list)
    requirements: list[Requirement] = field(default_factory=list)
    reason: _Pair | None = None

    def text(self, lang: str = "zh", config: Config | None = None) -> str:
        cfg = config or _default()
        info = _stage_info(cfg)
        if self.over_staged is None:
            return _t(lang, self.reason) if self.reason else tr(lang, "阶段检查：无法判断。", "Stage check: cannot tell.")

        def name(k: str | None) -> str:
            if k is None:
                return tr(lang, "尚无阶段", "no stage")
            st = info[k]
            return tr(lang, f"第{st['step']}步 {st['zh']}（{fmt_pct(st['win_rate'])}）",
                      f"step {st['step']} {st['en']} ({fmt_pct(st['win_rate'])})")

        if not self.over_staged:
            return tr(lang, f"阶段有证据支持：{name(self.stage)}。", f"Stage supported by the evidence: {name(self.stage)}.")
        miss = ("；" if lang == "zh" else "; ").join(r.text(lang) for r in self.missing)
        return tr(lang, f"阶段虚高：填报为{name(self.stage)}，证据只支持到{name(self.supported_stage)}。缺少：{miss}。",
                  f"Over-staged: reported at {name(self.stage)}, the evidence supports {name(self.supported_stage)}. "
                  f"Missing: {miss}.")

    def to_dict(self) -> dict[str, Any]:
        return {"stage": self.stage, "step": self.step, "supported_stage": self.supported_stage,
                "supported_step": self.supported_step, "over_staged": self.over_staged,
                "missing": [r.to_dict() for r in self.missing],
                "reason": None if self.reason is None else {"zh": self.reason[0], "en": self.reason[1]}}


def stage_support(stage: str | None, scores: Mapping[str, Any] | pd.Series | None, pm: PowerMap | None = None,
                  config: Config | None = None) -> StageSupport:
    """Check a deal's stage against its evidence (the requirements of ``deals.steps``).

    Requirements are cumulative: a deal at step N must meet the requirements
    of steps 1..N.  The supported stage is the highest step whose cumulative
    requirements all hold; a requirement without evidence (factor not scored,
    no stakeholders) does not hold.

    Parameters
    ----------
    stage
        A stage key or name; open stages are checked, closed ones are not.
    scores
        The factor scores (see :func:`read_scores`).
    pm
        The deal's power map (None or empty: power-map requirements are judged
        from the fallback factor, see :func:`resolve_check`).

    >>> s = stage_support("agreed", {"buying_factors": 4, "qualification": 4, "process": 4, "power_map": 2,
    ...                              "theme": 4, "pricing": 4, "negotiation": 4})
    >>> s.over_staged, s.supported_stage
    (True, 'identified')
    >>> print(s.missing[0].text("en"))
    High-influence person met: no (judged from Decision power map 2 < 3; no stakeholders listed)
    """
    cfg = config or _default()
    d = deals_section(cfg)
    key = _stage_key(stage, cfg)
    s = read_scores(scores, cfg)
    has_people = pm is not None and pm.evaluated
    if key is None:
        return StageSupport(None, None, None, None, None, reason=("阶段检查：没有填报阶段。", "Stage check: no stage given."))
    info = _stage_info(cfg)
    st = info[key]
    if st["status"] != "open" or st.get("step") is None:
        return StageSupport(key, _step(key, cfg), None, None, None,
                            reason=("阶段检查：机会已关闭，不检查。", "Stage check: the deal is closed; not checked."))
    if all(v is None for v in s.values()) and not has_people:
        return StageSupport(key, _step(key, cfg), None, None, None,
                            reason=("阶段检查：未评估（没有评分和决策人）。",
                                    "Stage check: not evaluated (no scores, no stakeholders)."))
    claimed = int(st["step"])
    open_stages = sorted((x for x in info.values() if x["status"] == "open" and x.get("step") is not None),
                         key=lambda x: x["step"])
    reqs: list[Requirement] = []
    for x in open_stages:
        if x["step"] > claimed:
            break
        r = (d.get("steps", {}).get(x["key"], {}) or {}).get("requires") or {}
        for f, m in (r.get("factors") or {}).items():
            v = s.get(f)
            fz, fe = FACTOR_NAMES[f]
            if v is None:
                reqs.append(Requirement(x["key"], x["step"], "factor", f, float(m), None, "unknown",
                                        f"{fz} ≥ {_num(m)}（未评分）", f"{fe} ≥ {_num(m)} (not scored)"))
            else:
                ok = v >= float(m)
                reqs.append(Requirement(x["key"], x["step"], "factor", f, float(m), v, "ok" if ok else "fail",
                                        f"{fz} ≥ {_num(m)}（现为 {_num(v)}）", f"{fe} ≥ {_num(m)} (now {_num(v)})"))
        for c in r.get("checks") or []:
            status, text, src = resolve_check(c, pm, s, cfg)
            nz, ne = CHECK_NAMES.get(c, (c, c))
            if src == "power_map":
                zh, en = f"{nz}（{text[0].rstrip('。')}）", f"{ne} ({text[1].rstrip('.')})"
            else:
                zh, en = text[0].rstrip("。"), text[1].rstrip(".")
            reqs.append(Requirement(x["key"], x["step"], "check", c, None, status, status, zh, en))
    supported = None
    for x in open_stages:
        if x["step"] > claimed:
            break
        if all(r.status == "ok" for r in reqs if r.step <= x["step"]):
            supported = x
        else:
            break
    sup_step = None if supported is None else int(supported["step"])
    over = sup_step is None or sup_step < claimed
    missing = [r for r in reqs if r.status != "ok" and (sup_step is None or r.step > sup_step)]
    return StageSupport(key, claimed, None if supported is None else supported["key"], sup_step, over, missing, reqs)


# ---------------------------------------------------------------------------
# red flags
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Flag:
    """A red flag that fired: what it is, why it fired, and what to do."""

    key: str
    severity: str  # serious | watch
    zh: str
    en: str
    why_zh: str
    why_en: str
    action_zh: str
    action_en: str
    factor: str | None = None

    def text(self, lang: str = "zh") -> str:
        return tr(lang, self.zh, self.en)

    def why(self, lang: str = "zh") -> str:
        return tr(lang, self.why_zh, self.why_en)

    def action(self, lang: str = "zh") -> str:
        return tr(lang, self.action_zh, self.action_en)

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "severity": self.severity, "zh": self.zh, "en": self.en, "why_zh": self.why_zh,
                "why_en": self.why_en, "action_zh": self.action_zh, "action_en": self.action_en, "factor": self.factor}


def _rule_applies(rule: Mapping[str, Any], step: int | None, config: Config) -> tuple[bool, _Pair]:
    """Whether a rule's ``from_stage`` allows it at this step (and the words for why)."""
    fs = rule.get("from_stage")
    if not fs:
        return True, ("", "")
    info = _stage_info(config)
    if fs not in info:
        raise ValueError(f"red flag from_stage names an unknown stage {fs!r}")
    need = int(info[fs]["step"])
    if step is None:
        return False, ("", "")
    return step >= need, (f"；从「{info[fs]['zh']}」阶段起适用", f"; applies from {info[fs]['en']} on")


def factor_rule(key: str, rule: Mapping[str, Any], scores: Mapping[str, float | None], step: int | None,
                config: Config) -> Flag | None:
    """A red flag on a factor score: fires when ``scores[factor] <= max`` (and the stage allows it)."""
    f = rule["factor"]
    v = scores.get(f)
    ok_stage, stage_why = _rule_applies(rule, step, config)
    if v is None or not ok_stage or v > float(rule["max"]):
        return None
    fz, fe = FACTOR_NAMES[f]
    return Flag(key, rule["severity"], rule["zh"], rule["en"],
                f"{fz} = {_num(v)}（≤ {_num(rule['max'])}）{stage_why[0]}",
                f"{fe} = {_num(v)} (≤ {_num(rule['max'])}){stage_why[1]}",
                rule["action"]["zh"], rule["action"]["en"], f)


def check_rule(key: str, rule: Mapping[str, Any], scores: Mapping[str, float | None], step: int | None,
               pm: PowerMap | None, support: StageSupport | None, config: Config) -> Flag | None:
    """A red flag on a power-map check (or the stage check): fires when the check fails."""
    c = rule["check"]
    ok_stage, stage_why = _rule_applies(rule, step, config)
    if not ok_stage:
        return None
    if c == "stage_supported":
        if support is None or not support.over_staged:
            return None
        sup = "–" if support.supported_step is None else str(support.supported_step)
        why = (f"填报第{support.step}步，证据只支持到第{sup}步", f"reported at step {support.step}, the evidence supports step {sup}")
    else:
        status, text, _src = resolve_check(c, pm, scores, config)
        if status != "fail":
            return None
        why = (text[0], text[1])
    return Flag(key, rule["severity"], rule["zh"], rule["en"], why[0], why[1],
                rule["action"]["zh"], rule["action"]["en"], CHECK_FACTOR.get(c))


def red_flags(scores: Mapping[str, Any] | pd.Series | None, pm: PowerMap | None = None, stage: str | None = None,
              support: StageSupport | None = None, config: Config | None = None) -> list[Flag]:
    """Run the red-flag rule table (``deals.red_flags``) on a deal; the flags that fire, in table order.

    A rule with ``factor`` and ``max`` fires on a score at or below ``max``
    (an unscored factor fires nothing); a rule with ``check`` fires when that
    power-map check fails (:func:`resolve_check`), or, for ``stage_supported``,
    when the deal is over-staged.  ``from_stage`` limits a rule to deals at
    that stage or later (a deal with no stage skips such rules).

    >>> [f.key for f in red_flags({"process": 2, "pricing": 1}, stage="solution")]
    ['led_by_customer', 'price_not_discussed']
    >>> [f.key for f in red_flags({"process": 3, "pricing": 1}, stage="identified")]
    []
    """
    cfg = config or _default()
    d = deals_section(cfg)
    s = read_scores(scores, cfg)
    key = _stage_key(stage, cfg)
    step = _step(key, cfg)
    out: list[Flag] = []
    for k, rule in d["red_flags"].items():
        if not rule or rule.get("enabled", True) is False:
            continue
        if "factor" in rule:
            flag = factor_rule(k, rule, s, step, cfg)
        elif "check" in rule:
            flag = check_rule(k, rule, s, step, pm, support, cfg)
        else:
            raise ValueError(f"red flag {k!r} needs either 'factor' and 'max' or 'check'")
        if flag is not None:
            out.append(flag)
    return out


# ---------------------------------------------------------------------------
# the verdict and the actions
# ---------------------------------------------------------------------------
def decide(score: float | None, gate: Gate, flags: list[Flag], scored: int,
           config: Config | None = None) -> tuple[str, list[_Pair]]:
    """Go / Review / NoGo, by the first rule that matches (thresholds in ``deals.go_nogo``).

    1. nothing scored: *not evaluated*;
    2. the gate factor below ``gate_min``: NoGo;
    3. score below ``nogo_below``: NoGo;
    4. ``nogo_serious_flags`` or more serious flags: NoGo;
    5. the gate factor not scored: Review;
    6. fewer than ``min_scored`` factors scored: Review;
    7. any serious flag: Review;
    8. score at or above ``go_min``: Go;
    9. otherwise: Review.

    Returns the verdict key and the reasons as (zh, en) pairs.

    >>> g = Gate("qualification", 4.0, 3.0, True)
    >>> decide(60.0, g, [], 9)[0], decide(59.9, g, [], 9)[0], decide(39.9, g, [], 9)[0], decide(40.0, g, [], 9)[0]
    ('go', 'review', 'nogo', 'review')
    """
    cfg = config or _default()
    g = deals_section(cfg)["go_nogo"]
    go_min, nogo_below = float(g["go_min"]), float(g["nogo_below"])
    serious = [f for f in flags if f.severity == "serious"]
    n_total = len(FACTOR_KEYS)
    if score is None or scored == 0:
        return "not_evaluated", [("九个要素都没有评分。", "None of the nine factors is scored.")]
    gname = FACTOR_NAMES[gate.factor]
    if gate.passed is False:
        return "nogo", [(f"没过关口：{gname[0]} {_num(gate.score)} < {_num(gate.min)}（项目不真实或赢不了）。",
                         f"Gate failed: {gname[1]} {_num(gate.score)} < {_num(gate.min)} "
                         f"(the deal is not known to be real or winnable).")]
    if score < nogo_below:
        return "nogo", [(f"得分 {score_text(score)} 低于 {_num(nogo_below)}。",
                         f"Score {score_text(score)} is below {_num(nogo_below)}.")]
    if len(serious) >= int(g["nogo_serious_flags"]):
        return "nogo", [(f"{len(serious)} 个严重危险信号（≥ {g['nogo_serious_flags']}）："
                         + "；".join(f.zh for f in serious) + "。",
                         f"{len(serious)} serious red flags (≥ {g['nogo_serious_flags']}): "
                         + "; ".join(f.en for f in serious) + ".")]
    reasons: list[_Pair] = []
    if gate.passed is None:
        reasons.append((f"关口（{gname[0]}）未评分：先判定项目真假。",
                        f"The gate ({gname[1]}) is not scored: judge whether the deal is real first."))
    if scored < int(g["min_scored"]):
        reasons.append((f"只评了 {scored}/{n_total} 个要素（至少需要 {g['min_scored']} 个）。",
                        f"Only {scored} of {n_total} factors scored (at least {g['min_scored']} needed)."))
    for f in serious:
        reasons.append((f"严重危险信号：{f.zh}", f"Serious red flag: {f.en}"))
    if reasons:
        return "review", reasons
    if score >= go_min:
        return "go", [(f"得分 {score_text(score)} ≥ {_num(go_min)}，过了关口，没有严重危险信号。",
                       f"Score {score_text(score)} ≥ {_num(go_min)}, gate passed, no serious red flag.")]
    return "review", [(f"得分 {score_text(score)} 在 {_num(nogo_below)} 与 {_num(go_min)} 之间。",
                       f"Score {score_text(score)} is between {_num(nogo_below)} and {_num(go_min)}.")]


@dataclass(frozen=True)
class Action:
    """An action that would raise the deal: on which factor, why, and by how many score points."""

    factor: str | None
    zh: str
    en: str
    because_zh: str
    because_en: str
    gain: float | None  # points on the 0-100 score (with all nine factors scored)
    priority: int

    def text(self, lang: str = "zh") -> str:
        return tr(lang, self.zh, self.en)

    def because(self, lang: str = "zh") -> str:
        return tr(lang, self.because_zh, self.because_en)

    def to_dict(self) -> dict[str, Any]:
        return {"factor": self.factor, "zh": self.zh, "en": self.en, "because_zh": self.because_zh,
                "because_en": self.because_en, "gain": self.gain, "priority": self.priority}


def next_actions(scores: Mapping[str, Any] | pd.Series | None, flags: list[Flag], gate: Gate | None = None,
                 config: Config | None = None, n: int | None = None) -> list[Action]:
    """The actions that would raise the deal most, best first (default: ``deals.go_nogo.top_actions``).

    Ranking: a failed gate first; then serious red flags; then watch flags;
    then lifting a scored factor to ``action_target`` (by the score points it
    would add: ``100 × w/Σw × (target − s)/(max − min)``); then finding out
    factors not scored yet.  Within a tier, larger gains first.  One action
    per factor, except flags, which each keep their own action.

    >>> a = next_actions({"process": 3, "power_map": 2, "efficiency": 3}, [], n=2)
    >>> [x.factor for x in a], [round(x.gain, 1) for x in a]
    (['power_map', 'process'], [8.0, 3.0])
    """
    cfg = config or _default()
    d = deals_section(cfg)
    g = d["go_nogo"]
    s = read_scores(scores, cfg)
    w = _weights(d)
    total = sum(w.values())
    lo, hi = float(d["scale"]["min"]), float(d["scale"]["max"])
    target = float(g["action_target"])
    n = int(g["top_actions"]) if n is None else n

    def gain(f: str | None) -> float | None:
        if f is None or s.get(f) is None:
            return None
        return max(0.0, 100.0 * w[f] / total * (max(target, s[f]) - s[f]) / (hi - lo))

    cands: list[Action] = []
    done: set[str] = set()
    if gate is not None and gate.passed is False:
        f = d["factors"][gate.factor]
        z, e = FACTOR_NAMES[gate.factor]
        cands.append(Action(gate.factor, f["action"]["zh"], f["action"]["en"],
                            f"没过关口：{z} {_num(gate.score)} < {_num(gate.min)}",
                            f"Gate failed: {e} {_num(gate.score)} < {_num(gate.min)}", gain(gate.factor), 4))
        done.add(gate.factor)
    for fl in flags:
        pr = 3 if fl.severity == "serious" else 2
        cands.append(Action(fl.factor, fl.action_zh, fl.action_en, f"{fl.zh}：{fl.why_zh.rstrip('。')}",
                            f"{fl.en}: {fl.why_en.rstrip('.')}", gain(fl.factor), pr))
        if fl.factor:
            done.add(fl.factor)
    for k in FACTOR_KEYS:
        if k in done:
            continue
        f = d["factors"][k]
        z, e = FACTOR_NAMES[k]
        if s[k] is None:
            q = (f.get("questions") or [{"zh": "", "en": ""}])[0]
            cands.append(Action(k, f"弄清{z}：{q['zh']}", f"Find out {e}: {q['en']}",
                                f"{z}未评分", f"{e} not scored", None, 0))
        elif s[k] < target:
            lvl = _get(d["scale"]["levels"], int(math.floor(s[k]))) or {"zh": "", "en": ""}
            cands.append(Action(k, f["action"]["zh"], f["action"]["en"],
                                f"{z} {_num(s[k])}（{lvl['zh']}），目标 {_num(target)}",
                                f"{e} {_num(s[k])} ({lvl['en']}), target {_num(target)}", gain(k), 1))
    cands.sort(key=lambda a: (-a.priority, -(a.gain if a.gain is not None else -1.0)))
    return cands[:n]


# ---------------------------------------------------------------------------
# the evaluation of one deal
# ---------------------------------------------------------------------------
@dataclass
class DealEvaluation:
    """Everything a deal review says about one deal.

    ``verdict`` is ``go``, ``review``, ``nogo`` or ``not_evaluated``;
    ``score`` is None when no factor is scored (never 0).  Use
    :meth:`summary` for a text, :meth:`to_dict` for JSON, :meth:`profile`
    for the factor table.
    """

    opportunity_id: str | None
    info: dict[str, Any]
    scores: dict[str, float | None]
    score: float | None
    scored: int
    gate: Gate
    tas: dict[str, float | None]
    flags: list[Flag]
    verdict: str
    reasons: list[_Pair]
    actions: list[Action]
    stage: StageSupport
    power_map: PowerMap
    config: Config = field(repr=False, default_factory=default_config)

    @property
    def evaluated(self) -> bool:
        """True when at least one factor is scored."""
        return self.scored > 0

    @property
    def over_staged(self) -> bool | None:
        return self.stage.over_staged

    def verdict_label(self, lang: str = "zh") -> str:
        return _t(lang, VERDICTS[self.verdict])

    def profile(self, lang: str = "zh") -> pd.DataFrame:
        """The nine factors with score, level, anchor, weight and points (see :func:`factor_profile`)."""
        return factor_profile(self.scores, self.config, lang)

    def profile_frame(self, lang: str = "zh") -> pd.DataFrame:
        """The profile to read: factor, score (– = not scored), level, what it looks like, weight, points."""
        p = self.profile(lang)
        return pd.DataFrame({
            tr(lang, "要素", "Factor"): p["factor"].to_numpy(),
            tr(lang, "评分", "Score"): [fmt_num(v, 1) for v in p["score"]],
            tr(lang, "等级", "Level"): p["level"].to_numpy(),
            tr(lang, "表现", "What it looks like"): p["anchor"].to_numpy(),
            tr(lang, "权重", "Weight"): [fmt_pct(x) for x in p["weight"]],
            tr(lang, "贡献分", "Points"): [fmt_num(v, 1) for v in p["points"]],
        }, index=pd.RangeIndex(1, len(p) + 1, name="#"))

    def title(self, lang: str = "zh") -> str:
        i = self.info
        parts = [str(self.opportunity_id or tr(lang, "空白机会", "blank deal"))]
        for k in ("customer", "name"):
            if i.get(k):
                parts.append(str(i[k]))
        return " · ".join(parts)

    def headline(self, lang: str = "zh") -> str:
        """One line: verdict, score, stage."""
        sc = tr(lang, "未评估", "not evaluated") if self.score is None else f"{score_text(self.score)}/100"
        return tr(lang, f"{self.verdict_label(lang)}：得分 {sc}（已评 {self.scored}/9 个要素）",
                  f"{self.verdict_label(lang)}: score {sc} ({self.scored}/9 factors scored)")

    def _stage_line(self, lang: str) -> str:
        i = self.info
        st = _stage_info(self.config).get(self.stage.stage or "", None)
        bits = []
        if st:
            bits.append(tr(lang, f"阶段：第{st['step'] or '–'}步 {st['zh']}", f"Stage: step {st['step'] or '–'} {st['en']}"))
        if not _isna(i.get("win_rate")):
            src = tr(lang, "（销售填写）", " (rep's override)") if i.get("win_rate_source") == "override" else ""
            bits.append(tr(lang, f"赢率 {fmt_pct(i['win_rate'])}{src}", f"win rate {fmt_pct(i['win_rate'])}{src}"))
        if not _isna(i.get("amount")):
            bits.append(tr(lang, f"金额 {fmt_rmb(i['amount'], lang)}", f"amount {fmt_rmb(i['amount'], lang)}"))
        if not _isna(i.get("weighted_amount")):
            bits.append(tr(lang, f"加权金额 {fmt_rmb(i['weighted_amount'], lang)}",
                           f"weighted {fmt_rmb(i['weighted_amount'], lang)}"))
        if i.get("owner"):
            bits.append(tr(lang, f"负责人 {i['owner']}", f"owner {i['owner']}"))
        return " · ".join(bits)

    def summary(self, lang: str = "zh") -> str:
        """The review as Markdown: verdict and reasons, gate, flags, stage check, power map, actions."""
        L = [f"**{self.title(lang)}**", ""]
        sl = self._stage_line(lang)
        if sl:
            L += [sl, ""]
        L.append(f"**{self.headline(lang)}**")
        L += [f"- {_t(lang, r)}" for r in self.reasons]
        L.append("")
        if self.evaluated:
            L.append(self.gate.text(lang))
            L.append("")
            tas_q = deals_section(self.config)["tas"]["questions"]
            L.append(tr(lang, "TAS 四问：", "TAS's four questions: ") + ("；" if lang == "zh" else "; ").join(
                f"{tas_q[q][lang]} {('–' if v is None else f'{v:.1f}')}" for q, v in self.tas.items()))
            L.append("")
        if self.flags:
            L.append(f"**{tr(lang, '危险信号', 'Red flags')}**")
            sev = deals_section(self.config)["severities"]
            for f in self.flags:
                L.append(f"- [{sev[f.severity][lang]}] {f.text(lang)} — {f.why(lang)}")
            L.append("")
        elif self.evaluated:
            L += [tr(lang, "没有危险信号。", "No red flags."), ""]
        L += [self.stage.text(lang, self.config), "", self.power_map.summary(lang), ""]
        if self.actions:
            L.append(f"**{tr(lang, '最能提高赢率的行动', 'Actions that would raise the win rate most')}**")
            for i, a in enumerate(self.actions, 1):
                g = "" if a.gain is None or a.gain == 0 else tr(lang, f"（+{a.gain:.0f} 分）", f" (+{a.gain:.0f} points)")
                L.append(f"{i}. {a.text(lang)}{g} — {a.because(lang)}")
        return "\n".join(L).strip() + "\n"

    def to_dict(self) -> dict[str, Any]:
        info = {k: (None if _isna(v) else (v.isoformat() if hasattr(v, "isoformat") else
                                           (v.item() if hasattr(v, "item") else v)))
                for k, v in self.info.items()}
        return {
            "opportunity_id": self.opportunity_id,
            "info": info,
            "evaluated": self.evaluated,
            "verdict": self.verdict,
            "verdict_zh": VERDICTS[self.verdict][0],
            "verdict_en": VERDICTS[self.verdict][1],
            "reasons": [{"zh": z, "en": e} for z, e in self.reasons],
            "score": None if self.score is None else round(self.score, 2),
            "scored": self.scored,
            "scores": self.scores,
            "gate": self.gate.to_dict(),
            "tas": self.tas,
            "flags": [f.to_dict() for f in self.flags],
            "stage_check": self.stage.to_dict(),
            "power_map": self.power_map.to_dict(),
            "actions": [a.to_dict() for a in self.actions],
            "source": "default",
        }


def _opportunity_info(row: Mapping[str, Any] | None, config: Config) -> dict[str, Any]:
    info: dict[str, Any] = {}
    if row is None:
        return info
    for k in ("customer", "name", "owner", "product", "amount", "stage", "status", "expected_close"):
        v = row.get(k)
        if not _isna(v):
            info[k] = v
    stage = _stage_key(row.get("stage"), config) if not _isna(row.get("stage")) else None
    rate = row.get("win_rate_override")
    if not _isna(rate):
        info["win_rate"], info["win_rate_source"] = float(rate), "override"
    elif stage is not None:
        info["win_rate"], info["win_rate_source"] = config.stage_rates()[stage], "stage"
    amt = row.get("amount")
    if not _isna(amt) and "win_rate" in info:
        info["weighted_amount"] = float(amt) * info["win_rate"]
    return info


def evaluate_deal(
    scores: Any = None,
    stakeholders: pd.DataFrame | list[Mapping[str, Any]] | None = None,
    *,
    stage: str | None = None,
    opportunity_id: str | None = None,
    info: Mapping[str, Any] | None = None,
    config: Config | None = None,
) -> DealEvaluation:
    """Review one deal from its scores and people: score, gate, red flags, stage check, power map,
    verdict and actions.  A deal of a client's data: :func:`review_deal`.

    Parameters
    ----------
    scores
        The factor scores (see :func:`read_scores`), or None.
    stakeholders
        The deal's people (see :mod:`kalib.powermap`), or None.
    stage
        Stage key or name.
    opportunity_id
        The deal's id, shown with it.
    info
        Extra facts shown with the deal (customer, name, owner, amount,
        win_rate_override...), as in the opportunities table.
    config
        The method's configuration.

    Returns
    -------
    DealEvaluation
        ``verdict`` is ``not_evaluated`` when no factor is scored; the power
        map is *not evaluated* when no stakeholders are listed.
    """
    if isinstance(scores, Client):
        warnings.warn("evaluate_deal(client, opportunity_id) is deprecated: use review_deal(client, opportunity_id)",
                      DeprecationWarning, stacklevel=2)
        return review_deal(scores, opportunity_id if opportunity_id is not None else stakeholders, stage=stage)
    cfg = config or _default()
    s = read_scores(scores, cfg)
    row = dict(info or {})
    if stage is not None:
        row["stage"] = stage
    key = _stage_key(row.get("stage"), cfg)
    info_d = _opportunity_info(row, cfg)
    pm = power_map(stakeholders, opportunity_id=opportunity_id, config=cfg)
    scored = sum(v is not None for v in s.values())
    sc = deal_score(s, cfg)
    gate = check_gate(s, cfg)
    support = stage_support(key, s, pm, cfg)
    flags = red_flags(s, pm, key, support, cfg) if (scored or pm.evaluated) else []
    verdict, reasons = decide(sc, gate, flags, scored, cfg)
    actions = next_actions(s, flags, gate, cfg) if (scored or pm.evaluated) else []
    return DealEvaluation(None if opportunity_id is None else str(opportunity_id), info_d, s, sc, scored, gate,
                          tas_answers(s, cfg), flags, verdict, reasons, actions, support, pm, cfg)


def deal_rows(client: Client, opportunity_id: str) -> tuple[pd.Series | None, pd.DataFrame | None, dict[str, Any] | None]:
    """A deal's rows in the client's tables: its scores (the last row), its stakeholders, its
    opportunity (as a dict); None where the client has none."""
    oid = str(opportunity_id).strip()
    scores_row = people = opp = None
    if client.has("deal_scores"):
        ds = client.tables["deal_scores"]
        m = ds[ds["opportunity_id"].astype(str).str.strip() == oid]
        if len(m):
            scores_row = m.iloc[-1]
    if client.has("stakeholders"):
        sh = client.tables["stakeholders"]
        people = sh[sh["opportunity_id"].astype(str).str.strip() == oid]
    if client.has("opportunities"):
        o = client.tables["opportunities"]
        m = o[o["opportunity_id"].astype(str).str.strip() == oid]
        if len(m):
            opp = m.iloc[0].to_dict()
    return scores_row, people, opp


def review_deal(client: Client, opportunity_id: Any, *, stage: str | None = None) -> DealEvaluation:
    """Review one deal of a client (:func:`evaluate_deal` on its row of ``deal_scores``, its
    ``stakeholders`` and its opportunity: stage, amount, win rate).

    ``stage`` replaces the opportunity's stage (a what-if).  Raises ValueError when the client has no
    such deal.
    """
    if opportunity_id is None or (isinstance(opportunity_id, str) and not opportunity_id.strip()):
        raise ValueError("name the deal to review: review_deal(client, opportunity_id)")
    if isinstance(opportunity_id, pd.DataFrame):
        raise TypeError("with a client, the second argument is the opportunity id")
    scores_row, people, opp = deal_rows(client, opportunity_id)
    if scores_row is None and (people is None or not len(people)) and opp is None:
        raise ValueError(f"no opportunity {opportunity_id!r} in this client's opportunities, deal scores or stakeholders")
    info = dict(opp or {})
    if stage is not None:
        info["stage"] = stage
    return evaluate_deal(scores_row, people, opportunity_id=str(opportunity_id), info=info, config=client.config)


def default_opportunity(client: Client) -> str | None:
    """The deal a review opens on: the largest open deal with factor scores (None if there is none).

    Ties and missing amounts fall back to the opportunity id order.
    """
    if not client.has("deal_scores"):
        return None
    ids = client.tables["deal_scores"]["opportunity_id"].astype("object").map(str)
    if not client.has("opportunities"):
        return str(sorted(ids)[0]) if len(ids) else None
    o = client.tables["opportunities"]
    o = o[o["opportunity_id"].astype("object").map(str).isin(set(ids))]
    if "status" in o.columns:
        o = o[o["status"] == "open"]
    if not len(o):
        return None
    o = o.assign(_amt=o["amount"].astype(float).fillna(-1.0), _id=o["opportunity_id"].astype("object").map(str))
    o = o.sort_values(["_amt", "_id"], ascending=[False, True])
    return str(o["_id"].iloc[0])


# ---------------------------------------------------------------------------
# the portfolio
# ---------------------------------------------------------------------------
@dataclass
class Portfolio:
    """A client's deals reviewed together.

    ``table`` has one row per deal (see :func:`portfolio`); ``evaluations``
    keeps each :class:`DealEvaluation` by opportunity id.
    """

    table: pd.DataFrame
    evaluations: dict[str, DealEvaluation]
    problems: list[_Pair] = field(default_factory=list)
    reason: str | None = None  # why the portfolio is empty (no deal tables), when it is
    config: Config = field(repr=False, default_factory=default_config)

    @property
    def evaluated(self) -> pd.DataFrame:
        return self.table[self.table["evaluated"]]

    @property
    def not_evaluated(self) -> pd.DataFrame:
        return self.table[~self.table["evaluated"]]

    @property
    def nogo(self) -> pd.DataFrame:
        """NoGo candidates: effort better spent elsewhere."""
        return self.table[self.table["verdict"] == "nogo"]

    @property
    def over_staged(self) -> pd.DataFrame:
        return self.table[self.table["over_staged"] == True]  # noqa: E712  (NA-safe)

    def counts(self) -> dict[str, int]:
        vc = self.table["verdict"].value_counts()
        return {k: int(vc.get(k, 0)) for k in VERDICTS}

    def amounts(self, column: str = "weighted_amount") -> dict[str, float]:
        """Sum of ``column`` by verdict (NaN amounts are left out)."""
        return {k: float(self.table.loc[self.table["verdict"] == k, column].sum(min_count=1) or 0.0)
                if (self.table["verdict"] == k).any() else 0.0 for k in VERDICTS}

    def to_frame(self, lang: str = "zh", evaluated_only: bool = False) -> pd.DataFrame:
        """The table with readable headers and labels in ``lang``, indexed by rank (– = not evaluated)."""
        t = self.table[self.table["evaluated"]] if evaluated_only else self.table
        na = tr(lang, "未评估", "not evaluated")
        return pd.DataFrame({
            tr(lang, "机会编号", "Opportunity"): t["opportunity_id"],
            tr(lang, "客户", "Customer"): t["customer"].fillna("–"),
            tr(lang, "负责人", "Owner"): t["owner"].fillna("–"),
            tr(lang, "阶段", "Stage"): t[f"stage_{lang}"].fillna("–"),
            tr(lang, "金额", "Amount"): t["amount"].map(lambda v: fmt_rmb(v, lang)),
            tr(lang, "加权金额", "Weighted"): t["weighted_amount"].map(lambda v: fmt_rmb(v, lang)),
            tr(lang, "得分", "Score"): t["score"].map(lambda v: na if pd.isna(v) else score_text(v)),
            tr(lang, "结论", "Verdict"): t["verdict"].map(lambda v: _t(lang, VERDICTS[v])),
            tr(lang, "严重信号", "Serious flags"): t["serious_flags"],
            tr(lang, "阶段虚高", "Over-staged"): t["over_staged"].map(
                lambda v: "–" if v is None or v is pd.NA else (tr(lang, "是", "yes") if v else tr(lang, "否", "no"))),
            tr(lang, "决策权力图", "Power map"): t["power_map_evaluated"].map(
                lambda v: tr(lang, "已列出", "listed") if v else na),
        }).set_axis(pd.Index([("–" if pd.isna(v) else str(int(v))) for v in t["rank"]],
                             name=tr(lang, "排名", "Rank")), axis=0)

    def summary(self, lang: str = "zh") -> str:
        if self.reason:
            return tr(lang, f"机会组合：未评估。{self.reason}", f"Deal portfolio: not evaluated. {self.reason}")
        c = self.counts()
        n_eval = len(self.evaluated)
        amt = self.amounts()
        L = [tr(lang, f"共 {len(self.table)} 个在跟机会，其中 {n_eval} 个已评估：",
                f"{len(self.table)} open deals, {n_eval} evaluated: ")
             + tr(lang, f"Go {c['go']} 个，复核 {c['review']} 个，NoGo {c['nogo']} 个；{c['not_evaluated']} 个未评估。",
                  f"Go {c['go']}, Review {c['review']}, NoGo {c['nogo']}; {c['not_evaluated']} not evaluated.")]
        if c["nogo"]:
            L.append(tr(lang, f"NoGo 候选的加权金额 {fmt_rmb(amt['nogo'], lang)}：这些投入放到别处可能更值得。",
                        f"NoGo candidates hold {fmt_rmb(amt['nogo'], lang)} weighted: effort better spent elsewhere."))
        n_over = len(self.over_staged)
        if n_over:
            L.append(tr(lang, f"{n_over} 个机会阶段虚高（证据支持不了填报的阶段）。",
                        f"{n_over} deal(s) over-staged (the evidence does not support the stage reported)."))
        return " ".join(L)

    def to_dict(self) -> dict[str, Any]:
        recs = []
        for rec in self.table.to_dict(orient="records"):
            recs.append({k: (None if _isna(v) else (v.item() if hasattr(v, "item") else v)) for k, v in rec.items()})
        return {"deals": recs, "counts": self.counts(), "weighted_by_verdict": self.amounts(),
                "problems": [{"zh": z, "en": e} for z, e in self.problems], "reason": self.reason,
                "source": "default"}


PORTFOLIO_COLUMNS = [
    "rank", "opportunity_id", "customer", "name", "owner", "stage", "step", "stage_zh", "stage_en", "status",
    "win_rate", "amount", "weighted_amount", "evaluated", "score", "scored", "gate_passed", "verdict",
    "serious_flags", "flags", "flag_keys", "over_staged", "supported_stage", "power_map_evaluated", "top_action_zh",
    "top_action_en",
]


def portfolio(client: Client, *, status: str | None = "open", strict: bool = True) -> Portfolio:
    """Review all of a client's deals and rank them.

    Parameters
    ----------
    client
        A :class:`kalib.Client` with ``opportunities`` and at least one of
        ``deal_scores`` and ``stakeholders``.
    status
        Which deals: ``"open"`` (default), ``"won"``, ``"lost"`` or None (all).
        Scored deals missing from the opportunities table are reviewed too
        (with no stage) and reported in ``problems``.

    Returns
    -------
    Portfolio
        ``table``: one row per deal with the columns of
        :data:`PORTFOLIO_COLUMNS`.  Evaluated deals (at least one factor
        scored) are ranked by score, then weighted amount (amount × the win
        rate in force: the rep's override, else the stage's); deals not
        evaluated follow, by weighted amount, with score NaN and verdict
        ``not_evaluated`` (never 0).

    strict
        With False, a client without the tables gets an empty portfolio whose
        ``reason`` says why (for reports that must not stop).

    Raises
    ------
    MissingData
        The client has no opportunities, or neither deal_scores nor stakeholders (when ``strict``).
    """
    from .client import MissingData

    cfg = client.config
    try:
        opps = client.table("opportunities", purpose="the deal portfolio")
        if not client.has("deal_scores") and not client.has("stakeholders"):
            raise MissingData("the deal portfolio needs the deal_scores table (要素评分) or the stakeholders table "
                              "(决策人), which this client does not have.",
                              zh="机会组合需要“要素评分”表或“决策人”表，这个客户都没有。")
    except MissingData as exc:
        if strict:
            raise
        return Portfolio(pd.DataFrame(columns=PORTFOLIO_COLUMNS).astype({"evaluated": bool}), {}, [],
                         reason=str(exc), config=cfg)
    ds = client.tables.get("deal_scores") if client.has("deal_scores") else None
    sh = client.tables.get("stakeholders") if client.has("stakeholders") else None
    o = opps.assign(_id=opps["opportunity_id"].astype("object").map(str))
    if status is not None:
        if status not in ("open", "won", "lost"):
            raise ValueError(f"status must be 'open', 'won', 'lost' or None, not {status!r}")
        o = o[o["status"] == status]
    problems: list[_Pair] = []
    score_rows: dict[str, dict[str, Any]] = {}
    if ds is not None:
        for r in ds.to_dict(orient="records"):
            score_rows[str(r["opportunity_id"])] = {k: r.get(k) for k in FACTOR_KEYS}
        unknown = sorted(set(score_rows) - set(opps["opportunity_id"].astype("object").map(str)))
        if unknown:
            problems.append((f"{len(unknown)} 个评分的机会不在机会表中：{'、'.join(unknown[:10])}",
                             f"{len(unknown)} scored deal(s) not in the opportunities table: {', '.join(unknown[:10])}"))
    people: dict[str, list[dict[str, Any]]] = {}
    if sh is not None:
        for rec in sh.to_dict(orient="records"):
            if not _isna(rec.get("opportunity_id")):
                people.setdefault(str(rec["opportunity_id"]).strip(), []).append(rec)
    info = _stage_info(cfg)
    evals: dict[str, DealEvaluation] = {}
    rows = []
    records = o.to_dict(orient="records")
    if status in (None, "open"):
        known = set(opps["opportunity_id"].astype("object").map(str))
        records += [{"opportunity_id": k, "_id": k} for k in score_rows if k not in known]
    for rec in records:
        oid = rec["_id"]
        try:
            ev = evaluate_deal(score_rows.get(oid), people.get(oid), opportunity_id=oid, info=rec, config=cfg)
        except ValueError as exc:
            problems.append((f"{oid}：{exc}", f"{oid}: {exc}"))
            ev = evaluate_deal(None, people.get(oid), opportunity_id=oid, info=rec, config=cfg)
        evals[oid] = ev
        st = info.get(ev.stage.stage or "", {})
        serious = [f for f in ev.flags if f.severity == "serious"]
        top = ev.actions[0] if ev.actions else None
        rows.append({
            "rank": np.nan, "opportunity_id": oid, "customer": ev.info.get("customer"), "name": ev.info.get("name"),
            "owner": ev.info.get("owner"), "stage": ev.stage.stage, "step": st.get("step"),
            "stage_zh": st.get("zh"), "stage_en": st.get("en"), "status": ev.info.get("status"),
            "win_rate": ev.info.get("win_rate", np.nan), "amount": float(ev.info.get("amount", np.nan)),
            "weighted_amount": float(ev.info.get("weighted_amount", np.nan)), "evaluated": ev.evaluated,
            "score": np.nan if ev.score is None else ev.score, "scored": ev.scored,
            "gate_passed": ev.gate.passed, "verdict": ev.verdict, "serious_flags": len(serious),
            "flags": len(ev.flags), "flag_keys": ", ".join(f.key for f in ev.flags),
            "over_staged": ev.stage.over_staged, "supported_stage": ev.stage.supported_stage,
            "power_map_evaluated": ev.power_map.evaluated,
            "top_action_zh": top.zh if top else None, "top_action_en": top.en if top else None,
        })
    t = pd.DataFrame(rows, columns=PORTFOLIO_COLUMNS)
    if len(t):
        t["evaluated"] = t["evaluated"].astype(bool)
        t["_w"] = t["weighted_amount"].fillna(-1.0)
        t["_s"] = t["score"].fillna(-1.0)
        t = t.sort_values(["evaluated", "_s", "_w", "opportunity_id"], ascending=[False, False, False, True])
        t = t.drop(columns=["_w", "_s"]).reset_index(drop=True)
        n_eval = int(t["evaluated"].sum())
        t["rank"] = [float(i + 1) if i < n_eval else np.nan for i in range(len(t))]
        t["over_staged"] = t["over_staged"].astype("object")
        t["gate_passed"] = t["gate_passed"].astype("object")
    return Portfolio(t, evals, problems, config=cfg)
