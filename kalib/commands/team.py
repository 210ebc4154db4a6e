"""``kalib team CLIENT``: the team analysis (layer 4) — sales per person, spread, groups by need."""

from __future__ import annotations

import argparse

from ._common import add_client_argument, lang_of, load_from_args, print_json, print_warnings, text_table

NAME = "team"
HELP = "team analysis (layer 4): sales per salesperson, spread, ramp-up, who needs what"
DESCRIPTION = (
    "The team analysis of layer 4 (构建致力于成功的销售团队): annual sales per salesperson and against quota, "
    "how many are above the average (indicator 9), concentration, sales by tenure, win rate and pipeline per "
    "person, and a grouping by need, each finding pointing to one of the four dimensions."
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_client_argument(p)
    p.add_argument("--json", action="store_true", help="print every figure as JSON")


def run(args: argparse.Namespace) -> int:
    from ..capabilities import require
    from ..i18n import tr
    from ..team import team_analysis

    client = load_from_args(args)
    lang = lang_of(args, client)
    require(client, "team", getattr(args, "period", None), lang)
    t = team_analysis(client, getattr(args, "period", None), getattr(args, "industry", None))
    if args.json:
        print_json(t.to_dict())
        return 0
    print_warnings(client, lang=lang)
    print(tr(lang, f"团队分析 · {client.name} · {t.period.label}", f"Team analysis · {client.name} · {t.period.label}"))
    print(t.summary_text(lang))
    print()
    print(text_table(None, t.table(lang)))
    print()
    print(tr(lang, "发现（按四个维度）：", "Findings (by the four dimensions):"))
    for _, row in t.findings_frame(lang).data.iterrows():
        print(f"  [{row.iloc[0]}] {row.iloc[1]}")
    for n in t.notes:
        print(tr(lang, "注：", "Note: ") + n)
    return 0
