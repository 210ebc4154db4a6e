"""Helpers shared by the subcommands."""

from __future__ import annotations

import argparse
import contextlib
import sys
from typing import Any

__all__ = ["add_client_argument", "add_cache_argument", "load_from_args", "remembered_result", "print_json", "print_warnings", "neutralise", "SafeText",
           "safe_output", "display_width", "text_table", "check_out_folder"]


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
    add_cache_argument(p)


def add_cache_argument(p: argparse.ArgumentParser) -> None:
    """``--no-cache``: load the client from its files, neither reading nor writing the cache of loaded clients."""
    p.add_argument("--no-cache", action="store_true",
                   help="load from the files, without the cache of loaded clients (see 'kalib cache')")


def _load_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    kwargs: dict[str, Any] = {}
    if getattr(args, "as_of", None):
        kwargs["as_of"] = args.as_of
    if getattr(args, "industry", None):
        kwargs["industry"] = args.industry
    if getattr(args, "period", None):
        kwargs["period"] = args.period
    return kwargs


def load_from_args(args: argparse.Namespace):
    from ..io import load_client

    return load_client(args.client, cache=not getattr(args, "no_cache", False), **_load_kwargs(args))


def remembered_result(args: argparse.Namespace, name: str, params: dict[str, Any], source: str, compute):
    """``compute()`` (the loaded client and a command's result), or the result a run with the same client files
    and options stored beside the client's cache entry (:func:`kalib.cache.remembered`; not with --no-cache)."""
    if getattr(args, "no_cache", False):
        return compute()
    from ..cache import remembered
    from ..io import client_path

    try:
        path = client_path(args.client)
    except (OSError, ValueError):  # no such client: the load says so, as without the cache
        return compute()
    kwargs = _load_kwargs(args)
    options = {"as_of": kwargs.get("as_of"), "period": kwargs.get("period"), "industry": kwargs.get("industry"),
               "overrides": None}  # as load_client keys its entry
    return remembered(path, options, name, params, source, compute)


def lang_of(args: argparse.Namespace, client) -> str:
    return getattr(args, "lang", None) or client.meta.language or "zh"


def print_json(obj: Any) -> None:
    """Every ``--json`` output: strict JSON (:mod:`kalib.jsonout`), with where and why a number is ``null``."""
    from ..jsonout import dump

    dump(obj, sys.stdout, reasons=True)


def print_warnings(client, *, limit: int = 10, file=None, lang: str | None = None) -> None:
    """The loader's warnings, in ``lang`` (default: client.yml's language, else Chinese, as :func:`lang_of`)."""
    file = file if file is not None else sys.stderr
    warns = client.warnings
    if not warns:
        return
    lang = lang or client.meta.language or "zh"
    n = len(warns)
    print(f"读取时有{n}条提示：" if lang == "zh" else f"{n} warning{'' if n == 1 else 's'} while loading:", file=file)
    for w in warns[:limit]:
        print(f"  - {w.text(lang)}", file=file)
    if n > limit:
        print(f"  ……另有{n - limit}条（kalib check 列出全部）" if lang == "zh"
              else f"  ... and {n - limit} more (kalib check shows all)", file=file)


# ---------------------------------------------------------------------------
# What the CLI prints: names from a client's files are shown, never obeyed by the terminal
# ---------------------------------------------------------------------------
def _unsafe(ch: str) -> bool:
    """A character a terminal may act on: C0/C1 controls (ESC starts colour, cursor and title sequences; CR
    overwrites a line) and the Unicode marks that reorder or hide text (bidi overrides, isolates, BOM)."""
    o = ord(ch)
    return (o < 0x20 and ch not in "\n\t") or 0x7F <= o <= 0x9F or 0x202A <= o <= 0x202E or 0x2066 <= o <= 0x2069 \
        or o in (0x200E, 0x200F, 0x061C, 0xFEFF)


def neutralise(text: str) -> str:
    r"""``text`` with every character a terminal could act on written out as a ``\u`` escape (ESC as ``\u001b``).

    The same spelling is a valid escape inside a JSON string, so JSON output stays JSON.

    >>> neutralise("Acme\x1b[2J\x1b]0;pwned\x07 安信\u202eevil\r\n")
    'Acme\\u001b[2J\\u001b]0;pwned\\u0007 安信\\u202eevil\\u000d\n'
    """
    if text.isprintable() or not any(_unsafe(ch) for ch in text):
        return text
    return "".join(f"\\u{ord(ch):04x}" if _unsafe(ch) else ch for ch in text)


class SafeText:
    """A text stream that writes to ``stream`` through :func:`neutralise`.

    A carriage return at the very start of a write is kept: it is how a
    progress bar redraws its own line (the names it shows are file-safe).
    """

    def __init__(self, stream):
        self._stream = stream

    def write(self, text: str) -> int:
        head = "\r" if text.startswith("\r") else ""
        self._stream.write(head + neutralise(text[len(head):]))
        return len(text)

    def writelines(self, lines) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str):  # flush, fileno, isatty, encoding, buffer...
        return getattr(self._stream, name)


@contextlib.contextmanager
def safe_output():
    """While the block runs, everything printed to stdout and stderr goes through :class:`SafeText`."""
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = SafeText(sys.stdout), SafeText(sys.stderr)
    try:
        yield
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        sys.stdout, sys.stderr = saved


def display_width(text: str) -> int:
    """Columns ``text`` takes in a terminal: 2 for wide (CJK) characters, 0 for combining marks.

    >>> display_width("安信 Acme"), display_width("é")
    (9, 1)
    """
    import unicodedata

    return sum(0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1
               for ch in text)


def text_table(head, rows, *, free_last: bool = False) -> str:
    """A plain-text table aligned for CJK text (cells neutralised, :func:`neutralise`).

    ``rows`` is a list of sequences or a DataFrame (its columns are the head
    when ``head`` is None). ``free_last``: the last column is not padded
    (long text such as a distance or a reason).

    >>> print(text_table(["客户", "n"], [["安信", 1], ["Acme", 22]]))
    客户  n
    ----  --
    安信  1
    Acme  22
    """
    if hasattr(rows, "data") and hasattr(rows, "hide"):  # a Styler from i18n.display_table: its frame, no index
        rows = rows.data
    elif hasattr(rows, "itertuples") and any(n is not None for n in rows.index.names):
        rows = rows.reset_index()  # a named index (indicator, salesperson…) is the first column
    if hasattr(rows, "itertuples"):
        head = [str(c) for c in rows.columns] if head is None else head
        rows = list(rows.itertuples(index=False))
    head = [neutralise(str(c)) for c in head]
    body = [[neutralise("" if v is None else str(v)) for v in r] for r in rows]
    n = len(head) - 1 if free_last else len(head)
    widths = [max(display_width(r[k]) for r in body + [head]) for k in range(n)]

    def line(r: list[str]) -> str:
        cells = [r[k] + " " * (widths[k] - display_width(r[k])) for k in range(n)] + list(r[n:])
        return "  ".join(cells).rstrip()

    rule = ["-" * w for w in widths] + (["-" * 8] if free_last else [])
    return "\n".join([line(head), line(rule)] + [line(r) for r in body])


def check_out_folder(path, option: str = "-o/--out") -> None:
    """Refuse (exit 2) an output folder that is a file, or lies under a file, before anything runs."""
    from pathlib import Path

    p = Path(path).expanduser()
    if p.exists() and not p.is_dir():
        raise ValueError(f"{option} names a file, not a folder: {p}. Give a folder (it is created if missing).")
    for parent in p.parents:
        if parent.exists():
            if not parent.is_dir():
                raise ValueError(f"{option} {p} cannot be created: {parent} is a file, not a folder.")
            break
