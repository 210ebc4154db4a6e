"""``kalib check CLIENT``: load a client's files, list every problem, say what can be analysed."""

from __future__ import annotations

import argparse
import sys

from ..client import Client, InputError, Problem
from ..i18n import fmt_count, fmt_num, fmt_pct, tr
from ..schema import TABLES
from ._common import add_cache_argument, print_json

NAME = "check"
HELP = "check a client's files: every problem located, what was loaded, which analyses are possible"
DESCRIPTION = (
    "Load a client folder (CSV/XLSX files and client.yml), a single .xlsx workbook, or 'demo'; print every "
    "problem with file › sheet › row › column, or a summary of what was loaded, the stage mapping applied (each "
    "client stage → kalib stage and win rate), the as-of date and where it came from, and which analyses it "
    "allows (else what each needs and what to add: the same rules the commands and the report apply). "
    "Exit 0 when clean (warnings allowed), 2 on bad input or when no table loads. The files are only read, "
    "never changed."
)

def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("client", metavar="CLIENT", help="client folder, .xlsx workbook, or 'demo'")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.add_argument("--all-warnings", action="store_true", help="list every warning (default: the first 20)")
    p.add_argument("--lang", choices=["zh", "en"], default=None,
                   help="language of the output (default: client.yml's, else Chinese)")
    add_cache_argument(p)


def possible(client: Client) -> list[dict]:
    """Every analysis, whether it can run, and if not what it needs and what to add (:mod:`kalib.capabilities`:
    the same rules the commands and the report apply)."""
    from ..capabilities import capabilities

    return [c.to_dict() for c in capabilities(client)]


def stage_mapping(client: Client) -> list[dict]:
    """The stages as the client wrote them, the kalib stage each became and its win rate, with the rows of
    each (opportunities and snapshots)."""
    import pandas as pd

    rates = client.config.stage_rates()
    names = {s["key"]: (s.get("zh", s["key"]), s.get("en", s["key"])) for s in client.config.stages()}
    frames = []
    for t in ("opportunities", "snapshots"):
        df = client.tables.get(t)
        if df is not None and len(df) and "stage_raw" in df.columns:
            frames.append(pd.DataFrame({"table": t, "raw": df["stage_raw"].astype("object"),
                                        "stage": df["stage"].astype("object")}))
    if not frames:
        return []
    both = pd.concat(frames, ignore_index=True).dropna(subset=["raw"])
    counts = both.groupby(["raw", "stage", "table"], sort=False).size().unstack("table", fill_value=0)
    order = {k: i for i, k in enumerate(client.config.stage_order())}
    out = []
    for (raw, stage), row in counts.iterrows():
        out.append({"client_stage": str(raw), "stage": str(stage), "stage_zh": names.get(stage, (stage, stage))[0],
                    "stage_en": names.get(stage, (stage, stage))[1], "win_rate": rates.get(stage),
                    "opportunities": int(row.get("opportunities", 0)), "snapshots": int(row.get("snapshots", 0))})
    out.sort(key=lambda d: (order.get(d["stage"], 99), d["client_stage"]))
    return out


def as_of_text(source: dict, lang: str = "en") -> str:
    """Where the as-of date came from, in words."""
    if source["source"] == "settings":
        return tr(lang, "在 client.yml 中设定（as_of）", "set in client.yml (as_of)")
    if source["source"] == "data":
        return tr(lang, f"数据中最新的日期（{source['column']}）", f"the latest date in the data ({source['column']})")
    return tr(lang, "今天：数据中没有日期", "today: no date in the data")


def _nothing_loaded(client: Client, path: str) -> str:
    """The message when no table loaded: the files seen and the names recognised."""
    from pathlib import Path

    seen: list[str] = []
    p = Path(client.path) if client.path else Path(path)
    if p.is_dir():
        seen = sorted(str(f.relative_to(p)) for f in p.rglob("*") if f.is_file() and not f.name.startswith("."))
    elif p.exists():
        seen = [p.name]
    lines = [f"no table loaded from {path}.",
             "files seen: " + (", ".join(seen[:30]) + (f" ... and {len(seen) - 30} more" if len(seen) > 30 else "")
                               if seen else "none")]
    for w in client.warnings[:10]:
        lines.append(f"  - {w}")
    lines.append("names recognised (a file is named after its table, in Chinese or English; or map it under "
                 "files: in client.yml):")
    for t in TABLES.values():
        lines.append(f"  {t.name:<14} {', '.join(dict.fromkeys((t.name, t.zh) + tuple(t.aliases[:5])))}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    from ..io import load_client

    try:
        client = load_client(args.client, cache=not args.no_cache)
    except InputError as exc:
        if args.json:
            print_json({"ok": False, "client": str(args.client), "problems": [p.to_dict() for p in exc.problems]})
            return 2
        raise
    summary = client.summary()
    if not any(client.has(t) for t in TABLES):
        msg = _nothing_loaded(client, str(args.client))
        if args.json:
            problem = Problem(" ".join(msg.split("\n")[:2]), file=str(args.client))  # no table; the files seen
            print_json({"ok": False, "client": str(args.client), "tables": {}, "problems": [problem.to_dict()],
                        "warnings": [w.to_dict() for w in client.warnings], "message": msg})
        else:
            print(f"kalib check: {msg}", file=sys.stderr)
        return 2
    stages = stage_mapping(client)
    source = client.as_of_source()
    if args.json:
        print_json({
            "ok": True, "client": client.name, "path": str(client.path), "industry": client.industry,
            "as_of": str(client.as_of.date()), "as_of_source": source, "tables": summary,
            "stage_mapping": stages,
            "warnings": [w.to_dict() for w in client.warnings], "analyses": possible(client),
        })
        return 0
    lang = args.lang or client.meta.language or "zh"
    t_ = lambda zh, en: tr(lang, zh, en)  # noqa: E731
    where = client.path or "–"
    print(t_(f"{client.name}：读取自 {where}", f"{client.name}: loaded from {where}"))
    fx = client.meta.fx_to_rmb
    print(t_(f"  行业：{client.industry_name('zh')}；币种 {client.meta.currency}"
             + (f"（× {fmt_num(fx, 4)} 换算为人民币）" if fx != 1 else ""),
             f"  industry {client.industry_name('en').lower()}; currency {client.meta.currency}"
             + (f" (× {fmt_num(fx, 4)} to RMB)" if fx != 1 else "")))
    print(t_(f"  数据截至 {client.as_of.date()}：{as_of_text(source, 'zh')}",
             f"  as of {client.as_of.date()}: {as_of_text(source, 'en')}"))
    print(t_("  表：", "  tables:"))
    for name, t in TABLES.items():
        label = t.zh if lang == "zh" else t.en.lower()
        if name in summary and client.has(name):
            s = summary[name]
            src = s["source"] or "–"
            if name in client.derived and not client.sources.get(name):
                src = t_(f"由{TABLES[client.derived[name]].zh}推算", f"derived from {client.derived[name]}")
            print(t_(f"    {t.zh}表（{name}）：{fmt_num(s['rows'])} 行，来自 {src}",
                     f"    {name:<14} {fmt_num(s['rows']):>10} rows   {label}, from {src}"))
        else:
            print(t_(f"    {t.zh}表（{name}）：没有提供", f"    {name:<14} {'—':>10}        {label}, not given"))
    if stages:
        print(t_("  阶段（客户的阶段 → kalib 阶段，赢率；行数）：", "  stages (client's stage → kalib stage, win rate; rows):"))
        for d in stages:
            rate = fmt_pct(d["win_rate"])
            if lang == "zh":
                rows = f"{fmt_num(d['opportunities'])}个机会" + (f"，{fmt_num(d['snapshots'])}行快照" if d["snapshots"] else "")
                print(f"    {d['client_stage']} → {d['stage_zh']}（{d['stage']}），{rate}；{rows}")
            else:
                rows = fmt_count(d["opportunities"], "en", "", "opportunity") + (
                    f", {fmt_count(d['snapshots'], 'en', '', 'snapshot row')}" if d["snapshots"] else "")
                print(f"    {d['client_stage']} → {d['stage']} ({d['stage_en']}), {rate}; {rows}")
    warns = client.warnings
    if warns:
        limit = None if args.all_warnings else 20
        n = len(warns)
        print(t_(f"  {n}条提示（仍已读取）：", f"  {n} warning{'' if n == 1 else 's'} (loaded anyway):"))
        for w in warns[:limit]:
            print(f"    - {w.text(lang)}")
        if limit and n > limit:
            print(t_(f"    ……另有{n - limit}条（--all-warnings 列出全部）", f"    ... and {n - limit} more (--all-warnings)"))
    else:
        print(t_("  没有提示", "  no warnings"))
    print(t_("  可以做的分析：", "  analyses:"))
    for a in possible(client):
        cmd = f"kalib {a['command']}" if a["command"] else ""
        if lang == "zh":
            name = a["name_zh"] + (f"（{cmd}）" if cmd else "")
            if a["possible"]:
                print(f"    ✓ {name}" + (f"；{a['note_zh']}" if a["note_zh"] else ""))
            else:
                print(f"    ✗ {name}：需要{a['needs_zh']}；{a['add_zh']}")
        else:
            name = a["name_en"] + (f" ({cmd})" if cmd else "")
            if a["possible"]:
                print(f"    ✓ {name}" + (f"; {a['note_en']}" if a["note_en"] else ""))
            else:
                print(f"    ✗ {name}: needs {a['needs_en']}; {a['add_en']}")
    return 0
