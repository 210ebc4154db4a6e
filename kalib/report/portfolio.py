"""The portfolio page: every client of a batch side by side, on one self-contained HTML page.

A coach (or a firm) with many clients sees, per client, the ten health
indicators as a grid of statuses (colour and symbol, the value in the cell and
the distance to the line on hover), the number of gaps (indicators below the
pass line) and the three largest ones, what changed since the previous batch
run, and a link to the client's report; clients that failed are listed with
the reason.  The grid sorts by any column (a few lines of inline script, which
the page's Content-Security-Policy allows by its hash and nothing else).

The indicators are computed by :func:`kalib.health.health_check` on the
client's data, never read back from a report.  Each batch run stores its
summary as ``OUT/portfolio.json`` (the one before is kept as
``portfolio.previous.json``); the page compares the two.

>>> s = client_summary_from_health(_example_health())
>>> s["below"], s["gaps"][:1], s["indicators"]["top10_share"]["status"]
(1, ['top10_share'], 'below')
>>> changes({"indicators": {"win_rate": {"status": "below"}}},
...         {"indicators": {"win_rate": {"status": "pass"}}})
[('win_rate', 'pass', 'below')]
"""

from __future__ import annotations

import base64
import datetime as _dt
import hashlib
import json
import os
import urllib.parse
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ..health import HealthResult, evaluate, health_check
from ..i18n import check_lang, tr
from ..files import write_atomic
from ..jsonout import dumps
from ..symbols import STATUS_SYMBOLS

__all__ = [
    "PORTFOLIO_JSON", "PREVIOUS_JSON", "PORTFOLIO_HTML", "client_health", "client_summary_from_health", "changes",
    "portfolio_data", "render_portfolio", "write_portfolio", "read_portfolio", "indicator_columns", "entries_from_outcomes", "entries_from_clients",
]

PORTFOLIO_JSON = "portfolio.json"
PREVIOUS_JSON = "portfolio.previous.json"
PORTFOLIO_HTML = "portfolio.html"
_HERE = Path(__file__).parent
_STATUS_RANK = {"below": 0, "pass": 1, "excellent": 2, "na": -1}
_STATUS_WORDS = {"below": ("未及格", "below the pass line"), "pass": ("及格", "pass"),
                 "excellent": ("优秀", "excellent"), "na": ("无数据", "not available")}


def _example_health() -> HealthResult:
    return evaluate({"top10_share": 0.30, "win_rate": 0.35}, "manufacturing")


# ---------------------------------------------------------------------------
# One client's summary (computed in the batch worker, or here)
# ---------------------------------------------------------------------------
def client_summary_from_health(result: HealthResult) -> dict[str, Any]:
    """A small JSON-ready summary of a health result: per indicator its status, value and distance in both
    languages; the keys of the three largest gaps; the counts."""
    inds = {}
    for i in result:
        inds[i.key] = {
            "status": i.status, "value": i.value, "rank": _STATUS_RANK[i.status],
            "relative_gap": i.relative_gap,
            "value_zh": i.value_text("zh"), "value_en": i.value_text("en"),
            "distance_zh": i.distance_text("zh"), "distance_en": i.distance_text("en"),
        }
    c = result.counts()
    return {
        "industry": result.industry,
        "period": result.period.label if result.period is not None else None,
        "display_name": result.client,
        "indicators": inds, "gaps": [i.key for i in result.gaps(3)],
        "below": c["below"], "na": c["na"], "measured": c["measured"],
    }


def client_health(client: str | os.PathLike, *, period: str | None = None, industry: str | None = None,
                  as_of: str | None = None) -> dict[str, Any]:
    """Load a client and summarise its ten indicators (:func:`client_summary_from_health`).

    Raises what :func:`kalib.io.load_client` raises (``InputError`` for bad input).
    """
    from ..io import load_client

    c = load_client(client, period=period, industry=industry, as_of=as_of)
    summary = client_summary_from_health(health_check(c, period, industry))
    summary["as_of"] = c.as_of.date().isoformat() if c.as_of is not None else None
    return summary


def changes(now: Mapping[str, Any], before: Mapping[str, Any] | None) -> list[tuple[str, str, str]]:
    """``(key, status before, status now)`` for each indicator whose status changed between two summaries."""
    if not before:
        return []
    old = before.get("indicators") or {}
    out = []
    for key, ind in (now.get("indicators") or {}).items():
        was = (old.get(key) or {}).get("status")
        if was is not None and was != ind.get("status"):
            out.append((key, str(was), str(ind.get("status"))))
    return out


# ---------------------------------------------------------------------------
# The stored summary of a batch run
# ---------------------------------------------------------------------------
def portfolio_data(entries: Iterable[Mapping[str, Any]], *, out: str | os.PathLike) -> dict[str, Any]:
    """The summary of a batch run, stored as ``portfolio.json``.

    Each entry: ``name``, ``client``, ``ok``, and either ``health`` (from
    :func:`client_health`) and ``html`` (the report, or None), or ``error``
    and ``error_type``.  Report paths are stored relative to ``out``.
    """
    out = Path(out)
    clients = []
    for e in entries:
        d = {"name": e["name"], "client": str(e.get("client") or ""), "ok": bool(e.get("ok"))}
        if d["ok"]:
            d["health"] = e.get("health")
            html = e.get("html")
            d["report"] = _relative(Path(html), out) if html else None
        else:
            d["error"] = str(e.get("error") or "")
            d["error_type"] = str(e.get("error_type") or "")
        clients.append(d)
    return {"kind": "kalib-portfolio", "version": 1,
            "finished": _dt.datetime.now().isoformat(timespec="seconds"), "clients": clients}


def _relative(path: Path, base: Path) -> str | None:
    try:
        return Path(os.path.relpath(path.resolve(), base.resolve())).as_posix()
    except ValueError:  # another drive
        return None


def read_portfolio(path: str | os.PathLike) -> dict[str, Any] | None:
    """A stored ``portfolio.json``, or None when there is none or it is not one (never raises)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("kind") != "kalib-portfolio" or not isinstance(data.get("clients"), list):
        return None
    return data


def write_portfolio(data: Mapping[str, Any], out: str | os.PathLike, *, lang: str = "zh",
                    record: bool = True) -> Path:
    """Write ``out/portfolio.html`` and return its path.

    ``record=True`` (a batch run): the stored ``portfolio.json`` becomes
    ``portfolio.previous.json`` and ``data`` is stored as ``portfolio.json``;
    the page compares with the run before.  ``record=False`` (``kalib
    portfolio``): nothing is stored; the page compares with the last batch run,
    or, when the clients are as that run left them, with the run before it
    (``portfolio.previous.json``).
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    current, previous_file = out / PORTFOLIO_JSON, out / PREVIOUS_JSON
    if record:
        before = read_portfolio(current)
        if before is not None:
            write_atomic(previous_file, dumps(before))
        write_atomic(current, dumps(data))
    else:
        stored = read_portfolio(current)
        same = stored is not None and _states(stored) == _states(json.loads(dumps(data)))
        before = read_portfolio(previous_file) if same else stored
    page = render_portfolio(data, before, lang=lang)
    path = out / PORTFOLIO_HTML
    write_atomic(path, page)
    return path


def _states(data: Mapping[str, Any]) -> dict[str, Any]:
    return {c["name"]: c.get("health") or c.get("error") for c in data.get("clients", [])}


# ---------------------------------------------------------------------------
# The page
# ---------------------------------------------------------------------------
def indicator_columns(lang: str) -> list[dict[str, Any]]:
    """The ten indicators as columns: key, number, name in ``lang``."""
    from ..config import default_config
    from ..indicators import INDICATORS

    cfg = default_config()
    cols = []
    for key in INDICATORS:
        d = cfg.indicator(key)
        cols.append({"key": key, "id": d["id"], "name": tr(lang, d["zh"], d["en"])})
    return sorted(cols, key=lambda c: c["id"])


def _sort_number(ind: Mapping[str, Any]) -> str:
    """A cell's sort key: the status first (not available last), then how far from the pass line."""
    rank = ind.get("rank", _STATUS_RANK.get(ind.get("status", "na"), -1))
    if rank < 0:
        return ""
    gap = ind.get("relative_gap")
    return f"{rank - (gap or 0.0):.6f}" if rank == 0 else f"{rank + _bounded(ind.get('value')):.6f}"


def _bounded(value: Any) -> float:
    """A value squeezed into [0, 1) (keeps the order within a status)."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        return 0.0
    return 0.5 + 0.4999 * v / (1 + abs(v))


def render_portfolio(data: Mapping[str, Any], previous: Mapping[str, Any] | None = None, *,
                     lang: str = "zh", version: str | None = None) -> str:
    """The portfolio page (HTML) of a stored batch summary, compared with the previous one."""
    import markupsafe

    from .. import __version__
    from .html import check_offline

    check_lang(lang)
    cols = indicator_columns(lang)
    names = {c["key"]: c["name"] for c in cols}
    before = {c["name"]: c for c in (previous or {}).get("clients", []) if c.get("ok") and c.get("health")}
    rows, failed = [], []
    for c in data.get("clients", []):
        if not c.get("ok") or not c.get("health"):
            reason = (c.get("error") or "").strip()
            lines = [ln.strip() for ln in reason.splitlines() if ln.strip()]
            short = " ".join(lines[:3])
            failed.append({"name": c["name"], "client": c.get("client", ""), "kind": c.get("error_type") or "",
                           "reason": short, "more": reason if len(lines) > 3 else short})
            continue
        h = c["health"]
        cells = []
        for col in cols:
            ind = h["indicators"].get(col["key"], {"status": "na"})
            st = ind.get("status", "na")
            value = ind.get(f"value_{lang}") or "–"
            hover = f"{col['name']}: {value} · {tr(lang, *_STATUS_WORDS[st])} · {ind.get(f'distance_{lang}') or ''}"
            cells.append({"status": st, "symbol": STATUS_SYMBOLS[st], "value": value if st != "na" else "",
                          "title": hover.rstrip(" ·"), "sort": _sort_number(ind)})
        old = before.get(c["name"])
        moved = changes(h, old["health"]) if old else []
        up = sum(_STATUS_RANK[b] > _STATUS_RANK.get(a, -1) for _, a, b in moved if b != "na")
        down = len(moved) - up
        change = {
            "new": old is None and previous is not None, "up": up, "down": down,
            "gaps_delta": (h["below"] - old["health"].get("below", 0)) if old else None,
            "items": [f"{names.get(k, k)}: {STATUS_SYMBOLS.get(a, a)} → {STATUS_SYMBOLS.get(b, b)}"
                      for k, a, b in moved],
        }
        report = c.get("report")
        rows.append({
            "name": c["name"], "display": h.get("display_name") or c["name"],
            "period": h.get("period") or "", "industry": h.get("industry") or "",
            "href": urllib.parse.quote(report, safe="/") if report else None,
            "gaps": h.get("below", 0), "na": h.get("na", 0), "cells": cells, "change": change,
            "top": [{"name": names.get(k, k), "distance": h["indicators"][k].get(f"distance_{lang}", "")}
                    for k in h.get("gaps", [])[:3] if k in h["indicators"]],
        })
    rows.sort(key=lambda r: (-r["gaps"], r["name"]))
    env = _environment()
    script = (_HERE / "portfolio.js").read_text(encoding="utf-8")
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    page = env.get_template("portfolio.html").render(
        lang=lang, html_lang="zh-CN" if lang == "zh" else "en", t=lambda zh, en: tr(lang, zh, en),
        css=markupsafe.Markup((_HERE / "style.css").read_text(encoding="utf-8")
                              + (_HERE / "portfolio.css").read_text(encoding="utf-8")),
        script=markupsafe.Markup(script), script_hash=digest, cols=cols, rows=rows, failed=failed,
        symbols=STATUS_SYMBOLS, finished=str(data.get("finished", "")).replace("T", " "),
        previous=str((previous or {}).get("finished") or "").replace("T", " "),
        total=len(rows) + len(failed), version=version or __version__,
    )
    check_offline(page)
    return page


def _environment():
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(_HERE)), autoescape=True, trim_blocks=True, lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )


def entries_from_outcomes(outcomes: Sequence[Any]) -> list[dict[str, Any]]:
    """Portfolio entries from a batch's outcomes (``BatchOutcome``: ``health`` filled in by the worker)."""
    out = []
    for o in outcomes:
        ok = bool(o.ok and o.health)
        error = o.error
        if o.ok and not o.health:
            error = o.health_error or "the indicators could not be computed"
        out.append({"name": o.name, "client": o.client, "ok": ok, "health": o.health, "html": o.html,
                    "error": error, "error_type": o.error_type or ("" if ok else "HealthError")})
    return out


def _latest_report(out: Path, name: str, summary: Mapping[str, Any]) -> str | None:
    """The client's report: the last batch's (``batch-summary.json``) if it is still there, else the newest
    HTML page under ``out/<name>/``."""
    for o in summary.get("outcomes", []) if isinstance(summary, Mapping) else []:
        if isinstance(o, Mapping) and o.get("name") == name and o.get("ok") and o.get("html"):
            if Path(str(o["html"])).is_file():
                return str(o["html"])
    pages = [p for p in (out / name).glob("*/*.html") if p.is_file()] if (out / name).is_dir() else []
    return str(max(pages, key=lambda p: p.stat().st_mtime)) if pages else None


def entries_from_clients(items: Sequence[Any], out: str | os.PathLike, summary: str | os.PathLike | None = None,
                         ) -> list[dict[str, Any]]:
    """Portfolio entries for a batch's clients (``BatchItem``), computed here: each client is loaded and its
    indicators computed; a client that cannot be loaded is an entry with the reason. Links go to the reports
    of the last batch (its ``summary`` file, ``batch-summary.json``) or else to the newest under ``out``."""
    from ..client import InputError

    out = Path(out)
    try:
        summary = json.loads(Path(summary).read_text(encoding="utf-8")) if summary else {}
    except (OSError, ValueError):
        summary = {}
    entries = []
    for it in items:
        e: dict[str, Any] = {"name": it.name, "client": it.client}
        try:
            e["health"] = client_health(it.client, period=it.period, industry=it.industry, as_of=it.as_of)
            e.update(ok=True, html=_latest_report(out, it.name, summary))
        except InputError as exc:
            e.update(ok=False, error=str(exc), error_type="InputError")
        except Exception as exc:  # a missing table, a missing folder...: the client's, listed with the reason
            e.update(ok=False, error=f"{type(exc).__name__}: {exc}", error_type=type(exc).__name__)
        entries.append(e)
    return entries
