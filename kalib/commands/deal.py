"""``kalib deal CLIENT --opportunity ID``: review one deal (nine success factors, power map, Go/NoGo)."""

from __future__ import annotations

import argparse

from ._common import add_client_argument, lang_of, load_from_args, print_json, print_warnings

NAME = "deal"
HELP = "review one deal: nine-factor score, gate, red flags, stage check, power map, Go/Review/NoGo"
DESCRIPTION = (
    "Review one deal with the nine success factors (九大成功要素): its score (0-100, weighted), the qualification "
    "gate, the red flags that fire, whether its evidence supports its stage (the eight steps), the checks of its "
    "decision power map (决策权力图), the verdict Go / Review / NoGo with the reasons, and the actions that would "
    "raise it most. Without --opportunity, the largest open deal with factor scores. A deal with no scores is "
    "'not evaluated', never 0. With --json, one object (verdict, reasons, score, scores, gate, flags, stage_check, "
    "power_map, actions). Exit 0 ok, 2 bad input (unknown deal, bad scores)."
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_client_argument(p, period=False, industry=False)
    p.add_argument("--opportunity", "-o", metavar="ID",
                   help="the opportunity id (default: the largest open deal with factor scores)")
    p.add_argument("--json", action="store_true", help="print the review as JSON")
    p.add_argument("--sheet", metavar="OUT.html",
                   help="also write the one-page deal review (HTML; with a local Chromium, the PDF beside it)")


def run(args: argparse.Namespace) -> int:
    from ..capabilities import require
    from ..deals import default_opportunity, review_deal

    if args.sheet and not args.sheet.lower().endswith((".html", ".htm")):
        raise ValueError(f"--sheet names an HTML file (….html), not {args.sheet!r}")
    client = load_from_args(args)
    oid = args.opportunity
    if oid is None:
        require(client, "deal", lang=lang_of(args, client))
        oid = default_opportunity(client)
        if oid is None:
            raise ValueError("this client has no open deal with factor scores; name one with --opportunity ID")
    ev = review_deal(client, oid)
    lang = lang_of(args, client)
    if args.sheet:
        _write_sheet(ev, args.sheet, lang, client)
    if args.json:
        print_json(ev.to_dict())
        return 0
    print_warnings(client, lang=lang)
    print(ev.summary(lang))
    return 0


def _write_sheet(ev, out: str, lang: str, client) -> None:
    import sys

    from ..dealsheet import write_deal_sheet
    from ..report.pdf import find_chromium, html_to_pdf

    printer = html_to_pdf if find_chromium() else None
    for path in write_deal_sheet(ev, out, lang, printer=printer, review_date=client.as_of):
        print(path, file=sys.stderr)
