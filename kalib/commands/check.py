"""``kalib check CLIENT``: load a client's files, list every problem, say what can be analysed."""

from __future__ import annotations

import argparse

from ..client import Client, InputError
from ..schema import TABLES
from ._common import add_cache_argument, print_json

NAME = "check"
HELP = "check a client's files: every problem located, what was loaded, which analyses are possible"
DESCRIPTION = (
    "Load a client folder (CSV/XLSX files and client.yml), a single .xlsx workbook, or 'demo'; print every "
    "problem with file › sheet › row › column, or a summary of what was loaded and which analyses it allows. "
    "Exit 0 when clean (warnings allowed), 2 on bad input. The files are only read, never changed."
)

# Which tables each analysis needs (all of `needs`, and one of `any_of` when given).
ANALYSES = [
    ("customer value 客户价值", ["revenue"], []),
    ("health check 健康指标 (some indicators need more tables)", [], ["revenue", "opportunities"]),
    ("boards and dashboard 看板与仪表盘", ["opportunities"], []),
    ("Monday review 周一盘点", ["snapshots"], []),
    ("win-rate calibration 赢率校准", ["opportunities"], []),
    ("deal evaluation 交易评估", ["deal_scores"], ["stakeholders"]),
    ("team analysis 团队分析", [], ["revenue", "opportunities"]),
]


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("client", metavar="CLIENT", help="client folder, .xlsx workbook, or 'demo'")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.add_argument("--all-warnings", action="store_true", help="list every warning (default: the first 20)")
    add_cache_argument(p)


def possible(client: Client) -> list[dict]:
    out = []
    for name, needs, any_of in ANALYSES:
        missing = [t for t in needs if not client.has(t)]
        if any_of and not any(client.has(t) for t in any_of):
            missing.append(" or ".join(any_of))
        out.append({"analysis": name, "possible": not missing, "missing": missing})
    return out


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
    if args.json:
        print_json({
            "ok": True, "client": client.name, "path": str(client.path), "industry": client.industry,
            "as_of": str(client.as_of.date()), "tables": summary,
            "warnings": [w.to_dict() for w in client.warnings], "analyses": possible(client),
        })
        return 0
    print(f"{client.name}: loaded from {client.path}")
    print(f"  industry {client.industry}; currency {client.meta.currency}"
          + (f" (× {client.meta.fx_to_rmb:g} to RMB)" if client.meta.fx_to_rmb != 1 else "")
          + f"; as of {client.as_of.date()}")
    print("  tables:")
    for name, t in TABLES.items():
        if name in summary:
            s = summary[name]
            print(f"    {name:<14} {s['rows']:>10,} rows   {t.zh}, from {s['source']}")
        else:
            print(f"    {name:<14} {'—':>10}        {t.zh}, not given")
    warns = client.warnings
    if warns:
        limit = None if args.all_warnings else 20
        print(f"  {len(warns)} warning(s) (loaded anyway):")
        for w in warns[:limit]:
            print(f"    - {w}")
        if limit and len(warns) > limit:
            print(f"    ... and {len(warns) - limit} more (--all-warnings)")
    else:
        print("  no warnings")
    print("  analyses:")
    for a in possible(client):
        mark = "✓" if a["possible"] else "✗"
        why = "" if a["possible"] else f"  (needs {', '.join(a['missing'])})"
        print(f"    {mark} {a['analysis']}{why}")
    return 0
