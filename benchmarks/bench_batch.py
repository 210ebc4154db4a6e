"""Benchmark of batch reports: serial vs the process pool vs a Dask LocalCluster (plain script; prints times).

``--clients`` (default 40) clients are generated with :mod:`kalib.demo` (each its own seed, 10 to 40
customers, 3 to 8 salespeople), then ``kalib report --batch`` renders them three ways, each in a fresh
process, as a user runs it:

* ``--jobs 1``: one after another in one process (serial);
* ``--jobs 2``: the process pool, two worker processes;
* ``--scheduler local --jobs 2``: a Dask ``LocalCluster`` of two worker processes (one thread each).

By default each client's report is one real report section, the course's health-check notebook (the full
report's seven notebooks take about 30 s per client: ``--full`` for those); what is compared is how the
clients are spread over the workers, which the number of notebooks does not change.  The machine (host name,
CPU, cores, Python) and its load average are printed with the results: run it with ``nice`` on a shared
machine, and read the ratios more than the seconds.

Run from the repository root: ``nice .venv/bin/python benchmarks/bench_batch.py``
(``--clients 8`` for a quick look; ``--keep DIR`` keeps the clients and the reports).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
KALIB = str(Path(sys.executable).parent / "kalib")
SECTION = "00.01-health-check.ipynb"


def load() -> str:
    try:
        return "load %.1f" % os.getloadavg()[0]
    except OSError:  # pragma: no cover
        return "load ?"


def machine() -> str:
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"{platform.node()} ({platform.system()} {platform.release()}), {cpu or 'CPU ?'}, "
            f"{os.cpu_count()} cores, Python {sys.version.split()[0]}")


def make_clients(folder: Path, n: int) -> None:
    from kalib import demo

    for i in range(n):
        frames, meta = demo.generate(seed=1000 + i, n_customers=10 + (i * 7) % 31, years=2,
                                     n_salespeople=3 + i % 6, n_key_deals=2 + i % 3, snapshot_weeks=2)
        meta["name"] = f"客户 {i:02d}"
        demo.write_client(frames, meta, folder / f"client{i:02d}", fmt="csv")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", type=int, default=40)
    ap.add_argument("--full", action="store_true", help="the whole report (seven notebooks) for every client")
    ap.add_argument("--keep", metavar="DIR", help="keep the clients and the reports in DIR")
    args = ap.parse_args()
    print(f"machine: {machine()}; {load()}", flush=True)
    tmp = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="kalib-bench-batch-"))
    tmp.mkdir(parents=True, exist_ok=True)
    try:
        t0 = time.perf_counter()
        make_clients(tmp / "clients", args.clients)
        print(f"{args.clients} clients generated in {time.perf_counter() - t0:.1f} s", flush=True)
        extra = []
        if not args.full:
            nbs = tmp / "notebooks"
            nbs.mkdir(exist_ok=True)
            shutil.copy(REPO / "notebooks" / SECTION, nbs / SECTION)
            extra = ["--notebooks", str(nbs)]
            print(f"report: one section per client ({SECTION}); --full for all seven", flush=True)
        modes = [("serial (--jobs 1)", "serial", ["--jobs", "1"]),
                 ("process pool (--jobs 2)", "pool", ["--jobs", "2"]),
                 ("Dask LocalCluster (2 workers)", "dask", ["--scheduler", "local", "--jobs", "2"])]
        times = {}
        for label, key, opts in modes:
            start = time.perf_counter()
            proc = subprocess.run([KALIB, "report", "--batch", str(tmp / "clients"), "-o", str(tmp / f"out-{key}"),
                                   "-q", *extra, *opts], cwd=REPO, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, text=True)
            times[key] = time.perf_counter() - start
            print(f"  {label:<32} {times[key]:7.1f} s  ({times[key] / args.clients:.2f} s per client, "
                  f"exit {proc.returncode})   {load()}", flush=True)
            if proc.returncode:
                print(proc.stderr[-2000:], file=sys.stderr)
        print(f"ratios: serial / pool = {times['serial'] / times['pool']:.2f}x, "
              f"serial / Dask = {times['serial'] / times['dask']:.2f}x, "
              f"pool / Dask = {times['pool'] / times['dask']:.2f}x (above 1: Dask faster)")
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
