"""The decision power map (决策权力图): who decides, who influences, and where we stand.

The article's fourth success factor: *sell to the decision makers; don't spend
relationships in the wrong place* (对决策者进行销售，避免关系用错地方).  This
module reads a deal's stakeholders (the ``stakeholders`` table, one row per
person) and answers the questions a coach asks of a buying centre, after
Miller Heiman's Blue Sheet (buying influences and red flags):

- is the decision maker known, has anyone met him or her, are we trusted?
- is there a high-influence opponent?
- does the deal rest on a single relationship (single-threaded)?
- do we have a coach (教练/内线)?
- are our relationships with the people who matter, or with the easy ones?
- do we know how the decision maker decides (决策风格)?

Each check is a small named function (:data:`CHECKS`) whose thresholds live
in ``method.yaml`` under ``deals.power_map`` (all ``source: default``).

Input columns (canonical names of :data:`kalib.schema.STAKEHOLDERS`)
---------------------------------------------------------------------
``person`` (required), ``title``, ``role``, ``influence`` (1-5), ``attitude``
(-2 opponent .. +2 champion), ``relationship`` (0 none .. 3 ally),
``reports_to`` (a person's name), ``style``, ``met`` (yes/no), and
``opportunity_id`` when the table holds several deals.  Roles and styles may
be given in English or Chinese (决策者, 批准者, 评估者, 使用者, 影响者, 教练/内线;
驾驭型, 分析型, 亲切型, 表现型) or by the aliases in the configuration.

Examples
--------
>>> import pandas as pd
>>> people = pd.DataFrame({
...     "person": ["王总", "李工", "张经理"],
...     "role": ["决策者", "评估者", "教练/内线"],
...     "influence": [5, 3, 2], "attitude": [0, 1, 2], "relationship": [1, 2, 3],
...     "style": ["驾驭型", "analytical", None], "met": [False, True, True]})
>>> pm = power_map(people)
>>> pm.status("decision_maker_access"), pm.status("coach"), pm.status("multi_threaded")
('fail', 'ok', 'ok')
>>> print(pm.check("decision_maker_access").text("en"))
Nobody has met the decision maker (王总).
"""

from __future__ import annotations

import copy
import math
import re
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from .config import Config, default_config, normalise_label
from .i18n import tr

__all__ = [
    "Check",
    "PowerMap",
    "CHECKS",
    "power_map",
    "normalise_stakeholders",
    "role_key",
    "style_key",
    "role_guide",
    "style_guide",
    "power_map_settings",
]

PEOPLE_COLUMNS = ("person", "title", "role", "influence", "attitude", "relationship", "reports_to", "style", "met")


# ---------------------------------------------------------------------------
# settings and name lookups
# ---------------------------------------------------------------------------
_CACHE: "weakref.WeakKeyDictionary[Config, dict[str, Any]]" = weakref.WeakKeyDictionary()


@lru_cache(maxsize=1)
def _default() -> Config:
    return default_config()


def _cached(config: Config | None) -> dict[str, Any]:
    cfg = config or _default()
    c = _CACHE.get(cfg)
    if c is None:
        st = cfg.section("deals")["power_map"]
        c = {"settings": st, "roles": _lookup(st["roles"]), "styles": _lookup(st["styles"])}
        _CACHE[cfg] = c
    return c


def power_map_settings(config: Config | None = None) -> dict[str, Any]:
    """The ``deals.power_map`` section of the configuration (thresholds, roles, styles); a copy."""
    return copy.deepcopy(_cached(config)["settings"])


def _lookup(items: Mapping[str, Mapping[str, Any]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, item in items.items():
        for name in (key, item.get("zh"), item.get("en"), item.get("blue_sheet"), *(item.get("aliases") or [])):
            if name:
                out.setdefault(normalise_label(name), key)
    return out


def _match(value: Any, lookup: Mapping[str, str]) -> str | None:
    if _blank(value):
        return None
    text = str(value).strip()
    if not text:
        return None
    key = lookup.get(normalise_label(text))
    if key:
        return key
    # "决策者/批准者", "Evaluator, User": the first part that is a known name.
    for part in re.split(r"[/／,，、;；|]+", text):
        key = lookup.get(normalise_label(part))
        if key:
            return key
    return None


def role_key(value: Any, config: Config | None = None) -> str | None:
    """The role key (``decision_maker``, ``approver``, ``evaluator``, ``user``,
    ``influencer``, ``coach``) a name stands for, or None.

    >>> role_key("教练/内线"), role_key("Economic Buyer"), role_key("评估者"), role_key("buyer?")
    ('coach', 'decision_maker', 'evaluator', None)
    """
    return _match(value, _cached(config)["roles"])


def style_key(value: Any, config: Config | None = None) -> str | None:
    """The decision-style key (``driver``, ``analytical``, ``amiable``, ``expressive``) or None.

    >>> style_key("驾驭型"), style_key("Amiable"), style_key("表现型"), style_key("")
    ('driver', 'amiable', 'expressive', None)
    """
    return _match(value, _cached(config)["styles"])


def _to_bool(value: Any) -> Any:
    if _blank(value):
        return pd.NA
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, float, np.integer, np.floating)):
        return bool(value)
    s = normalise_label(value)
    if s in ("yes", "y", "true", "t", "1", "是", "有", "已见", "见过", "已会面", "√", "✓"):
        return True
    if s in ("no", "n", "false", "f", "0", "否", "无", "没有", "未见", "未见过", "×", "✗"):
        return False
    return pd.NA


def normalise_stakeholders(stakeholders: pd.DataFrame, config: Config | None = None) -> pd.DataFrame:
    """A clean copy of a stakeholders table: role and style as keys, numbers as floats.

    Parameters
    ----------
    stakeholders
        Columns ``person`` (required) and any of ``title``, ``role``,
        ``influence``, ``attitude``, ``relationship``, ``reports_to``,
        ``style``, ``met``, ``opportunity_id``.
    config
        The method's configuration (scales, role and style names).

    Returns
    -------
    DataFrame
        Every column of :data:`PEOPLE_COLUMNS` (missing ones empty), plus
        ``role_text``/``style_text`` (what was given) and, when present,
        ``opportunity_id``.  ``role``/``style`` hold a key or NA (not
        recognised or blank); numbers outside their scale become NA;
        ``met`` is True/False/NA.  The input is not changed.

    >>> import pandas as pd
    >>> df = normalise_stakeholders(pd.DataFrame({"person": ["A"], "role": ["批准者"], "influence": ["4"],
    ...                                           "attitude": [9], "met": ["是"]}))
    >>> df.loc[0, "role"], float(df.loc[0, "influence"]), pd.isna(df.loc[0, "attitude"]), bool(df.loc[0, "met"])
    ('approver', 4.0, True, True)
    """
    if not isinstance(stakeholders, pd.DataFrame):
        raise TypeError("stakeholders must be a DataFrame with at least the column 'person'")
    if "person" not in stakeholders.columns:
        raise ValueError("the stakeholders table needs the column 'person' (姓名)")
    with_id = "opportunity_id" in stakeholders.columns
    recs, _bad = _records(stakeholders.to_dict(orient="records"), _cached(config))
    return _frame(recs, with_id)


_TEXT_COLUMNS = ("person", "title", "role_text", "role", "reports_to", "style_text", "style", "met")
_NUMBER_COLUMNS = ("influence", "attitude", "relationship")


def _records(rows: list[Mapping[str, Any]], cache: Mapping[str, Any]) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """Clean people as plain dicts (fast on the small buying centres of a deal), and counts of off-scale numbers."""
    st, roles, styles = cache["settings"], cache["roles"], cache["styles"]
    scales = {k: (float(st[k]["min"]), float(st[k]["max"])) for k in _NUMBER_COLUMNS}
    bad = {k: 0 for k in _NUMBER_COLUMNS}

    def text(v: Any) -> str | None:
        return None if _blank(v) or not str(v).strip() else str(v).strip()

    def number(v: Any, k: str) -> float:
        try:
            x = float(v)
        except (TypeError, ValueError):
            return math.nan
        if math.isnan(x):
            return x
        lo, hi = scales[k]
        if lo <= x <= hi:
            return x
        bad[k] += 1
        return math.nan

    out = []
    for rec in rows:
        person = text(rec.get("person"))
        if person is None:
            continue
        r = {"opportunity_id": text(rec.get("opportunity_id")), "person": person, "title": text(rec.get("title")),
             "role_text": text(rec.get("role")), "role": _match(rec.get("role"), roles)}
        for k in _NUMBER_COLUMNS:
            r[k] = number(rec.get(k), k)
        r["reports_to"] = text(rec.get("reports_to"))
        r["style_text"] = text(rec.get("style"))
        r["style"] = _match(rec.get("style"), styles)
        r["met"] = _to_bool(rec.get("met"))
        out.append(r)
    return out, bad


def _frame(recs: list[dict[str, Any]], with_id: bool, extra: tuple[str, ...] = ()) -> pd.DataFrame:
    cols = (("opportunity_id",) if with_id else ()) + ("person", "title", "role_text", "role") + _NUMBER_COLUMNS + (
        "reports_to", "style_text", "style", "met") + extra
    data = {}
    for c in cols:
        vals = [r.get(c) for r in recs]
        if c in _NUMBER_COLUMNS:
            data[c] = pd.Series(vals, dtype=float)
        elif c in ("high_influence", "strong"):
            data[c] = pd.Series(vals, dtype=bool)
        else:
            data[c] = pd.Series(vals, dtype=object)
    return pd.DataFrame(data)


def _blank(v: Any) -> bool:
    return v is None or v is pd.NA or v is pd.NaT or (isinstance(v, (float, np.floating)) and np.isnan(v))


# ---------------------------------------------------------------------------
# checks
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Check:
    """The result of one power-map check.

    ``status`` is ``ok``, ``fail`` or ``unknown`` (not enough data to say);
    ``people`` names the persons the check is about.
    """

    key: str
    status: str
    zh: str
    en: str
    people: tuple[str, ...] = ()

    @property
    def ok(self) -> bool | None:
        return None if self.status == "unknown" else self.status == "ok"

    def text(self, lang: str = "zh") -> str:
        return tr(lang, self.zh, self.en)

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "status": self.status, "zh": self.zh, "en": self.en, "people": list(self.people)}


People = list  # a deal's people: plain dicts with the columns of normalise_stakeholders, plus "stance"


def _has(v: Any) -> bool:
    return v is not None and v is not pd.NA and v == v


def _ge(v: Any, x: float) -> bool:
    return _has(v) and v >= x


def _le(v: Any, x: float) -> bool:
    return _has(v) and v <= x


def _none_known(people: People, key: str) -> bool:
    return not any(_has(p[key]) for p in people)


def _names(people: People) -> tuple[str, ...]:
    return tuple(str(p["person"]) for p in people)


def _join(names: tuple[str, ...], sep: str) -> str:
    return sep.join(names)


def _dms(people: People) -> People:
    return [p for p in people if p["role"] == "decision_maker"]


def _met(p: Mapping[str, Any]) -> bool:
    return p["met"] is True


def check_decision_maker_identified(people: People, st: Mapping[str, Any]) -> Check:
    """Is someone listed with the role decision maker (决策者)?"""
    key = "decision_maker_identified"
    dm = _dms(people)
    if dm:
        n = _names(dm)
        return Check(key, "ok", f"决策者已识别：{_join(n, '、')}。", f"Decision maker identified: {_join(n, ', ')}.", n)
    return Check(key, "fail", "没有人被标为决策者：不知道谁拍板。",
                 "Nobody is marked as the decision maker: we do not know who has the final say.")


def check_decision_maker_access(people: People, st: Mapping[str, Any]) -> Check:
    """Has anyone of ours met a decision maker (``met`` = yes)?"""
    key = "decision_maker_access"
    dm = _dms(people)
    if not dm:
        return Check(key, "fail", "没有已识别的决策者，也就谈不上接触。",
                     "No decision maker is identified, so nobody has met one.")
    met = [p for p in dm if _met(p)]
    if met:
        n = _names(met)
        return Check(key, "ok", f"已见过决策者（{_join(n, '、')}）。", f"We have met the decision maker ({_join(n, ', ')}).", n)
    n = _names(dm)
    if all(p["met"] is pd.NA or p["met"] is None for p in dm):
        return Check(key, "fail", f"没有记录见过决策者（{_join(n, '、')}）。",
                     f"No record of meeting the decision maker ({_join(n, ', ')}).", n)
    return Check(key, "fail", f"没有人见过决策者（{_join(n, '、')}）。",
                 f"Nobody has met the decision maker ({_join(n, ', ')}).", n)


def check_decision_maker_covered(people: People, st: Mapping[str, Any]) -> Check:
    """Is a decision maker met *and* in a strong relationship with us (信任 or better)?"""
    key = "decision_maker_covered"
    dm = _dms(people)
    if not dm:
        return Check(key, "fail", "没有已识别的决策者。", "No decision maker is identified.")
    strong = [p for p in dm if _met(p) and _ge(p["relationship"], st["strong_relationship_min"])]
    if strong:
        n = _names(strong)
        return Check(key, "ok", f"决策者已覆盖：{_join(n, '、')}信任我们。", f"Decision maker covered: {_join(n, ', ')} trusts us.", n)
    n = _names(dm)
    return Check(key, "fail", f"决策者（{_join(n, '、')}）与我们的关系还不牢固。",
                 f"Our relationship with the decision maker ({_join(n, ', ')}) is not yet strong.", n)


def check_senior_access(people: People, st: Mapping[str, Any]) -> Check:
    """Have we met at least one high-influence person (a power sponsor, 权力支持者)?"""
    key = "senior_access"
    high = [p for p in people if _ge(p["influence"], st["high_influence_min"])]
    met = [p for p in high if _met(p)]
    if met:
        n = _names(met)
        return Check(key, "ok", f"已接触高影响力的人：{_join(n, '、')}。", f"We have met high-influence people: {_join(n, ', ')}.", n)
    if _none_known(people, "influence"):
        return Check(key, "unknown", "没有影响力数据。", "No influence recorded.")
    return Check(key, "fail", "还没有见过任何高影响力的人。", "We have not met any high-influence person yet.", _names(high))


def check_high_influence_opponents(people: People, st: Mapping[str, Any]) -> Check:
    """Is anyone with high influence against us (attitude at or below ``opponent_max``)?"""
    key = "high_influence_opponents"
    if _none_known(people, "attitude") or _none_known(people, "influence"):
        return Check(key, "unknown", "没有态度或影响力数据。", "No attitude or influence recorded.")
    opp = [p for p in people if _ge(p["influence"], st["high_influence_min"]) and _le(p["attitude"], st["opponent_max"])]
    if opp:
        zh = "、".join(f"{p['person']}（影响力 {p['influence']:g}，态度 {p['attitude']:+g}）" for p in opp)
        en = ", ".join(f"{p['person']} (influence {p['influence']:g}, attitude {p['attitude']:+g})" for p in opp)
        return Check(key, "fail", f"{zh}。", f"{en}.", _names(opp))
    return Check(key, "ok", "没有高影响力的反对者。", "No high-influence opponent.")


def check_multi_threaded(people: People, st: Mapping[str, Any]) -> Check:
    """Do we have at least ``min_threads`` strong relationships (信任 or better)?"""
    key = "multi_threaded"
    if _none_known(people, "relationship"):
        return Check(key, "unknown", "没有关系强度数据。", "No relationship strength recorded.")
    strong = [p for p in people if _ge(p["relationship"], st["strong_relationship_min"])]
    n = _names(strong)
    need = int(st["min_threads"])
    if len(strong) >= need:
        return Check(key, "ok", f"多线联系：{len(strong)} 个牢固关系（{_join(n, '、')}）。",
                     f"Multi-threaded: {len(strong)} strong relationships ({_join(n, ', ')}).", n)
    who_zh = f"（{_join(n, '、')}）" if n else ""
    who_en = f" ({_join(n, ', ')})" if n else ""
    return Check(key, "fail", f"只有 {len(strong)} 个牢固关系{who_zh}，至少需要 {need} 个。",
                 f"Only {len(strong)} strong relationship(s){who_en}; at least {need} needed.", n)


def check_coach(people: People, st: Mapping[str, Any]) -> Check:
    """Is someone a coach (教练/内线) who is not against us?"""
    key = "coach"
    coach = [p for p in people if p["role"] == "coach" and not _le(p["attitude"], st["opponent_max"])]
    if coach:
        n = _names(coach)
        return Check(key, "ok", f"有教练（内线）：{_join(n, '、')}。", f"Coach: {_join(n, ', ')}.", n)
    return Check(key, "fail", "没有人被标为教练（内线），或标为教练的人反对我们。",
                 "Nobody is marked as coach, or the one marked opposes us.")


def check_relationships_placed(people: People, st: Mapping[str, Any]) -> Check:
    """Are our strong relationships with low-influence people while high-influence people are distant?"""
    key = "relationships_placed"
    if _none_known(people, "relationship") or _none_known(people, "influence"):
        return Check(key, "unknown", "没有关系强度或影响力数据。", "No relationship or influence recorded.")
    distant_high = [p for p in people if _ge(p["influence"], st["high_influence_min"])
                    and _le(p["relationship"], st["weak_relationship_max"])]
    close_low = [p for p in people if _le(p["influence"], st["low_influence_max"])
                 and _ge(p["relationship"], st["strong_relationship_min"])]
    if distant_high and close_low:
        hi, lo = _names(distant_high), _names(close_low)
        return Check(key, "fail",
                     f"与{_join(lo, '、')}很熟（影响力低），与{_join(hi, '、')}很生（影响力高）。",
                     f"Close to {_join(lo, ', ')} (low influence), distant from {_join(hi, ', ')} (high influence).",
                     hi + lo)
    return Check(key, "ok", "关系投入与影响力相称。", "Relationships are where the influence is.")


def check_decision_maker_style(people: People, st: Mapping[str, Any]) -> Check:
    """Is the decision style (决策风格) of every decision maker known?"""
    key = "decision_maker_style"
    dm = _dms(people)
    if not dm:
        return Check(key, "unknown", "没有已识别的决策者。", "No decision maker is identified.")
    unknown = [p for p in dm if p["style"] is None]
    if unknown:
        n = _names(unknown)
        return Check(key, "fail", f"不了解决策者（{_join(n, '、')}）的决策风格。",
                     f"The decision style of the decision maker ({_join(n, ', ')}) is not known.", n)
    labels = st["styles"]
    zh = "、".join(f"{p['person']}：{labels[p['style']]['zh']}" for p in dm)
    en = ", ".join(f"{p['person']}: {labels[p['style']]['en']}" for p in dm)
    return Check(key, "ok", f"决策者的风格已知（{zh}）。", f"Decision maker's style known ({en}).", _names(dm))


CHECKS: dict[str, Callable[[list, Mapping[str, Any]], Check]] = {
    "decision_maker_identified": check_decision_maker_identified,
    "decision_maker_access": check_decision_maker_access,
    "decision_maker_covered": check_decision_maker_covered,
    "senior_access": check_senior_access,
    "high_influence_opponents": check_high_influence_opponents,
    "multi_threaded": check_multi_threaded,
    "coach": check_coach,
    "relationships_placed": check_relationships_placed,
    "decision_maker_style": check_decision_maker_style,
}
"""The power-map checks by key, in the order they are shown.  Each is a
function ``(people, settings) -> Check`` where ``people`` is a list of dicts
(the columns of :func:`normalise_stakeholders`); red-flag rules and stage
requirements in ``method.yaml`` name them by key."""

CHECK_NAMES = {
    "decision_maker_identified": ("决策者已识别", "Decision maker identified"),
    "decision_maker_access": ("见过决策者", "Decision maker met"),
    "decision_maker_covered": ("决策者已覆盖", "Decision maker covered"),
    "senior_access": ("接触到高影响力的人", "High-influence person met"),
    "high_influence_opponents": ("没有高影响力的反对者", "No high-influence opponent"),
    "multi_threaded": ("多线联系", "Multi-threaded"),
    "coach": ("有教练（内线）", "Coach in place"),
    "relationships_placed": ("关系用在对的地方", "Relationships in the right place"),
    "decision_maker_style": ("决策者风格已知", "Decision maker's style known"),
}


# ---------------------------------------------------------------------------
# the power map
# ---------------------------------------------------------------------------
@dataclass
class PowerMap:
    """A deal's buying centre and the checks on it.

    Attributes
    ----------
    people
        The normalised stakeholders (see :func:`normalise_stakeholders`) plus
        ``stance`` (``supporter``/``neutral``/``opponent``/NA), ``high_influence``
        and ``strong`` (relationship at or above the strong threshold).
    checks
        :class:`Check` by key, in the order of :data:`CHECKS`.
    notes
        Values that were not recognised (a role, a style, a number off its scale).
    """

    opportunity_id: str | None
    records: list[dict[str, Any]]
    checks: dict[str, Check]
    notes: list[tuple[str, str]] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict, repr=False)
    _people: pd.DataFrame | None = field(default=None, repr=False)

    @property
    def people(self) -> pd.DataFrame:
        """The people as a DataFrame (built on first use)."""
        if self._people is None:
            self._people = _frame(self.records, False, ("stance", "high_influence", "strong"))
        return self._people

    @property
    def evaluated(self) -> bool:
        """False when no stakeholders are listed (the map is then 'not evaluated')."""
        return len(self.records) > 0

    def check(self, key: str) -> Check:
        if key not in self.checks:
            raise KeyError(f"unknown power-map check {key!r}; known: {', '.join(self.checks)}")
        return self.checks[key]

    def status(self, key: str) -> str:
        return self.check(key).status

    def failed(self) -> list[Check]:
        return [c for c in self.checks.values() if c.status == "fail"]

    def to_frame(self, lang: str = "zh") -> pd.DataFrame:
        """The people as a table to read, with labels in ``lang``."""
        st = self.settings
        roles, styles = st["roles"], st["styles"]
        att = {int(k): v for k, v in st["attitude_labels"].items()}
        rel = {int(k): v for k, v in st["relationship_labels"].items()}

        def lab(table: Mapping[Any, Any], v: Any) -> str:
            if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
                return "–"
            item = table.get(v if not isinstance(v, float) else int(v))
            return item[lang] if item else str(v)

        p = self.people
        out = pd.DataFrame({
            tr(lang, "姓名", "Name"): p["person"],
            tr(lang, "职务", "Title"): p["title"].fillna("–"),
            tr(lang, "决策角色", "Role"): [lab(roles, r) if r else (str(t) if pd.notna(t) else "–")
                                       for r, t in zip(p["role"], p["role_text"])],
            tr(lang, "影响力", "Influence"): p["influence"].map(lambda v: "–" if pd.isna(v) else f"{v:g}"),
            tr(lang, "态度", "Attitude"): [("–" if pd.isna(v) else f"{v:+g} {lab(att, v)}") for v in p["attitude"]],
            tr(lang, "关系", "Relationship"): [("–" if pd.isna(v) else f"{v:g} {lab(rel, v)}") for v in p["relationship"]],
            tr(lang, "上级", "Reports to"): p["reports_to"].fillna("–"),
            tr(lang, "决策风格", "Style"): [lab(styles, s) if s else "–" for s in p["style"]],
            tr(lang, "已会面", "Met"): p["met"].map(lambda v: "–" if v is pd.NA or v is None else tr(lang, "是", "yes") if v else tr(lang, "否", "no")),
        })
        out.index = pd.RangeIndex(1, len(out) + 1)
        return out

    def checks_frame(self, lang: str = "zh") -> pd.DataFrame:
        """The checks as a table: check, result (✓ ✗ ?), explanation."""
        sym = {"ok": "✓", "fail": "✗", "unknown": "?"}
        return pd.DataFrame({
            tr(lang, "检查", "Check"): [tr(lang, *CHECK_NAMES.get(k, (k, k))) for k in self.checks],
            tr(lang, "结果", "Result"): [sym[c.status] for c in self.checks.values()],
            tr(lang, "说明", "Explanation"): [c.text(lang) for c in self.checks.values()],
        }, index=pd.RangeIndex(1, len(self.checks) + 1))

    def summary(self, lang: str = "zh") -> str:
        if not self.evaluated:
            return tr(lang, "决策权力图：未评估（没有列出决策人）。", "Power map: not evaluated (no stakeholders listed).")
        fails = self.failed()
        head = tr(lang, f"决策权力图：{len(self.people)} 人，", f"Power map: {len(self.people)} people, ")
        if not fails:
            return head + tr(lang, "各项检查都通过。", "every check passes.")
        return head + tr(lang, f"{len(fails)} 项未通过：", f"{len(fails)} check(s) failing: ") + " ".join(
            c.text(lang) for c in fails)

    def to_dict(self) -> dict[str, Any]:
        recs = [{k: (None if not _has(v) else v) for k, v in r.items()
                 if k not in ("role_text", "style_text", "opportunity_id")} for r in self.records]
        return {
            "opportunity_id": self.opportunity_id,
            "evaluated": self.evaluated,
            "people": recs,
            "checks": {k: c.to_dict() for k, c in self.checks.items()},
            "notes": [{"zh": zh, "en": en} for zh, en in self.notes],
        }


def _stance(att: float, st: Mapping[str, Any]) -> str | None:
    if not _has(att):
        return None
    if att <= st["opponent_max"]:
        return "opponent"
    if att >= st["supporter_min"]:
        return "supporter"
    return "neutral"


def power_map(
    stakeholders: pd.DataFrame | list[Mapping[str, Any]] | None,
    *,
    opportunity_id: str | None = None,
    config: Config | None = None,
) -> PowerMap:
    """Build a deal's power map and run every check of :data:`CHECKS`.

    Parameters
    ----------
    stakeholders
        The stakeholders table (canonical columns, see the module docstring)
        or a list of row dicts, or None.  With ``opportunity_id`` and an
        ``opportunity_id`` column, only that deal's people are used.
    opportunity_id
        The deal to map.
    config
        The method's configuration (thresholds under ``deals.power_map``).

    Returns
    -------
    PowerMap
        With no people, every check is ``unknown`` and ``evaluated`` is False.
    """
    cfg = config or _default()
    cache = _cached(cfg)
    st = cache["settings"]
    oid = None if opportunity_id is None else str(opportunity_id)
    if stakeholders is None:
        rows: list[Mapping[str, Any]] = []
    elif isinstance(stakeholders, pd.DataFrame):
        if len(stakeholders) and "person" not in stakeholders.columns:
            raise ValueError("the stakeholders table needs the column 'person' (姓名)")
        rows = stakeholders.to_dict(orient="records")
    else:
        rows = list(stakeholders)
    if oid is not None and any("opportunity_id" in r for r in rows):
        rows = [r for r in rows if _has(r.get("opportunity_id")) and str(r.get("opportunity_id")).strip() == oid]
    recs, bad = _records(rows, cache)
    if not recs:
        checks = {k: Check(k, "unknown", "没有列出决策人。", "No stakeholders listed.") for k in CHECKS}
        return PowerMap(oid, [], checks, [], st)
    notes: list[tuple[str, str]] = []
    for r in recs:
        if r["role"] is None and r["role_text"]:
            notes.append((f"{r['person']} 的角色“{r['role_text']}”无法识别。",
                          f"The role '{r['role_text']}' of {r['person']} is not recognised."))
        if r["style"] is None and r["style_text"]:
            notes.append((f"{r['person']} 的风格“{r['style_text']}”无法识别。",
                          f"The style '{r['style_text']}' of {r['person']} is not recognised."))
    for col, n in bad.items():
        if n:
            lo, hi = st[col]["min"], st[col]["max"]
            notes.append((f"{col} 有 {n} 个值超出 {lo}–{hi}，按缺失处理。",
                          f"{n} value(s) of {col} outside {lo}–{hi}, treated as missing."))
    for r in recs:
        r["stance"] = _stance(r["attitude"], st)
        r["high_influence"] = _ge(r["influence"], st["high_influence_min"])
        r["strong"] = _ge(r["relationship"], st["strong_relationship_min"])
    checks = {k: fn(recs, st) for k, fn in CHECKS.items()}
    return PowerMap(oid, recs, checks, notes, st)


# ---------------------------------------------------------------------------
# teaching tables
# ---------------------------------------------------------------------------
def role_guide(config: Config | None = None, lang: str = "zh") -> pd.DataFrame:
    """The six roles in a decision, their Blue Sheet name and what each needs from a seller.

    >>> role_guide(lang="en").iloc[0].tolist()[:2]
    ['Decision maker', 'Economic buyer']
    """
    roles = power_map_settings(config)["roles"]
    return pd.DataFrame({
        tr(lang, "角色", "Role"): [r[lang] if lang == "en" else f"{r['zh']} · {r['en']}" for r in roles.values()],
        tr(lang, "蓝表（Blue Sheet）", "Blue Sheet"): [r.get("blue_sheet", "") for r in roles.values()],
        tr(lang, "对方需要什么", "What they need from us"): [r["needs"][lang] for r in roles.values()],
    }, index=pd.RangeIndex(1, len(roles) + 1))


def style_guide(config: Config | None = None, lang: str = "zh") -> pd.DataFrame:
    """The four decision styles (决策风格): what each needs from a seller and what to avoid.

    >>> style_guide(lang="en")["Style"].tolist()
    ['Driver', 'Analytical', 'Amiable', 'Expressive']
    """
    styles = power_map_settings(config)["styles"]
    return pd.DataFrame({
        tr(lang, "风格", "Style"): [s[lang] if lang == "en" else f"{s['zh']} · {s['en']}" for s in styles.values()],
        tr(lang, "需要什么", "Needs"): [s["needs"][lang] for s in styles.values()],
        tr(lang, "避免", "Avoid"): [s["avoid"][lang] for s in styles.values()],
    }, index=pd.RangeIndex(1, len(styles) + 1))
