"""``kalib accounts CLIENT``: customer value (客户价值) — tiers, concentration, the largest customers."""

from __future__ import annotations

import argparse

from ._common import add_client_argument, lang_of, load_from_args, print_json, print_warnings

NAME = "accounts"
HELP = "customer value: the largest customers, value tiers, top-10 share and HHI, big company vs small customer"
DESCRIPTION = (
    "Per customer, the value it brings per year in the period (default: client.yml's, else the last full year), "
    "its trend, share of revenue, share of wallet and value tier; the concentration figures (top-10 share, HHI); "
    "farming (existing customers) and new business; and the big companies that are small customers (大企业≠大客户). "
    "With --json: the same as one object. Exit 0 ok, 2 bad input."
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_client_argument(p, industry=False)
    p.add_argument("--top", type=int, default=15, metavar="N", help="how many customers to list (default 15)")
    p.add_argument("--json", action="store_true", help="print the result as JSON")


def run(args: argparse.Namespace) -> int:
    from ..capabilities import require
    from ..accounts import customer_value, json_records
    from ..client import MissingData

    if args.top < 1:
        raise ValueError("--top must be at least 1")
    client = load_from_args(args)
    require(client, "accounts", getattr(args, "period", None), lang_of(args, client))
    cv = customer_value(client, getattr(args, "period", None))
    if args.json:
        d = cv.to_dict(top=args.top)
        try:
            d["size_vs_value"] = json_records(cv.size_vs_value())
        except MissingData as exc:
            d["size_vs_value"] = None
            d["size_vs_value_reason"] = str(exc)
        d["client"] = client.name
        print_json(d)
        return 0
    lang = lang_of(args, client)
    print_warnings(client, lang=lang)
    print(f"{client.name} · {cv.period.label} ({cv.period.start.date()} – {cv.period.end.date()})")
    print()
    for part in ("overview", "concentration", "farming"):
        print(cv.describe(part, lang).replace("**", ""))
    print()
    print(cv.display_table(lang, n=args.top).to_string())
    print()
    print(cv.describe("tiers", lang).replace("**", ""))
    print()
    print(cv.describe("size", lang).replace("**", ""))
    return 0
