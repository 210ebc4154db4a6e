"""A client's settings: reading ``client.yml`` safely and checking every key.

``client.yml`` is read without trusting it: the file must be a regular file
no larger than :data:`MAX_SETTINGS_BYTES` (checked with ``os.stat`` before it
is opened, so a FIFO or a device never blocks the loader), YAML is read with
PyYAML's safe loader (nothing is executed) and at most :data:`MAX_ALIASES`
aliases (``*name``) are accepted, so an "alias bomb" cannot expand.

Then every key is checked against a JSON Schema (:func:`client_schema`), whose
``overrides:`` part is generated from ``kalib/method.yaml`` itself
(:func:`overrides_schema`), so every number of the method is a known key and
nothing else is.  A mistyped key is refused with the line it is on and the
nearest valid key; values of the wrong type, non-finite numbers and settings
that make no sense (lines in the wrong order, a rate outside 0–1, too many
forecast trials, a date out of range) are refused with their line too.  Every
problem of the file is reported in one pass.

Examples
--------
>>> problems = []
>>> data = parse_settings("industry: services\\noverrides:\\n  forcast: {trials: 500}\\n", "client.yml", problems)
>>> print(problems[0])
client.yml › line 3 › key 'overrides.forcast': unknown setting 'forcast' (did you mean `forecast`?)
>>> data["industry"], data["overrides"]
('services', None)
"""

from __future__ import annotations

import copy
import datetime as dt
import difflib
import math
import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .config import INDUSTRIES, SOURCES, Config, ConfigError, default_config
from .problems import Problem
from .schema import TABLES

__all__ = [
    "MAX_SETTINGS_BYTES", "MAX_ALIASES", "DATE_RANGE", "CLIENT_YML_KEYS", "Settings", "Located",
    "client_schema", "overrides_schema", "read_settings", "parse_settings", "check_overrides", "check_config",
    "check_date", "ClientMeta", "meta_from_settings", "LOOKUP_TABLES", "DUPLICATES",
]

#: client.yml is a few lines of settings; anything larger is refused before it is read.
MAX_SETTINGS_BYTES = 1_000_000
#: YAML aliases (``*name``) accepted in one file: enough for sharing a block, too few to expand exponentially.
MAX_ALIASES = 20
#: Dates kalib analyses (as_of, periods): a range every date type of pandas and numpy can hold.
DATE_RANGE = (dt.date(1900, 1, 1), dt.date(2199, 12, 31))


# ---------------------------------------------------------------------------
# the schema
# ---------------------------------------------------------------------------
_TEXT = {"type": ["string", "number", "null"]}
_NUMBER_OR_TEXT = {"type": ["number", "string", "null"]}

#: Keys whose values are fractions (0.5 = 50%) wherever they appear in the method.
RATE_KEYS = frozenset({
    "win_rate", "min_win_rate", "confidence", "target_probability", "rate_drop", "top_fraction",
    "concentration_alert", "product_fraction", "big_size", "small_value", "small_size", "big_value", "percentiles",
})
#: Keys that are thresholds or weights: any number, even where the default is a whole number.
_ANY_NUMBER_KEYS = frozenset({"pass", "excellent", "min", "max", "weight", "min_win_rate", "growing", "declining"})
#: Keys a client may set that the defaults leave out.
_EXTRA_KEYS: dict[tuple[str, ...], dict[str, Any]] = {
    ("deals", "red_flags", "*"): {"enabled": {"type": "boolean", "description": "false switches the flag off"}},
    ("indicators", "*"): {"direction": {"enum": ["higher", "lower"],
                                        "description": "whether a higher value is better (default higher)"}},
}
#: Sections of method.yaml a client cannot override.
_NOT_OVERRIDABLE = ("version", "industries", "limits")


def _scalar_schema(key: str, value: Any) -> dict[str, Any]:
    if key == "source" or key.endswith("_source"):
        return {"enum": [*SOURCES, "client"], "description": "where the value comes from"}
    if isinstance(value, bool):
        return {"type": "boolean"}
    if value is None:
        return {"type": ["number", "null"]}
    if isinstance(value, (int, float)):
        typ = "integer" if isinstance(value, int) and key not in _ANY_NUMBER_KEYS else "number"
        out: dict[str, Any] = {"type": typ}
        if key in RATE_KEYS:
            out.update(minimum=0, maximum=1)
        return out
    if isinstance(value, str):
        return {"type": "string"}
    return {}


def _merge(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """The schema accepting what either ``a`` or ``b`` accepts (for siblings of one shape)."""
    if not a:
        return b
    if a.get("type") == "object" and b.get("type") == "object":
        props = dict(a["properties"])
        for k, v in b["properties"].items():
            props[k] = _merge(props[k], v) if k in props else v
        return {**a, "properties": props}
    if a.get("type") == "array" and b.get("type") == "array":
        return {**a, "items": _merge(a.get("items", {}), b.get("items", {}))}
    ta, tb = a.get("type"), b.get("type")
    if ta and tb and ta != tb:
        types = sorted({*(ta if isinstance(ta, list) else [ta]), *(tb if isinstance(tb, list) else [tb])})
        if "integer" in types and "number" in types:
            types.remove("integer")
        return {**a, **b, "type": types}
    return {**a, **b}


def _schema_of(value: Any, path: tuple[str, ...]) -> dict[str, Any]:
    key = path[-1] if path else ""
    if isinstance(value, Mapping):
        children = {str(k): _schema_of(v, path + (str(k),)) for k, v in value.items()}
        # A keyed mapping of items of one shape (indicators, factors, red flags, lines, levels...):
        # each item accepts every key its siblings have.
        if len(value) >= 2 and all(isinstance(v, Mapping) for v in value.values()):
            common = set.intersection(*(set(map(str, v)) for v in value.values()))
            if common:
                shape: dict[str, Any] = {}
                for child in children.values():
                    shape = _merge(shape, child)
                children = {k: shape for k in children}
        for pattern, extra in _EXTRA_KEYS.items():
            if len(pattern) == len(path) + 1 and all(p in ("*", q) for p, q in zip(pattern, path)):
                children = {k: {**c, "properties": {**c["properties"], **extra}} for k, c in children.items()}
        return {"type": "object", "properties": children, "additionalProperties": False}
    if isinstance(value, list):
        items: dict[str, Any] = {}
        for i, v in enumerate(value):
            items = _merge(items, _schema_of(v, path + (key,)))
        if value and all(isinstance(v, Mapping) for v in value):
            # A list replaces the default as a whole: each item needs what every default item has.
            items = {**items, "required": sorted(set.intersection(*(set(map(str, v)) for v in value)))}
        if key in RATE_KEYS:
            items = {**items, "minimum": 0, "maximum": 1}
        return {"type": "array", "items": items}
    return _scalar_schema(key, value)


def overrides_schema(config: Config | None = None) -> dict[str, Any]:
    """The JSON Schema of ``overrides:``: method.yaml's own structure, every key optional.

    Generated from the method's defaults, so a key is valid exactly when
    method.yaml has it; besides, ``stages`` takes the short forms ``rates``
    (stage key → win rate) and ``aliases`` (a client's name → stage key), and
    ``forecast.trials`` is bounded by ``limits.max_trials``.

    >>> s = overrides_schema()
    >>> sorted(s["properties"])[:3], s["properties"]["forecast"]["properties"]["trials"]["maximum"]
    (['accounts', 'deals', 'forecast'], 1000000)
    """
    data = (config or default_config()).data
    limits = data.get("limits", {})
    for key in _NOT_OVERRIDABLE:
        data.pop(key, None)
    schema = _schema_of(data, ())
    stages = schema["properties"]["stages"]["properties"]
    stages["rates"] = {"type": "object", "additionalProperties": {"type": "number", "minimum": 0, "maximum": 1},
                       "description": "stage key -> win rate"}
    stages["aliases"] = {"type": "object", "additionalProperties": {"type": "string"},
                         "description": "your stage name -> stage key"}
    trials = schema["properties"]["forecast"]["properties"]["trials"]
    trials.update(minimum=1, maximum=limits.get("max_trials", 1_000_000))
    schema["description"] = "any number of the method, under the keys of kalib/method.yaml"
    return schema


#: The tables whose names a lookup can give (``lookups:`` in client.yml).
LOOKUP_TABLES = ("customers", "products", "salespeople")
#: What to do with an opportunity id on several rows (``duplicates:``); the first is the default.
DUPLICATES = ("refuse", "keep_first", "sum")
_LOOKUP = {
    "type": "object", "additionalProperties": False, "required": ["key", "name"],
    "properties": {
        "file": {"type": "string", "description": "file (or sheet) holding the names; default: the table's own"},
        "key": {"type": "string", "description": "its column with the codes used in the data"},
        "name": {"type": ["string", "array"], "items": {"type": "string"},
                 "description": "its column with the name, or a list of columns joined with a space"},
    },
}


def client_schema(config: Config | None = None) -> dict[str, Any]:
    """The JSON Schema of ``client.yml`` (every key optional; empty means the default).

    >>> sorted(client_schema()["properties"])[:5]
    ['allow_links', 'amount_from_list_price', 'amount_unit', 'as_of', 'columns']
    """
    tables = {name: {"type": "object", "additionalProperties": {"type": "string"},
                     "description": f"your header -> a column of the {name} table"} for name in TABLES}
    props: dict[str, Any] = {
        "name": {**_TEXT, "description": "the client's name, shown in reports"},
        "industry": {"type": ["string", "null"], "description": "manufacturing or services: which lines apply"},
        "currency": {"type": ["string", "null"], "description": "currency of the amounts in the files"},
        "fx_to_rmb": {**_NUMBER_OR_TEXT, "description": "RMB per unit of the currency"},
        "employees": {**_NUMBER_OR_TEXT, "description": "all employees (indicator 8)"},
        "sales_target": {**_NUMBER_OR_TEXT, "description": "yearly sales target, in the currency and unit"},
        "period": {"type": ["string", "integer", "null"], "description": "the analysis period"},
        "as_of": {"type": ["string", "null"], "description": "the date the analysis is made as of"},
        "fiscal_year_start": {"type": ["integer", "null"], "minimum": 1, "maximum": 12,
                              "description": "first month of the fiscal year"},
        "language": {"enum": ["zh", "en", None], "description": "language of reports"},
        "date_format": {"type": ["string", "null"], "description": "order of ambiguous dates: ymd, mdy or dmy"},
        "amount_unit": {"type": ["string", "null"], "description": "unit of the amounts: 元, 千, 万, 百万, 亿"},
        "encoding": {"type": ["string", "null"], "description": "text encoding of the CSV files, when not detected"},
        "columns": {"type": ["object", "null"], "properties": tables, "additionalProperties": False,
                    "description": "table -> {your header: kalib column}"},
        "stages": {"type": ["object", "null"], "additionalProperties": {"type": "string"},
                   "description": "your stage name -> kalib stage key"},
        "files": {"type": ["object", "null"], "additionalProperties": False,
                  "properties": {name: {"type": "string"} for name in TABLES},
                  "description": "table -> file or sheet name"},
        "overrides": {**overrides_schema(config), "type": ["object", "null"]},
        "decimal": {"enum": [".", ",", None],
                    "description": "decimal mark of the amounts: '.' (1,234.56) or ',' (1.234,56); never guessed"},
        "allow_links": {"type": ["boolean", "null"],
                        "description": "true: read data files that link to places outside the client folder"},
        "notes": {"description": "free text for people; kalib ignores it"},
        "lookups": {"type": ["object", "null"], "additionalProperties": False,
                    "properties": {name: _LOOKUP for name in LOOKUP_TABLES},
                    "description": "customers / products / salespeople -> where their names are: "
                                   "{file, key, name} (codes in the data shown as names)"},
        "duplicates": {"enum": [*DUPLICATES, None],
                       "description": "an opportunity id on several rows (one per product line): keep_first, sum or "
                                      "refuse (default: refuse)"},
        "undated_closed": {"type": ["string", "integer", "null"],
                           "description": "closed deals without any date: counted in this period's win rate "
                                          "(e.g. 2024), or all_time (the period analysed, whichever it is); "
                                          "default: left out of win rates"},
        "amount_from_list_price": {"type": ["boolean", "null"],
                                   "description": "true: an open deal without amount is valued at its product's "
                                                  "list price (flagged); default false"},
        "targets": {"type": ["object", "null"], "additionalProperties": False, "required": ["file", "person"],
                    "properties": {"file": {"type": "string", "description": "the targets file (or sheet)"},
                                   "person": {"type": "string", "description": "its column naming the salesperson"},
                                   "year": {"type": ["integer", "null"], "minimum": 1900, "maximum": 2199,
                                            "description": "the year whose months make the quota "
                                                           "(default: the latest year in the headers)"}},
                    "description": "a targets file with one column per month and one row per person, "
                                   "read as yearly quotas"},
        "course": {"type": ["object", "null"], "additionalProperties": False,
                   "properties": {"story_customer": {**_TEXT, "description": "the customer whose story the course "
                                                                              "follows (its name as in the data)"},
                                  "story_opportunity": {"type": ["string", "integer", "null"],
                                                        "description": "the deal the course reviews (its "
                                                                       "opportunity id)"}},
                   "description": "the course's featured customer and deal (default: the top diamond customer and "
                                  "the largest open evaluated deal)"},
    }
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "title": "client.yml",
            "type": "object", "properties": props, "additionalProperties": False}


#: The keys of client.yml (the properties of :func:`client_schema`; a test keeps them equal).
CLIENT_YML_KEYS = frozenset({
    "name", "industry", "currency", "fx_to_rmb", "employees", "sales_target", "period", "as_of", "fiscal_year_start",
    "language", "date_format", "amount_unit", "encoding", "decimal", "allow_links", "columns", "stages", "files", "overrides",
    "notes", "lookups", "duplicates", "undated_closed", "amount_from_list_price", "targets", "course",
})


# ---------------------------------------------------------------------------
# reading YAML with line numbers and bounded aliases
# ---------------------------------------------------------------------------
class _TooManyAliases(yaml.YAMLError):
    def __init__(self, mark: yaml.Mark):
        super().__init__(f"more than {MAX_ALIASES} aliases (*name)")
        self.problem_mark = mark
        self.problem = str(self)


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing more than MAX_ALIASES aliases."""

    def __init__(self, stream: str):
        super().__init__(stream)
        self._aliases = 0

    def compose_node(self, parent, index):  # noqa: D102 - PyYAML's hook
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                raise _TooManyAliases(self.peek_event().start_mark)
        return super().compose_node(parent, index)


def _lines(node: yaml.Node | None, path: tuple[str, ...] = (), out: dict | None = None) -> dict:
    """Path of keys -> line (1-based) where that key (or list item) is written."""
    out = {} if out is None else out
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            sub = path + (str(k.value),)
            out.setdefault(sub, k.start_mark.line + 1)
            _lines(v, sub, out)
    elif isinstance(node, yaml.SequenceNode):
        for i, v in enumerate(node.value):
            out.setdefault(path + (str(i),), v.start_mark.line + 1)
            _lines(v, path + (str(i),), out)
    return out


def _load(text: str) -> tuple[Any, dict]:
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, {}
        return loader.construct_document(node), _lines(node)
    finally:
        loader.dispose()


# ---------------------------------------------------------------------------
# checking
# ---------------------------------------------------------------------------
_TYPE_WORDS = {"object": "a mapping (key: value lines)", "array": "a list", "string": "text", "number": "a number",
               "integer": "a whole number", "boolean": "true or false", "null": "empty"}


def _show(value: Any) -> str:
    if isinstance(value, float) and not math.isfinite(value):
        return {math.inf: ".inf", -math.inf: "-.inf"}.get(value, ".nan")
    if isinstance(value, (dict, list)):
        return "a mapping" if isinstance(value, dict) else "a list"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _plain(value: Any, path: tuple[str, ...], bad: list[tuple[tuple[str, ...], Any]]) -> Any:
    """A copy JSON Schema can check: string keys, dates as text, non-finite numbers noted and emptied."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v, path + (str(k),), bad) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v, path + (str(i),), bad) for i, v in enumerate(value)]
    if isinstance(value, float) and not math.isfinite(value):
        bad.append((path, value))
        return None
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


class Located:
    """Makes located problems for one settings file."""

    def __init__(self, fname: str, lines: Mapping[tuple[str, ...], int], problems: list, root: tuple[str, ...] = ()):
        self.fname, self.lines, self.problems, self.root = fname, lines, problems, root
        self.bad_keys: set[str] = set()

    def line(self, path: tuple[str, ...]) -> int | None:
        path = self.root + tuple(path)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return None

    def add(self, path: tuple[str, ...], message: str) -> None:
        full = self.root + tuple(path)
        key = ".".join(p if not p.isdigit() else f"[{p}]" for p in full).replace(".[", "[") or None
        if full:
            self.bad_keys.add(full[0])
        self.problems.append(Problem(message, file=self.fname, row=self.line(tuple(path)), column=key))


def _schema_problems(instance: Any, schema: dict[str, Any], where: Located) -> list[tuple[str, ...]]:
    """Add a located problem per schema error; returns the paths found wrong."""
    import jsonschema  # imported when a client.yml is checked: a cached load never pays its import

    validator = jsonschema.Draft202012Validator(schema)
    wrong: list[tuple[str, ...]] = []
    seen: set[tuple[tuple[str, ...], str]] = set()
    for err in sorted(validator.iter_errors(instance), key=lambda e: [str(p) for p in e.absolute_path]):
        path = tuple(str(p) for p in err.absolute_path)
        if err.validator == "additionalProperties":
            known = sorted(err.schema.get("properties", {}))
            for extra in sorted(set(err.instance) - set(known)):
                near = difflib.get_close_matches(extra, known, n=1, cutoff=0.6)
                hint = f" (did you mean `{near[0]}`?)" if near else (
                    f"; known settings here: {', '.join(known)}" if known else "")
                where.add(path + (extra,), f"unknown setting {extra!r}{hint}")
                wrong.append(path + (extra,))
            continue
        wrong.append(path)
        name = path[-1] if path else "client.yml"
        if name.isdigit() and len(path) > 1:  # an item of a list
            name = f"{path[-2]}[{name}]"
        if err.validator == "type":
            want = err.validator_value if isinstance(err.validator_value, list) else [err.validator_value]
            words = " or ".join(_TYPE_WORDS[w] for w in want if w != "null")
            where.add(path, f"{name} must be {words}, not {_show(err.instance)}")
        elif err.validator == "enum":
            opts = ", ".join(str(v) for v in err.validator_value if v is not None)
            where.add(path, f"{name} must be one of {opts}, not {_show(err.instance)}")
        elif err.validator == "required":
            if (path, "required") in seen:
                continue
            seen.add((path, "required"))
            why = " (it replaces the whole default list)" if path and path[-1].isdigit() else ""
            where.add(path, f"{name} needs {', '.join(err.validator_value)}{why}; "
                            f"missing: {', '.join(k for k in err.validator_value if k not in err.instance)}")
        elif err.validator in ("minimum", "maximum"):
            if err.schema.get("minimum") == 0 and err.schema.get("maximum") == 1:
                where.add(path, f"{name} is a fraction from 0 to 1 (0.35 = 35%), not {_show(err.instance)}")
            elif err.validator == "maximum":
                limit = " (limits.max_trials in kalib/method.yaml)" if path[-1:] == ("trials",) else ""
                where.add(path, f"{name} must be at most {err.validator_value:,}{limit}, not {_show(err.instance)}")
            else:
                where.add(path, f"{name} must be at least {err.validator_value:,}, not {_show(err.instance)}")
        else:  # pragma: no cover - every keyword the schemas use is worded above
            where.add(path, err.message)
    return wrong


def check_date(value: Any, name: str, where: Located, path: tuple[str, ...]) -> dt.date | None:
    """A date setting read as a date inside :data:`DATE_RANGE`, else a located problem and None."""
    import pandas as pd

    from . import parse as P

    if isinstance(value, dt.datetime):
        value = value.date()
    if not isinstance(value, dt.date):
        text = str(value).strip()
        try:  # ISO dates first, so a year beyond pandas' range is named as such
            value = dt.date.fromisoformat(text[:10]) if len(text) >= 10 else None
        except ValueError:
            value = None
        if value is None:
            d, bad = P.parse_date(pd.Series([text]))
            if bad.iloc[0] or pd.isna(d.iloc[0]):
                where.add(path, f"{name} must be a date (e.g. 2024-12-31), not {_show(text)}")
                return None
            value = d.iloc[0].date()
    lo, hi = DATE_RANGE
    if not lo <= value <= hi:
        where.add(path, f"{name} {value.isoformat()} is outside the dates kalib analyses "
                        f"({lo.isoformat()} to {hi.isoformat()})")
        return None
    return value


def _prune(data: Any, path: tuple[str, ...]) -> None:
    """Remove what ``path`` points at (where a problem was found) from nested mappings.

    Within a list the whole list goes (a list replaces the default as a whole).
    """
    node, parent, key = data, None, None
    for p in path:
        if isinstance(node, list):
            break
        if not isinstance(node, Mapping):
            return
        match = [k for k in node if str(k) == p]
        if not match:
            return
        parent, key, node = node, match[0], node[match[0]]
    if parent is not None:
        del parent[key]


def check_overrides(overrides: Any, where: Located, config: Config | None = None) -> Config | None:
    """The configuration with ``overrides`` applied, or None after adding every problem to ``where``.

    Parts with a problem are left out and the rest is still checked for sense,
    so one problem never hides another.
    """
    base = config or default_config()
    if overrides is None:
        return base
    if not isinstance(overrides, Mapping):
        where.add((), f"overrides must be a mapping of the keys of kalib/method.yaml, not {_show(overrides)}")
        return None
    start = len(where.problems)
    bad: list[tuple[tuple[str, ...], Any]] = []
    plain = _plain(overrides, (), bad)
    for path, value in bad:
        where.add(path, f"{path[-1] if path else 'overrides'} must be a finite number, not {_show(value)}")
    wrong = _schema_problems(plain, overrides_schema(base), where)
    usable = copy.deepcopy(dict(overrides))
    for path in [p for p, _ in bad] + wrong:
        _prune(usable, path)
    try:
        cfg = base.with_overrides(usable)
        check_config(cfg, where, usable)
    except (ConfigError, LookupError, TypeError, ValueError) as exc:
        where.add((), f"overrides cannot be applied: {exc}" if not isinstance(exc, ConfigError) else str(exc))
        return None
    return None if len(where.problems) > start else cfg


def check_config(cfg: Config, where: Located, overrides: Mapping[str, Any]) -> None:
    """Sense checks on the merged configuration, each located at the override that caused it."""

    def given(*path: str) -> bool:
        node: Any = overrides
        for p in path:
            if not isinstance(node, Mapping) or p not in node:
                return False
            node = node[p]
        return True

    for key in cfg.indicator_keys():
        ind = cfg.indicator(key)
        lower = ind.get("direction", "higher") == "lower"
        for industry in INDUSTRIES:
            line = (ind.get("lines") or {}).get(industry) or {}
            if not given("indicators", key):
                continue
            path = ("indicators", key, "lines", industry)
            p, e = line.get("pass"), line.get("excellent")
            lo, hi = ((-1.0, 1.0) if key == "nps" else (0.0, 1.0)) if ind.get("unit") == "share" else (0.0, math.inf)
            for which, v in (("pass", p), ("excellent", e)):
                if v is not None and not lo <= v <= hi:
                    scale = f"from {lo:g} to {hi:g}" if math.isfinite(hi) else "0 or more"
                    where.add(path + (which,) if given(*path, which) else path,
                              f"the {which} line of {key} ({industry}) must be {scale}, not {v:g}")
            if p is not None and e is not None and (e < p if not lower else e > p):
                order = "at or above" if not lower else "at or below"
                where.add(path + ("excellent",) if given(*path, "excellent") else path + ("pass",),
                          f"{key} ({industry}): the excellent line ({e:g}) must be {order} the pass line ({p:g})"
                          + (" (lower is better for this indicator)" if lower else ""))
    fc = cfg.section("forecast")
    pct = fc.get("percentiles") or []
    if given("forecast", "percentiles") and list(pct) != sorted(pct):
        where.add(("forecast", "percentiles"), f"percentiles must be in increasing order, not {pct}")
    if given("deals", "go_nogo"):
        g = cfg.section("deals")["go_nogo"]
        if g["nogo_below"] > g["go_min"]:
            where.add(("deals", "go_nogo"), f"nogo_below ({g['nogo_below']:g}) must not be above go_min "
                                            f"({g['go_min']:g})")
    acc = cfg.section("accounts")
    if given("accounts", "trend") and acc["trend"]["declining"] > acc["trend"]["growing"]:
        where.add(("accounts", "trend"), "trend: declining must be below growing")


def _empty(fname: str) -> "Settings":
    out = Settings()
    out.fname = fname
    return out


class Settings(dict):
    """The settings of client.yml (a dict), with ``lines``: key path -> line, to locate later problems."""

    fname: str = "client.yml"
    lines: dict[tuple[str, ...], int] = {}
    config: Config | None = None  # the method with the valid overrides applied

    def located(self, problems: list) -> Located:
        return Located(self.fname, self.lines, problems)


def parse_settings(text: str, fname: str, problems: list) -> Settings:
    """Settings from the text of ``client.yml``; every problem goes to ``problems``.

    Keys with a problem come back as None (their default), so what follows can
    go on and find the other problems.
    """
    empty = _empty(fname)
    try:
        data, lines = _load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problems.append(Problem(f"is not valid YAML: {getattr(exc, 'problem', None) or exc}", file=fname,
                                 row=(mark.line + 1) if mark else None))
        return empty
    if data is None:
        return empty
    if not isinstance(data, dict):
        problems.append(Problem("must be a mapping of settings (key: value lines)", file=fname, row=1))
        return empty
    where = Located(fname, lines, problems)
    start = len(problems)
    bad: list[tuple[tuple[str, ...], Any]] = []
    plain = _plain({k: v for k, v in data.items() if k != "overrides"}, (), bad)
    for path, value in bad:
        where.add(path, f"{path[-1]} must be a finite number, not {_show(value)}")
    schema = client_schema()
    schema["properties"].pop("overrides")
    schema["properties"]["overrides"] = {}
    _schema_problems(plain, schema, where)
    config = default_config()
    if data.get("overrides") is not None:
        sub = Located(fname, lines, problems, root=("overrides",))
        config = check_overrides(data["overrides"], sub)
        if config is None:
            where.bad_keys.add("overrides")
            config = default_config()
    if data.get("as_of") is not None and "as_of" not in where.bad_keys:
        day = check_date(data["as_of"], "as_of", where, ("as_of",))
        data["as_of"] = day.isoformat() if day else None
    out = Settings({str(k): v for k, v in data.items()})
    for key in where.bad_keys:
        if key in out:
            out[key] = None
    out.fname, out.lines, out.config = fname, lines, config
    problems[start:] = sorted(problems[start:], key=lambda p: p.row or 0)
    return out


def read_settings(path: Path | None, problems: list) -> Settings:
    """Read and check a ``client.yml`` (absent: no settings).  Special files are refused unopened."""
    if path is None:
        return _empty("client.yml")
    fname = path.name
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return _empty(fname)
    except OSError as exc:
        problems.append(Problem(f"cannot be read: {exc.strerror or exc}", file=fname))
        return _empty(fname)
    if not stat.S_ISREG(st.st_mode):
        kind = "a folder" if stat.S_ISDIR(st.st_mode) else "not a regular file (a pipe or a device)"
        problems.append(Problem(f"is {kind}; client.yml must be a text file of settings", file=fname))
        return _empty(fname)
    if st.st_size > MAX_SETTINGS_BYTES:
        problems.append(Problem(f"is {st.st_size:,} bytes; a client.yml is at most {MAX_SETTINGS_BYTES:,} bytes",
                                 file=fname))
        return _empty(fname)
    try:
        with open(path, "rb") as fh:
            raw = fh.read(MAX_SETTINGS_BYTES + 1)
    except OSError as exc:
        problems.append(Problem(f"cannot be read: {exc.strerror or exc}", file=fname))
        return _empty(fname)
    for enc in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes nearly anything
        problems.append(Problem("cannot tell the text encoding; save it as UTF-8", file=fname))
        return _empty(fname)
    return parse_settings(text, fname, problems)


@dataclass
class ClientMeta:
    """What ``client.yml`` says about the client (all optional)."""

    name: str = "client"
    industry: str = "manufacturing"
    currency: str = "RMB"
    fx_to_rmb: float = 1.0
    employees: int | None = None
    sales_target: float | None = None  # per year, RMB
    period: str | None = None
    as_of: str | None = None
    fiscal_year_start: int = 1
    language: str = "zh"
    extra: dict[str, Any] = field(default_factory=dict)
    #: An opportunity id on several rows: refuse (default), keep_first or sum.
    duplicates: str = "refuse"
    #: Closed deals without any date: None (left out of win rates), a period (``2024``) or ``all_time``.
    undated_closed: str | None = None
    #: Open deals without amount valued at their product's list price (flagged in ``amount_estimated``).
    amount_from_list_price: bool = False
    #: customers / products / salespeople -> {code: display name}, applied to every table naming them.
    lookups: dict[str, dict[str, str]] = field(default_factory=dict)
    #: The course's featured customer and deal: ``story_customer``, ``story_opportunity`` (either may be absent).
    course: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.industry not in INDUSTRIES:
            raise ValueError(f"industry must be one of {', '.join(INDUSTRIES)}, not {self.industry!r}")
        if not (isinstance(self.fx_to_rmb, (int, float)) and math.isfinite(self.fx_to_rmb) and self.fx_to_rmb > 0):
            raise ValueError(f"fx_to_rmb must be a positive number, not {self.fx_to_rmb!r}")
        if self.duplicates not in DUPLICATES:
            raise ValueError(f"duplicates must be one of {', '.join(DUPLICATES)}, not {self.duplicates!r}")
        unknown = set(self.lookups) - set(LOOKUP_TABLES)
        if unknown:
            raise ValueError(f"lookups name {', '.join(sorted(unknown))}; they can name {', '.join(LOOKUP_TABLES)}")
        unknown = set(self.course) - set(COURSE_KEYS)
        if unknown:
            raise ValueError(f"course names {', '.join(sorted(unknown))}; it can name {', '.join(COURSE_KEYS)}")


def meta_from_settings(data: Mapping[str, Any], default_name: str, problems: list) -> ClientMeta:
    """The client's :class:`ClientMeta` from checked settings; problems located in client.yml."""
    import pandas as pd

    from . import parse as P

    where = data.located(problems) if isinstance(data, Settings) else Located("client.yml", {}, problems)

    def num(key: str, kind=float):
        v = data.get(key)
        if v is None or v == "":
            return None
        x = None
        if isinstance(v, str):
            parsed, bad = P.parse_money(pd.Series([v]))
            x = None if bad.iloc[0] else float(parsed.iloc[0])
        elif isinstance(v, (int, float)) and not isinstance(v, bool):
            x = float(v)
        if x is None or not math.isfinite(x) or x <= 0:
            where.add((key,), f"{key} must be a positive number, not {_show(v)}")
            return None
        return kind(x)

    industry = str(data.get("industry") or "manufacturing").strip().lower()
    zh_industry = {"制造业": "manufacturing", "制造": "manufacturing", "服务业": "services", "服务": "services",
                   "service": "services"}
    industry = zh_industry.get(industry, industry)
    if industry not in INDUSTRIES:
        where.add(("industry",), f"industry must be manufacturing (制造业) or services (服务业), not {industry!r}")
        industry = "manufacturing"
    fx = num("fx_to_rmb") or 1.0
    currency = str(data.get("currency") or "RMB").strip().upper()
    if currency not in ("RMB", "CNY", "元") and "fx_to_rmb" not in data:
        problems.append(Problem(f"currency is {currency}: set fx_to_rmb (how many RMB one {currency} is worth)",
                                file=where.fname, row=where.line(("currency",)), column="fx_to_rmb"))
    unit = data.get("amount_unit")
    unit_factor = 1.0
    if unit:
        if str(unit).strip().lower() not in P.UNIT_FACTORS:
            where.add(("amount_unit",), f"amount_unit must be one of {', '.join(P.UNIT_FACTORS)}, not {unit!r}")
        else:
            unit_factor = P.UNIT_FACTORS[str(unit).strip().lower()]
    target = num("sales_target")
    emp = num("employees")
    most = default_config().section("limits")["max_employees"]
    if emp is not None and emp > most:
        where.add(("employees",), f"employees must be a head count (at most {most:,}), not {_show(data['employees'])}")
        emp = None
    order = str(data.get("date_format") or "mdy").lower().replace("/", "").replace("-", "")
    if order not in ("mdy", "dmy", "ymd"):
        where.add(("date_format",), f"date_format must be ymd, mdy or dmy, not {data.get('date_format')!r}")
        order = "mdy"
    return ClientMeta(
        name=str(data.get("name") or default_name),
        industry=industry,
        currency=currency,
        fx_to_rmb=float(fx),
        employees=int(emp) if emp else None,
        sales_target=float(target) * fx * unit_factor if target else None,
        period=str(data["period"]) if data.get("period") is not None else None,
        as_of=data.get("as_of"),
        fiscal_year_start=data.get("fiscal_year_start") or 1,
        language=data.get("language") or "zh",
        extra={"date_format": order, "amount_unit": unit_factor, "encoding": data.get("encoding")},
        duplicates=data.get("duplicates") or DUPLICATES[0],
        undated_closed=str(data["undated_closed"]) if data.get("undated_closed") is not None else None,
        amount_from_list_price=data.get("amount_from_list_price") is True,
        course=course_settings(data.get("course"), where),
    )


#: The keys of client.yml's ``course:`` (the course's featured customer and deal).
COURSE_KEYS = ("story_customer", "story_opportunity")


def course_settings(value: Any, where: Any = None) -> dict[str, str]:
    """``course:`` of client.yml as ``{story_customer, story_opportunity}`` (blank values left out; a blank
    name is told at its line when ``where`` locates problems)."""
    out: dict[str, str] = {}
    for key in COURSE_KEYS:
        v = (value or {}).get(key) if isinstance(value, Mapping) else None
        if v is None:
            continue
        text = str(v).strip()
        if not text:
            if where is not None:
                where.add(("course", key), f"course.{key} is blank: name the {key.removeprefix('story_')} or "
                                           f"leave the line out")
            continue
        out[key] = text
    return out
