"""``kalib cache clear`` / ``kalib cache info``: the cache of loaded clients (see :mod:`kalib.cache`)."""

from __future__ import annotations

import argparse

from ._common import print_json

NAME = "cache"
HELP = "the cache of loaded clients: where it is, what it holds (info), empty it (clear)"
DESCRIPTION = (
    "kalib keeps each loaded client's checked tables (Parquet) outside the client folder, so that loading the "
    "same unchanged files again (another command, each notebook of a report) takes a moment. 'info' says where "
    "the cache is and what it holds; 'clear' empties it. The folder is KALIB_CACHE_DIR, else "
    "$XDG_CACHE_HOME/kalib, else ~/.cache/kalib; KALIB_NO_CACHE=1 or --no-cache on a command turns it off. "
    "Exit 0."
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("action", choices=["info", "clear"], help="info: where and how big; clear: remove every entry")
    p.add_argument("--json", action="store_true", help="print the result as JSON")


def _size(entry) -> int:
    return sum(f.stat().st_size for f in entry.rglob("*") if f.is_file())


def run(args: argparse.Namespace) -> int:
    from .. import cache

    folder = cache.cache_dir()
    if args.action == "clear":
        n, size = cache.clear()
        if args.json:
            print_json({"folder": str(folder), "removed_entries": n, "freed_bytes": size})
        else:
            print(f"cache {folder}: {n} entr{'y' if n == 1 else 'ies'} removed, {size / 1e6:,.1f} MB freed")
        return 0
    found = cache.entries()
    size = sum(_size(e) for e in found)
    if args.json:
        print_json({"folder": str(folder), "enabled": cache.enabled(), "entries": len(found), "bytes": size})
    else:
        state = "" if cache.enabled() else " (turned off by KALIB_NO_CACHE)"
        print(f"cache {folder}{state}: {len(found)} entr{'y' if len(found) == 1 else 'ies'}, {size / 1e6:,.1f} MB")
    return 0
