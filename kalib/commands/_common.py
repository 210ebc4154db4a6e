"""Helpers shared by the subcommands."""

from __future__ import annotations

import argparse
import sys
from typing import Any

__all__ = ["add_client_argument", "load_from_args", "print_json", "print_warnings"]


def add_client_argument(p: argparse.ArgumentParser, *, period: bool = True, industry: bool = True) -> None:
    p.add_argument("client", metavar="CLIENT", help="client folder, .xlsx workbook, or 'demo'")
    p.add_argument("--as-of", metavar="DATE", help="analyse as of this date (default: latest date in the data)")
    if period:
        p.add_argument("--period", metavar="PERIOD",
                       help="analysis period: 2024, FY2024, 2024-Q3, 2024-05, 2024-01-01..2024-06-30 "
                            "(default: client.yml's, else the last full year)")
    if industry:
        p.add_argument("--industry", choices=["manufacturing", "services"],
                       help="industry whose lines apply (default: client.yml's)")
    p.add_argument("--lang", choices=["zh", "en"], default=None, help="language of the output (default: client.yml's)")


def load_from_args(args: argparse.Namespace):
    from ..io import load_client

    kwargs: dict[str, Any] = {}
    if getattr(args, "as_of", None):
        kwargs["as_of"] = args.as_of
    if getattr(args, "industry", None):
        kwargs["industry"] = args.industry
    if getattr(args, "period", None):
        kwargs["period"] = args.period
    return load_client(args.client, **kwargs)


def lang_of(args: argparse.Namespace, client) -> str:
    return getattr(args, "lang", None) or client.meta.language or "zh"


def print_json(obj: Any) -> None:
    """Every ``--json`` output: strict JSON (:mod:`kalib.jsonout`), with where and why a number is ``null``."""
    from ..jsonout import dump

    dump(obj, sys.stdout, reasons=True)


def print_warnings(client, *, limit: int = 10, file=None) -> None:
    file = file if file is not None else sys.stderr
    warns = client.warnings
    if not warns:
        return
    print(f"{len(warns)} warning(s) while loading:", file=file)
    for w in warns[:limit]:
        print(f"  - {w}", file=file)
    if len(warns) > limit:
        print(f"  ... and {len(warns) - limit} more (kalib check shows all)", file=file)
