"""``kalib report CLIENT`` / ``kalib report --batch CLIENTS``: the client report (HTML, optionally PDF)."""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys

from ._common import add_cache_argument, check_out_folder, print_json

NAME = "report"
HELP = "run the report notebooks on a client and write one HTML report (or a batch of clients)"
DESCRIPTION = (
    "Run the report notebooks (executive summary, the ten indicators, customer value, boards and dashboard, "
    "deal reviews, team, recommendations) on a client with papermill, keep the executed notebooks, and write one "
    "self-contained HTML report (no code, charts embedded, opens offline) in Chinese or English to "
    "OUT/<as-of date>/<client>-<period>-<lang>.html (OUT defaults to reports/<client>). --pdf also prints it to PDF "
    "with a local Chromium. A section whose data the client lacks (see kalib check) is not run: the report shows "
    "it as 'not available: needs ...; add ...' and the command lists it; the report still exits 0. With --batch, render every client of a folder (each sub-folder or .xlsx workbook) or "
    "of a clients.yml in parallel into OUT/<client>/ (OUT defaults to reports), continue past failures, write "
    "OUT/batch-summary.json and exit 1 if any client failed. Exit 0 ok, 1 a report failed, 2 bad input."
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("client", metavar="CLIENT", nargs="?", help="client folder, .xlsx workbook, or 'demo'")
    p.add_argument("--batch", metavar="CLIENTS",
                   help="a folder of clients (sub-folders / .xlsx workbooks) or a clients.yml listing them")
    p.add_argument("-o", "--out", metavar="OUT",
                   help="output folder (default: reports/<client>; with --batch: reports)")
    p.add_argument("--lang", choices=["zh", "en"], default=None,
                   help="language of the report (default: client.yml's, else zh)")
    p.add_argument("--period", metavar="PERIOD",
                   help="analysis period: 2024, FY2024, 2024-Q3, 2024-05, 2024-01-01..2024-06-30 "
                        "(default: client.yml's, else the last full year)")
    p.add_argument("--industry", choices=["manufacturing", "services"],
                   help="industry whose lines apply (default: client.yml's)")
    p.add_argument("--as-of", metavar="DATE", help="analyse as of this date (default: client.yml's, else the "
                                                   "latest date in the data)")
    p.add_argument("--pdf", action="store_true", help="also print the report to PDF (needs a local Chromium/Chrome)")
    p.add_argument("--jobs", "-j", type=int, metavar="N",
                   help="notebooks (one client) or clients (--batch) run at once (default: the number of cores)")
    p.add_argument("--notebooks", metavar="DIR", help="folder of the report notebooks (default: the course's)")
    p.add_argument("--timeout", type=float, default=600, metavar="SECONDS",
                   help="longest a notebook cell may run (default 600)")
    p.add_argument("--fresh-kernels", action="store_true",
                   help="start a new kernel for every notebook (slower; by default each worker keeps one kernel "
                        "and clears it between notebooks)")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="with --batch: run the clients on a Dask cluster, tcp://HOST:PORT of its scheduler (or 'local' "
                        "for a LocalCluster of --jobs worker processes, default 2); needs pip install 'kalib[dask]', "
                        "and kalib and the client folders at the same paths on every worker")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress output")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    add_cache_argument(p)


def _fast_nbformat() -> None:
    """Skip an optional IRI-syntax checker that jsonschema loads and nbformat never uses (seconds of CPU)."""
    if "jsonschema" not in sys.modules:
        sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]


#: Exit code after Ctrl-C (128 + SIGINT, as shells report it).
EXIT_INTERRUPTED = 130


@contextlib.contextmanager
def _interrupts():
    """Count SIGINTs (and SIGTERMs): the first stops the run (KeyboardInterrupt), later ones let its clean-up finish.

    Yields the list of signals seen, so that an interrupt swallowed somewhere
    on the way still ends the run with :data:`EXIT_INTERRUPTED`, never 0.
    """
    seen: list[int] = []

    def on_sigint(signum, frame):
        seen.append(signum)
        if len(seen) == 1:
            # The KeyboardInterrupt below can land in a finaliser (``__del__``), where Python only prints it
            # and goes on; kernels run here (``--jobs 1``) are stopped first, so the run ends either way.
            from ..report.workers import stop_kernels_now

            stop_kernels_now()
            raise KeyboardInterrupt

    previous = {}
    try:
        for signum in (signal.SIGINT, signal.SIGTERM):  # SIGTERM: e.g. `timeout`, a service manager
            previous[signum] = signal.signal(signum, on_sigint)
    except ValueError:  # not the main thread: interrupts are the caller's
        yield seen
        return
    try:
        yield seen
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def run(args: argparse.Namespace) -> int:
    if not args.no_cache:
        return _run(args)
    old = os.environ.get("KALIB_NO_CACHE")
    os.environ["KALIB_NO_CACHE"] = "1"  # the notebooks' kernels inherit it: none of them reads or writes the cache
    try:
        return _run(args)
    finally:
        if old is None:
            os.environ.pop("KALIB_NO_CACHE", None)
        else:
            os.environ["KALIB_NO_CACHE"] = old


def _run(args: argparse.Namespace) -> int:
    if args.jobs is not None and args.jobs < 1:
        raise ValueError("--jobs must be 1 or more")
    if bool(args.batch) == bool(args.client):
        raise ValueError("give either a CLIENT or --batch CLIENTS (not both)")
    if args.scheduler and not args.batch:
        raise ValueError("--scheduler runs a batch on a Dask cluster: give --batch CLIENTS")
    if args.out:
        check_out_folder(args.out)
    _fast_nbformat()
    code = EXIT_INTERRUPTED
    with _interrupts() as seen:
        try:
            code = _run_batch(args) if args.batch else _run_one(args)
        except KeyboardInterrupt:
            seen.append(signal.SIGINT)
    if seen:
        print("kalib report: interrupted; the notebooks were stopped and no partial output is left.",
              file=sys.stderr, flush=True)
        return 128 + seen[0]  # 130 after Ctrl-C, 143 after SIGTERM
    return code


def _say(quiet: bool):
    def say(msg: str) -> None:
        if not quiet:
            print(msg, file=sys.stderr, flush=True)

    return say


def _run_one(args: argparse.Namespace) -> int:
    import warnings

    from ..report import ReportFailed, render_report

    say = _say(args.quiet)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*TCP without encryption.*")
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        warnings.filterwarnings("ignore", message="notebook .* not found")  # listed below, once
        try:
            res = render_report(
                args.client, args.out, lang=args.lang, period=args.period, industry=args.industry,
                as_of=args.as_of, pdf=args.pdf, jobs=args.jobs, notebooks=args.notebooks, timeout=args.timeout,
                progress=say, keep_kernels=not args.fresh_kernels, debug=getattr(args, "debug", False),
            )
        except ReportFailed as exc:
            print(f"kalib report: {exc}", file=sys.stderr)
            return 1
    for w in res.warnings:
        print(f"warning: {w}", file=sys.stderr)
    if args.json:
        print_json(res.to_dict())
    else:
        print(f"report: {_rel(res.html)}")
        if res.pdf:
            print(f"pdf: {_rel(res.pdf)}")
        print(f"notebooks: {_rel(res.notebooks[0].parent) if res.notebooks else '-'}")
        print(f"numbers: {_rel(res.html.with_name(res.html.stem + '.records.json'))}")
        if res.missing:
            print(f"{len(res.missing)} section(s) not available (the client's data lack what they need):")
            for m in res.missing:
                print(f"  - {m['title_zh'] if res.lang == 'zh' else m['title_en']}: {m['reason']}")
        say(f"done in {res.seconds:.1f} s")
    return 1 if (args.pdf and res.pdf is None) else 0


def _run_batch(args: argparse.Namespace) -> int:
    from ..report.batch import read_batch, run_batch

    items = read_batch(args.batch, lang=args.lang, period=args.period, industry=args.industry, as_of=args.as_of,
                       pdf=args.pdf or None)
    out = args.out or "reports"
    if not args.quiet:
        print(f"{len(items)} client(s) from {args.batch} -> {out}", file=sys.stderr)
    result = run_batch(items, out, jobs=args.jobs, notebooks=args.notebooks, timeout=args.timeout,
                       progress=not args.quiet, keep_kernels=not args.fresh_kernels,
                       debug=getattr(args, "debug", False), scheduler=args.scheduler, lang=args.lang)
    if args.json:
        print_json(result.to_dict())
    else:
        print(result.table())
        print(f"summary: {_rel(result.summary)}")
        print(f"portfolio: {_rel(result.portfolio)}")
        for o in result.failed:
            print(f"\n{o.name} failed ({o.error_type}):\n{o.error}", file=sys.stderr)
    return 1 if result.failed else 0


def _rel(path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:  # another drive (Windows)
        return str(path)
