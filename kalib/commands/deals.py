"""``kalib deals CLIENT``: all of a client's open deals reviewed and ranked, with NoGo candidates."""

from __future__ import annotations

import argparse

from ._common import add_client_argument, lang_of, load_from_args, print_json, print_warnings, text_table

NAME = "deals"
HELP = "the deal portfolio: open deals ranked by nine-factor score and weighted amount, NoGo and over-staged"
DESCRIPTION = (
    "Review every open deal of a client with the nine success factors and rank the evaluated ones by score, then "
    "weighted amount (amount x the win rate in force). NoGo candidates (effort better spent elsewhere: 'NoGo is "
    "often more important than Go') and over-staged deals (evidence below the stage reported) are listed. Deals "
    "with no factor scores are 'not evaluated', never 0. Needs the opportunities table and deal_scores or "
    "stakeholders. With --json: deals, counts by verdict, weighted amount by verdict. Exit 0 ok, 2 bad input."
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_client_argument(p, period=False, industry=False)
    p.add_argument("--status", choices=["open", "won", "lost", "all"], default="open",
                   help="which deals to review (default: open)")
    p.add_argument("--all", action="store_true", help="also list the deals that are not evaluated")
    p.add_argument("--json", action="store_true", help="print the portfolio as JSON")


def run(args: argparse.Namespace) -> int:
    from ..capabilities import require
    from ..deals import portfolio
    from ..i18n import tr

    client = load_from_args(args)
    require(client, "deals", lang=lang_of(args, client))
    p = portfolio(client, status=None if args.status == "all" else args.status)
    if args.json:
        print_json(p.to_dict())
        return 0
    lang = lang_of(args, client)
    print_warnings(client, lang=lang)
    print(p.summary(lang))
    print()
    frame = p.to_frame(lang)
    shown = frame if args.all else frame[p.table["evaluated"].to_numpy()]
    print(text_table(None, shown) if len(shown) else tr(lang, "没有已评估的机会。", "No evaluated deals."))
    hidden = len(frame) - len(shown)
    if hidden:
        print()
        print(tr(lang, f"另有 {hidden} 个机会未评估（没有要素评分）；--all 列出全部。",
                 f"{hidden} more deal(s) not evaluated (no factor scores); --all lists them."))
    for z, e in p.problems:
        print(tr(lang, z, e))
    return 0
