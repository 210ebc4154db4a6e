"""``kalib health CLIENT``: the ten health indicators (十大健康指标) of a client."""

from __future__ import annotations

import argparse

from ._common import (add_client_argument, lang_of, load_from_args, print_json, print_warnings, remembered_result,
                      text_table)

NAME = "health"
HELP = "the ten health indicators: value, pass and excellent lines, status, distance"
DESCRIPTION = (
    "Compute the ten health indicators (十大健康指标) from a client's data for a period (default: client.yml's, "
    "else the last full year), against the pass line (及格线) and excellent line (优分线) of the industry. "
    "Prints a table and the reading, or with --json one object per indicator (id, key, value, pass, excellent, "
    "status, unit, detail, period). Indicators without the data they need are 'not available', with the reason. "
    "Exit 0 ok, 2 bad input."
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_client_argument(p)
    p.add_argument("--json", action="store_true", help="print the result as JSON")


def _table(result, lang: str) -> str:
    from ..charts import STATUS_STYLE
    from ..health import format_line
    from ..i18n import tr

    head = [tr(lang, "#", "#"), tr(lang, "指标", "Indicator"), tr(lang, "数值", "Value"),
            tr(lang, "及格线", "Pass"), tr(lang, "优分线", "Excellent"), tr(lang, "状态", "Status"),
            tr(lang, "差距", "Distance")]
    rows = [[str(i.id), i.name(lang), i.value_text(lang), format_line(i.pass_line, i.unit, lang),
             format_line(i.excellent, i.unit, lang), f"{STATUS_STYLE[i.status]['symbol']} {i.status_text(lang)}",
             i.distance_text(lang)] for i in result]

    return text_table(head, rows, free_last=True)


def run(args: argparse.Namespace) -> int:
    from ..capabilities import require
    from ..health import health_check

    def compute():
        client = load_from_args(args)
        require(client, "health", getattr(args, "period", None), lang_of(args, client))
        return client, health_check(client, period=getattr(args, "period", None),
                                    industry=getattr(args, "industry", None))

    # a second run on unchanged files: the result kept beside the client's cache entry, no tables loaded
    client, result = remembered_result(args, "health", {"period": getattr(args, "period", None),
                                                        "industry": getattr(args, "industry", None)}, __file__, compute)
    if args.json:
        print_json(result.to_dict())
        return 0
    lang = lang_of(args, client)
    print_warnings(client, lang=lang)
    print(f"{client.name} · {result.period.label} ({result.period.start.date()} – {result.period.end.date()}) · "
          f"{result.industry}")
    print(_table(result, lang))
    print()
    print(result.summary(lang))
    return 0
