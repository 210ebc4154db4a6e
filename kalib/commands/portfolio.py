"""``kalib portfolio CLIENTS``: one page with every client's ten indicators side by side."""

from __future__ import annotations

import argparse
import sys

from ._common import check_out_folder, print_json

NAME = "portfolio"
HELP = "one HTML page with every client's ten health indicators side by side (a coach's portfolio)"
DESCRIPTION = (
    "Compute the ten health indicators of every client of a folder (each sub-folder or .xlsx workbook) or of a "
    "clients.yml, and write OUT/portfolio.html (OUT defaults to reports, where kalib report --batch writes): a "
    "grid of clients × indicators (colour and symbol, sortable by any column or by the number of gaps), each "
    "client's three largest gaps, what changed since the last batch run, links to the reports found in OUT, and "
    "the clients that could not be read with the reason. A batch run writes the same page at its end. "
    "Exit 0 ok (also when some clients failed: they are listed), 2 bad input."
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("clients", metavar="CLIENTS", help="a folder of clients (sub-folders / .xlsx workbooks) or a "
                                                      "clients.yml listing them")
    p.add_argument("-o", "--out", metavar="OUT", default="reports",
                   help="the reports folder: the page goes to OUT/portfolio.html (default: reports)")
    p.add_argument("--lang", choices=["zh", "en"], default="zh", help="language of the page (default zh)")
    p.add_argument("--period", metavar="PERIOD", help="analysis period for every client (default: each client's)")
    p.add_argument("--industry", choices=["manufacturing", "services"],
                   help="industry whose lines apply (default: each client's)")
    p.add_argument("--as-of", metavar="DATE", help="analyse as of this date (default: each client's)")
    p.add_argument("--json", action="store_true", help="print the portfolio's data as JSON")


def run(args: argparse.Namespace) -> int:
    from ..i18n import tr
    from pathlib import Path

    from ..report.batch import SUMMARY_NAME, read_batch
    from ..report.portfolio import entries_from_clients, portfolio_data, write_portfolio

    check_out_folder(args.out)
    items = read_batch(args.clients, period=args.period, industry=args.industry, as_of=args.as_of)
    entries = entries_from_clients(items, args.out, Path(args.out) / SUMMARY_NAME)
    data = portfolio_data(entries, out=args.out)
    page = write_portfolio(data, args.out, lang=args.lang, record=False)
    failed = [e for e in entries if not e["ok"]]
    if args.json:
        print_json({**data, "page": str(page)})
        return 0
    lang = args.lang
    print(tr(lang, f"客户组合页：{page}", f"portfolio page: {page}"))
    print(tr(lang, f"{len(entries)} 个客户，{len(failed)} 个无法读取", f"{len(entries)} client(s), {len(failed)} "
                                                                 "could not be read"))
    for e in failed:
        first = (e.get("error") or "").strip().splitlines()[:1]
        print(f"  {e['name']}: {first[0] if first else ''}", file=sys.stderr)
    return 0
