"""The ``kalib`` command line.

Each subcommand lives in its own module under :mod:`kalib.commands` and
provides ``NAME``, ``HELP``, ``add_arguments(parser)`` and ``run(args) -> int``.
Exit codes: 0 success, 2 bad input (with a located list of problems), 1 any
other failure, 130 interrupted (Ctrl-C).  A user's mistake never shows a traceback (``--debug`` does).
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys
import warnings
from collections.abc import Sequence

from . import __version__
from .client import InputError, MissingData

__all__ = ["main", "EXIT_OK", "EXIT_FAIL", "EXIT_BAD_INPUT", "EXIT_INTERRUPTED"]

EXIT_OK, EXIT_FAIL, EXIT_BAD_INPUT = 0, 1, 2
EXIT_INTERRUPTED = 130  # Ctrl-C: 128 + SIGINT, as shells report it
EXIT_PIPE_CLOSED = 141  # the reader went away (`kalib health demo | head`): 128 + SIGPIPE, as coreutils report it


def _commands():
    from . import commands

    mods = []
    for info in pkgutil.iter_modules(commands.__path__):
        if info.name.startswith("_"):
            continue
        mod = importlib.import_module(f"{commands.__name__}.{info.name}")
        if hasattr(mod, "NAME") and hasattr(mod, "run"):
            mods.append(mod)
    order = ["check", "health", "accounts", "pipeline", "review", "deal", "deals", "team", "report", "portfolio", "app", "new", "cache"]
    return sorted(mods, key=lambda m: (order.index(m.NAME) if m.NAME in order else 99, m.NAME))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kalib",
        description="Key Account Sales Lab: the key-account (大客户) sales method on a client's data.",
        epilog="A CLIENT is a folder of CSV/XLSX files, a single .xlsx workbook, or 'demo'. "
        "Exit codes: 0 success, 2 bad input, 1 other failure.",
    )
    parser.add_argument("--version", action="version", version=f"kalib {__version__}")
    parser.add_argument("--debug", action="store_true", help="show full tracebacks")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for mod in _commands():
        p = sub.add_parser(mod.NAME, help=mod.HELP, description=getattr(mod, "DESCRIPTION", mod.HELP))
        p.add_argument("--debug", action="store_true", help="show full tracebacks")
        mod.add_arguments(p)
        p.set_defaults(_run=mod.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return EXIT_BAD_INPUT
    debug = getattr(args, "debug", False)
    from .commands._common import safe_output
    from .memory import return_freed_memory

    return_freed_memory()  # a big client's freed buffers go back to the system: a lower peak
    if "jsonschema" not in sys.modules:
        # jsonschema imports an optional IRI-syntax checker (a grammar compiled at import: a second or two of
        # CPU) for a format that client.yml's schema never uses; without it, formats are only not checked.
        sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]

    with safe_output():  # names from a client's files are shown, never obeyed by the terminal
        return _run(args, debug)


def _run(args: argparse.Namespace, debug: bool) -> int:
    try:
        with warnings.catch_warnings():
            if not debug:
                warnings.simplefilter("ignore", category=FutureWarning)
            return int(args._run(args) or 0)
    except InputError as exc:
        if debug:
            raise
        print(f"kalib {args.command}: {exc.text(getattr(args, 'lang', None) or 'en')}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except (MissingData, FileNotFoundError, NotADirectoryError, ValueError) as exc:
        if debug:
            raise
        print(f"kalib {args.command}: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print(f"kalib {args.command}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # Nothing more can be written where the output went; stop quietly, and keep Python's own flush of
        # stdout at exit from failing again (the recipe of the signal module's documentation).
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_PIPE_CLOSED
    except Exception as exc:  # an error of kalib's, not the user's: say so plainly
        if debug:
            raise
        print(f"kalib {args.command}: failed: {type(exc).__name__}: {exc}\n(run again with --debug for details)",
              file=sys.stderr)
        return EXIT_FAIL


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
