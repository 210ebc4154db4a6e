"""The method's numbers: loading ``method.yaml`` and applying a client's overrides.

Every threshold, stage win rate, tier and weight of the method lives in
``kalib/method.yaml`` with its source (``article``, ``reading`` or ``default``,
see :data:`SOURCES`).  This module
reads it and merges a client's ``overrides:`` into it.  Nothing here changes
global state; a :class:`Config` is an immutable view that analyses receive.

Examples
--------
>>> cfg = default_config()
>>> cfg.line("win_rate", "manufacturing")
{'pass': 0.33, 'excellent': None, 'source': 'article'}
>>> cfg.stage_rates()["qualified"]
0.5
>>> custom = cfg.with_overrides({"stages": {"rates": {"qualified": 0.4}}})
>>> custom.stage_rates()["qualified"], cfg.stage_rates()["qualified"]
(0.4, 0.5)
"""

from __future__ import annotations

import copy
import re
import unicodedata
from collections.abc import Mapping
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

__all__ = [
    "Config",
    "ConfigError",
    "default_config",
    "deep_merge",
    "normalise_label",
    "INDUSTRIES",
    "SOURCES",
    "source_name",
]

INDUSTRIES = ("manufacturing", "services")

#: Where a number or text of the method comes from: the article says it in so
#: many words; our reading of what the article says; a default chosen where the
#: article is silent.  ``client`` marks a value a client's settings changed.
SOURCES = ("article", "reading", "default")
_SOURCE_NAMES = {
    "article": ("文章", "article"),
    "reading": ("我们的解读", "our reading"),
    "default": ("默认", "our default"),
    "client": ("客户设定", "client"),
}


def source_name(source: str, lang: str = "zh") -> str:
    """How a source mark is shown to a reader.

    >>> source_name("reading", "zh"), source_name("default", "en")
    ('我们的解读', 'our default')
    """
    zh, en = _SOURCE_NAMES.get(source, (source, source))
    return zh if lang == "zh" else en


def _source_marks(node: Any, path: str = "") -> list[tuple[str, Any]]:
    """Every ``source`` / ``*_source`` mark in a method mapping, with its dotted path."""
    out: list[tuple[str, Any]] = []
    if isinstance(node, Mapping):
        for k, v in node.items():
            where = f"{path}.{k}" if path else str(k)
            if str(k) == "source" or str(k).endswith("_source"):
                out.append((where, v))
            else:
                out.extend(_source_marks(v, where))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            key = v.get("key", i) if isinstance(v, Mapping) else i
            out.extend(_source_marks(v, f"{path}[{key}]"))
    return out


class ConfigError(ValueError):
    """A configuration value or override is not usable."""


def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Return ``base`` with ``override`` merged in, recursively, without mutating either.

    Mappings merge key by key; any other value (lists included) replaces.

    >>> deep_merge({"a": {"b": 1, "c": 2}}, {"a": {"c": 3}})
    {'a': {'b': 1, 'c': 3}}
    """
    out = copy.deepcopy(dict(base))
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def normalise_label(text: Any) -> str:
    """Fold a header or stage name to a comparable key.

    Lower-case, full-width to half-width, drop spaces, punctuation and a
    leading step number ("3.", "03 ", "第3步").

    >>> normalise_label(" 3. Closed  Won ")
    'closedwon'
    >>> normalise_label("客户名称（Customer）")
    '客户名称customer'
    """
    s = unicodedata.normalize("NFKC", str(text)).strip().lower()
    s = re.sub(r"^(第?\s*\d+\s*[步.、)\-:]?\s*)", "", s) if re.match(r"^第?\s*\d+\s*[步.、)\-:\s]", s) else s
    return re.sub(r"[\s\W_]+", "", s)


class Config:
    """The method's numbers for one client: defaults plus that client's overrides.

    Read values with the accessors (``line``, ``indicator``, ``stages``,
    ``stage_rates``, ``tiers``, ``section``); the raw merged mapping is
    ``cfg.data`` (a copy, so it cannot be changed by accident).

    Stage overrides accept two short forms besides replacing ``stages.list``:
    ``stages: {rates: {qualified: 0.4}}`` changes win rates by key, and
    ``stages: {aliases: {"Their name": qualified}}`` adds names.
    """

    def __init__(self, data: Mapping[str, Any]):
        self._data = dict(data)
        self._check()

    # -- construction -----------------------------------------------------
    def with_overrides(self, overrides: Mapping[str, Any] | None) -> "Config":
        """A new Config with ``overrides`` merged in (this one is unchanged)."""
        if not overrides:
            return self
        if not isinstance(overrides, Mapping):
            raise ConfigError("overrides must be a mapping of the same keys as kalib/method.yaml")
        overrides = dict(overrides)
        stages_over = dict(overrides.pop("stages", {}) or {})
        rates = stages_over.pop("rates", None) or {}
        aliases = stages_over.pop("aliases", None) or {}
        merged = deep_merge(self._data, overrides)
        # A line a client changed is the client's, not the article's (unless it says otherwise).
        for key, ind in (overrides.get("indicators") or {}).items():
            for industry, line in ((ind or {}).get("lines") or {}).items() if isinstance(ind, Mapping) else ():
                if isinstance(line, Mapping) and "source" not in line and ({"pass", "excellent"} & set(line)):
                    merged["indicators"][key]["lines"][industry]["source"] = "client"
        if stages_over:
            merged["stages"] = deep_merge(merged["stages"], stages_over)
        if rates or aliases:
            known = {s["key"] for s in merged["stages"]["list"]}
            for key in list(rates) + list(aliases.values()):
                if key not in known:
                    raise ConfigError(
                        f"stage override names an unknown stage {key!r}; known stages: {', '.join(sorted(known))}"
                    )
            for st in merged["stages"]["list"]:
                if st["key"] in rates:
                    st["win_rate"] = float(rates[st["key"]])
                    st["source"] = "client"
                extra = [name for name, key in aliases.items() if key == st["key"]]
                if extra:
                    st["aliases"] = list(st.get("aliases") or []) + extra
        return Config(merged)

    def _check(self) -> None:
        d = self._data
        for key in ("indicators", "stages", "tiers", "forecast"):
            if key not in d:
                raise ConfigError(f"configuration has no {key!r} section")
        for key, ind in d["indicators"].items():
            for industry, line in (ind.get("lines") or {}).items():
                for which in ("pass", "excellent"):
                    v = line.get(which)
                    if v is not None and not isinstance(v, (int, float)):
                        raise ConfigError(f"indicators.{key}.lines.{industry}.{which} must be a number, not {v!r}")
        for st in d["stages"]["list"]:
            r = st.get("win_rate")
            if not isinstance(r, (int, float)) or not 0 <= r <= 1:
                raise ConfigError(f"stage {st.get('key')!r}: win_rate must be a number from 0 to 1, not {r!r}")
            if st.get("status") not in ("open", "won", "lost"):
                raise ConfigError(f"stage {st.get('key')!r}: status must be open, won or lost")
        for where, mark in _source_marks(d):
            if mark not in (*SOURCES, "client"):
                raise ConfigError(f"{where} must be one of {', '.join(SOURCES)}, not {mark!r}")
        flag = ((d["indicators"].get("win_rate") or {}).get("abandoned") or {}).get("count_as_lost", False)
        if not isinstance(flag, bool):
            raise ConfigError(f"indicators.win_rate.abandoned.count_as_lost must be true or false, not {flag!r}")

    # -- access -----------------------------------------------------------
    @property
    def data(self) -> dict[str, Any]:
        return copy.deepcopy(self._data)

    def section(self, name: str) -> dict[str, Any]:
        """A copy of one top-level section (``deals``, ``team``, ``forecast``...)."""
        if name not in self._data:
            raise ConfigError(f"configuration has no {name!r} section")
        return copy.deepcopy(self._data[name])

    def indicator(self, key: str) -> dict[str, Any]:
        try:
            return copy.deepcopy(self._data["indicators"][key])
        except KeyError:
            raise ConfigError(f"unknown indicator {key!r}") from None

    def indicator_keys(self) -> list[str]:
        """Indicator keys in the method's order (by id)."""
        return sorted(self._data["indicators"], key=lambda k: self._data["indicators"][k]["id"])

    def line(self, key: str, industry: str) -> dict[str, Any]:
        """Pass and excellent lines of an indicator for an industry."""
        if industry not in INDUSTRIES:
            raise ConfigError(f"industry must be one of {', '.join(INDUSTRIES)}, not {industry!r}")
        lines = self.indicator(key).get("lines", {})
        if industry not in lines:
            raise ConfigError(f"indicator {key!r} has no lines for {industry!r}")
        line = lines[industry]
        return {"pass": line.get("pass"), "excellent": line.get("excellent"), "source": line.get("source", "default")}

    def stages(self) -> list[dict[str, Any]]:
        """All stages (open ones in step order, then won, then lost)."""
        return copy.deepcopy(self._data["stages"]["list"])

    def stage_rates(self) -> dict[str, float]:
        return {s["key"]: float(s["win_rate"]) for s in self._data["stages"]["list"]}

    def stage_status(self) -> dict[str, str]:
        return {s["key"]: s["status"] for s in self._data["stages"]["list"]}

    def stage_order(self) -> list[str]:
        return [s["key"] for s in self._data["stages"]["list"]]

    def withdrawn_stages(self) -> frozenset[str]:
        """Stage keys of closed deals left out of every win rate (won ÷ (won + lost)).

        The deals we withdrew from (stage ``abandoned``, 放弃/NoGo) unless
        ``indicators.win_rate.abandoned.count_as_lost`` is true; empty then.

        >>> sorted(default_config().withdrawn_stages())
        ['abandoned']
        >>> default_config().with_overrides(
        ...     {"indicators": {"win_rate": {"abandoned": {"count_as_lost": True}}}}).withdrawn_stages()
        frozenset()
        """
        rule = (self._data["indicators"].get("win_rate") or {}).get("abandoned") or {}
        if rule.get("count_as_lost", False):
            return frozenset()
        return frozenset(s["key"] for s in self._data["stages"]["list"]
                         if s["key"] == "abandoned" and s.get("status") == "lost")

    def stage_lookup(self) -> dict[str, str]:
        """Normalised name -> stage key, from keys, English and Chinese names and aliases."""
        out: dict[str, str] = {}
        for st in self._data["stages"]["list"]:
            names = [st["key"], st.get("en"), st.get("zh"), *(st.get("aliases") or [])]
            for name in names:
                if name:
                    out.setdefault(normalise_label(name), st["key"])
        return out

    def tiers(self) -> list[dict[str, Any]]:
        """Value tiers, highest first."""
        return sorted(copy.deepcopy(self._data["tiers"]["list"]), key=lambda t: -t["min"])

    def label(self, item: Mapping[str, Any], lang: str = "zh") -> str:
        """The name of a config item in a language (``zh`` or ``en``)."""
        return str(item.get(lang) or item.get("en") or item.get("key"))

    def __repr__(self) -> str:
        return f"Config(indicators={len(self._data['indicators'])}, stages={len(self._data['stages']['list'])})"


@lru_cache(maxsize=1)
def _default_data() -> dict[str, Any]:
    text = resources.files("kalib").joinpath("method.yaml").read_text(encoding="utf-8")
    # The C loader when PyYAML has it (same safe semantics, much faster).
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def default_config() -> Config:
    """The method's defaults from ``kalib/method.yaml``."""
    return Config(copy.deepcopy(_default_data()))
