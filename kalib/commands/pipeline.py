"""``kalib pipeline CLIENT``: the win-rate model's dashboard (销售业绩动态仪表盘), forecast and flags."""

from __future__ import annotations

import argparse
import sys

from ._common import add_client_argument, lang_of, load_from_args, print_json, print_warnings

NAME = "pipeline"
HELP = "the win-rate model: dashboard totals, coverage, forecast P10/P50/P90 and Board 1's flags"
DESCRIPTION = (
    "Place every opportunity in the win-rate model (赢率模型) and print Board 2, the dynamic performance "
    "dashboard (销售业绩动态仪表盘), for the next milestone: won so far + expected from the pipeline against the "
    "target, coverage and the coverage the client needs (closed deals ÷ won deals), a Monte Carlo forecast "
    "(P10 / P50 / P90 and the probability of reaching the target), the what-if levers, and the flags of "
    "Board 1 (重要销售机会跟进看板: overdue, slipped, stale, override, no amount). With --json, one object "
    "with 'dashboard', 'forecast', 'what_ifs', 'flags' and 'flagged' (deals needing attention). "
    "Exit 0 ok, 2 bad input."
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_client_argument(p, period=False, industry=False)
    p.add_argument("--milestone", default=None, metavar="M",
                   help="month, quarter, half, year (the one containing the as-of date; the next one when the "
                        "as-of date is its last day) or a period such as 2025-Q1 (default: quarter)")
    p.add_argument("--rep", action="append", metavar="NAME", help="only this salesperson's deals (repeatable)")
    p.add_argument("--team", action="append", metavar="TEAM", help="only this team's deals (repeatable)")
    p.add_argument("--slip", action="store_true", help="let deals slip by the delays observed in the snapshots")
    p.add_argument("--trials", type=int, default=None, help="Monte Carlo trials (default: method.yaml's)")
    p.add_argument("--seed", type=int, default=None, help="random seed (default: method.yaml's)")
    p.add_argument("--top", type=int, default=10, help="how many flagged deals to list (default 10)")
    p.add_argument("--json", action="store_true", help="print the result as JSON")


def _flag_counts(board) -> dict[str, int]:
    return {k: int(board[c].fillna(False).astype(bool).sum())
            for k, c in (("overdue", "overdue"), ("slipped", "slipped"), ("stale", "stale"),
                         ("override", "override_used"), ("no_amount", "no_amount"))}


def run(args: argparse.Namespace) -> int:
    from ..capabilities import require
    from ..forecast import what_ifs
    from ..i18n import fmt_rmb, tr
    from ..pipeline import FLAGS, board1, dashboard, select_reps, win_rate_model

    client = load_from_args(args)
    if args.trials is not None and args.trials < 1:
        raise ValueError("--trials must be at least 1")
    require(client, "pipeline", lang=lang_of(args, client))
    milestone = args.milestone or client.config.section("forecast").get("default_milestone", "quarter")
    model = win_rate_model(client)
    board = board1(client, rep=args.rep, team=args.team, model=model)
    model, target = select_reps(client, model, rep=args.rep, team=args.team)
    target = 0.0 if target is None else target  # 0: not set (never the company's target for a few reps)
    dash = dashboard(client, milestone, model=model, target=target)
    wi = what_ifs(client, milestone, trials=args.trials, seed=args.seed, slip=args.slip, model=model, target=target)
    counts = _flag_counts(board)
    flagged = board.loc[board["attention"]].sort_values(["weighted", "amount"], ascending=False,
                                                        na_position="last", kind="stable").head(args.top)
    if args.json:
        print_json({
            "client": client.name, "as_of": client.as_of.date().isoformat(),
            "filter": {"rep": args.rep, "team": args.team},
            "dashboard": dash.totals() | {"notes": [en for _, en in dash.notes]},
            "forecast": wi.base.to_dict(), "what_ifs": wi.to_dict(), "flags": counts,
            "flagged": [{"opportunity_id": r.opportunity_id, "owner": r.owner, "customer": r.customer,
                         "amount": None if r.amount != r.amount else float(r.amount), "stage": r.stage,
                         "weighted": None if r.weighted != r.weighted else float(r.weighted),
                         "expected_close": None if r.expected_close != r.expected_close
                         else r.expected_close.date().isoformat(), "flags": r.flags.split(",") if r.flags else []}
                        for r in flagged.itertuples()],
        })
        return 0
    lang = lang_of(args, client)
    print_warnings(client, file=sys.stderr, lang=lang)  # the stream in use now (tests swap it)
    if args.rep or args.team:
        print(tr(lang, "筛选：", "Filter: ") + ", ".join((args.rep or []) + (args.team or [])) +
              tr(lang, "（目标 = 他们的年度指标之和）", " (target = the sum of their annual quotas)"))
    print(dash.summary(lang))
    print()
    print(wi.summary(lang))
    print()
    names = {k: tr(lang, v[0], v[1]) for k, v in FLAGS.items()}
    print(tr(lang, "看板一提示：", "Board 1 flags: ") +
          ("，" if lang == "zh" else ", ").join(f"{names[k]} {v}" for k, v in counts.items()))
    if len(flagged):
        print(tr(lang, f"需要关注的机会（前 {len(flagged)} 个）：", f"Deals needing attention (first {len(flagged)}):"))
        for r in flagged.itertuples():
            flags = "、".join(names[f] for f in r.flags.split(",") if f) if lang == "zh" else \
                ", ".join(names[f] for f in r.flags.split(",") if f)
            close = r.expected_close.date() if r.expected_close == r.expected_close else "–"
            print(f"  {r.owner or '–'} · {r.customer or '–'} · {r.name or r.opportunity_id} · "
                  f"{fmt_rmb(r.amount, lang)} · {close} · {flags}")
    return 0
