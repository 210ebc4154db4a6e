"""The ten health indicators (十大健康指标): how far is the client from the pass line
(及格线) and the excellent line (优分线)?

Two entry points, one assessment:

:func:`health_check`
    computes the ten indicators from a client's data for a period (default:
    the last full year), exactly as METHOD.md defines them, with what each was
    computed from (``detail``), and assesses them against the industry's lines.
:func:`evaluate`
    assesses values entered by hand (a trainee's self-assessment, the live
    widget) through the same code.

Both return a :class:`HealthResult`: one :class:`Indicator` per indicator with
its value, lines, status (``below`` / ``pass`` / ``excellent`` / ``na``), the
reason when not available, and the distance to each line in the indicator's
own unit (points for shares, RMB for money, × for ratios, and for indicator 6
the extra pipeline needed in RMB); ``.summary(lang)`` words the overall reading
and the three gaps that matter most for a business owner.

Shares are fractions (0.38 = 38%), money is RMB, indicator 6 is a multiple of
the target.  Lines come from the client's configuration
(``indicators.<key>.lines.<industry>`` in :file:`kalib/method.yaml`); an
excellent line that is null is not shown.  Missing data is never 0: an
indicator without the data it needs is "not available", with the reason.

Examples
--------
>>> r = evaluate({"top10_share": 0.42, "win_rate": 0.35, "nps": None}, "manufacturing")
>>> r["top10_share"].status, r["win_rate"].status, r["nps"].status
('below', 'pass', 'na')
>>> r["top10_share"].distance_text("en")
'8 points below the pass line'
>>> r.counts()["pass"], r.counts()["na"]
(1, 8)
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .client import Client, MissingData, Period
from .config import INDUSTRIES, Config, default_config
from .i18n import check_lang, fmt_num, fmt_rmb, fmt_times, tr
from .indicators import (
    INDICATORS,
    TIE_TOLERANCE,
    IndicatorData,
    NotAvailable,
    advice_text,
    basis_text,
    format_line,
    format_value,
)
from .jsonout import jsonable
from .symbols import status_symbol

__all__ = [
    "Indicator",
    "HealthResult",
    "health_check",
    "evaluate",
    "compute_values",
    "format_value",
    "format_line",
    "STATUSES",
]

STATUSES = ("below", "pass", "excellent", "na")
_STATUS_TEXT = {
    "below": ("未及格", "below pass"),
    "pass": ("及格", "pass"),
    "excellent": ("优秀", "excellent"),
    "na": ("无数据", "not available"),
}
_EPS = TIE_TOLERANCE  # a value equal to a line, up to rounding, reaches it


# ---------------------------------------------------------------------------
# Formatting in each indicator's own unit
# ---------------------------------------------------------------------------
def _amount(diff: float, unit: str, lang: str) -> str:
    """A positive distance in the unit: points, RMB or ×."""
    if unit == "share":
        pts = fmt_num(diff * 100, 1)
        return tr(lang, f"{pts}个百分点", f"{pts} points")
    if unit == "rmb":
        return fmt_rmb(diff, lang)
    if unit == "ratio":
        return fmt_times(diff, lang)
    return fmt_num(diff, 1)


def _vs(value: float | None, line: float | None, unit: str) -> float | None:
    """value − line in the display unit (points for shares); None when either is missing."""
    if value is None or line is None:
        return None
    d = value - line
    return d * 100 if unit == "share" else d


# ---------------------------------------------------------------------------
# One indicator, assessed
# ---------------------------------------------------------------------------
@dataclass
class Indicator:
    """One health indicator assessed against its lines.

    Attributes
    ----------
    id, key
        1-10 and the configuration key (``top10_share`` ...).
    zh, en
        Its name.
    unit
        ``share`` (fraction), ``rmb`` or ``ratio``.
    value
        The value, or None when not available.
    pass_line, excellent
        The lines for the industry (``excellent`` None: the method gives none).
    status
        ``below``, ``pass``, ``excellent`` or ``na``.
    reason_zh, reason_en
        Why it is not available (``na`` only).
    detail
        What it was computed from (counts, sums), or ``{"source": "entered"}``.
    variants
        Alternative readings shown beside it (e.g. revenue renewal).
    """

    id: int
    key: str
    zh: str
    en: str
    unit: str
    value: float | None
    pass_line: float | None
    excellent: float | None
    status: str
    line_source: str = "default"
    reason_zh: str | None = None
    reason_en: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)
    variants: dict[str, Any] = field(default_factory=dict)

    # -- reading --------------------------------------------------------
    def name(self, lang: str = "zh") -> str:
        return tr(lang, self.zh, self.en)

    def reason(self, lang: str = "en") -> str | None:
        return tr(lang, self.reason_zh or "", self.reason_en or "") or None

    @property
    def vs_pass(self) -> float | None:
        """value − pass line, in the unit's distance (points, RMB, ×); negative = below."""
        return _vs(self.value, self.pass_line, self.unit)

    @property
    def vs_excellent(self) -> float | None:
        """value − excellent line, in the unit's distance; None when there is no excellent line."""
        return _vs(self.value, self.excellent, self.unit)

    @property
    def relative_gap(self) -> float | None:
        """How far below the pass line, relative to it: (pass − value) ÷ |pass|; None unless below."""
        if self.status != "below" or self.pass_line is None or self.value is None:
            return None
        return (self.pass_line - self.value) / (abs(self.pass_line) or 1.0)

    @property
    def extra_pipeline(self) -> float | None:
        """Indicator 6 only: RMB of extra open opportunities needed to reach the pass line."""
        target = self.detail.get("target")
        if self.key != "pipeline_coverage" or self.status != "below" or not target:
            return None
        return (self.pass_line - self.value) * float(target)

    def value_text(self, lang: str = "en") -> str:
        return format_value(self.value, self.unit, lang)

    @property
    def low_confidence(self) -> bool:
        """Computed from thin data (e.g. indicator 2 on a previous period covered by a few months): shown as
        "low confidence" beside the status, never among the gaps to act on first."""
        return self.status != "na" and bool(self.detail.get("low_confidence"))

    def confidence_text(self, lang: str = "en") -> str:
        """Why the value is low confidence (empty otherwise)."""
        if not self.low_confidence:
            return ""
        return tr(lang, self.detail.get("low_confidence_zh") or "数据不足", self.detail.get("low_confidence_en")
                  or "thin data")

    def status_text(self, lang: str = "en") -> str:
        zh, en = _STATUS_TEXT[self.status]
        if self.low_confidence:
            zh, en = zh + "（低可信度）", en + " (low confidence)"
        return tr(lang, zh, en)

    def distance_text(self, lang: str = "en") -> str:
        """Where the value stands against the lines, in words and in the unit.

        E.g. "3.2 points below the pass line", "2.0× above the pass line",
        for indicator 6 also "needs 1.4M RMB more pipeline"; for ``na`` the reason.
        """
        check_lang(lang)
        if self.status == "na":
            return self.reason(lang) or tr(lang, "无数据", "not available")
        u = self.unit
        if self.status == "below":
            d = _amount(self.pass_line - self.value, u, lang)
            text = tr(lang, f"低于及格线{d}", f"{d} below the pass line")
            extra = self.extra_pipeline
            if extra is not None:
                text += tr(lang, f"，还需要{fmt_rmb(extra, lang)}的销售机会",
                           f"; needs {fmt_rmb(extra, lang)} more pipeline")
            return text
        if self.status == "pass":
            d = _amount(self.value - self.pass_line, u, lang)
            text = tr(lang, f"高于及格线{d}", f"{d} above the pass line")
            if self.excellent is not None:
                e = _amount(self.excellent - self.value, u, lang)
                text += tr(lang, f"，距优分线还差{e}", f"; {e} below the excellent line")
            return text
        d = _amount(self.value - self.excellent, u, lang)
        return tr(lang, f"高于优分线{d}", f"{d} above the excellent line")

    def basis_text(self, lang: str = "en") -> str:
        """What the value was computed from, in words (from ``detail``); empty for entered values."""
        return basis_text(self, lang)

    def explain(self, lang: str = "zh") -> str:
        """Markdown: the value, its status and distance to the lines, and what it was computed from."""
        sym = status_symbol(self.status)
        if self.status == "na":
            return tr(lang, f"**{sym} 无数据**：{self.reason('zh')}。", f"**{sym} Not available**: {self.reason('en')}.")
        lines = tr(lang, f"及格线{format_line(self.pass_line, self.unit, lang)}",
                   f"pass line {format_line(self.pass_line, self.unit, lang)}")
        if self.excellent is not None:
            lines += tr(lang, f"，优分线{format_line(self.excellent, self.unit, lang)}",
                        f", excellent line {format_line(self.excellent, self.unit, lang)}")
        head = f"**{self.value_text(lang)}** · {sym} {self.status_text(lang)} · {self.distance_text(lang)}" + tr(
            lang, f"（{lines}）", f" ({lines})")
        if self.low_confidence:
            head += tr(lang, f"\n\n**低可信度**：{self.confidence_text('zh')}。",
                       f"\n\n**Low confidence**: {self.confidence_text('en')}.")
        basis = self.basis_text(lang)
        return head + (f"\n\n{basis}" if basis else "")

    def gap_text(self, lang: str = "en", config: Config | None = None) -> str:
        """The gap worded for a business owner (for indicators below the pass line)."""
        return advice_text(self, lang, config)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready object (``id``, ``key``, ``value``, ``pass``, ``excellent``, ``status``,
        ``unit``, ``detail`` and the readings)."""
        return jsonable({
            "id": self.id, "key": self.key, "name_zh": self.zh, "name_en": self.en,
            "value": self.value, "pass": self.pass_line, "excellent": self.excellent,
            "status": self.status, "unit": self.unit, "line_source": self.line_source,
            "confidence": "low" if self.low_confidence else ("normal" if self.status != "na" else None),
            "confidence_en": self.confidence_text("en") or None, "confidence_zh": self.confidence_text("zh") or None,
            "vs_pass": self.vs_pass, "vs_excellent": self.vs_excellent,
            "distance_unit": {"share": "points", "rmb": "RMB", "ratio": "x"}.get(self.unit, self.unit),
            "extra_pipeline": self.extra_pipeline,
            "distance_en": self.distance_text("en"), "distance_zh": self.distance_text("zh"),
            "reason_en": self.reason_en, "reason_zh": self.reason_zh,
            "detail": self.detail, "variants": self.variants,
        })


# ---------------------------------------------------------------------------
# The result
# ---------------------------------------------------------------------------
@dataclass
class HealthResult:
    """The ten indicators of one client (or of values entered by hand), assessed.

    Index it by key or id (``result["win_rate"]``, ``result[5]``); iterate for
    the indicators in order.
    """

    indicators: list[Indicator]
    industry: str
    config: Config = field(repr=False)
    period: Period | None = None
    client: str | None = None
    source: str = "entered"  # "data" or "entered"

    def __iter__(self):
        return iter(self.indicators)

    def __len__(self) -> int:
        return len(self.indicators)

    def __getitem__(self, k: str | int) -> Indicator:
        for ind in self.indicators:
            if ind.key == k or ind.id == k:
                return ind
        raise KeyError(f"no indicator {k!r}")

    def value(self, k: str | int) -> float | None:
        """The value of one indicator (key or number), None when not available."""
        return self[k].value

    @property
    def values(self) -> dict[str, float | None]:
        """Indicator key -> value (None when not available)."""
        return {i.key: i.value for i in self.indicators}

    def counts(self) -> dict[str, int]:
        """``measured``, ``pass`` (at or above the pass line, excellent included),
        ``excellent``, ``below``, ``na``, ``total``."""
        st = [i.status for i in self.indicators]
        return {
            "total": len(st), "measured": sum(s != "na" for s in st),
            "pass": sum(s in ("pass", "excellent") for s in st), "excellent": st.count("excellent"),
            "below": st.count("below"), "na": st.count("na"),
        }

    def gaps(self, n: int = 3) -> list[Indicator]:
        """The ``n`` indicators below the pass line that are furthest from it, relative to the line (an indicator
        computed from thin data, :attr:`Indicator.low_confidence`, is never one: it is named apart)."""
        below = [i for i in self.indicators if i.status == "below" and not i.low_confidence]
        below.sort(key=lambda i: (-(i.relative_gap or 0.0), i.id))
        return below[:n]

    def summary(self, lang: str = "zh", n: int = 3) -> str:
        """The overall reading for a business owner (Markdown-friendly plain text)."""
        check_lang(lang)
        c = self.counts()
        where = ""
        if self.period is not None:
            where = tr(lang, f"（{self.period.label}，", f" ({self.period.label}, ")
        else:
            where = tr(lang, "（", " (")
        ind_name = self.config.data.get("industries", {}).get(self.industry, {})
        ind_label = tr(lang, ind_name.get("zh", self.industry), ind_name.get("en", self.industry))
        where += tr(lang, f"{ind_label}标准）", f"{ind_label.lower()} lines)")
        lines = [tr(
            lang,
            f"健康度问诊{where}：10项指标中可计算{c['measured']}项；{c['pass']}项达到及格线，其中{c['excellent']}项达到优分线；"
            f"{c['below']}项未及格；{c['na']}项无数据。",
            f"Health check{where}: {c['measured']} of the {c['total']} indicators could be measured; "
            f"{c['pass']} {'reaches' if c['pass'] == 1 else 'reach'} the pass line, {c['excellent']} of them the excellent "
            f"line; {c['below']} {'is' if c['below'] == 1 else 'are'} below "
            f"the pass line; {c['na']} not available.",
        )]
        if c["na"]:
            names = "、".join(i.zh for i in self.indicators if i.status == "na") if lang == "zh" else \
                ", ".join(i.en for i in self.indicators if i.status == "na")
            lines.append(tr(lang, f"无数据：{names}。", f"Not available: {names}."))
        low = [i for i in self.indicators if i.low_confidence]
        if low:
            lines.append(tr(lang, "低可信度（数据不足，仅供参考）：" + "；".join(f"{i.zh}（{i.confidence_text('zh')}）" for i in low)
                            + "。",
                            "Low confidence (thin data, read with care): "
                            + "; ".join(f"{i.en} ({i.confidence_text('en')})" for i in low) + "."))
        gaps = self.gaps(n)
        if gaps:
            lines.append(tr(lang, f"最值得关注的{len(gaps)}个差距：", f"The {len(gaps)} gaps that matter most:"))
            for k, ind in enumerate(gaps, 1):
                lines.append(f"{k}. {ind.gap_text(lang, self.config)}")
        elif c["measured"]:
            lines.append(tr(lang, "所有可计算的指标都达到了及格线。", "Every indicator measured reaches the pass line."))
        return "\n".join(lines)

    def to_frame(self, lang: str = "en", formatted: bool = False) -> pd.DataFrame:
        """One row per indicator.

        ``formatted=False``: numbers (``id``, ``key``, ``name``, ``value``,
        ``pass``, ``excellent``, ``status``, ``unit``, ``vs_pass``,
        ``vs_excellent``, ``distance``, ``reason``).  ``formatted=True``: text
        for people, indexed by the indicator's number, with headers in
        ``lang`` (指标 / 数值 / 及格线 / 优分线 / 状态 / 差距).
        """
        check_lang(lang)
        if not formatted:
            return pd.DataFrame([{
                "id": i.id, "key": i.key, "name": i.name(lang), "value": i.value, "pass": i.pass_line,
                "excellent": i.excellent, "status": i.status, "unit": i.unit, "vs_pass": i.vs_pass,
                "vs_excellent": i.vs_excellent, "distance": i.distance_text(lang), "reason": i.reason(lang),
            } for i in self.indicators])
        h = {
            "id": "#", "name": tr(lang, "指标", "Indicator"), "value": tr(lang, "数值", "Value"),
            "pass": tr(lang, "及格线", "Pass line"), "excellent": tr(lang, "优分线", "Excellent line"),
            "status": tr(lang, "状态", "Status"), "distance": tr(lang, "差距", "Distance"),
        }
        return pd.DataFrame([{
            h["id"]: i.id, h["name"]: i.name(lang), h["value"]: i.value_text(lang),
            h["pass"]: format_line(i.pass_line, i.unit, lang),
            h["excellent"]: format_line(i.excellent, i.unit, lang),
            h["status"]: f"{status_symbol(i.status)} {i.status_text(lang)}",
            h["distance"]: i.distance_text(lang),
        } for i in self.indicators]).set_index(h["id"])

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: ``client``, ``industry``, ``period``, ``source``, ``counts``,
        ``indicators`` (one object each, see :meth:`Indicator.to_dict`), ``summary_zh/en``."""
        per = self.period.to_dict() if self.period is not None else None
        inds = []
        for i in self.indicators:
            d = i.to_dict()
            d["period"] = per
            inds.append(d)
        return jsonable({
            "client": self.client, "industry": self.industry, "period": per, "source": self.source,
            "counts": self.counts(), "gaps": [i.key for i in self.gaps()],
            "low_confidence": [i.key for i in self.indicators if i.low_confidence],
            "indicators": inds,
            "summary_zh": self.summary("zh"), "summary_en": self.summary("en"),
        })


# ---------------------------------------------------------------------------
# Assessment: the same for computed and entered values
# ---------------------------------------------------------------------------
def _status(value: float | None, line: Mapping[str, Any]) -> str:
    if value is None:
        return "na"
    p, e = line.get("pass"), line.get("excellent")
    if p is None:
        return "na"
    if e is not None and value >= e - _EPS * max(1.0, abs(e)):
        return "excellent"
    if value >= p - _EPS * max(1.0, abs(p)):
        return "pass"
    return "below"


def _key_of(k: Any, cfg: Config) -> str:
    keys = cfg.indicator_keys()
    if isinstance(k, str) and k in keys:
        return k
    try:
        n = int(k)
    except (TypeError, ValueError):
        raise ValueError(f"unknown indicator {k!r}; use a key ({', '.join(keys)}) or a number 1-10") from None
    for key in keys:
        if cfg.indicator(key)["id"] == n:
            return key
    raise ValueError(f"unknown indicator number {k!r}; indicators are numbered 1-{len(keys)}")


def _number(v: Any, key: str) -> float | None:
    if v is None or v is pd.NA:
        return None
    if isinstance(v, str):
        s = v.strip().replace(",", "")
        if not s:
            return None
        pct = s.endswith("%")
        try:
            x = float(s.rstrip("%")) / (100 if pct else 1)
        except ValueError:
            raise ValueError(f"indicator {key}: {v!r} is not a number") from None
    else:
        try:
            x = float(v)
        except (TypeError, ValueError):
            raise ValueError(f"indicator {key}: {v!r} is not a number") from None
    return x if math.isfinite(x) else None


def evaluate(
    values: Mapping[Any, Any],
    industry: str = "manufacturing",
    config: Config | None = None,
    *,
    details: Mapping[str, Mapping[str, Any]] | None = None,
    reasons: Mapping[str, tuple[str, str]] | None = None,
    variants: Mapping[str, Mapping[str, Any]] | None = None,
    period: Period | None = None,
    client: str | None = None,
    sales_target: float | None = None,
    source: str = "entered",
) -> HealthResult:
    """Assess indicator values against the industry's pass and excellent lines.

    Parameters
    ----------
    values
        Indicator key (``"win_rate"``) or number (5 or ``"5"``) -> value.
        Shares as fractions (0.35) or text with a percent sign (``"35%"``);
        money in RMB; indicator 6 as a multiple of the target.  A missing
        key, None, NaN or blank is "not available".
    industry
        ``manufacturing`` or ``services``: whose lines apply.
    config
        The method's numbers (default: :func:`kalib.config.default_config`).
    details, reasons, variants
        Per indicator key: what the value was computed from; why it is not
        available, as ``(zh, en)``; alternative readings.
    period, client, source
        Recorded on the result.
    sales_target
        The period's sales target (RMB), used to word indicator 6's extra
        pipeline when ``details`` does not give it.

    Returns
    -------
    HealthResult

    Examples
    --------
    >>> r = evaluate({6: 2.0, 7: 12e6}, "services", sales_target=5e6)
    >>> r[6].distance_text("en")
    '1× below the pass line; needs RMB 5M more pipeline'
    >>> r[7].status, r[7].distance_text("zh")
    ('pass', '高于及格线600万元')
    >>> evaluate({"velocity": 1}, "services")
    Traceback (most recent call last):
    ...
    ValueError: unknown indicator 'velocity'; use a key (top10_share, ...) or a number 1-10
    """
    cfg = config or default_config()
    if industry not in INDUSTRIES:
        raise ValueError(f"industry must be one of {', '.join(INDUSTRIES)}, not {industry!r}")
    given: dict[str, float | None] = {}
    for k, v in (values or {}).items():
        key = _key_of(k, cfg)
        given[key] = _number(v, key)
    details = details or {}
    reasons = reasons or {}
    variants = variants or {}
    out = []
    for key in cfg.indicator_keys():
        spec = cfg.indicator(key)
        line = cfg.line(key, industry)
        value = given.get(key)
        detail = dict(details.get(key) or ({"source": "entered"} if key in given else {}))
        if key == "pipeline_coverage" and sales_target and "target" not in detail:
            detail["target"] = float(sales_target)
        rz, re_ = (None, None)
        if value is None:
            if key in reasons:
                rz, re_ = reasons[key]
            elif key in given:
                rz, re_ = "未填写", "not entered"
            else:
                rz, re_ = "未提供", "not given"
        status = _status(value, line)
        if status == "na" and value is not None:  # no pass line configured
            rz, re_ = "没有设定及格线", "no pass line is set"
        out.append(Indicator(
            id=int(spec["id"]), key=key, zh=spec.get("zh", key), en=spec.get("en", key),
            unit=spec.get("unit", "share"), value=value, pass_line=line["pass"], excellent=line["excellent"],
            status=status, line_source=line.get("source", "default"), reason_zh=rz, reason_en=re_,
            detail=detail, variants=dict(variants.get(key) or {}),
        ))
    return HealthResult(out, industry=industry, config=cfg, period=period, client=client, source=source)


# ---------------------------------------------------------------------------
# Computing the values from a client's data
# ---------------------------------------------------------------------------
def compute_values(client: Client, period: str | Period | None = None) -> dict[str, dict[str, Any]]:
    """The ten indicators' values from the client's data, before assessment.

    Returns, per indicator key, ``{"value", "detail", "variants", "reason"}``
    where ``reason`` is ``(zh, en)`` when the value is None.
    """
    per = client.period(period)
    d = IndicatorData(client, per)
    out: dict[str, dict[str, Any]] = {}
    for key in client.config.indicator_keys():
        spec = INDICATORS.get(key)
        if spec is None:
            out[key] = {"value": None, "detail": {}, "variants": {},
                        "reason": ("kalib不会计算这个指标", "kalib does not compute this indicator")}
            continue
        try:
            value, detail, variants = spec.compute(d)
            if value is not None and not math.isfinite(value):
                raise NotAvailable("无法计算（结果不是有限数值）", "cannot be computed (the result is not a finite number)", detail)
            out[key] = {"value": float(value), "detail": detail, "variants": variants, "reason": None}
        except NotAvailable as na:
            out[key] = {"value": None, "detail": na.detail, "variants": {}, "reason": (na.zh, na.en)}
        except MissingData as exc:
            out[key] = {"value": None, "detail": {}, "variants": {}, "reason": (str(exc), str(exc))}
    return out


def health_check(client: Client, period: str | Period | None = None, industry: str | None = None) -> HealthResult:
    """The ten health indicators of a client, from its data, for a period.

    Parameters
    ----------
    client
        The client.  Uses revenue (1, 2, 3, 7, 8, 9, 10), customers (3: the
        ``wallet`` estimates), nps (4), opportunities (5, 6, and 9 when
        revenue names no salesperson), salespeople (7, 9), products (10:
        ``core``), and client.yml's ``employees`` (8) and ``sales_target`` (6).
    period
        ``2024``, ``FY2024``, ``2024-Q3``, ... (default: client.yml's, else the
        last full year in the data).  Indicators 7 and 8 are scaled to a year.
    industry
        Whose lines apply (default: client.yml's).

    Returns
    -------
    HealthResult
        ``source="data"``; each indicator's ``detail`` says what it was
        computed from, and ``reason_zh/en`` why it is not available.
    """
    per = client.period(period)
    ind = industry or client.industry
    if ind not in INDUSTRIES:
        raise ValueError(f"industry must be one of {', '.join(INDUSTRIES)}, not {ind!r}")
    raw = compute_values(client, per)
    return evaluate(
        {k: v["value"] for k, v in raw.items()}, ind, client.config,
        details={k: v["detail"] for k, v in raw.items()},
        reasons={k: v["reason"] for k, v in raw.items() if v["reason"]},
        variants={k: v["variants"] for k, v in raw.items()},
        period=per, client=client.name, source="data",
    )
