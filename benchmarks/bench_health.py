"""Benchmark: the health check on a big client, and the live panel's recompute.

    python benchmarks/bench_health.py                  # both parts, default sizes
    python benchmarks/bench_health.py --skip-cli       # only the widget part
    python benchmarks/bench_health.py --customers 100000 --changes 50

Part 1, ``kalib health`` on the generated big client (1,000,000 opportunities,
5,000,000 revenue rows) in ``benchmarks/generated/big``: the folder
``benchmarks/bench_load.py`` writes (generated here with :mod:`kalib.demo` the
same way when it is missing).  Runs ``python -m kalib health FOLDER --json`` in
a subprocess (wall time and peak memory), and, in another subprocess, times the
load and :func:`kalib.health.health_check` apart.

Part 2, the live panel (:func:`kalib.widgets.health.health_panel`) on a client
with 100,000 customers, generated in memory: the time to build the panel
(one health check on the raw data) and the time per change (a slider moved:
the ten values are re-assessed and the scorecard and reading rewritten; no raw
data is touched).  Aim: under 100 ms per change.

A plain script that prints a table, not a timed test.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))

CHILD = r"""
import json, resource, time
t0 = time.perf_counter()
import kalib
from kalib.health import health_check
t1 = time.perf_counter()
client = kalib.load_client({folder!r})
t2 = time.perf_counter()
c2 = time.process_time()
r = health_check(client)
t3 = time.perf_counter()
c3 = time.process_time()
best, cpu = t3 - t2, c3 - c2
for _ in range(2):  # the machine may be busy: keep the best of three
    a, b = time.perf_counter(), time.process_time()
    health_check(client)
    best, cpu = min(best, time.perf_counter() - a), min(cpu, time.process_time() - b)
d = r.to_dict()
print(json.dumps({{"import_s": t1 - t0, "load_s": t2 - t1, "health_s": best, "health_cpu_s": cpu,
                  "rows": {{k: len(v) for k, v in client.tables.items()}}, "counts": r.counts(),
                  "period": r.period.label,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _ensure_big(folder: Path, opportunities: int, revenue: int, customers: int) -> None:
    if (folder / "client.yml").exists():
        return
    from kalib import demo

    print(f"generating {folder} ({opportunities:,} opportunities, {revenue:,} revenue rows)...", flush=True)
    frames, meta = demo.generate(n_customers=customers, n_opportunities=opportunities, n_revenue=revenue,
                                 snapshot_weeks=0, n_key_deals=0)
    demo.write_client(frames, meta, folder, fmt="csv", headers="zh", fast=True)


def bench_cli(folder: Path) -> list[tuple[str, float, float | None]]:
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    out: list[tuple[str, float, float | None]] = []
    t = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    proc = subprocess.run([sys.executable, "-m", "kalib", "health", str(folder), "--json"], capture_output=True,
                          text=True, cwd=REPO, env=env)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if proc.returncode != 0:
        print(proc.stderr, file=sys.stderr)
        raise SystemExit(f"kalib health failed (exit {proc.returncode})")
    data = json.loads(proc.stdout)
    statuses = ", ".join(f"{o['id']}:{o['status']}" for o in data["indicators"])
    out.append((f"kalib health --json (wall, incl. import)", wall, max(after, before) / 1024))
    proc = subprocess.run([sys.executable, "-c", CHILD.format(folder=str(folder))], capture_output=True, text=True,
                          cwd=REPO, env=env)
    if proc.returncode != 0:
        print(proc.stderr, file=sys.stderr)
        raise SystemExit("the timing subprocess failed")
    child = json.loads(proc.stdout.strip().splitlines()[-1])
    out.append(("  of which kalib.load_client", child["load_s"], None))
    out.append(("  of which health_check (best of 3)", child["health_s"], child["peak_rss_mb"]))
    out.append(("  health_check CPU time (best of 3)", child["health_cpu_s"], None))
    print("rows: " + ", ".join(f"{k}={v:,}" for k, v in child["rows"].items()))
    print(f"period {child['period']}; statuses {statuses}")
    return out


def bench_widget(customers: int, changes: int) -> list[tuple[str, float, float | None]]:
    from kalib import Client, demo
    from kalib.health import evaluate
    from kalib.widgets.health import health_panel

    out: list[tuple[str, float, float | None]] = []
    t = time.perf_counter()
    frames, meta = demo.generate(n_customers=customers, snapshot_weeks=0, n_key_deals=0)
    keep = {k: v for k, v in frames.items() if k not in ("deal_scores", "stakeholders")}
    m = {k: meta[k] for k in ("name", "industry", "employees", "sales_target", "as_of") if k in meta}
    client = Client.from_frames(keep, **m)
    out.append((f"generate a client of {customers:,} customers", time.perf_counter() - t, _rss_mb()))
    print("widget client rows: " + ", ".join(f"{k}={len(v):,}" for k, v in client.tables.items()))

    t = time.perf_counter()
    panel = health_panel(client, lang="zh")
    out.append(("build the panel (one health check)", time.perf_counter() - t, _rss_mb()))

    keys = ["win_rate", "top10_share", "nps", "reps_above_mean", "pipeline_coverage"]
    times = []
    for i in range(changes):
        s = panel.inputs[keys[i % len(keys)]]
        target = s.min + (s.max - s.min) * ((i * 37) % 100) / 100
        t = time.perf_counter()
        s.value = target
        times.append(time.perf_counter() - t)
    if panel.errors.value:
        raise SystemExit("the panel showed an error: " + panel.errors.value)
    times.sort()
    out.append((f"one change, median of {changes}", statistics.median(times), None))
    out.append(("one change, 95th percentile", times[int(0.95 * (len(times) - 1))], None))
    out.append(("one change, slowest", times[-1], _rss_mb()))
    vals = panel.result().values
    t = time.perf_counter()
    for _ in range(200):
        evaluate(vals, "manufacturing", client.config)
    out.append(("evaluate() alone (no HTML)", (time.perf_counter() - t) / 200, None))
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--folder", type=Path, default=HERE / "generated" / "big")
    p.add_argument("--opportunities", type=int, default=1_000_000)
    p.add_argument("--revenue", type=int, default=5_000_000)
    p.add_argument("--big-customers", type=int, default=20_000, help="customers of the generated big client")
    p.add_argument("--customers", type=int, default=100_000, help="customers of the widget's client")
    p.add_argument("--changes", type=int, default=50)
    p.add_argument("--skip-cli", action="store_true")
    p.add_argument("--skip-widget", action="store_true")
    args = p.parse_args(argv)

    print(f"machine: {platform.node() or '?'} · {platform.machine()} · {os.cpu_count()} CPU(s) · "
          f"Python {platform.python_version()}")
    rows: list[tuple[str, float, float | None]] = []
    if not args.skip_cli:
        _ensure_big(args.folder, args.opportunities, args.revenue, args.big_customers)
        rows += bench_cli(args.folder)
    if not args.skip_widget:
        rows += bench_widget(args.customers, args.changes)
    print()
    print(f"{'step':44s} {'time':>11s} {'peak RSS MB':>12s}")
    for name, secs, rss in rows:
        shown = f"{secs * 1000:8.1f} ms" if secs < 1 else f"{secs:9.1f} s"
        print(f"{name:44s} {shown:>11s} {('' if rss is None else f'{rss:,.0f}'):>12s}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
