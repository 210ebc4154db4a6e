"""Benchmark: generate a big client, write it as CSV, and time ``kalib.load_client`` on it.

    python benchmarks/bench_load.py                      # 1,000,000 opportunities, 5,000,000 revenue rows
    python benchmarks/bench_load.py --opportunities 100000 --revenue 500000
    python benchmarks/bench_load.py --reuse --profile    # keep the files, show where the load spends its time

The files go to ``benchmarks/generated/`` (git-ignored).  The load runs in a
fresh subprocess so its peak memory (``resource.getrusage``, ru_maxrss) is the
load's own.  A plain script that prints a table, not a timed test.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))

CHILD = r"""
import json, resource, sys, time
t0 = time.perf_counter()
import kalib
t1 = time.perf_counter()
if {profile!r}:
    import cProfile, pstats, io
    prof = cProfile.Profile()
    prof.enable()
client = kalib.load_client({folder!r})
t2 = time.perf_counter()
if {profile!r}:
    prof.disable()
    out = io.StringIO()
    pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(15)
    pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(15)
    print(out.getvalue(), file=sys.stderr)
rows = {{name: len(df) for name, df in client.tables.items()}}
ru = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({{"import_s": t1 - t0, "load_s": t2 - t1, "cpu_s": ru.ru_utime + ru.ru_stime, "rows": rows, "warnings": len(client.warnings),
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--opportunities", type=int, default=1_000_000)
    p.add_argument("--revenue", type=int, default=5_000_000)
    p.add_argument("--customers", type=int, default=20_000)
    p.add_argument("--out", type=Path, default=HERE / "generated" / "big")
    p.add_argument("--reuse", action="store_true", help="load the files already in --out (skip generating)")
    p.add_argument("--profile", action="store_true", help="print cProfile's top 15 of the load (to stderr)")
    args = p.parse_args(argv)

    from kalib import demo

    results: list[tuple[str, float, float | None, float | None]] = []  # step, wall s, CPU s, peak RSS MB
    if not (args.reuse and (args.out / "client.yml").exists()):
        t, c = time.perf_counter(), time.process_time()
        frames, meta = demo.generate(n_customers=args.customers, n_opportunities=args.opportunities,
                                     n_revenue=args.revenue, snapshot_weeks=0, n_key_deals=0)
        results.append(("generate (kalib.demo.generate)", time.perf_counter() - t, time.process_time() - c, _rss_mb()))
        frames = {name: df for name, df in frames.items() if len(df)}  # no header-only files
        t, c = time.perf_counter(), time.process_time()
        demo.write_client(frames, meta, args.out, fmt="csv", headers="zh", fast=True)
        results.append(("write CSV (pyarrow)", time.perf_counter() - t, time.process_time() - c, _rss_mb()))
        del frames
    size_mb = sum(f.stat().st_size for f in args.out.iterdir()) / 1e6

    code = CHILD.format(folder=str(args.out), profile=args.profile)
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO,
                          env={**os.environ, "PYTHONWARNINGS": "ignore"})
    wall = time.perf_counter() - t
    if proc.returncode != 0:
        print(proc.stderr, file=sys.stderr)
        print("load failed", file=sys.stderr)
        return 1
    child = json.loads(proc.stdout.strip().splitlines()[-1])
    results.append(("kalib.load_client (in subprocess)", child["load_s"], None, child["peak_rss_mb"]))
    results.append(("  whole subprocess, incl. import", wall, child["cpu_s"], None))

    print(f"machine: {platform.node() or '?'} · {platform.machine()} · {os.cpu_count()} CPU(s) · "
          f"Python {platform.python_version()}")
    print(f"client: {args.out} ({size_mb:,.0f} MB of CSV); rows loaded: "
          + ", ".join(f"{k}={v:,}" for k, v in child["rows"].items()) + f"; {child['warnings']} warning(s)")
    print()
    print(f"load average now: {', '.join(f'{x:.1f}' for x in os.getloadavg())} (wall times stretch on a busy machine)")
    print()
    print(f"{'step':38s} {'wall s':>8s} {'CPU s':>8s} {'peak RSS MB':>12s}")
    for name, secs, cpu, rss in results:
        cpu_text = "" if cpu is None else f"{cpu:.1f}"
        rss_text = "" if rss is None else f"{rss:,.0f}"
        print(f"{name:38s} {secs:8.1f} {cpu_text:>8s} {rss_text:>12s}")
    if args.profile and proc.stderr:
        print()
        print(proc.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
