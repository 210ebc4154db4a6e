"""``kalib review CLIENT``: the Monday review (周一看板盘点) between two weekly snapshots."""

from __future__ import annotations

import argparse
import sys

from ._common import add_client_argument, lang_of, load_from_args, print_json, print_warnings

NAME = "review"
HELP = "the Monday review: what changed in the pipeline between two snapshots, per rep"
DESCRIPTION = (
    "Compare two snapshots of the opportunities (机会快照; default: the last two up to the as-of date) the way "
    "IBM's managers review every salesperson's board on Monday morning (周一看板盘点): deals new, won, lost, "
    "advanced, moved back, slipped out of the milestone period, pulled in, amount up or down; the bridge "
    "(waterfall) from last week's weighted pipeline due by the milestone to this week's; and per salesperson "
    "the change and the deals that contributed and detracted most. --from/--to pick the latest snapshot on "
    "or before each date. With --json, one object. Exit 0 ok, 2 bad input (e.g. fewer than two snapshots)."
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_client_argument(p, period=False, industry=False)
    p.add_argument("--from", dest="date_from", metavar="DATE", help="earlier snapshot (on or before this date)")
    p.add_argument("--to", dest="date_to", metavar="DATE", help="later snapshot (on or before this date)")
    p.add_argument("--milestone", default=None, metavar="M",
                   help="period deals are expected to close in: month, quarter, half, year (default: quarter)")
    p.add_argument("--rep", metavar="NAME", help="list only this salesperson's changes")
    p.add_argument("--top", type=int, default=5, help="contributors and detractors listed (default 5)")
    p.add_argument("--json", action="store_true", help="print the result as JSON")


def run(args: argparse.Namespace) -> int:
    from ..capabilities import require
    from ..i18n import fmt_rmb, tr
    from ..review import CHANGES, review

    client = load_from_args(args)
    if args.date_from is None and args.date_to is None:
        require(client, "review", lang=lang_of(args, client))
    r = review(client, args.date_from, args.date_to, milestone=args.milestone)
    if args.rep is not None and args.rep not in set(r.changes["owner"].dropna()):
        raise ValueError(f"no change of salesperson {args.rep!r} between the two snapshots (or unknown name)")
    if args.json:
        d = r.to_dict()
        if args.rep:
            d["contributors"] = [x for x in d["contributors"] if x["owner"] == args.rep]
            d["detractors"] = [x for x in d["detractors"] if x["owner"] == args.rep]
            d["by_rep"] = [x for x in d["by_rep"] if x["owner"] == args.rep]
        print_json(d)
        return 0
    lang = lang_of(args, client)
    print_warnings(client, file=sys.stderr, lang=lang)  # the stream in use now (tests swap it)
    print(r.summary(lang))
    print()
    print(tr(lang, "从上周到本周（节点内在跟机会的加权金额）：", "From last week to this week (weighted pipeline due by the milestone):"))
    print(f"  {tr(lang, '上周', 'last week'):<14}{fmt_rmb(r.start, lang):>14}")
    for row in r.waterfall.itertuples():
        if row.value:
            sign = "+" if row.value > 0 else "−"
            print(f"  {tr(lang, *CHANGES[row.step]):<14}{sign + fmt_rmb(abs(row.value), lang):>14}")
    print(f"  {tr(lang, '本周', 'this week'):<14}{fmt_rmb(r.end, lang):>14}")
    print()
    reps = [args.rep] if args.rep else list(r.by_rep.index)
    print(tr(lang, "各销售员（预计结果变化 = 赢单金额 + 节点内在跟机会加权金额的变化）：",
             "By salesperson (change in expected result = won amount + weighted pipeline due by the milestone):"))
    for rep in reps:
        row = r.by_rep.loc[rep]
        if not (row["impact"] or row["contributed"] or row["detracted"]):
            continue
        print(f"  {rep}: {'+' if row['impact'] >= 0 else '−'}{fmt_rmb(abs(row['impact']), lang)}")
        for title, df in ((tr(lang, "贡献", "up"), r.contributors(rep, args.top)),
                          (tr(lang, "拖累", "down"), r.detractors(rep, args.top))):
            for d in df.itertuples():
                what = tr(lang, *CHANGES[d.category])
                print(f"      {title}: {d.customer or '–'} · {d.name or d.opportunity_id} · {what} · "
                      f"{'+' if d.impact >= 0 else '−'}{fmt_rmb(abs(d.impact), lang)}")
    return 0
